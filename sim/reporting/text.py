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
           "fmt_change", "fmt_duration", "fmt_number", "fmt_value", "people_ticks", "join_words",
           "mpl_text", "short_name", "short_names", "SHORT_NAME_CHARS", "plural", "PEOPLE_DIGITS"]

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


def fmt_pct(x: float | None, digits: int | None = None) -> str:
    """A share (0-1) as a percentage, rounded the one way every surface uses.

    Whole percent from 10% up (``0.123`` -> ``12%``), one decimal below
    (``0.095`` -> ``9.5%``). A share above 0 that would round to 0, or below 1
    that would round to 100, says so (``<0.1%``, ``>99.9%``) rather than
    claiming none or all. ``digits`` forces a number of decimals.
    """
    if _missing(x):
        return NO_DATA
    pct = 100 * float(x)
    if math.isinf(pct):
        return NO_DATA
    if digits is not None:
        return f"{pct:.{digits}f}%"
    places = 1 if abs(round(pct, 1)) < 10 else 0
    if pct == 0:
        return "0%"
    if 0 < pct < 0.05:
        return "<0.1%"
    if 99.95 <= pct < 100 or (places == 0 and 99.5 <= pct < 100):
        return ">99.9%" if pct >= 99.95 else f"{math.floor(pct * 10) / 10:.1f}%"
    return f"{pct:.{places}f}%"


#: Significant digits of a number of people in millions (``1.56 M``).
PEOPLE_DIGITS = 3


def fmt_people(n: float | None) -> str:
    """A number of people: ``1.56 M``, ``9.8 M``, ``340,000``, ``5,300``.

    Millions with three significant digits, one decimal at least below 100 M
    (``2.0 M``, ``12.0 M``, a trailing zero dropped: ``1.50 M`` -> ``1.5 M``);
    from 10,000 up rounded to the thousand; below that, whole people.
    """
    if _missing(n):
        return NO_DATA
    n = float(n)
    if math.isinf(n):
        return "∞"
    if abs(n) >= 1e6 - 500:
        m = n / 1e6
        places = max(0, PEOPLE_DIGITS - 1 - math.floor(math.log10(abs(round(m, 2)))))
        text = f"{m:,.{places}f}"
        return f"{text[:-1] if places == 2 and text.endswith('0') else text} M"
    if abs(n) >= 1e4:
        return f"{round(n, -3):,.0f}"
    return f"{n:,.0f}"


def _strip_zeros(text: str) -> str:
    """``1.50`` -> ``1.5``, ``2.00`` -> ``2``; text without a decimal point unchanged."""
    return text.rstrip("0").rstrip(".") if "." in text else text


def people_ticks(values: Sequence[float]) -> list[str]:
    """Labels for an axis of people: one unit for all ticks (``0``, ``0.5 M``,
    ``1.0 M``, ``1.5 M`` or ``0``, ``250,000``, ``500,000``), with as many
    decimals as the step between ticks needs."""
    finite = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    top = max((abs(v) for v in finite), default=0.0)
    if top < 1e6:
        return [f"{float(v):,.0f}" if math.isfinite(float(v)) else "" for v in values]
    millions = [v / 1e6 for v in finite]
    places = next((p for p in range(4) if all(abs(m - round(m, p)) < 1e-9 for m in millions)), 3)
    return ["0" if float(v) == 0 else f"{float(v) / 1e6:,.{places}f} M" if math.isfinite(float(v)) else ""
            for v in values]


def fmt_number(x) -> str:
    """A number a person typed (a setting), as people write it: ``1,000,000``,
    ``100,000``, ``0.004``, ``2.5``; never ``1e+06``. Whole numbers in full with
    thousands separators, others with four significant digits."""
    if isinstance(x, bool):
        return "yes" if x else "no"
    if _missing(x):
        return NO_DATA
    x = float(x)
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if x == round(x) and abs(x) < 1e15:
        return f"{x:,.0f}"
    places = 4 - 1 - math.floor(math.log10(abs(x)))
    if places <= 0:
        return f"{round(x, places):,.0f}"
    return _strip_zeros(f"{x:,.{places}f}")


def fmt_trust(x: float | None) -> str:
    """Mean trust (0 = none, 1 = full), two decimals."""
    return NO_DATA if _missing(x) else f"{x:.2f}"


def fmt_change(x: float | None) -> str:
    """A signed change in trust, two decimals like trust itself (``+0.02``; ``0.00``
    for a change that rounds to nothing)."""
    if _missing(x):
        return NO_DATA
    text = f"{x:+.2f}"
    return "0.00" if text in ("+0.00", "-0.00") else text


def fmt_value(kind: str, x: float | None) -> str:
    """A figure of a measure of ``kind`` (see :class:`sim.reporting.stats.Measure`):
    the one formatter behind tables, sentences, chart titles and the command line."""
    if kind == "hours":
        return fmt_hours(x, days=False)
    if kind == "share":
        return fmt_pct(x)
    if kind == "people":
        return fmt_people(x)
    if kind == "trust":
        return fmt_trust(x)
    if kind == "change":
        return fmt_change(x)
    return fmt_number(x)


def plural(n: int, word: str, words: str | None = None) -> str:
    """``1 run``, ``3 runs``."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


def join_words(words: Iterable[str], last: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c`` (``last`` joins the last two: "and", "or", "then")."""
    words = list(words)
    if not words:
        return ""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" {last} " + words[-1]


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
