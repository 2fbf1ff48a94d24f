"""Reading a store for the analytic projection (`graph.analytic`): the graph core in bulk,
and a `FacetSource` the facets are computed from on first use.

The RDF store: SELECTs serialised by pyoxigraph as CSV. What costs, on the national
store, is turning the store's internal term ids back into strings (a few
microseconds per IRI or long literal): so each query names its graph and predicate
instead of returning them, classes and relations come back as small integers through
VALUES tables, no query joins (a join costs a seek per row), and the core reads only
what the graph needs: each organisation's kind and name, the lens's ties. Places,
codes, properties and facet relations are read by `RdfFacets` when a facet asks.

Neo4j: one Cypher query gives every node's kind, name and properties and the
relations the projection reads; the facets are computed from what it returned.
"""

from __future__ import annotations

import csv
import io
import threading
from collections import defaultdict
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final

from pyoxigraph import QueryResultsFormat

from graph.analytic_facets import CODE_KINDS, PLACE_KINDS, FacetSource, stale
from graph.kinds import OrgKind, RelKind
from graph.neo4j_store import Neo4jStore
from graph.oxigraph_store import OxigraphStore
from graph.rdf import ID, MLG, SCHEMA, node_id
from graph.rdf_decode import source_of_graph
from graph.store import GraphStore

__all__ = ["FACET_RELATIONS", "LENS_RELATIONS", "ORG_KINDS", "Bulk", "RdfFacets", "facet_source", "read_bulk"]

FACET_RELATIONS: Final = frozenset(
    {RelKind.LOCATED_IN, RelKind.PART_OF, RelKind.IN_SECTOR, RelKind.SELLS_IN, RelKind.OFFERS_JOB}
)
"""Relations to places and codes: they give facets, not edges."""
LENS_RELATIONS: Final = frozenset(set(RelKind) - FACET_RELATIONS)
"""Relations that are edges of the organisation network."""
ORG_KINDS: Final = frozenset(k.value for k in OrgKind)
LENS_REL_VALUES: Final = frozenset(r.value for r in LENS_RELATIONS)
_PROPS: Final = ("latitude", "longitude", "siret", "size_band")


@dataclass
class Bulk:
    """The graph core a backend reads, and where its facets come from."""

    kinds: dict[str, str]  # node id → kind value: every organisation (other nodes too, from some backends)
    names: dict[str, str]  # node id → name
    synthetic: frozenset[str]  # the organisations only synthetic datasets state
    # (source, relation, target, key), folded as `graph.rdf_decode` folds them: the
    # lens's relations (and, from some backends, the facet relations too)
    edges: list[tuple[str, str, str, str]]
    # (source, relation, target) of the lens's ties → the datasets stating them
    edge_sources: dict[tuple[str, str, str], tuple[str, ...]]
    facets: FacetSource
    # what `facet_source` needs besides the store (the disk cache keeps it): the names
    # of the nodes that are not organisations, by graph and IRI, for the RDF store
    other_names: Callable[[], Mapping[str, Mapping[str, str]]]


def read_bulk(store: GraphStore) -> Bulk:
    if isinstance(store, OxigraphStore):
        return _bulk_from_rdf(store)
    if isinstance(store, Neo4jStore):
        return _bulk_from_neo4j(store)
    return _bulk_from_subgraph(store)


def _synthetic(
    sources: Mapping[str, Iterable[str]], kinds: Mapping[str, str], store: GraphStore
) -> frozenset[str]:
    synthetic = frozenset(p.source for p in store.datasets() if p.synthetic)
    return frozenset(
        n for n, cited in sources.items() if kinds.get(n) in ORG_KINDS and cited and set(cited) <= synthetic
    )


class _HeldFacets:
    """`FacetSource` over what a backend read in full (Neo4j, any other store)."""

    def __init__(
        self,
        kinds: Mapping[str, str],
        names: Mapping[str, str],
        values: Mapping[str, Mapping[str, Any]],
        relations: list[tuple[str, str, str]],
    ) -> None:
        self._kinds = kinds
        self._names = names
        self._values = values  # node → property → value
        self._relations = relations  # (source, relation, target) of the facet relations

    def other_kinds(self) -> Mapping[str, str]:
        return {n: k for n, k in self._kinds.items() if k not in ORG_KINDS}

    def names(self) -> Mapping[str, str]:
        return self._names

    def props(self, name: str) -> Mapping[str, Any]:
        return {n: held[name] for n, held in self._values.items() if name in held}

    def pairs(self, rel: RelKind) -> Sequence[tuple[str, str]]:
        return [(s, t) for s, r, t in self._relations if r == rel.value]


def _held_bulk(
    store: GraphStore,
    kinds: dict[str, str],
    names: dict[str, str],
    sources: Mapping[str, Iterable[str]],
    values: dict[str, dict[str, Any]],
    edges: list[tuple[str, str, str, str]],
    edge_sources: dict[tuple[str, str, str], tuple[str, ...]],
) -> Bulk:
    relations = [(s, r, t) for s, r, t, _ in edges if r not in LENS_REL_VALUES]
    facets = _HeldFacets(kinds, names, values, relations)
    lens = [e for e in edges if e[1] in LENS_REL_VALUES]

    return Bulk(kinds, names, _synthetic(sources, kinds, store), lens, edge_sources, facets, dict)


def _bulk_from_subgraph(store: GraphStore) -> Bulk:
    """Any other store: through its `subgraph` (slow, but the same answer)."""
    sub = store.subgraph()
    kinds = {node.id: node.kind.value for node in sub.nodes}
    names = {node.id: node.name for node in sub.nodes}
    sources = {node.id: node.sources for node in sub.nodes}
    values: dict[str, dict[str, Any]] = {
        node.id: {name: node.props[name] for name in _PROPS if name in node.props} for node in sub.nodes
    }
    stated: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for e in sub.edges:
        if e.rel.value in LENS_REL_VALUES:
            stated[(e.source, e.rel.value, e.target)].update(e.sources)
    edge_sources = {triple: tuple(sorted(found)) for triple, found in stated.items()}
    edges = [(e.source, e.rel.value, e.target, e.key) for e in sub.edges]
    return _held_bulk(store, kinds, names, sources, values, edges, edge_sources)


def fold(
    direct: Iterable[tuple[str, str, str]], keys: Mapping[tuple[str, str, str], list[str]]
) -> list[tuple[str, str, str, str]]:
    """Between two nodes, the relations of one type that carry a key or attributes are
    the edges; when none does, the bare relation is one edge (`graph.rdf_decode`)."""
    edges: list[tuple[str, str, str, str]] = []
    for triple in direct:
        held = keys.get(triple)
        if held:
            edges.extend((*triple, key) for key in sorted(held))
        else:
            edges.append((*triple, ""))
    return edges


# -- Neo4j: the resolved kind, name and properties Neo4jStore keeps on each node, and its
# outgoing relations (those the projection reads), in one query.

_NEO4J_PROJECTION: Final = """
MATCH (n:Node)
RETURN n.id AS id, n.kind AS kind, n.name AS name, n.sources AS sources,
       n.latitude AS latitude, n.longitude AS longitude, n.siret AS siret, n.size_band AS size_band,
       [(n)-[r]->(t:Node) WHERE n:Organisation OR (n:Place AND t:Place) OR n:MarchePublic
        | [type(r), t.id, r.key, r.qualified, r.sources]] AS out
"""


def _bulk_from_neo4j(store: Neo4jStore) -> Bulk:
    kinds: dict[str, str] = {}
    names: dict[str, str] = {}
    sources: dict[str, tuple[str, ...]] = {}
    values: dict[str, dict[str, Any]] = defaultdict(dict)
    direct: set[tuple[str, str, str]] = set()
    keys: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    stated: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for r in store.read(_NEO4J_PROJECTION):
        node = r["id"]
        kinds[node] = r["kind"]
        names[node] = r["name"]
        sources[node] = tuple(r["sources"] or ())
        for name in _PROPS:
            value = r[name]
            if value is not None:
                values[node][name] = float(value) if name in ("latitude", "longitude") else value
        for rel, target, key, qualified, cited in r["out"]:
            triple = (node, rel, target)
            direct.add(triple)
            if qualified:
                keys[triple].append(key or "")
            if rel in LENS_REL_VALUES:
                stated[triple].update(cited or ())
    edges = fold(sorted(direct), keys)
    edge_sources = {triple: tuple(sorted(found)) for triple, found in stated.items()}
    return _held_bulk(store, kinds, names, sources, values, edges, edge_sources)


# -- the RDF store ---------------------------------------------------------------------------------

_RDF_GRAPHS: Final = "SELECT ?g WHERE { GRAPH ?g { } }"
_ORG_CLASSES: Final = tuple(sorted(ORG_KINDS))
_OTHER_CLASSES: Final = tuple(sorted(PLACE_KINDS | CODE_KINDS))
_LENS_RELS: Final = tuple(r for r in RelKind if r in LENS_RELATIONS)
_RDF_PROP_IRIS: Final = {
    "latitude": SCHEMA + "latitude",
    "longitude": SCHEMA + "longitude",
    "siret": MLG + "siret",
    "size_band": MLG + "size_band",
}
_QUALIFIED_PREFIX: Final = ID + "rel/"


def _values(pairs: Iterable[tuple[str, int]]) -> str:
    return " ".join(f"(<{iri}> {i})" for iri, i in pairs)


_REL_VALUES: Final = _values((MLG + rel.predicate, i) for i, rel in enumerate(_LENS_RELS))


def _rdf_types(graph: str, classes: Sequence[str]) -> str:
    table = _values((MLG + k, i) for i, k in enumerate(classes))
    return f"SELECT ?s ?k WHERE {{ GRAPH <{graph}> {{ ?s a ?c }} VALUES (?c ?k) {{ {table} }} }}"


def _rdf_values(graph: str, predicate: str) -> str:
    return f"SELECT ?s ?v WHERE {{ GRAPH <{graph}> {{ ?s <{predicate}> ?v }} }}"


def _rdf_ties(graph: str) -> str:
    return f"SELECT ?s ?r ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} VALUES (?p ?r) {{ {_REL_VALUES} }} }}"


def _rdf_pairs(rel: RelKind) -> str:
    return f"SELECT ?s ?o WHERE {{ ?s <{MLG}{rel.predicate}> ?o }}"


_RDF_LENS_DIRECT: Final = f"SELECT ?s ?r ?o WHERE {{ ?s ?p ?o VALUES (?p ?r) {{ {_REL_VALUES} }} }}"
# a qualified relation's parts, one scan each (joining them costs a seek per row)
_RDF_QUALIFIED: Final = (
    f"SELECT ?q ?r WHERE {{ ?q mlg:relation ?p VALUES (?p ?r) {{ {_REL_VALUES} }} }}",
    "SELECT ?q ?s WHERE { ?q mlg:from ?s }",
    "SELECT ?q ?o WHERE { ?q mlg:to ?o }",
    "SELECT ?q ?k WHERE { ?q mlg:key ?k }",
)


def _fields(data: bytes, width: int) -> list[str]:
    """Every field of a SELECT's CSV results of `width` columns, row after row, header
    dropped (``rows[i::width]`` is column i). Without a quote in the whole result, no
    field is quoted (nor holds a comma or a line break): it is split plainly."""
    text = data.decode("utf-8")
    if '"' in text:
        rows = csv.reader(io.StringIO(text, newline=""))
        next(rows, None)
        return [value for row in rows for value in row]
    if text.endswith("\r\n"):
        text = text[:-2]
    fields = text.replace("\r\n", ",").split(",")
    del fields[:width]
    return fields


def _rows(data: bytes, width: int) -> Iterator[tuple[str, ...]]:
    fields = _fields(data, width)
    return zip(*(fields[i::width] for i in range(width)), strict=True)


def _pairs(data: bytes) -> Iterator[tuple[str, str]]:
    fields = _fields(data, 2)
    return zip(fields[0::2], fields[1::2], strict=True)


def _serialised(store: OxigraphStore, queries: Sequence[str]) -> Iterator[bytes]:
    """The CSV results of `queries`, in order, evaluated two at a time (pyoxigraph
    evaluates without the GIL) while the caller reads the earlier ones."""

    def run(sparql: str) -> bytes:
        return bytes(store.query(sparql).serialize(format=QueryResultsFormat.CSV))

    with ThreadPoolExecutor(max_workers=2) as pool:
        yield from pool.map(run, queries)


class _Ids:
    """IRI → node id, memoised (it also shares one string per id)."""

    def __init__(self) -> None:
        self._memo: dict[str, str] = {}

    def __call__(self, value: str) -> str:
        found = self._memo.get(value)
        if found is None:
            found = self._memo[value] = to_id(value)
        return found


_ID_LENGTH: Final = len(ID)


def to_id(iri: str) -> str:
    """The node id of an IRI (`graph.rdf.node_id`, quicker for the project's own IRIs)."""
    if iri.startswith(ID):
        return iri[_ID_LENGTH:].replace("/", ":", 1)
    return node_id(iri)


def _graphs(store: OxigraphStore) -> list[str]:
    """The datasets' graphs, last first: a value a graph states overwrites the later
    graphs' ones, so the first graph (by IRI) wins, as in `graph.rdf_decode`."""
    (listed,) = _serialised(store, [_RDF_GRAPHS])
    return sorted(_fields(listed, 1), reverse=True)


_ORG_CODES: Final = {str(i): kind for i, kind in enumerate(_ORG_CLASSES)}
_LENS_CODES: Final = {str(i): rel.value for i, rel in enumerate(_LENS_RELS)}


def _rdf_holds_organisations(graph: str) -> str:
    return f"ASK {{ GRAPH <{graph}> {{ ?s a ?c }} VALUES ?c {{ {_ORG_IRIS} }} }}"


_ORG_IRIS: Final = " ".join(f"<{MLG}{k}>" for k in _ORG_CLASSES)
_ORG_PREFIX: Final = ID + "org/"


def _bulk_from_rdf(store: OxigraphStore) -> Bulk:
    synthetic_sources = frozenset(p.source for p in store.datasets() if p.synthetic)
    graphs = _graphs(store)
    # the names of the graphs stating no organisation (places, codes) wait for a facet
    held = [g for g in graphs if bool(store.query(_rdf_holds_organisations(g)))]
    queries = [_RDF_LENS_DIRECT, *_RDF_QUALIFIED]
    for g in held:
        queries += [_rdf_types(g, _ORG_CLASSES), _rdf_values(g, SCHEMA + "name"), _rdf_ties(g)]
    results = _serialised(store, queries)
    direct = list(_rows(next(results), 3))
    relation, start, end, key = (dict(_pairs(next(results))) for _ in _RDF_QUALIFIED)

    kind_code: dict[str, str] = {}  # IRI → index into _ORG_CLASSES
    named: dict[str, dict[str, str]] = {}  # graph → IRI → name
    stated_elsewhere: set[str] = set()  # IRIs a dataset not synthetic types
    ties: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for g in held:
        source = source_of_graph(g)
        typed = _fields(next(results), 2)
        kind_code.update(zip(typed[0::2], typed[1::2], strict=True))
        if source not in synthetic_sources:
            stated_elsewhere.update(typed[0::2])
        named[g] = dict(_pairs(next(results)))
        for tie in _rows(next(results), 3):
            ties[tie].append(source)

    iris = [iri for iri in kind_code if not iri.startswith(_QUALIFIED_PREFIX)]
    prefix = len(_ORG_PREFIX)
    nodes = ["org:" + iri[prefix:] if iri.startswith(_ORG_PREFIX) else to_id(iri) for iri in iris]
    kinds = dict(zip(nodes, [_ORG_CODES[kind_code[iri]] for iri in iris], strict=True))
    synthetic = frozenset(node for node, iri in zip(nodes, iris, strict=True) if iri not in stated_elsewhere)
    merged: dict[str, str] = {}
    for g in held:  # last first, as `graphs`
        merged.update(named[g])
    names = {node: merged[iri] for node, iri in zip(nodes, iris, strict=True) if iri in merged}

    ids = _Ids()
    keys: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for q, r in relation.items():
        head, tail = start.get(q), end.get(q)
        if head is not None and tail is not None:
            keys[(ids(head), _LENS_CODES[r], ids(tail))].append(key.get(q, ""))
    edges = fold(sorted((ids(s), _LENS_CODES[r], ids(o)) for s, r, o in direct), keys)
    edge_sources = {
        (ids(s), _LENS_CODES[r], ids(o)): tuple(sorted(found)) for (s, r, o), found in ties.items()
    }
    facets = RdfFacets(store, store.state(), named, kind_code, graphs)
    return Bulk(kinds, names, synthetic, edges, edge_sources, facets, facets.other_names)


def facet_source(store: GraphStore, state: str, other_names: Mapping[str, Mapping[str, str]]) -> FacetSource:
    """Where the facets of the projection of `store` in `state` are read from, when its
    core came from the disk cache (`other_names`: what `Bulk.other_names` gave)."""
    if isinstance(store, OxigraphStore):
        return RdfFacets(store, state, other_names)
    if store.state() != state:
        raise stale()
    return read_bulk(store).facets


def _typed(name: str, text: str) -> Any:
    if name in ("latitude", "longitude"):
        try:
            return float(text)
        except ValueError:
            return None
    return text


class RdfFacets:
    """`FacetSource` reading an `OxigraphStore` on demand, each part once; refuses to
    read once the store's state is no longer `state` (`StaleProjectionError`).

    `named`: the names the core read, by graph and IRI (those of `organisations` are
    left out of `other_names`); those of the other graphs are read when asked for."""

    def __init__(
        self,
        store: OxigraphStore,
        state: str,
        named: Mapping[str, Mapping[str, str]],
        organisations: Container[str] = (),
        graphs: Sequence[str] | None = None,
    ) -> None:
        self._store = store
        self._state = state
        self._named = named
        self._organisations = organisations
        self._graphs = graphs
        self._memo: dict[str, Any] = {}
        self._lock = threading.RLock()

    def _read(self, queries: Sequence[str]) -> Iterator[bytes]:
        store = self._open()
        if store.state() != self._state:
            raise stale()
        return _serialised(store, queries)

    def _open(self) -> OxigraphStore:
        """The store, reopened read-only at its path if it was closed since the core was
        read (a projection outlives the store it came from)."""
        if hasattr(self._store, "_store"):  # `OxigraphStore.close` drops it
            return self._store
        if self._store.path is None:
            raise stale("le magasin en mémoire d'où la lire a été fermé")
        self._store = OxigraphStore(self._store.path, read_only=True)
        return self._store

    def _datasets(self) -> Sequence[str]:
        if self._graphs is None:
            (listed,) = self._read([_RDF_GRAPHS])
            self._graphs = sorted(_fields(listed, 1), reverse=True)
        return self._graphs

    def other_names(self) -> dict[str, dict[str, str]]:
        """The names the core read of every node but the organisations, by graph and IRI."""
        return {
            g: {iri: name for iri, name in found.items() if iri not in self._organisations}
            for g, found in self._named.items()
        }

    def other_kinds(self) -> Mapping[str, str]:
        with self._lock:
            found = self._memo.get("kinds")
            if found is None:
                codes: dict[str, str] = {}
                for data in self._read([_rdf_types(g, _OTHER_CLASSES) for g in self._datasets()]):
                    codes.update(_pairs(data))
                found = self._memo["kinds"] = {
                    to_id(iri): _OTHER_CLASSES[int(code)]
                    for iri, code in codes.items()
                    if not iri.startswith(_QUALIFIED_PREFIX)
                }
            return found

    def names(self) -> Mapping[str, str]:
        with self._lock:
            found = self._memo.get("names")
            if found is None:
                graphs = self._datasets()
                unread = [g for g in graphs if g not in self._named]
                read = dict(
                    zip(unread, self._read([_rdf_values(g, SCHEMA + "name") for g in unread]), strict=True)
                )
                merged: dict[str, str] = {}
                for g in graphs:  # last first
                    merged.update(self._named[g] if g in self._named else _pairs(read[g]))
                found = self._memo["names"] = {
                    to_id(iri): name for iri, name in merged.items() if iri not in self._organisations
                }
            return found

    def props(self, name: str) -> Mapping[str, Any]:
        with self._lock:
            found = self._memo.get(name)
            if found is None:
                values: dict[str, str] = {}
                for data in self._read([_rdf_values(g, _RDF_PROP_IRIS[name]) for g in self._datasets()]):
                    values.update(_pairs(data))
                found = self._memo[name] = {to_id(iri): _typed(name, text) for iri, text in values.items()}
            return found

    def pairs(self, rel: RelKind) -> Sequence[tuple[str, str]]:
        with self._lock:
            found = self._memo.get(rel.value)
            if found is None:
                (data,) = self._read([_rdf_pairs(rel)])
                fields = _fields(data, 2)
                ids = _Ids()
                targets = [ids(o) for o in fields[1::2]]
                found = self._memo[rel.value] = list(zip(map(to_id, fields[0::2]), targets, strict=True))
            return found
