"""Text the report writes for other programs: spreadsheets and Markdown viewers.

A scenario name is the user's text, and it ends up in files that other
programs interpret: ``summary.csv`` is opened in a spreadsheet, which runs a
cell beginning with ``=`` as a formula (``=HYPERLINK(...)``, ``=cmd|...``);
``summary.md`` is shown by Markdown viewers, which pass ``<script>`` through
as HTML and end a table row at a ``|`` or a line break. Here each such text
is made inert for its reader; numbers are left as they are.

References
----------
OWASP, "CSV Injection": prefix a cell that begins with ``=``, ``+``, ``-``,
``@``, tab or carriage return with a single quote, so that it is read as text.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pandas as pd

__all__ = ["FORMULA_STARTS", "spreadsheet_text", "spreadsheet_safe", "markdown_text"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Characters that Markdown reads as markup inside a table cell (links, code, emphasis,
#: a cell's end) when they are not backslash-escaped.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]|~])")
#: Line breaks and other control characters (a Markdown table row is one line).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def spreadsheet_text(value: Any) -> Any:
    """A text cell with a single quote in front if a spreadsheet would run it as a
    formula; any other value (numbers, missing values) unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def spreadsheet_safe(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with its text cells made safe for spreadsheets (see :func:`spreadsheet_text`).

    Only cells holding Python strings change: number columns (negative
    numbers included) stay numbers. Returns ``table`` itself when nothing
    needs escaping.
    """
    text_columns = [c for c in table.columns
                    if table[c].dtype == object or pd.api.types.is_string_dtype(table[c])]
    changed = {c: table[c].map(spreadsheet_text) for c in text_columns}
    changed = {c: col for c, col in changed.items() if not col.equals(table[c])}
    if not changed:
        return table
    out = table.copy()
    for column, cells in changed.items():
        out[column] = cells
    return out


def markdown_text(value: Any) -> str:
    """``value`` as literal text in a Markdown table cell: HTML escaped (``<script>`` ->
    ``&lt;script&gt;``), Markdown punctuation backslash-escaped, line breaks and
    control characters as one space."""
    text = _CONTROL.sub(" ", str(value))
    text = html.escape(text, quote=False)
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)
