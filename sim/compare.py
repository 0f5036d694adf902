"""Comparing communication plans: run each scenario N times, then chart and report.

``compare`` is a batch (the batch runner, with its progress bar, parallelism
and resume) over the given scenarios with no design, followed by the charts
and the client report of :mod:`sim.report`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from .batch import BatchResult, run_batch, same_batch
from .outputs import code_version
from .batchfile import BatchSpec, check_scenarios
from .errors import ScenarioError

#: The main job's defaults: finishes in well under a minute on a laptop.
DEFAULT_PEOPLE = 20_000
DEFAULT_REPLICATIONS = 20
DEFAULT_SEED = 2022


def compare_spec(scenario_files: list[Path], replications: int, seed: int,
                 overrides: dict[str, Any], engine: str = "fast") -> BatchSpec:
    """The batch behind a comparison (checked like a batch file)."""
    files = [Path(f).resolve() for f in scenario_files]
    for f in files:
        if not f.is_file():
            raise ScenarioError(f, "", "no such file")
    if replications < 1:
        raise ScenarioError("--reps", "", f"got {replications}; allowed: a whole number >= 1")
    spec = BatchSpec(files[0], "compare", files, replications, seed, engine, dict(overrides))
    check_scenarios(spec)
    return spec


def scenario_info(runs: pd.DataFrame) -> list[dict]:
    """Per scenario, in batch order: name, description, file, start, channel events."""
    from .scenario import load_scenario

    info = []
    for file, group in runs.sort_values("run").groupby("scenario_file", sort=False):
        first = group.iloc[0]
        scenario = load_scenario(file)
        info.append({"name": first["scenario"], "description": scenario.data["scenario"]["description"],
                     "file": file, "start": first["start"], "events": json.loads(first["events"])})
    return info


def _reuse_or_clear(folder: Path, spec: BatchSpec) -> None:
    """Keep finished runs of the same comparison (same batch, same code); clear others.

    The runs folder of a comparison is its own working copy: repeating a
    comparison resumes it, changing it starts it again.
    """
    manifest = folder / "manifest.json"
    if not manifest.exists():
        return
    old = json.loads(manifest.read_text())
    if not (same_batch(old, spec) and old.get("code_version") == code_version()):
        shutil.rmtree(folder)


def compare(scenario_files: list[Path], out: str | Path, replications: int = DEFAULT_REPLICATIONS,
            seed: int = DEFAULT_SEED, overrides: dict[str, Any] | None = None,
            workers: int | None = None, progress: bool = True,
            engine: str = "fast") -> tuple[BatchResult, list[Path]]:
    """Run the comparison into ``out`` (runs in ``out/batch``); return the report files."""
    from .report import write_report

    out = Path(out)
    spec = compare_spec(scenario_files, replications, seed, overrides or {}, engine)
    _reuse_or_clear(out / "batch", spec)
    result = run_batch(spec, out / "batch", workers=workers, resume=True, progress=progress)
    if result.runs_path is None:
        raise RuntimeError("every run failed; see " + str(out / "batch" / "manifest.json"))
    runs = pd.read_parquet(result.runs_path)
    timeseries = pd.read_parquet(result.timeseries_path)
    written = write_report(runs, timeseries, scenario_info(runs), out)
    return result, written
