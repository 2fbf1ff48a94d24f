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
  ``(:Dataset {source, date, synthetic, title})`` node a dataset.

What each dataset said is kept in ``by_source``, a JSON ledger (dataset → kind,
name and typed properties; dataset → attributes, or null when the dataset wrote the
relation without attributes). Writing a dataset again replaces its entry and leaves
the other datasets' entries alone, as the RDF store does with named graphs; the
visible properties are recomputed from the ledger, the first dataset by name winning
where datasets disagree. Reads decode the ledger, so a `Neo4jStore` returns the very
`Node` and `Edge` objects an `OxigraphStore` holding the same batches returns.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final, LiteralString, cast

import networkx as nx
from neo4j import (
    Driver,
    GraphDatabase,
    ManagedTransaction,
    NotificationMinimumSeverity,
    Record,
    Session,
)
from neo4j.exceptions import (
    AuthError,
    ConfigurationError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)
from neo4j.spatial import WGS84Point

from graph.ids import family
from graph.kinds import CodeKind, NodeKind, OrgKind, PlaceKind, RelKind, node_kind
from graph.model import Batch, Counts, Edge, LoadReport, Node, PropValue, Provenance, Subgraph
from graph.projection import project
from graph.settings import DEFAULT_CONNECT_TIMEOUT_S, DEFAULT_NEO4J_URI, Settings
from graph.store import GraphStore, StoreError

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
CHUNK_SIZE: Final = 5_000
"""Rows per `UNWIND` statement; one upsert sends as many statements as it needs, in one transaction."""

FAMILY_LABELS: Final[Mapping[type, str]] = {OrgKind: "Organisation", PlaceKind: "Place", CodeKind: "Code"}
_KIND_LABELS: Final = frozenset(k.value for fam in (OrgKind, PlaceKind, CodeKind) for k in fam)
_NODE_RESERVED: Final = frozenset({"id", "name", "kind", "sources", "location", "by_source"})
_EDGE_RESERVED: Final = frozenset({"key", "sources", "qualified", "by_source"})
_INT64: Final = (-(2**63), 2**63 - 1)

# -- Cypher ---------------------------------------------------------------------------------------

SCHEMA: Final[tuple[LiteralString, ...]] = (
    "CREATE CONSTRAINT node_id IF NOT EXISTS FOR (n:Node) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT dataset_source IF NOT EXISTS FOR (d:Dataset) REQUIRE d.source IS UNIQUE",
    "CREATE INDEX node_name IF NOT EXISTS FOR (n:Node) ON (n.name)",
    "CREATE INDEX node_kind IF NOT EXISTS FOR (n:Node) ON (n.kind)",
    "CREATE POINT INDEX node_location IF NOT EXISTS FOR (n:Node) ON (n.location)",
)

EXISTING_IDS: Final = "UNWIND $ids AS id MATCH (n:Node {id: id}) RETURN n.id AS id"

NODE_LEDGERS: Final = """
UNWIND $ids AS id
MATCH (n:Node {id: id})
RETURN n.id AS id, n.by_source AS by_source
"""

WRITE_NODES: Final = """
UNWIND $rows AS row
MERGE (n:Node {id: row.id})
SET n = row.props
SET n:$(row.labels)
REMOVE n:$(row.stale_labels)
"""

# REL_TYPE is replaced by a `RelKind` value (never by user input): see `_for_rel`. Both ends
# are looked up by id, then joined by the cheaper side: without the hints the planner may
# expand every relationship of a dense end (a département) for each row.
EDGE_LEDGERS_TEMPLATE: Final = """
UNWIND $rows AS row
MATCH (s:Node {id: row.source})-[r:REL_TYPE {key: row.key}]->(t:Node {id: row.target})
USING INDEX s:Node(id)
USING INDEX t:Node(id)
RETURN row.source AS source, row.target AS target, row.key AS key, r.by_source AS by_source
"""

WRITE_EDGES_TEMPLATE: Final = """
UNWIND $rows AS row
MATCH (s:Node {id: row.source})
MATCH (t:Node {id: row.target})
MERGE (s)-[r:REL_TYPE {key: row.key}]->(t)
SET r = row.props
"""

DATASET_SEEN: Final = "MATCH (d:Dataset {source: $source}) RETURN d.source AS source"

# The relations a dataset gave the batch's nodes before: a reload replaces them.
OUTGOING_OF_DATASET: Final = """
UNWIND $ids AS id
MATCH (s:Node {id: id})-[r]->(t:Node)
WHERE $source IN r.sources
RETURN s.id AS source, type(r) AS rel, t.id AS target, r.key AS key, r.by_source AS by_source,
       elementId(r) AS element_id
"""

UPDATE_EDGES_BY_ELEMENT_ID: Final = """
UNWIND $rows AS row
MATCH ()-[r]->()
WHERE elementId(r) = row.element_id
SET r = row.props
"""

DELETE_EDGES_BY_ELEMENT_ID: Final = """
UNWIND $ids AS element_id
MATCH ()-[r]->()
WHERE elementId(r) = element_id
DELETE r
"""

READ_DATASETS: Final = """
MATCH (d:Dataset)
RETURN d.source AS source, d.date AS date, d.synthetic AS synthetic, d.title AS title
"""

WRITE_DATASET: Final = """
MERGE (d:Dataset {source: $source})
SET d.date = $date, d.synthetic = $synthetic, d.title = $title
"""

READ_NODE: Final = "MATCH (n:Node {id: $id}) RETURN n.id AS id, n.by_source AS by_source"

READ_ALL_NODES: Final = "MATCH (n:Node) RETURN n.id AS id, n.by_source AS by_source"

READ_ALL_EDGES: Final = """
MATCH (s:Node)-[r]->(t:Node)
RETURN s.id AS source, type(r) AS rel, t.id AS target, r.key AS key, r.by_source AS by_source
"""

READ_EDGES_AMONG: Final = """
MATCH (s:Node)-[r]->(t:Node)
USING INDEX s:Node(id)
USING INDEX t:Node(id)
WHERE s.id IN $ids AND t.id IN $ids
RETURN s.id AS source, type(r) AS rel, t.id AS target, r.key AS key, r.by_source AS by_source
"""

ADJACENT: Final = """
UNWIND $ids AS id
MATCH (:Node {id: id})--(m:Node)
RETURN DISTINCT m.id AS id
"""

COUNT_NODES: Final = """
MATCH (n:Node)
UNWIND labels(n) AS label
WITH label WHERE label IN $kinds
RETURN label AS kind, count(*) AS n
"""

# Parallel relations of one type between two nodes count once unless they carry a key
# or attributes: the rule of `graph.rdf_decode` (the direct triple is one triple).
COUNT_EDGES: Final = """
MATCH (s:Node)-[r]->(t:Node)
WITH type(r) AS rel, s, t, sum(CASE WHEN r.qualified THEN 1 ELSE 0 END) AS qualified
RETURN rel, sum(CASE WHEN qualified > 0 THEN qualified ELSE 1 END) AS n
"""

CLEAR: Final = "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"


def _for_rel(template: str, rel: RelKind) -> LiteralString:
    """A per-type statement: relationship types cannot be parameters in MATCH."""
    return template.replace("REL_TYPE", rel.value)


_EDGE_LEDGERS: Final = {rel: _for_rel(EDGE_LEDGERS_TEMPLATE, rel) for rel in RelKind}
_WRITE_EDGES: Final = {rel: _for_rel(WRITE_EDGES_TEMPLATE, rel) for rel in RelKind}


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
        raise StoreError(f"invalid Neo4j address {uri!r}: {e}") from e
    try:
        driver.verify_connectivity()
    except AuthError as e:
        driver.close()
        raise StoreError(f"Neo4j at {uri} refused the credentials: {_reason(e)}") from e
    except (ServiceUnavailable, SessionExpired, DriverError, Neo4jError, OSError) as e:
        driver.close()
        raise StoreError(f"Neo4j unreachable at {uri}: {_reason(e)}") from e
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


def family_label(kind: NodeKind) -> str:
    """``Organisation``, ``Place`` or ``Code``.

    >>> family_label(OrgKind.ACI), family_label(PlaceKind.COMMUNE), family_label(CodeKind.ROME)
    ('Organisation', 'Place', 'Code')
    """
    return FAMILY_LABELS[type(kind)]


# -- the ledger -----------------------------------------------------------------------------------
# Values are tagged in JSON so that they read back with their type: ["d", "2019-03-01"].

_Tagged = list[Any]
_EdgeIdent = tuple[str, RelKind, str, str]  # source, relation, target, key


def _tag(value: PropValue) -> _Tagged:
    if isinstance(value, bool):
        return ["b", value]
    if isinstance(value, int):
        return ["i", value]
    if isinstance(value, float):
        return ["f", value]
    if isinstance(value, date):
        return ["d", value.isoformat()]
    return ["s", value]


def _untag(tagged: _Tagged) -> PropValue:
    tag, value = tagged
    if tag == "d":
        return date.fromisoformat(value)
    return cast(PropValue, value)


def _check_value(owner: str, name: str, value: object) -> PropValue:
    """The value if Neo4j and the RDF store can both hold it; ValueError otherwise."""
    # subclasses (a StrEnum member, an IntEnum member) are stored as their plain value
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, int):
        if not _INT64[0] <= value <= _INT64[1]:
            raise ValueError(f"{owner}: property {name!r} has an integer out of 64-bit range: {value!r}")
        return int(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise ValueError(f"{owner}: property {name!r} has an unsupported value {value!r}")


@dataclass
class _NodeState:
    """One node as the store holds it: what each dataset said."""

    by_source: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str | None) -> _NodeState:
        return cls(json.loads(text) if text else {})

    def kinds(self) -> set[NodeKind]:
        return {node_kind(entry["kind"]) for entry in self.by_source.values()}

    def labels(self) -> set[str]:
        return {label for kind in self.kinds() for label in (family_label(kind), kind.value)}

    def node(self, node_id: str) -> Node:
        """The node as `graph.rdf_decode` rebuilds it: the first dataset by name wins."""
        first = self.by_source[min(self.by_source)]
        props: dict[str, PropValue] = {}
        for source in sorted(self.by_source, reverse=True):
            for name, tagged in self.by_source[source]["props"].items():
                props[name] = _untag(tagged)
        return Node(
            node_id,
            node_kind(first["kind"]),
            first["name"],
            props=dict(sorted(props.items())),
            sources=tuple(sorted(self.by_source)),
        )

    def properties(self, node_id: str) -> dict[str, Any]:
        """What Neo4j stores: the resolved values, typed, plus the ledger."""
        node = self.node(node_id)
        props: dict[str, Any] = {k: v for k, v in node.props.items() if k not in _NODE_RESERVED}
        props.update(
            id=node_id,
            name=node.name,
            kind=node.kind.value,
            sources=list(node.sources),
            by_source=json.dumps(self.by_source, sort_keys=True, separators=(",", ":")),
        )
        location = _location(node.props)
        if location is not None:
            props["location"] = location
        return props


def _location(props: Mapping[str, PropValue]) -> WGS84Point | None:
    lat, lon = props.get("latitude"), props.get("longitude")
    if not _is_number(lat) or not _is_number(lon):
        return None
    latitude, longitude = float(cast(float, lat)), float(cast(float, lon))
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None
    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
        return None
    return WGS84Point((longitude, latitude))


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass
class _EdgeState:
    """One relationship as the store holds it: each dataset's attributes, or None when the
    dataset wrote the bare relation (no key, no attributes)."""

    by_source: dict[str, dict[str, _Tagged] | None] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str | None) -> _EdgeState:
        return cls(json.loads(text) if text else {})

    @property
    def qualified_sources(self) -> list[str]:
        return sorted(s for s, attrs in self.by_source.items() if attrs is not None)

    def attrs(self) -> dict[str, PropValue]:
        resolved: dict[str, PropValue] = {}
        for source in sorted(self.by_source, reverse=True):
            for name, tagged in (self.by_source[source] or {}).items():
                resolved[name] = _untag(tagged)
        return resolved

    def properties(self, key: str) -> dict[str, Any]:
        props: dict[str, Any] = {k: v for k, v in self.attrs().items() if k not in _EDGE_RESERVED}
        props.update(
            key=key,
            sources=sorted(self.by_source),
            qualified=bool(self.qualified_sources),
            by_source=json.dumps(self.by_source, sort_keys=True, separators=(",", ":")),
        )
        return props


def _fold_edges(records: Iterable[tuple[str, str, str, str, str | None]]) -> list[Edge]:
    """Relationships → edges, by the rule of `graph.rdf_decode`: between two nodes, the
    relations of one type that carry a key or attributes are the edges; when none does,
    the bare relation is one edge citing every dataset that wrote it."""
    groups: dict[tuple[str, RelKind, str], list[tuple[str, _EdgeState]]] = defaultdict(list)
    for source, rel, target, key, ledger in records:
        groups[(source, RelKind(rel), target)].append((key or "", _EdgeState.parse(ledger)))
    edges: list[Edge] = []
    for (source, rel, target), members in sorted(groups.items()):
        qualified = [(key, state) for key, state in members if state.qualified_sources]
        if not qualified:
            cited = sorted({s for _, state in members for s in state.by_source})
            edges.append(Edge(source, rel, target, sources=tuple(cited)))
            continue
        for key, state in sorted(qualified, key=lambda member: member[0]):
            edges.append(
                Edge(
                    source,
                    rel,
                    target,
                    attrs=state.attrs(),
                    key=key,
                    sources=tuple(state.qualified_sources),
                )
            )
    return edges


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
            raise ValueError("chunk_size must be at least 1")
        self.driver = driver
        self.database = database
        self.chunk_size = chunk_size
        self._owns_driver = owns_driver
        self._schema_ready = False

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
            raise StoreError(f"Neo4j at {self.address} refused the credentials: {_reason(e)}") from e
        except (ServiceUnavailable, SessionExpired, OSError) as e:
            raise StoreError(f"Neo4j unreachable at {self.address} ({doing}): {_reason(e)}") from e
        except (Neo4jError, DriverError) as e:
            raise StoreError(f"Neo4j at {self.address} failed {doing}: {_reason(e)}") from e

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

        with self._errors("reading"), self._session() as session:
            return session.execute_read(work)

    def ensure_schema(self) -> None:
        """Create the constraints and indexes unless they exist (idempotent)."""
        if self._schema_ready:
            return
        with self._errors("creating the schema"), self._session() as session:
            for statement in SCHEMA:
                session.run(statement).consume()
        self._schema_ready = True

    # -- writing ---------------------------------------------------------------------------------

    def upsert(self, batch: Batch) -> LoadReport:
        """Write a batch in one transaction: all of it, or nothing.

        Values a node or relation already had from the same dataset are replaced by
        the batch's; values from other datasets stay beside them. Types are checked
        before anything is sent; a relation naming a node that is neither in the batch
        nor in the database is refused.
        """
        source = batch.provenance.source
        try:
            nodes = _batch_nodes(batch)
            edges = _batch_edges(batch)
        except (TypeError, ValueError) as e:
            raise StoreError(f"{source}: batch not written: {e}") from e
        self.ensure_schema()
        with self._errors(f"writing {source}"), self._session() as session:
            session.execute_write(self._write, batch, nodes, edges)
        return LoadReport(source=source, nodes_written=len(batch.nodes), edges_written=len(batch.edges))

    def _write(
        self,
        tx: ManagedTransaction,
        batch: Batch,
        nodes: dict[str, dict[str, Any]],
        edges: dict[_EdgeIdent, dict[str, _Tagged] | None],
    ) -> None:
        """Read what the store holds of the batch, then write what changed.

        Every read comes before the first write: a relationship lookup on a node the
        transaction has already changed can cost a scan of all its relationships.
        """
        source = batch.provenance.source
        self._check_endpoints(tx, batch)
        held_nodes = self._node_ledgers(tx, list(nodes))
        by_rel: dict[RelKind, list[_EdgeIdent]] = defaultdict(list)
        for ident in edges:
            by_rel[ident[1]].append(ident)
        held_edges = {rel: self._edge_ledgers(tx, rel, idents) for rel, idents in sorted(by_rel.items())}
        # A batch is its dataset's whole statement about its nodes' outgoing relations:
        # those the dataset gave them before and the batch no longer holds are withdrawn.
        replaced = [
            (ident, raw, element_id)
            for ident, raw, element_id in self._outgoing_of_dataset(tx, sorted(nodes), source)
            if ident not in edges
        ]

        node_rows: list[dict[str, Any]] = []
        for node_id, entry in nodes.items():
            raw = held_nodes.get(node_id)
            state = _NodeState.parse(raw)
            before = state.labels()
            state.by_source[source] = entry
            props = state.properties(node_id)
            if props["by_source"] == raw:
                continue  # written before, unchanged
            after = state.labels()
            node_rows.append(
                {
                    "id": node_id,
                    "props": props,
                    "labels": sorted(after),
                    "stale_labels": sorted(before - after),
                }
            )
        for chunk in _chunks(node_rows, self.chunk_size):
            tx.run(WRITE_NODES, rows=list(chunk)).consume()

        for rel, idents in sorted(by_rel.items()):
            edge_rows: list[dict[str, Any]] = []
            for ident in idents:
                s, _, t, key = ident
                raw = held_edges[rel].get((s, t, key))
                edge = _EdgeState.parse(raw)
                attrs = edges[ident]
                if attrs is not None or s in nodes:
                    edge.by_source[source] = attrs
                else:  # a bare relation from a node outside the batch keeps its attributes
                    edge.by_source.setdefault(source, None)
                props = edge.properties(key)
                if props["by_source"] != raw:
                    edge_rows.append({"source": s, "target": t, "key": key, "props": props})
            for chunk in _chunks(edge_rows, self.chunk_size):
                tx.run(_WRITE_EDGES[rel], rows=list(chunk)).consume()

        withdrawn: list[str] = []
        updated: list[dict[str, Any]] = []
        for (_, _, _, key), raw, element_id in replaced:
            edge = _EdgeState.parse(raw)
            del edge.by_source[source]
            if edge.by_source:
                updated.append({"element_id": element_id, "props": edge.properties(key)})
            else:
                withdrawn.append(element_id)
        for chunk in _chunks(updated, self.chunk_size):
            tx.run(UPDATE_EDGES_BY_ELEMENT_ID, rows=list(chunk)).consume()
        for chunk in _chunks(withdrawn, self.chunk_size):
            tx.run(DELETE_EDGES_BY_ELEMENT_ID, ids=list(chunk)).consume()

        provenance = batch.provenance
        tx.run(
            WRITE_DATASET,
            source=source,
            date=provenance.date,
            synthetic=provenance.synthetic,
            title=provenance.title or None,
        ).consume()

    def _outgoing_of_dataset(
        self, tx: ManagedTransaction, ids: list[str], source: str
    ) -> list[tuple[_EdgeIdent, str, str]]:
        if tx.run(DATASET_SEEN, source=source).single() is None:
            return []  # a dataset written for the first time has no relations to replace
        found: list[tuple[_EdgeIdent, str, str]] = []
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

    def _edge_ledgers(
        self, tx: ManagedTransaction, rel: RelKind, idents: list[_EdgeIdent]
    ) -> dict[tuple[str, str, str], str]:
        held: dict[tuple[str, str, str], str] = {}
        keys = [{"source": s, "target": t, "key": k} for s, _, t, k in idents]
        for chunk in _chunks(keys, self.chunk_size):
            for record in tx.run(_EDGE_LEDGERS[rel], rows=list(chunk)):
                held[(record["source"], record["target"], record["key"])] = record["by_source"]
        return held

    def _check_endpoints(self, tx: ManagedTransaction, batch: Batch) -> None:
        declared = {n.id for n in batch.nodes}
        wanted = sorted({end for e in batch.edges for end in (e.source, e.target)} - declared)
        found: set[str] = set()
        for chunk in _chunks(wanted, self.chunk_size):
            found.update(record["id"] for record in tx.run(EXISTING_IDS, ids=list(chunk)))
        known = declared | found
        for edge in batch.edges:
            for end in (edge.source, edge.target):
                if end not in known:
                    raise StoreError(
                        f"{batch.provenance.source}: relation {edge.rel.value} "
                        f"{edge.source} → {edge.target} names {end}, "
                        "which is neither in the batch nor in the store"
                    )

    def clear(self) -> None:
        """Delete every node and relationship (constraints and indexes stay)."""
        with self._errors("clearing"), self._session() as session:
            session.run(CLEAR).consume()

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
        return _NodeState.parse(records[0]["by_source"]).node(node_id)

    def subgraph(self) -> Subgraph:
        nodes = self._read(READ_ALL_NODES)
        edges = self._read(READ_ALL_EDGES)
        return _subgraph(nodes, edges)

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
            return _subgraph(list(tx.run(NODE_LEDGERS, ids=ids)), list(tx.run(READ_EDGES_AMONG, ids=ids)))

        with self._errors("reading"), self._session() as session:
            found = session.execute_read(work)
        if found is None:
            raise KeyError(f"unknown node: {node_id}")
        return found

    def projection(
        self, *, territory: str | None = None, kinds: Collection[NodeKind] | None = None
    ) -> nx.MultiDiGraph:
        return project(self.subgraph(), territory=territory, kinds=kinds)

    def counts(self) -> Counts:
        nodes: Counter[str] = Counter()
        for record in self._read(COUNT_NODES, kinds=sorted(_KIND_LABELS)):
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


def _batch_nodes(batch: Batch) -> dict[str, dict[str, Any]]:
    """Each node's ledger entry for this dataset, types checked (ValueError names the node)."""
    entries: dict[str, dict[str, Any]] = {}
    for node in batch.nodes:
        family(node.id)  # ValueError for an id without a family prefix
        if not isinstance(node.kind, OrgKind | PlaceKind | CodeKind):
            raise ValueError(f"{node.id}: kind {node.kind!r} is not a node kind")
        if not isinstance(node.name, str):
            raise ValueError(f"{node.id}: name {node.name!r} is not a string")
        entry = entries.setdefault(node.id, {"kind": node.kind.value, "name": node.name, "props": {}})
        entry["kind"], entry["name"] = node.kind.value, node.name
        for name, value in node.props.items():
            entry["props"][name] = _tag(_check_value(node.id, name, value))
    return entries


def _batch_edges(batch: Batch) -> dict[_EdgeIdent, dict[str, _Tagged] | None]:
    """Each relation's attributes for this dataset (None: a bare relation), types checked."""
    entries: dict[_EdgeIdent, dict[str, _Tagged] | None] = {}
    for edge in batch.edges:
        if not isinstance(edge.rel, RelKind):
            raise ValueError(f"{edge.source}: relation {edge.rel!r} is not a relation kind")
        if not isinstance(edge.key, str):
            raise ValueError(f"{edge.source}: relation key {edge.key!r} is not a string")
        family(edge.source)
        family(edge.target)
        ident = (edge.source, edge.rel, edge.target, edge.key)
        attrs = {name: _tag(_check_value(edge.source, name, v)) for name, v in edge.attrs.items()}
        if not attrs and not edge.key:
            entries.setdefault(ident, None)
        else:
            entries[ident] = {**(entries.get(ident) or {}), **attrs}
    return entries


def _subgraph(node_records: Iterable[Any], edge_records: Iterable[Any]) -> Subgraph:
    nodes = tuple(
        _NodeState.parse(r["by_source"]).node(r["id"]) for r in sorted(node_records, key=lambda r: r["id"])
    )
    edges = _fold_edges((r["source"], r["rel"], r["target"], r["key"], r["by_source"]) for r in edge_records)
    return Subgraph(nodes, tuple(edges))


if TYPE_CHECKING:  # mypy checks that Neo4jStore honours the GraphStore protocol

    def _honours_the_protocol(store: Neo4jStore) -> GraphStore:
        return store
