"""What following the step-length advice changes, measured on one cheap run.

:func:`step_length_effect` runs a scenario once at its step and once at the
step :func:`sim.model.step_length.step_length_check` suggests, with the same
seed and at most :data:`EFFECT_AGENTS` agents, and says the difference in one
line (:meth:`StepLengthEffect.line`): the warnings of a command carry it
(:mod:`sim.runs.notices`).
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass

from ..config.scenario import Scenario, with_overrides
from ..errors import ScenarioError
from ..model.engine import prepare
from ..model.step_length import StepCheck, StepLengthWarning, hours_text, step_length_check

__all__ = ["EFFECT_AGENTS", "StepLengthEffect", "step_length_effect"]


#: Most agents of the run that measures the step length's effect (keeps it cheap).
EFFECT_AGENTS = 10_000


@dataclass(frozen=True)
class StepLengthEffect:
    """The headline of one run at the scenario's step and at the suggested step.

    ``measure`` says what ``coarse`` and ``fine`` are (hours; None if the level
    is never reached); ``agents`` and ``seed`` say which run.
    """

    check: StepCheck
    scenario: str
    agents: int
    seed: int
    measure: str
    coarse: float | None
    fine: float | None

    def line(self) -> str:
        """The warning with its measured effect, one line."""
        at = (lambda h: "never" if h is None else f"after {hours_text(h)}")
        if self.coarse is not None and self.fine is not None:
            moved = self.coarse - self.fine
            size = (f"{hours_text(abs(moved))} {'sooner' if moved > 0 else 'later'}"
                    if abs(moved) >= 0.05 else "no change")
        else:
            size = "a different outcome"
        return (f"{self.check.line()}. Measured on one run of {self.scenario} ({self.agents:,} "
                f"agents, seed {self.seed}): {self.measure} {at(self.coarse)} with "
                f"{self.check.step_minutes:g}-minute steps, {at(self.fine)} with "
                f"{self.check.suggested_minutes:g}-minute steps ({size})")


def step_length_effect(scenario: Scenario, seed: int = 1, largest: int = EFFECT_AGENTS,
                       skip: Container[str] = ()) -> StepLengthEffect | None:
    """Measure what following the step-length advice does, on one cheap run.

    The scenario is run once at its step and once at the suggested step, with
    the same seed, on the fast engine and at most ``largest`` agents (a
    scenario with more is scaled down; a network read from a file is left at
    its size and not measured if it is larger). The headline compared is the
    hours until half of the affected customers know (half of everyone when
    nobody is affected). Returns None when the step is not long, when its kind
    (:attr:`StepCheck.kind`) is in ``skip`` (said already: not run again), or
    when the suggested step cannot run (too many steps, too large).
    """
    size = scenario.population.size
    try:
        small = scenario
        if scenario.network.kind != "file" and size > largest:
            small = with_overrides(scenario, {"population.size": largest})
        world, rules, _ = prepare(small, seed)
        check = step_length_check(world, rules)
        if check is None or check.kind in skip or world.size > largest:
            return None
        fine = with_overrides(small, {"scenario.step_minutes": check.suggested_minutes})
        coarse_hours, measure = _half_aware_hours(small, seed)
        fine_hours, _ = _half_aware_hours(fine, seed)
    except ScenarioError:        # the smaller or finer run is not allowed: not measured
        return None
    return StepLengthEffect(check, scenario.name, world.size, seed, measure, coarse_hours, fine_hours)


def _half_aware_hours(scenario: Scenario, seed: int) -> tuple[float | None, str]:
    """Hours until half the affected know (half of everyone if none is affected), and
    what that is in words; the run's own warnings are not repeated."""
    import warnings

    from ..model.memory import check_fits
    from ..model.simulate import simulate

    check_fits(scenario, "fast")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StepLengthWarning)
        result = simulate(scenario, seed=seed, engine="fast")
    if result.summary["affected_agents"]:
        return result.summary["hours_to_50pct_affected"], "half of affected customers know"
    frame = result.timeseries
    reached = frame.loc[frame["aware"] >= 0.5 * result.summary["agents"], "hours"]
    return (float(reached.iloc[0]) if len(reached) else None), "half of everyone knows"
