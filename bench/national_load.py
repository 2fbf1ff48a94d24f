"""Benchmark: generate the national synthetic territory and load it, with the real
frame, into an on-disk embedded store.

    python -m bench.national_load            # the national preset
    python -m bench.national_load --quick    # a tenth of the companies and club members

Steps, each timed: parse the real data with the real loaders (geography,
nomenclatures, structures); generate the national preset as files; parse each
generated file with its loader; write everything with `OxigraphStore.bulk_load`
(a fresh store: N-Quads text in parts to pyoxigraph's bulk loader, `graph.bulk_parts`;
the cyclic garbage collector paused meanwhile). Reported: rows/s per loader
(rows read over parse + write time), quads/s over the load step (parse the
generated files + write), total time, peak memory (`ru_maxrss`) and the peak of each
step (the kernel's high-water mark reset before it: real data, generation, each
dataset's parse and write, the bulk loader's closing), the machine.

The same run then measures the former path (`bench.bulk_baseline`: one `Quad` object
per triple to `Store.bulk_extend`) on the same generated files, in a child process
(`--path old --generated DIR`, so that its memory is its own), and prints the ratio
of the load steps. `--path new` skips it.

RocksDB's compaction threads run at the lowest priority during the load, as in
`maillage load` (`graph.compaction_priority`); `--compaction normal` leaves them as
they are, for comparison. After the benchmark the store is opened again and the time
its remaining compaction takes to settle, and that compaction's CPU, are reported:
what the load left for later.
Targets (issue 12): load step >= 100,000 quads/s, the whole benchmark under 90 s,
peak memory no higher than 2.2 GiB.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, Final

import pyoxigraph

from bench.bulk_baseline import bulk_load_quads
from bench.machine import dir_size, machine
from graph.compaction_priority import compaction_cpu_seconds
from graph.gc_pause import collector_paused
from graph.model import Batch
from graph.oxigraph_store import OxigraphStore
from loaders.base import LoaderOutput
from loaders.formats import KnownNodes
from loaders.real_frame import RealOutputs, real_outputs
from loaders.synthetic import generate, national
from loaders.synthetic.loading import synthetic_outputs
from loaders.synthetic.reference import reference_from_outputs
from loaders.synthetic.territory import Manifest

TARGET_SECONDS: Final = 90.0
TARGET_BYTES: Final = int(2.2 * 1024**3)
TARGET_QUADS_PER_S: Final = 100_000


@dataclass
class Step:
    name: str
    rows: int = 0
    nodes: int = 0
    edges: int = 0
    parse_s: float = 0.0
    write_s: float = 0.0
    peak_mib: float = 0.0  # peak resident memory while this dataset was parsed and written

    @property
    def rows_per_s(self) -> float:
        total = self.parse_s + self.write_s
        return self.rows / total if total > 0 else 0.0


def cpu_seconds() -> float:
    """CPU time of this process, every thread (pyoxigraph's loader threads too)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


class Peaks:
    """The peak resident memory of each step: the kernel's high-water mark (``VmHWM``)
    reset before the step (``/proc/self/clear_refs``) and read after it. Where the
    reset is not allowed, every step reports the process's peak so far."""

    def __init__(self) -> None:
        self.steps: dict[str, float] = {}
        self.overall_mib = 0.0

    @staticmethod
    def _hwm_mib() -> float:
        try:
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def start(self) -> None:
        with contextlib.suppress(OSError):
            Path("/proc/self/clear_refs").write_text("5")

    def stop(self, name: str) -> float:
        peak = self._hwm_mib()
        self.steps[name] = round(peak, 1)
        self.overall_mib = max(self.overall_mib, peak)
        return peak

    def peak_bytes(self) -> int:
        """The process's peak: the steps' and the kernel's own account (``ru_maxrss``)."""
        return max(int(self.overall_mib * 1024**2), peak_rss_bytes())


def timed_real() -> tuple[RealOutputs, list[Step], float]:
    """Parse the real data, timing the whole (the loaders run together)."""
    started = time.perf_counter()
    real = real_outputs()
    seconds = time.perf_counter() - started
    steps = [
        Step(o.batch.provenance.source, o.rows_in, len(o.batch.nodes), len(o.batch.edges))
        for o in real.in_order()
    ]
    rows = sum(s.rows for s in steps) or 1
    for s in steps:  # the parse time shared in proportion to the rows read
        s.parse_s = seconds * s.rows / rows
    return real, steps, seconds


def staged(
    real: RealOutputs,
    real_steps: list[Step],
    out_dir: Path,
    known: KnownNodes,
    steps: list[Step],
    peaks: Peaks,
) -> Iterator[Batch]:
    """Every batch in load order, timing how long the store takes to swallow each and
    how long each generated file takes to parse, and the peak memory of each."""
    for output, step in zip(real.in_order(), real_steps, strict=True):
        steps.append(step)
        peaks.start()
        started = time.perf_counter()
        yield output.batch
        step.write_s = time.perf_counter() - started
        step.peak_mib = peaks.stop(f"write {step.name}")
        known.add_batch(output.batch)
    generated = synthetic_outputs(out_dir, real, known)
    while True:
        peaks.start()
        started = time.perf_counter()
        parsed: LoaderOutput | None = next(generated, None)
        if parsed is None:
            peaks.start()  # what follows is the bulk loader's closing
            return
        output = parsed
        step = Step(
            output.batch.provenance.source,
            output.rows_in,
            len(output.batch.nodes),
            len(output.batch.edges),
            parse_s=time.perf_counter() - started,
        )
        steps.append(step)
        started = time.perf_counter()
        yield output.batch
        step.write_s = time.perf_counter() - started
        step.peak_mib = peaks.stop(f"parse and write {step.name}")


def run(
    *,
    quick: bool,
    seed: int,
    workdir: Path,
    keep: bool,
    path: str = "new",
    generated: Path | None = None,
    writers: int = 2,
    yield_compaction: bool = True,
) -> dict[str, Any]:
    preset = national()
    if quick:
        preset = replace(preset, name="national-quick", companies=30_000, club_members=1_500)
    info = machine(pyoxigraph=pyoxigraph.__version__)
    begin = time.perf_counter()
    peaks = Peaks()

    peaks.start()
    real, real_steps, real_s = timed_real()
    peaks.stop("parse the real data")
    started = time.perf_counter()
    reference = reference_from_outputs(real.geography, real.nomenclatures, real.structures)
    reference_s = time.perf_counter() - started

    out_dir = generated or workdir / "generated"
    peaks.start()
    started = time.perf_counter()
    if generated is None:
        # in a child (forked: it has the real data): the memory generation leaves behind
        # (Python keeps its freed arenas) stays out of the load's peak
        child = multiprocessing.get_context("fork").Process(
            target=generate,
            args=(preset, out_dir),
            kwargs={"seed": seed, "reference": reference, "as_of": date(2025, 1, 1)},
        )
        child.start()
        child.join()
        if child.exitcode != 0:
            raise SystemExit(f"generation failed (exit code {child.exitcode})")
        peaks.steps["generation (child process)"] = round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
        )
    manifest = Manifest.read(out_dir)
    generate_s = time.perf_counter() - started
    peaks.stop("reference and generation")

    store_path = workdir / "store"
    steps: list[Step] = []
    started = time.perf_counter()
    cpu_started = cpu_seconds()
    compaction_started = compaction_cpu_seconds()
    # `bulk_load` pauses the cyclic garbage collector itself (`graph.gc_pause`); the
    # former path is measured the same way
    with collector_paused(), OxigraphStore(store_path) as store:
        known = KnownNodes()
        batches = staged(real, real_steps, out_dir, known, steps, peaks)
        if path == "new":
            quads = store.bulk_load(batches, writers=writers, yield_compaction=yield_compaction)
        else:
            quads = bulk_load_quads(store, batches)
        peaks.stop("closing the bulk load")
    load_s = time.perf_counter() - started
    load_cpu_s = cpu_seconds() - cpu_started
    load_compaction_s = compaction_cpu_seconds() - compaction_started
    total_s = time.perf_counter() - begin
    debt = compaction_debt(store_path)

    result = {
        "path": path,
        "writers": writers if path == "new" else None,
        "preset": manifest.preset,
        "seed": seed,
        "machine": info,
        "counts": dict(manifest.counts),
        "seconds": {
            "parse_real": round(real_s, 2),
            "reference": round(reference_s, 2),
            "generate": round(generate_s, 2),
            "parse_generated_and_bulk_load": round(load_s, 2),
            "bulk_load_closing": round(
                load_s
                - sum(s.write_s + s.parse_s for s in steps[len(real_steps) :])
                - sum(s.write_s for s in real_steps),
                2,
            ),
            "total": round(total_s, 2),
        },
        "cpu_seconds_load": round(load_cpu_s, 2),
        "compaction": {
            "priority": "lowest" if yield_compaction and path == "new" else "normal",
            "cpu_seconds_in_load_step": round(load_compaction_s, 2),
            "after_reopening": debt,
        },
        "quads": quads,
        "quads_per_s_load": round(quads / load_s) if load_s else 0,
        "store_bytes": dir_size(store_path),
        "generated_bytes": dir_size(out_dir),
        "peak_rss_bytes": peaks.peak_bytes(),
        "peak_mib_by_step": peaks.steps,
        "loaders": [
            {
                "dataset": s.name,
                "rows": s.rows,
                "nodes": s.nodes,
                "edges": s.edges,
                "parse_s": round(s.parse_s, 3),
                "write_s": round(s.write_s, 3),
                "rows_per_s": round(s.rows_per_s),
                "peak_mib": round(s.peak_mib),
            }
            for s in steps
        ],
        "targets": {
            "load_step_100k_quads_per_s": quads / load_s >= TARGET_QUADS_PER_S if load_s else False,
            "total_under_90_s": total_s < TARGET_SECONDS,
            "peak_at_most_2_2_gib": peaks.peak_bytes() <= TARGET_BYTES,
        },
    }
    if not keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return result


def compaction_debt(store_path: Path, *, idle_s: float = 2.0, limit_s: float = 600.0) -> dict[str, float]:
    """What RocksDB still compacts once the loaded store is opened again (writable, as the
    explorer and `maillage load` open it): the seconds until its compaction threads
    have been idle for `idle_s`, and the CPU they used. A load that left less to merge
    settles sooner."""
    started = time.perf_counter()
    before = compaction_cpu_seconds()
    with OxigraphStore(store_path):
        last = before
        while time.perf_counter() - started < limit_s:
            time.sleep(idle_s)
            now = compaction_cpu_seconds()
            if now - last < 0.05:
                break
            last = now
        settled = time.perf_counter() - started - idle_s
    return {"seconds": round(settled, 1), "cpu_seconds": round(compaction_cpu_seconds() - before, 1)}


def baseline(workdir: Path, *, quick: bool, seed: int) -> dict[str, Any]:
    """The former path on the files generated in `workdir`, in a child process."""
    figures = workdir / "baseline.json"
    command = [sys.executable, "-m", "bench.national_load", "--path", "old", "--seed", str(seed)]
    command += ["--generated", str(workdir / "generated"), "--workdir", str(workdir / "old")]
    command += ["--json", str(figures), *(["--quick"] if quick else [])]
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL)
    result: dict[str, Any] = json.loads(figures.read_text(encoding="utf-8"))
    shutil.rmtree(workdir / "old", ignore_errors=True)
    return result


def report(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [
        f"national load — preset {result['preset']}, seed {result['seed']}, {result['path']} write path"
        + (f" ({result['writers']} writer(s) in pyoxigraph)" if result.get("writers") else ""),
        f"machine: {m['nproc']} CPU, {m['cpu']}, Python {m['python']}, pyoxigraph {m['pyoxigraph']}, "
        f"load average at start {m['load_average_at_start']}",
        "",
        f"{'dataset':<48} {'rows':>9} {'nodes':>9} {'edges':>9} {'parse s':>8} {'write s':>8} {'rows/s':>9}"
        f" {'peak MiB':>9}",
    ]
    for s in result["loaders"]:
        lines.append(
            f"{s['dataset']:<48} {s['rows']:>9,} {s['nodes']:>9,} {s['edges']:>9,} "
            f"{s['parse_s']:>8.2f} {s['write_s']:>8.2f} {s['rows_per_s']:>9,} {s.get('peak_mib', 0):>9,}"
        )
    sec = result["seconds"]
    lines += [
        "",
        f"parse real data {sec['parse_real']} s · reference {sec['reference']} s · "
        f"generate {sec['generate']} s · "
        f"parse generated + bulk load {sec['parse_generated_and_bulk_load']} s "
        f"(of which closing the bulk load and counting quads {sec['bulk_load_closing']} s; "
        f"CPU time of the load step {result['cpu_seconds_load']} s)",
        _compaction_line(result),
        f"total {sec['total']} s (target < 90 s: {_met(result['targets']['total_under_90_s'])})",
        f"quads {result['quads']:,} ({result['quads_per_s_load']:,}/s over the load step; target 100,000/s: "
        f"{_met(result['targets']['load_step_100k_quads_per_s'])}), "
        f"store {result['store_bytes'] / 1024**2:,.0f} MiB, "
        f"generated files {result['generated_bytes'] / 1024**2:,.0f} MiB",
        f"peak memory {result['peak_rss_bytes'] / 1024**3:.2f} GiB "
        f"(target <= 2.2 GiB: {_met(result['targets']['peak_at_most_2_2_gib'])}); by step (MiB): "
        + ", ".join(
            f"{name} {mib:,.0f}"
            for name, mib in result.get("peak_mib_by_step", {}).items()
            if not name.startswith(("write ", "parse and write "))
        ),
    ]
    old = result.get("baseline")
    if old:
        lines += [
            "",
            f"former path (Quad objects to bulk_extend), same files, child process: load step "
            f"{old['seconds']['parse_generated_and_bulk_load']} s ({old['quads_per_s_load']:,} quads/s, "
            f"CPU {old['cpu_seconds_load']} s), "
            f"peak memory {old['peak_rss_bytes'] / 1024**3:.2f} GiB",
            f"load step: new path {result['quads_per_s_load'] / max(old['quads_per_s_load'], 1):.2f}x "
            "the former path's quads/s",
        ]
    return "\n".join(lines)


def _compaction_line(result: dict[str, Any]) -> str:
    c = result["compaction"]
    after = c["after_reopening"]
    return (
        f"RocksDB compaction at {c['priority']} priority during the load: "
        f"{c['cpu_seconds_in_load_step']} CPU s in the load step; the store reopened after it "
        f"settled in {after['seconds']} s ({after['cpu_seconds']} CPU s of compaction)"
    )


def _met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.national_load", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="a tenth of the companies and club members")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--workdir", type=Path, default=None, help="where to write files and store (temporary)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated files and the store")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
    parser.add_argument(
        "--path",
        choices=("new", "both", "old"),
        default="both",
        help="the write path: new (N-Quads chunks), old (Quad objects), both (new, then old in a child)",
    )
    parser.add_argument(
        "--generated", type=Path, default=None, help="load these generated files instead of generating"
    )
    parser.add_argument(
        "--writers",
        type=int,
        choices=(1, 2),
        default=2,
        help="new path: batches pyoxigraph's bulk loader may write at once (1: less memory, slower)",
    )
    parser.add_argument(
        "--compaction",
        choices=("lowest", "normal"),
        default="lowest",
        help="new path: RocksDB's compaction threads during the load, at the lowest priority "
        "(as `maillage load`) or left as they are (before issue 12's last pass)",
    )
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="maillage-national-"))
    keep = args.keep or args.workdir is not None
    result = run(
        quick=args.quick,
        seed=args.seed,
        workdir=workdir,
        keep=keep or args.path == "both",
        path="old" if args.path == "old" else "new",
        generated=args.generated,
        writers=args.writers,
        yield_compaction=args.compaction == "lowest",
    )
    if args.path == "both":
        result["baseline"] = baseline(workdir, quick=args.quick, seed=args.seed)
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    sys.stdout.write(report(result) + "\n")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0 if all(result["targets"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
