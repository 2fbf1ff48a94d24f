"""The standard link-prediction check on any network given as an edge list.

    python -m bench.linkpred_auc EDGELIST [--splits 10] [--test-fraction 0.1] [--seed S] [--json OUT]

The edge list has two node ids per line, separated by blanks; extra columns, `#` and
`%` comment lines, CRLF line ends, repeated and reversed edges are tolerated; the
network is taken as undirected and self-loops are dropped. Each split hides a random
`test-fraction` of the edges, samples as many pairs that are not edges, scores both
with every index of `queries.linkpred` computed on the remaining edges, and reports
the AUC (the probability that a hidden edge scores above a non-edge, ties counting
one half): mean and standard deviation over the splits.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import rankdata

from queries.linkpred import INDICES, adjacency_from_edges

__all__ = ["EdgeList", "auc", "evaluate", "main", "parse_edge_list", "split"]


@dataclass(frozen=True, slots=True)
class EdgeList:
    """An undirected simple network: node names and unique edges (u < v, by index)."""

    nodes: tuple[str, ...]
    edges: NDArray[np.int64]  # shape (m, 2)
    skipped: tuple[str, ...] = field(default=())  # "line N: reason" for each line not used
    self_loops: int = 0
    repeated: int = 0


def parse_edge_list(lines: Iterable[str], *, source: str = "<edges>") -> EdgeList:
    """Read an edge list (see the module docstring).

    >>> e = parse_edge_list(["# a comment", "a b 1.5", "b a", "c c", "% other", "b c\\r", "d"])
    >>> e.nodes, e.edges.tolist(), e.repeated, e.self_loops
    (('a', 'b', 'c'), [[0, 1], [1, 2]], 1, 1)
    >>> e.skipped
    ('<edges>:7: one node id only',)
    """
    index: dict[str, int] = {}
    seen: set[tuple[int, int]] = set()
    skipped: list[str] = []
    loops = repeated = 0
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line[0] in "#%":
            continue
        fields = line.split()
        if len(fields) < 2:
            skipped.append(f"{source}:{number}: one node id only")
            continue
        a, b = fields[0], fields[1]
        if a == b:
            loops += 1
            index.setdefault(a, len(index))
            continue
        u, v = index.setdefault(a, len(index)), index.setdefault(b, len(index))
        pair = (u, v) if u < v else (v, u)
        if pair in seen:
            repeated += 1
        else:
            seen.add(pair)
    # a node seen only in a self-loop has no edge: it is not part of the network
    names = list(index)
    used = sorted({i for pair in seen for i in pair})
    renumber = {old: new for new, old in enumerate(used)}
    edges = np.array(sorted((renumber[u], renumber[v]) for u, v in seen), dtype=np.int64).reshape(-1, 2)
    return EdgeList(tuple(names[i] for i in used), edges, tuple(skipped), loops, repeated)


def read_edge_list(path: Path) -> EdgeList:
    with path.open(encoding="utf-8", errors="replace", newline="") as f:
        return parse_edge_list(f, source=str(path))


def auc(positive: NDArray[np.float64], negative: NDArray[np.float64]) -> float:
    """P(a positive scores above a negative), ties counting one half (Mann–Whitney).

    >>> auc(np.array([3.0, 2.0]), np.array([1.0, 0.0]))
    1.0
    >>> auc(np.array([1.0, 0.0]), np.array([1.0, 2.0]))
    0.125
    """
    ranks = rankdata(np.concatenate([positive, negative]))
    p, n = len(positive), len(negative)
    return float((ranks[:p].sum() - p * (p + 1) / 2) / (p * n))


def split(
    network: EdgeList, rng: np.random.Generator, *, test_fraction: float
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Training edges, hidden edges, and as many sampled non-edges (distinct pairs)."""
    m, n = len(network.edges), len(network.nodes)
    hidden = max(1, round(test_fraction * m))
    possible = n * (n - 1) // 2 - m
    if hidden >= m or hidden > possible:
        raise ValueError(f"cannot hide {hidden} of {m} edges among {n} nodes")
    order = rng.permutation(m)
    test, train = network.edges[order[:hidden]], network.edges[order[hidden:]]
    existing = set((network.edges[:, 0] * n + network.edges[:, 1]).tolist())
    negatives: set[int] = set()
    while len(negatives) < hidden:
        draw = rng.integers(0, n, size=(2 * (hidden - len(negatives)) + 16, 2))
        draw = draw[draw[:, 0] != draw[:, 1]]
        low, high = draw.min(axis=1), draw.max(axis=1)
        for key in (low * n + high).tolist():
            if key not in existing and key not in negatives:
                negatives.add(key)
                if len(negatives) == hidden:
                    break
    keys = np.array(sorted(negatives), dtype=np.int64)
    return train, test, np.stack([keys // n, keys % n], axis=1)


def evaluate(
    network: EdgeList, *, splits: int = 10, test_fraction: float = 0.1, seed: int = 0
) -> dict[str, Any]:
    """AUC of every index over `splits` random splits, with the time each index took."""
    rng = np.random.default_rng(seed)
    n = len(network.nodes)
    per_index: dict[str, list[float]] = {name: [] for name in INDICES}
    seconds: dict[str, float] = dict.fromkeys(INDICES, 0.0)
    for _ in range(splits):
        train, test, negative = split(network, rng, test_fraction=test_fraction)
        A = adjacency_from_edges(train, n)
        pairs = np.concatenate([test, negative])
        for name, index in INDICES.items():
            started = time.perf_counter()
            scores = index(A, pairs)
            seconds[name] += time.perf_counter() - started
            per_index[name].append(auc(scores[: len(test)], scores[len(test) :]))
    return {
        "nodes": n,
        "edges": len(network.edges),
        "splits": splits,
        "test_fraction": test_fraction,
        "seed": seed,
        "auc": {
            name: {"mean": float(np.mean(v)), "sd": float(np.std(v, ddof=1)) if len(v) > 1 else 0.0}
            for name, v in per_index.items()
        },
        "seconds": {name: round(s, 3) for name, s in seconds.items()},
    }


def report(result: Mapping[str, Any]) -> str:
    """The figures as a plain-text table."""
    lines = [
        f"{result['nodes']} nodes, {result['edges']} edges, {result['splits']} splits, "
        f"{result['test_fraction']:.0%} hidden, seed {result['seed']}",
        f"{'index':<26} {'AUC mean':>9} {'sd':>7} {'seconds':>8}",
    ]
    for name, figures in result["auc"].items():
        lines.append(
            f"{name:<26} {figures['mean']:>9.4f} {figures['sd']:>7.4f} {result['seconds'][name]:>8.2f}"
        )
    lines.append(f"total {result['total_seconds']:.2f} s")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.linkpred_auc", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("edgelist", type=Path)
    parser.add_argument("--splits", type=int, default=10)
    parser.add_argument("--test-fraction", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None, help="write the figures there as JSON")
    args = parser.parse_args(argv)
    if not 0 < args.test_fraction < 1:
        parser.error("--test-fraction must lie strictly between 0 and 1")
    if args.splits < 1:
        parser.error("--splits must be at least 1")
    network = read_edge_list(args.edgelist)
    for message in network.skipped:
        sys.stderr.write(f"ignored: {message}\n")
    started = time.perf_counter()
    try:
        result = evaluate(network, splits=args.splits, test_fraction=args.test_fraction, seed=args.seed)
    except ValueError as e:
        sys.stderr.write(f"error: {args.edgelist}: {e}\n")
        return 2
    result["total_seconds"] = round(time.perf_counter() - started, 3)
    result["self_loops_dropped"] = network.self_loops
    result["repeated_edges"] = network.repeated
    sys.stdout.write(report(result) + "\n")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
