"""Benchmark: loading Neo4j — the current write path against the one before issue 12 and
against one MERGE per row, in one run, with a profile of where the time goes.

    python -m bench.neo4j_load                  # about 100,000 nodes
    python -m bench.neo4j_load --nodes 20000 --sample 2000 --chunk 10000 --rounds 3
    python -m bench.neo4j_load --national       # the national preset: importer and current path
    python -m bench.neo4j_load --national --no-import --chunk 0 --statement-rows 5000,20000
        # the upserts only, one a dataset (as `maillage load` sends them), two statement sizes

One run, on the real server (`graph.neo4j_server.Neo4jServer`, Neo4j 5.26 Community
in a child JVM, fresh data directory, heap `--heap`):

0. warm-up: every path once on a small graph, then the database emptied (a fresh
   JVM plans and compiles every statement on first use);
1. naive: the first `--sample` rows of the graph (nodes, then the relations between
   them), each written by its own auto-committed ``MERGE … SET`` query;
2. before: the whole graph with the write path as it was before issue 12
   (`bench.neo4j_before`), in upserts of `--chunk` rows;
3. after: the database emptied, the whole graph with `Neo4jStore.upsert`, the same upserts;
   both paths must leave the same counts; steps 2 and 3 run `--rounds` times in turn
   (the first round runs on a JVM that has compiled little yet: each round's seconds are
   kept, the profile and the ratio are the last round's, the first round's ratio beside it);
4. import: the same graph by the offline importer into a new database
   (`graph.neo4j_import.import_batches`: the graph in memory and its CSV files,
   ``neo4j-admin database import full``, one server start for the schema), then a
   server on it; its counts must equal the upserts';
5. printed, and written as JSON to `bench/results/`: rows/s of each path and their
   ratios, the profile of each (`bench.neo4j_profile`: Python before the transaction,
   Python building rows, per statement the driver's time and the server's own account,
   the operators of its plan, commit), the JVM's heap (``dbms.queryJmx``) and resident
   memory (``VmRSS``, ``VmHWM``), the client's peak memory, the machine.

The graph is `bench.synthetic.synthetic_graph` (geography, organisations of every
kind, memberships, typed partnerships), sized to about `--nodes` nodes; with
`--national`, the real frame and the generated national preset as
`bench.national_load` builds them (steps 1 and 2 skipped). `--setting KEY=VALUE` passes
a Neo4j setting to the server of the upserts (``db.tx_log.preallocate=true``).
Ratios: after / before, after / naive, import / after (same run, same graph).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

import neo4j
from neo4j import Driver

from bench.machine import machine
from bench.neo4j_before import BeforeStore
from bench.neo4j_profile import Profile, timed
from bench.synthetic import synthetic_graph
from graph.model import Batch, Edge, Node
from graph.neo4j_import import import_batches
from graph.neo4j_server import DEFAULT_HEAP, DEFAULT_PAGE_CACHE, NEO4J_VERSION, Neo4jServer
from graph.neo4j_store import CHUNK_SIZE, Neo4jStore, connect, family_label
from loaders.formats import KnownNodes
from loaders.real_frame import real_outputs
from loaders.synthetic import generate, national
from loaders.synthetic.loading import synthetic_outputs
from loaders.synthetic.reference import reference_from_outputs

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
    (whose ends are then all in the store); `size` 0: the whole batch, one upsert (what
    `maillage load` sends)."""
    if size <= 0:
        yield batch
        return
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
    rss = peak = None
    if pid is not None:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss = round(int(line.split()[1]) / 1024, 1)
                if line.startswith("VmHWM:"):
                    peak = round(int(line.split()[1]) / 1024, 1)
        except OSError:
            rss = peak = None
    return {
        "heap_used_mib": round(heap["used"] / 2**20, 1),
        "heap_committed_mib": round(heap["committed"] / 2**20, 1),
        "heap_max_mib": round(heap["max"] / 2**20, 1),
        "rss_mib": rss,
        "peak_rss_mib": peak,
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


def load(store: Neo4jStore, batches: Sequence[Batch], chunk: int, *, verbose: bool = False) -> float:
    """Every batch in upserts of `chunk` rows; the seconds it took (`verbose`: each
    dataset's rows and seconds printed as it ends)."""
    started = time.perf_counter()
    for batch in batches:
        begun = time.perf_counter()
        for part in chunks(batch, chunk):
            store.upsert(part)
        if verbose:
            _say(f"    {batch.provenance.source}: {_rows(batch):,} rows, {time.perf_counter() - begun:.1f} s")
    return time.perf_counter() - started


def national_batches(workdir: Path) -> list[Batch]:
    """The national preset as `bench.national_load` builds it: the real frame, then the
    generated files parsed by their loaders, in load order."""
    real = real_outputs()
    reference = reference_from_outputs(real.geography, real.nomenclatures, real.structures)
    generate(national(), workdir, seed=42, reference=reference, as_of=date(2025, 1, 1))
    known = KnownNodes()
    batches = []
    for output in real.in_order():
        batches.append(output.batch)
        known.add_batch(output.batch)
    for output in synthetic_outputs(workdir, real, known):
        batches.append(output.batch)
    return batches


def import_path(batches: Sequence[Batch], rows: int, heap: str) -> dict[str, Any]:
    """The offline importer into a new database (`graph.neo4j_import`): its steps' times,
    rows/s over all of them, the child JVMs' peak resident memory (importer and the one
    server start that builds the schema), then the server on it: counts and JVM memory."""
    home = Path(tempfile.mkdtemp(prefix="maillage-neo4j-import-bench-"))
    try:
        report = import_batches(batches, home, heap=heap)
        children_peak = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
        server = Neo4jServer(log_level="WARN", heap=heap)
        server.start(data_dir=home, timeout=300)
        try:
            driver = connect(server.uri, server.auth)
            try:
                counts = Neo4jStore(driver).counts()
                memory = jvm_memory(driver, launcher_pid(server.port))
            finally:
                driver.close()
        finally:
            server.stop()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    figures: dict[str, Any] = {
        "seconds": round(report.seconds, 2),
        "rows_per_s": round(rows / report.seconds),
        "prepare_s": round(report.prepare_s, 2),
        "import_s": round(report.import_s, 2),
        "schema_s": round(report.schema_s, 2),
        "import_rows_per_s": round(rows / report.import_s),
        "nodes": report.nodes,
        "relationships": report.relationships,
        "children_peak_rss_mib": children_peak,
        "jvm_after_start": memory,
    }
    return {**figures, "counts": counts}


def run(
    nodes: int,
    sample: int,
    chunk: int,
    *,
    national_preset: bool,
    heap: str,
    page_cache: str = DEFAULT_PAGE_CACHE,
    importer: bool = True,
    statement_rows: Sequence[int] = (CHUNK_SIZE,),
    rounds: int = 1,
    settings: Sequence[str] = (),
) -> dict[str, Any]:
    started = time.perf_counter()
    if national_preset:
        workdir = Path(tempfile.mkdtemp(prefix="maillage-neo4j-national-"))
        try:
            batches = national_batches(workdir)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    else:
        batches = synthetic_graph(nodes * TRIPLES_PER_NODE).batches
    prepare_s = time.perf_counter() - started
    total_nodes = sum(len(b.nodes) for b in batches)
    total_rows = sum(_rows(b) for b in batches)
    _say(
        f"graph: {total_nodes:,} nodes, {total_rows - total_nodes:,} relations, {total_rows:,} rows "
        f"({prepare_s:.1f} s to build)"
    )
    result: dict[str, Any] = {
        "command": " ".join(["python -m bench.neo4j_load", *sys.argv[1:]]),
        "when": datetime.now().isoformat(timespec="seconds"),
        "machine": machine(
            neo4j_driver=neo4j.__version__,
            driver_packstream="neo4j-rust-ext" if importlib.util.find_spec("neo4j._rust") else "pure Python",
            neo4j_server=NEO4J_VERSION,
            heap=heap,
            page_cache=page_cache,
            settings=" ".join(settings) or "launcher defaults",
        ),
        "graph": {"nodes": total_nodes, "relations": total_rows - total_nodes, "rows": total_rows},
        "rows_per_upsert": chunk or "one upsert a dataset",
        "rows_per_statement": statement_rows[0],
        "rounds": [],
    }
    imported: dict[str, Any] | None = None
    if importer:
        _say("import (neo4j-admin database import full into a new database, then the schema) …")
        imported = import_path(batches, total_rows, heap)
        import_counts = imported.pop("counts")
        result["import"] = imported
        _say(
            f"  {imported['seconds']:.1f} s, {imported['rows_per_s']:,} rows/s "
            f"(prepare {imported['prepare_s']} s, "
            f"importer {imported['import_s']} s = {imported['import_rows_per_s']:,} rows/s, "
            f"schema {imported['schema_s']} s); child JVMs peak resident "
            f"{imported['children_peak_rss_mib']} MiB"
        )
    with Neo4jServer(log_level="WARN", heap=heap, page_cache=page_cache, settings=settings) as server:
        driver = connect(server.uri, server.auth)
        pid = launcher_pid(server.port)
        try:
            before = timed(BeforeStore)(driver)
            after = timed(Neo4jStore)(driver, chunk_size=statement_rows[0])
            after.ensure_schema()  # constraints and indexes before the first row

            _say("warm-up: every path once on a small graph (query plans, JIT) …")
            warm = synthetic_graph(500 * TRIPLES_PER_NODE, seed=7).batches
            if not national_preset:
                naive_load(driver, *sample_rows(warm, 200))
                after.clear()
                before.profile = Profile()
                load(before, warm, chunk)
                after.clear()
            after.profile = Profile()
            load(after, warm, chunk)
            after.clear()

            if not national_preset:
                sample_nodes, sample_edges = sample_rows(batches, sample)
                naive_rows = len(sample_nodes) + len(sample_edges)
                _say(f"naive: one MERGE per row, {naive_rows:,} rows …")
                naive_s = naive_load(driver, sample_nodes, sample_edges)
                result["naive"] = {
                    "rows": naive_rows,
                    "seconds": round(naive_s, 2),
                    "rows_per_s": round(naive_rows / naive_s),
                }
                _say(f"  {naive_s:.1f} s, {naive_rows / naive_s:,.0f} rows/s")
                after.clear()

            before_s = 0.0
            for round_ in range(1, rounds + 1):
                if not national_preset:
                    _say(f"before (the write path before issue 12), round {round_}: {total_rows:,} rows …")
                    before.profile = Profile(plans=before.profile.plans)  # each plan EXPLAINed once
                    before_s = load(before, batches, chunk)
                    before_counts = before.counts()
                    result["before"] = _figures(total_rows, before_s, before.profile)
                    _say(f"  {before_s:.1f} s, {total_rows / before_s:,.0f} rows/s")
                    after.clear()
                _say(
                    f"after (Neo4jStore.upsert, {statement_rows[0]:,} rows a statement), round {round_}: "
                    f"{total_rows:,} rows …"
                )
                after.profile = Profile(plans=after.profile.plans)
                after_s = load(after, batches, chunk, verbose=national_preset)
                result["after"] = _figures(total_rows, after_s, after.profile)
                _say(f"  {after_s:.1f} s, {total_rows / after_s:,.0f} rows/s")
                result["rounds"].append(
                    {"before_s": round(before_s, 2) or None, "after_s": round(after_s, 2)}
                )
                if round_ < rounds:
                    after.clear()
            if not national_preset:
                _say("before, last round:")
                for line in before.profile.lines():
                    _say(line)
            _say("after, last round:")
            for line in after.profile.lines():
                _say(line)
            counts = after.counts()
            distinct = len({n.id for b in batches for n in b.nodes})  # datasets share nodes
            written = after.read("MATCH (n:Node) RETURN count(n) AS n")[0]["n"]
            assert written == distinct, f"every node written: {written:,} of {distinct:,}"
            if imported is not None:
                assert counts == import_counts, "the importer and the upserts write the same graph"
                result["ratio_import_after"] = round(after_s / imported["seconds"], 1)
                _say(f"import / after: {result['ratio_import_after']}× faster")
            if not national_preset:
                assert counts == before_counts, "both paths write the same graph"
                first = result["rounds"][0]
                result["ratio_after_before"] = round(before_s / after_s, 1)
                result["ratio_after_before_first_round"] = round(first["before_s"] / first["after_s"], 1)
                result["ratio_after_naive"] = round(
                    result["after"]["rows_per_s"] / result["naive"]["rows_per_s"], 1
                )
                _say(
                    f"after / before: {result['ratio_after_before']}× faster in the last round, "
                    f"{result['ratio_after_before_first_round']}× in the first; "
                    f"after / naive: {result['ratio_after_naive']}× faster"
                )
            memory = jvm_memory(driver, pid)
            result["jvm"] = memory
            _say(
                f"JVM: heap {memory['heap_used_mib']} MiB used of {memory['heap_max_mib']} MiB max "
                f"({memory['heap_committed_mib']} MiB committed), resident {memory['rss_mib']} MiB, "
                f"peak resident {memory['peak_rss_mib']} MiB"
            )
        finally:
            driver.close()
    for size in statement_rows[1:]:
        _say(f"after, {size:,} rows a statement (a new server): {total_rows:,} rows …")
        figures = statement_size(batches, chunk, size, heap=heap, page_cache=page_cache, settings=settings)
        result.setdefault("after_by_statement_rows", {})[size] = figures
        assert figures.pop("counts") == counts, "the same graph whatever the statement size"
        _say(f"  {figures['seconds']:.1f} s, {figures['rows_per_s']:,} rows/s")
        for line in figures.pop("lines"):
            _say(line)
    result["client_peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


def statement_size(
    batches: Sequence[Batch],
    chunk: int,
    size: int,
    *,
    heap: str,
    page_cache: str,
    settings: Sequence[str] = (),
) -> dict[str, Any]:
    """The upserts again, `size` rows a statement, on a server of their own (warmed up
    on a small graph first): figures, counts and the profile's first lines."""
    rows = sum(_rows(b) for b in batches)
    with Neo4jServer(log_level="WARN", heap=heap, page_cache=page_cache, settings=settings) as server:
        driver = connect(server.uri, server.auth)
        try:
            store = timed(Neo4jStore)(driver, chunk_size=size)
            store.ensure_schema()
            store.profile = Profile()
            load(store, synthetic_graph(500 * TRIPLES_PER_NODE, seed=7).batches, chunk)
            store.clear()
            store.profile = Profile()
            seconds = load(store, batches, chunk)
            figures = _figures(rows, seconds, store.profile)
            return {**figures, "counts": store.counts(), "lines": store.profile.lines()[:12]}
        finally:
            driver.close()


def _figures(rows: int, seconds: float, profile: Profile) -> dict[str, Any]:
    return {"seconds": round(seconds, 2), "rows_per_s": round(rows / seconds), "profile": profile.as_dict()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.neo4j_load", description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, default=100_000, help="about this many nodes (default 100,000)")
    parser.add_argument(
        "--sample", type=int, default=2_000, help="rows of the naive baseline (default 2,000)"
    )
    parser.add_argument(
        "--chunk", type=int, default=10_000, help="rows an upsert (default 10,000; 0: one upsert a dataset)"
    )
    parser.add_argument(
        "--national",
        action="store_true",
        help="the national preset (real frame + generated files): importer and current path only",
    )
    parser.add_argument(
        "--heap", default=DEFAULT_HEAP, help=f"JVM heap of the server (default {DEFAULT_HEAP})"
    )
    parser.add_argument(
        "--page-cache",
        default=DEFAULT_PAGE_CACHE,
        help=f"page cache of the server of the upserts (default {DEFAULT_PAGE_CACHE})",
    )
    parser.add_argument(
        "--no-import",
        action="store_true",
        help="skip the offline importer (and the check that it writes the same graph)",
    )
    parser.add_argument(
        "--statement-rows",
        default=str(CHUNK_SIZE),
        help=f"rows a statement; several (comma-separated) measured in turn (default {CHUNK_SIZE})",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=None,
        help="before and after in turn this many times (the first round is the coldest; "
        "default 3, and 1 with --national)",
    )
    parser.add_argument(
        "--setting",
        action="append",
        default=[],
        help="a setting KEY=VALUE of the server of the upserts, as in neo4j.conf (repeatable)",
    )
    args = parser.parse_args(argv)
    result = run(
        args.nodes,
        args.sample,
        args.chunk,
        national_preset=args.national,
        heap=args.heap,
        page_cache=args.page_cache,
        importer=not args.no_import,
        statement_rows=[int(v) for v in args.statement_rows.split(",")],
        rounds=args.rounds if args.rounds is not None else (1 if args.national else 3),
        settings=args.setting,
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    name = "national" if args.national else str(result["graph"]["nodes"])
    path = RESULTS / f"neo4j_load-{name}-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    _say(f"machine: {result['machine']['nproc']} × {result['machine']['cpu']}")
    _say(f"written: {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
