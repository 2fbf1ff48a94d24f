"""Read quads back into the model: the inverse of `graph.rdf`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from pyoxigraph import Literal, NamedNode, Quad

from graph.kinds import NodeKind, RelKind
from graph.model import Edge, Node, PropValue, Subgraph
from graph.rdf import (
    FROM,
    ID,
    KEY,
    NAME,
    RDF_TYPE,
    RELATION,
    TO,
    class_kind,
    from_literal,
    node_id,
    predicate_prop,
    predicate_rel,
)

__all__ = ["decode", "source_of_graph"]

_REL_PREFIX = ID + "rel/"
_SOURCE_PREFIX = ID + "source/"


def source_of_graph(graph_name: str) -> str:
    return graph_name[len(_SOURCE_PREFIX) :] if graph_name.startswith(_SOURCE_PREFIX) else graph_name


@dataclass
class _NodeRecord:
    kind: tuple[str, NodeKind] | None = None  # (dataset, value), like every held value
    name: tuple[str, str] | None = None
    props: dict[str, tuple[str, PropValue]] = field(default_factory=dict)
    sources: set[str] = field(default_factory=set)


@dataclass
class _QualifiedRecord:
    source: str = ""
    target: str = ""
    rel: RelKind | None = None
    key: str = ""
    attrs: dict[str, tuple[str, PropValue]] = field(default_factory=dict)
    sources: set[str] = field(default_factory=set)


V = TypeVar("V")


def _first(held: tuple[str, V] | None, graph: str, value: V) -> tuple[str, V]:
    """Where two datasets disagree on a value, the first dataset by name wins,
    whatever order the quads are read in."""
    return (graph, value) if held is None or graph < held[0] else held


def _keep(values: dict[str, tuple[str, V]], name: str, graph: str, value: V) -> None:
    values[name] = _first(values.get(name), graph, value)


def decode(quads: Iterable[Quad]) -> Subgraph:
    """Rebuild nodes and edges from the quads of named graphs (default graph ignored)."""
    nodes: dict[str, _NodeRecord] = defaultdict(_NodeRecord)
    qualified: dict[str, _QualifiedRecord] = defaultdict(_QualifiedRecord)
    direct: dict[tuple[str, RelKind, str], set[str]] = defaultdict(set)

    for quad in quads:
        graph_term = quad.graph_name
        if not isinstance(graph_term, NamedNode):
            continue
        graph = source_of_graph(graph_term.value)
        subject, predicate, obj = quad.subject, quad.predicate.value, quad.object
        if not isinstance(subject, NamedNode):
            continue
        if subject.value.startswith(_REL_PREFIX):
            _decode_qualified(qualified[subject.value], predicate, obj, graph)
            continue
        rel = predicate_rel(predicate)
        if rel is not None and isinstance(obj, NamedNode):
            direct[(node_id(subject.value), rel, node_id(obj.value))].add(graph)
            continue
        record = nodes[node_id(subject.value)]
        if quad.predicate == RDF_TYPE and isinstance(obj, NamedNode):
            kind = class_kind(obj.value)
            if kind is not None:
                record.kind = _first(record.kind, graph, kind)
                record.sources.add(graph)
        elif quad.predicate == NAME and isinstance(obj, Literal):
            record.name = _first(record.name, graph, obj.value)
        elif isinstance(obj, Literal):
            name = predicate_prop(predicate)
            if name is not None:
                _keep(record.props, name, graph, from_literal(obj))

    by_triple: dict[tuple[str, RelKind, str], list[_QualifiedRecord]] = defaultdict(list)
    for q in qualified.values():
        if q.rel is not None:
            by_triple[(q.source, q.rel, q.target)].append(q)

    edges: list[Edge] = []
    for (source, rel, target), graphs in sorted(direct.items()):
        quals = by_triple.get((source, rel, target))
        if not quals:
            edges.append(Edge(source, rel, target, sources=tuple(sorted(graphs))))
            continue
        for q in sorted(quals, key=lambda r: r.key):
            attrs = {k: v for k, (_, v) in q.attrs.items()}
            edges.append(Edge(source, rel, target, attrs=attrs, key=q.key, sources=tuple(sorted(q.sources))))

    out_nodes = tuple(
        Node(
            ident,
            rec.kind[1],
            rec.name[1] if rec.name is not None else "",
            props={k: v for k, (_, v) in sorted(rec.props.items())},
            sources=tuple(sorted(rec.sources)),
        )
        for ident, rec in sorted(nodes.items())
        if rec.kind is not None
    )
    return Subgraph(out_nodes, tuple(edges))


def _decode_qualified(record: _QualifiedRecord, predicate: str, obj: object, graph: str) -> None:
    record.sources.add(graph)
    if predicate == FROM.value and isinstance(obj, NamedNode):
        record.source = node_id(obj.value)
    elif predicate == TO.value and isinstance(obj, NamedNode):
        record.target = node_id(obj.value)
    elif predicate == RELATION.value and isinstance(obj, NamedNode):
        record.rel = predicate_rel(obj.value)
    elif predicate == KEY.value and isinstance(obj, Literal):
        record.key = obj.value
    elif isinstance(obj, Literal):
        name = predicate_prop(predicate)
        if name is not None:
            _keep(record.attrs, name, graph, from_literal(obj))
