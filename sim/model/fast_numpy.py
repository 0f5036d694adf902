"""The fast engine's schedule in vectorised numpy (the path used without numba).

Each phase of a step handles all its events with a few array operations;
the compiled kernel (:mod:`sim.model.fast_numba`) runs the same schedule event by
event and draws the same random numbers in the same order, so both give
identical results (docs/MODEL.md, section 3.1, lists the schedule). Events wait
in :class:`Buckets`, in the order they were added.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from .rules import ASKED, DIRECT, IMPOSTOR, MEDIA, MENTIONS, SCAM, SEED, TWITTER, WORD_OF_MOUTH, Rules
from .world import World

__all__ = ["NumpyPath", "Buckets", "first_event_step", "edges_of", "sequential_sum"]


def first_event_step(cumulative: np.ndarray, after, draws: np.ndarray) -> np.ndarray:
    """Step of the first event at or after step ``after``.

    ``cumulative[k]`` is the hazard summed over steps 0..k-1 (length steps+1);
    ``draws`` are Exp(1) draws already divided by the event's rate. A result
    >= steps means no event within the run.
    """
    target = cumulative[after] + draws
    return np.searchsorted(cumulative, target, side="left") - 1


def edges_of(indptr: np.ndarray, indices: np.ndarray, people: np.ndarray):
    """All (source, neighbour) pairs of ``people`` in a CSR layer, in CSR order."""
    starts, ends = indptr[people], indptr[people + 1]
    counts = ends - starts
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, np.int64), np.empty(0, indices.dtype), counts
    offsets = np.repeat(starts - np.cumsum(counts) + counts, counts)
    return np.repeat(people, counts), indices[offsets + np.arange(total)], counts


def sequential_sum(values: np.ndarray) -> float:
    """Left-to-right sum (as a loop adds), so both paths round alike."""
    return float(np.cumsum(values)[-1]) if len(values) else 0.0


class Buckets:
    """Events waiting for their step: ``add(steps, *columns)``, ``take(step)``.

    Within a step, events come out in the order they were added. An added
    batch is sorted by step once (stable); each step keeps (batch, start, end)
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
        for step, start, end in zip(steps[starts].tolist(), starts, ends):
            self.chunks[step].append((columns, start, end))

    def take(self, step: int) -> tuple[np.ndarray, ...] | None:
        chunks = self.chunks.pop(step, None)
        if not chunks:
            return None
        if len(chunks) == 1:
            columns, start, end = chunks[0]
            return tuple(c[start:end] for c in columns)
        return tuple(np.concatenate([cols[i][start:end] for cols, start, end in chunks])
                     for i in range(self.columns))


class NumpyPath:
    """Runs the fast engine's schedule on the shared state ``s`` (:class:`sim.model.fast.State`).

    ``start()`` schedules the broadcasts, plants the seeds and records row 0;
    ``steps(first, last)`` runs step indices first..last-1.
    """

    def __init__(self, world: World, rules: Rules, rng: np.random.Generator, inputs, state, tally: dict):
        self.world, self.rules, self.rng = world, rules, rng
        self.i, self.s, self.t = inputs, state, tally
        steps = rules.steps
        self.broadcasts = Buckets(steps, 2)     # person, source
        self.reads = Buckets(steps, 3)          # person, flags (ASKED | IMPOSTOR | MENTIONS), medium code
        self.scam_reads = None                  # this step's impostor messages read: person, medium code
        self.tellings = Buckets(steps, 3)       # spreader, person told, period
        self.layers = [(layer, rules.layer_hazard[layer.name]) for layer in world.network.layers]

    # ---- start and run ---------------------------------------------------------
    def start(self) -> None:
        i = self.i
        self._schedule_broadcast(i.followers, MEDIA, 0)
        self._schedule_broadcast(i.twitter_users, TWITTER, 0)
        seeds = self.world.seeds.astype(np.int64)
        if len(seeds):
            self._absorb(seeds, np.full(len(seeds), SEED, np.int8), np.zeros(len(seeds), bool), 0)
        self._record(0)

    def steps(self, first: int, last: int) -> None:
        for k in range(first, last):
            self._step(k)

    def _step(self, k: int) -> None:
        """Step index k (rows k -> k + 1)."""
        self._send(k)
        self.scam_reads = None
        parts = [self._broadcast_exposures(k), self._read_exposures(k), self._word_of_mouth(k)]
        parts = [p for p in parts if p is not None and len(p[0])]
        if parts:
            people, source, asked, medium = (np.concatenate(c) for c in zip(*parts))
            self._absorb(people.astype(np.int64), source, asked, k + 1, medium)
        if self.scam_reads is not None:
            self._after_scams(*self.scam_reads)
        self._record(k + 1)

    # ---- scheduling ----------------------------------------------------------------
    def _schedule_broadcast(self, people: np.ndarray, source: int, after: int) -> None:
        cum = self.i.media_cum if source == MEDIA else self.i.twitter_cum
        if len(people) == 0 or cum[-1] <= cum[after]:
            return
        when = first_event_step(cum, after, self.rng.standard_exponential(len(people)))
        self.broadcasts.add(when, people, np.full(len(people), source, np.int8))

    def _send(self, k: int) -> None:
        i, t = self.i, self.t
        for c in range(len(i.camp_medium)):
            before = i.camp_sent[c, k - 1] if k > 0 else 0
            sent = i.camp_order[i.camp_offset[c] + before: i.camp_offset[c] + i.camp_sent[c, k]]
            if len(sent) == 0:
                continue
            medium, flags = i.camp_medium[c], i.camp_flags[c]
            got = sent[i.reachable[medium][sent]]
            kind = "scam" if flags & IMPOSTOR else "direct"
            t[f"{kind}_sent"] += len(sent)
            t[f"{kind}_delivered"] += len(got)
            draws = self.rng.standard_exponential(len(got)) / i.read_rate[medium]
            when = first_event_step(i.hours_cum, k + 1, draws)
            self.reads.add(when, got, np.full(len(got), flags, np.int64), np.full(len(got), medium, np.int64))

    def _start_spreading(self, people: np.ndarray, row: int) -> None:
        """New spreading periods from ``row`` for ``people`` (ascending).

        Each edge of a new spreader gets one Exp(1) draw E: with rate = layer
        hazard x propensity, it tells within the period iff E < rate x the
        attention-hours of the period, and then at the step where the
        attention-hours since ``row`` first reach E / rate.
        """
        s, rules, hours, steps = self.s, self.rules, self.i.hours_cum, self.rules.steps
        draws = (self.rng.standard_exponential(len(people)) if rules.active_kind == "exponential"
                 else np.zeros(len(people)))
        until = rules.spreading_until(row, draws)
        s.spread_until[people] = until
        s.period[people] += 1
        if rules.well_mixed:
            return
        span = hours[np.minimum(until + 1, steps)] - hours[row]
        for layer, hazard in self.layers:
            if hazard <= 0:
                continue
            src, dst, counts = edges_of(layer.indptr, layer.indices, people)
            if len(src) == 0:
                continue
            rate = hazard * s.propensity[people]
            exp = self.rng.standard_exponential(len(src))
            told = exp < np.repeat(rate * span, counts)
            src, dst = src[told], dst[told]
            when = first_event_step(hours, row, exp[told] / np.repeat(rate, counts)[told])
            keep = when <= s.spread_until[src]
            self.tellings.add(when[keep], src[keep], dst[keep], s.period[src[keep]])

    # ---- the exposures of a step -----------------------------------------------------
    def _broadcast_exposures(self, k: int):
        due = self.broadcasts.take(k)
        if due is None:
            return None
        people, source = due
        open_minded = ~self.s.believes[people]
        people, source = people[open_minded], source[open_minded]
        for code in (MEDIA, TWITTER):
            self._schedule_broadcast(people[source == code], code, k + 1)
        return people, source, np.zeros(len(people), bool), np.full(len(people), -1, np.int64)

    def _read_exposures(self, k: int):
        due = self.reads.take(k)
        if due is None:
            return None
        people, flags, medium = due
        impostor = (flags & IMPOSTOR) != 0
        self.t["direct_read"] += int(np.count_nonzero(~impostor))
        if impostor.any():
            self.t["scam_read"] += int(np.count_nonzero(impostor))
            self.scam_reads = (people[impostor], medium[impostor])
            keep = ~impostor | ((flags & MENTIONS) != 0)
            people, flags, medium, impostor = people[keep], flags[keep], medium[keep], impostor[keep]
        source = np.where(impostor, SCAM, DIRECT).astype(np.int8)
        return people, source, (flags & ASKED) != 0, medium

    def _word_of_mouth(self, k: int):
        """The tellings of step k as exposures; stifled spreaders stop after step k."""
        s = self.s
        if self.rules.well_mixed:
            src, dst = self._random_contacts(k)
        else:
            due = self.tellings.take(k)
            if due is None:
                return None
            src, dst, period = due
            valid = (s.period[src] == period) & (s.spread_until[src] >= k)
            src, dst = src[valid], dst[valid]
        if self.rules.stifling > 0 and len(src):
            knew = (s.aware_row[dst] >= 0) & (s.aware_row[dst] <= k)
            knew &= self.rng.random(len(src)) < self.rules.stifling
            stopped = src[knew]
            s.spread_until[stopped] = np.minimum(s.spread_until[stopped], k)
        return (dst, np.full(len(dst), WORD_OF_MOUTH, np.int8), np.zeros(len(dst), bool),
                np.full(len(dst), -1, np.int64))

    def _random_contacts(self, k: int):
        n, s, hours = self.world.size, self.s, self.i.hours_cum
        spreaders = np.flatnonzero(s.spread_until >= k)
        if n < 2 or len(spreaders) == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        rate = self.rules.contacts_per_hour * (hours[k + 1] - hours[k])
        src = np.repeat(spreaders, self.rng.poisson(rate * s.propensity[spreaders]))
        dst = (self.rng.random(len(src)) * (n - 1)).astype(np.int64)
        dst += dst >= src
        tells = self.rng.random(len(src)) < self.rules.contact_tells
        return src[tells], dst[tells]

    # ---- absorbing a step's exposures ------------------------------------------------
    def _absorb(self, people: np.ndarray, source: np.ndarray, asked: np.ndarray, row: int,
                medium: np.ndarray | None = None) -> None:
        """Apply one step's exposures together, person by person (docs/MODEL.md 7.7).

        ``medium`` holds each company message's medium code (-1 for other sources).

        Each exposure is a chance to believe with the start-of-step trust in
        its source; a newly aware person's first source is the exposure with
        the largest of a second set of uniform draws (one picked at random).
        """
        s, t, rules = self.s, self.t, self.rules
        direct = source == DIRECT
        trust = self.i.trust[people, self.i.trust_column[source]]
        doubted = np.zeros(len(people), bool)
        message = direct | (source == SCAM)
        if message.any():
            who, by = people[message], medium[message]
            doubted[message] = ((s.scam_media[who] >> by) & 1) != 0
            trust[message] = rules.message_trust(s.company_trust[who], self.i.belief[by], doubted[message])
        hit = (self.rng.random(len(people)) < trust) | (source == SEED)
        t["genuine_doubted"] += int(np.count_nonzero(direct & doubted & ~hit & ~s.believes[people]))
        order = np.lexsort((-self.rng.random(len(people)), people))
        people = people[order]
        first = np.empty(len(people), bool)
        first[0] = True
        np.not_equal(people[1:], people[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        who, pick = people[starts], order[starts]

        def any_in_group(flags: np.ndarray) -> np.ndarray:
            return np.logical_or.reduceat(flags[order], starts)

        new = s.aware_row[who] < 0
        self._become_aware(who[new], source[pick][new], trust[pick][new], row)
        got_direct = any_in_group(direct)
        self._first_contact(who[got_direct & (s.contacted_row[who] < 0)], row)
        believed = any_in_group(hit)
        newly = believed & ~s.believes[who]
        s.believes[who[newly]] = True
        t["believing"] += int(newly.sum())
        t["believing_affected"] += int(self.i.affected[who[newly]].sum())
        was_asked = any_in_group(asked)
        s.propensity[who[was_asked]] = rules.share_multiplier
        start = newly | (was_asked & s.believes[who])
        if start.any():
            self._start_spreading(who[start], row)

    def _become_aware(self, who, source, trust, row: int) -> None:
        if len(who) == 0:
            return
        s, t, i = self.s, self.t, self.i
        s.aware_row[who] = row
        s.first_source[who] = source
        affected = i.affected[who]
        t.add_aware(source, i.cohort[who], affected)
        t["sum_source_trust"] += sequential_sum(trust)
        public = who[~affected & (source != SEED)]
        before = s.company_trust[public]
        after = self.rules.public_trust_on_aware(before)
        s.company_trust[public] = after
        t["sum_company_trust_public"] += sequential_sum(after - before)
        change = affected & (source != SEED)
        who, source = who[change], source[change]
        before = s.company_trust[who]
        after, extra = self.rules.trust_on_aware(before, source == DIRECT)
        s.trust_lost[who] = extra
        s.company_trust[who] = after
        t["sum_company_trust_affected"] += sequential_sum(after - before)
        self._churn(who, before, after)

    def _first_contact(self, who: np.ndarray, row: int) -> None:
        if len(who) == 0:
            return
        s, t = self.s, self.t
        s.contacted_row[who] = row
        t["contacted"] += len(who)
        aware_at = s.aware_row[who]
        t["knew_before_notice"] += int((self.i.affected[who] & (aware_at >= 0) & (aware_at < row)).sum())
        rules, before = self.rules, s.company_trust[who]
        late = (s.first_source[who] != DIRECT) & (s.trust_lost[who] > 0)
        after = before + np.where(late, rules.trust_recovered(s.trust_lost[who]), 0.0)
        if rules.service_recovery > 0:
            after = after + rules.service_gain(after)
        s.company_trust[who] = after
        t["sum_company_trust_affected"] += sequential_sum(after - before)
        self._churn(who, before, after)

    def _churn(self, who: np.ndarray, before: np.ndarray, after: np.ndarray) -> None:
        """The current customers among ``who`` change their chance of leaving
        as their company trust goes from ``before`` to ``after``."""
        current = self.i.current[who]
        initial = self.i.trust[who[current], self.i.trust_column[DIRECT]]
        chance = self.rules.churn_chance
        self.t["sum_churn"] += sequential_sum(chance(initial, after[current]) - chance(initial, before[current]))

    def _after_scams(self, people: np.ndarray, medium: np.ndarray) -> None:
        """The step's impostor messages read (in read order), after its exposures:
        each leaves doubt about its medium unless verified, and harms with chance
        ``scam_harm`` (one draw per message read; a person is harmed at most once)."""
        s, t, i = self.s, self.t, self.i
        harm = self.rng.random(len(people)) < self.rules.scam_harm
        first = np.unique(people[~s.met_scam[people]])
        s.met_scam[first] = True
        t["scam_readers"] += len(first)
        doubt = ~i.verified[medium]
        np.bitwise_or.at(s.scam_media, people[doubt], np.left_shift(1, medium[doubt]).astype(np.int64))
        hurt = np.unique(people[harm & ~s.harmed[people]])
        s.harmed[hurt] = True
        t["harmed"] += len(hurt)

    def _record(self, row: int) -> None:
        self.t.record(row, int(np.count_nonzero(self.s.spread_until >= row)))
