"""The command line: ``python run.py [COMMAND] ...``.

User errors (bad scenario files, bad options) print one line on stderr and
exit with status 2, without a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import ScenarioError
from .scenario import load_scenario, parse_override
from .simulate import ENGINES, SimulationResult, simulate

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCENARIO = ROOT / "scenarios" / "optus_2022.toml"
BUNDLED = [ROOT / "scenarios" / f"{name}.toml"
           for name in ("optus_2022", "direct_first", "trusted_channels", "word_of_mouth")]


def _fmt_hours(value) -> str:
    return "never" if value is None else f"{value:.0f} h ({value / 24:.1f} days)"


def _fmt_share(value) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def headline(result: SimulationResult) -> str:
    """The figures printed after a run."""
    s = result.summary
    people = s["affected_agents"] * s["people_per_agent"]
    return "\n".join([
        f"scenario: {result.scenario.name} (seed {result.seed}, {s['agents']:,} agents "
        f"standing for {s['people_per_agent']:,.0f} people each)",
        f"  affected customers:                 {people / 1e6:.2f} M people",
        f"  time until 50% of affected aware:   {_fmt_hours(s['hours_to_50pct_affected'])}",
        f"  time until 90% of affected aware:   {_fmt_hours(s['hours_to_90pct_affected'])}",
        f"  affected still unaware at 24 h:     {_fmt_share(s['unaware_affected_share_24h'])}",
        f"  affected still unaware at 72 h:     {_fmt_share(s['unaware_affected_share_72h'])}",
        f"  affected who heard first from the company: "
        f"{_fmt_share(s['share_affected_first_from_company'])}",
        f"  company trust of affected: {s['initial_company_trust_affected']:.3f} at start, "
        f"{s['final_company_trust_affected']:.3f} at end",
    ])


def _run_parser(sub) -> None:
    p = sub.add_parser("run", help="run one scenario once and write its outputs",
                       description="Run one scenario once; write timeseries.csv, summary.json, "
                                   "manifest.json and awareness.png to --out.")
    p.add_argument("scenario", type=Path, help="scenario TOML file")
    p.add_argument("--seed", type=int, default=1, help="seed of the run (default 1)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a scenario key, e.g. --set population.size=5000 (repeatable)")
    p.add_argument("--out", type=Path, default=None,
                   help="output folder (default out/<scenario file name>)")
    p.add_argument("--engine", choices=ENGINES, default="fast",
                   help="simulation engine: fast (arrays, default) or agents (Mesa, one object per person)")
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
                   help="skip runs already complete in --out, run the rest")
    _add_parallel_options(p)


def _add_parallel_options(p) -> None:
    """--workers and --quiet, shared by the commands that run batches."""
    p.add_argument("--workers", type=int, default=None,
                   help="local worker processes (default: number of cores)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _compare_parser(sub) -> None:
    from .compare import DEFAULT_PEOPLE, DEFAULT_REPLICATIONS, DEFAULT_SEED

    p = sub.add_parser("compare", help="compare scenarios over many runs: charts and a client report",
                       description="Run each scenario --reps times (same seeds for every "
                                   "scenario) and write charts, summary tables and report.html "
                                   "to --out.")
    p.add_argument("scenarios", type=Path, nargs="+", help="scenario TOML files (first = baseline)")
    p.add_argument("--reps", type=int, default=DEFAULT_REPLICATIONS,
                   help=f"replications per scenario (default {DEFAULT_REPLICATIONS})")
    p.add_argument("--out", type=Path, default=Path("out") / "compare", help="output folder")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="base seed of the batch")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help=f"override a key in every scenario (default population.size={DEFAULT_PEOPLE})")
    p.add_argument("--engine", choices=ENGINES, default="fast", help="simulation engine")
    _add_parallel_options(p)


def _sensitivity_parser(sub) -> None:
    p = sub.add_parser("sensitivity", help="Sobol or Morris indices of a finished batch",
                       description="Compute Sobol (first, total order) or Morris indices with "
                                   "SALib for each summary measure of a batch run with a sobol "
                                   "or morris [sample]; writes sensitivity.csv and sensitivity.png.")
    p.add_argument("batch_dir", type=Path, help="folder of a finished batch")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python run.py",
        description="breachsim: how news of a customer data breach spreads. "
                    "With no command, compares the four bundled scenarios and writes a "
                    "client report to out/compare/.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _run_parser(sub)
    _batch_parser(sub)
    _compare_parser(sub)
    _sensitivity_parser(sub)
    return parser


def command_batch(args) -> int:
    from .batch import run_batch

    result = run_batch(args.batch, args.out, workers=args.workers, scheduler=args.scheduler,
                       resume=args.resume, progress=not args.quiet)
    print(f"{result.done} of {result.total} runs done, {result.failed} failed; "
          f"results in {result.out} (runs.parquet, timeseries.parquet, manifest.json)")
    return 0 if result.ok else 1


def command_compare(args) -> int:
    import pandas as pd

    from .compare import DEFAULT_PEOPLE, compare, scenario_info
    from .report import headline_text, reading, summary_table

    overrides = {"population.size": DEFAULT_PEOPLE}
    overrides.update(parse_override(text) for text in args.overrides)
    result, written = compare(args.scenarios, args.out, replications=args.reps, seed=args.seed,
                              overrides=overrides, workers=args.workers,
                              progress=not args.quiet, engine=args.engine)
    runs = pd.read_parquet(result.runs_path)
    timeseries = pd.read_parquet(result.timeseries_path)
    summary = summary_table(runs, scenario_info(runs), timeseries)
    print(headline_text(summary))
    print()
    print(reading(summary))
    report = next((p for p in written if p.name == "report.html"), None)
    print(f"{result.done} of {result.total} runs done, {result.failed} failed")
    print(f"report: {report}  (charts, summary.csv and summary.md beside it)")
    return 0 if result.ok else 1


def command_sensitivity(args) -> int:
    from .sensitivity import run_sensitivity

    written = run_sensitivity(args.batch_dir)
    print(f"sensitivity indices: {', '.join(str(p) for p in written)}")
    return 0


def command_run(args) -> int:
    overrides = dict(parse_override(text) for text in args.overrides)
    scenario = load_scenario(args.scenario, overrides)
    out = args.out or Path("out") / args.scenario.stem
    result = simulate(scenario, seed=args.seed, engine=args.engine, progress=not args.quiet)
    from .outputs import write_run

    written = write_run(result, out)
    print(headline(result))
    print(f"outputs: {', '.join(str(p) for p in written)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        argv = ["compare", *map(str, BUNDLED), "--out", "out/compare"]
        print("comparing the four bundled scenarios (Optus 2022 and the three lessons) ...")
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    commands = {"run": command_run, "batch": command_batch, "compare": command_compare,
                "sensitivity": command_sensitivity}
    try:
        return commands[args.command](args)
    except ScenarioError as err:
        print(err.line(), file=sys.stderr)
        return 2
