"""The demo's graph: real open data, the guide's case studies and a synthetic Aube."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from graph.model import LoadReport
from graph.oxigraph_store import OxigraphStore
from loaders.case_studies import read_case_studies
from loaders.real import real_sources
from loaders.synthetic import departement, generate
from loaders.synthetic.loading import load_generated, real_outputs

__all__ = ["DEMO_DEPARTEMENT", "DEMO_SEED", "build_demo"]

DEMO_DEPARTEMENT: Final = "10"  # the Aube: its club and Boutique Boulot appear in the guide
DEMO_SEED: Final = 42


def build_demo(store: OxigraphStore, workdir: Path, *, data_dir: Path | None = None) -> list[LoadReport]:
    """Fill an empty store: every real source (bulk-loaded), the case studies, then a
    synthetic Aube generated into `workdir` and loaded flagged synthetic."""
    frame = real_outputs(data_dir)
    outputs = list(real_sources(data_dir, frame=frame))
    store.bulk_load(o.batch for o in outputs)
    reports = [
        LoadReport(
            o.batch.provenance.source,
            nodes_written=len(o.batch.nodes),
            edges_written=len(o.batch.edges),
            rejected=list(o.rejected),
            unresolved=list(o.unresolved),
        )
        for o in outputs
    ]
    reports.append(store.upsert(read_case_studies()))
    generate(departement(DEMO_DEPARTEMENT), workdir, seed=DEMO_SEED)
    reports.extend(load_generated(store, workdir, real=frame, with_frame=False))
    return reports
