"""Load any list of organisations a user holds, given a mapping from our fields to
the columns of their CSV file.

The mapping is a dict (`{"name": "Raison sociale", "siret": "SIRET"}`) or the text
form of the command line (`name=Raison sociale,siret=SIRET`). Fields:

| field | what | required |
|---|---|---|
| name | the organisation's name | yes |
| siret | 14 digits (spaces and dots allowed), Luhn-checked | no |
| siren | 9 digits, Luhn-checked: the legal unit, for a body with no SIRET at hand | no |
| address, postal_code, commune, code_insee | where it is (commune resolved by `CommuneIndex`) | no |
| latitude, longitude | coordinates, used to resolve the commune when nothing else does | no |
| kind | an `OrgKind` (value, member name or French label, any case); `default_kind` otherwise | no |
| website, note | kept as properties | no |

Ids follow the model: a structure with a convention (an inclusive employer: ACI,
EI, AI, ETTI, EITI, GEIQ, EA, EATT, ESAT, EBE) is its SIRET and its kind
(`org:{siret}-aci`, as the real list names it: a SIRET carrying two conventions is
two nodes), any other organisation `org:{siret}`, else `org:{siren}`, else a slug of
the name followed by the commune code (`org:boulangerie-martin-10387`) or the name
alone when no commune is known (see `organisation_id`). A commune or postal code of
four digits is a code of the départements 01–09 written without its leading zero
(as a spreadsheet writes it): it is padded. Pipeline: read (UTF-8 with or without BOM, `,` or
`;`; encoding and mapped columns checked before anything else, `LoaderError`) →
normalise → validate → `LoaderOutput`. A row with an invalid SIRET, an unknown kind
or no name is rejected with its line and column; a row whose commune cannot be
resolved loads without `LOCATED_IN` and is reported unresolved.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from graph.ids import is_valid_siren, is_valid_siret, slugify
from graph.kinds import OrgKind, RelKind
from graph.model import Batch, Edge, Node, PropValue, Provenance, Rejection
from loaders.base import LoaderError, LoaderOutput
from loaders.formats import read_table
from loaders.geo import CommuneIndex
from loaders.structures import convention_id

__all__ = [
    "FIELDS",
    "load_organisations",
    "organisation_id",
    "organisations_batch",
    "parse_kind",
    "parse_mapping",
]

FIELDS: Final = (
    "name",
    "siret",
    "siren",
    "address",
    "postal_code",
    "commune",
    "code_insee",
    "latitude",
    "longitude",
    "kind",
    "website",
    "note",
)
_KEPT: Final = ("address", "postal_code", "website", "note")


def parse_mapping(text: str) -> dict[str, str]:
    """The mapping written on the command line: `field=Column,field=Column`.

    >>> parse_mapping("name=Raison sociale, siret=SIRET ,commune=Ville")
    {'name': 'Raison sociale', 'siret': 'SIRET', 'commune': 'Ville'}
    """
    mapping: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        field, sep, column = part.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise ValueError(f"entrée de correspondance {part!r} : champ=Colonne attendu")
        mapping[field.strip().lower()] = column.strip()
    return mapping


def _check_mapping(mapping: Mapping[str, str]) -> dict[str, str]:
    unknown = sorted(set(mapping) - set(FIELDS))
    if unknown:
        raise ValueError(
            f"champ(s) inconnu(s) dans la correspondance : {', '.join(unknown)} ; "
            f"champs : {', '.join(FIELDS)}"
        )
    if "name" not in mapping:
        raise ValueError("la correspondance doit dire quelle colonne porte le nom (name=…)")
    return dict(mapping)


def parse_kind(value: str) -> OrgKind | None:
    """An organisation kind by value, member name or French label, in any case.

    >>> parse_kind("aci"), parse_kind("Entreprise adaptée"), parse_kind("boulangerie")
    (<OrgKind.ACI: 'ACI'>, <OrgKind.EA: 'EA'>, None)
    """
    wanted = value.strip().lower()
    for kind in OrgKind:
        if wanted in (kind.value.lower(), kind.name.lower(), kind.label.lower()):
            return kind
    return None


def organisation_id(
    name: str, *, siret: str = "", siren: str = "", code_insee: str = "", kind: OrgKind | None = None
) -> str:
    """The id of an organisation of a user's list.

    >>> organisation_id("Boulangerie Martin", siret="80746931700018")
    'org:80746931700018'
    >>> organisation_id("Boutique Boulot", siret="34267885100045", kind=OrgKind.ACI)
    'org:34267885100045-aci'
    >>> organisation_id("Commune de Troyes", siren="211003876")
    'org:211003876'
    >>> organisation_id("Boulangerie Martin", code_insee="10387")
    'org:boulangerie-martin-10387'
    """
    if siret and kind in OrgKind.inclusive_employers():
        return convention_id(siret, kind)
    if siret:
        return f"org:{siret}"
    if siren:
        return f"org:{siren}"
    return f"org:{slugify(f'{name} {code_insee}')}"


_SEPARATORS: Final = re.compile(r"[\s.\u00a0]")


def load_organisations(
    path: Path | str,
    *,
    mapping: Mapping[str, str] | str,
    provenance: Provenance,
    communes: CommuneIndex,
    default_kind: OrgKind = OrgKind.ENTREPRISE,
) -> LoaderOutput:
    """A user's list of organisations, as nodes located in their communes."""
    try:
        fields = _check_mapping(parse_mapping(mapping) if isinstance(mapping, str) else mapping)
    except ValueError as e:
        raise LoaderError(f"{Path(path).name}: {e}") from e
    table = read_table(path, required=list(dict.fromkeys(fields.values())))
    output = organisations_batch(
        table.file, table.rows, fields, provenance=provenance, communes=communes, default_kind=default_kind
    )
    rejected = sorted([*table.malformed, *output.rejected], key=lambda r: r.line)
    return LoaderOutput(output.batch, output.rows_in + len(table.malformed), rejected, output.unresolved)


def organisations_batch(
    file: str,
    rows: tuple[tuple[int, dict[str, str]], ...],
    mapping: Mapping[str, str],
    *,
    provenance: Provenance,
    communes: CommuneIndex,
    default_kind: OrgKind = OrgKind.ENTREPRISE,
) -> LoaderOutput:
    """The pure part of `load_organisations`: rows (line, column → value) to a batch."""
    nodes: dict[str, Node] = {}
    places: dict[str, Node] = {}
    edges: list[Edge] = []
    rejected: list[Rejection] = []
    unresolved: list[Rejection] = []
    first_line: dict[str, int] = {}

    def value(row: Mapping[str, str], field: str) -> str:
        column = mapping.get(field)
        return row.get(column, "").strip() if column else ""

    for line, row in rows:
        name = value(row, "name")
        if not name:
            rejected.append(
                Rejection(file, line, mapping["name"], "vide : une organisation a besoin d'un nom")
            )
            continue
        siret = _SEPARATORS.sub("", value(row, "siret"))
        if siret and not is_valid_siret(siret):
            why = "clé de Luhn fausse" if siret.isdigit() and len(siret) == 14 else "pas 14 chiffres"
            rejected.append(
                Rejection(file, line, mapping["siret"], f"SIRET invalide {value(row, 'siret')!r} : {why}")
            )
            continue
        siren = _SEPARATORS.sub("", value(row, "siren"))
        if siren and not is_valid_siren(siren):
            rejected.append(
                Rejection(file, line, mapping["siren"], f"SIREN invalide : {value(row, 'siren')!r}")
            )
            continue
        if siret and siren and siret[:9] != siren:
            rejected.append(
                Rejection(file, line, mapping["siren"], f"le SIREN {siren} n'est pas celui du SIRET {siret}")
            )
            continue
        kind = default_kind
        if value(row, "kind"):
            found = parse_kind(value(row, "kind"))
            if found is None:
                rejected.append(
                    Rejection(file, line, mapping["kind"], f"type inconnu : {value(row, 'kind')!r}")
                )
                continue
            kind = found
        latitude, longitude = _coordinate(value(row, "latitude")), _coordinate(value(row, "longitude"))
        code = _padded(value(row, "code_insee"))
        postal = _padded(value(row, "postal_code"))
        commune_name = value(row, "commune")
        match = None
        if code or postal or commune_name or (latitude is not None and longitude is not None):
            match = communes.resolve(
                code_insee=code or None,
                postal_code=postal or None,
                name=commune_name or None,
                latitude=latitude,
                longitude=longitude,
            )
            if match is None:
                given = ", ".join(v for v in (code, postal, commune_name) if v) or "coordonnées"
                column = (
                    mapping.get("code_insee") or mapping.get("commune") or mapping.get("postal_code") or "-"
                )
                unresolved.append(
                    Rejection(
                        file, line, column, f"aucune commune trouvée pour {given} : chargée sans commune"
                    )
                )
        located_code = match.node_id.partition(":")[2] if match else ""
        node_id = organisation_id(name, siret=siret, siren=siren, code_insee=located_code, kind=kind)
        if node_id in first_line:
            column = (
                mapping["siret"]
                if siret
                else mapping.get("siren", mapping["name"])
                if siren
                else mapping["name"]
            )
            rejected.append(
                Rejection(file, line, column, f"doublon de la ligne {first_line[node_id]} ({node_id})")
            )
            continue
        first_line[node_id] = line
        props: dict[str, PropValue] = {}
        if siret:
            props["siret"] = siret
            props["siren"] = siret[:9]
        elif siren:
            props["siren"] = siren
        props.update({field: value(row, field) for field in _KEPT if value(row, field)})
        if postal:
            props["postal_code"] = postal
        if latitude is not None and longitude is not None:
            props["latitude"], props["longitude"] = latitude, longitude
        nodes[node_id] = Node(node_id, kind, name, props)
        if match is not None:
            edges.append(Edge(node_id, RelKind.LOCATED_IN, match.node_id))
            if match.node_id not in places:
                places[match.node_id] = communes.stub(match.node_id)
    batch = Batch(provenance, [*nodes.values(), *places.values()], edges)
    return LoaderOutput(batch, len(rows), rejected, unresolved)


def _padded(code: str) -> str:
    """A commune or postal code of the départements 01–09 written without its zero.

    >>> _padded("1053"), _padded("01053"), _padded("2A004"), _padded("")
    ('01053', '01053', '2A004', '')
    """
    return code.zfill(5) if len(code) == 4 and code.isdigit() else code


def _coordinate(text: str) -> float | None:
    try:
        return float(text.replace(",", ".")) if text else None
    except ValueError:
        return None
