"""Numbers about many runs: sensitivity indices, robustness across plausible worlds,
calibration to observed data. No drawing and no argument parsing. Depends on
:mod:`sim.runs`, :mod:`sim.model` and :mod:`sim.config`."""
