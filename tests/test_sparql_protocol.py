"""/sparql against the W3C SPARQL 1.1 Protocol test suite (the manifest and its data
in /work/shared/data/w3c/sparql11-protocol): its query tests pass; its update tests
are refused, the endpoint being read-only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pytest
import rdflib
from fastapi.testclient import TestClient
from httpx import Response
from pyoxigraph import NamedNode, Quad, RdfFormat, parse
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

from graph.oxigraph_store import OxigraphStore
from tests.api_client import client_for
from tests.conftest import SHARED_DATA

SUITE = SHARED_DATA / "w3c" / "sparql11-protocol"
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
HTS = rdflib.Namespace("http://www.w3.org/2011/http-statusCodes#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")


@dataclass(frozen=True)
class Step:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: frozenset[str]  # "2xx", "3xx", "4xx"…
    boolean: bool | None
    form: str | None  # "boolean", "tabular", "RDF"


@dataclass(frozen=True)
class ProtocolTest:
    name: str
    label: str
    graphs: tuple[tuple[Path, str], ...]  # file, graph name
    steps: tuple[Step, ...]


def _manifest() -> list[ProtocolTest]:
    g = rdflib.Graph().parse(SUITE / "manifest.ttl", format="turtle", publicID=SUITE.as_uri() + "/")
    root = next(g.subjects(RDF.type, MF.Manifest))
    tests = []
    for entry in Collection(g, g.value(root, MF.entries)):
        graphs = tuple(
            (Path(str(g.value(d, UT.graph)).removeprefix("file://")), str(g.value(d, RDFS.label)))
            for d in g.objects(entry, UT.graphData)
        )
        action = g.value(entry, MF.action)
        steps = []
        for request in Collection(g, g.value(action, HT.requests)):
            headers = {}
            header_list = g.value(request, HT.headers)
            if header_list is not None:
                for header in Collection(g, header_list):
                    headers[str(g.value(header, HT.fieldName))] = str(g.value(header, HT.fieldValue))
            body = None
            content = g.value(request, HT.body)
            if content is not None:
                encoding = str(g.value(content, CNT.characterEncoding) or "UTF-8")
                body = str(g.value(content, CNT.chars)).encode(encoding.lower())
            response = g.value(request, HT.resp)
            statuses = frozenset(
                str(s).rsplit("StatusCode", 1)[-1] for s in g.objects(response, MF.expectedStatus)
            )
            boolean = g.value(response, MF.expectedBoolean)
            form = g.value(response, MF.expectedFormat)
            steps.append(
                Step(
                    str(g.value(request, HT.methodName)),
                    str(g.value(request, HT.absolutePath)).replace("/sparql/", "/sparql", 1),
                    headers,
                    body,
                    statuses,
                    bool(boolean.toPython()) if boolean is not None else None,
                    str(form) if form is not None else None,
                )
            )
        name = str(entry).rsplit("#", 1)[-1]
        tests.append(ProtocolTest(name, str(g.value(entry, MF.name)), graphs, tuple(steps)))
    return tests


TESTS = _manifest()
UPDATE_TESTS = [t for t in TESTS if "update" in t.name]
QUERY_TESTS = [t for t in TESTS if "update" not in t.name]


@pytest.fixture
def endpoint(request: pytest.FixtureRequest) -> Iterator[TestClient]:
    test: ProtocolTest = request.param
    store = OxigraphStore()
    for path, graph in test.graphs:
        # The suite's data is foreign to the maillage model: written as plain quads into
        # the named graph the manifest gives it.
        store._store.extend(
            Quad(q.subject, q.predicate, q.object, NamedNode(graph))
            for q in parse(path.read_bytes(), RdfFormat.N_TRIPLES)
        )
    yield client_for(store)
    store.close()


def _send(client: TestClient, step: Step) -> Response:
    return client.request(step.method, step.path, headers=step.headers, content=step.body)


def _status_class(response: Response) -> str:
    return f"{response.status_code // 100}xx"


def _boolean(response: Response) -> bool:
    content_type = response.headers["content-type"]
    if "json" in content_type:
        return bool(json.loads(response.content)["boolean"])
    root = ElementTree.fromstring(response.content)
    found = root.find("{http://www.w3.org/2005/sparql-results#}boolean")
    assert found is not None
    return found.text == "true"


_FORMS = {
    "boolean": ("application/sparql-results+json", "application/sparql-results+xml"),
    "tabular": (
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    ),
    "RDF": ("application/rdf+xml", "text/turtle", "application/n-triples"),
}


def test_the_suite_is_whole() -> None:
    assert (len(TESTS), len(QUERY_TESTS), len(UPDATE_TESTS)) == (34, 20, 14)


@pytest.mark.parametrize("endpoint", QUERY_TESTS, ids=[t.name for t in QUERY_TESTS], indirect=True)
def test_query(endpoint: TestClient, request: pytest.FixtureRequest) -> None:
    test = next(t for t in QUERY_TESTS if t.name == request.node.callspec.id)
    for step in test.steps:
        response = _send(endpoint, step)
        assert _status_class(response) in step.statuses, (test.label, response.status_code, response.text)
        if step.form is not None:
            assert response.headers["content-type"].split(";")[0] in _FORMS[step.form]
        if step.boolean is not None:
            assert _boolean(response) is step.boolean


@pytest.mark.parametrize("endpoint", UPDATE_TESTS, ids=[t.name for t in UPDATE_TESTS], indirect=True)
def test_update_is_refused(endpoint: TestClient, request: pytest.FixtureRequest) -> None:
    test = next(t for t in UPDATE_TESTS if t.name == request.node.callspec.id)
    update = test.steps[0]
    response = _send(endpoint, update)
    assert response.status_code in (400, 403, 405, 415), response.text
    assert response.headers["content-type"] == "application/problem+json"
    if response.status_code == 403:
        assert response.json()["detail"] == (
            "le point d'accès SPARQL est en lecture seule : les mises à jour sont refusées"
        )
