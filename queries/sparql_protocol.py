"""SPARQL queries as the SPARQL 1.1 Protocol asks them: over a dataset the request may
name, read-only, with a row limit and a time limit.

Without a dataset in the request, a query without FROM reads the union of every
dataset of the store (as `maillage sparql` does); FROM and FROM NAMED in the query,
or `default-graph-uri` / `named-graph-uri` in the request (which win), name the graphs
read. The answer is kept as RDF terms; the web layer serializes it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from pyoxigraph import BlankNode, Literal, NamedNode, QueryBoolean, QuerySolutions, Triple

from graph.oxigraph_store import OxigraphStore

__all__ = [
    "ProtocolAnswer",
    "QueryForm",
    "SparqlQueryError",
    "SparqlQueryTimeout",
    "UpdateRefused",
    "evaluate",
    "is_update",
]

Term = NamedNode | BlankNode | Literal | Triple


class SparqlQueryError(ValueError):
    """A query that cannot be run (syntax); the message, in French, says why."""


class UpdateRefused(SparqlQueryError):
    """An update: the endpoint only reads."""


class SparqlQueryTimeout(SparqlQueryError):
    """A query that ran past its time limit."""


class QueryForm(StrEnum):
    SELECT = "select"
    ASK = "ask"
    GRAPH = "graph"  # CONSTRUCT and DESCRIBE


@dataclass(frozen=True, slots=True)
class ProtocolAnswer:
    form: QueryForm
    variables: tuple[str, ...] = ()
    rows: tuple[tuple[Term | None, ...], ...] = ()  # SELECT solutions, or (s, p, o) triples
    boolean: bool | None = None
    truncated: bool = False  # the row limit cut the answer


# Strings, IRIs and comments are not code: a keyword inside them means nothing.
_NOT_CODE: Final = re.compile(
    r"'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^\"\\]|\\.|\"(?!\"\"))*\"\"\""
    r"|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"|<[^<>\"{}|^`\\\x00-\x20]*>|#[^\n]*"
)
_UPDATE: Final = re.compile(
    r"(?<![\w:?$@.-])(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)(?![\w:-])", re.IGNORECASE
)
_FROM: Final = re.compile(r"(?<![\w:?$@.-])FROM(?![\w:-])", re.IGNORECASE)


def _code(query: str) -> str:
    return _NOT_CODE.sub(" ", query)


def is_update(query: str) -> bool:
    """True when the text is a SPARQL update (which the endpoint refuses).

    >>> is_update("CLEAR ALL"), is_update('SELECT * { ?s <http://x/insert> "DELETE" }')
    (True, False)
    """
    return _UPDATE.search(_code(query)) is not None


def evaluate(
    store: OxigraphStore,
    query: str,
    *,
    default_graphs: Sequence[str] = (),
    named_graphs: Sequence[str] = (),
    limit: int = 10_000,
    timeout_s: float = 30.0,
    base_iri: str | None = None,
) -> ProtocolAnswer:
    """Run a read-only query; at most `limit` rows (or triples) are kept.

    Past `timeout_s` seconds `SparqlQueryTimeout` is raised and the answer dropped
    (pyoxigraph cannot stop a running query: the evaluation thread ends on its own).
    Relative IRIs in the query resolve against `base_iri` (the endpoint's address).
    """
    if is_update(query):
        raise UpdateRefused("le point d'accès SPARQL est en lecture seule : les mises à jour sont refusées")
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["answer"] = _run(store, query, default_graphs, named_graphs, limit, base_iri)
        except BaseException as e:
            outcome["error"] = e

    worker = threading.Thread(target=work, name="sparql-query", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        raise SparqlQueryTimeout(f"la requête a dépassé son délai de {timeout_s:g} s")
    if "error" in outcome:
        error = outcome["error"]
        if isinstance(error, SyntaxError):
            raise SparqlQueryError(f"requête SPARQL invalide : {' '.join(str(error).split())}") from error
        raise SparqlQueryError(f"la requête n'a pas pu être évaluée : {error}") from error
    answer: ProtocolAnswer = outcome["answer"]
    return answer


def _run(
    store: OxigraphStore,
    query: str,
    default_graphs: Sequence[str],
    named_graphs: Sequence[str],
    limit: int,
    base_iri: str | None,
) -> ProtocolAnswer:
    if default_graphs or named_graphs:
        result = store.query_dataset(
            query, default_graphs=list(default_graphs), named_graphs=list(named_graphs), base_iri=base_iri
        )
    else:
        union = not _FROM.search(_code(query))
        result = store.query_dataset(query, union=union, base_iri=base_iri)
    if isinstance(result, QueryBoolean):
        return ProtocolAnswer(QueryForm.ASK, boolean=bool(result))
    rows: list[tuple[Term | None, ...]] = []
    if isinstance(result, QuerySolutions):
        variables = tuple(v.value for v in result.variables)
        for solution in result:
            if len(rows) == limit:
                return ProtocolAnswer(QueryForm.SELECT, variables, tuple(rows), truncated=True)
            rows.append(tuple(solution[v] for v in variables))
        return ProtocolAnswer(QueryForm.SELECT, variables, tuple(rows))
    for triple in result:
        if len(rows) == limit:
            return ProtocolAnswer(
                QueryForm.GRAPH, ("subject", "predicate", "object"), tuple(rows), truncated=True
            )
        rows.append((triple.subject, triple.predicate, triple.object))
    return ProtocolAnswer(QueryForm.GRAPH, ("subject", "predicate", "object"), tuple(rows))
