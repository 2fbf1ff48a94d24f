"""Which names of the DECP may be stored, and which spelling.

- **No personal data**: a holder (titulaire) can be a sole trader whose trade name
  is a person's name ("RENE GIRAUD"). A holder's name is stored only when the name
  itself says it is a legal person: a company form (SA, SAS, SARL, EURL, SCOP,
  SCIC, SNC, SCI, SCP, SEL…, GIE, GAEC…), or a body that is never a natural person
  (association, fondation, fédération, mutuelle, coopérative, syndicat, société,
  établissement public…). Any other name is withheld and the holder is known by
  its identifier only. Known organisations (a matched structure, a public buyer)
  keep the name their own source gives.
- **U+FFFD**: some sources decoded UTF-8 as Latin-1 upstream and replaced the
  accents by U+FFFD ("Soci\ufffdt\ufffd"). The identity stays the SIRET; among the
  names the sources give one SIRET, the first clean one is preferred.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Final

__all__ = ["REPLACEMENT", "best_name", "is_legal_person_name", "legal_form_of"]

REPLACEMENT: Final = "\ufffd"

# Legal forms, as words, on the upper-cased ASCII name.
_FORMS: Final = (
    "SA", "SAS", "SASU", "SARL", "SARLU", "EURL", "SNC", "SCS", "SCA", "SCOP", "SCIC", "SCI", "SCP",
    "SCM", "SEL", "SELARL", "SELAS", "SELAFA", "SELCA", "SELURL", "SEM", "SEML", "SAEML", "SPL", "SPLA",
    "GIE", "GIP", "GAEC", "EARL", "SCEA", "SICA", "CUMA", "SAPL", "EPIC", "EPA",
)  # fmt: skip
# Bodies that are never a natural person.
_BODIES: Final = (
    "ASSOCIATION", "ASSO", "FONDATION", "FEDERATION", "MUTUELLE", "MUTUALITE", "COOPERATIVE",
    "SYNDICAT", "SOCIETE", "STE", "ETABLISSEMENT PUBLIC", "OFFICE PUBLIC", "UNIVERSITE",
    "CENTRE HOSPITALIER", "CHAMBRE DE COMMERCE", "CHAMBRE DE METIERS", "INSTITUTION DE PREVOYANCE",
    "UNION", "LIGUE", "ENTREPRISE ADAPTEE", "ESAT",
)  # fmt: skip
_LEGAL: Final = re.compile(r"\b(" + "|".join(sorted({*_FORMS, *_BODIES}, key=len, reverse=True)) + r")\b")
_DOTTED: Final = re.compile(r"\b([A-Z])\.(?=[A-Z]\b|[A-Z]\.)")


def _folded(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()
    ascii_name = _DOTTED.sub(r"\1", ascii_name)  # "S.A.R.L." → "SARL."
    return re.sub(r"[^A-Z0-9]+", " ", ascii_name)


def legal_form_of(name: str) -> str | None:
    """The company form or kind of body the name states, if any.

    >>> legal_form_of("SAS SHOW VISION ACRO"), legal_form_of("Sarl roggiani")
    ('SAS', 'SARL')
    >>> legal_form_of("S.A.R.L. Dupuis"), legal_form_of("Association Tremplin")
    ('SARL', 'ASSOCIATION')
    >>> legal_form_of("RENE GIRAUD") is None
    True
    """
    found = _LEGAL.search(_folded(name))
    return found.group(1) if found else None


def is_legal_person_name(name: str) -> bool:
    """True when the name itself says the holder is a legal person.

    >>> is_legal_person_name("SA VICTOIRE"), is_legal_person_name("BONAUD")
    (True, False)
    """
    return legal_form_of(name) is not None


def best_name(names: Iterable[str]) -> str:
    """The first non-empty name without U+FFFD, else the first non-empty one.

    >>> best_name(["Soci\ufffdt\ufffd X", "Société X"])
    'Société X'
    >>> best_name(["", "Amplitude Syst\ufffdmes"])
    'Amplitude Syst\ufffdmes'
    """
    given = [n.strip() for n in names if n and n.strip()]
    clean = [n for n in given if REPLACEMENT not in n]
    return (clean or given or [""])[0]
