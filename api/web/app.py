"""The app factory: REST API, SPARQL and Cypher endpoints, and the pages when present."""

from __future__ import annotations

import importlib
from typing import Any

from fastapi import FastAPI

from api.web import (
    problems,
    routes_actors,
    routes_catalogue,
    routes_centrality,
    routes_club,
    routes_cypher,
    routes_docs,
    routes_export,
    routes_map,
    routes_overview,
    routes_partners,
    routes_sparql,
    routes_territory,
)
from api.web.services import Services
from api.web.settings import WebSettings
from graph.oxigraph_store import OxigraphStore
from graph.settings import Settings
from graph.settings import settings as project_settings

__all__ = ["create_app"]

DESCRIPTION = """Explorer le maillage territorial de l'inclusion : SIAE, entreprises, clubs,
PTCE, réseaux, lieux et codes. Les erreurs sont des documents `application/problem+json`
(RFC 9457) en français ; les listes sont paginées (`page`, `per_page`)."""


def create_app(
    store: OxigraphStore, *, neo4j: Any | None = None, settings: WebSettings | Settings | None = None
) -> FastAPI:
    """The web app over `store` (the embedded store), with /cypher when a Neo4j driver is
    given. `settings`: the web limits, or the project's settings they are read from
    (by default, from the environment)."""
    if not isinstance(settings, WebSettings):
        settings = WebSettings.from_settings(settings or project_settings())
    app = FastAPI(
        title="maillage",
        description=DESCRIPTION,
        version="1",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.services = Services(store, settings, neo4j)
    problems.install(app)
    for module in (
        routes_catalogue,
        routes_actors,
        routes_partners,
        routes_map,
        routes_club,
        routes_territory,
        routes_centrality,
        routes_overview,
        routes_export,
        routes_sparql,
        routes_cypher,
        routes_docs,
    ):
        app.include_router(module.router)
    try:
        pages = importlib.import_module("api.web.pages")
    except ModuleNotFoundError as e:
        if e.name != "api.web.pages":
            raise
    else:
        app.include_router(pages.router)
    return app
