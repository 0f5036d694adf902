"""A small network, coloured by who knows and from where, at any hour of a run.

In the spirit of Mesa's network examples: one run of the current settings
with a few hundred people, each drawn as a dot on the social network
(household and social ties), coloured by the source they first heard from
once they know; affected customers are the large dots. Only for looking: the
dashboard's figures come from the full-size runs.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import networkx as nx
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ...config.vocabulary import SOURCE_WORDS
from ..style import SOURCE_COLOURS
from ...model.engine import prepare
from ...model.fast import FastEngine
from ..text import fmt_pct, mpl_text
from ...config.scenario import Scenario
from ...config.schema import SOURCES

__all__ = ["NETWORK_PEOPLE", "SmallNetwork", "network_figure", "small_network"]

#: People in the network view (a few hundred stay readable as dots).
NETWORK_PEOPLE = 300
UNAWARE = "#D9D9D9"
#: Colour by first source (Okabe-Ito, as the charts).


@dataclass(frozen=True)
class SmallNetwork:
    """One run's people on a fixed layout.

    Attributes
    ----------
    aware_hours : float array
        Hours after the start at which each person knew (``inf``: never).
    first_source : list of str
        Source each person first heard from ("" if never).
    """

    start: dt.datetime
    hours: float
    positions: np.ndarray
    edges: np.ndarray
    affected: np.ndarray
    aware_hours: np.ndarray
    first_source: list[str]


def _edges(network) -> np.ndarray:
    pairs = []
    for layer in network.layers:
        counts = np.diff(layer.indptr)
        u = np.repeat(np.arange(len(counts)), counts)
        keep = u < layer.indices
        pairs.append(np.column_stack([u[keep], layer.indices[keep]]))
    return np.concatenate(pairs) if pairs else np.empty((0, 2), int)


def small_network(scenario: Scenario, seed: int) -> SmallNetwork:
    """Run ``scenario`` (already small) once with ``seed`` and lay out its network."""
    world, rules, rng = prepare(scenario, seed)
    engine = FastEngine(world, rules, rng)
    engine.run()
    n = world.size
    step_hours = scenario.step_hours
    rows = np.asarray(engine.state.aware_row)
    aware_hours = np.where(rows >= 0, rows * step_hours, math.inf)
    sources = [SOURCES[c] if c >= 0 else "" for c in np.asarray(engine.state.first_source).tolist()]
    edges = _edges(world.network)
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(edges.tolist())
    layout = nx.spring_layout(graph, seed=seed, iterations=60, k=1.6 / math.sqrt(max(n, 1)))
    positions = np.array([layout[i] for i in range(n)])
    return SmallNetwork(scenario.start, scenario.n_steps * step_hours, positions, edges,
                        np.asarray(world.population.affected, bool), aware_hours, sources)


def network_figure(net: SmallNetwork, hour: float) -> Figure:
    """The network ``hour`` hours after the start: grey = does not know yet."""
    fig = Figure(figsize=(6.4, 5.6), dpi=100, layout="constrained")
    ax = fig.subplots()
    xy = net.positions
    if len(net.edges):
        segments = xy[net.edges]
        ax.add_collection(LineCollection(segments, colors="#BBBBBB", linewidths=0.4, zorder=1))
    knows = net.aware_hours <= hour + 1e-9
    colours = [SOURCE_COLOURS.get(s, UNAWARE) if k else UNAWARE
               for s, k in zip(net.first_source, knows)]
    sizes = np.where(net.affected, 46, 14)
    ax.scatter(xy[:, 0], xy[:, 1], s=sizes, c=colours, edgecolors=np.where(net.affected, "#333333", "none"),
               linewidths=0.6, zorder=2)
    ax.set_axis_off()
    ax.set_aspect("equal")
    when = net.start + dt.timedelta(hours=hour)
    share = knows[net.affected].mean() if net.affected.any() else math.nan
    ax.set_title(mpl_text(f"{hour:.0f} h after the start ({when:%a %d %b %H:%M}): "
                          f"{fmt_pct(share)} of affected customers know"),
                 loc="left", fontsize=11, fontweight="bold")
    handles = [Line2D([], [], marker="o", ls="none", color=UNAWARE, ms=7, label="does not know yet")]
    handles += [Line2D([], [], marker="o", ls="none", color=c, ms=7, label=f"heard first from {SOURCE_WORDS[s]}")
                for s, c in SOURCE_COLOURS.items() if s in net.first_source]
    handles.append(Line2D([], [], marker="o", ls="none", color="white", markeredgecolor="#333333",
                          ms=8, label="large dot: affected customer"))
    fig.legend(handles=handles, loc="outside lower center", ncol=2, fontsize=9, frameon=False)
    return fig
