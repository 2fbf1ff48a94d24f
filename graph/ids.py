"""Stable identifiers.

Every node id is `family:local`, unique across the graph and identical in every
backend:

- `org:{siret}` an establishment, `org:{siren}` a legal unit,
  `org:{siret}-{kind}` one convention of a structure whose SIRET carries several
  (an ACI and an AI), `org:{slug}` an organisation with no official number;
- `commune:{code INSEE}`, `arrondissement:{code INSEE}`, `epci:{SIREN}`,
  `departement:{code}`, `region:{code}`, `ze:{code ZE2020}`;
- `naf:{code}` as SIRENE writes it (`56.21Z`, `56.21`, `56.2`, `56`) and `naf:{letter}`
  for sections; `rome:{code}`; `secteur:{slug}`; `projet:{slug}`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graph.kinds import PlaceKind

__all__ = [
    "family",
    "is_valid_siren",
    "is_valid_siret",
    "local",
    "luhn_ok",
    "org_id",
    "place_id",
    "slugify",
]

_LA_POSTE_SIREN = "356000000"


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum used by SIREN and SIRET numbers.

    >>> luhn_ok("732829320")
    True
    >>> luhn_ok("732829321")
    False
    """
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def is_valid_siren(value: str) -> bool:
    """Nine digits passing the Luhn check.

    >>> is_valid_siren("807469317")
    True
    """
    return len(value) == 9 and value.isdigit() and luhn_ok(value)


def is_valid_siret(value: str) -> bool:
    """Fourteen digits passing the Luhn check; La Poste's establishments
    (SIREN 356 000 000) follow their own rule: the digits sum to a multiple of 5.

    >>> is_valid_siret("80746931700018")
    True
    >>> is_valid_siret("80746931700019")
    False
    >>> is_valid_siret("35600000000048")
    True
    """
    if len(value) != 14 or not value.isdigit():
        return False
    if value.startswith(_LA_POSTE_SIREN):
        return luhn_ok(value) or sum(int(c) for c in value) % 5 == 0
    return luhn_ok(value)


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by hyphens.

    >>> slugify("Atelier Panier de la Mer — Fécamp")
    'atelier-panier-de-la-mer-fecamp'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def org_id(local_part: str) -> str:
    return f"org:{local_part}"


def place_id(kind: PlaceKind, code: str) -> str:
    """The node id of a place.

    >>> from graph.kinds import PlaceKind
    >>> place_id(PlaceKind.ARRONDISSEMENT, "75112")
    'arrondissement:75112'
    """
    return f"{kind.id_family}:{code}"


def family(node_id: str) -> str:
    """The family prefix of an id.

    >>> family("commune:10387")
    'commune'
    """
    head, sep, _ = node_id.partition(":")
    if not sep or not head:
        raise ValueError(f"node id without a family prefix: {node_id!r}")
    return head


def local(node_id: str) -> str:
    return node_id.partition(":")[2]
