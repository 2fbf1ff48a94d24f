"""What a map shows: the actors with a position (their own, else their commune's
centre), filtered by kind, territory and bounding box, and the centres of the communes
they stand in."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass

from queries.catalogue import Entry
from queries.search import SearchIndex

__all__ = ["BBox", "MapView", "map_view"]

BBox = tuple[float, float, float, float]  # min longitude, min latitude, max longitude, max latitude


@dataclass(frozen=True, slots=True)
class MapView:
    points: tuple[Entry, ...]  # organisations, by id
    centroids: tuple[tuple[Entry, int], ...]  # communes holding points, with how many
    truncated: bool  # more points matched than `max_points`


def _inside(entry: Entry, bbox: BBox | None) -> bool:
    if entry.latitude is None or entry.longitude is None:
        return False
    if bbox is None:
        return True
    min_lon, min_lat, max_lon, max_lat = bbox
    return min_lon <= entry.longitude <= max_lon and min_lat <= entry.latitude <= max_lat


def map_view(
    index: SearchIndex,
    *,
    kinds: Collection[str] = (),
    territory: str | None = None,
    bbox: BBox | None = None,
    max_points: int = 20_000,
) -> MapView:
    """The organisations to draw, at most `max_points` (ids in order)."""
    wanted = set(kinds)
    found = [
        e
        for e in index.entries
        if e.famille == "org"
        and (not wanted or e.kind.value in wanted)
        and (territory is None or territory in e.territories)
        and _inside(e, bbox)
    ]
    truncated = len(found) > max_points
    points = tuple(found[:max_points])
    per_commune = Counter(e.commune for e in points if e.commune)
    centroids = tuple(
        (commune, n)
        for place, n in sorted(per_commune.items())
        if (commune := index.get(place)) is not None and commune.latitude is not None
    )
    return MapView(points, centroids, truncated)
