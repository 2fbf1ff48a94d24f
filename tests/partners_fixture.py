"""A small named territory for the partner queries: Boutique Boulot (ACI, Troyes), an
EI, a club, a PTCE, a network and four companies, with hand-checkable ties."""

from __future__ import annotations

from datetime import date

from graph.kinds import CodeKind, OrgKind, PartnershipType, PlaceKind, RelKind
from graph.model import Batch, Edge, Node, Provenance

PARTNERS = Provenance("fixture-partenaires", date(2024, 6, 1), synthetic=True, title="Partenaires de test")

BB = "org:34267885100045-aci"
EI = "org:ei-troyes"
CLUB = "org:club-10"
PTCE = "org:ptce-aube"
RESEAU = "org:chantier-ecole"
PAYSAGE = "org:paysage"  # 81.30Z, Troyes, club member
ELEC = "org:elec"  # 43.21A, Romilly, PTCE member
RESTO = "org:resto"  # 56.10A, Troyes, partner of the EI
OLD = "org:old"  # 81.30Z, Troyes, already a partner of Boutique Boulot


def partners_batch() -> Batch:
    T = PartnershipType
    nodes = [
        Node("departement:10", PlaceKind.DEPARTEMENT, "Aube"),
        Node("commune:10387", PlaceKind.COMMUNE, "Troyes", {"latitude": 48.2973, "longitude": 4.0744}),
        Node(
            "commune:10323",
            PlaceKind.COMMUNE,
            "Romilly-sur-Seine",
            {"latitude": 48.5167, "longitude": 3.7267},
        ),
        Node("naf:81.30Z", CodeKind.NAF_SOUS_CLASSE, "Services d'aménagement paysager"),
        Node("naf:43.21A", CodeKind.NAF_SOUS_CLASSE, "Travaux d'installation électrique dans tous locaux"),
        Node("naf:56.10A", CodeKind.NAF_SOUS_CLASSE, "Restauration traditionnelle"),
        Node("naf:88.99B", CodeKind.NAF_SOUS_CLASSE, "Action sociale sans hébergement n.c.a."),
        Node(
            "secteur:creation-et-entretien-des-espaces-verts",
            CodeKind.SECTEUR,
            "Création et entretien des espaces verts",
        ),
        Node(BB, OrgKind.ACI, "Boutique Boulot", {"siret": "34267885100045"}),
        Node(EI, OrgKind.EI, "Recyclerie de Troyes"),
        Node(CLUB, OrgKind.CLUB, "Club de l'Aube"),
        Node(PTCE, OrgKind.PTCE, "PTCE Aube"),
        Node(RESEAU, OrgKind.RESEAU, "Chantier École"),
        Node(
            PAYSAGE,
            OrgKind.ENTREPRISE,
            "Paysages de Champagne",
            {"size_band": "12", "siret": "80746931700018"},
        ),
        Node(ELEC, OrgKind.ENTREPRISE, "Électricité Troyenne", {"size_band": "21"}),
        Node(RESTO, OrgKind.ENTREPRISE, "Restaurant du Centre", {"size_band": "01"}),
        Node(OLD, OrgKind.ENTREPRISE, "Paysages Anciens", {"size_band": "11"}),
    ]
    edges = [
        Edge("commune:10387", RelKind.PART_OF, "departement:10"),
        Edge("commune:10323", RelKind.PART_OF, "departement:10"),
        *(Edge(o, RelKind.LOCATED_IN, "commune:10387") for o in (BB, EI, PAYSAGE, RESTO, OLD)),
        Edge(ELEC, RelKind.LOCATED_IN, "commune:10323"),
        Edge(BB, RelKind.IN_SECTOR, "naf:88.99B"),
        Edge(PAYSAGE, RelKind.IN_SECTOR, "naf:81.30Z"),
        Edge(OLD, RelKind.IN_SECTOR, "naf:81.30Z"),
        Edge(ELEC, RelKind.IN_SECTOR, "naf:43.21A"),
        Edge(RESTO, RelKind.IN_SECTOR, "naf:56.10A"),
        Edge(BB, RelKind.SELLS_IN, "secteur:creation-et-entretien-des-espaces-verts"),
        Edge(BB, RelKind.MEMBER_OF, CLUB, {"role": "membre"}),
        Edge(PAYSAGE, RelKind.MEMBER_OF, CLUB, {"role": "leader"}),
        Edge(BB, RelKind.MEMBER_OF, RESEAU),
        Edge(EI, RelKind.MEMBER_OF, RESEAU),
        Edge(EI, RelKind.MEMBER_OF, PTCE),
        Edge(ELEC, RelKind.MEMBER_OF, PTCE),
        Edge(BB, RelKind.PARTNER_OF, OLD, {"type": "achat_responsable"}, key=T.ACHAT_RESPONSABLE.value),
        Edge(EI, RelKind.PARTNER_OF, RESTO, {"type": "achat_responsable"}, key=T.ACHAT_RESPONSABLE.value),
        Edge(BB, RelKind.PARTNER_OF, EI, {"type": "cotraitance"}, key=T.COTRAITANCE.value),
    ]
    return Batch(PARTNERS, nodes, edges)


DECP = Provenance("fixture-decp", date(2024, 6, 1), synthetic=True, title="Marchés publics de test")

TROYES_BUYER = "org:21100387500019"  # Ville de Troyes, a public buyer
ROMILLY_BUYER = "org:21100323300013"
M1 = "marche:21100387500019-2019-01"  # espaces verts (77), Troyes: EI and Paysages de Champagne together
M2 = "marche:21100387500019-2019-02"  # espaces verts (77), Troyes: Paysages de Champagne
M3 = "marche:21100323300013-2019-01"  # travaux (45), Romilly: Électricité Troyenne
M4 = "marche:21100323300013-2019-02"  # espaces verts (77), Romilly: Boutique Boulot and Électricité Troyenne


CPV_77 = "Services agricoles, sylvicoles, horticoles, aquacoles et apicoles"


def procurement_batch() -> Batch:
    """Four public contracts of two buyers, as the DECP loader writes them."""
    nodes = [
        Node(TROYES_BUYER, OrgKind.ACHETEUR_PUBLIC, "Ville de Troyes", {"siret": TROYES_BUYER[4:]}),
        Node(ROMILLY_BUYER, OrgKind.ACHETEUR_PUBLIC, "Ville de Romilly", {"siret": ROMILLY_BUYER[4:]}),
        Node("cpv:77", CodeKind.CPV_DIVISION, CPV_77),
        Node("cpv:45", CodeKind.CPV_DIVISION, "Travaux de construction"),
        Node(M1, CodeKind.MARCHE_PUBLIC, "Entretien des espaces verts", {"cpv": "77310000-6"}),
        Node(M2, CodeKind.MARCHE_PUBLIC, "Tonte des parcs", {"cpv": "77314000-4"}),
        Node(M3, CodeKind.MARCHE_PUBLIC, "Rénovation de l'école", {"cpv": "45000000-7"}),
        Node(M4, CodeKind.MARCHE_PUBLIC, "Entretien du cimetière", {"cpv": "77310000-6"}),
    ]
    edges = [
        Edge(TROYES_BUYER, RelKind.LOCATED_IN, "commune:10387"),
        Edge(ROMILLY_BUYER, RelKind.LOCATED_IN, "commune:10323"),
        *(Edge(m, RelKind.AWARDED_BY, TROYES_BUYER) for m in (M1, M2)),
        *(Edge(m, RelKind.AWARDED_BY, ROMILLY_BUYER) for m in (M3, M4)),
        *(Edge(m, RelKind.IN_CPV, "cpv:77") for m in (M1, M2, M4)),
        Edge(M3, RelKind.IN_CPV, "cpv:45"),
        Edge(EI, RelKind.HOLDS, M1, {"match": "siret"}),
        Edge(PAYSAGE, RelKind.HOLDS, M1, {"match": "siret"}),
        Edge(PAYSAGE, RelKind.HOLDS, M2, {"match": "siret"}),
        Edge(ELEC, RelKind.HOLDS, M3, {"match": "siren"}),
        Edge(BB, RelKind.HOLDS, M4, {"match": "siret"}),
        Edge(ELEC, RelKind.HOLDS, M4, {"match": "siren"}),
        Edge(EI, RelKind.CO_CONTRACTOR_OF, PAYSAGE, key=M1),
        Edge(BB, RelKind.CO_CONTRACTOR_OF, ELEC, key=M4),
    ]
    return Batch(DECP, nodes, edges)
