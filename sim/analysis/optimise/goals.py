"""Objectives and constraints of an optimisation, and the per-run values they read.

``--objective MEASURE[:min|max]``: a summary measure of :mod:`sim.config.catalog`
(``unaware_affected_people_24h``, ``hours_to_90pct_affected``, ``final_company_trust_affected``,
``customers_lost``, ``calls_peak_per_hour``, ``wait_peak_minutes``, ``messages_sent``, ...), or
``messages.MEDIUM`` (company messages sent by one medium, people) or ``cost`` (messages sent
times ``--price MEDIUM=AMOUNT``, summed over media). Without ``:min``/``:max`` the
catalog's better direction is taken.

``--constraint``:

- ``start>=H``: no direct campaign starts before H hours after the announcement (the time
  to draft and approve a message); levers of campaign starts are bounded to it;
- ``throughput.MEDIUM<=N``: the campaigns sending by MEDIUM send at most N messages an hour
  together (a gateway's capacity); a plan above it has its levered throughputs of that
  medium scaled down to the cap (:mod:`.repair`);
- ``MEASURE<=X`` or ``MEASURE>=X`` on any objective measure: a plan whose score breaks it
  is infeasible (``messages.sms<=5000000`` a budget in messages, ``cost<=200000`` one in
  currency, ``calls_peak_per_hour<=20000`` or ``wait_peak_minutes<=10`` the call centre's
  capacity).

Hours never reached count as the run's length (as in robustness).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ...config import catalog
from ...config.scenario import Scenario
from ...config.vocabulary import medium_words
from ...errors import ScenarioError, shorten

__all__ = ["Objective", "Constraint", "parse_objective", "parse_constraint", "parse_price",
           "measure_label", "outcome_values", "check_measure", "SPECIAL"]

#: Measures the optimiser adds to the catalog's: ``messages.MEDIUM`` and ``cost``.
SPECIAL = ("messages.", "cost")
_NAME = r"[A-Za-z_][A-Za-z0-9_.]*"
_NUMBER = r"[+-]?(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_CONSTRAINT = re.compile(rf"^\s*(?P<name>{_NAME})\s*(?P<op><=|>=)\s*(?P<bound>{_NUMBER})\s*$")


@dataclass(frozen=True)
class Objective:
    """One objective: a measure and whether lower (``"min"``) or higher (``"max"``) is better."""

    measure: str
    direction: str

    @property
    def sign(self) -> float:
        """+1 for a minimised measure, -1 for a maximised one (score x sign: lower is better)."""
        return 1.0 if self.direction == "min" else -1.0


@dataclass(frozen=True)
class Constraint:
    """One constraint: ``kind`` is ``"start"``, ``"throughput"`` or ``"outcome"``;
    ``name`` the measure (or the medium of a throughput); ``op`` ``"<="`` or ``">="``."""

    text: str
    kind: str
    name: str
    op: str
    bound: float

    def violation(self, value: float) -> float:
        """How far ``value`` breaks the constraint (0 or less: kept)."""
        return value - self.bound if self.op == "<=" else self.bound - value


def _catalog_keys() -> set[str]:
    return {m.key for m in catalog.MEASURES}


def check_measure(where: str, name: str, media: list[str], prices: dict[str, float]) -> None:
    """Refuse a measure name the runs do not give (one line naming ``where``)."""
    if name.startswith("messages."):
        medium = name.split(".", 1)[1]
        if medium not in media:
            raise ScenarioError(where, shorten(name), f"no campaign can send by {shorten(medium)!r}; "
                                f"allowed: messages.MEDIUM with a medium of the campaigns "
                                f"({', '.join(media) or 'none'})")
        return
    if name == "cost":
        missing = [m for m in media if m not in prices]
        if missing:
            raise ScenarioError(where, "cost", f"no price for {', '.join(missing)}; give --price "
                                f"MEDIUM=AMOUNT for every medium of the campaigns ({', '.join(media)})")
        return
    if name not in _catalog_keys():
        raise ScenarioError(where, shorten(name), "not a measure; allowed: a measure of the catalog "
                            "(README, \"Measures\"), messages.MEDIUM or cost")


def parse_objective(text: str, media: list[str], prices: dict[str, float]) -> Objective:
    """``MEASURE[:min|max]`` checked (see the module's docstring)."""
    if not isinstance(text, str) or not text.strip():
        raise ScenarioError("--objective", "", "expected MEASURE:min or MEASURE:max, e.g. "
                            "unaware_affected_people_24h:min")
    name, sep, direction = text.strip().partition(":")
    check_measure("--objective", name, media, prices)
    if sep:
        if direction not in ("min", "max"):
            raise ScenarioError("--objective", shorten(text), f"got {shorten(direction)!r} after the "
                                "colon; allowed: min or max")
        return Objective(name, direction)
    better = catalog.measure(name).better if name in _catalog_keys() else "lower"
    if not better:
        raise ScenarioError("--objective", name, "neither lower nor higher is better for this measure; "
                            "say MEASURE:min or MEASURE:max")
    return Objective(name, "min" if better == "lower" else "max")


def parse_constraint(text: str, media: list[str], prices: dict[str, float]) -> Constraint:
    """``start>=H``, ``throughput.MEDIUM<=N`` or ``MEASURE<=X`` / ``MEASURE>=X``, checked."""
    match = _CONSTRAINT.match(text) if isinstance(text, str) else None
    if match is None:
        raise ScenarioError("--constraint", shorten(str(text)),
                            "expected NAME<=NUMBER or NAME>=NUMBER, e.g. start>=6, "
                            "throughput.sms<=200000, calls_peak_per_hour<=20000")
    name, op, bound = match["name"], match["op"], float(match["bound"].replace("_", ""))
    if not math.isfinite(bound):
        raise ScenarioError("--constraint", shorten(text), "the bound must be a finite number")
    if name == "start":
        if op != ">=" or not 0 <= bound <= 1e6:
            raise ScenarioError("--constraint", shorten(text), "allowed: start>=H with H from 0 to "
                                "1,000,000 hours (the earliest start of any campaign)")
        return Constraint(text.strip(), "start", "start", op, bound)
    if name.startswith("throughput."):
        medium = name.split(".", 1)[1]
        if medium not in media:
            raise ScenarioError("--constraint", shorten(name), f"no campaign can send by "
                                f"{shorten(medium)!r}; allowed: throughput.MEDIUM with a medium of "
                                f"the campaigns ({', '.join(media) or 'none'})")
        if op != "<=" or not bound >= 1:
            raise ScenarioError("--constraint", shorten(text), "allowed: throughput.MEDIUM<=N with N "
                                "at least 1 (messages an hour)")
        return Constraint(text.strip(), "throughput", medium, op, bound)
    check_measure("--constraint", name, media, prices)
    return Constraint(text.strip(), "outcome", name, op, bound)


def parse_price(text: str, media: list[str]) -> tuple[str, float]:
    """``--price MEDIUM=AMOUNT``: the cost of one message (currency units)."""
    medium, sep, amount = (text or "").partition("=")
    medium = medium.strip()
    try:
        value = float(amount)
    except ValueError:
        value = math.nan
    if not sep or medium not in media or not (math.isfinite(value) and value >= 0):
        raise ScenarioError("--price", shorten(text or ""), f"expected MEDIUM=AMOUNT with a medium of "
                            f"the campaigns ({', '.join(media) or 'none'}) and an amount of 0 or more")
    return medium, value


def measure_label(name: str, media_table: Any = None) -> str:
    """A measure in words (its catalog label, or the optimiser's own)."""
    if name.startswith("messages."):
        return f"messages sent by {medium_words(name.split('.', 1)[1], media_table)} (people)"
    if name == "cost":
        return "cost of the messages sent"
    return catalog.measure(name).label


def messages_by_medium(scenario: Scenario, events: list[dict]) -> dict[str, float]:
    """Company messages sent by each medium within the run (people): each campaign's
    throughput x the hours it sends before its last message or the run's end."""
    hours = scenario.hours
    campaigns = sorted(scenario.data["channels"]["direct"]["campaigns"], key=lambda c: c["start_hour"])
    direct = [e for e in events if e["channel"] == "direct"]
    out: dict[str, float] = {}
    for campaign, event in zip(campaigns, direct):
        end = hours if event["end"] is None else min(float(event["end"]), hours)
        sent = float(campaign["per_hour"]) * max(0.0, end - float(campaign["start_hour"]))
        out[campaign["medium"]] = out.get(campaign["medium"], 0.0) + sent
    return out


def _with_derived(runs: pd.DataFrame) -> pd.DataFrame:
    """The finished runs with the catalog's derived per-run measures (people unaware, the
    change of trust) added, as the reports compute them."""
    frame = runs[runs["status"] == "ok"].copy() if "status" in runs.columns else runs.copy()
    if not len(frame):
        return frame
    people = frame["affected_agents"].astype(float) * frame["people_per_agent"].astype(float)
    frame["affected_people"] = people
    for when in ("24h", "72h", "end"):
        frame[f"unaware_affected_people_{when}"] = frame[f"unaware_affected_share_{when}"].astype(float) * people
    frame["company_trust_change_affected"] = (frame["final_company_trust_affected"].astype(float)
                                              - frame["initial_company_trust_affected"].astype(float))
    return frame


def outcome_values(runs: pd.DataFrame, scenario_of: dict[str, Scenario], names: list[str],
                   prices: dict[str, float]) -> pd.DataFrame:
    """One row per finished run (``run``, ``scenario_file``, ``point`` and ``replication`` as in
    the batch), one column per measure in ``names``.

    ``scenario_of`` maps a run's ``scenario_file`` to its resolved scenario (for the run's
    length and the campaigns' throughputs)."""
    frame = _with_derived(runs)
    out = pd.DataFrame({k: frame[k].to_numpy() for k in ("run", "scenario_file", "point", "replication")})
    sent = None
    if any(n.startswith("messages.") or n == "cost" for n in names):
        sent = [messages_by_medium(scenario_of[f], json.loads(e))
                for f, e in zip(frame["scenario_file"], frame["events"])]
    horizon = frame["scenario_file"].map(lambda f: scenario_of[f].hours).to_numpy(float)
    for name in names:
        if name.startswith("messages."):
            medium = name.split(".", 1)[1]
            values = np.array([s.get(medium, 0.0) for s in sent])
        elif name == "cost":
            values = np.array([sum(prices.get(m, 0.0) * n for m, n in s.items()) for s in sent])
        else:
            if name not in frame.columns:
                raise ScenarioError("--objective", name, "the runs do not record this measure (it "
                                    "needs a call centre's capacity, scam waves or segments in the scenario)")
            values = frame[name].to_numpy(float)
            if catalog.measure(name).censored:
                values = np.where(np.isnan(values), horizon, values)
        out[name] = values
    return out
