"""Sentences computed from the numbers: chart titles, the executive summary,
the uncertainty statement and the command line's headline table.

Every sentence is built from :mod:`.stats` results and worded with
:mod:`.text`; scenario names appear as their short names (see
:func:`sim.reporting.text.short_names`). Nothing here draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from ..config.schema import COHORTS
from . import stats
from ..analysis.sensitivity import design_warning
from ..config import catalog
from ..runs.escape import markdown_text, spreadsheet_safe
from .stats import BY_KEY, COHORT_WORDS, Measure, Paired
from .text import fmt_hours, fmt_number, fmt_pct, fmt_people, fmt_trust, fmt_value, join_words, plural

__all__ = ["awareness_title", "time_to_reach_title", "first_source_title", "trust_title",
           "cohorts_title", "last_cohorts", "Recommendation", "recommend", "executive_summary",
           "next_best_bullet", "criterion_of", "ranking_words", "sweep_summary", "CRITERIA", "HEADLINE",
           "uncertainty", "format_measure", "runs_text", "headline_text", "summary_markdown", "summary_csv",
           "sensitivity_notes", "SensitivityNote", "design_warning", "sensitivity_sentences",
           "robustness_rows", "deciding_words", "cost_sentence"]


def _median(q: dict[str, list[float]], name: str) -> float:
    return q.get(name, [math.nan] * 3)[1]


def _soonest(order: Sequence[str], hours: dict[str, list[float]]) -> tuple[str, str, float, float]:
    """(baseline, scenario with the lowest median, their two medians); ties go to the first."""
    base = order[0]
    fastest = min(order, key=lambda n: (_median(hours, n), order.index(n)))
    return base, fastest, _median(hours, base), _median(hours, fastest)


def _runner_up(order: Sequence[str], hours: dict[str, list[float]]) -> str:
    """The alternative (not the first) with the lowest median (no data last); ties go to the first."""
    others = list(order[1:])
    return min(others, key=lambda n: (math.isnan(_median(hours, n)), _sort_value(_median(hours, n)),
                                      others.index(n)))


# --------------------------------------------------------------------------- chart titles

def _h(hours: float) -> str:
    """Hours in a title: ``31 h`` (no days in brackets)."""
    return fmt_hours(hours, days=False)


def awareness_title(order: Sequence[str], h50: dict[str, list[float]], short: dict[str, str]) -> str:
    """The finding of the awareness chart: who informs half of affected customers soonest."""
    if len(order) == 1:
        return f"{short[order[0]]}: half of affected customers know within {_h(_median(h50, order[0]))}"
    base, fastest, fb, ff = _soonest(order, h50)
    if fastest == base or not ff < fb:
        second = _runner_up(order, h50)
        if not math.isnan(_median(h50, second)) and _h(_median(h50, second)) != _h(fb):
            return (f"{short[base]} informs affected customers soonest: half know within {_h(fb)} "
                    f"({short[second]}: {_h(_median(h50, second))})")
        return (f"No alternative informs affected customers sooner than {short[base]} "
                f"(half know within {_h(fb)})")
    return (f"{short[fastest]}: half of affected customers know within {_h(ff)} "
            f"({short[base]}: {_h(fb)})")


def time_to_reach_title(order: Sequence[str], h90: dict[str, list[float]], short: dict[str, str]) -> str:
    """The finding of the time-to-reach chart: who reaches 90% soonest."""
    if len(order) == 1:
        return f"{short[order[0]]}: 90% of affected customers know within {_h(_median(h90, order[0]))}"
    base, fastest, fb, ff = _soonest(order, h90)
    if fastest == base or not ff < fb:
        second = _runner_up(order, h90)
        if not math.isnan(_median(h90, second)) and _h(_median(h90, second)) != _h(fb):
            return (f"{short[base]} reaches 90% of affected customers soonest, in {_h(fb)} "
                    f"({short[second]}: {_h(_median(h90, second))})")
        return f"No alternative reaches 90% of affected customers sooner than {short[base]} ({_h(fb)})"
    return f"{short[fastest]} reaches 90% of affected customers in {_h(ff)} ({short[base]}: {_h(fb)})"


def first_source_title(order: Sequence[str], company: dict[str, list[float]], short: dict[str, str]) -> str:
    """The finding of the first-source chart: where the company tells most people first."""
    base = order[0]
    best = max(order, key=lambda n: (_median(company, n), -order.index(n)))
    cb, cx = _median(company, base), _median(company, best)
    if len(order) == 1 or best == base or not cx > cb:
        return f"{short[base]}: the company is first to tell {fmt_pct(cb)} of affected customers"
    return (f"{short[best]}: the company is first to tell {fmt_pct(cx)} of affected customers "
            f"({short[base]}: {fmt_pct(cb)})")


def trust_title(order: Sequence[str], initial: dict, final: dict, short: dict[str, str],
                horizon: float | None = None) -> str:
    """The finding of the trust chart: where company trust ends highest."""
    base = order[0]
    start = _median(initial, base)
    best = max(order, key=lambda n: (_median(final, n), -order.index(n)))
    fb, fx = _median(final, base), _median(final, best)
    when = f" over {horizon / 24:.0f} days" if horizon else ""
    verb = "falls" if fb < start - 0.005 else "rises" if fb > start + 0.005 else "stays"
    if len(order) == 1 or best == base or not fx > fb:
        return f"Trust in the company {verb} from {fmt_trust(start)} to {fmt_trust(fb)}{when} under {short[base]}"
    if fx < start:
        return (f"Trust in the company falls least with {short[best]}: {fmt_trust(start)} to {fmt_trust(fx)}"
                f" ({short[base]}: {fmt_trust(fb)})")
    return (f"Trust in the company ends highest with {short[best]}: {fmt_trust(fx)} "
            f"({short[base]}: {fmt_trust(fb)})")


#: Cohorts within this share of each other "hear at much the same pace".
SAME_PACE = 0.03


def last_cohorts(shares: dict[str, float], tolerance: float = 0.01) -> list[str]:
    """Cohorts within ``tolerance`` (1 percentage point) of the least aware, least aware first."""
    valid = {c: v for c, v in shares.items() if not math.isnan(v)}
    if not valid:
        return [COHORTS[0]]
    low = min(valid.values())
    return sorted((c for c, v in valid.items() if v <= low + tolerance),
                  key=lambda c: (valid[c], COHORTS.index(c)))


def cohorts_title(order: Sequence[str], table: pd.DataFrame, hours: float, short: dict[str, str],
                  whom: str = "affected customers") -> str:
    """The finding of the cohort chart: who hears last at ``hours`` (``table`` from
    :func:`stats.cohort_awareness`), or that all generations keep pace."""
    base = order[0]
    med = {n: {c: stats.quantiles(table.loc[table["scenario"] == n, c])[1] for c in COHORTS} for n in order}
    values = [v for v in med[base].values() if not math.isnan(v)]
    if not values:
        return f"{short[base]}: no cohort figures at {hours:.0f} h"
    if max(values) - min(values) < SAME_PACE:
        return (f"All generations hear at much the same pace: {fmt_pct(min(values))}-{fmt_pct(max(values))} "
                f"of {whom} know at {hours:.0f} h under {short[base]}")
    last = last_cohorts(med[base])
    worst = last[0]
    words = join_words([COHORT_WORDS[c] for c in last])
    text = f"{words} hear last: {fmt_pct(med[base][worst])} know at {hours:.0f} h under {short[base]}"
    best = max(order, key=lambda n: (med[n][worst], -order.index(n)))
    if best != base and med[best][worst] > med[base][worst]:
        text += f" ({short[best]}: {fmt_pct(med[best][worst])})"
    return text


# --------------------------------------------------------------------------- measures as text

def runs_text(table: pd.DataFrame) -> str:
    """How many runs each row of ``table`` has: ``3 runs``, ``2-3 runs``."""
    lo, hi = int(table["runs"].min()), int(table["runs"].max())
    return f"{hi} run{'s' if hi != 1 else ''}" if lo == hi else f"{lo}-{hi} runs"


def format_measure(row: pd.Series, m: Measure) -> tuple[str, str]:
    """``(median, "p10-p90")`` of one measure, formatted for people (``"30 h", "29-31 h"``)
    by :func:`~sim.reporting.text.fmt_value`, the formatter of every figure in the report."""
    mid, lo, hi = (float(row.get(f"{m.key}_{s}", math.nan)) for s in ("median", "p10", "p90"))
    a, b = fmt_value(m.kind, lo), fmt_value(m.kind, hi)
    if a == b:
        return fmt_value(m.kind, mid), a
    if m.kind == "hours" and math.isinf(hi) and math.isfinite(lo):
        return fmt_value(m.kind, mid), f"{a} to {fmt_value(m.kind, hi)}"
    if m.kind == "people" and b.endswith(" M") and not a.endswith(" M") and 0 <= lo < 1e6:
        a = f"{lo / 1e6:.2f}".rstrip("0").rstrip(".") + " M"      # one unit for the range: 0.9-1.19 M
    for unit in (" h", "%", " M"):
        if a.endswith(unit) and b.endswith(unit) and m.kind != "change" and a[0] not in "<>":
            return fmt_value(m.kind, mid), f"{a[: -len(unit)]}–{b}"
    sep = " to " if m.kind == "change" or a.startswith("-") else "–"
    return fmt_value(m.kind, mid), f"{a}{sep}{b}"


#: Measures printed by the command line after a comparison: (key, short header). The
#: measure the recommendation ranks by (:data:`CRITERIA`) leads; the others follow in this order.
HEADLINE = tuple((m.key, m.brief) for m in catalog.used_in("cli"))
#: Most rows the command line prints of a sweep (the best and the worst half each beyond it).
HEADLINE_ROWS = 20


def criterion_of(summary: pd.DataFrame) -> Measure:
    """The measure plans are ranked by: the first of :data:`CRITERIA` the summary has figures of."""
    return next((BY_KEY[k] for k in CRITERIA if f"{k}_median" in summary and summary[f"{k}_median"].notna().any()),
                BY_KEY["hours_to_50pct_affected"])


def headline_text(summary: pd.DataFrame, short: dict[str, str] | None = None,
                  criterion: Measure | None = None, first: str = "scenario") -> str:
    """A compact plain-text table of the headline measures (median, 10-90% range),
    led by ``criterion`` (default: :func:`criterion_of`), the measure plans are ranked by.
    A summary of more than :data:`HEADLINE_ROWS` rows (a sweep) shows its best and its
    worst rows by ``criterion`` and says how many are left out. ``first``: the first
    column's header."""
    criterion = criterion or criterion_of(summary)
    columns = [(k, label) for k, label in HEADLINE if k == criterion.key]
    columns += [(k, label) for k, label in HEADLINE if k not in (criterion.key, "unaware_affected_people_24h")]
    if not any(k == criterion.key for k, _ in columns):
        columns.insert(0, (criterion.key, criterion.label))
    header = [first] + [label for _, label in columns]
    shown, left_out = _headline_rows(summary, criterion)
    rows = []
    for _, row in shown.iterrows():
        cells = [str((short or {}).get(row["scenario"], row["scenario"]))]
        for key, _ in columns:
            mid, interval = format_measure(row, BY_KEY[key])
            cells.append(f"{mid} ({interval})")
        rows.append(cells)
    width = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                                  for i, (c, w) in enumerate(zip(cells, width)))
    notes = ["median of runs (10-90% of runs); hours since the announcement"]
    if left_out:
        notes.append(f"the {len(shown) // 2} best and {len(shown) - len(shown) // 2} worst of {len(summary)} "
                     f"rows by {criterion.label}; all {len(summary)} in summary.csv")
    return "\n".join([fmt(header), *map(fmt, rows), *notes])


def _headline_rows(summary: pd.DataFrame, criterion: Measure) -> tuple[pd.DataFrame, int]:
    """The rows to print and how many are left out (best and worst when too many)."""
    if len(summary) <= HEADLINE_ROWS:
        return summary, 0
    values = summary[f"{criterion.key}_median"].astype(float).map(_sort_value)
    order = sorted(range(len(summary)), key=lambda i: ((-1 if criterion.better == "higher" else 1) * values.iloc[i]
                                                       if math.isfinite(values.iloc[i]) else math.inf, i))
    half = HEADLINE_ROWS // 2
    keep = order[:half] + order[-half:]
    return summary.iloc[keep], len(summary) - len(keep)


def summary_markdown(summary: pd.DataFrame) -> str:
    """The summary as a Markdown table: one row per scenario, "median (p10 to p90)" cells.

    Scenario names are shown as literal text: HTML escaped and Markdown markup
    (``|``, brackets, backticks, line breaks) neutralised, see
    :func:`~sim.reporting.escape.markdown_text`.
    """
    ms = stats.table_measures(summary)
    head = ["scenario", "runs"] + [m.label for m in ms]
    lines = ["| " + " | ".join(_md(h) for h in head) + " |",
             "|" + "|".join([" --- "] + [" ---: "] * (len(head) - 1)) + "|"]
    for _, row in summary.iterrows():
        cells = [markdown_text(row["scenario"]), str(int(row["runs"]))]
        for m in ms:
            mid, interval = format_measure(row, m)
            cells.append(_md(f"{mid} ({interval})"))
        lines.append("| " + " | ".join(cells) + " |")
    note = ("Median across runs, with the 10-90% range of runs in brackets. Hours are since the "
            f"announcement (scenario start); \"{fmt_hours(math.inf)}\": the level was not reached in enough "
            "runs within the run's length. People are scaled from agents.")
    return "# Scenario comparison: summary\n\n" + "\n".join(lines) + "\n\n" + note + "\n"


def _md(text) -> str:
    """Text of ours (a label, a formatted number) in a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def summary_csv(summary: pd.DataFrame) -> str:
    """The summary table as CSV, its text cells safe to open in a spreadsheet (a name
    beginning with ``=``, ``+``, ``-`` or ``@`` gets a single quote in front, as OWASP
    advises); numbers are written as numbers."""
    return spreadsheet_safe(summary).to_csv(index=False)


# --------------------------------------------------------------------------- recommendation

#: What the recommendation optimises, in order of preference: the first measure the runs have.
CRITERIA = ("unaware_affected_people_24h", "hours_to_50pct_affected")


@dataclass
class Recommendation:
    """The plan to recommend and by how much it beats the baseline.

    ``best`` is the scenario with the best median of ``criterion`` (fewest
    affected customers unaware a day after the announcement; else soonest to
    half of them); ``paired`` the run-by-run comparison with the baseline
    (None when the baseline is best or alone).
    """

    base: str
    best: str
    criterion: Measure
    paired: Paired | None = None
    runner_up: str | None = None

    @property
    def changes_plan(self) -> bool:
        return self.best != self.base


def recommend(summary: pd.DataFrame, runs: pd.DataFrame) -> Recommendation:
    """Pick the plan to recommend from the summary (first row = the baseline)."""
    names = list(summary["scenario"])
    base = names[0]
    criterion = criterion_of(summary)
    col = summary[f"{criterion.key}_median"].astype(float)
    ranked = sorted(range(len(names)), key=lambda i: (_sort_value(col.iloc[i]), i))
    best = names[ranked[0]]
    runner = next((names[i] for i in ranked[1:] if names[i] != base), None)
    if best == base or not col.iloc[ranked[0]] < col.iloc[0]:
        best = base
    pair = stats.paired(runs, best, base, criterion) if best != base else None
    return Recommendation(base, best, criterion, pair, runner)


def _sort_value(x: float) -> float:
    return math.inf if math.isnan(x) else x


def _row(summary: pd.DataFrame, name: str) -> pd.Series:
    return summary.loc[summary["scenario"] == name].iloc[0]


def _m(row: pd.Series, key: str) -> float:
    return float(row.get(f"{key}_median", math.nan))


def executive_summary(summary: pd.DataFrame, runs: pd.DataFrame, short: dict[str, str],
                      rec: Recommendation | None = None, robustness: pd.DataFrame | None = None,
                      sweep: str | None = None, posterior: bool = False) -> list[str]:
    """3-5 bullets: the recommendation and its size in people and hours, first
    sources and trust, how sure the difference is, and the runner-up or sweep finding.
    ``posterior``: runs drew calibrated parameters from a posterior (compare --posterior)."""
    rec = rec or recommend(summary, runs)
    b, x = _row(summary, rec.base), _row(summary, rec.best)
    sb, sx = short[rec.base], short[rec.best]
    bullets = []
    u_b, u_x = _m(b, "unaware_affected_people_24h"), _m(x, "unaware_affected_people_24h")
    s_b, s_x = _m(b, "unaware_affected_share_24h"), _m(x, "unaware_affected_share_24h")
    h50b, h50x = _m(b, "hours_to_50pct_affected"), _m(x, "hours_to_50pct_affected")
    h90b, h90x = _m(b, "hours_to_90pct_affected"), _m(x, "hours_to_90pct_affected")
    by_day = rec.criterion.key == "unaware_affected_people_24h"     # else the runs end before 24 h
    if len(summary) == 1:
        bullets.append(f"One plan was simulated: {sb}. "
                       + (f"A day after the announcement, {fmt_people(u_b)} affected customers ({fmt_pct(s_b)}) "
                          f"still do not know." if by_day else "The runs end before a day has passed."))
        bullets.append(f"Half of the affected customers know within {fmt_hours(h50b, True)}, 90% within "
                       f"{fmt_hours(h90b, True)}.")
    elif rec.changes_plan:
        if by_day:
            bullets.append(f"Recommendation: {sx}. A day after the announcement it leaves {fmt_people(u_b - u_x)} "
                           f"fewer affected customers unaware than {sb}: {fmt_people(u_x)} ({fmt_pct(s_x)}) "
                           f"against {fmt_people(u_b)} ({fmt_pct(s_b)}).")
        else:
            bullets.append(f"Recommendation: {sx}: it informs half of the affected customers soonest "
                           f"(the runs end before a day has passed, so unaware customers at 24 h are not known).")
        bullets.append(_hours_bullet(sx, sb, h50x, h50b, h90x, h90b))
    else:
        what = (f"leaves fewer affected customers unaware a day after the announcement ({fmt_people(u_b)}, "
                f"{fmt_pct(s_b)})" if by_day else "informs half of the affected customers sooner")
        bullets.append(f"Recommendation: keep {sb}'s plan; no alternative {what}.")
        bullets.append(f"Half of the affected customers know within {fmt_hours(h50b, True)}, 90% within "
                       f"{fmt_hours(h90b, True)}.")
    c_b, c_x = _m(b, "share_affected_first_from_company"), _m(x, "share_affected_first_from_company")
    t_b, t_x = _m(b, "final_company_trust_affected"), _m(x, "final_company_trust_affected")
    t0 = _m(b, "initial_company_trust_affected")
    if rec.changes_plan:
        bullets.append(f"The company itself is first to tell {fmt_pct(c_x)} of affected customers "
                       f"({sb}: {fmt_pct(c_b)}); their trust in the company ends at {fmt_trust(t_x)} "
                       f"({sb}: {fmt_trust(t_b)}; {fmt_trust(t0)} before the breach, 0 = none, 1 = full).")
    else:
        bullets.append(f"The company itself is first to tell {fmt_pct(c_b)} of affected customers; their "
                       f"trust in the company goes from {fmt_trust(t0)} to {fmt_trust(t_b)} (0 = none, 1 = full).")
    bullets[-1] += cost_sentence(b, x, sb, rec.changes_plan)
    if rec.paired is not None and rec.paired.pairs:
        bullets.append(_sureness_bullet(rec, short, robustness, posterior))
    if sweep:
        bullets.append(sweep)
    elif len(bullets) < 5:
        bullets.extend(filter(None, [next_best_bullet(summary, rec, short)]))
    return bullets[:5]


def cost_sentence(base: pd.Series, best: pd.Series, base_name: str, changes_plan: bool) -> str:
    """What the plan costs the company, from the summary table's medians: customers
    expected to leave, calls in the busiest hour and (with a call centre) its longest
    wait; for a new plan, the base plan's figures in brackets. Empty for runs without
    these measures."""
    row = best if changes_plan else base
    lost, calls, wait = (_m(row, k) for k in ("customers_lost", "calls_peak_per_hour", "wait_peak_minutes"))
    if math.isnan(lost) or math.isnan(calls):
        return ""
    than = (lambda key, text: f" ({base_name}: {text(_m(base, key))})") if changes_plan else (lambda key, text: "")
    minutes = lambda m: f"{fmt_number(round(m, 1))} minutes"  # noqa: E731
    text = (f" About {fmt_people(lost)} current customers are expected to leave{than('customers_lost', fmt_people)},"
            f" and calls to the company peak at {fmt_people(calls)} an hour{than('calls_peak_per_hour', fmt_people)}")
    if not math.isnan(wait):
        text += f"; the call centre's mean wait then reaches {minutes(wait)}{than('wait_peak_minutes', minutes)}"
    return text + "."


def next_best_bullet(summary: pd.DataFrame, rec: Recommendation, short: dict[str, str]) -> str:
    """The runner-up and how it compares with the baseline, when that is a real
    difference: it does better on the recommendation's measure and its figure, as
    printed, differs from the baseline's. Otherwise ``""`` (the bullet is left out)."""
    if not rec.runner_up or rec.runner_up in (rec.best, rec.base):
        return ""
    m = rec.criterion
    r, b = _row(summary, rec.runner_up), _row(summary, rec.base)
    x, y = _m(r, m.key), _m(b, m.key)
    better = x > y if m.better == "higher" else _sort_value(x) < _sort_value(y)
    if not better or fmt_value(m.kind, x) == fmt_value(m.kind, y):
        return ""
    sr, sb = short[rec.runner_up], short[rec.base]
    if m.key == "unaware_affected_people_24h":
        return (f"Next best: {sr}, with {fmt_people(x)} affected customers "
                f"({fmt_pct(_m(r, 'unaware_affected_share_24h'))}) unaware at 24 h, against {fmt_people(y)} "
                f"({fmt_pct(_m(b, 'unaware_affected_share_24h'))}) with {sb}.")
    if m.kind == "hours":
        return (f"Next best: {sr}: half of the affected customers know within {fmt_hours(x, True)}, against "
                f"{fmt_hours(y, True)} with {sb}.")
    return f"Next best: {sr}, with {m.label} {fmt_value(m.kind, x)}, against {fmt_value(m.kind, y)} with {sb}."


def _hours_bullet(sx, sb, h50x, h50b, h90x, h90b) -> str:
    if math.isfinite(h50x) and math.isfinite(h50b):
        sooner = f"{fmt_hours(h50b - h50x, True, days=False)} sooner"
    else:
        sooner = "sooner"
    text = (f"Half of the affected customers know within {fmt_hours(h50x, True)} with {sx}, "
            f"{sooner} than with {sb} ({fmt_hours(h50b, True)})")
    return text + f"; 90% within {fmt_hours(h90x, True)}, against {fmt_hours(h90b, True)} with {sb}."


def _sureness_bullet(rec: Recommendation, short: dict[str, str], robustness: pd.DataFrame | None,
                     posterior: bool = False) -> str:
    p = rec.paired
    k = round(p.share_better * p.pairs)
    diff = _diff_text(rec.criterion, p.diff)
    text = (f"How sure: with the same random draws, {short[rec.best]} did better than {short[rec.base]} "
            f"in {k} of {plural(p.pairs, 'run')} (difference, 10-90% of runs: {diff}). This is run-to-run "
            + ("chance and the calibrated parameters' uncertainty" if posterior else "chance only"))
    row = _robust_row(robustness, rec.best, rec.criterion.key)
    if row is not None:
        m = BY_KEY.get(row["measure"])
        on = "" if row["measure"] == rec.criterion.key else f" on {m.label if m else row['measure']}"
        text += (f"; across plausible values of the assumptions it did better{on} in "
                 f"{fmt_pct(float(row['share_better']))} of {_worlds(row)}")
    else:
        text += "; the assumptions themselves are fixed (see \"How certain are these figures?\")"
    return text + "."


def _worlds(row) -> str:
    n = row.get("worlds")
    return f"{int(n)} worlds" if n is not None and not pd.isna(n) else "draws"


def _diff_text(m: Measure, diff: tuple[float, float, float]) -> str:
    lo, _, hi = diff
    if m.kind == "people":
        return f"{fmt_people(lo)} to {fmt_people(hi)} fewer unaware"
    if m.kind == "hours":
        return f"{fmt_hours(lo, days=False)} to {fmt_hours(hi, days=False)} sooner"
    return f"{lo:.3g} to {hi:.3g}"


def _robust_row(robustness: pd.DataFrame | None, scenario: str, measure: str):
    if robustness is None or robustness.empty:
        return None
    hit = robustness[(robustness["scenario"] == scenario) & (robustness["measure"] == measure)]
    if hit.empty:
        hit = robustness[robustness["scenario"] == scenario]
    return None if hit.empty else hit.iloc[0]


# --------------------------------------------------------------------------- uncertainty

@dataclass
class SensitivityNote:
    """What a sensitivity table says about one measure: the parameters that matter most
    (largest index first) and the design's warning (the same for every note of a table)."""

    scenario: str
    measure: str
    method: str
    top: list[tuple[str, float, float]] = field(default_factory=list)   # (label, index, half-width)
    warning: str = ""


def sensitivity_notes(table: pd.DataFrame, label, names: Sequence[str], n: int | None = None,
                      top: int = 3) -> list[SensitivityNote]:
    """Per compared scenario and measure: the ``top`` parameters by total-order
    index (Sobol) or mu* (Morris), labelled with ``label(key)``. The design's
    warning (:func:`design_warning`) is computed once, from the rows of the
    compared scenarios, and carried by every note."""
    if table is None or table.empty:
        return []
    sobol = "ST" in table
    value, conf = ("ST", "ST_conf") if sobol else ("mu_star", "mu_star_conf")
    ours = table[table["scenario"].isin(list(names))]
    warning = design_warning(ours, n) if sobol else ""
    out = []
    for (scenario, measure), g in ours.groupby(["scenario", "measure"], sort=False):
        g = g.sort_values(value, ascending=False).head(top)
        out.append(SensitivityNote(scenario, measure, "Sobol" if sobol else "Morris",
                                   [(label(p), float(v), float(c)) for p, v, c in
                                    zip(g["parameter"], g[value], g[conf])], warning))
    return out


def sensitivity_sentences(notes: list[SensitivityNote], short: dict[str, str]) -> list[str]:
    """What the sensitivity analysis says, once: when its design cannot rank the
    assumptions, one sentence with its warning (the ``n`` it needs) and no ranking;
    otherwise one sentence per scenario naming what matters most for each measure."""
    if not notes:
        return []
    plans = join_words([short.get(s, s) for s in dict.fromkeys(n.scenario for n in notes)])
    warning = next((n.warning for n in notes if n.warning), "")
    if warning:
        return [f"Sensitivity ({plans}): the analysis cannot say which assumptions matter most. "
                f"{warning}"]
    out = []
    for scenario in dict.fromkeys(n.scenario for n in notes):
        mine = [n for n in notes if n.scenario == scenario and n.top]
        if mine:
            out.append(_ranking_sentence(short.get(scenario, scenario), mine))
    return out


def _ranking_sentence(plan: str, notes: list[SensitivityNote]) -> str:
    """One scenario's ranking: the leading assumption(s) of each measure, measures that
    share them together, each with its index and 95% half-width."""
    sobol = notes[0].method == "Sobol"
    groups: dict[str, list[str]] = {}
    for note in notes:
        lead = _leaders(note.top)
        figures = ", ".join(f"{v:.2f} ± {c:.2f}" for _, v, c in lead)
        m = BY_KEY.get(note.measure)
        groups.setdefault(_either(lead), []).append(f"{_measure_words(m, note.measure)} ({figures})")
    parts = [f"{who} for {join_words(what)}" for who, what in groups.items()]
    index = "total-order index" if sobol else "mu*"
    return (f"Sensitivity ({plan}; {notes[0].method} {index} ± its 95% interval): what matters most "
            f"is " + "; ".join(parts) + ".")


def _leaders(top: list[tuple[str, float, float]]) -> list[tuple[str, float, float]]:
    """The largest index and those whose interval reaches its interval (not told apart)."""
    first = top[0]
    floor = first[1] - abs(first[2])
    return [first] + [t for t in top[1:] if t[1] + abs(t[2]) >= floor]


def _either(lead: list[tuple[str, float, float]]) -> str:
    """"A", or "A or B (not told apart)" for leaders whose intervals overlap."""
    labels = [t[0] for t in lead]
    if len(labels) == 1:
        return labels[0]
    return ", ".join(labels[:-1]) + " or " + labels[-1] + " (not told apart)"


def uncertainty(runs_per_scenario: int, paired_draws: bool, sensitivity: list[SensitivityNote],
                robustness: pd.DataFrame | None, short: dict[str, str],
                posterior: list[str] | None = None, settings: list[str] | None = None) -> list[str]:
    """The uncertainty statement: what the bands show, what they do not, and the
    figures of any sensitivity or robustness analysis of these scenarios.

    ``posterior``: labels of the calibrated parameters drawn per run from a
    calibration posterior (``compare --posterior``), if any. ``settings``:
    labels of the parameters a sweep varies, if any (``runs_per_scenario`` is
    then the runs at one setting; the bands are chance only within a setting)."""
    same = "of the same plan at the same setting" if settings else "of the same plan"
    out = [f"The bands in the charts and the ranges in the tables show run-to-run chance: the spread "
           f"of outcomes over {plural(runs_per_scenario, 'run')} {same} with different "
           f"random draws (who follows the news, who tells whom, when messages are read). The figures "
           f"quoted are medians of those runs."
           + (" Every plan was run with the same draws, so differences between plans are "
              "sharper than their overlapping bands suggest." if paired_draws else "")]
    if posterior:
        out.append(f"They also show the uncertainty left by calibration in {join_words(posterior)}: each "
                   f"run used values drawn from the calibration's posterior (the same draw for every "
                   f"plan). The other assumptions in the appendix are each fixed at one value; if those "
                   f"are wrong, every plan moves, and the gaps between them may change.")
    else:
        out.append("They do not show uncertainty in the assumptions: how much people talk, how far news "
                   "coverage reaches, how far people trust each source and the other inputs marked as "
                   "assumptions in the appendix are each fixed at one value. If those values are wrong, "
                   "every plan moves, and the gaps between them may change.")
    if settings:
        out.append(f"The differences between settings of {join_words(settings)} are the sweep itself, "
                   f"not chance: each setting is shown and compared on its own.")
    out.extend(sensitivity_sentences(sensitivity, short))
    if robustness is not None and not robustness.empty:
        out.extend(robustness_sentences(robustness, short))
    if not sensitivity and (robustness is None or robustness.empty):
        out.append("No sensitivity or robustness analysis of the assumptions was run for these plans.")
    return out


def robustness_sentences(robustness: pd.DataFrame, short: dict[str, str]) -> list[str]:
    """One sentence per scenario: in what share of plausible worlds it beats the baseline
    (and, where some worlds tie, in what share it does exactly as well)."""
    out = []
    for scenario, rows in robustness.groupby("scenario", sort=False):
        base = rows["baseline"].iloc[0] if "baseline" in rows else None
        against = short.get(base, base) if isinstance(base, str) and base else "the baseline"
        shares: dict[tuple[str, str], list[str]] = {}
        for _, r in rows.iterrows():
            m = BY_KEY.get(r["measure"])
            shares.setdefault(_shares(r), []).append(_measure_words(m, r["measure"]))
        parts = [f"{better} of them on {join_words(words)}{tied}" for (better, tied), words in shares.items()]
        if len(shares) == 1 and len(rows) > 1:
            better, tied = next(iter(shares))
            parts = [f"{better} of them on every measure compared{tied}"]
        out.append(f"Robustness ({short.get(scenario, scenario)}): across {_worlds(rows.iloc[0])} whose "
                   f"assumptions were drawn within their plausible ranges, it did better than {against} in "
                   + "; ".join(parts) + " (table below).")
    return out


def _shares(row: pd.Series) -> tuple[str, str]:
    """``("81%", " (as well in 19%)")``: the share of worlds better, and of worlds tied if any."""
    tied = _number(row, "share_tied")
    return (fmt_pct(float(row["share_better"])),
            f" (as well in {fmt_pct(tied)})" if math.isfinite(tied) and tied >= 0.005 else "")


def _measure_words(m: Measure | None, key: str) -> str:
    return {"hours_to_50pct_affected": "the time to reach half", "hours_to_90pct_affected": "the time to reach 90%",
            "unaware_affected_share_72h": "those unaware at 72 h", "unaware_affected_share_24h": "those unaware at 24 h",
            "share_affected_first_from_company": "who tells them first",
            "final_company_trust_affected": "trust in the company"}.get(key, m.label if m else key)


def robustness_rows(robustness: pd.DataFrame | None, short: dict[str, str]) -> list[dict[str, str]]:
    """The robustness table for the report: plan, measure, share of worlds better, difference,
    and what decides where it is better (:func:`deciding_words`, from the row's own values)."""
    if robustness is None or robustness.empty:
        return []
    rows = []
    plans = list(dict.fromkeys(robustness["scenario"]))
    ordered = robustness.assign(_p=robustness["scenario"].map(plans.index)).sort_values("_p", kind="stable")
    for _, r in ordered.iterrows():
        m = BY_KEY.get(r["measure"])
        rows.append({"plan": short.get(r["scenario"], r["scenario"]), "measure": m.label if m else r["measure"],
                     "better": fmt_pct(float(r["share_better"])),
                     "difference": f"{_robust_value(m, r['diff_median'])} ({_robust_value(m, r['diff_p10'])} "
                                   f"to {_robust_value(m, r['diff_p90'])})",
                     "when": deciding_words(r)})
    return rows


def deciding_words(row: pd.Series) -> str:
    """What decides where a plan is better on one measure, in a robustness row's own terms.

    - a box (``box`` and ``box_of``): "better mainly when X below 0.4 (in 80% of
      such worlds; they hold 90% of the worlds where it is better)", or "not
      better ..." as ``box_of`` says;
    - an assumption without a box (``decided_by``): "whether it is better depends
      most on X";
    - a mixed outcome (better in some worlds, not in others) that no assumption
      decides: "no single assumption was found to decide it" (only from a table with a
      ``decided_by`` column, i.e. one that says it looked);
    - otherwise nothing.
    """
    share = _number(row, "share_better")
    if not 0 < share < 1:
        return ""
    box, box_of, by = (_cell(row, c) for c in ("box", "box_of", "decided_by"))
    if box and box_of in ("better", "not better"):
        text = f"{box_of} mainly when {box}"
        density, coverage = (_number(row, c) for c in ("box_density", "box_coverage"))
        if math.isfinite(density) and math.isfinite(coverage):
            text += (f" (in {fmt_pct(density)} of such worlds; they hold {fmt_pct(coverage)} of the "
                     f"worlds where it is {box_of})")
        return text
    if by:
        from .scenarios import key_label

        return f"whether it is better depends most on {key_label(by)}"
    return "no single assumption was found to decide it" if "decided_by" in row.index else ""


def _cell(row: pd.Series, column: str) -> str:
    """A text cell of a robustness row; "" when absent or empty (read back as NaN)."""
    value = row.get(column, "")
    return value.strip() if isinstance(value, str) else ""


def _number(row: pd.Series, column: str) -> float:
    """A number cell of a robustness row; NaN when absent or not a number."""
    value = pd.to_numeric(pd.Series([row.get(column, math.nan)]), errors="coerce").iloc[0]
    return float(value)


def _robust_value(m: Measure | None, x) -> str:
    """A signed difference in the measure's units (``+31 h``, ``−0.2 h``, ``−4.5 points``,
    ``+0.021``); one that rounds to zero is shown as zero, without a sign (``0.0 h``)."""
    x = float(x)
    if m is None or math.isnan(x):
        text = f"{x:+.3g}"
    elif m.kind == "hours":
        text = f"{x:+.0f} h" if abs(x) >= 9.95 else f"{x:+.1f} h"
    elif m.kind == "share":
        text = f"{100 * x:+.1f} points"
    elif m.kind == "people":
        text = ("+" if x >= 0 else "") + fmt_people(x)
    else:
        text = f"{x:+.3f}"
    number = text.split()[0]
    if number[:1] in "+-" and any(c.isdigit() for c in number) and not any(c in "123456789" for c in number):
        text = text[1:]
    return text.replace("-", "\u2212", 1) if text.startswith("-") else text


# --------------------------------------------------------------------------- sweeps

#: Designs whose points are every combination of the values of each key.
GRID_METHODS = ("grid",)
#: Names of the sampling designs in a sentence.
METHOD_WORDS = {"sobol": "Sobol", "morris": "Morris", "lhs": "Latin hypercube"}


def sweep_summary(table: pd.DataFrame, keys: Sequence[str], short: dict[str, str], method: str = "grid",
                  labels: dict[str, str] | None = None) -> list[str]:
    """3-5 bullets of a sweep, computed per design point from ``table``
    (:func:`sim.reporting.points.point_table`: one row per compared scenario and point).

    What was varied and how often each setting ran; the best and the worst
    setting; on a grid of two keys or more, which key moves the result most
    (averaged over the others); with several compared scenarios, at how many
    settings each does better than the first; first sources and trust at the
    best and the worst setting. ``short``: short names of the compared
    scenarios; ``labels``: each key's name in words (default: its schema label).
    """
    from .scenarios import setting_label

    labels = {k: (labels or {}).get(k) or setting_label(k) for k in keys}
    m = criterion_of(table)
    plans = list(dict.fromkeys(table["plan"]))
    best, worst = _extremes(table, m)
    bullets = [_sweep_what(table, keys, short, method, labels, plans),
               _sweep_best_worst(table, m, best, worst, short, plans)]
    effect = _main_effects(table[table["plan"] == plans[0]], keys, m, labels, method)
    bullets += [b for b in (effect, _per_setting(table, m, short, plans)) if b]
    bullets.append(_sweep_sources(best, worst, m))
    return bullets[:5]


def _sweep_what(table, keys, short, method, labels, plans) -> str:
    """What the sweep is: the plans, the number of settings, the values of each key."""
    from .scenarios import values_text

    points = table["point"].nunique()
    varied = "; ".join(f"{labels[k]} {values_text(k, table[k].tolist())}" for k in keys)
    how = "every combination of" if method in GRID_METHODS else f"drawn by a {METHOD_WORDS.get(method, method)} design from"
    who = (f"{short.get(plans[0], plans[0])} was simulated" if len(plans) == 1 else
           f"{len(plans)} plans ({join_words([short.get(p, p) for p in plans])}) were each simulated")
    return (f"A sweep, not a single plan: {who} at {points} settings ({how} {varied}), "
            f"{runs_text(table)} at each. Each figure quoted is for one setting.")


def _extremes(table: pd.DataFrame, m: Measure) -> tuple[pd.Series, pd.Series]:
    """The best and the worst row by the median of ``m`` (ties: the first in design order)."""
    sign = -1.0 if m.better == "higher" else 1.0
    values = [_sort_value(float(v)) for v in table[f"{m.key}_median"]]
    key = lambda i: (sign * values[i] if math.isfinite(values[i]) else math.inf, i)  # noqa: E731
    order = sorted(range(len(table)), key=key)
    return table.iloc[order[0]], table.iloc[order[-1]]


def _where(row: pd.Series, plans: list[str], short: dict[str, str]) -> str:
    """A row's setting, after its plan's short name when several plans are compared."""
    if len(plans) == 1:
        return str(row["setting"])
    return f"{short.get(row['plan'], row['plan'])} at {row['setting']}"


def _outcome(row: pd.Series, m: Measure, first: bool) -> str:
    """A row's result on the ranking measure (with hours until half know)."""
    h50 = fmt_hours(_m(row, "hours_to_50pct_affected"), True)
    if m.key == "unaware_affected_people_24h":
        people = fmt_people(_m(row, m.key))
        share = fmt_pct(_m(row, "unaware_affected_share_24h"))
        if first:
            return (f"{people} affected customers ({share}) still unaware a day after the announcement, "
                    f"and half of them know within {h50}")
        return f"{people} ({share}), and half know within {h50}"
    if m.kind == "hours":
        return (f"half of the affected customers know within {h50}" if first else h50) + \
            f" ({'90% within ' if first else '90%: '}{fmt_hours(_m(row, 'hours_to_90pct_affected'), True)})"
    return f"{m.label} {fmt_value(m.kind, _m(row, m.key))}"


def _sweep_best_worst(table, m, best, worst, short, plans) -> str:
    """The best and the worst setting, or that every setting gives the same figure."""
    figure = lambda row: fmt_value(m.kind, _m(row, m.key))  # noqa: E731
    sweep = f"the sweep ({short.get(plans[0], plans[0])})" if len(plans) == 1 else "the sweep"
    if figure(best) == figure(worst):
        return (f"Across {sweep}, every setting gives the same figure: {_outcome(best, m, True)}; "
                f"the settings varied make no difference to it that shows.")
    ties = sum(fmt_value(m.kind, _m(r, m.key)) == figure(best) for _, r in table.iterrows()) - 1
    tied = f" (as good: {plural(ties, 'other setting')})" if ties else ""
    which = "setting" if len(plans) == 1 else "plan and setting"
    return (f"Across {sweep}, the best {which} is {_where(best, plans, short)}{tied}: "
            f"{_outcome(best, m, True)}; the worst, {_where(worst, plans, short)}: {_outcome(worst, m, False)}.")


def _is_grid(rows: pd.DataFrame, keys: Sequence[str]) -> bool:
    """Whether the rows hold every combination of their keys' values once."""
    combos = 1
    for k in keys:
        combos *= rows[k].nunique()
    return len(keys) > 1 and combos == len(rows) == len(rows.drop_duplicates(list(keys)))


def _main_effects(rows: pd.DataFrame, keys: Sequence[str], m: Measure, labels: dict[str, str],
                  method: str) -> str:
    """On a grid of two keys or more: which key moves the ranking measure most,
    each key's effect being the mean of the points' medians at each of its values."""
    medians = rows[f"{m.key}_median"].astype(float)
    if method not in GRID_METHODS or not _is_grid(rows, keys) or not np.isfinite(medians).all():
        return ""
    sign = -1.0 if m.better == "higher" else 1.0
    effects = []
    for k in keys:
        means = rows.assign(_v=medians).groupby(k, sort=True)["_v"].mean()
        good, bad = means.idxmin() if sign > 0 else means.idxmax(), means.idxmax() if sign > 0 else means.idxmin()
        effects.append((abs(means.max() - means.min()), k, good, means[good], bad, means[bad]))
    effects.sort(key=lambda e: -e[0])
    what = ranking_words(m)
    parts = [f"{fmt_value(m.kind, xg)} at every value" if fmt_value(m.kind, xg) == fmt_value(m.kind, xb) else
             f"{fmt_value(m.kind, xg)} at {_setting(k, g)} against {fmt_value(m.kind, xb)} at {_setting(k, b)}"
             for _, k, g, xg, b, xb in effects]
    shown = [fmt_value(m.kind, e[0]) for e in effects]
    if all(fmt_value(m.kind, e[3]) == fmt_value(m.kind, e[5]) for e in effects):
        return f"None of the settings varied moves {what} visibly, averaged over the others."
    if shown[0] == shown[1]:
        head = f"{join_words([labels[e[1]] for e in effects[:2]])} move {what} about equally"
    else:
        head = f"{labels[effects[0][1]]} moves {what} most"
    each = "; ".join(f"{labels[k]}: {p}" for (_, k, *_), p in zip(effects, parts))
    return f"{head[:1].upper()}{head[1:]}. Averaged over the other settings, {each}."


def _setting(key: str, value) -> str:
    from .scenarios import fmt_setting

    return fmt_setting(key, value.item() if hasattr(value, "item") else value)


def ranking_words(m: Measure) -> str:
    """What plans are ranked by, in a sentence: ``the number of affected customers unaware at 24 h``."""
    return {"unaware_affected_people_24h": "the number of affected customers unaware at 24 h",
            "hours_to_50pct_affected": "the hours until half know"}.get(m.key, m.label)


def _per_setting(table: pd.DataFrame, m: Measure, short: dict[str, str], plans: list[str]) -> str:
    """With several compared scenarios: at how many settings each does better than the first."""
    if len(plans) < 2:
        return ""
    base = table[table["plan"] == plans[0]].set_index("point")
    parts = []
    for plan in plans[1:]:
        rows = table[table["plan"] == plan].set_index("point")
        common = [p for p in rows.index if p in base.index]
        k = sum(_better(_m(rows.loc[p], m.key), _m(base.loc[p], m.key), m) for p in common)
        n = len(common)
        count = (f"at every one of the {n} settings" if k == n else
                 f"at none of the {n} settings" if k == 0 else f"at {k} of {n} settings")
        parts.append(f"{short.get(plan, plan)} does better {count}")
    return (f"Setting by setting, against {short.get(plans[0], plans[0])} on {ranking_words(m)}: "
            f"{'; '.join(parts)} (medians at each setting).")


def _better(x: float, y: float, m: Measure) -> bool:
    """``x`` is better than ``y`` on ``m`` by a figure that shows once printed."""
    if fmt_value(m.kind, x) == fmt_value(m.kind, y):
        return False
    return x > y if m.better == "higher" else _sort_value(x) < _sort_value(y)


def _sweep_sources(best: pd.Series, worst: pd.Series, m: Measure) -> str:
    """First sources and trust at the best and the worst setting."""
    c = [fmt_pct(_m(r, "share_affected_first_from_company")) for r in (best, worst)]
    t = [fmt_trust(_m(r, "final_company_trust_affected")) for r in (best, worst)]
    t0 = fmt_trust(_m(best, "initial_company_trust_affected"))
    return (f"At the best setting the company itself is first to tell {c[0]} of affected customers, at the worst "
            f"{c[1]}; their trust in the company ends at {t[0]} and {t[1]} ({t0} before the breach; "
            f"0 = none, 1 = full).")
