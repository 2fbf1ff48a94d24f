"""Partner candidates with their reasons, and introduction paths (queries.partners,
queries.introductions)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from api.web.fast_json import json_response
from api.web.problems import Problem
from api.web.schemas import Page
from api.web.services import Services, services
from graph.kinds import RelKind, node_kind
from queries.consortium import consortium_candidates, lot
from queries.introductions import introductions
from queries.partners import COMPANY, INCLUSIVE, Objective, UnknownActor, partner_candidates

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["partenaires"])

Svc = Annotated[Services, Depends(services)]


class Fact(BaseModel):
    subject: str
    rel: str
    object: str
    datasets: list[str]


class Evidence(BaseModel):
    reason: str
    weight: float
    facts: list[Fact]


class CandidateOut(BaseModel):
    id: str
    name: str
    kind: str
    kind_label: str
    score: float
    distance_km: float | None
    commune: str | None
    naf: str | None
    evidence: list[Evidence]


class Step(BaseModel):
    id: str
    name: str
    kind: str


class IntroductionOut(BaseModel):
    path: list[Step]
    rels: list[str]  # French labels of the ties, in path order
    text: str
    strength: float
    facts: list[Fact]


def _fact_json(text: str, datasets: tuple[str, ...]) -> dict[str, str | list[str]]:
    """A fact's text « subject REL object » as a `Fact`'s fields."""
    subject, rel, obj = [*text.split(" ", 2), "", ""][:3]
    return {"subject": subject, "rel": rel, "object": obj, "datasets": list(datasets)}


def _fact(text: str, datasets: tuple[str, ...]) -> Fact:
    return Fact.model_validate(_fact_json(text, datasets))


def _rel_label(rel: str) -> str:
    try:
        return RelKind(rel).label
    except ValueError:
        return rel


def _label(kind: str) -> str:
    try:
        return node_kind(kind).label
    except ValueError:
        return kind


@router.get(
    "/actors/{node_id}/candidates",
    response_model=Page[CandidateOut],
    summary="Partenaires possibles d'un acteur",
)
async def candidates(
    node_id: str,
    svc: Svc,
    objectif: Annotated[
        Objective, Query(description="Ce que le partenariat doit servir.")
    ] = Objective.RECRUTEMENT,
    rayon_km: Annotated[float | None, Query(gt=0, le=1000, description="Distance maximale.")] = None,
    territoire: Annotated[str | None, Query(description="Commune ou département des candidats.")] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Nombre de candidats.")] = 20,
) -> Response:
    """Les organisations que l'acteur pourrait approcher pour `objectif`, les meilleures
    d'abord, chacune avec ses raisons (en français), leur poids et les faits du graphe
    sur lesquels elles reposent."""
    try:
        found = partner_candidates(
            svc.partners(), node_id, objective=objectif, territory=territoire, radius_km=rayon_km, limit=limit
        )
    except UnknownActor:
        raise Problem(404, f"aucune organisation d'identifiant « {node_id} »") from None
    except ValueError as e:
        raise Problem(422, f"paramètre « territoire » : {e}") from None
    items = [  # CandidateOut, their fields in its order
        {
            "id": c.id,
            "name": c.name,
            "kind": c.kind,
            "kind_label": _label(c.kind),
            "score": round(c.score, 4),
            "distance_km": round(c.distance_km, 3) if c.distance_km is not None else None,
            "commune": c.commune,
            "naf": c.naf,
            "evidence": [
                {
                    "reason": r.text,
                    "weight": round(r.weight, 4),
                    "facts": [_fact_json(f, r.datasets) for f in r.facts],
                }
                for r in c.reasons
            ],
        }
        for c in found
    ]
    return json_response({"items": items, "total": len(items), "page": 1, "per_page": limit})


@router.get(
    "/actors/{node_id}/introductions",
    response_model=Page[IntroductionOut],
    summary="Qui peut me présenter",
)
def introduction_paths(
    node_id: str,
    svc: Svc,
    vers: Annotated[str, Query(description="L'organisation à rencontrer.")],
    max_hops: Annotated[int, Query(ge=2, le=4, description="Liens au plus (2 à 4).")] = 3,
    limit: Annotated[int, Query(ge=1, le=20, description="Nombre de chemins.")] = 5,
) -> Page[IntroductionOut]:
    """Les chemins les plus courts de l'acteur vers `vers` par au moins un intermédiaire,
    les plus solides d'abord, avec les faits qui les portent."""
    index = svc.partners()
    try:
        paths = introductions(index, node_id, vers, max_hops=max_hops, limit=limit)
    except KeyError as e:
        raise Problem(404, str(e.args[0]) if e.args else "organisation inconnue") from None
    kinds = index.network.graph.vs["kind"] if index.network.graph.vcount() else []
    items = []
    for p in paths:
        rels = [_rel_label(fact.split(" ")[1] if fact.count(" ") >= 2 else fact) for fact in p.facts]
        items.append(
            IntroductionOut(
                path=[
                    Step(id=i, name=n, kind=str(kinds[index.network.index[i]]) if kinds else "")
                    for i, n in zip(p.path, p.names, strict=True)
                ],
                rels=rels,
                text=p.text,
                strength=round(p.strength, 4),
                facts=[_fact(f, p.datasets) for f in p.facts],
            )
        )
    return Page[IntroductionOut](items=items, total=len(items), page=1, per_page=limit)


class ConsortiumOut(BaseModel):
    members: list[Step]
    covers: dict[str, list[str]]
    score: float
    evidence: list[Evidence]


@router.get("/consortium", response_model=Page[ConsortiumOut], summary="Groupements pour un marché")
def consortium(
    svc: Svc,
    cpv: Annotated[list[str] | None, Query(description="Lot(s) : code CPV (90910000) ; répétable.")] = None,
    secteur: Annotated[
        list[str] | None, Query(description="Lot(s) : secteur du Marché de l'inclusion (slug) ; répétable.")
    ] = None,
    lieu: Annotated[str | None, Query(description="Lieu d'exécution (commune:10387).")] = None,
    rayon_km: Annotated[float, Query(gt=0, le=1000, description="Distance maximale au lieu.")] = 30.0,
    territoire: Annotated[str | None, Query(description="Département ou commune des membres.")] = None,
    entreprises: Annotated[bool, Query(description="Admettre aussi les entreprises ordinaires.")] = False,
    taille: Annotated[int, Query(ge=1, le=5, description="Membres au plus.")] = 3,
    limit: Annotated[int, Query(ge=1, le=20, description="Nombre de groupements.")] = 5,
) -> Page[ConsortiumOut]:
    """Des groupements de SIAE (et d'entreprises) qui couvrent ensemble tous les lots d'un
    marché près du lieu d'exécution, classés par les liens qui unissent déjà leurs membres."""
    codes = [*(cpv or ()), *(secteur or ())]
    if not codes:
        raise Problem(422, "paramètres « cpv » ou « secteur » : donner au moins un lot")
    if lieu is None and territoire is None:
        raise Problem(422, "paramètres « lieu » ou « territoire » : donner l'un des deux")
    latitude = longitude = None
    if lieu is not None:
        place = svc.index().get(lieu)
        if place is None or place.latitude is None:
            raise Problem(404, f"lieu inconnu ou sans coordonnées : {lieu}")
        latitude, longitude = place.latitude, place.longitude
    index = svc.partners()
    try:
        lots = [lot(code, index.tables) for code in codes]
        groups = consortium_candidates(
            index,
            lots,
            latitude=latitude,
            longitude=longitude,
            radius_km=rayon_km if lieu is not None else None,
            territory=territoire,
            kinds=INCLUSIVE | COMPANY if entreprises else INCLUSIVE,
            max_size=taille,
            limit=limit,
        )
    except ValueError as e:
        raise Problem(422, str(e)) from None
    kinds = index.network.graph.vs["kind"] if index.network.graph.vcount() else []
    items = [
        ConsortiumOut(
            members=[
                Step(id=m, name=n, kind=str(kinds[index.network.index[m]]) if kinds else "")
                for m, n in zip(g.members, g.names, strict=True)
            ],
            covers={code: list(by) for code, by in g.coverage},
            score=round(g.score, 4),
            evidence=[
                Evidence(
                    reason=r.text, weight=round(r.weight, 4), facts=[_fact(f, r.datasets) for f in r.facts]
                )
                for r in g.reasons
            ],
        )
        for g in groups
    ]
    return Page[ConsortiumOut](items=items, total=len(items), page=1, per_page=limit)
