"""How answers are shown on a terminal or written out: table, CSV, JSON."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, time
from enum import StrEnum

from graph.rdf import PREFIXES
from queries.table import Table

__all__ = ["OutputFormat", "render", "compact_iri"]

_COMPACT = sorted(((ns, prefix) for prefix, ns in PREFIXES.items()), key=lambda p: -len(p[0]))


class OutputFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


def compact_iri(value: str) -> str:
    """Shorten an IRI with the project's prefixes.

    >>> compact_iri("https://w3id.org/maillage/ontologie#ACI")
    'mlg:ACI'
    """
    for ns, prefix in _COMPACT:
        if value.startswith(ns):
            return f"{prefix}:{value[len(ns) :]}"
    return value


def _json_default(value: object) -> object:
    """Dates and times in ISO 8601; anything else JSON does not know, as text."""
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    return str(value)


def _text(cell: object, *, compact: bool) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, date | datetime | time):
        return cell.isoformat()
    if isinstance(cell, dict | list):  # nested Cypher values (lists, nodes as maps)
        return json.dumps(cell, ensure_ascii=False, default=_json_default, separators=(", ", ": "))
    if isinstance(cell, str) and compact:
        return compact_iri(cell)
    return str(cell)


def render(table: Table, fmt: OutputFormat = OutputFormat.TABLE, *, truncated: bool = False) -> str:
    """A table as text. The terminal table compacts IRIs and ends with the row count
    (saying when a row limit cut the answer); CSV and JSON keep IRIs whole.

    >>> print(render(Table(("kind", "n"), (("ACI", 2), ("EI", 10)))))
    kind  n
    ────  ──
    ACI   2
    EI    10
    (2 lignes)
    """
    if fmt is OutputFormat.JSON:
        return json.dumps(
            [dict(zip(table.columns, row, strict=True)) for row in table.rows],
            ensure_ascii=False,
            indent=2,
            default=_json_default,
        )
    if fmt is OutputFormat.CSV:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(table.columns)
        writer.writerows([_text(c, compact=False) for c in row] for row in table.rows)
        return out.getvalue()
    cells = [[_text(c, compact=True) for c in row] for row in table.rows]
    widths = [max([len(col), *(len(r[i]) for r in cells)]) for i, col in enumerate(table.columns)]
    line = "  ".join(col.ljust(w) for col, w in zip(table.columns, widths, strict=True))
    rule = "  ".join("─" * w for w in widths)
    body = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    footer = f"({len(cells)} ligne{'s' if len(cells) != 1 else ''}"
    footer += ", tronqué à la limite)" if truncated else ")"
    return "\n".join([line.rstrip(), rule, *body, footer])
