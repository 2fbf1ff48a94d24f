"""/api/v1/territories/{id}: the coverage of a territory (queries.territory)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel

from api.web.analysis import TableOut, table_out, territory_of
from api.web.services import Services, services
from graph.analytic import AnalyticGraph
from graph.kinds import node_kind
from queries.territory import BLANK_KM, TerritoryView

__all__ = ["TERRITORY_TABLES", "router", "territory_tables"]

router = APIRouter(prefix="/api/v1", tags=["analyse du réseau"])

Svc = Annotated[Services, Depends(services)]

TERRITORY_TABLES = (
    ("indicateurs", "indicators"),
    ("siae", "siae"),
    ("secteurs", "sectors"),
    ("zones_blanches", "blank_communes"),
)


class TerritoryOut(BaseModel):
    id: str
    name: str
    kind: str
    kind_label: str
    departement: str | None
    departement_name: str | None
    km: float
    tables: list[TableOut]


def territory_tables(view: TerritoryView, ag: AnalyticGraph) -> list[TableOut]:
    titles = {id(table): title for title, table in view.tables().items()}
    return [table_out(key, titles[id(getattr(view, f))], getattr(view, f), ag) for key, f in TERRITORY_TABLES]


@router.get("/territories/{node_id}", response_model=TerritoryOut, summary="Vue d'un territoire")
def territory(
    node_id: Annotated[
        str, Path(description="Territoire : commune:…, epci:…, ze:…, departement:… ou region:….")
    ],
    svc: Svc,
    km: Annotated[
        float,
        Query(
            gt=0,
            le=200,
            description="Distance à un ACI ou EI au-delà de laquelle une commune est en zone blanche.",
        ),
    ] = BLANK_KM,
    limit: Annotated[int, Query(ge=1, le=500, description="Lignes des listes.")] = 50,
) -> TerritoryOut:
    """La couverture du territoire : indicateurs (SIAE par type, entreprises engagées,
    partenariats par SIAE, secteurs du Marché couverts, zones blanches) comparés à son
    département et à la médiane nationale des départements ; ses SIAE et leurs
    partenariats ; les secteurs couverts et manquants ; les communes en zone blanche.
    Tableaux : `indicateurs`, `siae`, `secteurs`, `zones_blanches`."""
    view = territory_of(svc, node_id, km, limit)
    places = svc.analytic().places
    dep = places.get(view.departement) if view.departement else None
    return TerritoryOut(
        id=view.territory,
        name=view.name,
        kind=view.kind,
        kind_label=node_kind(view.kind).label,
        departement=view.departement,
        departement_name=dep.name if dep else None,
        km=km,
        tables=territory_tables(view, svc.analytic()),
    )
