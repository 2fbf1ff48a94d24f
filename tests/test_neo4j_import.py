"""The offline importer (`maillage neo4j import`, `graph.neo4j_import`) against the Bolt
write path, both on real Neo4j servers: the same nodes, labels, properties, ledgers and
relations, the same answers to the paired questions, and a refusal on a directory that
already holds a database.

The imported data: a synthetic département (Aube, seed 42) with its real frame (the
real structures, places and codes of the Aube), read by the real loaders.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli import app
from graph.kinds import OrgKind, RelKind
from graph.model import Batch, Edge, Node, Provenance
from graph.neo4j_import import ImportGraph, ImportRefused
from graph.neo4j_server import Neo4jLaunchError, Neo4jServer
from graph.neo4j_store import Neo4jStore, connect
from graph.store import StoreError
from loaders.pipeline import load_generated
from loaders.synthetic import departement, generate
from queries import paired
from tests.conftest import AUBE, aube_batch

runner = CliRunner()

ALL_NODES = "MATCH (n) RETURN labels(n) AS labels, properties(n) AS props"
ALL_RELATIONS = """
MATCH (s)-[r]->(t)
RETURN s.id AS source, type(r) AS rel, t.id AS target, properties(r) AS props
"""


def _plain(value: Any) -> Any:
    to_native = getattr(value, "to_native", None)
    return to_native() if to_native is not None else value


def _node_row(labels: Any, props: dict[str, Any]) -> tuple[Any, ...]:
    kept = {k: _plain(v) for k, v in props.items() if k != "token"}  # StoreState's token is random
    return (tuple(sorted(labels)), sorted(kept.items(), key=lambda item: item[0]))


def dump(store: Neo4jStore) -> tuple[list[Any], list[Any]]:
    """Every node (labels, properties) and relation (ends, type, properties) of a database."""
    nodes = sorted((_node_row(r["labels"], r["props"]) for r in store.read(ALL_NODES)), key=repr)
    relations = sorted(
        (
            (r["source"], r["rel"], r["target"], sorted((k, _plain(v)) for k, v in r["props"].items()))
            for r in store.read(ALL_RELATIONS)
        ),
        key=repr,
    )
    return nodes, relations


def dump_graph(graph: ImportGraph) -> tuple[list[Any], list[Any]]:
    """What `write_csv` would write of `graph`, as `dump` reads a database (no Dataset nodes)."""
    nodes = sorted((_node_row(labels, props) for labels, props in graph.node_rows()), key=repr)
    relations = sorted(
        ((s, rel.value, t, sorted(props.items())) for s, t, rel, props in graph.edge_rows()), key=repr
    )
    return nodes, relations


def without_datasets(dumped: tuple[list[Any], list[Any]]) -> tuple[list[Any], list[Any]]:
    nodes, relations = dumped
    return [n for n in nodes if n[0] not in (("Dataset",), ("StoreState",))], relations


# -- the graph the importer writes, without the importer ---------------------------------------------


def test_import_graph_holds_what_upserts_write_including_a_reload(neo4j_store: Neo4jStore) -> None:
    first = aube_batch()
    # the same dataset again: a partnership gone, a name changed, a relation attribute changed
    kept_edges = [
        e
        for e in first.edges
        if not (e.rel is RelKind.PARTNER_OF and e.source == "org:ei-troyes")
        and not (e.rel is RelKind.MEMBER_OF and e.source == "org:menuiserie")
    ]
    kept_edges.append(Edge("org:menuiserie", RelKind.MEMBER_OF, "org:club-10", {"role": "leader"}))
    renamed = [
        replace(n, name="Menuiserie de Champagne") if n.id == "org:menuiserie" else n for n in first.nodes
    ]
    reload = Batch(AUBE, renamed, kept_edges)
    # another dataset on the same nodes: its own kind, a bare relation, a property
    other = Batch(
        Provenance("autre-jeu", date(2024, 6, 1)),
        [Node("org:menuiserie", OrgKind.ENTREPRISE, "Menuiserie Champenoise SA", {"effectif": 12})],
        [
            Edge("org:menuiserie", RelKind.MEMBER_OF, "org:club-10"),
            Edge("org:isolee", RelKind.PARTNER_OF, "org:menuiserie"),
        ],
    )
    graph = ImportGraph()
    for batch in (first, other, reload):
        neo4j_store.upsert(batch)
        graph.add(batch)
    assert dump_graph(graph) == without_datasets(dump(neo4j_store))
    # the reload withdrew the cotraitance of the EI; the other dataset added a partnership
    assert len(graph.edges) == len(first.edges) == 16
    assert ("org:ei-troyes", RelKind.PARTNER_OF, "org:transports", "cotraitance") not in graph.edges
    assert graph.datasets["fixture-aube"][1] == {"LOCATED_IN", "MEMBER_OF", "PART_OF", "PARTNER_OF"}


def test_a_relation_naming_an_unknown_node_refuses_the_batch_as_bolt_does(neo4j_store: Neo4jStore) -> None:
    dangling = Batch(
        AUBE, [Node("org:a", OrgKind.ACI, "A")], [Edge("org:a", RelKind.MEMBER_OF, "org:nobody")]
    )
    graph = ImportGraph()
    with pytest.raises(ImportRefused) as imported:
        graph.add(dangling)
    with pytest.raises(StoreError) as upserted:
        neo4j_store.upsert(dangling)
    assert str(imported.value) == str(upserted.value)
    assert "org:nobody" in str(imported.value)
    assert graph.nodes == {}


# -- the importer, through the command line ----------------------------------------------------------


@dataclass
class Pair:
    imported: Neo4jStore
    bolt: Neo4jStore
    data_dir: Path
    generated: Path


@pytest.fixture(scope="module")
def pair(neo4j_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """The synthetic Aube imported by `maillage neo4j import` into a new database (served
    by a second server), and loaded by `loaders.pipeline` through Bolt into the session's."""
    tmp = tmp_path_factory.mktemp("neo4j-import")
    generated = tmp / "synthetic-10"
    generate(departement("10"), generated, seed=42, as_of=date(2025, 1, 1))
    data_dir = tmp / "neo4j-imported"
    result = runner.invoke(
        app, ["neo4j", "import", "synthetique", str(generated), "--data-dir", str(data_dir)]
    )
    assert result.exit_code == 0, result.output
    assert "importés dans" in result.output
    server = Neo4jServer(log_level="WARN")
    try:
        server.start(data_dir=data_dir, timeout=180)
    except Neo4jLaunchError as e:
        pytest.fail(f"Neo4j could not start on the imported database: {e}", pytrace=False)
    imported_driver = connect(server.uri)
    bolt_driver = connect(neo4j_server)
    bolt = Neo4jStore(bolt_driver)
    bolt.clear()
    load_generated(bolt, generated)
    yield Pair(Neo4jStore(imported_driver), bolt, data_dir, generated)
    imported_driver.close()
    bolt_driver.close()
    server.stop()


def test_imported_database_holds_what_bolt_writes(pair: Pair) -> None:
    imported = dump(pair.imported)
    assert imported == dump(pair.bolt)
    counts = pair.imported.counts()
    assert counts == pair.bolt.counts()
    assert counts.nodes["ACI"] > 5 and counts.edges["PARTNER_OF"] > 50
    assert pair.imported.datasets() == pair.bolt.datasets()
    assert pair.imported.subgraph() == pair.bolt.subgraph()


def test_imported_database_answers_the_paired_questions_alike(pair: Pair) -> None:
    graph = pair.bolt.subgraph()
    for cls in ("SIAE", "EmployeurInclusif", "Organisation", "Collectif", "Lieu", "Code", "CodeNaf"):
        assert paired.class_count(pair.imported, cls) == paired.class_count(pair.bolt, cls), cls
    clubs = sorted(n.id for n in graph.nodes if n.kind in set(OrgKind.collectives()))
    partners = sorted({e.source for e in graph.edges if e.rel is RelKind.PARTNER_OF})[:40]
    communes = sorted({e.target for e in graph.edges if e.target.startswith("commune:")})[::10]
    rows = 0
    for ask, cases in (
        (paired.club_members, [{"club": c} for c in clubs]),
        (paired.partners_of, [{"org": o} for o in partners]),
        (paired.siae_near_commune, [{"commune": c} for c in communes]),
    ):
        for case in cases:
            answer = ask(pair.imported, **case)  # type: ignore[operator]
            assert answer == ask(pair.bolt, **case), case  # type: ignore[operator]
            rows += len(answer)
    assert rows > 100
    assert paired.siae_co_contractors(pair.imported) == paired.siae_co_contractors(pair.bolt)


def test_imported_database_has_its_constraints_and_indexes_online(pair: Pair) -> None:
    found = {r["name"]: r["state"] for r in pair.imported.read("SHOW INDEXES YIELD name, state")}
    wanted = {"node_id", "dataset_source", "node_name", "node_kind", "node_location"}
    assert {name: found.get(name) for name in wanted} == dict.fromkeys(wanted, "ONLINE")
    constraints = {r["name"] for r in pair.imported.read("SHOW CONSTRAINTS YIELD name")}
    assert constraints == {"node_id", "dataset_source"}


def test_a_directory_holding_a_database_is_refused_in_french(pair: Pair) -> None:
    before = pair.imported.counts()
    result = runner.invoke(
        app, ["neo4j", "import", "synthetique", str(pair.generated), "--data-dir", str(pair.data_dir)]
    )
    assert result.exit_code == 1
    assert "contient déjà une base Neo4j" in result.output
    assert "Traceback" not in result.output
    assert pair.imported.counts() == before
