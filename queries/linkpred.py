"""Link-prediction indices over an undirected simple graph, vectorised on a sparse
adjacency matrix: every function scores many node pairs at once.

Each index equals networkx's implementation where networkx has one
(`common_neighbors`, `jaccard_coefficient`, `adamic_adar_index`,
`resource_allocation_index`, `preferential_attachment`, `pagerank` with a
personalisation vector); networkx has no Katz index, so `katz` equals the matrix
power series it is defined by.

>>> import igraph as ig
>>> A = adjacency(ig.Graph.Famous("Zachary"))
>>> pairs = np.array([[0, 33], [5, 6]])
>>> common_neighbours(A, pairs).tolist()
[4.0, 2.0]
>>> [round(float(x), 4) for x in jaccard(A, pairs)]
[0.1379, 0.3333]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

import igraph as ig
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

__all__ = [
    "INDICES",
    "adamic_adar",
    "adjacency",
    "common_neighbours",
    "jaccard",
    "katz",
    "personalised_pagerank",
    "preferential_attachment",
    "resource_allocation",
]

Pairs = NDArray[np.int64]  # shape (k, 2): vertex indices (u, v)
Scores = NDArray[np.float64]  # shape (k,)
Index = Callable[[sp.csr_array, Pairs], Scores]


def adjacency(graph: ig.Graph) -> sp.csr_array:
    """The symmetric 0/1 adjacency matrix of `graph` taken as undirected and simple:
    directions ignored, parallel edges merged, self-loops dropped.

    >>> adjacency(ig.Graph([(0, 1), (1, 0), (1, 1), (1, 2)], directed=True)).toarray().tolist()
    [[0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    """
    n = graph.vcount()
    edges = np.array(graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    return adjacency_from_edges(edges, n)


def adjacency_from_edges(edges: NDArray[np.int64], n: int) -> sp.csr_array:
    """The same matrix from an (m, 2) array of vertex indices."""
    edges = edges[edges[:, 0] != edges[:, 1]]
    rows = np.concatenate([edges[:, 0], edges[:, 1]])
    cols = np.concatenate([edges[:, 1], edges[:, 0]])
    A = sp.coo_array((np.ones(len(rows)), (rows, cols)), shape=(n, n)).tocsr()
    A.sum_duplicates()
    A.data[:] = 1.0
    return A


def _degrees(A: sp.csr_array) -> NDArray[np.float64]:
    degree: NDArray[np.float64] = np.diff(A.indptr).astype(np.float64)
    return degree


def _rows(A: sp.csr_array, nodes: NDArray[np.int64]) -> sp.csr_array:
    return A[nodes] if len(nodes) else sp.csr_array((0, A.shape[1]))


def _weighted_common(A: sp.csr_array, pairs: Pairs, weight: NDArray[np.float64] | None) -> Scores:
    left = _rows(A, pairs[:, 0])
    if weight is not None:
        left = left @ sp.diags_array(weight)
    both = left.multiply(_rows(A, pairs[:, 1]))
    return np.asarray(both.sum(axis=1), dtype=np.float64).reshape(-1)


def common_neighbours(A: sp.csr_array, pairs: Pairs) -> Scores:
    """How many neighbours `u` and `v` share (networkx: `len(list(common_neighbors(G, u, v)))`)."""
    return _weighted_common(A, pairs, None)


def jaccard(A: sp.csr_array, pairs: Pairs) -> Scores:
    """Shared neighbours over all neighbours of either; 0 when both have none
    (networkx: `jaccard_coefficient`)."""
    shared = common_neighbours(A, pairs)
    degree = _degrees(A)
    union = degree[pairs[:, 0]] + degree[pairs[:, 1]] - shared
    return np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)


def adamic_adar(A: sp.csr_array, pairs: Pairs) -> Scores:
    """Sum over shared neighbours `w` of 1 / log(deg w) (networkx: `adamic_adar_index`)."""
    degree = _degrees(A)
    weight = np.zeros_like(degree)
    weight[degree > 1] = 1.0 / np.log(degree[degree > 1])
    return _weighted_common(A, pairs, weight)


def resource_allocation(A: sp.csr_array, pairs: Pairs) -> Scores:
    """Sum over shared neighbours `w` of 1 / deg w (networkx: `resource_allocation_index`)."""
    degree = _degrees(A)
    weight = np.divide(1.0, degree, out=np.zeros_like(degree), where=degree > 0)
    return _weighted_common(A, pairs, weight)


def preferential_attachment(A: sp.csr_array, pairs: Pairs) -> Scores:
    """deg u × deg v (networkx: `preferential_attachment`)."""
    degree = _degrees(A)
    return degree[pairs[:, 0]] * degree[pairs[:, 1]]


def katz(A: sp.csr_array, pairs: Pairs, *, beta: float = 0.05, max_length: int = 3) -> Scores:
    """Walks from `u` to `v` weighted by length: sum over l = 1..max_length of beta^l (A^l)_uv.

    With `max_length` large and beta below 1 / spectral radius this tends to
    ((I - beta A)^-1 - I)_uv, the Katz index; the truncation keeps it sparse.
    """
    if max_length < 1:
        raise ValueError(f"max_length must be at least 1, not {max_length}")
    walks = _rows(A, pairs[:, 0])
    targets = _rows(A, pairs[:, 1])
    total = beta * np.asarray(A[pairs[:, 0], pairs[:, 1]], dtype=np.float64).reshape(-1)
    factor = beta
    # (A^l)_uv = (A^(l-1))[u] · A[v]: the walks of length l - 1 from u that end next to v
    for length in range(2, max_length + 1):
        factor *= beta
        total = total + factor * np.asarray(walks.multiply(targets).sum(axis=1), dtype=np.float64).reshape(-1)
        if length < max_length:
            walks = walks @ A
    return total


def personalised_pagerank(
    A: sp.csr_array,
    pairs: Pairs,
    *,
    alpha: float = 0.85,
    tol: float = 1.0e-6,
    max_iter: int = 1000,
    batch: int = 256,
) -> Scores:
    """The PageRank of `v` when every restart jumps to `u` (networkx:
    `pagerank(G, alpha, personalization={u: 1})[v]`, dangling nodes restarting at `u`
    as networkx does). Sources are solved together, `batch` at a time."""
    n = A.shape[0]
    scores = np.zeros(len(pairs), dtype=np.float64)
    if not len(pairs):
        return scores
    degree = _degrees(A)
    inverse = np.divide(1.0, degree, out=np.zeros_like(degree), where=degree > 0)
    transition = (A @ sp.diags_array(inverse)).tocsr()  # column-stochastic except dangling columns
    dangling = degree == 0
    sources, where = np.unique(pairs[:, 0], return_inverse=True)
    for start in range(0, len(sources), batch):
        chunk = sources[start : start + batch]
        restart = np.zeros((n, len(chunk)))
        restart[chunk, np.arange(len(chunk))] = 1.0
        x = np.full((n, len(chunk)), 1.0 / n)
        for _ in range(max_iter):
            previous = x
            lost = x[dangling].sum(axis=0)
            x = alpha * (transition @ x + restart * lost) + (1.0 - alpha) * restart
            if np.abs(x - previous).sum(axis=0).max() < n * tol:
                break
        else:
            raise RuntimeError(f"personalised PageRank did not converge in {max_iter} iterations")
        selected = (where >= start) & (where < start + len(chunk))
        scores[selected] = x[pairs[selected, 1], where[selected] - start]
    return scores


INDICES: Final[Mapping[str, Index]] = {
    "voisins_communs": common_neighbours,
    "jaccard": jaccard,
    "adamic_adar": adamic_adar,
    "allocation_ressources": resource_allocation,
    "attachement_preferentiel": preferential_attachment,
    "katz": katz,
    "pagerank_personnalise": personalised_pagerank,
}
