"""sim.Optimisation: the optimiser from Python, as a notebook object."""

import pytest
from matplotlib.figure import Figure

import sim
from sim.reporting.notebook_optimisation import lever_texts

START = "channels.direct.campaigns.0.start_hour"


def test_levers_may_be_texts_or_a_mapping_of_ranges_and_choices():
    assert lever_texts([f"{START}=0:48"]) == [f"{START}=0:48"]
    assert lever_texts({START: (0, 48), "channels.direct.campaigns.0.medium": ["sms", "email"],
                        "channels.direct.campaigns.1": "on|off", "x.y": (0.5, 2.0, 0.5)}) == [
        f"{START}=0:48", "channels.direct.campaigns.0.medium=sms|email", "channels.direct.campaigns.1=on|off",
        "x.y=0.5:2.0:0.5"]
    with pytest.raises(sim.ScenarioError, match="allowed: \\(low, high\\)"):
        lever_texts({START: 48})


def test_bad_arguments_raise_the_projects_error_before_anything_runs(tmp_path):
    with pytest.raises(sim.ScenarioError, match="not a scenario key"):
        sim.Optimisation("optus_2022", levers={"channels.direct.campaigns.0.start": (0, 48)},
                         objectives="customers_lost")
    with pytest.raises(sim.ScenarioError, match="not a measure"):
        sim.Optimisation("optus_2022", levers={START: (0, 48)}, objectives=["lost"])
    with pytest.raises(sim.ScenarioError, match="not run yet"):
        sim.Optimisation("optus_2022", levers={START: (0, 48)}, objectives="customers_lost").table
    with pytest.raises(sim.ScenarioError, match="no optimise.json"):
        sim.Optimisation.load(tmp_path)


def test_an_optimisation_runs_and_loads_back(tmp_path):
    opt = sim.Optimisation("optus_2022", levers={START: (0, 48, 6)}, objectives="unaware_affected_share_24h",
                           constraints="start>=12", budget=120, reps=2, overrides={"population.size": 1000})
    assert repr(opt) == "Optimisation (not run)"
    opt.run(tmp_path / "opt", workers=1, progress=False)
    assert sim.load_scenario(opt.best).get(START) == opt.data["best"]["values"][START] >= 12
    assert opt.table["best"].sum() == 1
    assert isinstance(opt.plot(), Figure)
    again = sim.Optimisation.load(tmp_path / "opt")
    assert again.data == opt.data and "best plan: plan" in again._repr_html_()
    with pytest.raises(sim.ScenarioError, match="is finished"):
        again.run(tmp_path / "other")
