"""The report page from templates (jinja2), restylable with a template folder.

The built-in templates are in ``sim/reporting/templates/``: ``report.html.j2``
(the page, in blocks) and ``report.css`` (its look, on screen and in print).
A consultancy restyles the report with its own folder (``--template DIR``):
a file there replaces the built-in file of the same name, and a template can
extend the original as ``builtin/report.html.j2`` and override only some
blocks (``cover``, ``summary``, ``compared``, ``results``, ``sweep``,
``uncertainty``, ``appendix``, ``footer``). See the README, "Reports for
clients".
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

__all__ = ["TEMPLATES", "render_html", "environment"]

#: The built-in template folder.
TEMPLATES = Path(__file__).resolve().parent / "templates"


def environment(template_dir: str | Path | None = None) -> jinja2.Environment:
    """A jinja2 environment: ``template_dir`` first, then the built-in templates
    (also reachable as ``builtin/<name>``); HTML autoescaping on."""
    builtin = jinja2.FileSystemLoader(str(TEMPLATES))
    loaders: list[jinja2.BaseLoader] = []
    if template_dir is not None:
        loaders.append(jinja2.FileSystemLoader(str(template_dir)))
    loaders += [builtin, jinja2.PrefixLoader({"builtin": builtin})]
    env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), undefined=jinja2.StrictUndefined,
                             autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
                             trim_blocks=True, lstrip_blocks=True, finalize=keep_units)
    return env


_UNIT = re.compile(r"(\d) (M|h|hours?|days?|minutes|%)(?=\W|$)")


def keep_units(value: Any) -> Any:
    """A number and its unit never split across lines (``31 h``, ``9.8 M``)."""
    if isinstance(value, markupsafe.Markup) or not isinstance(value, str):
        return value
    return _UNIT.sub("\\1\u00a0\\2", value)


def render_html(context: dict[str, Any], template_dir: str | Path | None = None,
                name: str = "report.html.j2") -> str:
    """The report page (one self-contained HTML file: images and styles inline)."""
    from ..errors import ScenarioError

    try:
        return environment(template_dir).get_template(name).render(**context)
    except jinja2.TemplateError as err:
        where = getattr(err, "filename", None) or (template_dir or TEMPLATES)
        line = getattr(err, "lineno", None)
        raise ScenarioError(where, f"line {line}" if line else "", f"template error: {err.message}") from None
