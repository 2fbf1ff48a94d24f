"""Loads run with the cyclic garbage collector paused (`graph.gc_pause`): each of its
full collections would walk every object a national load holds."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.synthetic import synthetic_graph
from graph.gc_pause import collector_paused
from graph.model import Batch
from graph.neo4j_import import ImportGraph
from graph.neo4j_store import Neo4jStore
from graph.oxigraph_store import OxigraphStore
from loaders import neo4j_offline
from loaders.pipeline import LoadRequest, LoadSource, load


@pytest.fixture
def collections() -> Iterator[list[int]]:
    """The generation of every collection that starts while the test runs."""
    started: list[int] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(info["generation"])

    gc.callbacks.append(note)
    yield started
    gc.callbacks.remove(note)


def _allocate_many() -> None:
    keep = [[i] for i in range(20_000)]  # container allocations: past gen 0's threshold
    del keep


def test_the_pause_disables_the_collector_and_restores_its_state(collections: list[int]) -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        _allocate_many()
        with collector_paused():  # nested: still paused on leaving the inner one
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    assert collections == []
    _allocate_many()
    assert collections  # the collector runs again
    gc.disable()
    try:  # a caller that had disabled it keeps it disabled
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_comes_back_after_a_failure() -> None:
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("refusé")
    assert gc.isenabled()


@pytest.fixture(scope="module")
def batch() -> Batch:
    """Some 2,000 organisations: enough allocations to start collections if the
    collector ran."""
    return synthetic_graph(20_000, seed=3).batches[1]


def test_a_load_reads_and_writes_with_no_collection(collections: list[int]) -> None:
    """`maillage load`'s pipeline: the guide's files read, checked and written."""
    with OxigraphStore() as store:
        gc.collect()
        collections.clear()
        (report,) = load(store, LoadRequest(LoadSource.GUIDE))
        assert collections == []
        assert gc.isenabled()
        assert report.nodes_written == sum(store.counts().nodes.values()) > 0


def test_a_neo4j_upsert_runs_no_collection(
    neo4j_store: Neo4jStore, batch: Batch, collections: list[int]
) -> None:
    neo4j_store.upsert(synthetic_graph(0).batches[0])
    gc.collect()
    collections.clear()
    neo4j_store.upsert(batch)
    assert collections == []
    assert gc.isenabled()
    assert sum(neo4j_store.counts().nodes.values()) > len(batch.nodes)


def test_the_offline_import_reads_and_prepares_with_no_collection(
    collections: list[int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`maillage neo4j import`: the files read into the import graph with the collector
    paused. The importer itself (a JVM: `tests/test_neo4j_import.py`) is replaced here
    by a recorder of what it is given."""
    given: list[tuple[int, bool]] = []

    def importer(graph: ImportGraph, data_dir: Path, **_: object) -> str:
        given.append((sum(1 for _ in graph.node_rows()), gc.isenabled()))
        return "rapport"

    monkeypatch.setattr(neo4j_offline, "import_graph", importer)
    gc.collect()
    collections.clear()
    report, reports = neo4j_offline.import_requests([LoadRequest(LoadSource.GUIDE)], tmp_path / "neo4j")
    assert collections == []
    assert gc.isenabled()
    assert report == "rapport"
    assert given == [(reports[0].nodes_written, False)]
