"""breachsim optimise: levers, objectives, constraints, the search on cases with a known
answer, resuming, and bad input."""

import json
import subprocess
from pathlib import Path
import sys

import numpy as np
import pandas as pd
import pytest

from helpers import ROOT, SCENARIOS
from test_batch import dask_cluster  # noqa: F401  (the fixture: a real scheduler and two workers)
from sim import load_scenario, simulate
from sim.analysis.optimise import prepare, run_optimisation
from sim.analysis.optimise.goals import messages_by_medium, parse_constraint, parse_objective
from sim.analysis.optimise.levers import parse_lever, plan_data
from sim.analysis.optimise.scores import band, knee, non_dominated, score
from sim.errors import ScenarioError

OPTUS = SCENARIOS / "optus_2022.toml"
DIRECT = SCENARIOS / "direct_first.toml"
EMAIL_START = "channels.direct.campaigns.0.start_hour"
SMS_RATE = "channels.direct.campaigns.0.per_hour"
REACH = "channels.media.releases.0.reach"
SMALL = {"population.size": 1500}


def _run(tmp_path, name, scenario, levers, objectives, constraints=(), budget=160, reps=2, **kw):
    request = prepare(scenario, levers, objectives, constraints, budget=budget, reps=reps,
                      overrides=dict(SMALL), **kw)
    return run_optimisation(request, tmp_path / name, workers=1, progress=False)


def _best_value(out, key):
    summary = json.loads((out / "optimise.json").read_text())
    return float(summary["best"]["values"][key])


# ---- levers ------------------------------------------------------------------------------------
def test_levers_of_every_kind_are_read():
    base = load_scenario(DIRECT)
    hours = parse_lever(f"{EMAIL_START}=0:48", base)
    assert (hours.kind, hours.low, hours.high) == ("int", 0, 48)
    assert parse_lever(f"{EMAIL_START}=0.0:48", base).kind == "float"
    assert parse_lever(f"{EMAIL_START}=0:48:6", base).step == 6
    medium = parse_lever("channels.direct.campaigns.1.medium=sms|email", base)
    assert medium.choices == ("sms", "email")
    share = parse_lever("channels.direct.campaigns.1.ask_to_share=true,false", base)
    assert share.choices == (True, False)
    order = parse_lever('channels.direct.campaigns.0.priority=["id_exposed"]|[]', base)
    assert order.choices == (["id_exposed"], [])
    assert parse_lever("channels.direct.campaigns.1=on|off", base).kind == "switch"
    reach = parse_lever(f"{REACH}=0:1", base)        # a share: 0:1 is any share, not 0 or 1
    assert (reach.kind, reach.low, reach.high) == ("float", 0.0, 1.0)


def test_a_key_given_as_one_value_or_per_generation_is_a_lever_of_one_value():
    base = load_scenario(OPTUS)                        # trust.media is per generation there
    media = parse_lever("trust.media=0.2:0.6", base)
    assert (media.kind, media.low, media.high) == ("float", 0.2, 0.6)
    assert parse_lever("trust.company=0.3|0.4", base).choices == (0.3, 0.4)
    data = plan_data([media], {"trust.media": 0.25}, base)
    assert load_scenario(OPTUS, data).get("trust.media") == 0.25          # one value for everyone
    with pytest.raises(ScenarioError, match="outside the key's values"):
        parse_lever("trust.company=0.2:1.5", base)


def test_campaign_levers_are_labelled_with_their_medium_unless_it_is_levered():
    request = prepare(DIRECT, [f"{SMS_RATE}=50000:2000000", "channels.direct.campaigns.1.start_hour=0:48",
                               "channels.direct.campaigns.1=on|off", f"{REACH}=0.1:0.9"], ["customers_lost"])
    assert [lv.label for lv in request.levers] == [
        "campaign 1 (SMS) throughput (people per hour)", "campaign 2 (e-mail) start (hours after announcement)",
        "campaign 2 (e-mail)", "press release 1 reach (share of news followers)"]
    request = prepare(DIRECT, ["channels.direct.campaigns.0.medium=sms|email", f"{SMS_RATE}=50000:2000000"],
                      ["customers_lost"])
    assert [lv.label for lv in request.levers] == ["campaign 1 medium", "campaign 1 throughput (people per hour)"]
    # the words are not the search: a request differing only in them is the same search
    assert "label" not in request.identity()["levers"][0]


@pytest.mark.parametrize("text, words", [
    ("channels.direct.campaigns.0.start_time=0:4", "not a scenario key"),
    (f"{EMAIL_START}=5:5", "LO < HI"),
    (f"{SMS_RATE}=0:10", "outside the key's values"),
    ("channels.direct.campaigns.7.start_hour=0:4", "has 2 item(s)"),
    ("channels.direct.campaigns.5=on|off", "has 2 item(s)"),
    ("channels.direct.campaigns.0=on|maybe", "allowed: on|off"),
    ("channels.direct=1:2", "a table"),
    ("scenario.hours=24:48", "not levers"),
    (f"{EMAIL_START}=sms", "two or more"),
    ("population.size=10.5:20", "whole numbers"),
    (f"{REACH}=0.2:1.5", "outside the key's values; allowed: a share in [0, 1]"),
    ("no equals sign", "expected KEY="),
])
def test_a_bad_lever_is_one_line_naming_it(text, words):
    with pytest.raises(ScenarioError) as err:
        prepare(DIRECT, [text], ["unaware_affected_share_24h"])
    assert err.value.source == "--lever" and words in err.value.message
    assert "\n" not in err.value.line()


def test_levers_may_not_repeat_or_nest():
    with pytest.raises(ScenarioError, match="given twice"):
        prepare(DIRECT, [f"{EMAIL_START}=0:4", f"{EMAIL_START}=0:8"], ["customers_lost"])
    # a campaign switched on or off may still have its own levers
    request = prepare(DIRECT, ["channels.direct.campaigns.0=on|off", f"{EMAIL_START}=0:8"], ["customers_lost"])
    assert [lv.kind for lv in request.levers] == ["switch", "int"]


def test_a_switched_off_campaign_leaves_the_plan_and_the_others_keep_their_levers():
    base = load_scenario(DIRECT)
    levers = [parse_lever("channels.direct.campaigns.0=on|off", base),
              parse_lever("channels.direct.campaigns.1.start_hour=0:48", base)]
    data = plan_data(levers, {levers[0].key: False, levers[1].key: 30}, base)
    campaigns = data["channels.direct.campaigns"]
    assert [c["medium"] for c in campaigns] == ["email"] and campaigns[0]["start_hour"] == 30
    assert all("_on" not in c for c in campaigns)


# ---- objectives and constraints -----------------------------------------------------------------
def test_objectives_take_the_catalog_direction_unless_told():
    media = ["sms", "email"]
    assert parse_objective("customers_lost", media, {}).direction == "min"
    assert parse_objective("final_company_trust_affected", media, {}).direction == "max"
    assert parse_objective("customers_lost:max", media, {}).direction == "max"
    with pytest.raises(ScenarioError, match="neither lower nor higher"):
        parse_objective("final_aware_share", media, {})
    with pytest.raises(ScenarioError, match="not a measure"):
        parse_objective("unaware_at_noon", media, {})
    with pytest.raises(ScenarioError, match="min or max"):
        parse_objective("customers_lost:least", media, {})
    with pytest.raises(ScenarioError, match="no price for sms"):
        parse_objective("cost", media, {"email": 0.01})
    with pytest.raises(ScenarioError, match="no campaign can send by 'fax'"):
        parse_objective("messages.fax", media, {})


@pytest.mark.parametrize("text, words", [
    ("start<=6", "start>=H"), ("throughput.fax<=10", "no campaign can send by 'fax'"),
    ("throughput.sms>=10", "throughput.MEDIUM<=N"), ("calls_peak_per_hour<10", "NAME<=NUMBER"),
    ("calls_peak_per_hour<=inf", "NAME<=NUMBER"), ("queue<=4", "not a measure"),
])
def test_a_bad_constraint_is_one_line(text, words):
    with pytest.raises(ScenarioError) as err:
        parse_constraint(text, ["sms", "email"], {})
    assert words in err.value.message


def test_a_start_constraint_bounds_the_levers_and_refuses_fixed_early_campaigns():
    request = prepare(DIRECT, [f"{SMS_RATE}=100000:2000000", "channels.direct.campaigns.0.start_hour=0:24",
                               "channels.direct.campaigns.1.start_hour=0:48"],
                      ["unaware_affected_share_24h"], ["start>=6"], overrides=SMALL)
    assert [lv.low for lv in request.levers] == [100000, 6, 6]
    with pytest.raises(ScenarioError, match="campaign 2 starts at 0 h"):
        prepare(DIRECT, ["channels.direct.campaigns.0.start_hour=0:24"], ["customers_lost"], ["start>=6"])
    with pytest.raises(ScenarioError, match="before the earliest start"):
        prepare(OPTUS, [f"{EMAIL_START}=0:4"], ["customers_lost"], ["start>=6"])


def test_a_throughput_cap_scales_the_levered_rates_down_to_it():
    request = prepare(DIRECT, [f"{SMS_RATE}=100000:2000000"], ["unaware_affected_share_24h"],
                      ["throughput.sms<=500000"], overrides=SMALL)
    data = plan_data(request.levers, {SMS_RATE: 1_800_000}, request.base, request.repair)
    assert data["channels.direct.campaigns"][0]["per_hour"] == 500_000
    data = plan_data(request.levers, {SMS_RATE: 300_000}, request.base, request.repair)
    assert data["channels.direct.campaigns"][0]["per_hour"] == 300_000
    with pytest.raises(ScenarioError, match="no lever changes them"):
        prepare(DIRECT, [f"{EMAIL_START}=0:4"], ["customers_lost"], ["throughput.sms<=500000"])


def test_messages_by_medium_add_up_to_the_messages_sent():
    scenario = load_scenario(DIRECT, SMALL)
    result = simulate(scenario, seed=4)
    sent = messages_by_medium(scenario, result.events)
    assert set(sent) == {"sms", "email"}
    assert sum(sent.values()) == pytest.approx(result.summary["messages_sent"], rel=1e-9)


# ---- scores ---------------------------------------------------------------------------------------
def test_scores_combine_worlds_by_the_rule_and_bands_hold_the_score():
    worlds = pd.Series(np.repeat(np.arange(10), 3))
    values = pd.Series(np.repeat(np.arange(10.0), 3) + np.tile([-1.0, 0.0, 1.0], 10))
    assert score(values, worlds, "mean", True) == pytest.approx(4.5)
    assert score(values, worlds, "median", True) == pytest.approx(4.5)
    assert score(values, worlds, "p90", True) == pytest.approx(8.1)
    assert score(values, worlds, "p90", False) == pytest.approx(0.9)
    low, high = band(values, worlds, "mean", True)
    assert low < 4.5 < high


def test_non_dominated_and_knee():
    costs = np.array([[1.0, 5.0], [2.0, 2.0], [5.0, 1.0], [3.0, 3.0], [1.0, 6.0]])
    assert non_dominated(costs).tolist() == [True, True, True, False, False]
    assert knee(costs[:3]) == 1


# ---- the search, on cases with a known answer ------------------------------------------------------
def test_the_earliest_allowed_start_is_found(tmp_path):
    outcome, written = _run(tmp_path, "start", OPTUS, [f"{EMAIL_START}=0:48"], ["unaware_affected_share_24h:min"],
                            ["start>=6"])
    out = tmp_path / "start"
    # within 5% of the lever's range of the known optimum (the earliest allowed start, 6 h)
    assert 6 <= _best_value(out, EMAIL_START) <= 6 + 0.05 * 42
    best = load_scenario(out / "best.toml")
    assert best.get(EMAIL_START) == _best_value(out, EMAIL_START)
    table = pd.read_csv(out / "pareto.csv")
    assert table["best"].sum() == 1 and set(table["kind"]) == {"baseline", "compared", "plan"}
    assert (table.loc[table["kind"] == "plan", EMAIL_START] >= 6).all()
    relaxed = json.loads((out / "optimise.json").read_text())["relaxations"]
    assert relaxed[0]["constraint"] == "start>=6" and relaxed[0]["binding"]


def test_a_share_lever_is_searched_over_its_range(tmp_path):
    # the first press release reaching more news followers leaves fewer customers unaware at 24 h
    _run(tmp_path, "reach", OPTUS, [f"{REACH}=0.1:0.9"], ["unaware_affected_share_24h:min"])
    table = pd.read_csv(tmp_path / "reach" / "pareto.csv")
    tried = table.loc[table["kind"] == "plan", REACH]
    assert tried.between(0.1, 0.9).all() and (tried % 1 != 0).all()     # shares, not whole numbers
    assert _best_value(tmp_path / "reach", REACH) >= 0.9 - 0.05 * 0.8    # within 5% of the range of 0.9


def test_a_capped_throughput_is_used_up_to_the_cap(tmp_path):
    # at 200,000 an hour the SMS takes two days to reach everyone: every hour of it counts at 24 h
    _run(tmp_path, "cap", DIRECT, [f"{SMS_RATE}=50000:2000000"], ["unaware_affected_share_24h:min"],
         ["throughput.sms<=200000"])
    rate = _best_value(tmp_path / "cap", SMS_RATE)
    assert 0.95 * 200_000 <= rate <= 200_000
    table = pd.read_csv(tmp_path / "cap" / "pareto.csv")
    assert table.loc[table["kind"] == "plan", SMS_RATE].max() <= 200_000          # never above the cap


def test_two_opposed_objectives_give_a_front_ending_at_each_single_optimum(tmp_path):
    # the SMS sent leaves fewer customers unaware at 24 h, the faster the better, and costs
    # messages: the front runs from the fastest SMS (fewest unaware) to no SMS (no message)
    # (below 400,000 an hour the SMS is still sending at 24 h, so every step of speed counts)
    _run(tmp_path, "front", DIRECT, ["channels.direct.campaigns.0=on|off", f"{SMS_RATE}=50000:400000"],
         ["unaware_affected_share_24h:min", "messages.sms:min"], budget=240)
    out = tmp_path / "front"
    front = json.loads((out / "optimise.json").read_text())["front"]
    assert len(front) >= 2
    fastest, cheapest = front[0]["values"], front[-1]["values"]
    assert fastest["channels.direct.campaigns.0"] is True
    assert float(fastest[SMS_RATE]) >= 400_000 - 0.05 * 350_000
    assert cheapest["channels.direct.campaigns.0"] is False
    assert front[-1]["scores"]["messages.sms"]["value"] == 0
    assert len(list((out / "front").glob("front-*.toml"))) == len(front)


def test_the_same_command_again_reuses_every_run_and_a_bigger_budget_continues(tmp_path):
    args = (OPTUS, [f"{EMAIL_START}=0:48:2"], ["unaware_affected_share_24h:min"])
    _run(tmp_path, "full", *args, budget=160)
    _run(tmp_path, "grown", *args, budget=100)
    _run(tmp_path, "grown", *args, budget=160)
    full = (tmp_path / "full" / "pareto.csv").read_text()
    assert (tmp_path / "grown" / "pareto.csv").read_text() == full
    again, _ = _run(tmp_path, "grown", *args, budget=160)
    assert (tmp_path / "grown" / "pareto.csv").read_text() == full
    manifests = list((tmp_path / "grown").glob("search/gen-*/manifest.json"))
    assert manifests and all(json.loads(m.read_text())["counts"] == {"done": json.loads(m.read_text())
                                                                      ["counts"]["done"]} for m in manifests)


def test_another_request_in_the_same_folder_is_refused(tmp_path):
    _run(tmp_path, "one", OPTUS, [f"{EMAIL_START}=0:48:4"], ["unaware_affected_share_24h"], budget=120)
    with pytest.raises(ScenarioError, match="other settings"):
        _run(tmp_path, "one", OPTUS, [f"{EMAIL_START}=0:48:4"], ["customers_lost"], budget=120)


def test_a_folder_whose_request_held_the_levers_words_continues(tmp_path):
    _run(tmp_path, "one", OPTUS, [f"{EMAIL_START}=0:48:4"], ["unaware_affected_share_24h"], budget=120)
    path = tmp_path / "one" / "request.json"
    old = json.loads(path.read_text())
    for lever in old["levers"]:
        lever["label"] = "campaign 1 start (hours after announcement)"     # as an earlier version wrote it
    path.write_text(json.dumps(old))
    _run(tmp_path, "one", OPTUS, [f"{EMAIL_START}=0:48:4"], ["unaware_affected_share_24h"], budget=120)
    assert all("label" not in lever for lever in json.loads(path.read_text())["levers"])


def test_worlds_score_every_plan_in_the_same_plausible_worlds(tmp_path):
    outcome, _ = _run(tmp_path, "worlds", OPTUS, [f"{EMAIL_START}=0:48:8"], ["unaware_affected_share_24h"],
                      budget=200, reps=1, worlds=3, rule="p90")
    manifest = json.loads(next((tmp_path / "worlds" / "search").glob("gen-*/manifest.json")).read_text())
    assert len(manifest["design"]["points"]) == 3
    assert EMAIL_START not in manifest["design"]["keys"]


def test_a_budget_too_small_says_how_much_is_needed(tmp_path):
    with pytest.raises(ScenarioError, match="give at least"):
        _run(tmp_path, "tiny", OPTUS, [f"{EMAIL_START}=0:48"], ["customers_lost"], budget=20)
    assert not (tmp_path / "tiny").exists()


# ---- the command line --------------------------------------------------------------------------------
def _cli(*args):
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def test_the_command_writes_the_plans_and_bad_input_is_one_line(tmp_path):
    out = tmp_path / "cli"
    done = _cli("optimise", "optus_2022", "--lever", f"{EMAIL_START}=0:48:6", "--objective",
                "unaware_affected_share_24h:min", "--constraint", "start>=12", "--budget", "120", "--reps", "2",
                "--set", "population.size=1000", "--out", out, "--workers", "1", "--quiet")
    assert done.returncode == 0, done.stderr
    assert "best plan: plan" in done.stdout
    assert {"pareto.csv", "best.toml", "optimise.json"} <= {p.name for p in out.iterdir()}
    bad = _cli("optimise", "optus_2022", "--lever", f"{EMAIL_START}=48:0", "--objective", "customers_lost",
               "--out", tmp_path / "bad")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "--lever" in bad.stderr
    assert "Traceback" not in bad.stderr and not (tmp_path / "bad").exists()


def test_ctrl_c_stops_cleanly_and_the_same_command_continues_to_the_same_plans(tmp_path):
    import os
    import signal
    import time

    args = ["optimise", "optus_2022", "--lever", f"{EMAIL_START}=0:48", "--objective",
            "unaware_affected_share_24h:min", "--budget", "120", "--reps", "2", "--set", "population.size=1000",
            "--workers", "2", "--quiet"]
    out = tmp_path / "stopped"
    # 20 chunks may run (a generation is 16 one-run chunks), every later one waits: the search
    # cannot finish before the signal arrives, however busy the machine
    held = [sys.executable, str(ROOT / "tests" / "held_batch.py"), "20"]
    proc = subprocess.Popen([*held, *args, "--out", out], cwd=ROOT, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env={**os.environ, "HELD_BATCH_TOKENS": str(tmp_path / "t")})
    try:
        deadline = time.monotonic() + 300        # only turns a hang into a failure
        while len(list((out / "search" / "gen-0002" / "parts").glob("[!.]*.parquet"))) < 2:
            assert time.monotonic() < deadline and proc.poll() is None, proc.stderr.read()
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)
        err = proc.communicate(timeout=300)[1].strip()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and len(err.splitlines()) == 1
    assert err.startswith("interrupted: ") and err.endswith("of 120 runs kept; run the same command again to "
                                                          "continue (finished runs are reused)")
    assert not (out / "pareto.csv").exists()
    resumed = _cli(*args, "--out", out)
    assert resumed.returncode == 0, resumed.stderr
    fresh = _cli(*args, "--out", tmp_path / "fresh")
    assert fresh.returncode == 0, fresh.stderr
    assert (out / "pareto.csv").read_text() == (tmp_path / "fresh" / "pareto.csv").read_text()


@pytest.mark.parametrize("option, value, needle", [
    ("--objective", "unaware_at_noon", "--objective: unaware_at_noon: not a measure"),
    ("--constraint", "start<=6", "--constraint: start<=6: allowed: start>=H"),
    ("--price", "fax=0.1", "--price: fax=0.1: expected MEDIUM=AMOUNT"),
])
def test_bad_objectives_constraints_and_prices_are_one_line_and_write_nothing(tmp_path, option, value, needle):
    args = ["optimise", "optus_2022", "--lever", f"{EMAIL_START}=0:48", "--out", tmp_path / "out"]
    if option != "--objective":
        args += ["--objective", "customers_lost"]
    done = _cli(*args, option, value)
    assert done.returncode == 2 and done.stderr.strip().splitlines() == [f"error: {needle}" + done.stderr.strip()
                                                                         .split(needle, 1)[1]]
    assert not (tmp_path / "out").exists()


def _ancestors(pid: int) -> list[int]:
    out = []
    while pid > 1:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            break
        pid = int(stat.rsplit(")", 1)[1].split()[1])
        out.append(pid)
    return out


def test_on_a_dask_cluster_the_search_finds_the_same_plans(tmp_path, dask_cluster):  # noqa: F811
    address, workers = dask_cluster
    request = lambda: prepare(OPTUS, [f"{EMAIL_START}=0:48:4"], ["unaware_affected_share_24h"],  # noqa: E731
                              budget=100, reps=2, overrides=dict(SMALL))
    run_optimisation(request(), tmp_path / "local", workers=2, progress=False)
    run_optimisation(request(), tmp_path / "dask", scheduler=address, progress=False)
    assert (tmp_path / "dask" / "pareto.csv").read_text() == (tmp_path / "local" / "pareto.csv").read_text()
    manifest = json.loads(next((tmp_path / "dask" / "search").glob("gen-*/manifest.json")).read_text())
    ran_in = {int(e["worker"].rsplit(":", 1)[1]) for e in manifest["runs"].values()}
    cluster = {w.pid for w in workers}
    assert ran_in and all(cluster & set(_ancestors(pid)) for pid in ran_in)     # the cluster's workers ran them
