"""The engines side by side on the Optus scenario: seconds per whole run and ratios.

    python bench/engines.py [--sizes 10000] [--runs 50] [--agents-runs 2]

A whole run is ``simulate(scenario, seed)``: the world build (population,
network, campaigns), the steps (14 days hourly), the measures. For each size
every engine runs in this one process, one after the other: the agents
(Mesa) engine ``--agents-runs`` times, the fast engine's compiled kernel and
its numpy path ``--runs`` times each after one warm-up run (which loads or
compiles the kernel, so the figures are per run amortised over a batch).
The table gives seconds per run (mean), people-steps per second and the
ratio to the agents engine; the agents engine is skipped at a size where
its estimated time (from the previous size) exceeds ``--agents-limit``.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

from common import OPTUS, table

from sim import load_scenario, simulate
from sim.model.kernels import numba_available

PATHS = ("numba", "numpy")


def seconds_per_run(scenario, engine: str, runs: int, warm_up: bool) -> float:
    """Mean wall time of ``runs`` whole runs (seeds 1..runs) after an optional warm-up."""
    if warm_up:
        simulate(scenario, seed=0, engine=engine)
    start = time.perf_counter()
    for seed in range(1, runs + 1):
        simulate(scenario, seed=seed, engine=engine)
    return (time.perf_counter() - start) / runs


def fast_seconds(scenario, path: str, runs: int) -> float:
    os.environ["BREACHSIM_KERNEL"] = path
    try:
        return seconds_per_run(scenario, "fast", runs, warm_up=True)
    finally:
        del os.environ["BREACHSIM_KERNEL"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--runs", type=int, default=50, help="fast-engine runs per path (after a warm-up)")
    parser.add_argument("--agents-runs", type=int, default=2)
    parser.add_argument("--agents-limit", type=float, default=300.0, help="seconds")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    paths = [p for p in PATHS if p != "numba" or numba_available()]
    rows, agents_rate = [], None
    for n in args.sizes:
        scenario = load_scenario(OPTUS, {"population.size": n})
        work = n * scenario.n_steps
        agents = None
        if agents_rate is None or work / agents_rate * args.agents_runs <= args.agents_limit:
            agents = seconds_per_run(scenario, "agents", args.agents_runs, warm_up=False)
            agents_rate = work / agents
            rows.append({"people": f"{n:,}", "engine": "agents (Mesa)", "runs": args.agents_runs,
                         "s per run": f"{agents:.3f}", "people-steps/s": f"{work / agents / 1e6:.2f} M",
                         "vs agents": "1x"})
        for path in paths:
            runs = max(1, args.runs if n <= 100_000 else args.runs // 10)
            fast = fast_seconds(scenario, path, runs)
            rows.append({"people": f"{n:,}", "engine": f"fast ({path})", "runs": runs,
                         "s per run": f"{fast:.4f}", "people-steps/s": f"{work / fast / 1e6:.1f} M",
                         "vs agents": f"{agents / fast:.0f}x" if agents else "-"})
        print(f"done {n:,}", flush=True)
    print(table(rows, ["people", "engine", "runs", "s per run", "people-steps/s", "vs agents"]))


if __name__ == "__main__":
    main()
