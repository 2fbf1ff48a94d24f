"""A load of several datasets onto a store that already holds data is whole or not at
all (issue 13, item 4), on both backends: the embedded store on disk (a checkpoint
restored on failure, and at the next opening after a kill) and a real Neo4j server
(one write transaction). The load is `load synthetique` of a generated Aube (the real
frame within its scope, then seven generated files: fourteen datasets) onto a store
holding the guide's case studies; the fault is injected where the store writes (the
last dataset fails once written), or the loading process kills itself with SIGKILL."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

import graph.oxigraph_store as oxi
from graph.model import Batch, Counts, LoadReport, Provenance, Subgraph
from graph.neo4j_store import COUNT_ALL, Neo4jStore, connect
from graph.oxigraph_store import OxigraphStore
from graph.store import GraphStore, StoreError
from loaders.pipeline import LoadRequest, LoadSource, load
from loaders.real_frame import RealOutputs, real_outputs
from loaders.synthetic import Manifest, departement, generate
from loaders.synthetic.reference import reference_from_outputs
from tests.conftest import aube_batch

ROOT = Path(__file__).resolve().parents[1]
LAST = "synthetique-departement-10-s42-partenariats"
GUIDE = "guide-avise-2021"


@dataclass(frozen=True)
class Territory:
    """A generated Aube, the real frame within its scope (pickled too, for children)."""

    path: Path
    frame: RealOutputs
    frame_file: Path


@pytest.fixture(scope="module")
def aube(tmp_path_factory: pytest.TempPathFactory) -> Territory:
    real = real_outputs()
    out = tmp_path_factory.mktemp("aube-42")
    generate(
        departement("10"),
        out,
        seed=42,
        reference=reference_from_outputs(real.geography, real.nomenclatures, real.structures),
    )
    frame = real.within(Manifest.read(out).scope)
    frame_file = out.parent / "frame.pickle"
    frame_file.write_bytes(pickle.dumps(frame))
    return Territory(out, frame, frame_file)


@dataclass(frozen=True)
class Held:
    """What a store holds, exactly: its datasets, counts, every node and relation with
    every dataset's values, and the backend's own raw view (the embedded store's quads;
    Neo4j's node and relationship counts, ledgers and state token)."""

    datasets: list[Provenance]
    counts: Counts
    graph: Subgraph
    raw: Any


def held(store: GraphStore) -> Held:
    if isinstance(store, OxigraphStore):
        raw: Any = {str(q) for q in store.quads_for_pattern()}
    else:
        assert isinstance(store, Neo4jStore)
        raw = (
            [tuple(r.values()) for r in store.read(COUNT_ALL)],
            sorted(tuple(r.values()) for r in store.read("MATCH (n:Node) RETURN n.id, n.by_source")),
            sorted(
                tuple(r.values()) for r in store.read("MATCH (d:Dataset) RETURN d.source, d.date, d.rels")
            ),
            store.state(),
        )
    return Held(store.datasets(), store.counts(), store.subgraph(), raw)


@pytest.fixture(params=["oxigraph-disk", "neo4j"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Where a store lives: a folder for the embedded store, a Bolt URI for Neo4j."""
    if request.param == "oxigraph-disk":
        yield str(tmp_path / "store")
    else:
        uri = request.getfixturevalue("neo4j_server")
        driver = connect(uri)
        driver.execute_query("MATCH (n) DETACH DELETE n", database_="neo4j")
        driver.close()
        yield uri


def opened(where: str) -> GraphStore:
    if where.startswith("bolt://"):
        return Neo4jStore(connect(where), owns_driver=True)
    return OxigraphStore(where)


def load_aube(store: GraphStore, aube: Territory) -> list[LoadReport]:
    return load(store, LoadRequest(LoadSource.SYNTHETIQUE, aube.path), frame=aube.frame)


def test_a_load_failing_at_its_last_dataset_leaves_the_store_as_it_was(
    backend: str, aube: Territory, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = opened(backend)
    try:
        load(store, LoadRequest(LoadSource.GUIDE))
        before = held(store)
        assert [d.source for d in before.datasets] == [GUIDE]
        written: list[str] = []
        newcomers: list[str] = []  # per dataset with nodes of its own, one the store did not hold
        held_ids = {n.id for n in before.graph.nodes}
        upsert = store.upsert

        def fails_at_the_last(batch: Batch) -> LoadReport:
            newcomer = next((n.id for n in batch.nodes if n.id not in held_ids), None)
            report = upsert(batch)
            if newcomer is not None:
                assert store.node(newcomer) is not None  # written (inside the load)
                newcomers.append(newcomer)
            written.append(batch.provenance.source)
            if batch.provenance.source == LAST:  # written, then the disk or the server fails
                raise StoreError(f"{LAST} : panne simulée")
            return report

        monkeypatch.setattr(store, "upsert", fails_at_the_last)
        with pytest.raises(StoreError, match="panne simulée"):
            load_aube(store, aube)
        assert len(written) == 14 and written[-1] == LAST
        after = held(store)
        assert after == before
        assert len(newcomers) >= 10
        assert [store.node(i) for i in newcomers] == [None] * len(newcomers)
    finally:
        store.close()


# -- a kill -9 during the load ----------------------------------------------------------

# The load as `maillage load synthetique` runs it, killed with SIGKILL after the Nth
# dataset is written (0: once the load has returned). "part": the embedded store
# writes each dataset in parts of 100 nodes, and the kill comes after the 20th part.
_CHILD = """
import os, pickle, signal, sys
from pathlib import Path
import graph.oxigraph_store as oxi
from graph.neo4j_store import Neo4jStore, connect
from loaders.pipeline import LoadRequest, LoadSource, load

where, territory, frame_file, point = sys.argv[1:5]
frame = pickle.loads(Path(frame_file).read_bytes())
if where.startswith("bolt://"):
    store = Neo4jStore(connect(where), owns_driver=True)
else:
    store = oxi.OxigraphStore(where)

def die():
    os.kill(os.getpid(), signal.SIGKILL)

written = 0
if point == "part":
    oxi.PART_NODES = 100
    write_new = oxi.OxigraphStore._write_new
    def dies_at_the_20th_part(self, batch, *, skip):
        global written
        added = write_new(self, batch, skip=skip)
        written += 1
        if written == 20:
            die()
        return added
    oxi.OxigraphStore._write_new = dies_at_the_20th_part
else:
    upsert = store.upsert
    def dies_after_the_nth(batch):
        global written
        report = upsert(batch)
        written += 1
        if written == int(point):
            die()
        return report
    store.upsert = dies_after_the_nth
load(store, LoadRequest(LoadSource.SYNTHETIQUE, Path(territory)), frame=frame)
die()
"""


@pytest.mark.parametrize(
    ("backend", "point"),
    [("oxigraph-disk", "10"), ("oxigraph-disk", "0"), ("neo4j", "10")],
    indirect=["backend"],
)
def test_a_load_killed_leaves_the_state_before_or_after(backend: str, aube: Territory, point: str) -> None:
    """Killed after ten datasets of fourteen: the state before; once the load returned:
    the state after, which the same load again leaves as it is."""
    with_guide = opened(backend)
    try:
        load(with_guide, LoadRequest(LoadSource.GUIDE))
        before = held(with_guide)
    finally:
        with_guide.close()
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, backend, str(aube.path), str(aube.frame_file), point],
        cwd=ROOT,
        check=False,
    )
    assert child.returncode == -9
    if not backend.startswith("bolt://") and point == "10":
        marker = Path(backend) / "maillage-checkpoint-pending"
        assert marker.exists()
        with pytest.raises(StoreError, match="un chargement y a été interrompu"):
            OxigraphStore(backend, read_only=True)
    store = opened(backend)
    try:
        found = held(store)
        if point == "10":
            assert found == before
        else:  # the load had returned: the same load again changes nothing
            load_aube(store, aube)
            assert held(store) == found
            assert len(found.datasets) == 15
    finally:
        store.close()


def test_an_embedded_store_killed_between_two_parts_of_a_dataset_reopens_as_before(
    tmp_path: Path, aube: Territory
) -> None:
    path = tmp_path / "store"
    with OxigraphStore(path) as store:
        load(store, LoadRequest(LoadSource.GUIDE))
        before = held(store)
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), str(aube.path), str(aube.frame_file), "part"],
        cwd=ROOT,
        check=False,
    )
    assert child.returncode == -9
    with OxigraphStore(path) as store:
        assert held(store) == before
        assert not (path / "maillage-checkpoint").exists()


# -- writing in parts -------------------------------------------------------------------


def test_a_batch_written_in_parts_inside_atomic_is_the_batch_written_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """New datasets and updates (a node dropped, a relation withdrawn, a name changed)."""
    first = aube_batch()
    dropped = first.nodes[-1].id
    nodes = [replace(n, name=f"{n.name} (nouveau nom)") if i == 0 else n for i, n in enumerate(first.nodes)]
    second = replace(
        first,
        nodes=[n for n in nodes if n.id != dropped],
        edges=[e for e in first.edges[1:] if dropped not in (e.source, e.target)],
    )
    whole, in_parts = OxigraphStore(), OxigraphStore()
    monkeypatch.setattr(oxi, "PART_NODES", 2)
    assert len(oxi._parts(first, 2)) >= len(first.nodes) // 2
    reports = []
    for batch in (first, second):
        expected = whole.upsert(batch)
        with in_parts.atomic():
            reports.append((in_parts.upsert(batch), expected))
        assert {str(q) for q in in_parts.quads_for_pattern()} == {str(q) for q in whole.quads_for_pattern()}
    for got, expected in reports:
        assert (got.triples_added, got.triples_removed) == (expected.triples_added, expected.triples_removed)
    assert reports[1][0].triples_removed > 0


def test_atomic_in_memory_restores_the_store_on_failure() -> None:
    store = OxigraphStore()
    store.upsert(aube_batch())
    before = {str(q) for q in store.quads_for_pattern()}
    with pytest.raises(RuntimeError, match="panne"), store.atomic():
        store.upsert(replace(aube_batch(), provenance=replace(aube_batch().provenance, source="autre")))
        raise RuntimeError("panne")
    assert {str(q) for q in store.quads_for_pattern()} == before


def test_a_leftover_checkpoint_without_its_marker_is_dropped_at_opening(tmp_path: Path) -> None:
    """Killed after the load finished and removed its marker, before the checkpoint went:
    the store is the load's, and the checkpoint goes at the next opening."""
    path = tmp_path / "store"
    with OxigraphStore(path) as store:
        store.upsert(aube_batch())
        store._store.backup(str(path / "maillage-checkpoint"))
        after = {str(q) for q in store.quads_for_pattern()}
    with OxigraphStore(path) as store:
        assert {str(q) for q in store.quads_for_pattern()} == after
    assert not (path / "maillage-checkpoint").exists()
    assert os.listdir(path)  # the database is still there
    shutil.rmtree(path)


_HOLDS_A_LOAD_OPEN = """
import sys
from graph.oxigraph_store import OxigraphStore
store = OxigraphStore(sys.argv[1])
with store.atomic():
    print("chargement", flush=True)
    sys.stdin.readline()
"""


def test_opening_a_store_another_process_is_loading_restores_nothing(tmp_path: Path) -> None:
    """The marker of a running load is not an interrupted one: the database's lock tells
    them apart, so a second process is refused and the load goes on."""
    path = tmp_path / "store"
    with OxigraphStore(path) as store:
        store.upsert(aube_batch())
    loading = subprocess.Popen(
        [sys.executable, "-c", _HOLDS_A_LOAD_OPEN, str(path)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert loading.stdout is not None and loading.stdout.readline() == "chargement\n"
    with pytest.raises(StoreError, match="impossible d'ouvrir le magasin embarqué"):
        OxigraphStore(path)
    assert (path / "maillage-checkpoint-pending").exists() and (path / "maillage-checkpoint").is_dir()
    loading.communicate("\n")
    assert loading.returncode == 0
    assert not (path / "maillage-checkpoint").exists()
