"""`maillage datasets` and `maillage drop-dataset`: what the store holds, by dataset,
and removing one (both backends)."""

from typing import Annotated

import typer

from api.formatting import render
from queries.table import Table

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    from api.cli_options import DEFAULT_STORE, Neo4jOption, StoreOption, fail, open_graph

    @app.command()
    def datasets(store: StoreOption = DEFAULT_STORE, neo4j: Neo4jOption = None) -> None:
        """Lister les jeux de données du magasin : nom, date, synthétique ou réel, titre."""
        graph = open_graph(store, neo4j)
        try:
            held = graph.datasets()
        finally:
            graph.close()
        rows = tuple(
            (d.source, d.date.isoformat(), "synthétique" if d.synthetic else "réel", d.title) for d in held
        )
        typer.echo(render(Table(("jeu", "date", "nature", "titre"), rows)))

    @app.command("drop-dataset")
    def drop_dataset(
        source: Annotated[str, typer.Argument(help="Nom du jeu à supprimer (voir « maillage datasets »).")],
        store: StoreOption = DEFAULT_STORE,
        neo4j: Neo4jOption = None,
    ) -> None:
        """Supprimer un jeu de données : ce qu'il affirme, et les nœuds et relations
        qu'aucun autre jeu n'affirme (en une transaction)."""
        graph = open_graph(store, neo4j)
        try:
            names = [d.source for d in graph.datasets()]
            if source not in names:
                fail(f"aucun jeu « {source} » dans le magasin ; jeux : {', '.join(names) or 'aucun'}")
            graph.remove_dataset(source)
        finally:
            graph.close()
        typer.echo(f"jeu « {source} » supprimé")
