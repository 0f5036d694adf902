"""Charts comparing scenarios over many runs (the ``compare`` command).

Every chart function takes the batch tables of the ``compare`` command and
returns a matplotlib :class:`~matplotlib.figure.Figure` (drawn off screen, no
pyplot state; save it with ``fig.savefig``):

- ``runs``: one row per run (``run``, ``scenario``, ``status``, and every key
  of :func:`sim.measures.summarise`, including ``cohort_size_<cohort>``);
- ``timeseries``: long form, one row per run and step (``run``, ``scenario``
  and every column of :data:`sim.measures.COLUMNS`), counts in agents;
- ``scenarios``: one dict per scenario in display order (``name``,
  ``description``, ``file``, ``start``, ``events``); the first is the baseline.

Across the replications of a scenario each chart shows the median and the
10-90% range (the 10th and 90th percentiles), per step for time series. Counts
are scaled to people with each run's ``people_per_agent``. A scenario has the
same Okabe-Ito colour (safe for colour-blind readers) in every chart, and each
title states the finding the chart supports, computed from the numbers.
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from typing import Iterable, Sequence

import matplotlib.dates as mdates
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import offset_copy

from .schema import COHORTS

#: Okabe & Ito (2008) colours, baseline first (black), yellow last (weak on white).
OKABE_ITO = ("#000000", "#E69F00", "#0072B2", "#009E73", "#CC79A7", "#D55E00", "#56B4E9",
             "#F0E442")
#: Lower, middle and upper quantile shown for every measure.
QUANTILES = (0.1, 0.5, 0.9)
COHORT_LABELS = {"gen_z": "Gen Z", "millennial": "Millennials", "gen_x": "Gen X",
                 "boomer": "Boomers"}
#: Where people first heard: time-series column suffix -> plain label.
SOURCE_LABELS = {"media": "news media", "twitter": "Twitter", "direct": "the company\n(SMS, e-mail)",
                 "word_of_mouth": "word of mouth", "seed": "initial seeds"}

# Sizes for a 16:9 slide (13.33 x 7.5 in) at 150 dpi: 2000 x 1125 px.
FIGSIZE = (13.33, 7.5)
DPI = 150
TITLE_SIZE = 19
SUBTITLE_SIZE = 13.5
LABEL_SIZE = 14
TICK_SIZE = 12.5
LEGEND_SIZE = 12.5
NOTE_SIZE = 11.5
BAND_ALPHA = 0.2
GREY = "#555555"


# --------------------------------------------------------------------------- colours, order

def scenario_colours(names: Iterable[str]) -> dict[str, str]:
    """One Okabe-Ito colour per scenario name, in order; the first (baseline) is black.

    More than eight scenarios reuse the palette from the start.
    """
    out: dict[str, str] = {}
    for name in names:
        if name not in out:
            out[name] = OKABE_ITO[len(out) % len(OKABE_ITO)]
    return out


def ok_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs that finished (``status == "ok"``; all of them if there is no status)."""
    if "status" in runs.columns:
        runs = runs[runs["status"] == "ok"]
    return runs


def scenario_order(runs: pd.DataFrame, scenarios: Sequence[dict] | None) -> list[str]:
    """Scenario names in display order: those of ``scenarios`` that have runs, then any others."""
    present = list(dict.fromkeys(ok_runs(runs)["scenario"]))
    listed = [s["name"] for s in scenarios or []]
    return [n for n in listed if n in present] + [n for n in present if n not in listed]


def _colours(runs, scenarios) -> tuple[list[str], dict[str, str]]:
    """Display order and colours; colours follow ``scenarios`` even if one has no runs."""
    order = scenario_order(runs, scenarios)
    names = [s["name"] for s in scenarios or []] + order
    return order, scenario_colours(names)


# --------------------------------------------------------------------------- statistics

def censored_quantiles(values, qs: Sequence[float] = QUANTILES) -> list[float]:
    """Quantiles (linear interpolation) of hours where NaN means "never reached".

    A never-reached run counts as later than every reached one; a quantile that
    falls on or next to such runs is ``inf`` (not reached).
    """
    v = np.sort(np.where(np.isnan(np.asarray(values, float)), np.inf, np.asarray(values, float)))
    if len(v) == 0:
        return [math.nan] * len(qs)
    out = []
    for q in qs:
        h = (len(v) - 1) * q
        lo, hi = int(math.floor(h)), int(math.ceil(h))
        g = h - lo
        if g < 1e-12 or lo == hi:
            out.append(float(v[lo]))
        elif math.isinf(v[hi]):
            out.append(math.inf)
        else:
            out.append(float(v[lo] + g * (v[hi] - v[lo])))
    return out


def quantiles(values, qs: Sequence[float] = QUANTILES) -> list[float]:
    """Quantiles (linear interpolation) ignoring missing values; NaN if none."""
    v = np.asarray(values, float)
    v = v[~np.isnan(v)]
    if len(v) == 0:
        return [math.nan] * len(qs)
    return [float(x) for x in np.quantile(v, qs)]


def scenario_quantiles(runs: pd.DataFrame, column: str, censored: bool = False) -> dict[str, list[float]]:
    """``{scenario: [p10, median, p90]}`` of a per-run column over the finished runs."""
    fn = censored_quantiles if censored else quantiles
    return {name: fn(group[column].to_numpy(float))
            for name, group in ok_runs(runs).groupby("scenario", sort=False)}


def _with_run_info(runs: pd.DataFrame, timeseries: pd.DataFrame) -> pd.DataFrame:
    """The time series of finished runs, with each run's scale columns joined on."""
    info_cols = ["run", "people_per_agent", "affected_agents"]
    info_cols += [c for c in runs.columns if c.startswith("cohort_size_")]
    info = ok_runs(runs)[info_cols]
    ts = timeseries.drop(columns=[c for c in info_cols[1:] if c in timeseries.columns])
    return ts.merge(info, on="run", how="inner")


def step_bands(runs: pd.DataFrame, timeseries: pd.DataFrame, value) -> pd.DataFrame:
    """Per scenario and step: ``p10``, ``median``, ``p90`` of ``value`` across runs.

    ``value`` is a column name or a function of the joined frame (time series
    plus the run's ``people_per_agent``, ``affected_agents``, cohort sizes).
    Also returns ``hours`` and ``time`` (the first run's) for each step.
    """
    ts = _with_run_info(runs, timeseries)
    ts = ts.assign(_v=ts[value] if isinstance(value, str) else value(ts))
    grouped = ts.groupby(["scenario", "step"], sort=False)
    q = grouped["_v"].quantile(list(QUANTILES)).unstack()
    q.columns = ["p10", "median", "p90"]
    clock = grouped[["hours", "time"]].first()
    return clock.join(q).reset_index()


def value_at_hours(runs: pd.DataFrame, timeseries: pd.DataFrame, hours: float, value) -> pd.DataFrame:
    """Per run: ``value`` at the last row at or before ``hours`` (NaN if the run is shorter)."""
    ts = _with_run_info(runs, timeseries)
    ts = ts.assign(_v=ts[value] if isinstance(value, str) else value(ts))
    last = ts.groupby("run", sort=False)["hours"].max()
    rows = ts[ts["hours"] <= hours + 1e-9].sort_values(["run", "step"]).groupby("run", sort=False).tail(1)
    out = rows.set_index("run")[["scenario", "_v"]].rename(columns={"_v": "value"})
    out.loc[last[last < hours - 1e-9].index.intersection(out.index), "value"] = math.nan
    return out.reset_index()


# --------------------------------------------------------------------------- formatting

def fmt_hours(h: float, long: bool = False) -> str:
    """``6 h``, ``102 h (4.3 days)``; ``not reached`` for inf, ``n/a`` for NaN."""
    if h is None or (isinstance(h, float) and math.isnan(h)):
        return "n/a"
    if math.isinf(h):
        return "not reached"
    unit = " hours" if long else " h"
    text = f"{h:.0f}{unit}"
    if h >= 48:
        text += f" ({h / 24:.1f} days)"
    return text


def fmt_pct(x: float, digits: int = 0) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{100 * x:.{digits}f}%"


def fmt_people(n: float) -> str:
    """``1.2 M``, ``340,000``."""
    if n is None or (isinstance(n, float) and math.isnan(n)):
        return "n/a"
    if abs(n) >= 1e6:
        return f"{n / 1e6:.1f} M"
    if abs(n) >= 1e4:
        return f"{round(n, -3):,.0f}"
    return f"{n:,.0f}"


def _tz(scenarios: Sequence[dict] | None, times: Sequence[str]) -> dt.tzinfo:
    """Display time zone: the baseline's start offset, else the data's."""
    for s in scenarios or []:
        if s.get("start"):
            return dt.datetime.fromisoformat(s["start"]).tzinfo or dt.timezone.utc
    return dt.datetime.fromisoformat(times[0]).tzinfo or dt.timezone.utc


def _tzname(tz: dt.tzinfo, when: dt.datetime) -> str:
    offset = tz.utcoffset(when) or dt.timedelta(0)
    hours = offset.total_seconds() / 3600
    return f"UTC{hours:+g}" if hours else "UTC"


def _time_label(tz: dt.tzinfo, start_num: float) -> str:
    when = mdates.num2date(start_num, tz=tz)
    return (f"local date and time ({_tzname(tz, when)}), ticks at midnight; "
            f"the announcement: {when:%a %d %b %H:%M}")


def _to_num(times: Iterable) -> np.ndarray:
    """Matplotlib date numbers of ISO strings (or datetimes)."""
    return mdates.date2num([dt.datetime.fromisoformat(t) if isinstance(t, str)
                            else pd.Timestamp(t).to_pydatetime() for t in times])


def _style(ax, grid_axis: str = "both") -> None:
    ax.tick_params(labelsize=TICK_SIZE)
    ax.grid(axis=grid_axis, alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


#: Characters per title line at TITLE_SIZE across the slide width.
TITLE_CHARS = 84
SUBTITLE_CHARS = 110


def _suptitle(fig: Figure, title: str) -> None:
    fig.suptitle(textwrap.fill(title, TITLE_CHARS), x=0.01, ha="left", fontsize=TITLE_SIZE,
                 fontweight="bold")


def _titles(fig: Figure, ax, title: str, subtitle: str) -> None:
    _suptitle(fig, title)
    ax.set_title(textwrap.fill(subtitle, SUBTITLE_CHARS), loc="left", fontsize=SUBTITLE_SIZE,
                 color=GREY, pad=10)


def _scenario_legend(fig: Figure, order, colours, kind: str = "patch", extra=()) -> None:
    """One legend for the whole figure, below the plots, scenarios in display order."""
    if kind == "patch":
        handles = [Patch(color=colours[n], label=n) for n in order]
    else:
        handles = [Line2D([], [], color=colours[n], lw=2.8, label=n) for n in order]
    handles += list(extra)
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 5),
               fontsize=LEGEND_SIZE, frameon=False, handlelength=1.8, columnspacing=1.6)


def _new_figure(**kw) -> Figure:
    return Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained", **kw)


def _date_axis(ax, tz: dt.tzinfo, span_hours: float) -> None:
    """Midnight ticks labelled ``Thu / 22 Sep``; every 2nd day for long spans."""
    days = span_hours / 24
    step = 1 if days <= 9 else 2 if days <= 18 else max(1, int(math.ceil(days / 9)))
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=step, tz=tz))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%a\n%d %b", tz=tz))
    if step > 1:
        ax.xaxis.set_minor_locator(mdates.DayLocator(tz=tz))


def _at(bands: pd.DataFrame, start_num: float) -> pd.DataFrame:
    """``bands`` with ``at``: hours since the display start (the baseline's start)."""
    return bands.assign(at=(_to_num(bands["time"]) - start_num) * 24)


def _display_hours(bands: pd.DataFrame, scenarios: Sequence[dict] | None, hours: float | None,
                   start_num: float) -> tuple[float, float]:
    """``(shown, horizon)`` in hours since the display start (``bands`` from :func:`_at`).

    Shown: ``hours`` if given, else 12 h after the latest of (each scenario's
    median reaching 99% of its final level, the last company campaign
    ending), rounded up to whole days, never more than the runs.
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
    for s in scenarios or []:
        own = 0.0  # this scenario's start, in display hours
        if s.get("start"):
            own = (mdates.date2num(dt.datetime.fromisoformat(s["start"])) - start_num) * 24
        for e in s.get("events", []):
            if e.get("channel") == "direct":
                settle = max(settle, own + float(e["end"] if e["end"] is not None else horizon))
    return min(horizon, 24 * math.ceil((settle + 12) / 24)), horizon


def display_hours(runs: pd.DataFrame, timeseries: pd.DataFrame, scenarios: Sequence[dict] | None,
                  hours: float | None = None) -> tuple[float, float]:
    """``(shown, horizon)``: hours the time charts show, and the runs' length.

    Hours since the baseline's start. ``hours`` if given; else until affected
    awareness stops changing (see :func:`_display_hours`): the same window
    for every time chart.
    """
    bands = step_bands(runs, timeseries, "aware_affected")
    start = _start_num(scenarios, bands)
    return _display_hours(_at(bands, start), scenarios, hours, start)


def _window_note(shown: float, horizon: float) -> str:
    if shown >= horizon - 1e-9:
        return ""
    return f". Shown: the first {shown / 24:.0f} of the run's {horizon / 24:.0f} days (little changes after)"


def _time_bands_axes(ax, bands, order, colours, scale, until) -> None:
    """Draw median lines and 10-90% bands per scenario, up to ``until`` display hours."""
    for name in order:
        b = bands[(bands["scenario"] == name) & (bands["at"] <= until + 1e-9)]
        x = _to_num(b["time"])
        ax.fill_between(x, b["p10"] * scale, b["p90"] * scale, color=colours[name],
                        alpha=BAND_ALPHA, lw=0)
        ax.plot(x, b["median"] * scale, color=colours[name], lw=2.8, label=name)


def _start_num(scenarios, bands) -> float:
    for s in scenarios or []:
        if s.get("start"):
            return mdates.date2num(dt.datetime.fromisoformat(s["start"]))
    return float(_to_num([bands["time"].iloc[0]])[0])


def _median(q: dict[str, list[float]], name: str) -> float:
    return q.get(name, [math.nan] * 3)[1]


# --------------------------------------------------------------------------- events

def campaigns_and_points(events: Sequence[dict]) -> tuple[list[tuple], list[tuple]]:
    """Split structured channel events (:func:`sim.simulate.channel_events`).

    Returns ``(campaigns, points)``: campaigns as ``(label, start, end or
    None)``; one-off posts as ``(hours, label, channel)``, duplicates removed.
    """
    campaigns, points = [], []
    for e in sorted(events, key=lambda e: e["start"]):
        if e["channel"] == "direct":
            campaigns.append((e["label"].replace(" campaign", ""), float(e["start"]),
                              None if e["end"] is None else float(e["end"])))
            continue
        key = (float(e["start"]), e["label"], e["channel"])
        if key not in points:
            points.append(key)
    return campaigns, points


POINT_MARKERS = {"media": ("s", "press release / news coverage"), "twitter": ("^", "company tweet"),
                 "direct": ("D", "company message")}
#: Sideways nudge (points) so that a release and a tweet at the same hour both show.
POINT_NUDGE = {"media": -6.0, "twitter": 6.0, "direct": 0.0}


def _events_axes(ax, scenarios, order, colours, start_num, until) -> None:
    """A timeline strip: one row per scenario; posts as markers on the row's top lane,
    company campaigns as bars (start to end) on the lanes below it."""
    by_name = {s["name"]: s for s in scenarios or []}
    used = set()
    lane = 0.36
    rows = []  # (y of the points lane, name)
    y = 0.0
    for name in reversed(order):
        campaigns, points = campaigns_and_points(by_name.get(name, {}).get("events", []))
        own = by_name.get(name, {}).get("start")
        x0 = mdates.date2num(dt.datetime.fromisoformat(own)) if own else start_num  # its own start
        until_own = until - (x0 - start_num) * 24  # its hours that fall inside the window
        colour = colours[name]
        for i, (medium, start, end) in enumerate(reversed(campaigns)):
            if start > until_own:
                continue
            stop = min(end if end is not None else until_own, until_own)
            yy = y + i * lane
            ax.plot([x0 + start / 24, x0 + stop / 24], [yy, yy], color=colour, lw=7,
                    solid_capstyle="butt", alpha=0.85)
            finished = end is not None and end <= until_own
            ax.text(x0 + stop / 24 + 0.05, yy, f"{medium}" + ("" if finished else " (continues)"),
                    va="center", ha="left", fontsize=NOTE_SIZE, color=colour)
            used.add("campaign")
        top = y + len(campaigns) * lane
        seen_here = set()
        for hours, label, channel in points:
            if hours > until_own or (hours, channel) in seen_here:
                continue
            seen_here.add((hours, channel))
            marker = POINT_MARKERS.get(channel, ("o", label))[0]
            nudge = offset_copy(ax.transData, fig=ax.figure, x=POINT_NUDGE.get(channel, 0.0), units="points")
            ax.plot(x0 + hours / 24, top, marker=marker, ms=10, color=colour, transform=nudge,
                    markeredgecolor="white", markeredgewidth=0.8, ls="none", zorder=3)
            used.add(channel)
        rows.append(((y + top) / 2, name))
        y = top + 0.6
    ax.set_ylim(-0.35, y - 0.6 + 0.35)
    ax.set_yticks([r[0] for r in rows], [r[1] for r in rows], fontsize=NOTE_SIZE + 0.5)
    for tick, (_, name) in zip(ax.get_yticklabels(), rows):
        tick.set_color(colours[name])
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x", alpha=0.3)
    handles = [Line2D([], [], marker=POINT_MARKERS[c][0], color=GREY, ls="none", ms=9,
                      label=POINT_MARKERS[c][1]) for c in ("media", "twitter", "direct") if c in used]
    if "campaign" in used:
        handles.append(Line2D([], [], color=GREY, lw=6, label="company SMS / e-mail campaign, start to end"))
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=len(handles),
              fontsize=NOTE_SIZE, frameon=False, handlelength=1.6, borderaxespad=0.1)


def _strip_height(scenarios, order) -> float:
    by_name = {s["name"]: s for s in scenarios or []}
    lanes = sum(1 + len(campaigns_and_points(by_name.get(n, {}).get("events", []))[0]) for n in order)
    return 0.35 + 0.14 * lanes + 0.12 * len(order)


# --------------------------------------------------------------------------- charts

def awareness_chart(runs: pd.DataFrame, timeseries: pd.DataFrame, scenarios: Sequence[dict],
                    hours: float | None = None) -> Figure:
    """Affected customers aware over real local dates, one line per scenario.

    Median and 10-90% band across runs, in millions of people (left axis) and
    as a share of affected customers (right axis); below, a strip with each
    scenario's channel events (press releases, tweets, company campaigns from
    start to end). ``hours`` limits the time shown (default: until awareness
    stops changing, see :func:`display_hours`). Title: the scenario that
    informs half of the affected customers soonest, against the baseline.
    """
    order, colours = _colours(runs, scenarios)
    bands = step_bands(runs, timeseries, lambda t: t["aware_affected"] * t["people_per_agent"])
    good = ok_runs(runs)
    affected_people = float(np.median(good["affected_agents"] * good["people_per_agent"]))
    tz = _tz(scenarios, bands["time"].tolist())
    start = _start_num(scenarios, bands)
    bands = _at(bands, start)
    until, horizon = _display_hours(bands, scenarios, hours, start)

    fig = _new_figure()
    ax, strip = fig.subplots(2, 1, sharex=True,
                             gridspec_kw={"height_ratios": [4.6, _strip_height(scenarios, order)]})
    _time_bands_axes(ax, bands, order, colours, 1e-6, until)
    ax.axhline(affected_people / 1e6, color=GREY, lw=1.2, ls=":")
    ax.text(start + until / 24 * 0.01, affected_people / 1e6 * 1.015,
            f"all affected customers: {affected_people / 1e6:.1f} M", ha="left", va="bottom",
            fontsize=NOTE_SIZE, color=GREY)
    ax.set_ylim(0, affected_people / 1e6 * 1.1)
    ax.set_ylabel("affected customers who know\n(millions of people)", fontsize=LABEL_SIZE)
    share = ax.secondary_yaxis("right", functions=(lambda m: m * 1e6 / affected_people,
                                                   lambda s: s * affected_people / 1e6))
    share.yaxis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=0))
    share.set_ylabel("share of affected customers", fontsize=LABEL_SIZE)
    share.tick_params(labelsize=TICK_SIZE)
    _style(ax)
    ax.spines["right"].set_visible(False)
    handles, labels = ax.get_legend_handles_labels()
    handles.append(Patch(color=GREY, alpha=BAND_ALPHA + 0.1, lw=0))
    labels.append("10-90% of runs")
    ax.legend(handles, labels, loc="lower right", fontsize=LEGEND_SIZE, frameon=True,
              framealpha=0.9)
    _events_axes(strip, scenarios, order, colours, start, until)
    strip.set_xlim(start - until / 24 * 0.015, start + until / 24)
    _date_axis(strip, tz, until)
    strip.tick_params(axis="x", labelsize=TICK_SIZE)
    strip.set_xlabel(_time_label(tz, start), fontsize=LABEL_SIZE)

    h50 = scenario_quantiles(runs, "hours_to_50pct_affected", censored=True)
    n_runs = good.groupby("scenario").size()
    _titles(fig, ax, awareness_title(order, h50),
            f"Affected customers who know of the breach. Line: median of {_runs_text(n_runs)} per "
            f"scenario; band: 10-90% of runs{_window_note(until, horizon)}")
    return fig


def _runs_text(n_runs: pd.Series) -> str:
    lo, hi = int(n_runs.min()), int(n_runs.max())
    return f"{lo} runs" if lo == hi else f"{lo}-{hi} runs"


def _soonest(order: Sequence[str], hours: dict[str, list[float]]) -> tuple[str, str, float, float]:
    """(baseline, scenario with the lowest median, their two medians); ties go to the first."""
    base = order[0]
    fastest = min(order, key=lambda n: (_median(hours, n), order.index(n)))
    return base, fastest, _median(hours, base), _median(hours, fastest)


def awareness_title(order: Sequence[str], h50: dict[str, list[float]]) -> str:
    """The finding of the awareness chart: who informs half of affected soonest."""
    if len(order) == 1:
        return f"{order[0]}: half of affected customers knew after {fmt_hours(_median(h50, order[0]), True)}"
    base, fastest, fb, ff = _soonest(order, h50)
    if fastest == base or not ff < fb:
        return (f"No alternative informs affected customers sooner than {base}: "
                f"half knew after {fmt_hours(fb, True)}")
    return (f"{fastest}: half of affected customers knew after {fmt_hours(ff, True)}, "
            f"against {fmt_hours(fb, True)} for {base}")


def time_to_reach_chart(runs: pd.DataFrame, scenarios: Sequence[dict]) -> Figure:
    """Hours until 50% and 90% of affected customers know, per scenario.

    A dot at the median, a line for the 10-90% range of runs; runs that never
    reach a level count as later than all others, and a level not reached by
    the median is drawn as an arrow to the right edge. Title: the scenario
    that reaches 90% soonest, against the baseline.
    """
    order, colours = _colours(runs, scenarios)
    levels = [("hours_to_50pct_affected", "50%", "o", 0.17),
              ("hours_to_90pct_affected", "90%", "D", -0.17)]
    q = {col: scenario_quantiles(runs, col, censored=True) for col, *_ in levels}
    finite = [v for col, *_ in levels for n in order for v in q[col][n] if math.isfinite(v)]
    right = max(finite + [24.0]) * 1.1
    tick = 24 if right <= 24 * 10 else 48 if right <= 24 * 20 else 24 * 7
    edge = right * 1.22  # room for the value labels

    fig = _new_figure()
    ax = fig.subplots()
    n = len(order)
    for row, name in enumerate(order):
        y = n - 1 - row
        colour = colours[name]
        for col, label, marker, dy in levels:
            lo, mid, hi = q[col][name]
            yy = y + dy
            if math.isfinite(mid):
                hi_draw = hi if math.isfinite(hi) else edge * 0.97
                ax.plot([lo, hi_draw], [yy, yy], color=colour, lw=3.5, alpha=0.5,
                        solid_capstyle="round")
                if not math.isfinite(hi):
                    ax.annotate("", xy=(edge, yy), xytext=(hi_draw, yy),
                                arrowprops={"arrowstyle": "->", "color": colour, "lw": 2})
                ax.plot(mid, yy, marker=marker, ms=13, color=colour, markeredgecolor="white",
                        markeredgewidth=1.2, ls="none", zorder=3)
                at = (hi_draw if math.isfinite(hi) else mid) + edge * 0.012
                ax.text(at, yy, f"{label}: {fmt_hours(mid)}", va="center", ha="left",
                        fontsize=NOTE_SIZE + 0.5, color=colour, zorder=4,
                        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5})
            elif not math.isnan(mid):  # half or more of the runs never got there
                x_from = lo if math.isfinite(lo) else edge * 0.6
                ax.annotate("", xy=(edge, yy), xytext=(x_from, yy),
                            arrowprops={"arrowstyle": "->", "color": colour, "lw": 2.5})
                room = x_from - edge * 0.012 > edge * 0.45
                ax.text(x_from - edge * 0.012 if room else x_from, yy,
                        f"{label}: not reached in half or more of the runs", va="center",
                        ha="right" if room else "left", fontsize=NOTE_SIZE + 0.5, color=colour, zorder=4,
                        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5})
    names = [order[n - 1 - i] for i in range(n)]
    ax.set_yticks(range(n), names, fontsize=LABEL_SIZE)
    for label, name in zip(ax.get_yticklabels(), names):
        label.set_color(colours[name])
    for y in np.arange(n - 1) + 0.5:
        ax.axhline(y, color="#dddddd", lw=0.8)
    ax.set_ylim(-0.55, n - 0.45)
    ax.set_xlim(0, edge)
    ax.xaxis.set_major_locator(mticker.MultipleLocator(tick))
    ax.set_xlabel(f"hours after the announcement (ticks every {tick} h)", fontsize=LABEL_SIZE)
    days = ax.secondary_xaxis("top", functions=(lambda h: h / 24, lambda d: d * 24))
    days.set_xlabel("days after the announcement", fontsize=LABEL_SIZE)
    days.tick_params(labelsize=TICK_SIZE)
    _style(ax, "x")
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    handles = [Line2D([], [], marker=m, color=GREY, ls="none", ms=11,
                      label=f"{lab} of affected customers know (median)") for _, lab, m, _ in levels]
    handles.append(Line2D([], [], color=GREY, lw=3.5, alpha=0.5, label="10-90% of runs"))
    fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=LEGEND_SIZE,
               frameon=False)
    n_runs = ok_runs(runs).groupby("scenario").size()
    _titles(fig, ax, time_to_reach_title(order, q["hours_to_90pct_affected"]),
            f"Time until half and until 90% of affected customers know of the breach "
            f"({_runs_text(n_runs)} per scenario)")
    return fig


def time_to_reach_title(order: Sequence[str], h90: dict[str, list[float]]) -> str:
    """The finding of the time-to-reach chart: who reaches 90% soonest."""
    if len(order) == 1:
        return f"{order[0]}: 90% of affected customers knew after {fmt_hours(_median(h90, order[0]), True)}"
    base, fastest, fb, ff = _soonest(order, h90)
    if fastest == base or not ff < fb:
        return (f"No alternative reaches 90% of affected customers sooner than {base} "
                f"({fmt_hours(fb, True)})")
    return (f"{fastest} reaches 90% of affected customers after {fmt_hours(ff, True)}, "
            f"{base} after {fmt_hours(fb, True)}")


#: Plain labels of the affected customers' first-source categories.
NOT_HEARD = "had not heard\nby the end"
ELSEWHERE = "elsewhere\n(news, Twitter,\nword of mouth)"


def first_source_shares(runs: pd.DataFrame, timeseries: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per run, how people first heard, at the end of the run.

    Returns ``(affected, everyone)`` with columns ``run``, ``scenario`` and
    one per category. ``affected``: shares of affected customers; by source
    when the runs carry ``share_affected_first_from_<source>`` for media,
    twitter and word_of_mouth, else "the company" and "elsewhere"; plus "had
    not heard". ``everyone``: shares of all people who heard, by first source
    (``first_<source>`` / ``aware`` at the last step).
    """
    r = ok_runs(runs).set_index("run")
    affected = pd.DataFrame({"scenario": r["scenario"]})
    company = r["share_affected_first_from_company"].astype(float)
    unaware = r["unaware_affected_share_end"].astype(float)
    if all(f"share_affected_first_from_{s}" in r for s in ("media", "twitter", "word_of_mouth")):
        for s in ("media", "twitter", "direct", "word_of_mouth", "seed"):
            col = "share_affected_first_from_" + ("company" if s == "direct" else s)
            if col in r and (s != "seed" or r[col].fillna(0).gt(0).any()):
                affected[SOURCE_LABELS[s]] = r[col].astype(float)
    else:
        affected[SOURCE_LABELS["direct"]] = company
        affected[ELSEWHERE] = 1 - company - unaware
    affected[NOT_HEARD] = unaware

    ts = _with_run_info(runs, timeseries)
    last = ts.sort_values(["run", "step"]).groupby("run", sort=False).tail(1).set_index("run")
    everyone = pd.DataFrame({"scenario": last["scenario"]})
    aware = last["aware"].astype(float).replace(0, np.nan)
    for s in ("media", "twitter", "direct", "word_of_mouth", "seed"):
        if s != "seed" or last["first_seed"].gt(0).any():
            everyone[SOURCE_LABELS[s]] = last[f"first_{s}"] / aware
    return affected.reset_index(), everyone.reset_index()


def _grouped_bars(ax, table: pd.DataFrame, order, colours, value_labels: bool = True,
                  width_total: float = 0.82) -> None:
    """Bars per category (columns of ``table`` after ``run``, ``scenario``), one per scenario.

    Bar = median across runs, whisker = 10-90% of runs, median in % on top.
    """
    cats = [c for c in table.columns if c not in ("run", "scenario")]
    n = len(order)
    width = width_total / n
    for i, name in enumerate(order):
        sub = table[table["scenario"] == name]
        qs = np.array([quantiles(sub[c]) for c in cats]).reshape(len(cats), 3)
        x = np.arange(len(cats)) - width_total / 2 + width * (i + 0.5)
        ax.bar(x, qs[:, 1], width * 0.9, color=colours[name], label=name, zorder=2)
        ax.errorbar(x, qs[:, 1], yerr=[qs[:, 1] - qs[:, 0], qs[:, 2] - qs[:, 1]], fmt="none",
                    ecolor="#333333", elinewidth=1.3, capsize=3, zorder=3)
        if value_labels:
            for xi, (_, mid, hi) in zip(x, qs):
                if not math.isnan(mid):
                    top = hi if not math.isnan(hi) else mid
                    ax.annotate(f"{100 * mid:.0f}", (xi, top), xytext=(0, 3), textcoords="offset points",
                                ha="center", va="bottom", fontsize=NOTE_SIZE - 0.5, color="#333333")
    ax.set_xticks(np.arange(len(cats)), cats, fontsize=TICK_SIZE)
    ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0, decimals=0))
    _style(ax, "y")
    ax.tick_params(axis="x", length=0)


def first_source_chart(runs: pd.DataFrame, timeseries: pd.DataFrame, scenarios: Sequence[dict]) -> Figure:
    """How people first heard of the breach, per scenario, at the end of the run.

    Left: affected customers by where they first heard (by source when the runs
    break it down for affected customers, else "the company" / "elsewhere")
    and "had not heard". Right: everyone who heard, by first source. Bars:
    median across runs (value on top, in %), whiskers: 10-90%. Title: the
    scenario in which the company itself tells the largest share of affected
    customers first, against the baseline.
    """
    order, colours = _colours(runs, scenarios)
    affected, everyone = first_source_shares(runs, timeseries)
    fig = _new_figure()
    n_aff, n_all = affected.shape[1] - 2, everyone.shape[1] - 2
    left, right = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [n_aff, n_all]})
    _grouped_bars(left, affected, order, colours)
    _grouped_bars(right, everyone, order, colours)
    left.set_ylim(0, max(left.get_ylim()[1], right.get_ylim()[1]) * 1.04)
    left.set_ylabel("share of people, % (median of runs;\nwhisker: 10-90% of runs)",
                    fontsize=LABEL_SIZE)
    left.set_title("Affected customers: where they first heard", loc="left", fontsize=LABEL_SIZE + 1.5)
    right.set_title("Everyone who heard, customers or not", loc="left", fontsize=LABEL_SIZE + 1.5)
    _scenario_legend(fig, order, colours)
    company = scenario_quantiles(runs, "share_affected_first_from_company")
    _suptitle(fig, first_source_title(order, company))
    return fig


def first_source_title(order: Sequence[str], company: dict[str, list[float]]) -> str:
    """The finding of the first-source chart: where the company tells most people first."""
    base = order[0]
    best = max(order, key=lambda n: (_median(company, n), -order.index(n)))
    cb, cx = _median(company, base), _median(company, best)
    if len(order) == 1 or best == base or not cx > cb:
        return (f"{base}: {fmt_pct(cb)} of affected customers first heard of the breach from the "
                f"company itself")
    return (f"{best}: {fmt_pct(cx)} of affected customers first heard of the breach from the company "
            f"itself, against {fmt_pct(cb)} for {base}")


def trust_chart(runs: pd.DataFrame, timeseries: pd.DataFrame, scenarios: Sequence[dict],
                hours: float | None = None) -> Figure:
    """Mean company trust of affected customers over real local dates, per scenario.

    Median and 10-90% band across runs of the mean trust (0 = none, 1 = full);
    the y axis is zoomed to the data. The same time window as
    :func:`awareness_chart` (or ``hours``). Title: where trust ends highest,
    against the baseline.
    """
    order, colours = _colours(runs, scenarios)
    bands = step_bands(runs, timeseries, "mean_company_trust_affected")
    until, horizon = display_hours(runs, timeseries, scenarios, hours)
    tz = _tz(scenarios, bands["time"].tolist())
    start = _start_num(scenarios, bands)
    bands = _at(bands, start)
    fig = _new_figure()
    ax = fig.subplots()
    _time_bands_axes(ax, bands, order, colours, 1.0, until)
    shown = bands[bands["at"] <= until + 1e-9]
    lo, hi = float(shown["p10"].min()), float(shown["p90"].max())
    pad = max(0.01, 0.12 * (hi - lo))
    ax.set_ylim(max(0.0, lo - pad), min(1.0, hi + pad))
    ax.set_xlim(start - until / 24 * 0.01, start + until / 24)
    _date_axis(ax, tz, until)
    ax.set_xlabel(_time_label(tz, start), fontsize=LABEL_SIZE)
    ax.set_ylabel("mean trust in the company\n(0 = none, 1 = full)", fontsize=LABEL_SIZE)
    ax.yaxis.set_major_formatter(mticker.FormatStrFormatter("%.2f"))
    _style(ax)
    _scenario_legend(fig, order, colours, "line",
                     [Patch(color=GREY, alpha=BAND_ALPHA + 0.1, lw=0, label="10-90% of runs")])
    initial = scenario_quantiles(runs, "initial_company_trust_affected")
    final = scenario_quantiles(runs, "final_company_trust_affected")
    n_runs = ok_runs(runs).groupby("scenario").size()
    _titles(fig, ax, trust_title(order, initial, final, horizon),
            f"Affected customers' mean trust in the company (y axis zoomed). Line: median of "
            f"{_runs_text(n_runs)}; band: 10-90% of runs{_window_note(until, horizon)}")
    return fig


def trust_title(order: Sequence[str], initial: dict, final: dict, horizon: float | None = None) -> str:
    """The finding of the trust chart: where company trust ends highest."""
    base = order[0]
    start = _median(initial, base)
    best = max(order, key=lambda n: (_median(final, n), -order.index(n)))
    fb, fx = _median(final, base), _median(final, best)
    when = f" after {horizon / 24:.0f} days" if horizon else ""
    verb = "falls" if fb < start - 0.005 else "rises" if fb > start + 0.005 else "stays"
    if len(order) == 1 or best == base or not fx > fb:
        return (f"Affected customers' trust in the company {verb} from {start:.2f} to {fb:.2f}{when} "
                f"under {base}")
    if fx < start:
        return (f"Trust in the company falls least with {best}: from {start:.2f} to {fx:.2f}{when}, "
                f"against {fb:.2f} for {base}")
    return (f"Trust in the company ends highest with {best}: {fx:.2f}{when} (from {start:.2f}), "
            f"against {fb:.2f} for {base}")


def cohort_awareness(runs: pd.DataFrame, timeseries: pd.DataFrame, hours: float) -> pd.DataFrame:
    """Per run: share of everyone in each cohort who knows at ``hours``.

    Columns ``run``, ``scenario`` and one per cohort label; the runs'
    ``cohort_size_<cohort>`` (agents) are the denominators.
    """
    out = None
    for c in COHORTS:
        v = value_at_hours(runs, timeseries, hours,
                           lambda t, c=c: t[f"aware_{c}"] / t[f"cohort_size_{c}"].replace(0, np.nan))
        v = v.rename(columns={"value": COHORT_LABELS[c]})
        out = v if out is None else out.merge(v.drop(columns="scenario"), on="run")
    return out


def cohorts_chart(runs: pd.DataFrame, timeseries: pd.DataFrame, scenarios: Sequence[dict],
                  at_hours: Sequence[float] = (24, 72)) -> Figure:
    """Share of everyone in each cohort who knows, at 24 h and 72 h, per scenario.

    One panel per time; bars per cohort, one per scenario (median across runs,
    whisker 10-90%). Counts include non-customers. Title: the cohort that
    knows least at the last time under the baseline, and the scenario that
    reaches it best.
    """
    order, colours = _colours(runs, scenarios)
    tables = [cohort_awareness(runs, timeseries, h) for h in at_hours]
    fig = _new_figure()
    axes = np.atleast_1d(fig.subplots(1, len(at_hours), sharey=True))
    for ax, h, table in zip(axes, at_hours, tables):
        _grouped_bars(ax, table, order, colours)
        ax.set_title(f"{h:.0f} hours after the announcement", loc="left", fontsize=LABEL_SIZE + 1.5)
    axes[0].set_ylim(0, 1.05)
    axes[0].yaxis.set_major_locator(mticker.MultipleLocator(0.2))
    axes[0].set_ylabel("share of everyone in the cohort who knows, %\n"
                       "(customers or not; median, whisker: 10-90% of runs)", fontsize=LABEL_SIZE)
    _scenario_legend(fig, order, colours)
    _suptitle(fig, cohorts_title(order, tables[-1], at_hours[-1]))
    return fig


def cohorts_title(order: Sequence[str], table: pd.DataFrame, hours: float) -> str:
    """The finding of the cohort chart: who hears last at ``hours``."""
    base = order[0]
    med = {n: {c: quantiles(table.loc[table["scenario"] == n, COHORT_LABELS[c]])[1] for c in COHORTS}
           for n in order}
    last = last_cohorts(med[base])
    worst = last[0]
    best = max(order, key=lambda n: (med[n][worst], -order.index(n)))
    if len(last) == len(COHORTS):
        top = max(med[base].values())
        return (f"All generations hear at much the same pace: at {hours:.0f} h, {fmt_pct(med[base][worst])}"
                f" to {fmt_pct(top)} of each know under {base}")
    if len(last) == 1:
        label = COHORT_LABELS[worst]
        text = (f"{label} hear last: at {hours:.0f} h, {fmt_pct(med[base][worst])} of {label} know "
                f"under {base}")
    else:
        text = (f"{join_words([COHORT_LABELS[c] for c in last])} hear last: at {hours:.0f} h, about "
                f"{fmt_pct(float(np.mean([med[base][c] for c in last])))} of each know under {base}")
    if best != base and med[best][worst] > med[base][worst]:
        text += f", {fmt_pct(med[best][worst])} of {COHORT_LABELS[worst]} with {best}"
    return text


def last_cohorts(shares: dict[str, float], tolerance: float = 0.01) -> list[str]:
    """Cohorts within ``tolerance`` (1 percentage point) of the least aware, least aware first."""
    valid = {c: v for c, v in shares.items() if not math.isnan(v)}
    if not valid:
        return [COHORTS[0]]
    low = min(valid.values())
    return sorted((c for c, v in valid.items() if v <= low + tolerance),
                  key=lambda c: (valid[c], COHORTS.index(c)))


def join_words(words: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def all_charts(runs: pd.DataFrame, timeseries: pd.DataFrame, scenarios: Sequence[dict]) -> dict[str, Figure]:
    """Every chart of the comparison, keyed by file stem, in report order."""
    return {
        "awareness": awareness_chart(runs, timeseries, scenarios),
        "time_to_reach": time_to_reach_chart(runs, scenarios),
        "first_source": first_source_chart(runs, timeseries, scenarios),
        "trust": trust_chart(runs, timeseries, scenarios),
        "cohorts": cohorts_chart(runs, timeseries, scenarios),
    }
