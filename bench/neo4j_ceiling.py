"""Benchmark: what the Neo4j server itself allows on this machine — the write path's
statements replayed with no Python work between them, and the bare minimum (new nodes
and new relations, one transaction).

    python -m bench.neo4j_ceiling --nodes 20000 --chunk 10000

One run, on the real server (`graph.neo4j_server.Neo4jServer`, fresh data directory),
on the graph of `bench.neo4j_load` (`bench.synthetic.synthetic_graph`):

0. warm-up: the small graph of `bench.neo4j_load`, loaded then cleared (plans), then the
   whole graph `--warm` times by `Neo4jStore.upsert`, each load's time printed: how long
   a new JVM takes to compile the write path (the first loads are the slowest);
1. store: `Neo4jStore.upsert` in upserts of `--chunk` rows, each statement and its
   parameters recorded as sent (the rows/s of the write path, as `bench.neo4j_load`);
2. replay: the database emptied, the recorded statements sent again, upsert by upsert,
   one transaction each, their parameters already built: what remains is packing,
   the round trips, the server's work and the commits — the ceiling of any client
   sending these statements;
3. bare: the database emptied, every node then every relation in one transaction
   (`CREATE` under fixed labels, then relations between ends found by the ``id``
   index), parameters already built, no read, no ledger look-up;
4. bare by element id: the same, the nodes' element ids returned by their ``CREATE``
   and the relations' ends found by them (no index seek);
5. bare, ends read first: the nodes created as in 3, then the element ids of every
   relation's ends read by the ``id`` index (one read, as an upsert of relations alone
   would need) and the relations' ends found by them;
6. bare without ledgers: as 3, without the ``by_source`` JSON of nodes and relations
   (what the provenance ledgers cost the server; the store cannot do without them);
7. bare, only the ``id`` constraint: as 3, the indexes ``node_name``, ``node_kind`` and
   ``node_location`` dropped for the step and created again after it (what they cost);
8. minimal rows, one writer then two: as many nodes and relations as the graph, but
   the cheapest the server can write (the label ``Node`` alone, four short properties,
   relations without properties between nodes of the same writer), in transactions of
   `--chunk` rows; with two writers, each writes half on a session and a thread of its
   own, at the same time (what any client could reach here with rows stripped of
   everything the store needs, and with upserts that were not each one transaction).

Each step prints its seconds, rows/s and commit time; steps 2–4 run `--repeat` times
(the first run after a warm-up can still be slower: the JIT). The counts after steps
1–4 must be equal.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, Final

from neo4j import Driver, ManagedTransaction

from bench.neo4j_load import TRIPLES_PER_NODE, chunks
from bench.synthetic import synthetic_graph
from graph.kinds import RelKind
from graph.model import Batch
from graph.neo4j_cypher import create_edges, create_nodes
from graph.neo4j_ledger import batch_edges, batch_nodes, kind_labels, new_edge_properties, new_node_properties
from graph.neo4j_server import DEFAULT_HEAP, DEFAULT_PAGE_CACHE, Neo4jServer
from graph.neo4j_store import Neo4jStore, connect

Recorded = list[tuple[str, dict[str, Any]]]

CREATE_NODES_RETURNING: Final = "{create} RETURN elementId(n) AS element_id"
SECONDARY_INDEXES: Final = ("node_name", "node_kind", "node_location")
ELEMENT_IDS: Final = "UNWIND $ids AS id MATCH (n:Node {id: id}) RETURN n.id AS id, elementId(n) AS element_id"


def create_edges_by_element_id(rel: RelKind, keys: tuple[str, ...]) -> str:
    """`create_edges`, the ends found by element id."""
    text = create_edges(rel, keys)
    return text.replace(
        "MATCH (s:Node {id: row.source})", "MATCH (s) WHERE elementId(s) = row.source"
    ).replace("MATCH (t:Node {id: row.target})", "MATCH (t) WHERE elementId(t) = row.target")


def _say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class _RecordingTx:
    def __init__(self, tx: ManagedTransaction, into: Recorded) -> None:
        self._tx, self._into = tx, into

    def run(self, query: str, parameters: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        params = {**(parameters or {}), **kwargs}
        self._into.append((query, params))
        return self._tx.run(query, params)


class RecordingStore(Neo4jStore):
    """A store that records every statement of its upserts, one list an upsert."""

    def __init__(self, driver: Driver, **kwargs: Any) -> None:
        super().__init__(driver, **kwargs)
        self.recorded: list[Recorded] = []

    def _write(self, tx: ManagedTransaction, *args: Any) -> None:
        statements: Recorded = []
        self.recorded.append(statements)
        super()._write(_RecordingTx(tx, statements), *args)  # type: ignore[arg-type]


def replay(driver: Driver, upserts: Sequence[Recorded]) -> dict[str, float]:
    """Every recorded upsert in its own transaction: seconds in statements and commits."""
    statements_s = commit_s = 0.0
    with driver.session(database="neo4j") as session:
        for recorded in upserts:
            tx = session.begin_transaction()
            begun = time.perf_counter()
            for query, params in recorded:
                tx.run(query, params).consume()
            sent = time.perf_counter()
            tx.commit()
            statements_s += sent - begun
            commit_s += time.perf_counter() - sent
    return {"statements_s": statements_s, "commit_s": commit_s}


def bare_rows(
    batches: Sequence[Batch],
) -> tuple[dict[tuple[str, ...], list[dict[str, Any]]], dict[RelKind, list[dict[str, Any]]]]:
    """The rows of every node (by labels) and relation (by type) as new ones, built once.
    A node several datasets state is taken from its first dataset (the bare minimum)."""
    nodes: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    edges: dict[RelKind, list[dict[str, Any]]] = defaultdict(list)
    seen: set[str] = set()
    for batch in batches:
        source = batch.provenance.source
        for node_id, entry in batch_nodes(batch).items():
            if node_id not in seen:
                seen.add(node_id)
                nodes[kind_labels(entry["kind"])].append(new_node_properties(node_id, source, entry))
        for (s, rel, t, key), attrs in batch_edges(batch).items():
            edges[rel].append({"source": s, "target": t, "props": new_edge_properties(source, key, attrs)})
    return nodes, edges


def _keys(rows: Sequence[dict[str, Any]]) -> tuple[str, ...]:
    return tuple(sorted({k for row in rows for k in row}))


def bare(
    driver: Driver,
    nodes: dict[tuple[str, ...], list[dict[str, Any]]],
    edges: dict[RelKind, list[dict[str, Any]]],
    *,
    by_element_id: bool,
    statement_rows: int,
    read_ends: bool = False,
) -> dict[str, float]:
    """Every node, then every relation, in one transaction; seconds of each part."""
    with driver.session(database="neo4j") as session:
        tx = session.begin_transaction()
        begun = time.perf_counter()
        element_ids: dict[str, str] = {}
        for labels, rows in sorted(nodes.items()):
            query = create_nodes(labels, _keys(rows))
            for start in range(0, len(rows), statement_rows):
                part = rows[start : start + statement_rows]
                if by_element_id and not read_ends:
                    found = tx.run(CREATE_NODES_RETURNING.format(create=query), rows=part)
                    for row, record in zip(part, found, strict=True):
                        element_ids[row["id"]] = record["element_id"]
                else:
                    tx.run(query, rows=part).consume()
        nodes_done = time.perf_counter()
        if read_ends:
            ends = sorted(
                {row[end] for rows in edges.values() for row in rows for end in ("source", "target")}
            )
            for start in range(0, len(ends), statement_rows):
                for record in tx.run(ELEMENT_IDS, ids=ends[start : start + statement_rows]):
                    element_ids[record["id"]] = record["element_id"]
        for rel, rows in sorted(edges.items()):
            keys = _keys([row["props"] for row in rows])
            if by_element_id:
                query = create_edges_by_element_id(rel, keys)
                rows = [
                    {**row, "source": element_ids[row["source"]], "target": element_ids[row["target"]]}
                    for row in rows
                ]
            else:
                query = create_edges(rel, keys)
            for start in range(0, len(rows), statement_rows):
                part = rows[start : start + statement_rows]
                summary = tx.run(query, rows=part).consume()
                assert summary.counters.relationships_created == len(part)
        edges_done = time.perf_counter()
        tx.commit()
        committed = time.perf_counter()
    return {
        "nodes_s": nodes_done - begun,
        "edges_s": edges_done - nodes_done,
        "commit_s": committed - edges_done,
    }


MINIMAL_NODES: Final = (
    "UNWIND $rows AS row CREATE (:Node {id: row.id, name: row.name, kind: row.kind, n: row.n})"
)
MINIMAL_EDGES: Final = (
    "UNWIND $rows AS row MATCH (s:Node {id: row.source}) MATCH (t:Node {id: row.target}) "
    "CREATE (s)-[:MINIMAL]->(t)"
)


Share = tuple[list[dict[str, Any]], list[dict[str, Any]]]


def minimal_rows(n_nodes: int, n_edges: int, writers: int) -> list[Share]:
    """Each writer's nodes and relations (its relations join its own nodes), built once."""
    shares: list[Share] = []
    for writer in range(writers):
        count = n_nodes // writers
        nodes = [
            {"id": f"min:{writer}:{i}", "name": f"Structure {writer}-{i}", "kind": "EI", "n": i}
            for i in range(count)
        ]
        edges = [
            {"source": f"min:{writer}:{i % count}", "target": f"min:{writer}:{(i * 7919 + 1) % count}"}
            for i in range(n_edges // writers)
        ]
        shares.append((nodes, edges))
    return shares


def minimal(driver: Driver, shares: Sequence[Share], chunk: int) -> float:
    """Every share written at once, one thread and one session each, nodes then relations,
    in transactions of `chunk` rows; the seconds until all are written."""

    def one(tx: ManagedTransaction, statement: str, rows: list[dict[str, Any]]) -> None:
        tx.run(statement, rows=rows).consume()

    def write(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> None:
        with driver.session(database="neo4j") as session:
            for statement, rows in ((MINIMAL_NODES, nodes), (MINIMAL_EDGES, edges)):
                for start in range(0, len(rows), chunk):
                    session.execute_write(one, statement, rows[start : start + chunk])

    begun = time.perf_counter()
    threads = [threading.Thread(target=write, args=share) for share in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - begun


def run(
    nodes: int,
    chunk: int,
    *,
    repeat: int,
    warm: int,
    heap: str,
    page_cache: str,
    settings: Sequence[str],
    jvm_args: Sequence[str] = (),
) -> None:
    batches = synthetic_graph(nodes * TRIPLES_PER_NODE).batches
    rows = sum(len(b.nodes) + len(b.edges) for b in batches)
    node_rows, edge_rows = bare_rows(batches)
    n_nodes = sum(len(r) for r in node_rows.values())
    n_edges = sum(len(r) for r in edge_rows.values())
    _say(f"graph: {rows:,} rows ({n_nodes:,} distinct nodes, {n_edges:,} relations)")
    with Neo4jServer(
        log_level="WARN", heap=heap, page_cache=page_cache, settings=settings, jvm_args=jvm_args
    ) as server:
        driver = connect(server.uri, server.auth)
        try:
            store = RecordingStore(driver)
            store.ensure_schema()
            for batch in synthetic_graph(500 * TRIPLES_PER_NODE, seed=7).batches:
                for part in chunks(batch, chunk):
                    store.upsert(part)
            store.clear()
            for attempt in range(warm):  # the JIT: the first loads of a new JVM are the slowest
                begun = time.perf_counter()
                for batch in batches:
                    for part in chunks(batch, chunk):
                        store.upsert(part)
                warm_s = time.perf_counter() - begun
                _say(f"warm-up load #{attempt + 1}: {warm_s:.2f} s, {rows / warm_s:,.0f} rows/s")
                store.clear()
            store.recorded.clear()
            begun = time.perf_counter()
            for batch in batches:
                for part in chunks(batch, chunk):
                    store.upsert(part)
            store_s = time.perf_counter() - begun
            counts = store.counts()
            _say(
                f"store (Neo4jStore.upsert, {len(store.recorded)} upserts): "
                f"{store_s:.2f} s, {rows / store_s:,.0f} rows/s"
            )
            for attempt in range(repeat):
                store.clear()
                figures = replay(driver, store.recorded)
                total = sum(figures.values())
                assert store.counts() == counts
                _say(
                    f"replay #{attempt + 1}: {total:.2f} s, {rows / total:,.0f} rows/s "
                    f"(statements {figures['statements_s']:.2f} s, commits {figures['commit_s']:.2f} s)"
                )
            variants = (
                ("bare (index seeks)", False, False),
                ("bare by element id", True, False),
                ("bare, ends read first", True, True),
            )
            bare_ledgers = (node_rows, edge_rows)
            no_ledgers = (
                {
                    labels: [{k: v for k, v in row.items() if k != "by_source"} for row in rows]
                    for labels, rows in node_rows.items()
                },
                {
                    rel: [
                        {**row, "props": {k: v for k, v in row["props"].items() if k != "by_source"}}
                        for row in rows
                    ]
                    for rel, rows in edge_rows.items()
                },
            )
            for name, by_element_id, read_ends, rows_of, drop in (
                *((n, e, r, bare_ledgers, False) for n, e, r in variants),
                ("bare without ledgers", False, False, no_ledgers, False),
                ("bare, only the id constraint", False, False, bare_ledgers, True),
            ):
                if drop:
                    for index in SECONDARY_INDEXES:
                        driver.execute_query(f"DROP INDEX {index}")
                for attempt in range(repeat):
                    store.clear()
                    figures = bare(
                        driver,
                        *rows_of,
                        by_element_id=by_element_id,
                        statement_rows=20_000,
                        read_ends=read_ends,
                    )
                    total = sum(figures.values())
                    written = store.read("MATCH (n:Node) RETURN count(n) AS n")[0]["n"]
                    assert written == n_nodes
                    _say(
                        f"{name} #{attempt + 1}: {total:.2f} s, {(n_nodes + n_edges) / total:,.0f} rows/s "
                        f"(nodes {figures['nodes_s']:.2f} s, relations {figures['edges_s']:.2f} s, "
                        f"commit {figures['commit_s']:.2f} s)"
                    )
                if drop:
                    store._schema_ready = False
                    store.ensure_schema()
                    driver.execute_query("CALL db.awaitIndexes(300)")
            for writers in (1, 2) * repeat:
                store.clear()
                shares = minimal_rows(n_nodes, n_edges, writers)
                seconds = minimal(driver, shares, chunk)
                written = store.read("MATCH (n:Node) RETURN count(n) AS n")[0]["n"]
                relations = store.read("MATCH ()-[r:MINIMAL]->() RETURN count(r) AS n")[0]["n"]
                assert (written, relations) == (
                    sum(len(s[0]) for s in shares),
                    sum(len(s[1]) for s in shares),
                )
                _say(
                    f"minimal rows, {writers} writer(s): {seconds:.2f} s, "
                    f"{(written + relations) / seconds:,.0f} rows/s "
                    f"({written:,} nodes, {relations:,} relations)"
                )
        finally:
            driver.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.neo4j_ceiling", description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, default=20_000, help="about this many nodes (default 20,000)")
    parser.add_argument("--chunk", type=int, default=10_000, help="rows an upsert (default 10,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each replay (default 3)")
    parser.add_argument(
        "--warm", type=int, default=2, help="loads of the whole graph before the measured one (default 2)"
    )
    parser.add_argument("--heap", default=DEFAULT_HEAP, help=f"server heap (default {DEFAULT_HEAP})")
    parser.add_argument(
        "--page-cache", default=DEFAULT_PAGE_CACHE, help=f"server page cache (default {DEFAULT_PAGE_CACHE})"
    )
    parser.add_argument(
        "--setting", action="append", default=[], help="a server setting KEY=VALUE (repeatable)"
    )
    parser.add_argument(
        "--jvm-arg", action="append", default=[], help="an option of the server's JVM (repeatable)"
    )
    args = parser.parse_args(argv)
    run(
        args.nodes,
        args.chunk,
        repeat=args.repeat,
        warm=args.warm,
        heap=args.heap,
        page_cache=args.page_cache,
        settings=args.setting,
        jvm_args=args.jvm_arg,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
