"""SPARQL queries as the SPARQL 1.1 Protocol asks them: over a dataset the request may
name, read-only, with a row limit and a time limit.

Without a dataset in the request, a query without FROM reads the union of every
dataset of the store (as `maillage sparql` does); FROM and FROM NAMED in the query,
or `default-graph-uri` / `named-graph-uri` in the request (which win), name the graphs
read. Queries run bounded as the console's do (`queries.sparql_console.run_sparql`: a
child process, stopped at the time limit). The answer is kept as RDF terms; the web
layer serializes it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from graph.oxigraph_store import OxigraphStore
from queries.sparql_console import QueryForm as ConsoleForm
from queries.sparql_console import (
    ReadOnlyQuery,
    SparqlError,
    SparqlResourceError,
    SparqlTimeout,
    run_sparql,
)

__all__ = [
    "ProtocolAnswer",
    "QueryForm",
    "SparqlQueryError",
    "SparqlQueryResources",
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
    """A query that ran past its time limit, stopped."""


class SparqlQueryResources(SparqlQueryError):
    """A query that needed more memory than allowed, stopped."""


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

    The query runs as `maillage sparql` runs it (`queries.sparql_console.run_sparql`): in
    a child process that is killed past `timeout_s` seconds (`SparqlQueryTimeout`) or
    when it needs more memory than allowed (`SparqlQueryResources`), so a runaway query
    stops instead of running on. Relative IRIs in the query resolve against `base_iri`
    (the endpoint's address).
    """
    if is_update(query):
        raise UpdateRefused("le point d'accès SPARQL est en lecture seule : les mises à jour sont refusées")
    dataset = bool(default_graphs or named_graphs)
    try:
        result = run_sparql(
            store,
            query,
            timeout_s=timeout_s,
            limit=limit,
            default_graphs=list(default_graphs) if dataset else None,
            named_graphs=list(named_graphs) if dataset else None,
            base_iri=base_iri,
        )
    except SparqlTimeout:
        raise SparqlQueryTimeout(f"la requête a dépassé son délai de {timeout_s:g} s") from None
    except SparqlResourceError as e:
        raise SparqlQueryResources(str(e)) from None
    except ReadOnlyQuery:
        raise UpdateRefused(
            "le point d'accès SPARQL est en lecture seule : les mises à jour sont refusées"
        ) from None
    except SparqlError as e:
        message = str(e)
        raise SparqlQueryError(
            f"requête {message}" if message.startswith("SPARQL invalide") else message
        ) from None
    if result.form is ConsoleForm.ASK:
        return ProtocolAnswer(QueryForm.ASK, boolean=bool(result.boolean))
    form = QueryForm.SELECT if result.form is ConsoleForm.SELECT else QueryForm.GRAPH
    return ProtocolAnswer(form, result.variables, result.rows, truncated=result.truncated)
