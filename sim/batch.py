"""Running a batch: many seeded runs, in parallel locally or on a Dask cluster,
written run by run and resumable.

Layout of a batch folder ``DIR``:

- ``parts/<run>.parquet``: one file per finished run (its time series; the run's
  row, with summary and parameters, in the file's metadata). Written to a
  temporary name and renamed, so a part that exists is complete.
- ``runs.parquet`` and ``timeseries.parquet``: merged when the batch ends.
- ``manifest.json``: the batch as resolved, the design, the seed rule, code
  and package versions, per-run status and timing.

A run's seed depends only on its design point and replication
(:func:`run_seed`), never on worker count, order or resumption, and scenarios
share seeds (common random numbers).
"""

from __future__ import annotations

import json
import os
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .batchfile import BatchSpec, load_batch
from .design import Design, build_design
from .errors import ScenarioError
from .outputs import code_version, package_versions, write_atomically

SEED_RULE = ("seed = numpy.random.SeedSequence([batch seed, point, replication])"
             ".generate_state(1, numpy.uint64)[0]; scenarios share seeds")
META_KEY = b"breachsim.run"


def run_seed(base: int, point: int, replication: int) -> int:
    """The seed of one run (see :data:`SEED_RULE`)."""
    state = np.random.SeedSequence([base, point, replication]).generate_state(1, np.uint64)
    return int(state[0])


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs for one run (picklable, small)."""

    key: str
    scenario_index: int
    scenario_file: str
    point: int
    replication: int
    seed: int
    engine: str
    overrides: tuple[tuple[str, Any], ...]
    params: tuple[tuple[str, Any], ...]


@dataclass
class RunOutcome:
    """What a worker sends back: the run's row and time series, or its error."""

    key: str
    ok: bool
    seconds: float
    row: dict = field(default_factory=dict)
    timeseries: pd.DataFrame | None = None
    error: str = ""
    worker: str = ""


def plan_runs(spec: BatchSpec, design: Design) -> list[RunTask]:
    """All runs of the batch, in a fixed order (scenario, point, replication)."""
    tasks = []
    for s, scenario in enumerate(spec.scenarios):
        for p, point in enumerate(design.points):
            overrides = tuple({**spec.overrides, **point}.items())
            for r in range(spec.replications):
                key = f"s{s:02d}-p{p:05d}-r{r:04d}"
                tasks.append(RunTask(key, s, str(scenario), p, r, run_seed(spec.seed, p, r),
                                     spec.engine, overrides, tuple(point.items())))
    return tasks


def _scenario(path: str, overrides: tuple):
    """The task's scenario, loaded once per worker (list values are not hashable: key by JSON)."""
    return _scenario_from_json(path, json.dumps(overrides))


@lru_cache(maxsize=64)
def _scenario_from_json(path: str, overrides: str):
    from .scenario import load_scenario

    return load_scenario(path, dict(json.loads(overrides)))


def execute(task: RunTask) -> RunOutcome:
    """Run one task (in a worker). Never raises: errors come back in the outcome."""
    from .simulate import simulate

    start = time.perf_counter()
    worker = f"{os.uname().nodename}:{os.getpid()}"
    try:
        scenario = _scenario(task.scenario_file, task.overrides)
        result = simulate(scenario, seed=task.seed, engine=task.engine)
    except Exception as err:  # a failed run is recorded, the batch carries on
        last = traceback.format_exception_only(type(err), err)[-1].strip()
        return RunOutcome(task.key, False, time.perf_counter() - start, error=last, worker=worker)
    row = {"run": task.key, "scenario": scenario.name, "scenario_file": task.scenario_file,
           "point": task.point, "replication": task.replication, "seed": task.seed,
           **dict(task.params), **result.summary,
           "events": json.dumps(result.events), "start": scenario.data["scenario"]["start"]}
    ts = result.timeseries
    ts.insert(0, "replication", task.replication)
    ts.insert(0, "point", task.point)
    ts.insert(0, "scenario", scenario.name)
    ts.insert(0, "run", task.key)
    return RunOutcome(task.key, True, time.perf_counter() - start, row, ts, worker=worker)


# ---- parts ------------------------------------------------------------------------
def part_path(out: Path, key: str) -> Path:
    return out / "parts" / f"{key}.parquet"


def write_part(out: Path, outcome: RunOutcome) -> None:
    """Write one run's part atomically (temporary name, then rename)."""
    table = pa.Table.from_pandas(outcome.timeseries, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[META_KEY] = json.dumps(outcome.row, default=_plain).encode()
    table = table.replace_schema_metadata(meta)
    write_atomically(part_path(out, outcome.key),
                     lambda p: pq.write_table(table, p, compression="zstd"))


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {value!r}")


def read_part_row(path: Path) -> dict | None:
    """The run row of a part, or None if the part is not a complete, readable part."""
    try:
        meta = pq.read_metadata(path)
        row = json.loads(meta.metadata[META_KEY])
    except Exception:  # unreadable, truncated or foreign file: not complete
        return None
    return row if meta.num_rows > 0 and row.get("run") == path.stem else None


def completed_runs(out: Path) -> dict[str, dict]:
    """Runs whose parts are complete and verified; half-written files are removed."""
    done = {}
    folder = out / "parts"
    for path in sorted(folder.glob("*.parquet")) if folder.is_dir() else []:
        row = read_part_row(path)
        if row is None:
            path.unlink()
        else:
            done[path.stem] = row
    for leftover in folder.glob(".*.tmp.parquet") if folder.is_dir() else []:
        leftover.unlink()
    return done


def merge_parts(out: Path, keys: Iterable[str]) -> tuple[Path, Path]:
    """Merge the parts of ``keys`` into runs.parquet and timeseries.parquet."""
    keys = sorted(keys)
    rows = [read_part_row(part_path(out, k)) for k in keys]
    runs = pd.DataFrame(rows)
    tables = [pq.read_table(part_path(out, k)).replace_schema_metadata(None) for k in keys]
    series = pa.concat_tables(tables) if tables else pa.table({})
    runs_path, ts_path = out / "runs.parquet", out / "timeseries.parquet"
    write_atomically(runs_path, lambda p: runs.to_parquet(p, index=False, compression="zstd"))
    write_atomically(ts_path, lambda p: pq.write_table(series, p, compression="zstd"))
    return runs_path, ts_path


# ---- manifest -------------------------------------------------------------------
class Manifest:
    """manifest.json, rewritten atomically at most every ``every`` seconds."""

    def __init__(self, out: Path, spec: BatchSpec, design: Design, tasks: list[RunTask], every=2.0):
        self.path = out / "manifest.json"
        self.every = every
        self._last = 0.0
        self.data = {
            "batch_file": str(spec.path), "batch": spec.to_dict(), "design": design.to_dict(),
            "seed_rule": SEED_RULE, "code_version": code_version(), "packages": package_versions(),
            "runs": {t.key: {"status": "pending", "scenario": t.scenario_file, "point": t.point,
                             "replication": t.replication, "seed": t.seed} for t in tasks},
        }

    def record(self, outcome: RunOutcome) -> None:
        entry = self.data["runs"][outcome.key]
        entry.update(status="done" if outcome.ok else "failed", seconds=round(outcome.seconds, 4),
                     worker=outcome.worker)
        if outcome.error:
            entry["error"] = outcome.error
        self.save()

    def mark_done(self, keys: Iterable[str]) -> None:
        for key in keys:
            self.data["runs"][key]["status"] = "done"

    def save(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last >= self.every:
            counts: dict[str, int] = {}
            for entry in self.data["runs"].values():
                counts[entry["status"]] = counts.get(entry["status"], 0) + 1
            self.data["counts"] = counts
            write_atomically(self.path,
                             lambda p: p.write_text(json.dumps(self.data, indent=1, default=_plain)))
            self._last = now


# ---- running ----------------------------------------------------------------------
@dataclass
class BatchResult:
    out: Path
    total: int
    done: int
    failed: int
    runs_path: Path | None
    timeseries_path: Path | None

    @property
    def ok(self) -> bool:
        return self.failed == 0


def _check_out(out: Path, spec: BatchSpec, resume: bool) -> None:
    manifest = out / "manifest.json"
    if not manifest.exists():
        return
    if not resume:
        raise ScenarioError(out, "", "this folder already holds a batch; use --resume to finish it "
                                     "or choose another --out")
    old = json.loads(manifest.read_text())
    if not same_batch(old, spec):
        raise ScenarioError(spec.path, "", f"differs from the batch in {out}; "
                                           "--resume needs the same batch file")
    if old.get("code_version") != code_version():
        raise ScenarioError(out, "", f"was run by code {old.get('code_version')}, this is "
                                     f"{code_version()}; results would mix versions: use another --out")


def same_batch(manifest: dict, spec: BatchSpec) -> bool:
    """Whether a batch folder's manifest was written for this batch."""
    return manifest.get("batch") == json.loads(json.dumps(spec.to_dict(), default=_plain))


def run_batch(batch: str | Path | BatchSpec, out: str | Path, workers: int | None = None,
              scheduler: str | None = None, resume: bool = False, progress: bool = True) -> BatchResult:
    """Run a batch file into folder ``out``.

    Parameters
    ----------
    batch : path or BatchSpec
        The batch file (see :mod:`sim.batchfile`).
    out : path
        The batch folder (created).
    workers : int, optional
        Local worker processes (default: the number of cores). 1 runs in this
        process.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:port``); default
        ``$DASK_SCHEDULER_ADDRESS`` if set. Runs then go to that cluster.
    resume : bool
        Skip runs whose parts are complete and verified, run the rest.
    """
    spec = batch if isinstance(batch, BatchSpec) else load_batch(batch)
    out = Path(out)
    _check_out(out, spec, resume)
    design = build_design(spec)
    tasks = plan_runs(spec, design)
    (out / "parts").mkdir(parents=True, exist_ok=True)
    finished = completed_runs(out) if resume else {}
    manifest = Manifest(out, spec, design, tasks)
    manifest.mark_done(k for k in finished if k in manifest.data["runs"])
    manifest.save(force=True)
    todo = [t for t in tasks if t.key not in finished]
    scheduler = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS")
    failed = _execute_all(todo, out, manifest, len(tasks), len(finished), workers, scheduler, progress)
    manifest.save(force=True)
    done = [t.key for t in tasks if manifest.data["runs"][t.key]["status"] == "done"]
    runs_path = ts_path = None
    if done:
        runs_path, ts_path = merge_parts(out, done)
    return BatchResult(out, len(tasks), len(done), failed, runs_path, ts_path)


def _execute_all(todo, out, manifest, total, already, workers, scheduler, progress) -> int:
    bar = _progress_bar(total, already, progress)
    failed = 0

    def handle(outcome: RunOutcome) -> None:
        nonlocal failed
        if outcome.ok:
            write_part(out, outcome)
        else:
            failed += 1
        manifest.record(outcome)
        bar.update(1)
        bar.set_postfix(failed=failed, refresh=False)

    try:
        if scheduler:
            _on_dask(todo, scheduler, handle)
        elif (workers or os.cpu_count() or 1) <= 1:
            for task in todo:
                handle(execute(task))
        else:
            with ProcessPoolExecutor(max_workers=workers or os.cpu_count()) as pool:
                futures = [pool.submit(execute, t) for t in todo]
                for future in as_completed(futures):
                    handle(future.result())
    finally:
        bar.close()
    return failed


def _on_dask(todo: list[RunTask], address: str, handle: Callable[[RunOutcome], None]) -> None:
    """One Dask task per run; results streamed back as they complete and released."""
    from distributed import Client
    from distributed import as_completed as dask_completed

    with Client(address, timeout="30s") as client:
        futures = client.map(execute, todo, key=[f"breachsim-{t.key}" for t in todo], pure=False)
        for future, outcome in dask_completed(futures, with_results=True):
            handle(outcome)
            future.release()


def _progress_bar(total: int, already: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, initial=already, unit="run", desc="runs", disable=not enabled,
                dynamic_ncols=True, postfix={"failed": 0})
