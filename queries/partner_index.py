"""The partner recommender's index of a network: what the scorer needs, computed once
per network (kinds, positions, NAF sections, adjacency, partnerships, collectives, the
ties' datasets) and the sector propensities learned from the graph's partnerships.
`queries.partners` scores with it; `queries.introductions` walks its adjacency."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from graph.kinds import OrgKind, PartnershipType, RelKind
from queries.correspondences import Correspondences, correspondences, naf_division, naf_section
from queries.linkpred import adjacency_from_edges
from queries.org_network import PartnerNetwork

__all__ = [
    "COMPANY",
    "INCLUSIVE",
    "NETWORKS",
    "PUBLIC_BUYERS",
    "SPONSORS",
    "STRONG_COLLECTIVES",
    "Objective",
    "PartnerIndex",
    "cached_index",
    "partner_index",
    "tie_slots",
]

PRIOR_STRENGTH: Final = 4.0  # pseudo-partnerships pulling a lift towards the broader one (then 1)
ANY_KIND: Final = "*"  # the lifts and counts over every kind of inclusive employer

_T = PartnershipType


class Objective(StrEnum):
    """What the partnership is for (the guide's partnership forms)."""

    RECRUTEMENT = "recrutement"
    ACHAT = "achat"
    SOUS_TRAITANCE = "sous-traitance"
    COTRAITANCE = "cotraitance"
    COENTREPRISE = "coentreprise"
    MECENAT = "mecenat"

    @property
    def types(self) -> frozenset[PartnershipType]:
        """The partnership types that realise this objective."""
        return _TYPES[self]

    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def of_type(cls, partnership: PartnershipType) -> Objective | None:
        return next((o for o in cls if partnership in o.types), None)


_TYPES: Final[Mapping[Objective, frozenset[PartnershipType]]] = {
    Objective.RECRUTEMENT: frozenset({_T.RECRUTEMENT, _T.PMSMP, _T.MISE_A_DISPOSITION}),
    Objective.ACHAT: frozenset({_T.ACHAT_RESPONSABLE}),
    Objective.SOUS_TRAITANCE: frozenset({_T.SOUS_TRAITANCE}),
    Objective.COTRAITANCE: frozenset({_T.COTRAITANCE}),
    Objective.COENTREPRISE: frozenset({_T.JVS, _T.COCONSTRUCTION}),
    Objective.MECENAT: frozenset({_T.MECENAT_FINANCIER, _T.MECENAT_COMPETENCES, _T.MECENAT_NATURE}),
}
_LABELS: Final[Mapping[Objective, str]] = {
    Objective.RECRUTEMENT: "recrutement",
    Objective.ACHAT: "achat responsable",
    Objective.SOUS_TRAITANCE: "sous-traitance",
    Objective.COTRAITANCE: "cotraitance",
    Objective.COENTREPRISE: "coentreprise",
    Objective.MECENAT: "mécénat",
}

INCLUSIVE: Final = frozenset(k.value for k in OrgKind.inclusive_employers())
COMPANY: Final = frozenset({OrgKind.ENTREPRISE.value})
PUBLIC_BUYERS: Final = frozenset(k.value for k in OrgKind.public_bodies()) | {"AcheteurPublic"}
SPONSORS: Final = frozenset({OrgKind.FONDATION.value, OrgKind.BANQUE.value, OrgKind.INVESTISSEUR.value})
STRONG_COLLECTIVES: Final = frozenset(
    {OrgKind.CLUB.value, OrgKind.PTCE.value, OrgKind.FABRIQUE.value, OrgKind.GROUPE.value}
)
NETWORKS: Final = frozenset(
    {OrgKind.RESEAU.value, OrgKind.DELEGATION_REGIONALE.value, OrgKind.INTER_RESEAU.value}
)
_SIZE_VALUE: Final[Mapping[str, float]] = {
    "00": 0.0, "01": 0.1, "02": 0.2, "03": 0.3, "11": 0.5, "12": 0.6, "21": 0.8, "22": 0.9,
    "31": 1.0, "32": 1.0, "41": 1.0, "42": 1.0, "51": 1.0, "52": 1.0, "53": 1.0,
}  # fmt: skip


@dataclass(eq=False)
class PartnerIndex:
    """Everything the scorer needs, computed once per network."""

    network: PartnerNetwork
    tables: Correspondences
    kinds: NDArray[np.str_]
    latitude: NDArray[np.float64]
    longitude: NDArray[np.float64]
    division: list[str | None]
    section: NDArray[np.str_]
    adjacency: sp.csr_array
    partners: list[dict[int, set[str]]]  # vertex -> partner vertex -> partnership types
    collectives: list[list[int]]  # vertex -> collectives it is a member of
    members: dict[int, list[int]]  # collective -> its members
    ties: dict[tuple[int, int], list[tuple[str, str, tuple[str, ...]]]]  # (u, v) -> (rel, key, sources)
    propensity: dict[tuple[str, str, str], float] = field(default_factory=dict)  # (objective, kind, section)
    section_share: dict[str, float] = field(default_factory=dict)
    observed: dict[tuple[str, str, str], int] = field(default_factory=dict)  # partnerships counted
    sections: list[str] = field(default_factory=list)  # section letters, "" for unknown
    section_code: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    division_code: NDArray[np.str_] = field(default_factory=lambda: np.zeros(0, dtype="<U2"))
    size_value: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    contract_cache: Any = None  # `queries.contracts.ContractIndex`, built on first use
    kind_masks: dict[frozenset[str], NDArray[np.bool_]] = field(default_factory=dict)  # kinds -> vertices
    degree_cache: Any = None  # (degrees, adjacency scaled by 1 / degree), see `queries.partners`
    labels: list[str] = field(default_factory=list)  # vertex -> display name (read once from the graph)
    places: Any = None  # `queries.partner_pruning.PlaceGroups`, built on first use


def partner_index(network: PartnerNetwork, *, tables: Correspondences | None = None) -> PartnerIndex:
    """Prepare a network for `partner_candidates` (done once; the queries are then fast)."""
    g = network.graph
    n = g.vcount()
    facets = network.facets
    kinds = np.array(g.vs["kind"], dtype=object).astype(str)
    latitude = np.array([np.nan if x is None else float(x) for x in facets["latitude"]], dtype=np.float64)
    longitude = np.array([np.nan if x is None else float(x) for x in facets["longitude"]], dtype=np.float64)
    division = [None if x is None else naf_division(str(x)) for x in facets["naf"]]
    section = np.array([(naf_section(d) or "") if d else "" for d in division], dtype=object).astype(str)
    edges = np.array(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    rels = g.es["rel"] if g.ecount() else []
    keys = g.es["key"] if g.ecount() and "key" in g.es.attributes() else [""] * g.ecount()
    sources = g.es["sources"] if g.ecount() and "sources" in g.es.attributes() else [()] * g.ecount()
    partners: list[dict[int, set[str]]] = [defaultdict(set) for _ in range(n)]
    collectives: list[list[int]] = [[] for _ in range(n)]
    members: dict[int, list[int]] = defaultdict(list)
    ties: dict[tuple[int, int], list[tuple[str, str, tuple[str, ...]]]] = defaultdict(list)
    for (u, v), rel, key, src in zip(edges.tolist(), rels, keys, sources, strict=True):
        ties[(u, v)].append((rel, key or "", tuple(src or ())))
        if rel == RelKind.PARTNER_OF.value:
            partners[u][v].add(key or "")
            partners[v][u].add(key or "")
        elif rel == RelKind.MEMBER_OF.value:
            collectives[u].append(v)
            members[v].append(u)
    index = PartnerIndex(
        network, tables or correspondences(), kinds, latitude, longitude, division, section,
        adjacency_from_edges(edges, n), partners, collectives, dict(members), dict(ties),
    )  # fmt: skip
    index.sections, codes = np.unique(section, return_inverse=True)  # type: ignore[assignment]
    index.sections = [str(x) for x in index.sections]
    index.section_code = codes.astype(np.int64)
    index.division_code = np.array([d or "" for d in division], dtype="<U2")
    index.labels = [str(x) for x in g.vs["label"]] if n else []
    index.size_value = np.array([_SIZE_VALUE.get(str(t), 0.0) for t in facets["tranche"]], dtype=np.float64)
    _learn_propensity(index)
    return index


def _learn_propensity(index: PartnerIndex) -> None:
    """How much more often than its share a NAF section partners with a kind of
    inclusive employer, per objective, from the partnerships the graph holds.

    The table (objective x kind x section) is sparse — a département states a few
    hundred partnerships for 6 objectives, 9 kinds and 21 sections — so each lift is
    shrunk, by `PRIOR_STRENGTH` pseudo-partnerships, towards the broader one: the
    objective's towards the kind's over every objective, the kind's towards the
    section's over every kind of inclusive employer (`ANY_KIND`), that one towards 1."""
    companies = Counter(s for k, s in zip(index.kinds, index.section, strict=True) if k in COMPANY and s)
    total = sum(companies.values())
    sections = sorted(companies)
    index.section_share = {s: (companies[s] + 1) / (total + len(sections)) for s in sections}
    counts: Counter[tuple[str, str, str]] = Counter()
    for u, mates in enumerate(index.partners):
        if index.kinds[u] not in INCLUSIVE:
            continue
        for v, types in mates.items():
            if index.kinds[v] not in COMPANY or not index.section[v]:
                continue
            for key in types:
                objective = _objective_of_key(key)
                counts[("*", str(index.kinds[u]), str(index.section[v]))] += 1
                counts[("*", ANY_KIND, str(index.section[v]))] += 1
                if objective is not None:
                    counts[(objective.value, str(index.kinds[u]), str(index.section[v]))] += 1
    by_kind: Counter[tuple[str, str]] = Counter()
    for (name, kind, _), c in counts.items():
        by_kind[(name, kind)] += c
    index.observed = dict(counts)
    a = PRIOR_STRENGTH
    for s in sections:
        share = index.section_share[s]
        any_kind = (counts[("*", ANY_KIND, s)] + a) / (by_kind[("*", ANY_KIND)] * share + a)
        index.propensity[("*", ANY_KIND, s)] = any_kind
        for kind in sorted(INCLUSIVE):
            overall = (counts[("*", kind, s)] + a * any_kind) / (by_kind[("*", kind)] * share + a)
            index.propensity[("*", kind, s)] = overall
            for objective in Objective:
                index.propensity[(objective.value, kind, s)] = (
                    counts[(objective.value, kind, s)] + a * overall
                ) / (by_kind[(objective.value, kind)] * share + a)


def _objective_of_key(key: str) -> Objective | None:
    try:
        return Objective.of_type(PartnershipType(key))
    except ValueError:
        return None


def tie_slots(
    adjacency: sp.csr_array, vertices: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Where the ties of `vertices` are in `adjacency.indices` (each vertex's in order,
    the vertices in order), and how many each has: their rows gathered at once."""
    indptr = adjacency.indptr
    starts = indptr[vertices].astype(np.int64)
    lengths = indptr[vertices + 1].astype(np.int64) - starts
    ends = np.cumsum(lengths)
    total = int(ends[-1]) if len(ends) else 0
    slots = np.arange(total, dtype=np.int64) + np.repeat(starts - (ends - lengths), lengths)
    return slots, lengths


_CACHE: dict[int, tuple[PartnerNetwork, PartnerIndex]] = {}


def cached_index(network: PartnerNetwork) -> PartnerIndex:
    held = _CACHE.get(id(network))
    if held is None or held[0] is not network:
        _CACHE.clear()
        held = (network, partner_index(network))
        _CACHE[id(network)] = held
    return held[1]
