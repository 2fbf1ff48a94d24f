"""Read a generated territory with the real loaders, in load order: the synthetic
companies (SIRENE loader) → the synthetic organisations (generic CSV) → clubs,
PTCE, Fabriques, networks, partnerships (our own formats). They stand on the real
frame (`loaders.real_frame`), which `loaders.pipeline` writes first.

Every generated file is loaded under its own dataset, flagged synthetic
(`Manifest.dataset`). `ground_truth.json` is never read here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Final

from graph.model import Provenance
from loaders.base import LoaderError, LoaderOutput
from loaders.formats import (
    KnownNodes,
    load_club_members,
    load_fabriques,
    load_network_members,
    load_partnerships,
    load_ptce,
)
from loaders.generic_csv import load_organisations
from loaders.real_frame import RealOutputs
from loaders.sirene import sirene_output
from loaders.structures import siret_index
from loaders.synthetic.territory import FILES, ORGANISATION_MAPPING, Manifest

__all__ = ["synthetic_outputs"]

_TITLES: Final = {
    "sirene-etablissements.csv": "entreprises (SIRENE StockEtablissement)",
    "organisations.csv": "associations, collectivités, appuis, recherche, formation",
    "clubs.csv": "clubs « Les entreprises s'engagent » et leurs membres",
    "ptce.csv": "PTCE et leurs membres",
    "fabriques.csv": "Fabriques à initiatives et projets",
    "reseaux.csv": "adhésions aux réseaux de l'IAE (déduites)",
    "partenariats.csv": "partenariats",
}


def _provenance(manifest: Manifest, file: str) -> Provenance:
    return Provenance(
        manifest.dataset(file),
        manifest.date,
        synthetic=True,
        title=f"Données synthétiques ({manifest.preset}, graine {manifest.seed}) : {_TITLES[file]}",
    )


def synthetic_outputs(out_dir: Path | str, real: RealOutputs, known: KnownNodes) -> Iterator[LoaderOutput]:
    """The outputs of the generated files, in load order. `known` must hold the nodes
    written before (the real outputs); each output's nodes are added to it after it is
    yielded, so write each output before asking for the next."""
    out = Path(out_dir)
    manifest = Manifest.read(out)
    if not manifest.synthetic:
        raise LoaderError(f"{out / 'manifest.json'}: pas une génération synthétique")
    structures = siret_index(n for o in real.structures for n in o.batch.nodes)
    steps: dict[str, Callable[[Path, Provenance], LoaderOutput]] = {
        "sirene-etablissements.csv": lambda path, prov: _with_provenance(
            sirene_output(path, structures=structures, naf=real.naf, communes=real.communes), prov
        ),
        "organisations.csv": lambda path, prov: load_organisations(
            path, mapping=ORGANISATION_MAPPING, provenance=prov, communes=real.communes
        ),
        "clubs.csv": lambda path, prov: load_club_members(path, provenance=prov, known=known),
        "ptce.csv": lambda path, prov: load_ptce(path, provenance=prov, known=known),
        "fabriques.csv": lambda path, prov: load_fabriques(path, provenance=prov, known=known),
        "reseaux.csv": lambda path, prov: load_network_members(path, provenance=prov, known=known),
        "partenariats.csv": lambda path, prov: load_partnerships(path, provenance=prov, known=known),
    }
    listed = {f.name for f in manifest.files}
    for file in FILES:
        if file not in listed:
            continue
        output = steps[file](out / file, _provenance(manifest, file))
        yield output
        known.add_batch(output.batch)


def _with_provenance(output: LoaderOutput, provenance: Provenance) -> LoaderOutput:
    return replace(output, batch=replace(output.batch, provenance=provenance))
