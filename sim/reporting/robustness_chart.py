"""The robustness charts: per measure, each lesson's difference from the baseline in
every plausible world (:func:`sim.analysis.robustness.run_robustness` computes them)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..analysis.robustness import HEADLINES
from ..runs.files import write_atomically

__all__ = ["robustness_chart", "write_robustness_charts"]


def robustness_chart(diffs: pd.DataFrame, table: pd.DataFrame, measure: str, baseline: str) -> Figure:
    """Per scenario, the difference from the baseline in every world (dots; orange where
    the scenario is not better), with the share of worlds in which it is better.
    Returns a matplotlib Figure (drawn off screen)."""
    head = HEADLINES[measure]
    scenarios = list(dict.fromkeys(diffs["scenario"]))
    fig = Figure(figsize=(9, 1.2 + 0.9 * len(scenarios)), dpi=120, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    rng = np.random.default_rng(0)
    for i, scenario in enumerate(scenarios):
        part = diffs[(diffs["scenario"] == scenario) & (diffs["measure"] == measure)]
        scale = 100.0 if head.unit == "share" else 1.0
        y = i + rng.uniform(-0.18, 0.18, len(part))
        colours = np.where(part["better"], "#0072B2", "#D55E00")
        ax.scatter(part["difference"] * scale, y, c=colours, s=14, alpha=0.8, lw=0)
        row = table[(table["scenario"] == scenario) & (table["measure"] == measure)].iloc[0]
        ax.plot([row["diff_p10"] * scale, row["diff_p90"] * scale], [i, i], color="black", lw=1)
        ax.plot([row["diff_median"] * scale], [i], "k|", ms=16, mew=2)
        ax.annotate(f"better in {100 * row['share_better']:.0f}% of {row['worlds']} worlds",
                    (0.0, i), xycoords=("axes fraction", "data"), xytext=(4, 17),
                    textcoords="offset points", ha="left", fontsize=8)
    ax.axvline(0, color="#555555", lw=1, ls="--")
    ax.set_yticks(range(len(scenarios)), [s.replace("$", r"\$") for s in scenarios])
    ax.set_ylim(-0.6, len(scenarios) - 0.4)
    unit = {"hours": "hours", "people": "people"}.get(head.unit, "percentage points")
    direction = "left is better" if head.lower_is_better else "right is better"
    ax.set_xlabel(f"difference from {baseline.replace('$', chr(92) + '$')} ({unit}; {direction})")
    topic = head.topic[0].upper() + head.topic[1:]
    ax.set_title(f"{topic}\neach dot one plausible world (blue: better, orange: not better); "
                 "bar: 10-90%, tick: median", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return fig


def write_robustness_charts(out: Path, table: pd.DataFrame, diffs: pd.DataFrame, baseline: str) -> list[Path]:
    """``robustness_<measure>.png`` in ``out`` for every headline measure; the paths written."""
    paths = []
    for measure in HEADLINES:
        path = out / f"robustness_{measure}.png"
        fig = robustness_chart(diffs, table, measure, baseline)
        write_atomically(path, lambda p, fig=fig: fig.savefig(p))
        paths.append(path)
    return paths
