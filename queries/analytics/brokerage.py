"""Brokerage: who holds the structural holes of the network.

- Burt's `constraint` (low: the organisation's contacts are not tied to one
  another, it brokers between them), `effective_size` (its non-redundant contacts)
  and `hierarchy` (how much of its constraint one contact concentrates), on the
  undirected simple graph; constraint and hierarchy use the tie weights (the number
  of relations a tie stands for), effective size is unweighted (Borgatti's n − 2t/n).
  Values are None where they are undefined (no contact; hierarchy: fewer than two).
- `community_ties`: between two communities, the ties and the organisations that
  make them; the pairs held by few ties are the holes to bridge.
- `bridges` and `articulation_points`: the ties and the organisations whose removal
  splits a group in two.

>>> import igraph as ig
>>> star = ig.Graph([(0, 1), (0, 2), (0, 3)])
>>> constraint(star)[0], effective_size(star)[0]
(0.3333333333333333, 3.0)
>>> articulation_points(star), bridges(star)
([0], [(0, 1), (0, 2), (0, 3)])
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import igraph as ig

from queries.analytics.base import GraphLike, names, simple_undirected

__all__ = [
    "CommunityTie",
    "articulation_points",
    "bridges",
    "burt",
    "community_ties",
    "constraint",
    "effective_size",
    "hierarchy",
    "local_constraints",
]


def _weights(H: ig.Graph) -> list[dict[int, float]]:
    adjacency: list[dict[int, float]] = [{} for _ in range(H.vcount())]
    weights = H.es["weight"] if "weight" in H.es.attributes() else [1.0] * H.ecount()
    for (u, v), w in zip(H.get_edgelist(), weights, strict=True):
        adjacency[u][v] = float(w)
        adjacency[v][u] = float(w)
    return adjacency


def local_constraints(G: GraphLike) -> list[dict[int, float]]:
    """c_ij = (p_ij + Σ_q p_iq p_qj)², for each vertex i and contact j (vertex indices
    of the undirected simple graph), with p_ij = w_ij / Σ_k w_ik."""
    H = simple_undirected(G)
    adjacency = _weights(H)
    strength = [sum(a.values()) for a in adjacency]
    found: list[dict[int, float]] = []
    for i, contacts in enumerate(adjacency):
        local: dict[int, float] = {}
        for j, w_ij in contacts.items():
            theirs = adjacency[j]
            small, large = (contacts, theirs) if len(contacts) <= len(theirs) else (theirs, contacts)
            indirect = sum(
                (contacts[q] / strength[i]) * (adjacency[q][j] / strength[q])
                for q in small
                if q in large and q != i and q != j
            )
            local[j] = (w_ij / strength[i] + indirect) ** 2
        found.append(local)
    return found


def constraint(G: GraphLike) -> dict[Any, float | None]:
    """Burt's constraint: Σ_j c_ij (see `local_constraints`); None without contact."""
    return burt(G)[0]


def burt(G: GraphLike) -> tuple[dict[Any, float | None], dict[Any, float | None]]:
    """`constraint` and `hierarchy` together, from one computation of the local constraints."""
    H = simple_undirected(G)
    constraints: dict[Any, float | None] = {}
    hierarchies: dict[Any, float | None] = {}
    for name, local in zip(names(H), local_constraints(H), strict=True):
        total = math.fsum(local.values())
        constraints[name] = total if local else None
        hierarchies[name] = _hierarchy(list(local.values()), total)
    return constraints, hierarchies


def _hierarchy(local: list[float], total: float) -> float | None:
    n = len(local)
    if n < 2 or total == 0:
        return None
    ratios = [c / (total / n) for c in local]
    return math.fsum(r * math.log(r) for r in ratios if r > 0) / (n * math.log(n))


def hierarchy(G: GraphLike) -> dict[Any, float | None]:
    """Burt's hierarchy: Σ_j r_ij ln r_ij / (N ln N), r_ij = c_ij / (C / N), over the
    N contacts of the organisation (0: constraint spread evenly; 1: all on one
    contact); None with fewer than two contacts.

    >>> star = ig.Graph([(0, 1), (0, 2), (0, 3), (1, 2)])
    >>> round(hierarchy(star)[0], 4)
    0.0522
    """
    return burt(G)[1]


def effective_size(G: GraphLike) -> dict[Any, float | None]:
    """Contacts minus redundancy, n − 2t/n (t: ties among the n contacts), unweighted;
    None without contact."""
    H = simple_undirected(G)
    triangles = [0] * H.vcount()
    for tri in H.list_triangles():
        for v in tri:
            triangles[v] += 1
    return {
        name: (d - 2 * t / d if d else None)
        for name, d, t in zip(names(H), H.degree(), triangles, strict=True)
    }


@dataclass(frozen=True)
class CommunityTie:
    """The ties between two communities (`a` < `b`) and who makes them."""

    a: int
    b: int
    ties: int
    brokers: tuple[Any, ...]  # the organisations at either end of a tie, sorted


def community_ties(G: GraphLike, membership: Mapping[Any, int]) -> list[CommunityTie]:
    """Every pair of communities joined by at least one tie, fewest ties first (the
    structural holes between groups), then by community ids.

    >>> H = ig.Graph([(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (2, 4)])
    >>> H.vs["name"] = list("abcdef")
    >>> community_ties(H, dict(zip("abcdef", [0, 0, 0, 1, 1, 1])))
    [CommunityTie(a=0, b=1, ties=2, brokers=('c', 'd', 'e'))]
    """
    H = simple_undirected(G)
    label = names(H)
    ties: dict[tuple[int, int], int] = defaultdict(int)
    brokers: dict[tuple[int, int], set[Any]] = defaultdict(set)
    for u, v in H.get_edgelist():
        cu, cv = membership[label[u]], membership[label[v]]
        if cu == cv:
            continue
        pair = (min(cu, cv), max(cu, cv))
        ties[pair] += 1
        brokers[pair].update((label[u], label[v]))
    return [
        CommunityTie(a, b, n, tuple(sorted(brokers[(a, b)])))
        for (a, b), n in sorted(ties.items(), key=lambda kv: (kv[1], kv[0]))
    ]


def bridges(G: GraphLike) -> list[tuple[Any, Any]]:
    """The ties whose removal disconnects their two ends, as sorted pairs of names."""
    H = simple_undirected(G)
    label = names(H)
    found = [tuple(sorted((label[H.es[e].source], label[H.es[e].target]))) for e in H.bridges()]
    return sorted((a, b) for a, b in found)


def articulation_points(G: GraphLike) -> list[Any]:
    """The organisations whose removal splits their group (sorted names)."""
    H = simple_undirected(G)
    label = names(H)
    return sorted(label[v] for v in H.articulation_points())
