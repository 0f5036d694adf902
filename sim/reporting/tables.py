"""Checks of the tables and arguments the reporting functions are given.

The charts, the summary table and :func:`sim.reporting.results_from_frames`
read a runs table (one row per run), a time series (one row per run and
step) and the compared scenarios. Given a table of the wrong shape they
would fail deep inside pandas or matplotlib (``KeyError``, ``Axis limits
cannot be NaN or Inf``); instead each checks first, here, and answers with
one :class:`~sim.errors.ScenarioError` naming the function, the table and
column, and what is allowed::

    error: charts.awareness_chart: runs.people_per_agent: inf in run 'optus/r0'; allowed: a number > 0

What a column may hold is said once, by its name (:func:`column_kind`); a
function lists only the columns it reads. Only the rows of finished runs
(``status == "ok"``) are checked, since only they are drawn. The checks
never copy or change a table.
"""

from __future__ import annotations

import datetime as dt
import numbers
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..config.arguments import refuse, shown
from ..errors import ScenarioError, shorten

__all__ = ["KINDS", "ok_runs", "column_kind", "check_column", "check_runs", "check_timeseries",
           "finished_rows", "check_some_values", "check_at_hours", "check_basis", "check_manifest",
           "CHART_SIZES", "BASES", "MAX_PANELS"]

#: What each kind of column may hold (the words of the error line).
KINDS = {
    "id": "a run name in every row, each run once",
    "run": "a run name (of the runs table) in every row",
    "name": "a scenario name (text) in every row",
    "positive": "a number > 0",
    "count": "a number >= 0",
    "hours": "hours >= 0, or empty for never reached",
    "share": "a share from 0 to 1, or empty",
    "step": "a whole number >= 0",
    "number": "a finite number",
    "clock": "an ISO date and time, e.g. 2022-09-22T14:00:00+10:00",
}
#: Chart sizes (see :data:`sim.reporting.style.SIZES`).
CHART_SIZES = ("slide", "page")
#: Whom cohort shares are of.
BASES = ("affected", "everyone")
#: Most panels (times) a cohort chart draws.
MAX_PANELS = 8
#: Columns of the time series that are not counts.
_SERIES_KINDS = {"run": "run", "scenario": "name", "step": "step", "hours": "number", "time": "clock"}
_RUN_KINDS = {"run": "id", "scenario": "name", "people_per_agent": "positive"}


def ok_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs that finished (``status == "ok"``; all of them if there is no status)."""
    if "status" in runs.columns:
        runs = runs[runs["status"] == "ok"]
    return runs


def column_kind(table: str, column: str) -> str:
    """The kind (a key of :data:`KINDS`) of ``column`` of the ``runs`` or ``timeseries`` table."""
    fixed = (_RUN_KINDS if table == "runs" else _SERIES_KINDS).get(column)
    if fixed:
        return fixed
    segment = _segment_kind(table, column)
    if segment:
        return segment
    if column.startswith("hours_to_"):
        return "hours"
    if "share" in column or "trust" in column:
        return "share"
    return "count"


def _segment_kind(table: str, column: str) -> str | None:
    """The kind of a segment's measure or column (by the catalog's record), or None."""
    if not column.startswith("segment_"):
        return None
    from ..config.catalog import column as series_column, measure

    try:
        kind = (measure(column) if table == "runs" else series_column(column)).kind
    except KeyError:
        return None
    return {"hours": "hours", "share": "share", "trust": "share", "mean": "share"}.get(kind, "count")


# --------------------------------------------------------------------------- values

def _where_bad(table: str, frame: pd.DataFrame, column: str, bad: np.ndarray, value_of=None) -> str:
    """Words naming the first bad row: ``in run 'x'`` (or ``in row 3``) and its value."""
    i = int(np.flatnonzero(bad)[0])
    value = frame[column].iloc[i] if value_of is None else value_of[i]
    if "run" in frame.columns and column != "run":
        return f"{shown(value)} in run {shorten(repr(frame['run'].iloc[i]), 60)}"
    return f"{shown(value)} in row {i}"


def _numbers(where: str, table: str, frame: pd.DataFrame, column: str, kind: str) -> np.ndarray:
    """The column as floats (missing values NaN), or ScenarioError if it is not numbers."""
    col = frame[column]
    if not pd.api.types.is_bool_dtype(col) and pd.api.types.is_numeric_dtype(col):
        return col.to_numpy(dtype=float, na_value=np.nan)
    if col.dtype == object and col.map(_empty_or_number).all():   # e.g. a column of None: never reached
        return pd.to_numeric(col).to_numpy(dtype=float, na_value=np.nan)
    raise ScenarioError(where, f"{table}.{column}", f"a column of {col.dtype}; allowed: {KINDS[kind]}")


def _empty_or_number(value: Any) -> bool:
    """Whether a value of a column of Python objects is missing or a number (not a bool)."""
    return value is None or (isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)))


def _bad_numbers(kind: str, v: np.ndarray) -> np.ndarray:
    """Which values of a numeric column of ``kind`` are not allowed."""
    with np.errstate(invalid="ignore"):
        if kind == "positive":
            return ~(np.isfinite(v) & (v > 0))
        if kind in ("count", "number", "step"):
            bad = ~np.isfinite(v) if kind == "number" else ~(np.isfinite(v) & (v >= 0))
            return bad | (np.mod(v, 1) != 0) if kind == "step" else bad
        if kind == "hours":
            return ~np.isnan(v) & ~(np.isfinite(v) & (v >= 0))
        return ~np.isnan(v) & ~((v >= -1e-9) & (v <= 1 + 1e-9))       # share


def _bad_clock(times: np.ndarray) -> np.ndarray:
    """Which of the distinct ``times`` are not a date and time."""
    def bad(t) -> bool:
        if isinstance(t, str):
            try:
                dt.datetime.fromisoformat(t)
            except ValueError:
                return True
            return False
        return not isinstance(t, (dt.datetime, np.datetime64)) or pd.isna(t)
    return np.array([bad(t) for t in times], dtype=bool)


def check_column(where: str, table: str, frame: pd.DataFrame, column: str, kind: str | None = None) -> None:
    """Raise if a value of ``column`` is not what its kind (by default :func:`column_kind`) allows."""
    kind = kind or column_kind(table, column)
    key, allowed = f"{table}.{column}", KINDS[kind]
    if kind == "clock":
        times = pd.unique(frame[column])
        bad = _bad_clock(times)
        if bad.any():
            raise ScenarioError(where, key, f"got {shown(times[bad.argmax()])}; allowed: {allowed}")
        return
    if kind in ("id", "run", "name"):
        col = frame[column]
        bad = col.isna().to_numpy()
        if kind == "name" and not pd.api.types.is_string_dtype(col):
            bad = bad | ~col.map(lambda x: isinstance(x, str)).to_numpy(dtype=bool)
        if bad.any():
            raise ScenarioError(where, key, f"got {_where_bad(table, frame, column, bad)}; allowed: {allowed}")
        if kind == "id" and col.duplicated().any():
            twice = col[col.duplicated()].iloc[0]
            raise ScenarioError(where, key, f"run {shorten(repr(twice), 60)} appears more than once; "
                                            f"allowed: {allowed}")
        return
    values = _numbers(where, table, frame, column, kind)
    bad = _bad_numbers(kind, values)
    if bad.any():
        raise ScenarioError(where, key, f"got {_where_bad(table, frame, column, bad, values)}; "
                                        f"allowed: {allowed}")


def _check_frame(where: str, table: str, frame: Any, columns: Sequence[str]) -> None:
    """``frame`` is a DataFrame holding ``columns``, each with allowed values."""
    if not isinstance(frame, pd.DataFrame):
        what = "a runs table (runs.parquet)" if table == "runs" else "a time series (timeseries.parquet)"
        refuse(where, table, frame, f"a pandas DataFrame: {what} of a batch or comparison")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ScenarioError(where, f"{table}.{missing[0]}", f"no such column; allowed: a {table} table "
                                                            f"with the columns {', '.join(columns)}")


# --------------------------------------------------------------------------- tables

def check_runs(where: str, runs: Any, columns: Sequence[str] = (), optional: Sequence[str] = ()) -> pd.DataFrame:
    """A runs table with ``run``, ``scenario`` and ``columns``, at least one finished run,
    and allowed values in the finished runs, also in the ``optional`` columns it has
    (returned unchanged)."""
    needed = list(dict.fromkeys(["run", "scenario", *columns]))
    _check_frame(where, "runs", runs, needed)
    good = ok_runs(runs)
    if good.empty:
        status = " (none with status ok)" if len(runs) else ""
        raise ScenarioError(where, "runs", f"no finished runs{status}; allowed: a table with at least "
                                           "one finished run")
    for column in needed + [c for c in optional if c in runs.columns and c not in needed]:
        check_column(where, "runs", runs if column == "run" else good, column)
    return runs


def finished_rows(timeseries: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``timeseries`` of the finished runs of ``runs`` (all rows if every run finished)."""
    finished = ok_runs(runs)["run"]
    if len(finished) == len(runs):
        return timeseries
    return timeseries[timeseries["run"].isin(set(finished))]


def check_timeseries(where: str, timeseries: Any, runs: pd.DataFrame,
                     columns: Sequence[str] = ()) -> pd.DataFrame:
    """A time series with ``run``, ``scenario``, ``step``, ``hours``, ``time`` and
    ``columns``, rows for every finished run of ``runs`` (a checked runs table), and
    allowed values in those rows (returned unchanged)."""
    needed = list(dict.fromkeys(["run", "scenario", "step", "hours", "time", *columns]))
    _check_frame(where, "timeseries", timeseries, needed)
    finished = ok_runs(runs)["run"]
    present = set(pd.unique(timeseries["run"]))
    lacking = [r for r in finished if r not in present]
    if lacking:
        raise ScenarioError(where, "timeseries", f"no rows for run {shorten(repr(lacking[0]), 60)} of the "
                                                 "runs table; allowed: the time series of the same runs")
    rows = finished_rows(timeseries, runs)
    for column in needed:
        check_column(where, "timeseries", rows, column)
    return timeseries


def check_some_values(where: str, timeseries: pd.DataFrame, runs: pd.DataFrame, column: str) -> None:
    """Raise if ``column`` of the time series is empty in every row of the finished runs."""
    if not finished_rows(timeseries, runs)[column].notna().any():
        raise ScenarioError(where, f"timeseries.{column}", "empty in every row: nothing to chart; allowed: "
                                                         f"{KINDS[column_kind('timeseries', column)]}, "
                                                         "in some rows at least")


def check_manifest(where: str, manifest: Any) -> dict:
    """A batch manifest: None or a dict (the parsed manifest.json)."""
    if manifest is None:
        return {}
    if not isinstance(manifest, dict):
        refuse(where, "manifest", manifest, "None or a dict (a batch's manifest.json, parsed)")
    return manifest


# --------------------------------------------------------------------------- other arguments

def check_basis(where: str, name: str, basis: Any) -> str:
    """Whom cohort shares are of: ``"affected"`` or ``"everyone"``."""
    if not (isinstance(basis, str) and basis in BASES):
        refuse(where, name, basis, ", ".join(BASES))
    return basis


def check_at_hours(where: str, at_hours: Any) -> list[float]:
    """Times of the cohort chart's panels: 1 to :data:`MAX_PANELS` finite hours >= 0."""
    from ..config.arguments import check_hours

    allowed = f"a list of 1 to {MAX_PANELS} numbers of hours >= 0, e.g. (24, 72)"
    if isinstance(at_hours, (str, bytes)) or not isinstance(at_hours, Sequence) \
            or not 1 <= len(at_hours) <= MAX_PANELS:
        refuse(where, "at_hours", at_hours, allowed)
    return [check_hours(where, "at_hours", h, optional=False, zero=True) for h in at_hours]


