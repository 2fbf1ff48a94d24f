"""Map points and exports of views, over the real embedded store with the Aube fixture."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import networkx as nx
import pytest
from fastapi.testclient import TestClient
from pyoxigraph import RdfFormat, parse

from graph.oxigraph_store import OxigraphStore
from tests.api_client import client_for
from tests.conftest import aube_batch


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    store = OxigraphStore()
    store.upsert(aube_batch())
    yield client_for(store)
    store.close()


def test_map_points_and_centroids(client: TestClient) -> None:
    answer = client.get("/api/v1/map", params={"territoire": "departement:10", "kind": "Entreprise"}).json()
    assert [p["id"] for p in answer["points"]] == [
        "org:isolee",
        "org:leader-sa",
        "org:menuiserie",
        "org:transports",
    ]
    assert answer["points"][0] == {
        "id": "org:isolee",
        "name": "Entreprise isolée",
        "kind": "Entreprise",
        "kind_label": "Entreprise",
        "latitude": 48.5167,
        "longitude": 3.7267,
        "commune": "commune:10323",
        "synthetic": True,
    }
    assert [(c["id"], c["count"]) for c in answer["centroids"]] == [
        ("commune:10323", 2),
        ("commune:10387", 2),
    ]
    assert answer["truncated"] is False


def test_map_bbox(client: TestClient) -> None:
    around_troyes = client.get("/api/v1/map", params={"bbox": "4.0,48.2,4.2,48.4"}).json()
    assert [p["id"] for p in around_troyes["points"]] == [
        "org:boutique-boulot",
        "org:ei-troyes",
        "org:leader-sa",
        "org:menuiserie",
    ]
    bad = client.get("/api/v1/map", params={"bbox": "4.2,48.2,4.0,48.4"})
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"


def test_export_neighbourhood_as_csv(client: TestClient) -> None:
    answer = client.get("/api/v1/export/voisinage", params={"id": "org:transports"})
    assert answer.headers["content-disposition"] == 'attachment; filename="maillage-voisinage.csv"'
    assert answer.text == (
        "source,source_nom,relation,relation_libelle,cible,cible_nom,cle,jeux\r\n"
        "org:ei-troyes,Recyclerie de Troyes,PARTNER_OF,partenaire de,org:transports,Transports de Seine,"
        "cotraitance,fixture-aube\r\n"
    )


def test_export_neighbourhood_as_graphml_and_gexf(client: TestClient) -> None:
    params = {"id": "org:boutique-boulot", "rel": "PARTNER_OF"}
    graphml = client.get("/api/v1/export/voisinage", params={**params, "format": "graphml"})
    G = nx.read_graphml(io.BytesIO(graphml.content))
    assert sorted(G.nodes) == ["org:boutique-boulot", "org:menuiserie"]
    assert sorted(d["edge_key"] for _, _, d in G.edges(data=True)) == ["achat_responsable", "recrutement"]
    gexf = client.get("/api/v1/export/voisinage", params={**params, "format": "gexf"})
    assert nx.read_gexf(io.BytesIO(gexf.content)).number_of_edges() == 2


def test_export_search_as_rdf(client: TestClient) -> None:
    turtle = client.get("/api/v1/export/recherche", params={"q": "leader", "format": "turtle"})
    assert turtle.headers["content-type"] == "text/turtle; charset=utf-8"
    triples = {
        (str(q.subject), str(q.predicate), str(q.object)) for q in parse(turtle.content, RdfFormat.TURTLE)
    }
    leader = "<https://w3id.org/maillage/id/org/leader-sa>"
    assert (leader, "<https://schema.org/name>", '"Leader SA"') in triples
    assert (leader, "<https://w3id.org/maillage/ontologie#siret>", '"80746931700018"') in triples
    others = {t[0] for t in triples} - {leader}
    assert others and all(
        s.startswith("<https://w3id.org/maillage/id/rel/") for s in others
    )  # its membership
    carte = client.get("/api/v1/export/carte", params={"territoire": "commune:10323", "format": "jsonld"})
    assert sorted(node["@id"] for node in json.loads(carte.content)["@graph"]) == [
        "orgid:isolee",
        "orgid:transports",
    ]


def test_export_errors(client: TestClient) -> None:
    missing = client.get("/api/v1/export/voisinage")
    assert (missing.status_code, missing.json()["detail"]) == (
        422,
        "paramètre « id » : obligatoire pour la vue voisinage",
    )
    unknown = client.get("/api/v1/export/tableau")
    assert unknown.status_code == 422
    assert unknown.json()["detail"].startswith("paramètre « view » : doit être l'une des valeurs")
    wrong = client.get("/api/v1/export/recherche", params={"format": "pdf"})
    assert wrong.status_code == 422
