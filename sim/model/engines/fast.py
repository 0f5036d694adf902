"""The fast engine: every person a row of arrays, the run one compiled call
(:class:`sim.model.fast.FastEngine`; numba, or numpy with the same results)."""

from ..engine_spec import EngineSpec

ENGINE = EngineSpec(
    name="fast",
    target="sim.model.fast:FastEngine",
    help="arrays, default",
    words="event by event (breachsim's fast engine)",
    # peak memory measured with bench/scaling.py (1 M, 10 M, 26 M Optus people: 0.44, 2.34,
    # 5.65 GiB) less the interpreter's 250 MiB: 222 bytes a person with ~10 directed edges each
    bytes_per_person=113,
    bytes_per_edge=11,
    # about an hour of work at 70-200 M person-steps/s
    max_person_steps=250e9,
    needs=("numpy", "numba"),
    paths=("numba", "numpy"),
    default=True,
)
