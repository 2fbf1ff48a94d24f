"""Which entries a query word matches, and how well, for `queries.search`.

A query word matches a vocabulary word that is equal to it (grade 3), that it begins
(grade 2: the last query word, or one of 3 letters or more), or that is one edit away
from it (grade 1: 4 letters or more); an entry's grade is the best over its words.

The vocabulary is sorted, so the words a query word begins are one range of it, and
their postings one slice of the postings array. Two ways answer "the grade of each of
these entries", and the cheaper is chosen per word by the work each needs:

- by postings (`dense`): one byte per entry of the catalogue, the word's postings
  written into it, then read at the entries asked — the cost of the word's postings;
- by entries (`by_entries`): each entry's own words (the postings transposed), compared
  with the word's ranges — the cost of the entries asked.

A query's first word to look up is its rarest (the fewest postings): its entries, found
from its postings alone when they are few, are the candidates the other words are
checked against entry by entry. So "sarl dupo" costs the postings of "dupo…", not the
hundred thousand of "sarl…".
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["EntryWords", "Postings", "WordMatch"]

AFTER_WORDS = "{"  # sorts after every word ([0-9a-z]): `word + AFTER_WORDS` ends its prefix range

Ids = npt.NDArray[np.int64]
Grades = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class WordMatch:
    """The vocabulary words one query word matches, by grade: `exact` (its index, -1
    when the word is not in the vocabulary), the range `start:stop` of the words it
    begins (empty when it may not be a prefix), `typos` (sorted indices)."""

    exact: int
    start: int
    stop: int
    typos: npt.NDArray[np.int64]
    volume: int  # postings of all these words: the cost of looking the word up by postings


class Postings:
    """The postings of a sorted vocabulary as one array (`offsets[k]:offsets[k + 1]`
    holds the entries of word k, in increasing order) and the same read by entry."""

    def __init__(self, vocabulary: list[str], offsets: Ids, postings: npt.NDArray[np.int32], n_entries: int):
        self.vocabulary, self.offsets, self.postings, self.n = vocabulary, offsets, postings, n_entries
        self.by_entry = EntryWords(offsets, postings, n_entries)
        self.words_per_entry = max(1.0, len(postings) / max(1, n_entries))
        # the choices between the two ways (settable, so that tests can force either):
        self.dense_from = n_entries // 8  # a word with this many postings is read densely
        self.entry_cost = 4.0 * self.words_per_entry  # the work per entry read by its words

    def match(self, word: str, exact: int, typos: list[int], *, prefix: bool) -> WordMatch:
        offsets = self.offsets
        if prefix:
            start = bisect_left(self.vocabulary, word)
            stop = bisect_left(self.vocabulary, word + AFTER_WORDS, start)
        else:
            start = stop = 0
        volume = int(offsets[stop] - offsets[start])
        if not start <= exact < stop and exact >= 0:
            volume += int(offsets[exact + 1] - offsets[exact])
        found = np.array(sorted(typos), dtype=np.int64)
        volume += int((offsets[found + 1] - offsets[found]).sum()) if len(found) else 0
        return WordMatch(exact, start, stop, found, volume)

    def _posting(self, k: int) -> npt.NDArray[np.int32]:
        return self.postings[self.offsets[k] : self.offsets[k + 1]]

    def dense(self, match: WordMatch) -> Grades:
        """The grade of every entry, one byte each."""
        grades = np.zeros(self.n, dtype=np.uint8)
        for k in match.typos:  # the lowest grade first: a better one overwrites it
            grades[self._posting(int(k))] = 1
        if match.start < match.stop:
            grades[self.postings[self.offsets[match.start] : self.offsets[match.stop]]] = 2
        if match.exact >= 0:
            grades[self._posting(match.exact)] = 3
        return grades

    def entries(self, match: WordMatch) -> tuple[Ids, Grades]:
        """The entries the word matches, in increasing order, and their grades."""
        if match.volume >= self.dense_from:  # many: through one byte per entry
            grades = self.dense(match)
            ids = np.flatnonzero(grades)
            return ids, grades[ids]
        parts: list[npt.NDArray[np.int32]] = [self._posting(int(k)) for k in match.typos]
        levels = [1] * len(parts)
        if match.start < match.stop:
            parts.append(self.postings[self.offsets[match.start] : self.offsets[match.stop]])
            levels.append(2)
        if match.exact >= 0:
            parts.append(self._posting(match.exact))
            levels.append(3)
        if not parts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint8)
        if len(parts) == 1 and levels[0] == 3:  # one posting: increasing, each entry once
            return parts[0].astype(np.int64), np.full(len(parts[0]), 3, dtype=np.uint8)
        ids = np.concatenate(parts).astype(np.int64)
        grades = np.repeat(np.array(levels, dtype=np.uint8), [len(p) for p in parts])
        order = np.lexsort((grades, ids))  # by entry, then grade: the best grade last
        ids, grades = ids[order], grades[order]
        last = np.ones(len(ids), dtype=np.bool_)
        last[:-1] = ids[1:] != ids[:-1]
        return ids[last], grades[last]

    def grades_of(self, match: WordMatch, ids: Ids) -> Grades:
        """The word's grade for each entry of `ids`, by the cheaper way."""
        if len(ids) * self.entry_cost < match.volume + self.n // 16:
            return self.by_entry.grades(match, ids)
        return self.dense(match)[ids]


class EntryWords:
    """The vocabulary indices of each entry's words: the postings transposed."""

    def __init__(self, offsets: Ids, postings: npt.NDArray[np.int32], n_entries: int) -> None:
        sizes = np.diff(offsets)
        word_of = np.repeat(np.arange(len(sizes), dtype=np.int32), sizes)
        order = np.argsort(postings, kind="stable")
        self.words = word_of[order]  # each entry's words, in increasing order
        counts = np.bincount(postings, minlength=n_entries)
        self.offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)

    def grades(self, match: WordMatch, ids: Ids) -> Grades:
        """The best grade over the words of each entry of `ids`."""
        if not len(ids):
            return np.zeros(0, dtype=np.uint8)
        begins, ends = self.offsets[ids], self.offsets[ids + 1]
        sizes = ends - begins
        firsts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        at = np.repeat(begins - firsts, sizes) + np.arange(int(sizes.sum()))
        words = self.words[at]
        each = np.zeros(len(words), dtype=np.uint8)
        if len(match.typos):
            each[np.isin(words, match.typos)] = 1
        if match.start < match.stop:
            each[(words >= match.start) & (words < match.stop)] = 2
        if match.exact >= 0:
            each[words == match.exact] = 3
        best = np.zeros(len(ids), dtype=np.uint8)
        some = sizes > 0  # an entry without words has none to match
        if some.any():
            best[some] = np.maximum.reduceat(each, firsts[some])
        return best
