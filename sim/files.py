"""Writing files safely: atomic writes, folders swapped in whole, one writer per folder.

Everything breachsim writes goes through here, so that a killed or
interrupted command never leaves a half-written file under its final name:

- :func:`write_atomically` writes to a unique temporary name beside the
  target, then renames it into place;
- :func:`swap_in_folder` fills a staging folder and then swaps it in for the
  output folder as one unit;
- :class:`FolderLock` lets one process at a time write into a batch folder
  and names the holder to anyone refused.
"""

from __future__ import annotations

import errno
import fcntl
import json
import math
import os
import shutil
import socket
import tempfile
import uuid
from pathlib import Path
from typing import Any, Callable

from .errors import ScenarioError

__all__ = ["FolderLock", "check_folder_target", "clean_stale_temporaries", "make_folder",
           "plain_json", "read_json_table", "swap_in_folder",
           "temporary_name", "write_atomically", "write_json"]

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
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
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


def check_folder_target(path: Path) -> None:
    """Refuse (ScenarioError) an output folder that is a file or lies under one."""
    path = Path(path)
    for place in (path, *path.parents):
        if place.exists():
            if not place.is_dir():
                raise ScenarioError(place, "", "exists and is a file; --out must name a folder")
            if not os.access(place, os.W_OK | os.X_OK):
                raise ScenarioError(place, "", "not writable; choose another --out")
            return


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
    except PermissionError:
        return True
    return True


def _owner_pid(name: str) -> int | None:
    """The process id embedded in a temporary or staging name, if any."""
    _, _, rest = name.partition(TMP_MARK)
    digits = rest.split("-", 1)[0]
    return int(digits) if digits.isdigit() else None


def clean_stale_temporaries(folder: Path) -> int:
    """Remove temporary files and folders in ``folder`` whose writer is gone.

    A temporary belongs to the process whose id is in its name; it is stale
    when that process no longer runs on this machine. Returns how many were
    removed.
    """
    removed = 0
    if not folder.is_dir():
        return 0
    for item in folder.iterdir():
        if not item.name.startswith(".") or TMP_MARK not in item.name:
            continue
        pid = _owner_pid(item.name)
        if pid is not None and pid != os.getpid() and _pid_alive(pid):
            continue
        if item.is_dir() and not item.is_symlink():
            shutil.rmtree(item, ignore_errors=True)
        else:
            item.unlink(missing_ok=True)
        removed += 1
    return removed


def swap_in_folder(target: Path, fill: Callable[[Path], None], marker: str) -> list[Path]:
    """Fill a staging folder with ``fill(staging)``, then put it in place of ``target``.

    ``target`` must be absent, empty, or a folder written by an earlier call
    (it holds the file ``marker``); anything else is refused, so a user's own
    folder is never replaced. The old folder is renamed away before the new
    one is renamed in, so ``target`` is at every moment either the old whole
    or the new whole. Staging folders left by killed processes are removed.

    Returns the paths of the files now in ``target``.
    """
    target = Path(target)
    check_folder_target(target)
    if target.is_dir() and any(target.iterdir()) and not (target / marker).is_file():
        raise ScenarioError(target, "", f"holds other files (no {marker}); choose another --out "
                                        "or an empty folder")
    parent = target.parent
    make_folder(parent)
    clean_stale_temporaries(parent)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}{TMP_MARK}{os.getpid()}-", dir=parent))
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)           # mkdtemp makes it private; a run folder is not
    old = None
    try:
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
    return sorted(target.iterdir())


class FolderLock:
    """An exclusive lock on a folder (``<folder>/.lock``), held while writing into it.

    Uses ``flock``, so a lock held by a killed process is released by the
    operating system; the lock file records who holds it. A second process is
    refused with one line naming the holder::

        with FolderLock(out, "batch"):
            ...
    """

    def __init__(self, folder: Path, what: str):
        self.path = Path(folder) / ".lock"
        self.what = what
        self._fh = None

    def __enter__(self) -> "FolderLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            if err.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                fh.close()
                raise
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            fh.close()
            raise ScenarioError(self.path.parent, "", f"in use by {holder}; wait for it to finish "
                                                      "or choose another --out") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"{self.what} process {os.getpid()} on {socket.gethostname()}")
        fh.flush()
        self._fh = fh
        return self

    def __exit__(self, *exc) -> None:
        if self._fh is not None:
            self._fh.seek(0)
            self._fh.truncate()
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None
