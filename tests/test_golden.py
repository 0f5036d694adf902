"""Golden results: the bundled scenarios' outputs, held byte for byte.

Each bundled scenario is run on each engine and path (the agent engine, the
fast engine compiled and on numpy) at a small size with a few fixed seeds;
the SHA-256 of its time-series table (as CSV) and of its summary (as
canonical JSON) must equal ``tests/golden/results.json``. So must the
results table of one small batch (two scenarios, two replications, run by
two workers) and the summary table of one small compare. A change that
alters results must do so on purpose: rewrite the file with ``python
tests/update_golden.py`` (it prints the headline figures before and after)
and say so in the commit message. The code digest may change; results may not.
"""

import hashlib
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from sim.config.scenario import load_scenario
from sim.model.simulate import simulate

from helpers import SCENARIOS

GOLDEN = Path(__file__).resolve().parent / "golden" / "results.json"
BUNDLED = ("optus_2022", "direct_first", "trusted_channels", "word_of_mouth")
#: (engine, people, hours): small enough to be quick, large enough to touch every rule.
#: ``fast`` runs compiled (numba), ``fast-numpy`` the same engine on its numpy path.
RUNS = (("fast", 3000, 168), ("fast-numpy", 3000, 168), ("agents", 600, 72))
SEED = 7
#: More seeds for the quick paths (the agent engine's runs are the slow ones).
MORE_SEEDS = (11, 2022)
#: Columns of a batch's runs table that are not results: identity by code digest, timing.
NOT_RESULTS = ("run_id", "seconds", "worker")
HEADLINE = ("hours_to_50pct_affected", "hours_to_90pct_affected", "unaware_affected_share_24h",
            "share_affected_first_from_company", "final_company_trust_affected")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@contextmanager
def kernel(path: str | None):
    """``BREACHSIM_KERNEL`` set to ``path`` (numba, numpy) inside, as it was after."""
    before = os.environ.get("BREACHSIM_KERNEL")
    if path is not None:
        os.environ["BREACHSIM_KERNEL"] = path
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("BREACHSIM_KERNEL", None)
        else:
            os.environ["BREACHSIM_KERNEL"] = before


def one_result(name: str, engine: str, people: int, hours: int, seed: int = SEED) -> dict:
    """Digests and headline figures of one bundled scenario's run (``engine`` as in
    :data:`RUNS`)."""
    scenario = load_scenario(SCENARIOS / f"{name}.toml",
                             {"population.size": people, "scenario.hours": hours})
    engine, _, path = engine.partition("-")
    with kernel(path or ("numba" if engine == "fast" else None)):
        result = simulate(scenario, seed=seed, engine=engine)
    summary = json.dumps(result.summary, sort_keys=True, default=str, allow_nan=True)
    return {"timeseries_sha256": _sha(result.timeseries.to_csv(index=False)),
            "summary_sha256": _sha(summary),
            "headline": {k: result.summary.get(k) for k in HEADLINE}}


def _key(name: str, engine: str, seed: int) -> str:
    return f"{name}/{engine}" if seed == SEED else f"{name}/{engine}/seed{seed}"


#: Every single run held: (name, engine, people, hours, seed).
SINGLE_RUNS = tuple((name, engine, people, hours, seed)
                    for name in BUNDLED for engine, people, hours in RUNS
                    for seed in (SEED, *(MORE_SEEDS if engine != "agents" else ())))


def _results_only(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` without the columns that say where and when it ran (:data:`NOT_RESULTS`,
    file paths)."""
    return table.drop(columns=[c for c in table if c in NOT_RESULTS or c.endswith("file")])


def batch_table() -> dict:
    """Digest of a small batch's results (runs and time series), run by two workers."""
    from sim.runs.batch import run_batch

    with tempfile.TemporaryDirectory() as folder:
        spec = Path(folder) / "golden.toml"
        spec.write_text(f"""
scenarios = ["{SCENARIOS / 'optus_2022.toml'}", "{SCENARIOS / 'direct_first.toml'}"]
replications = 2
seed = 5
[set]
"population.size" = 2000
"scenario.hours" = 120
""", encoding="utf-8")
        run_batch(spec, Path(folder) / "b", workers=2, progress=False)
        runs = pd.read_parquet(Path(folder) / "b" / "runs.parquet")
        series = pd.read_parquet(Path(folder) / "b" / "timeseries.parquet")
    runs, series = _results_only(runs).sort_values("run"), _results_only(series).sort_values(["run", "step"])
    return {"runs_sha256": _sha(runs.to_csv(index=False)),
            "timeseries_sha256": _sha(series.to_csv(index=False)),
            "headline": {f"{r['scenario']}/{r['replication']}": r["hours_to_50pct_affected"]
                         for _, r in runs.iterrows()}}


def compare_table() -> dict:
    """Digest of a small compare's summary table (summary.csv)."""
    from sim.cli.main import main

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "cmp"
        status = main(["compare", "optus_2022", "word_of_mouth", "--reps", "3", "--set",
                       "population.size=2000", "--set", "scenario.hours=120", "--workers", "1",
                       "--quiet", "--out", str(out)])
        assert status == 0
        table = pd.read_csv(out / "summary.csv")
    table = _results_only(table)
    return {"summary_sha256": _sha(table.to_csv(index=False)),
            "headline": dict(zip(table["scenario"], table["hours_to_50pct_affected_median"]))}


def current_results() -> dict:
    held = {_key(name, engine, seed): one_result(name, engine, people, hours, seed)
            for name, engine, people, hours, seed in SINGLE_RUNS}
    held["batch"] = batch_table()
    held["compare"] = compare_table()
    return held


def _golden(key: str) -> dict:
    held = json.loads(GOLDEN.read_text())
    assert key in held, f"{key} not in {GOLDEN.name}: run tests/update_golden.py"
    return held[key]


@pytest.mark.parametrize("name, engine, people, hours, seed", SINGLE_RUNS,
                         ids=[_key(n, e, s).replace("/", "-") for n, e, _, _, s in SINGLE_RUNS])
def test_bundled_results_are_unchanged(name, engine, people, hours, seed):
    golden = _golden(_key(name, engine, seed))
    now = one_result(name, engine, people, hours, seed)
    assert now["headline"] == golden["headline"]
    assert now["timeseries_sha256"] == golden["timeseries_sha256"], "time series changed"
    assert now["summary_sha256"] == golden["summary_sha256"], "summary changed"


def test_a_batchs_results_are_unchanged():
    golden, now = _golden("batch"), batch_table()
    assert now["headline"] == golden["headline"]
    assert now == golden, "the batch's runs or time series changed"


def test_a_compares_summary_table_is_unchanged():
    assert compare_table() == _golden("compare"), "summary.csv of the compare changed"


def test_the_two_paths_of_the_fast_engine_give_the_same_digests():
    held = json.loads(GOLDEN.read_text())
    for name in BUNDLED:
        for seed in (SEED, *MORE_SEEDS):
            assert held[_key(name, "fast", seed)] == held[_key(name, "fast-numpy", seed)], (name, seed)
