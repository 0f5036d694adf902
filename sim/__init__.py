"""breachsim: how news of a customer data breach spreads through a population.

Quick use::

    from sim import load_scenario, simulate
    scenario = load_scenario("scenarios/optus_2022.toml", overrides={"population.size": 5000})
    result = simulate(scenario, seed=1)
    result.timeseries  # one row per step
    result.summary     # per-run measures
"""

from .errors import ScenarioError
from .scenario import Scenario, load_scenario
from .simulate import SimulationResult, simulate

__all__ = ["ScenarioError", "Scenario", "SimulationResult", "load_scenario", "simulate"]
__version__ = "0.1.0"
