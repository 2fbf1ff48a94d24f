"""The embedded default store: a persistent pyoxigraph database, no server.

Each dataset is a named graph (provenance); the default graph is the merged graph,
kept in step on every write and removal: each triple of any named graph once, plus
the superclass types of every node (`graph.rdf.merged_quads`). SPARQL queries read
the merged graph by default, so a fact stated by two datasets counts once and
``?o a mlg:SIAE`` finds every ACI; ``GRAPH ?g { … }`` still says who states what.
"""

from __future__ import annotations

import contextlib
import gc
import os
import shutil
import traceback
import uuid
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import networkx as nx
from pyoxigraph import DefaultGraph, NamedNode, Quad, QuerySolutions, Store, Triple

from graph.bulk_parts import load_in_parts
from graph.compaction_priority import compaction_yielding
from graph.gc_pause import collector_paused
from graph.kinds import NodeKind, RelKind
from graph.model import Batch, Counts, Edge, LoadReport, Node, Provenance, Subgraph
from graph.nquads import NQuadsWriter, nquads_chunks
from graph.ontology import superclasses
from graph.projection import project
from graph.rdf import (
    FROM,
    PREFIXES,
    RDF_TYPE,
    batch_quads,
    class_kind,
    dataset_quads,
    graph_iri,
    iri,
    is_qualified,
    merged_quads,
    predicate_rel,
    relation_iri,
)
from graph.rdf import (
    node_id as id_of_iri,
)
from graph.rdf_decode import decode, source_of_graph
from graph.sparql_params import bind_sparql, sparql_value
from graph.store import BulkLoader, Param, Question, Row, StoreError

__all__ = ["OxigraphStore"]

_RELATION_PREDICATES = {f"<{PREFIXES['mlg']}{rel.predicate}>" for rel in RelKind}


class OxigraphStore:
    """The whole graph as RDF quads in a pyoxigraph store (on disk, or in memory
    when `path` is None). `read_only`: an existing store opened for reading only, by
    as many processes as wish (each write is refused); no process may write it then."""

    def __init__(self, path: Path | str | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        self._snapshot: Store | None = None  # inside `atomic` on an in-memory store: the store before
        self._guarded = False  # inside `atomic`: a failure restores the store as it was
        self._no_writer = False  # `assume_no_writer`
        try:
            if read_only:
                if path is None:
                    raise StoreError("un magasin en lecture seule a besoin d'un chemin")
                self._refuse_interrupted(Path(path))
                self._store = Store.read_only(str(path))
            else:
                if path is not None:
                    Path(path).mkdir(parents=True, exist_ok=True)
                self._store = Store(str(path)) if path is not None else Store()
                if self.path is not None and (self.path / _BULK_MARKER).exists():
                    self._discard_bulk()  # a bulk load into this store, empty before, was interrupted
                if self.path is not None and (self.path / _CHECKPOINT).exists():
                    # the database's lock is ours: no load is running, and one killed inside
                    # `atomic` left its marker: back to the store before it (or a leftover checkpoint goes)
                    self._restore_checkpoint()
        except OSError as e:
            raise StoreError(f"impossible d'ouvrir le magasin embarqué {path} : {e}") from e
        self._state = _read_state(self.path)

    @staticmethod
    def _refuse_interrupted(path: Path) -> None:
        """A reader would see a part of a load that was interrupted: refused."""
        if (path / _BULK_MARKER).exists():
            raise StoreError(
                f"magasin {path} : un chargement en masse y a été interrompu ; l'ouvrir en écriture "
                "le vide (il l'était avant ce chargement)"
            )
        if (path / _CHECKPOINT_MARKER).exists():
            raise StoreError(
                f"magasin {path} : un chargement y est en cours ou a été interrompu ; interrompu, l'ouvrir "
                "en écriture (toute commande maillage) le remet dans son état d'avant ce chargement"
            )

    # -- writing ---------------------------------------------------------------

    @collector_paused()
    def upsert(self, batch: Batch) -> LoadReport:
        """Write a batch in one transaction; inside `atomic`, in parts of `PART_NODES`
        nodes (with their outgoing relations), one transaction each: `atomic` restores
        the store if anything fails, and no transaction holds a national dataset.

        Values a node or relation already had in the same dataset are replaced by
        the batch's; values from other datasets stay beside them.
        """
        self._writable()
        self._check_endpoints(batch)
        graph = graph_iri(batch.provenance.source)
        fresh = not self._store.contains_named_graph(graph)
        parts = _parts(batch, PART_NODES) if self._guarded else [batch]
        metadata = set(dataset_quads(batch.provenance))
        added = removed = 0
        try:
            for number, part in enumerate(parts):
                if fresh:
                    part_added, part_removed = (
                        self._write_new(part, skip=metadata if number else frozenset()),
                        0,
                    )
                else:
                    part_added, part_removed = self._write_update(part, graph)
                added, removed = added + part_added, removed + part_removed
                # each large commit flushed: inside `atomic` too, else the write-ahead logs and
                # the memtables of the indexes written less often pile up (GBs on a national load)
                self._settle(part_added + part_removed)
        except (TypeError, ValueError, SyntaxError) as e:
            raise StoreError(f"{batch.provenance.source} : lot non écrit : {e}") from e
        if added or removed:
            self._bump_state()
        return LoadReport(
            source=batch.provenance.source,
            nodes_written=len(batch.nodes),
            edges_written=len(batch.edges),
            triples_added=added,
            triples_removed=removed,
        )

    def _write_new(self, batch: Batch, *, skip: Collection[Quad]) -> int:
        """A dataset seen for the first time: every quad is new (but those in `skip`,
        written by an earlier part). Streamed, in one transaction; inside `atomic`, by
        the bulk writer (files written directly, no transaction held in memory: `atomic`
        gives the atomicity). The merged graph only gains (writing a quad it holds
        changes nothing). Returns the quads written."""
        seen: set[Quad] = set(skip)
        quads = _with_merged(_distinct(batch_quads(batch), seen))
        if self._guarded:
            self._store.bulk_extend(quads)
        else:
            self._store.extend(quads)
        return len(seen) - len(skip)

    def _write_update(self, batch: Batch, graph: NamedNode) -> tuple[int, int]:
        """Replace what the dataset said of the batch's nodes, in one transaction.
        Returns the quads added and removed."""
        new = list(dict.fromkeys(batch_quads(batch)))
        fresh = set(new)
        novel = [q for q in new if q not in self._store]
        stale = list(dict.fromkeys(self._stale_quads(batch, fresh)))
        merged_in, merged_out = self._merged_changes(graph, novel, stale)
        if stale or merged_out:
            self._store.update(_delete_insert(stale + merged_out, new + merged_in))
        elif novel:
            self._store.extend(new + merged_in)
        return len(novel), len(stale)

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Whatever is written inside is written whole or not at all: a failure (an
        exception) restores the store as it was, and so does the next writable opening
        after the process was killed inside (a reader refuses the store until then).

        On disk, a RocksDB checkpoint of the store (`Store.backup`: hard links to its
        immutable files, milliseconds whatever its size) is taken in the store's
        folder, then a marker file stands for the load until the store is flushed; in
        memory, the store before is kept as a copy. Writes inside may then be split
        into smaller transactions (`upsert`). Nested: the outermost one counts."""
        self._writable()
        if self._guarded:
            yield
            return
        self._take_checkpoint()
        self._guarded = True
        try:
            yield
            if self.path is not None:
                self._store.flush()
        except BaseException as e:
            # the failed frames may hold the database's iterators: let them go, so that it can be closed
            traceback.clear_frames(e.__traceback__)
            self._guarded = False
            self._restore_checkpoint()
            raise
        self._guarded = False
        self._release_checkpoint()

    def _take_checkpoint(self) -> None:
        if self.path is None:
            self._snapshot = Store()
            self._snapshot.bulk_extend(self._store.quads_for_pattern(None, None, None, None))
            return
        checkpoint = self.path / _CHECKPOINT
        shutil.rmtree(checkpoint, ignore_errors=True)
        self._store.backup(str(checkpoint))
        _write_atomically(self.path / _CHECKPOINT_MARKER, "a load inside `atomic` has not finished\n")

    def _release_checkpoint(self) -> None:
        self._snapshot = None
        if self.path is not None:
            (self.path / _CHECKPOINT_MARKER).unlink(missing_ok=True)
            shutil.rmtree(self.path / _CHECKPOINT, ignore_errors=True)

    def _restore_checkpoint(self) -> None:
        """The store as `_take_checkpoint` found it."""
        if self.path is None:
            assert self._snapshot is not None
            self._store, self._snapshot = self._snapshot, None
        else:
            pending = (self.path / _CHECKPOINT_MARKER).exists()
            if pending:
                del self._store
                gc.collect()  # the last reference to the database releases its lock
            _settle_checkpoint(self.path)
            if pending:
                self._store = Store(str(self.path))
        self._bump_state()

    @collector_paused()
    def bulk_load(
        self,
        batches: Iterable[Batch],
        *,
        chunk_bytes: int = 8 * 1024**2,
        writers: int = 2,
        yield_compaction: bool = True,
    ) -> int:
        """Load batches into an empty store at full speed with pyoxigraph's bulk loader
        (for first loads and benchmarks, not for updates), whole or not at all.

        The batches are written as N-Quads text (`graph.nquads`) in large chunks, loaded
        in parts, each one call of pyoxigraph's bulk loader, two at most under way
        (`graph.bulk_parts`), RocksDB's compactions at the lowest CPU priority meanwhile
        (`graph.compaction_priority`; `yield_compaction=False` leaves them as they are, for
        benchmarks); `writers`: how many batches it may write at once (1: about
        0.4 GiB less memory on the national preset, slower).
        A marker file in the store's directory stands for the load until it is flushed:
        a load that fails removes what it wrote, and a store reopened with the marker
        still there (the process was killed) is emptied again, as it was before.
        Returns the number of quads written in the named graphs and dataset metadata
        (the merged graph's copies are written too, not counted)."""
        self._writable()
        if self._holds_data():
            raise StoreError("bulk_load demande un magasin vide ; pour une mise à jour, utiliser upsert")
        writer = NQuadsWriter()
        self._mark_bulk()
        try:
            chunks = nquads_chunks(batches, writer, chunk_bytes=chunk_bytes)
            # RocksDB's compactions wait for the CPU the load leaves idle (`graph.compaction_priority`)
            with compaction_yielding() if yield_compaction and self.path else contextlib.nullcontext():
                load_in_parts(self._store, chunks, writers=writers)
                if self.path is not None:
                    self._store.flush()
        except BaseException as e:
            # the failed frames hold the database: let it go, so that it can be emptied
            traceback.clear_frames(e.__traceback__)
            self._discard_bulk()
            raise
        finally:
            self._bump_state()
        self._unmark_bulk()
        return writer.lines

    def bulk_loader(self) -> BulkLoader | None:
        """`bulk_load` followed by the quads each dataset states, while the store is
        empty and writable; None otherwise."""
        if self.read_only or self._holds_data():
            return None

        def load(batches: Iterable[Batch]) -> dict[str, int]:
            self.bulk_load(batches)
            return self.dataset_sizes()

        return load

    def _holds_data(self) -> bool:
        return next(iter(self._store.named_graphs()), None) is not None

    def _settle(self, changed: int) -> None:
        """After a large commit, flush it from the write-ahead log into the database's
        files: reopening after a crash then replays a short log, not the whole commit
        (a national dataset's log took minutes and gigabytes to replay)."""
        if self.path is not None and changed >= FLUSH_AFTER_QUADS:
            self._store.flush()

    def _mark_bulk(self) -> None:
        if self.path is not None:
            (self.path / _BULK_MARKER).write_text(
                "a bulk load into this empty store has not finished\n", encoding="ascii"
            )

    def _unmark_bulk(self) -> None:
        if self.path is not None:
            (self.path / _BULK_MARKER).unlink(missing_ok=True)

    def _discard_bulk(self) -> None:
        """Empty the store a bulk load failed to fill (it was empty before)."""
        if self.path is None:
            self._store = Store()
            return
        del self._store
        gc.collect()  # the last reference to the database releases its lock
        self._store = _reopened_empty(self.path)

    def _check_endpoints(self, batch: Batch) -> None:
        declared = {n.id for n in batch.nodes}
        for edge in batch.edges:
            for end in (edge.source, edge.target):
                if end not in declared and not self._exists(end):
                    raise StoreError(
                        f"{batch.provenance.source} : la relation {edge.rel.value} "
                        f"{edge.source} → {edge.target} nomme {end}, "
                        "qui n'est ni dans le lot ni dans le magasin"
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

    def _merged_changes(
        self, graph: NamedNode, added: list[Quad], removed: list[Quad]
    ) -> tuple[list[Quad], list[Quad]]:
        """What the merged default graph gains and loses when `graph` gains `added` and
        loses `removed` (quads of `graph`, or dataset metadata, which is left alone).

        A triple leaves the merged graph when no other named graph still states it; a
        node's types there are recomputed from the types every dataset still gives it.
        """
        added = [q for q in added if isinstance(q.graph_name, NamedNode)]
        removed = [q for q in removed if isinstance(q.graph_name, NamedNode)]
        default = DefaultGraph()
        gains = list(dict.fromkeys(m for q in added if q.predicate != RDF_TYPE for m in merged_quads(q)))
        gains = [q for q in gains if q not in self._store]
        losses: list[Quad] = []
        for quad in removed:
            if quad.predicate == RDF_TYPE:
                continue
            if not self._stated_elsewhere(quad.triple, graph):
                losses.append(Quad(quad.subject, quad.predicate, quad.object, default))
        gone = set(removed)
        retyped = dict.fromkeys(q.subject for q in (*added, *removed) if q.predicate == RDF_TYPE)
        for subject in retyped:
            stated = {
                str(q.object.value)
                for q in self._store.quads_for_pattern(subject, RDF_TYPE, None, None)
                if isinstance(q.graph_name, NamedNode) and isinstance(q.object, NamedNode) and q not in gone
            }
            stated |= {
                q.object.value
                for q in added
                if q.subject == subject and q.predicate == RDF_TYPE and isinstance(q.object, NamedNode)
            }
            wanted = stated | {parent for cls in stated for parent in superclasses(cls)}
            held = {
                q.object.value
                for q in self._store.quads_for_pattern(subject, RDF_TYPE, None, default)
                if isinstance(q.object, NamedNode)
            }
            gains.extend(Quad(subject, RDF_TYPE, NamedNode(c), default) for c in sorted(wanted - held))
            losses.extend(Quad(subject, RDF_TYPE, NamedNode(c), default) for c in sorted(held - wanted))
        return gains, losses

    def _stated_elsewhere(self, triple: Triple, graph: NamedNode) -> bool:
        return any(
            isinstance(q.graph_name, NamedNode) and q.graph_name != graph
            for q in self._store.quads_for_pattern(triple.subject, triple.predicate, triple.object, None)
        )

    def remove_dataset(self, source: str) -> int:
        """Remove a dataset in one transaction: its named graph, its metadata, and from the
        merged graph what no other dataset states. Returns the number of quads removed
        (0 for an unknown dataset)."""
        self._writable()
        graph = graph_iri(source)
        stale = [
            *self._store.quads_for_pattern(None, None, None, graph),
            *self._store.quads_for_pattern(graph, None, None, DefaultGraph()),
        ]
        if not stale:
            return 0
        _, merged_out = self._merged_changes(graph, [], stale)
        self._store.update(_delete_insert(stale + merged_out, []))
        self._settle(len(stale))
        self._bump_state()
        return len(stale)

    def clear(self) -> None:
        self._writable()
        self._store.clear()
        self._bump_state()

    def state(self) -> str:
        """A token that changes with every write through this class (upsert, bulk load,
        clear), kept in the file `maillage-state` inside the store's directory so that
        another process sees it; a write bypassing this class does not change it.

        A writable instance is the store's only writer (the database's lock) and keeps
        its token as it writes; a read-only one reads the file again at each call,
        unless `assume_no_writer` said the caller keeps every writer out."""
        if self.path is not None and self.read_only and not self._no_writer:
            self._state = _read_state(self.path)
        return self._state

    def assume_no_writer(self) -> None:
        """The caller holds the store's lock (`api.web.serving.hold_store`) for as long
        as this read-only instance is open: no write can happen, so `state` no longer
        reads its file (it was read at each call of each request)."""
        self._no_writer = True

    def _writable(self) -> None:
        if self.read_only:
            raise StoreError(f"magasin {self.path} ouvert en lecture seule : écriture refusée")

    def _bump_state(self) -> None:
        self._state = _new_state(self.path)

    # -- reading ---------------------------------------------------------------

    def query(self, sparql: str, **options: Any) -> Any:
        """A SPARQL query over the merged graph (each fact once, with superclass types);
        ``GRAPH ?g`` reads the datasets. `options` go to pyoxigraph (substitutions…)."""
        return self._store.query(sparql, prefixes=PREFIXES, **options)

    def quads(self) -> Iterator[Quad]:
        """The stated quads: every dataset's named graph and the datasets' metadata (not
        the merged graph, which is derived from them)."""
        for graph in sorted(self._store.named_graphs(), key=str):
            yield from self._store.quads_for_pattern(None, None, None, graph)
            yield from self._store.quads_for_pattern(graph, None, None, DefaultGraph())

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
        graphs. With neither, the query's own FROM and FROM NAMED, else the store's
        default graph: the merged graph, each fact of every dataset once (`union` asks
        for that union of the datasets, which the merged graph already is: kept for
        callers, it changes nothing). Relative IRIs resolve against `base_iri`."""
        del union  # the merged default graph is the union of the datasets, each fact once
        return self._store.query(
            sparql,
            default_graph=[NamedNode(g) for g in default_graphs] if default_graphs is not None else None,
            named_graphs=[NamedNode(g) for g in named_graphs] if named_graphs is not None else None,
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
        """The number of stated quads (see `quads`)."""
        return sum(1 for _ in self.quads())

    def dataset_sizes(self) -> dict[str, int]:
        """Per dataset, the quads it states: its named graph and its metadata."""
        sizes = {
            source_of_graph(row["g"].value): int(row["n"].value)
            for row in self.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        }
        for row in self.query("SELECT ?g (COUNT(*) AS ?n) WHERE { ?g a mlg:Dataset ; ?p ?o } GROUP BY ?g"):
            source = source_of_graph(row["g"].value)
            sizes[source] = sizes.get(source, 0) + int(row["n"].value)
        return sizes

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
        store = self._store
        return decode(q for g in store.named_graphs() for q in store.quads_for_pattern(None, None, None, g))

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
            raise StoreError(f"{question.name} : le texte SPARQL n'est pas une requête SELECT")
        columns = [v.value for v in result.variables]
        return [tuple(sparql_value(solution[c]) for c in columns) for solution in result]

    def neighbourhood(self, node_id: str, *, depth: int = 1) -> Subgraph:
        if self.node(node_id) is None:
            raise KeyError(f"nœud inconnu : {node_id}")
        reached = {node_id}
        frontier = {node_id}
        for _ in range(depth):
            step = self._adjacent(frontier) - reached
            reached |= step
            frontier = step
        return self.induced(reached)

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

    def induced(self, ids: Iterable[str]) -> Subgraph:
        """Nodes `ids` and the relations between them, with their qualifications."""
        ids = set(ids)
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
        # stated kinds (the named graphs), not the superclasses of the merged graph
        for row in self.query(_COUNT_KINDS):
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
        if self.path is not None and not self.read_only:  # in memory or read-only: nothing to flush
            self._store.flush()
        del self._store
        # and collect now, on this thread: a pyoxigraph iterator freed later on another
        # thread (a web server's) raises "unsendable … dropped on another thread"
        gc.collect()

    def __enter__(self) -> OxigraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_STATE_FILE = "maillage-state"
FLUSH_AFTER_QUADS = 20_000  # a commit this large is flushed at once (`OxigraphStore._settle`)
PART_NODES = 20_000  # inside `atomic`, a batch is written in parts of this many nodes (`upsert`)
_BULK_MARKER = "maillage-bulk-load"
_CHECKPOINT = "maillage-checkpoint"  # the store before a load inside `atomic` (a RocksDB checkpoint)
_CHECKPOINT_MARKER = "maillage-checkpoint-pending"  # the load has not finished: restore the checkpoint


def _reopened_empty(path: Path) -> Store:
    """Remove the database at `path` (closed) and open an empty one there."""
    _remove_database(path)
    return Store(str(path))


def _remove_database(path: Path, *, keep: Collection[str] = ()) -> None:
    """Remove the database files at `path` (closed), not the state token nor `keep`."""
    for child in path.iterdir():
        if child.name != _STATE_FILE and child.name not in keep:
            shutil.rmtree(child) if child.is_dir() else child.unlink()


def _settle_checkpoint(path: Path) -> None:
    """When a load inside `atomic` did not finish (its marker is there), put the
    checkpoint taken before it back in place of the database at `path` (closed), then
    drop the checkpoint. Each step can be run again if this one is interrupted: the
    marker goes only once the database is the checkpoint."""
    checkpoint = path / _CHECKPOINT
    marker = path / _CHECKPOINT_MARKER
    if marker.exists():
        if not checkpoint.is_dir():
            raise StoreError(
                f"magasin {path} : un chargement y a été interrompu et la copie d'avant ce chargement "
                f"({checkpoint}) manque : recharger le magasin"
            )
        _remove_database(path, keep=(_CHECKPOINT, _CHECKPOINT_MARKER))
        for file in checkpoint.iterdir():
            if file.suffix == ".sst":  # immutable: shared with the checkpoint
                os.link(file, path / file.name)
            else:  # the log, the manifest…: written again once opened
                shutil.copy2(file, path / file.name)
        _sync_directory(path)
        marker.unlink()
    shutil.rmtree(checkpoint, ignore_errors=True)


def _sync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_atomically(path: Path, text: str) -> None:
    """Write a small file whole or not at all, on disk when this returns."""
    tmp = path.with_name(f"{path.name}.tmp")
    with tmp.open("w", encoding="ascii") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)
    _sync_directory(path.parent)


def _parts(batch: Batch, size: int) -> list[Batch]:
    """A batch cut into batches of at most `size` distinct nodes, each with the
    relations leaving its nodes; the relations leaving nodes the batch does not hold
    in the last one. Every quad of a part is about its own nodes (and their
    relations), so writing the parts one after the other writes the batch."""
    if len(batch.nodes) <= size:
        return [batch]
    by_id: dict[str, list[Node]] = {}
    for node in batch.nodes:
        by_id.setdefault(node.id, []).append(node)
    ids = list(by_id)
    leaving: dict[str, list[Edge]] = {}
    for edge in batch.edges:
        leaving.setdefault(edge.source if edge.source in by_id else "", []).append(edge)
    parts = []
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        parts.append(
            Batch(
                batch.provenance,
                [n for i in chunk for n in by_id[i]],
                [e for i in chunk for e in leaving.get(i, ())],
            )
        )
    if "" in leaving:
        parts.append(Batch(batch.provenance, [], leaving[""]))
    return parts


def _new_state(path: Path | None) -> str:
    token = uuid.uuid4().hex
    if path is not None:
        tmp = path / f"{_STATE_FILE}.tmp"
        tmp.write_text(token, encoding="ascii")
        tmp.replace(path / _STATE_FILE)
    return token


def _read_state(path: Path | None) -> str:
    """The store's state token; a store without one (new, or written by an older
    version) gets one now."""
    if path is None:
        return uuid.uuid4().hex
    try:
        return (path / _STATE_FILE).read_text(encoding="ascii").strip() or _new_state(path)
    except FileNotFoundError:
        return _new_state(path)


def _with_merged(quads: Iterable[Quad]) -> Iterator[Quad]:
    """Each quad, and for a quad of a named graph what it adds to the merged graph."""
    for quad in quads:
        yield quad
        if isinstance(quad.graph_name, NamedNode):
            yield from merged_quads(quad)


def _distinct(quads: Iterable[Quad], seen: set[Quad]) -> Iterator[Quad]:
    for quad in quads:
        if quad not in seen:
            seen.add(quad)
            yield quad


_COUNT_KINDS = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?c"
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
        raise StoreError(f"prédicat de relation inconnu dans le magasin : {term}")
    return rel.value


def _quad_text(quad: Quad) -> str:
    if isinstance(quad.graph_name, DefaultGraph):
        return f"{quad.subject} {quad.predicate} {quad.object} ."
    return f"GRAPH {quad.graph_name} {{ {quad.subject} {quad.predicate} {quad.object} }}"


def _delete_insert(stale: list[Quad], new: list[Quad]) -> str:
    """One SPARQL update, applied atomically: remove replaced values, write the batch."""
    deletions = " ".join(_quad_text(q) for q in stale)
    insertions = " ".join(_quad_text(q) for q in new)
    if not insertions:
        return f"DELETE DATA {{ {deletions} }}"
    return f"DELETE DATA {{ {deletions} }} ; INSERT DATA {{ {insertions} }}"
