"""Engines declare themselves: a new engine is one new file, and nothing else changes.

The package is copied to a temporary folder, one file is added to its
``sim/model/engines/`` (a thin subclass of the fast engine under another name,
with its own costs), and the copy's command line runs it through ``run``,
``batch``, ``compare``, the memory and work checks and the Python API, with
no other edit.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sim.model.engine import DEFAULT_ENGINE, ENGINES, REGISTRY, engine_spec
from sim.model.engine_spec import EngineSpec

ROOT = Path(__file__).resolve().parent.parent

THIN = textwrap.dedent('''
    """A thin engine for a test: the fast engine under another name, with its own costs."""

    from ..engine_spec import EngineSpec
    from ..fast import FastEngine

    ENGINE = EngineSpec(name="thin", target="sim.model.engines.thin:ThinEngine",
                        help="a thin test engine", words="step by step (a thin test engine)",
                        bytes_per_person=4000, bytes_per_edge=11, max_person_steps=2e6,
                        needs=("numpy",))


    class ThinEngine(FastEngine):
        """The fast engine, renamed."""
''')


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    """The package and its bundled scenarios, copied, with the thin engine's file added."""
    place = tmp_path_factory.mktemp("pkg")
    shutil.copytree(ROOT / "sim", place / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "scenarios", place / "scenarios")
    (place / "sim" / "model" / "engines" / "thin.py").write_text(THIN, encoding="utf-8")
    return place


#: The copy's runs on the numpy path: numba would compile the copied kernels again (a minute).
COPY_ENV = {"BREACHSIM_KERNEL": "numpy"}


def breachsim(copy: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, **COPY_ENV, "PYTHONPATH": str(copy)}
    return subprocess.run([sys.executable, "-m", "sim", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def test_the_registry_holds_the_declared_engines_default_first():
    assert ENGINES[0] == DEFAULT_ENGINE and set(ENGINES) == {"fast", "agents"}
    assert all(isinstance(spec, EngineSpec) and spec.name == name for name, spec in REGISTRY.items())
    assert sum(spec.default for spec in REGISTRY.values()) == 1
    assert engine_spec("agents").bytes_per_person > engine_spec("fast").bytes_per_person


def test_a_new_engine_file_is_run_by_every_command(copy, tmp_path):
    small = ["--set", "population.size=400", "--set", "scenario.hours=48", "--quiet"]
    helped = breachsim(copy, "run", "--help", cwd=tmp_path)
    assert "agents (Mesa, one object per person) or thin (a thin test engine)" in " ".join(helped.stdout.split())
    run = breachsim(copy, "run", "optus_2022", "--engine", "thin", *small, "--out", "r", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["engine"] == "thin"
    batch = tmp_path / "thin.toml"
    batch.write_text(f'scenarios = ["{copy / "scenarios" / "optus_2022.toml"}"]\nreplications = 2\n'
                     f'engine = "thin"\n[set]\n"population.size" = 400\n"scenario.hours" = 48\n')
    done = breachsim(copy, "batch", batch, "--out", "b", "--workers", "1", "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "b" / "manifest.json").read_text())["batch"]["engine"] == "thin"
    compared = breachsim(copy, "compare", "optus_2022", "direct_first", "--reps", "2", "--engine", "thin",
                         *small, "--out", "c", "--workers", "1", cwd=tmp_path)
    assert compared.returncode == 0, compared.stderr
    assert "step by step (a thin test engine)" in (tmp_path / "c" / "report.html").read_text()


def test_a_new_engine_gets_the_memory_and_work_checks_it_declares(copy, tmp_path):
    too_long = breachsim(copy, "run", "optus_2022", "--engine", "thin", "--set", "population.size=20000",
                         "--quiet", "--out", "x", cwd=tmp_path)
    assert too_long.returncode == 2
    assert "the thin engine allows at most 2e+06" in too_long.stderr and not (tmp_path / "x").exists()
    api = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        from sim import load_scenario, simulate
        from sim.model.memory import estimate_bytes
        from sim.model.engines.fast import ENGINE
        from sim.runs.provenance import package_versions
        s = load_scenario("{copy / 'scenarios' / 'optus_2022.toml'}", {{"population.size": 300, "scenario.hours": 24}})
        fast, thin = estimate_bytes(s, "fast"), estimate_bytes(s, "thin")
        assert thin - fast == 300 * (4000 - ENGINE.bytes_per_person), (thin, fast)
        assert simulate(s, seed=3, engine="thin").summary == simulate(s, seed=3, engine="fast").summary
        assert "numpy" in package_versions()
        print("ok")
        """)], cwd=tmp_path, env={**os.environ, **COPY_ENV, "PYTHONPATH": str(copy)}, capture_output=True, text=True,
        timeout=300)
    assert api.stdout.strip() == "ok", api.stderr
