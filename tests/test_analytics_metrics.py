"""Each metric equals networkx's reference on small famous graphs: exactly (to float
rounding, 1e-9) for exact algorithms, within a stated tolerance for iterative ones
(PageRank, eigenvector: 1e-6; Leiden: modularity within 0.005 of the known optimum)."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import igraph as ig
import networkx as nx
import pytest

from graph.analytic import AnalyticGraph, comembership
from queries.analytics import brokerage, centrality, communities

EXACT = 1e-9
ITERATIVE = 1e-6

FAMOUS: dict[str, Callable[[], nx.Graph]] = {
    "krackhardt-kite": nx.krackhardt_kite_graph,
    "karate-club": nx.karate_club_graph,
    "florentine-families": nx.florentine_families_graph,
}


def to_igraph(G: nx.Graph) -> ig.Graph:
    """Vertices named by str(node), in the networkx order."""
    index = {n: i for i, n in enumerate(G.nodes)}
    H = ig.Graph(n=len(index), edges=[(index[u], index[v]) for u, v in G.edges()], directed=G.is_directed())
    H.vs["name"] = [str(n) for n in G.nodes]
    return H


def by_name(values: dict[Any, Any]) -> dict[str, Any]:
    return {str(k): v for k, v in values.items()}


def assert_close(found: dict[Any, Any], expected: dict[Any, Any], tol: float) -> None:
    expected = by_name(expected)
    assert set(found) == set(expected)
    for name, value in expected.items():
        assert found[name] == pytest.approx(value, abs=tol), name


@pytest.fixture(params=sorted(FAMOUS))
def famous(request: pytest.FixtureRequest) -> tuple[nx.Graph, ig.Graph]:
    G = FAMOUS[request.param]()
    G = nx.Graph(G.edges())  # unweighted: karate's weights are not part of the reference
    return G, to_igraph(G)


# -- centrality ---------------------------------------------------------------------------------------


def test_degree_equals_networkx(famous: tuple[nx.Graph, ig.Graph]) -> None:
    G, H = famous
    assert centrality.degree(H) == by_name(dict(G.degree()))


def test_directed_multigraph_degrees_count_parallel_relations() -> None:
    G = nx.MultiDiGraph([("a", "b"), ("a", "b"), ("c", "a"), ("b", "c")])
    H = to_igraph(G)
    assert centrality.degree(H, mode="in") == dict(G.in_degree())
    assert centrality.degree(H, mode="out") == dict(G.out_degree())
    assert centrality.degree(H) == dict(G.degree()) == {"a": 3, "b": 3, "c": 2}


def test_pagerank_equals_networkx_on_directed_graphs() -> None:
    G = nx.DiGraph(nx.gnp_random_graph(40, 0.08, seed=3, directed=True))
    G.add_node(40)  # a dangling, isolated vertex
    assert_close(centrality.pagerank(to_igraph(G)), nx.pagerank(G, tol=1e-12), ITERATIVE)


def test_pagerank_equals_networkx_on_famous_graphs(famous: tuple[nx.Graph, ig.Graph]) -> None:
    G, H = famous
    assert_close(centrality.pagerank(H), nx.pagerank(G, tol=1e-12), ITERATIVE)


def test_harmonic_closeness_equals_networkx(famous: tuple[nx.Graph, ig.Graph]) -> None:
    G, H = famous
    found = centrality.harmonic_closeness(H)
    assert found.exact and found.sources == G.number_of_nodes()
    assert_close(found.values, nx.harmonic_centrality(G), EXACT)


def test_normalised_harmonic_closeness_divides_by_n_minus_one() -> None:
    G = nx.florentine_families_graph()
    n = G.number_of_nodes()
    found = centrality.harmonic_closeness(to_igraph(G), normalized=True).values
    assert_close(found, {v: h / (n - 1) for v, h in nx.harmonic_centrality(G).items()}, EXACT)


def test_harmonic_closeness_above_the_exact_size_is_sampled_and_says_so() -> None:
    G = nx.karate_club_graph()
    H = to_igraph(G)
    found = centrality.harmonic_closeness(H, exact_max=10, samples=20, seed=1)
    assert not found.exact and found.sources == 20
    assert centrality.harmonic_closeness(H, exact_max=10, samples=20, seed=1) == found
    assert centrality.harmonic_closeness(H, exact_max=10, samples=20, seed=2) != found
    chosen = sorted(random.Random(1).sample(range(34), 20))  # the sources, as drawn
    distance = dict(nx.all_pairs_shortest_path_length(G))
    estimate = {v: 34 / 20 * sum(1 / distance[s][v] for s in chosen if s != v) for v in G}
    assert_close(found.values, estimate, EXACT)
    exact = nx.harmonic_centrality(G)
    assert max(found.values, key=lambda k: found.values[k]) == str(max(exact, key=lambda k: exact[k]))
    everyone = centrality.harmonic_closeness(H, exact_max=10, samples=34)
    assert not everyone.exact and everyone.sources == 34
    assert_close(everyone.values, exact, EXACT)  # a sample of all sources is exact


def test_sampled_harmonic_closeness_scales_the_sample_to_the_tied_vertices() -> None:
    # a star of 4 leaves plus an isolated vertex: 5 tied vertices; from the 2 sampled
    # sources, a vertex's inverse distances are summed then scaled by 5 / 2
    H = ig.Graph(n=6, edges=[(0, 1), (0, 2), (0, 3), (0, 4)])
    H.vs["name"] = list("habcdz")
    found = centrality.harmonic_closeness(H, exact_max=4, samples=2, seed=7)
    chosen = sorted(random.Random(7).sample([0, 1, 2, 3, 4], 2))
    distance = nx.single_source_shortest_path_length
    star = nx.star_graph(4)
    expected = {
        name: 5 / 2 * sum(1 / distance(star, s)[v] for s in chosen if s != v)
        for v, name in enumerate("habcd")
    }
    assert found.sources == 2 and found.values == pytest.approx({**expected, "z": 0.0}, abs=EXACT)


def test_eigenvector_equals_networkx(famous: tuple[nx.Graph, ig.Graph]) -> None:
    G, H = famous
    expected = nx.eigenvector_centrality(G, tol=1e-12, max_iter=10_000)
    assert_close(centrality.eigenvector(H), expected, ITERATIVE)


def test_betweenness_equals_networkx_exactly(famous: tuple[nx.Graph, ig.Graph]) -> None:
    G, H = famous
    found = centrality.betweenness(H)
    assert found.exact and found.sources == G.number_of_nodes()
    assert_close(found.values, nx.betweenness_centrality(G, normalized=True), EXACT)


def test_krackhardt_kite_broker_by_hand() -> None:
    found = centrality.betweenness(to_igraph(nx.krackhardt_kite_graph())).values
    assert found["7"] == pytest.approx(14 / 36, abs=EXACT)  # Heather: 14 of the 36 pairs
    assert max(found, key=lambda k: found[k]) == "7"


def test_betweenness_above_the_exact_size_is_sampled_and_says_so() -> None:
    G = nx.karate_club_graph()
    H = to_igraph(G)
    found = centrality.betweenness(H, exact_max=10, samples=20, seed=1)
    assert not found.exact and found.sources == 20
    again = centrality.betweenness(H, exact_max=10, samples=20, seed=1)
    assert again == found
    exact = nx.betweenness_centrality(G)
    top = sorted(exact, key=lambda k: -exact[k])[:2]  # Mr Hi and the officer stay on top
    assert sorted(found.values, key=lambda k: -found.values[k])[:2] == [str(n) for n in top]
    everyone = centrality.betweenness(H, exact_max=10, samples=34)
    assert_close(everyone.values, exact, EXACT)  # a sample of all sources is exact


# -- brokerage ----------------------------------------------------------------------------------------


def test_constraint_equals_networkx(famous: tuple[nx.Graph, ig.Graph]) -> None:
    G, H = famous
    assert_close(brokerage.constraint(H), nx.constraint(G), EXACT)


def test_weighted_constraint_equals_networkx() -> None:
    G = nx.karate_club_graph()  # weighted: the number of contexts two members shared
    H = to_igraph(G)
    H.es["weight"] = [float(G.edges[u, v]["weight"]) for u, v in G.edges()]
    assert_close(brokerage.constraint(H), nx.constraint(G, weight="weight"), EXACT)


def test_effective_size_equals_networkx(famous: tuple[nx.Graph, ig.Graph]) -> None:
    G, H = famous
    assert_close(brokerage.effective_size(H), nx.effective_size(G), EXACT)


def test_hierarchy_follows_burt_from_networkx_local_constraints(famous: tuple[nx.Graph, ig.Graph]) -> None:
    G, H = famous
    expected = {}
    for i in G:
        contacts = list(G[i])
        n = len(contacts)
        local = [nx.local_constraint(G, i, j) for j in contacts]
        mean = sum(local) / n
        spread = sum((c / mean) * math.log(c / mean) for c in local)
        expected[i] = spread / (n * math.log(n)) if n > 1 else None
    found = brokerage.hierarchy(H)
    assert {k for k, v in found.items() if v is None} == {str(k) for k, v in expected.items() if v is None}
    defined = {k: v for k, v in expected.items() if v is not None}
    assert_close({k: v for k, v in found.items() if v is not None}, defined, EXACT)


def test_isolated_organisations_have_no_brokerage_values() -> None:
    H = ig.Graph(n=3, edges=[(0, 1)])
    H.vs["name"] = ["a", "b", "alone"]
    assert brokerage.constraint(H)["alone"] is None
    assert brokerage.effective_size(H)["alone"] is None
    assert brokerage.hierarchy(H)["a"] is None


def test_bridges_and_articulation_points_equal_networkx(famous: tuple[nx.Graph, ig.Graph]) -> None:
    G, H = famous
    assert brokerage.bridges(H) == sorted(tuple(sorted((str(u), str(v)))) for u, v in nx.bridges(G))
    assert brokerage.articulation_points(H) == sorted(str(v) for v in nx.articulation_points(G))


def test_kite_bridges_by_hand() -> None:
    H = to_igraph(nx.krackhardt_kite_graph())
    assert brokerage.bridges(H) == [("7", "8"), ("8", "9")]
    assert brokerage.articulation_points(H) == ["7", "8"]


def test_community_ties_name_the_brokers_between_the_karate_factions() -> None:
    G = nx.karate_club_graph()
    H = to_igraph(G)
    faction = {str(n): 0 if G.nodes[n]["club"] == "Mr. Hi" else 1 for n in G}
    (tie,) = brokerage.community_ties(H, faction)
    crossing = [(u, v) for u, v in G.edges() if faction[str(u)] != faction[str(v)]]
    assert (tie.a, tie.b, tie.ties) == (0, 1, len(crossing))
    assert tie.brokers == tuple(sorted({str(n) for e in crossing for n in e}))


# -- communities --------------------------------------------------------------------------------------


def test_leiden_on_the_karate_club_reaches_the_known_optimum() -> None:
    G = nx.karate_club_graph()
    part = communities.leiden(to_igraph(nx.Graph(G.edges())))
    assert part.modularity == pytest.approx(0.4197896, abs=0.005)  # Brandes et al., the optimum
    groups = [{int(n) for n in c} for c in part.communities]
    assert part.modularity == pytest.approx(nx.community.modularity(G, groups, weight=None), abs=EXACT)
    assert (
        part.modularity
        >= nx.community.modularity(G, nx.community.louvain_communities(G, weight=None, seed=1), weight=None)
        - 0.005
    )


def test_leiden_ids_are_stable_across_runs_and_vertex_orders() -> None:
    G = nx.Graph(nx.karate_club_graph().edges())
    first = communities.leiden(to_igraph(G))
    assert communities.leiden(to_igraph(G)) == first
    sizes = [len(c) for c in first.communities]
    assert sizes == sorted(sizes, reverse=True)
    assert all(first.membership[m] == i for i, c in enumerate(first.communities) for m in c)


def test_k_core_equals_networkx(famous: tuple[nx.Graph, ig.Graph]) -> None:
    G, H = famous
    assert communities.k_core(H) == by_name(nx.core_number(G))


# -- bipartite: the co-membership lens on Davis' southern women ---------------------------------------


def davis_as_memberships() -> tuple[nx.Graph, AnalyticGraph]:
    """The women as companies, the events as clubs they are members of."""
    B = nx.davis_southern_women_graph()
    women = sorted(n for n, side in B.nodes(data="bipartite") if side == 0)
    events = sorted(n for n, side in B.nodes(data="bipartite") if side == 1)
    ids = tuple(women + events)
    index = {n: i for i, n in enumerate(ids)}
    H = ig.Graph(n=len(ids), directed=True)
    H.vs["name"] = list(ids)
    H.vs["kind"] = ["Entreprise"] * len(women) + ["Club"] * len(events)
    H.vs["label"] = list(ids)
    member_of = [(index[w], index[e]) for w in women for e in B[w]]
    H.add_edges(member_of)
    H.es["rel"] = ["MEMBER_OF"] * len(member_of)
    H.es["key"] = [""] * len(member_of)
    H.es["weight"] = [1.0] * len(member_of)
    return B, AnalyticGraph(ids, index, H, {}, "davis")


def test_comembership_of_davis_women_equals_the_weighted_bipartite_projection() -> None:
    B, organisations = davis_as_memberships()
    women = [n for n, side in B.nodes(data="bipartite") if side == 0]
    expected = nx.bipartite.weighted_projected_graph(B, women)
    H = comembership(organisations).undirected_simple()
    found = {tuple(sorted((H.vs[e.source]["name"], H.vs[e.target]["name"]))): e["weight"] for e in H.es}
    assert found == {tuple(sorted((u, v))): float(w) for u, v, w in expected.edges(data="weight")}
    assert len(found) == 139


def test_betweenness_on_the_davis_projection_equals_networkx() -> None:
    B, organisations = davis_as_memberships()
    women = [n for n, side in B.nodes(data="bipartite") if side == 0]
    projected = nx.bipartite.projected_graph(B, women)
    H = comembership(organisations).undirected_simple()
    H = H.induced_subgraph([v.index for v in H.vs if v["kind"] == "Entreprise"])
    assert_close(centrality.betweenness(H).values, nx.betweenness_centrality(projected), EXACT)
