"""The partner candidates scored only where they can reach the best (queries.partner_pruning)
give exactly the answer of the whole pool scored (`pruned=False`, the reference): same
candidates, order, scores and reasons, on a synthetic territory read back from the real
embedded store, under every objective and filter, with ties, unknown places and contracts.

The trees are used for pools above `SMALL_POOL` organisations (a national pool); here,
where pools are small, the tests set it to 0 to search the trees as a national query does.
"""

from __future__ import annotations

import warnings
from collections import deque
from collections.abc import Iterator
from datetime import date
from typing import Any

import numpy as np
import pytest

import queries.partner_pruning as pruning
import queries.partners as partners
from graph.kinds import CodeKind, OrgKind, PartnershipType, PlaceKind, RelKind
from graph.model import Batch, Edge, Node, Provenance
from graph.oxigraph_store import OxigraphStore
from queries.introductions import _distances
from queries.org_network import PartnerNetwork, org_network
from queries.partners import Objective, PartnerIndex, partner_candidates, partner_index, prepared
from tests.partners_fixture import BB, partners_batch, procurement_batch

SYNTHETIC = Provenance(
    "fixture-elagage", date(2025, 1, 1), synthetic=True, title="Territoire synthétique de test"
)
NAF = ("81.30Z", "43.21A", "56.10A", "47.11F", "41.20A", "62.01Z", "10.71C", "49.41A", "25.62B", "68.20A")
BANDS = ("00", "01", "02", "03", "11", "12", "21", "22", "31")
SIAE_KINDS = (OrgKind.ACI, OrgKind.EI, OrgKind.ETTI, OrgKind.AI, OrgKind.GEIQ)
SECTOR = "secteur:creation-et-entretien-des-espaces-verts"
COMPANIES = 1500
SIAE = 24


def synthetic_batch(seed: int = 3) -> Batch:
    """Companies in 20 communes of two départements (half at their commune's centroid, so
    many lie at the same distance; 4 % with no place at all), SIAE, two clubs, a PTCE, a
    network, partnerships, public buyers (two with no place) and their contracts."""
    rng = np.random.default_rng(seed)
    T = PartnershipType
    nodes = [
        Node("departement:10", PlaceKind.DEPARTEMENT, "Aube"),
        Node("departement:51", PlaceKind.DEPARTEMENT, "Marne"),
        Node(SECTOR, CodeKind.SECTEUR, "Création et entretien des espaces verts"),
        Node("cpv:77", CodeKind.CPV_DIVISION, "Services agricoles"),
        Node("cpv:45", CodeKind.CPV_DIVISION, "Travaux de construction"),
        *(Node(f"naf:{code}", CodeKind.NAF_SOUS_CLASSE, code) for code in (*NAF, "88.99B")),
    ]
    edges: list[Edge] = []
    communes = []
    for i in range(20):
        dep = "10" if i < 12 else "51"
        commune = f"commune:{dep}{i:03d}"
        lat, lon = 48.0 + rng.uniform(0, 1.2), 3.5 + rng.uniform(0, 1.5)
        nodes.append(Node(commune, PlaceKind.COMMUNE, f"Commune {i}", {"latitude": lat, "longitude": lon}))
        edges.append(Edge(commune, RelKind.PART_OF, f"departement:{dep}"))
        communes.append((commune, lat, lon))

    def organisation(oid: str, kind: OrgKind, naf: str | None, *, placed: bool = True) -> None:
        props: dict[str, Any] = {"size_band": str(rng.choice(BANDS))}
        if placed:
            commune, lat, lon = communes[int(rng.integers(len(communes)))]
            edges.append(Edge(oid, RelKind.LOCATED_IN, commune))
            if rng.random() < 0.5:
                props |= {"latitude": lat + rng.normal(0, 0.05), "longitude": lon + rng.normal(0, 0.05)}
        nodes.append(Node(oid, kind, oid.removeprefix("org:"), props))
        if naf:
            edges.append(Edge(oid, RelKind.IN_SECTOR, f"naf:{naf}"))

    companies = [f"org:e{i:04d}" for i in range(COMPANIES)]
    for c in companies:
        organisation(c, OrgKind.ENTREPRISE, str(rng.choice(NAF)) if rng.random() < 0.9 else None,
                     placed=rng.random() >= 0.04)  # fmt: skip
    siae = [f"org:s{i:02d}" for i in range(SIAE)]
    for i, s in enumerate(siae):
        organisation(s, SIAE_KINDS[i % len(SIAE_KINDS)], "88.99B" if i % 3 else str(rng.choice(NAF)))
        if i % 2:
            edges.append(Edge(s, RelKind.SELLS_IN, SECTOR))
    collectives = [("org:club-a", OrgKind.CLUB), ("org:club-b", OrgKind.CLUB), ("org:ptce", OrgKind.PTCE),
                   ("org:reseau", OrgKind.RESEAU)]  # fmt: skip
    for oid, kind in collectives:
        nodes.append(Node(oid, kind, oid.removeprefix("org:")))
        members = [*rng.choice(companies, 40, replace=False), *rng.choice(siae, 5, replace=False)]
        edges.extend(Edge(str(m), RelKind.MEMBER_OF, oid) for m in members)
    types = (
        T.ACHAT_RESPONSABLE,
        T.RECRUTEMENT,
        T.PMSMP,
        T.SOUS_TRAITANCE,
        T.COTRAITANCE,
        T.MECENAT_FINANCIER,
    )
    for _ in range(160):
        s, c, t = str(rng.choice(siae)), str(rng.choice(companies)), types[int(rng.integers(len(types)))]
        edges.append(Edge(s, RelKind.PARTNER_OF, c, {"type": t.value}, key=t.value))
    buyers = [f"org:2110000000{i:04d}" for i in range(5)]
    for i, b in enumerate(buyers):
        organisation(b, OrgKind.ACHETEUR_PUBLIC, None, placed=i >= 2)
    for k in range(60):
        contract, cpv = f"marche:synthetique-{k:03d}", ("77", "45")[k % 2]
        nodes.append(Node(contract, CodeKind.MARCHE_PUBLIC, f"Marché {k}", {"cpv": f"{cpv}000000-0"}))
        edges.append(Edge(contract, RelKind.AWARDED_BY, buyers[k % 5]))
        edges.append(Edge(contract, RelKind.IN_CPV, f"cpv:{cpv}"))
        holders = [str(h) for h in rng.choice([*companies[:300], *siae], 1 + k % 2, replace=False)]
        edges.extend(Edge(h, RelKind.HOLDS, contract, {"match": "siret"}) for h in holders)
        if len(holders) == 2:
            edges.append(Edge(holders[0], RelKind.CO_CONTRACTOR_OF, holders[1], key=contract))
    return Batch(SYNTHETIC, nodes, edges)


@pytest.fixture(scope="module")
def index() -> Iterator[PartnerIndex]:
    with OxigraphStore() as store:
        store.upsert(synthetic_batch())
        network: PartnerNetwork = org_network(store)
        yield prepared(partner_index(network))


@pytest.fixture
def trees(monkeypatch: pytest.MonkeyPatch) -> None:
    """Search the trees even for the small pools of these tests."""
    monkeypatch.setattr(pruning, "SMALL_POOL", 0)


def queries(index: PartnerIndex) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every objective for SIAE, companies and a buyer, with no filter, a radius, a
    département, a commune, kinds, and limits cutting through ties."""
    ids, facets = index.network.ids, index.network.facets
    actors = [f"org:s{i:02d}" for i in range(0, SIAE, 2)] + ["org:e0007", "org:e0300", "org:21100000000003"]
    filters: list[dict[str, Any]] = [{}, {"radius_km": 8.0}, {"radius_km": 40.0}]
    filters.append({"kinds": ["Entreprise", "ACI"]})
    for n, actor in enumerate(actors):
        s = index.network.index[actor]
        places = [{"territory": facets["departement"][s]}, {"territory": facets["commune"][s]}]
        for k, objective in enumerate(Objective):
            for m, extra in enumerate([*filters, *(p for p in places if p["territory"])]):
                yield actor, {"objective": objective, "limit": (1, 3, 10, 25)[(n + k + m) % 4], **extra}
    assert ids  # the network is not empty


def test_the_synthetic_territory_has_what_the_pruning_must_handle(index: PartnerIndex) -> None:
    kinds, latitude = index.kinds, index.latitude
    companies = kinds == "Entreprise"
    assert companies.sum() == COMPANIES
    assert 40 < int((companies & np.isnan(latitude)).sum()) < 90  # companies with no place
    assert int(np.isnan(latitude[kinds == "AcheteurPublic"]).sum()) == 2
    assert index.contract_cache.division  # contracts: their holders are scored as evidence
    # many companies share a place (their commune's centroid): equal distances, equal scores
    places = np.column_stack([latitude, index.longitude])[companies]
    _, repeated = np.unique(places, axis=0, return_counts=True)
    assert repeated.max() > 20


@pytest.mark.usefixtures("trees")
def test_pruned_answers_are_the_whole_pools(index: PartnerIndex) -> None:
    asked = compared = 0
    for actor, kw in queries(index):
        pruned = partner_candidates(index, actor, with_introductions=False, **kw)
        whole = partner_candidates(index, actor, with_introductions=False, pruned=False, **kw)
        assert pruned == whole, (actor, kw)
        asked += 1
        compared += len(pruned)
    assert asked == 15 * 6 * 6 and compared > 4000


def test_small_pools_measured_whole_give_the_same_answers(index: PartnerIndex) -> None:
    for actor, kw in list(queries(index))[::5]:
        assert partner_candidates(index, actor, **kw) == partner_candidates(index, actor, pruned=False, **kw)


@pytest.mark.usefixtures("trees")
def test_only_a_few_candidates_are_scored(index: PartnerIndex) -> None:
    s = index.network.index["org:s04"]
    chosen = scored(index, s, Objective.RECRUTEMENT, limit=10)
    pool = int((index.kinds == "Entreprise").sum()) - len(index.partners[s])
    assert chosen is not None and len(chosen.candidates) < pool / 5
    ask: dict[str, Any] = {"objective": "recrutement", "limit": 10, "with_introductions": False}
    assert partner_candidates(index, "org:s04", **ask) == partner_candidates(
        index, "org:s04", pruned=False, **ask
    )


def scored(index: PartnerIndex, s: int, objective: Objective, *, limit: int) -> pruning.Selection | None:
    places = pruning.place_groups(index)
    low, high = partners._reason_bounds(index, s, objective, places)
    return pruning.select(
        index, s, partners._wanted(index, s, objective, None), scale=partners.DISTANCE_SCALE_KM,
        unknown_km=partners.UNKNOWN_DISTANCE_KM, low=low, high=high,
        evidence=partners._evidence(index, s, places), limit=limit,
    )  # fmt: skip


@pytest.mark.usefixtures("trees")
def test_ties_at_the_limit_are_broken_as_the_whole_pool_breaks_them(
    index: PartnerIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    # with the distance alone weighing, the companies at one centroid tie
    for name in ("W_PROPENSITY", "W_FIT", "W_COLLECTIVE", "W_NETWORK", "W_COMMON", "W_SIZE"):
        monkeypatch.setattr(partners, name, 0.0)
    ask: dict[str, Any] = {"objective": "recrutement", "with_introductions": False}
    scores = [c.score for c in partner_candidates(index, "org:s01", limit=200, pruned=False, **ask)]
    cuts = [i + 1 for i in range(len(scores) - 1) if scores[i] == scores[i + 1]]
    assert len(cuts) > 20
    for limit in cuts[:30]:
        assert partner_candidates(index, "org:s01", limit=limit, **ask) == partner_candidates(
            index, "org:s01", limit=limit, pruned=False, **ask
        )


@pytest.mark.usefixtures("trees")
def test_the_bounds_follow_the_weights_at_run_time(
    index: PartnerIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {"W_PROPENSITY": 3.0, "W_FIT": 2.5, "W_SIZE": -4.0, "DISTANCE_SCALE_KM": 3.0}.items():
        monkeypatch.setattr(partners, name, value)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a fall-back to the whole pool would warn
        for actor, kw in list(queries(index))[::7]:
            assert partner_candidates(index, actor, with_introductions=False, **kw) == partner_candidates(
                index, actor, with_introductions=False, pruned=False, **kw
            ), (actor, kw)


@pytest.mark.usefixtures("trees")
def test_a_reason_beyond_its_bound_falls_back_to_the_whole_pool(
    index: PartnerIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a reason changed without its bound: here the bounds say the other reasons give nothing
    def nothing(*args: Any) -> tuple[np.ndarray, np.ndarray]:
        groups = len(pruning.place_groups(index).kind)
        return np.zeros(groups), np.zeros(groups)

    monkeypatch.setattr(partners, "_reason_bounds", nothing)
    with pytest.warns(RuntimeWarning, match="scored outside its bounds"):
        found = partner_candidates(index, "org:s02", objective="achat", limit=10)
    assert found == partner_candidates(index, "org:s02", objective="achat", limit=10, pruned=False)


@pytest.mark.usefixtures("trees")
def test_contract_evidence_on_the_named_territory() -> None:
    with OxigraphStore() as store:
        store.upsert(partners_batch())
        store.upsert(procurement_batch())
        index = prepared(partner_index(org_network(store)))
        for objective in Objective:
            for limit in (1, 2, 10):
                assert partner_candidates(index, BB, objective=objective, limit=limit) == partner_candidates(
                    index, BB, objective=objective, limit=limit, pruned=False
                )


def test_the_allocation_row_is_the_sparse_products(index: PartnerIndex) -> None:
    _, scaled = partners._degrees(index)
    for s in range(len(index.kinds)):
        row = index.adjacency[[s]] @ scaled
        found, values = partners._allocation_row(index, s)
        assert found.tolist() == sorted(row.indices.tolist())
        assert values.tolist() == [float(row[0, v]) for v in found.tolist()]


def test_introduction_distances_are_breadth_first(index: PartnerIndex) -> None:
    A = index.adjacency
    for start in range(0, len(index.kinds), 13):
        seen, queue = {start: 0}, deque([start])
        while queue:
            v = queue.popleft()
            if seen[v] < 3:
                for w in A.indices[A.indptr[v] : A.indptr[v + 1]].tolist():
                    if w not in seen:
                        seen[w] = seen[v] + 1
                        queue.append(w)
        assert _distances(index, start, 3) == seen
