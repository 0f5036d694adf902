"""Scaling of the fast engine: 100 k to 26 M people, 14 days hourly.

    python bench/scaling.py [--sizes 100000 1000000 10000000 26000000] [--kernel numba]

Each size runs in a fresh process (so peak memory is its own), after the
kernel is loaded there: build time (population, households network,
channels), run time, peak RSS, edges, and the memory the pre-run estimate
predicted.
"""

from __future__ import annotations

import argparse

from common import OPTUS, in_subprocess, table

CODE = """
import json, os, time, resource
os.environ["BREACHSIM_KERNEL"] = {kernel!r}
from sim import load_scenario
from sim.model.engine import prepare
from sim.model.fast import FastEngine
from sim.model.memory import estimate_bytes
tiny = load_scenario({path!r}, {{"population.size": 100, "scenario.hours": 2}})
FastEngine(*prepare(tiny, 0)).run()          # load (or compile) the kernel
s = load_scenario({path!r}, {{"population.size": {n}}})
t0 = time.perf_counter(); world, rules, rng = prepare(s, 1); t1 = time.perf_counter()
engine = FastEngine(world, rules, rng); columns = engine.run(); t2 = time.perf_counter()
edges = sum(l.edges for l in world.network.layers)
aware = columns["aware_affected"][-1] / max(1, engine.n_affected)
print(json.dumps({{"build": t1 - t0, "run": t2 - t1, "edges": edges, "aware": aware,
                  "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
                  "estimate": estimate_bytes(s, "fast") / 2**30}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+",
                        default=[100_000, 1_000_000, 10_000_000, 26_000_000])
    parser.add_argument("--kernel", choices=["numba", "numpy"], default="numba")
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()
    rows = []
    for n in args.sizes:
        r = in_subprocess(CODE.format(path=str(OPTUS), n=n, kernel=args.kernel), args.timeout)
        rows.append({"people": f"{n:,}", "edges": f"{r['edges']:,}", "build s": f"{r['build']:.1f}",
                     "run s": f"{r['run']:.1f}", "total s": f"{r['build'] + r['run']:.1f}",
                     "peak RSS GiB": f"{r['rss']:.2f}", "estimate GiB": f"{r['estimate']:.2f}",
                     "affected aware at end": f"{r['aware']:.3f}"})
        print(f"done {n:,}", flush=True)
    print(f"fast engine, {args.kernel} path")
    print(table(rows, list(rows[0])))


if __name__ == "__main__":
    main()
