"""What an optimisation writes: ``pareto.csv``, ``best.toml``, ``front/``, ``optimise.json``.

- ``pareto.csv``: one row per plan run (and the baseline and compared scenarios): its
  lever values, each measure's score with ``_low``/``_high`` (95% interval), ``runs``, the
  ``stage`` its scores come from (``search`` or ``confirmed``), ``feasible``, ``pareto``
  (non-dominated among the confirmed feasible plans) and ``best``;
- ``best.toml``: the best plan (one objective) or the front's balanced plan (several:
  nearest the ideal point), a scenario file extending the optimised scenario;
- ``front/front-NN.toml``: every plan of the front, in the order of the first objective;
- ``optimise.json``: the request, the best plan, the front, the comparisons and what each
  constraint costs, structured for the chart, the report and the dashboard (lever values
  as the scenario file writes them: numbers, true/false, text, lists; a switched item
  true when sent; ``range`` is words for display only, ``low``/``high``/``step`` or
  ``choices`` the data).
"""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from ...runs.escape import spreadsheet_safe
from ...runs.files import write_atomically, write_json
from .goals import measure_label
from .levers import shown
from .plan_files import plan_text

__all__ = ["write_outputs", "table_of"]


def _row(outcome, c, kind: str, name: str, out: Path) -> dict[str, Any]:
    request = outcome.request
    row: dict[str, Any] = {"plan": name, "kind": kind, "number": c.number or None,
                           "generation": c.generation or None, "stage": c.stage,
                           "file": _relative(c.file, out)}
    for lever in request.levers:
        row[lever.key] = shown(c.values[lever.key]) if lever.key in c.values else ""
    for m in request.measures:
        value, low, high = c.scores.get(m, (math.nan, math.nan, math.nan))
        row[m], row[f"{m}_low"], row[f"{m}_high"] = value, low, high
    row.update(runs=c.runs, feasible=bool(c.feasible) if c.scores else False,
               pareto=c.number in outcome.front if kind == "plan" else False,
               best=c.number == outcome.best if kind == "plan" else False,
               status=c.status, note=c.note)
    return row


def _relative(path: Path | None, out: Path) -> str:
    if path is None:
        return ""
    try:
        return Path(os.path.relpath(Path(path).resolve(), out.resolve())).as_posix()
    except ValueError:
        return str(path)


def table_of(outcome, out: Path) -> pd.DataFrame:
    """The rows of ``pareto.csv``: the comparisons first, then the plans by number."""
    rows = [_row(outcome, c, "baseline" if c.stage == "baseline" else "compared", c.name, out)
            for c in outcome.comparisons]
    rows += [_row(outcome, c, "plan", f"plan {c.number}", out) for c in outcome.candidates
             if c.same_as is None and c.status != "infeasible"]
    return pd.DataFrame(rows)


def write_outputs(outcome, out: Path) -> list[Path]:
    """Write every output (atomically) and return their paths."""
    out = Path(out)
    table = table_of(outcome, out)
    written = [out / "pareto.csv"]
    write_atomically(written[0], lambda p: spreadsheet_safe(table).to_csv(p, index=False, float_format="%.6g"))
    by_number = {c.number: c for c in outcome.candidates if c.same_as is None}
    request = outcome.request
    if outcome.best is not None:
        written.append(_plan_file(request, by_number[outcome.best], out / "best.toml", "Best plan"))
    front_dir = out / "front"
    if front_dir.is_dir():
        shutil.rmtree(front_dir)                 # the optimiser's own folder: the front of this run only
    if len(request.objectives) > 1:
        for i, number in enumerate(outcome.front, start=1):
            written.append(_plan_file(request, by_number[number], front_dir / f"front-{i:02d}.toml",
                                      f"Front plan {i}"))
    written.append(out / "optimise.json")
    write_json(written[-1], summary_of(outcome, out))
    return written


def _plan_file(request, c, path: Path, name: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    words = "; ".join(f"{lv.label or lv.key} {shown(c.values[lv.key])}" for lv in request.levers)
    text = plan_text(request, c.data, name, path, f"{name} of the optimisation (plan {c.number}): {words}.")
    write_atomically(path, lambda p: p.write_text(text, encoding="utf-8"))
    return path


def _scores(request, c) -> dict:
    return {m: {"value": v[0], "low": v[1], "high": v[2]} for m, v in c.scores.items()}


def summary_of(outcome, out: Path) -> dict:
    """``optimise.json``: everything the chart, report and dashboard say, as data."""
    request = outcome.request
    media = request.base.data["channels"]["direct"]["media"]
    by_number = {c.number: c for c in outcome.candidates if c.same_as is None}
    plans = lambda numbers: [{"plan": n, "file": _relative(by_number[n].file, out),  # noqa: E731
                              "values": dict(by_number[n].values), "runs": by_number[n].runs,
                              "scores": _scores(request, by_number[n])} for n in numbers]
    best = by_number.get(outcome.best)
    return {
        "scenario": {"file": str(request.scenario_file), "name": request.base.name},
        "settings": {"budget": request.budget, "reps": request.reps, "worlds": request.worlds,
                     "score": request.rule, "seed": request.seed, "engine": request.engine,
                     "set": request.overrides, "prices": request.prices},
        "levers": [{"key": lv.key, "kind": lv.kind, "label": lv.label, "range": lv.describe(),
                    **({"low": lv.low, "high": lv.high, "step": lv.step} if lv.kind in ("int", "float")
                       else {"choices": list(lv.choices)})}
                   for lv in request.levers],
        "objectives": [{"measure": o.measure, "direction": o.direction,
                        "label": measure_label(o.measure, media)} for o in request.objectives],
        "constraints": [{"text": c.text, "kind": c.kind, "name": c.name, "op": c.op, "bound": c.bound,
                         **({"label": measure_label(c.name, media)} if c.kind == "outcome" else {})}
                        for c in request.constraints],
        "best": ({"file": "best.toml", **plans([best.number])[0]} if best else None),
        "front": plans(outcome.front),
        "comparisons": [{"name": c.name, "role": c.stage, "breaks": c.breaks, "file": _relative(c.file, out), "runs": c.runs,
                         "feasible": bool(c.feasible), "scores": _scores(request, c)}
                        for c in outcome.comparisons],
        "relaxations": [_relaxation(r, best, out) for r in outcome.relaxations],
        "counts": {"runs": outcome.runs_done,
                   "plans_run": sum(1 for c in outcome.candidates if c.same_as is None and c.status != "infeasible"),
                   "plans_repeated": sum(1 for c in outcome.candidates if c.same_as is not None),
                   "plans_not_run": sum(1 for c in outcome.candidates if c.status == "infeasible")},
    }


def _relaxation(row: dict, best, out: Path) -> dict:
    plain = {k: v for k, v in row.items() if k not in ("file", "scores", "change")}
    if row.get("file"):
        plain["file"] = _relative(row["file"], out)
    for part in ("scores", "change"):
        if row.get(part):
            plain[part] = {m: {"value": v[0], "low": v[1], "high": v[2]} for m, v in row[part].items()}
    return plain
