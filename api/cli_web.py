"""`maillage serve`: the web explorer and its API.

No `from __future__ import annotations` here: typer reads the options' annotations,
which name objects of api.cli imported inside `register`."""

from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    from api.cli_options import DEFAULT_STORE, Neo4jOption, StoreOption, fail

    @app.command()
    def serve(
        store: StoreOption = DEFAULT_STORE,
        neo4j: Neo4jOption = None,
        host: Annotated[str, typer.Option("--host", help="Adresse d'écoute.")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", help="Port d'écoute.")] = 8000,
        workers: Annotated[
            int,
            typer.Option(
                "--workers",
                min=1,
                help="Processus qui servent les requêtes. Au-delà d'un, les index sont construits "
                "avant d'écouter, chaque processus lit le magasin en lecture seule, et aucun "
                "chargement n'est possible tant que le serveur tourne.",
            ),
        ] = 1,
    ) -> None:
        """Servir l'explorateur web et son API (REST /api/v1, SPARQL /sparql, Cypher /cypher
        si Neo4j est donné) jusqu'à Ctrl-C."""
        from api.cli_paths import store_problem
        from api.web.serving import serve as serve_app
        from graph.store import StoreError

        problem = store_problem(Path(store))
        if problem is not None:
            fail(problem)
        connect = None
        if neo4j is not None:
            from graph.neo4j_store import connect as neo4j_connect
            from graph.neo4j_store import settings_from_env

            _, auth = settings_from_env()
            uri = neo4j

            def connect() -> Any:
                return neo4j_connect(uri, auth)

        def ready() -> None:
            typer.echo(f"explorateur : http://{host}:{port}/  (API : http://{host}:{port}/api/v1/docs)")

        try:
            if workers > 1:
                if connect is not None:
                    connect().close()  # a wrong address fails here, not in each worker
                typer.echo(f"construction des index avant de servir avec {workers} processus…")
            serve_app(Path(store), host=host, port=port, workers=workers, neo4j=connect, on_ready=ready)
        except StoreError as e:
            fail(str(e))
