"""Colours and French labels for drawing: computed once, passed to the drawing code."""

from __future__ import annotations

from graph.kinds import CodeKind, NodeKind, OrgKind, PartnershipType, PlaceKind, RelKind, node_kind

__all__ = ["kind_colour", "kind_label", "relation_label", "LEGEND"]

_FAMILY_COLOURS: dict[str, str] = {
    "siae": "#d1495b",
    "inclusif": "#edae49",
    "entreprise": "#00798c",
    "collectif": "#6a4c93",
    "public": "#30638e",
    "financeur": "#3c896d",
    "appui": "#8d6a9f",
    "lieu": "#9aa5b1",
    "code": "#c9b79c",
}

_LEGEND_LABELS: dict[str, str] = {
    "siae": "SIAE (ACI, EI, AI, ETTI, EITI)",
    "inclusif": "GEIQ, EA, ESAT, EBE",
    "entreprise": "Entreprises et associations",
    "collectif": "Clubs, PTCE, Fabriques, réseaux",
    "public": "Acteurs publics",
    "financeur": "Financeurs",
    "appui": "Accompagnement, recherche, formation",
    "lieu": "Territoires",
    "code": "Nomenclatures",
}


def _family(kind: NodeKind) -> str:
    if isinstance(kind, PlaceKind):
        return "lieu"
    if isinstance(kind, CodeKind):
        return "code"
    if kind in OrgKind.siae():
        return "siae"
    if kind in OrgKind.inclusive_employers():
        return "inclusif"
    if kind in OrgKind.collectives():
        return "collectif"
    if kind in OrgKind.public_bodies():
        return "public"
    if kind in {OrgKind.FONDATION, OrgKind.BANQUE, OrgKind.INVESTISSEUR}:
        return "financeur"
    if kind in {OrgKind.DLA, OrgKind.RECHERCHE, OrgKind.FORMATION}:
        return "appui"
    return "entreprise"


def kind_colour(kind: str) -> str:
    """The colour of a node kind, by family.

    >>> kind_colour("ACI") == kind_colour("ETTI")
    True
    >>> kind_colour("Club") == kind_colour("ACI")
    False
    """
    return _FAMILY_COLOURS[_family(node_kind(kind))]


def kind_label(kind: str) -> str:
    """The French label of a node kind.

    >>> kind_label("AI")
    'Association intermédiaire'
    """
    return node_kind(kind).label


def relation_label(rel: str, partnership_type: str | None = None) -> str:
    """The French label of a relation; a partnership shows its type.

    >>> relation_label("PARTNER_OF", "jvs")
    'Joint-venture sociale'
    >>> relation_label("MEMBER_OF")
    'membre de'
    """
    if rel == RelKind.PARTNER_OF.value and partnership_type:
        return PartnershipType(partnership_type).label
    return RelKind(rel).label


LEGEND: tuple[tuple[str, str], ...] = tuple(
    (_LEGEND_LABELS[family], colour) for family, colour in _FAMILY_COLOURS.items()
)
