"""SPARQL answers written in the formats the Protocol negotiates: results in JSON,
XML, CSV and TSV (W3C SPARQL 1.1 Query Results); graphs in Turtle, N-Triples,
JSON-LD and RDF/XML (pyoxigraph's serializers)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Final
from xml.sax.saxutils import escape, quoteattr

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, serialize

from queries.sparql_protocol import ProtocolAnswer, QueryForm

__all__ = ["GRAPH_TYPES", "RESULT_TYPES", "negotiate", "write_answer"]

_XSD_STRING: Final = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANG_STRING: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

RESULT_TYPES: Final = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
_BOOLEAN_TYPES: Final = (
    "application/sparql-results+json",
    "application/json",
    "application/sparql-results+xml",
    "application/xml",
    "text/xml",
)
GRAPH_TYPES: Final = {
    "text/turtle": RdfFormat.TURTLE,
    "application/x-turtle": RdfFormat.TURTLE,
    "application/n-triples": RdfFormat.N_TRIPLES,
    "text/plain": RdfFormat.N_TRIPLES,
    "application/ld+json": RdfFormat.JSON_LD,
    "application/rdf+xml": RdfFormat.RDF_XML,
}
_CHARSET: Final = "; charset=utf-8"


def _accepted(accept: str) -> list[tuple[float, int, str]]:
    """Media ranges of an Accept header, best first (quality, then order)."""
    ranges: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        quality = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranges.append((-quality, position, fields[0].lower()))
    return sorted(ranges)


def negotiate(form: QueryForm, accept: str | None) -> str | None:
    """The media type to answer with, or None when nothing the client accepts fits.

    >>> negotiate(QueryForm.SELECT, "text/csv;q=0.5, application/sparql-results+xml")
    'application/sparql-results+xml'
    >>> negotiate(QueryForm.CONSTRUCT, "*/*")
    'text/turtle'
    >>> negotiate(QueryForm.ASK, "text/csv") is None
    True
    """
    offered: Sequence[str]
    if form is QueryForm.CONSTRUCT:
        offered = list(GRAPH_TYPES)
    elif form is QueryForm.ASK:
        offered = _BOOLEAN_TYPES
    else:
        offered = list(RESULT_TYPES)
    if not accept:
        return offered[0]
    for _, _, wanted in _accepted(accept):
        if wanted in ("*/*", "*"):
            return offered[0]
        if wanted.endswith("/*"):
            match = next((o for o in offered if o.startswith(wanted[:-1])), None)
            if match:
                return match
        elif wanted in offered:
            return wanted
    return None


def write_answer(answer: ProtocolAnswer, media_type: str) -> tuple[bytes, str]:
    """The answer's bytes and the Content-Type header to send them with."""
    if answer.form is QueryForm.CONSTRUCT:
        fmt = GRAPH_TYPES[media_type]
        triples = [Triple(s, p, o) for s, p, o in answer.rows]  # type: ignore[arg-type]
        data = serialize(triples, format=fmt) or b""
        return data, fmt.media_type + _CHARSET
    kind = RESULT_TYPES[media_type]
    if kind == "json":
        return _json(answer), "application/sparql-results+json" + _CHARSET
    if kind == "xml":
        return _xml(answer), "application/sparql-results+xml" + _CHARSET
    if kind == "csv":
        return _csv(answer), "text/csv" + _CHARSET
    return _tsv(answer), "text/tab-separated-values" + _CHARSET


def _json_term(term: object) -> dict[str, object]:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        out: dict[str, object] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != _XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, Triple):
        return {
            "type": "triple",
            "value": {k: _json_term(getattr(term, k)) for k in ("subject", "predicate", "object")},
        }
    raise TypeError(f"not an RDF term: {term!r}")


def _json(answer: ProtocolAnswer) -> bytes:
    if answer.form is QueryForm.ASK:
        document: dict[str, object] = {"head": {}, "boolean": bool(answer.boolean)}
    else:
        document = {
            "head": {"vars": list(answer.variables)},
            "results": {
                "bindings": [
                    {v: _json_term(t) for v, t in zip(answer.variables, row, strict=True) if t is not None}
                    for row in answer.rows
                ]
            },
        }
    return json.dumps(document, ensure_ascii=False).encode()


def _xml_term(term: object) -> str:
    if isinstance(term, NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != _XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    if isinstance(term, Triple):
        parts = "".join(
            f"<{k}>{_xml_term(getattr(term, k))}</{k}>" for k in ("subject", "predicate", "object")
        )
        return f"<triple>{parts}</triple>"
    raise TypeError(f"not an RDF term: {term!r}")


def _xml(answer: ProtocolAnswer) -> bytes:
    out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>']
    if answer.form is QueryForm.ASK:
        out.append(f"</head>\n<boolean>{'true' if answer.boolean else 'false'}</boolean>\n</sparql>\n")
        return "".join(out).encode()
    out.extend(f"<variable name={quoteattr(v)}/>" for v in answer.variables)
    out.append("</head>\n<results>\n")
    for row in answer.rows:
        out.append("<result>")
        out.extend(
            f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
            for v, t in zip(answer.variables, row, strict=True)
            if t is not None
        )
        out.append("</result>\n")
    out.append("</results>\n</sparql>\n")
    return "".join(out).encode()


def _csv_value(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, BlankNode):
        return "_:" + term.value
    if isinstance(term, NamedNode | Literal):
        return term.value
    return str(term)


def _csv(answer: ProtocolAnswer) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(answer.variables)
    for row in answer.rows:
        writer.writerow([_csv_value(t) for t in row])
    return buffer.getvalue().encode()


def _tsv(answer: ProtocolAnswer) -> bytes:
    lines = ["\t".join("?" + v for v in answer.variables)]
    lines.extend("\t".join("" if t is None else str(t) for t in row) for row in answer.rows)
    return ("\n".join(lines) + "\n").encode()
