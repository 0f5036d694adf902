"""The fast engine's word-of-mouth kernel against NDlib's SIR, same graph and rule.

    pip install -e ".[bench]"   # NDlib
    python bench/ndlib_sir.py [--nodes 100000] [--steps 40] [--beta 0.1]

One 100 k-node random graph (Poisson(8) degrees, simple). NDlib SIRModel with
infection probability ``beta`` per infected neighbour per iteration and
``gamma = 1`` (infectious for one iteration); the fast engine with only word of
mouth on the same edges (``network.kind = "file"``), telling probability
``beta`` per neighbour per hour, one-hour spreading, trust 1, no broadcast.
Both start from the same share of seeds and run the same number of steps.
Prints node-steps per second (nodes x steps / seconds of stepping, graph
building excluded; the fast engine's time is the median of ``--repeats``
runs), the ratio and the final share reached by each.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from common import ROOT, Timer, table

from sim import load_scenario
from sim.model.engine import prepare
from sim.model.fast import FastEngine

SIR_SCENARIO = ROOT / "scenarios" / "validation" / "sir_network.toml"


def random_graph(nodes: int, mean_degree: float, seed: int) -> np.ndarray:
    """Edges (m x 2) of a simple configuration-model graph with Poisson degrees."""
    rng = np.random.default_rng(seed)
    stubs = rng.permutation(np.repeat(np.arange(nodes), rng.poisson(mean_degree, nodes)))
    pairs = stubs[: len(stubs) // 2 * 2].reshape(-1, 2)
    pairs = np.sort(pairs[pairs[:, 0] != pairs[:, 1]], axis=1)
    return np.unique(pairs, axis=0)


def run_ndlib(edges: np.ndarray, nodes: int, beta: float, seeds: float, steps: int):
    import networkx as nx
    import ndlib.models.ModelConfig as mc
    import ndlib.models.epidemics as ep

    graph = nx.Graph()
    graph.add_nodes_from(range(nodes))
    graph.add_edges_from(edges.tolist())
    model = ep.SIRModel(graph, seed=1)
    config = mc.Configuration()
    config.add_model_parameter("beta", beta)
    config.add_model_parameter("gamma", 1.0)
    config.add_model_parameter("fraction_infected", seeds)
    model.set_initial_status(config)
    with Timer() as t:
        iterations = model.iteration_bunch(steps, node_status=False)
    removed = iterations[-1]["node_count"][2] + iterations[-1]["node_count"][1]
    return t.seconds, removed / nodes


def run_fast(edges: np.ndarray, nodes: int, beta: float, seeds: float, steps: int, repeats: int):
    """Median stepping time over ``repeats`` runs (seeds 1, 2, ...), and the last final share."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "edges.txt"
        np.savetxt(path, edges, fmt="%d")
        scenario = load_scenario(SIR_SCENARIO, {
            "network.path": str(path), "word_of_mouth.social": beta,
            "seeds.count": int(round(seeds * nodes)), "scenario.hours": steps})
        models = [FastEngine(*prepare(scenario, s)) for s in range(1, repeats + 1)]
    times = []
    for model in models:
        with Timer() as t:
            frame = model.run()
        times.append(t.seconds)
    return float(np.median(times)), frame["aware"][-1] / models[-1].world.size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--beta", type=float, default=0.25)
    parser.add_argument("--seeds", type=float, default=0.001, help="share of nodes seeded")
    parser.add_argument("--repeats", type=int, default=5, help="fast-engine runs (median time)")
    args = parser.parse_args()
    edges = random_graph(args.nodes, 8.0, seed=7)
    nodes = int(edges.max()) + 1
    work = nodes * args.steps
    ndlib_s, ndlib_final = run_ndlib(edges, nodes, args.beta, args.seeds, args.steps)
    fast_s, fast_final = run_fast(edges, nodes, args.beta, args.seeds, args.steps, args.repeats)
    rows = [
        {"kernel": "NDlib SIRModel", "seconds": f"{ndlib_s:.2f}",
         "node-steps/s": f"{work / ndlib_s / 1e6:.2f} M", "final share reached": f"{ndlib_final:.3f}"},
        {"kernel": "breachsim fast engine", "seconds": f"{fast_s:.3f}",
         "node-steps/s": f"{work / fast_s / 1e6:.1f} M", "final share reached": f"{fast_final:.3f}"},
    ]
    print(f"graph: {nodes:,} nodes, {len(edges):,} edges; {args.steps} steps; beta {args.beta}")
    print(table(rows, list(rows[0])))
    print(f"ratio: {ndlib_s / fast_s:.0f}x NDlib's node-steps/s")


if __name__ == "__main__":
    main()
