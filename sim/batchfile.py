"""Reading batch files: which scenarios, how many replications, which design.

A batch file (TOML)::

    name = "sms timing"                  # optional
    scenarios = ["../optus_2022.toml"]   # relative to the batch file
    replications = 50
    seed = 2022
    engine = "fast"                      # optional: fast | agents
    [set]                                # overrides applied to every run
    "population.size" = 10000
    [grid]                               # full factorial over these values
    "channels.direct.campaigns.0.start_hour" = [0, 6, 12, 24, 48]
    # or [sample]: method = "lhs" | "random" | "sobol" | "morris", n, seed,
    #              and [sample.ranges] key = [low, high]

Every problem raises :class:`~sim.errors.ScenarioError` naming the batch file
and the key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ScenarioError
from .scenario import load_scenario
from .schema import Invalid, lookup_spec
from .simulate import ENGINES

TOP_KEYS = ("name", "scenarios", "replications", "seed", "engine", "set", "grid", "sample")
SAMPLE_KEYS = ("method", "n", "seed", "ranges", "num_levels")
METHODS = ("lhs", "random", "sobol", "morris")


@dataclass
class BatchSpec:
    """A checked batch file. Paths are absolute."""

    path: Path
    name: str
    scenarios: list[Path]
    replications: int
    seed: int
    engine: str = "fast"
    overrides: dict[str, Any] = field(default_factory=dict)
    grid: dict[str, list] = field(default_factory=dict)
    sample: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The batch as resolved (for the manifest)."""
        return {"name": self.name, "scenarios": [str(p) for p in self.scenarios],
                "replications": self.replications, "seed": self.seed, "engine": self.engine,
                "set": self.overrides, "grid": self.grid, "sample": self.sample}


def _need(cond: bool, path: Path, key: str, message: str) -> None:
    if not cond:
        raise ScenarioError(path, key, message)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_key(path: Path, where: str, key: str) -> None:
    try:
        lookup_spec(key)
    except Invalid:
        raise ScenarioError(path, f"{where}.{key}", "not a scenario key (see docs/MODEL.md, "
                            "\"Scenario keys\"; list items by index, e.g. "
                            "channels.direct.campaigns.0.start_hour)") from None


def _read(path: Path) -> dict:
    if not path.is_file():
        raise ScenarioError(path, "", "no such file")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(path, "", f"not valid TOML ({err})") from None


def load_batch(path: str | Path) -> BatchSpec:
    """Read and check a batch file; every scenario and override is validated."""
    path = Path(path).resolve()
    raw = _read(path)
    for key in raw:
        _need(key in TOP_KEYS, path, key, f"unknown key; allowed: {', '.join(TOP_KEYS)}")
    scenarios = raw.get("scenarios")
    _need(isinstance(scenarios, list) and scenarios and all(isinstance(s, str) for s in scenarios),
          path, "scenarios", "allowed: a non-empty list of scenario file paths")
    replications, seed = raw.get("replications", 1), raw.get("seed", 0)
    _need(_is_int(replications) and replications >= 1, path, "replications",
          f"got {replications!r}; allowed: a whole number >= 1")
    _need(_is_int(seed) and seed >= 0, path, "seed", f"got {seed!r}; allowed: a whole number >= 0")
    engine = raw.get("engine", "fast")
    _need(engine in ENGINES, path, "engine", f"got {engine!r}; allowed: {', '.join(ENGINES)}")
    name = raw.get("name", path.stem)
    _need(isinstance(name, str), path, "name", "allowed: a string")
    overrides = raw.get("set", {})
    _need(isinstance(overrides, dict), path, "set", "allowed: a table of scenario keys")
    for key in overrides:
        _check_key(path, "set", key)
    grid, sample = raw.get("grid", {}), raw.get("sample", {})
    _need(not (grid and sample), path, "grid", "give either [grid] or [sample], not both")
    _check_grid(path, grid)
    _check_sample(path, sample, seed)
    spec = BatchSpec(path, name, [(path.parent / s).resolve() for s in scenarios], replications,
                     seed, engine, dict(overrides), dict(grid), dict(sample))
    check_scenarios(spec)
    return spec


def _check_grid(path: Path, grid: Any) -> None:
    _need(isinstance(grid, dict), path, "grid", "allowed: a table of key = [values]")
    for key, values in grid.items():
        _check_key(path, "grid", key)
        _need(isinstance(values, list) and len(values) > 0, path, f"grid.{key}",
              "allowed: a non-empty list of values")


def _check_sample(path: Path, sample: Any, seed: int) -> None:
    if not sample:
        return
    _need(isinstance(sample, dict), path, "sample", "allowed: a table")
    for key in sample:
        _need(key in SAMPLE_KEYS, path, f"sample.{key}", f"unknown key; allowed: {', '.join(SAMPLE_KEYS)}")
    _need(sample.get("method") in METHODS, path, "sample.method",
          f"got {sample.get('method')!r}; allowed: {', '.join(METHODS)}")
    n = sample.get("n")
    _need(_is_int(n) and n >= 1, path, "sample.n", f"got {n!r}; allowed: a whole number >= 1")
    ranges = sample.get("ranges")
    _need(isinstance(ranges, dict) and ranges, path, "sample.ranges",
          "allowed: a table of key = [low, high]")
    for key, bounds in ranges.items():
        _check_key(path, "sample.ranges", key)
        ok = (isinstance(bounds, list) and len(bounds) == 2
              and all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in bounds)
              and bounds[0] < bounds[1])
        _need(ok, path, f"sample.ranges.{key}", f"got {bounds!r}; allowed: [low, high] with low < high")
    sample.setdefault("seed", seed)


def check_scenarios(spec: BatchSpec) -> None:
    """Every scenario loads with the overrides and with each extreme design value."""
    probes: list[dict] = [{}]
    for key, values in spec.grid.items():
        probes += [{key: v} for v in values]
    for key, (low, high) in spec.sample.get("ranges", {}).items():
        probes += [{key: low}, {key: high}]
    for i, scenario in enumerate(spec.scenarios):
        if not scenario.is_file():
            raise ScenarioError(spec.path, f"scenarios.{i}", f"no such file: {scenario}")
        for probe in probes:
            try:
                load_scenario(scenario, {**spec.overrides, **probe})
            except ScenarioError as err:
                where = "set" if not probe else ("grid" if spec.grid else "sample.ranges")
                key = err.key if not probe else f"{where}.{next(iter(probe))}"
                raise ScenarioError(spec.path, key, f"{err.message} (in {scenario.name})") from None
