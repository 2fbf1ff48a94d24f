"""Benchmark: SHACL validation (`graph.validation.validate`) of a synthetic graph.

    python -m bench.validation --triples 100000
    python -m bench.validation --quick            # 20,000 triples
    python -m bench.validation --rdfs             # also time pyshacl with RDFS inference

Loads the synthetic graph of `bench.synthetic` (two datasets) into an in-memory
`OxigraphStore`, then times the copy of its quads into rdflib and the whole
`validate` call; with `--rdfs`, the same pyshacl validation with RDFS inference,
for comparison (its extra types break the one-type shapes: it is not what
`validate` does). Printed and written as JSON to `bench/results/`.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import rdflib
from pyshacl import validate as shacl_validate

from bench.rdf_store import RESULTS, machine, say, write_result
from bench.synthetic import synthetic_graph
from graph.interchange import rdflib_graph
from graph.oxigraph_store import OxigraphStore
from graph.validation import DEFAULT_ONTOLOGY, DEFAULT_SHAPES, validate

QUICK_TRIPLES: Final = 20_000


def run(triples: int, *, seed: int, rdfs: bool) -> dict[str, Any]:
    store = OxigraphStore()
    store.bulk_load(synthetic_graph(triples, seed=seed).batches)
    result: dict[str, Any] = {
        "benchmark": "validation",
        "started": datetime.now().isoformat(timespec="seconds"),
        "machine": machine(),
        "quads": len(store),
        "seed": seed,
    }
    started = time.perf_counter()
    union = rdflib_graph(store.quads())
    result["to_rdflib_s"] = round(time.perf_counter() - started, 2)
    result["triples"] = len(union)

    started = time.perf_counter()
    outcome = validate(store)
    result["validate_s"] = round(time.perf_counter() - started, 2)
    result["conforms"] = outcome.conforms
    result["violations"] = len(outcome.violations)
    result["first_violations"] = [v.message for v in outcome.violations[:5]]

    if rdfs:
        shapes = rdflib.Graph().parse(DEFAULT_SHAPES, format="turtle")
        ontology = rdflib.Graph().parse(DEFAULT_ONTOLOGY, format="turtle")
        started = time.perf_counter()
        conforms, _, _ = shacl_validate(
            union, shacl_graph=shapes, ont_graph=ontology, inference="rdfs", inplace=True, advanced=True
        )
        result["pyshacl_rdfs_s"] = round(time.perf_counter() - started, 2)
        result["pyshacl_rdfs_conforms"] = bool(conforms)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.validation", description=__doc__.split("\n\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--triples", type=int, default=100_000, help="triples to generate (default 100,000)")
    size.add_argument("--quick", action="store_true", help=f"a {QUICK_TRIPLES:,}-triple run")
    parser.add_argument("--rdfs", action="store_true", help="also time pyshacl with RDFS inference")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON result")
    args = parser.parse_args(argv)

    result = run(QUICK_TRIPLES if args.quick else args.triples, seed=args.seed, rdfs=args.rdfs)
    m = result["machine"]
    say(f"maillage · SHACL validation of {result['triples']:,} triples ({result['quads']:,} quads)")
    say(
        f"machine: {m['nproc']} CPU, {m['cpu']}, Python {m['python']}; load average at start "
        f"{' '.join(str(x) for x in m['load_average_at_start'])}"
    )
    say(f"store quads → rdflib graph:      {result['to_rdflib_s']} s")
    say(f"validate (conversion included):  {result['validate_s']} s — conforms: {result['conforms']}")
    for message in result["first_violations"]:
        say(f"  {message}")
    if args.rdfs:
        say(
            f"pyshacl with RDFS inference:     {result['pyshacl_rdfs_s']} s — conforms: "
            f"{result['pyshacl_rdfs_conforms']} (inferred types break the one-type shapes)"
        )
    write_result(result, args.out, f"validation-{result['triples']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
