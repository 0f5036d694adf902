"""The report as a PDF, from the same HTML page (WeasyPrint).

Pagination comes from the page's print styles (``report.css``): A4 pages
with running footers and page numbers, headings kept with what follows,
table headers repeated on every page, figures never split.
"""

from __future__ import annotations

__all__ = ["html_to_pdf"]


def html_to_pdf(html: str, base_url: str | None = None) -> bytes:
    """The PDF of a report page (images are inline, so nothing is fetched)."""
    import logging

    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return HTML(string=html, base_url=base_url).write_pdf(metadata={"date": None})
