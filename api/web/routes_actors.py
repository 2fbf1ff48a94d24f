"""An actor, its facts with their provenance, and its ego network."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from api.web.fast_json import json_response
from api.web.problems import Problem
from api.web.schemas import (
    ActorOut,
    FacetOut,
    Facets,
    NetworkEdge,
    NetworkNode,
    NetworkOut,
    famille_of,
)
from api.web.services import Services, services
from graph.kinds import PlaceKind, RelKind
from graph.model import PropValue
from queries.actor import actor_profile
from queries.ego import ORGANISATION_RELATIONS, ego_network

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["acteurs"])

Svc = Annotated[Services, Depends(services)]
NodeId = Annotated[str, Path(description="Identifiant du nœud : org:…, commune:10387…")]


def _json_value(value: PropValue) -> PropValue | str:
    return value.isoformat() if hasattr(value, "isoformat") else value


@router.get("/actors/{node_id}", response_model=ActorOut, summary="Un acteur et ses faits")
async def actor(node_id: NodeId, svc: Svc) -> Response:
    """L'identité d'un acteur (type, SIRET, adresse, lieu, secteurs, métiers) et chacun
    de ses faits avec les jeux de données qui l'affirment."""
    titles = {p.source: p for p in svc.datasets()}
    flags = {source: p.synthetic for source, p in titles.items()}
    profile = actor_profile(
        svc.store, node_id, flags=flags, names=svc.node_names, departement_of=svc.departement_of
    )
    if profile is None:
        raise Problem(404, f"aucun nœud d'identifiant « {node_id} »")
    node = profile.node
    siret, address = node.props.get("siret"), node.props.get("address")
    return json_response(  # an ActorOut, its fields in its order
        {
            "id": node.id,
            "name": node.name,
            "kind": node.kind.value,
            "kind_label": node.kind.label,
            "famille": famille_of(node.kind),
            "siret": str(siret) if siret is not None else None,
            "adresse": str(address) if address is not None else None,
            "commune": profile.commune.id if profile.commune else None,
            "commune_name": profile.commune.label if profile.commune else None,
            "departement": profile.departement.id if profile.departement else None,
            "departement_name": profile.departement.label if profile.departement else None,
            "latitude": profile.latitude,
            "longitude": profile.longitude,
            "sectors": [{"id": s.id, "label": s.label} for s in profile.sectors],
            "jobs": [{"id": j.id, "label": j.label} for j in profile.jobs],
            "facts": [
                {
                    "property": f.property,
                    "label": f.label,
                    "value": _json_value(f.value),
                    "value_label": f.value_label,
                    "datasets": list(f.datasets),
                }
                for f in profile.facts
            ],
            "datasets": [
                {
                    "id": s,
                    "title": (titles[s].title or s) if s in titles else s,
                    "synthetic": titles[s].synthetic if s in titles else False,
                }
                for s in profile.datasets
            ],
            "synthetic": profile.synthetic,
        }
    )


@router.get("/actors/{node_id}/neighbourhood", response_model=NetworkOut, summary="Réseau autour d'un acteur")
def neighbourhood(
    node_id: NodeId,
    svc: Svc,
    depth: Annotated[int, Query(ge=1, le=3, description="Nombre de relations au plus (1 à 3).")] = 1,
    rel: Annotated[
        list[RelKind] | None,
        Query(description="Relations suivies (par défaut : celles entre organisations)."),
    ] = None,
) -> NetworkOut:
    """Les nœuds à au plus `depth` relations de l'acteur par les relations choisies ;
    les lieux et codes sont des facettes, sauf si une relation qui y mène est demandée."""
    rels = frozenset(rel) if rel else ORGANISATION_RELATIONS
    network = ego_network(
        svc.store,
        node_id,
        depth=depth,
        rels=rels,
        max_nodes=svc.settings.max_network_nodes,
        names=svc.node_names,
    )
    if network is None:
        raise Problem(404, f"aucun nœud d'identifiant « {node_id} »")
    flags = svc.synthetic_flags()

    def synthetic(sources: tuple[str, ...]) -> bool:
        return bool(sources) and all(flags.get(s, False) for s in sources)

    places: list[FacetOut] = []
    codes: list[FacetOut] = []
    for facet in network.facets:
        out = FacetOut(
            id=facet.node.id,
            name=facet.node.name,
            kind=facet.node.kind.value,
            kind_label=facet.node.kind.label,
            rel=facet.rel.value,
            of=list(facet.of),
        )
        (places if isinstance(facet.node.kind, PlaceKind) else codes).append(out)
    return NetworkOut(
        centre=network.centre,
        depth=depth,
        rels=sorted(r.value for r in rels),
        nodes=[
            NetworkNode(
                id=n.id,
                name=n.name,
                kind=n.kind.value,
                kind_label=n.kind.label,
                famille=famille_of(n.kind),
                synthetic=synthetic(n.sources),
                depth=network.depth[n.id],
            )
            for n in network.nodes
        ],
        edges=[
            NetworkEdge(
                source=e.source,
                target=e.target,
                rel=e.rel.value,
                rel_label=e.rel.label,
                key=e.key,
                attrs={k: _json_value(v) for k, v in sorted(e.attrs.items())},
                datasets=sorted(e.sources),
                synthetic=synthetic(e.sources),
            )
            for e in network.edges
        ],
        facets=Facets(places=places, codes=codes),
        truncated=network.truncated,
    )
