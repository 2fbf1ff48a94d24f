"""Cypher for power users: read-only queries on Neo4j, with a timeout and a row limit.

`run_cypher` refuses a query holding a write clause (CREATE, MERGE, SET, DELETE,
REMOVE, DROP, LOAD CSV, CALL { … } IN TRANSACTIONS, writing procedures) before
sending it, then runs it in a READ transaction with a timeout: a write that the
check would miss is refused by the server as well. Values come back as plain
Python values (a node as a dict of its labels and properties); `render` prints
them as a table, CSV or JSON.

From a shell (the ``maillage cypher`` command calls the same functions)::

    python -m queries.cypher_console "MATCH (c:Club)<-[:MEMBER_OF]-(m) RETURN c.name, count(m)"
    python -m queries.cypher_console @query.cypher --format csv --limit 50

The server is read from ``MAILLAGE_NEO4J_URI``, ``MAILLAGE_NEO4J_USER`` and
``MAILLAGE_NEO4J_PASSWORD`` unless ``--uri``/``--user``/``--password`` are given.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
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

from graph.neo4j_store import DEFAULT_DATABASE, connect, settings_from_env
from graph.store import StoreError

__all__ = [
    "FORMATS",
    "CypherError",
    "CypherResult",
    "CypherTimeout",
    "ReadOnlyViolation",
    "check_read_only",
    "format_csv",
    "format_json",
    "format_table",
    "main",
    "render",
    "run_cypher",
]

FORMATS: Final = ("table", "csv", "json")
_HIDDEN_PROPERTIES: Final = frozenset({"by_source"})  # the store's per-dataset ledger


class CypherError(StoreError):
    """A Cypher query that could not be run; the message says why."""


class ReadOnlyViolation(CypherError):
    """A query that would write: the console only reads."""


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
      | dbms\.(?:security|setconfigvalue|killquer|killtransaction)
    )[\w.]*""",
    re.IGNORECASE | re.VERBOSE,
)


def _code_only(query: str) -> str:
    """The query without comments, strings and quoted names (replaced by a space)."""
    return _STRIPPED.sub(" ", query)


def check_read_only(query: str) -> None:
    """Raise `ReadOnlyViolation` if `query` holds a write clause or a writing procedure.

    >>> check_read_only("MATCH (n:Node) WHERE n.name = 'CREATE' RETURN n.set // DELETE")
    >>> check_read_only("MATCH (n) DETACH DELETE n")
    Traceback (most recent call last):
    ...
    queries.cypher_console.ReadOnlyViolation: DETACH DELETE is a write clause: this console only reads \
(load data with `maillage load`)
    """
    code = _code_only(query)
    found = [(m.start(), name) for name, pattern in _WRITE_CLAUSES for m in [pattern.search(code)] if m]
    if found:
        _, name = min(found)  # the first write clause in the query, the longest name at one place
        raise ReadOnlyViolation(
            f"{name} is a write clause: this console only reads (load data with `maillage load`)"
        )
    procedure = _WRITE_PROCEDURES.search(code)
    if procedure:
        raise ReadOnlyViolation(f"{procedure.group(0)} writes: this console only reads")


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
    server raises `StoreError` naming its address.
    """
    if limit < 0:
        raise ValueError("limit must be at least 0")
    if timeout_s <= 0:
        raise ValueError("timeout_s must be positive")
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
            raise ReadOnlyViolation(f"the server refused a write in a read transaction: {e.message}") from e
        if "TransactionTimedOut" in code or "Timeout" in code:
            raise CypherTimeout(f"the query ran past its {timeout_s:g} s limit and was stopped") from e
        raise CypherError(f"Neo4j refused the query: {e.message}") from e
    except AuthError as e:
        raise StoreError(f"Neo4j at {address} refused the credentials: {e.message}") from e
    except (ServiceUnavailable, SessionExpired, OSError) as e:
        raise StoreError(f"Neo4j unreachable at {address}: {_one_line(e)}") from e
    except (Neo4jError, DriverError) as e:
        if "TransactionTimedOut" in (getattr(e, "code", None) or ""):
            raise CypherTimeout(f"the query ran past its {timeout_s:g} s limit and was stopped") from e
        raise CypherError(f"Neo4j could not run the query: {_one_line(e)}") from e


def _address(driver: Driver) -> str:
    address = getattr(getattr(driver, "_pool", None), "address", None)
    return f"bolt://{address}" if address is not None else "the Neo4j server"


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


# -- output ------------------------------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=_json_default, separators=(", ", ": "))
    return str(value)


def format_table(result: CypherResult) -> str:
    """Aligned columns, a rule, the rows, and a count (in French: it is shown to users).

    >>> print(format_table(CypherResult(("kind", "n"), (("ACI", 2), ("EI", 10)))))
    kind  n
    ────  ──
    ACI   2
    EI    10
    (2 lignes)
    """
    cells = [[_text(v) for v in row] for row in result.rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(result.columns)]
    head = "  ".join(c.ljust(w) for c, w in zip(result.columns, widths, strict=True)).rstrip()
    rule = "  ".join("─" * w for w in widths)
    body = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    count = len(cells)
    footer = f"({count} ligne{'s' if count != 1 else ''}"
    footer += ", tronqué à la limite)" if result.truncated else ")"
    return "\n".join([head, rule, *body, footer])


def format_csv(result: CypherResult) -> str:
    """A header line, then one line a row; nested values as JSON.

    >>> format_csv(CypherResult(("id", "since"), (("org:a", date(2019, 3, 1)),)))
    'id,since\\norg:a,2019-03-01\\n'
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.columns)
    writer.writerows([_text(v) for v in row] for row in result.rows)
    return out.getvalue()


def format_json(result: CypherResult) -> str:
    """A JSON array of objects, one a row; dates in ISO 8601.

    >>> print(format_json(CypherResult(("id", "n"), (("org:a", 1),))))
    [
      {
        "id": "org:a",
        "n": 1
      }
    ]
    """
    records = [dict(zip(result.columns, row, strict=True)) for row in result.rows]
    return json.dumps(records, ensure_ascii=False, indent=2, default=_json_default)


def render(result: CypherResult, fmt: str = "table") -> str:
    """`result` as ``table``, ``csv`` or ``json``."""
    if fmt == "csv":
        return format_csv(result)
    if fmt == "json":
        return format_json(result)
    if fmt == "table":
        return format_table(result)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


# -- command line ------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m queries.cypher_console QUERY``: one answer on stdout, or one line on stderr."""
    env_uri, env_auth = settings_from_env()
    parser = argparse.ArgumentParser(
        prog="python -m queries.cypher_console", description="Run a read-only Cypher query on Neo4j."
    )
    parser.add_argument("query", help="a Cypher query, or @FILE to read it from a file")
    parser.add_argument("--uri", default=env_uri, help=f"Bolt address (default {env_uri})")
    parser.add_argument("--user", default=env_auth[0] if env_auth else "neo4j")
    parser.add_argument("--password", default=env_auth[1] if env_auth else None)
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--format", choices=FORMATS, default="table")
    parser.add_argument("--limit", type=int, default=1000, help="rows kept at most (default 1000)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds (default 30)")
    parser.add_argument(
        "--param", action="append", default=[], metavar="NAME=JSON", help="a $parameter, as JSON"
    )
    args = parser.parse_args(argv)
    try:
        query = _read_query(args.query)
        params = _parse_params(args.param)
        check_read_only(query)
        auth = (args.user, args.password) if args.password else None
        driver = connect(args.uri, auth)
        try:
            result = run_cypher(
                driver,
                query,
                params=params,
                timeout_s=args.timeout,
                limit=args.limit,
                database=args.database,
            )
        finally:
            driver.close()
    except (StoreError, ValueError, OSError) as e:
        sys.stderr.write(f"error: {e}\n")
        return 1
    text = render(result, args.format)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def _read_query(argument: str) -> str:
    if argument.startswith("@"):
        with open(argument[1:], encoding="utf-8") as f:
            return f.read()
    return argument


def _parse_params(items: Sequence[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep or not name:
            raise ValueError(f"--param {item!r}: expected NAME=JSON")
        try:
            params[name] = json.loads(raw)
        except json.JSONDecodeError:
            params[name] = raw  # a bare word is a string
    return params


if __name__ == "__main__":
    sys.exit(main())
