"""What a constraint costs: the best plan again with one constraint relaxed by one step.

- ``start>=H`` binds when a levered campaign start of the best plan sits at H (within
  :data:`AT_BOUND` of the lever's range; and the
  lever's own range would allow earlier): the relaxed plan starts those campaigns
  :data:`START_STEP` hour earlier.
- ``throughput.MEDIUM<=N`` binds when the best plan's campaigns of MEDIUM send N an hour
  together (within :data:`AT_BOUND` of N): the relaxed plan raises their levered throughputs (in proportion, within the
  levers' ranges) to a cap :data:`THROUGHPUT_STEP` higher.
- An outcome constraint (``MEASURE<=X``) is not re-run: the row says how the best score of
  the plans already evaluated would change with the bound 10% looser (search estimates).

Relaxed plans run with the confirmation's seeds, so their difference from the best plan is
paired (common random numbers).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ...errors import ScenarioError
from .levers import plan_data
from .plan_files import plan_text
from .repair import CAMPAIGNS, Infeasible, _campaign_lever, make_repair
from ...runs.files import write_atomically

__all__ = ["relaxed_plans", "search_relaxation", "START_STEP", "THROUGHPUT_STEP"]

#: Relaxation steps: hours earlier for ``start``, a share more of the cap for ``throughput``.
START_STEP = 1.0
THROUGHPUT_STEP = 0.10
#: A plan sits at a constraint when it is within this share of the lever's range (a start) or
#: of the cap (a throughput): a search over numbers comes near a bound, rarely onto it.
AT_BOUND = 0.01


def relaxed_plans(request, out: Path, best) -> tuple[list[dict], list[Path]]:
    """Rows (one per constraint) and the files of the relaxed plans to run."""
    rows, files = [], []
    for number, constraint in enumerate(request.constraints, start=1):
        row: dict[str, Any] = {"constraint": constraint.text, "kind": constraint.kind, "binding": False}
        values = None
        if constraint.kind == "start":
            row["step"] = f"campaigns may start {START_STEP:g} hour earlier"
            values = _earlier(request, best, constraint, START_STEP)
            repair = request.repair
        elif constraint.kind == "throughput":
            row["step"] = f"{THROUGHPUT_STEP:.0%} more {constraint.name} throughput"
            looser = dataclasses.replace(constraint, bound=constraint.bound * (1 + THROUGHPUT_STEP))
            if _at_cap(request, best, constraint):
                values = dict(best.values)
                repair = _filling_repair(request, constraint, looser)
        else:
            continue
        if values is not None:
            try:
                data = plan_data(request.levers, values, request.base, repair)
            except (Infeasible, ScenarioError):
                data = None
            if data is not None and data != best.data:
                path = out / "plans" / f"relaxed-{number:02d}.toml"
                text = plan_text(request, data, f"Plan {best.number}, relaxed",
                                 path, f"Plan {best.number} with {constraint.text} relaxed: {row['step']}.")
                path.parent.mkdir(parents=True, exist_ok=True)
                write_atomically(path, lambda p, t=text: p.write_text(t, encoding="utf-8"))
                row.update(binding=True, file=path)
                files.append(path)
        rows.append(row)
    return rows, files


def _earlier(request, best, constraint, step: float) -> dict | None:
    original = {lv.key: lv for lv in request.original_levers}
    values = dict(best.values)
    moved = False
    for lever in request.levers:
        if _campaign_lever(lever, "start_hour") is None or lever.kind == "choice":
            continue
        value = values[lever.key]
        low = original[lever.key].low
        near = AT_BOUND * (lever.high - lever.low)
        if value <= constraint.bound + near and low < constraint.bound:
            values[lever.key] = type(value)(max(low, constraint.bound - step))
            moved = True
    return values if moved else None


def _rate_levers(request) -> dict[int, Any]:
    return {i: lv for lv in request.levers if (i := _campaign_lever(lv, "per_hour")) is not None}


def _at_cap(request, best, constraint) -> bool:
    items = best.data.get(CAMPAIGNS)
    if items is None or not _rate_levers(request):
        return False
    total = sum(c["per_hour"] for c in items if c["medium"] == constraint.name)
    return total >= constraint.bound * (1 - AT_BOUND)


def _filling_repair(request, constraint, looser):
    others = [c if c is not constraint else looser for c in request.constraints]
    repair = make_repair(request.levers, others, request.base)
    original = {lv.key: lv for lv in request.original_levers}
    rate = {i: original[lv.key] for i, lv in _rate_levers(request).items()}    # the user's ranges

    def fill(lists: dict[str, list]) -> None:
        repair(lists)
        items = lists.get(CAMPAIGNS) or []
        on = [i for i, c in enumerate(items) if c.get("_on", True) and c["medium"] == constraint.name]
        scaled = [i for i in on if i in rate]
        total = sum(items[i]["per_hour"] for i in on)
        fixed = total - sum(items[i]["per_hour"] for i in scaled)
        if not scaled or total >= looser.bound or total <= fixed:
            return
        factor = (looser.bound - fixed) / (total - fixed)
        for i in scaled:
            value = min(rate[i].high, items[i]["per_hour"] * factor)
            items[i]["per_hour"] = int(value) if rate[i].kind == "int" else value
    return fill


def search_relaxation(request, constraint, candidates: list) -> dict:
    """An outcome constraint's row: the best first-objective score among the plans evaluated,
    with the bound as given and 10% looser (their current estimates, not re-run)."""
    first = request.objectives[0]
    shift = 0.1 * abs(constraint.bound) * (1 if constraint.op == "<=" else -1)
    looser = dataclasses.replace(constraint, bound=constraint.bound + shift)

    def best_under(kept: list) -> float | None:
        values = [c.scores[first.measure][0] for c in candidates
                  if c.status == "evaluated" and c.same_as is None and c.scores
                  and all(k.violation(c.scores[k.name][0]) <= 0 for k in kept if k.kind == "outcome")]
        return (min if first.direction == "min" else max)(values) if values else None

    now = best_under(request.constraints)
    relaxed = best_under([k if k is not constraint else looser for k in request.constraints])
    return {"constraint": constraint.text, "kind": constraint.kind, "search_only": True,
            "step": "the bound 10% looser (from the plans evaluated, not re-run)",
            "binding": now is not None and relaxed is not None and relaxed != now,
            "current": now, "relaxed": relaxed}
