"""Writing one run's files, all or nothing, and reading back what a run ran.

``write_run`` stages timeseries.csv, summary.json, manifest.json and
awareness.png in a hidden folder and swaps it in for the output folder as one
unit (:func:`sim.runs.files.swap_in_folder`). The manifest holds the fully resolved
scenario, the seed, the engine and the run's identity, so
:func:`run_from_manifest` and :func:`run_from_batch` can run it again exactly.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from ..runs.folders import read_manifest
from ..errors import ScenarioError
from ..runs.files import check_claimable, read_json_table, swap_in_folder, write_atomically, write_json
from ..runs.provenance import code_digest, code_version, package_versions, run_id, scenario_digest
from ..config.scenario import Scenario, scenario_from_data, with_overrides
from ..model.simulate import ENGINES, SimulationResult

__all__ = ["Replay", "manifest", "run_from_batch", "run_from_manifest", "write_run",
           "write_atomically", "code_version", "package_versions"]

#: The file of a run's output folder that records what it ran.
RUN_MANIFEST = "manifest.json"


def manifest(result: SimulationResult) -> dict:
    """Everything needed to reproduce a run, and its identity."""
    digest = scenario_digest(result.scenario.data)
    return {
        "run_id": run_id(digest, result.seed, result.engine),
        "scenario_digest": digest,
        "scenario_file": str(result.scenario.path) if result.scenario.path else None,
        "scenario": result.scenario.data,
        "seed": result.seed,
        "engine": result.engine,
        "code": code_digest(),
        "code_version": code_version(),
        "packages": package_versions(),
        "command": sys.argv,
        "events": result.events,
    }


def check_out_folder(out_dir: Path) -> None:
    """Refuse, before running, an --out that names a file or a folder that is not an
    earlier run's (a run folder carries breachsim's marker of kind "run")."""
    check_claimable(Path(out_dir), "run")


def write_run(result: SimulationResult, out_dir: str | Path) -> list[Path]:
    """Write timeseries.csv, summary.json, manifest.json and awareness.png as one unit.

    ``out_dir`` must be absent, empty or an earlier run's folder (marked by
    breachsim as a run folder; it is replaced whole); staging folders left by
    killed runs are removed.
    """
    from .run_chart import save_awareness_chart

    def fill(staging: Path) -> None:
        result.timeseries.to_csv(staging / "timeseries.csv", index=False)
        write_json(staging / "summary.json", result.summary)
        write_json(staging / RUN_MANIFEST, manifest(result))
        save_awareness_chart(result, staging / "awareness.png")

    return swap_in_folder(Path(out_dir), fill, "run")


# ---- running a run again --------------------------------------------------------------
class Replay:
    """A run to run again: its resolved scenario, seed, engine and the identity it had.

    ``warning`` says why the result may differ (other code), or is empty.
    """

    def __init__(self, scenario: Scenario, seed: int, engine: str, recorded_id: str | None,
                 recorded_code: str | None):
        self.scenario, self.seed, self.engine = scenario, seed, engine
        self.recorded_id = recorded_id
        self.warning = ""
        if recorded_code and recorded_code != code_digest():
            self.warning = (f"warning: the run was made by other code ({recorded_code}, this is "
                            f"{code_digest()}); results may differ")
        elif recorded_id and recorded_id != self.run_id:
            self.warning = "warning: this scenario, seed and engine do not give the recorded run id"

    @property
    def run_id(self) -> str:
        return run_id(scenario_digest(self.scenario.data), self.seed, self.engine)


def _need(data: dict, key: str, ok, source: Path, allowed: str):
    value = data.get(key)
    if not ok(value):
        raise ScenarioError(source, key, f"got {value!r}; allowed: {allowed}")
    return value


def _is_seed(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**64


def run_from_manifest(path: str | Path) -> Replay:
    """The run recorded in a run's ``manifest.json`` (written by ``run``)."""
    path = Path(path)
    if path.is_dir():
        path = path / RUN_MANIFEST
    data = read_json_table(path, "run manifest")
    scenario = scenario_from_data(_need(data, "scenario", lambda v: isinstance(v, dict), path,
                                        "the resolved scenario table"), path)
    seed = _need(data, "seed", _is_seed, path, "a whole number >= 0")
    engine = _need(data, "engine", lambda v: v in ENGINES, path, ", ".join(ENGINES))
    return Replay(scenario, seed, engine, data.get("run_id"), data.get("code"))


def run_from_batch(folder: str | Path, key: str) -> Replay:
    """Run ``key`` (e.g. ``s01-p00003-r0007``, or its run id) of a batch folder."""
    folder = Path(folder)
    source = folder / "manifest.json"
    data = read_manifest(source, runs=True)
    runs = data["runs"]
    if key not in runs:
        by_id = [k for k, e in runs.items() if isinstance(e, dict) and e.get("run_id") == key]
        if not by_id:
            sample = ", ".join(list(runs)[:3])
            raise ScenarioError(source, "runs", f"no run {key!r}; runs are named like {sample}")
        key = by_id[0]
    entry = runs[key]
    try:
        index = int(entry["scenario_index"])
        base = data["scenarios"][index]["data"]
        point = data["design"]["points"][int(entry["point"])]
        seed, engine = int(entry["seed"]), data["batch"]["engine"]
    except (KeyError, IndexError, ValueError, TypeError):
        raise ScenarioError(source, f"runs.{key}", "the manifest lacks the resolved scenario of this "
                                                   "run (made by an older breachsim?)") from None
    scenario = with_overrides(scenario_from_data(base, source), point)
    scenario.path = Path(data["scenarios"][index].get("file", "")) or None
    return Replay(scenario, seed, engine, entry.get("run_id"), data.get("code"))


def batch_timeseries(folder: Path, key: str) -> pd.DataFrame:
    """One run's time series as the batch stored it (for checks)."""
    series = pd.read_parquet(Path(folder) / "timeseries.parquet", filters=[("run", "==", key)])
    return series.drop(columns=["run", "scenario", "point", "replication", "run_id"])

