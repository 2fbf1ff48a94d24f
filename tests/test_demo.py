"""`maillage demo`: the bundled case studies, a fresh embedded store, interactive pages.

`make demo` runs `maillage demo` (the load, tested here on its own) and then serves the
explorer on the store it built (`maillage serve`); the last test serves that store the
same way on a free port and walks the quick start's path in a browser.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from typer.testing import CliRunner

from api.cli import DEMO_FOCUS, app
from api.web.app import create_app
from graph.oxigraph_store import OxigraphStore
from tests.browser import chromium, console_errors, shoot, wait
from tests.web_server import serving

runner = CliRunner()

# Organisations of data/cas-du-guide.toml by kind, counted by hand in the file.
CASE_STUDY_ORGS = {
    "ACI": 6,
    "AI": 2,
    "Association": 2,
    "Banque": 1,
    "Club": 1,
    "CollectiviteCommune": 1,
    "CollectiviteEpci": 1,
    "ConseilDepartemental": 2,
    "ConseilRegional": 2,
    "DDETS": 2,
    "DelegationRegionale": 1,
    "EA": 1,
    "EI": 8,  # Soluval: an EI in the list of conventioned structures
    "ETTI": 2,
    "Entreprise": 25,
    "Fabrique": 1,
    "Groupe": 4,
    "Fondation": 4,
    "InterReseau": 6,
    "InvestisseurSolidaire": 1,
    "PTCE": 1,
    "Reseau": 13,
}

# Organisations by kind as the guide's dataset states them (its named graph).
GUIDE_COUNT_BY_KIND = """
SELECT ?kind (COUNT(DISTINCT ?o) AS ?n) WHERE {
  GRAPH <https://w3id.org/maillage/id/source/guide-avise-2021> {
    ?o a ?class . FILTER(STRSTARTS(STR(?o), "https://w3id.org/maillage/id/org/"))
  }
  BIND(STRAFTER(STR(?class), "#") AS ?kind)
} GROUP BY ?kind ORDER BY ?kind
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("demo")
    result = runner.invoke(app, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


def _stats(store: Path) -> tuple[dict[str, int], dict[str, int]]:
    """The two tables of `maillage stats`: nodes by kind, relations by kind."""
    output = runner.invoke(app, ["stats", "--store", str(store)]).output
    nodes, relations = output.split("\n\n")

    def table(text: str) -> dict[str, int]:
        rows = (line.split() for line in text.splitlines()[2:-1])
        return {name: int(count) for name, count in rows}

    return table(nodes), table(relations)


def test_demo_tells_what_it_loaded_and_where(demo: tuple[Path, str]) -> None:
    out, output = demo
    lines = output.splitlines()
    by_kind, by_relation = _stats(out / "store")
    nodes, edges = sum(by_kind.values()), sum(by_relation.values())
    assert (
        lines[0]
        == f"{nodes} nœuds et {edges} relations dans {out / 'store'} (16 jeux réels, 7 jeux synthétiques)"
    )
    assert lines[1:] == [
        f"page interactive : {(out / 'maillage-cas-du-guide.html').resolve()}",
        f"page interactive : {(out / 'maillage-boutique-boulot.html').resolve()}",
    ]


def test_demo_merges_real_guide_and_synthetic_sources_on_shared_ids(demo: tuple[Path, str]) -> None:
    counts, _ = _stats(demo[0] / "store")
    assert counts["ACI"] == 1815 + 1  # the real list, plus the guide's Atelier Panier de la Mer
    assert counts["GEIQ"] == 172
    # the synthetic Aube (seed 42), the guide's companies, the holders of public contracts (DECP)
    assert counts["Entreprise"] == 1363 + 25 + 7212
    assert counts["MarchePublic"] == 10158
    assert counts["Reseau"] == 13 + 4  # the Marché's 13, 9 of them named by the guide, which names 4 more
    assert counts["Club"] == 1  # the guide's Aube club and the generated one are one node
    assert counts["Departement"] == 101


def test_demo_case_study_counts_equal_the_data_file(demo: tuple[Path, str]) -> None:
    store = demo[0] / "store"
    counted = runner.invoke(app, ["sparql", GUIDE_COUNT_BY_KIND, "--format", "json", "--store", str(store)])
    assert {row["kind"]: row["n"] for row in json.loads(counted.output)} == CASE_STUDY_ORGS


def test_demo_pages_draw_the_views_in_a_browser(demo: tuple[Path, str]) -> None:
    out = demo[0]
    with chromium() as browser:
        browser.get((out / "maillage-cas-du-guide.html").as_uri())
        WebDriverWait(browser, 30).until(lambda b: b.execute_script("return typeof network !== 'undefined'"))
        labels = browser.execute_script("return network.body.data.nodes.get().map(n => n.label)")
        edges = browser.execute_script("return network.body.data.edges.get().map(e => e.label)")
        summary = browser.find_element("css selector", "header p").text
        browser.get((out / "maillage-boutique-boulot.html").as_uri())
        WebDriverWait(browser, 30).until(lambda b: b.execute_script("return typeof network !== 'undefined'"))
        around = browser.execute_script("return network.body.data.nodes.get().map(n => n.label)")
    assert len(labels) == sum(CASE_STUDY_ORGS.values()) == 87
    assert "Brise de Terre" in labels
    assert edges.count("Joint-venture sociale") == 13
    assert summary == "87 acteurs, 71 relations"
    # Three datasets name Boutique Boulot's ACI; the first by name (emplois-de-linclusion) wins.
    assert {"ASSOC BOUTIQUE BOULOT", "Troyes"} <= set(around)
    assert any(label.startswith("Club") for label in around)


def test_demo_store_served_walks_the_quick_start_in_a_browser(
    demo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAILLAGE_TUILES", "")  # no network in tests
    store = OxigraphStore(demo[0] / "store")
    try:
        with serving(create_app(store)) as site, chromium() as browser:
            browser.get(site + "/")
            browser.find_element(By.ID, "q").send_keys("boutique boul")
            # the first search builds the index over the whole demo store
            WebDriverWait(browser, 180).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#results li a"))
            found = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#results li a")]
            shoot(browser, "demo-accueil")
            browser.find_elements(By.CSS_SELECTOR, "#results li a")[0].click()
            wait(browser, "window.maillageEgo && maillageEgo.nodes().length > 0", timeout=60)
            heading = browser.find_element(By.TAG_NAME, "h1").text
            neighbours = browser.execute_script("return maillageEgo.nodes().map(n => n.data('label'))")
            shoot(browser, "demo-acteur")
            browser.find_element(By.ID, "actor-map-link").click()
            wait(browser, "window.maillageMarkers && maillageMarkers.size > 0", timeout=60)
            focused = browser.execute_script(f"return maillageMarkers.get('{DEMO_FOCUS}').isPopupOpen()")
            wait(browser, "getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")
            shoot(browser, "demo-carte")
            errors = console_errors(browser)
    finally:
        store.close()
    assert found == ["ASSOC BOUTIQUE BOULOT", "Boutique Boulot (AI)"]
    assert heading == "ASSOC BOUTIQUE BOULOT"
    assert {"Boutique Boulot (AI)", "CHANTIER école"} <= set(neighbours)
    assert any(label.startswith("Club") for label in neighbours)
    assert focused is True
    assert errors == []
