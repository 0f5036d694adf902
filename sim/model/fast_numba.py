"""The fast engine's schedule as a compiled event kernel (numba).

Every phase of :mod:`sim.model.fast_numpy`, written as loops over events and
compiled once per machine (``cache=True``: later processes load the machine
code from ``__pycache__``). A whole run is one call of :func:`_run` (the
start, then all the steps), so there is no per-step Python overhead. It draws
the same random numbers in the same order as the numpy path (numba's
``Generator`` methods reproduce numpy's streams), sums in the same order and
applies the same formulas (those of :class:`sim.model.rules.Rules`,
restated here because compiled code cannot call Python), so both paths give
identical results; ``tests/test_engines.py`` checks this.

Events wait in per-step linked lists (first in, first out) in one pool
array: row 0 is the header (free-list head, free slots, slots used), row
``1 + queue x steps + step`` holds a list's (head, tail, count), and the rest
are event slots ``(next, a, b, c)``; a step's list is taken whole. Keeping it
all in one array keeps the per-event cost to a few loads and stores.

numba caches each function by its own file only, so every constant the
kernel uses is written in this file; :func:`_check_layout` verifies at import
that they still match the rest of the package.

Compiling. A cold compile (empty cache) takes about 10 s of one core, not the
40 s it once did (``python bench/kernel.py`` measures it), because:

- each function compiles exactly once. numba compiles a function once per
  argument types and types a Python int constant passed to a compiled
  function as a literal type of its own, so what is passed is always a typed
  value: ``np.int64(0)``, not ``0``, and the source and queue codes below are
  numpy integers;
- helpers are plain compiled functions, not ``inline="always"``: numba's
  inlining types and lowers the helper's body again at every call site,
  while LLVM inlines the small ones into their callers anyway (the run is as
  fast). Functions that only compiled code calls get no wrappers for Python
  or C callers;
- numba links every callee into its caller and optimises it again there, so
  the call tree is kept shallow: one entry point, which holds the step loop;
- none of numba's generic library code that the kernel can do without is
  compiled: no array sort (people are put in order by :func:`_ascending`),
  no ``np.repeat`` or boolean masks, no slice assignment (its shape check
  compiles numba's string formatting).
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from . import rules
from .measures import COUNTS, SUMS
from .rules import ACTIVE_KINDS, Rules
from ..config.schema import COHORTS, SOURCES
from .world import World

__all__ = ["NumbaPath"]

# ---- constants (checked against the package by _check_layout) -------------------------
#: Source codes and queues are numpy integers, not Python ints: numba types a
#: Python int constant passed to a compiled function as a literal and compiles
#: the callee once more for it (see "Compiling" above).
MEDIA, TWITTER, DIRECT, WORD_OF_MOUTH, SEED, SCAM = (np.int64(c) for c in range(6))
_SOURCES = ("media", "twitter", "direct", "word_of_mouth", "seed", "scam")
_COHORTS = 4
AWARE, BELIEVING, AWARE_AFFECTED, BELIEVING_AFFECTED = 0, 1, 2, 3
FIRST, FIRST_AFFECTED, AWARE_COHORT = 4, 10, 16
SENT, DELIVERED, READ, CONTACTED, KNEW = 20, 21, 22, 23, 24
AWARE_AFFECTED_COHORT = 25
SCAM_SENT, SCAM_DELIVERED, SCAM_READ, SCAM_READERS, HARMED, DOUBTED = 29, 30, 31, 32, 33, 34
SUM_SOURCE, SUM_COMPANY, SUM_PUBLIC, SUM_CHURN = 0, 1, 2, 3
#: Flags of a delivered message (sim.model.rules): asks to share, impostor, mentions the breach.
ASKED, IMPOSTOR, MENTIONS = 1, 2, 4
EXPONENTIAL, FIXED, FOREVER = 0, 1, 2
#: Queues; the pool's header row (free-list head, free slots, slots used) and
#: each list's row (head, tail, count); the fields of ``Queues.meta``.
BROADCASTS, READS, TELLINGS = np.int64(0), np.int64(1), np.int64(2)
FREE, FREE_COUNT, USED = 0, 1, 2
HEAD, TAIL, COUNT = 0, 1, 2
SPREADING, STAMP = 0, 1


def _check_layout() -> None:
    names = ["aware", "believing", "aware_affected", "believing_affected"]
    names += [f"first_{s}" for s in _SOURCES] + [f"first_{s}_affected" for s in _SOURCES]
    names += [f"aware_{c}" for c in COHORTS]
    names += ["direct_sent", "direct_delivered", "direct_read", "contacted", "knew_before_notice"]
    names += [f"aware_affected_{c}" for c in COHORTS]
    names += ["scam_sent", "scam_delivered", "scam_read", "scam_readers", "harmed", "genuine_doubted"]
    ok = (tuple(SOURCES) == _SOURCES and len(COHORTS) == _COHORTS and list(COUNTS) == names
          and names.index("aware_" + COHORTS[0]) == AWARE_COHORT and names.index("knew_before_notice") == KNEW
          and names.index("aware_affected_" + COHORTS[0]) == AWARE_AFFECTED_COHORT
          and names.index("first_media_affected") == FIRST_AFFECTED and names.index("direct_sent") == SENT
          and names.index("scam_sent") == SCAM_SENT and names.index("genuine_doubted") == DOUBTED
          and tuple(SUMS) == ("sum_source_trust", "sum_company_trust_affected", "sum_company_trust_public",
                              "sum_churn")
          and (rules.ASKED, rules.IMPOSTOR, rules.MENTIONS) == (ASKED, IMPOSTOR, MENTIONS)
          and ACTIVE_KINDS == ("exponential", "fixed", "forever"))
    if not ok:
        raise ImportError("sim/model/fast_numba.py: its constants no longer match sim.model.measures / sim.config.schema / "
                          "sim.model.rules; update them (editing this file also refreshes numba's cache)")


_check_layout()


class Constants(NamedTuple):
    """Scalars of the run (from :class:`sim.model.rules.Rules`)."""

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
    breach_loss_told_first: float
    breach_loss_elsewhere_first: float
    late_contact_recovery: float
    public_loss: float
    service_recovery: float
    scam_doubt: float
    scam_harm: float
    churn_per_trust_lost: float
    scams: bool
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
    """Per-step event lists, spreading bookkeeping and scratch space (reused every
    step, so that a step allocates nothing in the common case)."""

    ending: np.ndarray     # people whose spreading ends at each step index (steps + 2)
    meta: np.ndarray       # SPREADING (people spreading at the row being built), STAMP (absorbs so far)
    stamp: np.ndarray      # per person: last absorb that touched them
    best: np.ndarray       # per person: largest pick draw in this absorb
    pick: np.ndarray       # per person: exposure with that draw
    flags: np.ndarray      # per person: 1 believed, 2 got a company message, 4 asked to share
    touched: np.ndarray    # per person: people touched by an absorb
    bits: np.ndarray       # one bit per person (uint64 words): scratch for putting them in order
    starters: np.ndarray   # per person: people starting a spreading period
    person: np.ndarray     # per exposure of a step: who
    source: np.ndarray     # source code
    asked: np.ndarray      # the message asked to share
    teller: np.ndarray     # the spreader, for word of mouth
    medium: np.ndarray     # the medium code, for a company message
    trust: np.ndarray      # start-of-step trust in the source
    hit: np.ndarray        # the belief draw succeeded


class Exposures(NamedTuple):
    """A step's exposures (views or, when the scratch space is too small, new arrays)."""

    person: np.ndarray
    source: np.ndarray
    asked: np.ndarray
    teller: np.ndarray
    medium: np.ndarray
    trust: np.ndarray
    hit: np.ndarray


#: Compiled functions called only from compiled code: no wrappers for calls
#: from Python or through a C pointer (they would be compiled and optimised
#: for nothing).
jit = numba.njit(cache=True, no_cpython_wrapper=True, no_cfunc_wrapper=True)
#: The one function Python calls (:func:`_run`).
entry = numba.njit(cache=True, no_cfunc_wrapper=True)


# ---- the event pool -----------------------------------------------------------------
@jit
def _reserve(pool, n):
    """The pool, grown (doubling) if it has fewer than ``n`` free slots."""
    if pool[0, FREE_COUNT] + pool.shape[0] - pool[0, USED] >= n:
        return pool
    size = pool.shape[0]
    while pool[0, FREE_COUNT] + size - pool[0, USED] < n:
        size *= 2
    bigger = np.empty((size, 4), pool.dtype)
    for r in range(pool.shape[0]):
        for c in range(4):
            bigger[r, c] = pool[r, c]
    return bigger


@jit
def _push(pool, row, a, b, c):
    """Append event (a, b, c) to the list in ``pool[row]`` (a slot must be free)."""
    slot = pool[0, FREE]
    if slot >= 0:
        pool[0, FREE] = pool[slot, 0]
        pool[0, FREE_COUNT] -= 1
    else:
        slot = pool[0, USED]
        pool[0, USED] = slot + 1
    pool[slot, 0] = -1
    pool[slot, 1] = a
    pool[slot, 2] = b
    pool[slot, 3] = c
    if pool[row, TAIL] < 0:
        pool[row, HEAD] = slot
    else:
        pool[pool[row, TAIL], 0] = slot
    pool[row, TAIL] = slot
    pool[row, COUNT] += 1


@jit
def _free(pool, slot):
    """Put ``slot`` (read) on the free list; the slot after it in its list.

    A step's list is taken whole: each slot is freed as the walk reads it (one
    pass over the list, not two), then :func:`_emptied` clears the list."""
    after = pool[slot, 0]
    pool[slot, 0] = pool[0, FREE]
    pool[0, FREE] = slot
    return after


@jit
def _emptied(pool, row):
    """The list in ``pool[row]`` made empty, all its slots freed by :func:`_free`."""
    pool[0, FREE_COUNT] += pool[row, COUNT]
    pool[row, HEAD] = -1
    pool[row, TAIL] = -1
    pool[row, COUNT] = 0


@jit
def _row(queue, step, steps):
    """Row of the pool that holds ``queue``'s list of ``step``."""
    return 1 + queue * steps + step


@jit
def _first_step(cumulative, after, draw):
    """Step of the first event at or after ``after``: numpy's searchsorted (left)
    of ``cumulative[after] + draw``, minus one. Events mostly come soon, so the
    search gallops forward from ``after`` before bisecting."""
    target = cumulative[after] + draw
    size = len(cumulative)
    if cumulative[after] < target:
        lo, width = after + 1, 1                  # cumulative[lo - 1] < target
        while lo + width - 1 < size and cumulative[lo + width - 1] < target:
            lo += width
            width *= 2
        hi = min(lo + width - 1, size)            # cumulative[hi] >= target, or hi = size
    else:
        lo, hi = 0, after                         # a zero draw on a flat stretch
    while lo < hi:
        mid = (lo + hi) // 2
        if cumulative[mid] < target:
            lo = mid + 1
        else:
            hi = mid
    return lo - 1


@jit
def _schedule(pool, people, n, sources, source, cumulative, after, steps, rng):
    """One pending exposure to channel ``source`` for each ``people[x]``, x < n,
    with ``sources[x] == source`` (each of them if ``sources`` is empty)."""
    if cumulative[steps] <= cumulative[after]:
        return
    every = len(sources) == 0
    for x in range(n):
        if every or sources[x] == source:
            step = _first_step(cumulative, after, rng.standard_exponential())
            if 0 <= step < steps:
                _push(pool, _row(BROADCASTS, step, steps), people[x], source, np.int64(0))


# ---- spreading ----------------------------------------------------------------------
@jit
def _spreading_until(row, draw, kind, active_hours, step_hours, steps):
    """Rules.spreading_until for one period (same operations, same rounding)."""
    if kind == FOREVER:
        return steps
    hours = draw * active_hours if kind == EXPONENTIAL else active_hours
    length = max(1.0, np.ceil(hours / step_hours - 1e-9))
    return int(min(row + length - 1.0, float(steps)))


@jit
def _set_until(spread_until, ending, meta, person, until, row):
    """Change a person's last spreading step, keeping the spreading count of ``row``."""
    before = spread_until[person]
    meta[SPREADING] += int(until >= row) - int(before >= row)
    if before >= 0:
        ending[before] -= 1
    ending[until] += 1
    spread_until[person] = until


@jit
def _start_spreading(pool, people, m, row, i, s, k, net, q, rng):
    """New spreading periods from ``row`` for ``people[:m]`` (ascending); each
    edge's telling step; the pool."""
    spread_until, period, propensity = s.spread_until, s.period, s.propensity
    ending, meta, hours, steps = q.ending, q.meta, i.hours_cum, k.steps
    for j in range(m):
        draw = rng.standard_exponential() if k.active_kind == EXPONENTIAL else 0.0
        until = _spreading_until(row, draw, k.active_kind, k.active_hours, k.step_hours, steps)
        _set_until(spread_until, ending, meta, people[j], until, row)
        period[people[j]] += 1
    if k.well_mixed:
        return pool
    for layer in range(k.layers):
        hazard = k.hazard0 if layer == 0 else k.hazard1
        indptr = net.indptr0 if layer == 0 else net.indptr1
        indices = net.indices0 if layer == 0 else net.indices1
        if hazard <= 0:
            continue
        edges = np.int64(0)
        for j in range(m):
            edges += indptr[people[j] + 1] - indptr[people[j]]
        pool = _reserve(pool, edges)
        for j in range(m):
            p = people[j]
            until = spread_until[p]
            rate = hazard * propensity[p]
            limit = rate * (hours[min(until + 1, steps)] - hours[row])
            for e in range(indptr[p], indptr[p + 1]):
                draw = rng.standard_exponential()
                if draw < limit:
                    step = _first_step(hours, row, draw / rate)
                    if step <= until and 0 <= step < steps:
                        _push(pool, _row(TELLINGS, step, steps), p, np.int64(indices[e]), np.int64(period[p]))
    return pool


# ---- absorbing a step's exposures ---------------------------------------------------
@jit
def _group(x, n, q, rng):
    """Per person touched: flags and the exposure picked (largest of a second
    uniform draw each, first on ties); how many people, in ``q.touched`` ascending."""
    stamps, flags, best, pick, touched = q.stamp, q.flags, q.best, q.pick, q.touched
    person, source, asked, hit = x.person, x.source, x.asked, x.hit
    q.meta[STAMP] += 1
    stamp = q.meta[STAMP]
    m = np.int64(0)
    for j in range(n):
        p = person[j]
        u = rng.random()
        if stamps[p] != stamp:
            stamps[p] = stamp
            flags[p] = 0
            best[p] = -1.0
            touched[m] = p
            m += 1
        flags[p] = flags[p] | ((1 if hit[j] else 0) | (2 if source[j] == DIRECT else 0)
                               | (4 if asked[j] else 0))
        if u > best[p]:
            best[p] = u
            pick[p] = j
    _ascending(touched, m, q.bits)
    return m


#: The index of a 64-bit word's lowest set bit ``low`` is
#: ``_LOWEST_BIT[(low * _DE_BRUIJN) >> 58]`` (a de Bruijn sequence: the top six
#: bits of ``_DE_BRUIJN << b`` differ for every b).
_DE_BRUIJN = np.uint64(0x022FDD63CC95386D)
_LOWEST_BIT = np.zeros(64, np.int64)
_LOWEST_BIT[[((int(_DE_BRUIJN) << b) % 2**64) >> 58 for b in range(64)]] = np.arange(64)
assert len({((int(_DE_BRUIJN) << b) % 2**64) >> 58 for b in range(64)}) == 64


@jit
def _ascending(touched, m, bits):
    """Put ``touched[:m]`` (distinct people) in ascending order: by insertion
    when they are few, else marked in the bitmap ``bits`` (one bit per person,
    all clear before and after) and read back word by word, which costs
    ``len(bits) + m`` steps."""
    if m * m <= 4 * len(bits):
        for j in range(1, m):
            p, at = touched[j], j
            while at > 0 and touched[at - 1] > p:
                touched[at] = touched[at - 1]
                at -= 1
            touched[at] = p
        return
    one = np.uint64(1)
    for j in range(m):
        bits[touched[j] >> 6] |= one << np.uint64(touched[j] & 63)
    j = 0
    for w in range(len(bits)):
        word = bits[w]
        if word:
            bits[w] = 0
            while word:
                low = word & (~word + one)
                touched[j] = w * 64 + _LOWEST_BIT[(low * _DE_BRUIJN) >> np.uint64(58)]
                j += 1
                word ^= low
            if j == m:
                break


@jit
def _absorb(pool, x, n, row, i, s, t, k, net, q, rng):
    """The exposures ``x`` (first ``n``) of one step, absorbed together
    (docs/MODEL.md 7.7); the pool."""
    aware_row, first_source, believes = s.aware_row, s.first_source, s.believes
    company_trust, trust_lost, contacted_row = s.company_trust, s.trust_lost, s.contacted_row
    affected_of, current, cohort, counts, sums = i.affected, i.current, i.cohort, t[0], t[1]
    trust_of, trust_column, belief, scam_media = i.trust, i.trust_column, i.belief, s.scam_media
    person, source, medium, trust, hit = x.person, x.source, x.medium, x.trust, x.hit
    for j in range(n):                        # trust, then the belief draw (one pass)
        p, src = person[j], source[j]
        doubted = False
        if src == DIRECT or src == SCAM:
            chance = min(1.0, company_trust[p] * belief[medium[j]])
            doubted = ((scam_media[p] >> medium[j]) & 1) != 0
            if doubted:
                chance = chance * (1.0 - k.scam_doubt)
            trust[j] = chance
        else:
            trust[j] = trust_of[p, trust_column[src]]
        hit[j] = (rng.random() < trust[j]) or src == SEED
        if src == DIRECT and not hit[j] and doubted and not believes[p]:
            counts[DOUBTED] += 1
    m = _group(x, n, q, rng)
    flags_of, pick, touched, starters = q.flags, q.pick, q.touched, q.starters
    add_source, add_aware, add_gain, add_public = 0.0, 0.0, 0.0, 0.0
    churn_aware, churn_contact = 0.0, 0.0
    told, elsewhere = k.breach_loss_told_first, k.breach_loss_elsewhere_first
    started = np.int64(0)
    for j in range(m):
        p = touched[j]
        flags, chosen = flags_of[p], pick[p]
        affected = affected_of[p]
        if aware_row[p] < 0:
            src = source[chosen]
            aware_row[p] = row
            first_source[p] = src
            counts[AWARE] += 1
            counts[FIRST + src] += 1
            counts[AWARE_COHORT + cohort[p]] += 1
            add_source += trust[chosen]
            if affected:
                counts[AWARE_AFFECTED] += 1
                counts[AWARE_AFFECTED_COHORT + cohort[p]] += 1
                counts[FIRST_AFFECTED + src] += 1
                if src != SEED:
                    before = company_trust[p]
                    if src == DIRECT:
                        extra = 0.0
                        after = before - told * before
                    else:
                        extra = max(0.0, elsewhere - told) * before
                        after = before - elsewhere * before
                    trust_lost[p] = extra
                    company_trust[p] = after
                    add_aware += after - before
                    if current[p]:
                        initial = trust_of[p, trust_column[DIRECT]]
                        churn_aware += _churn(initial, after, k) - _churn(initial, before, k)
            elif src != SEED:
                before = company_trust[p]
                after = before - k.public_loss * before
                company_trust[p] = after
                add_public += after - before
        if flags & 2 and contacted_row[p] < 0:
            contacted_row[p] = row
            counts[CONTACTED] += 1
            if affected and 0 <= aware_row[p] < row:
                counts[KNEW] += 1
            before = company_trust[p]
            after = before
            if first_source[p] != DIRECT and trust_lost[p] > 0:
                after = before + k.late_contact_recovery * trust_lost[p]
            if k.service_recovery > 0:
                after = after + k.service_recovery * (1.0 - after)
            company_trust[p] = after
            add_gain += after - before
            if current[p]:
                initial = trust_of[p, trust_column[DIRECT]]
                churn_contact += _churn(initial, after, k) - _churn(initial, before, k)
        newly = (flags & 1) != 0 and not believes[p]
        if newly:
            believes[p] = True
            counts[BELIEVING] += 1
            if affected:
                counts[BELIEVING_AFFECTED] += 1
        if flags & 4:
            s.propensity[p] = k.share_multiplier
        if newly or (flags & 4 and believes[p]):
            starters[started] = p
            started += 1
    sums[SUM_SOURCE] += add_source
    sums[SUM_COMPANY] += add_aware
    sums[SUM_COMPANY] += add_gain
    sums[SUM_PUBLIC] += add_public
    sums[SUM_CHURN] += churn_aware
    sums[SUM_CHURN] += churn_contact
    if started:
        pool = _start_spreading(pool, starters, started, row, i, s, k, net, q, rng)
    return pool


@jit
def _churn(initial, trust, k):
    """Rules.churn_chance for one current customer (same operations, same rounding)."""
    return min(1.0, k.churn_per_trust_lost * max(0.0, initial - trust))


@jit
def _after_scams(people, media, n, i, s, t, k, rng):
    """The step's impostor messages read (``people[:n]``, by ``media[:n]``), after
    its exposures (as the numpy path's ``_after_scams``)."""
    counts, met, harmed, scam_media, verified = t[0], s.met_scam, s.harmed, s.scam_media, i.verified
    for j in range(n):
        p, m = people[j], media[j]
        u = rng.random()
        if not met[p]:
            met[p] = True
            counts[SCAM_READERS] += 1
        if not verified[m]:
            scam_media[p] |= np.int64(1) << m
        if u < k.scam_harm and not harmed[p]:
            harmed[p] = True
            counts[HARMED] += 1


# ---- one step ---------------------------------------------------------------------------
@jit
def _send(pool, step, i, t, k, q, rng):
    """Each campaign's messages of ``step``; a read step for each one delivered."""
    counts, hours, order = t[0], i.hours_cum, i.camp_order
    for c in range(len(i.camp_medium)):
        before = i.camp_sent[c, step - 1] if step > 0 else 0
        sent = i.camp_sent[c, step] - before
        if sent == 0:
            continue
        pool = _reserve(pool, sent)
        start = i.camp_offset[c] + before
        medium = i.camp_medium[c]
        reachable = i.reachable[medium]
        rate, flags = i.read_rate[medium], i.camp_flags[c]
        delivered, sent_to = (SCAM_DELIVERED, SCAM_SENT) if flags & IMPOSTOR else (DELIVERED, SENT)
        for j in range(start, start + sent):
            p = order[j]
            if reachable[p]:
                counts[delivered] += 1
                read = _first_step(hours, step + 1, rng.standard_exponential() / rate)
                if 0 <= read < k.steps:
                    _push(pool, _row(READS, read, k.steps), p, flags, medium)
        counts[sent_to] += sent
    return pool


@jit
def _exposures(q, capacity):
    """Scratch space for ``capacity`` exposures: the reusable one if big enough."""
    if capacity <= len(q.person):
        return Exposures(q.person, q.source, q.asked, q.teller, q.medium, q.trust, q.hit)
    return Exposures(np.empty(capacity, np.int64), np.empty(capacity, np.int64),
                     np.empty(capacity, np.bool_), np.empty(capacity, np.int64),
                     np.empty(capacity, np.int64), np.empty(capacity), np.empty(capacity, np.bool_))


@jit
def _random_contacts(step, i, s, k, rng):
    """Well-mixed tellings of ``step``: (spreader, person told) arrays."""
    n, spread_until, propensity = k.people, s.spread_until, s.propensity
    spreaders = 0
    for p in range(n):
        spreaders += spread_until[p] >= step
    if n < 2 or spreaders == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    rate = k.contacts_per_hour * (i.hours_cum[step + 1] - i.hours_cum[step])
    who = np.empty(spreaders, np.int64)
    contacts = np.empty(spreaders, np.int64)
    j, total = 0, 0
    for p in range(n):
        if spread_until[p] >= step:
            who[j] = p
            contacts[j] = rng.poisson(rate * propensity[p])
            total += contacts[j]
            j += 1
    src = np.empty(total, np.int64)
    dst = np.empty(total, np.int64)
    x = 0
    for j in range(spreaders):
        for _ in range(contacts[j]):
            src[x] = who[j]
            x += 1
    for x in range(total):
        dst[x] = int(rng.random() * (n - 1))
        if dst[x] >= src[x]:
            dst[x] += 1
    told = 0
    for x in range(total):
        if rng.random() < k.contact_tells:      # kept: packed to the front, in order
            src[told], dst[told] = src[x], dst[x]
            told += 1
    return src[:told], dst[:told]


@entry
def _run(pool, seeds, first, last, i, s, t, k, net, q, rng):
    """Step indices ``first`` to ``last - 1`` (rows first -> last); the pool.
    With ``first == -1`` the run's start comes first: broadcast schedules,
    ``seeds`` absorbed at row 0, row 0 recorded.

    Each step's exposures are collected in order: broadcasts (believers
    dropped, the next exposure scheduled), reads, tellings (stale ones
    dropped; stifling drawn); then absorbed together.
    """
    if first < 0:
        pool, x = _start(pool, seeds, i, k, q, rng)
        start = np.int64(0)
        if len(seeds):
            pool = _absorb(pool, x, len(seeds), start, i, s, t, k, net, q, rng)
        _record(start, t, q)
        first = 0
    for step in range(first, last):
        q.meta[SPREADING] -= q.ending[step]
        pool = _send(pool, step, i, t, k, q, rng)
        believes, spread_until, aware_row, period = s.believes, s.spread_until, s.aware_row, s.period
        broadcasts, reads, tellings = (_row(BROADCASTS, step, k.steps), _row(READS, step, k.steps),
                                       _row(TELLINGS, step, k.steps))
        x = _exposures(q, pool[broadcasts, COUNT] + pool[reads, COUNT] + pool[tellings, COUNT])
        person, source, asked, teller = x.person, x.source, x.asked, x.teller
        n = np.int64(0)
        slot = pool[broadcasts, HEAD]
        for _ in range(pool[broadcasts, COUNT]):
            if not believes[pool[slot, 1]]:
                person[n], source[n], asked[n] = pool[slot, 1], pool[slot, 2], False
                n += 1
            slot = _free(pool, slot)
        _emptied(pool, broadcasts)
        pool = _reserve(pool, n)
        _schedule(pool, person, n, source, MEDIA, i.media_cum, step + 1, k.steps, rng)
        _schedule(pool, person, n, source, TWITTER, i.twitter_cum, step + 1, k.steps, rng)
        medium = x.medium
        read_count = pool[reads, COUNT]
        scam_people = np.empty(read_count if k.scams else 0, np.int64)
        scam_media = np.empty(read_count if k.scams else 0, np.int64)
        scams = np.int64(0)
        slot = pool[reads, HEAD]
        for _ in range(read_count):
            p, flags, m = pool[slot, 1], pool[slot, 2], pool[slot, 3]
            if flags & IMPOSTOR:
                scam_people[scams], scam_media[scams] = p, m
                scams += 1
                if flags & MENTIONS:
                    person[n], source[n], asked[n], medium[n] = p, SCAM, False, m
                    n += 1
            else:
                person[n], source[n], asked[n], medium[n] = p, DIRECT, (flags & ASKED) != 0, m
                n += 1
            slot = _free(pool, slot)
        t[0][READ] += read_count - scams
        t[0][SCAM_READ] += scams
        _emptied(pool, reads)
        told = n
        if k.well_mixed:
            contacts_src, contacts_dst = _random_contacts(step, i, s, k, rng)
            if n + len(contacts_src) > len(person):
                x = _exposures(q, n + len(contacts_src) + len(person))
                for j in range(n):
                    x.person[j], x.source[j], x.asked[j], x.medium[j] = person[j], source[j], asked[j], medium[j]
                person, source, asked, teller = x.person, x.source, x.asked, x.teller
            for j in range(len(contacts_src)):
                person[n], source[n], asked[n], teller[n] = contacts_dst[j], WORD_OF_MOUTH, False, contacts_src[j]
                n += 1
        else:
            slot = pool[tellings, HEAD]
            for _ in range(pool[tellings, COUNT]):
                spreader = pool[slot, 1]
                if period[spreader] == pool[slot, 3] and spread_until[spreader] >= step:
                    person[n], source[n], asked[n], teller[n] = pool[slot, 2], WORD_OF_MOUTH, False, spreader
                    n += 1
                slot = _free(pool, slot)
            _emptied(pool, tellings)
        if k.stifling > 0 and n > told:
            ending, meta = q.ending, q.meta
            for j in range(told, n):              # the draw reads awareness, a stop only spreading
                stop = (rng.random() < k.stifling) and 0 <= aware_row[person[j]] <= step
                if stop and spread_until[teller[j]] > step:
                    _set_until(spread_until, ending, meta, teller[j], step, step + 1)
        if n > 0:
            pool = _absorb(pool, x, n, step + 1, i, s, t, k, net, q, rng)
        if scams > 0:
            _after_scams(scam_people, scam_media, scams, i, s, t, k, rng)
        _record(step + 1, t, q)
    return pool


@jit
def _record(row, t, q):
    counts, sums, rows_counts, rows_sums = t[0], t[1], t[2], t[4]
    for c in range(len(counts)):
        rows_counts[row, c] = counts[c]
    for c in range(len(sums)):
        rows_sums[row, c] = sums[c]
    t[3][row] = q.meta[SPREADING]


@jit
def _start(pool, seeds, i, k, q, rng):
    """Broadcast schedules; the pool and the seeds' exposures (to absorb at row 0)."""
    pool = _reserve(pool, len(i.followers) + len(i.twitter_users))
    every, start = np.empty(0, np.int64), np.int64(0)
    _schedule(pool, i.followers, len(i.followers), every, MEDIA, i.media_cum, start, k.steps, rng)
    _schedule(pool, i.twitter_users, len(i.twitter_users), every, TWITTER, i.twitter_cum, start, k.steps,
              rng)
    x = _exposures(q, len(seeds))
    for j in range(len(seeds)):
        x.person[j], x.source[j], x.asked[j] = seeds[j], SEED, False
    return pool, x


# ---- the path object used by sim.model.fast ---------------------------------------------------
class NumbaPath:
    """Runs the fast engine's schedule with the compiled kernel (same interface
    as :class:`sim.model.fast_numpy.NumpyPath`)."""

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
                           rules.active_hours, rules.breach_loss_told_first, rules.breach_loss_elsewhere_first,
                           rules.late_contact_recovery, rules.public_loss, rules.service_recovery,
                           rules.scam_doubt, rules.scam_harm, rules.churn_per_trust_lost, bool(world.scams),
                           len(layers), hazards[0], hazards[1])
        self.net = Network(p0, i0, p1, i1)
        capacity = n // 4 + 1024             # exposures of a step; a bigger step gets its own
        self.q = Queues(ending=np.zeros(steps + 2, np.int64),
                        meta=np.zeros(2, np.int64), stamp=np.zeros(n, np.int64),
                        best=np.zeros(n), pick=np.zeros(n, np.int64), flags=np.zeros(n, np.uint8),
                        touched=np.zeros(n, np.int64), bits=np.zeros(n // 64 + 1, np.uint64),
                        starters=np.zeros(n, np.int64),
                        person=np.zeros(capacity, np.int64), source=np.zeros(capacity, np.int64),
                        asked=np.zeros(capacity, np.bool_), teller=np.zeros(capacity, np.int64),
                        medium=np.zeros(capacity, np.int64),
                        trust=np.zeros(capacity), hit=np.zeros(capacity, np.bool_))
        header = 1 + 3 * steps
        slots = len(inputs.followers) + len(inputs.twitter_users) + n // 4 + 1024   # grows when needed
        self.pool = np.empty((header + slots, 4), np.int64 if n >= 2**31 else np.int32)
        self.pool[:header] = -1
        self.pool[0] = (-1, 0, header, 0)
        self.pool[1:header, COUNT] = 0
        self.t = (tally.counts, tally.sums, tally.rows_counts, tally.rows_spreading, tally.rows_sums)
        self.i, self.s, self.rng = inputs, state, rng
        self.seeds = world.seeds.astype(np.int64)

    def start(self) -> None:
        self.steps(-1, 0)

    def steps(self, first: int, last: int) -> None:
        self.pool = _run(self.pool, self.seeds, first, last, self.i, self.s, self.t, self.k, self.net, self.q,
                         self.rng)
