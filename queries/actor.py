"""One actor as a person reads it: identity, place, sectors and jobs, and every fact
with the datasets that state it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode, Quad

from graph.kinds import NodeKind, PlaceKind, RelKind
from graph.model import Node, PropValue, Subgraph
from graph.oxigraph_store import OxigraphStore
from graph.rdf import (
    FROM,
    NAME,
    RDF_TYPE,
    SCHEMA,
    from_literal,
    iri,
    predicate_prop,
    predicate_rel,
    prop_predicate,
    rel_predicate,
)
from graph.rdf import node_id as id_of_iri
from graph.rdf_decode import decode, source_of_graph

PART_OF = rel_predicate(RelKind.PART_OF)

__all__ = [
    "ActorProfile",
    "Fact",
    "Labelled",
    "NameReader",
    "PROPERTY_LABELS",
    "actor_profile",
    "commune_departement",
    "dataset_flags",
    "name_reader",
    "node_names",
    "node_quads_with_qualified",
    "subgraph_of",
]

_REL_VALUES = frozenset(r.value for r in RelKind)

# The name and kind of each node of `ids` the store holds (absent: not held), as
# `node_names` reads them; a caller may answer from memory what it already holds.
NameReader = Callable[[Iterable[str]], Mapping[str, tuple[str, "NodeKind | None"]]]

PROPERTY_LABELS: Mapping[str, str] = {
    "name": "Nom",
    "siret": "SIRET",
    "siren": "SIREN",
    "siret_valid": "SIRET valide",
    "address": "Adresse",
    "postal_code": "Code postal",
    "commune_name": "Commune (déclarée)",
    "code_insee": "Code INSEE (déclaré)",
    "latitude": "Latitude",
    "longitude": "Longitude",
    "website": "Site web",
    "description": "Description",
    "reseaux": "Réseaux",
    "date_maj": "Mise à jour",
    "source_id": "Identifiant à la source",
    "size_band": "Tranche d'effectif",
    "state": "État administratif",
    "closed": "Fermé",
    "note": "Note",
    "population": "Population",
}


@dataclass(frozen=True, slots=True)
class Labelled:
    id: str
    label: str
    kind: str = ""


@dataclass(frozen=True, slots=True)
class Fact:
    """One value of a property, or one outgoing relation, and who states it."""

    property: str
    label: str
    value: PropValue
    datasets: tuple[str, ...]
    value_label: str | None = None  # the name of the target, for a relation


@dataclass(frozen=True, slots=True)
class ActorProfile:
    node: Node
    commune: Labelled | None
    departement: Labelled | None
    latitude: float | None
    longitude: float | None
    sectors: tuple[Labelled, ...]
    jobs: tuple[Labelled, ...]
    facts: tuple[Fact, ...]
    datasets: tuple[str, ...]
    synthetic: bool
    places: tuple[Labelled, ...] = field(default=())


def dataset_flags(store: OxigraphStore) -> dict[str, bool]:
    """Each dataset's synthetic flag, by its slug."""
    return {p.source: p.synthetic for p in store.datasets()}


def _named_graphs_only(quads: Iterable[Quad]) -> list[Quad]:
    return [q for q in quads if isinstance(q.graph_name, NamedNode)]


def node_names(store: OxigraphStore, ids: Iterable[str]) -> dict[str, tuple[str, NodeKind | None]]:
    """The name and kind of each node of `ids` the store holds (as `decode` reads them)."""
    quads: list[Quad] = []
    for node in sorted(set(ids)):
        subject = NamedNode(iri(node))
        quads.extend(store.quads_for_pattern(subject, RDF_TYPE, None, None))
        quads.extend(store.quads_for_pattern(subject, NAME, None, None))
    return {n.id: (n.name, n.kind) for n in decode(_named_graphs_only(quads)).nodes}


def name_reader(store: OxigraphStore, names: NameReader | None = None) -> NameReader:
    """`names` when the caller gives one, else `node_names` on `store`."""
    return names if names is not None else (lambda ids: node_names(store, ids))


def node_quads_with_qualified(store: OxigraphStore, ids: Iterable[str]) -> list[Quad]:
    """Every quad about the nodes `ids` and about the qualified relations leaving them."""
    quads: list[Quad] = []
    for node in sorted(set(ids)):
        subject = NamedNode(iri(node))
        quads.extend(store.quads_for_pattern(subject, None, None, None))
        for link in store.quads_for_pattern(None, FROM, subject, None):
            quads.extend(store.quads_for_pattern(link.subject, None, None, None))
    return _named_graphs_only(quads)


def subgraph_of(store: OxigraphStore, ids: Iterable[str]) -> Subgraph:
    """The nodes `ids` and every relation leaving them (to any node), with provenance."""
    return decode(node_quads_with_qualified(store, ids))


def actor_profile(
    store: OxigraphStore,
    node_id: str,
    *,
    flags: Mapping[str, bool] | None = None,
    names: NameReader | None = None,
    departement_of: Callable[[str], Labelled | None] | None = None,
) -> ActorProfile | None:
    """The actor `node_id`, or None when the store does not hold it. `flags`: each
    dataset's synthetic flag, when the caller holds them (else read from the store);
    `names`: reads the names and kinds of the places, codes and actors the actor's
    facts point to (by default `node_names` on `store`); `departement_of`: the
    département of a commune (by default `commune_departement` with those names), for a
    caller that keeps them."""
    read_names = name_reader(store, names)
    find_departement = departement_of or (lambda commune: commune_departement(store, commune, read_names))
    subject = NamedNode(iri(node_id))
    quads = _named_graphs_only(store.quads_for_pattern(subject, None, None, None))
    found = decode(quads)
    node = next((n for n in found.nodes if n.id == node_id), None)
    if node is None:
        return None
    flags = flags if flags is not None else dataset_flags(store)
    said: dict[tuple[str, PropValue], set[str]] = defaultdict(set)
    targets: list[str] = []
    for quad in quads:
        source = source_of_graph(quad.graph_name.value)  # type: ignore[union-attr]
        predicate = quad.predicate.value
        rel = predicate_rel(predicate)
        if rel is not None and isinstance(quad.object, NamedNode):
            target = id_of_iri(quad.object.value)
            said[(rel.value, target)].add(source)
            targets.append(target)
        elif isinstance(quad.object, Literal):
            name = "name" if predicate == SCHEMA + "name" else predicate_prop(predicate)
            if name is not None:
                said[(name, from_literal(quad.object))].add(source)
    target_names = read_names(targets)
    facts: list[Fact] = []
    for (prop, value), stating in said.items():
        if prop in _REL_VALUES:
            rel = RelKind(prop)
            target_name = target_names.get(str(value), (str(value), None))[0]
            facts.append(Fact(prop, rel.label, value, tuple(sorted(stating)), target_name))
        else:
            facts.append(Fact(prop, PROPERTY_LABELS.get(prop, prop), value, tuple(sorted(stating))))
    facts.sort(key=lambda f: (f.property in _REL_VALUES, f.property, str(f.value)))

    def labelled(rel: RelKind) -> tuple[Labelled, ...]:
        out = [
            Labelled(str(f.value), f.value_label or str(f.value), _kind_value(target_names, str(f.value)))
            for f in facts
            if f.property == rel.value
        ]
        return tuple(sorted(out, key=lambda x: x.id))

    places = labelled(RelKind.LOCATED_IN)
    commune = next((p for p in places if p.kind in ("Commune", "ArrondissementMunicipal")), None)
    departement = (find_departement(commune.id) if commune else None) or next(
        (p for p in places if p.kind == "Departement"), None
    )
    lat, lon = node.props.get("latitude"), node.props.get("longitude")
    if not isinstance(lat, int | float) and commune is not None:  # the commune's centre
        lat, lon = _stated(store, commune.id, "latitude"), _stated(store, commune.id, "longitude")
    sources = tuple(sorted(node.sources))
    return ActorProfile(
        node=node,
        commune=commune,
        departement=departement,
        latitude=float(lat) if isinstance(lat, int | float) else None,
        longitude=float(lon) if isinstance(lon, int | float) else None,
        sectors=labelled(RelKind.IN_SECTOR) + labelled(RelKind.SELLS_IN),
        jobs=labelled(RelKind.OFFERS_JOB),
        facts=tuple(facts),
        datasets=sources,
        synthetic=bool(sources) and all(flags.get(s, False) for s in sources),
        places=places,
    )


def _stated(store: OxigraphStore, node_id: str, prop: str) -> PropValue | None:
    """The value of `prop` the store states for `node_id`, as `decode` keeps it (where
    datasets disagree, the first by name): two quads read instead of the whole node."""
    stated = [
        (source_of_graph(q.graph_name.value), from_literal(q.object))
        for q in store.quads_for_pattern(NamedNode(iri(node_id)), prop_predicate(prop), None, None)
        if isinstance(q.graph_name, NamedNode) and isinstance(q.object, Literal)
    ]
    return min(stated, key=lambda s: s[0])[1] if stated else None


def _kind_value(names: Mapping[str, tuple[str, NodeKind | None]], node: str) -> str:
    kind = names.get(node, ("", None))[1]
    return kind.value if kind is not None else ""


def commune_departement(store: OxigraphStore, commune: str, read_names: NameReader) -> Labelled | None:
    """The département a commune stands in, up its PART_OF links."""
    seen: set[str] = set()
    frontier = [iri(commune)]
    while frontier:
        found = sorted(
            {
                str(q.object.value)
                for place in frontier
                for q in store.quads_for_pattern(NamedNode(place), PART_OF, None, None)
                if isinstance(q.object, NamedNode)
            }
            - seen
        )
        seen.update(found)
        names = read_names(id_of_iri(p) for p in found)
        for place, (name, kind) in sorted(names.items()):
            if kind is PlaceKind.DEPARTEMENT:
                return Labelled(place, name, kind.value)
        frontier = found
    return None
