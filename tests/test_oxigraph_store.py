"""What the embedded store reports about its writes, in triples."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from graph.oxigraph_store import OxigraphStore
from graph.store import StoreError
from tests.conftest import aube_batch


def test_load_report_counts_added_and_removed_triples() -> None:
    store = OxigraphStore()
    first = store.upsert(aube_batch())
    # 11 nodes × (type + name) + 4 coordinates + 1 siret; 15 distinct direct triples (the two
    # partnerships of Boutique Boulot with the Menuiserie share one); 6 qualified relations ×
    # (type, from, to, relation) + 3 keys + 12 attributes; 4 dataset facts (type, date, flag, title)
    assert first.triples_added == 22 + 4 + 1 + 15 + 24 + 3 + 12 + 4 == len(store)
    again = store.upsert(aube_batch())
    assert (again.triples_added, again.triples_removed) == (0, 0)
    batch = aube_batch()
    renamed = [replace(n, name="Isolée SARL") if n.id == "org:isolee" else n for n in batch.nodes]
    changed = store.upsert(replace(batch, nodes=renamed))
    assert (changed.triples_added, changed.triples_removed) == (1, 1)


def test_store_persists_on_disk(tmp_path: Path) -> None:
    with OxigraphStore(tmp_path / "s") as store:
        store.upsert(aube_batch())
        expected = store.subgraph()
    with OxigraphStore(tmp_path / "s") as reopened:
        assert reopened.subgraph() == expected


def test_bulk_load_writes_everything_and_refuses_a_loaded_store() -> None:
    store = OxigraphStore()
    assert store.bulk_load([aube_batch()]) == 86  # one direct triple written twice
    assert len(store.subgraph().edges) == 16
    with pytest.raises(StoreError, match="magasin vide"):
        store.bulk_load([aube_batch()])


def test_a_reader_follows_the_state_unless_told_no_writer_runs(tmp_path: Path) -> None:
    """The state token is the caches' key: a read-only instance reads it again at each
    call (a writer may be at work in another process); one told `assume_no_writer`
    (a server holding the store's lock) and the writer itself keep theirs."""
    batch = aube_batch()
    with OxigraphStore(tmp_path / "store") as writer:
        writer.upsert(batch)
        first = writer.state()
        reader = OxigraphStore(tmp_path / "store", read_only=True)
        pinned = OxigraphStore(tmp_path / "store", read_only=True)
        pinned.assume_no_writer()
        assert reader.state() == pinned.state() == first
        writer.clear()
        second = writer.state()
        assert second != first
        assert (tmp_path / "store" / "maillage-state").read_text(encoding="ascii") == second
        assert reader.state() == second
        assert pinned.state() == first
        reader.close()
        pinned.close()
