"""Whether a step is long against the fastest process, and what that does.

A run moves news at most one hop per step. :func:`step_length_check` compares
the step with the fastest process of the world and rules (a read delay, the
time between tellings: :func:`fastest_processes`) and suggests a step;
:func:`step_length_advice` is the warning's words, :func:`step_length_kind`
what makes two such warnings the same (their step and process, not their
figures); :func:`sim.runs.step_effect.step_length_effect` measures what the
suggested step changes on one cheap run (docs/MODEL.md, section 3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..config.vocabulary import medium_words
from .rules import Rules

__all__ = ["StepLengthWarning", "StepCheck", "fastest_processes", "step_length_advice",
           "step_length_check", "step_length_kind", "hours_text"]


class StepLengthWarning(UserWarning):
    """The step is long against the fastest process of the run (one line)."""


def fastest_processes(world, rules: Rules) -> dict[str, float]:
    """Typical hours between events of each fast process of a run, at peak attention.

    - reading: mean read delay of each medium a campaign uses;
    - word of mouth: mean time between tellings of a spreader with a typical
      contact list (propensity 1): 1 / (sum over layers of hazard x mean
      degree), or 1 / (contacts per hour x probability a contact is told)
      when well mixed.

    Only processes that are present are listed (a medium no campaign uses, a
    word of mouth of zero strength are left out).
    """
    peak = float(np.max(world.attention)) if len(world.attention) else 1.0
    if peak <= 0:
        return {}
    out = {}
    media = world.scenario.channels.direct.media
    for medium in sorted({c.medium for c in world.campaigns}):
        out[f"{medium_words(medium, media)} read delay"] = 1.0 / (rules.read_rate[medium] * peak)
    if rules.well_mixed:
        rate = rules.contacts_per_hour * rules.contact_tells
    else:
        rate = sum(rules.layer_hazard[layer.name] * len(layer.indices) / max(1, world.size)
                   for layer in world.network.layers)
    if rate > 0:
        out["time between tellings of a spreader"] = 1.0 / (rate * peak)
    return out


@dataclass(frozen=True)
class StepCheck:
    """A step long against the fastest process of a run.

    Attributes
    ----------
    step_minutes : float
        The run's step length, minutes.
    process : str
        The fastest process (e.g. ``"SMS read delay"``).
    process_hours : float
        Its typical hours between events at peak attention.
    suggested_minutes : float
        A readable step length at most half of it (1, 2, 5, 10, 15, 20, 30, 60 ...).
    """

    step_minutes: float
    process: str
    process_hours: float
    suggested_minutes: float

    @property
    def kind(self) -> str:
        """What makes this warning distinct: the step and the process, not the run's
        figures (see :func:`step_length_kind`)."""
        return f"{self.step_minutes:g}-minute steps are long against the {self.process}"

    def line(self) -> str:
        """The warning's one line (starts with :attr:`kind`)."""
        return (f"{self.kind} (~{hours_text(self.process_hours)} at peak attention): news moves at "
                f"most one hop per step; scenario.step_minutes = {self.suggested_minutes:g} or less "
                "gives results close to continuous time")


def step_length_check(world, rules: Rules) -> StepCheck | None:
    """A :class:`StepCheck` when the step is longer than half the fastest process, else None.

    News moves at most one network hop per step and a message is read at the
    earliest in the step after its delivery, so a step longer than about half
    the typical time between tellings (or the read delay) slows those chains
    down.
    """
    processes = fastest_processes(world, rules)
    if not processes:
        return None
    name, hours = min(processes.items(), key=lambda item: item[1])
    if rules.step_hours <= 0.5 * hours:
        return None
    return StepCheck(rules.step_hours * 60, name, hours, _round_down_minutes(30.0 * hours))


def step_length_advice(world, rules: Rules) -> str | None:
    """One line when the step is longer than half the fastest process, else None: it
    names the process and suggests a step length (:meth:`StepCheck.line`)."""
    check = step_length_check(world, rules)
    return check.line() if check else None


_KIND = re.compile(r"^(?:warning: )?(\S+-minute steps are long against the .+?) \(~")


def step_length_kind(message: str) -> str | None:
    """The kind (:attr:`StepCheck.kind`) of a step-length warning's text, else None.

    Runs in other processes send their warnings as text; two runs whose
    fastest process is the same but a little faster or slower give the same
    kind, so a command says the warning once.
    """
    found = _KIND.match(str(message).strip())
    return found.group(1) if found else None


def _round_down_minutes(minutes: float) -> float:
    """A readable step length not above ``minutes`` (1, 2, 5, 10, 15, 20, 30, 60, 120 ...)."""
    for nice in (1440, 720, 360, 240, 120, 60, 30, 20, 15, 10, 5, 2, 1):
        if minutes >= nice:
            return float(nice)
    return float(f"{minutes:.1g}") if minutes > 0 else 0.0


def hours_text(hours: float) -> str:
    """``45 min``, ``1.3 h``: a step or a delay in the words of the warnings."""
    return f"{hours * 60:.0f} min" if hours < 1 else f"{hours:.1f} h"
