"""Past public contracts (DECP) as partner evidence, on the small named territory plus
four contracts of two buyers (tests/partners_fixture.py); values computed by hand."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from graph.analytic import analytic_projection, clear_memory_cache
from graph.oxigraph_store import OxigraphStore
from graph.store import GraphStore
from queries.contracts import W_BUYER_INCLUSIVE, W_CPV, W_GROUPEMENT, W_PAST, W_SAME_BUYERS
from queries.org_network import PartnerNetwork, org_network
from queries.partners import Objective, candidate_pool, candidate_scores, partner_candidates, partner_index
from tests.partners_fixture import (
    BB,
    EI,
    ELEC,
    M1,
    M2,
    M3,
    M4,
    PAYSAGE,
    RESTO,
    ROMILLY_BUYER,
    TROYES_BUYER,
    partners_batch,
    procurement_batch,
)

CONTRACT_PARTS = ("marches_cpv", "acheteur_inclusif", "marches_communs", "groupement", "memes_acheteurs")


@pytest.fixture(scope="module")
def network() -> Iterator[PartnerNetwork]:
    store = OxigraphStore()
    store.upsert(partners_batch())
    store.upsert(procurement_batch())
    yield org_network(store)
    store.close()


def contract_scores(network: PartnerNetwork, actor: str, objective: Objective) -> dict[str, dict[str, float]]:
    index = partner_index(network)
    s, candidates, distance = candidate_pool(index, actor, objective)
    scores = candidate_scores(index, s, candidates, objective, distance)
    return {
        network.ids[c]: {name: round(float(scores[name][j]), 6) for name in CONTRACT_PARTS if name in scores}
        for j, c in enumerate(candidates.tolist())
    }


def test_the_projection_carries_held_and_awarded_contracts_on_both_stores(store: GraphStore) -> None:
    store.upsert(partners_batch())
    store.upsert(procurement_batch())
    a = analytic_projection(store, cache=False)
    held = a.facets["marches"]
    awarded = a.facets["achats"]
    assert held[a.index[ELEC]] == ((M3, "cpv:45", ("fixture-decp",)), (M4, "cpv:77", ("fixture-decp",)))
    assert held[a.index[BB]] == ((M4, "cpv:77", ("fixture-decp",)),)
    assert awarded[a.index[TROYES_BUYER]] == (
        (M1, "cpv:77", ("fixture-decp",)),
        (M2, "cpv:77", ("fixture-decp",)),
    )
    assert held[a.index[RESTO]] == () and awarded[a.index[BB]] == ()


def test_achat_ranks_buyers_by_their_contracts_in_the_siae_divisions(network: PartnerNetwork) -> None:
    scores = contract_scores(network, BB, Objective.ACHAT)
    # Troyes awarded M1, M2 in 77 (Boutique Boulot sells espaces verts -> 77), M1 to the EI
    assert scores[TROYES_BUYER] == {
        "marches_cpv": round(W_CPV * math.log2(3), 6),
        "acheteur_inclusif": W_BUYER_INCLUSIVE * 1.0,
        "marches_communs": 0.0,
    }
    # Romilly awarded M4 (77) to Boutique Boulot itself and M3 (45) to a company
    assert scores[ROMILLY_BUYER] == {
        "marches_cpv": W_CPV,
        "acheteur_inclusif": W_BUYER_INCLUSIVE,
        "marches_communs": W_PAST,
    }
    # companies hold contracts but do not award any: no buying evidence; Électricité co-held M4
    assert scores[PAYSAGE] == {"marches_cpv": 0.0, "acheteur_inclusif": 0.0, "marches_communs": 0.0}
    assert scores[ELEC]["marches_communs"] == W_PAST


def test_achat_reason_cites_the_contracts_and_the_dataset(network: PartnerNetwork) -> None:
    found = {c.id: c for c in partner_candidates(network, BB, objective="achat", with_introductions=False)}
    texts = sorted(r.text for r in found[TROYES_BUYER].reasons if r.text.startswith("a "))
    assert texts[0] == (
        "a déjà attribué 1 marché(s) public(s) à des structures inclusives : Recyclerie de Troyes (EI)"
    )
    assert texts[1].startswith("a passé 2 marché(s) public(s) en division CPV 77 (Services agricoles")
    assert texts[1].endswith(
        f"ce que Boutique Boulot fournit (ses marchés) : {M1} « Entretien des espaces verts », "
        f"{M2} « Tonte des parcs »"
    )
    passed = next(r for r in found[TROYES_BUYER].reasons if r.text.startswith("a passé"))
    assert passed.weight == pytest.approx(W_CPV * math.log2(3))
    assert passed.facts == (f"{M1} AWARDED_BY {TROYES_BUYER}", f"{M2} AWARDED_BY {TROYES_BUYER}")
    assert passed.datasets == ("fixture-decp",)
    romilly = next(r for r in found[ROMILLY_BUYER].reasons if r.weight == W_PAST)
    assert romilly.text == (
        f"Boutique Boulot est déjà titulaire de 1 marché(s) public(s) de Ville de Romilly : "
        f"{M4} « Entretien du cimetière »"
    )
    assert romilly.facts == (f"{BB} HOLDS {M4}", f"{M4} AWARDED_BY {ROMILLY_BUYER}")


def test_cotraitance_rewards_past_co_contracting_and_matching_contracts(network: PartnerNetwork) -> None:
    scores = contract_scores(network, BB, Objective.COTRAITANCE)
    assert set(scores) == {PAYSAGE, RESTO, ELEC}  # the EI and Paysages Anciens are partners already
    # Paysages de Champagne holds M1, M2 in 77 and co-held M1; Électricité holds M4 (77), co-held with BB
    # Électricité also holds a contract of Romilly (M3), like Boutique Boulot (M4): one same buyer
    assert scores[PAYSAGE] == {"marches_cpv": round(W_CPV * math.log2(3), 6), "marches_communs": 0.0,
                               "groupement": W_GROUPEMENT, "memes_acheteurs": 0.0}  # fmt: skip
    assert scores[ELEC] == {"marches_cpv": W_CPV, "marches_communs": W_PAST, "groupement": W_GROUPEMENT,
                            "memes_acheteurs": W_SAME_BUYERS}  # fmt: skip
    zero = {"marches_cpv": 0.0, "marches_communs": 0.0, "groupement": 0.0, "memes_acheteurs": 0.0}
    assert scores[RESTO] == zero
    found = {
        c.id: c for c in partner_candidates(network, BB, objective="cotraitance", with_introductions=False)
    }
    past = next(r for r in found[ELEC].reasons if r.weight == W_PAST)
    assert past.text == f"déjà cotitulaires de 1 marché(s) public(s) : {M4} « Entretien du cimetière »"
    assert past.facts == (
        f"{BB} HOLDS {M4}",
        f"{ELEC} HOLDS {M4}",
        f"{BB} CO_CONTRACTOR_OF {ELEC}",
    )
    assert past.datasets == ("fixture-decp",)
    same = next(r for r in found[ELEC].reasons if r.text.startswith("titulaires tous deux"))
    assert same.weight == W_SAME_BUYERS
    assert same.text == "titulaires tous deux de marchés publics de 1 même(s) acheteur(s) : Ville de Romilly"
    assert same.facts == (
        f"{BB} HOLDS {M4}",
        f"{ELEC} HOLDS {M4}",
        f"{ELEC} HOLDS {M3}",
        f"{M4} AWARDED_BY {ROMILLY_BUYER}",
        f"{M3} AWARDED_BY {ROMILLY_BUYER}",
    )


def test_a_buyer_looking_for_siae_sees_those_holding_contracts_in_its_divisions(
    network: PartnerNetwork,
) -> None:
    scores = contract_scores(network, TROYES_BUYER, Objective.ACHAT)
    # Troyes buys in 77; Boutique Boulot holds M4 (77, Romilly); the EI holds M1, from Troyes itself
    assert scores[BB] == {"marches_cpv": W_CPV, "marches_communs": 0.0}
    assert scores[EI] == {"marches_cpv": W_CPV, "marches_communs": W_PAST}
    found = {
        c.id: c
        for c in partner_candidates(network, TROYES_BUYER, objective="achat", with_introductions=False)
    }
    assert found[EI].score > found[BB].score
    past = next(r for r in found[EI].reasons if r.weight == W_PAST)
    assert past.text == (
        f"Recyclerie de Troyes est déjà titulaire de 1 marché(s) public(s) de Ville de Troyes : "
        f"{M1} « Entretien des espaces verts »"
    )


def test_without_contracts_no_contract_reason_is_given() -> None:
    store = OxigraphStore()
    store.upsert(partners_batch())
    index = partner_index(org_network(store))
    s, candidates, distance = candidate_pool(index, BB, Objective.COTRAITANCE)
    assert not set(CONTRACT_PARTS) & set(
        candidate_scores(index, s, candidates, Objective.COTRAITANCE, distance)
    )
    assert np.all(np.isfinite(distance[candidates]))
    store.close()


def test_the_contract_facets_survive_the_disk_cache(tmp_path: Path) -> None:
    with OxigraphStore(tmp_path / "store") as store:
        store.upsert(partners_batch())
        store.upsert(procurement_batch())
        built = analytic_projection(store)
        clear_memory_cache()
        read = analytic_projection(store)
    assert read is not built
    assert read.facets["marches"] == built.facets["marches"]
    decp = ("fixture-decp",)
    assert read.facets["achats"][read.index[TROYES_BUYER]] == ((M1, "cpv:77", decp), (M2, "cpv:77", decp))
