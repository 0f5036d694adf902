"""The optimiser as a notebook object: ``sim.Optimisation`` (as ``breachsim optimise``).

::

    import sim
    opt = sim.Optimisation("direct_first",
                           levers={"channels.direct.campaigns.0.per_hour": (50_000, 2_000_000),
                                   "channels.direct.campaigns.0.start_hour": (0, 48)},
                           objectives=["unaware_affected_people_24h:min", "calls_peak_per_hour:min"],
                           constraints=["throughput.sms<=200000", "start>=12"], budget=600)
    opt.run("out/optimise")      # resumable: the same call again continues
    opt.table                    # pareto.csv
    opt.best                     # best.toml, a scenario file
    opt.plot()                   # front.png's chart

Levers are the command line's ``KEY=SPEC`` texts, or a mapping of keys to ``(low, high)``,
``(low, high, step)``, a list of choices, or ``"on|off"``. Bad arguments raise
:class:`~sim.errors.ScenarioError` at once, before anything runs.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

from ..analysis.optimise import prepare, run_optimisation
from ..analysis.optimise.search import DEFAULT_BUDGET, DEFAULT_REPS
from ..config.arguments import check_flag, check_folder, check_out_folder, check_overrides
from ..config.bundled import find_scenario
from ..errors import ScenarioError
from ..model.engine import DEFAULT_ENGINE
from ..runs.batchfile import DEFAULT_SEED

__all__ = ["Optimisation"]

WHERE = "sim.Optimisation"


def _value_text(value: Any) -> str:
    """One value of a lever's range as the command line writes it (TOML, or a word)."""
    if isinstance(value, str):
        return value
    return json.dumps(value)


def lever_texts(levers: Sequence[str] | Mapping[str, Any]) -> list[str]:
    """``KEY=SPEC`` texts from the command line's texts or a mapping (see the module)."""
    if isinstance(levers, Mapping):
        out = []
        for key, spec in levers.items():
            if isinstance(spec, tuple) and 2 <= len(spec) <= 3:
                out.append(f"{key}=" + ":".join(_value_text(v) for v in spec))
            elif isinstance(spec, list):
                out.append(f"{key}=" + "|".join(_value_text(v) for v in spec))
            elif isinstance(spec, str):
                out.append(f"{key}={spec}")
            else:
                raise ScenarioError(WHERE, f"levers.{key}", f"got {type(spec).__name__}; allowed: (low, high), "
                                    "(low, high, step), a list of choices, or a text such as \"0:48\" or \"on|off\"")
        return out
    if isinstance(levers, (list, tuple)) and all(isinstance(t, str) for t in levers):
        return list(levers)
    raise ScenarioError(WHERE, "levers", "allowed: a list of KEY=SPEC texts, or a mapping of keys to ranges")


def _texts(name: str, value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(t, str) for t in value):
        return list(value)
    raise ScenarioError(WHERE, name, f"got {type(value).__name__}; allowed: a text or a list of texts")


class Optimisation:
    """The best plans under constraints (see the module's docstring and the README)."""

    def __init__(self, scenario: str | Path, levers: Sequence[str] | Mapping[str, Any],
                 objectives: str | Sequence[str], constraints: str | Sequence[str] = (),
                 prices: Mapping[str, float] | None = None, budget: int = DEFAULT_BUDGET, reps: int = DEFAULT_REPS,
                 worlds: int = 1, score: str = "mean", seed: int = DEFAULT_SEED,
                 overrides: Mapping[str, Any] | None = None, compare: Sequence[str | Path] = (),
                 engine: str = DEFAULT_ENGINE):
        prices = [f"{m}={v}" for m, v in (prices or {}).items()]
        self.request = prepare(find_scenario(scenario), lever_texts(levers), _texts("objectives", objectives),
                               _texts("constraints", constraints), prices, budget, reps, worlds, score, seed,
                               check_overrides(WHERE, overrides), [find_scenario(c) for c in compare], engine)
        self.outcome = None
        self.folder: Path | None = None

    @classmethod
    def load(cls, folder: str | Path) -> "Optimisation":
        """A finished optimisation (an ``optimise`` output folder): its table, best plan and chart."""
        folder = check_folder(f"{WHERE}.load", "folder", folder)
        if not (folder / "optimise.json").is_file():
            raise ScenarioError(folder, "", "no optimise.json: not a finished optimisation folder")
        self = cls.__new__(cls)
        self.request, self.outcome, self.folder = None, None, folder
        return self

    def run(self, out: str | Path = Path("out") / "optimise", workers: int | None = None,
            progress: bool = True) -> "Optimisation":
        """Search into ``out`` (resumable: the same call again continues) and write its outputs."""
        if self.request is None:
            raise ScenarioError(f"{WHERE}.run", "", "a loaded optimisation is finished; make a new one to run")
        out = check_out_folder(f"{WHERE}.run", "out", out)
        check_flag(f"{WHERE}.run", "progress", progress)
        from .optimise_chart import write_optimise_chart

        self.outcome, _ = run_optimisation(self.request, out, workers, None, progress, draw=write_optimise_chart)
        self.folder = Path(out)
        return self

    def _folder(self) -> Path:
        if self.folder is None:
            raise ScenarioError(WHERE, "", "not run yet: call .run(out) first")
        return self.folder

    @property
    def data(self) -> dict:
        """``optimise.json``: the request, the best plan, the front, comparisons, what constraints cost."""
        return json.loads((self._folder() / "optimise.json").read_text(encoding="utf-8"))

    @property
    def table(self) -> pd.DataFrame:
        """``pareto.csv``: every plan run, the baseline and the compared scenarios."""
        return pd.read_csv(self._folder() / "pareto.csv")

    @property
    def best(self) -> Path | None:
        """The best plan's scenario file (``best.toml``), or None if no plan kept to the constraints."""
        path = self._folder() / "best.toml"
        return path if path.is_file() else None

    def plot(self, size: str = "page"):
        """The front (or, with one objective, a row per plan) as a matplotlib Figure."""
        from .notebook import _shown_in_notebooks
        from .optimise_chart import optimise_chart

        return _shown_in_notebooks(optimise_chart(self.data, self.table, size))

    def _repr_html_(self) -> str:
        from .notebook import _figure_png

        if self.folder is None:
            return f"<p>{html.escape(repr(self))}</p>"
        data = self.data
        best = data.get("best")
        line = (f"best plan: plan {best['plan']} ({html.escape(str(self.best))})" if best
                else "no plan kept to every constraint")
        from .optimise_chart import optimise_chart

        return (f"<p>{line}</p><img src='data:image/png;base64,{_figure_png(optimise_chart(data, self.table))}'/>")

    def __repr__(self) -> str:
        where = f" in {self.folder}" if self.folder else " (not run)"
        return f"Optimisation{where}"
