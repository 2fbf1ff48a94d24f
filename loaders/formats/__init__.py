"""Our own CSV formats, for what no producer publishes: club memberships, PTCE and
their members, Fabriques à initiatives and their projects, network memberships,
partnerships.

Each format is documented in `docs/formats.md` with an example in `docs/examples/`.
Every loader is a pipeline: read (encoding and header checked before anything else,
`LoaderError` if they are wrong) → normalise each row → validate it against the nodes
the graph already holds (`KnownNodes`) → a `LoaderOutput`. A row that fails is left
out and reported with its file, line, field and reason; the rest loads.

Organisations are named by SIRET or by id (`org:…`). A SIRET names the establishment
`org:{siret}` when the graph has it, else every structure `org:{siret}-{kind}` that
SIRET carries (an ACI and an AI of one establishment are both members of its club).
An organisation the graph does not hold cannot be pointed to: the store refuses
relations to unknown nodes, so such a row is rejected.
"""

from loaders.formats.clubs import CLUB_COLUMNS, club_members_batch, load_club_members
from loaders.formats.common import (
    NATIONAL_NETWORKS,
    PARTNER_SEPARATOR,
    KnownNodes,
    Table,
    club_id,
    fabrique_id,
    network_id,
    parse_when,
    project_id,
    ptce_id,
    read_table,
)
from loaders.formats.fabriques import FABRIQUE_COLUMNS, fabriques_batch, load_fabriques
from loaders.formats.partenariats import PARTNERSHIP_COLUMNS, load_partnerships, partnerships_batch
from loaders.formats.ptce import PTCE_COLUMNS, load_ptce, ptce_batch
from loaders.formats.reseaux import NETWORK_COLUMNS, load_network_members, network_members_batch

__all__ = [
    "CLUB_COLUMNS",
    "FABRIQUE_COLUMNS",
    "NATIONAL_NETWORKS",
    "PARTNER_SEPARATOR",
    "NETWORK_COLUMNS",
    "PARTNERSHIP_COLUMNS",
    "PTCE_COLUMNS",
    "KnownNodes",
    "Table",
    "club_id",
    "club_members_batch",
    "fabrique_id",
    "fabriques_batch",
    "load_club_members",
    "load_fabriques",
    "load_network_members",
    "load_partnerships",
    "load_ptce",
    "network_id",
    "network_members_batch",
    "parse_when",
    "partnerships_batch",
    "project_id",
    "ptce_batch",
    "ptce_id",
    "read_table",
]
