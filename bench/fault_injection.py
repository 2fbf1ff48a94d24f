"""Fault injection: kill `maillage load` with SIGKILL at random points, then check that
the store it was writing holds either what it held before the load or what a whole
load writes: every dataset as before, or every one as after (a load onto a store
holding data is one `GraphStore.atomic` scope), never a part.

    python -m bench.fault_injection                         # load reel, 8 kills
    python -m bench.fault_injection --trials 20 --seed 7
    python -m bench.fault_injection --load synthetique out/national   # a national load
    python -m bench.fault_injection --recovery 1000000      # reopening after a large commit

Each trial copies a base store (the guide's case studies, loaded once), starts the
load on the copy in a child process, kills it after a random delay drawn over the
duration of an uninterrupted load (measured first, on its own copy), then reopens the
store and compares each dataset's quads (its named graph and metadata) with the
before and after states. The merged default graph is checked too: every triple of a
named graph is in it. Bounded by `--trials`; not part of the test suite (minutes).
Reported as JSON: the machine, the reference duration, and per trial the delay, how
far the load had gone (datasets complete), the time the first opening after the kill
took (restoring the store as it was, if the load had not finished) and the verdict.
Exit 1 if any trial finds a store that is neither.

`--recovery N` measures instead what a kill -9 right after a large commit costs the
next command: a child process upserts about N generated triples (`bench.synthetic`)
into a store holding the guide, and kills itself with SIGKILL as soon as the commit
returns; then `maillage stats` runs on the store under `/usr/bin/time -v` (seconds,
peak memory). Twice in one run: without flushing the commit (the former behaviour,
the whole commit left in RocksDB's write-ahead log) and with it (`OxigraphStore`
flushes a commit of at least `FLUSH_AFTER_QUADS` quads).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Final

from pyoxigraph import DefaultGraph, NamedNode

from bench.machine import machine
from graph.oxigraph_store import OxigraphStore

MAILLAGE: Final = Path(sys.executable).with_name("maillage")


def fingerprints(path: Path) -> dict[str, str]:
    """Per dataset graph of the store at `path`: a hash of its sorted quads (named graph
    and metadata)."""
    with OxigraphStore(path) as store:
        graphs: dict[str, list[str]] = {}
        for quad in store.quads():
            graph = quad.graph_name if isinstance(quad.graph_name, NamedNode) else quad.subject
            graphs.setdefault(str(graph), []).append(str(quad))
        return {g: hashlib.sha256("\n".join(sorted(q)).encode()).hexdigest() for g, q in graphs.items()}


def merged_graph_holds_every_dataset(path: Path) -> bool:
    with OxigraphStore(path) as store:
        for quad in store.quads():
            if isinstance(quad.graph_name, NamedNode):
                found = store.quads_for_pattern(quad.subject, quad.predicate, quad.object, DefaultGraph())
                if next(found, None) is None:
                    return False
        return True


def run_load(store: Path, load: list[str], *, kill_after: float | None) -> tuple[float, bool]:
    """Run `maillage load … --store store`; kill it with SIGKILL after `kill_after`
    seconds if given. Returns the seconds it ran and whether it was killed."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [str(MAILLAGE), "load", *load, "--store", str(store)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        child.wait(timeout=kill_after)
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGKILL)
        child.wait()
    return time.perf_counter() - started, child.returncode == -signal.SIGKILL


@dataclass
class Trial:
    delay_s: float
    killed: bool
    reopen_s: float  # the first (writable) opening after the kill: restoring the checkpoint if any
    datasets_after: int  # datasets the load changes, found as a whole load writes them
    datasets_before: int  # datasets the load changes, found as before (absent, if new)
    partial: list[str]  # datasets in neither state: a failure
    whole: bool  # every dataset as before, or every one as after: the load is whole or not at all
    merged_ok: bool


_COMMIT_THEN_DIE = """
import os, signal, sys
import graph.oxigraph_store as oxi
from bench.synthetic import synthetic_graph
if sys.argv[3] == "without":
    oxi.FLUSH_AFTER_QUADS = 1 << 62  # the former behaviour: no flush after a commit
batches = synthetic_graph(int(sys.argv[2])).batches
store = oxi.OxigraphStore(sys.argv[1])
for batch in batches:
    store.upsert(batch)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _time_v(command: list[str]) -> tuple[float, int]:
    """Seconds and peak resident memory (bytes) of a command, by `/usr/bin/time -v`."""
    done = subprocess.run(["/usr/bin/time", "-v", *command], capture_output=True, text=True, check=False)
    fields = dict(
        line.strip().rsplit(": ", 1)
        for line in done.stderr.splitlines()
        if ": " in line and line.startswith("\t")
    )
    clock = fields["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":")
    seconds = sum(float(part) * 60**i for i, part in enumerate(reversed(clock)))
    return seconds, int(fields["Maximum resident set size (kbytes)"]) * 1024


def recovery(triples: int) -> dict[str, object]:
    """Kill -9 right after a large commit, then time `maillage stats`: without and with
    the flush after large commits."""
    found: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="maillage-recovery-") as tmp:
        root = Path(tmp)
        base = root / "base"
        subprocess.run(
            [str(MAILLAGE), "load", "guide", "--store", str(base)], check=True, capture_output=True
        )
        for mode in ("without", "with"):
            store = root / mode
            shutil.copytree(base, store)
            load_s, load_rss = _time_v(
                [sys.executable, "-c", _COMMIT_THEN_DIE, str(store), str(triples), mode]
            )
            wal = sum(f.stat().st_size for f in store.glob("*.log"))
            stats_s, stats_rss = _time_v([str(MAILLAGE), "stats", "--store", str(store)])
            with OxigraphStore(store) as reopened:
                quads = len(reopened)
            found[f"{mode}_flush"] = {
                "commit_s": round(load_s, 1),
                "commit_peak_rss_mib": round(load_rss / 1024**2),
                "write_ahead_log_mib": round(wal / 1024**2, 1),
                "stats_after_kill_s": round(stats_s, 1),
                "stats_after_kill_peak_rss_mib": round(stats_rss / 1024**2),
                "stated_quads_after": quads,
            }
            sys.stderr.write(f"{mode} flush: {json.dumps(found[f'{mode}_flush'])}\n")
            shutil.rmtree(store)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--load", nargs="+", default=["reel"], help="what `maillage load` loads (default: reel)"
    )
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--recovery", type=int, default=None, metavar="TRIPLES", help="measure reopening after a large commit"
    )
    args = parser.parse_args(argv)
    if args.recovery:
        figures = {"machine": machine(), "triples": args.recovery, **recovery(args.recovery)}
        sys.stdout.write(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
        return 0
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="maillage-faults-") as tmp:
        root = Path(tmp)
        base = root / "base"
        subprocess.run(
            [str(MAILLAGE), "load", "guide", "--store", str(base)], check=True, capture_output=True
        )
        before = fingerprints(base)
        reference = root / "reference"
        shutil.copytree(base, reference)
        duration, _ = run_load(reference, args.load, kill_after=None)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # the largest child so far
        sys.stderr.write(f"uninterrupted load: {duration:.1f} s, peak RSS {peak / 1024**2:,.0f} MiB\n")
        after = fingerprints(reference)
        trials: list[Trial] = []
        for _ in range(args.trials):
            trial_store = root / "trial"
            shutil.rmtree(trial_store, ignore_errors=True)
            shutil.copytree(base, trial_store)
            delay = rng.uniform(0.0, duration)
            _, killed = run_load(trial_store, args.load, kill_after=delay)
            started = time.perf_counter()
            OxigraphStore(trial_store).close()
            reopen = time.perf_counter() - started
            found = fingerprints(trial_store)
            every = set(found) | set(before) | set(after)
            # a dataset's state: its hash, or None when the store does not hold it
            in_after = [g for g in every if found.get(g) == after.get(g) != before.get(g)]
            in_before = [g for g in every if found.get(g) == before.get(g) != after.get(g)]
            partial = sorted(g for g in every if found.get(g) not in (before.get(g), after.get(g)))
            trials.append(
                trial := Trial(
                    round(delay, 2),
                    killed,
                    round(reopen, 2),
                    len(in_after),
                    len(in_before),
                    partial,
                    found in (before, after),
                    merged_graph_holds_every_dataset(trial_store),
                )
            )
            sys.stderr.write(f"trial {len(trials)}: {json.dumps(asdict(trial))}\n")
    failed = [t for t in trials if t.partial or not t.whole or not t.merged_ok]
    sys.stdout.write(
        json.dumps(
            {
                "machine": machine(),
                "load": args.load,
                "reference_seconds": round(duration, 1),
                "reference_peak_rss_mib": round(peak / 1024**2),
                "datasets_written_by_a_whole_load": sum(1 for g in after if after[g] != before.get(g)),
                "trials": [asdict(t) for t in trials],
                "failed": len(failed),
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
