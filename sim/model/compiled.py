"""The compiled code's first use: loaded from numba's cache, or compiled, before
the runs need it, on two cores at once.

numba compiles a function the first time a process calls it and caches the
machine code in ``__pycache__``, so only the first process on a machine pays
(tens of seconds on 2 cores, most of it the event kernel). A run needs two
independent bodies of compiled code: the world's keyed draws and network rows
(:mod:`sim.model.keyed_numba`, :mod:`sim.model.network_numba`) and the event
kernel (:mod:`sim.model.fast_numba`). :func:`warm_pool` has two worker
processes of a pool build one each, side by side, before any run starts; the
other workers then load both from the cache. With a warm cache each task only
loads what its worker would load for its first run anyway.
"""

from __future__ import annotations

import os
import warnings
from concurrent.futures import Executor, wait

from .kernels import default_kernel

__all__ = ["warm_world", "warm_kernel", "warm_pool"]


def _tiny():
    from importlib import resources

    from ..config.scenario import load_scenario

    with resources.as_file(resources.files("sim") / "defaults.toml") as defaults:
        return load_scenario(defaults, {"population.size": 60, "scenario.hours": 2, "seeds.count": 2})


def warm_world() -> None:
    """Load or compile the world's compiled draws and rows (a tiny world)."""
    import numpy as np

    from .world import build_world

    from . import keyed

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        build_world(_tiny(), np.random.default_rng(0))
    keyed.uniforms(np.uint64(1), 4)         # what a scenario with segments draws as well


def warm_kernel() -> None:
    """Load or compile the event kernel: a tiny run whose world is drawn on the
    numpy path (identical, and it leaves the world's compiled code to :func:`warm_world`)."""
    from .engine import prepare
    from .fast import FastEngine

    before = os.environ.get("BREACHSIM_KERNEL")
    os.environ["BREACHSIM_KERNEL"] = "numpy"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            world, rules, rng = prepare(_tiny(), 0)
    finally:
        if before is None:
            del os.environ["BREACHSIM_KERNEL"]
        else:
            os.environ["BREACHSIM_KERNEL"] = before
    FastEngine(world, rules, rng, kernel="numba").run()


def warm_pool(pool: Executor) -> None:
    """Have the pool's workers load or compile both bodies of compiled code, one
    task each, and wait for both. Nothing to do on the numpy path. A failure here
    is left for the runs to meet and report."""
    if default_kernel() != "numba":
        return
    wait([pool.submit(warm_world), pool.submit(warm_kernel)])
