"""The optimisation's result in words, for the command line (from :class:`~.search.Outcome`)."""

from __future__ import annotations

from ..config import catalog
from ..reporting.text import fmt_number, fmt_value
from ..analysis.optimise.levers import shown

__all__ = ["summary_lines", "value_text", "change_text"]


def _kind(measure: str) -> str:
    if measure.startswith("messages.") or measure == "cost":
        return "people" if measure.startswith("messages.") else "number"
    return catalog.measure(measure).kind


def value_text(measure: str, value: float) -> str:
    """A measure's value as the report writes it (hours, shares, people, trust)."""
    if measure == "cost":
        return fmt_number(value)
    return fmt_value(_kind(measure), value)


def change_text(measure: str, change: float) -> str:
    """A change of a measure in words: ``"falls by 1.2 points"``, ``"rises by 3,400"``."""
    if change == 0:
        return "does not change"
    kind = "number" if measure == "cost" else _kind(measure)
    size = abs(change)
    amount = (f"{100 * size:.1f} percentage points" if kind == "share"
              else value_text(measure, size) if kind != "number" else fmt_number(size))
    return f"{'falls' if change < 0 else 'rises'} by {amount}"


def _scores_text(request, scores: dict) -> str:
    parts = []
    for o in request.objectives:
        value, low, high = scores[o.measure]
        band = f" ({value_text(o.measure, low)} to {value_text(o.measure, high)})" if low == low else ""
        parts.append(f"{o.measure} {value_text(o.measure, value)}{band}")
    return ", ".join(parts)


def summary_lines(outcome) -> list[str]:
    """What the command prints: the best plan or the front, the baseline, what constraints cost."""
    request = outcome.request
    counts_run = sum(1 for c in outcome.candidates if c.same_as is None and c.status != "infeasible")
    lines = [f"{counts_run} plans run ({outcome.runs_done:,} runs); scores of confirmed plans from "
             "their confirmation runs (95% intervals)"]
    by_number = {c.number: c for c in outcome.candidates if c.same_as is None}
    if outcome.best is None:
        lines.append("no plan kept to every constraint")
    else:
        best = by_number[outcome.best]
        lines.append(f"best plan: plan {best.number} (best.toml): {_scores_text(request, best.scores)}")
        for lever in request.levers:
            lines.append(f"  {lever.key} = {shown(best.values[lever.key])}")
    if len(request.objectives) > 1:
        lines.append(f"front: {len(outcome.front)} plan{'s' if len(outcome.front) != 1 else ''} (front/)")
    for c in outcome.comparisons:
        if c.scores:
            lines.append(f"{c.stage} {c.name}: {_scores_text(request, c.scores)}"
                         + ("" if c.feasible else " (outside the constraints)"))
    for row in outcome.relaxations:
        if row.get("change") and outcome.best is not None:
            first = request.objectives[0].measure
            change, low, high = row["change"][first]
            band = (f" (95% interval {value_text(first, low) if _kind(first) != 'share' else f'{100 * low:+.1f}'} to "
                    f"{value_text(first, high) if _kind(first) != 'share' else f'{100 * high:+.1f}'})")
            lines.append(f"{row['constraint']}: {row['step']}: {first} {change_text(first, change)}{band}")
        elif not row.get("binding"):
            lines.append(f"{row['constraint']}: not binding at the best plan")
    return lines
