"""Fabriques à initiatives and their projects (format `fabriques`). See docs/formats.md."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from graph.kinds import CodeKind, OrgKind, RelKind
from graph.model import Edge, Node, Provenance
from loaders.base import LoaderOutput
from loaders.formats.common import (
    _REGION,
    PARTNER_SEPARATOR,
    KnownNodes,
    Table,
    _Collector,
    _place,
    _required,
    _resolve,
    _RowError,
    fabrique_id,
    project_id,
    read_table,
)

__all__ = ["FABRIQUE_COLUMNS", "fabriques_batch", "load_fabriques"]

FABRIQUE_COLUMNS: Final = ("fabrique", "carrier", "region", "project", "project_commune", "partners")


def load_fabriques(path: Path | str, *, provenance: Provenance, known: KnownNodes) -> LoaderOutput:
    """Fabriques à initiatives and the projects they support: one row a project.

    Columns: fabrique (its name), carrier (SIRET or id of the carrying support
    organisation), region (code), project (name; empty for a Fabrique with no
    project yet), project_commune (INSEE code), partners (SIRETs or ids separated
    by `|`). Writes the Fabrique (`LOCATED_IN` its région, `CARRIED_BY` its carrier)
    and each project `SUPPORTED_BY` the Fabrique and by each of its partners (a
    partnership is between organisations; a project is not one). A partner the graph
    does not hold is left out and reported unresolved.
    """
    return fabriques_batch(read_table(path, required=FABRIQUE_COLUMNS), provenance=provenance, known=known)


def fabriques_batch(table: Table, *, provenance: Provenance, known: KnownNodes) -> LoaderOutput:
    out = _Collector(table)
    for line, row in out.table.rows:
        try:
            name = _required(row, "fabrique")
            fab = fabrique_id(name)
            region = _required(row, "region").zfill(2)
            if not _REGION.fullmatch(region) or f"region:{region}" not in known:
                raise _RowError("region", f"région inconnue : {row['region']!r}")
            out.same_as_before(line, "region", fab, region)
            carriers = _resolve(known, row["carrier"], "carrier")
            out.same_as_before(line, "carrier", fab, row["carrier"])
            project = row["project"]
            commune = (
                _place(known, row["project_commune"], "project_commune") if row["project_commune"] else ""
            )
            if commune and not project:
                raise _RowError("project", "vide, alors qu'une commune de projet est donnée")
            pid = project_id(project, row["project_commune"]) if project else ""
            if pid and pid in out.nodes:
                raise _RowError("project", "doublon : le même projet est sur une ligne précédente")
            partners: list[str] = []
            for ref in filter(None, (p.strip() for p in row["partners"].split(PARTNER_SEPARATOR))):
                try:
                    partners.extend(_resolve(known, ref, "partners"))
                except _RowError as e:
                    out.unresolved_at(line, "partners", f"partenaire laissé de côté : {e.reason}")
        except _RowError as e:
            out.reject(line, e)
            continue
        if fab not in out.nodes:
            out.node(Node(fab, OrgKind.FABRIQUE, name))
            for edge in (
                Edge(fab, RelKind.LOCATED_IN, f"region:{region}"),
                *(Edge(fab, RelKind.CARRIED_BY, c) for c in carriers),
            ):
                out.edges[edge.ident] = edge
        if not pid:
            continue
        out.node(Node(pid, CodeKind.PROJET, project))
        project_edges = [Edge(pid, RelKind.SUPPORTED_BY, fab)]
        if commune:
            project_edges.append(Edge(pid, RelKind.LOCATED_IN, commune))
        project_edges += [Edge(pid, RelKind.SUPPORTED_BY, p) for p in sorted(set(partners))]
        out.edges.update((e.ident, e) for e in project_edges)
    return out.output(provenance)
