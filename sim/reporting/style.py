"""The look shared by every chart: sizes, fonts, colours, titles, axes.

One drawing size, 9 x 5.06 in (16:9), with fonts that read well both on a
slide and across an A4 page's text width; ``"slide"`` renders it at
2000 x 1125 px (the chart files, also embedded in the report), ``"page"`` at
170 dpi. Figures
are drawn off screen (no pyplot state). Titles are kept to one line:
:func:`one_line_title` shrinks the font, and as a last resort shortens the
text, until the title fits the figure's width.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import Formatter

from .text import fmt_people, mpl_text, people_ticks

__all__ = ["OKABE_ITO", "GREY", "BAND_ALPHA", "Size", "SIZES", "size_of", "scenario_colours",
           "new_figure", "one_line_title", "titles", "style_axes", "scenario_legend",
           "declutter_labels", "PeopleFormatter", "people_axis"]

#: Colour of each first source, wherever sources are drawn (Okabe-Ito).
SOURCE_COLOURS = {"direct": "#D55E00", "media": "#0072B2", "twitter": "#56B4E9",
                  "word_of_mouth": "#009E73", "seed": "#CC79A7",
                  "scam": "#7F7F7F"}
#: Okabe & Ito (2008) colours, baseline first (black), yellow last (weak on white).
OKABE_ITO = ("#000000", "#E69F00", "#0072B2", "#009E73", "#CC79A7", "#D55E00", "#56B4E9",
             "#F0E442")
GREY = "#555555"
BAND_ALPHA = 0.2


@dataclass(frozen=True)
class Size:
    """Figure size (inches), resolution (dots per inch) and font sizes (points)."""

    name: str
    figsize: tuple[float, float]
    dpi: int
    title: float
    subtitle: float
    label: float
    tick: float
    legend: float
    note: float
    line: float = 2.8


#: One drawing serves both the slide and the printed page: 9 x 5.06 in (16:9) with fonts
#: that stay readable across an A4 page's text width (ticks ~7.5 pt) and on a slide.
#: "slide" saves it at 2000 x 1125 px; "page" at 170 dpi (e.g. for a notebook).
SIZES = {
    "slide": Size("slide", (9.0, 5.0625), 2000 / 9.0, 14, 11, 11, 10, 10, 9.5, 2.2),
    "page": Size("page", (9.0, 5.0625), 170, 14, 11, 11, 10, 10, 9.5, 2.2),
}


def size_of(size: str | Size) -> Size:
    """The :class:`Size` named ``size`` ("slide" or "page")."""
    if isinstance(size, Size):
        return size
    try:
        return SIZES[size]
    except KeyError:
        raise ValueError(f"unknown chart size {size!r}; allowed: {', '.join(SIZES)}") from None


def scenario_colours(names: Iterable[str]) -> dict[str, str]:
    """One Okabe-Ito colour per scenario name, in order; the first (baseline) is black.

    More than eight scenarios reuse the palette from the start.
    """
    out: dict[str, str] = {}
    for name in names:
        if name not in out:
            out[name] = OKABE_ITO[len(out) % len(OKABE_ITO)]
    return out


def new_figure(size: Size, height: float | None = None) -> Figure:
    """An empty figure with constrained layout, drawn by the Agg canvas."""
    w, h = size.figsize
    fig = Figure(figsize=(w, height or h), dpi=size.dpi, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _fits(fig: Figure, text, room: float) -> bool:
    renderer = fig.canvas.get_renderer()
    return text.get_window_extent(renderer).width <= room


def one_line_title(fig: Figure, title: str, size: Size, min_scale: float = 0.72) -> str:
    """Set the figure's title on one line, shrinking the font (to ``min_scale``)
    and then shortening the text until it fits. Returns the title as shown."""
    shown = mpl_text(title)
    room = fig.bbox.width * 0.985
    text = fig.suptitle(shown, x=0.008, ha="left", fontsize=size.title, fontweight="bold")
    fontsize = size.title
    while not _fits(fig, text, room) and fontsize > size.title * min_scale:
        fontsize -= 0.5
        text.set_fontsize(fontsize)
    words = title.split(" ")
    while not _fits(fig, text, room) and len(words) > 3:
        words = words[:-1]
        shown = mpl_text(" ".join(words).rstrip(",;:") + "…")
        text.set_text(shown)
    return shown.replace("\\$", "$")


def titles(fig: Figure, ax, title: str, subtitle: str, size: Size) -> None:
    """A one-line bold title (the finding) and a grey subtitle (what is drawn)."""
    import textwrap

    one_line_title(fig, title, size)
    chars = int(110 * size.figsize[0] / 13.33 * 13.5 / size.subtitle)
    ax.set_title(mpl_text(textwrap.fill(subtitle, chars)), loc="left", fontsize=size.subtitle,
                 color=GREY, pad=10)


def style_axes(ax, size: Size, grid_axis: str = "both") -> None:
    ax.tick_params(labelsize=size.tick)
    ax.grid(axis=grid_axis, alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def scenario_legend(fig: Figure, order: Sequence[str], colours: dict[str, str], labels: dict[str, str],
                    size: Size, kind: str = "patch", extra=()) -> None:
    """One legend for the whole figure, below the plots, scenarios in display order."""
    if kind == "patch":
        handles = [Patch(color=colours[n], label=mpl_text(labels[n])) for n in order]
    else:
        handles = [Line2D([], [], color=colours[n], lw=size.line, label=mpl_text(labels[n])) for n in order]
    handles += list(extra)
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 5),
               fontsize=size.legend, frameon=False, handlelength=1.8, columnspacing=1.6)


def _overlaps(boxes) -> bool:
    boxes = sorted(boxes, key=lambda b: b.x0)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if b.x0 >= a.x1:
                break
            if a.overlaps(b):
                return True
    return False


def declutter_labels(fig: Figure, texts: Sequence, size: Size) -> str:
    """Make value labels (e.g. on bars) stop colliding.

    Shrinks them (down to 8 points at slide size), then turns them upright,
    then leaves them out. Returns what it did: ``"fit"``, ``"shrunk"``,
    ``"rotated"`` or ``"removed"``.
    """
    if not texts:
        return "fit"
    renderer = fig.canvas.get_renderer()

    def clash() -> bool:
        return _overlaps([t.get_window_extent(renderer) for t in texts])

    if not clash():
        return "fit"
    fontsize = texts[0].get_fontsize()
    floor = 7.0
    while clash() and fontsize > floor:
        fontsize -= 0.5
        for t in texts:
            t.set_fontsize(fontsize)
    if not clash():
        return "shrunk"
    for t in texts:
        t.set_rotation(90)
        t.set_va("bottom")
    if not clash():
        return "rotated"
    for t in texts:
        t.set_visible(False)
    return "removed"


def nice_ceiling(x: float) -> float:
    """The next 1, 2, 2.5 or 5 x 10^k at or above ``x`` (> 0)."""
    if not x > 0 or not math.isfinite(x):
        return 1.0
    k = math.floor(math.log10(x))
    for m in (1, 2, 2.5, 5, 10):
        if m * 10**k >= x - 1e-12:
            return m * 10**k
    return 10 ** (k + 1)


class PeopleFormatter(Formatter):
    """Tick labels for an axis of people, in one unit for the whole axis
    (``0``, ``0.5 M``, ``1.0 M`` or ``0``, ``250,000``, ``500,000``; see
    :func:`sim.reporting.text.people_ticks`), never ``1,560.0 thousand``.
    A single value (e.g. the cursor's) reads like any other figure of people."""

    def __call__(self, x, pos=None) -> str:
        return fmt_people(x)

    def format_ticks(self, values) -> list[str]:
        return people_ticks(list(values))


def people_axis(axis) -> None:
    """Label ``axis`` (``ax.yaxis`` or ``ax.xaxis``) in people with :class:`PeopleFormatter`."""
    axis.set_major_formatter(PeopleFormatter())
