"""The geography loaders on the real mirror: counts, links, centroids, zones d'emploi,
and the commune resolver."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.kinds import RelKind
from graph.oxigraph_store import OxigraphStore
from graph.rdf import class_kind
from loaders.base import LoaderError, LoaderOutput
from loaders.geo import CommuneIndex, CommuneMatch, cog_output, geography_outputs, normalise_place_name
from loaders.sources import SHARED_DATA

GEO = SHARED_DATA / "geo"


@pytest.fixture(scope="module")
def geography() -> tuple[CommuneIndex, list[LoaderOutput]]:
    return geography_outputs(GEO)


@pytest.fixture(scope="module")
def index(geography: tuple[CommuneIndex, list[LoaderOutput]]) -> CommuneIndex:
    return geography[0]


@pytest.fixture(scope="module")
def cog(geography: tuple[CommuneIndex, list[LoaderOutput]]) -> LoaderOutput:
    return geography[1][0]


@pytest.fixture(scope="module")
def centroids(geography: tuple[CommuneIndex, list[LoaderOutput]]) -> LoaderOutput:
    return geography[1][1]


@pytest.fixture(scope="module")
def store(geography: tuple[CommuneIndex, list[LoaderOutput]]) -> Iterator[OxigraphStore]:
    oxi = OxigraphStore()
    # as `maillage load` writes into an empty store (tests/test_oxigraph_bulk.py proves
    # the bulk path writes what upserts write)
    oxi.bulk_load(output.batch for output in geography[1])
    yield oxi
    oxi.close()


def distinct_links(store: OxigraphStore, rel: RelKind) -> int:
    """Relations of one kind, each counted once whatever the datasets citing it (by SPARQL:
    `counts()` decodes the whole store, which takes seconds on the geography)."""
    rows = store.query(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?o WHERE {{ ?s mlg:{rel.predicate} ?o }} }}"
    )
    return int(next(iter(rows))["n"].value)


def nodes_by_kind(store: OxigraphStore) -> dict[str, int]:
    rows = store.query("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c")
    kinds = {r["c"].value: int(r["n"].value) for r in rows}
    return {kind.value: n for c, n in kinds.items() if (kind := class_kind(c)) is not None}


def test_place_counts(store: OxigraphStore) -> None:
    assert nodes_by_kind(store) == {
        "ArrondissementMunicipal": 45,
        "Commune": 34969,
        "Departement": 101,
        "Epci": 1255,
        "Region": 18,
        "ZoneEmploi": 306,
    }


def test_part_of_links(cog: LoaderOutput, store: OxigraphStore) -> None:
    pairs = Counter((e.source.split(":")[0], e.target.split(":")[0]) for e in cog.batch.edges)
    assert pairs == {
        ("commune", "departement"): 34875,  # every commune but the 94 of the collectivités d'outre-mer
        ("commune", "epci"): 34871,  # all but the 94 and four islands (Sein, Ouessant, Yeu, Bréhat)
        ("epci", "departement"): 1166,  # 89 EPCI straddle départements
        ("departement", "region"): 101,
        ("arrondissement", "commune"): 45,
    }
    assert distinct_links(store, RelKind.PART_OF) == 34875 + 34871 + 1166 + 101 + 45 + 34875  # + zones


def test_collectivites_d_outre_mer_are_not_departements(cog: LoaderOutput) -> None:
    assert cog.rows_in == 36404
    assert Counter(r.file for r in cog.rejected) == {"regions.json": 8, "departements.json": 8}
    assert {r.field for r in cog.rejected} == {"zone"}
    saint_martin = next(n for n in cog.batch.nodes if n.id == "commune:97801")
    assert saint_martin.props["collectivite"] == "978"


def test_troyes(store: OxigraphStore) -> None:
    troyes = store.node("commune:10387")
    assert troyes is not None
    assert troyes.name == "Troyes"
    assert troyes.props == {
        "code": "10387",
        "latitude": 48.2924,
        "longitude": 4.0761,
        "population": 62088,
        "postal_codes": "10000",
        "siren": "211003744",
    }
    assert troyes.sources == ("cog-2025", "communes-centroides", "insee-ze2020")
    up = {e.target for e in store.neighbourhood("commune:10387").edges if e.source == "commune:10387"}
    assert up == {"departement:10", "epci:200069250", "ze:4425"}


@pytest.mark.parametrize(
    ("arrondissement", "commune"),
    [
        ("arrondissement:75112", "commune:75056"),
        ("arrondissement:69383", "commune:69123"),
        ("arrondissement:13201", "commune:13055"),
    ],
)
def test_arrondissements_are_part_of_their_commune(
    cog: LoaderOutput, arrondissement: str, commune: str
) -> None:
    targets = [e.target for e in cog.batch.edges if e.source == arrondissement]
    assert targets == [commune]


def test_epci_across_departements_has_no_departement(cog: LoaderOutput) -> None:
    # CC Faucigny-Glières lies in Haute-Savoie; the Métropole du Grand Paris straddles four départements.
    up = {e.source: e.target for e in cog.batch.edges if e.source.startswith("epci:")}
    assert up["epci:200000172"] == "departement:74"
    assert "epci:200054781" not in up
    grand_paris = next(n for n in cog.batch.nodes if n.id == "epci:200054781")
    assert grand_paris.props["epci_type"] == "METRO"


def test_centroids_of_former_communes_are_rejected(centroids: LoaderOutput, index: CommuneIndex) -> None:
    assert centroids.rows_in == 35094
    assert len(centroids.batch.nodes) == 35002
    assert len(centroids.rejected) == 92
    assert str(centroids.rejected[0]) == (
        "communes_centroides.csv:19: code_insee: 27058 est une ancienne commune, "
        "aujourd'hui dans commune:27676"
    )
    without = sorted(set(index.places) - {n.id.split(":")[1] for n in centroids.batch.nodes})
    assert len(without) == 12  # new communes of 2025-26


# -- the resolver --------------------------------------------------------------


def test_resolution_by_insee_code(index: CommuneIndex) -> None:
    assert index.resolve(code_insee="10387") == CommuneMatch("commune:10387", "insee")
    assert index.resolve(code_insee="75112") == CommuneMatch("arrondissement:75112", "insee")


def test_resolution_by_former_code(index: CommuneIndex) -> None:
    assert index.resolve(code_insee="27058") == CommuneMatch("commune:27676", "former-code")


def test_resolution_by_postal_code_and_name(index: CommuneIndex) -> None:
    found = index.resolve(postal_code="10100", name="ROMILLY SUR SEINE")
    assert found == CommuneMatch("commune:10323", "postal-code+name")


def test_resolution_by_name_in_the_departement(index: CommuneIndex) -> None:
    found = index.resolve(postal_code="85021", name="LA ROCHE SUR YON CEDEX")
    assert found == CommuneMatch("commune:85191", "departement+name")


def test_resolution_by_nearest_centroid(index: CommuneIndex) -> None:
    found = index.resolve(postal_code="21024", name="Le Havre", latitude=49.49843, longitude=0.131306)
    assert found == CommuneMatch("commune:76351", "centroid", 0.293)


def test_nothing_found_far_from_every_centroid(index: CommuneIndex) -> None:
    assert index.resolve(name="Atlantis", latitude=45.0, longitude=-20.0) is None


def test_place_names_are_normalised() -> None:
    assert normalise_place_name("STE MARIE AUX MINES") == normalise_place_name("Sainte-Marie-aux-Mines")
    assert normalise_place_name("L'ABERGEMENT-CLÉMENCIAT") == "l-abergement-clemenciat"


# -- malformed files -----------------------------------------------------------


def test_regions_file_that_is_not_a_list_stops(tmp_path: Path) -> None:
    regions = tmp_path / "regions.json"
    regions.write_text(json.dumps({"code": "44"}), encoding="utf-8")
    with pytest.raises(LoaderError, match="un tableau JSON d'objets est attendu, trouvé : un objet"):
        cog_output(GEO / "communes.json", GEO / "epci.json", GEO / "departements.json", regions)


def test_region_row_without_name_is_rejected_with_its_line(tmp_path: Path) -> None:
    regions = tmp_path / "regions.json"
    regions.write_text('[\n{"code": "44", "zone": "metro"}\n]\n', encoding="utf-8")
    departements = tmp_path / "departements.json"
    departements.write_text(
        '[\n{"code": "10", "region": "44", "nom": "Aube", "zone": "metro"}\n]', encoding="utf-8"
    )
    communes = tmp_path / "communes.json"
    communes.write_text("[]", encoding="utf-8")
    epci = tmp_path / "epci.json"
    epci.write_text("[]", encoding="utf-8")
    out = cog_output(communes, epci, departements, regions)
    assert [str(r) for r in out.rejected] == [
        "regions.json:2: nom: absent ou vide",
        "departements.json:2: region: région inconnue : '44'",
    ]
    assert list(out.batch.nodes) == []
