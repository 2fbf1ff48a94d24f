"""SIRENE establishments: merging with the structures, states, sectors, malformed files."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from graph.kinds import CodeKind, OrgKind, PlaceKind, RelKind
from graph.model import Node
from graph.oxigraph_store import OxigraphStore
from loaders.base import LoaderError, LoaderOutput
from loaders.geo import CommuneIndex, commune_index
from loaders.nomenclatures import naf_labels
from loaders.sirene import REQUIRED_COLUMNS, sirene_output
from loaders.sources import SHARED_DATA
from loaders.structures import siret_index, structures_output

SIRENE = SHARED_DATA / "siae" / "sirene-etablissements-siae.csv"


@pytest.fixture(scope="module")
def communes() -> CommuneIndex:
    return commune_index(
        SHARED_DATA / "geo" / "communes.json", SHARED_DATA / "geo" / "communes_centroides.csv"
    )


@pytest.fixture(scope="module")
def naf() -> dict[str, str]:
    return naf_labels(SHARED_DATA / "nomenclatures" / "naf2008.json")


@pytest.fixture(scope="module")
def structures(communes: CommuneIndex) -> LoaderOutput:
    return structures_output(
        SHARED_DATA / "siae" / "structures-emplois-de-linclusion.json", communes=communes
    )


@pytest.fixture(scope="module")
def sirene(structures: LoaderOutput, naf: dict[str, str], communes: CommuneIndex) -> LoaderOutput:
    return sirene_output(
        SIRENE,
        structures=siret_index(structures.batch.nodes),
        naf=naf,
        communes=communes,
        as_of=date(2024, 11, 1),
    )


@pytest.fixture(scope="module")
def store(structures: LoaderOutput, sirene: LoaderOutput) -> Iterator[OxigraphStore]:
    oxi = OxigraphStore()
    oxi.upsert(structures.batch)
    oxi.upsert(sirene.batch)
    yield oxi
    oxi.close()


def test_structure_from_two_sources_stays_one_node(store: OxigraphStore) -> None:
    node = store.node("org:80746931700018-ei")
    assert node is not None
    assert node.sources == ("emplois-de-linclusion", "insee-sirene")
    assert node.kind is OrgKind.EI
    assert node.name == "Baluchon-À table citoyens"
    assert (node.props["state"], node.props["closed"], node.props["address"]) == (
        "active",
        False,
        "Rue Madeleine Odru",
    )
    sectors = [
        e.target for e in store.neighbourhood("org:80746931700018-ei").edges if e.rel is RelKind.IN_SECTOR
    ]
    assert sectors == ["naf:56.21Z"]


def test_mirror_adds_sectors_and_no_company(sirene: LoaderOutput, store: OxigraphStore) -> None:
    assert sirene.rows_in == 3853
    kinds = Counter(n.kind for n in sirene.batch.nodes)
    assert OrgKind.ENTREPRISE not in kinds
    assert (
        sum(v for k, v in kinds.items() if isinstance(k, OrgKind)) == 3853
    )  # 3,841 SIRETs, 12 of them twice
    assert Counter(e.rel for e in sirene.batch.edges) == {RelKind.IN_SECTOR: 3792}
    assert store.counts().nodes["NafSousClasse"] == 170  # the sectors of the SIAE


def test_both_conventions_of_one_siret_get_its_sector(store: OxigraphStore) -> None:
    for structure in ("org:40765547100057-ei", "org:40765547100057-etti"):
        edges = store.neighbourhood(structure).edges
        assert [e.target for e in edges if e.source == structure and e.rel is RelKind.IN_SECTOR] == [
            "naf:78.20Z"
        ]


def test_mirror_rejections_and_unresolved(sirene: LoaderOutput) -> None:
    assert len(sirene.rejected) == 12
    assert str(sirene.rejected[0]) == "sirene-etablissements-siae.csv:3814: siret: doublon de la ligne 2336"
    assert Counter(r.reason for r in sirene.unresolved) == {
        "vide : pas de IN_SECTOR": 60,
        "72.47Z n'est pas une sous-classe NAF rév. 2 : pas de IN_SECTOR": 1,
    }


# -- small files -----------------------------------------------------------------

HEADER = (
    "siren,nic,siret,etatAdministratifEtablissement,activitePrincipaleEtablissement,"
    "nomenclatureActivitePrincipaleEtablissement,denominationUsuelleEtablissement,enseigne1Etablissement,"
    "libelleVoieEtablissement,codePostalEtablissement,libelleCommuneEtablissement,codeCommuneEtablissement,"
    "trancheEffectifsEtablissement"
)
TROYES = CommuneIndex(places={"10387": (PlaceKind.COMMUNE, "Troyes")})
NAF = {
    "78.30Z": "Autre mise à disposition de ressources humaines",
    "43.21A": "Travaux d'installation électrique",
}
BOUTIQUE = Node("org:34267885100045-aci", OrgKind.ACI, "Boutique Boulot", {"siret": "34267885100045"})


def write_csv(path: Path, *lines: str, header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def load(path: Path, structures: dict[str, list[Node]] | None = None) -> LoaderOutput:
    return sirene_output(path, structures=structures or {}, naf=NAF, communes=TROYES, as_of=date(2024, 11, 1))


def test_closed_establishment_is_recorded_closed(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "s.csv",
        "342678851,00045,34267885100045,F,78.30Z,NAFRev2,ASSOC BOUTIQUE BOULOT,,"
        "29 Rue Turenne,10000,TROYES,10387,",
    )
    out = load(path, {"34267885100045": [BOUTIQUE]})
    assert [(n.id, n.kind, n.name, n.props["state"], n.props["closed"]) for n in out.batch.nodes[:1]] == [
        ("org:34267885100045-aci", OrgKind.ACI, "Boutique Boulot", "closed", True)
    ]
    store = OxigraphStore()
    store.upsert(out.batch)
    node = store.node("org:34267885100045-aci")
    assert node is not None and node.props["state"] == "closed"


def test_unknown_siret_becomes_a_company_in_its_commune(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "s.csv",
        "807469317,00018,80746931700018,A,43.21a,NAFRev2,ELEC DE SEINE,Élec de Seine,"
        "Rue de la Cité,10000,TROYES,10387,11",
    )
    out = load(path)
    company, *stubs = out.batch.nodes
    assert company == Node(
        "org:80746931700018",
        OrgKind.ENTREPRISE,
        "Élec de Seine",
        {
            "siret": "80746931700018",
            "siren": "807469317",
            "state": "active",
            "closed": False,
            "size_band": "11",
            "address": "Rue de la Cité",
            "postal_code": "10000",
            "code_insee": "10387",
        },
    )
    assert {(n.id, n.kind) for n in stubs} == {
        ("commune:10387", PlaceKind.COMMUNE),
        ("naf:43.21A", CodeKind.NAF_SOUS_CLASSE),
    }
    assert {(e.rel, e.target) for e in out.batch.edges} == {
        (RelKind.LOCATED_IN, "commune:10387"),
        (RelKind.IN_SECTOR, "naf:43.21A"),
    }
    OxigraphStore().upsert(out.batch)  # loads standalone: no dangling relation


def test_partially_diffusible_establishment_has_no_name_or_address(tmp_path: Path) -> None:
    header = HEADER + ",statutDiffusionEtablissement"
    path = write_csv(
        tmp_path / "s.csv",
        "807469317,00018,80746931700018,A,43.21A,NAFRev2,DUPONT JEAN,,12 rue X,10000,TROYES,10387,,P",
        header=header,
    )
    company = load(path).batch.nodes[0]
    assert company.name == "Établissement 80746931700018"
    assert not {"address", "postal_code"} & set(company.props)


def test_unknown_siret_failing_luhn_is_rejected(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "s.csv", "807469317,00019,80746931700019,A,43.21A,NAFRev2,X,,,10000,TROYES,10387,"
    )
    out = load(path)
    assert [str(r) for r in out.rejected] == ["s.csv:2: siret: 80746931700019 : clé de Luhn fausse"]
    assert list(out.batch.nodes) == []


def test_unknown_state_is_rejected(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "s.csv", "807469317,00018,80746931700018,X,43.21A,NAFRev2,X,,,10000,TROYES,10387,"
    )
    assert [str(r) for r in load(path).rejected] == [
        "s.csv:2: etatAdministratifEtablissement: A ou F attendu, trouvé : 'X'"
    ]


def test_old_nomenclature_code_is_unresolved(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "s.csv", "807469317,00018,80746931700018,A,74.5B,NAFRev1,X,,,10000,TROYES,10387,"
    )
    out = load(path)
    assert [str(r) for r in out.unresolved] == [
        "s.csv:2: activitePrincipaleEtablissement: 74.5B est un code NAFRev1, pas NAF rév. 2 : "
        "pas de IN_SECTOR"
    ]
    assert [n.id for n in out.batch.nodes] == ["org:80746931700018", "commune:10387"]


def test_missing_columns_stop_before_anything(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", "80746931700018,A", header="siret,etatAdministratifEtablissement")
    with pytest.raises(
        LoaderError,
        match=r"s\.csv:1: colonnes manquantes : activitePrincipaleEtablissement, codeCommuneEtablissement, "
        r"trancheEffectifsEtablissement \(trouvé : siret, etatAdministratifEtablissement\)",
    ):
        load(path)


def test_wrong_encoding_stops_before_anything(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    text = HEADER + "\n807469317,00018,80746931700018,A,43.21A,NAFRev2,ÉLEC,,,10000,TROYES,10387,\n"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(LoaderError, match=r"s\.csv:2: pas en UTF-8 \(octet 0xc9\)"):
        load(path)


def test_semicolon_separated_file_with_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    text = (
        HEADER.replace(",", ";")
        + "\n807469317;00018;80746931700018;A;43.21A;NAFRev2;X;;;10000;TROYES;10387;\n"
    )
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert [n.id for n in load(path).batch.nodes][:1] == ["org:80746931700018"]


def test_row_with_a_wrong_number_of_fields_is_rejected_with_its_line(
    tmp_path: Path, communes: CommuneIndex, naf: dict[str, str]
) -> None:
    header = ",".join(REQUIRED_COLUMNS)
    good = {c: "" for c in REQUIRED_COLUMNS} | {
        "siren": "807469317",
        "nic": "00018",
        "siret": "80746931700018",
        "etatAdministratifEtablissement": "A",
    }
    path = tmp_path / "StockEtablissement.csv"
    path.write_text(
        "\n".join([header, ",".join(good[c] for c in REQUIRED_COLUMNS), "807469317,00026,80746931700026"])
        + "\n",
        encoding="utf-8",
    )
    out = sirene_output(path, structures={}, naf=naf, communes=communes)
    assert [str(r) for r in out.rejected] == [
        f"StockEtablissement.csv:3: (ligne): 3 champs, alors que l'en-tête en a {len(REQUIRED_COLUMNS)}"
    ]
    assert out.rows_in == 2
    assert [n.id for n in out.batch.nodes] == ["org:80746931700018"]
