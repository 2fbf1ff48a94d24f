"""RocksDB's compaction threads at the lowest priority during a bulk load
(`graph.compaction_priority`), on real threads and a real on-disk store."""

from __future__ import annotations

import ctypes
import os
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from graph.compaction_priority import (
    COMPACTION_THREADS,
    LOWEST,
    compaction_cpu_seconds,
    compaction_yielding,
    threads_named,
)
from graph.kinds import OrgKind
from graph.model import Batch, Node, Provenance
from graph.oxigraph_store import OxigraphStore

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="Linux only")

_PR_SET_NAME = 15


def _priority(tid: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, tid)


class _Named(threading.Thread):
    """A thread that names itself as the kernel sees it, spends `burn` seconds of CPU
    (its CPU time then in `spent`), then waits to be released."""

    def __init__(self, name: str, *, burn: float = 0.0) -> None:
        super().__init__(daemon=True)
        self.kernel_name = name
        self.burn = burn
        self.ready = threading.Event()
        self.release = threading.Event()
        self.tid = 0
        self.spent = 0.0

    def run(self) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_NAME, self.kernel_name.encode(), 0, 0, 0)
        self.tid = threading.get_native_id()
        while time.thread_time() < self.burn:
            pass
        self.spent = time.thread_time()
        self.ready.set()
        self.release.wait(10)


@pytest.fixture
def named_threads() -> Iterator[tuple[_Named, _Named]]:
    compaction, other = _Named("rocksdb:low9"), _Named("maillage-other")
    for thread in (compaction, other):
        thread.start()
        thread.ready.wait(5)
    yield compaction, other
    for thread in (compaction, other):
        thread.release.set()
        thread.join()


def _wait_until(predicate, seconds: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def test_only_the_compaction_threads_are_lowered_and_given_back(named_threads) -> None:  # type: ignore[no-untyped-def]
    compaction, other = named_threads
    assert compaction.tid in threads_named(COMPACTION_THREADS)
    assert other.tid not in threads_named(COMPACTION_THREADS)
    assert (_priority(compaction.tid), _priority(other.tid)) == (0, 0)
    with compaction_yielding(poll=0.01) as yielding:
        _wait_until(lambda: compaction.tid in yielding.lowered)
        assert yielding.lowered[compaction.tid] == 0  # its priority before
        assert (_priority(compaction.tid), _priority(other.tid)) == (LOWEST, 0)
        assert other.tid not in yielding.lowered
    if os.geteuid() == 0:  # raising a priority again needs the privilege
        assert _priority(compaction.tid) == 0
    assert _priority(other.tid) == 0


def test_a_compaction_thread_started_during_the_block_is_lowered_too() -> None:
    with compaction_yielding(poll=0.01) as yielding:
        late = _Named("rocksdb:low7")
        late.start()
        late.ready.wait(5)
        _wait_until(lambda: late.tid in yielding.lowered)
        assert _priority(late.tid) == LOWEST
        late.release.set()
        late.join()
    assert late.tid not in yielding.lowered  # given back (or gone) at the end: nothing kept


def _batches(priorities: dict[int, int], pause: float) -> Iterator[Batch]:
    """Two small datasets; between them, the priority of each compaction thread of the
    process is read (the store's own threads: RocksDB started them when it opened)."""
    for index in range(2):
        provenance = Provenance(source=f"essai-{index}", date=date(2025, 1, 1), synthetic=True)
        nodes = tuple(
            Node(f"org:{index:02d}{i:012d}-ei", OrgKind.EI, f"Structure {index} {i}", {"effectif": i})
            for i in range(200)
        )
        yield Batch(provenance=provenance, nodes=nodes)
        if index == 0:
            time.sleep(pause)  # the watcher looks every 0.2 s
            priorities.update({tid: _priority(tid) for tid in threads_named(COMPACTION_THREADS)})


@pytest.mark.parametrize(("yielding", "expected"), [(True, LOWEST), (False, 0)])
def test_bulk_load_runs_the_stores_compaction_threads_at_the_lowest_priority(
    tmp_path: Path, yielding: bool, expected: int
) -> None:
    seen: dict[int, int] = {}
    with OxigraphStore(tmp_path / "store") as store:
        compaction = threads_named(COMPACTION_THREADS)
        assert compaction, "RocksDB starts its compaction threads when the store opens"
        quads = store.bulk_load(_batches(seen, 0.5), yield_compaction=yielding)
        assert quads == 2 * 200 * 3 + 2 * 3  # type, name, effectif a node; each dataset's 3 lines
        assert set(compaction) <= set(seen)
        assert {tid: seen[tid] for tid in compaction} == dict.fromkeys(compaction, expected)
        if os.geteuid() == 0:
            assert {tid: _priority(tid) for tid in compaction} == dict.fromkeys(compaction, 0)


def test_compaction_cpu_seconds_is_the_cpu_of_the_threads_so_named() -> None:
    burner = _Named("rocksdb:low8", burn=0.3)
    burner.start()
    burner.ready.wait(10)
    try:
        read = compaction_cpu_seconds(prefix="rocksdb:low8")
        assert read == pytest.approx(burner.spent, abs=0.03)  # the kernel counts in ticks of 0.01 s
        assert compaction_cpu_seconds(prefix="no-such-thread") == 0.0
    finally:
        burner.release.set()
        burner.join()
