"""Search of actors and places by name, SIRET, kind, territory and distance.

Names are matched word by word, accents and case ignored: a query word matches a
name word that is equal to it, that it begins (the word being typed), or that is one
edit away from it (a typo). The index is built once from the catalogue
(`queries.catalogue`) and answers in memory.
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from graph.geo import distance_km
from queries.catalogue import Entry

__all__ = ["Hit", "SearchIndex", "distance_km", "normalize", "words"]

_NON_WORD = re.compile(r"[^0-9a-z]+")
_EXACT, _PREFIX, _TYPO = 1.0, 0.8, 0.6
_SCAN = 4096  # candidates at most checked word by word rather than through the postings


def normalize(text: str) -> str:
    """Lower case, accents and punctuation removed.

    >>> normalize("Épicerie  Solidaire d'Évry-Courcouronnes")
    'epicerie solidaire d evry courcouronnes'
    """
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", plain).strip()


def words(text: str) -> list[str]:
    return normalize(text).split()


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _one_edit(a: str, b: str) -> bool:
    """True when `b` is `a` with one letter changed, added, removed, or two swapped."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if la < lb else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


@dataclass(frozen=True, slots=True)
class Hit:
    entry: Entry
    score: float
    distance_km: float | None


class SearchIndex:
    """An in-memory index of the catalogue. Built once; read by many threads."""

    def __init__(self, entries: Iterable[Entry], *, state: str = "") -> None:
        self.state = state
        self.entries: list[Entry] = list(entries)
        self.by_id = {e.id: i for i, e in enumerate(self.entries)}
        postings: dict[str, set[int]] = defaultdict(set)
        self._names: list[tuple[str, ...]] = []
        self._sort_names: list[str] = []  # the normalised name, the order of equal scores
        self._words: list[frozenset[str]] = []  # every word of every name of the entry
        for i, entry in enumerate(self.entries):
            name_words = tuple(words(entry.name))
            self._names.append(name_words)
            self._sort_names.append(" ".join(name_words))
            every = {w for name in (entry.name, *entry.other_names) for w in words(name)}
            self._words.append(frozenset(every))
            for w in every:
                postings[w].add(i)
        self._postings = {w: frozenset(ids) for w, ids in postings.items()}
        self._vocabulary = sorted(self._postings)
        deletes: dict[str, set[str]] = defaultdict(set)
        for w in self._vocabulary:
            if len(w) >= 4:
                for d in _deletes(w):
                    deletes[d].add(w)
        self._deletes = {d: tuple(sorted(ws)) for d, ws in deletes.items()}
        sirets: dict[str, set[int]] = defaultdict(set)
        for i, entry in enumerate(self.entries):
            if entry.siret:
                sirets[entry.siret].add(i)
                sirets[entry.siret[:9]].add(i)
        self._sirets = {s: frozenset(ids) for s, ids in sirets.items()}

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, node_id: str) -> Entry | None:
        i = self.by_id.get(node_id)
        return self.entries[i] if i is not None else None

    def _word_matches(self, word: str, *, last: bool) -> dict[int, float]:
        """Entries matching one query word, with how well (exact, begun, one typo away)."""
        scores: dict[int, float] = {}

        def add(ids: Iterable[int], score: float) -> None:
            for i in ids:
                if scores.get(i, 0.0) < score:
                    scores[i] = score

        if last or len(word) >= 3:
            start = bisect_left(self._vocabulary, word)
            for w in self._vocabulary[start:]:
                if not w.startswith(word):
                    break
                add(self._postings[w], _EXACT if w == word else _PREFIX)
        else:
            add(self._postings.get(word, ()), _EXACT)
        for w in self._typos(word):
            add(self._postings[w], _TYPO)
        return scores

    def _typos(self, word: str) -> frozenset[str]:
        """The words of the vocabulary one edit away from `word` (4 letters or more)."""
        if len(word) < 4:
            return frozenset()
        candidates = set(self._deletes.get(word, ()))
        for d in _deletes(word):
            candidates.update(self._deletes.get(d, ()))
            if d in self._postings:
                candidates.add(d)
        return frozenset(w for w in candidates if w != word and _one_edit(word, w))

    @staticmethod
    def _word_score(word: str, entry_words: frozenset[str], typos: frozenset[str], *, prefix: bool) -> float:
        """How well one query word matches one entry's words, as `_word_matches` scores
        that entry (0.0: not at all), checked on the entry itself."""
        if word in entry_words:
            return _EXACT
        if prefix and any(w.startswith(word) for w in entry_words):
            return _PREFIX
        return _TYPO if not typos.isdisjoint(entry_words) else 0.0

    def _candidates(self, q: str) -> tuple[list[str], dict[int, float] | None]:
        """The query's words and the entries matching all of them with their summed
        scores (None: no words, every entry)."""
        query_words = words(q)
        digits = re.sub(r"\s", "", q)
        if digits.isdigit() and len(digits) in (9, 14):
            return query_words, dict.fromkeys(self._sirets.get(digits, ()), _EXACT)
        candidates: dict[int, float] | None = None
        last = len(query_words) - 1
        # whole words first: they usually match fewer entries than the word being typed
        for n in sorted(range(len(query_words)), key=lambda n: n == last):
            word = query_words[n]
            if candidates is not None and len(candidates) <= _SCAN:
                typos, prefix = self._typos(word), n == last or len(word) >= 3
                candidates = {
                    i: s + score
                    for i, s in candidates.items()
                    if (score := self._word_score(word, self._words[i], typos, prefix=prefix))
                }
            else:
                matches = self._word_matches(word, last=n == last)
                if candidates is None:
                    candidates = matches
                else:
                    candidates = {i: s + matches[i] for i, s in candidates.items() if i in matches}
            if not candidates:
                return query_words, {}
        return query_words, candidates

    def search(
        self,
        q: str = "",
        *,
        kinds: Sequence[str] = (),
        famille: str | None = None,
        territory: str | None = None,
        near: tuple[float, float] | None = None,
        radius_km: float | None = None,
    ) -> list[Hit]:
        """Entries matching every word of `q` (all entries when `q` is empty) and every
        filter, best first: by score, then distance when `near` is given, then name."""
        _, hits = self.search_page(
            q, kinds=kinds, famille=famille, territory=territory, near=near, radius_km=radius_km
        )
        return hits

    def search_page(
        self,
        q: str = "",
        *,
        kinds: Sequence[str] = (),
        famille: str | None = None,
        territory: str | None = None,
        near: tuple[float, float] | None = None,
        radius_km: float | None = None,
        start: int = 0,
        stop: int | None = None,
    ) -> tuple[int, list[Hit]]:
        """The number of entries `search` finds, and its hits from `start` to `stop`
        (all of them when `stop` is None): only those are ordered and built."""
        query_words, candidates = self._candidates(q)
        if candidates is not None and not candidates:
            return 0, []
        pool: Iterable[int] = candidates.keys() if candidates is not None else range(len(self.entries))
        kind_set = set(kinds)
        n_words = len(query_words)
        whole = tuple(query_words)
        found: list[tuple[float, float, str, str, int, float | None]] = []
        for i in pool:
            entry = self.entries[i]
            if kind_set and entry.kind.value not in kind_set:
                continue
            if famille is not None and entry.famille != famille:
                continue
            if territory is not None and territory not in entry.territories:
                continue
            away: float | None = None
            if near is not None:
                if entry.latitude is None or entry.longitude is None:
                    if radius_km is not None:
                        continue
                else:
                    away = distance_km(near[0], near[1], entry.latitude, entry.longitude)
                    if radius_km is not None and away > radius_km:
                        continue
            score = 0.0
            if candidates is not None and n_words:
                score = candidates[i] / n_words
                if self._names[i] == whole:
                    score += 0.5  # the whole name, word for word
                score -= 0.01 * max(0, len(self._names[i]) - n_words)  # fewer extra words first
            elif candidates is not None:
                score = _EXACT
            score = round(score, 4)
            rounded = round(away, 3) if away is not None else None
            far = rounded if rounded is not None else math.inf
            found.append((-score, far, self._sort_names[i], entry.id, i, rounded))
        ordered = sorted(found) if stop is None else heapq.nsmallest(stop, found)
        page = [Hit(self.entries[r[4]], -r[0], r[5]) for r in ordered[start:stop]]
        return len(found), page
