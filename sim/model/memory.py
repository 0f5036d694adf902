"""Memory and work needed by a run, estimated before it starts.

A run that would not fit in the memory available is refused (exit 2) with the
estimate and the largest population that would fit; so is a run whose people
x steps exceed what its engine gets through in about an hour. Figures are per
person and per directed edge, as each engine declares them
(:class:`sim.model.engine_spec.EngineSpec`: measured with bench/scaling.py,
with a margin); they are estimates, not bounds.
"""

from __future__ import annotations

import os

from ..errors import ScenarioError
from .engine import engine_spec
from ..config.scenario import Scenario

__all__ = ["estimate_bytes", "available_bytes", "check_fits", "check_work"]

#: Extra bytes per directed edge while networkx builds a graph (1 M-node
#: Barabasi-Albert graph, 8 M directed edges: ~1.2 GB).
NETWORKX_PER_EDGE = 150
NETWORKX_KINDS = ("watts_strogatz", "barabasi_albert", "powerlaw_cluster")
BASE_BYTES = 250 * 2**20        # the interpreter and libraries



def expected_directed_edges(scenario: Scenario) -> float:
    """Directed edges per person the network will have (0 for well_mixed)."""
    net = scenario.network
    if net["kind"] == "well_mixed":
        return 0.0
    social = net["mean_degree"]
    if net["kind"] == "households":
        return social + max(net["household_size"] - 1.0, 0.0) * 1.3
    return social


def estimate_bytes(scenario: Scenario, engine: str, people: int | None = None) -> int:
    """Estimated peak memory of one run in bytes."""
    n = people or scenario.population.size
    spec = engine_spec(engine)
    per_edge = spec.bytes_per_edge
    if scenario.network.kind in NETWORKX_KINDS:
        per_edge += NETWORKX_PER_EDGE
    per_person = spec.bytes_per_person + per_edge * expected_directed_edges(scenario)
    return int(BASE_BYTES + n * per_person)


def available_bytes() -> int | None:
    """Memory available to a new run (MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_work(scenario: Scenario, engine: str) -> float:
    """Raise ScenarioError if people x steps exceed what ``engine`` declares it gets
    through in about an hour (``max_person_steps``); return the person-steps."""
    people, steps = scenario.population.size, scenario.n_steps
    work = float(people) * steps
    limit = engine_spec(engine).max_person_steps
    if work > limit:
        raise ScenarioError(
            scenario.describe_source("population.size"), "population.size",
            f"{people:,} people x {steps:,} steps = {work:.3g} person-steps; the {engine} engine "
            f"allows at most {limit:.3g} (about an hour of work): at most "
            f"{int(limit // steps):,} people at this step length")
    return work


def check_fits(scenario: Scenario, engine: str, available: int | None = None) -> int:
    """Raise ScenarioError if the run would not fit in memory or exceeds the
    work limit (:func:`check_work`); return the memory estimate in bytes."""
    check_work(scenario, engine)
    need = estimate_bytes(scenario, engine)
    have = available if available is not None else available_bytes()
    if have is None or need <= have:
        return need
    per_person = (estimate_bytes(scenario, engine, 1_000_000) - BASE_BYTES) / 1_000_000
    fits = max(0, int((have - BASE_BYTES) / per_person))
    raise ScenarioError(
        scenario.describe_source("population.size"), "population.size",
        f"{scenario.data['population']['size']:,} people on the {engine} engine need about "
        f"{need / 2**30:.1f} GiB but {have / 2**30:.1f} GiB is available; "
        f"at most about {fits:,} people fit")
