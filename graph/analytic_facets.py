"""The facets of the analytic projection, read on first use (see `graph.analytic`).

A cold projection reads only the graph core (ids, kinds, names, ties); each facet, and
the `places` and `codes` tables, are computed the first time they are asked for, from a
`FacetSource` (the store, or what a backend already read), then held in memory and,
next to an on-disk store, in the disk cache. Facets that share their reading are
computed together (`GROUPS`).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final, NamedTuple, Protocol, TypeVar

from graph.kinds import CodeKind, PlaceKind, RelKind

__all__ = [
    "GROUPS",
    "FacetSource",
    "LazyColumns",
    "LazyMapping",
    "Place",
    "StaleProjectionError",
    "code_table",
    "facet_group",
    "place_table",
    "stale",
]

PLACE_KINDS: Final = frozenset(k.value for k in PlaceKind)
CODE_KINDS: Final = frozenset(k.value for k in CodeKind)
_COMMUNE_KINDS: Final = frozenset({PlaceKind.COMMUNE.value, PlaceKind.ARRONDISSEMENT.value})
LEVEL_FACETS: Final = {
    "epci": PlaceKind.EPCI.value,
    "ze": PlaceKind.ZONE_EMPLOI.value,
    "departement": PlaceKind.DEPARTEMENT.value,
    "region": PlaceKind.REGION.value,
}
_LOCATION: Final = ("places", "commune", *LEVEL_FACETS, "latitude", "longitude")
GROUPS: Final[Mapping[str, str]] = {
    **{name: "location" for name in _LOCATION},
    "naf": "naf",
    "rome": "rome",
    "secteurs": "secteurs",
    "siret": "siret",
    "tranche": "tranche",
}
"""Lazy facet → the group computed with it (one reading of the store)."""


class StaleProjectionError(RuntimeError):
    """A facet was asked of a projection after the store it was read from changed."""


def stale(reason: str = "le magasin a changé depuis sa lecture") -> StaleProjectionError:
    return StaleProjectionError(
        f"projection analytique périmée : {reason} (relire la projection avec analytic_projection)"
    )


class Place(NamedTuple):
    """A place of the store, for the views: its kind, name, centroid and the places above it."""

    kind: str
    name: str
    latitude: float | None
    longitude: float | None
    within: tuple[str, ...]  # itself and every place above it by PART_OF, sorted


class FacetSource(Protocol):
    """What the facets are computed from, by node id."""

    def other_kinds(self) -> Mapping[str, str]:
        """The kind of every place and code."""

    def names(self) -> Mapping[str, str]:
        """The name of every place and code (organisations' too, from some sources)."""

    def props(self, name: str) -> Mapping[str, Any]:
        """One property (latitude, longitude, siret, size_band) of every node stating it."""

    def pairs(self, rel: RelKind) -> Sequence[tuple[str, str]]:
        """(source, target) of every relation `rel` (a facet relation, or PART_OF)."""


# -- lazy containers --------------------------------------------------------------------------------

V = TypeVar("V")


class LazyColumns(Mapping[str, Sequence[Any]]):
    """Columns by name, each computed on first access by `load(name)` (which may give
    several columns at once); thread-safe, each computed once."""

    def __init__(
        self,
        names: Sequence[str],
        held: Mapping[str, Sequence[Any]],
        load: Callable[[str], Mapping[str, Sequence[Any]]],
    ) -> None:
        self._names = tuple(names)
        self._held: dict[str, Sequence[Any]] = dict(held)
        self._load = load
        self._lock = threading.Lock()

    def __getitem__(self, name: str) -> Sequence[Any]:
        found = self._held.get(name)
        if found is not None:
            return found
        if name not in self._names:
            raise KeyError(name)
        with self._lock:
            if name not in self._held:
                self._held.update(self._load(name))
            return self._held[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def held(self) -> dict[str, Sequence[Any]]:
        """The columns computed so far."""
        return dict(self._held)


class LazyMapping(Mapping[str, V]):
    """A mapping computed whole on first use by `load()`; thread-safe."""

    def __init__(self, load: Callable[[], Mapping[str, V]]) -> None:
        self._load: Callable[[], Mapping[str, V]] | None = load
        self._value: Mapping[str, V] | None = None
        self._lock = threading.Lock()

    def _mapping(self) -> Mapping[str, V]:
        value = self._value
        if value is None:
            with self._lock:
                if self._value is None:
                    assert self._load is not None
                    self._value, self._load = self._load(), None
                value = self._value
        return value

    def __getitem__(self, key: str) -> V:
        return self._mapping()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._mapping())

    def __len__(self) -> int:
        return len(self._mapping())

    def __contains__(self, key: object) -> bool:
        return key in self._mapping()

    def loaded(self) -> bool:
        return self._value is not None


# -- computing the facets ---------------------------------------------------------------------------


def facet_group(group: str, ids: Sequence[str], source: FacetSource) -> dict[str, list[Any]]:
    """The columns of `group` (see `GROUPS`), aligned with `ids`."""
    if group == "location":
        return _location(ids, source)
    if group == "naf":
        sectors = _targets(source.pairs(RelKind.IN_SECTOR))
        return {"naf": [min(found) if (found := sectors.get(node)) else None for node in ids]}
    if group in ("rome", "secteurs"):
        rel = RelKind.OFFERS_JOB if group == "rome" else RelKind.SELLS_IN
        held = _targets(source.pairs(rel))
        return {group: [tuple(sorted(set(found))) if (found := held.get(node)) else () for node in ids]}
    if group in ("siret", "tranche"):
        values = source.props("siret" if group == "siret" else "size_band")
        return {group: [values.get(node) for node in ids]}
    raise KeyError(group)


def _targets(pairs: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for s, t in pairs:
        found[s].append(t)
    return found


def _parents(source: FacetSource) -> dict[str, list[str]]:
    kinds = source.other_kinds()
    parents: dict[str, list[str]] = defaultdict(list)
    for s, t in source.pairs(RelKind.PART_OF):
        if kinds.get(s) in PLACE_KINDS and kinds.get(t) in PLACE_KINDS:
            parents[s].append(t)
    return parents


def _location(ids: Sequence[str], source: FacetSource) -> dict[str, list[Any]]:
    kinds = source.other_kinds()
    located: dict[str, list[str]] = defaultdict(list)
    for s, t in source.pairs(RelKind.LOCATED_IN):
        if kinds.get(t) in PLACE_KINDS:
            located[s].append(t)
    closure = _Closure(_parents(source))
    latitude, longitude = source.props("latitude"), source.props("longitude")
    n = len(ids)
    columns: dict[str, list[Any]] = {name: [None] * n for name in _LOCATION}
    columns["places"] = [()] * n
    placed = [columns[name] for name in ("places", "commune", *LEVEL_FACETS)]
    lat_col, lon_col = columns["latitude"], columns["longitude"]
    where: dict[tuple[str, ...], tuple[Any, ...]] = {}  # located places → place facets
    for v, node in enumerate(ids):
        here = located.get(node)
        spot = (here[0],) if here and len(here) == 1 else tuple(sorted(set(here))) if here else ()
        found = where.get(spot)
        if found is None:
            places = closure.of(spot)
            communes = [p for p in spot if kinds[p] in _COMMUNE_KINDS]
            levels = (next((p for p in places if kinds[p] == level), None) for level in LEVEL_FACETS.values())
            found = where[spot] = (places, communes[0] if communes else None, *levels)
        for column, value in zip(placed, found, strict=True):
            column[v] = value
        lat, lon = latitude.get(node), longitude.get(node)
        commune = found[1]
        if (lat is None or lon is None) and commune is not None:
            lat, lon = latitude.get(commune), longitude.get(commune)
        lat_col[v], lon_col[v] = lat, lon
    return columns


def place_table(source: FacetSource) -> dict[str, Place]:
    """Every place of the store, by id."""
    kinds, names = source.other_kinds(), source.names()
    latitude, longitude = source.props("latitude"), source.props("longitude")
    closure = _Closure(_parents(source))
    return {
        p: Place(k, names.get(p, ""), latitude.get(p), longitude.get(p), tuple(sorted(closure.above(p))))
        for p, k in kinds.items()
        if k in PLACE_KINDS
    }


def code_table(source: FacetSource) -> dict[str, str]:
    """The name of every code (NAF, ROME, Marché sector, contract…), by id."""
    names = source.names()
    return {c: names.get(c, "") for c, k in source.other_kinds().items() if k in CODE_KINDS}


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
