"""A calibration: waves of runs, emulators, posterior, check runs.

Method (history-matching style Bayesian emulation; why this and not ABC-SMC is
argued in the README from bench/calibrate.py):

1. wave 1: a Latin hypercube of parameter sets over the ``--fit`` box, each
   run ``--reps`` times;
2. Gaussian-process emulators of every target's mean (:mod:`.emulator`) and
   the posterior on them (:mod:`.posterior`);
3. waves 2, 3: 75% of the new sets drawn from the current posterior, 25% from
   a fresh hypercube of the whole box; emulators and posterior fitted again on
   all runs;
4. check runs: the best values (posterior medians) ``--reps`` times, and
   posterior draws once each, so the fit chart's band holds parameter
   uncertainty and chance.

Every wave and the check are batches (:func:`sim.runs.batch.run_batch`): parallel,
with a progress bar, resumable by run identity. A wave's design depends only
on the runs before it (seeded fits, values rounded to 6 significant digits),
so running the same command again reuses every finished run.
"""

from __future__ import annotations

import math
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
from scipy.stats import qmc
from threadpoolctl import threadpool_limits

from ...runs.batch import run_batch
from ...runs.batchfile import BatchSpec
from ...errors import ScenarioError
from ...runs.files import check_claimable, claim_folder
from ...model.memory import check_work
from ...config.scenario import Scenario, load_scenario, with_overrides
from ...model.simulate import ENGINES
from ...config.targets import Target, check_horizon, load_targets, run_values
from .emulator import fit_emulators
from .params import FitParam, check_fits, parse_fit, to_values
from .posterior import Posterior, log_likelihood, sample_posterior
from ...model.engine import DEFAULT_ENGINE
from ...runs.batchfile import DEFAULT_SEED

__all__ = ["Calibration", "Result", "prepare", "waves_of", "calibrate", "CREDIBLE"]

#: Credible interval reported (lower and upper posterior quantiles).
CREDIBLE = (0.05, 0.95)
#: Share of a later wave's sets drawn from the current posterior (the rest: whole box).
FROM_POSTERIOR = 0.75
MAX_BUDGET = 100_000
#: With this many target points or more, each wave says that it is fitting the emulators.
SAY_EMULATORS = 25
#: Time to fit one target's emulator and sample the posterior on it, per wave (measured).
SECONDS_PER_EMULATOR = 0.2


@dataclass
class Calibration:
    """A checked calibration request (nothing written yet)."""

    scenario_file: Path
    scenario: Scenario
    overrides: dict[str, Any]
    targets_file: Path
    targets: list[Target]
    fits: list[FitParam]
    budget: int
    reps: int
    seed: int
    engine: str = DEFAULT_ENGINE

    @property
    def dims(self) -> int:
        return len(self.fits)


@dataclass
class Result:
    """What a calibration found (values in the keys' units, shares for targets)."""

    calibration: Calibration
    posterior: Posterior
    best: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    waves: list[int]
    runs: int
    check_values: np.ndarray            # (check runs, targets): posterior-draw runs
    best_values: np.ndarray             # (reps, targets): runs at the best values
    curves: dict[str, pd.DataFrame] = field(default_factory=dict)   # measure -> hours x quantiles
    chance_sd: np.ndarray | None = None


def _whole(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ScenarioError(name, "", f"got {value!r}; allowed: a whole number from {low:,} to {high:,}")
    return value


def waves_of(budget: int, reps: int, dims: int) -> tuple[list[int], int]:
    """Parameter sets per wave and the number of posterior-draw check runs.

    The check takes ``reps`` runs at the best values plus a tenth of the
    budget (at least 8) of posterior draws; the waves share the rest: one wave
    below 12 sets per parameter, two below 24, else three, the first taking
    half. Raises ScenarioError when fewer than 6 sets per parameter + 4 remain.
    """
    def sets_of(runs: int) -> int:
        return (runs - reps - max(8, runs // 10)) // reps

    check, sets, need = max(8, budget // 10), sets_of(budget), 6 * dims + 4
    if sets < need:
        least = next(b for b in range(budget, MAX_BUDGET + 1) if sets_of(b) >= need)
        raise ScenarioError("--budget", "", f"got {budget}; {dims} parameter{'s' if dims > 1 else ''} "
                                            f"with --reps {reps} need at least {least} runs")
    count = 1 if sets < 12 * dims else (2 if sets < 24 * dims else 3)
    if count == 1:
        return [sets], check
    first = math.ceil(sets / 2)
    rest = sets - first
    later = [rest // (count - 1) + (1 if i < rest % (count - 1) else 0) for i in range(count - 1)]
    return [first, *later], check


def prepare(scenario_file: str | Path, targets_file: str | Path, fits: list[FitParam | str],
            budget: int = 400, reps: int = 4, seed: int = DEFAULT_SEED,
            overrides: dict[str, Any] | None = None, engine: str = DEFAULT_ENGINE) -> Calibration:
    """Check every input of a calibration; raise ScenarioError (one line) on the first problem."""
    scenario_file = Path(scenario_file).resolve()
    overrides = dict(overrides or {})
    scenario = load_scenario(scenario_file, overrides)
    targets = load_targets(targets_file)
    targets_file = Path(targets_file)
    fits = check_fits([f if isinstance(f, FitParam) else parse_fit(f) for f in fits], scenario)
    check_horizon(targets, scenario, targets_file, _shortest_run(scenario, fits))
    budget = _whole(budget, "--budget", 1, MAX_BUDGET)
    reps = _whole(reps, "--reps", 1, 1000)
    _whole(seed, "--seed", 0, 2**63 - 1)
    if engine not in ENGINES:
        raise ScenarioError("--engine", "", f"got {engine!r}; allowed: {', '.join(ENGINES)}")
    waves_of(budget, reps, len(fits))
    for fit in fits:
        for bound in (fit.low, fit.high):
            check_work(with_overrides(scenario, {fit.key: fit.value(fit.unit(bound))}), engine)
    return Calibration(scenario_file, scenario, overrides, targets_file, targets, fits, budget, reps,
                       seed, engine)


def _shortest_run(scenario: Scenario, fits: list[FitParam]) -> float:
    """The shortest run of the calibration (hours): ``scenario.hours``, or the low
    end of its range when it is fitted."""
    hours = scenario.hours
    return min([hours] + [f.low for f in fits if f.key == "scenario.hours"])


def check_out(out: Path) -> None:
    """Refuse an --out folder that is not empty nor a calibration breachsim wrote."""
    check_claimable(out, "calibrate")


# ---- runs -------------------------------------------------------------------------
def _batch(cal: Calibration, out: Path, name: str, draws: list[dict], seed: int, workers, progress,
           say) -> tuple[np.ndarray, pd.DataFrame, pd.DataFrame]:
    """Run one batch of per-replication parameter sets: target values per replication
    (NaN where a run failed), the time series and the runs table."""
    spec = BatchSpec(cal.scenario_file, name, [cal.scenario_file], len(draws), seed, cal.engine,
                     dict(cal.overrides), draws=draws)
    result = run_batch(spec, out, workers=workers, resume=True, progress=progress, say=say,
                       reuse_any=True)
    values = np.full((len(draws), len(cal.targets)), np.nan)
    if result.runs_path is None:
        raise ScenarioError(out / "manifest.json", "", f"every run failed ({result.first_error})")
    runs = pd.read_parquet(result.runs_path, columns=["run", "replication", "agents", "affected_agents"])
    series = pd.read_parquet(result.timeseries_path)
    for run, frame in series.groupby("run", sort=False):
        row = runs.loc[runs["run"] == run].iloc[0]
        values[int(row["replication"])] = run_values(frame, cal.targets, int(row["agents"]),
                                                     int(row["affected_agents"]))
    return values, series, runs


def _point_stats(values: np.ndarray, reps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per parameter set: mean, chance variance of one run, variance of the mean.

    A share undefined in every replication (nobody aware yet) counts as 0.
    """
    grouped = values.reshape(-1, reps, values.shape[1])
    count = np.sum(np.isfinite(grouped), axis=1)
    with warnings_off():
        mean = np.where(count > 0, np.nanmean(grouped, axis=1), 0.0)
        var = np.where(count > 1, np.nanvar(grouped, axis=1, ddof=1), np.nan)
    return mean, var, np.where(count > 0, np.nan_to_num(var, nan=0.0) / np.maximum(count, 1), 0.0)


@contextmanager
def warnings_off():
    """Silence numpy's all-NaN slice warnings inside a block."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


# ---- the posterior ------------------------------------------------------------------
def _posterior(cal: Calibration, units: np.ndarray, means: np.ndarray, mean_var: np.ndarray,
               chance_var: np.ndarray) -> Posterior:
    """Emulators and posterior. BLAS runs on one thread here: for these small matrices
    threads only wait for each other (measured 6x slower with two on a busy 2-core machine)."""
    y = np.array([t.value for t in cal.targets])
    sd = np.array([t.sd for t in cal.targets])
    weight = np.array([t.weight for t in cal.targets])
    with threadpool_limits(1):
        emulators = fit_emulators(units, means, mean_var, seed=cal.seed % 2**32)
        return sample_posterior(lambda u: log_likelihood(emulators.predict, u, y, sd, weight, chance_var),
                                cal.dims, seed=cal.seed % 2**32)


def _next_units(cal: Calibration, posterior: Posterior, n: int, wave: int) -> np.ndarray:
    from_post = min(int(round(FROM_POSTERIOR * n)), n)
    unique = np.unique(posterior.units, axis=0)
    order = np.random.default_rng([cal.seed % 2**32, wave]).permutation(len(unique))
    picked = unique[order[:from_post]]
    fresh = qmc.LatinHypercube(d=cal.dims, seed=np.random.default_rng([cal.seed % 2**32, wave, 1]))
    return np.vstack([picked, fresh.random(n - len(picked))])


def _rounded_units(cal: Calibration, units: np.ndarray) -> tuple[np.ndarray, list[dict]]:
    """The design's overrides (values rounded) and their exact positions in the unit cube."""
    points = to_values(cal.fits, units)
    exact = np.array([[f.unit(p[f.key]) for f in cal.fits] for p in points])
    return exact, points


def calibrate(cal: Calibration, out: str | Path, workers: int | None = None, progress: bool = True,
              say: Callable[[str], None] | None = None) -> Result:
    """Run the calibration into ``out`` (waves in ``out/waves``, check runs in ``out/check``)."""
    out = Path(out)
    claim_folder(out, "calibrate")
    say = say or (lambda line: None)
    sizes, check = waves_of(cal.budget, cal.reps, cal.dims)
    units = np.empty((0, cal.dims))
    means, mean_var = np.empty((0, len(cal.targets))), np.empty((0, len(cal.targets)))
    posterior = chance_var = None
    for k, size in enumerate(sizes, start=1):
        if k == 1:
            design = qmc.LatinHypercube(d=cal.dims, seed=np.random.default_rng(cal.seed % 2**32)).random(size)
        else:
            design = _next_units(cal, posterior, size, k)
        exact, points = _rounded_units(cal, design)
        say(f"wave {k} of {len(sizes)}: {size} parameter sets x {cal.reps} runs")
        draws = [p for p in points for _ in range(cal.reps)]
        values, _, _ = _batch(cal, out / "waves" / f"wave{k}", f"calibration wave {k}", draws,
                              cal.seed + k, workers, progress, say)
        wave_mean, wave_var, wave_mean_var = _point_stats(values, cal.reps)
        units = np.vstack([units, exact])
        means, mean_var = np.vstack([means, wave_mean]), np.vstack([mean_var, wave_mean_var])
        with warnings_off():
            chance = np.nanmean(wave_var, axis=0) if cal.reps > 1 else np.zeros(len(cal.targets))
        chance_var = np.nan_to_num(chance, nan=0.0)
        if len(cal.targets) >= SAY_EMULATORS:
            say(f"wave {k}: fitting {len(cal.targets)} emulators, one per target point "
                f"(about {SECONDS_PER_EMULATOR * len(cal.targets):.0f} s)")
        posterior = _posterior(cal, units, means, mean_var, chance_var)
    return _finish(cal, out, posterior, units, sizes, check, chance_var, workers, progress, say)


def _finish(cal, out, posterior, units, sizes, check, chance_var, workers, progress, say) -> Result:
    values = np.array([[f.low + u * (f.high - f.low) for f, u in zip(cal.fits, row)]
                       for row in posterior.units])
    best = {f.key: f.value(f.unit(float(np.median(values[:, i])))) for i, f in enumerate(cal.fits)}
    intervals = {f.key: tuple(float(q) for q in np.quantile(values[:, i], CREDIBLE))
                 for i, f in enumerate(cal.fits)}
    draws = [best] * cal.reps + to_values(cal.fits, posterior.units[:check])
    say(f"check: best values x {cal.reps} runs and {check} posterior draws")
    checked, series, runs = _batch(cal, out / "check", "calibration check", draws, cal.seed + 100,
                                   workers, progress, say)
    curves = _curves(cal, series, runs)
    total = sum(sizes) * cal.reps + len(draws)
    return Result(cal, posterior, best, intervals, sizes, total, checked[cal.reps:],
                  checked[:cal.reps], curves, np.sqrt(chance_var))


def _curves(cal: Calibration, series: pd.DataFrame, runs: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per target measure, over time: median and 10-90% of the posterior-draw runs
    (replications from ``reps`` on), and the median of the best-value runs."""
    from ...config.catalog import TARGETS

    info = runs.set_index("run")
    curves = {}
    for measure in dict.fromkeys(t.measure for t in cal.targets):
        top, bottom = TARGETS[measure].numerator, TARGETS[measure].denominator
        frames = []
        for run, frame in series.groupby("run", sort=False):
            den = (frame[bottom].to_numpy(float) if bottom in frame
                   else np.ones(len(frame)) if bottom == "one"
                   else np.full(len(frame), float(info.loc[run, "agents" if bottom == "agents"
                                                           else "affected_agents"])))
            with np.errstate(invalid="ignore", divide="ignore"):
                share = np.where(den > 0, frame[top].to_numpy(float) / den, np.nan)
            frames.append(pd.DataFrame({"hours": frame["hours"].to_numpy(), "share": share,
                                        "best": int(info.loc[run, "replication"]) < cal.reps}))
        long = pd.concat(frames)
        draws = long[~long["best"]].groupby("hours")["share"]
        best = long[long["best"]].groupby("hours")["share"].median()
        curves[measure] = pd.DataFrame({"median": draws.median(), "p10": draws.quantile(0.1),
                                        "p90": draws.quantile(0.9), "best": best})
    return curves
