"""The posterior of the fitted parameters, and ``posterior.csv``.

Likelihood (synthetic, Wood 2010): each target value y_j is taken as normal
around the model's mean m_j(theta), with variance sd_j^2 (the target's
standard error) + v_j (the model's chance variance of one run) + e_j(theta)
(the emulator's own uncertainty); a target's ``weight`` multiplies its term.
The prior is uniform over the box of ``--fit`` ranges.

Sampling: adaptive importance sampling on the emulators (cheap, no runs): a
scrambled Sobol sample of the box, then rounds whose proposal is a widened
normal fitted to the weighted sample, mixed with 20% uniform so that no part
of the box is left out; the last round is resampled to equal weights.

``posterior.csv`` has a column per fitted key (its dotted name) plus
``sample``, ``log_likelihood`` and ``distance`` (root mean square of the
standardised differences between targets and the emulated model). Any
column with a dot in its name is a parameter; :func:`posterior_draws` reads
them back for ``compare --posterior`` and ``robustness --posterior``.
"""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from ...errors import ScenarioError, shorten
from ...runs.files import write_atomically
from ...config.readers import read_user_text
from ...config.schema import Field, Invalid, OneOrPerCohort, lookup_spec

__all__ = ["Posterior", "log_likelihood", "sample_posterior", "write_posterior", "read_posterior",
           "posterior_draws", "check_posterior", "MAX_POSTERIOR_BYTES"]

#: Mixture weight of the uniform part of each proposal.
DEFENSIVE = 0.2
#: Largest posterior file read (bytes): a calibration writes about 100 kB.
MAX_POSTERIOR_BYTES = 64 * 1024 * 1024
#: What a posterior file is, in error lines.
WHAT = "a posterior file (the posterior.csv of a calibration)"


@dataclass
class Posterior:
    """Equal-weight posterior samples in the unit cube, with their log-likelihood,
    distance, and the effective sample size of the importance weights."""

    units: np.ndarray
    log_lik: np.ndarray
    distance: np.ndarray
    ess: float


def log_likelihood(predict: Callable, units: np.ndarray, values: np.ndarray, sd: np.ndarray,
                   weight: np.ndarray, chance_var: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Log-likelihood and distance of each point (rows of ``units``).

    ``predict(units)`` returns the emulated mean and variance, each (points, targets).
    """
    mean, emulator_var = predict(units)
    var = sd ** 2 + chance_var + emulator_var
    z2 = (values - mean) ** 2 / var
    log_lik = -0.5 * np.sum(weight * (z2 + np.log(2 * math.pi * var)), axis=1)
    distance = np.sqrt(np.sum(weight * z2, axis=1) / np.sum(weight))
    return log_lik, distance


def _normalised(log_w: np.ndarray) -> np.ndarray:
    w = np.exp(log_w - np.max(log_w))
    return w / w.sum()


def _truncated_normal(rng, mean, cov, n) -> tuple[np.ndarray, float]:
    """``n`` normal draws inside the unit cube, and the share of draws that fell inside."""
    kept, drawn = [], 0
    while sum(len(k) for k in kept) < n and drawn < 200 * n:
        x = rng.multivariate_normal(mean, cov, size=4 * n)
        drawn += len(x)
        kept.append(x[np.all((x >= 0) & (x <= 1), axis=1)])
    inside = np.concatenate(kept)
    if len(inside) < n:                      # the normal sits almost wholly outside: use uniform
        return rng.random((n, len(mean))), 0.0
    return inside[:n], len(inside) / drawn


def sample_posterior(loglik: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]], dims: int,
                     seed: int, n: int = 4096, rounds: int = 4, keep: int = 2000) -> Posterior:
    """Posterior samples by adaptive importance sampling (see the module docstring)."""
    from scipy.stats import multivariate_normal, qmc     # here: scipy.stats takes a second to import

    rng = np.random.default_rng(seed)
    units = qmc.Sobol(dims, scramble=True, seed=rng).random(n)
    log_q = np.zeros(n)                                   # uniform proposal, density 1
    for round_ in range(rounds):
        log_lik, distance = loglik(units)
        weights = _normalised(log_lik - log_q)
        if round_ == rounds - 1:
            break
        mean = weights @ units
        centred = units - mean
        cov = 2.0 * (centred.T * weights) @ centred + 1e-6 * np.eye(dims)
        normal, inside = _truncated_normal(rng, mean, cov, n)
        mix = rng.random(n) < DEFENSIVE
        units = np.where(mix[:, None], rng.random((n, dims)), normal)
        density = multivariate_normal(mean, cov).pdf(units) / inside if inside > 0 else 0.0
        log_q = np.log(DEFENSIVE + (1 - DEFENSIVE) * density)
    ess = float(1.0 / np.sum(weights ** 2))
    positions = (rng.random() + np.arange(keep)) / keep  # systematic resampling
    picked = np.minimum(np.searchsorted(np.cumsum(weights), positions), n - 1)
    picked = picked[rng.permutation(keep)]
    return Posterior(units[picked], log_lik[picked], distance[picked], ess)


def write_posterior(path: Path, table: pd.DataFrame) -> None:
    """Write ``posterior.csv`` atomically."""
    write_atomically(path, lambda p: table.to_csv(p, index=False, float_format="%.6g"))


def _numeric_field(key: str) -> Field | None:
    try:
        spec = lookup_spec(key)
    except Invalid:
        return None
    spec = spec.value if isinstance(spec, OneOrPerCohort) else spec
    return spec if isinstance(spec, Field) and spec.convert in (float, int) else None


def read_posterior(path: str | Path) -> pd.DataFrame:
    """The parameter columns of a posterior file (one row per sample), checked.

    The file is read like a scenario file (:func:`sim.config.readers.read_user_text`:
    regular files only, at most :data:`MAX_POSTERIOR_BYTES`, UTF-8); lines
    starting with ``#`` are comments. Raises ScenarioError (naming the file,
    the line and the column) for no parameter columns or no rows, a column
    given twice, a column that is not a number-valued scenario key, a row
    with the wrong number of cells, or a value the key does not allow (a
    whole-number key given 2.7 is refused, not truncated).
    """
    if not isinstance(path, (str, os.PathLike)):
        raise ScenarioError("posterior", "", f"got {type(path).__name__}; allowed: the path of a "
                                             "posterior.csv")
    path = Path(path)
    header, rows = _csv_rows(path, read_user_text(path, "", WHAT, MAX_POSTERIOR_BYTES))
    keys = [c for c in header if "." in c]
    if not keys or not rows:
        raise ScenarioError(path, "", "no parameter columns (dotted scenario keys) or no rows")
    fields = {}
    for key in keys:
        fields[key] = _numeric_field(key)
        if fields[key] is None:
            raise ScenarioError(path, shorten(key), "not a scenario key holding a number")
    columns = {key: [] for key in keys}
    for line, cells in rows:
        if len(cells) != len(header):
            raise ScenarioError(path, f"line {line}", f"{len(cells)} cells; the header has {len(header)}")
        for key, text in zip(header, cells):
            if key in columns:
                columns[key].append(_value(path, line, key, text, fields[key]))
    return pd.DataFrame({key: pd.Series(values, dtype=int if fields[key].convert is int else float)
                         for key, values in columns.items()})


def _csv_rows(path: Path, text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header (each name once) and (line number, cells) of the data lines of a CSV text."""
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1)
             if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise ScenarioError(path, "", "no header line; expected the posterior.csv of a calibration")
    try:
        rows = [(n, [c.strip() for c in next(csv.reader([line]))]) for n, line in lines]
    except csv.Error as err:
        raise ScenarioError(path, "", f"not a readable CSV file ({shorten(str(err), 80)})") from None
    header = rows[0][1]
    twice = next((c for i, c in enumerate(header) if c in header[:i]), None)
    if twice is not None:
        raise ScenarioError(path, f"line {rows[0][0]}", f"column {shorten(repr(twice), 60)} given "
                                                        "twice; allowed: each column once")
    return header, rows[1:]


def _value(path: Path, line: int, key: str, text: str, field: Field) -> float | int:
    """One cell of a parameter column, checked against the key's field."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    whole = field.convert is int
    if not math.isfinite(value) or (whole and value != round(value)):
        raise ScenarioError(path, f"line {line}: {key}", f"got {shorten(repr(text), 40)}; allowed: "
                                                         f"{field.allowed}")
    value = int(round(value)) if whole else value
    if not field.test(value):
        raise ScenarioError(path, f"line {line}: {key}", f"got {shorten(repr(text), 40)}; allowed: "
                                                         f"{field.allowed}")
    return value


def check_posterior(path: str | Path, scenarios: list) -> pd.DataFrame:
    """The posterior table of ``path``, its keys checked against every scenario
    (a list item the scenario has; tried with the first row's values). Raises
    ScenarioError naming the posterior file, the key and the scenario."""
    from ...config.scenario import with_overrides

    table = read_posterior(path)
    first = {k: (v.item() if hasattr(v, "item") else v) for k, v in table.iloc[0].items()}
    for scenario in scenarios:
        for key, value in first.items():
            try:
                with_overrides(scenario, {key: value})
            except ScenarioError as err:
                name = scenario.path.name if scenario.path else scenario.name
                raise ScenarioError(path, key, f"cannot be set in {name}: {err.message}") from None
    return table


def posterior_draws(path: str | Path, n: int, seed: int) -> list[dict]:
    """``n`` parameter sets drawn (uniformly, with replacement, seeded) from a posterior file:
    one per replication, the same for every scenario of a comparison."""
    table = read_posterior(path)
    rows = np.random.default_rng([int(seed), 0xCA1]).integers(0, len(table), size=n)
    records = table.to_dict("records")
    return [{k: (v.item() if hasattr(v, "item") else v) for k, v in records[i].items()} for i in rows]
