"""Which path computes: compiled (numba) or numpy.

The fast engine's step kernel (:mod:`sim.model.fast_numba` / :mod:`sim.model.fast_numpy`)
and the construction of network layers (:mod:`sim.model.network_numba` /
:func:`sim.model.network.layer_from_edges`) each have both paths, giving identical
results, so the path is not part of a run's identity. ``BREACHSIM_KERNEL=numpy``
(or ``numba``) chooses one; the default is numba when it can be imported.
"""

from __future__ import annotations

import importlib.util
import os

from ..errors import ScenarioError

#: The two paths.
KERNELS = ("numba", "numpy")


def numba_available() -> bool:
    """True if numba is installed (then the compiled paths are used by default)."""
    return importlib.util.find_spec("numba") is not None


def default_kernel() -> str:
    """The path to use: ``BREACHSIM_KERNEL`` if set, else numba when installed."""
    chosen = os.environ.get("BREACHSIM_KERNEL", "").strip().lower()
    if chosen:
        if chosen not in KERNELS:
            raise ScenarioError("environment", "BREACHSIM_KERNEL",
                                f"got {chosen!r}; allowed: {', '.join(KERNELS)}")
        return chosen
    return "numba" if numba_available() else "numpy"
