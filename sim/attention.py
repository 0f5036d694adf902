"""Attention over time: the day-night profile and public holidays.

Attention multiplies every hazard that needs a person to look (media, Twitter,
reading a direct message, word of mouth). It is 1 on average over an ordinary
day when ``attention.diurnal`` is on, and exactly 1 when it is off (holidays
still scale it by ``attention.holiday_factor``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from .scenario import Scenario


def hourly_profile(scenario: Scenario) -> np.ndarray:
    """Relative attention by local hour 0..23, scaled to a daily mean of 1."""
    profile = np.asarray(scenario.data["attention"]["profile"], dtype=float)
    return profile / profile.mean()


def step_midpoints(scenario: Scenario) -> list[dt.datetime]:
    """Local calendar time at the middle of each step."""
    start, hours = scenario.start, scenario.step_hours
    return [start + dt.timedelta(hours=(k + 0.5) * hours) for k in range(scenario.n_steps)]


def attention_by_step(scenario: Scenario) -> np.ndarray:
    """Attention for each step (length ``n_steps``), read at the step's midpoint.

    Returns the hourly profile value for the local hour (if ``diurnal``) times
    ``holiday_factor`` on listed holiday dates; otherwise 1.
    """
    cfg = scenario.data["attention"]
    holidays = {dt.date.fromisoformat(d) for d in cfg["holidays"]}
    profile = hourly_profile(scenario) if cfg["diurnal"] else np.ones(24)
    out = np.empty(scenario.n_steps)
    for k, moment in enumerate(step_midpoints(scenario)):
        out[k] = profile[moment.hour]
        if moment.date() in holidays:
            out[k] *= cfg["holiday_factor"]
    return out
