"""What the breach costs the company: calls, the call centre's queue, protective action
and customers lost (sim/model/consequences.py), and the report's sentence on them."""

import numpy as np
import pandas as pd
import pytest

from sim import load_scenario, simulate
from sim.model.call_centre import CallCentre, erlang_a
from sim.model.consequences import consequence_columns
from sim.reporting.findings import cost_sentence

from helpers import OPTUS, QUIET


def columns(**cumulative):
    """Time-series columns with the given cumulative counts (others zero), 4 rows."""
    names = ("first_direct_affected", "aware_affected", "scam_readers", "believing_affected",
             "expected_customers_lost")
    return {n: np.asarray(cumulative.get(n, [0, 0, 0, 0]), dtype=float) for n in names}


def test_calls_follow_newly_aware_customers_by_how_they_learned():
    scenario = load_scenario(OPTUS, {"company.calls.told_first": 0.1, "company.calls.heard_elsewhere": 0.3,
                                     "company.calls.after_scam": 0.5, "scenario.step_minutes": 30})
    out = consequence_columns(columns(first_direct_affected=[0, 10, 10, 30], aware_affected=[0, 20, 60, 80],
                                      scam_readers=[0, 0, 4, 4]), scenario, people_per_agent=100)
    # per row: 0.1 x told first + 0.3 x others + 0.5 x new scam readers, x 100 people, per half hour
    expected = np.array([0, 0.1 * 10 + 0.3 * 10, 0.3 * 40 + 0.5 * 4, 0.1 * 20]) * 100 / 0.5
    assert out["calls_per_hour"] == pytest.approx(expected)
    assert np.isnan(out["wait_minutes"]).all()                  # no call centre declared


def test_the_queue_is_the_erlang_a_figure_of_each_steps_calls():
    scenario = load_scenario(OPTUS, {"company.call_centre.agents": 2, "company.call_centre.handle_minutes": 6.0,
                                     "company.call_centre.patience_minutes": 3.0})
    out = consequence_columns(columns(aware_affected=[0, 2, 5, 6]), scenario, people_per_agent=100)
    figures = erlang_a(out["calls_per_hour"], CallCentre(2, 6.0, 3.0))
    assert out["wait_minutes"] == pytest.approx(figures.mean_wait_minutes)
    assert out["abandoned_per_hour"] == pytest.approx(out["calls_per_hour"] * figures.abandon_share)
    assert out["wait_minutes"][2] > out["wait_minutes"][3]     # the busier hour waits longer


def test_more_agents_shorten_the_peak_wait_in_a_run():
    base = {**QUIET, "population.size": 800, "scenario.hours": 24, "channels.media.constant_hazard": 0.5}
    few = simulate(load_scenario(OPTUS, {**base, "company.call_centre.agents": 50}), seed=1).summary
    many = simulate(load_scenario(OPTUS, {**base, "company.call_centre.agents": 5000}), seed=1).summary
    assert few["calls_peak_per_hour"] == many["calls_peak_per_hour"] > 0
    assert few["wait_peak_minutes"] > many["wait_peak_minutes"] >= 0
    assert few["calls_abandoned"] > many["calls_abandoned"]
    # protective action: a share of the affected customers who believe
    ts = simulate(load_scenario(OPTUS, {**base, "company.protection.share_of_believers": 0.4}), seed=1)
    believers = ts.timeseries["believing_affected"].iloc[-1] * ts.summary["people_per_agent"]
    assert ts.summary["protective_action_people"] == pytest.approx(0.4 * believers)


def _row(lost, calls, wait=np.nan):
    return pd.Series({"customers_lost_median": lost, "calls_peak_per_hour_median": calls,
                      "wait_peak_minutes_median": wait})


def test_the_cost_sentence_gives_the_new_plan_against_the_old():
    text = cost_sentence(_row(40_000, 32_000), _row(30_000, 66_000), "Plan A", changes_plan=True)
    assert "About 30,000 current customers are expected to leave (Plan A: 40,000)" in text
    assert "peak at 66,000 an hour (Plan A: 32,000)" in text
    assert "wait" not in text                                    # no call centre in these runs


def test_the_cost_sentence_of_a_kept_plan_names_no_other_and_gives_waits_when_modelled():
    text = cost_sentence(_row(40_000, 32_000, 12.34), _row(30_000, 66_000, 3.0), "Plan A", changes_plan=False)
    assert "About 40,000 current customers" in text and "Plan A" not in text
    assert "mean wait then reaches 12.3 minutes." in text


def test_runs_without_the_measures_get_no_cost_sentence():
    assert cost_sentence(pd.Series({"x_median": 1.0}), pd.Series({"x_median": 1.0}), "A", True) == ""


def test_customers_lost_never_shows_below_zero():
    """The engines keep a running sum of changes in chances; when every chance comes back
    to 0 (a full service recovery), rounding may leave -1e-11: shown as 0."""
    scenario = load_scenario(OPTUS)
    out = consequence_columns(columns(expected_customers_lost=[0.0, 0.3, 0.1, -2.4e-11]), scenario, 100)
    assert out["customers_lost_people"] == pytest.approx([0.0, 30.0, 10.0, 0.0])
    assert out["customers_lost_people"][-1] == 0.0


@pytest.mark.parametrize("recovery, says", [
    (0.0, "In no run does a plan end with more trust than before the breach."),
    (0.9, "In some runs a plan ends with more trust than before the breach"),
])
def test_the_reports_method_says_whether_trust_ended_above_its_start(tmp_path, recovery, says):
    import re
    from sim.reporting.compare import compare

    _, report = compare([OPTUS], tmp_path / "cmp", replications=1, seed=1, workers=1, progress=False,
                        overrides={"population.size": 400, "scenario.hours": 48,
                                   "trust.company_effects.service_recovery": recovery})
    page = " ".join(re.sub(r"<[^>]+>", " ", (tmp_path / "cmp" / "report.html").read_text("utf-8")).split())
    assert says in page
    runs = pd.read_parquet(tmp_path / "cmp" / "batch" / "runs.parquet")
    rose = (runs["final_company_trust_affected"] > runs["initial_company_trust_affected"]).any()
    assert rose == (recovery > 0)                                # the sentence follows the runs
