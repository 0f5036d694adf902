"""The world's keyed draws (sim/model/keyed.py): the compiled and numpy paths agree
value for value, a world does not depend on the number of threads, and the
distributions are the ones named (tolerances from standard errors)."""

from __future__ import annotations

import math
import os
from contextlib import contextmanager

import numpy as np
import pytest

from helpers import OPTUS
from sim import load_scenario
from sim.model import keyed
from sim.model.keyed import Keys
from sim.model.world import build_world


@contextmanager
def env(**values):
    before = {k: os.environ.get(k) for k in values}
    os.environ.update({k: str(v) for k, v in values.items()})
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def both_paths(draw):
    """``draw()`` on the compiled path and on the numpy path."""
    with env(BREACHSIM_KERNEL="numba"):
        compiled = draw()
    with env(BREACHSIM_KERNEL="numpy"):
        plain = draw()
    return compiled, plain


KEYS = Keys(np.random.SeedSequence(2024))
DRAWS = {
    "uniforms": lambda: keyed.uniforms(KEYS["u"], 5000, offset=123),
    "bernoulli": lambda: keyed.bernoulli(KEYS["b"], np.linspace(0.0, 1.0, 5000)),
    "bernoulli_scalar": lambda: keyed.bernoulli(KEYS["b"], 0.37, 5000),
    "poisson_small": lambda: keyed.poisson(KEYS["p"], 1.5, 5000),
    "poisson_offset": lambda: keyed.poisson(KEYS["p"], 1.5, 700, offset=4300),
    "poisson_chunked": lambda: keyed.poisson(KEYS["p"], 900.0, 500),
    "beta": lambda: keyed.beta(KEYS["a"], KEYS["b"], np.r_[np.full(3000, 0.42), [0.0, 1.0, 5e-324, 1 - 1e-16]], 10.0),
    "beta_below_one": lambda: keyed.beta(KEYS["a"], KEYS["b"], np.full(3000, 0.1), 0.5),
    "beta_huge_concentration": lambda: keyed.beta(KEYS["a"], KEYS["b"], np.full(500, 0.5), 1e9),
    "permutation": lambda: keyed.permutation(KEYS["s"], 9000),
    "permutation_tiny": lambda: keyed.permutation(KEYS["s"], 3),
    "permutation_empty": lambda: keyed.permutation(KEYS["s"], 0),
    "shuffled_int32": lambda: keyed.shuffled(KEYS["s"], np.arange(5000, dtype=np.int32) * 3),
}


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_the_compiled_and_numpy_paths_draw_the_same_values(name):
    compiled, plain = both_paths(DRAWS[name])
    assert compiled.dtype == plain.dtype and np.array_equal(compiled, plain)


def test_a_draw_is_a_function_of_its_key_and_index_alone():
    whole = keyed.uniforms(KEYS["u"], 1000)
    assert np.array_equal(keyed.uniforms(KEYS["u"], 400, offset=600), whole[600:])
    assert not np.array_equal(keyed.uniforms(KEYS["v"], 1000), whole)
    again = Keys(np.random.SeedSequence(2024))
    assert again["u"] == KEYS["u"] and again["u"] != Keys(np.random.SeedSequence(2025))["u"]


def _world_arrays(scenario, seed):
    world = build_world(scenario, np.random.default_rng(seed))
    pop = world.population
    arrays = {"cohort": pop.cohort, "customer": pop.customer, "news": pop.follows_news,
              "twitter": pop.uses_twitter, "reachable": pop.reachable, "trust": pop.trust,
              "seeds": world.seeds, "segments": pop.in_segment}
    for layer in world.network.layers:
        arrays[f"{layer.name}_indptr"], arrays[f"{layer.name}_indices"] = layer.indptr, layer.indices
    for c in world.campaigns + world.scams:
        arrays[f"campaign_{c.index}_{c.impostor}"] = c.order
    return arrays


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


SMALL = {"population.size": 3000, "seeds.count": 5}


def test_a_world_is_the_same_on_both_paths():
    scenario = load_scenario(OPTUS, SMALL)
    compiled, plain = both_paths(lambda: _world_arrays(scenario, 7))
    assert _same(compiled, plain)
    assert not _same(compiled, _world_arrays(scenario, 8))


def test_a_world_is_the_same_on_any_number_of_threads(monkeypatch):
    monkeypatch.setattr(keyed, "THREADED_FROM", 256)        # split even a small world's draws
    scenario = load_scenario(OPTUS, SMALL)
    worlds = []
    for n in (1, 2, 3):
        with env(BREACHSIM_THREADS=n):
            worlds.append(_world_arrays(scenario, 11))
    assert _same(worlds[0], worlds[1]) and _same(worlds[0], worlds[2])


def test_draws_split_over_threads_equal_one_thread(monkeypatch):
    monkeypatch.setattr(keyed, "THREADED_FROM", 64)
    with env(BREACHSIM_THREADS=1):
        single = {name: draw() for name, draw in DRAWS.items()}
    with env(BREACHSIM_THREADS=3):
        split = {name: draw() for name, draw in DRAWS.items()}
    assert _same(single, split)


# ---- the distributions --------------------------------------------------------------------
N = 200_000


@pytest.mark.parametrize("mean", [0.7, 8.0, 40.0])
def test_poisson_draws_have_the_poisson_mean_and_variance(mean):
    x = keyed.poisson(KEYS["pm"], mean, N).astype(float)
    se_mean = math.sqrt(mean / N)
    se_var = math.sqrt((mean + 2 * mean**2) / N)           # var of (X - mu)^2 for a Poisson
    assert abs(x.mean() - mean) < 4 * se_mean
    assert abs(x.var() - mean) < 4 * se_var


@pytest.mark.parametrize("mean,concentration", [(0.3, 10.0), (0.05, 0.5), (0.8, 3.0)])
def test_beta_draws_have_the_beta_mean_and_variance(mean, concentration):
    x = keyed.beta(KEYS["ba"], KEYS["bb"], np.full(N, mean), concentration)
    var = mean * (1 - mean) / (concentration + 1)
    assert abs(x.mean() - mean) < 4 * math.sqrt(var / N)
    # the variance's standard error from the sample's fourth central moment
    se_var = math.sqrt((np.mean((x - x.mean()) ** 4) - x.var() ** 2) / N)
    assert abs(x.var() - var) < 4 * se_var
    assert x.min() >= 0.0 and x.max() <= 1.0


def test_shuffles_put_an_element_anywhere_with_equal_chance():
    """Where element 0 of 100 lands, over 5,000 keys: a chi-square test of 10 equal bins
    (9 degrees of freedom; 27.9 is its 99.9% point)."""
    positions = np.array([np.flatnonzero(keyed.permutation(np.uint64(7919 * s + 1), 100) == 0)[0]
                          for s in range(5000)])
    counts = np.bincount(positions // 10, minlength=10)
    chi2 = ((counts - 500) ** 2 / 500).sum()
    assert chi2 < 27.9
    pairs = np.array([keyed.permutation(np.uint64(104729 * s + 5), 3) for s in range(6000)])
    orders = np.unique(pairs, axis=0, return_counts=True)[1]
    assert len(orders) == 6 and ((orders - 1000) ** 2 / 1000).sum() < 20.5   # 5 d.o.f., 99.9%
