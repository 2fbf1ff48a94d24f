"""Every real source of the data mirror, parsed in load order: geography →
nomenclatures → structures → SIRENE rows of the structures → SIAE jobs → the
national networks → CPV divisions → public procurement (DECP), one dataset per
archive."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from loaders.base import LoaderOutput
from loaders.decp import read_decp
from loaders.decp_cpv import cpv_divisions, cpv_output
from loaders.decp_places import departement_index
from loaders.nomenclatures import rome_labels, siae_jobs_output
from loaders.reseaux import reseaux_output
from loaders.sirene import sirene_output
from loaders.sources import SHARED_DATA
from loaders.structures import siret_index
from loaders.synthetic.loading import RealOutputs, real_outputs

__all__ = ["real_sources"]


def real_sources(data_dir: Path | None = None, *, frame: RealOutputs | None = None) -> Iterator[LoaderOutput]:
    """The outputs of every real file, one dataset each, in the order they must be
    written (each names only nodes written before it or held in its own batch)."""
    root = Path(data_dir) if data_dir is not None else SHARED_DATA
    real = frame if frame is not None else real_outputs(root)
    yield from real.in_order()
    structures = [n for o in real.structures for n in o.batch.nodes if n.id.startswith("org:")]
    sirene = sirene_output(
        root / "siae/sirene-etablissements-siae.csv",
        structures=siret_index(structures),
        naf=real.naf,
        communes=real.communes,
    )
    yield sirene
    yield siae_jobs_output(
        root / "siae/siae-metiers-rome-2019.csv",
        org_ids={n.id for n in structures},
        rome=rome_labels(root / "nomenclatures/rome4.csv"),
    )
    yield reseaux_output(root / "reseaux/marche-inclusion-reseaux.json")
    yield cpv_output()
    yield from read_decp(
        sorted((root / "decp").glob("*.zip")),
        places=departement_index(root / "geo"),
        cpv=cpv_divisions(),
        known=[*structures, *(n for n in sirene.batch.nodes if n.id.startswith("org:"))],
    )
