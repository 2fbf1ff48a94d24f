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

from collections.abc import Sequence
from dataclasses import dataclass

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from graph.oxigraph_store import OxigraphStore
from queries.sparql_console import (
    QueryForm,
    ReadOnlyQuery,
    SparqlError,
    SparqlResourceError,
    SparqlTimeout,
    run_sparql,
)

__all__ = [
    "READ_ONLY",
    "ProtocolAnswer",
    "QueryForm",
    "ReadOnlyQuery",
    "SparqlError",
    "SparqlResourceError",
    "SparqlTimeout",
    "evaluate",
]

Term = NamedNode | BlankNode | Literal | Triple
READ_ONLY: str = "le point d'accès SPARQL est en lecture seule : les mises à jour sont refusées"


@dataclass(frozen=True, slots=True)
class ProtocolAnswer:
    form: QueryForm  # CONSTRUCT stands for DESCRIBE too: both answer triples
    variables: tuple[str, ...] = ()
    rows: tuple[tuple[Term | None, ...], ...] = ()  # SELECT solutions, or (s, p, o) triples
    boolean: bool | None = None
    truncated: bool = False  # the row limit cut the answer


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
    a child process that is killed past `timeout_s` seconds (`SparqlTimeout`) or
    when it needs more memory than allowed (`SparqlResourceError`), so a runaway query
    stops instead of running on. Relative IRIs in the query resolve against `base_iri`
    (the endpoint's address).
    """
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
        raise SparqlTimeout(f"la requête a dépassé son délai de {timeout_s:g} s") from None
    except ReadOnlyQuery:
        raise ReadOnlyQuery(READ_ONLY) from None
    except SparqlResourceError:
        raise
    except SparqlError as e:
        text = str(e)
        raise SparqlError(f"requête {text}" if text.startswith("SPARQL invalide") else text) from None
    if result.form is QueryForm.ASK:
        return ProtocolAnswer(QueryForm.ASK, boolean=bool(result.boolean))
    return ProtocolAnswer(result.form, result.variables, result.rows, truncated=result.truncated)
