"""The real data a synthetic territory is built on: communes with their population and
centroid, départements, régions, EPCI, NAF sous-classes by section, the real
inclusive structures.

Nothing is parsed here: the records are taken from the outputs of the real loaders
(`loaders.geo`, `loaders.nomenclatures`, `loaders.structures`), so the generator
sees exactly what the graph will hold.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from graph.ids import local
from graph.kinds import CodeKind, OrgKind, PlaceKind, RelKind
from graph.model import Batch, Node
from loaders.base import LoaderOutput
from loaders.real_frame import real_outputs

__all__ = [
    "Place",
    "Reference",
    "Structure",
    "reference_from_outputs",
    "read_reference",
]


@dataclass(frozen=True, slots=True)
class Place:
    """Where establishments can be: a current commune, or a municipal arrondissement
    of Paris, Lyon or Marseille (SIRENE locates establishments there)."""

    code: str
    node_id: str
    name: str
    departement: str
    region: str
    population: int
    latitude: float
    longitude: float
    postal_code: str
    siren: str  # the commune's own SIREN (its town hall); "" for an arrondissement
    epci: str  # SIREN of its EPCI, "" if none


@dataclass(frozen=True, slots=True)
class Structure:
    """A real inclusive structure (SIAE, GEIQ, EA…) as the graph holds it."""

    node_id: str
    siret: str
    name: str
    kind: OrgKind
    commune: str  # INSEE code, "" when unresolved
    departement: str  # "" when unresolved
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True, slots=True)
class Reference:
    places: tuple[Place, ...]  # sorted by code
    departements: Mapping[str, tuple[str, str]]  # code → (name, région code)
    regions: Mapping[str, str]  # code → name
    epcis: Mapping[str, str]  # SIREN → name
    naf_by_section: Mapping[str, tuple[str, ...]]  # letter → sous-classes, sorted
    naf_labels: Mapping[str, str]  # sous-classe → label
    structures: tuple[Structure, ...]  # sorted by node id

    def places_in(self, departements: Iterable[str] | None) -> tuple[Place, ...]:
        if departements is None:
            return self.places
        wanted = set(departements)
        return tuple(p for p in self.places if p.departement in wanted)

    def structures_in(self, departements: Iterable[str] | None) -> tuple[Structure, ...]:
        if departements is None:
            return self.structures
        wanted = set(departements)
        return tuple(s for s in self.structures if s.departement in wanted)


def _by_id(batches: Iterable[Batch]) -> dict[str, Node]:
    nodes: dict[str, Node] = {}
    for batch in batches:
        for node in batch.nodes:
            if node.id in nodes and not node.props:
                continue
            old = nodes.get(node.id)
            nodes[node.id] = (
                node if old is None else Node(node.id, node.kind, node.name, {**old.props, **node.props})
            )
    return nodes


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def reference_from_outputs(
    geography: Iterable[LoaderOutput],
    nomenclatures: Iterable[LoaderOutput],
    structures: Iterable[LoaderOutput],
) -> Reference:
    """The reference records, from the outputs of the real loaders."""
    geo_batches = [o.batch for o in geography]
    nodes = _by_id(geo_batches)
    parent: dict[str, list[str]] = defaultdict(list)
    for batch in geo_batches:
        for edge in batch.edges:
            if edge.rel is RelKind.PART_OF:
                parent[edge.source].append(edge.target)

    def up(node_id: str, fam: str) -> str:
        return next((local(p) for p in parent.get(node_id, ()) if p.startswith(fam + ":")), "")

    regions = {local(n.id): n.name for n in nodes.values() if n.kind is PlaceKind.REGION}
    departements = {
        local(n.id): (n.name, up(n.id, "region")) for n in nodes.values() if n.kind is PlaceKind.DEPARTEMENT
    }
    epcis = {local(n.id): n.name for n in nodes.values() if n.kind is PlaceKind.EPCI}
    with_arrondissements = {
        p for n in nodes.values() if n.kind is PlaceKind.ARRONDISSEMENT for p in parent.get(n.id, ())
    }
    places: list[Place] = []
    for node in nodes.values():
        if node.kind not in (PlaceKind.COMMUNE, PlaceKind.ARRONDISSEMENT) or node.id in with_arrondissements:
            continue
        lat, lon = _float(node.props.get("latitude")), _float(node.props.get("longitude"))
        population = node.props.get("population")
        if lat is None or lon is None or not isinstance(population, int) or population <= 0:
            continue
        home = node.id
        if node.kind is PlaceKind.ARRONDISSEMENT:
            home = next((p for p in parent[node.id] if p.startswith("commune:")), node.id)
        dep = up(home, "departement")
        if dep not in departements:
            continue
        postal = str(node.props.get("postal_codes", "")).split(",")[0]
        places.append(
            Place(
                code=local(node.id),
                node_id=node.id,
                name=node.name,
                departement=dep,
                region=departements[dep][1],
                population=population,
                latitude=lat,
                longitude=lon,
                postal_code=postal,
                siren=str(node.props.get("siren", "")) if node.kind is PlaceKind.COMMUNE else "",
                epci=up(home, "epci"),
            )
        )
    places.sort(key=lambda p: p.code)

    naf_nodes = _by_id(o.batch for o in nomenclatures)
    naf_parent: dict[str, str] = {}
    for output in nomenclatures:
        for edge in output.batch.edges:
            if edge.rel is RelKind.PART_OF and edge.source.startswith("naf:"):
                naf_parent[edge.source] = edge.target

    def section(node_id: str) -> str:
        seen = 0
        while node_id in naf_parent and seen < 6:
            node_id, seen = naf_parent[node_id], seen + 1
        return local(node_id) if len(local(node_id)) == 1 else ""

    by_section: dict[str, list[str]] = defaultdict(list)
    labels: dict[str, str] = {}
    for node in naf_nodes.values():
        if node.kind is CodeKind.NAF_SOUS_CLASSE and (letter := section(node.id)):
            by_section[letter].append(local(node.id))
            labels[local(node.id)] = node.name

    place_of = {p.node_id: p for p in places}
    located: dict[str, str] = {}
    for output in structures:
        for edge in output.batch.edges:
            if edge.rel is RelKind.LOCATED_IN:
                located[edge.source] = edge.target
    found: list[Structure] = []
    for node in _by_id(o.batch for o in structures).values():
        if not isinstance(node.kind, OrgKind) or node.kind not in OrgKind.inclusive_employers():
            continue
        target = located.get(node.id, "")
        home = target
        if target.startswith("arrondissement:"):
            home = next((p for p in parent.get(target, ()) if p.startswith("commune:")), target)
        where = place_of.get(target)
        lat = _float(node.props.get("latitude"))
        lon = _float(node.props.get("longitude"))
        if (lat is None or lon is None) and where is not None:
            lat, lon = where.latitude, where.longitude
        found.append(
            Structure(
                node_id=node.id,
                siret=str(node.props.get("siret", "")),
                name=node.name,
                kind=node.kind,
                commune=local(target) if target else "",
                departement=up(home, "departement") if home else "",
                latitude=lat,
                longitude=lon,
            )
        )
    found.sort(key=lambda s: s.node_id)
    return Reference(
        places=tuple(places),
        departements=dict(sorted(departements.items())),
        regions=dict(sorted(regions.items())),
        epcis=dict(sorted(epcis.items())),
        naf_by_section={k: tuple(sorted(v)) for k, v in sorted(by_section.items())},
        naf_labels=labels,
        structures=tuple(found),
    )


def read_reference(data_dir: Path | None = None) -> Reference:
    """Run the real loaders on the data directory (`../shared/data` by default) and
    keep what the generator needs."""
    outputs = real_outputs(data_dir)
    return reference_from_outputs(outputs.geography, outputs.nomenclatures, outputs.structures)
