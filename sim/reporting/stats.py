"""Statistics of a set of runs: quantiles across runs, per-step bands, the summary table.

Inputs are the batch tables (see :mod:`sim.reporting`): ``runs`` (one row per
run) and ``timeseries`` (one row per run and step, counts in agents). Across
the replications of a scenario every figure is the median and the 10-90%
range (10th and 90th percentiles, linear interpolation). Hours are since the
scenario start, shares are fractions (0-1), people are agents scaled by each
run's ``people_per_agent``.

Nothing here draws or words anything; :mod:`.findings` and the chart modules
read these numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from ..errors import ScenarioError
from ..config import catalog
from ..config.catalog import Measure
from ..config.schema import COHORTS
from ..config.vocabulary import COHORT_WORDS, SOURCES
from .tables import ok_runs

__all__ = ["QUANTILES", "Measure", "TABLE_MEASURES", "COHORT_HOURS", "ok_runs", "scenario_order",
           "censored_quantiles", "quantiles", "scenario_quantiles", "step_bands", "value_at_hours",
           "cohort_awareness", "cohort_basis", "first_source_shares", "summary_table",
           "measures_for", "derived_measures", "Paired", "paired", "sweep_keys", "response"]

#: Lower, middle and upper quantile shown for every measure.
QUANTILES = (0.1, 0.5, 0.9)
#: Hours of the cohort columns of the summary table.
COHORT_HOURS = (24, 72)
#: First sources, in display order (time-series suffixes).


# --------------------------------------------------------------------------- runs

def scenario_order(runs: pd.DataFrame, scenarios: Sequence | None = None) -> list[str]:
    """Scenario names in display order: those of ``scenarios`` that have runs, then others.

    ``scenarios`` holds names or objects with a ``name`` (dicts with ``"name"``).
    """
    present = list(dict.fromkeys(ok_runs(runs)["scenario"]))
    listed = [_name(s) for s in scenarios or []]
    return [n for n in listed if n in present] + [n for n in present if n not in listed]


def _name(s) -> str:
    if isinstance(s, str):
        return s
    return s["name"] if isinstance(s, dict) else s.name


# --------------------------------------------------------------------------- quantiles

def censored_quantiles(values, qs: Sequence[float] = QUANTILES) -> list[float]:
    """Quantiles (linear interpolation) of hours where NaN means "never reached".

    A never-reached run counts as later than every reached one; a quantile that
    falls on or next to such runs is ``inf`` (not reached). No values: NaN.
    """
    v = np.asarray(values, float)
    v = np.sort(np.where(np.isnan(v), np.inf, v))
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


# --------------------------------------------------------------------------- time series

def _with_run_info(runs: pd.DataFrame, timeseries: pd.DataFrame) -> pd.DataFrame:
    """The time series of finished runs, with each run's scale columns joined on."""
    info_cols = ["run", "people_per_agent", "affected_agents"]
    info_cols += [c for c in runs.columns if c.startswith(("cohort_size_", "affected_size_"))]
    info = ok_runs(runs)[info_cols]
    ts = timeseries.drop(columns=[c for c in info_cols[1:] if c in timeseries.columns])
    return ts.merge(info, on="run", how="inner")


Value = str | Callable[[pd.DataFrame], pd.Series]


def step_bands(runs: pd.DataFrame, timeseries: pd.DataFrame, value: Value) -> pd.DataFrame:
    """Per scenario and step: ``p10``, ``median``, ``p90`` of ``value`` across runs.

    ``value`` is a column name or a function of the joined frame (time series
    plus the run's ``people_per_agent``, ``affected_agents``, cohort sizes).
    Also returns ``hours`` (since the scenario's start) and ``time`` (ISO, the
    first run's) for each step.
    """
    ts = _with_run_info(runs, timeseries)
    ts = ts.assign(_v=ts[value] if isinstance(value, str) else value(ts))
    grouped = ts.groupby(["scenario", "step"], sort=False)
    q = grouped["_v"].quantile(list(QUANTILES)).unstack()
    q.columns = ["p10", "median", "p90"]
    clock = grouped[["hours", "time"]].first()
    return clock.join(q).reset_index()


def value_at_hours(runs: pd.DataFrame, timeseries: pd.DataFrame, hours: float, value: Value) -> pd.DataFrame:
    """Per run: ``value`` at the last row at or before ``hours`` (NaN if the run is shorter)."""
    ts = _with_run_info(runs, timeseries)
    ts = ts.assign(_v=ts[value] if isinstance(value, str) else value(ts))
    last = ts.groupby("run", sort=False)["hours"].max()
    rows = ts[ts["hours"] <= hours + 1e-9].sort_values(["run", "step"]).groupby("run", sort=False).tail(1)
    out = rows.set_index("run")[["scenario", "_v"]].rename(columns={"_v": "value"})
    out.loc[last[last < hours - 1e-9].index.intersection(out.index), "value"] = math.nan
    return out.reset_index()


def cohort_basis(runs: pd.DataFrame, timeseries: pd.DataFrame, basis: str = "affected") -> str:
    """``"affected"`` if asked and the runs record awareness of affected customers by
    cohort (``aware_affected_<cohort>``, ``affected_size_<cohort>``), else ``"everyone"``."""
    if basis == "affected" and all(f"aware_affected_{c}" in timeseries.columns
                                   and f"affected_size_{c}" in runs.columns for c in COHORTS):
        return "affected"
    return "everyone"


def cohort_awareness(runs: pd.DataFrame, timeseries: pd.DataFrame, hours: float,
                     basis: str = "affected") -> pd.DataFrame:
    """Per run: the share of each cohort who knows at ``hours``.

    Columns ``run``, ``scenario`` and one per cohort (``gen_z``...). With
    ``basis="affected"`` (when recorded, see :func:`cohort_basis`) the shares
    are of the cohort's affected customers; otherwise of everyone in the
    cohort, customers or not.
    """
    affected = cohort_basis(runs, timeseries, basis) == "affected"
    out = None
    for c in COHORTS:
        if affected:
            fn = (lambda t, c=c: t[f"aware_affected_{c}"] / t[f"affected_size_{c}"].replace(0, np.nan))
        else:
            fn = (lambda t, c=c: t[f"aware_{c}"] / t[f"cohort_size_{c}"].replace(0, np.nan))
        v = value_at_hours(runs, timeseries, hours, fn).rename(columns={"value": c})
        out = v if out is None else out.merge(v.drop(columns="scenario"), on="run")
    return out


def first_source_shares(runs: pd.DataFrame, timeseries: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per run, how people first heard, at the end of the run.

    Returns ``(affected, everyone)`` with columns ``run``, ``scenario`` and one
    per category. ``affected``: shares of affected customers by source
    (``media``, ``twitter``, ``direct``, ``word_of_mouth``, ``seed`` when any)
    when the runs carry ``share_affected_first_from_<source>``, else ``direct``
    and ``elsewhere``; plus ``not_heard``. ``everyone``: shares of all people
    who heard, by first source (``first_<source>`` / ``aware`` at the last step).
    """
    r = ok_runs(runs).set_index("run")
    affected = pd.DataFrame({"scenario": r["scenario"]})
    company = r["share_affected_first_from_company"].astype(float)
    unaware = r["unaware_affected_share_end"].astype(float)
    if all(f"share_affected_first_from_{s}" in r for s in ("media", "twitter", "word_of_mouth")):
        for s in SOURCES:
            col = "share_affected_first_from_" + ("company" if s == "direct" else s)
            if col in r and (s != "seed" or r[col].fillna(0).gt(0).any()):
                affected[s] = r[col].astype(float)
    else:
        affected["direct"] = company
        affected["elsewhere"] = 1 - company - unaware
    affected["not_heard"] = unaware

    ts = _with_run_info(runs, timeseries)
    last = ts.sort_values(["run", "step"]).groupby("run", sort=False).tail(1).set_index("run")
    everyone = pd.DataFrame({"scenario": last["scenario"]})
    aware = last["aware"].astype(float).replace(0, np.nan)
    for s in SOURCES:
        if s != "seed" or last["first_seed"].gt(0).any():
            everyone[s] = last[f"first_{s}"] / aware
    return affected.reset_index(), everyone.reset_index()


# --------------------------------------------------------------------------- summary table

#: The measures of the summary table, in table order (:data:`sim.config.catalog.USES`, "table");
#: ``people`` measures scale agents to people. Optional ones join when the runs carry them.
TABLE_MEASURES = tuple(m for m in catalog.used_in("table") if not m.optional)
BY_KEY = {m.key: m for m in TABLE_MEASURES}
#: Short names of measures, for chart titles and panels.
SHORT_LABELS = {m.key: m.short for m in catalog.MEASURES if m.short}


def derived_measures(runs: pd.DataFrame) -> pd.DataFrame:
    """The finished runs with the derived per-run measures added (people, trust change)."""
    r = ok_runs(runs).copy()
    affected_people = r["affected_agents"].astype(float) * r["people_per_agent"].astype(float)
    r["affected_people"] = affected_people
    for when in ("24h", "72h", "end"):
        r[f"unaware_affected_people_{when}"] = r[f"unaware_affected_share_{when}"].astype(float) * affected_people
    r["company_trust_change_affected"] = (r["final_company_trust_affected"].astype(float)
                                          - r["initial_company_trust_affected"].astype(float))
    return r


def measures_for(columns: Sequence[str], cohort_basis_: str | None = None,
                 segment_words: dict[str, str] | None = None) -> list[Measure]:
    """The headline measures for a table with these columns (plus optional ones present).

    ``columns``: the runs' columns (or a summary's ``<key>_median`` stems).
    ``cohort_basis_``: add the cohort measures, over ``"affected"`` customers or ``"everyone"``.
    The segments' measures present come last, named by ``segment_words`` (their labels).
    """
    cols = set(columns)
    out = [m for m in catalog.used_in("table") if not m.optional or m.key in cols]
    if cohort_basis_:
        whom = "affected customers" if cohort_basis_ == "affected" else "everyone in the cohort"
        for h in COHORT_HOURS:
            for c in COHORTS:
                out.append(Measure(f"aware_share_{h}h_{c}", f"{COHORT_WORDS[c]} who know at {h} h ({whom})",
                                   "share", better="higher"))
    return out + segment_measures_in(columns, segment_words)


#: What the report shows of each segment (suffixes of :data:`sim.config.catalog.SEGMENT_MEASURES`).
SEGMENT_SHOWN = ("unaware_share_24h", "unaware_share_72h", "hours_to_90pct", "share_first_from_company",
                 "final_company_trust")


def segment_measures_in(columns: Sequence[str], labels: dict[str, str] | None = None) -> list[Measure]:
    """The segments' measures (:data:`SEGMENT_SHOWN`) of the segments whose columns (or
    ``<key>_median`` stems) are in ``columns``, segment by segment in column order;
    ``labels``: the segments' words (their declared labels)."""
    cols = set(columns)
    names = [n for n in dict.fromkeys(catalog.segment_of(c) for c in columns if isinstance(c, str)) if n]
    out = []
    for name in names:
        for m in catalog.segment_measures(name, (labels or {}).get(name)):
            if m.key.removeprefix(f"segment_{name}_") in SEGMENT_SHOWN and m.key in cols:
                out.append(m)
    return out


def segment_labels(scenarios: Sequence | None) -> dict[str, str]:
    """Segment name -> its declared label, from scenarios that carry their data (ScenarioInfo)."""
    labels: dict[str, str] = {}
    for info in scenarios or []:
        table = info.get("population.segments", {}) if hasattr(info, "get") else {}
        for name, spec in (table or {}).items():
            if isinstance(spec, dict) and spec.get("label"):
                labels.setdefault(name, spec["label"])
    return labels


def summary_table(runs: pd.DataFrame, scenarios: Sequence | None = None,
                  timeseries: pd.DataFrame | None = None, cohorts: str = "affected") -> pd.DataFrame:
    """One row per scenario (display order): each headline measure's median and 10-90% range.

    Columns: ``scenario``, ``scenario_file``, ``runs`` (finished runs), then for
    each measure ``<key>_median``, ``<key>_p10``, ``<key>_p90``. For the hours
    to 50% / 90%, a run that never gets there counts as later than every other
    and a quantile that falls on such runs is ``inf``; the share of runs that
    got there is in ``share_of_runs_reaching_50pct`` / ``90pct``. With
    ``timeseries``, also ``aware_share_<24|72>h_<cohort>`` (over affected
    customers when recorded, see :func:`cohort_basis`; the table's attribute
    ``attrs["cohort_basis"]`` says which). Tables of the wrong shape raise
    :class:`~sim.errors.ScenarioError` naming the table and column.
    """
    _check_summary_inputs(runs, scenarios, timeseries, cohorts)
    r = derived_measures(runs)
    order = scenario_order(runs, scenarios)
    basis = cohort_basis(runs, timeseries, cohorts) if timeseries is not None and all(
        f"cohort_size_{c}" in runs.columns for c in COHORTS) else None
    labels = segment_labels(scenarios)
    measures = measures_for(runs.columns, basis, labels)
    if basis:
        for h in COHORT_HOURS:
            table = cohort_awareness(runs, timeseries, h, basis).set_index("run")
            for c in COHORTS:
                r[f"aware_share_{h}h_{c}"] = r["run"].map(table[c])
    rows = []
    for name in order:
        g = r[r["scenario"] == name]
        file = g["scenario_file"].iloc[0] if "scenario_file" in g else None
        row = {"scenario": name, "scenario_file": file, "runs": len(g)}
        for m in measures:
            values = g[m.key].to_numpy(float) if m.key in g else np.full(len(g), np.nan)
            lo, mid, hi = (censored_quantiles if m.censored else quantiles)(values)
            row[f"{m.key}_median"], row[f"{m.key}_p10"], row[f"{m.key}_p90"] = mid, lo, hi
        for level in ("50pct", "90pct"):
            reached = ~np.isnan(g[f"hours_to_{level}_affected"].to_numpy(float))
            row[f"share_of_runs_reaching_{level}"] = float(np.mean(reached)) if len(g) else math.nan
        rows.append(row)
    table = pd.DataFrame(rows)
    table.attrs["cohort_basis"] = basis or ""
    table.attrs["segment_labels"] = labels
    return table


#: Measures :func:`derived_measures` computes from other columns of the runs.
DERIVED_MEASURES = tuple(m.key for m in catalog.MEASURES if m.derived)
#: Columns of the runs the derived measures are computed from (:func:`derived_measures`).
DERIVED_READS = ("people_per_agent", "affected_agents", "unaware_affected_share_24h", "unaware_affected_share_72h",
                 "unaware_affected_share_end", "initial_company_trust_affected", "final_company_trust_affected")
#: Columns of the runs the summary table reads (the others of :data:`TABLE_MEASURES` are optional).
SUMMARY_READS = (*DERIVED_READS, "hours_to_50pct_affected", "hours_to_90pct_affected")


def _check_summary_inputs(runs, scenarios, timeseries, cohorts) -> None:
    """Refuse arguments :func:`summary_table` cannot use (ScenarioError naming the argument)."""
    from .tables import check_basis, check_runs, check_timeseries

    where = "stats.summary_table"
    check_runs(where, runs, SUMMARY_READS, [m.key for m in TABLE_MEASURES])
    if scenarios is not None and not isinstance(scenarios, (list, tuple)):
        raise ScenarioError(where, "scenarios", f"got a {type(scenarios).__name__}; allowed: None or a "
                                                "list of scenario names or ScenarioInfo")
    if timeseries is not None:
        check_timeseries(where, timeseries, runs)
    check_basis(where, "cohorts", cohorts)


def table_measures(summary: pd.DataFrame) -> list[Measure]:
    """The measures a summary table holds, in display order."""
    stems = [c[: -len("_median")] for c in summary.columns if c.endswith("_median")]
    keys = set(stems)
    basis = summary.attrs.get("cohort_basis") or ("everyone" if any(k.startswith("aware_share_")
                                                                    for k in keys) else None)
    return [m for m in measures_for(stems, basis, summary.attrs.get("segment_labels", {})) if m.key in keys]


# --------------------------------------------------------------------------- paired comparison

@dataclass(frozen=True)
class Paired:
    """How scenario ``a`` does against ``b`` run by run (same seeds: common random numbers).

    ``pairs``: runs paired by design point and replication; ``share_better``:
    share of pairs where ``a`` is better (ties count half); ``diff``: p10,
    median, p90 of ``b - a`` for lower-is-better measures (``a - b`` else), so
    positive means ``a`` is better. Never-reached hours count as later than
    any reached (the difference is then ``inf``).
    """

    measure: str
    a: str
    b: str
    pairs: int
    share_better: float
    diff: tuple[float, float, float]


def paired(runs: pd.DataFrame, a: str, b: str, measure: Measure) -> Paired:
    """Compare scenarios ``a`` and ``b`` on ``measure`` run by run (see :class:`Paired`)."""
    r = derived_measures(runs)
    keys = [k for k in ("point", "replication") if k in r.columns] or ["seed"]
    left = r[r["scenario"] == a].set_index(keys)[measure.key].astype(float)
    right = r[r["scenario"] == b].set_index(keys)[measure.key].astype(float)
    both = pd.concat([left.rename("a"), right.rename("b")], axis=1, join="inner")
    if measure.censored:
        both = both.fillna(math.inf)
    else:
        both = both.dropna()
    if both.empty:
        return Paired(measure.key, a, b, 0, math.nan, (math.nan,) * 3)
    x, y = both["a"].to_numpy(), both["b"].to_numpy()
    sign = -1.0 if measure.better == "lower" else 1.0
    with np.errstate(invalid="ignore"):
        d = np.where(x == y, 0.0, sign * (x - y))
    better = float(np.mean(np.where(d > 0, 1.0, np.where(d == 0, 0.5, 0.0))))
    return Paired(measure.key, a, b, len(both), better, tuple(_quantiles_with_inf(d)))


def _quantiles_with_inf(values, qs: Sequence[float] = QUANTILES) -> list[float]:
    """Linear-interpolation quantiles of values that may be +-inf (an infinite
    neighbour makes the quantile infinite)."""
    v = np.sort(np.asarray(values, float))
    out = []
    for q in qs:
        h = (len(v) - 1) * q
        lo, hi = int(math.floor(h)), int(math.ceil(h))
        g = h - lo
        if g < 1e-12 or v[lo] == v[hi]:
            out.append(float(v[lo]))
        elif math.isinf(v[hi]):
            out.append(float(v[hi]))
        elif math.isinf(v[lo]):
            out.append(float(v[lo]))
        else:
            out.append(float(v[lo] + g * (v[hi] - v[lo])))
    return out


# --------------------------------------------------------------------------- sweeps

def sweep_keys(runs: pd.DataFrame, design: dict | None) -> list[str]:
    """The design parameters that vary across the runs' points (dotted keys).

    From the design (``{"keys": [...]}`` of a batch manifest) when given,
    else every column of ``runs`` with a dot in its name; only those taking
    more than one value.
    """
    keys = list((design or {}).get("keys") or [c for c in runs.columns if "." in str(c)])
    good = ok_runs(runs)
    return [k for k in keys if k in good.columns and good[k].nunique(dropna=True) > 1]


def response(runs: pd.DataFrame, measure: Measure, keys: Sequence[str], bins: int = 8) -> pd.DataFrame:
    """Per scenario and value of ``keys``: p10, median, p90 of ``measure`` across runs.

    Values of a parameter with more than ``bins`` distinct values (a sample)
    are grouped into ``bins`` bins of equal count, each shown at its median
    value; other parameters are pooled. Columns: ``scenario``, one per key,
    ``runs``, ``p10``, ``median``, ``p90``.
    """
    r = derived_measures(runs)
    by = ["scenario"]
    for k in keys:
        values = r[k].astype(float)
        if values.nunique() > bins:
            codes = pd.qcut(values.rank(method="first"), bins, labels=False)
            r[k] = values.groupby(codes).transform("median")
        by.append(k)
    fn = censored_quantiles if measure.censored else quantiles
    rows = []
    for group, g in r.groupby(by, sort=True):
        lo, mid, hi = fn(g[measure.key].to_numpy(float))
        rows.append({**dict(zip(by, group)), "runs": len(g), "p10": lo, "median": mid, "p90": hi})
    return pd.DataFrame(rows)
