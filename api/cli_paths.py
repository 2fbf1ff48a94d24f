"""Checks the command line makes on paths before any work: an input that exists and
is of the right sort, an output that can be written. Each returns the French reason
a path will not do, or None."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["input_problem", "output_problem", "store_problem"]


def output_problem(path: Path) -> str | None:
    """Why `path` cannot be written (a folder, a missing or read-only folder), or None.

    >>> output_problem(Path("/nonexistent-folder/out.ttl"))
    'dossier introuvable : /nonexistent-folder'
    """
    if path.is_dir():
        return f"{path} est un dossier, pas un fichier"
    parent = path.parent
    if not parent.is_dir():
        return f"dossier introuvable : {parent}"
    if path.exists() and not os.access(path, os.W_OK):
        return f"fichier protégé en écriture : {path}"
    if not path.exists() and not os.access(parent, os.W_OK | os.X_OK):
        return f"dossier protégé en écriture : {parent}"
    return None


def input_problem(path: Path, *, directory: bool, what: str) -> str | None:
    """Why `path` is not the file (or, with `directory`, the folder) `what` needs, or None."""
    if not path.exists():
        return f"introuvable : {path}"
    if directory and not path.is_dir():
        return f"{what} attend un dossier, pas un fichier : {path}"
    if not directory and path.is_dir():
        return f"{what} attend un fichier, pas un dossier : {path}"
    return None


def store_problem(path: Path) -> str | None:
    """Why there is no embedded store to read at `path` (reading never creates one), or None."""
    if not path.is_dir() or not any(path.iterdir()):
        return f"aucun magasin dans {path} : lancer d'abord « maillage load » ou « maillage demo »"
    return None
