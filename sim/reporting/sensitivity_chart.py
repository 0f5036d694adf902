"""The sensitivity chart: which assumptions matter, with their confidence intervals.

From the table of :func:`sim.analysis.sensitivity.indices`: one panel per measure;
per parameter (its readable label), the Sobol total-order index as a bar
with its 95% confidence interval and the first-order index as a dot with its
own interval (or Morris mu* with its interval). A design too small to rank
the parameters (intervals wider than the indices, first-order above
total-order) gets its one-line warning in the figure.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from .stats import BY_KEY, SHORT_LABELS
from .style import Size, new_figure, one_line_title, size_of, style_axes
from .text import mpl_text, short_names

__all__ = ["sensitivity_chart", "write_sensitivity_chart"]

BAR = "#0072B2"
DOT = "#D55E00"


def sensitivity_chart(table: pd.DataFrame, short: dict[str, str] | None = None, warning: str = "",
                      label: Callable[[str], str] = str, size: str | Size = "slide",
                      scenario: str | None = None) -> Figure:
    """Sobol (``ST``/``S1`` with ``*_conf``) or Morris (``mu_star``) indices, per measure.

    ``label`` turns a dotted parameter key into readable words; ``scenario``
    picks the scenario (default: the table's first). Sobol indices are drawn
    on a common axis from -0.25 to 1.25 (an index is a share of the variance,
    0 to 1; intervals reaching further are cut at the edge).
    """
    sz = size_of(size)
    sobol = "ST" in table
    scenario = scenario or table["scenario"].iloc[0]
    part = table[table["scenario"] == scenario]
    measures = list(dict.fromkeys(part["measure"]))
    params = list(dict.fromkeys(part["parameter"]))
    cols = 2 if len(measures) > 1 else 1
    rows = math.ceil(len(measures) / cols)
    panel = 0.45 + 0.42 * len(params)                     # inches per row of panels
    wrapped = textwrap.fill("Caution: " + warning, 90) if warning else ""
    top = 0.25 + 0.2 * wrapped.count("\n") if warning else 0.0
    height = max(sz.figsize[1], panel * rows + 1.3 + top)
    fig = new_figure(sz, height)
    grid = fig.add_gridspec(rows + 1, cols, height_ratios=[max(top, 0.01)] + [panel] * rows)
    note = fig.add_subplot(grid[0, :])
    note.axis("off")
    if warning:
        note.text(0.008, 0.5, mpl_text(wrapped), ha="left", va="center", fontsize=sz.note, color="#B00020",
                  fontweight="bold", transform=blended_transform_factory(fig.transFigure, note.transAxes),
                  in_layout=False)
    axes, first = [], None
    for i, _ in enumerate(measures):
        ax = fig.add_subplot(grid[1 + i // cols, i % cols], sharex=first)
        first = first or ax
        axes.append(ax)
    labels = [mpl_text(textwrap.fill(label(p), 36)) for p in params]
    y = np.arange(len(params))[::-1]
    for i, (ax, measure) in enumerate(zip(axes, measures)):
        g = part[part["measure"] == measure].set_index("parameter").reindex(params)
        if sobol:
            ax.barh(y, g["ST"], xerr=g["ST_conf"], color=BAR, alpha=0.85, height=0.6,
                    error_kw={"ecolor": "#333333", "capsize": 3, "elinewidth": 1.2})
            ax.errorbar(g["S1"], y, xerr=g["S1_conf"], fmt="o", color=DOT, ms=5, capsize=2, elinewidth=1.2,
                        zorder=3)
            ax.axvline(0, color="#999999", lw=0.8)
            ax.set_xlim(-0.25, 1.25)
        else:
            ax.barh(y, g["mu_star"], xerr=g["mu_star_conf"], color=BAR, alpha=0.85, height=0.6,
                    error_kw={"ecolor": "#333333", "capsize": 3})
        ax.set_yticks(y, labels if i % cols == 0 else [""] * len(labels), fontsize=sz.tick - 1.5)
        m = BY_KEY.get(measure)
        name = SHORT_LABELS.get(measure) or (m.label if m else measure)
        ax.set_title(mpl_text(textwrap.shorten(name, 44, placeholder="…")), loc="left", fontsize=sz.label - 0.5)
        style_axes(ax, sz, "x")
        ax.tick_params(axis="x", labelsize=sz.tick - 1)
        if i < len(measures) - cols:
            ax.tick_params(axis="x", labelbottom=False)
    for ax in axes[-cols:]:
        ax.set_xlabel("Sobol index (share of the variance)" if sobol else "mu* (mean |elementary effect|)",
                      fontsize=sz.label - 0.5)
    handles = ([Patch(color=BAR, alpha=0.85, label="total order (with 95% interval)"),
                Line2D([], [], marker="o", ls="none", color=DOT, label="first order (with 95% interval)")]
               if sobol else [Patch(color=BAR, label="mu* (with 95% interval)")])
    fig.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=sz.legend, frameon=False)
    names = short or short_names([scenario])
    one_line_title(fig, f"Which assumptions matter ({names.get(scenario, scenario)})", sz)
    return fig


def write_sensitivity_chart(table: pd.DataFrame, path: Path, warning: str = "",
                            short: dict[str, str] | None = None) -> None:
    """Write the chart of a sensitivity table to ``path`` (PNG, slide size), as one unit."""
    from ..runs.files import write_atomically
    from .scenarios import key_label

    fig = sensitivity_chart(table, short, warning, key_label, "slide")
    write_atomically(path, fig.savefig)
