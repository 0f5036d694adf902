"""Writing a run's files: all or nothing (temporary names, then rename)."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Callable

from .simulate import SimulationResult

PACKAGES = ("breachsim", "mesa", "numpy", "pandas", "networkx", "matplotlib")


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages a run depends on."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def code_version() -> str:
    """The git commit of the code (with ``+dirty`` if changed), else the package version."""
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                                text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "."], cwd=here,
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return commit + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        from . import __version__
        return f"breachsim {__version__} (no git)"


def manifest(result: SimulationResult) -> dict:
    """Everything needed to reproduce a run."""
    return {
        "scenario_file": str(result.scenario.path) if result.scenario.path else None,
        "scenario": result.scenario.data,
        "seed": result.seed,
        "engine": result.engine,
        "code_version": code_version(),
        "packages": package_versions(),
        "command": sys.argv,
        "events": result.events,
    }


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(temporary)`` then rename the temporary file to ``path``.

    The temporary name (``.<stem>.tmp<suffix>``, beside ``path``) keeps the
    suffix, so writers that pick a format from it (matplotlib) still work.
    """
    temporary = path.with_name(f".{path.stem}.tmp{path.suffix}")
    write(temporary)
    os.replace(temporary, path)


def write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")


def write_run(result: SimulationResult, out_dir: str | Path) -> list[Path]:
    """Write timeseries.csv, summary.json, manifest.json and awareness.png.

    Files are first written to a temporary folder beside ``out_dir`` and then
    renamed into place, so a failure leaves no half-written output.
    """
    from .plots import save_awareness_chart

    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        result.timeseries.to_csv(staging / "timeseries.csv", index=False)
        write_json(staging / "summary.json", result.summary)
        write_json(staging / "manifest.json", manifest(result))
        save_awareness_chart(result, staging / "awareness.png")
        out_dir.mkdir(exist_ok=True)
        written = []
        for item in sorted(staging.iterdir()):
            os.replace(item, out_dir / item.name)
            written.append(out_dir / item.name)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)
