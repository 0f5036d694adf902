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
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ...runs.files import write_atomically, write_json
from ...config.schema import is_index, label_of
from ...config.targets import MEASURES
from .fit import CREDIBLE, Result
from .posterior import write_posterior

__all__ = ["write_outputs", "calibrated_toml", "summary_of", "posterior_table", "fit_figure"]

BLUE, ORANGE, GREY = "#0072B2", "#D55E00", "#555555"


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


def _text(text: str) -> str:
    return str(text).replace("$", r"\$")


def fit_figure(result: Result) -> Figure:
    """Targets against the calibrated model over time (median and 10-90% of the
    posterior-draw runs), and the posterior marginal of each fitted key."""
    cal = result.calibration
    measures = list(result.curves)
    cols = max(len(measures), len(cal.fits), 1)
    cols = min(cols, 4)
    rows = -(-len(measures) // cols) + -(-len(cal.fits) // cols)
    fig = Figure(figsize=(4.2 * cols, 3.4 * rows), dpi=120, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes:
        ax.set_visible(False)
    for ax, measure in zip(axes, measures):
        _curve_panel(ax, result, measure)
    start = -(-len(measures) // cols) * cols
    for ax, (i, fit) in zip(axes[start:], enumerate(cal.fits)):
        _marginal_panel(ax, result, i, fit)
    fig.suptitle(_text(f"{cal.scenario.name}: calibrated to {cal.targets_file.name} "
                       f"({result.runs} runs)"), fontsize=12)
    return fig


def _curve_panel(ax, result: Result, measure: str) -> None:
    ax.set_visible(True)
    curve = result.curves[measure]
    hours = curve.index.to_numpy(float)
    ax.fill_between(hours, curve["p10"], curve["p90"], color=BLUE, alpha=0.2, lw=0,
                    label="calibrated: 10-90% (parameters and chance)")
    ax.plot(hours, curve["median"], color=BLUE, lw=2, label="calibrated: median")
    targets = [t for t in result.calibration.targets if t.measure == measure]
    ax.errorbar([t.hours for t in targets], [t.value for t in targets],
                yerr=[2 * t.sd for t in targets], fmt="o", color=ORANGE, ms=6, capsize=3,
                label="target (± 2 sd)", zorder=3)
    ax.set_title(_text(MEASURES[measure][2]), fontsize=9)
    ax.set_xlabel("hours since the start")
    ax.set_ylabel("share")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best")


def _marginal_panel(ax, result: Result, index: int, fit) -> None:
    ax.set_visible(True)
    values = fit.low + result.posterior.units[:, index] * (fit.high - fit.low)
    ax.hist(values, bins=30, range=(fit.low, fit.high), color=BLUE, alpha=0.7, density=True)
    a, b = result.intervals[fit.key]
    ax.axvspan(a, b, color=BLUE, alpha=0.12, lw=0,
               label=f"{int(round(100 * (CREDIBLE[1] - CREDIBLE[0])))}% credible interval")
    ax.axvline(result.best[fit.key], color="black", lw=1.5, label=f"best {result.best[fit.key]:.4g}")
    ax.set_xlim(fit.low, fit.high)
    ax.set_title(_text(f"{label_of(fit.key)}"), fontsize=9)
    ax.set_xlabel(_text(fit.key), fontsize=8)
    ax.set_ylabel("posterior density")
    ax.legend(fontsize=7, loc="best")


def write_outputs(result: Result, out: str | Path) -> list[Path]:
    """Write the four outputs into ``out``; return their paths."""
    out = Path(out)
    paths = [out / "calibrated.toml", out / "posterior.csv", out / "summary.json", out / "fit.png"]
    text = calibrated_toml(result, out)
    write_atomically(paths[0], lambda p: p.write_text(text, encoding="utf-8"))
    write_posterior(paths[1], posterior_table(result))
    write_json(paths[2], summary_of(result))
    fig = fit_figure(result)
    write_atomically(paths[3], lambda p: fig.savefig(p))
    return paths
