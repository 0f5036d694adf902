"""The dashboard's plans of an optimisation: ``dashboard --optimisation DIR``.

The optimisation folders are built here (a hand-written ``optimise.json`` and plan files
that extend the bundled Optus scenario, as ``breachsim optimise`` writes them), so that no
test depends on an optimisation having been run. The browser test starts its own server
and waits for states of the page, never for a time (ceilings as in test_dashboard.py).
"""

import copy
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from browser import (AWARENESS_CHART, CHROMIUM, CHROMIUM_FLAGS, browser_missing, free_port,
                     image_digest, settled, wait_image_change)
from helpers import OPTUS, ROOT, SCENARIOS
from sim import load_scenario
from sim.cli.main import build_parser, main
from sim.reporting.dashboard import levers as lv
from sim.reporting.dashboard.export import scenario_toml
from sim.reporting.dashboard.optimisation import panel_of, plan_values, read_optimisation
from sim.reporting.dashboard.serve import config_from
from sim.reporting.text import fmt_people, fmt_pct

OPTUS_NAME = "Optus 2022 (as it happened)"
DIRECT_FIRST = SCENARIOS / "direct_first.toml"
START = "channels.direct.campaigns.0.start_hour"
SHARE, CALLS = "unaware_affected_share_24h", "calls_peak_per_hour"


def _score(value: float) -> dict:
    return {"value": value, "low": value * 0.95, "high": value * 1.05}


def _plan_file(folder: Path, number: int, start_hour: float) -> str:
    """A plan file as the optimiser writes one: Optus with its first campaign's start set."""
    start = load_scenario(OPTUS)
    values = lv.lever_values(start)
    campaigns = copy.deepcopy(values[lv.CAMPAIGNS])
    campaigns[0]["start_hour"] = start_hour
    plans = folder / "plans"
    text = scenario_toml(OPTUS, {lv.CAMPAIGNS: campaigns}, f"Plan {number}", "from a test", plans, values)
    path = plans / f"plan-{number:04d}.toml"
    plans.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path.relative_to(folder).as_posix()


def _plan(folder: Path, number: int, start_hour: float, share: float, calls: float) -> dict:
    return {"plan": number, "file": _plan_file(folder, number, start_hour),
            "values": {START: start_hour}, "runs": 6, "scores": {SHARE: _score(share), CALLS: _score(calls)}}


def _optimisation(folder: Path, objectives: int = 2) -> Path:
    """An optimisation of Optus over its first campaign's start: a front of two plans (plan 7,
    the best, starts at 6 h; plan 3 at 2 h), or with one objective the best plan alone."""
    folder.mkdir(parents=True, exist_ok=True)
    best = _plan(folder, 7, 6.0, 0.412, 52_300.0)
    front = [_plan(folder, 3, 2.0, 0.25, 81_000.0), best] if objectives > 1 else [best]
    wanted = [{"measure": SHARE, "direction": "min", "label": "affected customers still unaware at 24 h"},
              {"measure": CALLS, "direction": "min",
               "label": "calls to the company in the busiest hour (calls per hour)"}][:objectives]
    if objectives == 1:
        for plan in front:
            plan["scores"].pop(CALLS)
    summary = {"scenario": {"file": str(OPTUS), "name": OPTUS_NAME},
               "settings": {"budget": 40, "reps": 3, "worlds": 1, "score": "mean", "seed": 2022,
                            "set": {"population.size": 2000}},
               "levers": [{"key": START, "kind": "int",
                           "label": "campaign 1 start (hours after announcement)", "range": "0 to 24"}],
               "objectives": wanted, "constraints": [],
               "best": {**best, "file": best["file"]}, "front": front, "comparisons": []}
    (folder / "optimise.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- the option's errors

def _refused(capsys, folder) -> str:
    code = main(["dashboard", str(OPTUS), "--optimisation", str(folder), "--no-browser"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: --optimisation: ")
    return err


def test_a_missing_folder_is_one_line(capsys, tmp_path):
    assert "no such folder" in _refused(capsys, tmp_path / "nowhere")


def test_a_folder_without_optimise_json_is_one_line(capsys, tmp_path):
    assert "has no optimise.json" in _refused(capsys, tmp_path)


@pytest.mark.parametrize("text, needle", [
    ("{", "not readable JSON"),
    ("[1, 2]", "not an optimisation's summary"),
    ('{"best": null, "front": [{"plan": 1}]}', "not an optimisation's summary (missing 'file')"),
    ('{"best": null, "front": [], "objectives": [], "levers": [], "scenario": {"name": "x"}}',
     "no plan to load"),
])
def test_a_malformed_optimise_json_is_one_line(capsys, tmp_path, text, needle):
    (tmp_path / "optimise.json").write_text(text, encoding="utf-8")
    assert needle in _refused(capsys, tmp_path)


def test_a_missing_plan_file_is_one_line(capsys, tmp_path):
    folder = _optimisation(tmp_path / "opt")
    (folder / "plans" / "plan-0003.toml").unlink()
    assert "plan 3's file" in _refused(capsys, folder)


def _config(*args):
    return config_from(build_parser().parse_args(["dashboard", *map(str, args)]))


def test_the_optimised_scenario_is_a_starting_scenario(tmp_path):
    folder = _optimisation(tmp_path / "opt")
    assert _config(OPTUS, "--optimisation", folder).scenarios == [str(OPTUS.resolve())]
    other = _config(DIRECT_FIRST, "--optimisation", folder)  # added after the one given
    assert other.scenarios == [str(DIRECT_FIRST.resolve()), str(OPTUS.resolve())]
    assert other.optimisation == str(folder.resolve())
    alone = _config("--optimisation", folder)  # none given: the optimised one first
    assert alone.scenarios[0] == str(OPTUS.resolve()) and len(alone.scenarios) == 4
    assert _config(OPTUS).optimisation is None


# --------------------------------------------------------------------------- the panel's content

def test_the_panel_lists_the_front_with_scores_in_the_dashboards_words(tmp_path):
    opt = read_optimisation(_optimisation(tmp_path / "opt"))
    assert opt.base == str(OPTUS.resolve()) and opt.name == OPTUS_NAME
    start = lv.lever_values(load_scenario(OPTUS))
    panel = panel_of(opt, str(OPTUS.resolve()), OPTUS_NAME, start, 2000)
    assert panel.title == "Plans from the optimisation in opt"
    assert panel.intro.startswith(f"The 2 plans of the front for {OPTUS_NAME}: none is better")
    assert "the mean of 6 runs of 2,000 agents," in panel.intro          # the confirmation's runs, not --reps
    from sim.reporting.dashboard.optimisation import scored_with
    settings = {"score": "p90", "worlds": 4, "set": {"population.size": 2000}}
    assert scored_with(settings, {8}) == ("the pessimistic 90th percentile over 4 plausible worlds of the mean of "
                                          "its runs in each (8 runs of 2,000 agents in all)")
    assert scored_with({}, {6, 8}) == "the mean of its runs"
    assert panel.other_start == "" and panel.notes == ()
    assert panel.levers == ("campaign 1 start (hours after announcement)",)
    assert panel.objectives == (("affected customers still unaware at 24 h", "lower is better"),
                                ("calls to the company in the busiest hour (calls per hour)",
                                 "lower is better"))
    assert [(r.name, r.plan.best, r.levers) for r in panel.rows] == [
        ("Plan 3", False, ("2 h",)), ("Plan 7", True, ("6 h",))]
    best = panel.rows[1]
    assert best.scores == ((fmt_pct(0.412), f"{fmt_pct(0.412 * 0.95)} to {fmt_pct(0.412 * 1.05)}"),
                           (fmt_people(52_300), f"{fmt_people(52_300 * 0.95)} to {fmt_people(52_300 * 1.05)}"))
    assert best.scores[0][0] == "41%" and best.scores[1][0] == "52,000"
    assert not any(r.loaded for r in panel.rows)  # the controls hold Optus as its file has it


def test_the_panel_says_when_the_baseline_is_another_scenario(tmp_path):
    opt = read_optimisation(_optimisation(tmp_path / "opt"))
    panel = panel_of(opt, str(DIRECT_FIRST.resolve()), "Direct first", None, None)
    assert panel.other_start == (f"Note: the baseline now is Direct first; these plans are of "
                                 f"{OPTUS_NAME}. Loading one makes {OPTUS_NAME} the baseline "
                                 "(each plan's file extends it).")


def test_one_objective_shows_the_best_plan(tmp_path):
    opt = read_optimisation(_optimisation(tmp_path / "opt", objectives=1))
    panel = panel_of(opt, str(OPTUS.resolve()), OPTUS_NAME, None, None)
    assert panel.title == "The best plan from the optimisation in opt"
    assert panel.intro.startswith(f"The best plan for {OPTUS_NAME}.")
    assert [(r.name, r.plan.best) for r in panel.rows] == [("Plan 7", True)]
    assert len(panel.objectives) == 1 and len(panel.rows[0].scores) == 1


def test_a_loaded_plan_is_its_file_and_is_marked(tmp_path):
    opt = read_optimisation(_optimisation(tmp_path / "opt"))
    plan = opt.plans[1]
    values, missing = plan_values(plan.file, 2000)
    assert missing == () and values[lv.SIZE] == 2000 and values[lv.CAMPAIGNS][0]["start_hour"] == 6.0
    start = lv.lever_values(load_scenario(OPTUS))
    now = lv.current_scenario(OPTUS, lv.changed(start, values))  # what the page runs
    expected = load_scenario(plan.file, {lv.SIZE: 2000})
    assert now.data["channels"] == expected.data["channels"]
    assert {k: v for k, v in now.data.items() if k != "scenario"} == {
        k: v for k, v in expected.data.items() if k != "scenario"}
    panel = panel_of(opt, str(OPTUS.resolve()), OPTUS_NAME, values, 2000)
    assert [r.loaded for r in panel.rows] == [False, True]
    moved = copy.deepcopy(values)
    moved[lv.SIZE] = 5000  # the agents per run are a run setting, not the plan's
    assert [r.loaded for r in panel_of(opt, str(OPTUS.resolve()), OPTUS_NAME, moved, 2000).rows] == [False, True]
    moved[lv.CAMPAIGNS][0]["start_hour"] = 7.0
    assert not any(r.loaded for r in panel_of(opt, str(OPTUS.resolve()), OPTUS_NAME, moved, 2000).rows)


# --------------------------------------------------------------------------- the page in a browser

START_CEILING = 300
UPDATE_CEILING = 60


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    reason = browser_missing()
    if reason:
        pytest.skip(f"browser tests skipped: {reason}")
    folder = _optimisation(tmp_path_factory.mktemp("optimised") / "opt")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9",
               NO_PROXY="127.0.0.1,localhost", PYTHONUNBUFFERED="1")
    log = folder.parent / "server.log"
    url = f"http://127.0.0.1:{port}/"
    with log.open("w") as written:
        proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "dashboard", str(DIRECT_FIRST),
                                 "--optimisation", str(folder), "--port", str(port), "--reps", "4",
                                 "--people", "2000", "--out", str(folder.parent / "saved")],
                                cwd=ROOT, env=env, stdout=written, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.time() + START_CEILING
            while True:
                try:
                    urllib.request.urlopen(url, timeout=2)
                    break
                except OSError:
                    assert proc.poll() is None, log.read_text()
                    assert time.time() < deadline, log.read_text()
                    time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    sys.stderr.write(log.read_text())  # shown by pytest when a test failed


@pytest.fixture
def page(server):
    from playwright.sync_api import sync_playwright

    outside = []
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        tab = b.new_page(viewport={"width": 1400, "height": 1600})

        def route(r):
            if r.request.url.startswith(("http://127.0.0.1", "data:", "blob:")):
                r.continue_()
            else:
                outside.append(r.request.url)
                r.abort()

        tab.route("**/*", route)
        tab.goto(server)
        tab.locator(".finished").wait_for(timeout=START_CEILING * 1000)
        settled(tab, UPDATE_CEILING)
        yield tab
        b.close()
    assert outside == []


def test_loading_a_plan_sets_the_controls_and_redraws_the_charts(page):
    panel = page.locator(".optimised-plans")
    assert "Plans from the optimisation in opt" in panel.inner_text()
    assert "the baseline now is Direct first" in panel.locator(".plans-other-start").inner_text()
    assert "Direct first" in page.locator(".page-title").inner_text()
    best = panel.locator(".plan-row.plan-7")
    assert "best" in best.locator(".plan-best").inner_text()
    assert best.locator(".plan-lever").inner_text() == "6 h"
    assert [t.strip() for t in best.locator(".plan-score b").all_inner_texts()] == ["41%", "52,000"]
    chart = image_digest(page, AWARENESS_CHART)

    best.locator(".load-plan").click()
    page.locator(".page-title", has_text=OPTUS_NAME).wait_for(timeout=UPDATE_CEILING * 1000)
    page.locator(".campaign-0 .lever-label", has_text="start (hours after announcement) 6 h").wait_for(
        timeout=UPDATE_CEILING * 1000)
    best.locator(".load-plan", has_text="in the controls").wait_for(timeout=UPDATE_CEILING * 1000)
    wait_image_change(page, AWARENESS_CHART, chart, UPDATE_CEILING)
    settled(page, UPDATE_CEILING)
    assert page.locator(".plan-row.loaded").count() == 1
    assert panel.locator(".plans-other-start").count() == 0  # the baseline is the plans' scenario now
    assert page.locator(".campaign-0 .v-card__title").inner_text().strip() == "Campaign 1: E-mail"
    # The page runs the plan's file: Optus with the e-mails from 6 h (agents as --people).
    page.get_by_text("2 settings changed from optus_2022.toml").wait_for(timeout=UPDATE_CEILING * 1000)

    page.locator(".campaign-0-start .v-slider__thumb-container").focus()
    page.keyboard.press("Home")  # another setting: the plan is no longer the one in the controls
    best.locator(".load-plan", has_text="Load this plan").wait_for(timeout=UPDATE_CEILING * 1000)
    settled(page, UPDATE_CEILING)
    assert page.locator(".plan-row.loaded").count() == 0
