"""The guide's case studies (data/cas-du-guide.toml) and their loader."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from graph.kinds import OrgKind, PlaceKind, RelKind
from graph.model import Batch, Edge
from loaders.case_studies import DEFAULT_PATH, CaseStudyError, read_case_studies

GEO = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "geo"

# Counted by hand in data/cas-du-guide.toml (not recomputed from the file).
EXPECTED_ORG_KINDS = {
    "ACI": 6,  # atelier Panier de la Mer, Actif Insertion, Capdife, Tremplin, Emmaüs Défi, Boutique Boulot
    "AI": 2,  # InterActif, Boutique Boulot
    "EI": 8,  # Actif Garage, Envie Rennes/Nancy/Reims, Acces Inclusive Tech, Brise de Terre, Vitaservices,
    # Soluval
    "ETTI": 2,  # ID'EES Interim, Janus
    "EA": 1,  # Log'Ins
    "Association": 2,  # Adress, groupe Ares
    "Groupe": 4,  # Actif ESS, Vitamine T, Suez, the GIE META
    "Fabrique": 1,
    "Reseau": 13,  # 12 national networks of p. 88 + fédération Le Panier de la Mer
    "DelegationRegionale": 1,  # Coorace Normandie
    "InterReseau": 6,
    "Club": 1,
    "PTCE": 1,
    "CollectiviteEpci": 1,
    "CollectiviteCommune": 1,
    "ConseilDepartemental": 2,
    "ConseilRegional": 2,
    "DDETS": 2,
    "Fondation": 4,
    "Banque": 1,
    "InvestisseurSolidaire": 1,
    "Entreprise": 25,
}
EXPECTED_PLACE_KINDS = {"Commune": 9, "Epci": 1, "Departement": 9, "Region": 10}
EXPECTED_RELATIONS = {
    "PARTNER_OF": 51,
    "MEMBER_OF": 15,
    "CARRIED_BY": 2,
    "SUPPORTED_BY": 1,
    "DELEGATION_OF": 1,
    "SAME_ESTABLISHMENT": 1,
}


@pytest.fixture(scope="module")
def batch() -> Batch:
    return read_case_studies()


def _edges(batch: Batch, rel: RelKind, *, source: str | None = None, target: str | None = None) -> list[Edge]:
    return [
        e
        for e in batch.edges
        if e.rel is rel and (source is None or e.source == source) and (target is None or e.target == target)
    ]


def _relations(batch: Batch) -> list[Edge]:
    return [e for e in batch.edges if e.rel not in (RelKind.LOCATED_IN, RelKind.PART_OF)]


# ------------------------------------------------------------------ the data


def test_default_path_is_the_repository_file() -> None:
    expected = Path(__file__).resolve().parents[1] / "data" / "cas-du-guide.toml"
    assert expected == DEFAULT_PATH
    assert DEFAULT_PATH.is_file()


def test_provenance_is_the_real_guide(batch: Batch) -> None:
    assert batch.provenance.source == "guide-avise-2021"
    assert batch.provenance.synthetic is False
    assert batch.provenance.date == date(2021, 11, 1)
    assert batch.provenance.title


def test_organisations_by_kind(batch: Batch) -> None:
    counts = Counter(n.kind.value for n in batch.nodes if isinstance(n.kind, OrgKind))
    assert dict(counts) == EXPECTED_ORG_KINDS
    assert sum(EXPECTED_ORG_KINDS.values()) == 87


def test_places_by_kind(batch: Batch) -> None:
    counts = Counter(n.kind.value for n in batch.nodes if isinstance(n.kind, PlaceKind))
    assert dict(counts) == EXPECTED_PLACE_KINDS


def test_relations_by_kind(batch: Batch) -> None:
    assert dict(Counter(e.rel.value for e in _relations(batch))) == EXPECTED_RELATIONS


def test_every_relation_cites_a_guide_page(batch: Batch) -> None:
    relations = _relations(batch)
    assert relations
    for edge in relations:
        page = edge.attrs.get("page")
        assert isinstance(page, int) and 1 <= page <= 100, edge
    for node in batch.nodes:
        if isinstance(node.kind, OrgKind):
            assert isinstance(node.props.get("page"), int), node


def test_every_endpoint_is_declared(batch: Batch) -> None:
    ids = {n.id for n in batch.nodes}
    assert len(ids) == len(batch.nodes)
    for edge in batch.edges:
        assert edge.source in ids and edge.target in ids, edge


def test_partnerships_carry_type_form_and_key(batch: Batch) -> None:
    for edge in _edges(batch, RelKind.PARTNER_OF):
        assert edge.key == edge.attrs["type"]
        assert isinstance(edge.attrs["form"], str)
    for edge in _relations(batch):
        if edge.rel is not RelKind.PARTNER_OF:
            assert edge.key == "" and "type" not in edge.attrs


def test_brise_de_terre_is_a_fifty_fifty_jvs(batch: Batch) -> None:
    owners = _edges(batch, RelKind.PARTNER_OF, target="org:brise-de-terre")
    assert {e.source for e in owners} == {"org:75170343000098-aci", "org:criee-du-grau-d-agde"}
    for edge in owners:
        assert edge.key == "jvs"
        assert edge.attrs["type"] == "jvs"
        assert edge.attrs["form"] == "innovation_societale"
        assert edge.attrs["share"] == 0.5
        assert edge.attrs["since"] == date(2018, 1, 1)
        assert edge.attrs["page"] == 73
    (member,) = _edges(batch, RelKind.MEMBER_OF, source="org:75170343000098-aci")
    assert member.target == "org:croix-rouge-insertion"
    assert member.attrs["since"] == date(2013, 1, 1)


def test_vitaservices_protim_cotraitance(batch: Batch) -> None:
    pair = _edges(batch, RelKind.PARTNER_OF, source="org:vitaservices", target="org:protim")
    edges = {e.key: e for e in pair}
    assert set(edges) == {"cotraitance", "recrutement"}
    cotraitance = edges["cotraitance"]
    assert cotraitance.attrs["form"] == "cooperation_economique"
    assert cotraitance.attrs["mandataire"] == "org:vitaservices"
    assert "gme" not in cotraitance.attrs  # the guide does not say conjoint or solidaire
    assert cotraitance.attrs["since"] == date(2020, 1, 1)
    assert cotraitance.attrs["page"] == 42
    assert edges["recrutement"].attrs["page"] == 42
    members = {e.source for e in _edges(batch, RelKind.MEMBER_OF, target="org:meta")}
    assert members == {"org:vilogia", "org:lille-metropole-habitat"}


def test_boutique_boulot_in_the_aube_club(batch: Batch) -> None:
    club = "org:club-10"
    for convention in ("org:boutique-boulot-ai", "org:34267885100045-aci"):
        (edge,) = _edges(batch, RelKind.MEMBER_OF, source=convention, target=club)
        assert edge.attrs["role"] == "membre"
        assert edge.attrs["page"] == 36
        (located,) = _edges(batch, RelKind.LOCATED_IN, source=convention)
        assert located.target == "commune:10387"
    assert _edges(batch, RelKind.SAME_ESTABLISHMENT, source="org:boutique-boulot-ai")
    (club_place,) = _edges(batch, RelKind.LOCATED_IN, source=club)
    assert club_place.target == "departement:10"


def test_panier_de_la_mer(batch: Batch) -> None:
    atelier = "org:atelier-panier-de-la-mer-fecamp"
    nodes = {n.id: n for n in batch.nodes}
    assert nodes[atelier].kind is OrgKind.ACI
    (support,) = _edges(batch, RelKind.SUPPORTED_BY, source=atelier)
    assert support.target == "org:fabrique-a-initiatives-normandie"
    assert (support.attrs["since"], support.attrs["until"]) == (date(2013, 1, 1), date(2016, 1, 1))
    assert type(support.attrs["since"]) is date  # a year is its 1 January: since is always a date
    (carrier,) = _edges(batch, RelKind.CARRIED_BY, source="org:fabrique-a-initiatives-normandie")
    assert carrier.target == "org:adress"
    partners = _edges(batch, RelKind.PARTNER_OF, source=atelier)
    hires = {e.target for e in partners if e.key == "recrutement"}
    assert hires == {"org:delpierre", "org:pecheurs-d-islande", "org:intermarche", "org:leclerc"}
    funders = {e.target for e in partners if e.key == "mecenat_financier"}
    assert funders == {
        "org:cesbron",
        "org:fonds-caisse-d-epargne-normandie",
        "org:fondation-carasso",
        "org:fondation-carrefour",
    }


def test_fecamp_is_placed_in_its_agglomeration(batch: Batch) -> None:
    parents = {e.target for e in _edges(batch, RelKind.PART_OF, source="commune:76259")}
    assert parents == {"departement:76", "epci:200069821"}
    nodes = {n.id: n for n in batch.nodes}
    assert nodes["commune:76259"].props == {"latitude": 49.7479, "longitude": 0.4012}


@pytest.mark.skipif(not (GEO / "communes.json").is_file(), reason="shared geo data not mirrored")
def test_communes_are_real_insee_codes(batch: Batch) -> None:
    communes = {c["code"]: c for c in json.loads((GEO / "communes.json").read_text(encoding="utf-8"))}
    for node in batch.nodes:
        if node.kind is PlaceKind.COMMUNE:
            code = node.id.removeprefix("commune:")
            assert communes[code]["nom"] == node.name
            parents = [e.target for e in _edges(batch, RelKind.PART_OF, source=node.id)]
            (dept,) = [p for p in parents if p.startswith("departement:")]
            assert dept == f"departement:{communes[code]['departement']}"


# ------------------------------------------------------------------ validation

_HEAD = """
[dataset]
source = "test"
title = "Test"
date = 2021-11-01
synthetic = false

[[place]]
id = "commune:76259"
kind = "Commune"
name = "Fécamp"

[[organisation]]
id = "org:a"
name = "A"
kind = "ACI"
located_in = "commune:76259"
page = 61

[[organisation]]
id = "org:b"
name = "B"
kind = "Entreprise"
page = 62
"""

_RELATION = """
[[relation]]
from = "org:a"
rel = "PARTNER_OF"
to = "org:b"
type = "recrutement"
page = 63
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cases.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_minimal_file_loads(tmp_path: Path) -> None:
    batch = read_case_studies(_write(tmp_path, _HEAD + _RELATION))
    assert [e.rel for e in batch.edges] == [RelKind.LOCATED_IN, RelKind.PARTNER_OF]
    assert batch.edges[1].attrs == {"page": 63, "type": "recrutement", "form": "pratiques_responsables"}
    assert batch.edges[1].key == "recrutement"


def test_a_structure_of_the_list_carries_its_siret(batch: Batch) -> None:
    sirets = {n.id: n.props["siret"] for n in batch.nodes if "siret" in n.props}
    assert len(sirets) == 11
    assert sirets["org:51746545600013-ai"] == "51746545600013"  # InterActif
    assert all(node_id.startswith(f"org:{siret}-") for node_id, siret in sirets.items())


def test_a_siret_must_be_valid_and_make_the_id(tmp_path: Path) -> None:
    valid = _HEAD.replace('id = "org:a"', 'id = "org:40328919200011-aci"\nsiret = "40328919200011"')
    text = valid.replace('to = "org:b"', 'to = "org:b"').replace('"org:a"', '"org:40328919200011-aci"')
    assert read_case_studies(_write(tmp_path, text)).nodes[-2].props["siret"] == "40328919200011"
    with pytest.raises(
        CaseStudyError, match=r"organisation\[0\]\.siret: '40328919200012' n'est pas un SIRET valide"
    ):
        read_case_studies(
            _write(tmp_path, text.replace('siret = "40328919200011"', 'siret = "40328919200012"'))
        )
    wrong_id = text.replace('id = "org:40328919200011-aci"', 'id = "org:actif"')
    with pytest.raises(
        CaseStudyError, match=r"organisation\[0\]\.id: .* doit avoir l'identifiant 'org:40328919200011-aci'"
    ):
        read_case_studies(_write(tmp_path, wrong_id))


def test_unknown_kind(tmp_path: Path) -> None:
    text = _HEAD.replace('kind = "Entreprise"', 'kind = "Multinationale"')
    with pytest.raises(CaseStudyError, match=r"organisation\[1\]\.kind: valeur inconnue 'Multinationale'"):
        read_case_studies(_write(tmp_path, text))


def test_dangling_relation_endpoint(tmp_path: Path) -> None:
    text = _HEAD + _RELATION.replace('to = "org:b"', 'to = "org:nowhere"')
    with pytest.raises(
        CaseStudyError, match=r"relation\[0\]\.to: 'org:nowhere' n'est pas une organisation déclarée"
    ):
        read_case_studies(_write(tmp_path, text))


def test_missing_page(tmp_path: Path) -> None:
    text = _HEAD + _RELATION.replace("page = 63\n", "")
    with pytest.raises(CaseStudyError, match=r"relation\[0\]\.page: absent"):
        read_case_studies(_write(tmp_path, text))


def test_unknown_relation_and_partnership_type(tmp_path: Path) -> None:
    with pytest.raises(CaseStudyError, match=r"relation\[0\]\.rel: valeur inconnue 'FRIEND_OF'"):
        read_case_studies(_write(tmp_path, _HEAD + _RELATION.replace("PARTNER_OF", "FRIEND_OF")))
    with pytest.raises(CaseStudyError, match=r"relation\[0\]\.type: valeur inconnue 'amitie'"):
        read_case_studies(_write(tmp_path, _HEAD + _RELATION.replace('"recrutement"', '"amitie"')))
    with pytest.raises(CaseStudyError, match=r"relation\[0\]\.type: absent"):
        read_case_studies(_write(tmp_path, _HEAD + _RELATION.replace('type = "recrutement"\n', "")))


def test_duplicate_id(tmp_path: Path) -> None:
    text = _HEAD.replace('id = "org:b"', 'id = "org:a"')
    with pytest.raises(CaseStudyError, match=r"organisation\[1\]\.id: identifiant en double 'org:a'"):
        read_case_studies(_write(tmp_path, text))


def test_undeclared_place(tmp_path: Path) -> None:
    text = _HEAD.replace('located_in = "commune:76259"', 'located_in = "commune:99999"')
    message = r"organisation\[0\]\.located_in: 'commune:99999' n'est pas un lieu déclaré"
    with pytest.raises(CaseStudyError, match=message):
        read_case_studies(_write(tmp_path, text))


def test_attributes_outside_their_relation(tmp_path: Path) -> None:
    with pytest.raises(
        CaseStudyError, match=r"relation\[0\]\.share: une part \(share\) ne va qu'avec une copropriété JVS"
    ):
        read_case_studies(_write(tmp_path, _HEAD + _RELATION + "share = 0.5\n"))
    with pytest.raises(CaseStudyError, match=r"relation\[0\]\.colour: champ inconnu"):
        read_case_studies(_write(tmp_path, _HEAD + _RELATION + 'colour = "red"\n'))


def test_error_names_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, _HEAD + _RELATION.replace("page = 63\n", ""))
    with pytest.raises(CaseStudyError, match=r"cases\.toml: relation\[0\]\.page"):
        read_case_studies(path)
