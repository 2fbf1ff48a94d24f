"""/sparql: the SPARQL 1.1 Protocol, read-only (https://www.w3.org/TR/sparql11-protocol/)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.web.problems import Problem
from api.web.services import Services, services
from api.web.sparql_formats import negotiate, write_answer
from queries.sparql_protocol import (
    READ_ONLY,
    ReadOnlyQuery,
    SparqlError,
    SparqlResourceError,
    SparqlTimeout,
    evaluate,
)

__all__ = ["router"]

router = APIRouter(tags=["sparql"])

Svc = Annotated[Services, Depends(services)]
_FORM = "application/x-www-form-urlencoded"
_QUERY = "application/sparql-query"
_UPDATE = "application/sparql-update"
_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "Résultats (SELECT, ASK : JSON, XML, CSV, TSV) ou graphe "
        "(CONSTRUCT, DESCRIBE : Turtle, N-Triples, JSON-LD, RDF/XML) selon l'en-tête Accept.",
        "content": {
            "application/sparql-results+json": {},
            "application/sparql-results+xml": {},
            "text/csv": {},
            "text/tab-separated-values": {},
            "text/turtle": {},
            "application/n-triples": {},
            "application/ld+json": {},
        },
    },
    400: {"description": "Requête absente, multiple ou invalide."},
    403: {"description": "Mise à jour refusée : lecture seule."},
    406: {"description": "Aucun format acceptable pour ce type de requête."},
    415: {"description": "Type de contenu non pris en charge."},
    503: {"description": "Délai dépassé, ou mémoire demandée au-delà de la limite : la requête est arrêtée."},
}


def _one_query(values: list[str]) -> str:
    if not values:
        raise Problem(400, "paramètre « query » absent : donner une requête SPARQL")
    if len(values) > 1:
        raise Problem(400, "paramètre « query » donné plusieurs fois : une seule requête par appel")
    return values[0]


def _answer(
    svc: Services, request: Request, query: str, default_graphs: list[str], named_graphs: list[str]
) -> Response:
    settings = svc.settings
    try:
        answer = evaluate(
            svc.store,
            query,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            limit=settings.sparql_row_limit,
            timeout_s=settings.sparql_timeout_s,
            base_iri=str(request.url.replace(query="")),
        )
    except ReadOnlyQuery as e:
        raise Problem(403, str(e)) from None
    except SparqlTimeout as e:
        raise Problem(503, str(e), title="Délai dépassé") from None
    except SparqlResourceError as e:
        raise Problem(503, str(e)) from None
    except SparqlError as e:
        raise Problem(400, str(e)) from None
    media_type = negotiate(answer.form, request.headers.get("accept"))
    if media_type is None:
        raise Problem(
            406, f"aucun des formats demandés ({request.headers.get('accept')}) ne convient à cette requête"
        )
    body, content_type = write_answer(answer, media_type)
    headers = {"Vary": "Accept"}
    if answer.truncated:
        headers["X-Maillage-Truncated"] = f"limite de {settings.sparql_row_limit} lignes atteinte"
    return Response(body, media_type=content_type, headers=headers)


@router.get("/sparql", summary="SPARQL 1.1 Protocol (GET)", responses=_RESPONSES)
def sparql_get(
    request: Request,
    svc: Svc,
    query: Annotated[
        list[str] | None, Query(description="La requête SPARQL (SELECT, ASK, CONSTRUCT, DESCRIBE).")
    ] = None,
    default_graph_uri: Annotated[
        list[str] | None,
        Query(alias="default-graph-uri", description="Graphe(s) formant le graphe par défaut."),
    ] = None,
    named_graph_uri: Annotated[
        list[str] | None, Query(alias="named-graph-uri", description="Graphe(s) nommé(s) interrogeables.")
    ] = None,
) -> Response:
    """Une requête en lecture seule sur l'union des jeux de données (un graphe nommé par jeu),
    au plus `sparql_row_limit` lignes, dans un délai borné."""
    if "update" in request.query_params:
        raise Problem(403, READ_ONLY)
    return _answer(svc, request, _one_query(query or []), default_graph_uri or [], named_graph_uri or [])


@router.post(
    "/sparql",
    summary="SPARQL 1.1 Protocol (POST formulaire ou direct)",
    responses=_RESPONSES,
    openapi_extra={
        "requestBody": {
            "content": {
                _FORM: {"schema": {"type": "object", "properties": {"query": {"type": "string"}}}},
                _QUERY: {"schema": {"type": "string"}},
            }
        }
    },
)
async def sparql_post(request: Request, svc: Svc) -> Response:
    """`application/x-www-form-urlencoded` (champ `query`) ou `application/sparql-query`
    (la requête en corps, UTF-8) ; les mises à jour (`update`, `application/sparql-update`)
    sont refusées."""
    content_type, _, params = (request.headers.get("content-type") or "").partition(";")
    content_type = content_type.strip().lower()
    url_params = parse_qs(request.url.query, keep_blank_values=True)
    body = await request.body()
    if content_type == _UPDATE:
        raise Problem(403, READ_ONLY)
    charset = next(
        (
            v.strip().strip('"').lower()
            for k, _, v in (p.partition("=") for p in params.split(";"))
            if k.strip() == "charset"
        ),
        "utf-8",
    )
    if charset not in ("utf-8", "utf8"):
        raise Problem(415, f"encodage « {charset} » non pris en charge : envoyer la requête en UTF-8")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Problem(400, "corps de requête illisible : il doit être en UTF-8") from None
    if content_type == _FORM:
        fields = parse_qs(text, keep_blank_values=True)
        if "update" in fields:
            raise Problem(403, READ_ONLY)
        query = _one_query(fields.get("query", []) + url_params.get("query", []))
        defaults = fields.get("default-graph-uri", []) + url_params.get("default-graph-uri", [])
        named = fields.get("named-graph-uri", []) + url_params.get("named-graph-uri", [])
    elif content_type == _QUERY:
        query = text
        defaults = url_params.get("default-graph-uri", [])
        named = url_params.get("named-graph-uri", [])
    else:
        raise Problem(
            415,
            f"type de contenu « {content_type or 'absent'} » non pris en charge : "
            f"utiliser {_FORM} ou {_QUERY}",
        )
    return await _run_in_thread(svc, request, query, defaults, named)


async def _run_in_thread(
    svc: Services, request: Request, query: str, defaults: list[str], named: list[str]
) -> Response:
    return await run_in_threadpool(_answer, svc, request, query, defaults, named)
