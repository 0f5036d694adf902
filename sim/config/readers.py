"""Reading the files users give us: regular files only, bounded in size, one error line.

Every file a user names (scenario, batch, calibration targets, ranges,
posteriors, report configs, logos, templates, network files) is read through
:func:`read_user_bytes` or :func:`read_user_text`, so each kind of file has
the scenario reader's guarantees:

- special files (FIFOs, devices, sockets) are refused before opening, so a
  pipe with no writer never hangs the command and ``/dev/zero`` is never read;
- a file larger than the kind's limit is refused, naming the limit;
- text must be UTF-8 (a leading byte-order mark is dropped);
- every problem is one :class:`~sim.errors.ScenarioError` naming the file
  (and the key that named it, if any), never an ``OSError``.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..errors import ScenarioError

__all__ = ["MAX_TEXT_BYTES", "MAX_TABLE_BYTES", "MAX_IMAGE_BYTES", "check_regular_file",
           "read_user_bytes", "read_user_text"]

#: Largest text file of settings read (scenario, batch, config, ranges): 4 MB.
MAX_TEXT_BYTES = 4 * 1024 * 1024
#: Largest data table read (targets, posterior, network edge list): 256 MB.
MAX_TABLE_BYTES = 256 * 1024 * 1024
#: Largest image read (a report logo): 10 MB.
MAX_IMAGE_BYTES = 10 * 1024 * 1024

_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISDIR, "a folder"))


def _size_text(n: int) -> str:
    return f"{n / 1024 / 1024:,.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:,.0f} kB"


def check_regular_file(path: str | os.PathLike, key: str = "", what: str = "file") -> os.stat_result:
    """``os.stat`` of ``path`` if it is a regular file (links followed), else ScenarioError."""
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ScenarioError(path, key, f"no such file; expected {what}") from None
    except (OSError, ValueError) as err:      # too long, a loop of links, no permission, NUL
        reason = getattr(err, "strerror", None) or str(err)
        raise ScenarioError(path, key, f"cannot read the file ({reason})") from None
    for test, name in _KINDS:
        if test(info.st_mode):
            raise ScenarioError(path, key, f"is {name}, not a regular file; expected {what}")
    if not stat.S_ISREG(info.st_mode):
        raise ScenarioError(path, key, f"not a regular file; expected {what}")
    return info


def read_user_bytes(path: str | os.PathLike, key: str = "", what: str = "file",
                    max_bytes: int = MAX_TEXT_BYTES) -> bytes:
    """The bytes of a user's regular file of at most ``max_bytes``, or ScenarioError."""
    path = Path(path)
    info = check_regular_file(path, key, what)
    if info.st_size > max_bytes:
        raise ScenarioError(path, key, f"{_size_text(info.st_size)}; allowed: {what} of at most "
                                       f"{_size_text(max_bytes)}")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except (OSError, ValueError) as err:
        reason = getattr(err, "strerror", None) or str(err)
        raise ScenarioError(path, key, f"cannot read the file ({reason})") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):     # swapped for something else meanwhile
            raise ScenarioError(path, key, f"not a regular file; expected {what}")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(max_bytes + 1)
    except OSError as err:
        raise ScenarioError(path, key, f"cannot read the file ({err.strerror or err})") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:                          # grew while we read it
        raise ScenarioError(path, key, f"larger than {_size_text(max_bytes)}; allowed: {what} "
                                       f"of at most {_size_text(max_bytes)}")
    return data


def read_user_text(path: str | os.PathLike, key: str = "", what: str = "text file",
                   max_bytes: int = MAX_TEXT_BYTES) -> str:
    """The UTF-8 text of a user's regular file (byte-order mark dropped), or ScenarioError."""
    data = read_user_bytes(path, key, what, max_bytes)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ScenarioError(path, key, f"not a UTF-8 text file (byte {err.start}); expected "
                                       f"{what}") from None
    return text[1:] if text.startswith("\ufeff") else text
