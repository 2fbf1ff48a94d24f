"""Fault injection on a small real load (the guide's case studies) into an on-disk
embedded store: a child process runs the load pipeline and kills itself with SIGKILL
at a chosen point; the store reopened afterwards holds exactly the state before the
load or after it, never a part, and running the load again ends equal to a clean load.
(`bench/fault_injection.py` kills whole loads at random points.)"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from graph.oxigraph_store import OxigraphStore
from loaders.case_studies import DEFAULT_PATH
from loaders.pipeline import LoadRequest, LoadSource, load

ROOT = Path(__file__).resolve().parents[1]

# The load as `maillage load guide FILE` runs it, with a kill at one point:
# "bulk": the third N-Quads chunk of a load into an empty store (bulk path);
# "before-commit": an update's SPARQL text is built, not yet applied;
# "after-commit": the load's checkpoint was released (the load is whole), the call not returned.
_CHILD = """
import os, signal, sys
from pathlib import Path
import graph.oxigraph_store as oxi
from loaders.pipeline import LoadRequest, LoadSource, load

point, store_path, guide = sys.argv[1:4]

def die():
    os.kill(os.getpid(), signal.SIGKILL)

if point == "bulk":
    chunks = oxi.nquads_chunks
    def small_chunks(batches, writer, *, chunk_bytes):
        for number, chunk in enumerate(chunks(batches, writer, chunk_bytes=2048)):
            if number == 3:
                die()
            yield chunk
    oxi.nquads_chunks = small_chunks
elif point == "before-commit":
    def update_text(stale, new):
        die()
    oxi._delete_insert = update_text
elif point == "after-commit":
    release = oxi.OxigraphStore._release_checkpoint
    def release_then_die(self):
        release(self)
        die()
    oxi.OxigraphStore._release_checkpoint = release_then_die
store = oxi.OxigraphStore(store_path)
load(store, LoadRequest(LoadSource.GUIDE, Path(guide)))
store.close()
"""


def state(path: Path) -> set[str]:
    """Every quad of the store at `path`, the merged graph and the metadata included."""
    with OxigraphStore(path) as store:
        return {str(q) for q in store.quads_for_pattern()}


def load_guide(path: Path, guide: Path) -> None:
    with OxigraphStore(path) as store:
        load(store, LoadRequest(LoadSource.GUIDE, guide))


@dataclass(frozen=True)
class Stores:
    """The guide, a corrected copy (one region renamed), and stores cleanly loaded:
    empty, the guide, the guide then the corrected guide; with their states."""

    guide: Path
    corrected: Path
    paths: dict[str, Path]
    states: dict[str, set[str]]


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Stores:
    folder = tmp_path_factory.mktemp("faults")
    corrected = folder / "cas-du-guide.toml"
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    assert text.count('name = "Normandie"') == 1
    corrected.write_text(text.replace('name = "Normandie"', 'name = "Normandie (région)"'), encoding="utf-8")
    paths = {name: folder / name for name in ("empty", "guide", "corrected")}
    OxigraphStore(paths["empty"]).close()
    load_guide(paths["guide"], DEFAULT_PATH)
    shutil.copytree(paths["guide"], paths["corrected"])
    load_guide(paths["corrected"], corrected)
    return Stores(DEFAULT_PATH, corrected, paths, {name: state(path) for name, path in paths.items()})


@pytest.mark.parametrize(
    ("point", "base", "expected"),
    [("bulk", "empty", "empty"), ("before-commit", "guide", "guide"), ("after-commit", "guide", "corrected")],
)
def test_a_load_killed_leaves_the_state_before_or_after_and_a_rerun_completes_it(
    tmp_path: Path, stores: Stores, point: str, base: str, expected: str
) -> None:
    loaded = stores.guide if base == "empty" else stores.corrected
    after = "guide" if base == "empty" else "corrected"
    assert stores.states[base] != stores.states[after]
    store = tmp_path / "store"
    shutil.copytree(stores.paths[base], store)
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, point, str(store), str(loaded)], cwd=ROOT, check=False
    )
    assert child.returncode == -9
    assert state(store) == stores.states[expected]
    load_guide(store, loaded)  # the same load again
    assert state(store) == stores.states[after]
