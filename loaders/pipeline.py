"""The one load pipeline: what a request to load means, whoever makes it (the command
line, the demo, the web API, the tests).

A `LoadRequest` names a source (`LoadSource`) and what it needs: a file or a
generated directory, the data directory, a column mapping, a dataset name.
`outputs` turns it into loader outputs, in write order; `load` writes them into
any store, one atomic upsert each, and returns one `LoadReport` per dataset
(rows read, loaded, merged, rejected, unresolved, time); `load_fresh` writes
several requests into an empty embedded store at bulk speed, with the same
outputs and the same reports.

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

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from graph.ids import slugify
from graph.model import Batch, LoadReport
from graph.oxigraph_store import OxigraphStore
from graph.store import GraphStore
from loaders.base import LoaderError, LoaderOutput
from loaders.case_studies import DEFAULT_PATH, read_case_studies
from loaders.files import FileFormat, read_user_file, user_provenance
from loaders.formats import KnownNodes
from loaders.real import real_sources
from loaders.real_frame import RealOutputs, real_outputs
from loaders.report import own_nodes, report_of
from loaders.synthetic.loading import synthetic_outputs
from loaders.synthetic.territory import Manifest

__all__ = ["LoadRequest", "LoadSource", "load", "load_fresh", "load_generated", "outputs", "write"]


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
            raise ValueError(f"unknown source {value!r}: one of {', '.join(cls)}") from None


@dataclass(frozen=True, slots=True)
class LoadRequest:
    """One thing to load, and what it needs."""

    source: LoadSource
    path: Path | None = None  # a file, or a generated directory for `synthetique`
    data_dir: Path | None = None  # the data mirror; graph.settings by default
    mapping: str | None = None  # columns of an organisations file
    dataset: str | None = None  # a user's file's dataset name (default: the file's)
    synthetic: bool = False  # a user's file is synthetic


def outputs(
    request: LoadRequest, known: KnownNodes, *, frame: RealOutputs | None = None
) -> Iterator[tuple[str, LoaderOutput]]:
    """The outputs of a request, each with the file it reports, in write order. Write
    each before asking for the next: later outputs resolve what they name in `known`,
    which holds the store's nodes and gets each output's nodes once it is yielded.
    `frame` spares parsing the real data again."""
    source, path = request.source, request.path
    if source is LoadSource.GUIDE:
        file = path or DEFAULT_PATH
        batch = read_case_studies(file)
        yield file.name, LoaderOutput(batch, len(batch.nodes) + len(batch.edges))
        return
    real = frame
    if source is LoadSource.REEL:
        for output in real_sources(request.data_dir, frame=real, known=known):
            yield output.batch.provenance.source, output
        return
    if path is None:
        raise LoaderError(f"the source {source.value!r} needs a file or a directory")
    if source is LoadSource.SYNTHETIQUE:
        real = real if real is not None else real_outputs(request.data_dir)
        for output in real.within(Manifest.read(path).scope).in_order():
            yield output.batch.provenance.source, output
            known.add_batch(output.batch)
        for output in synthetic_outputs(path, real, known):
            yield output.batch.provenance.source, output
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
        ),
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


def write(store: GraphStore, output: LoaderOutput, *, file: str, started: float | None = None) -> LoadReport:
    """Upsert one output and report it; `started` (a `perf_counter` time) when its
    parsing began, so that the time covers parsing and writing."""
    begin = time.perf_counter() if started is None else started
    held = store.existing_ids(own_nodes(output))
    written = store.upsert(output.batch)
    seconds = time.perf_counter() - begin
    return report_of(output, file=file, merged=len(held), seconds=seconds, written=written)


def load(store: GraphStore, request: LoadRequest, *, frame: RealOutputs | None = None) -> list[LoadReport]:
    """Load a request into `store`: one atomic upsert and one report per dataset, in
    load order. Loading the same request again changes nothing."""
    known = KnownNodes.of_store(store)
    return [
        write(store, output, file=file, started=started)
        for file, output, started in _timed(outputs(request, known, frame=frame))
    ]


def load_fresh(
    store: OxigraphStore, requests: Sequence[LoadRequest], *, frame: RealOutputs | None = None
) -> list[LoadReport]:
    """Load requests, in order, into an EMPTY embedded store with pyoxigraph's bulk
    loader: the same outputs and reports as `load`, much faster, but not atomic (for
    first loads: the demo, benchmarks)."""
    known = KnownNodes()
    held: set[str] = set()
    reports: list[LoadReport] = []

    def batches() -> Iterator[Batch]:
        for request in requests:
            for file, output, started in _timed(outputs(request, known, frame=frame)):
                merged = len(set(own_nodes(output)) & held)
                yield output.batch
                held.update(n.id for n in output.batch.nodes)
                known.add_batch(output.batch)
                reports.append(
                    report_of(output, file=file, merged=merged, seconds=time.perf_counter() - started)
                )

    store.bulk_load(batches())
    return reports


def load_generated(
    store: GraphStore, out_dir: Path | str, *, frame: RealOutputs | None = None
) -> list[LoadReport]:
    """Load a generated territory: `load` of a `synthetique` request."""
    return load(store, LoadRequest(LoadSource.SYNTHETIQUE, Path(out_dir)), frame=frame)
