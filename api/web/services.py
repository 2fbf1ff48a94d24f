"""What the routes share: the store, the search index (rebuilt when the store
changes), the settings, and the Neo4j driver when one is configured."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import Request

from api.web.settings import WebSettings
from graph.analytic import AnalyticGraph, analytic_projection
from graph.kinds import NodeKind
from graph.model import Provenance
from graph.oxigraph_store import OxigraphStore
from queries.actor import Labelled, commune_departement, node_names
from queries.org_network import org_network
from queries.partners import PartnerIndex, partner_index, prepared
from queries.search import SearchIndex
from queries.search_cache import search_index

__all__ = ["Services", "services"]

T = TypeVar("T")
_MAX_VIEWS = 64  # views of one store state held at most
_MAX_LOCKS = 4096
_MAX_NAMES = 100_000  # names read from the store held at most (codes, mostly)


@dataclass
class Services:
    store: OxigraphStore
    settings: WebSettings
    neo4j: Any | None = None  # a neo4j.Driver
    _index: SearchIndex | None = None
    _partners: tuple[str, PartnerIndex] | None = None
    _datasets: tuple[str, tuple[Provenance, ...]] | None = None
    _names: tuple[str, dict[str, tuple[str, NodeKind | None] | None]] | None = None
    _departements: tuple[str, dict[str, Labelled | None]] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _partners_lock: threading.Lock = field(default_factory=threading.Lock)
    _views: dict[Hashable, tuple[str, Any]] = field(default_factory=dict)
    _views_lock: threading.Lock = field(default_factory=threading.Lock)
    _view_locks: dict[Hashable, threading.Lock] = field(default_factory=dict)
    _analytic_lock: threading.Lock = field(default_factory=threading.Lock)

    def state(self) -> str:
        """The store's state token (`GraphStore.state`, a file read): it changes with
        every write, so the indexes below follow the store at once."""
        return self.store.state()

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

    def index_if_ready(self) -> SearchIndex | None:
        """The search index of the store as it is now when it is built, else None (an
        async route then waits for `index` in a thread, not on the event loop)."""
        current = self._index
        return current if current is not None and current.state == self.state() else None

    def index(self) -> SearchIndex:
        """The search index of the store as it is now."""
        state = self.state()
        current = self._index
        if current is not None and current.state == state:
            return current
        with self._lock:
            if self._index is None or self._index.state != state:
                self._index = search_index(self.store)
            return self._index

    def node_names(self, ids: Iterable[str]) -> dict[str, tuple[str, NodeKind | None]]:
        """The name and kind of each node of `ids` the store holds (`queries.actor`'s
        `node_names`): the actors and places from the search index once it is built
        (the catalogue names them by the same rule), the others (codes…) read from
        the store once per state."""
        state = self.state()
        index = self._index if self._index is not None and self._index.state == state else None
        memo = self._memo("_names", state)
        found: dict[str, tuple[str, NodeKind | None]] = {}
        missing: list[str] = []
        for node in ids:
            entry = index.get(node) if index is not None else None
            if entry is not None:
                found[node] = (entry.name, entry.kind)
            elif node in memo:
                known = memo[node]
                if known is not None:
                    found[node] = known
            else:
                missing.append(node)
        if missing:
            read = node_names(self.store, missing)
            if len(memo) > _MAX_NAMES:
                memo.clear()
            for node in missing:
                memo[node] = read.get(node)
                if node in read:
                    found[node] = read[node]
        return found

    def departement_of(self, commune: str) -> Labelled | None:
        """The département of a commune (`queries.actor.commune_departement`), kept per
        store state: there are some 35,000 communes, and an actor page asks for one."""
        memo = self._memo("_departements", self.state())
        if commune not in memo:
            memo[commune] = commune_departement(self.store, commune, self.node_names)
        return memo[commune]  # type: ignore[no-any-return]

    def _memo(self, name: str, state: str) -> dict[str, Any]:
        """The dict attribute `name` holds for `state`: a new one when the store changed."""
        held: tuple[str, dict[str, Any]] | None = getattr(self, name)
        if held is None or held[0] != state:
            held = (state, {})
            setattr(self, name, held)
        return held[1]

    def partners(self) -> PartnerIndex:
        """The partner recommender's index of the store as it is now."""
        state = self.state()
        held = self._partners
        if held is not None and held[0] == state:
            return held[1]
        with self._partners_lock:
            if self._partners is None or self._partners[0] != state:
                self._partners = (state, prepared(partner_index(org_network(self.store))))
            return self._partners[1]

    def analytic(self) -> AnalyticGraph:
        """The organisation lens of the store as it is now (`graph.analytic`, which
        caches it by state); built by one request at a time."""
        with self._analytic_lock:
            return analytic_projection(self.store)

    def view(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()` once per store state and `key`: network-analysis views are costly
        on a national graph and the same until the store changes. Requests for the same
        view wait for one computation; other views compute meanwhile. An error is not kept."""
        state = self.state()
        held = self._views.get(key)
        if held is not None and held[0] == state:
            found: T = held[1]
            return found
        with self._views_lock:
            if len(self._view_locks) > _MAX_LOCKS:  # at worst, a view computed twice
                self._view_locks = {}
            lock = self._view_locks.setdefault(key, threading.Lock())
        with lock:
            held = self._views.get(key)
            if held is not None and held[0] == state:
                return held[1]  # type: ignore[no-any-return]
            value = compute()
            with self._views_lock:
                kept = {k: v for k, v in self._views.items() if v[0] == state}
                while len(kept) >= _MAX_VIEWS:
                    kept.pop(next(iter(kept)))
                kept[key] = (state, value)
                self._views = kept
            return value


async def services(request: Request) -> Services:
    """The routes' dependency (async: FastAPI runs a plain function in a worker thread,
    a hop that cost more than the lightest route itself)."""
    found: Services = request.app.state.services
    return found
