"""The fast engine: every person a row of arrays, the run one compiled call
(:class:`sim.model.fast.FastEngine`; numba, or numpy with the same results)."""

from ..engine_spec import EngineSpec

ENGINE = EngineSpec(
    name="fast",
    target="sim.model.fast:FastEngine",
    help="arrays, default",
    words="event by event (breachsim's fast engine)",
    # measured on this project's engines (bench/scaling.py), with a margin
    bytes_per_person=180,
    bytes_per_edge=28,
    # about an hour of work at 70-200 M person-steps/s
    max_person_steps=250e9,
    needs=("numpy", "numba"),
    paths=("numba", "numpy"),
    default=True,
)
