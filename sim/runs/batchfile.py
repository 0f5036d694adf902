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
    #              num_levels (morris), and [sample.ranges] key = [low, high]

A batch may hold at most :data:`MAX_RUNS` runs (scenarios x design points x
replications). Every problem raises :class:`~sim.errors.ScenarioError` naming
the batch file and the key.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .design import point_count
from ..errors import ScenarioError, shorten
from ..model.memory import check_work
from ..config.scenario import load_scenario, parse_toml, read_text_file, resolve_path, with_overrides
from ..config.schema import Invalid, lookup_spec
from ..model.simulate import ENGINES
from ..model.engine import DEFAULT_ENGINE

__all__ = ["BatchSpec", "load_batch", "check_scenarios", "total_runs", "MAX_RUNS", "MAX_SEED"]

TOP_KEYS = ("name", "scenarios", "replications", "seed", "engine", "set", "grid", "sample")
SAMPLE_KEYS = ("method", "n", "seed", "ranges", "num_levels")
METHODS = ("lhs", "random", "sobol", "morris")
#: Most runs one batch may hold (scenarios x design points x replications).
MAX_RUNS = 100_000
#: Base seed of the batches the commands make (compare, robustness, calibrate, the
#: dashboard and the notebook's Comparison); a batch file without ``seed`` uses 0.
DEFAULT_SEED = 2022
#: Largest seed (seeds are stored as 64-bit integers).
MAX_SEED = 2**63 - 1
#: Morris levels allowed (SALib wants an even number).
MAX_LEVELS = 100


@dataclass
class BatchSpec:
    """A checked batch file. Paths are absolute."""

    path: Path
    name: str
    scenarios: list[Path]
    replications: int
    seed: int
    engine: str = DEFAULT_ENGINE
    overrides: dict[str, Any] = field(default_factory=dict)
    grid: dict[str, list] = field(default_factory=dict)
    sample: dict[str, Any] = field(default_factory=dict)
    #: Per-replication overrides (e.g. posterior draws, :mod:`sim.analysis.calibration`): empty, or one
    #: dict per replication, applied on top of the design point (see :mod:`sim.runs.plan`).
    draws: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The batch as resolved (for the manifest)."""
        return {"name": self.name, "scenarios": [str(p) for p in self.scenarios],
                "replications": self.replications, "seed": self.seed, "engine": self.engine,
                "set": self.overrides, "grid": self.grid, "sample": self.sample,
                **({"draws": self.draws} if self.draws else {})}


def _need(cond: bool, path: Path, key: str, message: str) -> None:
    if not cond:
        raise ScenarioError(path, key, message)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _shown(value: Any) -> str:
    return shorten(repr(value), 60)


def _check_key(path: Path, where: str, key: Any) -> None:
    try:
        lookup_spec(key)
    except Invalid as err:
        raise ScenarioError(path, f"{where}.{shorten(str(key))}", f"not a scenario key: {err} "
                            "(see docs/MODEL.md, \"Scenario keys\"; list items by index, e.g. "
                            "channels.direct.campaigns.0.start_hour)") from None


def _check_seed(path: Path, key: str, seed: Any) -> None:
    _need(_is_int(seed) and 0 <= seed <= MAX_SEED, path, key,
          f"got {_shown(seed)}; allowed: a whole number from 0 to 2**63 - 1")


def load_batch(path: str | Path) -> BatchSpec:
    """Read and check a batch file; every scenario and override is validated."""
    if not isinstance(path, (str, os.PathLike)):
        raise ScenarioError("load_batch", "path",
                            f"got {type(path).__name__}; allowed: a file path (str or Path)")
    path = resolve_path(Path(path), path, "")
    raw = parse_toml(read_text_file(path), path)
    for key in raw:
        _need(key in TOP_KEYS, path, shorten(key), f"unknown key; allowed: {', '.join(TOP_KEYS)}")
    scenarios = raw.get("scenarios")
    _need(isinstance(scenarios, list) and scenarios and all(isinstance(s, str) for s in scenarios),
          path, "scenarios", "allowed: a non-empty list of scenario file paths")
    replications, seed = raw.get("replications", 1), raw.get("seed", 0)
    _need(_is_int(replications) and 1 <= replications <= MAX_RUNS, path, "replications",
          f"got {_shown(replications)}; allowed: a whole number from 1 to {MAX_RUNS:,}")
    _check_seed(path, "seed", seed)
    engine = raw.get("engine", DEFAULT_ENGINE)
    _need(engine in ENGINES, path, "engine", f"got {_shown(engine)}; allowed: {', '.join(ENGINES)}")
    name = raw.get("name", path.stem)
    _need(isinstance(name, str) and len(name) <= 200, path, "name",
          "allowed: a string of at most 200 characters")
    overrides = raw.get("set", {})
    _need(isinstance(overrides, dict), path, "set", "allowed: a table of scenario keys")
    for key in overrides:
        _check_key(path, "set", key)
    _need(not ("grid" in raw and "sample" in raw), path, "grid",
          "give either [grid] or [sample], not both")
    grid, sample = raw.get("grid", {}), raw.get("sample", {})
    if "grid" in raw:
        _check_grid(path, grid)
    if "sample" in raw:
        _check_sample(path, sample, seed)
    files = [resolve_path(path.parent / s, path, f"scenarios.{i}") for i, s in enumerate(scenarios)]
    spec = BatchSpec(path, name, files, replications, seed, engine, dict(overrides), dict(grid),
                     dict(sample))
    _check_total(spec)
    check_scenarios(spec)
    return spec


def _check_grid(path: Path, grid: Any) -> None:
    _need(isinstance(grid, dict) and grid, path, "grid",
          "allowed: a non-empty table of key = [values]")
    for key, values in grid.items():
        _check_key(path, "grid", key)
        _need(isinstance(values, list) and 0 < len(values) <= MAX_RUNS, path, f"grid.{key}",
              f"allowed: a non-empty list of at most {MAX_RUNS:,} values")


def _check_sample(path: Path, sample: Any, seed: int) -> None:
    _need(isinstance(sample, dict) and sample, path, "sample",
          "allowed: a table with method, n and [sample.ranges]")
    for key in sample:
        _need(key in SAMPLE_KEYS, path, f"sample.{shorten(key)}",
              f"unknown key; allowed: {', '.join(SAMPLE_KEYS)}")
    method = sample.get("method")
    _need(method in METHODS, path, "sample.method",
          f"got {_shown(method)}; allowed: {', '.join(METHODS)}")
    n = sample.get("n")
    _need(_is_int(n) and 1 <= n <= MAX_RUNS, path, "sample.n",
          f"got {_shown(n)}; allowed: a whole number from 1 to {MAX_RUNS:,}")
    if "seed" in sample:
        _check_seed(path, "sample.seed", sample["seed"])
    if "num_levels" in sample:
        levels = sample["num_levels"]
        _need(method == "morris", path, "sample.num_levels", "only for method = \"morris\"")
        _need(_is_int(levels) and 2 <= levels <= MAX_LEVELS and levels % 2 == 0, path,
              "sample.num_levels",
              f"got {_shown(levels)}; allowed: an even whole number from 2 to {MAX_LEVELS}")
    ranges = sample.get("ranges")
    _need(isinstance(ranges, dict) and ranges, path, "sample.ranges",
          "allowed: a table of key = [low, high]")
    for key, bounds in ranges.items():
        _check_key(path, "sample.ranges", key)
        ok = (isinstance(bounds, list) and len(bounds) == 2
              and all(isinstance(b, (int, float)) and not isinstance(b, bool) and math.isfinite(b)
                      for b in bounds)
              and bounds[0] < bounds[1])
        _need(ok, path, f"sample.ranges.{key}",
              f"got {_shown(bounds)}; allowed: [low, high], finite numbers with low < high")
    sample.setdefault("seed", seed)


def total_runs(spec: BatchSpec) -> int:
    """Runs in the batch: scenarios x design points x replications."""
    return len(spec.scenarios) * point_count(spec.grid, spec.sample) * spec.replications


def _check_total(spec: BatchSpec) -> None:
    total = total_runs(spec)
    points = point_count(spec.grid, spec.sample)
    where = "grid" if spec.grid else ("sample.n" if spec.sample else "replications")
    _need(total <= MAX_RUNS, spec.path, where,
          f"{len(spec.scenarios)} scenarios x {points:,} design points x {spec.replications:,} "
          f"replications = {total:,} runs; allowed: at most {MAX_RUNS:,} runs in one batch "
          "(split it into several batches)")


def check_scenarios(spec: BatchSpec) -> None:
    """Every scenario loads with the overrides and with each extreme design value,
    and stays within the engine's work limit (:func:`sim.model.memory.check_work`)."""
    probes: list[dict] = [{}]
    for key, values in spec.grid.items():
        probes += [{key: v} for v in values]
    for key, (low, high) in spec.sample.get("ranges", {}).items():
        probes += [{key: low}, {key: high}]
    for i, scenario in enumerate(spec.scenarios):
        try:
            exists = scenario.is_file()
        except (OSError, ValueError):
            exists = False
        if not exists:
            raise ScenarioError(spec.path, f"scenarios.{i}", f"no such file: {shorten(str(scenario))}")
        base = None
        for probe in probes:
            try:
                base = base or load_scenario(scenario, spec.overrides)
                check_work(with_overrides(base, probe), spec.engine)
            except ScenarioError as err:
                where = "set" if not probe else ("grid" if spec.grid else "sample.ranges")
                key = err.key if not probe else f"{where}.{next(iter(probe))}"
                raise ScenarioError(spec.path, key, f"{err.message} (in {scenario.name})") from None
