"""Nomenclatures: NAF rév. 2 (with its 21 sections written here), ROME 4 jobs, the
sectors of Le Marché de l'inclusion, and the jobs SIAE offer (ASP, 2019).

- `naf_output` → `insee-naf-rev2`: `naf:{code}` at five levels, told apart by the
  shape of the code (`A` section, `01` division, `01.1` groupe, `01.11` classe,
  `01.11Z` sous-classe), each `PART_OF` its parent; divisions `PART_OF` their
  section by the ranges of `NAF_SECTIONS`.
- `rome_output` → `france-travail-rome4`: `rome:{code}` with `domaine_professionnel`
  and `grand_domaine`.
- `secteurs_output` → `marche-inclusion-secteurs`: `secteur:{slug}` with `groupe`.
- `siae_jobs_output` → `asp-siae-metiers-2019`: `OFFERS_JOB` from
  `org:{siret}-{type}` to `rome:{code}`, one per appellation (the relation's key is
  the appellation's slug, its attribute `appellation` the text). A row whose
  structure or ROME code is unknown is reported as unresolved and its relation
  left out: the store refuses relations to nodes it does not hold.

`naf_labels` and `rome_labels` give the code → label maps the SIRENE and SIAE-jobs
loaders use to validate codes and name their minimal nodes.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

from graph.ids import slugify
from graph.kinds import CodeKind, RelKind
from graph.model import Batch, Edge, Node, Rejection
from loaders.base import LoaderError, LoaderOutput
from loaders.sources import SHARED_DATA, json_kind, open_csv, provenance, read_json_array
from loaders.structures import KIND_OF_RESEAU, convention_id

__all__ = [
    "NAF_SECTIONS",
    "NafSection",
    "naf_kind",
    "naf_labels",
    "naf_output",
    "naf_parent",
    "rome_labels",
    "rome_output",
    "secteurs_output",
    "siae_jobs_output",
]


@dataclass(frozen=True, slots=True)
class NafSection:
    letter: str
    label: str
    first: int  # first division
    last: int  # last division


NAF_SECTIONS: Final[tuple[NafSection, ...]] = (
    NafSection("A", "Agriculture, sylviculture et pêche", 1, 3),
    NafSection("B", "Industries extractives", 5, 9),
    NafSection("C", "Industrie manufacturière", 10, 33),
    NafSection(
        "D", "Production et distribution d'électricité, de gaz, de vapeur et d'air conditionné", 35, 35
    ),
    NafSection(
        "E", "Production et distribution d'eau ; assainissement, gestion des déchets et dépollution", 36, 39
    ),
    NafSection("F", "Construction", 41, 43),
    NafSection("G", "Commerce ; réparation d'automobiles et de motocycles", 45, 47),
    NafSection("H", "Transports et entreposage", 49, 53),
    NafSection("I", "Hébergement et restauration", 55, 56),
    NafSection("J", "Information et communication", 58, 63),
    NafSection("K", "Activités financières et d'assurance", 64, 66),
    NafSection("L", "Activités immobilières", 68, 68),
    NafSection("M", "Activités spécialisées, scientifiques et techniques", 69, 75),
    NafSection("N", "Activités de services administratifs et de soutien", 77, 82),
    NafSection("O", "Administration publique", 84, 84),
    NafSection("P", "Enseignement", 85, 85),
    NafSection("Q", "Santé humaine et action sociale", 86, 88),
    NafSection("R", "Arts, spectacles et activités récréatives", 90, 93),
    NafSection("S", "Autres activités de services", 94, 96),
    NafSection(
        "T",
        "Activités des ménages en tant qu'employeurs ; activités indifférenciées des ménages "
        "en tant que producteurs de biens et services pour usage propre",
        97,
        98,
    ),
    NafSection("U", "Activités extra-territoriales", 99, 99),
)

_NAF_SHAPES: Final = (
    (re.compile(r"^[A-U]$"), CodeKind.NAF_SECTION),
    (re.compile(r"^\d{2}$"), CodeKind.NAF_DIVISION),
    (re.compile(r"^\d{2}\.\d$"), CodeKind.NAF_GROUPE),
    (re.compile(r"^\d{2}\.\d{2}$"), CodeKind.NAF_CLASSE),
    (re.compile(r"^\d{2}\.\d{2}[A-Z]$"), CodeKind.NAF_SOUS_CLASSE),
)


def naf_kind(code: str) -> CodeKind | None:
    """The NAF level of a code, by its shape.

    >>> naf_kind("56.21Z"), naf_kind("56.2"), naf_kind("5621")
    (<CodeKind.NAF_SOUS_CLASSE: 'NafSousClasse'>, <CodeKind.NAF_GROUPE: 'NafGroupe'>, None)
    """
    for pattern, kind in _NAF_SHAPES:
        if pattern.match(code):
            return kind
    return None


def naf_parent(code: str) -> str | None:
    """The code of the level above (a division's section by `NAF_SECTIONS`).

    >>> [naf_parent(c) for c in ("56.21Z", "56.21", "56.2", "56", "A")]
    ['56.21', '56.2', '56', 'I', None]
    """
    kind = naf_kind(code)
    if kind is CodeKind.NAF_SOUS_CLASSE:
        return code[:5]
    if kind is CodeKind.NAF_CLASSE:
        return code[:4]
    if kind is CodeKind.NAF_GROUPE:
        return code[:2]
    if kind is CodeKind.NAF_DIVISION:
        division = int(code)
        return next((s.letter for s in NAF_SECTIONS if s.first <= division <= s.last), None)
    return None


def naf_output(
    path: Path = SHARED_DATA / "nomenclatures/naf2008.json", *, as_of: date | None = None
) -> LoaderOutput:
    """The 21 sections and every code of the file, each `PART_OF` its parent."""
    file = path.name
    nodes = [Node(f"naf:{s.letter}", CodeKind.NAF_SECTION, s.label, {"code": s.letter}) for s in NAF_SECTIONS]
    known = {s.letter for s in NAF_SECTIONS}
    rejected: list[Rejection] = []
    accepted: list[tuple[int, str]] = []
    rows = read_json_array(path)
    for line, row in rows:
        if not isinstance(row, dict):
            rejected.append(Rejection(file, line, "-", f"un objet est attendu, trouvé : {json_kind(row)}"))
            continue
        code, label = row.get("id"), row.get("label")
        if (
            not isinstance(code, str)
            or (kind := naf_kind(code.strip())) is None
            or kind is CodeKind.NAF_SECTION
        ):
            rejected.append(Rejection(file, line, "id", f"pas un code NAF rév. 2 : {code!r}"))
            continue
        if not isinstance(label, str) or not label.strip():
            rejected.append(Rejection(file, line, "label", "absent ou vide"))
            continue
        code = code.strip()
        if code in known:
            rejected.append(Rejection(file, line, "id", f"code en double : {code}"))
            continue
        known.add(code)
        nodes.append(Node(f"naf:{code}", kind, label.strip(), {"code": code}))
        accepted.append((line, code))
    edges: list[Edge] = [
        Edge(f"naf:{code}", RelKind.PART_OF, f"naf:{parent}")
        for _, code in accepted
        if (parent := naf_parent(code)) in known
    ]
    unresolved = [
        Rejection(file, line, "id", f"{code} : son parent {naf_parent(code)} n'est pas dans la nomenclature")
        for line, code in accepted
        if naf_parent(code) not in known
    ]
    batch = Batch(provenance("insee-naf-rev2", as_of=as_of), nodes, edges)
    return LoaderOutput(batch, len(rows), rejected, unresolved)


def naf_labels(path: Path = SHARED_DATA / "nomenclatures/naf2008.json") -> dict[str, str]:
    """NAF rév. 2 sous-classe code → label."""
    labels: dict[str, str] = {}
    for _, row in read_json_array(path):
        if (
            isinstance(row, dict)
            and isinstance(row.get("id"), str)
            and isinstance(row.get("label"), str)
            and naf_kind(row["id"]) is CodeKind.NAF_SOUS_CLASSE
        ):
            labels[row["id"]] = row["label"]
    return labels


_ROME_CODE: Final = re.compile(r"^[A-N]\d{4}$")
_ROME_COLUMNS: Final = ("code_rome", "libelle", "domaine_professionnel", "grand_domaine")


def rome_output(
    path: Path = SHARED_DATA / "nomenclatures/rome4.csv", *, as_of: date | None = None
) -> LoaderOutput:
    """ROME 4 job codes with their domaine professionnel and grand domaine."""
    file = path.name
    nodes: dict[str, Node] = {}
    rejected: list[Rejection] = []
    rows_in = 0
    for line, row in open_csv(path, required=_ROME_COLUMNS):
        rows_in += 1
        code = row["code_rome"].upper()
        if not _ROME_CODE.match(code):
            rejected.append(Rejection(file, line, "code_rome", f"pas un code ROME : {row['code_rome']!r}"))
        elif not row["libelle"]:
            rejected.append(Rejection(file, line, "libelle", "absent ou vide"))
        elif f"rome:{code}" in nodes:
            rejected.append(Rejection(file, line, "code_rome", f"code en double : {code}"))
        else:
            props = {"code": code}
            props.update({k: row[k] for k in ("domaine_professionnel", "grand_domaine") if row[k]})
            nodes[f"rome:{code}"] = Node(f"rome:{code}", CodeKind.ROME, row["libelle"], props)
    batch = Batch(provenance("france-travail-rome4", as_of=as_of), list(nodes.values()))
    return LoaderOutput(batch, rows_in, rejected)


def rome_labels(path: Path = SHARED_DATA / "nomenclatures/rome4.csv") -> dict[str, str]:
    """ROME code → label, for the codes `rome_output` accepts."""
    return {n.id.removeprefix("rome:"): n.name for n in rome_output(path).batch.nodes}


_SLUG: Final = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def secteurs_output(
    path: Path = SHARED_DATA / "nomenclatures/secteurs_marche_inclusion.csv", *, as_of: date | None = None
) -> LoaderOutput:
    """The sectors of Le Marché de l'inclusion (`secteur:{slug}`, property `groupe`)."""
    file = path.name
    nodes: dict[str, Node] = {}
    rejected: list[Rejection] = []
    rows_in = 0
    for line, row in open_csv(path, required=("slug", "secteur", "groupe")):
        rows_in += 1
        slug = row["slug"]
        if not _SLUG.match(slug):
            rejected.append(
                Rejection(file, line, "slug", f"pas un slug (minuscules, chiffres et tirets) : {slug!r}")
            )
        elif not row["secteur"]:
            rejected.append(Rejection(file, line, "secteur", "absent ou vide"))
        elif f"secteur:{slug}" in nodes:
            rejected.append(Rejection(file, line, "slug", f"slug en double : {slug}"))
        else:
            props = {"groupe": row["groupe"]} if row["groupe"] else {}
            nodes[f"secteur:{slug}"] = Node(f"secteur:{slug}", CodeKind.SECTEUR, row["secteur"], props)
    batch = Batch(provenance("marche-inclusion-secteurs", as_of=as_of, path=path), list(nodes.values()))
    return LoaderOutput(batch, rows_in, rejected)


def siae_jobs_output(
    path: Path = SHARED_DATA / "siae/siae-metiers-rome-2019.csv",
    *,
    org_ids: Collection[str],
    rome: Mapping[str, str],
    as_of: date | None = None,
) -> LoaderOutput:
    """`OFFERS_JOB` relations from structures to ROME jobs.

    `org_ids` are the structures the store (or the batch written with this one)
    holds; `rome` maps ROME codes to labels (`rome_labels`).
    """
    if not rome:
        raise LoaderError(f"{path}: aucun code ROME donné : charger d'abord la nomenclature ROME")
    file = path.name
    edges: dict[tuple[str, str, str], Edge] = {}
    first_line: dict[tuple[str, str, str], int] = {}
    stubs: dict[str, Node] = {}
    rejected: list[Rejection] = []
    unresolved: list[Rejection] = []
    rows_in = 0
    for line, row in open_csv(path, required=("siret", "type", "code_rome", "appellation")):
        rows_in += 1
        kind = KIND_OF_RESEAU.get(row["type"].lower())
        if kind is None:
            rejected.append(Rejection(file, line, "type", f"type de structure inconnu : {row['type']!r}"))
            continue
        structure = convention_id(row["siret"], kind)
        code = row["code_rome"].upper()
        if structure not in org_ids:
            unresolved.append(
                Rejection(file, line, "siret", f"aucune structure {structure} : relation laissée de côté")
            )
            continue
        if code not in rome:
            unresolved.append(
                Rejection(
                    file,
                    line,
                    "code_rome",
                    f"{row['code_rome']} n'est pas un code ROME 4 : relation laissée de côté",
                )
            )
            continue
        appellation = row["appellation"]
        key = slugify(appellation)
        target = f"rome:{code}"
        attrs = {"appellation": appellation} if appellation else {}
        if (structure, target, key) in first_line:
            rejected.append(
                Rejection(
                    file, line, "appellation", f"doublon de la ligne {first_line[(structure, target, key)]}"
                )
            )
            continue
        first_line[(structure, target, key)] = line
        edges[(structure, target, key)] = Edge(structure, RelKind.OFFERS_JOB, target, attrs, key=key)
        stubs.setdefault(target, Node(target, CodeKind.ROME, rome[code]))
    batch = Batch(
        provenance("asp-siae-metiers-2019", as_of=as_of), list(stubs.values()), list(edges.values())
    )
    return LoaderOutput(batch, rows_in, rejected, unresolved)
