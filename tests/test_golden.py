"""Golden results: the bundled scenarios' outputs, held byte for byte.

Each bundled scenario is run once per engine at a small size with a fixed
seed; the SHA-256 of its time-series table (as CSV) and of its summary (as
canonical JSON) must equal ``tests/golden/results.json``. A change that alters
results must do so on purpose: rewrite the file with ``python
tests/update_golden.py`` (it prints the headline figures before and after) and
say so in the commit message.
"""

import hashlib
import json
from pathlib import Path

import pytest

from sim.scenario import load_scenario
from sim.simulate import simulate

from helpers import SCENARIOS

GOLDEN = Path(__file__).resolve().parent / "golden" / "results.json"
BUNDLED = ("optus_2022", "direct_first", "trusted_channels", "word_of_mouth")
#: (engine, people, hours): small enough to be quick, large enough to touch every rule.
RUNS = (("fast", 3000, 168), ("agents", 600, 72))
SEED = 7
HEADLINE = ("hours_to_50pct_affected", "hours_to_90pct_affected", "unaware_affected_share_24h",
            "share_affected_first_from_company", "final_company_trust_affected")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def one_result(name: str, engine: str, people: int, hours: int) -> dict:
    """Digests and headline figures of one bundled scenario's run."""
    scenario = load_scenario(SCENARIOS / f"{name}.toml",
                             {"population.size": people, "scenario.hours": hours})
    result = simulate(scenario, seed=SEED, engine=engine)
    summary = json.dumps(result.summary, sort_keys=True, default=str, allow_nan=True)
    return {"timeseries_sha256": _sha(result.timeseries.to_csv(index=False)),
            "summary_sha256": _sha(summary),
            "headline": {k: result.summary.get(k) for k in HEADLINE}}


def current_results() -> dict:
    return {f"{name}/{engine}": one_result(name, engine, people, hours)
            for name in BUNDLED for engine, people, hours in RUNS}


@pytest.mark.parametrize("name", BUNDLED)
@pytest.mark.parametrize("engine, people, hours", RUNS)
def test_bundled_results_are_unchanged(name, engine, people, hours):
    golden = json.loads(GOLDEN.read_text())[f"{name}/{engine}"]
    now = one_result(name, engine, people, hours)
    assert now["headline"] == golden["headline"]
    assert now["timeseries_sha256"] == golden["timeseries_sha256"], "time series changed"
    assert now["summary_sha256"] == golden["summary_sha256"], "summary changed"
