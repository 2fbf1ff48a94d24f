"""What the routes share: the store, the search index (rebuilt when the store
changes), the settings, and the Neo4j driver when one is configured."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from api.web.settings import WebSettings
from graph.oxigraph_store import OxigraphStore
from queries.catalogue import catalogue, store_state
from queries.search import SearchIndex

__all__ = ["Services", "services"]


@dataclass
class Services:
    store: OxigraphStore
    settings: WebSettings
    neo4j: Any | None = None  # a neo4j.Driver
    _index: SearchIndex | None = None
    _checked: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def index(self) -> SearchIndex:
        """The search index of the store as it is now (checked every `index_check_s`)."""
        now = time.monotonic()
        current = self._index
        if current is not None and now - self._checked < self.settings.index_check_s:
            return current
        with self._lock:
            if self._index is not None and now - self._checked < self.settings.index_check_s:
                return self._index
            state = store_state(self.store)
            if self._index is None or self._index.state != state:
                self._index = SearchIndex(catalogue(self.store), state=state)
            self._checked = time.monotonic()
            return self._index


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found
