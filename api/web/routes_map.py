"""/api/v1/map: the points of a map."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from api.web.problems import Problem
from api.web.services import Services, services
from queries.map_points import BBox, MapView, map_view

__all__ = ["MapOut", "parse_bbox", "router"]

router = APIRouter(prefix="/api/v1", tags=["carte"])

Svc = Annotated[Services, Depends(services)]


class MapPoint(BaseModel):
    id: str
    name: str
    kind: str
    kind_label: str
    latitude: float
    longitude: float
    commune: str | None
    synthetic: bool


class Centroid(BaseModel):
    id: str
    name: str
    kind: str
    latitude: float
    longitude: float
    count: int


class MapOut(BaseModel):
    points: list[MapPoint]
    centroids: list[Centroid]
    truncated: bool


def parse_bbox(text: str | None) -> BBox | None:
    if text is None:
        return None
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) != 4 or values[0] > values[2] or values[1] > values[3]:
        raise Problem(422, "paramètre « bbox » : attendu minlon,minlat,maxlon,maxlat (4 nombres, min ≤ max)")
    return values[0], values[1], values[2], values[3]


def map_out(view: MapView) -> MapOut:
    return MapOut(
        points=[
            MapPoint(
                id=e.id,
                name=e.name,
                kind=e.kind.value,
                kind_label=e.kind.label,
                latitude=e.latitude or 0.0,
                longitude=e.longitude or 0.0,
                commune=e.commune,
                synthetic=e.synthetic,
            )
            for e in view.points
        ],
        centroids=[
            Centroid(
                id=c.id,
                name=c.name,
                kind=c.kind.value,
                latitude=c.latitude or 0.0,
                longitude=c.longitude or 0.0,
                count=n,
            )
            for c, n in view.centroids
        ],
        truncated=view.truncated,
    )


def compute_map(svc: Services, kind: list[str] | None, territoire: str | None, bbox: str | None) -> MapView:
    index = svc.index()
    if territoire is not None and index.get(territoire) is None:
        raise Problem(404, f"territoire inconnu : {territoire}")
    return map_view(index, kinds=kind or (), territory=territoire, bbox=parse_bbox(bbox))


@router.get("/map", response_model=MapOut, summary="Points d'une carte")
def map_points(
    svc: Svc,
    kind: Annotated[list[str] | None, Query(description="Type(s) d'acteur : ACI, Entreprise…")] = None,
    territoire: Annotated[str | None, Query(description="Lieu à n'importe quel niveau.")] = None,
    bbox: Annotated[str | None, Query(description="Emprise : minlon,minlat,maxlon,maxlat.")] = None,
) -> MapOut:
    """Les acteurs ayant une position (la leur, sinon le centre de leur commune), et le
    centre de chaque commune qui en compte, avec leur nombre."""
    return map_out(compute_map(svc, kind, territoire, bbox))
