"""Keyed random draws, compiled (numba): the twin of :mod:`sim.model.keyed`.

Every function here computes, for a range of indexes, exactly the values the
numpy functions of :mod:`sim.model.keyed` compute for the same key and
indexes: the same 64-bit mixing, the same float operations in the same
order, and logarithms and powers from the C library (as Python's ``math``).
The functions release the GIL (``nogil``) and work on a range
``[lo, hi)`` of their output, so :mod:`sim.model.keyed` can split one draw
over threads; a value depends on its key and index alone, never on the
split.

numba caches each function by its own file, so the mixing constants are
written here again; :mod:`sim.model.keyed` checks them at import.
"""

from __future__ import annotations

import math

import numba
import numpy as np

jit = numba.njit(cache=True, nogil=True)

GAMMA = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
_S11, _S27, _S30, _S31, _S32 = np.uint64(11), np.uint64(27), np.uint64(30), np.uint64(31), np.uint64(32)
#: Uniform draws a person may use for one gamma variate (see keyed.GAMMA_SLOTS).
GAMMA_SLOTS = 1 << 16
LOG4 = math.log(4.0)
LOG5_PLUS_1 = 1.0 + math.log(5.0)
#: Most values one Poisson chunk may take (a bound, never reached in practice).
POISSON_CAP = 1000


@jit
def bits(key, counter):
    """64 random bits for ``counter`` (>= 0) of the stream ``key``."""
    z = key + GAMMA * np.uint64(counter + 1)
    z = (z ^ (z >> _S30)) * MIX1
    z = (z ^ (z >> _S27)) * MIX2
    return z ^ (z >> _S31)


@jit
def uniform(key, counter):
    """A uniform draw in [0, 1) with 53 random bits."""
    return np.float64(bits(key, counter) >> _S11) * 1.1102230246251565e-16


@jit
def below(key, counter, m):
    """A whole number in [0, m), m < 2**32 (multiply-shift of the top 32 bits)."""
    return np.int64(((bits(key, counter) >> _S32) * np.uint64(m)) >> _S32)


@jit
def fill_uniform(key, offset, out, lo, hi):
    """``out[i]`` = uniform(key, offset + i) for lo <= i < hi."""
    for i in range(lo, hi):
        out[i] = uniform(key, offset + i)


@jit
def fill_below(key, p, out, lo, hi):
    """``out[i]`` = uniform(key, i) < p[i] for lo <= i < hi."""
    for i in range(lo, hi):
        out[i] = uniform(key, i) < p[i]


@jit
def fill_poisson(key, chunks, offset, table, out, lo, hi):
    """``out[i]``: the sum of ``chunks`` draws by inversion of one uniform each
    (counter (offset + i) x chunks + c) against the cumulative probabilities
    ``table`` (a draw past its end is POISSON_CAP), for lo <= i < hi."""
    size = len(table)
    for i in range(lo, hi):
        total = 0
        for c in range(chunks):
            u = uniform(key, (offset + i) * chunks + c)
            x = 0
            while x < size and u > table[x]:
                x += 1
            total += x if x < size else POISSON_CAP
        out[i] = total


@jit
def fill_below_scalar(key, p, out, lo, hi):
    """``out[i]`` = uniform(key, i) < p for lo <= i < hi."""
    for i in range(lo, hi):
        out[i] = uniform(key, i) < p


@jit
def _normal(key, base, j):
    """A standard normal draw (Marsaglia's polar method, first of the pair) from
    counters base + j, base + j + 1, ...; the draw and the next j."""
    while True:
        x = 2.0 * uniform(key, base + j) - 1.0
        y = 2.0 * uniform(key, base + j + 1) - 1.0
        j += 2
        s = x * x + y * y
        if 0.0 < s < 1.0:
            return x * math.sqrt(-2.0 * math.log(s) / s), j


@jit
def gamma(key, base, shape):
    """A Gamma(shape, 1) draw (Marsaglia and Tsang, 2000; shape < 1 boosted by
    U ** (1 / shape)) from the counters base, base + 1, ..."""
    boost = shape < 1.0
    a = shape + 1.0 if boost else shape
    d = a - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    j = 0
    while True:
        z, j = _normal(key, base, j)
        t = 1.0 + c * z
        if t <= 0.0:
            continue
        v = t * t * t
        u = uniform(key, base + j)
        j += 1
        z2 = z * z
        if u < 1.0 - 0.0331 * z2 * z2:
            break
        if u > 0.0 and math.log(u) < 0.5 * z2 + d * (1.0 - v + math.log(v)):
            break
    g = d * v
    if boost:
        g = g * math.pow(uniform(key, base + j), 1.0 / shape)
    return g


@jit
def open_uniform(key, counter):
    """A uniform draw in (0, 1): the 53 bits plus one half, times 2**-53."""
    return (np.float64(bits(key, counter) >> _S11) + 0.5) * 1.1102230246251565e-16


@jit
def cheng_beta(key, base, a, b):
    """A Beta(a, b) draw, a > 1 and b > 1, by Cheng's algorithm BB (1978) from the
    counters base, base + 1, ... (two open uniforms an attempt)."""
    small, large = (a, b) if a <= b else (b, a)
    total = small + large
    scale = math.sqrt((total - 2.0) / (2.0 * small * large - total))
    shift = small + 1.0 / scale
    j = 0
    while True:
        u1 = open_uniform(key, base + j)
        u2 = open_uniform(key, base + j + 1)
        j += 2
        v = scale * math.log(u1 / (1.0 - u1))
        w = small * math.exp(v)
        z = u1 * u1 * u2
        r = shift * v - LOG4
        s = small + r - w
        if s + LOG5_PLUS_1 >= 5.0 * z:
            break
        t = math.log(z)
        if s > t:
            break
        if r + total * math.log(total / (large + w)) >= t:
            break
    return w / (large + w) if a == small else large / (large + w)


@jit
def fill_beta(key_a, key_b, a, b, out, lo, hi):
    """``out[i]``: Beta(a[i], b[i]) for the lo <= i < hi with a[i] > 0 (others are
    left alone): by Cheng's BB from ``key_a`` when both exceed 1, else as
    X / (X + Y), X ~ Gamma(a[i]) from ``key_a`` and Y ~ Gamma(b[i]) from ``key_b``;
    person i's counters from i x GAMMA_SLOTS."""
    for i in range(lo, hi):
        if a[i] > 0.0:
            if a[i] > 1.0 and b[i] > 1.0:
                out[i] = cheng_beta(key_a, i * GAMMA_SLOTS, a[i], b[i])
                continue
            x = gamma(key_a, i * GAMMA_SLOTS, a[i])
            y = gamma(key_b, i * GAMMA_SLOTS, b[i])
            out[i] = x / (x + y) if x + y > 0.0 else a[i] / (a[i] + b[i])


@jit
def bucket_counts(key, n, buckets):
    """How many of the n elements fall in each bucket (bucket of element i:
    below(key, i, buckets)); shape buckets + 1, entry 0 zero, then counts."""
    counts = np.zeros(buckets + 1, np.int64)
    for i in range(n):
        counts[below(key, i, buckets) + 1] += 1
    return counts


@jit
def scatter(key, values, starts, out):
    """Each ``values[i]`` into its bucket, in index order: a stable counting sort
    by bucket, ``starts`` the buckets' first positions (consumed)."""
    buckets = len(starts) - 1
    fill = starts[:buckets].copy()
    for i in range(len(values)):
        b = below(key, i, buckets)
        out[fill[b]] = values[i]
        fill[b] += 1


@jit
def shuffle_buckets(key, out, starts, lo, hi):
    """Fisher-Yates within each bucket lo <= b < hi of ``out`` (bucket b is
    ``out[starts[b]:starts[b + 1]]``), position s + t swapped with
    s + below(key, s + t, t + 1) for t from the bucket's end down to 1."""
    for b in range(lo, hi):
        s = starts[b]
        for t in range(starts[b + 1] - s - 1, 0, -1):
            r = below(key, s + t, t + 1)
            held = out[s + t]
            out[s + t] = out[s + r]
            out[s + r] = held
