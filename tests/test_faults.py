"""Faults of the machine, with real processes: a full disk (a small tmpfs), read-only and
forbidden folders, a file-size limit, SIGTERM/SIGHUP/SIGINT, and Dask clusters that are
not Dask or lose their workers.

Each fault ends in one line naming what could not be written (or what failed), exit
status 1 (128 + N for a signal), no temporary left and no file cut short under its
final name; the finished runs are kept and running the command again continues.

The disk tests mount a tmpfs (root only; skipped elsewhere). The file-size limit
(``ulimit -f``, EFBIG) needs no privileges, so a full-disk-like fault is tested on
every machine.
"""

from __future__ import annotations

import errno
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.runs.faults import fault_line, stop_on_signals, stopped_line, written_name
from sim.runs.store import part_is_intact, read_part_index

from helpers import ROOT, SCENARIOS

RUN = [sys.executable, str(ROOT / "run.py")]
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.filterwarnings("ignore::sim.model.step_length.StepLengthWarning")


# ---- helpers ---------------------------------------------------------------------------
def cli(*args, prefix=(), preexec_fn=None, timeout=300):
    """Run the command line in a new process; returns the CompletedProcess."""
    return subprocess.run([*prefix, *RUN, *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, preexec_fn=preexec_fn)


def one_error_line(done, status: int, *words: str) -> str:
    """The one error line of a command that ended with ``status``, holding ``words``: the
    last line on stderr, the only one saying error or interrupted, and no traceback
    (progress notes such as ``wave 1 of 2`` or ``resume: ...`` may come before it)."""
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    said = [line for line in lines if line.startswith(("error", "interrupted"))]
    assert len(said) == 1 and said[0] == lines[-1], done.stderr
    assert done.returncode == status, done.stderr
    for word in words:
        assert word in said[0], said[0]
    return said[0]


def write_batch(folder: Path, replications=10, size=500, hours=96, name="batch.toml") -> Path:
    path = folder / name
    path.write_text(f"""
scenarios = ["{SCENARIOS / 'optus_2022.toml'}", "{SCENARIOS / 'direct_first.toml'}"]
replications = {replications}
seed = 11
[set]
"population.size" = {size}
"scenario.hours" = {hours}
""")
    return path


PNG_END = b"IEND\xaeB`\x82"


def assert_whole(path: Path) -> None:
    """A file under its final name is whole: it parses as what its name says."""
    data = path.read_bytes()
    if path.suffix == ".parquet":
        pq.read_metadata(path)
        if path.parent.name == "parts":
            assert read_part_index(path) is not None and part_is_intact(path), path
    elif path.suffix == ".json" or path.name == ".breachsim":
        json.loads(data)
    elif path.suffix == ".png":
        assert data.startswith(b"\x89PNG") and data.endswith(PNG_END), path
    elif path.suffix in (".html", ".svg"):
        assert data.rstrip().endswith((b"</html>", b"</svg>")), path
    elif path.suffix == ".csv":
        pd.read_csv(path)
    elif path.suffix == ".toml":
        tomllib.loads(data.decode())
    elif path.suffix == ".pdf":
        assert data.rstrip().endswith(b"%%EOF"), path


def assert_final_names_whole(folder: Path) -> None:
    """Every file under its final name is whole."""
    for path in folder.rglob("*"):
        if path.is_file() and ".tmp-" not in path.name and path.name not in (".lock", "filler"):
            assert_whole(path)


def assert_nothing_half_written(folder: Path) -> None:
    """No temporary file or staging folder left, and every file whole."""
    left = [p for p in folder.rglob("*") if ".tmp-" in p.name]
    assert not left, left
    assert_final_names_whole(folder)


def same_results(a: Path, b: Path) -> None:
    """The same runs and time series (run ids aside: they change with the model's code)."""
    for name in ("runs.parquet", "timeseries.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(a / name).drop(columns="run_id"),
                                      pd.read_parquet(b / name).drop(columns="run_id"))


def kept_of(line: str) -> tuple[int, int]:
    """(kept, total) from ``... 12 of 40 runs are kept ...``."""
    words = line.split(" runs are kept")[0].split()
    return int(words[-3]), int(words[-1])


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


# ---- a real small disk -----------------------------------------------------------------
@pytest.fixture
def mounts(tmp_path):
    """Mount real file systems for a test (tmpfs, read-only binds); unmounted after it."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    made: list[Path] = []

    def mount(*args: str, at: Path) -> Path:
        done = subprocess.run(["mount", *args, str(at)], capture_output=True, text=True)
        if done.returncode:
            pytest.skip(f"cannot mount here: {done.stderr.strip()}")
        made.append(at)
        return at

    yield mount
    for path in reversed(made):
        subprocess.run(["umount", str(path)], capture_output=True)


@pytest.fixture
def disk(tmp_path, mounts):
    """A 4 MB tmpfs, and a function leaving only ``free`` bytes of it free."""
    place = tmp_path / "disk"
    place.mkdir()
    mounts("-t", "tmpfs", "-o", "size=4m", "tmpfs", at=place)

    def leave(free: int) -> Path:
        filler = place / "filler"
        filler.unlink(missing_ok=True)
        spare = shutil.disk_usage(place).free - free
        with open(filler, "wb") as fh:
            fh.write(b"\0" * max(0, spare))
        return filler

    return place, leave


def read_only(mounts, folder: Path) -> None:
    """Make ``folder`` read-only for everyone, root too: a read-only bind mount on itself."""
    mounts("--bind", str(folder), at=folder)
    mounts("-o", "remount,bind,ro", at=folder)


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    """The reference: the fault batch (20 runs) run whole on an ordinary disk."""
    folder = tmp_path_factory.mktemp("whole")
    batch = write_batch(folder)
    done = cli("batch", batch, "--out", folder / "out", "--workers", "1", "--quiet")
    assert done.returncode == 0, done.stderr
    out = folder / "out"
    parts = sum(p.stat().st_size for p in (out / "parts").glob("*.parquet"))
    return out, parts, (out / "manifest.json").stat().st_size


# ---- disk full -------------------------------------------------------------------------
@pytest.mark.parametrize("workers", [1, 2])
def test_disk_full_while_parts_are_written_then_resume_finishes(tmp_path, disk, whole, workers):
    place, leave = disk
    reference, parts, manifest = whole
    batch = write_batch(tmp_path)
    filler = leave(3 * manifest + parts // 3)             # room for about a third of the runs
    out = place / "b"
    done = cli("batch", batch, "--out", out, "--workers", workers, "--quiet")
    line = one_error_line(done, 1, f"{out}", "no space left on device", "free there",
                          "more needed", "--resume")
    kept, total = kept_of(line)
    assert 0 < kept < total == 20
    assert not (out / "runs.parquet").exists()
    assert_nothing_half_written(out)        # also the temporaries of workers stopped mid-write
    filler.unlink()
    resumed = cli("batch", batch, "--out", out, "--resume", "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    same_results(reference, out)
    assert_nothing_half_written(out)


def test_disk_full_at_the_merge_keeps_every_run(tmp_path, disk, whole):
    place, leave = disk
    reference, parts, manifest = whole
    batch = write_batch(tmp_path)
    filler = leave(int(parts * 1.15) + 6 * manifest)      # the parts fit, the merged tables not
    out = place / "b"
    done = cli("batch", batch, "--out", out, "--workers", "1", "--quiet")
    line = one_error_line(done, 1, "no space left on device", "more needed",
                          "20 of 20 runs are kept", "--resume")
    assert "runs.parquet" not in line or "timeseries" in line
    assert_nothing_half_written(out)
    filler.unlink()
    resumed = cli("batch", batch, "--out", out, "--resume", "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    assert "reusing 20 finished runs, running 0" in resumed.stderr
    same_results(reference, out)


COMPARE = ["optus_2022", "direct_first", "--reps", "3", "--set", "population.size=500",
           "--set", "scenario.hours=96", "--workers", "1", "--quiet"]


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """A finished comparison on an ordinary disk (6 runs and its report)."""
    out = tmp_path_factory.mktemp("compared") / "c"
    done = cli("compare", *COMPARE, "--out", out)
    assert done.returncode == 0, done.stderr
    report = sum((out / name).stat().st_size for name in os.listdir(out)
                 if (out / name).is_file())
    return out, folder_size(out / "batch"), report


def test_compare_disk_full_in_the_report_then_again_finishes(disk, compared):
    place, leave = disk
    _, batch_bytes, report_bytes = compared
    filler = leave(int(batch_bytes * 1.3) + report_bytes // 4)
    out = place / "c"
    done = cli("compare", *COMPARE, "--out", out)
    one_error_line(done, 1, str(out), "no space left on device", "6 of 6 runs are kept",
                   "run the same command again")
    assert not (out / "report.html").exists()
    assert_nothing_half_written(out)
    filler.unlink()
    again = cli("compare", *COMPARE, "--out", out)
    assert again.returncode == 0, again.stderr
    assert_whole(out / "report.html")


def test_report_disk_full_writes_no_file_cut_short(disk, compared):
    place, leave = disk
    source, _, report_bytes = compared
    filler = leave(report_bytes // 3)
    done = cli("report", source, "--out", place / "r", "--quiet")
    line = one_error_line(done, 1, "no space left on device", "free there",
                          "run the same command again")
    assert "runs are kept" not in line
    assert_nothing_half_written(place / "r")
    filler.unlink()
    again = cli("report", source, "--out", place / "r", "--quiet")
    assert again.returncode == 0, again.stderr
    assert_whole(place / "r" / "report.html")


def test_calibrate_disk_full_then_again_finishes(tmp_path, disk):
    place, leave = disk
    targets = tmp_path / "targets.csv"
    targets.write_text("measure,hours,value\naware_affected,24,0.4\naware_affected,48,0.6\n")
    args = ["calibrate", "optus_2022", "--target", targets, "--fit",
            "word_of_mouth.social=0.002:0.03", "--budget", "30", "--reps", "2",
            "--set", "population.size=500", "--set", "scenario.hours=60", "--workers", "1",
            "--quiet", "--out", place / "cal"]
    filler = leave(120_000)
    done = cli(*args)
    line = one_error_line(done, 1, "no space left on device", "runs are kept",
                          "run the same command again")
    kept, total = kept_of(line)
    assert kept <= total
    assert_nothing_half_written(place / "cal")
    filler.unlink()
    again = cli(*args)
    assert again.returncode == 0, again.stderr
    assert_whole(place / "cal" / "calibrated.toml")


def test_run_disk_full_leaves_no_staging_and_no_output(disk):
    place, leave = disk
    leave(20_000)
    done = cli("run", "optus_2022", "--set", "population.size=500", "--out", place / "run",
               "--quiet")
    one_error_line(done, 1, "no space left on device", "run the same command again")
    assert not (place / "run").exists()
    assert [p.name for p in place.iterdir()] == ["filler"]


# ---- read-only and forbidden folders, file-size limit --------------------------------
def grown_batch(tmp_path: Path, out: Path) -> Path:
    """A finished 8-run batch in ``out`` whose batch file then asks for 20 runs."""
    batch = write_batch(tmp_path, replications=4)
    done = cli("batch", batch, "--out", out, "--workers", "1", "--quiet")
    assert done.returncode == 0, done.stderr
    write_batch(tmp_path, replications=10)
    return batch


def test_read_only_parts_folder_mid_resume(tmp_path, mounts, whole):
    out = tmp_path / "b"
    batch = grown_batch(tmp_path, out)
    read_only(mounts, out / "parts")
    done = cli("batch", batch, "--out", out, "--resume", "--workers", "2", "--quiet")
    one_error_line(done, 1, f"{out / 'parts'}: ", "read-only file system", "8 of 20 runs are kept",
                   "make the folder writable", "--resume")
    assert_nothing_half_written(out)
    subprocess.run(["umount", str(out / "parts")], check=True)
    resumed = cli("batch", batch, "--out", out, "--resume", "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    same_results(whole[0], out)


def test_read_only_output_folder_is_refused_before_anything_is_written(tmp_path, mounts):
    out = tmp_path / "b"
    batch = grown_batch(tmp_path, out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    read_only(mounts, out)
    for args in (["batch", batch, "--out", out, "--resume"], ["report", out, "--quiet"]):
        done = cli(*args)
        one_error_line(done, 2, f"{out}", "not writable")
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_forbidden_parts_folder_mid_resume(tmp_path, whole):
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run root without its override of permissions")
    out = tmp_path / "b"
    batch = grown_batch(tmp_path, out)
    (out / "parts").chmod(0o555)
    no_override = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    done = cli("batch", batch, "--out", out, "--resume", "--workers", "1", "--quiet",
               prefix=no_override)
    (out / "parts").chmod(0o755)
    one_error_line(done, 1, "permission denied", "8 of 20 runs are kept", "--resume")
    assert_nothing_half_written(out)
    resumed = cli("batch", batch, "--out", out, "--resume", "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    same_results(whole[0], out)


def _file_size_limit(limit: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_file_size_limit_mid_batch_then_resume(tmp_path, whole):
    """``ulimit -f``: writes past the limit fail with EFBIG (Python ignores SIGXFSZ)."""
    reference, parts, manifest = whole
    out = tmp_path / "b"
    batch = write_batch(tmp_path)
    limit = 3 * manifest                          # the manifest fits, a part of 2 runs not
    done = cli("batch", batch, "--out", out, "--workers", "2", "--quiet",
               preexec_fn=_file_size_limit(limit))
    one_error_line(done, 1, "file too large", "ulimit -f", "0 of 20 runs are kept", "--resume")
    assert_nothing_half_written(out)
    resumed = cli("batch", batch, "--out", out, "--resume", "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    same_results(reference, out)


def test_quota_and_unknown_errors_get_one_line_too(tmp_path):
    """EDQUOT needs a file system with quotas (not on this machine's tmpfs): the words only."""
    quota = OSError(errno.EDQUOT, os.strerror(errno.EDQUOT))
    line = fault_line(quota, "batch", tmp_path)
    assert line == (f"error: {tmp_path}: cannot write: disk quota exceeded; free some of your "
                    "disk quota, then run the same command with --resume to continue")
    io = OSError(errno.EIO, os.strerror(errno.EIO), str(tmp_path / ".summary.tmp-7-0a1b2c3d.json"))
    assert fault_line(io, "report", None) == (f"error: {tmp_path / 'summary.json'}: Input/output "
                                              "error (EIO); run the same command again")


def test_temporary_names_are_shown_as_what_they_were_becoming():
    assert written_name("/o/.summary.tmp-99-0a1b2c3d.json") == Path("/o/summary.json")
    assert written_name("/o/parts/.part.tmp-99-0a1b2c3d.parquet") == Path("/o/parts")
    assert written_name("/o/.run1.tmp-99-k2_9zq1x/summary.json") == Path("/o/run1/summary.json")
    assert written_name("/o/.thesis.tmp-backup") == Path("/o/.thesis.tmp-backup")
    assert written_name(None) is None


# ---- signals ---------------------------------------------------------------------------
def _children(pid: int) -> set[int]:
    """The processes below ``pid`` (from /proc: every process whose parent chain reaches it)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    below, grew = set(), True
    while grew:
        grew = False
        for child, parent in parents.items():
            if (parent == pid or parent in below) and child not in below:
                below.add(child)
                grew = True
    return below


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def wait_for(condition, what: str, limit: float = 120.0) -> None:
    """Wait until ``condition()`` holds (a state, not a time); fail after ``limit`` s."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def done_in_manifest(out: Path) -> int:
    try:
        return json.loads((out / "manifest.json").read_text()).get("counts", {}).get("done", 0)
    except (OSError, ValueError):
        return 0


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_stops_a_batch_like_ctrl_c_and_resume_finishes(tmp_path, signum):
    # 320 runs, about 8 s on two cores: the manifest is rewritten at most every 2 s
    batch = write_batch(tmp_path, replications=160, size=20_000, hours=240)
    out = tmp_path / "b"
    proc = subprocess.Popen([*RUN, "batch", batch, "--out", out, "--workers", "2", "--quiet"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        wait_for(lambda: done_in_manifest(out) > 0 or proc.poll() is not None,
                 "a run done in the manifest")
        assert proc.poll() is None, "the batch ended before the signal"
        workers = _children(proc.pid)
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    name = "" if signum == signal.SIGINT else f" by {signal.Signals(signum).name}"
    done = subprocess.CompletedProcess(proc.args, proc.returncode, "", stderr)
    line = one_error_line(done, 128 + signum, f"interrupted{name}: ",
                          "runs kept; rerun with --resume")
    kept = int(line.split(": ", 1)[1].split()[0])
    assert 0 < kept < 320
    assert workers, "the batch had no worker processes"
    wait_for(lambda: not any(_alive(p) for p in workers), "the workers to end")
    resumed = cli("batch", batch, "--out", out, "--resume", "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads((out / "manifest.json").read_text())["counts"] == {"done": 320}


FORK_CHECK = """
import os, signal, sys
from sim.runs.faults import stop_on_signals
with stop_on_signals():
    inside = signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    pid = os.fork()
    if pid == 0:                                    # the child: default SIGTERM, ends at once
        if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
            os._exit(3)
        os.kill(os.getpid(), signal.SIGTERM)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    print(inside, os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM)
print(signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)
"""


def test_forked_workers_keep_the_default_sigterm():
    """Inside a command SIGTERM is caught; a process forked there (a local worker) gets the
    default back, so a worker told to end ends at once (checked in a fresh, one-thread process,
    where fork is safe)."""
    done = subprocess.run([sys.executable, "-c", FORK_CHECK], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.stdout.split() == ["True", "True", "True"], done.stderr


def test_sigterm_inside_a_command_raises_where_ctrl_c_would():
    with pytest.raises(KeyboardInterrupt):
        with stop_on_signals() as state:
            signal.raise_signal(signal.SIGTERM)
            raise AssertionError("the handler raises before this line")
    assert state.signum == signal.SIGTERM
    assert stopped_line("interrupted: 3 of 9 runs kept; x", state) == \
        "interrupted by SIGTERM: 3 of 9 runs kept; x"
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


# ---- Dask ------------------------------------------------------------------------------
class FakeService:
    """A TCP service on 127.0.0.1 that is not Dask: it accepts and then stays silent,
    sends garbage, or closes at once."""

    def __init__(self, behaviour: str):
        self.behaviour = behaviour
        self.server = socket.create_server(("127.0.0.1", 0))
        self.address = f"tcp://127.0.0.1:{self.server.getsockname()[1]}"
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            if self.behaviour == "garbage":
                try:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nServer: not-dask\r\n\r\n" * 50)
                except OSError:
                    pass
            if self.behaviour == "close":
                conn.close()
            else:
                self.held.append(conn)

    def close(self) -> None:
        self.server.shutdown(socket.SHUT_RDWR)          # wakes the accept() of the thread
        self.server.close()
        for conn in self.held:
            conn.close()
        self.thread.join(10)


#: The command line with short Dask limits: 3 s to connect, fetch, or go without a worker.
SHORT_DASK = ("import sys, sim.runs.batch as b; "
              "b.NO_WORKER_GRACE = b.CONNECT_TIMEOUT = b.DASK_FETCH_TIMEOUT = 3; "
              "from sim.cli.main import main; sys.exit(main(sys.argv[1:]))")


@pytest.mark.parametrize("behaviour, words", [
    ("silent", "no Dask answer within 3 s"),
    ("garbage", "it answered, but not as a Dask scheduler"),
    ("close", "it closed the connection without answering as a Dask scheduler"),
])
def test_a_scheduler_address_that_is_not_dask_gets_one_line_in_time(tmp_path, behaviour, words):
    pytest.importorskip("distributed")
    service = FakeService(behaviour)
    try:
        start = time.monotonic()
        done = subprocess.run([sys.executable, "-c", SHORT_DASK, "batch",
                               str(write_batch(tmp_path, replications=1)), "--out",
                               str(tmp_path / "b"), "--scheduler", service.address, "--quiet"],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)
        took = time.monotonic() - start
    finally:
        service.close()
    one_error_line(done, 2, f"error: --scheduler: cannot reach {service.address}: {words}")
    assert took < 20
    assert not (tmp_path / "b").exists()


def _start(args):
    """A Dask process that can import this test module (for a test's own execute function)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"),
                                                        os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, env=env)


def _stop(procs) -> None:
    for proc in procs:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


@pytest.fixture
def scheduler(tmp_path):
    """A real Dask scheduler on 127.0.0.1, and a function starting workers for it."""
    pytest.importorskip("distributed")
    file = tmp_path / "scheduler.json"
    procs = [_start([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
                     "--no-dashboard", "--scheduler-file", str(file)])]

    def workers(n: int) -> list[subprocess.Popen]:
        started = [_start([str(BIN / "dask"), "worker", address, "--nthreads", "1",
                           "--no-dashboard", "--name", f"w{len(procs)}-{i}"]) for i in range(n)]
        procs.extend(started)
        from distributed import Client
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(n, timeout=60)
        return started

    try:
        wait_for(lambda: file.exists() and file.stat().st_size > 0, "the scheduler file", 60)
        wait_for(lambda: "address" in file.read_text(), "the scheduler's address", 60)
        address = json.loads(file.read_text())["address"]
        yield address, workers, procs
    finally:
        _stop(procs)


def dask_batch(batch: Path, out: Path, address: str) -> subprocess.Popen:
    """The command line running ``batch`` on ``address``, with a 3 s grace for no worker."""
    return subprocess.Popen([sys.executable, "-c", SHORT_DASK, "batch", str(batch), "--out",
                             str(out), "--scheduler", address, "--quiet"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def a_part_or_the_end(out: Path, proc) -> bool:
    return ((out / "parts").is_dir() and any((out / "parts").glob("[!.]*.parquet"))
            or proc.poll() is not None)


def test_losing_every_dask_worker_ends_the_batch_with_one_line(tmp_path, scheduler, whole):
    address, workers, _ = scheduler
    batch = write_batch(tmp_path)
    first = workers(2)
    out = tmp_path / "b"
    proc = dask_batch(batch, out, address)
    try:
        wait_for(lambda: a_part_or_the_end(out, proc), "a part on disk")
        _stop(first)
        _, stderr = proc.communicate(timeout=120)
    finally:
        _stop([proc])
    done = subprocess.CompletedProcess(proc.args, proc.returncode, "", stderr)
    line = one_error_line(done, 1, f"--scheduler {address}: no Dask worker left for 3 s",
                          "once it has workers again", "--resume")
    kept, total = kept_of(line)
    assert 0 < kept < total == 20
    assert_final_names_whole(out)           # a worker killed mid-write leaves its temporary,
    workers(1)                              # which the resume removes (its writer is gone)
    resumed = cli("batch", batch, "--out", out, "--resume", "--scheduler", address, "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    same_results(whole[0], out)
    assert_nothing_half_written(out)


def test_losing_the_dask_scheduler_ends_the_batch_with_one_line(tmp_path, scheduler, whole):
    address, workers, procs = scheduler
    batch = write_batch(tmp_path)
    workers(1)
    out = tmp_path / "b"
    proc = dask_batch(batch, out, address)
    try:
        wait_for(lambda: a_part_or_the_end(out, proc), "a part on disk")
        _stop(procs[:1])                    # the scheduler
        _, stderr = proc.communicate(timeout=120)
    finally:
        _stop([proc])
    done = subprocess.CompletedProcess(proc.args, proc.returncode, "", stderr)
    line = one_error_line(done, 1, f"--scheduler {address}: lost the connection to the Dask "
                          "scheduler", "once the scheduler is back", "--resume")
    kept, total = kept_of(line)
    assert 0 < kept < total == 20
    resumed = cli("batch", batch, "--out", out, "--resume", "--quiet")      # on this machine
    assert resumed.returncode == 0, resumed.stderr
    same_results(whole[0], out)
    assert_nothing_half_written(out)


def die_on_the_first_run(chunk):
    """A worker's execute that kills its process on the chunk holding the batch's first run
    (as a segfault or the out-of-memory killer would) and runs every other chunk as usual."""
    from sim.runs.batch import execute_chunk

    if any(run[0] == os.environ.get("BREACHSIM_TEST_DIE_ON") for run in chunk.runs):
        os._exit(70)
    return execute_chunk(chunk)


def test_a_chunk_whose_dask_workers_keep_dying_is_recorded_failed(tmp_path, scheduler,
                                                                   monkeypatch):
    from sim.runs.batch import run_batch
    from sim.runs.batchfile import load_batch
    from sim.runs.design import build_design
    from sim.runs.plan import plan_runs

    address, workers, _ = scheduler
    batch = write_batch(tmp_path, replications=2)
    spec = load_batch(batch)
    first = plan_runs(spec, build_design(spec)).tasks[0]
    monkeypatch.setenv("BREACHSIM_TEST_DIE_ON", first.run_id)     # inherited by the workers
    workers(1)
    result = run_batch(batch, tmp_path / "b", scheduler=address, progress=False,
                       say=lambda line: None, _execute=die_on_the_first_run)
    assert 0 < result.failed < result.total == 4 and result.done == result.total - result.failed
    assert "worker process died" in result.first_error
    runs = json.loads((tmp_path / "b" / "manifest.json").read_text())["runs"]
    assert runs[first.key]["status"] == "failed"


def test_a_result_cancelled_by_a_lost_scheduler_while_fetched_ends_the_batch_with_one_line():
    """The race behind a lost scheduler: a chunk's future is finished when looked at, and
    its fetch is then cancelled because the connection went ("scheduler-connection-lost").
    That is the lost scheduler's one line, not a traceback; a cancellation by the cluster
    while connected is its own line."""
    from distributed.client import FutureCancelledError

    from sim.runs.batch import ClusterLost, _dask_outcome

    class Fetched:
        status = "finished"

        def __init__(self, reason):
            self.reason = reason

        def result(self, timeout=None):
            raise FutureCancelledError("breachsim-x-0", reason=self.reason)

    class Client:
        def __init__(self, status):
            self.status = status

    with pytest.raises(ClusterLost) as lost:
        _dask_outcome(Fetched("scheduler-connection-lost"), None, Client("running"), "tcp://h:1")
    assert "lost the connection to the Dask scheduler" in str(lost.value)
    with pytest.raises(ClusterLost) as lost:
        _dask_outcome(Fetched("stimulus"), None, Client("closed"), "tcp://h:1")
    assert "lost the connection to the Dask scheduler" in str(lost.value)
    with pytest.raises(ClusterLost) as cancelled:
        _dask_outcome(Fetched("stimulus"), None, Client("running"), "tcp://h:1")
    assert "the cluster cancelled the batch's tasks" in str(cancelled.value)
