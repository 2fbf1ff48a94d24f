"""Loading a newer version of a list: end-date what disappeared, keep what changed.

The store replaces, for every node of a batch, the values its dataset held with
the batch's (values from other datasets stay beside them), and leaves alone the
nodes the batch does not name. So an update is a batch computed from the dataset
as the store holds it (`dataset_nodes`) and the newer list (`apply_update`):

- an organisation absent from the newer list is written again with
  `state = "closed"`, `closed = True` and `closed_on` = the newer list's date: it
  is end-dated, not deleted;
- a field whose value changed (or disappeared) keeps its former value in
  `previous_{field}` and the date of the change in `{field}_changed_on`; the
  name counts as a field (`previous_name`). Only the latest former value of each
  field is kept, on the node itself, in the same dataset: history is one
  property away on every backend, with no second graph to query;
- an organisation closed earlier and present again loses `state`/`closed`/
  `closed_on`, which then appear as `previous_state`, `previous_closed_on`…

A batch is its dataset's whole statement about the nodes it holds, relations
included: an end-dated organisation is written again with the relations the
dataset gave it, and a structure that moved loses its former `LOCATED_IN` (its
`previous_code_insee` keeps the former commune).

A node the dataset only names (no properties of its own: a club's member, which
another dataset describes) is not end-dated when it disappears: the relations the
dataset gave it and the newer list no longer states are withdrawn (a member removed
from a club leaves it), by writing it again, bare, with the newer list's relations.

`loaders.pipeline.load` plans every load this way: updating is the normal path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import date
from typing import Final

from graph.kinds import OrgKind
from graph.model import Batch, Edge, Node, PropValue, Subgraph
from graph.store import GraphStore
from loaders.base import LoaderOutput

__all__ = ["CHANGED_ON", "PREVIOUS", "apply_update", "dataset", "dataset_nodes", "plan_update"]

PREVIOUS: Final = "previous_"
CHANGED_ON: Final = "_changed_on"
_CLOSING: Final = ("state", "closed", "closed_on")


def _is_history(name: str) -> bool:
    return name.startswith(PREVIOUS) or name.endswith(CHANGED_ON)


def dataset(store: GraphStore, source: str) -> Subgraph:
    """One dataset as the store holds it (`GraphStore.dataset`)."""
    return store.dataset(source)


def dataset_nodes(store: GraphStore, source: str) -> list[Node]:
    return list(dataset(store, source).nodes)


def _fields(node: Node) -> dict[str, PropValue]:
    current = {k: v for k, v in node.props.items() if not _is_history(k)}
    current["name"] = node.name
    return current


def _with_history(old: Node, new: Node, as_of: date) -> Node:
    history = {k: v for k, v in old.props.items() if _is_history(k)}
    before, after = _fields(old), _fields(new)
    for field in sorted(before.keys() | after.keys()):
        if before.get(field) == after.get(field):
            continue
        if field in before:
            history[f"{PREVIOUS}{field}"] = before[field]
        history[f"{field}{CHANGED_ON}"] = as_of
    return Node(new.id, new.kind, new.name, {**new.props, **history})


def _end_dated(old: Node, as_of: date) -> Node:
    if old.props.get("state") == "closed":
        return old
    return Node(
        old.id, old.kind, old.name, {**old.props, "state": "closed", "closed": True, "closed_on": as_of}
    )


def apply_update(
    previous: Iterable[Node],
    new: LoaderOutput,
    *,
    as_of: date | None = None,
    previous_edges: Iterable[Edge] = (),
    lookup: Callable[[str], Node | None] | None = None,
) -> LoaderOutput:
    """The batch that turns the `previous` version of a dataset into the `new` one.

    `previous` are the nodes the dataset held (`dataset_nodes`); only organisations
    with properties of their own are end-dated or tracked, places and codes are
    written as the new list gives them. `previous_edges` are the dataset's
    relations: an end-dated organisation keeps its own, and those of a node outside
    the new batch that the new list no longer states are withdrawn (`lookup` finds
    such a node, by default among `previous`). `as_of` defaults to the new list's date.
    """
    when = as_of or new.batch.provenance.date
    previous = list(previous)
    held: Mapping[str, Node] = {n.id: n for n in previous if isinstance(n.kind, OrgKind)}
    nodes: list[Node] = []
    seen: set[str] = set()
    for node in new.batch.nodes:
        seen.add(node.id)
        old = held.get(node.id)
        tracked = old is not None and isinstance(node.kind, OrgKind) and bool(node.props or old.props)
        nodes.append(_with_history(old, node, when) if tracked and old is not None else node)
    closed = [
        _end_dated(old, when)
        for node_id, old in sorted(held.items())
        if node_id not in seen and _fields(old).keys() - {"name"}
    ]
    nodes.extend(closed)
    closed_ids = {n.id for n in closed}
    previous_edges = list(previous_edges)
    kept = [replace(e, sources=()) for e in previous_edges if e.source in closed_ids]
    stated = {e.ident for e in new.batch.edges}
    by_id = {n.id: n for n in previous}
    find = lookup or by_id.get
    withdrawn_from: dict[str, Node] = {}
    for edge in previous_edges:
        source = edge.source
        if source in seen or source in closed_ids or source in withdrawn_from or edge.ident in stated:
            continue
        bare = find(source)
        if bare is not None:
            withdrawn_from[source] = Node(bare.id, bare.kind, bare.name)
    nodes.extend(withdrawn_from[i] for i in sorted(withdrawn_from))
    batch = Batch(new.batch.provenance, nodes, [*new.batch.edges, *kept])
    return LoaderOutput(batch, new.rows_in, new.rejected, new.unresolved)


def plan_update(store: GraphStore, new: LoaderOutput) -> LoaderOutput:
    """`apply_update` against the dataset of `new` as `store` holds it."""
    held = dataset(store, new.batch.provenance.source)
    by_id = {n.id: n for n in held.nodes}

    def lookup(node_id: str) -> Node | None:
        return by_id.get(node_id) or store.node(node_id)

    return apply_update(held.nodes, new, previous_edges=held.edges, lookup=lookup)
