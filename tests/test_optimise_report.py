"""The report's optimisation section (sim/reporting/optimisation_section.py): its sentences,
either way each can go, its table, ``--optimisation`` on ``compare`` and ``report``, and
bad optimisation folders refused in one line."""

import copy
import json
import re

import pypdfium2 as pdfium
import pytest

from sim.cli.main import main
from sim.errors import ScenarioError
from sim.reporting.config import ReportOptions, load_report_config
from sim.reporting.optimisation_section import (FRONT_FILE, lever_range, constraint_words, lever_value, load_optimisation,
                                                optimisation_context, score_words, section_sentences,
                                                table_rows)

from helpers import OPTUS

SHARE = "unaware_affected_share_24h"
PEOPLE = "unaware_affected_people_24h"
CALLS = "calls_peak_per_hour"
START = "channels.direct.campaigns.0.start_hour"
RATE = "channels.direct.campaigns.0.per_hour"
PNG = b"\x89PNG\r\n\x1a\n"


def _s(value, low, high):
    return {"value": value, "low": low, "high": high}


def one_objective(best=0.40, baseline=0.60, overlap=False) -> dict:
    """A small optimise.json: one lever, one objective, a start constraint that binds."""
    band = 0.15 if overlap else 0.02
    plan = {"plan": 7, "file": "plans/plan-0007.toml", "values": {START: 6},
            "scores": {SHARE: _s(best, best - band, best + band)}}
    return {
        "scenario": {"file": "scenarios/plan_a.toml", "name": "Plan A"},
        "settings": {"budget": 100, "reps": 3, "worlds": 1, "score": "mean", "seed": 1, "engine": "fast",
                     "set": {"population.size": 2000}, "prices": {}},
        "levers": [{"key": START, "kind": "int", "label": "campaign 1 start (hours after announcement)",
                    "range": "6 to 48", "low": 6, "high": 48, "step": 0}],
        "objectives": [{"measure": SHARE, "direction": "min", "label": "affected customers still unaware at 24 h"}],
        "constraints": [{"text": "start>=6", "kind": "start", "name": "start", "op": ">=", "bound": 6.0}],
        "best": {**plan, "file": "best.toml"},
        "front": [plan],
        "comparisons": [{"name": "Plan A", "role": "baseline", "breaks": [], "file": "a.toml", "runs": 6,
                         "feasible": True, "scores": {SHARE: _s(baseline, baseline - band, baseline + band)}},
                        {"name": "Plan B", "role": "compared", "breaks": ["start>=6"], "file": "b.toml",
                         "runs": 6, "feasible": False, "scores": {SHARE: _s(0.10, 0.09, 0.11)}}],
        "relaxations": [{"constraint": "start>=6", "kind": "start", "binding": True,
                         "step": "campaigns may start 1 hour earlier", "file": "plans/relaxed-01.toml",
                         "scores": {SHARE: _s(best - 0.05, best - 0.06, best - 0.04)},
                         "change": {SHARE: _s(-0.05, -0.06, -0.04)}}],
        "counts": {"runs": 90, "plans_run": 20, "plans_repeated": 3, "plans_not_run": 0},
    }


def two_objectives() -> dict:
    """Two objectives, a front of three plans, a throughput cap that does not bind."""
    def plan(n, rate, start, people, calls):
        return {"plan": n, "file": f"plans/plan-{n:04d}.toml", "values": {RATE: rate, START: start},
                "scores": {PEOPLE: _s(people, people * 0.95, people * 1.05), CALLS: _s(calls, calls * 0.9, calls * 1.1)}}
    front = [plan(3, 900000, 2, 1.0e6, 60000), plan(9, 500000, 4, 1.6e6, 45000), plan(12, 300000, 8, 2.9e6, 30000)]
    data = one_objective()
    data.update(
        levers=[{"key": RATE, "kind": "int", "label": "campaign 1 throughput (people per hour)",
                 "range": "100,000 to 2,000,000", "low": 100000, "high": 2000000, "step": 0}, data["levers"][0]],
        objectives=[{"measure": PEOPLE, "direction": "min", "label": "affected customers still unaware at 24 h (people)"},
                    {"measure": CALLS, "direction": "min", "label": "calls to the company in the busiest hour"}],
        constraints=[{"text": "throughput.sms<=1500000", "kind": "throughput", "name": "sms", "op": "<=",
                      "bound": 1500000.0}],
        best={**front[1], "file": "best.toml"}, front=front,
        comparisons=[{"name": "Plan A", "role": "baseline", "breaks": [], "file": "a.toml", "runs": 6, "feasible": True,
                      "scores": {PEOPLE: _s(1.2e6, 1.1e6, 1.3e6), CALLS: _s(70000, 66000, 74000)}}],
        relaxations=[{"constraint": "throughput.sms<=1500000", "kind": "throughput", "binding": False,
                      "step": "10% more sms throughput"}])
    return data


def said(data) -> str:
    return " ".join(p for ps in section_sentences(data).values() for p in ps)


# --------------------------------------------------------------------------- sentences

def test_one_objective_best_plan_in_words_with_its_lever_values():
    text = said(one_objective())
    assert "The optimiser varied one setting of the scenario Plan A: campaign 1 start (hours after " \
           "announcement), from 6 to 48." in text
    assert "affected customers still unaware at 24 h as low as possible" in text
    assert "within your constraints: no company campaign starts before 6 hours after the announcement" in text
    assert "Within your constraints, the best plan is plan 7 (its scenario file: best.toml): campaign 1 start " \
           "(hours after announcement): 6. It scores 40% (38% to 42%) on affected customers" in text
    assert "It ran 20 plans (90 runs in all)" in text and "agents simulated: 2,000" in text
    assert "front" not in text and "balanced" not in text


def test_best_plan_beats_the_baseline_or_does_not_or_cannot_tell():
    beats = said(one_objective(best=0.40, baseline=0.60))
    assert ("On affected customers still unaware at 24 h the best plan beats the baseline, Plan A: 20.0 percentage "
            "points lower (40% (38% to 42%) against 60% (58% to 62%)).") in beats
    worse = said(one_objective(best=0.60, baseline=0.40))
    assert "the best plan does worse than the baseline, Plan A: 20.0 percentage points higher" in worse
    assert "beats the baseline" not in worse
    unclear = said(one_objective(best=0.50, baseline=0.55, overlap=True))
    assert "5.0 percentage points lower than the baseline, Plan A" in unclear
    assert "the 95% intervals overlap: the runs do not show a clear difference" in unclear
    assert "beats the baseline" not in unclear
    same = said(one_objective(best=0.5, baseline=0.5))
    assert "the best plan and the baseline, Plan A score the same: 50%" in same


def test_a_scenario_outside_the_constraints_is_said_to_be_so():
    text = said(one_objective())
    assert ("The compared scenario, Plan B, breaks your constraint that no company campaign starts before 6 hours "
            "after the announcement, so it is not a plan you could choose") in text
    assert "the best plan does worse than Plan B: 30.0 percentage points higher" in text
    rows = table_rows(one_objective())
    assert rows[-1]["tag"] == "compared, outside your constraints"
    data = one_objective()
    data["comparisons"][1]["breaks"] = []                         # outside by an outcome: no input constraint
    assert "The compared scenario, Plan B, is outside your constraints" in said(data)


def test_a_binding_constraint_says_what_relaxing_it_changes():
    clear = said(one_objective())
    assert ("The constraint that no company campaign starts before 6 hours after the announcement binds: the best "
            "plan sits at it. Relaxed by one step (campaigns may start 1 hour earlier), affected customers still "
            "unaware at 24 h would be 5.0 percentage points lower (35% (34% to 36%) against 40% (38% to 42%)), a "
            "clear gain (95% interval of the change -6.0 points to -4.0 points): this is what the constraint "
            "costs.") in clear
    data = one_objective(overlap=True)
    data["relaxations"][0]["scores"][SHARE] = _s(0.39, 0.25, 0.55)
    data["relaxations"][0]["change"][SHARE] = _s(-0.01, -0.03, 0.01)
    assert "1.0 percentage points lower" in said(data) and "within chance" in said(data)
    assert "a clear gain" not in said(data)
    data["relaxations"][0]["scores"][SHARE] = _s(0.41, 0.26, 0.56)
    data["relaxations"][0]["change"][SHARE] = _s(0.01, -0.01, 0.03)
    assert "1.0 percentage points higher" in said(data) and "within chance" in said(data)
    data["relaxations"][0]["change"][SHARE] = _s(0.02, 0.01, 0.03)
    assert "clearly worse (95% interval of the change +1.0 points to +3.0 points)" in said(data)


def test_a_constraint_that_does_not_bind_says_so():
    data = one_objective()
    data["relaxations"] = [{"constraint": "start>=6", "kind": "start", "binding": False,
                            "step": "campaigns may start 1 hour earlier"}]
    text = said(data)
    assert ("The constraint that no company campaign starts before 6 hours after the announcement does not bind: "
            "the best plan is not held back by it, so relaxing it (campaigns may start 1 hour earlier) would not "
            "change the plan.") in text
    assert " binds" not in text.replace("does not bind", "")


def test_an_outcome_constraint_either_way():
    data = one_objective()
    data["constraints"].append({"text": "calls_peak_per_hour<=20000", "kind": "outcome", "name": CALLS,
                                "op": "<=", "bound": 20000.0, "label": "calls in the busiest hour"})
    row = {"constraint": "calls_peak_per_hour<=20000", "kind": "outcome", "search_only": True,
           "step": "the bound 10% looser", "binding": True, "current": 0.40, "relaxed": 0.33}
    data["relaxations"].append(row)
    text = said(data)
    assert "calls in the busiest hour at most 20,000" in text
    assert ("The constraint calls in the busiest hour at most 20,000 binds: with it 10% looser, the best affected "
            "customers still unaware at 24 h among the plans evaluated would go from 40% to 33%") in text
    row.update(binding=False, relaxed=0.40)
    assert "calls in the busiest hour at most 20,000 does not bind" in said(data)


def test_no_plan_kept_to_the_constraints():
    data = one_objective()
    data.update(best=None, front=[], relaxations=[])
    text = said(data)
    assert "No plan the optimiser tried kept to every constraint, so there is no best plan within them." in text
    assert "the best plan is" not in text and "beats" not in text
    assert "The baseline, Plan A scores 60% (58% to 62%) on affected customers" not in text
    assert "Plan A scores affected customers still unaware at 24 h 60% (58% to 62%)" in text
    assert [r["name"] for r in table_rows(data)] == ["Plan A", "Plan B"]


def test_several_objectives_the_front_and_its_balanced_plan():
    data = two_objectives()
    text = said(data)
    assert "plans with affected customers still unaware at 24 h (people) as low as possible and calls to the " \
           "company in the busiest hour as low as possible together" in text
    assert "campaign 1 throughput (people per hour), from 100,000 to 2,000,000" in text      # not 2e+06
    assert "the best plans form a front of 3 plans" in text
    assert "They range from 1.0 M to 2.9 M on affected customers still unaware at 24 h (people) and from " \
           "30,000 to 60,000 on calls" in text
    assert ("The balanced plan, the one nearest the best value of every objective at once, is plan 9 (its scenario "
            "file: best.toml): campaign 1 throughput (people per hour): 500,000; campaign 1 start (hours after "
            "announcement): 4.") in text
    # worse than the baseline on one objective, better on the other: both said
    assert "the balanced plan does worse than the baseline, Plan A: 400,000 higher" in text
    assert "the balanced plan beats Plan A: 25,000 lower (45,000 (40,000 to 50,000) against 70,000" in text
    assert ("The constraint that the campaigns sending by SMS send at most 1,500,000 messages an hour together "
            "does not bind") in text and "(10% more SMS throughput)" in text
    one = copy.deepcopy(data)
    one["front"] = [one["front"][1]]
    assert "one plan does best on every objective at once" in said(one)


def test_table_rows_and_figures():
    rows = table_rows(two_objectives())
    assert [r["name"] for r in rows] == ["Plan 3", "Plan 9", "Plan 12", "Plan A"]
    assert [r["tag"] for r in rows] == ["on the front", "balanced plan (best.toml)", "on the front", "baseline"]
    assert [r["best"] for r in rows] == [False, True, False, False]
    assert rows[1]["cells"] == [("1.6 M", "1.52 M to 1.68 M"), ("45,000", "40,000 to 50,000")]
    assert rows[1]["levers"] == ["500,000", "4"] and rows[3]["levers"] == []
    single = table_rows(one_objective())
    assert single[0] == {"name": "Plan 7", "cells": [("40%", "38% to 42%")], "tag": "best plan (best.toml)",
                         "levers": ["6"], "best": True}
    assert single[1]["cells"] == [("60%", "58% to 62%")] and single[1]["tag"] == "baseline"
    context = optimisation_context(two_objectives(), "data:image/png;base64,xx")
    assert context["columns"] == ["Affected customers still unaware at 24 h (people)",
                                  "Calls to the company in the busiest hour"]
    assert context["several"] and context["figure"].startswith("data:image/png")


def test_words_of_levers_constraints_and_scores():
    assert lever_value(476863) == "476,863" and lever_value("sms") == "sms" and lever_value(2.5) == "2.5"
    assert lever_value(True, "switch") == "sent" and lever_value(False, "choice") == "no"
    assert lever_value(["id_exposed", "current"]) == "id_exposed, current" and lever_value([]) == "none"
    assert lever_range({"kind": "int", "low": 0, "high": 48, "step": 6}) == "from 0 to 48 in steps of 6"
    assert lever_range({"kind": "choice", "choices": ["sms", "email"]}) == "sms or email"
    assert lever_range({"kind": "float", "low": 50000, "high": 2e6, "step": 0}) == "from 50,000 to 2,000,000"
    assert constraint_words({"kind": "throughput", "name": "email", "op": "<=", "bound": 2e5}) == \
        "the campaigns sending by e-mail send at most 200,000 messages an hour together"
    assert score_words({"score": "mean", "worlds": 1}).startswith("Each figure is the mean of the plan's runs")
    assert "90th percentile" in score_words({"score": "p90", "worlds": 4})


# --------------------------------------------------------------------------- folders

def _folder(path, data, png=True):
    path.mkdir(parents=True, exist_ok=True)
    (path / "optimise.json").write_text(json.dumps(data), encoding="utf-8")
    if png:
        from PIL import Image

        Image.new("RGB", (160, 90), "white").save(path / "front.png")
    return path


def test_load_optimisation_and_its_chart(tmp_path):
    opt = load_optimisation(_folder(tmp_path / "opt", one_objective()))
    assert opt.data["scenario"]["name"] == "Plan A" and opt.front_png.startswith(PNG)
    assert load_optimisation(_folder(tmp_path / "nochart", one_objective(), png=False)).front_png is None


@pytest.mark.parametrize("make, message", [
    (lambda p: None, "no such folder"),
    (lambda p: p.mkdir(), "optimise.json: no such file"),
    (lambda p: (p.mkdir(), (p / "optimise.json").write_text("{not json")), "optimise.json: not valid JSON"),
    (lambda p: (p.mkdir(), (p / "optimise.json").write_text("[1, 2]")), "optimise.json: got a JSON list"),
    (lambda p: (p.mkdir(), (p / "optimise.json").write_text('{"scenario": {}}')), "optimise.json: levers: missing"),
    (lambda p: _folder(p, {**one_objective(), "objectives": [{"measure": SHARE}]}, png=False),
     "optimise.json: malformed"),
    (lambda p: (_folder(p, one_objective(), png=False), (p / "front.png").write_text("no image")),
     "front.png: not a PNG image"),
])
def test_bad_optimisation_folders_are_refused_naming_the_file(tmp_path, make, message):
    place = tmp_path / "opt"
    make(place)
    with pytest.raises(ScenarioError, match=re.escape(message)):
        load_optimisation(place)
    with pytest.raises(ScenarioError, match=re.escape(message)):
        ReportOptions().merged(optimisation=place)


def test_report_config_reads_an_optimisation_folder(tmp_path):
    _folder(tmp_path / "opt", one_objective())
    (tmp_path / "report.toml").write_text('[report]\noptimisation = "opt"\n', encoding="utf-8")
    assert load_report_config(tmp_path / "report.toml").optimisation == (tmp_path / "opt").resolve()
    (tmp_path / "bad.toml").write_text('[report]\noptimisation = "nowhere"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="nowhere: optimisation: no such folder"):
        load_report_config(tmp_path / "bad.toml")


# --------------------------------------------------------------------------- end to end

@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """``breachsim compare --optimisation``: one scenario, 2 small runs, with an optimisation of two objectives."""
    root = tmp_path_factory.mktemp("optrep")
    opt = _folder(root / "opt", two_objectives())
    out = root / "cmp"
    assert main(["compare", str(OPTUS), "--reps", "2", "--set", "population.size=800", "--set", "scenario.hours=48",
                 "--workers", "1", "--out", str(out), "--quiet", "--optimisation", str(opt)]) == 0
    return root, opt, out


def test_compare_and_report_quote_the_optimisation(compared, tmp_path):
    root, opt, out = compared
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Optimisation: the best plans within your constraints" in page
    assert "the best plans form a front of 3 plans" in page and "What your constraints cost" in page
    assert (out / FRONT_FILE).read_bytes() == (opt / "front.png").read_bytes()
    assert page.count('id="optimisation-front"') == 1
    # report, with a PDF: the section is on a page, its chart drawn
    dest = tmp_path / "report"
    assert main(["report", str(out), "--out", str(dest), "--optimisation", str(opt), "--pdf", "--quiet"]) == 0
    doc = pdfium.PdfDocument(str(dest / "report.pdf"))
    texts = [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    at = next(i for i, t in enumerate(texts) if "Optimisation: the best plans" in t)
    assert "Within your" in " ".join(texts[at:at + 2]) and "Plan 9" in " ".join(texts[at:at + 2])
    images = sum(1 for i in range(len(doc)) for o in doc[i].get_objects()
                 if o.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE)
    assert images == page.count("<img ")
    # without the option: no section
    assert main(["report", str(out), "--out", str(dest), "--quiet"]) == 0
    assert "Optimisation:" not in (dest / "report.html").read_text(encoding="utf-8")
    assert not (dest / FRONT_FILE).exists()                     # the earlier report's chart is gone too


def test_bad_optimisation_option_is_one_line_and_writes_nothing(compared, tmp_path, capsys):
    root, opt, out = compared
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "optimise.json").write_text("{", encoding="utf-8")
    for place, words in ((tmp_path / "none", "no such folder"), (tmp_path, "optimise.json: no such file"),
                         (bad, "optimise.json: not valid JSON")):
        dest = tmp_path / "o"
        assert main(["report", str(out), "--out", str(dest), "--optimisation", str(place)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and words in err[0], err
        assert not dest.exists()
    dest = tmp_path / "c"
    assert main(["compare", str(OPTUS), "--reps", "2", "--out", str(dest), "--optimisation", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "optimise.json: not valid JSON" in err[0]
    assert not dest.exists()
