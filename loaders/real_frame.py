"""The real frame: geography, nomenclatures and inclusive structures, parsed by the
real loaders. Every load stands on it: `load reel` writes it whole, a synthetic
territory writes the part of it within its scope, and the generator draws on it
(`loaders.synthetic.reference`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from graph.kinds import RelKind
from loaders.base import LoaderOutput
from loaders.geo import CommuneIndex, geography_outputs
from loaders.nomenclatures import naf_labels, naf_output, rome_output, secteurs_output
from loaders.sources import SHARED_DATA
from loaders.structures import structures_output

__all__ = ["RealOutputs", "real_outputs"]


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
