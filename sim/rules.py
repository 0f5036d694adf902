"""The model's rules as numbers, derived once from a scenario for every engine.

:class:`Rules` holds the per-step rule constants (word-of-mouth hazards, read
rates, stifling, the spreading period, the company-trust effects) in the
units the engines use, and the few formulas both engines apply to them
(:meth:`Rules.spreading_until`, :meth:`Rules.trust_on_aware`,
:meth:`Rules.trust_recovered`). Engines read these, never the raw scenario
tables. :func:`step_length_advice` says when the step is long against the
fastest process (docs/MODEL.md, section 3).
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass

import numpy as np

from .channels import hazard_of
from .population import TRUST_KINDS
from .scenario import Scenario
from .schema import SOURCES

__all__ = ["Rules", "SOURCE_CODE", "TRUST_OF_SOURCE", "TRUST_COLUMN", "StepLengthWarning",
           "StepCheck", "StepLengthEffect", "step_length_advice", "step_length_check",
           "step_length_effect", "step_length_kind", "MEDIA", "TWITTER", "DIRECT", "WORD_OF_MOUTH", "SEED"]

#: Code of each source of news (index into :data:`sim.schema.SOURCES`).
SOURCE_CODE = {name: code for code, name in enumerate(SOURCES)}
MEDIA, TWITTER, DIRECT, WORD_OF_MOUTH, SEED = (SOURCE_CODE[s] for s in
                                               ("media", "twitter", "direct", "word_of_mouth", "seed"))
#: Kind of trust with which an exposure from each source is believed (direct:
#: the person's current company trust, which starts at their ``company`` trust).
TRUST_OF_SOURCE = {"media": "media", "twitter": "social", "direct": "company",
                   "word_of_mouth": "peer", "seed": "peer"}
#: Column of ``Population.trust`` for each source code (the same table as an array).
TRUST_COLUMN = np.array([TRUST_KINDS.index(TRUST_OF_SOURCE[s]) for s in SOURCES], dtype=np.int64)
#: Spreading-period kinds, in code order.
ACTIVE_KINDS = ("exponential", "fixed", "forever")


class StepLengthWarning(UserWarning):
    """The step is long against the fastest process of the run (one line)."""


@dataclass(frozen=True)
class Rules:
    """The rule constants of one run, in the engines' units.

    Attributes
    ----------
    step_hours : float
        Length of a step, hours.
    steps : int
        Steps in the run.
    read_rate : dict
        Per medium (sms, email): reading rate per hour at attention 1
        (1 / mean read delay in hours).
    layer_hazard : dict
        Per network layer name (household, social): word-of-mouth hazard per
        hour per neighbour at attention 1 and propensity 1.
    well_mixed : bool
        Spreaders contact random people instead of network neighbours.
    contacts_per_hour : float
        Random contacts per spreader per hour at attention 1 (well_mixed).
    contact_tells : float
        Probability that a random contact is told (well_mixed), a share.
    stifling : float
        Probability that telling someone already aware stops the spreader.
    share_multiplier : float
        Propensity after reading a message that asks to share (a multiplier).
    active_kind : str
        How a spreading period is drawn: exponential, fixed or forever.
    active_hours : float
        Mean (exponential) or fixed spreading period, hours.
    first_from_company, learned_elsewhere_first, late_contact_recovery : float
        The company-trust effects, shares (docs/MODEL.md, section 7.8).
    """

    step_hours: float
    steps: int
    read_rate: dict
    layer_hazard: dict
    well_mixed: bool
    contacts_per_hour: float
    contact_tells: float
    stifling: float
    share_multiplier: float
    active_kind: str
    active_hours: float
    first_from_company: float
    learned_elsewhere_first: float
    late_contact_recovery: float

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> "Rules":
        d = scenario.data
        wom, effects = d["word_of_mouth"], d["trust"]["company_effects"]
        return cls(
            step_hours=scenario.step_hours,
            steps=scenario.n_steps,
            read_rate={m: 1.0 / hours for m, hours in d["channels"]["direct"]["read_delay_hours"].items()},
            layer_hazard={layer: hazard_of(wom[layer]) for layer in ("household", "social")},
            well_mixed=d["network"]["kind"] == "well_mixed",
            contacts_per_hour=d["network"]["contacts_per_hour"],
            contact_tells=wom["well_mixed"],
            stifling=wom["stifling"],
            share_multiplier=wom["share_multiplier_when_asked"],
            active_kind=wom["active_kind"],
            active_hours=wom["active_hours"],
            first_from_company=effects["first_from_company"],
            learned_elsewhere_first=effects["learned_elsewhere_first"],
            late_contact_recovery=effects["late_contact_recovery"],
        )

    @property
    def active_code(self) -> int:
        """Index of :attr:`active_kind` in :data:`ACTIVE_KINDS`."""
        return ACTIVE_KINDS.index(self.active_kind)

    # ---- formulas shared by the engines ------------------------------------------
    def spreading_until(self, row, exp_draws):
        """Last step index of spreading periods that start at ``row``.

        A period lasts D >= 1 steps: ``exponential``, D = ceil(E x
        active_hours / step_hours) for an Exp(1) draw E (``exp_draws``, one
        per period; unused by the other kinds); ``fixed``, D =
        ceil(active_hours / step_hours); ``forever``, to the end of the run.
        The result is capped at ``steps`` (no step has that index), so it fits
        any integer type. Scalars in, int out; arrays in, int64 array out.
        """
        draws = np.asarray(exp_draws, dtype=float)
        if self.active_kind == "forever":
            until = np.full(draws.shape, float(self.steps))
        else:
            hours = draws * self.active_hours if self.active_kind == "exponential" else self.active_hours
            steps = np.maximum(1.0, np.ceil(hours / self.step_hours - 1e-9))
            until = np.minimum(row + steps - 1.0, float(self.steps))
        until = np.broadcast_to(until, draws.shape).astype(np.int64)
        return int(until) if until.ndim == 0 else until

    def trust_on_aware(self, trust, from_company):
        """Company trust of affected customers (not seeds) on becoming aware.

        Returns ``(after, lost)``: told first by the company, trust rises by
        ``first_from_company`` of the gap to 1 and nothing is lost; told first
        elsewhere, a share ``learned_elsewhere_first`` of it is lost (and
        remembered for a later recovery). Shares; scalars or arrays.
        """
        trust = np.asarray(trust, dtype=float)
        lost = np.where(from_company, 0.0, self.learned_elsewhere_first * trust)
        after = np.where(from_company, trust + self.first_from_company * (1.0 - trust), trust - lost)
        return after, lost

    def trust_recovered(self, lost):
        """Company trust regained on first reading a company message after
        having heard elsewhere first (``lost`` from :meth:`trust_on_aware`)."""
        return self.late_contact_recovery * lost


# ---- the step length against the fastest process -------------------------------------
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
    for medium in sorted({c.medium for c in world.campaigns}):
        out[f"{'SMS' if medium == 'sms' else 'e-mail'} read delay"] = 1.0 / (rules.read_rate[medium] * peak)
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
        return (f"{self.kind} (~{_hours_text(self.process_hours)} at peak attention): news moves at "
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


# ---- what the step length does to the headline, measured on one run -------------------
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
        at = (lambda h: "never" if h is None else f"after {_hours_text(h)}")
        if self.coarse is not None and self.fine is not None:
            moved = self.coarse - self.fine
            size = (f"{_hours_text(abs(moved))} {'sooner' if moved > 0 else 'later'}"
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
    from .engine import prepare
    from .errors import ScenarioError
    from .scenario import with_overrides

    size = scenario.data["population"]["size"]
    try:
        small = scenario
        if scenario.data["network"]["kind"] != "file" and size > largest:
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

    from .memory import check_fits
    from .simulate import simulate

    check_fits(scenario, "fast")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StepLengthWarning)
        result = simulate(scenario, seed=seed, engine="fast")
    if result.summary["affected_agents"]:
        return result.summary["hours_to_50pct_affected"], "half of affected customers know"
    frame = result.timeseries
    reached = frame.loc[frame["aware"] >= 0.5 * result.summary["agents"], "hours"]
    return (float(reached.iloc[0]) if len(reached) else None), "half of everyone knows"


def _round_down_minutes(minutes: float) -> float:
    """A readable step length not above ``minutes`` (1, 2, 5, 10, 15, 20, 30, 60, 120 ...)."""
    for nice in (1440, 720, 360, 240, 120, 60, 30, 20, 15, 10, 5, 2, 1):
        if minutes >= nice:
            return float(nice)
    return float(f"{minutes:.1g}") if minutes > 0 else 0.0


def _hours_text(hours: float) -> str:
    return f"{hours * 60:.0f} min" if hours < 1 else f"{hours:.1f} h"
