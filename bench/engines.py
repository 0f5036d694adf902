"""Fast engine vs agents (Mesa) engine on the Optus scenario, side by side.

    python bench/engines.py [--sizes 10000 100000] [--agents-limit 300]

For each size: wall time of one whole run (build + 14 days hourly) on each
engine, agent-steps per second and the ratio. The agents engine is tried at a
size only if its estimated time (from the previous size) is under
``--agents-limit`` seconds.
"""

from __future__ import annotations

import argparse
import statistics

from common import OPTUS, Timer, table

from sim import load_scenario, simulate


def time_run(scenario, engine: str, seed: int) -> float:
    with Timer() as t:
        simulate(scenario, seed=seed, engine=engine)
    return t.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--agents-limit", type=float, default=300.0)
    parser.add_argument("--repeats", type=int, default=3, help="fast-engine repeats (median)")
    args = parser.parse_args()
    rows, agents_rate = [], None
    for n in args.sizes:
        scenario = load_scenario(OPTUS, {"population.size": n})
        steps = n * scenario.n_steps
        fast = statistics.median(time_run(scenario, "fast", s) for s in range(args.repeats))
        row = {"people": f"{n:,}", "steps": scenario.n_steps, "fast s": f"{fast:.2f}",
               "fast agent-steps/s": f"{steps / fast / 1e6:.1f} M"}
        if agents_rate is None or steps / agents_rate <= args.agents_limit:
            agents = time_run(scenario, "agents", 0)
            agents_rate = steps / agents
            row.update({"agents s": f"{agents:.1f}", "agents agent-steps/s": f"{agents_rate / 1e6:.2f} M",
                        "ratio": f"{agents / fast:.0f}x"})
        else:
            row.update({"agents s": "skipped", "ratio": "-"})
        rows.append(row)
        print(f"done {n:,}", flush=True)
    print(table(rows, ["people", "steps", "fast s", "fast agent-steps/s", "agents s",
                       "agents agent-steps/s", "ratio"]))


if __name__ == "__main__":
    main()
