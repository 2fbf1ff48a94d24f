"""After loading every real source of the data mirror, each fact counts once and the
class hierarchy answers, without DISTINCT: 1,815 ACI and 3,678 SIAE (ACI 1,815 + EI 944
+ AI 620 + ETTI 299), in the embedded store, over `maillage sparql` and in the paired
Cypher question on Neo4j. The real files are loaded once for the module."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from graph.model import Batch
from graph.neo4j_store import Neo4jStore, connect
from graph.oxigraph_store import OxigraphStore
from loaders.case_studies import read_case_studies
from loaders.real import real_sources
from queries import paired
from tests.test_model_doc import undocumented, written_predicates

runner = CliRunner()
ACI, SIAE = 1815, 3678


@dataclass(frozen=True)
class Real:
    path: Path  # the embedded store, closed: open it to read
    neo: Neo4jStore


@pytest.fixture(scope="module")
def real(neo4j_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Real]:
    path = tmp_path_factory.mktemp("real") / "store"
    driver = connect(neo4j_server)
    neo = Neo4jStore(driver)
    neo.clear()
    def batches() -> Iterator[Batch]:
        for output in real_sources():  # each output written before the next is read
            neo.upsert(output.batch)
            yield output.batch

    with OxigraphStore(path) as store:
        # as `maillage load reel` writes into an empty store: its bulk path
        # (tests/test_oxigraph_bulk.py proves it writes what upserts write)
        store.bulk_load(batches())
    yield Real(path, neo)
    neo.clear()  # in batches: the next modules empty the database in one transaction
    driver.close()


def count(store: OxigraphStore, where: str) -> int:
    return int(next(iter(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")))["n"].value)


def test_each_aci_once_and_every_siae_in_the_embedded_store(real: Real) -> None:
    with OxigraphStore(real.path) as store:
        assert count(store, "?o a mlg:ACI") == ACI
        assert count(store, "?o a mlg:SIAE") == SIAE
        assert paired.class_count(store, "SIAE") == SIAE
        # provenance stays: the structures list and the SIRENE file both state each ACI
        # (the DECP archives state the ACI they matched as holders, not counted here)
        per_graph = "GRAPH ?g { ?o a mlg:ACI } FILTER(!CONTAINS(STR(?g), '/source/decp-'))"
        assert count(store, per_graph) == 2 * ACI


def test_the_sparql_command_counts_alike(real: Real) -> None:
    result = runner.invoke(
        app,
        [
            "sparql",
            "SELECT (COUNT(*) AS ?n) WHERE { ?o a mlg:SIAE }",
            "--store",
            str(real.path),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [{"n": SIAE}]
    rq = Path(paired.__file__).parent / "sparql" / "class_count.rq"
    result = runner.invoke(
        app, ["sparql", f"@{rq}", "--param", "cls=mlg:ACI", "--store", str(real.path), "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["n", str(ACI)]


def test_the_paired_cypher_question_counts_alike(real: Real) -> None:
    assert paired.class_count(real.neo, "ACI") == ACI
    assert paired.class_count(real.neo, "SIAE") == SIAE
    with OxigraphStore(real.path) as store:
        assert real.neo.counts() == store.counts()


def test_every_predicate_the_real_loaders_write_is_documented_with_its_datatype(real: Real) -> None:
    with OxigraphStore(real.path) as store:
        written = written_predicates(store.quads())
    assert len(written) > 30
    assert undocumented(written) == set()


def test_the_guides_structures_of_the_list_are_one_node_with_it(real: Real) -> None:
    guide = read_case_studies()
    with OxigraphStore(real.path) as store:
        store.upsert(guide)
        try:
            for name in ("interactif", "envie reims"):  # twice each before they carried their SIRET
                named = f'?o a mlg:Organisation ; schema:name ?n FILTER(CONTAINS(LCASE(?n), "{name}"))'
                rows = store.query(f"SELECT DISTINCT ?o WHERE {{ {named} }}")
                assert len(list(rows)) == 1, name
            carried = [n for n in guide.nodes if "siret" in n.props]
            assert len(carried) == 11
            for node in carried:
                held = store.node(node.id)
                assert held is not None
                assert guide.provenance.source in held.sources
                assert "emplois-de-linclusion" in held.sources, node.id
                assert held.props["siret"] == node.props["siret"]
                assert count(store, f'?o mlg:siret "{node.props["siret"]}" ; a mlg:SIAE') == 1
        finally:
            store.remove_dataset(guide.provenance.source)
        assert count(store, "?o a mlg:ACI") == ACI
