"""The agent engine: one Mesa agent per person (:class:`sim.model.agent_model.BreachNewsModel`)."""

from ..engine_spec import EngineSpec

ENGINE = EngineSpec(
    name="agents",
    target="sim.model.agent_model:BreachNewsModel",
    help="Mesa, one object per person",
    words="person by person (breachsim's agent engine)",
    # measured on this project's engines (bench/scaling.py), with a margin
    bytes_per_person=2000,
    bytes_per_edge=60,
    # about an hour of work at ~0.3 M person-steps/s on one core
    max_person_steps=1e9,
    needs=("mesa",),
)
