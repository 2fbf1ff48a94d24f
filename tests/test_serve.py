"""`maillage serve` as a person runs it: a real process answering on loopback."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from api.cli import app
from graph.oxigraph_store import OxigraphStore
from graph.store import StoreError
from tests.conftest import aube_batch


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_on_loopback_until_interrupted(tmp_path: Path) -> None:
    with OxigraphStore(tmp_path / "store") as store:
        store.upsert(aube_batch())
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("maillage")), "serve", "--store", str(tmp_path / "store"),
         "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        answer = None
        while answer is None and time.monotonic() < deadline:
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            try:
                answer = httpx.get(base + "/api/v1/search", params={"q": "boutique boul"}, timeout=30)
            except httpx.HTTPError:
                time.sleep(0.2)
        assert answer is not None
        assert [i["id"] for i in answer.json()["items"]] == ["org:boutique-boulot"]
    finally:
        os.killpg(server.pid, signal.SIGINT)
        out, _ = server.communicate(timeout=60)
    assert out.decode().startswith(f"explorateur : http://127.0.0.1:{port}/")


def test_serve_without_a_store_says_what_to_do(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["serve", "--store", str(tmp_path / "absent")])
    assert result.exit_code == 1
    assert "lancer d'abord « maillage load » ou « maillage demo »" in result.output


def _children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in found]


def _held_connections(pid: int, port: int) -> int:
    """How many established TCP connections to `port` process `pid` holds."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == "01":  # 01: established
            inodes.add(fields[9])
    held = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            link = os.readlink(fd)
            held += link.startswith("socket:[") and link[8:-1] in inodes
    return held


def test_serve_with_two_workers_answers_the_same_from_each_and_keeps_loads_out(tmp_path: Path) -> None:
    """`--workers 2`: two processes forked after the indexes were built, each reading
    the store read-only; either answers alone; no writer may open the store meanwhile."""
    with OxigraphStore(tmp_path / "store") as store:
        store.upsert(aube_batch())
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("maillage")), "serve", "--store", str(tmp_path / "store"),
         "--port", str(port), "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    paths = ["/api/v1/search?q=boutique%20boul", "/api/v1/actors/org:boutique-boulot",
             "/api/v1/actors/org:boutique-boulot/candidates?objectif=recrutement&limit=3"]  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        first = None
        while first is None and time.monotonic() < deadline:
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            try:
                first = [httpx.get(base + p, timeout=30) for p in paths]
            except httpx.HTTPError:
                time.sleep(0.2)
        assert first is not None
        assert [a.status_code for a in first] == [200, 200, 200]
        assert [i["id"] for i in first[0].json()["items"]] == ["org:boutique-boulot"]
        workers = _children(server.pid)
        assert len(workers) == 2
        clients = [httpx.Client(base_url=base, timeout=30) for _ in range(10)]
        try:  # ten connections open at once: five held by each worker
            assert {c.get(paths[0]).status_code for c in clients} == {200}
            assert [_held_connections(w, port) for w in workers] == [5, 5]
            assert _held_connections(server.pid, port) == 0  # the parent handed each on
        finally:
            for c in clients:
                c.close()
        with pytest.raises(StoreError, match="impossible d'ouvrir le magasin embarqué"):
            OxigraphStore(tmp_path / "store")  # a load would fail the same way
        for worker in workers:  # each worker alone answers as both did
            with httpx.Client(base_url=base, timeout=30) as client:
                assert [client.get(p).json() for p in paths] == [a.json() for a in first]
            os.kill(worker, signal.SIGKILL)
            while worker in _children(server.pid):  # the parent collects it
                time.sleep(0.05)
        assert server.wait(timeout=30) == 0  # no worker left: the server stops
        with pytest.raises(httpx.ConnectError):
            httpx.get(base + paths[0], timeout=5)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGINT)
        out, _ = server.communicate(timeout=60)
    assert out.decode().splitlines() == [
        "construction des index avant de servir avec 2 processus…",
        f"explorateur : http://127.0.0.1:{port}/  (API : http://127.0.0.1:{port}/api/v1/docs)",
    ]
    with OxigraphStore(tmp_path / "store") as store:  # the lock went with the server
        assert store.node("org:boutique-boulot") is not None


def test_a_read_only_store_reads_and_refuses_writes(tmp_path: Path) -> None:
    with OxigraphStore(tmp_path / "store") as store:
        store.upsert(aube_batch())
        state = store.state()
    reader = OxigraphStore(tmp_path / "store", read_only=True)
    second = OxigraphStore(tmp_path / "store", read_only=True)  # as many readers as wish
    try:
        assert reader.node("org:boutique-boulot") is not None
        assert second.state() == state
        with pytest.raises(StoreError, match="ouvert en lecture seule : écriture refusée"):
            reader.upsert(aube_batch())
        with pytest.raises(StoreError, match="ouvert en lecture seule : écriture refusée"):
            reader.clear()
        assert reader.state() == state
        assert reader.node("org:boutique-boulot") is not None
    finally:
        reader.close()
        second.close()
