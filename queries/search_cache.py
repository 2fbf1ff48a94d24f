"""The search index of an on-disk store, kept on disk per store state.

Reading the catalogue of a national store takes a minute and a half (a scan of every
name, kind, position and place); the index built on it is written next to the store
(`<store>.analytic/search.pickle`, beside the organisation projection's cache) with the
store's state, and read back by the next server over the same state in seconds. A write
to the store changes its state: the next index is built again and replaces the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from graph.oxigraph_store import OxigraphStore
from graph.state_cache import cache_folder, read_part, write_part
from queries.catalogue import catalogue
from queries.search import SearchIndex

__all__ = ["search_index"]

_VERSION: Final = 1  # of the file's layout: another version is not read


def search_index(store: OxigraphStore) -> SearchIndex:
    """The search index of `store` as it is now: from the disk cache of its state when
    there is one, else built from the catalogue (and written to the cache)."""
    state = store.state()
    file = _file(store)
    held = _read(file, state)
    if held is not None:
        return held
    index = SearchIndex(catalogue(store), state=state)
    _write(file, state, index)
    return index


def _file(store: OxigraphStore) -> Path | None:
    folder = cache_folder(store)
    return None if folder is None else folder / "search.pickle"


def _read(file: Path | None, state: str) -> SearchIndex | None:
    try:
        index = read_part(file, _VERSION, state)
    except AttributeError:  # an index pickled by another version of its class
        return None
    return index if isinstance(index, SearchIndex) and index.state == state else None


def _write(file: Path | None, state: str, index: SearchIndex) -> None:
    try:
        write_part(file, _VERSION, state, index)
    except OSError:  # a read-only folder: the index is still served, only not kept
        return
