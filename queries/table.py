"""A query answer as plain Python values: column names and rows."""

from __future__ import annotations

from dataclasses import dataclass

from graph.model import PropValue

__all__ = ["Table"]

Cell = PropValue | None


@dataclass(frozen=True, slots=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def records(self) -> list[dict[str, Cell]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]
