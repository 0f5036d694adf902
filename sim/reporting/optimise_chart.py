"""The chart of an optimisation: ``front.png``, from ``optimise.json`` and ``pareto.csv``.

- **Two or more objectives**: the first objective across, the second up (further
  objectives are not drawn, and the subtitle says so). Every plan run in the search is a
  small grey dot; the confirmed front (plans no other confirmed feasible plan beats on
  both) is joined by a step line, with 95% bars on both axes; the best plan (the front's
  balanced plan) is highlighted as ``best.toml``; the baseline and the compared scenarios
  are labelled markers (hollow when outside the constraints); the best plan with one
  constraint relaxed is a marker with an arrow from the best plan, so the chart shows
  what each binding constraint costs.
- **One objective**: one row per confirmed plan, per relaxed version of the best plan and
  per baseline or compared scenario: the score as a dot with its 95% interval.

Labels are placed beside their points where they collide with nothing and stay inside
the plot. :func:`optimise_chart` draws the figure; :func:`write_optimise_chart` reads an
output folder and writes ``front.png`` as one unit.
"""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, PercentFormatter

from ..runs.files import write_atomically
from .style import GREY, OKABE_ITO, Size, new_figure, people_axis, size_of, style_axes, titles
from .text import fmt_hours, fmt_number, fmt_pct, fmt_value, join_words, mpl_text

__all__ = ["optimise_chart", "write_optimise_chart", "OUTSIDE"]

#: The words a scenario outside the constraints carries in its label.
OUTSIDE = "(outside the constraints)"
FRONT = OKABE_ITO[2]         # blue
BEST = OKABE_ITO[5]          # vermillion
RELAXED = OKABE_ITO[1]       # orange
SEARCH = "#B8B8B8"
COMPARED = (OKABE_ITO[3], OKABE_ITO[4], OKABE_ITO[6], OKABE_ITO[1])


# ---- reading ---------------------------------------------------------------------------------
def _flag(column: pd.Series) -> pd.Series:
    return column.map(lambda v: v is True or str(v).strip().lower() in ("true", "1", "yes"))


def _read_table(path: Path) -> pd.DataFrame:
    table = pd.read_csv(path)
    for col in ("feasible", "pareto", "best"):
        if col in table:
            table[col] = _flag(table[col])
    return table


def _kind(measure: str) -> str:
    """The catalog kind of ``measure`` (share, people, hours, ...); messages are people."""
    if measure.startswith("messages."):
        return "people"
    try:
        from ..config import catalog

        return catalog.measure(measure).kind
    except (KeyError, ImportError):
        return "number"


def _brief(measure: str) -> str:
    """A few words for ``measure`` (``peak calls/h``), for labels of changes."""
    try:
        from ..config import catalog

        m = catalog.measure(measure)
        return m.brief or (m.short[:1].lower() + m.short[1:]) or measure
    except (KeyError, ImportError):
        return measure


def _value_text(kind: str, x: float, precise: bool = False) -> str:
    if kind == "share":
        return fmt_pct(x, 1 if precise else None)
    if kind == "hours":
        return fmt_hours(x, days=False)
    if kind in ("people", "count"):
        return fmt_value("people", x)
    return fmt_value(kind, x) if kind in ("trust", "change") else fmt_number(x)


def _axis_label(objective: dict, width: int = 90) -> str:
    """The objective's label with its better direction, wrapped at ``width`` characters."""
    label = str(objective.get("label") or objective["measure"])
    label = label[:1].upper() + label[1:]
    better = "lower is better" if objective.get("direction", "min") == "min" else "higher is better"
    text = f"{label[:-1]}; {better})" if label.endswith(")") else f"{label} ({better})"
    return mpl_text(textwrap.fill(text, width))


def _subtitle(fig: Figure, ax, title: str, subtitle: str, sz: Size, to_edge: bool = False) -> None:
    """Title and subtitle; the subtitle wrapped to the width of the axes it stands over
    (``to_edge``: from the axes' left to the figure's right edge)."""
    titles(fig, ax, title, subtitle, sz)
    base = int(110 * sz.figsize[0] / 13.33 * 13.5 / sz.subtitle)
    for _ in range(2):
        fig.draw_without_rendering()
        share = 0.92 * (1 - ax.get_position().x0) if to_edge else ax.get_position().width
        ax.set_title(mpl_text(textwrap.fill(subtitle, max(30, int(base * share / 0.97)))), loc="left",
                     fontsize=sz.subtitle, color=GREY, pad=10)


def _format_axis(axis, kind: str) -> None:
    if kind == "share":
        axis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None))
    elif kind in ("people", "count"):
        people_axis(axis)
    elif kind == "hours":
        axis.set_major_formatter(FuncFormatter(lambda x, pos=None: f"{x:g} h"))
    else:
        axis.set_major_formatter(FuncFormatter(lambda x, pos=None: fmt_number(x)))


def _score(scores: dict | None, measure: str) -> tuple[float, float, float]:
    s = (scores or {}).get(measure) or {}
    return tuple(math.nan if s.get(k) is None else float(s[k]) for k in ("value", "low", "high"))


def _row_score(row: pd.Series, measure: str) -> tuple[float, float, float]:
    return tuple(float(row.get(c, math.nan)) for c in (measure, f"{measure}_low", f"{measure}_high"))


def _comparisons(summary: dict) -> list[dict]:
    """The baseline and compared scenarios, baseline first; each with its label and colour."""
    rows = sorted(summary.get("comparisons") or [], key=lambda c: c.get("role") != "baseline")
    out, k = [], 0
    for c in rows:
        baseline = c.get("role") == "baseline"
        name = str(c.get("name", ""))
        label = f"baseline: {name}" if baseline else name
        if not c.get("feasible", True):
            label += f" {OUTSIDE}"
        colour = OKABE_ITO[0] if baseline else COMPARED[k % len(COMPARED)]
        k += 0 if baseline else 1
        out.append({**c, "label": label, "colour": colour, "baseline": baseline})
    return out


def _relaxed(summary: dict) -> list[dict]:
    return [r for r in summary.get("relaxations") or [] if r.get("scores")]


def _constraint_words(c: dict) -> str:
    """A constraint of ``optimise.json`` for people: ``start ≥ 6 h``, ``sms throughput ≤ 1,500,000 an hour``."""
    op = {"<=": "≤", ">=": "≥"}.get(str(c.get("op")), str(c.get("op", "")))
    bound = c.get("bound")
    if bound is None or c.get("kind") not in ("start", "throughput", "outcome"):
        return str(c.get("text", ""))
    if c["kind"] == "start":
        return f"start {op} {fmt_number(bound)} h"
    if c["kind"] == "throughput":
        return f"{c.get('name')} throughput {op} {fmt_number(bound)} an hour"
    label = str(c.get("label") or c.get("name"))
    return f"{label} {op} {_value_text(_kind(str(c.get('name'))), float(bound))}"


def _constraint_text(summary: dict, text: str) -> str:
    found = next((c for c in summary.get("constraints") or [] if c.get("text") == text), None)
    return _constraint_words(found) if found else str(text)


def _relax_label(summary: dict, r: dict) -> str:
    return f"{_constraint_text(summary, str(r.get('constraint', '')))} relaxed: {r.get('step', '')}".strip()


def _not_binding(summary: dict) -> list[str]:
    return [_constraint_text(summary, str(r.get("constraint"))) for r in summary.get("relaxations") or []
            if not r.get("scores") and not r.get("binding")]


def _breaks(summary: dict, comparisons: list[dict]) -> str:
    """Which compared scenarios break which input constraints (their ``breaks`` lists), in words."""
    by_text = {str(k.get("text")): k for k in summary.get("constraints") or []}
    words = []
    for c in comparisons:
        broken = [_constraint_words(by_text[t]) if t in by_text else str(t) for t in c.get("breaks") or []]
        if not c.get("feasible", True) and broken:
            words.append(f"{c['name']} breaks {', '.join(broken)}")
    return "; ".join(words)


# ---- labels that do not collide --------------------------------------------------------------
#: Offsets (points) tried for a label, nearest first: right, left, above, below, then further.
_OFFSETS = [(9, 7, "left", "bottom"), (9, -7, "left", "top"), (-9, 7, "right", "bottom"),
            (-9, -7, "right", "top"), (0, 10, "center", "bottom"), (0, -10, "center", "top"),
            (12, 0, "left", "center"), (-12, 0, "right", "center")]


def _ring(radius: float, count: int = 12) -> list[tuple[float, float, str, str]]:
    out = []
    for k in range(count):
        angle = 2 * math.pi * k / count
        dx, dy = radius * math.cos(angle), radius * math.sin(angle)
        ha = "left" if dx > 1 else "right" if dx < -1 else "center"
        va = "bottom" if dy > 1 else "top" if dy < -1 else "center"
        out.append((round(dx, 1), round(dy, 1), ha, va))
    return out


#: Further places, with a leader line to the point: rings ever wider.
_FAR = [o for r in (28, 50, 80, 120, 170) for o in _ring(r)]


class _Placer:
    """Puts each label where it overlaps no other label and no marker, inside the axes."""

    def __init__(self, fig: Figure, ax, size: Size):
        self.fig, self.ax, self.size = fig, ax, size
        fig.draw_without_rendering()                      # the layout, so that positions are final
        self.renderer = fig.canvas.get_renderer()
        self.taken: list[Any] = []
        self.texts: list[Any] = []

    def avoid(self, xs, ys, pad: float = 5.0) -> None:
        """Keep labels off the markers at ``xs``, ``ys`` (data units; ``pad`` points)."""
        from matplotlib.transforms import Bbox

        px = pad * self.fig.dpi / 72
        for x, y in zip(np.atleast_1d(xs), np.atleast_1d(ys)):
            if math.isfinite(x) and math.isfinite(y):
                cx, cy = self.ax.transData.transform((x, y))
                self.taken.append(Bbox.from_extents(cx - px, cy - px, cx + px, cy + px))

    def avoid_bars(self, x: tuple, y: tuple, pad: float = 2.5) -> None:
        """Keep labels off the 95% bars of the point ``x``, ``y`` (value, low, high each)."""
        for lo, hi, fixed, across in ((x[1], x[2], y[0], True), (y[1], y[2], x[0], False)):
            if math.isfinite(lo) and math.isfinite(hi):
                along = np.linspace(lo, hi, 7)
                self.avoid(along if across else [fixed] * 7, [fixed] * 7 if across else along, pad)

    def label(self, x: float, y: float, text: str, colour: str, weight: str = "normal"):
        room = self.ax.get_window_extent(self.renderer)
        best, best_cost = None, math.inf
        for i, (dx, dy, ha, va) in enumerate(_OFFSETS + _FAR):
            far = i >= len(_OFFSETS)
            t = self.ax.annotate(mpl_text(text), (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha,
                                 va=va, fontsize=self.size.note, color=colour, fontweight=weight, zorder=6,
                                 bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
                                 arrowprops=({"arrowstyle": "-", "color": colour, "lw": 0.7, "shrinkA": 0,
                                              "shrinkB": 4} if far else None))
            t.set_in_layout(False)
            t.update_positions(self.renderer)
            box = Text.get_window_extent(t, self.renderer)            # the words, not the leader line
            outside = (max(0, room.x0 - box.x0) + max(0, box.x1 - room.x1) + max(0, room.y0 - box.y0)
                       + max(0, box.y1 - room.y1))
            overlap = sum(_area(box, other) for other in self.taken)
            cost = outside * 1e4 + overlap + i
            if outside == 0 and overlap == 0:
                if best is not None:
                    best.remove()
                best, best_cost = t, cost
                break
            if cost < best_cost:
                if best is not None:
                    best.remove()
                best, best_cost = t, cost
            else:
                t.remove()
        self.taken.append(Text.get_window_extent(best, self.renderer))
        self.texts.append(best)
        return best


def _area(a, b) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


# ---- two objectives --------------------------------------------------------------------------
def _errorbar(ax, x, y, colour, **kw):
    xs, ys = np.array([x[0]]), np.array([y[0]])
    xerr = np.array([[x[0] - x[1]], [x[2] - x[0]]]) if math.isfinite(x[1]) else None
    yerr = np.array([[y[0] - y[1]], [y[2] - y[0]]]) if math.isfinite(y[1]) else None
    return ax.errorbar(xs, ys, xerr=xerr, yerr=yerr, color=colour, ecolor=colour, elinewidth=1.0, capsize=2.5,
                       **kw)


def _front_chart(summary: dict, table: pd.DataFrame, sz: Size) -> Figure:
    objectives = summary["objectives"]
    mx, my = objectives[0]["measure"], objectives[1]["measure"]
    kx, ky = _kind(mx), _kind(my)
    fig = new_figure(sz)
    ax = fig.subplots()
    plans = table[table["kind"] == "plan"] if "kind" in table else table.iloc[0:0]
    plans = plans[np.isfinite(plans[mx].astype(float)) & np.isfinite(plans[my].astype(float))]
    feasible = plans["feasible"] if "feasible" in plans else pd.Series(True, index=plans.index)
    ax.scatter(plans.loc[feasible, mx], plans.loc[feasible, my], s=12, color=SEARCH, lw=0, zorder=1)
    ax.scatter(plans.loc[~feasible, mx], plans.loc[~feasible, my], s=12, facecolor="none", edgecolor=SEARCH,
               lw=0.8, zorder=1)
    handles = [Line2D([], [], marker="o", ls="none", color=SEARCH, ms=4,
                      label=f"plan tried in the search ({len(plans)})")]
    if (~feasible).any():
        handles.append(Line2D([], [], marker="o", ls="none", mfc="none", mec=SEARCH, ms=4,
                              label="plan breaking a constraint"))

    front = plans[plans["pareto"]] if "pareto" in plans else plans.iloc[0:0]
    front = front.sort_values(mx)
    only_best = len(front) == 1 and "best" in front and bool(_flag(front["best"]).all())
    if len(front):
        where = "post" if objectives[0].get("direction", "min") == "min" else "pre"
        ax.step(front[mx], front[my], where=where, color=FRONT, lw=1.4, alpha=0.8, zorder=2)
        for _, row in front.iterrows():
            _errorbar(ax, _row_score(row, mx), _row_score(row, my), FRONT, fmt="o", ms=5, zorder=3)
        if not only_best:       # else drawn over by the best plan: no blue on the chart
            handles.append(Line2D([], [], marker="o", color=FRONT, ms=5, lw=1.4,
                                  label="best trade-offs (confirmed, with 95% bars)"))

    best = summary.get("best")
    bx = _score(best["scores"], mx) if best else (math.nan,) * 3
    by = _score(best["scores"], my) if best else (math.nan,) * 3
    if best and math.isfinite(bx[0]) and math.isfinite(by[0]):
        _errorbar(ax, bx, by, BEST, fmt="o", ms=9, mfc=BEST, mec="white", mew=1.2, zorder=5)
        handles.append(Line2D([], [], marker="o", ls="none", color=BEST, ms=8, label="best.toml: the balanced plan"))

    relaxed = [(r, _score(r["scores"], mx), _score(r["scores"], my)) for r in _relaxed(summary)]
    relaxed = [(r, x, y) for r, x, y in relaxed if math.isfinite(x[0]) and math.isfinite(y[0])]
    for _, x, y in relaxed:
        ax.scatter([x[0]], [y[0]], s=46, marker="D", color=RELAXED, edgecolor="white", lw=0.8, zorder=4)
    if relaxed:
        handles.append(Line2D([], [], marker="D", ls="none", color=RELAXED, ms=6,
                              label="best plan with one constraint relaxed"))

    comparisons = _groups(_comparisons(summary), mx, my)
    for c in comparisons:
        hollow = not c["feasible"]
        ax.scatter([c["x"]], [c["y"]], s=52, marker="s", facecolor="white" if hollow else c["colour"],
                   edgecolor=c["colour"], lw=1.6, zorder=4)
    if comparisons:
        handles.append(Line2D([], [], marker="s", ls="none", color=OKABE_ITO[0], ms=6,
                              label="scenario compared (hollow: outside the constraints)"))

    ax.margins(0.07)
    _format_axis(ax.xaxis, kx)
    _format_axis(ax.yaxis, ky)
    ax.set_xlabel(_axis_label(objectives[0]), fontsize=sz.label)
    ax.set_ylabel(_axis_label(objectives[1], 44), fontsize=sz.label)
    style_axes(ax, sz)
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 2), fontsize=sz.legend - 1,
               frameon=False, handlelength=1.6, columnspacing=1.4)
    subtitle = ("Grey: every plan tried in the search (its own random draws, so the cloud may sit apart "
                "from the confirmed plans as a whole); "
                + ("the best plan is the only confirmed plan no other beats on both measures, so there is "
                   "no trade-off between them (fresh runs, 95% bars)." if only_best else
                   "blue: the confirmed plans no other beats on both measures (fresh runs, 95% bars)."))
    if len(objectives) > 2:
        rest = ", ".join(str(o.get("label") or o["measure"]) for o in objectives[2:])
        subtitle += f" Further objectives are not drawn: {rest}."
    subtitle += _constraints_sentence(summary, comparisons)
    _subtitle(fig, ax, "Best plans within the constraints", subtitle, sz)

    placer = _Placer(fig, ax, sz)
    placer.avoid(front[mx].astype(float), front[my].astype(float))
    for _, row in front.iterrows():
        placer.avoid_bars(_row_score(row, mx), _row_score(row, my))
    xs, ys = front[mx].astype(float).to_numpy(), front[my].astype(float).to_numpy()
    for i in range(len(xs) - 1):                                  # the step line, segment by segment
        corner = (xs[i + 1], ys[i]) if objectives[0].get("direction", "min") == "min" else (xs[i], ys[i + 1])
        for (x0, y0), (x1, y1) in (((xs[i], ys[i]), corner), (corner, (xs[i + 1], ys[i + 1]))):
            placer.avoid(np.linspace(x0, x1, 12), np.linspace(y0, y1, 12), pad=2.5)
    if best:
        placer.avoid_bars(bx, by)
    placer.avoid([c["x"] for c in comparisons], [c["y"] for c in comparisons])
    placer.avoid([x[0] for _, x, _ in relaxed] + [bx[0]], [y[0] for _, _, y in relaxed] + [by[0]], pad=7)
    if best and math.isfinite(bx[0]) and math.isfinite(by[0]):
        placer.label(bx[0], by[0], f"best.toml (plan {best.get('plan')})", BEST, "bold")
    for r, x, y in relaxed:
        ax.annotate("", (x[0], y[0]), xytext=(bx[0], by[0]), zorder=4,
                    arrowprops={"arrowstyle": "-|>", "color": RELAXED, "lw": 1.3, "shrinkA": 6, "shrinkB": 5,
                                "mutation_scale": 11})
        text = textwrap.fill(_relax_label(summary, r), 34) + "\n" + _changes(r, objectives[:2])
        placer.label(x[0], y[0], text, RELAXED)
    for c in comparisons:
        placer.label(c["x"], c["y"], c["label"], c["colour"])
    return fig


def _groups(comparisons: list[dict], mx: str, my: str) -> list[dict]:
    """Comparisons with the same scores as one marker and one label (names joined)."""
    out: list[dict] = []
    for c in comparisons:
        x, y = _score(c.get("scores"), mx)[0], _score(c.get("scores"), my)[0]
        if not (math.isfinite(x) and math.isfinite(y)):
            continue
        same = next((g for g in out if g["x"] == x and g["y"] == y and g["feasible"] == c.get("feasible", True)),
                    None)
        if same:
            same["label"] = same["label"].replace(f" {OUTSIDE}", "") + " = " + c["label"]
            same["names"].append(c["name"])
        else:
            out.append({**c, "x": x, "y": y, "feasible": c.get("feasible", True), "names": [c["name"]]})
    return out


def _changes(r: dict, objectives: list[dict]) -> str:
    words = []
    for o in objectives:
        change = (r.get("change") or {}).get(o["measure"])
        if change is None:
            continue
        value = change["value"] if isinstance(change, dict) else change     # the label stays short
        if value == 0:      # the same on every paired run (as the report's "would not change")
            words.append(f"{_brief(o['measure'])} unchanged")
        else:
            words.append(f"{_change_text(_kind(o['measure']), value)} {_brief(o['measure'])}")
    return ", ".join(words) if words else "run"


def _change_text(kind: str, change) -> str:
    """A signed difference: ``+0.1 points`` (shares), ``-300,000`` (people); a relaxation's
    change (``{"value", "low", "high"}`` of optimise.json) with its 95% interval."""
    if isinstance(change, dict):
        low, high = change.get("low"), change.get("high")
        text = _change_text(kind, change["value"])
        if low is not None and high is not None and low == low and high == high:
            bare = (lambda x: f"{100 * x:+.1f}") if kind == "share" else (lambda x: _change_text(kind, x))
            text += f" (95%: {bare(low)} to {bare(high)})"
        return text
    if kind == "share":
        return f"{100 * change:+.1f} points"
    return ("+" if change > 0 else "") + _value_text(kind, change)


def _constraints_sentence(summary: dict, comparisons: list[dict]) -> str:
    words = ""
    constraints = [_constraint_words(c) for c in summary.get("constraints") or []]
    free = _not_binding(summary)
    if constraints and free and set(free) == set(constraints):
        them = "it" if len(free) == 1 else "them"
        words += (f" Constraints: {join_words(constraints)}, not binding at the best plan "
                  f"(relaxing {them} gains nothing).")
    elif constraints:
        words += f" Constraints: {join_words(constraints)}."
        if free:
            words += f" Not binding at the best plan (relaxing gains nothing): {join_words(free)}."
    breaks = _breaks(summary, comparisons)
    if breaks:
        words += f" {breaks}."
    return words


# ---- one objective ---------------------------------------------------------------------------
def _dot_chart(summary: dict, table: pd.DataFrame, sz: Size) -> Figure:
    objective = summary["objectives"][0]
    m = objective["measure"]
    kind = _kind(m)
    sign = 1.0 if objective.get("direction", "min") == "min" else -1.0
    best = summary.get("best")
    best_number = best.get("plan") if best else None
    plans = table[(table["kind"] == "plan") & (table["stage"] == "confirmed")] if "stage" in table else table[0:0]
    plans = plans[np.isfinite(plans[m].astype(float))]
    plans = plans.assign(_order=[(0 if n == best_number else 1, sign * v) for n, v in zip(plans["number"], plans[m])])
    plans = plans.sort_values("_order", key=lambda s: s.map(lambda t: t))
    rows: list[dict] = []
    for _, row in plans.iterrows():
        number = int(row["number"]) if pd.notna(row["number"]) else None
        is_best = number == best_number
        rows.append({"label": f"plan {number}" + (" (best.toml)" if is_best else ""), "score": _row_score(row, m),
                     "colour": BEST if is_best else FRONT, "hollow": not row.get("feasible", True),
                     "marker": "o", "bold": is_best, "group": "plans"})
    for r in _relaxed(summary):
        rows.append({"label": _relax_label(summary, r), "score": _score(r["scores"], m), "colour": RELAXED,
                     "hollow": False, "marker": "D", "bold": False, "group": "relaxed",
                     "extra": f"\n{_change_text(kind, r['change'][m])} vs best"
                     if (r.get("change") or {}).get(m) is not None else ""})
    for c in _comparisons(summary):
        rows.append({"label": c["label"], "score": _score(c.get("scores"), m), "colour": c["colour"],
                     "hollow": not c.get("feasible", True), "marker": "s", "bold": False, "group": "compared"})
    rows = [r for r in rows if math.isfinite(r["score"][0])]
    height = max(sz.figsize[1], 1.9 + 0.34 * len(rows))
    fig = new_figure(sz, height)
    ax = fig.subplots()
    y = np.arange(len(rows))[::-1].astype(float)
    precise = kind == "share"
    values = []
    for yi, r in zip(y, rows):
        v, lo, hi = r["score"]
        if math.isfinite(lo) and math.isfinite(hi):
            ax.plot([lo, hi], [yi, yi], color=r["colour"], lw=2.0, solid_capstyle="butt", zorder=2)
        ax.scatter([v], [yi], s=70 if r["bold"] else 46, marker=r["marker"], zorder=3,
                   facecolor="white" if r["hollow"] else r["colour"], edgecolor=r["colour"], lw=1.6)
        text = _value_text(kind, v, precise)
        if math.isfinite(lo) and math.isfinite(hi):
            text += f"  ({_value_text(kind, lo, precise)} to {_value_text(kind, hi, precise)})"
        text += r.get("extra", "")
        values.append((yi, hi if math.isfinite(hi) else v, text, r))
    for a, b in zip(rows, rows[1:]):
        if a["group"] != b["group"]:
            i = rows.index(b)
            ax.axhline(y[i] + 0.5, color="#DDDDDD", lw=0.8, zorder=0)
    ax.set_yticks(y, [mpl_text(textwrap.fill(r["label"], 40)) for r in rows], fontsize=sz.tick)
    for tick, r in zip(ax.get_yticklabels(), rows):
        tick.set_color(r["colour"] if r["group"] != "plans" or r["bold"] else "#222222")
        if r["bold"]:
            tick.set_fontweight("bold")
    ax.set_ylim(-0.6, len(rows) - 0.4)
    _format_axis(ax.xaxis, kind)
    ax.set_xlabel(_axis_label(objective), fontsize=sz.label)
    style_axes(ax, sz, "x")
    lows = [min(r["score"][1], r["score"][0]) if math.isfinite(r["score"][1]) else r["score"][0] for r in rows]
    highs = [max(r["score"][2], r["score"][0]) if math.isfinite(r["score"][2]) else r["score"][0] for r in rows]
    if rows:
        lo, hi = min(lows), max(highs)
        span = (hi - lo) or abs(hi) or 1.0
        ax.set_xlim(lo - 0.05 * span, hi + 0.05 * span)
    for yi, x, text, r in values:                 # a column of figures right of the plot
        ax.annotate(mpl_text(text), (1.02, yi), xycoords=("axes fraction", "data"), va="center", ha="left",
                    fontsize=sz.note, color=r["colour"] if r["bold"] else GREY,
                    fontweight="bold" if r["bold"] else "normal", annotation_clip=False)
    if rows:
        ax.annotate("score (95% interval)", (1.02, 1.0), xycoords="axes fraction", va="bottom", ha="left",
                    fontsize=sz.note, color=GREY, fontstyle="italic", annotation_clip=False)
    direction = "left" if sign > 0 else "right"
    subtitle = (f"Confirmed plans, the best plan with each binding constraint relaxed by one step, and the "
                f"scenarios compared: the dot is the score, the bar its 95% interval; {direction} is better.")
    subtitle += _constraints_sentence(summary, _comparisons(summary))
    _subtitle(fig, ax, "Best plans within the constraints", subtitle, sz, to_edge=True)
    return fig


# ---- entry points ----------------------------------------------------------------------------
def optimise_chart(summary: dict, table: pd.DataFrame, size: str | Size = "slide") -> Figure:
    """The chart of an optimisation from its ``optimise.json`` (``summary``) and
    ``pareto.csv`` (``table``): the front of two objectives, or the dot-and-interval
    chart of one. Returns a matplotlib Figure (drawn off screen)."""
    sz = size_of(size)
    table = table.copy()
    for col in ("feasible", "pareto", "best"):
        if col in table:
            table[col] = _flag(table[col])
    if len(summary.get("objectives") or []) >= 2:
        return _front_chart(summary, table, sz)
    return _dot_chart(summary, table, sz)


def write_optimise_chart(out: Path) -> list[Path]:
    """``front.png`` in ``out``, from its ``optimise.json`` and ``pareto.csv``; the paths written."""
    out = Path(out)
    summary = json.loads((out / "optimise.json").read_text(encoding="utf-8"))
    table = _read_table(out / "pareto.csv")
    fig = optimise_chart(summary, table)
    path = out / "front.png"
    write_atomically(path, lambda p: fig.savefig(p))
    return [path]
