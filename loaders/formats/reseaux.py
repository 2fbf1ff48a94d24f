"""Network memberships (format `reseaux`). See docs/formats.md."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from graph.kinds import MemberRole, OrgKind, RelKind
from graph.model import Edge, Node, Provenance
from loaders.base import LoaderOutput
from loaders.formats.common import (
    KnownNodes,
    Table,
    _bool,
    _Collector,
    _membership_attrs,
    _required,
    _resolve,
    _RowError,
    _when,
    network_id,
    read_table,
)

__all__ = ["NETWORK_COLUMNS", "load_network_members", "network_members_batch"]

NETWORK_COLUMNS: Final = ("network", "member", "since", "inferred")


def load_network_members(path: Path | str, *, provenance: Provenance, known: KnownNodes) -> LoaderOutput:
    """Memberships of IAE networks: one row a member.

    Columns: network (key, id or name; the national networks have fixed ids, see
    `NATIONAL_NETWORKS`), member (SIRET or id), since, inferred (true when the
    membership was guessed — from a name, from a kind — rather than declared).
    """
    return network_members_batch(
        read_table(path, required=NETWORK_COLUMNS), provenance=provenance, known=known
    )


def network_members_batch(table: Table, *, provenance: Provenance, known: KnownNodes) -> LoaderOutput:
    out = _Collector(table)
    for line, row in out.table.rows:
        try:
            nid, name, national = network_id(_required(row, "network"))
            since = _when(row, "since")
            inferred = _bool(row["inferred"], "inferred")
            members = _resolve(known, row["member"], "member")
            attrs = _membership_attrs(MemberRole.MEMBRE, since, inferred=inferred)
            edges = out.new_edges((Edge(m, RelKind.MEMBER_OF, nid, attrs) for m in members), "member")
        except _RowError as e:
            out.reject(line, e)
            continue
        if nid not in out.nodes:
            out.node(Node(nid, OrgKind.RESEAU, name))
            if not national:
                out.unresolved_at(line, "network", f"{name!r} n'est pas l'un des réseaux nationaux de l'IAE")
        out.edges.update((e.ident, e) for e in edges)
    return out.output(provenance)
