"""The contract every backend honours: the embedded RDF store and Neo4j."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

import networkx as nx

from graph.kinds import NodeKind
from graph.model import Batch, Counts, LoadReport, Node, Provenance, Subgraph

__all__ = ["GraphStore", "StoreError"]


class StoreError(RuntimeError):
    """A store could not do what was asked; the message says what and where."""


class GraphStore(Protocol):
    """What every backend (embedded RDF, Neo4j) must do."""

    def upsert(self, batch: Batch) -> LoadReport:
        """Write a batch atomically: all of it, or nothing. Writing it again changes nothing."""
        ...

    def datasets(self) -> list[Provenance]:
        """Every dataset written, by source: its date, synthetic flag and title."""
        ...

    def node(self, node_id: str) -> Node | None: ...

    def neighbourhood(self, node_id: str, *, depth: int = 1) -> Subgraph:
        """The subgraph induced by the nodes at most `depth` relations away, any direction."""
        ...

    def subgraph(self) -> Subgraph:
        """Every node and relation."""
        ...

    def projection(
        self, *, territory: str | None = None, kinds: Collection[NodeKind] | None = None
    ) -> nx.MultiDiGraph: ...

    def counts(self) -> Counts: ...

    def state(self) -> str:
        """A token that changes with every write (upsert, bulk load, clear): the key of
        whatever is computed from the store and cached (`graph.analytic`)."""
        ...

    def clear(self) -> None: ...

    def close(self) -> None: ...
