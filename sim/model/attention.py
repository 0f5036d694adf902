"""Attention over time: the day-night profile and public holidays.

Attention multiplies every hazard that needs a person to look (media, Twitter,
reading a direct message, word of mouth). It is 1 on average over an ordinary
day when ``attention.diurnal`` is on, and exactly 1 when it is off (holidays
still scale it by ``attention.holiday_factor``).
"""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np

from ..config.scenario import Scenario


def attention_by_step(scenario: Scenario) -> np.ndarray:
    """Attention for each step (length ``n_steps``), read at the step's midpoint.

    Returns the hourly profile value for the local hour (if ``diurnal``) times
    ``holiday_factor`` on listed holiday dates; otherwise 1. The array is
    shared by every run with the same calendar and is read-only.
    """
    cfg = scenario.attention
    return _attention(scenario.start_text, scenario.step_hours, scenario.n_steps,
                      tuple(cfg["profile"]) if cfg["diurnal"] else None,
                      tuple(cfg["holidays"]), float(cfg["holiday_factor"]))


@functools.lru_cache(maxsize=64)
def _attention(start: str, step_hours: float, n_steps: int, profile: tuple | None,
               holidays: tuple, holiday_factor: float) -> np.ndarray:
    first = dt.datetime.fromisoformat(start)
    days = {dt.date.fromisoformat(d) for d in holidays}
    by_hour = np.asarray(profile, dtype=float) / np.mean(profile) if profile else np.ones(24)
    out = np.empty(n_steps)
    for k in range(n_steps):
        moment = first + dt.timedelta(hours=(k + 0.5) * step_hours)
        out[k] = by_hour[moment.hour]
        if moment.date() in days:
            out[k] *= holiday_factor
    out.setflags(write=False)
    return out
