"""How a load is shown: its rejected and unresolved rows on the console or in a file,
and its reports as a summary table (computed by loaders.pipeline and loaders.report)."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Final

from graph.model import LoadReport
from loaders.report import Issue

__all__ = ["print_closed", "print_issues", "print_summary", "summary_table", "write_issues"]

_FIELDS: Final = ("loader", "status", "file", "line", "field", "reason")
SHOWN_ISSUES: Final = 20  # console lines a status, at most: the report file has them all
LINE_WIDTH: Final = 200


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


def print_issues(
    found: Iterable[Issue],
    *,
    stream: IO[str] | None = None,
    shown: int = SHOWN_ISSUES,
    report: Path | None = None,
) -> None:
    """The rejected rows, then the unresolved ones, one line each:
    `file:line: field: reason` (cut to `LINE_WIDTH` characters), under a heading with
    their count; past `shown` lines of a status, one line says how many more there are
    and where the whole list is (`report`, or the option that writes it)."""
    out = stream if stream is not None else sys.stderr
    issues = list(found)
    for status in ("rejected", "unresolved"):
        lines = [i for i in issues if i.status == status]
        if not lines:
            continue
        print(f"{_STATUS[status]} ({len(lines):,}) :", file=out)
        for issue in lines[:shown]:
            print(_cut(str(issue)), file=out)
        if len(lines) > shown:
            where = f"liste complète dans {report}" if report is not None else "liste complète avec --report"
            print(f"… et {len(lines) - shown:,} autres ({where})", file=out)


def print_closed(reports: Iterable[LoadReport], *, stream: IO[str] | None = None) -> None:
    """One line a dataset whose update end-dated organisations absent from the newer list."""
    out = stream if stream is not None else sys.stderr
    for report in reports:
        if report.closed:
            closed = f"{report.closed:,} organisations absentes de la nouvelle liste, fermées"
            print(f"{report.source} : {closed}", file=out)


def _cut(line: str) -> str:
    """A console line no longer than `LINE_WIDTH` (a binary file's garbage stays short).

    >>> _cut("x" * 300)[-12:], len(_cut("x" * 300)), _cut("court")
    ('xxx… (coupé)', 200, 'court')
    """
    marker = "… (coupé)"
    return line if len(line) <= LINE_WIDTH else line[: LINE_WIDTH - len(marker)] + marker


_STATUS: Final = {"rejected": "rejetées", "unresolved": "non résolues"}

# -- the summary (rows: read, loaded, own nodes already held, rejected, unresolved) --

_COLUMNS: Final = (
    "jeu",
    "fichier",
    "lues",
    "chargées",
    "fusionnés",
    "rejetées",
    "non résolues",
    "s",
    "lignes/s",
)


def summary_table(summaries: Iterable[LoadReport]) -> str:
    """The summaries as a fixed-width text table, with a total line.

    >>> from graph.model import Rejection
    >>> no = Rejection("communes.json", 3, "code", "absent ou vide")
    >>> r = LoadReport("cog-2025", rejected=[no], unresolved=[no, no], file="communes.json")
    >>> r.rows_in, r.seconds = 10, 0.5
    >>> print(summary_table([r]))
    jeu       fichier        lues  chargées  fusionnés  rejetées  non résolues    s  lignes/s
    --------  -------------  ----  --------  ---------  --------  ------------  ---  --------
    cog-2025  communes.json    10         9          0         1             2  0.5        20
    --------  -------------  ----  --------  ---------  --------  ------------  ---  --------
    total                      10         9          0         1             2  0.5        20
    """
    rows = list(summaries)

    def cells(s: LoadReport) -> list[str]:
        return [
            s.source,
            s.file,
            f"{s.rows_in:,}",
            f"{s.loaded:,}",
            f"{s.merged:,}",
            f"{len(s.rejected):,}",
            f"{len(s.unresolved):,}",
            f"{s.seconds:.1f}",
            f"{s.rows_per_second:,.0f}",
        ]

    total = LoadReport(
        "total",
        rejected=[r for s in rows for r in s.rejected],
        unresolved=[r for s in rows for r in s.unresolved],
        rows_in=sum(s.rows_in for s in rows),
        merged=sum(s.merged for s in rows),
        seconds=sum(s.seconds for s in rows),
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


def print_summary(summaries: Iterable[LoadReport], *, stream: IO[str] | None = None) -> None:
    print(summary_table(summaries), file=stream if stream is not None else sys.stderr)
