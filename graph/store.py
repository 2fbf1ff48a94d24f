"""The contract every backend honours: the embedded RDF store and Neo4j."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from typing import Protocol

import networkx as nx

from graph.kinds import NodeKind
from graph.model import Batch, Counts, LoadReport, Node, Provenance, Subgraph

__all__ = ["BulkLoader", "GraphStore", "Param", "Question", "Row", "StoreError", "Value"]

Value = str | int | float | bool | date | None
Row = tuple[Value, ...]
Param = str | int | float | bool
BulkLoader = Callable[[Iterable[Batch]], Mapping[str, int]]


class StoreError(RuntimeError):
    """A store could not do what was asked; the message says what and where."""


@dataclass(frozen=True, slots=True)
class Question:
    """A named question written once per query language, with `$name` parameters:
    each backend runs its own text (see queries/paired.py)."""

    name: str
    sparql: str
    cypher: str


class GraphStore(Protocol):
    """What every backend (embedded RDF, Neo4j) must do."""

    def upsert(self, batch: Batch) -> LoadReport:
        """Write a batch atomically: all of it, or nothing. Writing it again changes nothing."""
        ...

    def datasets(self) -> list[Provenance]:
        """Every dataset written, by source: its date, synthetic flag and title."""
        ...

    def bulk_loader(self) -> BulkLoader | None:
        """A loader that writes batches into this store, EMPTY, at the engine's bulk
        speed and whole or not at all, returning per dataset what it holds afterwards
        (the unit of `LoadReport.triples_added`); None when the backend has none, or the
        store is not empty or not writable: then each batch is upserted."""
        ...

    def atomic(self) -> AbstractContextManager[None]:
        """A scope whose writes are whole or not at all: on any exception inside, the
        store is left as it was before the scope (and after a kill, as before or as
        after it). A load of several datasets writes them all inside one."""
        ...

    def remove_dataset(self, source: str) -> int:
        """Remove a dataset atomically: what it states, and the nodes and relations no
        other dataset states. Returns how much it removed in the backend's unit (quads,
        or nodes and relations); 0 when the store holds no such dataset."""
        ...

    def node(self, node_id: str) -> Node | None: ...

    def existing_ids(self, ids: Iterable[str]) -> set[str]:
        """The ids among `ids` that the store holds (in any dataset)."""
        ...

    def neighbourhood(self, node_id: str, *, depth: int = 1) -> Subgraph:
        """The subgraph induced by the nodes at most `depth` relations away, any direction."""
        ...

    def induced(self, ids: Iterable[str]) -> Subgraph:
        """The nodes among `ids` the store holds, with every fact about them, and the
        relations between them (unknown ids are left out)."""
        ...

    def subgraph(self) -> Subgraph:
        """Every node and relation."""
        ...

    def dataset(self, source: str) -> Subgraph:
        """One dataset as the store holds it: its nodes with the values it gave them
        (not the values other datasets add to the same nodes), and its relations."""
        ...

    def ask(self, question: Question, params: Mapping[str, Param] | None = None) -> list[Row]:
        """The rows of a named question, in this backend's language, as plain values
        (node ids, not IRIs; numbers, booleans, dates), in no particular order. On the
        embedded store each `$name` is replaced by its RDF term: a node id by its IRI, a
        number by an `xsd:double`, a boolean by an `xsd:boolean`."""
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
