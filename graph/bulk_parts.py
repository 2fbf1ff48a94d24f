"""N-Quads chunks to pyoxigraph's bulk loader in parts, in bounded memory.

pyoxigraph's `Store.bulk_load` parses its input on the calling thread into batches of
`LOADER_BATCH` quads and hands each full batch to a thread of its own, which encodes,
sorts and writes it; it lets two such threads run while it parses a third batch. A
writing thread holds its quads and hash tables sized for a whole batch (about 0.8 GiB
however few quads it has); fed text faster than they write, one call holds two
writing threads and a third batch of parsed quads. And glibc keeps the small blocks a
batch frees in the arena of the thread that parsed them. pyoxigraph 0.5 has no setting
for the batches or the threads.

`load_in_parts` makes one call per part of `PART_LINES` lines (half a batch), so each
call is one batch, parsed, then written by its thread before the call returns. The
calls run on threads of their own: the next part is parsed while the previous one is
written, `writers` batches (1 or 2) are written at once, and a part is only started
once the call two before it has returned; after each call the freed memory is given
back (`malloc_trim`). On the national preset: about 1.9 GiB at the peak instead of 2.7,
and a faster load (`docs/benchmarks.md`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import io
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any, Final, cast

from pyoxigraph import RdfFormat, Store

from graph.store import StoreError

__all__ = ["LOADER_BATCH", "load_in_parts", "parts"]

# Oxigraph's DEFAULT_BULK_LOAD_BATCH_SIZE: the quads a thread of the bulk loader writes at once
LOADER_BATCH: Final = 1_000_000
# the lines of a part: half a loader batch (the parsed quads of a part are held twice: while
# the part is parsed and while its batch is written; the hash tables are sized for a whole batch)
PART_LINES: Final = LOADER_BATCH // 2


def parts(chunks: Iterable[bytes], *, lines: int) -> Iterator[Iterator[bytes]]:
    """The chunks (each of whole lines) regrouped in parts of `lines` lines, the last
    one fewer; a chunk across a part's end is cut after its line. Each part is read
    to its end before the next is asked for.

    >>> [b"".join(part) for part in parts([b"a\\nb\\n", b"c\\nd\\ne\\n"], lines=2)]
    [b'a\\nb\\n', b'c\\nd\\n', b'e\\n']
    """
    if lines < 1:
        raise ValueError(f"lines doit être positif : {lines}")
    source = iter(chunks)
    rest = b""
    ended = False

    def part() -> Iterator[bytes]:
        nonlocal rest, ended
        left = lines
        while left:
            chunk = rest or next(source, b"")
            rest = b""
            if not chunk:
                ended = True
                return
            count = chunk.count(b"\n")
            if count > left:
                end = _after_lines(chunk, left)
                chunk, rest = chunk[:end], chunk[end:]
                count = left
            left -= count
            yield chunk

    while not ended:
        yield part()
        rest = rest or next(source, b"")
        ended = ended or not rest


def _after_lines(chunk: bytes, count: int) -> int:
    """The index just after the `count`-th line of `chunk`."""
    end = 0
    for _ in range(count):
        end = chunk.index(b"\n", end) + 1
    return end


def load_in_parts(
    store: Store, chunks: Iterable[bytes], *, part_lines: int = PART_LINES, writers: int = 2
) -> None:
    """Load N-Quads chunks (each of whole lines) into `store` with its bulk loader,
    one call per part of `part_lines` lines, two calls at most under way (see the
    module's docstring); `writers` (1 or 2): how many batches may be written at once.
    The IRIs are not checked again (`lenient`): the text's writer checks them. An
    error raised while building a chunk is raised as it is, once every call has
    ended; an error of the loader is raised as a `StoreError`."""
    if writers not in (1, 2):
        raise ValueError(f"writers vaut 1 ou 2, pas {writers}")
    runs: list[_Run] = []
    pending = parts(chunks, lines=part_lines)
    try:
        while True:
            if runs:
                runs[-1].parsed.wait()  # the previous part was read to its end: its batch is written now
            if len(runs) >= 2:
                runs[-2].join()  # a third batch waits until the first is written
            if any(run.failed for run in runs):
                break
            part = next(pending, None)  # asked for once the previous part is read
            if part is None:
                break
            # with one writer, this part's batch is written once the previous one is
            run = _Run(store, part, after=runs[-1] if writers == 1 and runs else None)
            runs.append(run)
            run.start()
    except BaseException:
        for run in runs:
            run.stream.cancelled = True
        for run in runs:
            run.join()
        raise
    for run in runs:
        run.join()
    for run in runs:
        if run.stream.error is not None:
            raise run.stream.error
    for run in runs:
        if isinstance(run.error, (SyntaxError, ValueError, OSError)):
            raise StoreError(f"chargement en masse non écrit : {run.error}") from run.error
        if run.error is not None:
            raise run.error


class _Run(threading.Thread):
    """One call of the bulk loader on a part, on a thread of its own."""

    def __init__(self, store: Store, part: Iterable[bytes], *, after: _Run | None) -> None:
        super().__init__(name="maillage-bulk-load", daemon=True)
        self.stream = _ChunkStream(part, before_end=after.join if after is not None else None)
        self.parsed = self.stream.ended
        self.error: BaseException | None = None
        self._store: Store | None = store

    @property
    def failed(self) -> bool:
        return self.error is not None or self.stream.error is not None

    def run(self) -> None:
        store, self._store = self._store, None  # the database is not held once the call ends
        try:
            assert store is not None
            # lenient: the IRIs are not checked again (`graph.nquads.NQuadsWriter` checked each)
            store.bulk_load(cast(IO[bytes], self.stream), RdfFormat.N_QUADS, lenient=True)
        except BaseException as e:  # raised by the thread that waits for this one
            self.error = e
        finally:
            del store
            self.stream.ended.set()
            _release_free_memory()


def _trimmer() -> Callable[[int], int] | None:
    """glibc's `malloc_trim`, where there is one."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return cast(Callable[[int], int], libc.malloc_trim)
    except (OSError, AttributeError):
        return None


_TRIM: Final = _trimmer()


def _release_free_memory() -> None:
    """Give the memory a finished batch freed back to the system: glibc keeps freed
    small blocks in the arena of the thread that allocated them (the parsing thread,
    one per call), where no other thread reuses them."""
    if _TRIM is not None:
        _TRIM(0)


class _ChunkStream(io.RawIOBase):
    """A binary stream over byte chunks; the first error of the chunks' iterator is kept
    (`error`) and ends the stream with an `OSError` for the reader, as does `cancelled`.
    At the end, `before_end` is called (it may wait), then `ended` is set."""

    def __init__(self, chunks: Iterable[bytes], *, before_end: Callable[[], None] | None = None) -> None:
        super().__init__()
        self._before_end = before_end
        self._chunks = iter(chunks)
        self._current = memoryview(b"")
        self.error: BaseException | None = None
        self.cancelled = False
        self.ended = threading.Event()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.cancelled:
            raise OSError("chargement en masse interrompu")
        while not self._current:
            try:
                self._current = memoryview(next(self._chunks))
            except StopIteration:
                if self._before_end is not None:
                    self._before_end()
                    if self.cancelled:
                        raise OSError("chargement en masse interrompu") from None
                self.ended.set()
                return 0
            except BaseException as e:
                self.error = e
                raise OSError(f"le flux N-Quads a échoué : {e}") from e
        size = min(len(buffer), len(self._current))
        buffer[:size] = self._current[:size]
        self._current = self._current[size:]
        return size
