"""What a user writes, checked: the scenario schema and reader, the readers of every
other file a user gives, argument checks, the bundled scenarios, plausible ranges and
calibration targets. Depends on nothing of breachsim but :mod:`sim.errors`."""
