"""/api/v1/export/{view}: a file of a view (ego network, search, map, club, territory,
centrality)."""

from __future__ import annotations

import csv
import io
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from api.web.analysis_exports import centrality_export, club_export, territory_export
from api.web.problems import Problem
from api.web.routes_map import compute_map
from api.web.services import Services, services
from graph.interchange import ExportFormat, export
from graph.kinds import RelKind
from queries.ego import ORGANISATION_RELATIONS, ego_network
from queries.network_overview import Measure
from queries.view_export import view_source

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["exports"])

Svc = Annotated[Services, Depends(services)]


class View(StrEnum):
    VOISINAGE = "voisinage"
    RECHERCHE = "recherche"
    CARTE = "carte"
    CLUB = "club"
    TERRITOIRE = "territoire"
    CENTRALITE = "centralite"


class Format(StrEnum):
    CSV = "csv"
    GRAPHML = "graphml"
    GEXF = "gexf"
    TURTLE = "turtle"
    NTRIPLES = "ntriples"
    JSONLD = "jsonld"


_GRAPH_FORMATS = {
    Format.GRAPHML: (ExportFormat.GRAPHML, "application/graphml+xml", "graphml"),
    Format.GEXF: (ExportFormat.GEXF, "application/gexf+xml", "gexf"),
    Format.TURTLE: (ExportFormat.TURTLE, "text/turtle; charset=utf-8", "ttl"),
    Format.NTRIPLES: (ExportFormat.NTRIPLES, "application/n-triples", "nt"),
    Format.JSONLD: (ExportFormat.JSONLD, "application/ld+json", "jsonld"),
}


def _csv(header: list[str], rows: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _file(data: bytes, media_type: str, name: str) -> Response:
    return Response(
        data, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/export/{view}", summary="Exporter une vue", response_class=Response)
def export_view(
    view: View,
    svc: Svc,
    format: Annotated[
        Format, Query(description="csv, graphml, gexf, turtle, ntriples, jsonld.")
    ] = Format.CSV,
    id: Annotated[str | None, Query(description="voisinage : l'acteur au centre ; club : le club.")] = None,
    depth: Annotated[int, Query(ge=1, le=3, description="voisinage : profondeur (1 à 3).")] = 1,
    rel: Annotated[list[RelKind] | None, Query(description="voisinage : relations suivies.")] = None,
    q: Annotated[str, Query(description="recherche : le texte cherché.")] = "",
    kind: Annotated[list[str] | None, Query(description="recherche, carte, centralite : type(s).")] = None,
    territoire: Annotated[
        str | None, Query(description="recherche, carte, centralite : lieu ; territoire : le territoire.")
    ] = None,
    famille: Annotated[
        Literal["org", "place"] | None, Query(description="recherche : acteurs ou lieux.")
    ] = None,
    bbox: Annotated[str | None, Query(description="carte : minlon,minlat,maxlon,maxlat.")] = None,
    tableau: Annotated[
        str | None, Query(description="club, territoire : le tableau exporté en CSV (défaut : le premier).")
    ] = None,
    mesure: Annotated[Measure, Query(description="centralite : le classement.")] = "pagerank",
) -> Response:
    """La vue nommée, avec les mêmes paramètres que sa route : `voisinage` (réseau autour
    de `id`), `recherche` (résultats de `/search`), `carte` (points de `/map`), `club`
    (vue du club `id`), `territoire` (vue de `territoire`), `centralite` (classement de
    `/centrality`, entier). CSV : une ligne par relation (voisinage), par acteur, ou le
    tableau `tableau` de la vue (club, territoire) ; GraphML, GEXF : nœuds et relations
    entre eux (club : le club et ses membres ; territoire, centralite : les organisations
    liées du territoire) ; Turtle, N-Triples, JSON-LD : les faits de ses nœuds."""
    rels: set[str] | None = None
    table: list[list[object]]
    if view in (View.CLUB, View.TERRITOIRE, View.CENTRALITE):
        if view is View.CLUB:
            found = club_export(svc, id, tableau)
        elif view is View.TERRITOIRE:
            found = territory_export(svc, territoire, tableau)
        else:
            found = centrality_export(svc, territoire, mesure, kind)
        ids, header = found.ids, found.header
        table = [list(r) for r in found.rows]
    elif view is View.VOISINAGE:
        if id is None:
            raise Problem(422, "paramètre « id » : obligatoire pour la vue voisinage")
        chosen = frozenset(rel) if rel else ORGANISATION_RELATIONS
        network = ego_network(
            svc.store, id, depth=depth, rels=chosen, max_nodes=svc.settings.max_network_nodes
        )
        if network is None:
            raise Problem(404, f"aucun nœud d'identifiant « {id} »")
        ids = [n.id for n in network.nodes]
        rels = {r.value for r in chosen}
        names = {n.id: n.name for n in network.nodes}
        header = ["source", "source_nom", "relation", "relation_libelle", "cible", "cible_nom", "cle", "jeux"]
        table = [
            [
                e.source,
                names[e.source],
                e.rel.value,
                e.rel.label,
                e.target,
                names[e.target],
                e.key,
                " ".join(sorted(e.sources)),
            ]
            for e in network.edges
        ]
    else:
        index = svc.index()
        if view is View.RECHERCHE:
            if territoire is not None and index.get(territoire) is None:
                raise Problem(404, f"territoire inconnu : {territoire}")
            entries = [
                h.entry for h in index.search(q, kinds=kind or (), famille=famille, territory=territoire)
            ]
        else:
            entries = list(compute_map(svc, kind, territoire, bbox).points)
        ids = [e.id for e in entries]
        header = [
            "id",
            "nom",
            "type",
            "type_libelle",
            "siret",
            "commune",
            "latitude",
            "longitude",
            "synthetique",
        ]
        table = [
            [
                e.id,
                e.name,
                e.kind.value,
                e.kind.label,
                e.siret or "",
                e.commune or "",
                e.latitude,
                e.longitude,
                e.synthetic,
            ]
            for e in entries
        ]
    stem = f"maillage-{view.value}"
    if format is Format.CSV:
        return _file(_csv(header, table), "text/csv; charset=utf-8", f"{stem}.csv")
    fmt, media_type, extension = _GRAPH_FORMATS[format]
    source = view_source(svc.store, ids, rels)
    with tempfile.TemporaryDirectory(prefix="maillage-export-") as tmp:
        path = Path(tmp) / f"{stem}.{extension}"
        export(source, path, fmt)
        data = path.read_bytes()
    return _file(data, media_type, f"{stem}.{extension}")
