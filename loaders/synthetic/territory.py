"""Generate a synthetic territory as files: SIRENE rows for the companies, our own
CSV formats for the rest, a manifest that says every file is synthetic, and the
ground truth of the partnerships kept aside.

`generate(preset, out_dir, seed=42)` is deterministic: one `random.Random` per part,
seeded from `seed` and the part's name, and no set iterated unsorted, so the same
seed writes byte-identical files in any process (the manifest too, given `as_of`).
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Final

from graph.kinds import OrgKind
from loaders.formats import (
    CLUB_COLUMNS,
    FABRIQUE_COLUMNS,
    NETWORK_COLUMNS,
    PARTNER_SEPARATOR,
    PARTNERSHIP_COLUMNS,
    PTCE_COLUMNS,
)
from loaders.synthetic.collectives import (
    Club,
    Fabrique,
    NetworkMembership,
    Organisation,
    Organisations,
    Ptce,
    draw_clubs,
    draw_fabriques,
    draw_ptce,
    infer_networks,
)
from loaders.synthetic.companies import SIRENE_COLUMNS, Company, SiretFactory, draw_companies, sirene_row
from loaders.synthetic.partnerships import DrawnPartnership, Rule, draw_partnerships
from loaders.synthetic.presets import Plan, Preset, plan
from loaders.synthetic.reference import Reference, read_reference

__all__ = [
    "FILES",
    "GENERATOR_VERSION",
    "MANIFEST",
    "ORGANISATION_COLUMNS",
    "ORGANISATION_MAPPING",
    "GeneratedFile",
    "Manifest",
    "generate",
]

GENERATOR_VERSION: Final = "1.0"
MANIFEST: Final = "manifest.json"
GROUND_TRUTH: Final = "ground_truth.json"
NOTICE: Final = "SYNTHETIC.md"

# file → (format, what it holds); in the order they are loaded.
FILES: Final[Mapping[str, tuple[str, str]]] = {
    "sirene-etablissements.csv": ("insee-sirene-stock-etablissement", "entreprises"),
    "organisations.csv": ("generic-csv", "organisations"),
    "clubs.csv": ("club-membership", "clubs"),
    "ptce.csv": ("ptce", "ptce"),
    "fabriques.csv": ("fabriques", "fabriques"),
    "reseaux.csv": ("network-membership", "reseaux"),
    "partenariats.csv": ("partnerships", "partenariats"),
}
ORGANISATION_COLUMNS: Final = ("name", "kind", "siret", "siren", "code_insee")
ORGANISATION_MAPPING: Final[Mapping[str, str]] = {c: c for c in ORGANISATION_COLUMNS}
REFERENCE_SOURCE: Final = "synthetic rule (ground_truth.json)"


@dataclass(frozen=True, slots=True)
class GeneratedFile:
    name: str
    format: str
    rows: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a generation wrote: every file is synthetic."""

    preset: str
    seed: int
    date: date
    generator_version: str
    scope: tuple[str, ...] | None
    files: tuple[GeneratedFile, ...]
    counts: Mapping[str, int] = field(default_factory=dict)
    synthetic: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "synthetic": self.synthetic,
            "generator": "maillage loaders.synthetic",
            "generator_version": self.generator_version,
            "preset": self.preset,
            "scope": list(self.scope) if self.scope is not None else None,
            "seed": self.seed,
            "date": self.date.isoformat(),
            "files": [
                {"name": f.name, "format": f.format, "rows": f.rows, "sha256": f.sha256, "synthetic": True}
                for f in self.files
            ],
            "organisations_mapping": dict(ORGANISATION_MAPPING),
            "not_loaded": [GROUND_TRUTH],
            "counts": dict(self.counts),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Manifest:
        return cls(
            preset=str(data["preset"]),
            seed=int(data["seed"]),
            date=date.fromisoformat(data["date"]),
            generator_version=str(data["generator_version"]),
            scope=tuple(data["scope"]) if data.get("scope") is not None else None,
            files=tuple(
                GeneratedFile(f["name"], f["format"], int(f["rows"]), f["sha256"]) for f in data["files"]
            ),
            counts=dict(data.get("counts", {})),
            synthetic=bool(data.get("synthetic", True)),
        )

    @classmethod
    def read(cls, out_dir: Path) -> Manifest:
        return cls.from_json(json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8")))

    def dataset(self, file: str) -> str:
        """The dataset slug a generated file is loaded under.

        >>> Manifest("departement-10", 42, date(2025, 1, 1), "1.0", ("10",), ()).dataset("clubs.csv")
        'synthetique-departement-10-s42-clubs'
        """
        return f"synthetique-{self.preset}-s{self.seed}-{FILES[file][1]}"


def _rng(seed: int, part: str) -> random.Random:
    return random.Random(f"maillage:{seed}:{part}")


def generate(
    preset: Preset,
    out_dir: Path | str,
    *,
    seed: int = 42,
    reference: Reference | None = None,
    as_of: date | None = None,
    rule: Rule | None = None,
) -> Manifest:
    """Write the synthetic territory of `preset` into `out_dir` (created if needed).

    `reference` is read from the real data when not given; `as_of`, the date in the
    manifest and in the provenance of the loaded datasets, defaults to today.
    """
    rule = rule or Rule()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ref = reference if reference is not None else read_reference()
    counts = plan(preset, ref)
    places = ref.places_in(counts.departements)
    structures = ref.structures_in(counts.departements) if preset.departements else ref.structures
    in_scope = set(counts.departements)
    located = tuple(s for s in structures if s.departement in in_scope)

    sirets = SiretFactory(_rng(seed, "sirets"), taken=[s.siret for s in ref.structures])
    companies = draw_companies(
        _rng(seed, "companies"), places, ref.naf_by_section, counts.companies, sirets=sirets
    )
    organisations = Organisations(_rng(seed, "organisations"), sirets, ref)
    clubs = draw_clubs(
        _rng(seed, "clubs"),
        ref,
        member_companies=counts.club_members,
        companies=companies,
        structures=located,
        anchors=preset.club_anchors,
    )
    ptce = draw_ptce(
        _rng(seed, "ptce"),
        ref,
        organisations,
        departements=counts.ptce,
        places=places,
        companies=companies,
        structures=located,
    )
    fabriques = draw_fabriques(
        _rng(seed, "fabriques"),
        ref,
        organisations,
        departements=counts.fabriques,
        places=places,
        companies=companies,
        structures=located,
    )
    networks = infer_networks(_rng(seed, "networks"), structures)
    collectives: dict[str, list[str]] = {}
    for club in clubs:
        collectives[club.node_id] = [i for m in club.members for i in m.members]
    for p in ptce:
        collectives[p.node_id] = [i for m in p.members for i in m.members]
    partnerships = draw_partnerships(
        _rng(seed, "partnerships"), located, companies, collectives=collectives, rule=rule
    )

    written = [
        _write_csv(out / "sirene-etablissements.csv", SIRENE_COLUMNS, (sirene_row(c) for c in companies)),
        _write_csv(
            out / "organisations.csv", ORGANISATION_COLUMNS, _organisation_rows(organisations.made.values())
        ),
        _write_csv(out / "clubs.csv", CLUB_COLUMNS, _club_rows(clubs)),
        _write_csv(out / "ptce.csv", PTCE_COLUMNS, _ptce_rows(ptce)),
        _write_csv(out / "fabriques.csv", FABRIQUE_COLUMNS, _fabrique_rows(fabriques)),
        _write_csv(out / "reseaux.csv", NETWORK_COLUMNS, _network_rows(networks)),
        _write_csv(out / "partenariats.csv", PARTNERSHIP_COLUMNS, _partnership_rows(partnerships)),
    ]
    _write_ground_truth(out / GROUND_TRUTH, preset, seed, rule, partnerships)
    summary = _counts(
        counts, companies, clubs, ptce, fabriques, networks, partnerships, organisations, len(structures)
    )
    manifest = Manifest(
        preset=preset.name,
        seed=seed,
        date=as_of or date.today(),
        generator_version=GENERATOR_VERSION,
        scope=preset.departements,
        files=tuple(written),
        counts=summary,
    )
    (out / MANIFEST).write_text(
        json.dumps(manifest.to_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (out / NOTICE).write_text(_notice(manifest), encoding="utf-8")
    return manifest


# -- writing -----------------------------------------------------------------------


def _write_csv(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, object]]) -> GeneratedFile:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([v if isinstance(v := row.get(c, ""), str) else _text(v) for c in columns])
            count += 1
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return GeneratedFile(path.name, FILES[path.name][0], count, digest)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _organisation_rows(organisations: Iterable[Organisation]) -> Iterable[dict[str, object]]:
    for org in sorted(organisations, key=lambda o: o.node_id):
        yield {
            "name": org.name,
            "kind": org.kind.value,
            "siret": org.siret,
            "siren": org.siren if not org.siret else "",
            "code_insee": org.place.code if org.place else "",
        }


def _club_rows(clubs: Sequence[Club]) -> Iterable[dict[str, object]]:
    for club in clubs:
        for m in club.members:
            yield {
                "club": club.name,
                "departement": club.departement,
                "siret": m.member,
                "role": m.role.value,
                "since": m.since,
            }


def _ptce_rows(ptce: Sequence[Ptce]) -> Iterable[dict[str, object]]:
    for p in ptce:
        for m in p.members:
            yield {
                "ptce_id": p.ident,
                "ptce_name": p.name,
                "commune": p.place.code,
                "member": m.member,
                "member_kind": m.kind.value if m.kind else "",
                "role": m.role.value,
                "since": m.since,
            }


def _fabrique_rows(fabriques: Sequence[Fabrique]) -> Iterable[dict[str, object]]:
    for f in fabriques:
        for project in f.projects or (None,):
            yield {
                "fabrique": f.name,
                "carrier": f.carrier.ref,
                "region": f.region,
                "project": project.name if project else "",
                "project_commune": project.place.code if project else "",
                "partners": PARTNER_SEPARATOR.join(ref for ref, _ in project.partners) if project else "",
            }


def _network_rows(networks: Sequence[NetworkMembership]) -> Iterable[dict[str, object]]:
    for m in networks:
        yield {"network": m.network, "member": m.structure.node_id, "since": m.since, "inferred": True}


def _partnership_rows(partnerships: Sequence[DrawnPartnership]) -> Iterable[dict[str, object]]:
    for p in partnerships:
        if p.held_out:
            continue
        yield {
            "from": p.structure,
            "to": p.company,
            "form": p.subtype.form.value,
            "subtype": p.subtype.value,
            "start": p.start,
            "end": p.end,
            "source": REFERENCE_SOURCE,
        }


def _write_ground_truth(
    path: Path, preset: Preset, seed: int, rule: Rule, partnerships: Sequence[DrawnPartnership]
) -> None:
    held = [p.evidence() for p in partnerships if p.held_out]
    truth = {
        "synthetic": True,
        "preset": preset.name,
        "seed": seed,
        "note": "Ground truth of the synthetic partnerships: NOT to be loaded into the graph.",
        "rule": rule.describe(),
        "written": sum(1 for p in partnerships if not p.held_out),
        "held_out_count": len(held),
        "held_out": held,
    }
    path.write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _counts(
    counts: Plan,
    companies: Sequence[Company],
    clubs: Sequence[Club],
    ptce: Sequence[Ptce],
    fabriques: Sequence[Fabrique],
    networks: Sequence[NetworkMembership],
    partnerships: Sequence[DrawnPartnership],
    organisations: Organisations,
    structures: int,
) -> dict[str, int]:
    club_rows = [m for c in clubs for m in c.members]
    return {
        "companies": len(companies),
        "companies_closed": sum(1 for c in companies if not c.active),
        "clubs": len(clubs),
        "club_member_companies": sum(
            1 for m in club_rows if m.member.isdigit() and m.members[0] == f"org:{m.member}"
        ),
        "club_member_structures": sum(1 for m in club_rows if m.members[0] != f"org:{m.member}"),
        "club_leaders": sum(1 for m in club_rows if m.role.value == "leader"),
        "ptce": len(ptce),
        "ptce_members": sum(len(p.members) for p in ptce),
        "fabriques": len(fabriques),
        "fabrique_projects": sum(len(f.projects) for f in fabriques),
        "organisations": len(organisations.made),
        "network_memberships": len(networks),
        "partnerships_written": sum(1 for p in partnerships if not p.held_out),
        "partnerships_held_out": sum(1 for p in partnerships if p.held_out),
        "structures_in_scope": structures,
        "departements": len(counts.departements),
        **{
            f"organisations_{k.value}": sum(1 for o in organisations.made.values() if o.kind is k)
            for k in _ORG_KINDS
        },
    }


_ORG_KINDS: Final = (
    OrgKind.ASSOCIATION,
    OrgKind.COLLECTIVITE_COMMUNE,
    OrgKind.COLLECTIVITE_EPCI,
    OrgKind.CONSEIL_DEPARTEMENTAL,
    OrgKind.CONSEIL_REGIONAL,
    OrgKind.RECHERCHE,
    OrgKind.FORMATION,
)


def _notice(manifest: Manifest) -> str:
    lines = [
        "# SYNTHETIC DATA",
        "",
        "Every file in this directory was generated by maillage's synthetic territory generator.",
        "None of it describes real companies, memberships or partnerships: the SIRETs of the",
        "companies are random numbers that pass the Luhn check, and may belong to unrelated real",
        "establishments. Real data used as a frame: communes (COG 2025), NAF rév. 2, and the real",
        "inclusive structures (Les emplois de l'inclusion), which appear here by their SIRET or id",
        "in synthetic memberships and partnerships.",
        "",
        f"- preset: {manifest.preset}",
        f"- seed: {manifest.seed}",
        f"- date: {manifest.date.isoformat()}",
        f"- generator version: {manifest.generator_version}",
        "",
        "Load these files with `loaders.synthetic.load_generated`: every dataset is then flagged",
        "synthetic in the graph. `ground_truth.json` holds the rule behind the partnerships and",
        "the partnerships held out of the graph; it must never be loaded.",
        "",
        "| file | format | rows |",
        "|---|---|---|",
        *(f"| {f.name} | {f.format} | {f.rows} |" for f in manifest.files),
        "",
    ]
    return "\n".join(lines)
