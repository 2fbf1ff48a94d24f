"""The edge-list parser and the AUC check of bench/linkpred_auc.py."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bench.linkpred_auc import auc, evaluate, main, parse_edge_list, read_edge_list, split


def test_parser_tolerates_comments_extra_columns_crlf_repeats_and_loops(tmp_path: Path) -> None:
    path = tmp_path / "edges.txt"
    path.write_bytes(
        b"% konect header\r\n# comment\r\nx y 1 1700000000\r\ny x\r\nx\ty\r\nz z\r\n\r\ny w 3\r\n"
    )
    network = read_edge_list(path)
    assert network.nodes == ("x", "y", "w")
    assert network.edges.tolist() == [[0, 1], [1, 2]]
    assert (network.repeated, network.self_loops, network.skipped) == (2, 1, ())


def test_parser_reports_a_line_with_one_id() -> None:
    network = parse_edge_list(["a b", "lonely", "b c"], source="f.txt")
    assert network.skipped == ("f.txt:2: one node id only",)
    assert network.edges.tolist() == [[0, 1], [1, 2]]


def test_auc_counts_ties_as_one_half() -> None:
    # pairs (pos, neg): (2,1) win, (2,2) tie, (0,1) loss, (0,2) loss -> 1.5 / 4
    assert auc(np.array([2.0, 0.0]), np.array([1.0, 2.0])) == 0.375


def test_split_hides_edges_and_samples_as_many_true_non_edges() -> None:
    network = parse_edge_list([f"{i} {j}" for i in range(20) for j in range(i + 1, 20) if (i + j) % 3])
    train, test, negative = split(network, np.random.default_rng(1), test_fraction=0.1)
    edges = {tuple(e) for e in network.edges.tolist()}
    assert len(test) == round(0.1 * len(edges)) == len(negative)
    assert len(train) + len(test) == len(edges)
    assert {tuple(e) for e in test.tolist()} <= edges
    assert not {tuple(e) for e in negative.tolist()} & edges
    assert len({tuple(e) for e in negative.tolist()}) == len(negative)


def _cliques(count: int, size: int) -> list[str]:
    return [f"{c}-{i} {c}-{j}" for c in range(count) for i in range(size) for j in range(i + 1, size)]


def test_neighbourhood_indices_score_perfectly_on_disjoint_cliques() -> None:
    # every hidden edge lies in a clique and keeps common neighbours there; every
    # non-edge joins two cliques, which share no neighbour and no walk
    result = evaluate(parse_edge_list(_cliques(6, 8)), splits=3, test_fraction=0.1, seed=7)
    figures = result["auc"]
    assert isinstance(figures, dict)
    for name in (
        "voisins_communs",
        "jaccard",
        "adamic_adar",
        "allocation_ressources",
        "katz",
        "pagerank_personnalise",
    ):
        assert figures[name] == {"mean": 1.0, "sd": 0.0}, name


def test_cli_writes_json_and_refuses_a_bad_fraction(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cliques.txt"
    path.write_text("\n".join(_cliques(4, 6)) + "\n", encoding="utf-8")
    out = tmp_path / "auc.json"
    assert main([str(path), "--splits", "2", "--seed", "3", "--json", str(out)]) == 0
    written = json.loads(out.read_text(encoding="utf-8"))
    assert (written["nodes"], written["edges"], written["splits"]) == (24, 60, 2)
    assert written["auc"]["voisins_communs"]["mean"] == 1.0
    assert "voisins_communs" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main([str(path), "--test-fraction", "1.5"])
