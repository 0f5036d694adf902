"""Gaussian-process emulators: the model's mean value of each target as a
function of the fitted parameters (scikit-learn's ``GaussianProcessRegressor``).

One emulator per target point, trained on the mean of each parameter set's
replications, with that mean's own chance variance (variance / replications)
as known noise, plus a fitted white-noise term for what the smooth kernel
cannot follow. Inputs are the parameters scaled to [0, 1]; outputs are shares.
A fixed ``random_state`` makes the fit, and so the next wave's design,
repeatable (a rerun reuses its runs).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

__all__ = ["Emulators", "fit_emulators"]


@dataclass
class Emulators:
    """One fitted GP per target; ``predict`` gives mean and variance (shares)."""

    models: list[GaussianProcessRegressor]

    def predict(self, units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Emulated mean (clipped to [0, 1]) and emulator variance, each (points, targets)."""
        means, variances = [], []
        for model in self.models:
            mean, sd = model.predict(np.atleast_2d(units), return_std=True)
            means.append(np.clip(mean, 0.0, 1.0))
            variances.append(sd ** 2)
        return np.column_stack(means), np.column_stack(variances)


def _kernel(dims: int):
    return (ConstantKernel(0.05, (1e-6, 10.0))
            * Matern(length_scale=np.full(dims, 0.3), length_scale_bounds=(0.02, 20.0), nu=2.5)
            + WhiteKernel(1e-5, (1e-10, 1e-1)))


def fit_emulators(units: np.ndarray, means: np.ndarray, mean_variances: np.ndarray,
                  seed: int = 0) -> Emulators:
    """Fit one GP per target column.

    Parameters
    ----------
    units : (points, parameters) array in [0, 1]
    means : (points, targets) array of shares (mean over a point's replications)
    mean_variances : (points, targets) array, the chance variance of each mean
    seed : int
        ``random_state`` of the optimiser restarts.
    """
    models = []
    for j in range(means.shape[1]):
        scale = float(np.std(means[:, j])) or 1.0       # normalize_y works in units of the std
        alpha = mean_variances[:, j] / scale ** 2 + 1e-10
        model = GaussianProcessRegressor(_kernel(units.shape[1]), alpha=alpha,
                                         normalize_y=True, n_restarts_optimizer=2,
                                         random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(units, means[:, j])
        models.append(model)
    return Emulators(models)
