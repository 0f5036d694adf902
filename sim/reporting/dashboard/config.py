"""What one dashboard server was started with, handed from the command to the page.

The command (:mod:`sim.reporting.dashboard.serve`) writes it to an environment
variable before the web server imports the page (:mod:`sim.reporting.dashboard.app`),
which reads it back; plain JSON, so it also reaches worker processes.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

#: Base seed of the runs: the compare command's, so the dashboard's runs of a scenario are
#: the first runs compare makes of it.
from ...runs.batchfile import DEFAULT_SEED

__all__ = ["DEFAULT_PORT", "DEFAULT_REPLICATIONS", "DEFAULT_SEED", "ENV", "DashboardConfig"]

ENV = "BREACHSIM_DASHBOARD"
DEFAULT_PORT = 8765
DEFAULT_REPLICATIONS = 10


@dataclass
class DashboardConfig:
    """Scenario files (absolute paths; the first is shown first), run settings, output folder.

    ``people`` is the agents per run (``None``: each scenario's own
    ``population.size``); ``workers`` the worker processes (``None``: cores);
    ``optimisation`` an optimisation's folder (absolute) whose plans the page offers.
    """

    scenarios: list[str] = field(default_factory=list)
    replications: int = DEFAULT_REPLICATIONS
    people: int | None = None
    seed: int = DEFAULT_SEED
    out: str = str(Path("out") / "dashboard")
    workers: int | None = None
    optimisation: str | None = None

    def to_env(self) -> None:
        os.environ[ENV] = json.dumps(asdict(self))

    @classmethod
    def from_env(cls) -> "DashboardConfig":
        """The configuration set by the command, or the bundled scenarios with defaults."""
        text = os.environ.get(ENV)
        if text:
            return cls(**json.loads(text))
        from ...config.bundled import main_job_files

        return cls([str(p) for p in main_job_files()])
