"""The report's optimisation section: what ``breachsim optimise`` found, in plain words.

:func:`load_optimisation` reads an optimisation folder (its ``optimise.json``, and its
``front.png`` when there is one) or refuses it in one line (:class:`~sim.errors.ScenarioError`
naming the file); :func:`optimisation_context` turns the ``optimise.json`` dict into what the
template shows: the section's paragraphs and a table (the best plan or the front's plans,
the baseline and the compared scenarios; one column per objective, each figure with its 95%
interval).

Every sentence is computed from the data and says either outcome: the best plan beats the
baseline on an objective or it does not (or the 95% intervals overlap); a constraint binds
(what relaxing it by one step changes) or it does not; no plan kept to the constraints; one
objective or several (the front and its balanced plan). Names are the scenario names of
``optimise.json`` only.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import catalog
from ..config.vocabulary import medium_in_sentence
from ..config.readers import MAX_IMAGE_BYTES, MAX_TEXT_BYTES, read_user_bytes, read_user_text
from ..errors import ScenarioError
from .text import fmt_number, fmt_value, join_words, plural

__all__ = ["Optimisation", "load_optimisation", "optimisation_context", "section_sentences",
           "table_rows", "score_words", "constraint_words", "lever_value", "FRONT_FILE"]

#: The file the report writes the optimisation's front chart to (beside report.html).
FRONT_FILE = "optimisation_front.png"
_PNG = b"\x89PNG\r\n\x1a\n"
_WHAT = "the optimise.json of `breachsim optimise`"
_KEYS = ("scenario", "levers", "objectives", "constraints", "best", "front", "comparisons", "relaxations")


@dataclass(frozen=True)
class Optimisation:
    """An optimisation folder as the report quotes it: ``optimise.json`` and ``front.png``."""

    folder: Path
    data: dict
    front_png: bytes | None = None


def load_optimisation(folder: str | os.PathLike) -> Optimisation:
    """The optimisation in ``folder``, checked, or ScenarioError naming the file."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError(folder, "optimisation", "no such folder; expected the --out folder of "
                                                    "`breachsim optimise`")
    path = folder / "optimise.json"
    if not path.exists():
        raise ScenarioError(path, "", f"no such file; expected {_WHAT} (is {folder} an optimisation folder?)")
    text = read_user_text(path, "", _WHAT, MAX_TEXT_BYTES)
    try:
        data = json.loads(text)
    except ValueError as err:
        raise ScenarioError(path, "", f"not valid JSON ({err}); expected {_WHAT}") from None
    if not isinstance(data, dict):
        raise ScenarioError(path, "", f"got a JSON {type(data).__name__}; expected {_WHAT} (an object)")
    missing = [k for k in _KEYS if k not in data]
    if missing:
        raise ScenarioError(path, missing[0], f"missing; expected {_WHAT} (with {', '.join(_KEYS)})")
    try:
        optimisation_context(data)              # every figure it quotes is there and a number
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as err:
        raise ScenarioError(path, "", f"malformed ({type(err).__name__}: {err}); expected {_WHAT}") from None
    png = None
    chart = folder / "front.png"
    if chart.exists():
        png = read_user_bytes(chart, "", "a PNG chart", MAX_IMAGE_BYTES)
        if not png.startswith(_PNG):
            raise ScenarioError(chart, "", "not a PNG image; expected the front chart of `breachsim optimise`")
    return Optimisation(folder, data, png)


# --------------------------------------------------------------------------- words

def _kind(measure: str) -> str:
    if measure.startswith("messages."):
        return "people"
    if measure == "cost":
        return "number"
    try:
        return catalog.measure(measure).kind
    except KeyError:
        return "number"


def _label(measure: str, given: str | None = None) -> str:
    if given:
        return given
    try:
        return catalog.measure(measure).label
    except KeyError:
        return measure


def _value(measure: str, x: Any) -> str:
    return fmt_value(_kind(measure), None if x is None else float(x))


def _band(measure: str, score: dict) -> str:
    """``59% (58% to 60%)``; the value alone without an interval."""
    value = _value(measure, score["value"])
    low, high = score.get("low"), score.get("high")
    if low is None or high is None or math.isnan(float(low)) or math.isnan(float(high)):
        return value
    return f"{value} ({_value(measure, low)} to {_value(measure, high)})"


def _amount(measure: str, size: float) -> str:
    """A difference of a measure, unsigned: ``5.3 percentage points``, ``700,000``, ``3 h``."""
    kind = _kind(measure)
    if kind == "share":
        return f"{100 * abs(size):.1f} percentage points"
    return fmt_value(kind, abs(size))


def _overlap(a: dict, b: dict) -> bool:
    """Whether the 95% intervals of two scores overlap (True when either has none)."""
    try:
        return float(a["low"]) <= float(b["high"]) and float(b["low"]) <= float(a["high"])
    except (KeyError, TypeError):
        return True


def _better(direction: str, mine: float, theirs: float) -> int:
    """+1 if ``mine`` is better than ``theirs`` in ``direction``, -1 if worse, 0 if equal."""
    if mine == theirs:
        return 0
    return 1 if (mine < theirs) == (direction == "min") else -1


def lever_range(lever: dict) -> str:
    """A lever's range in words, from its data: ``from 0 to 48``, ``sms or email``, ``on or off``."""
    kind = lever.get("kind")
    if kind in ("int", "float") and "low" in lever and "high" in lever:
        step = lever.get("step") or 0
        return (f"from {fmt_number(float(lever['low']))} to {fmt_number(float(lever['high']))}"
                + (f" in steps of {fmt_number(float(step))}" if step else ""))
    if kind == "switch":
        return "sent or not"
    return join_words((lever_value(c) for c in lever.get("choices") or []), "or")


def lever_value(value: Any, kind: str = "") -> str:
    """A lever value in words: numbers with separators, a switch as sent / not sent, a
    true/false as yes / no, a list by its items."""
    if isinstance(value, bool):
        return ("sent" if value else "not sent") if kind == "switch" else ("yes" if value else "no")
    if isinstance(value, (int, float)):
        return fmt_number(float(value)) if math.isfinite(float(value)) else str(value)
    if isinstance(value, list):
        return ", ".join(lever_value(v) for v in value) if value else "none"
    return str(value)


def _levers_words(levers: list[dict], values: dict) -> str:
    return "; ".join(f"{lv.get('label') or lv['key']}: {lever_value(values[lv['key']], lv.get('kind', ''))}"
                     for lv in levers if lv["key"] in values)


def _medium(name: str) -> str:
    """A medium in words within a sentence (``SMS``, ``e-mail``)."""
    return medium_in_sentence(name)


def constraint_words(c: dict) -> str:
    """One constraint in plain words."""
    bound = float(c["bound"])
    if c["kind"] == "start":
        return f"no company campaign starts before {fmt_number(bound)} hours after the announcement"
    if c["kind"] == "throughput":
        return f"the campaigns sending by {_medium(c['name'])} send at most {fmt_number(bound)} messages an hour together"
    name = c["name"]
    return f"{_label(name, c.get('label'))} {'at most' if c['op'] == '<=' else 'at least'} {_value(name, bound)}"


def _objective_words(o: dict) -> str:
    return f"{o['label'] or o['measure']} ({'lower' if o['direction'] == 'min' else 'higher'} is better)"


# --------------------------------------------------------------------------- sentences

def _searched(data: dict) -> str:
    objectives, levers = data["objectives"], data["levers"]
    name = data["scenario"]["name"]

    def lever(lv: dict) -> str:
        return f"{lv.get('label') or lv['key']}, {lever_range(lv)}"
    count = {1: "one setting", 2: "two settings", 3: "three settings"}.get(len(levers), f"{len(levers)} settings")
    goals = join_words(f"{o['label'] or o['measure']} as {'low' if o['direction'] == 'min' else 'high'} as possible"
                       for o in objectives)
    goal = f"the plan with {goals}" if len(objectives) == 1 else f"plans with {goals} together"
    limits = join_words(constraint_words(c) for c in data["constraints"])
    text = (f"The optimiser varied {count} of the scenario {name}: {'; '.join(lever(lv) for lv in levers)}. "
            f"It looked for {goal}" + (f", within your constraints: {limits}." if limits else "."))
    counts = data.get("counts") or {}
    if counts.get("plans_run") is not None and counts.get("runs") is not None:
        text += (f" It ran {plural(int(counts['plans_run']), 'plan')} ({int(counts['runs']):,} runs in all). The "
                 "figures below come from runs repeated with fresh random draws for the best plans, the baseline "
                 "and the compared scenarios; each comes with its 95% interval.")
    return text + _own_runs(data.get("settings") or {})


def _own_runs(settings: dict) -> str:
    """That the optimisation's figures are from its own runs, with the settings they changed."""
    from .scenarios import key_label

    given = settings.get("set") or {}
    changed = "; ".join(f"{key_label(k)}: {lever_value(v) if not isinstance(v, bool) else fmt_number(v)}"
                        for k, v in given.items())
    return (" These are the optimisation's own runs" + (f" ({changed})" if changed else "")
            + ", not those of the results above, so a scenario's figures here may differ from its figures there.")


def _best_sentences(data: dict) -> list[str]:
    objectives, best, front = data["objectives"], data["best"], data["front"]
    if best is None:
        return ["No plan the optimiser tried kept to every constraint, so there is no best plan within them. "
                "Loosening a constraint, or widening the range of a setting, may find one."]
    scores = join_words(f"{_band(o['measure'], best['scores'][o['measure']])} on {o['label'] or o['measure']}"
                        for o in objectives)
    plan = f"plan {best['plan']} (its scenario file: best.toml)"
    levers = _levers_words(data["levers"], best["values"])
    if len(objectives) == 1:
        return [f"Within your constraints, the best plan is {plan}: {levers}. It scores {scores}."]
    spread = []
    for o in objectives:
        values = [float(p["scores"][o["measure"]]["value"]) for p in front]
        spread.append(f"from {_value(o['measure'], min(values))} to {_value(o['measure'], max(values))} "
                      f"on {o['label'] or o['measure']}")
    text = (f"Within your constraints, the best plans form a front of {plural(len(front), 'plan')}: on each, "
            "no objective can be made better without making another worse, so choosing among them is a "
            f"judgement of what matters more. They range {join_words(spread)}."
            if len(front) > 1 else
            "Within your constraints, one plan does best on every objective at once.")
    return [text, f"The balanced plan, the one nearest the best value of every objective at once, is {plan}: "
                  f"{levers}. It scores {scores}."]


def _compare_words(o: dict, mine: dict, theirs: dict, who: str, name: str) -> str:
    m = o["measure"]
    label = o["label"] or m
    sign = _better(o["direction"], float(mine["value"]), float(theirs["value"]))
    figures = f"{_band(m, mine)} against {_band(m, theirs)}"
    if sign == 0:
        return f"On {label} {who} and {name} score the same: {_band(m, mine)}."
    diff = _amount(m, float(mine["value"]) - float(theirs["value"]))
    higher = float(mine["value"]) > float(theirs["value"])
    how = f"{diff} {'higher' if higher else 'lower'}"
    if _overlap(mine, theirs):
        return (f"On {label} {who} is {how} than {name} ({figures}), but the 95% intervals overlap: "
                "the runs do not show a clear difference.")
    return f"On {label} {who} {'beats' if sign > 0 else 'does worse than'} {name}: {how} ({figures})."


def _broken(c: dict, constraints: list[dict]) -> str:
    """``"breaks your constraint that ..."`` (the comparison's ``breaks``: the constraints it
    breaks), else ``"is outside your constraints"``."""
    texts = [str(t) for t in c.get("breaks") or []]
    by_text = {k["text"]: k for k in constraints}
    if not texts or not all(t in by_text for t in texts):
        return "is outside your constraints"
    return (f"breaks your constraint{'s' if len(texts) > 1 else ''} that "
            + join_words(constraint_words(by_text[t]) for t in texts))


def _comparison_sentences(data: dict) -> list[str]:
    objectives, best = data["objectives"], data["best"]
    out = []
    who = "the best plan" if len(objectives) == 1 else "the balanced plan"
    for c in data["comparisons"]:
        if not c.get("scores"):
            continue
        role = "the baseline" if c["role"] == "baseline" else "the compared scenario"
        name = f"{role}, {c['name']}"
        head = ""
        if not c.get("feasible", True):
            broken = _broken(c, data["constraints"])
            head = (f"{name[0].upper()}{name[1:]}, {broken}, so it is not a plan you could choose; "
                    "its figures are for reference. ")
            name = c["name"]
        if best is None:
            scores = join_words(f"{o['label'] or o['measure']} {_band(o['measure'], c['scores'][o['measure']])}"
                                for o in objectives if o["measure"] in c["scores"])
            out.append(f"{head}{c['name'] if head else name[0].upper() + name[1:]} scores {scores}.")
            continue
        shared = [o for o in objectives if o["measure"] in c["scores"] and o["measure"] in best["scores"]]
        parts = [_compare_words(o, best["scores"][o["measure"]], c["scores"][o["measure"]], who,
                                name if i == 0 else c["name"]) for i, o in enumerate(shared)]
        out.append(head + " ".join(parts))
    if best is not None and not any(c["role"] == "baseline" and c.get("scores") for c in data["comparisons"]):
        out.append("The optimisation has no baseline figures to compare the best plan with.")
    return out


def _relaxation_sentences(data: dict) -> list[str]:
    objectives, best = data["objectives"], data["best"]
    by_text = {c["text"]: c for c in data["constraints"]}
    direction = {o["measure"]: o["direction"] for o in objectives}
    label = {o["measure"]: o["label"] or o["measure"] for o in objectives}
    out = []
    for r in data["relaxations"]:
        c = by_text.get(r["constraint"])
        words = constraint_words(c) if c else r["constraint"]
        what = f"The constraint that {words}" if c and c["kind"] in ("start", "throughput") \
            else f"The constraint {words}"
        if r.get("kind") == "outcome" or r.get("search_only"):
            first = objectives[0]["measure"]
            now, relaxed = r.get("current"), r.get("relaxed")
            if now is None:
                out.append(f"{what}: no plan evaluated kept to it, so what it costs is not known.")
            elif r.get("binding") and relaxed is not None:
                out.append(f"{what} binds: with it 10% looser, the best {label[first]} among the plans "
                           f"evaluated would go from {_value(first, now)} to {_value(first, relaxed)} "
                           "(estimates from the search, not run again).")
            else:
                out.append(f"{what} does not bind: with it 10% looser, no plan evaluated would do better "
                           f"on {label[first]}.")
            continue
        step = str(r.get("step", "relaxed by one step"))
        if c and c["kind"] == "throughput":
            step = step.replace(f" {c['name']} throughput", f" {_medium(c['name'])} throughput")
        if not r.get("binding"):
            out.append(f"{what} does not bind: the best plan is not held back by it, so relaxing it "
                       f"({step}) would not change the plan.")
            continue
        if best is None or not r.get("change") or not r.get("scores"):
            out.append(f"{what} binds at the best plan; what relaxing it ({step}) would change was not run.")
            continue
        parts = []
        for m, change in r["change"].items():
            if m not in direction:
                continue
            parts.append(_change_words(m, direction[m], label[m], change, r["scores"][m], best["scores"][m]))
        out.append(f"{what} binds: the best plan sits at it. Relaxed by one step ({step}), "
                   + "; ".join(parts) + ".")
    return out


def _signed(measure: str, x: float) -> str:
    """A signed difference: ``-1.2 points``, ``+150,000``."""
    if _kind(measure) == "share":
        return f"{100 * x:+.1f} points"
    return ("+" if x > 0 else "-" if x < 0 else "") + fmt_value(_kind(measure), abs(x))


def _change_words(m: str, direction: str, label: str, change: Any, relaxed: dict, mine: dict) -> str:
    """What relaxing a constraint changes on measure ``m``: the change paired on the same random
    draws (``{"value", "low", "high"}``: relaxed plan less best plan, 95% interval), judged
    by whether its interval holds no change."""
    if not isinstance(change, dict):
        change = {"value": change}
    value = float(change["value"])
    low, high = change.get("low"), change.get("high")
    sign = _better(direction, value, 0.0)
    if sign == 0:
        return f"{label} would not change"
    how = f"{label} would be {_amount(m, value)} {'higher' if value > 0 else 'lower'}"
    how += f" ({_band(m, relaxed)} against {_band(m, mine)})"
    if low is None or high is None or math.isnan(float(low)) or math.isnan(float(high)):
        return how + " (no interval for the change)"
    interval = f"95% interval of the change {_signed(m, float(low))} to {_signed(m, float(high))}"
    if float(low) <= 0 <= float(high):
        return how + f", within chance ({interval}, which holds no change)"
    if sign > 0:
        return how + f", a clear gain ({interval}): this is what the constraint costs"
    return how + f", clearly worse ({interval})"


def section_sentences(data: dict) -> dict[str, list[str]]:
    """The section's paragraphs: ``searched``, ``best``, ``compared``, ``constraints``."""
    return {"searched": [_searched(data)], "best": _best_sentences(data),
            "compared": _comparison_sentences(data), "constraints": _relaxation_sentences(data)}


# --------------------------------------------------------------------------- the table

def _cells(objectives: list[dict], scores: dict) -> list[tuple[str, str]]:
    cells = []
    for o in objectives:
        m = o["measure"]
        s = scores.get(m)
        if not s:
            cells.append(("n/a", ""))
            continue
        low, high = s.get("low"), s.get("high")
        interval = "" if low is None or high is None else f"{_value(m, low)} to {_value(m, high)}"
        cells.append((_value(m, s["value"]), interval))
    return cells


def table_rows(data: dict) -> list[dict[str, Any]]:
    """Rows: the best plan (or the front's plans, the balanced one marked), the baseline and
    the compared scenarios; ``cells`` (value, 95% interval) per objective, ``tag`` a note."""
    objectives, best = data["objectives"], data["best"]
    rows = []
    plans = data["front"] if len(objectives) > 1 else ([best] if best else [])
    for p in plans:
        chosen = best is not None and p["plan"] == best["plan"]
        tag = ("best plan (best.toml)" if len(objectives) == 1
               else "balanced plan (best.toml)" if chosen else "on the front")
        rows.append({"name": f"Plan {p['plan']}", "cells": _cells(objectives, p["scores"]), "tag": tag,
                     "levers": [lever_value(p["values"].get(lv["key"], ""), lv.get("kind", "")) for lv in data["levers"]],
                     "best": chosen})
    for c in data["comparisons"]:
        if not c.get("scores"):
            continue
        tag = "baseline" if c["role"] == "baseline" else "compared"
        if not c.get("feasible", True):
            tag += ", outside your constraints"
        rows.append({"name": c["name"], "cells": _cells(objectives, c["scores"]), "tag": tag,
                     "levers": [], "best": False})
    return rows


def score_words(settings: dict) -> str:
    """What a figure of the table is, from the optimisation's settings (``--score``, ``--worlds``)."""
    rule, worlds = settings.get("score", "mean"), int(settings.get("worlds", 1) or 1)
    if worlds <= 1 or rule == "mean":
        return "Each figure is the mean of the plan's runs; below it, its 95% interval."
    over = {"median": "the median", "p90": "the 90th percentile (the bad end)"}.get(rule, rule)
    return (f"Each figure is the mean of the plan's runs in each of {worlds} worlds, then {over} over the "
            "worlds; below it, its 95% interval.")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def optimisation_context(data: dict, figure: str | None = None) -> dict[str, Any]:
    """What the template's optimisation block shows (``figure``: the front chart's URI)."""
    objectives = data["objectives"]
    return {
        "scenario": data["scenario"]["name"],
        "sentences": section_sentences(data),
        "score_words": score_words(data.get("settings") or {}),
        "columns": [_capital(o["label"] or o["measure"]) for o in objectives],
        "rows": table_rows(data),
        "levers": [_capital(lv.get("label") or lv["key"]) for lv in data["levers"]],
        "several": len(objectives) > 1,
        "figure": figure,
    }
