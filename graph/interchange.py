"""The embedded store in and out of standard formats.

RDF goes through pyoxigraph's own serializers and parsers (Turtle, N-Triples,
N-Quads, TriG, JSON-LD parsing), which are fast; JSON-LD is written by rdflib,
which compacts it with a context of our prefixes. Turtle, N-Triples and JSON-LD
hold one graph: they get the union of every graph of the store, triples
deduplicated, and lose which dataset said what. N-Quads and TriG keep the named
graphs. GraphML and GEXF carry the networkx projection (`graph.projection`).

Importing goes through the model: the file's triples are decoded into nodes and
relations (`graph.rdf_decode`) and upserted as one batch into the named graph of
the given source, atomically, on any `GraphStore`. What the model does not hold
(foreign predicates, blank nodes, untyped subjects, dataset metadata) is counted,
not written.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, Final, Protocol, runtime_checkable

import networkx as nx
import rdflib
from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Triple, parse, serialize

from graph.model import Batch, LoadReport, PropValue, Provenance, Subgraph
from graph.projection import to_networkx
from graph.rdf import (
    FROM,
    PREFIXES,
    TO,
    XSD,
    batch_quads,
    from_literal,
    graph_iri,
    iri,
    node_id,
    predicate_rel,
    to_literal,
)
from graph.rdf_decode import decode
from graph.store import GraphStore

__all__ = [
    "EXPORT_PREFIXES",
    "IMPORT_FORMATS",
    "ExportFormat",
    "ExportReport",
    "ExportSource",
    "ImportReport",
    "InterchangeError",
    "QuadSource",
    "export",
    "import_rdf",
    "rdflib_graph",
    "union_triples",
    "writable_graph",
]


class InterchangeError(ValueError):
    """A file that cannot be imported; the message names the file and the problem."""


class ExportFormat(StrEnum):
    """Formats of `export`, named by their usual file extension."""

    TURTLE = "ttl"
    NTRIPLES = "nt"
    NQUADS = "nq"
    TRIG = "trig"
    JSONLD = "jsonld"
    GRAPHML = "graphml"
    GEXF = "gexf"


_PYOXIGRAPH_FORMATS: Final = {
    ExportFormat.TURTLE: RdfFormat.TURTLE,
    ExportFormat.NTRIPLES: RdfFormat.N_TRIPLES,
    ExportFormat.NQUADS: RdfFormat.N_QUADS,
    ExportFormat.TRIG: RdfFormat.TRIG,
    ExportFormat.JSONLD: RdfFormat.JSON_LD,
}
_DATASET_FORMATS: Final = frozenset({ExportFormat.NQUADS, ExportFormat.TRIG})
IMPORT_FORMATS: Final = frozenset({ExportFormat.TURTLE, ExportFormat.NTRIPLES, ExportFormat.JSONLD})


def _namespace(example_id: str) -> str:
    """The IRI namespace of a family of node ids: `commune:x` → `http://id.insee.fr/geo/commune/`."""
    return iri(example_id).rsplit("/", 1)[0] + "/"


# Prefixes of exported files: the vocabularies, and one prefix a family of ids so
# that a commune reads `commune:10387` and an organisation `orgid:80746931700018`
# (`org:` is the W3C ORG vocabulary).
EXPORT_PREFIXES: Final[dict[str, str]] = {
    **{name: ns for name, ns in PREFIXES.items() if name not in ("id", "sh")},
    "orgid": _namespace("org:x"),
    "rel": _namespace("rel:x"),
    "source": _namespace("source:x"),
    "rome": _namespace("rome:x"),
    "secteur": _namespace("secteur:x"),
    "projet": _namespace("projet:x"),
    "marche": _namespace("marche:x"),
    "cpv": _namespace("cpv:x"),
    "commune": _namespace("commune:x"),
    "arrondissement": _namespace("arrondissement:x"),
    "epci": _namespace("epci:x"),
    "departement": _namespace("departement:x"),
    "region": _namespace("region:x"),
    "ze": _namespace("ze:x"),
    "nafSection": _namespace("naf:A"),
    "nafDivision": _namespace("naf:01"),
    "nafGroupe": _namespace("naf:01.1"),
    "nafClasse": _namespace("naf:01.11"),
    "nafSousClasse": _namespace("naf:01.11Z"),
}


@runtime_checkable
class QuadSource(Protocol):
    """A store whose whole content can be read as quads (the embedded store)."""

    def quads(self) -> Iterator[Quad]: ...


class ExportSource(QuadSource, Protocol):
    """What `export` reads: the quads, and the nodes and edges for the graph formats."""

    def subgraph(self) -> Subgraph: ...


@dataclass(frozen=True, slots=True)
class ExportReport:
    """What `export` wrote: RDF statements (quads for N-Quads and TriG), or nodes
    and edges for the graph formats."""

    path: Path
    format: ExportFormat
    statements: int = 0
    nodes: int = 0
    edges: int = 0

    def __str__(self) -> str:
        if self.format in (ExportFormat.GRAPHML, ExportFormat.GEXF):
            return f"{self.path} ({self.nodes} nodes, {self.edges} edges)"
        unit = "quads" if self.format in _DATASET_FORMATS else "triples"
        return f"{self.path} ({self.statements} {unit})"


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What `import_rdf` read and wrote.

    `not_kept` counts the distinct triples of the file that the model does not
    hold as they were: foreign predicates, blank nodes, subjects with no kind,
    dataset metadata, second values of a single-valued property.
    """

    source: str
    triples_read: int
    not_kept: int
    load: LoadReport


# -- exporting -----------------------------------------------------------------


def export(store: ExportSource, path: Path | str, fmt: ExportFormat | str) -> ExportReport:
    """Write the whole store to `path` in format `fmt` (see `ExportFormat`).

    Output is sorted: exporting the same store twice gives the same file.
    """
    fmt = ExportFormat(fmt)
    path = Path(path)
    if fmt in (ExportFormat.GRAPHML, ExportFormat.GEXF):
        G = writable_graph(to_networkx(store.subgraph()), gexf=fmt is ExportFormat.GEXF)
        if fmt is ExportFormat.GRAPHML:
            nx.write_graphml(G, path)
        else:
            nx.write_gexf(G, path)
        return ExportReport(path, fmt, nodes=G.number_of_nodes(), edges=G.number_of_edges())
    if fmt in _DATASET_FORMATS:
        lines = _sorted_nquads(store.quads())
        data = b"".join(lines)
        if fmt is ExportFormat.NQUADS:
            path.write_bytes(data)
        else:
            serialize(parse(data, RdfFormat.N_QUADS), path, RdfFormat.TRIG, prefixes=EXPORT_PREFIXES)
        return ExportReport(path, fmt, statements=len(lines))
    lines = _union_ntriples(store.quads())
    data = b"".join(lines)
    if fmt is ExportFormat.NTRIPLES:
        path.write_bytes(data)
    elif fmt is ExportFormat.TURTLE:
        triples = (q.triple for q in parse(data, RdfFormat.N_TRIPLES))
        serialize(triples, path, RdfFormat.TURTLE, prefixes=EXPORT_PREFIXES)
    else:
        graph = rdflib_graph(parse(data, RdfFormat.N_TRIPLES))
        document = _sorted_jsonld(json.loads(graph.serialize(format="json-ld", context=EXPORT_PREFIXES)))
        path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return ExportReport(path, fmt, statements=len(lines))


# Sorting is done on canonical N-Triples / N-Quads lines, written by pyoxigraph:
# bytes compare in C, where sorting terms by their text in Python took 30 s a
# million triples.


def _union_ntriples(quads: Iterable[Quad]) -> list[bytes]:
    """The distinct triples of all graphs (named and default) as sorted N-Triples lines."""
    text = _serialized((q.triple for q in quads), RdfFormat.N_TRIPLES)
    return sorted(set(text.splitlines(keepends=True)))


def _sorted_nquads(quads: Iterable[Quad]) -> list[bytes]:
    """N-Quads lines, graph by graph (default graph first, then by name), each sorted."""
    by_graph: dict[str, list[Quad]] = defaultdict(list)
    for quad in quads:
        by_graph["" if isinstance(quad.graph_name, DefaultGraph) else str(quad.graph_name)].append(quad)
    lines: list[bytes] = []
    for name in sorted(by_graph):
        lines.extend(sorted(_serialized(by_graph[name], RdfFormat.N_QUADS).splitlines(keepends=True)))
    return lines


def _serialized(statements: Iterable[Triple] | Iterable[Quad], fmt: RdfFormat) -> bytes:
    data = serialize(statements, format=fmt)
    if data is None:  # pyoxigraph returns None only when given an output
        raise RuntimeError(f"pyoxigraph wrote no {fmt.name}")
    return data


def _sorted_jsonld(document: Any) -> Any:
    """rdflib's JSON-LD with its nodes sorted by id and multiple values sorted, so
    that the file does not change from one export to the next."""
    nodes = document.get("@graph", [document]) if isinstance(document, dict) else document
    for node in nodes:
        for name, value in node.items():
            if isinstance(value, list):
                node[name] = sorted(value, key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(document, dict) and "@graph" in document:
        document["@graph"] = sorted(nodes, key=lambda n: str(n.get("@id", "")))
    return document


def union_triples(quads: Iterable[Quad]) -> list[Triple]:
    """The distinct triples of all graphs (named and default), in the order of
    their N-Triples text."""
    return [q.triple for q in parse(b"".join(_union_ntriples(quads)), RdfFormat.N_TRIPLES)]


_XSD_STRING: Final = XSD + "string"


class _RdflibTerms:
    """Converts pyoxigraph terms to rdflib terms, each distinct term once."""

    def __init__(self) -> None:
        self._seen: dict[object, rdflib.term.Node] = {}

    def __call__(self, term: object) -> rdflib.term.Node:
        found = self._seen.get(term)
        if found is None:
            found = self._seen[term] = _rdflib_term(term)
        return found


def _rdflib_term(term: object) -> rdflib.term.Node:
    if isinstance(term, NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == _XSD_STRING:
            return rdflib.Literal(term.value)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(datatype))
    raise TypeError(f"no rdflib equivalent for the RDF term {term!r}")


def rdflib_graph(statements: Iterable[Triple | Quad]) -> rdflib.Graph:
    """An in-memory rdflib Graph of the triples of `statements`, graph names dropped
    (so quads of several graphs make their union), with our prefixes bound."""
    graph = rdflib.Graph()
    for prefix, namespace in EXPORT_PREFIXES.items():
        graph.bind(prefix, namespace)
    term = _RdflibTerms()
    add = graph.store.add
    for s in statements:
        add((term(s.subject), term(s.predicate), term(s.object)), graph)
    return graph


def writable_graph(G: nx.MultiDiGraph, *, gexf: bool = False) -> nx.MultiDiGraph:
    """A copy of a projection that networkx's GraphML and GEXF writers accept.

    Lists become `;`-joined strings, dates ISO strings; an attribute holding
    values of several types in one scope becomes a float (ints and floats) or a
    string. For GEXF, nodes get `label` = name and edges `label` = relation, and
    attributes whose names GEXF reserves (`type`, `start`, `id`…) are written
    as `mlg_{name}`.
    """
    H = nx.MultiDiGraph()
    nodes = {n: _plain(data, _GEXF_NODE_RESERVED if gexf else frozenset()) for n, data in G.nodes(data=True)}
    edges = [
        (u, v, k, _plain(data, _GEXF_EDGE_RESERVED if gexf else frozenset()))
        for u, v, k, data in G.edges(keys=True, data=True)
    ]
    if gexf:
        for data in nodes.values():
            data["label"] = str(data.get("name", ""))
        for _, _, _, data in edges:
            data["label"] = str(data.get("rel", ""))
    _unify_types(nodes.values())
    _unify_types(data for _, _, _, data in edges)
    H.add_nodes_from(nodes.items())
    H.add_edges_from(edges)
    return H


_GEXF_NODE_RESERVED: Final = frozenset(
    {"id", "label", "pid", "start", "end", "viz", "parents", "slices", "spells"}
)
_GEXF_EDGE_RESERVED: Final = frozenset(
    {"id", "key", "label", "weight", "type", "start", "end", "slices", "spells", "networkx_key"}
)
_Plain = str | int | float | bool


def _plain(data: Mapping[str, Any], reserved: frozenset[str]) -> dict[str, _Plain]:
    out: dict[str, _Plain] = {}
    for name, value in data.items():
        if value is None:
            continue
        if isinstance(value, list | tuple | set | frozenset):
            value = ";".join(str(v) for v in value)
        elif isinstance(value, date):
            value = value.isoformat()
        elif not isinstance(value, str | int | float | bool):
            value = str(value)
        out[f"mlg_{name}" if name in reserved else name] = value
    return out


def _unify_types(records: Iterable[dict[str, _Plain]]) -> None:
    """Give every attribute one type across `records`, in place."""
    records = list(records)
    types: dict[str, set[type]] = defaultdict(set)
    for record in records:
        for name, value in record.items():
            types[name].add(type(value))
    for name, found in types.items():
        if len(found) < 2:
            continue
        cast: type = float if found <= {int, float} else str
        for record in records:
            if name in record:
                record[name] = cast(record[name])


# -- importing -----------------------------------------------------------------


def import_rdf(
    store: GraphStore,
    path: Path | str,
    fmt: ExportFormat | str,
    *,
    source: str,
    issued: date | None = None,
    title: str = "",
    synthetic: bool = False,
) -> ImportReport:
    """Read a Turtle, N-Triples or JSON-LD file into the named graph of `source`.

    The file's nodes and relations are upserted as one batch (all or nothing),
    with provenance `source`, `issued` (today by default), `title`, `synthetic`.
    A relation whose ends are neither in the file nor in the store is refused
    (`StoreError`), as for any batch.
    """
    fmt = ExportFormat(fmt)
    if fmt not in IMPORT_FORMATS:
        supported = ", ".join(sorted(IMPORT_FORMATS))
        raise InterchangeError(f"{path}: cannot import format {fmt.value!r}; supported: {supported}")
    try:
        parsed = [
            q.triple for q in parse(path=path, format=_PYOXIGRAPH_FORMATS[fmt], without_named_graphs=True)
        ]
    except (SyntaxError, ValueError) as e:
        raise InterchangeError(f"{path}: {e}") from e
    read = {_canonical_triple(t, path) for t in parsed}
    graph = graph_iri(source)
    found = decode(Quad(t.subject, t.predicate, t.object, graph) for t in read if _decodable(t))
    batch = Batch(
        Provenance(source, issued or date.today(), synthetic, title),
        nodes=found.nodes,
        edges=found.edges,
    )
    kept = {q.triple for q in batch_quads(batch) if not isinstance(q.graph_name, DefaultGraph)}
    report = store.upsert(batch)
    return ImportReport(source, len(read), len(read - kept), report)


_MODEL_DATATYPES: Final = frozenset(
    XSD + name for name in ("boolean", "integer", "int", "long", "double", "decimal", "float", "date")
)


def _canonical_triple(triple: Triple, path: Path | str) -> Triple:
    """The triple as the model would write it back: typed literals in their
    canonical form (JSON-LD writes 48.3 as "4.83E1"^^xsd:double, the model "48.3")."""
    obj = triple.object
    if not (isinstance(obj, Literal) and obj.datatype.value in _MODEL_DATATYPES):
        return triple
    try:
        value: PropValue = from_literal(obj)
    except ValueError as e:
        raise InterchangeError(
            f"{path}: {triple.subject} {triple.predicate}: {obj} is not a valid value"
        ) from e
    return Triple(triple.subject, triple.predicate, to_literal(value))


def _is_node_iri(term: object) -> bool:
    if not isinstance(term, NamedNode):
        return False
    try:
        node_id(term.value)
    except (ValueError, IndexError):
        return False
    return True


def _decodable(triple: Triple) -> bool:
    """Whether `graph.rdf_decode` can read the triple: its subject, and the object of
    a relation, are IRIs of the layout (a maillage id, an INSEE place or NAF code)."""
    if not _is_node_iri(triple.subject):
        return False
    joins = triple.predicate in (FROM, TO) or predicate_rel(triple.predicate.value) is not None
    return not joins or _is_node_iri(triple.object)
