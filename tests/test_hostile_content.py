"""Content that runs or reaches out (issue 15, section 2, and logos): hostile templates,
pages and logos that would fetch or run something, report configs, spreadsheet and
Markdown outputs, and the dashboard's "Save these settings".

Every hostile case must be answered by one :class:`ScenarioError` line (naming the file
and line or key), run nothing, fetch nothing (a real HTTP server on 127.0.0.1 counts the
requests) and write nothing.
"""

from __future__ import annotations

import argparse
import base64
import csv
import http.server
import io
import os
import threading
import tomllib
from pathlib import Path

import jinja2
import pandas as pd
import pytest
from PIL import Image

from sim import load_scenario
from sim.cli.main import main
from sim.reporting.compare import compare
from sim.reporting.dashboard import export, serve
from sim.errors import ScenarioError
from sim.reporting import findings, sandbox
from sim.reporting.build import context, write_report
from sim.reporting.config import ReportOptions, check_logo, load_report_config, logo_data_uri
from sim.runs.escape import markdown_text, spreadsheet_safe, spreadsheet_text
from sim.reporting.html import CSP, TEMPLATES, keep_units, render_html
from sim.reporting.pdf import html_to_pdf
from sim.reporting.references import page_findings
from sim.reporting.results import load_results

from helpers import OPTUS, SCENARIOS

FORMULA_NAME = '=HYPERLINK("http://evil.example/","Optus")'
SCRIPT_NAME = "<script>alert(1)</script> | -5 [click](javascript:alert(1))"
SMALL = {"population.size": 500, "scenario.hours": 72}
PNG_1PX = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwAD"
                           "hgGAWjR9awAAAABJRU5ErkJggg==")


# --------------------------------------------------------------------------- fixtures

class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every request and records its path (the test asserts there are none)."""

    def do_GET(self):  # noqa: N802 - http.server's name
        self.server.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def web():
    """A real HTTP server on 127.0.0.1 that records requests: ``web.url``, ``web.requests``."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.requests = []
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(scope="module")
def cmp(tmp_path_factory):
    """A small comparison of two plans with hostile names: (folder, report)."""
    tmp = tmp_path_factory.mktemp("hostile")
    files = []
    for stem, base, name in (("a", OPTUS, FORMULA_NAME), ("b", SCENARIOS / "direct_first.toml", SCRIPT_NAME)):
        path = tmp / f"{stem}.toml"
        path.write_text(f"[scenario]\nextends = {export.toml_value(str(base))}\n"
                        f"name = {export.toml_value(name)}\n", encoding="utf-8")
        files.append(path)
    out = tmp / "compare"
    _, report = compare(files, out, replications=2, seed=3, overrides=SMALL, workers=1, progress=False,
                        report_options=ReportOptions(title="T", client="C", date="2026-01-01"))
    return out, report


@pytest.fixture(scope="module")
def ctx(cmp):
    return context(cmp[1])


def _folder(tmp_path: Path, **files: str) -> Path:
    """A template folder holding ``files`` (name with ``_`` for ``.``: report_css)."""
    folder = tmp_path / "tpl"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name.replace("_", ".", 1).replace("_", ".")).write_text(text, encoding="utf-8")
    return folder


def _refused(call, *parts: str) -> str:
    """The one line of the ScenarioError ``call()`` raises; it holds every one of ``parts``."""
    with pytest.raises(ScenarioError) as caught:
        call()
    line = caught.value.line()
    assert "\n" not in line and "Traceback" not in line
    for part in parts:
        assert part in line, line
    return line


# --------------------------------------------------------------------------- templates: the sandbox

ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('touch MARKER').read() }}",
    "{{ joiner.__init__.__globals__.os.popen('touch MARKER').read() }}",
    "{{ namespace.__init__.__globals__.os.popen('touch MARKER').read() }}",
    "{{ lipsum.__globals__.os.popen('touch MARKER').read() }}",
    "{{ self.__init__.__globals__.__builtins__.__import__('os').popen('touch MARKER').read() }}",
    "{{ options.merged.__func__.__globals__.os.popen('touch MARKER').read() }}",
    "{{ (''|attr('__class__')).__base__.__subclasses__() }}",
    "{{ '{0.__class__.__base__.__subclasses__}'.format('') }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "{% set x = bullets.append('MARKER') %}{{ bullets }}",
    "{{ range.__globals__.os.popen('touch MARKER').read() }}",
]


@pytest.mark.parametrize("payload", ESCAPES)
def test_a_template_cannot_reach_python_or_the_shell(payload, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = _folder(tmp_path, report_html_j2=f"<p>first line</p>\n{payload}\n")
    bullets = ["a"]
    _refused(lambda: render_html({"options": ReportOptions(), "bullets": bullets}, folder),
             "report.html.j2", "line 2", "template error")
    assert not (tmp_path / "MARKER").exists() and bullets == ["a"]


LIMITS = [
    ("{{ range(10**9)|list }}", "range of 1,000,000,000 numbers; allowed: at most 100,000"),
    ("{% macro f(n) %}\n{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "calls itself too deeply"),
    ("{{ 'x' * 10**10 }}", "repeating 1 items 10,000,000,000 times"),
    ("{{ [1, 2] * 10**10 }}", "repeating 2 items"),
    ("{{ 10 ** 100000000 }}", "10 ** 100000000 is too large to compute"),
    ("{{ '%0999999999d' % 1 }}", "a format width of 999,999,999"),
    ("{{ '%*d' % (10**9, 1) }}", "a format width of 1,000,000,000"),
    ("{{ '{:>999999999}'.format(1) }}", "a format width of 999,999,999"),
    ("{{ 'x'|center(10**9) }}", "a number given to the center filter of 1,000,000,000"),
    ("{{ 'x'|indent(10**9) }}", "a number given to the indent filter"),
    ("{{ [1]|slice(10**9)|list }}", "a number given to the slice filter"),
    ("{{ 'x'.ljust(10**9) }}", "a number given to ljust()"),
    ("{{ '%0999999999d'|format(1) }}", "a format width of 999,999,999"),
    ("{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}"
     "{% endfor %}{{ ns.s|length }}", "a value of"),
    ("{% macro f(s) %}{{ f(s ~ s) }}{% endmacro %}{{ f('x') }}", "a value of"),
    ("{{ lipsum(10**9) }}", "'lipsum' is undefined"),
]


@pytest.mark.parametrize("payload, message", LIMITS)
def test_a_template_cannot_exhaust_the_machine(payload, message, tmp_path):
    folder = _folder(tmp_path, report_html_j2=f"<p>x</p>\n{payload}\n")
    _refused(lambda: render_html({"options": ReportOptions()}, folder),
             "report.html.j2", "line 2", message)


def test_an_endless_loop_is_stopped_by_the_step_count(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "MAX_STEPS", 200_000)
    loops = "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"
    folder = _folder(tmp_path, report_html_j2=f"<p>x</p>\n\n{loops}\n")
    _refused(lambda: render_html({}, folder), "report.html.j2", "line 3",
             "ran more than 200,000 template steps")
    over_strings = "{% for a in s %}{% for b in s %}{% for c in s %}{% endfor %}{% endfor %}{% endfor %}"
    (folder / "report.html.j2").write_text(over_strings, encoding="utf-8")
    _refused(lambda: render_html({"s": "x" * 300}, folder), "template steps")


def test_a_page_larger_than_the_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "MAX_TEXT", 1_000_000)
    folder = _folder(tmp_path, report_html_j2="{% for i in range(2000) %}{{ big }}{% endfor %}")
    _refused(lambda: render_html({"big": "y" * 1000}, folder),
             "the page would be longer than 1,000,000 characters")


def test_the_built_in_report_runs_well_within_the_limits(ctx, monkeypatch):
    monkeypatch.setattr(sandbox, "MAX_STEPS", sandbox.MAX_STEPS // 100)
    monkeypatch.setattr(sandbox, "MAX_TEXT", sandbox.MAX_TEXT // 10)
    assert "Executive summary" in render_html(ctx)


def _unsandboxed(ctx) -> str:
    """The page as the report rendered it before the sandbox (plain jinja2, same settings)."""
    builtin = jinja2.FileSystemLoader(str(TEMPLATES))
    env = jinja2.Environment(loader=jinja2.ChoiceLoader([builtin, jinja2.PrefixLoader({"builtin": builtin})]),
                             undefined=jinja2.StrictUndefined,
                             autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
                             trim_blocks=True, lstrip_blocks=True, finalize=keep_units)
    return env.get_template("report.html.j2").render(**ctx)


def test_the_built_in_page_is_unchanged_and_self_contained(ctx):
    page = render_html(ctx)
    assert page == _unsandboxed(ctx)
    assert page_findings(page) == [] and CSP not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page


def test_a_template_error_names_the_file_and_line(ctx, tmp_path):
    folder = _folder(tmp_path, report_html_j2='{% include "part.html" %}',
                     part_html="<p>one</p>\n<p>two</p>\n{{ x.y }\n")
    _refused(lambda: render_html(ctx, folder), "part.html: line 3", "template error")
    (folder / "report.html.j2").write_text('{% extends "builtin/report.html.j2" %}\n'
                                           '{% block cover %}\n\n{{ 1 / 0 }}{% endblock %}\n')
    _refused(lambda: render_html(ctx, folder), "report.html.j2: line 4",
             "template error: ZeroDivisionError: division by zero")
    (folder / "report.html.j2").write_text('{% include "../outside.html" %}')
    (tmp_path / "outside.html").write_text("secret")
    _refused(lambda: render_html(ctx, folder), "template error: ../outside.html")


def test_template_files_are_read_like_every_user_file(ctx, tmp_path):
    folder = _folder(tmp_path)
    os.mkfifo(folder / "report.html.j2")                  # no writer: reading would hang
    _refused(lambda: render_html(ctx, folder), "report.html.j2", "named pipe")
    (folder / "report.html.j2").unlink()
    (folder / "report.html.j2").write_bytes(b"<p>\xff\xfe</p>")
    _refused(lambda: render_html(ctx, folder), "not a UTF-8 text file")
    (folder / "report.html.j2").write_bytes(b"x" * (4 * 1024 * 1024 + 1))
    _refused(lambda: render_html(ctx, folder), "of at most 4 MB")
    (folder / "report.html.j2").unlink()
    secret = tmp_path / "secret.txt"
    secret.write_text("the private key")
    (folder / "report.html.j2").symlink_to(secret)
    _refused(lambda: render_html(ctx, folder), "outside the template folder")
    (folder / "report.html.j2").unlink()
    (folder / "report.html.j2").write_text('{% include "key.txt" %}')
    (folder / "key.txt").symlink_to(secret)
    _refused(lambda: render_html(ctx, folder), "key.txt", "outside the template folder")


# --------------------------------------------------------------------------- templates: references

CSS_REFERENCES = [
    "body { background: url(file:///etc/passwd) }",
    "@import url({web}/import.css);",
    "@import '{web}/import.css';",
    "h1 {{ background: url(logo.png) }}",
    "@font-face {{ font-family: X; src: url({web}/font.woff) }}",
    "body {{ background: \\75 rl({web}/escaped) }}",
    "body {{ background: image-set('{web}/set.png' 1x) }}",
]
HTML_REFERENCES = [
    '<img src="{web}/img.png">',
    '<img src="file:///etc/passwd">',
    "<script>fetch('{web}/script')</script>",
    '<div onmouseover="fetch(1)">x</div>',
    '<link rel="stylesheet" href="{web}/link.css">',
    '<iframe src="data:text/html,hello"></iframe>',
    '<a href="javascript:alert(1)">x</a>',
    '<meta http-equiv="refresh" content="0;url={web}/refresh">',
    '<object data="x.svg"></object>',
    '<svg><image href="{web}/svg.png"/></svg>',
    '<!--><img src={web}/comment.png>-->',
    '<img srcset="{web}/a.png 1x">',
    '<div style="background: url({web}/style.png)">x</div>',
    '<a href="report2.html">the other report</a>',
]


@pytest.mark.parametrize("css", CSS_REFERENCES)
def test_a_stylesheet_that_refers_outside_is_refused(css, ctx, tmp_path, web):
    css = css.replace("{web}", web.url).replace("{{", "{").replace("}}", "}")
    folder = _folder(tmp_path, report_css=f"h2 {{ color: navy }}\n{css}\n")
    _refused(lambda: render_html(ctx, folder), "report.css: line 2",
             "refers to or runs something outside the report", "allowed: only data: URIs")
    assert web.requests == []


@pytest.mark.parametrize("markup", HTML_REFERENCES)
def test_a_page_that_would_fetch_or_run_something_is_refused(markup, ctx, tmp_path, web):
    markup = markup.replace("{web}", web.url)
    folder = _folder(tmp_path, report_html_j2='{% extends "builtin/report.html.j2" %}\n'
                                              f'{{% block cover %}}\n{markup}\n{{% endblock %}}\n')
    _refused(lambda: render_html(ctx, folder), "report.html.j2: line 3",
             "refers to or runs something outside the report")
    assert web.requests == []


def test_markup_a_browser_reads_otherwise_than_the_check_is_refused(ctx, tmp_path):
    for markup in ("<svg><style>&lt;img src=x onerror=alert(1)&gt;</style></svg>",
                   "<svg><style>@imp&#111;rt 'http://127.0.0.1:9/x.css';</style></svg>",
                   "<![CDATA[ > <img src=http://127.0.0.1:9/x> ]]>", "<!-- --!><img src=x> -->"):
        folder = _folder(tmp_path, report_html_j2=f"<html><body>\n{markup}\n</body></html>")
        _refused(lambda: render_html(ctx, folder), str(folder), "line 2", "outside the report")


def test_what_a_template_may_embed_still_renders_with_a_policy(ctx, tmp_path):
    png = "data:image/png;base64," + base64.b64encode(PNG_1PX).decode()
    folder = _folder(tmp_path, report_css="h1 { background: url(%s) }\n.x { fill: url(#g) }\n" % png,
                     report_html_j2='{% extends "builtin/report.html.j2" %}\n{% block cover %}'
                                    f'<a href="#results">results</a><img src="{png}" alt="">'
                                    '<svg><rect fill="url(#g)"/></svg>{% endblock %}\n')
    page = render_html(ctx, folder)
    head = page[page.index("<head>"):page.index("</head>")]
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in head
    assert "default-src 'none'" in CSP and png in page


def test_a_report_with_a_hostile_template_fetches_and_writes_nothing(cmp, tmp_path, web):
    folder = _folder(tmp_path, report_css=f"body {{ background: url({web.url}/bg.png) }}\n"
                                          "h1 { background: url(file:///etc/passwd) }\n")
    out = tmp_path / "out"
    options = ReportOptions(template=folder)
    _refused(lambda: write_report(load_results(cmp[0]), out, options, pdf=True), "report.css: line 1")
    assert web.requests == [] and not out.exists()


# --------------------------------------------------------------------------- the PDF fetches nothing

def _svg_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


PDF_PAGES = [
    '<img src="{web}/img.png">',
    '<img src="file:///etc/passwd">',
    "<style>body {{ background: url({web}/bg.png) }}</style>",
    "<style>@import url({web}/import.css);</style>",
    '<link rel="stylesheet" href="{web}/link.css">',
    "<style>@font-face {{ font-family: X; src: url(file:///etc/passwd) }} p {{ font-family: X }}</style>",
    '<img src="{svg_http}">',
    '<img src="{svg_file}">',
]


@pytest.mark.parametrize("markup", PDF_PAGES)
def test_the_pdf_renderer_fetches_nothing(markup, web, capfd):
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
           'width="10" height="10"><image xlink:href="{}" width="5" height="5"/></svg>')
    markup = markup.format(web=web.url, svg_http=_svg_uri(svg.format(web.url + "/svg.png")),
                           svg_file=_svg_uri(svg.format("file:///etc/passwd")))
    _refused(lambda: html_to_pdf(f"<html><body><p>x</p>{markup}</body></html>"),
             "report.pdf", "which is not fetched", "allowed: only what the page embeds")
    assert web.requests == []
    assert capfd.readouterr().err == ""                     # no traceback, no warning printed


def test_relative_paths_are_not_fetched_by_the_pdf_either(tmp_path, web):
    (tmp_path / "x.png").write_bytes(PNG_1PX)
    page = '<html><body><img src="x.png"></body></html>'
    _refused(lambda: html_to_pdf(page, base_url=str(tmp_path) + "/"), "x.png", "which is not fetched")
    png = "data:image/png;base64," + base64.b64encode(PNG_1PX).decode()
    assert html_to_pdf(f'<html><body><img src="{png}"></body></html>').startswith(b"%PDF")
    assert web.requests == []


# --------------------------------------------------------------------------- logos

def _svg(body: str, head: str = "") -> bytes:
    return (f'{head}<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'width="20" height="10">{body}</svg>').encode()


def _png(size=(40, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "navy").save(buffer, format="PNG")
    return buffer.getvalue()


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "teal").save(buffer, format="JPEG")
    return buffer.getvalue()


BAD_LOGOS = [
    ("logo.png", b"just some text, not an image\n", "a text file, not an image"),
    ("logo.png", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff", "not a PNG, JPEG or SVG image"),
    ("logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 10, "a damaged PNG image"),
    ("logo.jpg", b"\xff\xd8\xff" + b"\x00" * 20, "a damaged JPEG image"),
    ("logo.svg", b"<html><body>x</body></html>", "root element is <html>, not <svg>"),
    ("logo.png", b"<html><body>x</body></html>", "root element is <html>, not an image"),
    ("logo.svg", _png(), "a PNG image named logo.svg"),
    ("logo.png", _svg("<rect/>"), "an SVG file named as a PNG or JPEG image (rename it .svg)"),
    ("logo.svg", b"<html><body><script>x</script></body></html>", "a <script> element"),
    ("logo.svg", b"<svg><unclosed></svg>", "not well-formed XML"),
    ("logo.svg", _svg("<script>alert(1)</script>"), "a <script> element"),
    ("logo.svg", _svg('<rect onload="alert(1)"/>'), "an event handler (onload=)"),
    ("logo.svg", _svg('<image xlink:href="file:///etc/passwd"/>'), "file:///etc/passwd"),
    ("logo.svg", _svg('<image href="http://127.0.0.1:9/x.png"/>'), "http://127.0.0.1:9/x.png"),
    ("logo.svg", _svg('<use href="other.svg#a"/>'), "other.svg#a"),
    ("logo.svg", _svg('<rect style="fill: url(http://127.0.0.1:9/f)"/>'), "http://127.0.0.1:9/f"),
    ("logo.svg", _svg('<rect fill="url(file:///etc/passwd)"/>'), "file:///etc/passwd"),
    ("logo.svg", _svg("<style>@import url(http://127.0.0.1:9/s.css);</style>"), "@import"),
    ("logo.svg", _svg("<foreignObject><p>x</p></foreignObject>"), "a <foreignObject> element"),
    ("logo.svg", _svg('<set attributeName="href" to="javascript:alert(1)"/>'), "a <set> element"),
    ("logo.svg", _svg("", '<?xml-stylesheet href="http://127.0.0.1:9/s.css"?>'), "processing instruction"),
    ("logo.svg", b'<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><svg>&b;</svg>',
     "a DOCTYPE with its own declarations"),
    ("logo.gif", _png(), "allowed: a JPEG, JPG, PNG, SVG file"),
    ("logo.png", _png((6000, 5000)), "6,000 x 5,000 pixels; allowed: at most 25,000,000 pixels"),
]


@pytest.mark.parametrize("name, data, message", BAD_LOGOS)
def test_a_logo_is_what_its_content_says(name, data, message, tmp_path):
    logo = tmp_path / name
    logo.write_bytes(data)
    _refused(lambda: check_logo(logo), name, "logo", message)
    _refused(lambda: ReportOptions().merged(logo=logo), message)


def test_special_and_oversized_logo_files_are_refused(tmp_path):
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    _refused(lambda: check_logo(fifo), "named pipe")
    (tmp_path / "folder.png").mkdir()
    _refused(lambda: check_logo(tmp_path / "folder.png"), "a folder")
    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * (10 * 1024 * 1024))
    _refused(lambda: check_logo(big), "of at most 10 MB")
    _refused(lambda: check_logo(tmp_path / "missing.png"), "logo: no such file")


def test_good_logos_are_embedded_by_their_content(tmp_path):
    cases = {"a.png": (_png(), "image/png"), "b.jpg": (_jpeg(), "image/jpeg"),
             "c.png": (_jpeg(), "image/jpeg"),                     # a JPEG named .png is still a JPEG
             "d.svg": (_svg('<defs><linearGradient id="g"/></defs><rect fill="url(#g)"/>'
                            f'<image href="data:image/png;base64,{base64.b64encode(PNG_1PX).decode()}"/>',
                            '<?xml version="1.0" encoding="UTF-8"?>\n'), "image/svg+xml"),
             "e.svg": (_svg("<rect/>", '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
                                       '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'), "image/svg+xml")}
    for name, (data, mime) in cases.items():
        (tmp_path / name).write_bytes(data)
        assert check_logo(tmp_path / name) == mime
        assert logo_data_uri(tmp_path / name) == f"data:{mime};base64,{base64.b64encode(data).decode()}"


def test_a_hostile_svg_logo_fetches_nothing_in_the_report(cmp, tmp_path, web):
    logo = tmp_path / "logo.svg"
    logo.write_bytes(_svg(f'<image href="{web.url}/logo.png" width="5" height="5"/>'))
    _refused(lambda: ReportOptions().merged(logo=logo), "logo", "an SVG that refers to or runs something")
    out = tmp_path / "out"                   # options made in Python are checked as well
    _refused(lambda: write_report(load_results(cmp[0]), out, ReportOptions(logo=logo), pdf=True),
             "logo", "an SVG that refers to or runs something")
    assert web.requests == [] and not out.exists()


# --------------------------------------------------------------------------- report config files

BAD_CONFIGS = [
    ('title = "outside the table"\n[report]\n', "title", "unknown; allowed: only a [report] table"),
    ("[report]\ncolour = 'red'\n", "report.colour", "unknown key; allowed: title, client"),
    ("report = 5\n", "report", "missing; allowed: a [report] table"),
    ("[report]\ntitle = 5\n", "report.title", "allowed: a string"),
    ("[report]\ntitle = ['a']\n", "report.title", "allowed: a string"),
    ("[report]\ntitle = ''\n", "report.title", "empty"),
    ('[report]\ntitle = "%s"\n' % ("x" * 301), "report.title", "301 characters; allowed: at most 300"),
    ('[report]\nclient = "%s"\n' % ("x" * 10_000), "report.client", "allowed: at most 200"),
    ('[report]\ntitle = "bell \\u0007"\n', "report.title", "a control character (U+0007)"),
    ('[report]\nauthor = "two\\nlines"\n', "report.author", "a control character (U+000A)"),
    ('[report]\nclient = "del \\u007F"\n', "report.client", "a control character (U+007F)"),
    ('[report]\nversion = "a\\u2028b"\n', "report.version", "a line separator"),
    ('[report]\ndate = 5\n', "report.date", "allowed: a string"),
    ('[report]\nlogo = ""\n', "report.logo", "empty"),
    ('[report]\nlogo = "a\\u0000b.png"\n', "report.logo", "a control character (U+0000)"),
    ('[report]\ntemplate = 7\n', "report.template", "allowed: a string"),
    ('[report]\nlogo = "missing.png"\n', "logo", "no such file"),
    ('[report]\ntemplate = "no_such_folder"\n', "template", "no such folder"),
    ('[report]\nrobustness = "no.csv"\n', "robustness", "no such file"),
    ("[report\n", "", "not valid TOML"),
]


@pytest.mark.parametrize("text, key, message", BAD_CONFIGS)
def test_every_key_of_a_report_config_is_checked(text, key, message, tmp_path):
    cfg = tmp_path / "report.toml"
    cfg.write_text(text, encoding="utf-8")
    line = _refused(lambda: load_report_config(cfg), message)
    assert f": {key}: " in line or not key


def test_a_report_config_is_read_like_every_user_file(tmp_path):
    cfg = tmp_path / "report.toml"
    os.mkfifo(cfg)
    _refused(lambda: load_report_config(cfg), "report.toml", "named pipe")
    cfg.unlink()
    cfg.write_bytes(b"[report]\ntitle = '\xff'\n")
    _refused(lambda: load_report_config(cfg), "not a UTF-8 text file")
    cfg.write_bytes(b"# " + b"x" * (4 * 1024 * 1024) + b"\n[report]\n")
    _refused(lambda: load_report_config(cfg), "of at most 4 MB")
    _refused(lambda: load_report_config(None), "path")
    _refused(lambda: load_report_config(tmp_path), "a folder")


def test_cover_texts_from_the_command_line_are_checked(tmp_path):
    _refused(lambda: ReportOptions().merged(title="a\x1b[2Jb"), "title", "U+001B")
    _refused(lambda: ReportOptions().merged(client="bad\udcff"), "client", "lone surrogate")
    _refused(lambda: ReportOptions().merged(author="x" * 5000), "author", "allowed: at most 200")
    _refused(lambda: ReportOptions().merged(colour="red"), "colour", "unknown")
    assert ReportOptions().merged(title="Ünïcode — fine", client="A & B <Co>").client == "A & B <Co>"


def test_the_report_command_answers_a_bad_config_in_one_line(cmp, tmp_path, capsys):
    cfg = tmp_path / "report.toml"
    cfg.write_text('[report]\ntitle = "x\\u0000"\n', encoding="utf-8")
    out = tmp_path / "out"
    assert main(["report", str(cmp[0]), "--out", str(out), "--report-config", str(cfg)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "report.toml: report.title" in err[0] and not out.exists()
    assert main(["report", str(cmp[0]), "--out", str(out), "--title", "x\x07"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "title" in err[0] and "U+0007" in err[0] and not out.exists()


# --------------------------------------------------------------------------- CSV and Markdown

def test_summary_csv_quotes_formulas_but_leaves_numbers(cmp):
    folder, report = cmp
    rows = list(csv.reader(io.StringIO((folder / "summary.csv").read_text(encoding="utf-8"))))
    header, first, second = rows[0], rows[1], rows[2]
    assert first[0] == "'" + FORMULA_NAME and second[0] == SCRIPT_NAME
    negative = [c for c in report.summary.columns
                if pd.api.types.is_float_dtype(report.summary[c]) and (report.summary[c] < 0).any()]
    assert negative                                             # the change in trust is negative
    back = pd.read_csv(folder / "summary.csv")
    for column in negative:
        assert pd.api.types.is_float_dtype(back[column])
        assert list(back[column]) == pytest.approx(list(report.summary[column]))
        assert not first[header.index(column)].startswith("'")


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1+A1", "@SUM(A1)", "\tx", "\rx", "=cmd|' /C calc'!A0"])
def test_every_formula_start_is_quoted(text):
    table = pd.DataFrame({"scenario": [text, "plain"], "n": [-1.5, 2.0], "k": [-3, 4]})
    safe = spreadsheet_safe(table)
    assert list(safe["scenario"]) == ["'" + text, "plain"]
    assert list(safe["n"]) == [-1.5, 2.0] and list(safe["k"]) == [-3, 4]
    assert spreadsheet_text(-7) == -7 and spreadsheet_safe(table[["n"]]) is not None


def test_summary_markdown_shows_names_as_text(cmp):
    md = (cmp[0] / "summary.md").read_text(encoding="utf-8")
    table = [line for line in md.splitlines() if line.startswith("|")]
    assert "<script>" not in md and "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    assert "\\[click\\](javascript:alert(1))" in md                # not a link
    cells = [len(line.replace("\\|", "").split("|")) for line in table]
    assert len(set(cells)) == 1                                     # no row has extra cells
    assert markdown_text("two\nlines\r|x`y") == "two lines \\|x\\`y"


def test_summary_markdown_of_a_table_with_hostile_names(cmp):
    summary = cmp[1].summary.copy()
    summary["scenario"] = ["a|b\n<img src=x onerror=alert(1)>", "*bold* _it_ ~~s~~"]
    md = findings.summary_markdown(summary)
    assert "<img" not in md and "a\\|b &lt;img" in md and "\\*bold\\* \\_it\\_ \\~\\~s\\~\\~" in md


# --------------------------------------------------------------------------- the dashboard's save

def _save(folder, name, overrides=None, expected="same"):
    overrides = overrides or {"population.size": 800}
    ran = load_scenario(OPTUS, overrides) if expected == "same" else expected
    return export.save_scenario(folder, OPTUS, overrides, name, expected=ran)


def _nothing_left(folder: Path) -> bool:
    return not folder.exists() or list(folder.iterdir()) == []


def test_a_long_name_is_saved_under_a_short_file_name(tmp_path):
    name = "What if " + "x" * 392
    path, text = _save(tmp_path / "saved", name)
    assert len(name) == 400 and len(path.stem) <= export.MAX_STEM
    assert load_scenario(path).name == name and load_scenario(path).get("population.size") == 800


@pytest.mark.parametrize("name, message", [
    ("lone \ud800 surrogate", "lone surrogate (U+D800)"),
    ("del \x7f char", "a control character (U+007F)"),
    ("escape \x1b[31m red", "a control character (U+001B)"),
    ("two\nlines", "a control character (U+000A)"),
    ("   ", "empty"),
    (None, "got NoneType"),
])
def test_a_name_toml_or_a_scenario_cannot_hold_is_one_line_and_nothing_written(name, message, tmp_path):
    folder = tmp_path / "saved"
    line = _refused(lambda: _save(folder, name), "scenario name", message)
    assert str(tmp_path) not in line and _nothing_left(folder) and not folder.exists()


def test_toml_strings_escape_what_toml_forbids():
    for text in ("del \x7f", "nul \x00 tab \t cr \r", 'quote " backslash \\', "sep \u2028 ok"):
        assert tomllib.loads(f"a = {export.toml_value(text)}")["a"] == text
    _refused(lambda: export.toml_value("a\udcff"), "lone surrogate")


def test_the_save_never_replaces_a_file_it_did_not_write(tmp_path):
    folder = tmp_path / "saved"
    folder.mkdir()
    own = folder / "mine.toml"
    own.write_text("my own notes\n")
    line = _refused(lambda: _save(folder, "mine"), "mine.toml exists and was not saved by the dashboard")
    assert own.read_text() == "my own notes\n" and str(tmp_path) not in line
    target = tmp_path / "target.txt"
    target.write_text("keep")
    (folder / "linked.toml").symlink_to(target)
    _refused(lambda: _save(folder, "linked"), "linked.toml exists and is not a file the dashboard saved")
    assert target.read_text() == "keep"
    first, _ = _save(folder, "again")
    second, _ = _save(folder, "again", {"population.size": 900})   # its own file: replaced
    assert first == second and load_scenario(second).get("population.size") == 900


def test_a_file_that_does_not_read_back_as_it_should_is_not_left(tmp_path):
    folder = tmp_path / "a" / "saved"
    _refused(lambda: _save(folder, "odd", {"population.size": -5}, expected=None),
             "saved file", "population.size", "would not load")
    assert not (tmp_path / "a").exists()                           # the folders it made are gone
    other = load_scenario(OPTUS, {"population.size": 999})
    _refused(lambda: _save(folder, "odd", expected=other), "would not give the settings the page ran")
    assert not (tmp_path / "a").exists()
    (tmp_path / "file").write_text("x")
    _refused(lambda: _save(tmp_path / "file" / "sub", "x"), "save folder", "cannot create")
    assert (tmp_path / "file").read_text() == "x"


def test_the_page_shows_one_line_for_any_failure(capsys):
    line = export.problem_line(ScenarioError("scenario name", "", "character 3 is a control character"))
    assert line == "Not saved: scenario name: character 3 is a control character"
    try:
        raise RuntimeError("/srv/secret/path exploded")
    except RuntimeError as err:
        line = export.problem_line(err)
    assert "\n" not in line and "/srv" not in line and "RuntimeError" in line
    log = capsys.readouterr().err                                  # the details go to the server's log
    assert "Traceback" in log and "/srv/secret/path exploded" in log


def test_the_save_box_shows_the_line_in_the_page(tmp_path, monkeypatch):
    solara = pytest.importorskip("solara")
    import ipyvuetify as v

    from sim.reporting.dashboard import app
    from sim.reporting.dashboard import levers as lv

    monkeypatch.setattr(app.CONFIG, "out", str(tmp_path / "saved"))
    start = lv.lever_values(load_scenario(OPTUS))
    box, rc = solara.render(app.Export(str(OPTUS), start), handle_error=False)
    try:
        app.export_name.set("bad\x7fname")
        rc.find(v.Btn, children=["save as scenario file"]).widget.click()
        shown = rc.find(class_="save-problem").find(attributes={"class": "bad-value"})
        text = shown.wait_for(timeout=10).widget.unsafe_innerHTML
        assert text.startswith("Not saved: scenario name:") and "U+007F" in text
        assert "Traceback" not in text and str(tmp_path) not in text
        assert not (tmp_path / "saved").exists()
        app.export_name.set("fine name")
        rc.find(v.Btn, children=["save as scenario file"]).widget.click()
        rc.find(class_="saved-path").wait_for(timeout=10)
        assert load_scenario(tmp_path / "saved" / "fine_name.toml").name == "fine name"
        assert len(rc.find(class_="save-problem")) == 0
    finally:
        app.export_name.set("")
        app.saved.set(None)
        app.save_problem.set("")
        rc.close()


def test_the_dashboard_serves_this_machine_only_by_default():
    parser = argparse.ArgumentParser()
    serve.add_parser(parser.add_subparsers())
    assert parser.parse_args(["dashboard"]).host == "127.0.0.1"
