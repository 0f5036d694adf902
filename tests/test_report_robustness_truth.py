"""Robustness and sensitivity sentences that are true (issue 16, items 1, 2 and 6).

1. What the report says about where a plan wins comes from the robustness
   table's own ``box_of`` ("better" or "not better"), never from fixed words.
2. An assumption is named as deciding only when it measurably separates the
   worlds where the plan wins from those where it loses (a permutation test
   with a fixed seed); keys that cannot change either plan's runs are never
   candidates, and the rules saying which keys cannot are checked against the
   model itself (identical runs at the key's lowest and highest value).
6. A sensitivity design too small to rank the assumptions is said once, with
   one number (the n it needs), the same in the command line, the chart and
   the report.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import load_scenario, simulate
from sim.cli.main import main
from sim.reporting.compare import compare
from sim.config.ranges import plausible_ranges
from sim.reporting import findings
from sim.reporting.results import read_analysis_table
from sim.reporting.scenarios import key_label
from sim.analysis.robustness import (ALPHA, HEADLINES, cannot_matter, discover, inert_keys, permutation_p,
                            report_lines, run_robustness, separation, _write)
from sim.config.schema import label_of

from helpers import OPTUS, SCENARIOS

pytestmark = [pytest.mark.filterwarnings("ignore::sim.model.step_length.StepLengthWarning"),
              pytest.mark.filterwarnings("ignore:.*steps are long against:RuntimeWarning")]
WOM = SCENARIOS / "word_of_mouth.toml"
DIRECT = SCENARIOS / "direct_first.toml"
BUNDLED = [OPTUS, DIRECT, SCENARIOS / "trusted_channels.toml", WOM]
RANGES = plausible_ranges(None)
KEYS = list(RANGES)
SMS_KEYS = {"channels.direct.media.sms.read_delay_hours", "channels.direct.media.sms.reachable.current",
            "channels.direct.media.sms.reachable.former"}
SMS_DELAY = "channels.direct.media.sms.read_delay_hours"
SMALL = {"population.size": 400, "scenario.hours": 48}


# --------------------------------------------------------------------------- helpers

def _row(**values) -> dict:
    """A robustness row as `robustness` writes it, with the given values."""
    row = {"scenario": "Word of mouth", "measure": "hours_to_50pct_affected", "share_better": 0.19,
           "diff_median": 0.0, "diff_p10": -0.2, "diff_p90": 0.0, "baseline": "Optus 2022",
           "share_tied": 0.75, "share_worse": 0.06, "worlds": 32, "decided_by": "",
           "decided_by_rho": np.nan, "box": "", "box_of": "", "box_coverage": np.nan,
           "box_density": np.nan, "unit": "hours", "decided_p": 0.4}
    row.update(values)
    return row


BOX = "attention on a public holiday (multiplier) below 0.81 and trust in social media below 0.405"


def _boxed(box_of: str, share: float) -> dict:
    return _row(share_better=share, decided_by="attention.holiday_factor", decided_by_rho=-0.6,
                box=BOX, box_of=box_of, box_coverage=0.83, box_density=0.71, decided_p=0.01)


class _Text(HTMLParser):
    """The visible text of a page (no styles, scripts or image data)."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _page_text(path: Path) -> str:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return re.sub(r"\s+", " ", " ".join(parser.parts))


# --------------------------------------------------------------------------- 1. the table's own words

@pytest.mark.parametrize("box_of, share, opposite", [("better", 0.19, "not better"),
                                                     ("not better", 0.81, None)])
def test_the_report_row_says_what_box_of_says(box_of, share, opposite):
    row = findings.robustness_rows(pd.DataFrame([_boxed(box_of, share)]), {})[0]
    assert row["when"] == (f"{box_of} mainly when {BOX} (in 71% of such worlds; they hold 83% of the "
                           f"worlds where it is {box_of})")
    if opposite:
        assert opposite not in row["when"]


def test_the_report_row_says_no_single_assumption_decides_or_what_decides_without_a_box():
    undecided, named = findings.robustness_rows(pd.DataFrame([
        _row(), _row(measure="hours_to_90pct_affected", share_better=0.94, decided_by="word_of_mouth.active_hours",
                     decided_by_rho=0.7, box_of="not better", decided_p=0.002)]), {})
    assert undecided["when"] == "no single assumption was found to decide it"
    assert named["when"] == f"whether it is better depends most on {key_label('word_of_mouth.active_hours')}"


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_nothing_is_said_about_deciding_when_the_plan_always_or_never_wins(share):
    assert findings.deciding_words(pd.Series(_row(share_better=share))) == ""


def test_a_table_that_never_looked_says_nothing_about_what_decides():
    old = pd.Series({"scenario": "x", "measure": "hours_to_50pct_affected", "share_better": 0.5})
    assert findings.deciding_words(old) == ""
    assert findings.deciding_words(pd.Series({**old, "box": BOX})) == ""      # which outcome? unknown


def test_the_words_survive_the_csv_round_trip(tmp_path):
    """Empty cells come back as NaN: still no box, still the table's words."""
    table = pd.DataFrame([_boxed("better", 0.19), _row(measure="hours_to_90pct_affected", share_better=0.5)]
                         + [_row(measure=m, share_better=0.0) for m in list(HEADLINES)[2:]])
    diffs = pd.DataFrame({"scenario": "Word of mouth", "measure": list(HEADLINES), "world": 0,
                          "difference": 0.0, "better": False})
    _write(tmp_path, table, diffs, pd.DataFrame({"trust.peer": [0.5]}), report_lines(table))
    back = read_analysis_table(tmp_path / "robustness.csv", "robustness.csv", True)
    assert back["box"].isna().sum() == len(HEADLINES) - 1       # one row per headline measure, one boxed
    assert [r["when"] for r in findings.robustness_rows(back, {})] == \
        [r["when"] for r in findings.robustness_rows(table, {})] == [
        f"better mainly when {BOX} (in 71% of such worlds; they hold 83% of the worlds where it is better)",
        "no single assumption was found to decide it", *[""] * (len(HEADLINES) - 2)]


@pytest.mark.parametrize("box_of, share", [("better", 0.19), ("not better", 0.81)])
def test_report_lines_say_what_box_of_says(box_of, share):
    line = report_lines(pd.DataFrame([_boxed(box_of, share)]))[0]
    assert f"in {share:.0%} of 32 plausible worlds" in line
    assert f"; it is {box_of} on the time to reach half of affected customers mainly when {BOX}" in line
    assert f"they hold 83% of the worlds where it is {box_of})" in line
    assert "no single assumption" not in line


def test_report_lines_say_when_no_single_assumption_decides():
    table = pd.DataFrame([_row(), _row(measure="hours_to_90pct_affected", share_better=0.94),
                          _row(measure="final_company_trust_affected", share_better=0.0)])
    line = report_lines(table)[0]
    assert line.endswith("; no single assumption was found to decide whether it is better on the time to reach half "
                         "of affected customers and the time to reach 90% of affected customers.")
    assert "mainly when" not in line and "final company trust" not in line.split("; no single")[1]


def test_report_lines_name_a_deciding_assumption_without_a_box():
    line = report_lines(pd.DataFrame([_row(decided_by="trust.peer", box_of="better", decided_p=0.01)]))[0]
    assert line.endswith(f"; whether it is better on the time to reach half of affected customers depends "
                         f"most on {label_of('trust.peer')}.")


def test_the_robustness_sentence_says_where_plans_tie():
    table = pd.DataFrame([_row(), _row(measure="hours_to_90pct_affected", share_better=0.94, share_tied=0.0,
                                       share_worse=0.06)])
    said = findings.robustness_sentences(table, {"Optus 2022": "Optus"})[0]
    assert ("it did better than Optus in 19% of them on the time to reach half (as well in 75%); 94% of them "
            "on the time to reach 90% (table below).") in said


@pytest.mark.parametrize("measure, value, shown", [
    ("hours_to_50pct_affected", -0.2, "\u22120.2 h"), ("hours_to_50pct_affected", -0.04, "0.0 h"),
    ("hours_to_50pct_affected", 0.0, "0.0 h"), ("hours_to_90pct_affected", -123.7, "\u2212124 h"),
    ("unaware_affected_share_72h", -0.00001, "0.0 points"), ("unaware_affected_share_72h", 0.532, "+53.2 points"),
    ("final_company_trust_affected", 0.0001, "0.000")])
def test_a_difference_that_rounds_to_zero_has_no_sign(measure, value, shown):
    row = findings.robustness_rows(pd.DataFrame([_row(measure=measure, diff_median=value)]), {})[0]
    assert row["difference"].startswith(shown + " (")


# --------------------------------------------------------------------------- 2. which keys cannot matter

def test_sms_keys_cannot_matter_when_neither_plan_sends_an_sms():
    optus, wom, direct = (load_scenario(p, {}) for p in (OPTUS, WOM, DIRECT))
    assert SMS_KEYS <= inert_keys([optus, wom], KEYS)                      # e-mail only, both
    assert not SMS_KEYS & inert_keys([optus, direct], KEYS)                # Direct first texts
    assert not {"channels.direct.media.email.read_delay_hours", "trust.company", "word_of_mouth.social",
                "attention.holiday_factor"} & inert_keys([optus, wom], KEYS)
    assert "word_of_mouth.share_multiplier_when_asked" not in inert_keys([optus, wom], KEYS)  # WOM asks
    assert "word_of_mouth.share_multiplier_when_asked" in inert_keys([optus, direct], KEYS)


#: Scenarios in which many keys cannot matter: each rule of cannot_matter is met at least once.
PROBES = {
    "no channels": {"channels.media.releases": [], "channels.twitter.posts": [],
                    "channels.direct.campaigns": [], "attention.holidays": []},
    "e-mail to former customers only, for ever": {
        "channels.direct.campaigns": [{"medium": "email", "start_hour": 0, "per_hour": 1e6,
                                       "targets": ["former"], "ask_to_share": False}],
        "word_of_mouth.active_kind": "forever", "channels.twitter.posts": []},
    "no Gen Z, SMS to current customers": {
        "population.cohorts": {"gen_z": 0.0, "millennial": 0.3, "gen_x": 0.3, "boomer": 0.4},
        "channels.direct.campaigns": [{"medium": "sms", "start_hour": 2, "per_hour": 1e6,
                                       "targets": ["current"], "ask_to_share": True}]},
}


def _probe_cases():
    for path in BUNDLED:
        yield path.stem, path, {}
    for name, overrides in PROBES.items():
        yield name, OPTUS, overrides


def _run(path: Path, overrides: dict, key: str, value: float, engine: str = "fast"):
    scenario = load_scenario(path, {**overrides, "population.size": 300, "scenario.hours": 96, key: value})
    return simulate(scenario, seed=11, engine=engine)


@pytest.mark.parametrize("engine", ["fast", "agents"])
@pytest.mark.parametrize("name, path, overrides", list(_probe_cases()),
                         ids=lambda x: x if isinstance(x, str) else "")
def test_a_key_said_not_to_matter_changes_nothing_in_the_model(name, path, overrides, engine):
    """cannot_matter is checked against both engines: at the key's lowest and highest
    plausible value, a run with the same seed is identical in every column and measure."""
    scenario = load_scenario(path, {**overrides, "population.size": 300, "scenario.hours": 96})
    inert = [k for k in KEYS if cannot_matter(scenario, k)]
    assert len(inert) >= 3                                    # at least the unused network keys
    for key in inert:
        low, high = (_run(path, overrides, key, v, engine) for v in (RANGES[key].low, RANGES[key].high))
        pd.testing.assert_frame_equal(low.timeseries, high.timeseries, obj=f"{name}: {key}")
        pd.testing.assert_series_equal(pd.Series(low.summary), pd.Series(high.summary), obj=key)


def test_the_probe_sees_a_key_that_matters():
    """The same check fails for a key that matters (so it can fail at all)."""
    low, high = (_run(DIRECT, {}, SMS_DELAY, v) for v in (RANGES[SMS_DELAY].low, 60.0))
    assert not low.timeseries.equals(high.timeseries)
    assert not cannot_matter(load_scenario(DIRECT, {}), SMS_DELAY)


def test_every_rule_of_cannot_matter_is_probed():
    said = {k for _, path, overrides in _probe_cases()
            for k in KEYS if cannot_matter(load_scenario(path, overrides), k)}
    assert {"channels.direct.media.sms.read_delay_hours", "channels.direct.media.email.read_delay_hours",
            "channels.direct.media.sms.reachable.current", "channels.direct.media.sms.reachable.former",
            "channels.direct.media.email.reachable.current", "population.habits.news.gen_z",
            "population.habits.twitter.millennial", "attention.holiday_factor",
            "word_of_mouth.share_multiplier_when_asked", "word_of_mouth.active_hours",
            "trust.company_effects.told_first_share", "trust.company_effects.late_contact_recovery",
            "network.rewire"} <= said


# --------------------------------------------------------------------------- 2. which keys decide

def _worlds(seed: int, n: int = 32) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({k: rng.uniform(RANGES[k].low, RANGES[k].high, n) for k in KEYS})


def test_a_key_that_cannot_matter_is_never_named_even_when_it_lines_up_with_the_outcome():
    """The issue's case: the plan wins exactly where the SMS read delay is short, by
    construction; neither plan sends an SMS, so the delay is not a candidate."""
    for seed in range(5):
        worlds = _worlds(seed)
        better = worlds[SMS_DELAY].to_numpy() < worlds[SMS_DELAY].quantile(0.3)
        diff = np.where(better, -1.0, 0.5)
        assert discover(worlds, better, diff)["decided_by"] == SMS_DELAY     # a candidate, it would be named
        found = discover(worlds, better, diff, SMS_KEYS)
        assert found.get("decided_by", "") not in SMS_KEYS and "box" not in found


def test_keys_with_no_effect_are_named_no_more_often_than_the_test_allows():
    """Outcomes that no assumption affects, over 200 seeds: some key is named in at
    most about ALPHA of them (chance, controlled family-wise); the strongest rank
    correlation, the old choice, always names one."""
    named = 0
    for seed in range(200):
        worlds = _worlds(seed)
        better = np.random.default_rng(1000 + seed).random(32) < 0.3
        if 0 < better.sum() < 32:
            named += bool(discover(worlds, better, np.where(better, -1.0, 1.0)).get("decided_by"))
    assert named <= 0.08 * 200, named
    assert 0.0 < ALPHA <= 0.05


@pytest.mark.parametrize("seed", range(5))
def test_a_key_with_a_strong_effect_is_named_with_its_box(seed):
    worlds = _worlds(seed)
    key = "word_of_mouth.active_hours"
    noise = np.random.default_rng(seed).normal(0, 4, len(worlds))
    better = (worlds[key] + noise).to_numpy() > 45
    found = discover(worlds, better, np.where(better, -1.0, 1.0))
    assert found["decided_by"] == key and found["p"] <= ALPHA
    assert found["box"].startswith(label_of(key)) and found["box_of"] in ("better", "not better")
    assert abs(separation(worlds[[key]], better)[key]) > 0.6


def test_the_permutation_test_is_reproducible_and_bounded():
    worlds = _worlds(3)
    better = worlds["trust.peer"].to_numpy() > 0.6
    first, again = permutation_p(worlds, better), permutation_p(worlds, better)
    pd.testing.assert_series_equal(first, again)
    assert ((first > 0) & (first <= 1)).all() and first["trust.peer"] == pytest.approx(1 / 1000)


# --------------------------------------------------------------------------- 2. on the model, several seeds

@pytest.fixture(scope="module")
def neither_texts(tmp_path_factory):
    """Optus 2022 against the Word of mouth lesson (both e-mail only), three seeds."""
    folder = tmp_path_factory.mktemp("neither")
    return [run_robustness([OPTUS, WOM], folder / f"seed{seed}", samples=16, reps=1, seed=seed,
                           overrides=SMALL, workers=1, progress=False)[:2] for seed in (1, 2, 3)]


def test_sms_keys_are_never_named_when_neither_plan_texts(neither_texts):
    for table, lines in neither_texts:
        assert not set(table["decided_by"]) & SMS_KEYS
        named = table[table["decided_by"] != ""]
        assert (named["decided_p"] <= ALPHA).all()
        mixed = table[(table["share_better"] > 0) & (table["share_better"] < 1)]
        undecided = mixed[mixed["decided_by"] == ""]
        if len(undecided):
            assert "no single assumption was found to decide whether it is better on" in lines[0]
        assert "decided_p" in table.columns and list(table.columns[:6]) == [
            "scenario", "measure", "share_better", "diff_median", "diff_p10", "diff_p90"]


@pytest.fixture(scope="module")
def sms_flip(tmp_path_factory):
    """Media only against SMS only, the SMS read delay from minutes to 2.5 days: the SMS
    wins on time to half aware unless people are slow to read it. Two seeds."""
    folder = tmp_path_factory.mktemp("flip")
    body = f'[scenario]\nextends = "{OPTUS.as_posix()}"\nname = "{{}}"\n{{}}'
    media = folder / "media.toml"
    media.write_text(body.format("media only", "[channels.direct]\ncampaigns = []\n"), encoding="utf-8")
    sms = folder / "sms.toml"
    sms.write_text(body.format("SMS only", "[channels.media]\nreleases = []\n[channels.twitter]\nposts = []\n"
                               "[channels.direct]\ncampaigns = [{ medium = \"sms\", start_hour = 0, "
                               "per_hour = 1e9, targets = [\"current\", \"former\"] }]\n"), encoding="utf-8")
    ranges = folder / "ranges.toml"
    ranges.write_text(f'["{SMS_DELAY}"]\nlow = 0.1\nhigh = 60.0\nwhy = "test: minutes to days"\n',
                      encoding="utf-8")
    return [run_robustness([media, sms], folder / f"seed{seed}", samples=24, reps=2, seed=seed,
                           overrides=SMALL, ranges_file=ranges, workers=1, progress=False)[:2]
            for seed in (5, 8)]


def test_a_key_with_a_strong_effect_is_named_on_the_model(sms_flip):
    for table, lines in sms_flip:
        row = table[table["measure"] == "hours_to_50pct_affected"].iloc[0]
        assert 0 < row["share_better"] < 1
        assert row["decided_by"] == SMS_DELAY and row["decided_p"] <= ALPHA
        side = "above" if row["box_of"] == "not better" else "below"   # the rarer outcome's box
        assert row["box"].startswith(label_of(SMS_DELAY) + f" {side}")
        assert f"{row['box_of']} on the time to reach half of affected customers mainly when" in lines[0]


# --------------------------------------------------------------------------- 1. in the rendered report

@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp") / "compare"
    compare([OPTUS, WOM], out, replications=2, seed=5, overrides={"population.size": 500, "scenario.hours": 72},
            workers=1, progress=False)
    return out


def _names():
    return [load_scenario(p, {}).name for p in (OPTUS, WOM)]


def test_the_rendered_report_quotes_the_tables_own_words(compared, tmp_path, capsys):
    base, wom = _names()
    table = pd.DataFrame([{**_boxed("better", 0.19), "scenario": wom, "baseline": base},
                          {**_row(measure="hours_to_90pct_affected", share_better=0.94), "scenario": wom,
                           "baseline": base},
                          {**_boxed("not better", 0.97), "measure": "unaware_affected_share_72h",
                           "scenario": wom, "baseline": base, "box": "trust in people one knows above 0.7"}])
    csv = tmp_path / "robustness.csv"
    table.to_csv(csv, index=False)
    assert main(["report", str(compared), "--robustness", str(csv), "--out", str(tmp_path / "r"),
                 "--quiet"]) == 0
    capsys.readouterr()
    page = _page_text(tmp_path / "r" / "report.html")
    section = page[page.index("How certain are these figures?"):page.index("Appendix A")]
    assert f"better mainly when {BOX} (in 71% of such worlds" in section
    assert f"not better mainly when {BOX}" not in section                    # the reversal
    assert "not better mainly when trust in people one knows above 0.7" in section
    assert section.count("no single assumption was found to decide it") == 1


# --------------------------------------------------------------------------- 6. sensitivity said once

MEASURES = ("hours_to_50pct_affected", "hours_to_90pct_affected", "share_affected_first_from_company",
            "unaware_affected_share_24h", "unaware_affected_share_72h", "unaware_affected_share_end",
            "final_company_trust_affected", "final_aware_share")
PARAMS = ("word_of_mouth.social", "trust.company_effects.told_first_share", "word_of_mouth.household")


def _sobol(scenarios, st, conf, n=16) -> pd.DataFrame:
    rows = [{"scenario": s, "measure": m, "parameter": p, "S1": 0.8 * v, "S1_conf": c, "ST": v, "ST_conf": c,
             "n": n} for s in scenarios for m in MEASURES for p, v, c in zip(PARAMS, st, conf)]
    return pd.DataFrame(rows)


def test_a_design_too_small_is_said_once_with_one_number():
    table = _sobol(["Optus", "Other"], [0.70, 0.2, 0.1], [0.66, 0.3, 0.2])
    notes = findings.sensitivity_notes(table, key_label, ["Optus", "Other"])
    said = findings.sensitivity_sentences(notes, {"Optus": "Optus", "Other": "Other"})
    assert len(notes) == 16 and len(said) == 1
    assert said[0] == ("Sensitivity (Optus and Other): the analysis cannot say which assumptions matter "
                       "most. Design too small to rank parameters (confidence intervals wider than the "
                       "indices; widest ±0.66): rerun with n of at least 1024.")
    assert "±0.66" in said[0] and "0.70 ±" not in said[0]                # no ranking it then disowns
    paragraphs = findings.uncertainty(3, True, notes, None, {})
    assert sum("Design too small" in p for p in paragraphs) == 1


def test_the_number_comes_from_the_table_wherever_it_is_quoted():
    table = _sobol(["Optus"], [0.70, 0.2, 0.1], [0.66, 0.3, 0.2], n=16)
    assert findings.design_warning(table) == findings.design_warning(table, n=64) \
        == findings.design_warning(table.drop(columns="n"), n=16)
    assert "n of at least 1024" in findings.design_warning(table)
    assert findings.design_warning(table.drop(columns="n")).endswith("about 44 times the current n.")


def test_a_design_that_ranks_gives_one_sentence_per_plan_grouped_by_what_matters():
    table = _sobol(["Optus"], [0.62, 0.2, 0.05], [0.05, 0.04, 0.03], n=2048)
    table.loc[table["measure"] == "final_company_trust_affected", "ST"] = [0.1, 0.7, 0.05]
    table.loc[(table["measure"] == "final_aware_share") & (table["parameter"] == PARAMS[2]), "ST"] = 0.6
    table["S1"] = 0.8 * table["ST"]
    notes = findings.sensitivity_notes(table, key_label, ["Optus"])
    said = findings.sensitivity_sentences(notes, {"Optus": "Optus"})
    assert len(said) == 1 and not notes[0].warning
    text = said[0]
    assert text.startswith("Sensitivity (Optus; Sobol total-order index ± its 95% interval): what matters "
                           f"most is {key_label(PARAMS[0])} for the time to reach half (0.62 ± 0.05), "
                           "the time to reach 90% (0.62 ± 0.05)")
    assert f"; {key_label(PARAMS[1])} for trust in the company (0.70 ± 0.04)" in text
    assert f"{key_label(PARAMS[0])} or {key_label(PARAMS[2])} (not told apart)" in text   # 0.62 ± 0.05, 0.6 ± 0.03
    assert text.count("Sensitivity") == 1


BATCH = """name = "tiny sobol"
scenarios = ["{optus}"]
replications = 1
seed = 7
[set]
"population.size" = 300
"scenario.hours" = 72
[sample]
method = "sobol"
n = 4
[sample.ranges]
"word_of_mouth.social" = [0.001, 0.01]
"trust.company_effects.told_first_share" = [0.0, 1.0]
"""


def test_command_line_chart_and_report_give_the_same_number(tmp_path, capsys):
    batch = tmp_path / "tiny.toml"
    batch.write_text(BATCH.format(optus=OPTUS.as_posix()), encoding="utf-8")
    out = tmp_path / "sens"
    assert main(["batch", str(batch), "--out", str(out), "--workers", "1", "--quiet"]) in (0,)
    capsys.readouterr()
    assert main(["sensitivity", str(out)]) == 0
    err = capsys.readouterr().err
    said = [line for line in err.splitlines() if "Design too small" in line]
    assert len(said) == 1, err
    need = re.search(r"rerun with (n of at least \d+)\.", said[0]).group(1)
    table = pd.read_csv(out / "sensitivity.csv")
    assert set(table["n"]) == {4} and table.columns[-1] == "n"
    assert main(["report", str(out), "--out", str(tmp_path / "report")]) == 0
    printed = capsys.readouterr().out
    assert printed.count(need) == 1 and f"warning: {said[0].removeprefix('warning: ')}" in printed
    page = _page_text(tmp_path / "report" / "report.html")
    assert page.count("Design too small") == 1 and page.count(need) == 1
    assert "The design is too small to rank them (see above)." in page
    assert not re.search(r"times the current n|n of at least (?!" + need.split()[-1] + r")\d+", page)
