"""Benchmark: the web API under load, over loopback HTTP.

    python -m bench.api_load --store out/demo/store
    python -m bench.national_load --workdir DIR && python -m bench.api_load --store DIR/store

Starts `maillage serve` on 127.0.0.1 (a free port; the server never listens
elsewhere), waits for it, warms the search index and the partner index (timed:
built once per store state), then sends, for each endpoint, `--requests` requests
from `--clients` concurrent clients (bounded by `--seconds` per endpoint too):
search (the first words of actors' names), actor, neighbourhood (depth 1) and
partner candidates (SIAE, objective recrutement). The baseline is /api/v1/datasets,
the lightest route, measured in the same run: the ratio of each p95 to it tells the
route's own cost from the framework's and the machine's. Reported: p50, p95, p99
(ms), throughput (requests/s), errors, the machine. Targets: p95 < 50 ms for search
and actor, < 250 ms for candidates.

With `--rounds N`, every endpoint is loaded N times over, each round with actors drawn
again from the same sample: a server's first seconds are not its steady state (a forked
worker copies the pages of the indexes it touches, its store's block cache is cold);
every round is reported (`endpoints_by_round`), and `endpoints`, judged against the
targets, is the last.

Then the network-analysis views, each computed once per store state: the first request
(cold: the computation, and for the first one the organisation lens too) and the
median of five more (warm: served from memory) of the club view of a club, the
territory view, the centrality ranking and the overview of that club's département.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

import httpx

from bench.machine import machine

HOST: Final = "127.0.0.1"
TARGETS_MS: Final = {"search": 50.0, "actor": 50.0, "candidates": 250.0}
SIAE: Final = ("ACI", "EI", "AI", "ETTI", "EITI")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _start(store: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    maillage = Path(sys.executable).with_name("maillage")
    extra = ["--workers", str(workers)] if workers > 1 else []
    return subprocess.Popen(
        [str(maillage), "serve", "--store", str(store), "--host", HOST, "--port", str(port), *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _wait(base: str, server: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(
                f"the server stopped: {server.stderr.read().decode() if server.stderr else ''}"
            )
        try:
            if httpx.get(base + "/api/v1/datasets", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"no answer from {base} within {timeout_s:g} s")


def _timed_get(url: str, timeout_s: float = 1800.0) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = httpx.get(url, timeout=timeout_s)
    return time.perf_counter() - started, response


def _typed(name: str) -> str:
    """What a user types to find `name`: its first two words, the last still being typed."""
    parts = name.split()
    text = " ".join(parts[:2])
    return text[: max(4, len(text) - 2)]


def _sample(base: str, rng: random.Random, n: int) -> dict[str, list[str]]:
    """Request paths for each endpoint, from actors the store holds."""
    actors: list[dict[str, Any]] = []
    siae: list[dict[str, Any]] = []
    for kind in (*SIAE, "Entreprise", "Club"):
        page = httpx.get(base + "/api/v1/search", params={"kind": kind, "per_page": 200}, timeout=600).json()[
            "items"
        ]
        actors.extend(page)
        if kind in SIAE:
            siae.extend(page)
    if not actors or not siae:
        raise RuntimeError("the store holds no SIAE or company to query")

    def pick(items: list[dict[str, Any]]) -> dict[str, Any]:
        return items[rng.randrange(len(items))]

    return {
        "datasets": ["/api/v1/datasets"] * n,
        "search": [f"/api/v1/search?q={quote(_typed(pick(actors)['name']))}" for _ in range(n)],
        "actor": [f"/api/v1/actors/{quote(pick(actors)['id'])}" for _ in range(n)],
        "neighbourhood": [
            f"/api/v1/actors/{quote(pick(actors)['id'])}/neighbourhood?depth=1" for _ in range(n)
        ],
        "candidates": [
            f"/api/v1/actors/{quote(pick(siae)['id'])}/candidates?objectif=recrutement&limit=10"
            for _ in range(n)
        ],
    }


class _Connection:
    """One keep-alive HTTP/1.1 connection, as light as a client can be: the load client
    shares the machine with the server, and httpx's own cost per request (about a
    millisecond of CPU) would be counted against the server's latency."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> _Connection:
        return cls(*await asyncio.open_connection(HOST, port))

    async def get(self, path: str) -> int:
        """The status of GET `path` (the body is read and dropped)."""
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        sizes = [line.split(":", 1)[1] for line in lines[1:] if line.lower().startswith("content-length:")]
        length = int(sizes[0]) if sizes else None
        if length is None:
            raise RuntimeError(f"{path}: an answer without Content-Length")
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        self.writer.close()


async def _load(port: int, paths: list[str], clients: int, seconds: float) -> dict[str, Any]:
    queue: asyncio.Queue[str] = asyncio.Queue()
    for path in paths:
        queue.put_nowait(path)
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds

    async def client() -> None:
        nonlocal errors
        connection: _Connection | None = None
        while time.monotonic() < deadline:
            try:
                path = queue.get_nowait()
            except asyncio.QueueEmpty:
                break
            started = time.perf_counter()
            try:
                if connection is None:
                    connection = await _Connection.open(port)
                async with asyncio.timeout(120):
                    ok = await connection.get(path) == 200
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
                ok = False
                if connection is not None:
                    connection.close()
                connection = None
            latencies.append(time.perf_counter() - started)
            errors += not ok
        if connection is not None:
            connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    latencies.sort()

    def quantile(q: float) -> float:
        return round(1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1)

    return {
        "requests": len(latencies),
        "errors": errors,
        "seconds": round(elapsed, 2),
        "throughput_rps": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": quantile(0.50),
        "p95_ms": quantile(0.95),
        "p99_ms": quantile(0.99),
        "mean_ms": round(1000 * statistics.fmean(latencies), 1) if latencies else 0.0,
    }


def _views(base: str, club: dict[str, Any]) -> dict[str, Any]:
    """Cold and warm times of the analysis views of `club` and of its département."""
    territory = club.get("departement") or "departement:10"
    paths = {
        "club": f"/api/v1/clubs/{quote(club['id'])}",
        "territory": f"/api/v1/territories/{quote(territory)}",
        "centrality": f"/api/v1/centrality?territoire={quote(territory)}",
        "overview": f"/api/v1/overview?territoire={quote(territory)}",
    }
    found: dict[str, Any] = {"club": club["id"], "territory": territory}
    for name, path in paths.items():
        cold, response = _timed_get(base + path)
        warm = [_timed_get(base + path)[0] for _ in range(5)]
        found[name] = {
            "status": response.status_code,
            "cold_s": round(cold, 2),
            "warm_p50_ms": round(1000 * statistics.median(warm), 1),
            "bytes": len(response.content),
        }
        sys.stderr.write(f"{name:14} {json.dumps(found[name])}\n")
    return found


def run(
    store: Path,
    *,
    clients: int,
    requests: int,
    seconds: float,
    seed: int,
    club: str | None = None,
    workers: int = 1,
    rounds: int = 1,
) -> dict[str, Any]:
    port = _free_port()
    base = f"http://{HOST}:{port}"
    report: dict[str, Any] = {
        "machine": machine(),
        "store": str(store),
        "clients": clients,
        "server_workers": workers,
        "requests_per_endpoint": requests,
        "seconds_per_endpoint_max": seconds,
        "rounds": rounds,
    }
    server = _start(store, port, workers)
    try:
        started = time.perf_counter()
        _wait(base, server, timeout_s=1800)
        report["server_start_s"] = round(time.perf_counter() - started, 2)
        index_s, _ = _timed_get(base + "/api/v1/search?q=a")
        report["search_index_build_s"] = round(index_s, 2)
        paths = _sample(base, random.Random(seed), requests)
        partner_s, _ = _timed_get(base + paths["candidates"][0])
        report["partner_index_build_s"] = round(partner_s, 2)
        report["datasets"] = httpx.get(base + "/api/v1/datasets", params={"per_page": 200}).json()["total"]
        by_round: list[dict[str, Any]] = []
        for round_no in range(1, rounds + 1):
            if round_no > 1:  # the same actors, drawn again
                paths = _sample(base, random.Random(seed + round_no - 1), requests)
            results: dict[str, Any] = {}
            for name, endpoint_paths in paths.items():
                results[name] = asyncio.run(_load(port, endpoint_paths, clients, seconds))
                sys.stderr.write(f"{round_no} {name:14} {json.dumps(results[name])}\n")
            by_round.append(results)
        if rounds > 1:
            report["endpoints_by_round"] = by_round
        baseline = results["datasets"]["p95_ms"] or 1.0
        for name, figures in results.items():
            figures["p95_ratio_to_baseline"] = round(figures["p95_ms"] / baseline, 1)
            if name in TARGETS_MS:
                figures["target_p95_ms"] = TARGETS_MS[name]
                figures["meets_target"] = figures["p95_ms"] < TARGETS_MS[name]
        report["endpoints"] = results
        clubs = httpx.get(base + "/api/v1/search", params={"kind": "Club", "per_page": 200}, timeout=600)
        chosen = [c for c in clubs.json()["items"] if club in (None, c["id"])]
        if chosen:
            report["views"] = _views(base, chosen[0])
    finally:
        _stop(server)
    return report


def _stop(server: subprocess.Popen[bytes]) -> None:
    """Ctrl-C to the server's process group, then SIGKILL if it has not left in 30 s."""
    os.killpg(server.pid, signal.SIGINT)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def _print_report(report: dict[str, Any], json_path: Path | None) -> None:
    """The figures as JSON on standard output, and in `json_path` when given."""
    text = json.dumps(report, indent=2, ensure_ascii=False)
    sys.stdout.write(text + "\n")
    if json_path is not None:
        json_path.write_text(text + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True, help="an embedded store (e.g. DIR/store)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients")
    parser.add_argument("--requests", type=int, default=1000, help="requests per endpoint (at most)")
    parser.add_argument("--seconds", type=float, default=60.0, help="seconds per endpoint (at most)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workers", type=int, default=1, help="server processes (maillage serve --workers)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="load every endpoint this many times over; the figures judged are the last round's",
    )
    parser.add_argument("--club", default=None, help="the club of the analysis views (default: the first)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if not args.store.exists():
        parser.error(f"no store at {args.store}")
    report = run(
        args.store,
        clients=args.clients,
        requests=args.requests,
        seconds=args.seconds,
        seed=args.seed,
        club=args.club,
        workers=args.workers,
        rounds=args.rounds,
    )
    _print_report(report, args.json)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
