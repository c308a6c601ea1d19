"""Time the Monte Carlo of chapter 8: 1,000,000 joint draws of the whole chain (issue 6).

Prints the best and the median of several runs of ``simulate`` (draw every
uncertain parameter, evaluate every output of ``sorabook.uncertainty.OUTPUTS``
through the report's result functions) plus the 5/50/95 percentiles of each
output. Read, not asserted: the machines are shared and noisy.

    .venv/bin/python benchmarks/bench_uncertainty.py [--draws N] [--repeat R]
"""

from __future__ import annotations

import argparse
import statistics
import time

from sorabook import params as P
from sorabook.results import uncertainty as U


def run(draws: int, seed: int) -> dict:
    params, _ = P.resolve()
    sims = U.simulate(params, P.DISTRIBUTIONS, draws, seed)
    return {key: U.percentiles(values) for key, values in sims.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    run(1000, 1)  # imports and first-call costs out of the timing
    times = []
    for i in range(args.repeat):
        t0 = time.perf_counter()
        out = run(args.draws, 20240301)
        times.append(time.perf_counter() - t0)
    print(f"Monte Carlo, {args.draws:,} draws of the full chain incl. 5/50/95 percentiles: "
          f"best {min(times):.3f} s, median {statistics.median(times):.3f} s over {args.repeat} runs")
    for key, q in out.items():
        print(f"  {key}: " + ", ".join(f"p{k:02d} {v:.4g}" for k, v in q.items()))


if __name__ == "__main__":
    main()
