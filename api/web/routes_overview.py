"""/api/v1/overview: the organisation network of a territory laid out for a WebGL
drawing (queries.network_overview)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from api.web.analysis import overview_of
from api.web.services import Services, services
from queries.network_overview import OverviewEdge, OverviewNode

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["analyse du réseau"])

Svc = Annotated[Services, Depends(services)]


class OverviewOut(BaseModel):
    territoire: str | None
    nodes: list[OverviewNode]
    edges: list[OverviewEdge]
    communities: int
    modularity: float
    truncated: bool
    layout: str


@router.get(
    "/overview", response_model=OverviewOut, summary="Réseau des organisations d'un territoire, disposé"
)
def overview(
    svc: Svc,
    territoire: Annotated[
        str | None,
        Query(description="Territoire (commune, EPCI, zone d'emploi, département, région) ; vide : tout."),
    ] = None,
) -> OverviewOut:
    """Les organisations liées à au moins une autre (au plus `max_overview_nodes`, les plus
    reliées d'abord : `truncated` le dit), avec leur position (x, y entre 0 et 1, calculée
    une fois par igraph), leur PageRank et leur communauté (Leiden) ; les relations
    regroupées par paire et par type (`count`)."""
    found = overview_of(svc, territoire)
    return OverviewOut(
        territoire=territoire,
        nodes=list(found.nodes),
        edges=list(found.edges),
        communities=found.communities,
        modularity=found.modularity,
        truncated=found.truncated,
        layout=found.layout,
    )
