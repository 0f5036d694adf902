"""The command line of reporting: the ``report`` command, the report options of
``compare`` and what both print.

Registered in :mod:`sim.cli.main` with one line each; user errors raise
:class:`~sim.errors.ScenarioError` (one line, exit status 2).
"""

from __future__ import annotations

import argparse
from contextlib import ExitStack
from pathlib import Path

from ..runs.files import FolderLock, check_claimable, folder_kind
from ..reporting.config import ReportOptions, load_report_config

__all__ = ["add_report_options", "add_report_parser", "options_from_args", "command_report",
           "print_report"]


def add_report_options(p: argparse.ArgumentParser) -> None:
    """``--title --client --author --logo --template --optimisation --pdf --report-config``."""
    g = p.add_argument_group("report")
    g.add_argument("--title", default=None, help="report title (default: the question the charts answer)")
    g.add_argument("--client", default=None, help="client name, on the cover and every page")
    g.add_argument("--author", default=None, help="author, on the cover")
    g.add_argument("--logo", type=Path, default=None, metavar="FILE", help="logo for the cover (PNG, JPEG or SVG)")
    g.add_argument("--template", type=Path, default=None, metavar="DIR",
                   help="folder with your own report.html.j2 and/or report.css (see the README)")
    g.add_argument("--optimisation", type=Path, default=None, metavar="DIR",
                   help="folder of `breachsim optimise` (its optimise.json): quoted in a section of the report")
    g.add_argument("--report-config", type=Path, default=None, metavar="FILE",
                   help="TOML file with a [report] table: title, client, author, version, date, logo, "
                        "template, robustness, sensitivity, optimisation")
    g.add_argument("--pdf", action="store_true", help="also write report.pdf")


def options_from_args(args) -> ReportOptions:
    """Report options: the ``--report-config`` file, then the command-line options over it."""
    base = load_report_config(args.report_config) if args.report_config else ReportOptions()
    return base.merged(title=args.title, client=args.client, author=args.author,
                       logo=args.logo.resolve() if args.logo else None,
                       template=args.template.resolve() if args.template else None,
                       optimisation=args.optimisation.resolve() if args.optimisation else None)


def add_report_parser(sub) -> None:
    """The ``report DIR`` subcommand."""
    p = sub.add_parser("report", help="write the client report of a finished compare or batch folder",
                       description="Write the client report (charts, summary tables, report.html and, "
                                   "with --pdf, report.pdf) from a finished compare folder or batch folder.")
    p.add_argument("folder", type=Path, help="a compare folder (out/compare) or a batch folder")
    p.add_argument("--out", type=Path, default=None,
                   help="where to write (default: the compare folder itself, or DIR/report for a batch)")
    p.add_argument("--cohorts", choices=("affected", "everyone"), default="affected",
                   help="cohort chart over affected customers (default) or everyone")
    p.add_argument("--robustness", type=Path, default=None, metavar="CSV",
                   help="robustness.csv of `robustness` for these scenarios, quoted in the report")
    p.add_argument("--sensitivity", type=Path, default=None, metavar="CSV",
                   help="sensitivity.csv of `sensitivity` for these scenarios, quoted in the report")
    p.add_argument("--quiet", action="store_true", help="print only where the report is")
    add_report_options(p)


def command_report(args) -> int:
    """Write the report of ``args.folder``; print its headline and where it is."""
    from ..reporting.build import write_report
    from ..reporting.results import load_results

    from ..reporting.results import batch_folder

    folder = args.folder
    batch_folder(folder)                 # a file, a run folder, ...: named as what it is
    is_batch = (folder / "manifest.json").is_file()
    out = args.out or (folder / "report" if is_batch else folder)
    check_claimable(out, "report", accept=("compare",))
    options = options_from_args(args).merged(
        robustness=args.robustness.resolve() if args.robustness else None,
        sensitivity=args.sensitivity.resolve() if args.sensitivity else None)
    with ExitStack() as held:     # no batch or compare may change the folder while we report it
        for place in _folders_to_lock(folder, out):
            held.enter_context(FolderLock(place, "report"))
        results = load_results(folder)
        report = write_report(results, out, options, pdf=args.pdf, cohorts=args.cohorts)
    print_report(report, quiet=args.quiet)
    return 0


def _folders_to_lock(folder: Path, out: Path) -> list[Path]:
    """The folders ``report`` reads from and writes to that are breachsim's own."""
    places = [p for p in (folder, folder / "batch") if folder_kind(p) in ("batch", "compare")]
    if folder_kind(out) is not None and out.resolve() not in {p.resolve() for p in places}:
        places.append(out)
    return places


def print_report(report, quiet: bool = False) -> None:
    """The headline table, the executive summary and the files written."""
    if not quiet:
        print(report.headline_text())
        print()
        for bullet in report.bullets:
            print(f"- {bullet}")
        if report.sensitivity_warning:
            print(f"warning: {report.sensitivity_warning}")
        print()
    html = next((p for p in report.files if p.name == "report.html"), None)
    pdf = next((p for p in report.files if p.name == "report.pdf"), None)
    print(f"report: {html}" + (f" and {pdf.name}" if pdf else "") + "  (charts, summary.csv and summary.md beside it)")
