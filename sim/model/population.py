"""The people: cohort, customer group, media habits, reachability and trust.

Cohorts and customer groups are exact counts (largest-remainder rounding of
share x people) dealt to people in a random order, so every run of a scenario
has the same number of affected customers, matching its input; habits and
trust are drawn per person. Both engines start from the same
:class:`Population` (numpy arrays, one entry per agent); the agents engine
copies each entry into a ``Person``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..config.schema import COHORTS, CUSTOMER_GROUPS
from ..config.scenario import Scenario
from . import keyed
from .keyed import Keys

#: Trust kinds, columns of ``Population.trust``.
TRUST_KINDS = ("media", "social", "company", "peer")
#: Customer codes in ``Population.customer``.
NOT_CUSTOMER, CURRENT, FORMER = 0, 1, 2


@dataclass
class Population:
    """Per-person attributes that do not change during a run.

    Attributes
    ----------
    cohort : int8 array
        Index into :data:`sim.config.schema.COHORTS`.
    customer : int8 array
        0 not a customer, 1 current, 2 former customer.
    follows_news, uses_twitter : bool arrays
        Media habits.
    media : tuple of str
        The declared direct media (``channels.direct.media``), in declared order.
    reachable : bool array, shape (media, people)
        Whether a message of each medium sent to this person is delivered
        (always False for non-customers).
    trust : float array, shape (people, 4)
        Trust in each source kind, columns :data:`TRUST_KINDS`, shares in [0, 1].
    segments : tuple of str
        The scenario's segment names (``population.segments``), in declared order.
    in_segment : bool array, shape (segments, people)
        Who is in each segment (affected customers only); filled in by
        :func:`sim.model.segments.draw_segments` once the world is drawn.
    """

    cohort: np.ndarray
    customer: np.ndarray
    follows_news: np.ndarray
    uses_twitter: np.ndarray
    media: tuple[str, ...]
    reachable: np.ndarray
    trust: np.ndarray
    segments: tuple[str, ...] = ()
    in_segment: np.ndarray | None = None

    @property
    def size(self) -> int:
        return len(self.cohort)

    @property
    def affected(self) -> np.ndarray:
        """Current and former customers (bool array)."""
        return self.customer != NOT_CUSTOMER


def exact_counts(shares, total: int) -> np.ndarray:
    """Whole numbers in proportion to ``shares`` that add up to ``total``.

    Largest-remainder (Hamilton) rounding: each count is the floor of its quota
    ``share / sum(shares) * total`` or one more; the remainders go to the
    largest fractional parts, ties to the earlier share. Shares are rescaled
    to sum to 1 (so shares accepted within a tolerance never fail).
    """
    shares = np.asarray(shares, dtype=float)
    quota = shares / shares.sum() * total
    counts = np.floor(quota).astype(np.int64)
    short = total - int(counts.sum())
    if short > 0:
        order = np.argsort(-(quota - counts), kind="stable")
        counts[order[:short]] += 1
    return counts


def deal(key: np.uint64, counts: np.ndarray) -> np.ndarray:
    """Group indexes: ``counts[g]`` people in group g, in a random order (keyed stream ``key``)."""
    return keyed.shuffled(key, np.repeat(np.arange(len(counts), dtype=np.int32), counts))


def _by_group(values: dict, keys: tuple[str, ...], index: np.ndarray) -> np.ndarray:
    """Look up a per-group table for each person's group index."""
    return np.array([values[k] for k in keys], dtype=float)[index]


def _trust_means(spec, cohort: np.ndarray) -> np.ndarray:
    if isinstance(spec, Mapping):                  # one value per cohort
        return _by_group(spec, COHORTS, cohort)
    return np.full(len(cohort), float(spec))


def _reach_shares(reachable, group: np.ndarray, cohort: np.ndarray) -> np.ndarray:
    """Per person: the share of their customer group (and generation, where the
    medium gives one per generation) that the medium reaches."""
    out = np.empty(len(group))
    for g, name in enumerate(CUSTOMER_GROUPS):
        mine = group == g
        out[mine] = _trust_means(reachable[name], cohort[mine])
    return out


def build_population(scenario: Scenario, keys: Keys, size: int | None = None) -> Population:
    """Give every person their fixed attributes from the scenario's shares.

    Cohort and customer group: exact counts (:func:`exact_counts`) dealt at
    random, independently of each other; then trust of each kind (Beta draws
    with the cohort's mean), habits (by cohort) and reachability by each
    declared medium (by customer group, optionally by cohort): independent
    draws per person. Each attribute has its own keyed stream
    (:mod:`sim.model.keyed`), so adding a medium changes no other draw.
    Segments are drawn later, from their own streams (:mod:`sim.model.segments`).

    ``size`` overrides ``population.size`` (used when a network file fixes it).
    """
    pop = scenario.population
    n = size or pop["size"]
    cohort = deal(keys["cohort"], exact_counts([pop["cohorts"][c] for c in COHORTS], n))
    shares = [pop["customers"][g] for g in CUSTOMER_GROUPS]
    customer = deal(keys["customer"], exact_counts([max(0.0, 1.0 - sum(shares)), *shares], n))
    habits = pop["habits"]

    def habit(name: str, keys_: tuple[str, ...], index: np.ndarray) -> np.ndarray:
        return keyed.bernoulli(keys[f"habit_{name}"], _by_group(habits[name], keys_, index))

    group = np.maximum(customer - 1, 0)   # index into CUSTOMER_GROUPS for customers
    is_customer = customer != NOT_CUSTOMER
    trust_cfg = scenario.trust
    trust = np.empty((n, len(TRUST_KINDS)))
    for j, kind in enumerate(TRUST_KINDS):
        trust[:, j] = keyed.beta(keys[f"trust_{kind}_a"], keys[f"trust_{kind}_b"],
                                 _trust_means(trust_cfg[kind], cohort), trust_cfg["concentration"])
    media = scenario.channels.direct.media
    reachable = np.zeros((len(media), n), dtype=bool)
    for j, m in enumerate(media):
        reachable[j] = keyed.bernoulli(keys[f"reach_{m}"], _reach_shares(media[m]["reachable"], group, cohort))
        reachable[j] &= is_customer
    return Population(
        cohort=cohort.astype(np.int8),
        customer=customer.astype(np.int8),
        follows_news=habit("news", COHORTS, cohort),
        uses_twitter=habit("twitter", COHORTS, cohort),
        media=tuple(media),
        reachable=reachable,
        trust=trust,
    )
