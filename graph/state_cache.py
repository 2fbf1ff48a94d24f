"""Cache files kept beside an on-disk store, each valid for one layout version and one
store state (`GraphStore.state`): a file of another version or state is not read.

    folder = cache_folder(store)                 # <store>.analytic; None in memory
    write_part(folder / "x.pickle", VERSION, store.state(), payload)
    read_part(folder / "x.pickle", VERSION, store.state())   # the payload, or None

Used by the analytic projection (`graph.analytic`) and the search index
(`queries.search_cache`). A file is written whole under another name, then renamed.
"""

from __future__ import annotations

import pickle
import uuid
from pathlib import Path
from typing import Any

from graph.store import GraphStore

__all__ = ["cache_folder", "read_part", "write_part"]


def cache_folder(store: GraphStore) -> Path | None:
    """`<store>.analytic` beside an on-disk store; None for a store without a path."""
    path = getattr(store, "path", None)
    if path is None:
        return None
    path = Path(path)
    return path.with_name(path.name + ".analytic")


def read_part(file: Path | None, version: int, state: str) -> Any:
    """The payload of `file` if it was written for `version` and `state`, else None (an
    unreadable or truncated file too)."""
    if file is None or not file.exists():
        return None
    try:
        with file.open("rb") as f:
            held_version, held_state = pickle.load(f)
            if held_version != version or held_state != state:
                return None
            return pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError):
        return None


def write_part(file: Path | None, version: int, state: str, payload: Any) -> None:
    if file is None:
        return
    file.parent.mkdir(parents=True, exist_ok=True)
    tmp = file.with_name(f"{file.name}.{uuid.uuid4().hex}.tmp")
    with tmp.open("wb") as f:
        pickle.dump((version, state), f, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(payload, f, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(file)
