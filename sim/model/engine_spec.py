"""What an engine declares about itself: :class:`EngineSpec` (one per module of
:mod:`sim.model.engines`, gathered by :data:`sim.model.engine.REGISTRY`)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["EngineSpec"]


@dataclass(frozen=True)
class EngineSpec:
    """What an engine declares about itself (a module of :mod:`sim.model.engines`)."""

    #: Its name (``--engine NAME``, ``engine = "NAME"`` in a batch file).
    name: str
    #: Its class, ``"module:Class"``, imported when a run first needs it.
    target: str
    #: A few words for the command line's help (``"arrays, default"``).
    help: str
    #: How it runs, for a client document (``"event by event (...)"``).
    words: str
    #: Estimated peak bytes per person and per directed edge of the network.
    bytes_per_person: int
    bytes_per_edge: int
    #: Most people x steps of one run: about an hour of work.
    max_person_steps: float
    #: Packages its runs depend on (their versions go into every manifest).
    needs: tuple[str, ...] = ()
    #: Computing paths that give identical results (``BREACHSIM_KERNEL``), if any.
    paths: tuple[str, ...] = ()
    #: The default engine (exactly one).
    default: bool = False
