"""The generic import identifies organisations as the model does (issue 13, item 3):
SIRET + kind for structures with a convention, `--kind` or a kind column, and the
commune and postal codes of the départements 01–09 written with four digits padded.
Rows of the real list of structures; both backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from graph.store import GraphStore
from loaders.pipeline import LoadRequest, LoadSource, load
from tests.small_data import small_geo

runner = CliRunner()

# Entraide Emploi (Bas-Rhin) holds an ACI and an AI convention on one SIRET; ASSOC AINTER
# JOB (Bourg-en-Bresse, Ain) as a spreadsheet writes its codes: 1053 and 1000.
ROWS = (
    "nom,siret,code_insee,code_postal,type\n"
    "Entraide Emploi AI+ACi,35058476900029,67302,67700,ACI\n"
    "Entraide Emploi ACI,35058476900029,67302,67700,AI\n"
    "ASSOC AINTER JOB,33422419300048,1053,1000,AI\n"
)
MAPPING = "name=nom,siret=siret,code_insee=code_insee,postal_code=code_postal,kind=type"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_geo(tmp_path_factory.mktemp("data"), {"67302", "01053"})


def test_a_siret_with_two_conventions_is_two_structures(
    store: GraphStore, tmp_path: Path, data: Path
) -> None:
    path = tmp_path / "structures.csv"
    path.write_text(ROWS, encoding="utf-8")
    (report,) = load(store, LoadRequest(LoadSource.ORGANISATIONS, path, mapping=MAPPING, data_dir=data))
    assert report.rejected == []
    assert store.existing_ids(["org:35058476900029-aci", "org:35058476900029-ai", "org:35058476900029"]) == {
        "org:35058476900029-aci",
        "org:35058476900029-ai",
    }
    ain = store.node("org:33422419300048-ai")
    assert ain is not None and ain.props["postal_code"] == "01000"
    located = {(e.source, e.target) for e in store.subgraph().edges if e.rel.value == "LOCATED_IN"}
    assert ("org:33422419300048-ai", "commune:01053") in located


def test_kind_option_names_the_kind_of_every_row(tmp_path: Path, data: Path) -> None:
    path = tmp_path / "ai.csv"
    path.write_text("nom,siret,code_insee\nASSOC AINTER JOB,33422419300048,01053\n", encoding="utf-8")
    store = str(tmp_path / "store")
    args = ["load", "organisations", str(path), "--kind", "AI", "--store", store, "--data", str(data)]
    args += ["--map", "name=nom,siret=siret,code_insee=code_insee"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    listed = runner.invoke(
        app, ["sparql", "SELECT ?o WHERE { ?o a mlg:AI }", "--format", "csv", "--store", store]
    )
    assert listed.output == "o\nhttps://w3id.org/maillage/id/org/33422419300048-ai\n"


def test_unknown_kind_option_is_one_french_line(tmp_path: Path) -> None:
    path = tmp_path / "ai.csv"
    path.write_text("name\nX\n", encoding="utf-8")
    result = runner.invoke(app, ["load", "organisations", str(path), "--kind", "boulangerie"])
    assert result.exit_code == 1
    assert (
        result.output
        == "erreur : --kind : type inconnu « boulangerie » (ACI, EI, AI, ETTI, EITI, GEIQ, EA, Entreprise…)\n"
    )
