"""The embedded default store: a persistent pyoxigraph database, no server."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import networkx as nx
from pyoxigraph import DefaultGraph, NamedNode, Quad, QuerySolutions, Store

from graph.kinds import NodeKind, RelKind
from graph.model import Batch, Counts, LoadReport, Node, Provenance, Subgraph
from graph.projection import project
from graph.rdf import (
    FROM,
    PREFIXES,
    RDF_TYPE,
    batch_quads,
    class_kind,
    graph_iri,
    iri,
    is_qualified,
    predicate_rel,
    relation_iri,
)
from graph.rdf import (
    node_id as id_of_iri,
)
from graph.rdf_decode import decode, source_of_graph
from graph.sparql_params import bind_sparql, sparql_value
from graph.store import Param, Question, Row, StoreError

__all__ = ["OxigraphStore"]

_RELATION_PREDICATES = {f"<{PREFIXES['mlg']}{rel.predicate}>" for rel in RelKind}


class OxigraphStore:
    """The whole graph as RDF quads in a pyoxigraph store (on disk, or in memory
    when `path` is None)."""

    def __init__(self, path: Path | str | None = None) -> None:
        try:
            if path is not None:
                Path(path).mkdir(parents=True, exist_ok=True)
            self._store = Store(str(path)) if path is not None else Store()
        except OSError as e:
            raise StoreError(f"cannot open the embedded store at {path}: {e}") from e
        self.path = Path(path) if path is not None else None

    # -- writing ---------------------------------------------------------------

    def upsert(self, batch: Batch) -> LoadReport:
        """Write a batch in one transaction.

        Values a node or relation already had in the same dataset are replaced by
        the batch's; values from other datasets stay beside them.
        """
        self._check_endpoints(batch)
        graph = graph_iri(batch.provenance.source)
        stale: list[Quad] = []
        try:
            if self._store.contains_named_graph(graph):
                new = list(dict.fromkeys(batch_quads(batch)))
                fresh = set(new)
                added = sum(1 for q in fresh if q not in self._store)
                stale = list(dict.fromkeys(self._stale_quads(batch, fresh)))
                if stale:
                    self._store.update(_delete_insert(stale, new))
                elif added:
                    self._store.extend(new)
            else:
                # A dataset seen for the first time: every quad is new. Streamed, in one transaction.
                seen: set[Quad] = set()
                self._store.extend(_distinct(batch_quads(batch), seen))
                added = len(seen)
        except (TypeError, ValueError, SyntaxError) as e:
            raise StoreError(f"{batch.provenance.source}: batch not written: {e}") from e
        return LoadReport(
            source=batch.provenance.source,
            nodes_written=len(batch.nodes),
            edges_written=len(batch.edges),
            triples_added=added,
            triples_removed=len(stale),
        )

    def bulk_load(self, batches: Iterable[Batch]) -> int:
        """Load batches into an empty store at full speed, outside any transaction
        (pyoxigraph's bulk loader): for first loads and benchmarks, not for updates.
        Returns the number of quads written."""
        if next(iter(self._store.named_graphs()), None) is not None:
            raise StoreError("bulk_load needs an empty store; use upsert to update")
        written = 0

        def quads() -> Iterator[Quad]:
            nonlocal written
            for batch in batches:
                for quad in batch_quads(batch):
                    written += 1
                    yield quad

        self._store.bulk_extend(quads())
        return written

    def _check_endpoints(self, batch: Batch) -> None:
        declared = {n.id for n in batch.nodes}
        for edge in batch.edges:
            for end in (edge.source, edge.target):
                if end not in declared and not self._exists(end):
                    raise StoreError(
                        f"{batch.provenance.source}: relation {edge.rel.value} "
                        f"{edge.source} → {edge.target} names {end}, "
                        "which is neither in the batch nor in the store"
                    )
                declared.add(end)

    def _exists(self, node_id: str) -> bool:
        return any(True for _ in self._store.quads_for_pattern(NamedNode(iri(node_id)), RDF_TYPE, None, None))

    def _stale_quads(self, batch: Batch, new: set[Quad]) -> Iterator[Quad]:
        """What the dataset said before and the batch no longer says.

        A batch is its dataset's whole statement about the nodes it holds: their
        properties and their outgoing relations (with qualifications) are replaced.
        Other datasets' statements are left alone.
        """
        graph = graph_iri(batch.provenance.source)
        for quad in self._store.quads_for_pattern(graph, None, None, DefaultGraph()):
            if quad not in new:
                yield quad
        fresh_subjects = {q.subject for q in new}
        for node in batch.nodes:
            subject = NamedNode(iri(node.id))
            for quad in self._store.quads_for_pattern(subject, None, None, graph):
                if quad not in new:
                    yield quad
            for link in self._store.quads_for_pattern(None, FROM, subject, graph):
                if link.subject not in fresh_subjects:
                    yield from self._store.quads_for_pattern(link.subject, None, None, graph)
        for edge in batch.edges:
            if is_qualified(edge):
                for quad in self._store.quads_for_pattern(relation_iri(edge), None, None, graph):
                    if quad not in new:
                        yield quad

    def clear(self) -> None:
        self._store.clear()

    # -- reading ---------------------------------------------------------------

    def query(self, sparql: str) -> Any:
        """A SPARQL query over the union of all datasets."""
        return self._store.query(sparql, use_default_graph_as_union=True, prefixes=PREFIXES)

    def quads(self) -> Iterator[Quad]:
        return iter(self._store)

    def query_dataset(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        union: bool = False,
        base_iri: str | None = None,
    ) -> Any:
        """A SPARQL query over the dataset the SPARQL Protocol names: `default_graphs`
        merged as the default graph (empty list: empty), `named_graphs` as the only named
        graphs. With neither, the query's own FROM and FROM NAMED, else the union of all
        graphs when `union`, else the store's default graph. Relative IRIs resolve
        against `base_iri`."""
        return self._store.query(
            sparql,
            default_graph=[NamedNode(g) for g in default_graphs] if default_graphs is not None else None,
            named_graphs=[NamedNode(g) for g in named_graphs] if named_graphs is not None else None,
            use_default_graph_as_union=union,
            base_iri=base_iri,
            prefixes=PREFIXES,
        )

    def quads_for_pattern(
        self, subject: Any = None, predicate: Any = None, obj: Any = None, graph: Any = None
    ) -> Iterator[Quad]:
        """The quads matching a pattern (None matches anything), read from the indexes
        without a SPARQL query: the fast path for scans of one predicate."""
        return iter(self._store.quads_for_pattern(subject, predicate, obj, graph))

    def __len__(self) -> int:
        return len(self._store)

    def datasets(self) -> list[Provenance]:
        rows = self.query(
            """SELECT ?g ?date ?synthetic ?title WHERE {
                ?g a mlg:Dataset ; dct:issued ?date ; mlg:synthetic ?synthetic
                OPTIONAL { ?g dct:title ?title }
            } ORDER BY ?g"""
        )
        return [
            Provenance(
                source_of_graph(row["g"].value),
                date.fromisoformat(row["date"].value),
                synthetic=row["synthetic"].value in ("true", "1"),
                title=row["title"].value if row["title"] is not None else "",
            )
            for row in rows
        ]

    def node(self, node_id: str) -> Node | None:
        found = decode(self._store.quads_for_pattern(NamedNode(iri(node_id)), None, None, None))
        return next((n for n in found.nodes if n.id == node_id), None)

    def existing_ids(self, ids: Iterable[str]) -> set[str]:
        """The ids among `ids` the store holds: one index lookup each."""
        return {i for i in dict.fromkeys(ids) if self._exists(i)}

    def subgraph(self) -> Subgraph:
        return decode(self._store.quads_for_pattern(None, None, None, None))

    def dataset(self, source: str) -> Subgraph:
        """One dataset as the store holds it: the decoded quads of its named graph."""
        return decode(
            q
            for q in self._store.quads_for_pattern(None, None, None, graph_iri(source))
            if isinstance(q.subject, NamedNode)
        )

    def ask(self, question: Question, params: Mapping[str, Param] | None = None) -> list[Row]:
        """The rows of the question's SPARQL, its `$name` parameters bound to RDF terms."""
        result = self.query(bind_sparql(question.sparql, params or {}))
        if not isinstance(result, QuerySolutions):
            raise StoreError(f"{question.name}: the SPARQL text is not a SELECT query")
        columns = [v.value for v in result.variables]
        return [tuple(sparql_value(solution[c]) for c in columns) for solution in result]

    def neighbourhood(self, node_id: str, *, depth: int = 1) -> Subgraph:
        if self.node(node_id) is None:
            raise KeyError(f"unknown node: {node_id}")
        reached = {node_id}
        frontier = {node_id}
        for _ in range(depth):
            step = self._adjacent(frontier) - reached
            reached |= step
            frontier = step
        return self._induced(reached)

    def _adjacent(self, ids: set[str]) -> set[str]:
        if not ids:
            return set()
        values = " ".join(f"<{iri(i)}>" for i in sorted(ids))
        predicates = " ".join(sorted(_RELATION_PREDICATES))
        rows = self.query(
            f"""SELECT DISTINCT ?n WHERE {{
                VALUES ?x {{ {values} }} VALUES ?p {{ {predicates} }}
                {{ ?x ?p ?n }} UNION {{ ?n ?p ?x }}
            }}"""
        )
        return {id_of_iri(row["n"].value) for row in rows}

    def _induced(self, ids: set[str]) -> Subgraph:
        """Nodes `ids` and the relations between them, with their qualifications."""
        quads: list[Quad] = []
        for node_id in sorted(ids):
            subject = NamedNode(iri(node_id))
            quads.extend(self._store.quads_for_pattern(subject, None, None, None))
            for link in self._store.quads_for_pattern(None, FROM, subject, None):
                quads.extend(self._store.quads_for_pattern(link.subject, None, None, None))
        found = decode(quads)
        return Subgraph(
            tuple(n for n in found.nodes if n.id in ids),
            tuple(e for e in found.edges if e.source in ids and e.target in ids),
        )

    def projection(
        self, *, territory: str | None = None, kinds: Collection[NodeKind] | None = None
    ) -> nx.MultiDiGraph:
        return project(self.subgraph(), territory=territory, kinds=kinds)

    def counts(self) -> Counts:
        nodes: Counter[str] = Counter()
        for row in self.query("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c"):
            kind = class_kind(row["c"].value)
            if kind is not None:
                nodes[kind.value] += int(row["n"].value)
        # One edge per direct triple, except where qualified relations (one per key)
        # stand for it: then one per qualified relation.
        edges: Counter[str] = Counter()
        for row in self.query(_COUNT_DIRECT):
            edges[_rel_name(row["p"])] += int(row["n"].value)
        for row in self.query(_COUNT_QUALIFIED):
            edges[_rel_name(row["p"])] += int(row["n"].value) - int(row["pairs"].value)
        return Counts(dict(sorted(nodes.items())), dict(sorted((k, v) for k, v in edges.items() if v)))

    def close(self) -> None:
        """Flush and release the database, so another process (or store) may open it.

        The on-disk lock goes with the last reference to the pyoxigraph store, and an
        iterator a caller still holds (`quads()`) is one: collect them now.
        """
        if self.path is None:  # in memory: no lock to release, nothing to flush
            del self._store
            return
        self._store.flush()
        del self._store
        gc.collect()

    def __enter__(self) -> OxigraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _distinct(quads: Iterable[Quad], seen: set[Quad]) -> Iterator[Quad]:
    for quad in quads:
        if quad not in seen:
            seen.add(quad)
            yield quad


_REL_VALUES = " ".join(sorted(_RELATION_PREDICATES))
_COUNT_DIRECT = f"""SELECT ?p (COUNT(*) AS ?n) WHERE {{
    {{ SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?p {{ {_REL_VALUES} }} ?s ?p ?o }} }}
}} GROUP BY ?p"""
_COUNT_QUALIFIED = """SELECT ?p (COUNT(DISTINCT ?r) AS ?n)
    (COUNT(DISTINCT CONCAT(STR(?s), " ", STR(?o))) AS ?pairs)
WHERE { ?r mlg:from ?s ; mlg:relation ?p ; mlg:to ?o } GROUP BY ?p"""


def _rel_name(term: object) -> str:
    rel = predicate_rel(getattr(term, "value", ""))
    if rel is None:
        raise StoreError(f"unknown relation predicate in the store: {term}")
    return rel.value


def _quad_text(quad: Quad) -> str:
    if isinstance(quad.graph_name, DefaultGraph):
        return f"{quad.subject} {quad.predicate} {quad.object} ."
    return f"GRAPH {quad.graph_name} {{ {quad.subject} {quad.predicate} {quad.object} }}"


def _delete_insert(stale: list[Quad], new: list[Quad]) -> str:
    """One SPARQL update, applied atomically: remove replaced values, write the batch."""
    deletions = " ".join(_quad_text(q) for q in stale)
    insertions = " ".join(_quad_text(q) for q in new)
    return f"DELETE DATA {{ {deletions} }} ; INSERT DATA {{ {insertions} }}"
