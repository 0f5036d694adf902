"""Robustness: shares in [0, 1], common random numbers, lessons kept, a winner that
flips with one assumption found by the discovery step, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli.main import main
from sim.errors import ScenarioError
from sim.analysis.robustness import HEADLINES, report_lines, robustness_spec, run_robustness
from sim.reporting.robustness_chart import write_robustness_charts

pytestmark = pytest.mark.filterwarnings("ignore::sim.model.step_length.StepLengthWarning")
ROOT = Path(__file__).resolve().parent.parent
OPTUS = ROOT / "scenarios" / "optus_2022.toml"
SMALL = {"population.size": 400, "scenario.hours": 48}
SMS_DELAY = "channels.direct.media.sms.read_delay_hours"


def _scenario(folder: Path, name: str, body: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(f'[scenario]\nextends = "{OPTUS.as_posix()}"\nname = "{name}"\n{body}',
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def flip(tmp_path_factory):
    """Media only against SMS only: the SMS wins on time to half aware unless people
    are slow to read their SMS, an assumption ranged here from minutes to 2.5 days."""
    folder = tmp_path_factory.mktemp("flip")
    media = _scenario(folder, "media only", "[channels.direct]\ncampaigns = []\n")
    sms = _scenario(folder, "SMS only", "[channels.media]\nreleases = []\n[channels.twitter]\n"
                    "posts = []\n[channels.direct]\ncampaigns = [{ medium = \"sms\", start_hour = 0, "
                    "per_hour = 1e9, targets = [\"current\", \"former\"] }]\n")
    ranges = folder / "ranges.toml"
    ranges.write_text(f'["{SMS_DELAY}"]\nlow = 0.1\nhigh = 60.0\nwhy = "test: minutes to days"\n',
                      encoding="utf-8")
    table, lines, written = run_robustness([media, sms], folder / "out", samples=24, reps=2, seed=5,
                                           overrides=SMALL, ranges_file=ranges, workers=1,
                                           progress=False, draw=write_robustness_charts)
    return table, lines, written, folder


def test_shares_are_in_unit_interval_and_add_up(flip):
    table = flip[0]
    assert set(table["measure"]) == set(HEADLINES)
    done = table[table["worlds"] > 0]
    for column in ("share_better", "share_tied", "share_worse"):
        assert done[column].between(0, 1).all()
    assert np.allclose(done[["share_better", "share_tied", "share_worse"]].sum(axis=1), 1.0)
    assert (done["diff_p10"] <= done["diff_median"]).all() and (done["diff_median"] <= done["diff_p90"]).all()
    assert list(table.columns[:6]) == ["scenario", "measure", "share_better", "diff_median",
                                       "diff_p10", "diff_p90"]


def test_discovery_finds_the_one_assumption_that_flips_the_winner(flip):
    table, lines = flip[0], flip[1]
    row = table[table["measure"] == "hours_to_50pct_affected"].iloc[0]
    assert 0.2 < row["share_better"] < 0.9                    # the winner does flip
    assert row["decided_by"] == SMS_DELAY and row["decided_by_rho"] > 0.5
    # the box describes the rarer outcome: where the SMS plan is not better, a slow SMS
    # (above a threshold); where it is better, a quick one (below it)
    side = "above" if row["box_of"] == "not better" else "below"
    assert row["box_of"] in ("better", "not better")
    assert row["box"].startswith(f"mean delay before reading a message by SMS (hours) {side}")
    threshold = float(row["box"].split(f"{side} ")[1].split()[0])
    assert 5 < threshold < 60
    rarer = 1 - row["share_better"] if row["box_of"] == "not better" else row["share_better"]
    assert rarer <= 0.5 and row["box_coverage"] >= 0.7 and row["box_density"] > rarer
    assert "mainly when mean delay before reading a message by SMS" in lines[0]


def test_outputs_written(flip):
    written, folder = flip[2], flip[3]
    names = [p.name for p in written]
    assert names[:3] == ["robustness.csv", "robustness_worlds.csv", "robustness.md"]
    assert {f"robustness_{m}.png" for m in HEADLINES} <= set(names)
    worlds = pd.read_csv(folder / "out" / "robustness_worlds.csv")
    assert SMS_DELAY in worlds.columns and worlds["world"].nunique() == 24
    assert (folder / "out" / "robustness.md").read_text().startswith("- SMS only reaches half")


def test_common_random_numbers_a_scenario_against_itself_always_ties(tmp_path):
    copy = tmp_path / "optus copy.toml"
    copy.write_text(OPTUS.read_text(encoding="utf-8"), encoding="utf-8")
    table, lines, _ = run_robustness([OPTUS, copy], tmp_path / "out", samples=4, reps=2, seed=3,
                                     overrides=SMALL, workers=1, progress=False)
    done = table[table["worlds"] > 0]
    assert len(done) >= 4
    assert (done["share_better"] == 0).all() and (done["share_tied"] == 1).all()
    assert (done["diff_median"] == 0).all() and (done["diff_p10"] == 0).all()
    assert "in 0% of 4 plausible worlds" in lines[0]


def test_a_lesson_key_is_not_varied_and_fixed_network_keys_are_dropped():
    lesson = ROOT / "scenarios" / "word_of_mouth.toml"
    spec, sampled, left_out = robustness_spec([OPTUS, lesson], 8, 2, 1, {})
    assert "word_of_mouth.share_multiplier_when_asked" in left_out
    assert "word_of_mouth.share_multiplier_when_asked" not in spec.sample["ranges"]
    assert "network.rewire" in left_out and "trust.company" in spec.sample["ranges"]
    assert spec.sample["method"] == "lhs" and spec.sample["n"] == 8


def test_report_line_wording():
    table = pd.DataFrame([
        {"scenario": "Direct first", "measure": "hours_to_50pct_affected", "share_better": 1.0,
         "baseline": "Optus 2022", "worlds": 32, "box": "", "box_density": np.nan,
         "box_coverage": np.nan, "box_of": ""},
        {"scenario": "Direct first", "measure": "final_company_trust_affected", "share_better": 0.97,
         "baseline": "Optus 2022", "worlds": 32, "box": "trust in people one knows above 0.7",
         "box_density": 0.8, "box_coverage": 1.0, "box_of": "not better"}])
    assert report_lines(table) == [
        "Direct first reaches half of affected customers sooner than Optus 2022 in 100% of 32 "
        "plausible worlds; ends with higher company trust in 97%; it is not better on final "
        "company trust mainly when trust in people one knows above 0.7 (so in 80% of such "
        "worlds; they hold 100% of the worlds where it is not better)."]


@pytest.mark.parametrize("argv, needle", [
    (["robustness", str(OPTUS)], "at least one other scenario"),
    (["robustness", str(OPTUS), str(OPTUS), "--samples", "1"], "--samples"),
    (["robustness", str(OPTUS), str(OPTUS), "--reps", "0"], "--reps"),
    (["robustness", str(OPTUS), "no_such_scenario.toml"], "no such file"),
])
def test_bad_input_one_line_exit_2_nothing_written(tmp_path, capsys, argv, needle):
    out = tmp_path / "out"
    assert main([*argv, "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error:") and needle in err, err
    assert not out.exists()


def test_bad_ranges_file_is_one_error(tmp_path):
    ranges = tmp_path / "ranges.toml"
    ranges.write_text('["network.kind"]\nlow = 0\nhigh = 1\nwhy = "x"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="network.kind"):
        robustness_spec([OPTUS, OPTUS], 4, 1, 1, {}, ranges_file=ranges)
