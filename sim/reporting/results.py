"""The results a report is made from: the batch tables and the compared scenarios.

:func:`load_results` reads a ``compare`` folder (``DIR/batch/``) or a batch
folder (``manifest.json``, ``runs.parquet``, ``timeseries.parquet``);
:func:`results_from_frames` wraps tables already in memory (a notebook, or the
``compare`` command handing on what it just ran). Scenario files are read at
most once each, and not at all when the manifest holds the resolved
scenarios. A damaged folder is answered with one
:class:`~sim.errors.ScenarioError`.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..errors import ScenarioError, shorten
from ..config.readers import read_user_text
from ..runs.folders import batch_folder, read_manifest, read_table
from .scenarios import ScenarioInfo, info_from_data
from .stats import ok_runs
from .text import short_names

__all__ = ["Results", "load_results", "results_from_frames", "batch_folder", "read_manifest",
           "read_table", "check_tables", "find_analysis_table", "read_analysis_table",
           "AnalysisTableWarning"]

#: Columns every runs table needs.
RUN_COLUMNS = ("run", "scenario", "people_per_agent", "affected_agents", "hours_to_50pct_affected")
#: Columns every time series needs.
SERIES_COLUMNS = ("run", "step", "hours", "time", "aware_affected")
#: Columns of a runs table that hold text (the others, but design keys, hold numbers).
TEXT_COLUMNS = ("run", "run_id", "scenario", "scenario_file", "engine", "events", "start", "status",
                "error")
#: Columns a robustness.csv or a (Sobol) sensitivity.csv needs to be quoted in a report.
ANALYSIS_COLUMNS = {
    "robustness": ("scenario", "measure", "share_better", "diff_median", "diff_p10", "diff_p90"),
    "sensitivity": ("scenario", "measure", "parameter", "S1", "S1_conf", "ST", "ST_conf"),
}
#: Columns of a Morris sensitivity.csv.
SENSITIVITY_MORRIS = ("scenario", "measure", "parameter", "mu_star", "mu_star_conf")
#: Columns of those tables that hold text.
ANALYSIS_TEXT = ("scenario", "measure", "parameter")
#: Largest robustness or sensitivity table read (bytes).
MAX_ANALYSIS_BYTES = 64 * 1024 * 1024
#: Sources of the errors about tables in memory (renamed to the file by :func:`load_results`).
TABLE_SOURCES = ("runs", "timeseries", "results_from_frames")


@dataclass
class Results:
    """Runs, time series and compared scenarios (display order; the first is the baseline).

    ``design`` is the batch's design (``{"method", "keys", "points", ...}``;
    method ``"none"`` without one); ``manifest`` the batch manifest (may be
    empty); ``folder`` where they were read from, if anywhere.
    """

    runs: pd.DataFrame
    timeseries: pd.DataFrame
    scenarios: list[ScenarioInfo]
    design: dict = field(default_factory=dict)
    manifest: dict = field(default_factory=dict)
    folder: Path | None = None

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.scenarios]

    @property
    def short(self) -> dict[str, str]:
        return {s.name: s.short for s in self.scenarios}

    @property
    def has_design(self) -> bool:
        return self.design.get("method", "none") not in ("none", None, "") and len(self.design.get("points", [])) > 1


def check_tables(batch: Path, runs: pd.DataFrame, timeseries: pd.DataFrame) -> None:
    """The values of a batch's tables, read from ``batch``: every number column of
    the finished runs holds what its kind allows (:func:`sim.reporting.tables.column_kind`:
    no NaN where a count belongs, no infinities, shares in [0, 1]) and every
    finished run has its time series. Raises ScenarioError naming the file."""
    from ..model.measures import COLUMNS
    from .tables import check_runs, check_timeseries

    numbers = [c for c in runs.columns if c not in TEXT_COLUMNS and "." not in str(c)]
    check_runs(str(batch / "runs.parquet"), runs, RUN_COLUMNS, optional=numbers)
    check_timeseries(str(batch / "timeseries.parquet"), timeseries, runs,
                     [c for c in COLUMNS if c in timeseries.columns])


def load_results(folder: str | Path, scenarios: Sequence[Any] | None = None) -> Results:
    """The results of a ``compare`` or batch folder.

    ``scenarios`` (optional) are already resolved :class:`sim.Scenario`
    objects, in batch order, to use instead of reading the scenario files.
    """
    batch = batch_folder(folder)
    folder = Path(folder)
    manifest = read_manifest(batch / "manifest.json")
    runs = read_table(batch / "runs.parquet", RUN_COLUMNS)
    timeseries = read_table(batch / "timeseries.parquet", SERIES_COLUMNS)
    check_tables(batch, runs, timeseries)
    try:
        return results_from_frames(runs, timeseries, scenarios, manifest, folder)
    except ScenarioError as err:        # name the file a table came from
        table = err.key.split(".", 1)[0] if err.source in TABLE_SOURCES else ""
        if table not in ("runs", "timeseries"):
            raise
        raise ScenarioError(batch / f"{table}.parquet", err.key, err.message) from None


def results_from_frames(runs: pd.DataFrame, timeseries: pd.DataFrame, scenarios: Sequence[Any] | None = None,
                        manifest: dict | None = None, folder: str | Path | None = None) -> Results:
    """:class:`Results` from tables in memory (e.g. ``pd.read_parquet("runs.parquet")``).

    ``scenarios``: resolved :class:`sim.Scenario` objects or
    :class:`ScenarioInfo`, in batch order (optional). Without them, each
    scenario is resolved from the manifest, else read once from its file.
    Two scenarios with the same name are told apart by their file name.
    """
    manifest = manifest or {}
    runs, timeseries = _distinct_names(runs, timeseries)
    good = ok_runs(runs)
    if good.empty:
        raise ScenarioError(folder or "runs", "", "no finished runs to report")
    firsts = good.sort_values(["point", "replication"] if {"point", "replication"} <= set(good.columns)
                              else "run").drop_duplicates("scenario_file" if "scenario_file" in good else "scenario")
    batch_files = [str(p) for p in manifest.get("batch", {}).get("scenarios", [])]
    if "scenario_file" in firsts:
        rank = {f: i for i, f in enumerate(batch_files)}
        firsts = firsts.assign(_rank=firsts["scenario_file"].map(lambda f: rank.get(str(f), len(rank))))
        firsts = firsts.sort_values(["_rank", "run"])
    given = list(scenarios or [])
    infos = []
    for i, (_, row) in enumerate(firsts.iterrows()):
        infos.append(_info(row, _given_for(given, i, row), manifest, timeseries))
    names = [i.name for i in infos]
    auto = short_names(names, {i.name: i.short for i in infos if i.data.get("scenario", {}).get("short_name")})
    for info in infos:
        if not info.data.get("scenario", {}).get("short_name"):
            info.short = auto[info.name]
    design = manifest.get("design") or _inferred_design(good)
    return Results(runs, timeseries, infos, design, manifest, Path(folder) if folder else None)


# --------------------------------------------------------------------------- analysis tables

class AnalysisTableWarning(UserWarning):
    """A robustness or sensitivity table found beside the results is left out of the report."""


def find_analysis_table(results: Results, name: str, given: str | Path | None = None) -> pd.DataFrame | None:
    """The table ``given`` (named by the user: refused in one line if damaged),
    else ``name`` (``robustness.csv``, ``sensitivity.csv``) beside the results
    (in the folder or its ``batch/``; a damaged one is left out with one
    warning line); only the rows of the compared scenarios; None if there is none."""
    if given is not None:
        return read_analysis_table(given, name, True, results.names)
    folders = [results.folder, results.folder / "batch"] if results.folder is not None else []
    for path in (f / name for f in folders):
        if os.path.lexists(path):
            return read_analysis_table(path, name, False, results.names)
    return None


def read_analysis_table(path: str | Path, name: str, explicit: bool,
                        names: Sequence[str] | None = None) -> pd.DataFrame | None:
    """A robustness or sensitivity CSV (by ``name``), checked (:data:`ANALYSIS_COLUMNS`),
    with only the rows of the scenarios ``names``.

    Read like a user's file (:func:`sim.config.readers.read_user_text`). A problem
    is a ScenarioError when the user named the file (``explicit``), else a
    warning line and None; so is a table with no row for these scenarios.
    """
    path = Path(path)
    kind = "robustness" if name.startswith("robustness") else "sensitivity"
    try:
        table = _analysis_table(path, kind)
    except ScenarioError as err:
        if explicit:
            raise
        warnings.warn(AnalysisTableWarning(f"{err.line().removeprefix('error: ')}; left out of the "
                                           "report"), stacklevel=2)
        return None
    if names is not None:
        table = table[table["scenario"].isin(list(names))]
    if table.empty:
        warnings.warn(AnalysisTableWarning(f"{path}: no rows for the compared scenarios "
                                           f"({', '.join(names or [])}); left out of the report"),
                      stacklevel=2)
        return None
    return table


def _analysis_table(path: Path, kind: str) -> pd.DataFrame:
    """The CSV at ``path`` as a table with the columns of a ``kind`` table and allowed values."""
    import io

    text = read_user_text(path, "", f"a {kind}.csv (of `{kind}`)", MAX_ANALYSIS_BYTES)
    try:
        table = pd.read_csv(io.StringIO(text))
    except (ValueError, pd.errors.ParserError) as err:
        raise ScenarioError(path, "", f"not a readable CSV file ({shorten(str(err), 80)}); expected "
                                      f"the {kind}.csv of `{kind}`") from None
    need = ANALYSIS_COLUMNS[kind]
    if kind == "sensitivity" and "ST" not in table and "mu_star" in table:
        need = SENSITIVITY_MORRIS
    missing = [c for c in need if c not in table.columns]
    if missing:
        raise ScenarioError(path, missing[0], f"no such column; allowed: a {kind}.csv with the "
                                              f"columns {', '.join(need)}")
    for column in need:
        _check_analysis_column(path, table, column)
    return table


def _check_analysis_column(path: Path, table: pd.DataFrame, column: str) -> None:
    """Text columns hold text in every row; number columns numbers (NaN allowed, no
    infinities); ``share_better`` shares in [0, 1]."""
    col = table[column]
    if column in ANALYSIS_TEXT:
        bad = ~col.map(lambda x: isinstance(x, str) and x != "").to_numpy(dtype=bool)
        allowed = "text in every row"
    elif pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        values = col.to_numpy(dtype=float)
        bad = np.isinf(values)
        if column == "share_better":
            bad |= ~((values >= 0) & (values <= 1))
        allowed = "a share in [0, 1]" if column == "share_better" else "a finite number (or empty)"
    else:
        raise ScenarioError(path, column, f"a column of {col.dtype}, not numbers; allowed: numbers")
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        value = col.iloc[i].item() if hasattr(col.iloc[i], "item") else col.iloc[i]
        raise ScenarioError(path, f"line {i + 2}: {column}", f"got {shorten(repr(value), 40)}; "
                                                             f"allowed: {allowed}")


def _inferred_design(runs: pd.DataFrame) -> dict:
    """Without a manifest: the varied scenario keys are the dotted columns that vary."""
    keys = [c for c in runs.columns if "." in str(c) and runs[c].nunique(dropna=True) > 1]
    if not keys:
        return {"method": "none", "keys": [], "points": [{}]}
    points = runs[keys].drop_duplicates().to_dict("records")
    return {"method": "from the runs", "keys": keys, "points": points}


def _given_for(given: list, index: int, row: pd.Series):
    if not given:
        return None
    file = str(row.get("scenario_file", ""))
    for g in given:
        path = getattr(g, "path", None) or getattr(g, "file", None)
        if path is not None and str(path) == file:
            return g
    return given[index] if index < len(given) else None


def _resolved_from_manifest(manifest: dict, file: str) -> dict | None:
    """The resolved scenario of ``file`` if the manifest holds it."""
    for entry in manifest.get("scenarios", []) or []:
        if isinstance(entry, dict) and str(entry.get("file", entry.get("path", ""))) == file:
            data = entry.get("data")
            if isinstance(data, dict) and "scenario" in data:
                return data
    return None


def _events(row: pd.Series) -> list | None:
    """The channel events of a run (the ``events`` column: JSON of a list of tables)."""
    events = row.get("events")
    if isinstance(events, str):
        try:
            events = json.loads(events)
        except (ValueError, RecursionError):
            events = None
        if not (isinstance(events, list) and all(isinstance(e, dict) for e in events)):
            raise ScenarioError("runs", "runs.events", f"run {row['run']!r}: not a JSON list of events; "
                                                  "allowed: the events a batch wrote (rerun the batch)")
    return events if isinstance(events, list) else None


def _info(row: pd.Series, given, manifest: dict, timeseries: pd.DataFrame) -> ScenarioInfo:
    file = str(row["scenario_file"]) if "scenario_file" in row and pd.notna(row["scenario_file"]) else None
    events = _events(row)
    name = str(row["scenario"])
    if isinstance(given, ScenarioInfo):
        return given
    data = getattr(given, "data", None)
    if data is None and file:
        data = _resolved_from_manifest(manifest, file)
    if data is None and file and Path(file).is_file():
        data = _load(file, manifest)
    data = data or {"scenario": {"name": name, "start": row.get("start")}}
    info = info_from_data(data, name=name, file=file, events=events)
    if row.get("start"):
        info.start = str(row["start"])
    if not math.isfinite(info.hours):
        info.hours = float(timeseries.loc[timeseries["run"] == row["run"], "hours"].max())
    return info


def _load(file: str, manifest: dict) -> dict | None:
    from ..config.scenario import load_scenario

    overrides = manifest.get("batch", {}).get("set") or {}
    try:
        return load_scenario(file, overrides).data
    except ScenarioError:
        try:   # the file has changed since the batch: show what it says now
            return load_scenario(file).data
        except ScenarioError:
            return None


def _distinct_names(runs: pd.DataFrame, timeseries: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Runs and series where two scenario files sharing a name get ``name (file stem)``."""
    if "scenario_file" not in runs:
        return runs, timeseries
    files = runs.drop_duplicates("scenario_file")[["scenario", "scenario_file"]]
    dup = files[files["scenario"].duplicated(keep=False)]
    if dup.empty:
        return runs, timeseries
    rename = {f: f"{n} ({Path(str(f)).stem})" for n, f in zip(dup["scenario"], dup["scenario_file"])}
    runs = runs.copy()
    mask = runs["scenario_file"].isin(rename)
    runs.loc[mask, "scenario"] = runs.loc[mask, "scenario_file"].map(rename)
    by_run = runs.set_index("run")["scenario"]
    timeseries = timeseries.copy()
    timeseries["scenario"] = timeseries["run"].map(by_run).fillna(timeseries["scenario"])
    return runs, timeseries
