"""Consortium finder: for a public market (its lots as CPV codes or Marché sectors, and
a place with a radius), groups of SIAE (and companies, when asked) that together cover
every lot, ranked by the ties that already bind their members.

A structure covers a lot when it sells in one of the lot's Marché sectors (`SELLS_IN`)
or, when it declares none, when its activity (`queries.partners.fit_divisions`: its
sectors, the companies it trades with, its NAF division) produces one of them
(correspondence tables). Groups are irredundant (no member can be dropped), of at most `max_size`
members; their score is the sum of the ties between members (`PAIR_TIES`: partnerships,
past co-contracting — public contracts both held, `CO_CONTRACTOR_OF` —, shared
collectives and networks) minus
`SIZE_PENALTY` per member beyond the first and the mean distance over
`DISTANCE_SCALE_KM`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

from graph.kinds import RelKind
from queries.contracts import contract_index, contract_name
from queries.correspondences import Correspondences
from queries.org_network import PartnerNetwork
from queries.partners import (
    INCLUSIVE,
    NETWORKS,
    STRONG_COLLECTIVES,
    Objective,
    PartnerIndex,
    Reason,
    cached_index,
    fact_datasets,
    fit_divisions,
    haversine_km,
)

__all__ = ["Consortium", "Lot", "consortium_candidates", "lot"]

PAIR_TIES: Final = {"partenaires": 1.0, "cotitulaires": 1.0, "collectif": 0.8, "reseau": 0.3}
SIZE_PENALTY: Final = 0.2
DISTANCE_SCALE_KM: Final = 50.0
POOL_PER_LOT: Final = 8


@dataclass(frozen=True, slots=True)
class Lot:
    """One lot of a market: what it buys, as the Marché sectors able to supply it."""

    code: str  # as given: a CPV code or a sector slug
    sectors: frozenset[str]


def lot(code: str, tables: Correspondences) -> Lot:
    """A lot from a CPV code (`90910000`, `90910000-9`, `cpv:…`) or a Marché sector slug."""
    text = code.strip().removeprefix("secteur:")
    if text.removeprefix("cpv:")[:2].isdigit():
        sectors = tables.sectors_of_cpv(text)
        if not sectors:
            raise ValueError(f"aucun secteur du Marché de l'inclusion ne fournit la division CPV de {code}")
        return Lot(code, sectors)
    if text not in tables.sector_group:
        raise ValueError(f"secteur du Marché de l'inclusion inconnu : {code}")
    return Lot(code, frozenset({text}))


@dataclass(frozen=True, slots=True)
class Consortium:
    members: tuple[str, ...]
    names: tuple[str, ...]
    score: float
    coverage: tuple[tuple[str, tuple[str, ...]], ...]  # lot code -> members covering it
    reasons: tuple[Reason, ...]


def consortium_candidates(
    graph: PartnerNetwork | PartnerIndex,
    lots: Sequence[Lot],
    *,
    latitude: float | None = None,
    longitude: float | None = None,
    radius_km: float | None = None,
    territory: str | None = None,
    kinds: Collection[str] | None = None,
    max_size: int = 3,
    limit: int = 5,
) -> list[Consortium]:
    """Groups of at most `max_size` organisations of `kinds` (the inclusive employers by
    default) within `radius_km` of (`latitude`, `longitude`) and in `territory` (a
    département or commune id) that together cover every lot, best first."""
    if not lots:
        raise ValueError("un marché a au moins un lot")
    index = graph if isinstance(graph, PartnerIndex) else cached_index(graph)
    network = index.network
    wanted = frozenset(kinds) if kinds is not None else INCLUSIVE
    mask = np.isin(index.kinds, list(wanted))
    distance = np.full(len(mask), np.nan)
    if latitude is not None and longitude is not None:
        distance = haversine_km(latitude, longitude, index.latitude, index.longitude)
        if radius_km is not None:
            mask &= distance <= radius_km
    if territory is not None:
        column = network.facets["departement" if territory.startswith("departement:") else "commune"]
        mask &= np.array([value == territory for value in column], dtype=bool)
    covers: dict[int, set[int]] = {}
    why: dict[tuple[int, int], str] = {}
    for v in np.flatnonzero(mask).tolist():
        for j, item in enumerate(lots):
            reason = _covers(index, v, item)
            if reason:
                covers.setdefault(v, set()).add(j)
                why[(v, j)] = reason
    pool: set[int] = set()
    for j in range(len(lots)):
        able = [v for v in covers if j in covers[v]]
        if not able:
            return []
        able.sort(key=lambda v: (-len(covers[v]), -_tie_count(index, v), _far(distance, v), network.ids[v]))
        pool.update(able[:POOL_PER_LOT])
    everything = set(range(len(lots)))
    groups: list[tuple[float, tuple[int, ...]]] = []
    for size in range(1, max_size + 1):
        for group in itertools.combinations(sorted(pool, key=lambda v: network.ids[v]), size):
            covered = set().union(*(covers[v] for v in group))
            if covered != everything:
                continue
            if size > 1 and any(
                set().union(*(covers[w] for w in group if w != v)) == everything for v in group
            ):
                continue  # a member could be dropped
            groups.append((_score(index, group, distance), group))
    groups.sort(key=lambda item: (-item[0], len(item[1]), [network.ids[v] for v in item[1]]))
    return [_describe(index, lots, group, score, covers, why, distance) for score, group in groups[:limit]]


def _far(distance: np.ndarray, v: int) -> float:
    return float(distance[v]) if not math.isnan(distance[v]) else math.inf


def _covers(index: PartnerIndex, v: int, item: Lot) -> str | None:
    declared = {str(s).removeprefix("secteur:") for s in index.network.facets["secteurs"][v] or ()}
    if declared:
        hit = sorted(declared & item.sectors)
        return f"propose {hit[0]}" if hit else None
    divisions, origins = fit_divisions(index, v, Objective.SOUS_TRAITANCE)
    for sector in sorted(item.sectors):
        hit = sorted(divisions & index.tables.naf_divisions_of_sector(sector))
        if hit:
            return f"activité NAF {', '.join(hit)} ({', '.join(origins[:2])}) ↔ « {sector} »"
    return None


def _tie_count(index: PartnerIndex, v: int) -> int:
    return len(index.partners[v]) + len(index.collectives[v]) + int(contract_index(index).co_held[v])


def _pair(index: PartnerIndex, u: int, v: int) -> list[tuple[str, float, tuple[str, ...]]]:
    """The ties between two members: (French text, weight, facts)."""
    network = index.network
    label = index.labels
    found: list[tuple[str, float, tuple[str, ...]]] = []
    if v in index.partners[u]:
        types = ", ".join(sorted(t for t in index.partners[u][v] if t)) or "partenariat"
        facts = tuple(
            f"{network.ids[a]} {RelKind.PARTNER_OF.value} {network.ids[b]}"
            for a, b in ((u, v), (v, u))
            if any(rel == RelKind.PARTNER_OF.value for rel, _, _ in index.ties.get((a, b), ()))
        )
        found.append(
            (f"{label[u]} et {label[v]} sont déjà partenaires ({types})", PAIR_TIES["partenaires"], facts)
        )
    contracts = contract_index(index)
    together = sorted(set(contracts.held[u]) & set(contracts.held[v]))
    if together:
        codes = getattr(network, "codes", None) or {}
        shown = ", ".join(contract_name(codes, k) for k in together[:3])
        facts = tuple(
            f"{network.ids[a]} {RelKind.CO_CONTRACTOR_OF.value} {network.ids[b]}"
            for a, b in ((u, v), (v, u))
            if any(rel == RelKind.CO_CONTRACTOR_OF.value for rel, _, _ in index.ties.get((a, b), ()))
        )
        found.append(
            (
                f"{label[u]} et {label[v]} ont déjà été cotitulaires de {len(together)} "
                f"marché(s) public(s) : {shown}{'…' if len(together) > 3 else ''}",
                PAIR_TIES["cotitulaires"],
                facts,
            )
        )
    for c in sorted(set(index.collectives[u]) & set(index.collectives[v])):
        kind = str(index.kinds[c])
        if kind in STRONG_COLLECTIVES:
            weight = PAIR_TIES["collectif"]
        elif kind in NETWORKS:
            weight = PAIR_TIES["reseau"]
        else:
            continue
        facts = (
            f"{network.ids[u]} MEMBER_OF {network.ids[c]}",
            f"{network.ids[v]} MEMBER_OF {network.ids[c]}",
        )
        found.append((f"{label[u]} et {label[v]} sont membres de {label[c]} ({kind})", weight, facts))
    return found


def _score(index: PartnerIndex, group: tuple[int, ...], distance: np.ndarray) -> float:
    ties = sum(w for u, v in itertools.combinations(group, 2) for _, w, _ in _pair(index, u, v))
    known = [float(distance[v]) for v in group if not math.isnan(distance[v])]
    mean = sum(known) / len(known) if known else 0.0
    return round(ties - SIZE_PENALTY * (len(group) - 1) - mean / DISTANCE_SCALE_KM, 4)


def _describe(
    index: PartnerIndex,
    lots: Sequence[Lot],
    group: tuple[int, ...],
    score: float,
    covers: dict[int, set[int]],
    why: dict[tuple[int, int], str],
    distance: np.ndarray,
) -> Consortium:
    network = index.network
    label = index.labels
    reasons: list[Reason] = []
    coverage = []
    for j, item in enumerate(lots):
        by = tuple(network.ids[v] for v in group if j in covers[v])
        coverage.append((item.code, by))
        for v in group:
            if j in covers[v]:
                reasons.append(Reason(f"lot {item.code} : {label[v]} ({why[(v, j)]})", 0.0))
    for u, v in itertools.combinations(group, 2):
        for text, weight, facts in _pair(index, u, v):
            reasons.append(Reason(text, weight, facts, fact_datasets(index, facts)))
    for v in group:
        if not math.isnan(distance[v]):
            reasons.append(
                Reason(f"{label[v]} à {distance[v]:.1f} km du lieu d'exécution".replace(".", ","), 0.0)
            )
    return Consortium(
        tuple(network.ids[v] for v in group),
        tuple(str(label[v]) for v in group),
        score,
        tuple(coverage),
        tuple(reasons),
    )
