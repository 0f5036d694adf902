"""The command line, run as a user would: real processes, real files."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from helpers import OPTUS, ROOT
from sim.model.consequences import CONSEQUENCE_COLUMNS
from sim.model.measures import COLUMNS
from sim.model.segments import SEGMENT_COLUMNS

SMALL = ["--set", "population.size=1500", "--set", "scenario.hours=72"]


def cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_run_writes_the_four_files(tmp_path):
    out = tmp_path / "x"
    done = cli("run", OPTUS, "--seed", 3, *SMALL, "--out", out)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        ".breachsim", "awareness.png", "manifest.json", "summary.json", "timeseries.csv"]
    ts = pd.read_csv(out / "timeseries.csv")
    segment = [f"segment_id_exposed_{what}" for what in SEGMENT_COLUMNS]     # Optus declares id_exposed
    assert list(ts.columns) == COLUMNS + segment + list(CONSEQUENCE_COLUMNS) and len(ts) == 73
    summary = json.loads((out / "summary.json").read_text())
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 3 and manifest["scenario"]["population"]["size"] == 1500
    assert {"numpy", "mesa", "python"} <= set(manifest["packages"])
    assert manifest["code_version"]
    assert (out / "awareness.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "time until 50% of affected aware" in done.stdout
    assert summary["hours_to_50pct_affected"] is None or summary["hours_to_50pct_affected"] > 0


def test_same_seed_same_files(tmp_path):
    for name in ("a", "b"):
        assert cli("run", OPTUS, "--seed", 9, *SMALL, "--out", tmp_path / name).returncode == 0
    assert (tmp_path / "a" / "timeseries.csv").read_bytes() == (tmp_path / "b" / "timeseries.csv").read_bytes()


@pytest.mark.parametrize("args, needle", [
    (["run", "nowhere.toml"], "nowhere.toml: no such file"),
    (["run", OPTUS, "--set", "population.size=-5"], "population.size"),
    (["run", OPTUS, "--set", "population.colour=red"], "population.colour"),
    (["run", OPTUS, "--set", "nonsense"], "key=value"),
])
def test_user_errors_get_one_line_and_status_2_and_no_output(tmp_path, args, needle):
    out = tmp_path / "out"
    done = cli(*args, "--out", out)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0]
    assert "Traceback" not in done.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_bad_file_error_names_the_file_and_key(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(f'[scenario]\nextends = "{OPTUS}"\n[population.customers]\ncurrent = 1.5\n')
    done = cli("run", bad, "--out", tmp_path / "o")
    assert done.returncode == 2
    assert done.stderr.strip() == (f"error: {bad}: population.customers.current: "
                                   "got 1.5; allowed: a share in [0, 1]")


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"]])
def test_help(args):
    done = cli(*args)
    assert done.returncode == 0 and "usage:" in done.stdout


def test_no_arguments_runs_the_bundled_comparison(tmp_path):
    done = cli(cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for name in ("Optus 2022", "Direct first", "Trusted channels", "Word of mouth"):
        assert name in done.stdout
    assert "report: out/compare/report.html and report.pdf" in done.stdout
    assert (tmp_path / "out" / "compare" / "report.html").is_file()
    assert (tmp_path / "out" / "compare" / "report.pdf").read_bytes().startswith(b"%PDF")


def test_compare_writes_the_report_and_its_numbers_match_the_runs(tmp_path):
    out = tmp_path / "cmp"
    done = cli("compare", OPTUS, ROOT / "scenarios" / "direct_first.toml", "--reps", 3,
               "--set", "population.size=1500", "--set", "scenario.hours=96", "--out", out, "--quiet")
    assert done.returncode == 0, done.stderr
    names = {p.name for p in out.iterdir()}
    assert {"awareness.png", "awareness.svg", "time_to_reach.png", "first_source.png", "trust.png",
            "cohorts.png", "summary.csv", "summary.md", "report.html", "batch"} <= names
    runs = pd.read_parquet(out / "batch" / "runs.parquet")
    summary = pd.read_csv(out / "summary.csv")
    assert len(runs) == 6 and list(summary["scenario"]) == ["Optus 2022 (as it happened)", "Direct first"]
    medians = runs.groupby("scenario")["hours_to_50pct_affected"].median()
    for _, row in summary.iterrows():
        assert row["hours_to_50pct_affected_median"] == medians[row["scenario"]]
    # scenarios share seeds (common random numbers)
    assert runs.groupby("replication")["seed"].nunique().eq(1).all()
