"""Distances on the Earth: one function per formula, used by every loader, query and test.

- `distance_km` is *the* distance of the project: the haversine great-circle distance
  on a sphere of the Earth's mean radius. Loaders (nearest commune centroid) and the
  generator (clubs, partnerships within a radius) use it.
- `equirectangular_km` is the approximation the paired SPARQL and Cypher questions
  compute (`queries/sparql/siae_near_commune.rq`, see docs/neo4j.md): SPARQL has no
  trigonometry, so the query's definition of "within N km" is this formula, with
  R = 6371 km. Under 0.01 % from `distance_km` at 35 km.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "EARTH_RADIUS_KM",
    "QUERY_EARTH_RADIUS_KM",
    "chord_of_km",
    "distance_km",
    "distances_km",
    "equirectangular_km",
    "haversine_radians_km",
    "on_sphere",
]

EARTH_RADIUS_KM: Final = 6371.0088  # IUGG mean radius
QUERY_EARTH_RADIUS_KM: Final = 6371.0  # the radius written in the paired queries


def haversine_radians_km(
    phi1: float, lam1: float, cos_phi1: float, phi2: float, lam2: float, cos_phi2: float
) -> float:
    """The haversine distance between two points given in radians, with the cosines of
    their latitudes (precomputed by callers that measure one point against many).

    >>> p, q = (math.radians(48.2973), math.radians(4.0744)), (math.radians(48.5167), math.radians(3.7267))
    >>> round(haversine_radians_km(p[0], p[1], math.cos(p[0]), q[0], q[1], math.cos(q[0])), 1)
    35.4
    """
    h = math.sin((phi2 - phi1) / 2) ** 2 + cos_phi1 * cos_phi2 * math.sin((lam2 - lam1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle (haversine) distance in km between two points in degrees.

    >>> round(distance_km(48.2973, 4.0744, 48.5167, 3.7267), 1)  # Troyes → Romilly-sur-Seine
    35.4
    >>> distance_km(48.0, 4.0, 48.0, 4.0)
    0.0
    """
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    return haversine_radians_km(
        phi1, math.radians(lon1), math.cos(phi1), phi2, math.radians(lon2), math.cos(phi2)
    )


def distances_km(
    lat: float, lon: float, lats: NDArray[np.float64], lons: NDArray[np.float64]
) -> NDArray[np.float64]:
    """`distance_km` from one point to many at once (NaN where a point is unknown).

    >>> distances_km(48.2973, 4.0744, np.array([48.5167, np.nan]), np.array([3.7267, 0.0])).round(1)
    array([35.4,  nan])
    """
    p1, p2 = math.radians(lat), np.radians(lats)
    dp, dl = p2 - p1, np.radians(lons - lon)
    h = np.sin(dp / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    distances: NDArray[np.float64] = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return distances


def on_sphere(lats: NDArray[np.float64], lons: NDArray[np.float64]) -> NDArray[np.float64]:
    """Points in degrees as (x, y, z) on the unit sphere: the nearest by chord (what a
    k-d tree finds) is the nearest by great circle."""
    lat, lon = np.radians(lats), np.radians(lons)
    points: NDArray[np.float64] = np.column_stack(
        (np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat))
    )
    return points


def chord_of_km(km: float) -> float:
    """The chord on the unit sphere of a great-circle distance in km (2 beyond the antipode).

    >>> round(chord_of_km(math.pi * EARTH_RADIUS_KM), 12)
    2.0
    """
    return 2.0 * math.sin(min(km / EARTH_RADIUS_KM, math.pi) / 2)


def equirectangular_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The equirectangular distance in km the paired SPARQL/Cypher questions compute:
    φm the mean latitude, x = Δλ·cos φm, y = Δφ, d = R·√(x² + y²), R = 6371 km.

    >>> round(equirectangular_km(48.5167, 3.7267, 48.2973, 4.0744), 2)
    35.41
    """
    phi = math.radians((lat1 + lat2) / 2)
    x = math.radians(lon2 - lon1) * math.cos(phi)
    y = math.radians(lat2 - lat1)
    return QUERY_EARTH_RADIUS_KM * math.hypot(x, y)
