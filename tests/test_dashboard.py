"""The what-if dashboard: its levers, runs, export and drawings, and the page in a real browser.

The browser tests start one server (``python run.py dashboard``) for the
module and drive Debian's Chromium with Playwright; they are skipped, with the
reason shown, only where no browser is installed. Time bounds in them are
generous ceilings for a loaded 2-core machine, not speed claims (speed is
measured in bench/dashboard.py).
"""

import copy
import json
import os
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from browser import (AWARENESS_CHART, CHROMIUM, CHROMIUM_FLAGS, browser_missing as _browser_missing,
                     free_port, image_digest, settled, wait_image_change as _wait_image_change)
from helpers import OPTUS, ROOT
from sim import ScenarioError, load_scenario, simulate
from sim.runs.batch import run_seed
from sim.cli.main import main
from sim.reporting.dashboard import levers as lv
from sim.reporting.dashboard.export import scenario_toml, write_scenario
from sim.reporting.dashboard.serve import has_display
from sim.config.scenario import parse_override

SMALL = {"population.size": 1500, "scenario.hours": 96}
SMS = {"medium": "sms", "start_hour": 2.0, "per_hour": 1_000_000.0,
       "targets": ["current", "former"], "ask_to_share": True}
OPTUS_NAME = "Optus 2022 (as it happened)"
PUSH_NAME = "Optus 2022 with push notifications"


def _push_scenario(folder: Path) -> Path:
    """A scenario that extends the bundled Optus one and declares a third medium."""
    path = folder / "push.toml"
    path.write_text(f"""[scenario]
extends = {json.dumps(str(OPTUS))}
name = "{PUSH_NAME}"

[channels.direct.media.push]
label = "Push notification"
read_delay_hours = 0.17
reachable = {{ current = 0.6, former = 0.0 }}
""", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- levers and export

def _flat(table, prefix=""):
    out = {}
    for name, value in table.items():
        key = f"{prefix}.{name}" if prefix else name
        out.update(_flat(value, key) if isinstance(value, dict) else {key: value})
    return out


def _without_name(data):
    data = copy.deepcopy(data)
    for key in ("name", "description", "short_name"):
        data["scenario"].pop(key, None)
    return data


def _what_if(start):
    """Changes of every kind: a list, a word-of-mouth slider, a per-cohort trust, the size."""
    values = lv.lever_values(start)
    now = copy.deepcopy(values)
    now[lv.CAMPAIGNS] = [SMS] + now[lv.CAMPAIGNS]
    now["word_of_mouth.social"] = 0.0065
    now["trust.media.gen_z"] = 0.41
    now[lv.SIZE] = 2500
    return values, now


def test_export_extends_the_start_and_resolves_to_the_same_scenario(tmp_path):
    start = load_scenario(OPTUS)
    values, now = _what_if(start)
    overrides = lv.changed(values, now)
    assert set(overrides) == {lv.CAMPAIGNS, "word_of_mouth.social", "trust.media.gen_z", lv.SIZE}
    folder = tmp_path / "saved"
    text = scenario_toml(OPTUS, overrides, "What if: SMS first", "from a test", folder, values)
    path = write_scenario(folder / "what_if.toml", text)
    raw = tomllib.loads(path.read_text())
    assert raw["scenario"]["extends"] == os.path.relpath(OPTUS, folder)
    assert set(_flat(raw)) == {"scenario.extends", "scenario.name", "scenario.description",
                               *overrides}  # only what changed
    saved = load_scenario(path)
    assert saved.name == "What if: SMS first"
    assert _without_name(saved.data) == _without_name(lv.current_scenario(OPTUS, overrides).data)
    assert saved.get(lv.CAMPAIGNS)[0]["medium"] == "sms" and saved.get(lv.SIZE) == 2500
    assert "# was 10_000" in text and "# was 0.004" in text


def test_no_change_exports_an_empty_what_if(tmp_path):
    start = load_scenario(OPTUS)
    values = lv.lever_values(start)
    assert lv.changed(values, copy.deepcopy(values)) == {}
    text = scenario_toml(OPTUS, {}, "same", "", tmp_path, values)
    saved = load_scenario(write_scenario(tmp_path / "same.toml", text))
    assert _without_name(saved.data) == _without_name(start.data)


def test_sliders_cover_per_cohort_trust_and_word_of_mouth():
    start = load_scenario(OPTUS)
    keys = [s.key for s in lv.sliders(start)]
    assert {"trust.media.gen_z", "trust.company", "word_of_mouth.social"} <= set(keys)
    assert "trust.media" not in keys  # set per cohort in the defaults
    for s in lv.sliders(start):
        assert s.low <= start.get(s.key) <= s.high and s.label


def test_bad_value_gives_the_command_lines_message():
    start = load_scenario(OPTUS)
    values = lv.lever_values(start)
    now = copy.deepcopy(values)
    now[lv.CAMPAIGNS][0]["per_hour"] = -5.0
    with pytest.raises(ScenarioError) as page:
        lv.current_scenario(OPTUS, lv.changed(values, now))
    with pytest.raises(ScenarioError) as cli:  # what `run --set ...` does with the same value
        load_scenario(OPTUS, dict([parse_override("channels.direct.campaigns.0.per_hour=-5.0")]))
    assert page.value.line() == cli.value.line()
    assert "per_hour" in page.value.line()


def test_typed_numbers_are_read_as_the_command_line_reads_them():
    assert lv.read_number("1,000,000") == 1_000_000 and lv.read_number(" 2.5 ") == 2.5
    assert lv.read_number("lots") == "lots"
    assert lv.number_text(68000.0) == "68,000" and lv.number_text(0.25) == "0.25"
    values = lv.lever_values(load_scenario(OPTUS))
    now = copy.deepcopy(values)
    now[lv.CAMPAIGNS][0]["per_hour"] = lv.read_number("lots")
    with pytest.raises(ScenarioError) as page:
        lv.current_scenario(OPTUS, lv.changed(values, now))
    with pytest.raises(ScenarioError) as cli:
        load_scenario(OPTUS, dict([parse_override("channels.direct.campaigns.0.per_hour=lots")]))
    assert page.value.line() == cli.value.line()


@pytest.mark.parametrize("value", [0, -3, 51, 2.5, True])
def test_replications_out_of_range(value):
    with pytest.raises(ScenarioError, match="replications"):
        lv.check_replications(value)


def test_population_limit_of_the_dashboard():
    with pytest.raises(ScenarioError, match="at most 200,000"):
        lv.current_scenario(OPTUS, {lv.SIZE: 250_000})


def test_no_display_means_no_browser(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert has_display() is (not sys.platform.startswith("linux"))
    monkeypatch.setenv("DISPLAY", ":0")
    assert has_display()


def _dashboard(capsys, *args):
    """``breachsim dashboard ARGS`` in this process (bad input never gets to serving)."""
    code = main(["dashboard", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_command_help_prints_the_default_port(capsys):
    with pytest.raises(SystemExit) as done:
        main(["dashboard", "--help"])
    text = capsys.readouterr().out
    assert done.value.code == 0 and "--port PORT" in text and "(default 8765)" in text
    assert "--no-browser" in text and "--host" in text


@pytest.mark.parametrize("args, needle", [
    (["nowhere.toml"], "nowhere.toml: no such file"),
    ([OPTUS, "--reps", "0"], "error: --reps:"),
    ([OPTUS, "--people", "300000"], "at most 200,000"),
    ([OPTUS, "--port", "70000"], "error: --port:"),
])
def test_command_refuses_bad_input_in_one_line(capsys, args, needle):
    code, _, err = _dashboard(capsys, *args, "--no-browser")
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1


def test_command_refuses_a_port_in_use(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, _, err = _dashboard(capsys, OPTUS, "--port", port, "--no-browser")
    assert code == 2 and err.startswith(f"error: --port: cannot serve on 127.0.0.1:{port}")


# --------------------------------------------------------------------------- what a campaign can name

def test_campaign_choices_are_the_scenarios_media_and_targets(tmp_path):
    scenario = load_scenario(_push_scenario(tmp_path))
    assert lv.media_choices(scenario) == {"sms": "SMS", "email": "E-mail", "push": "Push notification"}
    kinds = lv.target_choices(scenario)
    assert kinds == [("customer groups", {"current": "current customers", "former": "former customers"}),
                     ("generations", {"gen_z": "Gen Z", "millennial": "Millennials", "gen_x": "Gen X",
                                      "boomer": "Boomers"}),
                     ("segments", {"id_exposed": "ID-exposed customers"})]
    assert list(lv.target_names(scenario)) == ["current", "former", "gen_z", "millennial", "gen_x",
                                               "boomer", "id_exposed"]
    (tmp_path / "plain.toml").write_text('[scenario]\nname = "plain"\n', encoding="utf-8")
    plain = load_scenario(tmp_path / "plain.toml")  # the defaults: no segments
    assert [heading for heading, _ in lv.target_choices(plain)] == ["customer groups", "generations"]
    assert list(lv.media_choices(plain)) == ["sms", "email"]


def test_targets_are_written_groups_then_generations_then_segments():
    order = list(lv.target_names(load_scenario(OPTUS)))
    targets = lv.with_target(["current", "former"], "id_exposed", True, order)
    targets = lv.with_target(targets, "boomer", True, order)
    targets = lv.with_target(targets, "gen_z", True, order)
    assert targets == ["current", "former", "gen_z", "boomer", "id_exposed"]
    assert lv.with_target(targets, "current", False, order) == ["former", "gen_z", "boomer", "id_exposed"]
    assert lv.with_target(["former"], "former", False, order) == []
    assert lv.with_target(["nobody"], "gen_z", True, order) == ["gen_z", "nobody"]  # for the check to name


def test_priority_in_words_and_its_moves():
    segments = load_scenario(OPTUS).data["population"]["segments"]
    assert lv.priority_text(["id_exposed"], segments) == "ID-exposed customers first, then the rest"
    assert lv.priority_text(["gen_z", "id_exposed"], segments) == (
        "Gen Z first, then ID-exposed customers, then the rest")
    assert lv.priority_text([], segments).startswith("none")
    assert lv.moved(["a", "b", "c"], 2, -1) == ["a", "c", "b"]
    assert lv.moved(["a", "b", "c"], 0, 1) == ["b", "a", "c"]
    assert lv.moved(["a", "b"], 0, -1) == ["a", "b"] and lv.moved(["a", "b"], 1, 1) == ["a", "b"]


def test_a_new_campaign_sends_to_no_one_first():
    assert lv.NEW_CAMPAIGN["priority"] == []
    start = load_scenario(OPTUS)
    values = lv.lever_values(start)
    now = copy.deepcopy(values)
    now[lv.CAMPAIGNS].append(lv.new_campaign(start))
    added = lv.current_scenario(OPTUS, lv.changed(values, now)).get(lv.CAMPAIGNS)[-1]
    assert added == lv.NEW_CAMPAIGN


@pytest.mark.parametrize("targets, priority, needle", [
    (["former"], ["id_exposed", "current"], "priority.1: 'current' is not among the people"),
    (["gen_z"], ["boomer"], "priority.0: 'boomer' is not among the people"),
    ([], [], "targets: has 0 items"),
])
def test_impossible_targets_give_the_command_lines_message(targets, priority, needle):
    values = lv.lever_values(load_scenario(OPTUS))
    now = copy.deepcopy(values)
    now[lv.CAMPAIGNS][0].update(targets=targets, priority=priority)
    with pytest.raises(ScenarioError) as page:
        lv.current_scenario(OPTUS, lv.changed(values, now))
    with pytest.raises(ScenarioError) as cli:
        load_scenario(OPTUS, dict([parse_override(f"{lv.CAMPAIGNS}.0.targets={json.dumps(targets)}"),
                                   parse_override(f"{lv.CAMPAIGNS}.0.priority={json.dumps(priority)}")]))
    assert page.value.line() == cli.value.line() and needle in page.value.line()
    assert "\n" not in page.value.line()


def test_export_keeps_a_declared_medium_targets_and_priority(tmp_path):
    path = _push_scenario(tmp_path)
    values = lv.lever_values(load_scenario(path))
    now = copy.deepcopy(values)
    now[lv.CAMPAIGNS][0].update(medium="push", targets=["current", "gen_z", "id_exposed"],
                                priority=["gen_z", "id_exposed"])
    overrides = lv.changed(values, now)
    folder = tmp_path / "saved"
    text = scenario_toml(path, overrides, "push first", "", folder, values)
    saved = load_scenario(write_scenario(folder / "push_first.toml", text))
    assert saved.get(lv.CAMPAIGNS)[0] == now[lv.CAMPAIGNS][0]
    assert _without_name(saved.data) == _without_name(lv.current_scenario(path, overrides).data)


# --------------------------------------------------------------------------- runs

@pytest.fixture(scope="module")
def runner():
    from sim.reporting.dashboard.runs import Runner

    pool = Runner(workers=2)
    yield pool
    pool.close()


def test_outcome_is_the_runs_of_compare_seeds(runner):
    """Each run is simulate() with the seed compare gives it; figures are medians of them."""
    scenario = load_scenario(OPTUS, SMALL)
    outcomes = list(runner.outcomes(scenario, 3, 2022))
    final = outcomes[-1]
    assert [o.done for o in outcomes][-1] == 3 and final.complete
    direct = [simulate(scenario, seed=run_seed(2022, 0, r)) for r in range(3)]
    h50 = sorted(r.summary["hours_to_50pct_affected"] for r in direct)
    assert final.headline["hours_to_50pct_affected"][1] == h50[1]
    aware = np.stack([r.timeseries["aware_affected"].to_numpy() for r in direct])
    ppa = direct[0].summary["people_per_agent"]
    assert np.allclose(final.aware[1], np.median(aware, axis=0) * ppa)
    assert final.seeds == tuple(run_seed(2022, 0, r) for r in range(3))
    assert final.start.utcoffset() is not None


def test_outcome_does_not_depend_on_workers(runner):
    from sim.reporting.dashboard.runs import Runner

    scenario = load_scenario(OPTUS, {**SMALL, "word_of_mouth.social": 0.006})
    two = list(runner.outcomes(scenario, 4, 7))[-1]
    one_pool = Runner(workers=1)
    try:
        one = list(one_pool.outcomes(scenario, 4, 7))[-1]
    finally:
        one_pool.close()
    assert np.array_equal(one.aware, two.aware) and one.headline == two.headline


def test_a_cancelled_job_stops_and_drops_its_unstarted_runs(runner):
    # Full-size runs (~0.1 s each): of 30, only those already running or queued may start.
    scenario = load_scenario(OPTUS, {"word_of_mouth.household": 0.07})
    stop = {"now": False}
    seen = []
    for outcome in runner.outcomes(scenario, 30, 11, cancelled=lambda: stop["now"]):
        seen.append(outcome.done)
        stop["now"] = True
    assert seen == [seen[0]] and seen[0] < 30  # nothing yielded after the cancellation
    assert runner.dropped >= 15
    assert runner.cached(scenario, 30, 11) is None  # an incomplete job is not kept


def test_figures_state_the_findings(runner):
    from sim.reporting.dashboard import figures
    from sim.reporting.text import fmt_hours

    base = list(runner.outcomes(load_scenario(OPTUS, SMALL), 3, 1))[-1]
    now_s = lv.current_scenario(OPTUS, {**SMALL, lv.CAMPAIGNS: [SMS]})
    now = list(runner.outcomes(now_s, 3, 1))[-1]
    assert now.headline["hours_to_50pct_affected"][1] < base.headline["hours_to_50pct_affected"][1]
    fig = figures.awareness_figure(base, now)
    title = fig._suptitle.get_text()
    assert fmt_hours(now.headline["hours_to_50pct_affected"][1]) in title
    assert fmt_hours(base.headline["hours_to_50pct_affected"][1]) in title
    for make in (figures.first_source_figure, figures.trust_figure):
        assert "baseline" in make(base, now)._suptitle.get_text()


def test_network_view_is_the_run_of_the_same_seed():
    from sim.reporting.dashboard.network_view import network_figure, small_network

    scenario = lv.current_scenario(OPTUS, {"population.size": 200})
    net = small_network(scenario, 5)
    run = simulate(scenario, seed=5)
    last = run.timeseries.iloc[-1]
    knows = np.isfinite(net.aware_hours)
    assert knows.sum() == last["aware"] and knows[net.affected].sum() == last["aware_affected"]
    assert net.positions.shape == (200, 2) and len(net.edges) > 0
    at_24 = (net.aware_hours <= 24).sum()
    assert at_24 == run.timeseries.loc[run.timeseries["hours"] <= 24, "aware"].iloc[-1]
    assert "24 h after the start" in network_figure(net, 24).axes[0].get_title(loc="left")


# --------------------------------------------------------------------------- the page in a browser

#: Generous ceilings (seconds) for a loaded 2-core machine (a first start may compile the
#: fast engine's kernel).
START_CEILING = 300
UPDATE_CEILING = 60
PEOPLE, REPS = 2000, 4


@pytest.fixture(scope="module", autouse=True)
def starting_server(tmp_path_factory):
    """The module's server, started before the first test so that it warms up meanwhile."""
    if _browser_missing():
        yield None
        return
    out = tmp_path_factory.mktemp("saved")
    push = _push_scenario(tmp_path_factory.mktemp("scenarios"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    # Offline: any request the server tried to make outside this machine would fail.
    env.update(HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9",
               NO_PROXY="127.0.0.1,localhost", PYTHONUNBUFFERED="1")
    log = out.parent / "server.log"
    with log.open("w") as written:
        proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "dashboard", str(OPTUS),
                                 str(push), "--port", str(port), "--reps", str(REPS), "--people", str(PEOPLE),
                                 "--out", str(out)], cwd=ROOT, env=env, stdout=written,
                                stderr=subprocess.STDOUT, text=True)
        yield {"proc": proc, "url": f"http://127.0.0.1:{port}/", "out": out, "log": log}
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    sys.stderr.write(log.read_text())  # shown by pytest when a test failed


@pytest.fixture(scope="module")
def server(starting_server):
    reason = _browser_missing()
    if reason:
        pytest.skip(f"browser tests skipped: {reason}")
    proc, url, log = starting_server["proc"], starting_server["url"], starting_server["log"]
    deadline = time.time() + START_CEILING
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            assert proc.poll() is None, log.read_text()
            time.sleep(0.3)
    return {"url": url, "out": starting_server["out"], "banner": log.read_text().splitlines()[0]}


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def tab(server, browser):
    """One page for the module; no request may leave this machine."""
    outside = []
    page = browser.new_page(viewport={"width": 1400, "height": 1600})

    def route(r):
        if r.request.url.startswith(("http://127.0.0.1", "data:", "blob:")):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(server["url"])
    page.locator(".finished").wait_for(timeout=START_CEILING * 1000)
    yield page, outside
    page.close()


@pytest.fixture
def page(tab):
    """The page at the starting scenario with every result drawn (cached runs: quick)."""
    page, outside = tab
    if OPTUS_NAME not in page.locator(".page-title").inner_text():  # a test left another start
        _pick_start(page, OPTUS_NAME)
    page.get_by_text("reset to the starting scenario").click()
    # Only the agents per run (--people) differ from the file once the reset is in.
    page.get_by_text("1 setting changed from optus_2022.toml").wait_for(timeout=UPDATE_CEILING * 1000)
    page.locator(".bad-value").wait_for(state="detached", timeout=UPDATE_CEILING * 1000)
    _settled(page)
    yield page
    assert outside == []


def _settled(page, timeout: float = UPDATE_CEILING) -> None:
    """Wait until every run of the settings in the controls is drawn."""
    settled(page, timeout)


def _wait_text_change(page, selector: str, old: str, timeout: float) -> None:
    page.wait_for_function("([sel, old]) => { const e = document.querySelector(sel);"
                           " return e && e.innerText !== old; }", arg=[selector, old],
                           timeout=timeout * 1000)


def _pick(page, test_id: str, words: str) -> list[str]:
    """Pick ``words`` in the select of class ``test_id``; the options it listed, in order."""
    page.locator(f".{test_id} .v-select__slot").click()
    menu = page.locator(f".{test_id}-menu.menuable__content__active")
    menu.wait_for(timeout=UPDATE_CEILING * 1000)
    options = [t.strip() for t in menu.locator(".v-list-item").all_inner_texts()]
    menu.get_by_text(words, exact=True).click()
    menu.wait_for(state="hidden", timeout=UPDATE_CEILING * 1000)
    return options


def _pick_start(page, name: str) -> None:
    """Pick another starting scenario and wait until its runs are drawn."""
    page.locator(".start-choice .v-select__slot").click()
    page.locator(".menuable__content__active").get_by_text(name, exact=True).click()
    page.locator(".page-title", has_text=name).wait_for(timeout=UPDATE_CEILING * 1000)
    _settled(page)


def _saved_campaign(server, page) -> dict:
    """Save the settings as a scenario file; its first campaign as the file resolves it."""
    page.locator(".save-scenario").click()
    shown = page.locator(".saved-path")
    shown.wait_for(timeout=UPDATE_CEILING * 1000)
    path = shown.inner_text().removeprefix("saved: ").strip()
    assert path.startswith(str(server["out"]))
    return load_scenario(path).get(lv.CAMPAIGNS)[0]


H50_NOW = "td.hours_to_50pct_affected.now b"


def test_page_prints_its_address_and_shows_the_baseline(server, page):
    assert server["banner"].startswith(f"breachsim dashboard: serving on {server['url']}")
    assert "Optus 2022" in page.locator(".page-title").inner_text()
    base = page.locator("td.hours_to_50pct_affected.base b").inner_text()
    assert base == page.locator(H50_NOW).inner_text()  # nothing changed yet
    assert base.endswith(" h")
    assert image_digest(page, AWARENESS_CHART)


def test_a_slider_change_updates_the_figure_and_the_chart(page):
    before, chart = page.locator(H50_NOW).inner_text(), image_digest(page, AWARENESS_CHART)
    page.locator(".campaign-0-start .v-slider__thumb-container").focus()
    page.keyboard.press("Home")  # e-mails from the announcement instead of 24 h later
    started = time.time()
    _wait_text_change(page, H50_NOW, before, UPDATE_CEILING)
    _wait_image_change(page, AWARENESS_CHART, chart, UPDATE_CEILING)
    _settled(page)
    assert time.time() - started < UPDATE_CEILING
    after = page.locator(H50_NOW).inner_text()
    assert int(after.split()[0]) < int(before.split()[0])
    assert "0 h" in page.locator(".lever-label").first.inner_text()


def test_a_bad_value_shows_the_message_and_keeps_the_last_result(page):
    before, chart = page.locator(H50_NOW).inner_text(), image_digest(page, AWARENESS_CHART)
    drawn = page.locator(".keys").text_content().split("|")[0]
    box = page.locator(".campaign-0-per-hour input")
    box.fill("-5")
    box.press("Enter")
    page.locator(".bad-value").wait_for(timeout=UPDATE_CEILING * 1000)
    with pytest.raises(ScenarioError) as cli:  # what `run --set KEY=-5` says
        load_scenario(OPTUS, dict([parse_override("population.size=2000"),
                                   parse_override("channels.direct.campaigns.0.per_hour=-5")]))
    assert page.locator(".bad-value").inner_text().strip() == cli.value.line()
    # a refused value starts no run: the status stays finished, on the runs drawn before
    page.locator(".status.finished").wait_for(timeout=UPDATE_CEILING * 1000)
    assert page.locator(".status.running").count() == 0
    assert page.locator(".keys").text_content().split("|")[0] == drawn
    assert page.locator(H50_NOW).inner_text() == before
    assert image_digest(page, AWARENESS_CHART) == chart
    box.fill("68,000")
    box.press("Enter")
    page.locator(".bad-value").wait_for(state="detached", timeout=UPDATE_CEILING * 1000)
    _settled(page)
    assert page.locator(H50_NOW).inner_text() == before  # back where it was (runs cached)


def test_export_writes_a_scenario_that_resolves_to_the_current_settings(server, page):
    page.get_by_text("asks readers to share").click()
    # The server has the change (the box itself ticks in the browser at once).
    page.get_by_text("2 settings changed from optus_2022.toml").wait_for(timeout=UPDATE_CEILING * 1000)
    _settled(page)
    page.locator(".save-scenario").click()
    shown = page.locator(".saved-path")
    shown.wait_for(timeout=UPDATE_CEILING * 1000)
    path = shown.inner_text().removeprefix("saved: ").strip()
    assert path.startswith(str(server["out"]))
    saved = load_scenario(path)
    expected = load_scenario(OPTUS, {"population.size": PEOPLE,
                                     "channels.direct.campaigns.0.ask_to_share": True})
    assert _without_name(saved.data) == _without_name(expected.data)
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    assert set(_flat(raw)) - {"scenario.extends", "scenario.name", "scenario.description"} == {
        lv.SIZE, lv.CAMPAIGNS}


def test_network_view_draws_a_small_run(page):
    page.get_by_text("show 300 people", exact=False).click()
    page.locator(".network-view img").wait_for(timeout=UPDATE_CEILING * 1000)
    assert image_digest(page, ".network-view img")


def test_the_medium_list_is_the_media_the_scenario_declares(page):
    card = page.locator(".campaign-0 .v-card__title")
    assert card.inner_text().strip() == "Campaign 1: E-mail"
    _pick_start(page, PUSH_NAME)
    try:
        chart = image_digest(page, AWARENESS_CHART)
        options = _pick(page, "campaign-0-medium", "Push notification")
        assert options == ["SMS", "E-mail", "Push notification"]
        page.locator(".campaign-0 .v-card__title", has_text="Campaign 1: Push notification").wait_for(
            timeout=UPDATE_CEILING * 1000)
        _wait_image_change(page, AWARENESS_CHART, chart, UPDATE_CEILING)
        _settled(page)
        assert "Push notification" in page.get_by_text("Company messages (").inner_text()
    finally:
        _pick_start(page, OPTUS_NAME)
    assert _pick(page, "campaign-0-medium", "SMS") == ["SMS", "E-mail"]  # the Optus file has two


def test_ticking_a_generation_and_a_segment_changes_the_targets_and_the_charts(server, page):
    from_company = "td.share_affected_first_from_company.now b"
    before, chart = page.locator(from_company).inner_text(), image_digest(page, AWARENESS_CHART)
    targets = page.locator(".campaign-0-targets")
    assert targets.locator(".lever-label").inner_text() == "targets Current and former customers"
    targets.locator(".campaign-0-generations").get_by_text("Gen Z", exact=True).click()
    targets.locator(".campaign-0-segments").get_by_text("ID-exposed customers", exact=True).click()
    targets.locator(".lever-label", has_text="ID-exposed customers (current and former customers of "
                                             "Gen Z only)").wait_for(timeout=UPDATE_CEILING * 1000)
    _wait_image_change(page, AWARENESS_CHART, chart, UPDATE_CEILING)
    _settled(page)
    after = page.locator(from_company).inner_text()  # the e-mails reach far fewer people
    assert float(after.rstrip("%")) < float(before.rstrip("%")), (before, after)
    campaign = _saved_campaign(server, page)
    assert campaign["targets"] == ["current", "former", "gen_z", "id_exposed"]
    assert campaign["priority"] == ["id_exposed"]


def test_a_priority_is_written_and_shown_in_words(server, page):
    from playwright.sync_api import expect

    words = page.locator(".campaign-0-priority .lever-label")
    assert words.inner_text() == "sending priority ID-exposed customers first, then the rest"
    chart = image_digest(page, AWARENESS_CHART)
    options = _pick(page, "campaign-0-priority-add", "Gen Z")
    assert "ID-exposed customers" not in options and options[:3] == [
        "current customers", "former customers", "Gen Z"]
    page.locator(".campaign-0-priority .lever-label", has_text="ID-exposed customers first, then Gen Z, "
                 "then the rest").wait_for(timeout=UPDATE_CEILING * 1000)
    page.locator(".campaign-0-priority .priority-1 .priority-up").click()
    page.locator(".campaign-0-priority .lever-label", has_text="Gen Z first, then ID-exposed customers, "
                 "then the rest").wait_for(timeout=UPDATE_CEILING * 1000)
    rows = page.locator(".campaign-0-priority .priority-name")
    expect(rows).to_have_text(["1. Gen Z", "2. ID-exposed customers"],  # waits: the rows' widgets
                              timeout=UPDATE_CEILING * 1000)              # update one at a time
    _wait_image_change(page, AWARENESS_CHART, chart, UPDATE_CEILING)
    _settled(page)
    campaign = _saved_campaign(server, page)
    assert campaign["priority"] == ["gen_z", "id_exposed"]
    assert campaign["targets"] == ["current", "former"]


def test_an_impossible_combination_shows_one_error_line(page):
    _pick(page, "campaign-0-priority-add", "current customers")
    page.locator(".campaign-0-priority .lever-label", has_text="then current customers, then the rest"
                 ).wait_for(timeout=UPDATE_CEILING * 1000)
    _settled(page)
    groups = page.locator(".campaign-0-customer-groups")
    groups.get_by_text("current customers", exact=True).click()  # first to someone it does not target
    shown = page.locator(".bad-value")
    shown.wait_for(timeout=UPDATE_CEILING * 1000)
    with pytest.raises(ScenarioError) as cli:  # what `run --set ...` says of the same settings
        load_scenario(OPTUS, dict([parse_override(f"population.size={PEOPLE}"),
                                   parse_override(f'{lv.CAMPAIGNS}.0.targets=["former"]'),
                                   parse_override(f'{lv.CAMPAIGNS}.0.priority=["id_exposed", "current"]')]))
    assert shown.inner_text().strip() == cli.value.line()
    assert len(page.locator(".problem").inner_text().strip().splitlines()) == 2  # what happened; the line
    assert "Traceback" not in page.locator("body").inner_text()  # nothing raised in the page
    groups.get_by_text("former customers", exact=True).click()  # no target left
    page.locator(".bad-value", has_text="targets: has 0 items").wait_for(timeout=UPDATE_CEILING * 1000)
    page.locator(".campaign-0-targets .lever-label", has_text="no one (tick at least one)").wait_for(
        timeout=UPDATE_CEILING * 1000)
    groups.get_by_text("current customers", exact=True).click()
    groups.get_by_text("former customers", exact=True).click()
    page.locator(".campaign-0-targets .lever-label", has_text="Current and former customers").wait_for(
        timeout=UPDATE_CEILING * 1000)
    shown.wait_for(state="detached", timeout=UPDATE_CEILING * 1000)
    _settled(page)
