"""Who can introduce me: the shortest paths from one organisation to another through
named intermediaries (club members, network heads, PTCE, common partners), ranked by
the strength of their ties.

A tie's strength depends on its relation (`TIE_STRENGTH`); an intermediary with many
ties introduces less surely than one with few, so a path's strength is the product of
its ties' strengths and of 1 / log2(2 + degree) for each intermediary. Paths are
returned shortest first, then strongest first; two paths differ by at least one
intermediary.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np

from graph.kinds import RelKind
from queries.org_network import PartnerNetwork
from queries.partner_index import PartnerIndex, cached_index, tie_slots

__all__ = ["TIE_STRENGTH", "Introduction", "introductions"]

TIE_STRENGTH: Final[Mapping[str, float]] = {
    RelKind.PARTNER_OF.value: 1.0,
    RelKind.SAME_ESTABLISHMENT.value: 1.0,
    RelKind.MEMBER_OF.value: 0.8,
    RelKind.CARRIED_BY.value: 0.7,
    RelKind.SUPPORTED_BY.value: 0.7,
    RelKind.DELEGATION_OF.value: 0.6,
}
OTHER_TIE: Final = 0.5  # relations not listed (procurement ties...)
MAX_PATHS: Final = 10_000  # enumeration stops there, whatever the graph


@dataclass(frozen=True, slots=True)
class Introduction:
    """A path from `a` to `b`: its organisations, strength, French text, and the
    facts (`source REL target`) and datasets it rests on."""

    path: tuple[str, ...]
    names: tuple[str, ...]
    strength: float
    text: str
    facts: tuple[str, ...]
    datasets: tuple[str, ...]

    @property
    def hops(self) -> int:
        return len(self.path) - 1

    @property
    def intermediaries(self) -> tuple[str, ...]:
        return self.names[1:-1]


def introductions(
    graph: PartnerNetwork | PartnerIndex, a: str, b: str, *, max_hops: int = 3, limit: int = 5
) -> list[Introduction]:
    """The shortest distinct paths from `a` to `b` with at least one intermediary and at
    most `max_hops` ties, strongest first within a length; at most `limit`.

    `graph` is a network (the analytic projection's shape) or a prepared
    `queries.partners.PartnerIndex`.
    """
    if max_hops < 2:
        raise ValueError(f"un chemin a au moins 2 liens (un intermédiaire), pas {max_hops}")
    index = graph if isinstance(graph, PartnerIndex) else cached_index(graph)
    network: PartnerNetwork = index.network
    for node in (a, b):
        if node not in network.index:
            raise KeyError(f"organisation inconnue : {node}")
    s, t = network.index[a], network.index[b]
    A = index.adjacency
    indptr, indices = A.indptr, A.indices

    def neighbours(v: int) -> list[int]:
        found: list[int] = indices[indptr[v] : indptr[v + 1]].tolist()
        return found

    # search from b towards a, pruned by the distances from a (computed once per a: a
    # ranking asks for paths from one actor to many candidates)
    to_source = _source_distances(index, s, max_hops)
    found: list[tuple[int, float, tuple[int, ...]]] = []
    for length in range(2, max_hops + 1):
        if to_source.get(t, max_hops + 1) > length:
            continue
        stack: list[tuple[int, ...]] = [(t,)]
        while stack and len(found) < MAX_PATHS:
            path = stack.pop()
            left = length - (len(path) - 1)
            for w in neighbours(path[-1]):
                if w in path or to_source.get(w, max_hops + 1) > left - 1:
                    continue
                if w == s:
                    if left == 1:
                        forward = (*path, s)[::-1]
                        found.append((length, _strength(index, forward), forward))
                elif left > 1:
                    stack.append((*path, w))
        if len(found) >= limit:
            break
    found.sort(key=lambda item: (item[0], -item[1], item[2]))
    return [_describe(index, path, strength) for _, strength, path in found[:limit]]


_SOURCES: dict[tuple[int, int, int], tuple[PartnerIndex, dict[int, int]]] = {}


def _source_distances(index: PartnerIndex, source: int, limit: int) -> dict[int, int]:
    key = (id(index), source, limit)
    held = _SOURCES.get(key)
    if held is None or held[0] is not index:
        if len(_SOURCES) > 16:
            _SOURCES.clear()
        held = (index, _distances(index, source, limit))
        _SOURCES[key] = held
    return held[1]


def _distances(index: PartnerIndex, start: int, limit: int) -> dict[int, int]:
    """The vertices within `limit` ties of `start` and their distance, breadth first,
    one level at a time (each level's ties gathered at once)."""
    seen = {start: 0}
    frontier = np.array([start], dtype=np.int64)
    for level in range(1, limit + 1):
        slots, _ = tie_slots(index.adjacency, frontier)
        new = [v for v in np.unique(index.adjacency.indices[slots]).tolist() if v not in seen]
        if not new:
            break
        seen.update(dict.fromkeys(new, level))
        frontier = np.array(new, dtype=np.int64)
    return seen


def _tie(index: PartnerIndex, u: int, v: int) -> float:
    ties = index.ties
    rels = [rel for rel, _, _ in ties.get((u, v), ())] + [rel for rel, _, _ in ties.get((v, u), ())]
    return max((TIE_STRENGTH.get(rel, OTHER_TIE) for rel in rels), default=OTHER_TIE)


def _strength(index: PartnerIndex, path: tuple[int, ...]) -> float:
    degree = index.adjacency.indptr
    value = 1.0
    for u, v in itertools.pairwise(path):
        value *= _tie(index, u, v)
    for x in path[1:-1]:
        value /= math.log2(2 + int(degree[x + 1] - degree[x]))
    return round(value, 6)


def _describe(index: PartnerIndex, path: tuple[int, ...], strength: float) -> Introduction:
    network = index.network
    ties = index.ties
    labels = index.labels
    kinds = index.kinds
    parts = [f"{labels[path[0]]}"]
    facts: list[str] = []
    datasets: set[str] = set()
    for u, v in itertools.pairwise(path):
        forward = [(rel, src) for rel, _, src in ties.get((u, v), ())]
        backward = [(rel, src) for rel, _, src in ties.get((v, u), ())]
        best = max(forward + backward, key=lambda item: TIE_STRENGTH.get(item[0], OTHER_TIE))
        rel_label = RelKind(best[0]).label if best[0] in RelKind.__members__.values() else best[0]
        arrow = f" —{rel_label}→ " if best in forward else f" ←{rel_label}— "
        parts.append(f"{arrow}{labels[v]}" + (f" ({kinds[v]})" if v != path[-1] else ""))
        a, b = (u, v) if best in forward else (v, u)
        facts.append(f"{network.ids[a]} {best[0]} {network.ids[b]}")
        datasets.update(best[1])
    return Introduction(
        tuple(network.ids[x] for x in path),
        tuple(str(labels[x]) for x in path),
        strength,
        "".join(parts),
        tuple(facts),
        tuple(sorted(datasets)),
    )
