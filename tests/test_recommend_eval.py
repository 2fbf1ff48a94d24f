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
