"""Any bounded view (an ego network, a search, a map) as something `graph.interchange`
can export: its nodes and the relations between them, and every RDF statement about its
nodes (with the qualified relations leaving them)."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass

from pyoxigraph import Quad

from graph.model import Subgraph
from graph.oxigraph_store import OxigraphStore
from graph.rdf_decode import decode
from queries.actor import node_quads_with_qualified

__all__ = ["ViewSource", "view_source"]


@dataclass(frozen=True, slots=True)
class ViewSource:
    """The view's quads (every statement about its nodes) and its subgraph (its nodes and
    the relations between them): an `ExportSource` of `graph.interchange`."""

    statements: tuple[Quad, ...]
    view: Subgraph

    def quads(self) -> Iterator[Quad]:
        return iter(self.statements)

    def subgraph(self) -> Subgraph:
        return self.view


def view_source(
    store: OxigraphStore, node_ids: Collection[str], rels: Collection[str] | None = None
) -> ViewSource:
    """The view of nodes `node_ids`, keeping relations between them (of `rels` only, when given)."""
    ids = set(node_ids)
    quads = node_quads_with_qualified(store, ids)
    found = decode(quads)
    edges = tuple(
        e
        for e in found.edges
        if e.source in ids and e.target in ids and (rels is None or e.rel.value in rels)
    )
    return ViewSource(tuple(quads), Subgraph(tuple(n for n in found.nodes if n.id in ids), edges))
