"""Compiled construction of a network layer's CSR arrays (numba).

:func:`csr_from_edges` gives exactly the arrays of the numpy construction in
:func:`sim.model.network.layer_from_edges` (self-loops and duplicates dropped; each
person's neighbours above them in ascending order, then those below them in
ascending order), in a few linear passes over the edges instead of two sorts
of the whole edge list. :mod:`sim.model.network` uses it when
numba is installed and ``BREACHSIM_KERNEL`` does not ask for the numpy path.

The households network's two layers are built here without an edge list:
:func:`household_rows` writes each household's rows, and the social layer's
stubs are paired in place (:func:`pair_stubs`), then each person's row is
their stubs' partners (:func:`stub_rows`, :func:`copy_rows`). Both give exactly
the arrays :func:`csr_from_edges` gives for the same ties, and rows are
independent, so they are split over threads.
"""

from __future__ import annotations

import numba
import numpy as np

jit = numba.njit(cache=True)
#: Row builders release the GIL: sim.model.keyed splits them over threads (rows are independent).
threaded = numba.njit(cache=True, nogil=True)


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


# ---- layers built directly as CSR (no edge list) ------------------------------------------
@jit
def _sort_small(values, lo, hi):
    """Sort ``values[lo:hi]`` in place: Shell sort with Knuth's gaps 1, 4, 13, ...
    (rows are short, and it compiles far quicker than numba's ``np.sort``)."""
    gap = 1
    while gap < (hi - lo) // 3:
        gap = 3 * gap + 1
    while gap >= 1:
        for a in range(lo + gap, hi):
            held = values[a]
            b = a
            while b - gap >= lo and values[b - gap] > held:
                values[b] = values[b - gap]
                b -= gap
            values[b] = held
        gap //= 3


@jit
def _write_row(row, lo, count, person, indices, at):
    """Write the sorted, distinct ``row[lo:lo + count]`` at ``indices[at:]`` in the
    layer's order: the neighbours above ``person`` ascending, then those below."""
    first_above = lo
    while first_above < lo + count and row[first_above] < person:
        first_above += 1
    for k in range(first_above, lo + count):
        indices[at] = row[k]
        at += 1
    for k in range(lo, first_above):
        indices[at] = row[k]
        at += 1


@jit
def pair_stubs(order, offsets, partner):
    """``partner[a] = b`` and ``partner[b] = a`` for each pair of stubs: in group g,
    ``order[offsets[g]:offsets[g + 1]]`` paired first half with second half
    (an odd last stub keeps -1)."""
    for g in range(len(offsets) - 1):
        lo = offsets[g]
        half = (offsets[g + 1] - lo) // 2
        for k in range(half):
            a, b = order[lo + k], order[lo + half + k]
            partner[a] = b
            partner[b] = a


@threaded
def stub_rows(owner, start, partner, distinct, lo, hi):
    """For people lo <= p < hi: their stubs' partners' owners, in place of the
    partners (``partner[start[p]:start[p + 1]]``), self-ties and repeats removed and
    sorted; ``distinct[p]`` how many remain."""
    for p in range(lo, hi):
        s = start[p]
        m = 0
        for j in range(s, start[p + 1]):
            if partner[j] >= 0:
                q = owner[partner[j]]
                if q != p:
                    partner[s + m] = q
                    m += 1
        _sort_small(partner, s, s + m)
        u = 0
        for k in range(s, s + m):
            if k == s or partner[k] != partner[k - 1]:
                partner[s + u] = partner[k]
                u += 1
        distinct[p] = u


@threaded
def copy_rows(start, partner, distinct, indptr, indices, lo, hi):
    """Each person's row (from :func:`stub_rows`) into the layer's arrays, lo <= p < hi."""
    for p in range(lo, hi):
        _write_row(partner, start[p], distinct[p], p, indices, indptr[p])


@threaded
def household_rows(members, first, indptr, indices, lo, hi):
    """Rows of households lo <= h < hi: household h is ``members[first[h]:first[h + 1]]``
    (sorted in place); each member's row is the others."""
    for h in range(lo, hi):
        s, e = first[h], first[h + 1]
        _sort_small(members, s, e)
        for k in range(s, e):
            p = members[k]
            at = indptr[p]
            for other in range(k + 1, e):
                indices[at] = members[other]
                at += 1
            for other in range(s, k):
                indices[at] = members[other]
                at += 1


@jit
def group_stubs(stubs, within, cohort, cohorts, like):
    """The stub numbers grouped for pairing, in one counting pass: group c < ``cohorts``
    holds the stubs kept within cohort c, group ``cohorts`` the rest, each in stub
    order; (grouped stubs, offsets of the cohorts + 2 group bounds)."""
    offsets = np.zeros(cohorts + 2, np.int64)
    for j in range(len(stubs)):
        offsets[(cohort[stubs[j]] if within[j] else cohorts) + 1] += 1
    for g in range(cohorts + 1):
        offsets[g + 1] += offsets[g]
    fill = offsets[:cohorts + 1].copy()
    grouped = np.empty(len(stubs), like.dtype)
    for j in range(len(stubs)):
        g = cohort[stubs[j]] if within[j] else cohorts
        grouped[fill[g]] = j
        fill[g] += 1
    return grouped, offsets
