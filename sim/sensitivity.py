"""Sensitivity analysis of a finished batch: Sobol or Morris indices with SALib.

The batch must have a ``[sample]`` with ``method = "sobol"`` or ``"morris"``.
For each scenario and each numeric summary measure, the model output at a
design point is the mean over its replications; SALib then gives, per
parameter, Sobol first- and total-order indices (with 95% confidence
half-widths) or Morris mu* and sigma.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import ScenarioError
from .outputs import write_atomically

#: Summary measures analysed (those that vary with the parameters).
MEASURES = (
    "hours_to_50pct_affected", "hours_to_90pct_affected", "share_affected_first_from_company",
    "unaware_affected_share_24h", "unaware_affected_share_72h", "unaware_affected_share_end",
    "final_company_trust_affected", "final_aware_share",
)


def _load(batch_dir: Path) -> tuple[dict, pd.DataFrame]:
    manifest_path, runs_path = batch_dir / "manifest.json", batch_dir / "runs.parquet"
    if not manifest_path.is_file() or not runs_path.is_file():
        raise ScenarioError(batch_dir, "", "not a finished batch folder (needs manifest.json and "
                                           "runs.parquet: run `python run.py batch` first)")
    manifest = json.loads(manifest_path.read_text())
    method = manifest["design"]["method"]
    if method not in ("sobol", "morris"):
        raise ScenarioError(manifest["batch_file"], "sample.method",
                            f"is {method!r}; sensitivity needs a batch with a sobol or morris [sample]")
    return manifest, pd.read_parquet(runs_path)


def indices(manifest: dict, runs: pd.DataFrame) -> pd.DataFrame:
    """A long table: scenario, measure, parameter and the indices."""
    from SALib.analyze import morris, sobol

    design = manifest["design"]
    problem = design["problem"]
    n_points = len(design["points"])
    x = np.array([[p[k] for k in design["keys"]] for p in design["points"]], dtype=float)
    rows = []
    for scenario, group in runs.groupby("scenario", sort=False):
        means = group.groupby("point")[list(MEASURES)].mean().reindex(range(n_points))
        for measure in MEASURES:
            y = means[measure].to_numpy(dtype=float)
            if np.isnan(y).any() or np.nanstd(y) == 0:
                continue          # a level never reached at some point, or no variation
            if design["method"] == "sobol":
                res = sobol.analyze(problem, y, calc_second_order=False, seed=1)
                values = {"S1": res["S1"], "S1_conf": res["S1_conf"], "ST": res["ST"],
                          "ST_conf": res["ST_conf"]}
            else:
                res = morris.analyze(problem, x, y, num_levels=design["options"]["num_levels"], seed=1)
                values = {"mu_star": res["mu_star"], "mu_star_conf": res["mu_star_conf"],
                          "sigma": res["sigma"]}
            for i, name in enumerate(problem["names"]):
                rows.append({"scenario": scenario, "measure": measure, "parameter": name,
                             **{k: float(v[i]) for k, v in values.items()}})
    return pd.DataFrame(rows)


def chart(table: pd.DataFrame, method: str, path: Path) -> None:
    """One panel per measure: total-order (Sobol) or mu* (Morris) per parameter."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    value, err = ("ST", "ST_conf") if method == "sobol" else ("mu_star", "mu_star_conf")
    measures = list(dict.fromkeys(table["measure"]))
    first = table["scenario"].iloc[0]
    cols = 2
    rows = (len(measures) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(12, 3.2 * rows), squeeze=False)
    for ax, measure in zip(axes.flat, measures):
        part = table[(table.measure == measure) & (table.scenario == first)]
        ax.barh(part["parameter"], part[value], xerr=part[err], color="#0072B2")
        if method == "sobol":
            ax.scatter(part["S1"], part["parameter"], color="#D55E00", zorder=3, label="first order")
        ax.set_title(measure, fontsize=11)
        ax.set_xlabel("total-order index" if method == "sobol" else "mu* (mean |elementary effect|)")
        ax.grid(axis="x", alpha=0.3)
    for ax in list(axes.flat)[len(measures):]:
        ax.axis("off")
    fig.suptitle(f"Which parameters matter ({first}; bars: "
                 f"{'total order, dots: first order' if method == 'sobol' else 'mu*'})", fontsize=13)
    fig.tight_layout()
    write_atomically(path, fig.savefig)
    plt.close(fig)


def run_sensitivity(batch_dir: str | Path) -> list[Path]:
    """Compute the indices of a finished batch; write sensitivity.csv and .png."""
    batch_dir = Path(batch_dir)
    manifest, runs = _load(batch_dir)
    table = indices(manifest, runs)
    if table.empty:
        raise ScenarioError(batch_dir, "", "no measure varies across the design points")
    csv_path, png_path = batch_dir / "sensitivity.csv", batch_dir / "sensitivity.png"
    write_atomically(csv_path, lambda p: table.to_csv(p, index=False))
    chart(table, manifest["design"]["method"], png_path)
    return [csv_path, png_path]
