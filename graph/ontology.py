"""The class hierarchy of the ontology (graph/ontology.ttl), read once.

Both stores materialise it on write: the embedded store types every node, in its
merged default graph, with each superclass of its kind (`rdfs:subClassOf`, any
number of steps); Neo4j gives it the superclasses' local names as labels. So
``?o a mlg:SIAE`` and ``MATCH (o:SIAE)`` find every ACI, EI, AI, ETTI and EITI.

    >>> sorted(ancestor_labels(OrgKind.ACI))
    ['EmployeurInclusif', 'Organisation', 'SIAE']
    >>> sorted(ancestor_labels(OrgKind.EATT))
    ['EA', 'EmployeurInclusif', 'Organisation']
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Final

from pyoxigraph import NamedNode, RdfFormat, parse

from graph.kinds import CodeKind, NodeKind, OrgKind, PlaceKind

__all__ = ["ONTOLOGY", "ancestor_labels", "narrower_kinds", "superclasses"]

ONTOLOGY: Final = Path(__file__).with_name("ontology.ttl")
_MLG: Final = "https://w3id.org/maillage/ontologie#"
_SUBCLASS_OF: Final = "http://www.w3.org/2000/01/rdf-schema#subClassOf"


@cache
def _parents() -> Mapping[str, frozenset[str]]:
    parents: dict[str, set[str]] = defaultdict(set)
    for triple in parse(path=ONTOLOGY, format=RdfFormat.TURTLE):
        if triple.predicate.value == _SUBCLASS_OF and isinstance(triple.object, NamedNode):
            parents[triple.subject.value].add(triple.object.value)
    return {child: frozenset(found) for child, found in parents.items()}


@cache
def superclasses(class_iri: str) -> frozenset[str]:
    """Every superclass of a class (its IRI), transitively, the class excluded.

    >>> sorted(superclasses("https://w3id.org/maillage/ontologie#Partnership"))
    ['https://w3id.org/maillage/ontologie#QualifiedRelation']
    """
    found: set[str] = set()
    todo = list(_parents().get(class_iri, ()))
    while todo:
        parent = todo.pop()
        if parent not in found:
            found.add(parent)
            todo.extend(_parents().get(parent, ()))
    return frozenset(found)


@cache
def ancestor_labels(kind: NodeKind) -> frozenset[str]:
    """The local names of the maillage superclasses of a kind (Neo4j labels)."""
    return frozenset(c[len(_MLG) :] for c in superclasses(_MLG + kind.value) if c.startswith(_MLG))


@cache
def narrower_kinds(kind: NodeKind) -> frozenset[str]:
    """The kinds that are subclasses of `kind` (an EATT is an EA).

    >>> sorted(narrower_kinds(OrgKind.EA)), sorted(narrower_kinds(OrgKind.ACI))
    (['EATT'], [])
    """
    kinds: list[NodeKind] = [*OrgKind, *PlaceKind, *CodeKind]
    return frozenset(k.value for k in kinds if kind.value in ancestor_labels(k))
