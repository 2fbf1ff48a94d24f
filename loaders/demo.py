"""The demo's graph: real open data, the guide's case studies and a synthetic Aube,
loaded by the load pipeline like any other request."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from graph.model import LoadReport
from graph.oxigraph_store import OxigraphStore
from loaders.pipeline import LoadRequest, LoadSource, load_fresh
from loaders.real_frame import real_outputs
from loaders.synthetic import departement, generate
from loaders.synthetic.reference import reference_from_outputs

__all__ = ["DEMO_DEPARTEMENT", "DEMO_SEED", "build_demo", "demo_requests"]

DEMO_DEPARTEMENT: Final = "10"  # the Aube: its club and Boutique Boulot appear in the guide
DEMO_SEED: Final = 42


def demo_requests(workdir: Path, *, data_dir: Path | None = None) -> list[LoadRequest]:
    """What the demo loads, in order: every real source, the case studies, and the
    synthetic Aube generated into `workdir`."""
    return [
        LoadRequest(LoadSource.REEL, data_dir=data_dir),
        LoadRequest(LoadSource.GUIDE),
        LoadRequest(LoadSource.SYNTHETIQUE, workdir, data_dir=data_dir),
    ]


def build_demo(store: OxigraphStore, workdir: Path, *, data_dir: Path | None = None) -> list[LoadReport]:
    """Fill an empty store with `demo_requests` (bulk-loaded), after generating the
    synthetic Aube into `workdir`; one report per dataset."""
    frame = real_outputs(data_dir)
    reference = reference_from_outputs(frame.geography, frame.nomenclatures, frame.structures)
    generate(departement(DEMO_DEPARTEMENT), workdir, seed=DEMO_SEED, reference=reference)
    return load_fresh(store, demo_requests(workdir, data_dir=data_dir), frame=frame)
