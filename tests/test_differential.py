"""Same graph, same answers: the embedded RDF store and Neo4j hold the same datasets
and must answer alike — counts by kind and by relation, the whole graph, every
organisation's neighbourhood, and the paired questions (queries/sparql/*.rq against
queries/cypher/*.cypher).

Datasets: the named Aube fixture, the guide's case studies, and a synthetic
département (Aube, seed 42) loaded by the real loaders. On the Aube fixture the
paired questions are also checked against answers computed by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from graph.geo import distance_km, equirectangular_km
from graph.kinds import CodeKind, OrgKind, PlaceKind, RelKind
from graph.model import Batch, Edge, Node, Provenance, Subgraph
from graph.neo4j_store import Neo4jStore, connect
from graph.oxigraph_store import OxigraphStore
from graph.store import GraphStore
from loaders.case_studies import read_case_studies
from loaders.decp import read_decp
from loaders.decp_cpv import cpv_divisions
from loaders.decp_places import departement_index
from loaders.geo import geography_outputs
from loaders.pipeline import load_generated
from loaders.sources import SHARED_DATA
from loaders.structures import structures_output
from loaders.synthetic import departement, generate
from queries import paired
from queries.paired import Backend
from tests.conftest import aube_batch

DATASETS = ["aube", "case-studies", "synthetic-departement-10"]


def load(name: str, store: GraphStore, tmp: Path) -> None:
    if name == "aube":
        store.upsert(aube_batch())
    elif name == "case-studies":
        store.upsert(read_case_studies())
    else:
        out = tmp / "synthetic-10"
        if not (out / "manifest.json").exists():
            generate(departement("10"), out, seed=42, as_of=date(2025, 1, 1))
        load_generated(store, out)


@dataclass
class Pair:
    name: str
    rdf: OxigraphStore
    neo: Neo4jStore
    graph: Subgraph  # as the RDF store holds it

    def ids(self, *kinds: OrgKind | PlaceKind | CodeKind) -> list[str]:
        wanted = set(kinds)
        return sorted(n.id for n in self.graph.nodes if n.kind in wanted)

    def organisations(self) -> list[str]:
        return sorted(n.id for n in self.graph.nodes if isinstance(n.kind, OrgKind))


@pytest.fixture(scope="module", params=DATASETS)
def pair(
    request: pytest.FixtureRequest, neo4j_server: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Pair]:
    """One dataset loaded into both stores (the Neo4j database emptied first)."""
    tmp = tmp_path_factory.getbasetemp() / "differential"
    tmp.mkdir(exist_ok=True)
    rdf = OxigraphStore()
    driver = connect(neo4j_server)
    neo = Neo4jStore(driver)
    neo.clear()
    load(request.param, rdf, tmp)
    load(request.param, neo, tmp)
    yield Pair(request.param, rdf, neo, rdf.subgraph())
    rdf.close()
    driver.close()


def both(pair: Pair) -> tuple[Backend, Backend]:
    return pair.rdf, pair.neo


# -- the same graph ---------------------------------------------------------------------------------


def test_counts_by_kind_and_relation_agree(pair: Pair) -> None:
    counts = pair.rdf.counts()
    assert pair.neo.counts() == counts
    assert sum(counts.nodes.values()) == len(pair.graph.nodes) > 10


def test_whole_graph_agrees(pair: Pair) -> None:
    assert pair.neo.subgraph() == pair.graph


def test_datasets_agree(pair: Pair) -> None:
    assert pair.neo.datasets() == pair.rdf.datasets()


def test_every_organisation_neighbourhood_agrees(pair: Pair) -> None:
    organisations = pair.organisations()
    differ = [o for o in organisations if pair.neo.neighbourhood(o) != pair.rdf.neighbourhood(o)]
    assert differ == []
    assert len(organisations) >= 7


# -- the same answers -------------------------------------------------------------------------------

CLASSES = [
    "SIAE",
    "EmployeurInclusif",
    "Organisation",
    "Collectif",
    "OrganismePublic",
    "Lieu",
    "Code",
    "CodeNaf",
]


def test_class_counts_with_the_hierarchy_agree(pair: Pair) -> None:
    kinds = sorted(pair.rdf.counts().nodes)
    counted = {cls: paired.class_count(pair.rdf, cls) for cls in [*CLASSES, *kinds]}
    assert {cls: paired.class_count(pair.neo, cls) for cls in counted} == counted
    assert counted["Organisation"] == len(pair.organisations())


def answers_agree(pair: Pair, ask: object, cases: list[dict[str, object]]) -> int:
    """Ask every case of both backends; the number of rows they gave."""
    assert callable(ask)
    rows = 0
    for case in cases:
        rdf, neo = (ask(store, **case) for store in both(pair))
        assert neo == rdf, case
        rows += len(rdf) if isinstance(rdf, list) else int(rdf is not None)
    return rows


def test_club_members_agree(pair: Pair) -> None:
    collectives = pair.ids(*OrgKind.collectives())
    assert answers_agree(pair, paired.club_members, [{"club": c} for c in collectives]) > 0


def test_partners_and_forms_agree(pair: Pair) -> None:
    partners = sorted(
        {e.source for e in pair.graph.edges if e.rel is RelKind.PARTNER_OF}
        | {e.target for e in pair.graph.edges if e.rel is RelKind.PARTNER_OF}
    )
    assert answers_agree(pair, paired.partners_of, [{"org": o} for o in partners]) > 0


def test_siae_near_communes_agree(pair: Pair) -> None:
    hosts = sorted(
        {
            e.target
            for e in pair.graph.edges
            if e.rel is RelKind.LOCATED_IN and e.target.startswith("commune:")
        }
    )
    sample = hosts[:: max(1, len(hosts) // 40)]  # at most about 40 communes
    rows = answers_agree(pair, paired.siae_near_commune, [{"commune": c} for c in sample])
    assert rows > 0


def ancestors(graph: Subgraph, start: str) -> set[str]:
    """`start` and everything above it by PART_OF."""
    parents: dict[str, set[str]] = {}
    for e in graph.edges:
        if e.rel is RelKind.PART_OF:
            parents.setdefault(e.source, set()).add(e.target)
    found, todo = {start}, [start]
    while todo:
        for parent in parents.get(todo.pop(), ()):
            if parent not in found:
                found.add(parent)
                todo.append(parent)
    return found


def test_naf_section_in_ze_agree(pair: Pair) -> None:
    kinds = {n.id: n.kind for n in pair.graph.nodes}
    located = {e.target for e in pair.graph.edges if e.rel is RelKind.LOCATED_IN}
    sectors = {e.target for e in pair.graph.edges if e.rel is RelKind.IN_SECTOR}
    zones = sorted(
        {z for p in located for z in ancestors(pair.graph, p) if kinds[z] is PlaceKind.ZONE_EMPLOI}
    )
    sections = sorted(
        {s for c in sectors for s in ancestors(pair.graph, c) if kinds[s] is CodeKind.NAF_SECTION}
    )
    cases: list[dict[str, object]] = [{"section": s, "ze": z} for s in sections for z in zones]
    cases = cases[:: max(1, len(cases) // 40)]  # at most about 40 pairs
    rows = answers_agree(pair, paired.naf_section_in_ze, cases)
    assert (rows > 0) == bool(cases)


def test_paths_between_organisations_agree(pair: Pair) -> None:
    linked = sorted(
        {
            end
            for e in pair.graph.edges
            if e.source.startswith("org:") and e.target.startswith("org:")
            for end in (e.source, e.target)
        }
    )
    step = max(1, len(linked) // 15)
    ends = linked[::step]
    cases: list[dict[str, object]] = [
        {"source": a, "target": b} for a, b in zip(ends, reversed(ends), strict=True) if a < b
    ]
    cases += [
        {"source": a, "target": b, "through_all": True} for a, b in zip(ends[:4], ends[-4:], strict=True)
    ]
    assert answers_agree(pair, paired.path_between, cases) > 0


# -- answers computed by hand, on the Aube fixture ---------------------------------------------------

SECTORS = Provenance("fixture-aube-secteurs", date(2024, 1, 15), synthetic=True)


def sectors_batch() -> Batch:
    """NAF codes and zones d'emploi around the Aube fixture."""
    codes = [
        ("naf:C", CodeKind.NAF_SECTION, None),
        ("naf:16", CodeKind.NAF_DIVISION, "naf:C"),
        ("naf:16.2", CodeKind.NAF_GROUPE, "naf:16"),
        ("naf:16.23", CodeKind.NAF_CLASSE, "naf:16.2"),
        ("naf:16.23Z", CodeKind.NAF_SOUS_CLASSE, "naf:16.23"),
        ("naf:H", CodeKind.NAF_SECTION, None),
        ("naf:49", CodeKind.NAF_DIVISION, "naf:H"),
        ("naf:49.4", CodeKind.NAF_GROUPE, "naf:49"),
        ("naf:49.41", CodeKind.NAF_CLASSE, "naf:49.4"),
        ("naf:49.41A", CodeKind.NAF_SOUS_CLASSE, "naf:49.41"),
    ]
    nodes = [Node(i, kind, i) for i, kind, _ in codes] + [
        Node("ze:2106", PlaceKind.ZONE_EMPLOI, "Troyes"),
        Node("ze:2105", PlaceKind.ZONE_EMPLOI, "Romilly-sur-Seine"),
    ]
    edges = [Edge(i, RelKind.PART_OF, parent) for i, _, parent in codes if parent]
    edges += [
        Edge("commune:10387", RelKind.PART_OF, "ze:2106"),
        Edge("commune:10323", RelKind.PART_OF, "ze:2105"),
        Edge("org:menuiserie", RelKind.IN_SECTOR, "naf:16.23Z"),
        Edge("org:leader-sa", RelKind.IN_SECTOR, "naf:16.23Z"),
        Edge("org:transports", RelKind.IN_SECTOR, "naf:49.41A"),
        Edge("org:isolee", RelKind.IN_SECTOR, "naf:16.23Z"),
    ]
    return Batch(SECTORS, nodes, edges)


@pytest.fixture
def aube(store: GraphStore) -> Backend:
    store.upsert(aube_batch())
    store.upsert(sectors_batch())
    return store


def test_class_counts_by_hand(aube: Backend) -> None:
    counts = {
        cls: paired.class_count(aube, cls) for cls in ["SIAE", "ACI", "Organisation", "Lieu", "Collectif"]
    }
    assert counts == {"SIAE": 2, "ACI": 1, "Organisation": 7, "Lieu": 6, "Collectif": 1}


def test_club_members_by_hand(aube: Backend) -> None:
    assert paired.club_members(aube, "org:club-10") == [
        ("org:boutique-boulot", "Boutique Boulot", "membre"),
        ("org:leader-sa", "Leader SA", "leader"),
        ("org:menuiserie", "Menuiserie Champenoise", "membre"),
    ]


def test_partners_and_forms_by_hand(aube: Backend) -> None:
    assert paired.partners_of(aube, "org:boutique-boulot") == [
        ("org:menuiserie", "Menuiserie Champenoise", "out", "achat_responsable", "pratiques_responsables"),
        ("org:menuiserie", "Menuiserie Champenoise", "out", "recrutement", "pratiques_responsables"),
    ]
    assert paired.partners_of(aube, "org:transports") == [
        ("org:ei-troyes", "Recyclerie de Troyes", "in", "cotraitance", "cooperation_economique"),
    ]
    assert paired.partners_of(aube, "org:isolee") == []


TROYES, ROMILLY = (48.2973, 4.0744), (48.5167, 3.7267)


def test_siae_near_a_commune_by_hand(aube: Backend) -> None:
    assert paired.siae_near_commune(aube, "commune:10387") == [
        ("org:boutique-boulot", "ACI", 0.0),
        ("org:ei-troyes", "EI", 0.0),
    ]
    assert paired.siae_near_commune(aube, "commune:10323") == []  # Troyes is 35 km away


def test_siae_distance_is_the_equirectangular_one(aube: Backend) -> None:
    rows = paired.siae_near_commune(aube, "commune:10323", km=40.0)
    assert [(org, kind) for org, kind, _ in rows] == [("org:boutique-boulot", "ACI"), ("org:ei-troyes", "EI")]
    km = rows[0][2]
    assert km == pytest.approx(equirectangular_km(*ROMILLY, *TROYES), abs=0.001)
    assert km == pytest.approx(distance_km(*ROMILLY, *TROYES), rel=1e-4)
    # by hand: Δφ = 0.2194° → 24.40 km, Δλ·cos φm = 0.3477° × 0.6638 → 25.66 km, √(24.40² + 25.66²)
    assert km == pytest.approx(35.41, abs=0.01)


def test_naf_section_in_zone_by_hand(aube: Backend) -> None:
    assert paired.naf_section_in_ze(aube, "naf:C", "ze:2106") == [
        ("org:leader-sa", "naf:16.23Z"),
        ("org:menuiserie", "naf:16.23Z"),
    ]
    assert paired.naf_section_in_ze(aube, "naf:C", "ze:2105") == [("org:isolee", "naf:16.23Z")]
    assert paired.naf_section_in_ze(aube, "naf:H", "ze:2105") == [("org:transports", "naf:49.41A")]
    assert paired.naf_section_in_ze(aube, "naf:H", "ze:2106") == []
    assert paired.naf_section_in_ze(aube, "naf:C", "departement:10") == [
        ("org:isolee", "naf:16.23Z"),
        ("org:leader-sa", "naf:16.23Z"),
        ("org:menuiserie", "naf:16.23Z"),
    ]


def test_path_between_organisations_by_hand(aube: Backend) -> None:
    assert paired.path_between(aube, "org:boutique-boulot", "org:menuiserie") == [
        "org:boutique-boulot",
        "org:menuiserie",
    ]
    assert paired.path_between(aube, "org:leader-sa", "org:boutique-boulot") == [
        "org:leader-sa",
        "org:club-10",
        "org:boutique-boulot",
    ]
    assert paired.path_between(aube, "org:isolee", "org:leader-sa") is None  # no tie between orgs
    assert paired.path_between(aube, "org:inconnue", "org:leader-sa") is None


def test_shortest_path_ties_break_on_the_smallest_sequence(aube: Backend) -> None:
    # two paths of two relations: by the club, or by Troyes; "commune:…" < "org:club-10"
    assert paired.path_between(aube, "org:boutique-boulot", "org:leader-sa", through_all=True) == [
        "org:boutique-boulot",
        "commune:10387",
        "org:leader-sa",
    ]
    # through places and codes the shortest way is the shared NAF code, not Troyes
    assert paired.path_between(aube, "org:isolee", "org:leader-sa", through_all=True) == [
        "org:isolee",
        "naf:16.23Z",
        "org:leader-sa",
    ]


def test_path_step_query_names_every_relation() -> None:
    text = paired.sparql_text("path_between")
    assert all(f"mlg:{rel.predicate}" in text for rel in RelKind)


# -- where datasets disagree ------------------------------------------------------------------------


def disagreeing_batches() -> list[Batch]:
    """Two datasets saying different things about one node and one relation; the
    later one by name is loaded first."""
    early, late = Provenance("aa-registre", date(2024, 1, 1)), Provenance("zz-annuaire", date(2024, 2, 1))
    x_late = Node("org:x", OrgKind.EI, "Nom tardif", {"effectif": 5})
    y = Node("org:y", OrgKind.CLUB, "Club")
    return [
        Batch(late, [x_late, y], [Edge("org:x", RelKind.MEMBER_OF, "org:y", {"role": "membre"})]),
        Batch(
            early,
            [Node("org:x", OrgKind.ACI, "Nom premier", {"effectif": 7})],
            [Edge("org:x", RelKind.MEMBER_OF, "org:y", {"role": "leader"})],
        ),
    ]


def test_disagreeing_datasets_resolve_alike(neo4j_store: Neo4jStore, oxigraph_store: OxigraphStore) -> None:
    for batch in disagreeing_batches():
        neo4j_store.upsert(batch)
        oxigraph_store.upsert(batch)
    assert neo4j_store.subgraph() == oxigraph_store.subgraph()


def test_disagreeing_datasets_count_and_answer_alike(
    neo4j_store: Neo4jStore, oxigraph_store: OxigraphStore
) -> None:
    for batch in disagreeing_batches():
        neo4j_store.upsert(batch)
        oxigraph_store.upsert(batch)
    assert neo4j_store.counts() == oxigraph_store.counts()
    expected = [("org:x", "Nom premier", "leader")]  # the first dataset by name wins
    assert paired.club_members(oxigraph_store, "org:y") == expected
    assert paired.club_members(neo4j_store, "org:y") == expected


# -- public procurement (DECP): the contracts the structures hold, from the real archives ----------


@cache
def decp_of_structures() -> tuple[Batch, ...]:
    """From the four real DECP archives, the contracts an inclusive structure holds, with
    their buyers, co-holders, départements and CPV divisions, one batch per archive."""
    communes, _ = geography_outputs(SHARED_DATA / "geo")
    structures = structures_output(
        SHARED_DATA / "siae/structures-emplois-de-linclusion.json", communes=communes
    )
    known = [n for n in structures.batch.nodes if n.id.startswith("org:")]
    employers = {n.id for n in known}
    outputs = read_decp(
        sorted((SHARED_DATA / "decp").glob("*.zip")),
        places=departement_index(SHARED_DATA / "geo"),
        cpv=cpv_divisions(),
        known=known,
    )
    held = {
        e.target for o in outputs for e in o.batch.edges if e.rel is RelKind.HOLDS and e.source in employers
    }
    batches = []
    for output in outputs:
        edges = [
            e
            for e in output.batch.edges
            if e.source in held or e.target in held or (e.rel is RelKind.CO_CONTRACTOR_OF and e.key in held)
        ]
        ends = {end for e in edges for end in (e.source, e.target)}
        nodes = [n for n in output.batch.nodes if n.id in ends]
        batches.append(Batch(output.batch.provenance, nodes, edges))
    return tuple(batches)


@pytest.fixture(scope="module")
def decp_pair(neo4j_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    rdf = OxigraphStore(tmp_path_factory.mktemp("rdf-decp"))
    driver = connect(neo4j_server)
    neo = Neo4jStore(driver)
    neo.clear()
    for batch in decp_of_structures():
        rdf.upsert(batch)
        neo.upsert(batch)
    yield Pair("decp", rdf, neo, rdf.subgraph())
    rdf.close()
    driver.close()


def test_decp_graph_agrees(decp_pair: Pair) -> None:
    assert decp_pair.neo.counts() == decp_pair.rdf.counts()
    assert decp_pair.neo.subgraph() == decp_pair.graph
    contracts = decp_pair.ids(CodeKind.MARCHE_PUBLIC)
    assert len(contracts) == 67 + 35
    differ = [o for o in contracts if decp_pair.neo.neighbourhood(o) != decp_pair.rdf.neighbourhood(o)]
    assert differ == []


def test_siae_buyers_by_departement_agree_and_count_the_contracts(decp_pair: Pair) -> None:
    rdf, neo = (paired.siae_buyers_by_departement(s) for s in both(decp_pair))
    assert neo == rdf
    siae = set(decp_pair.ids(*OrgKind.siae()))
    edges = decp_pair.graph.edges
    buyer = {e.source: e.target for e in edges if e.rel is RelKind.AWARDED_BY}
    place = {
        e.source: e.target
        for e in edges
        if e.rel is RelKind.LOCATED_IN and e.target.startswith("departement:")
    }
    by_hand: dict[tuple[str, str], set[str]] = {}
    for e in edges:
        if e.rel is RelKind.HOLDS and e.source in siae and e.target in place:
            by_hand.setdefault((place[e.target], buyer[e.target]), set()).add(e.target)
    assert rdf == sorted((d, b, len(c)) for (d, b), c in by_hand.items())
    assert len(rdf) > 20


def test_siae_co_contractors_agree_with_the_ties(decp_pair: Pair) -> None:
    rdf, neo = (paired.siae_co_contractors(s) for s in both(decp_pair))
    assert neo == rdf
    siae = set(decp_pair.ids(*OrgKind.siae()))
    companies = set(decp_pair.ids(OrgKind.ENTREPRISE))
    by_hand = set()
    for e in decp_pair.graph.edges:
        if e.rel is RelKind.CO_CONTRACTOR_OF:
            for a, b in ((e.source, e.target), (e.target, e.source)):
                if a in siae and b in companies:
                    by_hand.add((a, b, e.key))
    assert rdf == sorted(by_hand)
    assert len(rdf) == 56
