"""Which candidates `queries.partners` must score to rank them exactly as if it scored
the whole pool.

A national pool holds 300,000 companies and ten are asked. A candidate's score is its
distance term, -d / scale, plus the other reasons. A candidate without graph evidence
with the actor (no common neighbour, no shared collective, no contract: the caller
lists every candidate that may have some) gets from the other reasons an amount fixed
by its kind, its NAF division and its size band: between ``low[g]`` and ``high[g]``
for the group g = (kind, NAF division) it belongs to, bounds the caller derives from
its weights for each query. Such a candidate d km away scores at least
-d / scale + low[g] and at most -d / scale + high[g]; one without a known place counts
at the pool's farthest distance (at most ``unknown_km``), as the scorer counts it.

`select` takes the nearest candidates first (one k-d tree per kind, on the unit
sphere) for a first bar, the limit-th best lower bound; then, in each group, only the
candidates within (high[g] - bar) x scale km (one k-d tree per group); the bar rises
to the limit-th best lower bound of those, and the candidates whose upper bound
reaches it are kept, with every candidate that has evidence. A candidate left out
scores less than `limit` kept ones, so the best `limit` of the kept are the best of the
pool, with the same scores (the same columns, computed on fewer rows) and the same
tie-break. Bounds are widened by `SLACK` so float rounding never prunes a candidate.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from graph.geo import EARTH_RADIUS_KM, chord_of_km, distances_km, on_sphere
from queries.partner_index import PartnerIndex

__all__ = ["SLACK", "SMALL_POOL", "PlaceGroups", "Selection", "place_groups", "select", "territory_facet"]

SLACK: Final = 1e-9  # score units every bound is widened by (rounding of the columns' sum)
SMALL_POOL: Final = 4096  # a pool up to this size is measured whole, without the trees
SEEDS: Final = 4  # the first bar comes from the SEEDS x limit nearest candidates
_MARGIN_KM: Final = 1e-6  # added to every search radius (rounding of the chord)
_EMPTY: Final = np.zeros(0, dtype=np.int64)


@dataclass(eq=False)
class PlaceGroups:
    """The organisations of a network grouped by (kind, NAF division), computed once per
    index: each group's vertices with a place in a k-d tree of unit-sphere points, and
    one tree per kind."""

    kind: list[str]  # group -> kind
    division: NDArray[np.str_]  # group -> NAF division ("" when unknown)
    section_code: NDArray[np.int64]  # group -> index in `PartnerIndex.sections`
    size_low: NDArray[np.float64]  # group -> least size value of its members
    size_high: NDArray[np.float64]  # group -> greatest size value of its members
    group_of: NDArray[np.int64]  # vertex -> group
    placed: list[NDArray[np.int64]]  # group -> its vertices with a known place
    unplaced: list[NDArray[np.int64]]  # group -> its vertices without
    trees: list[cKDTree | None]  # group -> tree of `placed`
    by_kind: dict[str, list[int]]  # kind -> its groups
    kind_placed: dict[str, NDArray[np.int64]]  # kind -> its vertices with a known place
    kind_trees: dict[str, cKDTree]  # kind -> tree of `kind_placed`
    # facet ("commune", "departement") -> territory id -> its vertices
    territories: dict[str, dict[str, NDArray[np.int64]]] = field(default_factory=dict)
    memo: dict[str, Any] = field(default_factory=dict)  # what callers compute once per index


@dataclass(frozen=True, slots=True)
class Selection:
    """The candidates to score (sorted vertices), the distance from the actor to them
    (NaN elsewhere and where unknown) and, among them, those scored for their evidence
    (whose other reasons are not bounded by their group's)."""

    candidates: NDArray[np.int64]
    distance: NDArray[np.float64]
    evidence: NDArray[np.int64]


def place_groups(index: PartnerIndex) -> PlaceGroups:
    """The groups and trees of `index` (built on first use, then held by the index)."""
    if index.places is not None:
        held: PlaceGroups = index.places
        return held
    kinds, kind_code = np.unique(index.kinds, return_inverse=True)
    divisions, division_code = np.unique(index.division_code, return_inverse=True)
    keys, group_of = np.unique(kind_code * len(divisions) + division_code, return_inverse=True)
    group_of = group_of.astype(np.int64).reshape(-1)
    order = np.argsort(group_of, kind="stable")
    members = np.split(order, np.flatnonzero(np.diff(group_of[order])) + 1) if len(order) else []
    known = np.isfinite(index.latitude) & np.isfinite(index.longitude)
    points = np.zeros((len(known), 3))
    points[known] = on_sphere(index.latitude[known], index.longitude[known])
    placed = [m[known[m]] for m in members]
    by_kind: dict[str, list[int]] = defaultdict(list)
    for g, key in enumerate(keys.tolist()):
        by_kind[str(kinds[key // len(divisions)])].append(g)
    kind_placed = {k: np.sort(np.concatenate([placed[g] for g in gs])) for k, gs in by_kind.items()}
    index.places = PlaceGroups(
        kind=[str(kinds[key // len(divisions)]) for key in keys.tolist()],
        division=np.array([str(divisions[key % len(divisions)]) for key in keys.tolist()], dtype="<U2"),
        section_code=np.array([index.section_code[m[0]] for m in members], dtype=np.int64),
        size_low=np.array([index.size_value[m].min() for m in members], dtype=np.float64),
        size_high=np.array([index.size_value[m].max() for m in members], dtype=np.float64),
        group_of=group_of,
        placed=placed,
        unplaced=[m[~known[m]] for m in members],
        trees=[_tree(points[p]) for p in placed],
        by_kind=dict(by_kind),
        kind_placed={k: v for k, v in kind_placed.items() if len(v)},
        kind_trees={k: t for k, v in kind_placed.items() if (t := _tree(points[v])) is not None},
    )
    return index.places  # type: ignore[no-any-return]


def _tree(points: NDArray[np.float64]) -> cKDTree | None:
    return cKDTree(points, balanced_tree=False, compact_nodes=False) if len(points) else None


def territory_facet(territory: str) -> str:
    """The facet a territory id is read from (a commune or a département)."""
    if territory.startswith("departement:"):
        return "departement"
    if territory.startswith(("commune:", "arrondissement:")):
        return "commune"
    raise ValueError(f"territoire non pris en charge : {territory} (une commune ou un département)")


def _territory(index: PartnerIndex, places: PlaceGroups, territory: str) -> NDArray[np.int64]:
    facet = territory_facet(territory)
    if facet not in places.territories:
        found: dict[str, list[int]] = defaultdict(list)
        for v, value in enumerate(index.network.facets[facet]):
            if value is not None:
                found[str(value)].append(v)
        places.territories[facet] = {k: np.array(v, dtype=np.int64) for k, v in found.items()}
    return places.territories[facet].get(territory, _EMPTY)


@dataclass(eq=False)
class _Query:
    """One query's fixed parts: the actor's place, the filters, the bounds."""

    index: PartnerIndex
    places: PlaceGroups
    lat: float
    lon: float
    radius_km: float | None
    scale: float
    low: NDArray[np.float64]
    high: NDArray[np.float64]
    limit: int
    distance: NDArray[np.float64]

    def measured(self, vertices: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """`vertices` with a known place, within the radius (its bounding box first, as
        `queries.partners.candidate_pool` filters), and their distances."""
        lats, lons = self.index.latitude[vertices], self.index.longitude[vertices]
        d = distances_km(self.lat, self.lon, lats, lons)
        inside = ~np.isnan(d)
        if self.radius_km is not None:
            dlat = math.degrees(self.radius_km / EARTH_RADIUS_KM)
            dlon = dlat / max(math.cos(math.radians(self.lat)), 1e-6)
            inside &= (np.abs(lats - self.lat) <= dlat) & (np.abs(lons - self.lon) <= dlon)
            inside &= d <= self.radius_km
        kept = vertices[inside]
        self.distance[kept] = d[inside]
        return kept, d[inside]

    def bounds(self, vertices: NDArray[np.int64], d: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
        g = self.places.group_of[vertices]
        near = -d / self.scale
        return near + self.low[g] - SLACK, near + self.high[g] + SLACK

    def bar(self, lower: NDArray[np.float64]) -> float:
        """The limit-th best lower bound (-inf when fewer candidates)."""
        if len(lower) < self.limit:
            return -math.inf
        return float(np.partition(lower, len(lower) - self.limit)[len(lower) - self.limit])


def select(
    index: PartnerIndex,
    s: int,
    wanted: Collection[str],
    *,
    scale: float,
    unknown_km: float,
    low: NDArray[np.float64],
    high: NDArray[np.float64],
    evidence: NDArray[np.int64],
    limit: int,
    radius_km: float | None = None,
    territory: str | None = None,
) -> Selection | None:
    """The candidates of the pool (the `wanted` kinds, within `radius_km` and in
    `territory`, neither `s` nor its partners) that must be scored for the best `limit`
    (see the module docstring). `low` and `high` bound, per group, what a candidate
    not in `evidence` gets from the reasons other than distance. None when nothing can
    be pruned: the actor has no place (every distance is unknown) or `limit` < 1."""
    places = place_groups(index)
    lat, lon = float(index.latitude[s]), float(index.longitude[s])
    if math.isnan(lat) or math.isnan(lon) or limit < 1:
        return None
    q = _Query(index, places, lat, lon, radius_km, scale, low, high, limit, np.full(len(index.kinds), np.nan))
    groups = [g for kind in sorted(set(wanted)) for g in places.by_kind.get(kind, ())]
    in_pool = np.zeros(len(places.kind), dtype=bool)
    in_pool[groups] = True
    excluded = np.array(sorted({s, *index.partners[s]}), dtype=np.int64)
    pool: NDArray[np.int64] | None = None
    kept: NDArray[np.int64] | None
    if territory is not None:
        pool = _territory(index, places, territory)
        pool = pool[in_pool[places.group_of[pool]]]
    elif sum(len(places.placed[g]) + len(places.unplaced[g]) for g in groups) <= SMALL_POOL:
        whole = [places.placed[g] for g in groups] + [places.unplaced[g] for g in groups]
        pool = np.concatenate([_EMPTY, *whole])
    evidence = np.setdiff1d(evidence, excluded)
    evidence = evidence[in_pool[places.group_of[evidence]]]
    if pool is not None:
        evidence = np.intersect1d(evidence, pool)
        kept = _explicit(q, np.setdiff1d(pool, np.union1d(excluded, evidence)), evidence, unknown_km)
    else:
        kept = _searched(q, groups, np.union1d(excluded, evidence), evidence, unknown_km)
    if kept is None:
        return None
    return Selection(kept, q.distance, evidence[np.isin(evidence, kept)])


def _explicit(
    q: _Query, pool: NDArray[np.int64], evidence: NDArray[np.int64], unknown_km: float
) -> NDArray[np.int64]:
    """The kept candidates of a pool listed whole (a territory, a small pool): all measured."""
    known = np.isfinite(q.index.latitude[pool]) & np.isfinite(q.index.longitude[pool])
    placed, d = q.measured(pool[known])
    ev_placed, ev_d = q.measured(evidence)
    unplaced = pool[~known] if q.radius_km is None else _EMPTY
    ev_unplaced = (
        evidence[~(np.isfinite(q.index.latitude[evidence]) & np.isfinite(q.index.longitude[evidence]))]
        if q.radius_km is None
        else _EMPTY
    )
    # the scorer counts an unknown place at the farthest candidate, at most unknown_km
    every = np.concatenate([d, ev_d])
    far = min(float(every.max()), unknown_km) if len(every) else 0.0
    low, high = q.bounds(placed, d)
    far_low, far_high = q.bounds(unplaced, np.full(len(unplaced), far))
    bar = q.bar(np.concatenate([low, far_low]))
    kept = [placed[high >= bar], unplaced[far_high >= bar], ev_placed, ev_unplaced]
    if len(kept[1]) + len(ev_unplaced) and len(every):
        # one candidate at the farthest distance keeps `far` what the whole pool gives
        kept.append(np.concatenate([placed, ev_placed])[[int(np.argmax(every))]])
    return np.unique(np.concatenate(kept))


def _searched(
    q: _Query,
    groups: Sequence[int],
    skipped: NDArray[np.int64],
    evidence: NDArray[np.int64],
    unknown_km: float,
) -> NDArray[np.int64] | None:
    """The kept candidates of a large pool, searched in the trees; None when the pool
    has unknown places but no candidate beyond `unknown_km` (then it is measured whole)."""
    places = q.places
    here = on_sphere(np.array([q.lat]), np.array([q.lon]))[0]
    kinds = sorted({places.kind[g] for g in groups if len(places.placed[g])})
    seeds, d = _nearest(q, kinds, here, skipped)
    bar = q.bar(q.bounds(seeds, d)[0])
    found = []
    for g in groups:
        tree = places.trees[g]
        if tree is None or q.high[g] + SLACK < bar:
            continue
        reach = (q.high[g] - bar + 2 * SLACK) * q.scale + _MARGIN_KM
        if q.radius_km is not None:
            reach = min(reach, q.radius_km + _MARGIN_KM)
        at = tree.query_ball_point(here, chord_of_km(reach) * (1 + 1e-12))
        if at:
            found.append(places.placed[g][at])
    hits = np.setdiff1d(np.concatenate([_EMPTY, *found]), seeds)  # the seeds are found again
    hits, hit_d = q.measured(hits[~np.isin(hits, skipped)])
    vertices, d = np.concatenate([seeds, hits]), np.concatenate([d, hit_d])
    low, high = q.bounds(vertices, d)
    bar = max(bar, q.bar(low))
    kept = [vertices[high >= bar], q.measured(evidence)[0]]
    if q.radius_km is None:
        unplaced = np.concatenate([_EMPTY, *(places.unplaced[g] for g in groups)])
        unplaced = unplaced[~np.isin(unplaced, skipped)]
        ev_unplaced = evidence[np.isnan(q.distance[evidence])]
        if len(unplaced) + len(ev_unplaced):
            witness = _beyond(q, kinds, skipped, unknown_km)
            if witness is None:
                return None
            far_high = q.bounds(unplaced, np.full(len(unplaced), unknown_km))[1]
            kept += [unplaced[far_high >= bar], ev_unplaced, witness]
    return np.unique(np.concatenate(kept))


def _nearest(
    q: _Query, kinds: Sequence[str], here: NDArray[np.float64], skipped: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """At least `limit` of the nearest candidates (SEEDS x limit of each kind first)
    and their distances; fewer when the pool (within the radius) holds fewer."""
    places = q.places
    want = SEEDS * q.limit + len(skipped)
    reach = math.inf if q.radius_km is None else chord_of_km(q.radius_km + _MARGIN_KM)
    while True:
        found, complete = [], True
        for kind in kinds:
            held = places.kind_placed[kind]
            k = min(want, len(held))
            far, at = places.kind_trees[kind].query(here, k=k)
            found.append(held[np.atleast_1d(at)])
            complete &= k == len(held) or float(np.atleast_1d(far)[-1]) > reach
        vertices = np.unique(np.concatenate([_EMPTY, *found]))
        vertices, d = q.measured(vertices[~np.isin(vertices, skipped)])
        if len(vertices) >= q.limit or complete:
            return vertices, d
        want *= 8


def _beyond(
    q: _Query, kinds: Sequence[str], skipped: NDArray[np.int64], unknown_km: float
) -> NDArray[np.int64] | None:
    """One candidate farther than `unknown_km`, so that the scored candidates give the
    unknown places the same distance as the whole pool does (`unknown_km`); None when
    the pool has none (it is then measured whole)."""
    for kind in kinds:
        held = q.places.kind_placed[kind]
        for start in range(0, len(held), 256):
            chunk = held[start : start + 256]
            chunk = chunk[~np.isin(chunk, skipped)]
            d = distances_km(q.lat, q.lon, q.index.latitude[chunk], q.index.longitude[chunk])
            far = np.flatnonzero(d > unknown_km)
            if len(far):
                q.distance[chunk[far[0]]] = d[far[0]]
                return chunk[far[:1]]
    return None
