"""The chart of one run (``python run.py run``): affected customers aware over real dates.

Drawn off screen (no pyplot state). Channel events come structured from
:func:`sim.model.simulate.channel_events`; those after the run's end are left out
(they need no calendar date). User text (the scenario name) is shown as text.
"""

from __future__ import annotations

import datetime as dt

import matplotlib.dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..config.vocabulary import is_campaign
from .text import fmt_hours, mpl_text
from ..model.simulate import SimulationResult

__all__ = ["CHANNEL_COLOURS", "awareness_figure", "save_awareness_chart"]

CHANNEL_COLOURS = {"media": "#0072B2", "twitter": "#56B4E9", "direct": "#D55E00"}


def _marks(result: SimulationResult, last: float):
    """``(hours, label, channel, line style)`` of each event within the run (``last`` hours)."""
    for e in result.events:
        if is_campaign(e):
            yield e["start"], f"{e['label']} starts", e["channel"], "--"
            if e["end"] is not None:
                yield e["end"], f"{e['label']} ends", e["channel"], "-."
        else:
            yield e["start"], e["label"], e["channel"], "--"


def awareness_figure(result: SimulationResult) -> Figure:
    """Affected customers aware over real dates, in people, channel events marked."""
    frame, summary = result.timeseries, result.summary
    scale = summary["people_per_agent"] / 1e6
    start = result.scenario.start
    last = float(frame["hours"].iloc[-1])
    times = [start + dt.timedelta(hours=h) for h in frame["hours"]]
    fig = Figure(figsize=(10, 5.5), dpi=120, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax.plot(times, frame["aware_affected"] * scale, color="#000000", lw=2.2, label="affected customers aware")
    ax.plot(times, frame["contacted"] * scale, color=CHANNEL_COLOURS["direct"], lw=1.6, ls="--",
            label="affected customers who read the company's message")
    affected = summary["affected_agents"] * scale
    ax.axhline(affected, color="#999999", lw=1, ls=":")
    ax.text(times[0], affected, f" all affected customers ({affected:.1f} M)", va="bottom", fontsize=9,
            color="#555555")
    seen = set()
    for hours, label, channel, style in _marks(result, last):
        if hours > last:
            continue          # after the run: no date needed, not drawn
        ax.axvline(start + dt.timedelta(hours=hours), color=CHANNEL_COLOURS[channel], lw=1, alpha=0.8,
                   label=label if label not in seen else None, ls=style)
        seen.add(label)
    half = summary["hours_to_50pct_affected"]
    verdict = (f"half of affected customers knew after {fmt_hours(half)}" if half is not None
               else "fewer than half of affected customers ever knew")
    ax.set_title(mpl_text(f"{result.scenario.name}: {verdict}"), fontsize=13)
    ax.set_ylabel("affected customers (millions of people)")
    ax.set_xlabel(f"local date and time ({start.tzname() or start.strftime('%z')})")
    ax.set_ylim(0, max(affected, 1e-9) * 1.08)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%a %d %b", tz=start.tzinfo))
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=max(1, round(last / 24 / 8)), tz=start.tzinfo))
    for label in ax.get_xticklabels():
        label.set_rotation(30)
        label.set_ha("right")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=9)
    return fig


def save_awareness_chart(result: SimulationResult, path) -> None:
    """Write :func:`awareness_figure` to ``path`` (format from the suffix)."""
    awareness_figure(result).savefig(path)
