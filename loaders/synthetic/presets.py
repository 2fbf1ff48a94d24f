"""Presets: what to generate, for one département or for France.

A preset holds national targets (the guide's figures) and a scope. A département gets
its share of the national figures by population; France gets them whole:
300,000 companies, 95 clubs with 15,000 member companies, 56 PTCE, 30 Fabriques.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from loaders.synthetic.reference import Reference

__all__ = ["GUIDE_CLUB_MEMBERS", "Plan", "Preset", "departement", "national", "plan"]

# Club members the guide names (p. 35–37): Boutique Boulot (Troyes) joined the Aube club.
GUIDE_CLUB_MEMBERS: Final[Mapping[str, tuple[str, ...]]] = {"10": ("34267885100045",)}


@dataclass(frozen=True, slots=True)
class Preset:
    """What to generate. `departements` None means all of France."""

    name: str
    departements: tuple[str, ...] | None
    companies: int = 300_000
    clubs: int = 95
    club_members: int = 15_000
    ptce: int = 56
    fabriques: int = 30
    club_anchors: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(GUIDE_CLUB_MEMBERS))


def departement(code: str) -> Preset:
    """One département around its real structures, with its population share of the
    national figures (at least one club, one PTCE and one Fabrique)."""
    code = code.upper().zfill(2) if code.isdigit() else code.upper()
    return Preset(f"departement-{code.lower()}", (code,))


def national() -> Preset:
    """France: every real structure, and the guide's national figures."""
    return Preset("national", None)


@dataclass(frozen=True, slots=True)
class Plan:
    """The counts a preset comes to on the reference data."""

    departements: tuple[str, ...]  # in scope
    companies: int
    club_members: Mapping[str, int]  # département with a club → member companies
    ptce: tuple[str, ...]  # the département of each PTCE
    fabriques: tuple[str, ...]  # the département of each Fabrique


def _largest_remainder(total: int, weights: Mapping[str, float]) -> dict[str, int]:
    """`total` split in proportion to `weights`, in integers summing to `total`.

    >>> _largest_remainder(10, {"a": 1.0, "b": 1.0, "c": 1.0})
    {'a': 4, 'b': 3, 'c': 3}
    """
    whole = sum(weights.values())
    exact = {k: total * w / whole for k, w in weights.items()}
    shares = {k: math.floor(v) for k, v in exact.items()}
    left = total - sum(shares.values())
    for k in sorted(exact, key=lambda k: (-(exact[k] - shares[k]), k))[:left]:
        shares[k] += 1
    return shares


def plan(preset: Preset, reference: Reference) -> Plan:
    """The counts of `preset` on `reference`."""
    population: dict[str, int] = {}
    for place in reference.places:
        population[place.departement] = population.get(place.departement, 0) + place.population
    france = sum(population.values())
    if preset.departements is None:
        scope = tuple(sorted(population))
        ranked = sorted(scope, key=lambda d: (-population[d], d))
        with_club = sorted(ranked[: preset.clubs])
        members = _largest_remainder(preset.club_members, {d: float(population[d]) for d in with_club})
        ptce_split = _largest_remainder(preset.ptce, {d: float(population[d]) for d in scope})
        ptce = tuple(d for d in scope for _ in range(ptce_split[d]))
        return Plan(
            scope,
            preset.companies,
            members,
            ptce,
            _fabrique_departements(preset.fabriques, reference, population),
        )
    scope = tuple(d for d in preset.departements if d in population)
    missing = sorted(set(preset.departements) - set(scope))
    if missing:
        raise ValueError(f"département(s) inconnu(s) : {', '.join(missing)}")
    share = sum(population[d] for d in scope) / france
    members = {d: max(1, round(preset.club_members * population[d] / france)) for d in scope}
    n_ptce = max(1, round(preset.ptce * share))
    ptce_split = _largest_remainder(n_ptce, {d: float(population[d]) for d in scope})
    return Plan(
        departements=scope,
        companies=round(preset.companies * share),
        club_members=members,
        ptce=tuple(d for d in scope for _ in range(ptce_split[d])),
        fabriques=scope[: max(1, min(len(scope), round(preset.fabriques * share)))],
    )


def _fabrique_departements(
    count: int, reference: Reference, population: Mapping[str, int]
) -> tuple[str, ...]:
    """One Fabrique per région, in its most populous département; the rest go to the
    most populous régions, in their second most populous département."""
    by_region: dict[str, list[str]] = {}
    for dep, (_, region) in reference.departements.items():
        if dep in population:
            by_region.setdefault(region, []).append(dep)
    ranked: dict[str, Sequence[str]] = {
        r: sorted(deps, key=lambda d: (-population[d], d)) for r, deps in sorted(by_region.items())
    }
    chosen = [deps[0] for deps in ranked.values()]
    weight = {r: sum(population[d] for d in deps) for r, deps in ranked.items()}
    for region in sorted(ranked, key=lambda r: (-weight[r], r)):
        if len(chosen) >= count:
            break
        if len(ranked[region]) > 1:
            chosen.append(ranked[region][1])
    return tuple(sorted(chosen[:count]))
