"""Reading scenario files: TOML, ``extends`` inheritance, overrides, validation.

A scenario file is read on top of the bundled defaults (``sim/defaults.toml``)
and of the file it ``extends``: tables merge, keys override, lists are replaced
whole. Every problem raises :class:`~sim.errors.ScenarioError` naming the file
and the dotted key.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

from .errors import ScenarioError
from .schema import COHORTS, CUSTOMER_GROUPS, SCHEMA, Invalid, check, lookup_spec

DEFAULTS_NAME = "defaults.toml"


@dataclass
class Scenario:
    """A fully resolved scenario: every key present, checked and normalised.

    ``data`` mirrors the TOML layout. ``origins`` maps each dotted key to the
    file (or override) that set it, for error messages and the manifest.
    """

    data: dict
    path: Path | None = None
    origins: dict[str, str] = field(default_factory=dict)

    def get(self, dotted: str) -> Any:
        """Value of a dotted key, e.g. ``"population.size"``."""
        node: Any = self.data
        for part in dotted.split("."):
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node

    @property
    def name(self) -> str:
        return self.data["scenario"]["name"]

    @property
    def short_name(self) -> str:
        """``scenario.short_name`` for chart legends and titles, or the name if not set."""
        return self.data["scenario"].get("short_name") or self.name

    @property
    def start(self) -> dt.datetime:
        """Calendar time of step 0 (timezone-aware)."""
        return dt.datetime.fromisoformat(self.data["scenario"]["start"])

    @property
    def step_hours(self) -> float:
        """Length of one step in hours."""
        return self.data["scenario"]["step_minutes"] / 60.0

    @property
    def n_steps(self) -> int:
        """Number of steps simulated (the last one may overshoot ``hours``)."""
        return max(1, math.ceil(self.data["scenario"]["hours"] / self.step_hours - 1e-9))

    @property
    def people_per_agent(self) -> float:
        return self.data["population"]["represents"] / self.data["population"]["size"]

    def describe_source(self, dotted: str) -> str:
        """The file that set ``dotted`` (or its nearest parent table)."""
        key = dotted
        while key:
            if key in self.origins:
                return self.origins[key]
            key = key.rpartition(".")[0]
        return str(self.path) if self.path else "scenario"

    def copy(self) -> "Scenario":
        return Scenario(copy.deepcopy(self.data), self.path, dict(self.origins))


def _read_toml(path: Path) -> dict:
    if not path.is_file():
        raise ScenarioError(path, "", "no such file")
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(path, "", f"not valid TOML ({err})") from None
    except UnicodeDecodeError:
        raise ScenarioError(path, "", "not a UTF-8 text file") from None


def _checked(raw: dict, source: str) -> dict:
    try:
        return check(raw, SCHEMA)
    except Invalid as err:
        raise ScenarioError(source, err.key, str(err)) from None


def _leaf_keys(data: dict, prefix: str = "") -> list[str]:
    keys = []
    for name, value in data.items():
        key = f"{prefix}.{name}" if prefix else name
        keys.extend(_leaf_keys(value, key) if isinstance(value, dict) else [key])
    return keys


def _merge(base: dict, top: dict) -> dict:
    """Deep-merge ``top`` over ``base``: tables merge, everything else replaces."""
    out = copy.deepcopy(base)
    for name, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(name), dict):
            out[name] = _merge(out[name], value)
        else:
            out[name] = copy.deepcopy(value)
    return out


def _defaults() -> tuple[dict, dict]:
    text = resources.files("sim").joinpath(DEFAULTS_NAME).read_text(encoding="utf-8")
    data = _checked(tomllib.loads(text), f"sim/{DEFAULTS_NAME}")
    origins: dict[str, str] = {}
    _claim(origins, data, f"sim/{DEFAULTS_NAME}")
    return data, origins


def _claim(origins: dict[str, str], data: dict, source: str) -> None:
    """Record ``source`` as the origin of every key (and table) set in ``data``."""
    for key in _leaf_keys(data):
        parts = key.split(".")
        for i in range(1, len(parts) + 1):
            origins[".".join(parts[:i])] = source


def _layer(path: Path, seen: tuple[Path, ...]) -> tuple[dict, dict]:
    """Merged data and origins of ``path`` with everything it extends."""
    path = path.resolve()
    if path in seen:
        chain = " -> ".join(p.name for p in (*seen, path))
        raise ScenarioError(seen[-1], "scenario.extends", f"circular extends ({chain})")
    raw = _checked(_read_toml(path), str(path))
    _resolve_paths(raw, path.parent)
    parent = raw.get("scenario", {}).pop("extends", None)
    if parent:
        base, origins = _layer(path.parent / parent, (*seen, path))
    else:
        base, origins = _defaults()
    _claim(origins, raw, str(path))
    return _merge(base, raw), origins


def _resolve_paths(raw: dict, folder: Path) -> None:
    """Make file paths inside a scenario file relative to that file's folder."""
    net = raw.get("network", {})
    if net.get("path"):
        net["path"] = str((folder / net["path"]).resolve())


def parse_override(text: str) -> tuple[str, Any]:
    """Split a ``key=value`` option; the value is read as TOML, else as a string."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ScenarioError("--set", text, "expected key=value, e.g. population.size=5000")
    try:
        parsed = tomllib.loads(f"v = {value.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value.strip()
    return key.strip(), parsed


def _apply_override(data: dict, key: str, value: Any) -> None:
    source = "override"
    try:
        spec = lookup_spec(key)
        value = check(value, spec, key)
    except Invalid as err:
        raise ScenarioError(source, err.key or key, str(err)) from None
    parts = key.split(".")
    node: Any = data
    for i, part in enumerate(parts[:-1]):
        node = _descend(node, part, ".".join(parts[: i + 1]), source)
    last = parts[-1]
    if isinstance(node, list):
        _descend(node, last, key, source)
        node[int(last)] = value
    else:
        node[last] = value


def _descend(node: Any, part: str, key: str, source: str) -> Any:
    if isinstance(node, list):
        index = int(part)
        if index >= len(node):
            raise ScenarioError(source, key, f"no item {index}; the list has {len(node)}")
        return node[index]
    if not isinstance(node, dict):
        raise ScenarioError(source, key, "cannot set a key inside a single value")
    if part not in node:
        node[part] = {}
    return node[part]


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Read, merge and validate a scenario file.

    Parameters
    ----------
    path : str or Path
        The scenario TOML file.
    overrides : mapping of dotted key to value, optional
        Applied last, e.g. ``{"population.size": 5000}``; list items are
        addressed by index, e.g. ``"channels.direct.campaigns.0.start_hour"``.

    Raises
    ------
    ScenarioError
        For a missing file, bad TOML, an unknown key, a wrong type, a value out
        of range or inconsistent values; the message names file and key.
    """
    path = Path(path)
    data, origins = _layer(path, ())
    return _finish(data, path, origins, overrides)


def _finish(data: dict, path: Path | None, origins: dict,
            overrides: Mapping[str, Any] | None) -> Scenario:
    """Apply ``overrides`` to merged ``data``, then check it whole."""
    for key, value in (overrides or {}).items():
        _apply_override(data, key, value)
        origins[key] = "override"
    scenario = Scenario(data, path, origins)
    try:
        scenario.data = check(data, SCHEMA, complete=True)
    except Invalid as err:
        raise ScenarioError(scenario.describe_source(err.key), err.key, str(err)) from None
    _check_consistency(scenario)
    return scenario


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any] | None) -> Scenario:
    """A new scenario: ``scenario`` with ``overrides`` applied and checked again.

    The same result as loading the file with the overrides appended, without
    reading any file (used to resolve the points of a batch design).
    """
    if not overrides:
        return scenario
    return _finish(copy.deepcopy(scenario.data), scenario.path, dict(scenario.origins), overrides)


def scenario_from_data(data: dict, source: str | Path = "manifest") -> Scenario:
    """A scenario from fully resolved data (e.g. a run's manifest), checked again.

    Raises ScenarioError naming ``source`` if the data is not a valid
    resolved scenario.
    """
    if not isinstance(data, dict):
        raise ScenarioError(source, "scenario", "allowed: a table holding a resolved scenario")
    origins: dict[str, str] = {}
    _claim(origins, data, str(source))
    return _finish(copy.deepcopy(data), None, origins, None)


def _fail(scenario: Scenario, key: str, message: str):
    raise ScenarioError(scenario.describe_source(key), key, message)


def _check_consistency(scenario: Scenario) -> None:
    """Checks that involve more than one key."""
    d = scenario.data
    total = sum(d["population"]["cohorts"][c] for c in COHORTS)
    if abs(total - 1.0) > 1e-6:
        _fail(scenario, "population.cohorts", f"shares sum to {total:.6g}; they must sum to 1")
    customers = sum(d["population"]["customers"][g] for g in CUSTOMER_GROUPS)
    if customers > 1.0 + 1e-9:
        _fail(scenario, "population.customers",
              f"current + former = {customers:.6g}; allowed: at most 1 (the rest are not customers)")
    if d["network"]["kind"] != "file" and d["seeds"]["count"] > d["population"]["size"]:
        _fail(scenario, "seeds.count", f"{d['seeds']['count']} seeds but population.size is "
              f"{d['population']['size']}; allowed: at most population.size")
    net = d["network"]
    if net["kind"] == "file":
        if not net["path"]:
            _fail(scenario, "network.path", "kind = \"file\" needs a path to an edge list or GraphML file")
        if not Path(net["path"]).is_file():
            _fail(scenario, "network.path", f"no such file: {net['path']}")
    if sum(d["attention"]["profile"]) <= 0:
        _fail(scenario, "attention.profile", "all zero; allowed: at least one hour > 0")
