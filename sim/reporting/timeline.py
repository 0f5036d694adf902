"""One timeline of a run's channel events, drawn the same way by every chart.

The chart of one run (:mod:`.run_chart`), the report's awareness chart
(:mod:`.charts`) and the dashboard's (:mod:`.dashboard.figures`) draw their
channel events with this module: one style per kind of event
(:data:`STYLES`), company campaigns as bars from start to end, posts (press
releases, tweets) and the start of scam waves as markers at their time, a
legend entry per kind shown.

Events are the dicts of a run's ``events`` (see
:func:`sim.model.simulate.channel_events`): ``channel``, ``medium``,
``start`` and ``end`` in hours since the row's hour 0 (a post's ``end`` is its
start; a campaign's may be None, never finishing, or after the run). The x
axis is matplotlib date numbers (days): an event at ``h`` hours is drawn at
``x0 + h / 24``. Nothing after ``until`` hours is drawn; a campaign still
running then is cut there and marked "(continues)".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from matplotlib.lines import Line2D
from matplotlib.transforms import offset_copy

from ..config.vocabulary import MEDIUM_WORDS, is_campaign
from .style import GREY, SOURCE_COLOURS, Size
from .text import mpl_text

__all__ = ["Style", "STYLES", "Sizes", "Row", "style_of", "sizes_for", "campaigns", "posts",
           "lanes", "strip_height", "draw_events", "draw_rows", "legend_handles", "add_legend"]


@dataclass(frozen=True)
class Style:
    """How one kind of event is drawn.

    ``colour`` is the kind's own (Okabe-Ito) colour, used where a row has no
    colour of its own; ``marker`` a matplotlib marker, None for a bar from
    start to end; ``words`` its legend entry; ``nudge`` an up (+) or down (-)
    shift in points, so a release and a tweet at the same hour both show.
    """

    colour: str
    marker: str | None
    words: str
    nudge: float = 0.0


#: One style per kind of event, keyed by channel (the company's channel is its campaigns).
#: A marker is only ever nudged up or down, never sideways: none is drawn before its time.
STYLES = {
    "media": Style(SOURCE_COLOURS["media"], "s", "press release / news coverage", -3.0),
    "twitter": Style(SOURCE_COLOURS["twitter"], "^", "company tweet", 3.0),
    "direct": Style(SOURCE_COLOURS["direct"], None, "company message campaign, start to end"),
    "scam": Style(SOURCE_COLOURS["scam"], "X", "scam wave starts"),
}

#: Layout of a strip, in data units of its y axis: between campaign lanes, from the lowest
#: lane to the posts above the campaigns, between rows, and above and below the rows.
LANE, POST_GAP, ROW_GAP, MARGIN = 0.42, 0.12, 0.6, 0.35


@dataclass(frozen=True)
class Sizes:
    """Sizes in points: bar width, marker size, bar labels and legend, row labels; the
    space between legend entries (``gap``) in font sizes."""

    bar: float = 5.5
    marker: float = 7.9
    font: float = 9.5
    label: float = 10.0
    gap: float = 2.0


@dataclass(frozen=True)
class Row:
    """One row of a strip: its label, its events, where its hour 0 is (``x0``, a date
    number), the hours after ``x0`` shown (``until``) and its colour (None: each kind's)."""

    label: str
    events: Sequence[dict]
    x0: float
    until: float
    colour: str | None = None


def style_of(event: dict) -> Style:
    """The :class:`Style` of a channel event (by its ``channel``)."""
    try:
        return STYLES[event["channel"]]
    except KeyError:
        raise ValueError(f"channel event of unknown channel {event.get('channel')!r}; "
                         f"allowed: {', '.join(STYLES)}") from None


def sizes_for(size: Size) -> Sizes:
    """The strip's :class:`Sizes` for one of the report's chart sizes."""
    scale = size.line / 2.8
    return Sizes(bar=7 * scale, marker=10 * scale, font=size.note, label=size.note + 0.5)


def campaigns(events: Iterable[dict], until: float) -> list[dict]:
    """The company campaigns that start by ``until`` hours, earliest first."""
    return sorted((e for e in events if is_campaign(e) and float(e["start"]) <= until),
                  key=lambda e: float(e["start"]))


def posts(events: Iterable[dict], until: float) -> list[tuple[float, str]]:
    """One-off posts by ``until`` hours as ``(hours, channel)``, earliest first, each once."""
    found = ((float(e["start"]), e["channel"]) for e in events if not is_campaign(e))
    return sorted(dict.fromkeys(p for p in found if p[0] <= until), key=lambda p: p[0])


def lanes(events: Iterable[dict], until: float) -> int:
    """Lanes a row needs: one per campaign shown, one for its posts."""
    return 1 + len(campaigns(events, until))


def strip_height(rows: Sequence[Row]) -> float:
    """Height (inches, as a height ratio beside the chart's) a strip of ``rows`` needs."""
    return 0.35 + 0.16 * sum(lanes(r.events, r.until) for r in rows) + 0.14 * len(rows)


def _bar(ax, event: dict, y: float, row: Row, sizes: Sizes) -> None:
    """A campaign as a bar from its start to its end (hours), cut at ``row.until``."""
    colour = row.colour or style_of(event).colour
    end = event.get("end")
    stop = min(float(end) if end is not None else row.until, row.until)
    x = [row.x0 + float(event["start"]) / 24, row.x0 + stop / 24]
    ax.plot(x, [y, y], color=colour, lw=sizes.bar, solid_capstyle="butt", alpha=0.85)
    words = event.get("medium_label") or MEDIUM_WORDS.get(event["medium"], event["medium"])
    if end is None or float(end) > row.until:
        words += " (continues)"
    ax.text(x[1] + row.until / 24 * 0.006, y, words, va="center", ha="left", fontsize=sizes.font,
            color=colour)


def _post(ax, hours: float, channel: str, y: float, row: Row, sizes: Sizes) -> None:
    """A post as a marker at its time (hours), nudged only up or down."""
    style = style_of({"channel": channel})
    nudge = offset_copy(ax.transData, fig=ax.figure, y=style.nudge, units="points")
    ax.plot(row.x0 + hours / 24, y, marker=style.marker, ms=sizes.marker, color=row.colour or style.colour,
            transform=nudge, markeredgecolor="white", markeredgewidth=0.8, ls="none", zorder=3)


def draw_events(ax, events: Sequence[dict], y: float, *, x0: float, until: float,
                colour: str | None = None, sizes: Sizes = Sizes()) -> tuple[float, set[str]]:
    """Draw one row of ``events`` from ``y`` (data units) up, hour 0 at date number ``x0``,
    nothing after ``until`` hours: campaigns on one lane each, the earliest on top, posts on
    the lane above them, in ``colour`` (None: each kind's). Returns the posts' lane and the
    kinds (channels) drawn."""
    row = Row("", events, x0, until, colour)
    shown = campaigns(events, until)
    for i, event in enumerate(reversed(shown)):
        _bar(ax, event, y + i * LANE, row, sizes)
    top = y + len(shown) * LANE + (POST_GAP if shown else 0.0)
    found = posts(events, until)
    for hours, channel in found:
        _post(ax, hours, channel, top, row, sizes)
    return top, {e["channel"] for e in shown} | {c for _, c in found}


def _style_strip(ax, centres: list[tuple[float, Row]], top: float, sizes: Sizes) -> None:
    """Row labels (in each row's colour) at ``centres``, y limits, no spines but the bottom."""
    ax.set_ylim(-MARGIN, top + MARGIN)
    ax.set_yticks([c for c, _ in centres], [mpl_text(r.label) for _, r in centres], fontsize=sizes.label)
    for tick, (_, row) in zip(ax.get_yticklabels(), centres):
        tick.set_color(row.colour or "black")
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x", alpha=0.3)


def draw_rows(ax, rows: Sequence[Row], sizes: Sizes = Sizes()) -> set[str]:
    """A strip on ``ax``: one row per :class:`Row`, the first on top, labelled on the left.
    Returns the kinds (channels) drawn, for :func:`add_legend`."""
    kinds: set[str] = set()
    centres, y, top = [], 0.0, 0.0
    for row in reversed(rows):
        top, drawn = draw_events(ax, row.events, y, x0=row.x0, until=row.until, colour=row.colour,
                                 sizes=sizes)
        kinds |= drawn
        centres.append(((y + top) / 2, row))
        y = top + ROW_GAP
    _style_strip(ax, centres, top, sizes)
    return kinds


def legend_handles(kinds: Iterable[str], sizes: Sizes = Sizes(), colour: str | None = GREY) -> list[Line2D]:
    """Legend entries of the kinds drawn, posts first, in :data:`STYLES` order;
    in ``colour`` (None: each kind's own colour)."""
    kinds = set(kinds)
    handles = []
    for kind in sorted(kinds, key=lambda k: (STYLES[k].marker is None, list(STYLES).index(k))):
        style = STYLES[kind]
        shape = ({"marker": style.marker, "ls": "none", "ms": sizes.marker * 0.9} if style.marker
                 else {"lw": sizes.bar * 6 / 7})
        handles.append(Line2D([], [], color=colour or style.colour, label=style.words, **shape))
    return handles


def add_legend(ax, kinds: Iterable[str], sizes: Sizes = Sizes(), colour: str | None = GREY,
               left: float = 0.0) -> None:
    """The strip's legend, on one line just above ``ax``, from ``left`` (a fraction of the
    axes' width; below 0 reaches into the row labels' margin); nothing if no kind was drawn."""
    handles = legend_handles(kinds, sizes, colour)
    if handles:
        ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(left, 1.0), ncol=len(handles),
                  fontsize=sizes.font, frameon=False, handlelength=1.6, borderaxespad=0.1,
                  columnspacing=sizes.gap)
