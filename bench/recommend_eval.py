"""How well `partner_candidates` finds the partnerships the synthetic generator held out,
against baselines measured in the same run; and how fast it answers.

    python -m bench.recommend_eval GENERATED_DIR [GENERATED_DIR ...] [--json OUT]
    python -m bench.recommend_eval --latency GENERATED_DIR [--queries 200] [--json OUT]
    python -m bench.recommend_eval --decp [--hide 0.2] [--seed S] [--json OUT]

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
own rule ranks the same candidates (`oracle_regle_du_generateur`): the ceiling of the
task, read here from `ground_truth.json` after the recommender has ranked.

Real held-out co-contracting (`--decp`). The real sources of `load reel` (structures,
SIRENE, jobs, networks, public procurement) are read in memory; a fraction `--hide` of
the contracts with two holders or more is hidden — their `HOLDS` and
`CO_CONTRACTOR_OF` ties removed, so neither the co-contracting edge nor the shared
contract is left — and for each holder of a hidden contract, the recommender ranks every
holder-like organisation (companies, associations, inclusive employers) for
`cotraitance`; the other holders of the hidden contract are the relevant ones. Same
metrics and baselines as above.

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


def network_from_batches(batches: Iterable[Batch], *, hidden: Collection[str] = ()) -> OrgNetwork:
    """The organisation network of batches written in order, in memory; the `HOLDS` and
    `CO_CONTRACTOR_OF` ties of the `hidden` contracts are left out."""
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
            if hidden and _hides(edge, hidden):
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


def decp_held_out(
    *, fraction: float = 0.2, seed: int = 0, data_dir: Path | None = None
) -> tuple[OrgNetwork, list[dict[str, str]], dict[str, int]]:
    """The real network with a fraction of the multi-holder contracts hidden, the hidden
    co-contracting pairs (both directions, as `evaluate` reads them) and counts."""
    outputs = [output.batch for output in real_sources(data_dir)]
    holders: dict[str, set[str]] = defaultdict(set)
    for batch in outputs:
        for edge in batch.edges:
            if edge.rel is RelKind.HOLDS:
                holders[edge.target].add(edge.source)
    multi = sorted(c for c, hs in holders.items() if len(hs) > 1)
    rng = np.random.default_rng(seed)
    size = round(fraction * len(multi))
    hidden = set(rng.choice(multi, size=size, replace=False).tolist()) if size else set()
    pairs = sorted({(a, b) for c in hidden for a in holders[c] for b in holders[c] if a != b})
    rows = [{"from": a, "to": b, "subtype": PartnershipType.COTRAITANCE.value} for a, b in pairs]
    counts = {"contracts": len(holders), "multi_holder": len(multi), "hidden": len(hidden),
              "pairs": len(pairs)}  # fmt: skip
    return network_from_batches(outputs, hidden=hidden), rows, counts


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
    ceiling any ranking can hope for, reported for reference only, never a baseline."""
    from queries.correspondences import naf_section

    scale, radius = float(rule["distance_scale_km"]), float(rule["radius_km"])
    affinity, default = rule["affinity"], float(rule["default_affinity"])
    boosts = {"Club": float(rule["club_boost"]), "PTCE": float(rule["ptce_boost"])}

    def score(index: PartnerIndex, s: int, c: NDArray[np.int64], o: Objective, d: NDArray[np.float64]) -> Any:
        row = affinity.get(str(index.kinds[s]), {})
        sections = [naf_section(x) if x else None for x in index.division_code[c].tolist()]
        weight = np.array([row.get(x, default) for x in sections]) * np.exp(-d[c] / scale)
        boost = np.ones(len(c))
        position = {v: j for j, v in enumerate(c.tolist())}
        for collective in index.collectives[s]:
            extra = boosts.get(str(index.kinds[collective]), 0.0)
            for member in index.members.get(collective, ()):
                if member in position:
                    boost[position[member]] += extra
        return np.where(d[c] <= radius, weight * boost, 0.0)

    return score


def evaluate(
    network: OrgNetwork,
    held_out: Sequence[Mapping[str, Any]],
    *,
    seed: int = 0,
    rule: Mapping[str, Any] | None = None,
    kinds: Collection[str] = COMPANY,
) -> dict[str, Any]:
    """The metrics of every method over the held-out partnerships (see the module docstring);
    with the generator's `rule`, its oracle too (a ceiling, for reference)."""
    index = partner_index(network)
    methods = dict(METHODS)
    if rule is not None:
        methods["oracle_regle_du_generateur"] = rule_oracle(rule)
    queries: dict[tuple[str, Objective], set[str]] = defaultdict(set)
    for row in held_out:
        objective = Objective.of_type(PartnershipType(row["subtype"]))
        if objective is not None and row["from"] in network.index and row["to"] in network.index:
            queries[(row["from"], objective)].add(row["to"])
    tiebreak = np.random.default_rng(seed).permutation(len(network.ids))
    sums: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for (actor, objective), partners in sorted(queries.items()):
        s, candidates, distance = candidate_pool(index, actor, objective, kinds=kinds)
        relevant = {network.index[p] for p in partners} & set(candidates.tolist())
        if not relevant:
            continue  # the held-out partner is already tied to the structure by another partnership
        for method, scorer in methods.items():
            scores = np.asarray(scorer(index, s, candidates, objective, distance), dtype=np.float64)
            order = np.lexsort((tiebreak[candidates], -scores))
            metrics = ranking_metrics(candidates[order].tolist(), relevant)
            for group in (objective.value, "tous"):
                for name, value in zip(("recall@10", "mrr", "ndcg@10"), metrics, strict=True):
                    sums[group][f"{method}|{name}"].append(value)
    out: dict[str, Any] = {}
    for group, values in sums.items():
        table: dict[str, dict[str, float]] = defaultdict(dict)
        for key, series in values.items():
            method, metric = key.split("|")
            table[method][metric] = round(float(np.mean(series)), 4)
        out[group] = {"queries": len(values["recommandation|mrr"]), "methods": dict(table)}
    return out


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
            lines.append(f"{territory} — {group} ({figures['queries']} requêtes)")
            lines.append(f"  {'method':<34} {'recall@10':>9} {'MRR':>7} {'nDCG@10':>8}")
            for method, m in figures["methods"].items():
                lines.append(f"  {method:<34} {m['recall@10']:>9.3f} {m['mrr']:>7.3f} {m['ndcg@10']:>8.3f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.recommend_eval", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("generated", type=Path, nargs="*", help="directories written by `maillage generate`")
    parser.add_argument("--decp", action="store_true", help="evaluate on real held-out co-contracting (DECP)")
    parser.add_argument("--hide", type=float, default=0.2, help="fraction of multi-holder contracts hidden")
    parser.add_argument("--latency", action="store_true", help="measure answer times instead of quality")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    if args.decp:
        started = time.perf_counter()
        network, rows, counts = decp_held_out(fraction=args.hide, seed=args.seed)
        sys.stderr.write(f"DECP: network built in {time.perf_counter() - started:.1f} s, {counts}\n")
        results["decp-cotraitance"] = evaluate(network, rows, seed=args.seed, kinds=HOLDER_KINDS)
    for generated in args.generated:
        started = time.perf_counter()
        network = network_of(generated)
        built = time.perf_counter() - started
        sys.stderr.write(f"{generated}: network built in {built:.1f} s\n")
        if args.latency:
            results[generated.name] = {**latency(network, queries=args.queries, seed=args.seed),
                                       "network_seconds": round(built, 1)}  # fmt: skip
        else:
            truth = json.loads((generated / "ground_truth.json").read_text(encoding="utf-8"))
            results[generated.name] = evaluate(network, truth["held_out"], seed=args.seed, rule=truth["rule"])
    sys.stdout.write(report(results) + "\n")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
