"""The Neo4j backend: the same graph as the embedded RDF store, as a property graph.

The driver is passed in (`Neo4jStore(driver, database="neo4j")`); `connect` is the
one place that creates one, and it turns an unreachable server into a `StoreError`
naming the address.

Mapping (see docs/neo4j.md):

- a node is ``(:Node:{Family}:{Kind} {id, name, kind, sources, <props>, location,
  by_source})``: the family label is ``Organisation``, ``Place`` or ``Code``; the
  kind label is the kind's value (``ACI``, ``Entreprise``, ``Commune``,
  ``NafSousClasse``…); ``id`` is unique (constraint ``node_id``); properties keep
  their types (dates are Neo4j dates); a node with ``latitude`` and ``longitude``
  also gets a WGS-84 point ``location`` (point index ``node_location``), which is
  never read back into `Node.props`;
- a relation is ``(s)-[:{REL} {key, sources, qualified, <attrs>, by_source}]->(t)``
  with the `RelKind` value as type; parallel relations of one type are told apart
  by ``key`` (the MERGE key, with the type and both ends);
- provenance: ``sources`` on every node and relation (sorted dataset slugs) and one
  ``(:Dataset {source, date, synthetic, title, rels})`` node a dataset
  (``rels``: the relation types it wrote; the write path looks up only what may exist).

What each dataset said is kept in ``by_source``, a JSON ledger (dataset → kind,
name and typed properties; dataset → attributes, or null when the dataset wrote the
relation without attributes). Writing a dataset again replaces its entry and leaves
the other datasets' entries alone, as the RDF store does with named graphs; the
visible properties are recomputed from the ledger, the first dataset by name winning
where datasets disagree. Reads decode the ledger, so a `Neo4jStore` returns the very
`Node` and `Edge` objects an `OxigraphStore` holding the same batches returns.

The Cypher texts are in `graph.neo4j_cypher`, the ledger codec in `graph.neo4j_ledger`;
this module holds the connection and the store.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any, Final, LiteralString, cast

import networkx as nx
from neo4j import (
    Driver,
    GraphDatabase,
    ManagedTransaction,
    NotificationMinimumSeverity,
    Record,
    Session,
    Transaction,
)
from neo4j.exceptions import (
    AuthError,
    ConfigurationError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)

from graph.gc_pause import collector_paused
from graph.kinds import NodeKind, RelKind, node_kind
from graph.model import Batch, Counts, LoadReport, Node, Provenance, Subgraph
from graph.neo4j_cypher import (
    ADJACENT,
    CLEAR,
    COUNT_EDGES,
    COUNT_NODES,
    DATASET_EDGE_LEDGERS,
    DATASET_SEEN,
    DELETE_DATASET,
    DELETE_EDGES_BY_ELEMENT_ID,
    DETACH_DELETE_NODES,
    EDGE_LOOKUP,
    EXISTING_IDS,
    NODE_LEDGERS,
    OUTGOING_OF_DATASET,
    READ_ALL_EDGES,
    READ_ALL_NODES,
    READ_DATASET_EDGES,
    READ_DATASET_NODES,
    READ_DATASET_RELS,
    READ_DATASETS,
    READ_EDGES_AMONG,
    READ_NODE,
    SCHEMA,
    UPDATE_EDGES_BY_ELEMENT_ID,
    WRITE_DATASET,
    create_edges,
    create_nodes,
    update_nodes,
)
from graph.neo4j_ledger import (
    FAMILY_LABELS,
    KIND_LABELS,
    EdgeIdent,
    EdgeState,
    NodeState,
    Tagged,
    batch_edges,
    batch_nodes,
    dangling,
    family_label,
    kind_labels,
    new_edge_properties,
    new_node_properties,
    subgraph_of,
)
from graph.ontology import narrower_kinds
from graph.projection import project
from graph.settings import DEFAULT_CONNECT_TIMEOUT_S, DEFAULT_NEO4J_URI, Settings
from graph.store import GraphStore, Param, Question, Row, StoreError, Value

__all__ = [
    "CHUNK_SIZE",
    "DEFAULT_DATABASE",
    "DEFAULT_URI",
    "FAMILY_LABELS",
    "Neo4jStore",
    "connect",
    "family_label",
    "settings_from_env",
]

DEFAULT_URI: Final = DEFAULT_NEO4J_URI
DEFAULT_DATABASE: Final = "neo4j"
_NARROWER: Final = {
    k: sorted(narrower_kinds(node_kind(k))) for k in KIND_LABELS if narrower_kinds(node_kind(k))
}
CHUNK_SIZE: Final = 20_000
"""Rows per `UNWIND` statement; one upsert sends as many statements as it needs, in one
transaction. 20,000 rows loaded the national preset 7 % faster than 5,000 in one run
(`bench.neo4j_load --national --statement-rows 5000,20000`, docs/benchmarks.md)."""

# The store's state token (`Neo4jStore.state`): one node outside the graph (no `:Node` label).
WRITE_STATE: Final = "MERGE (s:StoreState {id: 'store'}) SET s.token = $token"
READ_STATE: Final = "MATCH (s:StoreState {id: 'store'}) RETURN s.token AS token"
COUNT_ALL: Final = """
CALL () { MATCH (n) RETURN count(n) AS nodes }
CALL () { MATCH ()-[r]->() RETURN count(r) AS relations }
RETURN nodes, relations
"""


# -- connection -----------------------------------------------------------------------------------


def connect(
    uri: str = DEFAULT_URI,
    auth: tuple[str, str] | None = None,
    *,
    timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S,
) -> Driver:
    """A driver to the Neo4j server at `uri`, checked: it answers and accepts `auth`.

    Raises `StoreError` naming the address when the server is down, unreachable or
    refuses the credentials; the caller owns (and closes) the driver.
    """
    try:
        driver = GraphDatabase.driver(uri, auth=auth, connection_timeout=timeout_s)
    except (ValueError, ConfigurationError) as e:
        raise StoreError(f"adresse Neo4j invalide {uri!r} : {e}") from e
    try:
        driver.verify_connectivity()
    except AuthError as e:
        driver.close()
        raise StoreError(f"Neo4j à {uri} a refusé les identifiants : {_reason(e)}") from e
    except (ServiceUnavailable, SessionExpired, DriverError, Neo4jError, OSError) as e:
        driver.close()
        raise StoreError(f"Neo4j injoignable à {uri} : {_reason(e)}") from e
    return driver


def settings_from_env(env: Mapping[str, str] | None = None) -> tuple[str, tuple[str, str] | None]:
    """The URI and credentials from ``MAILLAGE_NEO4J_URI``, ``MAILLAGE_NEO4J_USER`` and
    ``MAILLAGE_NEO4J_PASSWORD`` (no password: no authentication).

    >>> settings_from_env({"MAILLAGE_NEO4J_URI": "bolt://neo4j:7687", "MAILLAGE_NEO4J_PASSWORD": "secret12"})
    ('bolt://neo4j:7687', ('neo4j', 'secret12'))
    >>> settings_from_env({})
    ('bolt://127.0.0.1:7687', None)
    """
    current = Settings.from_env(env)
    return current.neo4j_uri, current.neo4j_auth


def _reason(error: BaseException) -> str:
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    return " ".join(str(message).split())


def _chunks(rows: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


# -- the store ------------------------------------------------------------------------------------


class Neo4jStore:
    """The graph in a Neo4j database, through a driver the caller owns."""

    def __init__(
        self,
        driver: Driver,
        database: str = DEFAULT_DATABASE,
        *,
        chunk_size: int = CHUNK_SIZE,
        owns_driver: bool = False,
    ) -> None:
        """`owns_driver`: `close` also closes the driver (for a store built by a command)."""
        if chunk_size < 1:
            raise ValueError("chunk_size doit valoir au moins 1")
        self.driver = driver
        self.database = database
        self.chunk_size = chunk_size
        self._owns_driver = owns_driver
        self._schema_ready = False
        self._tx: Transaction | None = None  # inside `atomic`: every read and write goes through it

    # -- plumbing --------------------------------------------------------------------------------

    @property
    def address(self) -> str:
        """``bolt://host:port`` of the server, for messages."""
        pool = getattr(self.driver, "_pool", None)
        address = getattr(pool, "address", None)
        return f"bolt://{address}" if address is not None else "the Neo4j server"

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Driver failures as one `StoreError` naming the address."""
        try:
            yield
        except StoreError:
            raise
        except AuthError as e:
            raise StoreError(f"Neo4j à {self.address} a refusé les identifiants : {_reason(e)}") from e
        except (ServiceUnavailable, SessionExpired, OSError) as e:
            raise StoreError(f"Neo4j injoignable à {self.address} ({doing}) : {_reason(e)}") from e
        except (Neo4jError, DriverError) as e:
            raise StoreError(f"Neo4j à {self.address} : échec ({doing}) : {_reason(e)}") from e

    def _session(self) -> Session:
        # the server's hints ("property key does not exist" on a fresh database) are noise here
        return self.driver.session(
            database=self.database, notifications_min_severity=NotificationMinimumSeverity.OFF
        )

    def _read(self, query: LiteralString, **params: Any) -> list[Record]:
        return self.read(query, params)

    def read(self, query: str, params: Mapping[str, Any] | None = None) -> list[Record]:
        """Every record of a Cypher query run in a read transaction (the paired
        questions use it); driver failures come out as `StoreError`."""

        def work(tx: ManagedTransaction) -> list[Record]:
            return list(tx.run(query, dict(params or {})))

        if self._tx is not None:  # inside `atomic`: what it has written so far is read too
            with self._errors("lecture"):
                return work(cast(ManagedTransaction, self._tx))
        with self._errors("lecture"), self._session() as session:
            return session.execute_read(work)

    def ensure_schema(self) -> None:
        """Create the constraints and indexes unless they exist (idempotent)."""
        if self._schema_ready:
            return
        with self._errors("création du schéma"), self._session() as session:
            for statement in SCHEMA:
                session.run(statement).consume()
        self._schema_ready = True

    # -- writing ---------------------------------------------------------------------------------

    @collector_paused()
    def upsert(self, batch: Batch) -> LoadReport:
        """Write a batch in one transaction: all of it, or nothing.

        Values a node or relation already had from the same dataset are replaced by
        the batch's; values from other datasets stay beside them. Types are checked
        before anything is sent; a relation naming a node that is neither in the batch
        nor in the database is refused.
        """
        source = batch.provenance.source
        try:
            nodes = batch_nodes(batch)
            edges = batch_edges(batch)
        except (TypeError, ValueError) as e:
            raise StoreError(f"{source} : lot non écrit : {e}") from e
        self.ensure_schema()
        if self._tx is not None:  # inside `atomic`: in its transaction
            with self._errors(f"écriture de {source}"):
                self._write(cast(ManagedTransaction, self._tx), batch, nodes, edges)
        else:
            with self._errors(f"écriture de {source}"), self._session() as session:
                session.execute_write(self._write, batch, nodes, edges)
        return LoadReport(source=source, nodes_written=len(batch.nodes), edges_written=len(batch.edges))

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """One write transaction for whatever is written inside (every upsert, the
        ledgers and ``Dataset`` nodes with them), read by the reads inside: committed
        at the end, rolled back on any exception, so that the database is as it was.
        Nested: the outermost one counts. (The transaction holds its changes in the
        server's memory until the commit: see docs/reliability.md, limits.)"""
        if self._tx is not None:
            yield
            return
        self.ensure_schema()
        with self._errors("ouverture d'une transaction"):
            session = self._session()
            self._tx = session.begin_transaction()
        try:
            yield
            with self._errors("validation de la transaction"):
                self._tx.commit()
        finally:
            tx, self._tx = self._tx, None
            try:
                tx.close()  # rolls back what was not committed
            except (Neo4jError, DriverError, OSError):
                pass  # the connection is gone: so is the transaction
            finally:
                session.close()

    def _write(
        self,
        tx: ManagedTransaction,
        batch: Batch,
        nodes: dict[str, dict[str, Any]],
        edges: dict[EdgeIdent, dict[str, Tagged] | None],
    ) -> None:
        """Read what the store holds of the batch, then write what changed.

        Every read comes before the first write: a relationship lookup on a node the
        transaction has already changed can cost a scan of all its relationships.
        Nodes and relations the store does not hold are created (no MERGE: the reads
        said they are new), grouped so that each statement has fixed labels or a fixed
        type; those it holds are found again by element id.

        Relations are looked up only where one may exist (`_may_exist`); the ends of
        new relations are checked by the count the ``CREATE`` statements report, and
        a shortfall refuses the batch (the transaction is rolled back).
        """
        source = batch.provenance.source
        held_nodes = self._node_ledgers(tx, list(nodes))
        writers = self._rel_writers(tx)
        seen = source in writers
        # A batch is its dataset's whole statement about its nodes' outgoing relations:
        # those the dataset gave them before and the batch no longer holds are withdrawn
        # (read for the nodes the store holds: a node it does not hold has none).
        outgoing = self._outgoing_of_dataset(tx, sorted(held_nodes), source) if seen else []
        own: dict[EdgeIdent, tuple[str, str]] = {ident: (raw, eid) for ident, raw, eid in outgoing}
        replaced = [(ident, raw, eid) for ident, raw, eid in outgoing if ident not in edges]
        new_ids = {node_id for node_id in nodes if node_id not in held_nodes}

        by_rel: dict[RelKind, list[EdgeIdent]] = defaultdict(list)
        for ident in edges:
            by_rel[ident[1]].append(ident)
        held_edges: dict[RelKind, dict[tuple[str, str, str], tuple[str, str]]] = {}
        for rel, idents in sorted(by_rel.items()):
            wanted = self._may_exist(rel, idents, source, writers, nodes, new_ids)
            found = self._edge_lookup(tx, rel, wanted) if wanted else {}
            for ident in idents:
                if ident in own:
                    found[(ident[0], ident[2], ident[3])] = own[ident]
            held_edges[rel] = found

        created: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        updated_nodes: dict[tuple[tuple[str, ...], tuple[str, ...]], list[dict[str, Any]]] = defaultdict(list)
        for node_id, entry in nodes.items():
            raw = held_nodes.get(node_id)
            if raw is None:
                created[kind_labels(entry["kind"])].append(new_node_properties(node_id, source, entry))
                continue
            state = NodeState.parse(raw)
            before = state.labels()
            state.by_source[source] = entry
            props = state.properties(node_id)
            if props["by_source"] == raw:
                continue  # written before, unchanged
            after = state.labels()
            change = (tuple(sorted(after - before)), tuple(sorted(before - after)))
            updated_nodes[change].append({"id": node_id, "props": props})
        for labels, rows in sorted(created.items()):
            for chunk in _chunks(rows, self.chunk_size):
                tx.run(create_nodes(labels, _keys(chunk)), rows=list(chunk)).consume()
        for (added, stale), rows in sorted(updated_nodes.items()):
            self._run_chunks(tx, update_nodes(added, stale), rows)

        updated_edges: list[dict[str, Any]] = []
        short = False
        bare = new_edge_properties(source, "", None)  # every new bare relation's: built once
        for rel, idents in sorted(by_rel.items()):
            new_edges: list[dict[str, Any]] = []
            held_of_rel = held_edges[rel]
            for ident in idents:
                s, _, t, key = ident
                attrs = edges[ident]
                known_edge = held_of_rel.get((s, t, key))
                if known_edge is None:
                    props = bare if attrs is None else new_edge_properties(source, key, attrs)
                    new_edges.append({"source": s, "target": t, "props": props})
                    continue
                ledger, element_id = known_edge
                edge = EdgeState.parse(ledger)
                if attrs is not None or s in nodes:
                    edge.by_source[source] = attrs
                else:  # a bare relation from a node outside the batch keeps its attributes
                    edge.by_source.setdefault(source, None)
                props = edge.properties(key)
                if props["by_source"] != ledger:
                    updated_edges.append({"element_id": element_id, "props": props})
            for chunk in _chunks(new_edges, self.chunk_size):
                keys = _keys(row["props"] for row in chunk)
                summary = tx.run(create_edges(rel, keys), rows=list(chunk)).consume()
                short = short or summary.counters.relationships_created < len(chunk)
        if short:  # a relation has an end that is neither in the batch nor in the store
            self._refuse(batch, self._absent_ends(tx, batch, nodes))

        withdrawn: list[str] = []
        for (_, _, _, key), raw, element_id in replaced:
            edge = EdgeState.parse(raw)
            del edge.by_source[source]
            if edge.by_source:
                updated_edges.append({"element_id": element_id, "props": edge.properties(key)})
            else:
                withdrawn.append(element_id)
        self._run_chunks(tx, UPDATE_EDGES_BY_ELEMENT_ID, updated_edges)
        for chunk in _chunks(withdrawn, self.chunk_size):
            tx.run(DELETE_EDGES_BY_ELEMENT_ID, ids=list(chunk)).consume()

        provenance = batch.provenance
        known = writers.get(source, frozenset())
        rels = None if known is None else sorted(known | {rel.value for rel in by_rel})
        tx.run(
            WRITE_DATASET,
            source=source,
            date=provenance.date,
            synthetic=provenance.synthetic,
            title=provenance.title or None,
            rels=rels,
        ).consume()
        tx.run(WRITE_STATE, token=uuid.uuid4().hex).consume()

    @staticmethod
    def _may_exist(
        rel: RelKind,
        idents: list[EdgeIdent],
        source: str,
        writers: Mapping[str, frozenset[str] | None],
        nodes: Mapping[str, object],
        new_ids: Collection[str],
    ) -> list[EdgeIdent]:
        """The relations of type `rel` the store may already hold, to look up.

        None has an end the batch creates. A relation exists only if a dataset wrote
        it, and each dataset lists the types it wrote (``Dataset.rels``; a dataset
        written before that list existed may have written any). When no other dataset
        wrote `rel`, the store's relations of that type are this dataset's own, and
        those leaving the batch's nodes were read with its outgoing relations: only
        relations leaving other nodes may exist unseen."""
        others = any(rels is None or rel.value in rels for name, rels in writers.items() if name != source)
        mine = writers.get(source, frozenset())
        if not others and mine is not None and rel.value not in mine:
            return []
        return [
            ident
            for ident in idents
            if ident[0] not in new_ids and ident[2] not in new_ids and (others or ident[0] not in nodes)
        ]

    def _rel_writers(self, tx: ManagedTransaction) -> dict[str, frozenset[str] | None]:
        """Each dataset written, with the relation types it wrote (None: not recorded)."""
        return {
            r["source"]: None if r["rels"] is None else frozenset(r["rels"])
            for r in tx.run(READ_DATASET_RELS)
        }

    def _absent_ends(self, tx: ManagedTransaction, batch: Batch, nodes: Collection[str]) -> set[str]:
        """The ends of the batch's relations that are neither in the batch nor in the store."""
        wanted = sorted({end for e in batch.edges for end in (e.source, e.target)} - set(nodes))
        return set(wanted) - self._existing(tx.run, wanted)

    def _existing(self, run: Callable[..., Iterable[Any]], ids: list[str]) -> set[str]:
        """The ids among `ids` the database holds, looked up in chunks with `run` (a
        session's read, or `tx.run` inside a transaction)."""
        found: set[str] = set()
        for chunk in _chunks(ids, self.chunk_size):
            found.update(record["id"] for record in run(EXISTING_IDS, ids=list(chunk)))
        return found

    def _run_chunks(self, tx: ManagedTransaction, query: LiteralString, rows: Sequence[Any]) -> None:
        for chunk in _chunks(rows, self.chunk_size):
            tx.run(query, rows=list(chunk)).consume()

    def _outgoing_of_dataset(
        self, tx: ManagedTransaction, ids: list[str], source: str
    ) -> list[tuple[EdgeIdent, str, str]]:
        found: list[tuple[EdgeIdent, str, str]] = []
        for chunk in _chunks(ids, self.chunk_size):
            for r in tx.run(OUTGOING_OF_DATASET, ids=list(chunk), source=source):
                ident = (r["source"], RelKind(r["rel"]), r["target"], r["key"] or "")
                found.append((ident, r["by_source"], r["element_id"]))
        return found

    def _node_ledgers(self, tx: ManagedTransaction, ids: list[str]) -> dict[str, str]:
        held: dict[str, str] = {}
        for chunk in _chunks(ids, self.chunk_size):
            for record in tx.run(NODE_LEDGERS, ids=list(chunk)):
                held[record["id"]] = record["by_source"]
        return held

    def _edge_lookup(
        self, tx: ManagedTransaction, rel: RelKind, idents: list[EdgeIdent]
    ) -> dict[tuple[str, str, str], tuple[str, str]]:
        """The relations of type `rel` among `idents` the store holds (ledger, element id),
        by (source, target, key)."""
        held: dict[tuple[str, str, str], tuple[str, str]] = {}
        rows = [{"source": s, "target": t, "key": k} for s, _, t, k in idents]
        for chunk in _chunks(rows, self.chunk_size):
            for r in tx.run(EDGE_LOOKUP[rel], rows=list(chunk)):
                held[(r["source"], r["target"], r["key"])] = (r["by_source"], r["element_id"])
        return held

    @staticmethod
    def _refuse(batch: Batch, absent: set[str]) -> None:
        """Refuse the batch, naming its first relation with an end nobody declares."""
        for edge in batch.edges:
            for end in (edge.source, edge.target):
                if end in absent:
                    raise StoreError(
                        dangling(batch.provenance.source, edge.rel, edge.source, edge.target, end)
                    )

    def bulk_loader(self) -> None:
        """None: a batched upsert is this backend's fastest write through a running server
        (the offline importer, `graph.neo4j_import`, needs the server stopped and a new
        database: ``maillage neo4j import``)."""
        return None

    def remove_dataset(self, source: str) -> int:
        """Remove a dataset in one transaction: its entry in every ledger, the nodes and
        relations no other dataset states, and its ``Dataset`` node. Returns the number
        of nodes and relations it touched (0 for an unknown dataset)."""
        self.ensure_schema()
        with self._errors(f"retrait de {source}"), self._session() as session:
            return session.execute_write(self._remove_dataset, source)

    def _remove_dataset(self, tx: ManagedTransaction, source: str) -> int:
        if tx.run(DATASET_SEEN, source=source).single() is None:
            return 0
        edges = list(tx.run(DATASET_EDGE_LEDGERS, source=source))
        nodes = list(tx.run(READ_DATASET_NODES, source=source))
        updated_edges: list[dict[str, Any]] = []
        withdrawn: list[str] = []
        for record in edges:
            edge = EdgeState.parse(record["by_source"])
            del edge.by_source[source]
            if edge.by_source:
                updated_edges.append(
                    {"element_id": record["element_id"], "props": edge.properties(record["key"] or "")}
                )
            else:
                withdrawn.append(record["element_id"])
        self._run_chunks(tx, UPDATE_EDGES_BY_ELEMENT_ID, updated_edges)
        for chunk in _chunks(withdrawn, self.chunk_size):
            tx.run(DELETE_EDGES_BY_ELEMENT_ID, ids=list(chunk)).consume()
        updated_nodes: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        gone: list[str] = []
        for record in nodes:
            state = NodeState.parse(record["by_source"])
            before = state.labels()
            del state.by_source[source]
            if not state.by_source:
                gone.append(record["id"])
                continue
            stale = tuple(sorted(before - state.labels()))
            updated_nodes[stale].append({"id": record["id"], "props": state.properties(record["id"])})
        for stale, rows in sorted(updated_nodes.items()):
            self._run_chunks(tx, update_nodes((), stale), rows)
        for chunk in _chunks(gone, self.chunk_size):
            tx.run(DETACH_DELETE_NODES, ids=list(chunk)).consume()
        tx.run(DELETE_DATASET, source=source).consume()
        tx.run(WRITE_STATE, token=uuid.uuid4().hex).consume()
        return len(edges) + len(nodes)

    def clear(self) -> None:
        """Delete every node and relationship (constraints and indexes stay)."""
        with self._errors("vidage"), self._session() as session:
            for statement in CLEAR:
                session.run(statement).consume()
            session.run(WRITE_STATE, token=uuid.uuid4().hex).consume()

    def state(self) -> str:
        """A token that changes with every write through this class (upsert, clear), held
        by the one ``(:StoreState)`` node; a database written otherwise (an import) has
        none, and its state is then its node and relationship counts."""
        records = self._read(READ_STATE)
        if records and records[0]["token"]:
            return str(records[0]["token"])
        counts = self._read(COUNT_ALL)
        return f"counts:{counts[0]['nodes']}:{counts[0]['relations']}"

    # -- reading ---------------------------------------------------------------------------------

    def datasets(self) -> list[Provenance]:
        """Every dataset written, by source: its date, synthetic flag and title."""
        found = [
            Provenance(
                r["source"],
                r["date"].to_native(),
                synthetic=bool(r["synthetic"]),
                title=r["title"] or "",
            )
            for r in self._read(READ_DATASETS)
        ]
        return sorted(found, key=lambda p: p.source)

    def node(self, node_id: str) -> Node | None:
        records = self._read(READ_NODE, id=node_id)
        if not records:
            return None
        return NodeState.parse(records[0]["by_source"]).node(node_id)

    def existing_ids(self, ids: Iterable[str]) -> set[str]:
        """The ids among `ids` the store holds, looked up in chunks."""
        return self._existing(self._read, list(dict.fromkeys(ids)))

    def subgraph(self) -> Subgraph:
        nodes = self._read(READ_ALL_NODES)
        edges = self._read(READ_ALL_EDGES)
        return subgraph_of(nodes, edges)

    def dataset(self, source: str) -> Subgraph:
        """One dataset as the store holds it: each ledger cut down to that dataset's entry."""

        def only(records: list[Record]) -> list[dict[str, Any]]:
            kept = []
            for record in records:
                ledger = json.loads(record["by_source"])
                kept.append({**record.data(), "by_source": json.dumps({source: ledger[source]})})
            return kept

        nodes = only(self._read(READ_DATASET_NODES, source=source))
        edges = only(self._read(READ_DATASET_EDGES, source=source))
        return subgraph_of(nodes, edges)

    def ask(self, question: Question, params: Mapping[str, Param] | None = None) -> list[Row]:
        """The rows of the question's Cypher, run in a read transaction."""
        return [
            tuple(_cypher_value(v) for v in record.values())
            for record in self.read(question.cypher, dict(params or {}))
        ]

    def neighbourhood(self, node_id: str, *, depth: int = 1) -> Subgraph:
        """The subgraph induced by the nodes at most `depth` relations away, any direction."""

        def work(tx: ManagedTransaction) -> Subgraph | None:
            if tx.run(READ_NODE, id=node_id).single() is None:
                return None
            reached = {node_id}
            frontier = {node_id}
            for _ in range(depth):
                if not frontier:
                    break
                step = {r["id"] for r in tx.run(ADJACENT, ids=sorted(frontier))} - reached
                reached |= step
                frontier = step
            ids = sorted(reached)
            return subgraph_of(list(tx.run(NODE_LEDGERS, ids=ids)), list(tx.run(READ_EDGES_AMONG, ids=ids)))

        with self._errors("lecture"), self._session() as session:
            found = session.execute_read(work)
        if found is None:
            raise KeyError(f"nœud inconnu : {node_id}")
        return found

    def induced(self, ids: Iterable[str]) -> Subgraph:
        """Nodes `ids` and the relations between them, with their ledgers."""
        wanted = sorted(set(ids))

        def work(tx: ManagedTransaction) -> Subgraph:
            return subgraph_of(
                list(tx.run(NODE_LEDGERS, ids=wanted)), list(tx.run(READ_EDGES_AMONG, ids=wanted))
            )

        with self._errors("lecture"), self._session() as session:
            return session.execute_read(work)

    def projection(
        self, *, territory: str | None = None, kinds: Collection[NodeKind] | None = None
    ) -> nx.MultiDiGraph:
        return project(self.subgraph(), territory=territory, kinds=kinds)

    def counts(self) -> Counts:
        nodes: Counter[str] = Counter()
        for record in self._read(COUNT_NODES, kinds=sorted(KIND_LABELS), narrower=_NARROWER):
            nodes[record["kind"]] += int(record["n"])
        edges: Counter[str] = Counter()
        for record in self._read(COUNT_EDGES):
            edges[record["rel"]] += int(record["n"])
        return Counts(dict(sorted(nodes.items())), dict(sorted(edges.items())))

    def close(self) -> None:
        """Nothing to flush: Neo4j commits every upsert. Closes the driver only if it owns it."""
        if self._owns_driver:
            self.driver.close()

    def __enter__(self) -> Neo4jStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _keys(rows: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """Every key of `rows`, sorted (the statement's shape, so that its plan is reused)."""
    found: set[str] = set()
    for row in rows:
        found.update(row)
    return tuple(sorted(found))


def _cypher_value(value: Any) -> Value:
    """A value of a Cypher answer as a plain value (a `neo4j.time.Date` as a `date`)."""
    to_native = getattr(value, "to_native", None)
    if to_native is not None:
        native = to_native()
        return native if isinstance(native, date) else str(native)
    if value is None or isinstance(value, str | int | float | bool):
        return cast(Value, value)
    return str(value)


if TYPE_CHECKING:  # mypy checks that Neo4jStore honours the GraphStore protocol

    def _honours_the_protocol(store: Neo4jStore) -> GraphStore:
        return store
