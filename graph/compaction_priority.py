"""RocksDB's compaction threads at the lowest CPU priority while a bulk load runs.

Each part of a bulk load is ingested by pyoxigraph as new sorted files, and since its
keys are hashes they overlap the files of the parts before: RocksDB compacts them
while the load goes on. On the national preset that compaction was 27 to 29 of the
load step's 100 to 104 CPU seconds (`bench.national_load --compaction normal`), taken
from the two cores the parser and the writers need, and
merging two or three files at a time it rewrites the same data again and again.
RocksDB's own advice for bulk loads is to hold compaction back until the load ends;
pyoxigraph 0.5 has no option for it, but the compaction threads are threads of this
process (named ``rocksdb:low``). `compaction_yielding` gives them the lowest priority
(nice 19) while the load runs: they use only the CPU the load leaves idle, and when
they run they merge more files at once. Measured on the national preset
(`docs/benchmarks.md`): a shorter load, less compaction CPU in all, and the store's
compaction settled sooner after the load.

Linux only (the threads are read from ``/proc/self/task``); elsewhere nothing is done.
The priorities are given back afterwards where the system allows it (raising a
priority again needs ``CAP_SYS_NICE`` or a ``RLIMIT_NICE`` that allows it; otherwise the
threads stay at the lowest priority: they are background work).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

__all__ = ["COMPACTION_THREADS", "LOWEST", "CompactionYield", "compaction_cpu_seconds", "compaction_yielding"]

COMPACTION_THREADS: Final = "rocksdb:low"
"""The name RocksDB gives the threads of its low-priority pool (compactions)."""
LOWEST: Final = 19
POLL_S: Final = 0.2
_TASKS: Final = Path("/proc/self/task")


def threads_named(prefix: str, tasks: Path = _TASKS) -> list[int]:
    """The ids of this process's threads whose name starts with `prefix`."""
    found = []
    try:
        entries = os.listdir(tasks)
    except OSError:
        return []
    for entry in entries:
        try:
            name = (tasks / entry / "comm").read_text(encoding="utf-8", errors="replace").strip()
        except OSError:  # the thread ended
            continue
        if name.startswith(prefix):
            found.append(int(entry))
    return found


def compaction_cpu_seconds(prefix: str = COMPACTION_THREADS, tasks: Path = _TASKS) -> float:
    """The CPU seconds the live compaction threads of this process have used."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for tid in threads_named(prefix, tasks):
        try:
            fields = (tasks / str(tid) / "stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


class CompactionYield:
    """Lowers the priority of the threads named `prefix` to `nice` (`lower`, one look),
    remembering each one's priority before, and gives it back (`restore`)."""

    def __init__(self, *, prefix: str = COMPACTION_THREADS, nice: int = LOWEST) -> None:
        self.prefix = prefix
        self.nice = nice
        self.lowered: dict[int, int] = {}  # thread id -> its niceness before

    def lower(self) -> None:
        for tid in threads_named(self.prefix):
            if tid in self.lowered:
                continue
            try:
                before = os.getpriority(os.PRIO_PROCESS, tid)
                os.setpriority(os.PRIO_PROCESS, tid, max(before, self.nice))
            except OSError:  # ended meanwhile
                continue
            self.lowered[tid] = before

    def restore(self) -> None:
        for tid, before in self.lowered.items():
            try:
                os.setpriority(os.PRIO_PROCESS, tid, before)
            except OSError:  # ended, or raising a priority is not allowed here
                continue
        self.lowered.clear()


@contextmanager
def compaction_yielding(
    *, prefix: str = COMPACTION_THREADS, nice: int = LOWEST, poll: float = POLL_S
) -> Iterator[CompactionYield]:
    """While the block runs, the compaction threads (started before it or during it) run
    at the lowest priority; a thread looks for new ones every `poll` seconds."""
    yielding = CompactionYield(prefix=prefix, nice=nice)
    if not _TASKS.is_dir():
        yield yielding
        return
    stop = threading.Event()

    def watch() -> None:
        while True:
            yielding.lower()
            if stop.wait(poll):
                return

    watcher = threading.Thread(target=watch, name="maillage-compaction-yield", daemon=True)
    watcher.start()
    try:
        yield yielding
    finally:
        stop.set()
        watcher.join()
        yielding.restore()
