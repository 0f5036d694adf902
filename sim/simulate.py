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
        Channel events for charts (see :func:`channel_events`).
    """

    scenario: Scenario
    seed: int | None
    engine: str
    timeseries: pd.DataFrame
    summary: dict
    events: list[dict] = field(default_factory=list)


def channel_events(world: World) -> list[dict]:
    """The run's channel events, structured for charts and reports.

    One dict per press release, tweet and company campaign, sorted by start:

    - ``channel``: ``"media"``, ``"twitter"`` or ``"direct"``;
    - ``medium``: ``"press_release"``, ``"tweet"``, ``"sms"`` or ``"email"``;
    - ``start``: hours since the scenario start;
    - ``end``: hours since the scenario start; a post's ``end`` is its
      ``start``; a campaign's is when its last message is sent (it may fall
      after the run's end), ``None`` if it never finishes;
    - ``label``: words for display only (never parsed back).
    """
    ch = world.scenario.data["channels"]
    events = [{"channel": "media", "medium": "press_release", "start": float(r["at_hour"]),
               "end": float(r["at_hour"]), "label": "press release"}
              for r in ch["media"]["releases"]]
    events += [{"channel": "twitter", "medium": "tweet", "start": float(p["at_hour"]),
                "end": float(p["at_hour"]), "label": "tweet"}
               for p in ch["twitter"]["posts"]]
    for c in world.campaigns:
        end = float(c.end_hour) if np.isfinite(c.end_hour) else None
        events.append({"channel": "direct", "medium": c.medium, "start": float(c.start_hour),
                       "end": end, "label": f"{'SMS' if c.medium == 'sms' else 'e-mail'} campaign"})
    return sorted(events, key=lambda e: e["start"])


def _run_engine(scenario: Scenario, seed: int | None, engine: str,
                on_step) -> tuple[World, pd.DataFrame]:
    if engine == "agents":
        from .model import BreachNewsModel

        model = BreachNewsModel(scenario, seed=seed)
        model.run(on_step)
        world, frame = model.world, model.datacollector.get_model_vars_dataframe()
        model.release()
        return world, frame
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
