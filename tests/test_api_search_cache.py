"""The search index kept on disk next to an on-disk store, per store state."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from graph.kinds import OrgKind, RelKind
from graph.model import Batch, Edge, Node, Provenance
from graph.oxigraph_store import OxigraphStore
from queries import search_cache
from queries.search_cache import search_index
from tests.conftest import aube_batch


def _ids(index: search_cache.SearchIndex, q: str) -> list[str]:
    return [h.entry.id for h in index.search(q)]


def test_a_restart_reads_the_index_of_the_same_state_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "store"
    with OxigraphStore(path) as store:
        store.upsert(aube_batch())
        built = search_index(store)
        state = store.state()
    file = tmp_path / "store.analytic" / "search.pickle"
    held = search_cache._read(file, state)
    assert held is not None and held.state == state
    assert held.entries == built.entries
    with OxigraphStore(path, read_only=True) as store:
        again = search_index(store)
    assert again.entries == built.entries
    assert _ids(again, "boutique boul") == _ids(built, "boutique boul") == ["org:boutique-boulot"]


def test_a_write_makes_the_next_index_new_and_replaces_the_file(tmp_path: Path) -> None:
    path = tmp_path / "store"
    with OxigraphStore(path) as store:
        store.upsert(aube_batch())
        before = store.state()
        assert _ids(search_index(store), "ressourcerie") == []
        store.upsert(
            Batch(
                Provenance("ajout", date(2024, 2, 1), title="Ajout"),
                [Node("org:ressourcerie", OrgKind.ACI, "Ressourcerie des Noës")],
                [Edge("org:ressourcerie", RelKind.LOCATED_IN, "commune:10387")],
            )
        )
        after = store.state()
        assert after != before
        assert _ids(search_index(store), "ressourcerie") == ["org:ressourcerie"]
    file = tmp_path / "store.analytic" / "search.pickle"
    assert search_cache._read(file, before) is None
    held = search_cache._read(file, after)
    assert held is not None and _ids(held, "ressourcerie") == ["org:ressourcerie"]


def test_an_unreadable_cache_file_is_built_again(tmp_path: Path) -> None:
    path = tmp_path / "store"
    with OxigraphStore(path) as store:
        store.upsert(aube_batch())
        file = tmp_path / "store.analytic" / "search.pickle"
        file.parent.mkdir()
        file.write_bytes(b"not a pickle")
        assert _ids(search_index(store), "boutique boul") == ["org:boutique-boulot"]
        assert search_cache._read(file, store.state()) is not None
