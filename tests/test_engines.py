"""The fast engine and the agents engine are statistically the same model.

For each scenario, 100 seeds per engine (independent seeds, 2,000 people,
7 days): the mean awareness curve of each engine lies within the other's
confidence band at every hour, and Mann-Whitney two-sample tests on
``hours_to_50pct_affected`` and ``final_company_trust_affected`` do not reject
at the 1% level. A deliberately different model (word of mouth 1.5x as
strong) must fail the same band check, so the comparison is decisive.
"""

import math
import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from sim import load_scenario, simulate

from helpers import SCENARIOS

REPLICATIONS = int(__import__("os").environ.get("REPS", 100))
BASE = {"population.size": 2000, "scenario.hours": 168}
#: Band half-width in standard errors. Each row is a comparison; with ~170
#: correlated rows a family-wise 1% level needs about 4 (Bonferroni: 3.9).
Z = 4.0

CASES = {
    "optus": ("optus_2022", {}),
    "direct_first": ("direct_first", {}),
    "trusted_channels": ("trusted_channels", {}),
    "word_of_mouth": ("word_of_mouth", {}),
    "small_world": ("optus_2022", {"network.kind": "watts_strogatz", "network.mean_degree": 6.0,
                                   "word_of_mouth.social": 0.03}),
    "well_mixed": ("optus_2022", {"network.kind": "well_mixed", "network.contacts_per_hour": 0.3,
                                  "word_of_mouth.well_mixed": 0.1}),
}


def one_run(args):
    name, overrides, seed, engine = args
    result = simulate(load_scenario(SCENARIOS / f"{name}.toml", {**BASE, **overrides}),
                      seed=seed, engine=engine)
    s = result.summary
    curve = result.timeseries["aware_affected"].to_numpy() / s["affected_agents"]
    half = s["hours_to_50pct_affected"]
    return curve, (math.inf if half is None else half), s["final_company_trust_affected"]


def sample(name, overrides, engine, first_seed):
    jobs = [(name, overrides, first_seed + i, engine) for i in range(REPLICATIONS)]
    with ProcessPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        runs = list(pool.map(one_run, jobs, chunksize=10))
    curves = np.array([r[0] for r in runs])
    return curves, np.array([r[1] for r in runs]), np.array([r[2] for r in runs])


def band_violation(a: np.ndarray, b: np.ndarray) -> float:
    """Largest |mean a - mean b| in units of the smaller of the two SEs (0 if equal)."""
    se = np.minimum(a.std(axis=0, ddof=1), b.std(axis=0, ddof=1)) / math.sqrt(len(a))
    gap = np.abs(a.mean(axis=0) - b.mean(axis=0))
    ratio = np.where(se > 0, gap / np.where(se > 0, se, 1), np.where(gap > 0, np.inf, 0))
    return float(ratio.max())


@pytest.fixture(scope="module")
def samples():
    return {}


@pytest.mark.parametrize("case", list(CASES))
def test_engines_give_the_same_distribution(case, samples):
    name, overrides = CASES[case]
    agents = sample(name, overrides, "agents", 1_000_000)
    fast = sample(name, overrides, "fast", 2_000_000)
    samples[case] = (agents, fast)
    assert band_violation(agents[0], fast[0]) <= Z, "mean awareness curves differ"
    for i, measure in ((1, "hours_to_50pct_affected"), (2, "final_company_trust_affected")):
        p = mannwhitneyu(agents[i], fast[i]).pvalue
        assert p > 0.01, f"{measure}: Mann-Whitney p = {p:.4f}"


def test_band_check_detects_a_different_model(samples):
    """Word of mouth 1.5x stronger in the fast engine must be caught."""
    name, overrides = CASES["optus"]
    if "optus" not in samples:
        samples["optus"] = (sample(name, overrides, "agents", 1_000_000), None)
    agents = samples["optus"][0]
    stronger = {**overrides, "word_of_mouth.household": 0.075, "word_of_mouth.social": 0.006}
    different = sample(name, stronger, "fast", 2_000_000)
    assert band_violation(agents[0], different[0]) > Z
