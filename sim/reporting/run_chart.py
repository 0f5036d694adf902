"""The chart of one run (``python run.py run``): affected customers aware over real dates.

Drawn off screen (no pyplot state). Channel events come structured from
:func:`sim.model.simulate.channel_events` and are drawn below the curve by
:mod:`sim.reporting.timeline`; those after the run's end are left out (they
need no calendar date). User text (the scenario name) is shown as text.
"""

from __future__ import annotations

import datetime as dt

import matplotlib.dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..config.vocabulary import COMPANY
from . import timeline
from .text import fmt_hours, mpl_text
from ..model.simulate import SimulationResult

__all__ = ["awareness_figure", "save_awareness_chart"]

#: Sizes of the channel timeline (points) on this chart's figure.
STRIP = timeline.Sizes(bar=6.0, marker=8.0, font=9.0, label=9.5)


def _strip(ax, result: SimulationResult, last: float) -> None:
    """The run's channel events up to its ``last`` hour, each kind in its own colour
    (:data:`sim.reporting.timeline.STYLES`), with their legend above."""
    row = _row(result, last)
    timeline.add_legend(ax, timeline.draw_rows(ax, [row], STRIP), STRIP, colour=None)


def _row(result: SimulationResult, last: float) -> timeline.Row:
    """The run's one timeline row: hours since the scenario start, up to ``last`` hours."""
    return timeline.Row("", result.events, float(mdates.date2num(result.scenario.start)), last)


def awareness_figure(result: SimulationResult) -> Figure:
    """Affected customers aware over real dates, in people; below, the run's channel events
    (hours since the scenario start, those after the run's end left out)."""
    frame, summary = result.timeseries, result.summary
    scale = summary["people_per_agent"] / 1e6
    start = result.scenario.start
    last = float(frame["hours"].iloc[-1])
    times = [start + dt.timedelta(hours=h) for h in frame["hours"]]
    fig = Figure(figsize=(10, 5.5), dpi=120, layout="constrained")
    FigureCanvasAgg(fig)
    ax, strip = fig.subplots(2, 1, sharex=True, gridspec_kw={
        "height_ratios": [4.6, timeline.strip_height([_row(result, last)])]})
    ax.plot(times, frame["aware_affected"] * scale, color="#000000", lw=2.2, label="affected customers aware")
    ax.plot(times, frame["contacted"] * scale, color=timeline.STYLES[COMPANY].colour, lw=1.6, ls="--",
            label="affected customers who read the company's message")
    affected = summary["affected_agents"] * scale
    ax.axhline(affected, color="#999999", lw=1, ls=":")
    ax.text(times[0], affected, f" all affected customers ({affected:.1f} M)", va="bottom", fontsize=9,
            color="#555555")
    _strip(strip, result, last)
    half = summary["hours_to_50pct_affected"]
    verdict = (f"half of affected customers knew after {fmt_hours(half)}" if half is not None
               else "fewer than half of affected customers ever knew")
    ax.set_title(mpl_text(f"{result.scenario.name}: {verdict}"), fontsize=13)
    ax.set_ylabel("affected customers (millions of people)")
    strip.set_xlabel(f"local date and time ({start.tzname() or start.strftime('%z')})")
    ax.set_ylim(0, max(affected, 1e-9) * 1.08)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%a %d %b", tz=start.tzinfo))
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=max(1, round(last / 24 / 8)), tz=start.tzinfo))
    for label in strip.get_xticklabels():
        label.set_rotation(30)
        label.set_ha("right")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=9)
    return fig


def save_awareness_chart(result: SimulationResult, path) -> None:
    """Write :func:`awareness_figure` to ``path`` (format from the suffix)."""
    awareness_figure(result).savefig(path)
