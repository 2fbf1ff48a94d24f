"""Every metric of the organisation network at once, one row per organisation: what
`maillage metriques` writes back into the stores and `bench/analytics.py` times.

Computed on the organisations with at least one tie (the others have degree 0 and
no brokerage value); columns are named as the node properties they become.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from graph.analytic import AnalyticGraph
from graph.kinds import OrgKind
from graph.model import Batch, Node, Provenance
from queries.analytics import brokerage, centrality, communities

__all__ = ["METRICS", "METRICS_SOURCE", "MetricTable", "metrics_batch", "network_metrics"]

METRICS: Final = (
    "degree",
    "degree_in",
    "degree_out",
    "pagerank",
    "harmonic_closeness",
    "eigenvector",
    "betweenness",
    "constraint",
    "effective_size",
    "hierarchy",
    "community",
    "k_core",
)


@dataclass(frozen=True)
class MetricTable:
    """One value per organisation (with a tie) and metric; None where undefined."""

    ids: tuple[str, ...]
    columns: dict[str, list[Any]]
    betweenness_exact: bool
    betweenness_sources: int
    modularity: float
    closeness_exact: bool = True
    closeness_sources: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def row(self, node_id: str) -> dict[str, Any]:
        i = self.ids.index(node_id)
        return {name: self.columns[name][i] for name in METRICS}


def network_metrics(ag: AnalyticGraph, *, seed: int = 42) -> MetricTable:
    """All of `METRICS` on the organisations of `ag` that have at least one tie.

    >>> from graph.analytic import AnalyticGraph
    >>> import igraph as ig
    >>> H = ig.Graph([(0, 2), (1, 2)], directed=True)
    >>> H.vs["name"], H.vs["kind"] = ["org:a", "org:b", "org:club"], ["EI", "EI", "Club"]
    >>> H.vs["label"] = ["", "", ""]
    >>> H.es["rel"], H.es["key"], H.es["weight"] = ["MEMBER_OF"] * 2, [""] * 2, [1.0] * 2
    >>> table = network_metrics(AnalyticGraph(("org:a", "org:b", "org:club"), {}, H, {}, "s"))
    >>> table.row("org:club")["degree_in"], table.row("org:club")["betweenness"]
    (2, 1.0)
    """
    seconds: dict[str, float] = {}

    def timed(name: str, compute: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        value = compute()
        seconds[name] = round(time.perf_counter() - started, 3)
        return value

    G = ag.graph
    tied = [v for v, d in enumerate(G.degree()) if d > 0]
    sub = G.induced_subgraph(tied, implementation="create_from_scratch")
    H = timed("undirected_simple", lambda: ag.induced(tied).undirected_simple())
    ids = tuple(sub.vs["name"])
    degree_in = timed("degree", lambda: centrality.degree(sub, mode="in"))
    degree_out = centrality.degree(sub, mode="out")
    degree = centrality.degree(sub)
    pagerank = timed("pagerank", lambda: centrality.pagerank(G))  # on every vertex: ranks sum to 1
    harmonic = timed("harmonic_closeness", lambda: centrality.harmonic_closeness(H))
    eigen = timed("eigenvector", lambda: centrality.eigenvector(H))
    between = timed("betweenness", lambda: centrality.betweenness(H, seed=seed))
    constraint, hierarchy = timed("constraint_hierarchy", lambda: brokerage.burt(H))
    effective = timed("effective_size", lambda: brokerage.effective_size(H))
    partition = timed("leiden", lambda: communities.leiden(H, seed=seed))
    cores = timed("k_core", lambda: communities.k_core(H))
    # betweenness is normalised on the tied part: rescale to the whole graph's n
    n_all, n_tied = G.vcount(), len(ids)
    rescale = ((n_tied - 1) * (n_tied - 2)) / ((n_all - 1) * (n_all - 2)) if n_all > 2 and n_tied > 2 else 1.0
    columns: dict[str, list[Any]] = {
        "degree": [degree[i] for i in ids],
        "degree_in": [degree_in[i] for i in ids],
        "degree_out": [degree_out[i] for i in ids],
        "pagerank": [pagerank[i] for i in ids],
        "harmonic_closeness": [harmonic.values[i] for i in ids],
        "eigenvector": [eigen[i] for i in ids],
        "betweenness": [between.values[i] * rescale for i in ids],
        "constraint": [constraint[i] for i in ids],
        "effective_size": [effective[i] for i in ids],
        "hierarchy": [hierarchy[i] for i in ids],
        "community": [partition.membership[i] for i in ids],
        "k_core": [cores[i] for i in ids],
    }
    return MetricTable(
        ids,
        columns,
        between.exact,
        between.sources,
        partition.modularity,
        harmonic.exact,
        harmonic.sources,
        seconds,
    )


METRICS_SOURCE: Final = "metriques-reseau"


def metrics_batch(ag: AnalyticGraph, table: MetricTable, *, on: date, synthetic: bool) -> Batch:
    """The metrics as node properties, in their own dataset (`METRICS_SOURCE`) dated
    `on`: written into a store, SPARQL and Cypher users can ORDER BY them. `synthetic`
    says whether they were computed from synthetic data."""
    G = ag.graph
    nodes = []
    for i, node_id in enumerate(table.ids):
        v = ag.index[node_id]
        props = {name: table.columns[name][i] for name in METRICS if table.columns[name][i] is not None}
        nodes.append(Node(node_id, OrgKind(G.vs[v]["kind"]), G.vs[v]["label"], props))
    provenance = Provenance(
        METRICS_SOURCE,
        on,
        synthetic=synthetic,
        title=f"Métriques du réseau des organisations, calculées le {on.isoformat()}",
    )
    return Batch(provenance, nodes)
