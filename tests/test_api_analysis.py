"""The network-analysis routes — club, territory, centrality, overview — and their
exports, over the real embedded store with the Aube fixture.

The fixture's organisation network (ties, either direction): Boutique Boulot, Leader SA
and the Menuiserie are members of the Aube club; Boutique Boulot and the Menuiserie are
partners twice; the Recyclerie and Transports de Seine (Romilly) are partners; the
isolated company has no tie.
"""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import networkx as nx
import pytest
from fastapi.testclient import TestClient

from api.web.services import Services
from api.web.settings import WebSettings
from graph.kinds import OrgKind, RelKind
from graph.model import Batch, Edge, Node, Provenance
from graph.oxigraph_store import OxigraphStore
from tests.api_client import client_for
from tests.conftest import aube_batch

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    store = OxigraphStore()
    store.upsert(aube_batch())
    yield client_for(store)
    store.close()


def tables(answer: dict) -> dict[str, dict]:
    return {t["key"]: t for t in answer["tables"]}


def test_club_view_presents_the_club_leaders_tables(client: TestClient) -> None:
    answer = client.get("/api/v1/clubs/org:club-10").json()
    assert (answer["name"], answer["kind_label"]) == (
        "Club Les entreprises s'engagent de l'Aube",
        "Club « Les entreprises s'engagent »",
    )
    assert (answer["territoire"], answer["territoire_name"], answer["synthetic"]) == (
        "departement:10",
        "Aube",
        True,
    )
    assert [m["id"] for m in answer["members"]] == ["org:boutique-boulot", "org:leader-sa", "org:menuiserie"]
    by_key = tables(answer)
    assert list(by_key) == [
        "sections",
        "tranches",
        "couverture",
        "siae_sans_lien",
        "passerelles",
        "courtiers",
        "communautes",
    ]
    assert by_key["sections"]["title"] == "Membres par section NAF"
    # three members out of the four companies of the Aube (no NAF in the fixture: « inconnu »)
    assert by_key["couverture"]["rows"] == [["inconnu", 3, 4, 75.0]]
    # the Recyclerie (Troyes) is tied to no member; the nearest member is in Troyes too
    assert by_key["siae_sans_lien"]["columns"][:4] == ["id", "nom", "type", "commune"]
    assert by_key["siae_sans_lien"]["rows"] == [
        ["org:ei-troyes", "Recyclerie de Troyes", "EI", "Troyes", 0.0, 0.0]
    ]
    assert by_key["siae_sans_lien"]["synthetic"] == ["org:ei-troyes"]  # the fixture is synthetic
    assert by_key["sections"]["synthetic"] == []  # no organisation in it
    assert [m["synthetic"] for m in answer["members"]] == [True, True, True]
    assert by_key["passerelles"]["rows"] == []
    # without the club, Boutique Boulot and the Menuiserie stay tied; Leader SA is alone
    assert by_key["communautes"]["rows"] == [
        [0, 2, 2, "Boutique Boulot; Menuiserie Champenoise"],
        [None, 1, None, "membres liés aux autres par le seul club"],
    ]


def test_club_view_errors_are_problems(client: TestClient) -> None:
    unknown = client.get("/api/v1/clubs/org:nulle-part")
    assert (unknown.status_code, unknown.headers["content-type"]) == (404, PROBLEM)
    assert unknown.json()["detail"] == "aucune organisation d'identifiant « org:nulle-part »"
    company = client.get("/api/v1/clubs/org:leader-sa")
    assert company.status_code == 422
    assert (
        company.json()["detail"] == "org:leader-sa n'est pas un collectif (club, PTCE, réseau…) : Entreprise"
    )


def test_territory_view_compares_with_its_departement(client: TestClient) -> None:
    answer = client.get("/api/v1/territories/commune:10387").json()
    assert (answer["name"], answer["kind_label"], answer["departement_name"]) == ("Troyes", "Commune", "Aube")
    by_key = tables(answer)
    indicators = {row[0]: row[1:] for row in by_key["indicateurs"]["rows"]}
    assert indicators["SIAE"] == [2, 2, 2.0]
    # Troyes: the Menuiserie partners Boutique Boulot; the Aube adds Transports (Romilly)
    assert indicators["entreprises partenaires d'une SIAE"] == [1, 2, 2.0]
    assert indicators["partenariats par SIAE"] == [1.5, 1.5, 1.5]
    # Romilly is 35 km from the nearest ACI or EI: a zone blanche of the Aube, not of Troyes
    assert indicators["communes à plus de 15 km d'un ACI ou EI"] == [0, 1, 1.0]
    assert by_key["siae"]["rows"] == [
        ["org:boutique-boulot", "Boutique Boulot", "ACI", "Troyes", 2],
        ["org:ei-troyes", "Recyclerie de Troyes", "EI", "Troyes", 1],
    ]
    aube = tables(client.get("/api/v1/territories/departement:10").json())
    assert aube["zones_blanches"]["rows"] == [["commune:10323", "Romilly-sur-Seine", 35.4]]
    closer = tables(client.get("/api/v1/territories/departement:10", params={"km": 40}).json())
    assert closer["zones_blanches"]["rows"] == []


def test_unknown_territory_is_a_404_problem(client: TestClient) -> None:
    answer = client.get("/api/v1/territories/commune:99999")
    assert (answer.status_code, answer.headers["content-type"]) == (404, PROBLEM)
    assert answer.json()["detail"] == "territoire inconnu : commune:99999"


def test_centrality_ranks_the_tied_organisations(client: TestClient) -> None:
    answer = client.get(
        "/api/v1/centrality", params={"territoire": "departement:10", "mesure": "betweenness"}
    )
    body = answer.json()
    # the club alone stands between Leader SA and the two others: 2 paths of 10 pairs
    assert [(i["rank"], i["id"], i["betweenness"]) for i in body["items"][:2]] == [
        (1, "org:club-10", 0.2),
        (2, "org:boutique-boulot", 0.0),
    ]
    assert body["total"] == 6  # the isolated company has no tie
    assert (body["betweenness_exact"], body["betweenness_sources"]) == (True, 6)
    club = body["items"][0]
    assert (club["degree"], club["harmonic_closeness"]) == (3, 3.0)
    by_degree = client.get("/api/v1/centrality", params={"mesure": "degree", "kind": "Entreprise"}).json()
    assert [(i["id"], i["degree"]) for i in by_degree["items"]] == [
        ("org:menuiserie", 3),
        ("org:leader-sa", 1),
        ("org:transports", 1),
    ]


def test_centrality_pages_and_errors(client: TestClient) -> None:
    second = client.get("/api/v1/centrality", params={"per_page": 2, "page": 2}).json()
    assert (second["total"], second["page"], [i["rank"] for i in second["items"]]) == (6, 2, [3, 4])
    romilly = client.get("/api/v1/centrality", params={"territoire": "commune:10323"}).json()
    # Romilly's network: Transports and its partner the Recyclerie; PageRank sums to 1
    assert [(i["id"], i["pagerank"]) for i in romilly["items"]] == [
        ("org:transports", 0.649123),
        ("org:ei-troyes", 0.350877),
    ]
    unknown = client.get("/api/v1/centrality", params={"territoire": "commune:0"})
    assert (unknown.status_code, unknown.json()["detail"]) == (
        404,
        "territoire inconnu ou sans organisation : commune:0",
    )
    wrong = client.get("/api/v1/centrality", params={"mesure": "popularite"})
    assert (wrong.status_code, wrong.headers["content-type"]) == (422, PROBLEM)


def test_overview_lays_out_the_network_with_pagerank_and_communities(client: TestClient) -> None:
    body = client.get("/api/v1/overview", params={"territoire": "departement:10"}).json()
    nodes = {n["id"]: n for n in body["nodes"]}
    assert sorted(nodes) == [
        "org:boutique-boulot",
        "org:club-10",
        "org:ei-troyes",
        "org:leader-sa",
        "org:menuiserie",
        "org:transports",
    ]
    assert all(0.0 <= n["x"] <= 1.0 and 0.0 <= n["y"] <= 1.0 for n in nodes.values())
    assert len({(n["x"], n["y"]) for n in nodes.values()}) == 6
    assert nodes["org:club-10"]["pagerank"] == 0.350649
    # the two partnerships of Boutique Boulot and the Menuiserie are one edge counting 2
    assert [(e["source"], e["target"], e["rel"], e["count"]) for e in body["edges"]] == [
        ("org:boutique-boulot", "org:club-10", "MEMBER_OF", 1),
        ("org:boutique-boulot", "org:menuiserie", "PARTNER_OF", 2),
        ("org:club-10", "org:leader-sa", "MEMBER_OF", 1),
        ("org:club-10", "org:menuiserie", "MEMBER_OF", 1),
        ("org:ei-troyes", "org:transports", "PARTNER_OF", 1),
    ]
    # modularity by hand: the Romilly pair alone is 1/6 - (2/12)², the rest 5/6 - (10/12)²
    # (or its split in two, as good): 0.277778
    assert (body["communities"], body["modularity"]) == (3, 0.277778)
    romilly = nodes["org:ei-troyes"]["community"]
    assert nodes["org:transports"]["community"] == romilly
    assert all(nodes[n]["community"] != romilly for n in ("org:club-10", "org:boutique-boulot"))
    assert (body["truncated"], body["layout"]) == (False, "fruchterman_reingold")


def test_overview_keeps_the_most_tied_when_bounded() -> None:
    store = OxigraphStore()
    store.upsert(aube_batch())
    body = client_for(store, max_overview_nodes=3).get("/api/v1/overview").json()
    store.close()
    # degrees: club 3, Boutique Boulot 3, Menuiserie 3 (two partnerships count two)
    assert sorted(n["id"] for n in body["nodes"]) == ["org:boutique-boulot", "org:club-10", "org:menuiserie"]
    assert body["truncated"] is True


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_exports_of_the_analysis_views(client: TestClient) -> None:
    club = client.get("/api/v1/export/club", params={"id": "org:club-10", "tableau": "couverture"})
    assert club.headers["content-disposition"] == 'attachment; filename="maillage-club.csv"'
    assert read_csv(club.text) == [
        ["section NAF", "membres", "entreprises du territoire", "couverture %"],
        ["inconnu", "3", "4", "75.0"],
    ]
    blank = client.get(
        "/api/v1/export/territoire", params={"territoire": "departement:10", "tableau": "zones_blanches"}
    )
    assert read_csv(blank.text) == [
        ["commune", "nom", "distance au plus proche ACI ou EI km"],
        ["commune:10323", "Romilly-sur-Seine", "35.4"],
    ]
    ranking = read_csv(client.get("/api/v1/export/centralite", params={"mesure": "degree"}).text)
    assert ranking[0][:4] == ["rank", "id", "name", "kind"]
    assert [row[1] for row in ranking[1:]] == [
        "org:boutique-boulot",
        "org:club-10",
        "org:menuiserie",
        "org:ei-troyes",
        "org:leader-sa",
        "org:transports",
    ]
    graphml = client.get("/api/v1/export/club", params={"id": "org:club-10", "format": "graphml"})
    G = nx.read_graphml(io.BytesIO(graphml.content))
    assert sorted(G.nodes) == ["org:boutique-boulot", "org:club-10", "org:leader-sa", "org:menuiserie"]
    assert G.number_of_edges() == 5  # three memberships, two partnerships
    jsonld = client.get(
        "/api/v1/export/territoire", params={"territoire": "commune:10323", "format": "jsonld"}
    )
    # Romilly's organisation network: Transports de Seine and its partner the Recyclerie
    assert sorted(
        n["@id"] for n in json.loads(jsonld.content)["@graph"] if n["@id"].startswith("orgid:")
    ) == [
        "orgid:ei-troyes",
        "orgid:transports",
    ]


def test_analysis_export_errors(client: TestClient) -> None:
    wrong = client.get("/api/v1/export/club", params={"id": "org:club-10", "tableau": "graphique"})
    assert (wrong.status_code, wrong.json()["detail"]) == (
        422,
        "paramètre « tableau » : doit être l'une des valeurs : sections, tranches, couverture, "
        "siae_sans_lien, passerelles, courtiers, communautes",
    )
    missing = client.get("/api/v1/export/territoire")
    assert missing.json()["detail"] == "paramètre « territoire » : obligatoire pour la vue territoire"


def test_views_follow_the_store() -> None:
    store = OxigraphStore()
    store.upsert(aube_batch())
    client = client_for(store)
    assert len(client.get("/api/v1/clubs/org:club-10").json()["members"]) == 3
    store.upsert(
        Batch(
            Provenance("ajout", date(2024, 2, 1)),
            [Node("org:ressourcerie", OrgKind.ACI, "Ressourcerie des Noës")],
            [Edge("org:ressourcerie", RelKind.MEMBER_OF, "org:club-10")],
        )
    )
    assert len(client.get("/api/v1/clubs/org:club-10").json()["members"]) == 4
    store.close()


def test_openapi_describes_the_analysis_routes(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    summaries = {
        p: paths[p]["get"]["summary"]
        for p in paths
        if p.startswith(("/api/v1/clubs", "/api/v1/territories", "/api/v1/centrality", "/api/v1/overview"))
    }
    assert summaries == {
        "/api/v1/clubs/{node_id}": "Vue d'un club (ou PTCE, réseau…)",
        "/api/v1/territories/{node_id}": "Vue d'un territoire",
        "/api/v1/centrality": "Centralité des organisations",
        "/api/v1/overview": "Réseau des organisations d'un territoire, disposé",
    }


def test_a_view_is_computed_once_and_does_not_hold_up_the_others() -> None:
    store = OxigraphStore()
    store.upsert(aube_batch())
    svc = Services(store, WebSettings())
    calls: list[str] = []
    release = threading.Event()

    def slow() -> int:
        calls.append("slow")
        release.wait(10)
        return len(calls)

    with ThreadPoolExecutor(5) as pool:
        waiting = [pool.submit(svc.view, "lente", slow) for _ in range(3)]
        time.sleep(0.1)
        fast = pool.submit(svc.view, "rapide", lambda: "prête")
        assert fast.result(timeout=5) == "prête"  # not behind the slow one
        release.set()
        assert [f.result() for f in waiting] == [1, 1, 1]
    assert calls == ["slow"]
    store.close()
