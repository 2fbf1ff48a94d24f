"""The vocabulary of the graph: kinds of nodes, kinds of relations, partnership forms.

Institutional acronyms stay as the field writes them; every member carries a
French label for the user interface.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "CodeKind",
    "GmeMode",
    "KindFamily",
    "MemberRole",
    "NodeKind",
    "OrgKind",
    "PartnershipForm",
    "PartnershipType",
    "PlaceKind",
    "RelKind",
    "kind_family",
    "node_kind",
]


class OrgKind(StrEnum):
    """Kinds of organisation. None of them is the base type: an organisation has one."""

    # the SIAE family (conventioned by the State for insertion)
    ACI = "ACI"
    EI = "EI"
    AI = "AI"
    ETTI = "ETTI"
    EITI = "EITI"
    # other employers with an inclusion mission
    GEIQ = "GEIQ"
    EA = "EA"
    EATT = "EATT"
    ESAT = "ESAT"
    EBE = "EBE"
    # ordinary employers and other ESS bodies
    ENTREPRISE = "Entreprise"
    ASSOCIATION = "Association"
    # collectives
    CLUB = "Club"
    PTCE = "PTCE"
    FABRIQUE = "Fabrique"
    RESEAU = "Reseau"
    DELEGATION_REGIONALE = "DelegationRegionale"
    INTER_RESEAU = "InterReseau"
    GROUPE = "Groupe"
    # public bodies
    DDETS = "DDETS"
    FRANCE_TRAVAIL = "FranceTravail"
    COLLECTIVITE_COMMUNE = "CollectiviteCommune"
    COLLECTIVITE_EPCI = "CollectiviteEpci"
    CONSEIL_DEPARTEMENTAL = "ConseilDepartemental"
    CONSEIL_REGIONAL = "ConseilRegional"
    ETAT = "Etat"
    ACHETEUR_PUBLIC = "AcheteurPublic"
    # support, research, training, funding
    DLA = "DLA"
    RECHERCHE = "Recherche"
    FORMATION = "Formation"
    FONDATION = "Fondation"
    BANQUE = "Banque"
    INVESTISSEUR = "InvestisseurSolidaire"

    @property
    def label(self) -> str:
        return _ORG_LABELS[self]

    @classmethod
    def siae(cls) -> frozenset[OrgKind]:
        """The five kinds of structure de l'insertion par l'activité économique."""
        return frozenset({cls.ACI, cls.EI, cls.AI, cls.ETTI, cls.EITI})

    @classmethod
    def inclusive_employers(cls) -> frozenset[OrgKind]:
        """SIAE and the employers with an inclusion mission outside the IAE."""
        return cls.siae() | {cls.GEIQ, cls.EA, cls.EATT, cls.ESAT, cls.EBE}

    @classmethod
    def public_bodies(cls) -> frozenset[OrgKind]:
        return frozenset(
            {
                cls.DDETS,
                cls.FRANCE_TRAVAIL,
                cls.COLLECTIVITE_COMMUNE,
                cls.COLLECTIVITE_EPCI,
                cls.CONSEIL_DEPARTEMENTAL,
                cls.CONSEIL_REGIONAL,
                cls.ETAT,
                cls.ACHETEUR_PUBLIC,
            }
        )

    @classmethod
    def collectives(cls) -> frozenset[OrgKind]:
        """Kinds that have members."""
        return frozenset(
            {
                cls.CLUB,
                cls.PTCE,
                cls.FABRIQUE,
                cls.RESEAU,
                cls.DELEGATION_REGIONALE,
                cls.INTER_RESEAU,
                cls.GROUPE,
            }
        )


_ORG_LABELS: dict[OrgKind, str] = {
    OrgKind.ACI: "Atelier et chantier d'insertion",
    OrgKind.EI: "Entreprise d'insertion",
    OrgKind.AI: "Association intermédiaire",
    OrgKind.ETTI: "Entreprise de travail temporaire d'insertion",
    OrgKind.EITI: "Entreprise d'insertion par le travail indépendant",
    OrgKind.GEIQ: "Groupement d'employeurs pour l'insertion et la qualification",
    OrgKind.EA: "Entreprise adaptée",
    OrgKind.EATT: "Entreprise adaptée de travail temporaire",
    OrgKind.ESAT: "Établissement et service d'aide par le travail",
    OrgKind.EBE: "Entreprise à but d'emploi",
    OrgKind.ENTREPRISE: "Entreprise",
    OrgKind.ASSOCIATION: "Association",
    OrgKind.CLUB: "Club « Les entreprises s'engagent »",
    OrgKind.PTCE: "Pôle territorial de coopération économique",
    OrgKind.FABRIQUE: "Fabrique à initiatives",
    OrgKind.RESEAU: "Réseau national de l'IAE",
    OrgKind.DELEGATION_REGIONALE: "Délégation régionale d'un réseau",
    OrgKind.INTER_RESEAU: "Inter-réseau régional de l'IAE",
    OrgKind.GROUPE: "Groupe ou groupement d'entreprises",
    OrgKind.DDETS: "DDETS",
    OrgKind.FRANCE_TRAVAIL: "Agence France Travail",
    OrgKind.COLLECTIVITE_COMMUNE: "Commune (collectivité)",
    OrgKind.COLLECTIVITE_EPCI: "Intercommunalité (collectivité)",
    OrgKind.CONSEIL_DEPARTEMENTAL: "Département (collectivité)",
    OrgKind.CONSEIL_REGIONAL: "Région (collectivité)",
    OrgKind.ETAT: "Service de l'État",
    OrgKind.ACHETEUR_PUBLIC: "Acheteur public",
    OrgKind.DLA: "Dispositif local d'accompagnement",
    OrgKind.RECHERCHE: "Organisme de recherche",
    OrgKind.FORMATION: "Organisme de formation",
    OrgKind.FONDATION: "Fondation",
    OrgKind.BANQUE: "Banque",
    OrgKind.INVESTISSEUR: "Investisseur solidaire",
}


class PlaceKind(StrEnum):
    COMMUNE = "Commune"
    ARRONDISSEMENT = "ArrondissementMunicipal"
    EPCI = "Epci"
    DEPARTEMENT = "Departement"
    REGION = "Region"
    ZONE_EMPLOI = "ZoneEmploi"

    @property
    def label(self) -> str:
        return _PLACE_LABELS[self]

    @property
    def id_family(self) -> str:
        """The family prefix of this kind's node ids (see graph.ids).

        >>> PlaceKind.ZONE_EMPLOI.id_family
        'ze'
        """
        return _PLACE_ID_FAMILIES[self]


_PLACE_LABELS: dict[PlaceKind, str] = {
    PlaceKind.COMMUNE: "Commune",
    PlaceKind.ARRONDISSEMENT: "Arrondissement municipal",
    PlaceKind.EPCI: "EPCI",
    PlaceKind.DEPARTEMENT: "Département",
    PlaceKind.REGION: "Région",
    PlaceKind.ZONE_EMPLOI: "Zone d'emploi",
}

# The id family each kind of place carries: `commune:10387`, `ze:2106`…
_PLACE_ID_FAMILIES: dict[PlaceKind, str] = {
    PlaceKind.COMMUNE: "commune",
    PlaceKind.ARRONDISSEMENT: "arrondissement",
    PlaceKind.EPCI: "epci",
    PlaceKind.DEPARTEMENT: "departement",
    PlaceKind.REGION: "region",
    PlaceKind.ZONE_EMPLOI: "ze",
}


class CodeKind(StrEnum):
    """Nomenclature entries and other non-organisation things."""

    NAF_SECTION = "NafSection"
    NAF_DIVISION = "NafDivision"
    NAF_GROUPE = "NafGroupe"
    NAF_CLASSE = "NafClasse"
    NAF_SOUS_CLASSE = "NafSousClasse"
    ROME = "Rome"
    SECTEUR = "SecteurMarche"
    PROJET = "Projet"
    CPV_DIVISION = "CpvDivision"
    MARCHE_PUBLIC = "MarchePublic"

    @property
    def label(self) -> str:
        return _CODE_LABELS[self]


_CODE_LABELS: dict[CodeKind, str] = {
    CodeKind.NAF_SECTION: "Section NAF",
    CodeKind.NAF_DIVISION: "Division NAF",
    CodeKind.NAF_GROUPE: "Groupe NAF",
    CodeKind.NAF_CLASSE: "Classe NAF",
    CodeKind.NAF_SOUS_CLASSE: "Sous-classe NAF",
    CodeKind.ROME: "Métier ROME",
    CodeKind.SECTEUR: "Secteur du Marché de l'inclusion",
    CodeKind.PROJET: "Projet",
    CodeKind.CPV_DIVISION: "Division CPV",
    CodeKind.MARCHE_PUBLIC: "Marché public",
}

NodeKind = OrgKind | PlaceKind | CodeKind


def node_kind(value: str) -> NodeKind:
    """Parse a kind from its value, whatever family it belongs to."""
    for family in (OrgKind, PlaceKind, CodeKind):
        try:
            return family(value)
        except ValueError:
            continue
    raise ValueError(f"unknown node kind: {value!r}")


class KindFamily(StrEnum):
    """The families a reader tells apart at a glance (legends, filters, facets)."""

    SIAE = "siae"
    INCLUSIF = "inclusif"
    ENTREPRISE = "entreprise"
    COLLECTIF = "collectif"
    PUBLIC = "public"
    FINANCEUR = "financeur"
    APPUI = "appui"
    LIEU = "lieu"
    CODE = "code"

    @property
    def label(self) -> str:
        return _FAMILY_LABELS[self]


_FAMILY_LABELS: dict[KindFamily, str] = {
    KindFamily.SIAE: "SIAE (ACI, EI, AI, ETTI, EITI)",
    KindFamily.INCLUSIF: "GEIQ, EA, ESAT, EBE",
    KindFamily.ENTREPRISE: "Entreprises et associations",
    KindFamily.COLLECTIF: "Clubs, PTCE, Fabriques, réseaux",
    KindFamily.PUBLIC: "Acteurs publics",
    KindFamily.FINANCEUR: "Financeurs",
    KindFamily.APPUI: "Accompagnement, recherche, formation",
    KindFamily.LIEU: "Territoires",
    KindFamily.CODE: "Nomenclatures",
}


def kind_family(kind: NodeKind | str) -> KindFamily:
    """The family of a node kind.

    >>> kind_family("ACI") is kind_family(OrgKind.ETTI) is KindFamily.SIAE
    True
    >>> kind_family("Club"), kind_family(PlaceKind.COMMUNE), kind_family("Entreprise")
    (<KindFamily.COLLECTIF: 'collectif'>, <KindFamily.LIEU: 'lieu'>, <KindFamily.ENTREPRISE: 'entreprise'>)
    """
    if not isinstance(kind, OrgKind | PlaceKind | CodeKind):
        kind = node_kind(kind)
    if isinstance(kind, PlaceKind):
        return KindFamily.LIEU
    if isinstance(kind, CodeKind):
        return KindFamily.CODE
    if kind in OrgKind.siae():
        return KindFamily.SIAE
    if kind in OrgKind.inclusive_employers():
        return KindFamily.INCLUSIF
    if kind in OrgKind.collectives():
        return KindFamily.COLLECTIF
    if kind in OrgKind.public_bodies():
        return KindFamily.PUBLIC
    if kind in {OrgKind.FONDATION, OrgKind.BANQUE, OrgKind.INVESTISSEUR}:
        return KindFamily.FINANCEUR
    if kind in {OrgKind.DLA, OrgKind.RECHERCHE, OrgKind.FORMATION}:
        return KindFamily.APPUI
    return KindFamily.ENTREPRISE


class RelKind(StrEnum):
    """Kinds of relation, in the UPPER_SNAKE form Cypher uses."""

    LOCATED_IN = "LOCATED_IN"  # organisation → place
    PART_OF = "PART_OF"  # place → place, code → broader code
    IN_SECTOR = "IN_SECTOR"  # organisation → NAF sous-classe
    SELLS_IN = "SELLS_IN"  # organisation → secteur du Marché de l'inclusion
    OFFERS_JOB = "OFFERS_JOB"  # organisation → ROME job
    MEMBER_OF = "MEMBER_OF"  # organisation → club, PTCE, réseau, fabrique
    DELEGATION_OF = "DELEGATION_OF"  # regional delegation → national network
    CARRIED_BY = "CARRIED_BY"  # fabrique, project → support organisation
    SUPPORTED_BY = "SUPPORTED_BY"  # organisation or project → fabrique, DLA
    PARTNER_OF = "PARTNER_OF"  # organisation → organisation, typed by form
    SAME_ESTABLISHMENT = "SAME_ESTABLISHMENT"  # two conventions of one SIRET
    AWARDED_BY = "AWARDED_BY"  # public contract → public buyer
    HOLDS = "HOLDS"  # organisation → public contract it holds (titulaire)
    CO_CONTRACTOR_OF = "CO_CONTRACTOR_OF"  # organisation → co-holder of one contract
    IN_CPV = "IN_CPV"  # public contract → CPV division

    @property
    def label(self) -> str:
        return _REL_LABELS[self]

    @property
    def predicate(self) -> str:
        """The local name of the RDF property (camelCase)."""
        head, *rest = self.value.lower().split("_")
        return head + "".join(part.capitalize() for part in rest)


_REL_LABELS: dict[RelKind, str] = {
    RelKind.LOCATED_IN: "situé dans",
    RelKind.PART_OF: "fait partie de",
    RelKind.IN_SECTOR: "secteur d'activité",
    RelKind.SELLS_IN: "propose dans le secteur",
    RelKind.OFFERS_JOB: "propose le métier",
    RelKind.MEMBER_OF: "membre de",
    RelKind.DELEGATION_OF: "délégation de",
    RelKind.CARRIED_BY: "portée par",
    RelKind.SUPPORTED_BY: "accompagné par",
    RelKind.PARTNER_OF: "partenaire de",
    RelKind.SAME_ESTABLISHMENT: "même établissement que",
    RelKind.AWARDED_BY: "attribué par",
    RelKind.HOLDS: "titulaire de",
    RelKind.CO_CONTRACTOR_OF: "cotitulaire avec",
    RelKind.IN_CPV: "catégorie d'achat CPV",
}


class PartnershipForm(StrEnum):
    """The four forms of the Le Rameau typology (guide p. 17)."""

    MECENAT = "mecenat"
    PRATIQUES_RESPONSABLES = "pratiques_responsables"
    COOPERATION_ECONOMIQUE = "cooperation_economique"
    INNOVATION_SOCIETALE = "innovation_societale"

    @property
    def label(self) -> str:
        return {
            "mecenat": "Mécénat",
            "pratiques_responsables": "Pratiques responsables",
            "cooperation_economique": "Coopération économique",
            "innovation_societale": "Innovation sociétale",
        }[self.value]


class PartnershipType(StrEnum):
    """The subtypes of partnership, each belonging to one form."""

    MECENAT_FINANCIER = "mecenat_financier"
    MECENAT_COMPETENCES = "mecenat_competences"
    MECENAT_NATURE = "mecenat_nature"
    ACHAT_RESPONSABLE = "achat_responsable"
    PMSMP = "pmsmp"
    RECRUTEMENT = "recrutement"
    SOUS_TRAITANCE = "sous_traitance"
    COTRAITANCE = "cotraitance"
    MISE_A_DISPOSITION = "mise_a_disposition"
    COCONSTRUCTION = "coconstruction"
    JVS = "jvs"

    @property
    def form(self) -> PartnershipForm:
        return _TYPE_FORM[self]

    @property
    def label(self) -> str:
        return _TYPE_LABELS[self]


_TYPE_FORM: dict[PartnershipType, PartnershipForm] = {
    PartnershipType.MECENAT_FINANCIER: PartnershipForm.MECENAT,
    PartnershipType.MECENAT_COMPETENCES: PartnershipForm.MECENAT,
    PartnershipType.MECENAT_NATURE: PartnershipForm.MECENAT,
    PartnershipType.ACHAT_RESPONSABLE: PartnershipForm.PRATIQUES_RESPONSABLES,
    PartnershipType.PMSMP: PartnershipForm.PRATIQUES_RESPONSABLES,
    PartnershipType.RECRUTEMENT: PartnershipForm.PRATIQUES_RESPONSABLES,
    PartnershipType.SOUS_TRAITANCE: PartnershipForm.COOPERATION_ECONOMIQUE,
    PartnershipType.COTRAITANCE: PartnershipForm.COOPERATION_ECONOMIQUE,
    PartnershipType.MISE_A_DISPOSITION: PartnershipForm.COOPERATION_ECONOMIQUE,
    PartnershipType.COCONSTRUCTION: PartnershipForm.INNOVATION_SOCIETALE,
    PartnershipType.JVS: PartnershipForm.INNOVATION_SOCIETALE,
}

_TYPE_LABELS: dict[PartnershipType, str] = {
    PartnershipType.MECENAT_FINANCIER: "Mécénat financier",
    PartnershipType.MECENAT_COMPETENCES: "Mécénat de compétences",
    PartnershipType.MECENAT_NATURE: "Mécénat en nature",
    PartnershipType.ACHAT_RESPONSABLE: "Achat responsable",
    PartnershipType.PMSMP: "PMSMP (immersion)",
    PartnershipType.RECRUTEMENT: "Recrutement en sortie de parcours",
    PartnershipType.SOUS_TRAITANCE: "Sous-traitance",
    PartnershipType.COTRAITANCE: "Cotraitance (GME)",
    PartnershipType.MISE_A_DISPOSITION: "Mise à disposition de personnel",
    PartnershipType.COCONSTRUCTION: "Coconstruction d'un projet collectif",
    PartnershipType.JVS: "Joint-venture sociale",
}


class MemberRole(StrEnum):
    LEADER = "leader"
    MEMBRE = "membre"
    FONDATEUR = "fondateur"
    ANIMATEUR = "animateur"


class GmeMode(StrEnum):
    """The two kinds of groupement momentané d'entreprises in a cotraitance."""

    CONJOINT = "conjoint"
    SOLIDAIRE = "solidaire"
