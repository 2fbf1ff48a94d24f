"""The rows and organisations of the network-analysis views for /api/v1/export:
`club` (one table of the club view, or its members), `territoire` (one table of the
territory view, or its organisation network), `centralite` (the ranking)."""

from __future__ import annotations

from dataclasses import dataclass

from api.web.analysis import TableOut, club_of, ranking_of, territory_of
from api.web.problems import Problem
from api.web.routes_centrality import CentralityItem, centrality_items
from api.web.routes_club import club_tables
from api.web.routes_territory import territory_tables
from api.web.services import Services
from queries.network_overview import Measure
from queries.table import Cell
from queries.territory import BLANK_KM

__all__ = ["AnalysisExport", "centrality_export", "club_export", "territory_export"]


@dataclass(frozen=True)
class AnalysisExport:
    ids: list[str]  # the organisations of the graph formats
    header: list[str]  # the CSV
    rows: list[list[Cell]]


def _chosen(tables: list[TableOut], tableau: str | None) -> TableOut:
    if tableau is None:
        return tables[0]
    found = next((t for t in tables if t.key == tableau), None)
    if found is None:
        keys = ", ".join(t.key for t in tables)
        raise Problem(422, f"paramètre « tableau » : doit être l'une des valeurs : {keys}")
    return found


def club_export(svc: Services, club: str | None, tableau: str | None) -> AnalysisExport:
    """CSV: the table `tableau` of the club view (default: the first); graph formats:
    the club and its members."""
    if club is None:
        raise Problem(422, "paramètre « id » : obligatoire pour la vue club")
    view = club_of(svc, club, 20)
    table = _chosen(club_tables(view, svc.analytic()), tableau)
    return AnalysisExport([view.club, *view.members], table.columns, table.rows)


def centrality_export(
    svc: Services, territory: str | None, measure: Measure, kinds: list[str] | None
) -> AnalysisExport:
    """The whole ranking (not one page): CSV rows and graph nodes."""
    items = centrality_items(ranking_of(svc, territory), measure, kinds)
    header = list(CentralityItem.model_fields)
    return AnalysisExport([i.id for i in items], header, [[getattr(i, f) for f in header] for i in items])


def territory_export(svc: Services, territory: str | None, tableau: str | None) -> AnalysisExport:
    """CSV: the table `tableau` of the territory view (default: the first); graph formats:
    the territory's organisation network (its organisations with a tie)."""
    if territory is None:
        raise Problem(422, "paramètre « territoire » : obligatoire pour la vue territoire")
    view = territory_of(svc, territory, BLANK_KM, 50)
    table = _chosen(territory_tables(view, svc.analytic()), tableau)
    ids = [r.id for r in ranking_of(svc, territory).rows]
    return AnalysisExport(ids, table.columns, table.rows)
