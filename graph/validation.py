"""SHACL validation of the graph against `graph/shapes.ttl`, with pyshacl.

The data validated is the union of every graph of the store (the named graph of
each dataset, and the default graph with the datasets' metadata): a node typed
by one dataset and related by another is judged on what all datasets say. The
ontology is pyshacl's `ont_graph`: its class hierarchy is mixed into the data,
so class targets and `sh:class` follow it (an ACI is an organisation, a club a
collective). There is no inference: RDFS would derive types from `rdfs:domain`
and `rdfs:range`, making every value of `mlg:memberOf` a collective and hiding
the errors the shapes are for (and it is ten times slower on 100,000 triples).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final

import rdflib
from pyoxigraph import Quad, Triple
from pyshacl import validate as shacl_validate
from rdflib.namespace import RDF, SH

from graph.interchange import EXPORT_PREFIXES, QuadSource, rdflib_graph
from graph.rdf import MLG, node_id

__all__ = [
    "DEFAULT_ONTOLOGY",
    "DEFAULT_SHAPES",
    "ValidationResult",
    "Violation",
    "validate",
]

DEFAULT_SHAPES: Final = Path(__file__).with_name("shapes.ttl")
DEFAULT_ONTOLOGY: Final = Path(__file__).with_name("ontology.ttl")

_SHAPES_NS: Final = "https://w3id.org/maillage/shapes#"
_PREFIXES: Final = {**EXPORT_PREFIXES, "mlgsh": _SHAPES_NS, "sh": str(SH)}
_FROM: Final = rdflib.URIRef(MLG + "from")
_TO: Final = rdflib.URIRef(MLG + "to")
_RELATION: Final = rdflib.URIRef(MLG + "relation")


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken constraint.

    `focus_node` is the IRI of the node (or qualified relation) at fault, `path`
    the IRI of the property concerned (None for a constraint on the node
    itself), `constraint` the IRI of the SHACL constraint component
    (``http://www.w3.org/ns/shacl#PatternConstraintComponent``…), `shape` the IRI
    of the shape that holds it, `value` the offending value if any.
    """

    focus_node: str
    path: str | None
    constraint: str
    message: str
    shape: str = ""
    value: str | None = None

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class ValidationResult:
    conforms: bool
    violations: list[Violation]
    triples: int = 0

    def __str__(self) -> str:
        if self.conforms:
            return f"conforme ({self.triples} triplets)"
        lines = [f"{len(self.violations)} violation(s) dans {self.triples} triplets :"]
        lines.extend(f"- {v.message}" for v in self.violations)
        return "\n".join(lines)


def validate(
    store_or_quads: QuadSource | Iterable[Quad | Triple] | rdflib.Graph,
    *,
    shapes: Path | str = DEFAULT_SHAPES,
    ontology: Path | str = DEFAULT_ONTOLOGY,
) -> ValidationResult:
    """Check the union of all graphs of a store (or some quads, or an rdflib
    Graph, left unchanged) against the SHACL `shapes`.

    Each violation's message (in French, as `maillage validate` prints it) names
    the node, the property, the broken constraint and the shape, e.g.
    ``org:acme mlg:siret: un SIRET a 14 chiffres (valeur "123" ;
    sh:PatternConstraintComponent dans mlgsh:Organisation-siret)``; a qualified
    relation is named with its ends.
    """
    if isinstance(store_or_quads, rdflib.Graph):
        data, inplace = store_or_quads, False
    else:
        quads = store_or_quads.quads() if isinstance(store_or_quads, QuadSource) else store_or_quads
        data, inplace = rdflib_graph(quads), True
    triples = len(data)
    conforms, report, _ = shacl_validate(
        data,
        shacl_graph=_parsed(Path(shapes)),
        ont_graph=_parsed(Path(ontology)),
        inference="none",
        inplace=inplace,
        advanced=True,  # SHACL-AF SPARQL targets (one query a shape)
        abort_on_first=False,
        allow_warnings=False,
        meta_shacl=False,
    )
    if not isinstance(report, rdflib.Graph):
        raise TypeError(f"pyshacl returned a report of type {type(report).__name__}")
    violations = sorted(_violations(report, data), key=lambda v: (v.focus_node, v.path or "", v.shape))
    return ValidationResult(bool(conforms), violations, triples)


@lru_cache(maxsize=8)
def _parsed(path: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(path, format="turtle")


def _violations(report: rdflib.Graph, data: rdflib.Graph) -> Iterator[Violation]:
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        component = report.value(result, SH.sourceConstraintComponent)
        shape = report.value(result, SH.sourceShape)
        value = report.value(result, SH.value)
        if value == focus:
            value = None
        text = "; ".join(sorted(str(m) for m in report.objects(result, SH.resultMessage)))
        where = _described(focus, data) + (f" {_short(path)}" if path is not None else "")
        detail = f"valeur {_show(value)} ; " if value is not None else ""
        in_shape = f" dans {_short(shape)}" if isinstance(shape, rdflib.URIRef) else ""
        yield Violation(
            focus_node=str(focus),
            path=str(path) if path is not None else None,
            constraint=str(component),
            message=f"{where}: {text or 'contrainte non satisfaite'} ({detail}{_short(component)}{in_shape})",
            shape=str(shape) if isinstance(shape, rdflib.URIRef) else "",
            value=str(value) if value is not None else None,
        )


def _described(focus: rdflib.term.Node | None, data: rdflib.Graph) -> str:
    """The focus node by its id; a qualified relation also by its two ends."""
    label = _label(focus)
    if focus is None:
        return label
    ends = [data.value(focus, p) for p in (_FROM, _RELATION, _TO)]
    if all(isinstance(end, rdflib.URIRef) for end in ends):
        source, relation, target = ends
        return f"{label} ({_label(source)} {_short(relation)} {_label(target)})"
    return label


def _label(term: rdflib.term.Node | None) -> str:
    """A node by its id (`org:…`, `commune:…`) when it has one, else its short IRI."""
    if isinstance(term, rdflib.URIRef):
        try:
            return node_id(str(term))
        except ValueError:
            return _short(term)
    return str(term)


def _short(term: rdflib.term.Node | None) -> str:
    if isinstance(term, rdflib.URIRef):
        text = str(term)
        for prefix, namespace in _PREFIXES.items():
            if text.startswith(namespace) and len(text) > len(namespace):
                return f"{prefix}:{text[len(namespace) :]}"
        return f"<{text}>"
    return str(term)


def _show(term: rdflib.term.Node) -> str:
    return f'"{term}"' if isinstance(term, rdflib.Literal) else _label(term)
