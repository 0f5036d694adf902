"""What the breach costs the company, from a run's time series: calls and the call
centre's queue, protective action, and the customers expected to leave.

The engines count people (agents) as they learn, meet a scam and lose trust;
this module turns those counts into the company's consequences in people
(agents x people per agent), step by step (docs/MODEL.md, section 7.11):

- calls: of the affected customers newly aware in a step, a share calls
  (``company.calls.told_first`` if the company told them first,
  ``heard_elsewhere`` otherwise), plus a share ``after_scam`` of those who
  read their first impostor message; spread evenly over the step (calls per
  hour);
- the queue: with ``company.call_centre.agents`` > 0, each step's calls meet
  the call centre as a steady state (Erlang A, :mod:`sim.model.call_centre`):
  mean wait (minutes) and calls abandoned per hour;
- protective action: a share ``company.protection.share_of_believers`` of the
  affected customers who believe the news (people, cumulative);
- customers lost: the engines' running sum of current customers' chances of
  leaving (:meth:`sim.model.rules.Rules.churn_chance`), in people.
"""

from __future__ import annotations

import numpy as np

from .call_centre import CallCentre, erlang_a
from ..config.scenario import Scenario

__all__ = ["CONSEQUENCE_COLUMNS", "consequence_columns", "queue_modelled"]

#: The time-series columns this module adds (people, per hour, minutes).
CONSEQUENCE_COLUMNS = ("calls_per_hour", "wait_minutes", "abandoned_per_hour", "protective_people",
                       "customers_lost_people")


def queue_modelled(scenario: Scenario) -> bool:
    """Whether the scenario declares a call centre (``company.call_centre.agents`` > 0)."""
    return scenario.data["company"]["call_centre"]["agents"] > 0


def _new(*columns) -> np.ndarray:
    """Per row: the increase of each cumulative count since the row before (row 0: 0), one
    row of the result (floats) per column."""
    values = np.array(columns, dtype=float)
    return np.diff(values, axis=1, prepend=values[:, :1])


def consequence_columns(columns: dict, scenario: Scenario, people_per_agent: float) -> dict[str, np.ndarray]:
    """The consequence columns (:data:`CONSEQUENCE_COLUMNS`) of a run's ``columns``.

    ``calls_per_hour`` and ``abandoned_per_hour`` are calls per hour during the
    step ending at the row (people); ``wait_minutes`` the mean wait of those
    calls (minutes; NaN without a call centre); ``protective_people`` and
    ``customers_lost_people`` are cumulative (people).
    """
    company = scenario.data["company"]
    calls = company["calls"]
    told_first, aware, scam = _new(columns["first_direct_affected"], columns["aware_affected"],
                                   columns["scam_readers"])
    elsewhere = aware - told_first
    callers = (calls["told_first"] * told_first + calls["heard_elsewhere"] * elsewhere
               + calls["after_scam"] * scam)
    per_hour = callers * people_per_agent / scenario.step_hours
    out = {"calls_per_hour": per_hour}
    if queue_modelled(scenario):
        centre = company["call_centre"]
        figures = erlang_a(per_hour, CallCentre(centre["agents"], centre["handle_minutes"],
                                                centre["patience_minutes"]))
        out["wait_minutes"] = np.asarray(figures.mean_wait_minutes, dtype=float)
        out["abandoned_per_hour"] = per_hour * figures.abandon_share
    else:
        out["wait_minutes"] = np.full(len(per_hour), np.nan)
        out["abandoned_per_hour"] = np.full(len(per_hour), np.nan)
    believers = np.asarray(columns["believing_affected"], dtype=float)
    out["protective_people"] = company["protection"]["share_of_believers"] * believers * people_per_agent
    # a sum of chances (each >= 0) kept as a running sum of changes: rounding can leave it a
    # hair below 0 when every chance returns to 0 (e.g. a full service recovery)
    lost = np.maximum(0.0, np.asarray(columns["expected_customers_lost"], dtype=float))
    out["customers_lost_people"] = lost * people_per_agent
    return out
