"""Charts of one run, drawn with matplotlib (no screen needed)."""

from __future__ import annotations

import datetime as dt

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

from .simulate import SimulationResult  # noqa: E402

CHANNEL_COLOURS = {"media": "#0072B2", "twitter": "#56B4E9", "direct": "#D55E00"}


def awareness_figure(result: SimulationResult):
    """Affected customers aware over real dates, in people, channel events marked."""
    frame, summary = result.timeseries, result.summary
    scale = summary["people_per_agent"] / 1e6
    start = result.scenario.start
    times = [start + dt.timedelta(hours=h) for h in frame["hours"]]
    fig, ax = plt.subplots(figsize=(10, 5.5), dpi=120)
    ax.plot(times, frame["aware_affected"] * scale, color="#000000", lw=2.2,
            label="affected customers aware")
    ax.plot(times, frame["contacted"] * scale, color=CHANNEL_COLOURS["direct"], lw=1.6, ls="--",
            label="affected customers who read the company's message")
    affected = summary["affected_agents"] * scale
    ax.axhline(affected, color="#999999", lw=1, ls=":")
    ax.text(times[0], affected, f" all affected customers ({affected:.1f} M)", va="bottom",
            fontsize=9, color="#555555")
    seen = set()
    last = frame["hours"].iloc[-1]
    for event in result.events:
        for hours, what, ls in ((event["start"], "starts", "--"), (event["end"], "ends", "-.")):
            if event["channel"] != "direct" and what == "ends":
                continue
            if hours is None or hours > last:
                continue
            label = f"{event['label']} {what}" if event["channel"] == "direct" else event["label"]
            when = start + dt.timedelta(hours=hours)
            ax.axvline(when, color=CHANNEL_COLOURS[event["channel"]], lw=1, alpha=0.8,
                       label=label if label not in seen else None, ls=ls)
            seen.add(label)
    half = summary["hours_to_50pct_affected"]
    verdict = (f"half of affected customers knew after {half:.0f} h" if half is not None
               else "fewer than half of affected customers ever knew")
    ax.set_title(f"{result.scenario.name}: {verdict}", fontsize=13)
    ax.set_ylabel("affected customers (millions of people)")
    ax.set_xlabel(f"local date and time ({start.tzname() or start.strftime('%z')})")
    ax.set_ylim(0, affected * 1.08)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%a %d %b", tz=start.tzinfo))
    days = frame["hours"].iloc[-1] / 24
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=max(1, round(days / 8)), tz=start.tzinfo))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=9)
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def save_awareness_chart(result: SimulationResult, path) -> None:
    """Write :func:`awareness_figure` to ``path`` (format from the suffix)."""
    fig = awareness_figure(result)
    fig.savefig(path)
    plt.close(fig)
