"""Writing files safely: atomic writes, folders swapped in whole, one writer per folder.

Everything breachsim writes goes through here, so that a killed or
interrupted command never leaves a half-written file under its final name:

- :func:`write_atomically` writes to a unique temporary name beside the
  target, then renames it into place;
- :func:`swap_in_folder` fills a staging folder and then swaps it in for the
  output folder as one unit;
- :class:`FolderLock` lets one process at a time write into a batch folder
  and names the holder to anyone refused.

A folder is breachsim's own only if it carries the marker file ``.breachsim``
naming its kind (run, batch, compare, report, ...): :func:`claim_folder`
writes it into an absent or empty folder and refuses any other folder, so a
user's own files are never replaced. Temporaries and stale staging folders
are removed only where they are provably breachsim's (exact names, the
marker, a writer that is gone), never by pattern in a user's folder.
"""

from __future__ import annotations

import errno
import fcntl
import json
import math
import os
import re
import shutil
import socket
import stat
import tempfile
import uuid
from pathlib import Path
from typing import Any, Callable

from ..config.arguments import check_folder_target
from ..errors import ScenarioError, shorten

__all__ = ["FOLDER_KINDS", "MARKER", "FolderLock", "check_claimable", "check_folder_target",
           "claim_folder", "clean_stale_staging", "clean_stale_temporaries", "folder_kind",
           "make_folder", "plain_json", "read_json_table", "release_inherited_locks", "safe_name",
           "swap_in_folder", "temporary_name", "write_atomically", "write_json", "write_marker",
           "write_pair_atomically"]

#: Marker in every temporary name, so stale ones can be found and removed.
TMP_MARK = ".tmp-"


def temporary_name(path: Path) -> Path:
    """A unique hidden name beside ``path`` that keeps its suffix.

    ``.<stem>.tmp-<pid>-<random><suffix>``: unique per process and call, so two
    writers never share a temporary file; the suffix is kept because some
    writers (matplotlib) choose the format from it.
    """
    return path.with_name(f".{path.stem}{TMP_MARK}{os.getpid()}-{uuid.uuid4().hex[:8]}{path.suffix}")


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(temporary)`` then rename the temporary file to ``path``.

    If ``write`` raises, the temporary file is removed and nothing appears
    under ``path``.
    """
    path = Path(path)
    temporary = temporary_name(path)
    try:
        os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666))
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_pair_atomically(*files: tuple[Path, Callable[[Path], None]]) -> None:
    """Write every ``(path, write)`` to its temporary name first, then rename them all,
    so a failure while writing (a full disk) leaves every target as it was."""
    written: list[tuple[Path, Path]] = []
    try:
        for path, write in files:
            temporary = temporary_name(Path(path))
            written.append((temporary, Path(path)))
            os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666))
            write(temporary)
        for temporary, path in written:
            os.replace(temporary, path)
    except BaseException:
        for temporary, _ in written:
            temporary.unlink(missing_ok=True)
        raise


def plain_json(value: Any) -> Any:
    """``value`` with NaN and infinities as None and numpy scalars as Python ones
    (strict JSON: no bare ``NaN``)."""
    if isinstance(value, dict):
        return {str(k): plain_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_json(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json(path: Path, data: Any, indent: int | None = 2) -> None:
    """Write strict JSON atomically (NaN written as null)."""
    text = json.dumps(plain_json(data), indent=indent, allow_nan=False, default=str) + "\n"
    write_atomically(Path(path), lambda p: p.write_text(text, encoding="utf-8"))


def make_folder(path: Path) -> None:
    """``mkdir -p`` that answers a problem with one ScenarioError line."""
    check_folder_target(path)
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ScenarioError(path, "", f"cannot create the folder ({err.strerror})") from None


def read_json_table(path: Path, what: str) -> dict:
    """A JSON file holding one table (e.g. a manifest), or one ScenarioError line
    naming ``path`` and ``what`` it should have been (e.g. "run manifest")."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(path, "", f"no such file; expected a {what}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as err:
        raise ScenarioError(path, "", f"not a readable {what} ({err.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise ScenarioError(path, "", f"not a {what}")
    return data


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


# ---- which folders are ours ------------------------------------------------------------
#: The file that marks a folder as written by breachsim, naming its kind.
MARKER = ".breachsim"
#: The kinds of folder breachsim writes.
FOLDER_KINDS = ("run", "batch", "compare", "report", "calibrate", "robustness", "optimise")
#: Largest marker file read (bytes): a marker is a line of JSON.
_MAX_MARKER = 4096


def folder_kind(folder: Path) -> str | None:
    """The kind breachsim wrote ``folder`` as (see :data:`FOLDER_KINDS`), or None if it
    carries no valid marker (links are not followed)."""
    path = Path(folder) / MARKER
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except (OSError, ValueError):
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        data = json.loads(os.read(fd, _MAX_MARKER).decode("utf-8"))
    except (OSError, ValueError):
        return None
    finally:
        os.close(fd)
    kind = data.get("kind") if isinstance(data, dict) and data.get("tool") == "breachsim" else None
    return kind if kind in FOLDER_KINDS else None


def write_marker(folder: Path, kind: str) -> None:
    """Mark ``folder`` as breachsim's, of ``kind``."""
    if kind not in FOLDER_KINDS:
        raise ValueError(f"unknown folder kind {kind!r}")
    from ..version import __version__

    text = json.dumps({"tool": "breachsim", "kind": kind, "version": __version__}) + "\n"
    write_atomically(Path(folder) / MARKER, lambda p: p.write_text(text, encoding="utf-8"))


def _refusal(folder: Path, kind: str, found: str | None) -> ScenarioError:
    if found is not None:
        return ScenarioError(folder, "", f"is a breachsim {found} folder, not a {kind} folder; "
                                         "choose another --out")
    return ScenarioError(folder, "", f"holds files breachsim did not write (no {MARKER} marker); "
                                     "choose an empty or new folder for --out")


def check_claimable(folder: Path, kind: str, accept: tuple[str, ...] = ()) -> None:
    """Raise ScenarioError unless ``folder`` may be written as ``kind``: absent, empty,
    or marked by breachsim as ``kind`` or one of ``accept``. Writes nothing."""
    folder = Path(folder)
    check_folder_target(folder)
    if not folder.is_dir():
        return
    try:
        empty = not any(folder.iterdir())
    except OSError as err:
        raise ScenarioError(folder, "", f"cannot list the folder ({err.strerror})") from None
    if empty:
        return
    found = folder_kind(folder)
    if found not in (kind, *accept):
        raise _refusal(folder, kind, found)


def claim_folder(folder: Path, kind: str, accept: tuple[str, ...] = ()) -> None:
    """Make ``folder`` breachsim's ``kind`` folder (created and marked), or refuse it
    (ScenarioError) if it holds anything breachsim did not write as that kind."""
    check_claimable(folder, kind, accept)
    make_folder(folder)
    if folder_kind(folder) is None:
        write_marker(folder, kind)


# ---- names taken from files ------------------------------------------------------------
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,119}$")


def safe_name(text: str, source: Any, key: str) -> str:
    """``text`` if it can be one file or folder name (letters, digits, ``. _ + -``, not
    starting with a dot, no separators), else ScenarioError naming where it came from."""
    if isinstance(text, str) and _SAFE_NAME.match(text) and ".." not in text:
        return text
    raise ScenarioError(source, key, f"cannot make a file name of {shorten(repr(text), 80)}; "
                                     "allowed: letters, digits and . _ + - (give --out)")


# ---- our own temporaries --------------------------------------------------------------
#: ``.<stem>.tmp-<pid>-<8 hex>[-old-<8 hex>]<suffix>``: the only names cleaned up.
_OWN_TEMPORARY = re.compile(r"^\..*\.tmp-(\d{1,10})-[0-9a-f]{8}(?:-old-[0-9a-f]{8})?(?:\.[A-Za-z0-9]{1,10})?$")
_STAGING = re.compile(r"^\.(?P<target>.+)\.tmp-(?P<pid>\d{1,10})-(?:[A-Za-z0-9_]{8}|old-[0-9a-f]{8})$")


def _stale_pid(match: re.Match | None, group: int | str = 1) -> bool:
    if match is None:
        return False
    pid = int(match.group(group))
    return pid != os.getpid() and not _pid_alive(pid)


def clean_stale_temporaries(folder: Path) -> int:
    """Remove this tool's temporary files in ``folder`` whose writer is gone.

    Only in a folder breachsim owns (it carries the marker, or is the ``parts``
    folder of one), only regular files (never links or folders), only names
    of the exact form :func:`temporary_name` makes, and only when the process
    whose id is in the name no longer runs. Returns how many were removed.
    """
    folder = Path(folder)
    owned = folder_kind(folder) is not None or (folder.name == "parts"
                                                and folder_kind(folder.parent) is not None)
    if not owned or not folder.is_dir() or folder.is_symlink():
        return 0
    removed = 0
    for item in folder.iterdir():
        if not _stale_pid(_OWN_TEMPORARY.match(item.name)):
            continue
        try:
            if stat.S_ISREG(os.lstat(item).st_mode):
                item.unlink()
                removed += 1
        except OSError:
            continue
    return removed


def clean_stale_staging(parent: Path, target_name: str) -> int:
    """Remove staging and swapped-out folders of ``target_name`` left in ``parent`` by
    killed processes: only real folders named as :func:`swap_in_folder` names them, that
    carry breachsim's marker, whose process is gone. Returns how many were removed."""
    removed = 0
    if not Path(parent).is_dir():
        return 0
    for item in Path(parent).iterdir():
        match = _STAGING.match(item.name)
        if match is None or match.group("target") != target_name or not _stale_pid(match, "pid"):
            continue
        try:
            is_folder = stat.S_ISDIR(os.lstat(item).st_mode)
        except OSError:
            continue
        if is_folder and folder_kind(item) is not None:
            shutil.rmtree(item, ignore_errors=True)
            removed += 1
    return removed


def swap_in_folder(target: Path, fill: Callable[[Path], None], kind: str) -> list[Path]:
    """Fill a staging folder with ``fill(staging)``, then put it in place of ``target``.

    ``target`` must be absent, empty, or a folder breachsim wrote as ``kind``
    (it carries the marker); anything else is refused, so a user's own folder
    is never replaced. The old folder is renamed away before the new one is
    renamed in, so ``target`` is at every moment either the old whole or the
    new whole. Staging folders of this target left by killed processes are
    removed (only those that carry the marker).

    Returns the paths of the files now in ``target`` (the marker not among them).
    """
    target = Path(target)
    check_claimable(target, kind)
    parent = target.parent
    make_folder(parent)
    clean_stale_staging(parent, target.name)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}{TMP_MARK}{os.getpid()}-", dir=parent))
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)           # mkdtemp makes it private; a run folder is not
    old = None
    try:
        write_marker(staging, kind)
        fill(staging)
        if target.exists():
            old = parent / f".{target.name}{TMP_MARK}{os.getpid()}-old-{uuid.uuid4().hex[:8]}"
            os.replace(target, old)
        os.replace(staging, target)
    except BaseException:
        if old is not None and not target.exists():
            os.replace(old, target)
            old = None
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return sorted(p for p in target.iterdir() if p.name != MARKER)


#: File descriptors of the locks this process holds (closed in forked workers).
_HELD_LOCKS: set[int] = set()


def release_inherited_locks() -> None:
    """In a forked worker: let go of the folder locks inherited from the parent.

    ``flock`` belongs to the open file, which a fork shares; a worker that kept
    it would hold its parent's folder after the parent died. Each inherited
    descriptor is pointed at /dev/null instead (the lock stays the parent's).
    """
    if not _HELD_LOCKS:
        return
    null = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    try:
        for fd in list(_HELD_LOCKS):
            os.dup2(null, fd)
    finally:
        os.close(null)
    _HELD_LOCKS.clear()


def _holder_line(text: str) -> tuple[str, int | None]:
    """(holder as written, its pid if it ran on this machine)."""
    match = re.match(r"^(\w+) process (\d{1,10}) on (\S+)$", text)
    if match is None or match.group(3) != socket.gethostname():
        return text, None
    return text, int(match.group(2))


class FolderLock:
    """An exclusive lock on a folder (``<folder>/.lock``), held while writing into it.

    Uses ``flock``, so a lock held by a killed process is released by the
    operating system; the lock file records who holds it. A second process is
    refused with one line naming the holder; a lock left by a process that is
    gone is taken over, and ``taken_over`` says whose it was. The lock file is
    opened without following links and must be a regular file::

        with FolderLock(out, "batch"):
            ...
    """

    def __init__(self, folder: Path, what: str):
        self.path = Path(folder) / ".lock"
        self.what = what
        self.taken_over = ""
        self._fd: int | None = None

    def _open(self) -> int:
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
        try:
            fd = os.open(self.path, flags, 0o644)
        except OSError as err:
            if err.errno in (errno.ELOOP, errno.EISDIR, errno.ENXIO):
                raise ScenarioError(self.path, "", "is not a lock file breachsim made (a link, "
                                                   "folder or special file); remove it") from None
            raise ScenarioError(self.path, "", f"cannot create the lock file "
                                               f"({err.strerror})") from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise ScenarioError(self.path, "", "is not a lock file breachsim made; remove it")
        return fd

    def __enter__(self) -> "FolderLock":
        fd = self._open()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            if err.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise ScenarioError(self.path, "", f"cannot lock ({err.strerror})") from None
            raise ScenarioError(self.path.parent, "", f"in use by {holder}; wait for it to "
                                                      "finish or choose another --out") from None
        before, pid = _holder_line(os.pread(fd, 200, 0).decode("utf-8", "replace").strip())
        if before and (pid is None or not _pid_alive(pid)):
            self.taken_over = (f"note: {self.path.parent}: took over the lock of {before}, "
                               "which is no longer running")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{self.what} process {os.getpid()} on {socket.gethostname()}".encode(), 0)
        self._fd = fd
        _HELD_LOCKS.add(fd)
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            _HELD_LOCKS.discard(self._fd)
            try:
                os.ftruncate(self._fd, 0)
            except OSError:
                pass
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
