"""Every class of bad input is answered with one ScenarioError line naming the
file (or override), the dotted key and what is allowed; never a traceback,
a silent acceptance or a hang.

One parametrised test per class, through ``load_scenario`` / ``load_batch``,
a few through ``python run.py`` (exit 2, nothing written), and a fuzz test of
random junk at random schema keys.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import ScenarioError, load_scenario, simulate
from sim.runs.batchfile import MAX_RUNS, load_batch, total_runs
from sim.runs.design import build_design
from sim.config.scenario import MAX_EXTENDS, parse_override
from sim.config.schema import lookup_spec, schema_keys

from helpers import OPTUS, ROOT


def write(folder: Path, text: str, name: str = "s.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(path=OPTUS, overrides=None) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    return info.value


def one_line(err: ScenarioError, key: str, allowed: str) -> None:
    """The error is one line that names ``key`` and says ``allowed``."""
    line = err.line()
    assert "\n" not in line and len(line) < 700, line
    assert err.key == key, line
    assert allowed in line, line


# ---- overrides of whole tables merge; one value spreads to cohorts ----------------
def test_a_whole_table_override_merges_like_extends():
    base = load_scenario(OPTUS)
    s = load_scenario(OPTUS, dict([parse_override("population={size=300}")]))
    assert s.get("population.size") == 300
    assert s.get("population.customers") == base.get("population.customers")
    assert load_scenario(OPTUS, {"trust": {}}).data == base.data
    s = load_scenario(OPTUS, {"channels.direct.campaigns.0": {"start_hour": 6}})
    assert s.get("channels.direct.campaigns.0.start_hour") == 6.0
    assert s.get("channels.direct.campaigns.0.per_hour") == 68_000.0   # kept from the file


@pytest.mark.parametrize("overrides", [{"trust.company.gen_z": 0.5},
                                       {"trust.company": {"gen_z": 0.5}}])
def test_one_cohort_of_a_single_trust_value(overrides):
    s = load_scenario(OPTUS, overrides)
    assert s.get("trust.company") == {"gen_z": 0.5, "millennial": 0.33, "gen_x": 0.33, "boomer": 0.33}


@pytest.mark.parametrize("overrides, key, allowed", [
    ({"scenario.hours.x": 1}, "scenario.hours.x", "single value"),
    ({"channels.direct.campaigns.\u0660.start_hour": 1}, "channels.direct.campaigns.\u0660.start_hour",
     "ASCII digits"),
    ({"channels.direct.campaigns.\u00b2.start_hour": 1}, "channels.direct.campaigns.\u00b2.start_hour",
     "ASCII digits"),
    ({"channels.direct.campaigns.7.start_hour": 1}, "channels.direct.campaigns.7", "the list has 1"),
    ({"scenario.extends": "optus_2022.toml"}, "scenario.extends", "cannot be overridden"),
    ({"scenario": {"extends": "optus_2022.toml"}}, "scenario.extends", "cannot be overridden"),
    ({"population": {"sise": 3}}, "population.sise", "allowed here: size"),
    ({"trust.company": {"gen_y": 0.5}}, "trust.company.gen_y", "allowed here: gen_z"),
])
def test_bad_override_keys(overrides, key, allowed):
    err = refused(OPTUS, overrides)
    assert err.source == "override"
    one_line(err, key, allowed)


# ---- every number has a range a run can honour ------------------------------------
@pytest.mark.parametrize("key, value, allowed", [
    ("scenario.step_minutes", 5e-324, "[0.1, 1440]"),
    ("scenario.step_minutes", 1e-9, "[0.1, 1440]"),
    ("scenario.hours", 1e300, "[0.1, 8784]"),
    ("channels.direct.campaigns.0.per_hour", 1e-320, "[1, 1e+15]"),
    ("trust.concentration", 5e-324, "[0.1, 1e+09]"),
    ("network.mean_degree", 1e308, "[0, 1000]"),
    ("word_of_mouth.active_hours", 1e300, "[0.01, 100000]"),
    ("channels.direct.media.sms.read_delay_hours", 1e-300, "[0.001, 100000]"),
    ("attention.holiday_factor", 1e200, "[0, 10]"),
    ("population.size", 10**400, "whole number in [1, 1,000,000,000]"),
    ("population.size", 5000.5, "whole number"),
    ("population.represents", math.inf, "[1, 1e+11]"),
    ("word_of_mouth.social", math.nan, "share in [0, 1]"),
    ("channels.media.releases", [{"at_hour": 1e300, "reach": 0.5, "half_life_hours": 1}],
     "[0, 1e+06]"),
])
def test_numbers_out_of_range(key, value, allowed):
    err = refused(OPTUS, {key: value})
    assert err.key.startswith(key)
    assert allowed in err.line()


def test_every_number_in_the_schema_has_a_finite_range():
    from sim.config.schema import Field

    for key in schema_keys():
        spec = lookup_spec(key)
        if isinstance(spec, Field) and spec.allowed.startswith(("a number", "a whole number")):
            assert "inf" not in spec.allowed, key
            assert not spec.test(1e308) and not spec.test(-1e308), key


@pytest.mark.parametrize("overrides, key, allowed", [
    ({"scenario.hours": 8784, "scenario.step_minutes": 1}, "scenario.step_minutes",
     "at most 100,000 steps"),
    ({"channels.direct.campaigns.0.per_hour": 1}, "channels.direct.campaigns.0.per_hour",
     "within 1,000,000 hours"),
    ({"scenario.start": "9999-12-31T23:00:00+00:00"}, "scenario.start", "years 1900-2200"),
    ({"scenario.start": "0001-01-01T00:00:00+00:00"}, "scenario.start", "years 1900-2200"),
])
def test_runs_that_could_not_be_honoured(overrides, key, allowed):
    one_line(refused(OPTUS, overrides), key, allowed)


def test_people_times_steps_is_capped_per_engine():
    from sim.model.engine import engine_spec
    from sim.model.memory import check_work

    limit = engine_spec("agents").max_person_steps
    s = load_scenario(OPTUS, {"population.size": 4_000_000, "scenario.hours": 336})
    assert check_work(s, "fast") == 4_000_000 * 336
    with pytest.raises(ScenarioError) as info:
        simulate(s, seed=1, engine="agents")          # refused before building anything
    one_line(info.value, "population.size", f"at most {limit:.3g}")
    assert f"at most {int(limit // 336):,} people" in info.value.line()


# ---- shares accepted within the tolerance never fail --------------------------------
def test_cohort_shares_within_the_tolerance_run():
    shares = {"population.cohorts.gen_z": 0.2068 + 9e-7, "population.size": 997,
              "scenario.hours": 4}
    result = simulate(load_scenario(OPTUS, shares), seed=3)
    assert sum(result.summary[f"cohort_size_{c}"] for c in
               ("gen_z", "millennial", "gen_x", "boomer")) == 997


# ---- networkx kinds at small sizes ------------------------------------------------
@pytest.mark.parametrize("kind, size, degree, allowed", [
    ("watts_strogatz", 8, 8, "population.size >= 9"),
    ("watts_strogatz", 2, 0, "population.size >= 3"),
    ("barabasi_albert", 1, 4, "at least 2 people"),
    ("powerlaw_cluster", 1, 4, "at least 2 people"),
])
def test_networks_too_small_for_their_kind(kind, size, degree, allowed):
    err = refused(OPTUS, {"network.kind": kind, "population.size": size,
                          "network.mean_degree": degree, "seeds.count": 0})
    one_line(err, "population.size", allowed)


@pytest.mark.parametrize("kind", ["households", "well_mixed", "barabasi_albert", "powerlaw_cluster"])
@pytest.mark.parametrize("size", [1, 2])
def test_tiny_populations_run(kind, size):
    if size == 1 and kind in ("barabasi_albert", "powerlaw_cluster"):
        return                                         # refused above
    s = load_scenario(OPTUS, {"network.kind": kind, "population.size": size, "seeds.count": 1,
                              "scenario.hours": 6})
    assert simulate(s, seed=1).summary["final_aware_share"] > 0


# ---- files: nesting, extends chains, long paths, loops, encodings ------------------
def test_deep_nesting_in_a_file(tmp_path):
    deep = write(tmp_path, "[attention]\nholidays = " + "[" * 2000 + "]" * 2000 + "\n")
    one_line(refused(deep), "", "nested too deeply")
    tables = write(tmp_path, "[" + ".".join(["population"] * 2000) + "]\nx = 1\n", "t.toml")
    one_line(refused(tables), "population.population", "allowed here: size")


def test_deep_nesting_in_an_override():
    value = "{a=" * 2000 + "1" + "}" * 2000
    with pytest.raises(ScenarioError) as info:
        parse_override(f"population={value}")
    assert "nested too deeply" in info.value.line()
    nested: dict = {}
    inner = nested
    for _ in range(3000):
        inner["size"] = {}
        inner = inner["size"]
    err = refused(OPTUS, {"population": nested})
    assert err.key == "population.size" and "whole number" in err.line()


def test_an_extends_chain_is_capped(tmp_path):
    write(tmp_path, f"[scenario]\nextends = \"{OPTUS}\"\n", "f0.toml")
    for i in range(1, 1000):
        write(tmp_path, f"[scenario]\nextends = \"f{i - 1}.toml\"\n", f"f{i}.toml")
    err = refused(tmp_path / "f999.toml")
    one_line(err, "scenario.extends", f"at most {MAX_EXTENDS} files")
    assert load_scenario(tmp_path / f"f{MAX_EXTENDS - 2}.toml").name   # a legal chain loads


def test_long_paths_and_symlink_loops(tmp_path):
    long = tmp_path / ("x" * 5000 + ".toml")
    err = refused(long)
    assert "File name too long" in err.line() and len(err.line()) < 400
    (tmp_path / "a.toml").symlink_to(tmp_path / "b.toml")
    (tmp_path / "b.toml").symlink_to(tmp_path / "a.toml")
    assert "symbolic links" in refused(tmp_path / "a.toml").line() or \
        "loop" in refused(tmp_path / "a.toml").line()
    child = write(tmp_path, "[scenario]\nextends = \"a.toml\"\n", "child.toml")
    assert refused(child).key == "scenario.extends"
    net = write(tmp_path, "[network]\nkind = \"file\"\npath = \"a.toml\"\n", "net.toml")
    assert refused(net).key == "network.path"


def test_folders_and_non_utf8_files(tmp_path):
    assert "a folder" in refused(tmp_path).line()
    latin = tmp_path / "latin.toml"
    latin.write_bytes("[scenario]\nname = \"caf\u00e9\"\n".encode("latin-1"))
    one_line(refused(latin), "", "not a UTF-8 text file")


# ---- the Python API: wrong argument types --------------------------------------------
@pytest.mark.parametrize("path, overrides", [
    (123, None), (None, None), (b"scenarios/optus_2022.toml", None),
    (OPTUS, [("population.size", 10)]), (OPTUS, "population.size=10"), (OPTUS, {1: 2}),
    (OPTUS, {("population", "size"): 3}), (OPTUS, {"": 3}), (OPTUS, {"population..size": 3}),
    (OPTUS, {"population.size": object()}), (OPTUS, {"population.size": np.int64(500)}),
    (OPTUS, {"scenario.name": None}), ("a\0b.toml", None),
])
def test_bad_arguments_raise_scenario_error(path, overrides):
    if isinstance(overrides, dict) and overrides.get("population.size") is not None \
            and isinstance(overrides["population.size"], np.integer):
        assert load_scenario(path, overrides).get("population.size") == 500   # numpy ints are fine
        return
    err = refused(path, overrides)
    assert isinstance(err, ValueError) and "\n" not in err.line()


# ---- batch files ----------------------------------------------------------------------
BATCH = f"""scenarios = ["{OPTUS}"]
replications = 2
seed = 1
[set]
"population.size" = 500
"""


@pytest.mark.parametrize("extra, key, allowed", [
    ("sample = []\n", "sample", "allowed: a table"),
    ("[grid]\n", "grid", "non-empty table"),
    ("[sample]\nmethod = \"lhs\"\nn = 4\nseed = \"x\"\n[sample.ranges]\n\"trust.company\" = [0.2, 0.4]\n",
     "sample.seed", "whole number from 0"),
    ("[sample]\nmethod = \"lhs\"\nn = 4\nseed = 1.5\n[sample.ranges]\n\"trust.company\" = [0.2, 0.4]\n",
     "sample.seed", "whole number from 0"),
    ("[sample]\nmethod = \"lhs\"\nn = 4\nseed = nan\n[sample.ranges]\n\"trust.company\" = [0.2, 0.4]\n",
     "sample.seed", "whole number from 0"),
    ("[sample]\nmethod = \"lhs\"\nn = 4\nseed = -3\n[sample.ranges]\n\"trust.company\" = [0.2, 0.4]\n",
     "sample.seed", "whole number from 0"),
    ("[sample]\nmethod = \"morris\"\nn = 4\nnum_levels = 0\n[sample.ranges]\n\"trust.company\" = [0.2, 0.4]\n",
     "sample.num_levels", "even whole number from 2"),
    ("[sample]\nmethod = \"morris\"\nn = 4\nnum_levels = 1\n[sample.ranges]\n\"trust.company\" = [0.2, 0.4]\n",
     "sample.num_levels", "even whole number from 2"),
    ("[sample]\nmethod = \"morris\"\nn = 4\nnum_levels = 1.5\n[sample.ranges]\n\"trust.company\" = [0.2, 0.4]\n",
     "sample.num_levels", "even whole number from 2"),
    ("[sample]\nmethod = \"lhs\"\nn = 4\nnum_levels = 4\n[sample.ranges]\n\"trust.company\" = [0.2, 0.4]\n",
     "sample.num_levels", "only for method = \"morris\""),
    ("[sample]\nmethod = \"sobol\"\nn = 1_000_000_000\n[sample.ranges]\n\"trust.company\" = [0.2, 0.4]\n",
     "sample.n", f"from 1 to {MAX_RUNS:,}"),
    ("[sample]\nmethod = \"sobol\"\nn = 20000\n[sample.ranges]\n\"trust.company\" = [0.2, 0.4]\n",
     "sample.n", "= 120,000 runs; allowed: at most 100,000"),
    ("[sample]\nmethod = \"lhs\"\nn = 4\n[sample.ranges]\n\"trust.company\" = [0.2, inf]\n",
     "sample.ranges.trust.company", "finite numbers"),
    ("[grid]\n\"scenario.extends\" = [\"a.toml\"]\n", "grid.scenario.extends", "cannot be overridden"),
    ("[grid]\n\"channels.direct.campaigns.\u0660.start_hour\" = [1]\n",
     "grid.channels.direct.campaigns.\u0660.start_hour", "ASCII digits"),
])
def test_bad_batch_files(tmp_path, extra, key, allowed):
    text = BATCH + extra if extra.startswith("[") else extra + BATCH   # top-level keys first
    path = write(tmp_path, text, "batch.toml")
    with pytest.raises(ScenarioError) as info:
        load_batch(path)
    one_line(info.value, key, allowed)


@pytest.mark.parametrize("top, key", [("replications = 1_000_000_000\n", "replications"),
                                      ("replications = 60_000\n", "replications"),
                                      ("seed = -1\n", "seed"), ("seed = nan\n", "seed")])
def test_bad_batch_counts_and_seeds(tmp_path, top, key):
    text = BATCH.replace("replications = 2\n", "").replace("seed = 1\n", "")
    path = write(tmp_path, top + ("seed = 1\n" if key != "seed" else "") + text.replace(
        "scenarios", f"scenarios = [\"{OPTUS}\", \"{OPTUS}\"]\n#", 1), "batch.toml")
    with pytest.raises(ScenarioError) as info:
        load_batch(path)
    assert info.value.key == key and "\n" not in info.value.line()


def test_a_batch_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "batch.toml"
    path.write_bytes(BATCH.encode() + "name = \"\u00e9t\u00e9\"\n".encode("latin-1"))
    with pytest.raises(ScenarioError) as info:
        load_batch(path)
    one_line(info.value, "", "not a UTF-8 text file")


@pytest.mark.parametrize("sample", [
    {"method": "sobol", "n": 4, "ranges": {"trust.company": [0.2, 0.4], "trust.peer": [0.5, 0.7]}},
    {"method": "morris", "n": 3, "num_levels": 4,
     "ranges": {"trust.company": [0.2, 0.4], "trust.peer": [0.5, 0.7]}},
    {"method": "lhs", "n": 5, "ranges": {"trust.company": [0.2, 0.4]}},
])
def test_run_count_matches_the_design(tmp_path, sample):
    ranges = "".join(f"\"{k}\" = {v}\n" for k, v in sample["ranges"].items())
    head = "".join(f"{k} = {v!r}\n".replace("'", "\"") for k, v in sample.items() if k != "ranges")
    spec = load_batch(write(tmp_path, BATCH + "[sample]\n" + head + "[sample.ranges]\n" + ranges, "b.toml"))
    assert total_runs(spec) == len(build_design(spec).points) * spec.replications


# ---- through the command line: exit 2, one line, nothing written ----------------------
@pytest.mark.parametrize("args", [
    ["run", str(OPTUS), "--set", "scenario.extends=optus_2022.toml"],
    ["run", str(OPTUS), "--set", "channels.direct.campaigns.\u0660.start_hour=3"],
    ["run", str(OPTUS), "--set", "scenario.step_minutes=5e-324"],
    ["run", str(OPTUS), "--set", "scenario.start=\"9999-12-31T00:00:00+00:00\""],
    ["batch", "{batch}"],
])
def test_command_line_answers_in_one_line(tmp_path, args):
    batch = write(tmp_path, "sample = []\n" + BATCH, "batch.toml")
    out = tmp_path / "out"
    args = [a.replace("{batch}", str(batch)) for a in args] + ["--out", str(out)]
    proc = subprocess.run([sys.executable, str(ROOT / "run.py"), *args], capture_output=True,
                          text=True, cwd=tmp_path, timeout=120,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert not out.exists()


# ---- fuzz: random junk at random keys -------------------------------------------------
KEYS = sorted(set(schema_keys()) | {"population", "trust", "channels.direct.campaigns",
                                    "channels.direct.campaigns.0", "network", "scenario"})
INDEXED = [k for k in KEYS if ".0" in k]
#: Valid keys, random text, and valid keys with their list index replaced by junk.
JUNK_KEYS = (st.sampled_from(KEYS) | st.sampled_from(KEYS) | st.text(max_size=12)
             | st.builds(lambda key, part: key.replace(".0", f".{part}", 1),
                         st.sampled_from(INDEXED), st.text(min_size=1, max_size=3)))
EDGES = st.sampled_from([10**400, -10**400, 5e-324, -0.0, 1e308, math.inf, math.nan,
                         np.float64(1e-300), np.int64(7), True, "", "\u0660", [], {}])
JUNK = EDGES | st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=True)
    | EDGES | st.text(max_size=30) | st.binary(max_size=5) | st.just(object()),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["size", "gen_z", "a", "start_hour", "medium", "at_hour", "0"]) | st.integers(0, 3),
        inner, max_size=4),
    max_leaves=8)


@settings(max_examples=600, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(JUNK_KEYS, JUNK, min_size=1, max_size=3))
def test_fuzz_only_scenario_errors(overrides):
    """Junk values at random keys: a scenario or one ScenarioError line, nothing else."""
    try:
        load_scenario(OPTUS, overrides)
    except ScenarioError as err:
        assert "\n" not in err.line()
