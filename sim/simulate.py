"""Running one scenario: ``simulate(scenario, seed)`` and its result."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .measures import add_clock, summarise
from .memory import check_fits
from .scenario import Scenario
from .schema import COHORTS
from .world import World

ENGINES = ("fast", "agents")


@dataclass
class SimulationResult:
    """What one run produced.

    Attributes
    ----------
    timeseries : DataFrame
        One row per step (see :data:`sim.measures.COLUMNS`), counts in agents.
    summary : dict
        Per-run measures (see :func:`sim.measures.summarise`).
    events : list of dict
        Channel events for charts: ``{"hours", "label", "channel"}``.
    """

    scenario: Scenario
    seed: int | None
    engine: str
    timeseries: pd.DataFrame
    summary: dict
    events: list[dict] = field(default_factory=list)


def channel_events(world: World) -> list[dict]:
    """Press releases, tweets and campaign starts/ends, in hours from the start."""
    ch = world.scenario.data["channels"]
    events = [{"hours": r["at_hour"], "label": "press release", "channel": "media"}
              for r in ch["media"]["releases"]]
    events += [{"hours": p["at_hour"], "label": "tweet", "channel": "twitter"}
               for p in ch["twitter"]["posts"]]
    for c in world.campaigns:
        name = "SMS" if c.medium == "sms" else "e-mail"
        events.append({"hours": c.start_hour, "label": f"{name} campaign starts", "channel": "direct"})
        events.append({"hours": c.end_hour, "label": f"{name} campaign ends", "channel": "direct"})
    return sorted(events, key=lambda e: e["hours"])


def _run_engine(scenario: Scenario, seed: int | None, engine: str,
                on_step) -> tuple[World, pd.DataFrame]:
    if engine == "agents":
        from .model import BreachNewsModel

        model = BreachNewsModel(scenario, seed=seed)
        model.run(on_step)
        return model.world, model.datacollector.get_model_vars_dataframe()
    from .fast import FastModel

    fast = FastModel(scenario, seed=seed)
    fast.run(on_step)
    return fast.world, pd.DataFrame(fast.rows)


def simulate(scenario: Scenario, seed: int | None = 1, engine: str = "fast",
             progress: bool = False) -> SimulationResult:
    """Run ``scenario`` once with ``seed`` on ``engine`` ("fast" or "agents").

    Both engines run the same model from the same population, network and
    channels (docs/MODEL.md); same scenario, seed and engine give identical
    results. ``progress`` shows a bar of steps done and time left (stderr).
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; allowed: {', '.join(ENGINES)}")
    check_fits(scenario, engine)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=scenario.n_steps, unit="step", desc="steps", dynamic_ncols=True)
    try:
        world, raw = _run_engine(scenario, seed, engine, bar.update if bar else None)
    finally:
        if bar:
            bar.close()
    frame = add_clock(raw, world.scenario.start, world.scenario.step_hours)
    cohorts = np.bincount(world.population.cohort, minlength=len(COHORTS))
    summary = summarise(frame, world.size, int(world.population.affected.sum()),
                        world.people_per_agent, dict(zip(COHORTS, cohorts.tolist())))
    return SimulationResult(world.scenario, seed, engine, frame, summary, channel_events(world))
