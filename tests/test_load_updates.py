"""Updates are the normal path of every load (issue 13, item 1): a newer list loaded
through the pipeline the command line uses end-dates what disappeared, keeps former
values, withdraws removed relations; `maillage datasets` lists the datasets and
`maillage drop-dataset` removes one. Proven on both backends, with rows of the real
list of structures (`../shared/data/siae`)."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from graph.neo4j_store import Neo4jStore
from graph.store import GraphStore
from loaders.pipeline import LoadRequest, LoadSource, load
from tests.conftest import AUBE, aube_batch
from tests.small_data import small_geo

runner = CliRunner()

MAPPING = "name=nom,siret=siret,code_insee=code_insee,kind=type"
HEADER = "nom,siret,code_insee,type"
# three structures of the real list (structures-emplois-de-linclusion.json)
BALUCHON = "Baluchon-À table citoyens,80746931700018,93063,EI"
COLLECTERIE = "La Collecterie,75187049400026,93048,ACI"
AINTER = "ASSOC AINTER JOB,33422419300048,01053,AI"


def dated_file(path: Path, lines: list[str], day: date) -> Path:
    """A CSV file whose date (its modification time: a user's file's dataset date) is `day`."""
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    stamp = datetime(day.year, day.month, day.day, 12).timestamp()
    os.utime(path, (stamp, stamp))
    return path


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real communes of the three structures, and nothing else."""
    return small_geo(tmp_path_factory.mktemp("data"), {"93063", "93048", "01053"})


def load_list(store: GraphStore, path: Path, data: Path) -> None:
    request = LoadRequest(
        LoadSource.ORGANISATIONS, path, mapping=MAPPING, dataset="structures-test", data_dir=data
    )
    load(store, request)


def test_structure_absent_from_a_newer_list_is_end_dated_on_the_lists_date(
    store: GraphStore, tmp_path: Path, data: Path
) -> None:
    load_list(
        store, dated_file(tmp_path / "v1.csv", [BALUCHON, COLLECTERIE, AINTER], date(2024, 1, 15)), data
    )
    renamed = COLLECTERIE.replace("La Collecterie", "La Collecterie de Montreuil")
    load_list(store, dated_file(tmp_path / "v2.csv", [BALUCHON, renamed], date(2024, 6, 1)), data)
    closed = store.node("org:33422419300048-ai")
    assert closed is not None
    assert (closed.props["state"], closed.props["closed"], closed.props["closed_on"]) == (
        "closed",
        True,
        date(2024, 6, 1),
    )
    changed = store.node("org:75187049400026-aci")
    assert changed is not None
    assert changed.name == "La Collecterie de Montreuil"
    assert (changed.props["previous_name"], changed.props["name_changed_on"]) == (
        "La Collecterie",
        date(2024, 6, 1),
    )
    kept = store.node("org:80746931700018-ei")
    assert kept is not None and "state" not in kept.props and "previous_name" not in kept.props


def test_reloading_the_same_list_changes_nothing(store: GraphStore, tmp_path: Path, data: Path) -> None:
    path = dated_file(tmp_path / "v1.csv", [BALUCHON, COLLECTERIE], date(2024, 1, 15))
    load_list(store, path, data)
    before = store.dataset("structures-test")
    load_list(store, path, data)
    assert store.dataset("structures-test") == before
    node = store.node("org:75187049400026-aci")
    assert node is not None and sorted(node.props) == ["siren", "siret"]


def clubs_file(path: Path, members: list[str], day: date) -> Path:
    rows = [f"Club de l'Aube,10,{member},membre," for member in members]
    path.write_text("\n".join(["club,departement,siret,role,since", *rows]) + "\n", encoding="utf-8")
    stamp = datetime(day.year, day.month, day.day, 12).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def test_member_removed_from_a_corrected_clubs_file_leaves_the_club(
    store: GraphStore, tmp_path: Path
) -> None:
    store.upsert(aube_batch())
    first = clubs_file(tmp_path / "clubs.csv", ["org:menuiserie", "org:transports"], date(2024, 1, 15))
    request = LoadRequest(LoadSource.CLUBS, first, dataset="clubs-test")
    load(store, request)
    members = {e.source for e in store.dataset("clubs-test").edges if e.rel.value == "MEMBER_OF"}
    assert members == {"org:menuiserie", "org:transports"}
    clubs_file(tmp_path / "clubs.csv", ["org:menuiserie"], date(2024, 6, 1))
    load(store, request)
    members = {e.source for e in store.dataset("clubs-test").edges if e.rel.value == "MEMBER_OF"}
    assert members == {"org:menuiserie"}
    transports = store.node("org:transports")
    assert transports is not None and "state" not in transports.props  # removed from a club, not closed


def test_drop_dataset_removes_what_only_it_states(store: GraphStore, tmp_path: Path, data: Path) -> None:
    store.upsert(aube_batch())
    load_list(store, dated_file(tmp_path / "v1.csv", [BALUCHON, AINTER], date(2024, 1, 15)), data)
    assert store.remove_dataset("structures-test") > 0
    assert [d.source for d in store.datasets()] == [AUBE.source]
    assert store.existing_ids(["org:80746931700018-ei", "org:33422419300048-ai", "org:boutique-boulot"]) == {
        "org:boutique-boulot"
    }
    assert store.remove_dataset("structures-test") == 0


def test_drop_dataset_keeps_the_nodes_another_dataset_states(store: GraphStore, tmp_path: Path) -> None:
    store.upsert(aube_batch())
    load(
        store,
        LoadRequest(LoadSource.CLUBS, clubs_file(tmp_path / "c.csv", ["org:isolee"], date(2024, 1, 15))),
    )
    assert ("org:isolee", "org:club-10") in {(e.source, e.target) for e in store.subgraph().edges}
    store.remove_dataset("c")
    edges = {(e.source, e.rel.value, e.target) for e in store.subgraph().edges}
    assert ("org:isolee", "MEMBER_OF", "org:club-10") not in edges
    assert ("org:menuiserie", "MEMBER_OF", "org:club-10") in edges  # stated by the Aube dataset
    isolee = store.node("org:isolee")
    assert isolee is not None and isolee.sources == (AUBE.source,)


# -- the command line (embedded store) ------------------------------------------------


def test_cli_load_reports_closures_and_datasets_lists_then_drops(tmp_path: Path, data: Path) -> None:
    store = str(tmp_path / "store")
    first = dated_file(tmp_path / "liste.csv", [BALUCHON, COLLECTERIE], date(2024, 1, 15))
    args = ["load", "organisations", str(first), "--map", MAPPING, "--store", store, "--data", str(data)]
    assert runner.invoke(app, args).exit_code == 0
    dated_file(tmp_path / "liste.csv", [BALUCHON], date(2024, 6, 1))
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "liste : 1 organisations absentes de la nouvelle liste, fermées" in result.output
    listed = runner.invoke(app, ["datasets", "--store", store])
    assert listed.exit_code == 0, listed.output
    assert listed.output.splitlines()[2].split() == ["liste", "2024-06-01", "réel", "liste.csv"]
    dropped = runner.invoke(app, ["drop-dataset", "liste", "--store", store])
    assert (dropped.exit_code, dropped.output) == (0, "jeu « liste » supprimé\n")
    again = runner.invoke(app, ["drop-dataset", "liste", "--store", store])
    assert again.exit_code == 1
    assert "aucun jeu « liste » dans le magasin ; jeux : aucun" in again.output


def test_cli_datasets_and_drop_dataset_on_neo4j(neo4j_store: Neo4jStore, tmp_path: Path, data: Path) -> None:
    uri = neo4j_store.address
    first = dated_file(tmp_path / "liste.csv", [BALUCHON, COLLECTERIE], date(2024, 1, 15))
    args = ["load", "organisations", str(first), "--map", MAPPING, "--neo4j", uri, "--data", str(data)]
    assert runner.invoke(app, args).exit_code == 0
    dated_file(tmp_path / "liste.csv", [COLLECTERIE], date(2024, 6, 1))
    result = runner.invoke(app, args)
    assert "liste : 1 organisations absentes de la nouvelle liste, fermées" in result.output
    listed = runner.invoke(app, ["datasets", "--neo4j", uri])
    assert listed.output.splitlines()[2].split() == ["liste", "2024-06-01", "réel", "liste.csv"]
    dropped = runner.invoke(app, ["drop-dataset", "liste", "--neo4j", uri])
    assert (dropped.exit_code, dropped.output) == (0, "jeu « liste » supprimé\n")
    assert neo4j_store.datasets() == []
    assert neo4j_store.existing_ids(["org:80746931700018-ei", "org:75187049400026-aci"]) == set()
