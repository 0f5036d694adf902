"""Reports and charts for clients, from a comparison or a batch.

From the command line: ``python run.py compare ...`` writes the report with
the runs; ``python run.py report DIR`` (re)writes it from a finished
``compare`` or batch folder (``--pdf`` for a PDF, ``--title``, ``--client``,
``--author``, ``--logo``, ``--template``, ``--report-config``).

From Python (a notebook draws the same figures as the report)::

    from sim.reporting import load_results, charts, write_report

    results = load_results("out/compare")          # or a batch folder
    fig = charts.awareness_chart(results.runs, results.timeseries, results.scenarios)
    fig.savefig("awareness.png")                   # or display `fig` in the notebook
    figs = charts.all_charts(results.runs, results.timeseries, results.scenarios, size="page")
    report = write_report(results, "out/client", pdf=True)

Tables already in memory (e.g. ``pd.read_parquet("runs.parquet")``) go through
:func:`results_from_frames`. The modules, from the bottom up:

- :mod:`.text`: formatting of hours, shares, people; short names; one wording for "not reached";
- :mod:`.stats`: quantiles across runs, per-step bands, the summary table, paired differences, sweep responses;
- :mod:`.scenarios`: what each plan is, in plain words, from its resolved scenario; channel timelines;
- :mod:`.notes`: assumptions and calibration sources from the comments of scenario files;
- :mod:`.findings`: titles, the executive summary, the uncertainty statement;
- :mod:`.style`, :mod:`.charts`, :mod:`.sweeps`, :mod:`.sensitivity_chart`: drawing;
- :mod:`.results`: reading a folder; :mod:`.build`: computing and writing the report;
- :mod:`.html`, :mod:`.pdf`, ``templates/``: the page; :mod:`.config`: cover details;
- :mod:`.cli`: the ``report`` command and the report options of ``compare``;
- :mod:`.tables`, :mod:`.entry`: the checks of the tables and arguments given
  to these functions (a wrong one is one :class:`~sim.errors.ScenarioError`
  naming the argument, table and column, never an error from deep inside).
"""

import importlib

__all__ = ["charts", "sweeps", "Report", "build_report", "write_report", "ReportOptions",
           "load_report_config", "Results", "load_results", "results_from_frames", "ScenarioInfo"]

#: Where each public name lives; imported on first use, so that the command line
#: can register the ``report`` command without loading matplotlib. The functions
#: come through :mod:`.entry`, which checks their arguments first.
_HOME = {"charts": ".charts", "sweeps": ".sweeps", "Report": ".build", "build_report": ".entry",
         "write_report": ".entry", "ReportOptions": ".config", "load_report_config": ".entry",
         "Results": ".results", "load_results": ".entry", "results_from_frames": ".entry",
         "ScenarioInfo": ".scenarios"}


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(_HOME[name], __name__)
    return module if _HOME[name].endswith(name) else getattr(module, name)


def __dir__():
    return sorted(__all__)
