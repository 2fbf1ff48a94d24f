"""Partner candidates and introduction paths through the API (queries.partners and
queries.introductions compute them), over the real embedded store with the Aube fixture."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient

from graph.kinds import OrgKind, RelKind
from graph.model import Batch, Edge, Node, Provenance
from graph.oxigraph_store import OxigraphStore
from tests.api_client import client_for
from tests.conftest import aube_batch
from tests.partners_fixture import BB, EI, partners_batch


@pytest.fixture
def aube() -> Iterator[tuple[OxigraphStore, TestClient]]:
    store = OxigraphStore()
    store.upsert(aube_batch())
    yield store, client_for(store)
    store.close()


def test_candidates_with_their_reasons(aube: tuple[OxigraphStore, TestClient]) -> None:
    _, client = aube
    answer = client.get(
        "/api/v1/actors/org:boutique-boulot/candidates", params={"objectif": "recrutement"}
    ).json()
    assert [(c["id"], c["score"], c["distance_km"]) for c in answer["items"]] == [
        ("org:leader-sa", 2.0, 0.0),  # the shared club only (queries.partners.W_COLLECTIVE)
        ("org:isolee", -3.541, 35.41),
        ("org:transports", -3.541, 35.41),
    ]
    leader = answer["items"][0]
    assert leader["evidence"][0] == {
        "reason": "membres tous deux de Club Les entreprises s'engagent de l'Aube (Club)",
        "weight": 2.0,
        "facts": [
            {
                "subject": "org:boutique-boulot",
                "rel": "MEMBER_OF",
                "object": "org:club-10",
                "datasets": ["fixture-aube"],
            },
            {
                "subject": "org:leader-sa",
                "rel": "MEMBER_OF",
                "object": "org:club-10",
                "datasets": ["fixture-aube"],
            },
        ],
    }
    near = client.get(
        "/api/v1/actors/org:boutique-boulot/candidates", params={"objectif": "recrutement", "rayon_km": 10}
    ).json()
    assert [c["id"] for c in near["items"]] == ["org:leader-sa"]


def test_candidates_follow_the_store(aube: tuple[OxigraphStore, TestClient]) -> None:
    store, client = aube
    store.upsert(
        Batch(
            Provenance("ajout", date(2024, 2, 1)),
            [Node("org:nouvelle", OrgKind.ENTREPRISE, "Nouvelle Boulangerie")],
            [Edge("org:nouvelle", RelKind.LOCATED_IN, "commune:10387")],
        )
    )
    answer = client.get("/api/v1/actors/org:boutique-boulot/candidates", params={"rayon_km": 1}).json()
    assert [c["id"] for c in answer["items"]] == ["org:leader-sa", "org:nouvelle"]


def test_candidate_errors(aube: tuple[OxigraphStore, TestClient]) -> None:
    _, client = aube
    unknown = client.get("/api/v1/actors/org:personne/candidates")
    assert (unknown.status_code, unknown.json()["detail"]) == (
        404,
        "aucune organisation d'identifiant « org:personne »",
    )
    objective = client.get("/api/v1/actors/org:boutique-boulot/candidates", params={"objectif": "amitie"})
    assert objective.status_code == 422
    zone = client.get("/api/v1/actors/org:boutique-boulot/candidates", params={"territoire": "ze:4425"})
    assert zone.status_code == 422
    assert zone.headers["content-type"] == "application/problem+json"


def test_introduction_paths(aube: tuple[OxigraphStore, TestClient]) -> None:
    _, client = aube
    answer = client.get(
        "/api/v1/actors/org:boutique-boulot/introductions", params={"vers": "org:leader-sa"}
    ).json()
    assert [[s["id"] for s in p["path"]] for p in answer["items"]] == [
        ["org:boutique-boulot", "org:club-10", "org:leader-sa"],
        ["org:boutique-boulot", "org:menuiserie", "org:club-10", "org:leader-sa"],
    ]
    first = answer["items"][0]
    assert first["rels"] == ["membre de", "membre de"]
    assert [f["rel"] for f in first["facts"]] == ["MEMBER_OF", "MEMBER_OF"]
    assert first["text"] == (
        "Boutique Boulot —membre de→ Club Les entreprises s'engagent de l'Aube (Club) ←membre de— Leader SA"
    )
    assert [s["kind"] for s in first["path"]] == ["ACI", "Club", "Entreprise"]
    missing = client.get("/api/v1/actors/org:boutique-boulot/introductions", params={"vers": "org:nulle"})
    assert missing.status_code == 404


def test_consortium_through_the_api() -> None:
    store = OxigraphStore()
    store.upsert(partners_batch())
    client = client_for(store)
    answer = client.get(
        "/api/v1/consortium",
        params={
            "secteur": ["creation-et-entretien-des-espaces-verts", "restaurants-cantines"],
            "lieu": "commune:10387",
            "rayon_km": 10,
        },
    ).json()
    (group,) = answer["items"]
    assert [m["id"] for m in group["members"]] == [BB, EI]
    assert group["covers"] == {"creation-et-entretien-des-espaces-verts": [BB], "restaurants-cantines": [EI]}
    assert group["score"] == 1.1
    assert {
        "reason": "Boutique Boulot et Recyclerie de Troyes sont déjà partenaires (cotraitance)",
        "weight": 1.0,
        "facts": [{"subject": BB, "rel": "PARTNER_OF", "object": EI, "datasets": ["fixture-partenaires"]}],
    } in group["evidence"]
    no_lot = client.get("/api/v1/consortium", params={"lieu": "commune:10387"})
    assert (no_lot.status_code, no_lot.json()["detail"]) == (
        422,
        "paramètres « cpv » ou « secteur » : donner au moins un lot",
    )
    bad = client.get(
        "/api/v1/consortium", params={"secteur": "jardinage-lunaire", "territoire": "departement:10"}
    )
    assert bad.status_code == 422
    assert bad.json()["detail"] == "secteur du Marché de l'inclusion inconnu : jardinage-lunaire"
    store.close()
