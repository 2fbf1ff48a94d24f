"""Synthetic collectives: the clubs « Les entreprises s'engagent », PTCE, Fabriques à
initiatives and their projects, memberships of the real structures in IAE networks,
and the organisations they need that no open data lists (associations, local
authorities, support bodies, research labs, training centres).

Every function takes its own `random.Random` and returns plain records; nothing here
writes a file. Sets are never iterated unsorted, so that a seed gives the same
output in every process.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Final, TypeVar

from graph.geo import distance_km
from graph.ids import is_valid_siret, slugify
from graph.kinds import MemberRole, OrgKind
from loaders.formats import club_id, fabrique_id, ptce_id
from loaders.generic_csv import organisation_id
from loaders.synthetic.companies import BAND_ORDER, Company, SiretFactory
from loaders.synthetic.reference import Place, Reference, Structure

__all__ = [
    "Club",
    "Fabrique",
    "Membership",
    "Organisation",
    "Organisations",
    "Project",
    "Ptce",
    "draw_clubs",
    "draw_fabriques",
    "draw_ptce",
    "infer_networks",
    "network_by_name",
    "sample_weighted",
]

T = TypeVar("T")

# Probability of a membership inferred from the kind alone (networks by kind, p. 88).
NETWORK_BY_KIND: Final[Mapping[OrgKind, tuple[tuple[str, float], ...]]] = {
    OrgKind.ACI: (("chantier-ecole", 0.5), ("fas", 0.1)),
    OrgKind.EI: (("fei", 0.6),),
    OrgKind.ETTI: (("fei", 0.6),),
    OrgKind.EITI: (("fei", 0.3),),
    OrgKind.AI: (("coorace", 0.45), ("unai", 0.25)),
}
# Networks recognised in a structure's name (on its slug), in order.
NETWORK_BY_NAME: Final = (
    (re.compile(r"(^|-)envie(-|$)"), "envie"),
    (re.compile(r"emmaus"), "emmaus-france"),
    (re.compile(r"(^|-)regies?(-|$)"), "cnlrq"),  # régies de quartier, de territoire
    (re.compile(r"cocagne"), "cocagne"),
    (re.compile(r"croix-rouge"), "croix-rouge-insertion"),
    (re.compile(r"(relais|restos?|restaurants)-du-coeur"), "restos-du-coeur"),
    (re.compile(r"(^|-)(le-)?relais(-|$)"), "emmaus-france"),
    (re.compile(r"tissons"), "tissons-la-solidarite"),
)
CLUB_START: Final = date(2018, 7, 1)
LAST_DAY: Final = date(2024, 12, 31)
PTCE_THEMES: Final = (
    "Réemploi",
    "Alimentation durable",
    "Mobilité solidaire",
    "Habitat et rénovation",
    "Numérique inclusif",
    "Textile",
    "Économie circulaire",
    "Services aux habitants",
    "Bois et forêt",
    "Tourisme solidaire",
)
PROJECT_ACTIVITIES: Final = (
    "Recyclerie",
    "Garage solidaire",
    "Épicerie solidaire",
    "Conciergerie solidaire",
    "Légumerie",
    "Atelier vélo",
    "Ressourcerie",
    "Tiers-lieu",
    "Plateforme de mobilité",
    "Cuisine partagée",
    "Blanchisserie solidaire",
    "Atelier de réparation",
)
ASSOCIATION_NAMES: Final = (
    "Entraide",
    "Solidarités",
    "Maison des familles",
    "Jardins partagés",
    "Insertion et avenir",
    "Accueil et partage",
    "Collectif emploi",
    "Coup de pouce",
)
SUPPORT_NAMES: Final = (
    "Atelier des initiatives",
    "Coopérer pour entreprendre",
    "Élan solidaire",
    "Initiatives ESS",
    "Réseau d'appui à l'ESS",
    "Ess'pace",
)


def sample_weighted(rng: random.Random, items: Sequence[T], weights: Sequence[float], k: int) -> list[T]:
    """`k` distinct items drawn with probability proportional to their weights, without
    replacement (Efraimidis–Spirakis keys), in the order of their keys.

    >>> sample_weighted(random.Random(1), ["a", "b", "c"], [1.0, 0.0, 1.0], 2)
    ['c', 'a']
    """
    keyed = [
        (rng.random() ** (1.0 / w), i) for i, w in enumerate(weights) if w > 0
    ]  # one draw per item, in order
    keyed.sort(reverse=True)
    return [items[i] for _, i in keyed[:k]]


def _day_between(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max((end - start).days, 0)))


def _band_weight(company: Company) -> float:
    """Clubs recruit employers, mostly SMEs: weight grows with the size band."""
    rank = BAND_ORDER.index(company.band)
    return 0.2 if rank < 2 else float(min(rank, 8))


# -- organisations no open data lists ----------------------------------------------


@dataclass(frozen=True, slots=True)
class Organisation:
    """A synthetic organisation, written in the generic CSV format."""

    name: str
    kind: OrgKind
    place: Place | None
    siret: str = ""
    siren: str = ""

    @property
    def node_id(self) -> str:
        code = self.place.code if self.place and not (self.siret or self.siren) else ""
        return organisation_id(self.name, siret=self.siret, siren=self.siren, code_insee=code)

    @property
    def ref(self) -> str:
        """How our CSV formats name it: its SIRET, else its id."""
        return self.siret or self.node_id


class Organisations:
    """The organisations made so far, each once (local authorities are shared)."""

    def __init__(self, rng: random.Random, sirets: SiretFactory, reference: Reference) -> None:
        self.rng = rng
        self.sirets = sirets
        self.reference = reference
        self.made: dict[str, Organisation] = {}

    def _keep(self, org: Organisation) -> Organisation:
        return self.made.setdefault(org.node_id, org)

    def association(self, place: Place, *, names: Sequence[str] = ASSOCIATION_NAMES) -> Organisation:
        name = f"{self.rng.choice(names)} {place.name}"
        return self._keep(Organisation(name, OrgKind.ASSOCIATION, place, siret=self.sirets.siret()))

    def training_centre(self, place: Place) -> Organisation:
        return self._keep(
            Organisation(
                f"Centre de formation {place.name}", OrgKind.FORMATION, place, siret=self.sirets.siret()
            )
        )

    def research_lab(self, place: Place) -> Organisation:
        name = f"Laboratoire d'économie sociale et solidaire de {place.name}"
        return self._keep(Organisation(name, OrgKind.RECHERCHE, place))

    def town_hall(self, place: Place) -> Organisation | None:
        """The commune as a local authority, under its real SIREN."""
        if not place.siren:
            return None
        return self._keep(
            Organisation(f"Commune de {place.name}", OrgKind.COLLECTIVITE_COMMUNE, place, siren=place.siren)
        )

    def intercommunality(self, place: Place) -> Organisation | None:
        """The commune's EPCI as a local authority, under its real SIREN."""
        name = self.reference.epcis.get(place.epci)
        if not name:
            return None
        return self._keep(Organisation(name, OrgKind.COLLECTIVITE_EPCI, None, siren=place.epci))

    def departement_council(self, departement: str) -> Organisation:
        name = self.reference.departements[departement][0]
        return self._keep(
            Organisation(f"Conseil départemental – {name}", OrgKind.CONSEIL_DEPARTEMENTAL, None)
        )

    def region_council(self, region: str) -> Organisation:
        name = self.reference.regions[region]
        return self._keep(Organisation(f"Conseil régional – {name}", OrgKind.CONSEIL_REGIONAL, None))


# -- memberships ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Membership:
    """One row of a membership file: `member` as the file writes it (a SIRET or an id),
    `members` the node ids it stands for."""

    collective: str
    member: str
    members: tuple[str, ...]
    role: MemberRole
    since: date | int | None
    kind: OrgKind | None = None


def _structure_ref(
    structure: Structure, by_siret: Mapping[str, Sequence[Structure]]
) -> tuple[str, tuple[str, ...]]:
    """A real structure by SIRET (all conventions of that SIRET), or by id when its
    SIRET is not valid."""
    if is_valid_siret(structure.siret):
        return structure.siret, tuple(s.node_id for s in by_siret[structure.siret])
    return structure.node_id, (structure.node_id,)


def structures_by_siret(structures: Iterable[Structure]) -> dict[str, list[Structure]]:
    found: dict[str, list[Structure]] = defaultdict(list)
    for s in structures:
        found[s.siret].append(s)
    return dict(found)


# -- clubs ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Club:
    departement: str
    name: str
    members: tuple[Membership, ...]

    @property
    def node_id(self) -> str:
        return club_id(self.departement)


def club_name(reference: Reference, departement: str) -> str:
    return f"Club Les entreprises s'engagent – {reference.departements[departement][0]}"


def draw_clubs(
    rng: random.Random,
    reference: Reference,
    *,
    member_companies: Mapping[str, int],
    companies: Sequence[Company],
    structures: Sequence[Structure],
    anchors: Mapping[str, Sequence[str]],
    siae_share: float = 0.04,
) -> list[Club]:
    """One club per département of `member_companies` (département → how many member
    companies), with 1–3 leaders among its largest companies, and a few SIAE; the
    SIRETs in `anchors[departement]` (members named by the guide) always join."""
    by_dep: dict[str, list[Company]] = defaultdict(list)
    for company in companies:
        if company.active:
            by_dep[company.place.departement].append(company)
    siae_by_dep: dict[str, list[Structure]] = defaultdict(list)
    for s in structures:
        if s.kind in OrgKind.siae() and s.departement:
            siae_by_dep[s.departement].append(s)
    by_siret = structures_by_siret(structures)
    clubs: list[Club] = []
    for dep in sorted(member_companies):
        club = club_id(dep)
        pool = by_dep.get(dep, [])
        chosen = sample_weighted(rng, pool, [_band_weight(c) for c in pool], member_companies[dep])
        leaders = set(
            c.siret
            for c in sample_weighted(rng, chosen, [_band_weight(c) ** 2 for c in chosen], rng.randint(1, 3))
        )
        rows: list[Membership] = []
        for company in sorted(chosen, key=lambda c: c.siret):
            role = MemberRole.LEADER if company.siret in leaders else MemberRole.MEMBRE
            start = CLUB_START if role is MemberRole.LEADER else _day_between(rng, CLUB_START, LAST_DAY)
            rows.append(Membership(club, company.siret, (company.node_id,), role, start))
        wanted_siae = max(1, round(siae_share * len(chosen))) if chosen else 0
        named = [s for siret in anchors.get(dep, ()) for s in by_siret.get(siret, ())[:1]]
        others = [s for s in siae_by_dep.get(dep, []) if s.siret not in {n.siret for n in named}]
        picked = named + sample_weighted(rng, others, [1.0] * len(others), max(wanted_siae - len(named), 0))
        seen: set[str] = set()
        for structure in picked:
            ref, ids = _structure_ref(structure, by_siret)
            if ref in seen:
                continue
            seen.add(ref)
            since = CLUB_START if structure in named else _day_between(rng, CLUB_START, LAST_DAY)
            rows.append(Membership(club, ref, ids, MemberRole.MEMBRE, since))
        clubs.append(Club(dep, club_name(reference, dep), tuple(rows)))
    return clubs


# -- PTCE ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ptce:
    ident: str  # the ptce_id column
    name: str
    place: Place
    members: tuple[Membership, ...]

    @property
    def node_id(self) -> str:
        return ptce_id(self.ident)


class _Nearby:
    """Places, companies and structures by département, for draws near a point."""

    def __init__(
        self, places: Sequence[Place], companies: Sequence[Company], structures: Sequence[Structure]
    ) -> None:
        self.places: dict[str, list[Place]] = defaultdict(list)
        for p in places:
            self.places[p.departement].append(p)
        self.companies: dict[str, list[Company]] = defaultdict(list)
        for c in companies:
            if c.active:
                self.companies[c.place.departement].append(c)
        self.structures: dict[str, list[Structure]] = defaultdict(list)
        for s in structures:
            if s.departement and s.latitude is not None:
                self.structures[s.departement].append(s)

    def companies_near(self, place: Place, radius_km: float) -> list[Company]:
        return [
            c
            for c in self.companies.get(place.departement, [])
            if distance_km(place.latitude, place.longitude, c.place.latitude, c.place.longitude) <= radius_km
        ]

    def structures_near(self, place: Place, kinds: frozenset[OrgKind]) -> list[Structure]:
        """The département's structures of `kinds`, nearest first."""
        found = [s for s in self.structures.get(place.departement, []) if s.kind in kinds]
        return sorted(
            found,
            key=lambda s: (
                distance_km(place.latitude, place.longitude, s.latitude or 0.0, s.longitude or 0.0),
                s.node_id,
            ),
        )

    def seat(self, rng: random.Random, departement: str, *, min_population: int = 5_000) -> Place:
        pool = [p for p in self.places[departement] if p.population >= min_population] or self.places[
            departement
        ]
        return sample_weighted(rng, pool, [float(p.population) for p in pool], 1)[0]


def draw_ptce(
    rng: random.Random,
    reference: Reference,
    organisations: Organisations,
    *,
    departements: Sequence[str],
    places: Sequence[Place],
    companies: Sequence[Company],
    structures: Sequence[Structure],
) -> list[Ptce]:
    """One PTCE per entry of `departements` (a département may come back), seated in
    one of its larger communes, with members after the Coopaxis example (p. 51):
    associations (SIAE among them), companies, local authorities, research, training."""
    nearby = _Nearby(places, companies, structures)
    by_siret = structures_by_siret(structures)
    found: list[Ptce] = []
    used_ids: set[str] = set()
    for dep in departements:
        seat = nearby.seat(rng, dep)
        theme = rng.choice(PTCE_THEMES)
        ident = f"ptce-{seat.code}-{slugify(theme)}"
        if ident in used_ids:
            ident = f"{ident}-{len(used_ids)}"
        used_ids.add(ident)
        pid = ptce_id(ident)
        founded = rng.randint(2010, 2020)
        size = rng.randint(12, 30)
        members: list[tuple[str, tuple[str, ...], OrgKind | None]] = []
        siae = nearby.structures_near(seat, OrgKind.siae())[: 2 * max(1, round(0.23 * size))]
        for s in sample_weighted(rng, siae, [1.0] * len(siae), max(1, round(0.23 * size))):
            ref, ids = _structure_ref(s, by_siret)
            members.append((ref, ids, s.kind))
        animator = organisations.association(seat)
        members.insert(0, (animator.ref, (animator.node_id,), OrgKind.ASSOCIATION))
        for _ in range(max(1, round(0.15 * size))):
            other = organisations.association(rng.choice(nearby.places[dep]))
            members.append((other.ref, (other.node_id,), OrgKind.ASSOCIATION))
        pool = nearby.companies_near(seat, 30.0)
        for c in sample_weighted(rng, pool, [1.0] * len(pool), round(0.35 * size)):
            members.append((c.siret, (c.node_id,), None))
        authorities = [organisations.town_hall(seat), organisations.intercommunality(seat)]
        authorities.append(organisations.departement_council(dep))
        if rng.random() < 0.3:
            authorities.append(organisations.region_council(seat.region))
        for org in authorities:
            if org is not None:
                members.append((org.ref, (org.node_id,), org.kind))
        if rng.random() < 0.5:
            lab = organisations.research_lab(seat)
            members.append((lab.ref, (lab.node_id,), lab.kind))
        if rng.random() < 0.5:
            centre = organisations.training_centre(seat)
            members.append((centre.ref, (centre.node_id,), centre.kind))
        founders = rng.randint(2, 4)
        rows: list[Membership] = []
        seen: set[str] = set()
        for i, (ref, ids, kind) in enumerate(members):
            if ref in seen:
                continue
            seen.add(ref)
            role = (
                MemberRole.ANIMATEUR
                if i == 0
                else MemberRole.FONDATEUR
                if i <= founders
                else MemberRole.MEMBRE
            )
            since: date | int = founded if role is not MemberRole.MEMBRE else rng.randint(founded, 2024)
            rows.append(Membership(pid, ref, ids, role, since, kind))
        found.append(Ptce(ident, f"PTCE {theme} – {seat.name}", seat, tuple(rows)))
    return found


# -- Fabriques à initiatives -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Project:
    name: str
    place: Place
    partners: tuple[tuple[str, tuple[str, ...]], ...]  # (ref as written, node ids)


@dataclass(frozen=True, slots=True)
class Fabrique:
    name: str
    departement: str
    region: str
    carrier: Organisation
    projects: tuple[Project, ...]

    @property
    def node_id(self) -> str:
        return fabrique_id(self.name)


def draw_fabriques(
    rng: random.Random,
    reference: Reference,
    organisations: Organisations,
    *,
    departements: Sequence[str],
    places: Sequence[Place],
    companies: Sequence[Company],
    structures: Sequence[Structure],
) -> list[Fabrique]:
    """One Fabrique per département of `departements`, carried by a support association,
    with 2–4 projects in the département and 5–15 partners each."""
    nearby = _Nearby(places, companies, structures)
    by_siret = structures_by_siret(structures)
    found: list[Fabrique] = []
    for dep in departements:
        dep_name, region = reference.departements[dep]
        seat = nearby.seat(rng, dep)
        carrier = organisations.association(seat, names=SUPPORT_NAMES)
        projects: list[Project] = []
        for _ in range(rng.randint(2, 4)):
            where = nearby.seat(rng, dep, min_population=1_000)
            activity = rng.choice(PROJECT_ACTIVITIES)
            partners: list[tuple[str, tuple[str, ...]]] = []
            pool = nearby.companies_near(where, 25.0)
            for c in sample_weighted(rng, pool, [1.0] * len(pool), rng.randint(2, 8)):
                partners.append((c.siret, (c.node_id,)))
            siae = nearby.structures_near(where, OrgKind.siae())[:6]
            for s in sample_weighted(rng, siae, [1.0] * len(siae), rng.randint(1, 3)):
                partners.append(_structure_ref(s, by_siret))
            for org in (organisations.town_hall(where), organisations.intercommunality(where)):
                if org is not None and rng.random() < 0.7:
                    partners.append((org.ref, (org.node_id,)))
            unique = tuple(dict((ref, (ref, ids)) for ref, ids in partners).values())
            name = f"{activity} – {where.name}"
            if any(p.name == name for p in projects):
                continue
            projects.append(Project(name, where, unique))
        found.append(Fabrique(f"Fabrique à initiatives {dep_name}", dep, region, carrier, tuple(projects)))
    return found


# -- networks --------------------------------------------------------------------


def network_by_name(name: str) -> list[str]:
    """The national networks a structure's name points to.

    >>> network_by_name("ENVIE 2E NORD"), network_by_name("Régie de quartier de Troyes")
    (['envie'], ['cnlrq'])
    >>> network_by_name("Le Relais Val de Seine"), network_by_name("Les Relais du Cœur")
    (['emmaus-france'], ['restos-du-coeur'])
    """
    slug = slugify(name.replace("œ", "oe").replace("Œ", "Oe"))
    found: list[str] = []
    for pattern, key in NETWORK_BY_NAME:
        if pattern.search(slug) and key not in found:
            if key == "emmaus-france" and "restos-du-coeur" in found:
                continue
            found.append(key)
    return found


@dataclass(frozen=True, slots=True)
class NetworkMembership:
    network: str  # key of NATIONAL_NETWORKS
    structure: Structure
    since: int
    how: str = field(default="name")  # "name" or "kind"


def infer_networks(rng: random.Random, structures: Sequence[Structure]) -> list[NetworkMembership]:
    """Memberships of the structures in the national IAE networks: from their names
    (Envie, Emmaüs, Régie, Cocagne, Croix-Rouge, Relais…) and, with the
    probabilities of `NETWORK_BY_KIND`, from their kinds. All are inferences."""
    found: list[NetworkMembership] = []
    for structure in structures:
        keys = {k: "name" for k in network_by_name(structure.name)}
        for key, probability in NETWORK_BY_KIND.get(structure.kind, ()):
            if rng.random() < probability and key not in keys:
                keys[key] = "kind"
                if structure.kind is OrgKind.AI:
                    break  # Coorace or UNAI, not both
        for key, how in keys.items():
            found.append(NetworkMembership(key, structure, rng.randint(2005, 2023), how))
    return found
