"""A learned combination of the partner evidence: the recommender's reasons and the
link-prediction indices, weighted by a conditional logit fitted by self-supervision.

The fit sees only an observed graph: the caller hides a fraction of that graph's ties
(say, co-held contracts), ranks for their ends, and the hidden ties are the positives;
the weights never see the ties held out for the evaluation (`bench/recommend_eval.py`).
Each feature is a reason's contribution or an index (log-scaled), so a learned weight
multiplies a reason the user can check. The fit starts from, and is pulled towards,
the recommender's own weights (1 for each reason, 0 for each index): with few examples
it stays the recommender.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np
from numpy.typing import NDArray

from queries.linkpred import adamic_adar, katz, personalised_pagerank
from queries.partner_index import Objective, PartnerIndex
from queries.partners import candidate_scores

__all__ = ["INDEX_FEATURES", "fit_choice", "learned_score", "pair_features", "prior_weights"]

INDEX_FEATURES: Final = ("adamic_adar", "katz", "pagerank")
KATZ_SCALE: Final = 1.0e3  # Katz (β 0.05) times this: a 3-walk counts 0.125, a 2-walk 2.5
L2: Final = 1.0  # the ridge penalty of the fit


def pair_features(
    index: PartnerIndex,
    s: int,
    candidates: NDArray[np.int64],
    objective: Objective,
    distance: NDArray[np.float64],
) -> dict[str, NDArray[np.float64]]:
    """The reasons' contributions (`candidate_scores`) and three indices of the pairs
    (actor, candidate): log(1 + Adamic–Adar), log(1 + Katz × `KATZ_SCALE`),
    log(1 + personalised PageRank × number of vertices)."""
    features = dict(candidate_scores(index, s, candidates, objective, distance))
    pairs = np.stack([np.full(len(candidates), s), candidates], axis=1).astype(np.int64)
    A = index.adjacency
    features["adamic_adar"] = np.log1p(adamic_adar(A, pairs))
    features["katz"] = np.log1p(katz(A, pairs) * KATZ_SCALE)
    features["pagerank"] = np.log1p(personalised_pagerank(A, pairs) * A.shape[0])
    return features


def fit_choice(
    groups: Sequence[tuple[NDArray[np.float64], NDArray[np.bool_]]],
    *,
    prior: NDArray[np.float64] | None = None,
    l2: float = L2,
    iterations: int = 50,
) -> NDArray[np.float64]:
    """The weights w of the conditional logit of the groups: in each group (the
    candidates of one query, a row each, and which ones were chosen), a chosen candidate
    is drawn with probability exp(x·w) / sum over the group of exp(x·w). Newton's method
    minimises the negative log-likelihood plus l2 / 2 |w - prior|² (prior: 0 by default),
    so that with few examples the weights stay near the prior.

    >>> X = np.array([[0.0], [1.0], [2.0]])
    >>> groups = [(X, np.array([False, False, True])), (X, np.array([False, True, False]))]
    >>> [round(float(x), 4) for x in fit_choice(groups)]
    [0.4362]
    """
    width = groups[0][0].shape[1] if groups else 0
    centre = np.zeros(width) if prior is None else np.asarray(prior, dtype=np.float64)

    def loss(w: NDArray[np.float64]) -> float:
        total = 0.5 * l2 * float((w - centre) @ (w - centre))
        for X, chosen in groups:
            z = X @ w
            top = z.max()
            total -= float(z[chosen].sum() - np.count_nonzero(chosen) * (top + np.log(np.exp(z - top).sum())))
        return total

    w = centre.copy()
    current = loss(w)
    for _ in range(iterations):
        gradient = l2 * (w - centre)
        hessian = l2 * np.eye(width)
        for X, chosen in groups:
            z = X @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            mean = p @ X
            k = float(np.count_nonzero(chosen))
            gradient -= X[chosen].sum(axis=0) - k * mean
            centred = X - mean
            hessian += k * (centred.T * p) @ centred
        step = np.linalg.solve(hessian, gradient)
        # Newton's step, halved until the loss decreases (a full step can overshoot)
        size = 1.0
        while size > 1e-8 and (trial := loss(w - size * step)) > current:
            size /= 2
        if size <= 1e-8:
            break
        w, current = w - size * step, trial
        if np.abs(size * step).max() < 1e-10:
            break
    return w


def prior_weights(names: Sequence[str]) -> NDArray[np.float64]:
    """The weights before any fit: 1 for each reason (its hand-set contribution, the
    recommender's score), 0 for the indices it does not use."""
    return np.array([0.0 if name in INDEX_FEATURES else 1.0 for name in names])


def learned_score(
    features: Mapping[str, NDArray[np.float64]], weights: Mapping[str, float]
) -> NDArray[np.float64]:
    """The candidates' score: the weighted sum of their features (a feature without a
    weight counts 0)."""
    names: Sequence[str] = [name for name in features if name in weights]
    total = np.zeros(len(next(iter(features.values()))) if features else 0)
    for name in names:
        total = total + weights[name] * features[name]
    return total
