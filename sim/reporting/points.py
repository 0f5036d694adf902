"""A sweep reported per design point: each setting of each compared scenario is a plan.

A batch with design points (a grid or a sample of scenario keys) runs every
compared scenario at every point. Pooling those runs would mix the settings
into one median and call their spread chance. Instead each (scenario,
point) becomes a :class:`PointPlan` with its own runs, its resolved data
(the point's values set), its own channel events and a name that says its
setting; the report's tables, sentences, charts and timelines are made per
plan, so figures within one plan differ only by chance.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import pandas as pd

from . import stats
from .findings import runs_text
from .scenarios import ScenarioInfo, info_from_data, setting_text, with_values

__all__ = ["PointPlan", "Sweep", "sweep_of", "point_table", "drawn_plans", "ranked_points",
           "compared_context", "merged_campaigns", "pooled_bands", "chart_labels", "results_context", "timeline_entries",
           "MAX_DRAWN", "ALL_DRAWN"]

#: At most this many plans are drawn in the report's charts (the palette's size).
MAX_DRAWN = 8
#: A sweep with at most this many plans in all has every one drawn; else the best and worst settings.
ALL_DRAWN = 4


@dataclass(frozen=True)
class PointPlan:
    """One compared scenario at one design point.

    ``scenario``: the compared scenario's name; ``point``: the design point;
    ``values``: the varied keys' values there; ``name``: a unique label (its
    setting, after the scenario's short name when several are compared);
    ``short``: a compact label for legends.
    """

    scenario: str
    point: int
    values: dict = field(hash=False)
    name: str = ""
    short: str = ""


@dataclass
class Sweep:
    """The plans of a sweep and their runs, relabelled so that ``scenario`` is the plan's name.

    ``infos`` holds one :class:`ScenarioInfo` per plan (the point's values and
    events); ``scenarios`` the compared scenarios themselves.
    """

    keys: list[str]
    method: str
    plans: list[PointPlan]
    runs: pd.DataFrame
    timeseries: pd.DataFrame
    infos: list[ScenarioInfo]
    scenarios: list[ScenarioInfo]

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.plans]

    @property
    def short(self) -> dict[str, str]:
        return {p.name: p.short for p in self.plans}

    def plan(self, name: str) -> PointPlan:
        return next(p for p in self.plans if p.name == name)

    def subset(self, names: Sequence[str]) -> tuple[pd.DataFrame, pd.DataFrame, list[ScenarioInfo]]:
        """Runs, time series and infos of the plans ``names`` only (in that order)."""
        runs = self.runs[self.runs["scenario"].isin(names)]
        ts = self.timeseries[self.timeseries["run"].isin(runs["run"])]
        infos = [i for n in names for i in self.infos if i.name == n]
        return runs, ts, infos


def _plain(value: Any) -> Any:
    """A table cell as a Python value (numpy numbers to int / float)."""
    return value.item() if hasattr(value, "item") else value


def _points(good: pd.DataFrame, keys: Sequence[str]) -> pd.Series:
    """Each run's design point: the ``point`` column, else numbered by its keys' values."""
    if "point" in good.columns:
        return good["point"].astype(int)
    codes = pd.factorize(good[list(keys)].astype(str).agg("\x1f".join, axis=1))[0]
    return pd.Series(codes, index=good.index)


def _events(row: pd.Series, fallback: list) -> list:
    """A run's channel events (its ``events`` column, JSON), else ``fallback``."""
    events = row.get("events")
    if isinstance(events, str):
        try:
            parsed = json.loads(events)
        except ValueError:
            return fallback
        return parsed if isinstance(parsed, list) else fallback
    return fallback


def sweep_of(results, keys: Sequence[str]) -> Sweep:
    """The plans of ``results`` (a :class:`~sim.reporting.results.Results` with
    design points), one per compared scenario and point with finished runs."""
    good = stats.ok_runs(results.runs).copy()
    good["point"] = _points(good, keys)
    by_name = {s.name: s for s in results.scenarios}
    order = stats.scenario_order(good, results.scenarios)
    plans, infos = [], []
    for scenario in order:
        base = by_name.get(scenario) or info_from_data({"scenario": {"name": scenario}}, name=scenario)
        for point, rows in good[good["scenario"] == scenario].groupby("point", sort=True):
            first = rows.sort_values("run").iloc[0]
            values = {k: _plain(first[k]) for k in keys}
            name, short = _labels(base, values, len(order) > 1)
            plan = PointPlan(scenario, int(point), values, name, short)
            plans.append(plan)
            infos.append(_plan_info(base, plan, _events(first, base.events)))
    plans, infos = _distinct(plans, infos)
    by_point = {(p.scenario, p.point): p.name for p in plans}
    names = {r: by_point[(s, int(pt))] for r, s, pt in zip(good["run"], good["scenario"], good["point"])}
    runs = good.assign(plan=good["scenario"], scenario=good["run"].map(names))
    ts = results.timeseries[results.timeseries["run"].isin(names)]
    ts = ts.assign(scenario=ts["run"].map(names))
    return Sweep(list(keys), str(results.design.get("method", "")), plans, runs, ts, infos,
                 list(results.scenarios))


def _labels(base: ScenarioInfo, values: dict, several: bool) -> tuple[str, str]:
    """A plan's name and short label from its setting."""
    setting = setting_text(values, base)
    compact = setting_text(values, base, compact=True)
    if several:
        return f"{base.short} at {setting}", f"{base.short}: {compact}"
    return setting[:1].upper() + setting[1:], compact[:1].upper() + compact[1:] if len(values) == 1 else compact


def _plan_info(base: ScenarioInfo, plan: PointPlan, events: list) -> ScenarioInfo:
    """The :class:`ScenarioInfo` of a plan: the scenario with the point's values and events."""
    info = info_from_data(with_values(base.data, plan.values), name=plan.name, file=base.file,
                          events=events, short=plan.short)
    info.description, info.start, info.hours = base.description, base.start, base.hours
    return info


def _distinct(plans: list[PointPlan], infos: list[ScenarioInfo]) -> tuple[list, list]:
    """Plans whose labels coincide (values alike once rounded) get their point number."""
    seen: dict[str, int] = {}
    for p in plans:
        seen[p.name] = seen.get(p.name, 0) + 1
    out_p, out_i = [], []
    for p, i in zip(plans, infos):
        if seen[p.name] > 1:
            p = PointPlan(p.scenario, p.point, p.values, f"{p.name} (point {p.point})",
                          f"{p.short} (point {p.point})")
            i.name, i.short = p.name, p.short
        out_p.append(p)
        out_i.append(i)
    return out_p, out_i


def point_table(sweep: Sweep, timeseries: bool = True, cohorts: str = "affected") -> pd.DataFrame:
    """The summary table per plan (see :func:`stats.summary_table`), with columns
    ``plan`` (the compared scenario), ``point``, ``setting`` (in words) and one per
    varied key after ``scenario`` (the plan's name); rows in scenario, then point order."""
    table = stats.summary_table(sweep.runs, sweep.names, sweep.timeseries if timeseries else None, cohorts)
    by_name = {p.name: p for p in sweep.plans}
    extra = pd.DataFrame([{"plan": by_name[n].scenario, "point": by_name[n].point,
                           "setting": _setting_words(by_name[n], sweep),
                           **by_name[n].values} for n in table["scenario"]])
    out = pd.concat([table[["scenario"]], extra, table.drop(columns=["scenario"])], axis=1)
    out.attrs = dict(table.attrs)
    return out


def _setting_words(plan: PointPlan, sweep: Sweep) -> str:
    base = next((s for s in sweep.scenarios if s.name == plan.scenario), None)
    return setting_text(plan.values, base)


def _rank_value(x: float) -> float:
    return math.inf if x is None or math.isnan(x) else float(x)


def ranked_points(table: pd.DataFrame, scenario: str, criterion: stats.Measure) -> list[int]:
    """The points of ``scenario``, best first by the median of ``criterion`` (ties: design order)."""
    rows = table[table["plan"] == scenario]
    col = rows[f"{criterion.key}_median"].astype(float).map(_rank_value)
    sign = -1.0 if criterion.better == "higher" else 1.0
    order = sorted(zip(col, rows["point"]), key=lambda vp: (sign * vp[0] if math.isfinite(vp[0]) else math.inf,
                                                            vp[1]))
    return [int(p) for _, p in order]


def drawn_plans(sweep: Sweep, table: pd.DataFrame, criterion: stats.Measure) -> list[str]:
    """The plans the report's charts draw: all of them when there are at most
    :data:`ALL_DRAWN`, else every compared scenario at the best and the worst
    point of the first one (judged by ``criterion``), at most :data:`MAX_DRAWN`."""
    if len(sweep.plans) <= ALL_DRAWN:
        return sweep.names
    ranked = ranked_points(table, sweep.plans[0].scenario, criterion)
    chosen = sorted({ranked[0], ranked[-1]})
    names = [p.name for p in sweep.plans if p.point in chosen]
    if len(names) > MAX_DRAWN:
        names = [p.name for p in sweep.plans if p.point == ranked[0]][:MAX_DRAWN]
    return names


#: Longest setting drawn under its values in a chart; longer: "Best setting", "Worst setting".
CHART_LABEL_CHARS = 28


def chart_labels(sweep: Sweep, drawn: Sequence[str], table: pd.DataFrame,
                 criterion: stats.Measure) -> dict[str, str]:
    """Each drawn plan's label in the charts: its short setting, or, when only the
    best and the worst are drawn and a setting is too long for a legend, ``Best
    setting`` / ``Worst setting`` (after the scenario's short name when several)."""
    shorts = {n: sweep.plan(n).short for n in drawn}
    if len(drawn) == len(sweep.plans) or all(len(v) <= CHART_LABEL_CHARS for v in shorts.values()):
        return shorts
    best = ranked_points(table, sweep.plans[0].scenario, criterion)[0]
    several = len({sweep.plan(n).scenario for n in drawn}) > 1
    by_name = {s.name: s.short for s in sweep.scenarios}
    out = {}
    for n in drawn:
        plan = sweep.plan(n)
        word = "best setting" if plan.point == best else "worst setting"
        out[n] = f"{by_name.get(plan.scenario, plan.scenario)}, {word}" if several else word.capitalize()
    return out


# --------------------------------------------------------------------------- the page of a sweep

#: Most settings the report's table lists one by one (more: the best and the worst halves).
TABLE_ROWS = 30
#: Most timelines of a sweep listed in the appendix (more: those of the drawn settings).
TIMELINES = 24
#: Columns of the table of settings, after the ranking measure: (key, header).
TABLE_MEASURES = (
    ("unaware_affected_people_24h", "Affected unaware at 24 h"),
    ("hours_to_50pct_affected", "Half know within"),
    ("hours_to_90pct_affected", "90% know within"),
    ("unaware_affected_people_72h", "Affected unaware at 72 h"),
    ("share_affected_first_from_company", "First told by the company"),
    ("final_company_trust_affected", "Trust in the company at the end"),
)
#: Words for a design's method, after "settings ...".
DESIGN_WORDS = {"grid": "a grid: every combination of the values", "sobol": "a Sobol sample",
                "morris": "a Morris sample", "lhs": "a Latin hypercube sample", "random": "a random sample"}


def _base(sweep: Sweep, scenario: str) -> ScenarioInfo | None:
    return next((s for s in sweep.scenarios if s.name == scenario), None)


def pooled_bands(runs: pd.DataFrame, keys: Sequence[str]) -> bool:
    """Whether the sweep charts draw a measure against one key with the others pooled
    (so their bands mix settings with chance): two keys or more, unless exactly two on
    a grid small enough for a heatmap of medians (see :mod:`sim.reporting.sweeps`)."""
    from .sweeps import HEATMAP_MAX_VALUES

    good = stats.ok_runs(runs)
    heatmap = len(keys) == 2 and all(good[k].nunique() <= HEATMAP_MAX_VALUES for k in keys)
    return len(keys) > 1 and not heatmap


def compared_context(sweep: Sweep, table: pd.DataFrame) -> dict[str, Any]:
    """What the "What was compared" section says of a sweep: the plans, how many
    settings and runs, each varied setting's values (and the scenario file's own,
    which no run used), and each plan's campaigns with the varied cells merged."""
    from .scenarios import fmt_setting, shared_label, values_text

    compared = [s for s in sweep.scenarios if s.name in set(table["plan"])]
    varied = []
    for k in sweep.keys:
        own = {s.short: ("not set" if s.get(k) is None else fmt_setting(k, s.get(k))) for s in compared}
        file = (next(iter(own.values())) if len(set(own.values())) == 1
                else "; ".join(f"{n}: {v}" for n, v in own.items()))
        label = shared_label(k, compared)
        varied.append({"label": label[:1].upper() + label[1:], "swept": values_text(k, table[k].tolist()),
                       "file": file})
    return {"plans": [s.short for s in compared],
            "points": int(table["point"].nunique()), "runs": runs_text(table),
            "design": DESIGN_WORDS.get(sweep.method, f"a {sweep.method} design"),
            "varied": varied, "campaigns": merged_campaigns(sweep)}


def merged_campaigns(sweep: Sweep) -> list[dict[str, str]]:
    """Each compared scenario's campaign rows (:func:`~sim.reporting.scenarios.campaign_rows`)
    over its settings: a cell the same at every setting once, else its values
    (``A / B``; more than three: how many)."""
    from .scenarios import campaign_rows

    out = []
    for scenario in sweep.scenarios:
        infos = [i for p, i in zip(sweep.plans, sweep.infos) if p.scenario == scenario.name]
        if not infos:
            continue
        per = [campaign_rows([i]) for i in infos]
        for j, row in enumerate(per[0]):
            merged = dict(row, scenario=scenario.short)
            for cell in ("channel", "start", "throughput", "who", "ask"):
                values = list(dict.fromkeys(rows[j][cell] for rows in per if j < len(rows)))
                merged[cell] = values[0] if len(values) == 1 else (
                    " / ".join(values) if len(values) <= 3 else f"varies with the setting ({len(values)} values, above)")
            out.append(merged)
    return out


def results_context(sweep: Sweep, table: pd.DataFrame, criterion: stats.Measure, drawn: Sequence[str],
                    colours: dict[str, str]) -> dict[str, Any]:
    """The table of settings: one row per plan (scenario and point), the varied
    values, then the ranking measure and the other headline measures (median and
    10-90% range of that setting's runs); the best and the worst row tagged; drawn
    plans carry their chart colour. More than :data:`TABLE_ROWS` rows: the best
    and the worst halves, ``left_out`` saying how many are not listed."""
    from .findings import format_measure, ranking_words
    from .scenarios import fmt_setting, shared_label

    several = table["plan"].nunique() > 1
    measures = [(criterion.key, dict(TABLE_MEASURES).get(criterion.key, criterion.label))]
    measures += [(k, h) for k, h in TABLE_MEASURES if k != criterion.key and f"{k}_median" in table]
    order = _ranked_rows(table, criterion)
    keep = sorted(order if len(order) <= TABLE_ROWS else order[:TABLE_ROWS // 2] + order[-(TABLE_ROWS // 2):])
    labels = [shared_label(k, sweep.scenarios) for k in sweep.keys]
    head = (["Plan"] if several else []) + [label[:1].upper() + label[1:] for label in labels]
    short = {s.name: s.short for s in sweep.scenarios}
    rows = []
    for i in keep:
        row = table.iloc[i]
        name = str(row["scenario"])
        rows.append({"settings": ([short.get(row["plan"], row["plan"])] if several else [])
                                 + [fmt_setting(k, _plain(row[k])) for k in sweep.keys],
                     "figures": [format_measure(row, stats.BY_KEY[k]) for k, _ in measures],
                     "tag": "best" if i == order[0] else "worst" if i == order[-1] else "",
                     "colour": colours.get(name, "") if name in drawn else ""})
    drawn_words = [sweep.plan(n).short for n in drawn]
    return {"head": head, "measures": [h for _, h in measures], "rows": rows,
            "left_out": len(order) - len(keep), "total": len(order), "criterion": ranking_words(criterion),
            "drawn": drawn_words, "all_drawn": len(drawn) == len(sweep.plans)}


def _ranked_rows(table: pd.DataFrame, criterion: stats.Measure) -> list[int]:
    """Row positions of ``table``, best first by the median of ``criterion`` (ties: table order)."""
    sign = -1.0 if criterion.better == "higher" else 1.0
    values = [_rank_value(v) for v in table[f"{criterion.key}_median"].astype(float)]
    return sorted(range(len(values)), key=lambda i: (sign * values[i] if math.isfinite(values[i]) else math.inf, i))


def timeline_entries(sweep: Sweep, drawn: Sequence[str], colours: dict[str, str],
                     file_of) -> list[dict[str, Any]]:
    """Appendix E's entries of a sweep: each compared scenario's timeline per setting
    (:func:`~sim.reporting.scenarios.timeline`), settings with the same timeline
    merged into one entry (``every setting`` when all are alike). More than
    :data:`TIMELINES` entries: only those of the drawn settings. ``file_of(info)``
    gives the scenario file as shown."""
    from .scenarios import timeline

    entries = []
    for scenario in sweep.scenarios:
        groups: dict[tuple, list[tuple[PointPlan, ScenarioInfo]]] = {}
        pairs = [(p, i) for p, i in zip(sweep.plans, sweep.infos) if p.scenario == scenario.name]
        for p, i in pairs:
            groups.setdefault(tuple(timeline(i)), []).append((p, i))
        for lines, members in groups.items():
            names = [p.name for p, _ in members]
            title = (f"{scenario.short} (every setting)" if len(members) == len(pairs)
                     else "; ".join(p.name for p, _ in members))
            colour = next((colours[n] for n in names if n in drawn and n in colours), "#bbbbbb")
            entries.append({"name": names[0], "short": title, "colour": colour, "plan": scenario.name,
                            "description": scenario.description, "file": file_of(scenario),
                            "timeline": list(lines), "drawn": any(n in drawn for n in names)})
    if len(entries) > TIMELINES:
        entries = [e for e in entries if e["drawn"]]
    return entries
