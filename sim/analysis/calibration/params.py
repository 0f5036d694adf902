"""The parameters a calibration fits: ``--fit KEY=LO:HI``, checked against the schema.

A fitted key is any scenario key holding a number (dotted; list items by
index, e.g. ``channels.media.releases.0.reach``; a trust key fits the one
value every cohort gets). Its range must lie within what the schema allows
and be wide enough to sample (:func:`sim.config.ranges.width_problem`: a denormal or
one-ulp range is refused); a whole-number key needs whole-number bounds.
The prior is uniform over the box of ranges.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import ScenarioError, shorten
from ...config.ranges import MIN_RELATIVE_WIDTH, MIN_WIDTH, width_problem
from ...config.scenario import Scenario, with_overrides
from ...config.schema import Field, Invalid, OneOrPerCohort, lookup_spec

__all__ = ["FitParam", "parse_fit", "check_fits", "to_values", "round_value"]

#: Significant digits of design values (identities of runs stay stable on resume).
DIGITS = 6


@dataclass(frozen=True)
class FitParam:
    """One fitted key with its range [low, high] (in the key's own units);
    ``whole`` for keys that hold whole numbers."""

    key: str
    low: float
    high: float
    whole: bool = False

    def value(self, unit: float) -> float | int:
        """The key's value at ``unit`` in [0, 1] of its range (rounded, see :data:`DIGITS`)."""
        return round_value(self.low + unit * (self.high - self.low), self.whole)

    def unit(self, value: float) -> float:
        return (value - self.low) / (self.high - self.low)


def round_value(value: float, whole: bool = False) -> float | int:
    if whole:
        return int(round(value))
    if value == 0:
        return 0.0
    return float(f"{value:.{DIGITS}g}")


def _number(text: str, option: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ScenarioError("--fit", option, f"got {shorten(repr(text), 40)}; allowed: KEY=LO:HI "
                                             "with finite numbers LO < HI")
    return value


def parse_fit(text: str) -> FitParam:
    """``"word_of_mouth.social=0.001:0.02"`` -> FitParam (the key is checked by :func:`check_fits`)."""
    key, eq, bounds = str(text).partition("=")
    low, colon, high = bounds.partition(":")
    key = key.strip()
    if not (eq and colon and key):
        raise ScenarioError("--fit", shorten(str(text), 80), "allowed: KEY=LO:HI, e.g. "
                                                             "word_of_mouth.social=0.001:0.02")
    lo, hi = _number(low.strip(), key), _number(high.strip(), key)
    _check_bounds(key, lo, hi)
    return FitParam(key, lo, hi)


def _check_bounds(key: str, lo: float, hi: float) -> None:
    """Finite bounds, LO < HI, and a range wide enough to fit (else ScenarioError)."""
    if not all(isinstance(b, (int, float)) and not isinstance(b, bool) and math.isfinite(b)
               for b in (lo, hi)):
        raise ScenarioError("--fit", key, f"got {lo!r}:{hi!r}; allowed: finite numbers LO < HI")
    if lo >= hi:
        raise ScenarioError("--fit", key, f"got {lo:g}:{hi:g}; allowed: LO < HI")
    if width_problem(lo, hi):
        raise ScenarioError("--fit", key, f"got {lo!r}:{hi!r}, too narrow to fit; allowed: LO < HI "
                                          f"with HI - LO at least {MIN_WIDTH:g} and at least "
                                          f"{MIN_RELATIVE_WIDTH:.2%} of max(|LO|, |HI|)")


def _field_of(key: str) -> Field:
    try:
        spec: Any = lookup_spec(key)
    except Invalid as err:
        raise ScenarioError("--fit", key, f"not a scenario key: {err} (see docs/MODEL.md, "
                                          "\"Scenario keys\"; list items by index)") from None
    if isinstance(spec, OneOrPerCohort):
        spec = spec.value
    if not isinstance(spec, Field) or spec.convert not in (float, int):
        raise ScenarioError("--fit", key, "not a number; only keys that hold a number can be fitted")
    return spec


def check_fits(fits: list[FitParam], scenario: Scenario) -> list[FitParam]:
    """The fits checked against the schema and the scenario; whole-number keys marked.

    Raises ScenarioError for an unknown key, a key that is not a number, a
    key given twice, a range outside what the key allows, or a list item the
    scenario does not have.
    """
    if not fits:
        raise ScenarioError("--fit", "", "give at least one KEY=LO:HI to fit")
    seen: set[str] = set()
    checked = []
    for fit in fits:
        if fit.key in seen:
            raise ScenarioError("--fit", fit.key, "given twice")
        seen.add(fit.key)
        _check_bounds(fit.key, fit.low, fit.high)
        field = _field_of(fit.key)
        whole = field.convert is int
        for bound in (fit.low, fit.high):
            value = int(round(bound)) if whole else bound
            if whole and value != bound:
                raise ScenarioError("--fit", fit.key, f"got {bound:g}; the key holds whole numbers; "
                                                      f"allowed: whole-number bounds ({field.allowed})")
            if not field.test(value):
                raise ScenarioError("--fit", fit.key, f"range {fit.low:g}:{fit.high:g} is outside "
                                                      f"what the key allows ({field.allowed})")
            try:
                with_overrides(scenario, {fit.key: value})
            except ScenarioError as err:
                raise ScenarioError("--fit", fit.key, f"{err.message} (at {value:g})") from None
        checked.append(FitParam(fit.key, fit.low, fit.high, whole))
    return checked


def to_values(fits: list[FitParam], units: np.ndarray) -> list[dict[str, float | int]]:
    """Overrides from points in the unit cube (one row per point)."""
    return [{f.key: f.value(u) for f, u in zip(fits, row)} for row in np.atleast_2d(units)]
