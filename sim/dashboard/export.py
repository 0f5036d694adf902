"""The dashboard's settings as a scenario file that ``extends`` the starting one.

The file holds only what changed (the overrides), nested as TOML tables, so
``run``, ``compare`` and ``batch`` read it unchanged and resolve it to the
same scenario the dashboard ran. Each changed single value carries its
starting value in a comment.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any, Mapping

from ..outputs import write_atomically

__all__ = ["scenario_toml", "slug", "toml_value", "write_scenario"]


def toml_value(value: Any) -> str:
    """One value as TOML: strings, booleans, numbers, lists, inline tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON string escapes are valid TOML
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


def _tables(tree: dict, start: Mapping[str, Any], prefix: str = "") -> list[str]:
    """TOML lines for ``tree``: its plain keys under ``[prefix]``, then sub-tables."""
    lines: list[str] = []
    plain = {k: v for k, v in tree.items() if not isinstance(v, dict)}
    if plain:
        lines.append(f"\n[{prefix}]")
        for name, value in plain.items():
            key = f"{prefix}.{name}"
            was = start.get(key)
            if isinstance(value, list) and value and isinstance(value[0], Mapping):
                items = "".join(f"  {toml_value(v)},\n" for v in value)
                lines.append(f"{name} = [\n{items}]")
            else:
                note = f"  # was {toml_value(was)}" if key in start and not isinstance(was, list) else ""
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
    lines = [f"# Saved from the breachsim dashboard on {stamp}: {start_path.name} with "
             f"{len(overrides)} change{'s' if len(overrides) != 1 else ''}.",
             "[scenario]", f"extends = {toml_value(extends)}", f"name = {toml_value(name)}",
             f"description = {toml_value(description)}"]
    lines += _tables(_nest(overrides), start or {})
    return "\n".join(lines) + "\n"


def slug(name: str) -> str:
    """A file name stem from a scenario name: ``"Optus (what-if)"`` -> ``optus_what_if``."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "scenario"


def write_scenario(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (folders created); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, lambda p: p.write_text(text, encoding="utf-8"))
    return path
