"""Shared fixtures: the real stores, a small named territory, the real data mirror."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from graph.kinds import OrgKind, PartnershipType, PlaceKind, RelKind
from graph.model import Batch, Edge, Node, Provenance
from graph.neo4j_server import Neo4jLaunchError, Neo4jServer
from graph.neo4j_store import Neo4jStore, connect
from graph.oxigraph_store import OxigraphStore
from graph.store import GraphStore

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"

STORE_BACKENDS = ["oxigraph", "neo4j"]


@pytest.fixture
def oxigraph_store() -> Iterator[OxigraphStore]:
    """An embedded store in memory: the disk is not what logic tests test (on-disk
    behaviour is in tests/test_oxigraph_store.py and the CLI tests)."""
    store = OxigraphStore()
    yield store
    store.close()


@pytest.fixture(scope="session")
def neo4j_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real Neo4j server (tools/neo4j-launcher), started once per session: its Bolt URI.

    When it cannot start, the tests that need it fail, in CI and locally: they never skip.
    """
    server = Neo4jServer(log_level="WARN")
    try:
        uri = server.start(data_dir=tmp_path_factory.mktemp("neo4j-data"), timeout=180)
    except Neo4jLaunchError as e:
        pytest.fail(f"Neo4j could not start: {e}", pytrace=False)
    yield uri
    server.stop()


@pytest.fixture
def neo4j_store(neo4j_server: str) -> Iterator[Neo4jStore]:
    """A `Neo4jStore` on an empty database, built from a driver passed in."""
    driver = connect(neo4j_server)
    driver.execute_query("MATCH (n) DETACH DELETE n", database_="neo4j")
    yield Neo4jStore(driver, database="neo4j")
    driver.close()


@pytest.fixture(params=STORE_BACKENDS)
def store(request: pytest.FixtureRequest) -> Iterator[GraphStore]:
    """Every backend, one after the other: each behaviour is proven on each."""
    if request.param == "oxigraph":
        oxi = OxigraphStore()  # in memory: the contract is not about the disk
        yield oxi
        oxi.close()
    else:  # pragma: no cover - other backends register themselves below
        yield request.getfixturevalue(f"{request.param}_store")


AUBE = Provenance("fixture-aube", date(2024, 1, 15), synthetic=True, title="Petit territoire de test")


def aube_batch() -> Batch:
    """A dozen actors around Troyes (Aube): the named fixture for logic tests.

    Troyes and Romilly in the Aube; Boutique Boulot (ACI) and an EI in Troyes; the
    Aube club with one leader company; two member companies; a partnership of each
    form family; a company in Romilly linked to no one.
    """
    nodes = [
        Node("region:44", PlaceKind.REGION, "Grand Est"),
        Node("departement:10", PlaceKind.DEPARTEMENT, "Aube"),
        Node("commune:10387", PlaceKind.COMMUNE, "Troyes", {"latitude": 48.2973, "longitude": 4.0744}),
        Node(
            "commune:10323",
            PlaceKind.COMMUNE,
            "Romilly-sur-Seine",
            {"latitude": 48.5167, "longitude": 3.7267},
        ),
        Node("org:boutique-boulot", OrgKind.ACI, "Boutique Boulot"),
        Node("org:ei-troyes", OrgKind.EI, "Recyclerie de Troyes"),
        Node("org:club-10", OrgKind.CLUB, "Club Les entreprises s'engagent de l'Aube"),
        Node("org:leader-sa", OrgKind.ENTREPRISE, "Leader SA", {"siret": "80746931700018"}),
        Node("org:menuiserie", OrgKind.ENTREPRISE, "Menuiserie Champenoise"),
        Node("org:transports", OrgKind.ENTREPRISE, "Transports de Seine"),
        Node("org:isolee", OrgKind.ENTREPRISE, "Entreprise isolée"),
    ]
    edges = [
        Edge("departement:10", RelKind.PART_OF, "region:44"),
        Edge("commune:10387", RelKind.PART_OF, "departement:10"),
        Edge("commune:10323", RelKind.PART_OF, "departement:10"),
        Edge("org:boutique-boulot", RelKind.LOCATED_IN, "commune:10387"),
        Edge("org:ei-troyes", RelKind.LOCATED_IN, "commune:10387"),
        Edge("org:club-10", RelKind.LOCATED_IN, "departement:10"),
        Edge("org:leader-sa", RelKind.LOCATED_IN, "commune:10387"),
        Edge("org:menuiserie", RelKind.LOCATED_IN, "commune:10387"),
        Edge("org:transports", RelKind.LOCATED_IN, "commune:10323"),
        Edge("org:isolee", RelKind.LOCATED_IN, "commune:10323"),
        Edge(
            "org:leader-sa", RelKind.MEMBER_OF, "org:club-10", {"role": "leader", "since": date(2019, 3, 1)}
        ),
        Edge("org:menuiserie", RelKind.MEMBER_OF, "org:club-10", {"role": "membre"}),
        Edge("org:boutique-boulot", RelKind.MEMBER_OF, "org:club-10", {"role": "membre"}),
        Edge(
            "org:boutique-boulot",
            RelKind.PARTNER_OF,
            "org:menuiserie",
            {"type": "achat_responsable", "form": "pratiques_responsables"},
            key=PartnershipType.ACHAT_RESPONSABLE.value,
        ),
        Edge(
            "org:boutique-boulot",
            RelKind.PARTNER_OF,
            "org:menuiserie",
            {"type": "recrutement", "form": "pratiques_responsables", "since": date(2022, 1, 1)},
            key=PartnershipType.RECRUTEMENT.value,
        ),
        Edge(
            "org:ei-troyes",
            RelKind.PARTNER_OF,
            "org:transports",
            {"type": "cotraitance", "form": "cooperation_economique", "gme": "solidaire"},
            key=PartnershipType.COTRAITANCE.value,
        ),
    ]
    return Batch(AUBE, nodes, edges)


# The modules whose set-up loads real or generated data into both stores, longest first:
# started first, so that with several test processes (`make test`) they do not end the run alone.
HEAVY_MODULES = (
    "test_real_counts.py",
    "test_neo4j_import.py",
    "test_demo.py",
    "test_analytic.py",
    "test_differential.py",
    "test_model_doc.py",
    "test_loaders_geo.py",
    "test_ontology.py",
    "test_validation.py",
    "test_pipeline_atomic.py",
    "test_synthetic.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return HEAVY_MODULES.index(name) if name in HEAVY_MODULES else len(HEAVY_MODULES)

    items.sort(key=rank)  # stable: the order inside each module and among the rest is kept
