"""Every actor and place of the store as one flat record: name, kind, place, position,
the territories it stands in at every level, and whether only synthetic datasets state it.

Read once from the embedded store with a handful of SPARQL queries; the search index
(`queries.search`) and the map points (`queries.map_points`) are built on it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad

from graph.ids import family
from graph.kinds import NodeKind, OrgKind, PlaceKind
from graph.model import PropValue
from graph.oxigraph_store import OxigraphStore
from graph.rdf import MLG, RDF, SCHEMA, class_kind, from_literal
from graph.rdf import node_id as id_of_iri

__all__ = ["Entry", "catalogue", "only_synthetic", "territories_of"]

PLACE_FAMILIES = frozenset({"commune", "arrondissement", "epci", "departement", "region", "ze"})


@dataclass(frozen=True, slots=True)
class Entry:
    """One actor (famille "org") or place (famille "place")."""

    id: str
    name: str
    kind: NodeKind
    famille: str
    siret: str | None
    commune: str | None  # the commune an organisation is located in (or the place itself)
    latitude: float | None  # its own position, else its commune's centroid
    longitude: float | None
    territories: frozenset[str]  # every place it stands in, at every level (itself included for places)
    synthetic: bool  # stated only by synthetic datasets
    other_names: tuple[str, ...] = ()  # names other datasets give it


def _v(term: object) -> str:
    """The text of an IRI or literal."""
    return str(getattr(term, "value", term))


def _scan(store: OxigraphStore, predicate: str) -> Iterator[Quad]:
    """The quads of one predicate in the named graphs (dataset metadata left out)."""
    for quad in store.quads_for_pattern(None, NamedNode(predicate), None, None):
        if isinstance(quad.graph_name, NamedNode):
            yield quad


def catalogue(store: OxigraphStore) -> list[Entry]:
    """Every organisation and place with a name, sorted by id.

    Where datasets disagree on a name or kind, the first dataset by name wins, as in
    every backend (`graph.rdf_decode`); `names` keeps every name, for search.
    """
    synthetic_graphs = {
        _v(q.subject)
        for q in store.quads_for_pattern(None, NamedNode(MLG + "synthetic"), None, DefaultGraph())
        if isinstance(q.object, Literal) and _v(q.object) in ("true", "1")
    }
    kinds: dict[str, tuple[str, NodeKind]] = {}
    for quad in _scan(store, RDF + "type"):
        kind = class_kind(_v(quad.object))
        if isinstance(kind, OrgKind | PlaceKind):
            subject, graph = _v(quad.subject), _v(quad.graph_name)
            held = kinds.get(subject)
            if held is None or graph < held[0]:
                kinds[subject] = (graph, kind)
    names: dict[str, tuple[str, str]] = {}
    other_names: dict[str, set[str]] = defaultdict(set)
    stated_by: dict[str, set[bool]] = defaultdict(set)
    for quad in _scan(store, SCHEMA + "name"):
        subject, graph = _v(quad.subject), _v(quad.graph_name)
        if subject not in kinds:
            continue
        stated_by[subject].add(graph in synthetic_graphs)
        other_names[subject].add(_v(quad.object))
        held_name = names.get(subject)
        if held_name is None or graph < held_name[0]:
            names[subject] = (graph, _v(quad.object))
    values: dict[str, dict[str, PropValue]] = defaultdict(dict)
    for prop, predicate in (
        ("siret", MLG + "siret"),
        ("lat", SCHEMA + "latitude"),
        ("lon", SCHEMA + "longitude"),
    ):
        for quad in _scan(store, predicate):
            if isinstance(quad.object, Literal):
                values[_v(quad.subject)].setdefault(prop, from_literal(quad.object))
    located: dict[str, set[str]] = defaultdict(set)
    for quad in _scan(store, MLG + "locatedIn"):
        located[_v(quad.subject)].add(id_of_iri(_v(quad.object)))
    parents: dict[str, set[str]] = defaultdict(set)
    for quad in _scan(store, MLG + "partOf"):
        if _v(quad.subject) in kinds and isinstance(kinds[_v(quad.subject)][1], PlaceKind):
            parent = id_of_iri(_v(quad.object))
            if family(parent) in PLACE_FAMILIES:
                parents[id_of_iri(_v(quad.subject))].add(parent)
    closure = territories_of(parents)
    position: dict[str, tuple[float, float]] = {}
    for subject, found in values.items():
        lat, lon = found.get("lat"), found.get("lon")
        if isinstance(lat, int | float) and isinstance(lon, int | float):
            position[id_of_iri(subject)] = (float(lat), float(lon))
    entries: list[Entry] = []
    for subject, (_, name) in names.items():
        node = id_of_iri(subject)
        kind = kinds[subject][1]
        is_place = isinstance(kind, PlaceKind)
        places = [node] if is_place else sorted(located.get(subject, ()))
        commune = next((p for p in places if family(p) in ("commune", "arrondissement")), None)
        territories = set(places)
        for place in places:
            territories |= closure.get(place, frozenset())
        lat_lon = position.get(node) or (position.get(commune) if commune else None)
        siret = values.get(subject, {}).get("siret")
        entries.append(
            Entry(
                node,
                name,
                kind,
                "place" if is_place else "org",
                str(siret) if siret is not None else None,
                commune,
                lat_lon[0] if lat_lon else None,
                lat_lon[1] if lat_lon else None,
                frozenset(territories),
                stated_by[subject] == {True},
                tuple(sorted(other_names[subject] - {name})),
            )
        )
    entries.sort(key=lambda e: e.id)
    return entries


def territories_of(parents: Mapping[str, set[str]]) -> dict[str, frozenset[str]]:
    """Each place's ancestors, at every level (the transitive closure of PART_OF).

    >>> sorted(territories_of({"commune:1": {"departement:1"}, "departement:1": {"region:1"}})["commune:1"])
    ['departement:1', 'region:1']
    """
    done: dict[str, frozenset[str]] = {}

    def up(place: str, seen: frozenset[str]) -> frozenset[str]:
        if place in done:
            return done[place]
        found: set[str] = set()
        for parent in parents.get(place, ()):
            if parent not in seen:
                found |= {parent} | up(parent, seen | {place})
        done[place] = frozenset(found)
        return done[place]

    for place in list(parents):
        up(place, frozenset())
    return done


def only_synthetic(datasets: Mapping[str, bool], sources: Iterable[str]) -> bool:
    """True when every dataset stating something is synthetic."""
    flags = {datasets.get(s, False) for s in sources}
    return flags == {True}
