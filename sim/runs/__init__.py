"""Many runs: identity, the store of finished runs by identity, batch files and
designs, the batch runner and its executors (process pool, Dask), folders and
locks, faults of the machine, warnings said once. Depends on :mod:`sim.model`
and :mod:`sim.config`."""
