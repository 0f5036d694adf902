"""The speed targets of the fast engine, measured side by side in one run.

    python bench/targets.py [--skip big,first,dashboard] [--agents-runs 2] [--batch-runs 1000]

1. A 10,000-person Optus run (14 days hourly): the agents (Mesa) engine per
   run (``--agents-runs``), the fast engine for one run after a warm-up, and
   per run amortised over 50 runs in one process; the ratios.
2. ``--batch-runs`` such runs as one ``python run.py batch`` command on every
   core, timed from outside (bench/batch.py's whole command).
3. 26 M people x 14 days, one whole process (interpreter start, world, run):
   wall seconds and peak memory, against the memory check's estimate.
4. The first ``python run.py`` of a fresh clone (an empty numba cache: its
   compile included), from a ``git clone`` of this checkout's HEAD.
5. The dashboard: a control change to all charts redrawn, 20 runs x 10,000
   people (bench/dashboard.py in a real browser).

Machines here are shared: the load average is printed before and after;
compare ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from common import OPTUS, ROOT, table

from sim import load_scenario, simulate

BIG = """
import json, resource, time
t0 = time.perf_counter()
from sim import load_scenario
from sim.model.engine import prepare
from sim.model.fast import FastEngine
from sim.model.memory import estimate_bytes
s = load_scenario({path!r}, {{"population.size": {n}}})
world, rules, rng = prepare(s, 1)
t1 = time.perf_counter()
FastEngine(world, rules, rng).run()
t2 = time.perf_counter()
print(json.dumps({{"build": t1 - t0, "run": t2 - t1, "estimate": estimate_bytes(s, "fast") / 2**30}}))
"""


def per_run(scenario, engine: str, runs: int) -> float:
    start = time.perf_counter()
    for seed in range(1, runs + 1):
        simulate(scenario, seed=seed, engine=engine)
    return (time.perf_counter() - start) / runs


def engines(agents_runs: int) -> list[dict]:
    scenario = load_scenario(OPTUS, {"population.size": 10_000})
    simulate(scenario, seed=0)                                   # load the compiled code
    one = per_run(scenario, "fast", 1)
    amortised = per_run(scenario, "fast", 50)
    agents = per_run(scenario, "agents", agents_runs)
    return [
        {"measure": "10 k run vs agents engine, one run", "figure":
         f"{agents / one:.0f}x ({one * 1e3:.1f} ms vs {agents:.2f} s)", "target": ">= 400x"},
        {"measure": "10 k run vs agents engine, amortised (50 runs)", "figure":
         f"{agents / amortised:.0f}x ({amortised * 1e3:.1f} ms a run)", "target": ">= 400x"},
    ]


def batch(runs: int) -> dict:
    from batch import whole_command

    workers = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        seconds = whole_command(Path(tmp), runs, 10_000, workers)
    return {"measure": f"{runs:,} runs x 10 k, {workers} workers, whole command",
            "figure": f"{seconds:.1f} s", "target": "<= 5 s"}


def big(n: int) -> dict:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", BIG.format(path=str(OPTUS), n=n)], cwd=ROOT,
                          capture_output=True, text=True, timeout=3600)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1])
    r = json.loads(done.stdout.strip().splitlines()[-1])
    import resource

    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    return {"measure": f"{n / 1e6:.0f} M people x 14 days, whole process",
            "figure": f"{wall:.0f} s (world {r['build']:.0f} + run {r['run']:.0f}), {peak:.2f} GiB peak, "
                      f"estimate {r['estimate']:.2f} GiB", "target": "<= 60 s, <= 6 GiB"}


def first_run() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "BREACHSIM_KERNEL")}
        env["PYTHONPATH"] = str(clone)
        start = time.perf_counter()
        subprocess.run([sys.executable, "run.py"], cwd=clone, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=1800)
        first = time.perf_counter() - start
        shutil.rmtree(clone / "out")                        # the same job again: runs redone, cache warm
        start = time.perf_counter()
        subprocess.run([sys.executable, "run.py"], cwd=clone, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=1800)
        again = time.perf_counter() - start
    return {"measure": "first `python run.py` of a fresh clone (compile included)",
            "figure": f"{first:.1f} s (then {again:.1f} s with the cache, runs redone)", "target": "<= 25 s"}


def dashboard() -> dict:
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "dashboard.py"), "--reps", "20",
                           "--changes", "5"], cwd=ROOT, capture_output=True, text=True, timeout=1800)
    line = next((ln for ln in done.stdout.splitlines() if "all runs drawn (browser)" in ln), "")
    figure = line.split("(browser)", 1)[-1].strip() if line else done.stderr.strip()[-120:]
    return {"measure": "dashboard: change -> all charts redrawn (20 runs x 10 k)",
            "figure": f"{figure} s, median (min-max) of 5 changes", "target": "<= 0.5 s"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip", default="", help="comma-separated: engines,batch,big,first,dashboard")
    parser.add_argument("--agents-runs", type=int, default=2)
    parser.add_argument("--batch-runs", type=int, default=1000)
    parser.add_argument("--big", type=int, default=26_000_000, help="people in the big run")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    warnings.simplefilter("ignore")
    before = os.getloadavg()[0]
    rows: list[dict] = []
    steps = [("engines", lambda: engines(args.agents_runs)), ("batch", lambda: [batch(args.batch_runs)]),
             ("big", lambda: [big(args.big)]), ("first", lambda: [first_run()]),
             ("dashboard", lambda: [dashboard()])]
    for name, step in steps:
        if name not in skip:
            rows += step()
            print(f"done: {name}", flush=True)
    print(f"{os.cpu_count()} cores; load average {before:.1f} before, {os.getloadavg()[0]:.1f} after")
    print(table(rows, ["measure", "figure", "target"]))


if __name__ == "__main__":
    main()
