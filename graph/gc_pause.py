"""The cyclic garbage collector paused while a load builds millions of objects.

A load holds every node and relation of its datasets in memory, then builds as many
rows, quads or dicts to write them. Each full collection of the cyclic collector walks
every object alive, and the allocations of a load trigger one again and again: on the
national preset the ledger checks of the Neo4j upserts took 8.9 s of CPU with the
collector running and 1.5 s without it (`docs/benchmarks.md`). Nothing a load builds
is cyclic garbage, and reference counting frees the rest as before; the collector runs
again when the load ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """The collector disabled inside, restored as it was on leaving (so nested pauses,
    and a caller that had disabled it itself, keep their state)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
