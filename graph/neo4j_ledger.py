"""The provenance ledger of the Neo4j backend: what each dataset said of a node or a
relation, kept as JSON in ``by_source``, and the visible properties computed from it.

Values are tagged in JSON so that they read back with their type: ``["d", "2019-03-01"]``.
Writing a dataset again replaces its entry and leaves the other datasets' entries alone;
the visible properties are recomputed from the ledger, the first dataset by name
winning where datasets disagree (the rule of `graph.rdf_decode`).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any, Final, cast

from neo4j.spatial import WGS84Point

from graph.ids import family
from graph.kinds import CodeKind, NodeKind, OrgKind, PlaceKind, RelKind, node_kind
from graph.model import Batch, Edge, Node, PropValue, Subgraph
from graph.ontology import ancestor_labels

FAMILY_LABELS: Final[Mapping[type, str]] = {OrgKind: "Organisation", PlaceKind: "Place", CodeKind: "Code"}
KIND_LABELS: Final = frozenset(k.value for fam in (OrgKind, PlaceKind, CodeKind) for k in fam)
NODE_RESERVED: Final = frozenset({"id", "name", "kind", "sources", "location", "by_source"})
EDGE_RESERVED: Final = frozenset({"key", "sources", "qualified", "by_source"})
_INT64: Final = (-(2**63), 2**63 - 1)
encode_ledger: Final = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode
"""A ledger as the store keeps it: compact JSON, keys sorted (one encoder for every row:
`json.dumps` with options builds a new one a call)."""


def family_label(kind: NodeKind) -> str:
    """``Organisation``, ``Place`` or ``Code``.

    >>> family_label(OrgKind.ACI), family_label(PlaceKind.COMMUNE), family_label(CodeKind.ROME)
    ('Organisation', 'Place', 'Code')
    """
    return FAMILY_LABELS[type(kind)]


Tagged = list[Any]
EdgeIdent = tuple[str, RelKind, str, str]  # source, relation, target, key


def tag(value: PropValue) -> Tagged:
    if isinstance(value, bool):
        return ["b", value]
    if isinstance(value, int):
        return ["i", value]
    if isinstance(value, float):
        return ["f", value]
    if isinstance(value, date):
        return ["d", value.isoformat()]
    return ["s", value]


def untag(tagged: Tagged) -> PropValue:
    tag, value = tagged
    if tag == "d":
        return date.fromisoformat(value)
    return cast(PropValue, value)


def checked_tag(owner: str, name: str, value: object) -> Tagged:
    """`tag(check_value(owner, name, value))`, the plain types first (one test a value)."""
    kind = type(value)
    if kind is str:
        return ["s", value]
    if kind is float:
        return ["f", value]
    if kind is int and _INT64[0] <= cast(int, value) <= _INT64[1]:
        return ["i", value]
    if kind is bool:
        return ["b", value]
    if kind is date:
        return ["d", cast(date, value).isoformat()]
    return tag(check_value(owner, name, value))


def check_value(owner: str, name: str, value: object) -> PropValue:
    """The value if Neo4j and the RDF store can both hold it; ValueError otherwise."""
    # subclasses (a StrEnum member, an IntEnum member) are stored as their plain value
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, int):
        if not _INT64[0] <= value <= _INT64[1]:
            raise ValueError(
                f"{owner} : la propriété {name!r} a un entier hors de la plage 64 bits : {value!r}"
            )
        return int(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise ValueError(f"{owner} : la propriété {name!r} a une valeur non prise en charge {value!r}")


@dataclass
class NodeState:
    """One node as the store holds it: what each dataset said."""

    by_source: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str | None) -> NodeState:
        return cls(json.loads(text) if text else {})

    def kinds(self) -> set[NodeKind]:
        return {_node_kind(entry["kind"]) for entry in self.by_source.values()}

    def labels(self) -> set[str]:
        """Family, kind and the kind's superclasses in the ontology (``SIAE`` on an ACI)."""
        return {label for entry in self.by_source.values() for label in kind_labels(entry["kind"])}

    def node(self, node_id: str) -> Node:
        """The node as `graph.rdf_decode` rebuilds it: the first dataset by name wins."""
        first = self.by_source[min(self.by_source)]
        props: dict[str, PropValue] = {}
        for source in sorted(self.by_source, reverse=True):
            for name, tagged in self.by_source[source]["props"].items():
                props[name] = untag(tagged)
        return Node(
            node_id,
            _node_kind(first["kind"]),
            first["name"],
            props=dict(sorted(props.items())),
            sources=tuple(sorted(self.by_source)),
        )

    def properties(self, node_id: str) -> dict[str, Any]:
        """What Neo4j stores: the resolved values, typed, plus the ledger."""
        node = self.node(node_id)
        props: dict[str, Any] = {k: v for k, v in node.props.items() if k not in NODE_RESERVED}
        props.update(
            id=node_id,
            name=node.name,
            kind=node.kind.value,
            sources=list(node.sources),
            by_source=encode_ledger(self.by_source),
        )
        location = location_point(node.props)
        if location is not None:
            props["location"] = location
        return props


def location_point(props: Mapping[str, PropValue]) -> WGS84Point | None:
    lat, lon = props.get("latitude"), props.get("longitude")
    if not _is_number(lat) or not _is_number(lon):
        return None
    latitude, longitude = float(cast(float, lat)), float(cast(float, lon))
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None
    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
        return None
    return WGS84Point((longitude, latitude))


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass
class EdgeState:
    """One relationship as the store holds it: each dataset's attributes, or None when the
    dataset wrote the bare relation (no key, no attributes)."""

    by_source: dict[str, dict[str, Tagged] | None] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str | None) -> EdgeState:
        return cls(json.loads(text) if text else {})

    @property
    def qualified_sources(self) -> list[str]:
        return sorted(s for s, attrs in self.by_source.items() if attrs is not None)

    def attrs(self) -> dict[str, PropValue]:
        resolved: dict[str, PropValue] = {}
        for source in sorted(self.by_source, reverse=True):
            for name, tagged in (self.by_source[source] or {}).items():
                resolved[name] = untag(tagged)
        return resolved

    def properties(self, key: str) -> dict[str, Any]:
        props: dict[str, Any] = {k: v for k, v in self.attrs().items() if k not in EDGE_RESERVED}
        props.update(
            key=key,
            sources=sorted(self.by_source),
            qualified=bool(self.qualified_sources),
            by_source=encode_ledger(self.by_source),
        )
        return props


_node_kind: Final = cache(node_kind)


@cache
def kind_labels(kind: str) -> tuple[str, ...]:
    """The labels of a node one dataset states of kind `kind`, sorted: family, kind and
    the kind's superclasses in the ontology (``SIAE`` on an ACI)."""
    k = node_kind(kind)
    return tuple(sorted({family_label(k), k.value, *ancestor_labels(k)}))


def new_node_properties(node_id: str, source: str, entry: Mapping[str, Any]) -> dict[str, Any]:
    """`NodeState({source: entry}).properties(node_id)` without the general merge: the
    properties of a node only one dataset states (the rows of a new node)."""
    tagged: dict[str, Tagged] = entry["props"]
    props: dict[str, Any] = {
        name: (date.fromisoformat(t[1]) if t[0] == "d" else t[1])
        for name, t in tagged.items()
        if name not in NODE_RESERVED
    }
    props["id"] = node_id
    props["name"] = entry["name"]
    props["kind"] = entry["kind"]
    props["sources"] = [source]
    props["by_source"] = encode_ledger({source: entry})
    if "latitude" in tagged and "longitude" in tagged:
        location = location_point({"latitude": tagged["latitude"][1], "longitude": tagged["longitude"][1]})
        if location is not None:
            props["location"] = location
    return props


def new_edge_properties(source: str, key: str, attrs: dict[str, Tagged] | None) -> dict[str, Any]:
    """`EdgeState({source: attrs}).properties(key)` for a relation only one dataset states."""
    props: dict[str, Any] = {}
    if attrs:
        props = {
            name: (date.fromisoformat(t[1]) if t[0] == "d" else t[1])
            for name, t in attrs.items()
            if name not in EDGE_RESERVED
        }
    props["key"] = key
    props["sources"] = [source]
    props["qualified"] = attrs is not None
    props["by_source"] = encode_ledger({source: attrs}) if attrs is not None else _bare_ledger(source)
    return props


@cache
def _bare_ledger(source: str) -> str:
    """The ledger of a bare relation one dataset states (most relations), encoded once a dataset."""
    return encode_ledger({source: None})


def fold_edges(records: Iterable[tuple[str, str, str, str, str | None]]) -> list[Edge]:
    """Relationships → edges, by the rule of `graph.rdf_decode`: between two nodes, the
    relations of one type that carry a key or attributes are the edges; when none does,
    the bare relation is one edge citing every dataset that wrote it."""
    groups: dict[tuple[str, RelKind, str], list[tuple[str, EdgeState]]] = defaultdict(list)
    for source, rel, target, key, ledger in records:
        groups[(source, RelKind(rel), target)].append((key or "", EdgeState.parse(ledger)))
    edges: list[Edge] = []
    for (source, rel, target), members in sorted(groups.items()):
        qualified = [(key, state) for key, state in members if state.qualified_sources]
        if not qualified:
            cited = sorted({s for _, state in members for s in state.by_source})
            edges.append(Edge(source, rel, target, sources=tuple(cited)))
            continue
        for key, state in sorted(qualified, key=lambda member: member[0]):
            edges.append(
                Edge(
                    source,
                    rel,
                    target,
                    attrs=state.attrs(),
                    key=key,
                    sources=tuple(state.qualified_sources),
                )
            )
    return edges


def dangling(source: str, rel: RelKind, start: str, end: str, absent: str) -> str:
    """The refusal of a batch whose relation names a node nobody declares (both write paths)."""
    return (
        f"{source} : la relation {rel.value} {start} → {end} nomme {absent}, "
        "qui n'est ni dans le lot ni dans le magasin"
    )


def batch_nodes(batch: Batch) -> dict[str, dict[str, Any]]:
    """Each node's ledger entry for this dataset, types checked (ValueError names the node)."""
    entries: dict[str, dict[str, Any]] = {}
    for node in batch.nodes:
        family(node.id)  # ValueError for an id without a family prefix
        if not isinstance(node.kind, OrgKind | PlaceKind | CodeKind):
            raise ValueError(f"{node.id} : le type {node.kind!r} n'est pas un type de nœud")
        if not isinstance(node.name, str):
            raise ValueError(f"{node.id} : le nom {node.name!r} n'est pas une chaîne")
        entry = entries.setdefault(node.id, {"kind": node.kind.value, "name": node.name, "props": {}})
        entry["kind"], entry["name"] = node.kind.value, node.name
        props = entry["props"]
        for name, value in node.props.items():
            props[name] = checked_tag(node.id, name, value)
    return entries


def batch_edges(batch: Batch) -> dict[EdgeIdent, dict[str, Tagged] | None]:
    """Each relation's attributes for this dataset (None: a bare relation), types checked."""
    entries: dict[EdgeIdent, dict[str, Tagged] | None] = {}
    for edge in batch.edges:
        if not isinstance(edge.rel, RelKind):
            raise ValueError(f"{edge.source} : la relation {edge.rel!r} n'est pas un type de relation")
        if not isinstance(edge.key, str):
            raise ValueError(f"{edge.source} : la clé de relation {edge.key!r} n'est pas une chaîne")
        family(edge.source)
        family(edge.target)
        ident = (edge.source, edge.rel, edge.target, edge.key)
        attrs = {name: checked_tag(edge.source, name, v) for name, v in edge.attrs.items()}
        if not attrs and not edge.key:
            entries.setdefault(ident, None)
        else:
            entries[ident] = {**(entries.get(ident) or {}), **attrs}
    return entries


def subgraph_of(node_records: Iterable[Any], edge_records: Iterable[Any]) -> Subgraph:
    nodes = tuple(
        NodeState.parse(r["by_source"]).node(r["id"]) for r in sorted(node_records, key=lambda r: r["id"])
    )
    edges = fold_edges((r["source"], r["rel"], r["target"], r["key"], r["by_source"]) for r in edge_records)
    return Subgraph(nodes, tuple(edges))
