"""Cypher for power users: read-only queries on Neo4j, with a timeout and a row limit.

`run_cypher` refuses a query holding a write clause (CREATE, MERGE, SET, DELETE,
REMOVE, DROP, LOAD CSV, CALL { … } IN TRANSACTIONS, writing procedures) or calling
a ``dbms.*`` procedure (server administration) before sending it, then runs it in
a READ transaction with a timeout: a write that the check would miss is refused by
the server as well. Values come back as plain Python values (a node as a dict of
its labels and properties). The command ``maillage cypher`` presents them
(`api.formatting`). Messages are French: they are shown to the user as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from neo4j import Driver, ManagedTransaction, NotificationMinimumSeverity, Result, unit_of_work
from neo4j.exceptions import (
    AuthError,
    ClientError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)
from neo4j.graph import Node, Path, Relationship
from neo4j.spatial import Point

from graph.neo4j_store import DEFAULT_DATABASE
from graph.store import StoreError

__all__ = [
    "CypherError",
    "CypherResult",
    "CypherTimeout",
    "ProcedureRefused",
    "ReadOnlyViolation",
    "check_bounds",
    "check_read_only",
    "run_cypher",
]
_HIDDEN_PROPERTIES: Final = frozenset({"by_source"})  # the store's per-dataset ledger


class CypherError(StoreError):
    """A Cypher query that could not be run; the message says why."""


class ReadOnlyViolation(CypherError):
    """A query that would write: the console only reads."""


class ProcedureRefused(CypherError):
    """A ``dbms.*`` procedure: the console does not administer the server."""


class CypherTimeout(CypherError):
    """A query that ran past its time limit."""


@dataclass(frozen=True, slots=True)
class CypherResult:
    """Column names and rows of plain values; `truncated` when the row limit cut it.

    Unpacks as ``columns, rows = run_cypher(...)``.
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    truncated: bool = False

    def __iter__(self) -> Iterator[Any]:
        yield self.columns
        yield self.rows


# -- the read-only check -----------------------------------------------------------------------------

_STRIPPED: Final = re.compile(
    r"""
      //[^\n]*                    # line comment
    | /\*.*?\*/                   # block comment
    | '(?:[^'\\]|\\.)*'           # single-quoted string
    | "(?:[^"\\]|\\.)*"           # double-quoted string
    | `(?:[^`]|``)*`              # quoted identifier
    """,
    re.VERBOSE | re.DOTALL,
)
_NOT_A_CLAUSE: Final = r"(?<![\w.$:])"  # n.set, $create, :Merge are names, not clauses
_WRITE_CLAUSES: Final = (
    ("LOAD CSV", re.compile(_NOT_A_CLAUSE + r"LOAD\s+CSV\b", re.IGNORECASE)),
    ("DETACH DELETE", re.compile(_NOT_A_CLAUSE + r"DETACH\s+DELETE\b", re.IGNORECASE)),
    ("CALL { … } IN TRANSACTIONS", re.compile(r"\bIN\s+(?:\d+\s+)?(?:CONCURRENT\s+)?TRANSACTIONS\b", re.I)),
    *(
        (word, re.compile(_NOT_A_CLAUSE + word + r"\b", re.IGNORECASE))
        for word in (
            "CREATE",
            "MERGE",
            "SET",
            "DELETE",
            "REMOVE",
            "DROP",
            "FOREACH",
            "ALTER",
            "RENAME",
            "GRANT",
            "DENY",
            "REVOKE",
            "TERMINATE",
        )
    ),
)
# Procedures that write, whatever the transaction mode lets through.
_WRITE_PROCEDURES: Final = re.compile(
    r"""\b(
        apoc\.(?:create|merge|refactor|periodic|do|trigger|schema|atomic|lock|nodes\.delete
              |cypher\.(?:doit|runwrite|runschema|runmany)|load|import|export|graph\.(?:merge|create))
      | db\.(?:create|clearquerycaches|index\.fulltext\.create)
    )[\w.]*""",
    re.IGNORECASE | re.VERBOSE,
)
_ADMIN_PROCEDURES: Final = re.compile(r"(?<![\w$:])dbms\.[\w.]*", re.IGNORECASE)
_READ_ONLY: Final = "la console Cypher est en lecture seule (charger des données : maillage load)"


def _code_only(query: str) -> str:
    """The query without comments, strings and quoted names (replaced by a space)."""
    return _STRIPPED.sub(" ", query)


def check_read_only(query: str) -> None:
    """Raise `ReadOnlyViolation` if `query` holds a write clause or a writing procedure,
    `ProcedureRefused` if it calls a ``dbms.*`` procedure.

    >>> check_read_only("MATCH (n:Node) WHERE n.name = 'CREATE' RETURN n.set // DELETE")
    >>> check_read_only("MATCH (n) DETACH DELETE n")
    Traceback (most recent call last):
    ...
    queries.cypher_console.ReadOnlyViolation: DETACH DELETE est une écriture : la console Cypher est en \
lecture seule (charger des données : maillage load)
    """
    code = _code_only(query)
    found = [(m.start(), name) for name, pattern in _WRITE_CLAUSES for m in [pattern.search(code)] if m]
    if found:
        _, name = min(found)  # the first write clause in the query, the longest name at one place
        raise ReadOnlyViolation(f"{name} est une écriture : {_READ_ONLY}")
    admin = _ADMIN_PROCEDURES.search(code)
    if admin:
        raise ProcedureRefused(
            f"{admin.group(0)} : les procédures dbms.* administrent le serveur, cette console les refuse"
        )
    procedure = _WRITE_PROCEDURES.search(code)
    if procedure:
        raise ReadOnlyViolation(f"{procedure.group(0)} écrit : {_READ_ONLY}")


def check_bounds(*, timeout_s: float, limit: int) -> None:
    """A French error for a timeout that is not positive or a negative row limit."""
    if not timeout_s > 0:
        raise CypherError(f"--timeout doit être un nombre de secondes positif (reçu : {timeout_s:g})")
    if limit < 0:
        raise CypherError(f"--limit doit être un nombre de lignes positif ou nul (reçu : {limit})")


# -- running -----------------------------------------------------------------------------------------


def run_cypher(
    driver: Driver,
    query: str,
    *,
    params: Mapping[str, Any] | None = None,
    timeout_s: float = 30.0,
    limit: int = 1000,
    database: str = DEFAULT_DATABASE,
) -> CypherResult:
    """Run a read-only Cypher query in a READ transaction.

    At most `limit` rows are kept (`truncated` says whether more were there); the
    server stops the transaction after `timeout_s` seconds (`CypherTimeout`). A write
    clause is refused before anything is sent (`ReadOnlyViolation`); an unreachable
    server raises `StoreError` naming its address; a timeout that is not positive or a
    negative limit, `CypherError`.
    """
    check_bounds(timeout_s=timeout_s, limit=limit)
    check_read_only(query)
    return _run_read(driver, query, params=params, timeout_s=timeout_s, limit=limit, database=database)


def _run_read(
    driver: Driver,
    query: str,
    *,
    params: Mapping[str, Any] | None,
    timeout_s: float,
    limit: int,
    database: str,
) -> CypherResult:
    """The query in a READ transaction, without the lexical check (the server's guard only)."""

    @unit_of_work(timeout=timeout_s)
    def work(tx: ManagedTransaction) -> CypherResult:
        result: Result = tx.run(query, dict(params or {}))
        columns = tuple(result.keys())
        rows: list[tuple[Any, ...]] = []
        truncated = False
        for record in result:
            if len(rows) >= limit:
                truncated = True
                break
            rows.append(tuple(_plain(value) for value in record.values()))
        return CypherResult(columns, tuple(rows), truncated)

    address = _address(driver)
    try:
        with driver.session(
            database=database, notifications_min_severity=NotificationMinimumSeverity.OFF
        ) as session:
            return session.execute_read(work)
    except ClientError as e:
        code = e.code or ""
        if code.endswith("AccessMode"):
            raise ReadOnlyViolation(f"le serveur a refusé une écriture en lecture seule : {e.message}") from e
        if "TransactionTimedOut" in code or "Timeout" in code:
            raise CypherTimeout(_timed_out(timeout_s)) from e
        raise CypherError(f"Neo4j a refusé la requête : {e.message}") from e
    except AuthError as e:
        raise StoreError(f"Neo4j à {address} a refusé les identifiants : {e.message}") from e
    except (ServiceUnavailable, SessionExpired, OSError) as e:
        raise StoreError(f"Neo4j injoignable à {address} : {_one_line(e)}") from e
    except (Neo4jError, DriverError) as e:
        if "TransactionTimedOut" in (getattr(e, "code", None) or ""):
            raise CypherTimeout(_timed_out(timeout_s)) from e
        raise CypherError(f"Neo4j n'a pas pu exécuter la requête : {_one_line(e)}") from e


def _timed_out(timeout_s: float) -> str:
    return f"la requête a dépassé son délai de {timeout_s:g} s et a été arrêtée"


def _address(driver: Driver) -> str:
    address = getattr(getattr(driver, "_pool", None), "address", None)
    return f"bolt://{address}" if address is not None else "le serveur Neo4j"


def _one_line(error: BaseException) -> str:
    return " ".join((getattr(error, "message", None) or str(error) or type(error).__name__).split())


def _plain(value: Any) -> Any:
    """A driver value as plain Python: nodes and relationships as dicts, paths as lists."""
    if isinstance(value, Node):
        props = {k: _plain(v) for k, v in value.items() if k not in _HIDDEN_PROPERTIES}
        return {"labels": sorted(value.labels), **props}
    if isinstance(value, Relationship):
        props = {k: _plain(v) for k, v in value.items() if k not in _HIDDEN_PROPERTIES}
        start = value.start_node.get("id") if value.start_node is not None else None
        end = value.end_node.get("id") if value.end_node is not None else None
        return {"type": value.type, "start": start, "end": end, **props}
    if isinstance(value, Path):
        steps: list[Any] = [_plain(value.start_node)]
        for rel in value.relationships:
            steps.append(_plain(rel))
            steps.append(_plain(rel.end_node))
        return steps
    if isinstance(value, Point):
        if getattr(value, "srid", None) in (4326, 4979):
            return {"longitude": value[0], "latitude": value[1]}
        return list(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    to_native = getattr(value, "to_native", None)
    if to_native is not None:  # neo4j.time values
        try:
            return to_native()
        except (ValueError, OverflowError):
            return str(value)
    if value is None or isinstance(value, str | int | float | bool | bytes):
        return value
    return str(value)
