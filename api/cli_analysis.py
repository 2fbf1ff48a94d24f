"""`maillage club`, `maillage territoire`, `maillage metriques`: network analysis.

No `from __future__ import annotations` here: typer reads the options' annotations,
which name objects of api.cli imported inside `register`."""

import json
from datetime import date
from typing import Annotated

import typer

from api.formatting import OutputFormat, render
from queries.table import Table

__all__ = ["register", "render_tables"]


def render_tables(tables: dict[str, Table], fmt: OutputFormat) -> str:
    """Several titled tables: one after the other on the terminal and in CSV (each
    preceded by a `# title` line), one JSON object by title."""
    if fmt is OutputFormat.JSON:
        return json.dumps(
            {title: json.loads(render(table, fmt)) for title, table in tables.items()},
            ensure_ascii=False,
            indent=2,
        )
    parts = []
    for title, table in tables.items():
        body = render(table, fmt)
        parts.append(f"# {title}\n{body}" if fmt is OutputFormat.CSV else f"{title}\n\n{body}")
    return ("\n" if fmt is OutputFormat.CSV else "\n\n").join(parts)


def register(app: typer.Typer) -> None:
    from api.cli_options import DEFAULT_STORE, Neo4jOption, StoreOption, fail, open_graph

    FormatOption = Annotated[OutputFormat, typer.Option("--format", help="Format de sortie.")]

    @app.command()
    def club(
        club_id: Annotated[
            str, typer.Argument(metavar="CLUB", help="Identifiant du club (org:…), PTCE ou réseau.")
        ],
        store: StoreOption = DEFAULT_STORE,
        neo4j: Neo4jOption = None,
        limit: Annotated[int, typer.Option("--limit", help="Lignes des classements.")] = 20,
        fmt: FormatOption = OutputFormat.TABLE,
    ) -> None:
        """Vue de l'animateur de club : membres par section NAF et tranche d'effectif,
        couverture sectorielle, SIAE du territoire liées à aucun membre, membres passerelles,
        courtiers, communautés."""
        from graph.analytic import analytic_projection
        from queries.club import club_view

        graph = open_graph(store, neo4j)
        try:
            view = club_view(analytic_projection(graph), club_id, limit=limit)
        except (KeyError, ValueError) as e:
            fail(str(e).strip("'\""))
            return
        finally:
            graph.close()
        if fmt is OutputFormat.TABLE:
            typer.echo(
                f"{view.name} ({view.club}) — {len(view.members)} membres, territoire {view.territory}\n"
            )
        text = render_tables(view.tables(), fmt)
        typer.echo(text, nl=not text.endswith("\n"))

    @app.command()
    def territoire(
        territory: Annotated[
            str,
            typer.Argument(
                metavar="ID",
                help="Territoire : commune:…, epci:…, ze:…, departement:… ou region:….",
            ),
        ],
        store: StoreOption = DEFAULT_STORE,
        neo4j: Neo4jOption = None,
        km: Annotated[
            float,
            typer.Option(
                "--km", help="Distance à un ACI ou EI au-delà de laquelle une commune est en zone blanche."
            ),
        ] = 15.0,
        limit: Annotated[int, typer.Option("--limit", help="Lignes des listes.")] = 50,
        fmt: FormatOption = OutputFormat.TABLE,
    ) -> None:
        """Couverture d'un territoire : SIAE par type, entreprises engagées, partenariats par
        SIAE, secteurs du Marché couverts et manquants, zones blanches, comparés au
        département et à la médiane nationale."""
        from graph.analytic import analytic_projection
        from queries.territory import territory_view

        graph = open_graph(store, neo4j)
        try:
            view = territory_view(analytic_projection(graph), territory, blank_km=km, limit=limit)
        except KeyError as e:
            fail(str(e).strip("'\""))
            return
        finally:
            graph.close()
        if fmt is OutputFormat.TABLE:
            typer.echo(f"{view.name} ({view.territory}, {view.kind})\n")
        text = render_tables(view.tables(), fmt)
        typer.echo(text, nl=not text.endswith("\n"))

    @app.command()
    def metriques(
        store: StoreOption = DEFAULT_STORE,
        neo4j: Neo4jOption = None,
        on: Annotated[
            str | None,
            typer.Option(
                "--date", help="Date du jeu de données des métriques (AAAA-MM-JJ ; défaut : aujourd'hui)."
            ),
        ] = None,
        top: Annotated[int, typer.Option("--top", help="Organisations affichées, par PageRank.")] = 10,
    ) -> None:
        """Calculer les métriques du réseau des organisations (degrés, PageRank, proximité
        harmonique, vecteur propre, intermédiarité, contrainte de Burt, taille effective,
        hiérarchie, communauté, k-cœur) et les écrire comme propriétés des nœuds, dans leur
        propre jeu de données daté « metriques-reseau »."""
        from graph.analytic import analytic_projection
        from queries.analytics.metrics import metrics_batch, network_metrics

        try:
            when = date.fromisoformat(on) if on else date.today()
        except ValueError:
            fail(f"date invalide : {on!r} (attendu AAAA-MM-JJ)")
            return
        graph = open_graph(store, neo4j)
        try:
            ag = analytic_projection(graph)
            table = network_metrics(ag)
            synthetic = any(p.synthetic for p in graph.datasets())
            graph.upsert(metrics_batch(ag, table, on=when, synthetic=synthetic))
        finally:
            graph.close()
        between = "exacte" if table.betweenness_exact else f"estimée sur {table.betweenness_sources} sources"
        closeness = "exacte" if table.closeness_exact else f"estimée sur {table.closeness_sources} sources"
        typer.echo(
            f"{len(table.ids)} organisations reliées : métriques écrites "
            f"(jeu « metriques-reseau », {when}) ; intermédiarité {between} ; "
            f"proximité harmonique {closeness} ; modularité {table.modularity:.4f}"
        )
        ranked = sorted(range(len(table.ids)), key=lambda i: -table.columns["pagerank"][i])[:top]
        rows = tuple(
            (
                table.ids[i],
                round(table.columns["pagerank"][i], 6),
                table.columns["degree"][i],
                round(table.columns["betweenness"][i], 6),
                table.columns["community"][i],
            )
            for i in ranked
        )
        typer.echo(render(Table(("organisation", "pagerank", "degré", "intermédiarité", "communauté"), rows)))
