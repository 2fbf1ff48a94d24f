"""How fast `maillage partenaires` answers on a national store, once the projection is loaded.

    python -m bench.partners_latency STORE_DIR [--queries 200] [--seed S] [--json OUT]
    python -m bench.partners_latency --cache STORE_DIR.analytic/organisations.pickle [...]

STORE_DIR is an embedded (Oxigraph) store, e.g. one loaded with the national preset.
The analytic projection is read (from its on-disk cache when the store has one), the
partner index and the contract index are built, then `partner_candidates` answers, with
its reasons and introduction paths (limit 20, radius 30 km), for random inclusive
employers and objectives: p50, p95 and max in milliseconds. The baseline, timed on the
same queries in the same run, is the filter alone (`candidate_pool`: the candidates
within the radius, what Les emplois and Le Marché de l'inclusion do); the ratio says
what the reasons cost on top. Target: p95 < 200 ms.

`--cache` reads the projection from a disk cache file `graph.analytic` wrote (any
version: ids, igraph graph, facets), without the store — for a store whose cache was
written by an earlier version of the projection.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

import graph.analytic as analytic
from graph.analytic import AnalyticGraph
from graph.oxigraph_store import OxigraphStore
from queries.contracts import contract_index
from queries.org_network import org_network
from queries.partners import INCLUSIVE, Objective, candidate_pool, partner_candidates, partner_index

__all__ = ["main", "measure"]


def from_cache_file(path: Path) -> AnalyticGraph:
    """The organisation lens as `graph.analytic` caches it on disk (its header skipped)."""
    with path.open("rb") as f:
        _, state = pickle.load(f)  # (version, state)
        payload = pickle.load(f)
    if isinstance(payload, dict):  # the columnar format of `graph.analytic._write_core`
        found = analytic._read_cache(path, state)
        if found is None:
            raise ValueError(f"{path}: not a cache file of this version of graph.analytic")
        return found
    ids, graph, facets, lens, places, codes = payload  # earlier versions: the objects
    return AnalyticGraph(ids, {n: i for i, n in enumerate(ids)}, graph, facets, state, lens, places, codes)


def measure(source: OxigraphStore | Path, *, queries: int = 200, seed: int = 0) -> dict[str, Any]:
    """Load the projection and the indexes, then time `queries` answers and the baseline."""
    started = time.perf_counter()
    network = from_cache_file(source) if isinstance(source, Path) else org_network(source)
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    index = partner_index(network)
    contract_index(index)
    prepared = time.perf_counter() - started
    rng = np.random.default_rng(seed)
    actors = [network.ids[i] for i in range(len(network.ids)) if str(index.kinds[i]) in INCLUSIVE]
    objectives = list(Objective)
    asked = [
        (actors[int(rng.integers(len(actors)))], objectives[int(rng.integers(len(objectives)))])
        for _ in range(queries)
    ]
    times, cpu, baseline = [], [], []
    for actor, objective in asked:
        t, c = time.perf_counter(), time.process_time()
        partner_candidates(index, actor, objective=objective, radius_km=30, limit=20)
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
        t = time.perf_counter()
        candidate_pool(index, actor, objective, radius_km=30)
        baseline.append((time.perf_counter() - t) * 1000)
    p95, base95 = float(np.percentile(times, 95)), float(np.percentile(baseline, 95))
    return {
        "organisations": len(network.ids),
        "ties": network.graph.ecount(),
        "projection_seconds": round(loaded, 1),
        "index_seconds": round(prepared, 1),
        "queries": queries,
        "p50_ms": round(float(np.percentile(times, 50)), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(float(np.max(times)), 1),
        "cpu_p50_ms": round(float(np.percentile(cpu, 50)), 1),
        "cpu_p95_ms": round(float(np.percentile(cpu, 95)), 1),
        "filter_p50_ms": round(float(np.percentile(baseline, 50)), 1),
        "filter_p95_ms": round(base95, 1),
        "ratio_p95": round(p95 / base95, 1) if base95 else None,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.partners_latency", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("store", type=Path, help="an embedded store directory, or with --cache a cache file")
    parser.add_argument("--cache", action="store_true", help="read the projection from a cache file")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.cache:
        result = measure(args.store, queries=args.queries, seed=args.seed)
    else:
        store = OxigraphStore(args.store)
        try:
            result = measure(store, queries=args.queries, seed=args.seed)
        finally:
            store.close()
    r = result
    sys.stdout.write(
        f"{r['organisations']} organisations, {r['ties']} ties; projection {r['projection_seconds']} s, "
        f"indexes {r['index_seconds']} s; partenaires p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, "
        f"max {r['max_ms']} ms (CPU p50 {r['cpu_p50_ms']}, p95 {r['cpu_p95_ms']}) "
        f"over {r['queries']} queries; "
        f"filter alone p50 {r['filter_p50_ms']} ms, "
        f"p95 {r['filter_p95_ms']} ms (ratio {r['ratio_p95']})\n"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
