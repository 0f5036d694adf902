"""Results a user can trust: runs keyed by what they ran, reproduced from their
manifest, one writer per folder, clean stops, and a tool that installs."""

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
from sim.reporting.compare import compare
from sim.runs.files import FolderLock, claim_folder, write_marker
from sim.reporting.run_outputs import batch_timeseries, run_from_batch
from sim.runs.store import scan_parts
from sim.model.simulate import simulate

from helpers import OPTUS, ROOT, SCENARIOS

RUN = [sys.executable, str(ROOT / "run.py")]
SMALL = {"population.size": 800, "scenario.hours": 72}


def cli(*args, cwd=ROOT, timeout=300):
    return subprocess.run([*RUN, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def copy_scenarios(folder: Path) -> tuple[Path, Path]:
    """Optus and Direct first as files of our own, to edit."""
    for name in ("optus_2022", "direct_first"):
        (folder / f"{name}.toml").write_text((SCENARIOS / f"{name}.toml").read_text())
    return folder / "optus_2022.toml", folder / "direct_first.toml"


def batch_file(folder: Path, scenarios, seed=11, replications=2) -> Path:
    path = folder / "batch.toml"
    names = ", ".join(f'"{s}"' for s in scenarios)
    path.write_text(f"""
scenarios = [{names}]
replications = {replications}
seed = {seed}
[set]
"population.size" = 800
"scenario.hours" = 72
""")
    return path


def frames(out: Path):
    return pd.read_parquet(out / "runs.parquet"), pd.read_parquet(out / "timeseries.parquet")


def assert_same_results(a: Path, b: Path):
    for x, y in zip(frames(a), frames(b)):
        pd.testing.assert_frame_equal(x, y)


# ---- identity: reuse and resume go by what a run ran -------------------------------------
def test_editing_a_scenario_between_two_compares_changes_the_figures(tmp_path):
    optus, direct = copy_scenarios(tmp_path)
    notes = []
    first, _ = compare([optus, direct], tmp_path / "cmp", replications=2, overrides=SMALL,
                       workers=1, progress=False, say=notes.append)
    before = pd.read_parquet(first.runs_path).set_index("run")
    direct.write_text(direct.read_text().replace("start_hour = 0", "start_hour = 30"))
    second, _ = compare([optus, direct], tmp_path / "cmp", replications=2, overrides=SMALL,
                        workers=1, progress=False, say=notes.append)
    after = pd.read_parquet(second.runs_path).set_index("run")
    # Optus is unchanged: its runs are reused as they were; Direct first ran again
    assert "resume: reusing 2 finished runs, running 2 (2 changed (scenario, seed or engine differs))" in notes
    optus_runs = [k for k in after.index if k.startswith("s00")]
    pd.testing.assert_frame_equal(before.loc[optus_runs], after.loc[optus_runs])
    late = [k for k in after.index if k.startswith("s01")]
    assert (after.loc[late, "hours_to_50pct_affected"] > before.loc[late, "hours_to_50pct_affected"]).all()
    # the merged tables hold only runs of the current definition: as a fresh comparison
    fresh, _ = compare([optus, direct], tmp_path / "fresh", replications=2, overrides=SMALL,
                       workers=1, progress=False)
    assert_same_results(tmp_path / "cmp" / "batch", tmp_path / "fresh" / "batch")


def test_resume_after_editing_a_scenario_holds_only_the_new_runs(tmp_path):
    optus, direct = copy_scenarios(tmp_path)
    batch = batch_file(tmp_path, [optus, direct])
    run_batch(batch, tmp_path / "out", workers=1, progress=False)
    direct.write_text(direct.read_text().replace("start_hour = 0", "start_hour = 30"))
    notes = []
    resumed = run_batch(batch, tmp_path / "out", workers=1, progress=False, resume=True,
                        say=notes.append)
    assert resumed.reused == 2 and resumed.done == 4 and any("running 2" in n for n in notes)
    run_batch(batch, tmp_path / "fresh", workers=1, progress=False)
    assert_same_results(tmp_path / "out", tmp_path / "fresh")
    # the old scenario's parts are gone: every part holds runs of this definition
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert set(scan_parts(tmp_path / "out")[0]) == {e["run_id"] for e in manifest["runs"].values()}
    assert manifest["scenarios"][1]["data"]["channels"]["direct"]["campaigns"][0]["start_hour"] == 30


def test_a_part_copied_from_another_batch_is_not_taken_for_this_one(tmp_path):
    batch = batch_file(tmp_path, [OPTUS], seed=11, replications=1)
    run_batch(batch, tmp_path / "mine", workers=1, progress=False)
    expected = frames(tmp_path / "mine")
    other = tmp_path / "other"
    other.mkdir()
    run_batch(batch_file(other, [OPTUS], seed=12, replications=1), other / "out", workers=1,
              progress=False)
    # put the other batch's part in place of ours, as if copied under the same name
    mine = next((tmp_path / "mine" / "parts").glob("[!.]*.parquet"))
    theirs = next((other / "out" / "parts").glob("[!.]*.parquet"))
    mine.unlink()
    (tmp_path / "mine" / "parts" / mine.name).write_bytes(theirs.read_bytes())
    notes = []
    again = run_batch(batch, tmp_path / "mine", workers=1, progress=False, resume=True,
                      say=notes.append)
    assert again.reused == 0 and again.done == 1
    for x, y in zip(expected, frames(tmp_path / "mine")):
        pd.testing.assert_frame_equal(x, y)


def test_the_same_run_gives_the_same_result_alone_or_in_a_batch(tmp_path):
    batch = batch_file(tmp_path, [OPTUS], replications=3)
    result = run_batch(batch, tmp_path / "out", workers=2, progress=False)
    replay = run_from_batch(tmp_path / "out", "s00-p00000-r0002")
    alone = simulate(replay.scenario, seed=replay.seed, engine=replay.engine)
    stored = batch_timeseries(result.out, "s00-p00000-r0002")
    pd.testing.assert_frame_equal(alone.timeseries.reset_index(drop=True),
                                  stored.reset_index(drop=True), check_dtype=False)
    assert replay.warning == "" and replay.run_id == replay.recorded_id


# ---- reproducing a run from its manifest ---------------------------------------------------
def test_run_from_manifest_and_from_batch_reproduce_byte_for_byte(tmp_path):
    first = cli("run", OPTUS, "--seed", 5, "--set", "population.size=900", "--out", tmp_path / "a", "--quiet")
    assert first.returncode == 0, first.stderr
    again = cli("run", "--from-manifest", tmp_path / "a" / "manifest.json", "--out", tmp_path / "b", "--quiet")
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "a" / "timeseries.csv").read_bytes() == (tmp_path / "b" / "timeseries.csv").read_bytes()
    assert (tmp_path / "a" / "summary.json").read_bytes() == (tmp_path / "b" / "summary.json").read_bytes()
    batch = batch_file(tmp_path, [OPTUS, SCENARIOS / "direct_first.toml"])
    run_batch(batch, tmp_path / "batch", workers=1, progress=False)
    one = cli("run", "--from-batch", tmp_path / "batch", "--run", "s01-p00000-r0001",
              "--out", tmp_path / "c", "--quiet")
    assert one.returncode == 0, one.stderr
    written = pd.read_csv(tmp_path / "c" / "timeseries.csv")
    stored = batch_timeseries(tmp_path / "batch", "s01-p00000-r0001")
    pd.testing.assert_frame_equal(written, stored.reset_index(drop=True), check_dtype=False)
    missing = cli("run", "--from-batch", tmp_path / "batch", "--run", "s09-p00000-r0000", "--out", tmp_path / "d")
    assert missing.returncode == 2 and "no run 's09-p00000-r0000'" in missing.stderr
    assert not (tmp_path / "d").exists()


# ---- one writer per folder; nothing half-written ----------------------------------------------
def test_a_second_batch_on_a_busy_folder_is_refused_naming_the_holder(tmp_path):
    batch = batch_file(tmp_path, [OPTUS], replications=1)
    out = tmp_path / "out"
    claim_folder(out, "batch")
    with FolderLock(out, "batch"):
        refused = cli("batch", batch, "--out", out, "--quiet")
    assert refused.returncode == 2
    line = refused.stderr.strip()
    assert line.count("\n") == 0 and f"batch process {os.getpid()}" in line and "in use" in line
    assert cli("batch", batch, "--out", out, "--quiet").returncode == 0


def test_two_batches_started_at_once_on_one_folder(tmp_path):
    batch = batch_file(tmp_path, [OPTUS], replications=6)
    out = tmp_path / "out"
    procs = [subprocess.Popen([*RUN, "batch", batch, "--out", out, "--quiet", "--workers", "1"],
                              cwd=ROOT, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    errors = [p.communicate(timeout=300)[1] for p in procs]      # reads and closes each pipe
    codes = sorted(p.returncode for p in procs)
    assert codes == [0, 2], errors
    assert not any("Traceback" in e for e in errors)
    assert len(frames(out)[0]) == 6


def test_stale_temporaries_of_killed_runs_are_removed(tmp_path):
    dead = 2**22 + 12345            # no such process on Linux (pid_max is at most 2**22)
    batch = batch_file(tmp_path, [OPTUS], replications=1)
    out = tmp_path / "out"
    run_batch(batch, out, workers=1, progress=False)
    stale = out / "parts" / f".x.tmp-{dead}-abcd1234.parquet"
    stale.write_bytes(b"half")
    run_batch(batch, out, workers=1, progress=False, resume=True)
    assert not stale.exists()
    staging = tmp_path / f".run.tmp-{dead}-abcd_123"        # as swap_in_folder names it
    staging.mkdir()
    write_marker(staging, "run")
    (staging / "timeseries.csv").write_text("half")
    done = cli("run", OPTUS, "--set", "population.size=300", "--out", tmp_path / "run", "--quiet")
    assert done.returncode == 0 and not staging.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_run_refuses_an_out_that_is_a_file_or_a_foreign_folder_before_running(tmp_path):
    file = tmp_path / "taken"
    file.write_text("mine")
    done = cli("run", OPTUS, "--out", file)
    assert done.returncode == 2 and "is a file" in done.stderr and file.read_text() == "mine"
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "todo.txt").write_text("mine")
    done = cli("run", OPTUS, "--out", folder)
    assert done.returncode == 2 and "breachsim did not write" in done.stderr
    assert [p.name for p in folder.iterdir()] == ["todo.txt"]
    for command in (["batch", batch_file(tmp_path, [OPTUS])], ["compare", OPTUS]):
        done = cli(*command, "--out", file)
        assert done.returncode == 2 and "is a file" in done.stderr, done.stderr


# ---- Ctrl-C and schedulers ------------------------------------------------------------------
def test_ctrl_c_keeps_finished_runs_and_says_how_to_resume(tmp_path):
    batch = batch_file(tmp_path, [OPTUS], replications=60)
    out = tmp_path / "out"
    # two chunks may run, the rest wait: the batch cannot finish before the signal arrives
    held = [sys.executable, str(ROOT / "tests" / "held_batch.py"), "2"]
    proc = subprocess.Popen([*held, "batch", batch, "--out", out, "--workers", "2", "--quiet"],
                            cwd=ROOT, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env={**os.environ, "HELD_BATCH_TOKENS": str(tmp_path / "tokens")})
    try:
        deadline = time.monotonic() + 300        # only turns a hang into a failure
        while len(list((out / "parts").glob("[!.]*.parquet"))) < 2:
            assert time.monotonic() < deadline and proc.poll() is None, proc.stderr.read()
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)      # as a terminal does: the whole process group
        err = proc.communicate(timeout=300)[1].strip()
        code = proc.returncode
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert code == 130, err
    assert "Traceback" not in err and len(err.splitlines()) == 1
    kept = len(scan_parts(out)[0])
    assert err == f"interrupted: {kept} of 60 runs kept; rerun with --resume"
    assert 0 < kept < 60
    resumed = cli("batch", batch, "--out", out, "--resume", "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    assert f"reusing {kept} finished runs" in resumed.stderr


@pytest.mark.parametrize("address, needle", [
    ("not an address", "allowed: an address such as tcp://HOST:8786"),
    ("tcp://127.0.0.1:1", "cannot reach tcp://127.0.0.1:1"),
])
def test_a_bad_scheduler_gets_one_line_and_leaves_nothing(tmp_path, address, needle):
    out = tmp_path / "out"
    done = cli("batch", batch_file(tmp_path, [OPTUS]), "--out", out, "--scheduler", address)
    assert done.returncode == 2 and needle in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and not out.exists()


@pytest.mark.parametrize("args, needle", [
    (["batch", "BATCH", "--workers", "0"], "--workers: got 0"),
    (["batch", "BATCH", "--workers", "-1"], "--workers: got -1"),
    (["run", OPTUS, "--seed", "-1"], "--seed: got -1"),
    (["compare", OPTUS, "--reps", "0"], "--reps: got 0"),
    (["run", "--run", "s00-p00000-r0000"], "only with --from-batch"),
    (["run", "--from-batch", "nowhere"], "needs --run"),
])
def test_bad_options_get_one_line(tmp_path, args, needle):
    args = [batch_file(tmp_path, [OPTUS]) if a == "BATCH" else a for a in args]
    done = cli(*args, "--out", tmp_path / "out")
    assert done.returncode == 2 and needle in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and not (tmp_path / "out").exists()


def test_summary_json_is_strict_json_when_there_are_no_customers(tmp_path):
    done = cli("run", OPTUS, "--set", "population.customers.current=0", "--set",
               "population.customers.former=0", "--set", "population.size=300", "--out",
               tmp_path / "x", "--quiet")
    assert done.returncode == 0, done.stderr

    def no_constants(name):
        raise AssertionError(f"bare {name} in JSON")

    summary = json.loads((tmp_path / "x" / "summary.json").read_text(), parse_constant=no_constants)
    assert summary["final_company_trust_affected"] is None


# ---- installed as a tool ------------------------------------------------------------------------
def test_an_installed_copy_finds_its_bundled_scenarios_from_any_folder(tmp_path):
    target = tmp_path / "site"
    built = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                            "--target", target, str(ROOT)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    assert (target / "sim" / "scenarios" / "optus_2022.toml").is_file()
    # every module, template and data file of the package is installed
    shipped = {p.relative_to(ROOT / "sim") for p in (ROOT / "sim").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    shipped |= {Path("scenarios") / p.relative_to(ROOT / "scenarios")
                for p in (ROOT / "scenarios").rglob("*") if p.is_file()}
    missing = [str(p) for p in shipped if not (target / "sim" / p).is_file()]
    assert missing == []
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    version = subprocess.run([sys.executable, "-m", "sim", "--version"], cwd=elsewhere, env=env,
                             capture_output=True, text=True)
    assert version.stdout.startswith("breachsim ")
    done = subprocess.run([sys.executable, "-m", "sim", "run", "direct_first", "--set",
                           "population.size=300", "--out", "x", "--quiet"], cwd=elsewhere, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((elsewhere / "x" / "manifest.json").read_text())
    assert manifest["scenario_file"].startswith(str(target))
    assert manifest["scenario"]["scenario"]["name"] == "Direct first"


def test_the_code_digest_follows_model_code_not_presentation(tmp_path, monkeypatch):
    import shutil

    from sim.runs import provenance

    copy = tmp_path / "sim"
    shutil.copytree(ROOT / "sim", copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(provenance, "PACKAGE_DIR", copy)

    def digest():
        provenance.code_digest.cache_clear()
        return provenance.code_digest()

    before = digest()
    for not_model in ("reporting/text.py", "cli/main.py", "reporting/run_chart.py", "config/scenario.py",
                      "runs/batch.py", "analysis/robustness.py", "errors.py"):
        (copy / not_model).write_text((copy / not_model).read_text() + "\n# edited\n")
    assert digest() == before
    for model in ("model/rules.py", "model/fast_numba.py"):
        (copy / model).write_text((copy / model).read_text() + "\n# edited\n")
        assert digest() != before
        before = digest()
    provenance.code_digest.cache_clear()
