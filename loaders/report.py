"""What a load reports, computed here and printed by `api/`: progress bars while it
runs, then one `LoadReport` per dataset and its rejected or unresolved rows.

- `progress` wraps a loop in a tqdm bar on stderr, shown only when stderr is a
  terminal (the only output of `loaders`);
- `report_of` completes the report of one written output: file, rows read, own
  nodes the store already held (`merged`), rejected and unresolved rows, time;
- `issues` lists every rejected and unresolved row of a load, with its dataset.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from tqdm import tqdm

from graph.model import LoadReport, Rejection
from loaders.base import LoaderOutput

__all__ = ["Issue", "issues", "own_nodes", "progress", "report_of"]

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


def own_nodes(output: LoaderOutput) -> list[str]:
    """The nodes a batch carries data for: minimal nodes (no properties), which a
    loader includes only so that its relations never dangle, are not counted."""
    return [n.id for n in output.batch.nodes if n.props]


def report_of(
    output: LoaderOutput,
    *,
    file: str,
    merged: int = 0,
    seconds: float = 0.0,
    written: LoadReport | None = None,
) -> LoadReport:
    """The report of an output once written: what the store `written` reports (by
    default, the batch's nodes and relations), completed with the output's rows.
    `merged` counts its own nodes the store held before."""
    batch = output.batch
    report = written or LoadReport(batch.provenance.source, len(batch.nodes), len(batch.edges))
    report.rejected.extend(output.rejected)
    report.unresolved.extend(output.unresolved)
    report.file, report.rows_in, report.merged, report.seconds = file, output.rows_in, merged, seconds
    return report


# -- rejected and unresolved rows -----------------------------------------------


@dataclass(frozen=True, slots=True)
class Issue:
    """A rejected or unresolved row, with the loader it came from."""

    loader: str
    status: str  # "rejected" | "unresolved"
    row: Rejection

    def __str__(self) -> str:
        return str(self.row)


def issues(reports: Iterable[LoadReport]) -> list[Issue]:
    """Every rejected then unresolved row of each report, in file order."""
    found: list[Issue] = []
    for report in reports:
        found.extend(Issue(report.source, "rejected", r) for r in report.rejected)
        found.extend(Issue(report.source, "unresolved", r) for r in report.unresolved)
    return found
