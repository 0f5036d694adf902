"""Who knows whom: the social network as undirected layers in CSR arrays.

Each :class:`Layer` (``household``, ``social``) has its own word-of-mouth
strength. ``households`` is the synthetic network built with numpy alone (it
scales to tens of millions of people); the networkx kinds are for small
studies; ``file`` reads a user's edge list or GraphML; ``well_mixed`` has no
layers (spreaders contact uniformly random people).
"""

from __future__ import annotations

import io
import itertools
import os
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from ..errors import ScenarioError, shorten
from . import keyed
from .keyed import Keys
from .kernels import default_kernel
from ..config.readers import MAX_TABLE_BYTES, read_user_bytes, read_user_text
from ..config.scenario import Scenario

#: What an edge list is, in error lines.
EDGE_LIST = "an edge list (two node labels per line) or a .graphml file"
#: Column names recognised on an edge list's first line (that line is then skipped).
HEADER_WORDS = frozenset({"source", "target", "from", "to", "src", "dst", "u", "v", "node1",
                          "node2", "node_1", "node_2", "id1", "id2", "i", "j"})


@dataclass
class Layer:
    """One undirected layer in CSR form: the neighbours of person ``i`` are
    ``indices[indptr[i]:indptr[i + 1]]``; every edge appears in both directions."""

    name: str
    indptr: np.ndarray
    indices: np.ndarray

    def neighbours(self, person: int) -> np.ndarray:
        return self.indices[self.indptr[person]:self.indptr[person + 1]]

    @property
    def edges(self) -> int:
        """Number of undirected edges."""
        return len(self.indices) // 2

    def degrees(self) -> np.ndarray:
        return np.diff(self.indptr)


@dataclass
class Network:
    """The layers over ``size`` people (none for ``well_mixed``)."""

    kind: str
    size: int
    layers: list[Layer] = field(default_factory=list)

    def layer(self, name: str) -> Layer | None:
        return next((l for l in self.layers if l.name == name), None)


def compiled_network() -> bool:
    """True when layers are built by the compiled code: numba is installed and
    ``BREACHSIM_KERNEL`` does not choose the numpy path (both give identical arrays)."""
    return default_kernel() == "numba"


def layer_from_edges(name: str, size: int, u: np.ndarray, v: np.ndarray) -> Layer:
    """A CSR layer from edge end-points; drops self-loops and duplicate edges.

    Each person's neighbours are those with a higher index, then those with a
    lower index, each in ascending order. With numba (see
    :func:`compiled_network`) the compiled :mod:`sim.model.network_numba` builds the
    same arrays; otherwise numpy does, with linear-time placement (no sort of
    the doubled edge list).
    """
    if compiled_network():
        from .network_numba import csr_from_edges

        return Layer(name, *csr_from_edges(u, v, size))
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    keep = u != v
    keys = np.minimum(u[keep], v[keep]) * size + np.maximum(u[keep], v[keep])
    del u, v, keep
    keys.sort()                                     # (np.unique hashes: much slower here)
    keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])] if len(keys) else keys
    lo, hi = keys // size, keys % size
    del keys
    index_type = np.int32 if size < 2**31 else np.int64
    up = np.bincount(lo, minlength=size)            # neighbours above, per person
    down = np.bincount(hi, minlength=size)          # neighbours below
    indptr = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(up + down, out=indptr[1:])
    indices = np.empty(2 * len(lo), dtype=index_type)
    first_up = np.cumsum(up) - up                   # lo is sorted: ranks within groups
    indices[indptr[lo] + np.arange(len(lo)) - first_up[lo]] = hi
    flipped = np.sort(hi * size + lo)                # now grouped by hi, lo ascending
    hi, lo = flipped // size, flipped % size
    del flipped
    first_down = np.cumsum(down) - down
    indices[indptr[hi] + up[hi] + np.arange(len(hi)) - first_down[hi]] = lo
    return Layer(name, indptr, indices)


def household_sizes(keys: Keys, people: int, mean_size: float) -> np.ndarray:
    """Household sizes (1 + Poisson(mean - 1)) that add up to exactly ``people``:
    households drawn in order from the keyed stream until they hold everyone,
    the last one cut to fit."""
    guess = int(people / mean_size * 1.1) + 10
    sizes = 1 + keyed.poisson(keys["household_size"], max(mean_size - 1.0, 0.0), guess)
    while sizes.sum() < people:
        more = keyed.poisson(keys["household_size"], max(mean_size - 1.0, 0.0), guess, offset=len(sizes))
        sizes = np.concatenate([sizes, 1 + more])
    ends = np.cumsum(sizes)
    last = int(np.searchsorted(ends, people))
    sizes = sizes[: last + 1].copy()
    sizes[-1] -= ends[last] - people
    return sizes[sizes > 0]


def household_layer(keys: Keys, people: int, mean_size: float) -> Layer:
    """Everyone in a household knows everyone else in it; members are random."""
    sizes = household_sizes(keys, people, mean_size)
    members = keyed.permutation(keys["household_members"], people)
    if compiled_network():
        return _household_csr(people, sizes, members)
    starts = np.repeat(np.cumsum(sizes) - sizes, sizes)
    position = np.arange(people) - starts
    size_of = np.repeat(sizes, sizes)
    us, vs = [], []
    for gap in range(1, int(sizes.max())):
        has = position + gap < size_of
        idx = np.nonzero(has)[0]
        us.append(members[idx])
        vs.append(members[idx + gap])
    if not us:
        return layer_from_edges("household", people, np.empty(0, np.int64), np.empty(0, np.int64))
    return layer_from_edges("household", people, np.concatenate(us), np.concatenate(vs))


def _household_csr(people: int, sizes: np.ndarray, members: np.ndarray) -> Layer:
    """The household layer's arrays built directly, household by household (compiled)."""
    from .network_numba import household_rows

    index_type = np.int32 if people < 2**31 else np.int64
    members = members.astype(index_type)
    degree = np.empty(people, np.int64)
    degree[members] = np.repeat(sizes - 1, sizes)
    indptr = np.zeros(people + 1, np.int64)
    np.cumsum(degree, out=indptr[1:])
    del degree
    indices = np.empty(indptr[-1], index_type)
    first = np.zeros(len(sizes) + 1, np.int64)
    np.cumsum(sizes, out=first[1:])
    keyed.split(household_rows, len(sizes), members, first, indptr, indices)
    return Layer("household", indptr, indices)


def _pair_stubs(key: np.uint64, stubs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The stubs in a random order, paired first half with second half."""
    stubs = keyed.shuffled(key, stubs)
    half = len(stubs) // 2
    return stubs[:half], stubs[half: 2 * half]


def social_layer(keys: Keys, cohort: np.ndarray, mean_degree: float, homophily: float) -> Layer:
    """Configuration-model ties with cohort homophily.

    Each person gets Poisson(``mean_degree``) tie ends; a share ``homophily``
    of them is paired within the person's cohort, the rest with anyone.
    Self-loops and duplicates are dropped (the realised mean degree is a
    little lower than asked at small sizes). Each draw has its own keyed stream.
    """
    if compiled_network():
        return _social_csr(keys, cohort, mean_degree, homophily)
    stubs, within = _stubs(keys, len(cohort), mean_degree, homophily)
    people = len(cohort)
    cohort_of_stub = cohort[stubs]
    us, vs = [], []
    for c in np.unique(cohort):
        u, v = _pair_stubs(keys[f"social_pairs_{int(c)}"], stubs[within & (cohort_of_stub == c)])
        us.append(u)
        vs.append(v)
    del cohort_of_stub
    u, v = _pair_stubs(keys["social_pairs_any"], stubs[~within])
    us.append(u)
    vs.append(v)
    del stubs, within
    return layer_from_edges("social", people, np.concatenate(us), np.concatenate(vs))


def _stubs(keys: Keys, people: int, mean_degree: float, homophily: float) -> tuple[np.ndarray, np.ndarray]:
    """Each tie end's person (ascending) and whether it stays within the cohort."""
    index_type = np.int32 if people < 2**31 else np.int64
    stubs = np.repeat(np.arange(people, dtype=index_type), keyed.poisson(keys["social_degree"], mean_degree, people))
    return stubs, keyed.bernoulli(keys["social_within"], homophily, len(stubs))


def _social_csr(keys: Keys, cohort: np.ndarray, mean_degree: float, homophily: float) -> Layer:
    """The social layer's arrays built from the stubs directly (compiled): the same
    shuffles as :func:`social_layer` applied to stub numbers, each stub's partner
    noted, then each person's row is their stubs' partners."""
    from .network_numba import copy_rows, group_stubs, pair_stubs, stub_rows

    stubs, within = _stubs(keys, len(cohort), mean_degree, homophily)
    people, total = len(cohort), len(stubs)
    index_type = np.int32 if max(people, total) < 2**31 else np.int64
    codes = int(cohort.max(initial=-1)) + 1            # cohort codes 0 .. codes - 1 (absent ones: empty groups)
    grouped, offsets = group_stubs(stubs, within, cohort, codes, np.empty(0, index_type))
    del within
    order = np.empty(total, index_type)               # each group's stubs shuffled into its slice
    for g in range(codes + 1):
        name = "social_pairs_any" if g == codes else f"social_pairs_{g}"
        keyed.shuffled(keys[name], grouped[offsets[g]:offsets[g + 1]], out=order[offsets[g]:offsets[g + 1]])
    del grouped
    partner = np.full(total, -1, index_type)
    pair_stubs(order, offsets, partner)
    del order
    start = np.zeros(people + 1, np.int64)
    np.cumsum(np.bincount(stubs, minlength=people), out=start[1:])
    distinct = np.empty(people, np.int64)
    keyed.split(stub_rows, people, stubs.astype(index_type, copy=False), start, partner, distinct)
    indptr = np.zeros(people + 1, np.int64)
    np.cumsum(distinct, out=indptr[1:])
    indices = np.empty(indptr[-1], np.int32 if people < 2**31 else np.int64)
    keyed.split(copy_rows, people, start, partner, distinct, indptr, indices)
    return Layer("social", indptr, indices)


def _networkx_layer(kind: str, people: int, net: dict, rng: np.random.Generator) -> Layer:
    import networkx as nx

    seed = int(rng.integers(2**31 - 1))
    half = max(1, round(net["mean_degree"] / 2))
    if kind == "watts_strogatz":
        graph = nx.watts_strogatz_graph(people, max(2, round(net["mean_degree"])), net["rewire"], seed=seed)
    elif kind == "barabasi_albert":
        graph = nx.barabasi_albert_graph(people, min(half, people - 1), seed=seed)
    else:
        graph = nx.powerlaw_cluster_graph(people, min(half, people - 1), net["triangle_prob"], seed=seed)
    edges = np.array(graph.edges(), dtype=np.int64).reshape(-1, 2)
    return layer_from_edges("social", people, edges[:, 0], edges[:, 1])


def read_network_file(path: str | Path) -> tuple[int, Layer]:
    """Read an edge list (two node labels per line, ``#`` comments) or GraphML.

    Node labels are mapped to people 0..n-1 in order of first appearance
    (GraphML: in node order). The file is read like a scenario file
    (:func:`sim.config.readers.read_user_text`: regular files only, at most
    :data:`sim.config.readers.MAX_TABLE_BYTES`, UTF-8). An edge list's labels are
    whole numbers or names: when the first edge's labels are whole numbers,
    every label must be one (a stray word is refused naming its line). A
    first line of column names (``source,target``, ``from to``, ...: see
    :data:`HEADER_WORDS`, or any two words followed by whole-number labels)
    is a header and skipped, not read as two extra people. Raises
    ScenarioError on a malformed file.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise ScenarioError("network.path", "", f"got {type(path).__name__}; allowed: a file path")
    path = Path(path)
    if path.suffix.lower() in (".graphml", ".xml"):
        return _read_graphml(path)
    text = read_user_text(path, "network.path", EDGE_LIST, MAX_TABLE_BYTES)
    return _numbered(path, _labelled_edges(path, text))


def _edge_lines(path: Path, text: str) -> Iterator[tuple[int, str, str]]:
    """(line number, label, label) of each edge line, comments and blank lines skipped
    (read lazily: an edge list may have millions of lines)."""
    for number, line in enumerate(io.StringIO(text, newline=None), start=1):
        fields = line.split("#", 1)[0].replace(",", " ").split()
        if not fields:
            continue
        if len(fields) < 2:
            raise ScenarioError(path, "network.path",
                                f"line {number}: expected two node labels per edge, got "
                                f"{shorten(repr(line.strip()), 60)}")
        yield number, fields[0], fields[1]


def _labelled_edges(path: Path, text: str) -> Iterator[tuple[int, str, str]]:
    """The edge lines, a header line left out and whole-number labels checked
    (see :func:`read_network_file`)."""
    lines = _edge_lines(path, text)
    first, second = next(lines, None), next(lines, None)
    head = [e for e in (first, second) if e is not None]
    if first is not None and _is_header(first, second):
        head = head[1:]
    numeric = bool(head) and _whole(head[0][1]) and _whole(head[0][2])
    for number, a, b in itertools.chain(head, lines):
        if numeric and not (_whole(a) and _whole(b)):
            bad = b if _whole(a) else a
            raise ScenarioError(path, "network.path",
                                f"line {number}: node label {shorten(repr(bad), 40)} is not a "
                                "whole number, unlike the labels before it; allowed: whole-number "
                                "labels throughout (or names throughout)")
        yield number, a, b


def _whole(label: str) -> bool:
    """``label`` is a whole number: ASCII digits, with an optional sign."""
    digits = label[1:] if label[:1] in ("-", "+") else label
    return digits.isdigit() and digits.isascii()


def _is_header(first: tuple[int, str, str], second: tuple[int, str, str] | None) -> bool:
    """The first edge line names the columns: two known header words, or two words
    followed by a line of whole-number labels."""
    _, a, b = first
    if _whole(a) or _whole(b):
        return False
    if a.lower() in HEADER_WORDS and b.lower() in HEADER_WORDS:
        return True
    return second is not None and _whole(second[1]) and _whole(second[2])


def _numbered(path: Path, edges: Iterable[tuple[int, str, str]]) -> tuple[int, Layer]:
    """People 0..n-1 for the labels in order of first appearance, and the layer."""
    labels: dict[str, int] = {}
    us, vs = array("q"), array("q")
    for _, a, b in edges:
        us.append(labels.setdefault(a, len(labels)))
        vs.append(labels.setdefault(b, len(labels)))
    if not labels:
        raise ScenarioError(path, "network.path", "no edges in the network file")
    return len(labels), layer_from_edges("social", len(labels), np.array(us, dtype=np.int64),
                                         np.array(vs, dtype=np.int64))


def _read_graphml(path: Path) -> tuple[int, Layer]:
    import networkx as nx

    data = read_user_bytes(path, "network.path", "a GraphML file", MAX_TABLE_BYTES)
    if b"<!ENTITY" in data:
        raise ScenarioError(path, "network.path", "declares XML entities; allowed: GraphML without "
                                                  "entity declarations")
    try:
        graph = nx.read_graphml(io.BytesIO(data))
    except Exception as err:  # networkx raises several kinds for bad XML
        raise ScenarioError(path, "network.path", f"not a readable GraphML file "
                                                  f"({shorten(str(err), 120)})") from None
    if graph.number_of_nodes() == 0:
        raise ScenarioError(path, "network.path", "no nodes in the GraphML file")
    index = {node: i for i, node in enumerate(graph.nodes())}
    edges = np.array([(index[a], index[b]) for a, b in graph.edges()], dtype=np.int64).reshape(-1, 2)
    n = len(index)
    return n, layer_from_edges("social", n, edges[:, 0], edges[:, 1])


def build_network(scenario: Scenario, cohort: np.ndarray, keys: Keys, rng: np.random.Generator) -> Network:
    """Build the scenario's network over the people whose cohorts are given
    (households: from the run's keyed streams; networkx kinds: seeded from ``rng``)."""
    net = scenario.network
    kind, people = net["kind"], len(cohort)
    if kind == "well_mixed":
        return Network(kind, people)
    if kind == "households":
        layers = [household_layer(keys, people, net["household_size"]),
                  social_layer(keys, cohort, net["mean_degree"], net["homophily"])]
        return Network(kind, people, layers)
    if kind == "file":
        raise ValueError("file networks are read with read_network_file()")
    return Network(kind, people, [_networkx_layer(kind, people, net, rng)])
