"""The reading and report functions of :mod:`sim.reporting`, their arguments checked first.

``sim.reporting.load_results``, ``results_from_frames``, ``build_report``,
``write_report`` and ``load_report_config`` are the functions of
:mod:`.results`, :mod:`.build` and :mod:`.config`, called once their
arguments are checked (:mod:`sim.config.arguments`, :mod:`.tables`): a wrong type,
a missing folder, an out path that is a file or a table of the wrong shape is
one :class:`~sim.errors.ScenarioError` naming the argument, before anything
is read or written. The checks never change what the functions return.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from ..config.arguments import check_flag, check_folder, check_out_folder, check_path, refuse
from . import checks, tables

__all__ = ["load_results", "results_from_frames", "build_report", "write_report", "load_report_config"]

#: Columns every time series needs (as :func:`.results.load_results` reads them).
SERIES_COLUMNS = ("aware_affected",)


def load_results(folder: str | Path, scenarios: Sequence[Any] | None = None):
    """The results of a ``compare`` or batch folder: :func:`sim.reporting.results.load_results`.

    ``folder`` must be an existing folder; ``scenarios`` None or a list of
    resolved :class:`sim.Scenario` (or ScenarioInfo) in batch order.
    """
    from . import results

    check_folder("load_results", "folder", folder)
    checks.check_scenarios("load_results", scenarios, resolved=True)
    return results.load_results(folder, scenarios)


def results_from_frames(runs, timeseries, scenarios: Sequence[Any] | None = None,
                        manifest: dict | None = None, folder: str | Path | None = None):
    """Results from tables in memory: :func:`sim.reporting.results.results_from_frames`.

    ``runs`` and ``timeseries`` must be DataFrames of the batch's shape (see
    :mod:`.tables`), ``scenarios`` None or a list of :class:`sim.Scenario` or
    ScenarioInfo, ``manifest`` None or a dict, ``folder`` None or a path.
    """
    from . import results

    where = "results_from_frames"
    tables.check_runs(where, runs, results.RUN_COLUMNS)
    tables.check_timeseries(where, timeseries, runs, SERIES_COLUMNS)
    checks.check_scenarios(where, scenarios, resolved=True)
    tables.check_manifest(where, manifest)
    if folder is not None:
        check_path(where, "folder", folder)
    return results.results_from_frames(runs, timeseries, scenarios, manifest, folder)


def _check_report_arguments(where: str, results, options, cohorts) -> None:
    from .config import ReportOptions

    checks.check_results(where, results)
    if options is not None and not isinstance(options, ReportOptions):
        refuse(where, "options", options, "None or a ReportOptions (sim.reporting.load_report_config)")
    tables.check_basis(where, "cohorts", cohorts)


def build_report(results, options=None, cohorts: str = "affected"):
    """The report, computed (nothing written): :func:`sim.reporting.build.build_report`."""
    from . import build

    _check_report_arguments("build_report", results, options, cohorts)
    return build.build_report(results, options, cohorts)


def write_report(results, out_dir: str | Path, options=None, pdf: bool = False, cohorts: str = "affected"):
    """Build the report and write it into ``out_dir``: :func:`sim.reporting.build.write_report`.

    ``out_dir`` must be a new or existing folder (not a file), ``pdf`` True or False.
    """
    from . import build

    where = "write_report"
    _check_report_arguments(where, results, options, cohorts)
    check_out_folder(where, "out_dir", out_dir)
    check_flag(where, "pdf", pdf)
    return build.write_report(results, out_dir, options, pdf=pdf, cohorts=cohorts)


def load_report_config(path: str | Path):
    """Cover details from a TOML file's ``[report]`` table: :func:`sim.reporting.config.load_report_config`."""
    from . import config

    from ..config.readers import check_regular_file

    check_regular_file(check_path("load_report_config", "path", path, "a TOML file path (str or Path)"),
                       "", "a report config (TOML)")
    return config.load_report_config(path)
