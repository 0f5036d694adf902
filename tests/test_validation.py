"""Validation: the model reduces to known analytic results (docs/MODEL.md, section 1).

1. Mean-field (Bass) limit, ``scenarios/validation/bass.toml``: everyone follows
   the news and trusts every source, a constant media hazard ``p``, well-mixed
   word of mouth with ``q = contacts_per_hour x well_mixed`` and endless
   spreading. At 60-minute steps the mean awareness curve follows the exact
   discrete recursion; at small steps it follows the continuous Bass curve.
2. Network SIR limit, ``scenarios/validation/sir_network.toml``: seeds only,
   trust 1, one-step spreading on a configuration-model network built here;
   the mean final share aware matches the edge-based final-size formula.

How the tolerances are set
--------------------------
Each check compares the mean over ``R`` runs (fixed seeds) with a reference at
one or more points. At each point the allowed gap is ``z x SE + allowance``:

- ``SE`` is the standard error of the mean across the runs (sample standard
  deviation / sqrt(R)), so the scale comes from the runs themselves;
- ``z`` is the two-sided Bonferroni critical value of Student's t with R - 1
  degrees of freedom (the SE is estimated from R runs) for the family of all
  points of the check, at a family-wise level ALPHA = 1%: a correct engine
  with any other seeds fails a check with probability about 1% at most. The
  rows of a curve are strongly positively correlated, so Bonferroni is
  conservative;
- ``allowance`` covers the known finite-size bias of the reference (explained
  in each test); it is small against ``z x SE``.

Every check is also shown to be decisive: a plausibly wrong model (half the
word of mouth; the continuous curve where the discrete one applies; a telling
probability read as an hourly hazard) misses the same tolerance by at least a
factor DECISIVE = 2 somewhere, so the test can fail.

``ENGINES`` lists the engines under test, from the registry: each engine once
per computing path it declares (the fast engine's compiled kernel and numpy,
chosen with ``BREACHSIM_KERNEL``); each test runs once per entry.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.config.scenario import load_scenario
from sim.model.engine import REGISTRY
from sim.model.simulate import simulate

#: Engines under test: the engine's name, and the path when it declares several.
ENGINES = sorted(f"{name}-{path}" if path else name
                 for name, spec in REGISTRY.items() for path in (spec.paths or ("",)))


@pytest.fixture
def engine(request, monkeypatch):
    """The engine name to simulate with; selects the fast engine's path."""
    name, _, path = request.param.partition("-")
    if path:
        monkeypatch.setenv("BREACHSIM_KERNEL", path)
    return name

VALIDATION = Path(__file__).resolve().parent.parent / "scenarios" / "validation"
BASS = VALIDATION / "bass.toml"
SIR = VALIDATION / "sir_network.toml"

#: Family-wise probability that a correct engine fails one check (any seeds).
ALPHA = 0.01
#: A wrong model must miss the tolerance by at least this factor somewhere.
DECISIVE = 2.0


def critical_value(points: int, runs: int, alpha: float = ALPHA) -> float:
    """Two-sided Bonferroni critical value of Student's t (``runs - 1`` df)
    for ``points`` simultaneous comparisons at family-wise level ``alpha``."""
    return float(stats.t.ppf(1.0 - alpha / (2.0 * points), runs - 1))


def mean_and_se(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard error over the first axis (the runs)."""
    return samples.mean(axis=0), samples.std(axis=0, ddof=1) / math.sqrt(len(samples))


# ---- mean-field (Bass) references -----------------------------------------------------

def bass_rates(scenario) -> tuple[float, float]:
    """(p, q) per hour of a Bass validation scenario."""
    p = scenario.get("channels.media.constant_hazard")
    q = scenario.get("network.contacts_per_hour") * scenario.get("word_of_mouth.well_mixed")
    return p, q


def bass_recursion(p: float, q: float, size: int, dt: float, steps: int) -> np.ndarray:
    """Exact discrete recursion of the expected aware share, rows 0..steps.

    During a step an unaware person is exposed by the media with probability
    1 - exp(-p dt); each of the S spreaders (everyone aware, counted at the
    start of the step) makes Poisson(contacts_per_hour dt) contacts with
    uniformly random others and tells each with probability well_mixed, so the
    person is told by nobody with probability exp(-q S/(N-1) dt).
    """
    share = np.zeros(steps + 1)
    for k in range(steps):
        spreaders = share[k] * size
        share[k + 1] = share[k] + (1.0 - share[k]) * -math.expm1(
            -(p + q * spreaders / (size - 1)) * dt)
    return share


def bass_curve(hours: np.ndarray, p: float, q: float) -> np.ndarray:
    """Continuous Bass curve F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})."""
    e = np.exp(-(p + q) * np.asarray(hours, dtype=float))
    return (1.0 - e) / (1.0 + (q / p) * e)


def chain_moments(p: float, q: float, size: int, dt: float,
                  steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of the aware share of one run, rows 0..steps.

    In these scenarios the aware count A of one run is exactly the Markov chain
    A' = A + Binomial(N - A, 1 - exp(-(p + q A/(N-1)) dt)) (a Poisson number
    of contacts split over the others gives independent Poisson tellings per
    person). The recursion is its mean-field map h; the chain's mean drifts
    from it by the Jensen term h''(A) Var(A) / 2, which is O(1/N). This is a
    second-order moment expansion: m' = h(m) + h''(m) v / 2,
    v' = h'(m)^2 v + w(m), with w the binomial variance. Checked against a
    400,000-replicate simulation of the chain (N = 1,000 and 2,000, 1-hour and
    6-minute steps): the mean's drift agrees to within 5% and the standard
    deviation to within 1%.
    """
    c = q * dt / (size - 1)
    mean, var = 0.0, 0.0
    means, sds = [0.0], [0.0]
    for _ in range(steps):
        g = -math.expm1(-(p * dt + c * mean))       # P(an unaware person hears)
        g1, g2 = c * (1.0 - g), -c * c * (1.0 - g)  # dg/dA, d2g/dA2
        h = mean + (size - mean) * g
        h1 = 1.0 - g + (size - mean) * g1
        h2 = -2.0 * g1 + (size - mean) * g2
        w = (size - mean) * g * (1.0 - g)
        mean, var = h + h2 * var / 2.0, h1 * h1 * var + w
        means.append(mean / size)
        sds.append(math.sqrt(var) / size)
    return np.array(means), np.array(sds)


def aware_curves(scenario, engine: str, runs: int, first_seed: int) -> np.ndarray:
    """Aware share by row, one row of the result per run (seeds first_seed...)."""
    size = scenario.get("population.size")
    dt = scenario.step_hours
    curves = []
    for seed in range(first_seed, first_seed + runs):
        frame = simulate(scenario, seed=seed, engine=engine).timeseries
        assert len(frame) == scenario.n_steps + 1
        np.testing.assert_allclose(frame["hours"], np.arange(len(frame)) * dt)
        curves.append(frame["aware"].to_numpy() / size)
    curves = np.array(curves)
    assert (curves[:, 0] == 0).all(), "nobody is aware at row 0 without seeds"
    return curves


# ---- (a) 60-minute steps: the exact discrete recursion ---------------------------------

HOURLY = {"scenario.step_minutes": 60, "population.size": 3000, "scenario.hours": 16}
HOURLY_RUNS = 24


@pytest.mark.parametrize("engine", ENGINES, indirect=True)
def test_bass_hourly_steps_follow_discrete_recursion(engine):
    """At 60-minute steps the mean aware share over R runs matches the exact
    discrete recursion at every row 1..16.

    Tolerance at row k: z x SE_k + 2 |drift_k|, where z is the Bonferroni t
    value for the 16 rows (about 4.0 with R = 24) and drift_k the finite-size
    (Jensen) drift of the chain's mean from the recursion (chain_moments; at
    most 0.0008 for N = 3,000 against z x SE of about 0.015-0.02 mid-curve);
    the factor 2 covers the truncation of the expansion (measured error < 5%).
    The horizon (16 h, about 96% aware) keeps every row's SE > 0.

    Decisive: the recursion with q halved, and the continuous Bass curve (which
    the model should not follow at 1-hour steps: gap up to 0.12), both miss.
    """
    scenario = load_scenario(BASS, HOURLY)
    p, q = bass_rates(scenario)
    size, dt, steps = scenario.get("population.size"), scenario.step_hours, scenario.n_steps
    curves = aware_curves(scenario, engine, HOURLY_RUNS, first_seed=1000)

    rows = np.arange(1, steps + 1)
    mean, se = mean_and_se(curves[:, rows])
    assert (se > 0).all()
    reference = bass_recursion(p, q, size, dt, steps)[rows]
    drift = chain_moments(p, q, size, dt, steps)[0][rows] - reference
    tolerance = critical_value(len(rows), HOURLY_RUNS) * se + 2.0 * np.abs(drift)
    gap = np.abs(mean - reference)
    assert (gap <= tolerance).all(), (
        f"rows off the recursion: {rows[gap > tolerance].tolist()}; "
        f"max gap/tolerance {np.max(gap / tolerance):.2f}")

    half_q = bass_recursion(p, q / 2.0, size, dt, steps)[rows]
    assert np.max(np.abs(mean - half_q) / tolerance) > DECISIVE
    continuous = bass_curve(rows * dt, p, q)
    assert np.max(np.abs(mean - continuous) / tolerance) > DECISIVE


# ---- (b) small steps: the continuous Bass curve -----------------------------------------

SMALL = {"scenario.step_minutes": 1.2, "population.size": 1000, "scenario.hours": 14}
SMALL_RUNS = 12
#: The discrete recursion at the small step must be this close to the Bass
#: curve, in standard errors of the R-run mean, for the check to test Bass.
SMALL_STEP_GAP_IN_SE = 0.25


def small_step_design():
    scenario = load_scenario(BASS, SMALL)
    p, q = bass_rates(scenario)
    size, dt, steps = scenario.get("population.size"), scenario.step_hours, scenario.n_steps
    per_hour = round(1.0 / dt)
    assert abs(per_hour * dt - 1.0) < 1e-9, "the step must divide the hour"
    rows = np.arange(per_hour, steps + 1, per_hour)       # whole hours 1..14
    return scenario, p, q, size, dt, steps, rows


def test_small_step_recursion_is_close_to_bass_curve():
    """Design check (deterministic, no runs): at the small step the exact
    recursion lies within SMALL_STEP_GAP_IN_SE standard errors of the Bass
    curve at every compared row, so comparing the runs with the Bass curve is
    in effect comparing them with the model's own expectation, up to a gap
    that is negligible against the noise. The SE here is the predicted one
    (chain_moments sd / sqrt(R)); at 60-minute steps the gap is 0.12, about 20
    SE, so the step length matters."""
    scenario, p, q, size, dt, steps, rows = small_step_design()
    reference = bass_curve(rows * dt, p, q)
    recursion = bass_recursion(p, q, size, dt, steps)[rows]
    se = chain_moments(p, q, size, dt, steps)[1][rows] / math.sqrt(SMALL_RUNS)
    assert np.max(np.abs(recursion - reference) / se) <= SMALL_STEP_GAP_IN_SE


@pytest.mark.parametrize("engine", ENGINES, indirect=True)
def test_bass_small_steps_follow_continuous_curve(engine):
    """At 1.2-minute steps the mean aware share over R runs matches the
    continuous Bass curve at every whole hour 1..14.

    The comparison is made on the hourly rows (a family of 14): the rows
    within an hour carry almost the same information, and Bonferroni over all
    700 rows would only widen the band (z from 4.6 to 7.4). Tolerance:
    z x SE + 2 |drift| as in the hourly test (drift at most 0.003 for
    N = 1,000, against z x SE of 0.04-0.07 mid-curve). The gap between the
    model's own recursion and the Bass curve is below 0.25 SE
    (test_small_step_recursion_is_close_to_bass_curve), so it is not allowed
    for separately.

    Decisive: the Bass curve with q halved misses.
    """
    scenario, p, q, size, dt, steps, rows = small_step_design()
    curves = aware_curves(scenario, engine, SMALL_RUNS, first_seed=2000)

    mean, se = mean_and_se(curves[:, rows])
    assert (se > 0).all()
    reference = bass_curve(rows * dt, p, q)
    drift = (chain_moments(p, q, size, dt, steps)[0]
             - bass_recursion(p, q, size, dt, steps))[rows]
    tolerance = critical_value(len(rows), SMALL_RUNS) * se + 2.0 * np.abs(drift)
    gap = np.abs(mean - reference)
    assert (gap <= tolerance).all(), (
        f"hours off the Bass curve: {(rows[gap > tolerance] * dt).tolist()}; "
        f"max gap/tolerance {np.max(gap / tolerance):.2f}")

    half_q = bass_curve(rows * dt, p, q / 2.0)
    assert np.max(np.abs(mean - half_q) / tolerance) > DECISIVE


# ---- (c) network SIR: the final size on a configuration-model network ------------------

SIR_PEOPLE = 5000
SIR_MEAN_DEGREE = 8.0
SIR_GRAPH_SEED = 20220922
SIR_RUNS = 30
SIR_TS = (0.25, 0.15)
#: Finite-size allowance for the final size (see test_network_sir_final_size).
SIR_FINITE_SIZE = 0.003


def configuration_model_edges(people: int, mean_degree: float, seed: int) -> np.ndarray:
    """Undirected edges (lo, hi) of a configuration-model graph: Poisson
    degrees, stubs paired at random, self-loops and duplicate edges dropped
    (one stub is dropped if their number is odd)."""
    rng = np.random.default_rng(seed)
    stubs = rng.permutation(np.repeat(np.arange(people), rng.poisson(mean_degree, people)))
    stubs = stubs[: len(stubs) - len(stubs) % 2]
    u, v = stubs[0::2], stubs[1::2]
    keep = u != v
    pairs = np.column_stack([np.minimum(u, v)[keep], np.maximum(u, v)[keep]])
    return np.unique(pairs, axis=0)


def edge_based_final_size(degrees: np.ndarray, t: float, rho: float,
                          weights: np.ndarray | None = None) -> float:
    """SIR final size on a configuration-model network (Miller/Newman).

    theta = 1 - T + T (1 - rho) psi'(theta) / psi'(1), attack = 1 - (1 - rho) psi(theta),
    psi the generating function of ``degrees`` (one per person, or distinct
    values with ``weights``). The map is increasing and convex, so iterating
    from 0 climbs to the smallest fixed point, the physical one (the only one
    in [0, 1) when rho > 0).
    """
    if weights is None:
        values, counts = np.unique(np.asarray(degrees), return_counts=True)
    else:
        values, counts = np.asarray(degrees), np.asarray(weights, dtype=float)
    pk = counts / counts.sum()
    mean_k = float((pk * values).sum())

    def psi_prime(x):
        return float((pk * values * x ** np.maximum(values - 1, 0)).sum())

    theta = 0.0
    for _ in range(100_000):
        new = 1.0 - t + t * (1.0 - rho) * psi_prime(theta) / mean_k
        if abs(new - theta) < 1e-15:
            break
        theta = new
    return 1.0 - (1.0 - rho) * float((pk * theta ** values).sum())


def test_final_size_formula_reproduces_known_value():
    """The formula code gives ECOSYSTEM.md's 0.797 for Poisson(8), T = 0.25,
    rho -> 0 (for Poisson degrees it is 1 - exp(-2 x attack))."""
    k = np.arange(80)
    attack = edge_based_final_size(k, 0.25, 0.0, weights=stats.poisson.pmf(k, SIR_MEAN_DEGREE))
    assert attack == pytest.approx(0.797, abs=5e-4)
    assert attack == pytest.approx(1.0 - math.exp(-2.0 * attack), abs=1e-4)


@pytest.fixture(scope="module")
def sir_network(tmp_path_factory):
    """The test's configuration-model network as an edge-list file, and the
    degrees of the people in it (people without edges are not in the file)."""
    edges = configuration_model_edges(SIR_PEOPLE, SIR_MEAN_DEGREE, SIR_GRAPH_SEED)
    path = tmp_path_factory.mktemp("sir") / "configuration_model.txt"
    with path.open("w", encoding="utf-8") as fh:
        fh.write(f"# configuration model, Poisson({SIR_MEAN_DEGREE:g}) degrees, "
                 f"{SIR_PEOPLE} people, numpy seed {SIR_GRAPH_SEED}\n")
        np.savetxt(fh, edges, fmt="%d")
    degrees = np.bincount(edges.ravel(), minlength=SIR_PEOPLE)
    return path, degrees[degrees > 0]


@pytest.mark.parametrize("engine", ENGINES, indirect=True)
@pytest.mark.parametrize("t", SIR_TS)
def test_network_sir_final_size(engine, t, sir_network):
    """Seeds only, trust 1, one-step spreading: each edge transmits with
    probability T (bond percolation), so the mean final share aware over R
    runs matches the edge-based final size for the network's realised degrees
    and rho = seeds / N.

    Tolerance: z x SE + SIR_FINITE_SIZE, z the Bonferroni t value for the two
    values of T (3.04 with R = 30). The formula is the N -> infinity limit; a
    finite graph (N = 5,000) sits slightly below it on average. Measured on
    independent graphs built like this one (seeds 11..26; 400 runs each with
    the fast engine, 100 runs each on 10 graphs with this engine): mean
    deviation about -0.0001 (fast) / -0.0004 (agents) at T = 0.25, every
    graph within -0.0013..+0.0007; at T = 0.15 (near the threshold,
    T <k> = 1.2) about -0.0014 (fast, graphs within -0.0030..-0.0002) /
    -0.0005 (agents, within +-0.006 at their SE of 0.003). On this graph with
    200 runs (agents): +0.0000 +- 0.0006 and -0.0041 +- 0.0022.
    SIR_FINITE_SIZE = 0.003 is twice the systematic deviation; z x SE is
    about 0.0045 (T = 0.25) and 0.015 (T = 0.15).

    Decisive: the formula with T read as an hourly hazard (1 - e^{-T}) misses.
    Every run must end with nobody spreading, so the final size is final.
    """
    path, degrees = sir_network
    scenario = load_scenario(SIR, {"network.path": str(path), "word_of_mouth.social": t})
    people = len(degrees)
    rho = scenario.get("seeds.count") / people

    finals = []
    for seed in range(3000, 3000 + SIR_RUNS):
        result = simulate(scenario, seed=seed, engine=engine)
        assert result.summary["agents"] == people
        assert result.timeseries["spreading"].iloc[-1] == 0, "outbreak still running at the end"
        finals.append(result.summary["final_aware_share"])
    mean, se = mean_and_se(np.array(finals))
    assert se > 0

    expected = edge_based_final_size(degrees, t, rho)
    tolerance = critical_value(len(SIR_TS), SIR_RUNS) * se + SIR_FINITE_SIZE
    assert abs(mean - expected) <= tolerance, (
        f"mean final share {mean:.4f}, formula {expected:.4f}, tolerance {tolerance:.4f}")

    as_hazard = edge_based_final_size(degrees, -math.expm1(-t), rho)
    assert abs(mean - as_hazard) > DECISIVE * tolerance
