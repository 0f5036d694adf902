"""The sensitivity chart: which assumptions matter, with their confidence intervals.

From the table of :func:`sim.sensitivity.indices`: one panel per measure;
per parameter (its readable label), the Sobol total-order index as a bar
with its 95% confidence interval and the first-order index as a dot with its
own interval (or Morris mu* with its interval). A design too small to rank
the parameters (intervals wider than the indices, first-order above
total-order) gets its one-line warning in the figure.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .stats import BY_KEY
from .style import GREY, Size, new_figure, one_line_title, size_of, style_axes
from .text import mpl_text

__all__ = ["sensitivity_chart"]

BAR = "#0072B2"
DOT = "#D55E00"


def sensitivity_chart(table: pd.DataFrame, short: dict[str, str] | None = None, warning: str = "",
                      label: Callable[[str], str] = str, size: str | Size = "slide",
                      scenario: str | None = None) -> Figure:
    """Sobol (``ST``/``S1`` with ``*_conf``) or Morris (``mu_star``) indices, per measure.

    ``label`` turns a dotted parameter key into readable words; ``scenario``
    picks the scenario (default: the table's first).
    """
    sz = size_of(size)
    sobol = "ST" in table
    scenario = scenario or table["scenario"].iloc[0]
    part = table[table["scenario"] == scenario]
    measures = list(dict.fromkeys(part["measure"]))
    params = list(dict.fromkeys(part["parameter"]))
    cols = 2 if len(measures) > 1 else 1
    rows = math.ceil(len(measures) / cols)
    height = max(sz.figsize[1], (1.0 + 0.32 * len(params)) * rows + 1.4) if sz.name == "slide" else None
    fig = new_figure(sz, height)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False, sharex=True)).ravel()
    labels = [mpl_text(label(p)) for p in params]
    y = np.arange(len(params))[::-1]
    for ax, measure in zip(axes, measures):
        g = part[part["measure"] == measure].set_index("parameter").reindex(params)
        if sobol:
            ax.barh(y, g["ST"], xerr=g["ST_conf"], color=BAR, alpha=0.85, height=0.6,
                    error_kw={"ecolor": "#333333", "capsize": 3, "elinewidth": 1.2})
            ax.errorbar(g["S1"], y, xerr=g["S1_conf"], fmt="o", color=DOT, ms=6, capsize=2, elinewidth=1.2,
                        zorder=3)
            ax.axvline(0, color="#999999", lw=0.8)
        else:
            ax.barh(y, g["mu_star"], xerr=g["mu_star_conf"], color=BAR, alpha=0.85, height=0.6,
                    error_kw={"ecolor": "#333333", "capsize": 3})
        ax.set_yticks(y, labels, fontsize=sz.tick - 1)
        m = BY_KEY.get(measure)
        ax.set_title(mpl_text(m.label if m else measure), loc="left", fontsize=sz.label)
        style_axes(ax, sz, "x")
    for ax in axes[len(measures):]:
        ax.axis("off")
    for ax in axes[-cols:]:
        ax.set_xlabel("Sobol index (share of the variance)" if sobol else "mu* (mean |elementary effect|)",
                      fontsize=sz.label)
    handles = ([Patch(color=BAR, alpha=0.85, label="total order (with 95% interval)"),
                Line2D([], [], marker="o", ls="none", color=DOT, label="first order (with 95% interval)")]
               if sobol else [Patch(color=BAR, label="mu* (with 95% interval)")])
    fig.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=sz.legend, frameon=False)
    name = (short or {}).get(scenario, scenario)
    one_line_title(fig, f"Which assumptions matter ({name})", sz)
    if warning:
        fig.text(0.008, 0.995 - 0.9 * sz.title / 72 / fig.get_figheight() - 0.01, mpl_text("Caution: " + warning),
                 ha="left", va="top", fontsize=sz.note, color="#B00020", fontweight="bold")
    return fig
