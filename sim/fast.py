"""The fast engine: the same model as :mod:`sim.agents` on numpy arrays.

Person state is a set of arrays; the network is the shared CSR layers. The
cost of a run is O(people + edges) plus bookkeeping, because nothing is drawn
per person per step:

- a broadcast exposure, a message read and a telling along an edge are each
  drawn once as the *step at which it happens*, by inverting the cumulative
  hazard (an Exp(1) draw against the running sum of per-step hazards); this
  has exactly the distribution of the agents engine's per-step draws
  (probability ``1 - exp(-hazard of the step)`` in each step, given none
  before);
- those events wait in per-step buckets (:class:`Buckets`) and are checked
  against the state when their step comes (a believer ignores further
  broadcasts; a telling from a spreading period that was stopped or replaced
  is dropped).

The rules of a step (docs/MODEL.md, "Process overview") are those of the
agents engine: decisions read the start-of-step state, then the step's
exposures are absorbed together (:meth:`FastModel._absorb`).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from .channels import hazard_of
from .measures import empty_tally, row_from_tally
from .population import TRUST_KINDS
from .scenario import Scenario
from .schema import COHORTS, SOURCES
from .world import World, build_world

MEDIA, TWITTER, DIRECT, WORD_OF_MOUTH, SEED = (SOURCES.index(s) for s in
                                               ("media", "twitter", "direct", "word_of_mouth", "seed"))
#: Column of Population.trust for each source code (seed: peer).
TRUST_COLUMN = np.array([TRUST_KINDS.index(k) for k in ("media", "social", "company", "peer", "peer")])


def first_event_step(cumulative: np.ndarray, after: np.ndarray | int, draws: np.ndarray) -> np.ndarray:
    """Step of the first event at or after step ``after``.

    ``cumulative[k]`` is the hazard summed over steps 0..k-1 (length steps+1);
    ``draws`` are Exp(1) draws (already divided by any per-event rate). A
    result >= steps means no event within the run.
    """
    target = cumulative[after] + draws
    return np.searchsorted(cumulative, target, side="left") - 1


def cumulative(per_step: np.ndarray) -> np.ndarray:
    """[0, h0, h0+h1, ...]: running sum of per-step hazards (length steps+1)."""
    return np.concatenate([[0.0], np.cumsum(per_step)])


def edges_of(indptr: np.ndarray, indices: np.ndarray, people: np.ndarray):
    """All (source, neighbour) pairs of ``people`` in a CSR layer, vectorised."""
    starts, ends = indptr[people], indptr[people + 1]
    counts = ends - starts
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, np.int64), np.empty(0, indices.dtype)
    offsets = np.repeat(starts - np.cumsum(counts) + counts, counts)
    return np.repeat(people, counts), indices[offsets + np.arange(total)]


class Buckets:
    """Events waiting for their step: ``add(steps, *columns)``, ``take(step)``.

    An added batch is sorted by step once; each step keeps (batch, start, end)
    references and the columns are sliced only when the step is taken.
    """

    def __init__(self, steps: int, columns: int):
        self.steps = steps
        self.columns = columns
        self.chunks: dict[int, list] = defaultdict(list)

    def add(self, steps: np.ndarray, *columns: np.ndarray) -> None:
        keep = steps < self.steps
        if not keep.all():
            steps = steps[keep]
            columns = tuple(c[keep] for c in columns)
        if len(steps) == 0:
            return
        if steps[0] == steps[-1] and (steps == steps[0]).all():
            self.chunks[int(steps[0])].append((columns, 0, len(steps)))
            return
        order = np.argsort(steps, kind="stable")
        steps = steps[order]
        columns = tuple(c[order] for c in columns)
        bounds = np.flatnonzero(steps[1:] != steps[:-1]) + 1
        starts = [0, *bounds.tolist()]
        ends = [*starts[1:], len(steps)]
        chunks = self.chunks
        for step, start, end in zip(steps[starts].tolist(), starts, ends):
            chunks[step].append((columns, start, end))

    def take(self, step: int) -> tuple[np.ndarray, ...] | None:
        chunks = self.chunks.pop(step, None)
        if not chunks:
            return None
        if len(chunks) == 1:
            columns, start, end = chunks[0]
            return tuple(c[start:end] for c in columns)
        return tuple(np.concatenate([cols[i][start:end] for cols, start, end in chunks])
                     for i in range(self.columns))


class FastModel:
    """The breach-news model on arrays. ``FastModel(scenario, seed).run()``.

    Attributes after :meth:`run`: ``rows`` (one dict per time-series row) and
    ``world`` (the shared inputs). State arrays, one entry per person:
    ``aware_row`` (-1 unaware), ``first_source`` (code into SOURCES, -1),
    ``believes``, ``spread_until`` (last spreading step index, -1 none),
    ``period`` (spreading-period counter), ``propensity``, ``contacted_row``,
    ``company_trust``, ``trust_lost``.
    """

    def __init__(self, scenario: Scenario, seed: int | None = None):
        self.rng = np.random.default_rng(seed)
        self.world: World = build_world(scenario, self.rng)
        self.scenario = self.world.scenario
        self.steps = self.scenario.n_steps
        self.step_hours = self.scenario.step_hours
        self._set_rules()
        self._init_state()

    # ---- set-up ------------------------------------------------------------------
    def _set_rules(self) -> None:
        d, w = self.scenario.data, self.world
        wom = d["word_of_mouth"]
        self.attention_hours = cumulative(w.attention * self.step_hours)
        self.media = cumulative(w.broadcast.media)
        self.twitter = cumulative(w.broadcast.twitter)
        delays = d["channels"]["direct"]["read_delay_hours"]
        self.read_rate = {m: 1.0 / delay for m, delay in delays.items()}
        self.layer_hazards = [hazard_of(wom[layer.name]) for layer in w.network.layers]
        self.well_mixed = w.network.kind == "well_mixed"
        self.contacts_per_hour = d["network"]["contacts_per_hour"]
        self.p_contact_tells = wom["well_mixed"]
        self.stifling = wom["stifling"]
        self.share_multiplier = wom["share_multiplier_when_asked"]
        self.active_kind, self.active_hours = wom["active_kind"], wom["active_hours"]
        self.effects = d["trust"]["company_effects"]

    def _init_state(self) -> None:
        pop, n = self.world.population, self.world.size
        self.aware_row = np.full(n, -1, np.int32)
        self.first_source = np.full(n, -1, np.int8)
        self.believes = np.zeros(n, bool)
        self.spread_until = np.full(n, -1, np.int64)
        self.period = np.zeros(n, np.int32)
        self.propensity = np.ones(n)
        self.contacted_row = np.full(n, -1, np.int32)
        self.trust_columns = [np.ascontiguousarray(pop.trust[:, k]) for k in range(len(TRUST_KINDS))]
        self.company_trust = pop.trust[:, TRUST_KINDS.index("company")].copy()
        self.trust_lost = np.zeros(n)
        self.affected = pop.affected
        self.n_affected = int(self.affected.sum())
        self.tally = empty_tally()
        self.tally["sum_company_trust_affected"] = float(self.company_trust[self.affected].sum())
        self.broadcasts = Buckets(self.steps, 2)     # person, source
        self.reads = Buckets(self.steps, 2)          # person, asked
        self.tellings = Buckets(self.steps, 3)       # spreader, person told, period
        self._schedule_broadcast(np.flatnonzero(pop.follows_news), MEDIA, 0)
        self._schedule_broadcast(np.flatnonzero(pop.uses_twitter), TWITTER, 0)
        self.rows: list[dict] = []

    # ---- scheduling --------------------------------------------------------------
    def _schedule_broadcast(self, people: np.ndarray, source: int, after: int) -> None:
        cum = self.media if source == MEDIA else self.twitter
        if len(people) == 0 or cum[-1] <= cum[after]:
            return
        when = first_event_step(cum, after, self.rng.exponential(size=len(people)))
        self.broadcasts.add(when, people, np.full(len(people), source, np.int8))

    def _active_steps(self, count: int) -> np.ndarray:
        if self.active_kind == "forever":
            return np.full(count, self.steps + 1, np.int64)
        hours = np.full(count, self.active_hours)
        if self.active_kind == "exponential":
            hours = self.rng.exponential(self.active_hours, size=count)
        return np.maximum(1, np.ceil(hours / self.step_hours - 1e-9)).astype(np.int64)

    def _start_spreading(self, people: np.ndarray, row: int) -> None:
        """New spreading periods from step ``row``: draw each edge's telling step.

        An edge's Exp(1) draw E (by inversion of a uniform), divided by its
        rate (layer hazard x propensity), tells within the period iff it is
        below the attention-hours of the period; only those edges get a step
        (inverse cumulative attention) and wait in :attr:`tellings`.
        """
        until = row + self._active_steps(len(people)) - 1
        self.spread_until[people] = until
        self.period[people] += 1
        if self.well_mixed:
            return
        hours = self.attention_hours
        span = hours[np.minimum(until + 1, self.steps)] - hours[min(row, self.steps)]
        for layer, hazard in zip(self.world.network.layers, self.layer_hazards):
            if hazard <= 0:
                continue
            src, dst = edges_of(layer.indptr, layer.indices, people)
            if len(src) == 0:
                continue
            counts = layer.indptr[people + 1] - layer.indptr[people]
            rate = hazard * self.propensity[people]
            # U < 1 - exp(-rate x span) <=> E = -log(1 - U) < rate x span (told in the period)
            uniform = self.rng.random(len(src))
            told = uniform < np.repeat(-np.expm1(-rate * span), counts)
            src, dst = src[told], dst[told]
            with np.errstate(divide="ignore", over="ignore"):
                draws = -np.log1p(-uniform[told]) / np.repeat(rate, counts)[told]
            when = first_event_step(hours, row, draws)
            keep = when <= self.spread_until[src]
            self.tellings.add(when[keep], src[keep], dst[keep], self.period[src[keep]])

    # ---- one step ------------------------------------------------------------------
    def _send(self, k: int) -> None:
        pop = self.world.population
        for c in self.world.campaigns:
            sent = c.sent_in_step(k)
            if len(sent) == 0:
                continue
            reachable = pop.sms_reachable if c.medium == "sms" else pop.email_reachable
            got = sent[reachable[sent]]
            self.tally["direct_sent"] += len(sent)
            self.tally["direct_delivered"] += len(got)
            draws = self.rng.exponential(size=len(got)) / self.read_rate[c.medium]
            when = first_event_step(self.attention_hours, k + 1, draws)
            self.reads.add(when, got, np.full(len(got), c.ask_to_share))

    def _broadcast_exposures(self, k: int):
        due = self.broadcasts.take(k)
        if due is None:
            return None
        people, source = due
        open_minded = ~self.believes[people]
        people, source = people[open_minded], source[open_minded]
        for code in (MEDIA, TWITTER):
            self._schedule_broadcast(people[source == code], code, k + 1)
        return people, source, np.zeros(len(people), bool)

    def _read_exposures(self, k: int):
        due = self.reads.take(k)
        if due is None:
            return None
        people, asked = due
        self.tally["direct_read"] += len(people)
        return people, np.full(len(people), DIRECT, np.int8), asked

    def _word_of_mouth(self, k: int):
        """Tellings due in step k; returns (exposures, spreaders stifled)."""
        if self.well_mixed:
            src, dst = self._random_contacts(k)
        else:
            due = self.tellings.take(k)
            if due is None:
                return None, None
            src, dst, period = due
            valid = (self.period[src] == period) & (self.spread_until[src] >= k)
            src, dst = src[valid], dst[valid]
        stopped = None
        if self.stifling > 0 and len(src):
            knew = (self.aware_row[dst] >= 0) & (self.aware_row[dst] <= k)
            knew &= self.rng.random(len(src)) < self.stifling
            stopped = np.unique(src[knew])
        exposures = (dst, np.full(len(dst), WORD_OF_MOUTH, np.int8), np.zeros(len(dst), bool))
        return exposures, stopped

    def _random_contacts(self, k: int):
        n = self.world.size
        spreaders = np.flatnonzero(self.spread_until >= k)
        if n < 2 or len(spreaders) == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        rate = self.contacts_per_hour * (self.attention_hours[k + 1] - self.attention_hours[k])
        counts = self.rng.poisson(rate * self.propensity[spreaders])
        src = np.repeat(spreaders, counts)
        dst = self.rng.integers(0, n - 1, size=len(src))
        dst += dst >= src
        tells = self.rng.random(len(src)) < self.p_contact_tells
        return src[tells], dst[tells]

    def step(self, k: int) -> None:
        """Advance step index k (rows k -> k + 1)."""
        self._send(k)
        parts = [self._broadcast_exposures(k), self._read_exposures(k)]
        wom, stopped = self._word_of_mouth(k)
        parts.append(wom)
        parts = [p for p in parts if p is not None and len(p[0])]
        if stopped is not None and len(stopped):
            self.spread_until[stopped] = np.minimum(self.spread_until[stopped], k)
        if parts:
            people, source, asked = (np.concatenate(c) for c in zip(*parts))
            self._absorb(people.astype(np.int64), source, asked, k + 1)
        self._record(k + 1)

    # ---- absorbing a step's exposures --------------------------------------------
    def _absorb(self, people: np.ndarray, source: np.ndarray, asked: np.ndarray, row: int) -> None:
        """Apply exposures together (same rules as ``Person.absorb``)."""
        t = self.tally
        direct = source == DIRECT
        any_direct, any_asked = bool(direct.any()), bool(asked.any())
        if source[0] == source[-1] and (source == source[0]).all():   # one source: faster take
            trust = self.trust_columns[TRUST_COLUMN[source[0]]][people]
        else:
            trust = self.world.population.trust[people, TRUST_COLUMN[source]]
        if any_direct:
            trust = np.where(direct, self.company_trust[people], trust)
        hit = self.rng.random(len(people)) < trust
        hit |= source == SEED
        # group by person, in a random order within each person's exposures
        order = self._grouped_random_order(people)
        people, source, hit, trust = people[order], source[order], hit[order], trust[order]
        first = np.empty(len(people), bool)
        first[0] = True
        np.not_equal(people[1:], people[:-1], out=first[1:])
        who, pick = people[first], source[first]
        group = np.cumsum(first) - 1

        def any_in_group(flags: np.ndarray) -> np.ndarray:
            return np.bincount(group, weights=flags, minlength=len(who)) > 0

        believed = any_in_group(hit) if len(who) < len(people) else hit
        new = self.aware_row[who] < 0
        self._become_aware(who[new], pick[new], trust[first][new], row)
        if any_direct:
            got_direct = any_in_group(direct[order])
            self._first_contact(who[got_direct & (self.contacted_row[who] < 0)], row)
        newly = believed & ~self.believes[who]
        self.believes[who[newly]] = True
        t["believing"] += int(newly.sum())
        t["believing_affected"] += int(self.affected[who[newly]].sum())
        start = newly
        if any_asked:
            was_asked = any_in_group(asked[order])
            self.propensity[who[was_asked]] = self.share_multiplier
            start = newly | (was_asked & self.believes[who])
        if start.any():
            self._start_spreading(who[start], row)

    def _grouped_random_order(self, people: np.ndarray) -> np.ndarray:
        """Indices that sort ``people`` ascending, ties in a random order.

        Packs (person, random bits, index) into one int64 and sorts it, which is
        several times faster than a lexsort; falls back to lexsort when too few
        bits are left for the random part.
        """
        n = len(people)
        index_bits = max(1, (n - 1).bit_length())
        person_bits = max(1, (self.world.size - 1).bit_length())
        random_bits = 63 - index_bits - person_bits
        if random_bits < 10:
            return np.lexsort((self.rng.random(n), people))
        random_bits = min(random_bits, 30)
        key = people.astype(np.int64) << (random_bits + index_bits)
        key |= self.rng.integers(0, 1 << random_bits, size=n, dtype=np.int64) << index_bits
        key |= np.arange(n, dtype=np.int64)
        key.sort()
        return key & ((1 << index_bits) - 1)

    def _become_aware(self, who, source, trust, row: int) -> None:
        if len(who) == 0:
            return
        t, pop = self.tally, self.world.population
        self.aware_row[who] = row
        self.first_source[who] = source
        t["aware"] += len(who)
        for code, count in enumerate(np.bincount(source, minlength=len(SOURCES))):
            t["first_" + SOURCES[code]] += int(count)
        for code, count in enumerate(np.bincount(pop.cohort[who], minlength=len(COHORTS))):
            t["aware_" + COHORTS[code]] += int(count)
        t["sum_source_trust"] += float(trust.sum())
        hit = self.affected[who]
        t["aware_affected"] += int(hit.sum())
        for code, count in enumerate(np.bincount(source[hit], minlength=len(SOURCES))):
            t["first_" + SOURCES[code] + "_affected"] += int(count)
        change = hit & (source != SEED)
        who, source = who[change], source[change]
        before = self.company_trust[who]
        told_first = source == DIRECT
        lost = np.where(told_first, 0.0, self.effects["learned_elsewhere_first"] * before)
        after = np.where(told_first, before + self.effects["first_from_company"] * (1 - before),
                         before - lost)
        self.trust_lost[who] = lost
        self.company_trust[who] = after
        t["sum_company_trust_affected"] += float((after - before).sum())

    def _first_contact(self, who: np.ndarray, row: int) -> None:
        if len(who) == 0:
            return
        self.contacted_row[who] = row
        self.tally["contacted"] += len(who)
        late = who[(self.first_source[who] != DIRECT) & (self.trust_lost[who] > 0)]
        gain = self.effects["late_contact_recovery"] * self.trust_lost[late]
        self.company_trust[late] += gain
        self.tally["sum_company_trust_affected"] += float(gain.sum())

    # ---- running and recording -----------------------------------------------------
    def _record(self, row: int) -> None:
        spreading = int(np.count_nonzero(self.spread_until >= row))
        self.rows.append(row_from_tally(self.tally, spreading, self.n_affected))

    def run(self, on_step=None) -> None:
        """Plant the seeds, record row 0, run every step (calling ``on_step()`` after each)."""
        seeds = self.world.seeds
        if len(seeds):
            self._absorb(seeds.astype(np.int64), np.full(len(seeds), SEED, np.int8),
                         np.zeros(len(seeds), bool), 0)
        self._record(0)
        for k in range(self.steps):
            self.step(k)
            if on_step:
                on_step()
