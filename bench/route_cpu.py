"""Benchmark: the server's CPU time per request of a few routes, over loopback HTTP.

    python -m bench.route_cpu --store DIR/store [--workers 2] [--requests 2000] [--rounds 3]

Starts `maillage serve` on 127.0.0.1, then sends, one after the other on one keep-alive
connection, `--requests` requests to each route — the baseline `/api/v1/datasets`, an
actor that does not exist (routing, validation and the problem answer: the framework's
share of an actor request), actors drawn from the store and searches of their names'
first words (as `bench.api_load` draws them) — and reads the CPU time the server's
processes (every thread of the parent and of its workers, from /proc) spent meanwhile.
Sequential requests measure cost, not latency under load; `--rounds` repeats the whole
so that the first round (a forked worker copying the pages of the indexes it touches,
a cold block cache) stands apart from the steady state.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from bench.api_load import HOST, SIAE, _free_port, _print_report, _start, _stop, _typed, _wait
from bench.machine import machine


def _cpu_seconds(pid: int) -> float:
    """User + system time of every thread of `pid` and of its children."""
    ticks = 0
    pids = [pid]
    with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as f:
        pids.extend(int(p) for p in f.read().split())
    for one in pids:
        for task in os.listdir(f"/proc/{one}/task"):
            with open(f"/proc/{one}/task/{task}/stat", encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def run(store: Path, *, workers: int, requests: int, rounds: int, seed: int) -> dict[str, Any]:
    port = _free_port()
    base = f"http://{HOST}:{port}"
    server = _start(store, port, workers)
    report: dict[str, Any] = {
        "machine": machine(),
        "store": str(store),
        "workers": workers,
        "requests": requests,
    }
    try:
        _wait(base, server, timeout_s=1800)
        client = httpx.Client(timeout=600)
        actors: list[str] = []
        names: list[str] = []
        for kind in (*SIAE, "Entreprise", "Club"):
            page = client.get(base + "/api/v1/search", params={"kind": kind, "per_page": 200}).json()
            actors.extend(item["id"] for item in page["items"])
            names.extend(item["name"] for item in page["items"])
        rng = random.Random(seed)
        rounds_out = []
        for round_no in range(1, rounds + 1):
            routes = {
                "datasets": ["/api/v1/datasets"] * requests,
                "actor, missing": ["/api/v1/actors/org:absent"] * requests,
                "actor": [f"/api/v1/actors/{rng.choice(actors)}" for _ in range(requests)],
                "search": [f"/api/v1/search?q={quote(_typed(rng.choice(names)))}" for _ in range(requests)],
            }
            figures = {}
            for name, paths in routes.items():
                cpu, wall = _cpu_seconds(server.pid), time.perf_counter()
                for path in paths:
                    answer = client.get(base + path)
                    if answer.status_code not in (200, 404):
                        raise RuntimeError(f"{path}: {answer.status_code}")
                figures[name] = {
                    "server_cpu_ms": round(1000 * (_cpu_seconds(server.pid) - cpu) / requests, 3),
                    "wall_ms": round(1000 * (time.perf_counter() - wall) / requests, 3),
                }
                sys.stderr.write(f"{round_no} {name:15} {json.dumps(figures[name])}\n")
            rounds_out.append(figures)
        report["rounds"] = rounds_out
    finally:
        _stop(server)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True, help="an embedded store (e.g. DIR/store)")
    parser.add_argument("--workers", type=int, default=2, help="server processes (maillage serve --workers)")
    parser.add_argument("--requests", type=int, default=2000, help="requests per route and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if not args.store.exists():
        parser.error(f"no store at {args.store}")
    report = run(args.store, workers=args.workers, requests=args.requests, rounds=args.rounds, seed=args.seed)
    _print_report(report, args.json)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
