"""The notebook objects (sim.Run, sim.Batch, sim.Comparison) and the example notebook."""

import datetime as dt
import shutil

import nbformat
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from nbclient import NotebookClient

import sim
from helpers import OPTUS, ROOT
from sim import ScenarioError
from sim.config.bundled import bundled_dir

SMALL = {"population.size": 2000, "scenario.hours": 120}
KEY = "channels.direct.campaigns.0.start_hour"


@pytest.fixture(scope="module")
def run():
    return sim.Run(OPTUS, seed=3, overrides=SMALL).run()


def test_run_is_simulate_with_tidy_frames(run):
    direct = sim.simulate(sim.load_scenario(OPTUS, SMALL), seed=3)
    ts = run.timeseries
    assert ts["time"].dt.tz is not None
    start = dt.datetime.fromisoformat(run.scenario.data["scenario"]["start"])
    assert (ts["time"] == pd.Series([start + dt.timedelta(hours=h) for h in ts["hours"]])).all()
    ppa = direct.summary["people_per_agent"]
    assert np.array_equal(ts["aware_affected"], direct.timeseries["aware_affected"])
    assert np.allclose(ts["aware_affected_people"], direct.timeseries["aware_affected"] * ppa)
    assert np.allclose(ts["contacted_people"], direct.timeseries["contacted"] * ppa)
    row = run.summary().iloc[0]
    assert row["hours_to_50pct_affected"] == direct.summary["hours_to_50pct_affected"]
    assert row["seed"] == 3 and row["scenario"] == run.scenario.name


def test_run_plots_the_reports_chart_and_displays_itself(run):
    fig = run.plot()
    assert isinstance(fig, Figure)
    title = fig._suptitle.get_text() if fig._suptitle else ""
    hours = run.summary().iloc[0]["hours_to_50pct_affected"]
    assert f"{hours:.0f} h" in title
    page = run._repr_html_()
    assert "data:image/png;base64," in page and f"{hours:.0f} h" in page
    from sim.reporting.text import fmt_people
    lost = run.summary().iloc[0]["customers_lost"]
    assert "customers expected to leave" in page and fmt_people(lost) in page
    assert "not run yet" in sim.Run(OPTUS, overrides=SMALL)._repr_html_()
    with pytest.raises(ValueError, match="unknown chart"):
        run.plot("pie")


def test_bad_input_is_one_scenario_error():
    with pytest.raises(ScenarioError, match="population.size"):
        sim.Run(OPTUS, overrides={"population.size": -1})
    with pytest.raises(ScenarioError, match="reps"):
        sim.Comparison([OPTUS], reps=0)
    with pytest.raises(ScenarioError):
        sim.Batch(ROOT / "scenarios")  # not a batch folder


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp")
    return sim.Comparison(["optus_2022", "direct_first"], reps=3, overrides=SMALL).run(out, workers=2)


def test_comparison_shares_seeds_and_summarises_per_scenario(comparison):
    runs = comparison.runs
    seeds = [sorted(g["seed"]) for _, g in runs.groupby("scenario_file")]
    assert len(seeds) == 2 and seeds[0] == seeds[1]  # common random numbers
    summary = comparison.summary()
    assert list(summary["scenario"]) == ["Optus 2022 (as it happened)", "Direct first"]
    for name, row in summary.set_index("scenario").iterrows():
        values = runs.loc[runs["scenario"] == name, "share_affected_first_from_company"]
        assert row["share_affected_first_from_company_median"] == pytest.approx(np.median(values))
    assert "Direct first" in comparison._repr_html_()
    same = sim.Comparison.load(comparison.folder)
    assert same.runs.sort_values("run")["run_id"].tolist() == runs.sort_values("run")["run_id"].tolist()
    assert isinstance(comparison.plot("first_source"), Figure)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweep")
    (folder / "b.toml").write_text(f"""
scenarios = ["{(bundled_dir() / 'trusted_channels.toml').as_posix()}"]
replications = 2
seed = 5
[set]
"population.size" = 1500
"scenario.hours" = 72
[grid]
"{KEY}" = [0, 24]
""")
    return sim.Batch.run_file(folder / "b.toml", folder / "out", workers=2)


def test_batch_merges_the_sweep_into_the_time_series(sweep):
    assert sweep.params == [KEY]
    ts = sweep.timeseries
    assert KEY in ts.columns and ts["time"].dt.tz is not None
    late = ts[ts[KEY] == 24]
    assert late.loc[late["hours"] < 24, "contacted"].max() == 0  # nobody reads before the start
    assert ts.loc[ts[KEY] == 0, "contacted"].max() > 0
    by_run = ts.groupby("run")[KEY].first()
    assert (by_run == sweep.runs.set_index("run")[KEY].loc[by_run.index]).all()


def test_batch_summary_has_a_row_per_design_point(sweep):
    summary = sweep.summary()
    assert sorted(summary[KEY]) == [0, 24] and len(summary) == 2
    runs = sweep.runs
    for _, row in summary.iterrows():
        values = runs.loc[runs[KEY] == row[KEY], "share_affected_first_from_company"]
        assert row["share_affected_first_from_company_median"] == pytest.approx(np.median(values))
    assert isinstance(sweep.plot("response"), Figure)
    assert KEY in sweep._repr_html_()


def test_a_batch_without_design_has_no_response(comparison):
    with pytest.raises(ValueError, match="no design"):
        comparison.plot("response")


def test_example_notebook_runs_top_to_bottom(tmp_path):
    notebook = tmp_path / "example.ipynb"
    shutil.copy(ROOT / "docs" / "example.ipynb", notebook)
    nb = nbformat.read(notebook, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    pictures = [c for c in nb.cells if c.cell_type == "code" and ".plot(" in c.source]
    assert pictures and all(any("image/png" in o.get("data", {}) for o in c.outputs)
                            for c in pictures)
    assert any("Direct first" in o.get("data", {}).get("text/html", "") for o in outputs)
