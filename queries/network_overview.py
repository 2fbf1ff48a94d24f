"""The organisation network of a territory, ranked and drawn: what the explorer's
centrality table and overview page show.

`centrality_ranking(ag)` ranks the organisations of the organisation lens
(`graph.analytic`) that have at least one tie by the measures of
`queries.analytics.centrality`; `network_overview(ag)` lays the same organisations
out once (igraph: Fruchterman–Reingold on small networks, DrL on large ones, with a
fixed seed) and gives each its PageRank and Leiden community, ready for a WebGL
drawing. Both take the lens already cut to a territory (`AnalyticGraph.within`) when
one is asked for.
"""

from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import dataclass
from typing import Final, Literal

import igraph as ig

from graph.analytic import AnalyticGraph
from queries.analytics import centrality, communities

__all__ = [
    "MEASURES",
    "CentralityRanking",
    "CentralityRow",
    "Measure",
    "Overview",
    "OverviewEdge",
    "OverviewNode",
    "centrality_ranking",
    "network_overview",
]

Measure = Literal["pagerank", "degree", "betweenness", "harmonic_closeness", "eigenvector"]
MEASURES: Final[tuple[Measure, ...]] = (
    "pagerank",
    "degree",
    "betweenness",
    "harmonic_closeness",
    "eigenvector",
)
_SMALL_LAYOUT: Final = 2000  # above, DrL instead of Fruchterman–Reingold


@dataclass(frozen=True, slots=True)
class CentralityRow:
    id: str
    name: str
    kind: str
    degree: int
    pagerank: float
    betweenness: float
    harmonic_closeness: float
    eigenvector: float
    synthetic: bool


@dataclass(frozen=True)
class CentralityRanking:
    """Every organisation with a tie, with its measures (rounded to 6 decimals)."""

    rows: tuple[CentralityRow, ...]
    betweenness_exact: bool
    betweenness_sources: int

    def by(self, measure: Measure, *, kinds: Collection[str] = ()) -> list[CentralityRow]:
        """The rows (of `kinds` only, when given), highest `measure` first, ties by id."""
        rows = [r for r in self.rows if r.kind in kinds] if kinds else self.rows
        return sorted(rows, key=lambda r: (-getattr(r, measure), r.id))


def _tied(ag: AnalyticGraph) -> AnalyticGraph:
    return ag.induced(v for v, d in enumerate(ag.graph.degree()) if d > 0)


def centrality_ranking(ag: AnalyticGraph) -> CentralityRanking:
    """The centrality of each organisation of `ag` with at least one tie, computed on
    those organisations (see `queries.analytics.centrality` for the conventions).

    >>> H = ig.Graph([(0, 2), (1, 2)], directed=True)
    >>> H.vs["name"], H.vs["kind"], H.vs["label"] = ["org:a", "org:b", "org:c"], ["EI"] * 3, ["A", "B", "C"]
    >>> ag = AnalyticGraph(("org:a", "org:b", "org:c"), {}, H, {"synthetic": [False] * 3}, "s")
    >>> [(r.id, r.degree, r.betweenness) for r in centrality_ranking(ag).by("betweenness")]
    [('org:c', 2, 1.0), ('org:a', 1, 0.0), ('org:b', 1, 0.0)]
    """
    tied = _tied(ag)
    simple = tied.undirected_simple()
    degree = centrality.degree(tied)
    pagerank = centrality.pagerank(tied)
    between = centrality.betweenness(simple)
    harmonic = centrality.harmonic_closeness(simple)
    eigen = centrality.eigenvector(simple)
    vs = tied.graph.vs
    synthetic = tied.facets.get("synthetic") or [None] * len(tied.ids)
    rows = tuple(
        CentralityRow(
            id=node,
            name=vs[v]["label"],
            kind=vs[v]["kind"],
            degree=degree[node],
            pagerank=round(pagerank[node], 6),
            betweenness=round(between.values[node], 6),
            harmonic_closeness=round(harmonic.values[node], 6),
            eigenvector=round(eigen[node], 6),
            synthetic=bool(synthetic[v]),
        )
        for v, node in enumerate(tied.ids)
    )
    return CentralityRanking(rows, between.exact, between.sources)


@dataclass(frozen=True, slots=True)
class OverviewNode:
    id: str
    name: str
    kind: str
    x: float
    y: float
    pagerank: float
    community: int
    synthetic: bool


@dataclass(frozen=True, slots=True)
class OverviewEdge:
    source: str
    target: str
    rel: str
    count: int  # relations of this kind between the two, either direction


@dataclass(frozen=True)
class Overview:
    nodes: tuple[OverviewNode, ...]
    edges: tuple[OverviewEdge, ...]
    communities: int
    modularity: float
    truncated: bool  # more organisations had a tie than `max_nodes`
    layout: str  # "fruchterman_reingold" or "drl"


def _layout(H: ig.Graph, seed: int) -> tuple[list[list[float]], str]:
    if H.vcount() == 0:
        return [], "fruchterman_reingold"
    ig.set_random_number_generator(random.Random(seed))
    try:
        if H.vcount() <= _SMALL_LAYOUT:
            return H.layout_fruchterman_reingold(niter=500).coords, "fruchterman_reingold"
        return H.layout_drl().coords, "drl"
    finally:
        ig.set_random_number_generator(random)


def network_overview(ag: AnalyticGraph, *, max_nodes: int = 50_000, seed: int = 0) -> Overview:
    """The organisations of `ag` with at least one tie (the `max_nodes` of highest degree
    when there are more), laid out on the plane with coordinates scaled to [0, 1], each
    with its PageRank and Leiden community (`queries.analytics`); ties collapsed to one
    edge per pair and relation kind.
    """
    tied = _tied(ag)
    truncated = len(tied.ids) > max_nodes
    if truncated:
        degrees = tied.graph.degree()
        keep = sorted(range(len(tied.ids)), key=lambda v: (-degrees[v], tied.ids[v]))[:max_nodes]
        tied = _tied(tied.induced(keep))
    simple = tied.undirected_simple()
    coords, layout = _layout(simple, seed)
    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    x0, y0 = min(xs, default=0), min(ys, default=0)
    span = max(max(xs, default=0) - x0, max(ys, default=0) - y0) or 1.0

    def scaled(value: float, low: float) -> float:
        return round((value - low) / span, 5)

    pagerank = centrality.pagerank(tied)
    partition = communities.leiden(simple)
    vs = tied.graph.vs
    synthetic = tied.facets.get("synthetic") or [None] * len(tied.ids)
    nodes = tuple(
        OverviewNode(
            id=node,
            name=vs[v]["label"],
            kind=vs[v]["kind"],
            x=scaled(xs[v], x0),
            y=scaled(ys[v], y0),
            pagerank=round(pagerank[node], 6),
            community=partition.membership[node],
            synthetic=bool(synthetic[v]),
        )
        for v, node in enumerate(tied.ids)
    )
    counted: dict[tuple[str, str, str], int] = {}
    for e in tied.graph.es:
        a, b = sorted((tied.ids[e.source], tied.ids[e.target]))
        counted[(a, b, e["rel"])] = counted.get((a, b, e["rel"]), 0) + 1
    edges = tuple(OverviewEdge(a, b, rel, n) for (a, b, rel), n in sorted(counted.items()))
    return Overview(
        nodes, edges, len(partition.communities), round(partition.modularity, 6), truncated, layout
    )
