"""Who the report is for and how it looks: title, client, author, date, version,
logo and template folder.

Given on the command line (``--title --client --author --logo --template``) or
in a small TOML file (``--report-config FILE``) holding a ``[report]`` table::

    [report]
    title = "Telling 9.8 million customers: which plan?"
    client = "Example Telecom"
    author = "A. Consultant, Example Advisory"
    version = "v2, for review"
    date = "2026-11-23"          # default: today
    logo = "logo.png"            # relative to this file; PNG, JPEG or SVG
    template = "my_template/"    # relative to this file; see sim/reporting/templates/
    robustness = "../robust/robustness.csv"    # optional: from `breachsim robustness`
    sensitivity = "../sens/sensitivity.csv"    # optional: from `breachsim sensitivity`

Command-line options win over the file. Every problem raises
:class:`~sim.errors.ScenarioError` naming the file (or option) and key.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import ScenarioError

__all__ = ["ReportOptions", "load_report_config", "LOGO_TYPES", "TEXT_KEYS", "PATH_KEYS"]

#: Logo files the report can embed, by suffix.
LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}
TEXT_KEYS = ("title", "client", "author", "version", "date")
PATH_KEYS = ("logo", "template", "robustness", "sensitivity")
KEYS = TEXT_KEYS + PATH_KEYS
DEFAULT_TITLE = "How fast news of the breach reaches affected customers"


@dataclass(frozen=True)
class ReportOptions:
    """The report's cover details and look. ``date`` defaults to today (ISO).

    ``robustness`` and ``sensitivity``: CSV files of those analyses to quote
    (else ``robustness.csv`` / ``sensitivity.csv`` beside the results are used).
    """

    title: str = DEFAULT_TITLE
    client: str = ""
    author: str = ""
    version: str = ""
    date: str = field(default_factory=lambda: dt.date.today().isoformat())
    logo: Path | None = None
    template: Path | None = None
    robustness: Path | None = None
    sensitivity: Path | None = None

    def merged(self, **given: Any) -> "ReportOptions":
        """These options with every given (not None) value replaced, checked."""
        values = {k: v for k, v in given.items() if v is not None}
        out = replace(self, **values)
        out.check("option")
        return out

    def check(self, source: str | Path) -> None:
        """Raise ScenarioError if the logo or template cannot be used."""
        if self.logo is not None:
            logo = Path(self.logo)
            if not logo.is_file():
                raise ScenarioError(source, "logo", f"no such file: {logo}")
            if logo.suffix.lower() not in LOGO_TYPES:
                raise ScenarioError(source, "logo", f"got {logo.name}; allowed: a "
                                    f"{', '.join(sorted(s.lstrip('.').upper() for s in LOGO_TYPES))} file")
        if self.template is not None and not Path(self.template).is_dir():
            raise ScenarioError(source, "template", f"no such folder: {self.template}")
        for key in ("robustness", "sensitivity"):
            path = getattr(self, key)
            if path is not None and not Path(path).is_file():
                raise ScenarioError(source, key, f"no such file: {path}")


def load_report_config(path: str | Path) -> ReportOptions:
    """Read the ``[report]`` table of a TOML file (paths relative to the file)."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(path, "", "no such file")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(path, "", f"not valid TOML ({err})") from None
    except UnicodeDecodeError:
        raise ScenarioError(path, "", "not a UTF-8 text file") from None
    table = raw.get("report")
    if not isinstance(table, dict):
        raise ScenarioError(path, "report", "missing; allowed: a [report] table with "
                                            + ", ".join(KEYS))
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in KEYS:
            raise ScenarioError(path, f"report.{key}", f"unknown key; allowed: {', '.join(KEYS)}")
        if isinstance(value, dt.date):
            value = value.isoformat()
        if not isinstance(value, str) or (key in PATH_KEYS and not value.strip()):
            raise ScenarioError(path, f"report.{key}", f"got {value!r}; allowed: a string")
        values[key] = (path.parent / value).resolve() if key in PATH_KEYS else value
    options = ReportOptions(**values)
    options.check(path)
    return options
