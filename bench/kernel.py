"""The fast engine's compiled kernel against plain memory reads: edge scans per second, and its cold compile.

    python bench/kernel.py [--sizes 10000 1000000] [--runs 20] [--no-compile]

For each size one Optus world (seed 1) is built, then the compiled kernel
(:mod:`sim.model.fast_numba`) runs on it ``--runs`` times after a warm-up run
(a tenth as many above 100,000 people), each time from a fresh state and a
copy of the same random generator. Kernel time is the time of the kernel's
own calls (the start and all the steps), not the world build, the inputs'
layout or the measures; the table gives the median over the runs.

Edge scans: when a person starts a spreading period, the kernel visits every
entry of their CSR rows in each network layer that can carry word of mouth
(hazard > 0) and draws a telling time for it. They are counted outside the
kernel, from the final state: the sum over people of (spreading periods
started) x (their row lengths in those layers). The kernel's rate is edge
scans per second of kernel time, so it is charged for all its other work too
(broadcasts, messages, absorbing exposures).

Baseline: a plain pass over the same entries, a compiled loop that, for each
person who started periods, sums the indices of their rows as many times, in
ascending person order (the kernel goes by start step, then person). Its rate
is what this machine's memory gives for reading those entries; the ratio
(baseline / kernel) says how far from it the kernel is. Both are measured in
this one process, one after the other, so a busy machine slows both.

Cold compile: a fresh interpreter with an empty ``NUMBA_CACHE_DIR`` imports
the package and runs :func:`sim.model.fast.warm_up` (a tiny run that compiles
and caches the kernel, and the world build's compiled functions): seconds
from the import to the end, and, within them, numba's compile of the kernel
(its entry point with every function it calls, from numba's compile events).
"All cached" is a second interpreter with the same cache folder.
"""

from __future__ import annotations

import argparse
import copy
import shutil
import statistics
import tempfile
import time
import warnings

import numba
import numpy as np
from common import OPTUS, in_subprocess, table

from sim import load_scenario
from sim.model.engine import prepare
from sim.model.fast import Tally, make_inputs, make_state

#: Run in a fresh interpreter (``{cache}``: the cache folder): seconds from the
#: package's import to the end of warm_up, and the kernel's compiles.
COMPILE = """
import os, json, time
os.environ["NUMBA_CACHE_DIR"] = {cache!r}
start = time.perf_counter()
from numba.core import event
compiled, kernel = [], [0.0]
class Compiles(event.Listener):
    def on_start(self, e):
        self.began = getattr(self, "began", []) + [time.perf_counter()]
    def on_end(self, e):
        seconds = time.perf_counter() - self.began.pop()
        function = e.data["dispatcher"].py_func
        if function.__module__ == "sim.model.fast_numba":
            compiled.append(function.__name__)
            if function.__name__ == "_run":
                kernel[0] += seconds
event.register("numba:compile", Compiles())
from sim.model.fast import warm_up
warm_up()
print(json.dumps({{"seconds": time.perf_counter() - start, "kernel": kernel[0], "compiled": compiled}}))
"""


@numba.njit
def row_pass(indptr, indices, people, times):
    """Sum of ``indices`` over the CSR rows of ``people``, row j read ``times[j]`` times."""
    total = 0
    for j in range(len(people)):
        p = people[j]
        for _ in range(times[j]):
            for e in range(indptr[p], indptr[p + 1]):
                total += indices[e]
    return total


def kernel_seconds(world, rules, rng) -> tuple[float, object]:
    """One run of the compiled kernel on ``world``: seconds of its calls, final state."""
    from sim.model.fast_numba import NumbaPath

    inputs, state = make_inputs(world, rules), make_state(world)
    affected = world.population.affected
    tally = Tally(rules.steps, float(state.company_trust[affected].sum()),
                  float(state.company_trust[~affected].sum()))
    path = NumbaPath(world, rules, copy.deepcopy(rng), inputs, state, tally)
    start = time.perf_counter()
    path.start()
    path.steps(0, rules.steps)
    return time.perf_counter() - start, state


def spreading_rows(world, rules, state) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Per layer that carries word of mouth: (indptr, indices, people who started periods, periods)."""
    people = np.flatnonzero(state.period > 0)
    times = state.period[people].astype(np.int64)
    return [(layer.indptr.astype(np.int64), layer.indices, people, times)
            for layer in world.network.layers if rules.layer_hazard[layer.name] > 0]


def edge_scans(rows) -> int:
    """CSR entries visited when people start spreading: periods x row length, summed."""
    return sum(int((np.diff(indptr)[people] * times).sum()) for indptr, _, people, times in rows)


def baseline_seconds(rows) -> float:
    """Seconds of one plain pass (:func:`row_pass`) over the same rows, every layer."""
    start = time.perf_counter()
    for indptr, indices, people, times in rows:
        row_pass(indptr, indices, people, times)
    return time.perf_counter() - start


def measure(n: int, runs: int) -> dict:
    scenario = load_scenario(OPTUS, {"population.size": n})
    world, rules, rng = prepare(scenario, 1)
    _, state = kernel_seconds(world, rules, rng)          # loads (or compiles) the kernel
    rows = spreading_rows(world, rules, state)
    scans = edge_scans(rows)
    baseline_seconds(rows)                                 # compiles the baseline
    kernel, baseline = [], []
    for _ in range(runs):                                  # interleaved: the same machine state for both
        kernel.append(kernel_seconds(world, rules, rng)[0])
        baseline.append(baseline_seconds(rows))
    k, b = statistics.median(kernel), statistics.median(baseline)
    return {"people": f"{n:,}", "runs": runs, "edge scans": f"{scans:,}", "kernel ms": f"{k * 1e3:.2f}",
            "kernel scans/s": f"{scans / k / 1e6:.1f} M", "plain pass ms": f"{b * 1e3:.3f}",
            "plain scans/s": f"{scans / b / 1e6:.0f} M", "plain / kernel": f"{k / b:.0f}x"}


def cold_compile(timeout: float) -> list[dict]:
    """Cold compile seconds in fresh interpreters with a new cache folder (see the module docstring)."""
    cache = tempfile.mkdtemp(prefix="breachsim-numba-")
    try:
        rows = []
        for what in ("cold (empty cache)", "all cached"):
            done = in_subprocess(COMPILE.format(cache=cache), timeout)
            names = done["compiled"]
            rows.append({"warm_up": what, "seconds": f"{done['seconds']:.1f}",
                         "kernel compile s": f"{done['kernel']:.1f}", "kernel functions compiled": len(names),
                         "compiled twice or more": ", ".join(sorted({x for x in names if names.count(x) > 1}))
                         or "none"})
        return rows
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=20, help="kernel runs per size (a tenth above 100,000 people)")
    parser.add_argument("--no-compile", action="store_true", help="skip the cold-compile measurement")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    rows = []
    for n in args.sizes:
        rows.append(measure(n, max(1, args.runs if n <= 100_000 else args.runs // 10)))
        print(f"done {n:,}", flush=True)
    print(table(rows, ["people", "runs", "edge scans", "kernel ms", "kernel scans/s", "plain pass ms",
                       "plain scans/s", "plain / kernel"]))
    if not args.no_compile:
        print()
        print(table(cold_compile(timeout=600), ["warm_up", "seconds", "kernel compile s",
                                                "kernel functions compiled", "compiled twice or more"]))


if __name__ == "__main__":
    main()
