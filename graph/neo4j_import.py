"""The offline importer: batches into an EMPTY Neo4j database with ``neo4j-admin database
import full``, the same nodes, relations, properties and ledgers `Neo4jStore.upsert` writes.

    report = import_batches(batches, data_dir)   # data_dir: a Neo4j home with no database yet

Three steps, the Neo4j server stopped throughout the first two:

1. `ImportGraph` applies the batches in memory by the rules of `Neo4jStore.upsert` (a
   dataset's entry in each ledger replaced, a reloaded dataset's withdrawn relations
   removed, a relation naming a node nobody declares refused): what the store would
   hold after upserting them one by one into an empty database;
2. `write_csv` writes it as the importer's CSV files, one file a shape (the typed
   property columns), ids as ``:ID(Node)``, labels in ``:LABEL``, relations with
   ``:START_ID(Node)``, ``:END_ID(Node)`` and ``:TYPE``; the ``Dataset`` nodes and the
   ``StoreState`` token as the Bolt path writes them;
3. `run_import` runs the importer of the launcher's Neo4j jars (``org.neo4j.cli.AdminTool``,
   the class behind ``neo4j-admin``) on ``DATA_DIR/data/databases/neo4j``; then
   `import_batches` starts the server on the directory once to create the constraints
   and indexes (`graph.neo4j_cypher.SCHEMA`: Neo4j Community's importer cannot build
   them), waits until they are online, and gives the datasets without relations their
   empty ``rels`` list (a CSV field cannot hold an empty list).

A directory that already holds a Neo4j database is refused before anything is written:
the importer only fills a new database (`ImportRefused`, a French message).
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any, Final

from neo4j.spatial import WGS84Point

from graph.gc_pause import collector_paused
from graph.kinds import RelKind
from graph.model import Batch, Provenance
from graph.neo4j_ledger import (
    EdgeIdent,
    EdgeState,
    NodeState,
    Tagged,
    batch_edges,
    batch_nodes,
    dangling,
    kind_labels,
    new_edge_properties,
    new_node_properties,
)
from graph.neo4j_server import DEFAULT_HEAP, Neo4jServer, _find_java, build_launcher
from graph.store import StoreError

__all__ = [
    "DATABASE",
    "ImportFiles",
    "ImportGraph",
    "ImportRefused",
    "ImportReport",
    "database_dir",
    "import_batches",
    "import_graph",
    "refuse_existing",
    "run_import",
    "write_csv",
]

DATABASE: Final = "neo4j"
ADMIN_TOOL: Final = "org.neo4j.cli.AdminTool"
NODE_GROUP: Final = "Node"
AWAIT_INDEXES: Final = "CALL db.awaitIndexes(600)"
# The importer cannot write an empty list: a dataset without relations gets its `rels` here.
EMPTY_RELS: Final = "MATCH (d:Dataset) WHERE d.rels IS NULL SET d.rels = []"
_ARRAY_DELIMITER: Final = ";"


class ImportRefused(StoreError):
    """The directory already holds a database, or the batches cannot be imported: nothing written."""


def database_dir(data_dir: Path) -> Path:
    """Where Neo4j keeps the ``neo4j`` database of a home directory (the launcher's ``--data-dir``)."""
    return data_dir / "data" / "databases" / DATABASE


def _holds_database(data_dir: Path) -> bool:
    store = database_dir(data_dir)
    return store.is_dir() and any(store.glob("neostore*"))


# -- 1. the graph the upserts would write --------------------------------------------------------


@dataclass
class ImportGraph:
    """Batches applied in memory by the rules of `Neo4jStore.upsert` on an empty database."""

    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> ledger (source -> entry)
    edges: dict[EdgeIdent, dict[str, dict[str, Tagged] | None]] = field(default_factory=dict)
    datasets: dict[str, tuple[Provenance, set[str]]] = field(default_factory=dict)

    def add(self, batch: Batch) -> None:
        """Apply one batch, whole or not at all (`ImportRefused` names the first problem)."""
        source = batch.provenance.source
        try:
            nodes = batch_nodes(batch)
            edges = batch_edges(batch)
        except (TypeError, ValueError) as e:
            raise ImportRefused(f"{source} : lot non écrit : {e}") from e
        for s, rel, t, _ in edges:
            for end in (s, t):
                if end not in nodes and end not in self.nodes:
                    raise ImportRefused(dangling(source, rel, s, t, end))
        if source in self.datasets:  # a batch is its dataset's whole word on its nodes' relations
            for ident, ledger in list(self.edges.items()):
                if ident[0] in nodes and source in ledger and ident not in edges:
                    del ledger[source]
                    if not ledger:
                        del self.edges[ident]
        for node_id, entry in nodes.items():
            self.nodes.setdefault(node_id, {})[source] = entry
        for ident, attrs in edges.items():
            held = self.edges.get(ident)
            if held is None:
                self.edges[ident] = {source: attrs}
            elif attrs is not None or ident[0] in nodes:
                held[source] = attrs
            else:  # a bare relation from a node outside the batch keeps its attributes
                held.setdefault(source, None)
        rels = self.datasets.get(source, (batch.provenance, set()))[1]
        rels.update(ident[1].value for ident in edges)
        self.datasets[source] = (batch.provenance, rels)

    def node_rows(self) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
        """Each node's labels and properties, as `Neo4jStore` stores them."""
        for node_id, ledger in self.nodes.items():
            if len(ledger) == 1:
                ((source, entry),) = ledger.items()
                yield ("Node", *kind_labels(entry["kind"])), new_node_properties(node_id, source, entry)
            else:
                state = NodeState(ledger)
                yield ("Node", *sorted(state.labels())), state.properties(node_id)

    def edge_rows(self) -> Iterator[tuple[str, str, RelKind, dict[str, Any]]]:
        """Each relation's ends, type and properties, as `Neo4jStore` stores them."""
        for (s, rel, t, key), ledger in self.edges.items():
            if len(ledger) == 1:
                ((source, attrs),) = ledger.items()
                yield s, t, rel, new_edge_properties(source, key, attrs)
            else:
                yield s, t, rel, EdgeState(ledger).properties(key)


# -- 2. the CSV files -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportFiles:
    """The files of one import: node files and relationship files (each with its header line)."""

    nodes: tuple[Path, ...]
    relationships: tuple[Path, ...]
    multiline: bool  # some string holds a line break (the importer must be told)
    node_count: int
    relationship_count: int


def _check_name(name: str) -> str:
    if not name or any(c in name for c in ':,"\n\r'):
        raise ImportRefused(f"propriété {name!r} : nom impossible à écrire dans un en-tête d'import")
    return name


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _float(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


def _point(value: WGS84Point) -> str:
    return f'"{{longitude:{value.longitude!r}, latitude:{value.latitude!r}}}"'


def _strings(value: list[str]) -> str:
    for item in value:
        if _ARRAY_DELIMITER in item:
            raise ImportRefused(f"valeur de liste {item!r} : contient « {_ARRAY_DELIMITER} »")
    return _quoted(_ARRAY_DELIMITER.join(value))


Format = tuple[str, Callable[[Any], str]]
"""A value's column type in a header, and how its CSV field is written (strings always
quoted: an unquoted empty field is no property)."""

_FORMATS: Final[dict[type, Format]] = {
    str: ("string", _quoted),
    bool: ("boolean", lambda value: "true" if value else "false"),
    int: ("long", str),
    float: ("double", _float),
    date: ("date", date.isoformat),
    WGS84Point: ("point{crs:WGS-84}", _point),
    list: ("string[]", _strings),
}


def _format(value: Any) -> Format:
    """The format of a value by its exact type; a subclass (a StrEnum member) as its base."""
    found = _FORMATS.get(type(value))
    if found is not None:
        return found
    for kind in (bool, int, float, date, WGS84Point, list):
        if isinstance(value, kind):
            return _FORMATS[kind]
    return ("string", lambda v: _quoted(str(v)))


class _Files:
    """One open file a shape (the typed columns of its header), created on first use."""

    def __init__(self, directory: Path, prefix: str, fixed: tuple[str, ...]) -> None:
        self.directory = directory
        self.prefix = prefix
        self.fixed = fixed
        self.open: dict[tuple[tuple[str, str], ...], IO[str]] = {}
        # the property names and value types of a row, in its order -> its file and its
        # columns (the row's positions in header order, each with its writer)
        self.layouts: dict[
            tuple[tuple[str, type], ...], tuple[IO[str], list[tuple[int, Callable[[Any], str]]]]
        ]
        self.layouts = {}
        self.paths: list[Path] = []
        self.multiline = False

    def _file(self, shape: tuple[tuple[str, str], ...]) -> IO[str]:
        out = self.open.get(shape)
        if out is None:
            path = self.directory / f"{self.prefix}-{len(self.paths):03d}.csv"
            out = path.open("w", encoding="utf-8", newline="")
            header = [*self.fixed, *(f"{_check_name(name)}:{kind}" for name, kind in shape)]
            out.write(",".join(header) + "\n")
            self.open[shape] = out
            self.paths.append(path)
        return out

    def write(self, fixed: Iterable[str], props: Mapping[str, Any]) -> None:
        values = [(name, value) for name, value in props.items() if value is not None]
        signature = tuple((name, type(value)) for name, value in values)
        layout = self.layouts.get(signature)
        if layout is None:
            formats = [_format(value) for _, value in values]
            order = sorted(range(len(values)), key=lambda i: values[i][0])
            shape = tuple((values[i][0], formats[i][0]) for i in order)
            layout = self.layouts[signature] = (self._file(shape), [(i, formats[i][1]) for i in order])
        out, columns = layout
        line = ",".join([*fixed, *(write(values[i][1]) for i, write in columns)])
        if "\n" in line or "\r" in line:
            self.multiline = True
        out.write(line + "\n")

    def close(self) -> None:
        for out in self.open.values():
            out.close()


def write_csv(graph: ImportGraph, directory: Path) -> ImportFiles:
    """The importer's CSV files for `graph`, in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    nodes = _Files(directory, "nodes", (f"id:ID({NODE_GROUP})", ":LABEL"))
    others = _Files(directory, "nodes-other", (":LABEL",))
    edges = _Files(
        directory, "relationships", (f":START_ID({NODE_GROUP})", f":END_ID({NODE_GROUP})", ":TYPE")
    )
    node_count = edge_count = 0
    try:
        for labels, props in graph.node_rows():
            node_id = props.pop("id")
            nodes.write((_quoted(node_id), ";".join(labels)), props)
            node_count += 1
        for source, (provenance, rels) in sorted(graph.datasets.items()):
            dataset = {
                "source": source,
                "date": provenance.date,
                "synthetic": provenance.synthetic,
                "title": provenance.title or None,
                # no relation: no list in the CSV (it cannot hold an empty one): `create_schema`
                # writes the empty list
                "rels": sorted(rels) or None,
            }
            others.write(("Dataset",), dataset)
        others.write(("StoreState",), {"id": "store", "token": uuid.uuid4().hex})
        for s, t, rel, props in graph.edge_rows():
            edges.write((_quoted(s), _quoted(t), rel.value), props)
            edge_count += 1
    finally:
        for files in (nodes, others, edges):
            files.close()
    return ImportFiles(
        nodes=(*nodes.paths, *others.paths),
        relationships=tuple(edges.paths),
        multiline=nodes.multiline or edges.multiline or others.multiline,
        node_count=node_count,
        relationship_count=edge_count,
    )


# -- 3. the importer and the schema --------------------------------------------------------------


@dataclass(frozen=True)
class ImportReport:
    """What an import wrote and how long each step took."""

    data_dir: Path
    nodes: int
    relationships: int
    datasets: int
    prepare_s: float  # the graph in memory and its CSV files
    import_s: float  # neo4j-admin database import full
    schema_s: float  # the server started once: constraints and indexes online
    importer_output: str

    @property
    def seconds(self) -> float:
        return self.prepare_s + self.import_s + self.schema_s


def run_import(
    data_dir: Path,
    files: ImportFiles,
    *,
    heap: str = DEFAULT_HEAP,
    threads: int | None = None,
    off_heap: str = "1g",
    jar: Path | None = None,
) -> str:
    """``neo4j-admin database import full`` of `files` into `data_dir`'s ``neo4j`` database,
    in a child JVM on the launcher's jars; its output. `ImportRefused` when the directory
    already holds a database or the importer fails (with the tail of its output)."""
    refuse_existing(data_dir)
    launcher = jar or build_launcher()
    data_dir.mkdir(parents=True, exist_ok=True)
    command = [
        _find_java(),
        f"-Xmx{heap}",
        "-XX:+UseG1GC",
        "-cp",
        str(launcher),
        ADMIN_TOOL,
        "database",
        "import",
        "full",
        DATABASE,
        f"--threads={threads or max(1, os.cpu_count() or 1)}",
        f"--max-off-heap-memory={off_heap}",
        "--high-parallel-io=on",
        f"--array-delimiter={_ARRAY_DELIMITER}",
        f"--report-file={data_dir / 'import.report'}",
        *(f"--nodes={path}" for path in files.nodes),
        *(f"--relationships={path}" for path in files.relationships),
    ]
    if files.multiline:
        command.append("--multiline-fields=true")
    with tempfile.TemporaryDirectory(prefix="maillage-neo4j-conf-") as conf:
        (Path(conf) / "neo4j.conf").write_text("", encoding="utf-8")
        env = {**os.environ, "NEO4J_HOME": str(data_dir.resolve()), "NEO4J_CONF": conf}
        result = subprocess.run(
            command, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False
        )
    output = "\n".join(
        line for line in (result.stdout + result.stderr).splitlines() if line.strip(" .-") and "%" not in line
    )
    if result.returncode != 0 or "IMPORT DONE" not in output:
        tail = "\n".join(output.splitlines()[-15:])
        raise ImportRefused(f"l'import Neo4j dans {data_dir} a échoué (code {result.returncode}) :\n{tail}")
    return output


def create_schema(data_dir: Path, *, heap: str = DEFAULT_HEAP) -> None:
    """Start the server on `data_dir` once: the constraints and indexes, online, and the
    empty relation lists of the datasets without relations (`EMPTY_RELS`); then stop."""
    from graph.neo4j_store import Neo4jStore, connect

    with contextlib.ExitStack() as stack:
        server = Neo4jServer(log_level="WARN", heap=heap)
        server.start(data_dir=data_dir, timeout=300)
        stack.callback(server.stop)
        driver = connect(server.uri, server.auth)
        stack.callback(driver.close)
        store = Neo4jStore(driver)
        store.ensure_schema()
        driver.execute_query(EMPTY_RELS, database_=DATABASE)
        driver.execute_query(AWAIT_INDEXES, database_=DATABASE)


@collector_paused()
def import_batches(
    batches: Iterable[Batch],
    data_dir: Path,
    *,
    heap: str = DEFAULT_HEAP,
    threads: int | None = None,
) -> ImportReport:
    """Import `batches`, in order, into the new database of `data_dir` (see the module's docstring)."""
    refuse_existing(data_dir)
    started = time.perf_counter()
    graph = ImportGraph()
    for batch in batches:
        graph.add(batch)
    return import_graph(graph, data_dir, heap=heap, threads=threads, started=started)


def refuse_existing(data_dir: Path) -> None:
    """`ImportRefused` when `data_dir` already holds a Neo4j database."""
    if _holds_database(data_dir):
        raise ImportRefused(
            f"{data_dir} contient déjà une base Neo4j : l'import hors ligne n'écrit que dans une base "
            "neuve ; choisir un dossier vide, ou charger avec « maillage load … --neo4j »"
        )


@collector_paused()
def import_graph(
    graph: ImportGraph,
    data_dir: Path,
    *,
    heap: str = DEFAULT_HEAP,
    threads: int | None = None,
    started: float | None = None,
) -> ImportReport:
    """Import `graph` into the new database of `data_dir`: its CSV files in a temporary
    directory (removed after), the importer, then `create_schema`. `started`: a
    `perf_counter` time the preparation began, for the report."""
    refuse_existing(data_dir)
    begin = time.perf_counter() if started is None else started
    staging = Path(tempfile.mkdtemp(prefix="maillage-neo4j-import-"))
    try:
        files = write_csv(graph, staging)
        prepared = time.perf_counter()
        output = run_import(data_dir, files, heap=heap, threads=threads)
        imported = time.perf_counter()
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    create_schema(data_dir, heap=heap)
    done = time.perf_counter()
    return ImportReport(
        data_dir=data_dir,
        nodes=files.node_count,
        relationships=files.relationship_count,
        datasets=len(graph.datasets),
        prepare_s=prepared - begin,
        import_s=imported - prepared,
        schema_s=done - imported,
        importer_output=output,
    )
