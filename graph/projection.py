"""Projections of the graph for computation: networkx for everything, igraph for heavy algorithms."""

from __future__ import annotations

from collections import deque
from collections.abc import Collection
from typing import Any

import igraph as ig
import networkx as nx

from graph.ids import family
from graph.kinds import NodeKind, PlaceKind, RelKind, node_kind
from graph.model import Edge, Node, Subgraph

__all__ = ["edge_key", "from_networkx", "to_igraph", "to_networkx", "within_territory"]

_ORG_TO_ORG = {
    RelKind.MEMBER_OF,
    RelKind.PARTNER_OF,
    RelKind.DELEGATION_OF,
    RelKind.CARRIED_BY,
    RelKind.SUPPORTED_BY,
    RelKind.SAME_ESTABLISHMENT,
    RelKind.CO_CONTRACTOR_OF,
}


_PLACE_KINDS = frozenset(k.value for k in PlaceKind)


def edge_key(edge: Edge) -> str:
    """The key of an edge in a MultiDiGraph: its relation, then its own key."""
    return f"{edge.rel.value}|{edge.key}" if edge.key else edge.rel.value


def to_networkx(subgraph: Subgraph) -> nx.MultiDiGraph:
    """Every node with its kind, name, properties and sources; every edge with its
    relation, attributes and sources."""
    G = nx.MultiDiGraph()
    for node in subgraph.nodes:
        G.add_node(node.id, kind=node.kind.value, name=node.name, sources=list(node.sources), **node.props)
    for edge in subgraph.edges:
        G.add_edge(
            edge.source,
            edge.target,
            key=edge_key(edge),
            rel=edge.rel.value,
            edge_key=edge.key,
            sources=list(edge.sources),
            **edge.attrs,
        )
    return G


_NODE_RESERVED = {"kind", "name", "sources"}
_EDGE_RESERVED = {"rel", "edge_key", "sources"}


def from_networkx(G: nx.MultiDiGraph) -> Subgraph:
    """The inverse of `to_networkx`."""
    nodes = tuple(
        Node(
            str(n),
            node_kind(data["kind"]),
            data["name"],
            props={k: v for k, v in data.items() if k not in _NODE_RESERVED},
            sources=tuple(data.get("sources", ())),
        )
        for n, data in G.nodes(data=True)
    )
    edges = tuple(
        Edge(
            str(u),
            RelKind(data["rel"]),
            str(v),
            attrs={k: val for k, val in data.items() if k not in _EDGE_RESERVED},
            key=data.get("edge_key", ""),
            sources=tuple(data.get("sources", ())),
        )
        for u, v, data in G.edges(data=True)
    )
    return Subgraph(nodes, edges)


def within_territory(
    G: nx.MultiDiGraph, territory: str | None = None, *, kinds: Collection[NodeKind] | None = None
) -> nx.MultiDiGraph:
    """The part of `G` on a territory, restricted to some kinds.

    A territory is a place id (`departement:10`, `ze:4404`, `epci:…`). Kept: the
    places inside it (by `PART_OF`), the organisations located in those places, and
    the organisations directly related to these (their clubs, networks, partners).
    """
    keep: set[str]
    if territory is None:
        keep = set(G.nodes)
    else:
        if territory not in G:
            raise KeyError(f"unknown territory: {territory}")
        places = _places_within(G, territory)
        inside = {
            u
            for u, v, rel in G.edges(data="rel")
            if rel == RelKind.LOCATED_IN.value and v in places and family(str(u)) == "org"
        }
        related = {
            w
            for u, v, rel in G.edges(data="rel")
            if rel in {r.value for r in _ORG_TO_ORG}
            for w in ((v,) if u in inside else (u,) if v in inside else ())
        }
        keep = places | inside | related
    if kinds is not None:
        wanted = {k.value for k in kinds}
        keep = {n for n in keep if G.nodes[n].get("kind") in wanted}
    return G.subgraph(keep).copy()


def project(
    subgraph: Subgraph, *, territory: str | None = None, kinds: Collection[NodeKind] | None = None
) -> nx.MultiDiGraph:
    """What every store's `projection` returns: the networkx graph of `subgraph`, on a
    territory and for some kinds when asked."""
    G = to_networkx(subgraph)
    if territory is None and kinds is None:
        return G
    return within_territory(G, territory, kinds=kinds)


def _places_within(G: nx.MultiDiGraph, territory: str) -> set[str]:
    found = {territory}
    queue = deque([territory])
    while queue:
        place = queue.popleft()
        for child, _, rel in G.in_edges(place, data="rel"):
            if (
                rel == RelKind.PART_OF.value
                and child not in found
                and G.nodes[child].get("kind") in _PLACE_KINDS
            ):
                found.add(child)
                queue.append(child)
    return found


def to_igraph(G: nx.MultiDiGraph) -> ig.Graph:
    """A directed igraph with the node ids in the vertex attribute `name` and the
    relation in the edge attribute `rel`."""
    index: dict[Any, int] = {n: i for i, n in enumerate(G.nodes)}
    H = ig.Graph(directed=True)
    H.add_vertices(len(index))
    H.vs["name"] = [str(n) for n in G.nodes]
    H.vs["kind"] = [G.nodes[n].get("kind", "") for n in G.nodes]
    H.add_edges([(index[u], index[v]) for u, v in G.edges()])
    H.es["rel"] = [rel for _, _, rel in G.edges(data="rel")]
    return H
