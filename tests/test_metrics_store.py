"""`maillage metriques`: the network metrics written back as node properties, in their
own dated dataset, identical in both stores, and ordered alike by SPARQL and Cypher."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from graph.analytic import analytic_projection
from graph.model import Provenance
from graph.neo4j_store import Neo4jStore
from graph.oxigraph_store import OxigraphStore
from graph.rdf import node_id
from graph.store import GraphStore
from queries.analytics.metrics import METRICS_SOURCE, metrics_batch, network_metrics
from tests.conftest import aube_batch

ON = date(2025, 1, 1)
BY_PAGERANK_SPARQL = "SELECT ?o WHERE { ?o mlg:pagerank ?r } ORDER BY DESC(?r) ?o"
BY_PAGERANK_CYPHER = (
    "MATCH (o:Organisation) WHERE o.pagerank IS NOT NULL RETURN o.id AS id ORDER BY o.pagerank DESC, id"
)


def write_metrics(store: GraphStore) -> None:
    ag = analytic_projection(store)
    store.upsert(metrics_batch(ag, network_metrics(ag), on=ON, synthetic=True))


def test_metrics_written_back_are_identical_in_both_stores(
    oxigraph_store: OxigraphStore, neo4j_store: Neo4jStore
) -> None:
    for store in (oxigraph_store, neo4j_store):
        store.upsert(aube_batch())
        write_metrics(store)
    assert neo4j_store.subgraph() == oxigraph_store.subgraph()
    assert neo4j_store.datasets() == oxigraph_store.datasets()
    club = oxigraph_store.node("org:club-10")
    assert club is not None
    assert (club.props["degree_in"], club.props["degree_out"], club.props["k_core"]) == (3, 0, 2)
    assert club.props["betweenness"] == 4 / 30  # two of the 15 pairs among 6 go through it, n = 7
    assert METRICS_SOURCE in club.sources
    isolated = oxigraph_store.node("org:isolee")
    assert isolated is not None and "pagerank" not in isolated.props  # no tie, no metric written


def test_sparql_and_cypher_order_by_pagerank_alike(
    oxigraph_store: OxigraphStore, neo4j_store: Neo4jStore
) -> None:
    for store in (oxigraph_store, neo4j_store):
        store.upsert(aube_batch())
        write_metrics(store)
    by_sparql = [node_id(row["o"].value) for row in oxigraph_store.query(BY_PAGERANK_SPARQL)]
    by_cypher = [r["id"] for r in neo4j_store.read(BY_PAGERANK_CYPHER)]
    ag = analytic_projection(oxigraph_store)
    table = network_metrics(ag)
    expected = sorted(table.ids, key=lambda n: (-table.columns["pagerank"][table.ids.index(n)], n))
    assert by_sparql == by_cypher == expected
    assert len(expected) == 6 and expected[0] == "org:club-10"


def test_metrics_dataset_is_dated_and_rewriting_it_changes_nothing(oxigraph_store: OxigraphStore) -> None:
    oxigraph_store.upsert(aube_batch())
    write_metrics(oxigraph_store)
    assert (
        Provenance(
            METRICS_SOURCE,
            ON,
            synthetic=True,
            title="Métriques du réseau des organisations, calculées le 2025-01-01",
        )
        in oxigraph_store.datasets()
    )
    before = oxigraph_store.subgraph()
    write_metrics(oxigraph_store)
    assert oxigraph_store.subgraph() == before


def test_metriques_command(tmp_path: Path) -> None:
    with OxigraphStore(tmp_path / "store") as store:
        store.upsert(aube_batch())
    result = CliRunner().invoke(
        app, ["metriques", "--store", str(tmp_path / "store"), "--date", "2025-01-01"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "6 organisations reliées : métriques écrites (jeu « metriques-reseau », 2025-01-01)"
    )
    assert "intermédiarité exacte ; proximité harmonique exacte" in result.output
    with OxigraphStore(tmp_path / "store") as store:
        node = store.node("org:leader-sa")
        assert node is not None and node.props["degree"] == 1
    refused = CliRunner().invoke(app, ["metriques", "--store", str(tmp_path / "store"), "--date", "hier"])
    assert refused.exit_code == 1 and "date invalide" in refused.output
