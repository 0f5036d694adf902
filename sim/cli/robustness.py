"""``breachsim robustness``: how often each lesson beats the baseline across plausible
worlds (:func:`sim.analysis.robustness.run_robustness`), with its charts."""

from __future__ import annotations

import sys
from pathlib import Path

from ..analysis.robustness import DEFAULT_PEOPLE, DEFAULT_REPS, DEFAULT_SAMPLES, run_robustness
from ..config.bundled import find_scenario
from ..config.scenario import parse_override
from ..reporting.robustness_chart import write_robustness_charts
from ..runs.batch import Interrupted
from .options import add_engine_option
from ..runs.batchfile import DEFAULT_SEED

__all__ = ["add_parser", "command"]


def add_parser(sub) -> None:
    p = sub.add_parser("robustness", help="how often each scenario beats the baseline across "
                                          "plausible worlds, and which assumptions decide",
                       description="Sample --samples plausible worlds (Latin hypercube over the "
                                   "plausible ranges of the assumptions), run every scenario "
                                   "--reps times in each with common random numbers, and write "
                                   "robustness.csv, robustness.md and a chart per measure to --out.")
    p.add_argument("scenarios", nargs="+", help="scenario files or bundled names (first = baseline)")
    p.add_argument("--samples", type=int, default=DEFAULT_SAMPLES,
                   help=f"plausible worlds (default {DEFAULT_SAMPLES})")
    p.add_argument("--reps", type=int, default=DEFAULT_REPS,
                   help=f"replications per scenario and world (default {DEFAULT_REPS})")
    p.add_argument("--ranges", type=Path, default=None, metavar="FILE",
                   help="ranges file (layout of sim/ranges.toml) replacing entries by key")
    p.add_argument("--posterior", type=Path, default=None, metavar="POSTERIOR.csv",
                   help="draw one parameter set per replication from a calibration's posterior.csv")
    p.add_argument("--out", type=Path, default=Path("out") / "robustness", help="output folder")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"base seed (default {DEFAULT_SEED})")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help=f"override a key in every scenario (default population.size={DEFAULT_PEOPLE})")
    add_engine_option(p)
    p.add_argument("--workers", type=int, default=None,
                   help="local worker processes (default: number of cores)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def command(args) -> int:
    files = [find_scenario(name) for name in args.scenarios]
    overrides = dict(parse_override(text) for text in args.overrides)
    say = lambda line: print(line, file=sys.stderr, flush=True)   # noqa: E731
    try:
        table, lines, written = run_robustness(files, args.out, args.samples, args.reps, args.seed,
                                               overrides, args.ranges, args.posterior, args.engine,
                                               args.workers, not args.quiet, say,
                                               draw=write_robustness_charts)
    except Interrupted as stop:
        stop.hint = "run the same command again to finish (finished runs are reused)"
        raise
    print("\n".join(lines))
    print(f"outputs: {', '.join(str(p) for p in written[:3])} and a chart per measure")
    return 0
