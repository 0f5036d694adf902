"""Observed data to calibrate against: a target file and the model's value of each target.

A target file is a CSV with the columns ``measure,hours,value`` and optionally
``weight`` and ``sd``; lines starting with ``#`` are comments (give the
sources there)::

    # 9/11: Kanihan and Gale 2003, college students
    measure,hours,value,sd
    aware,3,0.97,0.02
    first_word_of_mouth,3,0.48,0.03

``hours`` are hours since the scenario's start; ``value`` is a share in
[0, 1]; ``sd`` is the target's standard error (a share; default
:data:`DEFAULT_SD`); ``weight`` (default 1) multiplies the point's say in the
fit. The measures (:data:`sim.config.catalog.TARGETS`) are read off one run's time series,
linearly interpolated between rows.

The file is read like a scenario file (:func:`sim.config.readers.read_user_text`:
regular files only, at most :data:`MAX_TARGET_BYTES`, UTF-8) and holds at most
:data:`MAX_TARGETS` rows: each target point is one emulator fitted in every
wave (about 0.2 s each), so a long series would run for many minutes.
Every problem is one :class:`~sim.errors.ScenarioError` naming the file, the
line and what is allowed.
"""

from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .catalog import TARGETS
from ..errors import ScenarioError, shorten
from .scenario import Scenario, read_text_file

__all__ = ["TARGETS", "DEFAULT_SD", "MAX_TARGETS", "MAX_TARGET_BYTES", "Target", "load_targets",
           "check_horizon", "run_values"]

#: Standard error (share) of a target without an ``sd``: the sampling error of a
#: share near 50% in a survey of about 600 people.
DEFAULT_SD = 0.02
COLUMNS = ("measure", "hours", "value", "weight", "sd")
#: Most target rows in a file: each is one emulator per wave (about 0.2 s each).
MAX_TARGETS = 200
#: Largest target file read (bytes): 1 MB holds thousands of rows with comments.
MAX_TARGET_BYTES = 1024 * 1024
#: What a target file is, in error lines.
WHAT = "a target file (CSV: measure,hours,value[,weight,sd])"


@dataclass(frozen=True)
class Target:
    """One observed point: ``measure`` at ``hours`` was ``value`` (share), with
    standard error ``sd`` (share) and ``weight``."""

    measure: str
    hours: float
    value: float
    sd: float = DEFAULT_SD
    weight: float = 1.0
    line: int = field(default=0, compare=False)      # line in its file (0: not from a file)

    @property
    def label(self) -> str:
        return f"{self.measure} at {self.hours:g} h"


def _number(text: str, path: Path, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ScenarioError(path, where, f"got {shorten(repr(text), 40)}; allowed: a number") from None
    if not math.isfinite(value):
        raise ScenarioError(path, where, f"got {text}; allowed: a finite number")
    return value


def _rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (line number, cells) of the data lines, comments and blank lines skipped."""
    text = read_text_file(path, "", WHAT, MAX_TARGET_BYTES)
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1)
             if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise ScenarioError(path, "", "no header line; expected the columns measure,hours,value")
    try:
        cells = [(n, next(csv.reader(io.StringIO(line)))) for n, line in lines]
    except csv.Error as err:
        raise ScenarioError(path, "", f"not a readable CSV file ({err})") from None
    header = [c.strip() for c in cells[0][1]]
    return header, cells[1:]


def load_targets(path: str | Path) -> list[Target]:
    """Read and check a target file (see the module docstring).

    Raises ScenarioError (naming the file, line and column) for a missing or
    unknown column, an unknown measure, a value outside [0, 1], negative
    hours, a non-positive sd or weight, a wrong number of cells, or no rows.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise ScenarioError("--target", "", f"got {type(path).__name__}; allowed: the path of {WHAT}")
    path = Path(path)
    header, rows = _rows(path)
    for name in header:
        if name not in COLUMNS:
            raise ScenarioError(path, "line 1", f"unknown column {shorten(repr(name), 40)}; "
                                                f"allowed: {', '.join(COLUMNS)}")
    missing = [c for c in COLUMNS[:3] if c not in header]
    if missing or len(set(header)) != len(header):
        raise ScenarioError(path, "line 1", "the header needs the columns measure,hours,value "
                                            "once each (optional: weight, sd)")
    if not rows:
        raise ScenarioError(path, "", "no target rows")
    if len(rows) > MAX_TARGETS:
        raise ScenarioError(path, f"line {rows[MAX_TARGETS][0]}",
                            f"{len(rows):,} target rows; allowed: at most {MAX_TARGETS} (each is "
                            "one emulator fitted in every wave, about 0.2 s each): keep fewer "
                            "points, e.g. one every few hours")
    return [_target(path, n, dict(zip(header, (c.strip() for c in cells))), len(cells), len(header))
            for n, cells in rows]


def _target(path: Path, line: int, cells: dict[str, str], got: int, want: int) -> Target:
    where = f"line {line}"
    if got != want:
        raise ScenarioError(path, where, f"{got} cells; the header has {want}")
    measure = cells["measure"]
    if measure not in TARGETS:
        raise ScenarioError(path, f"{where}: measure", f"got {shorten(repr(measure), 40)}; "
                                                       f"allowed: {', '.join(TARGETS)}")
    hours = _number(cells["hours"], path, f"{where}: hours")
    value = _number(cells["value"], path, f"{where}: value")
    if hours < 0:
        raise ScenarioError(path, f"{where}: hours", f"got {hours:g}; allowed: hours >= 0 since the start")
    if not 0.0 <= value <= 1.0:
        raise ScenarioError(path, f"{where}: value", f"got {value:g}; allowed: a share in [0, 1]")
    sd = _number(cells["sd"], path, f"{where}: sd") if cells.get("sd", "") != "" else DEFAULT_SD
    weight = _number(cells["weight"], path, f"{where}: weight") if cells.get("weight", "") != "" else 1.0
    if not 0.0 < sd <= 1.0:
        raise ScenarioError(path, f"{where}: sd", f"got {sd:g}; allowed: a share in (0, 1]")
    if not 0.0 < weight <= 1e6:
        raise ScenarioError(path, f"{where}: weight", f"got {weight:g}; allowed: a number in (0, 1e6]")
    return Target(measure, hours, value, sd, weight, line)


def check_horizon(targets: list[Target], scenario: Scenario, path: str | Path,
                  hours: float | None = None) -> None:
    """Every target lies within the run: ``hours`` (default the scenario's
    ``scenario.hours``; a calibration fitting that key gives its lowest value).

    Raises ScenarioError naming the target's line and the allowed range.
    """
    hours = float(scenario.data["scenario"]["hours"]) if hours is None else float(hours)
    for target in targets:
        if target.hours > hours + 1e-9:
            where = f"line {target.line}: hours" if target.line else target.label
            raise ScenarioError(path, where, f"got {target.hours:g} ({target.measure}); the run "
                                             f"lasts {hours:g} hours; allowed: hours within the "
                                             f"run, 0 to {hours:g}")


def run_values(series: pd.DataFrame, targets: list[Target], agents: int, affected: int) -> np.ndarray:
    """The model's value of each target in one run (shares; NaN where undefined).

    ``series`` is the run's time series (:data:`sim.model.measures.COLUMNS`);
    counts are interpolated linearly between rows at each target's hours. A
    share of aware people (or of contacted customers) is NaN while nobody is.
    """
    hours = series["hours"].to_numpy(dtype=float)
    fixed = {"agents": float(agents), "affected": float(affected), "one": 1.0}
    values = np.empty(len(targets))
    for i, target in enumerate(targets):
        top, bottom = TARGETS[target.measure].numerator, TARGETS[target.measure].denominator
        num = np.interp(target.hours, hours, series[top].to_numpy(dtype=float))
        den = fixed[bottom] if bottom in fixed else np.interp(
            target.hours, hours, series[bottom].to_numpy(dtype=float))
        values[i] = num / den if den > 0 else math.nan
    return values
