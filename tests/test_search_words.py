"""The two ways of grading a query word's entries (`queries.search_words`): by postings
and entry by entry give the same grades, and the search answers as its definition
whichever way each word is read."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from queries.search import SearchIndex
from queries.search_words import Postings
from tests.test_api_search_index import QUERIES, _key, _reference, index  # noqa: F401 - a fixture

# vocabulary: 0 "boul", 1 "boulot", 2 "boutique", 3 "brocante", 4 "mboulot"; 6 entries, entry 5 without words
VOCABULARY = ["boul", "boulot", "boutique", "brocante", "mboulot"]
POSTED = {0: [0], 1: [1, 3], 2: [0, 1, 2], 3: [2, 4], 4: [3]}


def _postings() -> Postings:
    sizes = [len(POSTED[k]) for k in range(len(VOCABULARY))]
    offsets = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
    flat = np.array([i for k in range(len(VOCABULARY)) for i in POSTED[k]], dtype=np.int32)
    return Postings(VOCABULARY, offsets, flat, 6)


def test_each_entry_reads_its_own_words() -> None:
    by_entry = _postings().by_entry
    own = [by_entry.words[by_entry.offsets[i] : by_entry.offsets[i + 1]].tolist() for i in range(6)]
    assert own == [[0, 2], [1, 2], [2, 3], [1, 4], [3], []]


def test_a_match_holds_the_words_by_grade_and_its_postings() -> None:
    postings = _postings()
    typed = postings.match("boul", 0, [4], prefix=True)  # the typos are found by the index, given here
    assert (typed.exact, typed.start, typed.stop, typed.typos.tolist(), typed.volume) == (0, 0, 2, [4], 4)
    whole = postings.match("boul", 0, [], prefix=False)
    assert (whole.start, whole.stop, whole.volume) == (0, 0, 1)
    unknown = postings.match("bz", -1, [], prefix=True)
    assert (unknown.exact, unknown.start, unknown.stop, unknown.volume) == (-1, 4, 4, 0)


@pytest.mark.parametrize("dense_from", [0, 10**9])
def test_entries_of_a_word_by_postings_or_by_byte_per_entry(dense_from: int) -> None:
    postings = _postings()
    postings.dense_from = dense_from
    ids, grades = postings.entries(postings.match("boul", 0, [4], prefix=True))
    # entry 0 has "boul" (3), 1 and 3 have "boulot" (2; 3 also "mboulot", a typo: 1 < 2)
    assert (ids.tolist(), grades.tolist()) == ([0, 1, 3], [3, 2, 2])
    ids, grades = postings.entries(postings.match("brocante", 3, [], prefix=False))
    assert (ids.tolist(), grades.tolist()) == ([2, 4], [3, 3])
    ids, grades = postings.entries(postings.match("zz", -1, [], prefix=False))
    assert (ids.tolist(), grades.tolist()) == ([], [])


@pytest.mark.parametrize("entry_cost", [0.0, math.inf])
def test_grades_at_given_entries_by_their_words_or_by_postings(entry_cost: float) -> None:
    postings = _postings()
    postings.entry_cost = entry_cost
    match = postings.match("boul", 0, [4], prefix=True)
    asked = np.array([5, 4, 3, 0, 2], dtype=np.int64)  # in any order, with an entry without words
    assert postings.grades_of(match, asked).tolist() == [0, 0, 2, 3, 0]
    assert postings.grades_of(match, asked[:0]).tolist() == []


@pytest.mark.parametrize(
    ("dense_from", "entry_cost"), [(0, 0.0), (0, math.inf), (10**9, 0.0), (10**9, math.inf)]
)
@pytest.mark.parametrize("filters", [{}, {"near": (48.3, 4.08), "radius_km": 30.0}])
def test_the_search_answers_as_its_definition_whichever_way_words_are_read(
    index: SearchIndex,  # noqa: F811 - the fixture
    dense_from: int,
    entry_cost: float,
    filters: dict[str, Any],
) -> None:
    words = index._words
    saved = words.dense_from, words.entry_cost
    words.dense_from, words.entry_cost = dense_from, entry_cost
    try:
        queries = [
            *QUERIES,
            "aube",
            "troyes ressourcerie",
            "a",
            "ressourcerie de",
            "de ressourcerie",
            "zz de",
        ]
        expected = {q: _reference(index, q, **filters) for q in queries}
        assert sum(len(hits) > 1 for hits in expected.values()) >= 4
        assert {q: _key(index.search(q, **filters)) for q in queries} == expected
    finally:
        words.dense_from, words.entry_cost = saved
