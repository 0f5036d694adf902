"""Running the dashboard's replications and reducing them to what the page shows.

A change of a control starts a *job*: ``replications`` runs of the fast
engine, seeded as ``compare`` seeds them (:func:`sim.runs.batch.run_seed` with the
batch seed, point 0 and the replication), so the baseline and the current
settings share their random numbers and the difference between two curves is
the effect of the change, not noise. The runs go to a pool of worker
processes; results stream back one by one and each partial set is reduced to
an :class:`Outcome` (median and 10-90% band), so the page can draw after the
first runs. A job stops as soon as its ``cancelled()`` says so (the next
change): runs not yet started are dropped.

An outcome depends only on (resolved scenario, seeds): never on the number
of workers or the order in which runs finish.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import os
import threading
import time
import warnings
from collections import OrderedDict
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np

from ...config import catalog
from ...config.vocabulary import COMPANY, SOURCES
from ...runs.batch import run_seed
from ...config.bundled import main_job_files
from ...runs.notices import warning_kind
from ..stats import censored_quantiles, quantiles
from ...config.scenario import Scenario, load_scenario
from ...model.simulate import simulate

__all__ = ["HEADLINE", "FIRST_SOURCES", "Outcome", "Replicate", "Runner", "outcome_of",
           "replicate"]

#: Headline measures: summary key -> censored (hours never reached count as later than all).
HEADLINE = {m.key: m.censored for m in catalog.used_in("dashboard")}
#: Sources of the first-source chart (time-series suffix), then "not heard by the end".
FIRST_SOURCES = (COMPANY, *(s for s in SOURCES if s != COMPANY))


@dataclass(frozen=True)
class Replicate:
    """What one run sends back: per-row series in agents, and its summary."""

    replication: int
    seed: int
    hours: np.ndarray
    aware_affected: np.ndarray
    contacted: np.ndarray
    company_trust: np.ndarray
    first_affected: dict[str, float]
    summary: dict
    events: list[dict]
    start: str
    warnings: tuple[str, ...] = ()


def replicate(scenario: Scenario, replication: int, seed: int) -> Replicate:
    """Run ``scenario`` once on the fast engine (in a worker process). Its warnings come
    back as text (the server says each kind once), never printed by the worker."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = simulate(scenario, seed=seed, engine="fast")
    ts = result.timeseries
    return Replicate(replication, seed, ts["hours"].to_numpy(float),
                     ts["aware_affected"].to_numpy(float), ts["contacted"].to_numpy(float),
                     ts["mean_company_trust_affected"].to_numpy(float),
                     {s: float(ts[f"first_{s}_affected"].iat[-1]) for s in FIRST_SOURCES},
                     result.summary, result.events, scenario.start_text,
                     tuple(dict.fromkeys(str(w.message) for w in caught)))


@dataclass(frozen=True)
class Outcome:
    """The page's view of a set of runs of one scenario.

    Attributes
    ----------
    aware : array (3, rows)
        10th percentile, median and 90th percentile across runs of affected
        customers aware, in people, per time-series row.
    trust : array (3, rows)
        The same for the mean company trust of affected customers (share).
    headline : dict
        Per :data:`HEADLINE` key, ``[p10, median, p90]`` across runs (hours;
        ``inf`` = not reached; shares in [0, 1]).
    first_sources : dict
        Median share of affected customers who first heard from each of
        :data:`FIRST_SOURCES`, and ``"not_heard"``.
    warnings : tuple of str
        The runs' warnings, one per kind (:func:`sim.runs.notices.warning_kind`).
    """

    name: str
    start: dt.datetime
    hours: np.ndarray
    aware: np.ndarray
    trust: np.ndarray
    affected_people: float
    people_per_agent: float
    agents: int
    headline: dict[str, list[float]]
    first_sources: dict[str, float]
    events: list[dict]
    done: int
    total: int
    seeds: tuple[int, ...] = field(default=())
    key: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def ident(self) -> str:
        """Changes whenever what is drawn changes: scenario, seeds and runs done."""
        return f"{self.key}:{self.done}"

    @property
    def times(self) -> list[dt.datetime]:
        """Timezone-aware local time of each row."""
        return [self.start + dt.timedelta(hours=float(h)) for h in self.hours]

    @property
    def complete(self) -> bool:
        return self.done == self.total


def _band(rows: np.ndarray) -> np.ndarray:
    """10th, 50th and 90th percentiles across runs (rows) of each column, ignoring NaN.

    Without NaN, np.quantile gives the same numbers as np.nanquantile, which works
    column by column (some 80 times slower for 20 runs of 337 rows).
    """
    if not np.isfinite(rows).any():
        return np.full((3, rows.shape[1]), np.nan)
    if np.isnan(rows).any():
        return np.nanquantile(rows, [0.1, 0.5, 0.9], axis=0)
    return np.quantile(rows, [0.1, 0.5, 0.9], axis=0)


def outcome_of(name: str, reps: list[Replicate], total: int, key: str = "") -> Outcome:
    """Reduce finished runs (any order) to an :class:`Outcome`; ``key`` names the job."""
    reps = sorted(reps, key=lambda r: r.replication)
    first = reps[0]
    ppa = first.summary["people_per_agent"]
    affected = np.array([r.summary["affected_agents"] for r in reps], float)
    headline = {}
    for measure, censored in HEADLINE.items():
        values = [np.nan if r.summary[measure] is None else r.summary[measure] for r in reps]
        headline[measure] = (censored_quantiles if censored else quantiles)(values)
    shares = {s: float(np.median([r.first_affected[s] / max(r.summary["affected_agents"], 1)
                                  for r in reps])) for s in FIRST_SOURCES}
    shares["not_heard"] = float(np.median([r.summary["unaware_affected_share_end"] or 0.0
                                           for r in reps]))
    return Outcome(
        name=name, start=dt.datetime.fromisoformat(first.start), hours=first.hours,
        aware=_band(np.stack([r.aware_affected for r in reps]) * ppa),
        trust=_band(np.stack([r.company_trust for r in reps])),
        affected_people=float(np.median(affected)) * ppa, people_per_agent=ppa,
        agents=int(first.summary["agents"]),
        headline=headline, first_sources=shares, events=first.events,
        done=len(reps), total=total, seeds=tuple(r.seed for r in reps), key=key,
        warnings=_one_per_kind(w for r in reps for w in r.warnings))


def _one_per_kind(messages) -> tuple[str, ...]:
    """The first message of each kind, in order."""
    first: dict[str, str] = {}
    for message in messages:
        first.setdefault(warning_kind(message), message)
    return tuple(first.values())


def _exit_with(parent: int) -> None:
    """Worker start: end this worker once the process that made the pool is gone.

    A pool's workers otherwise outlive a server that was killed (they wait for
    work forever, and keep their fork server alive with them).
    """
    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(0)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


def _warm_run() -> None:
    """A tiny run, so that anything compiled or cached on first use is ready (its
    warnings, of a scenario nobody asked for, are not said)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        simulate(load_scenario(main_job_files()[0], {"population.size": 200, "scenario.hours": 24}),
                 seed=0)


def scenario_key(scenario: Scenario, replications: int, seed: int) -> str:
    """Identity of a job's result: digest of resolved scenario data, replications, seed."""
    text = json.dumps([scenario.data, replications, seed], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


class Runner:
    """A pool of worker processes shared by every page of one server.

    ``workers`` defaults to the number of cores. Finished outcomes are kept
    (the last ``keep``), so returning to earlier settings redraws at once.
    """

    def __init__(self, workers: int | None = None, keep: int = 64):
        self.workers = workers or os.cpu_count() or 1
        context = multiprocessing.get_context("forkserver")
        # Workers start with the engines and the charts imported.
        context.set_forkserver_preload(["sim.reporting.dashboard.runs", "sim.reporting.dashboard.figures"])
        self.pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_exit_with,
                                        initargs=(os.getpid(),))
        self.cache: OrderedDict[str, Outcome] = OrderedDict()
        self.keep = keep
        self.poll = 0.05  # seconds between checks for cancellation
        self.dropped = 0  # runs the last job dropped unstarted (it was cancelled)
        self.lock = threading.Lock()

    def warm(self) -> None:
        """Start every worker now and run a tiny run in it (so the first page does not wait)."""
        for f in [self.pool.submit(_warm_run) for _ in range(2 * self.workers)]:
            f.result()

    def map(self, fn: Callable, calls: list[tuple]) -> list:
        """``[fn(*args) for args in calls]``, computed side by side in the workers."""
        return [f.result() for f in [self.pool.submit(fn, *args) for args in calls]]

    def cached(self, scenario: Scenario, replications: int, seed: int) -> Outcome | None:
        with self.lock:
            return self.cache.get(scenario_key(scenario, replications, seed))

    def outcomes(self, scenario: Scenario, replications: int, seed: int,
                 cancelled: Callable[[], bool] = lambda: False) -> Iterator[Outcome]:
        """Run ``replications`` runs; yield the outcome after each finished run.

        Stops (dropping runs not yet started) as soon as ``cancelled()`` is
        true; yields one complete outcome at once if it is cached.
        """
        key = scenario_key(scenario, replications, seed)
        with self.lock:
            known = self.cache.get(key)
        if known is not None:
            yield known
            return
        futures = [self.pool.submit(replicate, scenario, r, run_seed(seed, 0, r))
                   for r in range(replications)]
        done: list[Replicate] = []
        waiting = set(futures)
        try:
            while waiting:
                finished, waiting = wait(waiting, timeout=self.poll, return_when=FIRST_COMPLETED)
                if cancelled():
                    return
                if not finished:
                    continue
                done += [f.result() for f in finished]
                outcome = outcome_of(scenario.name, done, replications, key)
                if outcome.complete:
                    self._keep(key, outcome)
                yield outcome
        finally:
            self.dropped = sum(future.cancel() for future in futures if not future.done())

    def _keep(self, key: str, outcome: Outcome) -> None:
        with self.lock:
            self.cache[key] = outcome
            self.cache.move_to_end(key)
            while len(self.cache) > self.keep:
                self.cache.popitem(last=False)

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
