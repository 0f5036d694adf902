"""The constraints a plan is made to keep before it runs (``start`` and ``throughput``).

- ``start>=H``: the levers of campaign starts are bounded below by H (:func:`bound_levers`);
  a campaign whose start is not levered and falls before H is refused up front.
- ``throughput.MEDIUM<=N``: a plan whose campaigns of MEDIUM send more than N an hour
  together has its *levered* throughputs of that medium scaled down, in proportion, until
  the sum is N (:func:`make_repair`): a search then meets the cap exactly instead of
  probing around it. A plan whose fixed throughputs alone exceed the cap is infeasible
  (:class:`Infeasible`) and never runs; a scenario that can never keep to it is refused.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Callable

from ...config.scenario import Scenario
from ...errors import ScenarioError
from .goals import Constraint
from .levers import Lever, list_root

__all__ = ["Infeasible", "bound_levers", "make_repair", "CAMPAIGNS"]

CAMPAIGNS = "channels.direct.campaigns"


class Infeasible(Exception):
    """A plan that cannot keep to an input constraint (it is not run)."""


def _campaign_lever(lever: Lever, field: str) -> int | None:
    """The campaign index of a lever on ``channels.direct.campaigns.I.<field>``, else None."""
    parts = lever.key.split(".")
    if list_root(lever.key) == CAMPAIGNS and len(parts) == 5 and parts[4] == field:
        return int(parts[3])
    return None


def bound_levers(levers: list[Lever], constraints: list[Constraint], base: Scenario) -> list[Lever]:
    """The levers with campaign starts bounded by every ``start>=H`` and throughputs by every
    cap less the fixed throughputs of its medium; refuses a fixed start before H and a start
    lever that cannot reach H."""
    return _bound_rates(_bound_starts(levers, constraints, base), constraints, base)


def _bound_rates(levers: list[Lever], constraints: list[Constraint], base: Scenario) -> list[Lever]:
    campaigns = base.get(CAMPAIGNS)
    rates = {i: lv for lv in levers if (i := _campaign_lever(lv, "per_hour")) is not None}
    out = list(levers)
    for cap in (c for c in constraints if c.kind == "throughput"):
        fixed = sum(c["per_hour"] for i, c in enumerate(campaigns) if c["medium"] == cap.name and i not in rates)
        for i, lever in rates.items():
            if campaigns[i]["medium"] != cap.name or lever.kind == "choice":
                continue
            room = cap.bound - fixed
            if room < lever.low:
                continue                       # the repair decides, plan by plan
            high = math.floor(room) if lever.kind == "int" else room
            k = out.index(lever)
            out[k] = rates[i] = dataclasses.replace(lever, high=min(lever.high, high))
    return out


def _bound_starts(levers: list[Lever], constraints: list[Constraint], base: Scenario) -> list[Lever]:
    starts = [c for c in constraints if c.kind == "start"]
    if not starts:
        return levers
    earliest = max(c.bound for c in starts)
    out = []
    levered = set()
    for lever in levers:
        index = _campaign_lever(lever, "start_hour")
        if index is None:
            out.append(lever)
            continue
        levered.add(index)
        if lever.kind == "choice":
            early = [v for v in lever.choices if v < earliest]
            if early:
                raise ScenarioError("--lever", lever.key, f"choice {early[0]:g} is before the earliest start "
                                    f"allowed (--constraint start>={earliest:g}); give later choices")
            out.append(lever)
        elif lever.high < earliest:
            raise ScenarioError("--lever", lever.key, f"its range ends at {lever.high:g} h, before the earliest "
                                f"start allowed (--constraint start>={earliest:g})")
        else:
            low = max(lever.low, math.ceil(earliest) if lever.kind == "int" else earliest)
            out.append(dataclasses.replace(lever, low=low))
    for i, campaign in enumerate(base.get(CAMPAIGNS)):
        if i not in levered and campaign["start_hour"] < earliest:
            raise ScenarioError("--constraint", starts[0].text,
                                f"campaign {i + 1} starts at {campaign['start_hour']:g} h, before the earliest "
                                f"start allowed; lever its start (--lever {CAMPAIGNS}.{i}.start_hour="
                                f"{earliest:g}:48) or change the scenario")
    return out


def make_repair(levers: list[Lever], constraints: list[Constraint], base: Scenario
                ) -> Callable[[dict[str, list]], None]:
    """The repair :func:`sim.analysis.optimise.levers.plan_data` calls on a plan's lists:
    levered throughputs scaled down to every ``throughput`` cap (raises :class:`Infeasible`).

    Refuses up front a cap the scenario's campaigns break when no lever can change them."""
    caps = [c for c in constraints if c.kind == "throughput"]
    rate_levers = {i: lv for lv in levers if (i := _campaign_lever(lv, "per_hour")) is not None}
    changes_rates = bool(rate_levers) or any(
        lv.kind == "switch" and lv.key.startswith(CAMPAIGNS + ".") or _campaign_lever(lv, "medium") is not None
        for lv in levers)
    if caps and not changes_rates:
        for cap in caps:
            total = sum(c["per_hour"] for c in base.get(CAMPAIGNS) if c["medium"] == cap.name)
            if total > cap.bound:
                raise ScenarioError("--constraint", cap.text, f"the scenario's {cap.name} campaigns send "
                                    f"{total:,.0f} an hour together and no lever changes them; lever "
                                    f"their throughputs (--lever {CAMPAIGNS}.I.per_hour=LO:HI)")

    def repair(lists: dict[str, list]) -> None:
        items = lists.get(CAMPAIGNS)
        if items is None:
            return
        for cap in caps:
            on = [i for i, c in enumerate(items) if c.get("_on", True) and c["medium"] == cap.name]
            total = sum(items[i]["per_hour"] for i in on)
            if total <= cap.bound:
                continue
            scaled = [i for i in on if i in rate_levers]
            fixed = total - sum(items[i]["per_hour"] for i in scaled)
            room = cap.bound - fixed
            if not scaled or room < len(scaled):
                raise Infeasible(f"{cap.name} campaigns send {total:,.0f} an hour, above {cap.text}")
            factor = room / (total - fixed)
            for i in scaled:
                value = items[i]["per_hour"] * factor
                items[i]["per_hour"] = max(1, math.floor(value + 1e-6)) if rate_levers[i].kind == "int" else max(1.0, value)
    return repair


def input_breaks(scenario: Scenario, constraints: list[Constraint]) -> list[str]:
    """The input constraints a whole scenario breaks (a compared scenario is not repaired)."""
    campaigns = scenario.get(CAMPAIGNS)
    broken = []
    for c in constraints:
        if c.kind == "start" and any(x["start_hour"] < c.bound for x in campaigns):
            broken.append(c.text)
        elif c.kind == "throughput" and sum(x["per_hour"] for x in campaigns if x["medium"] == c.name) > c.bound:
            broken.append(c.text)
    return broken
