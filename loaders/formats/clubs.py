"""Club memberships « Les entreprises s'engagent » (format `clubs`). See docs/formats.md."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from graph.kinds import OrgKind, RelKind
from graph.model import Edge, Node, Provenance
from loaders.base import LoaderOutput
from loaders.formats.common import (
    _CLUB_ROLES,
    _DEPARTEMENT,
    KnownNodes,
    Table,
    _Collector,
    _membership_attrs,
    _required,
    _resolve,
    _role,
    _RowError,
    _when,
    club_id,
    read_table,
)

__all__ = ["CLUB_COLUMNS", "club_members_batch", "load_club_members"]

CLUB_COLUMNS: Final = ("club", "departement", "siret", "role", "since")


def load_club_members(path: Path | str, *, provenance: Provenance, known: KnownNodes) -> LoaderOutput:
    """Members of the clubs « Les entreprises s'engagent »: one row a member.

    Columns: club (its name), departement, siret (or `org:` id), role (leader or
    membre), since. Writes the clubs `org:club-{departement}`, located in their
    département, and `MEMBER_OF` relations carrying role and since.
    """
    return club_members_batch(read_table(path, required=CLUB_COLUMNS), provenance=provenance, known=known)


def club_members_batch(table: Table, *, provenance: Provenance, known: KnownNodes) -> LoaderOutput:
    out = _Collector(table)
    for line, row in out.table.rows:
        try:
            name = _required(row, "club")
            dep = _required(row, "departement").upper()
            dep = dep.zfill(2) if dep.isdigit() and len(dep) == 1 else dep
            if not _DEPARTEMENT.fullmatch(dep) or f"departement:{dep}" not in known:
                raise _RowError("departement", f"département inconnu : {row['departement']!r}")
            club = club_id(dep)
            out.same_as_before(line, "club", club, name)
            role = _role(row["role"], "role", _CLUB_ROLES)
            since = _when(row, "since")
            members = _resolve(known, row["siret"], "siret")
            edges = out.new_edges(
                (Edge(m, RelKind.MEMBER_OF, club, _membership_attrs(role, since)) for m in members), "siret"
            )
        except _RowError as e:
            out.reject(line, e)
            continue
        if club not in out.nodes:
            out.node(Node(club, OrgKind.CLUB, name, {"departement": dep}))
            out.edges[(club, RelKind.LOCATED_IN.value, f"departement:{dep}", "")] = Edge(
                club, RelKind.LOCATED_IN, f"departement:{dep}"
            )
        out.edges.update((e.ident, e) for e in edges)
    return out.output(provenance)
