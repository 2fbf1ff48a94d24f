"""The ego network of an actor: who is at most `depth` relations away, through the
relation kinds asked for. Places and codes are facets of the nodes, not nodes, unless
a relation leading to them (LOCATED_IN, IN_SECTOR…) is asked for."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from pyoxigraph import NamedNode

from graph.ids import family
from graph.kinds import RelKind
from graph.model import Edge, Node
from graph.oxigraph_store import OxigraphStore
from graph.rdf import iri, rel_predicate
from graph.rdf import node_id as id_of_iri
from queries.actor import NameReader, name_reader, subgraph_of

__all__ = ["ORGANISATION_RELATIONS", "EgoNetwork", "Facet", "ego_network"]

ORGANISATION_RELATIONS: frozenset[RelKind] = frozenset(
    {
        RelKind.MEMBER_OF,
        RelKind.PARTNER_OF,
        RelKind.DELEGATION_OF,
        RelKind.CARRIED_BY,
        RelKind.SUPPORTED_BY,
        RelKind.SAME_ESTABLISHMENT,
        RelKind.CO_CONTRACTOR_OF,
    }
)
_FACET_RELATIONS = (RelKind.LOCATED_IN, RelKind.IN_SECTOR, RelKind.SELLS_IN, RelKind.OFFERS_JOB)


@dataclass(frozen=True, slots=True)
class Facet:
    """A place or code some nodes of the network point to."""

    node: Node
    rel: RelKind
    of: tuple[str, ...]  # the nodes of the network pointing to it


@dataclass(frozen=True, slots=True)
class EgoNetwork:
    centre: str
    nodes: tuple[Node, ...]
    depth: Mapping[str, int]  # hops from the centre
    edges: tuple[Edge, ...]
    facets: tuple[Facet, ...]
    truncated: bool  # more nodes were within reach than `max_nodes`


def _step(store: OxigraphStore, frontier: Collection[str], rels: Collection[RelKind]) -> set[str]:
    """The nodes one relation of `rels` away from `frontier`, either direction."""
    predicates = [rel_predicate(r) for r in sorted(rels)]
    found: set[str] = set()
    for node in frontier:
        term = NamedNode(iri(node))
        for predicate in predicates:
            for q in store.quads_for_pattern(term, predicate, None, None):
                found.add(id_of_iri(str(getattr(q.object, "value", ""))))
            for q in store.quads_for_pattern(None, predicate, term, None):
                found.add(id_of_iri(str(getattr(q.subject, "value", ""))))
    return found


def ego_network(
    store: OxigraphStore,
    node_id: str,
    *,
    depth: int = 1,
    rels: Collection[RelKind] = ORGANISATION_RELATIONS,
    max_nodes: int = 500,
    names: NameReader | None = None,
) -> EgoNetwork | None:
    """The network around `node_id` (None when the store does not hold it).

    Nodes are reached breadth first through `rels` in either direction, nearest first;
    reaching stops at `max_nodes` (ids in order break ties), and `truncated` says so.
    `names` reads the names and kinds of the facets' places and codes (by default
    `node_names` on `store`; the server passes its per-state reader).
    """
    if store.node(node_id) is None:
        return None
    hops = {node_id: 0}
    frontier = {node_id}
    truncated = False
    for level in range(1, depth + 1):
        if not frontier:
            break
        found = sorted(_step(store, frontier, rels) - hops.keys())
        room = max_nodes - len(hops)
        if len(found) > room:
            found, truncated = found[:room], True
        hops.update((n, level) for n in found)
        frontier = set(found)
        if truncated:
            break
    around = subgraph_of(store, hops)
    nodes = tuple(sorted((n for n in around.nodes if n.id in hops), key=lambda n: (hops[n.id], n.id)))
    wanted = set(rels)
    edges = tuple(
        sorted(
            (e for e in around.edges if e.rel in wanted and e.source in hops and e.target in hops),
            key=lambda e: e.ident,
        )
    )
    pointing: dict[tuple[str, RelKind], list[str]] = {}
    for e in around.edges:
        if e.rel in _FACET_RELATIONS and e.rel not in wanted and family(e.source) == "org":
            pointing.setdefault((e.target, e.rel), []).append(e.source)
    read_names = name_reader(store, names)
    facet_nodes = {
        target: Node(target, kind, name)
        for target, (name, kind) in read_names({t for t, _ in pointing}).items()
        if kind is not None
    }
    facets = tuple(
        Facet(facet_nodes[target], rel, tuple(sorted(set(sources))))
        for (target, rel), sources in sorted(pointing.items())
        if target in facet_nodes
    )
    return EgoNetwork(node_id, nodes, hops, edges, facets, truncated)
