"""What the routes share: the store, the search index (rebuilt when the store
changes), the settings, and the Neo4j driver when one is configured."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from api.web.settings import WebSettings
from graph.model import Provenance
from graph.oxigraph_store import OxigraphStore
from queries.catalogue import catalogue, store_state
from queries.org_network import org_network
from queries.partners import PartnerIndex, partner_index
from queries.search import SearchIndex

__all__ = ["Services", "services"]


@dataclass
class Services:
    store: OxigraphStore
    settings: WebSettings
    neo4j: Any | None = None  # a neo4j.Driver
    _state: str = ""
    _checked: float = -math.inf
    _refreshing: bool = False
    _index: SearchIndex | None = None
    _partners: tuple[str, PartnerIndex] | None = None
    _datasets: tuple[str, tuple[Provenance, ...]] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _partners_lock: threading.Lock = field(default_factory=threading.Lock)
    _state_lock: threading.Lock = field(default_factory=threading.Lock)

    def state(self) -> str:
        """The store's state as last read. It is read again when older than
        `index_check_s` seconds: in the background, so that no request waits for it
        (at once when `index_check_s` is 0, or on the first call)."""
        with self._state_lock:
            stale = time.monotonic() - self._checked >= self.settings.index_check_s
            if not stale or self._refreshing:
                return self._state
            if self.settings.index_check_s > 0 and self._checked > -math.inf:
                self._refreshing = True
                threading.Thread(target=self._refresh, name="store-state", daemon=True).start()
                return self._state
            self._state = store_state(self.store)
            self._checked = time.monotonic()
            return self._state

    def _refresh(self) -> None:
        try:
            state = store_state(self.store)
        finally:
            with self._state_lock:
                self._refreshing = False
        with self._state_lock:
            self._state = state
            self._checked = time.monotonic()

    def datasets(self) -> tuple[Provenance, ...]:
        """The store's datasets, read once per state."""
        state = self.state()
        held = self._datasets
        if held is None or held[0] != state:
            held = (state, tuple(self.store.datasets()))
            self._datasets = held
        return held[1]

    def synthetic_flags(self) -> dict[str, bool]:
        return {p.source: p.synthetic for p in self.datasets()}

    def index(self) -> SearchIndex:
        """The search index of the store as it is now."""
        state = self.state()
        current = self._index
        if current is not None and current.state == state:
            return current
        with self._lock:
            if self._index is None or self._index.state != state:
                self._index = SearchIndex(catalogue(self.store), state=state)
            return self._index

    def partners(self) -> PartnerIndex:
        """The partner recommender's index of the store as it is now."""
        state = self.state()
        held = self._partners
        if held is not None and held[0] == state:
            return held[1]
        with self._partners_lock:
            if self._partners is None or self._partners[0] != state:
                self._partners = (state, partner_index(org_network(self.store)))
            return self._partners[1]


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found
