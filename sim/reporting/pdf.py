"""The report as a PDF, from the same HTML page (WeasyPrint).

Pagination comes from the page's print styles (``report.css``): A4 pages
with running footers and page numbers, headings kept with what follows,
table headers repeated on every page, figures never split.

WeasyPrint would fetch whatever a page, a stylesheet or an SVG image refers
to (``file:///...``, ``http://...``, relative paths). The report is
self-contained, so it gets :func:`embedded_only`: a URL fetcher that serves
the page's own ``data:`` URIs and refuses everything else; the first refused
URL stops the PDF with one line (no request is made, nothing is written).
"""

from __future__ import annotations

import functools
from urllib import request

from ..errors import ScenarioError

__all__ = ["html_to_pdf", "embedded_only"]


@functools.cache
def _fetcher_class():
    """The class ``EmbeddedOnly``, made once WeasyPrint is imported (it is heavy)."""
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    class Refused(FatalURLFetchingError):
        """A URL that is not the page's own: stops the rendering."""

        def __init__(self, url: str):
            super().__init__(url)
            self.url = url

    class EmbeddedOnly(URLFetcher):
        """A WeasyPrint URL fetcher that serves ``data:`` URIs only."""

        def __init__(self):
            super().__init__(allowed_protocols=("data",))
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            """The content of a ``data:`` URI; anything else raises :class:`Refused`."""
            if not url.lower().startswith("data:"):
                self.refused.append(url)
                raise Refused(url)
            with request.DataHandler().data_open(request.Request(url)) as response:
                body = response.read()
                mime = response.headers.get("Content-Type", "application/octet-stream")
            return URLFetcherResponse(url, body, {"Content-Type": mime})

    EmbeddedOnly.Refused = Refused
    return EmbeddedOnly


def embedded_only():
    """A new WeasyPrint URL fetcher that serves ``data:`` URIs and refuses any other URL
    (its ``refused`` lists the URLs refused; the first stops the rendering)."""
    return _fetcher_class()()


def _short(url: str, limit: int = 120) -> str:
    return url if len(url) <= limit else url[:limit - 3] + "..."


class _Quiet:
    """WeasyPrint's log kept off the terminal while a PDF is made (its records in ``records``)."""

    def __init__(self):
        import logging

        self.logger = logging.getLogger("weasyprint")
        self.handler = logging.Handler(logging.DEBUG)
        self.handler.emit = lambda record: self.records.append(record)
        self.records: list = []

    def __enter__(self):
        self.saved = self.logger.propagate, self.logger.level
        self.logger.propagate = False
        self.logger.setLevel("ERROR")
        self.logger.addHandler(self.handler)
        return self

    def __exit__(self, *exc):
        self.logger.removeHandler(self.handler)
        self.logger.propagate, level = self.saved
        self.logger.setLevel(level)


def html_to_pdf(html: str, base_url: str | None = None) -> bytes:
    """The PDF of a report page; nothing outside the page is fetched.

    Raises
    ------
    ScenarioError
        if the page (or a stylesheet or SVG image in it) refers to anything
        but its own ``data:`` URIs.
    """
    import logging

    from weasyprint import HTML

    logging.getLogger("fontTools").setLevel(logging.ERROR)
    fetcher = embedded_only()
    try:
        with _Quiet():
            pdf = HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(metadata={"date": None})
    except fetcher.Refused:
        pass
    if fetcher.refused:
        raise ScenarioError("report.pdf", "", f"the page refers to {_short(fetcher.refused[0])!r}, which is "
                            "not fetched; allowed: only what the page embeds (data: URIs)")
    return pdf
