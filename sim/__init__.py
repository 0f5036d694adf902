"""breachsim: how news of a customer data breach spreads through a population.

Quick use::

    from sim import load_scenario, simulate
    scenario = load_scenario("scenarios/optus_2022.toml", overrides={"population.size": 5000})
    result = simulate(scenario, seed=1)
    result.timeseries  # one row per step
    result.summary     # per-run measures

In a notebook, the same as objects that plot themselves (see :mod:`sim.reporting.notebook`)::

    import sim
    sim.Run("optus_2022", overrides={"population.size": 5000}).run().plot()
    sim.Comparison(["optus_2022", "direct_first"], reps=10).run().summary()
    sim.Optimisation("optus_2022", levers={"channels.direct.campaigns.0.start_hour": (0, 48)},
                     objectives="unaware_affected_share_24h").run("out/optimise").best
"""

from .errors import ScenarioError
from .version import __version__
from .config.scenario import Scenario, load_scenario
from .model.simulate import SimulationResult, simulate
from .reporting.notebook import Batch, Comparison, Run  # notebook objects, on top of the above
from .reporting.notebook_optimisation import Optimisation

__all__ = ["__version__", "ScenarioError", "Scenario", "SimulationResult", "load_scenario", "simulate",
           "Run", "Batch", "Comparison", "Optimisation"]
