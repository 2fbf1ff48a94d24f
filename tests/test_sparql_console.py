"""The SPARQL console (queries/sparql_console.py and `maillage sparql`): read-only,
typed parameters bound safely, a timeout, a row cap and a memory cap honoured while
results stream, Ctrl-C, no remote SERVICE; one French line for each refusal."""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode
from typer.testing import CliRunner

from api.cli import app
from graph.oxigraph_store import OxigraphStore
from graph.rdf import XSD
from queries import paired
from queries.sparql_console import (
    QueryForm,
    ReadOnlyQuery,
    RemoteServiceRefused,
    SparqlError,
    SparqlResourceError,
    SparqlTimeout,
    parse_param,
    prepare,
    run_sparql,
    term_of,
)
from tests.conftest import aube_batch

runner = CliRunner()
CARTESIAN = "?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l"


@pytest.fixture(scope="module")
def aube() -> OxigraphStore:
    store = OxigraphStore()
    store.upsert(aube_batch())
    return store


@pytest.fixture
def aube_path(tmp_path: Path) -> Path:
    with OxigraphStore(tmp_path / "store") as store:
        store.upsert(aube_batch())
    return tmp_path / "store"


# -- parameters -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "term"),
    [
        ("org:club-10", NamedNode("https://w3id.org/maillage/id/org/club-10")),
        ("commune:10387", NamedNode("http://id.insee.fr/geo/commune/10387")),
        ("mlg:SIAE", NamedNode("https://w3id.org/maillage/ontologie#SIAE")),
        ("<http://example.org/x>", NamedNode("http://example.org/x")),
        ("20", Literal("20", datatype=NamedNode(XSD + "integer"))),
        ("2.5", Literal("2.5", datatype=NamedNode(XSD + "double"))),
        ("true", Literal("true", datatype=NamedNode(XSD + "boolean"))),
        ("2024-01-31", Literal("2024-01-31", datatype=NamedNode(XSD + "date"))),
        ('"20"', Literal("20")),
        ("Troyes", Literal("Troyes")),
    ],
)
def test_a_parameter_is_a_typed_term(raw: str, term: object) -> None:
    assert parse_param(f"p={raw}") == ("p", term)


def test_python_values_keep_their_type() -> None:
    assert term_of(3) == Literal("3", datatype=NamedNode(XSD + "integer"))
    assert term_of(date(2019, 3, 1)) == Literal("2019-03-01", datatype=NamedNode(XSD + "date"))
    assert term_of(False) == Literal("false", datatype=NamedNode(XSD + "boolean"))


def test_parameters_are_bound_in_code_only() -> None:
    text = 'SELECT ?n WHERE { ?o schema:name ?n FILTER(?n != "$name") } # $name\n'
    bound = prepare(text + "VALUES ?n { $name }", {"name": 'Boutique "Boulot"'}).text
    assert bound == text + r'VALUES ?n { "Boutique \"Boulot\"" }'


def test_a_parameter_the_query_does_not_take_is_an_error() -> None:
    with pytest.raises(SparqlError, match=r"paramètre inconnu : \$clb"):
        prepare("SELECT ?m WHERE { ?m mlg:memberOf $club }", {"clb": "org:club-10"})


def test_a_malformed_parameter_is_an_error() -> None:
    with pytest.raises(SparqlError, match="attendu NOM=valeur"):
        parse_param("club")


# -- read only -------------------------------------------------------------------------------------------

UPDATES = {
    "INSERT DATA { <http://x> <http://p> 1 }": "INSERT",
    "DELETE WHERE { ?s ?p ?o }": "DELETE",
    "PREFIX ex: <http://x/> WITH ex:g DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }": "DELETE",
    "LOAD <http://example.org/data.ttl>": "LOAD",
    "CLEAR ALL": "CLEAR",
    "CREATE GRAPH <http://x>": "CREATE",
    "DROP DEFAULT": "DROP",
    "COPY DEFAULT TO <http://x>": "COPY",
    "MOVE DEFAULT TO <http://x>": "MOVE",
    "add default to <http://x>": "ADD",
}


@pytest.mark.parametrize("update", list(UPDATES), ids=list(UPDATES.values()))
def test_an_update_is_refused_as_read_only_not_as_a_syntax_error(aube: OxigraphStore, update: str) -> None:
    before = len(aube)
    with pytest.raises(ReadOnlyQuery) as refused:
        run_sparql(aube, update)
    assert str(refused.value) == (
        f"{UPDATES[update]} est une mise à jour : la console SPARQL est en lecture seule "
        "(charger des données : maillage load)"
    )
    assert len(aube) == before


def test_update_words_in_names_strings_and_comments_are_not_updates(aube: OxigraphStore) -> None:
    query = 'SELECT ?o WHERE { ?o mlg:insert ?add ; schema:name "DELETE" } # CLEAR ALL'
    assert run_sparql(aube, query).rows == ()


def test_service_is_refused(aube: OxigraphStore) -> None:
    with pytest.raises(RemoteServiceRefused, match="SERVICE est refusé"):
        run_sparql(aube, "SELECT * WHERE { SERVICE <http://dbpedia.org/sparql> { ?s ?p ?o } }")


def test_a_syntax_error_is_one_french_line(aube: OxigraphStore) -> None:
    with pytest.raises(SparqlError, match=r"^SPARQL invalide : error at 1:1"):
        run_sparql(aube, "SELEKT ?x")


# -- answers ---------------------------------------------------------------------------------------------


def test_select_rows_are_terms_and_the_table_plain_values(aube: OxigraphStore) -> None:
    result = run_sparql(
        aube, "SELECT ?o ?n WHERE { ?o a $k ; schema:name ?n } ORDER BY ?n", params={"k": "mlg:SIAE"}
    )
    assert result.form is QueryForm.SELECT
    assert result.rows[0] == (
        NamedNode("https://w3id.org/maillage/id/org/boutique-boulot"),
        Literal("Boutique Boulot"),
    )
    assert result.table().rows == (
        ("https://w3id.org/maillage/id/org/boutique-boulot", "Boutique Boulot"),
        ("https://w3id.org/maillage/id/org/ei-troyes", "Recyclerie de Troyes"),
    )


def test_ask_and_construct(aube: OxigraphStore) -> None:
    assert run_sparql(aube, "ASK { ?o a mlg:SIAE }").boolean is True
    built = run_sparql(aube, "CONSTRUCT { ?o a mlg:Marque } WHERE { ?o a mlg:EI }")
    assert built.form is QueryForm.CONSTRUCT
    assert len(built.rows) == 1


def test_the_protocol_may_name_the_dataset(aube: OxigraphStore) -> None:
    graph = "https://w3id.org/maillage/id/source/fixture-aube"
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?o a mlg:SIAE }"
    assert run_sparql(aube, query).table().rows == ((2,),)
    assert run_sparql(aube, query, default_graphs=[graph]).table().rows == ((0,),)  # stated: kinds only
    named = "SELECT ?g WHERE { GRAPH ?g { ?o a mlg:ACI } }"
    assert run_sparql(aube, named, named_graphs=[]).rows == ()
    assert run_sparql(aube, named, named_graphs=[graph]).table().rows == ((graph,),)


# -- bounds ----------------------------------------------------------------------------------------------


def test_a_cartesian_product_streams_and_stops_at_the_row_cap(aube: OxigraphStore) -> None:
    result = run_sparql(aube, f"SELECT * WHERE {{ {CARTESIAN} }}", limit=5)
    assert len(result.rows) == 5
    assert result.truncated


def test_a_long_query_is_stopped_at_its_timeout(aube: OxigraphStore) -> None:
    started = time.monotonic()
    with pytest.raises(SparqlTimeout, match="délai de 1 s"):
        run_sparql(aube, f"SELECT (COUNT(*) AS ?n) WHERE {{ {CARTESIAN} }}", timeout_s=1)
    assert time.monotonic() - started < 10


def test_a_query_that_needs_too_much_memory_is_stopped(aube: OxigraphStore) -> None:
    with pytest.raises(SparqlResourceError, match="plus de mémoire que permis"):
        run_sparql(aube, f"SELECT * WHERE {{ {CARTESIAN} }} ORDER BY ?a ?f ?l", timeout_s=120, memory_mb=200)


def test_ctrl_c_stops_the_query(aube: OxigraphStore) -> None:
    before = children()  # the session's own (Neo4j, browsers) stay
    main = threading.main_thread().ident
    assert main is not None

    def ctrl_c_once_the_query_runs() -> None:
        # as a terminal's Ctrl-C reaches the main thread, once the query's child is
        # running (not while it is being started, however slow the machine)
        deadline = time.monotonic() + 20
        while not children() - before and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.2)
        signal.pthread_kill(main, signal.SIGINT)

    sender = threading.Thread(target=ctrl_c_once_the_query_runs, daemon=True)
    started = time.monotonic()
    sender.start()
    with pytest.raises(KeyboardInterrupt):
        run_sparql(aube, f"SELECT (COUNT(*) AS ?n) WHERE {{ {CARTESIAN} }}", timeout_s=60)
    sender.join()
    assert time.monotonic() - started < 10
    assert children() == before  # the query's child is gone, reaped (no zombie left)


def test_an_on_disk_store_is_read_by_a_child_of_the_fork_server_not_by_a_fork_of_the_caller(
    aube_path: Path,
) -> None:
    """A fork of the caller would inherit the locks its RocksDB threads held at that
    instant (a query hung until its timeout that way); the child evaluating a query
    over an on-disk store is started by the fork server instead, and is gone, reaped,
    once the query is stopped at its timeout."""
    with OxigraphStore(aube_path) as store:
        assert run_sparql(store, "ASK { ?o a mlg:SIAE }").boolean is True  # starts the fork server
        servers = children()
        evaluating: list[set[int]] = []

        def watch() -> None:
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and not evaluating:
                found = {pid for server in servers for pid in children(server)}
                if found:
                    evaluating.append(found)
                time.sleep(0.02)

        watcher = threading.Thread(target=watch)
        watcher.start()
        with pytest.raises(SparqlTimeout, match="délai de 2 s"):
            run_sparql(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ {CARTESIAN} }}", timeout_s=2)
        watcher.join()
        assert len(evaluating) == 1 and len(evaluating[0]) == 1  # one grandchild evaluated it
        assert children() == servers  # no fork of this process
        assert {pid for server in servers for pid in children(server)} == set()  # killed, reaped


def test_an_on_disk_store_answers_row_cap_and_memory_cap_alike(aube_path: Path) -> None:
    with OxigraphStore(aube_path) as store:
        names = run_sparql(store, "SELECT ?n WHERE { ?o a mlg:SIAE ; schema:name ?n } ORDER BY ?n")
        capped = run_sparql(store, f"SELECT * WHERE {{ {CARTESIAN} }}", limit=5)
        with pytest.raises(SparqlResourceError, match="plus de mémoire que permis"):
            ordered = f"SELECT * WHERE {{ {CARTESIAN} }} ORDER BY ?a ?f ?l"
            run_sparql(store, ordered, timeout_s=120, memory_mb=200)
    assert names.table().rows == (("Boutique Boulot",), ("Recyclerie de Troyes",))
    assert len(capped.rows) == 5 and capped.truncated


def children(parent: int | None = None) -> set[int]:
    """The children of `parent` (this process by default), from /proc (zombies included)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == (os.getpid() if parent is None else parent):
            found.add(int(stat.parent.name))
    return found


@pytest.mark.parametrize(("timeout_s", "limit"), [(0, 10), (-1, 10), (5, -1)])
def test_bounds_must_be_positive(aube: OxigraphStore, timeout_s: float, limit: int) -> None:
    with pytest.raises(SparqlError, match="doit être un nombre"):
        run_sparql(aube, "ASK {}", timeout_s=timeout_s, limit=limit)


# -- the command -----------------------------------------------------------------------------------------


def test_the_questions_of_queries_sparql_run_from_the_command_line(aube_path: Path) -> None:
    rq = Path(paired.__file__).parent / "sparql" / "club_members.rq"
    result = runner.invoke(
        app, ["sparql", f"@{rq}", "--param", "club=org:club-10", "--store", str(aube_path), "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    assert sorted(result.output.splitlines()[1:]) == [
        "https://w3id.org/maillage/id/org/boutique-boulot,Boutique Boulot,membre",
        "https://w3id.org/maillage/id/org/leader-sa,Leader SA,leader",
        "https://w3id.org/maillage/id/org/menuiserie,Menuiserie Champenoise,membre",
    ]
    rq = Path(paired.__file__).parent / "sparql" / "siae_near_commune.rq"
    result = runner.invoke(
        app,
        [
            "sparql",
            f"@{rq}",
            "--param",
            "commune=commune:10323",
            "--param",
            "km=40.0",
            "--store",
            str(aube_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "(2 lignes)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--timeout", "-1"], "erreur : --timeout doit être un nombre de secondes positif (reçu : -1)\n"),
        (["--limit", "-5"], "erreur : --limit doit être un nombre de lignes positif ou nul (reçu : -5)\n"),
        (["--param", "k"], "erreur : --param 'k' : attendu NOM=valeur (ex. club=org:club-10)\n"),
    ],
)
def test_bad_options_are_one_french_line(aube_path: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["sparql", "ASK { ?s ?p ?o }", "--store", str(aube_path), *args])
    assert result.exit_code == 1
    assert result.output == message


def test_an_update_on_the_command_line_is_refused_in_one_line(aube_path: Path) -> None:
    result = runner.invoke(app, ["sparql", "CLEAR ALL", "--store", str(aube_path)])
    assert result.exit_code == 1
    assert result.output == (
        "erreur : CLEAR est une mise à jour : la console SPARQL est en lecture seule "
        "(charger des données : maillage load)\n"
    )
    with OxigraphStore(aube_path) as store:
        assert store.counts().nodes["ACI"] == 1


def test_a_missing_query_file_is_one_line(aube_path: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["sparql", f"@{tmp_path / 'absent.rq'}", "--store", str(aube_path)])
    assert result.exit_code == 1
    assert result.output == f"erreur : fichier de requête introuvable : {tmp_path / 'absent.rq'}\n"


def test_the_row_limit_is_said(aube_path: Path) -> None:
    result = runner.invoke(
        app,
        ["sparql", "SELECT ?o WHERE { ?o a mlg:Organisation }", "--limit", "2", "--store", str(aube_path)],
    )
    assert result.exit_code == 0, result.output
    assert len([line for line in result.output.splitlines() if "id:org/" in line]) == 2
