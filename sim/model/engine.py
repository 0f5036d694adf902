"""The one interface every engine implements, and the registry of engines.

An engine is a class constructed from ``(world, rules, rng)``: the run's
inputs (:class:`sim.model.world.World`), its rule constants (:class:`sim.model.rules.Rules`)
and its random generator, from which every draw of the run comes after the
world was built. Construction sets up the state at the start (seeds planted,
row 0 recorded); :meth:`Engine.run` runs every step and returns the time
series as columns: a dict of the :data:`sim.model.measures.RAW_COLUMNS` names to
arrays with one entry per time-series row (``steps + 1``). The engine is
spent after ``run``.

A new engine is a new module with such a class plus one line in
:data:`REGISTRY`; :func:`sim.model.simulate.simulate` then runs it by name.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable, Protocol

import numpy as np

from ..config.arguments import check_choice

from .rules import Rules
from ..config.scenario import Scenario
from .world import World, build_world

__all__ = ["Engine", "REGISTRY", "ENGINES", "engine_class", "check_engine", "prepare"]


class Engine(Protocol):
    """What :func:`sim.model.simulate.simulate` needs from an engine."""

    def __init__(self, world: World, rules: Rules, rng: np.random.Generator) -> None: ...

    def run(self, on_step: Callable[[], None] | None = None) -> dict[str, np.ndarray]:
        """Run every step (calling ``on_step()`` after each); the time-series columns."""


#: Engine name -> "module:Class" (imported when first used, so that Mesa or
#: numba are loaded only by the runs that need them).
REGISTRY = {
    "fast": "sim.model.fast:FastEngine",
    "agents": "sim.model.agent_model:BreachNewsModel",
}
#: Engine names, the default first.
ENGINES = tuple(REGISTRY)


def engine_class(name: str) -> type[Engine]:
    """The engine class registered under ``name`` (KeyError if none is)."""
    module, _, cls = REGISTRY[name].partition(":")
    return getattr(importlib.import_module(module), cls)


def prepare(scenario: Scenario, seed: int) -> tuple[World, Rules, np.random.Generator]:
    """The run's generator (seeded by ``seed``), the world drawn from it, and the rules."""
    rng = np.random.default_rng(seed)
    world = build_world(scenario, rng)
    return world, Rules.from_scenario(world.scenario), rng


def check_engine(where: str, value: Any) -> str:
    """An engine name of :data:`ENGINES`."""
    return check_choice(where, "engine", value, tuple(ENGINES))
