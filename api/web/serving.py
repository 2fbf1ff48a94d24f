"""Serving the explorer: one process (the default), or several worker processes
forked from one that built the search and partner indexes first.

With workers, the parent holds the store's lock (`LOCK`, the lock a writer takes), so
no load runs meanwhile, and each worker opens the store read-only after the fork: the
indexes are built once, shared by the fork, and stay valid while the server runs. The
parent accepts the connections and hands each to the worker holding the fewest
(`api.web.dispatch`).
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import uvicorn

from api.web.app import create_app
from api.web.dispatch import Channels, DispatchedServer, start_dispatcher
from graph.oxigraph_store import OxigraphStore
from graph.store import StoreError

__all__ = ["hold_store", "serve", "warm"]


def hold_store(path: Path) -> IO[str]:
    """The store's writer lock, held until the file returned is closed: a load (or
    any process opening the store for writing) is refused meanwhile."""
    lock = open(path / "LOCK", "a")  # noqa: SIM115 - held for the life of the server
    try:
        fcntl.lockf(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.close()
        raise StoreError(
            f"le magasin {path} est ouvert en écriture par un autre processus (un chargement ?) : "
            "réessayer quand il aura fini"
        ) from None
    return lock


def warm(services: Any, *, partners: bool) -> None:
    """Build what the routes read once per store state (datasets, search index, and
    the partner index when `partners`), then move every object alive into the
    permanent generation: the collector no longer walks the indexes' millions of
    objects on each full collection, which paused every request."""
    services.datasets()
    services.index()
    if partners:
        services.partners()
    gc.freeze()


def serve(
    store_path: Path,
    *,
    host: str,
    port: int,
    workers: int = 1,
    neo4j: Callable[[], Any] | None = None,
    on_ready: Callable[[], None] = lambda: None,
) -> None:
    """Serve until Ctrl-C (SIGINT) or SIGTERM. `neo4j`: connects a driver (one per
    process: a driver is not shared across a fork)."""
    if workers <= 1:
        _serve_one(store_path, host=host, port=port, neo4j=neo4j, on_ready=on_ready)
    else:
        _serve_forked(store_path, host=host, port=port, workers=workers, neo4j=neo4j, on_ready=on_ready)


def _serve_one(
    store_path: Path, *, host: str, port: int, neo4j: Callable[[], Any] | None, on_ready: Callable[[], None]
) -> None:
    graph = OxigraphStore(store_path)
    driver = neo4j() if neo4j is not None else None
    try:
        web = create_app(graph, neo4j=driver)
        # The search index is built while the server starts, not on the first search.
        services = web.state.services
        threading.Thread(target=warm, args=(services,), kwargs={"partners": False}, daemon=True).start()
        on_ready()
        uvicorn.run(web, host=host, port=port, log_level="warning", access_log=False)
    finally:
        graph.close()
        if driver is not None:
            driver.close()


def _serve_forked(
    store_path: Path,
    *,
    host: str,
    port: int,
    workers: int,
    neo4j: Callable[[], Any] | None,
    on_ready: Callable[[], None],
) -> None:
    lock = hold_store(store_path)
    try:
        graph = OxigraphStore(store_path, read_only=True)
        web = create_app(graph)
        services = web.state.services
        warm(services, partners=True)
        graph.close()  # each worker opens its own after the fork
        listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(2048)
        on_ready()
        sys.stdout.flush()
        sys.stderr.flush()
        channels = Channels(workers)
        children = []
        for slot in range(workers):
            pid = os.fork()
            if pid == 0:  # the worker
                code = 1
                try:
                    listener.close()
                    server = DispatchedServer(
                        uvicorn.Config(web, log_level="warning", access_log=False),
                        channels.worker_side(slot),
                        channels.closed,
                        slot,
                    )
                    _worker(server, services, store_path, neo4j)
                    code = 0
                finally:
                    os._exit(code)
            children.append(pid)
        channels.parent_side()
        start_dispatcher(channels, listener)
        _supervise(children, channels)
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)  # wakes the dispatcher's accept
        listener.close()
        channels.close()
    finally:
        lock.close()


def _worker(
    server: DispatchedServer, services: Any, store_path: Path, neo4j: Callable[[], Any] | None
) -> None:
    services.store = OxigraphStore(store_path, read_only=True)
    services.store.assume_no_writer()  # the parent holds the store's lock
    services.neo4j = neo4j() if neo4j is not None else None
    try:
        server.serve_handed()
    finally:
        services.store.close()
        if services.neo4j is not None:
            services.neo4j.close()


def _supervise(children: list[int], channels: Channels) -> None:
    """Wait for the workers, each marked gone for the dispatcher as it ends; SIGTERM to
    the parent stops them (Ctrl-C reaches them directly, as the terminal signals the
    whole process group)."""

    def stop(signum: int, _frame: object) -> None:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, lambda *_: None)  # the workers get it too and stop
    left = set(children)
    while left:  # os.wait retries by itself when a signal interrupts it (PEP 475)
        try:
            pid, _ = os.wait()
        except ChildProcessError:
            return
        if pid in left:
            left.discard(pid)
            channels.gone(children.index(pid))
