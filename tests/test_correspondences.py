"""The correspondence tables in data/correspondances/, checked against the real nomenclatures."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from loaders.sources import SHARED_DATA
from queries.correspondences import TABLES_DIR, TableError, correspondences, read_correspondences


def test_every_rome_domaine_and_every_marche_sector_has_naf_divisions() -> None:
    with (SHARED_DATA / "nomenclatures/rome4.csv").open(encoding="utf-8") as f:
        domaines = {row["code_rome"][:3] for row in csv.DictReader(f)}
    tables = correspondences()
    assert set(tables.rome_naf) == domaines
    assert len(domaines) == 110
    assert all(tables.rome_naf[d] for d in domaines)
    assert len(tables.sector_naf) == 154
    assert all(tables.sector_naf.values())


def test_lookups_follow_the_rows_and_the_group_default() -> None:
    tables = correspondences()
    assert tables.naf_divisions_of_rome("rome:F1602") == {"43", "41"}  # électricien: second oeuvre
    assert tables.naf_divisions_of_sector("secteur:nettoyage-de-locaux-16") == {"81"}  # group row
    assert tables.naf_divisions_of_sector("plasturgie") == {"22"}  # own row
    assert tables.sectors_of_cpv("09100000-0") == frozenset()
    assert tables.sectors_of_cpv("77310000") >= {"creation-et-entretien-des-espaces-verts", "apiculture"}
    assert "creation-et-entretien-des-espaces-verts" in tables.sectors_of_naf("naf:81.30Z")


def test_an_unknown_code_names_file_line_and_code(tmp_path: Path) -> None:
    for table in TABLES_DIR.iterdir():
        shutil.copy(table, tmp_path / table.name)
    path = tmp_path / "rome_domaine_naf.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("K22,81", "K22,81;00"), encoding="utf-8")
    with pytest.raises(TableError, match=r"rome_domaine_naf.csv:\d+: unknown NAF division: '00'"):
        read_correspondences(tmp_path)
