"""The comparison charts and report (sim/charts.py, sim/report.py)."""

import base64
import html
import io
import math
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from sim import load_scenario, simulate
from sim import charts, report
from sim.schema import COHORTS

from helpers import SCENARIOS

SEEDS = (11, 12, 13)
FILES = ("optus_2022.toml", "direct_first.toml")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def build_batch(files=FILES, seeds=SEEDS, size=2000):
    """``runs``, ``timeseries``, ``scenarios`` in the shape the compare command passes."""
    runs, series, scenarios = [], [], []
    for name in files:
        path = SCENARIOS / name
        scenario = load_scenario(path, {"population.size": size})
        events = []
        for rep, seed in enumerate(seeds):
            result = simulate(scenario, seed=seed)
            key = f"{path.stem}-{rep}"
            row = {"run": key, "scenario": scenario.name, "scenario_file": str(path), "point": 0,
                   "replication": rep, "seed": seed, "status": "ok", **result.summary}
            for c in COHORTS:  # real sizes when the summary has them, else expected ones
                row.setdefault(f"cohort_size_{c}",
                               round(size * scenario.data["population"]["cohorts"][c]))
            runs.append(row)
            ts = result.timeseries.copy()
            for col, value in (("replication", rep), ("point", 0), ("scenario", scenario.name),
                               ("run", key)):
                ts.insert(0, col, value)
            series.append(ts)
            events = result.events
        scenarios.append({"name": scenario.name, "description": scenario.data["scenario"]["description"],
                          "file": str(path), "start": scenario.data["scenario"]["start"],
                          "events": events})
    return pd.DataFrame(runs), pd.concat(series, ignore_index=True), scenarios


@pytest.fixture(scope="module")
def batch():
    return build_batch()


@pytest.fixture(scope="module")
def written(batch, tmp_path_factory):
    out = tmp_path_factory.mktemp("compare")
    paths = report.write_report(*batch, out)
    return out, paths


class TagChecker(HTMLParser):
    """Collects images and links and checks that non-void tags are closed in order."""

    VOID = {"meta", "img", "br", "link", "hr", "input", "source"}

    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.images, self.links = [], [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs)
        for name in ("href", "src"):
            if name in attrs:
                self.links.append(attrs[name])
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> (open: {self.stack[-3:]})")
        else:
            self.stack.pop()


def _decodes_png(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_MAGIC)
    image = Image.open(io.BytesIO(data))
    image.load()
    return image.size


# --------------------------------------------------------------------------- the files

def test_write_report_writes_every_file(written):
    out, paths = written
    assert [p.name for p in paths] == list(report.REPORT_FILES)
    assert all(p.is_file() and p.stat().st_size > 0 for p in paths)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_pngs_decode_at_slide_size(written):
    out, _ = written
    for name in ("awareness", "time_to_reach", "first_source", "trust", "cohorts"):
        width, height = _decodes_png((out / f"{name}.png").read_bytes())
        assert width >= 1600 and abs(width / height - 16 / 9) < 0.02


def test_svg_parses(written):
    out, _ = written
    root = ET.parse(out / "awareness.svg").getroot()
    assert root.tag.endswith("svg")
    assert len(list(root.iter())) > 100


def test_html_parses_and_embeds_every_chart(written, batch):
    out, _ = written
    text = (out / "report.html").read_text(encoding="utf-8")
    checker = TagChecker()
    checker.feed(text)
    checker.close()
    assert not checker.errors and checker.stack == []
    assert len(checker.images) == 5
    for image in checker.images:
        prefix = "data:image/png;base64,"
        assert image["src"].startswith(prefix) and image.get("alt")
        _decodes_png(base64.b64decode(image["src"][len(prefix):]))
    assert not [link for link in checker.links if not link.startswith("data:")]  # no network
    runs, _, scenarios = batch
    text = html.unescape(text)
    for s in scenarios:  # each scenario's description, assumptions and sources
        assert s["name"] in text and s["description"].split(",")[0] in text
    assert "A bulk-SMS throughput of 1 M messages per hour" in text   # direct_first.toml ASSUMPTION
    assert "(SMH)" in text and "ABS 2021 Census" in text              # calibration sources
    assert report.reading(report.summary_table(runs, scenarios, batch[1])).split(":")[0] in text


def test_summary_numbers_match_the_runs(written, batch):
    out, _ = written
    runs, _, scenarios = batch
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary["scenario"]) == [s["name"] for s in scenarios]
    for name, group in runs.groupby("scenario"):
        row = summary.set_index("scenario").loc[name]
        assert row["runs"] == len(group)
        for key in ("hours_to_50pct_affected", "hours_to_90pct_affected", "unaware_affected_share_24h",
                    "share_affected_first_from_company", "final_company_trust_affected"):
            values = group[key].astype(float)
            assert not values.isna().any()
            for suffix, q in (("p10", 0.1), ("median", 0.5), ("p90", 0.9)):
                assert row[f"{key}_{suffix}"] == pytest.approx(np.quantile(values, q), rel=1e-9)
        people = group["unaware_affected_share_72h"] * group["affected_agents"] * group["people_per_agent"]
        assert row["unaware_affected_people_72h_median"] == pytest.approx(np.median(people), rel=1e-9)
        change = group["final_company_trust_affected"] - group["initial_company_trust_affected"]
        assert row["company_trust_change_affected_median"] == pytest.approx(np.median(change))
    md = (out / "summary.md").read_text(encoding="utf-8")
    table_rows = [line for line in md.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(table_rows) == 1 + len(scenarios)          # header + one row per scenario
    optus = summary.iloc[0]
    assert f"{optus['hours_to_50pct_affected_median']:.0f} h (" in table_rows[1]


def test_failed_report_leaves_the_folder_as_it_was(batch, tmp_path, monkeypatch):
    (tmp_path / "summary.csv").write_text("old\n")

    def boom(*args, **kwargs):
        raise RuntimeError("broken")

    monkeypatch.setattr(report, "report_html", boom)
    with pytest.raises(RuntimeError):
        report.write_report(*batch, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["summary.csv"]
    assert (tmp_path / "summary.csv").read_text() == "old\n"


# --------------------------------------------------------------------------- the charts

def _labels(ax):
    return [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]


def test_time_charts_draw_one_labelled_series_per_scenario(batch):
    runs, timeseries, scenarios = batch
    names = [s["name"] for s in scenarios]
    colours = charts.scenario_colours(names)
    for fig in (charts.awareness_chart(runs, timeseries, scenarios),
                charts.trust_chart(runs, timeseries, scenarios)):
        ax = fig.axes[0]
        assert _labels(ax) == names
        assert [line.get_color() for line in ax.get_lines() if line.get_label() in names] == \
            [colours[n] for n in names]
        assert len(ax.collections) == 2                       # one 10-90% band each
        assert ax.get_ylabel() and fig.get_suptitle()


def test_bar_charts_draw_one_labelled_series_per_scenario(batch):
    runs, timeseries, scenarios = batch
    names = [s["name"] for s in scenarios]
    for fig in (charts.first_source_chart(runs, timeseries, scenarios),
                charts.cohorts_chart(runs, timeseries, scenarios)):
        assert [t.get_text() for t in fig.legends[0].get_texts()] == names
        for ax in fig.axes:
            containers = [c for c in ax.containers if hasattr(c, "patches")]
            assert [c.get_label() for c in containers] == names
    fig = charts.time_to_reach_chart(runs, scenarios)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == names[::-1]


def test_titles_state_the_finding(batch):
    runs, _, scenarios = batch
    h50 = charts.scenario_quantiles(runs, "hours_to_50pct_affected", censored=True)
    optus, direct = (s["name"] for s in scenarios)
    title = charts.awareness_title([optus, direct], h50)
    assert title.startswith(direct) and charts.fmt_hours(h50[direct][1], True) in title
    assert charts.fmt_hours(h50[optus][1], True) in title
    # the baseline fastest: says so
    assert charts.awareness_title([optus], h50).startswith(optus)
    slow = {optus: [5, 6, 7], direct: [20, 30, 40]}
    assert "No alternative" in charts.awareness_title([optus, direct], slow)
    cohorts = pd.DataFrame({"scenario": [optus] * 3, "Gen Z": [0.5] * 3, "Millennials": [0.505] * 3,
                            "Gen X": [0.7] * 3, "Boomers": [0.8] * 3})
    assert charts.cohorts_title([optus], cohorts, 72).startswith("Gen Z and Millennials hear last")
    cohorts["Gen X"] = cohorts["Boomers"] = 0.5
    assert charts.cohorts_title([optus], cohorts, 72).startswith("All generations")


def test_scenario_colours_are_okabe_ito_and_stable():
    colours = charts.scenario_colours(["base", "a", "b"])
    assert colours == {"base": "#000000", "a": "#E69F00", "b": "#0072B2"}
    assert charts.scenario_colours(["base", "a", "b", "a"]) == colours
    assert set(charts.scenario_colours([str(i) for i in range(8)]).values()) == set(charts.OKABE_ITO)


def test_charts_survive_levels_never_reached(batch):
    runs, timeseries, scenarios = batch
    runs = runs.copy()
    direct = runs["scenario"] == scenarios[1]["name"]
    runs.loc[direct, "hours_to_90pct_affected"] = np.nan
    runs.loc[runs.index[0], "hours_to_50pct_affected"] = np.nan
    fig = charts.time_to_reach_chart(runs, scenarios)
    assert "not reached" in " ".join(t.get_text() for t in fig.axes[0].texts)
    summary = report.summary_table(runs, scenarios)
    row = summary.set_index("scenario").loc[scenarios[1]["name"]]
    assert math.isinf(row["hours_to_90pct_affected_median"])
    assert row["share_of_runs_reaching_90pct"] == 0.0
    assert "not reached" in report.summary_markdown(summary)


def test_first_source_uses_affected_breakdown_when_present(batch):
    runs, timeseries, scenarios = batch
    runs = runs.copy()
    elsewhere = 1 - runs["share_affected_first_from_company"] - runs["unaware_affected_share_end"]
    for source, part in (("media", 0.5), ("twitter", 0.1), ("word_of_mouth", 0.4)):
        runs[f"share_affected_first_from_{source}"] = elsewhere * part
    affected, everyone = charts.first_source_shares(runs, timeseries)
    assert "news media" in affected.columns and "word of mouth" in affected.columns
    assert np.allclose(affected.drop(columns=["run", "scenario"]).sum(axis=1), 1.0)
    assert np.allclose(everyone.drop(columns=["run", "scenario"]).sum(axis=1), 1.0)
    charts.first_source_chart(runs, timeseries, scenarios)


# --------------------------------------------------------------------------- statistics, reading

def test_censored_quantiles_treat_never_as_latest():
    assert charts.censored_quantiles([1, 2, 3, 4, 5], (0.5,)) == [3.0]
    assert charts.censored_quantiles([1, 2, np.nan, np.nan, np.nan], (0.1, 0.5)) == [1.4, math.inf]
    assert charts.censored_quantiles([1, 2, 3, 4, np.nan], (0.5, 0.9)) == [3.0, math.inf]
    assert math.isnan(charts.censored_quantiles([], (0.5,))[0])


def test_reading_is_generated_from_the_numbers(batch):
    runs, timeseries, scenarios = batch
    summary = report.summary_table(runs, scenarios, timeseries)
    text = report.reading(summary)
    optus, direct = summary.iloc[0], summary.iloc[1]
    assert text.startswith(f"{direct['scenario']} informs affected customers fastest")
    assert charts.fmt_hours(direct["hours_to_50pct_affected_median"], True) in text
    assert charts.fmt_hours(optus["hours_to_50pct_affected_median"], True) in text
    assert "trust in the company" in text and ("hear last" in text or "same pace" in text)
    assert "\n" not in text
    one = report.reading(summary.iloc[:1])
    assert one.startswith(f"Under {optus['scenario']}")


# --------------------------------------------------------------------------- assumptions, sources

def test_scenario_notes_follow_extends_and_overrides():
    notes = report.scenario_notes(SCENARIOS / "direct_first.toml")
    files = {Path(n.file).name for n in notes}
    assert files == {"direct_first.toml", "optus_2022.toml", "defaults.toml"}
    assumptions, sources = report.split_notes(notes)
    assert any("bulk-SMS throughput" in n.text for n in assumptions)
    assert any("(SMH)" in n.text and n.key == "scenario.start" for n in sources)
    # Optus's e-mail campaign (and its sources) are replaced by direct_first's campaigns
    assert not any("EFTM" in n.text for n in notes)
    assert any("EFTM" in n.text for n in report.scenario_notes(SCENARIOS / "optus_2022.toml"))
    # defaults' scenario.start note is overridden by optus_2022.toml's own note on it
    assert [Path(n.file).name for n in notes if n.key == "scenario.start"] == ["optus_2022.toml"]


def test_comments_are_classified_and_cleaned():
    assert report.is_assumption("ASSUMPTION: less news attention") and not report.is_source(
        "ASSUMPTION: less news attention")
    assert report.is_source("people in Australia (ABS 2021 Census)")
    assert report.is_source("Two decays mirror Kwak et al. 2010: half within an hour")
    assert not report.is_source("agents (modelling choice)")
    both = "press release (SMH); reach ASSUMPTION"
    assert report.is_source(both) and report.is_assumption(both)
    assert report.clean_comment(both) == "Press release (SMH); reach (assumption)"
    assert report.clean_comment("ASSUMPTION: a bulk-SMS throughput") == "A bulk-SMS throughput"
    assert report.clean_comment("social ties per person. ASSUMPTION") == "Social ties per person."
