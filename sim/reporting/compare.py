"""Comparing communication plans: run each scenario N times, then chart and report.

``compare`` is a batch (the batch runner, with its progress bar, parallelism
and resume) over the given scenarios with no design, followed by the charts
and the client report of :mod:`sim.reporting`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from ..runs.batch import BatchResult, run_batch
from ..runs.batchfile import MAX_RUNS, BatchSpec, check_scenarios, total_runs
from ..analysis.calibration.posterior import check_posterior, posterior_draws
from ..config.scenario import load_scenario
from ..errors import ScenarioError
from ..runs.files import FolderLock, check_claimable, claim_folder
from ..model.engine import DEFAULT_ENGINE
from ..runs.batchfile import DEFAULT_SEED

#: The main job's defaults: finishes in well under a minute on a laptop.
DEFAULT_PEOPLE = 20_000
DEFAULT_REPLICATIONS = 20
#: Most replications per scenario a comparison accepts.
MAX_REPLICATIONS = 100_000


def compare_spec(scenario_files: list[Path], replications: int, seed: int,
                 overrides: dict[str, Any], engine: str = DEFAULT_ENGINE,
                 posterior: str | Path | None = None) -> BatchSpec:
    """The batch behind a comparison (checked like a batch file).

    With ``posterior`` (a calibration's posterior.csv), replication r of every
    scenario runs with the r-th of ``replications`` parameter sets drawn from it
    (seeded by ``seed``), so the bands include parameter uncertainty.
    """
    files = [Path(f).resolve() for f in scenario_files]
    for f in files:
        if not f.is_file():
            raise ScenarioError(f, "", "no such file")
    if not (isinstance(replications, int) and not isinstance(replications, bool)
            and 1 <= replications <= MAX_REPLICATIONS):
        raise ScenarioError("--reps", "", f"got {replications!r}; allowed: a whole number from 1 "
                                          f"to {MAX_REPLICATIONS:,}")
    if posterior is not None:       # its keys named against the posterior file, not the scenario
        check_posterior(posterior, [load_scenario(f, overrides) for f in files])
    draws = posterior_draws(posterior, replications, seed) if posterior is not None else []
    spec = BatchSpec(files[0], "compare", files, replications, seed, engine, dict(overrides),
                     draws=draws)
    if total_runs(spec) > MAX_RUNS:
        raise ScenarioError("--reps", "", f"{len(files)} scenarios x {replications:,} replications = "
                                          f"{total_runs(spec):,} runs; allowed: at most {MAX_RUNS:,}")
    check_scenarios(spec)
    return spec


def compare(scenario_files: list[Path], out: str | Path, replications: int = DEFAULT_REPLICATIONS,
            seed: int = DEFAULT_SEED, overrides: dict[str, Any] | None = None,
            workers: int | None = None, progress: bool = True, posterior: str | Path | None = None,
            engine: str = DEFAULT_ENGINE, say: Callable[[str], None] | None = None,
            report_options=None, pdf: bool = False) -> tuple[BatchResult, Any]:
    """Run the comparison into ``out`` (runs in ``out/batch``) and write its report.

    Returns the batch result and the :class:`sim.reporting.Report` (its
    ``files``, summary and executive summary), with ``report_options``
    (:class:`sim.reporting.ReportOptions`) and, with ``pdf``, ``report.pdf``.

    The runs folder is the comparison's working copy: runs are reused by
    identity (resolved scenario, seed, engine, code), so repeating a
    comparison reuses its runs and editing a scenario re-runs exactly the
    runs it changes. ``say`` receives the one-line note of what was reused.
    """
    from . import load_results, write_report

    out = Path(out)
    check_claimable(out, "compare")
    spec = compare_spec(scenario_files, replications, seed, overrides or {}, engine, posterior)
    claim_folder(out, "compare")
    with FolderLock(out, "compare") as lock:    # the runs and the report they make, as one
        if lock.taken_over and say:
            say(lock.taken_over)
        result = run_batch(spec, out / "batch", workers=workers, resume=True, progress=progress,
                           say=say, reuse_any=True)
        if result.runs_path is None:
            raise ScenarioError(out / "batch" / "manifest.json", "",
                                f"every run failed ({result.first_error}); nothing to compare")
        report = write_report(load_results(out), out, report_options, pdf=pdf)
    return result, report
