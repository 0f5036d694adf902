"""Keyed random draws: the world's random numbers as a function of (key, index).

A run's world (population, households, social ties, customer lists, seeds)
is drawn from *keyed streams*: each purpose ("cohort", "trust_media", ...)
gets a 64-bit key from the run's seed sequence (:class:`Keys`), and draw
number i of a stream is a fixed function of (key, i), SplitMix64's output
function applied to ``key + (i + 1) x 0x9E3779B97F4A7C15`` (Steele, Lea and
Flood 2014). Nothing is carried from one draw to the next, so a draw can be
computed by any thread in any order: a world is the same whatever the
number of threads, workers or groups, and the compiled path
(:mod:`sim.model.keyed_numba`, split over threads for big draws) and the
numpy path below give identical values (``tests/test_world_draws.py``).

Distributions, each defined by the counters it uses:

- uniform: 53 bits of draw i, times 2**-53;
- Bernoulli(p): uniform i < p;
- Poisson(lam): the sum of ``chunks = ceil(lam / 16)`` Poisson(lam / chunks)
  draws, each by inversion of one uniform (draw i x chunks + c) against a table
  of cumulative probabilities (:func:`poisson_table`);
- Beta(a, b) with a and b above 1: Cheng's algorithm BB (1978), two open
  uniforms ((53 bits + 0.5) x 2**-53) an attempt, person i using draws
  i x 2**16, i x 2**16 + 1, ... of its stream; otherwise X / (X + Y) with
  Gamma draws by Marsaglia and Tsang's method on normals from Marsaglia's
  polar method (same counters; one stream for X, one for Y);
- a random permutation (:func:`shuffled`): Rao and Sandelius's method, each
  element to a random bucket of about 64 (stable by index), then Fisher-Yates
  inside each bucket.

Logarithms and powers come from the C library on both paths (the numpy path
calls Python's ``math`` for them), square roots and arithmetic are IEEE.
"""

from __future__ import annotations

import hashlib
import math
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .kernels import default_kernel, numba_available

#: Tag of the world's keyed streams among the children of a run's seed sequence.
WORLD_TAG = 0x3011D
GAMMA = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
_MASK = (1 << 64) - 1
#: Uniform draws a person may use for one gamma variate.
GAMMA_SLOTS = 1 << 16
#: Largest Poisson mean drawn by a single inversion.
POISSON_CHUNK = 16.0
#: Most values one Poisson chunk may take.
POISSON_CAP = 1000
#: Bucket size (log2) of a shuffle: about 64 elements a bucket.
BUCKET_BITS = 6
#: Draws below this many elements run on one thread.
THREADED_FROM = 1 << 20
_log = np.frompyfunc(math.log, 1, 1)
_pow = np.frompyfunc(math.pow, 2, 1)
_exp = np.frompyfunc(math.exp, 1, 1)
LOG4 = math.log(4.0)
LOG5_PLUS_1 = 1.0 + math.log(5.0)


def _mix(z: int) -> int:
    """SplitMix64's output function on a Python int (64-bit wrap-around)."""
    z &= _MASK
    z = ((z ^ (z >> 30)) * int(MIX1)) & _MASK
    z = ((z ^ (z >> 27)) * int(MIX2)) & _MASK
    return z ^ (z >> 31)


def key_of(seed_seq: np.random.SeedSequence, purpose: str) -> np.uint64:
    """The 64-bit key of the stream ``purpose`` of the run whose seed sequence is
    ``seed_seq``: the mixed sum of the world's root key (64 bits of the child
    sequence tagged :data:`WORLD_TAG`) and the purpose's 64-bit BLAKE2b digest."""
    return Keys(seed_seq)[purpose]


class Keys:
    """The keyed streams of one run: ``keys[purpose]`` is the key of the stream
    ``purpose`` (any text), made from the run's seed sequence (see :func:`key_of`)."""

    def __init__(self, seed_seq: np.random.SeedSequence):
        child = np.random.SeedSequence(seed_seq.entropy, spawn_key=(*seed_seq.spawn_key, WORLD_TAG))
        self.root = int(child.generate_state(1, np.uint64)[0])
        self._made: dict[str, np.uint64] = {}

    def __getitem__(self, purpose: str) -> np.uint64:
        if purpose not in self._made:
            digest = int.from_bytes(hashlib.blake2b(purpose.encode("utf-8"), digest_size=8).digest(), "little")
            self._made[purpose] = np.uint64(_mix(self.root + digest * int(GAMMA)))
        return self._made[purpose]


def compiled() -> bool:
    """True when draws are computed by :mod:`sim.model.keyed_numba` (the two paths agree)."""
    return default_kernel() == "numba"


def threads() -> int:
    """Threads for a big draw: ``BREACHSIM_THREADS`` if set, else the cores this
    process may use. Never changes a value drawn."""
    chosen = os.environ.get("BREACHSIM_THREADS", "").strip()
    if chosen.isdigit() and int(chosen) > 0:
        return int(chosen)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def split(fill, n: int, *args) -> None:
    """Call ``fill(*args, lo, hi)`` over [0, n), on several threads when n is big
    (``fill`` must release the GIL and its result must not depend on the split)."""
    workers = min(threads(), max(1, n // (THREADED_FROM // 2))) if n >= THREADED_FROM else 1
    if workers <= 1:
        fill(*args, 0, n)
        return
    edges = np.linspace(0, n, workers + 1).astype(np.int64)
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda j: fill(*args, int(edges[j]), int(edges[j + 1])), range(workers)))


# ---- the numpy path -------------------------------------------------------------------
def bits(key: np.uint64, counters: np.ndarray) -> np.ndarray:
    """64 random bits for each counter (>= 0) of the stream ``key`` (uint64 array)."""
    z = np.asarray(counters).astype(np.uint64) + np.uint64(1)
    z *= GAMMA
    z += key
    z ^= z >> np.uint64(30)
    z *= MIX1
    z ^= z >> np.uint64(27)
    z *= MIX2
    z ^= z >> np.uint64(31)
    return z


def _uniform(key, counters) -> np.ndarray:
    return (bits(key, counters) >> np.uint64(11)).astype(np.float64) * 1.1102230246251565e-16


def _below(key, counters, m) -> np.ndarray:
    """Whole numbers in [0, m) (m < 2**32, scalar or array) for each counter."""
    top = bits(key, counters) >> np.uint64(32)
    return ((top * np.asarray(m).astype(np.uint64)) >> np.uint64(32)).astype(np.int64)


def poisson_table(mu: float) -> np.ndarray:
    """Cumulative Poisson(mu) probabilities F(0), F(1), ... by the recurrence
    p(x) = p(x - 1) mu / x, up to where p underflows or POISSON_CAP values."""
    p = math.exp(-mu)
    table = [p]
    x = 0
    while x < POISSON_CAP - 1:
        x += 1
        p = p * mu / x
        if p == 0.0 and x > mu:
            break
        table.append(table[-1] + p)
    return np.array(table)


def _poisson_numpy(key, n: int, chunks: int, offset: int, table: np.ndarray) -> np.ndarray:
    total = np.zeros(n, np.int64)
    people = np.arange(offset, offset + n, dtype=np.int64)
    for c in range(chunks):
        x = np.searchsorted(table, _uniform(key, people * chunks + c), side="left")
        total += np.where(x < len(table), x, POISSON_CAP)
    return total


def _normal_numpy(key, base: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Polar-method normals for each (base, j), as keyed_numba._normal; the draws and the next j."""
    z, j = np.empty(len(base)), j.copy()
    live = np.arange(len(base))
    while len(live):
        x = 2.0 * _uniform(key, base[live] + j[live]) - 1.0
        y = 2.0 * _uniform(key, base[live] + j[live] + 1) - 1.0
        j[live] += 2
        s = x * x + y * y
        ok = (s > 0.0) & (s < 1.0)
        s = s[ok]
        z[live[ok]] = x[ok] * np.sqrt(-2.0 * _log(s).astype(np.float64) / s)
        live = live[~ok]
    return z, j


def _gamma_numpy(key, people: np.ndarray, shape: np.ndarray) -> np.ndarray:
    """Gamma(shape[k]) for each person people[k], as keyed_numba.gamma."""
    boost = shape < 1.0
    a = np.where(boost, shape + 1.0, shape)
    d = a - 1.0 / 3.0
    c = 1.0 / np.sqrt(9.0 * d)
    base = people * GAMMA_SLOTS
    j = np.zeros(len(people), np.int64)
    g = np.empty(len(people))
    live = np.arange(len(people))
    while len(live):
        z, j[live] = _normal_numpy(key, base[live], j[live])
        t = 1.0 + c[live] * z
        positive = t > 0.0
        v = t * t * t
        u = _uniform(key, base[live] + j[live])
        j[live] += positive
        z2 = z * z
        accept = positive & (u < 1.0 - 0.0331 * z2 * z2)
        slow = positive & ~accept & (u > 0.0)
        if slow.any():
            us, vs, ds = u[slow], v[slow], d[live][slow]
            accept[slow] = (_log(us).astype(np.float64)
                            < 0.5 * z2[slow] + ds * (1.0 - vs + _log(vs).astype(np.float64)))
        g[live[accept]] = d[live[accept]] * v[accept]
        live = live[~accept]
    boosted = np.flatnonzero(boost)
    if len(boosted):
        u = _uniform(key, base[boosted] + j[boosted])
        with np.errstate(over="ignore", divide="ignore"):
            g[boosted] = g[boosted] * _pow(u, 1.0 / shape[boosted]).astype(np.float64)
    return g


# ---- the draws ---------------------------------------------------------------------------
def uniforms(key: np.uint64, n: int, offset: int = 0) -> np.ndarray:
    """``n`` uniform draws in [0, 1): draws offset .. offset + n - 1 of the stream."""
    if compiled():
        from . import keyed_numba as kn

        out = np.empty(n)
        split(kn.fill_uniform, n, key, np.int64(offset), out)
        return out
    return _uniform(key, np.arange(offset, offset + n, dtype=np.int64))


def bernoulli(key: np.uint64, p, n: int | None = None) -> np.ndarray:
    """Bernoulli draws (bool array): one per entry of the array ``p`` (True with
    probability p[i]), or ``n`` with the same probability when ``p`` is a number."""
    if n is not None:
        if compiled():
            from . import keyed_numba as kn

            out = np.empty(n, np.bool_)
            split(kn.fill_below_scalar, n, key, float(p), out)
            return out
        return _uniform(key, np.arange(n, dtype=np.int64)) < float(p)
    p = np.ascontiguousarray(p, dtype=np.float64)
    if compiled():
        from . import keyed_numba as kn

        out = np.empty(len(p), np.bool_)
        split(kn.fill_below, len(p), key, p, out)
        return out
    return _uniform(key, np.arange(len(p), dtype=np.int64)) < p


def poisson(key: np.uint64, mean: float, n: int, offset: int = 0) -> np.ndarray:
    """``n`` Poisson(mean) draws (int64; mean >= 0): draws offset .. offset + n - 1."""
    if mean <= 0.0:
        return np.zeros(n, np.int64)
    chunks = max(1, math.ceil(mean / POISSON_CHUNK))
    table = poisson_table(mean / chunks)
    if compiled():
        from . import keyed_numba as kn

        out = np.empty(n, np.int64)
        split(kn.fill_poisson, n, key, np.int64(chunks), np.int64(offset), table, out)
        return out
    return _poisson_numpy(key, n, chunks, offset, table)


def _open_uniform(key, counters) -> np.ndarray:
    return ((bits(key, counters) >> np.uint64(11)).astype(np.float64) + 0.5) * 1.1102230246251565e-16


def _cheng_numpy(key, people: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Beta(a[k], b[k]) for each person people[k], a and b > 1, as keyed_numba.cheng_beta."""
    small, large = np.minimum(a, b), np.maximum(a, b)
    total = small + large
    scale = np.sqrt((total - 2.0) / (2.0 * small * large - total))
    shift = small + 1.0 / scale
    base = people * GAMMA_SLOTS
    j = np.zeros(len(people), np.int64)
    w = np.empty(len(people))
    live = np.arange(len(people))
    while len(live):
        u1 = _open_uniform(key, base[live] + j[live])
        u2 = _open_uniform(key, base[live] + j[live] + 1)
        j[live] += 2
        sm, lg, tot = small[live], large[live], total[live]
        v = scale[live] * _log(u1 / (1.0 - u1)).astype(np.float64)
        wl = sm * _exp(v).astype(np.float64)
        z = u1 * u1 * u2
        r = shift[live] * v - LOG4
        s = sm + r - wl
        accept = s + LOG5_PLUS_1 >= 5.0 * z
        rest = np.flatnonzero(~accept)
        if len(rest):
            t = _log(z[rest]).astype(np.float64)
            ok = s[rest] > t
            slow = rest[~ok]
            ok_slow = (r[slow] + tot[slow] * _log(tot[slow] / (lg[slow] + wl[slow])).astype(np.float64)
                       >= t[~ok])
            accept[rest[ok]] = True
            accept[slow[ok_slow]] = True
        w[live[accept]] = wl[accept]
        live = live[~accept]
    return np.where(a == small, w / (large + w), large / (large + w))


def beta(key_a: np.uint64, key_b: np.uint64, mean: np.ndarray, concentration: float) -> np.ndarray:
    """One Beta draw per entry with mean ``mean[i]`` and a + b = ``concentration``.

    Both parameters above 1: Cheng's algorithm BB (1978) on ``key_a``; otherwise
    X / (X + Y) of Gamma draws on ``key_a`` and ``key_b``. A mean of exactly 0 or
    1, or one so close that a or b rounds to 0 (e.g. 5e-324), gives exactly that
    mean (everyone the same).
    """
    mean = np.asarray(mean, dtype=float)
    with np.errstate(under="ignore"):
        a_all = mean * concentration
    b_all = concentration - a_all
    inner = (mean > 0) & (mean < 1) & (a_all > 0) & (b_all > 0)
    out = mean.copy()
    if compiled():
        from . import keyed_numba as kn

        a = np.where(inner, a_all, 0.0)
        split(kn.fill_beta, len(out), key_a, key_b, a, np.where(inner, b_all, 1.0), out)
        return out
    cheng = inner & (a_all > 1.0) & (b_all > 1.0)
    people = np.flatnonzero(cheng).astype(np.int64)
    if len(people):
        out[people] = _cheng_numpy(key_a, people, a_all[people], b_all[people])
    people = np.flatnonzero(inner & ~cheng).astype(np.int64)
    if len(people):
        x = _gamma_numpy(key_a, people, a_all[people])
        y = _gamma_numpy(key_b, people, b_all[people])
        total = x + y
        out[people] = np.where(total > 0.0, x / np.where(total > 0.0, total, 1.0),
                               a_all[people] / (a_all[people] + b_all[people]))
    return out


def shuffled(key: np.uint64, values: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``values`` in a random order (uniform over permutations), in ``out`` if given
    (an array of the same length and type, not ``values`` itself), else a new array.

    Element i goes to bucket ``below(key, i, B)`` of B = max(1, n >> 6) buckets,
    keeping index order within a bucket; each bucket is then shuffled by
    Fisher-Yates with a second stream, key XOR 0xA5A5A5A5A5A5A5A5 (position s + t
    swapped with s + below(s + t, t + 1)).
    """
    values = np.ascontiguousarray(values)
    n = len(values)
    if out is None:
        out = np.empty_like(values)
    buckets = max(1, n >> BUCKET_BITS)
    key_bucket, key_swap = np.uint64(key), np.uint64(key) ^ np.uint64(0xA5A5A5A5A5A5A5A5)
    if compiled():
        from . import keyed_numba as kn

        starts = np.cumsum(kn.bucket_counts(key_bucket, n, buckets))
        kn.scatter(key_bucket, values, starts, out)
        split(kn.shuffle_buckets, buckets, key_swap, out, starts)
        return out
    bucket = _below(key_bucket, np.arange(n, dtype=np.int64), buckets)
    out[:] = values[np.argsort(bucket, kind="stable")]
    counts = np.bincount(bucket, minlength=buckets)
    starts = np.cumsum(counts) - counts
    for t in range(int(counts.max(initial=0)) - 1, 0, -1):
        s = starts[counts > t]
        here = s + t
        there = s + _below(key_swap, here, t + 1)
        held = out[here]
        out[here] = out[there]
        out[there] = held
    return out


def permutation(key: np.uint64, n: int) -> np.ndarray:
    """0 .. n-1 in a random order (int64)."""
    return shuffled(key, np.arange(n, dtype=np.int64))


def _check_constants() -> None:
    from . import keyed_numba as kn

    same = ((kn.GAMMA, kn.MIX1, kn.MIX2) == (GAMMA, MIX1, MIX2) and kn.GAMMA_SLOTS == GAMMA_SLOTS
            and kn.POISSON_CAP == POISSON_CAP)
    if not same:
        raise ImportError("sim/model/keyed_numba.py: its constants no longer match sim/model/keyed.py")


if numba_available():
    _check_constants()
