"""An HTTP client on the web app over a given store (no network, no server process)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.web.app import create_app
from api.web.settings import WebSettings
from graph.oxigraph_store import OxigraphStore

__all__ = ["client_for"]


def client_for(store: OxigraphStore, *, neo4j: Any | None = None, **settings: Any) -> TestClient:
    return TestClient(create_app(store, neo4j=neo4j, settings=WebSettings(**settings)))
