"""What a batch runs: every run resolved to its scenario, seed, engine and identity.

A batch is scenarios x design points x replications. Each scenario file is
read once (with the batch's ``[set]`` overrides); each design point is applied
on top without reading files again (:func:`sim.config.scenario.with_overrides`). The
resolved scenario of every (scenario, point) is hashed, and each run gets its
identity from that digest, its seed, its engine and the code
(:mod:`sim.runs.provenance`): resume and reuse go by identity, never by position.

Seeds depend only on the design point and the replication (:func:`run_seed`),
so scenarios share seeds (common random numbers) and a run's seed never
depends on worker count, order or resumption.

A batch may also carry per-replication overrides (``BatchSpec.draws``, e.g.
parameter sets drawn from a calibration posterior): replication ``r`` of every
scenario and design point then runs with ``draws[r]`` applied on top of the
design point. The draw is part of the run's resolved scenario, so its identity
covers it; keys and seeds are unchanged, and the runs stay replications (the
draw's keys are not design keys).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .batchfile import BatchSpec
from .design import Design
from ..errors import ScenarioError
from .provenance import code_digest, run_id, scenario_digest
from ..config.scenario import Scenario, load_scenario, with_overrides

__all__ = ["SEED_RULE", "Plan", "RunTask", "plan_runs", "run_seed"]

SEED_RULE = ("seed = numpy.random.SeedSequence([batch seed, point, replication])"
             ".generate_state(1, numpy.uint64)[0]; scenarios share seeds")


def run_seed(base: int, point: int, replication: int) -> int:
    """The seed of one run (see :data:`SEED_RULE`)."""
    state = np.random.SeedSequence([base, point, replication]).generate_state(1, np.uint64)
    return int(state[0])


@dataclass(frozen=True)
class RunTask:
    """One run of a batch.

    ``key`` (``s<scenario>-p<point>-r<replication>``) names the run for people
    and orders the merged tables; ``run_id`` identifies what it ran;
    ``variant`` is the (scenario, point) pair whose resolved scenario it runs,
    or (scenario, point, replication) when the batch has per-replication draws.
    """

    key: str
    run_id: str
    scenario_index: int
    scenario_file: str
    point: int
    replication: int
    seed: int
    engine: str
    params: tuple[tuple[str, Any], ...]
    draw: bool = False

    @property
    def variant(self) -> tuple[int, ...]:
        if self.draw:
            return (self.scenario_index, self.point, self.replication)
        return (self.scenario_index, self.point)


@dataclass
class Plan:
    """Every run of a batch and the resolved scenario of each (scenario, point).

    ``bases[s]`` is scenario ``s`` with the batch's ``[set]`` overrides;
    ``variants[(s, p)]`` that with design point ``p`` applied, and
    ``variants[(s, p, r)]`` that with draw ``r`` applied on top (batches with draws).
    """

    tasks: list[RunTask]
    bases: list[Scenario]
    variants: dict[tuple[int, ...], Scenario]
    code: str

    def scenario_of(self, task: RunTask) -> Scenario:
        return self.variants[task.variant]


def _resolve(spec: BatchSpec, index: int, base: Scenario, point: dict) -> Scenario:
    try:
        return with_overrides(base, point)
    except ScenarioError as err:
        where = "grid" if spec.grid else "sample.ranges"
        key = next((k for k in point if err.key.startswith(k)), err.key)
        raise ScenarioError(spec.path, f"{where}.{key}",
                            f"{err.message} (in {spec.scenarios[index].name})") from None


def _with_draw(spec: BatchSpec, index: int, scenario: Scenario, r: int) -> Scenario:
    try:
        return with_overrides(scenario, spec.draws[r])
    except ScenarioError as err:
        raise ScenarioError(spec.path, f"draws.{r}.{err.key}",
                            f"{err.message} (in {spec.scenarios[index].name})") from None


def plan_runs(spec: BatchSpec, design: Design) -> Plan:
    """All runs of the batch, in a fixed order (scenario, point, replication)."""
    code = code_digest()
    draws = bool(spec.draws)
    if draws and len(spec.draws) != spec.replications:
        raise ScenarioError(spec.path, "draws", f"{len(spec.draws)} draws for {spec.replications} "
                                                "replications; give one per replication")
    bases = [load_scenario(path, spec.overrides) for path in spec.scenarios]
    variants: dict[tuple[int, ...], Scenario] = {}
    tasks = []
    for s, base in enumerate(bases):
        for p, point in enumerate(design.points):
            scenario = variants[(s, p)] = _resolve(spec, s, base, point)
            digest = scenario_digest(scenario.data)
            params = tuple(point.items())
            for r in range(spec.replications):
                if draws:
                    drawn = variants[(s, p, r)] = _with_draw(spec, s, scenario, r)
                    digest = scenario_digest(drawn.data)
                seed = run_seed(spec.seed, p, r)
                tasks.append(RunTask(f"s{s:02d}-p{p:05d}-r{r:04d}", run_id(digest, seed, spec.engine, code),
                                     s, str(spec.scenarios[s]), p, r, seed, spec.engine, params, draws))
    return Plan(tasks, bases, variants, code)
