"""The contract of `GraphStore`, proven on every backend (see `STORE_BACKENDS`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from graph.kinds import OrgKind, PlaceKind, RelKind
from graph.model import Batch, Edge, Node, Provenance, Subgraph
from graph.projection import from_networkx
from graph.store import GraphStore, Question, StoreError
from tests.conftest import AUBE, aube_batch


def triples(sub: Subgraph) -> set[tuple[str, str, str, str]]:
    return {e.ident for e in sub.edges}


def test_upsert_twice_leaves_the_same_graph(store: GraphStore) -> None:
    store.upsert(aube_batch())
    first = store.subgraph()
    store.upsert(aube_batch())
    assert store.subgraph() == first
    assert len(first.nodes) == 11
    assert len(first.edges) == 16


def test_datasets_keep_date_synthetic_flag_and_title(store: GraphStore) -> None:
    store.upsert(aube_batch())
    real = Provenance("annuaire-reel", date(2023, 5, 2))
    store.upsert(Batch(real, [Node("org:autre", OrgKind.EA, "Autre")]))
    assert store.datasets() == [real, AUBE]


def test_counts_by_kind_and_relation(store: GraphStore) -> None:
    store.upsert(aube_batch())
    counts = store.counts()
    assert dict(counts.nodes) == {
        "ACI": 1,
        "Club": 1,
        "Commune": 2,
        "Departement": 1,
        "EI": 1,
        "Entreprise": 4,
        "Region": 1,
    }
    assert dict(counts.edges) == {"LOCATED_IN": 7, "MEMBER_OF": 3, "PART_OF": 3, "PARTNER_OF": 3}


@pytest.mark.parametrize("preloaded", [False, True], ids=["empty", "loaded"])
def test_batch_failing_half_way_leaves_store_as_before(store: GraphStore, preloaded: bool) -> None:
    if preloaded:
        store.upsert(aube_batch())
    before = store.subgraph()
    good = [Node(f"org:nouvelle-{i}", OrgKind.ENTREPRISE, f"Nouvelle {i}") for i in range(50)]
    broken = Node("org:cassee", OrgKind.ENTREPRISE, "Cassée", {"effectif": object()})  # type: ignore[dict-item]
    with pytest.raises(StoreError, match="org:cassee"):
        store.upsert(Batch(AUBE, [*good, broken]))
    assert store.subgraph() == before


def test_dangling_relation_is_refused_and_nothing_written(store: GraphStore) -> None:
    batch = Batch(
        AUBE,
        [Node("org:seule", OrgKind.EI, "Seule")],
        [Edge("org:seule", RelKind.LOCATED_IN, "commune:99999")],
    )
    with pytest.raises(StoreError, match="commune:99999"):
        store.upsert(batch)
    assert store.subgraph() == Subgraph((), ())


def test_node_reads_back_kind_name_props_and_source(store: GraphStore) -> None:
    store.upsert(aube_batch())
    troyes = store.node("commune:10387")
    assert troyes == Node(
        "commune:10387",
        PlaceKind.COMMUNE,
        "Troyes",
        {"latitude": 48.2973, "longitude": 4.0744},
        sources=("fixture-aube",),
    )
    assert store.node("org:inconnue") is None


def test_edge_attributes_keep_their_types(store: GraphStore) -> None:
    store.upsert(aube_batch())
    edges = {e.ident: e for e in store.subgraph().edges}
    leader = edges[("org:leader-sa", "MEMBER_OF", "org:club-10", "")]
    assert dict(leader.attrs) == {"role": "leader", "since": date(2019, 3, 1)}
    hire = edges[("org:boutique-boulot", "PARTNER_OF", "org:menuiserie", "recrutement")]
    assert dict(hire.attrs) == {
        "type": "recrutement",
        "form": "pratiques_responsables",
        "since": date(2022, 1, 1),
    }
    assert hire.sources == ("fixture-aube",)


def test_neighbourhood_depth_one_is_the_induced_subgraph(store: GraphStore) -> None:
    store.upsert(aube_batch())
    around = store.neighbourhood("org:boutique-boulot", depth=1)
    assert around.node_ids() == {"org:boutique-boulot", "commune:10387", "org:club-10", "org:menuiserie"}
    assert triples(around) == {
        ("org:boutique-boulot", "LOCATED_IN", "commune:10387", ""),
        ("org:boutique-boulot", "MEMBER_OF", "org:club-10", ""),
        ("org:boutique-boulot", "PARTNER_OF", "org:menuiserie", "achat_responsable"),
        ("org:boutique-boulot", "PARTNER_OF", "org:menuiserie", "recrutement"),
        ("org:menuiserie", "MEMBER_OF", "org:club-10", ""),
        ("org:menuiserie", "LOCATED_IN", "commune:10387", ""),
    }


def test_neighbourhood_depth_two(store: GraphStore) -> None:
    store.upsert(aube_batch())
    around = store.neighbourhood("org:isolee", depth=2)
    assert around.node_ids() == {"org:isolee", "commune:10323", "departement:10", "org:transports"}
    assert triples(around) == {
        ("org:isolee", "LOCATED_IN", "commune:10323", ""),
        ("commune:10323", "PART_OF", "departement:10", ""),
        ("org:transports", "LOCATED_IN", "commune:10323", ""),
    }


def test_induced_keeps_every_fact_of_the_nodes_and_only_the_relations_between_them(
    store: GraphStore,
) -> None:
    store.upsert(aube_batch())
    other = Provenance("annuaire-reel", date(2023, 5, 2))
    store.upsert(
        Batch(
            other,
            [
                Node(
                    "org:menuiserie",
                    OrgKind.ENTREPRISE,
                    "Menuiserie Champenoise",
                    {"siret": "11111111100011"},
                )
            ],
            [
                Edge(
                    "org:boutique-boulot",
                    RelKind.PARTNER_OF,
                    "org:menuiserie",
                    {"type": "recrutement"},
                    "recrutement",
                )
            ],
        )
    )
    found = store.induced(["org:menuiserie", "org:boutique-boulot", "org:inconnue"])
    assert found.node_ids() == {"org:boutique-boulot", "org:menuiserie"}
    assert triples(found) == {
        ("org:boutique-boulot", "PARTNER_OF", "org:menuiserie", "achat_responsable"),
        ("org:boutique-boulot", "PARTNER_OF", "org:menuiserie", "recrutement"),
    }
    menuiserie = next(n for n in found.nodes if n.id == "org:menuiserie")
    assert menuiserie.props["siret"] == "11111111100011"
    assert menuiserie.sources == ("annuaire-reel", "fixture-aube")
    hire = next(e for e in found.edges if e.key == "recrutement")
    assert hire.sources == ("annuaire-reel", "fixture-aube")
    assert store.induced([]) == Subgraph((), ())


def test_neighbourhood_of_unknown_node_raises(store: GraphStore) -> None:
    with pytest.raises(KeyError, match="org:inconnue"):
        store.neighbourhood("org:inconnue")


def test_same_dataset_replaces_a_changed_value(store: GraphStore) -> None:
    store.upsert(aube_batch())
    batch = aube_batch()
    renamed = [
        replace(n, name="Menuiserie Champenoise SAS") if n.id == "org:menuiserie" else n for n in batch.nodes
    ]
    store.upsert(replace(batch, nodes=renamed))
    node = store.node("org:menuiserie")
    assert node is not None
    assert node.name == "Menuiserie Champenoise SAS"
    assert len(store.subgraph().nodes) == 11


def test_second_dataset_keeps_both_sources(store: GraphStore) -> None:
    store.upsert(aube_batch())
    other = Provenance("annuaire-club-10", date(2024, 6, 1))
    store.upsert(
        Batch(
            other,
            [
                Node(
                    "org:menuiserie",
                    OrgKind.ENTREPRISE,
                    "Menuiserie Champenoise",
                    {"siret": "80746931700018"},
                )
            ],
        )
    )
    node = store.node("org:menuiserie")
    assert node is not None
    assert node.sources == ("annuaire-club-10", "fixture-aube")
    assert node.props == {"siret": "80746931700018"}
    assert len(store.subgraph().nodes) == 11


def test_projection_round_trip_keeps_every_node_relation_and_attribute(store: GraphStore) -> None:
    store.upsert(aube_batch())
    G = store.projection()
    assert G.number_of_nodes() == 11
    assert G.number_of_edges() == 16
    assert from_networkx(G) == store.subgraph()
    assert G.edges["org:ei-troyes", "org:transports", "PARTNER_OF|cotraitance"]["gme"] == "solidaire"


def test_projection_by_territory_and_kinds(store: GraphStore) -> None:
    store.upsert(aube_batch())
    romilly = store.projection(territory="commune:10323")
    assert set(romilly.nodes) == {"commune:10323", "org:isolee", "org:transports", "org:ei-troyes"}
    assert romilly.number_of_edges() == 3
    firms = store.projection(territory="departement:10", kinds=[OrgKind.ENTREPRISE])
    assert set(firms.nodes) == {"org:leader-sa", "org:menuiserie", "org:transports", "org:isolee"}


def test_reloading_a_dataset_replaces_a_moved_relation(store: GraphStore) -> None:
    store.upsert(aube_batch())
    batch = aube_batch()
    moved = [
        Edge("org:menuiserie", RelKind.LOCATED_IN, "commune:10323")
        if (e.source, e.rel) == ("org:menuiserie", RelKind.LOCATED_IN)
        else e
        for e in batch.edges
        if (e.source, e.rel, e.key) != ("org:boutique-boulot", RelKind.PARTNER_OF, "recrutement")
    ]
    store.upsert(replace(batch, edges=moved))
    edges = triples(store.subgraph())
    assert ("org:menuiserie", "LOCATED_IN", "commune:10323", "") in edges
    assert ("org:menuiserie", "LOCATED_IN", "commune:10387", "") not in edges
    assert ("org:boutique-boulot", "PARTNER_OF", "org:menuiserie", "recrutement") not in edges
    assert ("org:boutique-boulot", "PARTNER_OF", "org:menuiserie", "achat_responsable") in edges
    assert store.counts().edges["PARTNER_OF"] == 2
    assert len(edges) == 15


def test_reloading_with_a_newer_dataset_date_keeps_one_date(store: GraphStore) -> None:
    store.upsert(aube_batch())
    newer = replace(aube_batch(), provenance=replace(AUBE, date=date(2025, 1, 15)))
    store.upsert(newer)
    assert store.datasets() == [replace(AUBE, date=date(2025, 1, 15))]
    assert len(store.subgraph().nodes) == 11


def test_existing_ids_are_the_ids_held_in_any_dataset(store: GraphStore) -> None:
    store.upsert(aube_batch())
    asked = ["org:boutique-boulot", "org:inconnue", "commune:10387", "org:boutique-boulot", "ze:0000"]
    assert store.existing_ids(asked) == {"org:boutique-boulot", "commune:10387"}
    assert store.existing_ids([]) == set()


def test_a_dataset_is_its_own_values_and_relations(store: GraphStore) -> None:
    store.upsert(aube_batch())
    annuaire = Provenance("annuaire", date(2023, 5, 2))
    boutique = Node("org:boutique-boulot", OrgKind.ACI, "Boutique Boulot SCIC", {"effectif": 12})
    located = Edge("org:boutique-boulot", RelKind.LOCATED_IN, "commune:10323")
    store.upsert(Batch(annuaire, [boutique], [located]))
    assert store.dataset("annuaire") == Subgraph(
        (replace(boutique, sources=("annuaire",)),), (replace(located, sources=("annuaire",)),)
    )
    aube = store.dataset(AUBE.source)
    held = next(n for n in aube.nodes if n.id == "org:boutique-boulot")
    assert (held.name, held.props, held.sources) == ("Boutique Boulot", {}, (AUBE.source,))
    assert (len(aube.nodes), len(aube.edges)) == (11, 16)
    assert store.dataset("inconnu") == Subgraph((), ())


MEMBERS = Question(
    "members",
    sparql="SELECT ?m ?since WHERE { ?m mlg:memberOf $club . "
    "OPTIONAL { ?r mlg:from ?m ; mlg:to $club ; mlg:since ?since } }",
    cypher="MATCH (m:Node)-[r:MEMBER_OF]->(:Node {id: $club}) RETURN m.id, r.since",
)


def test_a_named_question_runs_in_the_backends_language(store: GraphStore) -> None:
    store.upsert(aube_batch())
    assert sorted(store.ask(MEMBERS, {"club": "org:club-10"}), key=str) == [
        ("org:boutique-boulot", None),
        ("org:leader-sa", date(2019, 3, 1)),
        ("org:menuiserie", None),
    ]
    assert store.ask(MEMBERS, {"club": "org:isolee"}) == []


def test_a_bulk_loader_writes_what_upserts_write_while_the_store_is_empty(
    store: GraphStore, request: pytest.FixtureRequest
) -> None:
    """The embedded store has one (pyoxigraph's bulk loader); Neo4j has none (its batched
    upsert is the path); no store offers one once it holds data."""
    loader = store.bulk_loader()
    assert (loader is not None) == (request.node.callspec.params["store"] == "oxigraph")
    if loader is None:
        return
    sizes = loader([aube_batch()])
    assert list(sizes) == ["fixture-aube"]
    bulk = store.subgraph()
    assert store.bulk_loader() is None  # not empty any more
    store.upsert(aube_batch())  # what an upsert writes is already there
    assert store.subgraph() == bulk
    assert (len(bulk.nodes), len(bulk.edges)) == (11, 16)
    assert store.datasets() == [AUBE]
