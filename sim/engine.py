"""The one interface every engine implements, and the registry of engines.

An engine is a class constructed from ``(world, rules, rng)``: the run's
inputs (:class:`sim.world.World`), its rule constants (:class:`sim.rules.Rules`)
and its random generator, from which every draw of the run comes after the
world was built. Construction sets up the state at the start (seeds planted,
row 0 recorded); :meth:`Engine.run` runs every step and returns the time
series as columns: a dict of the :data:`sim.measures.RAW_COLUMNS` names to
arrays with one entry per time-series row (``steps + 1``). The engine is
spent after ``run``.

A new engine is a new module with such a class plus one line in
:data:`REGISTRY`; :func:`sim.simulate.simulate` then runs it by name.
"""

from __future__ import annotations

import importlib
from typing import Callable, Protocol

import numpy as np

from .rules import Rules
from .scenario import Scenario
from .world import World, build_world

__all__ = ["Engine", "REGISTRY", "ENGINES", "engine_class", "prepare"]


class Engine(Protocol):
    """What :func:`sim.simulate.simulate` needs from an engine."""

    def __init__(self, world: World, rules: Rules, rng: np.random.Generator) -> None: ...

    def run(self, on_step: Callable[[], None] | None = None) -> dict[str, np.ndarray]:
        """Run every step (calling ``on_step()`` after each); the time-series columns."""


#: Engine name -> "module:Class" (imported when first used, so that Mesa or
#: numba are loaded only by the runs that need them).
REGISTRY = {
    "fast": "sim.fast:FastEngine",
    "agents": "sim.model:BreachNewsModel",
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
