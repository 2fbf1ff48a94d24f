"""CPV divisions: the table `data/cpv-divisions.csv` (45 two-digit divisions of the
Common Procurement Vocabulary with their French labels; source in
`data/cpv-divisions.md`) and the division of a CPV code as DECP sources write it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Final

from graph.kinds import CodeKind
from graph.model import Batch, Node, Provenance
from loaders.base import LoaderError, LoaderOutput
from loaders.sources import open_csv

__all__ = ["CPV_DIVISIONS", "cpv_division_of", "cpv_divisions", "cpv_output"]

CPV_DIVISIONS: Final = Path(__file__).resolve().parents[1] / "data" / "cpv-divisions.csv"
_CODE: Final = re.compile(r"^(\d{7,8})(?:-\d)?$")


def cpv_divisions(path: Path = CPV_DIVISIONS) -> dict[str, str]:
    """Division code (two digits) → French label."""
    source = open_csv(path, required=("division", "label"))
    table = {row["division"]: row["label"] for _, row in source}
    bad = [code for code in table if not re.fullmatch(r"\d{2}", code)]
    if bad or source.malformed:
        raise LoaderError(f"{path}: lignes de division mal formées : {bad or source.malformed}")
    return table


def cpv_division_of(code: str, divisions: Mapping[str, str]) -> tuple[str | None, str]:
    """The division of a CPV code as given, and what went wrong ("" when nothing).

    Codes are eight digits, with or without their check digit (`50700000-2`); seven
    digits are an eight-digit code whose leading zero was lost (`9132100`).

    >>> table = {"09": "Produits pétroliers", "45": "Travaux de construction"}
    >>> cpv_division_of("45314000", table), cpv_division_of("9132100", table)
    (('45', ''), ('09', 'zéro initial rétabli : 09132100'))
    >>> cpv_division_of("4531", table)
    (None, 'pas un code CPV : 4531')
    """
    text = code.strip()
    if not text:
        return None, "aucun code CPV"
    found = _CODE.match(text)
    if found is None:
        return None, f"pas un code CPV : {text}"
    digits = found.group(1)
    note = ""
    if len(digits) == 7:
        digits = "0" + digits
        note = f"zéro initial rétabli : {digits}"
    if digits[:2] not in divisions:
        return None, f"division CPV inconnue : {digits[:2]} (code {text})"
    return digits[:2], note


def cpv_output(path: Path = CPV_DIVISIONS) -> LoaderOutput:
    """The divisions as `cpv:DD` nodes of kind `CpvDivision` (dataset `cpv-2008`)."""
    table = cpv_divisions(path)
    provenance = Provenance(
        "cpv-2008",
        date(2008, 3, 15),
        title="Vocabulaire commun pour les marchés publics (CPV 2008), divisions",
    )
    nodes = [
        Node(f"cpv:{code}", CodeKind.CPV_DIVISION, label, {"code": code}) for code, label in table.items()
    ]
    return LoaderOutput(Batch(provenance, nodes), len(table))
