"""How fast `maillage partenaires` answers on a national store, once the projection is loaded.

    python -m bench.partners_latency STORE_DIR [--queries 200] [--seed S] [--json OUT]
    python -m bench.partners_latency --cache STORE_DIR.analytic/organisations.pickle [...]

STORE_DIR is an embedded (Oxigraph) store, e.g. one loaded with the national preset.
The analytic projection is read (from its on-disk cache when the store has one), the
partner index, the contract index and the candidates' trees are built (`prepared`), then
`partner_candidates` answers, with its reasons and introduction paths, for random
inclusive employers and objectives, two ways in the same run on the same queries:
*before*, the whole pool scored (`pruned=False`, the reference), and *after*, only the
candidates that can reach the best (`queries.partner_pruning`); every pair of answers
is compared (same candidates, order, scores and reasons). Two sets of queries: radius
30 km and 20 candidates (`maillage partenaires`), and no radius and 10 candidates
(what the web API's load benchmark asks). p50, p95 and max, wall and CPU, in
milliseconds. The filter alone (`candidate_pool`: the candidates within the radius,
what Les emplois and Le Marché de l'inclusion do) is timed too. Target: p95 < 200 ms.

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
from queries.org_network import org_network
from queries.partners import INCLUSIVE, Objective, candidate_pool, partner_candidates, partner_index, prepared

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
    """Load the projection and the indexes, then time `queries` answers of each set, the
    whole pool scored and pruned, and the filter alone."""
    started = time.perf_counter()
    network = from_cache_file(source) if isinstance(source, Path) else org_network(source)
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    index = prepared(partner_index(network))
    ready = time.perf_counter() - started
    rng = np.random.default_rng(seed)
    actors = [network.ids[i] for i in range(len(network.ids)) if str(index.kinds[i]) in INCLUSIVE]
    objectives = list(Objective)
    asked = [
        (actors[int(rng.integers(len(actors)))], objectives[int(rng.integers(len(objectives)))])
        for _ in range(queries)
    ]
    result: dict[str, Any] = {
        "organisations": len(network.ids),
        "ties": network.graph.ecount(),
        "projection_seconds": round(loaded, 1),
        "index_seconds": round(ready, 1),
        "queries": queries,
    }
    for name, options in SETS.items():
        timings: dict[str, tuple[list[float], list[float]]] = {"before": ([], []), "after": ([], [])}
        equal, baseline = 0, []
        for actor, objective in asked:
            answers = []
            for step, pruned in (("before", False), ("after", True)):
                t, c = time.perf_counter(), time.process_time()
                answers.append(
                    partner_candidates(index, actor, objective=objective, pruned=pruned, **options)
                )
                timings[step][0].append((time.perf_counter() - t) * 1000)
                timings[step][1].append((time.process_time() - c) * 1000)
            equal += answers[0] == answers[1]
            t = time.perf_counter()
            candidate_pool(index, actor, objective, radius_km=options["radius_km"])
            baseline.append((time.perf_counter() - t) * 1000)
        found: dict[str, Any] = {"options": options, "equal_answers": equal}
        for step, (wall, cpu) in timings.items():
            found[step] = {
                "p50_ms": _ms(wall, 50), "p95_ms": _ms(wall, 95), "max_ms": round(max(wall), 1),
                "cpu_p50_ms": _ms(cpu, 50), "cpu_p95_ms": _ms(cpu, 95),
                "cpu_mean_ms": round(float(np.mean(cpu)), 1),
            }  # fmt: skip
        found["filter_p50_ms"], found["filter_p95_ms"] = _ms(baseline, 50), _ms(baseline, 95)
        found["cpu_mean_ratio"] = round(
            found["before"]["cpu_mean_ms"] / max(found["after"]["cpu_mean_ms"], 1e-9), 1
        )
        result[name] = found
    return result


SETS: dict[str, dict[str, Any]] = {
    "radius_30km_20": {"radius_km": 30.0, "limit": 20},
    "no_radius_10": {"radius_km": None, "limit": 10},
}


def _ms(values: Sequence[float], q: int) -> float:
    return round(float(np.percentile(values, q)), 1)


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
        f"indexes {r['index_seconds']} s; {r['queries']} queries per set\n"
    )
    for name in SETS:
        f = r[name]
        sys.stdout.write(f"{name}: {f['equal_answers']}/{r['queries']} answers equal; ")
        for step in ("before", "after"):
            t = f[step]
            sys.stdout.write(
                f"{step} p50 {t['p50_ms']} / p95 {t['p95_ms']} / max {t['max_ms']} ms "
                f"(CPU p50 {t['cpu_p50_ms']}, p95 {t['cpu_p95_ms']}, mean {t['cpu_mean_ms']}); "
            )
        sys.stdout.write(
            f"filter alone p50 {f['filter_p50_ms']}, p95 {f['filter_p95_ms']} ms; "
            f"CPU mean before / after {f['cpu_mean_ratio']}x\n"
        )
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
