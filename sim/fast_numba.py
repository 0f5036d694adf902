"""The fast engine's schedule as a compiled event kernel (numba).

Every phase of :mod:`sim.fast_numpy`, written as loops over events and
compiled once per machine (``cache=True``: later processes load the machine
code from ``__pycache__``). A whole run is one call, so there is no per-step
Python overhead. It draws the same random numbers in the same order as the
numpy path (numba's ``Generator`` methods reproduce numpy's streams), sums in
the same order and applies the same formulas (those of :class:`sim.rules.Rules`,
restated here because compiled code cannot call Python), so both paths give
identical results; ``tests/test_engines.py`` checks this.

Events wait in per-step linked lists (first in, first out) in one pool of
slots, ``pool[slot] = (next, a, b, c)``, with a free list; a step's list is
taken whole.

numba caches each function by its own file only, so every constant the
kernel uses is written in this file; :func:`_check_layout` verifies at import
that they still match the rest of the package.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from .measures import COUNTS, SUMS
from .rules import ACTIVE_KINDS, Rules
from .schema import COHORTS, SOURCES
from .world import World

__all__ = ["NumbaPath"]

# ---- constants (checked against the package by _check_layout) -------------------------
MEDIA, TWITTER, DIRECT, WORD_OF_MOUTH, SEED = 0, 1, 2, 3, 4
_SOURCES = ("media", "twitter", "direct", "word_of_mouth", "seed")
_COHORTS = 4
AWARE, BELIEVING, AWARE_AFFECTED, BELIEVING_AFFECTED = 0, 1, 2, 3
FIRST, FIRST_AFFECTED, AWARE_COHORT = 4, 9, 14
SENT, DELIVERED, READ, CONTACTED, KNEW = 18, 19, 20, 21, 22
SUM_SOURCE, SUM_COMPANY = 0, 1
EXPONENTIAL, FIXED, FOREVER = 0, 1, 2
#: Queues, and the fields of the ``meta`` array.
BROADCASTS, READS, TELLINGS = 0, 1, 2
FREE, USED, SPREADING, STAMP = 0, 1, 2, 3


def _check_layout() -> None:
    names = ["aware", "believing", "aware_affected", "believing_affected"]
    names += [f"first_{s}" for s in _SOURCES] + [f"first_{s}_affected" for s in _SOURCES]
    names += [f"aware_{c}" for c in COHORTS]
    names += ["direct_sent", "direct_delivered", "direct_read", "contacted", "knew_before_notice"]
    ok = (tuple(SOURCES) == _SOURCES and len(COHORTS) == _COHORTS and list(COUNTS) == names
          and names.index("aware_" + COHORTS[0]) == AWARE_COHORT and names.index("knew_before_notice") == KNEW
          and tuple(SUMS) == ("sum_source_trust", "sum_company_trust_affected")
          and ACTIVE_KINDS == ("exponential", "fixed", "forever"))
    if not ok:
        raise ImportError("sim/fast_numba.py: its constants no longer match sim.measures / sim.schema / "
                          "sim.rules; update them (editing this file also refreshes numba's cache)")


_check_layout()


class Constants(NamedTuple):
    """Scalars of the run (from :class:`sim.rules.Rules`)."""

    people: int
    steps: int
    step_hours: float
    well_mixed: bool
    contacts_per_hour: float
    contact_tells: float
    stifling: float
    share_multiplier: float
    active_kind: int
    active_hours: float
    first_from_company: float
    learned_elsewhere_first: float
    late_contact_recovery: float
    layers: int
    hazard0: float
    hazard1: float


class Network(NamedTuple):
    """Up to two CSR layers (unused ones empty)."""

    indptr0: np.ndarray
    indices0: np.ndarray
    indptr1: np.ndarray
    indices1: np.ndarray


class Queues(NamedTuple):
    """Per-step event lists, spreading bookkeeping and scratch space."""

    head: np.ndarray       # (3, steps): first slot of each step's list, -1 empty
    tail: np.ndarray       # (3, steps): last slot
    count: np.ndarray      # (3, steps): events in each list
    ending: np.ndarray     # people whose spreading ends at each step index (steps + 2)
    meta: np.ndarray       # FREE (free-list head), USED (slots ever used), SPREADING, STAMP
    stamp: np.ndarray      # per person: last absorb that touched them
    best: np.ndarray       # per person: largest pick draw in this absorb
    pick: np.ndarray       # per person: exposure with that draw
    flags: np.ndarray      # per person: 1 believed, 2 got a company message, 4 asked to share


jit = numba.njit(cache=True)


# ---- the event pool -----------------------------------------------------------------
@jit
def _push(pool, q, queue, step, a, b, c):
    """Append event (a, b, c) to ``queue``'s list of ``step``; the pool, maybe grown."""
    meta = q.meta
    slot = meta[FREE]
    if slot >= 0:
        meta[FREE] = pool[slot, 0]
    else:
        slot = meta[USED]
        if slot == pool.shape[0]:
            bigger = np.empty((2 * pool.shape[0], 4), pool.dtype)
            bigger[: pool.shape[0]] = pool
            pool = bigger
        meta[USED] = slot + 1
    pool[slot, 0] = -1
    pool[slot, 1] = a
    pool[slot, 2] = b
    pool[slot, 3] = c
    last = q.tail[queue, step]
    if last < 0:
        q.head[queue, step] = slot
    else:
        pool[last, 0] = slot
    q.tail[queue, step] = slot
    q.count[queue, step] += 1
    return pool


@jit
def _take(pool, q, queue, step):
    """Remove ``queue``'s list of ``step``: its events as (a, b, c) arrays, in order."""
    n = q.count[queue, step]
    a = np.empty(n, np.int64)
    b = np.empty(n, np.int64)
    c = np.empty(n, np.int64)
    slot = q.head[queue, step]
    for i in range(n):
        a[i], b[i], c[i] = pool[slot, 1], pool[slot, 2], pool[slot, 3]
        after = pool[slot, 0]
        pool[slot, 0] = q.meta[FREE]
        q.meta[FREE] = slot
        slot = after
    q.head[queue, step] = -1
    q.tail[queue, step] = -1
    q.count[queue, step] = 0
    return a, b, c


@jit
def _first_step(cumulative, after, draw):
    """Step of the first event at or after ``after`` (numpy's searchsorted, left)."""
    target = cumulative[after] + draw
    lo, hi = 0, len(cumulative)
    while lo < hi:
        mid = (lo + hi) // 2
        if cumulative[mid] < target:
            lo = mid + 1
        else:
            hi = mid
    return lo - 1


@jit
def _schedule(pool, q, people, count, source, cumulative, after, steps, rng):
    """One pending exposure per person of ``people[:count]`` to a broadcast channel."""
    if count == 0 or cumulative[steps] <= cumulative[after]:
        return pool
    for j in range(count):
        when = _first_step(cumulative, after, rng.standard_exponential())
        if 0 <= when < steps:
            pool = _push(pool, q, BROADCASTS, when, people[j], source, 0)
    return pool


# ---- spreading ----------------------------------------------------------------------
@jit
def _spreading_until(row, draw, k):
    """Rules.spreading_until for one period (same operations, same rounding)."""
    if k.active_kind == FOREVER:
        return k.steps
    hours = draw * k.active_hours if k.active_kind == EXPONENTIAL else k.active_hours
    length = max(1.0, np.ceil(hours / k.step_hours - 1e-9))
    return int(min(row + length - 1.0, float(k.steps)))


@jit
def _set_until(s, q, person, until, row):
    """Change a person's last spreading step, keeping the spreading count of ``row``."""
    before = s.spread_until[person]
    q.meta[SPREADING] += int(until >= row) - int(before >= row)
    if before >= 0:
        q.ending[before] -= 1
    q.ending[until] += 1
    s.spread_until[person] = until


@jit
def _start_spreading(pool, people, row, i, s, k, net, q, rng):
    """New spreading periods from ``row`` (people ascending); each edge's telling step."""
    m = len(people)
    for j in range(m):
        draw = rng.standard_exponential() if k.active_kind == EXPONENTIAL else 0.0
        _set_until(s, q, people[j], _spreading_until(row, draw, k), row)
        s.period[people[j]] += 1
    if k.well_mixed:
        return pool
    hours = i.hours_cum
    for layer in range(k.layers):
        hazard = k.hazard0 if layer == 0 else k.hazard1
        indptr = net.indptr0 if layer == 0 else net.indptr1
        indices = net.indices0 if layer == 0 else net.indices1
        if hazard <= 0:
            continue
        for j in range(m):
            p = people[j]
            until = s.spread_until[p]
            rate = hazard * s.propensity[p]
            limit = rate * (hours[min(until + 1, k.steps)] - hours[row])
            for e in range(indptr[p], indptr[p + 1]):
                draw = rng.standard_exponential()
                if draw < limit:
                    when = _first_step(hours, row, draw / rate)
                    if when <= until and 0 <= when < k.steps:
                        pool = _push(pool, q, TELLINGS, when, p, indices[e], s.period[p])
    return pool


# ---- absorbing a step's exposures ---------------------------------------------------
@jit
def _group(people, source, asked, hit, n, q, rng):
    """Per person touched: flags and the exposure picked (largest of a second
    uniform draw each, first on ties); the people, ascending."""
    q.meta[STAMP] += 1
    stamp = q.meta[STAMP]
    touched = np.empty(n, np.int64)
    m = 0
    for x in range(n):
        p = people[x]
        u = rng.random()
        if q.stamp[p] != stamp:
            q.stamp[p] = stamp
            q.flags[p] = 0
            q.best[p] = -1.0
            touched[m] = p
            m += 1
        q.flags[p] = q.flags[p] | ((1 if hit[x] else 0) | (2 if source[x] == DIRECT else 0)
                                   | (4 if asked[x] else 0))
        if u > q.best[p]:
            q.best[p] = u
            q.pick[p] = x
    return np.sort(touched[:m])


@jit
def _absorb(pool, people, source, asked, n, row, i, s, t, k, net, q, rng):
    """One step's exposures, absorbed together (docs/MODEL.md 7.7); the pool."""
    trust = np.empty(n)
    hit = np.empty(n, np.bool_)
    for x in range(n):
        p, src = people[x], source[x]
        trust[x] = s.company_trust[p] if src == DIRECT else i.trust[p, i.trust_column[src]]
    for x in range(n):
        hit[x] = (rng.random() < trust[x]) or source[x] == SEED
    touched = _group(people, source, asked, hit, n, q, rng)
    counts, sums = t[0], t[1]
    add_source, add_aware, add_gain = 0.0, 0.0, 0.0
    starters = np.empty(len(touched), np.int64)
    started = 0
    for p in touched:
        flags, x = q.flags[p], q.pick[p]
        affected = i.affected[p]
        if s.aware_row[p] < 0:
            src = source[x]
            s.aware_row[p] = row
            s.first_source[p] = src
            counts[AWARE] += 1
            counts[FIRST + src] += 1
            counts[AWARE_COHORT + i.cohort[p]] += 1
            add_source += trust[x]
            if affected:
                counts[AWARE_AFFECTED] += 1
                counts[FIRST_AFFECTED + src] += 1
                if src != SEED:
                    before = s.company_trust[p]
                    if src == DIRECT:
                        lost = 0.0
                        after = before + k.first_from_company * (1.0 - before)
                    else:
                        lost = k.learned_elsewhere_first * before
                        after = before - lost
                    s.trust_lost[p] = lost
                    s.company_trust[p] = after
                    add_aware += after - before
        if flags & 2 and s.contacted_row[p] < 0:
            s.contacted_row[p] = row
            counts[CONTACTED] += 1
            if affected and 0 <= s.aware_row[p] < row:
                counts[KNEW] += 1
            if s.first_source[p] != DIRECT and s.trust_lost[p] > 0:
                gain = k.late_contact_recovery * s.trust_lost[p]
                s.company_trust[p] += gain
                add_gain += gain
        newly = (flags & 1) != 0 and not s.believes[p]
        if newly:
            s.believes[p] = True
            counts[BELIEVING] += 1
            if affected:
                counts[BELIEVING_AFFECTED] += 1
        if flags & 4:
            s.propensity[p] = k.share_multiplier
        if newly or (flags & 4 and s.believes[p]):
            starters[started] = p
            started += 1
    sums[SUM_SOURCE] += add_source
    sums[SUM_COMPANY] += add_aware
    sums[SUM_COMPANY] += add_gain
    if started:
        pool = _start_spreading(pool, starters[:started], row, i, s, k, net, q, rng)
    return pool


# ---- one step ---------------------------------------------------------------------------
@jit
def _send(pool, step, i, t, k, q, rng):
    """Each campaign's messages of ``step``; a read step for each one delivered."""
    counts = t[0]
    for c in range(len(i.camp_medium)):
        before = i.camp_sent[c, step - 1] if step > 0 else 0
        start = i.camp_offset[c]
        medium = i.camp_medium[c]
        reachable = i.sms_reachable if medium == 0 else i.email_reachable
        for j in range(start + before, start + i.camp_sent[c, step]):
            p = i.camp_order[j]
            counts[SENT] += 1
            if reachable[p]:
                counts[DELIVERED] += 1
                draw = rng.standard_exponential() / i.read_rate[medium]
                when = _first_step(i.hours_cum, step + 1, draw)
                if 0 <= when < k.steps:
                    pool = _push(pool, q, READS, when, p, 1 if i.camp_asked[c] else 0, 0)
    return pool


@jit
def _random_contacts(step, i, s, k, rng):
    """Well-mixed tellings of ``step``: (spreader, person told) arrays."""
    n = k.people
    spreaders = np.flatnonzero(s.spread_until >= step)
    if n < 2 or len(spreaders) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    rate = k.contacts_per_hour * (i.hours_cum[step + 1] - i.hours_cum[step])
    contacts = np.empty(len(spreaders), np.int64)
    for j in range(len(spreaders)):
        contacts[j] = rng.poisson(rate * s.propensity[spreaders[j]])
    src = np.repeat(spreaders, contacts)
    dst = np.empty(len(src), np.int64)
    for x in range(len(src)):
        dst[x] = int(rng.random() * (n - 1))
        if dst[x] >= src[x]:
            dst[x] += 1
    tells = np.empty(len(src), np.bool_)
    for x in range(len(src)):
        tells[x] = rng.random() < k.contact_tells
    return src[tells], dst[tells]


@jit
def _word_of_mouth(pool, step, i, s, k, q, rng):
    """The valid tellings of ``step`` (people told) after stifling draws."""
    if k.well_mixed:
        src, dst = _random_contacts(step, i, s, k, rng)
    else:
        src, dst, period = _take(pool, q, TELLINGS, step)
        valid = np.empty(len(src), np.bool_)
        for x in range(len(src)):
            valid[x] = s.period[src[x]] == period[x] and s.spread_until[src[x]] >= step
        src, dst = src[valid], dst[valid]
    if k.stifling > 0 and len(src) > 0:
        stop = np.empty(len(src), np.bool_)
        for x in range(len(src)):
            knew = 0 <= s.aware_row[dst[x]] <= step
            stop[x] = (rng.random() < k.stifling) and knew
        for x in range(len(src)):
            if stop[x] and s.spread_until[src[x]] > step:
                _set_until(s, q, src[x], step, step + 1)
    return dst


@jit
def _step(pool, step, i, s, t, k, net, q, rng):
    """Step index ``step`` (rows step -> step + 1); the pool."""
    q.meta[SPREADING] -= q.ending[step]
    pool = _send(pool, step, i, t, k, q, rng)
    people, source, _ = _take(pool, q, BROADCASTS, step)
    open_minded = np.empty(len(people), np.bool_)
    for x in range(len(people)):
        open_minded[x] = not s.believes[people[x]]
    people, source = people[open_minded], source[open_minded]
    media = people[source == MEDIA]
    pool = _schedule(pool, q, media, len(media), MEDIA, i.media_cum, step + 1, k.steps, rng)
    twitter = people[source == TWITTER]
    pool = _schedule(pool, q, twitter, len(twitter), TWITTER, i.twitter_cum, step + 1, k.steps, rng)
    readers, asked, _ = _take(pool, q, READS, step)
    t[0][READ] += len(readers)
    told = _word_of_mouth(pool, step, i, s, k, q, rng)
    n = len(people) + len(readers) + len(told)
    if n > 0:
        all_people = np.concatenate((people, readers, told))
        all_source = np.concatenate((source, np.full(len(readers), DIRECT, np.int64),
                                     np.full(len(told), WORD_OF_MOUTH, np.int64)))
        all_asked = np.concatenate((np.zeros(len(people), np.bool_), asked != 0,
                                    np.zeros(len(told), np.bool_)))
        pool = _absorb(pool, all_people, all_source, all_asked, n, step + 1, i, s, t, k, net, q, rng)
    _record(step + 1, t, q)
    return pool


@jit
def _record(row, t, q):
    counts, sums, rows_counts, rows_spreading, rows_sums = t[0], t[1], t[2], t[3], t[4]
    rows_counts[row] = counts
    rows_sums[row] = sums
    rows_spreading[row] = q.meta[SPREADING]


@jit
def _start(pool, seeds, i, s, t, k, net, q, rng):
    """Broadcast schedules, seeds at row 0, row 0 recorded; the pool."""
    pool = _schedule(pool, q, i.followers, len(i.followers), MEDIA, i.media_cum, 0, k.steps, rng)
    pool = _schedule(pool, q, i.twitter_users, len(i.twitter_users), TWITTER, i.twitter_cum, 0, k.steps, rng)
    if len(seeds):
        pool = _absorb(pool, seeds, np.full(len(seeds), SEED, np.int64), np.zeros(len(seeds), np.bool_),
                       len(seeds), 0, i, s, t, k, net, q, rng)
    _record(0, t, q)
    return pool


@jit
def _steps(pool, first, last, i, s, t, k, net, q, rng):
    for step in range(first, last):
        pool = _step(pool, step, i, s, t, k, net, q, rng)
    return pool


# ---- the path object used by sim.fast ---------------------------------------------------
class NumbaPath:
    """Runs the fast engine's schedule with the compiled kernel (same interface
    as :class:`sim.fast_numpy.NumpyPath`)."""

    def __init__(self, world: World, rules: Rules, rng: np.random.Generator, inputs, state, tally):
        n, steps = world.size, rules.steps
        layers = world.network.layers
        index_type = layers[0].indices.dtype if layers else np.int32
        empty = (np.zeros(n + 1, np.int64), np.empty(0, index_type))
        (p0, i0), (p1, i1) = [((l.indptr.astype(np.int64, copy=False), l.indices) if l else empty)
                              for l in (layers + [None, None])[:2]]
        if i1.dtype != i0.dtype:
            i1 = i1.astype(i0.dtype)
        hazards = [rules.layer_hazard[l.name] for l in layers] + [0.0, 0.0]
        self.k = Constants(n, steps, rules.step_hours, rules.well_mixed, rules.contacts_per_hour,
                           rules.contact_tells, rules.stifling, rules.share_multiplier, rules.active_code,
                           rules.active_hours, rules.first_from_company, rules.learned_elsewhere_first,
                           rules.late_contact_recovery, len(layers), hazards[0], hazards[1])
        self.net = Network(p0, i0, p1, i1)
        self.q = Queues(head=np.full((3, steps), -1, np.int64), tail=np.full((3, steps), -1, np.int64),
                        count=np.zeros((3, steps), np.int64), ending=np.zeros(steps + 2, np.int64),
                        meta=np.array([-1, 0, 0, 0], np.int64), stamp=np.zeros(n, np.int64),
                        best=np.zeros(n), pick=np.zeros(n, np.int64), flags=np.zeros(n, np.uint8))
        self.pool = np.empty((max(1024, 2 * n), 4), np.int64 if n >= 2**31 else np.int32)
        self.t = (tally.counts, tally.sums, tally.rows_counts, tally.rows_spreading, tally.rows_sums)
        self.i, self.s, self.rng = inputs, state, rng
        self.seeds = world.seeds.astype(np.int64)

    def start(self) -> None:
        self.pool = _start(self.pool, self.seeds, self.i, self.s, self.t, self.k, self.net, self.q, self.rng)

    def steps(self, first: int, last: int) -> None:
        self.pool = _steps(self.pool, first, last, self.i, self.s, self.t, self.k, self.net, self.q, self.rng)
