"""The engines: one module each in this folder, declaring ``ENGINE``, an
:class:`sim.model.engine.EngineSpec`. :data:`sim.model.engine.REGISTRY` finds
them here, so a new engine is a new file in this folder and nothing else: its
name on the command line, in batch files and in the Python API, its memory and
work estimates, the packages its runs record and its words in a report all
come from its declaration. A declaration names its class by ``"module:Class"``,
imported only when a run needs it (Mesa and numba are loaded only by their runs).
A declaration imports :class:`~sim.model.engine_spec.EngineSpec` from
:mod:`sim.model.engine_spec`, never :mod:`sim.model.engine` (which reads this folder).
"""
