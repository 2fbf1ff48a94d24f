"""What is particular to the Neo4j backend: the property-graph mapping, the
provenance ledger, the schema, and the faults. The behaviours every backend shares
are in test_store_contract.py; answers compared with the RDF store in
test_differential.py. Every test runs against the real server (no mock)."""

from __future__ import annotations

import socket
import subprocess
import sys
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from neo4j import GraphDatabase

from graph.kinds import OrgKind, RelKind
from graph.model import Batch, Edge, Node, Provenance
from graph.neo4j_store import Neo4jStore, connect
from graph.oxigraph_store import OxigraphStore
from graph.store import StoreError
from loaders.case_studies import read_case_studies
from tests.conftest import AUBE, REPO, aube_batch


def cypher(store: Neo4jStore, query: str, **params: Any) -> list[dict[str, Any]]:
    records, _, _ = store.driver.execute_query(query, params, database_=store.database)
    return [r.data() for r in records]


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# -- the mapping ------------------------------------------------------------------------------------


def test_nodes_carry_node_family_kind_and_superclass_labels(neo4j_store: Neo4jStore) -> None:
    neo4j_store.upsert(aube_batch())
    rows = cypher(neo4j_store, "MATCH (n:Node) RETURN n.id AS id, labels(n) AS labels")
    labels = {r["id"]: sorted(r["labels"]) for r in rows}
    assert labels["org:boutique-boulot"] == ["ACI", "EmployeurInclusif", "Node", "Organisation", "SIAE"]
    assert labels["org:club-10"] == ["Club", "Collectif", "Node", "Organisation"]
    assert labels["commune:10387"] == ["Commune", "Lieu", "Node", "Place"]
    assert labels["departement:10"] == ["Departement", "Lieu", "Node", "Place"]
    assert len(labels) == 11


def test_relationship_types_are_the_relation_kinds_told_apart_by_key(neo4j_store: Neo4jStore) -> None:
    neo4j_store.upsert(aube_batch())
    rows = cypher(
        neo4j_store,
        "MATCH (:Node {id: 'org:boutique-boulot'})-[r]->(:Node {id: 'org:menuiserie'}) "
        "RETURN type(r) AS type, r.key AS key, r.type AS partnership ORDER BY key",
    )
    assert rows == [
        {"type": "PARTNER_OF", "key": "achat_responsable", "partnership": "achat_responsable"},
        {"type": "PARTNER_OF", "key": "recrutement", "partnership": "recrutement"},
    ]
    types = cypher(neo4j_store, "MATCH ()-[r]->() RETURN DISTINCT type(r) AS t ORDER BY t")
    assert [r["t"] for r in types] == ["LOCATED_IN", "MEMBER_OF", "PARTNER_OF", "PART_OF"]


def test_properties_are_typed_in_neo4j(neo4j_store: Neo4jStore) -> None:
    neo4j_store.upsert(aube_batch())
    neo4j_store.upsert(
        Batch(replace(AUBE, source="effectifs"), [Node("org:x", OrgKind.ACI, "X", {"effectif": 7})])
    )
    rows = cypher(
        neo4j_store,
        "MATCH (:Node {id: 'org:leader-sa'})-[m:MEMBER_OF]->() "
        "MATCH (:Node {id: 'org:boutique-boulot'})-[p:PARTNER_OF {key: 'recrutement'}]->() "
        "MATCH (c:Node {id: 'commune:10387'}) MATCH (x:Node {id: 'org:x'}) "
        "RETURN valueType(m.since) AS since, valueType(p.since) AS year, valueType(x.effectif) AS count, "
        "valueType(c.latitude) AS lat, valueType(c.sources) AS sources, valueType(m.qualified) AS flag",
    )
    assert rows == [
        {
            "since": "DATE NOT NULL",
            "year": "DATE NOT NULL",  # a year alone is loaded as its 1 January
            "count": "INTEGER NOT NULL",
            "lat": "FLOAT NOT NULL",
            "sources": "LIST<STRING NOT NULL> NOT NULL",
            "flag": "BOOLEAN NOT NULL",
        }
    ]


def test_coordinates_are_also_a_point_never_read_back(neo4j_store: Neo4jStore) -> None:
    neo4j_store.upsert(aube_batch())
    rows = cypher(
        neo4j_store,
        "MATCH (t:Node {id: 'commune:10387'}), (r:Node {id: 'commune:10323'}) "
        "RETURN t.location.latitude AS lat, t.location.longitude AS lon, "
        "round(point.distance(t.location, r.location) / 1000.0) AS km",
    )
    assert rows == [{"lat": 48.2973, "lon": 4.0744, "km": 35.0}]
    troyes = neo4j_store.node("commune:10387")
    assert troyes is not None
    assert troyes.props == {"latitude": 48.2973, "longitude": 4.0744}


def test_schema_is_created_once_and_again_without_error(neo4j_store: Neo4jStore) -> None:
    neo4j_store.ensure_schema()
    Neo4jStore(neo4j_store.driver).ensure_schema()  # a second store: IF NOT EXISTS
    constraints = cypher(neo4j_store, "SHOW CONSTRAINTS YIELD name, labelsOrTypes, properties, type")
    assert {(c["name"], tuple(c["labelsOrTypes"]), tuple(c["properties"])) for c in constraints} >= {
        ("node_id", ("Node",), ("id",)),
        ("dataset_source", ("Dataset",), ("source",)),
    }
    indexes = {r["name"]: r["type"] for r in cypher(neo4j_store, "SHOW INDEXES YIELD name, type")}
    assert indexes["node_name"] == "RANGE"
    assert indexes["node_kind"] == "RANGE"
    assert indexes["node_location"] == "POINT"


def test_node_ids_are_unique(neo4j_store: Neo4jStore) -> None:
    neo4j_store.upsert(aube_batch())
    with pytest.raises(Exception, match="already exists"):
        cypher(neo4j_store, "CREATE (:Node {id: 'org:club-10'})")


# -- provenance -------------------------------------------------------------------------------------


def test_datasets_are_nodes_with_date_flag_and_title(neo4j_store: Neo4jStore) -> None:
    neo4j_store.upsert(aube_batch())
    rows = cypher(neo4j_store, "MATCH (d:Dataset) RETURN d {.*} AS d")
    assert rows == [
        {
            "d": {
                "source": "fixture-aube",
                "date": rows[0]["d"]["date"],
                "synthetic": True,
                "title": "Petit territoire de test",
                # the relation types it wrote: the write path looks up only types others wrote
                "rels": ["LOCATED_IN", "MEMBER_OF", "PARTNER_OF", "PART_OF"],
            }
        }
    ]
    assert rows[0]["d"]["date"].to_native() == date(2024, 1, 15)
    assert neo4j_store.datasets() == [AUBE]


def test_sources_merge_across_datasets_sorted(neo4j_store: Neo4jStore) -> None:
    neo4j_store.upsert(aube_batch())
    annuaire = Provenance("annuaire-club-10", date(2024, 6, 1))
    neo4j_store.upsert(
        Batch(
            annuaire,
            [Node("org:menuiserie", OrgKind.ENTREPRISE, "Menuiserie Champenoise")],
            [Edge("org:menuiserie", RelKind.MEMBER_OF, "org:club-10", {"role": "membre"})],
        )
    )
    rows = cypher(
        neo4j_store,
        "MATCH (n:Node {id: 'org:menuiserie'})-[r:MEMBER_OF]->() RETURN n.sources AS node, r.sources AS rel",
    )
    assert rows == [
        {"node": ["annuaire-club-10", "fixture-aube"], "rel": ["annuaire-club-10", "fixture-aube"]}
    ]


def test_where_datasets_disagree_the_first_by_name_wins(neo4j_store: Neo4jStore) -> None:
    late, early = Provenance("zz-annuaire", date(2024, 1, 1)), Provenance("aa-registre", date(2024, 2, 1))
    neo4j_store.upsert(
        Batch(late, [Node("org:x", OrgKind.EI, "Nom tardif", {"effectif": 5, "ville": "Troyes"})])
    )
    neo4j_store.upsert(Batch(early, [Node("org:x", OrgKind.ACI, "Nom premier", {"effectif": 7})]))
    assert neo4j_store.node("org:x") == Node(
        "org:x",
        OrgKind.ACI,
        "Nom premier",
        {"effectif": 7, "ville": "Troyes"},
        sources=("aa-registre", "zz-annuaire"),
    )
    rows = cypher(neo4j_store, "MATCH (n:Node {id: 'org:x'}) RETURN n.name AS name, n.effectif AS e")
    assert rows == [{"name": "Nom premier", "e": 7}]
    assert dict(neo4j_store.counts().nodes) == {"ACI": 1, "EI": 1}  # as RDF: one type a dataset


def test_reloading_a_dataset_replaces_only_its_own_values(neo4j_store: Neo4jStore) -> None:
    a, b = Provenance("a-registre", date(2024, 1, 1)), Provenance("b-annuaire", date(2024, 1, 1))
    neo4j_store.upsert(Batch(a, [Node("org:x", OrgKind.EI, "X", {"effectif": 5, "ca": 1.5})]))
    neo4j_store.upsert(Batch(b, [Node("org:x", OrgKind.EI, "X", {"effectif": 9, "site": "x.fr"})]))
    neo4j_store.upsert(Batch(a, [Node("org:x", OrgKind.EI, "X", {"effectif": 6})]))
    node = neo4j_store.node("org:x")
    assert node is not None
    assert node.props == {"effectif": 6, "site": "x.fr"}


def test_kind_change_moves_the_label_and_its_superclasses(neo4j_store: Neo4jStore) -> None:
    batch = Batch(AUBE, [Node("org:x", OrgKind.EI, "X")])
    neo4j_store.upsert(batch)
    neo4j_store.upsert(replace(batch, nodes=[Node("org:x", OrgKind.ENTREPRISE, "X")]))
    rows = cypher(neo4j_store, "MATCH (n:Node {id: 'org:x'}) RETURN labels(n) AS labels")
    assert sorted(rows[0]["labels"]) == ["Entreprise", "Node", "Organisation"]


# -- writes -----------------------------------------------------------------------------------------


def test_a_batch_larger_than_a_chunk_is_written_whole(neo4j_store: Neo4jStore) -> None:
    store = Neo4jStore(neo4j_store.driver, chunk_size=7)
    store.upsert(aube_batch())
    assert store.subgraph() == neo4j_store.subgraph()
    assert len(store.subgraph().edges) == 16


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (2**63, "hors de la plage 64 bits"),
        (["a", "b"], "valeur non prise en charge"),
        (object(), "valeur non prise en charge"),
    ],
    ids=["huge-int", "list", "object"],
)
def test_values_neo4j_cannot_hold_are_refused_before_sending(
    neo4j_store: Neo4jStore, value: object, reason: str
) -> None:
    neo4j_store.upsert(aube_batch())
    before = neo4j_store.subgraph()
    bad = Node("org:cassee", OrgKind.EI, "Cassée", {"effectif": value})  # type: ignore[dict-item]
    with pytest.raises(StoreError, match=f"org:cassee.*{reason}"):
        neo4j_store.upsert(Batch(AUBE, [*aube_batch().nodes, bad]))
    assert neo4j_store.subgraph() == before


def test_same_answers_as_the_rdf_store_on_the_case_studies(
    neo4j_store: Neo4jStore, oxigraph_store: OxigraphStore
) -> None:
    batch = read_case_studies()
    neo4j_store.upsert(batch)
    oxigraph_store.upsert(batch)
    assert neo4j_store.subgraph() == oxigraph_store.subgraph()
    assert neo4j_store.counts() == oxigraph_store.counts()
    assert neo4j_store.datasets() == oxigraph_store.datasets()


# -- faults -----------------------------------------------------------------------------------------


def test_unreachable_server_is_one_error_naming_the_address() -> None:
    uri = f"bolt://127.0.0.1:{closed_port()}"
    with pytest.raises(StoreError, match=f"Neo4j injoignable à {uri}"):
        connect(uri, timeout_s=5)


def test_store_on_a_server_gone_names_the_address() -> None:
    port = closed_port()
    driver = GraphDatabase.driver(
        f"bolt://127.0.0.1:{port}", auth=None, connection_timeout=5, max_transaction_retry_time=1
    )
    try:
        with pytest.raises(StoreError, match=f"Neo4j injoignable à bolt://127.0.0.1:{port}"):
            Neo4jStore(driver).counts()
    finally:
        driver.close()


def test_unreachable_server_on_the_command_line_prints_one_line_no_traceback() -> None:
    uri = f"bolt://127.0.0.1:{closed_port()}"
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "cypher", "RETURN 1", "--neo4j", uri],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"erreur : Neo4j injoignable à {uri}")


def test_load_interrupted_half_way_then_run_again_ends_as_a_clean_load(neo4j_store: Neo4jStore) -> None:
    batch = read_case_studies()
    neo4j_store.upsert(batch)
    clean = neo4j_store.subgraph()
    neo4j_store.clear()

    # A load that dies at its end, on the server, after most statements have run: a
    # uniqueness rule (added for the test) that the batch's last node breaks.
    store = Neo4jStore(neo4j_store.driver, chunk_size=10)
    cypher(store, "CREATE CONSTRAINT test_unique_name FOR (n:Organisation) REQUIRE n.name IS UNIQUE")
    try:
        first = next(n for n in batch.nodes if n.id.startswith("org:"))
        twin = Node("org:zz-doublon", OrgKind.ENTREPRISE, first.name)
        with pytest.raises(StoreError, match=r"already exists"):
            store.upsert(replace(batch, nodes=[*batch.nodes, twin]))
        assert store.subgraph().nodes == ()  # rolled back: nothing of it stayed
    finally:
        cypher(store, "DROP CONSTRAINT test_unique_name")

    store.upsert(batch)
    assert store.subgraph() == clean


def test_load_stopped_after_some_batches_then_run_again_ends_as_a_clean_load(
    neo4j_store: Neo4jStore,
) -> None:
    batch = read_case_studies()
    neo4j_store.upsert(batch)
    clean = neo4j_store.subgraph()
    neo4j_store.clear()

    half = len(batch.nodes) // 2
    declared = {n.id for n in batch.nodes[:half]}
    neo4j_store.upsert(  # the first of two commits, then the loader died
        replace(
            batch,
            nodes=batch.nodes[:half],
            edges=[e for e in batch.edges if e.source in declared and e.target in declared],
        )
    )
    neo4j_store.upsert(batch)
    assert neo4j_store.subgraph() == clean


# -- the write path looks relations up only where one may exist (issue 12) --------------------------


def test_relations_written_again_without_their_nodes_are_found_not_doubled(neo4j_store: Neo4jStore) -> None:
    # the dataset's own relations, leaving nodes outside the batch: looked up, not created again
    neo4j_store.upsert(replace(aube_batch(), edges=()))
    edges_only = replace(aube_batch(), nodes=())
    neo4j_store.upsert(edges_only)
    neo4j_store.upsert(edges_only)
    assert cypher(neo4j_store, "MATCH ()-[r]->() RETURN count(r) AS n") == [{"n": 16}]
    in_parts = neo4j_store.subgraph()
    neo4j_store.clear()
    neo4j_store.upsert(aube_batch())
    assert in_parts == neo4j_store.subgraph()


def test_a_dataset_whose_relation_types_are_not_recorded_may_have_written_any(
    neo4j_store: Neo4jStore,
) -> None:
    neo4j_store.upsert(aube_batch())
    # a database written before the types were recorded: its Dataset nodes lack `rels`
    cypher(neo4j_store, "MATCH (d:Dataset) REMOVE d.rels")
    annuaire = Provenance("annuaire-club-10", date(2024, 6, 1))
    neo4j_store.upsert(
        Batch(annuaire, [], [Edge("org:menuiserie", RelKind.MEMBER_OF, "org:club-10", {"role": "membre"})])
    )
    rows = cypher(
        neo4j_store,
        "MATCH (:Node {id: 'org:menuiserie'})-[r:MEMBER_OF]->(:Node {id: 'org:club-10'}) "
        "RETURN r.sources AS s",
    )
    assert rows == [{"s": ["annuaire-club-10", "fixture-aube"]}]
    assert cypher(neo4j_store, "MATCH (d:Dataset) RETURN d.source AS d, d.rels AS rels ORDER BY d") == [
        {"d": "annuaire-club-10", "rels": ["MEMBER_OF"]},
        {"d": "fixture-aube", "rels": None},  # still unknown: its old relations may be of any type
    ]


def test_a_new_relation_to_a_missing_node_is_refused_without_a_look_up(neo4j_store: Neo4jStore) -> None:
    # a new dataset, a relation type nobody wrote: no look-up, the CREATE's count tells
    neo4j_store.upsert(replace(aube_batch(), edges=()))
    batch = Batch(
        Provenance("annuaire-club-10", date(2024, 6, 1)),
        [],
        [
            Edge("org:menuiserie", RelKind.SUPPORTED_BY, "org:isolee"),
            Edge("org:transports", RelKind.SUPPORTED_BY, "org:absente"),
        ],
    )
    with pytest.raises(StoreError) as refused:
        neo4j_store.upsert(batch)
    assert str(refused.value) == (
        "annuaire-club-10 : la relation SUPPORTED_BY org:transports → org:absente nomme org:absente, "
        "qui n'est ni dans le lot ni dans le magasin"
    )
    assert cypher(neo4j_store, "MATCH ()-[r]->() RETURN count(r) AS n") == [{"n": 0}]  # rolled back
    assert [p.source for p in neo4j_store.datasets()] == ["fixture-aube"]
