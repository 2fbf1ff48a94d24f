"""Loads that are whole, bounded and explained (issue 13, items 4, 5, 6 and 8): every
file of a load is read and checked before anything is written; a mostly-garbage file
stops the load; each mistake a user makes is one French line. Real files, copied and
corrupted in a temporary folder."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from graph.oxigraph_store import OxigraphStore
from loaders.sources import SHARED_DATA
from tests.conftest import AUBE, aube_batch
from tests.small_data import small_geo, symlinked_mirror

runner = CliRunner()

SIRENE = "siae/sirene-etablissements-siae.csv"


def aube_store(tmp_path: Path) -> Path:
    path = tmp_path / "store"
    with OxigraphStore(path) as store:
        store.upsert(aube_batch())
    return path


def held(path: Path) -> tuple[list[str], int]:
    """The datasets and the number of stated quads of the store at `path`."""
    with OxigraphStore(path) as store:
        return [d.source for d in store.datasets()], len(store)


def test_bad_byte_in_the_sirene_file_of_load_reel_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    mirror = symlinked_mirror(tmp_path / "data", copied=[SIRENE])
    sirene = mirror / SIRENE
    raw = bytearray(sirene.read_bytes())
    at = raw.index(b"\n", 200_000) + 5
    raw[at] = 0xFF  # not UTF-8
    sirene.write_bytes(bytes(raw))
    line = raw[:at].count(b"\n") + 1
    store = aube_store(tmp_path)
    before = held(store)
    result = runner.invoke(app, ["load", "reel", "--data", str(mirror), "--store", str(store)])
    assert result.exit_code == 1
    last = result.output.splitlines()[-1]
    assert last == (
        f"erreur : {sirene}:{line}: pas en UTF-8 (octet 0xff) ; réencoder le fichier en UTF-8 ; "
        "rien n'a été écrit"
    )
    # the summary of what was read before the bad file
    assert any(
        row.split()[:2] == ["emplois-de-linclusion", "emplois-de-linclusion"]
        for row in result.output.splitlines()
    )
    assert held(store) == before


def garbage_lines(count: int, seed: int = 13) -> list[str]:
    rng = random.Random(seed)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 ,;'-éèàç"
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(5, 60))) for _ in range(count)]


def test_a_mostly_garbage_file_stops_before_writing_with_the_whole_list_in_the_report(tmp_path: Path) -> None:
    data = small_geo(tmp_path / "data", {"93063", "93048"})
    path = tmp_path / "liste.csv"
    real = ["Baluchon-À table citoyens,80746931700018,93063", "La Collecterie,75187049400026,93048"]
    path.write_text("\n".join(["nom,siret,code_insee", *real, *garbage_lines(400)]) + "\n", encoding="utf-8")
    store = aube_store(tmp_path)
    before = held(store)
    report = tmp_path / "rapport.csv"
    args = ["load", "organisations", str(path), "--map", "name=nom,siret=siret,code_insee=code_insee"]
    result = runner.invoke(app, [*args, "--store", str(store), "--data", str(data), "--report", str(report)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    with report.open(encoding="utf-8", newline="") as handle:
        rejected = sum(1 for row in csv.DictReader(handle) if row["status"] == "rejected")
    assert rejected > 200
    assert lines[-1] == (
        f"erreur : liste.csv : {rejected:,} lignes rejetées sur 402, au-delà du plafond d'erreurs "
        "(100 lignes et 50% du fichier) ; rien n'a été écrit"
    )
    assert f"… et {rejected - 20:,} autres (liste complète dans {report})" in lines
    unresolved = len(report.read_text(encoding="utf-8").splitlines()) - 1 - rejected
    assert unresolved < 20
    assert sum(1 for line in lines if line.startswith("liste.csv:")) == 20 + unresolved
    assert held(store) == before


def test_error_ceiling_is_a_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILLAGE_MAX_REJECTED", "1000")
    data = small_geo(tmp_path / "data", {"93063"})
    path = tmp_path / "liste.csv"
    path.write_text("\n".join(["nom,siret,code_insee", *garbage_lines(400)]) + "\n", encoding="utf-8")
    args = ["load", "organisations", str(path), "--map", "name=nom,siret=siret,code_insee=code_insee"]
    result = runner.invoke(app, [*args, "--store", str(tmp_path / "store"), "--data", str(data)])
    assert result.exit_code == 0, result.output


# -- one French line instead of a traceback (item 6) -----------------------------------


def one_error_line(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    (line,) = result.output.splitlines()
    return line


def test_bad_toml_given_to_load_guide(tmp_path: Path) -> None:
    guide = tmp_path / "guide.toml"
    guide.write_text("[source\ntitle = 1\n", encoding="utf-8")
    line = one_error_line(["load", "guide", str(guide), "--store", str(tmp_path / "store")])
    assert line == (
        f"erreur : {guide}: TOML invalide : Expected ']' at the end of a table declaration "
        "(at line 1, column 8) ; rien n'a été écrit"
    )


def test_a_file_given_to_load_synthetique(tmp_path: Path) -> None:
    line = one_error_line(["load", "synthetique", str(SHARED_DATA / SIRENE), "--store", str(tmp_path / "s")])
    assert line == f"erreur : « synthetique » attend un dossier, pas un fichier : {SHARED_DATA / SIRENE}"
    assert not (tmp_path / "s").exists()


def test_export_to_a_missing_folder_is_refused_before_exporting(tmp_path: Path) -> None:
    store = aube_store(tmp_path)
    out = tmp_path / "absent" / "graphe.ttl"
    assert one_error_line(["export", str(out), "--store", str(store)]) == (
        f"erreur : dossier introuvable : {tmp_path / 'absent'}"
    )


def test_unwritable_report_is_refused_before_loading(tmp_path: Path) -> None:
    store = aube_store(tmp_path)
    before = held(store)
    report = tmp_path / "absent" / "rapport.csv"
    line = one_error_line(["load", "guide", "--store", str(store), "--report", str(report)])
    assert line == f"erreur : --report : dossier introuvable : {tmp_path / 'absent'}"
    assert held(store) == before


def test_binary_file_is_one_short_line(tmp_path: Path) -> None:
    binary = tmp_path / "clubs.csv"
    binary.write_bytes(b"club,departement,siret,role,since\n" + bytes(range(256)) * 40)
    line = one_error_line(["load", "clubs", str(binary), "--store", str(tmp_path / "store")])
    assert (
        line == f"erreur : {binary}:3: pas en UTF-8 (octet 0x80) ; réencoder le fichier en UTF-8 ; "
        "rien n'a été écrit"
    )


def test_stats_on_a_mistyped_store_creates_nothing(tmp_path: Path) -> None:
    typo = tmp_path / "magsin"
    line = one_error_line(["stats", "--store", str(typo)])
    assert (
        line == f"erreur : aucun magasin dans {typo} : lancer d'abord « maillage load » ou « maillage demo »"
    )
    assert not typo.exists()


# -- small cases (item 8) -------------------------------------------------------------


def test_ragged_rows_count_as_read_and_rejected(tmp_path: Path) -> None:
    clubs = tmp_path / "clubs.csv"
    clubs.write_text(
        "club,departement,siret,role,since\nX,10,org:a\nY,10,org:b,membre,,extra,more\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["load", "clubs", str(clubs), "--store", str(aube_store(tmp_path))])
    assert result.exit_code == 0, result.output
    row = next(line.split() for line in result.output.splitlines() if line.startswith("clubs "))
    assert row[:6] == ["clubs", "clubs.csv", "2", "0", "0", "2"]  # read, loaded, merged, rejected


def test_unclosed_quote_is_reported_on_the_line_it_opens(tmp_path: Path) -> None:
    clubs = tmp_path / "clubs.csv"
    rows = [
        "Club de l'Aube,10,org:menuiserie,membre,",
        "\"Club de l'Aube,10,org:transports,membre,",
        "Z,10,x,membre,",
    ]
    clubs.write_text("\n".join(["club,departement,siret,role,since", *rows]) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["load", "clubs", str(clubs), "--store", str(aube_store(tmp_path))])
    assert result.exit_code == 0, result.output
    assert (
        "clubs.csv:3: (ligne): un guillemet ouvert sur cette ligne n'est jamais fermé : la suite du fichier "
        "a été lue comme une seule valeur"
    ) in result.output.splitlines()
    assert AUBE.source  # the fixture store held the members the first row names


def test_a_clubs_file_before_what_it_names_is_refused_saying_what_to_load_first(tmp_path: Path) -> None:
    clubs = tmp_path / "clubs.csv"
    rows = ["Club de l'Aube,10,34267885100045,leader,2019", "Club de l'Aube,10,80746931700018,membre,"]
    clubs.write_text("\n".join(["club,departement,siret,role,since", *rows]) + "\n", encoding="utf-8")
    store = tmp_path / "store"
    result = runner.invoke(app, ["load", "clubs", str(clubs), "--store", str(store)])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        "erreur : clubs.csv : aucune de ses 2 lignes ne nomme une organisation ou un lieu que le magasin "
        "connaît : charger d'abord ce qu'il nomme (« maillage load reel » pour les structures et les lieux "
        "réels, puis le fichier des entreprises) ; rien n'a été écrit"
    )
    assert held(store) == ([], 0)
