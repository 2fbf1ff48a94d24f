"""Questions asked alike of both backends: each written once in SPARQL
(``queries/sparql/NAME.rq``) and once in Cypher (``queries/cypher/NAME.cypher``).

Both texts take their parameters as ``$name``: Cypher parameters on Neo4j; on the
embedded store each ``$name`` (a SPARQL variable too) is replaced by its RDF term
before the query runs — a node id by its IRI, a prefixed name (``mlg:SIAE``) by its
IRI, a number by an ``xsd:double``, a boolean by an ``xsd:boolean``. Answers come back
as sorted rows of plain Python values (node ids, not IRIs), so the two backends'
answers compare with ``==``.

    >>> sorted(QUESTIONS)  # doctest: +NORMALIZE_WHITESPACE
    ['class_count', 'club_members', 'naf_section_in_ze', 'partners_of', 'path_between',
     'siae_buyers_by_departement', 'siae_co_contractors', 'siae_near_commune']

The shortest path is not one query: SPARQL 1.1 cannot return one. `path_between`
runs the same breadth-first search on each backend, one ``path_between`` query a
step, and breaks ties by the lexicographically smallest sequence of ids.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Final

from graph.sparql_params import bind_sparql
from graph.store import GraphStore, Param, Question, Row, Value

__all__ = [
    "QUESTIONS",
    "Row",
    "Value",
    "ask",
    "bind_sparql",
    "class_count",
    "question",
    "club_members",
    "cypher_text",
    "naf_section_in_ze",
    "partners_of",
    "path_between",
    "siae_buyers_by_departement",
    "siae_co_contractors",
    "siae_near_commune",
    "sparql_text",
]

_HERE: Final = Path(__file__).resolve().parent
QUESTIONS: Final = frozenset(
    {
        "class_count",
        "club_members",
        "naf_section_in_ze",
        "partners_of",
        "path_between",
        "siae_buyers_by_departement",
        "siae_co_contractors",
        "siae_near_commune",
    }
)

Backend = GraphStore


def _check(name: str) -> None:
    if name not in QUESTIONS:
        raise KeyError(f"unknown question {name!r}; known: {', '.join(sorted(QUESTIONS))}")


@cache
def sparql_text(name: str) -> str:
    """The SPARQL of a question, as written in ``queries/sparql/NAME.rq``."""
    _check(name)
    return (_HERE / "sparql" / f"{name}.rq").read_text(encoding="utf-8")


@cache
def cypher_text(name: str) -> str:
    """The Cypher of a question, as written in ``queries/cypher/NAME.cypher``."""
    _check(name)
    return (_HERE / "cypher" / f"{name}.cypher").read_text(encoding="utf-8")


def _sort_key(row: Row) -> tuple[tuple[bool, str, str], ...]:
    return tuple((v is None, type(v).__name__, repr(v)) for v in row)


def _sorted(rows: Iterable[Row]) -> list[Row]:
    return sorted(rows, key=_sort_key)


@cache
def question(name: str) -> Question:
    """A named question, with its two texts."""
    return Question(name, sparql_text(name), cypher_text(name))


def ask(store: GraphStore, name: str, **params: Param) -> list[Row]:
    """The sorted rows of a question, asked of any backend in its own language."""
    return _sorted(store.ask(question(name), params))


# -- the questions ----------------------------------------------------------------------------------


def class_count(store: Backend, cls: str) -> int:
    """How many nodes are of the class `cls` of the ontology (``SIAE``, ``ACI``…), its
    subclasses included, each node once."""
    ((count,),) = ask(store, "class_count", cls=f"mlg:{cls}")
    return int(count)  # type: ignore[arg-type]


def club_members(store: Backend, club: str) -> list[Row]:
    """``(member, name, role)`` for each membership of the collective `club`."""
    return ask(store, "club_members", club=club)


def partners_of(store: Backend, org: str) -> list[Row]:
    """``(partner, name, direction, type, form)`` for each partnership of `org`;
    direction ``out`` when `org` is the relation's source, ``in`` otherwise."""
    return ask(store, "partners_of", org=org)


def naf_section_in_ze(store: Backend, section: str, ze: str) -> list[Row]:
    """``(org, naf)``: organisations IN_SECTOR of a code under `section`, LOCATED_IN `ze`."""
    return ask(store, "naf_section_in_ze", section=section, ze=ze)


def siae_near_commune(store: Backend, commune: str, *, km: float = 20.0) -> list[Row]:
    """``(org, kind, distance_km)`` for each SIAE within `km` of `commune`, the distance
    rounded to the metre (equirectangular approximation: see the query files)."""
    rows = ask(store, "siae_near_commune", commune=commune, km=float(km))
    return _sorted(
        (org, kind, round(math.sqrt(float(d2)), 3))  # type: ignore[arg-type]
        for org, kind, d2 in rows
    )


def siae_buyers_by_departement(store: Backend) -> list[Row]:
    """``(departement, buyer, contracts)``: how many public contracts each buyer awarded
    to an SIAE, by département of execution."""
    return ask(store, "siae_buyers_by_departement")


def siae_co_contractors(store: Backend) -> list[Row]:
    """``(siae, company, contract)`` for each public contract an SIAE holds together
    with a company (Entreprise)."""
    return ask(store, "siae_co_contractors")


def path_between(
    store: Backend, source: str, target: str, *, through_all: bool = False, max_hops: int = 6
) -> list[str] | None:
    """The node ids along one shortest path from `source` to `target`, relations taken
    in either direction; among shortest paths, the lexicographically smallest sequence.

    `through_all` False walks from organisation to organisation (clubs, networks,
    partners…); True goes through places and codes too. None when no path of at most
    `max_hops` relations exists.
    """
    if store.node(source) is None or store.node(target) is None:
        return None
    if source == target:
        return [source]
    layers: list[set[str]] = [{source}]
    adjacency: dict[str, set[str]] = {}
    seen = {source}
    while len(layers) <= max_hops:
        frontier = layers[-1]
        following: set[str] = set()
        for node in sorted(frontier):
            rows = ask(store, "path_between", node=node, all=through_all)
            adjacency[node] = {str(row[0]) for row in rows}
            following |= adjacency[node] - seen
        if not following:
            return None
        seen |= following
        layers.append(following)
        if target in following:
            return _smallest_path(layers, adjacency, target)
    return None


def _smallest_path(layers: Sequence[set[str]], adjacency: Mapping[str, set[str]], target: str) -> list[str]:
    """From layered BFS results, the lexicographically smallest shortest path.

    >>> layers = [{"a"}, {"b", "c"}, {"z"}]
    >>> _smallest_path(layers, {"a": {"b", "c"}, "b": {"a", "z"}, "c": {"a", "z"}}, "z")
    ['a', 'b', 'z']
    """
    length = len(layers) - 1
    on_path: list[set[str]] = [set() for _ in layers]
    on_path[length] = {target}
    for depth in range(length - 1, -1, -1):
        on_path[depth] = {v for v in layers[depth] if adjacency.get(v, set()) & on_path[depth + 1]}
    path = [min(on_path[0])]
    for depth in range(1, length + 1):
        path.append(min(adjacency[path[-1]] & on_path[depth]))
    return path
