"""What a calibration writes: ``calibrated.toml``, ``posterior.csv``,
``summary.json`` and ``fit.png`` (each atomically).

``calibrated.toml`` extends the input scenario and sets the best value
(posterior median) of every fitted key, with a comment giving its credible
interval; ``--set`` overrides used during the calibration are set too.
Lists are replaced whole when a scenario extends another, so a fitted list
item (``channels.media.releases.0.reach``) is written with its whole list.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from ...runs.files import write_atomically, write_json
from ...config.schema import is_index, label_of
from .fit import CREDIBLE, Result
from .posterior import write_posterior

__all__ = ["write_outputs", "calibrated_toml", "summary_of", "posterior_table"]



def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _split(key: str) -> tuple[str, int | None, str]:
    """``a.b.0.c`` -> (``a.b``, 0, ``c``); ``a.b.c`` -> (``a.b``, None, ``c``)."""
    parts = key.split(".")
    for i, part in enumerate(parts):
        if is_index(part):
            return ".".join(parts[:i]), int(part), ".".join(parts[i + 1:])
    return ".".join(parts[:-1]), None, parts[-1]


def calibrated_toml(result: Result, out: Path) -> str:
    """The text of ``calibrated.toml`` (see the module docstring)."""
    cal = result.calibration
    low, high = (int(round(100 * q)) for q in CREDIBLE)
    notes = {k: "set with --set during the calibration" for k in cal.overrides}
    values: dict[str, Any] = dict(cal.overrides)
    for fit in cal.fits:
        a, b = result.intervals[fit.key]
        values[fit.key] = result.best[fit.key]
        notes[fit.key] = (f"calibrated: posterior median; {high - low}% credible interval "
                          f"{a:.4g} to {b:.4g} (fitted within {fit.low:g} to {fit.high:g})")
    lines = [f"# Calibrated by breachsim calibrate to {cal.targets_file.name} "
             f"({len(cal.targets)} target points, {result.runs} runs); see summary.json."]
    tables: dict[str, list[str]] = {"scenario": [
        f"extends = {json.dumps(_extends(cal.scenario_file, out))}",
        f"name = {json.dumps(cal.scenario.name + ' (calibrated)')}"]}
    lists: dict[str, dict[int, dict[str, str]]] = {}
    for key, value in values.items():
        table, index, leaf = _split(key)
        if index is None:
            tables.setdefault(table, []).append(f"{leaf} = {_toml_value(value)}  # {notes[key]}")
        else:
            lists.setdefault(table, {}).setdefault(index, {})[leaf] = (value, notes[key])
    for table, rows in tables.items():
        lines += [f"[{table}]", *rows, ""]
    for table, changed in lists.items():
        lines += _list_lines(cal.scenario.get(table), table, changed)
    return "\n".join(lines).rstrip() + "\n"


def _extends(scenario_file: Path, out: Path) -> str:
    """The input scenario's path relative to ``out``, or absolute if they share no folder
    but the root."""
    scenario_file, out = Path(scenario_file).resolve(), Path(out).resolve()
    if Path(os.path.commonpath([scenario_file, out])) == Path(scenario_file.anchor):
        return scenario_file.as_posix()
    return Path(os.path.relpath(scenario_file, out)).as_posix()


def _list_lines(items: list, table: str, changed: dict[int, dict[str, Any]]) -> list[str]:
    """A list written whole, with the fitted items changed and commented."""
    head, _, name = table.rpartition(".")
    if not all(isinstance(item, dict) for item in items):
        new = list(items)
        comments = []
        for index, leaves in changed.items():
            value, note = leaves[""]
            new[index] = value
            comments.append(f"item {index}: {note}")
        return [f"[{head}]" if head else "", f"{name} = {_toml_value(new)}  # {'; '.join(comments)}", ""]
    lines = [f"# {table} is written whole (a scenario that extends another replaces lists whole)"]
    for index, item in enumerate(items):
        lines.append(f"[[{table}]]")
        for leaf, value in item.items():
            if leaf in changed.get(index, {}):
                value, note = changed[index][leaf]
                lines.append(f"{leaf} = {_toml_value(value)}  # {note}")
            else:
                lines.append(f"{leaf} = {_toml_value(value)}")
        lines.append("")
    return lines


def posterior_table(result: Result) -> pd.DataFrame:
    """One row per posterior sample: the fitted keys, log-likelihood and distance."""
    cal, post = result.calibration, result.posterior
    table = pd.DataFrame({"sample": np.arange(len(post.units))})
    for i, fit in enumerate(cal.fits):
        table[fit.key] = [fit.value(u) for u in post.units[:, i]]
    table["log_likelihood"] = post.log_lik
    table["distance"] = post.distance
    return table


def _quantiles(values: np.ndarray) -> dict[str, float | None]:
    finite = values[np.isfinite(values)]
    if not len(finite):
        return {"median": None, "p10": None, "p90": None}
    return {"median": float(np.median(finite)), "p10": float(np.quantile(finite, 0.1)),
            "p90": float(np.quantile(finite, 0.9))}


def summary_of(result: Result) -> dict:
    """``summary.json``: best values, intervals, and the fit at each target point."""
    cal = result.calibration
    points = []
    for j, target in enumerate(cal.targets):
        band = _quantiles(result.check_values[:, j])
        best = _quantiles(result.best_values[:, j])["median"]
        points.append({"measure": target.measure, "hours": target.hours, "target": target.value,
                       "sd": target.sd, "weight": target.weight, "model_best": best,
                       "model_median": band["median"], "model_p10": band["p10"],
                       "model_p90": band["p90"],
                       "difference": None if best is None else best - target.value,
                       "distance": None if best is None else abs(best - target.value) / target.sd})
    return {
        "scenario": str(cal.scenario_file), "targets_file": str(cal.targets_file),
        "method": "Gaussian-process emulators (scikit-learn) of each target's mean; synthetic "
                  "likelihood; adaptive importance sampling; waves of runs drawn from the posterior",
        "credible_interval": list(CREDIBLE), "runs": result.runs,
        "waves": [{"parameter_sets": n, "replications": cal.reps} for n in result.waves],
        "engine": cal.engine, "seed": cal.seed, "set": cal.overrides,
        "effective_sample_size": result.posterior.ess,
        "parameters": {f.key: {"best": result.best[f.key], "low": result.intervals[f.key][0],
                               "high": result.intervals[f.key][1], "range": [f.low, f.high],
                               "label": label_of(f.key)} for f in cal.fits},
        "targets": points,
    }


def write_outputs(result: Result, out: str | Path,
                  draw: Callable[[Result, Path], None] | None = None) -> list[Path]:
    """Write ``calibrated.toml``, ``posterior.csv`` and ``summary.json`` into ``out``,
    and, given ``draw(result, path)``, ``fit.png`` (the command line passes
    :func:`sim.reporting.calibration_chart.write_fit_chart`); return their paths."""
    out = Path(out)
    paths = [out / "calibrated.toml", out / "posterior.csv", out / "summary.json"]
    text = calibrated_toml(result, out)
    write_atomically(paths[0], lambda p: p.write_text(text, encoding="utf-8"))
    write_posterior(paths[1], posterior_table(result))
    write_json(paths[2], summary_of(result))
    if draw is not None:
        paths.append(out / "fit.png")
        draw(result, paths[3])
    return paths
