"""Calibration: parameter recovery, outputs, resume, bad targets, posterior carry-through."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.runs.batchfile import BatchSpec
from sim.analysis.calibration.fit import calibrate, prepare, waves_of
from sim.analysis.calibration.outputs import write_outputs
from sim.reporting.calibration_chart import write_fit_chart
from sim.analysis.calibration.posterior import posterior_draws
from sim.cli.main import main
from sim.reporting.compare import compare_spec
from sim.runs.design import build_design
from sim.errors import ScenarioError
from sim.runs.plan import plan_runs
from sim.config.scenario import load_scenario
from sim.model.simulate import simulate
from sim.config.targets import DEFAULT_SD, Target, load_targets, run_values

pytestmark = pytest.mark.filterwarnings("ignore::sim.model.step_length.StepLengthWarning")
ROOT = Path(__file__).resolve().parent.parent
OPTUS = ROOT / "scenarios" / "optus_2022.toml"
SMALL = {"population.size": 600, "scenario.hours": 60}
TRUTH = {"word_of_mouth.social": 0.012, "channels.media.releases.0.reach": 0.6}
FITS = ["word_of_mouth.social=0.002:0.03", "channels.media.releases.0.reach=0.2:0.9"]
POINTS = [("aware_affected", 6), ("aware_affected", 12), ("aware_affected", 24),
          ("aware_affected", 48), ("first_media", 24), ("first_word_of_mouth", 48)]


def _write_targets(path: Path, rows: list[tuple]) -> Path:
    path.write_text("# made by the model at known values\nmeasure,hours,value\n"
                    + "".join(f"{m},{h},{v:.5f}\n" for m, h, v in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def recovered(tmp_path_factory):
    """Targets from the model at TRUTH (mean of 8 runs, seeds the calibration never uses),
    then a small calibration (120 runs, 600 agents, 60 h)."""
    folder = tmp_path_factory.mktemp("calibration")
    scenario = load_scenario(OPTUS, {**SMALL, **TRUTH})
    targets = [Target(m, h, 0.0) for m, h in POINTS]
    runs = [simulate(scenario, seed=10_000 + i) for i in range(8)]
    values = np.mean([run_values(r.timeseries, targets, r.summary["agents"],
                                 r.summary["affected_agents"]) for r in runs], axis=0)
    target_file = _write_targets(folder / "targets.csv", [(m, h, v) for (m, h), v in zip(POINTS, values)])
    cal = prepare(OPTUS, target_file, FITS, budget=120, reps=3, seed=7, overrides=SMALL)
    said: list[str] = []
    result = calibrate(cal, folder / "out", workers=1, progress=False, say=said.append)
    written = write_outputs(result, folder / "out", write_fit_chart)
    return result, written, folder, said


def test_parameters_recovered_inside_their_credible_intervals(recovered):
    """The known values lie inside the 90% credible intervals, and each interval is
    informative (narrower than 40% of its range), so containment is not trivial.
    Both parameters move the targets by much more than the targets' sd (0.02)
    across their ranges, so 120 runs pin them down."""
    result = recovered[0]
    for fit in result.calibration.fits:
        low, high = result.intervals[fit.key]
        assert low <= TRUTH[fit.key] <= high, (fit.key, low, high)
        assert high - low < 0.4 * (fit.high - fit.low), (fit.key, low, high)
        assert low <= result.best[fit.key] <= high


def test_outputs_calibrated_scenario_posterior_summary_chart(recovered):
    result, written, folder, _ = recovered
    assert [p.name for p in written] == ["calibrated.toml", "posterior.csv", "summary.json", "fit.png"]
    calibrated = load_scenario(folder / "out" / "calibrated.toml")
    for key, value in result.best.items():
        assert calibrated.get(key) == pytest.approx(value)
    assert calibrated.get("channels.media.releases.1.reach") == 0.4     # the rest of the list kept
    text = (folder / "out" / "calibrated.toml").read_text()
    assert text.count("90% credible interval") == 2
    tomllib.loads(text)
    posterior = pd.read_csv(folder / "out" / "posterior.csv")
    assert {"sample", "log_likelihood", "distance", *TRUTH} <= set(posterior.columns)
    assert posterior["word_of_mouth.social"].between(0.002, 0.03).all()
    summary = json.loads((folder / "out" / "summary.json").read_text())
    assert [(p["measure"], p["hours"]) for p in summary["targets"]] == [(m, float(h)) for m, h in POINTS]
    for point in summary["targets"]:
        assert 0 <= point["model_p10"] <= point["model_median"] <= point["model_p90"] <= 1
    waves = sum(w["parameter_sets"] for w in summary["waves"]) * 3
    assert waves < summary["runs"] <= 120               # waves, then the check runs, within budget
    assert (folder / "out" / "fit.png").stat().st_size > 10_000


def test_same_command_again_reuses_every_run(recovered):
    result, _, folder, said = recovered
    assert any(line.startswith("wave 1 of") for line in said)
    cal = result.calibration
    again: list[str] = []
    second = calibrate(cal, folder / "out", workers=1, progress=False, say=again.append)
    reuse = [line for line in again if line.startswith("resume:")]
    assert reuse and all(", running 0" in line for line in reuse)
    assert second.best == result.best


def test_budget_split():
    sizes, check = waves_of(400, 4, 2)
    assert len(sizes) == 3 and sizes[0] >= sum(sizes[1:]) - 1
    assert sum(sizes) * 4 + 4 + check <= 400
    with pytest.raises(ScenarioError, match="--budget"):
        waves_of(40, 4, 3)


# ---- bad input: one line, exit 2, nothing written ----------------------------------
GOOD = "measure,hours,value\naware,12,0.5\n"


@pytest.mark.parametrize("csv_text, fits, needle", [
    ("measure,hours,value\nawareness,12,0.5\n", FITS[:1], "measure"),
    ("measure,hours,value\naware,12,1.5\n", FITS[:1], "share in [0, 1]"),
    ("measure,hours,value\naware,12,-0.1\n", FITS[:1], "share in [0, 1]"),
    ("measure,hours\naware,12\n", FITS[:1], "measure,hours,value"),
    ("measure,hours,value\naware,12\n", FITS[:1], "cells"),
    ("measure,hours,value\naware,twelve,0.5\n", FITS[:1], "a number"),
    ("measure,hours,value,colour\naware,12,0.5,red\n", FITS[:1], "unknown column"),
    ("measure,hours,value\n", FITS[:1], "no target rows"),
    ("measure,hours,value\naware,9999,0.5\n", FITS[:1], "within the run"),
    ("measure,hours,value,sd\naware,12,0.5,0\n", FITS[:1], "sd"),
    (GOOD, ["word_of_mouth.sociable=0.001:0.01"], "not a scenario key"),
    (GOOD, ["network.kind=0:1"], "not a number"),
    (GOOD, ["word_of_mouth.social=0.02:0.01"], "LO < HI"),
    (GOOD, ["word_of_mouth.social=0.01:0.01"], "LO < HI"),
    (GOOD, ["word_of_mouth.social=0.01"], "KEY=LO:HI"),
    (GOOD, ["word_of_mouth.social=0.5:2"], "outside what the key allows"),
    (GOOD, ["channels.media.releases.7.reach=0.1:0.5"], "releases"),
])
def test_bad_targets_and_fits_one_line_exit_2_nothing_written(tmp_path, capsys, csv_text, fits, needle):
    target = tmp_path / "targets.csv"
    target.write_text(csv_text, encoding="utf-8")
    out = tmp_path / "out"
    argv = ["calibrate", str(OPTUS), "--target", str(target), "--out", str(out), "--quiet"]
    for fit in fits:
        argv += ["--fit", fit]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error:") and needle in err, err
    assert not out.exists()


def test_targets_file_reads_sd_weight_and_comments(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("# source: somewhere\nmeasure,hours,value,sd,weight\naware,3,0.97,0.01,2\n"
                    "first_media,3,0.44,,\n", encoding="utf-8")
    first, second = load_targets(path)
    assert (first.measure, first.hours, first.value, first.sd, first.weight) == ("aware", 3, 0.97, 0.01, 2)
    assert (second.sd, second.weight) == (DEFAULT_SD, 1.0)


def test_run_values_are_shares_of_the_right_denominators():
    scenario = load_scenario(OPTUS, SMALL)
    run = simulate(scenario, seed=3)
    frame, s = run.timeseries, run.summary
    targets = [Target(m, 48, 0) for m in ("aware", "aware_affected", "first_media", "first_direct",
                                           "first_twitter", "first_word_of_mouth", "knew_before_notice")]
    values = run_values(frame, targets, s["agents"], s["affected_agents"])
    row = frame[frame["hours"] == 48].iloc[0]
    assert values[0] == pytest.approx(row["aware"] / s["agents"])
    assert values[1] == pytest.approx(row["aware_affected"] / s["affected_agents"])
    assert sum(values[2:6]) == pytest.approx(1 - row["first_seed"] / row["aware"])
    assert values[6] == pytest.approx(row["knew_before_notice"] / row["contacted"])
    assert 0 < values[6] < 1                     # some knew before the e-mail, some did not
    assert np.all((values >= 0) & (values <= 1))
    between = run_values(frame, [Target("aware", 47.5, 0)], s["agents"], s["affected_agents"])[0]
    low, high = (frame.loc[frame["hours"] == h, "aware"].iloc[0] / s["agents"] for h in (47, 48))
    assert between == pytest.approx((low + high) / 2)


# ---- posterior carried through compare ----------------------------------------------
def test_posterior_draws_are_replications_with_shared_seeds(tmp_path):
    posterior = tmp_path / "posterior.csv"
    pd.DataFrame({"sample": [0, 1, 2], "word_of_mouth.social": [0.004, 0.008, 0.016],
                  "trust.company": [0.3, 0.4, 0.5], "distance": [1, 2, 3]}).to_csv(posterior, index=False)
    files = [OPTUS, ROOT / "scenarios" / "direct_first.toml"]
    plain = compare_spec(files, 6, 11, {"population.size": 500})
    drawn = compare_spec(files, 6, 11, {"population.size": 500}, posterior=posterior)
    assert drawn.draws == posterior_draws(posterior, 6, 11) and len(drawn.draws) == 6
    assert posterior_draws(posterior, 6, 11) != posterior_draws(posterior, 6, 12)
    plan, base = plan_runs(drawn, build_design(drawn)), plan_runs(plain, build_design(plain))
    assert [t.seed for t in plan.tasks] == [t.seed for t in base.tasks]
    assert [t.key for t in plan.tasks] == [t.key for t in base.tasks]
    for task in plan.tasks:
        scenario = plan.scenario_of(task)
        draw = drawn.draws[task.replication]
        assert scenario.get("word_of_mouth.social") == draw["word_of_mouth.social"]
        assert scenario.get("trust.company") == draw["trust.company"]
        assert task.params == ()                     # not design keys: replications, not a sweep
    by_rep = {}
    for task in plan.tasks:                          # every scenario gets the same draw per replication
        by_rep.setdefault(task.replication, set()).add(plan.scenario_of(task).get("word_of_mouth.social"))
    assert all(len(v) == 1 for v in by_rep.values())
    ids = {t.run_id for t in plan.tasks} | {t.run_id for t in base.tasks}
    assert len(ids) == len(plan.tasks) + len(base.tasks)   # the draw is part of each run's identity


def test_bad_posterior_file_is_one_error(tmp_path):
    posterior = tmp_path / "posterior.csv"
    posterior.write_text("sample,word_of_mouth.social\n0,1.5\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="share"):
        compare_spec([OPTUS], 2, 1, {}, posterior=posterior)
    posterior.write_text("sample,network.kind\n0,1\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="not a scenario key holding a number"):
        compare_spec([OPTUS], 2, 1, {}, posterior=posterior)
    with pytest.raises(ScenarioError, match="no such file"):
        compare_spec([OPTUS], 2, 1, {}, posterior=tmp_path / "missing.csv")


def test_batch_with_wrong_number_of_draws_is_refused():
    spec = BatchSpec(OPTUS, "x", [OPTUS], 3, 1, draws=[{"trust.company": 0.5}])
    with pytest.raises(ScenarioError, match="one per replication"):
        plan_runs(spec, build_design(spec))
