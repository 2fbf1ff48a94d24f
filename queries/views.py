"""Bounded views of the graph, ready to draw."""

from __future__ import annotations

from collections import deque

import networkx as nx

from graph.ids import family
from graph.kinds import RelKind
from graph.model import Edge, Node, Subgraph
from graph.projection import to_networkx
from graph.store import GraphStore

__all__ = ["case_study_view", "neighbourhood_view", "organisation_circle"]


def case_study_view(store: GraphStore, *, source: str = "guide-avise-2021") -> nx.MultiDiGraph:
    """The organisations one dataset names and the relations it states between them
    (places left out, so the page shows who works with whom), each with every fact the
    store holds about it.

    Reads the dataset, then its organisations: a bounded view costs what it shows, not
    a projection of the whole store."""
    stated = store.dataset(source)
    orgs = {n.id for n in stated.nodes if family(n.id) == "org"}
    wanted = {e.ident for e in stated.edges if e.source in orgs and e.target in orgs}
    found = store.induced(orgs)
    return to_networkx(Subgraph(found.nodes, tuple(e for e in found.edges if e.ident in wanted)))


def neighbourhood_view(store: GraphStore, node_id: str, *, depth: int = 1) -> nx.MultiDiGraph:
    return to_networkx(store.neighbourhood(node_id, depth=depth))


def organisation_circle(store: GraphStore, node_id: str, *, depth: int = 2) -> nx.MultiDiGraph:
    """The organisations at most `depth` organisation-to-organisation relations away
    (clubs, PTCE, networks, partners, their members), with the place of each: who is
    around an organisation by its ties, not merely by its address."""
    nodes: dict[str, Node] = {}
    edges: dict[tuple[str, str, str, str], Edge] = {}
    reached = {node_id}
    queue = deque([(node_id, 0)])
    while queue:
        current, hops = queue.popleft()
        around = store.neighbourhood(current, depth=1)
        nodes.update((n.id, n) for n in around.nodes)
        edges.update((e.ident, e) for e in around.edges)
        if hops == depth:
            continue
        for n in around.nodes:
            if family(n.id) == "org" and n.id not in reached:
                reached.add(n.id)
                queue.append((n.id, hops + 1))
    located = {e.target for e in edges.values() if e.source in reached and e.rel is RelKind.LOCATED_IN}
    keep = reached | located
    return to_networkx(
        Subgraph(
            tuple(n for i, n in sorted(nodes.items()) if i in keep),
            tuple(e for e in edges.values() if e.source in keep and e.target in keep),
        )
    )
