"""Checks of the objects handed to the reporting functions: results, scenarios,
chart sizes and the inputs of sweep charts. A wrong one is one
:class:`~sim.errors.ScenarioError` naming the argument and what is allowed
(the checks of the tables themselves are :mod:`sim.reporting.tables`).
"""

from __future__ import annotations

from typing import Any, Sequence

from ..config.arguments import refuse, shown
from ..errors import ScenarioError
from .tables import CHART_SIZES, check_column, check_runs, ok_runs

__all__ = ["check_scenarios", "check_results", "check_size", "check_sweep_inputs"]


def check_scenarios(where: str, scenarios: Any, name: str = "scenarios", resolved: bool = False) -> list:
    """``scenarios`` as a list: None, or a list or tuple of ScenarioInfo (from
    ``results.scenarios``); with ``resolved``, :class:`sim.Scenario` objects too."""
    from ..config.scenario import Scenario
    from .scenarios import ScenarioInfo

    kinds = (ScenarioInfo, Scenario) if resolved else (ScenarioInfo,)
    allowed = ("None or a list of sim.Scenario or ScenarioInfo" if resolved
               else "None or a list of ScenarioInfo (results.scenarios of sim.reporting.load_results)")
    if scenarios is None:
        return []
    if not isinstance(scenarios, (list, tuple)):
        refuse(where, name, scenarios, allowed)
    for i, s in enumerate(scenarios):
        if not isinstance(s, kinds):
            raise ScenarioError(where, f"{name}[{i}]", f"got {shown(s)}; allowed: {allowed}")
    return list(scenarios)


def check_results(where: str, results: Any, name: str = "results"):
    """``results`` if it is a :class:`sim.reporting.Results`."""
    from .results import Results

    if not isinstance(results, Results):
        refuse(where, name, results, "a Results from sim.reporting.load_results or results_from_frames")
    return results


def check_size(where: str, size: Any) -> Any:
    """A chart size: ``"slide"``, ``"page"`` or a :class:`~sim.reporting.style.Size`."""
    from .style import Size

    if not isinstance(size, Size) and not (isinstance(size, str) and size in CHART_SIZES):
        refuse(where, "size", size, f"{', '.join(CHART_SIZES)} (or a sim.reporting.style.Size)")
    return size


def check_sweep_inputs(where: str, runs: Any, scenarios: Any, keys: Any, measure: Any = None,
                       size: Any = "slide") -> None:
    """The arguments of :func:`sim.reporting.sweeps.response_chart` (``measure`` None:
    :func:`~sim.reporting.sweeps.sweep_charts`, which draws every sweep measure): a runs
    table with the measures' columns and the varied ``keys`` (a list of its numeric
    columns), scenarios, a measure of :data:`sim.reporting.stats.BY_KEY` and a size."""
    from .stats import BY_KEY, DERIVED_MEASURES, DERIVED_READS, Measure

    if isinstance(keys, (str, bytes)) or not isinstance(keys, Sequence) or \
            not all(isinstance(k, str) for k in keys):
        refuse(where, "keys", keys, "a list of the varied parameters (dotted keys, columns of runs)")
    if measure is not None and not isinstance(measure, Measure) and not (isinstance(measure, str)
                                                                       and measure in BY_KEY):
        refuse(where, "measure", measure, ", ".join(BY_KEY))
    key = measure.key if isinstance(measure, Measure) else measure
    own = [key] if key is not None and key not in DERIVED_MEASURES else []
    check_runs(where, runs, (*DERIVED_READS, *own, *keys))
    good = ok_runs(runs)
    for k in keys:
        check_column(where, "runs", good, k, "number")
    check_scenarios(where, scenarios)
    check_size(where, size)
