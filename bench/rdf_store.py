"""Benchmark: the embedded store (pyoxigraph, on disk) against rdflib's in-memory Graph.

    python -m bench.rdf_store --triples 1000000
    python -m bench.rdf_store --quick              # 50,000 triples

One run: generate a synthetic graph of about N triples in the project's layout
(`bench.synthetic`: `Batch`es written by `graph.rdf.batch_quads`), bulk-load it
into a fresh on-disk `OxigraphStore` (`bulk_load`) and into an rdflib `Graph`
(every quad's triple added, graph names dropped: the union the SPARQL queries
read), then run the same three SPARQL queries on both:

- Q1 count by kind: organisations, places and relations per `mlg:` class;
- Q2 two-hop join: organisations sharing a club with the organisations of the
  busiest commune;
- Q3 filter, ORDER BY and LIMIT: the first 20 SIAE by name whose name contains a word.

rdflib's queries run in a forked process killed after `--timeout` seconds. Printed
and written as JSON to `bench/results/`: load rates (triples/s), query times, the
speed-up of pyoxigraph (rdflib time / pyoxigraph time), whether both engines gave
the same answers, peak memory of each phase, the machine.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Final

import pyoxigraph
import rdflib

from bench.machine import dir_size
from bench.machine import machine as machine_of
from bench.synthetic import synthetic_graph
from graph.interchange import rdflib_graph
from graph.kinds import RelKind
from graph.oxigraph_store import OxigraphStore
from graph.rdf import MLG, SCHEMA, batch_quads, iri

RESULTS: Final = Path(__file__).resolve().parent / "results"
QUICK_TRIPLES: Final = 50_000

_PREFIXES: Final = f"PREFIX mlg: <{MLG}>\nPREFIX schema: <{SCHEMA}>\n"

Q1_COUNT_BY_KIND: Final = (
    _PREFIXES
    + f"""SELECT ?kind (COUNT(?x) AS ?n) WHERE {{
    ?x a ?kind .
    FILTER(STRSTARTS(STR(?kind), "{MLG}"))
}} GROUP BY ?kind ORDER BY ?kind"""
)


def q2_two_hop(commune: str) -> str:
    return (
        _PREFIXES
        + f"""SELECT (COUNT(DISTINCT ?other) AS ?n) WHERE {{
    ?local mlg:locatedIn <{commune}> ;
           mlg:memberOf ?club .
    ?club a mlg:Club .
    ?other mlg:memberOf ?club .
    FILTER(?other != ?local)
}}"""
    )


def q3_filter_order_limit(word: str) -> str:
    return (
        _PREFIXES
        + f"""SELECT ?org ?name WHERE {{
    VALUES ?kind {{ mlg:ACI mlg:EI mlg:AI mlg:ETTI mlg:EITI }}
    ?org a ?kind ;
         schema:name ?name .
    FILTER(CONTAINS(?name, "{word}"))
}} ORDER BY ?name ?org LIMIT 20"""
    )


@dataclass
class QueryRun:
    seconds: float | None  # None: did not finish in time
    rows: list[list[str]]


def say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def write_result(result: dict[str, Any], out_dir: Path, name: str) -> Path:
    """The result as JSON in `out_dir`, named `{name}-{timestamp}.json`; its path is printed."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    say(f"written: {path}")
    return path


def machine() -> dict[str, Any]:
    return machine_of(pyoxigraph=pyoxigraph.__version__, rdflib=rdflib.__version__)


def _reset_peak_rss() -> bool:
    """Reset the process's peak RSS (Linux ≥ 4.0), so each phase reports its own peak."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _status_mib(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _peak_rss_mib() -> float:
    """VmHWM, the peak RSS since the last reset; ru_maxrss when /proc is not there."""
    peak = _status_mib("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mib() -> float:
    return _status_mib("VmRSS") or 0.0


def _rows_oxigraph(solutions: Any) -> list[list[str]]:
    return [[term.value if term is not None else "" for term in row] for row in solutions]


def _rows_rdflib(result: Any) -> list[list[str]]:
    return [[str(term) if term is not None else "" for term in row] for row in result]


def _rdflib_child(graph: rdflib.Graph, query: str, conn: Connection) -> None:
    started = time.perf_counter()
    rows = _rows_rdflib(graph.query(query))
    conn.send((time.perf_counter() - started, rows))
    conn.close()


def run_rdflib_query(graph: rdflib.Graph, query: str, timeout: float) -> QueryRun:
    """The query in a forked child (which shares the loaded graph), killed after `timeout` s."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_rdflib_child, args=(graph, query, sender))
    child.start()
    sender.close()
    try:
        if receiver.poll(timeout):
            seconds, rows = receiver.recv()
            return QueryRun(seconds, rows)
        return QueryRun(None, [])
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()


def run_oxigraph_query(store: OxigraphStore, query: str) -> QueryRun:
    started = time.perf_counter()
    rows = _rows_oxigraph(store.query(query))
    return QueryRun(time.perf_counter() - started, rows)


def _busiest_commune(batches: list[Any]) -> str:
    located = Counter(
        e.target
        for b in batches
        for e in b.edges
        if e.rel is RelKind.LOCATED_IN and e.target.startswith("commune:")
    )
    return min(located, key=lambda c: (-located[c], c))


def run(triples: int, *, seed: int, timeout: float, workdir: Path) -> dict[str, Any]:
    result: dict[str, Any] = {
        "benchmark": "rdf_store",
        "started": datetime.now().isoformat(timespec="seconds"),
        "machine": machine(),
        "requested_triples": triples,
        "seed": seed,
        "rdflib_timeout_s": timeout,
    }
    started = time.perf_counter()
    graph = synthetic_graph(triples, seed=seed)
    result["generate_s"] = round(time.perf_counter() - started, 2)
    result["nodes"] = sum(len(b.nodes) for b in graph.batches)
    result["edges"] = sum(len(b.edges) for b in graph.batches)

    started = time.perf_counter()
    encoded = sum(1 for b in graph.batches for _ in batch_quads(b))
    result["encode_quads_s"] = round(time.perf_counter() - started, 2)
    result["quads"] = encoded

    commune = _busiest_commune(graph.batches)
    queries = {
        "q1_count_by_kind": Q1_COUNT_BY_KIND,
        "q2_two_hop_join": q2_two_hop(iri(commune)),
        "q3_filter_order_limit": q3_filter_order_limit("Recyclerie"),
    }
    result["q2_commune"] = commune

    # -- pyoxigraph, on disk -------------------------------------------------------
    result["peak_rss_reset"] = _reset_peak_rss()
    ox_before = _rss_mib()
    store_path = workdir / "store"
    store = OxigraphStore(store_path)
    started = time.perf_counter()
    loaded = store.bulk_load(graph.batches)
    ox_load = time.perf_counter() - started
    ox_runs = {name: run_oxigraph_query(store, q) for name, q in queries.items()}
    store.close()
    result["pyoxigraph"] = {
        "triples": loaded,
        "load_s": round(ox_load, 3),
        "triples_per_s": round(loaded / ox_load),
        "queries_s": {name: round(r.seconds or 0.0, 4) for name, r in ox_runs.items()},
        "peak_rss_mib": round(_peak_rss_mib()),
        "rss_before_mib": round(ox_before),
        "disk_mib": round(dir_size(store_path) / 1024**2, 1),
    }

    # -- rdflib, in memory ---------------------------------------------------------
    _reset_peak_rss()
    rdf_before = _rss_mib()
    started = time.perf_counter()
    memory_graph = rdflib_graph(q for b in graph.batches for q in batch_quads(b))
    rdf_load = time.perf_counter() - started
    rdf_loaded = len(memory_graph)
    rdf_runs = {name: run_rdflib_query(memory_graph, q, timeout) for name, q in queries.items()}
    result["rdflib"] = {
        "triples": rdf_loaded,
        "load_s": round(rdf_load, 3),
        "triples_per_s": round(rdf_loaded / rdf_load),
        "queries_s": {
            name: (round(r.seconds, 4) if r.seconds is not None else None) for name, r in rdf_runs.items()
        },
        "peak_rss_mib": round(_peak_rss_mib()),
        "rss_before_mib": round(rdf_before),
        "peak_rss_query_children_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
    }

    # -- comparison ------------------------------------------------------------------
    result["speedup_rdflib_over_pyoxigraph"] = {
        "load": round(rdf_load / ox_load, 1),
        **{
            name: (
                round(rdf_runs[name].seconds / max(r.seconds or 0.0, 1e-6), 1)
                if rdf_runs[name].seconds
                else None
            )
            for name, r in ox_runs.items()
        },
    }
    result["same_answers"] = {
        name: (None if rdf_runs[name].seconds is None else sorted(r.rows) == sorted(rdf_runs[name].rows))
        for name, r in ox_runs.items()
    }
    result["answers"] = {name: (r.rows if len(r.rows) <= 40 else len(r.rows)) for name, r in ox_runs.items()}
    return result


def report(result: dict[str, Any]) -> Iterator[str]:
    m, ox, rd = result["machine"], result["pyoxigraph"], result["rdflib"]
    speed = result["speedup_rdflib_over_pyoxigraph"]
    timeout = result["rdflib_timeout_s"]
    yield f"maillage · RDF stores: pyoxigraph (on disk) vs rdflib (in memory), {ox['triples']:,} triples"
    yield (
        f"machine: {m['nproc']} CPU, {m['cpu']}, {m['memory_gib']} GiB, Python {m['python']}, "
        f"pyoxigraph {m['pyoxigraph']}, rdflib {m['rdflib']}; load average at start "
        f"{' '.join(str(x) for x in m['load_average_at_start'])}"
    )
    yield (
        f"synthetic graph (seed {result['seed']}): {result['nodes']:,} nodes, {result['edges']:,} edges, "
        f"generated in {result['generate_s']} s; encoding its {result['quads']:,} quads alone "
        f"(graph.rdf.batch_quads, part of both loads) takes {result['encode_quads_s']} s"
    )
    yield ""
    yield f"{'':28}{'pyoxigraph':>14}{'rdflib':>26}{'rdflib ÷ pyoxigraph':>22}"
    yield f"{'load (s)':28}{ox['load_s']:>14}{rd['load_s']:>26}{speed['load']:>21}×"
    yield f"{'load (triples/s)':28}{ox['triples_per_s']:>14,}{rd['triples_per_s']:>26,}"
    encode = result["encode_quads_s"]
    ox_write, rd_write = ox["load_s"] - encode, rd["load_s"] - encode
    yield (
        f"{'  writing alone* (triples/s)':28}{round(ox['triples'] / ox_write):>14,}"
        f"{round(rd['triples'] / rd_write):>26,}{rd_write / ox_write:>21.1f}×"
    )
    for name, title in (
        ("q1_count_by_kind", "Q1 count by kind (s)"),
        ("q2_two_hop_join", "Q2 two-hop join (s)"),
        ("q3_filter_order_limit", "Q3 filter+order+limit (s)"),
    ):
        rd_s = rd["queries_s"][name]
        rd_text = f"{rd_s}" if rd_s is not None else f"did not finish in {timeout:g} s"
        ratio = (
            f"{speed[name]}×"
            if speed[name] is not None
            else f"> {timeout / max(ox['queries_s'][name], 1e-6):,.0f}×"
        )
        yield f"{title:28}{ox['queries_s'][name]:>14}{rd_text:>26}{ratio:>22}"
    yield f"{'peak memory (MiB)':28}{ox['peak_rss_mib']:>14,}{rd['peak_rss_mib']:>26,}"
    yield f"{'  of which before (MiB)':28}{ox['rss_before_mib']:>14,}{rd['rss_before_mib']:>26,}"
    yield f"{'store on disk (MiB)':28}{ox['disk_mib']:>14}"
    yield ""
    yield (
        "* load time minus the time encoding the quads alone takes (an estimate: both loads "
        "encode while they write)"
    )
    if not result["peak_rss_reset"]:
        yield "peak memory could not be reset between phases: both figures are the process's peak"
    same = ", ".join(
        f"{name.split('_')[0]} {'yes' if ok else 'NO' if ok is False else 'n/a'}"
        for name, ok in result["same_answers"].items()
    )
    yield f"same answers: {same}; Q2 commune {result['q2_commune']}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rdf_store", description=__doc__.split("\n\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument(
        "--triples", type=int, default=1_000_000, help="triples to generate (default 1,000,000)"
    )
    size.add_argument("--quick", action="store_true", help=f"a {QUICK_TRIPLES:,}-triple run")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds allowed to each rdflib query")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON result")
    args = parser.parse_args(argv)
    triples = QUICK_TRIPLES if args.quick else args.triples

    with tempfile.TemporaryDirectory(prefix="maillage-bench-") as tmp:
        result = run(triples, seed=args.seed, timeout=args.timeout, workdir=Path(tmp))
    for line in report(result):
        say(line)
    write_result(result, args.out, f"rdf_store-{result['pyoxigraph']['triples']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
