"""breachsim: how news of a customer data breach spreads through a population.

Quick use::

    from sim import load_scenario, simulate
    scenario = load_scenario("scenarios/optus_2022.toml", overrides={"population.size": 5000})
    result = simulate(scenario, seed=1)
    result.timeseries  # one row per step
    result.summary     # per-run measures

In a notebook, the same as objects that plot themselves (see :mod:`sim.results`)::

    import sim
    sim.Run("optus_2022", overrides={"population.size": 5000}).run().plot()
    sim.Comparison(["optus_2022", "direct_first"], reps=10).run().summary()
"""

from .errors import ScenarioError
from .scenario import Scenario, load_scenario
from .simulate import SimulationResult, simulate
from .results import Batch, Comparison, Run  # notebook objects, on top of the above

__all__ = ["ScenarioError", "Scenario", "SimulationResult", "load_scenario", "simulate",
           "Run", "Batch", "Comparison"]
__version__ = "0.1.0"
