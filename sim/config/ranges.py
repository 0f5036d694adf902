"""Plausible ranges of the model's assumptions (``sim/ranges.toml``).

Each assumption (a default labelled ASSUMPTION in ``sim/defaults.toml``, or one
whose source is contested) has a lowest and highest plausible value and the
reason for them. The robustness analysis samples worlds from these ranges; a
user's ranges file (same layout) replaces entries key by key.

Every range is checked against the schema: the key exists and holds a number,
``low < high`` and not too narrow (:func:`width_problem`), both inside the
key's allowed range, and (for the bundled file) the default inside
``[low, high]``. A user's file is read like a scenario file
(:func:`sim.config.readers.read_user_text`: regular files only, bounded size, UTF-8).
:func:`check_applicable` checks that every range can be set in the compared
scenarios (a list item they have, a cohort key). Problems raise
:class:`~sim.errors.ScenarioError` naming the file and the key.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import ScenarioError
from .scenario import Scenario, default_data, parse_toml, read_text_file, with_overrides
from .moved import new_key
from .schema import Invalid, OneOrPerCohort, label_of, lookup_spec, number_kind

__all__ = ["Range", "plausible_ranges", "read_ranges", "check_applicable", "width_problem",
           "RANGES_NAME", "MIN_WIDTH", "MIN_RELATIVE_WIDTH"]

RANGES_NAME = "ranges.toml"
ENTRY_KEYS = ("low", "high", "why")
#: Narrowest range sampled or fitted: at least this wide in the key's units ...
MIN_WIDTH = 1e-9
#: ... and at least this share of its largest bound (values are kept to 6 significant digits).
MIN_RELATIVE_WIDTH = 1e-4
#: What a ranges file is, in error lines.
WHAT = "a ranges file (TOML, the layout of sim/ranges.toml)"


def width_problem(low: float, high: float) -> str | None:
    """What is wrong with the range ``[low, high]`` of finite numbers, or None.

    A range must have ``low < high`` and be wide enough to sample: at least
    :data:`MIN_WIDTH` and :data:`MIN_RELATIVE_WIDTH` of ``max(|low|, |high|)``
    (a denormal or one-ulp range would give rounding noise, not a design).
    """
    if not low < high:
        return f"low {low!r} is not below high {high!r}; allowed: low < high"
    need = max(MIN_WIDTH, MIN_RELATIVE_WIDTH * max(abs(low), abs(high)))
    if high - low < need:
        return (f"{low!r} to {high!r} is too narrow; allowed: a range at least {MIN_WIDTH:g} wide "
                f"and at least {MIN_RELATIVE_WIDTH:.2%} of its largest bound (here {need:.3g})")
    return None


@dataclass(frozen=True)
class Range:
    """The plausible values of one assumption.

    Attributes
    ----------
    key : str
        Dotted scenario key, e.g. ``"trust.company"``.
    low, high : float
        Lowest and highest plausible value, in the key's units.
    why : str
        The reason for the range, with its source where there is one.
    default : float
        The value in ``sim/defaults.toml``.
    """

    key: str
    low: float
    high: float
    why: str
    default: float
    source: str = field(default="", compare=False)     # the file the range came from

    @property
    def label(self) -> str:
        """The key's readable label (:func:`sim.config.schema.label_of`)."""
        return label_of(self.key)


def plausible_ranges(path: str | os.PathLike | None = None) -> dict[str, Range]:
    """The bundled plausible ranges, with the entries of the file ``path``
    (if given) replacing those of the same key and adding new ones.

    Returns a dict of dotted key to :class:`Range`, in file order.
    """
    text = resources.files("sim").joinpath(RANGES_NAME).read_text(encoding="utf-8")
    ranges = _checked(parse_toml(text, f"sim/{RANGES_NAME}"), f"sim/{RANGES_NAME}",
                      need_default_inside=True)
    if path is not None:
        ranges.update(read_ranges(path))
    return ranges


def read_ranges(path: str | os.PathLike) -> dict[str, Range]:
    """Only the ranges in the file ``path`` (a user's file may put a default
    outside its range: that is a claim that the default is wrong)."""
    if not isinstance(path, (str, os.PathLike)):
        raise ScenarioError("ranges", "", f"got {type(path).__name__}; allowed: a file path")
    path = Path(path)
    return _checked(parse_toml(read_text_file(path, "", WHAT), path), str(path),
                    need_default_inside=False)


def check_applicable(ranges: dict[str, Range], scenarios: list[Scenario]) -> None:
    """Every range can be set in every scenario (a list item the scenario has, a
    cohort of a key), tried at the range's middle. Raises ScenarioError naming
    the ranges file, the key and the scenario."""
    for key, entry in ranges.items():
        for scenario in scenarios:
            try:
                with_overrides(scenario, {key: (entry.low + entry.high) / 2})
            except ScenarioError as err:
                name = scenario.path.name if scenario.path else scenario.name
                raise ScenarioError(entry.source or RANGES_NAME, key,
                                    f"cannot be set in {name}: {err.message}") from None



def _checked(raw: dict, source: str, need_default_inside: bool) -> dict[str, Range]:
    defaults = default_data()
    out = {}
    for given, entry in raw.items():
        key = new_key(given)              # a key that moved is read under its new name
        out[key] = _entry(key, entry, source, defaults, need_default_inside)
    return out


def _entry(key: str, entry: Any, source: str, defaults: dict,
           need_default_inside: bool) -> Range:
    def fail(message: str):
        raise ScenarioError(source, key, message)

    try:
        spec = lookup_spec(key)
    except Invalid as err:
        fail(str(err) if str(err).startswith("not a scenario key") else f"not a scenario key ({err})")
    if isinstance(spec, OneOrPerCohort):
        spec = spec.value
    if number_kind(spec) not in ("number", "share"):
        fail("not a number key; plausible ranges are for numbers")
    if not isinstance(entry, dict) or set(entry) != set(ENTRY_KEYS):
        fail(f"allowed: a table with exactly {', '.join(ENTRY_KEYS)}")
    low, high, why = entry["low"], entry["high"], entry["why"]
    for name, value in (("low", low), ("high", high)):
        if not spec.test(value):
            fail(f"{name} = {value!r}; allowed: {spec.allowed}")
    problem = width_problem(float(low), float(high))
    if problem:
        fail(problem)
    if not isinstance(why, str) or not why.strip():
        fail("why: allowed: the reason for the range, as text")
    default = _default(defaults, key)
    if default is None and not need_default_inside:
        default = math.nan                    # a key only scenarios set (a medium they declare)
    if not isinstance(default, (int, float)) or isinstance(default, bool):
        fail("the default is a table (e.g. one value per cohort); give a range per cohort key")
    if need_default_inside and not low <= default <= high:
        fail(f"the default {default:g} is outside [{low:g}, {high:g}]")
    return Range(key, float(low), float(high), why.strip(), float(default), str(source))


def _default(defaults: dict, key: str) -> Any:
    node: Any = defaults
    for part in key.split("."):
        if isinstance(node, list):
            return math.nan                   # list items have no default
        if not isinstance(node, dict):
            return node                       # one value for every cohort
        node = node.get(part)
    return node
