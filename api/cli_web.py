"""`maillage serve`: the web explorer and its API.

No `from __future__ import annotations` here: typer reads the options' annotations,
which name objects of api.cli imported inside `register`."""

import threading
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    from api.cli_options import DEFAULT_STORE, Neo4jOption, StoreOption, fail, open_store

    @app.command()
    def serve(
        store: StoreOption = DEFAULT_STORE,
        neo4j: Neo4jOption = None,
        host: Annotated[str, typer.Option("--host", help="Adresse d'écoute.")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", help="Port d'écoute.")] = 8000,
    ) -> None:
        """Servir l'explorateur web et son API (REST /api/v1, SPARQL /sparql, Cypher /cypher
        si Neo4j est donné) jusqu'à Ctrl-C."""
        import uvicorn

        from api.web.app import create_app

        if not Path(store).exists():
            fail(f"aucun magasin dans {store} : lancer d'abord « maillage load » ou « maillage demo »")
        driver = None
        if neo4j is not None:
            from graph.neo4j_store import connect, settings_from_env

            _, auth = settings_from_env()
            driver = connect(neo4j, auth)
        graph = open_store(store)
        try:
            typer.echo(f"explorateur : http://{host}:{port}/  (API : http://{host}:{port}/api/v1/docs)")
            web = create_app(graph, neo4j=driver)
            # The search index is built while the server starts, not on the first search.
            threading.Thread(target=web.state.services.index, name="index", daemon=True).start()
            uvicorn.run(web, host=host, port=port, log_level="warning")
        finally:
            graph.close()
            if driver is not None:
                driver.close()
