"""The machinery every format of loaders.formats shares: the nodes a file may point
to (`KnownNodes`), reading a table with its columns checked, parsing values, the ids
of what the formats create, and the collector a format fills row by row."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

from graph.ids import is_valid_siret, slugify
from graph.kinds import MemberRole, OrgKind
from graph.model import Batch, Edge, Node, PropValue, Provenance, Rejection
from graph.store import GraphStore
from loaders.base import LoaderOutput
from loaders.sources import open_csv

__all__ = [
    "NATIONAL_NETWORKS",
    "PARTNER_SEPARATOR",
    "KnownNodes",
    "Table",
    "club_id",
    "fabrique_id",
    "network_id",
    "parse_when",
    "project_id",
    "ptce_id",
    "read_table",
]


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
        raise ValueError(f"ni une date (AAAA-MM-JJ) ni une année : {value!r}") from e


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
        raise _RowError(column, "vide : un SIRET ou un identifiant (org:…) est attendu")
    if value.startswith("org:"):
        if len(value) == 4:
            raise _RowError(column, f"identifiant vide : {value!r}")
        return value
    digits = re.sub(r"[\s.]", "", value)
    if not digits.isdigit() or len(digits) != 14:
        raise _RowError(column, f"ni un SIRET (14 chiffres) ni un identifiant (org:…) : {value!r}")
    if not is_valid_siret(digits):
        raise _RowError(column, f"SIRET invalide {value} : clé de Luhn fausse")
    return digits


def _resolve(known: KnownNodes, value: str, column: str, kind: OrgKind | None = None) -> tuple[str, ...]:
    ref = _org_ref(value, column)
    found = known.organisations(ref, kind)
    if not found:
        what = ref if ref.startswith("org:") else f"SIRET {ref}"
        raise _RowError(column, f"organisation inconnue : le graphe ne contient aucun {what}")
    return found


def _kind(value: str, column: str) -> OrgKind | None:
    if not value:
        return None
    for kind in OrgKind:
        if value.lower() in (kind.value.lower(), kind.name.lower()):
            return kind
    raise _RowError(column, f"type inconnu {value!r} ; un parmi {', '.join(k.value for k in OrgKind)}")


def _role(value: str, column: str, allowed: Iterable[MemberRole]) -> MemberRole:
    allowed = tuple(allowed)
    role = value.lower() or MemberRole.MEMBRE.value
    if role not in {r.value for r in allowed}:
        raise _RowError(column, f"rôle inconnu {value!r} ; un parmi {', '.join(r.value for r in allowed)}")
    return MemberRole(role)


def _place(known: KnownNodes, value: str, column: str) -> str:
    """A commune or municipal arrondissement by its INSEE code."""
    if not _INSEE.fullmatch(value):
        raise _RowError(column, f"pas un code commune INSEE : {value!r}")
    for fam in ("commune", "arrondissement"):
        if f"{fam}:{value}" in known:
            return f"{fam}:{value}"
    raise _RowError(column, f"commune inconnue {value} : absente du graphe")


def _bool(value: str, column: str) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise _RowError(column, f"pas un booléen (true/false) : {value!r}")


def _required(row: Mapping[str, str], column: str) -> str:
    value = row[column]
    if not value:
        raise _RowError(column, "vide")
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
                column, f"{value!r} diffère de {first[1]!r}, donné pour {owner} à la ligne {first[0]}"
            )

    def new_edges(self, edges: Iterable[Edge], column: str) -> list[Edge]:
        fresh = [e for e in edges if e.ident not in self.edges]
        if not fresh:
            raise _RowError(column, "doublon : la même relation est sur une ligne précédente")
        return fresh

    def reject(self, line: int, error: _RowError) -> None:
        self.rejected.append(Rejection(self.table.file, line, error.field, error.reason))

    def unresolved_at(self, line: int, column: str, reason: str) -> None:
        self.unresolved.append(Rejection(self.table.file, line, column, reason))

    def output(self, provenance: Provenance) -> LoaderOutput:
        batch = Batch(provenance, tuple(self.nodes.values()), tuple(self.edges.values()))
        rows_in = len(self.table.rows) + len(self.table.malformed)  # a ragged row was read too
        return LoaderOutput(batch, rows_in, self.rejected, self.unresolved)
