"""`maillage partenaires`, `introductions` and `consortium` on the small named territory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from graph.oxigraph_store import OxigraphStore
from tests.partners_fixture import BB, EI, ELEC, OLD, PAYSAGE, RESTO, partners_batch

runner = CliRunner()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = Path(tmp_path_factory.mktemp("cli-partners")) / "store"
    with OxigraphStore(path) as s:
        s.upsert(partners_batch())
    return str(path)


def test_partenaires_by_name_as_json(store: str) -> None:
    result = runner.invoke(app, ["partenaires", "Boutique Boulot", "--objectif", "achat", "--format", "json",
                                 "--store", store])  # fmt: skip
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert (answer["acteur"], answer["objectif"]) == (BB, "achat")
    assert [c["id"] for c in answer["candidats"]] == [PAYSAGE, RESTO, ELEC]
    first = answer["candidats"][0]
    assert (first["commune"], first["distance_km"]) == ("Troyes", 0.0)
    assert first["raisons"][0]["texte"] == "membres tous deux de Club de l'Aube (Club)"
    assert first["raisons"][0]["jeux"] == ["fixture-partenaires"]


def test_partenaires_table_within_a_radius(store: str) -> None:
    result = runner.invoke(app, ["partenaires", "34267885100045", "--objectif", "achat", "--rayon", "10",
                                 "--store", store])  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"Partenaires proposés à Boutique Boulot ({BB}) — objectif : achat responsable"
    # log(lift achat N) 0.24 (tests/test_partners.py) + the shared club 2.0
    assert lines[1].startswith(" 1. Paysages de Champagne (Entreprise, Troyes) — 0,0 km — score 2,24")
    assert "Électricité Troyenne" not in result.output


def test_an_ambiguous_name_lists_the_matches(store: str) -> None:
    result = runner.invoke(app, ["partenaires", "Paysages", "--store", store])
    assert result.exit_code == 1
    assert f"{OLD}  Paysages Anciens (Entreprise)" in result.output
    assert f"{PAYSAGE}  Paysages de Champagne (Entreprise)" in result.output


def test_an_unknown_objective_is_refused(store: str) -> None:
    result = runner.invoke(app, ["partenaires", BB, "--objectif", "amitie", "--store", store])
    assert result.exit_code == 1
    assert "objectif inconnu : amitie" in result.output


def test_introductions_name_the_intermediaries(store: str) -> None:
    result = runner.invoke(
        app, ["introductions", "Boutique Boulot", "Électricité Troyenne", "--store", store]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        "1. (3 liens, solidité 0,124) Boutique Boulot —partenaire de→ Recyclerie de Troyes (EI) "
        "—membre de→ PTCE Aube (PTCE) ←membre de— Électricité Troyenne"
    )


def test_consortium_for_a_market_in_troyes(store: str) -> None:
    result = runner.invoke(app, ["consortium", "--lot", "creation-et-entretien-des-espaces-verts", "--lot",
                                 "restaurants-cantines", "--lieu", "commune:10387", "--rayon", "10",
                                 "--format", "json", "--store", store])  # fmt: skip
    assert result.exit_code == 0, result.output
    (group,) = json.loads(result.output)
    assert group["membres"] == [BB, EI]
    assert group["couverture"] == {
        "creation-et-entretien-des-espaces-verts": [BB],
        "restaurants-cantines": [EI],
    }
