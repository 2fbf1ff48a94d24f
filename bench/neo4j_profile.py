"""Where the time of a Neo4j load goes: a store that times itself, for `bench.neo4j_load`.

`timed(store_class)` is a subclass of the given `Neo4jStore` class whose upserts add
to a `Profile`:

- *Python, before the transaction*: checking types and building ledger entries;
- *Python, rows*: building the parameters of the statements (ledgers, properties)
  inside the transaction, i.e. the time of `_write` not spent in the driver;
- per statement: its count, its rows, the driver's time (packing, round trip, the
  server's work, unpacking), and the server's own account from the result summary —
  ``result_available_after`` (planning, and for a write statement all of its work:
  it returns no row) and ``result_consumed_after`` (streaming the rows of a read); the
  driver's time less the server's is packing, transfer and waiting for the CPU;
- *commit*: the time from the end of `_write` to the end of the upsert;
- the operators of each statement's plan (``EXPLAIN``), to show which look-ups use an index.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from neo4j import ManagedTransaction, Record, ResultSummary

from graph.model import Batch, LoadReport
from graph.neo4j_store import Neo4jStore

__all__ = ["Profile", "TimedStore", "statement_name", "timed"]


def statement_name(query: str) -> str:
    """A short name for a statement of either write path.

    >>> statement_name("UNWIND $rows AS row CREATE (n:Node:`Place`:`Commune` {`id`: row['id']})")
    'create nodes :Place:Commune'
    """
    text = " ".join(query.split())
    if "CREATE (n:Node" in text:
        labels = text.split("CREATE (n:Node", 1)[1].split(" {", 1)[0].split(")", 1)[0].replace("`", "")
        return f"create nodes {labels}"
    named = (
        ("WHERE COUNT { (s)-[:", "read relation ledgers"),  # `Neo4jStore`'s look-up
        ("OPTIONAL MATCH (s)-[r:", "look up relations (ends + ledger)"),
        ("MATCH (s)-[r:", "look up relations (ledger)"),
        ("RETURN d.source AS source, d.rels", "relation types of the datasets"),
        ("MERGE (s:StoreState", "state token"),
        ("CREATE (s)-[r:", "create relations"),
        ("MERGE (s)-[r:", "merge relations"),
        ("MERGE (n:Node", "merge nodes (dynamic labels)"),
        ("MATCH (n:Node {id: row.id}) SET n = row.props", "update nodes"),
        ("RETURN n.id AS id, n.by_source", "read node ledgers"),
        ("RETURN n.id AS id", "read endpoints"),
        ("USING INDEX s:Node(id)", "read relation ledgers"),
        ("$source IN r.sources", "read the dataset's relations"),
        ("MATCH (d:Dataset {source: $source}) RETURN", "dataset seen?"),
        ("MERGE (d:Dataset", "write dataset"),
        ("SET r = row.props", "update relations by element id"),
        ("DELETE r", "delete relations"),
    )
    for needle, name in named:
        if needle in text:
            return name
    return text[:40]


@dataclass
class Profile:
    upserts: int = 0
    upsert_s: float = 0.0
    before_tx_s: float = 0.0
    write_s: float = 0.0
    statements: Counter[str] = field(default_factory=Counter)
    rows: Counter[str] = field(default_factory=Counter)
    driver_s: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    server_plan_s: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    server_exec_s: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    plans: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, rows: int, seconds: float, summary: ResultSummary | None) -> None:
        self.statements[name] += 1
        self.rows[name] += rows
        self.driver_s[name] += seconds
        if summary is not None:
            self.server_plan_s[name] += (summary.result_available_after or 0) / 1000
            self.server_exec_s[name] += (summary.result_consumed_after or 0) / 1000

    def as_dict(self) -> dict[str, Any]:
        driver = sum(self.driver_s.values())
        return {
            "upserts": self.upserts,
            "seconds": round(self.upsert_s, 2),
            "python_before_transaction_s": round(self.before_tx_s, 2),
            "python_rows_s": round(self.write_s - driver, 2),
            "driver_s": round(driver, 2),
            "server_plan_s": round(sum(self.server_plan_s.values()), 2),
            "server_execute_s": round(sum(self.server_exec_s.values()), 2),
            "commit_s": round(self.upsert_s - self.before_tx_s - self.write_s, 2),
            "statements": {
                name: {
                    "count": self.statements[name],
                    "rows": self.rows[name],
                    "driver_s": round(self.driver_s[name], 2),
                    "server_plan_s": round(self.server_plan_s[name], 2),
                    "server_execute_s": round(self.server_exec_s[name], 2),
                    "plan": self.plans.get(name, []),
                }
                for name in sorted(self.driver_s, key=lambda n: -self.driver_s[n])
            },
        }

    def lines(self) -> list[str]:
        d = self.as_dict()
        out = [
            f"  {d['upserts']} upserts, {d['seconds']} s: Python before the transaction "
            f"{d['python_before_transaction_s']} s, Python building rows {d['python_rows_s']} s, "
            f"driver {d['driver_s']} s (server: until the result is available — planning, and "
            f"for a write all its work — {d['server_plan_s']} s, "
            f"streaming the result {d['server_execute_s']} s), commit {d['commit_s']} s",
            f"  {'statement':<44} {'count':>6} {'rows':>9} {'driver s':>9} {'avail s':>7} {'pull s':>7}",
        ]
        for name, s in d["statements"].items():
            out.append(
                f"  {name:<44} {s['count']:>6} {s['rows']:>9,} {s['driver_s']:>9.2f} "
                f"{s['server_plan_s']:>7.2f} {s['server_execute_s']:>7.2f}"
            )
            if s["plan"]:
                out.append(f"      plan: {' ← '.join(s['plan'])}")
        return out


def _operators(plan: Any) -> list[str]:
    """The operators of a plan, root first, depth first."""
    if plan is None:
        return []
    found = [str(plan.get("operatorType", "?")).split("@")[0]]
    for child in plan.get("children", []):
        found.extend(_operators(child))
    return found


class _TimedResult:
    def __init__(self, profile: Profile, name: str, rows: int, started: float, result: Any) -> None:
        self._profile, self._name, self._rows, self._started, self._result = (
            profile,
            name,
            rows,
            started,
            result,
        )

    def _done(self) -> ResultSummary:
        summary: ResultSummary = self._result.consume()
        self._profile.add(self._name, self._rows, time.perf_counter() - self._started, summary)
        return summary

    def consume(self) -> ResultSummary:
        return self._done()

    def single(self) -> Record | None:
        record: Record | None = self._result.single()
        self._done()
        return record

    def __iter__(self) -> Iterator[Record]:
        yield from self._result
        self._done()


class _TimedTx:
    def __init__(self, tx: ManagedTransaction, profile: Profile) -> None:
        self._tx, self._profile = tx, profile

    def run(self, query: str, parameters: dict[str, Any] | None = None, **kwargs: Any) -> _TimedResult:
        params = {**(parameters or {}), **kwargs}
        name = statement_name(query)
        if name not in self._profile.plans:
            plan = self._tx.run("EXPLAIN " + query, params).consume().plan
            self._profile.plans[name] = _operators(plan)
        rows = next((len(v) for v in params.values() if isinstance(v, list)), 1)
        started = time.perf_counter()
        return _TimedResult(self._profile, name, rows, started, self._tx.run(query, params))


class TimedStore(Neo4jStore):
    """A store whose upserts add to `profile`; its write path is that of the class
    `timed` mixes it with (`super()` follows the MRO)."""

    profile: Profile  # set by the caller before the first upsert
    _upsert_started: float = 0.0

    def upsert(self, batch: Batch) -> LoadReport:
        self._upsert_started = started = time.perf_counter()
        report = super().upsert(batch)
        self.profile.upserts += 1
        self.profile.upsert_s += time.perf_counter() - started
        return report

    def _write(self, tx: ManagedTransaction, *args: Any) -> None:
        started = time.perf_counter()
        self.profile.before_tx_s += started - self._upsert_started
        try:
            super()._write(_TimedTx(tx, self.profile), *args)  # type: ignore[arg-type]
        finally:
            self.profile.write_s += time.perf_counter() - started


def timed(base: type[Neo4jStore]) -> type[TimedStore]:
    """`base`, timing itself (see `TimedStore`)."""
    return type(f"Timed{base.__name__}", (TimedStore, base), {})
