"""Partner candidates with their reasons: whom an SIAE should approach, for what, and
why — or, the other way round, which SIAE a company or a buyer should approach.

The scorer is log-linear and small: each candidate's score is the sum of the
contributions below, each shown to the user as a reason with its weight (its
contribution) and the graph facts it rests on. `docs/recommandation.md` documents the
weights and how they were chosen.

| reason | contribution |
|---|---|
| distance d km (unknown: the farthest, at most `UNKNOWN_DISTANCE_KM`) | -d / `DISTANCE_SCALE_KM` |
| sector propensity learned from the graph's partnerships | `W_PROPENSITY` x log(lift) |
| activity fit by the tables (recrutement, sous-traitance, cotraitance, coentreprise) | `W_FIT` |
| shared club, PTCE, Fabrique or group (each, at most 2) | `W_COLLECTIVE` |
| shared network (each, at most 2) | `W_NETWORK` |
| common partners (resource allocation) | `W_COMMON` x min(RA, 2) |
| size band (recrutement, mécénat, coentreprise) | `W_SIZE` x size value |
| past public contracts (DECP), see `queries.contracts` | `W_CPV`, `W_PAST`… |

The recommender reads the store's graph only: never the synthetic generator's rule
nor its ground-truth file (see `docs/recommandation.md`).
"""

from __future__ import annotations

import math
import unicodedata
import warnings
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from graph.geo import EARTH_RADIUS_KM
from graph.geo import distances_km as haversine_km
from graph.kinds import PartnershipType
from queries.contracts import Evidence, contract_index, contract_parts
from queries.introductions import introductions
from queries.org_network import PartnerNetwork
from queries.partner_index import (
    ANY_KIND,
    COMPANY,
    INCLUSIVE,
    NETWORKS,
    PUBLIC_BUYERS,
    SPONSORS,
    STRONG_COLLECTIVES,
    Objective,
    PartnerIndex,
    cached_index,
    partner_index,
    tie_slots,
)
from queries.partner_pruning import SLACK, PlaceGroups, Selection, place_groups, select, territory_facet

__all__ = [
    "COMPANY",
    "INCLUSIVE",
    "NETWORKS",
    "PUBLIC_BUYERS",
    "SPONSORS",
    "STRONG_COLLECTIVES",
    "AmbiguousActor",
    "Candidate",
    "Objective",
    "PartnerIndex",
    "Reason",
    "UnknownActor",
    "cached_index",
    "candidate_pool",
    "candidate_scores",
    "fact_datasets",
    "haversine_km",
    "partner_candidates",
    "partner_index",
    "prepared",
    "resolve_actor",
]

DISTANCE_SCALE_KM: Final = 10.0
UNKNOWN_DISTANCE_KM: Final = 30.0
W_PROPENSITY: Final = 1.0
W_FIT: Final = 0.3
W_COLLECTIVE: Final = 2.0
W_NETWORK: Final = 0.3
W_COMMON: Final = 0.5
W_SIZE: Final = 0.1

_SIZE_LABEL: Final[Mapping[str, str]] = {
    "00": "0 salarié", "01": "1 ou 2 salariés", "02": "3 à 5 salariés", "03": "6 à 9 salariés",
    "11": "10 à 19 salariés", "12": "20 à 49 salariés", "21": "50 à 99 salariés",
    "22": "100 à 199 salariés", "31": "200 à 249 salariés", "32": "250 à 499 salariés",
    "41": "500 à 999 salariés", "42": "1 000 à 1 999 salariés", "51": "2 000 à 4 999 salariés",
    "52": "5 000 à 9 999 salariés", "53": "10 000 salariés et plus",
}  # fmt: skip
_SIZED: Final = frozenset({Objective.RECRUTEMENT, Objective.MECENAT, Objective.COENTREPRISE})
# the objectives where the activity fit means something: the tables name the NAF divisions
# that employ a job or produce what an SIAE sells — a company of the trade, to hire from it,
# subcontract, co-contract or build with; a buyer or a sponsor need not be of the trade
_FITTED: Final = frozenset(
    {Objective.RECRUTEMENT, Objective.SOUS_TRAITANCE, Objective.COTRAITANCE, Objective.COENTREPRISE}
)


class UnknownActor(LookupError):
    """No organisation answers to this id, SIRET or name."""


class AmbiguousActor(LookupError):
    """Several organisations answer to this name: `matches` lists them (id, name, kind)."""

    def __init__(self, text: str, matches: Sequence[tuple[str, str, str]]) -> None:
        super().__init__(f"{len(matches)} organisations portent ce nom : {text}")
        self.matches = tuple(matches)


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason a candidate is there, in French, with its contribution to the score
    and the graph facts (`source REL target`) and datasets it rests on."""

    text: str
    weight: float
    facts: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Candidate:
    id: str
    name: str
    kind: str
    score: float
    distance_km: float | None
    reasons: tuple[Reason, ...]
    commune: str | None = None
    naf: str | None = None


def _fold(text: str) -> str:
    return " ".join(
        unicodedata.normalize("NFKD", text)
        .encode("ascii", "ignore")
        .decode()
        .lower()
        .replace("-", " ")
        .split()
    )


def resolve_actor(network: PartnerNetwork, text: str) -> str:
    """The id of the organisation named by `text`: an id, a SIRET, or a name (exact,
    then contained, ignoring case and accents). Raises `UnknownActor`, or
    `AmbiguousActor` listing the matches."""
    if text in network.index:
        return text
    if f"org:{text}" in network.index:
        return f"org:{text}"
    digits = text.replace(" ", "")
    if digits.isdigit():
        by_siret = [i for i, s in enumerate(network.facets["siret"]) if s == digits]
        if len(by_siret) == 1:
            return network.ids[by_siret[0]]
        if by_siret:
            raise AmbiguousActor(text, [_describe(network, i) for i in by_siret])
    wanted = _fold(text)
    labels = [_fold(str(label)) for label in network.graph.vs["label"]]
    exact = [i for i, label in enumerate(labels) if label == wanted]
    found = exact or [i for i, label in enumerate(labels) if wanted and wanted in label]
    if len(found) == 1:
        return network.ids[found[0]]
    if found:
        raise AmbiguousActor(text, [_describe(network, i) for i in found])
    raise UnknownActor(f"aucune organisation ne correspond à « {text} » (identifiant, SIRET ou nom)")


def _describe(network: PartnerNetwork, i: int) -> tuple[str, str, str]:
    vertex = network.graph.vs[i]
    return network.ids[i], str(vertex["label"]), str(vertex["kind"])


def _candidate_kinds(actor_kind: str, objective: Objective) -> frozenset[str]:
    if actor_kind not in INCLUSIVE:
        return INCLUSIVE  # a company or a buyer looking for inclusive suppliers or partners
    if objective is Objective.ACHAT:
        return COMPANY | PUBLIC_BUYERS
    if objective is Objective.COTRAITANCE:
        return COMPANY | INCLUSIVE
    if objective is Objective.MECENAT:
        return COMPANY | SPONSORS
    return COMPANY


ECONOMIC_TYPES: Final = frozenset(
    {
        PartnershipType.ACHAT_RESPONSABLE.value,
        PartnershipType.SOUS_TRAITANCE.value,
        PartnershipType.COTRAITANCE.value,
        PartnershipType.MISE_A_DISPOSITION.value,
    }
)


def fit_divisions(index: PartnerIndex, vertex: int, objective: Objective) -> tuple[frozenset[str], list[str]]:
    """The NAF divisions an inclusive employer's activity fits for an objective, and the
    codes they come from: its ROME jobs (for recrutement), its declared Marché sectors,
    the NAF divisions of the companies it already
    trades with (its activity as its partnerships reveal it), and its own NAF division."""
    facets = index.network.facets
    tables = index.tables
    divisions: set[str] = set()
    origins: list[str] = []
    if objective is Objective.RECRUTEMENT:
        for rome in facets["rome"][vertex] or ():
            divisions |= tables.naf_divisions_of_rome(str(rome))
            origins.append(str(rome))
    if objective is not Objective.RECRUTEMENT or not divisions:
        sectors = [str(s) for s in facets["secteurs"][vertex] or ()]
        own = index.division[vertex]
        for sector in sectors:
            divisions |= tables.naf_divisions_of_sector(sector)
        origins.extend(sectors[:2])
        for partner, types in sorted(index.partners[vertex].items()):
            division = index.division[partner]
            if division and types & ECONOMIC_TYPES and str(index.kinds[partner]) in COMPANY:
                if division not in divisions:
                    origins.append(f"partenaire {facets['naf'][partner]}")
                divisions.add(division)
        if own:
            divisions.add(own)
            origins.append(str(facets["naf"][vertex]))
    return frozenset(divisions), origins


def partner_candidates(
    graph: PartnerNetwork | PartnerIndex,
    actor: str,
    *,
    objective: Objective | str,
    territory: str | None = None,
    radius_km: float | None = None,
    kinds: Collection[str] | None = None,
    limit: int = 20,
    with_introductions: bool = True,
    pruned: bool = True,
) -> list[Candidate]:
    """Rank the organisations `actor` should approach for `objective`, best first.

    Candidates are the organisations of `kinds` (by default: companies — and public
    buyers for `achat`, sponsors for `mecenat`, SIAE too for `cotraitance` — or, for a
    company or buyer, the inclusive employers) within `radius_km` of the actor and in
    `territory` (a commune or département id), that are not already its partners.
    Only the candidates that can reach the best `limit` are scored (see
    `queries.partner_pruning`); `pruned=False` scores the whole pool, the reference the
    pruning is checked against: both give the same candidates, scores and reasons.
    """
    index = graph if isinstance(graph, PartnerIndex) else cached_index(graph)
    objective = Objective(objective)
    network = index.network
    s, candidates, distance, parts, total = _scored(
        index, actor, objective, kinds=kinds, radius_km=radius_km, territory=territory,
        limit=limit if pruned else None,
    )  # fmt: skip
    if not len(candidates):
        return []
    order = _best(total, candidates, limit)
    out = []
    for rank in order:
        c = int(candidates[rank])
        reasons = [
            reason
            for name, (values, explain) in parts.items()
            if (reason := explain(c, float(values[rank]))) is not None
        ]
        if with_introductions:
            reasons.extend(_introduction_reason(index, s, c))
        reasons.sort(key=lambda r: -abs(r.weight))
        out.append(
            Candidate(
                network.ids[c],
                str(network.graph.vs[c]["label"]),
                str(index.kinds[c]),
                round(float(total[rank]), 4),
                None if math.isnan(distance[c]) else round(float(distance[c]), 2),
                tuple(reasons),
                network.facets["commune"][c],
                network.facets["naf"][c],
            )
        )
    return out


def prepared(index: PartnerIndex) -> PartnerIndex:
    """`index` with what the first ranking would build on it built now (the
    resource-allocation degrees, the contract facets, the candidates' trees): a server
    does it before serving."""
    _degrees(index)
    contract_index(index)
    place_groups(index)
    return index


Scored = tuple[int, NDArray[np.int64], NDArray[np.float64], dict[str, tuple[NDArray[np.float64], "Explain"]],
               NDArray[np.float64]]  # fmt: skip


def _scored(
    index: PartnerIndex,
    actor: str,
    objective: Objective,
    *,
    kinds: Collection[str] | None,
    radius_km: float | None,
    territory: str | None,
    limit: int | None,
) -> Scored:
    """The actor's vertex, the candidates scored, the distances, each reason's
    contribution and their sum. With `limit`, only the candidates
    `queries.partner_pruning.select` keeps for the best `limit`; the whole pool when
    `limit` is None, when nothing can be pruned, or when a kept candidate's reasons
    fall outside the bounds it was kept under (a reason changed without its bound)."""
    if limit is not None:
        s = _vertex(index, actor)
        places = place_groups(index)
        low, high = _reason_bounds(index, s, objective, places)
        chosen = select(
            index, s, _wanted(index, s, objective, kinds), scale=DISTANCE_SCALE_KM,
            unknown_km=UNKNOWN_DISTANCE_KM, low=low, high=high, evidence=_evidence(index, s, places),
            limit=limit, radius_km=radius_km, territory=territory,
        )  # fmt: skip
        if chosen is not None:
            parts = _contributions(index, s, chosen.candidates, objective, chosen.distance)
            total = _summed([p for p, _ in parts.values()])
            if _within_bounds(places, chosen, parts["distance"][0], total, low, high):
                return s, chosen.candidates, chosen.distance, parts, total
            warnings.warn(
                f"partner pruning: a candidate of {actor} ({objective}) scored outside its bounds; "
                "the whole pool was scored (update queries.partners._reason_bounds)",
                RuntimeWarning,
                stacklevel=3,
            )
    s, candidates, distance = candidate_pool(index, actor, objective, kinds=kinds, radius_km=radius_km,
                                             territory=territory)  # fmt: skip
    if not len(candidates):
        return s, candidates, distance, {}, np.zeros(0)
    parts = _contributions(index, s, candidates, objective, distance)
    return s, candidates, distance, parts, _summed([p for p, _ in parts.values()])


def _reason_bounds(
    index: PartnerIndex, s: int, objective: Objective, places: PlaceGroups
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per group of `places` (kind, NAF division), the least and the most a candidate
    with no graph evidence (see `_evidence`) gets from the reasons of `_contributions`
    other than distance, from the weights: for an inclusive actor the propensity (of the
    group's NAF section) and the activity fit (of its division) are the group's; for a
    company or a buyer the propensity is the group's kind's and the fit, which comes from
    each candidate's own activity, is 0 or `W_FIT` (no fit outside `_FITTED`); the size
    from the group's size bands."""
    if str(index.kinds[s]) in INCLUSIVE:
        table = np.array([_log_lift(index, objective, str(index.kinds[s]), sec) for sec in index.sections])
        propensity = W_PROPENSITY * table[places.section_code]
        divisions, _ = fit_divisions(index, s, objective) if objective in _FITTED else (frozenset(), [])
        fit_low = fit_high = np.where(np.isin(places.division, sorted(divisions)), W_FIT, 0.0)
    else:
        section = str(index.section[s])
        lifts = {k: W_PROPENSITY * _log_lift(index, objective, k, section) for k in set(places.kind)}
        propensity = np.array([lifts[k] for k in places.kind], dtype=np.float64)
        fitted = W_FIT if objective in _FITTED else 0.0
        fit_low = np.full(len(propensity), min(fitted, 0.0))
        fit_high = np.full(len(propensity), max(fitted, 0.0))
    size_low = size_high = np.zeros(len(propensity))
    if objective in _SIZED:
        size_low = np.minimum(W_SIZE * places.size_low, W_SIZE * places.size_high)
        size_high = np.maximum(W_SIZE * places.size_low, W_SIZE * places.size_high)
    return propensity + fit_low + size_low, propensity + fit_high + size_high


def _evidence(index: PartnerIndex, s: int, places: PlaceGroups) -> NDArray[np.int64]:
    """The vertices that may get a graph reason with `s` in `_contributions` (no other
    does): its neighbours' neighbours (shared collectives, common partners) and, when the
    network holds public contracts, every organisation holding or awarding one."""
    found, _ = _allocation_row(index, s)
    contracts = contract_index(index)
    if contracts.division:
        if "contracts" not in places.memo:
            places.memo["contracts"] = np.flatnonzero(
                [bool(h) or bool(a) for h, a in zip(contracts.held, contracts.awarded, strict=True)]
            )
        found = np.union1d(found, places.memo["contracts"])
    return found


def _allocation_row(index: PartnerIndex, s: int) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """The resource allocation from `s` to its neighbours' neighbours: the vertices (sorted)
    and the sum, over their common neighbours x, of 1 / degree(x). The row of `s` in
    adjacency @ `_degrees`'s scaled adjacency, added in the same order (neighbours in
    order, then each one's ties), without sparse products' columns over every vertex."""
    degree, _ = _degrees(index)
    indptr, indices = index.adjacency.indptr, index.adjacency.indices
    near = indices[indptr[s] : indptr[s + 1]].astype(np.int64)
    at, lengths = tie_slots(index.adjacency, near)
    if not len(at):
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    inverse = np.divide(1.0, degree[near], out=np.zeros(len(near)), where=degree[near] > 0)
    found, position = np.unique(indices[at].astype(np.int64), return_inverse=True)
    sums = np.bincount(position.reshape(-1), weights=np.repeat(inverse, lengths))
    return found, np.asarray(sums, dtype=np.float64)


def _within_bounds(
    places: PlaceGroups,
    chosen: Selection,
    near: NDArray[np.float64],
    total: NDArray[np.float64],
    low: NDArray[np.float64],
    high: NDArray[np.float64],
) -> bool:
    """Whether every kept candidate without evidence scored as `select` bounded it: its
    distance term -d / `DISTANCE_SCALE_KM`, its other reasons within its group's bounds."""
    plain = ~np.isin(chosen.candidates, chosen.evidence)
    d = chosen.distance[chosen.candidates]
    placed = plain & ~np.isnan(d)
    if not np.all(np.abs(near[placed] + d[placed] / DISTANCE_SCALE_KM) <= SLACK):
        return False
    g = places.group_of[chosen.candidates[plain]]
    rest = (total - near)[plain]
    return bool(np.all((rest >= low[g] - SLACK) & (rest <= high[g] + SLACK)))


def _summed(columns: Sequence[NDArray[np.float64]]) -> NDArray[np.float64]:
    """The columns' sum, added in order (as `np.sum(columns, axis=0)`, without stacking them)."""
    total = np.array(columns[0], dtype=np.float64)
    for column in columns[1:]:
        total += column
    return total


def _best(total: NDArray[np.float64], candidates: NDArray[np.int64], limit: int) -> NDArray[np.int64]:
    """The ranks of the `limit` best candidates, highest total first, then by vertex:
    `np.lexsort((candidates, -total))[:limit]`, without sorting every candidate (a
    national pool holds hundreds of thousands)."""
    key = -total
    if len(key) > 4 * limit:
        kth = np.partition(key, limit - 1)[limit - 1]
        if not math.isnan(kth):
            kept = np.flatnonzero(key <= kth)  # ties with the last one kept included
            ranks: NDArray[np.int64] = kept[np.lexsort((candidates[kept], key[kept]))][:limit]
            return ranks
    everything: NDArray[np.int64] = np.lexsort((candidates, key))[:limit]
    return everything


def candidate_pool(
    index: PartnerIndex,
    actor: str,
    objective: Objective,
    *,
    kinds: Collection[str] | None = None,
    radius_km: float | None = None,
    territory: str | None = None,
) -> tuple[int, NDArray[np.int64], NDArray[np.float64]]:
    """The actor's vertex, the candidate vertices (see `partner_candidates`) and the
    distance from the actor to every vertex (NaN where unknown; with `radius_km`, only
    the vertices of the bounding box of the radius are measured, NaN elsewhere)."""
    network = index.network
    s = _vertex(index, actor)
    mask = _kind_mask(index, _wanted(index, s, objective, kinds))
    mask[s] = False
    mask[list(index.partners[s])] = False
    distance = np.full(len(mask), np.nan)
    lat, lon = float(index.latitude[s]), float(index.longitude[s])
    if not math.isnan(lat):
        if radius_km is None:
            distance = haversine_km(lat, lon, index.latitude, index.longitude)
        else:
            # a box around the actor first: the haversine of the national graph is the cost
            dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
            dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
            box = np.flatnonzero(
                mask & (np.abs(index.latitude - lat) <= dlat) & (np.abs(index.longitude - lon) <= dlon)
            )
            distance[box] = haversine_km(lat, lon, index.latitude[box], index.longitude[box])
    if radius_km is not None:
        mask &= distance <= radius_km
    if territory is not None:
        mask &= _in_territory(network, territory)
    return s, np.flatnonzero(mask), distance


def _vertex(index: PartnerIndex, actor: str) -> int:
    if actor not in index.network.index:
        raise UnknownActor(f"organisation inconnue : {actor}")
    return index.network.index[actor]


def _wanted(
    index: PartnerIndex, s: int, objective: Objective, kinds: Collection[str] | None
) -> frozenset[str]:
    return frozenset(kinds) if kinds is not None else _candidate_kinds(str(index.kinds[s]), objective)


def _kind_mask(index: PartnerIndex, wanted: frozenset[str]) -> NDArray[np.bool_]:
    """The vertices of the `wanted` kinds (a fresh array, computed once per set of kinds)."""
    held = index.kind_masks.get(wanted)
    if held is None:
        held = index.kind_masks[wanted] = np.isin(index.kinds, list(wanted))
    return held.copy()


def candidate_scores(
    index: PartnerIndex,
    s: int,
    candidates: NDArray[np.int64],
    objective: Objective,
    distance: NDArray[np.float64],
) -> dict[str, NDArray[np.float64]]:
    """Each reason's contribution for every candidate (their sum is the score)."""
    return {
        name: values
        for name, (values, _) in _contributions(index, s, candidates, objective, distance).items()
    }


def _in_territory(network: PartnerNetwork, territory: str) -> NDArray[np.bool_]:
    column = network.facets[territory_facet(territory)]
    return np.array([value == territory for value in column], dtype=bool)


Explain = Any  # (vertex, contribution) -> Reason | None


def _contributions(
    index: PartnerIndex,
    s: int,
    candidates: NDArray[np.int64],
    objective: Objective,
    distance: NDArray[np.float64],
) -> dict[str, tuple[NDArray[np.float64], Explain]]:
    network = index.network
    facets = network.facets
    label = index.labels
    parts: dict[str, tuple[NDArray[np.float64], Explain]] = {}

    d = distance[candidates]
    known = ~np.isnan(d)
    # an unknown place counts as the farthest candidate, at most UNKNOWN_DISTANCE_KM away:
    # holders known only by their SIRET (DECP) are not pushed to the end of the list
    far = min(float(np.nanmax(d)), UNKNOWN_DISTANCE_KM) if known.any() else 0.0
    parts["distance"] = (
        -np.where(known, d, far) / DISTANCE_SCALE_KM,
        lambda c, w: (
            Reason(
                f"à {_num(float(distance[c]))} km",
                w,
                (
                    f"{network.ids[s]} LOCATED_IN {facets['commune'][s]}",
                    f"{network.ids[c]} LOCATED_IN {facets['commune'][c]}",
                ),
            )
            if not math.isnan(distance[c])
            else Reason(
                "distance inconnue (lieu non renseigné)"
                + (f" : {_num(-w * DISTANCE_SCALE_KM)} km" if w else ""),
                w,
            )
        ),
    )

    inclusive_actor = str(index.kinds[s]) in INCLUSIVE
    propensity = np.zeros(len(candidates))
    if inclusive_actor:
        table = np.array([_log_lift(index, objective, str(index.kinds[s]), sec) for sec in index.sections])
        propensity = W_PROPENSITY * table[index.section_code[candidates]]
    else:
        candidate_kinds = index.kinds[candidates]
        for kind in np.unique(candidate_kinds).tolist():
            propensity[candidate_kinds == kind] = W_PROPENSITY * _log_lift(
                index, objective, kind, str(index.section[s])
            )

    def explain_propensity(c: int, w: float) -> Reason | None:
        if w == 0.0:
            return None
        kind, sec = (
            (index.kinds[s], index.section[c]) if inclusive_actor else (index.kinds[c], index.section[s])
        )
        lift = index.propensity[(objective.value, str(kind), str(sec))]
        how = f"{_num(lift)} fois plus" if lift >= 1 else f"{_num(1 / lift)} fois moins"
        seen = index.observed.get((objective.value, str(kind), str(sec)), 0)
        company = c if inclusive_actor else s
        every = index.observed.get(("*", str(kind), str(sec)), 0)
        pooled = index.observed.get(("*", ANY_KIND, str(sec)), 0)
        return Reason(
            f"section NAF {sec} : {how} souvent partenaire des {kind} en {objective.label} que sa part "
            f"des entreprises ({seen} partenariat(s) de ce type observé(s), {every} en tout, "
            f"{pooled} avec toutes les structures inclusives)",
            w,
            (f"{network.ids[company]} IN_SECTOR {facets['naf'][company]}",),
        )

    parts["propension"] = (propensity, explain_propensity)

    fit = np.zeros(len(candidates))
    origin: dict[int, tuple[int, list[str]]] = {}
    if objective in _FITTED and inclusive_actor:
        divisions, codes = fit_divisions(index, s, objective)
        fit = np.where(np.isin(index.division_code[candidates], sorted(divisions)), W_FIT, 0.0)
        origin = _SelfOrigin(s, codes)
    elif objective in _FITTED:
        for j, c in enumerate(candidates.tolist()):
            divisions, codes = fit_divisions(index, c, objective)
            if index.division[s] in divisions:
                fit[j] = W_FIT
                origin[c] = (c, codes)

    def explain_fit(c: int, w: float) -> Reason | None:
        if w == 0.0:
            return None
        siae, codes = origin[c]
        company = c if siae == s else s
        return Reason(
            f"activité compatible : NAF {_code(facets['naf'][company])} de {label[company]} ↔ "
            f"{', '.join(_code(x) for x in codes[:3])} de {label[siae]} (tables de correspondance)",
            w,
            (f"{network.ids[company]} IN_SECTOR {facets['naf'][company]}",),
            ("data/correspondances",),
        )

    parts["activite"] = (fit, explain_fit)

    shared: dict[int, list[int]] = defaultdict(list)
    for collective in index.collectives[s]:
        for member in index.members.get(collective, ()):
            shared[member].append(collective)
    degree, _ = _degrees(index)
    kind_of = {x: str(index.kinds[x]) for x in index.collectives[s]}
    share_of = {x: 1.0 / degree[x] if degree[x] else 0.0 for x in index.collectives[s]}
    members = np.fromiter(shared, dtype=np.int64, count=len(shared))
    counts: list[tuple[int, int, float]] = []  # strong, weak, resource-allocation share of the shared
    for held in shared.values():
        strong, weak, share = 0, 0, 0.0
        for x in held:
            if kind_of[x] in STRONG_COLLECTIVES:
                strong += 1
            elif kind_of[x] in NETWORKS:
                weak += 1
            share += share_of[x]
        counts.append((strong, weak, share))
    columns = np.array(counts, dtype=np.float64).reshape(-1, 3).T
    strong_count, weak_count, shared_share = (_gathered(members, column, candidates) for column in columns)
    together = W_COLLECTIVE * np.minimum(strong_count, 2) + W_NETWORK * np.minimum(weak_count, 2)

    def explain_shared(c: int, w: float) -> Reason | None:
        if w == 0.0:
            return None
        names = [f"{label[x]} ({index.kinds[x]})" for x in shared[c]]
        facts = tuple(f"{network.ids[m]} MEMBER_OF {network.ids[x]}" for x in shared[c] for m in (s, c))
        return Reason(f"membres tous deux de {', '.join(names)}", w, facts, fact_datasets(index, facts))

    parts["collectifs"] = (together, explain_shared)

    # collectives count above: their share is removed so a club does not count twice
    ra = np.clip(_gathered(*_allocation_row(index, s), candidates) - shared_share, 0.0, None)
    parts["voisins"] = (
        W_COMMON * np.minimum(ra, 2.0),
        lambda c, w: _explain_common(index, s, c, w, set(shared.get(c, ()))),
    )

    if objective in _SIZED:
        size = index.size_value[candidates]
        parts["taille"] = (
            W_SIZE * size,
            lambda c, w: Reason(
                f"taille : {_SIZE_LABEL[str(facets['tranche'][c])]} (tranche {facets['tranche'][c]})", w,
                (f"{network.ids[c]} tranche {facets['tranche'][c]}",),
            )
            if w > 0
            else None,
        )  # fmt: skip
    for name, (values, evidence) in contract_parts(index, s, candidates, objective).items():
        parts[name] = (values, _as_reason(evidence))
    return parts


def _gathered(
    keys: NDArray[np.int64], values: NDArray[np.float64], candidates: NDArray[np.int64]
) -> NDArray[np.float64]:
    """The value of each candidate in (`keys`, `values`), 0 where it is not a key: a few
    keys looked up for many candidates without a column over every vertex."""
    out = np.zeros(len(candidates))
    if len(keys):
        order = np.argsort(keys)
        keys, values = keys[order], values[order]
        at = np.minimum(np.searchsorted(keys, candidates), len(keys) - 1)
        hit = keys[at] == candidates
        out[hit] = values[at[hit]]
    return out


def _as_reason(evidence: Callable[[int, float], Evidence | None]) -> Explain:
    def explain(c: int, w: float) -> Reason | None:
        found = evidence(c, w)
        return None if found is None else Reason(found[0], w, found[1], found[2])

    return explain


def _degrees(index: PartnerIndex) -> tuple[NDArray[np.float64], sp.csr_array]:
    """Each vertex's number of ties, and the adjacency with each row scaled by 1 / degree
    (resource allocation), computed once per index."""
    if index.degree_cache is None:
        degree = np.diff(index.adjacency.indptr).astype(np.float64)
        inverse = np.divide(1.0, degree, out=np.zeros_like(degree), where=degree > 0)
        index.degree_cache = (degree, sp.csr_array(sp.diags_array(inverse) @ index.adjacency))
    found: tuple[NDArray[np.float64], sp.csr_array] = index.degree_cache
    return found


class _SelfOrigin(dict[int, tuple[int, list[str]]]):
    """Every candidate's fit comes from the actor's own activity."""

    def __init__(self, actor: int, codes: list[str]) -> None:
        super().__init__()
        self.value = (actor, codes)

    def __getitem__(self, key: int) -> tuple[int, list[str]]:
        return self.value


def _log_lift(index: PartnerIndex, objective: Objective, kind: str, section: str) -> float:
    lift = index.propensity.get((objective.value, kind, section))
    return math.log(lift) if lift else 0.0


def _explain_common(index: PartnerIndex, s: int, c: int, w: float, collectives: set[int]) -> Reason | None:
    if w <= 0.0:
        return None
    network = index.network
    label = index.labels
    row_s = set(index.adjacency[[s]].indices.tolist())
    common = sorted(set(index.adjacency[[c]].indices.tolist()) & row_s - collectives)
    facts = tuple(
        f"{network.ids[a]} {rel} {network.ids[b]}"
        for x in common
        for a, b in ((s, x), (x, s), (c, x), (x, c))
        for rel, _, _ in index.ties.get((a, b), ())
    )
    shown = ", ".join(str(label[x]) for x in common[:3]) + ("…" if len(common) > 3 else "")
    return Reason(f"{len(common)} relation(s) en commun : {shown}", w, facts, fact_datasets(index, facts))


def fact_datasets(index: PartnerIndex, facts: Sequence[str]) -> tuple[str, ...]:
    found: set[str] = set()
    network = index.network
    for fact in facts:
        a, rel, b = fact.split(" ")
        for r, _, sources in index.ties.get((network.index[a], network.index[b]), ()):
            if r == rel:
                found.update(sources)
    return tuple(sorted(found))


def _code(text: object) -> str:
    """A code as a person reads it: `naf:81.30Z` → `81.30Z`, `rome:K2204` → `K2204`,
    `secteur:…` → its slug."""
    return str(text).split(":", 1)[-1]


def _num(value: float) -> str:
    """A number with one decimal, written the French way."""
    return f"{value:.1f}".replace(".", ",")


def _introduction_reason(index: PartnerIndex, s: int, c: int) -> list[Reason]:
    found = introductions(index, index.network.ids[s], index.network.ids[c], max_hops=3, limit=1)
    if not found:
        return []
    best = found[0]
    return [Reason(f"introduction possible : {best.text}", 0.0, best.facts, best.datasets)]
