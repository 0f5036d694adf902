"""What a run ran: its identity, and the versions of the code and packages behind it.

A run is identified by what it ran, never by a path or a position::

    run id = sha256(canonical JSON of {scenario digest, seed, engine, code digest})

- the *scenario digest* hashes the fully resolved scenario (after ``extends``,
  defaults and overrides) as canonical JSON; a network file enters by the
  digest of its content, not by its path, so moving a project to another
  folder keeps its identities;
- the *code digest* hashes the package's model code: every file of
  ``sim/model/``, the layer that holds everything that can change a run's
  numbers (the defaults' values enter through the resolved scenario), so an
  edited model never reuses old runs and an edited error message, report or
  command never discards them, whether it runs from a git checkout or an
  installed wheel.

Batches resume and comparisons reuse finished runs by this identity.
"""

from __future__ import annotations

import functools
import hashlib
import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["canonical_json", "code_digest", "code_version", "package_versions", "run_id",
           "scenario_digest"]

#: The package folder (sim/).
PACKAGE_DIR = Path(__file__).resolve().parent.parent
#: The model layer, relative to :data:`PACKAGE_DIR`: its files are the code digest.
MODEL_DIR = "model"
#: Packages every run records the version of; each engine adds those it needs
#: (:class:`sim.model.engine_spec.EngineSpec`).
PACKAGES = ("breachsim", "numpy", "pandas", "pyarrow", "networkx", "matplotlib")
DIGEST_CHARS = 20


def canonical_json(value: Any) -> str:
    """JSON with sorted keys, no spaces and no NaN: equal data give equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def _digest(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()[:DIGEST_CHARS]


@functools.lru_cache(maxsize=256)
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()[:DIGEST_CHARS]


def file_digest(path: str | Path) -> str:
    """Digest of a file's content (cached while its size and time are unchanged)."""
    stat = Path(path).stat()
    return _file_digest(str(path), stat.st_size, stat.st_mtime_ns)


def identity_data(data: dict) -> dict:
    """The resolved scenario as it enters the digest: a network file by its content."""
    net = data.get("network", {})
    if net.get("kind") == "file" and net.get("path"):
        data = {**data, "network": {**net, "path": "sha256:" + file_digest(net["path"])}}
    return data


def scenario_digest(data: dict) -> str:
    """Digest of a fully resolved scenario's data (see the module docstring)."""
    return _digest(canonical_json(identity_data(data)))


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """Digest of the model code of this package (see the module docstring)."""
    h = hashlib.sha256()
    files = sorted(p for p in (PACKAGE_DIR / MODEL_DIR).rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    for path in files:
        h.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:DIGEST_CHARS]


def run_id(scenario_hash: str, seed: int, engine: str, code: str | None = None) -> str:
    """The identity of one run (see the module docstring)."""
    return _digest(canonical_json({"scenario": scenario_hash, "seed": int(seed), "engine": engine,
                                   "code": code or code_digest()}))


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """For people: the git commit (``+dirty`` if changed) or the package version,
    followed by the code digest that identities use."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PACKAGE_DIR, capture_output=True,
                                text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "."], cwd=PACKAGE_DIR,
                               capture_output=True, text=True, timeout=5).stdout.strip()
        where = commit + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        where = f"breachsim {_installed_version()}"
    return f"{where} (code {code_digest()})"


def _installed_version() -> str:
    try:
        return metadata.version("breachsim")
    except metadata.PackageNotFoundError:
        return "unknown"


def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages a run depends on."""
    from ..model.engine import REGISTRY

    versions = {"python": platform.python_version()}
    needed = dict.fromkeys([*PACKAGES, *(p for spec in REGISTRY.values() for p in spec.needs)])
    for name in needed:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions
