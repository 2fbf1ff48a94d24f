"""`maillage serve` as a person runs it: a real process answering on loopback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from api.cli import app
from graph.oxigraph_store import OxigraphStore
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
