"""``breachsim optimise``: the best communication plan under the client's constraints
(:func:`sim.analysis.optimise.run_optimisation`), with its chart."""

from __future__ import annotations

import sys
from pathlib import Path

from ..analysis.optimise.search import DEFAULT_BUDGET, DEFAULT_PEOPLE, DEFAULT_REPS
from ..config.bundled import find_scenario
from ..config.scenario import parse_override
from ..runs.batchfile import DEFAULT_SEED
from .options import add_engine_option

__all__ = ["add_parser", "command"]


def add_parser(sub) -> None:
    p = sub.add_parser("optimise", aliases=["optimize"],
                       help="the best plan under your constraints: levers, objectives, constraints",
                       description="Search the levers (scenario keys) for the plans that do best on the "
                                   "objectives within the constraints; write pareto.csv, best.toml, "
                                   "front/, optimise.json and front.png to --out. Resumable: the same "
                                   "command again continues.")
    p.add_argument("scenario", help="scenario file or bundled name (the plan's starting point)")
    p.add_argument("--lever", dest="levers", action="append", default=[], metavar="KEY=LO:HI|A|B",
                   help="a key the search may set: KEY=LO:HI[:STEP], KEY=A|B|C, or a campaign "
                        "KEY=on|off (repeatable)")
    p.add_argument("--objective", dest="objectives", action="append", default=[], metavar="MEASURE[:min|max]",
                   help="a measure to minimise or maximise (repeatable: several give a front)")
    p.add_argument("--constraint", dest="constraints", action="append", default=[], metavar="NAME<=X",
                   help="start>=H, throughput.MEDIUM<=N, or MEASURE<=X / MEASURE>=X (repeatable)")
    p.add_argument("--price", dest="prices", action="append", default=[], metavar="MEDIUM=AMOUNT",
                   help="cost of one message by MEDIUM, for the measure cost (repeatable)")
    p.add_argument("--budget", type=int, default=DEFAULT_BUDGET,
                   help=f"runs in all, confirmation included (default {DEFAULT_BUDGET})")
    p.add_argument("--reps", type=int, default=DEFAULT_REPS,
                   help=f"replications per plan and world in the search (default {DEFAULT_REPS})")
    p.add_argument("--worlds", type=int, default=1,
                   help="plausible worlds each plan is scored in (default 1: the scenario's own values)")
    p.add_argument("--score", dest="rule", choices=("mean", "median", "p90"), default="mean",
                   help="how worlds combine: mean, median, or p90 (the pessimistic 90th percentile)")
    p.add_argument("--ranges", type=Path, default=None, metavar="FILE",
                   help="ranges file for --worlds (layout of sim/ranges.toml)")
    p.add_argument("--compare", action="append", default=[], metavar="SCENARIO",
                   help="also place this scenario on the chart (repeatable; the baseline and the bundled "
                        "scenarios extending it are placed anyway)")
    p.add_argument("--out", type=Path, default=Path("out") / "optimise", help="output folder")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"base seed (default {DEFAULT_SEED})")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help=f"override a key in every run (default population.size={DEFAULT_PEOPLE})")
    add_engine_option(p)
    p.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="run on this Dask scheduler (default: $DASK_SCHEDULER_ADDRESS if set)")
    p.add_argument("--workers", type=int, default=None, help="local worker processes (default: number of cores)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def command(args) -> int:
    from ..analysis.optimise import prepare, run_optimisation
    from ..reporting.optimise_words import summary_lines
    from ..reporting.optimise_chart import write_optimise_chart
    from ..runs.batch import Interrupted

    overrides = dict(parse_override(text) for text in args.overrides)
    request = prepare(find_scenario(args.scenario), args.levers, args.objectives, args.constraints, args.prices,
                      args.budget, args.reps, args.worlds, args.rule, args.seed, overrides,
                      [find_scenario(c) for c in args.compare], args.engine, args.ranges)
    say = lambda line: print(line, file=sys.stderr, flush=True)   # noqa: E731
    try:
        outcome, written = run_optimisation(request, args.out, args.workers, args.scheduler, not args.quiet, say,
                                            draw=write_optimise_chart)
    except Interrupted as stop:
        stop.hint = "run the same command again to continue (finished runs are reused)"
        raise
    print("\n".join(summary_lines(outcome)))
    print(f"outputs: {', '.join(str(p) for p in written)}")
    return 0
