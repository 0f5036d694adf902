"""Warnings said once (with their measured effect), a user's stylesheet added, and the
smaller details of issue 16 (item 9): the dashboard's saved scenario, one default size
for a comparison, no temporary folders left, chart words that match what is drawn.

Every test here fails on any warning it does not expect (``filterwarnings("error")``);
the ones it expects it asserts.
"""

import copy
import os
import tempfile
import tomllib
import warnings

import matplotlib.dates as mdates
import matplotlib.text
import pytest

import sim
from helpers import OPTUS, SCENARIOS
from sim import load_scenario
from sim.reporting.dashboard import levers as lv
from sim.reporting.dashboard.export import change_count, scenario_toml, write_scenario
from sim.runs.notices import SaidOnce, check_step_lengths, first_time, one_line_warning, said_once, warning_kind
from sim.model.step_length import StepLengthWarning, step_length_kind
from sim.runs.step_effect import step_length_effect

pytestmark = pytest.mark.filterwarnings("error")

DIRECT = SCENARIOS / "direct_first.toml"
TRUSTED = SCENARIOS / "trusted_channels.toml"
SMALL = {"population.size": 1000}
SMS_LINE = ("60-minute steps are long against the SMS read delay (~9 min at peak attention): news "
            "moves at most one hop per step; scenario.step_minutes = 2 or less gives results close "
            "to continuous time")


# --------------------------------------------------------------------------- said once

def test_a_step_warnings_kind_is_its_step_and_process_not_the_runs_figures():
    other_run = SMS_LINE.replace("~9 min", "~7 min").replace("= 2 or less", "= 5 or less")
    assert warning_kind(SMS_LINE) == warning_kind(other_run) == warning_kind("warning: " + other_run)
    assert warning_kind(SMS_LINE) == "60-minute steps are long against the SMS read delay"
    assert warning_kind(SMS_LINE.replace("60-minute", "10-minute")) != warning_kind(SMS_LINE)
    assert warning_kind(SMS_LINE.replace("SMS read", "e-mail read")) != warning_kind(SMS_LINE)
    assert warning_kind("x.csv: no rows; left out") == "x.csv: no rows; left out"    # any other: its text
    assert step_length_kind("something else (~9 min)") is None


def test_each_kind_is_said_once_per_command_and_again_in_the_next():
    with said_once() as command:
        assert first_time(SMS_LINE) and not first_time(SMS_LINE.replace("~9", "~7"))
        assert first_time("another warning") and not first_time("another warning")
        with said_once() as inner:                       # a scope in a scope is the same command
            assert inner is command and not first_time(SMS_LINE)
        assert command.seen[warning_kind(SMS_LINE)] == 3
    with said_once():
        assert first_time(SMS_LINE)                      # a new command says it again
    local = SaidOnce()                                   # outside a command: the caller's record
    assert first_time(SMS_LINE, local) and not first_time(SMS_LINE, local)
    assert first_time(SMS_LINE) and first_time(SMS_LINE)   # no record at all: always


def test_the_command_lines_warning_printer_says_one_line_once_without_source(capsys):
    with said_once(), warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = one_line_warning
        for minutes in ("~9 min", "~7 min"):
            warnings.warn(SMS_LINE.replace("~9 min", minutes) + "\nsecond line", StepLengthWarning)
        warnings.warn("another", UserWarning)
    lines = capsys.readouterr().err.splitlines()
    assert lines == [f"warning: {SMS_LINE}", "warning: another"]


# --------------------------------------------------------------------------- the effect, measured

def test_the_effect_of_a_long_step_is_measured_on_one_small_run():
    effect = step_length_effect(load_scenario(DIRECT, SMALL))
    assert effect is not None and effect.agents == 1000 and effect.seed == 1
    assert effect.check.suggested_minutes == 2 and effect.coarse > effect.fine   # sooner with short steps
    line = effect.line()
    assert line.startswith(SMS_LINE) and "Measured on one run of Direct first (1,000 agents, seed 1)" in line
    assert f"after {effect.coarse:.1f} h with 60-minute steps" in line and "h sooner)" in line
    assert step_length_effect(load_scenario(OPTUS, SMALL)) is None           # no long step: nothing


def test_the_measuring_run_is_kept_small_and_skipped_when_it_cannot_run():
    big = load_scenario(DIRECT, {"population.size": 2_000_000})
    assert step_length_effect(big, largest=1500).agents == 1500              # scaled down, not run big
    long_run = load_scenario(DIRECT, {**SMALL, "scenario.hours": 4000})        # 2-minute steps: > 100,000
    assert step_length_effect(long_run) is None
    kind = "60-minute steps are long against the SMS read delay"
    assert step_length_effect(load_scenario(DIRECT, SMALL), skip={kind}) is None   # said already


def test_scenarios_with_the_same_long_step_say_it_once_measured(capsys):
    scenarios = [load_scenario(f, SMALL) for f in (OPTUS, DIRECT, TRUSTED, DIRECT)]
    with said_once():
        said = check_step_lengths(scenarios, print)
        assert check_step_lengths(scenarios, print) == []                     # once per command
    assert len(said) == 1 and "Measured on one run of Direct first" in said[0]
    assert capsys.readouterr().out.count("warning: 60-minute steps") == 1


def test_a_notebook_run_warns_once_with_the_effect_at_the_callers_line():
    with pytest.warns(StepLengthWarning) as caught:
        sim.Run(DIRECT, overrides=SMALL).run()
    assert len(caught) == 1 and "Measured on one run of Direct first" in str(caught[0].message)
    assert caught[0].filename == __file__
    sim.Run(OPTUS, overrides=SMALL).run()                                     # no warning at all


# --------------------------------------------------------------------------- comparisons in Python

@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """tempfile's folder, watched: what a call leaves in it."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_a_comparison_without_out_leaves_no_folder_and_says_the_step_once(private_tmp):
    with pytest.warns(StepLengthWarning) as caught:
        cmp = sim.Comparison([DIRECT, TRUSTED], reps=2, overrides={"population.size": 500}).run(workers=1)
    assert [w.filename for w in caught] == [__file__]                         # one kind: said once
    assert "Measured on one run of Direct first (500 agents" in str(caught[0].message)
    assert os.listdir(private_tmp) == [] and cmp.folder is None
    assert len(cmp.runs) == 4 and set(cmp.summary()["scenario"]) == {"Direct first", "Trusted channels"}
    assert "in memory" in repr(cmp)
    with pytest.raises(sim.ScenarioError, match="out: this comparison ran in a temporary folder"):
        cmp.report()


def test_a_comparison_with_out_keeps_its_folder(tmp_path, private_tmp):
    cmp = sim.Comparison([OPTUS], reps=2, overrides={"population.size": 500}).run(tmp_path / "c", workers=1)
    assert cmp.folder == tmp_path / "c" and (tmp_path / "c" / "batch" / "runs.parquet").is_file()
    assert os.listdir(private_tmp) == []


def test_an_interrupted_comparison_leaves_no_temporary_folder(private_tmp, monkeypatch):
    import sim.runs.batch

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sim.runs.batch, "run_batch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        sim.Comparison([OPTUS], reps=1, overrides={"population.size": 500}).run(workers=1)
    assert os.listdir(private_tmp) == []


def test_a_comparison_runs_the_compare_commands_size_unless_told():
    from sim.reporting.compare import DEFAULT_PEOPLE

    assert sim.Comparison([OPTUS], reps=1).spec.overrides["population.size"] == DEFAULT_PEOPLE == 20_000
    assert sim.Comparison([OPTUS], reps=1, overrides={"population.size": 700}).spec.overrides == {
        "population.size": 700}


# --------------------------------------------------------------------------- the report's stylesheet

@pytest.fixture(scope="module")
def report_context(tmp_path_factory):
    from sim.reporting import build_report, load_results
    from sim.reporting.build import context

    out = tmp_path_factory.mktemp("cmp")
    sim.Comparison([OPTUS], reps=2, overrides={"population.size": 500}).run(out, workers=1)
    return context(build_report(load_results(out)))


def _page(context, tmp_path, files: dict[str, str] | None) -> str:
    from sim.reporting.html import render_html

    if files is None:
        return render_html(context)
    folder = tmp_path / "template"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return render_html(context, folder)


def _pages(page: str) -> int:
    with warnings.catch_warnings():      # this machine's WeasyPrint lacks HarfBuzz-Subset: not ours
        warnings.filterwarnings("ignore", "HarfBuzz-Subset", DeprecationWarning)
        import weasyprint

    from sim.reporting.pdf import embedded_only

    return len(weasyprint.HTML(string=page, url_fetcher=embedded_only()).render().pages)


USER_RULE = "h1 { color: #8b0000; }"
BUILT_IN = "counter(pages)"          # the page numbers: only in the built-in stylesheet


def test_a_users_stylesheet_is_added_after_the_built_in_one(report_context, tmp_path):
    plain = _page(report_context, tmp_path, None)
    styled = _page(report_context, tmp_path, {"report.css": USER_RULE})
    assert BUILT_IN in plain and USER_RULE not in plain
    assert BUILT_IN in styled and styled.index(BUILT_IN) < styled.index(USER_RULE) < styled.index("</style>")
    assert _pages(styled) == _pages(plain)                    # same layout, footers and page numbers


def test_report_replace_css_replaces_the_built_in_stylesheet(report_context, tmp_path):
    plain = _page(report_context, tmp_path, None)
    replaced = _page(report_context, tmp_path, {"report.replace.css": "body { font-size: 9pt; }"})
    assert BUILT_IN not in replaced and "body { font-size: 9pt; }" in replaced
    assert _pages(replaced) != _pages(plain)
    both = _page(report_context, tmp_path, {"report.replace.css": "body { margin: 0; }",
                                             "report.css": USER_RULE})
    assert BUILT_IN not in both and both.index("body { margin: 0; }") < both.index(USER_RULE)


# --------------------------------------------------------------------------- charts

def _texts(fig) -> str:
    return "\n".join(t.get_text() for t in fig.findobj(matplotlib.text.Text))


@pytest.fixture(scope="module")
def one_run():
    return sim.Run(OPTUS, overrides=SMALL).run()


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("two")
    with pytest.warns(StepLengthWarning, match="Measured on one run of Direct first"):
        return sim.Comparison([OPTUS, DIRECT.name.removesuffix(".toml")], reps=3,
                              overrides={"population.size": 500}).run(out, workers=1)


@pytest.mark.parametrize("chart", ["awareness", "time_to_reach", "first_source", "trust", "cohorts"])
def test_a_single_runs_chart_claims_no_band_and_many_runs_do(chart, one_run, two_runs):
    single, many = _texts(one_run.plot(chart)), _texts(two_runs.plot(chart))
    assert "10-90%" not in single and "median" not in single
    assert "10-90%" in many and "median" in many


def test_first_source_names_each_panels_base(two_runs):
    fig = two_runs.plot("first_source")
    labels = [ax.get_ylabel() for ax in fig.axes]
    assert labels[0].startswith("% of affected customers") and labels[1].startswith("% of everyone who heard")


def test_the_press_release_marker_sits_on_the_announcement_not_before_it(one_run):
    fig = one_run.plot("awareness")
    fig.canvas.draw()
    start = mdates.date2num(one_run.scenario.start)
    strip = next(ax for ax in fig.axes if any(line.get_marker() == "s" for line in ax.lines))
    announcement = strip.transData.transform((start, 0))[0]
    releases = [line for line in strip.lines if line.get_marker() == "s"]
    first = min(line.get_transform().transform(line.get_xydata())[0][0] for line in releases)
    assert abs(first - announcement) < 0.5                     # on the tick, to the pixel


# --------------------------------------------------------------------------- the dashboard

@pytest.fixture(scope="module")
def dashboard_outcomes():
    from sim.reporting.dashboard.runs import outcome_of, replicate

    base, now = (load_scenario(f, SMALL) for f in (OPTUS, DIRECT))
    reps = {name: [replicate(s, r, 100 + r) for r in range(2)] for name, s in (("base", base), ("now", now))}
    return {name: outcome_of(name, runs, 2) for name, runs in reps.items()}, base, now


def test_dashboard_runs_send_their_warnings_back_instead_of_printing(capfd):
    from sim.reporting.dashboard.runs import outcome_of, replicate

    now = load_scenario(DIRECT, SMALL)
    reps = [replicate(now, r, 100 + r) for r in range(2)]
    assert capfd.readouterr().err == ""                         # nothing printed, no source lines
    assert all(step_length_kind(r.warnings[0]) for r in reps)
    assert len(outcome_of("now", reps, 2).warnings) == 1          # one per kind
    assert replicate(load_scenario(OPTUS, SMALL), 0, 1).warnings == ()


def test_the_dashboard_says_a_kind_once_in_its_log_with_its_effect(dashboard_outcomes, monkeypatch, capsys):
    from sim.reporting.dashboard import app

    monkeypatch.setattr(app, "SAID", SaidOnce())
    monkeypatch.setattr(app, "_notes", {})
    (outcomes, base, now) = dashboard_outcomes
    first = app.notes_of((outcomes["base"], base), (outcomes["now"], now))
    again = app.notes_of((outcomes["now"], now))
    log = capsys.readouterr().err.splitlines()
    assert first == again and len(first) == 1 and "Measured on one run of Direct first" in first[0]
    assert log == [f"warning: {first[0]}"]
    assert app.notes_of((outcomes["base"], base)) == ()


def test_every_dashboard_figure_says_its_runs_and_agents(dashboard_outcomes):
    from sim.reporting.dashboard import figures

    outcomes, _, _ = dashboard_outcomes
    for name, draw in figures.FIGURES.items():
        assert "2 runs of 1,000 agents" in _texts(draw(outcomes["base"], outcomes["now"])), name


# --------------------------------------------------------------------------- the saved scenario

def _edited():
    start = lv.lever_values(load_scenario(OPTUS))
    now = copy.deepcopy(start)
    now[lv.CAMPAIGNS][0]["start_hour"] = 2.0                   # two fields of one campaign
    now[lv.CAMPAIGNS][0]["per_hour"] = 500_000.0
    now[lv.CAMPAIGNS].append(copy.deepcopy(lv.NEW_CAMPAIGN))    # an item added
    del now[lv.RELEASES][0]                                      # an item removed
    now["word_of_mouth.social"] = 0.0065                         # a single value
    return start, now


def test_a_change_is_counted_per_field_item_and_value():
    start, now = _edited()
    assert change_count(start, lv.changed(start, now)) == 5
    one = copy.deepcopy(start)
    one[lv.CAMPAIGNS][0]["ask_to_share"] = True
    assert change_count(start, lv.changed(start, one)) == 1
    assert change_count(start, {}) == 0


def test_the_saved_scenario_says_each_starting_value(tmp_path):
    start, now = _edited()
    overrides = lv.changed(start, now)
    text = scenario_toml(OPTUS, overrides, "What if", "from a test", tmp_path, start)
    assert "with 5 changes." in text.splitlines()[0]
    assert "# was 0.004" in text
    assert "# was start_hour = 24, per_hour = 68_000" in text
    assert "ask_to_share = false },  # added" in text
    assert "# removed: { at_hour = 0, reach = 0.5, half_life_hours = 24 }" in text
    tomllib.loads(text)
    saved = load_scenario(write_scenario(tmp_path / "what_if.toml", text,
                                         lv.current_scenario(OPTUS, overrides), "What if"))
    assert saved.get(lv.RELEASES) == now[lv.RELEASES] and len(saved.get(lv.CAMPAIGNS)) == 2


# --------------------------------------------------------------------------- once per command

def _warning_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("warning:")]


def test_robustness_says_each_kind_of_warning_once(tmp_path, capsys):
    from sim.cli.main import main

    assert main(["robustness", "optus_2022", "direct_first", "word_of_mouth", "--samples", "16",
                 "--reps", "1", "--set", "population.size=500", "--workers", "1", "--quiet",
                 "--out", str(tmp_path / "r")]) == 0
    lines = _warning_lines(capsys.readouterr().err)
    kinds = [warning_kind(line) for line in lines]
    assert lines and len(kinds) == len(set(kinds))
    assert "Measured on one run of Direct first" in lines[0]


def test_calibrate_says_its_step_warning_once(tmp_path, capsys):
    from sim.cli.main import main

    calibration = SCENARIOS / "calibration"
    assert main(["calibrate", str(calibration / "sept11.toml"), "--target",
                 str(calibration / "sept11_targets.csv"), "--fit", "channels.media.constant_hazard=0.05:3",
                 "--fit", "word_of_mouth.social=0.005:0.6", "--budget", "50", "--reps", "2",
                 "--set", "population.size=300", "--workers", "1", "--quiet",
                 "--out", str(tmp_path / "c")]) == 0
    lines = _warning_lines(capsys.readouterr().err)
    assert len(lines) == 1 and "10-minute steps are long against the time between tellings" in lines[0]


def test_run_says_its_step_warning_once_with_the_effect(tmp_path, capsys):
    from sim.cli.main import main

    with warnings.catch_warnings():               # the run's own warning: main() prints it, once
        warnings.simplefilter("always", StepLengthWarning)
        assert main(["run", "direct_first", "--set", "population.size=1000", "--quiet",
                     "--out", str(tmp_path / "run")]) == 0
    lines = _warning_lines(capsys.readouterr().err)
    assert len(lines) == 1 and "Measured on one run of Direct first (1,000 agents, seed 1)" in lines[0]
