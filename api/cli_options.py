"""What every `maillage` command shares: the settings, the store options, opening a
store, and the one-line French error exit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from graph.oxigraph_store import OxigraphStore
from graph.settings import settings
from graph.store import GraphStore, StoreError

__all__ = ["DEFAULT_STORE", "SETTINGS", "Neo4jOption", "StoreOption", "fail", "open_graph", "open_store"]

SETTINGS = settings()
DEFAULT_STORE = SETTINGS.store

StoreOption = Annotated[
    Path,
    typer.Option(
        "--store", help="Dossier du magasin RDF embarqué (env MAILLAGE_STORE).", envvar="MAILLAGE_STORE"
    ),
]


def open_store(path: Path, *, create: bool = False) -> OxigraphStore:
    """The embedded store at `path`; reading commands never create one (`create` for
    those that write)."""
    from api.cli_paths import store_problem

    problem = None if create else store_problem(path)
    if problem is not None:
        fail(problem)
    try:
        return OxigraphStore(path)
    except StoreError as e:
        fail(str(e))
        raise  # unreachable: `fail` exits


def fail(message: str) -> None:
    typer.secho(f"erreur : {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


Neo4jOption = Annotated[
    str | None,
    typer.Option(
        "--neo4j",
        help="Utiliser Neo4j à cette adresse (bolt://…) plutôt que le magasin embarqué.",
        envvar="MAILLAGE_NEO4J_URI",
    ),
]


def open_graph(store: Path, neo4j: str | None, *, create: bool = False) -> GraphStore:
    """The embedded store, or Neo4j when an address is given (credentials from
    MAILLAGE_NEO4J_USER / MAILLAGE_NEO4J_PASSWORD)."""
    if neo4j is None:
        return open_store(store, create=create)
    from graph.neo4j_store import Neo4jStore, connect

    try:
        return Neo4jStore(connect(neo4j, SETTINGS.neo4j_auth), owns_driver=True)
    except StoreError as e:
        fail(str(e))
        raise  # unreachable: `fail` exits
