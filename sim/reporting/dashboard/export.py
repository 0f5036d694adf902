"""The dashboard's settings as a scenario file that ``extends`` the starting one.

The file holds only what changed (the overrides), nested as TOML tables, so
``run``, ``compare`` and ``batch`` read it unchanged and resolve it to the
same scenario the dashboard ran. Every change carries its starting value in
a comment: a single value ``# was 0.004``; an item of a list (a campaign, a
press release, a tweet) ``# was start_hour = 24, per_hour = 68_000`` for the
fields it changed, ``# added`` when it is new, and a ``# removed: {...}`` line
for each item the start had and the settings dropped. The first line counts
the changes the same way (:func:`change_count`): two fields of one campaign
are two changes.

:func:`save_scenario` is what "Save these settings" does: the name is
checked (one line of printable text), the file is written under a
temporary name, read back with :func:`sim.load_scenario` and compared with
the settings the page ran; only then is it renamed into place. It never
replaces a file the dashboard did not write, and on any failure nothing is
left on disk. Every problem is one :class:`~sim.errors.ScenarioError`
naming no server path.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import json
import os
import re
import sys
import traceback
from pathlib import Path
from typing import Any, Mapping

from ...errors import ScenarioError
from ..run_outputs import write_atomically
from ..config import check_text
from ...config.scenario import Scenario, load_scenario

__all__ = ["HEADER", "MAX_STEM", "change_count", "check_name", "file_stem", "problem_line",
           "save_scenario", "scenario_toml", "slug", "toml_value", "write_scenario"]

#: How every file the dashboard saves begins (how it knows a file is its own).
HEADER = "# Saved from the breachsim dashboard"
#: Longest file name stem of a saved scenario (a long scenario name is cut).
MAX_STEM = 60
#: Longest scenario name checked here (the scenario schema's own limit is checked on reading back).
MAX_NAME = 10_000
#: Characters TOML does not allow unescaped in a string (besides the ones JSON escapes).
_TOML_RAW = re.compile("[\x7f]")


def toml_value(value: Any) -> str:
    """One value as TOML: strings, booleans, numbers, lists, inline tables.

    Raises ScenarioError for a string TOML cannot hold (a lone surrogate).
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, int):
        return f"{value:_}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return toml_value(int(value))
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")


def _toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes (valid TOML) and ``\u007F`` for DEL."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        raise ScenarioError("scenario file", "", f"character {err.start + 1} is a lone surrogate "
                                                 f"(U+{ord(text[err.start]):04X}); allowed: valid "
                                                 "Unicode text") from None
    quoted = json.dumps(text, ensure_ascii=False)
    return _TOML_RAW.sub(lambda m: f"\\u{ord(m.group()):04X}", quoted)


def _nest(overrides: Mapping[str, Any]) -> dict:
    """``{"a.b.c": v}`` -> ``{"a": {"b": {"c": v}}}``."""
    tree: dict = {}
    for key, value in overrides.items():
        node = tree
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return tree


def _is_table_list(value: Any) -> bool:
    return isinstance(value, list) and any(isinstance(v, Mapping) for v in value)


def _paired(was: list, now: list) -> list[tuple[Any, Any]]:
    """The items of two lists, paired: ``(old, new)`` for an item kept or edited, ``(None,
    new)`` for one added, ``(old, None)`` for one removed (in list order)."""
    text = [json.dumps(v, sort_keys=True, default=str) for v in was]
    other = [json.dumps(v, sort_keys=True, default=str) for v in now]
    pairs: list[tuple[Any, Any]] = []
    for op, a0, a1, b0, b1 in difflib.SequenceMatcher(None, text, other, autojunk=False).get_opcodes():
        old, new = was[a0:a1], now[b0:b1]
        common = min(len(old), len(new)) if op == "replace" else (len(old) if op == "equal" else 0)
        pairs += list(zip(old[:common], new[:common]))
        pairs += [(None, n) for n in new[common:]] + [(o, None) for o in old[common:]]
    return pairs


def _fields_changed(old: Mapping, new: Mapping) -> list[str]:
    return [k for k in dict.fromkeys([*old, *new]) if old.get(k) != new.get(k)]


def change_count(start: Mapping[str, Any], overrides: Mapping[str, Any]) -> int:
    """How many changes ``overrides`` make to ``start``: one per single value, and per
    list one per field changed in an item, per item added and per item removed."""
    count = 0
    for key, value in overrides.items():
        was = start.get(key)
        if key in start and (_is_table_list(value) or _is_table_list(was)):
            for old, new in _paired(list(was or []), list(value or [])):
                count += 1 if old is None or new is None else len(_fields_changed(old, new))
        else:
            count += 1
    return count


def _list_lines(name: str, value: list, was: list | None) -> list[str]:
    """A list of tables, each item with what it changed from the start in a comment."""
    if was is None:
        items = "".join(f"  {toml_value(v)},\n" for v in value)
        return [f"{name} = [\n{items}]"]
    rows, removed = [], []
    for old, new in _paired(list(was), list(value)):
        if new is None:
            removed.append(f"# removed: {toml_value(old)}")
        elif old is None:
            rows.append(f"  {toml_value(new)},  # added")
        else:
            changed = _fields_changed(old, new)
            note = ("  # was " + ", ".join(f"{k} = {toml_value(old[k]) if k in old else '(not set)'}"
                                          for k in changed)) if changed else ""
            rows.append(f"  {toml_value(new)},{note}")
    return [f"{name} = [\n" + "".join(r + "\n" for r in rows) + "]", *removed]


def _tables(tree: dict, start: Mapping[str, Any], prefix: str = "") -> list[str]:
    """TOML lines for ``tree``: its plain keys under ``[prefix]``, then sub-tables."""
    lines: list[str] = []
    plain = {k: v for k, v in tree.items() if not isinstance(v, dict)}
    if plain:
        lines.append(f"\n[{prefix}]")
        for name, value in plain.items():
            key = f"{prefix}.{name}"
            was = start.get(key)
            if _is_table_list(value) or _is_table_list(was):
                lines += _list_lines(name, value, was if key in start else None)
            else:
                note = f"  # was {toml_value(was)}" if key in start else ""
                lines.append(f"{name} = {toml_value(value)}{note}")
    for name, sub in tree.items():
        if isinstance(sub, dict):
            lines += _tables(sub, start, f"{prefix}.{name}" if prefix else name)
    return lines


def scenario_toml(start_path: str | Path, overrides: Mapping[str, Any], name: str,
                  description: str, folder: str | Path, start: Mapping[str, Any] | None = None) -> str:
    """The text of a scenario file in ``folder`` extending ``start_path`` with ``overrides``.

    ``start`` maps the changed keys to their starting values (for comments).
    ``extends`` is relative to ``folder`` when both lie on one drive.
    """
    start_path = Path(start_path).resolve()
    try:
        extends = Path(os.path.relpath(start_path, Path(folder).resolve())).as_posix()
    except ValueError:  # another drive (Windows)
        extends = start_path.as_posix()
    stamp = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")
    changes = change_count(start or {}, overrides)
    lines = [f"{HEADER} on {stamp}: {start_path.name} with "
             f"{changes} change{'s' if changes != 1 else ''}.",
             "[scenario]", f"extends = {toml_value(extends)}", f"name = {toml_value(name)}",
             f"description = {toml_value(description)}"]
    lines += _tables(_nest(overrides), start or {})
    return "\n".join(lines) + "\n"


def slug(name: str) -> str:
    """A file name stem from a scenario name: ``"Optus (what-if)"`` -> ``optus_what_if``."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "scenario"


def file_stem(name: str) -> str:
    """The file name stem a scenario ``name`` is saved under: its :func:`slug`, cut to
    :data:`MAX_STEM` characters."""
    return slug(name)[:MAX_STEM].rstrip("_") or "scenario"


def check_name(name: Any) -> str:
    """``name`` if it can name a scenario: one line of printable text, not empty."""
    return check_text(name, "scenario name", "", MAX_NAME, empty=False)


def _plain_settings(scenario: Scenario) -> dict:
    """A scenario's settings without its name and description."""
    data = copy.deepcopy(scenario.data)
    for key in ("name", "description", "short_name"):
        data["scenario"].pop(key, None)
    return data


def _read_back(path: Path, expected: Scenario | None, name: str | None) -> None:
    """Read the written file ``path`` as ``run`` would; ScenarioError unless it loads (and
    resolves to ``expected``'s settings, under ``name``)."""
    try:
        saved = load_scenario(path)
    except ScenarioError as err:
        raise ScenarioError("saved file", err.key, f"would not load: {err.message}") from None
    if name is not None and saved.name != name:
        raise ScenarioError("saved file", "scenario.name", "reads back as another name")
    if expected is not None and _plain_settings(saved) != _plain_settings(expected):
        raise ScenarioError("saved file", "", "would not give the settings the page ran")


def write_scenario(path: str | Path, text: str, expected: Scenario | None = None,
                   name: str | None = None) -> Path:
    """Write ``text`` to ``path`` atomically (folders created) after reading it back under
    a temporary name (see :func:`_read_back`); return the path. On failure nothing is left."""
    path = Path(path)
    created = _make_folders(path.parent)

    def write(temporary: Path) -> None:
        temporary.write_text(text, encoding="utf-8")
        _read_back(temporary, expected, name)

    try:
        write_atomically(path, write)
    except BaseException as err:
        _remove_folders(created)
        if isinstance(err, OSError):
            raise ScenarioError("save folder", "", f"cannot write {path.name} "
                                                   f"({err.strerror or err})") from None
        raise
    return path


def _make_folders(folder: Path) -> list[Path]:
    """Create ``folder`` and missing parents; the folders created, outermost first."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()][::-1]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        _remove_folders(missing)
        raise ScenarioError("save folder", "", f"cannot create {folder.name} "
                                               f"({err.strerror or err})") from None
    return missing


def _remove_folders(created: list[Path]) -> None:
    """Remove the (empty) folders ``created``, innermost first."""
    for folder in reversed(created):
        try:
            folder.rmdir()
        except OSError:
            return


def _check_target(path: Path) -> None:
    """ScenarioError if ``path`` exists and is not a scenario file the dashboard saved."""
    if not os.path.lexists(path):
        return
    if path.is_symlink() or not path.is_file():
        raise ScenarioError("save", "", f"{path.name} exists and is not a file the dashboard saved; "
                                        "choose another scenario name")
    try:
        with path.open("rb") as fh:
            first = fh.read(len(HEADER.encode()))
    except OSError as err:
        raise ScenarioError("save", "", f"cannot read {path.name} ({err.strerror})") from None
    if first != HEADER.encode():
        raise ScenarioError("save", "", f"{path.name} exists and was not saved by the dashboard; "
                                        "choose another scenario name")


def save_scenario(folder: str | Path, start_path: str | Path, overrides: Mapping[str, Any],
                  name: Any, description: str = "Saved from the dashboard.",
                  start: Mapping[str, Any] | None = None, expected: Scenario | None = None
                  ) -> tuple[Path, str]:
    """Save the page's settings as ``folder/<file_stem(name)>.toml``; return (path, text).

    ``expected``: the scenario the page ran (the saved file must resolve to
    its settings). Raises ScenarioError (one line, no server path) for a bad
    name, a file in the way that the dashboard did not save, a folder that
    cannot be written, or a file that would not read back as it should.
    """
    name = check_name(name)
    folder = Path(folder)
    text = scenario_toml(start_path, overrides, name, description, folder, start)
    path = folder / f"{file_stem(name)}.toml"
    _check_target(path)
    return write_scenario(path, text, expected, name), text


def problem_line(err: BaseException) -> str:
    """The one line the page shows when saving failed. An unexpected error's traceback goes
    to the server's log, never to the page."""
    if isinstance(err, ScenarioError):
        return f"Not saved: {err.line().removeprefix('error: ')}"
    traceback.print_exception(err, file=sys.stderr)
    return f"Not saved: an unexpected error ({type(err).__name__}); the server's log has the details"
