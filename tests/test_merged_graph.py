"""The merged default graph of the embedded store: each fact once, the class hierarchy
materialised, kept in step with the datasets' named graphs on every write, reload and
removal; and the same hierarchy as Neo4j labels (counts by kind stay counts of the
kinds datasets state)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from graph.kinds import OrgKind, RelKind
from graph.model import Batch, Node, Provenance
from graph.neo4j_store import Neo4jStore
from graph.oxigraph_store import OxigraphStore
from graph.store import GraphStore
from queries import paired
from tests.conftest import AUBE, aube_batch

A = Provenance("jeu-a", date(2024, 1, 1))
B = Provenance("jeu-b", date(2024, 2, 1))


def count(store: OxigraphStore, where: str) -> int:
    rows = list(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"))
    return int(rows[0]["n"].value)


def test_a_fact_stated_by_two_datasets_counts_once_and_provenance_stays() -> None:
    store = OxigraphStore()
    aci = Node("org:x", OrgKind.ACI, "X", {"siret": "80746931700018"})
    store.upsert(Batch(A, [aci]))
    store.upsert(Batch(B, [aci]))
    assert count(store, "?o a mlg:ACI") == 1
    assert count(store, "?o a mlg:SIAE") == 1
    assert count(store, "?o mlg:siret ?s") == 1
    assert count(store, "GRAPH ?g { ?o a mlg:ACI }") == 2  # who states it: both datasets
    assert count(store, "GRAPH ?g { ?o a mlg:SIAE }") == 0  # superclasses are not stated


def test_a_fact_stays_while_one_dataset_still_states_it() -> None:
    store = OxigraphStore()
    store.upsert(Batch(A, [Node("org:x", OrgKind.ACI, "X", {"siret": "80746931700018"})]))
    store.upsert(Batch(B, [Node("org:x", OrgKind.ACI, "X", {"siret": "80746931700018"})]))
    store.upsert(Batch(B, [Node("org:x", OrgKind.ACI, "X")]))  # B no longer gives the SIRET
    assert count(store, "?o mlg:siret ?s") == 1
    store.upsert(Batch(A, [Node("org:x", OrgKind.ACI, "X")]))  # nor does A
    assert count(store, "?o mlg:siret ?s") == 0
    assert count(store, "?o a mlg:SIAE") == 1


def test_a_kind_change_moves_the_superclasses() -> None:
    store = OxigraphStore()
    store.upsert(Batch(A, [Node("org:x", OrgKind.EI, "X")]))
    store.upsert(Batch(A, [Node("org:x", OrgKind.CLUB, "X")]))
    assert count(store, "?o a mlg:SIAE") == 0
    assert count(store, "?o a mlg:EmployeurInclusif") == 0
    assert count(store, "?o a mlg:Collectif") == 1
    assert count(store, "?o a mlg:Organisation") == 1


def test_removing_a_dataset_keeps_what_another_states() -> None:
    store = OxigraphStore()
    store.upsert(aube_batch())
    before = set(store.query("CONSTRUCT WHERE { ?s ?p ?o }"))
    store.upsert(
        Batch(
            B, [Node("org:x", OrgKind.ACI, "X"), Node("org:boutique-boulot", OrgKind.ACI, "Boutique Boulot")]
        )
    )
    assert count(store, "?o a mlg:SIAE") == 3
    assert store.remove_dataset("jeu-b") == 7  # 2 nodes × (type, name) + 3 metadata quads
    assert set(store.query("CONSTRUCT WHERE { ?s ?p ?o }")) == before
    assert store.remove_dataset("jeu-b") == 0
    store.remove_dataset(AUBE.source)
    assert len(list(store.query("CONSTRUCT WHERE { ?s ?p ?o }"))) == 0
    assert len(store) == 0


def test_reloading_a_dataset_changes_nothing_in_the_merged_graph() -> None:
    store = OxigraphStore()
    store.upsert(aube_batch())
    merged = set(store.query("CONSTRUCT WHERE { ?s ?p ?o }"))
    report = store.upsert(aube_batch())
    assert (report.triples_added, report.triples_removed) == (0, 0)
    assert set(store.query("CONSTRUCT WHERE { ?s ?p ?o }")) == merged


def test_a_withdrawn_relation_leaves_the_merged_graph() -> None:
    store = OxigraphStore()
    batch = aube_batch()
    store.upsert(batch)
    assert count(store, "?o mlg:memberOf ?c") == 3
    kept = [e for e in batch.edges if not (e.rel is RelKind.MEMBER_OF and e.source == "org:menuiserie")]
    store.upsert(replace(batch, edges=kept))
    assert count(store, "?o mlg:memberOf ?c") == 2
    assert count(store, "?m a org:Membership") == 2
    assert count(store, "?m a mlg:QualifiedRelation") == 5  # 2 memberships, 3 partnerships


def test_bulk_load_writes_the_merged_graph_too() -> None:
    bulk, upserted = OxigraphStore(), OxigraphStore()
    batches = [aube_batch(), Batch(B, [Node("org:boutique-boulot", OrgKind.ACI, "Boutique Boulot")])]
    bulk.bulk_load(batches)
    for batch in batches:
        upserted.upsert(batch)
    assert set(bulk.query("CONSTRUCT WHERE { ?s ?p ?o }")) == set(
        upserted.query("CONSTRUCT WHERE { ?s ?p ?o }")
    )
    assert count(bulk, "?o a mlg:SIAE") == 2


def test_the_stated_quads_leave_the_merged_copies_out() -> None:
    store = OxigraphStore()
    store.upsert(aube_batch())
    assert len(store) == len(list(store.quads())) == sum(1 for q in store.quads() if "SIAE" not in str(q))


def test_an_eatt_is_an_ea_for_queries_but_counts_as_eatt(store: GraphStore) -> None:
    store.upsert(Batch(A, [Node("org:ea", OrgKind.EA, "EA"), Node("org:eatt", OrgKind.EATT, "EATT")]))
    assert isinstance(store, OxigraphStore | Neo4jStore)
    assert paired.class_count(store, "EA") == 2
    assert paired.class_count(store, "EATT") == 1
    assert paired.class_count(store, "EmployeurInclusif") == 2
    assert store.counts().nodes == {"EA": 1, "EATT": 1}
