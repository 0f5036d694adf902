"""What the command line says when the machine, not the user, stops a command.

- A full disk, a used-up quota, a file-size limit, a read-only or forbidden
  folder (:func:`fault_line`): one line naming what could not be written and
  why, the space free there and, for commands that run batches, about how
  much more is needed, how many finished runs are kept and how to continue.
  The command line exits with status 1.
- SIGTERM and SIGHUP (:func:`stop_on_signals`): raised in the command as
  :class:`Stopped`, a :class:`KeyboardInterrupt`, so they stop a command
  exactly where Ctrl-C would, keeping what is finished; the command line then
  exits with status 128 + the signal's number, as shells report it.

Nothing here writes: the counts are read from the folders the command was
writing (``manifest.json`` and the parts of each batch folder).
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

__all__ = ["STOP_SIGNALS", "Stopped", "RunsOnDisk", "cluster_line", "exit_status", "fault_line",
           "runs_on_disk", "stop_on_signals", "stopped_line"]

#: Signals that stop a command the way Ctrl-C does.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)

#: Errors that can only mean "could not be written": their words and what to do.
WRITE_FAULTS = {
    errno.ENOSPC: ("no space left on device", "free some space"),
    errno.EDQUOT: ("disk quota exceeded", "free some of your disk quota"),
    errno.EFBIG: ("file too large for this file system or the file size limit (ulimit -f)",
                  "raise the limit or write to another file system"),
    errno.EROFS: ("read-only file system", "make the folder writable"),
}
#: Errors that may stop a write or a read: their words and what to do.
ACCESS_FAULTS = {
    errno.EACCES: ("permission denied", "make the folder writable"),
    errno.EPERM: ("operation not permitted", "make the folder writable"),
}
#: Errors whose line gives the free space and, for batches, the space needed.
SPACE_FAULTS = (errno.ENOSPC, errno.EDQUOT)
#: Commands that run batches into their --out, and how each one continues.
CONTINUE = {"batch": "run the same command with --resume to continue",
            "compare": "run the same command again to continue (finished runs are reused)",
            "calibrate": "run the same command again to continue (finished runs are reused)",
            "robustness": "run the same command again to continue (finished runs are reused)"}
#: A temporary name of :func:`sim.runs.files.temporary_name` or a staging folder of
#: :func:`sim.runs.files.swap_in_folder`: ``.<name>.tmp-<pid>-<8 characters><suffix>``.
_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.tmp-\d+-(?:old-)?[A-Za-z0-9_]{8}"
                        r"(?P<suffix>(\.[A-Za-z0-9]{1,10})?)$")
#: Deepest batch folder below --out that the counts look at (compare: out/batch,
#: calibrate: out/waves/wave1).
_BATCH_DEPTH = 2


# ---- signals -------------------------------------------------------------------------
class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where Ctrl-C raises KeyboardInterrupt."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


@dataclass
class StopState:
    """Which stopping signal arrived (None: none, or Ctrl-C)."""

    signum: int | None = None


@contextmanager
def stop_on_signals() -> Iterator[StopState]:
    """Within the block, SIGTERM and SIGHUP raise :class:`Stopped` in this process.

    A second signal while the command cleans up is noted, not raised, so the
    finished work is saved. Processes forked inside the block (local workers)
    get the default handlers back, so a worker told to end ends at once. Outside
    the main thread signals cannot be handled, and nothing changes.
    """
    state = StopState()
    if threading.current_thread() is not threading.main_thread():
        yield state
        return
    owner = os.getpid()

    def stop(signum, frame) -> None:
        if os.getpid() != owner:          # a child forked without the fork hook (from C)
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        if state.signum is None:
            state.signum = signum
            raise Stopped(signum)

    previous = {s: signal.signal(s, stop) for s in STOP_SIGNALS}
    _FORK_DEFAULTS.update(previous)
    try:
        yield state
    finally:
        _FORK_DEFAULTS.clear()
        for s, handler in previous.items():
            signal.signal(s, handler)


#: Handlers a forked child gets back while :func:`stop_on_signals` is active.
_FORK_DEFAULTS: dict[int, object] = {}


def _restore_in_child() -> None:
    """In a process just forked: the handlers from before :func:`stop_on_signals`."""
    for s, handler in list(_FORK_DEFAULTS.items()):
        try:
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)
        except (ValueError, OSError):      # not settable here: the pid check in stop() ends it
            pass
    _FORK_DEFAULTS.clear()


os.register_at_fork(after_in_child=_restore_in_child)


def exit_status(state: StopState, interrupted: int = 130) -> int:
    """128 + the stopping signal's number; ``interrupted`` (130) for Ctrl-C."""
    return interrupted if state.signum is None else 128 + state.signum


def stopped_line(line: str, state: StopState) -> str:
    """The Ctrl-C line (``interrupted: 12 of 40 runs kept; ...``) naming the signal, if any."""
    if state.signum is None:
        return line
    name = signal.Signals(state.signum).name
    if line.startswith("interrupted"):
        return f"interrupted by {name}{line[len('interrupted'):]}"
    return f"interrupted by {name}: {line}"


# ---- finished runs on disk -----------------------------------------------------------
@dataclass
class RunsOnDisk:
    """The runs of the batch folders under an output folder, as a resume would find them."""

    kept: int            # runs (manifest keys) whose results are in a whole part
    total: int           # runs the batches hold
    needed: int | None   # about how many more bytes finishing them takes (None: unknown)


def _batch_folders(out: Path) -> list[Path]:
    """``out`` and the folders below it (to :data:`_BATCH_DEPTH`) that hold a batch."""
    found, level = [], [out]
    for _ in range(_BATCH_DEPTH + 1):
        found += [f for f in level if (f / "manifest.json").is_file() and (f / "parts").is_dir()]
        level = [c for f in level for c in sorted(f.iterdir())
                 if c.is_dir() and not c.is_symlink() and not c.name.startswith(".")]
    return found


def _merged(folder: Path) -> bool:
    """Whether the batch's merged tables are newer than its manifest (written at the end)."""
    tables = [folder / "runs.parquet", folder / "timeseries.parquet"]
    if not all(t.is_file() for t in tables):
        return False
    return min(t.stat().st_mtime for t in tables) >= (folder / "manifest.json").stat().st_mtime


def _runs_of(folder: Path) -> tuple[int, int, int, int, int]:
    """(kept keys, keys, run ids left, run ids still to merge, bytes of parts per run id)
    of one batch folder."""
    from .store import read_part_index

    runs = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["runs"]
    ids_of = {key: entry["run_id"] for key, entry in runs.items()}
    on_disk: set[str] = set()
    size = 0
    for path in (folder / "parts").glob("[!.]*.parquet"):
        index = read_part_index(path)
        if index is not None:
            on_disk.update(index)
            size += path.stat().st_size
    wanted = set(ids_of.values())
    kept_ids = wanted & on_disk
    per_run = size // len(on_disk) if on_disk else 0
    left = len(wanted - kept_ids)
    to_merge = len(wanted) if left or not _merged(folder) else 0
    return sum(1 for i in ids_of.values() if i in kept_ids), len(ids_of), left, to_merge, per_run


def runs_on_disk(out: Path | None) -> RunsOnDisk | None:
    """The finished runs kept under ``out`` and about how many bytes the rest need
    (the parts still to write and the merged tables, which take about as much as
    the parts), or None if ``out`` holds no readable batch."""
    if out is None:
        return None
    try:
        counts = [_runs_of(f) for f in _batch_folders(Path(out))]
    except Exception:  # a damaged or vanished folder: say nothing rather than something wrong
        return None
    if not counts:
        return None
    sizes = [c[4] for c in counts if c[4]]
    per_run = max(sizes) if sizes else None
    left = sum(c[2] + c[3] for c in counts)
    needed = None if per_run is None else per_run * left
    return RunsOnDisk(sum(c[0] for c in counts), sum(c[1] for c in counts), needed)


# ---- the line --------------------------------------------------------------------------
def written_name(name: str | os.PathLike | None) -> Path | None:
    """The final path of ``name``: temporary files and staging folders in it are
    named as what they were becoming (``.summary.tmp-41-0a1b2c3d.json`` ->
    ``summary.json``); a part being written, whose name is not known until it is
    whole, by its ``parts`` folder."""
    if name is None or isinstance(name, int):
        return None
    parts, temporary = [], False
    for part in Path(os.fsdecode(name)).parts:
        match = _TEMPORARY.match(part)
        temporary = match is not None
        parts.append(match.group("name") + match.group("suffix") if match else part)
    if not parts:
        return None
    path = Path(*parts)
    # a part is named by the checksum of its bytes once written: name its folder
    return path.parent if temporary and path.parent.name == "parts" else path


def _size(n: int) -> str:
    """Bytes in decimal units: ``840 kB``, ``1.3 MB``."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}" if n < 10 * scale else f"{n / scale:.0f} {unit}"
    return f"{n} bytes"


def _free_at(path: Path) -> int | None:
    """Free bytes on the file system of ``path`` (its nearest existing folder)."""
    for place in (path, *path.parents):
        try:
            if place.is_dir():
                return shutil.disk_usage(place).free
        except OSError:
            return None
    return None


def _reason(err: OSError) -> str:
    """What went wrong, in words (the errno's own text for the less common ones)."""
    if err.errno in WRITE_FAULTS:
        return f"cannot write: {WRITE_FAULTS[err.errno][0]}"
    if err.errno in ACCESS_FAULTS:
        return ACCESS_FAULTS[err.errno][0]
    text = err.strerror or str(err) or err.__class__.__name__
    text = " ".join(str(text).split())[:160]
    return f"{text} ({errno.errorcode.get(err.errno, err.errno)})" if err.errno else text


def _space(err: OSError, where: Path | None, runs: RunsOnDisk | None) -> str:
    """`` (12 kB free there, about 1.3 MB more needed)`` for a full disk or quota."""
    if err.errno not in SPACE_FAULTS or where is None:
        return ""
    notes = []
    free = _free_at(where) if err.errno == errno.ENOSPC else None
    if free is not None:
        notes.append(f"{_size(free)} free there")
    if runs is not None and runs.needed:
        notes.append(f"about {_size(runs.needed)} more needed")
    return f" ({', '.join(notes)})" if notes else ""


def fault_line(err: OSError, command: str | None, out: Path | None) -> str:
    """The one line for an OSError that stopped ``command`` writing into ``out``.

    Names the file (or, if the error does not say, the output folder), what
    went wrong, the space free and needed, the finished runs kept and what to
    do, e.g. ``error: out/b/parts: cannot write: no space left on device (4.1 kB
    free there, about 1.3 MB more needed); 12 of 40 runs are kept: free some
    space, then run the same command with --resume to continue``.
    """
    from ..errors import shorten

    where = written_name(err.filename) or (Path(out) if out is not None else None)
    runs = runs_on_disk(out) if command in CONTINUE else None
    action = (WRITE_FAULTS.get(err.errno) or ACCESS_FAULTS.get(err.errno) or (None, ""))[1]
    then = CONTINUE.get(command, "run the same command again")
    todo = f"{action}, then {then}" if action else then
    kept = f"{runs.kept} of {runs.total} runs are kept: " if runs is not None else ""
    head = f"error: {shorten(where)}: " if where is not None else "error: "
    return f"{head}{_reason(err)}{_space(err, where, runs)}; {kept}{todo}"


def cluster_line(lost, command: str | None, out: Path | None) -> str:
    """The one line for a Dask cluster (:class:`sim.runs.batch.ClusterLost`) that can no longer
    run ``command``'s batch, e.g. ``error: --scheduler tcp://10.0.0.5:8786: no Dask worker
    left for 60 s; 12 of 40 runs are kept: once it has workers again, run the same command
    with --resume to continue``."""
    runs = runs_on_disk(out)
    kept = f"{runs.kept} of {runs.total} runs are kept" if runs is not None else \
        "finished runs are kept"
    then = CONTINUE.get(command, "run the same command again")
    return f"error: --scheduler {lost.address}: {lost.reason}; {kept}: {lost.remedy}, {then}"
