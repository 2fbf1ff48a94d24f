"""The command line, run as a user runs it, on a real embedded store."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from graph.kinds import OrgKind
from graph.model import Batch, Node
from graph.oxigraph_store import OxigraphStore
from tests.conftest import AUBE, aube_batch

runner = CliRunner()


def _aube_store(tmp_path: Path) -> Path:
    path = tmp_path / "store"
    with OxigraphStore(path) as store:
        store.upsert(aube_batch())
    return path


def test_stats_prints_counts_by_kind_and_relation(tmp_path: Path) -> None:
    result = runner.invoke(app, ["stats", "--store", str(_aube_store(tmp_path))])
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines()]
    assert ["Entreprise", "4"] in lines
    assert ["ACI", "1"] in lines
    assert ["LOCATED_IN", "7"] in lines
    assert ["PARTNER_OF", "3"] in lines


def test_sparql_counts_each_node_once_with_its_superclasses_as_json(tmp_path: Path) -> None:
    query = (
        "SELECT ?kind (COUNT(?o) AS ?n) WHERE { ?o a ?kind "
        "FILTER(STRSTARTS(STR(?kind), STR(mlg:))) } GROUP BY ?kind ORDER BY ?kind"
    )
    result = runner.invoke(app, ["sparql", query, "--format", "json", "--store", str(_aube_store(tmp_path))])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    counts = {row["kind"].rsplit("#", 1)[1]: row["n"] for row in rows}
    assert counts == {
        "ACI": 1,
        "Club": 1,
        "Collectif": 1,
        "Commune": 2,
        "Dataset": 1,
        "Departement": 1,
        "EI": 1,
        "EmployeurInclusif": 2,
        "Entreprise": 4,
        "Lieu": 4,
        "Organisation": 7,
        "Partnership": 3,
        "QualifiedRelation": 6,  # 3 partnerships, 3 memberships (org:Membership)
        "Region": 1,
        "SIAE": 2,
    }


def test_sparql_table_compacts_iris_and_counts_rows(tmp_path: Path) -> None:
    query = "SELECT ?o ?name WHERE { ?o a mlg:ACI ; schema:name ?name }"
    result = runner.invoke(app, ["sparql", query, "--store", str(_aube_store(tmp_path))])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[2].split(maxsplit=1) == ["id:org/boutique-boulot", "Boutique Boulot"]
    assert result.output.splitlines()[-1] == "(1 ligne)"


def test_sparql_csv_keeps_whole_iris(tmp_path: Path) -> None:
    query = "SELECT ?o WHERE { ?o a mlg:EI }"
    result = runner.invoke(app, ["sparql", query, "--format", "csv", "--store", str(_aube_store(tmp_path))])
    assert result.output == "o\nhttps://w3id.org/maillage/id/org/ei-troyes\n"


def test_invalid_sparql_is_one_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sparql", "SELEKT nothing", "--store", str(_aube_store(tmp_path))])
    assert result.exit_code == 1
    assert result.output.startswith("erreur : SPARQL invalide")
    assert "Traceback" not in result.output


def test_load_partnerships_file_reports_rejected_rows_and_loads_the_rest(tmp_path: Path) -> None:
    store = _aube_store(tmp_path)
    path = tmp_path / "partenariats-aube.csv"
    path.write_text(
        "from,to,form,subtype,start,end,source\n"
        "org:ei-troyes,org:isolee,,sous_traitance,2023-02-01,,contrat\n"
        "org:ei-troyes,org:inconnue,,achat_responsable,,,\n"
        "org:ei-troyes,org:isolee,,parrainage,,,\n",
        encoding="utf-8",
    )
    report = tmp_path / "rapport.csv"
    result = runner.invoke(
        app, ["load", "partenariats", str(path), "--store", str(store), "--report", str(report)]
    )
    assert result.exit_code == 0, result.output
    rejected = [line for line in result.output.splitlines() if line.startswith("partenariats-aube.csv:")]
    assert [line.split(": ", 2)[:2] for line in rejected] == [
        ["partenariats-aube.csv:3", "to"],
        ["partenariats-aube.csv:4", "subtype"],
    ]
    assert report.read_text(encoding="utf-8").count("partenariats-aube.csv") == 2
    with OxigraphStore(store) as s:
        partners = {
            e.ident for e in s.subgraph().edges if e.source == "org:ei-troyes" and e.rel.value == "PARTNER_OF"
        }
        datasets = [d.source for d in s.datasets()]
    assert partners == {
        ("org:ei-troyes", "PARTNER_OF", "org:transports", "cotraitance"),
        ("org:ei-troyes", "PARTNER_OF", "org:isolee", "sous_traitance"),
    }
    assert datasets == ["fixture-aube", "partenariats-aube"]


def test_generate_needs_exactly_one_scope(tmp_path: Path) -> None:
    result = runner.invoke(app, ["generate", str(tmp_path / "x")])
    assert result.exit_code == 1
    assert result.output == "erreur : choisir soit --departement CODE, soit --national\n"


def test_validate_accepts_a_conforming_store_and_names_a_broken_node(tmp_path: Path) -> None:
    store = _aube_store(tmp_path)
    ok = runner.invoke(app, ["validate", "--store", str(store)])
    assert ok.exit_code == 0, ok.output
    assert ok.output.endswith(": conforme\n")
    with OxigraphStore(store) as s:
        s.upsert(Batch(AUBE, [Node("org:mauvaise", OrgKind.EI, "Mauvaise", {"siret": "123"})]))
    broken = runner.invoke(app, ["validate", "--store", str(store)])
    assert broken.exit_code == 1
    assert broken.output.splitlines()[0].startswith(
        'org:mauvaise mlg:siret: un SIRET a 14 chiffres (valeur "123"'
    )
    assert broken.output.splitlines()[-1].endswith("non conforme : 1 violations")
