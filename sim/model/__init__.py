"""Everything that can change a run's numbers: the world drawn from a scenario, the
rules, the two engines, the measures, and :func:`sim.model.simulate.simulate` that
runs one scenario once. The code digest in every run's identity is this folder's
files (:func:`sim.runs.provenance.code_digest`). Depends on :mod:`sim.config`."""
