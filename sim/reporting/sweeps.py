"""Response charts for sweeps: how each measure answers each varied parameter.

A batch (or comparison) with grid or sample points varies scenario keys.
For each headline measure, :func:`response_chart` draws per varied
parameter the median and the 10-90% band of runs against the parameter's
values (sample values grouped into bins of equal count; other parameters
pooled), one line per scenario; with exactly two parameters on a grid it
draws a heatmap of the median per pair of values instead, one panel per
scenario. Titles state the finding: how far the measure moves, and with what.
"""

from __future__ import annotations

import math
import re
from typing import Sequence

import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..config import catalog
from . import checks, stats
from .scenarios import ScenarioInfo, key_label
from .stats import BY_KEY, SHORT_LABELS, Measure
from .style import (BAND_ALPHA, GREY, Size, new_figure, one_line_title, scenario_colours,
                    people_axis, scenario_legend, size_of, style_axes)
from .text import fmt_hours, fmt_value, mpl_text, short_names

__all__ = ["SWEEP_MEASURES", "response_chart", "sweep_charts", "CAPTION", "HEATMAP_MAX_VALUES"]

#: Measures drawn against the varied parameters.
SWEEP_MEASURES = catalog.USES["sweep"]
#: A parameter with at most this many distinct values can be a heatmap axis.
HEATMAP_MAX_VALUES = 12
CAPTION = ("How a measure responds to the parameters varied in the sweep. Line: median of the runs at "
           "each value (other parameters pooled); band: 10-90% of runs. Two parameters on a grid: "
           "a heatmap of the median.")


def _value_text(m: Measure, x: float) -> str:
    return fmt_value(m.kind, x)


def _axis_format(ax, m: Measure, axis: str = "y") -> None:
    target = ax.yaxis if axis == "y" else ax.xaxis
    if m.kind == "share":
        target.set_major_formatter(mticker.PercentFormatter(1.0, decimals=0))
    elif m.kind == "people":
        people_axis(target)


def _param_text(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def _short_param(key: str) -> str:
    """A parameter's label without its bracketed unit: ``campaign 1 start``."""
    return re.sub(r"\s*\([^()]*\)\s*$", "", key_label(key)) or key


def _finding(m: Measure, table: pd.DataFrame, keys: Sequence[str], base: str, short: dict[str, str]) -> str:
    """The best and the worst setting for the baseline, with their medians."""
    t = table[table["scenario"] == base].copy()
    name = SHORT_LABELS.get(m.key, m.label[0].upper() + m.label[1:])
    if len(keys) > 2 or len(t) < 2:
        return f"{name} across the sweep ({short.get(base, base)})"
    order = t["median"].replace(np.inf, np.nan)
    if order.notna().sum() < 1:
        return f"{name}: {fmt_hours(math.inf)} anywhere in the sweep"
    ranked = t.assign(_v=t["median"]).sort_values("_v", ascending=(m.better != "higher"))
    best, worst = ranked.iloc[0], ranked.iloc[-1]
    if best["median"] == worst["median"]:
        return f"{name}: {_value_text(m, best['median'])} whatever the setting"
    if len(keys) == 2:
        return (f"{name}: from {_value_text(m, best['median'])} in the best setting to "
                f"{_value_text(m, worst['median'])} in the worst ({short.get(base, base)})")
    k = keys[0]
    return (f"{name}: {_value_text(m, best['median'])} at {_param_text(best[k])}, "
            f"{_value_text(m, worst['median'])} at {_param_text(worst[k])} ({_short_param(k)})")


def response_chart(runs: pd.DataFrame, scenarios: Sequence[ScenarioInfo], keys: Sequence[str],
                   measure: str | Measure, size: str | Size = "slide") -> Figure:
    """One measure against the varied parameters (see the module docstring)."""
    checks.check_sweep_inputs("sweeps.response_chart", runs, scenarios, keys, measure, size)
    sz = size_of(size)
    m = BY_KEY[measure] if isinstance(measure, str) else measure
    order = stats.scenario_order(runs, scenarios)
    given = {s.name: s.short for s in scenarios or []}
    short = {n: given.get(n) or short_names(order)[n] for n in order}
    colours = scenario_colours([s.name for s in scenarios or []] + order)
    good = stats.ok_runs(runs)
    if len(keys) == 2 and all(good[k].nunique() <= HEATMAP_MAX_VALUES for k in keys):
        return _heatmap(runs, order, short, keys, m, sz)
    table = stats.response(runs, m, keys)
    fig = new_figure(sz)
    shown = list(keys)[:6]
    cols = min(3, len(shown))
    rows = math.ceil(len(shown) / cols)
    axes = np.atleast_1d(fig.subplots(rows, cols, sharey=True, squeeze=False)).ravel()
    finite = table["median"].replace([np.inf, -np.inf], np.nan)
    for ax, k in zip(axes, shown):
        per = stats.response(runs, m, [k])
        for name in order:
            t = per[per["scenario"] == name].sort_values(k)
            x = t[k].to_numpy(float)
            lo, mid, hi = (t[c].to_numpy(float) for c in ("p10", "median", "p90"))
            cap = float(np.nanmax(finite)) * 1.15 if finite.notna().any() else 1.0
            hi_drawn = np.where(np.isinf(hi), cap, hi)
            ax.fill_between(x, lo, hi_drawn, color=colours[name], alpha=BAND_ALPHA, lw=0)
            ax.plot(x, np.where(np.isinf(mid), np.nan, mid), color=colours[name], lw=sz.line, marker="o",
                    ms=5 * sz.line / 2.8)
            if np.isinf(mid).any():
                xs = x[np.isinf(mid)]
                ax.plot(xs, [cap] * len(xs), ls="none", marker="^", color=colours[name], ms=8)
        ax.set_xlabel(mpl_text(key_label(k)), fontsize=sz.label)
        values = sorted(per[k].unique())
        if len(values) <= HEATMAP_MAX_VALUES:
            ax.set_xticks(values, [_param_text(v) for v in values])
        style_axes(ax, sz)
        _axis_format(ax, m)
    for ax in axes[len(shown):]:
        ax.axis("off")
    axes[0].set_ylabel(mpl_text(m.label), fontsize=sz.label)
    if m.kind in ("share", "people", "hours"):
        axes[0].set_ylim(bottom=0)
    extra = []
    if np.isinf(table["median"]).any():
        from matplotlib.lines import Line2D

        extra.append(Line2D([], [], ls="none", marker="^", color=GREY, label=f"median {fmt_hours(math.inf)}"))
    scenario_legend(fig, order, colours, short, sz, "line", extra)
    one_line_title(fig, _finding(m, table, keys, order[0], short), sz)
    return fig


def _heatmap(runs: pd.DataFrame, order: list[str], short: dict[str, str], keys: Sequence[str], m: Measure,
             sz: Size) -> Figure:
    table = stats.response(runs, m, keys)
    xs = sorted(table[keys[0]].unique())
    ys = sorted(table[keys[1]].unique())
    fig = new_figure(sz)
    axes = np.atleast_1d(fig.subplots(1, len(order), sharey=True, squeeze=False)).ravel()
    finite = table["median"].replace([np.inf, -np.inf], np.nan)
    vmin, vmax = float(np.nanmin(finite)) if finite.notna().any() else 0.0, \
        float(np.nanmax(finite)) if finite.notna().any() else 1.0
    cmap = "viridis_r" if m.better == "lower" else "viridis"
    image = None
    for ax, name in zip(axes, order):
        t = table[table["scenario"] == name].set_index(list(keys))["median"]
        grid = np.array([[t.get((x, y), np.nan) for x in xs] for y in ys], float)
        shown = np.where(np.isinf(grid), np.nan, grid)
        image = ax.imshow(shown, origin="lower", aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax)
        for (i, j), v in np.ndenumerate(grid):
            text = _value_text(m, v) if not math.isnan(v) else ""
            r, g, b, _ = image.cmap(image.norm(shown[i, j])) if not math.isnan(shown[i, j]) else (1, 1, 1, 1)
            light = 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45
            ax.text(j, i, text, ha="center", va="center", fontsize=sz.label,
                    color="black" if light else "white")
        ax.set_xticks(range(len(xs)), [_param_text(x) for x in xs], fontsize=sz.tick)
        ax.set_yticks(range(len(ys)), [_param_text(y) for y in ys], fontsize=sz.tick)
        ax.set_xlabel(mpl_text(key_label(keys[0])), fontsize=sz.label)
        if len(order) > 1:
            ax.set_title(mpl_text(short[name]), loc="left", fontsize=sz.label + 1)
    axes[0].set_ylabel(mpl_text(key_label(keys[1])), fontsize=sz.label)
    bar = fig.colorbar(image, ax=list(axes), shrink=0.9)
    bar.set_label(mpl_text("median: " + m.label), fontsize=sz.label)
    _axis_format(bar.ax, m)
    bar.ax.tick_params(labelsize=sz.tick)
    one_line_title(fig, _finding(m, table, keys, order[0], short), sz)
    return fig


def sweep_charts(runs: pd.DataFrame, scenarios: Sequence[ScenarioInfo], keys: Sequence[str],
                 size: str | Size = "slide") -> list[tuple[tuple[str, ...], str, Figure]]:
    """``[(keys, measure, figure)]``: one response chart per measure of
    :data:`SWEEP_MEASURES` the runs carry; empty when nothing varies."""
    checks.check_sweep_inputs("sweeps.sweep_charts", runs, scenarios, keys, None, size)
    if not keys:
        return []
    derived = stats.derived_measures(runs)
    out = []
    for measure in SWEEP_MEASURES:
        if measure in derived and derived[measure].notna().any():
            out.append((tuple(keys), measure, response_chart(runs, scenarios, keys, measure, size)))
    return out
