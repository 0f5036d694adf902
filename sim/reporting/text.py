"""Words and numbers for people: the one place for units and user-facing words.

Every figure a chart, a table or the command line shows is formatted here, so
that "hours", shares and people read the same everywhere and "never reached"
has one wording (:data:`NOT_REACHED`). Also: short scenario names for legends
and titles, and :func:`mpl_text`, which makes user text safe for matplotlib
(a ``$`` in a scenario name is a dollar sign, not the start of a formula).
"""

from __future__ import annotations

import math
import re
from typing import Iterable, Sequence

__all__ = ["NOT_REACHED", "NO_DATA", "fmt_hours", "fmt_pct", "fmt_people", "fmt_trust",
           "fmt_change", "fmt_duration", "join_words", "mpl_text", "short_name", "short_names",
           "SHORT_NAME_CHARS", "plural"]

#: The one wording for a level (50%, 90% of affected customers) never reached.
NOT_REACHED = "not reached"
#: The one wording for a figure that cannot be computed (no runs, no people).
NO_DATA = "n/a"
#: Longest automatic short name (characters); ``scenario.short_name`` may set one.
SHORT_NAME_CHARS = 24


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def fmt_hours(h: float | None, long: bool = False, days: bool = True) -> str:
    """Hours since the announcement: ``6 h``, ``102 h (4.3 days)``.

    ``long`` writes "hours". ``inf`` and ``None`` (a summary's null: the level
    was never reached) are :data:`NOT_REACHED`; NaN (no data) is :data:`NO_DATA`.
    """
    if h is None:
        return NOT_REACHED
    h = float(h)
    if math.isnan(h):
        return NO_DATA
    if math.isinf(h):
        return NOT_REACHED
    text = f"{h:.0f}{' hours' if long else ' h'}"
    if long and round(h) == 1:
        text = "1 hour"
    if days and h >= 48:
        text += f" ({h / 24:.1f} days)"
    return text


def fmt_duration(h: float) -> str:
    """A length of time in the unit people use: ``40 minutes``, ``6 hours``, ``3.5 days``."""
    if _missing(h) or math.isinf(h):
        return NOT_REACHED
    if h < 1:
        return f"{max(1, round(h * 60))} minutes"
    if h < 48:
        return f"{h:.0f} hour{'s' if round(h) != 1 else ''}"
    return f"{h / 24:.1f} days"


def fmt_pct(x: float | None, digits: int = 0) -> str:
    """A share (0-1) as a percentage: ``0.123`` -> ``12%``."""
    if _missing(x):
        return NO_DATA
    return f"{100 * x:.{digits}f}%"


def fmt_people(n: float | None) -> str:
    """A number of people: ``1.2 M``, ``340,000``, ``5,300``."""
    if _missing(n):
        return NO_DATA
    if math.isinf(n):
        return "∞"
    if abs(n) >= 1e6:
        return f"{n / 1e6:.1f} M"
    if abs(n) >= 1e4:
        return f"{round(n, -3):,.0f}"
    return f"{n:,.0f}"


def fmt_trust(x: float | None) -> str:
    """Mean trust (0 = none, 1 = full), two decimals."""
    return NO_DATA if _missing(x) else f"{x:.2f}"


def fmt_change(x: float | None) -> str:
    """A signed change in trust, three decimals."""
    return NO_DATA if _missing(x) else f"{x:+.3f}"


def plural(n: int, word: str, words: str | None = None) -> str:
    """``1 run``, ``3 runs``."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


def join_words(words: Iterable[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    words = list(words)
    if not words:
        return ""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def mpl_text(text: str) -> str:
    """User text for matplotlib: every ``$`` shown as a dollar sign (no mathtext)."""
    return re.sub(r"(?<!\\)\$", r"\\$", str(text))


def short_name(name: str, limit: int = SHORT_NAME_CHARS) -> str:
    """An automatic short name: without a trailing bracket, cut at a word.

    ``"Optus 2022 (as it happened)"`` -> ``"Optus 2022"``.
    """
    text = re.sub(r"\s+", " ", str(name)).strip()
    shorter = re.sub(r"\s*[(\[][^()\[\]]*[)\]]\s*$", "", text).strip()
    if shorter:
        text = shorter
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-") + "…"


def short_names(names: Sequence[str], given: dict[str, str] | None = None) -> dict[str, str]:
    """A short, distinct label per scenario name (``given`` first, else :func:`short_name`).

    Two names that shorten alike keep their full names (cut to fit).
    """
    given = given or {}
    out = {n: (given.get(n) or short_name(n)) for n in names}
    counts: dict[str, int] = {}
    for s in out.values():
        counts[s] = counts.get(s, 0) + 1
    for n in names:
        if counts[out[n]] > 1:
            out[n] = n if len(n) <= 2 * SHORT_NAME_CHARS else short_name(n, 2 * SHORT_NAME_CHARS)
    return out
