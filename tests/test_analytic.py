"""The analytic projection equals the networkx reference built from `store.projection()`,
on both backends, for the Aube fixture and a synthetic département; its cache follows
the store's state."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

import graph.analytic as analytic
from graph.analytic import (
    FACETS,
    LENS_RELATIONS,
    AnalyticGraph,
    Place,
    analytic_projection,
    clear_memory_cache,
)
from graph.kinds import OrgKind, PlaceKind, RelKind
from graph.model import Batch, Edge, Node, Provenance, Subgraph
from graph.neo4j_store import Neo4jStore, connect
from graph.oxigraph_store import OxigraphStore
from graph.projection import within_territory
from graph.store import GraphStore
from loaders.pipeline import load_generated
from loaders.synthetic import departement, generate
from queries.analytics.metrics import metrics_batch, network_metrics
from tests.conftest import aube_batch

ORG_KINDS = {k.value for k in OrgKind}
PLACE_KINDS = {k.value for k in PlaceKind}
LENS = {r.value for r in LENS_RELATIONS}
LEVELS = [("epci", "Epci"), ("ze", "ZoneEmploi"), ("departement", "Departement"), ("region", "Region")]


# -- the reference: networkx, from the store's own projection ----------------------------------------


@dataclass(frozen=True)
class Reference:
    ids: tuple[str, ...]
    kinds: tuple[str, ...]
    labels: tuple[str, ...]
    edges: Counter[tuple[str, str, str, str]]
    facets: dict[str, list[Any]]


def reference(G: nx.MultiDiGraph, synthetic_sources: set[str]) -> Reference:
    """What the organisation lens must be, computed plainly from the full projection."""
    ids = tuple(sorted(n for n, k in G.nodes(data="kind") if k in ORG_KINDS))
    edges = Counter(
        (u, d["rel"], v, d["edge_key"])
        for u, v, d in G.edges(data=True)
        if d["rel"] in LENS and u in ids and v in ids
    )

    def targets(node: str, rel: RelKind) -> list[str]:
        return sorted({v for _, v, r in G.out_edges(node, data="rel") if r == rel.value})

    def above(place: str) -> set[str]:
        found, todo = {place}, [place]
        while todo:
            for _, parent, rel in G.out_edges(todo.pop(), data="rel"):
                if rel == "PART_OF" and G.nodes[parent]["kind"] in PLACE_KINDS and parent not in found:
                    found.add(parent)
                    todo.append(parent)
        return found

    facets: dict[str, list[Any]] = {name: [] for name in FACETS}
    for node in ids:
        data = G.nodes[node]
        located = [p for p in targets(node, RelKind.LOCATED_IN) if G.nodes[p]["kind"] in PLACE_KINDS]
        places = sorted(set().union(*(above(p) for p in located))) if located else []
        communes = [p for p in located if G.nodes[p]["kind"] in ("Commune", "ArrondissementMunicipal")]
        commune = communes[0] if communes else None
        facets["commune"].append(commune)
        levels = [
            ("epci", "Epci"),
            ("ze", "ZoneEmploi"),
            ("departement", "Departement"),
            ("region", "Region"),
        ]
        for name, kind in levels:
            facets[name].append(next((p for p in places if G.nodes[p]["kind"] == kind), None))
        facets["places"].append(tuple(places))
        lat, lon = data.get("latitude"), data.get("longitude")
        if (lat is None or lon is None) and commune is not None:
            lat, lon = G.nodes[commune].get("latitude"), G.nodes[commune].get("longitude")
        facets["latitude"].append(None if lat is None else float(lat))
        facets["longitude"].append(None if lon is None else float(lon))
        naf = targets(node, RelKind.IN_SECTOR)
        facets["naf"].append(naf[0] if naf else None)
        facets["tranche"].append(data.get("size_band"))
        facets["siret"].append(data.get("siret"))
        facets["rome"].append(tuple(targets(node, RelKind.OFFERS_JOB)))
        facets["secteurs"].append(tuple(targets(node, RelKind.SELLS_IN)))
        sources = data["sources"]
        facets["synthetic"].append(bool(sources) and all(s in synthetic_sources for s in sources))
        facets["marches"].append(held_contracts(G, node))
        facets["achats"].append(awarded_contracts(G, node))
    return Reference(
        ids,
        tuple(G.nodes[n]["kind"] for n in ids),
        tuple(G.nodes[n]["name"] for n in ids),
        edges,
        facets,
    )


def _division(G: nx.MultiDiGraph, contract: str) -> str:
    found = sorted(t for _, t, r in G.out_edges(contract, data="rel") if r == RelKind.IN_CPV.value)
    return found[0] if found else ""


def held_contracts(G: nx.MultiDiGraph, node: str) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    return tuple(sorted(
        (t, _division(G, t), tuple(sorted(d.get("sources", ()))))
        for _, t, d in G.out_edges(node, data=True) if d["rel"] == RelKind.HOLDS.value
    ))  # fmt: skip


def awarded_contracts(G: nx.MultiDiGraph, node: str) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    return tuple(sorted(
        (s, _division(G, s), tuple(sorted(d.get("sources", ()))))
        for s, _, d in G.in_edges(node, data=True) if d["rel"] == RelKind.AWARDED_BY.value
    ))  # fmt: skip


def observed(a: AnalyticGraph) -> Reference:
    G = a.graph
    return Reference(
        a.ids,
        tuple(G.vs["kind"]),
        tuple(G.vs["label"]),
        Counter((a.ids[e.source], e["rel"], a.ids[e.target], e["key"]) for e in G.es),
        {name: list(a.facets[name]) for name in FACETS},
    )


def synthetic_sources(store: GraphStore) -> set[str]:
    return {p.source for p in store.datasets() if p.synthetic}


# -- the Aube fixture, on each backend ---------------------------------------------------------------


def test_projection_equals_the_networkx_reference_on_the_aube_fixture(store: GraphStore) -> None:
    store.upsert(aube_batch())
    found = analytic_projection(store, cache=False)
    assert observed(found) == reference(store.projection(), synthetic_sources(store))
    assert found.ids == (
        "org:boutique-boulot",
        "org:club-10",
        "org:ei-troyes",
        "org:isolee",
        "org:leader-sa",
        "org:menuiserie",
        "org:transports",
    )
    assert found.graph.is_directed()
    assert found.graph.ecount() == 6  # three memberships, three partnerships (two parallel)
    assert found.facet("commune", "org:transports") == "commune:10323"
    assert found.facet("departement", "org:club-10") == "departement:10"
    assert found.facet("latitude", "org:leader-sa") == 48.2973  # its commune's centroid
    assert found.facet("synthetic", "org:isolee") is True
    assert found.places["commune:10387"] == Place(
        "Commune", "Troyes", 48.2973, 4.0744, ("commune:10387", "departement:10", "region:44")
    )
    assert sorted(found.places) == ["commune:10323", "commune:10387", "departement:10", "region:44"]


def test_territory_keeps_the_organisations_inside_and_those_related(store: GraphStore) -> None:
    store.upsert(aube_batch())
    romilly = analytic_projection(store, territory="commune:10323")
    expected = store.projection(territory="commune:10323")
    assert set(romilly.ids) == {n for n, k in expected.nodes(data="kind") if k in ORG_KINDS}
    assert romilly.ids == ("org:ei-troyes", "org:isolee", "org:transports")
    assert [(romilly.ids[e.source], romilly.ids[e.target]) for e in romilly.graph.es] == [
        ("org:ei-troyes", "org:transports")
    ]
    with pytest.raises(KeyError, match="commune:99999"):
        analytic_projection(store, territory="commune:99999")


def test_comembership_ties_two_organisations_once_per_shared_collective(store: GraphStore) -> None:
    store.upsert(aube_batch())
    co = analytic_projection(store, lens="comembership")
    assert not co.graph.is_directed()
    pairs = sorted((*sorted((co.ids[e.source], co.ids[e.target])), e["key"]) for e in co.graph.es)
    assert pairs == [
        ("org:boutique-boulot", "org:leader-sa", "org:club-10"),
        ("org:boutique-boulot", "org:menuiserie", "org:club-10"),
        ("org:leader-sa", "org:menuiserie", "org:club-10"),
    ]


def test_undirected_simple_collapses_parallel_partnerships_and_sums_weights(store: GraphStore) -> None:
    store.upsert(aube_batch())
    a = analytic_projection(store)
    H = a.undirected_simple()
    assert not H.is_directed()
    assert H.ecount() == 5
    e = H.es[H.get_eid(a.index["org:boutique-boulot"], a.index["org:menuiserie"])]
    assert e["weight"] == 2.0


def test_to_networkx_keeps_edges_keyed_like_the_store_projection(store: GraphStore) -> None:
    store.upsert(aube_batch())
    G = analytic_projection(store).to_networkx()
    full = store.projection()
    org = full.subgraph(n for n, k in full.nodes(data="kind") if k in ORG_KINDS)
    assert sorted(G.edges(keys=True)) == sorted(org.edges(keys=True))
    assert G.nodes["org:club-10"] == {"kind": "Club", "label": "Club Les entreprises s'engagent de l'Aube"}


def test_an_unknown_lens_is_refused(oxigraph_store: OxigraphStore) -> None:
    with pytest.raises(ValueError, match="unknown lens 'places'"):
        analytic_projection(oxigraph_store, lens="places")


# -- the state and the cache -------------------------------------------------------------------------


LATE = Provenance("fixture-late", date(2024, 6, 1), synthetic=True)


def late_batch() -> Batch:
    return Batch(
        LATE,
        [Node("org:nouvelle", OrgKind.EI, "Nouvelle EI")],
        [Edge("org:nouvelle", RelKind.MEMBER_OF, "org:club-10")],
    )


def test_state_changes_with_every_write(store: GraphStore) -> None:
    first = store.state()
    store.upsert(aube_batch())
    second = store.state()
    store.upsert(late_batch())
    third = store.state()
    store.clear()
    assert len({first, second, third, store.state()}) == 4


def test_reloading_the_same_batch_keeps_the_rdf_state(oxigraph_store: OxigraphStore) -> None:
    oxigraph_store.upsert(aube_batch())
    before = oxigraph_store.state()
    oxigraph_store.upsert(aube_batch())
    assert oxigraph_store.state() == before


def test_a_write_invalidates_the_cached_projection(store: GraphStore) -> None:
    store.upsert(aube_batch())
    before = analytic_projection(store)
    assert analytic_projection(store) is before  # from the memory cache
    store.upsert(late_batch())
    after = analytic_projection(store)
    assert "org:nouvelle" in after.index and "org:nouvelle" not in before.index
    assert after.state == store.state() != before.state


def test_the_disk_cache_serves_another_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with OxigraphStore(tmp_path / "store") as writer:
        writer.upsert(aube_batch())
        built = analytic_projection(writer).load_facets()  # facets, places and codes cached too
    assert (tmp_path / "store.analytic" / "organisations.pickle").exists()
    clear_memory_cache()

    def never(store: object) -> None:
        raise AssertionError("read the store instead of the cache")

    monkeypatch.setattr(analytic, "_read_bulk", never)
    with OxigraphStore(tmp_path / "store") as reader:  # as another process would open it
        cached = analytic_projection(reader)
    assert observed(cached) == observed(built)
    assert cached.state == built.state
    assert (cached.places, cached.codes) == (built.places, built.codes)
    assert cached.graph.es["sources"] == built.graph.es["sources"]
    assert cached.graph.es["weight"] == built.graph.es["weight"]


def test_the_disk_cache_is_ignored_after_a_write(tmp_path: Path) -> None:
    with OxigraphStore(tmp_path / "store") as store:
        store.upsert(aube_batch())
        analytic_projection(store)
        clear_memory_cache()
        store.upsert(late_batch())
        assert "org:nouvelle" in analytic_projection(store).index


# -- a synthetic département (Aube, seed 42), on both backends ---------------------------------------


@dataclass(frozen=True)
class Loaded:
    found: AnalyticGraph
    expected: Reference
    territory: AnalyticGraph
    territory_ids: set[str]
    with_metrics: Subgraph  # the whole store after `maillage metriques`


@pytest.fixture(scope="module")
def synthetic(neo4j_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Loaded]]:
    """The département generated once (shared with tests/test_differential.py), loaded in both
    stores; the projections are computed here, before any other test empties Neo4j."""
    out = tmp_path_factory.getbasetemp() / "differential" / "synthetic-10"
    if not (out / "manifest.json").exists():
        generate(departement("10"), out, seed=42, as_of=date(2025, 1, 1))
    rdf = OxigraphStore(tmp_path_factory.mktemp("analytic-rdf"))
    driver = connect(neo4j_server)
    neo = Neo4jStore(driver)
    neo.clear()
    loaded: dict[str, Loaded] = {}
    for name, store in (("oxigraph", rdf), ("neo4j", neo)):
        load_generated(store, out)
        full = store.projection()
        ze = within_territory(full, "ze:4425")  # what store.projection(territory=…) computes
        loaded[name] = Loaded(
            analytic_projection(store, cache=False).load_facets(),  # before the metrics are written
            reference(full, synthetic_sources(store)),
            analytic_projection(store, territory="ze:4425"),
            {n for n, k in ze.nodes(data="kind") if k in ORG_KINDS},
            _with_metrics(store),
        )
    yield loaded
    rdf.close()
    driver.close()


def _with_metrics(store: GraphStore) -> Subgraph:
    ag = analytic_projection(store)
    store.upsert(metrics_batch(ag, network_metrics(ag), on=date(2025, 1, 1), synthetic=True))
    return store.subgraph()


def test_metrics_written_back_on_a_synthetic_departement_are_identical(synthetic: dict[str, Loaded]) -> None:
    rdf, neo = synthetic["oxigraph"].with_metrics, synthetic["neo4j"].with_metrics
    assert neo == rdf
    ranked = [n for n in rdf.nodes if "pagerank" in n.props]
    assert len(ranked) > 100


@pytest.mark.parametrize("backend", ["oxigraph", "neo4j"])
def test_projection_equals_the_reference_on_a_synthetic_departement(
    synthetic: dict[str, Loaded], backend: str
) -> None:
    loaded = synthetic[backend]
    assert observed(loaded.found) == loaded.expected
    rels = Counter(r for (_, r, _, _) in loaded.expected.edges.elements())
    assert rels[RelKind.MEMBER_OF.value] > 50 and rels[RelKind.PARTNER_OF.value] > 20
    assert sum(1 for x in loaded.found.facets["naf"] if x) > 1000


@pytest.mark.parametrize("backend", ["oxigraph", "neo4j"])
def test_territory_of_a_synthetic_departement_matches_the_store_projection(
    synthetic: dict[str, Loaded], backend: str
) -> None:
    loaded = synthetic[backend]
    assert set(loaded.territory.ids) == loaded.territory_ids
    assert len(loaded.territory_ids) > 100


def test_both_backends_give_the_same_projection(synthetic: dict[str, Loaded]) -> None:
    assert observed(synthetic["neo4j"].found) == observed(synthetic["oxigraph"].found)
