"""What the analytics modules share: the graph they are given, as igraph, and its names."""

from __future__ import annotations

from typing import Any, TypeAlias

import igraph as ig

from graph.analytic import AnalyticGraph

__all__ = ["GraphLike", "as_igraph", "names", "simple_undirected"]

GraphLike: TypeAlias = "AnalyticGraph | ig.Graph"


def as_igraph(G: GraphLike) -> ig.Graph:
    return G.graph if isinstance(G, AnalyticGraph) else G


def names(H: ig.Graph) -> list[Any]:
    """The vertex names (node ids), or the vertex indices when the graph has none."""
    return list(H.vs["name"]) if "name" in H.vs.attributes() else list(range(H.vcount()))


def simple_undirected(G: GraphLike) -> ig.Graph:
    """Undirected, no loops, no parallel edges; ``weight`` (1 when absent) sums the edges collapsed."""
    if isinstance(G, AnalyticGraph):
        return G.undirected_simple()
    H = G.copy()
    if "weight" not in H.es.attributes():
        H.es["weight"] = [1.0] * H.ecount()
    if H.is_directed():
        H.to_undirected(mode="collapse", combine_edges={"weight": "sum"})
    H.simplify(multiple=True, loops=True, combine_edges={"weight": "sum"})
    return H
