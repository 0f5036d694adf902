"""Results to hold in a notebook: one run, a batch, a comparison.

Three nouns, each with ``.plot()`` (the report's own charts, drawn by
:mod:`sim.reporting.charts`), ``.summary()`` (a DataFrame) and a rich display
in Jupyter::

    import sim

    run = sim.Run("optus_2022", seed=1, overrides={"population.size": 5000}).run()
    run.summary()                 # one row: the run's measures
    run.timeseries                # tidy: time (timezone-aware), counts in agents and people
    run.plot()                    # the report's awareness chart, for this run

    cmp = sim.Comparison(["optus_2022", "direct_first"], reps=10,
                         overrides={"population.size": 5000}).run()
    cmp.summary()                 # one row per scenario: medians and 10-90% ranges
    cmp.plot("first_source")      # any chart of the report: sim.reporting.charts.CHART_STEMS

    batch = sim.Batch("out/sms_timing")   # a batch folder, or a finished run_batch
    batch = sim.Batch.run_file("scenarios/batches/sms_timing.toml", "out/sms_timing")
    batch.timeseries              # with the sweep's parameters as columns
    batch.plot("response")        # for a sweep: the response of a measure to its parameters

Every argument is checked before any work: a wrong type, a missing file, an
out path that is a file, ``reps=0`` or an unknown chart is one
:class:`~sim.ScenarioError` line naming the argument (``error: sim.Run: seed:
got -1; allowed: ...``), never an error from deep inside (see
:mod:`sim.config.arguments`).

Same numbers as the command line: a ``Run`` runs the scenario's own
``population.size`` (as ``run`` does); a ``Comparison`` runs
:data:`sim.reporting.compare.DEFAULT_PEOPLE` agents unless ``overrides`` say otherwise
(as ``compare`` does), so its figures are the report's. A comparison run
without ``out`` works in a temporary folder that is removed once its runs
are loaded (nothing is left in ``/tmp``); give ``out`` to keep the folder.
Each kind of warning is said once per call (:mod:`sim.runs.notices`), a long
step with its effect measured on one cheap run.

Tidy frames: one row per run and step; ``time`` is a timezone-aware
timestamp (the scenario's offset); every count (in agents, as the engines
keep them) has a ``<count>_people`` twin scaled by the run's people per
agent; a batch's design parameters (the ``[grid]`` or ``[sample]`` keys) are
columns of the time series as well as of the runs.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import io
import tempfile
import warnings
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

from ..model.engine import check_engine
from ..config.arguments import (MAX_RUN_SEED, MAX_WORKERS, check_choice, check_flag, check_folder,
                        check_out_folder, check_overrides, check_path, check_seed, check_whole, refuse,
                        shown)
from ..config.bundled import find_scenario
from ..errors import ScenarioError
from ..model.measures import COUNTS
from ..runs.notices import SaidOnce, check_step_lengths
from ..model.step_length import StepLengthWarning, step_length_kind
from ..config.readers import check_regular_file
from ..config.scenario import Scenario, load_scenario
from ..model.simulate import SimulationResult, simulate
from ..model.engine import DEFAULT_ENGINE
from ..runs.batchfile import DEFAULT_SEED

__all__ = ["Run", "Batch", "Comparison", "tidy_timeseries"]

#: Counts that get a ``_people`` twin (agents x people per agent).
PEOPLE_COUNTS = ("spreading", *COUNTS)
#: What the rich display shows of a summary (column, words).
SHOWN = (("hours_to_50pct_affected", "hours until 50% of affected know"),
         ("hours_to_90pct_affected", "hours until 90% know"),
         ("share_affected_first_from_company", "heard first from the company"),
         ("unaware_affected_share_72h", "still unaware after 72 h"),
         ("final_company_trust_affected", "trust in the company at the end"),
         ("customers_lost", "customers expected to leave"),
         ("calls_peak_per_hour", "calls in the busiest hour"))


def tidy_timeseries(timeseries: pd.DataFrame, runs: pd.DataFrame | None = None,
                    params: Sequence[str] = ()) -> pd.DataFrame:
    """The time series with a timezone-aware ``time``, people counts and parameters.

    ``runs`` (one row per run, with ``people_per_agent``) scales the counts of
    each run; ``params`` are columns of ``runs`` merged in by ``run``.
    Without ``runs``, ``timeseries`` must carry ``people_per_agent`` itself.
    """
    ts = timeseries.copy()
    if runs is not None:
        keep = ["run", "people_per_agent", *[p for p in params if p in runs.columns]]
        ts = ts.drop(columns=[c for c in keep[1:] if c in ts.columns]).merge(
            runs[keep], on="run", how="left")
    ts["time"] = _aware_times(ts["time"])
    for name in PEOPLE_COUNTS:
        if name in ts.columns:
            ts[f"{name}_people"] = ts[name] * ts["people_per_agent"]
    return ts


def _aware_times(times: pd.Series) -> pd.Series:
    """ISO strings with offsets as timezone-aware timestamps; mixed offsets shown in the first."""
    try:
        out = pd.to_datetime(times)
    except (ValueError, TypeError):
        out = None
    if out is None or out.dt.tz is None:
        first = pd.Timestamp(times.iloc[0]).tz
        out = pd.to_datetime(times, utc=True).dt.tz_convert(first)
    return out


def _figure_png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    return base64.b64encode(buffer.getvalue()).decode()


def _png_bytes(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _shown_in_notebooks(fig):
    """``fig``, displayed as a picture when it is a cell's value in IPython or Jupyter.

    The report's charts are plain :class:`matplotlib.figure.Figure` objects (no
    pyplot state), which IPython shows as a picture only once told how.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return fig
    shell = get_ipython()
    if shell is not None:
        shell.display_formatter.formatters["image/png"].for_type(type(fig), _png_bytes)
    return fig


def _table_html(rows: list[tuple[str, list[str]]], header: list[str]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr><th style='text-align:left'>" + html.escape(words) + "</th>"
                   + "".join(f"<td>{html.escape(v)}</td>" for v in values) + "</tr>"
                   for words, values in rows)
    return f"<table><tr><th></th>{head}</tr>{body}</table>"


def _fmt(column: str, value: Any) -> str:
    from ..config.catalog import measure
    from .text import fmt_hours, fmt_pct, fmt_people, fmt_trust

    if not column.startswith("segment_") and measure(column).kind == "people":
        return fmt_people(None if value is None or pd.isna(value) else float(value))
    if column.startswith("segment_"):
        kind = measure(column).kind
        if kind == "number":
            return f"{value:,}"
        column = {"hours": "hours_", "trust": "trust"}.get(kind, column)
    if column.startswith("hours_"):
        return fmt_hours(None if value is None or pd.isna(value) else float(value))
    if "trust" in column:
        return fmt_trust(value)
    return fmt_pct(value)


# --------------------------------------------------------------------------- one run

class Run:
    """One simulation of one scenario with one seed.

    Parameters
    ----------
    scenario : str, Path or Scenario
        A scenario file, the name of a bundled one (``"optus_2022"``) or a
        resolved :class:`~sim.Scenario`.
    seed : int
        Seed of the run; same scenario, seed and engine give the same run.
    engine : str
        a name in :data:`sim.model.engine.ENGINES` (default: the default engine, ``"fast"``).
    overrides : mapping, optional
        Dotted keys set on top of the file, e.g. ``{"population.size": 5000}``.

    Raises
    ------
    ScenarioError
        For a missing or bad scenario file or override, a seed or engine that
        is not allowed (one line naming the argument, as the CLI).
    """

    def __init__(self, scenario: str | Path | Scenario, seed: int = 1, engine: str = DEFAULT_ENGINE,
                 overrides: Mapping[str, Any] | None = None):
        self.seed = check_seed("sim.Run", seed, largest=MAX_RUN_SEED)
        self.engine = check_engine("sim.Run", engine)
        self.scenario = _scenario_of(scenario, check_overrides("sim.Run", overrides))
        self._result: SimulationResult | None = None

    def run(self, progress: bool = False) -> "Run":
        """Run the simulation (once; later calls keep the result). Returns the run."""
        check_flag("sim.Run.run", "progress", progress)
        if self._result is None:
            said = _SaidOnce()
            try:
                self._result = _simulate_saying_once(self.scenario, self.seed, self.engine,
                                                     progress, said)
            finally:
                said.emit()
        return self

    @property
    def result(self) -> SimulationResult:
        """The :class:`~sim.SimulationResult` (runs the simulation if it has not run)."""
        return self.run()._result

    @property
    def runs(self) -> pd.DataFrame:
        """The run as a one-row runs table (the batch runner's columns)."""
        r = self.result
        row = {"run": "run", "scenario": self.scenario.name,
               "scenario_file": str(self.scenario.path) if self.scenario.path else None,
               "point": 0, "replication": 0, "seed": self.seed, "engine": self.engine,
               "status": "ok", **r.summary, "events": r.events,
               "start": self.scenario.start_text}
        return pd.DataFrame([row])

    @property
    def timeseries(self) -> pd.DataFrame:
        """Tidy time series (see :func:`tidy_timeseries`), one row per step."""
        ts = self.result.timeseries.copy()
        ts.insert(0, "run", "run")
        ts.insert(1, "scenario", self.scenario.name)
        ts.insert(2, "seed", self.seed)
        return tidy_timeseries(ts, self.runs)

    def summary(self) -> pd.DataFrame:
        """One row: scenario, seed, engine and every summary measure of the run."""
        return pd.DataFrame([{"scenario": self.scenario.name, "seed": self.seed,
                              "engine": self.engine, **self.result.summary}])

    def segments(self) -> pd.DataFrame:
        """One row per segment of the scenario (``population.segments``): its name, its
        words and its measures (:func:`sim.config.catalog.segment_measures`), this run's values."""
        from ..config.catalog import SEGMENT_MEASURES
        from ..config.vocabulary import target_words

        s, segments = self.result.summary, self.scenario.population.segments
        rows = [{"segment": name, "label": target_words(name, segments),
                 **{suffix: s.get(f"segment_{name}_{suffix}") for suffix in SEGMENT_MEASURES}}
                for name in segments]
        return pd.DataFrame(rows, columns=["segment", "label", *SEGMENT_MEASURES])

    def _segment_rows(self) -> list[tuple[str, list[str]]]:
        from ..config.catalog import segment_measures

        s, rows = self.result.summary, []
        for name, spec in self.scenario.population.segments.items():
            for m in segment_measures(name, spec["label"] or None):
                if m.short:
                    rows.append((m.short, [_fmt(m.key, s.get(m.key))]))
        return rows

    def _results(self):
        from . import results_from_frames

        ts = self.result.timeseries.copy()
        ts.insert(0, "run", "run")
        ts.insert(1, "scenario", self.scenario.name)
        return results_from_frames(self.runs, ts, [self.scenario])

    def plot(self, chart: str = "awareness", size: str = "page"):
        """A chart of the report (:data:`sim.reporting.charts.CHART_STEMS`) for this run."""
        _check_chart("sim.Run.plot", chart, size)
        return _chart(self._results(), chart, size)

    def _repr_html_(self) -> str:
        name = html.escape(self.scenario.name)
        if self._result is None:
            return (f"<p><b>Run</b> of {name}, seed {self.seed}, {self.engine} engine: "
                    "not run yet (<code>.run()</code>).</p>")
        s = self.result.summary
        rows = [(words, [_fmt(key, s.get(key))]) for key, words in SHOWN] + self._segment_rows()
        return (f"<p><b>Run</b> of {name}, seed {self.seed}, {self.engine} engine, "
                f"{s['agents']:,} agents of {s['people_per_agent']:,.0f} people each</p>"
                + _table_html(rows, ["this run"])
                + f"<img src='data:image/png;base64,{_figure_png(self.plot())}' width='720'/>")

    def __repr__(self) -> str:
        state = "run" if self._result is not None else "not run"
        return f"Run({self.scenario.name!r}, seed={self.seed}, engine={self.engine!r}; {state})"


class _SaidOnce:
    """A notebook call's warnings: each kind once (:mod:`sim.runs.notices`), handed to Python's
    warnings when the call ends (:meth:`emit`), pointing at the caller's line."""

    def __init__(self) -> None:
        self.record = SaidOnce()
        self.said: list[tuple[str, type]] = []

    def measured(self, line: str) -> None:
        """A line of :func:`sim.runs.notices.check_step_lengths` (its kind recorded there)."""
        self.said.append((line.removeprefix("warning: "), StepLengthWarning))

    def batch(self, line: str) -> None:
        """What a batch says: its warnings (each kind once); not its resume notes (a
        Python caller reads the result)."""
        if line.startswith("warning: "):
            self.caught(line.removeprefix("warning: "))

    def caught(self, text: str, category: type | None = None) -> None:
        if self.record.first(text):
            kind = StepLengthWarning if step_length_kind(text) else UserWarning
            self.said.append((text, category or kind))

    def emit(self) -> None:
        """Warn, as from the line that called the public method that called this."""
        for text, category in self.said:
            warnings.warn(text, category, stacklevel=3)
        self.said = []


def _simulate_saying_once(scenario: Scenario, seed: int, engine: str, progress: bool,
                          said: _SaidOnce) -> SimulationResult:
    """:func:`sim.model.simulate`, a long step said once with its effect measured on one cheap run
    (:func:`sim.runs.notices.check_step_lengths`) and each other warning once."""
    check_step_lengths([scenario], said.measured, seed=seed, local=said.record)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = simulate(scenario, seed=seed, engine=engine, progress=progress)
    for w in caught:
        said.caught(str(w.message), w.category)
    return result


def _run_batch_saying_once(spec, out: Path, scenarios, said: _SaidOnce, **options):
    """:func:`sim.runs.batch.run_batch` with each kind of warning said once: a long step of
    ``scenarios`` first, measured on one cheap run."""
    from ..runs.batch import run_batch

    check_step_lengths(scenarios, said.measured, local=said.record)
    return run_batch(spec, out, say=said.batch, **options)


def _scenario_of(scenario: Any, overrides: dict) -> Scenario:
    """The scenario a Run runs: ``scenario`` itself, or its file read again with ``overrides``."""
    if isinstance(scenario, Scenario):
        if not overrides:
            return scenario
        if scenario.path is None:
            raise ScenarioError("sim.Run", "overrides", "this scenario has no file to read them on top of; "
                                "allowed: a scenario file or name, or no overrides "
                                "(sim.config.scenario.with_overrides applies them to a resolved scenario)")
        return load_scenario(scenario.path, overrides)
    path = check_path("sim.Run", "scenario", scenario,
                      "a scenario file, the name of a bundled one, or a sim.Scenario")
    return load_scenario(find_scenario(path), overrides)


#: Charts a run or batch draws (:data:`sim.reporting.charts.CHART_STEMS`).
CHARTS = ("awareness", "time_to_reach", "first_source", "trust", "cohorts")


def _check_chart(where: str, chart: Any, size: Any, charts: Sequence[str] = CHARTS) -> None:
    """Refuse an unknown chart or size before any work (ScenarioError naming the argument)."""
    if not (isinstance(chart, str) and chart in charts):
        raise ScenarioError(where, "chart", f"unknown chart {shown(chart)}; allowed: {', '.join(charts)}")
    from .checks import check_size

    check_size(where, size)


def _chart(results, chart: str, size: str, **kw):
    from . import charts

    makers = {"awareness": lambda: charts.awareness_chart(results.runs, results.timeseries,
                                                          results.scenarios, size=size, **kw),
              "time_to_reach": lambda: charts.time_to_reach_chart(results.runs, results.scenarios,
                                                                  size=size),
              "first_source": lambda: charts.first_source_chart(results.runs, results.timeseries,
                                                                results.scenarios, size=size),
              "trust": lambda: charts.trust_chart(results.runs, results.timeseries,
                                                  results.scenarios, size=size),
              "cohorts": lambda: charts.cohorts_chart(results.runs, results.timeseries,
                                                      results.scenarios, size=size)}
    return _shown_in_notebooks(makers[chart]())


# --------------------------------------------------------------------------- batches

class Batch:
    """The runs of a finished batch: a batch folder, a ``compare`` folder or a
    :class:`~sim.runs.batch.BatchResult` returned by :func:`sim.runs.batch.run_batch`.

    Raises
    ------
    ScenarioError
        For a source that is not a folder, a folder that is not a finished
        batch (one line, as the CLI); in ``run_file`` and ``plot``, for any
        argument that is not allowed, naming it.
    """

    def __init__(self, source):
        from . import load_results

        name = "source.out" if hasattr(source, "out") else "source"
        self.folder = check_folder("sim.Batch", name, getattr(source, "out", source))
        self.results = load_results(self.folder)

    @classmethod
    def run_file(cls, batch_file: str | Path, out: str | Path, workers: int | None = None,
                 resume: bool = True, progress: bool = False) -> "Batch":
        """Run a batch file into folder ``out`` (resuming what is there) and load it."""
        from ..runs.batchfile import load_batch
        from ..runs.design import build_design
        from ..runs.plan import plan_runs

        where = "sim.Batch.run_file"
        batch_file = check_path(where, "batch_file", batch_file, "a batch file path (str or Path)")
        out = check_out_folder(where, "out", out)
        _check_workers(where, workers)
        check_flag(where, "resume", resume)
        check_flag(where, "progress", progress)
        spec = load_batch(batch_file)
        bases = plan_runs(spec, build_design(spec)).bases
        said = _SaidOnce()
        try:
            return cls(_run_batch_saying_once(spec, out, bases, said, workers=workers,
                                              resume=resume, progress=progress))
        finally:
            said.emit()

    def _loaded(self):
        """The results (a batch is loaded when made)."""
        return self.results

    @property
    def params(self) -> list[str]:
        """The design's parameters (dotted scenario keys), empty without a design."""
        results = self._loaded()
        return list(results.design.get("keys", []) or []) if results.has_design else []

    @property
    def runs(self) -> pd.DataFrame:
        """One row per run: scenario, point, replication, seed, parameters, summary measures."""
        return self._loaded().runs

    @property
    def timeseries(self) -> pd.DataFrame:
        """Tidy time series of every run (see :func:`tidy_timeseries`), parameters merged in."""
        return tidy_timeseries(self._loaded().timeseries, self._loaded().runs, self.params)

    def summary(self) -> pd.DataFrame:
        """Medians and 10-90% ranges across replications: one row per scenario, and per
        design point when the batch has a design (its parameters as columns)."""
        from .stats import summary_table

        runs, ts = self._loaded().runs, self._loaded().timeseries
        if not self.params:
            return summary_table(runs, self._loaded().scenarios, ts)
        parts = []
        for point, group in runs.groupby("point", sort=True):
            table = summary_table(group, self._loaded().scenarios,
                                  ts[ts["run"].isin(group["run"])])
            for key in self.params:
                table.insert(1, key, group[key].iloc[0])
            table.insert(1, "point", point)
            parts.append(table)
        return pd.concat(parts, ignore_index=True)

    def plot(self, chart: str = "awareness", size: str = "page", measure: str | None = None):
        """A chart of the report (:data:`sim.reporting.charts.CHART_STEMS`); for a batch with
        a design also ``"response"``: how ``measure`` (default: hours to 50% of affected
        customers) responds to the design's parameters."""
        where = f"sim.{type(self).__name__}.plot"
        _check_chart(where, chart, size, (*CHARTS, "response"))
        results = self._loaded()
        if chart == "response":
            from . import sweeps
            from .stats import BY_KEY

            measure = "hours_to_50pct_affected" if measure is None else measure
            check_choice(where, "measure", measure, tuple(BY_KEY))
            if not self.params:
                raise ScenarioError(where, "chart", "'response' needs a batch with a design ([grid] or "
                                                    "[sample]); this batch has no design: no response to draw")
            return _shown_in_notebooks(sweeps.response_chart(self.runs, results.scenarios, self.params,
                                                             measure, size))
        return _chart(results, chart, size)

    def _repr_html_(self) -> str:
        from .scenarios import key_label

        table = self.summary()
        short = self.results.short
        header = [short.get(n, str(n)) + "".join(f", {key_label(k)} = {row[k]:g}" for k in self.params)
                  for n, (_, row) in zip(table["scenario"], table.iterrows())]
        rows = [(words, [_fmt(key, v) for v in table[f"{key}_median"]]) for key, words in SHOWN
                if f"{key}_median" in table]
        what = type(self).__name__
        params = f"; parameters: {', '.join(self.params)}" if self.params else ""
        where = f"in {self.folder}" if self.folder is not None else "(in memory)"
        return (f"<p><b>{what}</b> {html.escape(where)}: {len(self.runs):,} runs"
                f"{html.escape(params)}. Medians across replications:</p>"
                + _table_html(rows, header))

    def __repr__(self) -> str:
        where = repr(str(self.folder)) if self.folder is not None else "in memory"
        return f"{type(self).__name__}({where}; {len(self.runs):,} runs)"


def _check_workers(where: str, workers: Any) -> None:
    """None (one per core) or a whole number of local worker processes."""
    if workers is not None:
        check_whole(where, "workers", workers, 1, MAX_WORKERS)


def _scenario_paths(where: str, scenarios: Any) -> list[Path]:
    """The compared scenarios as paths: a non-empty list of files or bundled names."""
    allowed = 'a non-empty list of scenario files or bundled names, e.g. ["optus_2022", "direct_first"]'
    if isinstance(scenarios, (str, bytes, Mapping)) or not isinstance(scenarios, Sequence) or not scenarios:
        refuse(where, "scenarios", scenarios, allowed)
    paths = [find_scenario(check_path(where, f"scenarios[{i}]", s, allowed)) for i, s in enumerate(scenarios)]
    for i, path in enumerate(paths):
        check_regular_file(path, f"scenarios[{i}]", "a scenario file")
    return paths


class Comparison(Batch):
    """Scenarios compared over the same replications (the ``compare`` command's runs).

    ``Comparison(scenarios, reps, seed, overrides, engine)`` describes it;
    :meth:`run` runs it (reusing finished runs of the same folder) and loads
    it; ``Comparison.load(folder)`` opens a finished ``compare`` folder.
    The first scenario is the baseline. As ``compare``, it runs
    :data:`sim.reporting.compare.DEFAULT_PEOPLE` agents per run unless ``overrides``
    set ``population.size``, so its figures are the report's.

    Raises
    ------
    ScenarioError
        For scenarios that are not a non-empty list of files or bundled names,
        ``reps`` outside 1-100,000 (or too many runs in all), a seed outside
        0 to 2**63 - 1, bad overrides or engine; ``run``, ``report``,
        ``summary`` and ``plot`` before the comparison has run.
    """

    def __init__(self, scenarios: Sequence[str | Path], reps: int = 20, seed: int = DEFAULT_SEED,
                 overrides: Mapping[str, Any] | None = None, engine: str = DEFAULT_ENGINE):
        from .compare import DEFAULT_PEOPLE, MAX_REPLICATIONS, compare_spec

        where = "sim.Comparison"
        self.files = _scenario_paths(where, scenarios)
        reps = check_whole(where, "reps", reps, 1, MAX_REPLICATIONS)
        seed = check_seed(where, seed)
        overrides = {"population.size": DEFAULT_PEOPLE, **check_overrides(where, overrides)}
        self.spec = compare_spec(self.files, reps, seed, overrides, check_engine(where, engine))
        self.results = None
        self.folder = None

    @classmethod
    def load(cls, folder: str | Path) -> "Comparison":
        """A finished comparison (a ``compare`` output folder, or its ``batch`` folder)."""
        self = cls.__new__(cls)
        Batch.__init__(self, check_folder("sim.Comparison.load", "folder", folder))
        return self

    def run(self, out: str | Path | None = None, workers: int | None = None,
            progress: bool = False) -> "Comparison":
        """Run every scenario ``reps`` times into ``out`` and load the runs.

        Without ``out`` the runs go to a temporary folder, removed as soon as they
        are loaded (also when the run fails or is interrupted): the results stay
        in memory, :attr:`folder` is None, and :meth:`report` needs an ``out``.
        """
        where = "sim.Comparison.run"
        if out is not None:
            out = check_out_folder(where, "out", out)
        _check_workers(where, workers)
        check_flag(where, "progress", progress)
        said = _SaidOnce()
        try:
            if out is not None:
                self.results = self._run_into(Path(out), workers, progress, said)
                self.folder = Path(out)
                return self
            with tempfile.TemporaryDirectory(prefix="breachsim-") as temporary:
                results = self._run_into(Path(temporary) / "compare", workers, progress, said)
            self.results, self.folder = dataclasses.replace(results, folder=None), None
            return self
        finally:
            said.emit()

    def _run_into(self, out: Path, workers: int | None, progress: bool, said: _SaidOnce):
        """Run the comparison's batch in ``out/batch`` and load it."""
        from ..runs.files import claim_folder
        from . import load_results

        claim_folder(out, "compare")
        bases = [load_scenario(f, self.spec.overrides) for f in self.files]
        _run_batch_saying_once(self.spec, out / "batch", bases, said, workers=workers, resume=True,
                               progress=progress, reuse_any=True)
        return load_results(out)

    def report(self, out: str | Path | None = None, pdf: bool = False):
        """Write the client report (as ``compare`` does) into ``out`` (default: the run folder)."""
        from . import write_report

        results = self._loaded()
        where = "sim.Comparison.report"
        if out is None and self.folder is None:
            raise ScenarioError(where, "out", "this comparison ran in a temporary folder, removed once "
                                              "its runs were loaded; allowed: the folder to write the "
                                              "report into, e.g. cmp.report(\"out/client\")")
        out = self.folder if out is None else check_out_folder(where, "out", out)
        return write_report(results, out, pdf=check_flag(where, "pdf", pdf))

    def _loaded(self):
        """The results, or ScenarioError if the comparison has not run."""
        if self.results is None:
            raise ScenarioError("sim.Comparison", "", "has not run yet; call .run() first "
                                                      "(or sim.Comparison.load(folder) for a finished one)")
        return self.results

    def _repr_html_(self) -> str:
        if self.results is None:
            names = ", ".join(html.escape(Path(f).stem) for f in self.files)
            return (f"<p><b>Comparison</b> of {names}, {self.spec.replications} replications "
                    "each: not run yet (<code>.run()</code>).</p>")
        return super()._repr_html_()

    def __repr__(self) -> str:
        if self.results is None:
            return f"Comparison({[Path(f).stem for f in self.files]}; not run)"
        return super().__repr__()
