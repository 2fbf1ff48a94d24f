"""The national IAE and disability networks as Le Marché de l'inclusion lists them:
a JSON array of Django fixture rows `{"model": "networks.network", "pk",
"fields": {name, slug, brand, website, created_at, updated_at}}`.

Each network is an organisation of kind `Reseau` with its website (and brand when
one is given). A network the guide already names keeps the guide's id
(`MERGED_WITH_GUIDE`), so both sources describe one node; the others are
`org:{slug}`. The membership of structures in these networks is not published:
the memberships in the graph stay the synthetic ones, flagged as such by their
dataset.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Final

from graph.ids import org_id, slugify
from graph.kinds import OrgKind
from graph.model import Batch, Node, PropValue, Provenance, Rejection
from loaders.base import LoaderOutput
from loaders.sources import read_json_array

__all__ = ["MERGED_WITH_GUIDE", "reseaux_output"]

# Slug of Le Marché de l'inclusion → id of the same network in data/cas-du-guide.toml.
MERGED_WITH_GUIDE: Final[Mapping[str, str]] = {
    "unai": "org:unai",
    "tissons-la-solidarite": "org:tissons-la-solidarite",
    "reseau-envie": "org:envie",
    "reseau-cocagne": "org:reseau-cocagne",
    "federation-des-entreprises-dinsertion": "org:federation-des-entreprises-d-insertion",
    "federation-des-acteurs-de-la-solidarite": "org:federation-des-acteurs-de-la-solidarite",
    "coorace": "org:coorace",
    "comite-national-de-liaison-des-regies-de-quartier": "org:cnlrq",
    "chantier-ecole": "org:chantier-ecole",
}
_MODEL: Final = "networks.network"


def reseaux_output(path: Path, *, dataset: str = "marche-inclusion-reseaux") -> LoaderOutput:
    """One `Reseau` node per fixture row; rows of another model, or without a name,
    are rejected (file, line, field, reason)."""
    rows = read_json_array(path)
    nodes: dict[str, Node] = {}
    rejected: list[Rejection] = []
    latest: date | None = None
    for line, row in rows:
        fields = row.get("fields") if isinstance(row, dict) else None
        if not isinstance(row, dict) or row.get("model") != _MODEL or not isinstance(fields, dict):
            rejected.append(Rejection(path.name, line, "model", f"pas une ligne de fixture {_MODEL}"))
            continue
        name = str(fields.get("name") or "").strip()
        if not name:
            rejected.append(Rejection(path.name, line, "fields.name", "aucun nom"))
            continue
        slug = str(fields.get("slug") or "").strip() or slugify(name)
        node_id = MERGED_WITH_GUIDE.get(slug, org_id(slug))
        if node_id in nodes:
            rejected.append(Rejection(path.name, line, "fields.slug", f"doublon de {node_id}"))
            continue
        props: dict[str, PropValue] = {"source_id": slug}
        for prop, key in (("website", "website"), ("brand", "brand")):
            value = str(fields.get(key) or "").strip()
            if value:
                props[prop] = value
        nodes[node_id] = Node(node_id, OrgKind.RESEAU, name, props)
        updated = str(fields.get("updated_at") or "")[:10]
        try:
            when = date.fromisoformat(updated)
        except ValueError:
            continue
        latest = when if latest is None or when > latest else latest
    provenance = Provenance(
        dataset,
        latest or date(2021, 10, 26),
        title="Réseaux de l'IAE et du handicap, Le Marché de l'inclusion",
    )
    return LoaderOutput(Batch(provenance, list(nodes.values())), len(rows), rejected)
