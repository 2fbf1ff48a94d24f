"""Connections shared out between forked workers by the parent, each to the worker
holding the fewest.

Workers that all accept on one listening socket do not share the load: the first one
woken accepts every connection waiting, so 50 clients connecting at once were seen
split 44 to 6, and the busier worker's queue set everyone's latency. Here the parent
alone accepts; it passes each connection (its file descriptor, over a Unix socket pair)
to the worker with the fewest open connections, counted from what the parent sent and
what each worker reports closed (one shared counter per worker, each written by one
process only). A worker serves what it receives with uvicorn's own HTTP protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import functools
import multiprocessing.sharedctypes
import select
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn

__all__ = ["Channels", "DispatchedServer"]

_BATCH = 16  # descriptors received per read
# accept's failures that pass: no descriptor or memory left for now, a connection gone
_PASSING = frozenset(
    {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM, errno.ECONNABORTED, errno.EPROTO}
)
_PASSING_WAIT_S = 0.05


class Channels:
    """The parent's side: one Unix datagram socket pair and two counters per worker."""

    def __init__(self, workers: int) -> None:
        self.sent = [0] * workers  # written by the parent only
        self.closed: Any = multiprocessing.sharedctypes.RawArray("q", workers)  # by each worker, its slot
        self.alive = [True] * workers
        self._parent: list[socket.socket] = []
        self._child: list[socket.socket] = []
        for _ in range(workers):
            parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
            parent.setblocking(False)
            self._parent.append(parent)
            self._child.append(child)

    def worker_side(self, slot: int) -> socket.socket:
        """In worker `slot` after the fork: its channel; every other end is closed, so that
        a worker's death closes its channel for the parent."""
        for k, (parent, child) in enumerate(zip(self._parent, self._child, strict=True)):
            parent.close()
            if k != slot:
                child.close()
        return self._child[slot]

    def parent_side(self) -> None:
        """In the parent once every worker is forked: the workers' ends closed."""
        for child in self._child:
            child.close()

    def close(self) -> None:
        """Every end this process still holds closed."""
        for end in (*self._parent, *self._child):
            end.close()

    def gone(self, slot: int) -> None:
        self.alive[slot] = False

    def dispatch(self, listener: socket.socket) -> None:
        """Accept connections until the listener closes, each handed to the live worker
        holding the fewest (the lowest slot on a tie); closed when none is left. A
        passing failure to accept (out of file descriptors, a connection reset while
        waiting) is waited out, not taken for the end."""
        while True:
            try:
                connection, _ = listener.accept()
            except OSError as error:
                if error.errno not in _PASSING:
                    return  # the listener was shut down or closed: the server stops
                time.sleep(_PASSING_WAIT_S)
                continue
            with connection:
                self._hand(connection)

    def _hand(self, connection: socket.socket) -> None:
        while True:
            live = [k for k, up in enumerate(self.alive) if up]
            if not live:
                return
            by_load = sorted(live, key=lambda k: (self.sent[k] - self.closed[k], k))
            for k in by_load:
                try:
                    socket.send_fds(self._parent[k], [b"c"], [connection.fileno()])
                except BlockingIOError:  # its queue is full: it is busy, try the next
                    continue
                except OSError as error:
                    if error.errno not in (errno.ECONNREFUSED, errno.EPIPE, errno.ENOTCONN):
                        # not handed (memory, buffers): this connection is dropped, not the server
                        sys.stderr.write(f"connexion non transmise au processus {k} : {error}\n")
                        return
                    self.gone(k)  # its end closed: the worker is gone
                    continue
                self.sent[k] += 1
                return
            # every live worker's queue is full: wait until one can take more
            select.select([], [self._parent[k] for k in live], [], 1.0)


def _counted(protocol: type[asyncio.Protocol], closed: Any, slot: int) -> type[asyncio.Protocol]:
    """`protocol` that counts each connection it loses in `closed[slot]`."""

    class Counted(protocol):  # type: ignore[valid-type, misc]
        def connection_lost(self, exc: Exception | None) -> None:
            try:
                super().connection_lost(exc)
            finally:
                closed[slot] += 1

    return Counted


class DispatchedServer(uvicorn.Server):
    """uvicorn serving the connections its parent hands over `channel` (no listener)."""

    def __init__(self, config: uvicorn.Config, channel: socket.socket, closed: Any, slot: int) -> None:
        super().__init__(config)
        config.load()
        config.http_protocol_class = _counted(config.http_protocol_class, closed, slot)
        self.channel = channel
        channel.setblocking(False)

    def serve_handed(self) -> None:
        self.run(sockets=[])

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=[])
        loop = asyncio.get_running_loop()
        protocol = functools.partial(  # as uvicorn's own startup builds it
            self.config.http_protocol_class,  # type: ignore[call-arg]
            config=self.config,
            server_state=self.server_state,
            app_state=self.lifespan.state,
        )
        loop.add_reader(self.channel.fileno(), self._receive, loop, protocol)

    def _receive(self, loop: asyncio.AbstractEventLoop, protocol: Callable[[], asyncio.Protocol]) -> None:
        while True:
            try:
                _, descriptors, _, _ = socket.recv_fds(self.channel, _BATCH, _BATCH)
            except (BlockingIOError, InterruptedError):
                return
            for descriptor in descriptors:
                connection = socket.socket(fileno=descriptor)
                loop.create_task(loop.connect_accepted_socket(protocol, connection))
            if not descriptors:
                return

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        with contextlib.suppress(ValueError, OSError):
            asyncio.get_running_loop().remove_reader(self.channel.fileno())
        await super().shutdown(sockets=sockets)


def start_dispatcher(channels: Channels, listener: socket.socket) -> threading.Thread:
    """The parent's accepting thread (a daemon: it ends with the parent)."""
    thread = threading.Thread(target=channels.dispatch, args=(listener,), name="dispatch", daemon=True)
    thread.start()
    return thread
