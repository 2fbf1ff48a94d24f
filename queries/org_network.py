"""The organisation network the partner queries work on.

It has the shape of the analytic projection (`graph.analytic.AnalyticGraph`, see
COMMON contract): organisations and collectives as vertices, the ties between them as
edges, places and codes as per-vertex facets. `org_network` uses
`graph.analytic.analytic_projection` when the project has it, else builds the same
shape here from the store's networkx projection (`network_from_networkx`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import igraph as ig
import networkx as nx

from graph.kinds import OrgKind, PlaceKind, RelKind
from graph.store import GraphStore

__all__ = ["FACETS", "OrgNetwork", "PartnerNetwork", "network_from_networkx", "org_network"]

FACETS = ("commune", "departement", "latitude", "longitude", "naf", "tranche", "siret", "rome", "secteurs",
          "synthetic", "marches", "achats")  # fmt: skip
_ORG_KINDS = frozenset(k.value for k in OrgKind)
_COMMUNES = frozenset({PlaceKind.COMMUNE.value, PlaceKind.ARRONDISSEMENT.value})
_NOT_TIES = frozenset({RelKind.LOCATED_IN.value, RelKind.IN_SECTOR.value, RelKind.SELLS_IN.value,
                       RelKind.OFFERS_JOB.value, RelKind.PART_OF.value})  # fmt: skip
_HOLDS, _AWARDED_BY, _IN_CPV = RelKind.HOLDS.value, RelKind.AWARDED_BY.value, RelKind.IN_CPV.value


class PartnerNetwork(Protocol):
    """What the partner queries read from a network (the analytic projection's fields)."""

    @property
    def ids(self) -> tuple[str, ...]: ...
    @property
    def index(self) -> Mapping[str, int]: ...
    @property
    def graph(self) -> ig.Graph: ...
    @property
    def facets(self) -> Mapping[str, Sequence[Any]]: ...
    @property
    def state(self) -> str: ...


@dataclass(frozen=True, eq=False)
class OrgNetwork:
    """The analytic projection's shape, built here (see the module docstring)."""

    ids: tuple[str, ...]
    index: Mapping[str, int]
    graph: ig.Graph
    facets: Mapping[str, Sequence[Any]]
    state: str = ""


def network_from_networkx(G: nx.MultiDiGraph, *, synthetic_sources: Collection[str] = ()) -> OrgNetwork:
    """Organisations of `G` as vertices, ties between organisations as edges (with their
    relation, key, weight 1 and sources), places and codes as facets."""
    ids = tuple(str(n) for n, kind in G.nodes(data="kind") if kind in _ORG_KINDS)
    index = {n: i for i, n in enumerate(ids)}
    synthetic = set(synthetic_sources)
    columns: dict[str, list[Any]] = {name: [None] * len(ids) for name in FACETS}
    multi: dict[str, list[list[str]]] = {"rome": [[] for _ in ids], "secteurs": [[] for _ in ids]}
    edges: list[tuple[int, int]] = []
    attrs: dict[str, list[Any]] = defaultdict(list)
    contracts: dict[str, list[list[tuple[str, str, tuple[str, ...]]]]] = {
        "marches": [[] for _ in ids],
        "achats": [[] for _ in ids],
    }
    for u, v, data in G.edges(data=True):
        rel = data["rel"]
        if rel == _AWARDED_BY and v in index:
            contracts["achats"][index[v]].append((str(u), _division(G, u), tuple(data.get("sources", ()))))
        i = index.get(u)
        if i is None:
            continue
        if rel == _HOLDS:
            contracts["marches"][i].append((str(v), _division(G, v), tuple(data.get("sources", ()))))
        target = G.nodes[v]
        if rel == RelKind.LOCATED_IN.value:
            _locate(G, columns, i, v, target)
        elif rel == RelKind.IN_SECTOR.value:
            columns["naf"][i] = str(v)
        elif rel == RelKind.OFFERS_JOB.value:
            multi["rome"][i].append(str(v))
        elif rel == RelKind.SELLS_IN.value:
            multi["secteurs"][i].append(str(v))
        elif rel not in _NOT_TIES and v in index:
            edges.append((i, index[v]))
            attrs["rel"].append(rel)
            attrs["key"].append(data.get("edge_key", ""))
            attrs["weight"].append(1.0)
            attrs["sources"].append(tuple(data.get("sources", ())))
    for i, node in enumerate(ids):
        data = G.nodes[node]
        if data.get("latitude") is not None and data.get("longitude") is not None:
            columns["latitude"][i], columns["longitude"][i] = (
                float(data["latitude"]),
                float(data["longitude"]),
            )
        columns["tranche"][i] = data.get("size_band")
        columns["siret"][i] = data.get("siret")
        sources = data.get("sources", ())
        columns["synthetic"][i] = bool(sources) and all(s in synthetic for s in sources)
    columns["rome"] = [tuple(sorted(set(r))) for r in multi["rome"]]
    columns["secteurs"] = [tuple(sorted(set(s))) for s in multi["secteurs"]]
    for name, held in contracts.items():
        columns[name] = [tuple(sorted(set(c))) for c in held]
    graph = ig.Graph(n=len(ids), edges=edges, directed=True)
    graph.vs["name"] = list(ids)
    graph.vs["kind"] = [G.nodes[n]["kind"] for n in ids]
    graph.vs["label"] = [G.nodes[n].get("name", n) for n in ids]
    for name, values in attrs.items():
        graph.es[name] = values
    return OrgNetwork(ids, index, graph, {k: tuple(v) for k, v in columns.items()})


def _division(G: nx.MultiDiGraph, contract: str) -> str:
    """The CPV division of a contract (`IN_CPV`), "" when none is given."""
    found = sorted(str(t) for _, t, rel in G.out_edges(contract, data="rel") if rel == _IN_CPV)
    return found[0] if found else ""


def _locate(
    G: nx.MultiDiGraph, columns: dict[str, list[Any]], i: int, place: str, data: Mapping[str, Any]
) -> None:
    kind = data.get("kind")
    if kind == PlaceKind.DEPARTEMENT.value:
        columns["departement"][i] = columns["departement"][i] or str(place)
        return
    if kind not in _COMMUNES:
        return
    columns["commune"][i] = str(place)
    if columns["latitude"][i] is None and data.get("latitude") is not None:
        columns["latitude"][i], columns["longitude"][i] = float(data["latitude"]), float(data["longitude"])
    for _, parent, rel in G.out_edges(place, data="rel"):
        if rel == RelKind.PART_OF.value and G.nodes[parent].get("kind") == PlaceKind.DEPARTEMENT.value:
            columns["departement"][i] = str(parent)


def org_network(store: GraphStore) -> PartnerNetwork:
    """The organisation network of a store: the analytic projection when the project
    has one, else the same shape built from `store.projection()`."""
    try:
        from graph.analytic import analytic_projection  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        synthetic = [p.source for p in store.datasets() if p.synthetic]
        return network_from_networkx(store.projection(), synthetic_sources=synthetic)
    network: PartnerNetwork = analytic_projection(store)
    return network
