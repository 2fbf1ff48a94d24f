"""The registry of the real sources: every file of the data mirror that `load reel`
writes, as steps in load order: the real frame (geography → nomenclatures →
structures) → SIRENE rows of the structures → SIAE jobs → the national networks
(Le Marché de l'inclusion) → CPV divisions → public procurement (DECP), one
dataset per archive.

A new real source is one `RealSource` appended to `REAL_SOURCES` (or inserted
before the steps that name its nodes): a name, and a function from the
`RealContext` (data directory, parsed frame, nodes written so far) to its outputs.
Each output is written before the next step runs, and its nodes join
`context.known`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from graph.model import Node
from loaders.base import LoaderOutput
from loaders.decp import read_decp
from loaders.decp_cpv import cpv_divisions, cpv_output
from loaders.decp_places import departement_index
from loaders.formats import KnownNodes
from loaders.nomenclatures import rome_labels, siae_jobs_output
from loaders.real_frame import RealOutputs, real_outputs
from loaders.reseaux import reseaux_output
from loaders.sirene import sirene_output
from loaders.sources import SHARED_DATA
from loaders.structures import siret_index

__all__ = ["REAL_SOURCES", "RealContext", "RealSource", "real_sources"]


@dataclass(frozen=True, slots=True)
class RealContext:
    """What a real source may stand on: the data directory, the parsed frame, and
    every node written before it (ids of earlier outputs, and the store's)."""

    root: Path
    frame: RealOutputs
    known: KnownNodes

    def structures(self) -> list[Node]:
        """The real inclusive structures (not the places their batch carries)."""
        return [n for o in self.frame.structures for n in o.batch.nodes if n.id.startswith("org:")]


@dataclass(frozen=True, slots=True)
class RealSource:
    """One step of `load reel`: its name, and the outputs it yields, in write order."""

    name: str
    outputs: Callable[[RealContext], Iterable[LoaderOutput]]


def _frame(context: RealContext) -> Iterable[LoaderOutput]:
    return context.frame.in_order()


def _sirene(context: RealContext) -> Iterable[LoaderOutput]:
    yield sirene_output(
        context.root / "siae/sirene-etablissements-siae.csv",
        structures=siret_index(context.structures()),
        naf=context.frame.naf,
        communes=context.frame.communes,
    )


def _siae_jobs(context: RealContext) -> Iterable[LoaderOutput]:
    yield siae_jobs_output(
        context.root / "siae/siae-metiers-rome-2019.csv",
        org_ids={n.id for n in context.structures()},
        rome=rome_labels(context.root / "nomenclatures/rome4.csv"),
    )


def _reseaux(context: RealContext) -> Iterable[LoaderOutput]:
    yield reseaux_output(context.root / "reseaux/marche-inclusion-reseaux.json")


def _decp(context: RealContext) -> Iterable[LoaderOutput]:
    """The CPV divisions, then one output per DECP archive; holders and buyers are
    matched to the real structures."""
    yield cpv_output()
    yield from read_decp(
        sorted((context.root / "decp").glob("*.zip")),
        places=departement_index(context.root / "geo"),
        cpv=cpv_divisions(),
        known=context.structures(),
    )


REAL_SOURCES: list[RealSource] = [
    RealSource("cadre", _frame),  # geography, nomenclatures, structures
    RealSource("sirene", _sirene),
    RealSource("metiers", _siae_jobs),
    RealSource("reseaux", _reseaux),
    RealSource("decp", _decp),
]


def real_sources(
    data_dir: Path | None = None,
    *,
    frame: RealOutputs | None = None,
    known: KnownNodes | None = None,
    sources: Iterable[RealSource] | None = None,
) -> Iterator[LoaderOutput]:
    """The outputs of every real source, one dataset each, in the order they must be
    written: write each output before asking for the next (its nodes then join
    `known`, which later sources may use to resolve what they name)."""
    root = Path(data_dir) if data_dir is not None else SHARED_DATA
    context = RealContext(root, frame if frame is not None else real_outputs(root), known or KnownNodes())
    for source in REAL_SOURCES if sources is None else sources:
        for output in source.outputs(context):
            yield output
            context.known.add_batch(output.batch)
