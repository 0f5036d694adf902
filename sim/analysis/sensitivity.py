"""Sensitivity analysis of a finished batch: Sobol or Morris indices with SALib.

The batch must have a ``[sample]`` with ``method = "sobol"`` or ``"morris"``.
For each scenario and each numeric summary measure, the model output at a
design point is the mean over its replications; SALib then gives, per
parameter, Sobol first- and total-order indices (with 95% confidence
half-widths) or Morris mu* and sigma.

A Sobol design too small to rank the parameters (confidence intervals wider
than the indices, first-order above total-order) is flagged with one line
(:func:`design_warning`): issued as a
:class:`DesignWarning`, printed by the command line and shown in the chart.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from ..config import catalog
from ..errors import ScenarioError
from ..runs.files import FolderLock, check_claimable, write_atomically
from ..runs.escape import spreadsheet_safe
from ..runs.folders import read_manifest, read_table

__all__ = ["SENSITIVITY_MEASURES", "DesignWarning", "indices", "design_warning", "run_sensitivity"]

#: Summary measures analysed (those that vary with the parameters; :data:`sim.config.catalog.USES`).
SENSITIVITY_MEASURES = catalog.USES["sensitivity"]


#: Confidence half-width of a Sobol index small enough to rank parameters.
TARGET_HALF_WIDTH = 0.1


def design_warning(table: pd.DataFrame, n: int | None = None) -> str:
    """A one-line warning when Sobol indices are too uncertain to rank parameters.

    Raised when a confidence half-width is wider than the index it belongs to
    (for indices above 0.05), or a first-order index exceeds its total-order
    index by more than its interval; says roughly how large the base sample
    ``n`` should be (half-widths shrink as 1/sqrt(n)) to get half-widths of
    at most :data:`TARGET_HALF_WIDTH`. ``n`` is the table's own ``n`` column
    (written by ``sensitivity``) when it has one, else the argument. One
    table gives one line, wherever it is quoted (command line, chart, report).
    Empty when fine or not a Sobol table.
    """
    if table is None or table.empty or "ST" not in table:
        return ""
    st, st_c = table["ST"].astype(float), table["ST_conf"].astype(float)
    s1, s1_c = table["S1"].astype(float), table["S1_conf"].astype(float)
    wide = ((st_c > st.abs()) & (st.abs() > 0.05)) | ((s1_c > s1.abs()) & (s1.abs() > 0.05))
    inverted = s1 > st + np.maximum(st_c, 0)
    negative = s1 < -np.maximum(s1_c, 0.0)
    if not (wide.any() or inverted.any() or negative.any()):
        return ""
    worst = float(np.nanmax(np.concatenate([st_c.to_numpy(), s1_c.to_numpy()])))
    reasons = []
    if wide.any():
        reasons.append("confidence intervals wider than the indices")
    if inverted.any():
        reasons.append("first-order above total-order indices")
    if negative.any() and not inverted.any():
        reasons.append("negative indices")
    factor = (worst / TARGET_HALF_WIDTH) ** 2 if worst > TARGET_HALF_WIDTH else 4.0
    n = _table_sample(table, n)
    need = f"n of at least {int(_round_up_pow2(n * factor))}" if n else \
        f"about {math.ceil(factor)} times the current n"
    return (f"Design too small to rank parameters ({_and(reasons)}; widest ±{worst:.2f}): "
            f"rerun with {need}.")


def _table_sample(table: pd.DataFrame, n: int | None) -> int | None:
    """The Sobol base sample ``n``: the table's ``n`` column if it holds one whole
    number above 0, else ``n`` (None when unknown)."""
    if "n" in table:
        values = pd.to_numeric(table["n"], errors="coerce").dropna().unique()
        if len(values) == 1 and values[0] >= 1 and float(values[0]).is_integer():
            return int(values[0])
    return n if isinstance(n, int) and not isinstance(n, bool) and n >= 1 else None


def _round_up_pow2(x: float) -> int:
    return 1 << max(0, math.ceil(math.log2(max(x, 1.0))))


def _and(words: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


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
    runs = read_table(batch_dir / "runs.parquet", ("scenario", "point", *SENSITIVITY_MEASURES))
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
        means = group.groupby("point")[list(SENSITIVITY_MEASURES)].mean().reindex(range(n_points))
        for measure in SENSITIVITY_MEASURES:
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


def run_sensitivity(batch_dir: str | Path,
                    draw: Callable[[pd.DataFrame, Path, str], None] | None = None) -> list[Path]:
    """Compute the indices of a finished batch; write ``sensitivity.csv`` into it, and,
    given ``draw(table, path, warning)``, ``sensitivity.png`` too (the command line
    passes :func:`sim.reporting.sensitivity_chart.write_sensitivity_chart`).

    Issues a :class:`DesignWarning` (one line) when the design is too small
    to rank the parameters, saying how large ``n`` should be: computed from the
    whole table (every scenario), the same line the chart and a report quote.
    Returns the files written.
    """
    batch_dir = Path(batch_dir)
    manifest, runs = _load(batch_dir)
    check_claimable(batch_dir, "batch")           # it writes into the batch folder: only ours
    table = indices(manifest, runs)
    if table.empty:
        raise ScenarioError(batch_dir, "", "no measure varies across the design points")
    warning = design_warning(table) if manifest["design"]["method"] == "sobol" else ""
    written = [batch_dir / "sensitivity.csv"]
    with FolderLock(batch_dir, "sensitivity"):
        write_atomically(written[0], lambda p: spreadsheet_safe(table).to_csv(p, index=False))
        if draw is not None:
            written.append(batch_dir / "sensitivity.png")
            draw(table, written[1], warning)
    if warning:
        warnings.warn(warning, DesignWarning, stacklevel=2)
    return written
