"""The search index behind /api/v1/search: a page is the same slice of the same order
whichever way it is computed, on the real guide (case studies) and Aube fixture."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest

from graph.oxigraph_store import OxigraphStore
from loaders.case_studies import read_case_studies
from queries.catalogue import catalogue
from queries.search import SearchIndex, _one_edit, distance_km, round4, words
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


def _reference(index: SearchIndex, q: str, **filters: Any) -> list[tuple[str, float, float | None]]:
    """The search's definition, entry by entry in plain Python: each query word scores
    1.0 on an equal word of any of the entry's names, 0.8 on a word it begins (the last
    word, or one of 3 letters or more), 0.6 on a word one edit away (4 letters or
    more); every word must score; the mean, +0.5 for the whole name word for word,
    -0.01 per extra word of the name, rounded to 4 places; best first, then nearest,
    then by name and id."""
    query = words(q)
    near, radius = filters.get("near"), filters.get("radius_km")
    vocabulary = {w for e in index.entries for name in (e.name, *e.other_names) for w in words(name)}
    found = []
    for entry in index.entries:
        if "kinds" in filters and entry.kind.value not in filters["kinds"]:
            continue
        if "territory" in filters and filters["territory"] not in entry.territories:
            continue
        own = {w for name in (entry.name, *entry.other_names) for w in words(name)}
        total = 0.0
        for n in sorted(range(len(query)), key=lambda n: n == len(query) - 1):
            word = query[n]
            typos = {w for w in vocabulary if len(word) >= 4 and w != word and _one_edit(word, w)}
            prefix = n == len(query) - 1 or len(word) >= 3
            best = (
                max(
                    1.0 if w == word else 0.8 if prefix and w.startswith(word) else 0.6 if w in typos else 0.0
                    for w in own
                )
                if own
                else 0.0
            )
            if not best:
                break
            total += best
        else:
            away = None
            if near is not None and entry.latitude is not None and entry.longitude is not None:
                away = round(distance_km(near[0], near[1], entry.latitude, entry.longitude), 3)
            if radius is not None and (away is None or away > radius):
                continue
            name = words(entry.name)
            score = 0.0
            if query:
                score = total / len(query) + (0.5 if name == query else 0.0)
                score = round(score - 0.01 * max(0, len(name) - len(query)), 4)
            far = away if away is not None else float("inf")
            found.append(((-score, far, " ".join(name), entry.id), (entry.id, score, away)))
    return [hit for _, hit in sorted(found)]


@pytest.mark.parametrize(
    "filters",
    [{}, {"near": (48.3, 4.08)}, {"near": (48.3, 4.08), "radius_km": 30.0}, {"kinds": ["ACI", "Club"]},
     {"territory": "departement:10"}],
)  # fmt: skip
def test_the_index_answers_as_the_definition_entry_by_entry(
    index: SearchIndex, filters: dict[str, Any]
) -> None:
    """The numpy scoring (postings as one array, scores and sort keys as columns, the
    page chosen by partial selection) gives the hits and scores the definition gives."""
    expected = {q: _reference(index, q, **filters) for q in [*QUERIES, "aube", "troyes ressourcerie", "a"]}
    assert sum(len(hits) > 1 for hits in expected.values()) >= 4  # the queries find something
    assert {q: _key(index.search(q, **filters)) for q in expected} == expected
    for q, hits in expected.items():
        total, page = index.search_page(q, start=1, stop=3, **filters)
        assert (total, _key(page)) == (len(hits), hits[1:3]), q


def test_scores_are_rounded_as_python_rounds() -> None:
    """numpy scales by 10^4 and rounds the product, which can differ from Python's
    `round` (the float's exact decimal value, half to even) on a half."""
    values = [0.30005, 2.675, 0.00015, 1 / 3, 0.12345, -0.00005, 0.87]
    assert [float(x) for x in round4(np.array(values))] == [round(v, 4) for v in values]


def test_a_pickled_index_answers_as_the_index(index: SearchIndex) -> None:
    """The disk cache's form (entries as columns, each set of territories once)."""
    copy = pickle.loads(pickle.dumps(index))
    assert copy.entries == index.entries and copy.state == index.state
    for q in [*QUERIES, "34267885100045", "342678851"]:
        for filters in ({}, {"near": (48.3, 4.08), "radius_km": 30.0}, {"territory": "departement:10"}):
            assert _key(copy.search(q, **filters)) == _key(index.search(q, **filters)), (q, filters)
