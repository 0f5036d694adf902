"""Compiled construction of a network layer's CSR arrays (numba).

:func:`csr_from_edges` gives exactly the arrays of the numpy construction in
:func:`sim.model.network.layer_from_edges` (self-loops and duplicates dropped; each
person's neighbours above them in ascending order, then those below them in
ascending order), in a few linear passes over the edges instead of two sorts
of the whole edge list. :mod:`sim.model.network` uses it when
numba is installed and ``BREACHSIM_KERNEL`` does not ask for the numpy path.
"""

from __future__ import annotations

import numba
import numpy as np

jit = numba.njit(cache=True)


@jit
def _neighbour_buckets(u, v, size, like):
    """Each person's neighbours, unordered and with duplicates: (start, buffer),
    person i's in ``buffer[start[i]:start[i + 1]]``; self-loops left out."""
    start = np.zeros(size + 1, dtype=np.int64)
    for e in range(len(u)):
        if u[e] != v[e]:
            start[u[e] + 1] += 1
            start[v[e] + 1] += 1
    for i in range(size):
        start[i + 1] += start[i]
    fill = start[:size].copy()
    buffer = np.empty(start[size], dtype=like.dtype)
    for e in range(len(u)):
        a, b = u[e], v[e]
        if a != b:
            buffer[fill[a]] = b
            fill[a] += 1
            buffer[fill[b]] = a
            fill[b] += 1
    return start, buffer


@jit
def _csr(u, v, size, indices):
    """Fill ``indices`` (long enough); return indptr and the number of entries used.

    Sorting without comparisons: walking the people q in ascending order and
    appending q to the row of each of q's neighbours leaves every row in
    ascending order (the relation is symmetric). Duplicates are then adjacent.
    """
    start, buckets = _neighbour_buckets(u, v, size, indices)
    rows = np.empty_like(buckets)
    fill = start[:size].copy()
    for q in range(size):
        for k in range(start[q], start[q + 1]):
            p = buckets[k]
            rows[fill[p]] = q
            fill[p] += 1
    indptr = np.zeros(size + 1, dtype=np.int64)
    out = 0
    for i in range(size):
        lo, hi = start[i], start[i + 1]
        first_above = lo
        while first_above < hi and rows[first_above] < i:
            first_above += 1
        for k in range(first_above, hi):         # neighbours above, ascending
            if k == first_above or rows[k] != rows[k - 1]:
                indices[out] = rows[k]
                out += 1
        for k in range(lo, first_above):         # then those below, ascending
            if k == lo or rows[k] != rows[k - 1]:
                indices[out] = rows[k]
                out += 1
        indptr[i + 1] = out
    return indptr, out


def csr_from_edges(u: np.ndarray, v: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(indptr, indices) of the undirected layer with these edge end-points (people 0..size-1)."""
    u = np.ascontiguousarray(u, dtype=np.int64)
    v = np.ascontiguousarray(v, dtype=np.int64)
    index_type = np.int32 if size < 2**31 else np.int64
    indices = np.empty(2 * len(u), dtype=index_type)
    indptr, used = _csr(u, v, size, indices)
    return indptr, indices[:used]
