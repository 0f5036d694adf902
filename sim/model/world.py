"""Everything a run starts from, shared by both engines: people, network,
attention over time, broadcast hazards, direct campaigns and the seeds.

The population, a households network, the customer lists and the seeds are
drawn from the run's keyed streams (:mod:`sim.model.keyed`: a stream per
purpose, each draw a function of its key and index, the same on any number of
threads), and so are the segments and the scam waves' recipients
(:mod:`sim.model.segments`, :func:`sim.model.channels.build_scam_waves`), each
from streams of its own. The engines then draw only from the run's generator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import keyed
from .attention import attention_by_step
from ..errors import ScenarioError
from .channels import Broadcast, Campaign, build_broadcast, build_campaigns, build_scam_waves, customer_lists
from .keyed import Keys
from .network import Network, build_network, read_network_file
from .population import Population, build_population
from .segments import draw_segments
from ..config.scenario import Scenario


@dataclass
class World:
    """The fixed inputs of one run.

    Attributes
    ----------
    attention : float array, one per step
        Attention multiplier during each step.
    seeds : int array
        People aware, believing and spreading at step 0.
    scams : list of Campaign
        The scam waves, as impostor campaigns.
    """

    scenario: Scenario
    population: Population
    network: Network
    attention: np.ndarray
    broadcast: Broadcast
    campaigns: list[Campaign]
    seeds: np.ndarray
    scams: list[Campaign]

    @property
    def size(self) -> int:
        return self.population.size

    @property
    def people_per_agent(self) -> float:
        """Real people each agent stands for (``represents / size``)."""
        return self.scenario.population.represents / self.size


def build_world(scenario: Scenario, rng: np.random.Generator) -> World:
    """Draw the population and network and lay out the channels for one run.

    The population, a households network, the customer lists, the seeds, the
    segments and the scam waves' recipients come from the run's keyed streams (:mod:`sim.model.keyed`, keyed by ``rng``'s
    seed sequence), so they consume nothing from ``rng``; only a networkx
    network kind draws its seed from ``rng``.
    """
    keys = Keys(rng.bit_generator.seed_seq)
    net = scenario.network
    if net["kind"] == "file":
        size, layer = read_network_file(net["path"])
        population = build_population(scenario, keys, size)
        network = Network("file", size, [layer])
    else:
        population = build_population(scenario, keys)
        network = build_network(scenario, population.cohort, keys, rng)
    if network.size != scenario.population.size:
        scenario = scenario.copy()
        scenario.data["population"]["size"] = network.size
    attention = attention_by_step(scenario)
    lists = customer_lists(population, keys)
    count = scenario.seeds.count
    if count > population.size:
        raise ScenarioError(scenario.describe_source("seeds.count"), "seeds.count",
                            f"{count} seeds but the network has {population.size} people; "
                            "allowed: at most the number of people")
    seeds = np.sort(keyed.permutation(keys["seeds"], population.size)[:count]) if count else np.empty(0, np.int64)
    population = draw_segments(scenario, population, keys)
    campaigns = build_campaigns(scenario, lists, population)
    scams = build_scam_waves(scenario, population, keys)
    return World(scenario, population, network, attention,
                 build_broadcast(scenario, attention), campaigns, seeds, scams)
