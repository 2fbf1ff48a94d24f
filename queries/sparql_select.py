"""SPARQL for power users on the embedded store."""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode, QueryBoolean, QuerySolutions

from graph.oxigraph_store import OxigraphStore
from graph.rdf import from_literal
from queries.table import Cell, Table

__all__ = ["SparqlError", "select", "select_file"]


class SparqlError(ValueError):
    """A query that could not be parsed or run; the message says where."""


def _cell(term: object) -> Cell:
    if term is None:
        return None
    if isinstance(term, Literal):
        return from_literal(term)
    if isinstance(term, NamedNode):
        return term.value
    return str(term)


def select(store: OxigraphStore, query: str) -> Table:
    """Run a SELECT or ASK query over the union of all datasets.

    Literals come back typed (integers as int, dates as date), IRIs as strings.
    """
    try:
        result = store.query(query)
    except SyntaxError as e:
        raise SparqlError(f"invalid SPARQL: {e}") from e
    if isinstance(result, QueryBoolean):
        return Table(("ask",), ((bool(result),),))
    if not isinstance(result, QuerySolutions):
        raise SparqlError("only SELECT and ASK queries are answered as tables")
    columns = tuple(v.value for v in result.variables)
    rows = tuple(tuple(_cell(solution[c]) for c in columns) for solution in result)
    return Table(columns, rows)


def select_file(store: OxigraphStore, path: str) -> Table:
    with open(path, encoding="utf-8") as f:
        return select(store, f.read())
