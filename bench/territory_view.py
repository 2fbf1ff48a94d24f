"""Benchmark: the territory view (`queries.territory.territory_view`) on a store's
organisation lens, per territory, in CPU seconds (the lens read from its cache first).

    python -m bench.territory_view --store DIR/store [TERRITORY …]
"""

from __future__ import annotations

import argparse
import sys
import time

from graph.analytic import analytic_projection
from graph.oxigraph_store import OxigraphStore
from queries.territory import territory_view


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("territories", nargs="*", default=["departement:10", "departement:59"])
    args = parser.parse_args()
    with OxigraphStore(args.store) as store:
        started = time.process_time()
        lens = analytic_projection(store)
        spent = time.process_time() - started
        sys.stdout.write(f"lens: {spent:.2f} s CPU, {len(lens.ids):,} organisations\n")
        for territory in args.territories:
            started = time.process_time()
            view = territory_view(lens, territory)
            rows = sum(len(t.rows) for t in view.tables().values())
            sys.stdout.write(f"{territory}: {time.process_time() - started:.2f} s CPU, {rows} rows\n")


if __name__ == "__main__":
    main()
