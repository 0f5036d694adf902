"""Making the report: compute once, draw once, hand the results on.

:func:`build_report` turns :class:`~sim.reporting.results.Results` into a
:class:`Report` (summary table, recommendation, executive summary,
uncertainty statement, figures at slide and page size, the scenario tables,
notes); :func:`write_report` writes its files into a folder, each atomically,
and returns the :class:`Report` with the paths written, so the command line
prints from it without reading anything again.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Sequence

import pandas as pd
from matplotlib.figure import Figure

from ..version import __version__
from ..runs.files import check_claimable, claim_folder, clean_stale_temporaries, write_atomically
from . import charts, findings, points, stats, sweeps
from .config import ReportOptions, logo_data_uri
from .notes import DEFAULTS_FILE
from .results import Results
from .scenarios import campaign_rows, key_label, other_differences, shared_label, timeline
from .style import scenario_colours
from ..config import catalog
from ..model.engine import DEFAULT_ENGINE

__all__ = ["Report", "build_report", "write_report", "CAPTIONS", "find_table"]

CAPTIONS = {
    "awareness": "Affected customers who know of the breach, over real local time. Line: median of the "
                 "runs; band: 10-90% of runs. Below: when each plan's press releases, tweets and company "
                 "message campaigns (by SMS, e-mail or another medium) happen.",
    "time_to_reach": "Hours from the announcement until half and until 90% of affected customers know. "
                     "Dot: median; line: 10-90% of runs.",
    "first_source": "Where people first heard of the breach, at the end of the run. Left: affected "
                    "customers (and those who never heard); right: everyone who heard. Bars: median; "
                    "whiskers: 10-90% of runs.",
    "trust": "Affected customers' average trust in the company over time (0 = none, 1 = full); the axis "
             "is zoomed to the range shown. Line: median; band: 10-90% of runs.",
    "cohorts": "Share of each generation who know 24 and 72 hours after the announcement. "
               "Bars: median; whiskers: 10-90% of runs.",
}


@dataclass
class Report:
    """Everything the report shows, computed once.

    ``figures`` are the charts (matplotlib figures), ``page_images`` their PNG
    bytes (the chart files, embedded in the HTML; plus the sensitivity chart
    when there is one). ``files`` is filled by :func:`write_report`.
    """

    results: Results
    options: ReportOptions
    summary: pd.DataFrame
    recommendation: findings.Recommendation
    bullets: list[str]
    uncertainty: list[str]
    sensitivity: pd.DataFrame | None
    sensitivity_warning: str
    robustness: pd.DataFrame | None
    figures: dict[str, Figure]
    page_images: dict[str, bytes]
    sweep_keys: list[str]
    titles: dict[str, str] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    sweep: points.Sweep | None = None
    shown: pd.DataFrame | None = None
    labels: dict[str, str] = field(default_factory=dict)
    chart_labels: dict[str, str] = field(default_factory=dict)
    optimisation: Any = None            # an optimisation_section.Optimisation, quoted in its own section

    @property
    def short(self) -> dict[str, str]:
        return self.results.short

    @property
    def drawn(self) -> pd.DataFrame:
        """The rows of ``summary`` the charts draw (a sweep's best and worst settings; else all)."""
        return self.summary if self.shown is None else self.shown

    def headline_text(self) -> str:
        """The plain-text headline table the command line prints, led by the measure
        the recommendation ranks by; a sweep's, one row per setting."""
        return findings.headline_text(self.summary, self.labels or self.short, self.recommendation.criterion,
                                      ", ".join(shared_label(k, self.results.scenarios) for k in self.sweep_keys)
                                      if self.sweep is not None else "scenario")


def find_table(results: Results, name: str, given: Path | None = None) -> pd.DataFrame | None:
    """The table ``given`` (refused in one line if damaged), else ``name``
    (``sensitivity.csv``, ``robustness.csv``) beside the results (left out with a
    warning line if damaged); only the rows of the compared scenarios; None if none."""
    from .results import find_analysis_table

    return find_analysis_table(results, name, given)


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None}, pil_kwargs={"compress_level": 3})
    return buf.getvalue()


def _svg(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def build_report(results: Results, options: ReportOptions | None = None,
                 cohorts: str = "affected") -> Report:
    """Compute the report: numbers, sentences and figures (nothing written).

    Each chart is drawn once, at slide size (2000 x 1125 px); the same image
    is the chart file and the report's figure. ``cohorts``: the cohort
    chart's basis, ``"affected"`` or ``"everyone"``.
    """
    options = options or ReportOptions()
    options.check("options")
    runs, ts, infos = results.runs, results.timeseries, results.scenarios
    robustness = find_table(results, "robustness.csv", options.robustness)
    sensitivity = find_table(results, "sensitivity.csv", options.sensitivity)
    keys = stats.sweep_keys(runs, results.design) if results.has_design else []
    posterior = bool((results.manifest.get("batch") or {}).get("draws"))
    if keys:
        parts = _sweep_parts(results, keys, cohorts)
    else:
        summary = stats.summary_table(runs, infos, ts, cohorts)
        rec = findings.recommend(summary, runs)
        bullets = findings.executive_summary(summary, runs, results.short, rec, robustness, None, posterior)
        parts = _Parts(None, summary, summary, rec, bullets, (runs, ts, infos), results.short)
    sweep, summary, shown, rec, bullets, (c_runs, c_ts, c_infos), labels = parts
    n_sobol = (results.design.get("options") or {}).get("n") if results.design.get("method") == "sobol" else None
    notes = findings.sensitivity_notes(sensitivity, key_label, results.names, n_sobol) if sensitivity is not None else []
    warning = next((n.warning for n in notes if n.warning), "")
    per = int(summary["runs"].min())                # runs of one plan, at one setting in a sweep
    drawn = sorted({k for draw in (results.manifest.get("batch") or {}).get("draws") or [] for k in draw})
    uncertainty = findings.uncertainty(per, len(infos) > 1, notes, robustness, results.short,
                                       [key_label(k) for k in drawn], [key_label(k) for k in keys])
    figures = charts.all_charts(c_runs, c_ts, c_infos, "slide", cohorts)
    for key_, measure, fig in sweeps.sweep_charts(runs, infos, keys, "slide"):
        figures[f"sweep_{measure}"] = fig
    pages = {stem: _png(fig) for stem, fig in figures.items()}    # the chart files, and the page's images
    if sensitivity is not None:
        from .sensitivity_chart import sensitivity_chart

        fig = sensitivity_chart(sensitivity, results.short, warning, key_label, "slide")
        pages["sensitivity"] = _png(fig)
    titles = {stem: fig.get_suptitle() for stem, fig in figures.items()}
    optimisation = None
    if options.optimisation is not None:
        from .optimisation_section import load_optimisation

        optimisation = load_optimisation(options.optimisation)
    return Report(results, options, summary, rec, bullets, uncertainty, sensitivity, warning, robustness,
                  figures, pages, keys, titles, sweep=sweep, shown=shown, labels=labels,
                  chart_labels={i.name: i.short for i in c_infos}, optimisation=optimisation)


class _Parts(NamedTuple):
    """What the report is made of: one row of ``summary`` per plan (per scenario and
    setting in a sweep), the rows the charts draw (``shown``) and their runs, series
    and scenarios (``drawn``), and each row's short label."""

    sweep: points.Sweep | None
    summary: pd.DataFrame
    shown: pd.DataFrame
    recommendation: findings.Recommendation
    bullets: list[str]
    drawn: tuple
    labels: dict[str, str]


def _sweep_parts(results: Results, keys: Sequence[str], cohorts: str) -> _Parts:
    """A sweep's plans (one per scenario and point), its table per point, the rows the
    charts draw, the best setting as the "recommendation", the bullets, the drawn
    plans' runs, series and infos, and each plan's short label."""
    sweep = points.sweep_of(results, keys)
    summary = points.point_table(sweep, cohorts=cohorts)
    criterion = findings.criterion_of(summary)
    drawn = points.drawn_plans(sweep, summary, criterion)
    ranked = points.ranked_points(summary, sweep.plans[0].scenario, criterion)
    best = next(p.name for p in sweep.plans if p.point == ranked[0])
    rec = findings.Recommendation(sweep.names[0], best, criterion)
    labels = {k: shared_label(k, results.scenarios) for k in keys}
    bullets = findings.sweep_summary(summary, keys, results.short, sweep.method, labels)
    shown = summary[summary["scenario"].isin(drawn)]
    c_runs, c_ts, c_infos = sweep.subset(drawn)
    chart = points.chart_labels(sweep, drawn, summary, criterion)
    c_infos = [dataclasses.replace(i, short=chart[i.name]) for i in c_infos]
    return _Parts(sweep, summary, shown, rec, bullets, (c_runs, c_ts, c_infos), sweep.short)


# --------------------------------------------------------------------------- HTML context

def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _rel(path: str, root: Path | None) -> str:
    p = Path(path)
    if p.resolve() == DEFAULTS_FILE:
        return "sim/defaults.toml"
    if root is not None:
        try:
            return str(p.resolve().relative_to(root))
        except ValueError:
            pass
    return p.name


def _project_root(infos) -> Path | None:
    """The project folder for showing scenario paths (the parent of ``scenarios/``), if any."""
    for s in infos:
        if s.file:
            for parent in Path(s.file).resolve().parents:
                if (parent / "pyproject.toml").exists() or (parent / "sim" / "defaults.toml").exists():
                    return parent
    return None


def _notes_context(infos, root: Path | None, varied: dict[str, tuple[str, str]] | None = None) -> dict[str, Any]:
    """Calibration sources and assumptions: those common to every scenario, and each one's own.

    Built from the resolved scenarios (:func:`sim.reporting.appendix.appendix_notes`):
    every value that differs from the model's defaults, with its file's comment or
    "set by the user, no source given", and the defaults' notes where they apply.
    ``root`` is not used (kept for custom callers); ``varied`` names keys that
    change between runs (:func:`sim.reporting.appendix.varied_keys`).
    """
    from .appendix import appendix_notes

    notes = appendix_notes(infos, varied)
    notes.pop("settings")
    return notes


def _table(summary: pd.DataFrame, measures: Sequence[stats.Measure]) -> list[dict[str, Any]]:
    rows = []
    for m in measures:
        cells = [findings.format_measure(row, m) for _, row in summary.iterrows()]
        rows.append({"label": m.label[:1].upper() + m.label[1:], "cells": cells})
    return rows


#: Rows of the results table in the body of the report (all of them go to the appendix).
BODY_MEASURES = catalog.USES["body"]


def _methods(report: Report) -> dict[str, Any]:
    """What Appendix A says of the method, and the rows of Appendices B and C (``notes``),
    all from the runs and the resolved scenarios."""
    from . import appendix

    res = report.results
    base = res.scenarios[0]
    good = stats.ok_runs(res.runs)
    agents = int(good["agents"].median()) if "agents" in good else base.get("population.size")
    ppa = float(good["people_per_agent"].median())
    manifest = res.manifest
    batch = manifest.get("batch") or {}
    design = res.design.get("method", "none") if res.has_design else "none"
    posterior = bool(batch.get("draws"))
    plans = set(report.drawn.get("plan", report.drawn["scenario"]))
    shown = [s for s in res.scenarios if s.name in plans] or res.scenarios
    notes = appendix.appendix_notes(shown, appendix.varied_keys(res.design if res.has_design else None,
                                                                batch.get("draws")))
    engine = batch.get("engine", DEFAULT_ENGINE)
    return {
        "agents": f"{agents:,}", "represents": f"{agents * ppa:,.0f}", "people_per_agent": f"{ppa:,.0f}",
        "step_minutes": f"{base.get('scenario.step_minutes', 60):g}",
        "hours": f"{base.hours:,.0f}", "days": f"{base.hours / 24:.0f}",
        "runs": int(good.groupby(["scenario", "point"] if design != "none" and "point" in good
                                 else "scenario").size().min()),
        "scenarios": len(res.scenarios),
        "engine": engine, "engine_words": appendix.engine_words(engine),
        "design": design,
        "points": len(res.design.get("points", [])),
        "sweep_keys": [key_label(k) for k in report.sweep_keys],
        "code": str(manifest.get("code_version", "")),
        "seed": batch.get("seed"),
        "posterior": posterior,
        "scams": any(s.get("channels.scam.waves") for s in shown),
        "trust_above_start": bool((good["final_company_trust_affected"].astype(float)
                                   > good["initial_company_trust_affected"].astype(float)).any()),
        "call_centre": any((s.get("company.call_centre.agents") or 0) > 0 for s in shown),
        "network": appendix.network_words(shown),
        "attention": appendix.attention_words(shown),
        "limitations": appendix.limitations(shown, notes.pop("settings"), posterior, design != "none"),
        "notes": notes,
    }


def context(report: Report) -> dict[str, Any]:
    """Everything the template shows (plain data: strings, numbers, lists, dicts)."""
    res, opts = report.results, report.options
    infos = res.scenarios
    names = list(report.drawn["scenario"])
    drawn_infos = [i for i in report.sweep.infos if i.name in names] if report.sweep else infos
    colours = scenario_colours([s.name for s in drawn_infos] + names)
    root = _project_root(infos)
    logo = logo_data_uri(opts.logo) if opts.logo is not None else None
    figures = []
    for stem in [*charts.CHART_STEMS[1:], *[k for k in report.page_images if k.startswith("sweep_")]]:
        if stem in report.page_images:
            figures.append({"id": stem, "uri": _data_uri(report.page_images[stem], "image/png"),
                            "alt": report.titles.get(stem, stem.replace("_", " ")),
                            "caption": _caption(report, stem), "sweep": stem.startswith("sweep_")})
    by_key = {m.key: m for m in stats.table_measures(report.drawn)}
    compared = [s for s in infos if s.name in set(report.drawn.get("plan", report.drawn["scenario"]))]
    methods = _methods(report)
    return {
        "options": opts, "logo": logo, "version": opts.version or "draft",
        "producer": f"breachsim {__version__}", "code": methods["code"][:12],
        "bullets": report.bullets,
        "key_figure": {"uri": _data_uri(report.page_images["awareness"], "image/png"),
                       "alt": report.titles.get("awareness", "awareness of affected customers over time"),
                       "caption": _caption(report, "awareness")},
        "scenarios": _timelines(report, colours, root),
        "plans": [{"name": s.name, "short": s.short, "colour": colours.get(s.name, "#888"),
                   "description": s.description} for s in compared],
        "campaigns": points.merged_campaigns(report.sweep) if report.sweep else campaign_rows(compared),
        "differences": [d for d in other_differences(compared) if d["key"] not in report.sweep_keys],
        "columns": [{"name": n, "short": (report.chart_labels or res.short).get(n, n), "colour": colours.get(n, "#888")}
                    for n in names],
        "runs": [int(r) for r in report.drawn["runs"]],
        "body_table": _table(report.drawn, [by_key[k] for k in BODY_MEASURES if k in by_key]),
        "segments_table": _table(report.drawn, [m for m in by_key.values() if m.key.startswith("segment_")]),
        "full_table": _table(report.drawn, list(by_key.values())),
        "sweep": _sweep_context(report, colours),
        "figures": [f for f in figures if not f["sweep"]],
        "sweep_figures": [f for f in figures if f["sweep"]],
        "sweep_keys": [key_label(k) for k in report.sweep_keys],
        "uncertainty": report.uncertainty,
        "sensitivity_figure": (_data_uri(report.page_images["sensitivity"], "image/png")
                               if "sensitivity" in report.page_images else None),
        "sensitivity_warning": report.sensitivity_warning,
        "robustness": findings.robustness_rows(report.robustness, res.short),
        "optimisation": _optimisation_context(report),
        "methods": methods,
        "notes": _notes_context(infos, root),
        "not_reached": findings.fmt_hours(math.inf),
        "cohort_basis": report.summary.attrs.get("cohort_basis", ""),
    }


def _optimisation_context(report: Report) -> dict[str, Any] | None:
    """The optimisation section's sentences, table and front chart; None without one."""
    if report.optimisation is None:
        return None
    from .optimisation_section import optimisation_context

    png = report.optimisation.front_png
    return optimisation_context(report.optimisation.data, _data_uri(png, "image/png") if png else None)


def _caption(report: Report, stem: str) -> str:
    """A chart's caption; in a sweep, the standard charts say which settings they draw."""
    caption = CAPTIONS.get(stem, sweeps.CAPTION)
    if report.sweep is None or stem.startswith("sweep_"):
        return caption
    shown = [report.sweep.plan(n).name for n in report.drawn["scenario"]]
    total = len(report.sweep.plans)
    which = (f"Each of the {total} settings of the sweep" if len(shown) == total else
             f"The best and the worst of the {total} settings of the sweep by "
             f"{findings.ranking_words(report.recommendation.criterion)}")
    if stem != "awareness":         # the key figure lists them; the others refer to the table
        return f"{which}, as marked in the table of settings. {caption}"
    return f"{which} ({'; '.join(shown)}), each a plan of its own. {caption}"


def _timelines(report: Report, colours: dict[str, str], root: Path | None) -> list[dict[str, Any]]:
    """Appendix E's entries: each plan's channel events (a sweep's, per setting)."""
    file_of = lambda s: _rel(s.file, root) if s.file else ""  # noqa: E731
    if report.sweep is not None:
        return points.timeline_entries(report.sweep, list(report.drawn["scenario"]), colours, file_of)
    names = set(report.summary["scenario"])
    return [{"name": s.name, "short": s.short, "colour": colours.get(s.name, "#888"), "plan": s.name,
             "description": s.description, "file": file_of(s), "timeline": timeline(s)}
            for s in report.results.scenarios if s.name in names]


def _sweep_context(report: Report, colours: dict[str, str]) -> dict[str, Any] | None:
    """What the compared, results and sweep sections say of a sweep; None without one."""
    if report.sweep is None:
        return None
    drawn = list(report.drawn["scenario"])
    return {**points.compared_context(report.sweep, report.summary),
            "table": points.results_context(report.sweep, report.summary, report.recommendation.criterion,
                                            drawn, colours),
            "pooled": points.pooled_bands(report.results.runs, report.sweep_keys)}


# --------------------------------------------------------------------------- writing

#: The chart files written by :func:`write_report`, in order (sweep charts follow when any).
CHART_FILES = ("awareness.png", "awareness.svg", "time_to_reach.png", "first_source.png", "trust.png",
               "cohorts.png")
#: The table and page files written by :func:`write_report`.
TABLE_FILES = ("summary.csv", "summary.md", "report.html")


def write_report(results: Results, out_dir: str | Path, options: ReportOptions | None = None,
                 pdf: bool = False, cohorts: str = "affected") -> Report:
    """Build the report and write, into ``out_dir``: the charts (PNG at slide size,
    ``awareness.svg``, ``sweep_<measure>.png`` for sweeps), ``summary.csv``,
    ``summary.md``, ``report.html`` and, with ``pdf``, ``report.pdf``.

    ``out_dir`` must be absent, empty, or a folder breachsim wrote as a report
    or comparison (it carries the marker), else ScenarioError: a user's own
    folder is never written into. Everything is rendered in memory first;
    each file is then written under a temporary name and renamed into place,
    so a failure leaves earlier files as they were. Returns the :class:`Report`, ``files`` filled in.
    """
    from .html import render_html

    out = Path(out_dir)
    check_claimable(out, "report", accept=("compare",))   # before any work: never a user's folder
    report = build_report(results, options, cohorts=cohorts)
    page = render_html(context(report), report.options.template)
    contents: dict[str, bytes] = {}
    for stem, fig in report.figures.items():
        contents[f"{stem}.png"] = report.page_images[stem]
        if stem == "awareness":
            contents["awareness.svg"] = _svg(fig)
    if report.optimisation is not None and report.optimisation.front_png:
        from .optimisation_section import FRONT_FILE

        contents[FRONT_FILE] = report.optimisation.front_png
    contents["summary.csv"] = findings.summary_csv(report.summary).encode("utf-8")
    contents["summary.md"] = findings.summary_markdown(report.summary).encode("utf-8")
    contents["report.html"] = page.encode("utf-8")
    if pdf:
        from .pdf import html_to_pdf

        contents["report.pdf"] = html_to_pdf(page)
    order = [n for n in CHART_FILES if n in contents] + sorted(n for n in contents if n.startswith("sweep_")) \
        + [n for n in ("optimisation_front.png", *TABLE_FILES, "report.pdf") if n in contents]
    claim_folder(out, "report", accept=("compare",))
    clean_stale_temporaries(out)                # of a report killed while writing, if any
    for name in order:
        data = contents[name]
        write_atomically(out / name, lambda p, data=data: p.write_bytes(data))
    if "optimisation_front.png" not in contents:       # an earlier report's, of an optimisation not quoted now
        (out / "optimisation_front.png").unlink(missing_ok=True)
    report.files = [out / name for name in order]
    return report
