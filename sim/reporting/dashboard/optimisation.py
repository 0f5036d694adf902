"""An optimisation's plans in the dashboard: ``dashboard --optimisation DIR``.

Reads ``DIR/optimise.json`` (written by ``breachsim optimise``): the front's plans
(one objective: the best plan), their objective scores, and the plan files, which
are scenario files extending the optimised scenario. Loading a plan in the page
makes that scenario the baseline and the plan's levers the current settings, so
that "starting scenario + overrides" is the plan's file (:func:`plan_values`).
No Solara here: the command checks the folder with it before serving.
"""

from __future__ import annotations

import json
from typing import Any
import math
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ...config.catalog import measure as measure_record
from ...config.scenario import load_scenario
from ...errors import ScenarioError, shorten
from ..text import fmt_hours, fmt_number, fmt_value, plural
from . import levers as lv

__all__ = ["Optimisation", "Panel", "Plan", "Row", "lever_text", "panel_of", "plan_values",
           "read_optimisation", "score_text"]

OPTION = "--optimisation"


@dataclass(frozen=True)
class Plan:
    """One plan to load: its number, its file (absolute), lever values, scores, and the runs
    its scores come from."""

    number: int
    file: str
    values: dict  # lever key -> value as optimise.json has it
    scores: dict  # measure -> (value, low, high)
    best: bool
    runs: int | None = None


@dataclass(frozen=True)
class Optimisation:
    """What the panel shows of one optimisation folder."""

    folder: str  # absolute
    name: str  # the optimised scenario's name
    base: str  # the optimised scenario's file (absolute, as the plan files extend it)
    levers: tuple  # ({key, label}, ...)
    objectives: tuple  # ({measure, direction, label}, ...)
    plans: tuple  # Plan, the best first when it is not on the front, else in the front's order
    settings: dict  # the optimisation's run settings (reps, set, ...)


def _bad(folder: Path, why: str) -> ScenarioError:
    return ScenarioError(OPTION, "", f"{shorten(str(folder))}: {why}")


def _scores(raw: dict) -> dict:
    return {m: (float(s["value"]), float(s["low"]), float(s["high"])) for m, s in raw.items()}


def _plan(folder: Path, raw: dict, best: int | None) -> Plan:
    file = (folder / str(raw["file"])).resolve()
    return Plan(int(raw["plan"]), str(file), {str(k): v for k, v in dict(raw["values"]).items()},
                _scores(dict(raw["scores"])), int(raw["plan"]) == best,
                int(raw["runs"]) if isinstance(raw.get("runs"), int) else None)


def _base_of(plan_file: Path) -> Path:
    """The file a plan file ``extends`` (absolute)."""
    with plan_file.open("rb") as f:
        extends = tomllib.load(f).get("scenario", {}).get("extends")
    if not extends:
        raise ValueError(f"{plan_file.name} extends no scenario")
    return (plan_file.parent / extends).resolve()


def read_optimisation(folder: str | Path) -> Optimisation:
    """The optimisation in ``folder``; raises ScenarioError (one line, naming ``--optimisation``)
    for a missing folder, a missing or malformed ``optimise.json``, or a plan file that is not
    there or not a valid scenario."""
    folder = Path(folder)
    if not folder.is_dir():
        raise _bad(folder, "no such folder (give the --out folder of `breachsim optimise`)")
    path = folder / "optimise.json"
    if not path.is_file():
        raise _bad(folder, "has no optimise.json (give the --out folder of `breachsim optimise`)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeError, ValueError) as err:
        raise _bad(folder, f"optimise.json is not readable JSON ({shorten(str(err), 80)})") from None
    try:
        best = data["best"]
        number = int(best["plan"]) if best else None
        plans = [_plan(folder, p, number) for p in data["front"]]
        if best and number not in [p.number for p in plans]:
            plans.insert(0, _plan(folder, best, number))
        objectives = tuple({"measure": str(o["measure"]), "direction": str(o.get("direction", "")),
                            "label": str(o.get("label") or o["measure"])} for o in data["objectives"])
        levers = tuple({"key": str(v["key"]), "label": str(v.get("label") or v["key"])}
                       for v in data["levers"])
        name = str(data["scenario"]["name"])
        settings = dict(data.get("settings") or {})
        for p in plans:
            for o in objectives:
                p.scores[o["measure"]]  # noqa: B018 - every plan has a score of every objective
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        what = f"missing {err}" if isinstance(err, KeyError) else str(err)
        raise _bad(folder, f"optimise.json is not an optimisation's summary ({shorten(what, 80)})") from None
    if not plans:
        raise _bad(folder, "optimise.json has no plan to load (the optimisation found no allowed plan)")
    bases = set()
    for p in plans:
        file = Path(p.file)
        if not file.is_file():
            raise _bad(folder, f"plan {p.number}'s file {shorten(str(file))} is not there")
        load_scenario(file)  # a plan file that is no valid scenario: its own one-line message
        bases.add(_base_of(file))
    if len(bases) != 1:
        raise _bad(folder, "its plan files extend different scenarios")
    return Optimisation(str(folder.resolve()), name, str(bases.pop()), levers, objectives,
                        tuple(plans), settings)


def score_text(measure: str, score: tuple) -> tuple[str, str]:
    """A plan's score of ``measure`` as the dashboard writes figures: the value, and its
    interval ("" where both ends read the same)."""
    try:
        kind = measure_record(measure).kind
    except KeyError:
        kind = "number"
    value, low, high = score
    lo, hi = fmt_value(kind, low), fmt_value(kind, high)
    return fmt_value(kind, value), (f"{lo} to {hi}" if lo != hi else "")


def lever_text(key: str, value: Any) -> str:
    """Lever ``key``'s value (as optimise.json has it: a number, true/false, text or a list)
    as the dashboard writes settings: hours as its sliders show them (``6 h``), other
    numbers with thousands separators, a switched campaign as sent / not sent."""
    if isinstance(value, bool):
        switched = key.rsplit(".", 1)[-1].isdigit()
        return ("sent" if value else "not sent") if switched else ("yes" if value else "no")
    if isinstance(value, list):
        return ", ".join(map(str, value)) if value else "none"
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        return str(value)
    x = float(value)
    if key.rsplit(".", 1)[-1] in ("start_hour", "at_hour") or key.endswith("_hours"):
        return fmt_hours(x, days=False)
    return fmt_number(int(x) if x.is_integer() else x)


@lru_cache(maxsize=64)
def plan_values(file: str, people: int | None) -> tuple[dict, tuple[str, ...]]:
    """The dashboard's lever values for the plan in ``file`` (agents per run: ``people`` if
    given, as the dashboard's reset does), and the keys the plan sets that no control of the
    dashboard holds (those stay as the optimised scenario has them)."""
    plan = load_scenario(file)
    values = lv.lever_values(plan)
    if people:
        values[lv.SIZE] = people
    base = _base_of(Path(file))
    start = lv.lever_values(load_scenario(base))
    shown = lv.current_scenario(base, lv.changed(start, {**values, lv.SIZE: plan.get(lv.SIZE)}))
    now = _flat(shown.data)
    missing = tuple(k for k, v in _flat(plan.data).items()
                    if not k.startswith("scenario.") and now.get(k) != v)
    return values, missing


def _flat(table: dict, prefix: str = "") -> dict:
    out = {}
    for name, value in table.items():
        key = f"{prefix}.{name}" if prefix else name
        out.update(_flat(value, key) if isinstance(value, dict) else {key: value})
    return out


# ------------------------------------------------------------------ what the page's panel says

@dataclass(frozen=True)
class Row:
    """One plan's row: its name, whether it is the best, its lever values and scores in words."""

    plan: Plan
    name: str  # "Plan 59"
    levers: tuple  # text per lever, in the optimisation's order
    scores: tuple  # (value, interval) text per objective ("" interval: both ends read the same)
    loaded: bool  # the controls hold this plan now


@dataclass(frozen=True)
class Panel:
    """The words of the page's panel of an optimisation's plans."""

    title: str
    intro: str
    other_start: str  # "" unless the baseline is another scenario than the optimised one
    levers: tuple  # column heads
    objectives: tuple  # (label, "lower is better" / "higher is better") per objective
    rows: tuple  # Row
    notes: tuple  # plans that set something no control holds


def scored_with(settings: dict, runs: set) -> str:
    """How the optimisation scored its plans, in words: ``the mean of 8 runs of 2,000 agents``
    (``runs``: the plans' run counts; one count is said, several are not)."""
    rule, worlds = settings.get("score") or "mean", settings.get("worlds") or 1
    size = (settings.get("set") or {}).get(lv.SIZE)
    ok = lambda x: isinstance(x, int) and not isinstance(x, bool)  # noqa: E731
    count = next(iter(runs)) if len(runs) == 1 and ok(next(iter(runs))) else None
    each = f" of {size:,} agents" if ok(size) else ""
    if ok(worlds) and worlds > 1:
        over = {"median": "the median", "p90": "the pessimistic 90th percentile"}.get(rule, "the mean")
        return (f"{over} over {worlds} plausible worlds of the mean of its runs in each"
                + (f" ({plural(count, 'run')}{each} in all)" if count else ""))
    return (f"the mean of {plural(count, 'run')}{each}" if count else f"the mean of its runs{each}")


def panel_of(opt: Optimisation, start_path: str, start_name: str, now: dict | None,
             people: int | None) -> Panel:
    """What the panel says with the page's starting scenario ``start_path`` (named
    ``start_name``) and the controls at ``now`` (lever values; ``people``: the command's
    ``--people``, as :func:`plan_values` takes it)."""
    several = len(opt.objectives) > 1
    if several:
        intro = (f"The {plural(len(opt.plans), 'plan')} of the front for {opt.name}: none is "
                 "better than another on every objective. Best: the balanced plan, nearest the "
                 "ideal.")
    else:
        intro = f"The best plan for {opt.name}."
    intro += (f" Scores as the optimisation found them: {scored_with(opt.settings, {p.runs for p in opt.plans})}, 95% "
              "interval in grey. A loaded plan runs again here, with this page's run settings.")
    other = ""
    if str(start_path) != opt.base:
        other = (f"Note: the baseline now is {start_name}; these plans are of {opt.name}. Loading "
                 f"one makes {opt.name} the baseline (each plan's file extends it).")
    rows, notes = [], []
    for plan in opt.plans:
        values, missing = plan_values(plan.file, people)
        loaded = (str(start_path) == opt.base and now is not None
                  and not lv.changed({**values, lv.SIZE: None}, {**now, lv.SIZE: None}))
        rows.append(Row(plan, f"Plan {plan.number}",
                        tuple(lever_text(v["key"], plan.values.get(v["key"], "")) for v in opt.levers),
                        tuple(score_text(o["measure"], plan.scores[o["measure"]]) for o in opt.objectives),
                        loaded))
        if missing:
            notes.append(f"Plan {plan.number} also sets {', '.join(missing)}: no control here holds "
                         f"it, so the current settings keep {opt.name}'s value.")
    better = {"min": "lower is better", "max": "higher is better"}
    what = "Plans" if several else "The best plan"
    return Panel(f"{what} from the optimisation in {Path(opt.folder).name}", intro, other,
                 tuple(v["label"] for v in opt.levers),
                 tuple((o["label"], better.get(o["direction"], "")) for o in opt.objectives),
                 tuple(rows), tuple(notes))
