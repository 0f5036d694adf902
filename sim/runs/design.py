"""Design points of a batch: a full-factorial grid or a sample of ranges.

Samples: Latin hypercube (scipy's ``qmc.LatinHypercube``), plain random,
and Sobol (Saltelli) or Morris designs from SALib, which the ``sensitivity``
command analyses. A range whose two bounds are whole numbers gives whole
numbers.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

__all__ = ["Design", "build_design", "point_count"]


@dataclass
class Design:
    """The points of a batch, each a dict of scenario overrides."""

    method: str                       # none | grid | lhs | random | sobol | morris
    keys: list[str]
    points: list[dict[str, Any]]
    problem: dict[str, Any] = field(default_factory=dict)   # SALib problem (samples)
    options: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"method": self.method, "keys": self.keys, "problem": self.problem,
                "options": self.options, "points": self.points}


def point_count(grid: dict[str, list], sample: dict[str, Any]) -> int:
    """Design points a grid or sample makes, without making them.

    Grid: the product of the value counts; lhs and random: n; Sobol
    (Saltelli, first and total order): n x (keys + 2); Morris: n x (keys + 1);
    no design: 1.
    """
    if grid:
        return math.prod(len(values) for values in grid.values())
    if not sample:
        return 1
    n, keys = sample["n"], len(sample["ranges"])
    return {"sobol": n * (keys + 2), "morris": n * (keys + 1)}.get(sample["method"], n)


class DesignSpec(Protocol):
    """What a design is built from: a batch's ``[grid]`` and ``[sample]`` tables
    (:class:`sim.runs.batchfile.BatchSpec` has both)."""

    grid: dict[str, list]
    sample: dict[str, Any] | None


def build_design(spec: DesignSpec) -> Design:
    """The batch's design points (one empty point if it has no design)."""
    if spec.grid:
        keys = list(spec.grid)
        points = [dict(zip(keys, combo)) for combo in itertools.product(*spec.grid.values())]
        return Design("grid", keys, points)
    if spec.sample:
        return _sample(spec.sample)
    return Design("none", [], [{}])


def _sample(sample: dict) -> Design:
    keys = list(sample["ranges"])
    bounds = [sample["ranges"][k] for k in keys]
    problem = {"num_vars": len(keys), "names": keys, "bounds": [[float(a), float(b)] for a, b in bounds]}
    method, n, seed = sample["method"], sample["n"], sample["seed"]
    options: dict[str, Any] = {"n": n, "seed": seed}
    if method == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(keys), seed=np.random.default_rng(seed)).random(n)
        values = qmc.scale(unit, *np.array(problem["bounds"]).T)
    elif method == "random":
        low, high = np.array(problem["bounds"]).T
        values = low + np.random.default_rng(seed).random((n, len(keys))) * (high - low)
    elif method == "sobol":
        from SALib.sample import sobol

        values = sobol.sample(problem, n, calc_second_order=False, seed=seed)
        options["calc_second_order"] = False
    else:
        from SALib.sample import morris

        levels = sample.get("num_levels", 4)
        values = morris.sample(problem, n, num_levels=levels, seed=seed)
        options["num_levels"] = levels
    whole = [all(isinstance(b, int) for b in pair) for pair in bounds]
    points = [{k: (int(round(v)) if w else float(v)) for k, v, w in zip(keys, row, whole)}
              for row in values]
    return Design(method, keys, points, problem, options)
