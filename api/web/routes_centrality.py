"""/api/v1/centrality: the organisations of a territory ranked by centrality
(queries.network_overview over queries.analytics.centrality)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from api.web.analysis import ranking_of
from api.web.schemas import Page, paginate
from api.web.services import Services, services
from graph.kinds import node_kind
from queries.network_overview import CentralityRanking, Measure

__all__ = ["CentralityItem", "CentralityPage", "centrality_items", "router"]

router = APIRouter(prefix="/api/v1", tags=["analyse du réseau"])

Svc = Annotated[Services, Depends(services)]


class CentralityItem(BaseModel):
    rank: int
    id: str
    name: str
    kind: str
    kind_label: str
    degree: int
    pagerank: float
    betweenness: float
    harmonic_closeness: float
    eigenvector: float
    synthetic: bool


class CentralityPage(Page[CentralityItem]):
    mesure: str
    territoire: str | None
    betweenness_exact: bool
    betweenness_sources: int


def centrality_items(
    ranking: CentralityRanking, mesure: Measure, kind: list[str] | None
) -> list[CentralityItem]:
    return [
        CentralityItem(rank=i, kind_label=node_kind(r.kind).label, **{f: getattr(r, f) for f in _FIELDS})
        for i, r in enumerate(ranking.by(mesure, kinds=kind or ()), start=1)
    ]


_FIELDS = (
    "id",
    "name",
    "kind",
    "degree",
    "pagerank",
    "betweenness",
    "harmonic_closeness",
    "eigenvector",
    "synthetic",
)


@router.get("/centrality", response_model=CentralityPage, summary="Centralité des organisations")
def centrality(
    svc: Svc,
    territoire: Annotated[
        str | None,
        Query(description="Territoire (commune, EPCI, zone d'emploi, département, région) ; vide : tout."),
    ] = None,
    mesure: Annotated[
        Measure,
        Query(description="Classement : pagerank, degree, betweenness, harmonic_closeness, eigenvector."),
    ] = "pagerank",
    kind: Annotated[
        list[str] | None, Query(description="Type(s) d'organisation gardés (ACI, Entreprise…).")
    ] = None,
    page: Annotated[int, Query(ge=1, description="Page (à partir de 1).")] = 1,
    per_page: Annotated[int, Query(ge=1, le=200, description="Lignes par page (200 au plus).")] = 20,
) -> CentralityPage:
    """Les organisations liées à au moins une autre dans le réseau du territoire (celles
    qui y sont situées et leurs voisines directes), classées par `mesure` : degré,
    PageRank, intermédiarité (normalisée ; estimée sur un échantillon au-delà de 20 000
    organisations, `betweenness_exact` le dit), proximité harmonique, vecteur propre."""
    ranking = ranking_of(svc, territoire)
    found = paginate(centrality_items(ranking, mesure, kind), page, per_page)
    return CentralityPage(
        **found.model_dump(),
        mesure=mesure,
        territoire=territoire,
        betweenness_exact=ranking.betweenness_exact,
        betweenness_sources=ranking.betweenness_sources,
    )
