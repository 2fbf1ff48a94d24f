"""The command line against the real Neo4j server: load, stats, read-only Cypher."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from graph.neo4j_store import Neo4jStore

runner = CliRunner()


def test_load_into_neo4j_then_stats_equal_the_embedded_store(neo4j_store: Neo4jStore, tmp_path: Path) -> None:
    uri = neo4j_store.address
    into_neo4j = runner.invoke(app, ["load", "guide", "--neo4j", uri])
    assert into_neo4j.exit_code == 0, into_neo4j.output
    embedded = tmp_path / "store"
    runner.invoke(app, ["load", "guide", "--store", str(embedded)])
    neo4j_stats = runner.invoke(app, ["stats", "--neo4j", uri])
    embedded_stats = runner.invoke(app, ["stats", "--store", str(embedded)])
    assert neo4j_stats.exit_code == 0, neo4j_stats.output
    assert neo4j_stats.output == embedded_stats.output
    assert ["ACI", "6"] in [line.split() for line in neo4j_stats.output.splitlines()]


def test_cypher_answers_as_json_and_refuses_writes(neo4j_store: Neo4jStore) -> None:
    uri = neo4j_store.address
    runner.invoke(app, ["load", "guide", "--neo4j", uri])
    query = "MATCH (s:ACI)-[:MEMBER_OF]->(c:Club) RETURN s.id AS siae, c.id AS club ORDER BY siae"
    result = runner.invoke(app, ["cypher", query, "--neo4j", uri, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [{"siae": "org:34267885100045-aci", "club": "org:club-10"}]
    refused = runner.invoke(app, ["cypher", "MATCH (n) DETACH DELETE n", "--neo4j", uri])
    assert refused.exit_code == 1
    assert refused.output.startswith("erreur : ")
    assert "DELETE" in refused.output
    assert "Traceback" not in refused.output
    assert neo4j_store.counts().nodes["ACI"] == 6


def test_unreachable_neo4j_is_one_line_naming_the_address() -> None:
    result = runner.invoke(app, ["stats", "--neo4j", "bolt://127.0.0.1:1"])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert "bolt://127.0.0.1:1" in result.output


def test_cypher_takes_parameters(neo4j_store: Neo4jStore) -> None:
    uri = neo4j_store.address
    runner.invoke(app, ["load", "guide", "--neo4j", uri])
    query = "MATCH (m)-[:MEMBER_OF]->(c:Node {id: $club}) RETURN m.id AS member ORDER BY member"
    result = runner.invoke(
        app, ["cypher", query, "--neo4j", uri, "--param", 'club="org:club-10"', "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "member",
        "org:34267885100045-aci",
        "org:boutique-boulot-ai",
        "org:ddetspp-aube",
    ]
