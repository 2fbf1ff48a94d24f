"""Load requests into an EMPTY Neo4j database with the offline importer
(`graph.neo4j_import`): every file read and checked as `loaders.pipeline.load` reads it,
then written in one import, whole or not at all. Backs ``maillage neo4j import``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import cast

from graph.gc_pause import collector_paused
from graph.model import LoadReport, Node
from graph.neo4j_import import ImportGraph, ImportRefused, ImportReport, import_graph, refuse_existing
from graph.neo4j_server import DEFAULT_HEAP
from graph.store import GraphStore
from loaders.pipeline import LoadRequest, read
from loaders.real_frame import RealOutputs


class _Written:
    """What `loaders.pipeline.read` asks of a store: the nodes it holds (here, those the
    import has taken so far)."""

    def __init__(self, graph: ImportGraph) -> None:
        self.graph = graph

    def node(self, node_id: str) -> Node | None:
        ledger = self.graph.nodes.get(node_id)
        return None if ledger is None else _ANY_NODE


_ANY_NODE = cast(Node, object())  # read() only asks whether a node is there


@collector_paused()
def import_requests(
    requests: Sequence[LoadRequest],
    data_dir: Path,
    *,
    frame: RealOutputs | None = None,
    heap: str = DEFAULT_HEAP,
    threads: int | None = None,
) -> tuple[ImportReport, list[LoadReport]]:
    """Read `requests` in order (`LoadAborted` as for a load: nothing written), then import
    them into the new database of `data_dir`; the import's report and one report an output.
    A dataset may come once only: a second one would be an update, which needs a store."""
    refuse_existing(data_dir)
    graph = ImportGraph()
    reports: list[LoadReport] = []
    for request in requests:
        earlier = set(graph.datasets)
        for done in read(cast(GraphStore, _Written(graph)), request, frame=frame):
            source = done.output.batch.provenance.source
            if source in earlier:
                raise ImportRefused(
                    f"{source} : jeu déjà importé par une demande précédente ; une mise à jour "
                    "demande « maillage load … --neo4j » après l'import"
                )
            graph.add(done.output.batch)
            reports.append(done.report())
    return import_graph(graph, data_dir, heap=heap, threads=threads), reports
