"""The dashboard's charts: baseline (fixed) against current settings (live).

Each function takes two :class:`~sim.reporting.dashboard.runs.Outcome` objects and
returns a matplotlib :class:`~matplotlib.figure.Figure` sized for a browser
page (no pyplot state, safe in worker threads). The conventions are the
report's: median line and 10-90% band across runs, real local dates on the
time axis, Okabe-Ito colours (baseline black, current blue), a title that
states the finding. The report's own charts (``compare``, ``Comparison.plot``)
are drawn by :mod:`sim.reporting`; these are smaller and redrawn on every
change.

Each chart is made in two parts: its *frame* (figure, axes, axis labels and
formats: what no outcome changes) and what is drawn from the outcomes. A
process keeps one frame per chart and :func:`png` draws into it again, taking
the last drawing's artists away first: the axes, their ticks and the sizes of
their texts are then made once per process, not on every change. A kept frame
gives the same pixels as a new figure.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import threading
from dataclasses import dataclass, field

import matplotlib.dates as mdates
import matplotlib.ticker as mticker
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.transforms import Bbox

from ...config.vocabulary import COMPANY, SOURCES, is_campaign, source_words
from .. import timeline
from ..text import fmt_hours, fmt_pct, fmt_trust, mpl_text
from .runs import Outcome

__all__ = ["BASELINE", "CURRENT", "FIGURES", "awareness_figure", "first_source_figure", "png",
           "trust_figure", "window_hours"]

BASELINE, CURRENT = "#000000", "#0072B2"
BAND_ALPHA = 0.18
GREY = "#555555"
DPI = 100
TITLE_SIZE = 13
LABEL_SIZE = 10.5
SOURCE_LABELS = {**{s: source_words(s) for s in (COMPANY, *(s for s in SOURCES if s != COMPANY))},
                 "not_heard": "had not heard by the end"}
#: Sizes of the channel timeline (points), smaller than the report's: the page is smaller.
STRIP = timeline.Sizes(bar=6.0, marker=7.0, font=LABEL_SIZE - 1.5, label=LABEL_SIZE - 1, gap=1.0)


def _figure(width: float, height: float) -> Figure:
    """A figure of ``width`` x ``height`` inches on its own Agg canvas (so that drawing it
    again reuses the canvas's renderer and its text sizes); axes are placed by :func:`_axes`
    (a fixed layout draws in half the time of a constrained one, which counts on every change)."""
    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _axes(fig: Figure, left: float, bottom: float, right: float, top: float, **kw):
    """Axes with margins in inches from each edge of ``fig``."""
    w, h = fig.get_size_inches()
    return fig.add_axes((left / w, bottom / h, 1 - (left + right) / w, 1 - (bottom + top) / h), **kw)


def _style(ax) -> None:
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=LABEL_SIZE - 1)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _settled(outcome: Outcome) -> float:
    """Hours until the median reaches 99% of its final level (or the last campaign ends)."""
    median = outcome.aware[1]
    final = median[-1]
    hours = outcome.hours[-1]
    if final > 0:
        hours = float(outcome.hours[np.argmax(median >= 0.99 * final)])
    ends = [e["end"] for e in outcome.events if is_campaign(e)]
    return max([hours] + [min(e if e is not None else math.inf, outcome.hours[-1]) for e in ends])


def window_hours(*outcomes: Outcome) -> float:
    """Hours shown on time axes: until every outcome settles, plus half a day, in whole
    days (at least 2 days, at most the run)."""
    settle = max(_settled(o) for o in outcomes)
    return min(float(outcomes[0].hours[-1]), max(48.0, 24 * math.ceil((settle + 12) / 24)))


def _date_axis(ax, start: dt.datetime, hours: float) -> None:
    tz = start.tzinfo
    days = hours / 24
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=1 if days <= 8 else 2, tz=tz))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%a\n%d %b", tz=tz))
    x0 = float(mdates.date2num(start))
    ax.set_xlim(x0 - hours / 24 * 0.01, x0 + hours / 24)


def _x(outcome: Outcome, hours) -> np.ndarray:
    """Matplotlib date numbers of hours after the outcome's start."""
    return mdates.date2num(outcome.start) + np.asarray(hours, float) / 24


def _lines(ax, outcome: Outcome, values: np.ndarray, colour: str, label: str, until: float,
           scale: float = 1.0) -> None:
    keep = outcome.hours <= until + 1e-9
    x = _x(outcome, outcome.hours[keep])
    ax.fill_between(x, values[0][keep] * scale, values[2][keep] * scale, color=colour,
                    alpha=BAND_ALPHA, lw=0)
    ax.plot(x, values[1][keep] * scale, color=colour, lw=2.4, label=label)


def _timeline(ax, rows: list[tuple[str, Outcome, str]], until: float) -> None:
    """One row per outcome (label, outcome, colour) of its channel events up to ``until``
    hours (:func:`sim.reporting.timeline.draw_rows`), with their legend above."""
    kinds = timeline.draw_rows(ax, [timeline.Row(label, o.events, float(_x(o, 0.0)), until, colour)
                                    for label, o, colour in rows], STRIP)
    left = -0.75 / (ax.get_position().width * ax.figure.get_figwidth())   # from 0.1 in off the edge
    timeline.add_legend(ax, kinds, STRIP, left=left)


@dataclass
class Frame:
    """What a chart keeps between drawings: its figure, its axes (``axes``; for the awareness
    chart also its share axis), the title (the finding) and the grey line under it (what
    is drawn), whose texts each drawing sets."""

    fig: Figure
    axes: tuple
    title: object
    sub: object
    lock: threading.Lock = field(default_factory=threading.Lock)


def _frame(fig: Figure, *axes) -> Frame:
    """A :class:`Frame` of ``fig`` and ``axes``, with an empty title and grey line."""
    title = fig.suptitle("", x=0.1 / fig.get_figwidth(), y=1 - 0.08 / fig.get_figheight(),
                         ha="left", va="top", fontsize=TITLE_SIZE, fontweight="bold")
    sub = fig.text(0.1 / fig.get_figwidth(), 1 - 0.4 / fig.get_figheight(), "",
                   ha="left", va="top", fontsize=LABEL_SIZE - 1, color=GREY)
    return Frame(fig, axes, title, sub)


def _title(frame: Frame, text: str, sub: str) -> None:
    """The finding as the figure's title; what is drawn, in grey, under it."""
    frame.title.set_text(mpl_text(text))
    frame.sub.set_text(mpl_text(sub))


def _emptied(frame: Frame) -> Frame:
    """``frame`` with every artist the last drawing added taken away: its axes hold no
    lines, bands, bars, texts or legend and no data limits, as when they were made."""
    for ax in frame.fig.axes:
        for container in list(ax.containers):
            container.remove()
        for artist in [*ax.lines, *ax.collections, *ax.patches, *ax.texts]:
            artist.remove()
        if ax.legend_ is not None:
            ax.legend_.remove()
        ax.dataLim = Bbox.null()
        ax.ignore_existing_data_limits = True
    return frame


def _runs(base: Outcome, now: Outcome) -> str:
    """``"10 runs of 10,000 agents"``: what every figure of the page is made of (the page
    runs its own number of agents, which may differ from a report's)."""
    runs = f"{base.done} runs" if base.done == now.done else f"{base.done} and {now.done} runs"
    agents = (f"{base.agents:,}" if base.agents == now.agents
              else f"{base.agents:,} and {now.agents:,}")
    return f"{runs} of {agents} agents"


def _runs_words(base: Outcome, now: Outcome) -> str:
    return f"line: median of {_runs(base, now)}; band: 10-90% of runs"


def _awareness_frame() -> Frame:
    """The awareness chart's frame: the chart (millions of people; its share axis in % of
    the affected customers) above the channel timeline."""
    fig = _figure(7.8, 5.4)
    ax = _axes(fig, 0.85, 1.9, 0.55, 0.75)
    strip = _axes(fig, 0.85, 0.5, 0.55, 4.0, sharex=ax)
    ax.tick_params(labelbottom=False)
    ax.set_ylabel("affected customers who know\n(millions of people)", fontsize=LABEL_SIZE)
    share = ax.secondary_yaxis("right", functions=(lambda m: m, lambda s: s))
    share.yaxis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=0))
    share.tick_params(labelsize=LABEL_SIZE - 1)
    _style(ax)
    strip.tick_params(axis="x", labelsize=LABEL_SIZE - 1)
    return _frame(fig, ax, strip, share)


def _draw_awareness(frame: Frame, base: Outcome, now: Outcome, until: float | None) -> Figure:
    """Affected customers who know, over local dates, with the channel timeline below."""
    until = window_hours(base, now) if until is None else until
    ax, strip, share = frame.axes
    scale = 1e-6
    _lines(ax, base, base.aware, BASELINE, f"baseline: {base.name}", until, scale)
    _lines(ax, now, now.aware, CURRENT, "current settings", until, scale)
    top = max(base.affected_people, now.affected_people) * scale
    ax.axhline(top, color=GREY, lw=1, ls=":")
    ax.text(float(_x(base, 0.0)), top * 1.01, f" all affected customers: {top:.1f} M",
            va="bottom", fontsize=LABEL_SIZE - 1.5, color=GREY)
    ax.set_ylim(0, top * 1.12)
    share.set_functions((lambda m: m / top, lambda s: s * top))
    handles, labels = ax.get_legend_handles_labels()
    handles.append(Patch(color=GREY, alpha=BAND_ALPHA + 0.1, lw=0))
    labels.append("10-90% of runs")
    ax.legend(handles, [mpl_text(t) for t in labels], loc="lower right", fontsize=LABEL_SIZE - 1)
    _timeline(strip, [("baseline", base, BASELINE), ("current", now, CURRENT)], until)
    _date_axis(strip, base.start, until)
    h_now = now.headline["hours_to_50pct_affected"][1]
    h_base = base.headline["hours_to_50pct_affected"][1]
    _title(frame, f"Half of affected customers know after {fmt_hours(h_now)} "
                  f"(baseline {fmt_hours(h_base)})",
           f"Affected customers who know; {_runs_words(base, now)}; "
           f"local time ({base.start.strftime('UTC%z')[:-2]})")
    return frame.fig


def awareness_figure(base: Outcome, now: Outcome, until: float | None = None) -> Figure:
    """Affected customers who know, over local dates, with the channel timeline below."""
    return _draw_awareness(_awareness_frame(), base, now, until)


def _first_source_frame() -> Frame:
    """The first-source chart's frame: shares of affected customers across."""
    fig = _figure(6.2, 3.9)
    ax = _axes(fig, 1.95, 0.55, 0.15, 0.75)
    ax.set_xlim(0, 1.12)
    ax.xaxis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("share of affected customers", fontsize=LABEL_SIZE - 1)
    _style(ax)
    ax.grid(axis="y", visible=False)
    return _frame(fig, ax)


def _draw_first_source(frame: Frame, base: Outcome, now: Outcome) -> Figure:
    """Where affected customers first heard (median share), baseline against current."""
    keys = [k for k in SOURCE_LABELS if base.first_sources.get(k, 0) > 0.0005
            or now.first_sources.get(k, 0) > 0.0005 or k in ("direct", "not_heard")]
    (ax,) = frame.axes
    y = np.arange(len(keys))
    for offset, outcome, colour, label in ((-0.2, base, BASELINE, "baseline"),
                                           (0.2, now, CURRENT, "current")):
        values = [outcome.first_sources.get(k, 0.0) for k in keys]
        bars = ax.barh(y + offset, values, height=0.38, color=colour, label=label)
        ax.bar_label(bars, [fmt_pct(v) for v in values], padding=3, fontsize=LABEL_SIZE - 1.5)
    ax.set_yticks(y, [SOURCE_LABELS[k] for k in keys], fontsize=LABEL_SIZE - 1)
    ax.yaxis.set_inverted(True)
    ax.legend(fontsize=LABEL_SIZE - 1.5, loc="lower right")
    c_now, c_base = now.first_sources["direct"], base.first_sources["direct"]
    _title(frame, f"First heard from the company: {fmt_pct(c_now)} (baseline {fmt_pct(c_base)})",
           f"median share of affected customers by where they first heard; {_runs(base, now)}")
    return frame.fig


def first_source_figure(base: Outcome, now: Outcome) -> Figure:
    """Where affected customers first heard (median share), baseline against current."""
    return _draw_first_source(_first_source_frame(), base, now)


def _trust_frame() -> Frame:
    """The trust chart's frame: mean company trust (0 none, 1 full) over local dates."""
    fig = _figure(6.2, 3.9)
    ax = _axes(fig, 0.95, 0.55, 0.15, 0.75)
    ax.set_ylabel("mean trust in the company\n(0 none, 1 full)", fontsize=LABEL_SIZE - 1)
    _style(ax)
    return _frame(fig, ax)


def _draw_trust(frame: Frame, base: Outcome, now: Outcome, until: float | None) -> Figure:
    """Mean trust of affected customers in the company over local dates."""
    until = window_hours(base, now) if until is None else until
    (ax,) = frame.axes
    _lines(ax, base, base.trust, BASELINE, "baseline", until)
    _lines(ax, now, now.trust, CURRENT, "current", until)
    _date_axis(ax, base.start, until)
    ax.legend(fontsize=LABEL_SIZE - 1.5, loc="best")
    t_now = now.headline["final_company_trust_affected"][1]
    t_base = base.headline["final_company_trust_affected"][1]
    _title(frame, f"Company trust at the end: {fmt_trust(t_now)} (baseline {fmt_trust(t_base)})",
           f"mean company trust of affected customers; median and 10-90% of {_runs(base, now)}")
    return frame.fig


def trust_figure(base: Outcome, now: Outcome, until: float | None = None) -> Figure:
    """Mean trust of affected customers in the company over local dates."""
    return _draw_trust(_trust_frame(), base, now, until)


#: The page's charts by name.
FIGURES = {"awareness": awareness_figure, "first_source": first_source_figure, "trust": trust_figure}
#: Per chart: how its frame is made and how it is drawn from two outcomes.
_PARTS = {"awareness": (_awareness_frame, lambda f, b, n: _draw_awareness(f, b, n, None)),
          "first_source": (_first_source_frame, _draw_first_source),
          "trust": (_trust_frame, lambda f, b, n: _draw_trust(f, b, n, None))}
#: The frames this process keeps, one per chart (made on first use).
_KEPT: dict[str, Frame] = {}
_KEPT_LOCK = threading.Lock()


def _kept(name: str) -> Frame:
    with _KEPT_LOCK:
        if name not in _KEPT:
            _KEPT[name] = _PARTS[name][0]()
        return _KEPT[name]


def png(name: str, base: Outcome, now: Outcome) -> bytes:
    """Chart ``name`` of :data:`FIGURES` as PNG bytes (fast zlib level: the page waits for it).

    Drawn into the frame this process keeps for the chart; a thread that finds it in use
    draws a new figure instead (the same pixels). A plain function of its arguments, so
    that worker processes can draw charts side by side.
    """
    frame = _kept(name)
    if not frame.lock.acquire(blocking=False):
        return _png(FIGURES[name](base, now))
    try:
        return _png(_PARTS[name][1](_emptied(frame), base, now))
    finally:
        frame.lock.release()


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", pil_kwargs={"compress_level": 1})
    return buffer.getvalue()
