"""The calibration chart: targets against the calibrated model over time, and the
posterior marginal of each fitted key (:mod:`sim.analysis.calibration` computes them)."""

from __future__ import annotations

from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..analysis.calibration.fit import CREDIBLE, Result
from ..config.schema import label_of
from ..config.catalog import TARGETS
from ..runs.files import write_atomically

__all__ = ["fit_figure", "write_fit_chart"]

BLUE, ORANGE = "#0072B2", "#D55E00"


def _text(text: str) -> str:
    return str(text).replace("$", r"\$")


def fit_figure(result: Result) -> Figure:
    """Targets against the calibrated model over time (median and 10-90% of the
    posterior-draw runs), and the posterior marginal of each fitted key."""
    cal = result.calibration
    measures = list(result.curves)
    cols = max(len(measures), len(cal.fits), 1)
    cols = min(cols, 4)
    rows = -(-len(measures) // cols) + -(-len(cal.fits) // cols)
    fig = Figure(figsize=(4.2 * cols, 3.4 * rows), dpi=120, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes:
        ax.set_visible(False)
    for ax, measure in zip(axes, measures):
        _curve_panel(ax, result, measure)
    start = -(-len(measures) // cols) * cols
    for ax, (i, fit) in zip(axes[start:], enumerate(cal.fits)):
        _marginal_panel(ax, result, i, fit)
    fig.suptitle(_text(f"{cal.scenario.name}: calibrated to {cal.targets_file.name} "
                       f"({result.runs} runs)"), fontsize=12)
    return fig


def _curve_panel(ax, result: Result, measure: str) -> None:
    ax.set_visible(True)
    curve = result.curves[measure]
    hours = curve.index.to_numpy(float)
    ax.fill_between(hours, curve["p10"], curve["p90"], color=BLUE, alpha=0.2, lw=0,
                    label="calibrated: 10-90% (parameters and chance)")
    ax.plot(hours, curve["median"], color=BLUE, lw=2, label="calibrated: median")
    targets = [t for t in result.calibration.targets if t.measure == measure]
    ax.errorbar([t.hours for t in targets], [t.value for t in targets],
                yerr=[2 * t.sd for t in targets], fmt="o", color=ORANGE, ms=6, capsize=3,
                label="target (± 2 sd)", zorder=3)
    ax.set_title(_text(TARGETS[measure].label), fontsize=9)
    ax.set_xlabel("hours since the start")
    ax.set_ylabel("share")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best")


def _marginal_panel(ax, result: Result, index: int, fit) -> None:
    ax.set_visible(True)
    values = fit.low + result.posterior.units[:, index] * (fit.high - fit.low)
    ax.hist(values, bins=30, range=(fit.low, fit.high), color=BLUE, alpha=0.7, density=True)
    a, b = result.intervals[fit.key]
    ax.axvspan(a, b, color=BLUE, alpha=0.12, lw=0,
               label=f"{int(round(100 * (CREDIBLE[1] - CREDIBLE[0])))}% credible interval")
    ax.axvline(result.best[fit.key], color="black", lw=1.5, label=f"best {result.best[fit.key]:.4g}")
    ax.set_xlim(fit.low, fit.high)
    ax.set_title(_text(f"{label_of(fit.key)}"), fontsize=9)
    ax.set_xlabel(_text(fit.key), fontsize=8)
    ax.set_ylabel("posterior density")
    ax.legend(fontsize=7, loc="best")


def write_fit_chart(result: Result, path: Path) -> None:
    """``fit.png``: :func:`fit_figure`, written as one unit."""
    fig = fit_figure(result)
    write_atomically(path, lambda p: fig.savefig(p))
