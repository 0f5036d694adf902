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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from ..errors import ScenarioError
from .scenarios import ScenarioInfo, info_from_data
from .stats import ok_runs
from .text import short_names

__all__ = ["Results", "load_results", "results_from_frames", "batch_folder", "read_manifest",
           "read_table"]

#: Columns every runs table needs.
RUN_COLUMNS = ("run", "scenario", "people_per_agent", "affected_agents", "hours_to_50pct_affected")


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


def batch_folder(folder: str | Path) -> Path:
    """The batch folder of a compare folder (``DIR/batch``) or a batch folder itself."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError(folder, "", "no such folder")
    if (folder / "manifest.json").is_file():
        return folder
    if (folder / "batch" / "manifest.json").is_file():
        return folder / "batch"
    raise ScenarioError(folder, "", "not a batch or compare folder (no manifest.json, nor batch/manifest.json)")


def read_manifest(path: Path) -> dict:
    """A batch manifest as a dict; one ScenarioError line if it is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ScenarioError(path, "", f"not a readable manifest ({type(err).__name__}); "
                                      "rerun the batch") from None
    if not isinstance(data, dict) or not isinstance(data.get("batch"), dict):
        raise ScenarioError(path, "batch", "missing; not a batch manifest (rerun the batch)")
    return data


def read_table(path: Path, columns: Sequence[str] = ()) -> pd.DataFrame:
    """A Parquet table; one ScenarioError line if it is missing, damaged or lacks ``columns``."""
    if not path.is_file():
        raise ScenarioError(path, "", "no such file: the batch has not finished (rerun it with --resume)")
    try:
        table = pd.read_parquet(path)
    except Exception as err:  # noqa: BLE001 - any reader error means a damaged file
        raise ScenarioError(path, "", f"not a readable Parquet table ({type(err).__name__}); "
                                      "rerun the batch") from None
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ScenarioError(path, missing[0], "missing column; not a breachsim table (rerun the batch)")
    return table


def load_results(folder: str | Path, scenarios: Sequence[Any] | None = None) -> Results:
    """The results of a ``compare`` or batch folder.

    ``scenarios`` (optional) are already resolved :class:`sim.Scenario`
    objects, in batch order, to use instead of reading the scenario files.
    """
    folder = Path(folder)
    batch = batch_folder(folder)
    manifest = read_manifest(batch / "manifest.json")
    runs = read_table(batch / "runs.parquet", RUN_COLUMNS)
    timeseries = read_table(batch / "timeseries.parquet", ("run", "step", "hours", "time", "aware_affected"))
    return results_from_frames(runs, timeseries, scenarios, manifest, folder)


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


def _info(row: pd.Series, given, manifest: dict, timeseries: pd.DataFrame) -> ScenarioInfo:
    file = str(row["scenario_file"]) if "scenario_file" in row and pd.notna(row["scenario_file"]) else None
    events = row.get("events")
    name = str(row["scenario"])
    if isinstance(given, ScenarioInfo):
        return given
    data = getattr(given, "data", None)
    if data is None and file:
        data = _resolved_from_manifest(manifest, file)
    if data is None and file and Path(file).is_file():
        data = _load(file, manifest)
    data = data or {"scenario": {"name": name, "start": row.get("start")}}
    info = info_from_data(data, name=name, file=file,
                          events=events if isinstance(events, (str, list)) else None)
    if row.get("start"):
        info.start = str(row["start"])
    if not math.isfinite(info.hours):
        info.hours = float(timeseries.loc[timeseries["run"] == row["run"], "hours"].max())
    return info


def _load(file: str, manifest: dict) -> dict | None:
    from ..scenario import load_scenario

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
