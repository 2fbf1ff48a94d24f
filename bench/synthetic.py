"""A synthetic national graph in the project's layout, sized by its number of triples.

Two datasets (two named graphs): the geography (régions, départements, communes
with population and coordinates, part-of links) and the organisations (every
kind, each with a valid SIRET, located in a commune; memberships of the
departmental club and of national networks with role and date; typed
partnerships between SIAE and companies). Everything is built as `Batch`es of
`graph.model` and written with `graph.rdf.batch_quads`, like real loaders do.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from graph.ids import luhn_ok
from graph.kinds import MemberRole, OrgKind, PartnershipType, PlaceKind, RelKind
from graph.model import Batch, Edge, Node, PropValue, Provenance
from graph.rdf import is_qualified

__all__ = ["GEO_SOURCE", "ORG_SOURCE", "SyntheticGraph", "synthetic_graph"]

GEO_SOURCE: Final = "synthetique-geo"
ORG_SOURCE: Final = "synthetique-organisations"
_ISSUED: Final = date(2024, 1, 1)

_REGIONS: Final = ("11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93", "94")
_DEPARTEMENTS: Final = tuple(f"{n:02d}" for n in range(1, 96) if n != 20)
_COMMUNES_PER_DEPARTEMENT: Final = 40

# kinds of ordinary organisations and their weights (collectives are created apart)
_KIND_WEIGHTS: Final = {
    OrgKind.ENTREPRISE: 62,
    OrgKind.ACI: 8,
    OrgKind.EI: 5,
    OrgKind.AI: 4,
    OrgKind.ETTI: 2,
    OrgKind.EITI: 1,
    OrgKind.GEIQ: 1,
    OrgKind.EA: 3,
    OrgKind.ESAT: 3,
    OrgKind.ASSOCIATION: 8,
    OrgKind.FONDATION: 1,
    OrgKind.BANQUE: 1,
    OrgKind.FORMATION: 1,
}
_WORDS: Final = (
    "Atelier",
    "Jardin",
    "Recyclerie",
    "Bâtiment",
    "Services",
    "Transport",
    "Numérique",
    "Restauration",
    "Propreté",
    "Logistique",
    "Textile",
    "Bois",
    "Maraîchage",
    "Conseil",
)
_NETWORKS: Final = ("coorace", "chantier-ecole", "fei", "cocagne", "envie", "emmaus-france", "unai")
_TYPES: Final = tuple(PartnershipType)


@dataclass
class SyntheticGraph:
    """The batches, the exact number of triples they write, and a few handles for queries."""

    batches: list[Batch] = field(default_factory=list)
    triples: int = 0
    communes: list[str] = field(default_factory=list)


def _triples_of(batch_nodes: list[Node], batch_edges: list[Edge]) -> int:
    count = sum(2 + len(n.props) for n in batch_nodes)
    for e in batch_edges:
        count += 1 + (4 + bool(e.key) + len(e.attrs) if is_qualified(e) else 0)
    return count


def _siret(rng: random.Random) -> str:
    head = "".join(str(rng.randrange(10)) for _ in range(13))
    return next(head + str(d) for d in range(10) if luhn_ok(head + str(d)))


def synthetic_graph(triples: int, *, seed: int = 42) -> SyntheticGraph:
    """Batches writing about `triples` triples, deterministic for a given `seed`.

    A little more than asked: the last organisation is completed, and the
    geography alone (95 départements of 40 communes) writes about 23,000 triples.
    """
    rng = random.Random(seed)
    out = SyntheticGraph()
    geo_nodes, geo_edges = _geography(rng, out)
    out.batches.append(Batch(Provenance(GEO_SOURCE, _ISSUED, synthetic=True), geo_nodes, geo_edges))
    out.triples += _triples_of(geo_nodes, geo_edges) + 2 * 3  # two datasets' metadata

    nodes: list[Node] = []
    edges: list[Edge] = []
    for slug in _NETWORKS:
        nodes.append(Node(f"org:{slug}", OrgKind.RESEAU, f"Réseau {slug}"))
    clubs = {}
    for dep in _DEPARTEMENTS:
        clubs[dep] = f"org:club-{dep}"
        nodes.append(Node(clubs[dep], OrgKind.CLUB, f"Club Les entreprises s'engagent {dep}"))
    out.triples += _triples_of(nodes, edges)

    kinds, weights = list(_KIND_WEIGHTS), list(_KIND_WEIGHTS.values())
    siae = OrgKind.siae()
    siae_by_dep: dict[str, list[str]] = {dep: [] for dep in _DEPARTEMENTS}
    budget = triples - out.triples
    while budget > 0:
        new_nodes, new_edges = _organisation(
            rng, rng.choices(kinds, weights)[0], out, clubs, siae, siae_by_dep
        )
        nodes.extend(new_nodes)
        edges.extend(new_edges)
        written = _triples_of(new_nodes, new_edges)
        out.triples += written
        budget -= written
    out.batches.append(Batch(Provenance(ORG_SOURCE, _ISSUED, synthetic=True), nodes, edges))
    return out


def _geography(rng: random.Random, out: SyntheticGraph) -> tuple[list[Node], list[Edge]]:
    nodes: list[Node] = []
    edges: list[Edge] = []
    for region in _REGIONS:
        nodes.append(Node(f"region:{region}", PlaceKind.REGION, f"Région {region}"))
    for i, dep in enumerate(_DEPARTEMENTS):
        region = _REGIONS[i % len(_REGIONS)]
        nodes.append(Node(f"departement:{dep}", PlaceKind.DEPARTEMENT, f"Département {dep}"))
        edges.append(Edge(f"departement:{dep}", RelKind.PART_OF, f"region:{region}"))
        for c in range(1, _COMMUNES_PER_DEPARTEMENT + 1):
            code = f"{dep}{c:03d}"
            props: dict[str, PropValue] = {
                "population": int(rng.paretovariate(1.2) * 300),
                "latitude": round(rng.uniform(42.5, 51.0), 5),
                "longitude": round(rng.uniform(-4.5, 8.0), 5),
            }
            nodes.append(Node(f"commune:{code}", PlaceKind.COMMUNE, f"Commune {code}", props))
            edges.append(Edge(f"commune:{code}", RelKind.PART_OF, f"departement:{dep}"))
            out.communes.append(f"commune:{code}")
    return nodes, edges


def _organisation(
    rng: random.Random,
    kind: OrgKind,
    out: SyntheticGraph,
    clubs: dict[str, str],
    siae: frozenset[OrgKind],
    siae_by_dep: dict[str, list[str]],
) -> tuple[list[Node], list[Edge]]:
    siret = _siret(rng)
    org = f"org:{siret}"
    commune = rng.choice(out.communes)
    dep = commune.removeprefix("commune:")[:2]
    name = f"{rng.choice(_WORDS)} {rng.choice(_WORDS).lower()} {siret[-5:]}"
    nodes = [Node(org, kind, name, {"siret": siret})]
    edges = [Edge(org, RelKind.LOCATED_IN, commune)]
    if rng.random() < 0.25:
        role = MemberRole.LEADER if rng.random() < 0.1 else MemberRole.MEMBRE
        since = date(rng.randrange(2018, 2024), rng.randrange(1, 13), 1)
        edges.append(Edge(org, RelKind.MEMBER_OF, clubs[dep], {"role": role.value, "since": since}))
    if kind in siae:
        if rng.random() < 0.5:
            network = f"org:{rng.choice(_NETWORKS)}"
            edges.append(Edge(org, RelKind.MEMBER_OF, network, {"role": MemberRole.MEMBRE.value}))
        siae_by_dep[dep].append(org)
    elif kind is OrgKind.ENTREPRISE and siae_by_dep[dep] and rng.random() < 0.15:
        partner = rng.choice(siae_by_dep[dep])
        kind_of = rng.choice(_TYPES)
        edges.append(
            Edge(
                org,
                RelKind.PARTNER_OF,
                partner,
                {"type": kind_of.value, "form": kind_of.form.value},
                key=kind_of.value,
            )
        )
    return nodes, edges
