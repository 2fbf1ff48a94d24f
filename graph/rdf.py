"""How the model is written as RDF: IRIs for ids, terms for values, quads for batches.

Layout:
- every batch goes into the named graph of its dataset (`…/id/source/{slug}`), so a
  triple's provenance is the graph it stands in; the same triple from two datasets
  stands in both graphs;
- the default graph is the merged graph: each triple of any named graph once, every
  node also typed with the superclasses of its kind (`graph.ontology`), and the
  dataset metadata (date, synthetic flag, title). The embedded store keeps it in step
  with the named graphs on every write (`merged_quads` for what a new quad adds);
- a node is `<iri> a mlg:{Kind} ; schema:name "…"` plus one triple a property;
- an edge is the direct triple `<s> mlg:{predicate} <o>`; an edge with attributes or
  a key also gets a qualified resource (`mlg:Partnership`, `org:Membership`, or
  `mlg:QualifiedRelation`) holding `mlg:from`, `mlg:to`, `mlg:relation`, `mlg:key`
  and one triple per attribute.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date
from typing import Final

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad

from graph.ids import family, local
from graph.kinds import NodeKind, RelKind, node_kind
from graph.model import Batch, Edge, Node, PropValue, Provenance
from graph.ontology import superclasses

__all__ = [
    "ID",
    "MLG",
    "ORG",
    "PREFIXES",
    "RDF_TYPE",
    "SCHEMA",
    "batch_quads",
    "class_kind",
    "dataset_quads",
    "edge_quads",
    "from_literal",
    "graph_iri",
    "iri",
    "kind_class",
    "merged_quads",
    "node_id",
    "node_quads",
    "predicate_prop",
    "predicate_rel",
    "prop_predicate",
    "qualified_class",
    "rel_predicate",
    "relation_iri",
    "relation_iri_text",
    "to_literal",
]

MLG: Final = "https://w3id.org/maillage/ontologie#"
ID: Final = "https://w3id.org/maillage/id/"
SCHEMA: Final = "https://schema.org/"
ORG: Final = "http://www.w3.org/ns/org#"
XSD: Final = "http://www.w3.org/2001/XMLSchema#"
RDF: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS: Final = "http://www.w3.org/2000/01/rdf-schema#"
DCT: Final = "http://purl.org/dc/terms/"
INSEE_GEO: Final = "http://id.insee.fr/geo/"
INSEE_NAF: Final = "http://id.insee.fr/codes/nafr2/"

RDF_TYPE: Final = NamedNode(RDF + "type")

PREFIXES: Final[dict[str, str]] = {
    "mlg": MLG,
    "id": ID,
    "schema": SCHEMA,
    "org": ORG,
    "xsd": XSD,
    "rdf": RDF,
    "rdfs": RDFS,
    "dct": DCT,
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "sh": "http://www.w3.org/ns/shacl#",
}

# family → (IRI prefix); INSEE's IRIs for places and NAF codes.
_GEO_FAMILIES: Final = {
    "commune": INSEE_GEO + "commune/",
    "arrondissement": INSEE_GEO + "arrondissementMunicipal/",
    "epci": INSEE_GEO + "intercommunalite/",
    "departement": INSEE_GEO + "departement/",
    "region": INSEE_GEO + "region/",
    "ze": INSEE_GEO + "zoneDEmploi2020/",
}
_NAF_LEVELS: Final = ("section", "division", "groupe", "classe", "sousClasse")


def _naf_level(code: str) -> str:
    if len(code) == 1:
        return "section"
    if len(code) == 2:
        return "division"
    if len(code) == 4:
        return "groupe"
    if len(code) == 5:
        return "classe"
    return "sousClasse"


def iri(node_id: str) -> str:
    """The IRI of a node id.

    >>> iri("commune:10387")
    'http://id.insee.fr/geo/commune/10387'
    >>> iri("naf:56.21Z")
    'http://id.insee.fr/codes/nafr2/sousClasse/56.21Z'
    >>> iri("org:trivel")
    'https://w3id.org/maillage/id/org/trivel'
    """
    fam, code = family(node_id), local(node_id)
    if fam in _GEO_FAMILIES:
        return _GEO_FAMILIES[fam] + code
    if fam == "naf":
        return f"{INSEE_NAF}{_naf_level(code)}/{code}"
    return f"{ID}{fam}/{code}"


def node_id(value: str) -> str:
    """The node id of an IRI (inverse of `iri`).

    >>> node_id("http://id.insee.fr/geo/zoneDEmploi2020/4404")
    'ze:4404'
    >>> node_id(iri("naf:A"))
    'naf:A'
    """
    for fam, prefix in _GEO_FAMILIES.items():
        if value.startswith(prefix):
            return f"{fam}:{value[len(prefix) :]}"
    if value.startswith(INSEE_NAF):
        return "naf:" + value[len(INSEE_NAF) :].split("/", 1)[1]
    if value.startswith(ID):
        fam, _, code = value[len(ID) :].partition("/")
        return f"{fam}:{code}"
    raise ValueError(f"not a maillage node IRI: {value}")


def kind_class(kind: NodeKind) -> NamedNode:
    return NamedNode(MLG + kind.value)


def class_kind(value: str) -> NodeKind | None:
    if not value.startswith(MLG):
        return None
    try:
        return node_kind(value[len(MLG) :])
    except ValueError:
        return None


# Properties with a standard predicate; any other property is `mlg:{name}`.
_STANDARD_PROPS: Final = {
    "latitude": SCHEMA + "latitude",
    "longitude": SCHEMA + "longitude",
    "address": SCHEMA + "streetAddress",
    "postal_code": SCHEMA + "postalCode",
    "website": SCHEMA + "url",
    "note": RDFS + "comment",
}
_STANDARD_PREDICATES: Final = {v: k for k, v in _STANDARD_PROPS.items()}
NAME: Final = NamedNode(SCHEMA + "name")


def prop_predicate(name: str) -> NamedNode:
    return NamedNode(_STANDARD_PROPS.get(name, MLG + name))


def predicate_prop(value: str) -> str | None:
    if value in _STANDARD_PREDICATES:
        return _STANDARD_PREDICATES[value]
    if value.startswith(MLG):
        return value[len(MLG) :]
    return None


def rel_predicate(rel: RelKind) -> NamedNode:
    return NamedNode(MLG + rel.predicate)


_PREDICATE_RELS: Final = {MLG + rel.predicate: rel for rel in RelKind}


def predicate_rel(value: str) -> RelKind | None:
    return _PREDICATE_RELS.get(value)


def to_literal(value: PropValue) -> Literal:
    """A typed literal: booleans, integers, doubles, dates and strings keep their type."""
    if isinstance(value, bool):
        return Literal("true" if value else "false", datatype=NamedNode(XSD + "boolean"))
    if isinstance(value, int):
        return Literal(str(value), datatype=NamedNode(XSD + "integer"))
    if isinstance(value, float):
        return Literal(repr(value), datatype=NamedNode(XSD + "double"))
    if isinstance(value, date):
        return Literal(value.isoformat(), datatype=NamedNode(XSD + "date"))
    if isinstance(value, str):
        return Literal(value)
    raise TypeError(f"unsupported literal value: {value!r}")


def from_literal(term: Literal) -> PropValue:
    datatype = term.datatype.value
    text = term.value
    if datatype == XSD + "boolean":
        return text in ("true", "1")
    if datatype in (XSD + "integer", XSD + "int", XSD + "long"):
        return int(text)
    if datatype in (XSD + "double", XSD + "decimal", XSD + "float"):
        return float(text)
    if datatype == XSD + "date":
        return date.fromisoformat(text)
    return text


def graph_iri(source: str) -> NamedNode:
    return NamedNode(f"{ID}source/{source}")


def relation_iri(edge: Edge) -> NamedNode:
    return NamedNode(relation_iri_text(edge))


def relation_iri_text(edge: Edge) -> str:
    """The IRI of a qualified relation's resource, as text (`relation_iri`)."""
    digest = hashlib.sha1("|".join(edge.ident).encode()).hexdigest()[:20]
    return f"{ID}rel/{digest}"


_QUALIFIED_CLASS: Final = {
    RelKind.PARTNER_OF: MLG + "Partnership",
    RelKind.MEMBER_OF: ORG + "Membership",
}
FROM: Final = NamedNode(MLG + "from")
TO: Final = NamedNode(MLG + "to")
RELATION: Final = NamedNode(MLG + "relation")
KEY: Final = NamedNode(MLG + "key")
QUALIFIED: Final = MLG + "QualifiedRelation"


def qualified_class(rel: RelKind) -> str:
    """The class of a qualified relation's resource: `mlg:Partnership`,
    `org:Membership`, or `mlg:QualifiedRelation`."""
    return _QUALIFIED_CLASS.get(rel, QUALIFIED)


def node_quads(node: Node, graph: NamedNode) -> Iterator[Quad]:
    subject = NamedNode(iri(node.id))
    yield Quad(subject, RDF_TYPE, kind_class(node.kind), graph)
    yield Quad(subject, NAME, Literal(node.name), graph)
    for name, value in node.props.items():
        yield Quad(subject, prop_predicate(name), _literal_of(node.id, name, value), graph)


def _literal_of(owner: str, name: str, value: PropValue) -> Literal:
    try:
        return to_literal(value)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{owner}: property {name!r} has an unsupported value {value!r}") from e


def is_qualified(edge: Edge) -> bool:
    return bool(edge.attrs) or bool(edge.key)


def edge_quads(edge: Edge, graph: NamedNode) -> Iterator[Quad]:
    subject, target = NamedNode(iri(edge.source)), NamedNode(iri(edge.target))
    yield Quad(subject, rel_predicate(edge.rel), target, graph)
    if not is_qualified(edge):
        return
    rel = relation_iri(edge)
    yield Quad(rel, RDF_TYPE, NamedNode(qualified_class(edge.rel)), graph)
    yield Quad(rel, FROM, subject, graph)
    yield Quad(rel, TO, target, graph)
    yield Quad(rel, RELATION, rel_predicate(edge.rel), graph)
    if edge.key:
        yield Quad(rel, KEY, Literal(edge.key), graph)
    for name, value in edge.attrs.items():
        yield Quad(rel, prop_predicate(name), _literal_of(edge.source, name, value), graph)


def dataset_quads(provenance: Provenance) -> Iterator[Quad]:
    g = graph_iri(provenance.source)
    default = DefaultGraph()
    yield Quad(g, RDF_TYPE, NamedNode(MLG + "Dataset"), default)
    yield Quad(g, NamedNode(DCT + "issued"), to_literal(provenance.date), default)
    yield Quad(g, NamedNode(MLG + "synthetic"), to_literal(provenance.synthetic), default)
    if provenance.title:
        yield Quad(g, NamedNode(DCT + "title"), Literal(provenance.title), default)


def batch_quads(batch: Batch) -> Iterator[Quad]:
    graph = graph_iri(batch.provenance.source)
    yield from dataset_quads(batch.provenance)
    for node in batch.nodes:
        yield from node_quads(node, graph)
    for edge in batch.edges:
        yield from edge_quads(edge, graph)


def merged_quads(quad: Quad) -> Iterator[Quad]:
    """What a quad of a named graph puts in the merged default graph: the same triple,
    and for a type, the type's superclasses.

    >>> aci = Quad(NamedNode(iri("org:x")), RDF_TYPE, NamedNode(MLG + "ACI"), graph_iri("a"))
    >>> [q.object.value.rpartition("#")[2] for q in merged_quads(aci)]
    ['ACI', 'Organization', 'EmployeurInclusif', 'Organisation', 'SIAE']
    """
    default = DefaultGraph()
    yield Quad(quad.subject, quad.predicate, quad.object, default)
    if quad.predicate == RDF_TYPE and isinstance(quad.object, NamedNode):
        for parent in sorted(superclasses(quad.object.value)):
            yield Quad(quad.subject, RDF_TYPE, NamedNode(parent), default)
