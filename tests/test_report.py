"""The client report and its charts (sim/reporting): one small comparison, built once."""

import base64
import io
import math
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pypdfium2 as pdfium
import pytest
from matplotlib.text import Text
from PIL import Image

from sim import load_scenario, simulate
from sim.cli.main import main
from sim.reporting.compare import compare
from sim.errors import ScenarioError
from sim.reporting.run_chart import awareness_figure
from sim.reporting import charts, findings, stats, text
from sim.reporting.build import context, find_table
from sim.config.schema import COHORTS
from sim.reporting.config import ReportOptions, load_report_config
from sim.reporting.html import render_html
from sim.reporting.notes import clean_comment, is_assumption, is_source, scenario_notes, split_notes
from sim.reporting.results import load_results, results_from_frames
from sim.reporting.scenarios import campaign_rows, key_label, other_differences, timeline
from sim.reporting.style import scenario_colours

from helpers import OPTUS, SCENARIOS

DIRECT = SCENARIOS / "direct_first.toml"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
OPTIONS = ReportOptions(title="Telling customers first", client="Example Telecom & Co",
                        author="A. Consultant", version="v1, for review", date="2026-11-23")


@pytest.fixture(scope="session")
def cmp(tmp_path_factory):
    """A real comparison folder: Optus 2022 against Direct first, 3 runs each, with a PDF."""
    out = tmp_path_factory.mktemp("cmp") / "compare"
    result, report = compare([OPTUS, DIRECT], out, replications=3, seed=5,
                             overrides={"population.size": 1500, "scenario.hours": 120}, workers=1,
                             progress=False, report_options=OPTIONS, pdf=True)
    return out, result, report


@pytest.fixture(scope="session")
def results(cmp):
    return load_results(cmp[0])


@pytest.fixture(scope="session")
def html_text(cmp):
    return (cmp[0] / "report.html").read_text(encoding="utf-8")


class TagChecker(HTMLParser):
    """Collects images and links and checks that non-void tags are closed in order."""

    VOID = {"meta", "img", "br", "link", "hr", "input", "source"}

    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.images, self.links, self.text = [], [], [], [], []

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

    def handle_data(self, data):
        if self.stack and self.stack[-1] not in ("style", "title"):
            self.text.append(data)


def _png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_MAGIC)
    image = Image.open(io.BytesIO(data))
    image.load()
    return image.size


def _plain(html_text: str) -> str:
    checker = TagChecker()
    checker.feed(html_text)
    return re.sub(r"\s+", " ", " ".join(checker.text)).replace("\u00a0", " ")


# --------------------------------------------------------------------------- files

def test_compare_writes_every_file_and_hands_the_report_on(cmp):
    out, result, report = cmp
    names = [p.name for p in report.files]
    assert names == ["awareness.png", "awareness.svg", "time_to_reach.png", "first_source.png", "trust.png",
                     "cohorts.png", "summary.csv", "summary.md", "report.html", "report.pdf"]
    assert all(p.is_file() and p.stat().st_size > 0 for p in report.files)
    hidden = sorted(p.name for p in out.iterdir() if p.name.startswith("."))
    assert hidden == [".breachsim", ".lock"]          # the marker and the lock: no temporaries left
    for name in names[:6]:
        if name.endswith(".png"):
            width, height = _png_size((out / name).read_bytes())
            assert width >= 1600 and abs(width / height - 16 / 9) < 0.02   # slide size
    assert ET.parse(out / "awareness.svg").getroot().tag.endswith("svg")
    assert result.done == 6 and len(report.summary) == 2


def test_summary_numbers_match_the_runs(cmp, results):
    out = cmp[0]
    summary = pd.read_csv(out / "summary.csv")
    runs = results.runs
    assert list(summary["scenario"]) == ["Optus 2022 (as it happened)", "Direct first"]
    for name, group in runs.groupby("scenario"):
        row = summary.set_index("scenario").loc[name]
        assert row["runs"] == len(group) == 3
        for key in ("hours_to_50pct_affected", "unaware_affected_share_24h", "share_affected_first_from_company",
                    "final_company_trust_affected"):
            values = group[key].astype(float)
            for suffix, q in (("p10", 0.1), ("median", 0.5), ("p90", 0.9)):
                assert row[f"{key}_{suffix}"] == pytest.approx(np.quantile(values, q), rel=1e-9)
        people = group["unaware_affected_share_24h"] * group["affected_agents"] * group["people_per_agent"]
        assert row["unaware_affected_people_24h_median"] == pytest.approx(np.median(people), rel=1e-9)
    md = (out / "summary.md").read_text(encoding="utf-8")
    assert len([l for l in md.splitlines() if l.startswith("| ") and "---" not in l]) == 3


# --------------------------------------------------------------------------- the page

def test_html_is_self_contained_with_cover_and_every_chart(html_text):
    checker = TagChecker()
    checker.feed(html_text)
    checker.close()
    assert not checker.errors and checker.stack == []
    assert not [link for link in checker.links if not link.startswith("data:")]   # no network
    assert len(checker.images) == 5                     # key chart + 4 result charts
    for image in checker.images:
        assert image.get("alt") and image["src"].startswith("data:image/png;base64,")
        _png_size(base64.b64decode(image["src"].split(",", 1)[1]))
    text_ = _plain(html_text)
    for field in ("Telling customers first", "Example Telecom & Co", "A. Consultant", "2026-11-23",
                  "v1, for review"):
        assert field in text_
    assert "&amp;" in html_text and "Example Telecom & Co" not in html_text   # user text escaped


def test_executive_summary_states_the_recommendation_in_people_and_hours(cmp):
    report = cmp[2]
    s = report.summary.set_index("scenario")
    base, best = "Optus 2022 (as it happened)", "Direct first"
    assert report.recommendation.best == best and 3 <= len(report.bullets) <= 5
    fewer = s.loc[base, "unaware_affected_people_24h_median"] - s.loc[best, "unaware_affected_people_24h_median"]
    first = report.bullets[0]
    assert first.startswith("Recommendation: Direct first") and text.fmt_people(fewer) in first
    hours = report.bullets[1]
    assert text.fmt_hours(s.loc[best, "hours_to_50pct_affected_median"], True) in hours
    assert text.fmt_hours(s.loc[base, "hours_to_50pct_affected_median"] - s.loc[best, "hours_to_50pct_affected_median"],
                          True, days=False) + " sooner" in hours
    paired = report.recommendation.paired
    assert paired.pairs == 3 and f"in {round(paired.share_better * 3)} of 3 runs" in " ".join(report.bullets)


def test_executive_summary_of_runs_shorter_than_a_day(cmp, results):
    runs = results.runs.copy()
    runs["unaware_affected_share_24h"] = np.nan                     # runs that end before 24 h
    summary = stats.summary_table(runs, results.scenarios)
    bullets = findings.executive_summary(summary, runs, results.short)
    assert bullets[0].startswith("Recommendation: Direct first: it informs half of the affected customers soonest")
    assert 3 <= len(bullets) <= 5 and not any("n/a" in b for b in bullets)


def test_what_differs_is_plain_language_from_the_resolved_scenarios(results, html_text):
    rows = campaign_rows(results.scenarios)
    direct = [r for r in rows if r["scenario"] == "Direct first"]
    assert [r["channel"] for r in direct] == ["SMS", "E-mail"]
    assert direct[0]["start"].startswith("at the announcement (Thu 22 Sep 14:00)")
    assert direct[0]["throughput"].startswith("1,000,000 per hour: all 9.8 M in 10 hours")
    assert direct[0]["who"] == "Current and former customers" and direct[0]["ask"] == "no"
    optus = [r for r in rows if r["scenario"] == "Optus 2022"]
    assert len(optus) == 1 and optus[0]["start"].startswith("24 h (Fri 23 Sep 14:00)")
    assert other_differences(results.scenarios) == []     # only the campaigns differ
    text_ = _plain(html_text)
    assert "campaigns = [" not in text_ and "{ medium" not in text_ and "start_hour" not in text_


def test_uncertainty_and_a_standalone_appendix(html_text):
    text_ = _plain(html_text)
    assert "run-to-run chance" in text_ and "They do not show uncertainty in the assumptions" in text_
    appendix = text_[text_.index("Appendix A"):text_.index("Appendix B")]
    assert "agent-based simulation" in appendix and "MODEL.md" not in appendix
    assert "Limitations" in appendix and "3 times" in appendix
    sources = text_[text_.index("Appendix B"):text_.index("Appendix C. Assumptions")]
    assert "ABS 2021 Census" in sources and "(SMH)" in sources and "Edelman 2022" in sources
    assumptions = text_[text_.index("Appendix C. Assumptions"):text_.index("Appendix D")]
    assert "bulk-SMS throughput" in assumptions            # direct_first.toml's own ASSUMPTION


def test_robustness_and_sensitivity_files_feed_the_uncertainty_statement(cmp, results, tmp_path):
    pd.DataFrame([{"scenario": "Direct first", "measure": "unaware_affected_people_24h", "share_better": 0.87,
                   "diff_median": 4.1e6, "diff_p10": 2.0e6, "diff_p90": 5.5e6},
                  {"scenario": "Somewhere else", "measure": "hours_to_50pct_affected", "share_better": 0.1,
                   "diff_median": 1, "diff_p10": 0, "diff_p90": 2}]).to_csv(tmp_path / "robustness.csv", index=False)
    (tmp_path / "batch").mkdir()
    pd.DataFrame([{"scenario": "Optus 2022 (as it happened)", "measure": "hours_to_90pct_affected",
                   "parameter": p, "S1": s1, "S1_conf": c, "ST": st, "ST_conf": c}
                  for p, s1, st, c in (("word_of_mouth.social", 0.5, 0.7, 0.66),
                                       ("trust.company", 0.1, 0.2, 0.05))]).to_csv(
        tmp_path / "batch" / "sensitivity.csv", index=False)
    here = results_from_frames(results.runs, results.timeseries, manifest=results.manifest, folder=tmp_path)
    robustness, sensitivity = find_table(here, "robustness.csv"), find_table(here, "sensitivity.csv")
    assert list(robustness["scenario"]) == ["Direct first"]          # only the compared scenarios
    notes = findings.sensitivity_notes(sensitivity, key_label, here.names)
    said = " ".join(findings.uncertainty(3, True, notes, robustness, here.short))
    assert "Robustness (Direct first" in said and "87%" in said and "Somewhere" not in said
    rows = findings.robustness_rows(robustness, here.short)
    assert rows == [{"plan": "Direct first", "measure": "affected customers still unaware at 24 h (people)",
                     "better": "87%", "difference": "+4.1 M (+2.0 M to +5.5 M)", "when": ""}]
    assert said.count("Design too small to rank parameters") == 1 and "0.70 ± 0.66" not in said
    assert notes[0].warning.startswith("Design too small to rank parameters")
    assert "about 44 times the current n" in notes[0].warning         # (0.66 / 0.1) ** 2
    bullets = findings.executive_summary(cmp[2].summary, results.runs, here.short, robustness=robustness)
    assert "across plausible values of the assumptions it did better in 87% of draws" in " ".join(bullets)


# --------------------------------------------------------------------------- the PDF

def test_pdf_paginates_like_a_deliverable(cmp, html_text):
    doc = pdfium.PdfDocument(str(cmp[0] / "report.pdf"))
    pages = [doc[i] for i in range(len(doc))]
    assert 6 <= len(pages) <= 20          # two plans: 18 pages, most of them appendices (every assumption, every result)
    texts = [p.get_textpage().get_text_range().replace("\r", "") for p in pages]
    first = texts[0]
    for field in ("Telling customers first", "Example Telecom & Co", "Executive summary", "Recommendation:",
                  "v1, for review"):
        assert field in first
    # page 1 carries the key chart; every figure of the page is drawn once, whole (none split)
    images = [[o for o in p.get_objects() if o.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE] for p in pages]
    assert len(images[0]) == 1
    assert sum(len(i) for i in images) == len(TagChecker_images(html_text))
    for page, objs in zip(pages, images):
        for o in objs:
            left, bottom, right, top = o.get_bounds()
            assert 0 <= left and right <= page.get_width() + 0.5 and 0 <= bottom and top <= page.get_height() + 0.5
    # no heading stranded at the foot of a page
    headings = re.findall(r"<h[23][^>]*>(.*?)</h[23]>", html_text)
    headings = [re.sub(r"<[^>]+>", "", h).strip() for h in headings]
    for t in texts[:-1]:
        body = [line.strip() for line in t.splitlines() if line.strip() and not line.startswith("Page ")]
        body = [line for line in body if "Telling customers first" not in line]
        assert body and body[-1] not in headings, body[-3:]
    # a table that runs over pages repeats its header row
    start = next(i for i, t in enumerate(texts) if "Appendix D. All results" in t)
    end = next(i for i, t in enumerate(texts) if "Appendix E" in t)
    for t in texts[start:end + 1]:
        if "company messages read" in t or "hours until 50%" in t:
            assert "Measure" in t
    # rendered to images, at print size
    for page in pages[:2]:
        image = page.render(scale=1.5).to_pil()
        assert image.size[0] > 800 and sum(1 for n in image.convert("L").histogram() if n) > 10   # not blank


def TagChecker_images(html_text):
    checker = TagChecker()
    checker.feed(html_text)
    return checker.images


def test_pdf_footer_names_client_and_page(cmp):
    doc = pdfium.PdfDocument(str(cmp[0] / "report.pdf"))
    second = doc[1].get_textpage().get_text_range()
    assert f"Page 2 of {len(doc)}" in second and "Example Telecom & Co" in second


# --------------------------------------------------------------------------- templates, config, CLI

def test_a_template_folder_restyles_the_report(cmp, tmp_path):
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "report.css").write_text("h1 { color: rgb(1, 2, 3); }\n")
    (folder / "report.html.j2").write_text(
        '{% extends "builtin/report.html.j2" %}\n'
        '{% block cover %}<header class="cover"><h1>ACME Advisory: {{ options.title }}</h1></header>{% endblock %}\n')
    page = render_html(context(cmp[2]), folder)
    assert "rgb(1, 2, 3)" in page and "ACME Advisory: Telling customers first" in page
    assert "Executive summary" in page and "Appendix B" in page          # the rest is the built-in page
    (folder / "report.html.j2").write_text("{% block cover %}{{ no_such_thing }}{% endblock %}")
    with pytest.raises(ScenarioError, match="template error"):
        render_html(context(cmp[2]), folder)


def test_report_config_file(tmp_path):
    logo = tmp_path / "logo.png"
    Image.new("RGB", (40, 20), "navy").save(logo)
    cfg = tmp_path / "report.toml"
    cfg.write_text('[report]\ntitle = "T"\nclient = "C"\nauthor = "A"\nversion = "v3"\ndate = 2026-01-02\n'
                   'logo = "logo.png"\n')
    options = load_report_config(cfg)
    assert (options.title, options.client, options.version, options.date) == ("T", "C", "v3", "2026-01-02")
    assert options.logo == logo.resolve()
    assert options.merged(client="D").client == "D"
    cfg.write_text('[report]\ncolour = "red"\n')
    with pytest.raises(ScenarioError, match="report.colour"):
        load_report_config(cfg)
    cfg.write_text('[report]\nlogo = "missing.png"\n')
    with pytest.raises(ScenarioError, match="no such file"):
        load_report_config(cfg)
    with pytest.raises(ScenarioError, match="allowed: a JPEG, JPG, PNG, SVG file"):
        ReportOptions().merged(logo=cfg)


def test_report_command_refuses_bad_input_in_one_line(cmp, tmp_path, capsys):
    assert main(["report", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no such folder" in err[0]
    (tmp_path / "file").write_text("x")
    assert main(["report", str(cmp[0]), "--out", str(tmp_path / "file")]) == 2
    assert "exists and is a file" in capsys.readouterr().err
    assert main(["report", str(cmp[0]), "--out", str(tmp_path / "o"), "--logo", str(tmp_path / "no.png")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "logo: no such file" in err[0]
    assert not (tmp_path / "o").exists()                       # nothing written


# --------------------------------------------------------------------------- the charts

def _draw(fig):
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def test_charts_name_scenarios_by_short_name_in_their_colours(results):
    runs, ts, infos = results.runs, results.timeseries, results.scenarios
    short = [s.short for s in infos]
    assert short == ["Optus 2022", "Direct first"]
    colours = scenario_colours([s.name for s in infos])
    for fig in (charts.awareness_chart(runs, ts, infos), charts.trust_chart(runs, ts, infos)):
        ax = fig.axes[0]
        lines = [l for l in ax.get_lines() if not l.get_label().startswith("_")]
        assert [l.get_label() for l in lines] == short
        assert [l.get_color() for l in lines] == list(colours.values())
        assert len(ax.collections) == 2                                    # one 10-90% band each
    fig = charts.first_source_chart(runs, ts, infos)
    assert [t.get_text() for t in fig.legends[0].get_texts()] == short


def test_titles_fit_on_one_line_at_slide_size(cmp):
    for stem, fig in cmp[2].figures.items():
        renderer = fig.canvas.get_renderer()
        title = fig._suptitle
        assert "\n" not in title.get_text(), stem
        assert title.get_window_extent(renderer).width <= fig.bbox.width, stem


def test_time_axis_labels_the_announcement_day(results):
    fig = charts.awareness_chart(results.runs, results.timeseries, results.scenarios)
    _draw(fig)
    strip = fig.axes[1]
    major = [t for t in strip.get_xticklabels() if t.get_text()]
    assert major[0].get_text() == "14:00" and major[0].get_fontweight() == "bold"
    days = [t.get_text() for t in strip.get_xticklabels(minor=True)]
    assert days[0] == "Thu 22" and days[1].startswith("Fri 23")      # the announcement day has its name
    assert any(d.endswith(" Sep") for d in days)                      # and the month is shown once
    fig = charts.trust_chart(results.runs, results.timeseries, results.scenarios)
    label = fig.axes[0].get_ylabel()
    bottom = fig.axes[0].get_ylim()[0]
    assert bottom > 0 and f"axis zoomed to {bottom:.2f}" in label


def test_bar_labels_do_not_collide(results):
    for fig in (charts.first_source_chart(results.runs, results.timeseries, results.scenarios),
                charts.cohorts_chart(results.runs, results.timeseries, results.scenarios)):
        renderer = _draw(fig)
        for ax in fig.axes:
            boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_visible() and t.get_text()]
            for i, a in enumerate(boxes):
                assert not any(a.overlaps(b) for b in boxes[i + 1:])


def test_cohort_chart_says_whom_it_counts(results):
    fig = charts.cohorts_chart(results.runs, results.timeseries, results.scenarios)
    assert stats.cohort_basis(results.runs, results.timeseries) == "affected"   # the engines record it
    assert "affected customers" in fig.axes[0].get_ylabel()
    everyone = charts.cohorts_chart(results.runs, results.timeseries, results.scenarios, basis="everyone")
    assert "everyone in the cohort" in everyone.axes[0].get_ylabel()


def test_cohort_shares_are_of_the_cohorts_affected_customers(results):
    """At the last row, a cohort's share is its aware affected customers over its affected customers."""
    end = float(results.timeseries["hours"].max())
    shares = stats.cohort_awareness(results.runs, results.timeseries, end).set_index("run")
    last = results.timeseries.sort_values("step").groupby("run").tail(1).set_index("run")
    runs = results.runs.set_index("run")
    for c in COHORTS:
        expected = last[f"aware_affected_{c}"] / runs.loc[last.index, f"affected_size_{c}"]
        assert np.allclose(shares.loc[last.index, c], expected)
    everyone = stats.cohort_awareness(results.runs, results.timeseries, end, basis="everyone")
    assert not np.allclose(everyone[list(COHORTS)].to_numpy(), shares.loc[everyone["run"], list(COHORTS)])


def test_user_text_is_text_in_charts(results, tmp_path):
    runs, ts = results.runs.copy(), results.timeseries.copy()
    names = {"Optus 2022 (as it happened)": "Plan $5 off", "Direct first": "a $x^2$ b $"}
    runs["scenario"] = runs["scenario"].map(names)
    ts["scenario"] = ts["scenario"].map(names)
    res = results_from_frames(runs, ts, manifest=results.manifest)
    assert [s.name for s in res.scenarios] == list(names.values())
    for stem, fig in (("awareness", charts.awareness_chart(res.runs, res.timeseries, res.scenarios)),
                      ("time_to_reach", charts.time_to_reach_chart(res.runs, res.scenarios)),
                      ("first_source", charts.first_source_chart(res.runs, res.timeseries, res.scenarios))):
        fig.savefig(tmp_path / f"{stem}.png", dpi=40)           # draws without a mathtext error
        for t in fig.findobj(Text):
            shown, is_math = t._preprocess_math(t.get_text())
            assert not is_math, (stem, t.get_text())
    legend = charts.awareness_chart(res.runs, res.timeseries, res.scenarios).axes[0].get_legend()
    assert [t._preprocess_math(t.get_text())[0] for t in legend.get_texts()][:2] == ["Plan $5 off", "a $x^2$ b $"]


def test_events_beyond_the_run_and_year_9999_are_left_out(results, tmp_path):
    infos = [s for s in results.scenarios]
    far = {"channel": "direct", "medium": "email", "start": 24.0, "end": 9.0e7, "label": "e-mail campaign"}
    later = {"channel": "media", "medium": "press_release", "start": 1.0e8, "end": 1.0e8, "label": "press release"}
    infos[0].events = [*infos[0].events, far, later]
    fig = charts.awareness_chart(results.runs, results.timeseries, infos)
    fig.savefig(tmp_path / "far.png", dpi=40)
    right = fig.axes[1].get_xlim()[1]
    for line in fig.axes[1].get_lines():
        assert max(line.get_xdata(), default=0) <= right + 1e-9
    rows = dict(timeline(infos[0]))
    assert any("after the end of the run (100,000,000 h)" == when for when in rows)
    assert "continues after the end of the run" in " ".join(rows.values())
    result = simulate(load_scenario(OPTUS, {"population.size": 500, "scenario.hours": 48}), seed=1)
    result.events = [*result.events, far, later]
    awareness_figure(result).savefig(tmp_path / "run.png")


# --------------------------------------------------------------------------- numbers and words

def test_one_vocabulary_for_hours():
    assert text.fmt_hours(math.inf) == text.fmt_hours(None) == text.NOT_REACHED == "not reached"
    assert text.fmt_hours(math.nan) == "n/a"
    assert text.fmt_hours(30.2) == "30 h" and text.fmt_hours(102, True) == "102 hours (4.2 days)"
    assert text.fmt_people(9.8e6) == "9.8 M" and text.fmt_people(339_412) == "339,000"
    assert text.short_name("Optus 2022 (as it happened)") == "Optus 2022"
    assert len(text.short_name("A very long scenario name that goes on and on")) <= text.SHORT_NAME_CHARS
    assert text.short_names(["Plan (a)", "Plan (b)"]) == {"Plan (a)": "Plan (a)", "Plan (b)": "Plan (b)"}


def test_censored_quantiles_treat_never_as_latest():
    assert stats.censored_quantiles([1, 2, 3, 4, 5], (0.5,)) == [3.0]
    assert stats.censored_quantiles([1, 2, np.nan, np.nan, np.nan], (0.1, 0.5)) == [1.4, math.inf]
    assert math.isnan(stats.censored_quantiles([], (0.5,))[0])


def test_paired_differences_follow_the_seeds():
    runs = pd.DataFrame({"scenario": ["a"] * 4 + ["b"] * 4, "point": 0, "replication": [0, 1, 2, 3] * 2,
                         "hours_to_50pct_affected": [5, 6, np.nan, 8, 10, 4, 9, np.nan],
                         "affected_agents": 1, "people_per_agent": 1.0,
                         **{f"unaware_affected_share_{w}": 0.0 for w in ("24h", "72h", "end")},
                         "final_company_trust_affected": 0.3, "initial_company_trust_affected": 0.3})
    p = stats.paired(runs, "a", "b", stats.BY_KEY["hours_to_50pct_affected"])
    # pairs: (5,10) a better; (6,4) b better; (never, 9) b better; (8, never) a better
    assert p.pairs == 4 and p.share_better == 0.5
    assert p.diff[0] == -math.inf and p.diff[2] == math.inf


def test_notes_follow_extends_and_are_classified():
    notes = scenario_notes(DIRECT)
    assert {Path(n.file).name for n in notes} == {"direct_first.toml", "optus_2022.toml", "defaults.toml"}
    assumptions, sources = split_notes(notes)
    assert any("bulk-SMS throughput" in n.text for n in assumptions)
    assert any("(SMH)" in n.text and n.key == "scenario.start" for n in sources)
    assert not any("EFTM" in n.text for n in notes)       # Optus's e-mail campaign is replaced
    assert is_source("people in Australia (ABS 2021 Census)") and not is_source("agents (modelling choice)")
    both = "press release (SMH); reach ASSUMPTION"
    assert is_source(both) and is_assumption(both)
    assert clean_comment(both) == "Press release (SMH); reach (assumption)"


def test_a_report_from_a_posterior_says_its_bands_include_parameter_uncertainty(tmp_path):
    posterior = tmp_path / "posterior.csv"
    pd.DataFrame({"sample": [0, 1], "word_of_mouth.social": [0.004, 0.012],
                  "distance": [1, 2]}).to_csv(posterior, index=False)
    files = [SCENARIOS / "optus_2022.toml", SCENARIOS / "direct_first.toml"]
    _, report = compare(files, tmp_path / "cmp", replications=2, workers=1, progress=False,
                        overrides={"population.size": 400, "scenario.hours": 72}, posterior=posterior)
    text = " ".join(report.uncertainty)
    assert "uncertainty left by calibration in word of mouth between friends" in text
    assert "They do not show uncertainty in the assumptions" not in text
    assert any("calibrated parameters' uncertainty" in b for b in report.bullets)
