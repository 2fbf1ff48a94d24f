"""Load a generated territory with the real loaders, in order: geography →
nomenclatures → structures (all real, from the data directory) → the synthetic
companies (SIRENE loader) → the synthetic organisations (generic CSV) → clubs,
PTCE, Fabriques, networks, partnerships (our own formats).

Every generated file is loaded under its own dataset, flagged synthetic
(`Manifest.dataset`). `ground_truth.json` is never read here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

from graph.kinds import RelKind
from graph.model import LoadReport, Provenance
from graph.store import GraphStore
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
from loaders.geo import CommuneIndex, geography_outputs
from loaders.nomenclatures import naf_labels, naf_output, rome_output, secteurs_output
from loaders.sirene import sirene_output
from loaders.sources import SHARED_DATA
from loaders.structures import siret_index, structures_output
from loaders.synthetic.territory import FILES, ORGANISATION_MAPPING, Manifest

__all__ = ["RealOutputs", "load_generated", "real_outputs", "synthetic_outputs"]

_TITLES: Final = {
    "sirene-etablissements.csv": "entreprises (SIRENE StockEtablissement)",
    "organisations.csv": "associations, collectivités, appuis, recherche, formation",
    "clubs.csv": "clubs « Les entreprises s'engagent » et leurs membres",
    "ptce.csv": "PTCE et leurs membres",
    "fabriques.csv": "Fabriques à initiatives et projets",
    "reseaux.csv": "adhésions aux réseaux de l'IAE (déduites)",
    "partenariats.csv": "partenariats",
}


@dataclass(frozen=True, slots=True)
class RealOutputs:
    """The real data every generated territory stands on, parsed by the real loaders."""

    communes: CommuneIndex
    geography: tuple[LoaderOutput, ...]
    nomenclatures: tuple[LoaderOutput, ...]
    structures: tuple[LoaderOutput, ...]
    naf: dict[str, str]

    def in_order(self) -> tuple[LoaderOutput, ...]:
        return (*self.geography, *self.nomenclatures, *self.structures)

    def within(self, departements: Iterable[str] | None) -> RealOutputs:
        """The frame of a territory: its départements, their régions, communes,
        arrondissements, EPCI and zones d'emploi, every nomenclature, and the
        structures located there; relations between kept nodes only. All of France
        when `departements` is None."""
        if departements is None:
            return self
        kept = {f"departement:{d}" for d in departements}
        edges = [e for o in self.in_order() for e in o.batch.edges]
        kept |= {
            e.target
            for e in edges
            if e.rel is RelKind.PART_OF and e.source in kept and e.target.startswith("region:")
        }
        communes = {
            e.source
            for e in edges
            if e.rel is RelKind.PART_OF and e.target in kept and e.source.startswith("commune:")
        }
        communes |= {
            e.source
            for e in edges
            if e.rel is RelKind.PART_OF and e.target in communes and e.source.startswith("arrondissement:")
        }
        kept |= communes
        kept |= {
            e.target
            for e in edges
            if e.rel is RelKind.PART_OF and e.source in communes and e.target.startswith(("epci:", "ze:"))
        }
        kept |= {e.source for e in edges if e.rel is RelKind.LOCATED_IN and e.target in communes}
        kept |= {n.id for o in self.nomenclatures for n in o.batch.nodes}

        def cut(output: LoaderOutput) -> LoaderOutput:
            batch = output.batch
            nodes = [n for n in batch.nodes if n.id in kept]
            links = [e for e in batch.edges if e.source in kept and e.target in kept]
            return replace(output, batch=replace(batch, nodes=nodes, edges=links))

        return RealOutputs(
            self.communes,
            tuple(cut(o) for o in self.geography),
            self.nomenclatures,
            tuple(cut(o) for o in self.structures),
            self.naf,
        )


def real_outputs(data_dir: Path | None = None) -> RealOutputs:
    """Geography, NAF, ROME and Marché sectors, and the structures, from `data_dir`
    (the shared data directory by default)."""
    root = Path(data_dir) if data_dir is not None else SHARED_DATA
    communes, geography = geography_outputs(root / "geo")
    nomenclatures = (
        naf_output(root / "nomenclatures/naf2008.json"),
        rome_output(root / "nomenclatures/rome4.csv"),
        secteurs_output(root / "nomenclatures/secteurs_marche_inclusion.csv"),
    )
    structures = (structures_output(root / "siae/structures-emplois-de-linclusion.json", communes=communes),)
    return RealOutputs(
        communes,
        tuple(geography),
        nomenclatures,
        structures,
        naf_labels(root / "nomenclatures/naf2008.json"),
    )


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
        raise LoaderError(f"{out / 'manifest.json'}: not a synthetic generation")
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


def load_generated(
    store: GraphStore,
    out_dir: Path | str,
    *,
    real: RealOutputs | None = None,
    with_frame: bool = True,
) -> list[LoadReport]:
    """Load the real frame and a generated territory into `store`, one dataset a file;
    one report per dataset, in load order, with its rejected and unresolved rows.

    The frame is the real data of the generation's scope (`RealOutputs.within`): all
    of France for the national preset, one département's places and structures for a
    département. `real` spares parsing the real data again; `with_frame=False` loads
    the generated files only, onto a store that already holds the frame.
    """
    manifest = Manifest.read(Path(out_dir))
    real = real if real is not None else real_outputs()
    known = KnownNodes.of_store(store)
    reports: list[LoadReport] = []
    if with_frame:
        for output in real.within(manifest.scope).in_order():
            reports.append(_upsert(store, output))
            known.add_batch(output.batch)
    for output in synthetic_outputs(out_dir, real, known):
        reports.append(_upsert(store, output))
    return reports


def _upsert(store: GraphStore, output: LoaderOutput) -> LoadReport:
    report = store.upsert(output.batch)
    report.rejected.extend(output.rejected)
    report.unresolved.extend(output.unresolved)
    return report
