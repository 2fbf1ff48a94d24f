"""`maillage neo4j import`: load requests into a NEW Neo4j database with the offline
importer (`loaders.neo4j_offline`), the server stopped."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.choices import accent_free
from loaders.pipeline import LoadSource

__all__ = ["register"]


def register(neo4j_app: typer.Typer) -> None:
    from api.cli_options import fail

    @neo4j_app.command("import")
    def neo4j_import(
        source: Annotated[
            LoadSource,
            typer.Argument(
                help="Ce qu'il faut importer (comme « maillage load »).", parser=accent_free(LoadSource)
            ),
        ] = LoadSource.GUIDE,
        path: Annotated[
            Path | None,
            typer.Argument(
                help="Fichier (ou dossier généré pour « synthetique ») ; inutile pour guide et reel."
            ),
        ] = None,
        data_dir: Annotated[
            Path,
            typer.Option(help="Dossier des données Neo4j, sans base (celui de « maillage neo4j start »)."),
        ] = Path("neo4j-data"),
        data: Annotated[
            Path | None, typer.Option("--data", help="Dossier des données ouvertes (env MAILLAGE_DATA).")
        ] = None,
        heap: Annotated[str, typer.Option(help="Mémoire de la JVM (import, puis schéma).")] = "1g",
    ) -> None:
        """Importer une source dans une base Neo4j NEUVE avec l'outil d'import hors ligne
        (neo4j-admin database import), serveur arrêté : les mêmes nœuds, relations et
        provenances que « maillage load --neo4j », pour un premier chargement. Les fichiers sont lus et
        vérifiés avant toute écriture ; Neo4j est ensuite démarré une fois pour créer
        contraintes et index. Refusé si le dossier contient déjà une base. Démarrer ensuite
        le serveur avec « maillage neo4j start --data-dir … »."""
        from api.cli_paths import input_problem
        from api.load_report import print_summary
        from graph.neo4j_server import Neo4jLaunchError
        from graph.store import StoreError
        from loaders.neo4j_offline import import_requests
        from loaders.pipeline import LoadAborted, LoadRequest

        if source.needs_path and path is None:
            fail(f"« {source.value} » demande un fichier ou un dossier")
        if path is not None:
            problem = input_problem(
                path, directory=source is LoadSource.SYNTHETIQUE, what=f"« {source.value} »"
            )
            if problem is not None:
                fail(problem)
        request = LoadRequest(source, path, data_dir=data)
        try:
            imported, reports = import_requests([request], data_dir, heap=heap)
        except LoadAborted as e:
            if e.reports:
                print_summary(e.reports)
            fail(str(e))
        except (StoreError, Neo4jLaunchError) as e:
            fail(str(e))
        print_summary(reports)
        typer.echo(
            f"{imported.nodes:,} nœuds et {imported.relationships:,} relations importés dans {data_dir} "
            f"({imported.datasets} jeux, {imported.seconds:.0f} s dont import {imported.import_s:.0f} s)"
        )
