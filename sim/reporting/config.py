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
    optimisation = "../opt/"                   # optional: the folder of `breachsim optimise`

Command-line options win over the file. Every problem raises
:class:`~sim.errors.ScenarioError` naming the file (or option) and key:

- the file is read as every user file (:mod:`sim.config.readers`: a regular UTF-8
  file of at most 4 MB); a key outside ``[report]`` or unknown in it is
  refused, naming the allowed ones;
- texts are one line of at most :data:`TEXT_LIMITS` characters, without
  control characters;
- a logo is what its content says, not its name: a PNG (``\\x89PNG``), a JPEG
  (``\\xff\\xd8\\xff``) or an SVG (UTF-8 XML whose root element is ``svg``) of at
  most 10 MB, and an SVG must not refer to other files or hold scripts (see
  :func:`check_logo`).
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import os
import tomllib
import unicodedata
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from xml.parsers import expat

from ..errors import ScenarioError
from ..config.readers import MAX_IMAGE_BYTES, MAX_TEXT_BYTES, check_regular_file, read_user_bytes, read_user_text

__all__ = ["ReportOptions", "load_report_config", "check_logo", "logo_data_uri", "check_text",
           "LOGO_TYPES", "TEXT_KEYS", "PATH_KEYS", "TEXT_LIMITS"]

#: Logo files the report can embed, by suffix.
LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}
TEXT_KEYS = ("title", "client", "author", "version", "date")
PATH_KEYS = ("logo", "template", "robustness", "sensitivity", "optimisation")
KEYS = TEXT_KEYS + PATH_KEYS
DEFAULT_TITLE = "How fast news of the breach reaches affected customers"
#: Longest text of each cover detail (characters).
TEXT_LIMITS = {"title": 300, "client": 200, "author": 200, "version": 100, "date": 40}
#: Longest path given for a logo, template folder or table (characters).
MAX_PATH = 4096
#: Most pixels of a PNG or JPEG logo (a logo is small; a bigger image only slows the PDF).
MAX_LOGO_PIXELS = 25_000_000
#: Unicode categories refused in texts and paths: control characters, lone surrogates
#: (not text at all), line and paragraph separators.
_REFUSED_CATEGORIES = {"Cc": "a control character", "Cs": "a lone surrogate",
                       "Zl": "a line separator", "Zp": "a paragraph separator"}
_MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "jpeg": b"\xff\xd8\xff"}
_KIND_MIME = {"png": "image/png", "jpeg": "image/jpeg", "svg": "image/svg+xml"}
_LOGO = "a logo (PNG, JPEG or SVG)"


def check_text(value: Any, source: str | Path, key: str, limit: int, empty: bool = True) -> str:
    """``value`` if it is one line of text of at most ``limit`` characters without control
    characters (and not empty unless ``empty``), else ScenarioError naming ``source`` and ``key``."""
    if not isinstance(value, str):
        raise ScenarioError(source, key, f"got {type(value).__name__}; allowed: a text of at most "
                                         f"{limit:,} characters")
    if len(value) > limit:
        raise ScenarioError(source, key, f"{len(value):,} characters; allowed: at most {limit:,}")
    if not empty and not value.strip():
        raise ScenarioError(source, key, "empty; allowed: a text of at least one character")
    for at, char in enumerate(value):
        what = _REFUSED_CATEGORIES.get(unicodedata.category(char))
        if what:
            raise ScenarioError(source, key, f"character {at + 1} is {what} (U+{ord(char):04X}); "
                                             "allowed: one line of printable text")
    return value


@dataclass(frozen=True)
class ReportOptions:
    """The report's cover details and look. ``date`` defaults to today (ISO).

    ``robustness`` and ``sensitivity``: CSV files of those analyses to quote
    (else ``robustness.csv`` / ``sensitivity.csv`` beside the results are used).
    ``optimisation``: the folder of ``breachsim optimise`` whose ``optimise.json`` the
    report quotes in a section of its own (none without it).
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
    optimisation: Path | None = None

    def merged(self, **given: Any) -> "ReportOptions":
        """These options with every given (not None) value replaced, checked."""
        known = {f.name for f in fields(self)}
        for key in given:
            if key not in known:
                raise ScenarioError("option", key, f"unknown; allowed: {', '.join(KEYS)}")
        values = {k: v for k, v in given.items() if v is not None}
        out = replace(self, **values)
        out.check("option")
        return out

    def check(self, source: str | Path) -> None:
        """Raise ScenarioError if a text is not allowed, or the logo, template folder or a
        table cannot be used."""
        for key in TEXT_KEYS:
            check_text(getattr(self, key), source, key, TEXT_LIMITS[key], empty=key != "title")
        for key in PATH_KEYS:
            value = getattr(self, key)
            if value is not None and not isinstance(value, (str, os.PathLike)):
                raise ScenarioError(source, key, f"got {type(value).__name__}; allowed: a path")
            if value is not None:
                check_text(os.fspath(value), source, key, MAX_PATH, empty=False)
        if self.logo is not None:
            check_logo(self.logo)
        if self.template is not None and not Path(self.template).is_dir():
            raise ScenarioError(source, "template", f"no such folder: {self.template}")
        for key in ("robustness", "sensitivity"):
            path = getattr(self, key)
            if path is not None:
                check_regular_file(path, key, f"the {key}.csv of `breachsim {key}`")
        if self.optimisation is not None:
            from .optimisation_section import load_optimisation

            load_optimisation(self.optimisation)


# --------------------------------------------------------------------------- logos

def _suffix_error(logo: Path) -> ScenarioError:
    allowed = ", ".join(sorted(s.lstrip(".").upper() for s in LOGO_TYPES))
    return ScenarioError(logo, "logo", f"got {logo.name}; allowed: a {allowed} file")


def _raster_kind(data: bytes) -> str:
    """``png`` or ``jpeg`` by the file's first bytes, else ``""``."""
    return next((kind for kind, magic in _MAGIC.items() if data.startswith(magic)), "")


def _xml_root(data: bytes) -> str:
    """The local name of the root element of XML ``data`` ("" if it is not XML)."""
    from .references import svg_findings

    try:
        return svg_findings(data)[0]
    except expat.ExpatError:
        return ""


def _describe(data: bytes) -> str:
    """What a file named as a PNG or JPEG image but holding neither is, in words."""
    head = data[:4096]
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as err:
        if err.end < len(head):                   # not only a character cut off by the slice
            return f"not a PNG, JPEG or SVG image (it begins with {data[:8]!r})"
    root = _xml_root(data)
    if root == "svg":
        return "an SVG file named as a PNG or JPEG image (rename it .svg)"
    return f"an XML file whose root element is <{root}>, not an image" if root else \
        "a text file, not an image"


def _check_raster(logo: Path, data: bytes) -> str:
    """The media type of a PNG or JPEG that opens, of at most :data:`MAX_LOGO_PIXELS` pixels."""
    from PIL import Image

    kind = _raster_kind(data)
    if not kind:
        raise ScenarioError(logo, "logo", f"{_describe(data)}; allowed: {_LOGO}, by its content")
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            image.verify()
    except Exception as err:  # noqa: BLE001 - Pillow raises many kinds for a damaged file
        raise ScenarioError(logo, "logo", f"a damaged {kind.upper()} image ({err}); allowed: "
                                          f"{_LOGO} that opens") from None
    if width * height > MAX_LOGO_PIXELS:
        raise ScenarioError(logo, "logo", f"{width:,} x {height:,} pixels; allowed: at most "
                                          f"{MAX_LOGO_PIXELS:,} pixels")
    return _KIND_MIME[kind]


def _check_svg(logo: Path, data: bytes) -> str:
    """The media type of an SVG (UTF-8 XML, root ``svg``) that neither refers to other files
    or addresses nor holds scripts."""
    from .references import svg_findings

    kind = _raster_kind(data)
    if kind:
        raise ScenarioError(logo, "logo", f"a {kind.upper()} image named {logo.name}; allowed: an SVG "
                                          f"file (rename it {logo.stem}.{'jpg' if kind == 'jpeg' else kind})")
    try:
        root, found = svg_findings(data)
    except expat.ExpatError as err:
        raise ScenarioError(logo, "logo", f"not well-formed XML ({err}); allowed: an SVG file") from None
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise ScenarioError(logo, "logo", f"an SVG that refers to or runs something outside it: "
                                          f"{found[0].text()}{more}; allowed: an SVG without scripts, "
                                          "event handlers or links to other files (data: images and "
                                          "#anchors only)")
    if root != "svg":
        raise ScenarioError(logo, "logo", f"an XML file whose root element is <{root}>, not <svg>; "
                                          "allowed: an SVG file")
    return _KIND_MIME["svg"]


def check_logo(path: str | os.PathLike) -> str:
    """The media type of the logo file ``path`` (by its content), or ScenarioError.

    Allowed: a regular file of at most 10 MB named ``.png``, ``.jpg`` or
    ``.jpeg`` that is a PNG or JPEG image which opens (at most
    :data:`MAX_LOGO_PIXELS` pixels; either type under either name), or named
    ``.svg`` and an SVG (UTF-8 XML whose root element is ``svg``) without
    scripts, event handlers, references to other files or addresses, entity
    declarations or processing instructions.
    """
    logo = Path(path)
    if logo.suffix.lower() not in LOGO_TYPES:
        raise _suffix_error(logo)
    data = read_user_bytes(logo, "logo", _LOGO, MAX_IMAGE_BYTES)
    return _check_svg(logo, data) if logo.suffix.lower() == ".svg" else _check_raster(logo, data)


def logo_data_uri(path: str | os.PathLike) -> str:
    """The logo as a ``data:`` URI for the page, checked (:func:`check_logo`) and typed by
    its content."""
    mime = check_logo(path)
    data = read_user_bytes(path, "logo", _LOGO, MAX_IMAGE_BYTES)
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


# --------------------------------------------------------------------------- the file

def _table(path: Path) -> dict[str, Any]:
    """The ``[report]`` table of the TOML file ``path`` (no other key allowed)."""
    text = read_user_text(path, "", "a TOML file with a [report] table", MAX_TEXT_BYTES)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(path, "", f"not valid TOML ({err})") from None
    for key in raw:
        if key != "report":
            raise ScenarioError(path, key, "unknown; allowed: only a [report] table with "
                                           + ", ".join(KEYS))
    table = raw.get("report")
    if not isinstance(table, dict):
        raise ScenarioError(path, "report", "missing; allowed: a [report] table with "
                                            + ", ".join(KEYS))
    return table


def _value(path: Path, key: str, value: Any) -> Any:
    """One checked value of the ``[report]`` table (paths made absolute)."""
    where = f"report.{key}"
    if key not in KEYS:
        raise ScenarioError(path, where, f"unknown key; allowed: {', '.join(KEYS)}")
    if key == "date" and isinstance(value, (dt.date, dt.datetime)):
        value = value.isoformat()
    if not isinstance(value, str):
        raise ScenarioError(path, where, f"got {value!r:.60}; allowed: a string")
    if key in TEXT_KEYS:
        return check_text(value, path, where, TEXT_LIMITS[key], empty=key != "title")
    check_text(value, path, where, MAX_PATH, empty=False)
    try:
        return (path.parent / value).resolve()
    except (OSError, RuntimeError) as err:
        raise ScenarioError(path, where, f"cannot use the path {value!r} ({err})") from None


def load_report_config(path: str | os.PathLike) -> ReportOptions:
    """Read the ``[report]`` table of a TOML file (paths relative to the file)."""
    if not isinstance(path, (str, os.PathLike)):
        raise ScenarioError("load_report_config", "path", f"got {type(path).__name__}; allowed: "
                                                          "a file path (str or Path)")
    path = Path(path)
    values = {key: _value(path, key, value) for key, value in _table(path).items()}
    options = ReportOptions(**values)
    options.check(path)
    return options
