"""The fast engine: the same model as :mod:`sim.model.agent_model` on arrays.

Person state is a set of arrays; the network is the shared CSR layers. The
cost of a run is O(people + edges) plus bookkeeping, because nothing is drawn
per person per step:

- a broadcast exposure, a message read and a telling along an edge are each
  drawn once as the *step at which it happens*, by inverting the cumulative
  hazard (an Exp(1) draw against the running sum of per-step hazards); this
  has exactly the distribution of the agents engine's per-step draws
  (probability ``1 - exp(-hazard of the step)`` in each step, given none
  before);
- those events wait for their step and are checked against the state when it
  comes (a believer ignores further broadcasts; a telling from a spreading
  period that was stopped or replaced is dropped).

The rules of a step (docs/MODEL.md, "Process overview") are those of the
agents engine: decisions read the start-of-step state, then the step's
exposures are absorbed together.

Two paths run this schedule: a compiled kernel (:mod:`sim.model.fast_numba`, used
when numba is installed) and vectorised numpy (:mod:`sim.model.fast_numpy`). They
draw the same numbers in the same order and give identical results, so which
one ran is not part of a run's identity. ``BREACHSIM_KERNEL=numpy`` (or
``numba``) chooses one; the default is numba when it can be imported.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .kernels import KERNELS, default_kernel
from .measures import COUNTS, SUMS, columns_from_arrays
from .rules import TRUST_COLUMN, Rules
from .segments import segment_columns
from ..config.schema import COHORTS, SOURCES
from .world import World

__all__ = ["FastEngine", "KERNELS", "default_kernel", "warm_up", "Inputs", "State", "Tally"]

class Inputs(NamedTuple):
    """Fixed arrays of one run, laid out for both paths (hazards per step,
    attention-hours, campaigns packed into flat arrays)."""

    media_cum: np.ndarray       # media hazard summed over steps 0..k-1 (length steps+1)
    twitter_cum: np.ndarray     # the same for Twitter
    hours_cum: np.ndarray       # attention x hours summed over steps 0..k-1
    followers: np.ndarray       # people who follow the news, ascending
    twitter_users: np.ndarray   # people who use Twitter, ascending
    trust: np.ndarray           # (people, 4) trust by kind, shares
    trust_column: np.ndarray    # column of ``trust`` per source code
    cohort: np.ndarray          # cohort code per person
    affected: np.ndarray        # current or former customer
    current: np.ndarray         # current customer (who can leave)
    reachable: np.ndarray       # (media, people): a message of the medium reaches them
    read_rate: np.ndarray       # per medium code (Rules.media): reads per hour at attention 1
    belief: np.ndarray          # per medium code: multiplier of company trust for its messages
    verified: np.ndarray        # per medium code: sender verified (impostors leave no doubt)
    camp_medium: np.ndarray     # per campaign (the company's, then the scam waves): medium code
    camp_flags: np.ndarray      # per campaign: ASKED | IMPOSTOR | MENTIONS (sim.model.rules)
    camp_offset: np.ndarray     # campaign c's people are camp_order[offset[c]:offset[c+1]]
    camp_order: np.ndarray      # people messaged, in sending order
    camp_sent: np.ndarray       # (campaigns, steps): messaged by the end of step k


class State(NamedTuple):
    """Person state, one entry per person (rows: time-series rows)."""

    aware_row: np.ndarray       # row at which aware, -1 unaware
    first_source: np.ndarray    # source code, -1 unaware
    believes: np.ndarray
    spread_until: np.ndarray    # last spreading step index, -1 never
    period: np.ndarray          # spreading periods started
    propensity: np.ndarray      # word-of-mouth multiplier
    contacted_row: np.ndarray   # row of the first company message read, -1 none
    company_trust: np.ndarray   # share
    trust_lost: np.ndarray      # share lost by hearing elsewhere first, beyond being told first
    met_scam: np.ndarray        # has read an impostor message
    scam_media: np.ndarray      # bit m set: has read an impostor message by unverified medium m
    harmed: np.ndarray          # harmed by an impostor message


def make_inputs(world: World, rules: Rules) -> Inputs:
    pop, steps = world.population, rules.steps
    campaigns = world.campaigns + world.scams
    sizes = [len(c.order) for c in campaigns]
    cumulative = lambda per_step: np.concatenate([[0.0], np.cumsum(per_step)])  # noqa: E731
    return Inputs(
        media_cum=cumulative(world.broadcast.media),
        twitter_cum=cumulative(world.broadcast.twitter),
        hours_cum=cumulative(world.attention * rules.step_hours),
        followers=np.flatnonzero(pop.follows_news).astype(np.int64),
        twitter_users=np.flatnonzero(pop.uses_twitter).astype(np.int64),
        trust=np.ascontiguousarray(pop.trust, dtype=np.float64),
        trust_column=TRUST_COLUMN,
        cohort=pop.cohort.astype(np.int64),
        affected=pop.affected,
        current=pop.customer == 1,
        reachable=pop.reachable,       # its rows are the media in declared order, as Rules.media
        read_rate=np.array([rules.read_rate[m] for m in rules.media]),
        belief=np.array([rules.belief[m] for m in rules.media], dtype=np.float64),
        verified=np.array([rules.verified[m] for m in rules.media], bool),
        camp_medium=np.array([rules.media.index(c.medium) for c in campaigns], np.int64),
        camp_flags=np.array([c.flags for c in campaigns], np.int64),
        camp_offset=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
        camp_order=(np.concatenate([c.order for c in campaigns]).astype(np.int64) if campaigns
                    else np.empty(0, np.int64)),
        camp_sent=(np.array([c.sent_by_step for c in campaigns], np.int64).reshape(len(campaigns), steps)),
    )


def make_state(world: World) -> State:
    n, pop = world.size, world.population
    return State(
        aware_row=np.full(n, -1, np.int32),
        first_source=np.full(n, -1, np.int8),
        believes=np.zeros(n, bool),
        spread_until=np.full(n, -1, np.int32),
        period=np.zeros(n, np.int32),
        propensity=np.ones(n),
        contacted_row=np.full(n, -1, np.int32),
        company_trust=pop.trust[:, TRUST_COLUMN[SOURCES.index("direct")]].astype(np.float64),
        trust_lost=np.zeros(n),
        met_scam=np.zeros(n, bool),
        scam_media=np.zeros(n, np.int64),
        harmed=np.zeros(n, bool),
    )


class Tally:
    """The counters (:data:`sim.model.measures.COUNTS`) and sums (:data:`SUMS`), by
    name or as arrays, and their values at every recorded row."""

    INDEX = {name: i for i, name in enumerate(COUNTS)}

    def __init__(self, steps: int, company_trust_affected: float, company_trust_public: float):
        self.counts = np.zeros(len(COUNTS), np.int64)
        self.sums = np.zeros(len(SUMS))
        self.sums[SUMS.index("sum_company_trust_affected")] = company_trust_affected
        self.sums[SUMS.index("sum_company_trust_public")] = company_trust_public
        self.rows_counts = np.zeros((steps + 1, len(COUNTS)), np.int64)
        self.rows_spreading = np.zeros(steps + 1, np.int64)
        self.rows_sums = np.zeros((steps + 1, len(SUMS)))
        self._first = self.INDEX[f"first_{SOURCES[0]}"]
        self._first_affected = self.INDEX[f"first_{SOURCES[0]}_affected"]
        self._cohort = self.INDEX[f"aware_{COHORTS[0]}"]
        self._affected_cohort = self.INDEX[f"aware_affected_{COHORTS[0]}"]

    def __getitem__(self, name: str):
        if name in SUMS:
            return self.sums[SUMS.index(name)]
        return self.counts[self.INDEX[name]]

    def __setitem__(self, name: str, value) -> None:
        if name in SUMS:
            self.sums[SUMS.index(name)] = value
        else:
            self.counts[self.INDEX[name]] = value

    def add_aware(self, source: np.ndarray, cohort: np.ndarray, affected: np.ndarray) -> None:
        """Count newly aware people by first source, cohort and affected."""
        c, n_sources = self.counts, len(SOURCES)
        c[self.INDEX["aware"]] += len(source)
        c[self.INDEX["aware_affected"]] += int(affected.sum())
        c[self._first:self._first + n_sources] += np.bincount(source, minlength=n_sources)
        c[self._first_affected:self._first_affected + n_sources] += np.bincount(
            source[affected], minlength=n_sources)
        c[self._cohort:self._cohort + len(COHORTS)] += np.bincount(cohort, minlength=len(COHORTS))
        c[self._affected_cohort:self._affected_cohort + len(COHORTS)] += np.bincount(
            cohort[affected], minlength=len(COHORTS))

    def record(self, row: int, spreading: int) -> None:
        self.rows_counts[row] = self.counts
        self.rows_sums[row] = self.sums
        self.rows_spreading[row] = spreading


class FastEngine:
    """The breach-news model on arrays (see :mod:`sim.model.engine` for the interface).

    ``kernel`` chooses the path ("numba" or "numpy"; default
    :func:`default_kernel`); both give identical results.
    """

    def __init__(self, world: World, rules: Rules, rng: np.random.Generator, kernel: str | None = None):
        self.kernel = kernel or default_kernel()
        if self.kernel not in KERNELS:
            raise ValueError(f"unknown kernel {self.kernel!r}; allowed: {', '.join(KERNELS)}")
        self.world, self.rules = world, rules
        self.inputs = make_inputs(world, rules)
        self.state = make_state(world)
        affected = world.population.affected
        self.n_affected = int(affected.sum())
        self.n_public = len(affected) - self.n_affected
        self.tally = Tally(rules.steps, float(self.state.company_trust[affected].sum()),
                           float(self.state.company_trust[~affected].sum()))
        if self.kernel == "numba":
            from .fast_numba import NumbaPath as Path
        else:
            from .fast_numpy import NumpyPath as Path
        self.path = Path(world, rules, rng, self.inputs, self.state, self.tally)
        self.path.start()

    def run(self, on_step=None) -> dict[str, np.ndarray]:
        """Run every step (calling ``on_step()`` after each); the time-series columns."""
        steps = self.rules.steps
        if on_step is None:
            self.path.steps(0, steps)
        else:
            for k in range(steps):
                self.path.steps(k, k + 1)
                on_step()
        t, s, pop = self.tally, self.state, self.world.population
        columns = columns_from_arrays(t.rows_counts, t.rows_spreading, t.rows_sums, self.n_affected,
                                      self.n_public)
        columns.update(segment_columns(pop, steps + 1, s.aware_row, s.first_source, s.contacted_row,
                                       s.company_trust, self.rules))
        return columns


def warm_up() -> str:
    """Load (or, the first time on a machine, compile and cache) the kernel in
    this process with a tiny run; returns the path used.

    A parent that starts worker processes can call it first, so that the
    workers load the cached kernel instead of each compiling it.
    """
    from importlib import resources

    from .engine import prepare
    from ..config.scenario import load_scenario

    kernel = default_kernel()
    with resources.as_file(resources.files("sim") / "defaults.toml") as defaults:
        tiny = load_scenario(defaults, {"population.size": 50, "scenario.hours": 2, "seeds.count": 2})
    FastEngine(*prepare(tiny, 0), kernel=kernel).run()
    return kernel
