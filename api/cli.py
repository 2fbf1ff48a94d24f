"""The `maillage` command line. It presents; the work is done in graph/, loaders/, queries/."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from api.choices import accent_free
from api.cli_analysis import register as register_analysis
from api.cli_datasets import register as register_datasets
from api.cli_french import FrenchGroup
from api.cli_options import DEFAULT_STORE, Neo4jOption, StoreOption, fail, open_graph, open_store
from api.cli_partners import register as register_partners
from api.cli_web import register as register_web
from api.formatting import render
from graph.model import LoadReport
from graph.store import StoreError
from loaders.pipeline import LoadSource
from queries.table import Table

app = typer.Typer(
    name="maillage",
    help="Explorer le maillage territorial de l'inclusion : SIAE, entreprises, clubs, PTCE, réseaux.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    cls=FrenchGroup,
)


class ExportFormat(StrEnum):
    TTL = "ttl"
    JSONLD = "jsonld"
    NT = "nt"
    GRAPHML = "graphml"
    GEXF = "gexf"


@app.command()
def load(
    source: Annotated[
        LoadSource,
        typer.Argument(help="Ce qu'il faut charger.", parser=accent_free(LoadSource)),
    ] = LoadSource.GUIDE,
    path: Annotated[
        Path | None,
        typer.Argument(help="Fichier (ou dossier généré pour « synthetique ») ; inutile pour guide et reel."),
    ] = None,
    store: StoreOption = DEFAULT_STORE,
    data: Annotated[
        Path | None, typer.Option("--data", help="Dossier des données ouvertes (env MAILLAGE_DATA).")
    ] = None,
    mapping: Annotated[
        str | None,
        typer.Option(
            "--map", help="Colonnes d'un fichier d'organisations : name=Raison sociale,siret=SIRET,…"
        ),
    ] = None,
    dataset: Annotated[
        str | None, typer.Option("--dataset", help="Nom du jeu de données (par défaut : le fichier).")
    ] = None,
    synthetic: Annotated[
        bool, typer.Option("--synthetic", help="Marquer le fichier comme synthétique.")
    ] = False,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            help="Type des organisations d'un fichier (ACI, EI, AI, EA, GEIQ, Entreprise…), sauf colonne "
            "kind ; une structure conventionnée a pour identité SIRET + type.",
        ),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Écrire les lignes rejetées ou non résolues (.csv ou .jsonl)."),
    ] = None,
    neo4j: Neo4jOption = None,
) -> None:
    """Charger une source dans le magasin : les cas du guide, les données ouvertes réelles,
    un territoire synthétique généré, ou un fichier (organisations, clubs, PTCE, Fabriques,
    réseaux, partenariats). Tous les fichiers sont lus et vérifiés avant toute écriture ;
    chaque jeu déjà chargé est mis à jour : ce qui a disparu est fermé (daté), les valeurs
    changées gardent leur ancienne valeur (previous_*), les relations retirées partent."""
    from api.cli_paths import input_problem, output_problem
    from api.load_report import print_closed, print_summary
    from loaders.pipeline import LoadAborted, LoadRequest
    from loaders.pipeline import load as load_request

    if source.needs_path and path is None:
        fail(f"« {source.value} » demande un fichier ou un dossier")
    if path is not None:
        wants_folder = source is LoadSource.SYNTHETIQUE
        problem = input_problem(path, directory=wants_folder, what=f"« {source.value} »")
        if problem is not None:
            fail(problem)
    if report is not None and (problem := output_problem(report)) is not None:
        fail(f"--report : {problem}")
    org_kind = None
    if kind is not None:
        from loaders.generic_csv import parse_kind

        if (org_kind := parse_kind(kind)) is None:
            fail(f"--kind : type inconnu « {kind} » (ACI, EI, AI, ETTI, EITI, GEIQ, EA, Entreprise…)")
    request = LoadRequest(
        source, path, data_dir=data, mapping=mapping, dataset=dataset, synthetic=synthetic, kind=org_kind
    )
    graph = open_graph(store, neo4j, create=True)
    try:
        reports = load_request(graph, request)
    except LoadAborted as e:
        _report_issues(e.reports, report)
        if e.reports:
            print_summary(e.reports)
        fail(str(e))
    except StoreError as e:
        fail(str(e))
    finally:
        graph.close()
    _report_issues(reports, report)
    print_closed(reports)
    print_summary(reports)


def _report_issues(reports: list[LoadReport], report: Path | None) -> None:
    """The rejected and unresolved rows: a few on the console, all in the report file."""
    from api.load_report import print_issues, write_issues
    from loaders.report import issues

    found = issues(reports)
    print_issues(found, report=report)
    if report is not None:
        written = write_issues(report, found)
        typer.echo(f"rapport : {written} lignes dans {report}", err=True)


@app.command()
def generate(
    out: Annotated[Path, typer.Argument(help="Dossier où écrire les fichiers générés.")],
    departement: Annotated[
        str | None, typer.Option("--departement", help="Un département autour de ses SIAE réelles (ex. 10).")
    ] = None,
    national: Annotated[
        bool, typer.Option("--national", help="Toute la France (300 000 entreprises).")
    ] = False,
    seed: Annotated[int, typer.Option("--seed", help="Graine : même graine, mêmes fichiers.")] = 42,
) -> None:
    """Générer un territoire synthétique (entreprises, clubs, PTCE, Fabriques, partenariats),
    marqué synthétique, dans les formats officiels ou les nôtres."""
    from loaders.synthetic import departement as departement_preset
    from loaders.synthetic import generate as generate_territory
    from loaders.synthetic import national as national_preset

    if national == (departement is not None):
        fail("choisir soit --departement CODE, soit --national")
    preset = national_preset() if national else departement_preset(str(departement))
    manifest = generate_territory(preset, out, seed=seed)
    typer.echo(f"{len(manifest.files)} fichiers synthétiques écrits dans {out} (graine {seed})")
    for generated in manifest.files:
        typer.echo(f"  {generated.name}  {generated.rows} lignes")


@app.command()
def stats(store: StoreOption = DEFAULT_STORE, neo4j: Neo4jOption = None) -> None:
    """Compter les nœuds par type et les relations par type."""
    graph = open_graph(store, neo4j)
    try:
        counts = graph.counts()
    finally:
        graph.close()
    typer.echo(render(Table(("type de nœud", "nombre"), tuple(counts.nodes.items()))))
    typer.echo()
    typer.echo(render(Table(("relation", "nombre"), tuple(counts.edges.items()))))


@app.command()
def validate(store: StoreOption = DEFAULT_STORE) -> None:
    """Vérifier le graphe avec les formes SHACL du projet ; code de sortie 1 s'il ne s'y conforme pas."""
    from graph.validation import validate as validate_graph

    with open_store(store) as s:
        result = validate_graph(s)
    for violation in result.violations:
        typer.echo(violation.message)
    verdict = "conforme" if result.conforms else f"non conforme : {len(result.violations)} violations"
    typer.echo(f"{result.triples} triplets vérifiés : {verdict}")
    if not result.conforms:
        raise typer.Exit(code=1)


@app.command()
def export(
    out: Annotated[Path, typer.Argument(help="Fichier à écrire.")],
    fmt: Annotated[ExportFormat, typer.Option("--format", help="Format d'export.")] = ExportFormat.TTL,
    store: StoreOption = DEFAULT_STORE,
) -> None:
    """Exporter le graphe (Turtle, JSON-LD, N-Triples, GraphML, GEXF)."""
    from api.cli_paths import output_problem
    from graph.interchange import export as export_store

    if (problem := output_problem(out)) is not None:
        fail(problem)
    with open_store(store) as s:
        written = export_store(s, out, fmt.value)
    typer.echo(f"écrit : {written}")


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Dossier de sortie de la démo.")] = Path("out/demo"),
    data: Annotated[
        Path | None, typer.Option("--data", help="Dossier des données ouvertes (env MAILLAGE_DATA).")
    ] = None,
) -> None:
    """Construire la démo dans un magasin neuf — données ouvertes réelles, cas du guide,
    Aube synthétique — et dessiner deux vues interactives."""
    import shutil

    from loaders.demo import build_demo
    from queries.views import case_study_view, organisation_circle
    from visual.pyvis_page import write_page

    for previous in (out / "store", out / "synthetique-aube"):
        if previous.exists():
            shutil.rmtree(previous)
    with open_store(out / "store", create=True) as s:
        build_demo(s, out / "synthetique-aube", data_dir=data)
        counts = s.counts()
        datasets = s.datasets()
        guide = case_study_view(s)
        circle = organisation_circle(s, DEMO_FOCUS, depth=2)
    pages = [
        write_page(
            guide, out / "maillage-cas-du-guide.html", title="Les cas du guide : qui coopère avec qui"
        ),
        write_page(
            circle,
            out / "maillage-boutique-boulot.html",
            title="Autour de Boutique Boulot (Troyes) : clubs, réseaux, partenaires — Aube synthétique",
        ),
    ]
    synthetic = sum(1 for d in datasets if d.synthetic)
    typer.echo(
        f"{sum(counts.nodes.values())} nœuds et {sum(counts.edges.values())} relations dans {out / 'store'} "
        f"({len(datasets) - synthetic} jeux réels, {synthetic} jeux synthétiques)"
    )
    for page in pages:
        typer.echo(f"page interactive : {page.resolve()}")


DEMO_FOCUS = "org:34267885100045-aci"  # Boutique Boulot, ACI in Troyes, member of the Aube club


register_web(app)
register_partners(app)
register_analysis(app)
register_datasets(app)

from api import cli_console  # noqa: E402 - registers on the app defined above

cli_console.register(app)

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


from api import cli_neo4j  # noqa: E402 - registers on the group defined above

cli_neo4j.register(neo4j_app)


if __name__ == "__main__":  # pragma: no cover
    app()
