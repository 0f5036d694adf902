"""The model's rules as numbers, derived once from a scenario for every engine.

:class:`Rules` holds the per-step rule constants (word-of-mouth hazards, read
rates, stifling, the spreading period, the company-trust effects) in the
units the engines use, and the few formulas both engines apply to them
(:meth:`Rules.spreading_until`, :meth:`Rules.trust_on_aware`,
:meth:`Rules.public_trust_on_aware`, :meth:`Rules.trust_recovered`,
:meth:`Rules.service_gain`, :meth:`Rules.message_trust`, :meth:`Rules.churn_chance`). Engines read these, never the raw scenario
tables. Whether the step is long against the fastest process is
:mod:`sim.model.step_length`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import channels
from .channels import hazard_of
from .population import TRUST_KINDS
from ..config.scenario import Scenario
from ..config.schema import SOURCES

__all__ = ["Rules", "SOURCE_CODE", "TRUST_OF_SOURCE", "TRUST_COLUMN", "MEDIA", "TWITTER", "DIRECT",
           "WORD_OF_MOUTH", "SEED", "SCAM", "ASKED", "IMPOSTOR", "MENTIONS"]

#: Code of each source of news (index into :data:`sim.config.schema.SOURCES`).
SOURCE_CODE = {name: code for code, name in enumerate(SOURCES)}
MEDIA, TWITTER, DIRECT, WORD_OF_MOUTH, SEED, SCAM = (SOURCE_CODE[s] for s in
                                                     ("media", "twitter", "direct", "word_of_mouth", "seed", "scam"))
#: Flags of a delivered message (:data:`sim.model.channels.ASKED`), for the engines.
ASKED, IMPOSTOR, MENTIONS = channels.ASKED, channels.IMPOSTOR, channels.MENTIONS
#: Kind of trust with which an exposure from each source is believed (direct:
#: the person's current company trust, which starts at their ``company`` trust; an
#: impostor message passes as the company's and is judged the same way).
TRUST_OF_SOURCE = {"media": "media", "twitter": "social", "direct": "company",
                   "word_of_mouth": "peer", "seed": "peer", "scam": "company"}
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
    verified : dict
        Per medium: its sender is verified, so impostor messages by it leave
        no doubt behind (docs/MODEL.md, section 7.10).
    scam_doubt, scam_harm : float
        Share of belief lost in the company's messages by a medium after
        reading an impostor message by it; chance that reading an impostor
        message harms the reader.
    churn_per_trust_lost : float
        Chance that a current customer leaves per unit of company trust lost
        (:meth:`churn_chance`).
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
    breach_loss_told_first, breach_loss_elsewhere_first, late_contact_recovery, public_loss, service_recovery : float
        The company-trust effects, shares (docs/MODEL.md, section 7.8); the loss when told
        first is ``told_first_share`` x the loss elsewhere first, so it is never the larger.
    """

    step_hours: float
    steps: int
    media: tuple
    read_rate: dict
    belief: dict
    verified: dict
    scam_doubt: float
    scam_harm: float
    churn_per_trust_lost: float
    layer_hazard: dict
    well_mixed: bool
    contacts_per_hour: float
    contact_tells: float
    stifling: float
    share_multiplier: float
    active_kind: str
    active_hours: float
    breach_loss_told_first: float
    breach_loss_elsewhere_first: float
    late_contact_recovery: float
    public_loss: float
    service_recovery: float

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
            verified={m: spec["verified"] for m, spec in media.items()},
            scam_doubt=d["channels"]["scam"]["doubt"],
            scam_harm=d["channels"]["scam"]["harm"],
            churn_per_trust_lost=d["company"]["churn"]["per_trust_lost"],
            layer_hazard={layer: hazard_of(wom[layer]) for layer in ("household", "social")},
            well_mixed=d["network"]["kind"] == "well_mixed",
            contacts_per_hour=d["network"]["contacts_per_hour"],
            contact_tells=wom["well_mixed"],
            stifling=wom["stifling"],
            share_multiplier=wom["share_multiplier_when_asked"],
            active_kind=wom["active_kind"],
            active_hours=wom["active_hours"],
            breach_loss_told_first=effects["told_first_share"] * effects["breach_loss_elsewhere_first"],
            breach_loss_elsewhere_first=effects["breach_loss_elsewhere_first"],
            late_contact_recovery=effects["late_contact_recovery"],
            public_loss=effects["public_loss"],
            service_recovery=effects["service_recovery"],
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
        """Company trust of affected customers (not seeds) on learning of the breach.

        Returns ``(after, extra)``: told first by the company, a share
        ``breach_loss_told_first`` of their trust is lost; told first
        elsewhere, a share ``breach_loss_elsewhere_first``, and ``extra`` is
        what that cost beyond being told first (remembered for a later
        recovery, never below 0). Shares; scalars or arrays.
        """
        trust = np.asarray(trust, dtype=float)
        told, elsewhere = self.breach_loss_told_first, self.breach_loss_elsewhere_first
        after = np.where(from_company, trust - told * trust, trust - elsewhere * trust)
        extra = np.where(from_company, 0.0, max(0.0, elsewhere - told) * trust)
        return after, extra

    def public_trust_on_aware(self, trust):
        """Company trust of a person not affected on learning of the breach: a
        share ``public_loss`` of it is lost. Shares; scalars or arrays."""
        trust = np.asarray(trust, dtype=float)
        return trust - self.public_loss * trust

    def message_trust(self, company_trust, belief, doubted=False):
        """The chance a company message is believed: company trust x the medium's
        ``belief``, x (1 - ``scam_doubt``) if the reader has read an impostor
        message by that medium (``doubted``), capped at 1. Shares; scalars or arrays."""
        chance = np.minimum(1.0, company_trust * belief)
        return np.where(doubted, chance * (1.0 - self.scam_doubt), chance)

    def trust_recovered(self, extra):
        """Company trust regained on first reading a company message after
        having heard elsewhere first (``extra`` from :meth:`trust_on_aware`)."""
        return self.late_contact_recovery * extra

    def service_gain(self, trust):
        """Company trust gained on first reading a company message (after any
        recovery): ``service_recovery`` of the gap to 1 (0 by default)."""
        return self.service_recovery * (1.0 - np.asarray(trust, dtype=float))

    def churn_chance(self, initial, current):
        """Chance that a current customer leaves, from the company trust lost since
        the start: ``min(1, churn_per_trust_lost x max(0, initial - current))``.
        Shares; scalars or arrays."""
        lost = np.maximum(0.0, np.asarray(initial, dtype=float) - current)
        return np.minimum(1.0, self.churn_per_trust_lost * lost)


# ---- the step length against the fastest process -------------------------------------
