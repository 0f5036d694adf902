"""Sensitivity analysis of a finished batch: Sobol or Morris indices with SALib.

The batch must have a ``[sample]`` with ``method = "sobol"`` or ``"morris"``.
For each scenario and each numeric summary measure, the model output at a
design point is the mean over its replications; SALib then gives, per
parameter, Sobol first- and total-order indices (with 95% confidence
half-widths) or Morris mu* and sigma.

A Sobol design too small to rank the parameters (confidence intervals wider
than the indices, first-order above total-order) is flagged with one line
(:func:`sim.reporting.findings.design_warning`): issued as a
:class:`DesignWarning`, printed by the command line and shown in the chart.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import ScenarioError
from .files import FolderLock, check_claimable, write_atomically
from .reporting.escape import spreadsheet_safe
from .reporting.findings import design_warning
from .reporting.results import read_manifest, read_table

__all__ = ["MEASURES", "DesignWarning", "indices", "run_sensitivity", "chart"]

#: Summary measures analysed (those that vary with the parameters).
MEASURES = (
    "hours_to_50pct_affected", "hours_to_90pct_affected", "share_affected_first_from_company",
    "unaware_affected_share_24h", "unaware_affected_share_72h", "unaware_affected_share_end",
    "final_company_trust_affected", "final_aware_share",
)


class DesignWarning(UserWarning):
    """The sample is too small for the indices to rank the parameters."""


def _load(batch_dir: Path) -> tuple[dict, pd.DataFrame]:
    """The manifest and runs of a finished sobol or morris batch; one ScenarioError line
    for anything else (no batch, a damaged manifest or table, another design)."""
    if not batch_dir.is_dir():
        raise ScenarioError(batch_dir, "", "no such folder")
    manifest_path = batch_dir / "manifest.json"
    if not manifest_path.is_file():
        raise ScenarioError(batch_dir, "", "not a finished batch folder (needs manifest.json and "
                                           "runs.parquet: run `python run.py batch` first)")
    manifest = read_manifest(manifest_path)
    design = manifest.get("design")
    method = design.get("method") if isinstance(design, dict) else None
    if method not in ("sobol", "morris"):
        raise ScenarioError(manifest.get("batch_file", manifest_path), "sample.method",
                            f"is {method!r}; sensitivity needs a batch with a sobol or morris [sample]")
    problem = design.get("problem")
    if not (isinstance(problem, dict) and isinstance(design.get("points"), list) and design["points"]
            and isinstance(problem.get("names"), list) and isinstance(design.get("keys"), list)):
        raise ScenarioError(manifest_path, "design", "incomplete (no problem, keys or points); rerun the batch")
    runs = read_table(batch_dir / "runs.parquet", ("scenario", "point", *MEASURES))
    return manifest, runs


def indices(manifest: dict, runs: pd.DataFrame) -> pd.DataFrame:
    """A long table: scenario, measure, parameter, the indices and ``n``, the design's
    base sample (Sobol: points = n x (parameters + 2); Morris: trajectories), so
    that whoever quotes the table can say how large ``n`` should be."""
    from SALib.analyze import morris, sobol

    design = manifest["design"]
    problem = design["problem"]
    n_points = len(design["points"])
    base = _base_sample(design)
    x = np.array([[p[k] for k in design["keys"]] for p in design["points"]], dtype=float)
    rows = []
    if "status" in runs:
        runs = runs[runs["status"] == "ok"]
    for scenario, group in runs.groupby("scenario", sort=False):
        means = group.groupby("point")[list(MEASURES)].mean().reindex(range(n_points))
        for measure in MEASURES:
            y = means[measure].to_numpy(dtype=float)
            if np.isnan(y).any() or np.nanstd(y) == 0:
                continue          # a level never reached at some point, or no variation
            try:
                if design["method"] == "sobol":
                    res = sobol.analyze(problem, y, calc_second_order=False, seed=1)
                    values = {"S1": res["S1"], "S1_conf": res["S1_conf"], "ST": res["ST"],
                              "ST_conf": res["ST_conf"]}
                else:
                    res = morris.analyze(problem, x, y, num_levels=design["options"]["num_levels"], seed=1)
                    values = {"mu_star": res["mu_star"], "mu_star_conf": res["mu_star_conf"],
                              "sigma": res["sigma"]}
            except (ValueError, KeyError, IndexError, TypeError) as err:
                raise ScenarioError(manifest.get("batch_file", "manifest.json"), "design",
                                    f"the runs do not match the design ({err}); rerun the batch") from None
            for i, name in enumerate(problem["names"]):
                rows.append({"scenario": scenario, "measure": measure, "parameter": name,
                             **{k: float(v[i]) for k, v in values.items()}, "n": base})
    return pd.DataFrame(rows)


def _base_sample(design: dict) -> int | None:
    """The design's ``n`` (``[sample] n`` of the batch file), None if it has none."""
    n = (design.get("options") or {}).get("n")
    return n if isinstance(n, int) and not isinstance(n, bool) and n >= 1 else None


def chart(table: pd.DataFrame, path: Path, warning: str = "", short: dict[str, str] | None = None) -> None:
    """Write the sensitivity chart (:func:`sim.reporting.sensitivity_chart.sensitivity_chart`)."""
    from .reporting.scenarios import key_label
    from .reporting.sensitivity_chart import sensitivity_chart

    fig = sensitivity_chart(table, short, warning, key_label, "slide")
    write_atomically(path, fig.savefig)


def run_sensitivity(batch_dir: str | Path) -> list[Path]:
    """Compute the indices of a finished batch; write sensitivity.csv and .png.

    Issues a :class:`DesignWarning` (one line) when the design is too small
    to rank the parameters, saying how large ``n`` should be: computed from the
    whole table (every scenario), the same line the chart and a report quote.
    """
    batch_dir = Path(batch_dir)
    manifest, runs = _load(batch_dir)
    check_claimable(batch_dir, "batch")           # it writes into the batch folder: only ours
    table = indices(manifest, runs)
    if table.empty:
        raise ScenarioError(batch_dir, "", "no measure varies across the design points")
    warning = design_warning(table) if manifest["design"]["method"] == "sobol" else ""
    csv_path, png_path = batch_dir / "sensitivity.csv", batch_dir / "sensitivity.png"
    with FolderLock(batch_dir, "sensitivity"):
        write_atomically(csv_path, lambda p: spreadsheet_safe(table).to_csv(p, index=False))
        chart(table, png_path, warning)
    if warning:
        warnings.warn(warning, DesignWarning, stacklevel=2)
    return [csv_path, png_path]
