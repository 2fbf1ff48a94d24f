"""One entry point for a user's file in one of the formats we read."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path

from graph.ids import slugify
from graph.kinds import OrgKind
from graph.model import Provenance
from loaders.base import LoaderOutput
from loaders.formats import (
    KnownNodes,
    load_club_members,
    load_fabriques,
    load_network_members,
    load_partnerships,
    load_ptce,
)
from loaders.generic_csv import load_organisations
from loaders.geo import CommuneIndex, commune_index
from loaders.sources import SHARED_DATA

__all__ = ["FileFormat", "read_user_file", "user_provenance"]


class FileFormat(StrEnum):
    ORGANISATIONS = "organisations"  # generic CSV with a column mapping
    CLUBS = "clubs"
    PTCE = "ptce"
    FABRIQUES = "fabriques"
    RESEAUX = "reseaux"
    PARTENARIATS = "partenariats"


def user_provenance(path: Path, *, source: str | None = None, synthetic: bool = False) -> Provenance:
    """A user's file is its own dataset, named after the file unless told otherwise."""
    return Provenance(
        source or slugify(path.stem),
        date.fromtimestamp(path.stat().st_mtime),
        synthetic=synthetic,
        title=path.name,
    )


def read_user_file(
    fmt: FileFormat,
    path: Path,
    *,
    known: KnownNodes,
    provenance: Provenance,
    mapping: str | None = None,
    data_dir: Path | None = None,
    communes: CommuneIndex | None = None,
    kind: OrgKind | None = None,
) -> LoaderOutput:
    """Parse, normalise and validate `path`; organisations it names must be `known`
    (`KnownNodes.of_store`). An organisations file resolves its communes in
    `communes`, by default read from `data_dir`; its rows are of `kind` unless a
    `kind` column says otherwise (by default, companies)."""
    if fmt is FileFormat.ORGANISATIONS:
        geo = (data_dir or SHARED_DATA) / "geo"
        return load_organisations(
            path,
            mapping=mapping or "name=name,siret=siret,code_insee=code_insee",
            provenance=provenance,
            communes=communes or commune_index(geo / "communes.json", geo / "communes_centroides.csv"),
            default_kind=kind or OrgKind.ENTREPRISE,
        )
    readers = {
        FileFormat.CLUBS: load_club_members,
        FileFormat.PTCE: load_ptce,
        FileFormat.FABRIQUES: load_fabriques,
        FileFormat.RESEAUX: load_network_members,
        FileFormat.PARTENARIATS: load_partnerships,
    }
    return readers[fmt](path, provenance=provenance, known=known)
