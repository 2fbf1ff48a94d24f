"""PTCE and their members (format `ptce`). See docs/formats.md."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from graph.kinds import MemberRole, OrgKind, RelKind
from graph.model import Edge, Node, Provenance
from loaders.base import LoaderOutput
from loaders.formats.common import (
    KnownNodes,
    Table,
    _Collector,
    _kind,
    _membership_attrs,
    _place,
    _required,
    _resolve,
    _role,
    _RowError,
    _when,
    ptce_id,
    read_table,
)

__all__ = ["PTCE_COLUMNS", "load_ptce", "ptce_batch"]

PTCE_COLUMNS: Final = ("ptce_id", "ptce_name", "commune", "member", "member_kind", "role", "since")


def load_ptce(path: Path | str, *, provenance: Provenance, known: KnownNodes) -> LoaderOutput:
    """PTCE and their members: one row a member.

    Columns: ptce_id, ptce_name, commune (INSEE code of its seat), member (SIRET or
    `org:` id), member_kind (optional: picks one structure of a SIRET carrying
    several), role (fondateur, animateur, leader, membre), since.
    """
    return ptce_batch(read_table(path, required=PTCE_COLUMNS), provenance=provenance, known=known)


def ptce_batch(table: Table, *, provenance: Provenance, known: KnownNodes) -> LoaderOutput:
    out = _Collector(table)
    for line, row in out.table.rows:
        try:
            pid = ptce_id(_required(row, "ptce_id"))
            name = _required(row, "ptce_name")
            out.same_as_before(line, "ptce_name", pid, name)
            seat = _place(known, row["commune"], "commune")
            out.same_as_before(line, "commune", pid, seat)
            kind = _kind(row["member_kind"], "member_kind")
            role = _role(row["role"], "role", MemberRole)
            since = _when(row, "since")
            members = _resolve(known, row["member"], "member", kind)
            edges = out.new_edges(
                (Edge(m, RelKind.MEMBER_OF, pid, _membership_attrs(role, since)) for m in members), "member"
            )
        except _RowError as e:
            out.reject(line, e)
            continue
        if pid not in out.nodes:
            out.node(Node(pid, OrgKind.PTCE, name))
            located = Edge(pid, RelKind.LOCATED_IN, seat)
            out.edges[located.ident] = located
        out.edges.update((e.ident, e) for e in edges)
    return out.output(provenance)
