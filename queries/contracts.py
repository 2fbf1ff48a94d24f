"""Past public contracts (DECP) as evidence for the partner queries.

The organisation network carries, per vertex, the contracts an organisation holds
(facet ``marches``) and those it awarded as a public buyer (facet ``achats``), each
with its CPV division and the datasets stating the tie; co-holders are tied by
``CO_CONTRACTOR_OF`` edges whose key is the contract. `contract_index` gathers them
once per network; `contract_parts` gives, for one actor and its candidates, each
contract reason's contribution and its explanation:

| reason (n contracts) | contribution |
|---|---|
| contracts in the CPV divisions the actor supplies or buys in | `W_CPV` x min(log2(1+n), 2) |
| a buyer's contracts awarded to inclusive employers (achat) | `W_BUYER_INCLUSIVE` x min(log2(1+n), 2) |
| contracts the two share (co-held, or awarded by one to the other) | `W_PAST` x min(n, 2) |
| co-contracting experience (cotraitance, sous-traitance) | `W_GROUPEMENT` x min(log2(1+n), 2) |
| buyers both hold contracts of (cotraitance, sous-traitance) | `W_SAME_BUYERS` x min(log2(1+n), 2) |

The actor's CPV divisions are those of its own contracts and those whose Marché
sectors (`data/correspondances/cpv_division_secteur.csv`) include a sector it sells in
(or, when it declares none, a sector its NAF division produces).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from graph.kinds import RelKind
from queries.partner_index import INCLUSIVE, Objective, PartnerIndex

__all__ = [
    "W_BUYER_INCLUSIVE",
    "W_CPV",
    "W_GROUPEMENT",
    "W_PAST",
    "W_SAME_BUYERS",
    "ContractIndex",
    "Evidence",
    "actor_cpv_divisions",
    "contract_index",
    "contract_name",
    "contract_parts",
]

W_CPV: Final = 0.5
W_BUYER_INCLUSIVE: Final = 0.5
W_PAST: Final = 1.0
W_GROUPEMENT: Final = 0.3
W_SAME_BUYERS: Final = 0.5
SHOWN: Final = 3  # contracts named in a reason's text
FACTS: Final = 12  # facts cited at most per reason

_CPV_OBJECTIVES: Final = frozenset({Objective.ACHAT, Objective.SOUS_TRAITANCE, Objective.COTRAITANCE})
_PAST_OBJECTIVES: Final = _CPV_OBJECTIVES | {Objective.COENTREPRISE}
_GROUPEMENT_OBJECTIVES: Final = frozenset({Objective.SOUS_TRAITANCE, Objective.COTRAITANCE})

Evidence = tuple[str, tuple[str, ...], tuple[str, ...]]  # French text, facts, datasets
Explain = Callable[[int, float], Evidence | None]


@dataclass(eq=False)
class ContractIndex:
    """The contracts of a network, by organisation and by CPV division."""

    columns: list[str]  # CPV division ids ("cpv:77"), the columns of `counts`
    column: dict[str, int]
    held_counts: sp.csr_array  # vertex x division: contracts it holds there
    awarded_counts: sp.csr_array  # vertex x division: contracts it awarded there
    division: dict[str, str]  # contract -> CPV division id ("" when unknown)
    datasets: dict[str, tuple[str, ...]]  # contract -> datasets stating its ties
    buyer: dict[str, int]  # contract -> the vertex that awarded it
    holders: dict[str, list[int]]  # contract -> the vertices holding it
    held: list[tuple[str, ...]]  # vertex -> contracts it holds
    awarded: list[tuple[str, ...]]  # vertex -> contracts it awarded
    inclusive_awarded: NDArray[np.float64]  # vertex -> contracts it awarded to an inclusive employer
    co_held: NDArray[np.float64]  # vertex -> contracts it held with other holders
    buyers_of: sp.csr_array  # vertex x vertex: 1 where the row holds a contract the column awarded
    cpv_of_sector: dict[str, frozenset[str]]  # Marché sector slug -> CPV division ids supplying it


def contract_index(index: PartnerIndex) -> ContractIndex:
    """Gather the contract facets of `index`'s network (cached on the index)."""
    if index.contract_cache is not None:
        found: ContractIndex = index.contract_cache
        return found
    network = index.network
    n = len(network.ids)
    empty: Sequence[Any] = [()] * n
    held_facet = network.facets.get("marches") or empty
    awarded_facet = network.facets.get("achats") or empty
    division: dict[str, str] = {}
    datasets: dict[str, set[str]] = defaultdict(set)
    holders: dict[str, list[int]] = defaultdict(list)
    buyer: dict[str, int] = {}
    held: list[tuple[str, ...]] = [()] * n
    awarded: list[tuple[str, ...]] = [()] * n
    for v in range(n):
        for name, facet, out in (("held", held_facet, held), ("awarded", awarded_facet, awarded)):
            items = facet[v] or ()
            if not items:
                continue
            out[v] = tuple(c for c, _, _ in items)
            for contract, cpv, sources in items:
                division[contract] = str(cpv or division.get(contract, ""))
                datasets[contract].update(sources or ())
                if name == "held":
                    holders[contract].append(v)
                else:
                    buyer[contract] = v
    columns = sorted({d for d in division.values() if d})
    column = {d: j for j, d in enumerate(columns)}
    held_counts, awarded_counts = (_by_division(side, division, column) for side in (held, awarded))
    inclusive = np.array([str(k) in INCLUSIVE for k in index.kinds], dtype=bool)
    inclusive_awarded = np.zeros(n)
    for contract, b in buyer.items():
        if any(inclusive[h] for h in holders.get(contract, ())):
            inclusive_awarded[b] += 1
    co_held = np.zeros(n)
    for hs in holders.values():
        if len(hs) > 1:
            co_held[hs] += 1
    pairs = sorted({(h, b) for contract, b in buyer.items() for h in holders.get(contract, ())})
    buyers_of = sp.csr_array(
        (np.ones(len(pairs)), ([h for h, _ in pairs], [b for _, b in pairs])), shape=(n, n), dtype=np.float64
    )
    cpv_of_sector: dict[str, set[str]] = defaultdict(set)
    for code, sectors in index.tables.cpv_sectors.items():
        for sector in sectors:
            cpv_of_sector[sector].add(f"cpv:{code}")
    built = ContractIndex(
        columns, column, held_counts, awarded_counts, division,
        {c: tuple(sorted(s)) for c, s in datasets.items()}, buyer, dict(holders), held, awarded,
        inclusive_awarded, co_held, buyers_of,
        {s: frozenset(d) for s, d in cpv_of_sector.items()},
    )  # fmt: skip
    index.contract_cache = built
    return built


def _by_division(
    contracts: Sequence[tuple[str, ...]], division: Mapping[str, str], column: Mapping[str, int]
) -> sp.csr_array:
    rows, cols = [], []
    for v, items in enumerate(contracts):
        for contract in items:
            j = column.get(division[contract])
            if j is not None:
                rows.append(v)
                cols.append(j)
    counts = sp.csr_array(
        (np.ones(len(rows)), (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64))),
        shape=(len(contracts), max(len(column), 1)),
    )
    counts.sum_duplicates()
    return counts


def actor_cpv_divisions(index: PartnerIndex, contracts: ContractIndex, s: int) -> tuple[list[str], list[str]]:
    """The CPV divisions an organisation supplies or buys in, and where each comes from
    (its own contracts, the Marché sectors it sells in, else those of its NAF division)."""
    origins: dict[str, str] = {}
    for contract in (*contracts.held[s], *contracts.awarded[s]):
        d = contracts.division.get(contract)
        if d:
            origins.setdefault(d, "ses marchés")
    facets = index.network.facets
    sectors = [str(x).removeprefix("secteur:") for x in facets["secteurs"][s] or ()]
    if not sectors and facets["naf"][s]:
        sectors = sorted(index.tables.sectors_of_naf(str(facets["naf"][s])))
    for sector in sectors:
        for d in sorted(contracts.cpv_of_sector.get(sector, ())):
            origins.setdefault(d, sector)
    divisions = sorted(origins)
    return divisions, [origins[d] for d in divisions]


def contract_parts(
    index: PartnerIndex, s: int, candidates: NDArray[np.int64], objective: Objective
) -> dict[str, tuple[NDArray[np.float64], Explain]]:
    """Each contract reason's contribution for every candidate, with its explanation."""
    contracts = contract_index(index)
    network = index.network
    codes: Mapping[str, str] = getattr(network, "codes", None) or {}
    parts: dict[str, tuple[NDArray[np.float64], Explain]] = {}
    if not contracts.division:
        return parts

    if objective in _CPV_OBJECTIVES:
        divisions, origins = actor_cpv_divisions(index, contracts, s)
        wanted = np.zeros(contracts.held_counts.shape[1])
        for d in divisions:
            if d in contracts.column:
                wanted[contracts.column[d]] = 1.0
        # buying: the buyers' contracts awarded there; else the contracts held there
        as_buyer = objective is Objective.ACHAT and str(index.kinds[s]) in INCLUSIVE
        matching = (contracts.awarded_counts if as_buyer else contracts.held_counts) @ wanted
        chosen = dict(zip(divisions, origins, strict=True))
        parts["marches_cpv"] = (
            W_CPV * np.minimum(np.log2(1.0 + matching[candidates]), 2.0),
            lambda c, w: _explain_cpv(index, contracts, codes, s, c, chosen, as_buyer) if w > 0 else None,
        )

    if objective is Objective.ACHAT and str(index.kinds[s]) in INCLUSIVE:
        parts["acheteur_inclusif"] = (
            W_BUYER_INCLUSIVE * np.minimum(np.log2(1.0 + contracts.inclusive_awarded[candidates]), 2.0),
            lambda c, w: _explain_buyer(index, contracts, c) if w > 0 else None,
        )

    if objective in _PAST_OBJECTIVES:
        shared = _shared(contracts, s)
        past = np.array([len(shared.get(c, ())) for c in candidates.tolist()], dtype=np.float64)
        parts["marches_communs"] = (
            W_PAST * np.minimum(past, 2.0),
            lambda c, w: _explain_past(index, contracts, codes, s, c, shared.get(c, [])) if w > 0 else None,
        )

    if objective in _GROUPEMENT_OBJECTIVES:
        parts["groupement"] = (
            W_GROUPEMENT * np.minimum(np.log2(1.0 + contracts.co_held[candidates]), 2.0),
            lambda c, w: (
                (
                    f"a déjà répondu en groupement à {int(contracts.co_held[c])} marché(s) public(s) "
                    f"(cotitulaire avec d'autres entreprises)",
                    _co_facts(index, contracts, c),
                    _datasets(contracts, [k for k in contracts.held[c] if len(contracts.holders[k]) > 1]),
                )
                if w > 0
                else None
            ),
        )
    if objective in _GROUPEMENT_OBJECTIVES:
        same = np.asarray((contracts.buyers_of[[s]] @ contracts.buyers_of.T).toarray(), dtype=np.float64)
        same = same.reshape(-1)[candidates]
        parts["memes_acheteurs"] = (
            W_SAME_BUYERS * np.minimum(np.log2(1.0 + same), 2.0),
            lambda c, w: _explain_same_buyers(index, contracts, s, c) if w > 0 else None,
        )
    return parts


def _explain_same_buyers(index: PartnerIndex, contracts: ContractIndex, s: int, c: int) -> Evidence:
    network = index.network
    label = index.labels
    common = sorted(
        set(contracts.buyers_of[[s]].indices.tolist()) & set(contracts.buyers_of[[c]].indices.tolist()),
        key=lambda b: network.ids[b],
    )
    items = [k for k in (*contracts.held[s], *contracts.held[c]) if contracts.buyer.get(k) in common]
    shown = ", ".join(str(label[b]) for b in common[:SHOWN]) + ("…" if len(common) > SHOWN else "")
    facts = [
        f
        for k in items
        for f in _tie_facts(index, contracts, k)
        if network.ids[s] in f or network.ids[c] in f
    ]
    facts += [f"{k} {RelKind.AWARDED_BY.value} {network.ids[contracts.buyer[k]]}" for k in items]
    return (
        f"titulaires tous deux de marchés publics de {len(common)} même(s) acheteur(s) : {shown}",
        tuple(dict.fromkeys(facts))[:FACTS],
        _datasets(contracts, items),
    )


def _shared(contracts: ContractIndex, s: int) -> dict[int, list[str]]:
    """The organisations `s` already shares contracts with, and those contracts."""
    found: dict[int, list[str]] = defaultdict(list)
    for contract in contracts.held[s]:
        for other in contracts.holders.get(contract, ()):
            if other != s:
                found[other].append(contract)
        b = contracts.buyer.get(contract)
        if b is not None and b != s:
            found[b].append(contract)
    for contract in contracts.awarded[s]:
        for other in contracts.holders.get(contract, ()):
            if other != s:
                found[other].append(contract)
    return {v: sorted(set(cs)) for v, cs in found.items()}


NAME_CHARS: Final = 60  # a contract's object is cut there in the reasons' text


def contract_name(codes: Mapping[str, str], contract: str) -> str:
    """A contract's id and its object (cut at `NAME_CHARS`), as the reasons name it."""
    name = codes.get(contract)
    if name and len(name) > NAME_CHARS:
        name = name[: NAME_CHARS - 1].rstrip() + "…"
    return f"{contract} « {name} »" if name else contract


def _cpv(codes: Mapping[str, str], division: str) -> str:
    name = codes.get(division)
    code = division.removeprefix("cpv:")
    return f"{code} ({name})" if name else code


def _datasets(contracts: ContractIndex, items: Sequence[str]) -> tuple[str, ...]:
    return tuple(sorted({d for k in items for d in contracts.datasets.get(k, ())}))


def _tie_facts(index: PartnerIndex, contracts: ContractIndex, contract: str) -> list[str]:
    ids = index.network.ids
    facts = [f"{ids[h]} {RelKind.HOLDS.value} {contract}" for h in contracts.holders.get(contract, ())]
    b = contracts.buyer.get(contract)
    if b is not None:
        facts.append(f"{contract} {RelKind.AWARDED_BY.value} {ids[b]}")
    return facts


def _explain_cpv(
    index: PartnerIndex,
    contracts: ContractIndex,
    codes: Mapping[str, str],
    s: int,
    c: int,
    origins: Mapping[str, str],
    as_buyer: bool,
) -> Evidence:
    label = index.labels
    side = contracts.awarded[c] if as_buyer else contracts.held[c]
    items = [k for k in side if contracts.division.get(k) in origins]
    by_division = Counter(contracts.division[k] for k in items)
    where = ", ".join(_cpv(codes, d) for d, _ in sorted(by_division.items(), key=lambda x: (-x[1], x[0])))
    why = sorted({origins[d] for d in by_division})
    verb = "a passé" if as_buyer else "est titulaire de"
    shown = ", ".join(contract_name(codes, k) for k in items[:SHOWN]) + ("…" if len(items) > SHOWN else "")
    text = (
        f"{verb} {len(items)} marché(s) public(s) en division CPV {where}, ce que {label[s]} "
        f"{'achète' if str(index.kinds[s]) not in INCLUSIVE and contracts.awarded[s] else 'fournit'} "
        f"({', '.join(why)}) : {shown}"
    )
    facts = [f for k in items for f in _tie_facts(index, contracts, k) if index.network.ids[c] in f]
    return text, tuple(facts[:FACTS]), _datasets(contracts, items)


def _explain_buyer(index: PartnerIndex, contracts: ContractIndex, c: int) -> Evidence:
    label = index.labels
    inclusive = [
        (k, h)
        for k in contracts.awarded[c]
        for h in contracts.holders.get(k, ())
        if str(index.kinds[h]) in INCLUSIVE
    ]
    items = sorted({k for k, _ in inclusive})
    names = sorted({f"{label[h]} ({index.kinds[h]})" for _, h in inclusive})
    text = (
        f"a déjà attribué {len(items)} marché(s) public(s) à des structures inclusives : "
        f"{', '.join(names[:SHOWN])}{'…' if len(names) > SHOWN else ''}"
    )
    ids = index.network.ids
    facts = [f"{ids[h]} {RelKind.HOLDS.value} {k}" for k, h in inclusive]
    facts += [f"{k} {RelKind.AWARDED_BY.value} {ids[c]}" for k in items]
    return text, tuple(facts[:FACTS]), _datasets(contracts, items)


def _explain_past(
    index: PartnerIndex, contracts: ContractIndex, codes: Mapping[str, str], s: int, c: int, items: list[str]
) -> Evidence:
    label = index.labels
    shown = ", ".join(contract_name(codes, k) for k in items[:SHOWN]) + ("…" if len(items) > SHOWN else "")
    if any(contracts.buyer.get(k) == c for k in items):
        text = f"{label[s]} est déjà titulaire de {len(items)} marché(s) public(s) de {label[c]} : {shown}"
    elif any(contracts.buyer.get(k) == s for k in items):
        text = f"{label[c]} est déjà titulaire de {len(items)} marché(s) public(s) de {label[s]} : {shown}"
    else:
        text = f"déjà cotitulaires de {len(items)} marché(s) public(s) : {shown}"
    ids = index.network.ids
    facts = [f for k in items for f in _tie_facts(index, contracts, k) if ids[s] in f or ids[c] in f]
    facts += [
        f"{ids[a]} {RelKind.CO_CONTRACTOR_OF.value} {ids[b]}"
        for a, b in ((s, c), (c, s))
        if any(rel == RelKind.CO_CONTRACTOR_OF.value for rel, _, _ in index.ties.get((a, b), ()))
    ]
    return text, tuple(facts[:FACTS]), _datasets(contracts, items)


def _co_facts(index: PartnerIndex, contracts: ContractIndex, c: int) -> tuple[str, ...]:
    """The `CO_CONTRACTOR_OF` ties of `c`, as stored (one direction per pair)."""
    ids = index.network.ids
    others = sorted({h for k in contracts.held[c] for h in contracts.holders.get(k, ()) if h != c})
    return tuple(
        f"{ids[a]} {RelKind.CO_CONTRACTOR_OF.value} {ids[b]}"
        for h in others
        for a, b in ((c, h), (h, c))
        if any(rel == RelKind.CO_CONTRACTOR_OF.value for rel, _, _ in index.ties.get((a, b), ()))
    )[:FACTS]
