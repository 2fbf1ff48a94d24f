"""/api/v1/clubs/{id}: the club leader's view (queries.club)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel

from api.web.analysis import TableOut, club_of, table_out
from api.web.services import Services, services
from graph.analytic import AnalyticGraph
from graph.kinds import node_kind
from queries.club import ClubView

__all__ = ["CLUB_TABLES", "club_tables", "router"]

router = APIRouter(prefix="/api/v1", tags=["analyse du réseau"])

Svc = Annotated[Services, Depends(services)]

# The tables of a club view, by key (as in exports: ?tableau=…), in the view's order.
CLUB_TABLES = (
    ("sections", "by_section"),
    ("tranches", "by_tranche"),
    ("couverture", "coverage"),
    ("siae_sans_lien", "unlinked_siae"),
    ("passerelles", "bridging"),
    ("courtiers", "brokers"),
    ("communautes", "communities"),
)


class Member(BaseModel):
    id: str
    name: str
    kind: str
    kind_label: str
    synthetic: bool


class ClubOut(BaseModel):
    id: str
    name: str
    kind: str
    kind_label: str
    territoire: str | None
    territoire_name: str | None
    members: list[Member]
    tables: list[TableOut]
    synthetic: bool


def club_tables(view: ClubView, ag: AnalyticGraph) -> list[TableOut]:
    titles = {id(table): title for title, table in view.tables().items()}
    return [table_out(key, titles[id(getattr(view, f))], getattr(view, f), ag) for key, f in CLUB_TABLES]


@router.get("/clubs/{node_id}", response_model=ClubOut, summary="Vue d'un club (ou PTCE, réseau…)")
def club(
    node_id: Annotated[str, Path(description="Identifiant du club, PTCE ou réseau : org:club-10…")],
    svc: Svc,
    limit: Annotated[int, Query(ge=1, le=200, description="Lignes des classements.")] = 20,
) -> ClubOut:
    """La vue de l'animateur : membres par section NAF et par tranche d'effectif,
    couverture sectorielle du territoire, SIAE du territoire liées à aucun membre,
    membres reliés à d'autres collectifs, courtiers et communautés. Chaque tableau a une
    clé (`sections`, `tranches`, `couverture`, `siae_sans_lien`, `passerelles`,
    `courtiers`, `communautes`), un titre, ses colonnes et ses lignes."""
    view = club_of(svc, node_id, limit)
    ag = svc.analytic()
    vs = ag.graph.vs

    def member(m: str) -> Member:
        kind = vs[ag.index[m]]["kind"]
        return Member(
            id=m,
            name=vs[ag.index[m]]["label"],
            kind=kind,
            kind_label=node_kind(kind).label,
            synthetic=bool(ag.facet("synthetic", m)),
        )

    kind = vs[ag.index[view.club]]["kind"]
    place = ag.places.get(view.territory) if view.territory else None
    return ClubOut(
        id=view.club,
        name=view.name,
        kind=kind,
        kind_label=node_kind(kind).label,
        territoire=view.territory,
        territoire_name=place.name if place else None,
        members=[member(m) for m in view.members],
        tables=club_tables(view, ag),
        synthetic=bool(ag.facet("synthetic", view.club)),
    )
