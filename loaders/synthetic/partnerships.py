"""Synthetic partnerships between the real inclusive structures and the synthetic
companies, drawn from a hidden generative rule whose ground truth is kept aside.

The rule. A structure `s` of kind `k` has a number of partnerships drawn from a
Poisson law of mean `PARTNERSHIPS_PER_KIND[k]`; each partner is an active company
`c` within `radius_km`, drawn with probability proportional to

    w(s, c) = exp(-d(s, c) / distance_scale_km)
              × AFFINITY[section(c)][k]
              × (1 + club_boost · [s and c in one club] + ptce_boost · [s and c in one PTCE])

where `d` is the haversine distance from the structure to the company's commune
centroid. The subtype (a `PartnershipType`) is drawn from `SUBTYPE_WEIGHTS[k]`, tilted
by the company's section (`SECTION_TILT`). A share `held_out_share` of the drawn
partnerships is not written to the graph: it is the ground truth against which a
partner-candidate ranking can be evaluated.

Sampling is exact without scoring every pair: the base weight depends on the
company's commune and section only, so one draws a (commune, section) group, then a
company in it; the boost for shared collectives is a separate, small mass.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from itertools import accumulate
from typing import Any, Final

from graph.geo import haversine_radians_km
from graph.kinds import OrgKind, PartnershipType
from loaders.synthetic.companies import Company
from loaders.synthetic.reference import Place, Structure

__all__ = [
    "AFFINITY",
    "PARTNERSHIPS_PER_KIND",
    "SUBTYPE_WEIGHTS",
    "DrawnPartnership",
    "Rule",
    "draw_partnerships",
]

_T = PartnershipType

PARTNERSHIPS_PER_KIND: Final[Mapping[OrgKind, float]] = {
    OrgKind.ACI: 3.0,
    OrgKind.EI: 5.0,
    OrgKind.AI: 4.0,
    OrgKind.ETTI: 5.0,
    OrgKind.EITI: 2.0,
    OrgKind.GEIQ: 4.0,
    OrgKind.EA: 3.0,
}

# Sector complementarity: NAF section × kind of structure, in [0.1, 1]. A section
# missing from a row weighs DEFAULT_AFFINITY.
DEFAULT_AFFINITY: Final = 0.15
AFFINITY: Final[Mapping[OrgKind, Mapping[str, float]]] = {
    # services markets: green spaces, cleaning, second works, recycling, market gardening
    OrgKind.ACI: {"A": 0.6, "C": 0.4, "E": 1.0, "F": 0.8, "G": 0.5, "H": 0.4, "I": 0.4, "L": 0.5, "N": 0.9,
                  "O": 0.6, "Q": 0.5},
    # the competitive field: production, services, recycling, construction
    OrgKind.EI: {"C": 0.9, "E": 0.9, "F": 0.9, "G": 0.6, "H": 0.7, "I": 0.6, "J": 0.3, "M": 0.3, "N": 0.8},
    # staff provision to individuals and professionals
    OrgKind.AI: {"F": 0.5, "G": 0.6, "H": 0.5, "I": 0.6, "L": 0.5, "N": 1.0, "O": 0.5, "P": 0.4, "Q": 0.8,
                 "S": 0.6},
    # temporary work: construction, transport, logistics (p. 9)
    OrgKind.ETTI: {"C": 0.8, "E": 0.6, "F": 1.0, "G": 0.5, "H": 1.0, "N": 0.7},
    OrgKind.EITI: {"C": 0.5, "F": 0.6, "G": 0.5, "J": 0.5, "M": 0.5, "N": 0.6, "S": 0.5},
    OrgKind.GEIQ: {"C": 0.7, "F": 0.9, "H": 0.8, "I": 0.6, "N": 0.6, "Q": 0.9},
    OrgKind.EA: {"C": 0.9, "G": 0.5, "J": 0.4, "N": 0.8},
}  # fmt: skip

SUBTYPE_WEIGHTS: Final[Mapping[OrgKind, Mapping[PartnershipType, float]]] = {
    OrgKind.ACI: {
        _T.ACHAT_RESPONSABLE: 0.30, _T.SOUS_TRAITANCE: 0.20, _T.PMSMP: 0.15, _T.RECRUTEMENT: 0.15,
        _T.MECENAT_NATURE: 0.08, _T.MECENAT_FINANCIER: 0.05, _T.MECENAT_COMPETENCES: 0.05,
        _T.COCONSTRUCTION: 0.02,
    },
    OrgKind.EI: {
        _T.SOUS_TRAITANCE: 0.30, _T.ACHAT_RESPONSABLE: 0.25, _T.COTRAITANCE: 0.15, _T.RECRUTEMENT: 0.12,
        _T.PMSMP: 0.08, _T.MECENAT_COMPETENCES: 0.05, _T.COCONSTRUCTION: 0.03, _T.JVS: 0.02,
    },
    OrgKind.AI: {
        _T.MISE_A_DISPOSITION: 0.45, _T.RECRUTEMENT: 0.25, _T.PMSMP: 0.15, _T.ACHAT_RESPONSABLE: 0.10,
        _T.MECENAT_FINANCIER: 0.05,
    },
    OrgKind.ETTI: {
        _T.MISE_A_DISPOSITION: 0.55, _T.RECRUTEMENT: 0.25, _T.PMSMP: 0.10, _T.COTRAITANCE: 0.05,
        _T.ACHAT_RESPONSABLE: 0.05,
    },
    OrgKind.EITI: {
        _T.ACHAT_RESPONSABLE: 0.4, _T.SOUS_TRAITANCE: 0.3, _T.COTRAITANCE: 0.2, _T.RECRUTEMENT: 0.1,
    },
    OrgKind.GEIQ: {_T.RECRUTEMENT: 0.5, _T.MISE_A_DISPOSITION: 0.3, _T.PMSMP: 0.2},
    OrgKind.EA: {
        _T.SOUS_TRAITANCE: 0.4, _T.ACHAT_RESPONSABLE: 0.3, _T.MISE_A_DISPOSITION: 0.2, _T.RECRUTEMENT: 0.1,
    },
}  # fmt: skip
# Multipliers of a subtype's weight by the company's section.
SECTION_TILT: Final[Mapping[str, Mapping[PartnershipType, float]]] = {
    "K": {_T.MECENAT_FINANCIER: 5.0, _T.MECENAT_COMPETENCES: 2.0},
    "F": {_T.COTRAITANCE: 3.0, _T.SOUS_TRAITANCE: 1.5},
    "M": {_T.MECENAT_COMPETENCES: 3.0},
    "G": {_T.ACHAT_RESPONSABLE: 1.5, _T.MECENAT_NATURE: 2.0},
}
FIRST_DAY: Final = date(2015, 1, 1)
LAST_DAY: Final = date(2024, 12, 31)


@dataclass(frozen=True, slots=True)
class Rule:
    """The parameters of the hidden rule (see the module docstring)."""

    radius_km: float = 40.0
    distance_scale_km: float = 12.0
    club_boost: float = 4.0
    ptce_boost: float = 6.0
    held_out_share: float = 0.2
    ended_share: float = 0.3

    def describe(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "weight": "exp(-d/distance_scale_km) * affinity[section][kind] * "
            "(1 + club_boost*shared_club + ptce_boost*shared_ptce), companies within radius_km",
            "partnerships_per_kind": {k.value: v for k, v in PARTNERSHIPS_PER_KIND.items()},
            "affinity": {k.value: dict(v) for k, v in AFFINITY.items()},
            "default_affinity": DEFAULT_AFFINITY,
            "subtype_weights": {
                k.value: {t.value: w for t, w in v.items()} for k, v in SUBTYPE_WEIGHTS.items()
            },
            "section_tilt": {s: {t.value: w for t, w in v.items()} for s, v in SECTION_TILT.items()},
        }


@dataclass(frozen=True, slots=True)
class DrawnPartnership:
    structure: str  # node id
    company: str  # node id
    subtype: PartnershipType
    start: date
    end: date | None
    distance_km: float
    section: str
    kind: OrgKind
    shared_club: bool
    shared_ptce: bool
    held_out: bool = field(default=False)

    def evidence(self) -> dict[str, Any]:
        return {
            "from": self.structure,
            "to": self.company,
            "subtype": self.subtype.value,
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "distance_km": round(self.distance_km, 3),
            "section": self.section,
            "kind": self.kind.value,
            "shared_club": self.shared_club,
            "shared_ptce": self.shared_ptce,
        }


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


_CELL: Final = 0.2  # degrees
_KM_PER_DEGREE: Final = 111.19  # of latitude, and of longitude at the equator


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return (math.floor(lat / _CELL), math.floor(lon / _CELL))


def draw_partnerships(
    rng: random.Random,
    structures: Sequence[Structure],
    companies: Sequence[Company],
    *,
    collectives: Mapping[str, Iterable[str]],
    rule: Rule | None = None,
) -> list[DrawnPartnership]:
    """Partnerships of every located structure, drawn by the rule; `collectives` maps a
    club or PTCE id to its members' node ids (structures and companies)."""
    rule = rule or Rule()
    # active companies by place, then section; and each place's weight for each kind
    groups: dict[str, dict[str, list[Company]]] = defaultdict(lambda: defaultdict(list))
    places = {}
    for company in companies:
        if company.active:
            groups[company.place.code][company.section].append(company)
            places[company.place.code] = company.place
    place_weight: dict[OrgKind, dict[str, float]] = {
        kind: {
            code: sum(
                table.get(section, DEFAULT_AFFINITY) * len(found) for section, found in by_section.items()
            )
            for code, by_section in groups.items()
        }
        for kind, table in AFFINITY.items()
    }
    # places on a grid, with their coordinates in radians for `haversine_radians_km`
    grid: dict[tuple[int, int], list[tuple[Place, float, float, float]]] = defaultdict(list)
    for code in sorted(places):
        p = places[code]
        phi = math.radians(p.latitude)
        grid[_cell(p.latitude, p.longitude)].append((p, phi, math.radians(p.longitude), math.cos(phi)))
    company_of = {c.node_id: c for c in companies if c.active}
    # who shares a club or a PTCE with whom
    clubs_of: dict[str, list[str]] = defaultdict(list)
    ptce_of: dict[str, list[str]] = defaultdict(list)
    for collective, members in sorted(collectives.items()):
        target = clubs_of if collective.startswith("org:club-") else ptce_of
        for member in sorted(set(members)):
            target[member].append(collective)
    members_of: dict[str, list[str]] = {k: sorted(set(v)) for k, v in collectives.items()}

    drawn: list[DrawnPartnership] = []
    reach_lat = math.ceil(rule.radius_km / (_KM_PER_DEGREE * _CELL))
    for structure in structures:
        if structure.latitude is None or structure.longitude is None:
            continue
        mean = PARTNERSHIPS_PER_KIND.get(structure.kind)
        if mean is None:
            continue
        wanted = _poisson(rng, mean)
        if wanted == 0:
            continue
        affinity = AFFINITY[structure.kind]
        weight_of = place_weight[structure.kind]
        lat, lon = structure.latitude, structure.longitude
        row, col = _cell(lat, lon)
        # a box of ± radius around the structure, then the exact distance
        dlat = rule.radius_km / _KM_PER_DEGREE
        dlon = rule.radius_km / (_KM_PER_DEGREE * max(math.cos(math.radians(abs(lat) + dlat)), 0.05))
        reach_lon = math.ceil(dlon / _CELL)
        phi, lam = math.radians(lat), math.radians(lon)
        cos_phi = math.cos(phi)
        entries: list[tuple[str, float]] = []  # (place, its weight for the structure)
        distance: dict[str, float] = {}
        for dr in range(-reach_lat, reach_lat + 1):
            for dc in range(-reach_lon, reach_lon + 1):
                for place, phi2, lam2, cos_phi2 in grid.get((row + dr, col + dc), ()):
                    if abs(place.latitude - lat) > dlat or abs(place.longitude - lon) > dlon:
                        continue
                    d = haversine_radians_km(phi, lam, cos_phi, phi2, lam2, cos_phi2)
                    if d > rule.radius_km:
                        continue
                    distance[place.code] = d
                    entries.append(
                        (place.code, math.exp(-d / rule.distance_scale_km) * weight_of[place.code])
                    )
        if not entries:
            continue
        # the boost of companies sharing a club or PTCE with the structure
        shared_club = {c for club in clubs_of.get(structure.node_id, ()) for c in members_of[club]}
        shared_ptce = {c for ptce in ptce_of.get(structure.node_id, ()) for c in members_of[ptce]}
        extra: list[tuple[Company, float]] = []
        for node_id in sorted(shared_club | shared_ptce):
            co_member = company_of.get(node_id)
            if co_member is None or co_member.place.code not in distance:
                continue
            boost = rule.club_boost * (node_id in shared_club) + rule.ptce_boost * (node_id in shared_ptce)
            near = math.exp(-distance[co_member.place.code] / rule.distance_scale_km)
            extra.append((co_member, near * affinity.get(co_member.section, DEFAULT_AFFINITY) * boost))
        base = list(accumulate(w for _, w in entries))
        boosted = list(accumulate(w for _, w in extra))
        total = base[-1] + (boosted[-1] if boosted else 0.0)
        chosen: dict[str, Company] = {}
        attempts = 0
        while len(chosen) < wanted and attempts < 20 * wanted:
            attempts += 1
            u = rng.random() * total
            if u < base[-1]:
                code = entries[min(bisect_right(base, u), len(entries) - 1)][0]
                by_section = groups[code]
                sections = list(by_section)
                within = list(
                    accumulate(affinity.get(x, DEFAULT_AFFINITY) * len(by_section[x]) for x in sections)
                )
                section = sections[min(bisect_right(within, rng.random() * within[-1]), len(sections) - 1)]
                pick = rng.choice(by_section[section])
            else:
                pick = extra[min(bisect_right(boosted, u - base[-1]), len(extra) - 1)][0]
            chosen.setdefault(pick.node_id, pick)
        for company in chosen.values():
            subtype = _subtype(rng, structure.kind, company.section)
            start = FIRST_DAY + timedelta(days=rng.randint(0, (LAST_DAY - FIRST_DAY).days))
            end = None
            if rng.random() < rule.ended_share:
                end = min(start + timedelta(days=rng.randint(180, 1460)), LAST_DAY)
            drawn.append(
                DrawnPartnership(
                    structure=structure.node_id,
                    company=company.node_id,
                    subtype=subtype,
                    start=start,
                    end=end,
                    distance_km=distance[company.place.code],
                    section=company.section,
                    kind=structure.kind,
                    shared_club=company.node_id in shared_club,
                    shared_ptce=company.node_id in shared_ptce,
                    held_out=rng.random() < rule.held_out_share,
                )
            )
    return drawn


def _subtype(rng: random.Random, kind: OrgKind, section: str) -> PartnershipType:
    weights = SUBTYPE_WEIGHTS[kind]
    tilt = SECTION_TILT.get(section, {})
    types = list(weights)
    cumulative = list(accumulate(weights[t] * tilt.get(t, 1.0) for t in types))
    return types[bisect_right(cumulative, rng.random() * cumulative[-1])]
