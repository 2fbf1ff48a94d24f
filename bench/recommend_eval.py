"""How well `partner_candidates` finds the partnerships the synthetic generator held out,
against baselines measured in the same run; and how fast it answers.

    python -m bench.recommend_eval GENERATED_DIR [GENERATED_DIR ...] [--learn] [--json OUT]
    python -m bench.recommend_eval --latency GENERATED_DIR [--queries 200] [--json OUT]
    python -m bench.recommend_eval --decp [--hide 0.2] [--seed S] [--learn] [--json OUT]

Each GENERATED_DIR is the output of `maillage generate` (a département or the national
preset). The graph is built in memory from the loaders' batches (the real frame of the
scope, then the generated files: the nodes and relations `load_generated` writes), so
the recommender sees exactly what a store would hold. `ground_truth.json` is read here
only, to score the rankings: the recommender never reads it, nor the generator's rule.

Evaluation. One query per (structure, objective) having held-out partnerships: every
company not already a partner of the structure is a candidate; the held-out partners
are the relevant ones. Reported per objective and overall: recall@10, MRR, nDCG@10,
for the recommender and for baselines ranking the same candidates: distance only; the
Marché-style filter (activity fit by the correspondence tables) ordered by popularity
(number of ties); each single link-prediction index from the structure. Ties are
broken by one random order shared by every method. For reference only, the generator's
own rule ranks the same candidates (`oracle_regle_du_generateur`): the Bayes ranking
of the task, read here from `ground_truth.json` after the recommender has ranked. The
rule also gives each method's expected recall@10 (`recall@10_attendu`): the chance that
a partner drawn by the rule is in its first 10, free of the noise of the few held-out
partners; the oracle's is the ceiling of every ranking.

Real held-out co-contracting (`--decp`). The real sources of `load reel` (structures,
SIRENE, jobs, networks, public procurement) are read in memory; a fraction `--hide` of
the contracts with two holders or more is hidden — their `HOLDS` and
`CO_CONTRACTOR_OF` ties removed, so neither the co-contracting edge nor the shared
contract is left — and for each holder of a hidden contract, the recommender ranks every
holder-like organisation (companies, associations, inclusive employers) for
`cotraitance`; the other holders of the hidden contract are the relevant ones. Same
metrics and baselines as above, and two ceilings: the share of relevant holders the
graph reaches at all (within 3 ties, or holding contracts of a common buyer), and the
best ranking that is any function of the evidence (`feature_ceiling`).

Learned weights (`--learn`). A training split is hidden from the evaluation's own
observed graph — a fraction of the partnerships the generated files state, or of the
multi-holder contracts still visible — and `fit_weights` fits the weights of the
recommender's reasons and three indices on it (`queries.ranking`), before the ground
truth is read; the fitted ranking is `recommandation_apprise`.

Latency. After the network and the index are built, `partner_candidates` with reasons
(limit 20, radius 30 km) for random SIAE and objectives: p50, p95, max in ms.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from bench.machine import machine
from graph.kinds import OrgKind, PartnershipType, RelKind
from graph.model import Batch, Subgraph
from graph.projection import to_networkx
from loaders.formats import KnownNodes
from loaders.real import real_sources
from loaders.real_frame import real_outputs
from loaders.synthetic.loading import synthetic_outputs
from loaders.synthetic.territory import Manifest
from queries.linkpred import INDICES
from queries.org_network import OrgNetwork, network_from_networkx
from queries.partners import (
    COMPANY,
    INCLUSIVE,
    Objective,
    PartnerIndex,
    candidate_pool,
    candidate_scores,
    fit_divisions,
    partner_candidates,
    partner_index,
)
from queries.ranking import fit_choice, learned_score, pair_features, prior_weights

__all__ = ["evaluate", "latency", "main", "network_of", "ranking_metrics"]

K = 10


def batches_of(generated: Path) -> Iterator[Batch]:
    """The batches `load_generated` would write: the real frame of the scope, then the
    generated files."""
    manifest = Manifest.read(generated)
    real = real_outputs()
    known = KnownNodes()
    for output in real.within(manifest.scope).in_order():
        known.add_batch(output.batch)
        yield output.batch
    for output in synthetic_outputs(generated, real, known):
        yield output.batch


def network_of(generated: Path) -> OrgNetwork:
    """The organisation network of a generated territory, built in memory."""
    return network_from_batches(batches_of(generated))


def network_from_batches(
    batches: Iterable[Batch], *, hidden: Collection[str] = (), hidden_ties: Collection[tuple[str, ...]] = ()
) -> OrgNetwork:
    """The organisation network of batches written in order, in memory; the `HOLDS` and
    `CO_CONTRACTOR_OF` ties of the `hidden` contracts are left out, and the edges whose
    `ident` is in `hidden_ties`."""
    nodes: dict[str, Any] = {}
    edges: dict[tuple[str, str, str, str], Any] = {}
    synthetic: set[str] = set()
    for batch in batches:
        source = batch.provenance.source
        if batch.provenance.synthetic:
            synthetic.add(source)
        for node in batch.nodes:
            held = nodes.get(node.id)
            sources = (*held.sources, source) if held is not None else (source,)
            props = {**(held.props if held else {}), **node.props}
            nodes[node.id] = type(node)(node.id, node.kind, node.name, props, sources)
        for edge in batch.edges:
            if (hidden and _hides(edge, hidden)) or edge.ident in hidden_ties:
                continue
            held_edge = edges.get(edge.ident)
            sources = (*held_edge.sources, source) if held_edge is not None else (source,)
            edges[edge.ident] = type(edge)(edge.source, edge.rel, edge.target, edge.attrs, edge.key, sources)
    G = to_networkx(Subgraph(tuple(nodes.values()), tuple(e for e in edges.values() if e.target in nodes)))
    return network_from_networkx(G, synthetic_sources=synthetic)


def _hides(edge: Any, hidden: Collection[str]) -> bool:
    return (edge.rel is RelKind.HOLDS and edge.target in hidden) or (
        edge.rel is RelKind.CO_CONTRACTOR_OF and edge.key in hidden
    )


HOLDER_KINDS: Final = COMPANY | INCLUSIVE | {OrgKind.ASSOCIATION.value}


def decp_batches(data_dir: Path | None = None) -> list[Batch]:
    """The batches of `load reel` (structures, SIRENE, jobs, networks, DECP...), in order."""
    return [output.batch for output in real_sources(data_dir)]


def held_out_contracts(
    batches: Sequence[Batch], *, fraction: float, seed: int, hidden: Collection[str] = ()
) -> tuple[OrgNetwork, list[dict[str, str]], dict[str, int], set[str]]:
    """Hide a fraction of the multi-holder contracts not already `hidden` (those stay
    hidden too): the network without them all, the newly hidden co-contracting pairs
    (both directions), counts, and every hidden contract."""
    holders: dict[str, set[str]] = defaultdict(set)
    for batch in batches:
        for edge in batch.edges:
            if edge.rel is RelKind.HOLDS:
                holders[edge.target].add(edge.source)
    multi = sorted(c for c, hs in holders.items() if len(hs) > 1 and c not in hidden)
    rng = np.random.default_rng(seed)
    size = round(fraction * len(multi))
    chosen = set(rng.choice(multi, size=size, replace=False).tolist()) if size else set()
    pairs = sorted({(a, b) for c in chosen for a in holders[c] for b in holders[c] if a != b})
    rows = [{"from": a, "to": b, "subtype": PartnershipType.COTRAITANCE.value} for a, b in pairs]
    counts = {"contracts": len(holders), "multi_holder": len(multi), "hidden": len(chosen),
              "pairs": len(pairs)}  # fmt: skip
    every = chosen | set(hidden)
    return network_from_batches(batches, hidden=every), rows, counts, every


def held_out_partnerships(
    batches: Sequence[Batch], *, fraction: float, seed: int
) -> tuple[OrgNetwork, list[dict[str, str]], dict[str, int]]:
    """The training split of a generated territory: a fraction of the partnerships its
    files state (`PARTNER_OF` with a subtype of an objective, between an inclusive
    employer and a company) hidden from the network, and the hidden ones as rows
    (`from` the inclusive employer). The generator's own held-out partnerships are not
    in the files: the split never sees them."""
    kinds = {node.id: node.kind.value for batch in batches for node in batch.nodes}
    ties = sorted(
        {
            edge.ident
            for batch in batches
            for edge in batch.edges
            if edge.rel is RelKind.PARTNER_OF
            and _objective_of(edge.key) is not None
            and {kinds.get(edge.source), kinds.get(edge.target)} & INCLUSIVE
            and {kinds.get(edge.source), kinds.get(edge.target)} & COMPANY
        }
    )
    rng = np.random.default_rng(seed)
    size = round(fraction * len(ties))
    chosen = (
        [ties[i] for i in sorted(rng.choice(len(ties), size=size, replace=False).tolist())] if size else []
    )
    rows = []
    for a, _, b, key in chosen:
        structure, company = (a, b) if kinds.get(a) in INCLUSIVE else (b, a)
        rows.append({"from": structure, "to": company, "subtype": key})
    counts = {"partnerships": len(ties), "hidden": len(chosen)}
    return network_from_batches(batches, hidden_ties=set(chosen)), rows, counts


def _objective_of(key: str) -> Objective | None:
    try:
        return Objective.of_type(PartnershipType(key))
    except ValueError:
        return None


TRAINING_NEGATIVES: Final = 2000  # candidates drawn at random per training query, beside the chosen ones


def fit_weights(
    network: OrgNetwork,
    held_out: Sequence[Mapping[str, Any]],
    *,
    seed: int = 0,
    kinds: Collection[str] | None = None,
) -> dict[str, float]:
    """The weights of `queries.ranking.pair_features` fitted on a training split: for
    each query of the `held_out` partnerships of `network` (hidden from it), the
    conditional logit of choosing them among their candidate pool (at most
    `TRAINING_NEGATIVES` others, drawn uniformly), pulled towards the recommender's own
    weights (`prior_weights`). Call it with a network and pairs that
    do not hold the evaluation's held-out ties (see `held_out_contracts`)."""
    index = partner_index(network)
    rng = np.random.default_rng(seed)
    examples: list[tuple[dict[str, NDArray[np.float64]], NDArray[np.bool_]]] = []
    for (actor, objective), partners in sorted(_queries(network, held_out).items()):
        s, candidates, distance = candidate_pool(index, actor, objective, kinds=kinds)
        positive = np.isin(candidates, sorted(network.index[p] for p in partners))
        if not positive.any():
            continue
        others = np.flatnonzero(~positive)
        drawn = rng.choice(others, size=min(TRAINING_NEGATIVES, len(others)), replace=False)
        chosen = np.concatenate([np.flatnonzero(positive), np.sort(drawn)])
        features = pair_features(index, s, candidates, objective, distance)
        examples.append(({name: values[chosen] for name, values in features.items()}, positive[chosen]))
    if not examples:
        return {}
    names = sorted({name for features, _ in examples for name in features})
    groups = [
        (np.stack([features.get(name, np.zeros(len(chosen))) for name in names], axis=1), chosen)
        for features, chosen in examples
    ]
    weights = fit_choice(groups, prior=prior_weights(names))
    return {name: round(float(w), 6) for name, w in zip(names, weights, strict=True)}


def _queries(
    network: OrgNetwork, held_out: Sequence[Mapping[str, Any]]
) -> dict[tuple[str, Objective], set[str]]:
    queries: dict[tuple[str, Objective], set[str]] = defaultdict(set)
    for row in held_out:
        objective = _objective_of(row["subtype"])
        if objective is not None and row["from"] in network.index and row["to"] in network.index:
            queries[(row["from"], objective)].add(row["to"])
    return queries


def learned(weights: Mapping[str, float]) -> Scorer:
    """The recommender's evidence weighted by `fit_weights`."""

    def score(index: PartnerIndex, s: int, c: NDArray[np.int64], o: Objective, d: NDArray[np.float64]) -> Any:
        return learned_score(pair_features(index, s, c, o, d), weights)

    return score


def ranking_metrics(ranked: Sequence[int], relevant: set[int]) -> tuple[float, float, float]:
    """recall@K, reciprocal rank, nDCG@K (binary relevance) of one ranking.

    >>> ranking_metrics([5, 3, 9], {3, 7})
    (0.5, 0.5, 0.38685280723454163)
    """
    top = list(ranked[:K])
    hits = [1 if c in relevant else 0 for c in top]
    recall = sum(hits) / len(relevant)
    rank = next((i for i, c in enumerate(ranked, start=1) if c in relevant), None)
    dcg = sum(h / math.log2(i + 2) for i, h in enumerate(hits))
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), K)))
    return recall, (1.0 / rank if rank else 0.0), dcg / ideal


Scorer = Callable[[PartnerIndex, int, NDArray[np.int64], Objective, NDArray[np.float64]], NDArray[np.float64]]


def _recommender(
    index: PartnerIndex, s: int, c: NDArray[np.int64], o: Objective, d: NDArray[np.float64]
) -> Any:
    return np.sum(list(candidate_scores(index, s, c, o, d).values()), axis=0)


def _distance(index: PartnerIndex, s: int, c: NDArray[np.int64], o: Objective, d: NDArray[np.float64]) -> Any:
    far = d[c]
    return -np.where(np.isnan(far), np.inf, far)


def _marche(index: PartnerIndex, s: int, c: NDArray[np.int64], o: Objective, d: NDArray[np.float64]) -> Any:
    divisions, _ = fit_divisions(index, s, o)
    popularity = np.diff(index.adjacency.indptr)[c].astype(np.float64)
    within = d[c] <= 30.0
    matching = np.isin(index.division_code[c], sorted(divisions)) & within
    return matching * 1e6 + popularity


def _single(name: str) -> Scorer:
    index_function = INDICES[name]

    def score(index: PartnerIndex, s: int, c: NDArray[np.int64], o: Objective, d: NDArray[np.float64]) -> Any:
        pairs = np.stack([np.full(len(c), s), c], axis=1).astype(np.int64)
        return index_function(index.adjacency, pairs)

    return score


METHODS: Mapping[str, Scorer] = {
    "recommandation": _recommender,
    "distance": _distance,
    "marche_popularite": _marche,
    **{f"indice_{name}": _single(name) for name in INDICES},
}


def rule_oracle(rule: Mapping[str, Any]) -> Scorer:
    """The generator's own weight of each candidate (`ground_truth.json`'s rule): the
    probability, up to a constant, that the generator draws it as a partner of this
    objective — distance, section affinity, club and PTCE boosts, and the share of the
    objective's subtypes among those the generator draws for the structure's kind and
    the company's section. Reported for reference only (the Bayes ranking of the
    synthetic task), never a baseline."""
    from queries.correspondences import naf_section

    scale, radius = float(rule["distance_scale_km"]), float(rule["radius_km"])
    affinity, default = rule["affinity"], float(rule["default_affinity"])
    boosts = {"Club": float(rule["club_boost"]), "PTCE": float(rule["ptce_boost"])}
    subtypes: Mapping[str, Mapping[str, float]] = rule.get("subtype_weights", {})
    tilts: Mapping[str, Mapping[str, float]] = rule.get("section_tilt", {})

    def share(kind: str, section: str | None, objective: Objective) -> float:
        weights = subtypes.get(kind)
        if not weights:
            return 1.0
        tilt = tilts.get(section or "", {})
        tilted = {t: w * tilt.get(t, 1.0) for t, w in weights.items()}
        wanted = {t.value for t in objective.types}
        return sum(w for t, w in tilted.items() if t in wanted) / sum(tilted.values())

    def score(index: PartnerIndex, s: int, c: NDArray[np.int64], o: Objective, d: NDArray[np.float64]) -> Any:
        kind = str(index.kinds[s])
        row = affinity.get(kind, {})
        sections = [naf_section(x) if x else None for x in index.division_code[c].tolist()]
        fraction = {x: share(kind, x, o) for x in set(sections)}
        weight = np.array([row.get(x, default) * fraction[x] for x in sections]) * np.exp(-d[c] / scale)
        boost = np.ones(len(c))
        position = {v: j for j, v in enumerate(c.tolist())}
        for collective in index.collectives[s]:
            extra = boosts.get(str(index.kinds[collective]), 0.0)
            for member in index.members.get(collective, ()):
                if member in position:
                    boost[position[member]] += extra
        return np.where(d[c] <= radius, weight * boost, 0.0)

    return score


def expected_recall(probability: NDArray[np.float64], ranked: NDArray[np.int64], k: int = K) -> float:
    """The recall@k a ranking is expected to have when the relevant candidate is drawn
    with `probability` (aligned with the candidates, summing to 1): the probability mass
    of its first k. Free of the draw's noise, unlike the recall of the few held-out
    partners.

    >>> expected_recall(np.array([0.5, 0.3, 0.2]), np.array([2, 0, 1]), k=2)
    0.7
    """
    return float(np.sum(probability[ranked[:k]]))


def feature_ceiling(columns: Sequence[NDArray[np.float64]], relevant: NDArray[np.bool_], k: int = K) -> float:
    """An upper bound of the recall@k of every ranking that is a function of the
    `columns` (one value per candidate each): candidates with the same values get the
    same score, so the best such ranking, chosen knowing which candidates are relevant,
    puts first the groups of equal values with the highest share of relevant ones (the
    last group cut in the first k counting for its expected share).

    >>> feature_ceiling([np.array([1.0, 1.0, 0.0, 0.0])], np.array([True, False, True, False]), k=1)
    0.25
    """
    values = np.round(np.stack(columns, axis=1), 6)
    values = np.where(np.isnan(values), -np.inf, values)
    _, group = np.unique(values, axis=0, return_inverse=True)
    group = group.reshape(-1)
    size = np.bincount(group)
    hits = np.bincount(group, weights=relevant.astype(np.float64), minlength=len(size))
    room, found = float(k), 0.0
    for g in np.argsort(-(hits / size), kind="stable").tolist():
        if room <= 0 or hits[g] == 0:
            break
        taken = min(room, float(size[g]))
        found += hits[g] * taken / size[g]
        room -= taken
    return float(found / relevant.sum())


def evaluate(
    network: OrgNetwork,
    held_out: Sequence[Mapping[str, Any]],
    *,
    seed: int = 0,
    rule: Mapping[str, Any] | None = None,
    kinds: Collection[str] = COMPANY,
    ceiling: bool = False,
    weights: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """The metrics of every method over the held-out partnerships (see the module docstring).

    With the generator's `rule`, its oracle too, and every method's expected recall@10
    when the held-out partner is drawn by the rule (`recall@10_attendu`: the oracle's is
    the ceiling of any ranking). With `ceiling`, the bounds of what the graph allows:
    `plafond_caracteristiques`, `feature_ceiling` of the recommender's reasons, every
    index, the candidate's kind and NAF section; `atteignables`, the share of relevant
    candidates within 3 ties of the actor or holding contracts of one of its buyers."""
    index = partner_index(network)
    methods = dict(METHODS)
    oracle = rule_oracle(rule) if rule is not None else None
    if weights:
        methods = {"recommandation_apprise": learned(weights), **methods}
    if oracle is not None:
        methods["oracle_regle_du_generateur"] = oracle
    queries = _queries(network, held_out)
    tiebreak = np.random.default_rng(seed).permutation(len(network.ids))
    sums: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for (actor, objective), partners in sorted(queries.items()):
        s, candidates, distance = candidate_pool(index, actor, objective, kinds=kinds)
        relevant = {network.index[p] for p in partners} & set(candidates.tolist())
        if not relevant:
            continue  # the held-out partner is already tied to the structure by another partnership
        figures: dict[str, float] = {}
        probability = None
        if oracle is not None:
            weight = np.asarray(oracle(index, s, candidates, objective, distance), dtype=np.float64)
            probability = weight / weight.sum() if weight.sum() > 0 else None
        scored: dict[str, NDArray[np.float64]] = {}
        for method, scorer in methods.items():
            scores = scored[method] = np.asarray(
                scorer(index, s, candidates, objective, distance), dtype=np.float64
            )
            order = np.lexsort((tiebreak[candidates], -scores))
            metrics = ranking_metrics(candidates[order].tolist(), relevant)
            figures |= dict(
                zip((f"{method}|recall@10", f"{method}|mrr", f"{method}|ndcg@10"), metrics, strict=True)
            )
            if probability is not None:
                figures[f"{method}|recall@10_attendu"] = expected_recall(probability, order)
        if ceiling:
            figures |= _ceilings(index, s, candidates, objective, distance, relevant, scored)
        for group in (objective.value, "tous"):
            for key, value in figures.items():
                sums[group][key].append(value)
    out: dict[str, Any] = {}
    for group, values in sums.items():
        table: dict[str, dict[str, float]] = defaultdict(dict)
        for key, series in values.items():
            method, metric = key.split("|")
            table[method][metric] = round(float(np.mean(series)), 4)
        out[group] = {"queries": len(values["recommandation|mrr"]), "methods": dict(table)}
    return out


def _ceilings(
    index: PartnerIndex,
    s: int,
    candidates: NDArray[np.int64],
    objective: Objective,
    distance: NDArray[np.float64],
    relevant: set[int],
    scored: Mapping[str, NDArray[np.float64]],
) -> dict[str, float]:
    is_relevant = np.isin(candidates, sorted(relevant))
    reasons = candidate_scores(index, s, candidates, objective, distance)
    columns = [*reasons.values(), *(scored[f"indice_{name}"] for name in INDICES)]
    columns += [np.unique(index.kinds[candidates], return_inverse=True)[1].reshape(-1).astype(np.float64),
                index.section_code[candidates].astype(np.float64)]  # fmt: skip
    near = scored["indice_katz"] > 0  # a walk of at most 3 ties
    if "memes_acheteurs" in reasons:
        near |= reasons["memes_acheteurs"] > 0
    reachable = int(np.count_nonzero(near & is_relevant))
    return {
        "plafond_caracteristiques|recall@10": feature_ceiling(columns, is_relevant),
        "atteignables|recall@10": min(K, reachable) / len(relevant),
        "atteignables|part": reachable / len(relevant),
    }


def latency(network: OrgNetwork, *, queries: int = 200, seed: int = 0) -> dict[str, Any]:
    """Milliseconds per `partner_candidates` answer, the index built beforehand."""
    started = time.perf_counter()
    index = partner_index(network)
    prepared = time.perf_counter() - started
    rng = np.random.default_rng(seed)
    siae = [
        network.ids[i] for i in range(len(network.ids)) if str(index.kinds[i]) in {"ACI", "EI", "AI", "ETTI"}
    ]
    objectives = list(Objective)
    times, cpu = [], []
    for _ in range(queries):
        actor = siae[int(rng.integers(len(siae)))]
        objective = objectives[int(rng.integers(len(objectives)))]
        t, c = time.perf_counter(), time.process_time()
        partner_candidates(index, actor, objective=objective, radius_km=30, limit=20)
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return {
        "organisations": len(network.ids),
        "ties": network.graph.ecount(),
        "index_seconds": round(prepared, 2),
        "queries": queries,
        "p50_ms": round(float(np.percentile(times, 50)), 1),
        "p95_ms": round(float(np.percentile(times, 95)), 1),
        "max_ms": round(float(np.max(times)), 1),
        "cpu_p50_ms": round(float(np.percentile(cpu, 50)), 1),
        "cpu_p95_ms": round(float(np.percentile(cpu, 95)), 1),
    }


def report(results: Mapping[str, Any]) -> str:
    lines = []
    for territory, result in results.items():
        if "p95_ms" in result:
            lines.append(
                f"{territory}: {result['organisations']} organisations, {result['ties']} ties, "
                f"index {result['index_seconds']} s; partenaires p50 {result['p50_ms']} ms, "
                f"p95 {result['p95_ms']} ms, max {result['max_ms']} ms over {result['queries']} queries "
                f"(CPU time p50 {result['cpu_p50_ms']} ms, p95 {result['cpu_p95_ms']} ms)"
            )
            continue
        for group, figures in result.items():
            if group == "poids_appris":
                lines.append(f"{territory} — poids appris : {figures}")
                continue
            lines.append(f"{territory} — {group} ({figures['queries']} requêtes)")
            lines.append(f"  {'method':<34} {'recall@10':>9} {'MRR':>7} {'nDCG@10':>8} {'attendu':>8}")
            for method, m in figures["methods"].items():
                cells = [f"{m[x]:>{w}.3f}" if x in m else " " * w
                         for x, w in (("mrr", 7), ("ndcg@10", 8), ("recall@10_attendu", 8))]  # fmt: skip
                extra = f" (part atteignable {m['part']:.3f})" if "part" in m else ""
                lines.append(f"  {method:<34} {m['recall@10']:>9.3f} {' '.join(cells)}{extra}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.recommend_eval", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("generated", type=Path, nargs="*", help="directories written by `maillage generate`")
    parser.add_argument("--decp", action="store_true", help="evaluate on real held-out co-contracting (DECP)")
    parser.add_argument("--hide", type=float, default=0.2, help="fraction of multi-holder contracts hidden")
    parser.add_argument(
        "--learn", action="store_true", help="also rank with weights fitted on a training split"
    )
    parser.add_argument("--latency", action="store_true", help="measure answer times instead of quality")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    sys.stderr.write(f"machine: {machine()}\n")
    results: dict[str, Any] = {}
    if args.decp:
        started = time.perf_counter()
        batches = decp_batches()
        network, rows, counts, hidden = held_out_contracts(batches, fraction=args.hide, seed=args.seed)
        sys.stderr.write(f"DECP: network built in {time.perf_counter() - started:.1f} s, {counts}\n")
        weights = None
        if args.learn:
            # the training split: more contracts hidden from the evaluation's network, never its own
            training, training_rows, training_counts, _ = held_out_contracts(
                batches, fraction=args.hide, seed=args.seed + 1000, hidden=hidden
            )
            weights = fit_weights(training, training_rows, seed=args.seed, kinds=HOLDER_KINDS)
            sys.stderr.write(f"DECP: weights fitted on {training_counts}: {weights}\n")
        decp = evaluate(network, rows, seed=args.seed, kinds=HOLDER_KINDS, ceiling=True, weights=weights)
        results["decp-cotraitance"] = decp | ({"poids_appris": weights} if weights else {})
    for generated in args.generated:
        started = time.perf_counter()
        batches = list(batches_of(generated))
        network = network_from_batches(batches)
        built = time.perf_counter() - started
        sys.stderr.write(f"{generated}: network built in {built:.1f} s\n")
        if args.latency:
            results[generated.name] = {**latency(network, queries=args.queries, seed=args.seed),
                                       "network_seconds": round(built, 1)}  # fmt: skip
        else:
            weights = None
            if args.learn:
                # the training split: a fraction of the partnerships the files state, hidden
                training, training_rows, counts = held_out_partnerships(
                    batches, fraction=args.hide, seed=args.seed
                )
                weights = fit_weights(training, training_rows, seed=args.seed, kinds=COMPANY)
                sys.stderr.write(f"{generated}: weights fitted on {counts}: {weights}\n")
            # read only now, after the weights are fitted
            truth = json.loads((generated / "ground_truth.json").read_text(encoding="utf-8"))
            result = evaluate(network, truth["held_out"], seed=args.seed, rule=truth["rule"], weights=weights)
            results[generated.name] = result | ({"poids_appris": weights} if weights else {})
    sys.stdout.write(report(results) + "\n")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
