"""Centrality of the organisations: degree, PageRank, harmonic closeness, eigenvector,
betweenness.

Conventions (those of networkx, which the tests use as reference):

- `degree` and `pagerank` read the directed multigraph as it is (two partnerships
  between two organisations are two edges);
- `harmonic_closeness`, `eigenvector` and `betweenness` read the undirected simple
  graph (`AnalyticGraph.undirected_simple`): a tie is a tie, whatever its direction
  and however many relations make it;
- eigenvector centrality has unit Euclidean norm (networkx's scale); betweenness is
  normalised as `networkx.betweenness_centrality(normalized=True)`.

Betweenness is exact up to `EXACT_BETWEENNESS_MAX` tied vertices (vertices with at
least one tie); above, it is estimated from `samples` source vertices drawn with a
fixed seed (networkx's `k` estimator) and the result says so. Harmonic closeness
likewise: exact up to `EXACT_CLOSENESS_MAX` tied vertices, above it estimated from
the distances to `samples` sources drawn with a fixed seed (an unbiased estimator:
each tied vertex is a source with the same probability), the sample size reported.

>>> import networkx as nx
>>> import igraph as ig
>>> kite = ig.Graph.from_networkx(nx.krackhardt_kite_graph())
>>> kite.vs["name"] = [str(v) for v in kite.vs["_nx_name"]]
>>> round(betweenness(kite).values["7"], 3)  # Heather, the broker of the kite
0.389
>>> sorted(degree(kite).items(), key=lambda kv: -kv[1])[0]
('3', 6)
"""

from __future__ import annotations

import random
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import igraph as ig
import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import shortest_path

from queries.analytics.base import GraphLike, as_igraph, names, simple_undirected

__all__ = [
    "EXACT_BETWEENNESS_MAX",
    "EXACT_CLOSENESS_MAX",
    "Betweenness",
    "Closeness",
    "Estimate",
    "betweenness",
    "degree",
    "eigenvector",
    "harmonic_closeness",
    "pagerank",
]

EXACT_BETWEENNESS_MAX: Final = 20_000
"""Betweenness is exact when at most this many vertices have a tie; sampled above."""
EXACT_CLOSENESS_MAX: Final = 5_000
"""Harmonic closeness is exact when at most this many vertices have a tie; sampled above
(exact all-pairs distances cost n BFS: 30,000 tied vertices take a minute of CPU)."""

Mode = Literal["in", "out", "all"]


def degree(G: GraphLike, *, mode: Mode = "all") -> dict[Any, int]:
    """Relations in (``mode="in"``), out, or both, counting parallel relations.

    >>> H = ig.Graph([(0, 1), (0, 1), (2, 0)], directed=True)
    >>> degree(H), degree(H, mode="in")
    ({0: 3, 1: 2, 2: 1}, {0: 1, 1: 2, 2: 0})
    """
    H = as_igraph(G)
    return dict(zip(names(H), (int(d) for d in H.degree(mode=mode)), strict=True))


def pagerank(G: GraphLike, *, damping: float = 0.85) -> dict[Any, float]:
    """PageRank on the directed multigraph (a relation points to whom it recognises:
    the member to its club, the delegation to its network); dangling vertices spread
    their rank evenly, as networkx does. Sums to 1.

    >>> H = ig.Graph([(0, 2), (1, 2)], directed=True)
    >>> {v: round(r, 4) for v, r in pagerank(H).items()}
    {0: 0.2128, 1: 0.2128, 2: 0.5745}
    """
    H = as_igraph(G)
    ranks = H.pagerank(directed=True, damping=damping) if H.vcount() else []
    return dict(zip(names(H), (float(r) for r in ranks), strict=True))


@dataclass(frozen=True)
class Estimate:
    """A centrality, and how it was computed."""

    values: dict[Any, float]
    exact: bool
    sources: int  # the source vertices used: every tied vertex when exact, the sample otherwise


Betweenness = Estimate
Closeness = Estimate


def _sample(tied: Sequence[int], samples: int, seed: int) -> list[int]:
    """`samples` tied vertices drawn with `seed`, sorted: the same draw for the same graph."""
    return sorted(random.Random(seed).sample(list(tied), min(samples, len(tied))))


def harmonic_closeness(
    G: GraphLike,
    *,
    normalized: bool = False,
    exact_max: int = EXACT_CLOSENESS_MAX,
    samples: int = 500,
    seed: int = 42,
) -> Closeness:
    """Sum of the inverse distances to every other organisation (0 when unreachable),
    on the undirected graph; divided by n − 1 when `normalized`.

    Exact when at most `exact_max` vertices have a tie; otherwise estimated from the
    distances to `samples` sources drawn among them with `seed`, scaled by the number
    of tied vertices over the sample size (the sample size is reported).

    >>> harmonic_closeness(ig.Graph([(0, 1), (1, 2)]))
    Estimate(values={0: 1.5, 1: 2.0, 2: 1.5}, exact=True, sources=3)
    """
    H = simple_undirected(G)
    n = H.vcount()
    tied = [v for v, d in enumerate(H.degree()) if d > 0]
    if len(tied) <= exact_max:
        values = np.asarray(H.harmonic_centrality(mode="all", normalized=False) if n else [], dtype=float)
        used, exact = len(tied), True
    else:
        chosen = _sample(tied, samples, seed)
        values = _inverse_distance_sums(H, chosen) * (len(tied) / len(chosen))
        used, exact = len(chosen), False
    if normalized and n > 1:
        values = values / (n - 1)
    return Closeness(dict(zip(names(H), (float(v) for v in values), strict=True)), exact, used)


def _inverse_distance_sums(H: ig.Graph, sources: Sequence[int], *, chunk: int = 128) -> np.ndarray:
    """For every vertex, the sum of 1 / d(source, vertex) over `sources` (0 for itself
    and when unreachable): breadth-first searches in scipy, `chunk` sources at a time."""
    n = H.vcount()
    edges = np.asarray(H.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    ones = np.ones(len(edges), dtype=np.int8)
    A = csr_array((ones, (edges[:, 0], edges[:, 1])), shape=(n, n))
    totals = np.zeros(n)
    for start in range(0, len(sources), chunk):
        d = shortest_path(A, directed=False, unweighted=True, indices=sources[start : start + chunk])
        with np.errstate(divide="ignore"):
            inverse = 1.0 / d  # 1/inf = 0 when unreachable
        inverse[d == 0] = 0.0  # the source itself
        totals += inverse.sum(axis=0)
    return totals


def eigenvector(G: GraphLike) -> dict[Any, float]:
    """Eigenvector centrality on the undirected simple graph, scaled to unit Euclidean
    norm, rounded to 12 decimals. On a disconnected graph the component with the largest
    eigenvalue carries it.

    >>> {v: round(c, 4) for v, c in eigenvector(ig.Graph([(0, 1), (1, 2)])).items()}
    {0: 0.5, 1: 0.7071, 2: 0.5}
    """
    H = simple_undirected(G)
    if H.ecount() == 0:
        return dict.fromkeys(names(H), 0.0)
    ig.set_random_number_generator(random.Random(0))  # ARPACK's start vector: same input, same output
    try:
        with warnings.catch_warnings():  # igraph warns that a disconnected graph has near-zero values
            warnings.simplefilter("ignore", RuntimeWarning)
            values = H.eigenvector_centrality()
    finally:
        ig.set_random_number_generator(random)
    norm = sum(v * v for v in values) ** 0.5 or 1.0
    # rounded to 12 decimals: the last digits of an iterative solver are noise
    return dict(zip(names(H), (round(float(v / norm), 12) + 0.0 for v in values), strict=True))


def betweenness(
    G: GraphLike,
    *,
    exact_max: int = EXACT_BETWEENNESS_MAX,
    samples: int = 500,
    seed: int = 42,
) -> Betweenness:
    """Betweenness on the undirected simple graph, normalised by (n − 1)(n − 2) / 2.

    Exact when at most `exact_max` vertices have a tie; otherwise estimated from
    `samples` sources drawn among them with `seed` (the sample size is reported).

    >>> path = ig.Graph([(0, 1), (1, 2)])
    >>> betweenness(path)
    Estimate(values={0: 0.0, 1: 1.0, 2: 0.0}, exact=True, sources=3)
    """
    H = simple_undirected(G)
    n = H.vcount()
    tied = [v for v, d in enumerate(H.degree()) if d > 0]
    if len(tied) <= exact_max:
        raw = H.betweenness(directed=False) if n else []
        used, exact = len(tied), True
    else:
        chosen = _sample(tied, samples, seed)
        raw = [b * len(tied) / len(chosen) for b in H.betweenness(directed=False, sources=chosen)]
        used, exact = len(chosen), False
    scale = 2.0 / ((n - 1) * (n - 2)) if n > 2 else 1.0
    return Betweenness(dict(zip(names(H), (float(b * scale) for b in raw), strict=True)), exact, used)
