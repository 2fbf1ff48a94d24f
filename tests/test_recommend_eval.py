"""The ranking metrics and the evaluation loop of bench/recommend_eval.py."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bench.recommend_eval import evaluate, ranking_metrics
from graph.oxigraph_store import OxigraphStore
from queries.org_network import org_network
from tests.partners_fixture import BB, ELEC, PAYSAGE, partners_batch


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
