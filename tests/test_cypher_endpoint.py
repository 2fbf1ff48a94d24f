"""/cypher on the real Neo4j of the test session, holding the Aube fixture."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from graph.neo4j_store import Neo4jStore
from graph.oxigraph_store import OxigraphStore
from tests.api_client import client_for
from tests.conftest import aube_batch

COUNT_BY_KIND = "MATCH (o:Organisation) RETURN o.kind AS kind, count(*) AS n ORDER BY kind"


@pytest.fixture
def aube(neo4j_store: Neo4jStore) -> Iterator[tuple[Neo4jStore, OxigraphStore]]:
    neo4j_store.upsert(aube_batch())
    store = OxigraphStore()
    yield neo4j_store, store
    store.close()


@pytest.fixture
def client(aube: tuple[Neo4jStore, OxigraphStore]) -> TestClient:
    neo4j, store = aube
    return client_for(store, neo4j=neo4j.driver, cypher_row_limit=10)


def node_count(neo4j: Neo4jStore) -> int:
    records, _, _ = neo4j.driver.execute_query("MATCH (n) RETURN count(n) AS n", database_="neo4j")
    return int(records[0]["n"])


def test_read_query_get_and_post(client: TestClient) -> None:
    expected = {
        "columns": ["kind", "n"],
        "rows": [["ACI", 1], ["Club", 1], ["EI", 1], ["Entreprise", 4]],
        "truncated": False,
    }
    assert client.get("/cypher", params={"query": COUNT_BY_KIND}).json() == expected
    member = client.post(
        "/cypher",
        json={
            "query": "MATCH (m:Node {id: $member})-[r:MEMBER_OF]->(c) "
            "RETURN c.name AS club, r.since AS since",
            "params": {"member": "org:leader-sa"},
        },
    )
    assert member.json()["rows"] == [["Club Les entreprises s'engagent de l'Aube", "2019-03-01"]]


def test_row_limit(client: TestClient) -> None:
    answer = client.get("/cypher", params={"query": "UNWIND range(1, 50) AS x RETURN x"}).json()
    assert answer["rows"] == [[x] for x in range(1, 11)]
    assert answer["truncated"] is True


def test_writes_are_refused(client: TestClient, neo4j_store: Neo4jStore) -> None:
    before = node_count(neo4j_store)
    answer = client.post("/cypher", json={"query": "MATCH (n) DETACH DELETE n"})
    assert answer.status_code == 403
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["detail"].startswith(
        "le point d'accès Cypher est en lecture seule : requête refusée"
    )
    assert node_count(neo4j_store) == before > 0


def test_timeout_and_syntax(aube: tuple[Neo4jStore, OxigraphStore], client: TestClient) -> None:
    neo4j, store = aube
    slow = client_for(store, neo4j=neo4j.driver, cypher_timeout_s=1.0).get(
        "/cypher",
        params={"query": "UNWIND range(1, 10000000000) AS x WITH x WHERE x % 7 = 3 RETURN count(*)"},
    )
    assert slow.status_code == 503
    assert slow.json()["title"] == "Délai dépassé"
    broken = client.get("/cypher", params={"query": "MATCH (n RETURN n"})
    assert broken.status_code == 400
    assert broken.json()["detail"].startswith("requête Cypher refusée par Neo4j : ")


def test_without_neo4j_the_route_says_so() -> None:
    store = OxigraphStore()
    answer = client_for(store).get("/cypher", params={"query": "RETURN 1"})
    assert answer.status_code == 503
    assert answer.json()["detail"] == "aucun serveur Neo4j n'est configuré (maillage serve --neo4j bolt://…)"
    store.close()
