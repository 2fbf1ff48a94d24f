"""The analytic projection: the organisation network as an `igraph.Graph`, read in bulk.

`GraphStore.projection()` rebuilds every `Node` and `Edge` of the store before it
makes a networkx graph: right for exploring, far too slow for computing on the
national graph. `analytic_projection` reads only what network analysis needs —
node ids, kinds and names, the relations between organisations, and a few facets —
in bulk (SPARQL SELECTs per dataset graph and predicate, serialised as CSV, for the
RDF store; one Cypher query for Neo4j: `graph.analytic_read`) straight into igraph,
and caches the result keyed by the store's state. A cold projection reads only the
graph core (ids, kinds, names, ties); the facets, places and codes are read the first
time they are asked for (`graph.analytic_facets`).

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
``synthetic``, ``marches`` and ``achats`` come with the core; the others, and the
``places`` and ``codes`` tables, are computed on first use (a facet asked of a
projection whose store changed since raises `StaleProjectionError`: project again;
`AnalyticGraph.load_facets` computes them all at once, before a write).

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
and on disk next to an on-disk RDF store (``<store>.analytic/organisations.pickle``
for the core, ``organisations.<group>.pickle`` for each group of facets as it is
computed, and for the places and codes tables; stored as columns: see `_write_core`).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import igraph as ig
import networkx as nx
import numpy as np

from graph.analytic_facets import (
    GROUPS,
    FacetSource,
    LazyColumns,
    LazyMapping,
    Place,
    StaleProjectionError,
    code_table,
    facet_group,
    place_table,
    stale,
)
from graph.analytic_read import (
    FACET_RELATIONS,
    LENS_REL_VALUES,
    LENS_RELATIONS,
    ORG_KINDS,
    Bulk,
    facet_source,
)
from graph.analytic_read import read_bulk as _read_bulk
from graph.kinds import OrgKind, RelKind
from graph.state_cache import cache_folder, read_part, write_part
from graph.store import GraphStore

__all__ = [
    "FACETS",
    "FACET_RELATIONS",
    "LENSES",
    "LENS_RELATIONS",
    "AnalyticGraph",
    "Place",
    "StaleProjectionError",
    "analytic_projection",
    "clear_memory_cache",
    "comembership",
]

LENSES: Final = ("organisations", "comembership")
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
_EAGER: Final = ("synthetic", "marches", "achats")  # computed with the core (from what it reads)
assert set(FACETS) == set(GROUPS) | set(_EAGER)

_COLLECTIVES: Final = frozenset(k.value for k in OrgKind.collectives())
_CACHE_VERSION: Final = 6


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

    def load_facets(self) -> AnalyticGraph:
        """Compute every facet, the places and the codes now (they are otherwise read
        on first use, which a write to the store forbids); returns this graph."""
        for name in self.facets:
            self.facets[name]
        len(self.places)
        len(self.codes)
        return self

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
        """The subgraph induced by `vertices` (indices into this graph), facets sliced
        (each when first asked for)."""
        chosen = sorted(set(vertices))
        H = self.graph.induced_subgraph(chosen, implementation="create_from_scratch")
        ids = tuple(self.ids[v] for v in chosen)
        whole = self.facets

        def sliced(name: str) -> dict[str, list[Any]]:
            column = whole[name]
            return {name: [column[v] for v in chosen]}

        facets = LazyColumns(list(whole), {}, sliced)
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
    (`cache=False` reads it again and does not touch the cache); its facets are read
    when first asked for, and cached likewise.
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
    folder = cache_folder(store) if cache else None
    if cache:
        held = _MEMORY.get(identity)
        if held is not None and held.state == state:
            return held
        on_disk = _read_cache(_core_file(folder), state, store)
        if on_disk is not None:
            _MEMORY[identity] = on_disk
            return on_disk
    bulk = _read_bulk(store)
    built = _assemble(bulk, state, _Facets(folder, state, bulk.facets))
    if cache:
        _MEMORY[identity] = built
        _write_core(_core_file(folder), built, bulk.other_names())
    return built


def _identity(store: GraphStore) -> str:
    path = getattr(store, "path", None)
    if path is not None:
        return f"path:{Path(path).resolve()}"
    database = getattr(store, "database", None)
    if database is not None:
        return f"neo4j:{getattr(store, 'address', '')}/{database}"
    return f"object:{id(store)}"


def _core_file(folder: Path | None) -> Path | None:
    return None if folder is None else folder / "organisations.pickle"


class _Facets:
    """Where a projection's facets, places and codes come from when first asked for:
    the disk cache of its state, else `source` (computed, then written to the cache)."""

    def __init__(
        self,
        folder: Path | None,
        state: str,
        source: FacetSource | Callable[[], FacetSource] | None,
    ) -> None:
        self.folder = folder
        self.state = state
        self._source = source
        self._lock = threading.Lock()
        self.ids: Sequence[str] = ()

    def source(self) -> FacetSource:
        with self._lock:
            if self._source is None:
                raise stale("facettes absentes du cache et aucun magasin d'où les lire")
            if callable(self._source):
                self._source = self._source()
            return self._source

    def _file(self, part: str) -> Path | None:
        return None if self.folder is None else self.folder / f"organisations.{part}.pickle"

    def columns(self, name: str) -> dict[str, list[Any]]:
        group = GROUPS[name]
        file = self._file(group)
        held = read_part(file, _CACHE_VERSION, self.state)
        if held is not None:
            return {column: _decoded(data) for column, data in held.items()}
        found = facet_group(group, self.ids, self.source())
        write_part(
            file, _CACHE_VERSION, self.state, {column: _encoded(values) for column, values in found.items()}
        )
        return found

    def places(self) -> dict[str, Place]:
        file = self._file("places")
        held = read_part(file, _CACHE_VERSION, self.state)
        if held is not None:
            return dict(zip(held, map(Place._make, held.values()), strict=True))
        found = place_table(self.source())
        write_part(file, _CACHE_VERSION, self.state, {p: tuple(place) for p, place in found.items()})
        return found

    def codes(self) -> dict[str, str]:
        file = self._file("codes")
        held = read_part(file, _CACHE_VERSION, self.state)
        if held is not None:
            return dict(held)
        found = code_table(self.source())
        write_part(file, _CACHE_VERSION, self.state, found)
        return found


def _lazy(
    ids: tuple[str, ...],
    index: Mapping[str, int],
    G: ig.Graph,
    eager: Mapping[str, Sequence[Any]],
    facets: _Facets,
    lens: str = "organisations",
) -> AnalyticGraph:
    facets.ids = ids
    columns = LazyColumns(FACETS, eager, facets.columns)
    return AnalyticGraph(
        ids, index, G, columns, facets.state, lens, LazyMapping(facets.places), LazyMapping(facets.codes)
    )


def _read_cache(file: Path | None, state: str, store: GraphStore | None = None) -> AnalyticGraph | None:
    """The core cached in `file` for `state`, its facets read from the cache, else from
    `store` (when given) on first use."""
    payload = read_part(file, _CACHE_VERSION, state)
    if payload is None:
        return None
    assert file is not None
    ids = tuple(payload["ids"].split("\n")) if payload["ids"] else ()
    G = ig.Graph(n=len(ids), edges=payload["edges"], directed=payload["directed"])
    G.vs["name"] = list(ids)
    for attr, column in payload["vertex"].items():
        G.vs[attr] = _decoded(column)
    for attr, column in payload["edge"].items():
        G.es[attr] = _decoded(column)
    eager = {name: _decoded(column) for name, column in payload["facets"].items()}
    index = dict(zip(ids, range(len(ids)), strict=True))

    def source() -> FacetSource:
        assert store is not None
        return facet_source(store, state, _decoded_names(payload["names"]))

    facets = _Facets(file.parent, state, source if store is not None else None)
    return _lazy(ids, index, G, eager, facets, payload["lens"])


def _decoded_names(held: Mapping[str, tuple[str, Any]]) -> dict[str, dict[str, str]]:
    return {
        g: dict(zip(keys.split("\n") if keys else (), _decoded(names), strict=True))
        for g, (keys, names) in held.items()
    }


def _write_core(
    file: Path | None, built: AnalyticGraph, other_names: Mapping[str, Mapping[str, str]]
) -> None:
    """Columns, not objects: the ids joined in one string, the edges as an array, every
    attribute and facet as its distinct values and one small integer per row (reading
    back is a few array indexings, not the unpickling of millions of objects)."""
    G = built.graph
    payload = {
        "ids": "\n".join(built.ids),
        "directed": G.is_directed(),
        "edges": np.asarray(G.get_edgelist(), dtype=np.int64).reshape(-1, 2),
        "vertex": {a: _encoded(G.vs[a]) for a in G.vs.attributes() if a != "name"},
        "edge": {a: _encoded(G.es[a]) for a in G.es.attributes()},
        "facets": {name: _encoded(built.facets[name]) for name in _EAGER},
        "lens": built.lens,
        "names": {g: ("\n".join(found), _encoded(list(found.values()))) for g, found in other_names.items()},
    }
    write_part(file, _CACHE_VERSION, built.state, payload)


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


# -- from the core to the graph -------------------------------------------------------------------


def _assemble(bulk: Bulk, state: str, facets: _Facets) -> AnalyticGraph:
    kinds = bulk.kinds
    ids = tuple(sorted(n for n, k in kinds.items() if k in ORG_KINDS))
    index = dict(zip(ids, range(len(ids)), strict=True))
    network: list[tuple[str, str, str, str]] = []
    contracts: list[tuple[str, str, str]] = []  # HOLDS, AWARDED_BY, IN_CPV: the contract facets
    for s, rel, t, key in bulk.edges:
        if rel in LENS_REL_VALUES:
            if s in index and t in index:
                network.append((s, rel, t, key))
            elif rel in _CONTRACT_RELS:
                contracts.append((s, rel, t))
    n = len(ids)
    synthetic = bulk.synthetic
    eager: dict[str, list[Any]] = {
        "synthetic": [node in synthetic for node in ids],
        "marches": [()] * n,
        "achats": [()] * n,
    }
    _contract_facets(contracts, index, bulk.edge_sources, eager)
    G = ig.Graph(n=n, directed=True)
    G.vs["name"] = list(ids)
    G.vs["kind"] = [kinds[i] for i in ids]
    names = bulk.names
    G.vs["label"] = [names.get(i, "") for i in ids]
    network.sort()
    G.add_edges([(index[s], index[t]) for s, _, t, _ in network])
    G.es["rel"] = [rel for _, rel, _, _ in network]
    G.es["key"] = [key for _, _, _, key in network]
    G.es["weight"] = [1.0] * len(network)
    G.es["sources"] = [bulk.edge_sources.get((s, rel, t), ()) for s, rel, t, _ in network]
    return _lazy(ids, index, G, eager, facets)


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
