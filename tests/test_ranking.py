"""The learned combination of the partner evidence (queries/ranking.py) and its fit by
self-supervision in bench/recommend_eval.py: exact values on small graphs, and a fit
that never sees the evaluation's held-out ties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import minimize

from bench.recommend_eval import HOLDER_KINDS, fit_weights, held_out_contracts, network_from_batches
from graph.kinds import RelKind
from graph.model import Batch
from queries.partners import Objective, candidate_pool, candidate_scores, partner_index
from queries.ranking import fit_choice, learned_score, pair_features, prior_weights
from tests.partners_fixture import BB, ELEC, M1, M4, PAYSAGE, RESTO, partners_batch, procurement_batch


def test_the_choice_fit_maximises_the_penalised_conditional_likelihood() -> None:
    first = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]])
    second = np.array([[1.5, 2.0], [0.5, 0.5], [0.0, 0.0]])
    groups = [(first, np.array([False, False, True, False])), (second, np.array([True, False, True]))]
    w = fit_choice(groups, l2=0.5)

    def loss(w: np.ndarray) -> float:
        total = 0.25 * float(w @ w)
        for X, chosen in groups:
            z = X @ w
            total -= float(np.sum(z[chosen]) - chosen.sum() * np.log(np.sum(np.exp(z))))
        return total

    found = minimize(loss, np.zeros(2), method="BFGS", options={"gtol": 1e-10})
    assert w.tolist() == pytest.approx(found.x.tolist(), abs=1e-6)
    # a feature that never differs within a group cannot be learned: its weight stays 0
    flat = [(np.array([[1.0], [1.0]]), np.array([True, False]))]
    assert fit_choice(flat).tolist() == [0.0]
    # nor can it move from its prior: the recommender's own weights, 1 a reason, 0 an index
    prior = prior_weights(["distance", "katz"])
    assert prior.tolist() == [1.0, 0.0]
    assert fit_choice(
        [(np.array([[1.0, 2.0], [1.0, 2.0]]), np.array([True, False]))], prior=prior
    ).tolist() == [
        1.0,
        0.0,
    ]
    # with a prior, the penalty pulls towards it: the optimum of the same loss centred there
    centred = fit_choice(groups, l2=0.5, prior=np.array([1.0, -1.0]))

    def shifted(w: np.ndarray) -> float:
        return loss(w) - 0.25 * float(w @ w) + 0.25 * float((w - [1.0, -1.0]) @ (w - [1.0, -1.0]))

    assert centred.tolist() == pytest.approx(
        minimize(shifted, np.zeros(2), method="BFGS").x.tolist(), abs=1e-5
    )


def test_the_learned_score_is_the_weighted_sum_of_the_features() -> None:
    features = {
        "a": np.array([1.0, 0.0, 2.0]),
        "b": np.array([0.5, 1.0, 0.0]),
        "c": np.array([9.0, 9.0, 9.0]),
    }
    assert learned_score(features, {"a": 2.0, "b": -1.0}).tolist() == [1.5, -1.0, 4.0]


def test_the_features_are_the_reasons_and_three_log_scaled_indices() -> None:
    network = network_from_batches([partners_batch(), procurement_batch()], hidden={M4})
    index = partner_index(network)
    s, candidates, distance = candidate_pool(index, BB, Objective.COTRAITANCE, kinds=HOLDER_KINDS)
    assert [network.ids[c] for c in candidates] == [PAYSAGE, ELEC, RESTO]
    features = pair_features(index, s, candidates, Objective.COTRAITANCE, distance)
    reasons = candidate_scores(index, s, candidates, Objective.COTRAITANCE, distance)
    assert all(features[name].tolist() == values.tolist() for name, values in reasons.items())
    # Électricité Troyenne: one walk of 3 ties from Boutique Boulot, Katz 0.05³
    assert features["katz"][1] == pytest.approx(math.log1p(0.05**3 * 1000))
    # Paysages de Champagne shares the club (4 members) and the network with Boutique Boulot
    assert features["adamic_adar"][0] > features["adamic_adar"][2] > features["adamic_adar"][1] == 0.0
    assert set(features) == {*reasons, "adamic_adar", "katz", "pagerank"}


def _without(batch: Batch, contract: str) -> Batch:
    """The batch as if the contract's ties had never been published."""
    kept = [
        e
        for e in batch.edges
        if not (e.rel is RelKind.HOLDS and e.target == contract)
        and not (e.rel is RelKind.CO_CONTRACTOR_OF and e.key == contract)
    ]
    return Batch(batch.provenance, batch.nodes, kept)


def test_the_fit_never_sees_the_evaluations_held_out_contracts() -> None:
    batches = [partners_batch(), procurement_batch()]
    # the evaluation hides M4 (Boutique Boulot with Électricité Troyenne); the training split, M1
    training, rows, counts, hidden = held_out_contracts(batches, fraction=1.0, seed=0, hidden={M4})
    assert (hidden, counts["hidden"]) == ({M1, M4}, 1)
    assert {(r["from"], r["to"]) for r in rows} == {("org:ei-troyes", PAYSAGE), (PAYSAGE, "org:ei-troyes")}
    weights = fit_weights(training, rows, kinds=HOLDER_KINDS)
    # the same fit when M4's ties are absent from the files altogether
    files_without_m4 = [partners_batch(), _without(procurement_batch(), M4)]
    again, rows_again, _, _ = held_out_contracts(files_without_m4, fraction=1.0, seed=0, hidden={M4})
    assert rows_again == rows
    assert fit_weights(again, rows_again, kinds=HOLDER_KINDS) == weights
    # and it differs once M4 is visible to it: the held-out contract would change the weights
    leaky = network_from_batches(batches, hidden={M1})
    assert fit_weights(leaky, rows, kinds=HOLDER_KINDS) != weights
    assert set(weights) == {*candidate_scores_names(), "adamic_adar", "katz", "pagerank"}


def candidate_scores_names() -> set[str]:
    network = network_from_batches([partners_batch(), procurement_batch()])
    index = partner_index(network)
    s, candidates, distance = candidate_pool(index, BB, Objective.COTRAITANCE, kinds=HOLDER_KINDS)
    return set(candidate_scores(index, s, candidates, Objective.COTRAITANCE, distance))
