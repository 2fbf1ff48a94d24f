"""Each link-prediction index against networkx (or the matrix series it is defined by)
on small famous graphs."""

from __future__ import annotations

import itertools

import igraph as ig
import networkx as nx
import numpy as np
import pytest

from queries.linkpred import (
    adamic_adar,
    adjacency,
    common_neighbours,
    jaccard,
    katz,
    personalised_pagerank,
    preferential_attachment,
    resource_allocation,
)


def _graphs() -> list[nx.Graph]:
    kite = nx.krackhardt_kite_graph()
    florentine = nx.convert_node_labels_to_integers(nx.florentine_families_graph(), ordering="sorted")
    with_isolate = nx.Graph([(0, 1), (1, 2), (2, 0), (2, 3)])
    with_isolate.add_node(4)
    return [kite, florentine, nx.karate_club_graph(), with_isolate]


def _igraph(G: nx.Graph) -> ig.Graph:
    H = ig.Graph(n=G.number_of_nodes())
    H.add_edges(list(G.edges()))
    return H


def _all_pairs(G: nx.Graph) -> np.ndarray:
    return np.array(list(itertools.combinations(sorted(G.nodes), 2)), dtype=np.int64)


@pytest.mark.parametrize("G", _graphs(), ids=["kite", "florentine", "karate", "isolate"])
@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (jaccard, nx.jaccard_coefficient),
        (adamic_adar, nx.adamic_adar_index),
        (resource_allocation, nx.resource_allocation_index),
        (preferential_attachment, nx.preferential_attachment),
    ],
    ids=["jaccard", "adamic_adar", "resource_allocation", "preferential_attachment"],
)
def test_index_equals_networkx_on_every_pair(G, ours, theirs) -> None:
    pairs = _all_pairs(G)
    expected = [score for _, _, score in theirs(G, [tuple(p) for p in pairs.tolist()])]
    assert ours(adjacency(_igraph(G)), pairs).tolist() == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("G", _graphs(), ids=["kite", "florentine", "karate", "isolate"])
def test_common_neighbours_equal_networkx(G) -> None:
    pairs = _all_pairs(G)
    expected = [len(list(nx.common_neighbors(G, u, v))) for u, v in pairs.tolist()]
    assert common_neighbours(adjacency(_igraph(G)), pairs).tolist() == expected


def test_krackhardt_kite_hand_computed_values() -> None:
    # networkx's kite: node 0 touches 1, 2, 3, 5; node 3 touches 0, 1, 2, 4, 5, 6.
    # In common: 1 (degree 4: 0, 3, 4, 6), 2 (degree 3: 0, 3, 5), 5 (degree 5: 0, 2, 3, 6, 7).
    A = adjacency(_igraph(nx.krackhardt_kite_graph()))
    pair = np.array([[0, 3]])
    assert common_neighbours(A, pair).tolist() == [3.0]
    assert resource_allocation(A, pair).tolist() == pytest.approx([1 / 4 + 1 / 3 + 1 / 5])
    assert jaccard(A, pair).tolist() == pytest.approx([3 / 7])
    assert preferential_attachment(A, pair).tolist() == [4.0 * 6.0]


@pytest.mark.parametrize("G", _graphs(), ids=["kite", "florentine", "karate", "isolate"])
def test_personalised_pagerank_equals_networkx(G) -> None:
    A = adjacency(_igraph(G))
    nodes = sorted(G.nodes)
    pairs = np.array([(u, v) for u in nodes for v in nodes], dtype=np.int64)
    ours = personalised_pagerank(A, pairs, alpha=0.85, tol=1e-12, batch=3)
    expected = []
    for u in nodes:
        pr = nx.pagerank(G, alpha=0.85, personalization={u: 1.0}, weight=None, tol=1e-12, max_iter=10_000)
        expected.extend(pr[v] for v in nodes)
    assert ours.tolist() == pytest.approx(expected, abs=1e-7)


def test_katz_equals_its_matrix_power_series() -> None:
    G = nx.krackhardt_kite_graph()
    A = adjacency(_igraph(G))
    dense = A.toarray()
    beta = 0.1
    pairs = np.array([(u, v) for u in range(10) for v in range(10)], dtype=np.int64)
    series = beta * dense + beta**2 * dense @ dense + beta**3 * dense @ dense @ dense
    assert katz(A, pairs, beta=beta, max_length=3).tolist() == pytest.approx(
        [series[u, v] for u, v in pairs.tolist()], abs=1e-12
    )
    closed = np.linalg.inv(np.eye(10) - beta * dense) - np.eye(10)
    assert katz(A, pairs, beta=beta, max_length=60).tolist() == pytest.approx(
        [closed[u, v] for u, v in pairs.tolist()], abs=1e-12
    )


def test_adjacency_ignores_direction_repeats_and_self_loops() -> None:
    A = adjacency(ig.Graph([(0, 1), (1, 0), (0, 1), (2, 2), (1, 2)], directed=True))
    assert A.toarray().tolist() == [[0, 1, 0], [1, 0, 1], [0, 1, 0]]


def test_katz_refuses_a_length_below_one() -> None:
    with pytest.raises(ValueError, match="max_length must be at least 1"):
        katz(adjacency(ig.Graph(2)), np.array([[0, 1]]), max_length=0)
