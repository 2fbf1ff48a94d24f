"""The Neo4j launcher for real: Neo4j Community in a JVM on a free port, reached with the official driver."""

from __future__ import annotations

import socket
from pathlib import Path

import neo4j
import pytest

from graph.neo4j_server import NEO4J_VERSION, Neo4jLaunchError, Neo4jServer


def _port_closed(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return False
    except OSError:
        return True


def test_server_round_trip_then_stops(tmp_path: Path) -> None:
    data_dir = tmp_path / "neo4j"
    server = Neo4jServer()
    uri = server.start(data_dir=data_dir, timeout=180.0)
    try:
        port = server.port
        assert uri == f"bolt://127.0.0.1:{port}"
        assert server.uri == uri
        assert server.running

        with neo4j.GraphDatabase.driver(uri, auth=None) as driver:
            driver.verify_connectivity()
            records, _, _ = driver.execute_query("CREATE (n:Probe {id: 'x'}) RETURN n.id AS id")
            assert [record["id"] for record in records] == ["x"]
            records, _, _ = driver.execute_query("MATCH (n:Probe) RETURN count(n) AS n")
            assert records[0]["n"] == 1

            records, _, _ = driver.execute_query(
                "CALL dbms.components() YIELD name, versions, edition RETURN name, versions, edition"
            )
            kernel = records[0]
            assert kernel["name"] == "Neo4j Kernel"
            assert kernel["versions"][0].startswith("5.26")
            assert kernel["versions"][0] == NEO4J_VERSION
            assert kernel["edition"] == "community"
    finally:
        server.stop()

    assert not server.running
    assert _port_closed(port)
    assert (data_dir / "data" / "databases" / "neo4j").is_dir()  # the store went where it was told


def test_settings_reach_the_server_and_override_the_launchers(tmp_path: Path) -> None:
    # the launcher turns preallocation off; a setting given to the server turns it back on
    settings = ("db.tx_log.preallocate=true", "db.checkpoint.interval.tx=250000")
    with (
        Neo4jServer(log_level="WARN", settings=settings) as server,
        neo4j.GraphDatabase.driver(server.uri, auth=None) as driver,
    ):
        records, _, _ = driver.execute_query(
            "SHOW SETTINGS YIELD name, value "
            "WHERE name IN ['db.tx_log.preallocate', 'db.checkpoint.interval.tx'] "
            "RETURN name, value ORDER BY name"
        )
    assert [(r["name"], r["value"]) for r in records] == [
        ("db.checkpoint.interval.tx", "250000"),
        ("db.tx_log.preallocate", "true"),
    ]


def test_a_setting_without_a_value_is_refused_before_neo4j_starts() -> None:
    server = Neo4jServer(log_level="WARN", settings=("db.tx_log.preallocate",))
    with pytest.raises(Neo4jLaunchError, match=r"--setting needs KEY=VALUE: db\.tx_log\.preallocate"):
        server.start(timeout=60.0)
    assert not server.running
