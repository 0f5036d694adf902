"""The engines run the same model.

1. The fast engine's two paths (compiled numba kernel, vectorised numpy) give
   identical time series for the same scenario and seed, on fixed settings
   and on randomly drawn small scenarios.
2. The fast engine and the agents engine are statistically the same model:
   for each setting, 100 seeds per engine (independent seeds, 1,500 people,
   7 days unless the setting says otherwise), the mean awareness curves agree
   at every row within a band, and Mann-Whitney two-sample tests on three
   summary measures do not reject. A deliberately different model (word of
   mouth 1.5x as strong) must fail the same band check, so the comparison is
   decisive.

Levels. Per setting the family (every row of the curve, three measures) has
a false-alarm probability of at most ALPHA = 0.2% (Bonferroni: half for the
band, half for the measures, shared among a setting's measures), so the nine
settings together raise a false alarm with probability under 1.8% whatever the
seeds. The scam-and-consequences setting also compares harm, disbelieved
messages, customers lost, peak calls and public trust.
"""

import math
import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.stats import mannwhitneyu, norm

from sim import ScenarioError, load_scenario, simulate
from sim.model.engine import prepare
from sim.model.fast import FastEngine, warm_up
from sim.model.network import layer_from_edges

from helpers import OPTUS, SCENARIOS
from test_properties import scenario_overrides

REPLICATIONS = int(os.environ.get("REPS", 100))
BASE = {"population.size": 1500, "scenario.hours": 168}
#: False-alarm probability per setting (band and measures together).
ALPHA = 0.002
MEASURES = ("hours_to_50pct_affected", "final_company_trust_affected", "knew_before_notice_share")

CASES = {
    "optus": ("optus_2022", {}),
    "direct_first": ("direct_first", {}),
    "trusted_channels": ("trusted_channels", {}),
    "word_of_mouth": ("word_of_mouth", {}),
    "small_world": ("optus_2022", {"network.kind": "watts_strogatz", "network.mean_degree": 6.0,
                                   "word_of_mouth.social": 0.03}),
    "well_mixed": ("optus_2022", {"network.kind": "well_mixed", "network.contacts_per_hour": 0.3,
                                  "word_of_mouth.well_mixed": 0.1}),
    # a networkx network, 20-minute steps, and an e-mail that asks to share
    "scale_free_20min_ask": ("optus_2022", {
        "network.kind": "barabasi_albert", "network.mean_degree": 6.0, "word_of_mouth.social": 0.02,
        "scenario.step_minutes": 20, "scenario.hours": 96,
        "channels.direct.campaigns.0.ask_to_share": True,
        "word_of_mouth.share_multiplier_when_asked": 3.0}),
    # segments (one weighted by generation), a priority queue and a third medium believed
    # more than company trust, targeting a generation within a segment
    "segments_priority_push": ("optus_2022", {
        "population.segments": {"vip": {"share": 0.3, "groups": ["current"]},
                                "young": {"share": 0.2, "cohort_weights": {"gen_z": 3.0, "millennial": 2.0,
                                                                           "gen_x": 1.0, "boomer": 0.5}}},
        "channels.direct.media.push": {"label": "Push", "read_delay_hours": 0.5, "belief": 1.5,
                                       "reachable": {"current": 0.7, "former": {"gen_z": 0.3, "millennial": 0.2,
                                                                                "gen_x": 0.1, "boomer": 0.0}}},
        "channels.direct.campaigns": [
            {"medium": "push", "start_hour": 2, "per_hour": 400_000, "targets": ["current", "former"],
             "priority": ["vip", "young"]},
            {"medium": "email", "start_hour": 30, "per_hour": 150_000, "targets": ["young", "gen_z", "millennial"]},
        ]}),
    # two scam waves (one mentions the breach, one by a verified medium), a genuine SMS after
    # the first, a service recovery, a call centre and churn
    "scam_consequences": ("optus_2022", {
        "channels.scam.waves": [
            {"medium": "sms", "start_hour": 3, "per_hour": 3_000_000, "targets": ["current"], "share": 0.6},
            {"medium": "email", "start_hour": 8, "per_hour": 1_000_000, "targets": ["former"],
             "mentions_breach": False}],
        "channels.scam.harm": 0.1, "channels.scam.doubt": 0.6,
        "channels.direct.media.email.verified": True,
        "channels.direct.campaigns": [
            {"medium": "sms", "start_hour": 20, "per_hour": 400_000, "targets": ["current", "former"]},
            {"medium": "email", "start_hour": 30, "per_hour": 1_000_000, "targets": ["former"]}],
        "trust.company_effects.service_recovery": 0.05, "company.call_centre.agents": 3000,
        "company.churn.per_trust_lost": 0.5}),
}
#: Measures compared in one setting besides :data:`MEASURES`.
EXTRA_MEASURES = {"scam_consequences": ("people_harmed", "genuine_messages_disbelieved", "customers_lost",
                                        "calls_peak_per_hour", "final_company_trust_public")}


# ---- 1. the two paths of the fast engine -------------------------------------------------
def run_path(scenario, seed, kernel):
    """The time series of one run on one path of the fast engine, as a DataFrame."""
    world, rules, rng = prepare(scenario, seed)
    return pd.DataFrame(FastEngine(world, rules, rng, kernel=kernel).run())


#: Settings for the path comparison: the statistical cases plus corners.
PATH_CASES = {
    **CASES,
    "seeds_forever_stifling": ("optus_2022", {"seeds.count": 20, "word_of_mouth.active_kind": "forever",
                                              "word_of_mouth.stifling": 1.0, "word_of_mouth.social": 0.05}),
    "fixed_period_sms_ask": ("direct_first", {"word_of_mouth.active_kind": "fixed",
                                              "channels.direct.campaigns.0.ask_to_share": True,
                                              "scenario.step_minutes": 7.5}),
    "well_mixed_seeds": ("optus_2022", {"network.kind": "well_mixed", "seeds.count": 5,
                                        "network.contacts_per_hour": 2.0}),
}


@pytest.mark.parametrize("case", list(PATH_CASES))
def test_numba_and_numpy_paths_are_identical(case):
    name, overrides = PATH_CASES[case]
    scenario = load_scenario(SCENARIOS / f"{name}.toml", {**BASE, "population.size": 3000, **overrides})
    for seed in (1, 2):
        compiled, vectorised = run_path(scenario, seed, "numba"), run_path(scenario, seed, "numpy")
        assert compiled.equals(vectorised), f"seed {seed}: the paths differ"
        assert compiled["aware"].iloc[-1] > 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overrides=scenario_overrides, seed=st.integers(0, 2**32 - 1))
def test_paths_are_identical_on_any_scenario(overrides, seed):
    scenario = load_scenario(OPTUS, overrides)
    assert run_path(scenario, seed, "numba").equals(run_path(scenario, seed, "numpy"))


@settings(max_examples=60, deadline=None)
@given(size=st.integers(1, 60), pairs=st.lists(st.tuples(st.integers(0, 59), st.integers(0, 59)),
                                                max_size=400))
def test_both_paths_build_the_same_network_layer(size, pairs):
    """Self-loops, duplicates, isolated people: the compiled CSR equals numpy's."""
    u = np.array([a % size for a, _ in pairs], dtype=np.int64)
    v = np.array([b % size for _, b in pairs], dtype=np.int64)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BREACHSIM_KERNEL", "numpy")
        expected = layer_from_edges("social", size, u, v)
        patch.setenv("BREACHSIM_KERNEL", "numba")
        compiled = layer_from_edges("social", size, u, v)
    assert np.array_equal(compiled.indptr, expected.indptr)
    assert np.array_equal(compiled.indices, expected.indices)
    assert compiled.indices.dtype == expected.indices.dtype
    for person in range(size):                  # and both are the neighbour sets asked for
        assert set(compiled.neighbours(person)) == ({b for a, b in zip(u, v) if a == person}
                                                    | {a for a, b in zip(u, v) if b == person}) - {person}


def test_the_path_is_chosen_by_the_environment(monkeypatch):
    monkeypatch.setenv("BREACHSIM_KERNEL", "numpy")
    assert warm_up() == "numpy"
    monkeypatch.setenv("BREACHSIM_KERNEL", "numba")
    assert warm_up() == "numba"
    monkeypatch.setenv("BREACHSIM_KERNEL", "fortran")
    with pytest.raises(ScenarioError, match="BREACHSIM_KERNEL"):
        warm_up()


def test_a_changed_draw_shows_as_a_difference():
    """The comparison can fail: a different seed on one path is caught."""
    scenario = load_scenario(OPTUS, {"population.size": 2000, "scenario.hours": 48})
    assert not run_path(scenario, 1, "numba").equals(run_path(scenario, 2, "numpy"))


# ---- 2. fast engine vs agents engine ------------------------------------------------------
def one_run(args):
    name, overrides, seed, engine, measures = args
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = simulate(load_scenario(SCENARIOS / f"{name}.toml", {**BASE, **overrides}),
                          seed=seed, engine=engine)
    s = result.summary
    curve = result.timeseries["aware_affected"].to_numpy() / s["affected_agents"]
    values = [s[m] for m in measures]
    return curve, [math.inf if v is None else v for v in values]


def sample(name, overrides, engine, first_seed, measures=MEASURES):
    jobs = [(name, overrides, first_seed + i, engine, measures) for i in range(REPLICATIONS)]
    with ProcessPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        runs = list(pool.map(one_run, jobs, chunksize=10))
    return np.array([r[0] for r in runs]), np.array([r[1] for r in runs])


def band_violation(a: np.ndarray, b: np.ndarray) -> float:
    """Largest |mean a - mean b| over rows, in standard errors of the difference."""
    se = np.sqrt(a.var(axis=0, ddof=1) / len(a) + b.var(axis=0, ddof=1) / len(b))
    gap = np.abs(a.mean(axis=0) - b.mean(axis=0))
    ratio = np.where(se > 0, gap / np.where(se > 0, se, 1), np.where(gap > 0, np.inf, 0))
    return float(ratio.max())


def same_distribution_p(a: np.ndarray, b: np.ndarray) -> float:
    """Mann-Whitney p value of two samples; 1 when every value is the same
    (scipy versions differ there: 1.0 or nan)."""
    if np.all(a == a[0]) and np.all(b == a[0]):
        return 1.0
    return float(mannwhitneyu(a, b).pvalue)


def band_limit(rows: int) -> float:
    """Two-sided Bonferroni normal critical value for ``rows`` rows at ALPHA / 2."""
    return float(norm.ppf(1 - ALPHA / 2 / (2 * rows)))


@pytest.fixture(scope="module")
def samples():
    return {}


@pytest.mark.parametrize("case", list(CASES))
def test_engines_give_the_same_distribution(case, samples):
    name, overrides = CASES[case]
    measures = MEASURES + EXTRA_MEASURES.get(case, ())
    agents = sample(name, overrides, "agents", 1_000_000, measures)
    fast = sample(name, overrides, "fast", 2_000_000, measures)
    samples[case] = (agents, fast)
    limit = band_limit(agents[0].shape[1])
    assert band_violation(agents[0], fast[0]) <= limit, "mean awareness curves differ"
    for i, measure in enumerate(measures):
        p = same_distribution_p(agents[1][:, i], fast[1][:, i])
        assert p > ALPHA / 2 / len(measures), f"{measure}: Mann-Whitney p = {p:.5f}"


def test_band_check_detects_a_different_model(samples):
    """Word of mouth 1.5x stronger in the fast engine must be caught."""
    name, overrides = CASES["optus"]
    if "optus" not in samples:
        samples["optus"] = (sample(name, overrides, "agents", 1_000_000), None)
    agents = samples["optus"][0]
    stronger = {**overrides, "word_of_mouth.household": 0.075, "word_of_mouth.social": 0.006}
    different = sample(name, stronger, "fast", 2_000_000)
    assert band_violation(agents[0], different[0]) > band_limit(agents[0].shape[1])
