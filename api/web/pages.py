"""The explorer's French pages: HTML shells and static files, served by the API's app.

Each page is a template of `visual/web/templates/` whose script reads the REST API
(`/api/v1/...`, see docs/web.md) in the browser; nothing here reads a store. The
JavaScript libraries are vendored under `visual/web/static/vendor/` (tools/vendor-js.sh),
so the pages need no network. The map's tile server is a setting: the environment
variable `MAILLAGE_TUILES` (an `{z}/{x}/{y}` URL template; empty for none, the map then
shows its points on a plain background), OpenStreetMap by default.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from graph.kinds import CodeKind, NodeKind, OrgKind, PlaceKind, RelKind
from loaders.nomenclatures import NAF_SECTIONS
from queries.ego import ORGANISATION_RELATIONS
from queries.partners import Objective
from visual.palette import LEGEND, kind_colour

__all__ = ["DEFAULT_TILES", "STATIC_DIR", "TEMPLATES_DIR", "router", "tile_server"]

WEB_DIR = Path(__file__).resolve().parents[2] / "visual" / "web"
STATIC_DIR = WEB_DIR / "static"
TEMPLATES_DIR = WEB_DIR / "templates"

DEFAULT_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
TILES_ATTRIBUTION = "© les contributeurs d'OpenStreetMap"

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=TEMPLATES_DIR)

# The ego network's filters, in RelKind order: relations between organisations
# (places and codes are facets).
EGO_FILTERS = tuple(r for r in RelKind if r in ORGANISATION_RELATIONS)

# The candidates' objectives as a person would choose them.
OBJECTIVES: dict[Objective, str] = {
    Objective.RECRUTEMENT: "Recruter (emploi durable des salariés en insertion)",
    Objective.ACHAT: "Acheter (achats responsables)",
    Objective.SOUS_TRAITANCE: "Sous-traiter",
    Objective.COTRAITANCE: "Répondre en cotraitance",
    Objective.COENTREPRISE: "Créer une coentreprise (joint-venture sociale)",
    Objective.MECENAT: "Mécénat de compétences",
}
_MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}


def tile_server() -> str:
    """The map's tile URL template (`MAILLAGE_TUILES`), empty when the map has no tiles.

    >>> os.environ.pop("MAILLAGE_TUILES", None) and None
    >>> tile_server() == DEFAULT_TILES
    True
    """
    return os.environ.get("MAILLAGE_TUILES", DEFAULT_TILES).strip()


def _client_settings() -> dict[str, Any]:
    """What every page's script needs: colours and labels of kinds, relations, tiles."""
    kinds: list[NodeKind] = [*OrgKind, *PlaceKind, *CodeKind]
    return {
        "kinds": {k.value: {"label": k.label, "colour": kind_colour(k.value)} for k in kinds},
        "legend": [{"label": label, "colour": colour} for label, colour in LEGEND],
        "relations": [{"id": r.value, "label": r.label} for r in EGO_FILTERS],
        "collectives": sorted(k.value for k in OrgKind.collectives()),
        "naf_sections": {s.letter: s.label for s in NAF_SECTIONS},
        "objectives": [{"id": o.value, "label": OBJECTIVES[o]} for o in Objective],
        "tiles": tile_server(),
        "tiles_attribution": TILES_ATTRIBUTION,
    }


def _page(request: Request, template: str, title: str, **context: Any) -> HTMLResponse:
    settings = json.dumps(_client_settings(), ensure_ascii=False).replace("</", "<\\/")
    return templates.TemplateResponse(request, template, {"title": title, "settings": settings, **context})


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return _page(request, "home.html", "Accueil")


@router.get("/acteur/{node_id:path}", response_class=HTMLResponse)
def actor(request: Request, node_id: str) -> HTMLResponse:
    return _page(request, "actor.html", "Acteur", node_id=node_id)


@router.get("/club/{node_id:path}", response_class=HTMLResponse)
def club(request: Request, node_id: str) -> HTMLResponse:
    return _page(request, "view.html", "Club", node_id=node_id, view="clubs", heading="Club")


@router.get("/territoire/{node_id:path}", response_class=HTMLResponse)
def territory(request: Request, node_id: str) -> HTMLResponse:
    return _page(
        request, "view.html", "Territoire", node_id=node_id, view="territories", heading="Territoire"
    )


@router.get("/carte", response_class=HTMLResponse)
def map_page(request: Request) -> HTMLResponse:
    return _page(request, "map.html", "Carte")


@router.get("/vue-ensemble", response_class=HTMLResponse)
def overview(request: Request) -> HTMLResponse:
    return _page(request, "overview.html", "Vue d'ensemble")


@router.get("/static/{path:path}")
def static(path: str) -> FileResponse:
    """A file of visual/web/static; nothing outside it."""
    target = (STATIC_DIR / path).resolve()
    if not target.is_relative_to(STATIC_DIR) or not target.is_file():
        raise HTTPException(status_code=404, detail=f"fichier introuvable : {path}")
    media_type = _MEDIA_TYPES.get(target.suffix, "application/octet-stream")
    return FileResponse(target, media_type=media_type, headers={"Cache-Control": "max-age=3600"})
