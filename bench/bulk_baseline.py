"""The embedded store's former bulk path, kept as the benchmarks' baseline: one
pyoxigraph `Quad` object per triple (`graph.rdf.batch_quads`, `merged_quads`) handed to
`Store.bulk_extend`. `OxigraphStore.bulk_load` now writes N-Quads text in chunks."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pyoxigraph import NamedNode, Quad

from graph.model import Batch
from graph.oxigraph_store import OxigraphStore
from graph.rdf import batch_quads, merged_quads
from graph.store import StoreError

__all__ = ["bulk_load_quads"]


def bulk_load_quads(store: OxigraphStore, batches: Iterable[Batch]) -> int:
    """What `OxigraphStore.bulk_load` did before: the same quads, one object each."""
    database = store._store  # the baseline reaches the database as the store did
    if next(iter(database.named_graphs()), None) is not None:
        raise StoreError("bulk_load needs an empty store; use upsert to update")
    written = 0

    def quads() -> Iterator[Quad]:
        nonlocal written
        for batch in batches:
            for quad in batch_quads(batch):
                written += 1
                yield quad
                if isinstance(quad.graph_name, NamedNode):
                    yield from merged_quads(quad)

    try:
        database.bulk_extend(quads())
    finally:
        store._bump_state()
    return written
