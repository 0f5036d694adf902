"""Plan files: a scenario file that extends the optimised scenario with a plan's levers.

Each plan the search runs is written as ``plans/plan-NNNN.toml``; the best as ``best.toml``
and the non-dominated as ``front/front-NN.toml``. A file sets only what its levers set (a
key inside a list as that whole list, since scenario files replace lists whole) and
``extends`` the scenario by a path relative to itself, so ``breachsim compare`` and
``breachsim run`` read it like any scenario.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import tomli_w

__all__ = ["plan_text", "nested"]


def nested(dotted: dict[str, Any]) -> dict[str, Any]:
    """Dotted keys as nested tables (``{"a.b": 1}`` -> ``{"a": {"b": 1}}``)."""
    out: dict[str, Any] = {}
    for key, value in dotted.items():
        node = out
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def plan_text(request, data: dict[str, Any], name: str, path: Path, description: str) -> str:
    """The TOML text of a plan file at ``path`` setting ``data`` (dotted keys)."""
    base = Path(request.scenario_file).resolve()
    try:
        extends = Path(os.path.relpath(base, Path(path).resolve().parent)).as_posix()
    except ValueError:                       # another drive (Windows)
        extends = base.as_posix()
    body = nested(data)
    scenario = {"name": name, "short_name": name[:24], "description": description, "extends": extends}
    head = ("# Written by `breachsim optimise`: the scenario it extends, with only the levers set.\n"
            "# Compare it with `breachsim compare BASELINE THIS_FILE`.\n")
    return head + tomli_w.dumps({"scenario": scenario, **body}, multiline_strings=False)
