"""/sparql over maillage's own graph: negotiation, limits, refusals (the W3C suite is in
test_sparql_protocol.py)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from graph.oxigraph_store import OxigraphStore
from tests.api_client import client_for
from tests.conftest import aube_batch

NAMES = """SELECT ?name WHERE { ?o a mlg:Entreprise ; schema:name ?name ;
    mlg:locatedIn <http://id.insee.fr/geo/commune/10323> } ORDER BY ?name"""


@pytest.fixture
def store() -> Iterator[OxigraphStore]:
    s = OxigraphStore()
    s.upsert(aube_batch())
    yield s
    s.close()


@pytest.fixture
def client(store: OxigraphStore) -> TestClient:
    return client_for(store)


def test_select_in_each_results_format(client: TestClient) -> None:
    as_json = client.get("/sparql", params={"query": NAMES})
    assert as_json.headers["content-type"] == "application/sparql-results+json; charset=utf-8"
    assert as_json.json() == {
        "head": {"vars": ["name"]},
        "results": {
            "bindings": [
                {"name": {"type": "literal", "value": "Entreprise isolée"}},
                {"name": {"type": "literal", "value": "Transports de Seine"}},
            ]
        },
    }
    as_csv = client.get("/sparql", params={"query": NAMES}, headers={"Accept": "text/csv"})
    assert as_csv.text == "name\r\nEntreprise isolée\r\nTransports de Seine\r\n"
    as_tsv = client.get("/sparql", params={"query": NAMES}, headers={"Accept": "text/tab-separated-values"})
    assert as_tsv.text == '?name\n"Entreprise isolée"\n"Transports de Seine"\n'
    as_xml = client.post(
        "/sparql", data={"query": NAMES}, headers={"Accept": "application/sparql-results+xml"}
    )
    assert as_xml.text == (
        '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'
        '<head><variable name="name"/></head>\n<results>\n'
        '<result><binding name="name"><literal>Entreprise isolée</literal></binding></result>\n'
        '<result><binding name="name"><literal>Transports de Seine</literal></binding></result>\n'
        "</results>\n</sparql>\n"
    )


def test_typed_values_and_ask(client: TestClient) -> None:
    since = client.post(
        "/sparql",
        content=r"SELECT ?since WHERE { ?m mlg:from id:org\/leader-sa ; mlg:since ?since }",
        headers={"Content-Type": "application/sparql-query"},
    )
    assert since.json()["results"]["bindings"] == [
        {
            "since": {
                "type": "literal",
                "value": "2019-03-01",
                "datatype": "http://www.w3.org/2001/XMLSchema#date",
            }
        }
    ]
    ask = client.get(
        "/sparql",
        params={"query": "ASK { ?o a mlg:ACI }"},
        headers={"Accept": "application/sparql-results+xml"},
    )
    assert ask.text.endswith("<boolean>true</boolean>\n</sparql>\n")


CONSTRUCT = """CONSTRUCT { ?o schema:name ?n } WHERE {
    ?o a mlg:EI ; schema:name ?n }"""


def test_construct_in_each_graph_format(client: TestClient) -> None:
    turtle = client.get("/sparql", params={"query": CONSTRUCT})
    assert turtle.headers["content-type"] == "text/turtle; charset=utf-8"
    assert (
        turtle.text
        == '<https://w3id.org/maillage/id/org/ei-troyes> <https://schema.org/name> "Recyclerie de Troyes" .\n'
    )
    nt = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": "application/n-triples"})
    assert (
        nt.text
        == '<https://w3id.org/maillage/id/org/ei-troyes> <https://schema.org/name> "Recyclerie de Troyes" .\n'
    )
    jsonld = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": "application/ld+json"})
    assert json.loads(jsonld.content) == [
        {
            "@id": "https://w3id.org/maillage/id/org/ei-troyes",
            "https://schema.org/name": [{"@value": "Recyclerie de Troyes"}],
        }
    ]


def test_a_format_that_does_not_fit_is_a_406(client: TestClient) -> None:
    answer = client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "text/turtle"})
    assert answer.status_code == 406
    assert answer.json()["detail"] == "aucun des formats demandés (text/turtle) ne convient à cette requête"


def test_named_graphs_keep_provenance(client: TestClient) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    answer = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    assert answer.text == "g\r\nhttps://w3id.org/maillage/id/source/fixture-aube\r\n"
    restricted = client.get(
        "/sparql",
        params={
            "query": "ASK { ?s ?p ?o }",
            "default-graph-uri": "https://w3id.org/maillage/id/source/autre",
        },
    )
    assert restricted.json()["boolean"] is False


def test_row_limit_cuts_and_says_so(store: OxigraphStore) -> None:
    client = client_for(store, sparql_row_limit=1)
    answer = client.get("/sparql", params={"query": NAMES}, headers={"Accept": "text/csv"})
    assert answer.text == "name\r\nEntreprise isolée\r\n"
    assert answer.headers["x-maillage-truncated"] == "limite de 1 lignes atteinte"


SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def test_timeout_stops_the_wait(store: OxigraphStore) -> None:
    client = client_for(store, sparql_timeout_s=0.05)
    answer = client.get("/sparql", params={"query": SLOW})
    assert answer.status_code == 503
    assert answer.json()["detail"] == "la requête a dépassé son délai de 0.05 s"


def children() -> set[int]:
    """The processes this test process has started and not yet reaped."""
    return {int(pid) for f in Path("/proc/self/task").glob("*/children") for pid in f.read_text().split()}


def test_a_query_past_its_timeout_is_stopped_not_left_running(store: OxigraphStore) -> None:
    """The endpoint runs queries as `maillage sparql` does (`run_sparql`): in a child
    process killed at the time limit, so the evaluation does not go on in the background."""
    client = client_for(store, sparql_timeout_s=0.2)
    before = children()
    started = time.monotonic()
    answer = client.get("/sparql", params={"query": SLOW})
    assert answer.status_code == 503
    assert time.monotonic() - started < 5  # the cartesian product would take far longer
    assert children() == before  # the child evaluating it was killed and reaped
    assert [t for t in threading.enumerate() if t.name == "sparql-query"] == []


@pytest.mark.parametrize(
    ("method", "kwargs", "status", "detail"),
    [
        ("GET", {"params": {"query": "ASK {"}}, 400, "requête SPARQL invalide : "),
        ("GET", {}, 400, "paramètre « query » absent : donner une requête SPARQL"),
        ("GET", {"params": {"update": "CLEAR ALL"}}, 403, "le point d'accès SPARQL est en lecture seule"),
        ("GET", {"params": {"query": "DROP ALL"}}, 403, "le point d'accès SPARQL est en lecture seule"),
        (
            "POST",
            {"content": "ASK {}", "headers": {"Content-Type": "text/plain"}},
            415,
            "type de contenu « text/plain »",
        ),
        ("PUT", {"params": {"query": "ASK {}"}}, 405, "la méthode PUT n'est pas permise"),
    ],
)
def test_refusals_are_french_problems(
    client: TestClient, method: str, kwargs: dict, status: int, detail: str
) -> None:
    answer = client.request(method, "/sparql", **kwargs)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["detail"].startswith(detail)
