"""Segments of the affected customers: who is in each, and what each segment records.

A segment (``population.segments.NAME``) holds an exact number of the
affected customers of its customer groups: ``share`` x the affected
customers (largest-remainder rounding), picked without replacement with
probability proportional to the weight of their generation
(``cohort_weights``; Efraimidis-Spirakis keys, so weight 0 is picked only
when no one else is left). Segments may overlap.

Each segment draws from its own keyed stream (:mod:`sim.model.keyed`, purpose
``segment:NAME``): declaring a segment changes no other draw of the run, so
a scenario and the same scenario with a segment give the same people,
network and events (only campaigns that target or prioritise it differ).

What a segment records (per row, counts in agents; docs/MODEL.md, section
"Observation") is computed from the people's final state, the same way for
both engines: who became aware at which row, first from whom, who first read
a company message at which row, and their company trust at the start, after
learning of the breach and at the end.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from . import keyed
from .keyed import Keys
from .population import TRUST_KINDS, Population, exact_counts
from ..config.scenario import Scenario
from ..config.vocabulary import COHORTS, CUSTOMER_GROUPS, COMPANY, SOURCES

__all__ = ["draw_segments", "segment_columns", "SEGMENT_COLUMNS", "segment_column"]

#: What each segment records per row: aware, first told by the company, contacted
#: (read a company message), mean company trust.
SEGMENT_COLUMNS = ("aware", "first_from_company", "contacted", "mean_company_trust")


def segment_column(name: str, what: str) -> str:
    """The time-series column of segment ``name`` recording ``what`` (:data:`SEGMENT_COLUMNS`)."""
    return f"segment_{name}_{what}"


def draw_segments(scenario: Scenario, population: Population, streams: Keys) -> Population:
    """``population`` with ``segments`` and ``in_segment`` filled in (a new object)."""
    segments = scenario.population.segments
    n = population.size
    in_segment = np.zeros((len(segments), n), dtype=bool)
    affected = int(population.affected.sum())
    for s, (name, spec) in enumerate(segments.items()):
        codes = [1 + CUSTOMER_GROUPS.index(g) for g in spec["groups"]]
        pool = np.flatnonzero(np.isin(population.customer, codes))
        count = min(int(exact_counts([spec["share"], 1.0 - spec["share"]], affected)[0]), len(pool))
        if count == 0:
            continue
        weights = np.array([spec["cohort_weights"][c] for c in COHORTS])[population.cohort[pool]]
        u = keyed.uniforms(streams[f"segment:{name}"], len(pool))
        with np.errstate(divide="ignore"):
            keys = np.where(weights > 0, -np.log1p(-u) / np.where(weights > 0, weights, 1.0), np.inf)
        chosen = pool[np.argsort(keys, kind="stable")[:count]]
        in_segment[s, chosen] = True
    return dataclasses.replace(population, segments=tuple(segments), in_segment=in_segment)


def segment_columns(population: Population, rows: int, aware_row: np.ndarray, first_source: np.ndarray,
                    contacted_row: np.ndarray, final_trust: np.ndarray, rules) -> dict[str, np.ndarray]:
    """Each segment's columns (:data:`SEGMENT_COLUMNS`), ``rows`` rows each, from the
    people's final state (rows in time-series rows, -1 never; trust shares).

    Company trust of a member is their drawn company trust before they became aware;
    from then on the trust they had after learning of the breach (the run's
    ``rules``, :meth:`sim.model.rules.Rules.trust_on_aware`, applied to their drawn
    trust; a seed keeps it); from their first company
    message on, their final trust. Exact while company trust changes only at
    those two moments (docs/MODEL.md, section 7.8).
    """
    out: dict[str, np.ndarray] = {}
    company = SOURCES.index(COMPANY)
    initial_trust = population.trust[:, TRUST_KINDS.index("company")]
    for s, name in enumerate(population.segments):
        members = np.flatnonzero(population.in_segment[s])
        aware_at, contact_at = aware_row[members], contacted_row[members]
        out[segment_column(name, "aware")] = _cumulative(aware_at, rows)
        out[segment_column(name, "first_from_company")] = _cumulative(
            aware_at[first_source[members] == company], rows)
        out[segment_column(name, "contacted")] = _cumulative(contact_at, rows)
        out[segment_column(name, "mean_company_trust")] = _mean_trust(
            rows, aware_at, contact_at, first_source[members], final_trust[members],
            initial_trust[members], rules)
    return out


def _cumulative(at_row: np.ndarray, rows: int) -> np.ndarray:
    """How many of the events at rows ``at_row`` (-1: never) happened by each row."""
    happened = at_row[at_row >= 0]
    return np.cumsum(np.bincount(happened, minlength=rows)[:rows]).astype(np.int64)


def _mean_trust(rows, aware_at, contact_at, first, final, initial, rules) -> np.ndarray:
    if len(initial) == 0:
        return np.full(rows, np.nan)
    learned = rules.trust_on_aware(initial, first == SOURCES.index(COMPANY))[0]
    learned = np.where(first == SOURCES.index("seed"), initial, learned)
    change = np.zeros(rows + 1)
    aware = aware_at >= 0
    np.add.at(change, aware_at[aware], learned[aware] - initial[aware])
    later = aware & (contact_at >= 0)
    np.add.at(change, contact_at[later], final[later] - learned[later])
    return (initial.sum() + np.cumsum(change[:rows])) / len(initial)
