"""Checks of the Python API's arguments: one ScenarioError naming the argument.

The notebook objects (:mod:`sim.reporting.notebook`), :func:`sim.model.simulate` and the
reporting functions check what they are given before doing any work, so a
wrong type, an absurd number or a missing folder is answered like a bad
scenario file: one :class:`~sim.errors.ScenarioError` line,
``error: sim.Run: seed: got -1; allowed: a whole number from 0 to 2**63 - 1``.
The first part names the function or class, the second its argument. A path
that does not exist is named itself, as the command line names files.

Each ``check_*`` returns the value ready to use (a :class:`~pathlib.Path`,
an ``int``) or raises.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Mapping, Sized
from pathlib import Path
from typing import Any, NoReturn, Sequence

import numpy as np

from ..errors import ScenarioError, shorten

__all__ = ["MAX_SEED", "MAX_WORKERS", "refuse", "shown", "is_whole", "check_whole", "check_seed",
           "check_flag", "check_choice", "check_path", "check_folder",
           "check_out_folder", "check_folder_target", "check_overrides", "check_hours"]

#: Largest seed (seeds are stored as 64-bit integers; as :data:`sim.runs.batchfile.MAX_SEED`).
MAX_SEED = 2**63 - 1
#: Largest seed of one run (a batch derives each run's seed as 64 bits: sim.runs.plan.run_seed).
MAX_RUN_SEED = 2**64 - 1
#: Most local worker processes (as the command line's ``--workers``).
MAX_WORKERS = 4096


def shown(value: Any) -> str:
    """``value`` as an error line shows it: short literals as written, else their type."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (str, bytes, bool, numbers.Number)):
        return shorten(repr(value), 60)
    empty = "an empty " if isinstance(value, Sized) and len(value) == 0 else "a "
    return f"{empty}{type(value).__name__}"


def refuse(where: str, name: str, value: Any, allowed: str) -> NoReturn:
    """Raise the one-line error for argument ``name`` of ``where``: what it got, what is allowed."""
    raise ScenarioError(where, name, f"got {shown(value)}; allowed: {allowed}")


def is_whole(value: Any) -> bool:
    """Whether ``value`` is a whole number (Python or NumPy integer, not a bool)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def check_whole(where: str, name: str, value: Any, lo: int, hi: int) -> int:
    """``value`` as an int if it is a whole number from ``lo`` to ``hi``."""
    if not (is_whole(value) and lo <= value <= hi):
        refuse(where, name, value, f"a whole number from {lo:,} to {hi:,}")
    return int(value)


def check_seed(where: str, value: Any, name: str = "seed", largest: int = MAX_SEED) -> int:
    """A seed: a whole number from 0 to ``largest`` (2**63 - 1 for a base seed; a run's own
    seed, derived from it, may be up to :data:`MAX_RUN_SEED`)."""
    if not (is_whole(value) and 0 <= value <= largest):
        shown_max = "2**64 - 1" if largest == MAX_RUN_SEED else "2**63 - 1" if largest == MAX_SEED \
            else f"{largest:,}"
        refuse(where, name, value, f"a whole number from 0 to {shown_max}")
    return int(value)


def check_flag(where: str, name: str, value: Any) -> bool:
    """``value`` if it is True or False (Python or NumPy)."""
    if not isinstance(value, (bool, np.bool_)):
        refuse(where, name, value, "True or False")
    return bool(value)


def check_choice(where: str, name: str, value: Any, choices: Sequence[str]) -> str:
    """``value`` if it is one of the names ``choices``."""
    if not (isinstance(value, str) and value in choices):
        refuse(where, name, value, ", ".join(choices))
    return value


def check_path(where: str, name: str, value: Any, what: str = "a path (str or Path)") -> Path:
    """``value`` as a Path if it is a non-empty text path (str or os.PathLike)."""
    text = os.fspath(value) if isinstance(value, os.PathLike) else value
    if not isinstance(text, str) or not text.strip() or "\0" in text:
        refuse(where, name, value, what)
    return Path(text)


def check_folder(where: str, name: str, value: Any) -> Path:
    """An existing folder; a path that is missing or not a folder is named itself."""
    path = check_path(where, name, value, "a folder path (str or Path)")
    try:
        is_dir, exists = path.is_dir(), path.exists()
    except (OSError, ValueError) as err:      # a name too long, a loop of links
        raise ScenarioError(path, "", f"cannot use the folder ({type(err).__name__})") from None
    if not is_dir:
        raise ScenarioError(path, "", f"{'not a folder' if exists else 'no such folder'}; "
                                      f"allowed for {name}: an existing folder")
    return path


def check_folder_target(path: Path) -> None:
    """Refuse (ScenarioError) an output folder that is a file or lies under one."""
    path = Path(path)
    for place in (path, *path.parents):
        if place.exists():
            if not place.is_dir():
                raise ScenarioError(place, "", "exists and is a file; --out must name a folder")
            if not os.access(place, os.W_OK | os.X_OK):
                raise ScenarioError(place, "", "not writable; choose another --out")
            return


def check_out_folder(where: str, name: str, value: Any) -> Path:
    """A folder to write into: a path that is a new or existing folder, not a file."""
    path = check_path(where, name, value, "a folder path (str or Path)")
    try:
        check_folder_target(path)
    except ScenarioError:
        raise
    except (OSError, ValueError) as err:
        raise ScenarioError(path, "", f"cannot use the folder ({type(err).__name__})") from None
    return path


def check_overrides(where: str, value: Any) -> dict:
    """Overrides as a dict: None or a mapping of dotted keys (the keys and values are
    checked by :func:`sim.load_scenario`)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        refuse(where, "overrides", value, 'a mapping of dotted key to value, e.g. {"population.size": 5000}')
    return dict(value)


def check_hours(where: str, name: str, value: Any, optional: bool = True, zero: bool = False) -> float | None:
    """A number of hours, finite and > 0 (>= 0 with ``zero``); None if ``optional``."""
    if value is None and optional:
        return None
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value) \
        and (value >= 0 if zero else value > 0)
    if not ok:
        least = ">= 0" if zero else "> 0"
        refuse(where, name, value, f"a finite number of hours {least}" + (", or None" if optional else ""))
    return float(value)
