"""A user's files are never deleted or overwritten (issue 15, section 1).

Every command writes only into folders it owns (they carry breachsim's
marker), cleans up only what it can prove it made, follows no link when
locking, turns no name from a file into a path unchecked, notices a damaged
part before reusing it, and holds its folder's lock for as long as it writes.
"""

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import sim.reporting
from sim.errors import ScenarioError
from sim.runs.files import FolderLock, claim_folder, folder_kind, write_marker
from sim.runs.store import PARTS, PART_NAME

from helpers import OPTUS, ROOT

RUN = [sys.executable, str(ROOT / "run.py")]
SMALL = ["--set", "population.size=300", "--set", "scenario.hours=48"]
DEAD = 2**22 + 4321          # no such process on Linux (pid_max is at most 2**22)


def cli(*args, cwd=ROOT, timeout=300):
    return subprocess.run([*RUN, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def batch_file(folder: Path, replications=4) -> Path:
    path = folder / "batch.toml"
    path.write_text(f'scenarios = ["{OPTUS}"]\nreplications = {replications}\nseed = 5\n'
                    '[set]\n"population.size" = 300\n"scenario.hours" = 48\n')
    return path


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` with its bytes (None for folders)."""
    return {str(p.relative_to(folder)): (None if p.is_dir() else p.read_bytes())
            for p in sorted(folder.rglob("*"))}


def one_error_line(done, *words):
    assert done.returncode == 2, done.stderr
    line = done.stderr.strip()
    assert "\n" not in line and line.startswith("error:") and "Traceback" not in line, line
    for word in words:
        assert word in line, line
    return line


# ---- stale-temporary cleanup removes only what the tool made -------------------------------
def users_lookalikes(folder: Path) -> None:
    """A user's own files whose names merely look like temporaries."""
    (folder / ".thesis.tmp-backup").write_text("my thesis")
    (folder / ".report.tmp-99999999-final.docx").write_text("my report")
    (folder / ".photos.tmp-2019").mkdir()
    (folder / ".photos.tmp-2019" / "beach.jpg").write_bytes(b"\xff\xd8\xff photo")
    # named exactly like a staging folder of a dead process, but not made by breachsim
    (folder / f".x.tmp-{DEAD}-abcd1234").mkdir()
    (folder / f".x.tmp-{DEAD}-abcd1234" / "notes.txt").write_text("mine")
    (folder / f".notes.tmp-{DEAD}-abcd1234.txt").write_text("mine too")


def test_no_command_removes_a_users_lookalike_temporaries(tmp_path):
    users_lookalikes(tmp_path)
    before = snapshot(tmp_path)
    assert cli("run", OPTUS, *SMALL, "--out", tmp_path / "x", "--quiet").returncode == 0
    assert cli("compare", OPTUS, "--reps", 2, *SMALL, "--out", tmp_path / "cmp",
               "--quiet").returncode == 0
    assert cli("report", tmp_path / "cmp", "--out", tmp_path / "rep", "--quiet").returncode == 0
    assert cli("batch", batch_file(tmp_path, 2), "--out", tmp_path / "b", "--quiet").returncode == 0
    after = snapshot(tmp_path)
    assert {k: v for k, v in after.items() if k in before} == before


def test_stale_staging_is_removed_only_with_the_marker(tmp_path):
    ours = tmp_path / f".x.tmp-{DEAD}-abcd_123"
    ours.mkdir()
    write_marker(ours, "run")
    users = tmp_path / f".x.tmp-{DEAD}-abcd_124"
    users.mkdir()
    (users / "keep.txt").write_text("mine")
    assert cli("run", OPTUS, *SMALL, "--out", tmp_path / "x", "--quiet").returncode == 0
    assert not ours.exists() and (users / "keep.txt").read_text() == "mine"


# ---- a folder is ours only if it carries our marker -------------------------------------
def users_folder(folder: Path) -> Path:
    folder.mkdir()
    for name in ("summary.csv", "report.html", "awareness.png"):
        (folder / name).write_text(f"the user's own {name}")
    return folder


@pytest.mark.parametrize("command", [
    ["compare", OPTUS, "--reps", 1, *SMALL],
    ["run", OPTUS, *SMALL],
    ["batch", "BATCH"],
])
def test_commands_refuse_a_users_folder_and_write_nothing(tmp_path, command):
    folder = users_folder(tmp_path / "mine")
    command = [batch_file(tmp_path / "mine", 1) if c == "BATCH" else c for c in command]
    before = snapshot(tmp_path)
    one_error_line(cli(*command, "--out", folder), "breachsim did not write", str(folder.name))
    assert snapshot(tmp_path) == before


def test_report_refuses_a_users_folder(tmp_path):
    assert cli("compare", OPTUS, "--reps", 1, *SMALL, "--out", tmp_path / "cmp",
               "--quiet").returncode == 0
    folder = users_folder(tmp_path / "mine")
    before = snapshot(folder)
    one_error_line(cli("report", tmp_path / "cmp", "--out", folder), "breachsim did not write")
    assert snapshot(folder) == before
    with pytest.raises(ScenarioError, match="did not write"):
        sim.reporting.write_report(sim.reporting.load_results(tmp_path / "cmp"), folder)
    assert snapshot(folder) == before


def test_run_refuses_a_folder_holding_any_manifest(tmp_path):
    extension = tmp_path / "extension"          # a web extension's source folder
    extension.mkdir()
    (extension / "manifest.json").write_text('{"manifest_version": 3}')
    one_error_line(cli("run", OPTUS, *SMALL, "--out", extension), "breachsim did not write")
    assert [p.name for p in extension.iterdir()] == ["manifest.json"]
    batch = tmp_path / "batch"                  # a batch folder (or a copy of one) is no run folder
    assert cli("batch", batch_file(tmp_path, 1), "--out", batch, "--quiet").returncode == 0
    before = snapshot(batch)
    one_error_line(cli("run", OPTUS, *SMALL, "--out", batch), "batch folder, not a run folder")
    assert snapshot(batch) == before


def test_a_run_folder_is_replaced_whole_and_marked(tmp_path):
    out = tmp_path / "x"
    assert cli("run", OPTUS, *SMALL, "--out", out, "--quiet").returncode == 0
    assert folder_kind(out) == "run"
    assert cli("run", OPTUS, *SMALL, "--seed", 2, "--out", out, "--quiet").returncode == 0
    assert json.loads((out / "manifest.json").read_text())["seed"] == 2


def test_a_scenario_named_dots_never_makes_the_current_folder_the_output(tmp_path):
    dots = tmp_path / "...toml"
    dots.write_text(OPTUS.read_text())
    work = tmp_path / "work"
    work.mkdir()
    (work / "thesis.txt").write_text("mine")
    one_error_line(cli("run", dots, *SMALL, cwd=work), "default --out", "give --out")
    assert [p.name for p in work.iterdir()] == ["thesis.txt"]


# ---- names from files become paths only after a check -----------------------------------
def test_a_run_key_never_leads_outside_out(tmp_path):
    batch = tmp_path / "b"
    assert cli("batch", batch_file(tmp_path, 1), "--out", batch, "--quiet").returncode == 0
    manifest = json.loads((batch / "manifest.json").read_text())
    entry = next(iter(manifest["runs"].values()))
    manifest["runs"]["../../escaped"] = dict(entry)
    (batch / "manifest.json").write_text(json.dumps(manifest))
    work = tmp_path / "work"
    work.mkdir()
    one_error_line(cli("run", "--from-batch", batch, "--run", "../../escaped", "--quiet", cwd=work),
                   "--run", "give --out")
    assert not (tmp_path / "escaped").exists() and list(work.iterdir()) == []
    # the same run under a name of our own is fine
    done = cli("run", "--from-batch", batch, "--run", "../../escaped", "--out", work / "ok",
               "--quiet")
    assert done.returncode == 0, done.stderr


# ---- a damaged part is noticed before reuse ---------------------------------------------
def test_a_part_with_one_flipped_byte_is_discarded_and_run_again(tmp_path):
    batch, out = batch_file(tmp_path, 4), tmp_path / "out"
    first = cli("batch", batch, "--out", out, "--quiet", "--workers", "1")
    assert first.returncode == 0, first.stderr
    runs_before = pd.read_parquet(out / "runs.parquet")
    parts = sorted((out / PARTS).glob("*.parquet"))
    assert parts and all(PART_NAME.match(p.name) for p in parts)
    data = bytearray(parts[0].read_bytes())
    data[len(data) // 2] ^= 0x01
    parts[0].write_bytes(bytes(data))
    again = cli("batch", batch, "--out", out, "--quiet", "--resume", "--workers", "1")
    assert again.returncode == 0, again.stderr
    assert "damaged part" in again.stderr and "run again" in again.stderr
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), runs_before)


# ---- locks ------------------------------------------------------------------------------
def test_compare_holds_its_folder_while_it_writes_the_report(tmp_path, monkeypatch):
    out = tmp_path / "cmp"
    seen = []
    real = sim.reporting.write_report

    def write_report_while_another_tries(*args, **kwargs):
        seen.append(cli("compare", OPTUS, "--reps", 1, *SMALL, "--out", out, "--quiet"))
        seen.append(cli("report", out, "--quiet"))
        return real(*args, **kwargs)

    monkeypatch.setattr(sim.reporting, "write_report", write_report_while_another_tries)
    from sim.reporting.compare import compare

    compare([OPTUS], out, replications=2, overrides={"population.size": 300,
                                                     "scenario.hours": 48}, workers=1,
            progress=False)
    for done in seen:
        one_error_line(done, "in use by compare process")
    assert len(pd.read_parquet(out / "batch" / "runs.parquet")) == 2


def test_a_lock_that_is_a_link_or_a_folder_is_refused(tmp_path):
    batch = batch_file(tmp_path, 1)
    victim = tmp_path / "precious.txt"
    victim.write_text("do not empty me")
    out = tmp_path / "out"
    claim_folder(out, "batch")
    (out / ".lock").symlink_to(victim)
    one_error_line(cli("batch", batch, "--out", out), ".lock", "not a lock file")
    assert victim.read_text() == "do not empty me"
    (out / ".lock").unlink()
    (out / ".lock").mkdir()
    one_error_line(cli("batch", batch, "--out", out), ".lock", "not a lock file")


def test_a_dead_holders_lock_is_taken_over_saying_so(tmp_path):
    batch, out = batch_file(tmp_path, 1), tmp_path / "out"
    claim_folder(out, "batch")
    (out / ".lock").write_text(f"batch process {DEAD} on {socket.gethostname()}")
    done = cli("batch", batch, "--out", out, "--quiet")
    assert done.returncode == 0, done.stderr
    assert f"took over the lock of batch process {DEAD}" in done.stderr
    with FolderLock(out, "batch") as lock:           # cleanly released: nothing to take over
        assert lock.taken_over == ""


def _children(pid: int) -> set[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return set()
    return {int(c) for c in text.split()}


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_for(condition, what: str, limit: float = 120.0) -> None:
    """Poll until ``condition()`` holds (the limit only turns a hang into a failure)."""
    import time

    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.05)


def test_workers_end_with_a_killed_parent_and_resume_is_not_refused(tmp_path):
    batch, out = batch_file(tmp_path, 40), tmp_path / "out"
    parent = subprocess.Popen([*RUN, "batch", batch, "--out", out, "--quiet", "--workers", "2"],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    try:
        def two_workers_busy():
            workers.update(_children(parent.pid))
            return len(workers) >= 2 and any((out / PARTS).glob("*.parquet")) \
                if (out / PARTS).is_dir() else False
        _wait_for(two_workers_busy, "two workers running and a part written")
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        _wait_for(lambda: not any(_alive(w) for w in workers), "the orphaned workers ending")
    finally:
        for pid in workers | {parent.pid}:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    done = cli("batch", batch, "--out", out, "--quiet", "--resume")
    assert done.returncode == 0, done.stderr
    assert "in use" not in done.stderr
    assert len(pd.read_parquet(out / "runs.parquet")) == 40
