"""The query consoles of the command line: `maillage sparql` and `maillage cypher`.

Both read only, stop at a timeout and a row limit, take `--param` and stop on
Ctrl-C; the checks and the running are in `queries.sparql_console` and
`queries.cypher_console`, shared with the web API.
"""

import json
from pathlib import Path
from typing import Annotated

import typer

from api.formatting import OutputFormat, render
from queries.table import Table

__all__ = ["register"]

_INTERRUPTED = 130

FormatOption = Annotated[OutputFormat, typer.Option("--format", help="Format de sortie.")]
LimitOption = Annotated[
    int, typer.Option("--limit", help="Nombre maximal de lignes (env MAILLAGE_ROW_LIMIT).")
]
TimeoutOption = Annotated[
    float, typer.Option("--timeout", help="Délai maximal, en secondes (env MAILLAGE_QUERY_TIMEOUT).")
]


def _query_text(argument: str) -> str:
    """A query given inline, or `@file` to read it from a file (one French line if unreadable)."""
    if not argument.startswith("@"):
        return argument
    path = Path(argument[1:])
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        fail(f"fichier de requête introuvable : {path}")
    except (OSError, UnicodeDecodeError) as e:
        fail(f"fichier de requête illisible : {path} ({e.__class__.__name__})")
    raise AssertionError  # unreachable: _fail exits


def fail(message: str, code: int = 1) -> None:
    typer.secho(f"erreur : {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=code)


def _show(table: Table, fmt: OutputFormat, truncated: bool) -> None:
    text = render(table, fmt, truncated=truncated)
    typer.echo(text, nl=not text.endswith("\n"))


def register(app: typer.Typer) -> None:
    from api.cli_options import DEFAULT_STORE, SETTINGS, StoreOption, open_store

    @app.command()
    def sparql(
        query: Annotated[str, typer.Argument(help="Requête SPARQL, ou @fichier.rq")],
        store: StoreOption = DEFAULT_STORE,
        fmt: FormatOption = OutputFormat.TABLE,
        limit: LimitOption = SETTINGS.row_limit,
        timeout: TimeoutOption = SETTINGS.query_timeout_s,
        param: Annotated[
            list[str] | None,
            typer.Option(
                "--param",
                help="Paramètre $NOM de la requête : NOM=valeur (org:…, commune:… : un nœud ; "
                "mlg:ACI, <iri> : une IRI ; 20, 2.5, true, 2024-01-31 : typés ; sinon un texte).",
            ),
        ] = None,
    ) -> None:
        """Exécuter une requête SPARQL en lecture seule (SELECT, ASK, CONSTRUCT, DESCRIBE) sur
        le graphe fusionné : chaque fait une fois, avec les classes parentes (mlg:SIAE) ;
        GRAPH ?g donne le jeu de données qui l'affirme. Mises à jour et SERVICE refusés."""
        from queries.sparql_console import SparqlError, check_bounds, parse_param, prepare, run_sparql

        try:
            check_bounds(timeout_s=timeout, limit=limit)
            prepared = prepare(_query_text(query), dict(parse_param(item) for item in param or []))
        except SparqlError as e:
            fail(str(e))
        with open_store(store) as s:
            try:
                result = run_sparql(s, prepared, timeout_s=timeout, limit=limit)
            except SparqlError as e:
                fail(str(e))
            except KeyboardInterrupt:
                fail("requête interrompue (Ctrl-C)", code=_INTERRUPTED)
        _show(result.table(), fmt, result.truncated)

    @app.command()
    def cypher(
        query: Annotated[str, typer.Argument(help="Requête Cypher en lecture seule, ou @fichier.cypher")],
        neo4j: Annotated[
            str, typer.Option("--neo4j", help="Adresse du serveur Neo4j.", envvar="MAILLAGE_NEO4J_URI")
        ] = SETTINGS.neo4j_uri,
        fmt: FormatOption = OutputFormat.TABLE,
        limit: LimitOption = SETTINGS.row_limit,
        timeout: TimeoutOption = SETTINGS.query_timeout_s,
        param: Annotated[
            list[str] | None, typer.Option("--param", help="Paramètre $NOM de la requête : NOM=valeur JSON.")
        ] = None,
    ) -> None:
        """Exécuter une requête Cypher en lecture seule sur Neo4j (écritures et procédures
        dbms.* refusées)."""
        from graph.neo4j_store import connect
        from graph.store import StoreError
        from queries.cypher_console import CypherError, check_bounds, check_read_only, run_cypher

        try:
            check_bounds(timeout_s=timeout, limit=limit)
            text = _query_text(query)
            check_read_only(text)
        except CypherError as e:
            fail(str(e))
        params = _cypher_params(param or [])
        try:
            driver = connect(neo4j, SETTINGS.neo4j_auth)
            try:
                result = run_cypher(driver, text, params=params, timeout_s=timeout, limit=limit)
            finally:
                driver.close()
        except StoreError as e:
            fail(str(e))
        except KeyboardInterrupt:
            fail("requête interrompue (Ctrl-C)", code=_INTERRUPTED)
        _show(Table(result.columns, result.rows), fmt, result.truncated)


def _cypher_params(items: list[str]) -> dict[str, object]:
    """`NAME=JSON` pairs; a bare word is a string."""
    params: dict[str, object] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep or not name:
            fail(f"--param {item!r} : attendu NOM=valeur")
        try:
            params[name] = json.loads(raw)
        except json.JSONDecodeError:
            params[name] = raw
    return params
