"""NAF, ROME, the Marché de l'inclusion sectors and the SIAE → ROME list, on the real mirror."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.kinds import CodeKind, RelKind
from graph.oxigraph_store import OxigraphStore
from loaders.base import LoaderError, LoaderOutput
from loaders.nomenclatures import (
    NAF_SECTIONS,
    naf_labels,
    naf_output,
    rome_labels,
    rome_output,
    secteurs_output,
    siae_jobs_output,
)
from loaders.sources import SHARED_DATA

NOMENCLATURES = SHARED_DATA / "nomenclatures"
SIAE_JOBS = SHARED_DATA / "siae" / "siae-metiers-rome-2019.csv"


@pytest.fixture(scope="module")
def naf() -> LoaderOutput:
    return naf_output(NOMENCLATURES / "naf2008.json")


@pytest.fixture(scope="module")
def rome() -> LoaderOutput:
    return rome_output(NOMENCLATURES / "rome4.csv")


@pytest.fixture(scope="module")
def secteurs() -> LoaderOutput:
    return secteurs_output(NOMENCLATURES / "secteurs_marche_inclusion.csv")


@pytest.fixture(scope="module")
def store(naf: LoaderOutput, rome: LoaderOutput, secteurs: LoaderOutput) -> Iterator[OxigraphStore]:
    oxi = OxigraphStore()
    for output in (naf, rome, secteurs):
        oxi.upsert(output.batch)
    yield oxi
    oxi.close()


def test_naf_levels(store: OxigraphStore, naf: LoaderOutput) -> None:
    counts = store.counts()
    assert {k: v for k, v in counts.nodes.items() if k.startswith("Naf")} == {
        "NafSection": 21,
        "NafDivision": 88,
        "NafGroupe": 272,
        "NafClasse": 615,
        "NafSousClasse": 732,
    }
    assert naf.rows_in == 1707
    assert naf.rejected == [] and naf.unresolved == []


def test_every_naf_code_but_sections_is_part_of_its_parent(naf: LoaderOutput) -> None:
    parents = {e.source: e.target for e in naf.batch.edges if e.rel is RelKind.PART_OF}
    assert len(parents) == 1707
    chain = ["naf:56.21Z"]
    while chain[-1] in parents:
        chain.append(parents[chain[-1]])
    assert chain == ["naf:56.21Z", "naf:56.21", "naf:56.2", "naf:56", "naf:I"]


def test_divisions_per_section(naf: LoaderOutput) -> None:
    sections = Counter(e.target for e in naf.batch.edges if len(e.source) == len("naf:01"))
    assert len(NAF_SECTIONS) == 21
    assert sections["naf:C"] == 24
    assert sections["naf:N"] == 6
    assert sum(sections.values()) == 88
    assert set(sections) == {f"naf:{s.letter}" for s in NAF_SECTIONS}


def test_naf_labels_are_sous_classes_only() -> None:
    labels = naf_labels(NOMENCLATURES / "naf2008.json")
    assert len(labels) == 732
    assert labels["88.99B"] == "Action sociale sans hébergement n.c.a."


def test_rome_jobs(rome: LoaderOutput) -> None:
    assert rome.rows_in == 609 and rome.rejected == []
    first = rome.batch.nodes[0]
    assert first.id == "rome:A1101"
    assert first.kind is CodeKind.ROME
    assert first.name == "Conducteur / Conductrice d'engins agricoles"
    assert first.props == {
        "code": "A1101",
        "domaine_professionnel": "A11- Engins agricoles et forestiers",
        "grand_domaine": "A- Agriculture et Pêche, Espaces naturels et Espaces verts, Soins aux animaux",
    }
    assert len({n.props["grand_domaine"] for n in rome.batch.nodes}) == 14


def test_marche_sectors(secteurs: LoaderOutput) -> None:
    assert len(secteurs.batch.nodes) == 154
    assert len({n.props["groupe"] for n in secteurs.batch.nodes}) == 20
    first = secteurs.batch.nodes[0]
    assert (first.id, first.name, first.props["groupe"]) == (
        "secteur:travaux-forestiers-bucheronnage",
        "Travaux forestiers, Bûcheronnage",
        "Espaces verts & extérieurs",
    )


# -- SIAE → ROME -----------------------------------------------------------------


@pytest.fixture(scope="module")
def structure_ids() -> set[str]:
    """The conventions of the real structures list (`org:{siret}-{kind}`)."""
    rows = json.loads((SHARED_DATA / "siae" / "structures-emplois-de-linclusion.json").read_text("utf-8"))
    return {f"org:{r['siret']}-{r['reseaux_porteurs'][0]}" for r in rows}


def test_siae_jobs(structure_ids: set[str]) -> None:
    out = siae_jobs_output(SIAE_JOBS, org_ids=structure_ids, rome=rome_labels(NOMENCLATURES / "rome4.csv"))
    assert out.rows_in == 306
    assert len(out.batch.edges) == 292
    assert out.rejected == []
    assert Counter(r.field for r in out.unresolved) == {"siret": 12, "code_rome": 2}
    assert [str(r) for r in out.unresolved if r.field == "code_rome"] == [
        "siae-metiers-rome-2019.csv:87: code_rome: H2929 n'est pas un code ROME 4 : relation laissée de côté",
        "siae-metiers-rome-2019.csv:129: code_rome: K2205 n'est pas un code ROME 4 : "
        "relation laissée de côté",
    ]
    two = [e for e in out.batch.edges if e.source == "org:38238754600023-aci" and e.target == "rome:K2303"]
    assert len(two) == 2 and len({e.key for e in two}) == 2
    # line 75 writes k2204 in lower case: read as K2204
    assert ("org:50088443200013-etti", "rome:K2204") in {(e.source, e.target) for e in out.batch.edges}


def test_siae_jobs_need_rome_codes(tmp_path: Path) -> None:
    with pytest.raises(LoaderError, match="charger d'abord la nomenclature ROME"):
        siae_jobs_output(SIAE_JOBS, org_ids=set(), rome={})


def test_siae_job_rows_with_unknown_kind_or_repeated_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "jobs.csv"
    path.write_text(
        "siret,type,code_rome,appellation\n"
        "34267885100045,ACI,A1203,Jardinier\n"
        "34267885100045,XYZ,A1203,Jardinier\n"
        "34267885100045,aci,a1203,Jardinier\n",
        encoding="utf-8",
    )
    out = siae_jobs_output(
        path, org_ids={"org:34267885100045-aci"}, rome={"A1203": "Entretien des espaces verts"}
    )
    assert [str(r) for r in out.rejected] == [
        "jobs.csv:3: type: type de structure inconnu : 'XYZ'",
        "jobs.csv:4: appellation: doublon de la ligne 2",
    ]
    assert [(e.source, e.target, e.key, dict(e.attrs)) for e in out.batch.edges] == [
        ("org:34267885100045-aci", "rome:A1203", "jardinier", {"appellation": "Jardinier"})
    ]


def test_naf_file_with_a_malformed_code_rejects_that_row(tmp_path: Path) -> None:
    path = tmp_path / "naf.json"
    path.write_text(
        '[\n{"id": "56", "label": "Restauration"},\n{"id": "5621", "label": "?"}\n]', encoding="utf-8"
    )
    out = naf_output(path)
    assert [str(r) for r in out.rejected] == ["naf.json:3: id: pas un code NAF rév. 2 : '5621'"]
    assert [(e.source, e.target) for e in out.batch.edges] == [("naf:56", "naf:I")]
