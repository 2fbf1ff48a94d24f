"""The embedded store's bulk load: N-Quads text in chunks (`graph.nquads`) to
pyoxigraph's bulk loader, the same quads as one upsert per batch, whole or not at all."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from graph.kinds import OrgKind, RelKind
from graph.model import Batch, Edge, Node, Provenance
from graph.oxigraph_store import OxigraphStore
from graph.store import StoreError
from tests.conftest import aube_batch

ODD = Provenance("odd-values", date(2025, 2, 3), synthetic=False, title='Un "titre" \\ avec\nretour')


def odd_batch() -> Batch:
    """Values that N-Quads must escape or type: quotes, backslashes, line breaks,
    accents, every literal type; a qualified relation with a key and attributes."""
    nodes = [
        Node(
            "org:bizarre",
            OrgKind.EI,
            'L\'« Atelier » "du coin"\\\r\n2',
            {"actif": True, "ferme": False, "effectif": -12, "ratio": 0.1, "depuis": date(2001, 2, 3)},
        ),
        Node("org:autre", OrgKind.ENTREPRISE, "Ça\tva ✓", {"note": "ligne 1\nligne 2", "vide": ""}),
    ]
    edges = [
        Edge("org:bizarre", RelKind.PARTNER_OF, "org:autre", {"montant": 1.5e6, "note": 'a"b'}, key="k\\1"),
        Edge("org:autre", RelKind.MEMBER_OF, "org:bizarre"),
    ]
    return Batch(ODD, nodes, edges)


def every_quad(store: OxigraphStore) -> set[str]:
    return {str(q) for q in store.quads_for_pattern()}


def test_bulk_load_writes_what_upserts_write_merged_graph_included() -> None:
    batches = [aube_batch(), odd_batch()]
    bulk, upserted = OxigraphStore(), OxigraphStore()
    # odd: 4 metadata; 7 + 4 of the nodes; 1 direct + 4 qualified + key + 2 attributes; 1 member
    assert bulk.bulk_load(batches) == 86 + 4 + 7 + 4 + 8 + 1
    for batch in batches:
        upserted.upsert(batch)
    assert every_quad(bulk) == every_quad(upserted)
    assert len(bulk) == 85 + 24  # the stated quads, each once
    assert bulk.node("org:bizarre") == upserted.node("org:bizarre")
    assert bulk.node("org:bizarre").name == 'L\'« Atelier » "du coin"\\\r\n2'  # type: ignore[union-attr]


def test_chunks_of_any_size_write_the_same_store() -> None:
    whole, small = OxigraphStore(), OxigraphStore()
    whole.bulk_load([aube_batch(), odd_batch()])
    small.bulk_load([aube_batch(), odd_batch()], chunk_bytes=1)  # one chunk a node or relation
    assert every_quad(small) == every_quad(whole)


def test_a_failing_bulk_load_leaves_the_store_empty(tmp_path: Path) -> None:
    bad = Batch(ODD, [Node("org:a b", OrgKind.EI, "Espace dans l'identifiant")])
    with OxigraphStore(tmp_path / "s") as store:
        with pytest.raises(ValueError, match="org:a b : IRI invalide"):
            # one chunk a node: the first batch is in the database when the second fails
            store.bulk_load([aube_batch(), bad], chunk_bytes=1)
        assert every_quad(store) == set()
        assert not (tmp_path / "s" / "maillage-bulk-load").exists()
        assert store.bulk_load([aube_batch()]) == 86  # and it can be loaded again
    in_memory = OxigraphStore()
    with pytest.raises(ValueError, match="IRI invalide"):
        in_memory.bulk_load([aube_batch(), bad], chunk_bytes=1)
    assert every_quad(in_memory) == set()


_KILLED_MID_LOAD = """
import os, signal, sys
from graph.oxigraph_store import OxigraphStore
from tests.conftest import aube_batch
from tests.test_oxigraph_bulk import odd_batch

def batches():
    yield aube_batch()
    yield odd_batch()
    os.kill(os.getpid(), signal.SIGKILL)  # after both batches went to the loader

store = OxigraphStore(sys.argv[1])
store.bulk_load(batches(), chunk_bytes=1)
"""


def test_a_store_killed_during_a_bulk_load_reopens_empty(tmp_path: Path) -> None:
    path = tmp_path / "s"
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", _KILLED_MID_LOAD, str(path)], cwd=root, check=False)
    assert done.returncode == -9
    assert (path / "maillage-bulk-load").exists()
    with pytest.raises(StoreError, match="chargement en masse y a été interrompu"):
        OxigraphStore(path, read_only=True)  # a reader would see a part of the load
    with OxigraphStore(path) as store:
        assert every_quad(store) == set()
        assert not (path / "maillage-bulk-load").exists()
    with OxigraphStore(path) as store:
        store.bulk_load([aube_batch()])
    with OxigraphStore(path) as store:  # a finished bulk load stays
        assert len(store) == 85


def test_bulk_load_refuses_a_store_that_holds_a_dataset() -> None:
    store = OxigraphStore()
    store.upsert(replace(aube_batch(), edges=()))
    with pytest.raises(StoreError, match="magasin vide"):
        store.bulk_load([odd_batch()])
