"""Checking an optimisation request: the scenario, levers, objectives, constraints, sizes.

Every problem is one :class:`~sim.errors.ScenarioError` naming the option (``--lever``,
``--objective``, ``--constraint``, ``--price``, ``--budget`` ...) and what is allowed,
before anything is written.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ...config.scenario import load_scenario, with_overrides
from ...config.vocabulary import medium_in_sentence
from ...errors import ScenarioError, shorten
from ...model.engine import DEFAULT_ENGINE
from ...model.memory import check_work
from ...runs.batchfile import MAX_RUNS, MAX_SEED
from .goals import parse_constraint, parse_objective, parse_price
from .levers import check_levers, list_root, parse_lever
from .repair import CAMPAIGNS, bound_levers, make_repair
from .scores import RULES
from .search import DEFAULT_BUDGET, DEFAULT_PEOPLE, DEFAULT_REPS, Request

__all__ = ["prepare", "MAX_OBJECTIVES", "MAX_WORLDS", "MAX_REPS"]

MAX_OBJECTIVES = 4
MAX_WORLDS = 1_000
MAX_REPS = 1_000


def _whole(name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ScenarioError(name, "", f"got {shorten(repr(value))}; allowed: a whole number from {low:,} to {high:,}")
    return value


def _media(base) -> list[str]:
    """Media the campaigns can send by: declared media and the campaigns' own."""
    declared = list(base.data["channels"]["direct"]["media"])
    used = [c["medium"] for c in base.get(CAMPAIGNS)]
    return list(dict.fromkeys(used + declared))


def prepare(scenario_file: str | Path, levers: list[str], objectives: list[str], constraints: list[str] = (),
            prices: list[str] = (), budget: int = DEFAULT_BUDGET, reps: int = DEFAULT_REPS, worlds: int = 1,
            rule: str = "mean", seed: int = 2022, overrides: dict | None = None, compare: list = (),
            engine: str = DEFAULT_ENGINE, ranges_file: str | Path | None = None) -> Request:
    """A checked :class:`~.search.Request` (see :mod:`sim.analysis.optimise`)."""
    path = Path(scenario_file)
    if not path.is_file():
        raise ScenarioError(path, "", "no such scenario file")
    base = load_scenario(path)
    overrides = {"population.size": DEFAULT_PEOPLE, **(overrides or {})}
    resolved = load_scenario(path, overrides)
    check_work(resolved, engine)
    budget = _whole("--budget", budget, 1, MAX_RUNS)
    reps = _whole("--reps", reps, 1, MAX_REPS)
    worlds = _whole("--worlds", worlds, 1, MAX_WORLDS)
    seed = _whole("--seed", seed, 0, MAX_SEED)
    if rule not in RULES:
        raise ScenarioError("--score", shorten(str(rule)), f"allowed: {', '.join(RULES)}")
    media = _media(base)
    price = dict(parse_price(p, media) for p in prices)
    parsed_levers = [parse_lever(text, base) for text in levers]
    check_levers(parsed_levers, base)
    parsed_levers = _named_by_medium(parsed_levers, base)
    goals = [parse_objective(text, media, price) for text in objectives]
    if not goals:
        raise ScenarioError("--objective", "", "give at least one objective, e.g. "
                            "--objective unaware_affected_people_24h:min")
    if len(goals) > MAX_OBJECTIVES:
        raise ScenarioError("--objective", "", f"{len(goals)} objectives; allowed: at most {MAX_OBJECTIVES}")
    if len({g.measure for g in goals}) < len(goals):
        raise ScenarioError("--objective", "", "a measure is given twice; one --objective per measure")
    kept = [parse_constraint(text, media, price) for text in constraints]
    _check_overrides(overrides, parsed_levers)
    bounded = bound_levers(parsed_levers, kept, base)
    repair = make_repair(bounded, kept, base)
    compared = [Path(p) for p in compare]
    for p in compared:
        if not p.is_file():
            raise ScenarioError("--compare", str(p), "no such scenario file")
        load_scenario(p, overrides)
    request = Request(path, base, bounded, parsed_levers, goals, kept, price, budget, reps, worlds, rule, seed,
                      dict(overrides), compared, repair, engine)
    if worlds > 1:
        request.sampled = _world_ranges(request, ranges_file)
    return request


def _campaign_index(key: str) -> int | None:
    """The campaign a lever's key lies in (``...campaigns.1.start_hour``, ``...campaigns.1``: 1)."""
    if list_root(key) != CAMPAIGNS:
        return None
    return int(key[len(CAMPAIGNS) + 1:].split(".")[0])


def _named_by_medium(levers: list, base) -> list:
    """Levers of a campaign labelled with its medium (``campaign 1 (SMS) start ...``), so a
    reader need not know the scenario's campaign order; not where the medium is itself a lever."""
    campaigns = base.get(CAMPAIGNS)
    media = base.data["channels"]["direct"]["media"]
    levered = {_campaign_index(lv.key) for lv in levers if lv.key.endswith(".medium")}
    named = []
    for lv in levers:
        index = _campaign_index(lv.key)
        if index is not None and index < len(campaigns) and index not in levered:
            word = f"campaign {index + 1}"
            if lv.label.startswith(word):
                medium = medium_in_sentence(campaigns[index]["medium"], media)
                lv = dataclasses.replace(lv, label=f"{word} ({medium}){lv.label[len(word):]}")
        named.append(lv)
    return named


def _check_overrides(overrides: dict, levers) -> None:
    roots = {list_root(lv.key) or lv.key.rsplit(".", 1)[0] for lv in levers if lv.kind == "switch"}
    for key in overrides:
        for lever in levers:
            if key == lever.key or key.startswith(lever.key + ".") or lever.key.startswith(key + "."):
                raise ScenarioError("--set", key, f"is also a lever ({lever.key}); set it or lever it")
        for root in roots:
            if key.startswith(root + "."):
                raise ScenarioError("--set", key, f"lies in {root}, whose items a lever switches on "
                                    "and off (the indexes would move); lever it instead")


def _world_ranges(request: Request, ranges_file) -> dict[str, list]:
    """The plausible ranges the worlds sample: every range but the levers' keys and the
    --set keys (they are the plan, or fixed on purpose)."""
    from ...analysis.robustness import KIND_ONLY
    from ...config.ranges import check_applicable, plausible_ranges

    ranges = plausible_ranges(ranges_file)
    scenario = with_overrides(request.base, request.overrides)
    check_applicable(ranges, [scenario])
    kind = scenario.get("network.kind")
    lever_keys = [lv.key for lv in request.levers]
    out = {}
    for key, r in ranges.items():
        if any(key == k or key.startswith(k + ".") or k.startswith(key + ".") for k in lever_keys):
            continue
        if key in request.overrides or (key in KIND_ONLY and kind not in KIND_ONLY[key]):
            continue
        out[key] = [r.low, r.high]
    if not out:
        raise ScenarioError(ranges_file or "sim/ranges.toml", "", "no assumption left to vary across worlds")
    return out
