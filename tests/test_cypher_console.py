"""The read-only Cypher console, on the real server with the Aube fixture."""

from __future__ import annotations

import time
from datetime import date

import pytest

from graph.neo4j_store import Neo4jStore
from queries.cypher_console import (
    CypherError,
    CypherTimeout,
    ProcedureRefused,
    ReadOnlyViolation,
    _run_read,
    check_read_only,
    run_cypher,
)
from tests.conftest import aube_batch

COUNT_BY_KIND = "MATCH (n:Organisation) RETURN n.kind AS kind, count(*) AS n ORDER BY kind"


@pytest.fixture
def aube(neo4j_store: Neo4jStore) -> Neo4jStore:
    neo4j_store.upsert(aube_batch())
    return neo4j_store


def node_count(store: Neo4jStore) -> int:
    records, _, _ = store.driver.execute_query("MATCH (n) RETURN count(n) AS n", database_=store.database)
    return int(records[0]["n"])


def test_read_query_returns_columns_and_plain_rows(aube: Neo4jStore) -> None:
    columns, rows = run_cypher(aube.driver, COUNT_BY_KIND)
    assert columns == ("kind", "n")
    assert rows == (("ACI", 1), ("Club", 1), ("EI", 1), ("Entreprise", 4))


def test_parameters_and_dates_come_back_as_python_values(aube: Neo4jStore) -> None:
    result = run_cypher(
        aube.driver,
        "MATCH (m:Node {id: $member})-[r:MEMBER_OF]->(c) "
        "RETURN c.name AS club, r.role AS role, r.since AS since",
        params={"member": "org:leader-sa"},
    )
    assert result.rows == (("Club Les entreprises s'engagent de l'Aube", "leader", date(2019, 3, 1)),)


def test_nodes_are_dicts_of_labels_and_properties_without_the_ledger(aube: Neo4jStore) -> None:
    result = run_cypher(aube.driver, "MATCH (n:Node {id: 'commune:10387'}) RETURN n")
    (node,) = result.rows[0]
    assert node["labels"] == ["Commune", "Lieu", "Node", "Place"]
    assert node["name"] == "Troyes"
    assert node["location"] == {"longitude": 4.0744, "latitude": 48.2973}
    assert "by_source" not in node


def test_row_limit_keeps_the_first_rows_and_says_so(aube: Neo4jStore) -> None:
    cut = run_cypher(aube.driver, "UNWIND range(1, 50) AS x RETURN x", limit=10)
    assert cut.rows == tuple((x,) for x in range(1, 11))
    assert cut.truncated
    whole = run_cypher(aube.driver, "UNWIND range(1, 50) AS x RETURN x", limit=50)
    assert len(whole.rows) == 50
    assert not whole.truncated


def test_a_query_past_its_timeout_is_stopped(aube: Neo4jStore) -> None:
    started = time.monotonic()
    with pytest.raises(CypherTimeout, match="délai de 1 s"):
        run_cypher(
            aube.driver,
            "UNWIND range(1, 10000000000) AS x WITH x WHERE x % 7 = 3 RETURN count(*)",
            timeout_s=1,
        )
    assert time.monotonic() - started < 30


WRITES = {
    "CREATE (n:Node {id: 'org:nouvelle'})": "CREATE",
    "MERGE (n:Node {id: 'org:nouvelle'})": "MERGE",
    "MATCH (n:Node) SET n.x = 1": "SET",
    "MATCH (n:Node) DELETE n": "DELETE",
    "MATCH (n:Node) DETACH DELETE n": "DETACH DELETE",
    "MATCH (n:Node) REMOVE n.name": "REMOVE",
    "DROP CONSTRAINT node_id": "DROP",
    "LOAD CSV FROM 'file:///x.csv' AS line RETURN line": "LOAD CSV",
    "MATCH (n) CALL (n) { RETURN n AS m } IN TRANSACTIONS OF 10 ROWS RETURN m": "IN TRANSACTIONS",
    "CALL apoc.create.node(['X'], {})": "apoc.create.node",
    "CALL db.createLabel('X')": "db.createLabel",
    "match (n) detach\n  delete n": "DETACH DELETE",
}


@pytest.mark.parametrize("query", list(WRITES), ids=list(WRITES.values()))
def test_write_clauses_are_refused_before_sending(aube: Neo4jStore, query: str) -> None:
    before = node_count(aube)
    with pytest.raises(ReadOnlyViolation, match=WRITES[query].replace("{", r"\{")):
        run_cypher(aube.driver, query)
    assert node_count(aube) == before


def test_a_write_is_refused_in_french_saying_the_console_only_reads(aube: Neo4jStore) -> None:
    with pytest.raises(ReadOnlyViolation) as refused:
        run_cypher(aube.driver, "MATCH (n:Node) SET n.x = 1")
    assert str(refused.value) == (
        "SET est une écriture : la console Cypher est en lecture seule (charger des données : maillage load)"
    )


@pytest.mark.parametrize("query", ["CALL dbms.listConfig()", "call DBMS.components() YIELD name RETURN name"])
def test_dbms_procedures_are_refused_before_sending(aube: Neo4jStore, query: str) -> None:
    with pytest.raises(ProcedureRefused, match=r"les procédures dbms\.\* administrent le serveur"):
        run_cypher(aube.driver, query)


def test_dbms_in_a_string_or_a_property_is_not_a_procedure() -> None:
    check_read_only("MATCH (n:Node) WHERE n.name = 'dbms.listConfig' RETURN n.dbms AS d")


@pytest.mark.parametrize(
    ("timeout_s", "limit", "message"),
    [(0, 10, "--timeout doit être un nombre de secondes positif"), (5, -1, "--limit doit être")],
)
def test_bounds_that_are_not_positive_are_one_french_error(
    aube: Neo4jStore, timeout_s: float, limit: int, message: str
) -> None:
    with pytest.raises(CypherError, match=message):
        run_cypher(aube.driver, "RETURN 1", timeout_s=timeout_s, limit=limit)


def test_words_in_strings_comments_and_names_are_not_clauses() -> None:
    check_read_only(
        "MATCH (n:Node) WHERE n.name = 'CREATE or DELETE' AND n.set IS NULL // MERGE\n"
        "/* DROP */ RETURN n.`remove` AS `SET`, $create AS p"
    )


def test_the_server_refuses_a_write_the_check_did_not_see(aube: Neo4jStore) -> None:
    before = node_count(aube)
    with pytest.raises(ReadOnlyViolation, match="read access mode"):
        _run_read(
            aube.driver, "CREATE (:Node {id: 'org:x'})", params=None, timeout_s=10, limit=10, database="neo4j"
        )
    assert node_count(aube) == before


def test_a_syntax_error_is_one_clear_error(aube: Neo4jStore) -> None:
    with pytest.raises(CypherError, match="Neo4j a refusé la requête : Invalid input"):
        run_cypher(aube.driver, "MATCH (n RETURN n")
