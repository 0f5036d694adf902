"""Batches with real processes: workers, resume after SIGKILL, a Dask cluster."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.runs.batch import run_batch
from sim.runs.batchfile import load_batch
from sim.runs.design import build_design
from sim.runs.store import scan_parts
from sim.runs.plan import plan_runs, run_seed

from helpers import ROOT, SCENARIOS

RUN = [sys.executable, str(ROOT / "run.py")]


def write_batch(folder: Path, replications=3, size=800, hours=48, extra="") -> Path:
    path = folder / "batch.toml"
    path.write_text(f"""
scenarios = ["{SCENARIOS / 'optus_2022.toml'}", "{SCENARIOS / 'direct_first.toml'}"]
replications = {replications}
seed = 11
[set]
"population.size" = {size}
"scenario.hours" = {hours}
[grid]
"word_of_mouth.social" = [0.002, 0.008]
{extra}
""")
    return path


def frames(out: Path):
    return pd.read_parquet(out / "runs.parquet"), pd.read_parquet(out / "timeseries.parquet")


def assert_same(a: Path, b: Path):
    (ra, ta), (rb, tb) = frames(a), frames(b)
    pd.testing.assert_frame_equal(ra, rb)
    pd.testing.assert_frame_equal(ta, tb)


def test_plan_seeds_and_keys(tmp_path):
    spec = load_batch(write_batch(tmp_path))
    tasks = plan_runs(spec, build_design(spec)).tasks
    assert len(tasks) == 2 * 2 * 3 and len({t.key for t in tasks}) == 12
    assert len({t.run_id for t in tasks}) == 12       # every run ran something different
    # a run's seed depends on its point and replication only: scenarios share seeds
    by_key = {(t.scenario_index, t.point, t.replication): t.seed for t in tasks}
    assert by_key[(0, 1, 2)] == by_key[(1, 1, 2)] == run_seed(11, 1, 2)
    assert len(set(by_key.values())) == 6


def test_one_and_two_workers_give_identical_results(tmp_path):
    batch = write_batch(tmp_path)
    one = run_batch(batch, tmp_path / "one", workers=1, progress=False)
    two = run_batch(batch, tmp_path / "two", workers=2, progress=False)
    assert one.ok and two.ok and one.done == 12
    assert_same(tmp_path / "one", tmp_path / "two")
    runs, series = frames(tmp_path / "one")
    assert list(runs["run"]) == sorted(runs["run"])
    assert {"word_of_mouth.social", "seed", "hours_to_50pct_affected", "scenario"} <= set(runs.columns)
    assert len(series) == 12 * 49 and set(series["run"]) == set(runs["run"])
    manifest = json.loads((tmp_path / "one" / "manifest.json").read_text())
    assert manifest["counts"] == {"done": 12} and "SeedSequence" in manifest["seed_rule"]
    assert all(entry["seconds"] > 0 for entry in manifest["runs"].values())


def finished_runs(out: Path) -> int:
    """Runs held by the whole parts of a batch folder."""
    return len(scan_parts(out)[0]) if (out / "parts").is_dir() else 0


def _wait_for_parts(out: Path, count: int, proc, limit=120):
    """Wait until the parts in ``out`` hold at least ``count`` runs."""
    deadline = time.time() + limit
    while time.time() < deadline:
        parts = list((out / "parts").glob("[!.]*.parquet")) if (out / "parts").is_dir() else []
        if parts and finished_runs(out) >= count:
            return
        if proc.poll() is not None:
            raise AssertionError("the batch ended before it could be interrupted")
        time.sleep(0.05)
    raise AssertionError("no progress")


def test_sigkill_half_way_then_resume_gives_identical_results(tmp_path):
    batch = write_batch(tmp_path, replications=10, size=1500, hours=96)   # 40 runs
    run_batch(batch, tmp_path / "whole", workers=1, progress=False)
    out = tmp_path / "killed"
    proc = subprocess.Popen([*RUN, "batch", batch, "--out", out, "--workers", "2", "--quiet"],
                            cwd=ROOT, start_new_session=True)
    _wait_for_parts(out, 12, proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = finished_runs(out)
    assert 12 <= done_before < 40 and not (out / "runs.parquet").exists()
    # a part cut off mid-write must never count as complete
    victim = sorted((out / "parts").glob("[!.]*.parquet"))[0]
    victim.write_bytes(victim.read_bytes()[:200])
    resumed = subprocess.run([*RUN, "batch", batch, "--out", out, "--resume", "--quiet"],
                             cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert_same(tmp_path / "whole", out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"] == {"done": 40}


def test_existing_folder_needs_resume_and_the_same_batch_file(tmp_path):
    batch = write_batch(tmp_path, replications=1)
    run_batch(batch, tmp_path / "out", workers=1, progress=False)
    again = subprocess.run([*RUN, "batch", batch, "--out", tmp_path / "out"], cwd=ROOT,
                           capture_output=True, text=True)
    assert again.returncode == 2 and "--resume" in again.stderr
    other = tmp_path / "other.toml"
    other.write_text(batch.read_text())
    foreign = subprocess.run([*RUN, "batch", other, "--out", tmp_path / "out", "--resume"],
                             cwd=ROOT, capture_output=True, text=True)
    assert foreign.returncode == 2 and "same file" in foreign.stderr
    # the same file with more replications: the finished runs are kept, the new ones run
    batch.write_text(batch.read_text().replace("replications = 1", "replications = 2"))
    more = subprocess.run([*RUN, "batch", batch, "--out", tmp_path / "out", "--resume", "--quiet"],
                          cwd=ROOT, capture_output=True, text=True)
    assert more.returncode == 0, more.stderr
    assert "resume: reusing 4 finished runs, running 4 (4 new)" in more.stderr.splitlines()
    run_batch(batch, tmp_path / "fresh", workers=1, progress=False)
    assert_same(tmp_path / "fresh", tmp_path / "out")


def test_failed_runs_are_recorded_and_the_batch_carries_on(tmp_path):
    batch = tmp_path / "batch.toml"
    batch.write_text(f"""
scenarios = ["{SCENARIOS / 'optus_2022.toml'}"]
replications = 2
[set]
"scenario.hours" = 24
[grid]
"population.size" = [500, 900_000_000]
""")
    done = subprocess.run([*RUN, "batch", batch, "--out", tmp_path / "out", "--quiet"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "2 of 4 runs done, 2 failed" in done.stdout
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    failed = [e for e in manifest["runs"].values() if e["status"] == "failed"]
    assert len(failed) == 2 and all("GiB" in e["error"] for e in failed)
    assert len(pd.read_parquet(tmp_path / "out" / "runs.parquet")) == 2


@pytest.mark.parametrize("text, key", [
    ('scenarios = ["nope.toml"]\n', "scenarios.0"),
    ('scenarios = []\n', "scenarios"),
    ('scenarios = ["{optus}"]\nreplications = 0\n', "replications"),
    ('scenarios = ["{optus}"]\ncolour = 1\n', "colour"),
    ('scenarios = ["{optus}"]\n[set]\n"population.sise" = 5\n', "set.population.sise"),
    ('scenarios = ["{optus}"]\n[grid]\n"word_of_mouth.stifling" = [0.1, 1.5]\n', "grid.word_of_mouth.stifling"),
    ('scenarios = ["{optus}"]\n[sample]\nmethod = "magic"\nn = 4\n', "sample.method"),
    ('scenarios = ["{optus}"]\n[sample]\nmethod = "lhs"\nn = 4\n[sample.ranges]\n"seeds.count" = [5, 1]\n',
     "sample.ranges.seeds.count"),
])
def test_bad_batch_file_gets_one_line_and_status_2(tmp_path, text, key):
    batch = tmp_path / "batch.toml"
    batch.write_text(text.format(optus=SCENARIOS / "optus_2022.toml"))
    done = subprocess.run([*RUN, "batch", batch, "--out", tmp_path / "out"], cwd=ROOT,
                          capture_output=True, text=True)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert lines[0].startswith(f"error: {batch}: {key}:")
    assert not (tmp_path / "out").exists()


def test_samples_and_sensitivity(tmp_path):
    batch = tmp_path / "batch.toml"
    batch.write_text(f"""
scenarios = ["{SCENARIOS / 'optus_2022.toml'}"]
replications = 1
seed = 3
[set]
"population.size" = 600
"scenario.hours" = 72
[sample]
method = "sobol"
n = 8
[sample.ranges]
"word_of_mouth.social" = [0.001, 0.02]
"seeds.count" = [0, 20]
""")
    result = run_batch(batch, tmp_path / "out", workers=1, progress=False)
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    assert result.done == 8 * (2 + 2) == len(runs)
    assert (runs["seeds.count"] == runs["seeds.count"].round()).all()
    assert runs["word_of_mouth.social"].between(0.001, 0.02).all()
    done = subprocess.run([*RUN, "sensitivity", tmp_path / "out"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(tmp_path / "out" / "sensitivity.csv")
    assert {"S1", "ST", "parameter", "measure"} <= set(table.columns)
    social = table[(table.measure == "final_aware_share") & (table.parameter == "word_of_mouth.social")]
    assert social["ST"].item() > 0.3        # word of mouth drives how many ever hear
    assert (tmp_path / "out" / "sensitivity.png").read_bytes()[:4] == b"\x89PNG"


def test_lhs_points_cover_each_range_once_per_stratum(tmp_path):
    batch = tmp_path / "batch.toml"
    batch.write_text(f"""
scenarios = ["{SCENARIOS / 'optus_2022.toml'}"]
[sample]
method = "lhs"
n = 10
[sample.ranges]
"word_of_mouth.social" = [0.0, 0.01]
""")
    design = build_design(load_batch(batch))
    values = sorted(p["word_of_mouth.social"] for p in design.points)
    strata = [int(v / 0.001) for v in values]
    assert strata == list(range(10))


# ---- Dask ------------------------------------------------------------------------------
def _start(args, **kw):
    return subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, **kw)


@pytest.fixture
def dask_cluster(tmp_path):
    """A real scheduler and two single-process workers on 127.0.0.1."""
    pytest.importorskip("distributed")
    bin_dir = Path(sys.executable).parent
    file = tmp_path / "scheduler.json"
    procs = [_start([str(bin_dir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
                     "--no-dashboard", "--scheduler-file", str(file)])]
    deadline = time.time() + 60
    while not file.exists() and time.time() < deadline:
        time.sleep(0.1)
    address = json.loads(file.read_text())["address"]
    workers = [_start([str(bin_dir / "dask"), "worker", address, "--nthreads", "1", "--nworkers", "1",
                       "--no-dashboard", "--name", f"w{i}"]) for i in range(2)]
    procs += workers
    from distributed import Client
    with Client(address, timeout="30s") as client:
        client.wait_for_workers(2, timeout=60)
    yield address, workers
    for proc in procs:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def test_dask_cluster_gives_the_local_results_even_when_a_worker_dies(tmp_path, dask_cluster):
    address, workers = dask_cluster
    batch = write_batch(tmp_path, replications=8, size=1500, hours=96)     # 32 runs
    run_batch(batch, tmp_path / "local", workers=2, progress=False)
    on_dask = run_batch(batch, tmp_path / "dask", scheduler=address, progress=False)
    assert on_dask.ok and on_dask.done == 32
    assert_same(tmp_path / "local", tmp_path / "dask")
    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text())
    assert len({e["worker"] for e in manifest["runs"].values()}) == 2     # both workers used
    # workers that cannot see --out send their parts back through Dask instead
    sent = run_batch(batch, tmp_path / "sent", scheduler=address, progress=False, send_results=True)
    assert sent.ok and sent.done == 32
    assert_same(tmp_path / "local", tmp_path / "sent")
    # again, killing one worker mid-batch
    out = tmp_path / "dask_killed"
    proc = subprocess.Popen([*RUN, "batch", batch, "--out", out, "--scheduler", address, "--quiet"],
                            cwd=ROOT, start_new_session=True)
    _wait_for_parts(out, 6, proc)
    os.killpg(workers[0].pid, signal.SIGKILL)
    assert proc.wait(timeout=300) == 0
    assert_same(tmp_path / "local", out)


def test_grid_over_list_values(tmp_path):
    batch = tmp_path / "batch.toml"
    batch.write_text(f"""
scenarios = ["{SCENARIOS / 'optus_2022.toml'}"]
[set]
"population.size" = 500
"scenario.hours" = 200
[grid]
"channels.direct.campaigns.0.targets" = [["current"], ["former", "current"]]
""")
    result = run_batch(batch, tmp_path / "out", workers=1, progress=False)
    assert result.ok and result.done == 2
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    assert runs["messages_sent"].iloc[0] < runs["messages_sent"].iloc[1]   # current only: fewer
