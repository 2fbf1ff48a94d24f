"""The vocabulary section of docs/model.md, generated from the ontology: every class
(with its superclasses), every relation (object property) and every property
(datatype property) with its datatype.

``tests/test_model_doc.py`` checks that docs/model.md holds exactly this text and
that every predicate the loaders write is in it, with the datatype it says;
``MAILLAGE_WRITE_DOCS=1 pytest tests/test_model_doc.py`` rewrites the section.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

from pyoxigraph import NamedNode, RdfFormat, Store

from graph.ontology import ONTOLOGY
from graph.rdf import PREFIXES

__all__ = [
    "BEGIN",
    "END",
    "Term",
    "classes",
    "datatype_properties",
    "object_properties",
    "vocabulary_markdown",
]

BEGIN: Final = "<!-- vocabulary: generated from graph/ontology.ttl by graph/vocabulary_doc.py -->"
END: Final = "<!-- end of the generated vocabulary -->"
_PREFIXES: Final = {
    **PREFIXES,
    "owl": "http://www.w3.org/2002/07/owl#",
    "igeo": "http://rdf.insee.fr/def/geo#",
    "dcat": "http://www.w3.org/ns/dcat#",
}
_COMPACT: Final = sorted(((ns, p) for p, ns in _PREFIXES.items()), key=lambda item: -len(item[0]))


@dataclass(frozen=True, slots=True)
class Term:
    """A class or property of the ontology, its names compacted (``mlg:ACI``)."""

    name: str
    label: str  # French
    parents: tuple[str, ...] = ()  # classes: direct superclasses
    domain: str = ""  # properties: what they describe ("" when anything)
    range: str = ""  # object properties: a class; datatype properties: the datatype


def compact(iri: str) -> str:
    """
    >>> compact("https://w3id.org/maillage/ontologie#ACI"), compact("http://www.w3.org/2001/XMLSchema#date")
    ('mlg:ACI', 'xsd:date')
    """
    for ns, prefix in _COMPACT:
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return f"<{iri}>"


@cache
def _ontology(path: Path = ONTOLOGY) -> Store:
    store = Store()
    store.load(path=path, format=RdfFormat.TURTLE)
    return store


def _rows(query: str) -> list[dict[str, str]]:
    result = _ontology().query(query, prefixes=_PREFIXES)
    names = [v.value for v in result.variables]  # type: ignore[union-attr]
    return [{n: (s[n].value if s[n] is not None else "") for n in names} for s in result]  # type: ignore[union-attr]


def _label(iri: str) -> str:
    rows = _rows(f'SELECT ?l WHERE {{ <{iri}> rdfs:label ?l FILTER(LANG(?l) = "fr") }}')
    return rows[0]["l"] if rows else ""


def _ends(prop: str, predicate: str) -> str:
    found = list(
        _ontology().quads_for_pattern(NamedNode(prop), NamedNode(_PREFIXES["rdfs"] + predicate), None)
    )
    parts = []
    for quad in found:
        obj = quad.object
        parts.append(compact(obj.value) if isinstance(obj, NamedNode) else _union(obj))
    return " ; ".join(sorted(parts))


def _union(node: object) -> str:
    """An ``owl:unionOf`` list of classes: ``mlg:Organisation | mlg:Projet``."""
    store = _ontology()
    rdf, owl = _PREFIXES["rdf"], "http://www.w3.org/2002/07/owl#"
    heads = [q.object for q in store.quads_for_pattern(node, NamedNode(owl + "unionOf"), None)]  # type: ignore[arg-type]
    members: list[str] = []
    for head in heads:
        cell = head
        while not (isinstance(cell, NamedNode) and cell.value == rdf + "nil"):
            first = next(store.quads_for_pattern(cell, NamedNode(rdf + "first"), None)).object  # type: ignore[arg-type]
            members.append(compact(first.value))  # type: ignore[union-attr]
            cell = next(store.quads_for_pattern(cell, NamedNode(rdf + "rest"), None)).object  # type: ignore[arg-type]
    return " | ".join(members)


def _declared(kind: str) -> list[str]:
    return sorted(
        (r["x"] for r in _rows(f"SELECT ?x WHERE {{ ?x a {kind} FILTER(ISIRI(?x)) }}")), key=compact
    )


def classes() -> list[Term]:
    """Every class the ontology declares (``owl:Class``), by name."""
    return [
        Term(
            compact(c),
            _label(c),
            parents=tuple(
                sorted(compact(r["p"]) for r in _rows(f"SELECT ?p WHERE {{ <{c}> rdfs:subClassOf ?p }}"))
            ),
        )
        for c in _declared("owl:Class")
    ]


def object_properties() -> list[Term]:
    """Every relation (``owl:ObjectProperty``): what it goes from and to."""
    return [
        Term(compact(p), _label(p), domain=_ends(p, "domain"), range=_ends(p, "range"))
        for p in _declared("owl:ObjectProperty")
    ]


def datatype_properties() -> list[Term]:
    """Every property (``owl:DatatypeProperty``) and its one datatype."""
    return [
        Term(compact(p), _label(p), domain=_ends(p, "domain"), range=_ends(p, "range"))
        for p in _declared("owl:DatatypeProperty")
    ]


def documented_predicates() -> dict[str, str | None]:
    """Every predicate the vocabulary documents (full IRI) → its datatype's IRI, or None
    for a relation (an IRI object); ``rdf:type`` included."""
    found: dict[str, str | None] = {_PREFIXES["rdf"] + "type": None}
    found |= {p: None for p in _declared("owl:ObjectProperty")}
    for prop in _declared("owl:DatatypeProperty"):
        ranges = _rows(f"SELECT ?r WHERE {{ <{prop}> rdfs:range ?r }}")
        found[prop] = ranges[0]["r"] if len(ranges) == 1 else ""
    return found


def _cell(text: str) -> str:
    return text.replace("|", "\\|") if text else "—"


def vocabulary_markdown() -> str:
    """The generated section, markers included."""
    lines = [BEGIN, "", "### Classes", "", "| class | label | subclass of |", "|---|---|---|"]
    lines += [f"| `{c.name}` | {c.label or '—'} | {_cell(', '.join(c.parents))} |" for c in classes()]
    lines += [
        "",
        "### Relations (object properties)",
        "",
        "| predicate | label | from | to |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| `{p.name}` | {p.label} | {_cell(p.domain)} | {_cell(p.range)} |" for p in object_properties()
    ]
    lines += [
        "",
        "### Properties (datatype properties)",
        "",
        "| predicate | label | datatype | of |",
        "|---|---|---|---|",
    ]
    lines += [f"| `{p.name}` | {p.label} | `{p.range}` | {_cell(p.domain)} |" for p in datatype_properties()]
    lines += ["", END]
    return "\n".join(lines) + "\n"
