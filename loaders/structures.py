"""Inclusive structures in the data·inclusion schema v1 `Structure` format (a JSON
array of objects), as Les emplois de l'inclusion publishes its conventioned SIAE,
GEIQ and EA.

Pipeline: `read_json_array` (parse) → `structure_row` (privacy, schema validation
with the PyPI package `data-inclusion-schema`, kind, SIRET: one row → a node or a
rejection) → `structures_output` (identity across rows, commune resolution,
`SAME_ESTABLISHMENT` links, provenance).

- Kind: the one value of `reseaux_porteurs` among aci, ei, ai, etti, eiti, geiq,
  ea, eatt, esat; the others (a network like `emmaus`) are kept in the `reseaux`
  property. None or several kinds → rejected.
- Identity: `org:{siret}-{kind}` for every conventioned structure, so an ACI and an
  AI on one SIRET are two nodes, tied by `SAME_ESTABLISHMENT` from the smaller id
  to the other.
- SIRET: missing → rejected. A SIRET failing the Luhn check is loaded under the id
  the source gives it, with `siret_valid = False`, and reported as unresolved
  (the mirror holds 13 such rows); `strict_siret=True` rejects those rows instead.
- Privacy: `courriel`, `telephone` and any other e-mail or phone field are dropped
  before validation; e-mail addresses and phone numbers inside `description` are
  replaced by `[courriel]` / `[téléphone]`. The description is kept: it is about
  the structure, not about people.
- Commune: `LOCATED_IN` the commune resolved by `CommuneIndex.resolve` (INSEE code,
  arrondissement, former code, postal code + name, name in the département,
  nearest centroid). A row whose INSEE code is missing or unknown is reported as
  unresolved with the outcome, and loads — without `LOCATED_IN` when nothing is
  found. Relations resolved otherwise than by the INSEE code carry `method`
  (and `distance_km` for a centroid). The batch includes a minimal node for each
  commune it points at, so structures load without the geography.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final

import pydantic
from data_inclusion.schema.v1 import Structure

from graph.ids import is_valid_siret
from graph.kinds import OrgKind, RelKind
from graph.model import Batch, Edge, Node, PropValue, Rejection
from loaders.base import LoaderOutput
from loaders.geo import CommuneIndex, CommuneMatch
from loaders.report import progress
from loaders.sources import SHARED_DATA, json_kind, provenance, read_json_array

__all__ = [
    "KIND_OF_RESEAU",
    "StructureRow",
    "convention_id",
    "redact_contacts",
    "siret_index",
    "structure_row",
    "structures_output",
]

KIND_OF_RESEAU: Final[Mapping[str, OrgKind]] = {
    "aci": OrgKind.ACI,
    "ei": OrgKind.EI,
    "ai": OrgKind.AI,
    "etti": OrgKind.ETTI,
    "eiti": OrgKind.EITI,
    "geiq": OrgKind.GEIQ,
    "ea": OrgKind.EA,
    "eatt": OrgKind.EATT,
    "esat": OrgKind.ESAT,
}

_PRIVATE: Final = re.compile(
    r"courriel|e-?mail|mail|t[eé]l[eé]phone|phone|^tel$|portable|mobile", re.IGNORECASE
)
_EMAIL: Final = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE: Final = re.compile(r"(?<!\d)(?:\+33[\s.]?|0)[1-9](?:[\s.-]?\d{2}){4}(?!\d)")


def redact_contacts(text: str) -> str:
    """Replace e-mail addresses and French phone numbers in free text.

    >>> redact_contacts("Écrire à contact@vestali.fr ou appeler le 03.21.44.32.98.")
    'Écrire à [courriel] ou appeler le [téléphone].'
    """
    return _PHONE.sub("[téléphone]", _EMAIL.sub("[courriel]", text))


def convention_id(siret: str, kind: OrgKind) -> str:
    """The node id of one convention of a structure.

    >>> convention_id("80746931700018", OrgKind.EI)
    'org:80746931700018-ei'
    """
    return f"org:{siret}-{kind.value.lower()}"


@dataclass(frozen=True, slots=True)
class StructureRow:
    """A validated row: its node, and what is needed to place it."""

    line: int
    node: Node
    code_insee: str | None
    postal_code: str | None
    commune: str | None
    latitude: float | None
    longitude: float | None
    siret_problem: str | None  # the Luhn failure, reported as unresolved


def _public(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if not _PRIVATE.search(k)}


def _clean(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


# pydantic's error types (pydantic_core ErrorType) in French; the schema's own
# validators already speak French ("Value error, Le nom … ne doit pas …").
_SCHEMA_MESSAGES: Final = {
    "missing": "champ obligatoire absent",
    "string_type": "une chaîne est attendue",
    "string_too_short": "au moins {min_length} caractère(s) attendu(s)",
    "string_too_long": "au plus {max_length} caractère(s) attendu(s)",
    "string_pattern_mismatch": "ne suit pas le motif {pattern}",
    "enum": "doit être l'une des valeurs : {expected}",
    "literal_error": "doit être l'une des valeurs : {expected}",
    "date_type": "une date AAAA-MM-JJ est attendue",
    "date_parsing": "une date AAAA-MM-JJ est attendue",
    "date_from_datetime_parsing": "une date AAAA-MM-JJ est attendue",
    "date_from_datetime_inexact": "une date sans heure est attendue",
    "url_type": "une adresse web est attendue",
    "url_parsing": "pas une adresse web valide",
    "url_scheme": "pas une adresse web valide (http ou https)",
    "value_error": "{error}",
    "float_type": "un nombre est attendu",
    "float_parsing": "un nombre est attendu",
    "int_type": "un nombre entier est attendu",
    "int_parsing": "un nombre entier est attendu",
    "bool_type": "true ou false est attendu",
    "bool_parsing": "true ou false est attendu",
    "list_type": "une liste est attendue",
    "dict_type": "un objet est attendu",
    "model_type": "un objet est attendu",
    "extra_forbidden": "champ non prévu par le schéma",
}


def _schema_message(problem: Mapping[str, Any]) -> str:
    """One pydantic error in French (its English message when its type is not known here)."""
    template = _SCHEMA_MESSAGES.get(problem["type"])
    if template is None:
        return f"valeur refusée : {problem['msg']}"
    ctx = {k: str(v).replace("' or '", "' ou '") for k, v in (problem.get("ctx") or {}).items()}
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template.split(" {")[0]


def _schema_problem(error: pydantic.ValidationError) -> tuple[str, str]:
    problems = error.errors()
    first = problems[0]
    where = ".".join(str(p) for p in first["loc"]) or "-"
    more = f" (et {len(problems) - 1} autre(s))" if len(problems) > 1 else ""
    return where, f"schéma data·inclusion v1 : {_schema_message(first)}{more}"


def structure_row(row: Any, *, file: str, line: int, strict_siret: bool = False) -> StructureRow | Rejection:
    """One source row → a validated structure, or the reason it is rejected."""
    if not isinstance(row, dict):
        return Rejection(file, line, "-", f"un objet est attendu, trouvé : {json_kind(row)}")
    public = _public(row)
    try:
        valid = Structure.model_validate(public)
    except pydantic.ValidationError as e:
        where, reason = _schema_problem(e)
        return Rejection(file, line, where, reason)
    reseaux = sorted(r.value for r in valid.reseaux_porteurs or ())
    kinds = [KIND_OF_RESEAU[r] for r in reseaux if r in KIND_OF_RESEAU]
    if len(kinds) != 1:
        found = ", ".join(reseaux) or "rien"
        reason = "aucun type de structure" if not kinds else "plusieurs types de structure"
        return Rejection(
            file, line, "reseaux_porteurs", f"{reason} ({found}) ; un seul parmi {', '.join(KIND_OF_RESEAU)}"
        )
    kind = kinds[0]
    siret = valid.siret
    if siret is None:
        return Rejection(
            file, line, "siret", "absent : une structure conventionnée est identifiée par son SIRET"
        )
    siret_problem = None
    if not is_valid_siret(siret):
        siret_problem = f"{siret} : clé de Luhn fausse"
        if strict_siret:
            return Rejection(file, line, "siret", siret_problem)
    props: dict[str, PropValue] = {
        "siret": siret,
        "siren": siret[:9],
        "siret_valid": siret_problem is None,
        "source_id": valid.id,
        "date_maj": valid.date_maj,
    }
    address = ", ".join(
        a for a in (_clean(public.get("adresse")), _clean(public.get("complement_adresse"))) if a
    )
    optional: dict[str, PropValue | None] = {
        "address": address or None,
        "postal_code": valid.code_postal,
        "commune_name": _clean(valid.commune),
        "code_insee": valid.code_insee,
        "latitude": valid.latitude,
        "longitude": valid.longitude,
        "website": _clean(public.get("site_web")),
        "description": redact_contacts(valid.description) if valid.description else None,
        "reseaux": ",".join(r for r in reseaux if r not in KIND_OF_RESEAU) or None,
    }
    props.update({k: v for k, v in optional.items() if v is not None})
    node = Node(convention_id(siret, kind), kind, valid.nom.strip(), props)
    return StructureRow(
        line,
        node,
        valid.code_insee,
        valid.code_postal,
        _clean(valid.commune),
        valid.latitude,
        valid.longitude,
        siret_problem,
    )


def _located(match: CommuneMatch, structure: str) -> Edge:
    attrs: dict[str, PropValue] = {}
    if match.method != "insee":
        attrs["method"] = match.method
    if match.distance_km is not None:
        attrs["distance_km"] = match.distance_km
    return Edge(structure, RelKind.LOCATED_IN, match.node_id, attrs)


def _outcome(given: str | None, match: CommuneMatch | None) -> str:
    head = "absent" if not given else f"{given} n'est pas une commune actuelle"
    if match is None:
        return (
            f"{head} ; aucune commune trouvée par code postal, nom ou coordonnées : chargée sans LOCATED_IN"
        )
    if match.method == "former-code":
        return f"{given} est le code d'une ancienne commune ; résolu en {match.node_id}"
    how = {
        "postal-code+name": "par code postal et nom",
        "departement+name": "par nom dans le département du code postal",
        "centroid": f"par le centroïde le plus proche ({match.distance_km} km)",
    }[match.method]
    return f"{head} ; résolu {how} en {match.node_id}"


def structures_output(
    path: Path = SHARED_DATA / "siae/structures-emplois-de-linclusion.json",
    *,
    communes: CommuneIndex,
    dataset: str | None = None,
    as_of: date | None = None,
    strict_siret: bool = False,
) -> LoaderOutput:
    """The structures of a data·inclusion v1 file, with their communes.

    `dataset` defaults to the rows' `source` when they all share one (else
    `data-inclusion`); `as_of` to the latest `date_maj`.
    """
    rows = read_json_array(path)
    file = path.name
    rejected: list[Rejection] = []
    unresolved: list[Rejection] = []
    accepted: list[StructureRow] = []
    first_line: dict[str, int] = {}
    sources: set[str] = set()
    for line, row in progress(rows, desc="structures", unit="row", min_total=1_000):
        result = structure_row(row, file=file, line=line, strict_siret=strict_siret)
        if isinstance(result, Rejection):
            rejected.append(result)
            continue
        node_id = result.node.id
        if node_id in first_line:
            rejected.append(
                Rejection(file, line, "siret", f"doublon de la ligne {first_line[node_id]} ({node_id})")
            )
            continue
        first_line[node_id] = line
        accepted.append(result)
        sources.add(str(row.get("source", "")))

    nodes: list[Node] = []
    edges: list[Edge] = []
    places: dict[str, Node] = {}
    for item in accepted:
        nodes.append(item.node)
        if item.siret_problem:
            unresolved.append(
                Rejection(
                    file,
                    item.line,
                    "siret",
                    f"{item.siret_problem} ; chargée comme {item.node.id} avec siret_valid = false",
                )
            )
        match = communes.resolve(
            code_insee=item.code_insee,
            postal_code=item.postal_code,
            name=item.commune,
            latitude=item.latitude,
            longitude=item.longitude,
        )
        if match is None or match.method != "insee":
            unresolved.append(Rejection(file, item.line, "code_insee", _outcome(item.code_insee, match)))
        if match is not None:
            edges.append(_located(match, item.node.id))
            if match.node_id not in places:
                places[match.node_id] = communes.stub(match.node_id)

    by_siret: dict[str, list[str]] = defaultdict(list)
    for item in accepted:
        by_siret[str(item.node.props["siret"])].append(item.node.id)
    for ids in by_siret.values():
        ordered = sorted(ids)
        for i, first in enumerate(ordered):
            edges.extend(Edge(first, RelKind.SAME_ESTABLISHMENT, other) for other in ordered[i + 1 :])

    slug = dataset or (sources.pop() if len(sources) == 1 and "" not in sources else "data-inclusion")
    latest = max((item.node.props["date_maj"] for item in accepted), default=None)
    when = as_of or (latest if isinstance(latest, date) else None)
    batch = Batch(provenance(slug, as_of=when, path=path), [*nodes, *places.values()], edges)
    return LoaderOutput(batch, len(rows), rejected, unresolved)


def siret_index(nodes: Iterable[Node]) -> dict[str, list[Node]]:
    """The inclusive structures among `nodes` by SIRET: what `sirene_output` needs.

    Build it from a structures output (`output.batch.nodes`) or from a store
    (`store.subgraph().nodes`).
    """
    index: dict[str, list[Node]] = defaultdict(list)
    employers = OrgKind.inclusive_employers()
    for node in nodes:
        siret = node.props.get("siret")
        if isinstance(siret, str) and node.kind in employers:
            index[siret].append(node)
    return {k: sorted(v, key=lambda n: n.id) for k, v in index.items()}
