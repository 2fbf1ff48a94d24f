"""Plain data the whole project passes around: nodes, edges, batches, reports."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from graph.kinds import NodeKind, RelKind

__all__ = [
    "Batch",
    "Counts",
    "Edge",
    "LoadReport",
    "Node",
    "PropValue",
    "Provenance",
    "Rejection",
    "Subgraph",
]

PropValue = str | int | float | bool | date


@dataclass(frozen=True, slots=True)
class Provenance:
    """The dataset a batch comes from: every node and relation it holds cites it."""

    source: str  # a slug: "emplois-de-linclusion", "guide-avise-2021", "synthetique-aube-42"
    date: date
    synthetic: bool = False
    title: str = ""


@dataclass(frozen=True, slots=True)
class Node:
    """Anything in the graph: an organisation, a place, a code.

    `id` is global and prefixed by family (see `graph.ids`); `props` hold scalar
    values only. `sources` is filled when a node is read back from a store.
    """

    id: str
    kind: NodeKind
    name: str
    props: Mapping[str, PropValue] = field(default_factory=dict)
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Edge:
    """A directed relation. `key` tells apart parallel relations of one kind
    between the same two nodes (two partnerships of different types)."""

    source: str
    rel: RelKind
    target: str
    attrs: Mapping[str, PropValue] = field(default_factory=dict)
    key: str = ""
    sources: tuple[str, ...] = ()

    @property
    def ident(self) -> tuple[str, str, str, str]:
        return (self.source, self.rel.value, self.target, self.key)


@dataclass(frozen=True, slots=True)
class Batch:
    """What one load writes: everything in it shares one provenance."""

    provenance: Provenance
    nodes: Sequence[Node] = ()
    edges: Sequence[Edge] = ()


@dataclass(frozen=True, slots=True)
class Rejection:
    """A row that was not loaded, and why."""

    file: str
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.reason}"


@dataclass(slots=True)
class LoadReport:
    """What one load of one dataset did: the store fills what it wrote, the load
    pipeline (loaders.pipeline) the rest: the file, rows read, own nodes the store
    already held (`merged`), rows rejected or loaded unresolved, time taken."""

    source: str
    nodes_written: int = 0
    edges_written: int = 0
    triples_added: int = 0
    triples_removed: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    unresolved: list[Rejection] = field(default_factory=list)
    file: str = ""
    rows_in: int = 0
    merged: int = 0
    seconds: float = 0.0
    closed: int = 0  # organisations of the dataset end-dated: absent from a newer list

    @property
    def loaded(self) -> int:
        """Rows read and not rejected."""
        return self.rows_in - len(self.rejected)

    @property
    def rows_per_second(self) -> float:
        return self.rows_in / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True, slots=True)
class Subgraph:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def node_ids(self) -> set[str]:
        return {n.id for n in self.nodes}


@dataclass(frozen=True, slots=True)
class Counts:
    """How many nodes of each kind, how many relations of each kind."""

    nodes: Mapping[str, int]
    edges: Mapping[str, int]
