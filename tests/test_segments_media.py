"""Segments, targets that say who, sending priority and media declared as data.

The four cases a consultant asks for, each from a scenario file alone, on both
engines: "SMS Gen Z customers first at hour 0, then everyone at hour 6",
"tell the ID-exposed first", "a push notification with a 10-minute read
delay" and "a letter read after about three days". Each checks what a reader
expects: the targeted people are informed first, by the targeted medium, at its
read delay. Then segment draws (exact counts, weights, their own streams),
the send order, old keys that moved, and bad input (one line, exit 2, nothing
written).
"""

import math
import warnings

import numpy as np
import pytest

from sim import ScenarioError, load_scenario, simulate
from sim.cli.main import main
from sim.config.schema import label_of
from sim.model.engine import prepare
from sim.model.population import exact_counts
from sim.model.step_length import StepLengthWarning

from helpers import OPTUS, QUIET

ENGINES = ("fast", "agents")
#: Affected customers only and no other channel: the campaigns alone inform.
#: (The scenario file's own campaigns are kept: overrides come after the file.)
ONLY_CAMPAIGNS = {**{k: v for k, v in QUIET.items() if k != "channels.direct.campaigns"},
                  "population.customers.current": 0.6, "population.customers.former": 0.4}


def segment_count(share: float, affected: int) -> int:
    """Members of a segment of ``share`` of ``affected`` agents: largest-remainder rounding
    of (share, 1 - share), ties to the segment (docs/MODEL.md 7.2)."""
    return int(exact_counts([share, 1 - share], int(affected))[0])


def write(tmp_path, text: str, name: str = "case.toml"):
    path = tmp_path / name
    path.write_text(f'[scenario]\nextends = "{OPTUS}"\n' + text, encoding="utf-8")
    return path


def run(path, overrides=None, engine="fast", seed=1):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StepLengthWarning)
        return simulate(load_scenario(path, {**ONLY_CAMPAIGNS, **(overrides or {})}), seed, engine)


# ---- the four cases of the issue ------------------------------------------------------------
GEN_Z_FIRST = """
[channels.direct]
campaigns = [
  { medium = "sms", start_hour = 0, per_hour = 100_000_000, targets = ["gen_z"] },
  { medium = "sms", start_hour = 6, per_hour = 100_000_000, targets = ["current", "former"] },
]
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_sms_to_gen_z_first_then_everyone(tmp_path, engine):
    result = run(write(tmp_path, GEN_Z_FIRST), {"population.size": 2000, "scenario.hours": 12}, engine)
    ts, s = result.timeseries, result.summary
    at = lambda h, col: int(ts.loc[ts["hours"] == h, col].iloc[0])  # noqa: E731
    gen_z = s["affected_size_gen_z"]
    # by hour 5 only Gen Z has been messaged: every message sent is one of theirs
    assert at(5, "direct_sent") == gen_z
    # SMS reaches 95% of current and 65% of former customers (0.83 of these) and is read in minutes
    assert at(5, "aware_affected_gen_z") > 0.7 * gen_z
    for cohort in ("millennial", "gen_x", "boomer"):
        assert at(5, f"aware_affected_{cohort}") == 0                # no one else has heard
        assert at(12, f"aware_affected_{cohort}") > 0.7 * s[f"affected_size_{cohort}"]
    assert at(12, "direct_sent") == gen_z + s["affected_agents"]     # then everyone, Gen Z again


ID_EXPOSED_FIRST = """
[population.segments.id_exposed]
label = "ID-exposed customers"
share = 0.25

[channels.direct]
campaigns = [
  { medium = "email", start_hour = 0, per_hour = 2_600, targets = ["current", "former"], priority = ["id_exposed"] },
]
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_the_id_exposed_are_told_first(tmp_path, engine):
    overrides = {"population.size": 2000, "scenario.hours": 24, "population.represents": 26_000,
                 "channels.direct.media.email.reachable": {"current": 1.0, "former": 1.0}}
    result = run(write(tmp_path, ID_EXPOSED_FIRST), overrides, engine)
    ts, s = result.timeseries, result.summary
    size = s["segment_id_exposed_size"]
    assert size == segment_count(0.25, s["affected_agents"])               # an exact count
    # 2,600 people per hour is 200 agents per hour (13 people each): the segment's 500 are sent by hour 2.5
    assert (ts["direct_sent"].iloc[:11] == ts["hours"].iloc[:11] * 200).all()
    sent_all = ts.index[ts["direct_sent"] >= size][0]                # row 3 (hour 3)
    # until then (and a step more: a message is read at the earliest in the step after it
    # is sent), everyone contacted is in the segment
    early = ts.iloc[:sent_all + 1]
    assert (early["contacted"] == early["segment_id_exposed_contacted"]).all()
    assert early["contacted"].iloc[-1] > 0
    # the segment is informed sooner than everyone
    assert s["segment_id_exposed_unaware_share_24h"] < s["unaware_affected_share_24h"]


def _mean_read_hours(ts, delivered: int) -> float:
    """Mean row time (hours) at which the messages delivered at hour 0 were first read."""
    contacted = ts["contacted"].to_numpy()
    hours = ts["hours"].to_numpy()
    assert contacted[-1] == delivered                                # the run is long enough
    return float(np.sum(np.diff(contacted) * hours[1:]) / delivered)


PUSH = """
[channels.direct.media.push]
label = "Push notification"
read_delay_hours = 0.1667      # 10 minutes
reachable = { current = 0.6, former = 0.0 }

[channels.direct]
campaigns = [
  { medium = "push", start_hour = 0, per_hour = 1e12, targets = ["current", "former"] },
]
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_a_push_notification_is_read_at_its_read_delay(tmp_path, engine):
    step = 1 / 60                                                    # one-minute steps
    result = run(write(tmp_path, PUSH), {"population.size": 3000, "scenario.hours": 4,
                                         "scenario.step_minutes": 1}, engine)
    ts, s = result.timeseries, result.summary
    delivered = int(ts["direct_delivered"].iloc[-1])
    current = round(0.6 * 3000)                                      # exact count of current customers
    # only current customers are reachable by push: about 60% of them
    assert abs(delivered - 0.6 * current) < 4 * math.sqrt(current * 0.6 * 0.4)
    assert ts["first_direct"].iloc[-1] == s["final_aware_share"] * 3000   # the push told everyone who knows
    # a message sent in step 0 can be read from step 1 and shows one row later: mean
    # delay + 1.5 steps (readings counted at whole steps), standard error delay / sqrt(n)
    expected = 0.1667 + 1.5 * step
    assert abs(_mean_read_hours(ts, delivered) - expected) < 4 * 0.1667 / math.sqrt(delivered) + step / 2


LETTER = """
[channels.direct.media.letter]
label = "Letter"
read_delay_hours = 72
reachable = { current = 0.97, former = 0.8 }

[channels.direct]
campaigns = [
  { medium = "letter", start_hour = 0, per_hour = 1e12, targets = ["former"] },
]

[channels.scam]
waves = []    # the Optus scenario's impostor messages would make others aware
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_a_letter_is_read_after_about_three_days(tmp_path, engine):
    result = run(write(tmp_path, LETTER), {"population.size": 1500, "scenario.hours": 1500}, engine)
    ts = result.timeseries
    delivered = int(ts["direct_delivered"].iloc[-1])
    assert ts["contacted"].iloc[24] < 0.35 * delivered               # after a day, most still unread
    expected = 72 + 1.5
    assert abs(_mean_read_hours(ts, delivered) - expected) < 4 * 72 / math.sqrt(delivered) + 0.5
    assert ts["aware_affected"].iloc[-1] == delivered                # only former customers heard, by letter
    assert result.events[-1]["medium"] == "letter" and result.events[-1]["label"] == "Letter campaign"


def test_belief_scales_how_far_a_medium_is_believed(tmp_path):
    """A medium believed twice as much as company trust: believers among the contacted
    rise from trust to min(1, 2 x trust), on average."""
    base = {"population.size": 3000, "scenario.hours": 12, "trust.company": 0.3, "trust.concentration": 1e6}
    path = write(tmp_path, PUSH)
    plain = run(path, base).timeseries
    trusted = run(path, {**base, "channels.direct.media.push.belief": 2.0}).timeseries
    share = lambda ts: ts["believing"].iloc[-1] / ts["contacted"].iloc[-1]  # noqa: E731
    n = plain["contacted"].iloc[-1]
    assert abs(share(plain) - 0.3) < 4 * math.sqrt(0.3 * 0.7 / n)
    assert abs(share(trusted) - 0.6) < 4 * math.sqrt(0.6 * 0.4 / n)


# ---- segments --------------------------------------------------------------------------------
def test_a_segment_is_an_exact_count_within_its_groups_weighted_by_generation():
    scenario = load_scenario(OPTUS, {"population.size": 20_000, "population.segments": {
        "young_former": {"share": 0.1, "groups": ["former"],
                         "cohort_weights": {"gen_z": 1.0, "millennial": 1.0, "gen_x": 0.0, "boomer": 0.0}}}})
    world, _, _ = prepare(scenario, 3)
    pop = world.population
    members = pop.in_segment[pop.segments.index("young_former")]
    assert members.sum() == segment_count(0.1, pop.affected.sum())
    assert (pop.customer[members] == 2).all()                        # former customers only
    assert np.isin(pop.cohort[members], [0, 1]).all()                # weight 0: never picked while others remain


def test_declaring_a_segment_changes_no_other_draw():
    plain = load_scenario(OPTUS, {"population.size": 3000, "scenario.hours": 72})
    with_segment = load_scenario(OPTUS, {"population.size": 3000, "scenario.hours": 72,
                                         "population.segments.extra": {"share": 0.5}})
    a, b = simulate(plain, 4), simulate(with_segment, 4)
    assert "segment_extra_aware" in b.timeseries and "segment_extra_aware" not in a.timeseries
    assert a.timeseries.equals(b.timeseries[a.timeseries.columns])
    assert {k: v for k, v in b.summary.items() if not k.startswith("segment_extra")} == a.summary


def test_segment_columns_agree_with_the_whole_when_the_segment_is_everyone():
    scenario = load_scenario(OPTUS, {"population.size": 3000, "scenario.hours": 120,
                                     "population.segments.all": {"share": 1.0}})
    for engine in ENGINES:
        ts = simulate(scenario, 2, engine).timeseries
        assert (ts["segment_all_aware"] == ts["aware_affected"]).all()
        assert (ts["segment_all_first_from_company"] == ts["first_direct_affected"]).all()
        assert np.allclose(ts["segment_all_mean_company_trust"], ts["mean_company_trust_affected"], atol=1e-12)


def test_segment_measures_are_in_the_catalog_with_their_words():
    from sim.config.catalog import column, measure

    assert measure("segment_id_exposed_unaware_share_24h").kind == "share"
    assert measure("segment_id_exposed_hours_to_90pct").censored
    assert column("segment_id_exposed_contacted").label == "segment id exposed who have read a company message"
    with pytest.raises(KeyError):
        measure("segment_id_exposed_nonsense")


def test_the_optus_scenario_tells_the_id_exposed_first():
    result = simulate(load_scenario(OPTUS, {"population.size": 4000}), 1)
    s = result.summary
    assert s["segment_id_exposed_unaware_share_72h"] < s["unaware_affected_share_72h"]
    assert s["segment_id_exposed_hours_to_90pct"] < s["hours_to_90pct_affected"]


# ---- keys that moved -------------------------------------------------------------------------
def test_old_medium_keys_read_as_the_new_ones(tmp_path):
    old = write(tmp_path, """
[population.habits.sms_reachable]
current = 0.5
former = 0.25
[channels.direct.read_delay_hours]
sms = 0.5
""")
    new = write(tmp_path, """
[channels.direct.media.sms]
read_delay_hours = 0.5
reachable = { current = 0.5, former = 0.25 }
""", "new.toml")
    assert load_scenario(old).data == load_scenario(new).data
    by_override = load_scenario(OPTUS, {"channels.direct.read_delay_hours.sms": 0.5,
                                        "population.habits.sms_reachable.current": 0.5,
                                        "population.habits.sms_reachable.former": 0.25})
    assert by_override.data["channels"]["direct"]["media"] == load_scenario(new).data["channels"]["direct"]["media"]
    assert label_of("channels.direct.read_delay_hours.sms") == label_of("channels.direct.media.sms.read_delay_hours")
    both = write(tmp_path, """
[channels.direct.read_delay_hours]
sms = 0.5
[channels.direct.media.sms]
read_delay_hours = 0.7
""", "both.toml")
    with pytest.raises(ScenarioError, match="set twice.*keep only channels.direct.media.sms.read_delay_hours"):
        load_scenario(both)


# ---- bad input: one line, exit 2, nothing written ------------------------------------------------
BAD = {
    "unknown target": ('[channels.direct]\ncampaigns = [{ medium = "sms", start_hour = 0, per_hour = 1000, '
                       'targets = ["gen_zz"] }]\n', "campaigns.0.targets.0: got 'gen_zz'; allowed: customer groups"),
    "empty intersection": ('[population.segments.old]\nshare = 0.1\ngroups = ["former"]\n[channels.direct]\n'
                           'campaigns = [{ medium = "sms", start_hour = 0, per_hour = 1000, '
                           'targets = ["current", "old"] }]\n', "can hold no one"),
    "share above one": ("[population.segments.x]\nshare = 1.5\n", "population.segments.x.share: got 1.5; allowed"),
    "share above its group": ('[population.segments.x]\nshare = 0.5\ngroups = ["former"]\n',
                              "former customers are only 0.4164"),
    "medium without read delay": ("[channels.direct.media.push]\nreachable = { current = 1, former = 1 }\n",
                                  "channels.direct.media.push.read_delay_hours: missing"),
    "undeclared medium": ('[channels.direct]\ncampaigns = [{ medium = "fax", start_hour = 0, per_hour = 1000, '
                          'targets = ["current"] }]\n', "got 'fax'; allowed: a declared medium, one of sms, email"),
    "priority outside targets": ('[channels.direct]\ncampaigns = [{ medium = "sms", start_hour = 0, per_hour = 1000, '
                                 'targets = ["current"], priority = ["former"] }]\n',
                                 "priority.0: 'former' is not among the people the campaign targets"),
    "segment named like a group": ("[population.segments.current]\nshare = 0.1\n", "already names something else"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_segments_targets_and_media_are_one_line(tmp_path, capsys, case):
    text, expected = BAD[case]
    path = write(tmp_path, text)
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(path) in err and expected in err, err
    assert not out.exists()


# ---- the README's own-company example ------------------------------------------------------------
def readme_example(tmp_path):
    from helpers import ROOT

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("```toml\n# acme.toml") + len("```toml\n")
    path = tmp_path / "acme.toml"
    path.write_text(text[start:text.index("```", start)], encoding="utf-8")
    return path


def test_the_readme_own_company_example_runs_and_tells_the_exposed_first(tmp_path):
    scenario = load_scenario(readme_example(tmp_path), {"population.size": 6000})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StepLengthWarning)
        result = simulate(scenario, 1)
    s = result.summary
    assert s["segment_cards_exposed_size"] == segment_count(0.18, s["affected_agents"])
    assert [e["medium"] for e in result.events if e["channel"] == "direct"] == ["push", "sms", "letter"]
    # told first: each prioritised campaign messages every exposed customer it targets before anyone else
    # (at these throughputs everyone is messaged within hours, so the 24-hour shares barely differ)
    from sim.model.engine import prepare

    world, _, _ = prepare(scenario, 1)
    exposed = world.population.in_segment[world.population.segments.index("cards_exposed")]
    for campaign in world.campaigns[:2]:
        members = exposed[campaign.order]
        assert members.any() and not members[members.sum():].any()


def test_the_report_says_targets_priority_and_media_in_words(tmp_path):
    from sim.reporting.scenarios import campaign_rows, info_from_data

    scenario = load_scenario(readme_example(tmp_path))
    rows = campaign_rows([info_from_data(scenario.data)])
    assert [r["channel"] for r in rows] == ["App notification", "SMS", "Letter"]
    assert rows[0]["who"] == "Current customers: customers whose cards were exposed first, then the rest"
    assert rows[1]["who"] == "Current and former customers: customers whose cards were exposed first, then the rest"
    assert rows[2]["who"] == "Former customers"
    gen_z = load_scenario(readme_example(tmp_path), {"channels.direct.campaigns.0.targets": ["current", "gen_z"],
                                                      "channels.direct.campaigns.1.targets": ["cards_exposed"],
                                                      "channels.direct.campaigns.1.priority": []})
    rows = campaign_rows([info_from_data(gen_z.data)])
    assert rows[0]["who"].startswith("Current customers of Gen Z")
    assert rows[1]["who"] == "Customers whose cards were exposed"
    # people targeted: the segment's expected members (0.18 x 1.69 M = 304,200), not the whole groups
    assert rows[1]["throughput"] == "500,000 per hour: all 304,000 in 37 minutes"


def test_a_notebook_run_shows_its_segments():
    import sim

    run = sim.Run("optus_2022", overrides={"population.size": 2000, "scenario.hours": 96})
    table = run.segments()
    assert table["segment"].tolist() == ["id_exposed"] and table["label"].tolist() == ["ID-exposed customers"]
    assert table["size"].iloc[0] == run.result.summary["segment_id_exposed_size"]
    page = run._repr_html_()
    assert "ID-exposed customers unaware at 24 h" in page and "Hours until 90% of ID-exposed customers know" in page


# ---- segment and medium keys are ordinary dotted keys ---------------------------------------------
def test_a_batch_sweeps_a_declared_medium_and_a_segment(tmp_path):
    import pandas as pd

    from sim.runs.batch import run_batch

    scenario = write(tmp_path, PUSH + '\n[population.segments.vip]\nshare = 0.2\n')
    spec = tmp_path / "sweep.toml"
    spec.write_text(f'''scenarios = ["{scenario}"]
replications = 2
seed = 3
[set]
"population.size" = 1500
"scenario.hours" = 24
"attention.diurnal" = false
[grid]
"channels.direct.media.push.read_delay_hours" = [0.1, 4.0]
"population.segments.vip.share" = [0.1, 0.3]
''', encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StepLengthWarning)
        run_batch(spec, tmp_path / "b", workers=1, progress=False)
    runs = pd.read_parquet(tmp_path / "b" / "runs.parquet")
    assert len(runs) == 8
    sizes = runs.groupby("population.segments.vip.share")["segment_vip_size"].unique()
    affected = int(runs["affected_agents"].iloc[0])
    assert [list(v) for v in sizes] == [[segment_count(0.1, affected)], [segment_count(0.3, affected)]]
    series = pd.read_parquet(tmp_path / "b" / "timeseries.parquet").merge(
        runs[["run", "channels.direct.media.push.read_delay_hours"]], on="run")
    at_2h = series[series["hours"] == 2].groupby("channels.direct.media.push.read_delay_hours")["contacted"].mean()
    assert at_2h[4.0] < 0.6 * at_2h[0.1]                             # read later: fewer have read it by 2 h


def test_robustness_and_calibration_take_medium_keys(tmp_path):
    from sim.analysis.robustness import robustness_spec
    from sim.config.ranges import read_ranges

    ranges = tmp_path / "ranges.toml"
    ranges.write_text('["channels.direct.media.push.read_delay_hours"]\nlow = 0.05\nhigh = 2.0\n'
                      'why = "minutes to hours"\n'
                      '["channels.direct.read_delay_hours.sms"]\nlow = 0.1\nhigh = 1.0\nwhy = "old name"\n',
                      encoding="utf-8")
    read = read_ranges(ranges)
    assert set(read) == {"channels.direct.media.push.read_delay_hours", "channels.direct.media.sms.read_delay_hours"}
    base, plan = write(tmp_path, PUSH, "base.toml"), write(tmp_path, PUSH.replace("0.1667", "0.5"), "plan.toml")
    spec, sampled, _ = robustness_spec([base, plan], 4, 1, 1, {}, ranges_file=ranges)
    assert "channels.direct.media.push.read_delay_hours" not in sampled      # a lesson key: it differs between plans
    assert "channels.direct.media.sms.read_delay_hours" in sampled


def test_calibration_fits_a_medium_and_a_segment_key(tmp_path):
    from sim.analysis.calibration.params import check_fits, parse_fit

    scenario = load_scenario(write(tmp_path, PUSH))
    fits = check_fits([parse_fit("channels.direct.media.push.read_delay_hours=0.05:2"),
                       parse_fit("population.segments.id_exposed.share=0.1:0.3")], scenario)
    assert [f.key for f in fits] == ["channels.direct.media.push.read_delay_hours",
                                     "population.segments.id_exposed.share"]
    with pytest.raises(ScenarioError, match="former customers are only"):
        check_fits([parse_fit("population.segments.id_exposed.share=0.1:0.6")],
                   load_scenario(OPTUS, {"population.segments.id_exposed.groups": ["former"]}))


def test_the_report_shows_each_segment_only_when_a_plan_declares_one(tmp_path):
    from helpers import ROOT

    plan = write(tmp_path, PUSH.replace('targets = ["current", "former"]',
                                        'targets = ["current", "former"], priority = ["id_exposed"]'), "push.toml")
    out = tmp_path / "cmp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StepLengthWarning)
        assert main(["compare", str(OPTUS), str(plan), "--reps", "2", "--set", "population.size=1500",
                     "--set", "scenario.hours=96", "--workers", "1", "--quiet", "--out", str(out)]) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    section = page[page.index("Segments of the affected customers"):]
    assert "ID-exposed customers still unaware at 24\u00a0h" in section.split("</table>")[0]   # a no-break space
    assert "Push notification" in page and "ID-exposed customers first, then the rest" in page
    none = tmp_path / "none"
    northwind = ROOT / "tests" / "data"
    assert main(["compare", str(northwind / "northwind_energy.toml"), str(northwind / "northwind_text_everyone.toml"),
                 "--reps", "2", "--set", "population.size=800", "--workers", "1", "--quiet", "--out", str(none)]) == 0
    assert "Segments of the affected customers" not in (none / "report.html").read_text(encoding="utf-8")
