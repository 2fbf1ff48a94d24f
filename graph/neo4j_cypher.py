"""The Cypher statements of the Neo4j backend (`graph.neo4j_store`), as texts.

Relationship types cannot be parameters in MATCH: the per-type statements are built
from templates whose ``REL_TYPE`` is replaced by a `RelKind` value, never by user input.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Final, LiteralString

from graph.kinds import RelKind

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

# `rels`: the relation types the dataset wrote (null: not recorded, any type may be its)
WRITE_DATASET: Final = """
MERGE (d:Dataset {source: $source})
SET d.date = $date, d.synthetic = $synthetic, d.title = $title, d.rels = $rels
"""

READ_DATASET_RELS: Final = "MATCH (d:Dataset) RETURN d.source AS source, d.rels AS rels"

# Removing a dataset: its relations and nodes with their ledgers, and its Dataset node.
DATASET_EDGE_LEDGERS: Final = """
MATCH ()-[r]->() WHERE $source IN r.sources
RETURN elementId(r) AS element_id, r.key AS key, r.by_source AS by_source
"""

DETACH_DELETE_NODES: Final = "UNWIND $ids AS id MATCH (n:Node {id: id}) DETACH DELETE n"

DELETE_DATASET: Final = "MATCH (d:Dataset {source: $source}) DELETE d"

READ_NODE: Final = "MATCH (n:Node {id: $id}) RETURN n.id AS id, n.by_source AS by_source"

READ_ALL_NODES: Final = "MATCH (n:Node) RETURN n.id AS id, n.by_source AS by_source"

READ_DATASET_NODES: Final = (
    "MATCH (n:Node) WHERE $source IN n.sources RETURN n.id AS id, n.by_source AS by_source"
)

READ_DATASET_EDGES: Final = """
MATCH (s:Node)-[r]->(t:Node) WHERE $source IN r.sources
RETURN s.id AS source, type(r) AS rel, t.id AS target, r.key AS key, r.by_source AS by_source
"""

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

# A kind label counts where a dataset states it, not where a narrower kind implies it
# (an EATT carries the label EA as its superclass: graph.ontology).
COUNT_NODES: Final = """
MATCH (n:Node)
UNWIND labels(n) AS label
WITH n, label WHERE label IN $kinds AND NONE(sub IN coalesce($narrower[label], []) WHERE sub IN labels(n))
RETURN label AS kind, count(*) AS n
"""

# Parallel relations of one type between two nodes count once unless they carry a key
# or attributes: the rule of `graph.rdf_decode` (the direct triple is one triple).
COUNT_EDGES: Final = """
MATCH (s:Node)-[r]->(t:Node)
WITH type(r) AS rel, s, t, sum(CASE WHEN r.qualified THEN 1 ELSE 0 END) AS qualified
RETURN rel, sum(CASE WHEN qualified > 0 THEN qualified ELSE 1 END) AS n
"""

# Relationships first, then nodes, each in transactions of 10,000: a node's DETACH DELETE
# takes all its relationships into one transaction (10,000 communes of the national preset
# and their located companies exceeded the server's transaction memory).
CLEAR: Final[tuple[LiteralString, ...]] = (
    "MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS",
    "MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF 10000 ROWS",
)


def for_rel(template: str, rel: RelKind) -> LiteralString:
    """A per-type statement: relationship types cannot be parameters in MATCH."""
    return template.replace("REL_TYPE", rel.value)


# -- the write path (issue 12) --------------------------------------------------------------------
# Every read comes before the first write; nodes known to be new are CREATEd under
# fixed labels, relations known to be new are CREATEd between ends found by the `id`
# index; what exists is found again by element id (a seek, no index, no expansion).

# The relations of one type the store holds among the batch's (those that may exist:
# `Neo4jStore._may_exist`), found from their two ends by the `id` index.
# Both ends found by the index (the hints), then the relation checked between them
# (Expand(Into), from the end of smaller degree): without them the planner seeks one
# end and expands all its relations (a commune's thousands of LOCATED_IN at national scale).
# A source with no relation of the type (its degree, read without expanding) is dropped
# before the target is sought: most of a load's sources are nodes it wrote earlier with
# none yet (the national look-up of 704,730 rows: 28.0 s → 5.9 s, `docs/benchmarks.md`).
EDGE_LOOKUP_TEMPLATE: Final = """
UNWIND $rows AS row
MATCH (s:Node {id: row.source})
USING INDEX s:Node(id)
WITH row, s
WHERE COUNT { (s)-[:REL_TYPE]->() } > 0
MATCH (s)-[r:REL_TYPE {key: row.key}]->(t:Node {id: row.target})
USING INDEX t:Node(id)
RETURN row.source AS source, row.target AS target, row.key AS key,
       r.by_source AS by_source, elementId(r) AS element_id
"""

UPDATE_NODES_TEMPLATE: Final = """
UNWIND $rows AS row
MATCH (n:Node {id: row.id})
SET n = row.props
"""


def _labels(labels: Iterable[str]) -> str:
    return "".join(f":{_name(label)}" for label in labels)


def _name(name: str) -> str:
    """A label, type or property name, quoted for Cypher."""
    return "`" + name.replace("`", "``") + "`"


def _map(row: str, keys: Iterable[str]) -> str:
    """``{k: row.k, …}``: a missing key reads as null, and a null property is not written."""
    return "{" + ", ".join(f"{_name(k)}: {row}[{_literal(k)}]" for k in keys) + "}"


def _literal(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


@cache
def create_nodes(labels: tuple[str, ...], keys: tuple[str, ...]) -> LiteralString:
    """``CREATE`` of new nodes under fixed labels (``Node`` and `labels`), one row a node's
    properties, among `keys`. The map is written out (no ``SET n = row``): the planner
    then creates each node with its properties in one step. Labels come from `NodeKind`
    values and keys from the batch's property names, quoted."""
    return f"UNWIND $rows AS row CREATE (n:Node{_labels(labels)} {_map('row', keys)})"


@cache
def create_edges(rel: RelKind, keys: tuple[str, ...]) -> LiteralString:
    """``CREATE`` of new relations of type `rel` between ends found by the ``id`` index;
    properties among `keys`, written out as in `create_nodes` (a ``SET r = map`` after
    ``CREATE`` costs an ``Eager`` barrier)."""
    return (
        "UNWIND $rows AS row\n"
        "MATCH (s:Node {id: row.source})\n"
        "MATCH (t:Node {id: row.target})\n"
        f"CREATE (s)-[r:{_name(rel.value)} {_map('row.props', keys)}]->(t)"
    )


@cache
def update_nodes(labels: tuple[str, ...], stale: tuple[str, ...]) -> LiteralString:
    """New properties of existing nodes, their labels set to `labels` (`stale` removed)."""
    text = UPDATE_NODES_TEMPLATE
    if labels:
        text += f"SET n{_labels(labels)}\n"
    if stale:
        text += f"REMOVE n{_labels(stale)}\n"
    return text


EDGE_LOOKUP: Final = {rel: for_rel(EDGE_LOOKUP_TEMPLATE, rel) for rel in RelKind}
