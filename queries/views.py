"""Bounded views of the graph, ready to draw."""

from __future__ import annotations

import networkx as nx

from graph.store import GraphStore

__all__ = ["case_study_view", "neighbourhood_view"]


def case_study_view(store: GraphStore) -> nx.MultiDiGraph:
    """The organisations and the relations between them (places left out, so the
    page shows who works with whom)."""
    G = store.projection()
    orgs = [n for n in G.nodes if str(n).startswith("org:")]
    return G.subgraph(orgs).copy()


def neighbourhood_view(store: GraphStore, node_id: str, *, depth: int = 1) -> nx.MultiDiGraph:
    from graph.projection import to_networkx

    return to_networkx(store.neighbourhood(node_id, depth=depth))
