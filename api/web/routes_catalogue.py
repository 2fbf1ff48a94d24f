"""Datasets and search."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from fastapi.concurrency import run_in_threadpool

from api.web.fast_json import json_response
from api.web.problems import Problem
from api.web.schemas import DatasetOut, Page, SearchItem, famille_of
from api.web.services import Services, services
from graph.kinds import node_kind
from queries.search import Hit, SearchIndex

__all__ = ["router", "search_row"]

router = APIRouter(prefix="/api/v1", tags=["catalogue"])

Svc = Annotated[Services, Depends(services)]
PageQ = Annotated[int, Query(ge=1, description="Numéro de page (à partir de 1).")]
PerPageQ = Annotated[int, Query(ge=1, le=200, description="Éléments par page (200 au plus).")]


def _page(rows: list[Any], page: int, per_page: int) -> dict[str, Any]:
    """A `Page` of rows already in JSON form."""
    start = (page - 1) * per_page
    return {"items": rows[start : start + per_page], "total": len(rows), "page": page, "per_page": per_page}


@router.get("/datasets", response_model=Page[DatasetOut], summary="Jeux de données chargés")
async def datasets(svc: Svc, page: PageQ = 1, per_page: PerPageQ = 50) -> Response:
    """Chaque jeu de données du magasin : identifiant, titre, date, drapeau synthétique."""
    rows = [
        {"id": p.source, "title": p.title or p.source, "date": p.date, "synthetic": p.synthetic}
        for p in svc.datasets()
    ]
    return json_response(_page(rows, page, per_page))


def search_row(index: SearchIndex, hit: Hit) -> dict[str, Any]:
    """A `SearchItem` in JSON form (its fields, in its order)."""
    entry = hit.entry
    commune = index.get(entry.commune) if entry.commune else None
    departement = next((t for t in sorted(entry.territories) if t.startswith("departement:")), None)
    if departement is None and entry.id.startswith("departement:"):
        departement = entry.id
    return {
        "id": entry.id,
        "name": entry.name,
        "kind": entry.kind.value,
        "kind_label": entry.kind.label,
        "famille": famille_of(entry.kind),
        "commune": entry.commune,
        "commune_name": commune.name if commune else None,
        "departement": departement,
        "siret": entry.siret,
        "latitude": entry.latitude,
        "longitude": entry.longitude,
        "score": hit.score,
        "distance_km": hit.distance_km,
        "synthetic": entry.synthetic,
    }


@router.get("/search", response_model=Page[SearchItem], summary="Rechercher acteurs et lieux")
async def search(
    svc: Svc,
    q: Annotated[str, Query(description="Nom (accents et fautes de frappe tolérés) ou SIRET/SIREN.")] = "",
    kind: Annotated[
        list[str] | None, Query(description="Type(s) de nœud : ACI, Entreprise, Commune…")
    ] = None,
    territoire: Annotated[
        str | None, Query(description="Lieu à n'importe quel niveau : commune:…, epci:…, departement:10…")
    ] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90, description="Latitude du centre.")] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180, description="Longitude du centre.")] = None,
    rayon_km: Annotated[float | None, Query(gt=0, le=1000, description="Rayon autour du centre.")] = None,
    famille: Annotated[Literal["org", "place"] | None, Query(description="Acteurs ou lieux.")] = None,
    page: PageQ = 1,
    per_page: PerPageQ = 20,
) -> Response:
    """Acteurs et lieux dont le nom contient chaque mot de `q`, filtrés par type,
    territoire et distance, les meilleurs d'abord."""
    for value in kind or ():
        try:
            node_kind(value)
        except ValueError:
            raise Problem(422, f"paramètre « kind » : type inconnu « {value} »") from None
    if (lat is None) != (lon is None):
        raise Problem(422, "paramètres « lat » et « lon » : donner les deux ou aucun")
    if rayon_km is not None and lat is None:
        raise Problem(422, "paramètre « rayon_km » : donner aussi « lat » et « lon »")
    index = svc.index_if_ready()
    if index is None:  # being built: wait for it off the event loop
        index = await run_in_threadpool(svc.index)
    if territoire is not None and index.get(territoire) is None:
        raise Problem(404, f"territoire inconnu : {territoire}")
    start = (page - 1) * per_page
    total, hits = index.search_page(
        q,
        kinds=kind or (),
        famille=famille,
        territory=territoire,
        near=(lat, lon) if lat is not None and lon is not None else None,
        radius_km=rayon_km,
        start=start,
        stop=start + per_page,
    )
    items = [search_row(index, h) for h in hits]
    return json_response({"items": items, "total": total, "page": page, "per_page": per_page})
