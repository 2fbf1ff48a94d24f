"""Communities: Leiden (modularity) with a fixed seed and stable ids, and k-cores.

Both read the undirected simple graph; Leiden uses the tie weights. Community ids
are stable: 0 is the largest community, ties broken by the smallest member name, so
the same graph gives the same ids on every run and every backend.

>>> import igraph as ig
>>> two = ig.Graph([(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 3)])
>>> two.vs["name"] = list("abcdef")
>>> part = leiden(two)
>>> part.membership
{'a': 0, 'b': 0, 'c': 0, 'd': 1, 'e': 1, 'f': 1}
>>> round(part.modularity, 4)
0.3571
>>> k_core(two)
{'a': 2, 'b': 2, 'c': 2, 'd': 2, 'e': 2, 'f': 2}
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import igraph as ig

from queries.analytics.base import GraphLike, names, simple_undirected

__all__ = ["Partition", "k_core", "leiden"]


@dataclass(frozen=True)
class Partition:
    membership: dict[Any, int]  # vertex name → community id
    communities: tuple[tuple[Any, ...], ...]  # by id: sorted member names
    modularity: float


def leiden(G: GraphLike, *, resolution: float = 1.0, seed: int = 42) -> Partition:
    """Communities maximising modularity (Leiden, iterated until stable), weighted by
    the number of relations a tie stands for. Same graph and seed, same partition."""
    H = simple_undirected(G)
    label = names(H)
    if H.vcount() == 0:
        return Partition({}, (), 0.0)
    ig.set_random_number_generator(random.Random(seed))
    try:
        found = H.community_leiden(
            objective_function="modularity", weights="weight", resolution=resolution, n_iterations=-1
        )
    finally:
        ig.set_random_number_generator(random)
    groups: dict[int, list[Any]] = {}
    for v, c in enumerate(found.membership):
        groups.setdefault(c, []).append(label[v])
    ordered = sorted((sorted(members) for members in groups.values()), key=lambda m: (-len(m), m[0]))
    membership = {name: i for i, members in enumerate(ordered) for name in members}
    modularity = H.modularity([membership[name] for name in label], weights="weight", resolution=resolution)
    return Partition(membership, tuple(tuple(m) for m in ordered), float(modularity))


def k_core(G: GraphLike) -> dict[Any, int]:
    """The core number of each organisation: the largest k such that it belongs to a
    subgraph where everyone has at least k ties."""
    H = simple_undirected(G)
    if H.vcount() == 0:
        return {}
    return dict(zip(names(H), (int(c) for c in H.coreness()), strict=True))
