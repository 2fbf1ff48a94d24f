"""N-Quads chunks to pyoxigraph's bulk loader in parts (`graph.bulk_parts`): the parts
cut at line ends, the same quads as one call, errors raised as they were."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, Store

from graph.bulk_parts import load_in_parts, parts
from graph.kinds import OrgKind
from graph.model import Batch, Node
from graph.nquads import NQuadsWriter, nquads_chunks
from graph.oxigraph_store import OxigraphStore
from graph.store import StoreError
from tests.conftest import aube_batch
from tests.test_oxigraph_bulk import ODD, every_quad, odd_batch

TEXT = b"".join(f'<http://e.org/s{i}> <http://e.org/p> "{i}" <http://e.org/g> .\n'.encode() for i in range(7))


def joined(chunks: list[bytes], lines: int) -> list[bytes]:
    return [b"".join(part) for part in parts(chunks, lines=lines)]


def test_parts_cut_after_the_line_that_ends_them() -> None:
    assert joined([b"a\nb\n", b"c\nd\ne\n"], 2) == [b"a\nb\n", b"c\nd\n", b"e\n"]
    assert joined([b"a\nb\nc\n"], 1) == [b"a\n", b"b\n", b"c\n"]
    assert joined([b"a\n", b"b\n", b"c\n", b"d\n"], 2) == [b"a\nb\n", b"c\nd\n"]  # no empty last part
    assert joined([], 5) == [b""]  # nothing: one empty part
    with pytest.raises(ValueError, match="lines doit être positif"):
        joined([b"a\n"], 0)


def quads(store: Store) -> set[str]:
    return {str(q) for q in store}


@pytest.mark.parametrize("writers", [1, 2])
def test_parts_load_the_quads_of_one_call(writers: int) -> None:
    whole, in_parts = Store(), Store()
    whole.bulk_load(TEXT, RdfFormat.N_QUADS)
    chunks = [TEXT[:100], TEXT[100:]]  # not at line ends: the chunks are whole lines only when joined
    load_in_parts(in_parts, [b"".join(chunks)], part_lines=2, writers=writers)
    assert len(quads(in_parts)) == 7
    assert quads(in_parts) == quads(whole)


@pytest.mark.parametrize("writers", [1, 2])
def test_parts_on_disk_hold_what_one_call_holds(tmp_path: Path, writers: int) -> None:
    """The bulk tests' batches, in parts of 5 lines (52 calls), on disk."""
    writer = NQuadsWriter()
    text = b"".join(nquads_chunks([aube_batch(), odd_batch()], writer, chunk_bytes=1))
    assert writer.lines == 86 + 4 + 7 + 4 + 8 + 1
    assert text.count(b"\n") == 256  # and 146 lines of the merged graph (copies, superclass types)
    whole, in_parts = Store(str(tmp_path / "whole")), Store(str(tmp_path / "parts"))
    whole.bulk_load(text, RdfFormat.N_QUADS)
    load_in_parts(
        in_parts,
        nquads_chunks([aube_batch(), odd_batch()], NQuadsWriter(), chunk_bytes=1),
        part_lines=5,
        writers=writers,
    )
    assert quads(in_parts) == quads(whole)
    assert len(in_parts) == len(whole)


def test_an_error_building_a_chunk_is_raised_as_it_is() -> None:
    def chunks() -> Iterator[bytes]:
        yield TEXT
        raise ValueError("org:x : IRI invalide")

    with pytest.raises(ValueError, match="org:x : IRI invalide"):
        load_in_parts(Store(), chunks(), part_lines=2)


def test_a_syntax_error_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="chargement en masse non écrit"):
        load_in_parts(Store(), [TEXT + b"<http://e.org/s> pas du N-Quads .\n"], part_lines=2)


def test_writers_are_one_or_two() -> None:
    with pytest.raises(ValueError, match="writers vaut 1 ou 2, pas 3"):
        load_in_parts(Store(), [TEXT], writers=3)


@pytest.mark.parametrize("node_id", ["org:x%zz", "org:a[b]"])
def test_an_iri_the_parser_would_refuse_is_refused_before_writing(tmp_path: Path, node_id: str) -> None:
    """The loader does not check IRIs (lenient): the writer checks each as pyoxigraph does."""
    bad = Batch(ODD, [Node(node_id, OrgKind.EI, "IRI invalide selon la RFC 3987")])
    with OxigraphStore(tmp_path / "s") as store:
        with pytest.raises(ValueError, match=re.escape(f"{node_id} : IRI invalide")):
            store.bulk_load([aube_batch(), bad], chunk_bytes=1)
        assert every_quad(store) == set()
