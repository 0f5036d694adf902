"""Sweep response charts, the sensitivity chart and warning, and damaged batch folders."""

import json

import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Text

from sim.runs.batch import run_batch
from sim.cli.main import main
from sim.errors import ScenarioError
from sim.reporting import stats, sweeps
from sim.reporting.findings import design_warning
from sim.reporting.results import load_results, results_from_frames
from sim.reporting.sensitivity_chart import sensitivity_chart
from sim.reporting.scenarios import key_label
from sim.config.schema import label_of
from sim.analysis.sensitivity import run_sensitivity

from helpers import SCENARIOS

START = "channels.direct.campaigns.0.start_hour"
RATE = "channels.direct.campaigns.0.per_hour"


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    """A 2 x 2 grid over the SMS campaign's start and throughput, 2 runs per point."""
    folder = tmp_path_factory.mktemp("grid")
    batch = folder / "grid.toml"
    batch.write_text(f"""
scenarios = ["{SCENARIOS / 'trusted_channels.toml'}"]
replications = 2
seed = 4
[set]
"population.size" = 800
"scenario.hours" = 72
[grid]
"{START}" = [0, 24]
"{RATE}" = [100_000, 1_000_000]
""")
    run_batch(batch, folder / "out", workers=1, progress=False)
    return load_results(folder / "out")


def test_sweep_keys_and_a_heatmap_of_medians(grid):
    keys = stats.sweep_keys(grid.runs, grid.design)
    assert keys == [START, RATE] and grid.has_design
    alone = results_from_frames(grid.runs, grid.timeseries)          # a notebook with the tables only
    assert alone.has_design and stats.sweep_keys(alone.runs, alone.design) == keys
    fig = sweeps.response_chart(grid.runs, grid.scenarios, keys, "hours_to_50pct_affected")
    ax = fig.axes[0]
    assert ax.images                                                     # two parameters on a grid
    shown = {t.get_text() for t in ax.texts}
    runs = grid.runs
    for (start, rate), g in runs.groupby([START, RATE]):
        median = stats.censored_quantiles(g["hours_to_50pct_affected"])[1]
        assert sweeps._value_text(stats.BY_KEY["hours_to_50pct_affected"], median) in shown
    assert fig.get_suptitle().startswith("Hours until half know: from")


def test_one_parameter_response_is_the_median_per_value(grid):
    fig = sweeps.response_chart(grid.runs, grid.scenarios, [START], "share_affected_first_from_company")
    line = next(l for l in fig.axes[0].get_lines() if len(l.get_xdata()) == 2)
    expected = grid.runs.groupby(START)["share_affected_first_from_company"].median()
    assert list(line.get_xdata()) == list(expected.index)
    assert np.allclose(line.get_ydata(), expected.to_numpy())
    assert len(fig.axes[0].collections) == 1                           # the 10-90% band
    assert fig.axes[0].get_xlabel() == label_of(START)


def test_samples_are_binned_by_equal_counts():
    rng = np.random.default_rng(3)
    x = rng.uniform(0.001, 0.02, 80)
    runs = pd.DataFrame({"run": [f"r{i}" for i in range(80)], "scenario": "s", "point": range(80),
                         "replication": 0, "word_of_mouth.social": x,
                         "hours_to_50pct_affected": 100 - 3000 * x + rng.normal(0, 1, 80),
                         "affected_agents": 10, "people_per_agent": 1.0,
                         **{f"unaware_affected_share_{w}": 0.1 for w in ("24h", "72h", "end")},
                         "initial_company_trust_affected": 0.3, "final_company_trust_affected": 0.3})
    table = stats.response(runs, stats.BY_KEY["hours_to_50pct_affected"], ["word_of_mouth.social"])
    assert len(table) == 8 and (table["runs"] == 10).all()
    assert table["median"].is_monotonic_decreasing                    # the trend survives binning
    fig = sweeps.response_chart(runs, [], ["word_of_mouth.social"], "hours_to_50pct_affected")
    best = table.iloc[-1]                                             # most word of mouth: soonest
    worst = table.iloc[0]
    assert fig.get_suptitle() == (f"Hours until half know: {best['median']:.0f} h at {best['word_of_mouth.social']:.3g}, "
                                  f"{worst['median']:.0f} h at {worst['word_of_mouth.social']:.3g} "
                                  f"(word of mouth between friends)")


def test_the_report_command_on_a_sweep_writes_its_charts(grid, monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(sweeps, "SWEEP_MEASURES", ("hours_to_50pct_affected", "unaware_affected_people_24h"))
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (60, 30), "teal").save(logo)
    assert main(["report", str(grid.folder), "--client", "Other Client", "--logo", str(logo), "--quiet"]) == 0
    out = grid.folder / "report"                                      # a batch folder's default
    assert capsys.readouterr().out.strip().startswith(f"report: {out / 'report.html'}")
    assert {"sweep_hours_to_50pct_affected.png", "sweep_unaware_affected_people_24h.png", "awareness.png",
            "report.html", "summary.csv"} <= {p.name for p in out.iterdir()}
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Sweep: how the results respond to" in page and label_of(START) in page
    assert "Other Client" in page and page.count("data:image/png;base64,") == 5 + 2 + 1   # and the logo
    assert "Across the sweep (Trusted channels), the best setting is" in page
    assert "of the same plan at the same setting" in page and "are the sweep itself, not chance" in page


def test_the_uncertainty_statement_says_when_bands_are_within_one_setting():
    from sim.reporting.findings import uncertainty

    plain = " ".join(uncertainty(4, True, [], None, {}))
    swept = " ".join(uncertainty(4, True, [], None, {}, settings=[label_of(START)]))
    assert "4 runs of the same plan with" in plain and "sweep itself" not in plain
    assert "4 runs of the same plan at the same setting" in swept
    assert f"settings of {label_of(START)} are the sweep itself, not chance" in swept


# --------------------------------------------------------------------------- sensitivity

def _sobol(st, st_conf, s1, s1_conf):
    params = ["word_of_mouth.social", "trust.company_effects.told_first_share", "word_of_mouth.household"]
    return pd.DataFrame({"scenario": "Optus", "measure": "hours_to_90pct_affected", "parameter": params,
                         "ST": st, "ST_conf": st_conf, "S1": s1, "S1_conf": s1_conf})


def test_design_warning_says_how_large_n_should_be():
    readme = _sobol([0.70, 0.2, 0.1], [0.66, 0.3, 0.2], [-0.2, 0.1, 0.05], [0.5, 0.2, 0.1])
    warning = design_warning(readme, n=16)
    assert warning.startswith("Design too small to rank parameters")
    assert "confidence intervals wider than the indices" in warning and "widest ±0.66" in warning
    assert "n of at least 1024" in warning           # (0.66 / 0.1)^2 x 16 = 697 -> next power of 2
    inverted = _sobol([0.3, 0.2, 0.1], [0.02, 0.02, 0.02], [0.5, 0.1, 0.05], [0.02, 0.02, 0.02])
    assert "first-order above total-order" in design_warning(inverted, n=1024)
    fine = _sobol([0.6, 0.3, 0.1], [0.05, 0.04, 0.03], [0.5, 0.25, 0.08], [0.05, 0.04, 0.03])
    assert design_warning(fine, n=2048) == ""


def test_sensitivity_chart_draws_intervals_readable_labels_and_the_warning():
    table = _sobol([0.70, 0.2, 0.1], [0.66, 0.3, 0.2], [-0.2, 0.1, 0.05], [0.5, 0.2, 0.1])
    warning = design_warning(table, n=16)
    fig = sensitivity_chart(table, {"Optus": "Optus"}, warning, key_label)
    ax = next(a for a in fig.axes if a.containers)
    assert [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()] == [label_of(p) for p in table["parameter"]]
    bars = [c for c in ax.containers if c.__class__.__name__ == "BarContainer"]
    errorbars = [c for c in ax.containers if c.__class__.__name__ == "ErrorbarContainer"]
    assert len(bars) == 1 and len(errorbars) == 2     # total order (bars) and first order (dots), with CIs
    shown = " ".join(t.get_text().replace("\n", " ") for t in fig.findobj(Text))
    assert "Caution: Design too small to rank parameters" in shown and "n of at least 1024" in shown


@pytest.mark.parametrize("manifest, runs, needle", [
    ("not json at all", None, "not a readable manifest"),
    ("{}", None, "batch: missing"),
    ('{"batch": {}, "design": {"method": "grid"}}', None, "sample.method"),
    ('{"batch": {}, "design": {"method": "sobol", "problem": {"names": ["a"]}, "keys": ["a"], '
     '"points": [{"a": 1}]}}', b"PAR1 this is not parquet", "not a readable Parquet table"),
])
def test_sensitivity_on_a_damaged_folder_is_one_line(tmp_path, capsys, manifest, runs, needle):
    (tmp_path / "manifest.json").write_text(manifest)
    if runs is not None:
        (tmp_path / "runs.parquet").write_bytes(runs)
    with pytest.raises(ScenarioError, match=needle):
        run_sensitivity(tmp_path)
    assert main(["sensitivity", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and needle in err[0]
    assert not (tmp_path / "sensitivity.csv").exists()


def test_report_of_a_damaged_folder_is_one_line(tmp_path, capsys):
    (tmp_path / "manifest.json").write_text(json.dumps({"batch": {"scenarios": []}}))
    (tmp_path / "runs.parquet").write_bytes(b"garbage")
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "runs.parquet" in err[0] and "not a readable Parquet table" in err[0]
    assert not (tmp_path / "report").exists()
