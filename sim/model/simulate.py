"""Running one scenario: ``simulate(scenario, seed)`` and its result."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config.arguments import MAX_RUN_SEED, check_flag, check_seed
from .engine import DEFAULT_ENGINE, ENGINES, check_engine, engine_class, prepare
from ..errors import ScenarioError
from .consequences import consequence_columns, queue_modelled
from .measures import add_clock, consequence_summary, summarise, table
from .memory import check_fits
from .step_length import StepLengthWarning, step_length_advice
from ..config.scenario import Scenario
from ..config.schema import COHORTS
from ..config.vocabulary import medium_words
from .world import World

__all__ = ["ENGINES", "SimulationResult", "simulate", "channel_events"]


@dataclass
class SimulationResult:
    """What one run produced.

    Attributes
    ----------
    timeseries : DataFrame
        One row per step (see :data:`sim.model.measures.COLUMNS`), counts in agents.
    summary : dict
        Per-run measures (see :func:`sim.model.measures.summarise`).
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

    One dict per press release, tweet, company campaign and scam wave, sorted by start:

    - ``channel``: ``"media"``, ``"twitter"``, ``"direct"`` or ``"scam"`` (impostor messages);
    - ``medium``: ``"press_release"``, ``"tweet"`` or a campaign's declared
      medium (``"sms"``, ``"email"``, ...);
    - ``start``: hours since the scenario start;
    - ``end``: hours since the scenario start; a post's ``end`` is its
      ``start``; a campaign's is when its last message is sent (it may fall
      after the run's end), ``None`` if it never finishes;
    - ``targets``, ``priority`` (campaigns only): the campaign's target names and
      sending priority, as in the scenario;
    - ``medium_label`` (campaigns only): the medium in words (its declared label);
    - ``label``: words for display only (never parsed back).
    """
    ch = world.scenario.channels
    events = [{"channel": "media", "medium": "press_release", "start": float(r["at_hour"]),
               "end": float(r["at_hour"]), "label": "press release"}
              for r in ch["media"]["releases"]]
    events += [{"channel": "twitter", "medium": "tweet", "start": float(p["at_hour"]),
                "end": float(p["at_hour"]), "label": "tweet"}
               for p in ch["twitter"]["posts"]]
    media = ch.direct.media
    for c in world.campaigns:
        end = float(c.end_hour) if np.isfinite(c.end_hour) else None
        words = medium_words(c.medium, media)
        events.append({"channel": "direct", "medium": c.medium, "start": float(c.start_hour),
                       "end": end, "targets": list(c.targets), "priority": list(c.priority),
                       "medium_label": words, "label": f"{words} campaign"})
    waves = world.scenario.data["channels"]["scam"]["waves"]
    for w in world.scams:
        words = medium_words(w.medium, media)
        events.append({"channel": "scam", "medium": w.medium, "start": float(w.start_hour),
                       "end": float(w.end_hour) if np.isfinite(w.end_hour) else None,
                       "targets": list(w.targets), "medium_label": words,
                       "label": waves[w.index]["label"] or f"impostor {words} messages"})
    return sorted(events, key=lambda e: e["start"])


def _check_arguments(scenario, seed, engine, progress) -> None:
    """Refuse bad arguments with a ScenarioError (one line, naming the argument)."""
    if not isinstance(scenario, Scenario):
        raise ScenarioError("simulate", "scenario",
                            f"got {type(scenario).__name__}; allowed: a Scenario from sim.load_scenario")
    check_engine("simulate", engine)
    check_seed("simulate", seed, largest=MAX_RUN_SEED)
    check_flag("simulate", "progress", progress)


def simulate(scenario: Scenario, seed: int = 1, engine: str = DEFAULT_ENGINE,
             progress: bool = False) -> SimulationResult:
    """Run ``scenario`` once with ``seed`` on ``engine`` (a name in :data:`ENGINES`).

    Every engine runs the same model from the same population, network and
    channels (docs/MODEL.md); the result depends only on the resolved
    scenario, the seed (a whole number from 0 to 2**64 - 1) and the engine. ``progress``
    shows a bar of steps done and time left (stderr). Bad arguments raise
    :class:`sim.ScenarioError`; a step long against the run's fastest process
    gives a one-line :class:`sim.model.step_length.StepLengthWarning`.
    """
    _check_arguments(scenario, seed, engine, progress)
    check_fits(scenario, engine)
    world, rules, rng = prepare(scenario, int(seed))
    advice = step_length_advice(world, rules)
    if advice:
        warnings.warn(advice, StepLengthWarning, stacklevel=2)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=rules.steps, unit="step", desc="steps", dynamic_ncols=True)
    try:
        raw = engine_class(engine)(world, rules, rng).run(bar.update if bar else None)
    finally:
        if bar:
            bar.close()
    columns = add_clock(raw, world.scenario.start, world.scenario.step_hours)
    columns.update(consequence_columns(columns, world.scenario, world.people_per_agent))
    population = world.population
    cohorts = np.bincount(population.cohort, minlength=len(COHORTS))
    affected = np.bincount(population.cohort[population.affected], minlength=len(COHORTS))
    segments = {name: int(population.in_segment[s].sum()) for s, name in enumerate(population.segments)}
    current = int(np.count_nonzero(population.customer == 1))
    consequences = consequence_summary(columns, current, world.people_per_agent, world.scenario.step_hours,
                                       queue_modelled(world.scenario), bool(world.scams))
    summary = summarise(columns, world.size, int(population.affected.sum()), world.people_per_agent,
                        dict(zip(COHORTS, cohorts.tolist())), dict(zip(COHORTS, affected.tolist())), segments,
                        consequences)
    return SimulationResult(world.scenario, seed, engine, table(columns), summary,
                            channel_events(world))
