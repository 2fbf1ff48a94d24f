"""`maillage demo`: the bundled case studies, a fresh embedded store, an interactive page."""

from __future__ import annotations

import json
from pathlib import Path

from selenium.webdriver.support.ui import WebDriverWait
from typer.testing import CliRunner

from api.cli import app
from tests.browser import chromium

runner = CliRunner()

# Organisations of data/cas-du-guide.toml by kind, counted by hand in the file.
CASE_STUDY_ORGS = {
    "ACI": 6,
    "AI": 2,
    "Association": 4,
    "Banque": 1,
    "Club": 1,
    "CollectiviteCommune": 1,
    "CollectiviteEpci": 1,
    "ConseilDepartemental": 2,
    "ConseilRegional": 2,
    "DDETS": 2,
    "DelegationRegionale": 1,
    "EA": 1,
    "EI": 7,
    "ETTI": 2,
    "Entreprise": 28,
    "Fabrique": 1,
    "Fondation": 4,
    "InterReseau": 6,
    "InvestisseurSolidaire": 1,
    "PTCE": 1,
    "Reseau": 13,
}

COUNT_BY_KIND = """
SELECT ?kind (COUNT(DISTINCT ?o) AS ?n) WHERE {
  ?o a ?class . FILTER(STRSTARTS(STR(?o), "https://w3id.org/maillage/id/org/"))
  BIND(STRAFTER(STR(?class), "#") AS ?kind)
} GROUP BY ?kind ORDER BY ?kind
"""


def test_demo_builds_the_case_study_graph_and_its_page(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = out / "maillage-cas-du-guide.html"
    assert result.output.splitlines() == [
        f"116 nœuds et 126 relations chargés dans {out / 'store'}",
        f"page interactive : {page.resolve()}",
    ]

    counted = runner.invoke(app, ["sparql", COUNT_BY_KIND, "--format", "json", "--store", str(out / "store")])
    assert {row["kind"]: row["n"] for row in json.loads(counted.output)} == CASE_STUDY_ORGS

    with chromium() as browser:
        browser.get(page.as_uri())
        WebDriverWait(browser, 30).until(lambda b: b.execute_script("return typeof network !== 'undefined'"))
        labels = browser.execute_script("return network.body.data.nodes.get().map(n => n.label)")
        edges = browser.execute_script("return network.body.data.edges.get().map(e => e.label)")
        summary = browser.find_element("css selector", "header p").text
    assert len(labels) == sum(CASE_STUDY_ORGS.values()) == 87
    assert "Brise de Terre" in labels
    assert edges.count("Joint-venture sociale") == 13
    assert summary == "87 acteurs, 71 relations"


def test_demo_starts_from_a_fresh_store_each_time(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    first = runner.invoke(app, ["demo", "--out", str(out)])
    second = runner.invoke(app, ["demo", "--out", str(out)])
    assert first.output == second.output
    stats = runner.invoke(app, ["stats", "--store", str(out / "store")])
    assert ["Entreprise", "28"] in [line.split() for line in stats.output.splitlines()]
