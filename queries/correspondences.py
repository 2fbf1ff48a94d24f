"""Correspondence tables between nomenclatures: ROME jobs → NAF divisions, Marché de
l'inclusion sectors → NAF divisions, CPV divisions → Marché sectors.

The tables are data files in `data/correspondances/` (method and sources in
`docs/correspondances.md`); this module only reads them and answers look-ups.

>>> tables = correspondences()
>>> sorted(tables.naf_divisions_of_rome("K2204"))
['81']
>>> sorted(tables.naf_divisions_of_sector("creation-et-entretien-des-espaces-verts"))
['01', '02', '81']
>>> "nettoyage-de-locaux-16" in tables.sectors_of_cpv("90910000-9")
True
>>> naf_division("naf:56.21Z"), naf_section("56.21Z")
('56', 'I')
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

from loaders.nomenclatures import NAF_SECTIONS
from loaders.sources import SHARED_DATA

__all__ = [
    "TABLES_DIR",
    "Correspondences",
    "TableError",
    "correspondences",
    "naf_division",
    "naf_section",
    "read_correspondences",
]

TABLES_DIR: Final = Path(__file__).resolve().parents[1] / "data" / "correspondances"
ROME_NAF: Final = "rome_domaine_naf.csv"
SECTOR_NAF: Final = "secteur_marche_naf.csv"
CPV_SECTOR: Final = "cpv_division_secteur.csv"
GROUP_PREFIX: Final = "groupe:"


class TableError(ValueError):
    """A correspondence table names a code its nomenclature does not hold."""


@dataclass(frozen=True, slots=True)
class Correspondences:
    """The three tables, resolved: every key maps to codes of the target nomenclature."""

    rome_naf: Mapping[str, frozenset[str]]  # ROME domaine professionnel ("K22") → NAF divisions
    sector_naf: Mapping[str, frozenset[str]]  # Marché sector slug → NAF divisions
    cpv_sectors: Mapping[str, frozenset[str]]  # CPV division ("90") → Marché sector slugs
    sector_group: Mapping[str, str]  # Marché sector slug → its group

    def naf_divisions_of_rome(self, rome: str) -> frozenset[str]:
        """The NAF divisions employing a ROME job (`K2204` or `rome:K2204`)."""
        code = rome.removeprefix("rome:")
        return self.rome_naf.get(code[:3].upper(), frozenset())

    def naf_divisions_of_sector(self, sector: str) -> frozenset[str]:
        return self.sector_naf.get(sector.removeprefix("secteur:"), frozenset())

    def sectors_of_cpv(self, cpv: str) -> frozenset[str]:
        """The Marché sectors able to supply a CPV code (`90910000-9`, `cpv:90910000` or `90`)."""
        digits = cpv.removeprefix("cpv:")[:2]
        return self.cpv_sectors.get(digits, frozenset())

    def sectors_of_naf(self, naf: str) -> frozenset[str]:
        """The Marché sectors whose producers include this NAF code's division."""
        division = naf_division(naf)
        return frozenset(s for s, divisions in self.sector_naf.items() if division in divisions)


def naf_division(naf: str) -> str:
    """The division (two digits) of any NAF code or id.

    >>> naf_division("naf:01.11Z")
    '01'
    """
    return naf.removeprefix("naf:")[:2]


_SECTION_OF: Final[dict[str, str]] = {
    f"{d:02d}": s.letter for s in NAF_SECTIONS for d in range(s.first, s.last + 1)
}


def naf_section(naf: str) -> str | None:
    """The section letter of any NAF code or id, None for an unknown division."""
    return _SECTION_OF.get(naf_division(naf))


def _rows(path: Path) -> Iterable[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        lines = [(i, line) for i, line in enumerate(f, start=1) if line.strip() and not line.startswith("#")]
    reader = csv.DictReader(line for _, line in lines)
    for (number, _), row in zip(lines[1:], reader, strict=True):
        yield number, row


def _codes(text: str) -> list[str]:
    return [c.strip() for c in text.split(";") if c.strip()]


def read_correspondences(
    directory: Path = TABLES_DIR, *, nomenclatures: Path = SHARED_DATA / "nomenclatures"
) -> Correspondences:
    """Read the three tables and check every code against the real nomenclatures.

    Raises `TableError` naming the file, line and code of the first unknown code.
    """
    import json

    divisions = {e["id"] for e in json.loads((nomenclatures / "naf2008.json").read_text("utf-8"))}
    divisions = {d for d in divisions if len(d) == 2}
    with (nomenclatures / "rome4.csv").open(encoding="utf-8", newline="") as f:
        domaines = {row["code_rome"][:3] for row in csv.DictReader(f)}
    with (nomenclatures / "secteurs_marche_inclusion.csv").open(encoding="utf-8", newline="") as f:
        sector_group = {row["slug"]: row["groupe"] for row in csv.DictReader(f)}
    groups = set(sector_group.values())

    def check(file: str, line: int, code: str, known: Iterable[str], what: str) -> str:
        if code not in known:
            raise TableError(f"{file}:{line}: unknown {what}: {code!r}")
        return code

    rome_naf: dict[str, frozenset[str]] = {}
    for line, row in _rows(directory / ROME_NAF):
        key = check(ROME_NAF, line, row["domaine"], domaines, "ROME domaine")
        rome_naf[key] = frozenset(
            check(ROME_NAF, line, d, divisions, "NAF division") for d in _codes(row["naf_divisions"])
        )

    by_key: dict[str, frozenset[str]] = {}
    for line, row in _rows(directory / SECTOR_NAF):
        key = row["cle"]
        if key.startswith(GROUP_PREFIX):
            check(SECTOR_NAF, line, key.removeprefix(GROUP_PREFIX), groups, "Marché group")
        else:
            check(SECTOR_NAF, line, key, sector_group, "Marché sector")
        by_key[key] = frozenset(
            check(SECTOR_NAF, line, d, divisions, "NAF division") for d in _codes(row["naf_divisions"])
        )
    sector_naf = {
        s: by_key.get(s) or by_key.get(GROUP_PREFIX + g, frozenset()) for s, g in sector_group.items()
    }

    def expand(line: int, entry: str) -> set[str]:
        if entry.startswith(GROUP_PREFIX):
            group = check(CPV_SECTOR, line, entry.removeprefix(GROUP_PREFIX), groups, "Marché group")
            return {s for s, g in sector_group.items() if g == group}
        return {check(CPV_SECTOR, line, entry, sector_group, "Marché sector")}

    cpv_sectors: dict[str, frozenset[str]] = {}
    for line, row in _rows(directory / CPV_SECTOR):
        division = row["cpv_division"]
        if len(division) != 2 or not division.isdigit():
            raise TableError(f"{CPV_SECTOR}:{line}: not a CPV division: {division!r}")
        cpv_sectors[division] = frozenset(s for e in _codes(row["secteurs"]) for s in expand(line, e))
    return Correspondences(rome_naf, sector_naf, cpv_sectors, sector_group)


@cache
def correspondences() -> Correspondences:
    """The repository's tables, read once."""
    return read_correspondences()
