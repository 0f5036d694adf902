"""A run's time-series table, and the dashboard's change -> charts, side by side.

    python bench/table.py [--people 10000] [--runs 40] [--reps 20] [--changes 7] [--workers N]

1. The table of one run (Optus 2022 at ``--people`` agents, fast engine, ``--runs``
   runs): what a run costs after its kernel, in ms per run, step by step: the
   engine's columns (:func:`sim.model.measures.columns_from_arrays`), the segments'
   (:func:`sim.model.segments.segment_columns`), the clock
   (:func:`sim.model.measures.add_clock`), the consequences
   (:func:`sim.model.consequences.consequence_columns`) and the frame
   (:func:`sim.model.measures.table`). Runs alternate with runs whose frame is made
   as it was before, ``pd.DataFrame(columns)`` (the same frame), so both are
   measured under the same load.
2. The dashboard without a browser: the page's own job for a change
   (:func:`sim.reporting.dashboard.app.job_results`) on its pool of worker processes,
   ``--reps`` runs of ``--people`` agents per setting, after a warm-up. The start of
   the first company campaign moves one hour earlier ``--changes`` times (a new
   scenario each time, never a cached one). Each change is split into *runs* (the
   pool's runs, as the page waits for them), *data* (the settings made a scenario,
   as the page does, and the runs reduced to medians and bands:
   :func:`sim.reporting.dashboard.runs.outcome_of`, with the runs' warnings) and
   *drawing* (the three charts, drawn side by side in the workers).

Timings are wall-clock milliseconds, medians (min-max). The machine may be shared:
compare only figures printed by one run, and mind the load average printed with
them. Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings

from common import OPTUS, Timer, table

import pandas as pd

from sim.config.scenario import load_scenario
from sim.model import fast, simulate as simulate_module
from sim.model.simulate import simulate
from sim.reporting.dashboard.config import DashboardConfig

#: The steps of the table, in order: (label, module, function name).
STEPS = (("engine columns", fast, "columns_from_arrays"),
         ("segment columns", fast, "segment_columns"),
         ("clock", simulate_module, "add_clock"),
         ("consequence columns", simulate_module, "consequence_columns"),
         ("frame", simulate_module, "table"))


class Stopwatch:
    """Seconds spent in chosen functions of chosen modules, summed per label while
    :meth:`timed` has them replaced."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    def wrap(self, label: str, fn):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - start
        return timed

    def install(self, where: list[tuple[str, object, str]]) -> list[tuple[object, str, object]]:
        """Replace each ``(label, module, name)``; the originals, to put back."""
        kept = [(module, name, getattr(module, name)) for _, module, name in where]
        for label, module, name in where:
            setattr(module, name, self.wrap(label, getattr(module, name)))
        return kept

    @staticmethod
    def restore(kept) -> None:
        for module, name, fn in kept:
            setattr(module, name, fn)


def spread(values: list[float]) -> str:
    """Median (min-max) of seconds, in ms."""
    ms = [v * 1e3 for v in values]
    return f"{statistics.median(ms):.2f} ({min(ms):.2f}-{max(ms):.2f})"


def table_tail(people: int, runs: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Per-run seconds of each step of the table, now and with the frame made as before
    (label -> one value per run), from alternating runs."""
    scenario = load_scenario(OPTUS, {"population.size": people})
    simulate(scenario, seed=0)  # anything compiled or cached on first use
    now: dict[str, list[float]] = {}
    before: dict[str, list[float]] = {}
    for r in range(2 * runs):
        old_way = r % 2 == 1
        watch = Stopwatch()
        steps = [(label, module, name) for label, module, name in STEPS
                 if not (old_way and name == "table")]
        kept = watch.install(steps)
        if old_way:
            kept.append((simulate_module, "table", simulate_module.table))
            simulate_module.table = watch.wrap("frame", pd.DataFrame)
        try:
            with Timer() as whole:
                simulate(scenario, seed=1 + r // 2)
        finally:
            Stopwatch.restore(kept)
        into = before if old_way else now
        for label, seconds in watch.seconds.items():
            into.setdefault(label, []).append(seconds)
        into.setdefault("tail", []).append(sum(watch.seconds.values()))
        into.setdefault("whole run", []).append(whole.seconds)
    return now, before


def dashboard_changes(people: int, reps: int, changes: int, workers: int | None) -> dict[str, list[float]]:
    """Seconds per change of the page's job: total, runs, data, drawing."""
    DashboardConfig(scenarios=[str(OPTUS)], replications=reps, people=people,
                    workers=workers).to_env()
    from sim.reporting.dashboard import app, levers as lv, runs

    watch = Stopwatch()
    kept = watch.install([("data", runs, "outcome_of"), ("data", app, "notes_of")])
    try:
        app.warm()
        pool = app.runner()
        pool.map = watch.wrap("drawing", pool.map)   # the job's charts (its only map)
        path = str(OPTUS)
        base = lv.current_scenario(path, {lv.SIZE: people})
        campaigns = base.get(lv.CAMPAIGNS)
        out: dict[str, list[float]] = {}

        def change(k: int):
            """Move the first campaign's start ``1 + k`` hours earlier; its scenario."""
            moved = [dict(c) for c in campaigns]
            moved[0]["start_hour"] = float(moved[0]["start_hour"]) - 1 - k
            watch.seconds.clear()
            with Timer() as total:
                with Timer() as settings:
                    now = lv.current_scenario(path, {lv.SIZE: people, lv.CAMPAIGNS: moved})
                    start = lv.current_scenario(path, {lv.SIZE: people})
                shown = list(app.job_results(pool, start, now, reps, "bench"))
            if not shown or shown[-1].others is None:
                raise RuntimeError("the page's job drew no charts")
            data = watch.seconds.get("data", 0.0) + settings.seconds
            drawing = watch.seconds.get("drawing", 0.0)
            for label, value in (("change -> charts", total.seconds),
                                 ("  runs", total.seconds - data - drawing),
                                 ("  data", data), ("  drawing", drawing)):
                out.setdefault(label, []).append(value)
            return now

        change(-1)  # the baseline's runs, and its charts drawn once in the workers
        out.clear()
        for k in range(changes):
            last = change(k)
        pool.close()
        with Timer() as serial:
            for r in range(reps):
                simulate(last, seed=r)
        out["for scale: the runs one after another here"] = [serial.seconds]
        return out
    finally:
        Stopwatch.restore(kept)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000, help="agents per run")
    parser.add_argument("--runs", type=int, default=40, help="runs timed for the table (each way)")
    parser.add_argument("--reps", type=int, default=20, help="dashboard replications per setting")
    parser.add_argument("--changes", type=int, default=7, help="dashboard changes timed")
    parser.add_argument("--workers", type=int, default=None, help="dashboard worker processes")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # the runs' step-length notes are not what is measured
    load_before = os.getloadavg()[0]
    now, before = table_tail(args.people, args.runs)
    page = dashboard_changes(args.people, args.reps, args.changes, args.workers)
    cores = os.cpu_count()
    print(f"{OPTUS.name}, {args.people:,} agents, fast engine; ms, median (min-max); load average "
          f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after on {cores} cores")
    print(f"\n1. a run's table, per run ({args.runs} runs each way, alternating)")
    rows = [{"step": label, "now": spread(now[label]), "frame as before": spread(before[label])}
            for label, *_ in STEPS]
    rows.append({"step": "tail (all steps)", "now": spread(now["tail"]),
                 "frame as before": spread(before["tail"])})
    rows.append({"step": "whole run", "now": spread(now["whole run"]),
                 "frame as before": spread(before["whole run"])})
    print(table(rows, ["step", "now", "frame as before"]))
    ratio = statistics.median(before["tail"]) / statistics.median(now["tail"])
    print(f"tail before / now: {ratio:.1f}x; the frame as before is pd.DataFrame(columns)")
    workers = args.workers or cores
    print(f"\n2. the dashboard, change -> charts ({args.reps} runs per setting, {workers} workers, "
          f"{args.changes} changes)")
    print(table([{"part": label, "ms": spread(values)} for label, values in page.items()],
                ["part", "ms"]))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
