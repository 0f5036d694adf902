"""``breachsim calibrate SCENARIO --target TARGET.csv --fit KEY=LO:HI [...]``."""

from __future__ import annotations

import sys
from pathlib import Path

from ..config.bundled import find_scenario
from ..config.scenario import parse_override
from .options import add_engine_option
from ..runs.batchfile import DEFAULT_SEED

__all__ = ["add_parser", "command"]

DEFAULT_BUDGET = 400
DEFAULT_REPS = 4


def add_parser(sub) -> None:
    p = sub.add_parser("calibrate", help="fit scenario keys to observed data, with credible intervals",
                       description="Fit the --fit keys of a scenario to the target points of "
                                   "--target (CSV: measure,hours,value[,weight,sd]) with Gaussian-"
                                   "process emulators and a synthetic likelihood; writes "
                                   "calibrated.toml, posterior.csv, summary.json and fit.png to "
                                   "--out. Resumable: the same command again reuses finished runs.")
    p.add_argument("scenario", help="scenario TOML file, or the name of a bundled one")
    p.add_argument("--target", required=True, type=Path, metavar="TARGET.csv",
                   help="observed points: measure,hours,value (optional weight, sd)")
    p.add_argument("--fit", dest="fits", action="append", required=True, metavar="KEY=LO:HI",
                   help="a number-valued scenario key and its range, e.g. "
                        "word_of_mouth.social=0.001:0.05 (repeatable)")
    p.add_argument("--budget", type=int, default=DEFAULT_BUDGET,
                   help=f"total runs, waves and check together (default {DEFAULT_BUDGET})")
    p.add_argument("--reps", type=int, default=DEFAULT_REPS,
                   help=f"runs per parameter set (default {DEFAULT_REPS})")
    p.add_argument("--out", type=Path, default=None, help="output folder (default out/calibrate/<name>)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"base seed (default {DEFAULT_SEED})")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a scenario key during the calibration (repeatable)")
    add_engine_option(p)
    p.add_argument("--workers", type=int, default=None,
                   help="local worker processes (default: number of cores)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def command(args) -> int:
    from ..runs.batch import Interrupted, check_workers
    from ..analysis.calibration.fit import calibrate, check_out, prepare
    from ..analysis.calibration.outputs import write_outputs
    from ..reporting.calibration_chart import write_fit_chart

    path = find_scenario(args.scenario)
    overrides = dict(parse_override(text) for text in args.overrides)
    cal = prepare(path, args.target, args.fits, budget=args.budget, reps=args.reps, seed=args.seed,
                  overrides=overrides, engine=args.engine)
    out = args.out or Path("out") / "calibrate" / path.stem
    check_out(out)
    check_workers(args.workers)
    try:
        result = calibrate(cal, out, workers=args.workers, progress=not args.quiet, say=_say)
    except Interrupted as stop:
        stop.hint = "run the same command again to finish (finished runs are reused)"
        raise
    written = write_outputs(result, out, write_fit_chart)
    for fit in cal.fits:
        low, high = result.intervals[fit.key]
        print(f"{fit.key} = {result.best[fit.key]:.4g}  (90% credible interval {low:.4g} to {high:.4g})")
    print(f"{result.runs} runs; outputs: {', '.join(str(p) for p in written)}")
    return 0
