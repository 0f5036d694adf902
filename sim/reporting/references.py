"""What in a report page, a stylesheet or an SVG logo could fetch or run something.

The report is one self-contained file: its images are ``data:`` URIs and its
styles are inline, so nothing needs to be fetched to show or print it (the
README promises it). A template folder or a logo comes from the user,
though, and may refer to ``file:///etc/passwd``, ``http://127.0.0.1:8080/``
or a relative path, or hold a ``<script>``. These functions find every such
thing and describe it in words; the caller refuses the template or logo
in one line (rather than quietly removing the reference, which would change
the user's page without a word).

Allowed: ``data:`` URIs of images and fonts, and in-page references
(``#anchor``, ``url(#gradient)``). Everything else that loads or runs is a
:class:`Finding`: other URLs in attributes, in ``url()``, ``image-set()`` and
``@import`` of stylesheets; elements that load or run content (``script``,
``iframe``, ``object``, ``embed``, ``base``, SVG animation that can change
links ...); event-handler attributes (``onload=``); ``<meta http-equiv=refresh>``.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Iterable, Iterator
from xml.parsers import expat

import tinycss2

__all__ = ["Finding", "ALLOWED", "allowed_url", "css_findings", "page_findings", "svg_findings"]

#: What a report may refer to, in words (for error lines).
ALLOWED = "only data: URIs of images and fonts, and #anchors within the page"
#: ``data:`` media types a report may embed.
_DATA_TYPES = re.compile(r"data:(image/(png|jpeg|gif|webp|svg\+xml)|font/[a-z0-9.+-]+|"
                         r"application/(x-)?font-[a-z0-9.+-]+|application/vnd\.ms-fontobject)[;,]")
#: Attributes whose value is a URL that a browser or WeasyPrint may load or follow.
URL_ATTRIBUTES = frozenset({
    "href", "src", "action", "formaction", "data", "poster", "background", "cite", "longdesc",
    "lowsrc", "dynsrc", "ping", "manifest", "codebase", "archive", "classid", "profile", "usemap",
    "icon", "base", "xml:base", "xlink:href"})
#: Attributes holding several URLs (refused: ``src`` with a data: URI does the same job).
URL_LIST_ATTRIBUTES = frozenset({"srcset", "imagesrcset"})
#: Elements that load or run content whatever their attributes say.
ACTIVE_ELEMENTS = frozenset({
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal",
    "form", "noscript", "xmp", "noembed", "noframes", "plaintext", "foreignobject", "handler",
    "listener", "set", "animate", "animatemotion", "animatetransform", "discard"})
#: ``<meta http-equiv=...>`` values that make a browser load something.
ACTIVE_META = frozenset({"refresh", "link", "set-cookie"})
#: Characters a browser removes from a URL before reading its scheme.
_URL_NOISE = re.compile(r"[\x00-\x20]")


@dataclass(frozen=True)
class Finding:
    """One thing that would fetch or run: ``what`` in words, ``needle`` the text to look
    for in the source (a URL, ``<script``, ``onload``), ``line`` in the checked text."""

    what: str
    needle: str
    line: int = 0

    def text(self) -> str:
        """The finding with its line, for an error message."""
        return f"{self.what} (line {self.line})" if self.line else self.what


def allowed_url(url: str) -> bool:
    """Whether a page may refer to ``url``: a data: URI of an image or font, or ``#...``."""
    bare = _URL_NOISE.sub("", url).lower()
    return bare.startswith("#") or bool(_DATA_TYPES.match(bare))


def _short(url: str, limit: int = 80) -> str:
    url = _URL_NOISE.sub(" ", url).strip()
    return url if len(url) <= limit else url[:limit - 3] + "..."


# --------------------------------------------------------------------------- CSS

def _tokens(nodes: Iterable) -> Iterator:
    """Every token of parsed CSS, nested blocks and function arguments included."""
    for node in nodes or ():
        yield node
        for part in ("prelude", "content", "arguments", "value"):
            inner = getattr(node, part, None)
            if isinstance(inner, list):
                yield from _tokens(inner)


def _css_urls(nodes: Iterable) -> Iterator[tuple[str, str]]:
    """(what, url or needle) for every URL in parsed CSS and every rule that loads."""
    for token in _tokens(nodes):
        kind = getattr(token, "type", "")
        name = getattr(token, "lower_name", "") or ""
        if kind == "url":
            yield "url()", token.value
        elif kind == "function" and name in ("url", "src"):
            for arg in token.arguments:
                if arg.type == "string":
                    yield f"{name}()", arg.value
        elif kind == "function" and name.endswith("image-set"):
            for arg in token.arguments:
                if arg.type == "string":
                    yield "image-set()", arg.value
        elif kind == "function" and name == "attr":
            if any(a.type == "ident" and a.lower_value == "url" for a in token.arguments):
                yield "attr(... url)", "attr("
        elif kind == "at-rule" and token.lower_at_keyword in ("import", "namespace"):
            yield f"@{token.lower_at_keyword}", f"@{token.at_keyword}"


def css_findings(css: str, declarations: bool = False, line: int = 0) -> list[Finding]:
    """What in a stylesheet (or, with ``declarations``, a ``style=""`` attribute) would
    load something: ``url()``/``image-set()`` to anything not allowed, ``@import``."""
    nodes = (tinycss2.parse_blocks_contents(css) if declarations
             else tinycss2.parse_stylesheet(css, skip_comments=True))
    found = []
    for what, url in _css_urls(nodes):
        if what.startswith(("@", "attr")):
            found.append(Finding(f"{what} in a stylesheet (loads another file)", url, line))
        elif not allowed_url(url):
            found.append(Finding(f"{what} of {_short(url)!r}", url, line))
    return found


# --------------------------------------------------------------------------- HTML

#: Markup that browsers and Python's parser read differently (a comment that ends
#: early, a CDATA section in HTML): refused, so what is checked is what a browser sees.
_AMBIGUOUS = re.compile(r"<!--->|<!-->|--!>|<!\[", re.IGNORECASE)


class _PageChecker(HTMLParser):
    """Collects :class:`Finding` s while parsing a page."""

    #: Elements whose content is text, not markup, as a browser reads them (Python's
    #: parser knows only script and style).
    CDATA_CONTENT_ELEMENTS = ("script", "style", "title", "textarea")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[Finding] = []
        self._style = False

    def _add(self, what: str, needle: str) -> None:
        self.found.append(Finding(what, needle, self.getpos()[0]))

    def handle_starttag(self, tag, attrs):
        self._style = tag == "style"
        if tag in ACTIVE_ELEMENTS:
            self._add(f"a <{tag}> element", f"<{tag}")
        for name, value in attrs:
            self._attribute(tag, name, value or "")
        http_equiv = dict(attrs).get("http-equiv") or ""
        if tag == "meta" and http_equiv.strip().lower() in ACTIVE_META:
            self._add(f'<meta http-equiv="{http_equiv}">', http_equiv)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self._style = False

    def handle_endtag(self, tag):
        self._style = False

    def _attribute(self, tag: str, name: str, value: str) -> None:
        if name.startswith("on"):
            self._add(f"an event handler ({name}=) on <{tag}>", name)
        elif name in URL_LIST_ATTRIBUTES:
            self._add(f"{name}= on <{tag}> (use src with a data: URI)", name)
        elif name in URL_ATTRIBUTES and not allowed_url(value):
            self._add(f"{name}={_short(value)!r} on <{tag}>", value)
        elif name == "style":
            self.found += css_findings(value, declarations=True, line=self.getpos()[0])

    def handle_data(self, data):
        if not self._style:
            return
        line = self.getpos()[0]
        unescaped = html.unescape(data)     # as a browser reads a <style> inside inline <svg>
        if "<" in unescaped:
            self.found.append(Finding("a '<' inside a <style> element", "<", line))
        self.found += css_findings(data, line=line)
        if unescaped != data:
            self.found += css_findings(unescaped, line=line)


def page_findings(page: str) -> list[Finding]:
    """Everything in an HTML page that would fetch or run something (see the module)."""
    found = [Finding(f"ambiguous markup {m.group()!r}", m.group(), page.count("\n", 0, m.start()) + 1)
             for m in _AMBIGUOUS.finditer(page)]
    checker = _PageChecker()
    checker.feed(page)
    checker.close()
    return found + checker.found


# --------------------------------------------------------------------------- SVG

class _SvgChecker:
    """Collects :class:`Finding` s while an expat parser reads an SVG file."""

    def __init__(self):
        self.found: list[Finding] = []
        self.root = ""
        self._style_depth = 0
        self._parser = expat.ParserCreate(encoding="utf-8", namespace_separator=" ")
        p = self._parser
        p.StartElementHandler, p.EndElementHandler = self.start, self.end
        p.CharacterDataHandler = self.text
        p.ProcessingInstructionHandler = self.instruction
        p.StartDoctypeDeclHandler = self.doctype
        p.EntityDeclHandler = self.entity
        p.ExternalEntityRefHandler = self.external_entity

    def _add(self, what: str, needle: str) -> None:
        self.found.append(Finding(what, needle, self._parser.CurrentLineNumber))

    def parse(self, data: bytes) -> None:
        self._parser.Parse(data, True)

    def start(self, name, attrs):
        local = name.rsplit(" ", 1)[-1]
        self.root = self.root or local
        if local.lower() in ACTIVE_ELEMENTS:
            self._add(f"a <{local}> element", f"<{local}")
        if local == "style":
            self._style_depth += 1
        for attr, value in attrs.items():
            self._attribute(local, attr.rsplit(" ", 1)[-1], value)

    def _attribute(self, element: str, name: str, value: str) -> None:
        if name.lower().startswith("on"):
            self._add(f"an event handler ({name}=) on <{element}>", name)
        elif name in ("href", "src", "base") and not allowed_url(value):
            self._add(f"{name}={_short(value)!r} on <{element}>", value)
        elif name == "style":
            self.found += css_findings(value, declarations=True, line=self._parser.CurrentLineNumber)
        elif "url(" in value.lower() or "\\" in value:
            line = self._parser.CurrentLineNumber
            self.found += css_findings(f"x{{{name}:{value}}}", line=line)

    def end(self, name):
        if name.rsplit(" ", 1)[-1] == "style":
            self._style_depth -= 1

    def text(self, data):
        if self._style_depth:
            self.found += css_findings(data, line=self._parser.CurrentLineNumber)

    def instruction(self, target, data):
        self._add(f"a processing instruction <?{target} ...?>", f"<?{target}")

    def doctype(self, name, system_id, public_id, has_internal_subset):
        if has_internal_subset:
            self._stop("a DOCTYPE with its own declarations (entities)", "<!DOCTYPE")

    def entity(self, *args):
        self._stop("an entity declaration", "<!ENTITY")

    def external_entity(self, *args):
        self._stop("a reference to an external entity", "&")

    def _stop(self, what: str, needle: str) -> None:
        """Record ``what`` and stop reading (nothing after it is expanded)."""
        self._add(what, needle)
        raise _Stop


class _Stop(Exception):
    """Reading an SVG file stops: what follows is not read."""


def svg_findings(data: bytes) -> tuple[str, list[Finding]]:
    """The root element's name of an SVG file and everything in it that would fetch or
    run something. Raises ``expat.ExpatError`` if it is not well-formed XML."""
    checker = _SvgChecker()
    try:
        checker.parse(data)
    except _Stop:
        pass
    return checker.root, checker.found
