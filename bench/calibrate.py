"""Calibration method: parameter recovery of the GP-emulator method, against
rejection ABC with the same number of runs.

For several known parameter sets ("truths"), targets are made by the model
itself (mean of 8 runs at the truth, seeds no method uses); each method then
calibrates with the same run budget. Printed: per truth and parameter, the
posterior median and 90% interval of each method, whether the interval holds
the truth, and its width as a share of the fitted range. Drawn:
``bench/out/recovery.png`` (truth against posterior median and 90% interval).

Rejection ABC (the baseline that ABC-SMC improves on) runs the whole budget
once each at parameter sets drawn uniformly from the box, and keeps the 10%
closest to the targets (distance: root mean square of the differences over
the targets' sd). Its runs do not depend on the truth, so one batch serves all.

    python bench/calibrate.py [--budget 240] [--truths 4] [--workers 2]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from common import OPTUS, ROOT, table

from sim.runs.batch import run_batch
from sim.runs.batchfile import BatchSpec
from sim.analysis.calibration.fit import calibrate, prepare
from sim.analysis.calibration.params import parse_fit
from sim.config.scenario import load_scenario
from sim.model.simulate import simulate
from sim.config.targets import Target, run_values

SMALL = {"population.size": 1000, "scenario.hours": 72}
FITS = ["word_of_mouth.social=0.002:0.03", "channels.media.releases.0.reach=0.2:0.9"]
POINTS = [("aware_affected", 6), ("aware_affected", 12), ("aware_affected", 24),
          ("aware_affected", 48), ("first_media", 24), ("first_word_of_mouth", 48)]
SD = 0.02


def make_targets(truth: dict, path: Path) -> np.ndarray:
    scenario = load_scenario(OPTUS, {**SMALL, **truth})
    targets = [Target(m, h, 0.0) for m, h in POINTS]
    runs = [simulate(scenario, seed=50_000 + i) for i in range(8)]
    values = np.mean([run_values(r.timeseries, targets, r.summary["agents"], r.summary["affected_agents"])
                      for r in runs], axis=0)
    path.write_text("measure,hours,value,sd\n" + "".join(
        f"{m},{h},{v:.5f},{SD}\n" for (m, h), v in zip(POINTS, values)), encoding="utf-8")
    return values


def rejection_abc(budget: int, workers: int, folder: Path) -> tuple[np.ndarray, np.ndarray, float]:
    """Parameter sets (uniform over the box) and the target values of one run at each."""
    fits = [parse_fit(f) for f in FITS]
    rng = np.random.default_rng(99)
    units = rng.random((budget, len(fits)))
    draws = [{f.key: f.value(u) for f, u in zip(fits, row)} for row in units]
    spec = BatchSpec(OPTUS, "abc", [OPTUS], budget, 7, "fast", dict(SMALL), draws=draws)
    start = time.perf_counter()
    result = run_batch(spec, folder, workers=workers, resume=True, progress=False, reuse_any=True)
    seconds = time.perf_counter() - start
    import pandas as pd

    runs = pd.read_parquet(result.runs_path)
    series = pd.read_parquet(result.timeseries_path)
    targets = [Target(m, h, 0.0) for m, h in POINTS]
    values = np.full((budget, len(POINTS)), np.nan)
    for run, frame in series.groupby("run"):
        row = runs.loc[runs["run"] == run].iloc[0]
        values[int(row["replication"])] = run_values(frame, targets, int(row["agents"]),
                                                     int(row["affected_agents"]))
    params = np.array([[d[f.key] for f in fits] for d in draws])
    return params, values, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=240)
    parser.add_argument("--truths", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    fits = [parse_fit(f) for f in FITS]
    rng = np.random.default_rng(2024)
    truths = [{f.key: f.value(u) for f, u in zip(fits, 0.15 + 0.7 * rng.random(len(fits)))}
              for _ in range(args.truths)]
    work = Path(tempfile.mkdtemp(prefix="bench-calibrate-"))
    rows, recovered = [], []
    abc_params, abc_values, abc_seconds = rejection_abc(args.budget, args.workers, work / "abc")
    for i, truth in enumerate(truths):
        target_file = work / f"targets{i}.csv"
        y = make_targets(truth, target_file)
        cal = prepare(OPTUS, target_file, FITS, budget=args.budget, reps=3, seed=7, overrides=SMALL)
        start = time.perf_counter()
        result = calibrate(cal, work / f"gp{i}", workers=args.workers, progress=False)
        gp_seconds = time.perf_counter() - start
        distance = np.sqrt(np.nanmean(((abc_values - y) / SD) ** 2, axis=1))
        keep = np.argsort(distance)[: max(2, args.budget // 10)]
        for j, fit in enumerate(fits):
            span = fit.high - fit.low
            low, high = result.intervals[fit.key]
            rows.append({"truth": i, "key": fit.key, "true": f"{truth[fit.key]:.4g}", "method": "GP emulator",
                         "runs": result.runs, "median": f"{result.best[fit.key]:.4g}",
                         "90% interval": f"{low:.4g}-{high:.4g}", "inside": low <= truth[fit.key] <= high,
                         "width/range": f"{(high - low) / span:.2f}", "seconds": f"{gp_seconds:.0f}"})
            accepted = abc_params[keep, j]
            a_low, a_high = np.quantile(accepted, [0.05, 0.95])
            rows.append({"truth": i, "key": fit.key, "true": f"{truth[fit.key]:.4g}", "method": "rejection ABC",
                         "runs": args.budget, "median": f"{np.median(accepted):.4g}",
                         "90% interval": f"{a_low:.4g}-{a_high:.4g}",
                         "inside": a_low <= truth[fit.key] <= a_high,
                         "width/range": f"{(a_high - a_low) / span:.2f}", "seconds": f"{abc_seconds:.0f}"})
            recovered.append((j, truth[fit.key], result.best[fit.key], low, high,
                              float(np.median(accepted)), a_low, a_high))
    print(table(rows, ["truth", "key", "true", "method", "runs", "median", "90% interval", "inside",
                       "width/range", "seconds"]))
    for method in ("GP emulator", "rejection ABC"):
        mine = [r for r in rows if r["method"] == method]
        print(f"{method}: truth inside the 90% interval {sum(r['inside'] for r in mine)} of {len(mine)}; "
              f"mean width/range {np.mean([float(r['width/range']) for r in mine]):.2f}")
    _figure(recovered, fits, ROOT / "bench" / "out" / "recovery.png")
    shutil.rmtree(work, ignore_errors=True)


def _figure(recovered, fits, path: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path.parent.mkdir(parents=True, exist_ok=True)
    fig = Figure(figsize=(10, 4.5), dpi=120, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(fits))
    for j, (ax, fit) in enumerate(zip(axes, fits)):
        mine = [r for r in recovered if r[0] == j]
        for offset, (m, lo, hi, colour, label) in zip((-0.006, 0.006), (
                (2, 3, 4, "#0072B2", "GP emulator"), (5, 6, 7, "#D55E00", "rejection ABC"))):
            span = fit.high - fit.low
            x = np.array([r[1] for r in mine]) + offset * span
            med = np.array([r[m] for r in mine])
            err = np.array([[r[m] - r[lo] for r in mine], [r[hi] - r[m] for r in mine]])
            ax.errorbar(x, med, yerr=err, fmt="o", color=colour, capsize=3, label=f"{label}: median, 90%")
        ax.plot([fit.low, fit.high], [fit.low, fit.high], color="#555555", ls="--", lw=1, label="truth")
        ax.set_xlim(fit.low, fit.high)
        ax.set_ylim(fit.low, fit.high)
        ax.set_xlabel(f"true {fit.key}")
        ax.set_ylabel("recovered")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("Parameter recovery: targets made by the model at known values; same runs per method",
                 fontsize=11)
    fig.savefig(path)


if __name__ == "__main__":
    main()
