"""The Cypher statements of the Neo4j backend (`graph.neo4j_store`), as texts.

Relationship types cannot be parameters in MATCH: the per-type statements are built
from templates whose ``REL_TYPE`` is replaced by a `RelKind` value, never by user input.
"""

from __future__ import annotations

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

WRITE_NODES: Final = """
UNWIND $rows AS row
MERGE (n:Node {id: row.id})
SET n = row.props
SET n:$(row.labels)
REMOVE n:$(row.stale_labels)
"""

# REL_TYPE is replaced by a `RelKind` value (never by user input): see `for_rel`. Both ends
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


def for_rel(template: str, rel: RelKind) -> LiteralString:
    """A per-type statement: relationship types cannot be parameters in MATCH."""
    return template.replace("REL_TYPE", rel.value)


EDGE_LEDGERS: Final = {rel: for_rel(EDGE_LEDGERS_TEMPLATE, rel) for rel in RelKind}
WRITE_EDGES: Final = {rel: for_rel(WRITE_EDGES_TEMPLATE, rel) for rel in RelKind}
