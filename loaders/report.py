"""What a load tells its user: progress bars, one line per rejected or unresolved row,
a report file, and a summary table. The only module of `loaders` that prints.

- `progress` wraps a loop in a tqdm bar on stderr, shown only when stderr is a
  terminal;
- `write` upserts an output into a store, timing it and counting the nodes that
  already existed (`merged`), and returns a `LoadSummary`;
- `print_issues` / `write_issues` give every rejection and unresolved row as
  `file:line: field: reason`, on the console and in a CSV or JSONL file;
- `summary_table` / `print_summary` draw the summary.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final, TypeVar

from tqdm import tqdm

from graph.model import Rejection
from graph.oxigraph_store import OxigraphStore
from graph.rdf import iri, node_id
from graph.store import GraphStore
from loaders.base import LoaderOutput

__all__ = [
    "Issue",
    "LoadSummary",
    "existing_ids",
    "issues",
    "print_issues",
    "print_summary",
    "progress",
    "run",
    "summarise",
    "summary_table",
    "write",
    "write_issues",
]

T = TypeVar("T")


def progress(
    iterable: Iterable[T], *, desc: str, total: int | None = None, unit: str = "row", min_total: int = 10_000
) -> Iterator[T]:
    """`iterable`, with a progress bar on stderr when stderr is a terminal and the
    loop is long (at least `min_total` items, when the total is known)."""
    if total is None and isinstance(iterable, Sequence):
        total = len(iterable)
    shown = sys.stderr.isatty() and (total is None or total >= min_total)
    if not shown:
        yield from iterable
        return
    yield from tqdm(iterable, desc=desc, total=total, unit=unit, file=sys.stderr, leave=False)


@dataclass(frozen=True, slots=True)
class LoadSummary:
    """One loader's counts: rows read, loaded (read − rejected), merged (nodes of its
    own that the store already held, from this or another dataset), rejected,
    unresolved (loaded, but something in the row could not be matched)."""

    loader: str
    file: str
    rows_in: int
    loaded: int
    merged: int
    rejected: int
    unresolved: int
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows_in / self.seconds if self.seconds > 0 else 0.0


def _own_nodes(output: LoaderOutput) -> list[str]:
    """The nodes a batch carries data for: minimal nodes (no properties), which a
    loader includes only so that its relations never dangle, are not counted."""
    return [n.id for n in output.batch.nodes if n.props]


def summarise(
    output: LoaderOutput,
    *,
    file: str,
    existing: Iterable[str] = (),
    seconds: float = 0.0,
) -> LoadSummary:
    """The summary of an output; `existing` are the ids the store held before."""
    held = set(existing)
    own = set(_own_nodes(output))
    return LoadSummary(
        loader=output.batch.provenance.source,
        file=file,
        rows_in=output.rows_in,
        loaded=output.rows_in - len(output.rejected),
        merged=len(own & held),
        rejected=len(output.rejected),
        unresolved=len(output.unresolved),
        seconds=seconds,
    )


def existing_ids(store: GraphStore, ids: Iterable[str]) -> set[str]:
    """The ids among `ids` that `store` already holds.

    On the embedded store, one SPARQL query per thousand ids; on any other
    backend, one `node` lookup per id.
    """
    wanted = list(dict.fromkeys(ids))
    if not isinstance(store, OxigraphStore):
        return {i for i in wanted if store.node(i) is not None}
    found: set[str] = set()
    for start in range(0, len(wanted), 1_000):
        chunk = wanted[start : start + 1_000]
        values = " ".join(f"<{iri(i)}>" for i in chunk)
        rows = store.query(f"SELECT DISTINCT ?s WHERE {{ VALUES ?s {{ {values} }} ?s a ?kind }}")
        found.update(node_id(row["s"].value) for row in rows)
    return found


def write(store: GraphStore, output: LoaderOutput, *, file: str, started: float | None = None) -> LoadSummary:
    """Upsert `output.batch` into `store` and summarise the load.

    `started` is the `time.perf_counter()` value when parsing began, so the time
    covers parsing and writing; by default only the writing is timed.
    """
    begin = time.perf_counter() if started is None else started
    existing = existing_ids(store, _own_nodes(output))
    store.upsert(output.batch)
    return summarise(output, file=file, existing=existing, seconds=time.perf_counter() - begin)


def run(
    store: GraphStore, make: Callable[[], LoaderOutput], *, file: str
) -> tuple[LoaderOutput, LoadSummary]:
    """Build an output with `make()`, write it, and time the whole."""
    started = time.perf_counter()
    output = make()
    return output, write(store, output, file=file, started=started)


# -- rejected and unresolved rows -----------------------------------------------


@dataclass(frozen=True, slots=True)
class Issue:
    """A rejected or unresolved row, with the loader it came from."""

    loader: str
    status: str  # "rejected" | "unresolved"
    row: Rejection

    def __str__(self) -> str:
        return str(self.row)


def issues(outputs: Iterable[LoaderOutput]) -> list[Issue]:
    """Every rejected then unresolved row of each output, in file order."""
    found: list[Issue] = []
    for output in outputs:
        source = output.batch.provenance.source
        found.extend(Issue(source, "rejected", r) for r in output.rejected)
        found.extend(Issue(source, "unresolved", r) for r in output.unresolved)
    return found


_FIELDS: Final = ("loader", "status", "file", "line", "field", "reason")


def write_issues(path: Path, found: Iterable[Issue]) -> int:
    """Write issues to `path`: JSON lines if it ends in `.jsonl`, else CSV. Returns
    how many were written."""
    records = [
        {
            "loader": i.loader,
            "status": i.status,
            "file": i.row.file,
            "line": i.row.line,
            "field": i.row.field,
            "reason": i.row.reason,
        }
        for i in found
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        if path.suffix == ".jsonl":
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            writer = csv.DictWriter(handle, fieldnames=_FIELDS)
            writer.writeheader()
            writer.writerows(records)
    return len(records)


def print_issues(found: Iterable[Issue], *, stream: IO[str] | None = None) -> None:
    """The rejected rows, then the unresolved ones, one line each:
    `file:line: field: reason`, under a heading with their count."""
    out = stream if stream is not None else sys.stderr
    issues = list(found)
    for status in ("rejected", "unresolved"):
        lines = [i for i in issues if i.status == status]
        if lines:
            print(f"{status} ({len(lines):,}):", file=out)
            for issue in lines:
                print(issue, file=out)


# -- the summary ---------------------------------------------------------------

_COLUMNS: Final = ("loader", "file", "rows in", "loaded", "merged", "rejected", "unresolved", "s", "rows/s")


def summary_table(summaries: Iterable[LoadSummary]) -> str:
    """The summaries as a fixed-width text table, with a total line.

    >>> print(summary_table([LoadSummary("cog-2025", "communes.json", 10, 9, 0, 1, 2, 0.5)]))
    loader    file           rows in  loaded  merged  rejected  unresolved    s  rows/s
    --------  -------------  -------  ------  ------  --------  ----------  ---  ------
    cog-2025  communes.json       10       9       0         1           2  0.5      20
    --------  -------------  -------  ------  ------  --------  ----------  ---  ------
    total                         10       9       0         1           2  0.5      20
    """
    rows = list(summaries)

    def cells(s: LoadSummary) -> list[str]:
        return [
            s.loader,
            s.file,
            f"{s.rows_in:,}",
            f"{s.loaded:,}",
            f"{s.merged:,}",
            f"{s.rejected:,}",
            f"{s.unresolved:,}",
            f"{s.seconds:.1f}",
            f"{s.rows_per_second:,.0f}",
        ]

    total = LoadSummary(
        "total",
        "",
        sum(s.rows_in for s in rows),
        sum(s.loaded for s in rows),
        sum(s.merged for s in rows),
        sum(s.rejected for s in rows),
        sum(s.unresolved for s in rows),
        sum(s.seconds for s in rows),
    )
    body = [cells(s) for s in rows]
    foot = cells(total)
    widths = [max(len(c), *(len(r[i]) for r in [*body, foot])) for i, c in enumerate(_COLUMNS)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.ljust(w) if i < 2 else v.rjust(w) for i, (v, w) in enumerate(zip(values, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(_COLUMNS), rule, *(line(r) for r in body), rule, line(foot)])


def print_summary(summaries: Iterable[LoadSummary], *, stream: IO[str] | None = None) -> None:
    print(summary_table(summaries), file=stream if stream is not None else sys.stderr)
