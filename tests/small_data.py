"""Small copies of the real data mirror, written in a temporary folder for tests that
read files the way the command line does (never written into `../shared`)."""

from __future__ import annotations

import csv
import json
from collections.abc import Collection
from pathlib import Path

from loaders.sources import SHARED_DATA

__all__ = ["small_geo", "symlinked_mirror"]


def small_geo(data_dir: Path, communes: Collection[str]) -> Path:
    """A data folder whose `geo/` holds only `communes` (INSEE codes) of the real
    communes and their centroids: an organisations file resolves its communes in it
    in milliseconds. Returns `data_dir`."""
    geo = data_dir / "geo"
    geo.mkdir(parents=True, exist_ok=True)
    every = json.loads((SHARED_DATA / "geo/communes.json").read_text(encoding="utf-8"))
    kept = [c for c in every if c["code"] in communes]
    (geo / "communes.json").write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
    with (SHARED_DATA / "geo/communes_centroides.csv").open(encoding="utf-8", newline="") as src:
        rows = [r for r in csv.DictReader(src) if r["code_insee"] in communes]
    with (geo / "communes_centroides.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=["code_insee", "nom", "latitude", "longitude"])
        writer.writeheader()
        writer.writerows(rows)
    return data_dir


def symlinked_mirror(data_dir: Path, *, copied: Collection[str] = ()) -> Path:
    """The real data mirror as links in `data_dir`, except the files named in `copied`
    (paths relative to the mirror), which are real copies a test may corrupt."""
    data_dir.mkdir(parents=True, exist_ok=True)
    for entry in SHARED_DATA.iterdir():
        target = data_dir / entry.name
        if entry.is_dir() and any(c.startswith(f"{entry.name}/") for c in copied):
            target.mkdir(parents=True)
            for file in entry.iterdir():
                relative = f"{entry.name}/{file.name}"
                if relative in copied:
                    (target / file.name).write_bytes(file.read_bytes())
                else:
                    (target / file.name).symlink_to(file)
        else:
            target.symlink_to(entry)
    return data_dir
