"""What every loader hands back: a batch to write, and what it could not take."""

from __future__ import annotations

from dataclasses import dataclass, field

from graph.model import Batch, Rejection

__all__ = ["LoaderOutput", "LoaderError"]


class LoaderError(ValueError):
    """A file that cannot be read at all (not JSON, wrong encoding, missing columns).

    Raised before anything is written; the message names the file and the problem.
    """


@dataclass(frozen=True, slots=True)
class LoaderOutput:
    """A parsed, normalised and validated source file.

    `rejected` rows were left out (file, line, field, reason); `unresolved` rows
    were loaded but something in them could not be matched (a commune, a SIRET).
    """

    batch: Batch
    rows_in: int
    rejected: list[Rejection] = field(default_factory=list)
    unresolved: list[Rejection] = field(default_factory=list)
