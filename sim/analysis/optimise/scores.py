"""Scores of a plan from its runs, their bands, and the non-dominated plans.

A plan's runs give, per measure, one value per (world, replication). The score is the
mean over replications in each world, then over worlds by the rule ``--score``:

- ``mean``: the mean over worlds;
- ``median``: the median over worlds;
- ``p90``: the pessimistic 90th percentile over worlds: the value a plan does no worse
  than in 90% of plausible worlds (the 90th percentile of a measure to minimise, the
  10th of one to maximise).

With one world every rule is the mean over replications. The band is a 95% bootstrap
interval of the score (:data:`BOOTSTRAP` resamples with a fixed seed: of the worlds when
there are several, else of the replications).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["RULES", "score", "band", "non_dominated", "knee"]

RULES = ("mean", "median", "p90")
BOOTSTRAP = 400
BOOTSTRAP_SEED = 21


def _reduce(per_world: np.ndarray, rule: str, lower_is_better: bool, axis: int = -1) -> np.ndarray:
    if rule == "mean" or per_world.shape[axis] == 1:
        return per_world.mean(axis=axis)
    if rule == "median":
        return np.median(per_world, axis=axis)
    return np.quantile(per_world, 0.9 if lower_is_better else 0.1, axis=axis)


def _per_world(values: pd.Series, worlds: pd.Series) -> np.ndarray:
    return values.groupby(worlds.to_numpy()).mean().to_numpy(float)


def score(values: pd.Series, worlds: pd.Series, rule: str, lower_is_better: bool) -> float:
    """The plan's score on one measure (``values`` one per run, ``worlds`` their world)."""
    return float(_reduce(_per_world(values, worlds), rule, lower_is_better))


def band(values: pd.Series, worlds: pd.Series, rule: str, lower_is_better: bool) -> tuple[float, float]:
    """95% bootstrap interval of :func:`score` (NaN, NaN with a single run)."""
    per_world = _per_world(values, worlds)
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    if len(per_world) > 1:
        picks = rng.integers(0, len(per_world), (BOOTSTRAP, len(per_world)))
        stats = _reduce(per_world[picks], rule, lower_is_better, axis=1)
    else:
        runs = values.to_numpy(float)
        if len(runs) < 2:
            return float("nan"), float("nan")
        stats = runs[rng.integers(0, len(runs), (BOOTSTRAP, len(runs)))].mean(axis=1)
    low, high = np.quantile(stats, [0.025, 0.975])
    return float(low), float(high)


def non_dominated(costs: np.ndarray) -> np.ndarray:
    """Which rows are not dominated (``costs``: one row per plan, lower is better in every
    column): no other row is at least as good in every column and better in one."""
    costs = np.asarray(costs, float)
    keep = np.ones(len(costs), bool)
    for i, row in enumerate(costs):
        better_or_equal = (costs <= row).all(axis=1)
        strictly = (costs < row).any(axis=1)
        if (better_or_equal & strictly).any():
            keep[i] = False
    return keep


def knee(costs: np.ndarray) -> int:
    """The row nearest the ideal point, each column scaled from its best to its worst value
    (the balanced plan of a front); ties go to the first row."""
    costs = np.asarray(costs, float)
    low, high = costs.min(axis=0), costs.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    return int(np.argmin(np.sqrt((((costs - low) / span) ** 2).sum(axis=1))))
