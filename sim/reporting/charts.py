"""The comparison charts: one figure per question, scenarios side by side.

Every function takes the batch tables and the scenarios and returns a
matplotlib :class:`~matplotlib.figure.Figure` (off screen; save it with
``fig.savefig``):

- ``runs``: one row per run (``run``, ``scenario``, ``status``, every key of
  :func:`sim.model.measures.summarise`);
- ``timeseries``: one row per run and step (``run``, ``scenario`` and the
  columns of :data:`sim.model.measures.COLUMNS`), counts in agents;
- ``scenarios``: :class:`~sim.reporting.scenarios.ScenarioInfo` in display
  order, the first the baseline (see :func:`sim.reporting.load_results`).

Across the runs of a scenario each chart shows the median and the 10-90%
range. Counts are scaled to people. A scenario has the same Okabe-Ito colour
in every chart and is named by its short name; each title states the finding,
computed from the numbers, on one line. ``size`` is ``"slide"`` (16:9,
2000 x 1125 px) or ``"page"`` (for the printed report).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Sequence

import matplotlib.dates as mdates
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..config.vocabulary import SOURCES, is_campaign, source_words
from ..config.arguments import check_hours
from ..errors import ScenarioError
from ..config.schema import COHORTS
from . import checks, findings, stats, tables, timeline
from .scenarios import ScenarioInfo
from .stats import COHORT_WORDS, ok_runs, scenario_quantiles
from .style import (BAND_ALPHA, GREY, Size, declutter_labels, new_figure, one_line_title,
                    scenario_colours, scenario_legend, size_of, style_axes, titles)
from .text import fmt_hours, fmt_people, mpl_text, plural, short_names

__all__ = ["awareness_chart", "time_to_reach_chart", "first_source_chart", "trust_chart",
           "cohorts_chart", "all_charts", "display_hours", "CHART_STEMS", "SOURCE_WORDS"]

def _stacked(words: str) -> str:
    """A bar label on at most two lines: broken before a bracket, else at the last space
    of a label longer than 10 characters."""
    if " (" in words:
        return words.replace(" (", "\n(", 1)
    return "\n".join(words.rsplit(" ", 1)) if len(words) > 10 and " " in words else words


#: Where people first heard: category -> plain label (the vocabulary's words, stacked).
SOURCE_WORDS = {**{s: _stacked(source_words(s)) for s in SOURCES},
                "elsewhere": "elsewhere\n(news, Twitter,\nword of mouth)", "not_heard": "not heard\nby the end"}


class _Context:
    """Display order, colours and short names of the scenarios that have runs."""

    def __init__(self, runs: pd.DataFrame, scenarios: Sequence[ScenarioInfo]):
        self.scenarios = list(scenarios or [])
        self.order = stats.scenario_order(runs, self.scenarios)
        names = [s.name for s in self.scenarios] + self.order
        self.colours = scenario_colours(names)
        given = {s.name: s.short for s in self.scenarios}
        auto = short_names(self.order, given)
        self.short = {n: given.get(n) or auto[n] for n in self.order}
        self.by_name = {s.name: s for s in self.scenarios}
        self.n_runs = ok_runs(runs).groupby("scenario").size()

    @property
    def single(self) -> bool:
        """Every scenario has one run: no median, no 10-90% range to show."""
        return int(self.n_runs.max()) == 1

    def runs_text(self) -> str:
        lo, hi = int(self.n_runs.min()), int(self.n_runs.max())
        return plural(lo, "run") if lo == hi else f"{lo}-{hi} runs"

    def lines_text(self) -> str:
        """What a chart's lines are: one run, or the median and the 10-90% band of runs."""
        each = " per scenario" if len(self.order) > 1 else ""
        if self.single:
            return f"Line: one run{each}"
        return f"Line: median of {self.runs_text()}{each}; band: 10-90% of runs"

    def bars_text(self) -> str:
        """What a bar chart's bars and whiskers are (for its value axis label)."""
        return "one run" if self.single else "median; whisker: 10-90% of runs"


# --------------------------------------------------------------------------- what each chart reads

#: Columns of the runs that scale a time series to people (joined onto it).
SCALE = ("people_per_agent", "affected_agents")
#: The columns each chart reads: ``(runs, time series)``; None: no time series. What each
#: column may hold is said by :func:`sim.reporting.tables.column_kind`.
READS = {
    "awareness_chart": ((*SCALE, "hours_to_50pct_affected"), ("aware_affected",)),
    "display_hours": (SCALE, ("aware_affected",)),
    "time_to_reach_chart": (("hours_to_50pct_affected", "hours_to_90pct_affected"), None),
    "first_source_chart": ((*SCALE, "share_affected_first_from_company", "unaware_affected_share_end"),
                           ("aware", *(f"first_{s}" for s in stats.SOURCES))),
    "trust_chart": ((*SCALE, "initial_company_trust_affected", "final_company_trust_affected"),
                    ("aware_affected", "mean_company_trust_affected")),
    "cohorts_chart": (SCALE, ()),
}


def _checked(chart: str, runs, timeseries, scenarios, size, hours=None) -> list[ScenarioInfo]:
    """The chart's scenarios, once its tables, scenarios, size and hours are checked
    (:mod:`.tables`: one ScenarioError naming the argument, table and column)."""
    where = f"charts.{chart}"
    run_columns, series_columns = READS[chart]
    optional = [c for c in getattr(runs, "columns", ()) if str(c).startswith("share_affected_first_from_")]
    tables.check_runs(where, runs, run_columns, optional if chart == "first_source_chart" else ())
    if series_columns is not None:
        tables.check_timeseries(where, timeseries, runs, series_columns)
    scenarios = checks.check_scenarios(where, scenarios)
    checks.check_size(where, size)
    check_hours(where, "hours", hours)
    return scenarios


def _check_affected(where: str, runs: pd.DataFrame) -> None:
    """Refuse runs with no affected customers in half or more of them (nothing to show)."""
    good = ok_runs(runs)
    if not float(np.median(good["affected_agents"] * good["people_per_agent"])) > 0:
        raise ScenarioError(where, "runs.affected_agents", "0 in half or more of the finished runs: no "
                                                          "affected customers to chart; allowed: runs "
                                                          "with affected customers")


# --------------------------------------------------------------------------- time axis

def _tz(scenarios: Sequence[ScenarioInfo], times: Sequence[str]) -> dt.tzinfo:
    """Display time zone: the baseline's start offset, else the data's."""
    for s in scenarios:
        if s.start:
            return s.start_time.tzinfo or dt.timezone.utc
    first = times[0]
    first = dt.datetime.fromisoformat(first) if isinstance(first, str) else pd.Timestamp(first).to_pydatetime()
    return first.tzinfo or dt.timezone.utc


def _tzname(tz: dt.tzinfo, when: dt.datetime) -> str:
    hours = (tz.utcoffset(when) or dt.timedelta(0)).total_seconds() / 3600
    return f"UTC{hours:+g}" if hours else "UTC"


def _to_num(times) -> np.ndarray:
    """Matplotlib date numbers of ISO strings (or datetimes)."""
    return mdates.date2num([dt.datetime.fromisoformat(t) if isinstance(t, str)
                            else pd.Timestamp(t).to_pydatetime() for t in times])


def _start_num(scenarios: Sequence[ScenarioInfo], bands: pd.DataFrame) -> float:
    for s in scenarios:
        if s.start:
            return float(mdates.date2num(s.start_time))
    return float(_to_num([bands["time"].iloc[0]])[0])


def _at(bands: pd.DataFrame, start_num: float) -> pd.DataFrame:
    """``bands`` with ``at``: hours since the display start (the baseline's start)."""
    return bands.assign(at=(_to_num(bands["time"]) - start_num) * 24)


def _date_axis(ax, tz: dt.tzinfo, start_num: float, until: float, size: Size) -> None:
    """Day labels (``Fri 23 Sep``) centred on each day's visible part, lines at
    local midnights, and the announcement's time (bold) at the first tick, so
    the announcement day is labelled too; every 2nd or more day on long spans."""
    days = until / 24
    step = 1 if days <= 9 else 2 if days <= 18 else max(1, int(math.ceil(days / 9)))
    start = mdates.num2date(start_num, tz=tz)
    end_num = start_num + until / 24
    midnights, day = [], start.replace(hour=0, minute=0, second=0, microsecond=0)
    while True:
        day = (day + dt.timedelta(days=1, hours=3)).replace(hour=0)   # DST-safe next midnight
        x = float(mdates.date2num(day))
        if x >= end_num - 1e-9:
            break
        midnights.append(x)
    bounds = [start_num] + midnights + [end_num]
    px_per_day = ax.get_position().width * ax.figure.bbox.width / max(until / 24, 1e-9)
    renderer, font = ax.figure.canvas.get_renderer(), FontProperties(size=size.tick)

    def width_days(label: str) -> float:
        return renderer.get_text_width_height_descent(label, font, ismath=False)[0] / px_per_day
    centres, names, right, month = [], [], -math.inf, None
    for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
        if i % step:
            continue
        when = mdates.num2date(a, tz=tz)
        # the month goes on the second label shown (the announcement day's is kept short) and on changes
        with_month = bool(names) and (month is None or when.month != month)
        for show_month in ([True, False] if with_month else [False]):
            name = f"{when:%a} {when.day}" + (f" {when:%b}" if show_month else "")
            half = width_days(name) / 2                      # half the label's width, in days
            centre = max((a + b) / 2, start_num + half * 0.6) if i == 0 else (a + b) / 2
            if centre - half >= right and centre + half <= end_num + half * 0.6:
                break
        else:
            continue  # no room: the announcement day's name wins, later ones give way
        centres.append(centre)
        names.append(name)
        month = when.month if show_month else month
        right = centre + half + width_days("  ")
    if names and month is None:                              # one label only: it carries the month
        names[0] = f"{names[0]} {mdates.num2date(centres[0], tz=tz):%b}"
    ax.set_xticks([start_num] + midnights, [f"{start:%H:%M}"] + [""] * len(midnights))
    ax.set_xticks(centres, names, minor=True)
    ax.get_xticklabels()[0].set_fontweight("bold")
    ax.tick_params(axis="x", which="major", labelsize=size.tick, length=5)
    ax.tick_params(axis="x", which="minor", labelsize=size.tick, length=0, pad=size.tick * 2.1)
    ax.grid(axis="x", which="major", alpha=0.3)


def _time_label(tz: dt.tzinfo, start_num: float) -> str:
    when = mdates.num2date(start_num, tz=tz)
    return f"local date and time ({_tzname(tz, when)}); in bold: the announcement, {when:%a %d %b %H:%M}"


def _display_hours(bands: pd.DataFrame, ctx: _Context, hours: float | None, start_num: float) -> tuple[float, float]:
    """``(shown, horizon)`` in hours since the display start (``bands`` from :func:`_at`).

    Shown: ``hours`` if given, else 12 h after the latest of (each scenario's
    median reaching 99% of its final level, the last company campaign
    ending inside the run), rounded up to whole days, never more than the runs.
    """
    horizon = float(bands["at"].max())
    if hours is not None:
        return min(float(hours), horizon), horizon
    settle = 0.0
    for _, b in bands.groupby("scenario", sort=False):
        final = b["median"].iloc[-1]
        if final > 0:
            reached = b.loc[b["median"] >= 0.99 * final, "at"]
            settle = max(settle, float(reached.iloc[0]) if len(reached) else horizon)
    for s in ctx.scenarios:
        own = (mdates.date2num(s.start_time) - start_num) * 24 if s.start else 0.0
        for e in s.events:
            if is_campaign(e):
                end = e.get("end")
                settle = max(settle, own + (float(end) if end is not None else horizon))
    return min(horizon, 24 * math.ceil(min(settle + 12, horizon + 24) / 24)), horizon


def display_hours(runs: pd.DataFrame, timeseries: pd.DataFrame, scenarios: Sequence[ScenarioInfo],
                  hours: float | None = None) -> tuple[float, float]:
    """``(shown, horizon)``: hours the time charts show, and the runs' length.

    Hours since the baseline's start. ``hours`` if given; else until affected
    awareness stops changing: the same window for every time chart.
    """
    ctx = _Context(runs, _checked("display_hours", runs, timeseries, scenarios, "slide", hours))
    bands = stats.step_bands(runs, timeseries, "aware_affected")
    start = _start_num(ctx.scenarios, bands)
    return _display_hours(_at(bands, start), ctx, hours, start)


def _window_note(shown: float, horizon: float) -> str:
    if shown >= horizon - 1e-9:
        return ""
    return f". Shown: the first {shown / 24:.0f} of the run's {horizon / 24:.0f} days (little changes after)"


def _time_bands_axes(ax, bands, ctx: _Context, scale: float, until: float, size: Size) -> None:
    """Median lines and 10-90% bands per scenario, up to ``until`` display hours."""
    for name in ctx.order:
        b = bands[(bands["scenario"] == name) & (bands["at"] <= until + 1e-9)]
        x = _to_num(b["time"])
        if not ctx.single:
            ax.fill_between(x, b["p10"] * scale, b["p90"] * scale, color=ctx.colours[name],
                            alpha=BAND_ALPHA, lw=0)
        ax.plot(x, b["median"] * scale, color=ctx.colours[name], lw=size.line, label=mpl_text(ctx.short[name]))


# --------------------------------------------------------------------------- channel strip

def _rows(ctx: _Context, start_num: float, until: float) -> list[timeline.Row]:
    """One timeline row per scenario, in display order, each from its own start (hours
    since it, up to ``until`` display hours), in the scenario's colour."""
    rows = []
    for name in ctx.order:
        s = ctx.by_name.get(name)
        x0 = float(mdates.date2num(s.start_time)) if s and s.start else start_num
        rows.append(timeline.Row(ctx.short[name], s.events if s else [], x0,
                                 until - (x0 - start_num) * 24, ctx.colours[name]))
    return rows


def _events_axes(ax, rows: list[timeline.Row], size: Size) -> None:
    """The strip of each scenario's channel events (:func:`sim.reporting.timeline.draw_rows`)."""
    sizes = timeline.sizes_for(size)
    timeline.add_legend(ax, timeline.draw_rows(ax, rows, sizes), sizes)


# --------------------------------------------------------------------------- charts

def awareness_chart(runs: pd.DataFrame, timeseries: pd.DataFrame, scenarios: Sequence[ScenarioInfo],
                    hours: float | None = None, size: str | Size = "slide") -> Figure:
    """Affected customers who know, over real local dates, one line per scenario.

    Median and 10-90% band across runs, in millions of people (left axis) and
    as a share of affected customers (right axis); below, a strip with each
    scenario's channel events (press releases, tweets, company campaigns from
    start to end). ``hours`` limits the time shown (default: until awareness
    stops changing, see :func:`display_hours`). Title: the scenario that
    informs half of the affected customers soonest, against the baseline.
    """
    scenarios = _checked("awareness_chart", runs, timeseries, scenarios, size, hours)
    _check_affected("charts.awareness_chart", runs)
    sz, ctx = size_of(size), _Context(runs, scenarios)
    bands = stats.step_bands(runs, timeseries, lambda t: t["aware_affected"] * t["people_per_agent"])
    good = ok_runs(runs)
    affected_people = float(np.median(good["affected_agents"] * good["people_per_agent"]))
    tz = _tz(ctx.scenarios, bands["time"].tolist())
    start = _start_num(ctx.scenarios, bands)
    bands = _at(bands, start)
    until, horizon = _display_hours(bands, ctx, hours, start)
    unit, scale = (1e6, "millions of people") if affected_people >= 2e6 else (1e3, "thousands of people")

    fig = new_figure(sz)
    rows = _rows(ctx, start, until)
    ax, strip = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [4.6, timeline.strip_height(rows)]})
    _time_bands_axes(ax, bands, ctx, 1 / unit, until, sz)
    ax.axhline(affected_people / unit, color=GREY, lw=1.2, ls=":")
    ax.text(start + until / 24 * 0.01, affected_people / unit * 1.015,
            f"all affected customers: {fmt_people(affected_people)}",
            ha="left", va="bottom", fontsize=sz.note, color=GREY)
    ax.set_ylim(0, affected_people / unit * 1.1)
    ax.set_ylabel(f"affected customers who know\n({scale})", fontsize=sz.label)
    share = ax.secondary_yaxis("right", functions=(lambda m: m * unit / affected_people,
                                                   lambda s: s * affected_people / unit))
    share.yaxis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=0))
    share.set_ylabel("share of affected customers", fontsize=sz.label)
    share.tick_params(labelsize=sz.tick)
    style_axes(ax, sz)
    ax.spines["right"].set_visible(False)
    handles, labels = ax.get_legend_handles_labels()
    if not ctx.single:
        handles.append(Patch(color=GREY, alpha=BAND_ALPHA + 0.1, lw=0))
        labels.append("10-90% of runs")
    ax.legend(handles, labels, loc="lower right", fontsize=sz.legend, frameon=True, framealpha=0.9)
    _events_axes(strip, rows, sz)
    strip.set_xlim(start - until / 24 * 0.015, start + until / 24)
    _date_axis(strip, tz, start, until, sz)
    strip.set_xlabel(_time_label(tz, start), fontsize=sz.label)
    h50 = scenario_quantiles(runs, "hours_to_50pct_affected", censored=True)
    titles(fig, ax, findings.awareness_title(ctx.order, h50, ctx.short),
           f"Affected customers who know of the breach. {ctx.lines_text()}{_window_note(until, horizon)}", sz)
    return fig


def time_to_reach_chart(runs: pd.DataFrame, scenarios: Sequence[ScenarioInfo],
                        size: str | Size = "slide") -> Figure:
    """Hours until 50% and 90% of affected customers know, per scenario.

    A dot at the median, a line for the 10-90% range of runs; runs that never
    reach a level count as later than all others, and a level not reached by
    the median is drawn as an arrow to the right edge. Title: the scenario
    that reaches 90% soonest, against the baseline.
    """
    scenarios = _checked("time_to_reach_chart", runs, None, scenarios, size)
    sz, ctx = size_of(size), _Context(runs, scenarios)
    levels = [("hours_to_50pct_affected", "50%", "o", 0.17), ("hours_to_90pct_affected", "90%", "D", -0.17)]
    q = {col: scenario_quantiles(runs, col, censored=True) for col, *_ in levels}
    finite = [v for col, *_ in levels for n in ctx.order for v in q[col][n] if math.isfinite(v)]
    right = max(finite + [24.0]) * 1.1
    tick = 6 if right <= 36 else 12 if right <= 72 else 24 if right <= 24 * 10 else 48 if right <= 24 * 20 else 24 * 7
    edge = right * 1.25  # room for the value labels
    fig = new_figure(sz)
    ax = fig.subplots()
    n = len(ctx.order)
    ms = 13 * sz.line / 2.8
    for row, name in enumerate(ctx.order):
        y, colour = n - 1 - row, ctx.colours[name]
        for col, label, marker, dy in levels:
            lo, mid, hi = q[col][name]
            yy = y + dy
            if math.isfinite(mid):
                hi_draw = hi if math.isfinite(hi) else edge * 0.97
                ax.plot([lo, hi_draw], [yy, yy], color=colour, lw=3.5, alpha=0.5, solid_capstyle="round")
                if not math.isfinite(hi):
                    ax.annotate("", xy=(edge, yy), xytext=(hi_draw, yy),
                                arrowprops={"arrowstyle": "->", "color": colour, "lw": 2})
                ax.plot(mid, yy, marker=marker, ms=ms, color=colour, markeredgecolor="white",
                        markeredgewidth=1.2, ls="none", zorder=3)
                at = (hi_draw if math.isfinite(hi) else mid) + edge * 0.012
                ax.text(at, yy, f"{label}: {fmt_hours(mid)}", va="center", ha="left", fontsize=sz.note + 0.5,
                        color=colour, zorder=4, bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5})
            elif not math.isnan(mid):  # half or more of the runs never got there
                x_from = lo if math.isfinite(lo) else edge * 0.6
                ax.annotate("", xy=(edge, yy), xytext=(x_from, yy),
                            arrowprops={"arrowstyle": "->", "color": colour, "lw": 2.5})
                room = x_from - edge * 0.012 > edge * 0.45
                ax.text(x_from - edge * 0.012 if room else x_from, yy,
                        f"{label}: {fmt_hours(math.inf)} in half or more of the runs", va="center",
                        ha="right" if room else "left", fontsize=sz.note + 0.5, color=colour, zorder=4,
                        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5})
    names = [ctx.order[n - 1 - i] for i in range(n)]
    ax.set_yticks(range(n), [mpl_text(ctx.short[x]) for x in names], fontsize=sz.label)
    for label, name in zip(ax.get_yticklabels(), names):
        label.set_color(ctx.colours[name])
    for y in np.arange(n - 1) + 0.5:
        ax.axhline(y, color="#dddddd", lw=0.8)
    ax.set_ylim(-0.55, n - 0.45)
    ax.set_xlim(0, edge)
    ax.xaxis.set_major_locator(mticker.MultipleLocator(tick))
    ax.set_xlabel(f"hours after the announcement (ticks every {tick} h)", fontsize=sz.label)
    style_axes(ax, sz, "x")
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    what = "one run" if ctx.single else "median"
    handles = [Line2D([], [], marker=m, color=GREY, ls="none", ms=11 * sz.line / 2.8,
                      label=f"{lab} of affected customers know ({what})") for _, lab, m, _ in levels]
    if not ctx.single:
        handles.append(Line2D([], [], color=GREY, lw=3.5, alpha=0.5, label="10-90% of runs"))
    fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=sz.legend, frameon=False)
    titles(fig, ax, findings.time_to_reach_title(ctx.order, q["hours_to_90pct_affected"], ctx.short),
           f"Time until half and until 90% of affected customers know of the breach "
           f"({ctx.runs_text()} per scenario)", sz)
    return fig


def _grouped_bars(ax, table: pd.DataFrame, ctx: _Context, labels: dict[str, str], sz: Size,
                  width_total: float = 0.82) -> list:
    """Bars per category (columns of ``table`` after ``run``, ``scenario``), one per scenario.

    Bar = median across runs, whisker = 10-90% of runs, median in % on top.
    Returns the value labels (for :func:`declutter_labels`).
    """
    cats = [c for c in table.columns if c not in ("run", "scenario")]
    width = width_total / len(ctx.order)
    texts = []
    for i, name in enumerate(ctx.order):
        sub = table[table["scenario"] == name]
        qs = np.array([stats.quantiles(sub[c]) for c in cats]).reshape(len(cats), 3)
        x = np.arange(len(cats)) - width_total / 2 + width * (i + 0.5)
        ax.bar(x, qs[:, 1], width * 0.9, color=ctx.colours[name], label=mpl_text(ctx.short[name]), zorder=2)
        if not ctx.single:
            ax.errorbar(x, qs[:, 1], yerr=[qs[:, 1] - qs[:, 0], qs[:, 2] - qs[:, 1]], fmt="none",
                        ecolor="#333333", elinewidth=1.3, capsize=3, zorder=3)
        for xi, (_, mid, hi) in zip(x, qs):
            if not math.isnan(mid):
                top = hi if not math.isnan(hi) else mid
                texts.append(ax.annotate(f"{100 * mid:.0f}", (xi, top), xytext=(0, 3),
                                         textcoords="offset points", ha="center", va="bottom",
                                         fontsize=sz.note - 0.5, color="#333333"))
    ax.set_xticks(np.arange(len(cats)), [labels.get(c, c) for c in cats], fontsize=sz.tick)
    ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=0))
    style_axes(ax, sz, "y")
    ax.tick_params(axis="x", length=0)
    return texts


def first_source_chart(runs: pd.DataFrame, timeseries: pd.DataFrame, scenarios: Sequence[ScenarioInfo],
                       size: str | Size = "slide") -> Figure:
    """How people first heard of the breach, per scenario, at the end of the run.

    Left: affected customers by where they first heard, and "had not heard".
    Right: everyone who heard, by first source. Bars: median across runs
    (value on top, in %), whiskers: 10-90%. Title: the scenario in which the
    company itself tells the largest share of affected customers first.
    """
    scenarios = _checked("first_source_chart", runs, timeseries, scenarios, size)
    sz, ctx = size_of(size), _Context(runs, scenarios)
    affected, everyone = stats.first_source_shares(runs, timeseries)
    fig = new_figure(sz)
    n_aff, n_all = affected.shape[1] - 2, everyone.shape[1] - 2
    left, right = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [n_aff, n_all]})
    texts = _grouped_bars(left, affected, ctx, SOURCE_WORDS, sz)
    texts += _grouped_bars(right, everyone, ctx, SOURCE_WORDS, sz)
    left.set_ylim(0, max(left.get_ylim()[1], right.get_ylim()[1]) * 1.06)
    left.set_ylabel(f"% of affected customers\n({ctx.bars_text()})", fontsize=sz.label)
    right.set_ylabel("% of everyone who heard\n(customers or not; same scale)", fontsize=sz.label,
                     rotation=270, labelpad=sz.label * 2.6)
    right.yaxis.set_label_position("right")
    left.set_title("Affected customers: where they first heard", loc="left", fontsize=sz.label + 1.5)
    right.set_title("Everyone who heard", loc="left", fontsize=sz.label + 1.5)
    scenario_legend(fig, ctx.order, ctx.colours, ctx.short, sz)
    company = scenario_quantiles(runs, "share_affected_first_from_company")
    one_line_title(fig, findings.first_source_title(ctx.order, company, ctx.short), sz)
    declutter_labels(fig, texts, sz)
    return fig


def trust_chart(runs: pd.DataFrame, timeseries: pd.DataFrame, scenarios: Sequence[ScenarioInfo],
                hours: float | None = None, size: str | Size = "slide") -> Figure:
    """Mean company trust of affected customers over real local dates, per scenario.

    Median and 10-90% band across runs of the mean trust (0 = none, 1 = full).
    The y axis is zoomed to the data, and says so: its label gives the range
    shown and a break mark at its foot shows it does not start at 0. The same
    time window as :func:`awareness_chart`. Title: where trust ends highest.
    """
    scenarios = _checked("trust_chart", runs, timeseries, scenarios, size, hours)
    tables.check_some_values("charts.trust_chart", timeseries, runs, "mean_company_trust_affected")
    sz, ctx = size_of(size), _Context(runs, scenarios)
    bands = stats.step_bands(runs, timeseries, "mean_company_trust_affected")
    tz = _tz(ctx.scenarios, bands["time"].tolist())
    start = _start_num(ctx.scenarios, bands)
    aware = _at(stats.step_bands(runs, timeseries, "aware_affected"), start)
    until, horizon = _display_hours(aware, ctx, hours, start)
    bands = _at(bands, start)
    fig = new_figure(sz)
    ax = fig.subplots()
    _time_bands_axes(ax, bands, ctx, 1.0, until, sz)
    shown = bands[bands["at"] <= until + 1e-9]
    lo, hi = float(shown["p10"].min()), float(shown["p90"].max())
    pad = max(0.01, 0.12 * (hi - lo))
    bottom, top = max(0.0, lo - pad), min(1.0, hi + pad)
    ax.set_ylim(bottom, top)
    ax.set_xlim(start - until / 24 * 0.01, start + until / 24)
    _date_axis(ax, tz, start, until, sz)
    ax.set_xlabel(_time_label(tz, start), fontsize=sz.label)
    zoom = f"\naxis zoomed to {bottom:.2f}-{top:.2f}, not 0-1" if bottom > 0.005 or top < 0.995 else ""
    ax.set_ylabel(f"mean trust in the company\n(0 = none, 1 = full){zoom}", fontsize=sz.label)
    ax.yaxis.set_major_formatter(mticker.FormatStrFormatter("%.2f"))
    style_axes(ax, sz)
    if bottom > 0.005:  # a break mark: the axis does not start at 0
        kw = {"transform": ax.transAxes, "color": "#333333", "clip_on": False, "lw": 1.2}
        for dy in (0.0, 0.018):
            ax.plot([-0.012, 0.012], [0.005 + dy, 0.025 + dy], **kw)
    scenario_legend(fig, ctx.order, ctx.colours, ctx.short, sz, "line",
                    [] if ctx.single else [Patch(color=GREY, alpha=BAND_ALPHA + 0.1, lw=0,
                                                 label="10-90% of runs")])
    initial = scenario_quantiles(runs, "initial_company_trust_affected")
    final = scenario_quantiles(runs, "final_company_trust_affected")
    titles(fig, ax, findings.trust_title(ctx.order, initial, final, ctx.short, horizon),
           f"Affected customers' mean trust in the company. {ctx.lines_text()}"
           f"{_window_note(until, horizon)}", sz)
    return fig


def cohorts_chart(runs: pd.DataFrame, timeseries: pd.DataFrame, scenarios: Sequence[ScenarioInfo],
                  at_hours: Sequence[float] = (24, 72), basis: str = "affected",
                  size: str | Size = "slide") -> Figure:
    """Share of each generation who knows, at 24 h and 72 h, per scenario.

    ``basis="affected"``: of each cohort's affected customers (when the runs
    record it, see :func:`sim.reporting.stats.cohort_basis`); ``"everyone"``:
    of everyone in the cohort, customers or not. The subtitle says which. One
    panel per time; bars: median across runs, whiskers: 10-90%. Title: the
    cohort that knows least at the last time, or that all keep pace.
    """
    where = "charts.cohorts_chart"
    tables.check_basis(where, "basis", basis)
    at_hours = tables.check_at_hours(where, at_hours)
    scenarios = _checked("cohorts_chart", runs, timeseries, scenarios, size)
    sz, ctx = size_of(size), _Context(runs, scenarios)
    used = stats.cohort_basis(runs, timeseries, basis)
    sizes, aware = ("affected_size", "aware_affected") if used == "affected" else ("cohort_size", "aware")
    tables.check_runs(where, runs, [f"{sizes}_{c}" for c in COHORTS])
    tables.check_timeseries(where, timeseries, runs, [f"{aware}_{c}" for c in COHORTS])
    whom = "affected customers" if used == "affected" else "everyone"
    shares = [stats.cohort_awareness(runs, timeseries, h, used) for h in at_hours]
    fig = new_figure(sz)
    axes = np.atleast_1d(fig.subplots(1, len(at_hours), sharey=True))
    texts = []
    for ax, h, table in zip(axes, at_hours, shares):
        texts += _grouped_bars(ax, table, ctx, COHORT_WORDS, sz)
        ax.set_title(f"{h:.0f} hours after the announcement", loc="left", fontsize=sz.label + 1.5)
    axes[0].set_ylim(0, 1.08)
    axes[0].yaxis.set_major_locator(mticker.MultipleLocator(0.2))
    of = "the cohort's affected customers" if used == "affected" else "everyone in the cohort"
    axes[0].set_ylabel(f"share who know, % of {of}\n({ctx.bars_text()})", fontsize=sz.label)
    scenario_legend(fig, ctx.order, ctx.colours, ctx.short, sz)
    one_line_title(fig, findings.cohorts_title(ctx.order, shares[-1], at_hours[-1], ctx.short, whom), sz)
    declutter_labels(fig, texts, sz)
    return fig


#: Chart file stems, in report order.
CHART_STEMS = ("awareness", "time_to_reach", "first_source", "trust", "cohorts")


def all_charts(runs: pd.DataFrame, timeseries: pd.DataFrame, scenarios: Sequence[ScenarioInfo],
               size: str | Size = "slide", cohorts: str = "affected") -> dict[str, Figure]:
    """Every comparison chart, keyed by file stem (:data:`CHART_STEMS`), in report order."""
    tables.check_basis("charts.all_charts", "cohorts", cohorts)
    checks.check_size("charts.all_charts", size)
    return {
        "awareness": awareness_chart(runs, timeseries, scenarios, size=size),
        "time_to_reach": time_to_reach_chart(runs, scenarios, size=size),
        "first_source": first_source_chart(runs, timeseries, scenarios, size=size),
        "trust": trust_chart(runs, timeseries, scenarios, size=size),
        "cohorts": cohorts_chart(runs, timeseries, scenarios, basis=cohorts, size=size),
    }
