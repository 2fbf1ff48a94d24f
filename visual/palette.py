"""Colours and French labels for drawing: computed once, passed to the drawing code.
The kind families themselves live in graph.kinds."""

from __future__ import annotations

from graph.kinds import KindFamily, PartnershipType, RelKind, kind_family, node_kind

__all__ = ["kind_colour", "kind_label", "relation_label", "LEGEND"]

_FAMILY_COLOURS: dict[KindFamily, str] = {
    KindFamily.SIAE: "#d1495b",
    KindFamily.INCLUSIF: "#edae49",
    KindFamily.ENTREPRISE: "#00798c",
    KindFamily.COLLECTIF: "#6a4c93",
    KindFamily.PUBLIC: "#30638e",
    KindFamily.FINANCEUR: "#3c896d",
    KindFamily.APPUI: "#8d6a9f",
    KindFamily.LIEU: "#9aa5b1",
    KindFamily.CODE: "#c9b79c",
}


def kind_colour(kind: str) -> str:
    """The colour of a node kind, by family.

    >>> kind_colour("ACI") == kind_colour("ETTI")
    True
    >>> kind_colour("Club") == kind_colour("ACI")
    False
    """
    return _FAMILY_COLOURS[kind_family(kind)]


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
    (family.label, colour) for family, colour in _FAMILY_COLOURS.items()
)
