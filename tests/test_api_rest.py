"""The REST API (/api/v1) over the real embedded store: the named Aube fixture and the
guide's real case studies."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient

from api.web.routes_partners import CandidateOut
from api.web.schemas import ActorOut, DatasetOut, Page, SearchItem
from graph.kinds import NodeKind, OrgKind, PlaceKind, RelKind
from graph.model import Batch, Edge, Node, Provenance
from graph.oxigraph_store import OxigraphStore
from loaders.case_studies import read_case_studies
from queries.actor import node_names
from queries.ego import ego_network
from tests.api_client import client_for
from tests.conftest import aube_batch

PROBLEM = "application/problem+json"


@pytest.fixture
def aube() -> Iterator[tuple[OxigraphStore, TestClient]]:
    store = OxigraphStore()
    store.upsert(aube_batch())
    yield store, client_for(store)
    store.close()


@pytest.fixture(scope="module")
def guide() -> Iterator[TestClient]:
    store = OxigraphStore()
    store.upsert(read_case_studies())
    yield client_for(store)
    store.close()


def ids(answer: dict) -> list[str]:
    return [item["id"] for item in answer["items"]]


def test_datasets(aube: tuple[OxigraphStore, TestClient]) -> None:
    _, client = aube
    answer = client.get("/api/v1/datasets").json()
    assert answer == {
        "items": [
            {
                "id": "fixture-aube",
                "title": "Petit territoire de test",
                "date": "2024-01-15",
                "synthetic": True,
            }
        ],
        "total": 1,
        "page": 1,
        "per_page": 50,
    }


def test_search_finds_boutique_boulot_from_the_start_of_its_name(guide: TestClient) -> None:
    answer = guide.get("/api/v1/search", params={"q": "boutique boul"}).json()
    assert ids(answer) == ["org:34267885100045-aci", "org:boutique-boulot-ai"]
    first = answer["items"][0]
    assert first["name"] == "Boutique Boulot (ACI)"
    assert first["kind_label"] == "Atelier et chantier d'insertion"
    assert (first["commune"], first["departement"], first["famille"]) == (
        "commune:10387",
        "departement:10",
        "org",
    )
    assert first["synthetic"] is False


def test_search_tolerates_accents_case_and_a_typo(aube: tuple[OxigraphStore, TestClient]) -> None:
    _, client = aube
    assert ids(client.get("/api/v1/search", params={"q": "ENTREPRISE ISOLEE"}).json()) == ["org:isolee"]
    assert ids(client.get("/api/v1/search", params={"q": "recyclrie"}).json()) == ["org:ei-troyes"]
    assert ids(client.get("/api/v1/search", params={"q": "menuiseire champ"}).json()) == ["org:menuiserie"]
    assert ids(client.get("/api/v1/search", params={"q": "boutique zzz"}).json()) == []


def test_search_by_siret_and_siren(aube: tuple[OxigraphStore, TestClient]) -> None:
    _, client = aube
    for number in ("80746931700018", "807 469 317"):
        assert ids(client.get("/api/v1/search", params={"q": number}).json()) == ["org:leader-sa"]


def test_search_by_kind_and_territory_at_any_level(aube: tuple[OxigraphStore, TestClient]) -> None:
    _, client = aube
    companies = client.get("/api/v1/search", params={"kind": "Entreprise", "territoire": "commune:10323"})
    assert ids(companies.json()) == ["org:isolee", "org:transports"]
    in_region = client.get("/api/v1/search", params={"territoire": "region:44", "famille": "org"}).json()
    assert in_region["total"] == 7  # every organisation, through commune → département → région
    sieges = client.get("/api/v1/search", params={"kind": ["ACI", "EI"], "territoire": "departement:10"})
    assert ids(sieges.json()) == ["org:boutique-boulot", "org:ei-troyes"]


def test_search_within_a_radius_nearest_first(aube: tuple[OxigraphStore, TestClient]) -> None:
    _, client = aube
    near_romilly = {"lat": 48.52, "lon": 3.73, "famille": "place"}
    answer = client.get("/api/v1/search", params={**near_romilly, "rayon_km": 10}).json()
    assert ids(answer) == ["commune:10323"]
    assert answer["items"][0]["distance_km"] == 0.44
    wider = client.get("/api/v1/search", params={**near_romilly, "rayon_km": 40}).json()
    assert ids(wider) == ["commune:10323", "commune:10387"]


def test_search_pages(aube: tuple[OxigraphStore, TestClient]) -> None:
    _, client = aube
    first = client.get("/api/v1/search", params={"famille": "org", "per_page": 3}).json()
    second = client.get("/api/v1/search", params={"famille": "org", "per_page": 3, "page": 3}).json()
    assert (first["total"], first["page"], first["per_page"]) == (7, 1, 3)
    assert ids(first) == ["org:boutique-boulot", "org:club-10", "org:isolee"]
    assert ids(second) == ["org:transports"]


def test_search_errors_are_french_problems(aube: tuple[OxigraphStore, TestClient]) -> None:
    _, client = aube
    cases = [
        ({"kind": "Licorne"}, 422, "paramètre « kind » : type inconnu « Licorne »"),
        ({"lat": 48.3}, 422, "paramètres « lat » et « lon » : donner les deux ou aucun"),
        ({"territoire": "commune:99999"}, 404, "territoire inconnu : commune:99999"),
        ({"per_page": 1000}, 422, "paramètre « per_page » : doit être au plus 200"),
    ]
    for params, status, detail in cases:
        answer = client.get("/api/v1/search", params=params)
        assert answer.status_code == status
        assert answer.headers["content-type"] == PROBLEM
        assert answer.json()["detail"] == detail
        assert answer.json()["instance"] == "/api/v1/search"


def test_the_index_follows_the_store(aube: tuple[OxigraphStore, TestClient]) -> None:
    store, client = aube
    assert ids(client.get("/api/v1/search", params={"q": "ressourcerie"}).json()) == []
    added = Provenance("ajout", date(2024, 2, 1), title="Ajout")
    store.upsert(
        Batch(
            added,
            [Node("org:ressourcerie", OrgKind.ACI, "Ressourcerie des Noës")],
            [Edge("org:ressourcerie", RelKind.LOCATED_IN, "commune:10387")],
        )
    )
    found = client.get("/api/v1/search", params={"q": "ressourcerie noes"}).json()
    assert ids(found) == ["org:ressourcerie"]
    assert found["items"][0]["synthetic"] is False


def test_actor_with_facts_and_provenance(aube: tuple[OxigraphStore, TestClient]) -> None:
    _, client = aube
    answer = client.get("/api/v1/actors/org:leader-sa").json()
    assert answer == {
        "id": "org:leader-sa",
        "name": "Leader SA",
        "kind": "Entreprise",
        "kind_label": "Entreprise",
        "famille": "org",
        "siret": "80746931700018",
        "adresse": None,
        "commune": "commune:10387",
        "commune_name": "Troyes",
        "departement": "departement:10",
        "departement_name": "Aube",
        "latitude": 48.2973,
        "longitude": 4.0744,
        "sectors": [],
        "jobs": [],
        "facts": [
            {
                "property": "name",
                "label": "Nom",
                "value": "Leader SA",
                "value_label": None,
                "datasets": ["fixture-aube"],
            },
            {
                "property": "siret",
                "label": "SIRET",
                "value": "80746931700018",
                "value_label": None,
                "datasets": ["fixture-aube"],
            },
            {
                "property": "LOCATED_IN",
                "label": "situé dans",
                "value": "commune:10387",
                "value_label": "Troyes",
                "datasets": ["fixture-aube"],
            },
            {
                "property": "MEMBER_OF",
                "label": "membre de",
                "value": "org:club-10",
                "value_label": "Club Les entreprises s'engagent de l'Aube",
                "datasets": ["fixture-aube"],
            },
        ],
        "datasets": [{"id": "fixture-aube", "title": "Petit territoire de test", "synthetic": True}],
        "synthetic": True,
    }


def test_a_fact_stated_by_two_datasets_cites_both(aube: tuple[OxigraphStore, TestClient]) -> None:
    store, client = aube
    real = Provenance("registre", date(2024, 3, 1), title="Registre réel")
    store.upsert(
        Batch(real, [Node("org:leader-sa", OrgKind.ENTREPRISE, "Leader SA", {"siret": "80746931700018"})])
    )
    answer = client.get("/api/v1/actors/org:leader-sa").json()
    siret = next(f for f in answer["facts"] if f["property"] == "siret")
    assert siret["datasets"] == ["fixture-aube", "registre"]
    assert answer["synthetic"] is False
    assert [d["id"] for d in answer["datasets"]] == ["fixture-aube", "registre"]


def test_unknown_actor_is_a_404_problem(aube: tuple[OxigraphStore, TestClient]) -> None:
    _, client = aube
    answer = client.get("/api/v1/actors/org:inconnue")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json() == {
        "type": "https://w3id.org/maillage/problemes/introuvable",
        "title": "Introuvable",
        "status": 404,
        "detail": "aucun nœud d'identifiant « org:inconnue »",
        "instance": "/api/v1/actors/org:inconnue",
    }


def network(client: TestClient, node: str, **params: object) -> dict:
    answer = client.get(f"/api/v1/actors/{node}/neighbourhood", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_neighbourhood_depth_one_and_two(aube: tuple[OxigraphStore, TestClient]) -> None:
    _, client = aube
    one = network(client, "org:boutique-boulot")
    assert [(n["id"], n["depth"]) for n in one["nodes"]] == [
        ("org:boutique-boulot", 0),
        ("org:club-10", 1),
        ("org:menuiserie", 1),
    ]
    assert [(e["source"], e["rel"], e["target"], e["key"]) for e in one["edges"]] == [
        ("org:boutique-boulot", "MEMBER_OF", "org:club-10", ""),
        ("org:boutique-boulot", "PARTNER_OF", "org:menuiserie", "achat_responsable"),
        ("org:boutique-boulot", "PARTNER_OF", "org:menuiserie", "recrutement"),
        ("org:menuiserie", "MEMBER_OF", "org:club-10", ""),
    ]
    assert one["edges"][2]["attrs"] == {
        "form": "pratiques_responsables",
        "since": "2022-01-01",
        "type": "recrutement",
    }
    assert one["facets"]["places"] == [
        {
            "id": "commune:10387",
            "name": "Troyes",
            "kind": "Commune",
            "kind_label": "Commune",
            "rel": "LOCATED_IN",
            "of": ["org:boutique-boulot", "org:menuiserie"],
        },
        {
            "id": "departement:10",
            "name": "Aube",
            "kind": "Departement",
            "kind_label": "Département",
            "rel": "LOCATED_IN",
            "of": ["org:club-10"],
        },
    ]
    two = network(client, "org:boutique-boulot", depth=2)
    assert [(n["id"], n["depth"]) for n in two["nodes"]][3:] == [("org:leader-sa", 2)]


def test_neighbourhood_follows_only_the_relations_asked(aube: tuple[OxigraphStore, TestClient]) -> None:
    _, client = aube
    partners = network(client, "org:boutique-boulot", depth=3, rel="PARTNER_OF")
    assert [n["id"] for n in partners["nodes"]] == ["org:boutique-boulot", "org:menuiserie"]
    placed = network(client, "org:transports", rel=["LOCATED_IN", "PARTNER_OF"])
    assert [n["id"] for n in placed["nodes"]] == ["org:transports", "commune:10323", "org:ei-troyes"]
    assert placed["facets"]["places"] == []


def test_ego_network_names_its_facets_by_the_reader_given(aube: tuple[OxigraphStore, TestClient]) -> None:
    """The server passes its per-state name reader; the facets are named by it (here a
    reader that renames what it is asked), not read again from the store."""
    store, _ = aube
    asked: list[set[str]] = []

    def names(ids: Iterable[str]) -> dict[str, tuple[str, NodeKind | None]]:
        wanted = set(ids)
        asked.append(wanted)
        return {i: (n.upper(), k) for i, (n, k) in node_names(store, wanted).items()}

    network = ego_network(store, "org:boutique-boulot", names=names)
    assert network is not None
    assert asked == [{"commune:10387", "departement:10"}]
    assert [(f.node.id, f.node.name, f.node.kind) for f in network.facets] == [
        ("commune:10387", "TROYES", PlaceKind.COMMUNE),
        ("departement:10", "AUBE", PlaceKind.DEPARTEMENT),
    ]


def test_neighbourhood_errors(aube: tuple[OxigraphStore, TestClient]) -> None:
    _, client = aube
    deep = client.get("/api/v1/actors/org:boutique-boulot/neighbourhood", params={"depth": 4})
    assert (deep.status_code, deep.json()["detail"]) == (422, "paramètre « depth » : doit être au plus 3")
    odd = client.get("/api/v1/actors/org:boutique-boulot/neighbourhood", params={"rel": "AIME"})
    assert odd.status_code == 422
    assert odd.json()["detail"].startswith("paramètre « rel.0 » : doit être l'une des valeurs : ")
    missing = client.get("/api/v1/actors/org:personne/neighbourhood")
    assert (missing.status_code, missing.headers["content-type"]) == (404, PROBLEM)


def test_unknown_route_and_method_are_problems(aube: tuple[OxigraphStore, TestClient]) -> None:
    _, client = aube
    nowhere = client.get("/api/v1/nulle-part")
    assert (nowhere.status_code, nowhere.headers["content-type"]) == (404, PROBLEM)
    assert nowhere.json()["detail"] == "aucune ressource à l'adresse /api/v1/nulle-part"
    wrong = client.delete("/api/v1/datasets")
    assert (wrong.status_code, wrong.json()["title"]) == (405, "Méthode non permise")


def test_openapi_describes_every_route(aube: tuple[OxigraphStore, TestClient]) -> None:
    _, client = aube
    schema = client.get("/api/v1/openapi.json").json()
    app_routes = {
        route.path  # type: ignore[attr-defined]
        for route in client.app.routes  # type: ignore[attr-defined]
        if getattr(route, "include_in_schema", False)
    }
    assert app_routes <= set(schema["paths"])
    assert {
        "/api/v1/datasets",
        "/api/v1/search",
        "/api/v1/actors/{node_id}",
        "/api/v1/actors/{node_id}/neighbourhood",
    } <= set(schema["paths"])
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            assert operation.get("summary"), f"{method.upper()} {path} has no summary"
    docs = client.get("/api/v1/docs")
    assert docs.headers["content-type"] == "text/html; charset=utf-8"
    assert '<html lang="fr">' in docs.text and "<script" not in docs.text  # readable offline
    for path, methods in schema["paths"].items():
        for method in methods:
            assert f'<span class="m">{method.upper()}</span> <code>{path}</code>' in docs.text


def test_the_index_follows_a_write_at_once() -> None:
    store = OxigraphStore()
    store.upsert(aube_batch())
    client = client_for(store)
    assert ids(client.get("/api/v1/search", params={"q": "ressourcerie"}).json()) == []
    store.upsert(
        Batch(
            Provenance("ajout", date(2024, 2, 1)),
            [Node("org:ressourcerie", OrgKind.ACI, "Ressourcerie des Noës")],
            [Edge("org:ressourcerie", RelKind.LOCATED_IN, "commune:10387")],
        )
    )
    assert ids(client.get("/api/v1/search", params={"q": "ressourcerie"}).json()) == ["org:ressourcerie"]
    store.close()


def test_answers_written_directly_are_their_models(aube: tuple[OxigraphStore, TestClient]) -> None:
    """/datasets, /search, /actors/{id} and its candidates write their JSON without FastAPI's model pass:
    each answer is exactly what its declared model makes of it (same fields, same
    values), so the OpenAPI schema still describes it."""
    _, client = aube
    answers = {
        "/api/v1/datasets": Page[DatasetOut],
        "/api/v1/search?q=boutique": Page[SearchItem],
        "/api/v1/search?lat=48.3&lon=4.08&rayon_km=30": Page[SearchItem],
        "/api/v1/actors/org:boutique-boulot": ActorOut,
        "/api/v1/actors/commune:10387": ActorOut,
        "/api/v1/actors/org:boutique-boulot/candidates?objectif=recrutement": Page[CandidateOut],
        "/api/v1/actors/org:boutique-boulot/candidates?objectif=achat&rayon_km=10": Page[CandidateOut],
    }
    for path, model in answers.items():
        answer = client.get(path)
        assert answer.status_code == 200 and answer.headers["content-type"] == "application/json", path
        found = answer.json()
        assert model.model_validate(found).model_dump(mode="json") == found, path
    assert client.get("/api/v1/search?q=boutique").json()["items"][0]["distance_km"] is None
    recrutement = "/api/v1/actors/org:boutique-boulot/candidates?objectif=recrutement"
    first = client.get(recrutement).json()["items"][0]
    assert first["evidence"][0]["facts"][0]["datasets"]  # nested reasons and facts, written as the model


def test_an_actor_without_a_position_takes_its_communes_centre_as_the_store_keeps_it(
    aube: tuple[OxigraphStore, TestClient],
) -> None:
    """Where two datasets state different centres for the commune, the first dataset by
    name wins, as for any property (`graph.rdf_decode`): « a-centres » before
    « fixture-aube », then « fixture-aube » before « zz-centres »."""
    store, client = aube
    troyes = PlaceKind.COMMUNE, "Troyes"

    def centre(source: str, lat: float, lon: float) -> None:
        node = Node("commune:10387", *troyes, {"latitude": lat, "longitude": lon})
        store.upsert(Batch(Provenance(source, date(2024, 3, 1)), [node], []))

    def position() -> tuple[float, float]:
        answer = client.get("/api/v1/actors/org:leader-sa").json()
        return answer["latitude"], answer["longitude"]

    centre("zz-centres", 48.1, 4.1)
    assert position() == (48.2973, 4.0744)
    centre("a-centres", 48.3, 4.08)
    assert position() == (48.3, 4.08)


def test_the_departement_of_an_actors_commune_follows_the_store(
    aube: tuple[OxigraphStore, TestClient],
) -> None:
    """The server keeps each commune's département per store state: a write that puts
    the commune in a département shows at once."""
    store, client = aube
    commune = Node("commune:10999", PlaceKind.COMMUNE, "Commune nouvelle")
    store.upsert(
        Batch(
            Provenance("ajout", date(2024, 2, 1)),
            [commune, Node("org:neuve", OrgKind.ACI, "Atelier neuf")],
            [Edge("org:neuve", RelKind.LOCATED_IN, "commune:10999")],
        )
    )
    before = client.get("/api/v1/actors/org:neuve").json()
    assert (before["commune"], before["departement"]) == ("commune:10999", None)
    store.upsert(
        Batch(
            Provenance("cog", date(2024, 3, 1)),
            [commune],
            [Edge("commune:10999", RelKind.PART_OF, "departement:10")],
        )
    )
    after = client.get("/api/v1/actors/org:neuve").json()
    assert (after["departement"], after["departement_name"]) == ("departement:10", "Aube")
