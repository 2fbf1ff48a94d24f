"""The club page, the territory page and the overview in a real headless Chromium, on a
real server over the Aube fixture: tables and charts from the network-analysis views,
the links that lead to them, the WebGL overview (sigma) and its clicks. Every page is
checked for console errors; screenshots go to out/screenshots."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.browser import chromium, console_errors, shoot, wait
from tests.web_server import aube_site
from visual.palette import kind_colour


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with aube_site() as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    with chromium() as driver:
        yield driver


def open_view(browser: WebDriver, url: str) -> None:
    browser.get(url)
    wait(browser, "document.getElementById('view').dataset.ready === 'true'")


def rows(browser: WebDriver, key: str) -> list[list[str]]:
    found = browser.find_elements(By.CSS_SELECTOR, f"#table-{key} tbody tr")
    return [[td.text for td in tr.find_elements(By.TAG_NAME, "td")] for tr in found]


def node_attribute(browser: WebDriver, name: str) -> dict[str, object]:
    script = (
        "const g = maillageOverview.graph;"
        " return Object.fromEntries(g.nodes().map(n => [n, g.getNodeAttribute(n, arguments[0])]))"
    )
    return dict(browser.execute_script(script, name))


def bars(browser: WebDriver, key: str) -> int:
    return len(browser.find_elements(By.CSS_SELECTOR, f"#table-{key} [data-chart] g[aria-label='bar'] rect"))


def test_the_actor_page_of_a_club_leads_to_its_club_page(site: str, browser: WebDriver) -> None:
    browser.get(site + "/acteur/org:club-10")
    link = WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.ID, "club-view-link") or None)[0]
    link.click()
    wait(browser, "document.getElementById('view').dataset.ready === 'true'")
    assert browser.current_url == site + "/club/org%3Aclub-10"
    assert console_errors(browser) == []


def test_club_page_shows_members_tables_and_charts(site: str, browser: WebDriver) -> None:
    open_view(browser, site + "/club/org:club-10")
    shoot(browser, "club")
    title = browser.find_element(By.ID, "view-title").text
    members = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#members li")]
    keys = [s.get_attribute("data-key") for s in browser.find_elements(By.CSS_SELECTOR, "section[data-key]")]
    assert title == "Club Les entreprises s'engagent de l'Aube synthétique"
    assert members == [
        "Boutique Boulot Atelier et chantier d'insertion synthétique",
        "Leader SA Entreprise synthétique",
        "Menuiserie Champenoise Entreprise synthétique",
    ]
    assert keys == [
        "sections",
        "tranches",
        "couverture",
        "siae_sans_lien",
        "passerelles",
        "courtiers",
        "communautes",
    ]
    # three members of four Aube companies; the Recyclerie is tied to no member
    assert rows(browser, "couverture") == [["inconnu", "3", "4", "75"]]
    assert rows(browser, "siae_sans_lien") == [["Recyclerie de Troyes synthétique", "EI", "Troyes", "0", "0"]]
    recyclerie = browser.find_element(By.CSS_SELECTOR, "#table-siae_sans_lien tbody a")
    assert recyclerie.get_attribute("href") == site + "/acteur/org%3Aei-troyes"
    assert browser.execute_script("return maillageCharts.sections") == [{"label": "inconnu", "value": 3}]
    assert (bars(browser, "sections"), bars(browser, "couverture")) == (1, 1)
    assert rows(browser, "passerelles") == []  # « Aucune ligne. »
    territory = browser.find_element(By.CSS_SELECTOR, "#view-facts a")
    assert (territory.text, territory.get_attribute("href")) == (
        "Aube",
        site + "/territoire/departement%3A10",
    )
    assert console_errors(browser) == []


def test_club_table_exports_as_csv(site: str, browser: WebDriver) -> None:
    open_view(browser, site + "/club/org:club-10")
    href = browser.find_element(By.CSS_SELECTOR, "#table-couverture .meta a").get_attribute("href")
    with urllib.request.urlopen(href) as answer:
        text = answer.read().decode("utf-8")
    assert href == site + "/api/v1/export/club?id=org%3Aclub-10&tableau=couverture"
    assert text == "section NAF,membres,entreprises du territoire,couverture %\r\ninconnu,3,4,75.0\r\n"


def test_a_territory_found_by_search_opens_its_page(site: str, browser: WebDriver) -> None:
    browser.get(site + "/")
    browser.find_element(By.ID, "q").send_keys("aube")
    links = WebDriverWait(browser, 20).until(
        lambda b: b.find_elements(By.CSS_SELECTOR, "#results li a") or None
    )
    next(a for a in links if a.text == "Aube").click()
    wait(browser, "document.getElementById('view').dataset.ready === 'true'")
    assert browser.current_url == site + "/territoire/departement%3A10"
    assert browser.find_element(By.ID, "view-title").text == "Aube"
    assert console_errors(browser) == []


def test_territory_page_shows_indicators_siae_blank_communes_and_centrality(
    site: str, browser: WebDriver
) -> None:
    open_view(browser, site + "/territoire/departement:10")
    shoot(browser, "territoire")
    indicators = browser.execute_script("return maillageCharts.indicateurs")
    territory = {d["indicateur"]: d["value"] for d in indicators if d["serie"] == "territoire"}
    assert territory == {"SIAE": 2, "ACI": 1, "EI": 1, "AI": 0, "ETTI": 0, "EITI": 0}
    assert bars(browser, "indicateurs") == 18  # six indicators, three series
    assert rows(browser, "siae") == [
        ["Boutique Boulot synthétique", "ACI", "Troyes", "2"],
        ["Recyclerie de Troyes synthétique", "EI", "Troyes", "1"],
    ]
    assert rows(browser, "zones_blanches") == [["Romilly-sur-Seine", "35,4"]]
    romilly = browser.find_element(By.CSS_SELECTOR, "#table-zones_blanches tbody a")
    assert romilly.get_attribute("href") == site + "/territoire/commune%3A10323"
    # by PageRank; Boutique Boulot, the Recyclerie and Leader SA tie, by id
    assert [r[0] for r in rows(browser, "centralite")] == [
        f"{name} synthétique"
        for name in (
            "Club Les entreprises s'engagent de l'Aube",
            "Transports de Seine",
            "Menuiserie Champenoise",
            "Boutique Boulot",
            "Recyclerie de Troyes",
            "Leader SA",
        )
    ]
    assert rows(browser, "centralite")[0][2:] == ["0,35", "3", "0,2"]
    assert console_errors(browser) == []


def test_overview_draws_the_territory_network_in_webgl(site: str, browser: WebDriver) -> None:
    browser.get(site + "/vue-ensemble?territoire=departement:10")
    wait(browser, "window.maillageOverview && maillageOverview.graph.order > 0")
    shoot(browser, "vue-ensemble")
    order, size = browser.execute_script("return [maillageOverview.graph.order, maillageOverview.graph.size]")
    status = browser.find_element(By.ID, "overview-status").text
    sizes = node_attribute(browser, "size")
    colours = node_attribute(browser, "color")
    webgl = browser.execute_script("return document.querySelectorAll('#overview canvas').length")
    assert (order, size) == (6, 5)
    assert status.startswith("6 organisations dont 6 synthétiques (générées), 5 liens, 3 communautés.")
    # sized by PageRank: the club (0.350649) largest, then Transports de Seine (0.187215)
    assert max(sizes, key=sizes.get) == "org:club-10"
    assert sizes["org:club-10"] == 15
    assert sizes["org:transports"] == pytest.approx(3 + 12 * (0.187215 / 0.350649) ** 0.5)
    assert colours["org:club-10"] == kind_colour("Club")
    assert colours["org:boutique-boulot"] == kind_colour("ACI")
    assert webgl > 0
    assert console_errors(browser) == []


def test_overview_colours_by_community_and_a_click_opens_the_actor(site: str, browser: WebDriver) -> None:
    browser.get(site + "/vue-ensemble?territoire=departement:10")
    wait(browser, "window.maillageOverview && maillageOverview.graph.order > 0")
    Select(browser.find_element(By.ID, "ov-color")).select_by_value("community")
    wait(browser, "document.getElementById('overview-legend').textContent.includes('communaut')")
    colours = node_attribute(browser, "color")
    assert colours["org:ei-troyes"] == colours["org:transports"]  # the Romilly pair
    assert colours["org:ei-troyes"] not in (colours["org:club-10"], colours["org:boutique-boulot"])
    browser.execute_script("maillageOverview.renderer.emit('clickNode', {node: 'org:boutique-boulot'})")
    wait(browser, "location.pathname.startsWith('/acteur/')")
    wait(browser, "document.querySelector('#actor-name').textContent !== '…'")
    assert browser.current_url == site + "/acteur/org%3Aboutique-boulot"
    assert console_errors(browser) == []


def test_overview_finds_a_territory_by_name_and_lists_the_organisations(
    site: str, browser: WebDriver
) -> None:
    browser.get(site + "/vue-ensemble")
    wait(browser, "window.maillageOverview && maillageOverview.graph.order > 0")
    box = browser.find_element(By.ID, "ov-territoire")
    box.send_keys("romilly")
    box.submit()
    wait(browser, "maillageOverview.graph.order === 2")
    browser.find_element(By.CSS_SELECTOR, "#overview-list-box summary").click()
    listed = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#overview-list li a")]
    assert box.get_attribute("value") == "commune:10323"
    # Romilly's network: Transports de Seine (PageRank 0.649) and its partner the Recyclerie
    assert listed == ["Transports de Seine", "Recyclerie de Troyes"]
    assert console_errors(browser) == []
