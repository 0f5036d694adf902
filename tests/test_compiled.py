"""The compiled code is warmed in two halves (sim/model/compiled.py): the world's draws
in one worker and the event kernel in another, so a cold cache compiles on two cores."""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from sim.model import compiled, keyed_numba
from sim.model import fast_numba


def _forbid(monkeypatch, module, names):
    def refuse(*args, **kwargs):
        raise AssertionError("this half must not use that compiled code")

    for name in names:
        monkeypatch.setattr(module, name, refuse)


def test_the_kernel_half_draws_its_world_without_the_compiled_draws(monkeypatch):
    _forbid(monkeypatch, keyed_numba, ["fill_uniform", "fill_below", "fill_below_scalar", "fill_poisson",
                                       "fill_beta", "bucket_counts", "scatter", "shuffle_buckets"])
    ran = []
    monkeypatch.setattr(fast_numba, "_run", lambda *a, original=fast_numba._run: ran.append(1) or original(*a))
    before = os.environ.get("BREACHSIM_KERNEL")
    compiled.warm_kernel()
    assert ran and os.environ.get("BREACHSIM_KERNEL") == before


def test_the_world_half_runs_no_kernel(monkeypatch):
    _forbid(monkeypatch, fast_numba, ["_run"])
    calls = []
    monkeypatch.setattr(keyed_numba, "fill_beta",
                        lambda *a, original=keyed_numba.fill_beta: calls.append(1) or original(*a))
    compiled.warm_world()
    assert calls


class Recording(ThreadPoolExecutor):
    def __init__(self):
        super().__init__(2)
        self.tasks = []

    def submit(self, fn, *args, **kwargs) -> Future:
        self.tasks.append(fn)
        return super().submit(fn, *args, **kwargs)


@pytest.mark.parametrize("path,expected", [("numba", ["world", "kernel"]), ("numpy", [])])
def test_a_pool_gets_one_task_of_each_half_on_the_compiled_path(monkeypatch, path, expected):
    done = []
    monkeypatch.setenv("BREACHSIM_KERNEL", path)
    monkeypatch.setattr(compiled, "warm_world", lambda: done.append("world"))
    monkeypatch.setattr(compiled, "warm_kernel", lambda: done.append("kernel"))
    with Recording() as pool:
        compiled.warm_pool(pool)
        assert len(pool.tasks) == len(expected)
        assert sorted(done) == sorted(expected)         # both finished before warm_pool returned
