"""Territory coverage: what inclusion offer a place has, against its département and
the national median.

`territory_view(ag, territory)` reads the organisation lens (`graph.analytic`) for a
commune, EPCI, zone d'emploi, département or région and answers:

- indicators, each for the territory, its département and the national median
  (over every département): SIAE by kind, companies engaged (club members, SIAE
  partners), partnerships per SIAE, Marché sectors covered by SIAE, communes, and
  "zones blanches": communes farther than `blank_km` from any ACI or EI (wherever
  it is, across borders too), measured from the commune's centroid;
- the SIAE with their number of partnerships;
- the Marché sectors covered by the territory's SIAE and those missing (every
  sector some SIAE of the store sells in);
- the zones blanches, with the distance to the nearest ACI or EI.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from graph.analytic import AnalyticGraph
from graph.geo import on_sphere
from graph.kinds import OrgKind, PlaceKind, RelKind
from queries.search import distance_km
from queries.table import Table

__all__ = ["BLANK_KM", "TerritoryView", "nearest_km", "territory_indicators", "territory_view"]

BLANK_KM: Final = 15.0
SIAE_KINDS: Final = tuple(k.value for k in (OrgKind.ACI, OrgKind.EI, OrgKind.AI, OrgKind.ETTI, OrgKind.EITI))
BLANK_KINDS: Final = frozenset({OrgKind.ACI.value, OrgKind.EI.value})
NEAREST_MAX_KM: Final = 1000.0  # an ACI or EI farther than this is none at all (overseas)


@dataclass(frozen=True)
class TerritoryView:
    territory: str
    name: str
    kind: str
    departement: str | None
    indicators: Table
    siae: Table
    sectors: Table
    blank_communes: Table

    def tables(self) -> dict[str, Table]:
        return {
            "Indicateurs (territoire, département, médiane nationale)": self.indicators,
            "SIAE et leurs partenariats": self.siae,
            "Secteurs du Marché de l'inclusion": self.sectors,
            "Zones blanches : communes loin de tout ACI ou EI": self.blank_communes,
        }


def nearest_km(ag: AnalyticGraph, kinds: frozenset[str] = BLANK_KINDS) -> dict[str, float | None]:
    """For every commune with a centroid, the distance in km to the nearest organisation
    of `kinds` (ACI and EI by default); None when none lies within `NEAREST_MAX_KM`.

    The nearest is found in a k-d tree of points on the unit sphere (the nearest by
    chord is the nearest by great circle), its distance measured by `distance_km`."""
    G = ag.graph
    points = [
        (lat, lon)
        for kind, lat, lon in zip(G.vs["kind"], ag.facets["latitude"], ag.facets["longitude"], strict=True)
        if kind in kinds and lat is not None and lon is not None
    ]
    communes = [
        (pid, place.latitude, place.longitude)
        for pid, place in ag.places.items()
        if place.kind == PlaceKind.COMMUNE.value
        and place.latitude is not None
        and place.longitude is not None
    ]
    if not points or not communes:
        return {pid: None for pid, _, _ in communes}
    _, found = cKDTree(_on_sphere(points)).query(_on_sphere([(lat, lon) for _, lat, lon in communes]))
    nearest: dict[str, float | None] = {}
    for (pid, lat, lon), i in zip(communes, found.tolist(), strict=True):
        d = distance_km(lat, lon, *points[i])
        nearest[pid] = d if d <= NEAREST_MAX_KM else None
    return nearest


def _on_sphere(points: Sequence[tuple[float, float]]) -> NDArray[np.float64]:
    lat, lon = np.asarray(points, dtype=np.float64).T
    return on_sphere(lat, lon)


def _inside(ag: AnalyticGraph, territory: str) -> list[int]:
    return [v for v, held in enumerate(ag.facets["places"]) if territory in held]


def _communes_of(ag: AnalyticGraph, territory: str) -> list[str]:
    return sorted(
        pid
        for pid, place in ag.places.items()
        if place.kind == PlaceKind.COMMUNE.value and territory in place.within
    )


@dataclass(frozen=True, eq=False)
class _Ties:
    """What the indicators count, as arrays over the lens (built once per lens)."""

    siae: NDArray[np.bool_]  # per vertex
    kind: NDArray[np.str_]  # per vertex
    club_member: NDArray[np.int64]  # companies' MEMBER_OF a club: the member vertex
    partner_source: NDArray[np.int64]  # PARTNER_OF ties: their two ends
    partner_target: NDArray[np.int64]


_TIES: dict[int, tuple[AnalyticGraph, _Ties]] = {}


def _ties(ag: AnalyticGraph) -> _Ties:
    held = _TIES.get(id(ag))
    if held is not None and held[0] is ag:
        return held[1]
    G = ag.graph
    kind = np.array(G.vs["kind"], dtype=str) if G.vcount() else np.zeros(0, dtype=str)
    edges = np.array(G.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    rels = np.array(G.es["rel"], dtype=str) if G.ecount() else np.zeros(0, dtype=str)
    source, target = edges[:, 0], edges[:, 1]
    company = kind == OrgKind.ENTREPRISE.value
    club = kind == OrgKind.CLUB.value
    member = (rels == RelKind.MEMBER_OF.value) & company[source] & club[target]
    partner = rels == RelKind.PARTNER_OF.value
    ties = _Ties(np.isin(kind, SIAE_KINDS), kind, source[member], source[partner], target[partner])
    _TIES.clear()
    _TIES[id(ag)] = (ag, ties)
    return ties


def _indicators(
    ag: AnalyticGraph,
    vertices: Sequence[int],
    communes: Sequence[str],
    nearest: Mapping[str, float | None],
    blank_km: float,
) -> dict[str, float]:
    ties = _ties(ag)
    chosen = np.zeros(len(ties.kind), dtype=bool)
    chosen[np.asarray(vertices, dtype=np.int64)] = True
    siae = np.flatnonzero(chosen & ties.siae)
    values: dict[str, float] = {"SIAE": len(siae)}
    siae_kinds = ties.kind[siae]
    for kind in SIAE_KINDS:
        values[kind] = int(np.count_nonzero(siae_kinds == kind))
    members = np.unique(ties.club_member[chosen[ties.club_member]])
    company = ties.kind == OrgKind.ENTREPRISE.value
    s, t = ties.partner_source, ties.partner_target
    partners = np.unique(
        np.concatenate(
            (
                s[chosen[s] & company[s] & ties.siae[t]],
                t[chosen[t] & company[t] & ties.siae[s]],
            )
        )
    )
    partnerships = int(np.count_nonzero((chosen[s] & ties.siae[s]) | (chosen[t] & ties.siae[t])))
    values["entreprises membres d'un club"] = len(members)
    values["entreprises partenaires d'une SIAE"] = len(partners)
    values["entreprises engagées"] = len(np.union1d(members, partners))
    values["partenariats par SIAE"] = round(partnerships / len(siae), 2) if len(siae) else 0.0
    values["secteurs du Marché couverts"] = len({x for v in siae.tolist() for x in ag.facets["secteurs"][v]})
    measured = [nearest[c] for c in communes if c in nearest]
    blank = sum(1 for d in measured if d is None or d > blank_km)
    values["communes"] = len(communes)
    values[f"communes à plus de {blank_km:g} km d'un ACI ou EI"] = blank
    values["part de communes en zone blanche %"] = round(100 * blank / len(measured), 1) if measured else 0.0
    return values


def territory_indicators(
    ag: AnalyticGraph,
    territory: str,
    *,
    blank_km: float = BLANK_KM,
    nearest: Mapping[str, float | None] | None = None,
) -> dict[str, float]:
    """The indicators of one territory (see the module's documentation)."""
    nearest = nearest_km(ag) if nearest is None else nearest
    return _indicators(ag, _inside(ag, territory), _communes_of(ag, territory), nearest, blank_km)


def _national_median(
    ag: AnalyticGraph, nearest: Mapping[str, float | None], blank_km: float
) -> dict[str, float]:
    by_dep: dict[str, list[int]] = defaultdict(list)
    for v, dep in enumerate(ag.facets["departement"]):
        if dep is not None:
            by_dep[dep].append(v)
    communes: dict[str, list[str]] = defaultdict(list)
    for pid, place in ag.places.items():
        if place.kind == PlaceKind.COMMUNE.value:
            for above in place.within:
                if above.startswith("departement:"):
                    communes[above].append(pid)
    deps = sorted(p for p, place in ag.places.items() if place.kind == PlaceKind.DEPARTEMENT.value)
    rows = [_indicators(ag, by_dep.get(d, []), communes.get(d, []), nearest, blank_km) for d in deps]
    if not rows:
        return {}
    return {name: float(statistics.median(r[name] for r in rows)) for name in rows[0]}


def territory_view(
    ag: AnalyticGraph, territory: str, *, blank_km: float = BLANK_KM, limit: int = 50
) -> TerritoryView:
    """Coverage of `territory` (a place id) in `ag`, the organisation lens of the whole
    store. Raises KeyError for a place the store does not hold."""
    place = ag.places.get(territory)
    if place is None:
        raise KeyError(f"territoire inconnu : {territory}")
    nearest = nearest_km(ag)
    departement = next((p for p in place.within if p.startswith("departement:")), None)
    here = territory_indicators(ag, territory, blank_km=blank_km, nearest=nearest)
    dep = territory_indicators(ag, departement, blank_km=blank_km, nearest=nearest) if departement else {}
    national = _national_median(ag, nearest, blank_km)
    indicators = Table(
        ("indicateur", "territoire", "département", "médiane nationale des départements"),
        tuple((name, value, dep.get(name), national.get(name)) for name, value in here.items()),
    )
    return TerritoryView(
        territory,
        place.name,
        place.kind,
        departement,
        indicators,
        _siae_table(ag, _inside(ag, territory), limit),
        _sectors_table(ag, _inside(ag, territory)),
        _blank_table(ag, _communes_of(ag, territory), nearest, blank_km, limit),
    )


def _siae_table(ag: AnalyticGraph, inside: Sequence[int], limit: int) -> Table:
    G = ag.graph
    rows: list[tuple[Any, ...]] = []
    for v in inside:
        if G.vs[v]["kind"] not in SIAE_KINDS:
            continue
        partnerships = sum(1 for e in G.es[G.incident(v, mode="all")] if e["rel"] == RelKind.PARTNER_OF.value)
        commune = ag.facets["commune"][v]
        name = ag.places[commune].name if commune in ag.places else None
        rows.append((ag.ids[v], G.vs[v]["label"], G.vs[v]["kind"], name, partnerships))
    rows.sort(key=lambda r: (-r[4], r[0]))
    return Table(("id", "nom", "type", "commune", "partenariats"), tuple(rows[:limit]))


def _sectors_table(ag: AnalyticGraph, inside: Sequence[int]) -> Table:
    kinds = ag.graph.vs["kind"]
    universe = {s for v, held in enumerate(ag.facets["secteurs"]) if kinds[v] in SIAE_KINDS for s in held}
    offered: dict[str, int] = defaultdict(int)
    for v in inside:
        if kinds[v] in SIAE_KINDS:
            for s in ag.facets["secteurs"][v]:
                offered[s] += 1
    rows = tuple(
        (s, ag.codes.get(s, ""), "oui" if offered.get(s) else "non", offered.get(s, 0))
        for s in sorted(universe, key=lambda s: (bool(offered.get(s)), s))
    )
    return Table(("secteur", "libellé", "couvert", "SIAE qui le proposent"), rows)


def _blank_table(
    ag: AnalyticGraph,
    communes: Sequence[str],
    nearest: Mapping[str, float | None],
    blank_km: float,
    limit: int,
) -> Table:
    rows = [
        (c, ag.places[c].name, round(d, 1) if d is not None else None)
        for c in communes
        if c in nearest and ((d := nearest[c]) is None or d > blank_km)
    ]
    rows.sort(key=lambda r: (-(r[2] if r[2] is not None else math.inf), r[0]))
    return Table(("commune", "nom", "distance au plus proche ACI ou EI km"), tuple(rows[:limit]))
