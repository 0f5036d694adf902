"""The one channel timeline (sim/reporting/timeline.py) and the three charts that draw it."""

import dataclasses

import matplotlib.dates as mdates
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import sim
from sim import load_scenario, simulate
from sim.config.vocabulary import COMPANY, is_campaign
from sim.reporting import charts, timeline
from sim.reporting.dashboard import figures
from sim.reporting.dashboard.runs import outcome_of, replicate
from sim.reporting.results import results_from_frames
from sim.reporting.run_chart import awareness_figure

from helpers import SCENARIOS

SMALL = {"population.size": 500, "scenario.hours": 96}
X0 = 19000.0                      # a date number: hour 0 of the rows drawn below
RELEASE = {"channel": "media", "medium": "press_release", "start": 0.0, "end": 0.0, "label": "press release"}
TWEET = {"channel": "twitter", "medium": "tweet", "start": 0.0, "end": 0.0, "label": "tweet"}


def _campaign(medium, start, end):
    return {"channel": "direct", "medium": medium, "start": start, "end": end, "label": f"{medium} campaign"}


#: Events of every kind: two posts at the same hour, a later release, a finished campaign,
#: one that never ends, and events after the 96 h run (left out by every chart).
EVENTS = [RELEASE, TWEET, {**RELEASE, "start": 30.0, "end": 30.0}, _campaign("sms", 2.0, 20.0),
          _campaign("email", 24.0, None), {**RELEASE, "start": 200.0, "end": 200.0},
          _campaign("sms", 120.0, 130.0)]
#: What every chart draws of them: (kind, hours from, hours to), then the bar labels.
DRAWN = [("bar", 2.0, 20.0), ("bar", 24.0, 96.0), ("s", 0.0, 0.0), ("s", 30.0, 30.0), ("^", 0.0, 0.0)]
LABELS = ["E-mail (continues)", "SMS"]


def _axes():
    fig = Figure(figsize=(6, 2), dpi=100)
    FigureCanvasAgg(fig)
    return fig.add_subplot()


def _drawn(ax, x0=X0):
    """What a strip shows: (marker or "bar", hours from, hours to), sorted; and its texts."""
    out = []
    for line in ax.get_lines():
        x = [round((float(v) - x0) * 24, 6) for v in line.get_xdata()]
        marker = line.get_marker()
        out.append(("bar", x[0], x[-1]) if marker in ("None", "", None) else (marker, x[0], x[0]))
    return sorted(out), sorted(t.get_text() for t in ax.texts)


def _bundled_events():
    for path in sorted(SCENARIOS.glob("*.toml")):
        yield from simulate(load_scenario(path, {"population.size": 300, "scenario.hours": 24}), seed=1).events


# --------------------------------------------------------------------------- styles

def test_every_kind_of_event_has_exactly_one_style():
    events = list(_bundled_events())
    assert {e["channel"] for e in events} == set(timeline.STYLES)        # no kind without, none unused
    for e in events:
        style = timeline.style_of(e)
        assert [k for k, s in timeline.STYLES.items() if s is style] == [e["channel"]]
        assert (style.marker is None) == is_campaign(e)                     # campaigns are the bars
    styles = list(timeline.STYLES.values())
    for field in ("colour", "marker", "words"):
        assert len({getattr(s, field) for s in styles}) == len(styles), field
    assert timeline.STYLES[COMPANY].marker is None
    with pytest.raises(ValueError, match="unknown channel 'radio'; allowed: media, twitter, direct"):
        timeline.style_of({"channel": "radio"})


def test_legend_has_one_entry_per_kind_drawn_posts_first():
    handles = timeline.legend_handles({"direct", "media"})
    assert [h.get_label() for h in handles] == [timeline.STYLES["media"].words, timeline.STYLES["direct"].words]
    assert handles[0].get_marker() == "s" and handles[1].get_marker() == "None"
    assert {h.get_color() for h in handles} == {"#555555"}
    own = timeline.legend_handles({"twitter"}, colour=None)
    assert own[0].get_color() == timeline.STYLES["twitter"].colour
    ax = _axes()
    timeline.add_legend(ax, set())
    assert ax.get_legend() is None                                           # nothing drawn, no legend


# --------------------------------------------------------------------------- bars and markers

@pytest.mark.parametrize("end, until, shown_end, words", [
    (20.0, 48.0, 20.0, "SMS"),                       # finished inside the window
    (90.0, 48.0, 48.0, "SMS (continues)"),           # clipped at until
    (None, 48.0, 48.0, "SMS (continues)"),           # never finishes: open to the window's end
])
def test_a_campaign_is_a_bar_from_its_start_to_its_end(end, until, shown_end, words):
    ax = _axes()
    top, kinds = timeline.draw_events(ax, [_campaign("sms", 2.0, end)], 0.0, x0=X0, until=until)
    assert _drawn(ax) == ([("bar", 2.0, shown_end)], [words])
    assert kinds == {"direct"} and top > 0                                  # posts go above the bar
    assert ax.get_lines()[0].get_color() == timeline.STYLES["direct"].colour


def test_campaigns_get_a_lane_each_earliest_on_top_and_none_after_until():
    ax = _axes()
    events = [_campaign("email", 24.0, 40.0), _campaign("sms", 2.0, 10.0), _campaign("sms", 50.0, 60.0)]
    top, _ = timeline.draw_events(ax, events, 1.0, x0=X0, until=48.0, colour="#009E73")
    lines = ax.get_lines()
    assert len(lines) == 2 and timeline.lanes(events, 48.0) == 3
    by_start = sorted(lines, key=lambda line: line.get_xdata()[0])
    assert by_start[0].get_ydata()[0] > by_start[1].get_ydata()[0] >= 1.0
    assert {line.get_color() for line in lines} == {"#009E73"}              # the row's own colour
    assert top > max(line.get_ydata()[0] for line in lines)


def test_a_post_is_a_marker_at_its_start_moved_only_up_or_down():
    ax = _axes()
    events = [RELEASE, TWEET, dict(RELEASE), {**TWEET, "start": 60.0, "end": 60.0}]
    top, kinds = timeline.draw_events(ax, events, 0.0, x0=X0, until=48.0)
    assert _drawn(ax) == ([("^", 0.0, 0.0), ("s", 0.0, 0.0)], [])          # once each, none after until
    assert kinds == {"media", "twitter"}
    points = ax.figure.dpi / 72
    for line in ax.get_lines():
        x, y = line.get_xdata()[0], line.get_ydata()[0]
        shown = line.get_transform().transform((x, y))
        plain = ax.transData.transform((x, y))
        assert shown[0] == pytest.approx(plain[0])                          # never sideways: not before it
        nudge = timeline.STYLES["media" if line.get_marker() == "s" else "twitter"].nudge
        assert shown[1] - plain[1] == pytest.approx(nudge * points)
    releases = [line for line in ax.get_lines() if line.get_marker() == "s"]
    tweets = [line for line in ax.get_lines() if line.get_marker() == "^"]
    assert releases[0].get_transform().transform((X0, top))[1] < tweets[0].get_transform().transform((X0, top))[1]


def test_rows_stack_first_on_top_with_their_labels():
    ax = _axes()
    rows = [timeline.Row("first", [RELEASE], X0, 48.0, "#000000"),
            timeline.Row("second", [_campaign("sms", 1.0, 5.0), TWEET], X0 + 1, 24.0, "#E69F00")]
    kinds = timeline.draw_rows(ax, rows)
    assert kinds == {"media", "twitter", "direct"}
    labels = {t.get_text(): t.get_position()[1] for t in ax.get_yticklabels()}
    assert labels["first"] > labels["second"]
    assert [t.get_color() for t in ax.get_yticklabels()] == ["#E69F00", "#000000"]
    bar = next(line for line in ax.get_lines() if line.get_marker() == "None")
    assert [round((x - X0 - 1) * 24, 6) for x in bar.get_xdata()] == [1.0, 5.0]   # from its own hour 0
    assert timeline.strip_height(rows) > timeline.strip_height(rows[:1])


# --------------------------------------------------------------------------- the three charts

@pytest.fixture(scope="module")
def drawn_by_each_chart():
    """The strip of each chart for one 96 h run of Optus 2022 given :data:`EVENTS`."""
    one = sim.Run(SCENARIOS / "optus_2022.toml", seed=1, overrides=SMALL).run()
    one.result.events = EVENTS
    run = awareness_figure(one.result).axes[1]
    ts = one.result.timeseries.copy()
    ts.insert(0, "run", "run")
    ts.insert(1, "scenario", one.scenario.name)
    res = results_from_frames(one.runs, ts, [one.scenario])
    assert res.scenarios[0].events == EVENTS
    report = charts.awareness_chart(res.runs, res.timeseries, res.scenarios, hours=96).axes[1]
    outcome = outcome_of(one.scenario.name, [replicate(one.scenario, 0, 1)], 1)
    dashboard = figures.awareness_figure(dataclasses.replace(outcome, events=[]),
                                         dataclasses.replace(outcome, events=EVENTS), until=96).axes[1]
    return float(mdates.date2num(one.scenario.start)), {"run": run, "report": report, "dashboard": dashboard}


@pytest.mark.parametrize("chart", ["run", "report", "dashboard"])
def test_the_three_charts_draw_the_same_bars_and_markers(drawn_by_each_chart, chart):
    start, strips = drawn_by_each_chart
    assert _drawn(strips[chart], start) == (sorted(DRAWN), LABELS)
    legend = [t.get_text() for t in strips[chart].get_legend().get_texts()]
    assert legend == [timeline.STYLES[k].words for k in ("media", "twitter", "direct")]
