"""The web app served by a real uvicorn on a free loopback port, in a thread of the test."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

from api.web.app import create_app
from graph.oxigraph_store import OxigraphStore
from tests.conftest import aube_batch


@contextmanager
def serving(app: FastAPI, *, timeout: float = 30.0) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 until the block ends; yields the base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the web server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)


@contextmanager
def aube_site() -> Iterator[str]:
    """The explorer over the Aube fixture, with no map tiles (no network in tests: the
    map shows its points on a plain background)."""
    os.environ["MAILLAGE_TUILES"] = ""
    store = OxigraphStore()
    store.upsert(aube_batch())
    try:
        with serving(create_app(store)) as url:
            yield url
    finally:
        os.environ.pop("MAILLAGE_TUILES", None)
        store.close()
