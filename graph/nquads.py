"""Batches as N-Quads text, for pyoxigraph's bulk loader: the same quads as
`graph.rdf.batch_quads` plus what each adds to the merged default graph
(`graph.rdf.merged_quads`), written as lines without building a pyoxigraph term per
triple. IRIs, predicates and the merged lines of each class are formatted once and
cached; every IRI is checked once, as pyoxigraph checks a `NamedNode` (an invalid one
raises `ValueError` before anything is written), so that the bulk loader need not
check them again (`lenient`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Final

from pyoxigraph import NamedNode

from graph.model import Batch, Edge, PropValue, Provenance
from graph.ontology import superclasses
from graph.rdf import (
    DCT,
    MLG,
    RDF,
    SCHEMA,
    XSD,
    graph_iri,
    iri,
    is_qualified,
    prop_predicate,
    qualified_class,
    rel_predicate,
    relation_iri_text,
)

__all__ = ["NQuadsWriter", "nquads_chunks"]

_TYPE: Final = f"<{RDF}type>"
_NAME: Final = f"<{SCHEMA}name>"
_FROM: Final = f"<{MLG}from>"
_TO: Final = f"<{MLG}to>"
_RELATION: Final = f"<{MLG}relation>"
_KEY: Final = f"<{MLG}key>"
_BOOLEAN: Final = f"^^<{XSD}boolean>"
_INTEGER: Final = f"^^<{XSD}integer>"
_DOUBLE: Final = f"^^<{XSD}double>"
_DATE: Final = f"^^<{XSD}date>"
# what an IRIREF of N-Quads may not hold
_BAD_IRI: Final = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_ESCAPES: Final = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def _string(text: str) -> str:
    if '"' in text or "\\" in text or "\n" in text or "\r" in text:
        text = text.translate(_ESCAPES)
    return f'"{text}"'


def literal(value: PropValue) -> str:
    """The N-Quads form of `graph.rdf.to_literal(value)`.

    >>> literal(3), literal('a "b"')
    ('"3"^^<http://www.w3.org/2001/XMLSchema#integer>', '"a \\\\"b\\\\""')
    >>> literal(date(2025, 1, 2)).split("#")[1], literal(False).split("#")[1], literal(0.5)[:5]
    ('date>', 'boolean>', '"0.5"')
    """
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, bool):  # before int: a bool is an int
        return '"true"' + _BOOLEAN if value else '"false"' + _BOOLEAN
    if isinstance(value, int):
        return f'"{value}"{_INTEGER}'
    if isinstance(value, float):
        return f'"{value!r}"{_DOUBLE}'
    if isinstance(value, date):
        return f'"{value.isoformat()}"{_DATE}'
    raise TypeError(f"valeur littérale non prise en charge : {value!r}")


class NQuadsWriter:
    """Formats batches as N-Quads lines, keeping its caches across batches (one writer
    for one bulk load). `lines` counts the quads of the named graphs and the datasets'
    metadata written so far (as `graph.rdf.batch_quads` yields them; the merged graph's
    copies are not counted)."""

    def __init__(self) -> None:
        self.lines = 0
        self._iris: dict[str, str] = {}
        self._predicates: dict[str, str] = {}
        self._types: dict[str, tuple[str, tuple[str, ...]]] = {}  # class IRI -> terms

    def iri(self, node_id: str) -> str:
        found = self._iris.get(node_id)
        if found is None:
            text = iri(node_id)
            if _BAD_IRI.search(text) or ":" not in text:
                raise ValueError(f"{node_id} : IRI invalide : {text!r}")
            try:
                NamedNode(text)  # as the parser checks it: the bulk loader is told not to (lenient)
            except ValueError as e:
                raise ValueError(f"{node_id} : IRI invalide : {text!r}") from e
            found = self._iris[node_id] = f"<{text}>"
        return found

    def _predicate(self, name: str) -> str:
        found = self._predicates.get(name)
        if found is None:
            found = self._predicates[name] = f"<{prop_predicate(name).value}>"
        return found

    def _type(self, class_iri: str) -> tuple[str, tuple[str, ...]]:
        """The class term, and its superclasses' terms (as `merged_quads` writes them)."""
        found = self._types.get(class_iri)
        if found is None:
            parents = tuple(f"<{NamedNode(p).value}>" for p in sorted(superclasses(class_iri)))
            found = self._types[class_iri] = (f"<{NamedNode(class_iri).value}>", parents)
        return found

    def batch(self, batch: Batch) -> Iterator[str]:
        """The text of a batch, a few lines at a time: its metadata, its quads, each
        followed by what it adds to the merged graph (a type's superclasses too)."""
        graph = f"<{graph_iri(batch.provenance.source).value}>"
        metadata = dataset_lines(batch.provenance, graph)
        self.lines += len(metadata)
        yield "".join(metadata)
        for node in batch.nodes:
            s = self.iri(node.id)
            cls, parents = self._type(f"{MLG}{node.kind.value}")
            name = _string(node.name)
            lines = [
                f"{s} {_TYPE} {cls} {graph} .\n{s} {_TYPE} {cls} .\n",
                *(f"{s} {_TYPE} {c} .\n" for c in parents),
                f"{s} {_NAME} {name} {graph} .\n{s} {_NAME} {name} .\n",
            ]
            for key, value in node.props.items():
                p = self._predicate(key)
                o = _literal_of(node.id, key, value)
                lines.append(f"{s} {p} {o} {graph} .\n{s} {p} {o} .\n")
            self.lines += 2 + len(node.props)
            yield "".join(lines)
        for edge in batch.edges:
            yield self._edge(edge, graph)

    def _edge(self, edge: Edge, graph: str) -> str:
        s, t = self.iri(edge.source), self.iri(edge.target)
        p = f"<{rel_predicate(edge.rel).value}>"
        direct = f"{s} {p} {t} {graph} .\n{s} {p} {t} .\n"
        self.lines += 1
        if not is_qualified(edge):
            return direct
        r = f"<{relation_iri_text(edge)}>"
        cls, parents = self._type(qualified_class(edge.rel))
        lines = [
            direct,
            f"{r} {_TYPE} {cls} {graph} .\n{r} {_TYPE} {cls} .\n",
            *(f"{r} {_TYPE} {c} .\n" for c in parents),
            f"{r} {_FROM} {s} {graph} .\n{r} {_FROM} {s} .\n",
            f"{r} {_TO} {t} {graph} .\n{r} {_TO} {t} .\n",
            f"{r} {_RELATION} {p} {graph} .\n{r} {_RELATION} {p} .\n",
        ]
        self.lines += 4
        if edge.key:
            k = _string(edge.key)
            lines.append(f"{r} {_KEY} {k} {graph} .\n{r} {_KEY} {k} .\n")
            self.lines += 1
        for key, value in edge.attrs.items():
            q = self._predicate(key)
            o = _literal_of(edge.source, key, value)
            lines.append(f"{r} {q} {o} {graph} .\n{r} {q} {o} .\n")
            self.lines += 1
        return "".join(lines)


def _literal_of(owner: str, name: str, value: PropValue) -> str:
    try:
        return literal(value)
    except TypeError as e:
        message = f"{owner} : la propriété {name!r} a une valeur non prise en charge : {value!r}"
        raise ValueError(message) from e


def dataset_lines(provenance: Provenance, graph: str) -> list[str]:
    """The dataset's metadata in the default graph (as `graph.rdf.dataset_quads`)."""
    lines = [
        f"{graph} {_TYPE} <{MLG}Dataset> .\n",
        f"{graph} <{DCT}issued> {literal(provenance.date)} .\n",
        f"{graph} <{MLG}synthetic> {literal(provenance.synthetic)} .\n",
    ]
    if provenance.title:
        lines.append(f"{graph} <{DCT}title> {_string(provenance.title)} .\n")
    return lines


def nquads_chunks(
    batches: Iterable[Batch], writer: NQuadsWriter, *, chunk_bytes: int = 8 * 1024**2
) -> Iterator[bytes]:
    """The batches' N-Quads as UTF-8 chunks of about `chunk_bytes` (whole lines)."""
    pending: list[str] = []
    size = 0
    for batch in batches:
        for text in writer.batch(batch):
            pending.append(text)
            size += len(text)
            if size >= chunk_bytes:
                yield "".join(pending).encode()
                pending, size = [], 0
    if pending:
        yield "".join(pending).encode()
