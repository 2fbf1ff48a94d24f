"""The ranking metrics and the evaluation loop of bench/recommend_eval.py."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bench.recommend_eval import HOLDER_KINDS, evaluate, network_from_batches, ranking_metrics
from graph.oxigraph_store import OxigraphStore
from queries.org_network import org_network
from tests.partners_fixture import (
    BB,
    EI,
    ELEC,
    M3,
    M4,
    PAYSAGE,
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
