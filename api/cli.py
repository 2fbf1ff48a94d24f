"""The `maillage` command line. It presents; the work is done in graph/, loaders/, queries/."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from api.formatting import OutputFormat, render
from graph.oxigraph_store import OxigraphStore
from graph.store import StoreError
from queries.sparql_select import SparqlError, select
from queries.table import Table

app = typer.Typer(
    name="maillage",
    help="Explorer le maillage territorial de l'inclusion : SIAE, entreprises, clubs, PTCE, réseaux.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DEFAULT_STORE = Path(os.environ.get("MAILLAGE_STORE", "var/maillage.oxigraph"))

StoreOption = Annotated[
    Path,
    typer.Option(
        "--store", help="Dossier du magasin RDF embarqué (env MAILLAGE_STORE).", envvar="MAILLAGE_STORE"
    ),
]


def _open(path: Path) -> OxigraphStore:
    try:
        return OxigraphStore(path)
    except StoreError as e:
        _fail(str(e))
        raise  # unreachable: _fail exits


def _fail(message: str) -> None:
    typer.secho(f"erreur : {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


class ExportFormat(StrEnum):
    TTL = "ttl"
    JSONLD = "jsonld"
    NT = "nt"
    GRAPHML = "graphml"
    GEXF = "gexf"


@app.command()
def load(
    store: StoreOption = DEFAULT_STORE,
    case_studies: Annotated[
        Path | None, typer.Option("--cas-du-guide", help="Fichier des cas du guide (TOML).")
    ] = None,
) -> None:
    """Charger les cas du guide (jeu de données embarqué) dans le magasin."""
    from loaders.case_studies import DEFAULT_PATH, read_case_studies

    batch = read_case_studies(case_studies or DEFAULT_PATH)
    with _open(store) as s:
        try:
            report = s.upsert(batch)
        except StoreError as e:
            _fail(str(e))
    typer.echo(
        f"{report.source} : {report.nodes_written} nœuds, {report.edges_written} relations, "
        f"{report.triples_added} triplets ajoutés"
    )


@app.command()
def stats(store: StoreOption = DEFAULT_STORE) -> None:
    """Compter les nœuds par type et les relations par type."""
    with _open(store) as s:
        counts = s.counts()
    typer.echo(render(Table(("type de nœud", "nombre"), tuple(counts.nodes.items()))))
    typer.echo()
    typer.echo(render(Table(("relation", "nombre"), tuple(counts.edges.items()))))


@app.command()
def sparql(
    query: Annotated[str, typer.Argument(help="Requête SPARQL, ou @fichier.rq")],
    store: StoreOption = DEFAULT_STORE,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Format de sortie.")] = OutputFormat.TABLE,
) -> None:
    """Exécuter une requête SPARQL (SELECT ou ASK) sur l'union des jeux de données."""
    text = Path(query[1:]).read_text(encoding="utf-8") if query.startswith("@") else query
    with _open(store) as s:
        try:
            table = select(s, text)
        except SparqlError as e:
            _fail(str(e))
    text_out = render(table, fmt)
    typer.echo(text_out, nl=not text_out.endswith("\n"))


@app.command()
def export(
    out: Annotated[Path, typer.Argument(help="Fichier à écrire.")],
    fmt: Annotated[ExportFormat, typer.Option("--format", help="Format d'export.")] = ExportFormat.TTL,
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Exporter le graphe (Turtle, JSON-LD, N-Triples, GraphML, GEXF)."""
    from graph.interchange import export as export_store

    with _open(store) as s:
        written = export_store(s, out, fmt.value)
    typer.echo(f"écrit : {written}")


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Dossier de sortie de la démo.")] = Path("out/demo"),
) -> None:
    """Construire le graphe des cas du guide dans un magasin neuf et en dessiner la page interactive."""
    from loaders.case_studies import read_case_studies
    from queries.views import case_study_view
    from visual.pyvis_page import write_page

    store_path = out / "store"
    if store_path.exists():
        import shutil

        shutil.rmtree(store_path)
    with _open(store_path) as s:
        report = s.upsert(read_case_studies())
        view = case_study_view(s)
    page = write_page(
        view, out / "maillage-cas-du-guide.html", title="Les cas du guide : qui coopère avec qui"
    )
    typer.echo(
        f"{report.nodes_written} nœuds et {report.edges_written} relations chargés dans {store_path}\n"
        f"page interactive : {page.resolve()}"
    )


neo4j_app = typer.Typer(help="Serveur Neo4j local (Java 17 requis, sans Docker).", no_args_is_help=True)
app.add_typer(neo4j_app, name="neo4j")


@neo4j_app.command("start")
def neo4j_start(
    port: Annotated[int, typer.Option(help="Port Bolt (0 : un port libre).")] = 7687,
    data_dir: Annotated[Path, typer.Option(help="Dossier des données Neo4j.")] = Path("neo4j-data"),
    password: Annotated[
        str | None,
        typer.Option(help="Active l'authentification (utilisateur neo4j).", envvar="NEO4J_PASSWORD"),
    ] = None,
) -> None:
    """Démarrer Neo4j 5.26 Community avec Bolt sur 127.0.0.1, jusqu'à Ctrl-C."""
    from graph.neo4j_server import main

    args = ["--port", str(port), "--data-dir", str(data_dir)]
    if password:
        args += ["--password", password]
    raise typer.Exit(code=main(args))


if __name__ == "__main__":  # pragma: no cover
    app()
