"""Projections for computation: networkx and igraph agree with the store."""

from __future__ import annotations

import networkx as nx
import pytest

from graph.oxigraph_store import OxigraphStore
from graph.projection import to_igraph, within_territory
from tests.conftest import aube_batch


@pytest.fixture
def aube() -> nx.MultiDiGraph:
    store = OxigraphStore()
    store.upsert(aube_batch())
    return store.projection()


def test_igraph_keeps_nodes_edges_and_relations(aube: nx.MultiDiGraph) -> None:
    H = to_igraph(aube)
    assert H.vcount() == 11
    assert H.ecount() == 16
    assert H.is_directed()
    rels = sorted(H.es["rel"])
    assert rels.count("PARTNER_OF") == 3
    bb = H.vs.find(name="org:boutique-boulot").index
    assert sorted(H.vs[n]["name"] for n in H.successors(bb)) == [
        "commune:10387",
        "org:club-10",
        "org:menuiserie",
        "org:menuiserie",
    ]


def test_igraph_degrees_equal_networkx_degrees(aube: nx.MultiDiGraph) -> None:
    H = to_igraph(aube)
    by_name = {v["name"]: v.index for v in H.vs}
    assert {n: H.indegree(by_name[n]) for n in aube} == dict(aube.in_degree())
    assert {n: H.outdegree(by_name[n]) for n in aube} == dict(aube.out_degree())
    assert aube.in_degree("org:club-10") == 3


def test_territory_of_a_departement_keeps_its_places_orgs_and_their_club(aube: nx.MultiDiGraph) -> None:
    sub = within_territory(aube, "departement:10")
    assert set(sub.nodes) == set(aube.nodes) - {"region:44"}


def test_unknown_territory_is_an_error(aube: nx.MultiDiGraph) -> None:
    with pytest.raises(KeyError, match="departement:99"):
        within_territory(aube, "departement:99")
