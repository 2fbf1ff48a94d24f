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

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

from graph.ids import is_valid_siret, slugify
from graph.kinds import CodeKind, MemberRole, OrgKind, PartnershipForm, PartnershipType, RelKind
from graph.model import Batch, Edge, Node, PropValue, Provenance, Rejection
from graph.store import GraphStore
from loaders.base import LoaderOutput
from loaders.sources import open_csv

__all__ = [
    "CLUB_COLUMNS",
    "FABRIQUE_COLUMNS",
    "NATIONAL_NETWORKS",
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

CLUB_COLUMNS: Final = ("club", "departement", "siret", "role", "since")
PTCE_COLUMNS: Final = ("ptce_id", "ptce_name", "commune", "member", "member_kind", "role", "since")
FABRIQUE_COLUMNS: Final = ("fabrique", "carrier", "region", "project", "project_commune", "partners")
NETWORK_COLUMNS: Final = ("network", "member", "since", "inferred")
PARTNERSHIP_COLUMNS: Final = ("from", "to", "form", "subtype", "start", "end", "source")

PARTNER_SEPARATOR: Final = "|"

# The national IAE networks (guide p. 88): key → (id, name), with the ids and names
# of the guide's case studies (data/cas-du-guide.toml) so that both name one node.
# A network file names one by key, id or name; any other network is loaded too, as
# `org:{slug of its name}`, and reported as unresolved.
NATIONAL_NETWORKS: Final[Mapping[str, tuple[str, str]]] = {
    "chantier-ecole": ("org:chantier-ecole", "CHANTIER école"),
    "cnlrq": ("org:cnlrq", "Comité national de liaison des régies de quartier"),
    "cocagne": ("org:reseau-cocagne", "Réseau Cocagne"),
    "coorace": ("org:coorace", "Coorace"),
    "croix-rouge-insertion": ("org:croix-rouge-insertion", "Croix-Rouge insertion"),
    "emmaus-france": ("org:emmaus-france", "Emmaüs France"),
    "envie": ("org:envie", "Envie"),
    "fas": ("org:federation-des-acteurs-de-la-solidarite", "Fédération des acteurs de la solidarité"),
    "fei": ("org:federation-des-entreprises-d-insertion", "Fédération des entreprises d'insertion"),
    "restos-du-coeur": (
        "org:restos-du-coeur-relais-du-coeur",
        "Les Restaurants du Cœur – les Relais du Cœur",
    ),
    "tissons-la-solidarite": ("org:tissons-la-solidarite", "Tissons la solidarité"),
    "unai": ("org:unai", "Union nationale des associations intermédiaires (UNAI)"),
}
_NETWORK_KEYS: Final = {
    **{slugify(name): key for key, (_, name) in NATIONAL_NETWORKS.items()},
    **{node[4:]: key for key, (node, _) in NATIONAL_NETWORKS.items()},
    **{key: key for key in NATIONAL_NETWORKS},
}

_CLUB_ROLES: Final = (MemberRole.LEADER, MemberRole.MEMBRE)
_SIRET_ID: Final = re.compile(r"org:(\d{14})(?:-([A-Za-z]+))?")
_INSEE: Final = re.compile(r"\d[\dAB]\d{3}")
_DEPARTEMENT: Final = re.compile(r"\d{2}|2[AB]|97\d")
_REGION: Final = re.compile(r"\d{2}")
_TRUE: Final = frozenset({"true", "1", "oui", "yes", "vrai"})
_FALSE: Final = frozenset({"false", "0", "non", "no", "faux", ""})
# kinds a SIRET-suffixed structure id may carry (`org:{siret}-{kind}`)
_CONVENTION_KINDS: Final = tuple(sorted(OrgKind.inclusive_employers(), key=str))


# -- the nodes a file may point to -------------------------------------------------


class KnownNodes:
    """The nodes a file may point to: those of earlier batches, and those of a store.

    Ids seen in batches are held in memory; any other id is looked up with `lookup`
    (a store's `node`), once.

    >>> known = KnownNodes(["org:34267885100045-aci", "org:34267885100045-ai", "commune:10387"])
    >>> known.organisations("34267885100045")
    ('org:34267885100045-ai', 'org:34267885100045-aci')
    >>> known.organisations("34267885100045", OrgKind.ACI)
    ('org:34267885100045-aci',)
    >>> "commune:10387" in known, "commune:10388" in known
    (True, False)
    """

    def __init__(self, ids: Iterable[str] = (), *, lookup: Callable[[str], bool] | None = None) -> None:
        self._ids: set[str] = set()
        self._missing: set[str] = set()
        self._by_siret: dict[str, set[str]] = {}
        self._lookup = lookup
        self.update(ids)

    @classmethod
    def of_store(cls, store: GraphStore, ids: Iterable[str] = ()) -> KnownNodes:
        """What `store` holds (looked up on demand), plus `ids`."""
        return cls(ids, lookup=lambda node_id: store.node(node_id) is not None)

    def update(self, ids: Iterable[str]) -> None:
        for node_id in ids:
            self._ids.add(node_id)
            self._missing.discard(node_id)
            match = _SIRET_ID.fullmatch(node_id)
            if match:
                self._by_siret.setdefault(match.group(1), set()).add(node_id)

    def add_batch(self, batch: Batch) -> None:
        self.update(node.id for node in batch.nodes)

    def __contains__(self, node_id: object) -> bool:
        if not isinstance(node_id, str):
            return False
        if node_id in self._ids:
            return True
        if self._lookup is None or node_id in self._missing:
            return False
        if self._lookup(node_id):
            self.update([node_id])
            return True
        self._missing.add(node_id)
        return False

    def organisations(self, ref: str, kind: OrgKind | None = None) -> tuple[str, ...]:
        """The ids a SIRET or an id stands for; empty when the graph has none.

        With `kind`, a SIRET carrying a structure of that kind names that one only.
        """
        if ref.startswith("org:"):
            return (ref,) if ref in self else ()
        if kind is not None:
            for suffix in (kind.value.lower(), kind.value):
                if f"org:{ref}-{suffix}" in self:
                    return (f"org:{ref}-{suffix}",)
        if f"org:{ref}" in self:
            return (f"org:{ref}",)
        if not self._by_siret.get(ref) and self._lookup is not None:
            for convention in _CONVENTION_KINDS:  # probing the store adds what it holds
                _ = f"org:{ref}-{convention.value.lower()}" in self
        return tuple(sorted(self._by_siret.get(ref, ()), key=lambda i: (len(i), i)))


# -- reading ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Table:
    """A CSV file read whole: its columns and its rows, each with the line it starts on
    (the header is line 1). Values are stripped of surrounding spaces."""

    file: str
    columns: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, str]], ...]
    malformed: tuple[Rejection, ...] = ()


def read_table(path: Path | str, *, required: Sequence[str]) -> Table:
    """Read a whole CSV file with the shared reader (`loaders.sources.open_csv`: UTF-8
    with or without BOM, `,` or `;`), so that nothing is built from a file that turns
    out to be unreadable half-way. Raises `LoaderError` on a missing column or a
    wrong encoding."""
    path = Path(path)
    source = open_csv(path, required=required)
    rows = tuple(source)
    return Table(path.name, source.columns, rows, tuple(source.malformed))


# -- values -----------------------------------------------------------------------


class _RowError(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def parse_when(value: str) -> date | None:
    """A date (`2019-03-01`), a year alone (`2019`, read as 1 January: `since` and
    `until` are always `xsd:date`), or nothing.

    >>> parse_when("2019-03-01"), parse_when("2019"), parse_when("")
    (datetime.date(2019, 3, 1), datetime.date(2019, 1, 1), None)
    """
    if not value:
        return None
    if re.fullmatch(r"\d{4}", value):
        return date(int(value), 1, 1)
    try:
        return date.fromisoformat(value)
    except ValueError as e:
        raise ValueError(f"not a date (YYYY-MM-DD) nor a year: {value!r}") from e


def _when(row: Mapping[str, str], column: str) -> date | int | None:
    try:
        return parse_when(row[column])
    except ValueError as e:
        raise _RowError(column, str(e)) from e


def _sort_key(when: date | int) -> date:
    return date(when, 1, 1) if isinstance(when, int) else when


def _org_ref(value: str, column: str) -> str:
    """A SIRET (spaces and dots removed) or an `org:` id."""
    if not value:
        raise _RowError(column, "empty: a SIRET or an id (org:…) is needed")
    if value.startswith("org:"):
        if len(value) == 4:
            raise _RowError(column, f"empty id: {value!r}")
        return value
    digits = re.sub(r"[\s.]", "", value)
    if not digits.isdigit() or len(digits) != 14:
        raise _RowError(column, f"not a SIRET (14 digits) nor an id (org:…): {value!r}")
    if not is_valid_siret(digits):
        raise _RowError(column, f"invalid SIRET {value}: the Luhn check fails")
    return digits


def _resolve(known: KnownNodes, value: str, column: str, kind: OrgKind | None = None) -> tuple[str, ...]:
    ref = _org_ref(value, column)
    found = known.organisations(ref, kind)
    if not found:
        what = ref if ref.startswith("org:") else f"SIRET {ref}"
        raise _RowError(column, f"unknown organisation: the graph holds no {what}")
    return found


def _kind(value: str, column: str) -> OrgKind | None:
    if not value:
        return None
    for kind in OrgKind:
        if value.lower() in (kind.value.lower(), kind.name.lower()):
            return kind
    raise _RowError(column, f"unknown kind {value!r}; one of {', '.join(k.value for k in OrgKind)}")


def _role(value: str, column: str, allowed: Iterable[MemberRole]) -> MemberRole:
    allowed = tuple(allowed)
    role = value.lower() or MemberRole.MEMBRE.value
    if role not in {r.value for r in allowed}:
        raise _RowError(column, f"unknown role {value!r}; one of {', '.join(r.value for r in allowed)}")
    return MemberRole(role)


def _place(known: KnownNodes, value: str, column: str) -> str:
    """A commune or municipal arrondissement by its INSEE code."""
    if not _INSEE.fullmatch(value):
        raise _RowError(column, f"not an INSEE commune code: {value!r}")
    for fam in ("commune", "arrondissement"):
        if f"{fam}:{value}" in known:
            return f"{fam}:{value}"
    raise _RowError(column, f"unknown commune {value}: not in the graph")


def _bool(value: str, column: str) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise _RowError(column, f"not a boolean (true/false): {value!r}")


def _required(row: Mapping[str, str], column: str) -> str:
    value = row[column]
    if not value:
        raise _RowError(column, "empty")
    return value


def _membership_attrs(role: MemberRole, since: date | int | None, **extra: PropValue) -> dict[str, PropValue]:
    attrs: dict[str, PropValue] = {"role": role.value}
    if since is not None:
        attrs["since"] = since
    attrs.update(extra)
    return attrs


# -- ids of what these formats create ---------------------------------------------


def club_id(departement: str) -> str:
    """One club « Les entreprises s'engagent » per département.

    >>> club_id("10")
    'org:club-10'
    """
    return f"org:club-{departement.lower()}"


def ptce_id(value: str) -> str:
    """`org:…` ids are kept; any other text becomes `org:{slug}`, prefixed `ptce-`.

    >>> ptce_id("Coopaxis"), ptce_id("ptce-coopaxis"), ptce_id("org:coopaxis")
    ('org:ptce-coopaxis', 'org:ptce-coopaxis', 'org:coopaxis')
    """
    if value.startswith("org:"):
        return value
    slug = slugify(value)
    return f"org:{slug}" if slug.startswith("ptce-") else f"org:ptce-{slug}"


def fabrique_id(name: str) -> str:
    """>>> fabrique_id("Fabrique à initiatives Normandie")
    'org:fabrique-a-initiatives-normandie'
    """
    slug = slugify(name)
    return f"org:{slug}" if slug.startswith("fabrique") else f"org:fabrique-{slug}"


def project_id(name: str, commune: str = "") -> str:
    """>>> project_id("Atelier Panier de la Mer", "76259")
    'projet:atelier-panier-de-la-mer-76259'
    """
    return f"projet:{slugify(f'{name} {commune}')}"


def network_id(value: str) -> tuple[str, str, bool]:
    """(id, name, national) of a network named by key, id or name.

    >>> network_id("fei")
    ('org:federation-des-entreprises-d-insertion', "Fédération des entreprises d'insertion", True)
    >>> network_id("Emmaüs France")
    ('org:emmaus-france', 'Emmaüs France', True)
    >>> network_id("Réseau régional X")
    ('org:reseau-regional-x', 'Réseau régional X', False)
    """
    slug = slugify(value[4:] if value.startswith("org:") else value)
    key = _NETWORK_KEYS.get(slug)
    if key is not None:
        node, name = NATIONAL_NETWORKS[key]
        return node, name, True
    return f"org:{slug}", value, False


# -- the pipeline shared by every format ------------------------------------------


class _Collector:
    """Nodes (first declaration wins), edges (duplicates refused), rejections."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.nodes: dict[str, Node] = {}
        self.edges: dict[tuple[str, str, str, str], Edge] = {}
        self.rejected: list[Rejection] = list(table.malformed)
        self.unresolved: list[Rejection] = []
        self._first: dict[tuple[str, str], tuple[int, str]] = {}

    def node(self, node: Node) -> None:
        self.nodes.setdefault(node.id, node)

    def same_as_before(self, line: int, column: str, owner: str, value: str) -> None:
        """A value repeated on every row of one owner (a club's name) must not change."""
        first = self._first.setdefault((owner, column), (line, value))
        if first[1] != value:
            raise _RowError(
                column, f"{value!r} differs from {first[1]!r} given for {owner} on line {first[0]}"
            )

    def new_edges(self, edges: Iterable[Edge], column: str) -> list[Edge]:
        fresh = [e for e in edges if e.ident not in self.edges]
        if not fresh:
            raise _RowError(column, "duplicate: the same relation is on an earlier line")
        return fresh

    def reject(self, line: int, error: _RowError) -> None:
        self.rejected.append(Rejection(self.table.file, line, error.field, error.reason))

    def unresolved_at(self, line: int, column: str, reason: str) -> None:
        self.unresolved.append(Rejection(self.table.file, line, column, reason))

    def output(self, provenance: Provenance) -> LoaderOutput:
        batch = Batch(provenance, tuple(self.nodes.values()), tuple(self.edges.values()))
        return LoaderOutput(batch, len(self.table.rows), self.rejected, self.unresolved)


# -- club memberships -------------------------------------------------------------


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
                raise _RowError("departement", f"unknown département {row['departement']!r}")
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


# -- PTCE -------------------------------------------------------------------------


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


# -- Fabriques à initiatives ------------------------------------------------------


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
                raise _RowError("region", f"unknown région {row['region']!r}")
            out.same_as_before(line, "region", fab, region)
            carriers = _resolve(known, row["carrier"], "carrier")
            out.same_as_before(line, "carrier", fab, row["carrier"])
            project = row["project"]
            commune = (
                _place(known, row["project_commune"], "project_commune") if row["project_commune"] else ""
            )
            if commune and not project:
                raise _RowError("project", "empty, but a project commune is given")
            pid = project_id(project, row["project_commune"]) if project else ""
            if pid and pid in out.nodes:
                raise _RowError("project", "duplicate: the same project is on an earlier line")
            partners: list[str] = []
            for ref in filter(None, (p.strip() for p in row["partners"].split(PARTNER_SEPARATOR))):
                try:
                    partners.extend(_resolve(known, ref, "partners"))
                except _RowError as e:
                    out.unresolved_at(line, "partners", f"partner left out: {e.reason}")
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


# -- network memberships ----------------------------------------------------------


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
                out.unresolved_at(line, "network", f"{name!r} is not one of the national IAE networks")
        out.edges.update((e.ident, e) for e in edges)
    return out.output(provenance)


# -- partnerships -----------------------------------------------------------------


def load_partnerships(path: Path | str, *, provenance: Provenance, known: KnownNodes) -> LoaderOutput:
    """Partnerships between two organisations: one row a partnership.

    Columns: from, to (SIRETs or ids), form (optional, a `PartnershipForm`; must be
    the form of the subtype), subtype (a `PartnershipType`), start, end, source (where
    the partnership is known from). Writes `PARTNER_OF` keyed by subtype, with
    attributes type, form, since (the start), until (the end) and reference.
    """
    return partnerships_batch(
        read_table(path, required=PARTNERSHIP_COLUMNS), provenance=provenance, known=known
    )


def partnerships_batch(table: Table, *, provenance: Provenance, known: KnownNodes) -> LoaderOutput:
    out = _Collector(table)
    forms = {f.value for f in PartnershipForm}
    subtypes = {t.value for t in PartnershipType}
    for line, row in out.table.rows:
        try:
            subtype_text = _required(row, "subtype").lower()
            if subtype_text not in subtypes:
                raise _RowError("subtype", f"unknown partnership subtype {row['subtype']!r}")
            subtype = PartnershipType(subtype_text)
            form_text = row["form"].lower()
            if form_text and form_text not in forms:
                raise _RowError("form", f"unknown partnership form {row['form']!r}")
            if form_text and form_text != subtype.form.value:
                raise _RowError(
                    "form", f"{subtype.value} belongs to the form {subtype.form.value}, not {form_text}"
                )
            start, end = _when(row, "start"), _when(row, "end")
            if start is not None and end is not None and _sort_key(end) < _sort_key(start):
                raise _RowError("end", f"ends ({row['end']}) before it starts ({row['start']})")
            sources = _resolve(known, row["from"], "from")
            targets = _resolve(known, row["to"], "to")
            if set(sources) & set(targets):
                raise _RowError("to", "an organisation cannot be its own partner")
            attrs: dict[str, PropValue] = {"type": subtype.value, "form": subtype.form.value}
            if start is not None:
                attrs["since"] = start
            if end is not None:
                attrs["until"] = end
            if row["source"]:
                attrs["reference"] = row["source"]
            edges = out.new_edges(
                (Edge(s, RelKind.PARTNER_OF, t, attrs, key=subtype.value) for s in sources for t in targets),
                "to",
            )
        except _RowError as e:
            out.reject(line, e)
            continue
        out.edges.update((e.ident, e) for e in edges)
    return out.output(provenance)
