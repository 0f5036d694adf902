"""Property tests: invariants of any run, over randomly drawn small scenarios."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import load_scenario, simulate
from sim.model.measures import COUNTS
from sim.config.schema import COHORTS, SOURCES
from sim.model.simulate import ENGINES

from helpers import OPTUS

share = st.floats(0.0, 1.0)

scenario_overrides = st.fixed_dictionaries({
    "population.size": st.integers(30, 250),
    "scenario.hours": st.integers(6, 80),
    "scenario.step_minutes": st.sampled_from([15, 30, 60, 120]),
    "network.kind": st.sampled_from(["households", "well_mixed", "watts_strogatz", "barabasi_albert",
                                     "powerlaw_cluster"]),
    "network.mean_degree": st.floats(2, 8),
    "seeds.count": st.integers(0, 5),
    "attention.diurnal": st.booleans(),
    "word_of_mouth.household": share,
    "word_of_mouth.social": share,
    "word_of_mouth.well_mixed": share,
    "word_of_mouth.active_kind": st.sampled_from(["exponential", "fixed", "forever"]),
    "word_of_mouth.active_hours": st.floats(0.5, 48),
    "word_of_mouth.stifling": share,
    "trust.concentration": st.floats(0.5, 50),
    "trust.peer": share,
    "channels.media.constant_hazard": st.floats(0, 0.2),
    "channels.direct.campaigns.0.start_hour": st.floats(0, 40),
    "channels.direct.campaigns.0.per_hour": st.floats(1e4, 1e7),
    "channels.direct.campaigns.0.ask_to_share": st.booleans(),
    "channels.scam.waves.1.start_hour": st.floats(0, 40),
    "channels.scam.waves.1.per_hour": st.floats(1e3, 1e7),
    "channels.scam.waves.1.share": share,
    "channels.scam.waves.1.mentions_breach": st.booleans(),
    "channels.scam.waves.2.start_hour": st.floats(0, 40),
    "channels.scam.harm": share,
    "channels.scam.doubt": share,
    "channels.direct.media.email.verified": st.booleans(),
    "trust.company_effects.service_recovery": share,
    "trust.company_effects.public_loss": share,
    "company.churn.per_trust_lost": st.floats(0, 5),
    "company.call_centre.agents": st.integers(0, 5000),
})

MONOTONE = [c for c in COUNTS]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overrides=scenario_overrides, seed=st.integers(0, 2**32 - 1), engine=st.sampled_from(ENGINES))
def test_invariants_hold_for_any_scenario(overrides, seed, engine):
    result = simulate(load_scenario(OPTUS, overrides), seed=seed, engine=engine)
    ts, n = result.timeseries, overrides["population.size"]
    # cumulative counts never decrease
    for column in MONOTONE:
        assert (np.diff(ts[column].to_numpy()) >= 0).all(), column
    # first-source counts add up to the aware count; cohorts too
    firsts = ts[[f"first_{s}" for s in SOURCES]].sum(axis=1)
    assert (firsts == ts.aware).all()
    firsts_affected = ts[[f"first_{s}_affected" for s in SOURCES]].sum(axis=1)
    assert (firsts_affected == ts.aware_affected).all()
    assert (ts.first_direct_affected == ts.first_direct).all()      # only customers are messaged
    cohorts = ts[[f"aware_{c}" for c in COHORTS]].sum(axis=1)
    assert (cohorts == ts.aware).all()
    assert (ts[[f"aware_affected_{c}" for c in COHORTS]].sum(axis=1) == ts.aware_affected).all()
    for c in COHORTS:       # affected customers of a cohort: at most all of them, at most the cohort's aware
        assert (ts[f"aware_affected_{c}"] <= ts[f"aware_{c}"]).all()
        assert ts[f"aware_affected_{c}"].iloc[-1] <= result.summary[f"affected_size_{c}"]
    assert sum(result.summary[f"affected_size_{c}"] for c in COHORTS) == result.summary["affected_agents"]
    # ordering of nested counts
    assert (ts.believing <= ts.aware).all() and (ts.aware <= n).all()
    assert (ts.spreading <= ts.believing).all()
    assert (ts.aware_affected <= ts.aware).all() and (ts.believing_affected <= ts.aware_affected).all()
    assert (ts.direct_delivered <= ts.direct_sent).all() and (ts.direct_read <= ts.direct_delivered).all()
    assert (ts.contacted <= ts.direct_read).all() and (ts.first_direct <= ts.contacted).all()
    # impostor messages: each count within the one before; harm within readers
    assert (ts.scam_delivered <= ts.scam_sent).all() and (ts.scam_read <= ts.scam_delivered).all()
    assert (ts.scam_readers <= ts.scam_read).all() and (ts.harmed <= ts.scam_readers).all()
    assert (ts.genuine_doubted <= ts.direct_read).all()
    # consequences: customers lost at most the current customers, calls and waits not negative
    lost, lost_share = result.summary["customers_lost"], result.summary["customers_lost_share"]
    assert lost >= 0 and ((lost_share is None and lost == 0) or 0 <= lost_share <= 1)
    assert (ts.calls_per_hour >= 0).all() and (ts.wait_minutes.dropna() >= 0).all()
    assert (ts.abandoned_per_hour.dropna() <= ts.calls_per_hour[ts.abandoned_per_hour.notna()] + 1e-6).all()
    # shares and trust stay in [0, 1]
    for column in ("mean_source_trust", "mean_company_trust_affected", "mean_company_trust_public"):
        values = ts[column].dropna()
        assert ((values >= 0) & (values <= 1)).all(), column
    for key, value in result.summary.items():
        if "share" in key and value is not None:
            assert 0 <= value <= 1, key
    # rows: one per step plus the start, hours evenly spaced
    assert len(ts) == load_scenario(OPTUS, overrides).n_steps + 1
    assert np.allclose(np.diff(ts.hours), overrides["scenario.step_minutes"] / 60)


@settings(max_examples=16, deadline=None)
@given(overrides=scenario_overrides, seed=st.integers(0, 2**32 - 1), engine=st.sampled_from(ENGINES))
def test_same_seed_gives_identical_output(overrides, seed, engine):
    scenario = load_scenario(OPTUS, overrides)
    a, b = simulate(scenario, seed=seed, engine=engine), simulate(scenario, seed=seed, engine=engine)
    assert a.timeseries.equals(b.timeseries)
    assert a.summary == b.summary
