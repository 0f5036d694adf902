"""Who a campaign messages: its ``targets`` and ``priority`` read as kinds of names.

A target names a customer group (``current``, ``former``), a generation
(``gen_z``, ...) or one of the scenario's segments (``population.segments``).
Names of one kind are alternatives, names of different kinds must all hold:
``["current", "gen_z"]`` is current customers of Gen Z, ``["gen_z",
"millennial"]`` is Gen Z or Millennials (of every customer group). A campaign
with no group named messages every customer group.

``priority`` lists target names the campaign sends to first, in that order:
the people matching the first, then those matching the second, ..., then the
rest, each in the campaign's own order (docs/MODEL.md, section 7.5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from .vocabulary import COHORTS, CUSTOMER_GROUPS

__all__ = ["Selection", "selection_of", "unknown_target", "expected_share", "target_kinds_text", "narrowed",
           "structurally"]


@dataclass(frozen=True)
class Selection:
    """A campaign's targets split by kind, each in the order given.

    ``groups``: customer groups in sending order (all of them when none was
    named); ``cohorts`` and ``segments``: empty when none was named (no
    condition).
    """

    groups: tuple[str, ...]
    cohorts: tuple[str, ...]
    segments: tuple[str, ...]


def selection_of(targets, segments: Mapping) -> Selection:
    """The :class:`Selection` of ``targets`` (names already known to be valid)."""
    groups = tuple(t for t in targets if t in CUSTOMER_GROUPS)
    return Selection(groups or CUSTOMER_GROUPS,
                     tuple(t for t in targets if t in COHORTS),
                     tuple(t for t in targets if t in segments))


def target_kinds_text(segments: Mapping) -> str:
    """What a target may name, in words, for error messages."""
    named = ", ".join(segments) if segments else "none declared (population.segments.NAME)"
    return (f"customer groups ({', '.join(CUSTOMER_GROUPS)}), generations ({', '.join(COHORTS)}) "
            f"or segments ({named})")


def unknown_target(name: str, segments: Mapping) -> bool:
    """Whether ``name`` is none of a group, a generation or a segment."""
    return name not in CUSTOMER_GROUPS and name not in COHORTS and name not in segments


def _segment_share(segment: Mapping, groups, cohorts, population: Mapping) -> float:
    """Expected share of the customers of ``groups`` and ``cohorts`` who are in ``segment``
    (0 when it cannot hold any of them)."""
    customers = population["customers"]
    affected = sum(customers[g] for g in CUSTOMER_GROUPS)
    inside = [g for g in groups if g in segment["groups"]]
    pool = sum(customers[g] for g in segment["groups"])
    if not inside or pool <= 0 or affected <= 0:
        return 0.0
    weights = segment["cohort_weights"]
    cohort_share = population["cohorts"]
    mean_weight = sum(weights[c] * cohort_share[c] for c in COHORTS)
    if mean_weight <= 0:
        return 0.0
    named = cohorts or COHORTS
    weight = sum(weights[c] * cohort_share[c] for c in named) / sum(cohort_share[c] for c in named)
    if weight <= 0:
        return 0.0
    share_of_pool = min(1.0, segment["share"] * affected / pool * weight / mean_weight)
    in_groups = sum(customers[g] for g in inside) / sum(customers[g] for g in groups)
    return share_of_pool * in_groups


def expected_share(selection: Selection, population: Mapping) -> float:
    """Expected share of all people a selection holds (customers of its groups, of its
    generations, in any of its segments; segments taken as independent of one another)."""
    customers = population["customers"]
    share = sum(customers[g] for g in selection.groups)
    if selection.cohorts:
        share *= sum(population["cohorts"][c] for c in selection.cohorts)
    if selection.segments:
        segments = population["segments"]
        outside = 1.0
        for name in selection.segments:
            outside *= 1.0 - _segment_share(segments[name], selection.groups, selection.cohorts, population)
        share *= 1.0 - outside
    return share


def structurally(population: Mapping) -> dict:
    """``population`` with every customer group, generation and segment given people, so
    that :func:`expected_share` is 0 only for targets whose kinds cannot overlap (a
    segment drawn from another group, generations a segment weighs 0), not for a group
    or segment that happens to be empty (a sweep may set a share to 0)."""
    segments = {name: {**spec, "share": max(float(spec["share"]), 1e-6)}
                for name, spec in (population.get("segments") or {}).items()}
    return {**population, "customers": {g: 0.1 for g in CUSTOMER_GROUPS},
            "cohorts": {c: 1.0 / len(COHORTS) for c in COHORTS}, "segments": segments}


def narrowed(selection: Selection, name: str) -> Selection | None:
    """The part of ``selection`` that also matches target name ``name`` (a priority
    entry), or None when no one can be in both."""
    if name in CUSTOMER_GROUPS:
        return Selection((name,), selection.cohorts, selection.segments) if name in selection.groups else None
    if name in COHORTS:
        if selection.cohorts and name not in selection.cohorts:
            return None
        return Selection(selection.groups, (name,), selection.segments)
    # a segment: its members within the groups and generations targeted (segments may
    # overlap, so one the targets do not name can still hold some of their people)
    return Selection(selection.groups, selection.cohorts, (name,))
