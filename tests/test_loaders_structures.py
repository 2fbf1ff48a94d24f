"""The structures loader on the real mirror, and each rejection reason on small inline files."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from graph.kinds import OrgKind, PlaceKind, RelKind
from graph.oxigraph_store import OxigraphStore
from loaders.base import LoaderError, LoaderOutput
from loaders.geo import CommuneIndex, commune_index
from loaders.sources import SHARED_DATA, read_json_array
from loaders.structures import StructureRow, siret_index, structure_row, structures_output
from loaders.update import apply_update, dataset, dataset_nodes, plan_update

STRUCTURES = SHARED_DATA / "siae" / "structures-emplois-de-linclusion.json"


@pytest.fixture(scope="module")
def communes() -> CommuneIndex:
    return commune_index(
        SHARED_DATA / "geo" / "communes.json", SHARED_DATA / "geo" / "communes_centroides.csv"
    )


@pytest.fixture(scope="module")
def output(communes: CommuneIndex) -> LoaderOutput:
    return structures_output(STRUCTURES, communes=communes)


@pytest.fixture(scope="module")
def store(output: LoaderOutput) -> Iterator[OxigraphStore]:
    """The structures alone in an empty store: they load without the geography."""
    oxi = OxigraphStore()
    oxi.upsert(output.batch)
    yield oxi
    oxi.close()


# -- the real mirror -----------------------------------------------------------


def test_structures_by_kind_equal_the_source(store: OxigraphStore) -> None:
    counts = store.counts().nodes
    by_kind = {k: counts.get(k.value, 0) for k in OrgKind.inclusive_employers() if counts.get(k.value)}
    assert by_kind == {
        OrgKind.ACI: 1815,
        OrgKind.EI: 944,
        OrgKind.AI: 620,
        OrgKind.ETTI: 299,
        OrgKind.GEIQ: 172,
        OrgKind.EA: 3,
    }
    assert sum(by_kind.values()) == 3853


def test_no_structure_is_lost(output: LoaderOutput) -> None:
    source_ids = {row["id"] for _, row in read_json_array(STRUCTURES)}
    loaded = {n.props["source_id"] for n in output.batch.nodes if isinstance(n.kind, OrgKind)}
    assert output.rows_in == 3853
    assert output.rejected == []
    assert loaded == source_ids


def test_every_structure_is_located(output: LoaderOutput) -> None:
    located = [e for e in output.batch.edges if e.rel is RelKind.LOCATED_IN]
    assert len(located) == 3853
    assert Counter(e.attrs.get("method", "insee") for e in located) == {
        "insee": 3820,
        "departement+name": 27,
        "centroid": 6,
    }


def test_the_33_missing_insee_codes_are_reported_and_still_load(output: LoaderOutput) -> None:
    missing = [r for r in output.unresolved if r.field == "code_insee"]
    assert len(missing) == 33
    assert all(r.reason.startswith("absent ; résolu ") for r in missing)
    assert Counter(r.reason.split(" en commune:")[0] for r in missing) == {
        "absent ; résolu par nom dans le département du code postal": 27,
        "absent ; résolu par le centroïde le plus proche (0.293 km)": 1,
        "absent ; résolu par le centroïde le plus proche (0.974 km)": 1,
        "absent ; résolu par le centroïde le plus proche (1.817 km)": 1,
        "absent ; résolu par le centroïde le plus proche (1.821 km)": 1,
        "absent ; résolu par le centroïde le plus proche (1.846 km)": 1,
        "absent ; résolu par le centroïde le plus proche (2.363 km)": 1,
    }
    first = missing[0]
    assert (first.file, first.line) == ("structures-emplois-de-linclusion.json", 4011)
    assert first.reason == "absent ; résolu par nom dans le département du code postal en commune:85191"


def test_boutique_boulot_is_in_troyes(store: OxigraphStore) -> None:
    around = store.neighbourhood("org:34267885100045-aci")
    node = next(n for n in around.nodes if n.id == "org:34267885100045-aci")
    assert node.kind is OrgKind.ACI
    assert node.name == "ASSOC BOUTIQUE BOULOT"
    assert node.props["code_insee"] == "10387"
    assert node.props["date_maj"] == date(2020, 12, 18)
    assert {(e.rel, e.target) for e in around.edges} == {(RelKind.LOCATED_IN, "commune:10387")}
    assert store.node("commune:10387") is not None
    assert store.node("commune:10387").name == "Troyes"  # type: ignore[union-attr]


def test_arrondissement_codes_locate_in_the_arrondissement(output: LoaderOutput) -> None:
    located = {e.source: e.target for e in output.batch.edges if e.rel is RelKind.LOCATED_IN}
    assert located["org:81028206100029-geiq"] == "arrondissement:69388"
    assert located["org:45086899700013-geiq"] == "arrondissement:13213"
    kinds = {n.id: n.kind for n in output.batch.nodes}
    assert kinds["arrondissement:69388"] is PlaceKind.ARRONDISSEMENT


def test_overseas_collectivity_communes_are_resolved(output: LoaderOutput) -> None:
    located = {e.source: e.target for e in output.batch.edges if e.rel is RelKind.LOCATED_IN}
    assert located["org:41197651700036-ei"] == "commune:97801"  # Saint-Martin


def test_two_conventions_of_one_siret_are_two_nodes_tied_once(output: LoaderOutput) -> None:
    same = [e for e in output.batch.edges if e.rel is RelKind.SAME_ESTABLISHMENT]
    assert len(same) == 12
    assert ("org:40765547100057-ei", "org:40765547100057-etti") in {(e.source, e.target) for e in same}
    assert all(e.source < e.target for e in same)


def test_luhn_failures_load_flagged_and_reported(output: LoaderOutput) -> None:
    flagged = sorted(n.id for n in output.batch.nodes if n.props.get("siret_valid") is False)
    assert len(flagged) == 13
    assert "org:12345678901234-geiq" in flagged
    reported = [r for r in output.unresolved if r.field == "siret"]
    assert len(reported) == 13
    assert str(reported[0]) == (
        "structures-emplois-de-linclusion.json:50390: siret: 50010961600027 : clé de Luhn fausse ; "
        "chargée comme org:50010961600027-etti avec siret_valid = false"
    )


def test_contacts_inside_descriptions_are_redacted(output: LoaderOutput) -> None:
    vestali = next(n for n in output.batch.nodes if n.id == "org:41888954900071-aci")
    text = str(vestali.props["description"])
    assert "Tél: [téléphone]." in text
    assert "Mail: [courriel]" in text
    assert "@" not in text


def test_provenance_is_the_source_and_its_latest_update(output: LoaderOutput) -> None:
    assert output.batch.provenance.source == "emplois-de-linclusion"
    assert output.batch.provenance.date == date(2021, 2, 23)


def test_siret_index_lists_both_conventions(output: LoaderOutput) -> None:
    index = siret_index(output.batch.nodes)
    assert len(index) == 3841
    assert [n.id for n in index["40765547100057"]] == ["org:40765547100057-ei", "org:40765547100057-etti"]


# -- rejections, on small files ------------------------------------------------

TROYES = CommuneIndex(
    places={"10387": (PlaceKind.COMMUNE, "Troyes"), "10323": (PlaceKind.COMMUNE, "Romilly-sur-Seine")},
    by_postal={"10000": ("10387",), "10100": ("10323",)},
    aliases={"10387": frozenset({"troyes"}), "10323": frozenset({"romilly-sur-seine"})},
)


def row(siret: str = "34267885100045", kind: str = "aci", **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "source": "test",
        "id": f"test--{siret}-{kind}",
        "nom": "Boutique Boulot",
        "date_maj": "2024-01-15",
        "siret": siret,
        "commune": "Troyes",
        "code_postal": "10000",
        "code_insee": "10387",
        "adresse": "29 Rue Turenne",
        "reseaux_porteurs": [kind],
    }
    base.update(changes)
    return base


def write_rows(path: Path, rows: list[Any]) -> Path:
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def test_bad_siret_is_rejected_with_its_line_when_strict(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "s.json", [row(), row(siret="34267885100046")])
    out = structures_output(path, communes=TROYES, strict_siret=True)
    assert [n.id for n in out.batch.nodes if isinstance(n.kind, OrgKind)] == ["org:34267885100045-aci"]
    assert [str(r) for r in out.rejected] == ["s.json:16: siret: 34267885100046 : clé de Luhn fausse"]


def test_unknown_kind_is_rejected(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "s.json", [row(), row(kind="emmaus")])
    out = structures_output(path, communes=TROYES)
    assert [str(r) for r in out.rejected] == [
        "s.json:16: reseaux_porteurs: aucun type de structure (emmaus) ; un seul parmi "
        "aci, ei, ai, etti, eiti, geiq, ea, eatt, esat"
    ]


def test_reseau_value_outside_the_schema_is_a_schema_failure(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "s.json", [row(kind="xyz")])
    out = structures_output(path, communes=TROYES)
    assert len(out.rejected) == 1
    assert out.rejected[0].field == "reseaux_porteurs.0"
    assert out.rejected[0].reason.startswith("schéma data·inclusion v1 : doit être l'une des valeurs : ")


def test_schema_failure_is_rejected_with_field(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "s.json", [row(nom="BB"), row(siret="80746931700018", code_postal="1000")])
    out = structures_output(path, communes=TROYES)
    assert [(r.line, r.field) for r in out.rejected] == [(2, "nom"), (16, "code_postal")]
    assert out.rejected[0].reason == "schéma data·inclusion v1 : au moins 3 caractère(s) attendu(s)"
    assert list(out.batch.nodes) == []


def test_missing_siret_is_rejected(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "s.json", [row(siret=None)])
    out = structures_output(path, communes=TROYES)
    assert [str(r) for r in out.rejected] == [
        "s.json:2: siret: absent : une structure conventionnée est identifiée par son SIRET"
    ]


def test_second_row_of_one_convention_is_rejected_as_duplicate(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "s.json", [row(), row()])
    out = structures_output(path, communes=TROYES)
    assert [str(r) for r in out.rejected] == [
        "s.json:16: siret: doublon de la ligne 2 (org:34267885100045-aci)"
    ]


def test_row_that_is_not_an_object_is_rejected(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "s.json", [row(), "oops"])
    out = structures_output(path, communes=TROYES)
    assert [str(r) for r in out.rejected] == ["s.json:16: -: un objet est attendu, trouvé : une chaîne"]


def test_file_that_is_not_json_stops_before_anything(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('[\n {"nom": "Boutique Boulot",}\n]\n', encoding="utf-8")
    with pytest.raises(
        LoaderError, match=r"s\.json:2:28: pas du JSON : nom de propriété entre guillemets doubles attendu"
    ):
        structures_output(path, communes=TROYES)


def test_file_that_is_not_a_list_stops(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(row()), encoding="utf-8")
    with pytest.raises(
        LoaderError, match=r"s\.json:1:1: un tableau JSON d\'objets est attendu, trouvé : un objet"
    ):
        structures_output(path, communes=TROYES)


def test_file_in_the_wrong_encoding_stops(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_bytes(json.dumps([row(nom="Régie de quartier")], ensure_ascii=False).encode("latin-1"))
    with pytest.raises(LoaderError, match=r"s\.json:1: pas en UTF-8 \(octet 0xe9 à la position \d+\)"):
        structures_output(path, communes=TROYES)


def test_contact_fields_are_dropped_even_when_invalid(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "s.json", [row(courriel="not an address", telephone="03 25 00 00 00")])
    out = structures_output(path, communes=TROYES)
    assert out.rejected == []
    node = out.batch.nodes[0]
    assert not {"courriel", "telephone"} & set(node.props)
    assert node.props["address"] == "29 Rue Turenne"


def test_row_resolved_by_postal_code_and_name(tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "s.json", [row(code_insee=None, commune="ROMILLY SUR SEINE", code_postal="10100")]
    )
    out = structures_output(path, communes=TROYES)
    located = [e for e in out.batch.edges if e.rel is RelKind.LOCATED_IN]
    assert [(e.target, dict(e.attrs)) for e in located] == [("commune:10323", {"method": "postal-code+name"})]
    assert [str(r) for r in out.unresolved] == [
        "s.json:2: code_insee: absent ; résolu par code postal et nom en commune:10323"
    ]


def test_row_with_no_commune_found_loads_without_location(tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "s.json", [row(code_insee="99999", commune="Nulle Part", code_postal="99000")]
    )
    out = structures_output(path, communes=TROYES)
    assert [n.id for n in out.batch.nodes] == ["org:34267885100045-aci"]
    assert list(out.batch.edges) == []
    assert [str(r) for r in out.unresolved] == [
        "s.json:2: code_insee: 99999 n'est pas une commune actuelle ; aucune commune trouvée "
        "par code postal, nom ou coordonnées : chargée sans LOCATED_IN"
    ]


def test_other_reseaux_are_kept_beside_the_kind() -> None:
    result = structure_row(row(reseaux_porteurs=["aci", "emmaus"]), file="f", line=1)
    assert isinstance(result, StructureRow)
    assert result.node.kind is OrgKind.ACI
    assert result.node.props["reseaux"] == "emmaus"


# -- update semantics ----------------------------------------------------------
#
# Each version of the list is loaded with its own date, and the update dated by it.

LIST_DATE = date(2024, 1, 15)


def load_version(store: OxigraphStore, path: Path, *, as_of: date) -> LoaderOutput:
    new = structures_output(path, communes=TROYES, as_of=as_of)
    held = dataset(store, "test")
    update = apply_update(held.nodes, new, as_of=as_of, previous_edges=held.edges)
    store.upsert(update.batch)
    return update


def test_structure_missing_from_a_newer_list_is_end_dated_not_deleted(tmp_path: Path) -> None:
    store = OxigraphStore()
    first = write_rows(tmp_path / "v1.json", [row(), row(siret="80746931700018", kind="ei", nom="Baluchon")])
    second = write_rows(tmp_path / "v2.json", [row()])
    load_version(store, first, as_of=date(2024, 1, 15))
    load_version(store, second, as_of=date(2024, 6, 1))
    closed = store.node("org:80746931700018-ei")
    assert closed is not None
    assert closed.name == "Baluchon"
    assert (closed.props["state"], closed.props["closed"], closed.props["closed_on"]) == (
        "closed",
        True,
        date(2024, 6, 1),
    )
    still = store.node("org:34267885100045-aci")
    assert still is not None and "state" not in still.props
    assert ("org:80746931700018-ei", "LOCATED_IN", "commune:10387", "") in {
        e.ident for e in store.subgraph().edges
    }


def test_changed_field_is_updated_and_its_former_value_kept(tmp_path: Path) -> None:
    store = OxigraphStore()
    load_version(store, write_rows(tmp_path / "v1.json", [row()]), as_of=date(2024, 1, 15))
    moved = row(adresse="3 Place de la Libération", nom="Boutique Boulot Troyes", date_maj="2024-05-02")
    load_version(store, write_rows(tmp_path / "v2.json", [moved]), as_of=date(2024, 6, 1))
    node = store.node("org:34267885100045-aci")
    assert node is not None
    assert node.name == "Boutique Boulot Troyes"
    history = {k: v for k, v in node.props.items() if k.startswith("previous_") or k.endswith("_changed_on")}
    assert history == {
        "previous_address": "29 Rue Turenne",
        "address_changed_on": date(2024, 6, 1),
        "previous_name": "Boutique Boulot",
        "name_changed_on": date(2024, 6, 1),
        "previous_date_maj": date(2024, 1, 15),
        "date_maj_changed_on": date(2024, 6, 1),
    }
    assert node.props["address"] == "3 Place de la Libération"


def test_structure_back_in_a_later_list_is_reopened_with_its_closure_in_history(tmp_path: Path) -> None:
    store = OxigraphStore()
    both = [row(), row(siret="80746931700018", kind="ei", nom="Baluchon")]
    load_version(store, write_rows(tmp_path / "v1.json", both), as_of=date(2024, 1, 15))
    load_version(store, write_rows(tmp_path / "v2.json", [row()]), as_of=date(2024, 6, 1))
    load_version(store, write_rows(tmp_path / "v3.json", both), as_of=date(2024, 9, 1))
    node = store.node("org:80746931700018-ei")
    assert node is not None
    assert "state" not in node.props
    assert node.props["previous_state"] == "closed"
    assert node.props["previous_closed_on"] == date(2024, 6, 1)
    assert node.props["state_changed_on"] == date(2024, 9, 1)


def test_update_only_end_dates_organisations_of_its_own_dataset(tmp_path: Path) -> None:
    store = OxigraphStore()
    load_version(store, write_rows(tmp_path / "v1.json", [row()]), as_of=date(2024, 1, 15))
    own = dataset_nodes(store, "test")
    assert {n.id for n in own} == {"org:34267885100045-aci", "commune:10387"}
    empty = structures_output(
        write_rows(tmp_path / "v2.json", []), communes=TROYES, dataset="test", as_of=LIST_DATE
    )
    plan = apply_update(own, empty, as_of=date(2024, 6, 1))
    assert [(n.id, n.props["state"]) for n in plan.batch.nodes] == [("org:34267885100045-aci", "closed")]


def test_newer_list_with_a_newer_date_can_be_written(tmp_path: Path) -> None:
    store = OxigraphStore()
    store.upsert(structures_output(write_rows(tmp_path / "v1.json", [row()]), communes=TROYES).batch)
    newer = structures_output(write_rows(tmp_path / "v2.json", [row(date_maj="2024-06-01")]), communes=TROYES)
    store.upsert(plan_update(store, newer).batch)
    node = store.node("org:34267885100045-aci")
    assert node is not None and node.props["previous_date_maj"] == date(2024, 1, 15)
