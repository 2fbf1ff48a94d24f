"""Our own CSV formats (loaders/formats.py): one test per rejection reason, each on a
small inline file, and happy paths with their exact relations, written to the real
embedded store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from graph.kinds import CodeKind, OrgKind, PlaceKind, RelKind
from graph.model import Batch, Edge, Node, Provenance, Rejection
from graph.oxigraph_store import OxigraphStore
from loaders.base import LoaderError
from loaders.formats import (
    KnownNodes,
    load_club_members,
    load_fabriques,
    load_network_members,
    load_partnerships,
    load_ptce,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
FRAME = Provenance("frame-test", date(2025, 1, 1), title="Cadre de test")
OWN = Provenance("format-test", date(2025, 1, 2), synthetic=True)

BOUTIQUE_BOULOT = "34267885100045"  # real SIRET (Troyes), one ACI convention in the mirror
TWO_CONVENTIONS = "39876543200016"  # an ACI and an AI on one SIRET
MENUISERIE, TRANSPORTS, BOULANGERIE = "51234567800019", "52345678900016", "53456789000015"
SUPPORT, TOWN_HALL = "org:44123456700010", "org:211003744"
JARDINS = "org:jardins-partages-de-troyes-10387"


def frame_batch() -> Batch:
    """What the real loaders and the generic import would have written for the examples."""
    nodes = [
        Node("region:44", PlaceKind.REGION, "Grand Est"),
        Node("departement:10", PlaceKind.DEPARTEMENT, "Aube"),
        Node("commune:10387", PlaceKind.COMMUNE, "Troyes"),
        Node("commune:10323", PlaceKind.COMMUNE, "Romilly-sur-Seine"),
        Node(f"org:{BOUTIQUE_BOULOT}-aci", OrgKind.ACI, "ASSOC BOUTIQUE BOULOT", {"siret": BOUTIQUE_BOULOT}),
        Node(f"org:{TWO_CONVENTIONS}-aci", OrgKind.ACI, "Deux conventions (ACI)", {"siret": TWO_CONVENTIONS}),
        Node(f"org:{TWO_CONVENTIONS}-ai", OrgKind.AI, "Deux conventions (AI)", {"siret": TWO_CONVENTIONS}),
        Node(f"org:{MENUISERIE}", OrgKind.ENTREPRISE, "Menuiserie Champenoise"),
        Node(f"org:{TRANSPORTS}", OrgKind.ENTREPRISE, "Transports de Seine"),
        Node(f"org:{BOULANGERIE}", OrgKind.ENTREPRISE, "Boulangerie du Marché"),
        Node(SUPPORT, OrgKind.ASSOCIATION, "Atelier des initiatives Aube"),
        Node(TOWN_HALL, OrgKind.COLLECTIVITE_COMMUNE, "Commune de Troyes"),
        Node(JARDINS, OrgKind.ASSOCIATION, "Jardins partagés de Troyes"),
    ]
    edges = [
        Edge("departement:10", RelKind.PART_OF, "region:44"),
        Edge("commune:10387", RelKind.PART_OF, "departement:10"),
        Edge("commune:10323", RelKind.PART_OF, "departement:10"),
    ]
    return Batch(FRAME, nodes, edges)


@pytest.fixture
def store() -> Iterator[OxigraphStore]:
    with OxigraphStore() as s:
        s.upsert(frame_batch())
        yield s


@pytest.fixture
def known(store: OxigraphStore) -> KnownNodes:
    """The nodes of the store, looked up in it: the real component."""
    return KnownNodes.of_store(store)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def idents(edges: object) -> set[tuple[str, str, str, str]]:
    return {e.ident for e in edges}  # type: ignore[attr-defined]


CLUB_HEADER = "club,departement,siret,role,since\n"
CLUB = "Club de l'Aube"


# -- club memberships -----------------------------------------------------------------


def test_club_members_are_written_with_role_and_since(
    tmp_path: Path, store: OxigraphStore, known: KnownNodes
) -> None:
    path = write(
        tmp_path,
        "clubs.csv",
        CLUB_HEADER
        + f"{CLUB},10,{MENUISERIE},leader,2019-03-01\n"
        + f"{CLUB},10,{TRANSPORTS},membre,2021\n"
        + f"{CLUB},10,{TWO_CONVENTIONS},,\n",
    )
    out = load_club_members(path, provenance=OWN, known=known)
    assert out.rejected == [] and out.unresolved == [] and out.rows_in == 3
    assert [(n.id, n.kind, n.name) for n in out.batch.nodes] == [("org:club-10", OrgKind.CLUB, CLUB)]
    store.upsert(out.batch)
    edges = {e.ident: e for e in store.neighbourhood("org:club-10").edges}
    assert set(edges) == {
        ("org:club-10", "LOCATED_IN", "departement:10", ""),
        (f"org:{MENUISERIE}", "MEMBER_OF", "org:club-10", ""),
        (f"org:{TRANSPORTS}", "MEMBER_OF", "org:club-10", ""),
        (f"org:{TWO_CONVENTIONS}-aci", "MEMBER_OF", "org:club-10", ""),
        (f"org:{TWO_CONVENTIONS}-ai", "MEMBER_OF", "org:club-10", ""),
    }
    assert dict(edges[(f"org:{MENUISERIE}", "MEMBER_OF", "org:club-10", "")].attrs) == {
        "role": "leader",
        "since": date(2019, 3, 1),
    }
    assert dict(edges[(f"org:{TRANSPORTS}", "MEMBER_OF", "org:club-10", "")].attrs) == {
        "role": "membre",
        "since": date(2021, 1, 1),
    }
    assert dict(edges[(f"org:{TWO_CONVENTIONS}-ai", "MEMBER_OF", "org:club-10", "")].attrs) == {
        "role": "membre"
    }


def test_club_unknown_role_is_rejected(tmp_path: Path, known: KnownNodes) -> None:
    path = write(tmp_path, "clubs.csv", CLUB_HEADER + f"{CLUB},10,{MENUISERIE},président,\n")
    out = load_club_members(path, provenance=OWN, known=known)
    assert out.rejected == [
        Rejection("clubs.csv", 2, "role", "rôle inconnu 'président' ; un parmi leader, membre")
    ]
    assert out.batch.edges == ()


def test_club_role_of_a_ptce_is_rejected(tmp_path: Path, known: KnownNodes) -> None:
    path = write(tmp_path, "clubs.csv", CLUB_HEADER + f"{CLUB},10,{MENUISERIE},fondateur,\n")
    out = load_club_members(path, provenance=OWN, known=known)
    assert [(r.line, r.field) for r in out.rejected] == [(2, "role")]


def test_club_invalid_siret_is_rejected_with_its_line(tmp_path: Path, known: KnownNodes) -> None:
    path = write(
        tmp_path,
        "clubs.csv",
        CLUB_HEADER + f"{CLUB},10,{MENUISERIE},membre,\n{CLUB},10,51234567800018,membre,\n",
    )
    out = load_club_members(path, provenance=OWN, known=known)
    assert out.rejected == [
        Rejection("clubs.csv", 3, "siret", "SIRET invalide 51234567800018 : clé de Luhn fausse")
    ]
    assert idents(out.batch.edges) == {
        ("org:club-10", "LOCATED_IN", "departement:10", ""),
        (f"org:{MENUISERIE}", "MEMBER_OF", "org:club-10", ""),
    }


def test_club_siret_not_in_the_graph_is_rejected(tmp_path: Path, known: KnownNodes) -> None:
    path = write(tmp_path, "clubs.csv", CLUB_HEADER + f"{CLUB},10,80746931700018,membre,\n")
    out = load_club_members(path, provenance=OWN, known=known)
    assert out.rejected == [
        Rejection(
            "clubs.csv",
            2,
            "siret",
            "organisation inconnue : le graphe ne contient aucun SIRET 80746931700018",
        )
    ]
    assert out.batch.nodes == () and out.batch.edges == ()


def test_club_unknown_departement_is_rejected(tmp_path: Path, known: KnownNodes) -> None:
    path = write(tmp_path, "clubs.csv", CLUB_HEADER + f"Club de l'Aude,11,{MENUISERIE},membre,\n")
    out = load_club_members(path, provenance=OWN, known=known)
    assert out.rejected == [Rejection("clubs.csv", 2, "departement", "département inconnu : '11'")]


def test_club_name_changing_within_a_departement_is_rejected(tmp_path: Path, known: KnownNodes) -> None:
    path = write(
        tmp_path,
        "clubs.csv",
        CLUB_HEADER + f"{CLUB},10,{MENUISERIE},membre,\nAutre club,10,{TRANSPORTS},membre,\n",
    )
    out = load_club_members(path, provenance=OWN, known=known)
    assert out.rejected == [
        Rejection(
            "clubs.csv",
            3,
            "club",
            "'Autre club' diffère de \"Club de l'Aube\", donné pour org:club-10 à la ligne 2",
        )
    ]


def test_club_duplicate_member_is_rejected(tmp_path: Path, known: KnownNodes) -> None:
    path = write(tmp_path, "clubs.csv", CLUB_HEADER + f"{CLUB},10,{MENUISERIE},membre,\n" * 2)
    out = load_club_members(path, provenance=OWN, known=known)
    assert out.rejected == [
        Rejection("clubs.csv", 3, "siret", "doublon : la même relation est sur une ligne précédente")
    ]


def test_club_bad_date_is_rejected(tmp_path: Path, known: KnownNodes) -> None:
    path = write(tmp_path, "clubs.csv", CLUB_HEADER + f"{CLUB},10,{MENUISERIE},membre,01/03/2019\n")
    out = load_club_members(path, provenance=OWN, known=known)
    assert out.rejected == [
        Rejection("clubs.csv", 2, "since", "ni une date (AAAA-MM-JJ) ni une année : '01/03/2019'")
    ]


def test_club_missing_column_stops_before_anything_is_written(
    tmp_path: Path, store: OxigraphStore, known: KnownNodes
) -> None:
    before = len(store)
    path = write(tmp_path, "clubs.csv", f"club,departement,siret,since\n{CLUB},10,{MENUISERIE},2019\n")
    with pytest.raises(LoaderError, match="colonne manquante : role"):
        load_club_members(path, provenance=OWN, known=known)
    assert len(store) == before


def test_club_file_not_utf8_is_a_loader_error(tmp_path: Path, known: KnownNodes) -> None:
    path = tmp_path / "clubs.csv"
    path.write_bytes((CLUB_HEADER + f"Club de l'Aube à Troyes,10,{MENUISERIE},membre,\n").encode("latin-1"))
    with pytest.raises(LoaderError, match="pas en UTF-8"):
        load_club_members(path, provenance=OWN, known=known)


def test_club_file_with_semicolons_and_bom_loads(tmp_path: Path, known: KnownNodes) -> None:
    path = tmp_path / "clubs.csv"
    path.write_bytes(
        ("\ufeffclub;departement;siret;role;since\n" + f"{CLUB};10;{MENUISERIE};leader;\n").encode()
    )
    out = load_club_members(path, provenance=OWN, known=known)
    assert out.rejected == []
    assert (f"org:{MENUISERIE}", "MEMBER_OF", "org:club-10", "") in idents(out.batch.edges)


# -- PTCE ----------------------------------------------------------------------------

PTCE_HEADER = "ptce_id,ptce_name,commune,member,member_kind,role,since\n"
PTCE = "ptce-troyes,PTCE de Troyes,10387"


def test_ptce_members_are_written(tmp_path: Path, store: OxigraphStore, known: KnownNodes) -> None:
    path = write(
        tmp_path,
        "ptce.csv",
        PTCE_HEADER
        + f"{PTCE},{JARDINS},Association,animateur,2016\n"
        + f"{PTCE},{TWO_CONVENTIONS},AI,fondateur,2016\n"
        + f"{PTCE},{BOULANGERIE},,membre,2018-09-15\n",
    )
    out = load_ptce(path, provenance=OWN, known=known)
    assert out.rejected == []
    assert [(n.id, n.kind, n.name) for n in out.batch.nodes] == [
        ("org:ptce-troyes", OrgKind.PTCE, "PTCE de Troyes")
    ]
    store.upsert(out.batch)
    edges = {e.ident: dict(e.attrs) for e in store.neighbourhood("org:ptce-troyes").edges}
    assert edges == {
        ("org:ptce-troyes", "LOCATED_IN", "commune:10387", ""): {},
        (JARDINS, "MEMBER_OF", "org:ptce-troyes", ""): {"role": "animateur", "since": date(2016, 1, 1)},
        (f"org:{TWO_CONVENTIONS}-ai", "MEMBER_OF", "org:ptce-troyes", ""): {
            "role": "fondateur",
            "since": date(2016, 1, 1),
        },
        (f"org:{BOULANGERIE}", "MEMBER_OF", "org:ptce-troyes", ""): {
            "role": "membre",
            "since": date(2018, 9, 15),
        },
    }


def test_ptce_unknown_role_is_rejected(tmp_path: Path, known: KnownNodes) -> None:
    path = write(tmp_path, "ptce.csv", PTCE_HEADER + f"{PTCE},{BOULANGERIE},,trésorier,\n")
    out = load_ptce(path, provenance=OWN, known=known)
    assert out.rejected == [
        Rejection(
            "ptce.csv", 2, "role", "rôle inconnu 'trésorier' ; un parmi leader, membre, fondateur, animateur"
        )
    ]


def test_ptce_unknown_member_kind_is_rejected(tmp_path: Path, known: KnownNodes) -> None:
    path = write(tmp_path, "ptce.csv", PTCE_HEADER + f"{PTCE},{BOULANGERIE},SARL,membre,\n")
    out = load_ptce(path, provenance=OWN, known=known)
    assert [(r.line, r.field) for r in out.rejected] == [(2, "member_kind")]
    assert out.rejected[0].reason.startswith("type inconnu 'SARL' ; un parmi ACI, EI")


def test_ptce_unknown_commune_is_rejected(tmp_path: Path, known: KnownNodes) -> None:
    path = write(tmp_path, "ptce.csv", PTCE_HEADER + f"ptce-x,PTCE X,99999,{BOULANGERIE},,membre,\n")
    out = load_ptce(path, provenance=OWN, known=known)
    assert out.rejected == [Rejection("ptce.csv", 2, "commune", "commune inconnue 99999 : absente du graphe")]


def test_ptce_unknown_member_id_is_rejected(tmp_path: Path, known: KnownNodes) -> None:
    path = write(tmp_path, "ptce.csv", PTCE_HEADER + f"{PTCE},org:inconnue,,membre,\n")
    out = load_ptce(path, provenance=OWN, known=known)
    assert out.rejected == [
        Rejection("ptce.csv", 2, "member", "organisation inconnue : le graphe ne contient aucun org:inconnue")
    ]


def test_ptce_missing_column_is_a_loader_error(tmp_path: Path, known: KnownNodes) -> None:
    path = write(tmp_path, "ptce.csv", "ptce_id,ptce_name,member,role\n")
    with pytest.raises(LoaderError, match="colonnes manquantes : commune, member_kind, since"):
        load_ptce(path, provenance=OWN, known=known)


# -- Fabriques -------------------------------------------------------------------------

FABRIQUE_HEADER = "fabrique,carrier,region,project,project_commune,partners\n"
FABRIQUE = "Fabrique à initiatives Aube"


def test_fabrique_projects_and_partners_are_written(tmp_path: Path, known: KnownNodes) -> None:
    path = write(
        tmp_path,
        "fabriques.csv",
        FABRIQUE_HEADER
        + f"{FABRIQUE},{SUPPORT},44,Recyclerie,10323,{TRANSPORTS}|{BOUTIQUE_BOULOT}|80746931700018\n"
        + f"{FABRIQUE},{SUPPORT},44,,,\n",
    )
    out = load_fabriques(path, provenance=OWN, known=known)
    assert out.rejected == []
    assert out.unresolved == [
        Rejection(
            "fabriques.csv",
            2,
            "partners",
            "partenaire laissé de côté : organisation inconnue : "
            "le graphe ne contient aucun SIRET 80746931700018",
        )
    ]
    fab, project = "org:fabrique-a-initiatives-aube", "projet:recyclerie-10323"
    assert [(n.id, n.kind) for n in out.batch.nodes] == [(fab, OrgKind.FABRIQUE), (project, CodeKind.PROJET)]
    assert idents(out.batch.edges) == {
        (fab, "LOCATED_IN", "region:44", ""),
        (fab, "CARRIED_BY", SUPPORT, ""),
        (project, "SUPPORTED_BY", fab, ""),
        (project, "LOCATED_IN", "commune:10323", ""),
        (project, "SUPPORTED_BY", f"org:{TRANSPORTS}", ""),
        (project, "SUPPORTED_BY", f"org:{BOUTIQUE_BOULOT}-aci", ""),
    }


def test_fabrique_unknown_carrier_is_rejected(tmp_path: Path, known: KnownNodes) -> None:
    path = write(tmp_path, "fabriques.csv", FABRIQUE_HEADER + f"{FABRIQUE},org:adress,44,,,\n")
    out = load_fabriques(path, provenance=OWN, known=known)
    assert out.rejected == [
        Rejection(
            "fabriques.csv", 2, "carrier", "organisation inconnue : le graphe ne contient aucun org:adress"
        )
    ]


def test_fabrique_unknown_region_is_rejected(tmp_path: Path, known: KnownNodes) -> None:
    path = write(tmp_path, "fabriques.csv", FABRIQUE_HEADER + f"{FABRIQUE},{SUPPORT},Grand Est,,,\n")
    out = load_fabriques(path, provenance=OWN, known=known)
    assert out.rejected == [Rejection("fabriques.csv", 2, "region", "région inconnue : 'Grand Est'")]


def test_fabrique_missing_column_is_a_loader_error(tmp_path: Path, known: KnownNodes) -> None:
    path = write(tmp_path, "fabriques.csv", "fabrique,carrier,region,project\n")
    with pytest.raises(LoaderError, match="colonnes manquantes : project_commune, partners"):
        load_fabriques(path, provenance=OWN, known=known)


# -- network memberships ---------------------------------------------------------------

NETWORK_HEADER = "network,member,since,inferred\n"


def test_network_memberships_are_written(tmp_path: Path, known: KnownNodes) -> None:
    path = write(
        tmp_path,
        "reseaux.csv",
        NETWORK_HEADER
        + f"fei,org:{TWO_CONVENTIONS}-aci,2012,true\n"
        + f"Emmaüs France,{BOUTIQUE_BOULOT},,false\n"
        + f"Réseau local,{BOUTIQUE_BOULOT},2020,\n",
    )
    out = load_network_members(path, provenance=OWN, known=known)
    assert out.rejected == []
    assert out.unresolved == [
        Rejection("reseaux.csv", 4, "network", "'Réseau local' n'est pas l'un des réseaux nationaux de l'IAE")
    ]
    assert [(n.id, n.kind, n.name) for n in out.batch.nodes] == [
        (
            "org:federation-des-entreprises-d-insertion",
            OrgKind.RESEAU,
            "Fédération des entreprises d'insertion",
        ),
        ("org:emmaus-france", OrgKind.RESEAU, "Emmaüs France"),
        ("org:reseau-local", OrgKind.RESEAU, "Réseau local"),
    ]
    bb = f"org:{BOUTIQUE_BOULOT}-aci"
    assert {e.ident: dict(e.attrs) for e in out.batch.edges} == {
        (f"org:{TWO_CONVENTIONS}-aci", "MEMBER_OF", "org:federation-des-entreprises-d-insertion", ""): {
            "role": "membre",
            "since": date(2012, 1, 1),
            "inferred": True,
        },
        (bb, "MEMBER_OF", "org:emmaus-france", ""): {"role": "membre", "inferred": False},
        (bb, "MEMBER_OF", "org:reseau-local", ""): {
            "role": "membre",
            "since": date(2020, 1, 1),
            "inferred": False,
        },
    }


def test_network_bad_inferred_flag_is_rejected(tmp_path: Path, known: KnownNodes) -> None:
    path = write(tmp_path, "reseaux.csv", NETWORK_HEADER + f"fei,{BOUTIQUE_BOULOT},,peut-être\n")
    out = load_network_members(path, provenance=OWN, known=known)
    assert out.rejected == [
        Rejection("reseaux.csv", 2, "inferred", "pas un booléen (true/false) : 'peut-être'")
    ]


def test_network_missing_column_is_a_loader_error(tmp_path: Path, known: KnownNodes) -> None:
    path = write(tmp_path, "reseaux.csv", "network,member,since\n")
    with pytest.raises(LoaderError, match="colonne manquante : inferred"):
        load_network_members(path, provenance=OWN, known=known)


# -- partnerships ------------------------------------------------------------------------

PARTNERSHIP_HEADER = "from,to,form,subtype,start,end,source\n"
BB = f"org:{BOUTIQUE_BOULOT}-aci"


def test_partnerships_are_written_keyed_by_subtype(
    tmp_path: Path, store: OxigraphStore, known: KnownNodes
) -> None:
    path = write(
        tmp_path,
        "partenariats.csv",
        PARTNERSHIP_HEADER
        + f"{BB},{MENUISERIE},pratiques_responsables,achat_responsable,2020-01-15,,guide p. 36\n"
        + f"{BB},{MENUISERIE},,recrutement,2021,,\n"
        + f"{TWO_CONVENTIONS},{TRANSPORTS},cooperation_economique,sous_traitance,2019-06-01,2022-06-30,\n",
    )
    out = load_partnerships(path, provenance=OWN, known=known)
    assert out.rejected == [] and out.batch.nodes == ()
    store.upsert(out.batch)
    partnerships = {e.ident: dict(e.attrs) for e in store.subgraph().edges if e.rel is RelKind.PARTNER_OF}
    menuiserie, transports = f"org:{MENUISERIE}", f"org:{TRANSPORTS}"
    subcontracting = {
        "type": "sous_traitance",
        "form": "cooperation_economique",
        "since": date(2019, 6, 1),
        "until": date(2022, 6, 30),
    }
    assert partnerships == {
        (BB, "PARTNER_OF", menuiserie, "achat_responsable"): {
            "type": "achat_responsable",
            "form": "pratiques_responsables",
            "since": date(2020, 1, 15),
            "reference": "guide p. 36",
        },
        (BB, "PARTNER_OF", menuiserie, "recrutement"): {
            "type": "recrutement",
            "form": "pratiques_responsables",
            "since": date(2021, 1, 1),
        },
        (f"org:{TWO_CONVENTIONS}-aci", "PARTNER_OF", transports, "sous_traitance"): subcontracting,
        (f"org:{TWO_CONVENTIONS}-ai", "PARTNER_OF", transports, "sous_traitance"): subcontracting,
    }


def test_partnership_unknown_subtype_is_rejected(tmp_path: Path, known: KnownNodes) -> None:
    path = write(tmp_path, "partenariats.csv", PARTNERSHIP_HEADER + f"{BB},{MENUISERIE},,parrainage,,,\n")
    out = load_partnerships(path, provenance=OWN, known=known)
    assert out.rejected == [
        Rejection("partenariats.csv", 2, "subtype", "sous-type de partenariat inconnu : 'parrainage'")
    ]


def test_partnership_form_not_matching_subtype_is_rejected(tmp_path: Path, known: KnownNodes) -> None:
    path = write(
        tmp_path, "partenariats.csv", PARTNERSHIP_HEADER + f"{BB},{MENUISERIE},mecenat,cotraitance,,,\n"
    )
    out = load_partnerships(path, provenance=OWN, known=known)
    assert out.rejected == [
        Rejection(
            "partenariats.csv",
            2,
            "form",
            "cotraitance relève de la forme cooperation_economique, pas de mecenat",
        )
    ]


def test_partnership_ending_before_it_starts_is_rejected(tmp_path: Path, known: KnownNodes) -> None:
    path = write(
        tmp_path,
        "partenariats.csv",
        PARTNERSHIP_HEADER + f"{BB},{MENUISERIE},,pmsmp,2022-05-01,2021-05-01,\n",
    )
    out = load_partnerships(path, provenance=OWN, known=known)
    assert out.rejected == [
        Rejection("partenariats.csv", 2, "end", "finit (2021-05-01) avant de commencer (2022-05-01)")
    ]


def test_partnership_invalid_siret_is_rejected_with_its_line(tmp_path: Path, known: KnownNodes) -> None:
    path = write(
        tmp_path,
        "partenariats.csv",
        PARTNERSHIP_HEADER + f"{BB},{MENUISERIE},,pmsmp,,,\n{BB},123,,pmsmp,,,\n",
    )
    out = load_partnerships(path, provenance=OWN, known=known)
    assert out.rejected == [
        Rejection("partenariats.csv", 3, "to", "ni un SIRET (14 chiffres) ni un identifiant (org:…) : '123'")
    ]
    assert len(out.batch.edges) == 1


def test_partnership_to_unknown_organisation_is_left_out(tmp_path: Path, known: KnownNodes) -> None:
    path = write(tmp_path, "partenariats.csv", PARTNERSHIP_HEADER + f"{BB},org:veolia,,pmsmp,,,\n")
    out = load_partnerships(path, provenance=OWN, known=known)
    assert out.rejected == [
        Rejection(
            "partenariats.csv", 2, "to", "organisation inconnue : le graphe ne contient aucun org:veolia"
        )
    ]
    assert out.batch.edges == ()


def test_partnership_with_itself_is_rejected(tmp_path: Path, known: KnownNodes) -> None:
    path = write(tmp_path, "partenariats.csv", PARTNERSHIP_HEADER + f"{BB},{BOUTIQUE_BOULOT},,pmsmp,,,\n")
    out = load_partnerships(path, provenance=OWN, known=known)
    assert out.rejected == [
        Rejection("partenariats.csv", 2, "to", "une organisation ne peut pas être sa propre partenaire")
    ]


def test_partnership_missing_column_is_a_loader_error(tmp_path: Path, known: KnownNodes) -> None:
    path = write(tmp_path, "partenariats.csv", "from,to,type\n")
    with pytest.raises(LoaderError, match="colonnes manquantes : form, subtype, start, end, source"):
        load_partnerships(path, provenance=OWN, known=known)


# -- the documented examples ------------------------------------------------------------


def test_documented_examples_load_without_a_rejection(store: OxigraphStore, known: KnownNodes) -> None:
    loaders = (
        ("clubs.csv", load_club_members),
        ("ptce.csv", load_ptce),
        ("fabriques.csv", load_fabriques),
        ("reseaux.csv", load_network_members),
        ("partenariats.csv", load_partnerships),
    )
    written = {}
    for name, load in loaders:
        out = load(EXAMPLES / name, provenance=OWN, known=known)
        assert (name, out.rejected, out.unresolved) == (name, [], [])
        store.upsert(out.batch)
        known.add_batch(out.batch)
        written[name] = (len(out.batch.nodes), len(out.batch.edges))
    assert written == {
        "clubs.csv": (1, 4),  # the club; LOCATED_IN + 3 members
        "ptce.csv": (1, 5),  # the PTCE; LOCATED_IN + 4 members
        # the Fabrique and 2 projects; LOCATED_IN + CARRIED_BY, then for each project
        # SUPPORTED_BY + LOCATED_IN + its partners (3, then 1): 2 + 5 + 3
        "fabriques.csv": (3, 10),
        "reseaux.csv": (2, 2),
        "partenariats.csv": (0, 3),
    }
