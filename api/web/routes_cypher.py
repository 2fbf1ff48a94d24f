"""/cypher: read-only Cypher on the configured Neo4j, with the limits of `maillage cypher`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel, Field

from api.web.problems import Problem
from api.web.services import Services, services
from graph.store import StoreError
from queries.cypher_console import CypherError, CypherTimeout, ReadOnlyViolation, run_cypher

__all__ = ["router"]

router = APIRouter(tags=["cypher"])

Svc = Annotated[Services, Depends(services)]


class CypherRequest(BaseModel):
    query: str = Field(description="Requête Cypher en lecture seule.")
    params: dict[str, Any] = Field(default_factory=dict, description="Paramètres $nom de la requête.")


class CypherAnswer(BaseModel):
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool = Field(description="Vrai si la limite de lignes a coupé la réponse.")


def _run(svc: Services, query: str, params: dict[str, Any]) -> CypherAnswer:
    if svc.neo4j is None:
        raise Problem(503, "aucun serveur Neo4j n'est configuré (maillage serve --neo4j bolt://…)")
    try:
        result = run_cypher(
            svc.neo4j,
            query,
            params=params,
            timeout_s=svc.settings.cypher_timeout_s,
            limit=svc.settings.cypher_row_limit,
        )
    except ReadOnlyViolation as e:
        raise Problem(403, f"le point d'accès Cypher est en lecture seule : requête refusée ({e})") from None
    except CypherTimeout as e:
        raise Problem(503, f"délai dépassé : {e}", title="Délai dépassé") from None
    except CypherError as e:
        raise Problem(400, f"requête Cypher refusée par Neo4j : {e}") from None
    except StoreError as e:
        raise Problem(503, f"Neo4j injoignable : {e}") from None
    return CypherAnswer(
        columns=list(result.columns), rows=[list(row) for row in result.rows], truncated=result.truncated
    )


@router.get("/cypher", response_model=CypherAnswer, summary="Cypher en lecture seule (GET)")
def cypher_get(
    svc: Svc, query: Annotated[str, Query(min_length=1, description="Requête Cypher en lecture seule.")]
) -> CypherAnswer:
    """Une requête Cypher en lecture seule sur Neo4j (écritures refusées), au plus
    `cypher_row_limit` lignes, dans un délai borné."""
    return _run(svc, query, {})


@router.post("/cypher", response_model=CypherAnswer, summary="Cypher en lecture seule (POST JSON)")
def cypher_post(svc: Svc, request: Annotated[CypherRequest, Body()]) -> CypherAnswer:
    """La requête et ses paramètres en JSON : `{"query": "…", "params": {"nom": valeur}}`."""
    return _run(svc, request.query, request.params)
