"""Search of actors and places by name, SIRET, kind, territory and distance.

Names are matched word by word, accents and case ignored: a query word matches a
name word that is equal to it, that it begins (the word being typed), or that is one
edit away from it (a typo). The index is built once from the catalogue
(`queries.catalogue`) and answers in memory: the postings of the sorted vocabulary are
one array (the words a query word begins are one slice of it), the query's rarest word
is looked up first and the others checked at its entries only (`queries.search_words`),
and every entry's sort key, name length, kind and family are columns, so a query scores
and orders its matches with numpy, however many there are.
"""

from __future__ import annotations

import math
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt

from graph.geo import EARTH_RADIUS_KM, distance_km
from queries.catalogue import Entry
from queries.search_words import Postings

__all__ = ["Hit", "SearchIndex", "distance_km", "normalize", "words"]

_NON_WORD = re.compile(r"[^0-9a-z]+")
_EXACT, _PREFIX, _TYPO = 1.0, 0.8, 0.6
_GRADES = np.array([0.0, _TYPO, _PREFIX, _EXACT])  # a word's score by its grade (`queries.search_words`)
_NEAR_MARGIN_KM = 0.01  # numpy's trigonometry may differ from math's in the last bits

Ids = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


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


def round4(scores: Floats) -> Floats:
    """`round(score, 4)` of each score, as Python rounds it (the decimal value of the
    float, half to even): numpy's `round` scales by 10⁴ and rounds that, which differs
    only when the scaled value lies on a half; those few are rounded by Python.

    >>> [float(x) for x in round4(np.array([0.123449999, 2.675, 0.00005, 1 / 3]))]
    [0.1234, 2.675, 0.0001, 0.3333]
    """
    rounded = np.round(scores, 4)
    scaled = scores * 1e4
    for k in np.flatnonzero(np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6):
        rounded[k] = round(float(scores[k]), 4)
    return rounded


def _sirets(entries: Sequence[Entry]) -> dict[str, list[int]]:
    """The entries of each SIRET and SIREN (its first 9 digits), in order."""
    found: dict[str, list[int]] = {}
    for i, entry in enumerate(entries):
        siret = entry.siret
        if siret:
            found.setdefault(siret, []).append(i)
            if siret[:9] != siret:
                found.setdefault(siret[:9], []).append(i)
    return found


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
        n = len(self.entries)
        postings: dict[str, list[int]] = defaultdict(list)
        sort_names: list[str] = []  # the normalised name, the order of equal scores
        name_lengths = np.zeros(n, dtype=np.int64)
        territories: dict[str, list[int]] = defaultdict(list)
        for i, entry in enumerate(self.entries):
            name_words = words(entry.name)
            name_lengths[i] = len(name_words)
            sort_name = " ".join(name_words)
            sort_names.append(sort_name)
            every = set(name_words)
            for other in entry.other_names:
                every.update(words(other))
            for w in every:
                postings[w].append(i)
            for place in entry.territories:
                territories[place].append(i)
        self._vocabulary = sorted(postings)
        self._word_at = {w: k for k, w in enumerate(self._vocabulary)}
        sizes = np.fromiter((len(postings[w]) for w in self._vocabulary), np.int64, len(self._vocabulary))
        self._offsets = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
        self._postings = np.fromiter(
            chain.from_iterable(postings[w] for w in self._vocabulary), np.int32, int(self._offsets[-1])
        )
        del postings
        self._words = Postings(self._vocabulary, self._offsets, self._postings, n)
        deletes: dict[str, set[str]] = defaultdict(set)
        for w in self._vocabulary:
            if len(w) >= 4:
                for d in _deletes(w):
                    deletes[d].add(w)
        self._deletes = {d: tuple(sorted(ws)) for d, ws in deletes.items()}
        self._name_lengths = name_lengths
        order = sorted(range(n), key=lambda i: (sort_names[i], self.entries[i].id))
        self._rank = np.empty(n, dtype=np.int64)  # each entry's place by (name, id)
        self._rank[order] = np.arange(n)
        self._sorted_names = [sort_names[i] for i in order]  # entries of one name: a range of ranks
        kinds = sorted({e.kind.value for e in self.entries})
        self._kind_code = {k: c for c, k in enumerate(kinds)}
        self._kinds = np.array([self._kind_code[e.kind.value] for e in self.entries], dtype=np.int16)
        familles = sorted({e.famille for e in self.entries})
        self._famille_code = {f: c for c, f in enumerate(familles)}
        self._familles = np.array([self._famille_code[e.famille] for e in self.entries], dtype=np.int16)
        self._sirets = _sirets(self.entries)
        self._territories = {t: np.array(ids, dtype=np.int64) for t, ids in territories.items()}
        nan = math.nan
        self._lat = np.array([nan if e.latitude is None else e.latitude for e in self.entries], np.float64)
        self._lon = np.array([nan if e.longitude is None else e.longitude for e in self.entries], np.float64)

    # Pickled in columns (`queries.search_cache` keeps the index on disk): the entries'
    # fields as lists, each distinct set of territories once; the dicts that are
    # quick to derive are derived again.
    _DERIVED = (
        "entries",
        "by_id",
        "_word_at",
        "_vocabulary",
        "_sorted_names",
        "_sirets",
        "_territories",
        "_words",
    )

    def __getstate__(self) -> dict[str, Any]:
        held = {k: v for k, v in self.__dict__.items() if k not in self._DERIVED}
        places: dict[frozenset[str], int] = {}
        held["columns"] = (
            [e.id for e in self.entries],
            [e.name for e in self.entries],
            [e.kind for e in self.entries],
            [e.famille for e in self.entries],
            [e.siret for e in self.entries],
            [e.commune for e in self.entries],
            [e.latitude for e in self.entries],
            [e.longitude for e in self.entries],
            [places.setdefault(e.territories, len(places)) for e in self.entries],
            [e.synthetic for e in self.entries],
            [e.other_names for e in self.entries],
        )
        held["places"] = list(places)
        held["vocabulary"] = "\n".join(self._vocabulary)  # words and names hold no line break
        held["sorted_names"] = "\n".join(self._sorted_names)
        held["territories"] = list(self._territories.items())
        return held

    def __setstate__(self, held: dict[str, Any]) -> None:
        columns, places = list(held.pop("columns")), held.pop("places")
        vocabulary, sorted_names = held.pop("vocabulary"), held.pop("sorted_names")
        territories = held.pop("territories")
        self.__dict__.update(held)
        columns[8] = [places[k] for k in columns[8]]
        self.entries = list(map(Entry, *columns))
        self.by_id = {e.id: i for i, e in enumerate(self.entries)}
        self._vocabulary = vocabulary.split("\n") if vocabulary else []
        self._word_at = {w: k for k, w in enumerate(self._vocabulary)}
        self._sorted_names = sorted_names.split("\n") if self.entries else []
        self._territories = dict(territories)
        self._sirets = _sirets(self.entries)
        self._words = Postings(self._vocabulary, self._offsets, self._postings, len(self.entries))

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, node_id: str) -> Entry | None:
        i = self.by_id.get(node_id)
        return self.entries[i] if i is not None else None

    def _typos(self, word: str) -> list[int]:
        """The vocabulary indices of the words one edit away from `word` (4 letters or
        more)."""
        if len(word) < 4:
            return []
        candidates = set(self._deletes.get(word, ()))
        for d in _deletes(word):
            candidates.update(self._deletes.get(d, ()))
            if d in self._word_at:
                candidates.add(d)
        return [self._word_at[w] for w in candidates if w != word and _one_edit(word, w)]

    def _candidates(self, q: str) -> tuple[list[str], Ids | None, Floats | None]:
        """The query's words, the entries matching all of them (by index, increasing)
        and their summed scores (None, None: no words, every entry)."""
        query_words = words(q)
        digits = re.sub(r"\s", "", q)
        if digits.isdigit() and len(digits) in (9, 14):
            found = np.array(self._sirets.get(digits, ()), dtype=np.int64)
            return query_words, found, np.full(len(found), _EXACT)
        if not query_words:
            return query_words, None, None
        last = len(query_words) - 1
        matches = [
            self._words.match(w, self._word_at.get(w, -1), self._typos(w), prefix=n == last or len(w) >= 3)
            for n, w in enumerate(query_words)
        ]
        # the rarest word's entries first, the others' grades read at those only
        by_volume = sorted(range(len(matches)), key=lambda n: matches[n].volume)
        ids, grades = self._words.entries(matches[by_volume[0]])
        graded = {by_volume[0]: grades}
        for n in by_volume[1:]:
            if not len(ids):
                break
            these = self._words.grades_of(matches[n], ids)
            keep = these > 0
            if not keep.all():
                ids, these = ids[keep], these[keep]
                graded = {m: g[keep] for m, g in graded.items()}
            graded[n] = these
        if not len(ids):
            return query_words, ids, np.zeros(0, dtype=np.float64)
        # summed in one order whatever the rarest word: whole words first, then the word being typed
        order = sorted(range(len(query_words)), key=lambda n: n == last)
        totals = _GRADES[graded[order[0]]]
        for n in order[1:]:
            totals = totals + _GRADES[graded[n]]
        return query_words, ids, totals

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

    def _filtered(
        self,
        ids: Ids | None,
        totals: Floats | None,
        kinds: Sequence[str],
        famille: str | None,
        territory: str | None,
    ) -> tuple[Ids, Floats | None]:
        """The entries (and their scores) left by the kind, family and territory filters."""
        if territory is not None:
            inside = self._territories.get(territory, np.zeros(0, dtype=np.int64))
            if ids is None:
                ids = inside
            else:
                keep = np.isin(ids, inside)
                ids = ids[keep]
                totals = totals[keep] if totals is not None else None
        if ids is None:
            ids = np.arange(len(self.entries), dtype=np.int64)
        keep_mask: npt.NDArray[np.bool_] | None = None
        if kinds:
            codes = [self._kind_code[k] for k in set(kinds) if k in self._kind_code]
            keep_mask = np.isin(self._kinds[ids], codes)
        if famille is not None:
            same = self._familles[ids] == self._famille_code.get(famille, -1)
            keep_mask = same if keep_mask is None else keep_mask & same
        if keep_mask is not None:
            ids = ids[keep_mask]
            totals = totals[keep_mask] if totals is not None else None
        return ids, totals

    def _scores(self, query_words: list[str], ids: Ids, totals: Floats | None) -> Floats:
        """Each found entry's score, rounded: the mean of its words' scores, plus 0.5 for
        the whole name word for word, less 0.01 per extra word of its name."""
        n_words = len(query_words)
        if totals is None:
            return np.zeros(len(ids), dtype=np.float64)
        if not n_words:
            return np.full(len(ids), _EXACT)
        scores = totals / n_words
        whole = " ".join(query_words)
        first = bisect_left(self._sorted_names, whole)
        end = bisect_right(self._sorted_names, whole, first)
        if first < end:
            rank = self._rank[ids]
            scores = scores + np.where((rank >= first) & (rank < end), 0.5, 0.0)
        extra = np.maximum(0, self._name_lengths[ids] - n_words)
        return round4(scores - 0.01 * extra)

    def _distances(
        self, ids: Ids, near: tuple[float, float], radius_km: float | None
    ) -> tuple[npt.NDArray[np.bool_], Floats]:
        """Which entries to keep and their distances to `near` rounded to the metre (inf:
        no position), each measured by `distance_km`; with a radius, only the entries
        numpy finds near enough are measured."""
        lat, lon = self._lat[ids], self._lon[ids]
        placed = ~np.isnan(lat)
        far = np.full(len(ids), math.inf)
        measure = placed
        if radius_km is not None:
            phi1, phi2 = math.radians(near[0]), np.radians(np.where(placed, lat, 0.0))
            h = (
                np.sin((phi2 - phi1) / 2) ** 2
                + math.cos(phi1)
                * np.cos(phi2)
                * np.sin((np.radians(np.where(placed, lon, 0.0)) - math.radians(near[1])) / 2) ** 2
            )
            rough = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
            measure = placed & (rough <= radius_km + _NEAR_MARGIN_KM)
        keep = measure.copy() if radius_km is not None else np.ones(len(ids), dtype=np.bool_)
        for k in np.flatnonzero(measure):
            entry = self.entries[ids[k]]
            assert entry.latitude is not None and entry.longitude is not None
            away = distance_km(near[0], near[1], entry.latitude, entry.longitude)
            if radius_km is not None and away > radius_km:
                keep[k] = False
            else:
                far[k] = round(away, 3)
        return keep, far

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
        query_words, ids, totals = self._candidates(q)
        if ids is not None and not len(ids):
            return 0, []
        ids, totals = self._filtered(ids, totals, kinds, famille, territory)
        scores = self._scores(query_words, ids, totals)
        far: Floats | None = None
        if near is not None:
            keep, far = self._distances(ids, near, radius_km)
            if not keep.all():
                ids, scores, far = ids[keep], scores[keep], far[keep]
        total = len(ids)
        neg, rank = -scores, self._rank[ids]
        chosen = _first(neg, far, rank, stop)
        if far is None:
            order = chosen[np.lexsort((rank[chosen], neg[chosen]))]
        else:
            order = chosen[np.lexsort((rank[chosen], far[chosen], neg[chosen]))]
        page = [
            Hit(
                self.entries[int(ids[k])],
                float(scores[k]),
                None if far is None or far[k] == math.inf else float(far[k]),
            )
            for k in order[start:stop]
        ]
        return total, page


def _first(neg: Floats, far: Floats | None, rank: Ids, stop: int | None) -> Ids:
    """The positions of the `stop` smallest keys (`neg`, `far`, `rank`), unordered: a
    partial selection on the score, then the ties of the last score kept by the rest
    of the key (all positions when `stop` is None)."""
    n = len(neg)
    if stop is None or stop >= n:
        return np.arange(n, dtype=np.int64)
    if stop <= 0:
        return np.zeros(0, dtype=np.int64)
    threshold = np.partition(neg, stop - 1)[stop - 1]
    better = np.flatnonzero(neg < threshold)
    ties = np.flatnonzero(neg == threshold)
    need = stop - len(better)
    if len(ties) > need:
        if far is None:
            ties = ties[np.argpartition(rank[ties], need - 1)[:need]]
        else:
            ties = ties[np.lexsort((rank[ties], far[ties]))[:need]]
    return np.concatenate((better, ties))
