"""Export of the real embedded store to RDF and graph formats, and import back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import networkx as nx
import pytest
import rdflib
from pyoxigraph import DefaultGraph, Quad, RdfFormat, Triple, parse, serialize
from rdflib.compare import isomorphic

from graph.interchange import (
    ExportFormat,
    InterchangeError,
    export,
    import_rdf,
    writable_graph,
)
from graph.kinds import PlaceKind, RelKind
from graph.model import Batch, Edge, Node, Provenance
from graph.oxigraph_store import OxigraphStore
from graph.rdf import graph_iri, iri
from graph.store import StoreError
from tests.conftest import REPO, aube_batch

GEO = Provenance("fixture-geo", date(2024, 1, 1), title="Géographie de l'Aube")


def _geo_batch() -> Batch:
    """A second dataset repeating Troyes and its département, so that the union of
    the two named graphs has fewer triples than the store has quads."""
    return Batch(
        GEO,
        [
            Node("region:44", PlaceKind.REGION, "Grand Est"),
            Node("departement:10", PlaceKind.DEPARTEMENT, "Aube"),
            Node("commune:10387", PlaceKind.COMMUNE, "Troyes", {"latitude": 48.2973, "longitude": 4.0744}),
        ],
        [
            Edge("commune:10387", RelKind.PART_OF, "departement:10"),
            Edge("departement:10", RelKind.PART_OF, "region:44"),
        ],
    )


@pytest.fixture
def aube_store(oxigraph_store: OxigraphStore) -> OxigraphStore:
    oxigraph_store.upsert(aube_batch())
    oxigraph_store.upsert(_geo_batch())
    return oxigraph_store


def _union(store: OxigraphStore) -> set[Triple]:
    return {q.triple for q in store.quads()}


def _named_triples(store: OxigraphStore) -> set[Triple]:
    return {q.triple for q in store.quads() if not isinstance(q.graph_name, DefaultGraph)}


def _reference_union(store: OxigraphStore) -> rdflib.Graph:
    """The union as rdflib reads every quad of the store, graph names dropped and
    duplicates kept (rdflib merges them): a reference independent of `export`."""
    every_triple = serialize((q.triple for q in store.quads()), format=RdfFormat.N_TRIPLES)
    return rdflib.Graph().parse(data=every_triple, format="nt")


def test_the_fixture_store_holds_duplicated_triples(aube_store: OxigraphStore) -> None:
    assert len(_union(aube_store)) < len(aube_store)


def test_graphml_reads_back_with_the_same_counts(aube_store: OxigraphStore, tmp_path: Path) -> None:
    projection = aube_store.projection()
    report = export(aube_store, tmp_path / "aube.graphml", "graphml")
    back = nx.read_graphml(tmp_path / "aube.graphml")
    assert (back.number_of_nodes(), back.number_of_edges()) == (
        projection.number_of_nodes(),
        projection.number_of_edges(),
    )
    assert (report.nodes, report.edges) == (projection.number_of_nodes(), projection.number_of_edges())
    assert back.nodes["commune:10387"]["kind"] == "Commune"
    assert back.nodes["commune:10387"]["sources"] == "fixture-aube;fixture-geo"
    assert back.nodes["commune:10387"]["latitude"] == pytest.approx(48.2973)


def test_gexf_reads_back_with_the_same_counts(aube_store: OxigraphStore, tmp_path: Path) -> None:
    projection = aube_store.projection()
    export(aube_store, tmp_path / "aube.gexf", ExportFormat.GEXF)
    back = nx.read_gexf(tmp_path / "aube.gexf")
    assert (back.number_of_nodes(), back.number_of_edges()) == (
        projection.number_of_nodes(),
        projection.number_of_edges(),
    )
    assert back.nodes["org:boutique-boulot"]["label"] == "Boutique Boulot"
    partnership_types = sorted(d["mlg_type"] for _, _, d in back.edges(data=True) if "mlg_type" in d)
    assert partnership_types == ["achat_responsable", "cotraitance", "recrutement"]


def test_turtle_export_is_isomorphic_to_the_union(aube_store: OxigraphStore, tmp_path: Path) -> None:
    report = export(aube_store, tmp_path / "aube.ttl", "ttl")
    parsed = rdflib.Graph().parse(tmp_path / "aube.ttl", format="turtle")
    reference = _reference_union(aube_store)
    assert len(parsed) == len(reference) == report.statements == len(_union(aube_store))
    assert isomorphic(parsed, reference)


@pytest.mark.parametrize("fmt", ["nt", "jsonld"])
def test_triple_formats_round_trip_exactly(aube_store: OxigraphStore, tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"aube.{fmt}"
    report = export(aube_store, path, fmt)
    read = set(parse(path=path, format=RdfFormat.from_extension(fmt)))
    assert len(read) == len(_union(aube_store)) == report.statements

    fresh = OxigraphStore()
    imported = import_rdf(fresh, path, fmt, source="reimport", issued=date(2024, 3, 1))
    assert _named_triples(fresh) == _named_triples(aube_store)
    assert {q.graph_name for q in fresh.quads() if not isinstance(q.graph_name, DefaultGraph)} == {
        graph_iri("reimport")
    }
    metadata = len(_union(aube_store)) - len(_named_triples(aube_store))
    assert (imported.triples_read, imported.not_kept) == (len(_union(aube_store)), metadata)
    assert imported.load.triples_added == len(_named_triples(aube_store)) + 3  # + the import's metadata


def test_jsonld_is_compacted_with_our_prefixes(aube_store: OxigraphStore, tmp_path: Path) -> None:
    export(aube_store, tmp_path / "aube.jsonld", "jsonld")
    document = json.loads((tmp_path / "aube.jsonld").read_text(encoding="utf-8"))
    assert document["@context"]["mlg"] == "https://w3id.org/maillage/ontologie#"
    ids = {item["@id"] for item in document["@graph"]}
    assert {"commune:10387", "orgid:boutique-boulot", "source:fixture-geo"} <= ids


@pytest.mark.parametrize("fmt", ["nq", "trig"])
def test_dataset_formats_keep_the_named_graphs(aube_store: OxigraphStore, tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"aube.{fmt}"
    report = export(aube_store, path, fmt)
    back = set(parse(path=path, format=RdfFormat.from_extension(fmt)))
    assert back == set(aube_store.quads())
    assert report.statements == len(aube_store)


def test_an_import_with_a_dangling_relation_changes_nothing(
    aube_store: OxigraphStore, tmp_path: Path
) -> None:
    path = tmp_path / "dangling.nt"
    path.write_text(
        f"<{iri('org:x')}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<https://w3id.org/maillage/ontologie#Entreprise> .\n"
        f'<{iri("org:x")}> <https://schema.org/name> "X" .\n'
        f"<{iri('org:x')}> <https://w3id.org/maillage/ontologie#memberOf> <{iri('org:nowhere')}> .\n",
        encoding="utf-8",
    )
    before = set(aube_store.quads())
    with pytest.raises(StoreError, match="org:nowhere"):
        import_rdf(aube_store, path, "nt", source="dangling")
    assert set(aube_store.quads()) == before


def test_an_import_counts_what_the_model_does_not_hold(tmp_path: Path) -> None:
    path = tmp_path / "foreign.ttl"
    path.write_text(
        "@prefix mlg: <https://w3id.org/maillage/ontologie#> .\n"
        "@prefix schema: <https://schema.org/> .\n"
        '<http://id.insee.fr/geo/commune/10387> a mlg:Commune ; schema:name "Troyes" ;\n'
        '    <http://example.org/mayor> "someone" .\n'
        '[] schema:name "a blank node" .\n'
        '<http://example.org/town> a mlg:Commune ; schema:name "Elsewhere" .\n',
        encoding="utf-8",
    )
    store = OxigraphStore()
    report = import_rdf(store, path, "ttl", source="foreign")
    assert (report.triples_read, report.not_kept) == (6, 4)
    assert store.node("commune:10387") == Node(
        "commune:10387", PlaceKind.COMMUNE, "Troyes", sources=("foreign",)
    )


def test_importing_a_graph_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InterchangeError, match="cannot import format 'graphml'"):
        import_rdf(OxigraphStore(), tmp_path / "x.graphml", "graphml", source="x")


def test_a_malformed_value_is_refused_with_its_triple(tmp_path: Path) -> None:
    path = tmp_path / "population.ttl"
    path.write_text(
        "@prefix mlg: <https://w3id.org/maillage/ontologie#> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        '<http://id.insee.fr/geo/commune/10387> mlg:population "beaucoup"^^xsd:integer .\n',
        encoding="utf-8",
    )
    with pytest.raises(InterchangeError, match=r"population\.ttl: .*commune/10387.*beaucoup"):
        import_rdf(OxigraphStore(), path, "ttl", source="bad")


def test_a_malformed_file_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "broken.ttl"
    path.write_text("<a> <b> .\n", encoding="utf-8")
    with pytest.raises(InterchangeError, match=r"broken\.ttl"):
        import_rdf(OxigraphStore(), path, "ttl", source="broken")


def test_writable_graph_flattens_lists_dates_and_mixed_types() -> None:
    G = nx.MultiDiGraph()
    G.add_node("a", sources=["s1", "s2"], since=date(2020, 1, 1), size=3)
    G.add_node("b", size=2.5, missing=None)
    G.add_edge("a", "b", key="k", type="jvs", since=2019)
    G.add_edge("b", "a", key="l", since=date(2021, 5, 1))
    H = writable_graph(G, gexf=True)
    assert H.nodes["a"] == {"sources": "s1;s2", "since": "2020-01-01", "size": 3.0, "label": ""}
    assert H.nodes["b"] == {"size": 2.5, "label": ""}
    assert H.edges["a", "b", "k"] == {"mlg_type": "jvs", "since": "2019", "label": ""}
    assert H.edges["b", "a", "l"] == {"since": "2021-05-01", "label": ""}


def test_quads_of_the_default_graph_are_dataset_metadata(aube_store: OxigraphStore) -> None:
    """What import_rdf leaves out of a round trip: the datasets' metadata."""
    default = [q for q in aube_store.quads() if isinstance(q.graph_name, DefaultGraph)]
    assert {q.subject for q in default} == {graph_iri("fixture-aube"), graph_iri("fixture-geo")}
    assert all(isinstance(q, Quad) for q in default)


_EXPORT_ALL = """
import sys
from pathlib import Path
from graph.interchange import ExportFormat, export
from graph.oxigraph_store import OxigraphStore
from tests.conftest import REPO, aube_batch
store = OxigraphStore()
store.upsert(aube_batch())
for fmt in ExportFormat:
    export(store, Path(sys.argv[1]) / f"aube.{fmt.value}", fmt)
"""


def test_exports_do_not_change_from_one_run_to_the_next(tmp_path: Path) -> None:
    """Two processes with different hash seeds (so different set orders) write the
    same bytes, in every format."""
    runs = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        out.mkdir()
        subprocess.run(
            [sys.executable, "-c", _EXPORT_ALL, str(out)],
            check=True,
            cwd=REPO,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        runs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert sorted(runs[0]) == sorted(f"aube.{fmt.value}" for fmt in ExportFormat)
    assert runs[0] == runs[1]
