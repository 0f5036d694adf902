"""The command line: ``breachsim [COMMAND] ...`` (also ``python run.py`` and
``python -m sim``).

User errors (bad scenario files, bad options) print one line on stderr and
exit with status 2, without a traceback; faults of the machine (a full disk, a
read-only folder, a lost Dask cluster) one line and status 1; Ctrl-C, SIGTERM
and SIGHUP one line saying what was kept and status 128 + the signal number
(130, 143, 129).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from ..version import __version__
from ..reporting import dashboard
from . import report as report_cli
from ..runs.batch import Interrupted
from ..config.bundled import find_scenario, main_job_files
from . import calibrate as calibration_command
from . import optimise as optimise_command
from . import robustness
from ..errors import ScenarioError
from ..reporting.text import fmt_hours, fmt_pct, fmt_people, fmt_trust
from ..config.scenario import load_scenario, parse_override
from ..model.simulate import SimulationResult, simulate
from .options import add_engine_option

#: Exit status after Ctrl-C (128 + SIGINT), as shells report it.
INTERRUPTED = 130


def headline(result: SimulationResult) -> str:
    """The figures printed after a run (the report's words for hours and shares)."""
    s = result.summary
    people = s["affected_agents"] * s["people_per_agent"]
    return "\n".join([
        f"scenario: {result.scenario.name} (seed {result.seed}, {s['agents']:,} agents "
        f"standing for {s['people_per_agent']:,.0f} people each)",
        f"  affected customers:                 {fmt_people(people)} people",
        f"  time until 50% of affected aware:   {fmt_hours(s['hours_to_50pct_affected'])}",
        f"  time until 90% of affected aware:   {fmt_hours(s['hours_to_90pct_affected'])}",
        f"  affected still unaware at 24 h:     {fmt_pct(s['unaware_affected_share_24h'], 1)}",
        f"  affected still unaware at 72 h:     {fmt_pct(s['unaware_affected_share_72h'], 1)}",
        f"  affected who heard first from the company: "
        f"{fmt_pct(s['share_affected_first_from_company'], 1)}",
        f"  company trust of affected (0 = none, 1 = full): "
        f"{fmt_trust(s['initial_company_trust_affected'])} at start, "
        f"{fmt_trust(s['final_company_trust_affected'])} at end",
    ])


def _run_parser(sub) -> None:
    p = sub.add_parser("run", help="run one scenario once and write its outputs",
                       description="Run one scenario once; write timeseries.csv, summary.json, "
                                   "manifest.json and awareness.png to --out (as one unit). "
                                   "Or run a recorded run again exactly: --from-manifest, or "
                                   "--from-batch with --run.")
    p.add_argument("scenario", nargs="?", default=None,
                   help="scenario TOML file, or the name of a bundled one (e.g. optus_2022)")
    p.add_argument("--from-manifest", type=Path, default=None, metavar="MANIFEST",
                   help="re-run the run recorded in this manifest.json (of a run's --out)")
    p.add_argument("--from-batch", type=Path, default=None, metavar="DIR",
                   help="re-run one run of the batch folder DIR (with --run KEY)")
    p.add_argument("--run", dest="run_key", default=None, metavar="KEY",
                   help="the run of --from-batch, e.g. s01-p00000-r0003 (see its manifest.json)")
    p.add_argument("--seed", type=int, default=None, help="seed of the run (default 1)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a scenario key, e.g. --set population.size=5000 (repeatable)")
    p.add_argument("--out", type=Path, default=None,
                   help="output folder (default out/<scenario file name>)")
    add_engine_option(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _batch_parser(sub) -> None:
    p = sub.add_parser("batch", help="run a batch file: replications, sweeps, samples",
                       description="Run every run of a batch file (scenarios x design points x "
                                   "replications), in parallel, into --out; resumable.")
    p.add_argument("batch", type=Path, help="batch TOML file")
    p.add_argument("--out", type=Path, required=True, help="batch folder")
    p.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="run on this Dask scheduler (default: $DASK_SCHEDULER_ADDRESS if set)")
    p.add_argument("--resume", action="store_true",
                   help="keep the finished runs of --out that the batch still holds, run the rest")
    p.add_argument("--no-shared-files", dest="send_results", action="store_true",
                   help="with --scheduler: workers send results back through Dask instead of "
                        "writing them into --out (for workers that cannot see --out)")
    _add_parallel_options(p)


def _add_parallel_options(p) -> None:
    """--workers and --quiet, shared by the commands that run batches."""
    p.add_argument("--workers", type=int, default=None,
                   help="local worker processes (default: number of cores)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _compare_parser(sub) -> None:
    from ..reporting.compare import DEFAULT_PEOPLE, DEFAULT_REPLICATIONS, DEFAULT_SEED

    p = sub.add_parser("compare", help="compare scenarios over many runs: charts and a client report",
                       description="Run each scenario --reps times (same seeds for every "
                                   "scenario) and write charts, summary tables and report.html "
                                   "to --out.")
    p.add_argument("scenarios", nargs="+",
                   help="scenario TOML files or bundled names (first = baseline)")
    p.add_argument("--reps", type=int, default=DEFAULT_REPLICATIONS,
                   help=f"replications per scenario (default {DEFAULT_REPLICATIONS})")
    p.add_argument("--out", type=Path, default=Path("out") / "compare", help="output folder")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="base seed of the batch")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help=f"override a key in every scenario (default population.size={DEFAULT_PEOPLE})")
    add_engine_option(p)
    p.add_argument("--posterior", type=Path, default=None, metavar="POSTERIOR.csv",
                   help="draw one parameter set per replication from a calibration's posterior.csv")
    _add_parallel_options(p)
    report_cli.add_report_options(p)


def _sensitivity_parser(sub) -> None:
    p = sub.add_parser("sensitivity", help="Sobol or Morris indices of a finished batch",
                       description="Compute Sobol (first, total order) or Morris indices with "
                                   "SALib for each summary measure of a batch run with a sobol "
                                   "or morris [sample]; writes sensitivity.csv and sensitivity.png.")
    p.add_argument("batch_dir", type=Path, help="folder of a finished batch")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="breachsim",
        description="breachsim: how news of a customer data breach spreads. "
                    "With no command, compares the four bundled scenarios and writes a "
                    "client report to out/compare/.")
    parser.add_argument("--version", action="version", version=f"breachsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _run_parser(sub)
    _batch_parser(sub)
    _compare_parser(sub)
    _sensitivity_parser(sub)
    report_cli.add_report_parser(sub)
    dashboard.add_parser(sub)
    calibration_command.add_parser(sub)
    robustness.add_parser(sub)
    optimise_command.add_parser(sub)
    return parser


def command_batch(args) -> int:
    from ..runs.batch import run_batch

    result = run_batch(args.batch, args.out, workers=args.workers, scheduler=args.scheduler,
                       resume=args.resume, progress=not args.quiet, send_results=args.send_results,
                       say=_say)
    if result.runs_path is None:
        print(f"0 of {result.total} runs done, {result.failed} failed (first error: "
              f"{result.first_error}); see {result.out / 'manifest.json'}")
        return 1
    print(f"{result.done} of {result.total} runs done, {result.failed} failed; "
          f"results in {result.out} (runs.parquet, timeseries.parquet, manifest.json)")
    return 0 if result.ok else 1


def command_compare(args) -> int:
    from ..reporting.compare import DEFAULT_PEOPLE, compare

    overrides = {"population.size": DEFAULT_PEOPLE}
    overrides.update(parse_override(text) for text in args.overrides)
    _check_seed(args.seed)
    files = [find_scenario(name) for name in args.scenarios]
    options = report_cli.options_from_args(args)
    try:
        result, report = compare(files, args.out, replications=args.reps, seed=args.seed,
                                 overrides=overrides, workers=args.workers,
                                 progress=not args.quiet, engine=args.engine, say=_say,
                                 posterior=args.posterior,
                                 report_options=options, pdf=args.pdf)
    except Interrupted as stop:
        stop.hint = "run the same command again to finish (finished runs are reused)"
        raise
    print(f"{result.done} of {result.total} runs done, {result.failed} failed")
    report_cli.print_report(report)
    return 0 if result.ok else 1


def command_sensitivity(args) -> int:
    from ..analysis.sensitivity import run_sensitivity

    from ..reporting.sensitivity_chart import write_sensitivity_chart

    written = run_sensitivity(args.batch_dir, write_sensitivity_chart)
    print(f"sensitivity indices: {', '.join(str(p) for p in written)}")
    return 0


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _check_seed(seed) -> None:
    if seed is not None and not 0 <= seed < 2**63:
        raise ScenarioError("--seed", "", f"got {seed}; allowed: a whole number from 0 to 2**63 - 1")


def _replay(args):
    """The scenario, seed and engine of a recorded run (--from-manifest / --from-batch)."""
    from ..reporting.run_outputs import run_from_batch, run_from_manifest

    if args.scenario or args.overrides or args.seed is not None:
        raise ScenarioError("--from-manifest" if args.from_manifest else "--from-batch", "",
                            "re-runs a recorded run exactly: give no scenario, --set or --seed")
    if args.from_manifest and args.from_batch:
        raise ScenarioError("--from-manifest", "", "give --from-manifest or --from-batch, not both")
    if args.from_batch:
        if not args.run_key:
            raise ScenarioError("--from-batch", "", "needs --run KEY (a run of the batch, "
                                                    "e.g. s00-p00000-r0000)")
        replay = run_from_batch(args.from_batch, args.run_key)
        name = None if args.out else _default_out_name(
            f"{args.from_batch.resolve().name}-{args.run_key}", "--run")
    else:
        replay = run_from_manifest(args.from_manifest)
        folder = Path(args.from_manifest).resolve()
        folder = folder if folder.is_dir() else folder.parent
        name = None if args.out else _default_out_name(f"{folder.name}-again", "--from-manifest")
    if replay.warning:
        _say(replay.warning)
    return replay.scenario, replay.seed, replay.engine, name


def _default_out_name(name: str, source: str) -> str:
    """``name`` as the folder under out/ when --out is not given (checked: never a path)."""
    from ..runs.files import safe_name

    return safe_name(name, source, "default --out")


def command_run(args) -> int:
    from ..reporting.run_outputs import check_out_folder, write_run

    if args.from_manifest or args.from_batch:
        scenario, seed, engine, name = _replay(args)
    elif args.run_key:
        raise ScenarioError("--run", "", "only with --from-batch DIR")
    elif not args.scenario:
        raise ScenarioError("run", "", "give a scenario file (or --from-manifest / --from-batch)")
    else:
        _check_seed(args.seed)
        path = find_scenario(args.scenario)
        scenario = load_scenario(path, dict(parse_override(text) for text in args.overrides))
        seed, engine = (1 if args.seed is None else args.seed), args.engine
        name = None if args.out else _default_out_name(path.stem, "scenario")
    out = args.out or Path("out") / name
    check_out_folder(out)
    from ..runs.notices import check_step_lengths

    check_step_lengths([scenario], _error_line, seed=seed)    # before the run, on stderr
    result = simulate(scenario, seed=seed, engine=engine, progress=not args.quiet)
    written = write_run(result, out)
    print(headline(result))
    print(f"outputs: {', '.join(str(p) for p in written)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return its exit status.

    0 done; 1 a run failed or the machine stopped the command (a full disk, a
    read-only folder, a lost Dask cluster: one line saying what is kept and how
    to continue); 2 a user error (one line); 130 Ctrl-C, 128 + N for SIGTERM
    (143) and SIGHUP (129), which stop a command the way Ctrl-C does.
    """
    from ..runs.batch import ClusterLost
    from ..runs.faults import cluster_line, exit_status, fault_line, stop_on_signals, stopped_line
    from ..runs.notices import said_once

    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        argv = ["compare", *map(str, main_job_files()), "--out", "out/compare", "--pdf"]
        print("comparing the four bundled scenarios (Optus 2022 and the three lessons) ...")
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    commands = {"run": command_run, "batch": command_batch, "compare": command_compare,
                "sensitivity": command_sensitivity,
                "calibrate": calibration_command.command,
                "robustness": robustness.command, "dashboard": dashboard.command,
                "optimise": optimise_command.command, "optimize": optimise_command.command,
                "report": report_cli.command_report}
    with warnings.catch_warnings(), stop_on_signals() as stopped, said_once():
        _warnings_as_lines()
        try:
            return commands[args.command](args)
        except ScenarioError as err:
            _error_line(err.line())
            return 2
        except Interrupted as stop:
            _error_line(stopped_line(stop.line(), stopped))
            return exit_status(stopped, INTERRUPTED)
        except KeyboardInterrupt:
            _error_line(stopped_line("interrupted", stopped))
            return exit_status(stopped, INTERRUPTED)
        except ClusterLost as lost:
            _error_line(cluster_line(lost, args.command, _output_folder(args)))
            return 1
        except OSError as err:
            _error_line(fault_line(err, args.command, _output_folder(args)))
            return 1


def _error_line(line: str) -> None:
    """Print ``line`` on stderr; a closed terminal (after SIGHUP) is not an error."""
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def _output_folder(args) -> Path | None:
    """The folder the command was writing into, where the options tell it."""
    out = getattr(args, "out", None)
    if args.command == "report":
        return out or args.folder
    if args.command == "sensitivity":
        return args.batch_dir
    if args.command == "calibrate" and out is None:
        return Path("out") / "calibrate" / Path(args.scenario).stem
    if args.command == "run" and out is None:
        return Path("out")
    return out


def _warnings_as_lines() -> None:
    """How the command line treats warnings (whatever the filters of the process that
    calls :func:`main`): each kind said once as one ``warning:`` line; deprecations of
    the libraries underneath are not the user's business and are not shown."""
    warnings.resetwarnings()
    warnings.simplefilter("default")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=PendingDeprecationWarning)
    warnings.showwarning = _one_line_warning


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings on the command line: one line each, no source location, each kind once."""
    from ..runs.notices import one_line_warning

    one_line_warning(message, category, filename, lineno, file, line)
