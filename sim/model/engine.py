"""The one interface every engine implements, and the registry of engines.

An engine is a class constructed from ``(world, rules, rng)``: the run's
inputs (:class:`sim.model.world.World`), its rule constants (:class:`sim.model.rules.Rules`)
and its random generator, from which every draw of the run comes after the
world was built. Construction sets up the state at the start (seeds planted,
row 0 recorded); :meth:`Engine.run` runs every step and returns the time
series as columns: a dict of the :data:`sim.model.measures.RAW_COLUMNS` names to
arrays with one entry per time-series row (``steps + 1``). The engine is
spent after ``run``.

Each engine declares itself in a module of :mod:`sim.model.engines` (an
:class:`EngineSpec`: its class, costs, the packages it needs, its words);
:data:`REGISTRY` holds every declaration found there, and
:func:`sim.model.simulate.simulate` runs an engine by name. A new engine is one
new file in that folder.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any, Callable, Protocol

import numpy as np

from ..config.arguments import check_choice
from .engine_spec import EngineSpec

from .rules import Rules
from ..config.scenario import Scenario
from .world import World, build_world

__all__ = ["Engine", "EngineSpec", "REGISTRY", "ENGINES", "DEFAULT_ENGINE", "engine_spec", "engine_class",
           "check_engine", "prepare"]


class Engine(Protocol):
    """What :func:`sim.model.simulate.simulate` needs from an engine."""

    def __init__(self, world: World, rules: Rules, rng: np.random.Generator) -> None: ...

    def run(self, on_step: Callable[[], None] | None = None) -> dict[str, np.ndarray]:
        """Run every step (calling ``on_step()`` after each); the time-series columns."""


def _discover() -> dict[str, EngineSpec]:
    """Every ``ENGINE`` declared by a module of :mod:`sim.model.engines`, the default first."""
    from . import engines

    found: dict[str, EngineSpec] = {}
    for module in sorted(m.name for m in pkgutil.iter_modules(engines.__path__)):
        spec = getattr(importlib.import_module(f"{engines.__name__}.{module}"), "ENGINE", None)
        if not isinstance(spec, EngineSpec):
            raise TypeError(f"sim/model/engines/{module}.py: ENGINE must be an EngineSpec")
        if spec.name in found:
            raise TypeError(f"sim/model/engines/{module}.py: engine {spec.name!r} declared twice")
        found[spec.name] = spec
    defaults = [s.name for s in found.values() if s.default]
    if len(defaults) != 1:
        raise TypeError(f"sim/model/engines: exactly one engine must be the default (got {defaults})")
    return dict(sorted(found.items(), key=lambda item: (not item[1].default, item[0])))


#: Engine name -> its declaration, the default first.
REGISTRY: dict[str, EngineSpec] = _discover()
#: Engine names, the default first.
ENGINES = tuple(REGISTRY)
#: The engine a run uses when none is named.
DEFAULT_ENGINE = ENGINES[0]


def engine_spec(name: str) -> EngineSpec:
    """The declaration of engine ``name`` (KeyError if none is)."""
    return REGISTRY[name]


def engine_class(name: str) -> type[Engine]:
    """The engine class registered under ``name`` (KeyError if none is)."""
    module, _, cls = REGISTRY[name].target.partition(":")
    return getattr(importlib.import_module(module), cls)


def prepare(scenario: Scenario, seed: int) -> tuple[World, Rules, np.random.Generator]:
    """The run's generator (seeded by ``seed``), the world drawn from it, and the rules."""
    rng = np.random.default_rng(seed)
    world = build_world(scenario, rng)
    return world, Rules.from_scenario(world.scenario), rng


def check_engine(where: str, value: Any) -> str:
    """An engine name of :data:`ENGINES`."""
    return check_choice(where, "engine", value, tuple(ENGINES))
