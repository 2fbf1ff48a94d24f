"""The analytic projection's facets are read on first use: a cold projection reads only
the graph core, each facet gives exactly what an eager read of the whole store gives
(both backends), and a write to the store invalidates facets not yet read as well as
those cached on disk."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import graph.analytic as analytic
from graph.analytic import (
    FACETS,
    AnalyticGraph,
    StaleProjectionError,
    analytic_projection,
    clear_memory_cache,
)
from graph.analytic_facets import GROUPS, LazyColumns, LazyMapping, code_table, facet_group, place_table
from graph.analytic_read import _bulk_from_subgraph
from graph.kinds import CodeKind, OrgKind, PlaceKind, RelKind
from graph.model import Batch, Edge, Node, Provenance
from graph.oxigraph_store import OxigraphStore
from graph.store import GraphStore
from tests.conftest import aube_batch
from tests.partners_fixture import BB, EI, ELEC, PAYSAGE, TROYES_BUYER, partners_batch, procurement_batch

LAZY = sorted(set(GROUPS.values()))
LATER = Provenance("fixture-plus-tard", date(2024, 9, 1), synthetic=True)


def territories_and_jobs() -> Batch:
    """What the fixtures lack for every facet to hold a value: an EPCI and a zone
    d'emploi above Troyes, a ROME job offered, a position of an organisation's own."""
    return Batch(
        LATER,
        [
            Node("epci:200069250", PlaceKind.EPCI, "Troyes Champagne Métropole"),
            Node("ze:2105", PlaceKind.ZONE_EMPLOI, "Troyes"),
            Node("rome:K2204", CodeKind.ROME, "Nettoyage de locaux"),
            Node(EI, OrgKind.EI, "Recyclerie de Troyes", {"latitude": 48.3, "longitude": 4.08}),
        ],
        [
            Edge("commune:10387", RelKind.PART_OF, "epci:200069250"),
            Edge("commune:10387", RelKind.PART_OF, "ze:2105"),
            Edge(BB, RelKind.OFFERS_JOB, "rome:K2204"),
            Edge(EI, RelKind.OFFERS_JOB, "rome:K2204"),
        ],
    )


def fill(store: GraphStore) -> None:
    for batch in (aube_batch(), partners_batch(), procurement_batch(), territories_and_jobs()):
        store.upsert(batch)


def held(ag: AnalyticGraph) -> set[str]:
    facets = ag.facets
    assert isinstance(facets, LazyColumns)
    return set(facets.held())


def test_a_cold_projection_reads_only_the_core_and_each_facet_group_when_asked(store: GraphStore) -> None:
    fill(store)
    ag = analytic_projection(store, cache=False)
    assert held(ag) == {"synthetic", "marches", "achats"}
    assert isinstance(ag.places, LazyMapping) and not ag.places.loaded()
    assert isinstance(ag.codes, LazyMapping) and not ag.codes.loaded()
    assert ag.facet("naf", PAYSAGE) == "naf:81.30Z"
    assert held(ag) == {"synthetic", "marches", "achats", "naf"}
    ag.facets["commune"]
    assert held(ag) - {"synthetic", "marches", "achats", "naf"} == {
        name for name, group in GROUPS.items() if group == "location"
    }
    assert not ag.places.loaded()


def test_every_lazy_facet_equals_an_eager_read_of_the_whole_store(store: GraphStore) -> None:
    """The eager read: every node and edge of the store (`subgraph`), all at once."""
    fill(store)
    ag = analytic_projection(store, cache=False)
    eager = _bulk_from_subgraph(store).facets
    for group in LAZY:
        expected = facet_group(group, ag.ids, eager)
        for name, column in expected.items():
            assert list(ag.facets[name]) == column, name
    assert dict(ag.places) == place_table(eager)
    assert dict(ag.codes) == code_table(eager)
    # not vacuous: the fixture gives every lazy facet a value somewhere
    for name in GROUPS:
        assert any(v not in (None, ()) for v in ag.facets[name]), name
    assert ag.places and ag.codes


def test_facets_read_in_any_order_are_the_same(store: GraphStore) -> None:
    fill(store)
    forward = analytic_projection(store, cache=False)
    backward = analytic_projection(store, cache=False)
    first = {name: list(forward.facets[name]) for name in FACETS}
    second = {name: list(backward.facets[name]) for name in reversed(FACETS)}
    assert first == second


def test_a_territory_slices_the_facets_when_asked(store: GraphStore) -> None:
    fill(store)
    whole = analytic_projection(store, cache=False).load_facets()
    romilly = analytic_projection(store, territory="commune:10323", cache=False)
    assert ELEC in romilly.index
    for name in FACETS:
        assert list(romilly.facets[name]) == [whole.facets[name][whole.index[n]] for n in romilly.ids], name


def later_batch() -> Batch:
    """A new company with a NAF code, and a second NAF code (sorted first) for ELEC."""
    return Batch(
        LATER,
        [
            Node("org:plus-tard", OrgKind.ENTREPRISE, "Plus Tard SARL", {"size_band": "12"}),
            Node("naf:01.11Z", CodeKind.NAF_SOUS_CLASSE, "Culture de céréales"),
        ],
        [
            Edge("org:plus-tard", RelKind.IN_SECTOR, "naf:01.11Z"),
            Edge("org:plus-tard", RelKind.LOCATED_IN, "commune:10387"),
            Edge(ELEC, RelKind.IN_SECTOR, "naf:01.11Z"),
        ],
    )


def test_a_write_forbids_reading_the_facets_of_the_older_projection(oxigraph_store: OxigraphStore) -> None:
    fill(oxigraph_store)
    before = analytic_projection(oxigraph_store)
    read = before.facets["naf"]
    oxigraph_store.upsert(later_batch())
    assert before.facets["naf"] is read  # what was read stays
    with pytest.raises(StaleProjectionError, match="périmée"):
        before.facets["tranche"]
    with pytest.raises(StaleProjectionError):
        len(before.places)
    after = analytic_projection(oxigraph_store)
    assert after.facet("naf", ELEC) == "naf:01.11Z"
    assert after.facet("tranche", "org:plus-tard") == "12"
    assert after.facet("departement", "org:plus-tard") == "departement:10"


def test_a_write_invalidates_the_facets_on_either_backend(store: GraphStore) -> None:
    fill(store)
    before = analytic_projection(store).load_facets()
    assert before.facet("naf", ELEC) == "naf:43.21A"
    store.upsert(later_batch())
    after = analytic_projection(store)
    assert after.facet("naf", ELEC) == "naf:01.11Z"
    assert after.facet("commune", "org:plus-tard") == "commune:10387"
    assert "naf:01.11Z" in after.codes and "naf:01.11Z" not in before.codes


def test_facets_cached_on_disk_serve_another_process_and_a_write_invalidates_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "store"
    with OxigraphStore(path) as writer:
        fill(writer)
        built = analytic_projection(writer)
        built.facets["naf"]  # computed, so cached: the other groups are not
        len(built.places)
    folder = tmp_path / "store.analytic"
    assert sorted(p.name for p in folder.iterdir()) == [
        "organisations.naf.pickle",
        "organisations.pickle",
        "organisations.places.pickle",
    ]
    clear_memory_cache()

    def never(*args: object) -> None:
        raise AssertionError("read the store instead of the cache")

    with OxigraphStore(path) as reader:
        monkeypatch.setattr(analytic, "facet_group", never)
        monkeypatch.setattr(analytic, "place_table", never)
        cached = analytic_projection(reader)
        assert list(cached.facets["naf"]) == list(built.facets["naf"])
        assert dict(cached.places) == dict(built.places)
        monkeypatch.undo()
        assert cached.facet("tranche", PAYSAGE) == "12"  # not cached: read from the store
        reader.upsert(later_batch())
        clear_memory_cache()
        after = analytic_projection(reader)
        assert after.facet("naf", ELEC) == "naf:01.11Z"  # not the cached column of the older state
        assert after.facet("naf", "org:plus-tard") == "naf:01.11Z"
        assert after.places == built.places
        assert after.facet("achats", TROYES_BUYER) == built.facet("achats", TROYES_BUYER)


def test_facets_outlive_the_store_they_are_read_from(tmp_path: Path) -> None:
    with OxigraphStore(tmp_path / "store") as store:
        fill(store)
        ag = analytic_projection(store, cache=False)
    assert ag.facet("naf", PAYSAGE) == "naf:81.30Z"  # the store reopened, read-only
    memory = OxigraphStore()
    fill(memory)
    lost = analytic_projection(memory, cache=False)
    memory.close()
    with pytest.raises(StaleProjectionError, match="fermé"):
        lost.facets["naf"]
