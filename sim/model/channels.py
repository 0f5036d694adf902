"""The company's and the world's channels: media, Twitter and direct campaigns.

Broadcast channels are turned into an exposure *hazard integral* per step: the
hours-weighted hazard a person with the habit (news follower, Twitter user)
faces during that step, attention included. The probability of exposure in
step k is ``1 - exp(-integral[k])``, so results do not depend on the step
length beyond discretisation.

A pulse (press release, tweet) with ``reach`` r and half-life h has hazard
``H * ln2 / h * 2**(-(t - at) / h)`` for t >= at, where ``H = -ln(1 - r)``:
over its whole decay, at attention 1, a share r of those with the habit is
exposed.

Direct campaigns send messages by a declared medium, in a fixed order, at a
fixed throughput; see :class:`Campaign`. Scam waves send impostor messages the
same way, to a random share of the people they target
(:func:`build_scam_waves`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import keyed
from .keyed import Keys
from .population import Population
from ..config.scenario import Scenario
from ..config.targeting import selection_of
from ..config.vocabulary import COHORTS, CUSTOMER_GROUPS

#: Cap for -ln(1 - reach) when reach is 1 (exposure then is certain to 1e-9).
MAX_PULSE_HAZARD = -math.log(1e-9)


#: Flags of a delivered message: it asks to share; it is an impostor's; it mentions the breach.
ASKED, IMPOSTOR, MENTIONS = 1, 2, 4

#: Hazard used for a probability of exactly 1 (1 - exp(-50) is 1 to 21 digits).
MAX_HAZARD = 50.0


def hazard_of(probability: float) -> float:
    """Hourly hazard h with 1 - exp(-h) = probability (e.g. a word-of-mouth
    probability per hour, turned into a rate that attention can scale)."""
    return MAX_HAZARD if probability >= 1 else -math.log1p(-probability)


def pulse_integrals(pulses: list[dict], n_steps: int, step_hours: float) -> np.ndarray:
    """Hazard integrated over each step (attention 1) summed over pulses."""
    edges = np.arange(n_steps + 1) * step_hours
    out = np.zeros(n_steps)
    for pulse in pulses:
        total = min(-math.log1p(-pulse["reach"]) if pulse["reach"] < 1 else math.inf,
                    MAX_PULSE_HAZARD)
        since = np.clip(edges - pulse["at_hour"], 0.0, None)
        remaining = total * np.exp2(-since / pulse["half_life_hours"])
        out += remaining[:-1] - remaining[1:]
    return out


@dataclass
class Broadcast:
    """Per-step hazard integrals for a person with the habit, attention included."""

    media: np.ndarray
    twitter: np.ndarray


def build_broadcast(scenario: Scenario, attention: np.ndarray) -> Broadcast:
    """Media (releases + constant background) and Twitter hazards per step."""
    ch = scenario.channels
    n, dt = scenario.n_steps, scenario.step_hours
    media = pulse_integrals(ch["media"]["releases"], n, dt) + ch["media"]["constant_hazard"] * dt
    twitter = pulse_integrals(ch["twitter"]["posts"], n, dt)
    return Broadcast(media * attention, twitter * attention)


@dataclass
class Campaign:
    """One direct campaign by one of the declared media.

    ``order`` lists the people messaged, in sending order: the customer groups
    targeted in the order given (all groups if none is named), each in the
    run's customer-list order, keeping those of the generations and segments
    targeted (:mod:`sim.config.targeting`); then moved to the front by
    ``priority``, stably: those matching its first entry, then its second, ...
    ``sent_by_step[k]`` is how many of them have been sent a message by the end
    of step k: ``floor(rate * (t_end(k) - start_hour))`` capped at
    ``len(order)``, with ``rate = per_hour / people_per_agent`` (agents per
    hour). A message sent in step k is delivered at once if the person is
    reachable by the medium and can be read from step k + 1.
    """

    index: int
    medium: str
    targets: tuple[str, ...]
    priority: tuple[str, ...]
    ask_to_share: bool
    start_hour: float
    end_hour: float
    order: np.ndarray
    sent_by_step: np.ndarray
    impostor: bool = False
    mentions_breach: bool = False

    @property
    def flags(self) -> int:
        """Its messages' flags: ASKED | IMPOSTOR | MENTIONS."""
        return ASKED * self.ask_to_share + IMPOSTOR * self.impostor + MENTIONS * self.mentions_breach

    def sent_in_step(self, step: int) -> np.ndarray:
        """People sent a message during ``step``."""
        before = self.sent_by_step[step - 1] if step > 0 else 0
        return self.order[before:self.sent_by_step[step]]


def customer_lists(population: Population, keys: Keys) -> dict[str, np.ndarray]:
    """The company's list of each customer group, in a random order (a keyed stream per group)."""
    return {g: keyed.shuffled(keys[f"list_{g}"], np.flatnonzero(population.customer == i + 1))
            for i, g in enumerate(CUSTOMER_GROUPS)}


def _matches(population: Population, people: np.ndarray, name: str) -> np.ndarray:
    """Which of ``people`` a target name (group, generation or segment) holds."""
    if name in CUSTOMER_GROUPS:
        return population.customer[people] == 1 + CUSTOMER_GROUPS.index(name)
    if name in COHORTS:
        return population.cohort[people] == COHORTS.index(name)
    return population.in_segment[population.segments.index(name)][people]


def send_order(population: Population, lists: dict[str, np.ndarray], targets, priority) -> np.ndarray:
    """The people a campaign messages, in sending order (see :class:`Campaign`)."""
    chosen = selection_of(targets, population.segments)
    order = np.concatenate([lists[g] for g in chosen.groups])
    for kind in (chosen.cohorts, chosen.segments):
        if kind:
            order = order[np.logical_or.reduce([_matches(population, order, t) for t in kind])]
    if priority:
        rank = np.full(len(order), len(priority))
        for j in range(len(priority) - 1, -1, -1):
            rank[_matches(population, order, priority[j])] = j
        order = order[np.argsort(rank, kind="stable")]
    return order


def build_campaigns(scenario: Scenario, lists: dict[str, np.ndarray], population: Population) -> list[Campaign]:
    """The scenario's campaigns with their send schedules."""
    campaigns = []
    for i, cfg in enumerate(scenario.channels.direct.campaigns):
        order = send_order(population, lists, cfg["targets"], cfg["priority"])
        campaigns.append(_scheduled(scenario, i, cfg, order, cfg["priority"], cfg["ask_to_share"]))
    return campaigns


def _scheduled(scenario: Scenario, index: int, cfg: dict, order: np.ndarray, priority, asked: bool,
               impostor: bool = False, mentions: bool = False) -> Campaign:
    """A campaign or wave sending to ``order`` at ``cfg``'s throughput from its start."""
    ends = np.arange(1, scenario.n_steps + 1) * scenario.step_hours
    rate = cfg["per_hour"] / scenario.people_per_agent
    sent = np.floor(rate * np.clip(ends - cfg["start_hour"], 0.0, None) + 1e-9)
    sent = np.minimum(sent, len(order)).astype(np.int64)
    return Campaign(index, cfg["medium"], tuple(cfg["targets"]), tuple(priority), asked, cfg["start_hour"],
                    cfg["start_hour"] + len(order) / rate, order, sent, impostor, mentions)


def build_scam_waves(scenario: Scenario, population: Population, keys: Keys) -> list[Campaign]:
    """The scenario's scam waves as impostor campaigns.

    Wave i draws from its own keyed stream (purpose ``scam_wave:i``), so
    declaring a wave changes no other draw of the run: of the people it
    targets, a random share ``share`` (rounded to whole agents) is messaged,
    in a random order, at ``per_hour`` messages an hour from ``start_hour``.
    """
    waves = []
    listed = {g: np.nonzero(population.customer == k + 1)[0] for k, g in enumerate(CUSTOMER_GROUPS)}
    for i, cfg in enumerate(scenario.data["channels"]["scam"]["waves"]):
        targeted = send_order(population, listed, cfg["targets"], [])
        reached = keyed.shuffled(keys[f"scam_wave:{i}"], targeted)[: int(round(cfg["share"] * len(targeted)))]
        waves.append(_scheduled(scenario, i, cfg, reached, (), False, True, cfg["mentions_breach"]))
    return waves
