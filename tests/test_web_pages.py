"""The explorer's pages in a real headless Chromium, on a real server over a real store.

A person's path through the small Aube fixture: search "boutique boul", open the actor,
read its identity and provenance, widen and filter its ego network, see it on the map.
Every page is checked for console errors; screenshots go to out/screenshots (or
$MAILLAGE_SCREENSHOTS) for the documentation.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.browser import chromium, console_errors, shoot, wait
from tests.web_server import aube_site


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with aube_site() as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    with chromium() as driver:
        yield driver


def ego_ids(browser: WebDriver) -> list[str]:
    return sorted(browser.execute_script("return maillageEgo.nodes().map(n => n.id())"))


def test_search_boutique_boul_leads_to_the_actor_page(site: str, browser: WebDriver) -> None:
    browser.get(site + "/")
    box = browser.find_element(By.ID, "q")
    box.send_keys("boutique boul")
    first = WebDriverWait(browser, 20).until(
        lambda b: b.find_elements(By.CSS_SELECTOR, "#results li a") or None
    )[0]
    status = browser.find_element(By.ID, "search-status").text
    shoot(browser, "accueil-recherche")
    assert first.text == "Boutique Boulot"
    assert status == "1 résultat pour « boutique boul »."
    first.send_keys(Keys.ENTER)  # keyboard, as a person without a mouse would
    wait(browser, "document.querySelector('#actor-name').textContent !== '…'")
    assert browser.current_url == site + "/acteur/org%3Aboutique-boulot"
    assert browser.find_element(By.TAG_NAME, "h1").text == "Boutique Boulot"
    assert console_errors(browser) == []


def test_home_lists_the_loaded_dataset_with_its_date(site: str, browser: WebDriver) -> None:
    browser.get(site + "/")
    rows = WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#datasets tbody tr"))
    cells = [[td.text for td in row.find_elements(By.TAG_NAME, "td")] for row in rows]
    assert cells == [["Petit territoire de test", "2024-01-15", "synthétique"]]
    assert console_errors(browser) == []


def test_actor_page_shows_identity_and_where_each_fact_comes_from(site: str, browser: WebDriver) -> None:
    browser.get(site + "/acteur/org:boutique-boulot")
    wait(browser, "document.querySelectorAll('#identity dt').length > 0")
    terms = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#identity dt")]
    values = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#identity dd")]
    identity = dict(zip(terms, values, strict=True))
    assert identity["Type"] == "Atelier et chantier d'insertion"
    assert identity["Commune"] == "Troyes"
    assert identity["Département"] == "Aube"
    badges = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#actor-kind .badge")]
    assert badges == ["Atelier et chantier d'insertion", "synthétique"]
    assert console_errors(browser) == []


def test_ego_network_widens_with_depth_and_follows_relation_filters(site: str, browser: WebDriver) -> None:
    browser.get(site + "/acteur/org:boutique-boulot")
    wait(browser, "window.maillageEgo && maillageEgo.nodes().length > 0")
    depth_one = ego_ids(browser)
    status_one = browser.find_element(By.ID, "ego-status").text
    Select(browser.find_element(By.ID, "depth")).select_by_value("2")
    wait(browser, "maillageEgo.nodes().length > 3")
    depth_two = ego_ids(browser)
    shoot(browser, "acteur-reseau")
    browser.find_element(By.ID, "rel-MEMBER_OF").click()  # keep partnerships only
    wait(browser, "maillageEgo.nodes().length === 2")
    partners_only = ego_ids(browser)
    facets = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#facets .badge")]
    assert depth_one == ["org:boutique-boulot", "org:club-10", "org:menuiserie"]
    # bb→club, bb→menuiserie twice (achat responsable, recrutement), menuiserie→club
    assert status_one == "2 acteurs et 4 relations à 1 lien."
    assert depth_two == ["org:boutique-boulot", "org:club-10", "org:leader-sa", "org:menuiserie"]
    assert partners_only == ["org:boutique-boulot", "org:menuiserie"]
    assert "Troyes" in facets  # the place is a facet, not a node
    assert console_errors(browser) == []


def test_clicking_a_neighbour_opens_its_page(site: str, browser: WebDriver) -> None:
    browser.get(site + "/acteur/org:boutique-boulot")
    wait(browser, "window.maillageEgo && maillageEgo.nodes().length > 0")
    browser.execute_script("maillageEgo.getElementById('org:menuiserie').emit('tap')")
    wait(browser, "location.pathname.startsWith('/acteur/org%3Amenuiserie')")
    wait(browser, "document.querySelector('#actor-name').textContent !== '…'")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Menuiserie Champenoise"


def test_map_places_the_territory_actors_and_counts_those_in_a_radius(site: str, browser: WebDriver) -> None:
    browser.get(site + "/carte?territoire=departement:10")
    wait(browser, "window.maillageMarkers && maillageMarkers.size > 0")
    placed = sorted(browser.execute_script("return [...maillageMarkers.keys()]"))
    status = browser.find_element(By.ID, "map-status").text
    centres = browser.execute_script("return maillageMap.hasLayer(maillageCluster)")
    # Radius tool: 10 km around Troyes' centre keeps Troyes, leaves Romilly (35.6 km away).
    browser.execute_script("maillageMap.fire('click', {latlng: L.latLng(48.2973, 4.0744)})")
    wait(browser, "document.querySelectorAll('#radius-list li').length > 0")
    in_radius = sorted(e.text for e in browser.find_elements(By.CSS_SELECTOR, "#radius-list li a"))
    shoot(browser, "carte")
    assert placed == [
        "org:boutique-boulot",
        "org:ei-troyes",
        "org:isolee",
        "org:leader-sa",
        "org:menuiserie",
        "org:transports",
    ]
    # the club is located in the département only: no point for it
    assert status == "6 acteurs sur la carte, dont 6 synthétiques (générés); 1 sans coordonnées."
    assert centres is True
    assert in_radius == ["Boutique Boulot", "Leader SA", "Menuiserie Champenoise", "Recyclerie de Troyes"]
    assert console_errors(browser) == []


def test_candidates_come_with_reasons_and_lead_to_introductions(site: str, browser: WebDriver) -> None:
    browser.get(site + "/acteur/org:boutique-boulot")
    wait(browser, "window.maillageEgo && maillageEgo.nodes().length > 0")
    Select(browser.find_element(By.ID, "objectif")).select_by_value("recrutement")
    browser.find_element(By.CSS_SELECTOR, "#candidates-form button").click()
    cards = WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#candidates > li"))
    names = [c.find_element(By.CSS_SELECTOR, "h3").text for c in cards]
    reasons = [r.text for r in cards[0].find_elements(By.CSS_SELECTOR, ".reasons li")]
    shoot(browser, "acteur-partenaires")
    cards[0].find_element(By.TAG_NAME, "button").click()  # « Qui peut me présenter ? »
    paths = WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#introductions li"))
    intro_status = browser.find_element(By.ID, "intro-status").text
    first_path = paths[0].text
    shoot(browser, "acteur-presentations")
    assert names == ["Leader SA"]
    # The reasons as queries.partners states them, with their weights and sources.
    assert reasons[0].startswith("membres tous deux de Club Les entreprises s'engagent de l'Aube (Club) (+")
    assert reasons[0].endswith("— Petit territoire de test")
    assert reasons[1].startswith("à 0,0 km")
    assert intro_status == f"{len(paths)} chemins vers Leader SA."
    assert first_path.startswith(
        "Boutique Boulot — membre de → Club Les entreprises s'engagent de l'Aube"
        " ← membre de — Leader SA (force"
    )
    assert console_errors(browser) == []
