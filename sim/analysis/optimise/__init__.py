"""Which plan is best under the client's constraints? (``breachsim optimise``)

:func:`run_optimisation` checks a request (:mod:`.request`: levers :mod:`.levers`,
objectives and constraints :mod:`.goals`), searches (:mod:`.search`, input constraints kept
by :mod:`.repair`, scores :mod:`.scores`), prices each binding constraint (:mod:`.relax`)
and writes the outputs (:mod:`.outputs`, plan files :mod:`.plan_files`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from .outputs import write_outputs
from .request import prepare
from .search import Outcome, Request, search

__all__ = ["run_optimisation", "prepare", "search", "write_outputs", "Request", "Outcome"]


def run_optimisation(request: Request, out: str | Path, workers: int | None = None, scheduler: str | None = None,
                     progress: bool = True, say: Callable[[str], None] | None = None,
                     draw: Callable | None = None) -> tuple[Outcome, list[Path]]:
    """Search, then write ``pareto.csv``, ``best.toml``, ``front/``, ``optimise.json`` into
    ``out``; given ``draw(out)`` (it reads those files), the chart too."""
    from ...runs.batch import check_workers

    check_workers(workers)
    out = Path(out)
    outcome = search(request, out, workers, scheduler, progress, say)
    written = write_outputs(outcome, out)
    if draw is not None:
        written += draw(out)
    return outcome, written
