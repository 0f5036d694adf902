"""Steady-state figures of a call-centre queue with abandonment (Erlang A, Palm's M/M/n+M).

Calls arrive at ``lambda`` per hour, ``n`` agents answer at ``mu = 60 / handle_minutes``
per hour each, a waiting caller hangs up at rate ``theta = 60 / patience_minutes`` per
hour. Callers in the system form a birth-death chain with death rate ``d_k = min(k, n) mu
+ max(k - n, 0) theta``, so ``pi_k ~ prod_{j<=k} lambda / d_j`` (log space, :func:`erlang_a`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

__all__ = ["CallCentre", "QueueFigures", "erlang_a"]

TAIL = 1e-12  # mass left out of the window, relative to the mass kept


@dataclass(frozen=True)
class CallCentre:
    """A call centre: its agents and its callers' patience.

    Attributes
    ----------
    agents : int
        People answering at once (>= 0; 0 means every caller hangs up).
    handle_minutes : float
        Mean minutes per answered call (> 0).
    patience_minutes : float
        Mean minutes a caller waits before hanging up (> 0).
    """

    agents: int
    handle_minutes: float
    patience_minutes: float

    def __post_init__(self):
        if not (float(self.agents).is_integer() and self.agents >= 0):
            raise ValueError(f"agents must be a whole number >= 0, not {self.agents!r}")
        for name in ("handle_minutes", "patience_minutes"):
            if not (np.isfinite(getattr(self, name)) and getattr(self, name) > 0):
                raise ValueError(f"{name} must be a finite number of minutes > 0, not {getattr(self, name)!r}")


class QueueFigures(NamedTuple):
    """Steady-state figures, one entry per arrival rate (same shape as the rates).

    Attributes
    ----------
    wait_share : numpy.ndarray
        Share of callers who find every agent busy and wait at all (0..1).
    mean_wait_minutes : numpy.ndarray
        Mean minutes in the queue over all callers (those who hang up count until they do).
    abandon_share : numpy.ndarray
        Share of callers who hang up before being answered (0..1).
    busy_share : numpy.ndarray
        Agents' utilisation (0..1; 0 when there are no agents).
    """

    wait_share: np.ndarray
    mean_wait_minutes: np.ndarray
    abandon_share: np.ndarray
    busy_share: np.ndarray


def _death(k, n, mu, theta):
    """Death rate ``d_k`` (per hour) of the states ``k``: answers plus hang-ups."""
    return np.minimum(k, n) * mu + np.maximum(k - n, 0) * theta


def _window(lam, n, mu, theta):
    """States ``lo..hi`` around the mode and their log weights (max 0), tails < TAIL."""
    busy = lam < n * mu
    mode = int(np.floor(lam / mu) if busy else n + np.floor((lam - n * mu) / theta))
    width = int(np.ceil(8.0 * np.sqrt(lam / (mu if busy else theta)))) + 8
    while True:
        k = np.arange(max(0, mode - width), mode + width + 1)
        logw = np.concatenate(([0.0], np.cumsum(np.log(lam / _death(k[1:], n, mu, theta)))))
        logw -= logw.max()
        up, down = lam / _death(k[-1] + 1, n, mu, theta), _death(k[0], n, mu, theta) / lam
        tail = np.exp(logw[-1]) * up / (1 - up) if up < 1 else np.inf  # later ratios are smaller
        tail += np.exp(logw[0]) * down / (1 - down) if k[0] > 0 else 0.0  # earlier ones too
        if tail < TAIL * np.exp(logw).sum():
            return k, logw
        width *= 2


def _figures(lam, n, mu, theta):
    """(wait_share, mean_wait_hours, abandon_share, busy_share) at one rate ``lam`` > 0."""
    k, logw = _window(lam, n, mu, theta)
    pi = np.exp(logw) / np.exp(logw).sum()
    queue = np.dot(np.maximum(k - n, 0), pi)  # L_q
    abandon = min(1.0, theta * queue / lam)
    busy = min(1.0, lam * (1 - abandon) / (n * mu)) if n else 0.0
    return min(1.0, pi[k >= n].sum()), queue / lam, abandon, busy


def erlang_a(calls_per_hour, centre: CallCentre) -> QueueFigures:
    """Steady-state figures for each arrival rate (array or scalar, calls per hour, >= 0).

    Parameters
    ----------
    calls_per_hour : float or array_like
        Mean arrival rates ``lambda``, calls per hour, finite and >= 0.
    centre : CallCentre
        Agents, mean handle minutes and mean patience minutes.

    Returns
    -------
    QueueFigures
        Arrays shaped like ``calls_per_hour``. With ``L_q = sum (k-n)^+ pi_k``: mean wait
        ``L_q / lambda`` (Little), abandon share ``theta L_q / lambda``, busy share ``lambda
        (1 - abandon) / (n mu)``, wait share ``P(k >= n)`` (arrivals see time averages).
        A rate of 0 gives zeros; 0 agents give abandon share 1 and mean wait = patience.

    Raises
    ------
    ValueError
        A rate is negative or not finite (bad centres fail when built).

    Notes
    -----
    Truncation: ``pi`` is unimodal (it rises while ``d_k < lambda``). Only states
    ``lo..hi`` around the mode are kept, starting 8 local standard deviations
    (``sqrt(lambda / mu)``, or ``sqrt(lambda / theta)`` above ``n``) either side and
    doubling until the mass outside is < 1e-12 of the mass inside. This is safe because
    the test is a bound, not an estimate: ``d_k`` grows with ``k``, so above ``hi`` each
    ratio ``pi_{k+1} / pi_k = lambda / d_{k+1}`` is at most ``r = lambda / d_{hi+1} < 1``
    and that tail is at most ``pi_hi r / (1 - r)``; below ``lo`` each ratio ``pi_{k-1} /
    pi_k = d_k / lambda`` is at most ``q = d_lo / lambda < 1``, tail at most ``pi_lo q /
    (1 - q)``. The window is a few 10^4 states even at lambda = 1e7 per hour.
    """
    lam = np.asarray(calls_per_hour, dtype=float)
    if not np.all(np.isfinite(lam) & (lam >= 0)):
        raise ValueError("calls_per_hour must be finite and >= 0")
    n, mu, theta = int(centre.agents), 60.0 / centre.handle_minutes, 60.0 / centre.patience_minutes
    out = np.zeros((4, lam.size))
    for i, rate in enumerate(lam.ravel()):
        if rate > 0:
            out[:, i] = _figures(rate, n, mu, theta)
    out[1] *= 60.0  # hours -> minutes
    return QueueFigures(*(row.reshape(lam.shape) for row in out))
