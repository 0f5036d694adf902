"""A sweep reported per design point, and figures that read the same everywhere (issue 16, items 3 and 5).

Sentences are checked against the tables they describe, each with both outcomes, mostly on
hand-built tables; one small real grid (2 x 2 points, 2 runs each) checks the whole report.
"""

import math
import re
import warnings
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from sim.runs.batch import run_batch
from sim.reporting import findings, points, stats, text
from sim.reporting.build import context, write_report
from sim.cli.report import print_report
from sim.reporting.results import load_results
from sim.reporting.scenarios import (ScenarioInfo, fmt_setting, info_from_data, setting_text,
                                     values_text)
from sim.reporting.style import PeopleFormatter, people_axis

from helpers import SCENARIOS

START = "channels.direct.campaigns.0.start_hour"
RATE = "channels.direct.campaigns.0.per_hour"
PEOPLE_24 = "unaware_affected_people_24h"
TRUSTED = SCENARIOS / "trusted_channels.toml"


# --------------------------------------------------------------------------- hand-built tables

def _runs(plans: dict[str, dict], n: int = 3) -> pd.DataFrame:
    """A runs table: ``n`` runs per plan, each with the plan's values (others: fixed defaults).

    Values: ``unaware_24h`` (share), ``h50``, ``h90``, ``company`` (first from company), ``trust``.
    10,000 agents standing for 10 M people, all affected.
    """
    rows = []
    for name, v in plans.items():
        for i in range(n):
            rows.append({"run": f"{name}-{i}", "scenario": name, "seed": i, "people_per_agent": 1000.0,
                         "affected_agents": 10_000, "unaware_affected_share_24h": v.get("unaware_24h", 0.5),
                         "unaware_affected_share_72h": v.get("unaware_72h", 0.1),
                         "unaware_affected_share_end": 0.01, "hours_to_50pct_affected": v.get("h50", 20.0),
                         "hours_to_90pct_affected": v.get("h90", 60.0),
                         "share_affected_first_from_company": v.get("company", 0.3),
                         "initial_company_trust_affected": 0.33, "final_company_trust_affected": v.get("trust", 0.3)})
    return pd.DataFrame(rows)


def _summary(plans: dict[str, dict], n: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    runs = _runs(plans, n)
    return stats.summary_table(runs, list(plans)), runs


def _point_table(rows: list[dict], keys=(START, RATE), scenario: str = "Plan") -> pd.DataFrame:
    """A table like :func:`points.point_table`: one row per point; ``people`` (unaware at 24 h,
    of 10 M affected), ``h50``, ``h90``, ``company``, ``trust``; ``plan`` optional."""
    out = []
    for i, r in enumerate(rows):
        values = {k: r[k] for k in keys}
        row = {"scenario": f"{r.get('plan', scenario)} #{i}", "plan": r.get("plan", scenario),
               "point": r.get("point", i), "setting": setting_text(values), **values, "runs": 3}
        figures = {PEOPLE_24: r.get("people", 5e6), "unaware_affected_share_24h": r.get("people", 5e6) / 1e7,
                   "hours_to_50pct_affected": r.get("h50", 20.0), "hours_to_90pct_affected": r.get("h90", 60.0),
                   "share_affected_first_from_company": r.get("company", 0.3),
                   "initial_company_trust_affected": 0.33, "final_company_trust_affected": r.get("trust", 0.3)}
        for key, value in figures.items():
            row.update({f"{key}_median": value, f"{key}_p10": value, f"{key}_p90": value})
        out.append(row)
    return pd.DataFrame(out)


def _grid(values: dict[tuple, float], **extra) -> pd.DataFrame:
    """A 2 x 2 grid of (start, rate) -> people unaware at 24 h."""
    return _point_table([{START: s, RATE: r, "people": p, **extra} for (s, r), p in values.items()])


# --------------------------------------------------------------------------- one formatter

def test_shares_round_one_way_everywhere():
    assert [text.fmt_pct(x) for x in (0.095, 0.065, 0.0996, 0.123, 0.5, 0.0, 1.0)] == \
        ["9.5%", "6.5%", "10%", "12%", "50%", "0%", "100%"]
    assert text.fmt_pct(0.00001) == "<0.1%" and text.fmt_pct(0.9996) == ">99.9%"   # never "0%" or "100%" falsely
    assert text.fmt_pct(0.997) == "99.7%" and text.fmt_pct(0.123, 1) == "12.3%"
    share = stats.BY_KEY["unaware_affected_share_24h"]
    assert text.fmt_value("share", 0.095) == findings.format_measure(
        pd.Series({f"{share.key}_{s}": 0.095 for s in ("median", "p10", "p90")}), share)[0] == "9.5%"


def test_people_in_millions_keep_three_digits():
    assert [text.fmt_people(x) for x in (1.56e6, 9.8e6, 2e6, 1e6, 23.24e6, 150e6)] == \
        ["1.56 M", "9.8 M", "2.0 M", "1.0 M", "23.2 M", "150 M"]
    assert text.fmt_people(339_412) == "339,000" and text.fmt_people(5_300) == "5,300"
    row = pd.Series({f"{PEOPLE_24}_median": 1.07e6, f"{PEOPLE_24}_p10": 9e5, f"{PEOPLE_24}_p90": 1.19e6})
    assert findings.format_measure(row, stats.BY_KEY[PEOPLE_24]) == ("1.07 M", "0.9–1.19 M")   # one unit


def test_settings_are_written_as_people_write_them():
    assert text.fmt_number(1e6) == "1,000,000" and text.fmt_number(100000) == "100,000"
    assert text.fmt_number(0.004) == "0.004" and text.fmt_number(1e-5) == "0.00001" and text.fmt_number(2.5) == "2.5"
    assert fmt_setting(START, 24) == "24 h" and fmt_setting(RATE, 1e6) == "1,000,000 per hour"
    assert fmt_setting("population.customers.current", 0.22) == "22%"
    assert fmt_setting("word_of_mouth.share_multiplier_when_asked", 2) == "×2"
    assert values_text(RATE, [100_000, 1e6, 300_000, 1e6]) == "100,000, 300,000 or 1,000,000 per hour"
    assert values_text("word_of_mouth.social", list(np.linspace(0.001, 0.01, 40))) == \
        "from 0.001 per hour to 0.01 per hour (40 values)"
    info = info_from_data({"scenario": {"name": "x"}, "channels": {"direct": {"campaigns": [{"medium": "sms"}]}}})
    assert setting_text({START: 0, RATE: 1e6}, info) == "SMS campaign start 0 h and SMS campaign throughput 1,000,000 per hour"
    assert setting_text({START: 0, RATE: 1e6}, info, compact=True) == "0 h, 1,000,000 per hour"
    two = info_from_data({"scenario": {"name": "y"}, "channels": {"direct": {"campaigns": [{"medium": "sms"},
                                                                                          {"medium": "sms"}]}}})
    assert setting_text({START: 6}, two) == "campaign 1 start 6 h"      # two SMS campaigns: by number


def test_people_axis_reads_in_one_unit():
    fig = Figure()
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1.56e6])
    people_axis(ax.yaxis)
    fig.canvas.draw() if hasattr(fig.canvas, "draw") else None
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels and all(l == "0" or l.endswith(" M") for l in labels) and "thousand" not in " ".join(labels)
    assert PeopleFormatter()(1.56e6) == "1.56 M"
    assert text.people_ticks([0, 2.5e5, 5e5]) == ["0", "250,000", "500,000"]
    assert text.people_ticks([0, 5e5, 1e6, 1.5e6]) == ["0", "0.5 M", "1.0 M", "1.5 M"]


# --------------------------------------------------------------------------- numbers that agree

def _cell(summary, name, key):
    return findings.format_measure(summary.set_index("scenario").loc[name], stats.BY_KEY[key])[0]


@pytest.mark.parametrize("share", [0.095, 0.065, 0.31])
def test_one_plan_summary_quotes_the_tables_figures(share):
    summary, runs = _summary({"Only": {"unaware_24h": share, "trust": 0.348}})
    first = findings.executive_summary(summary, runs, {"Only": "Only"})
    said = " ".join(first)
    for key in (PEOPLE_24, "unaware_affected_share_24h", "final_company_trust_affected"):
        assert _cell(summary, "Only", key) in said
    assert f"({text.fmt_pct(share)})" in first[0] and "0.35" in said and "0.348" not in said


@pytest.mark.parametrize("better", [True, False])
def test_recommendation_quotes_the_tables_figures(better):
    plans = {"Base": {"unaware_24h": 0.095}, "Alt": {"unaware_24h": 0.065 if better else 0.2}}
    summary, runs = _summary(plans)
    bullets = findings.executive_summary(summary, runs, {n: n for n in plans})
    first = bullets[0]
    if better:
        assert first.startswith("Recommendation: Alt")
        for name in plans:
            assert f"{_cell(summary, name, PEOPLE_24)} ({_cell(summary, name, 'unaware_affected_share_24h')})" in first
        assert "9.5%" in first and "6.5%" in first and "10%" not in first
    else:
        assert first.startswith("Recommendation: keep Base's plan") and "(950,000, 9.5%)" in first


@pytest.mark.parametrize("runner, shown", [(0.55, True), (0.6296, False), (0.7, False)])
def test_next_best_only_with_a_real_difference(runner, shown):
    """Baseline 6.3 M unaware; best 4.0 M; runner-up 5.5 M (said), 6.296 M: 6.3 M as printed (left out)
    or worse than the baseline (left out)."""
    plans = {"Base": {"unaware_24h": 0.63}, "Best": {"unaware_24h": 0.4}, "Runner": {"unaware_24h": runner}}
    summary, runs = _summary(plans)
    short = {n: n for n in plans}
    rec = findings.recommend(summary, runs)
    assert rec.best == "Best" and rec.runner_up == "Runner"
    bullet = findings.next_best_bullet(summary, rec, short)
    bullets = findings.executive_summary(summary, runs, short, rec)
    if shown:
        assert bullet == ("Next best: Runner, with 5.5 M affected customers (55%) unaware at 24 h, against "
                          "6.3 M (63%) with Base.")
        assert bullet in bullets
    else:
        assert bullet == "" and not any(b.startswith("Next best") for b in bullets)


def test_next_best_in_hours_when_runs_end_before_a_day():
    plans = {"Base": {"h50": 20.0}, "Best": {"h50": 8.0}, "Runner": {"h50": 12.0}}
    summary, runs = _summary(plans)
    summary[f"{PEOPLE_24}_median"] = np.nan
    rec = findings.recommend(summary, runs)
    assert rec.criterion.key == "hours_to_50pct_affected"
    assert findings.next_best_bullet(summary, rec, {n: n for n in plans}) == \
        "Next best: Runner: half of the affected customers know within 12 hours, against 20 hours with Base."


@pytest.mark.parametrize("by_day", [True, False])
def test_command_line_table_leads_with_the_ranking_measure(by_day):
    summary, runs = _summary({"Base": {"unaware_24h": 0.5, "h50": 20}, "Alt": {"unaware_24h": 0.3, "h50": 30}})
    if not by_day:
        summary[[c for c in summary if c.startswith(PEOPLE_24)]] = np.nan
    rec = findings.recommend(summary, runs)
    lines = findings.headline_text(summary, {"Base": "Base", "Alt": "Alt"}, rec.criterion).splitlines()
    header = re.split(r"\s{2,}", lines[0])
    assert header[1] == ("unaware at 24 h" if by_day else "50% know")
    assert ("unaware at 24 h" in header) == by_day
    alt = re.split(r"\s{2,}", lines[2])
    assert alt[0] == "Alt" and alt[1].startswith(_cell(summary, "Alt", rec.criterion.key) + " (")
    assert rec.best == ("Alt" if by_day else "Base")


def test_command_line_table_of_many_settings_shows_the_best_and_worst():
    table = _point_table([{START: i, RATE: 1e5, "people": 1e6 * (1 + i)} for i in range(25)])
    lines = findings.headline_text(table, None, stats.BY_KEY[PEOPLE_24], "setting").splitlines()
    assert len(lines) == 1 + findings.HEADLINE_ROWS + 2
    assert lines[1].startswith("Plan #0 ") and lines[findings.HEADLINE_ROWS].startswith("Plan #24 ")
    assert "the 10 best and 10 worst of 25 rows" in lines[-1]
    few = findings.headline_text(table.iloc[:5], None, stats.BY_KEY[PEOPLE_24], "setting").splitlines()
    assert len(few) == 1 + 5 + 1 and "best and" not in few[-1]


# --------------------------------------------------------------------------- sweep sentences

def test_sweep_best_and_worst_or_no_difference():
    differs = _grid({(0, 1e5): 5.07e6, (0, 1e6): 1.07e6, (24, 1e5): 6.21e6, (24, 1e6): 6.55e6})
    said = findings.sweep_summary(differs, [START, RATE], {"Plan": "Plan"})[1]
    assert said.startswith("Across the sweep (Plan), the best setting is campaign 1 start 0 h and campaign 1 "
                           "throughput 1,000,000 per hour: 1.07 M affected customers (11%) still unaware")
    assert "the worst, campaign 1 start 24 h and campaign 1 throughput 1,000,000 per hour: 6.55 M (66%)" in said
    alike = _grid({(0, 1e5): 5.0e6, (0, 1e6): 5.001e6, (24, 1e5): 4.999e6, (24, 1e6): 5.0e6})
    said = findings.sweep_summary(alike, [START, RATE], {"Plan": "Plan"})[1]
    assert said.startswith("Across the sweep (Plan), every setting gives the same figure: 5.0 M") and \
        "make no difference" in said and "best" not in said
    tied = _grid({(0, 1e5): 2.0e6, (0, 1e6): 2.001e6, (24, 1e5): 6e6, (24, 1e6): 7e6})
    assert "(as good: 1 other setting)" in findings.sweep_summary(tied, [START, RATE], {})[1]


def test_sweep_says_what_was_varied_without_exponents():
    table = _grid({(0, 1e5): 5e6, (0, 1e6): 1e6, (24, 1e5): 6e6, (24, 1e6): 6.5e6})
    first = findings.sweep_summary(table, [START, RATE], {"Plan": "Trusted"},
                                   labels={START: "SMS campaign start", RATE: "SMS campaign throughput"})[0]
    assert first == ("A sweep, not a single plan: Trusted was simulated at 4 settings (every combination of SMS "
                     "campaign start 0 or 24 h; SMS campaign throughput 100,000 or 1,000,000 per hour), 3 runs "
                     "at each. Each figure quoted is for one setting.")
    sampled = findings.sweep_summary(table, [START, RATE], {"Plan": "Trusted"}, method="sobol")[0]
    assert "drawn by a Sobol design from" in sampled
    assert not any("e+0" in b or "100000" in b for b in findings.sweep_summary(table, [START, RATE], {}))


@pytest.mark.parametrize("start_moves, expected", [
    (4e6, "Campaign 1 start moves the number of affected customers unaware at 24 h most. Averaged over the "
          "other settings, campaign 1 start: 3.0 M at 0 h against 7.0 M at 24 h; campaign 1 throughput: 4.5 M "
          "at 1,000,000 per hour against 5.5 M at 100,000 per hour."),
    (0.0, "Campaign 1 throughput moves the number of affected customers unaware at 24 h most. Averaged over "
          "the other settings, campaign 1 throughput: 4.5 M at 1,000,000 per hour against 5.5 M at 100,000 per "
          "hour; campaign 1 start: 5.0 M at every value."),
    (1e6, "Campaign 1 start and campaign 1 throughput move the number of affected customers unaware at 24 h "
          "about equally. Averaged over the other settings, campaign 1 start: 4.5 M at 0 h against 5.5 M at "
          "24 h; campaign 1 throughput: 4.5 M at 1,000,000 per hour against 5.5 M at 100,000 per hour."),
])
def test_sweep_names_the_setting_that_moves_the_result_most(start_moves, expected):
    d = start_moves / 2
    table = _grid({(0, 1e5): 5.5e6 - d, (0, 1e6): 4.5e6 - d, (24, 1e5): 5.5e6 + d, (24, 1e6): 4.5e6 + d})
    assert findings.sweep_summary(table, [START, RATE], {})[2] == expected


def test_sweep_main_effects_only_where_they_are_meaningful():
    flat = _grid({(0, 1e5): 5e6, (0, 1e6): 5e6, (24, 1e5): 5e6, (24, 1e6): 5e6})
    assert "None of the settings varied moves" in findings.sweep_summary(flat, [START, RATE], {})[2]
    table = _grid({(0, 1e5): 5e6, (0, 1e6): 1e6, (24, 1e5): 6e6, (24, 1e6): 6.5e6})
    sampled = findings.sweep_summary(table, [START, RATE], {}, method="sobol")
    assert not any("most" in b or "equally" in b for b in sampled)          # a sample: no averages per value
    one_key = _point_table([{START: s, RATE: 1e5, "people": p} for s, p in ((0, 2e6), (24, 6e6))], keys=(START,))
    assert not any(" most." in b for b in findings.sweep_summary(one_key, [START], {}))
    assert len(findings.sweep_summary(one_key, [START], {})) == 3


@pytest.mark.parametrize("alt, expected", [
    ((1e6, 2e6), "Alt does better at every one of the 2 settings"),
    ((9e6, 9e6), "Alt does better at none of the 2 settings"),
    ((1e6, 9e6), "Alt does better at 1 of 2 settings"),
    ((2e6, 3.999e6), "Alt does better at 1 of 2 settings"),       # 4.0 M against 4.0 M: no difference shown
])
def test_sweep_of_several_plans_compares_them_setting_by_setting(alt, expected):
    rows = [{"plan": "Base", "point": 0, START: 0, "people": 3e6}, {"plan": "Base", "point": 1, START: 24, "people": 4e6},
            {"plan": "Alt", "point": 0, START: 0, "people": alt[0]}, {"plan": "Alt", "point": 1, START: 24, "people": alt[1]}]
    table = _point_table(rows, keys=(START,))
    bullets = findings.sweep_summary(table, [START], {"Base": "Base", "Alt": "Alt"})
    assert bullets[0].startswith("A sweep, not a single plan: 2 plans (Base and Alt) were each simulated at 2 settings")
    compare = next(b for b in bullets if b.startswith("Setting by setting"))
    assert compare == (f"Setting by setting, against Base on the number of affected customers unaware at 24 h: "
                       f"{expected} (medians at each setting).")
    assert "the best plan and setting is" in bullets[1] or "every setting gives" in bullets[1]


def test_sweep_first_sources_at_the_best_and_the_worst():
    table = _grid({(0, 1e5): 5e6, (0, 1e6): 1e6, (24, 1e5): 6e6, (24, 1e6): 6.5e6}, company=0.4)
    table.loc[1, "share_affected_first_from_company_median"] = 0.72
    table.loc[3, "final_company_trust_affected_median"] = 0.352
    last = findings.sweep_summary(table, [START, RATE], {})[-1]
    assert last == ("At the best setting the company itself is first to tell 72% of affected customers, at the "
                    "worst 40%; their trust in the company ends at 0.30 and 0.35 (0.33 before the breach; "
                    "0 = none, 1 = full).")


# --------------------------------------------------------------------------- plans per point

def _plans_table(n_points: int, scenarios=("A",)) -> tuple[points.Sweep, pd.DataFrame]:
    plans, infos, rows = [], [], []
    for s in scenarios:
        for p in range(n_points):
            name = f"{s} {p}"
            plans.append(points.PointPlan(s, p, {START: p}, name, name))
            infos.append(info_from_data({"scenario": {"name": name}}, name=name))
            rows.append({"plan": s, "point": p, START: p, "people": 1e6 * ((p * 7) % n_points + 1)})
    table = _point_table(rows, keys=(START,))
    table["scenario"] = [p.name for p in plans]
    sweep = points.Sweep([START], "grid", plans, pd.DataFrame(), pd.DataFrame(), infos,
                         [info_from_data({"scenario": {"name": s}}, name=s) for s in scenarios])
    return sweep, table


@pytest.mark.parametrize("n_points, scenarios, expected", [
    (4, ("A",), ["A 0", "A 1", "A 2", "A 3"]),                   # few: every setting drawn
    (5, ("A",), ["A 0", "A 2"]),                                  # best (0: 1 M) and worst (2: 5 M)
    (2, ("A", "B"), ["A 0", "A 1", "B 0", "B 1"]),
    (5, ("A", "B", "C", "D", "E"), ["A 0", "B 0", "C 0", "D 0", "E 0"]),   # best only beyond 8 lines
])
def test_the_charts_draw_every_setting_or_the_best_and_the_worst(n_points, scenarios, expected):
    sweep, table = _plans_table(n_points, scenarios)
    assert points.drawn_plans(sweep, table, stats.BY_KEY[PEOPLE_24]) == expected


def _campaign_info(name: str, start: float, rate: float, email: bool = True) -> ScenarioInfo:
    campaigns = [{"medium": "sms", "start_hour": start, "per_hour": rate, "targets": ["current"]}]
    if email:
        campaigns.append({"medium": "email", "start_hour": 24.0, "per_hour": 68_000.0, "targets": ["current"]})
    events = [{"channel": "direct", "medium": c["medium"], "start": c["start_hour"], "end": 100.0,
               "label": f"{c['medium']} campaign"} for c in campaigns]
    data = {"scenario": {"name": name, "start": "2022-09-22T14:00:00+10:00", "hours": 336},
            "population": {"represents": 1e6, "customers": {"current": 0.5}},
            "channels": {"direct": {"campaigns": campaigns}}}
    return info_from_data(data, name=name, events=events, short=name)


def test_campaigns_and_timelines_merge_across_settings():
    infos = [_campaign_info(f"p{i}", s, r) for i, (s, r) in enumerate([(0, 1e5), (0, 1e6), (24, 1e5), (24, 1e6)])]
    plans = [points.PointPlan("Plan", i, {START: s, RATE: r}, f"p{i}", f"p{i}")
             for i, (s, r) in enumerate([(0, 1e5), (0, 1e6), (24, 1e5), (24, 1e6)])]
    base = _campaign_info("Plan", 24, 2e5)
    sweep = points.Sweep([START, RATE], "grid", plans, pd.DataFrame(), pd.DataFrame(), infos, [base])
    sms, email = points.merged_campaigns(sweep)
    assert sms["start"] == "at the announcement (Thu 22 Sep 14:00) / 24 h (Fri 23 Sep 14:00)"
    assert sms["throughput"].startswith("100,000 per hour: all 500,000 in ") and " / 1,000,000 per hour" in sms["throughput"]
    assert email["start"] == "24 h (Fri 23 Sep 14:00)" and email["throughput"].startswith("68,000 per hour")
    assert "200,000" not in str([sms, email])                       # the file's own value: not run
    entries = points.timeline_entries(sweep, ["p0"], {"p0": "#000000"}, lambda s: "plan.toml")
    assert [e["short"] for e in entries] == ["p0; p1", "p2; p3"]   # the start differs, the rate does not
    assert entries[0]["colour"] == "#000000" and entries[1]["colour"] == "#bbbbbb"
    same = points.Sweep([RATE], "grid", plans[:2], pd.DataFrame(), pd.DataFrame(), infos[:2], [base])
    assert [e["short"] for e in points.timeline_entries(same, [], {}, lambda s: "")] == ["Plan (every setting)"]
    many = [_campaign_info(f"q{i}", i, 1e5) for i in range(5)]
    wide = points.Sweep([START], "grid", [points.PointPlan("Plan", i, {START: i}, f"q{i}", f"q{i}") for i in range(5)],
                        pd.DataFrame(), pd.DataFrame(), many, [base])
    assert points.merged_campaigns(wide)[0]["start"] == "varies with the setting (5 values, above)"


def test_pooled_bands_only_where_the_sweep_charts_pool_settings():
    grid = pd.DataFrame({"run": ["a", "b", "c", "d"], "scenario": "s", START: [0, 0, 24, 24], RATE: [1, 2, 1, 2]})
    assert not points.pooled_bands(grid, [START, RATE])               # a heatmap of medians
    assert not points.pooled_bands(grid, [START])                     # one setting: each value alone
    three = grid.assign(**{"word_of_mouth.social": [0.1, 0.2, 0.1, 0.2]})
    assert points.pooled_bands(three, [START, RATE, "word_of_mouth.social"])
    sample = pd.DataFrame({"run": list("abcdefghijklmn"), "scenario": "s", START: range(14), RATE: range(14)})
    assert points.pooled_bands(sample, [START, RATE])                 # too many values for a heatmap


# --------------------------------------------------------------------------- a real sweep, end to end

class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], False

    def handle_starttag(self, tag, attrs):
        self.skip = tag in ("style", "title")

    def handle_endtag(self, tag):
        self.skip = False

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def _plain(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """A 2 x 2 grid over the SMS campaign's start and throughput, 2 runs per point, and its report."""
    folder = tmp_path_factory.mktemp("swept")
    batch = folder / "grid.toml"
    batch.write_text(f"""
scenarios = ["{TRUSTED}"]
replications = 2
seed = 11
[set]
"population.size" = 500
"scenario.hours" = 72
[grid]
"{START}" = [0, 24]
"{RATE}" = [100_000, 1_000_000]
""")
    with warnings.catch_warnings():     # the step-length advice is not what these tests are about
        warnings.filterwarnings("ignore", message=".*steps are long", category=RuntimeWarning)
        run_batch(batch, folder / "out", workers=1, progress=False)
    results = load_results(folder / "out")
    report = write_report(results, folder / "report")
    return results, report, (folder / "report" / "report.html").read_text(encoding="utf-8")


def test_a_sweep_is_summarised_per_design_point(swept):
    results, report, _ = swept
    table = report.summary
    assert len(table) == 4 and list(table["point"]) == [0, 1, 2, 3] and (table["runs"] == 2).all()
    runs = stats.derived_measures(results.runs)
    for _, row in table.iterrows():
        mine = runs[(runs[START] == row[START]) & (runs[RATE] == row[RATE])]
        assert len(mine) == 2 and set(mine["point"]) == {row["point"]}
        assert row[f"{PEOPLE_24}_median"] == pytest.approx(np.median(mine[PEOPLE_24]))
    bullets = report.bullets
    assert bullets[0].startswith("A sweep, not a single plan: Trusted channels was simulated at 4 settings")
    assert "SMS campaign start 0 or 24 h" in bullets[0] and "100,000 or 1,000,000 per hour" in bullets[0]
    best = table.iloc[points.ranked_points(table, "Trusted channels", stats.BY_KEY[PEOPLE_24])[0]]
    assert f"the best setting is {best['setting']}: {text.fmt_people(best[f'{PEOPLE_24}_median'])}" in bullets[1]
    assert not any("One plan was simulated" in b for b in bullets)
    assert not any(re.search(r"\de\+\d|100000", b) for b in bullets)
    csv = pd.read_csv(report.files[[p.name for p in report.files].index("summary.csv")])
    assert len(csv) == 4 and {"point", "setting", START, RATE} <= set(csv.columns)


def test_a_sweeps_page_is_per_design_point(swept):
    _, report, html = swept
    page = _plain(html)
    compared = page[page.index("What was compared"):page.index("Results, setting by setting")]
    assert "SMS campaign start 0 or 24 h" in compared and "100,000 or 1,000,000 per hour" in compared
    assert "In the scenario file (not used)" in compared and "200,000 per hour" in compared   # the file's, marked unused
    assert "100,000 per hour: all" in compared and "1,000,000 per hour: all" in compared
    assert "200,000 per hour: all" not in compared                                           # no run used it
    results = page[page.index("Results, setting by setting"):page.index("How certain")]
    for _, row in report.summary.iterrows():
        assert findings.format_measure(row, stats.BY_KEY[PEOPLE_24])[0] in results
    assert "best" in results and "worst" in results and "1e+06" not in page and "100000" not in page
    appendix = page[page.index("Appendix E"):]
    for start, words in ((0, "at the announcement (Thu 22 Sep 14:00) : press release, tweet, SMS campaign"),
                         (24, "24 h (Fri 23 Sep 14:00) : SMS campaign to customers")):
        assert appendix.count(f"SMS campaign start {start} h and SMS campaign throughput") == 2
        assert words in appendix
    certain = page[page.index("How certain"):page.index("Appendix A")]
    assert "over 2 runs of the same plan" in certain and "over 8 runs" not in certain
    assert "pools the runs at every value of the other settings" not in page    # a heatmap: nothing pooled


def test_a_sweeps_charts_and_timelines_follow_each_point(swept):
    _, report, _ = swept
    ctx = context(report)
    assert [c["short"] for c in ctx["columns"]] == ["0 h, 100,000 per hour", "0 h, 1,000,000 per hour",
                                                    "24 h, 100,000 per hour", "24 h, 1,000,000 per hour"]
    for plan, info in zip(report.sweep.plans, report.sweep.infos):
        sms = next(e for e in info.events if e["channel"] == "direct" and e["medium"] == "sms")
        assert sms["start"] == plan.values[START] and info.get(START) == plan.values[START]
    assert ctx["sweep"]["varied"][0] == {"label": "SMS campaign start", "swept": "0 or 24 h", "file": "24 h"}
    assert len(ctx["scenarios"]) == 4 and ctx["runs"] == [2, 2, 2, 2]
    legend = [t.get_text() for t in report.figures["awareness"].axes[0].get_legend().get_texts()]
    assert legend[:4] == [c["short"] for c in ctx["columns"]]


def test_the_command_line_prints_a_sweep_per_setting(swept, capsys):
    _, report, _ = swept
    print_report(report)
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert re.split(r"\s{2,}", lines[0])[:2] == ["SMS campaign start, SMS campaign throughput", "unaware at 24 h"]
    assert [l.split("  ")[0] for l in lines[1:5]] == ["0 h, 100,000 per hour", "0 h, 1,000,000 per hour",
                                                      "24 h, 100,000 per hour", "24 h, 1,000,000 per hour"]
    assert "- A sweep, not a single plan" in out and "1e+06" not in out and "100000" not in out


def test_a_comparison_is_not_called_a_sweep(swept):
    results, _, _ = swept
    one = results.runs[results.runs["point"] == 1]
    from sim.reporting.results import results_from_frames

    single = results_from_frames(one, results.timeseries[results.timeseries["run"].isin(one["run"])])
    from sim.reporting.build import build_report

    report = build_report(single)
    assert report.sweep is None and len(report.summary) == 1
    assert report.bullets[0].startswith("One plan was simulated: Trusted channels")
    assert "setting" not in report.headline_text().splitlines()[0]


# --------------------------------------------------------------------------- titles and labels

@pytest.mark.parametrize("hours, expected", [
    ({"A": 6, "B": 30, "C": 20}, "A informs affected customers soonest: half know within 6 h (C: 20 h)"),
    ({"A": 6, "B": 6.2, "C": 20}, "No alternative informs affected customers sooner than A (half know within 6 h)"),
    ({"A": 16, "B": 6.2, "C": 20}, "B: half of affected customers know within 6 h (A: 16 h)"),
])
def test_awareness_title_states_a_real_difference(hours, expected):
    q = {n: [0.0, h, 0.0] for n, h in hours.items()}
    assert findings.awareness_title(list(hours), q, {n: n for n in hours}) == expected


@pytest.mark.parametrize("hours, expected", [
    ({"A": 16, "B": math.nan, "C": math.inf}, "A reaches 90% of affected customers soonest, in 16 h (C: not reached)"),
    ({"A": 16, "B": math.nan}, "No alternative reaches 90% of affected customers sooner than A (16 h)"),
    ({"A": 16, "B": 12}, "B reaches 90% of affected customers in 12 h (A: 16 h)"),
])
def test_time_to_reach_title_states_a_real_difference(hours, expected):
    q = {n: [0.0, h, 0.0] for n, h in hours.items()}
    assert findings.time_to_reach_title(list(hours), q, {n: n for n in hours}) == expected


@pytest.mark.parametrize("label, expected", [
    ("{} h, 100,000 per hour", ["0 h, 100,000 per hour", "2 h, 100,000 per hour"]),   # short: the values
    ("{}%, 0.007663 per hour, 0.09837 per hour", ["Best setting", "Worst setting"]),   # too long for a legend
])
def test_drawn_settings_are_labelled_by_value_or_as_best_and_worst(label, expected):
    sweep, table = _plans_table(5)
    sweep.plans[:] = [points.PointPlan(p.scenario, p.point, p.values, p.name, label.format(p.point))
                      for p in sweep.plans]
    drawn = points.drawn_plans(sweep, table, stats.BY_KEY[PEOPLE_24])
    assert list(points.chart_labels(sweep, drawn, table, stats.BY_KEY[PEOPLE_24]).values()) == expected
    every = points.chart_labels(sweep, sweep.names, table, stats.BY_KEY[PEOPLE_24])
    assert list(every.values()) == [p.short for p in sweep.plans]          # all drawn: their own labels


def test_the_table_of_settings_lists_the_best_and_worst_of_many():
    sweep, table = _plans_table(35)
    out = points.results_context(sweep, table, stats.BY_KEY[PEOPLE_24], [], {})
    assert out["total"] == 35 and out["left_out"] == 5 and len(out["rows"]) == points.TABLE_ROWS
    shown = [r["figures"][0][0] for r in out["rows"]]
    assert "1.0 M" in shown and "29.0 M" in shown and [r["tag"] for r in out["rows"]].count("best") == 1
    few = points.results_context(*_plans_table(4), stats.BY_KEY[PEOPLE_24], ["A 1"], {"A 1": "#E69F00"})
    assert few["left_out"] == 0 and [r["colour"] for r in few["rows"]] == ["", "#E69F00", "", ""]
    assert few["head"] == ["Campaign 1 start"] and few["measures"][0] == "Affected unaware at 24 h"
