"""Each distinct warning said once per command.

A command that runs many batches or many parameter sets (``calibrate``,
``robustness``, the dashboard's server) meets the same warning in hundreds
of runs, each with slightly different figures ("~7 min", "~9 min"). Said
every time, it drowns the output. Here a warning is said the first time its
*kind* comes up and never again in the same command:

- the kind of a step-length warning is its step and its process
  ("60-minute steps are long against the SMS read delay",
  :func:`sim.model.step_length.step_length_kind`), not the figures of the run that met it;
- the kind of any other warning is its whole text.

A command opens one :func:`said_once` scope around its work; the batch runner,
the warning printer and the notebook objects ask :func:`first_time` before
they say anything. Outside a scope, :func:`first_time` answers from the
``local`` record it is given (the batch runner's own, once per batch), or
says yes. :func:`check_step_lengths` says the step-length warning of each
scenario before its runs, with its effect measured on one cheap run
(:func:`sim.runs.step_effect.step_length_effect`), so the runs' own warnings of that kind
are not repeated.
"""

from __future__ import annotations

import sys
import threading
from collections import Counter
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator

__all__ = ["SaidOnce", "said_once", "active", "first_time", "warning_kind", "say_once",
           "one_line_warning", "check_step_lengths"]


def warning_kind(message: object) -> str:
    """What makes a warning distinct (see the module's docstring)."""
    from ..model.step_length import step_length_kind

    text = str(message).strip()
    return step_length_kind(text) or text.removeprefix("warning: ")


class SaidOnce:
    """The kinds of warning said so far, and how often each came up."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()
        self._lock = threading.Lock()

    def first(self, message: object) -> bool:
        """True the first time a warning of this kind comes up (then say it)."""
        kind = warning_kind(message)
        with self._lock:
            self.seen[kind] += 1
            return self.seen[kind] == 1

    def knows(self, message: object) -> bool:
        """Whether a warning of this kind was said already (nothing recorded)."""
        with self._lock:
            return self.seen[warning_kind(message)] > 0

    @property
    def kinds(self) -> set[str]:
        """The kinds said so far."""
        with self._lock:
            return {kind for kind, n in self.seen.items() if n}


_scope: SaidOnce | None = None
_scope_lock = threading.Lock()


@contextmanager
def said_once() -> Iterator[SaidOnce]:
    """One command: inside, each kind of warning is said once (a scope inside a scope
    is the outer one). Every thread of the process shares it."""
    global _scope
    with _scope_lock:
        outer = _scope
        if outer is None:
            _scope = SaidOnce()
        record = _scope
    try:
        yield record
    finally:
        if outer is None:
            with _scope_lock:
                _scope = None


def active() -> SaidOnce | None:
    """The record of the command running in this process, if one is open."""
    return _scope


def first_time(message: object, local: SaidOnce | None = None) -> bool:
    """Whether to say ``message``: the command's record if one is open, else ``local``'s
    (the batch runner's, once per batch), else True."""
    record = active() or local
    return record.first(message) if record is not None else True


def _stderr(line: str) -> None:
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):     # a closed terminal is not an error
        pass


def say_once(message: object, say: Callable[[str], None] | None = None,
             local: SaidOnce | None = None) -> bool:
    """Say ``message`` as one ``warning: ...`` line (``say``, else stderr) unless its
    kind was said already; True if it was said."""
    if not first_time(message, local):
        return False
    text = str(message).strip().splitlines()[0] if str(message).strip() else "warning"
    (say or _stderr)(text if text.startswith("warning") else f"warning: {text}")
    return True


def one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A :data:`warnings.showwarning` for the command line: one line, no source location
    or Python source line, each kind once per command."""
    text = str(message).strip() or category.__name__
    say_once(text, lambda words: print(words, file=file or sys.stderr, flush=True))


def check_step_lengths(scenarios: Iterable, say: Callable[[str], None] | None = None,
                       seed: int = 1, local: SaidOnce | None = None) -> list[str]:
    """Say the step-length warning of each scenario (each kind once), measured.

    For each distinct scenario whose step is long against its fastest process,
    one line with the effect of the suggested step on one run of at most
    :data:`sim.runs.step_effect.EFFECT_AGENTS` agents (a fraction of a second at the
    bundled scenarios' sizes). A kind said already (in this command, or in
    ``local`` outside one) is not measured again. ``say`` gets the line;
    without it the line is a :class:`sim.model.step_length.StepLengthWarning`. Returns the
    lines said.
    """
    from .step_effect import step_length_effect

    said, names = [], set()
    for scenario in scenarios:
        if scenario.name in names:
            continue
        names.add(scenario.name)
        record = active() or local
        effect = step_length_effect(scenario, seed, skip=record.kinds if record is not None else ())
        if effect is None:
            continue
        if say_once(effect.line(), say or _as_warning, local):
            said.append(effect.line())
    return said


def _as_warning(line: str) -> None:
    import warnings

    from ..model.step_length import StepLengthWarning

    warnings.warn(line.removeprefix("warning: "), StepLengthWarning, stacklevel=4)
