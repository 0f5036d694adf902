"""Running a batch: many seeded runs, in parallel locally or on a Dask cluster,
written by the workers themselves and resumable by identity.

Layout of a batch folder ``DIR``:

- ``parts/*.parquet``: the finished runs, stored by run identity
  (:mod:`sim.runs.store`); each worker writes its own, a chunk of runs at a time;
- ``runs.parquet`` and ``timeseries.parquet``: the runs of the current batch
  definition, merged when the batch ends (ordered by run key);
- ``manifest.json``: the batch as resolved, each scenario as resolved, the
  design, the seed rule, code and package versions, per-run identity, status
  and timing;
- ``.lock``: held while a batch writes into the folder.

The parent process only plans, hands out chunks of runs and tracks
completion: it never touches a run's time series until the final merge, so
it keeps up with many workers (bench/batch.py measures how many runs a second
it absorbs).
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import socket
import threading
import time
import traceback
import uuid
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

import pandas as pd

from .batchfile import BatchSpec, load_batch
from .design import Design, build_design
from ..errors import ScenarioError
from .files import (FolderLock, check_claimable, claim_folder, clean_stale_temporaries,
                    release_inherited_locks, write_json, write_pair_atomically)
from .folders import read_manifest
from .store import (PARTS, RunResult, drop_parts_without, part_table, read_series, scan_parts,
                    table_from_bytes, table_to_bytes, write_part)
from .plan import SEED_RULE, Plan, RunTask, plan_runs, run_seed
from .provenance import code_version, package_versions, scenario_digest
from ..config.scenario import Scenario

__all__ = ["BatchResult", "ClusterLost", "Interrupted", "run_batch", "run_seed", "execute_chunk"]

#: Most runs handed to a worker at once (a chunk is one task and one part file).
MAX_CHUNK = 64
SCHEDULER_ADDRESS = re.compile(r"^([a-z][a-z0-9+]*://)?[^\s:/]+(:\d{1,5})?/?$")


class Interrupted(Exception):
    """The user stopped a batch (Ctrl-C); finished runs are kept.

    ``line()`` is what the command line prints, e.g. ``interrupted: 53 of 80
    runs kept; rerun with --resume``.
    """

    def __init__(self, kept: int, total: int, hint: str = "rerun with --resume"):
        self.kept, self.total, self.hint = kept, total, hint
        super().__init__(self.line())

    def line(self) -> str:
        """The one line the command line prints: runs kept, and how to continue."""
        return f"interrupted: {self.kept} of {self.total} runs kept; {self.hint}"


# ---- the worker side ----------------------------------------------------------------
@dataclass(frozen=True)
class Chunk:
    """Runs handed to one worker at once (picklable, small).

    ``runs`` are (run id, seed, engine, variant); ``scenarios`` maps each
    variant to its resolved data and file, so a worker never reads scenario
    files. ``out`` is the batch folder the worker writes its part into, or
    None to send the part back instead.
    """

    runs: tuple[tuple[str, int, str, tuple[int, int]], ...]
    scenarios: dict
    out: str | None


@dataclass
class ChunkOutcome:
    """What a worker sends back: per run (run id, ok, seconds, error), the
    worker's name, and the part as Arrow bytes when it did not write it."""

    runs: list[tuple[str, bool, float, str]]
    worker: str
    part: bytes | None = None
    warnings: tuple[str, ...] = ()


def _worker_start(parent: int) -> None:
    """Start of a local worker process: leave Ctrl-C to the parent (which stops the
    workers cleanly), let go of the parent's folder locks, and end once the parent is
    gone (killed with -9, say), so no worker outlives it holding the folder."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)     # a hangup goes to the parent, which stops us
    release_inherited_locks()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


def execute_chunk(chunk: Chunk) -> ChunkOutcome:
    """Run a chunk (in a worker). Never raises: a run's error comes back in the outcome."""
    from ..model.simulate import simulate

    worker = f"{socket.gethostname()}:{os.getpid()}"
    scenarios = {v: Scenario(data, Path(path)) for v, (data, path) in chunk.scenarios.items()}
    results, report, said = [], [], {}
    for run_id, seed, engine, variant in chunk.runs:
        start = time.perf_counter()
        try:
            with warnings.catch_warnings(record=True) as caught:   # sent to the parent, said once
                warnings.simplefilter("always")
                result = simulate(scenarios[variant], seed=seed, engine=engine)
            said.update((str(w.message), None) for w in caught)
        except Exception as err:  # a failed run is recorded, the batch carries on
            last = traceback.format_exception_only(type(err), err)[-1].strip()
            report.append((run_id, False, time.perf_counter() - start, last))
            continue
        results.append(RunResult(run_id, result.summary, result.events, result.timeseries))
        report.append((run_id, True, time.perf_counter() - start, ""))
    part = None
    if results:
        table = part_table(results)
        if chunk.out is None:
            part = table_to_bytes(table)
        else:
            write_part(Path(chunk.out), table)
    return ChunkOutcome(report, worker, part, tuple(said))


def make_chunks(plan: Plan, todo: list[RunTask], size: int, out: Path | None) -> list[Chunk]:
    """Consecutive runs of ``todo`` in chunks of at most ``size``."""
    chunks = []
    for i in range(0, len(todo), size):
        group = todo[i:i + size]
        variants = {t.variant for t in group}
        scenarios = {v: (plan.variants[v].data, str(plan.variants[v].path)) for v in variants}
        runs = tuple((t.run_id, t.seed, t.engine, t.variant) for t in group)
        chunks.append(Chunk(runs, scenarios, str(out) if out is not None else None))
    return chunks


def chunk_size(runs: int, workers: int) -> int:
    """Runs per chunk: about eight chunks per worker, at most :data:`MAX_CHUNK`."""
    return max(1, min(MAX_CHUNK, math.ceil(runs / (8 * max(1, workers)))))


# ---- manifest -----------------------------------------------------------------------
class Manifest:
    """manifest.json, rewritten atomically now and then while the batch runs."""

    def __init__(self, out: Path, spec: BatchSpec, design: Design, plan: Plan, every=2.0):
        self.path = out / "manifest.json"
        self.every = every
        self._next = 0.0
        self.data = {
            "batch_file": str(spec.path), "batch": spec.to_dict(), "design": design.to_dict(),
            "seed_rule": SEED_RULE, "code_version": code_version(), "code": plan.code,
            "packages": package_versions(),
            "scenarios": [{"file": str(spec.scenarios[i]), "name": base.name,
                           "digest": scenario_digest(base.data), "data": base.data}
                          for i, base in enumerate(plan.bases)],
            "runs": {t.key: {"run_id": t.run_id, "status": "pending", "scenario_index": t.scenario_index,
                             "scenario": t.scenario_file,
                             "point": t.point, "replication": t.replication, "seed": t.seed}
                     for t in plan.tasks},
        }
        self.keys_of: dict[str, list[str]] = {}
        for t in plan.tasks:
            self.keys_of.setdefault(t.run_id, []).append(t.key)

    def record(self, run_id: str, ok: bool, seconds: float, error: str, worker: str) -> int:
        """Record one run's outcome under every key that ran it; returns the number of keys."""
        keys = self.keys_of.get(run_id, [])
        for key in keys:
            entry = self.data["runs"][key]
            entry.update(status="done" if ok else "failed", seconds=round(seconds, 4), worker=worker)
            if error:
                entry["error"] = error
        return len(keys)

    def mark_done(self, run_ids: Iterable[str]) -> None:
        for run_id in run_ids:
            for key in self.keys_of.get(run_id, []):
                self.data["runs"][key]["status"] = "done"

    def count(self, status: str) -> int:
        return sum(1 for e in self.data["runs"].values() if e["status"] == status)

    def save(self, force: bool = False) -> None:
        now = time.monotonic()
        if not (force or now >= self._next):
            return
        counts: dict[str, int] = {}
        for entry in self.data["runs"].values():
            counts[entry["status"]] = counts.get(entry["status"], 0) + 1
        self.data["counts"] = counts
        write_json(self.path, self.data, indent=1)
        # a big manifest is rewritten less often, so the parent keeps up with the workers
        self._next = time.monotonic() + max(self.every, 20 * (time.monotonic() - now))


# ---- results ------------------------------------------------------------------------
@dataclass
class BatchResult:
    """How a batch ended: counts, where the merged tables are, what was reused."""

    out: Path
    total: int
    done: int
    failed: int
    runs_path: Path | None
    timeseries_path: Path | None
    reused: int = 0
    note: str = ""
    first_error: str = ""

    @property
    def ok(self) -> bool:
        """Whether every run of the batch finished."""
        return self.failed == 0


def _run_row(task: RunTask, scenario: Scenario, entry: dict) -> dict:
    return {"run": task.key, "run_id": task.run_id, "scenario": scenario.name,
            "scenario_file": task.scenario_file, "point": task.point,
            "replication": task.replication, "seed": task.seed, "engine": task.engine,
            **dict(task.params), **entry["summary"], "events": json.dumps(entry["events"]),
            "start": scenario.start_text}


def merge_results(out: Path, plan: Plan, done: set[str]) -> tuple[Path, Path]:
    """Merge the finished runs of the plan into runs.parquet and timeseries.parquet."""
    where, entries, _ = scan_parts(out)
    tasks = [t for t in plan.tasks if t.run_id in done and t.run_id in entries]
    runs = pd.DataFrame([_run_row(t, plan.scenario_of(t), entries[t.run_id]) for t in tasks])
    ids = {t.run_id for t in tasks}
    series = read_series({where[i] for i in ids}, ids)
    index = pd.DataFrame({"run": [t.key for t in tasks],
                          "scenario": [plan.scenario_of(t).name for t in tasks],
                          "point": [t.point for t in tasks],
                          "replication": [t.replication for t in tasks],
                          "run_id": [t.run_id for t in tasks]})
    timeseries = index.merge(series, on="run_id", how="left", sort=False) if len(series) else index
    runs_path, ts_path = out / "runs.parquet", out / "timeseries.parquet"
    write_pair_atomically(
        (runs_path, lambda p: runs.to_parquet(p, index=False, compression="zstd")),
        (ts_path, lambda p: timeseries.to_parquet(p, index=False, compression="zstd")))
    return runs_path, ts_path


# ---- checks before anything is written ------------------------------------------------
def check_workers(workers: Any) -> None:
    ok = workers is None or (isinstance(workers, int) and not isinstance(workers, bool)
                             and 1 <= workers <= 4096)
    if not ok:
        raise ScenarioError("--workers", "", f"got {workers!r}; allowed: a whole number from 1 to 4096")


#: Seconds to connect to a Dask scheduler and hear it answer.
CONNECT_TIMEOUT = 10.0


def connect_scheduler(address: str):
    """A Dask client for ``address``, or ScenarioError (one line) if it is malformed,
    unreachable, or not a Dask scheduler: a service that accepts the connection and then
    says nothing, or answers in another protocol, is refused within about
    :data:`CONNECT_TIMEOUT` seconds."""
    if not isinstance(address, str) or not SCHEDULER_ADDRESS.match(address.strip()):
        raise ScenarioError("--scheduler", "", f"got {address!r}; allowed: an address such as "
                                               "tcp://HOST:8786")
    from distributed import Client

    address = address.strip()
    error = _handshake_error(address)
    if error is not None:
        raise ScenarioError("--scheduler", "", f"cannot reach {address}: "
                                               f"{_handshake_failure(error)}")
    try:
        return Client(address, timeout=f"{CONNECT_TIMEOUT}s")
    except Exception as err:  # any failure to connect is one line, not a traceback
        raise ScenarioError("--scheduler", "", f"cannot reach {address}: "
                                               f"{_first_line(err)}") from None


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return " ".join(text.splitlines()[0].split())[:160] if text else err.__class__.__name__


async def _shake_hands(address: str) -> None:
    """Open one Dask connection to ``address`` (its handshake included) and close it.

    ``connect`` gives up by itself after :data:`CONNECT_TIMEOUT`, saying why, but
    waits for the other side's handshake with no limit: the outer limit cuts that.
    """
    import asyncio

    from distributed.comm import connect

    comm = await asyncio.wait_for(connect(address, timeout=CONNECT_TIMEOUT), CONNECT_TIMEOUT + 1)
    await comm.close()


def _handshake_error(address: str) -> BaseException | None:
    """What went wrong completing Dask's handshake with ``address``, or None.

    Dask's client waits for the handshake with no time limit, so a service that
    accepts and stays silent would hang it. Only plain TCP addresses are tried
    (TLS needs security settings that the client reads itself). It runs in its
    own thread and event loop, so it works inside a running loop (a notebook) too.
    """
    if "://" in address and not address.startswith("tcp://"):
        return None
    outcome: list[BaseException | None] = []

    def run() -> None:
        import asyncio

        try:
            asyncio.run(_shake_hands(address))
            outcome.append(None)
        except BaseException as err:  # handed to the caller's thread
            outcome.append(err)

    thread = threading.Thread(target=run, name="dask-handshake", daemon=True)
    thread.start()
    thread.join(CONNECT_TIMEOUT + 10)
    return outcome[0] if outcome else TimeoutError()


def _causes(error: BaseException) -> list[BaseException]:
    """``error`` and the errors that led to it (a few levels)."""
    chain = [error]
    while len(chain) < 8 and (chain[-1].__cause__ or chain[-1].__context__) is not None:
        chain.append(chain[-1].__cause__ or chain[-1].__context__)
    return chain


def _handshake_failure(error: BaseException) -> str:
    """Why the handshake with a supposed Dask scheduler failed, in words."""
    from distributed.comm import CommClosedError

    if isinstance(error, TimeoutError):
        return f"no Dask answer within {CONNECT_TIMEOUT:g} s (is it a Dask scheduler?)"
    if not isinstance(error, OSError):
        return f"it answered, but not as a Dask scheduler ({error.__class__.__name__})"
    chain = _causes(error)
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return "connection refused (is a Dask scheduler running there?)"
    if any(isinstance(e, socket.gaierror) for e in chain):
        return "cannot find that host"
    if any(isinstance(e, CommClosedError) for e in chain):
        return "it closed the connection without answering as a Dask scheduler"
    return _first_line(error)


def _check_folder(out: Path, spec: BatchSpec, resume: bool, any_batch: bool) -> dict | None:
    """The folder's old manifest if it may be resumed; raise if the folder is not a batch
    folder breachsim wrote (it carries the marker of kind "batch")."""
    check_claimable(out, "batch")
    manifest = out / "manifest.json"
    if not manifest.exists():
        return None
    if not resume:
        raise ScenarioError(out, "", "this folder already holds a batch; use --resume to finish it "
                                     "or choose another --out")
    old = read_manifest(manifest, runs=True)
    if not any_batch and old.get("batch_file") != str(spec.path):
        raise ScenarioError(spec.path, "", f"is not the batch file of {out} "
                                           f"({old.get('batch_file')}); --resume needs the same file")
    return old


def _reuse_note(plan: Plan, old: dict | None, finished: set[str]) -> tuple[str, int]:
    """One line saying what is reused and what is run, and why."""
    wanted = {t.run_id for t in plan.tasks}
    reused = len(wanted & finished)
    todo = [t for t in plan.tasks if t.run_id not in finished]
    if old is None:
        return "", 0
    old_runs = old.get("runs", {})
    changed = sum(1 for t in todo if t.key in old_runs and old_runs[t.key].get("run_id") != t.run_id)
    why = []
    if changed:
        code_changed = old.get("code") != plan.code
        why.append(f"{changed} changed ({'code' if code_changed else 'scenario, seed or engine'} differs)")
    new = sum(1 for t in todo if t.key not in old_runs)
    if new:
        why.append(f"{new} new")
    left = len(todo) - changed - new
    if left:
        why.append(f"{left} not finished before")
    reason = f" ({', '.join(why)})" if why else ""
    return f"resume: reusing {reused} finished runs, running {len(todo)}{reason}", reused


# ---- running ------------------------------------------------------------------------
def run_batch(batch: str | Path | BatchSpec, out: str | Path, workers: int | None = None,
              scheduler: str | None = None, resume: bool = False, progress: bool = True,
              send_results: bool = False, say: Callable[[str], None] | None = None,
              reuse_any: bool = False, _execute: Callable[[Chunk], ChunkOutcome] | None = None
              ) -> BatchResult:
    """Run a batch file into folder ``out``.

    Parameters
    ----------
    batch : path or BatchSpec
        The batch file (see :mod:`sim.runs.batchfile`).
    out : path
        The batch folder (created).
    workers : int, optional
        Local worker processes (default: the number of cores). 1 runs in this
        process.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:port``); default
        ``$DASK_SCHEDULER_ADDRESS`` if set. Runs then go to that cluster.
    resume : bool
        Keep the finished runs whose identity is still in the batch, run the rest.
    send_results : bool
        Dask only: workers send their parts back through the scheduler instead of
        writing them into ``out`` (for workers that do not share its file system).
    say : callable, optional
        Receives the one-line note of what a resume reuses.
    reuse_any : bool
        Resume whatever batch the folder holds (a comparison's working copy).

    Raises
    ------
    ScenarioError
        Bad batch file or options, a folder that is not this batch's, a busy folder.
    Interrupted
        On Ctrl-C (or SIGTERM, SIGHUP), after the finished runs are saved.
    ClusterLost
        On Dask, when the cluster has had no worker for a while or its scheduler is gone
        (finished runs are kept).
    OSError
        When a file cannot be written (a full disk, a read-only folder); the runs whose
        parts are whole are recorded and kept for ``--resume``.
    """
    spec = batch if isinstance(batch, BatchSpec) else load_batch(batch)
    out = Path(out)
    check_workers(workers)
    design = build_design(spec)
    plan = plan_runs(spec, design)
    scheduler = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS")
    _check_folder(out, spec, resume, reuse_any)          # before connecting or writing
    client = connect_scheduler(scheduler) if scheduler else None
    try:
        claim_folder(out, "batch")
        with FolderLock(out, "batch") as lock:
            if lock.taken_over and say:
                say(lock.taken_over)
            return _run_locked(spec, design, plan, out, workers, client, resume, reuse_any,
                               progress, send_results, say, _execute or execute_chunk)
    finally:
        if client is not None:
            client.close()


def _run_locked(spec, design, plan, out, workers, client, resume, reuse_any, progress,
                send_results, say, execute) -> BatchResult:
    old = _check_folder(out, spec, resume, reuse_any)
    (out / PARTS).mkdir(exist_ok=True)
    clean_stale_temporaries(out)
    clean_stale_temporaries(out / PARTS)
    where, _, damaged = scan_parts(out)
    if damaged and say:
        say(f"resume: {damaged} damaged part file{'s' if damaged > 1 else ''} (unreadable or "
            "failing its checksum) discarded; their runs are run again")
    wanted = {t.run_id for t in plan.tasks}
    drop_parts_without(out, wanted)
    finished = set(where) & wanted
    note, reused = _reuse_note(plan, old, finished)
    if note and say:
        say(note)
    manifest = Manifest(out, spec, design, plan)
    manifest.mark_done(finished)
    manifest.save(force=True)
    todo, seen = [], set(finished)
    for task in plan.tasks:
        if task.run_id not in seen:
            seen.add(task.run_id)
            todo.append(task)
    try:
        _execute_all(plan, todo, out, manifest, workers, client, progress, send_results, execute,
                     say)
    except KeyboardInterrupt:
        _record_what_is_on_disk(out, manifest, wanted)
        raise Interrupted(manifest.count("done"), len(plan.tasks)) from None
    except OSError:                          # a full disk, a read-only folder: keep what is whole
        _record_what_is_on_disk(out, manifest, wanted)
        raise
    manifest.save(force=True)
    done = {t.run_id for t in plan.tasks
            if manifest.data["runs"][t.key]["status"] == "done"}
    runs_path = ts_path = None
    if done:
        runs_path, ts_path = merge_results(out, plan, done)
    errors = [e["error"] for e in manifest.data["runs"].values() if e.get("error")]
    return BatchResult(out, len(plan.tasks), manifest.count("done"), manifest.count("failed"),
                       runs_path, ts_path, reused, note, errors[0] if errors else "")


def _record_what_is_on_disk(out: Path, manifest: "Manifest", wanted: set[str]) -> None:
    """After a stop: the runs whose parts are whole on disk are done (workers may have
    written more than the parent heard of), temporaries of the stopped workers go, and
    the manifest says so if it can still be written."""
    clean_stale_temporaries(out / PARTS)
    manifest.mark_done(set(scan_parts(out)[0]) & wanted)
    try:
        manifest.save(force=True)
    except OSError:
        pass                                 # the disk is full: the parts alone are enough to resume


def _execute_all(plan, todo, out, manifest, workers, client, progress, send_results, execute,
                 say=None):
    """Hand the runs out in chunks and record each chunk as it completes."""
    from .notices import SaidOnce, check_step_lengths, first_time

    said = SaidOnce()                  # each kind of warning once per batch (or per command)
    if todo:
        check_step_lengths(plan.bases, say, local=said)
    bar = _progress_bar(len(plan.tasks), manifest.count("done"), progress)
    failed = 0

    def handle(outcome: ChunkOutcome) -> None:
        nonlocal failed
        for message in outcome.warnings:
            if first_time(message, said):
                bar.clear()
                _say_warning(message, say)
        if outcome.part is not None:
            write_part(out, table_from_bytes(outcome.part))
        keys = 0
        for run_id, ok, seconds, error in outcome.runs:
            keys += manifest.record(run_id, ok, seconds, error, outcome.worker)
            failed += 0 if ok else 1
        manifest.save()
        bar.update(keys)
        if failed:
            bar.set_postfix(failed=failed, refresh=False)

    try:
        if not todo:
            return
        if client is not None:
            nworkers = max(1, sum(client.nthreads().values()))
            target = None if send_results else out.resolve()
            chunks = make_chunks(plan, todo, chunk_size(len(todo), nworkers), target)
            _on_dask(client, chunks, handle, execute)
            return
        nworkers = workers or os.cpu_count() or 1
        chunks = make_chunks(plan, todo, chunk_size(len(todo), nworkers), out)
        if nworkers <= 1:
            for chunk in chunks:
                handle(execute(chunk))
        else:
            _on_pool(chunks, min(nworkers, len(chunks)), handle, execute)
    finally:
        bar.close()


def _say_warning(message: str, say: Callable[[str], None] | None) -> None:
    if say is not None:
        say(message if message.startswith("warning") else f"warning: {message}")
    else:
        from ..model.step_length import StepLengthWarning, step_length_kind

        category = StepLengthWarning if step_length_kind(message) else RuntimeWarning
        warnings.warn(message, category, stacklevel=3)


def _on_pool(chunks: list[Chunk], workers: int, handle, execute) -> None:
    from ..model.compiled import warm_pool

    pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_start,
                               initargs=(os.getpid(),))
    try:
        warm_pool(pool)                  # a cold numba cache: two workers compile side by side
        futures = {pool.submit(execute, c): c for c in chunks}
        for future in as_completed(futures):
            try:
                outcome = future.result()
            except BrokenProcessPool as err:   # a worker process died (killed, out of memory)
                chunk = futures[future]
                outcome = ChunkOutcome([(r[0], False, 0.0, f"worker process died: {err}")
                                        for r in chunk.runs], "lost")
            handle(outcome)
    except BaseException:
        # Let the pool's own thread cancel what has not started (cancelling futures here races
        # with that thread: it may then fail on a cancelled future and print a traceback), then
        # stop the workers still running a chunk. Their finished parts are already on disk.
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:            # gone before their temporaries are cleaned up
            process.join(timeout=30)
        raise
    pool.shutdown()


class ClusterLost(Exception):
    """A Dask batch cannot go on: no worker has been left for :data:`NO_WORKER_GRACE`
    seconds, or the scheduler is gone. Finished runs are kept (their parts are
    written); ``--resume`` continues once the cluster is back (``remedy`` says when)."""

    def __init__(self, address: str, reason: str, remedy: str):
        self.address, self.reason, self.remedy = address, reason, remedy
        super().__init__(f"{address}: {reason}")


#: Seconds a Dask batch waits with no worker (one may be restarting) before it stops.
NO_WORKER_GRACE = 60.0
#: Seconds between looks at the cluster's workers.
DASK_LOOK_EVERY = 1.0
#: Seconds between checks for completed chunks while none is ready.
DASK_POLL = 0.05


def _scheduler_lost(address: str) -> ClusterLost:
    return ClusterLost(address, "lost the connection to the Dask scheduler",
                       "once the scheduler is back")


class _WorkerWatch:
    """Raises ClusterLost once the cluster has had no worker for :data:`NO_WORKER_GRACE`
    seconds, or its scheduler is gone."""

    def __init__(self, client):
        self.client = client
        self.address = getattr(client.scheduler, "address", None) or "the Dask scheduler"
        self.since: float | None = None
        self.next_look = 0.0

    def _workers(self) -> int:
        if self.client.status in ("closing", "closed"):
            raise _scheduler_lost(self.address)
        if self.client.status != "running":       # reconnecting: counts as no worker
            return 0
        try:
            return len(self.client.nthreads())
        except Exception:  # the scheduler went away mid-call: counts as no worker
            return 0

    def look(self) -> None:
        now = time.monotonic()
        if now < self.next_look:
            return
        workers = self._workers()
        self.next_look = time.monotonic() + DASK_LOOK_EVERY
        if workers:
            self.since = None
        elif self.since is None:
            self.since = now
        elif now - self.since >= NO_WORKER_GRACE:
            raise ClusterLost(self.address, f"no Dask worker left for {NO_WORKER_GRACE:g} s",
                              "once it has workers again")


#: Seconds to fetch one finished chunk's outcome before asking again (its worker may be gone).
DASK_FETCH_TIMEOUT = 30.0


def _dask_outcome(future, chunk: Chunk, client, address: str) -> ChunkOutcome | None:
    """A completed chunk's outcome, or None if it went with a worker that died (Dask
    computes it again). A chunk whose workers kept dying is recorded failed (as on the
    process pool); a worker's error writing its part (a full disk) is raised as it was;
    a chunk cancelled on the cluster, or cancelled because the scheduler went away while
    its result was being fetched, stops the batch."""
    from concurrent.futures import CancelledError     # Dask's FutureCancelledError is one

    from distributed import KilledWorker

    if future.status == "error":
        error = future.exception()
        if isinstance(error, KilledWorker):
            return ChunkOutcome([(r[0], False, 0.0, f"worker process died: {_first_line(error)}")
                                 for r in chunk.runs], "lost")
        raise error
    if future.status == "cancelled":
        if client.status != "running":
            raise _scheduler_lost(address)
        raise ClusterLost(address, "the cluster cancelled the batch's tasks",
                          "once the cluster is free")
    if future.status != "finished":
        return None
    try:
        return future.result(timeout=DASK_FETCH_TIMEOUT)
    except (OSError, TimeoutError):   # its worker died while sending it: it is computed again
        return None
    except CancelledError as err:     # cancelled between the status check and the fetch
        if client.status != "running" or "connection-lost" in str(err):
            raise _scheduler_lost(address) from None
        raise ClusterLost(address, "the cluster cancelled the batch's tasks", "once the cluster is free") from None


def _on_dask(client, chunks: list[Chunk], handle, execute) -> None:
    """One Dask task per chunk; outcomes fetched as they complete and released.

    Raises ClusterLost when no worker has been left for :data:`NO_WORKER_GRACE`
    seconds or the scheduler is gone (the batch would otherwise wait for ever);
    the chunks finished before are handled, so their runs are recorded.
    """
    from distributed import as_completed as dask_completed

    batch = uuid.uuid4().hex[:12]           # keys unique per batch: Dask must never reuse a result
    futures = client.map(execute, chunks, key=[f"breachsim-{batch}-{i}" for i in range(len(chunks))],
                         pure=False)
    chunk_of = {f.key: c for f, c in zip(futures, chunks)}
    pending = dask_completed(futures)
    watch = _WorkerWatch(client)
    _drop_cut_short_fetches(client)
    with _quiet_client_log():
        try:
            while not pending.is_empty():
                handled = 0
                for future in pending.next_batch(block=False):
                    outcome = _dask_outcome(future, chunk_of[future.key], client, watch.address)
                    if outcome is None:                 # computed again: wait for it again
                        pending.add(future)
                        continue
                    handle(outcome)
                    future.release()
                    handled += 1
                watch.look()
                if not handled:
                    time.sleep(DASK_POLL)
        except ClusterLost:
            client.close()                  # stops its attempts to reconnect (and their log)
            raise
        except BaseException:
            _cancel_quietly(client, futures)
            raise


def _drop_cut_short_fetches(client) -> None:
    """A fetch cut short (its worker died while sending) leaves Dask's internal waits of
    that fetch unread; asyncio would print each with a traceback when it is collected.
    Those alone are dropped, on the client's own event loop."""
    try:
        from distributed.client import AllExit
        loop = client.loop.asyncio_loop
    except (ImportError, AttributeError):   # another Dask: nothing to drop
        return

    def handler(loop, context) -> None:
        if not isinstance(context.get("exception"), AllExit):
            loop.default_exception_handler(context)

    loop.call_soon_threadsafe(loop.set_exception_handler, handler)


@contextmanager
def _quiet_client_log():
    """Dask's client logs lost results and failed reconnections on stderr; the batch
    says what happened itself (one line), so those are held back while it runs."""
    import logging

    log = logging.getLogger("distributed.client")
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        log.setLevel(level)


def _cancel_quietly(client, futures) -> None:
    """Cancel what is left on the cluster; a cluster already gone is no second error."""
    try:
        if client.status == "running":
            client.cancel(futures)
    except Exception:  # the scheduler went away: nothing left to cancel
        pass


def _progress_bar(total: int, already: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, initial=already, unit="run", desc="runs", disable=not enabled,
                dynamic_ncols=True)

