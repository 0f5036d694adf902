"""Every auxiliary file answered like a scenario file, and corrupted folders before
``report`` (issue 15, sections 3 and 4).

Calibration targets, ``--fit`` ranges, posteriors, robustness ranges, network
files, robustness / sensitivity tables and the folders ``report`` reads: each
bad case through the command line exits with status 2 and one line on stderr
that starts with ``error:`` and names the file (no traceback), and writes
nothing. Special files are refused before they are opened, so a named pipe
with no writer cannot hang a command: those cases run in a child process
with a time-out as a guard (the test waits for the process to end).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.calibration.posterior import read_posterior
from sim.cli.main import main
from sim.errors import ScenarioError
from sim.runs.files import write_marker
from sim.model.network import read_network_file
from sim.config.ranges import MIN_WIDTH
from sim.reporting.results import (AnalysisTableWarning, find_analysis_table, load_results,
                                   read_analysis_table, results_from_frames)
from sim.analysis.robustness import robustness_spec
from sim.config.targets import MAX_TARGETS, load_targets

pytestmark = pytest.mark.filterwarnings("ignore::sim.model.step_length.StepLengthWarning")
ROOT = Path(__file__).resolve().parent.parent
OPTUS = ROOT / "scenarios" / "optus_2022.toml"
DIRECT = ROOT / "scenarios" / "direct_first.toml"
GOOD_TARGETS = "measure,hours,value\naware,12,0.5\n"
FIT = "word_of_mouth.social=0.002:0.03"


# ---- helpers ----------------------------------------------------------------------------
def one_error_line(code: int, err: str, needle: str, file: str) -> str:
    """Exit status 2, one line on stderr starting with ``error:``, naming ``file`` and saying ``needle``."""
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    assert file in lines[0] and needle in lines[0], lines[0]
    return lines[0]


def answered(capsys, argv: list[str], needle: str, file: str, out: Path) -> str:
    """``main(argv)`` answers in one line naming ``file``; ``out`` is not written."""
    code = main([*argv, "--out", str(out)])
    line = one_error_line(code, capsys.readouterr().err, needle, file)
    assert not out.exists()
    return line


def answered_by_child(argv: list[str], needle: str, file: str, out: Path, cwd: Path) -> str:
    """The same through ``python run.py`` in a child process (for named pipes: a hang
    would be a failure, not a test that never ends)."""
    proc = subprocess.run([sys.executable, str(ROOT / "run.py"), *argv, "--out", str(out)],
                          capture_output=True, text=True, cwd=cwd, timeout=120,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    line = one_error_line(proc.returncode, proc.stderr, needle, file)
    assert not out.exists()
    return line


def fifo(path: Path) -> Path:
    """A named pipe with no writer."""
    os.mkfifo(path)
    return path


def sparse(path: Path, size: int) -> Path:
    """A file of ``size`` bytes that takes no disk space (zeros)."""
    with open(path, "wb") as fh:
        fh.truncate(size)
    return path


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def latin1(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("latin-1"))
    return path


def calibrate_argv(target: Path, *fits: str, extra: tuple[str, ...] = ()) -> list[str]:
    argv = ["calibrate", str(OPTUS), "--target", str(target), "--quiet", "--budget", "60",
            "--set", "population.size=300", *extra]
    for fit in fits or (FIT,):
        argv += ["--fit", fit]
    return argv


# ---- calibration targets -----------------------------------------------------------------
def _rows(n: int) -> str:
    return "measure,hours,value\n" + "".join(f"aware,{1 + i % 40},0.5\n" for i in range(n))


TARGET_FILES = {
    "device": (lambda d: Path("/dev/zero"), "character device"),
    "folder": (lambda d: (d / "targets.csv").mkdir() or d / "targets.csv", "a folder"),
    "endless": (lambda d: sparse(d / "targets.csv", 50 * 1024 * 1024), "at most 1 MB"),
    "latin-1": (lambda d: latin1(d / "targets.csv", "measure,hours,value\n# caf\xe9\naware,3,0.5\n"),
                "not a UTF-8 text file"),
    "2,000 rows": (lambda d: write(d / "targets.csv", _rows(2000)), f"at most {MAX_TARGETS}"),
    "NUL in a cell": (lambda d: write(d / "targets.csv", "measure,hours,value\naware,1\x00,0.5\n"),
                      "a number"),
    "missing": (lambda d: d / "targets.csv", "no such file"),
}


@pytest.mark.parametrize("case", TARGET_FILES)
def test_bad_target_files_one_line(tmp_path, capsys, case):
    make, needle = TARGET_FILES[case]
    target = make(tmp_path)
    answered(capsys, calibrate_argv(target), needle, target.name, tmp_path / "out")


def test_a_target_pipe_with_no_writer_is_refused_not_waited_for(tmp_path):
    target = fifo(tmp_path / "targets.csv")
    answered_by_child(calibrate_argv(target), "named pipe", "targets.csv", tmp_path / "out", tmp_path)


def test_a_long_target_file_names_the_first_row_beyond_the_limit(tmp_path):
    path = write(tmp_path / "targets.csv", _rows(MAX_TARGETS + 1))
    with pytest.raises(ScenarioError) as info:
        load_targets(path)
    assert info.value.key == f"line {MAX_TARGETS + 2}"
    assert len(load_targets(write(tmp_path / "ok.csv", _rows(MAX_TARGETS)))) == MAX_TARGETS


def test_a_calibration_with_many_targets_says_it_is_fitting_them(tmp_path, capsys):
    """From 25 target points on, each wave says it is fitting one emulator per point."""
    target = write(tmp_path / "targets.csv", "measure,hours,value\n"
                   + "".join(f"aware,{1 + i},0.3\n" for i in range(25)))
    argv = calibrate_argv(target, extra=("--set", "scenario.hours=30", "--budget", "52",
                                         "--workers", "1", "--out", str(tmp_path / "out")))
    argv[argv.index("population.size=300")] = "population.size=200"
    assert main(argv) == 0
    assert "wave 1: fitting 25 emulators, one per target point" in capsys.readouterr().err


@pytest.mark.parametrize("rows, extra, fits, needle", [
    ("aware,12,0.5\naware,61,0.5\n", ("--set", "scenario.hours=60"), (), "line 4: hours: got 61"),
    ("aware,12,0.5\naware,61,0.5\n", ("--set", "scenario.hours=60"), (), "0 to 60"),
    ("aware,50,0.5\n", (), (FIT, "scenario.hours=40:80"), "0 to 40"),
])
def test_targets_beyond_the_run_name_the_row_and_the_allowed_range(tmp_path, capsys, rows, extra,
                                                                   fits, needle):
    target = write(tmp_path / "targets.csv", "# comment\nmeasure,hours,value\n" + rows)
    answered(capsys, calibrate_argv(target, *fits, extra=extra), needle, "targets.csv",
             tmp_path / "out")


# ---- --fit ranges --------------------------------------------------------------------------
@pytest.mark.parametrize("fit, needle", [
    ("word_of_mouth.social=1e-320:2e-320", "too narrow"),                  # denormal
    ("word_of_mouth.social=0:5e-324", "too narrow"),
    ("word_of_mouth.social=0.01:0.0100000001", "too narrow"),              # below 0.01% of 0.01
    (f"word_of_mouth.social=0.5:{0.5 + MIN_WIDTH / 2}", "too narrow"),
    ("word_of_mouth.social=nan:0.1", "finite numbers"),
    ("word_of_mouth.social=0:inf", "finite numbers"),
    ("word_of_mouth.social=0:1e400", "finite numbers"),
    ("word_of_mouth.social=0.03:0.01", "LO < HI"),
    ("seeds.count=1.5:4", "whole-number bounds"),
])
def test_bad_fit_ranges_one_line(tmp_path, capsys, fit, needle):
    target = write(tmp_path / "targets.csv", GOOD_TARGETS)
    answered(capsys, calibrate_argv(target, fit), needle, "--fit", tmp_path / "out")


# ---- posteriors -----------------------------------------------------------------------------
POSTERIORS = {
    "2.7 for a whole number": ("sample,seeds.count\n0,3\n1,2.7\n", "line 3: seeds.count: got '2.7'"),
    "text for a number": ("sample,word_of_mouth.social\n0,abc\n", "got 'abc'"),
    "a column twice": ("sample,trust.company,trust.company\n0,0.3,0.4\n", "given twice"),
    "a short row": ("sample,trust.company,trust.peer\n0,0.3\n", "2 cells; the header has 3"),
    "a share above 1": ("sample,trust.company\n0,1.5\n", "a share in [0, 1]"),
    "no rows": ("sample,trust.company\n", "no rows"),
}


@pytest.mark.parametrize("case", POSTERIORS)
def test_bad_posteriors_one_line(tmp_path, capsys, case):
    text, needle = POSTERIORS[case]
    posterior = write(tmp_path / "posterior.csv", text)
    argv = ["compare", str(OPTUS), "--reps", "2", "--set", "population.size=300", "--quiet",
            "--posterior", str(posterior)]
    answered(capsys, argv, needle, "posterior.csv", tmp_path / "out")


@pytest.mark.parametrize("make, needle", [
    (lambda d: latin1(d / "posterior.csv", "sample,trust.company\n# \xe9\n0,0.3\n"), "not a UTF-8"),
    (lambda d: (d / "posterior.csv").mkdir() or d / "posterior.csv", "a folder"),
    (lambda d: sparse(d / "posterior.csv", 65 * 1024 * 1024), "at most 64 MB"),
])
def test_posterior_files_are_read_like_scenario_files(tmp_path, capsys, make, needle):
    posterior = make(tmp_path)
    argv = ["robustness", str(OPTUS), str(DIRECT), "--samples", "2", "--reps", "1", "--quiet",
            "--posterior", str(posterior)]
    answered(capsys, argv, needle, "posterior.csv", tmp_path / "out")


def test_a_posterior_pipe_is_refused(tmp_path):
    posterior = fifo(tmp_path / "posterior.csv")
    argv = ["compare", str(OPTUS), "--reps", "2", "--quiet", "--posterior", str(posterior)]
    answered_by_child(argv, "named pipe", "posterior.csv", tmp_path / "out", tmp_path)


def test_a_posterior_key_the_scenarios_lack_names_the_posterior(tmp_path, capsys):
    posterior = write(tmp_path / "posterior.csv", "sample,channels.media.releases.9.reach\n0,0.5\n")
    argv = ["robustness", str(OPTUS), str(DIRECT), "--samples", "2", "--reps", "1", "--quiet",
            "--posterior", str(posterior)]
    answered(capsys, argv, "cannot be set in optus_2022.toml", "posterior.csv", tmp_path / "out")


def test_whole_number_posterior_values_stay_whole(tmp_path):
    table = read_posterior(write(tmp_path / "p.csv", "# a comment\nsample,seeds.count,trust.company\n"
                                                      "0,3,0.25\n1,4.0,0.5\n"))
    assert list(table.columns) == ["seeds.count", "trust.company"]
    assert table["seeds.count"].tolist() == [3, 4] and table["seeds.count"].dtype.kind == "i"
    assert table["trust.company"].tolist() == [0.25, 0.5]


# ---- robustness ranges ----------------------------------------------------------------------
def _range(key: str, low: str, high: str) -> str:
    return f'["{key}"]\nlow = {low}\nhigh = {high}\nwhy = "test"\n'


RANGES = {
    "a list item the scenario lacks": (_range("channels.media.releases.9.reach", "0.1", "0.5"),
                                       "cannot be set in optus_2022.toml: no item 9"),
    "denormal": (_range("trust.company", "0.0", "5e-324"), "too narrow"),
    "one ulp": (_range("trust.company", "0.1", "0.1000000000000001"), "too narrow"),
    "nan": (_range("trust.company", "nan", "0.5"), "allowed: a share in [0, 1]"),
    "inf": (_range("trust.company", "0.1", "inf"), "allowed: a share in [0, 1]"),
    "low above high": (_range("trust.company", "0.5", "0.1"), "low < high"),
    "not valid TOML": ("[trust.company\n", "not valid TOML"),
}


@pytest.mark.parametrize("case", RANGES)
def test_bad_ranges_files_one_line(tmp_path, capsys, case):
    text, needle = RANGES[case]
    ranges = write(tmp_path / "ranges.toml", text)
    argv = ["robustness", str(OPTUS), str(DIRECT), "--samples", "2", "--reps", "1", "--quiet",
            "--ranges", str(ranges)]
    answered(capsys, argv, needle, "ranges.toml", tmp_path / "out")


@pytest.mark.parametrize("make, needle", [
    (lambda d: sparse(d / "ranges.toml", 5 * 1024 * 1024), "at most 4 MB"),
    (lambda d: latin1(d / "ranges.toml", '# caf\xe9\n'), "not a UTF-8"),
    (lambda d: Path("/dev/null"), "character device"),
])
def test_ranges_files_are_read_like_scenario_files(tmp_path, capsys, make, needle):
    ranges = make(tmp_path)
    argv = ["robustness", str(OPTUS), str(DIRECT), "--samples", "2", "--reps", "1", "--quiet",
            "--ranges", str(ranges)]
    answered(capsys, argv, needle, ranges.name, tmp_path / "out")


def test_a_ranges_pipe_is_refused(tmp_path):
    ranges = fifo(tmp_path / "ranges.toml")
    argv = ["robustness", str(OPTUS), str(DIRECT), "--samples", "2", "--quiet", "--ranges", str(ranges)]
    answered_by_child(argv, "named pipe", "ranges.toml", tmp_path / "out", tmp_path)


def test_a_cohort_of_a_single_trust_value_can_be_ranged(tmp_path):
    ranges = write(tmp_path / "ranges.toml", _range("trust.company.gen_z", "0.1", "0.5"))
    spec, sampled, _ = robustness_spec([OPTUS, DIRECT], 4, 1, 1, {"population.size": 300},
                                       ranges_file=ranges)
    assert (sampled["trust.company.gen_z"].low, sampled["trust.company.gen_z"].high) == (0.1, 0.5)
    assert spec.sample["ranges"]["trust.company.gen_z"] == [0.1, 0.5]


# ---- network files --------------------------------------------------------------------------
def _file_network(folder: Path, edges: str | bytes, name: str = "edges.csv") -> Path:
    path = folder / name
    path.write_bytes(edges if isinstance(edges, bytes) else edges.encode("utf-8"))
    return write(folder / "net.toml", f'[scenario]\nextends = "{OPTUS.as_posix()}"\nhours = 4\n'
                                      f'[network]\nkind = "file"\npath = "{name}"\n[seeds]\ncount = 1\n')


@pytest.mark.parametrize("text, people, edges", [
    ("source,target\n0,1\n1,2\n", 3, 2),           # a header is not two more people
    ("from to\nalice bob\nbob carol\n", 3, 2),
    ("# comment\nnode1 node2\n0 1\n1 2\n2 0\n", 3, 3),
    ("person friend\n0 1\n1 2\n", 3, 2),           # two words over whole numbers
    ("0 1\n1 2\n", 3, 2),
    ("alice bob\nbob carol\ncarol dave\n", 4, 3),  # names throughout
])
def test_an_edge_list_header_is_skipped(tmp_path, text, people, edges):
    size, layer = read_network_file(write(tmp_path / "edges.csv", text))
    assert (size, layer.edges) == (people, edges)


def test_a_file_network_with_a_header_runs_with_its_own_people(tmp_path, capsys):
    scenario = _file_network(tmp_path, "source,target\n0,1\n1,2\n2,3\n")
    assert main(["run", str(scenario), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["agents"] == 4


@pytest.mark.parametrize("edges, needle", [
    ("0 1\n1 2\nx 3\n", "line 3: node label 'x' is not a whole number"),
    ("0 1\n2\n", "line 2: expected two node labels"),
    ("# nothing\n", "no edges"),
    ("caf\xe9 bob\n".encode("latin-1"), "not a UTF-8"),
])
def test_bad_edge_lists_one_line(tmp_path, capsys, edges, needle):
    scenario = _file_network(tmp_path, edges)
    answered(capsys, ["run", str(scenario), "--quiet"], needle, "edges.csv", tmp_path / "out")


@pytest.mark.parametrize("text, needle", [
    ('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<graphml/>',
     "declares XML entities"),
    ("<graphml", "not a readable GraphML file"),
])
def test_bad_graphml_one_line(tmp_path, capsys, text, needle):
    scenario = _file_network(tmp_path, text, "net.graphml")
    answered(capsys, ["run", str(scenario), "--quiet"], needle, "net.graphml", tmp_path / "out")


@pytest.mark.parametrize("make, needle", [
    (lambda d: fifo(d / "edges.txt"), "named pipe"),
    (lambda d: Path("/dev/zero"), "character device"),
    (lambda d: (d / "edges.txt").mkdir() or d / "edges.txt", "a folder"),
])
def test_network_files_are_read_like_scenario_files(tmp_path, make, needle):
    path = make(tmp_path)
    with pytest.raises(ScenarioError) as info:
        read_network_file(path)
    assert info.value.key == "network.path" and needle in info.value.line()


# ---- a compare folder to report on ----------------------------------------------------------
@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """A small finished comparison (2 scenarios x 2 runs of 300 people)."""
    out = tmp_path_factory.mktemp("compared") / "cmp"
    code = main(["compare", str(OPTUS), str(DIRECT), "--reps", "2", "--set", "population.size=300",
                 "--out", str(out), "--quiet", "--workers", "1"])
    assert code == 0
    return out


def _edit_json(path: Path, change) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


def _edit_table(path: Path, change) -> None:
    table = pd.read_parquet(path)
    changed = change(table)                     # a new table, or None when changed in place
    (table if changed is None else changed).to_parquet(path, index=False)


def _replace(path: Path, make) -> None:
    path.unlink()
    make(path)


def _set(key, value):
    def change(d):
        d[key] = value
    return change


CORRUPTIONS = {
    # (what is done to the copy of the compare folder, the file named, what the line says)
    "truncated runs": (lambda b: (b / "runs.parquet").write_bytes((b / "runs.parquet").read_bytes()[:100]),
                       "runs.parquet", "not a readable Parquet table"),
    "garbage runs": (lambda b: (b / "runs.parquet").write_bytes(b"garbage\n"), "runs.parquet",
                     "not a readable Parquet table"),
    "truncated series": (lambda b: (b / "timeseries.parquet").write_bytes(b"PAR1\0\0"),
                         "timeseries.parquet", "not a readable Parquet table"),
    "empty manifest": (lambda b: (b / "manifest.json").write_bytes(b""), "manifest.json", "not JSON"),
    "garbage manifest": (lambda b: (b / "manifest.json").write_bytes(b"\x89PNG\r\n"), "manifest.json",
                         "not a UTF-8"),
    "manifest a list": (lambda b: write(b / "manifest.json", "[1, 2]"), "manifest.json", "a JSON list"),
    "manifest a string": (lambda b: write(b / "manifest.json", '"x"'), "manifest.json", "a JSON string"),
    "manifest nested deeply": (lambda b: write(b / "manifest.json", "[" * 100_000 + "]" * 100_000),
                               "manifest.json", "nested too deeply"),
    "manifest without batch": (lambda b: _edit_json(b / "manifest.json", lambda d: d.pop("batch")),
                               "manifest.json", "batch: missing"),
    "batch a string": (lambda b: _edit_json(b / "manifest.json", _set("batch", "x")), "manifest.json",
                       "batch: got a string"),
    "design a string": (lambda b: _edit_json(b / "manifest.json", _set("design", "x")), "manifest.json",
                        "design: got a string"),
    "design points not tables": (lambda b: _edit_json(b / "manifest.json",
                                                      lambda d: d["design"].update(points=[1])),
                                 "manifest.json", "design.points: got a list holding a number"),
    "scenarios not tables": (lambda b: _edit_json(b / "manifest.json", _set("scenarios", ["x"])),
                             "manifest.json", "scenarios: got a list holding a string"),
    "scenario data broken": (lambda b: _edit_json(b / "manifest.json",
                                                  lambda d: d["scenarios"][0]["data"].update(scenario="x")),
                             "manifest.json", "scenarios.0.data.scenario"),
    "batch scenarios a number": (lambda b: _edit_json(b / "manifest.json",
                                                      lambda d: d["batch"].update(scenarios=5)),
                                 "manifest.json", "batch.scenarios: got a number"),
    "manifest a folder": (lambda b: _replace(b / "manifest.json", Path.mkdir), "manifest.json", "a folder"),
    "manifest a pipe": (lambda b: _replace(b / "manifest.json", fifo), "manifest.json", "named pipe"),
    "runs a folder": (lambda b: _replace(b / "runs.parquet", Path.mkdir), "runs.parquet", "a folder"),
    "runs missing": (lambda b: (b / "runs.parquet").unlink(), "runs.parquet", "no such file"),
    "people per agent NaN": (lambda b: _edit_table(b / "runs.parquet", lambda t: t.__setitem__(
        "people_per_agent", np.nan)), "runs.parquet", "runs.people_per_agent: got nan"),
    "hours infinite": (lambda b: _edit_table(b / "runs.parquet", lambda t: t.__setitem__(
        "hours_to_50pct_affected", np.inf)), "runs.parquet", "runs.hours_to_50pct_affected: got inf"),
    "share above 1": (lambda b: _edit_table(b / "runs.parquet", lambda t: t.__setitem__(
        "unaware_affected_share_24h", 7.0)), "runs.parquet", "runs.unaware_affected_share_24h: got 7"),
    "counts as text": (lambda b: _edit_table(b / "runs.parquet", lambda t: t.__setitem__(
        "affected_agents", "x")), "runs.parquet", "runs.affected_agents: a column of"),
    "events not JSON": (lambda b: _edit_table(b / "runs.parquet", lambda t: t.__setitem__(
        "events", "{garbage")), "runs.parquet", "runs.events"),
    "no finished runs": (lambda b: _edit_table(b / "runs.parquet", lambda t: t.iloc[:0]),
                         "runs.parquet", "no finished runs"),
    "series NaN": (lambda b: _edit_table(b / "timeseries.parquet", lambda t: t.__setitem__(
        "aware_affected", np.nan)), "timeseries.parquet", "timeseries.aware_affected: got nan"),
    "series hours infinite": (lambda b: _edit_table(b / "timeseries.parquet", lambda t: t.__setitem__(
        "hours", np.inf)), "timeseries.parquet", "timeseries.hours: got inf"),
    "series empty": (lambda b: _edit_table(b / "timeseries.parquet", lambda t: t.iloc[:0]),
                     "timeseries.parquet", "no rows for run"),
}


@pytest.fixture
def damaged(compared, tmp_path, request):
    """A copy of the compare folder with one file damaged (the case named by the test's parameter)."""
    folder = tmp_path / "cmp"
    shutil.copytree(compared, folder, symlinks=True, ignore=shutil.ignore_patterns(".lock"))
    CORRUPTIONS[request.param][0](folder / "batch")
    return folder


def _listing(folder: Path) -> list[str]:
    """The files of ``folder`` (lock files aside: ``report`` locks what it reads)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.name != ".lock")


@pytest.mark.parametrize("damaged", CORRUPTIONS, indirect=True)
def test_report_of_a_corrupted_folder_one_line(damaged, tmp_path, capsys, request):
    _, file, needle = CORRUPTIONS[request.node.callspec.params["damaged"]]
    before = _listing(damaged)
    out = tmp_path / "report"
    code = main(["report", str(damaged), "--out", str(out), "--quiet"])
    one_error_line(code, capsys.readouterr().err, needle, file)
    assert not out.exists() and _listing(damaged) == before          # nothing written


@pytest.mark.parametrize("damaged", CORRUPTIONS, indirect=True)
def test_load_results_of_a_corrupted_folder_raises_one_error(damaged, request):
    _, file, needle = CORRUPTIONS[request.node.callspec.params["damaged"]]
    with pytest.raises(ScenarioError) as info:
        load_results(damaged)
    assert file in info.value.line() and needle in info.value.line()


def test_a_sound_folder_still_loads(compared):
    results = load_results(compared)
    assert len(results.scenarios) == 2 and len(results.runs) == 4


@pytest.mark.parametrize("make, needle", [
    (lambda d: write(d / "results", "x"), "is a file, not a folder"),
    (lambda d: d / "results", "no such folder"),
    (lambda d: (d / "results").mkdir() or d / "results", "not a batch or compare folder"),
])
def test_a_path_that_is_not_a_results_folder_is_named_as_such(tmp_path, capsys, make, needle):
    folder = make(tmp_path)
    with pytest.raises(ScenarioError) as info:
        load_results(folder)
    assert "results" in info.value.line() and needle in info.value.line()


def test_another_breachsim_folder_is_named_as_such(tmp_path):
    folder = tmp_path / "calibration"
    folder.mkdir()
    write_marker(folder, "calibrate")
    write(folder / "summary.json", "garbage")
    with pytest.raises(ScenarioError, match="is a calibration folder"):
        load_results(folder)


def test_a_run_folder_is_named_as_one(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["run", str(OPTUS), "--set", "population.size=200", "--set", "scenario.hours=6",
                 "--out", str(run), "--quiet"]) == 0
    capsys.readouterr()
    code = main(["report", str(run), "--out", str(tmp_path / "rep"), "--quiet"])
    one_error_line(code, capsys.readouterr().err, "is a run folder (of `run`)", "run")
    assert not (tmp_path / "rep").exists()
    write(run / "summary.json", "{garbage")                 # a run folder however damaged
    (run / ".breachsim").unlink()
    with pytest.raises(ScenarioError, match="is a run folder"):
        load_results(run)


# ---- robustness and sensitivity tables quoted in a report -------------------------------------
ROBUSTNESS = ("scenario,measure,share_better,diff_median,diff_p10,diff_p90\n"
              "Direct first,hours_to_50pct_affected,0.9,-3,-5,-1\n")
BAD_TABLES = {
    "binary": (b"\x00\x01\xff\xfe", "not a UTF-8"),
    "a column missing": (b"scenario,measure,share_better\nDirect first,x,0.5\n", "diff_median: no such column"),
    "infinite": (ROBUSTNESS.replace("-3", "inf").encode(), "line 2: diff_median: got inf"),
    "a share above 1": (ROBUSTNESS.replace("0.9", "1.5").encode(), "share_better: got 1.5"),
    "text for numbers": (ROBUSTNESS.replace("-3", "many").encode(), "not numbers"),
    "ragged": (ROBUSTNESS.encode() + b"a,b,c,d,e,f,g,h\n", "not a readable CSV file"),
}


def _results_in(compared, folder: Path):
    loaded = load_results(compared)
    return results_from_frames(loaded.runs, loaded.timeseries, manifest=loaded.manifest, folder=folder)


@pytest.mark.parametrize("case", BAD_TABLES)
def test_a_damaged_table_named_by_the_user_is_refused(compared, tmp_path, case):
    data, needle = BAD_TABLES[case]
    path = tmp_path / "robustness.csv"
    path.write_bytes(data)
    with pytest.raises(ScenarioError) as info:
        find_analysis_table(_results_in(compared, tmp_path / "elsewhere"), "robustness.csv", path)
    assert "robustness.csv" in info.value.line() and needle in info.value.line()


@pytest.mark.parametrize("case", BAD_TABLES)
def test_a_damaged_table_found_beside_the_results_is_left_out_saying_so(compared, tmp_path, case):
    (tmp_path / "robustness.csv").write_bytes(BAD_TABLES[case][0])
    with pytest.warns(AnalysisTableWarning, match="robustness.csv.*left out of the report"):
        assert find_analysis_table(_results_in(compared, tmp_path), "robustness.csv") is None


def test_special_files_named_as_tables_are_refused(compared, tmp_path):
    results = _results_in(compared, tmp_path / "elsewhere")
    for path, needle in ((fifo(tmp_path / "robustness.csv"), "named pipe"), (tmp_path, "a folder")):
        with pytest.raises(ScenarioError, match=needle):
            find_analysis_table(results, "robustness.csv", path)


def test_sound_tables_are_read_with_the_compared_scenarios_rows(compared, tmp_path):
    path = write(tmp_path / "robustness.csv", ROBUSTNESS + "Somewhere else,x,0.5,1,0,2\n")
    table = find_analysis_table(_results_in(compared, tmp_path / "elsewhere"), "robustness.csv", path)
    assert list(table["scenario"]) == ["Direct first"]
    sens = write(tmp_path / "sensitivity.csv", "scenario,measure,parameter,mu_star,mu_star_conf\n"
                                               "Direct first,hours_to_50pct_affected,trust.company,1,0.1\n")
    assert len(read_analysis_table(sens, "sensitivity.csv", True, ["Direct first"])) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(AnalysisTableWarning, match="no rows for the compared scenarios"):
            read_analysis_table(path, "robustness.csv", True, ["Optus 2022"])


def test_report_refuses_a_damaged_robustness_file_it_was_given(compared, tmp_path, capsys):
    path = tmp_path / "robustness.csv"
    path.write_bytes(BAD_TABLES["infinite"][0])
    out = tmp_path / "rep"
    code = main(["report", str(compared), "--out", str(out), "--quiet", "--robustness", str(path)])
    one_error_line(code, capsys.readouterr().err, "diff_median: got inf", "robustness.csv")
    assert not out.exists()


# ---- scenario files through the same reader ---------------------------------------------------
def test_a_scenario_pipe_is_refused_not_waited_for(tmp_path):
    scenario = fifo(tmp_path / "pipe.toml")
    answered_by_child(["run", str(scenario), "--quiet"], "named pipe", "pipe.toml", tmp_path / "out",
                      tmp_path)


# ---- the Python API: the readers' path arguments ---------------------------------------------
@pytest.mark.parametrize("read, needle", [
    (load_targets, "--target: got int"), (read_posterior, "posterior: got int"),
    (read_network_file, "network.path: got int"), (load_results, "folder: got int"),
])
def test_readers_refuse_a_path_that_is_not_one(read, needle):
    with pytest.raises(ScenarioError, match=needle):
        read(123)
