"""The model's rules as numbers, derived once from a scenario for every engine.

:class:`Rules` holds the per-step rule constants (word-of-mouth hazards, read
rates, stifling, the spreading period, the company-trust effects) in the
units the engines use, and the few formulas both engines apply to them
(:meth:`Rules.spreading_until`, :meth:`Rules.trust_on_aware`,
:meth:`Rules.trust_recovered`). Engines read these, never the raw scenario
tables. Whether the step is long against the fastest process is
:mod:`sim.model.step_length`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .channels import hazard_of
from .population import TRUST_KINDS
from ..config.scenario import Scenario
from ..config.schema import SOURCES

__all__ = ["Rules", "SOURCE_CODE", "TRUST_OF_SOURCE", "TRUST_COLUMN", "MEDIA", "TWITTER", "DIRECT",
           "WORD_OF_MOUTH", "SEED"]

#: Code of each source of news (index into :data:`sim.config.schema.SOURCES`).
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


@dataclass(frozen=True)
class Rules:
    """The rule constants of one run, in the engines' units.

    Attributes
    ----------
    step_hours : float
        Length of a step, hours.
    steps : int
        Steps in the run.
    media : tuple of str
        The declared direct media, in declared order (their codes).
    read_rate : dict
        Per medium: reading rate per hour at attention 1 (1 / mean read
        delay in hours).
    belief : dict
        Per medium: multiplier of company trust with which its messages are
        believed (the chance is capped at 1).
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
    media: tuple
    read_rate: dict
    belief: dict
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
        media = d["channels"]["direct"]["media"]
        return cls(
            step_hours=scenario.step_hours,
            steps=scenario.n_steps,
            media=tuple(media),
            read_rate={m: 1.0 / spec["read_delay_hours"] for m, spec in media.items()},
            belief={m: spec["belief"] for m, spec in media.items()},
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

    def message_trust(self, company_trust, belief):
        """The chance a company message is believed: company trust x the medium's
        ``belief``, capped at 1. Shares; scalars or arrays."""
        return np.minimum(1.0, company_trust * belief)

    def trust_recovered(self, lost):
        """Company trust regained on first reading a company message after
        having heard elsewhere first (``lost`` from :meth:`trust_on_aware`)."""
        return self.late_contact_recovery * lost


# ---- the step length against the fastest process -------------------------------------
