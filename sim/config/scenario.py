"""Reading scenario files: TOML, ``extends`` inheritance, overrides, validation.

A scenario file is read on top of the bundled defaults (``sim/defaults.toml``)
and of the file it ``extends``: tables merge, keys override, lists are replaced
whole. Every problem raises :class:`~sim.errors.ScenarioError` naming the file
and the dotted key.
"""

from __future__ import annotations

import copy
import datetime as dt
import errno
import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import ScenarioError, shorten
from .moved import MovedTwice, move_old_keys, moved_overrides, new_key
from .readers import check_regular_file
from .targeting import (expected_share, narrowed, selection_of, structurally, target_kinds_text,
                        unknown_target)
from .schema import (COHORTS, CUSTOMER_GROUPS, SCHEMA, Invalid, OneOrPerCohort,
                     check, is_index, lookup_spec)

__all__ = ["Scenario", "Section", "load_scenario", "with_overrides", "scenario_from_data", "parse_override",
           "read_text_file", "read_toml_file", "parse_toml", "resolve_path", "default_data",
           "MAX_EXTENDS", "MAX_STEPS", "MAX_CAMPAIGN_END_HOURS"]

DEFAULTS_NAME = "defaults.toml"
#: Longest chain of ``extends`` (files on top of one another).
MAX_EXTENDS = 32
#: Most steps a run may have (``scenario.hours`` / step length).
MAX_STEPS = 100_000
#: Latest hour (after the start) at which a campaign may finish sending.
MAX_CAMPAIGN_END_HOURS = 1_000_000


class Section(Mapping):
    """A read-only view of one table of a resolved scenario: its keys as attributes
    (``scenario.network.kind``), a nested table as a view, a list of tables as a tuple
    of views; a key the table does not have is an AttributeError naming the dotted key
    and the keys there are. Also a mapping (``section["kind"]``), for code that passes
    tables on."""

    __slots__ = ("_data", "_where")

    def __init__(self, data: dict, where: str) -> None:
        object.__setattr__(self, "_data", data)
        object.__setattr__(self, "_where", where)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if name not in self._data:
            raise AttributeError(f"{self._where}.{name}: no such key; there are: {', '.join(self._data)}")
        return _view(self._data[name], f"{self._where}.{name}")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{self._where} is read-only; change a scenario with with_overrides")

    def __getitem__(self, key: str) -> Any:
        return _view(self._data[key], f"{self._where}.{key}")

    def __iter__(self):
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"Section({self._where})"


def _view(value: Any, where: str) -> Any:
    """``value`` as a scenario's sections show it: tables as :class:`Section` views."""
    if isinstance(value, dict):
        return Section(value, where)
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return tuple(Section(v, f"{where}.{i}") for i, v in enumerate(value))
    return value


@dataclass
class Scenario:
    """A fully resolved scenario: every key present, checked and normalised.

    ``data`` mirrors the TOML layout. ``origins`` maps each dotted key to the
    file (or override) that set it, for error messages and the manifest.
    Code outside :mod:`sim.config` reads its tables as attributes
    (``scenario.population.size``, ``scenario.network.kind``: :class:`Section`),
    never ``data["a"]["b"]``.
    """

    data: dict
    path: Path | None = None
    origins: dict[str, str] = field(default_factory=dict)

    def get(self, dotted: str) -> Any:
        """Value of a dotted key, e.g. ``"population.size"``."""
        node: Any = self.data
        for part in new_key(dotted).split("."):
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node

    @property
    def name(self) -> str:
        """``scenario.name``: the scenario's name, as reports and manifests show it."""
        return self.data["scenario"]["name"]

    def __getattr__(self, name: str) -> Any:
        """A top-level table as a :class:`Section` (``population``, ``network``, ``channels``,
        ``trust``, ``attention``, ``seeds``, ``word_of_mouth``, ...)."""
        data = self.__dict__.get("data")
        if data is None or name.startswith("_") or name not in data or name == "scenario":
            raise AttributeError(name)
        return _view(data[name], name)

    @property
    def hours(self) -> float:
        """``scenario.hours``: how long the run is (hours)."""
        return float(self.data["scenario"]["hours"])

    @property
    def start_text(self) -> str:
        """``scenario.start`` as written (ISO 8601 with its offset)."""
        return self.data["scenario"]["start"]

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
        """People each simulated agent stands for (``represents / size``)."""
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
        """An independent copy (the data copied deeply)."""
        return Scenario(copy.deepcopy(self.data), self.path, dict(self.origins))


def read_text_file(path: Path, key: str = "", what: str = "a text file",
                   max_bytes: int | None = None) -> str:
    """The UTF-8 text of a user's file, or a ScenarioError naming it (never OSError).

    Delegates to :func:`sim.config.readers.read_user_text`: special files (FIFOs,
    devices, folders) are refused before opening and the size is bounded
    (``max_bytes``, default :data:`sim.config.readers.MAX_TEXT_BYTES`).
    """
    from .readers import MAX_TEXT_BYTES, read_user_text

    return read_user_text(path, key, what, MAX_TEXT_BYTES if max_bytes is None else max_bytes)


def read_toml_file(path: Path) -> dict:
    """A user's TOML file as a dict; every problem is a ScenarioError naming it."""
    return parse_toml(read_text_file(path), path)


def parse_toml(text: str, source: Any, key: str = "") -> dict:
    """``tomllib.loads`` with its errors (and too deep nesting) as ScenarioError."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(source, key, f"not valid TOML ({err})") from None
    except RecursionError:
        raise ScenarioError(source, key, "not valid TOML (nested too deeply)") from None


def _checked(raw: dict, source: str) -> dict:
    try:
        return check(move_old_keys(raw), SCHEMA)
    except (Invalid, MovedTwice) as err:
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


def default_data() -> dict:
    """The bundled defaults (``sim/defaults.toml``), checked."""
    return _defaults()[0]


def _claim(origins: dict[str, str], data: dict, source: str) -> None:
    """Record ``source`` as the origin of every key (and table) set in ``data``."""
    for key in _leaf_keys(data):
        parts = key.split(".")
        for i in range(1, len(parts) + 1):
            origins[".".join(parts[:i])] = source


def resolve_path(path: Path, source: Any, key: str) -> Path:
    """``path.resolve()`` with a symlink loop or an unusable path as ScenarioError.

    (Python 3.11 raises on a loop while resolving, 3.13 returns the path: the
    loop is looked for after resolving too, so both give the same answer.)
    """
    loop = ScenarioError(source, key, f"cannot use the path {shorten(str(path))} "
                         "(a loop of symbolic links)")
    try:
        resolved = path.resolve()
    except RuntimeError:            # Python 3.11's way of saying "symlink loop"
        raise loop from None
    except (OSError, ValueError) as err:
        reason = getattr(err, "strerror", None) or str(err)
        raise ScenarioError(source, key, f"cannot use the path {shorten(str(path))} "
                            f"({shorten(reason)})") from None
    try:
        os.stat(resolved)
    except OSError as err:          # other problems are said when the file is read
        if err.errno == errno.ELOOP:
            raise loop from None
    except ValueError:
        pass
    return resolved


def _layer(path: Path, seen: tuple[Path, ...]) -> tuple[dict, dict]:
    """Merged data and origins of ``path`` with everything it extends."""
    where = seen[-1] if seen else path
    path = resolve_path(path, where, "scenario.extends" if seen else "")
    if path in seen:
        chain = " -> ".join(p.name for p in (*seen, path))
        raise ScenarioError(seen[-1], "scenario.extends", f"circular extends ({shorten(chain)})")
    if len(seen) >= MAX_EXTENDS:
        raise ScenarioError(seen[-1], "scenario.extends",
                            f"extends chain longer than {MAX_EXTENDS} files; allowed: at most "
                            f"{MAX_EXTENDS} files on top of one another")
    raw = _checked(read_toml_file(path), str(path))
    _resolve_paths(raw, path.parent, path)
    parent = raw.get("scenario", {}).pop("extends", None)
    if parent:
        base, origins = _layer(path.parent / parent, (*seen, path))
    else:
        base, origins = _defaults()
    _claim(origins, raw, str(path))
    return _merge(base, raw), origins


def _resolve_paths(raw: dict, folder: Path, source: Path) -> None:
    """Make file paths inside a scenario file relative to that file's folder."""
    net = raw.get("network", {})
    if net.get("path"):
        net["path"] = str(resolve_path(folder / net["path"], source, "network.path"))


def parse_override(text: str) -> tuple[str, Any]:
    """Split a ``key=value`` option; the value is read as TOML, else as a string."""
    if not isinstance(text, str):
        raise ScenarioError("--set", "", f"expected key=value text, got {type(text).__name__}")
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ScenarioError("--set", shorten(text), "expected key=value, e.g. population.size=5000")
    try:
        parsed = tomllib.loads(f"v = {value.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value.strip()
    except RecursionError:
        raise ScenarioError("--set", key.strip(), "the value is nested too deeply") from None
    return key.strip(), parsed


def _apply_override(data: dict, key: Any, value: Any) -> None:
    """Set one dotted key. A table value merges into the table it overrides
    (as ``extends`` does); a per-cohort key set inside one value spreads that
    value to every cohort first."""
    source = "override"
    if not isinstance(key, str):
        raise ScenarioError(source, shorten(repr(key)), "a key must be a dotted string such as "
                            "population.size")
    if key == "scenario.extends" or (key == "scenario" and isinstance(value, dict)
                                     and "extends" in value):
        raise ScenarioError(source, "scenario.extends", "extends cannot be overridden; write a "
                            "scenario file whose [scenario] extends = \"...\" names the base file")
    try:
        spec = lookup_spec(key)
        value = check(value, spec, key)
    except Invalid as err:
        raise ScenarioError(source, err.key or key, str(err)) from None
    parts = key.split(".")
    node: Any = data
    for i, part in enumerate(parts[:-1]):
        node = _descend(node, part, ".".join(parts[: i + 1]), parts[i + 1], source)
    last = parts[-1]
    if isinstance(node, list):
        index = _index(node, last, key, source)
        node[index] = _merged_value(node[index], value, spec)
    else:
        node[last] = _merged_value(node.get(last), value, spec)


def _merged_value(old: Any, new: Any, spec: Any) -> Any:
    """``new`` merged over ``old`` when both are tables, else ``new``."""
    if isinstance(spec, OneOrPerCohort) and isinstance(new, dict) and _is_plain_number(old):
        old = {c: old for c in COHORTS}
    if isinstance(new, dict) and isinstance(old, dict):
        return _merge(old, new)
    return new


def _is_plain_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _index(node: list, part: str, key: str, source: str) -> int:
    if not is_index(part):
        raise ScenarioError(source, key, "a list item is addressed by its index 0, 1, 2, ...")
    index = int(part)
    if index >= len(node):
        raise ScenarioError(source, key, f"no item {index}; the list has {len(node)}")
    return index


def _descend(node: Any, part: str, key: str, below: str, source: str) -> Any:
    """The child ``part`` of ``node`` (``key`` is its dotted key), ready to hold ``below``."""
    if isinstance(node, list):
        return node[_index(node, part, key, source)]
    if part not in node:
        node[part] = {}
    child = node[part]
    if _is_plain_number(child) and isinstance(lookup_spec(key), OneOrPerCohort):
        child = node[part] = {c: child for c in COHORTS}   # one value -> the same per cohort
    if not isinstance(child, (dict, list)):
        raise ScenarioError(source, f"{key}.{below}",
                            f"{key} is a single value ({shorten(repr(child))}); "
                            f"cannot set a key inside it")
    return child


def load_scenario(path: str | os.PathLike, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Read, merge and validate a scenario file.

    Parameters
    ----------
    path : str or Path
        The scenario TOML file.
    overrides : mapping of dotted key to value, optional
        Applied last, e.g. ``{"population.size": 5000}``; list items are
        addressed by index, e.g. ``"channels.direct.campaigns.0.start_hour"``.
        A table value merges into the table it overrides, as ``extends`` does.

    Raises
    ------
    ScenarioError
        (a subclass of ValueError) for every bad argument or input: a missing
        or unreadable file, bad TOML, an unknown key, a wrong type, a value out
        of range or inconsistent values; the message names file and key.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise ScenarioError("load_scenario", "path",
                            f"got {type(path).__name__}; allowed: a file path (str or Path)")
    _check_overrides(overrides)
    path = Path(path)
    try:
        data, origins = _layer(path, ())
    except RecursionError:
        raise ScenarioError(path, "", "nested too deeply") from None
    return _finish(data, path, origins, overrides)


def _check_overrides(overrides: Any) -> None:
    if overrides is None:
        return
    if not isinstance(overrides, Mapping):
        raise ScenarioError("override", "", f"got {type(overrides).__name__}; allowed: a mapping "
                            "of dotted key to value, e.g. {\"population.size\": 5000}")
    for key in overrides:
        if not isinstance(key, str):
            raise ScenarioError("override", shorten(repr(key)),
                                "a key must be a dotted string such as population.size")


def _finish(data: dict, path: Path | None, origins: dict,
            overrides: Mapping[str, Any] | None) -> Scenario:
    """Apply ``overrides`` to merged ``data``, then check it whole."""
    try:
        for given, given_value in (overrides or {}).items():
            for key, value in _moved(given, given_value):
                _apply_override(data, key, value)
                origins[key] = "override"
        scenario = Scenario(data, path, origins)
        try:
            scenario.data = check(data, SCHEMA, complete=True)
        except Invalid as err:
            raise ScenarioError(scenario.describe_source(err.key), err.key, str(err)) from None
    except RecursionError:
        raise ScenarioError("override" if overrides else (path or "scenario"), "",
                            "nested too deeply") from None
    _check_consistency(scenario)
    return scenario


def _moved(key: Any, value: Any) -> list[tuple[Any, Any]]:
    """The override under current key names (:mod:`sim.config.moved`)."""
    try:
        return moved_overrides(key, value)
    except MovedTwice as err:
        raise ScenarioError("override", err.key or str(key), str(err)) from None


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any] | None) -> Scenario:
    """A new scenario: ``scenario`` with ``overrides`` applied and checked again.

    The same result as loading the file with the overrides appended, without
    reading any file (used to resolve the points of a batch design).
    """
    _check_overrides(overrides)
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
    data = _checked(data, str(source))          # before walking it: no deep junk below
    origins: dict[str, str] = {}
    _claim(origins, data, str(source))
    return _finish(data, None, origins, None)


def _fail(scenario: Scenario, key: str, message: str):
    raise ScenarioError(scenario.describe_source(key), key, message)


def _check_consistency(scenario: Scenario) -> None:
    """Checks that involve more than one key."""
    d = scenario.data
    total = sum(d["population"]["cohorts"][c] for c in COHORTS)
    if abs(total - 1.0) > 1e-6:
        _fail(scenario, "population.cohorts", f"shares sum to {total:.6g}; they must sum to 1 "
              "(within 1e-6; they are then rescaled to sum to exactly 1)")
    customers = sum(d["population"]["customers"][g] for g in CUSTOMER_GROUPS)
    if customers > 1.0 + 1e-9:
        _fail(scenario, "population.customers",
              f"current + former = {customers:.6g}; allowed: at most 1 (the rest are not customers)")
    if d["network"]["kind"] != "file" and d["seeds"]["count"] > d["population"]["size"]:
        _fail(scenario, "seeds.count", f"{d['seeds']['count']} seeds but population.size is "
              f"{d['population']['size']}; allowed: at most population.size")
    _check_network(scenario)
    if sum(d["attention"]["profile"]) <= 0:
        _fail(scenario, "attention.profile", "all zero; allowed: at least one hour > 0")
    _check_steps(scenario)
    _check_segments(scenario)
    _check_campaigns(scenario)
    _check_campaign_ends(scenario)


def _check_segments(scenario: Scenario) -> None:
    """A segment fits inside its customer groups and can hold someone of some generation."""
    pop = scenario.data["population"]
    affected = sum(pop["customers"][g] for g in CUSTOMER_GROUPS)
    for name, segment in pop["segments"].items():
        key = f"population.segments.{name}"
        pool = sum(pop["customers"][g] for g in segment["groups"])
        most = pool / affected if affected > 0 else 1.0      # no affected customers: an empty segment
        if segment["share"] > most + 1e-9:
            groups = " and ".join(f"{g} customers" for g in segment["groups"])
            _fail(scenario, f"{key}.share",
                  f"{segment['share']:g} of the affected customers, but {groups} are only {most:.4g} of "
                  f"them; allowed: at most {most:.4g} (the segment is drawn from {groups})")
        if segment["share"] > 0 and not any(segment["cohort_weights"][c] > 0 and pop["cohorts"][c] > 0
                                            for c in COHORTS):
            _fail(scenario, f"{key}.cohort_weights", "every generation has weight 0 (or no people); "
                  "allowed: a weight > 0 for at least one generation with people")


def _check_campaigns(scenario: Scenario) -> None:
    """Each campaign and scam wave sends by a declared medium to targets that exist and
    can hold someone."""
    d = scenario.data
    media, segments = d["channels"]["direct"]["media"], d["population"]["segments"]
    sending = [(f"channels.direct.campaigns.{i}", c) for i, c in enumerate(d["channels"]["direct"]["campaigns"])]
    sending += [(f"channels.scam.waves.{i}", {"priority": [], **w}) for i, w in enumerate(d["channels"]["scam"]["waves"])]
    for key, campaign in sending:
        if campaign["medium"] not in media:
            _fail(scenario, f"{key}.medium", f"got {campaign['medium']!r}; allowed: a declared medium, one "
                  f"of {', '.join(media)} (declare more under [channels.direct.media.NAME])")
        for names in ("targets", "priority"):
            for j, name in enumerate(campaign[names]):
                if unknown_target(name, segments):
                    _fail(scenario, f"{key}.{names}.{j}",
                          f"got {name!r}; allowed: {target_kinds_text(segments)}")
        selection = selection_of(campaign["targets"], segments)
        shape = structurally(d["population"])
        if expected_share(selection, shape) <= 0:
            _fail(scenario, f"{key}.targets", f"{', '.join(campaign['targets'])} can hold no one (no customer is in "
                  "all of them); allowed: targets whose kinds overlap, e.g. a segment drawn from the "
                  "customer group named")
        for j, name in enumerate(campaign["priority"]):
            part = narrowed(selection, name)
            if part is None or expected_share(part, shape) <= 0:
                _fail(scenario, f"{key}.priority.{j}",
                      f"{name!r} is not among the people the campaign targets ({', '.join(campaign['targets'])}); "
                      "allowed: a group, generation or segment that overlaps its targets")


def _check_network(scenario: Scenario) -> None:
    """The network can be built: a file exists; networkx kinds fit their size."""
    net, size = scenario.data["network"], scenario.data["population"]["size"]
    if net["kind"] == "file":
        if not net["path"]:
            _fail(scenario, "network.path", "kind = \"file\" needs a path to an edge list or GraphML file")
        try:
            check_regular_file(Path(net["path"]), "network.path", "an edge list or GraphML file")
        except ScenarioError as err:
            _fail(scenario, "network.path", f"{err.message}: {shorten(net['path'])}")
    elif net["kind"] == "watts_strogatz":
        k = max(2, round(net["mean_degree"]))
        if size <= k:
            _fail(scenario, "population.size",
                  f"population.size is {size:,}, but watts_strogatz ties each person to k = max(2, "
                  f"round(network.mean_degree)) = {k} others; allowed: population.size >= {k + 1}")
    elif net["kind"] in ("barabasi_albert", "powerlaw_cluster") and size < 2:
        _fail(scenario, "population.size",
              f"population.size is 1; allowed for {net['kind']}: at least 2 people")


def _check_steps(scenario: Scenario) -> None:
    steps = scenario.n_steps
    if steps > MAX_STEPS:
        _fail(scenario, "scenario.step_minutes",
              f"{scenario.data['scenario']['hours']:g} hours in steps of "
              f"{scenario.data['scenario']['step_minutes']:g} minutes make {steps:,} steps; "
              f"allowed: at most {MAX_STEPS:,} steps (a longer step or a shorter run)")


def _check_campaign_ends(scenario: Scenario) -> None:
    """Every campaign finishes sending within MAX_CAMPAIGN_END_HOURS of the start
    (so that its end is a date charts can show)."""
    pop = scenario.data["population"]
    for i, campaign in enumerate(scenario.data["channels"]["direct"]["campaigns"]):
        selection = selection_of(campaign["targets"], pop["segments"])
        people = pop["represents"] * expected_share(selection, pop)
        end = campaign["start_hour"] + people / campaign["per_hour"]
        if end > MAX_CAMPAIGN_END_HOURS:
            lowest = people / max(MAX_CAMPAIGN_END_HOURS - campaign["start_hour"], 1.0)
            _fail(scenario, f"channels.direct.campaigns.{i}.per_hour",
                  f"{campaign['per_hour']:g} people per hour would take {end:,.0f} hours to "
                  f"message {people:,.0f} people; allowed: finishing within "
                  f"{MAX_CAMPAIGN_END_HOURS:,} hours of the start (per_hour >= {lowest:,.0f})")
