"""Synthetic companies, written as rows of INSEE's SIRENE `StockEtablissement` file.

Establishments are placed on real communes with a density following population,
get a NAF sous-classe drawn from a realistic mix of sections, a size band
(`trancheEffectifsEtablissement`), a creation date, and a few are closed
(`etatAdministratifEtablissement` = F). SIRETs are random but pass the Luhn check,
and never repeat a SIREN of the real structures.
"""

from __future__ import annotations

import random
import unicodedata
from bisect import bisect_right
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from typing import Final

from loaders.synthetic.reference import Place

__all__ = [
    "BAND_WEIGHTS",
    "CLOSED_SHARE",
    "SECTION_WEIGHTS",
    "SIRENE_COLUMNS",
    "Company",
    "SiretFactory",
    "draw_companies",
    "luhn_complete",
    "sirene_row",
]

# The columns of INSEE's StockEtablissement file, in the published order.
SIRENE_COLUMNS: Final = (
    "siren",
    "nic",
    "siret",
    "statutDiffusionEtablissement",
    "dateCreationEtablissement",
    "trancheEffectifsEtablissement",
    "anneeEffectifsEtablissement",
    "activitePrincipaleRegistreMetiersEtablissement",
    "dateDernierTraitementEtablissement",
    "etablissementSiege",
    "nombrePeriodesEtablissement",
    "complementAdresseEtablissement",
    "numeroVoieEtablissement",
    "indiceRepetitionEtablissement",
    "dernierNumeroVoieEtablissement",
    "indiceRepetitionDernierNumeroVoieEtablissement",
    "typeVoieEtablissement",
    "libelleVoieEtablissement",
    "codePostalEtablissement",
    "libelleCommuneEtablissement",
    "libelleCommuneEtrangerEtablissement",
    "distributionSpecialeEtablissement",
    "codeCommuneEtablissement",
    "codeCedexEtablissement",
    "libelleCedexEtablissement",
    "codePaysEtrangerEtablissement",
    "libellePaysEtrangerEtablissement",
    "identifiantAdresseEtablissement",
    "coordonneeLambertAbscisseEtablissement",
    "coordonneeLambertOrdonneeEtablissement",
    "complementAdresse2Etablissement",
    "numeroVoie2Etablissement",
    "indiceRepetition2Etablissement",
    "typeVoie2Etablissement",
    "libelleVoie2Etablissement",
    "codePostal2Etablissement",
    "libelleCommune2Etablissement",
    "libelleCommuneEtranger2Etablissement",
    "distributionSpeciale2Etablissement",
    "codeCommune2Etablissement",
    "codeCedex2Etablissement",
    "libelleCedex2Etablissement",
    "codePaysEtranger2Etablissement",
    "libellePaysEtranger2Etablissement",
    "dateDebut",
    "etatAdministratifEtablissement",
    "enseigne1Etablissement",
    "enseigne2Etablissement",
    "enseigne3Etablissement",
    "denominationUsuelleEtablissement",
    "activitePrincipaleEtablissement",
    "nomenclatureActivitePrincipaleEtablissement",
    "caractereEmployeurEtablissement",
)

# Share of establishments by NAF section (percent, rounded; establishments of the
# market sector with a few public-service ones), after INSEE's counts by section.
SECTION_WEIGHTS: Final[Mapping[str, float]] = {
    "A": 3.0,  # agriculture
    "B": 0.2,  # mining
    "C": 8.0,  # manufacturing
    "D": 0.4,  # energy
    "E": 0.7,  # water, waste
    "F": 12.0,  # construction
    "G": 21.0,  # trade, repair of vehicles
    "H": 4.0,  # transport, logistics
    "I": 10.0,  # accommodation, food
    "J": 3.0,  # information, communication
    "K": 4.0,  # finance, insurance
    "L": 3.0,  # real estate
    "M": 8.0,  # professional, scientific, technical
    "N": 6.0,  # administrative and support services
    "O": 1.0,  # public administration
    "P": 2.0,  # education
    "Q": 8.0,  # health, social work
    "R": 2.0,  # arts, recreation
    "S": 4.5,  # other services
}

# trancheEffectifsEtablissement: code → weight (percent of establishments).
BAND_WEIGHTS: Final[Mapping[str, float]] = {
    "NN": 4.0,  # non-employer
    "00": 8.0,  # 0 employees at 31/12
    "01": 32.0,  # 1–2
    "02": 20.0,  # 3–5
    "03": 12.0,  # 6–9
    "11": 10.0,  # 10–19
    "12": 8.0,  # 20–49
    "21": 3.4,  # 50–99
    "22": 1.6,  # 100–199
    "31": 0.5,  # 200–249
    "32": 0.4,  # 250–499
    "41": 0.15,  # 500–999
    "42": 0.07,  # 1,000–1,999
    "51": 0.02,  # 2,000–4,999
    "52": 0.006,  # 5,000–9,999
    "53": 0.002,  # 10,000 and more
}
BAND_ORDER: Final = tuple(BAND_WEIGHTS)
CLOSED_SHARE: Final = 0.03
REFERENCE_DATE: Final = date(2025, 1, 1)  # the vintage of the real data (COG 2025)
_LA_POSTE: Final = "356000000"

_STEMS: Final[Mapping[str, tuple[str, ...]]] = {
    "A": ("EARL", "GAEC", "Ferme", "Domaine", "Pépinières"),
    "B": ("Carrières", "Sablières"),
    "C": ("Ateliers", "Manufacture", "Industries", "Usinage", "Fonderie", "Imprimerie"),
    "D": ("Énergies", "Solaire"),
    "E": ("Recyclage", "Environnement", "Eaux"),
    "F": ("Bâtiment", "Maçonnerie", "Menuiserie", "Charpente", "Plomberie", "Électricité", "Peinture"),
    "G": ("Commerce", "Distribution", "Négoce", "Boutique", "Garage", "Boulangerie", "Primeurs"),
    "H": ("Transports", "Logistique", "Messagerie", "Taxis"),
    "I": ("Restaurant", "Hôtel", "Brasserie", "Traiteur", "Café"),
    "J": ("Informatique", "Numérique", "Éditions", "Studio"),
    "K": ("Assurances", "Courtage", "Finances"),
    "L": ("Immobilier", "Agence immobilière", "Gestion locative"),
    "M": ("Cabinet", "Bureau d'études", "Conseil", "Architecture", "Expertise comptable"),
    "N": ("Services", "Nettoyage", "Propreté", "Sécurité", "Espaces verts"),
    "O": ("Syndicat intercommunal",),
    "P": ("École", "Formation", "Auto-école"),
    "Q": ("Cabinet médical", "Pharmacie", "Soins", "Aide à domicile"),
    "R": ("Loisirs", "Sports", "Spectacles"),
    "S": ("Coiffure", "Pressing", "Réparations", "Institut"),
}
_SURNAMES: Final = (
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
    "Laurent", "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel",
    "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent",
    "Muller", "Lefèvre", "Faure", "André", "Mercier", "Blanc", "Guérin", "Boyer", "Garnier",
    "Chevalier", "François", "Legrand", "Gauthier", "Garcia", "Perrin", "Robin", "Clément",
    "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson", "Marchand",
    "Duval", "Denis", "Dumont", "Marie", "Lemaire", "Noël", "Meyer", "Dufour", "Meunier",
)  # fmt: skip
_SUFFIXES: Final = ("", "", "", "", " SARL", " SAS", " & Fils", " et Associés", " Frères")
_STREET_TYPES: Final = ("RUE", "RUE", "RUE", "AV", "BD", "CHE", "PL", "RTE", "IMP", "ALL")
_STREET_NAMES: Final = (
    "DE LA GARE", "DES LILAS", "JEAN JAURES", "DU GENERAL DE GAULLE", "DE PARIS", "DE L INDUSTRIE",
    "DES ARTISANS", "VICTOR HUGO", "PASTEUR", "DE LA REPUBLIQUE", "DU MOULIN", "DES ECOLES",
    "DE L EGLISE", "DU COMMERCE", "DES PRES", "GAMBETTA", "DE LA LIBERATION", "DU STADE",
    "DES TILLEULS", "DU 8 MAI 1945", "FOCH", "CARNOT", "DE LA PAIX", "DES ACACIAS",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Company:
    """One synthetic establishment."""

    siret: str
    name: str
    naf: str  # sous-classe, as SIRENE writes it: "56.10A"
    section: str  # NAF section letter
    band: str  # trancheEffectifsEtablissement
    place: Place
    created: date
    closed: date | None
    street_number: int
    street_type: str
    street_name: str

    @property
    def node_id(self) -> str:
        return f"org:{self.siret}"

    @property
    def active(self) -> bool:
        return self.closed is None


_DOUBLED: Final = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def luhn_complete(prefix: str) -> str:
    """`prefix` followed by the digit that makes the whole pass the Luhn check.

    >>> luhn_complete("80746931")
    '807469317'
    >>> luhn_complete("8074693170001")
    '80746931700018'
    """
    total = 0
    for position, char in enumerate(reversed(prefix)):
        total += _DOUBLED[int(char)] if position % 2 == 0 else int(char)
    return prefix + str(-total % 10)


def _ascii_upper(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper().replace("'", " ")


class SiretFactory:
    """Fresh SIRETs passing the Luhn check, never repeating a SIREN already taken
    (the real structures', La Poste's, or one drawn before)."""

    def __init__(self, rng: random.Random, taken: Collection[str] = ()) -> None:
        self._rng = rng
        self._used = {s[:9] for s in taken} | {_LA_POSTE}

    def siret(self) -> str:
        while True:
            siren = luhn_complete(str(30_000_000 + int(self._rng.random() * 70_000_000)))
            if siren not in self._used:
                self._used.add(siren)
                break
        return luhn_complete(f"{siren}000{1 + int(self._rng.random() * 4)}")


class _Weighted:
    """Repeated weighted draws from a fixed population, by bisection on cumulative weights."""

    def __init__(self, items: Sequence[object], weights: Sequence[float]) -> None:
        self.items = items
        self.cumulative = list(accumulate(weights))

    def draw(self, rng: random.Random) -> object:
        return self.items[bisect_right(self.cumulative, rng.random() * self.cumulative[-1])]


def draw_companies(
    rng: random.Random,
    places: Sequence[Place],
    naf_by_section: Mapping[str, Sequence[str]],
    count: int,
    *,
    sirets: SiretFactory,
) -> list[Company]:
    """`count` companies on `places` (weighted by population), in the order drawn."""
    if count <= 0 or not places:
        return []
    where = _Weighted(places, [p.population for p in places])
    sections = [s for s in SECTION_WEIGHTS if naf_by_section.get(s)]
    section_draw = _Weighted(sections, [SECTION_WEIGHTS[s] for s in sections])
    band_draw = _Weighted(BAND_ORDER, [BAND_WEIGHTS[b] for b in BAND_ORDER])
    companies: list[Company] = []
    for _ in range(count):
        place = where.draw(rng)
        section = section_draw.draw(rng)
        assert isinstance(place, Place) and isinstance(section, str)
        naf = rng.choice(naf_by_section[section])
        band = str(band_draw.draw(rng))
        siret = sirets.siret()
        created = REFERENCE_DATE - timedelta(days=int(rng.expovariate(1 / 4000)) + 30)
        created = max(created, date(1960, 1, 1))
        closed: date | None = None
        if rng.random() < CLOSED_SHARE:
            span = (REFERENCE_DATE - created).days
            closed = created + timedelta(days=rng.randint(1, max(span - 1, 1)))
        stem = rng.choice(_STEMS[section])
        if rng.random() < 0.25:
            name = f"{stem} de {place.name}"
        else:
            name = f"{stem} {rng.choice(_SURNAMES)}{rng.choice(_SUFFIXES)}"
        companies.append(
            Company(
                siret=siret,
                name=name,
                naf=naf,
                section=section,
                band=band,
                place=place,
                created=created,
                closed=closed,
                street_number=rng.randint(1, 140),
                street_type=rng.choice(_STREET_TYPES),
                street_name=rng.choice(_STREET_NAMES),
            )
        )
    return companies


def sirene_row(company: Company) -> dict[str, str]:
    """The StockEtablissement row of a company (every column, empty where unknown)."""
    row = dict.fromkeys(SIRENE_COLUMNS, "")
    employer = company.band not in ("NN", "00")
    row.update(
        siren=company.siret[:9],
        nic=company.siret[9:],
        siret=company.siret,
        statutDiffusionEtablissement="O",
        dateCreationEtablissement=company.created.isoformat(),
        trancheEffectifsEtablissement="" if company.band == "NN" else company.band,
        anneeEffectifsEtablissement="" if company.band == "NN" else "2022",
        dateDernierTraitementEtablissement=f"{REFERENCE_DATE.isoformat()}T00:00:00.000",
        etablissementSiege="true",
        nombrePeriodesEtablissement="2" if company.closed else "1",
        numeroVoieEtablissement=str(company.street_number),
        typeVoieEtablissement=company.street_type,
        libelleVoieEtablissement=company.street_name,
        codePostalEtablissement=company.place.postal_code,
        libelleCommuneEtablissement=_ascii_upper(company.place.name),
        codeCommuneEtablissement=company.place.code,
        dateDebut=(company.closed or company.created).isoformat(),
        etatAdministratifEtablissement="F" if company.closed else "A",
        denominationUsuelleEtablissement=company.name,
        activitePrincipaleEtablissement=company.naf,
        nomenclatureActivitePrincipaleEtablissement="NAFRev2",
        caractereEmployeurEtablissement="O" if employer and not company.closed else "N",
    )
    return row
