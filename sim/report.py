"""The comparison report: summary table, plain-language reading, charts, HTML page.

:func:`write_report` writes, into one folder, the charts of :mod:`sim.charts`
(``awareness.png`` and ``.svg``, ``time_to_reach.png``, ``first_source.png``,
``trust.png``, ``cohorts.png``), ``summary.csv`` and ``summary.md`` (one row per
scenario, every headline measure with its median and 10-90% range across runs)
and ``report.html``: one self-contained page (images embedded, no network
needed) with the charts, the summary, each scenario's description, channel
timeline, key assumptions and calibration sources, and a paragraph reading the
numbers in plain language (:func:`reading`).

Assumptions and sources are read from the comments of the scenario files
(``key = value  # comment``), following ``extends`` and the bundled defaults:
comments that say ASSUMPTION are assumptions, comments that cite a source
(e.g. "(ABS 2021 Census)", "Kwak et al. 2010") are calibration sources.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import math
import os
import re
import tomllib
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from . import charts
from .charts import (COHORT_LABELS, censored_quantiles, fmt_hours, fmt_pct, fmt_people, ok_runs,
                     quantiles, scenario_colours, scenario_order)
from .schema import COHORTS

DEFAULTS_FILE = Path(__file__).resolve().parent / "defaults.toml"


# --------------------------------------------------------------------------- summary table

@dataclass(frozen=True)
class Measure:
    """One headline measure of the summary table."""

    key: str          # column stem in the summary (``<key>_median`` etc.)
    label: str        # plain description
    kind: str         # hours | share | people | trust | change
    censored: bool = False   # hours where a missing value means "never reached"


#: Headline measures, in table order. ``people`` measures scale agents to people.
MEASURES = (
    Measure("hours_to_50pct_affected", "hours until 50% of affected customers know", "hours", True),
    Measure("hours_to_90pct_affected", "hours until 90% of affected customers know", "hours", True),
    Measure("unaware_affected_share_24h", "affected customers still unaware at 24 h", "share"),
    Measure("unaware_affected_people_24h", "affected customers still unaware at 24 h (people)", "people"),
    Measure("unaware_affected_share_72h", "affected customers still unaware at 72 h", "share"),
    Measure("unaware_affected_people_72h", "affected customers still unaware at 72 h (people)", "people"),
    Measure("unaware_affected_share_end", "affected customers still unaware at the end of the run", "share"),
    Measure("unaware_affected_people_end", "affected customers still unaware at the end (people)", "people"),
    Measure("share_affected_first_from_company", "affected customers who first heard from the company",
            "share"),
    Measure("share_affected_contacted", "affected customers who read a company message", "share"),
    Measure("initial_company_trust_affected", "company trust of affected customers at the start (0-1)",
            "trust"),
    Measure("final_company_trust_affected", "company trust of affected customers at the end (0-1)",
            "trust"),
    Measure("company_trust_change_affected", "change in company trust of affected customers", "change"),
    Measure("final_aware_share", "everyone who knows at the end (share of the population)", "share"),
    Measure("final_aware_people", "everyone who knows at the end (people)", "people"),
    Measure("final_believing_share", "everyone who believes it at the end (share of the population)",
            "share"),
    Measure("messages_sent", "company messages sent (SMS and e-mail)", "people"),
    Measure("messages_read", "company messages read", "people"),
    Measure("affected_people", "affected customers (people)", "people"),
)
#: Extra affected first-source shares, used when the runs carry them.
OPTIONAL_FIRST_SOURCES = {"media": "news media", "twitter": "Twitter", "word_of_mouth": "word of mouth"}
#: Times of the cohort columns added when the time series is given.
COHORT_HOURS = (24, 72)


def _derived(runs: pd.DataFrame) -> pd.DataFrame:
    """The finished runs with the derived per-run measures added."""
    r = ok_runs(runs).copy()
    affected_people = r["affected_agents"].astype(float) * r["people_per_agent"].astype(float)
    r["affected_people"] = affected_people
    for when in ("24h", "72h", "end"):
        share = r[f"unaware_affected_share_{when}"].astype(float)
        r[f"unaware_affected_people_{when}"] = share * affected_people
    r["company_trust_change_affected"] = (r["final_company_trust_affected"].astype(float)
                                          - r["initial_company_trust_affected"].astype(float))
    return r


def measures_for(runs: pd.DataFrame, timeseries: pd.DataFrame | None = None) -> list[Measure]:
    """The headline measures available for these runs (plus optional ones present)."""
    extra = [Measure(f"share_affected_first_from_{s}", f"affected customers who first heard from {label}",
                     "share")
             for s, label in OPTIONAL_FIRST_SOURCES.items()
             if f"share_affected_first_from_{s}" in runs.columns]
    out = list(MEASURES[:9]) + extra + list(MEASURES[9:])
    if timeseries is not None and all(f"cohort_size_{c}" in runs.columns for c in COHORTS):
        for h in COHORT_HOURS:
            for c in COHORTS:
                out.append(Measure(f"aware_share_{h}h_{c}",
                                   f"{COHORT_LABELS[c]} who know at {h} h (everyone in the cohort)",
                                   "share"))
    return out


def summary_table(runs: pd.DataFrame, scenarios: Sequence[dict] | None = None,
                  timeseries: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per scenario (display order): each headline measure's median and 10-90% range.

    Columns: ``scenario``, ``scenario_file``, ``runs`` (finished runs), then for
    each measure ``<key>_median``, ``<key>_p10``, ``<key>_p90`` (quantiles with
    linear interpolation across runs). Shares are fractions (0-1), hours are
    since the scenario start, ``*_people`` and message counts are people. For
    the hours to 50% / 90%, a run that never gets there counts as later than
    every other and a quantile that falls on such runs is ``inf``; the share
    of runs that got there is in ``share_of_runs_reaching_50pct`` / ``90pct``.
    With ``timeseries`` (and the runs' ``cohort_size_<cohort>``), also
    ``aware_share_<24|72>h_<cohort>``: the share of everyone in the cohort
    (customers or not) who knows at that time.
    """
    r = _derived(runs)
    order = scenario_order(runs, scenarios)
    files = {s["name"]: s.get("file") for s in scenarios or []}
    measures = measures_for(runs, timeseries)
    if timeseries is not None and any(m.key.startswith("aware_share_") for m in measures):
        for h in COHORT_HOURS:
            table = charts.cohort_awareness(runs, timeseries, h).set_index("run")
            for c in COHORTS:
                r[f"aware_share_{h}h_{c}"] = r["run"].map(table[COHORT_LABELS[c]])
    rows = []
    for name in order:
        g = r[r["scenario"] == name]
        file = files.get(name) or (g["scenario_file"].iloc[0] if "scenario_file" in g else None)
        row = {"scenario": name, "scenario_file": file, "runs": len(g)}
        for m in measures:
            values = g[m.key].to_numpy(float)
            lo, mid, hi = (censored_quantiles if m.censored else quantiles)(values)
            row[f"{m.key}_median"], row[f"{m.key}_p10"], row[f"{m.key}_p90"] = mid, lo, hi
        for level in ("50pct", "90pct"):
            reached = ~np.isnan(g[f"hours_to_{level}_affected"].to_numpy(float))
            row[f"share_of_runs_reaching_{level}"] = float(np.mean(reached))
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- formatting

def _fmt(kind: str, x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if kind == "hours":
        return "not reached" if math.isinf(x) else f"{x:.0f} h"
    if kind == "share":
        return fmt_pct(x, 1 if abs(x) < 0.1 else 0)
    if kind == "people":
        return fmt_people(x)
    if kind == "trust":
        return f"{x:.3f}"
    if kind == "change":
        return f"{x:+.3f}"
    return f"{x:g}"


def format_measure(row: pd.Series, m: Measure) -> tuple[str, str]:
    """``(median, "p10-p90")`` of one measure, formatted for people (``"30 h", "29-31 h"``)."""
    mid, lo, hi = (float(row.get(f"{m.key}_{s}", math.nan)) for s in ("median", "p10", "p90"))
    a, b = _fmt(m.kind, lo), _fmt(m.kind, hi)
    if a == "n/a" and b == "n/a":
        return _fmt(m.kind, mid), a
    if m.kind == "hours" and math.isinf(hi) and math.isfinite(lo):
        return _fmt(m.kind, mid), f"{a} to not reached"
    for unit in (" h", "%", " M"):
        if a.endswith(unit) and b.endswith(unit) and m.kind != "change":
            return _fmt(m.kind, mid), f"{a[: -len(unit)]}–{b}"
    sep = " to " if m.kind == "change" or a.startswith("-") else "–"
    return _fmt(m.kind, mid), f"{a}{sep}{b}"


def _table_measures(summary: pd.DataFrame) -> list[Measure]:
    keys = {c[: -len("_median")] for c in summary.columns if c.endswith("_median")}
    known = [m for m in MEASURES if m.key in keys]
    extra = []
    for s, label in OPTIONAL_FIRST_SOURCES.items():
        if f"share_affected_first_from_{s}" in keys:
            extra.append(Measure(f"share_affected_first_from_{s}",
                                 f"affected customers who first heard from {label}", "share"))
    cohort = [Measure(f"aware_share_{h}h_{c}", f"{COHORT_LABELS[c]} who know at {h} h "
                      f"(everyone in the cohort)", "share")
              for h in COHORT_HOURS for c in COHORTS if f"aware_share_{h}h_{c}" in keys]
    return known[:9] + extra + known[9:] + cohort


def summary_markdown(summary: pd.DataFrame) -> str:
    """The summary as a Markdown table: one row per scenario, "median (p10 to p90)" cells."""
    ms = _table_measures(summary)
    head = ["scenario", "runs"] + [m.label for m in ms]
    lines = ["| " + " | ".join(_md(h) for h in head) + " |",
             "|" + "|".join([" --- "] + [" ---: "] * (len(head) - 1)) + "|"]
    for _, row in summary.iterrows():
        cells = [_md(row["scenario"]), str(int(row["runs"]))]
        for m in ms:
            mid, interval = format_measure(row, m)
            cells.append(_md(f"{mid} ({interval})"))
        lines.append("| " + " | ".join(cells) + " |")
    note = ("Median across runs, with the 10-90% range of runs in brackets. Hours are since the "
            "announcement (scenario start); \"not reached\": the level was not reached in enough runs "
            "within the run's length. People are scaled from agents. Cohort shares are of everyone in "
            "the cohort, customers or not.")
    return "# Scenario comparison: summary\n\n" + "\n".join(lines) + "\n\n" + note + "\n"


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


# --------------------------------------------------------------------------- reading

def _row(summary: pd.DataFrame, name: str) -> pd.Series:
    return summary.loc[summary["scenario"] == name].iloc[0]


def _q(row: pd.Series, key: str) -> list[float]:
    return [float(row.get(f"{key}_{s}", math.nan)) for s in ("p10", "median", "p90")]


def _argbest(summary: pd.DataFrame, key: str, lowest: bool) -> str:
    names = list(summary["scenario"])
    values = [float(v) if not math.isnan(float(v)) else (math.inf if lowest else -math.inf)
              for v in summary[f"{key}_median"]]
    pick = min if lowest else max
    return names[values.index(pick(values))]


def _apart(a: list[float], b: list[float]) -> bool:
    return a[2] < b[0] or b[2] < a[0]


def reading(summary: pd.DataFrame) -> str:
    """A plain-language paragraph reading the summary (first row = the baseline).

    Which plan informs affected customers fastest, how many are still unaware
    after a day, who told them first, what happens to their trust in the
    company, and who is left behind; with a caveat where the 10-90% ranges of
    runs overlap.
    """
    if summary.empty:
        return "No finished runs to compare."
    base = summary["scenario"].iloc[0]
    b = _row(summary, base)
    n_runs = int(summary["runs"].min())
    s = []
    h50_b, h90_b = _q(b, "hours_to_50pct_affected"), _q(b, "hours_to_90pct_affected")
    if len(summary) == 1:
        s.append(f"Under {base}, half of the affected customers knew about the breach after "
                 f"{fmt_hours(h50_b[1], True)} and 90% after {fmt_hours(h90_b[1], True)}.")
        fast = base
    else:
        fast = _argbest(summary, "hours_to_50pct_affected", lowest=True)
        f = _row(summary, fast)
        h50_f, h90_f = _q(f, "hours_to_50pct_affected"), _q(f, "hours_to_90pct_affected")
        if fast == base or not h50_f[1] < h50_b[1]:
            fast = base
            s.append(f"None of the alternatives informed affected customers sooner than {base}, under "
                     f"which half of them knew about the breach after {fmt_hours(h50_b[1], True)} and 90% "
                     f"after {fmt_hours(h90_b[1], True)}.")
        else:
            caveat = "" if _apart(h50_f, h50_b) else " (though the ranges of runs overlap)"
            s.append(f"{fast} informs affected customers fastest: half of them knew about the breach "
                     f"after {fmt_hours(h50_f[1], True)}, against {fmt_hours(h50_b[1], True)} for {base}"
                     f"{caveat}, and 90% after {fmt_hours(h90_f[1], True)} against "
                     f"{fmt_hours(h90_b[1], True)}.")
        others = [n for n in summary["scenario"] if n not in (base, fast)]
        if others:
            parts = [f"{fmt_hours(_q(_row(summary, n), 'hours_to_50pct_affected')[1], True)} with {n}"
                     for n in others]
            s.append("Half knew after " + _join(parts) + ".")
    u24_b = _q(b, "unaware_affected_share_24h")
    p24_b = _q(b, "unaware_affected_people_24h")
    if fast != base:
        f = _row(summary, fast)
        s.append(f"A day after the announcement, {fmt_pct(u24_b[1])} of affected customers "
                 f"({fmt_people(p24_b[1])} people) had still not heard under {base}, against "
                 f"{fmt_pct(_q(f, 'unaware_affected_share_24h')[1])} "
                 f"({fmt_people(_q(f, 'unaware_affected_people_24h')[1])}) with {fast}.")
    elif not math.isnan(u24_b[1]):
        s.append(f"A day after the announcement, {fmt_pct(u24_b[1])} of affected customers "
                 f"({fmt_people(p24_b[1])} people) had still not heard.")
    comp = _argbest(summary, "share_affected_first_from_company", lowest=False)
    c_b = _q(b, "share_affected_first_from_company")
    c_x = _q(_row(summary, comp), "share_affected_first_from_company")
    if comp != base and c_x[1] > c_b[1]:
        s.append(f"The company itself was the first to tell {fmt_pct(c_x[1])} of affected customers "
                 f"with {comp}, against {fmt_pct(c_b[1])} with {base}.")
    else:
        s.append(f"The company itself was the first to tell {fmt_pct(c_b[1])} of affected customers "
                 f"under {base}.")
    t0 = _q(b, "initial_company_trust_affected")[1]
    tb = _q(b, "final_company_trust_affected")
    trust_best = _argbest(summary, "final_company_trust_affected", lowest=False)
    tx = _q(_row(summary, trust_best), "final_company_trust_affected")
    verb = "fell" if tb[1] < t0 - 0.005 else "rose" if tb[1] > t0 + 0.005 else "stayed"
    text = (f"Their average trust in the company (0 = none, 1 = full) started at {t0:.2f} and "
            f"{verb} {'at' if verb == 'stayed' else 'to'} {tb[1]:.2f} by the end under {base}")
    if trust_best != base and tx[1] > tb[1]:
        text += f"; it ended highest with {trust_best}, at {tx[1]:.2f}"
        if not _apart(tx, tb):
            text += " (within the range of runs)"
    s.append(text + ".")
    left = _left_behind(summary, base)
    if left:
        s.append(left)
    ub = _q(b, "unaware_affected_share_end")
    if not math.isnan(ub[1]):
        s.append(f"By the end of the run, {fmt_pct(ub[1], 1)} of affected customers "
                 f"({fmt_people(_q(b, 'unaware_affected_people_end')[1])} people) had never heard "
                 f"under {base}.")
    more = "" if int(summary["runs"].max()) == n_runs else " or more"
    s.append(f"Figures are medians of {n_runs}{more} runs per scenario; \"range of runs\" means "
             f"the 10th to 90th percentile.")
    return " ".join(s)


def _left_behind(summary: pd.DataFrame, base: str) -> str:
    h = COHORT_HOURS[-1]
    cols = {c: f"aware_share_{h}h_{c}_median" for c in COHORTS}
    if not all(col in summary.columns for col in cols.values()):
        return ""
    b = _row(summary, base)
    shares = {c: float(b[cols[c]]) for c in COHORTS}
    last = charts.last_cohorts(shares)
    worst = last[0]
    best_c = max(COHORTS, key=lambda c: (shares[c], -COHORTS.index(c)))
    if len(last) == len(COHORTS):
        return (f"The generations hear at much the same pace: at {h} h, {fmt_pct(shares[worst])} to "
                f"{fmt_pct(shares[best_c])} of each knew under {base}.")
    label = COHORT_LABELS[worst] if len(last) == 1 else charts.join_words([COHORT_LABELS[c] for c in last])
    text = (f"{label} hear last: at {h} h, {fmt_pct(shares[worst])} of all {COHORT_LABELS[worst]} "
            f"knew under {base}, against {fmt_pct(shares[best_c])} of {COHORT_LABELS[best_c]}")
    best = _argbest(summary, f"aware_share_{h}h_{worst}", lowest=False)
    if best != base:
        text += (f"; {best} reaches {fmt_pct(float(_row(summary, best)[cols[worst]]))} of "
                 f"{COHORT_LABELS[worst]}")
    return text + "."


_join = charts.join_words


# --------------------------------------------------------------------------- assumptions, sources

@dataclass(frozen=True)
class Note:
    """One commented setting of a scenario file."""

    key: str      # dotted key (a table, a key, or an array)
    value: str    # the value as written (shortened)
    text: str     # the comment
    file: str     # the file it is in


_SOURCE_WORDS = re.compile(r"seed article|census|calendar|et al\.", re.I)
_NAMED_YEAR = re.compile(r"\b[A-Z][A-Za-z&.-]*(?: [A-Z][A-Za-z&.-]*)*(?: et al\.)? (?:19|20)\d\d\b")
_PAREN_CITE = re.compile(r"\([^()]*(?:[A-Z]|\b(?:19|20)\d\d\b)[^()]*\)")


def _clauses(text: str) -> list[str]:
    """Split a comment on ';' and on sentence ends, outside brackets."""
    out, depth, cur = [], 0, ""
    for i, ch in enumerate(text):
        depth += ch in "(["
        depth -= ch in ")]"
        end = ch == ";" or (ch == "." and i + 1 < len(text) and text[i + 1] == " "
                            and not cur.endswith(" al") and not cur.endswith("e.g")
                            and re.match(r"\s+[A-Z]", text[i + 1:]) is not None)
        if depth <= 0 and end:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    out.append(cur.strip())
    return [c for c in out if c]


def is_assumption(text: str) -> bool:
    return "ASSUMPTION" in text


def is_source(text: str) -> bool:
    """True if a clause of the comment, not itself labelled an assumption, cites a source."""
    return any(not is_assumption(c) and (_PAREN_CITE.search(c) or _NAMED_YEAR.search(c)
                                          or _SOURCE_WORDS.search(c))
               for c in _clauses(text))


def clean_comment(text: str) -> str:
    """The comment for a reader: the ASSUMPTION label turned into plain words."""
    t = text.strip()
    t = re.sub(r"(^|[.;]\s*)ASSUMPTIONS?\s*[.:]?\s*$", r"\1", t).strip()
    t = re.sub(r"^ASSUMPTIONS?\s*[:.]?\s*", "", t)
    t = re.sub(r"\s*:\s*ASSUMPTIONS?\b", " (assumption)", t)
    t = re.sub(r"\b(?!an\b|is\b|a\b|are\b)(\w+)\s+ASSUMPTION\b(?=\s*(?:$|[;.)]))", r"\1 (assumption)", t)
    t = re.sub(r"(^|[.;]\s+)ASSUMPTIONS", r"\1Assumptions", t)
    t = re.sub(r"(^|\.\s+)ASSUMPTION", r"\1Assumption", t)
    t = t.replace("ASSUMPTIONS", "assumptions").replace("ASSUMPTION", "assumption")
    t = re.sub(r"\s+", " ", t).strip(" ;")
    first = t.split(" ", 1)[0]
    return t[:1].upper() + t[1:] if t and "_" not in first and "." not in first else t


def _split_code(line: str) -> tuple[str, str]:
    """``(code, comment)`` of a TOML line: the first '#' outside quotes."""
    quote = None
    i = 0
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == "\\" and quote == '"':
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return line[:i].rstrip(), line[i + 1:].strip()
        i += 1
    return line.rstrip(), ""


def _bracket_depth(code: str) -> int:
    depth, quote = 0, None
    for ch in code:
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
    return depth


def _short(text: str, n: int = 90) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


_CONTINUES = re.compile(r"^(\(|plus\b|and\b|or\b|but\b|with\b|then\b|which\b)")


def file_notes(path: str | Path) -> tuple[list[Note], dict[str, str], str | None]:
    """Commented settings of one TOML file, the values it sets, and what it ``extends``.

    Returns ``(notes, values, extends)``: ``values`` maps each dotted key the
    file sets (tables, keys, arrays) to its value text, for telling whether a
    later file changes it. Comment lines before the first table or key (the
    file's preamble) are not notes; a comment block directly above a key
    belongs to it; a trailing comment that continues the previous line's
    (starting with "(" or "plus", "and"..., or after a ";") joins it.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    notes: list[dict] = []
    values: dict[str, str] = {}
    table = ""
    pending: list[str] = []
    seen_code = False
    in_string: str | None = None
    array: dict | None = None     # open multi-line array: {"key", "depth", "parts"}
    last_trailing: dict | None = None
    table_values: dict[str, list[str]] = {}
    for raw in text.splitlines():
        if in_string:
            if in_string in raw:
                in_string = None
            continue
        code, comment = _split_code(raw)
        stripped = code.strip()
        if not stripped:
            if comment and seen_code:
                pending.append(comment)
            elif not comment:
                pending = []
            last_trailing = None
            continue
        seen_code = True
        for q in ('"""', "'''"):
            if stripped.count(q) % 2 == 1:
                in_string = q
        if array is not None:
            array["parts"].append(stripped)
            array["depth"] += _bracket_depth(stripped)
            item = stripped.rstrip(",").strip()
            if (pending or comment) and item not in ("]", ""):
                for c in ([" ".join(pending)] if pending else []) + ([comment] if comment else []):
                    notes.append({"key": array["key"], "value": _short(item), "text": c})
                pending = []
            if array["depth"] <= 0:
                values[array["key"]] = _short(" ".join(array["parts"]), 400)
                array = None
            last_trailing = None
            continue
        header = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?$", stripped)
        if header:
            table = header.group(1).replace('"', "").replace(" ", "")
            values.setdefault(table, "")
            table_values.setdefault(table, [])
            key, value = table, None
        else:
            m = re.match(r"^([A-Za-z0-9_.\"-]+)\s*=\s*(.*)$", stripped)
            if not m:
                continue
            key = f"{table}.{m.group(1)}" if table else m.group(1)
            value = m.group(2)
            table_values.setdefault(table, []).append(f"{m.group(1)} = {_short(value, 30)}")
            depth = _bracket_depth(value)
            if depth > 0:
                array = {"key": key, "depth": depth, "parts": [value]}
            else:
                values[key] = _short(value, 400)
        if pending:
            notes.append({"key": key, "value": value, "text": " ".join(pending), "table": table})
            pending = []
        if (comment and last_trailing is not None and last_trailing["table"] == table
                and (_CONTINUES.match(comment) or last_trailing["text"].rstrip().endswith((";", ",")))):
            last_trailing["text"] += " " + comment
        elif comment:
            last_trailing = {"key": key, "value": value, "text": comment, "table": table}
            notes.append(last_trailing)
        else:
            last_trailing = None
    for tbl, kv in table_values.items():
        values[tbl] = "; ".join(kv)
    out = []
    for n in notes:
        value = n["value"]
        if value is None:       # a table: show its keys
            value = values.get(n["key"], "")
        elif n["key"] in values and value.rstrip().startswith("[") and _bracket_depth(value) > 0:
            value = values[n["key"]]
        out.append(Note(n["key"], _short(value or "", 90), n["text"].strip(), str(path)))
    extends = None
    try:
        extends = tomllib.loads(text).get("scenario", {}).get("extends")
    except tomllib.TOMLDecodeError:
        pass
    return out, values, extends


def scenario_notes(path: str | Path, defaults: str | Path | None = DEFAULTS_FILE) -> list[Note]:
    """The commented settings that apply to a scenario file, most specific file first.

    Follows ``extends`` (relative to the file naming it) and then the bundled
    defaults. A file's note on a key is kept unless a more specific file has
    its own note on that key, or sets that key (or a key inside it) to a
    different value.
    """
    chain: list[tuple[list[Note], dict[str, str]]] = []
    seen = set()
    current: Path | None = Path(path)
    while current is not None and current.resolve() not in seen and current.exists():
        seen.add(current.resolve())
        notes, values, extends = file_notes(current)
        chain.append((notes, values))
        current = (current.parent / extends) if extends else None
    if defaults is not None and Path(defaults).exists() and Path(defaults).resolve() not in seen:
        notes, values, _ = file_notes(defaults)
        chain.append((notes, values))
    kept: list[Note] = []
    noted: set[str] = set()
    for i, (notes, values) in enumerate(chain):
        here = set()
        for n in notes:
            if n.key in noted:
                continue
            changed = any(k == n.key or k.startswith(n.key + ".")
                          for later_notes, later_values in chain[:i]
                          for k, v in later_values.items()
                          if (k == n.key or k.startswith(n.key + "."))
                          and _norm(v) != _norm(values.get(k, "\0")))
            if not changed:
                kept.append(n)
            here.add(n.key)
        noted |= here
    return kept


def relevant_notes(path: str | Path) -> list[Note]:
    """:func:`scenario_notes` without notes on network kinds the scenario does not use."""
    from .schema import NETWORK_KINDS
    notes = scenario_notes(path)
    try:
        from .scenario import load_scenario
        kind = load_scenario(path).get("network.kind")
    except Exception:  # noqa: BLE001 - a file the model cannot read still gets its notes
        return notes
    other = [k for k in NETWORK_KINDS if k != kind]
    return [n for n in notes if not any(n.text.startswith(f"{k} only") for k in other)]


def _norm(value: str) -> str:
    return re.sub(r"[\s_]", "", value or "")


def split_notes(notes: Sequence[Note]) -> tuple[list[Note], list[Note]]:
    """``(assumptions, sources)``; a note may be both."""
    return ([n for n in notes if is_assumption(n.text)],
            [n for n in notes if is_source(n.text)])


# --------------------------------------------------------------------------- HTML

CSS = """
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em}h2{margin-top:1.8em;border-bottom:1px solid #ddd}
.meta{color:#555}.reading{font-size:1.1em;background:#f6f6f2;padding:1em 1.2em;border-left:5px solid #0072B2}
figure{margin:1.5em 0}figure img{width:100%;height:auto;border:1px solid #eee}
figcaption{color:#444;font-size:.95em}
table{border-collapse:collapse;font-size:.9em;width:100%}
th,td{padding:.35em .6em;border-bottom:1px solid #e5e5e5;vertical-align:top}
th{text-align:left;background:#fafafa}td.num{text-align:right;white-space:nowrap}
.iv{color:#666;font-size:.85em}.sw{display:inline-block;width:.9em;height:.9em;margin-right:.4em;
vertical-align:-.1em;border-radius:2px}code{font-size:.85em;background:#f3f3f3;padding:0 .2em}
.scenario{margin-bottom:1.6em}ul{margin-top:.2em}li{margin-bottom:.25em}.file{color:#777;font-size:.85em}
"""

CAPTIONS = {
    "awareness": "Affected customers who know of the breach, over real local time. Line: median of the "
                 "runs; band: 10-90% of runs. Below: when each scenario's press releases, tweets and "
                 "company SMS / e-mail campaigns happen.",
    "time_to_reach": "Hours from the announcement until half and until 90% of affected customers know. "
                     "Dot: median; line: 10-90% of runs.",
    "first_source": "Where people first heard of the breach, at the end of the run. Left: affected "
                    "customers (and those who never heard); right: everyone who heard. Bars: median; "
                    "whiskers: 10-90% of runs.",
    "trust": "Affected customers' average trust in the company over time (0 = none, 1 = full). Line: "
             "median; band: 10-90% of runs.",
    "cohorts": "Share of each generation who know 24 and 72 hours after the announcement: everyone in "
               "the cohort, customers or not. Bars: median; whiskers: 10-90% of runs.",
}


def _e(x) -> str:
    return html.escape(str(x), quote=True)


def _swatch(colour: str) -> str:
    return f'<span class="sw" style="background:{colour}"></span>'


def _summary_html(summary: pd.DataFrame, colours: dict[str, str]) -> str:
    """The summary transposed for reading: one row per measure, one column per scenario."""
    ms = _table_measures(summary)
    head = "".join(f"<th>{_swatch(colours.get(n, '#888'))}{_e(n)}</th>" for n in summary["scenario"])
    rows = [f"<tr><th>measure</th>{head}</tr>",
            "<tr><td>runs</td>" + "".join(f'<td class="num">{int(r)}</td>' for r in summary["runs"])
            + "</tr>"]
    for m in ms:
        cells = []
        for _, row in summary.iterrows():
            mid, interval = format_measure(row, m)
            cells.append(f'<td class="num"><b>{_e(mid)}</b><br><span class="iv">{_e(interval)}</span></td>')
        rows.append(f"<tr><td>{_e(m.label)}</td>{''.join(cells)}</tr>")
    return "<table>\n" + "\n".join(rows) + "\n</table>"


def _note_li(n: Note, root: Path | None) -> str:
    text = clean_comment(n.text)
    value = f" = {_e(n.value)}" if n.value else ""
    where = _rel(n.file, root)
    return (f"<li><code>{_e(n.key)}{value}</code>{': ' + _e(text) if text else ''} "
            f'<span class="file">({_e(where)})</span></li>')


def _rel(path: str, root: Path | None) -> str:
    p = Path(path)
    if p.resolve() == DEFAULTS_FILE:
        return "sim/defaults.toml"
    if root is not None:
        try:
            return str(p.resolve().relative_to(root))
        except ValueError:
            pass
    return p.name


def _note_lists(notes: Sequence[Note], root: Path | None, empty: str, which: str = "") -> str:
    assumptions, sources = split_notes(notes)
    parts = []
    for title, items in (("Key assumptions" + which, assumptions), ("Calibration sources" + which, sources)):
        body = "".join(_note_li(n, root) for n in items) or f"<li>{_e(empty)}</li>"
        parts.append(f"<h4>{title}</h4><ul>{body}</ul>")
    return "\n".join(parts)


def _events_html(s: dict) -> str:
    start = dt.datetime.fromisoformat(s["start"]) if s.get("start") else None
    campaigns, points = charts.campaigns_and_points(s.get("events", []))
    items = []

    def when(h):
        if start is None:
            return f"{h:.0f} h"
        t = start + dt.timedelta(hours=h)
        return f"{t:%a %d %b %H:%M} ({h:.0f} h)"

    merged: dict[tuple, list[str]] = {}
    for h, label, _ in points:
        merged.setdefault((h,), []).append(label)
    rows = [(h, ", ".join(dict.fromkeys(labels))) for (h,), labels in merged.items()]
    rows += [(start_h, f"{medium} campaign to customers until "
              + (when(end) if end is not None else "the end of the run"))
             for medium, start_h, end in campaigns]
    for h, label in sorted(rows, key=lambda r: r[0]):
        items.append(f"<li>{_e(when(h))}: {_e(label)}</li>")
    return "<ul>" + "".join(items) + "</ul>" if items else ""


def report_html(summary: pd.DataFrame, images: dict[str, bytes], scenarios: Sequence[dict],
                titles: dict[str, str] | None = None, root: Path | None = None) -> str:
    """The self-contained report page: reading, charts (PNG as base64), summary, scenarios."""
    names = list(summary["scenario"])
    colours = scenario_colours([s["name"] for s in scenarios] + names)
    shown = [s for s in scenarios if s["name"] in names]
    notes = {s["name"]: relevant_notes(s["file"]) if s.get("file") and Path(s["file"]).exists() else []
             for s in shown}
    key = lambda n: (n.key, n.value, n.text)  # noqa: E731
    common_keys = set.intersection(*[set(map(key, v)) for v in notes.values()]) if notes else set()
    if len(shown) == 1:  # one scenario: only the model defaults are "common"
        common_keys = {k for k in common_keys
                       if any(key(n) == k and Path(n.file).resolve() == DEFAULTS_FILE
                              for n in notes[shown[0]["name"]])}
    common = []
    for v in notes.values():
        for n in v:
            if key(n) in common_keys and key(n) not in {key(c) for c in common}:
                common.append(n)
    runs_n = int(summary["runs"].min()) if len(summary) else 0
    runs_text = f"{runs_n}" if len(summary) and int(summary["runs"].max()) == runs_n else f"{runs_n} or more"
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Breach news: scenario comparison</title>", f"<style>{CSS}</style>", "</head>", "<body>",
        "<h1>How fast news of the breach reaches affected customers</h1>",
        f'<p class="meta">{len(names)} scenario{"s" if len(names) != 1 else ""} compared, '
        f"{runs_text} simulation runs each. Baseline: {_e(names[0]) if names else 'none'}.</p>",
        "<h2>In brief</h2>", f'<p class="reading">{_e(reading(summary))}</p>',
        "<h2>Charts</h2>",
    ]
    for stem, data in images.items():
        alt = (titles or {}).get(stem, stem.replace("_", " "))
        parts.append(f'<figure id="{_e(stem)}"><img alt="{_e(alt)}" '
                     f'src="data:image/png;base64,{base64.b64encode(data).decode("ascii")}">'
                     f"<figcaption>{_e(CAPTIONS.get(stem, ''))}</figcaption></figure>")
    parts += ["<h2>Summary</h2>",
              "<p>Median across runs; below it, the range from the 10th to the 90th percentile of runs. "
              "Hours are since the announcement (the scenario start). People are scaled from the "
              "simulated agents. \"Not reached\": the level was not reached within the run in enough "
              "runs.</p>", _summary_html(summary, colours),
              "<h2>Scenarios</h2>"]
    for s in shown:
        specific = [n for n in notes[s["name"]] if key(n) not in common_keys]
        file = _e(_rel(s["file"], root)) if s.get("file") else "n/a"
        parts.append(f'<div class="scenario"><h3>{_swatch(colours[s["name"]])}{_e(s["name"])}</h3>'
                     f"<p>{_e((s.get('description') or '').strip())}</p>"
                     f'<p class="file">Scenario file: {file}</p>'
                     f"<h4>Channel timeline</h4>{_events_html(s)}"
                     + _note_lists(specific, root, "none beyond those common to all scenarios (below)",
                                   " specific to this scenario" if len(shown) > 1 else "")
                     + "</div>")
    from_files = [n for n in common if Path(n.file).resolve() != DEFAULTS_FILE]
    from_defaults = [n for n in common if Path(n.file).resolve() == DEFAULTS_FILE]
    parts.append("<h2>Assumptions and sources common to all scenarios</h2>")
    if from_files:
        parts.append(_note_lists(from_files, root, "none"))
    parts.append("<details><summary>Model defaults (sim/defaults.toml) that apply to every scenario"
                 "</summary>" + _note_lists(from_defaults, root, "none") + "</details>")
    parts += ["<h2>Method</h2>",
              "<p>Each scenario was simulated several times with different random seeds (an "
              "agent-based model of how news spreads through the media, Twitter, the company's own "
              "messages and word of mouth; see docs/MODEL.md). Charts and tables show the median run "
              "and the 10-90% range of runs, which reflects chance, not uncertainty in the "
              "assumptions. Assumptions and sources are taken from the comments in the scenario files "
              "as written; values changed for the batch itself are not reflected here.</p>",
              "</body>", "</html>"]
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------- writing

#: Files written by :func:`write_report`, in order.
REPORT_FILES = ("awareness.png", "awareness.svg", "time_to_reach.png", "first_source.png", "trust.png",
                "cohorts.png", "summary.csv", "summary.md", "report.html")


def _fig_bytes(fig, fmt: str) -> bytes:
    buf = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else None
    fig.savefig(buf, format=fmt, metadata=metadata)
    return buf.getvalue()


def write_report(runs: pd.DataFrame, timeseries: pd.DataFrame, scenarios: Sequence[dict],
                 out_dir: str | Path) -> list[Path]:
    """Write the charts, ``summary.csv``, ``summary.md`` and ``report.html`` into ``out_dir``.

    Everything is rendered first and written to temporary names in
    ``out_dir``, then renamed into place (``os.replace``); if anything fails,
    the temporary files are removed and earlier files are left untouched.
    Returns the paths written, in :data:`REPORT_FILES` order.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if ok_runs(runs).empty:
        raise ValueError("no finished runs to report")
    figures = charts.all_charts(runs, timeseries, scenarios)
    titles = {stem: fig.get_suptitle().replace("\n", " ") for stem, fig in figures.items()}
    images = {stem: _fig_bytes(fig, "png") for stem, fig in figures.items()}
    svg = _fig_bytes(figures["awareness"], "svg")
    summary = summary_table(runs, scenarios, timeseries)
    root = _common_root(scenarios)
    contents = {f"{stem}.png": data for stem, data in images.items()}
    contents["awareness.svg"] = svg
    contents["summary.csv"] = summary.to_csv(index=False).encode("utf-8")
    contents["summary.md"] = summary_markdown(summary).encode("utf-8")
    contents["report.html"] = report_html(summary, images, scenarios, titles, root).encode("utf-8")
    staged: dict[str, Path] = {}
    tag = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        for name in REPORT_FILES:
            tmp = out / f".{name}.{tag}.tmp"
            staged[name] = tmp
            with open(tmp, "xb") as fh:
                fh.write(contents[name])
        for name in REPORT_FILES:
            os.replace(staged.pop(name), out / name)
    finally:
        for tmp in staged.values():
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return [out / name for name in REPORT_FILES]


def _common_root(scenarios: Sequence[dict]) -> Path | None:
    """The project folder for showing scenario paths (the parent of ``scenarios/``), if any."""
    for s in scenarios:
        if s.get("file"):
            p = Path(s["file"]).resolve()
            for parent in p.parents:
                if (parent / "sim" / "defaults.toml").exists() or (parent / "pyproject.toml").exists():
                    return parent
    return None


#: Measures printed by the command line after a comparison: (key, short header).
HEADLINE = (
    ("hours_to_50pct_affected", "50% know"),
    ("hours_to_90pct_affected", "90% know"),
    ("unaware_affected_share_72h", "unaware at 72 h"),
    ("share_affected_first_from_company", "first from company"),
    ("final_company_trust_affected", "trust at end"),
)


def headline_text(summary: pd.DataFrame) -> str:
    """A compact plain-text table of the headline measures (median, 10-90% range)."""
    by_key = {m.key: m for m in MEASURES}
    header = ["scenario"] + [label for _, label in HEADLINE]
    rows = []
    for _, row in summary.iterrows():
        cells = [str(row["scenario"])]
        for key, _ in HEADLINE:
            mid, interval = format_measure(row, by_key[key])
            cells.append(f"{mid} ({interval})")
        rows.append(cells)
    width = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                                  for i, (c, w) in enumerate(zip(cells, width)))
    return "\n".join([fmt(header), *map(fmt, rows),
                      "median of runs (10-90% of runs); hours since the announcement"])
