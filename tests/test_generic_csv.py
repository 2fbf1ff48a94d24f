"""The generic import of a user's list of organisations (loaders/generic_csv.py), with
the real commune index built from ../shared/data and the real embedded store."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from graph.kinds import OrgKind, PlaceKind
from graph.model import Node, Provenance, Rejection
from graph.oxigraph_store import OxigraphStore
from loaders.base import LoaderError
from loaders.generic_csv import load_organisations, parse_mapping
from loaders.geo import CommuneIndex, commune_index

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "organisations.csv"
LIST = Provenance("liste-utilisateur", date(2025, 3, 1), title="Liste de test")
FRENCH_MAP = (
    "name=Raison sociale,siret=SIRET,siren=SIREN,address=Adresse,postal_code=Code postal,"
    "commune=Ville,kind=Type"
)


@pytest.fixture(scope="module")
def communes() -> CommuneIndex:
    return commune_index()


def write(tmp_path: Path, text: str, *, name: str = "liste.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_mapping_text_of_the_command_line() -> None:
    assert parse_mapping("name=Raison sociale,siret=SIRET,code_insee=Code commune") == {
        "name": "Raison sociale",
        "siret": "SIRET",
        "code_insee": "Code commune",
    }


def test_documented_example_loads_with_ids_kinds_and_communes(communes: CommuneIndex, tmp_path: Path) -> None:
    out = load_organisations(EXAMPLE, mapping=FRENCH_MAP, provenance=LIST, communes=communes)
    assert out.rejected == [] and out.unresolved == [] and out.rows_in == 6
    with OxigraphStore() as store:
        store.upsert(out.batch)
        orgs = {n.id: (n.kind, n.name) for n in store.subgraph().nodes if n.id.startswith("org:")}
        located = {(e.source, e.target) for e in store.subgraph().edges}
    assert orgs == {
        "org:51234567800019": (OrgKind.ENTREPRISE, "Menuiserie Champenoise"),
        "org:52345678900016": (OrgKind.ENTREPRISE, "Transports de Seine"),
        "org:53456789000015": (OrgKind.ENTREPRISE, "Boulangerie du Marché"),
        "org:44123456700010": (OrgKind.ASSOCIATION, "Atelier des initiatives Aube"),
        "org:211003744": (OrgKind.COLLECTIVITE_COMMUNE, "Commune de Troyes"),
        "org:jardins-partages-de-troyes-10387": (OrgKind.ASSOCIATION, "Jardins partagés de Troyes"),
    }
    assert located == {
        ("org:51234567800019", "commune:10387"),
        ("org:52345678900016", "commune:10323"),
        ("org:53456789000015", "commune:10387"),
        ("org:44123456700010", "commune:10387"),
        ("org:211003744", "commune:10387"),
        ("org:jardins-partages-de-troyes-10387", "commune:10387"),
    }


def test_node_keeps_siret_address_and_website(communes: CommuneIndex) -> None:
    out = load_organisations(
        EXAMPLE, mapping=FRENCH_MAP + ",website=Site web", provenance=LIST, communes=communes
    )
    nodes = {n.id: n for n in out.batch.nodes}
    assert nodes["org:44123456700010"] == Node(
        "org:44123456700010",
        OrgKind.ASSOCIATION,
        "Atelier des initiatives Aube",
        {
            "siret": "44123456700010",
            "siren": "441234567",
            "address": "5 rue Turenne",
            "postal_code": "10000",
            "website": "https://example.org",
        },
    )
    assert nodes["commune:10387"] == Node("commune:10387", PlaceKind.COMMUNE, "Troyes")


def test_commas_and_a_dict_mapping(communes: CommuneIndex, tmp_path: Path) -> None:
    path = write(tmp_path, "nom,siret,insee\nMenuiserie,51234567800019,10387\n")
    out = load_organisations(
        path,
        mapping={"name": "nom", "siret": "siret", "code_insee": "insee"},
        provenance=LIST,
        communes=communes,
    )
    assert [(e.source, e.target) for e in out.batch.edges] == [("org:51234567800019", "commune:10387")]


def test_invalid_siret_is_rejected_with_line_and_column(communes: CommuneIndex, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Raison sociale;SIRET;Ville\n"
        "Menuiserie;51234567800019;Troyes\nFausse;51234567800018;Troyes\nCourte;1234;Troyes\n",
    )
    out = load_organisations(
        path, mapping="name=Raison sociale,siret=SIRET,commune=Ville", provenance=LIST, communes=communes
    )
    assert out.rejected == [
        Rejection("liste.csv", 3, "SIRET", "SIRET invalide '51234567800018' : clé de Luhn fausse"),
        Rejection("liste.csv", 4, "SIRET", "SIRET invalide '1234' : pas 14 chiffres"),
    ]
    assert [n.id for n in out.batch.nodes if n.id.startswith("org:")] == ["org:51234567800019"]


def test_unknown_kind_is_rejected(communes: CommuneIndex, tmp_path: Path) -> None:
    path = write(tmp_path, "nom;type\nLa Forge;Coopérative\n")
    out = load_organisations(path, mapping="name=nom,kind=type", provenance=LIST, communes=communes)
    assert out.rejected == [Rejection("liste.csv", 2, "type", "type inconnu : 'Coopérative'")]


def test_row_without_a_name_is_rejected(communes: CommuneIndex, tmp_path: Path) -> None:
    path = write(tmp_path, "nom;siret\n;51234567800019\n")
    out = load_organisations(path, mapping="name=nom,siret=siret", provenance=LIST, communes=communes)
    assert out.rejected == [Rejection("liste.csv", 2, "nom", "vide : une organisation a besoin d'un nom")]


def test_duplicate_siret_is_rejected(communes: CommuneIndex, tmp_path: Path) -> None:
    path = write(tmp_path, "nom;siret\nA;51234567800019\nB;512 345 678 00019\n")
    out = load_organisations(path, mapping="name=nom,siret=siret", provenance=LIST, communes=communes)
    assert out.rejected == [Rejection("liste.csv", 3, "siret", "doublon de la ligne 2 (org:51234567800019)")]


def test_unresolved_commune_loads_without_location(communes: CommuneIndex, tmp_path: Path) -> None:
    path = write(tmp_path, "nom;cp;ville\nAtelier;10000;Atlantide\n")
    out = load_organisations(
        path, mapping="name=nom,postal_code=cp,commune=ville", provenance=LIST, communes=communes
    )
    assert out.rejected == []
    assert out.unresolved == [
        Rejection(
            "liste.csv", 2, "ville", "aucune commune trouvée pour 10000, Atlantide : chargée sans commune"
        )
    ]
    assert [n.id for n in out.batch.nodes] == ["org:atelier"]
    assert list(out.batch.edges) == []


def test_default_kind_applies_without_a_kind_column(communes: CommuneIndex, tmp_path: Path) -> None:
    path = write(tmp_path, "nom\nLes Amis du Quartier\n")
    out = load_organisations(
        path, mapping="name=nom", provenance=LIST, communes=communes, default_kind=OrgKind.ASSOCIATION
    )
    assert [(n.id, n.kind) for n in out.batch.nodes] == [("org:les-amis-du-quartier", OrgKind.ASSOCIATION)]


def test_wrong_encoding_is_a_loader_error(communes: CommuneIndex, tmp_path: Path) -> None:
    path = write(tmp_path, "Raison sociale;Ville\nBoulangerie Hébert;Troyes\n", encoding="latin-1")
    with pytest.raises(LoaderError, match=r"liste.csv:2: pas en UTF-8 \(octet 0xe9"):
        load_organisations(
            path, mapping="name=Raison sociale,commune=Ville", provenance=LIST, communes=communes
        )


def test_mapped_column_missing_is_a_loader_error(communes: CommuneIndex, tmp_path: Path) -> None:
    path = write(tmp_path, "Raison sociale;Ville\nA;Troyes\n")
    with pytest.raises(LoaderError, match="colonne manquante : SIRET"):
        load_organisations(
            path, mapping="name=Raison sociale,siret=SIRET", provenance=LIST, communes=communes
        )


def test_unknown_field_in_the_mapping_is_a_loader_error(communes: CommuneIndex, tmp_path: Path) -> None:
    path = write(tmp_path, "nom\nA\n")
    with pytest.raises(LoaderError, match="champ\\(s\\) inconnu\\(s\\)"):
        load_organisations(path, mapping="nom=nom", provenance=LIST, communes=communes)
