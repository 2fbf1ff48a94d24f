"""Partnerships (format `partenariats`). See docs/formats.md."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from graph.kinds import PartnershipForm, PartnershipType, RelKind
from graph.model import Edge, PropValue, Provenance
from loaders.base import LoaderOutput
from loaders.formats.common import (
    KnownNodes,
    Table,
    _Collector,
    _required,
    _resolve,
    _RowError,
    _sort_key,
    _when,
    read_table,
)

__all__ = ["PARTNERSHIP_COLUMNS", "load_partnerships", "partnerships_batch"]

PARTNERSHIP_COLUMNS: Final = ("from", "to", "form", "subtype", "start", "end", "source")


def load_partnerships(path: Path | str, *, provenance: Provenance, known: KnownNodes) -> LoaderOutput:
    """Partnerships between two organisations: one row a partnership.

    Columns: from, to (SIRETs or ids), form (optional, a `PartnershipForm`; must be
    the form of the subtype), subtype (a `PartnershipType`), start, end, source (where
    the partnership is known from). Writes `PARTNER_OF` keyed by subtype, with
    attributes type, form, since (the start), until (the end) and reference.
    """
    return partnerships_batch(
        read_table(path, required=PARTNERSHIP_COLUMNS), provenance=provenance, known=known
    )


def partnerships_batch(table: Table, *, provenance: Provenance, known: KnownNodes) -> LoaderOutput:
    out = _Collector(table)
    forms = {f.value for f in PartnershipForm}
    subtypes = {t.value for t in PartnershipType}
    for line, row in out.table.rows:
        try:
            subtype_text = _required(row, "subtype").lower()
            if subtype_text not in subtypes:
                raise _RowError("subtype", f"sous-type de partenariat inconnu : {row['subtype']!r}")
            subtype = PartnershipType(subtype_text)
            form_text = row["form"].lower()
            if form_text and form_text not in forms:
                raise _RowError("form", f"forme de partenariat inconnue : {row['form']!r}")
            if form_text and form_text != subtype.form.value:
                raise _RowError(
                    "form", f"{subtype.value} relève de la forme {subtype.form.value}, pas de {form_text}"
                )
            start, end = _when(row, "start"), _when(row, "end")
            if start is not None and end is not None and _sort_key(end) < _sort_key(start):
                raise _RowError("end", f"finit ({row['end']}) avant de commencer ({row['start']})")
            sources = _resolve(known, row["from"], "from")
            targets = _resolve(known, row["to"], "to")
            if set(sources) & set(targets):
                raise _RowError("to", "une organisation ne peut pas être sa propre partenaire")
            attrs: dict[str, PropValue] = {"type": subtype.value, "form": subtype.form.value}
            if start is not None:
                attrs["since"] = start
            if end is not None:
                attrs["until"] = end
            if row["source"]:
                attrs["reference"] = row["source"]
            edges = out.new_edges(
                (Edge(s, RelKind.PARTNER_OF, t, attrs, key=subtype.value) for s in sources for t in targets),
                "to",
            )
        except _RowError as e:
            out.reject(line, e)
            continue
        out.edges.update((e.ident, e) for e in edges)
    return out.output(provenance)
