"""The search index behind /api/v1/search: a page is the same slice of the same order
whichever way it is computed, on the real guide (case studies) and Aube fixture."""

from __future__ import annotations

import pytest

import queries.search as search_module
from graph.oxigraph_store import OxigraphStore
from loaders.case_studies import read_case_studies
from queries.catalogue import catalogue
from queries.search import SearchIndex
from tests.conftest import aube_batch


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    with OxigraphStore() as store:
        store.upsert(read_case_studies())
        store.upsert(aube_batch())
        return SearchIndex(catalogue(store))


QUERIES = ["boutique boul", "boutique", "b", "recyclrie", "menuiseire champ", "de la", "ressourcerie noes",
           ""]  # fmt: skip


def _key(hits: list) -> list[tuple[str, float, float | None]]:
    return [(h.entry.id, h.score, h.distance_km) for h in hits]


def test_a_page_is_the_slice_of_the_whole_ordered_answer(index: SearchIndex) -> None:
    for q in QUERIES:
        for near in (None, (48.3, 4.08)):
            whole = index.search(q, near=near)
            for start, stop in ((0, 3), (2, 5), (0, 1000)):
                total, page = index.search_page(q, near=near, start=start, stop=stop)
                assert total == len(whole), q
                assert _key(page) == _key(whole[start:stop]), (q, near, start, stop)


def test_boutique_boul_first_page(index: SearchIndex) -> None:
    total, page = index.search_page("boutique boul", start=1, stop=2)
    assert (total, _key(page)) == (3, [("org:34267885100045-aci", 0.89, None)])


def test_checking_candidates_word_by_word_finds_what_the_postings_find(
    index: SearchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the first words leave few candidates, the next words are checked on those
    entries' own words rather than through the postings: the same hits, same scores."""
    scanned = {q: _key(index.search(q)) for q in QUERIES}
    assert scanned["boutique boul"] == [
        ("org:boutique-boulot", 0.9, None),
        ("org:34267885100045-aci", 0.89, None),
        ("org:boutique-boulot-ai", 0.89, None),
    ]
    monkeypatch.setattr(search_module, "_SCAN", 0)  # the postings only
    assert {q: _key(index.search(q)) for q in QUERIES} == scanned
