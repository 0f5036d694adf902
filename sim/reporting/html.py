"""The report page from templates (jinja2), restylable with a template folder.

The built-in templates are in ``sim/reporting/templates/``: ``report.html.j2``
(the page, in blocks) and ``report.css`` (its look, on screen and in print).
A consultancy restyles the report with its own folder (``--template DIR``):

- a ``report.css`` there is *added after* the built-in stylesheet, so one
  rule changes one thing and the page keeps its layout, footers and page
  numbers (the page reaches it as ``user/report.css``);
- a ``report.replace.css`` there *replaces* the built-in stylesheet whole
  (then a ``report.css`` is still added after it): for a house style that
  sets everything itself;
- any other file replaces the built-in file of the same name, and a
  template can extend the original as ``builtin/report.html.j2`` and
  override only some blocks (``head``, ``cover``, ``summary``, ``compared``,
  ``results``, ``sweep``, ``uncertainty``, ``appendix``, ``footer``).

See the README, "Reports for clients".

A template folder is code from outside, so it is held in:

- every template is rendered in a sandbox with limits
  (:mod:`sim.reporting.sandbox`): no reaching Python's internals, no endless
  loops, no page of gigabytes;
- a template file is read as every user file is (:mod:`sim.config.readers`): a
  regular UTF-8 file of at most 4 MB, inside the folder (a link pointing out
  of it is refused);
- the page may not fetch or run anything (:mod:`sim.reporting.references`):
  a template that refers to a URL, a file or a script is refused in one line
  naming the template file and line; a page from a template folder also
  carries a Content-Security-Policy that lets a browser load nothing.

Every problem is one :class:`~sim.errors.ScenarioError` naming the template
file and line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
from jinja2.loaders import split_template_path

from ..errors import ScenarioError
from ..config.readers import read_user_text
from .references import ALLOWED, page_findings
from .sandbox import ReportSandbox, TemplateLimit, render_bounded

__all__ = ["TEMPLATES", "CSP", "render_html", "environment"]

#: The built-in template folder.
TEMPLATES = Path(__file__).resolve().parent / "templates"
#: The Content-Security-Policy of a page made with a template folder: a browser loads
#: nothing but the page's own data: images and fonts, and runs nothing.
CSP = ("default-src 'none'; img-src data:; font-src data:; style-src 'unsafe-inline'; "
       "form-action 'none'; base-uri 'none'")
_TEMPLATE = "a jinja2 template (UTF-8 text)"


class UserTemplates(jinja2.BaseLoader):
    """Templates from a user's folder, read through :mod:`sim.config.readers` (regular files
    inside the folder, UTF-8, at most 4 MB). ``files`` lists those read."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder).resolve()
        self.files: list[str] = []

    def get_source(self, environment, template):
        path = self.folder.joinpath(*split_template_path(template))
        if not (path.is_symlink() or path.exists()):
            raise jinja2.TemplateNotFound(template)
        try:
            inside = path.resolve().is_relative_to(self.folder)
        except (OSError, RuntimeError):       # a loop of links
            inside = False
        if not inside:
            raise ScenarioError(path, "", "is a link to a file outside the template folder; "
                                          "allowed: files inside the folder")
        text = read_user_text(path, "", _TEMPLATE)
        self.files.append(str(path))
        return text, str(path), lambda: True


def environment(template_dir: str | Path | None = None) -> jinja2.Environment:
    """A sandboxed jinja2 environment (:class:`~sim.reporting.sandbox.ReportSandbox`):
    ``template_dir`` first, then the built-in templates; the built-in ones are
    also reachable as ``builtin/<name>``, the user's as ``user/<name>`` (so the
    page can add the user's stylesheet after its own); HTML autoescaping on."""
    builtin = jinja2.FileSystemLoader(str(TEMPLATES))
    loaders: list[jinja2.BaseLoader] = []
    prefixed: dict[str, jinja2.BaseLoader] = {"builtin": builtin}
    if template_dir is not None:
        user = UserTemplates(template_dir)
        loaders.append(user)
        prefixed["user"] = user
    loaders += [builtin, jinja2.PrefixLoader(prefixed)]
    return ReportSandbox(loader=jinja2.ChoiceLoader(loaders), undefined=jinja2.StrictUndefined,
                         autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
                         trim_blocks=True, lstrip_blocks=True, finalize=keep_units)


_UNIT = re.compile(r"(\d) (M|h|hours?|days?|minutes|%)(?=\W|$)")


def keep_units(value: Any) -> Any:
    """A number and its unit never split across lines (``31 h``, ``9.8 M``)."""
    if isinstance(value, markupsafe.Markup) or not isinstance(value, str):
        return value
    return _UNIT.sub("\\1\u00a0\\2", value)


def render_html(context: dict[str, Any], template_dir: str | Path | None = None,
                name: str = "report.html.j2") -> str:
    """The report page (one self-contained HTML file: images and styles inline).

    Raises
    ------
    ScenarioError
        for a template error, a template past the sandbox's limits, or a page
        that would fetch or run something; naming the template file and line.
    """
    env = environment(template_dir)
    try:
        page = render_bounded(env.get_template(name), context)
    except ScenarioError:
        raise
    except Exception as err:  # noqa: BLE001 - a template is code: whatever it raises is the user's
        raise _template_error(err, env, template_dir) from None
    _check_references(page, env, template_dir)
    return _with_policy(page) if template_dir is not None else page


# --------------------------------------------------------------------------- errors

def _template_files(env: jinja2.Environment) -> set[str]:
    """The template files an environment has read (the user's and the built-in ones)."""
    user = [loader for loader in env.loader.loaders if isinstance(loader, UserTemplates)]
    return {f for loader in user for f in loader.files} | {str(p) for p in TEMPLATES.iterdir()}


def _where(err: BaseException, env: jinja2.Environment) -> tuple[str | None, int | None]:
    """The template file and line an error happened in (the innermost template frame)."""
    if isinstance(err, jinja2.TemplateSyntaxError):
        return err.filename, err.lineno
    files, where = _template_files(env), (None, None)
    tb = err.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename in files:
            where = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return where


def _reason(err: BaseException) -> str:
    if isinstance(err, RecursionError):
        return "a macro or include calls itself too deeply; allowed: recursion that ends"
    if isinstance(err, MemoryError):
        return "ran out of memory"
    if isinstance(err, (jinja2.TemplateError, TemplateLimit)):
        return str(getattr(err, "message", None) or err)
    return f"{type(err).__name__}: {err}"


def _template_error(err: BaseException, env, template_dir) -> ScenarioError:
    """One line for a failed render: the file and line, and what went wrong."""
    file, line = _where(err, env)
    where = file or (template_dir or TEMPLATES)
    return ScenarioError(where, f"line {line}" if line else "", f"template error: {_reason(err)}")


# --------------------------------------------------------------------------- references

def _locate(needle: str, files: list[str]) -> tuple[str, int] | None:
    """The first template file and line holding ``needle`` (case-insensitive), if any
    (None for a needle too common to tell, such as ``<``)."""
    if len(needle) < 3:
        return None
    for file in files:
        try:
            text = read_user_text(file, "", _TEMPLATE)
        except ScenarioError:
            continue
        at = text.lower().find(needle.lower())
        if at >= 0:
            return file, text.count("\n", 0, at) + 1
    return None


def _check_references(page: str, env, template_dir) -> None:
    """Refuse a page that would fetch or run anything, naming where it came from."""
    found = page_findings(page)
    if not found:
        return
    first = found[0]
    user = [f for loader in env.loader.loaders if isinstance(loader, UserTemplates) for f in loader.files]
    place = _locate(first.needle, user + sorted(str(p) for p in TEMPLATES.iterdir()))
    source, key = place if place else (template_dir or TEMPLATES, first.line)
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    raise ScenarioError(source, f"line {key}" if place else f"line {key} of the page",
                        f"refers to or runs something outside the report: {first.what}{more}; "
                        f"allowed: {ALLOWED}")


_HEAD = re.compile(r"<head\b[^>]*>", re.IGNORECASE)
_DOCTYPE = re.compile(r"\s*<!doctype[^>]*>", re.IGNORECASE)


def _with_policy(page: str) -> str:
    """``page`` with a Content-Security-Policy (:data:`CSP`) first in its head."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
    head = _HEAD.search(page)
    if head:
        return page[:head.end()] + "\n" + meta + page[head.end():]
    doctype = _DOCTYPE.match(page)
    at = doctype.end() if doctype else 0
    return page[:at] + meta + page[at:]
