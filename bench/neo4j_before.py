"""The Neo4j write path as it was before issue 12, kept only as the baseline that
`bench.neo4j_load` measures the current one against, in the same run.

One `UNWIND` statement a chunk for every node (``MERGE`` with dynamic labels), a read of
every endpoint, a ledger read per relation type whose two ends are joined by index
hints, and ``MERGE`` for every relation. Reads are the store's own (`Neo4jStore`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any, Final, LiteralString

from neo4j import ManagedTransaction

from graph.kinds import RelKind
from graph.model import Batch
from graph.neo4j_cypher import DATASET_SEEN, DELETE_EDGES_BY_ELEMENT_ID, UPDATE_EDGES_BY_ELEMENT_ID
from graph.neo4j_ledger import EdgeIdent, EdgeState, NodeState, Tagged
from graph.neo4j_store import Neo4jStore
from graph.store import StoreError

WRITE_DATASET: Final = """
MERGE (d:Dataset {source: $source})
SET d.date = $date, d.synthetic = $synthetic, d.title = $title
"""

EXISTING_IDS: Final = "UNWIND $ids AS id MATCH (n:Node {id: id}) RETURN n.id AS id"

WRITE_NODES: Final = """
UNWIND $rows AS row
MERGE (n:Node {id: row.id})
SET n = row.props
SET n:$(row.labels)
REMOVE n:$(row.stale_labels)
"""

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


def _for_rel(template: str, rel: RelKind) -> LiteralString:
    return template.replace("REL_TYPE", rel.value)


_EDGE_LEDGERS: Final = {rel: _for_rel(EDGE_LEDGERS_TEMPLATE, rel) for rel in RelKind}
_WRITE_EDGES: Final = {rel: _for_rel(WRITE_EDGES_TEMPLATE, rel) for rel in RelKind}


def chunks(rows: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


class BeforeStore(Neo4jStore):
    """`Neo4jStore` writing as it did before issue 12 (reads, schema and API unchanged)."""

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
        """
        source = batch.provenance.source
        self._check_endpoints(tx, batch)
        held_nodes = self._node_ledgers(tx, list(nodes))
        by_rel: dict[RelKind, list[EdgeIdent]] = defaultdict(list)
        for ident in edges:
            by_rel[ident[1]].append(ident)
        held_edges = {rel: self._edge_ledgers(tx, rel, idents) for rel, idents in sorted(by_rel.items())}
        # A batch is its dataset's whole statement about its nodes' outgoing relations:
        # those the dataset gave them before and the batch no longer holds are withdrawn.
        seen = tx.run(DATASET_SEEN, source=source).single() is not None
        replaced = [
            (ident, raw, element_id)
            for ident, raw, element_id in (
                self._outgoing_of_dataset(tx, sorted(nodes), source) if seen else []
            )
            if ident not in edges
        ]

        node_rows: list[dict[str, Any]] = []
        for node_id, entry in nodes.items():
            raw = held_nodes.get(node_id)
            state = NodeState.parse(raw)
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
        for chunk in chunks(node_rows, self.chunk_size):
            tx.run(WRITE_NODES, rows=list(chunk)).consume()

        for rel, idents in sorted(by_rel.items()):
            edge_rows: list[dict[str, Any]] = []
            for ident in idents:
                s, _, t, key = ident
                raw = held_edges[rel].get((s, t, key))
                edge = EdgeState.parse(raw)
                attrs = edges[ident]
                if attrs is not None or s in nodes:
                    edge.by_source[source] = attrs
                else:  # a bare relation from a node outside the batch keeps its attributes
                    edge.by_source.setdefault(source, None)
                props = edge.properties(key)
                if props["by_source"] != raw:
                    edge_rows.append({"source": s, "target": t, "key": key, "props": props})
            for chunk in chunks(edge_rows, self.chunk_size):
                tx.run(_WRITE_EDGES[rel], rows=list(chunk)).consume()

        withdrawn: list[str] = []
        updated: list[dict[str, Any]] = []
        for (_, _, _, key), raw, element_id in replaced:
            edge = EdgeState.parse(raw)
            del edge.by_source[source]
            if edge.by_source:
                updated.append({"element_id": element_id, "props": edge.properties(key)})
            else:
                withdrawn.append(element_id)
        for chunk in chunks(updated, self.chunk_size):
            tx.run(UPDATE_EDGES_BY_ELEMENT_ID, rows=list(chunk)).consume()
        for chunk in chunks(withdrawn, self.chunk_size):
            tx.run(DELETE_EDGES_BY_ELEMENT_ID, ids=list(chunk)).consume()

        provenance = batch.provenance
        tx.run(
            WRITE_DATASET,
            source=source,
            date=provenance.date,
            synthetic=provenance.synthetic,
            title=provenance.title or None,
        ).consume()

    def _edge_ledgers(
        self, tx: ManagedTransaction, rel: RelKind, idents: list[EdgeIdent]
    ) -> dict[tuple[str, str, str], str]:
        held: dict[tuple[str, str, str], str] = {}
        keys = [{"source": s, "target": t, "key": k} for s, _, t, k in idents]
        for chunk in chunks(keys, self.chunk_size):
            for record in tx.run(_EDGE_LEDGERS[rel], rows=list(chunk)):
                held[(record["source"], record["target"], record["key"])] = record["by_source"]
        return held

    def _check_endpoints(self, tx: ManagedTransaction, batch: Batch) -> None:
        declared = {n.id for n in batch.nodes}
        wanted = sorted({end for e in batch.edges for end in (e.source, e.target)} - declared)
        found: set[str] = set()
        for chunk in chunks(wanted, self.chunk_size):
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
