"""The one load pipeline: what a request to load means, whoever makes it (the command
line, the demo, the web API, the tests).

A `LoadRequest` names a source (`LoadSource`) and what it needs: a file or a
generated directory, the data directory, a column mapping, a dataset name.
`outputs` turns it into loader outputs, in write order; `load` writes them into
any store, one upsert each, all of them or none, and returns one `LoadReport` per dataset
(rows read, loaded, merged, rejected, unresolved, time); `load_fresh` writes
several requests into an empty embedded store at bulk speed, with the same
outputs and the same reports.

`load` reads every file of a request before writing any (`read`): a file that
cannot be read, a file whose rejected rows pass the error ceiling
(`graph.settings`: `max_rejected`, `max_rejected_share`), or a relation naming a
node that neither the load nor the store holds stops the load with `LoadAborted`
and the store is left as it was. Into an empty embedded store, the outputs are
then written by the bulk loader, whole or not at all; otherwise each output is
written as an update of its dataset (`loaders.update.plan_update`): what a newer
list no longer holds is end-dated, changed values keep their former value,
withdrawn relations go; the whole request inside `GraphStore.atomic`, so that a
failure while writing (or a kill) leaves the store as it was.

What each source means:

- `guide`: the case studies of the guide (`data/cas-du-guide.toml`, or a file);
- `reel`: every real source of the data mirror, in the order of the registry
  `loaders.real.REAL_SOURCES`;
- `synthetique`: a generated territory: the real frame within its scope
  (`RealOutputs.within`), then its generated files, each its own synthetic dataset;
- `organisations`, `clubs`, `ptce`, `fabriques`, `reseaux`, `partenariats`: a
  user's file in that format, its own dataset (`loaders.files`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Final

from graph.gc_pause import collector_paused
from graph.ids import slugify
from graph.kinds import OrgKind
from graph.model import Batch, LoadReport
from graph.oxigraph_store import OxigraphStore
from graph.settings import settings
from graph.store import BulkLoader, GraphStore
from loaders.base import LoaderError, LoaderOutput
from loaders.case_studies import DEFAULT_PATH, CaseStudyError, read_case_studies
from loaders.files import FileFormat, read_user_file, user_provenance
from loaders.formats import KnownNodes
from loaders.real import real_sources
from loaders.real_frame import RealOutputs, real_outputs
from loaders.report import own_nodes, report_of
from loaders.synthetic.loading import synthetic_outputs
from loaders.synthetic.territory import Manifest
from loaders.update import plan_update

__all__ = [
    "Ceiling",
    "LoadAborted",
    "LoadRequest",
    "LoadSource",
    "ReadOutput",
    "load",
    "load_fresh",
    "load_generated",
    "outputs",
    "read",
    "write",
]


class LoadSource(StrEnum):
    """What can be loaded. Values are written without accents; `parse` takes both."""

    GUIDE = "guide"
    REEL = "reel"
    SYNTHETIQUE = "synthetique"
    ORGANISATIONS = "organisations"
    CLUBS = "clubs"
    PTCE = "ptce"
    FABRIQUES = "fabriques"
    RESEAUX = "reseaux"
    PARTENARIATS = "partenariats"

    @property
    def needs_path(self) -> bool:
        """Whether the source is a file or directory the user names."""
        return self not in (LoadSource.GUIDE, LoadSource.REEL)

    @classmethod
    def parse(cls, value: str) -> LoadSource:
        """A source from its name, accented or not, in any case.

        >>> LoadSource.parse("réel"), LoadSource.parse("Synthétique"), LoadSource.parse("réseaux")
        (<LoadSource.REEL: 'reel'>, <LoadSource.SYNTHETIQUE: 'synthetique'>, <LoadSource.RESEAUX: 'reseaux'>)
        """
        try:
            return cls(slugify(value))
        except ValueError:
            raise ValueError(f"source inconnue {value!r} : une parmi {', '.join(cls)}") from None


@dataclass(frozen=True, slots=True)
class LoadRequest:
    """One thing to load, and what it needs."""

    source: LoadSource
    path: Path | None = None  # a file, or a generated directory for `synthetique`
    data_dir: Path | None = None  # the data mirror; graph.settings by default
    mapping: str | None = None  # columns of an organisations file
    dataset: str | None = None  # a user's file's dataset name (default: the file's)
    synthetic: bool = False  # a user's file is synthetic
    kind: OrgKind | None = None  # the kind of an organisations file's rows (default: companies)


def outputs(
    request: LoadRequest, known: KnownNodes, *, frame: RealOutputs | None = None
) -> Iterator[tuple[str, LoaderOutput]]:
    """The outputs of a request, each with the file it reports, in write order. Write
    each before asking for the next: later outputs resolve what they name in `known`,
    which holds the store's nodes and gets each output's nodes once it is yielded.
    `frame` spares parsing the real data again."""
    for file, output, _ in _outputs(request, known, frame=frame):
        yield file, output


def _outputs(
    request: LoadRequest, known: KnownNodes, *, frame: RealOutputs | None = None
) -> Iterator[tuple[str, LoaderOutput, bool]]:
    """`outputs`, each flagged `partial` when it is a part of its dataset (the real
    frame within a synthetic territory's scope): a part is not an update of the whole."""
    source, path = request.source, request.path
    if source is LoadSource.GUIDE:
        file = path or DEFAULT_PATH
        batch = read_case_studies(file)
        yield file.name, LoaderOutput(batch, len(batch.nodes) + len(batch.edges)), False
        return
    real = frame
    if source is LoadSource.REEL:
        for output in real_sources(request.data_dir, frame=real, known=known):
            yield output.batch.provenance.source, output, False
        return
    if path is None:
        raise LoaderError(f"la source {source.value!r} demande un fichier ou un dossier")
    if source is LoadSource.SYNTHETIQUE:
        real = real if real is not None else real_outputs(request.data_dir)
        for output in real.within(Manifest.read(path).scope).in_order():
            yield output.batch.provenance.source, output, True
            known.add_batch(output.batch)
        for output in synthetic_outputs(path, real, known):
            yield output.batch.provenance.source, output, False
        return
    provenance = user_provenance(path, source=request.dataset, synthetic=request.synthetic)
    yield (
        path.name,
        read_user_file(
            FileFormat(source.value),
            path,
            known=known,
            provenance=provenance,
            mapping=request.mapping,
            data_dir=request.data_dir,
            communes=real.communes if real is not None else None,
            kind=request.kind,
        ),
        False,
    )


def _timed(produced: Iterator[tuple[str, LoaderOutput]]) -> Iterator[tuple[str, LoaderOutput, float]]:
    """Each output with the `perf_counter` time its parsing started."""
    while True:
        started = time.perf_counter()
        try:
            file, output = next(produced)
        except StopIteration:
            return
        yield file, output, started


# -- reading a whole request before writing it ---------------------------------------


class LoadAborted(LoaderError):
    """A load stopped before writing anything: the message says why and what to do;
    `reports` are those of the outputs read before it stopped (their rejected rows
    included), for the summary and the report file."""

    def __init__(self, message: str, reports: Sequence[LoadReport] = ()) -> None:
        super().__init__(message)
        self.reports = list(reports)


@dataclass(frozen=True, slots=True)
class Ceiling:
    """The error ceiling: a file with more than `max_rejected` rejected rows that are
    also more than `max_rejected_share` of its rows is mostly garbage: nothing is written.

    >>> Ceiling(100, 0.5).passed(rows=1000, rejected=501), Ceiling(100, 0.5).passed(rows=150, rejected=99)
    (True, False)
    """

    max_rejected: int
    max_rejected_share: float

    @classmethod
    def from_settings(cls) -> Ceiling:
        current = settings()
        return cls(current.max_rejected, current.max_rejected_share)

    def passed(self, *, rows: int, rejected: int) -> bool:
        return rejected > self.max_rejected and rejected > self.max_rejected_share * max(rows, 1)


@dataclass(frozen=True, slots=True)
class ReadOutput:
    """One output read and checked, not yet written."""

    file: str
    output: LoaderOutput
    seconds: float  # reading time
    partial: bool  # a part of its dataset: written as is, not as an update

    def report(self) -> LoadReport:
        return report_of(self.output, file=self.file, seconds=self.seconds)


def read(
    store: GraphStore,
    request: LoadRequest,
    *,
    frame: RealOutputs | None = None,
    ceiling: Ceiling | None = None,
) -> list[ReadOutput]:
    """Every output of a request, read and checked before anything is written:
    `LoadAborted` for a file that cannot be read, a file past the error `ceiling`
    (by default from `graph.settings`), or a relation naming a node neither the
    load nor the store holds."""
    limit = ceiling or Ceiling.from_settings()
    known = KnownNodes.of_store(store)
    done: list[ReadOutput] = []
    produced = _outputs(request, known, frame=frame)
    while True:
        started = time.perf_counter()
        try:
            file, output, partial = next(produced)
        except StopIteration:
            return done
        except (LoaderError, CaseStudyError, OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise LoadAborted(f"{_one_line(e)} ; rien n'a été écrit", [r.report() for r in done]) from e
        current = ReadOutput(file, output, time.perf_counter() - started, partial)
        done.append(current)
        rejected = len(output.rejected)
        if limit.passed(rows=output.rows_in, rejected=rejected):
            raise LoadAborted(
                f"{file} : {rejected:,} lignes rejetées sur {output.rows_in:,}, au-delà du plafond "
                f"d'erreurs ({limit.max_rejected:,} lignes et {limit.max_rejected_share:.0%} du fichier) ; "
                "rien n'a été écrit",
                [r.report() for r in done],
            )
        if _names_nothing_known(output):
            raise LoadAborted(
                f"{file} : aucune de ses {output.rows_in:,} lignes ne nomme une organisation ou un lieu "
                "que le magasin connaît : charger d'abord ce qu'il nomme (« maillage load reel » pour les "
                "structures et les lieux réels, puis le fichier des entreprises) ; rien n'a été écrit",
                [r.report() for r in done],
            )
        missing = _dangling(output, known)
        if missing is not None:
            raise LoadAborted(f"{file} : {missing} ; rien n'a été écrit", [r.report() for r in done])


_UNKNOWN_NAMES: Final = ("organisation inconnue", "département inconnu")


def _names_nothing_known(output: LoaderOutput) -> bool:
    """Whether every row of a file was rejected, mostly for naming what the store lacks
    (a clubs file loaded before the organisations it names)."""
    rejected = output.rejected
    if not output.rows_in or len(rejected) < output.rows_in:
        return False
    unknown = sum(1 for r in rejected if r.reason.startswith(_UNKNOWN_NAMES))
    return unknown * 2 > len(rejected)


def _one_line(error: BaseException) -> str:
    """An error as one short line: a decoding error quoting a binary file's bytes is cut."""
    text = " ".join(str(error).split())
    return text if len(text) <= 300 else f"{text[:300]}…"


def _dangling(output: LoaderOutput, known: KnownNodes) -> str | None:
    """What the first relation naming a node neither the load nor the store holds
    names, or None."""
    declared = {n.id for n in output.batch.nodes}
    for edge in output.batch.edges:
        for end in (edge.source, edge.target):
            if end not in declared and end not in known:
                return (
                    f"la relation {edge.rel.value} {edge.source} → {edge.target} nomme {end}, "
                    "absent du chargement et du magasin"
                )
    return None


def write(store: GraphStore, output: LoaderOutput, *, file: str, started: float | None = None) -> LoadReport:
    """Upsert one output and report it; `started` (a `perf_counter` time) when its
    parsing began, so that the time covers parsing and writing."""
    begin = time.perf_counter() if started is None else started
    held = store.existing_ids(own_nodes(output))
    written = store.upsert(output.batch)
    seconds = time.perf_counter() - begin
    return report_of(output, file=file, merged=len(held), seconds=seconds, written=written)


@collector_paused()
def load(
    store: GraphStore,
    request: LoadRequest,
    *,
    frame: RealOutputs | None = None,
    ceiling: Ceiling | None = None,
) -> list[LoadReport]:
    """Load a request into `store`: every file read and checked first (`read`, which
    raises `LoadAborted` before anything is written), then one upsert and one report
    per dataset, in load order, each an update of the dataset as the store holds it
    (`plan_update`), all of them whole or not at all (`GraphStore.atomic`). Loading
    the same request again changes nothing."""
    done = read(store, request, frame=frame, ceiling=ceiling)
    held = {d.source for d in store.datasets()}
    sources = [d.output.batch.provenance.source for d in done]
    bulk = store.bulk_loader() if not held and len(set(sources)) == len(sources) else None
    if bulk is not None:
        return _bulk_write(bulk, done)
    reports: list[LoadReport] = []
    done.reverse()
    with store.atomic():  # every dataset, or none
        while done:  # each output let go once written
            current = done.pop()
            output = current.output
            if not current.partial and output.batch.provenance.source in held:
                output = plan_update(store, output)
            started = time.perf_counter() - current.seconds
            report = write(store, output, file=current.file, started=started)
            report.closed = _newly_closed(current.output, output)
            reports.append(report)
    return reports


def _bulk_write(bulk: BulkLoader, done: list[ReadOutput]) -> list[LoadReport]:
    """Write a whole request into an empty store with its bulk loader, whole or not at
    all (on the embedded store `OxigraphStore.bulk_load`): the same quads and reports as
    one upsert per output, at bulk speed, without holding a transaction's quads in memory."""
    reports: list[LoadReport] = []

    def pending() -> Iterator[tuple[str, LoaderOutput, float]]:
        done.reverse()
        while done:  # each output let go once written
            current = done.pop()
            yield current.file, current.output, time.perf_counter() - current.seconds

    sizes = bulk(_reported(pending(), reports))
    for report in reports:
        report.triples_added = sizes.get(report.source, 0)
    return reports


def _reported(
    timed: Iterable[tuple[str, LoaderOutput, float]], reports: list[LoadReport]
) -> Iterator[Batch]:
    """The batches of `timed` (file, output, when its parsing began) for a bulk loader,
    each output's report appended to `reports` once its batch is written; its own nodes
    an earlier output wrote count as merged."""
    written: set[str] = set()
    for file, output, started in timed:
        merged = len(set(own_nodes(output)) & written)
        yield output.batch
        written.update(n.id for n in output.batch.nodes)
        reports.append(report_of(output, file=file, merged=merged, seconds=time.perf_counter() - started))


def _newly_closed(read_output: LoaderOutput, planned: LoaderOutput) -> int:
    """The organisations an update end-dated: absent from the list read, closed on its date."""
    listed = {n.id for n in read_output.batch.nodes}
    when = planned.batch.provenance.date
    return sum(1 for n in planned.batch.nodes if n.id not in listed and n.props.get("closed_on") == when)


@collector_paused()
def load_fresh(
    store: OxigraphStore, requests: Sequence[LoadRequest], *, frame: RealOutputs | None = None
) -> list[LoadReport]:
    """Load requests, in order, into an EMPTY embedded store with pyoxigraph's bulk
    loader, whole or not at all (`OxigraphStore.bulk_load`): the same outputs and
    reports as `load`, streamed (each output parsed when the previous one is written),
    without `load`'s checks before writing (for first loads: the demo, benchmarks)."""
    known = KnownNodes()
    reports: list[LoadReport] = []

    def produced() -> Iterator[tuple[str, LoaderOutput, float]]:
        for request in requests:
            for file, output, started in _timed(outputs(request, known, frame=frame)):
                yield file, output, started
                known.add_batch(output.batch)  # written: later sources may name its nodes

    store.bulk_load(_reported(produced(), reports))
    return reports


def load_generated(
    store: GraphStore, out_dir: Path | str, *, frame: RealOutputs | None = None
) -> list[LoadReport]:
    """Load a generated territory: `load` of a `synthetique` request."""
    return load(store, LoadRequest(LoadSource.SYNTHETIQUE, Path(out_dir)), frame=frame)
