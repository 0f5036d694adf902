"""Calibrating a scenario to observed data (``breachsim calibrate``).

The parts, in the order data flows through them:

- :mod:`.params`: the ``--fit KEY=LO:HI`` parameters, checked against the schema;
- :mod:`.emulator`: Gaussian-process emulators of each target (scikit-learn);
- :mod:`.posterior`: the synthetic likelihood, posterior samples by adaptive
  importance sampling on the emulators, ``posterior.csv`` and draws from it;
- :mod:`.fit`: the waves of runs (each a batch: parallel, resumable) and the check runs;
- :mod:`.outputs`: ``calibrated.toml``, ``summary.json`` and ``fit.png``;
- :mod:`.command`: the command-line parser and command.

Nothing heavy is imported here, so the command line starts fast.
"""
