"""Where a DECP contract is carried out: `lieuExecution {code, typeCode, nom}` to a
département of the COG, and the two small tables this needs.

Sources write the type in several spellings ("Code postal", "CODE POSTAL"); the
code is a département ("75", "2A", "974"), a postal code (its communes give the
département when they all lie in one), a commune INSEE code, or something else
(région, pays, arrondissement, free text), which gives no département.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DepartementIndex", "departement_index"]


@dataclass(frozen=True, slots=True)
class DepartementIndex:
    names: dict[str, str]  # département code → name
    by_postal_code: dict[str, frozenset[str]]  # postal code → départements of its communes
    by_commune: dict[str, str]  # commune INSEE code → département

    def resolve(self, code: str, type_code: str) -> tuple[str | None, str]:
        """The département of a place of execution, and how it was found or why not.

        The declared type is tried first, then what the code looks like: sources
        put postal codes under "Code commune", départements under "Code postal",
        and CEDEX postal codes, which no commune carries, begin with their
        département like any other.

        >>> names = {"75": "Paris", "45": "Loiret"}
        >>> index = DepartementIndex(names, {"75001": frozenset({"75"})}, {"75056": "75"})
        >>> index.resolve("75001", "Code postal"), index.resolve("75", "CODE DEPARTEMENT")
        (('75', 'postal'), ('75', 'departement'))
        >>> index.resolve("45058", "Code postal"), index.resolve("45", "Code postal")
        (('45', 'postal-prefix'), ('45', 'departement'))
        >>> index.resolve("INO", "Code commune")
        (None, "INO n'est ni un département, ni une commune, ni un code postal")
        """
        kind = " ".join(type_code.lower().replace("é", "e").split())
        value = code.strip().upper()
        tries = {
            "code commune": (self._commune, self._postal, self._departement, self._prefix),
            "code postal": (self._postal, self._departement, self._commune, self._prefix),
        }.get(kind, (self._departement, self._postal, self._commune, self._prefix))
        for attempt in tries:
            found = attempt(value)
            if found is not None:
                return found
        return None, f"{code.strip()} n'est ni un département, ni une commune, ni un code postal"

    def _departement(self, value: str) -> tuple[str, str] | None:
        padded = value.zfill(2) if value.isdigit() and len(value) == 1 else value
        return (padded, "departement") if padded in self.names else None

    def _postal(self, value: str) -> tuple[str, str] | None:
        found = self.by_postal_code.get(value, frozenset())
        return (next(iter(found)), "postal") if len(found) == 1 and found <= self.names.keys() else None

    def _commune(self, value: str) -> tuple[str, str] | None:
        dep = self.by_commune.get(value)
        return (dep, "commune") if dep in self.names else None

    def _prefix(self, value: str) -> tuple[str, str] | None:
        if not (value.isdigit() and len(value) == 5):
            return None
        head = value[:3] if value.startswith("97") else value[:2]
        if head == "20":
            head = "2A" if value < "20200" else "2B"
        return (head, "postal-prefix") if head in self.names else None


def departement_index(geo_dir: Path) -> DepartementIndex:
    """The index of the COG files `departements.json` and `communes.json` of `geo_dir`:
    the 101 départements (zones `metro` and `drom`, as `loaders.geo` loads them); a
    collectivité d'outre-mer gives no département."""
    departements = json.loads((geo_dir / "departements.json").read_text(encoding="utf-8"))
    communes = json.loads((geo_dir / "communes.json").read_text(encoding="utf-8"))
    postal: dict[str, set[str]] = defaultdict(set)
    by_commune: dict[str, str] = {}
    for commune in communes:
        dep = commune.get("departement")
        if not dep:
            continue
        by_commune.setdefault(str(commune["code"]), str(dep))
        for code in commune.get("codesPostaux") or ():
            postal[str(code)].add(str(dep))
    return DepartementIndex(
        {str(d["code"]): str(d["nom"]) for d in departements if d.get("zone") in ("metro", "drom")},
        {k: frozenset(v) for k, v in postal.items()},
        by_commune,
    )
