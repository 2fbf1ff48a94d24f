"""Benchmark: loading Neo4j in `UNWIND $rows` batches against one MERGE per row.

    python -m bench.neo4j_load                  # about 100,000 nodes
    python -m bench.neo4j_load --nodes 20000 --sample 2000

One run, on the real server (`graph.neo4j_server.Neo4jServer`, Neo4j 5.26 Community
in a child JVM, fresh data directory):

0. warm-up: both ways once on a small graph, then the database emptied (a fresh
   JVM plans and compiles every statement on first use);
1. baseline: the first `--sample` rows of the generated graph (nodes, then the
   relations between them), each written by its own auto-committed
   ``MERGE … SET`` query — one round trip and one transaction per row;
2. the database emptied, the whole graph loaded with `Neo4jStore.upsert`, in
   upserts of `--chunk` rows (each one transaction of `UNWIND $rows` statements);
3. printed, and written as JSON to `bench/results/`: rows/s of each, the ratio,
   the JVM's heap (``dbms.queryJmx``) and resident memory (``VmRSS``), the machine.

The graph is `bench.synthetic.synthetic_graph` (geography, organisations of every
kind, memberships, typed partnerships), sized to about `--nodes` nodes.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import neo4j
from neo4j import Driver

from bench.machine import machine
from bench.synthetic import synthetic_graph
from graph.model import Batch, Edge, Node
from graph.neo4j_server import NEO4J_VERSION, Neo4jServer
from graph.neo4j_store import Neo4jStore, connect, family_label

RESULTS: Final = Path(__file__).resolve().parent / "results"
TRIPLES_PER_NODE: Final = 7  # what bench.synthetic writes, about

# The naive baseline: what a loader without batching sends, once per row.
NAIVE_NODE: Final = """
MERGE (n:Node {id: $id})
SET n += $props
SET n:$($labels)
"""
NAIVE_EDGE: Final = """
MATCH (s:Node {id: $source})
MATCH (t:Node {id: $target})
MERGE (s)-[r:$($rel) {key: $key}]->(t)
SET r += $props
"""
JVM_HEAP: Final = """
CALL dbms.queryJmx('java.lang:type=Memory') YIELD attributes
RETURN attributes.HeapMemoryUsage.value.properties AS heap
"""


def _say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _rows(batch: Batch) -> int:
    return len(batch.nodes) + len(batch.edges)


def chunks(batch: Batch, size: int) -> Iterator[Batch]:
    """A dataset's batch as upserts of at most `size` rows: its nodes, then its relations
    (whose ends are then all in the store)."""
    for start in range(0, len(batch.nodes), size):
        yield replace(batch, nodes=batch.nodes[start : start + size], edges=())
    for start in range(0, len(batch.edges), size):
        yield replace(batch, nodes=(), edges=batch.edges[start : start + size])


def sample_rows(batches: Sequence[Batch], size: int) -> tuple[list[Node], list[Edge]]:
    """The first nodes, then relations between them, `size` rows in all (about half each)."""
    nodes: list[Node] = []
    for batch in batches:
        nodes.extend(batch.nodes)
    chosen = nodes[: size // 2]
    ids = {n.id for n in chosen}
    edges = [e for b in batches for e in b.edges if e.source in ids and e.target in ids]
    edges = edges[: size - len(chosen)]
    chosen = nodes[: size - len(edges)]
    return chosen, edges


def naive_load(driver: Driver, nodes: Sequence[Node], edges: Sequence[Edge]) -> float:
    """One auto-committed query a row; the seconds it took."""
    started = time.perf_counter()
    for node in nodes:
        props: dict[str, Any] = {"id": node.id, "name": node.name, "kind": node.kind.value, **node.props}
        driver.execute_query(
            NAIVE_NODE, id=node.id, props=props, labels=[family_label(node.kind), node.kind.value]
        )
    for edge in edges:
        driver.execute_query(
            NAIVE_EDGE,
            source=edge.source,
            target=edge.target,
            rel=edge.rel.value,
            key=edge.key,
            props=dict(edge.attrs),
        )
    return time.perf_counter() - started


def jvm_memory(driver: Driver, pid: int | None) -> dict[str, float | None]:
    records, _, _ = driver.execute_query(JVM_HEAP)
    heap = records[0]["heap"]
    rss = None
    if pid is not None:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss = round(int(line.split()[1]) / 1024, 1)
        except OSError:
            rss = None
    return {
        "heap_used_mib": round(heap["used"] / 2**20, 1),
        "heap_committed_mib": round(heap["committed"] / 2**20, 1),
        "heap_max_mib": round(heap["max"] / 2**20, 1),
        "rss_mib": rss,
    }


def launcher_pid(port: int) -> int | None:
    """The JVM serving `port` (found by its command line)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"neo4j-launcher.jar" in b" ".join(command) and str(port).encode() in command:
            return int(entry.name)
    return None


def run(nodes: int, sample: int, chunk: int) -> dict[str, Any]:
    graph = synthetic_graph(nodes * TRIPLES_PER_NODE)
    total_nodes = sum(len(b.nodes) for b in graph.batches)
    total_rows = sum(_rows(b) for b in graph.batches)
    _say(f"graph: {total_nodes:,} nodes, {total_rows - total_nodes:,} relations, {total_rows:,} rows")
    with Neo4jServer(log_level="WARN") as server:
        driver = connect(server.uri, server.auth)
        pid = launcher_pid(server.port)
        try:
            store = Neo4jStore(driver)
            store.ensure_schema()

            _say("warm-up: both ways once on a small graph (query plans, JIT) …")
            warm = synthetic_graph(500 * TRIPLES_PER_NODE, seed=7)
            naive_load(driver, *sample_rows(warm.batches, 200))
            store.clear()
            for batch in warm.batches:
                for part in chunks(batch, chunk):
                    store.upsert(part)
            store.clear()

            sample_nodes, sample_edges = sample_rows(graph.batches, sample)
            naive_rows = len(sample_nodes) + len(sample_edges)
            _say(f"naive: one MERGE per row, {naive_rows:,} rows …")
            naive_s = naive_load(driver, sample_nodes, sample_edges)
            naive_rate = naive_rows / naive_s
            _say(f"  {naive_s:.1f} s, {naive_rate:,.0f} rows/s")

            store.clear()
            _say(f"batched: Neo4jStore.upsert, {chunk:,} rows an upsert, {total_rows:,} rows …")
            started = time.perf_counter()
            for batch in graph.batches:
                for part in chunks(batch, chunk):
                    store.upsert(part)
            batched_s = time.perf_counter() - started
            batched_rate = total_rows / batched_s
            _say(f"  {batched_s:.1f} s, {batched_rate:,.0f} rows/s")
            ratio = batched_rate / naive_rate
            _say(f"batched / naive: {ratio:.1f}× faster")

            counts = store.counts()
            assert sum(counts.nodes.values()) == total_nodes, "every node written"
            memory = jvm_memory(driver, pid)
            _say(
                f"JVM: heap {memory['heap_used_mib']} MiB used of {memory['heap_max_mib']} MiB max "
                f"({memory['heap_committed_mib']} MiB committed), resident {memory['rss_mib']} MiB"
            )
        finally:
            driver.close()
    return {
        "command": " ".join(["python -m bench.neo4j_load", *sys.argv[1:]]),
        "when": datetime.now().isoformat(timespec="seconds"),
        "machine": machine(
            neo4j_driver=neo4j.__version__,
            driver_packstream="neo4j-rust-ext" if importlib.util.find_spec("neo4j._rust") else "pure Python",
            neo4j_server=NEO4J_VERSION,
        ),
        "graph": {"nodes": total_nodes, "relations": total_rows - total_nodes, "rows": total_rows},
        "naive": {"rows": naive_rows, "seconds": round(naive_s, 2), "rows_per_s": round(naive_rate)},
        "batched": {
            "rows": total_rows,
            "rows_per_upsert": chunk,
            "seconds": round(batched_s, 2),
            "rows_per_s": round(batched_rate),
        },
        "ratio": round(ratio, 1),
        "jvm": memory,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.neo4j_load", description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, default=100_000, help="about this many nodes (default 100,000)")
    parser.add_argument(
        "--sample", type=int, default=2_000, help="rows of the naive baseline (default 2,000)"
    )
    parser.add_argument("--chunk", type=int, default=10_000, help="rows an upsert (default 10,000)")
    args = parser.parse_args(argv)
    result = run(args.nodes, args.sample, args.chunk)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"neo4j_load-{result['graph']['nodes']}-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    _say(f"machine: {result['machine']['nproc']} × {result['machine']['cpu']}")
    _say(f"written: {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
