"""The analytic projection: the organisation network as an `igraph.Graph`, read in bulk.

`GraphStore.projection()` rebuilds every `Node` and `Edge` of the store before it
makes a networkx graph: right for exploring, far too slow for computing on the
national graph. `analytic_projection` reads only what network analysis needs —
node ids, kinds and names, the relations between organisations, and a few facets —
in bulk (SPARQL SELECTs per dataset graph and predicate, serialised as CSV, for the
RDF store; one Cypher query for Neo4j) straight into igraph, and caches the result
keyed by the store's state.

Lenses
------
``"organisations"`` (the organisation network)
    Vertices: every organisation and collective (`graph.kinds.OrgKind`: SIAE,
    companies, associations, clubs, PTCE, Fabriques, networks, groups, public bodies,
    funders…). Edges: every relation between two of them (`LENS_RELATIONS`:
    membership, partnership, delegation, carried by, supported by, same
    establishment, and any procurement tie), directed as stored, one edge per
    relation (two partnerships of different types between two organisations are two
    edges, told apart by ``key``). Places and codes are not vertices: they are the
    facets below, used to filter and describe.
``"comembership"`` (the co-membership projection)
    The same vertices; an undirected edge between two organisations for each
    collective (`OrgKind.collectives`) both are members of: ``rel`` is
    ``MEMBER_OF``, ``key`` the collective's id, ``weight`` 1.
    `AnalyticGraph.undirected_simple` collapses them into one edge weighted by the
    number of shared collectives.

Facets (per vertex, aligned with ``ids``; None or ``()`` when unknown)
----------------------------------------------------------------------
``commune``
    the commune (or municipal arrondissement) the organisation is located in;
``epci``, ``ze``, ``departement``, ``region``
    the places above it by ``PART_OF`` (or the place it is located in, for a club
    located in a département);
``places``
    every place containing the organisation (a territory filter);
``latitude``, ``longitude``
    its own coordinates, else its commune's centroid;
``naf``
    its NAF sous-classe (``IN_SECTOR``), ``tranche`` its INSEE size band
    (``size_band``), ``siret``;
``rome``, ``secteurs``
    the ROME jobs it offers and the Marché de l'inclusion sectors it sells in
    (sorted tuples of ids);
``synthetic``
    True when only synthetic datasets state the organisation;
``marches``, ``achats``
    the public contracts (`CodeKind.MARCHE_PUBLIC`) it holds (``HOLDS``) and those it
    awarded as a buyer (``AWARDED_BY``): sorted tuples of (contract id, CPV division id
    or ``""``, datasets stating the tie). Contracts are not vertices; co-holders are
    tied by ``CO_CONTRACTOR_OF`` edges.

Territory
---------
``territory`` keeps, as `GraphStore.projection` does, the organisations located in
the place (a commune, EPCI, zone d'emploi, département or région) and those directly
related to them.

Cache
-----
Keyed by `GraphStore.state()`, which every write changes: in memory for every store,
and on disk next to an on-disk RDF store (``<store>.analytic/organisations.pickle``,
stored as columns: see `_write_cache`).
"""

from __future__ import annotations

import csv
import io
import pickle
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, NamedTuple, cast

import igraph as ig
import networkx as nx
import numpy as np
from pyoxigraph import QueryResultsFormat

from graph.kinds import CodeKind, OrgKind, PlaceKind, RelKind
from graph.neo4j_store import Neo4jStore
from graph.oxigraph_store import OxigraphStore
from graph.rdf import ID, MLG, SCHEMA, node_id, predicate_rel
from graph.rdf_decode import source_of_graph
from graph.store import GraphStore

__all__ = [
    "FACETS",
    "FACET_RELATIONS",
    "LENSES",
    "LENS_RELATIONS",
    "AnalyticGraph",
    "Place",
    "analytic_projection",
    "clear_memory_cache",
    "comembership",
]

LENSES: Final = ("organisations", "comembership")
FACET_RELATIONS: Final = frozenset(
    {RelKind.LOCATED_IN, RelKind.PART_OF, RelKind.IN_SECTOR, RelKind.SELLS_IN, RelKind.OFFERS_JOB}
)
"""Relations to places and codes: they give facets, not edges."""
LENS_RELATIONS: Final = frozenset(set(RelKind) - FACET_RELATIONS)
"""Relations that are edges of the organisation network."""
FACETS: Final = (
    "commune",
    "epci",
    "ze",
    "departement",
    "region",
    "places",
    "latitude",
    "longitude",
    "naf",
    "tranche",
    "siret",
    "rome",
    "secteurs",
    "synthetic",
    "marches",
    "achats",
)

_ORG_KINDS: Final = frozenset(k.value for k in OrgKind)
_COLLECTIVES: Final = frozenset(k.value for k in OrgKind.collectives())
_PLACE_KINDS: Final = frozenset(k.value for k in PlaceKind)
_CODE_KINDS: Final = frozenset(k.value for k in CodeKind)
_LENS_REL_VALUES: Final = frozenset(r.value for r in LENS_RELATIONS)
_COMMUNE_KINDS: Final = frozenset({PlaceKind.COMMUNE.value, PlaceKind.ARRONDISSEMENT.value})
_LEVEL_FACETS: Final = {
    "epci": PlaceKind.EPCI.value,
    "ze": PlaceKind.ZONE_EMPLOI.value,
    "departement": PlaceKind.DEPARTEMENT.value,
    "region": PlaceKind.REGION.value,
}
_PROPS: Final = ("latitude", "longitude", "siret", "size_band")
_CACHE_VERSION: Final = 5


class Place(NamedTuple):
    """A place of the store, for the views: its kind, name, centroid and the places above it."""

    kind: str
    name: str
    latitude: float | None
    longitude: float | None
    within: tuple[str, ...]  # itself and every place above it by PART_OF, sorted


@dataclass(frozen=True)
class AnalyticGraph:
    """A lens of the graph, ready for computation (see the module's documentation).

    `places` holds every place of the store and `codes` the name of every code (NAF,
    ROME, Marché sector): not vertices, what the facets name.
    """

    ids: tuple[str, ...]
    index: Mapping[str, int]
    graph: ig.Graph
    facets: Mapping[str, Sequence[Any]]
    state: str
    lens: str = "organisations"
    places: Mapping[str, Place] = field(default_factory=dict)
    codes: Mapping[str, str] = field(default_factory=dict)

    def facet(self, name: str, node_id: str) -> Any:
        """The facet `name` of one organisation."""
        return self.facets[name][self.index[node_id]]

    def to_networkx(self) -> nx.MultiGraph:
        """The same graph in networkx (a MultiDiGraph, or a MultiGraph for the
        co-membership lens), vertices with ``kind`` and ``label``, edges keyed by
        ``key`` with ``rel`` and ``weight``: for small graphs."""
        G: nx.MultiGraph = nx.MultiDiGraph() if self.graph.is_directed() else nx.MultiGraph()
        vs = self.graph.vs
        for ident, kind, label in zip(self.ids, vs["kind"], vs["label"], strict=True):
            G.add_node(ident, kind=kind, label=label)
        for e in self.graph.es:
            G.add_edge(
                self.ids[e.source],
                self.ids[e.target],
                key=f"{e['rel']}|{e['key']}" if e["key"] else e["rel"],
                rel=e["rel"],
                edge_key=e["key"],
                weight=e["weight"],
            )
        return G

    def undirected_simple(self) -> ig.Graph:
        """Undirected, without loops or parallel edges; ``weight`` sums the edges
        collapsed into one. Vertex attributes are kept."""
        H = self.graph.copy()
        if H.is_directed():
            H.to_undirected(mode="collapse", combine_edges={"weight": "sum"})
        H.simplify(multiple=True, loops=True, combine_edges={"weight": "sum"})
        return H

    def within(self, territory: str) -> AnalyticGraph:
        """The organisations located in `territory` and those directly related to them.

        Raises KeyError when no organisation is located in `territory`.
        """
        places = self.facets["places"]
        inside = {v for v, held in enumerate(places) if territory in held}
        if not inside:
            raise KeyError(f"unknown territory, or no organisation located in it: {territory}")
        keep = set(inside)
        for v in inside:
            keep.update(self.graph.neighbors(v, mode="all"))
        return self.induced(sorted(keep))

    def induced(self, vertices: Iterable[int]) -> AnalyticGraph:
        """The subgraph induced by `vertices` (indices into this graph), facets sliced."""
        chosen = sorted(set(vertices))
        H = self.graph.induced_subgraph(chosen, implementation="create_from_scratch")
        ids = tuple(self.ids[v] for v in chosen)
        facets = {name: [column[v] for v in chosen] for name, column in self.facets.items()}
        index = {n: i for i, n in enumerate(ids)}
        return AnalyticGraph(ids, index, H, facets, self.state, self.lens, self.places, self.codes)


# -- the projection -------------------------------------------------------------------------------


def analytic_projection(
    store: GraphStore,
    *,
    lens: str = "organisations",
    territory: str | None = None,
    cache: bool = True,
) -> AnalyticGraph:
    """The `lens` of `store` as an `AnalyticGraph`, on `territory` when given.

    The whole store's organisation network is read once per store state and cached
    (`cache=False` reads it again and does not touch the cache).
    """
    if lens not in LENSES:
        raise ValueError(f"unknown lens {lens!r}: expected one of {', '.join(LENSES)}")
    whole = _organisations(store, cache=cache)
    if lens == "comembership":
        whole = comembership(whole)
    return whole.within(territory) if territory is not None else whole


_MEMORY: dict[str, AnalyticGraph] = {}


def clear_memory_cache() -> None:
    """Forget every projection held in memory."""
    _MEMORY.clear()


def _organisations(store: GraphStore, *, cache: bool) -> AnalyticGraph:
    state = store.state()
    identity = _identity(store)
    if cache:
        held = _MEMORY.get(identity)
        if held is not None and held.state == state:
            return held
        on_disk = _read_cache(_cache_file(store), state)
        if on_disk is not None:
            _MEMORY[identity] = on_disk
            return on_disk
    built = _assemble(_read_bulk(store), state)
    if cache:
        _MEMORY[identity] = built
        _write_cache(_cache_file(store), built)
    return built


def _identity(store: GraphStore) -> str:
    path = getattr(store, "path", None)
    if path is not None:
        return f"path:{Path(path).resolve()}"
    database = getattr(store, "database", None)
    if database is not None:
        return f"neo4j:{getattr(store, 'address', '')}/{database}"
    return f"object:{id(store)}"


def _cache_file(store: GraphStore) -> Path | None:
    path = getattr(store, "path", None)
    if path is None:
        return None
    path = Path(path)
    return path.with_name(path.name + ".analytic") / "organisations.pickle"


def _read_cache(file: Path | None, state: str) -> AnalyticGraph | None:
    if file is None or not file.exists():
        return None
    try:
        with file.open("rb") as f:
            version, held_state = pickle.load(f)
            if version != _CACHE_VERSION or held_state != state:
                return None
            payload = pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError):
        return None
    ids = tuple(payload["ids"].split("\n")) if payload["ids"] else ()
    G = ig.Graph(n=len(ids), edges=payload["edges"], directed=payload["directed"])
    G.vs["name"] = list(ids)
    for attr, column in payload["vertex"].items():
        G.vs[attr] = _decoded(column)
    for attr, column in payload["edge"].items():
        G.es[attr] = _decoded(column)
    facets = {name: _decoded(column) for name, column in payload["facets"].items()}
    index = dict(zip(ids, range(len(ids)), strict=True))
    places = dict(zip(payload["places"], map(Place._make, payload["places"].values()), strict=True))
    return AnalyticGraph(ids, index, G, facets, state, payload["lens"], places, payload["codes"])


def _write_cache(file: Path | None, built: AnalyticGraph) -> None:
    """Columns, not objects: the ids joined in one string, the edges as an array, every
    attribute and facet as its distinct values and one small integer per row (reading
    back is a few array indexings, not the unpickling of millions of objects)."""
    if file is None:
        return
    file.parent.mkdir(parents=True, exist_ok=True)
    tmp = file.with_name(f"{file.name}.{uuid.uuid4().hex}.tmp")
    G = built.graph
    payload = {
        "ids": "\n".join(built.ids),
        "directed": G.is_directed(),
        "edges": np.asarray(G.get_edgelist(), dtype=np.int64).reshape(-1, 2),
        "vertex": {a: _encoded(G.vs[a]) for a in G.vs.attributes() if a != "name"},
        "edge": {a: _encoded(G.es[a]) for a in G.es.attributes()},
        "facets": {name: _encoded(column) for name, column in built.facets.items()},
        "lens": built.lens,
        "places": {p: tuple(place) for p, place in built.places.items()},
        "codes": dict(built.codes),
    }
    with tmp.open("wb") as f:
        pickle.dump((_CACHE_VERSION, built.state), f, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(payload, f, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(file)


_SEPARATOR: Final = "\x1f"


def _encoded(column: Sequence[Any]) -> Any:
    """A column as its distinct values (first seen first) and each row's index into them;
    a column of strings most of them distinct (labels, SIRET), as one joined string."""
    distinct: dict[tuple[type, Any], int] = {}  # by type too: True and 1.0 stay apart
    codes = [distinct.setdefault((value.__class__, value), len(distinct)) for value in column]
    if len(distinct) > len(column) // 2 and all(
        kind is str and _SEPARATOR not in value for kind, value in distinct
    ):
        return _SEPARATOR.join(column)
    return [value for _, value in distinct], np.asarray(codes, dtype=np.int32)


def _decoded(column: Any) -> list[Any]:
    if isinstance(column, str):
        return column.split(_SEPARATOR)
    values, codes = column
    if not len(codes):
        return []
    if any(isinstance(value, tuple) for value in values):
        table = np.empty(len(values), dtype=object)
        for i, value in enumerate(values):  # element by element: tuples stay whole
            table[i] = value
    else:
        table = np.array(values, dtype=object)
    return list(table[codes].tolist())


# -- what a backend gives -------------------------------------------------------------------------


@dataclass
class _Bulk:
    """What the projection needs of a store, whatever the backend."""

    kinds: dict[str, str] = field(default_factory=dict)  # node id → kind value (every node)
    names: dict[str, str] = field(default_factory=dict)
    props: dict[str, dict[str, Any]] = field(default_factory=lambda: defaultdict(dict))
    sources: dict[str, tuple[str, ...]] = field(default_factory=dict)  # organisations
    synthetic_sources: frozenset[str] = frozenset()
    # (source, relation, target, key), folded as `graph.rdf_decode` folds them: the
    # lens's relations (and, from some backends, the facet relations too)
    edges: list[tuple[str, str, str, str]] = field(default_factory=list)
    # (source, relation, target) of facet relations (`FACET_RELATIONS`), unfolded
    facet_edges: list[tuple[str, str, str]] = field(default_factory=list)
    # (source, relation, target) of the lens's ties → the datasets stating them
    edge_sources: dict[tuple[str, str, str], tuple[str, ...]] = field(default_factory=dict)


def _read_bulk(store: GraphStore) -> _Bulk:
    if isinstance(store, OxigraphStore):
        return _bulk_from_rdf(store)
    if isinstance(store, Neo4jStore):
        return _bulk_from_neo4j(store)
    return _bulk_from_subgraph(store)


def _bulk_from_subgraph(store: GraphStore) -> _Bulk:
    """Any other store: through its `subgraph` (slow, but the same answer)."""
    bulk = _Bulk(synthetic_sources=frozenset(p.source for p in store.datasets() if p.synthetic))
    sub = store.subgraph()
    for node in sub.nodes:
        bulk.kinds[node.id] = node.kind.value
        bulk.names[node.id] = node.name
        bulk.sources[node.id] = node.sources
        for name in _PROPS:
            if name in node.props:
                bulk.props[node.id][name] = node.props[name]
    bulk.edges = [(e.source, e.rel.value, e.target, e.key) for e in sub.edges]
    stated: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for e in sub.edges:
        if e.rel.value in _LENS_REL_VALUES:
            stated[(e.source, e.rel.value, e.target)].update(e.sources)
    bulk.edge_sources = {triple: tuple(sorted(found)) for triple, found in stated.items()}
    return bulk


def _fold(
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


# The RDF store: SELECTs serialised by pyoxigraph as CSV, parsed by the csv module.
#
# What costs, on the national store, is turning the store's internal term ids back
# into strings (a few microseconds per IRI): so each query names its graph and
# predicate instead of returning them, classes and relations come back as small
# integers through VALUES tables, and no query joins (a join costs a seek per row).

_RDF_GRAPHS: Final = "SELECT ?g WHERE { GRAPH ?g { } }"
_KIND_CLASSES: Final = tuple(sorted(_ORG_KINDS | _PLACE_KINDS | _CODE_KINDS))
_RDF_KIND_VALUES: Final = " ".join(f"(<{MLG}{k}> {i})" for i, k in enumerate(_KIND_CLASSES))
_LENS_RELS: Final = tuple(r for r in RelKind if r in LENS_RELATIONS)
_RDF_PROP_IRIS: Final = {
    "latitude": SCHEMA + "latitude",
    "longitude": SCHEMA + "longitude",
    "siret": MLG + "siret",
    "size_band": MLG + "size_band",
}


def _rel_values(rels: Sequence[RelKind]) -> str:
    return " ".join(f"(<{MLG}{rel.predicate}> {i})" for i, rel in enumerate(rels))


def _rdf_types(graph: str) -> str:
    return f"SELECT ?s ?k WHERE {{ GRAPH <{graph}> {{ ?s a ?c }} VALUES (?c ?k) {{ {_RDF_KIND_VALUES} }} }}"


def _rdf_values(graph: str, predicate: str) -> str:
    return f"SELECT ?s ?v WHERE {{ GRAPH <{graph}> {{ ?s <{predicate}> ?v }} }}"


def _rdf_ties(graph: str) -> str:
    return (
        f"SELECT ?s ?r ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} "
        f"VALUES (?p ?r) {{ {_rel_values(_LENS_RELS)} }} }}"
    )


_RDF_LENS_DIRECT: Final = (
    f"SELECT ?s ?r ?o WHERE {{ ?s ?p ?o VALUES (?p ?r) {{ {_rel_values(_LENS_RELS)} }} }}"
)
_RDF_QUALIFIED: Final = """SELECT ?s ?p ?o ?k WHERE {
    ?r mlg:from ?s ; mlg:relation ?p ; mlg:to ?o OPTIONAL { ?r mlg:key ?k } }"""


def _rdf_facet(rel: RelKind) -> str:
    return f"SELECT ?s ?o WHERE {{ ?s <{MLG}{rel.predicate}> ?o }}"


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    rows = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    next(rows, None)  # the header
    return rows


def _csv_pairs(data: bytes) -> Iterator[tuple[str, str]]:
    """The rows of a two-column SELECT (lists, typed as pairs: `dict.update` takes them)."""
    return cast("Iterator[tuple[str, str]]", _csv_rows(data))


def _serialised(store: OxigraphStore, queries: Sequence[str]) -> list[bytes]:
    """The CSV results of `queries`, two at a time (pyoxigraph evaluates without the GIL)."""

    def run(sparql: str) -> bytes:
        return bytes(store.query(sparql).serialize(format=QueryResultsFormat.CSV))

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(run, queries))


class _Ids:
    """IRI → node id, memoised (it also shares one string per id)."""

    def __init__(self) -> None:
        self._prefix = ID
        self._memo: dict[str, str] = {}

    def __call__(self, value: str) -> str:
        found = self._memo.get(value)
        if found is None:
            if value.startswith(self._prefix):
                family, _, code = value[len(self._prefix) :].partition("/")
                found = f"{family}:{code}"
            else:
                found = node_id(value)
            self._memo[value] = found
        return found


def _bulk_from_rdf(store: OxigraphStore) -> _Bulk:
    synthetic = frozenset(p.source for p in store.datasets() if p.synthetic)
    bulk = _Bulk(synthetic_sources=synthetic)
    to_id = _Ids()
    qualified_prefix = ID + "rel/"
    # the datasets' graphs, last first: the value a graph states overwrites the later
    # graphs' ones, so the first graph (by IRI) wins, as in `graph.rdf_decode`
    (listed,) = _serialised(store, [_RDF_GRAPHS])
    graphs = sorted((g for (g,) in _csv_rows(listed)), reverse=True)
    facet_rels = [rel for rel in RelKind if rel in FACET_RELATIONS]
    per_graph = [SCHEMA + "name", *_RDF_PROP_IRIS.values()]
    queries = [_RDF_LENS_DIRECT, _RDF_QUALIFIED, *(_rdf_facet(rel) for rel in facet_rels)]
    for g in graphs:
        queries += [_rdf_types(g), _rdf_ties(g), *(_rdf_values(g, p) for p in per_graph)]
    results = iter(_serialised(store, queries))
    lens_direct, qualified = next(results), next(results)
    facet_results = [(rel.value, next(results)) for rel in facet_rels]

    kind_code: dict[str, str] = {}
    stated: dict[str, list[str]] = defaultdict(list)
    names: dict[str, str] = {}
    values: dict[str, dict[str, str]] = {name: {} for name in _RDF_PROP_IRIS}
    ties: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for g in graphs:
        source = source_of_graph(g)
        rows = list(_csv_pairs(next(results)))
        kind_code.update(rows)
        for s, _ in rows:
            stated[s].append(source)
        for s, r, o in _csv_rows(next(results)):
            ties[(s, r, o)].append(source)
        names.update(_csv_pairs(next(results)))
        for column in values.values():
            column.update(_csv_pairs(next(results)))

    for s, code in kind_code.items():
        if s.startswith(qualified_prefix):
            continue
        node = to_id(s)
        kind = _KIND_CLASSES[int(code)]
        bulk.kinds[node] = kind
        if kind in _ORG_KINDS:
            bulk.sources[node] = tuple(sorted(stated[s]))
        label = names.get(s)
        if label is not None:
            bulk.names[node] = label
    for name, column in values.items():
        for s, text in column.items():
            bulk.props[to_id(s)][name] = _typed(name, text)

    keys: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for s, p, o, k in _csv_rows(qualified):
        rel = predicate_rel(p)
        if rel is not None:
            keys[(to_id(s), rel.value, to_id(o))].append(k)
    lens_values = [rel.value for rel in _LENS_RELS]
    direct = sorted((to_id(s), lens_values[int(r)], to_id(o)) for s, r, o in _csv_rows(lens_direct))
    bulk.edges = _fold(direct, keys)
    bulk.facet_edges = [(to_id(s), rel, to_id(o)) for rel, data in facet_results for s, o in _csv_rows(data)]
    bulk.edge_sources = {
        (to_id(s), lens_values[int(r)], to_id(o)): tuple(sorted(found)) for (s, r, o), found in ties.items()
    }
    return bulk


def _typed(name: str, text: str) -> Any:
    if name in ("latitude", "longitude"):
        try:
            return float(text)
        except ValueError:
            return None
    return text


# Neo4j: the resolved kind, name and properties Neo4jStore keeps on each node, and its
# outgoing relations (those the projection reads), in one query.

_NEO4J_PROJECTION: Final = """
MATCH (n:Node)
RETURN n.id AS id, n.kind AS kind, n.name AS name, n.sources AS sources,
       n.latitude AS latitude, n.longitude AS longitude, n.siret AS siret, n.size_band AS size_band,
       [(n)-[r]->(t:Node) WHERE n:Organisation OR (n:Place AND t:Place) OR n:MarchePublic
        | [type(r), t.id, r.key, r.qualified, r.sources]] AS out
"""


def _bulk_from_neo4j(store: Neo4jStore) -> _Bulk:
    bulk = _Bulk(synthetic_sources=frozenset(p.source for p in store.datasets() if p.synthetic))
    direct: set[tuple[str, str, str]] = set()
    keys: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    stated: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for r in store.read(_NEO4J_PROJECTION):
        node = r["id"]
        bulk.kinds[node] = r["kind"]
        bulk.names[node] = r["name"]
        if r["kind"] in _ORG_KINDS:
            bulk.sources[node] = tuple(r["sources"] or ())
        for name in _PROPS:
            value = r[name]
            if value is not None:
                bulk.props[node][name] = float(value) if name in ("latitude", "longitude") else value
        for rel, target, key, qualified, sources in r["out"]:
            triple = (node, rel, target)
            direct.add(triple)
            if qualified:
                keys[triple].append(key or "")
            if rel in _LENS_REL_VALUES:
                stated[triple].update(sources or ())
    bulk.edges = _fold(sorted(direct), keys)
    bulk.edge_sources = {triple: tuple(sorted(found)) for triple, found in stated.items()}
    return bulk


# -- from the bulk to the graph -------------------------------------------------------------------


def _assemble(bulk: _Bulk, state: str) -> AnalyticGraph:
    kinds = bulk.kinds
    ids = tuple(sorted(n for n, k in kinds.items() if k in _ORG_KINDS))
    index = {n: i for i, n in enumerate(ids)}

    located: dict[str, list[str]] = defaultdict(list)
    parents: dict[str, list[str]] = defaultdict(list)
    targets: dict[str, dict[str, list[str]]] = {
        RelKind.IN_SECTOR.value: defaultdict(list),
        RelKind.SELLS_IN.value: defaultdict(list),
        RelKind.OFFERS_JOB.value: defaultdict(list),
    }
    network: list[tuple[str, str, str, str]] = []
    contracts: list[tuple[str, str, str]] = []  # HOLDS, AWARDED_BY, IN_CPV: the contract facets
    facet_edges = list(bulk.facet_edges)
    for s, rel, t, key in bulk.edges:
        if rel in _LENS_REL_VALUES:
            if s in index and t in index:
                network.append((s, rel, t, key))
            elif rel in _CONTRACT_RELS:
                contracts.append((s, rel, t))
        else:
            facet_edges.append((s, rel, t))
    located_in, part_of = RelKind.LOCATED_IN.value, RelKind.PART_OF.value  # not an enum lookup per row
    for s, rel, t in facet_edges:
        if s in index:
            if rel == located_in:
                if kinds.get(t) in _PLACE_KINDS:
                    located[s].append(t)
            elif rel in targets:
                targets[rel][s].append(t)
        elif rel == part_of and kinds.get(s) in _PLACE_KINDS and kinds.get(t) in _PLACE_KINDS:
            parents[s].append(t)

    closure = _Closure(parents)
    n = len(ids)
    facets: dict[str, list[Any]] = {name: [None] * n for name in FACETS}
    for name in ("places", "rome", "secteurs", "marches", "achats"):
        facets[name] = [()] * n
    sells = targets[RelKind.SELLS_IN.value]
    offers = targets[RelKind.OFFERS_JOB.value]
    sectors = targets[RelKind.IN_SECTOR.value]
    where: dict[tuple[str, ...], tuple[Any, ...]] = {}  # located places → place facets
    synthetic: dict[tuple[str, ...], bool] = {}  # sources → synthetic
    columns = [facets[name] for name in ("places", "commune", *_LEVEL_FACETS)]
    lat_col, lon_col = facets["latitude"], facets["longitude"]
    naf_col, tranche_col, siret_col = facets["naf"], facets["tranche"], facets["siret"]
    rome_col, secteurs_col, synthetic_col = facets["rome"], facets["secteurs"], facets["synthetic"]
    no_props: dict[str, Any] = {}
    for v, node in enumerate(ids):
        here = located.get(node)
        spot = (here[0],) if here and len(here) == 1 else tuple(sorted(set(here))) if here else ()
        found = where.get(spot)
        if found is None:
            places = closure.of(spot)
            communes = [p for p in spot if kinds[p] in _COMMUNE_KINDS]
            levels = (
                next((p for p in places if kinds[p] == level), None) for level in _LEVEL_FACETS.values()
            )
            found = where[spot] = (places, communes[0] if communes else None, *levels)
        for column, value in zip(columns, found, strict=True):
            column[v] = value
        commune = found[1]
        props = bulk.props.get(node, no_props)
        lat, lon = props.get("latitude"), props.get("longitude")
        if (lat is None or lon is None) and commune is not None:
            at = bulk.props.get(commune, no_props)
            lat, lon = at.get("latitude"), at.get("longitude")
        lat_col[v], lon_col[v] = lat, lon
        if props:
            tranche_col[v] = props.get("size_band")
            siret_col[v] = props.get("siret")
        naf = sectors.get(node)
        if naf:
            naf_col[v] = naf[0] if len(naf) == 1 else min(naf)
        if node in offers:
            rome_col[v] = tuple(sorted(set(offers[node])))
        if node in sells:
            secteurs_col[v] = tuple(sorted(set(sells[node])))
        cited = bulk.sources.get(node, ())
        flag = synthetic.get(cited)
        if flag is None:
            flag = synthetic[cited] = bool(cited) and all(s in bulk.synthetic_sources for s in cited)
        synthetic_col[v] = flag

    _contract_facets(contracts, index, bulk.edge_sources, facets)
    G = ig.Graph(n=n, directed=True)
    G.vs["name"] = list(ids)
    G.vs["kind"] = [kinds[i] for i in ids]
    G.vs["label"] = [bulk.names.get(i, "") for i in ids]
    network.sort()
    G.add_edges([(index[s], index[t]) for s, _, t, _ in network])
    G.es["rel"] = [rel for _, rel, _, _ in network]
    G.es["key"] = [key for _, _, _, key in network]
    G.es["weight"] = [1.0] * len(network)
    G.es["sources"] = [bulk.edge_sources.get((s, rel, t), ()) for s, rel, t, _ in network]
    table = {
        p: Place(
            k,
            bulk.names.get(p, ""),
            bulk.props.get(p, {}).get("latitude"),
            bulk.props.get(p, {}).get("longitude"),
            tuple(sorted(closure.above(p))),
        )
        for p, k in kinds.items()
        if k in _PLACE_KINDS
    }
    codes = {c: bulk.names.get(c, "") for c, k in kinds.items() if k in _CODE_KINDS}
    return AnalyticGraph(ids, index, G, facets, state, places=table, codes=codes)


_CONTRACT_RELS: Final = frozenset({RelKind.HOLDS.value, RelKind.AWARDED_BY.value, RelKind.IN_CPV.value})


def _contract_facets(
    contracts: Sequence[tuple[str, str, str]],
    index: Mapping[str, int],
    edge_sources: Mapping[tuple[str, str, str], tuple[str, ...]],
    facets: dict[str, list[Any]],
) -> None:
    """Fill the ``marches`` (held) and ``achats`` (awarded) facets."""
    division: dict[str, str] = {}
    for s, rel, t in contracts:
        if rel == RelKind.IN_CPV.value:
            division[s] = min(division.get(s, t), t)
    held: dict[int, set[tuple[str, str, tuple[str, ...]]]] = defaultdict(set)
    awarded: dict[int, set[tuple[str, str, tuple[str, ...]]]] = defaultdict(set)
    for s, rel, t in contracts:
        if rel == RelKind.HOLDS.value and s in index:
            held[index[s]].add((t, division.get(t, ""), edge_sources.get((s, rel, t), ())))
        elif rel == RelKind.AWARDED_BY.value and t in index:
            awarded[index[t]].add((s, division.get(s, ""), edge_sources.get((s, rel, t), ())))
    for name, found in (("marches", held), ("achats", awarded)):
        column = facets[name]
        for v, items in found.items():
            column[v] = tuple(sorted(items))


class _Closure:
    """The places containing a place, by `PART_OF`, memoised."""

    def __init__(self, parents: Mapping[str, list[str]]) -> None:
        self._parents = parents
        self._memo: dict[str, frozenset[str]] = {}

    def above(self, place: str) -> frozenset[str]:
        found = self._memo.get(place)
        if found is not None:
            return found
        seen = {place}
        stack = [place]
        while stack:
            for parent in self._parents.get(stack.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        self._memo[place] = frozenset(seen)
        return self._memo[place]

    def of(self, places: Sequence[str]) -> tuple[str, ...]:
        if not places:
            return ()
        if len(places) == 1:
            return tuple(sorted(self.above(places[0])))
        return tuple(sorted(set().union(*(self.above(p) for p in places))))


def comembership(organisations: AnalyticGraph) -> AnalyticGraph:
    """Two organisations tied once per collective both are members of."""
    G = organisations.graph
    kinds = G.vs["kind"]
    members: dict[int, set[int]] = defaultdict(set)
    for e in G.es.select(rel_eq=RelKind.MEMBER_OF.value):
        if kinds[e.target] in _COLLECTIVES and e.source != e.target:
            members[e.target].add(e.source)
    pairs: list[tuple[int, int]] = []
    keys: list[str] = []
    for collective in sorted(members):
        group = sorted(members[collective])
        for i, u in enumerate(group):
            for w in group[i + 1 :]:
                pairs.append((u, w))
                keys.append(organisations.ids[collective])
    H = ig.Graph(n=G.vcount(), directed=False)
    for attr in ("name", "kind", "label"):
        H.vs[attr] = G.vs[attr]
    H.add_edges(pairs)
    H.es["rel"] = [RelKind.MEMBER_OF.value] * len(pairs)
    H.es["key"] = keys
    H.es["weight"] = [1.0] * len(pairs)
    return AnalyticGraph(
        organisations.ids,
        organisations.index,
        H,
        organisations.facets,
        organisations.state,
        "comembership",
        organisations.places,
        organisations.codes,
    )
