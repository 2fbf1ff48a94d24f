"""The ranking metrics and the evaluation loop of bench/recommend_eval.py."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from bench.recommend_eval import (
    HOLDER_KINDS,
    evaluate,
    expected_recall,
    feature_ceiling,
    network_from_batches,
    ranking_metrics,
    rule_oracle,
)
from graph.oxigraph_store import OxigraphStore
from queries.org_network import org_network
from queries.partners import Objective, candidate_pool, partner_index
from tests.partners_fixture import (
    BB,
    EI,
    ELEC,
    M3,
    M4,
    PAYSAGE,
    RESTO,
    ROMILLY_BUYER,
    partners_batch,
    procurement_batch,
)


def test_metrics_of_one_ranking() -> None:
    # relevant 3 and 7; 3 comes second, 7 is not in the list
    recall, rr, ndcg = ranking_metrics([5, 3, 9], {3, 7})
    assert (recall, rr) == (0.5, 0.5)
    assert ndcg == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))
    assert ranking_metrics([1, 2], {9}) == (0.0, 0.0, 0.0)


def test_evaluation_scores_every_method_on_the_held_out_partners(tmp_path: Path) -> None:
    with OxigraphStore(tmp_path / "store") as store:
        store.upsert(partners_batch())
        network = org_network(store)
    held_out = [
        {"from": BB, "to": PAYSAGE, "subtype": "achat_responsable"},
        {"from": BB, "to": ELEC, "subtype": "pmsmp"},
        {"from": BB, "to": "org:absent", "subtype": "pmsmp"},
    ]
    result = evaluate(network, held_out)
    assert set(result) == {"achat", "recrutement", "tous"}
    assert result["tous"]["queries"] == 2
    # achat: the recommender ranks the club member first of 3 candidates
    assert result["achat"]["methods"]["recommandation"] == {"recall@10": 1.0, "mrr": 1.0, "ndcg@10": 1.0}
    # recrutement: Électricité Troyenne, 35 km away, is the last by distance of 3 candidates
    assert result["recrutement"]["methods"]["distance"]["mrr"] == round(1 / 3, 4)


def test_the_oracle_ranks_by_the_generator_rule(tmp_path: Path) -> None:
    with OxigraphStore(tmp_path / "store") as store:
        store.upsert(partners_batch())
        network = org_network(store)
    rule = {"distance_scale_km": 10, "radius_km": 30, "affinity": {"ACI": {"F": 1.0}}}
    rule |= {"default_affinity": 0.1, "club_boost": 2.0, "ptce_boost": 1.0}
    held_out = [{"from": BB, "to": ELEC, "subtype": "achat_responsable"}]
    oracle = evaluate(network, held_out, rule=rule)["tous"]["methods"]["oracle_regle_du_generateur"]
    # Électricité Troyenne (section F) is 35 km away, beyond the rule's radius: weight 0, last of 3
    assert oracle["mrr"] == round(1 / 3, 4)
    rule["radius_km"] = 40
    oracle = evaluate(network, held_out, rule=rule)["tous"]["methods"]["oracle_regle_du_generateur"]
    # within 40 km it weighs exp(-3.54) x 1.0 = 0.029, below the restaurant (0.1) and
    # Paysages de Champagne (0.1 x (1 + 2) for the shared club): still third
    assert oracle["mrr"] == round(1 / 3, 4)
    rule["affinity"] = {"ACI": {"F": 100.0}}
    oracle = evaluate(network, held_out, rule=rule)["tous"]["methods"]["oracle_regle_du_generateur"]
    assert oracle["mrr"] == 1.0


def test_hidden_contracts_leave_neither_their_holders_nor_their_co_contracting_tie() -> None:
    network = network_from_batches([partners_batch(), procurement_batch()], hidden={M4})
    ids = network.ids
    ties = {(ids[e.source], e["rel"], ids[e.target]) for e in network.graph.es}
    assert (BB, "CO_CONTRACTOR_OF", ELEC) not in ties
    assert (EI, "CO_CONTRACTOR_OF", PAYSAGE) in ties
    assert network.facets["marches"][network.index[BB]] == ()
    assert [c for c, _, _ in network.facets["marches"][network.index[ELEC]]] == [M3]
    # the contract keeps its buyer: Romilly still awarded it
    assert [c for c, _, _ in network.facets["achats"][network.index[ROMILLY_BUYER]]] == [M3, M4]
    # the held-out pair then ranks through the evaluation like any other
    result = evaluate(network, [{"from": BB, "to": ELEC, "subtype": "cotraitance"}], kinds=HOLDER_KINDS)
    assert result["cotraitance"]["queries"] == 1


def test_the_oracle_weighs_the_share_of_the_objectives_subtypes() -> None:
    network = network_from_batches([partners_batch()])
    index = partner_index(network)
    s, candidates, distance = candidate_pool(index, BB, Objective.RECRUTEMENT)
    assert [network.ids[c] for c in candidates] == [PAYSAGE, ELEC, RESTO]
    rule = {
        "distance_scale_km": 10,
        "radius_km": 40,
        "affinity": {"ACI": {"F": 1.0}},
        "default_affinity": 0.1,
    }
    rule |= {"club_boost": 2.0, "ptce_boost": 1.0}
    rule |= {
        "subtype_weights": {"ACI": {"achat_responsable": 0.6, "pmsmp": 0.4}},
        "section_tilt": {"F": {"pmsmp": 2.0}},
    }
    weight = rule_oracle(rule)(index, s, candidates, Objective.RECRUTEMENT, distance)
    # an ACI draws a PMSMP (recrutement) 0.4 times in 1; with a company of section F, 0.8 in 1.4
    paysage = 0.1 * 0.4 * (1 + 2.0)  # section N, same club, in Troyes
    elec = 1.0 * (0.8 / 1.4) * np.exp(-distance[candidates[1]] / 10)  # section F, 35.4 km
    resto = 0.1 * 0.4  # section I, in Troyes
    assert weight.tolist() == pytest.approx([paysage, elec, resto])
    # the expected recall@1 of a ranking is the probability mass of its first candidate
    probability = weight / weight.sum()
    assert expected_recall(probability, np.array([2, 0, 1]), k=1) == pytest.approx(
        resto / (paysage + elec + resto)
    )
    assert expected_recall(probability, np.array([2, 0, 1]), k=3) == pytest.approx(1.0)


def test_the_feature_ceiling_fills_the_first_places_with_the_richest_groups_of_equal_features() -> None:
    relevant = np.array([True, False, True, False, False])
    column = np.array([1.0, 1.0, 0.0, 0.0, 0.0])
    # the group of 1s (1 relevant in 2) comes first, then a third of the group of 0s
    assert feature_ceiling([column], relevant, k=2) == 0.5
    assert feature_ceiling([column], relevant, k=3) == pytest.approx((1 + 1 / 3) / 2)
    # a second column telling the candidates apart lets the ceiling reach both
    assert feature_ceiling([column, np.arange(5.0)], relevant, k=2) == 1.0
    # unknown values (NaN) form one group
    assert feature_ceiling([np.array([np.nan, np.nan, 1.0, 2.0, 3.0])], relevant, k=1) == 0.5


def test_the_ceilings_of_the_held_out_co_contracting() -> None:
    network = network_from_batches([partners_batch(), procurement_batch()], hidden={M4})
    result = evaluate(
        network, [{"from": BB, "to": ELEC, "subtype": "cotraitance"}], kinds=HOLDER_KINDS, ceiling=True
    )
    methods = result["cotraitance"]["methods"]
    # Électricité Troyenne is 3 ties from Boutique Boulot (Katz 0.000125) and its features are its own
    assert methods["atteignables"] == {"recall@10": 1.0, "part": 1.0}
    assert methods["plafond_caracteristiques"] == {"recall@10": 1.0}
