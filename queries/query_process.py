"""A child process evaluating one query, which the caller reads from a pipe and may kill.

pyoxigraph cannot interrupt a query in progress, so a bounded query runs in a process of
its own. How that process is made depends on the store:

- an **in-memory store** lives only in the caller: the child is a plain ``fork`` of it;
- an **on-disk store** is opened afresh, read-only, by a child of multiprocessing's fork
  server, a small process started once (by fork + exec, from no thread) that never
  opens a store itself. A fork of the caller would copy the caller's RocksDB and
  allocator state as it stood at that instant: a lock a background thread held then (a
  compaction of the caller's open store) stays held forever in the fork, and the
  query hung until its timeout (seen in test runs: once reading the caller's instance,
  once more after the fork reopened the store). A child of the fork server inherits no such thread.

`start(target, source, *args)` runs ``target(source, *args, conn)`` in the child, where
`conn` is the pipe's writing end; the target must leave by ``os._exit``.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from abc import ABC, abstractmethod
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Final

from graph.oxigraph_store import OxigraphStore

__all__ = ["QueryChild", "start"]

_SERVER: Final = multiprocessing.get_context("forkserver")
# the fork server imports the evaluating module once; its children start from there
_SERVER.set_forkserver_preload(["queries.sparql_console"])


class QueryChild(ABC):
    """A running child: `conn` reads what it sends; `ended()` says how it ended (after
    `conn` reached its end); `stop()` kills it if still running and reaps it."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    @abstractmethod
    def ended(self) -> tuple[bool, int | None]:
        """(killed by a signal, exit code)."""

    @abstractmethod
    def stop(self) -> None: ...


class _ForkedChild(QueryChild):
    """A plain fork of the caller, known by its pid."""

    def __init__(self, conn: Connection, pid: int) -> None:
        super().__init__(conn)
        self._pid = pid

    def ended(self) -> tuple[bool, int | None]:
        """Read without reaping: a zombie keeps its pid, so `stop` cannot signal another
        process."""
        info = os.waitid(os.P_PID, self._pid, os.WEXITED | os.WNOWAIT)
        if info is None:
            return (False, None)
        return (info.si_code in (os.CLD_KILLED, os.CLD_DUMPED), info.si_status)

    def stop(self) -> None:
        self.conn.close()
        with contextlib.suppress(ProcessLookupError):
            os.kill(self._pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self._pid, 0)


class _ServerChild(QueryChild):
    """A child of the fork server, known by its multiprocessing process."""

    def __init__(self, conn: Connection, process: Any) -> None:
        super().__init__(conn)
        self._process = process

    def ended(self) -> tuple[bool, int | None]:
        self._process.join(10)
        code = self._process.exitcode
        return (code is not None and code < 0, code)

    def stop(self) -> None:
        self.conn.close()
        if self._process.exitcode is None:
            self._process.kill()
        self._process.join()
        self._process.close()


def start(target: Callable[..., None], source: OxigraphStore | str, *args: Any) -> QueryChild:
    """Run ``target(source, *args, conn)`` in a child: forked when `source` is an
    in-memory store, started by the fork server when it is an on-disk store's path."""
    if not isinstance(source, str):  # an in-memory store
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child: covered by the tests, not by coverage
            os.close(read_fd)
            target(source, *args, Connection(write_fd, readable=False))
            os._exit(1)  # the target leaves by os._exit; in case it did not
        os.close(write_fd)
        return _ForkedChild(Connection(read_fd, writable=False), pid)
    reader, writer = _SERVER.Pipe(duplex=False)
    process = _SERVER.Process(target=target, args=(source, *args, writer), daemon=True, name="sparql-query")
    process.start()
    writer.close()
    return _ServerChild(reader, process)
