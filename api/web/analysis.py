"""The network-analysis views the routes present (club, territory, centrality,
overview), each computed by `queries/` once per store state and parameters
(`Services.view`), with their errors as problems; and their tables as JSON."""

from __future__ import annotations

from pydantic import BaseModel

from api.web.problems import Problem
from api.web.services import Services
from graph.analytic import AnalyticGraph
from queries.club import ClubView, club_view
from queries.network_overview import CentralityRanking, Overview, centrality_ranking, network_overview
from queries.table import Cell, Table
from queries.territory import TerritoryView, territory_view

__all__ = [
    "TableOut",
    "club_of",
    "overview_of",
    "ranking_of",
    "table_out",
    "territory_of",
]


class TableOut(BaseModel):
    key: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    synthetic: list[str]  # the organisations of column « id » that only synthetic datasets state


def table_out(key: str, title: str, table: Table, ag: AnalyticGraph) -> TableOut:
    ids = [str(r[table.columns.index("id")]) for r in table.rows] if "id" in table.columns else []
    return TableOut(
        key=key,
        title=title,
        columns=list(table.columns),
        rows=[list(r) for r in table.rows],
        synthetic=[i for i in ids if i in ag.index and ag.facet("synthetic", i)],
    )


def club_of(svc: Services, club: str, limit: int) -> ClubView:
    """`queries.club.club_view` of `club`; 404 for an unknown id, 422 for an organisation
    that gathers no one (not a club, PTCE, network…)."""
    try:
        return svc.view(("club", club, limit), lambda: club_view(svc.analytic(), club, limit=limit))
    except KeyError:
        raise Problem(404, f"aucune organisation d'identifiant « {club} »") from None
    except ValueError as e:
        raise Problem(422, str(e)) from None


def territory_of(svc: Services, territory: str, km: float, limit: int) -> TerritoryView:
    """`queries.territory.territory_view`; 404 for a place the store does not hold."""
    try:
        return svc.view(
            ("territory", territory, km, limit),
            lambda: territory_view(svc.analytic(), territory, blank_km=km, limit=limit),
        )
    except KeyError:
        raise Problem(404, f"territoire inconnu : {territory}") from None


def _lens(svc: Services, territory: str | None) -> AnalyticGraph:
    ag = svc.analytic()
    if territory is None:
        return ag
    try:
        return ag.within(territory)
    except KeyError:
        raise Problem(404, f"territoire inconnu ou sans organisation : {territory}") from None


def ranking_of(svc: Services, territory: str | None) -> CentralityRanking:
    """`queries.network_overview.centrality_ranking` of the organisations of `territory`
    (the whole store when None)."""
    return svc.view(("centrality", territory), lambda: centrality_ranking(_lens(svc, territory)))


def overview_of(svc: Services, territory: str | None) -> Overview:
    """`queries.network_overview.network_overview` of `territory` (the whole store when None)."""
    max_nodes = svc.settings.max_overview_nodes
    return svc.view(
        ("overview", territory, max_nodes),
        lambda: network_overview(_lens(svc, territory), max_nodes=max_nodes),
    )
