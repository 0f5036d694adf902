"""Erlang A (M/M/n+M) figures of sim.model.call_centre, checked against independent computations."""

import math
import time

import numpy as np
import pytest

from sim.model.call_centre import CallCentre, QueueFigures, erlang_a


def generator_figures(lam, n, handle, patience, states):
    """The four figures from pi Q = 0 on the generator truncated at `states` states (numpy.linalg)."""
    mu, theta = 60.0 / handle, 60.0 / patience
    k = np.arange(states)
    q = np.zeros((states, states))
    q[k[:-1], k[:-1] + 1] = lam                                        # an arrival
    q[k[1:], k[1:] - 1] = np.minimum(k[1:], n) * mu + np.maximum(k[1:] - n, 0) * theta  # answer or hang-up
    q[k, k] = -q.sum(axis=1)
    a = q.T.copy()
    a[-1] = 1.0                                                         # sum pi = 1 replaces one balance equation
    b = np.zeros(states)
    b[-1] = 1.0
    pi = np.linalg.solve(a, b)
    queue = np.dot(np.maximum(k - n, 0), pi)
    busy = np.dot(np.minimum(k, n), pi) / n if n else 0.0              # mean busy agents / n, not the flow identity
    return pi[k >= n].sum(), 60.0 * queue / lam, theta * queue / lam, busy


def erlang_c(lam, n, handle):
    """Erlang C: probability of waiting and mean wait in minutes (M/M/n, no abandonment)."""
    a = lam * handle / 60.0
    top = a ** n / math.factorial(n) * n / (n - a)
    wait = top / (sum(a ** j / math.factorial(j) for j in range(n)) + top)
    return wait, 60.0 * wait / (n * 60.0 / handle - lam)


@pytest.mark.parametrize("lam, n, handle, patience, states", [
    (30.0, 3, 4.0, 2.0, 200),       # the brief's small case
    (200.0, 2, 4.0, 2.0, 300),      # overloaded: 200 calls an hour, 30 answered
    (3000.0, 100, 2.0, 1.0, 600),   # the window starts well above state 0
    (12.0, 0, 4.0, 3.0, 200),       # no agents
    (0.5, 4, 10.0, 30.0, 100),      # nearly idle
])
def test_matches_generator(lam, n, handle, patience, states):
    got = erlang_a(lam, CallCentre(n, handle, patience))
    want = generator_figures(lam, n, handle, patience, states)
    for name, g, w in zip(QueueFigures._fields, got, want):
        assert g == pytest.approx(w, rel=1e-9, abs=1e-12), name


@pytest.mark.parametrize("lam, n, handle", [(30.0, 3, 4.0), (450.0, 50, 6.0), (6.0, 1, 5.0)])
def test_long_patience_is_erlang_c(lam, n, handle):
    got = erlang_a(lam, CallCentre(n, handle, 1e6))
    wait, mean_wait = erlang_c(lam, n, handle)
    assert got.wait_share == pytest.approx(wait, rel=1e-4)
    assert got.mean_wait_minutes == pytest.approx(mean_wait, rel=1e-4)
    assert got.abandon_share < 1e-4
    assert got.busy_share == pytest.approx(lam * handle / 60.0 / n, rel=1e-4)


def test_erlang_c_gap_shrinks_with_patience():
    """Long queues (a 15-minute mean wait) converge more slowly, but like 1 / patience."""
    mean_wait = erlang_c(9.0, 1, 5.0)[1]
    gaps = [abs(float(erlang_a(9.0, CallCentre(1, 5.0, p)).mean_wait_minutes) - mean_wait) / mean_wait
            for p in (1e6, 1e7, 1e8)]
    assert gaps[2] < 1e-5
    assert gaps[1] == pytest.approx(gaps[0] / 10, rel=0.05)
    assert gaps[2] == pytest.approx(gaps[1] / 10, rel=0.05)


@pytest.mark.parametrize("n, handle, patience", [(50, 6.0, 2.0), (400, 4.0, 10.0), (20000, 6.0, 0.5)])
def test_heavy_overload_is_near_the_fluid_limit(n, handle, patience):
    capacity = n * 60.0 / handle
    lam = 10.0 * capacity
    got = erlang_a(lam, CallCentre(n, handle, patience))
    fluid = 1.0 - capacity / lam
    assert got.abandon_share == pytest.approx(fluid, rel=0.02)
    assert got.mean_wait_minutes == pytest.approx(patience * got.abandon_share, rel=1e-9)  # W = abandon / theta
    assert got.mean_wait_minutes == pytest.approx(patience * fluid, rel=0.02)
    assert got.busy_share == pytest.approx(1.0, abs=0.01)
    assert got.wait_share == pytest.approx(1.0, abs=0.01)


def test_large_inputs_are_finite():
    rates = np.linspace(0.0, 5e6, 336)
    start = time.perf_counter()
    got = erlang_a(rates, CallCentre(20000, 6.0, 0.5))
    print(f"336 rates up to 5e6/h, 20000 agents: {time.perf_counter() - start:.3f} s")
    for name, values in zip(QueueFigures._fields, got):
        assert values.shape == rates.shape, name
        assert np.all(np.isfinite(values)), name
    big = erlang_a(1e7, CallCentre(100000, 10.0, 60.0))
    assert all(np.isfinite(v) for v in big)
    assert 0.0 <= big.abandon_share <= 1.0


def test_more_agents_never_hurt():
    rates = np.array([1.0, 10.0, 30.0, 60.0, 120.0, 400.0])
    for handle, patience in [(4.0, 2.0), (6.0, 10.0), (3.0, 0.1), (10.0, 60.0)]:
        figures = [erlang_a(rates, CallCentre(n, handle, patience)) for n in range(0, 31)]
        for field in ("wait_share", "mean_wait_minutes", "abandon_share"):
            values = np.array([getattr(f, field) for f in figures])      # agents x rates
            assert np.all(np.diff(values, axis=0) <= 1e-12), (handle, patience, field)
        for f in figures:
            for share in (f.wait_share, f.abandon_share, f.busy_share):
                assert np.all((share >= 0.0) & (share <= 1.0))


def test_edges():
    zero = erlang_a(0.0, CallCentre(3, 4.0, 2.0))
    assert all(float(v) == 0.0 for v in zero)
    nobody = erlang_a([5.0, 500.0], CallCentre(0, 4.0, 2.5))
    np.testing.assert_allclose(nobody.abandon_share, 1.0, rtol=1e-12)
    np.testing.assert_allclose(nobody.wait_share, 1.0, rtol=1e-12)
    np.testing.assert_allclose(nobody.mean_wait_minutes, 2.5, rtol=1e-12)
    np.testing.assert_array_equal(nobody.busy_share, 0.0)
    grid = erlang_a(np.array([[0.0, 10.0], [20.0, 30.0]]), CallCentre(3, 4.0, 2.0))
    assert grid.wait_share.shape == (2, 2)
    assert grid.mean_wait_minutes[1, 1] == pytest.approx(float(erlang_a(30.0, CallCentre(3, 4.0, 2.0)).mean_wait_minutes))


def test_equifax_uk_load():
    """2,145 calls a day (~89 an hour round the clock) on the staff that kept 210 a day to ~20 s waits.

    Handle 6 minutes, patience 5 minutes (an assumption: long enough for a wait of minutes to be possible).
    """
    handle, patience = 6.0, 5.0
    usual, breach = 210 / 24, 2145 / 24
    agents = next(n for n in range(1, 100)
                  if erlang_a(usual, CallCentre(n, handle, patience)).mean_wait_minutes <= 20 / 60)
    before = erlang_a(usual, CallCentre(agents, handle, patience))
    after = erlang_a(breach, CallCentre(agents, handle, patience))
    assert before.mean_wait_minutes <= 20 / 60
    assert after.mean_wait_minutes > 2.0
    assert after.abandon_share > 0.5 > before.abandon_share


@pytest.mark.parametrize("make", [
    lambda: erlang_a(-1.0, CallCentre(3, 4.0, 2.0)),
    lambda: erlang_a([10.0, -0.1], CallCentre(3, 4.0, 2.0)),
    lambda: erlang_a(float("nan"), CallCentre(3, 4.0, 2.0)),
    lambda: CallCentre(-1, 4.0, 2.0),
    lambda: CallCentre(2.5, 4.0, 2.0),
    lambda: CallCentre(3, 0.0, 2.0),
    lambda: CallCentre(3, -4.0, 2.0),
    lambda: CallCentre(3, 4.0, 0.0),
    lambda: CallCentre(3, 4.0, -2.0),
])
def test_bad_inputs(make):
    with pytest.raises(ValueError):
        make()
