"""SIRENE establishments: INSEE's `StockEtablissement` CSV, with its published
column names.

Pipeline: `open_csv` (parse, required columns checked) → `sirene_row` (one row → a
validated establishment or a rejection) → `sirene_output` (identity, sector,
commune, provenance `insee-sirene`).

- Identity: a SIRET held by inclusive structures (`structures`, from
  `structures.siret_index`) adds to each of them — same id, same kind, same name —
  the establishment's state and sector, so the structure stays one node with both
  sources. Any other SIRET becomes an `Entreprise` node `org:{siret}`, located in
  its commune (`codeCommuneEtablissement`).
- State: `etatAdministratifEtablissement` `F` → `state = "closed"`, `closed = True`;
  `A` → `state = "active"`, `closed = False`.
- `trancheEffectifsEtablissement` → `size_band` (INSEE's code) when given and not `NN`.
- Sector: `IN_SECTOR` to `naf:{activitePrincipaleEtablissement}` when it is a NAF
  rév. 2 sous-classe of `naf` (codes are upper-cased: `78.20z` → `78.20Z`); an
  empty or unknown code is reported as unresolved and the row still loads.
- Privacy: establishments with `statutDiffusionEtablissement = P` (partially
  diffusible, mostly individuals) get no name and no address.
- A SIRET seen twice: the first row counts, the next ones are rejected as
  duplicates (INSEE's stock has one row per SIRET).

The batch includes minimal nodes for the communes and NAF sous-classes it points
at. Load order: geography → nomenclatures → structures → SIRENE (the SIRET index
comes from the structures).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

from graph.ids import is_valid_siret
from graph.kinds import CodeKind, OrgKind, RelKind
from graph.model import Batch, Edge, Node, PropValue, Rejection
from loaders.base import LoaderOutput
from loaders.geo import CommuneIndex
from loaders.report import progress
from loaders.sources import SHARED_DATA, open_csv, provenance

__all__ = ["REQUIRED_COLUMNS", "Establishment", "sirene_output", "sirene_row"]

REQUIRED_COLUMNS: Final = (
    "siret",
    "etatAdministratifEtablissement",
    "activitePrincipaleEtablissement",
    "codeCommuneEtablissement",
    "trancheEffectifsEtablissement",
)
_STATES: Final = {"A": "active", "F": "closed"}


@dataclass(frozen=True, slots=True)
class Establishment:
    """A validated SIRENE row."""

    line: int
    siret: str
    state: str  # active | closed
    naf: str  # upper-cased, "" when empty
    naf_nomenclature: str
    code_commune: str
    size_band: str | None
    name: str | None
    address: str | None
    postal_code: str | None

    def props(self) -> dict[str, PropValue]:
        props: dict[str, PropValue] = {
            "siret": self.siret,
            "siren": self.siret[:9],
            "state": self.state,
            "closed": self.state == "closed",
        }
        if self.size_band:
            props["size_band"] = self.size_band
        return props


def _join(*parts: str) -> str | None:
    text = " ".join(p for p in parts if p)
    return text or None


def sirene_row(row: Mapping[str, str], *, file: str, line: int) -> Establishment | Rejection:
    """One `StockEtablissement` row → an establishment, or the reason it is rejected."""
    siret = row["siret"].replace(" ", "")
    if len(siret) != 14 or not siret.isdigit():
        return Rejection(file, line, "siret", f"pas 14 chiffres : {row['siret']!r}")
    state_code = row["etatAdministratifEtablissement"].upper()
    if state_code not in _STATES:
        return Rejection(
            file,
            line,
            "etatAdministratifEtablissement",
            f"A ou F attendu, trouvé : {state_code or 'rien'!r}",
        )
    band = row["trancheEffectifsEtablissement"]
    hidden = row.get("statutDiffusionEtablissement", "").upper() == "P"
    name = (
        None if hidden else (row.get("enseigne1Etablissement") or row.get("denominationUsuelleEtablissement"))
    )
    address = None
    if not hidden:
        address = _join(
            row.get("numeroVoieEtablissement", ""),
            row.get("indiceRepetitionEtablissement", ""),
            row.get("typeVoieEtablissement", ""),
            row.get("libelleVoieEtablissement", ""),
        )
    return Establishment(
        line=line,
        siret=siret,
        state=_STATES[state_code],
        naf=row["activitePrincipaleEtablissement"].upper(),
        naf_nomenclature=row.get("nomenclatureActivitePrincipaleEtablissement", ""),
        code_commune=row["codeCommuneEtablissement"],
        size_band=band if band and band.upper() != "NN" else None,
        name=name or None,
        address=address,
        postal_code=(row.get("codePostalEtablissement") or None) if not hidden else None,
    )


def sirene_output(
    path: Path = SHARED_DATA / "siae/sirene-etablissements-siae.csv",
    *,
    structures: Mapping[str, Sequence[Node]],
    naf: Mapping[str, str],
    communes: CommuneIndex,
    as_of: date | None = None,
) -> LoaderOutput:
    """Establishments: state and sector of the known structures, `Entreprise` nodes
    for the others.

    `structures` maps a SIRET to its structure nodes (`structures.siret_index`);
    `naf` maps NAF rév. 2 sous-classe codes to labels (`nomenclatures.naf_labels`).
    """
    source = open_csv(path, required=REQUIRED_COLUMNS)
    file = path.name
    rejected: list[Rejection] = []
    unresolved: list[Rejection] = []
    nodes: list[Node] = []
    edges: list[Edge] = []
    stubs: dict[str, Node] = {}
    first_line: dict[str, int] = {}
    rows_in = 0
    for line, row in progress(source, desc="SIRENE", unit="row"):
        rows_in += 1
        item = sirene_row(row, file=file, line=line)
        if isinstance(item, Rejection):
            rejected.append(item)
            continue
        if item.siret in first_line:
            rejected.append(Rejection(file, line, "siret", f"doublon de la ligne {first_line[item.siret]}"))
            continue
        first_line[item.siret] = line
        known = structures.get(item.siret, ())
        if not known and not is_valid_siret(item.siret):
            rejected.append(Rejection(file, line, "siret", f"{item.siret} : clé de Luhn fausse"))
            continue

        holders: list[str] = []
        for structure in known:
            nodes.append(Node(structure.id, structure.kind, structure.name, item.props()))
            holders.append(structure.id)
        if not known:
            own = f"org:{item.siret}"
            props = item.props()
            for key, value in (
                ("address", item.address),
                ("postal_code", item.postal_code),
                ("code_insee", item.code_commune or None),
            ):
                if value:
                    props[key] = value
            nodes.append(Node(own, OrgKind.ENTREPRISE, item.name or f"Établissement {item.siret}", props))
            holders.append(own)
            match = communes.by_code(item.code_commune) if item.code_commune else None
            if match is None:
                reason = (
                    "vide" if not item.code_commune else f"{item.code_commune} n'est pas une commune actuelle"
                )
                unresolved.append(
                    Rejection(file, line, "codeCommuneEtablissement", f"{reason} : pas de LOCATED_IN")
                )
            else:
                edges.append(Edge(own, RelKind.LOCATED_IN, match.node_id))
                stubs.setdefault(match.node_id, communes.stub(match.node_id))

        sector = _sector(item, naf)
        if isinstance(sector, str):
            sector_id = f"naf:{sector}"
            stubs.setdefault(sector_id, Node(sector_id, CodeKind.NAF_SOUS_CLASSE, naf[sector]))
            edges.extend(Edge(holder, RelKind.IN_SECTOR, sector_id) for holder in holders)
        else:
            unresolved.append(Rejection(file, line, "activitePrincipaleEtablissement", sector[0]))

    batch = Batch(provenance("insee-sirene", as_of=as_of, path=path), [*nodes, *stubs.values()], edges)
    rejected = sorted([*source.malformed, *rejected], key=lambda r: r.line)
    return LoaderOutput(batch, rows_in + len(source.malformed), rejected, unresolved)


def _sector(item: Establishment, naf: Mapping[str, str]) -> str | tuple[str]:
    """The NAF sous-classe of an establishment, or (why there is none,)."""
    if not item.naf:
        return ("vide : pas de IN_SECTOR",)
    if item.naf_nomenclature and item.naf_nomenclature.upper() != "NAFREV2":
        return (f"{item.naf} est un code {item.naf_nomenclature}, pas NAF rév. 2 : pas de IN_SECTOR",)
    if item.naf not in naf:
        return (f"{item.naf} n'est pas une sous-classe NAF rév. 2 : pas de IN_SECTOR",)
    return item.naf
