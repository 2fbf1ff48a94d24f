"""The guide's case studies: a small, hand-written, real dataset (`data/cas-du-guide.toml`).

A pipeline of pure functions: `parse_case_studies` turns TOML text into a checked
`Batch`; `read_case_studies` only adds reading the file. Anything wrong in the file
(an unknown kind, relation or partnership type, an undeclared endpoint, a missing
page, a duplicate id) raises `CaseStudyError` naming the table, the entry index
(0-based, in file order) and the field, e.g. ``relation[3].page: missing``.

The format is documented at the top of the data file and in
`docs/data-cas-du-guide.md`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

from graph.ids import is_valid_siret
from graph.kinds import GmeMode, MemberRole, OrgKind, PartnershipType, PlaceKind, RelKind
from graph.model import Batch, Edge, Node, PropValue, Provenance

__all__ = [
    "DEFAULT_PATH",
    "CaseStudyError",
    "parse_case_studies",
    "read_case_studies",
]

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "cas-du-guide.toml"

Table = Mapping[str, object]
_E = TypeVar("_E", OrgKind, PlaceKind, RelKind, PartnershipType, MemberRole, GmeMode)

_WITH_COORDINATES = frozenset({PlaceKind.COMMUNE, PlaceKind.ARRONDISSEMENT})

_DATASET_FIELDS = frozenset({"source", "title", "date", "synthetic"})
_PLACE_FIELDS = frozenset({"id", "kind", "name", "part_of", "latitude", "longitude"})
_ORG_FIELDS = frozenset({"id", "kind", "name", "siret", "located_in", "page", "note", "website"})
_RELATION_FIELDS = frozenset(
    {"from", "rel", "to", "type", "since", "until", "role", "gme", "mandataire", "share", "page", "note"}
)
_TOP_LEVEL = frozenset({"dataset", "place", "organisation", "relation"})


class CaseStudyError(ValueError):
    """The case-study file is malformed; the message names the entry and the field."""


@dataclass(frozen=True, slots=True)
class _Where:
    """An entry of the file, for error messages: `relation[3]`."""

    table: str
    index: int | None = None

    def error(self, field: str, reason: str) -> CaseStudyError:
        at = self.table if self.index is None else f"{self.table}[{self.index}]"
        return CaseStudyError(f"{at}.{field}: {reason}")


# ----------------------------------------------------------------- field readers


def _check_fields(entry: Table, allowed: frozenset[str], where: _Where) -> None:
    for name in entry:
        if name not in allowed:
            raise where.error(name, f"champ inconnu (un parmi {', '.join(sorted(allowed))})")


def _required(entry: Table, field: str, where: _Where) -> object:
    if field not in entry:
        raise where.error(field, "absent")
    return entry[field]


def _text(value: object, field: str, where: _Where) -> str:
    if not isinstance(value, str) or not value.strip():
        raise where.error(field, f"une chaîne non vide est attendue, trouvé : {value!r}")
    return value


def _req_text(entry: Table, field: str, where: _Where) -> str:
    return _text(_required(entry, field, where), field, where)


def _opt_text(entry: Table, field: str, where: _Where) -> str | None:
    return None if field not in entry else _text(entry[field], field, where)


def _page(entry: Table, where: _Where) -> int:
    value = _required(entry, "page", where)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise where.error("page", f"un numéro de page positif est attendu, trouvé : {value!r}")
    return value


def _number(value: object, field: str, where: _Where) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise where.error(field, f"un nombre est attendu, trouvé : {value!r}")
    return float(value)


def _when(entry: Table, field: str, where: _Where) -> date | None:
    """A TOML date, or a year read as its 1 January (`since` and `until` are always
    `xsd:date`); a date-time is refused."""
    if field not in entry:
        return None
    value = entry[field]
    if isinstance(value, bool | datetime):
        raise where.error(field, f"une année ou une date est attendue, trouvé : {value!r}")
    if isinstance(value, int):
        if not 1800 <= value <= 2100:
            raise where.error(field, f"année invraisemblable : {value}")
        return date(value, 1, 1)
    if isinstance(value, date):
        return value
    raise where.error(field, f"une année ou une date est attendue, trouvé : {value!r}")


def _enum_value(family: type[_E], value: object, field: str, where: _Where) -> _E:
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return family(value)
    except ValueError:
        allowed = ", ".join(member.value for member in family)
        raise where.error(field, f"valeur inconnue {value!r} (une parmi {allowed})") from None


def _entries(document: Table, table: str) -> list[Table]:
    raw = document.get(table, [])
    if not isinstance(raw, list):
        raise _Where(table).error("*", "un tableau de tables est attendu ([[" + table + "]])")
    entries: list[Table] = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise _Where(table, index).error("*", "une table est attendue")
        entries.append(entry)
    return entries


# ----------------------------------------------------------------- pipeline steps


def _provenance(document: Table) -> Provenance:
    raw = document.get("dataset")
    where = _Where("dataset")
    if not isinstance(raw, dict):
        raise where.error("*", "table [dataset] absente")
    _check_fields(raw, _DATASET_FIELDS, where)
    issued = _required(raw, "date", where)
    if isinstance(issued, datetime) or not isinstance(issued, date):
        raise where.error("date", f"une date TOML est attendue, trouvé : {issued!r}")
    synthetic = _required(raw, "synthetic", where)
    if not isinstance(synthetic, bool):
        raise where.error("synthetic", f"true ou false est attendu, trouvé : {synthetic!r}")
    return Provenance(
        source=_req_text(raw, "source", where),
        date=issued,
        synthetic=synthetic,
        title=_req_text(raw, "title", where),
    )


def _claim(node_id: str, field: str, where: _Where, seen: dict[str, str]) -> None:
    if node_id in seen:
        raise where.error(field, f"identifiant en double {node_id!r} (déclaré d'abord en {seen[node_id]})")
    at = where.table if where.index is None else f"{where.table}[{where.index}]"
    seen[node_id] = at


_PlaceRef = tuple[_Where, str, Edge]  # an edge to a place, with where it was written


def _places(entries: Sequence[Table], seen: dict[str, str]) -> tuple[list[Node], list[_PlaceRef]]:
    """Place nodes, and PART_OF edges (their targets are checked once all places are known)."""
    nodes: list[Node] = []
    edges: list[_PlaceRef] = []
    for index, entry in enumerate(entries):
        where = _Where("place", index)
        _check_fields(entry, _PLACE_FIELDS, where)
        node_id = _req_text(entry, "id", where)
        kind = _enum_value(PlaceKind, _required(entry, "kind", where), "kind", where)
        family = kind.id_family
        if not node_id.startswith(family + ":") or node_id == family + ":":
            raise where.error(
                "id", f"l'identifiant d'un {kind.value} doit s'écrire '{family}:…', trouvé : {node_id!r}"
            )
        _claim(node_id, "id", where, seen)
        props: dict[str, PropValue] = {}
        for axis in ("latitude", "longitude"):
            if axis in entry:
                if kind not in _WITH_COORDINATES:
                    raise where.error(
                        axis, f"les coordonnées sont réservées aux communes, pas à un {kind.value}"
                    )
                props[axis] = _number(entry[axis], axis, where)
        if ("latitude" in props) != ("longitude" in props):
            raise where.error("latitude", "latitude et longitude vont ensemble")
        nodes.append(Node(node_id, kind, _req_text(entry, "name", where), props))
        parents = entry.get("part_of", [])
        if not isinstance(parents, list):
            raise where.error("part_of", "une liste d'identifiants de lieux est attendue")
        for parent in parents:
            edges.append((where, "part_of", Edge(node_id, RelKind.PART_OF, _text(parent, "part_of", where))))
    return nodes, edges


def _siret(siret: str, node_id: str, kind: OrgKind, where: _Where) -> str:
    """A valid SIRET that the id is made of (`org:{siret}-{kind}`, as the structures
    list names its structures), so that both sources meet on one node."""
    if not is_valid_siret(siret):
        raise where.error("siret", f"{siret!r} n'est pas un SIRET valide (14 chiffres, clé de Luhn)")
    expected = f"org:{siret}-{kind.value.lower()}"
    if node_id != expected:
        raise where.error(
            "id", f"une organisation de SIRET {siret} doit avoir l'identifiant {expected!r}, pas {node_id!r}"
        )
    return siret


def _organisations(entries: Sequence[Table], seen: dict[str, str]) -> tuple[list[Node], list[_PlaceRef]]:
    nodes: list[Node] = []
    edges: list[_PlaceRef] = []
    for index, entry in enumerate(entries):
        where = _Where("organisation", index)
        _check_fields(entry, _ORG_FIELDS, where)
        node_id = _req_text(entry, "id", where)
        if not node_id.startswith("org:") or node_id == "org:":
            raise where.error(
                "id", f"l'identifiant d'une organisation doit s'écrire 'org:…', trouvé : {node_id!r}"
            )
        _claim(node_id, "id", where, seen)
        kind = _enum_value(OrgKind, _required(entry, "kind", where), "kind", where)
        props: dict[str, PropValue] = {"page": _page(entry, where)}
        for name in ("note", "website"):
            value = _opt_text(entry, name, where)
            if value is not None:
                props[name] = value
        siret = _opt_text(entry, "siret", where)
        if siret is not None:
            props["siret"] = _siret(siret, node_id, kind, where)
        nodes.append(Node(node_id, kind, _req_text(entry, "name", where), props))
        place = _opt_text(entry, "located_in", where)
        if place is not None:
            edges.append((where, "located_in", Edge(node_id, RelKind.LOCATED_IN, place)))
    return nodes, edges


def _relation(entry: Table, where: _Where, org_ids: frozenset[str]) -> Edge:
    _check_fields(entry, _RELATION_FIELDS, where)
    source = _req_text(entry, "from", where)
    target = _req_text(entry, "to", where)
    for field, endpoint in (("from", source), ("to", target)):
        if endpoint not in org_ids:
            raise where.error(field, f"{endpoint!r} n'est pas une organisation déclarée")
    rel = _enum_value(RelKind, _required(entry, "rel", where), "rel", where)
    if rel in (RelKind.LOCATED_IN, RelKind.PART_OF):
        raise where.error("rel", f"{rel.value} vient de located_in / part_of, pas de [[relation]]")
    attrs: dict[str, PropValue] = {"page": _page(entry, where)}
    for field in ("since", "until"):
        when = _when(entry, field, where)
        if when is not None:
            attrs[field] = when

    partnership: PartnershipType | None = None
    if rel is RelKind.PARTNER_OF:
        partnership = _enum_value(PartnershipType, _required(entry, "type", where), "type", where)
        attrs["type"] = partnership.value
        attrs["form"] = partnership.form.value
    elif "type" in entry:
        raise where.error("type", "un type de partenariat ne va qu'avec PARTNER_OF")

    if "role" in entry:
        if rel is not RelKind.MEMBER_OF:
            raise where.error("role", "un rôle ne va qu'avec MEMBER_OF")
        attrs["role"] = _enum_value(MemberRole, entry["role"], "role", where).value
    if "gme" in entry or "mandataire" in entry:
        if partnership is not PartnershipType.COTRAITANCE:
            field = "gme" if "gme" in entry else "mandataire"
            raise where.error(field, "gme et mandataire ne vont qu'avec une cotraitance")
        if "gme" in entry:
            attrs["gme"] = _enum_value(GmeMode, entry["gme"], "gme", where).value
        mandataire = _opt_text(entry, "mandataire", where)
        if mandataire is not None:
            if mandataire not in org_ids:
                raise where.error("mandataire", f"{mandataire!r} n'est pas une organisation déclarée")
            attrs["mandataire"] = mandataire
    if "share" in entry:
        if partnership is not PartnershipType.JVS:
            raise where.error("share", "une part (share) ne va qu'avec une copropriété JVS")
        share = _number(entry["share"], "share", where)
        if not 0.0 < share <= 1.0:
            raise where.error("share", f"une fraction dans ]0, 1] est attendue, trouvé : {share}")
        attrs["share"] = share
    note = _opt_text(entry, "note", where)
    if note is not None:
        attrs["note"] = note
    key = partnership.value if partnership is not None else ""
    return Edge(source, rel, target, attrs, key=key)


def _relations(entries: Sequence[Table], org_ids: frozenset[str]) -> list[Edge]:
    edges: list[Edge] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    for index, entry in enumerate(entries):
        where = _Where("relation", index)
        edge = _relation(entry, where, org_ids)
        if edge.ident in seen:
            raise where.error("to", f"doublon de relation[{seen[edge.ident]}]")
        seen[edge.ident] = index
        edges.append(edge)
    return edges


def _resolve_places(refs: Sequence[_PlaceRef], place_ids: frozenset[str]) -> list[Edge]:
    """LOCATED_IN and PART_OF targets must be declared [[place]] entries."""
    for where, field, edge in refs:
        if edge.target not in place_ids:
            raise where.error(field, f"{edge.target!r} n'est pas un lieu déclaré")
    return [edge for _, _, edge in refs]


# ----------------------------------------------------------------- entry points


def parse_case_studies(text: str) -> Batch:
    """Parse and check the TOML text of a case-study file; return its batch."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise CaseStudyError(f"TOML invalide : {e}") from e
    for name in document:
        if name not in _TOP_LEVEL:
            raise _Where(name).error("*", f"table inconnue (une parmi {', '.join(sorted(_TOP_LEVEL))})")
    provenance = _provenance(document)
    seen: dict[str, str] = {}
    place_nodes, part_of = _places(_entries(document, "place"), seen)
    org_nodes, located_in = _organisations(_entries(document, "organisation"), seen)
    place_ids = frozenset(node.id for node in place_nodes)
    structure = _resolve_places([*part_of, *located_in], place_ids)
    relations = _relations(_entries(document, "relation"), frozenset(node.id for node in org_nodes))
    return Batch(provenance, (*place_nodes, *org_nodes), (*structure, *relations))


def read_case_studies(path: Path = DEFAULT_PATH) -> Batch:
    """Read the case-study file (by default the repository's `data/cas-du-guide.toml`)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CaseStudyError(f"{path}: illisible : {e}") from e
    try:
        return parse_case_studies(text)
    except CaseStudyError as e:
        raise CaseStudyError(f"{path}: {e}") from e
