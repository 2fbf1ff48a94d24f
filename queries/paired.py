"""Questions asked alike of both backends: each written once in SPARQL
(``queries/sparql/NAME.rq``) and once in Cypher (``queries/cypher/NAME.cypher``).

Both texts take their parameters as ``$name``: Cypher parameters on Neo4j; on the
embedded store each ``$name`` (a SPARQL variable too) is replaced by its RDF term
before the query runs — a node id by its IRI, a number by an ``xsd:double``, a
boolean by an ``xsd:boolean``. Answers come back as sorted rows of plain Python
values (node ids, not IRIs), so the two backends' answers compare with ``==``.

    >>> sorted(QUESTIONS)
    ['club_members', 'naf_section_in_ze', 'partners_of', 'path_between', 'siae_buyers_by_departement', \
'siae_co_contractors', 'siae_near_commune']

The shortest path is not one query: SPARQL 1.1 cannot return one. `path_between`
runs the same breadth-first search on each backend, one ``path_between`` query a
step, and breaks ties by the lexicographically smallest sequence of ids.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Final

from pyoxigraph import Literal, NamedNode, QuerySolutions

from graph.neo4j_store import Neo4jStore
from graph.oxigraph_store import OxigraphStore
from graph.rdf import from_literal, iri, node_id, to_literal

__all__ = [
    "QUESTIONS",
    "Row",
    "Value",
    "ask",
    "ask_cypher",
    "ask_sparql",
    "bind_sparql",
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
        "club_members",
        "naf_section_in_ze",
        "partners_of",
        "path_between",
        "siae_buyers_by_departement",
        "siae_co_contractors",
        "siae_near_commune",
    }
)

Value = str | int | float | bool | date | None
Row = tuple[Value, ...]
Param = str | int | float | bool
Backend = OxigraphStore | Neo4jStore

_PARAM: Final = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


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


def _term(value: Param) -> str:
    """The RDF term a parameter stands for, in SPARQL syntax.

    >>> _term("commune:10387"), _term(20.0), _term(True)
    ('<http://id.insee.fr/geo/commune/10387>', '"20.0"^^<http://www.w3.org/2001/XMLSchema#double>', \
'"true"^^<http://www.w3.org/2001/XMLSchema#boolean>')
    """
    if isinstance(value, str):
        return str(NamedNode(iri(value)))
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(to_literal(float(value)))
    return str(to_literal(value))


def bind_sparql(text: str, params: Mapping[str, Param]) -> str:
    """`text` with each ``$name`` replaced by the term of ``params[name]``."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in params:
            raise KeyError(f"missing parameter ${name}")
        return _term(params[name])

    return _PARAM.sub(replace, text)


def _sparql_value(term: object) -> Value:
    if term is None:
        return None
    if isinstance(term, NamedNode):
        try:
            return node_id(term.value)
        except ValueError:
            return term.value
    if isinstance(term, Literal):
        return from_literal(term)
    return str(term)


def _cypher_value(value: Any) -> Value:
    to_native = getattr(value, "to_native", None)
    if to_native is not None:  # neo4j.time.Date and friends
        native = to_native()
        return native if isinstance(native, date) else str(native)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _sort_key(row: Row) -> tuple[tuple[bool, str, str], ...]:
    return tuple((v is None, type(v).__name__, repr(v)) for v in row)


def _sorted(rows: Iterable[Row]) -> list[Row]:
    return sorted(rows, key=_sort_key)


def ask_sparql(store: OxigraphStore, name: str, **params: Param) -> list[Row]:
    """The rows of a question on the embedded store, sorted."""
    result = store.query(bind_sparql(sparql_text(name), params))
    if not isinstance(result, QuerySolutions):
        raise TypeError(f"{name}.rq is not a SELECT query")
    columns = [v.value for v in result.variables]
    return _sorted(tuple(_sparql_value(solution[c]) for c in columns) for solution in result)


def ask_cypher(store: Neo4jStore, name: str, **params: Param) -> list[Row]:
    """The rows of a question on Neo4j (a read transaction), sorted."""
    records = store.read(cypher_text(name), params)
    return _sorted(tuple(_cypher_value(v) for v in record.values()) for record in records)


def ask(store: Backend, name: str, **params: Param) -> list[Row]:
    """The rows of a question on either backend, from that backend's own store."""
    if isinstance(store, OxigraphStore):
        return ask_sparql(store, name, **params)
    return ask_cypher(store, name, **params)


# -- the questions ----------------------------------------------------------------------------------


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
