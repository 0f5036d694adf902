"""What a scenario file may contain: every key, its type and its allowed range.

The schema is a nested dict mirroring the TOML layout; leaves are :class:`Field`
objects that check one value and say what is allowed when it is wrong. Defaults
live in ``sim/defaults.toml``, not here, so that each default can carry its
source in a comment.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, Callable

COHORTS = ("gen_z", "millennial", "gen_x", "boomer")
CUSTOMER_GROUPS = ("current", "former")
SOURCES = ("media", "twitter", "direct", "word_of_mouth", "seed")
NETWORK_KINDS = ("households", "well_mixed", "watts_strogatz", "barabasi_albert",
                 "powerlaw_cluster", "file")


class Invalid(ValueError):
    """A value fails its field's check; ``key`` is relative to the field."""

    def __init__(self, message: str, key: str = ""):
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Field:
    """One leaf: ``check(value)`` returns the value (normalised) or raises Invalid."""

    allowed: str
    test: Callable[[Any], bool]
    convert: Callable[[Any], Any] = lambda v: v

    def check(self, value: Any) -> Any:
        if not self.test(value):
            raise Invalid(f"got {value!r}; allowed: {self.allowed}")
        return self.convert(value)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def number(low: float = -math.inf, high: float = math.inf, *, low_open: bool = False,
           what: str = "") -> Field:
    """A finite number in [low, high] (or (low, high] with ``low_open``)."""
    lo_sym = "(" if low_open else "["
    allowed = what or f"a number in {lo_sym}{low:g}, {high:g}]"

    def ok(v):
        return _is_number(v) and (v > low if low_open else v >= low) and v <= high

    return Field(allowed, ok, float)


def integer(low: int = 0, high: int = 2**62) -> Field:
    return Field(f"a whole number in [{low}, {high}]",
                 lambda v: isinstance(v, int) and not isinstance(v, bool) and low <= v <= high)


SHARE = number(0.0, 1.0, what="a share in [0, 1]")
POSITIVE = number(0.0, low_open=True, what="a number > 0")
NON_NEGATIVE = number(0.0, what="a number >= 0")
BOOL = Field("true or false", lambda v: isinstance(v, bool))
TEXT = Field("a string", lambda v: isinstance(v, str))


def choice(options: tuple[str, ...]) -> Field:
    return Field("one of " + ", ".join(options), lambda v: v in options)


def _parses(parse: Callable[[str], Any]) -> Callable[[Any], bool]:
    def ok(v):
        if not isinstance(v, str):
            return False
        try:
            parse(v)
        except ValueError:
            return False
        return True
    return ok


def _aware_datetime(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("no offset")
    return value


DATETIME = Field("an ISO date-time with offset, e.g. \"2022-09-22T14:00:00+10:00\"",
                 _parses(_aware_datetime))
DATE = Field("an ISO date, e.g. \"2022-09-22\"", _parses(dt.date.fromisoformat))


@dataclass(frozen=True)
class ListOf:
    """A list whose items each pass ``item`` (a Field or a Table)."""

    item: Any
    min_len: int = 0
    max_len: int = 10**9
    unique: bool = False


@dataclass(frozen=True)
class Table:
    """A table with fixed keys. ``required`` keys must be present once merged;
    ``optional`` maps item keys to their default (used in lists of tables)."""

    fields: dict[str, Any]
    required: tuple[str, ...] = ()
    optional: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OneOrPerCohort:
    """Either one value for everyone or a table with a value per cohort."""

    value: Field


def per(keys: tuple[str, ...], value: Field) -> Table:
    """A table with exactly ``keys``, each holding ``value``."""
    return Table({k: value for k in keys}, required=keys)


PULSE = Table({"at_hour": NON_NEGATIVE, "reach": SHARE, "half_life_hours": POSITIVE},
              required=("at_hour", "reach", "half_life_hours"))

CAMPAIGN = Table(
    {
        "medium": choice(("sms", "email")),
        "start_hour": NON_NEGATIVE,
        "per_hour": POSITIVE,
        "targets": ListOf(choice(CUSTOMER_GROUPS), min_len=1, unique=True),
        "ask_to_share": BOOL,
    },
    required=("medium", "start_hour", "per_hour", "targets"),
    optional={"ask_to_share": False},
)

SCHEMA = Table({
    "scenario": Table({
        "name": TEXT,
        "description": TEXT,
        "extends": TEXT,
        "start": DATETIME,
        "hours": number(0.0, 24 * 366, low_open=True),
        "step_minutes": number(0.0, 24 * 60, low_open=True),
    }),
    "population": Table({
        "size": integer(1, 10**9),
        "represents": number(1.0, 1e11),
        "cohorts": per(COHORTS, SHARE),
        "customers": per(CUSTOMER_GROUPS, SHARE),
        "habits": Table({
            "news": per(COHORTS, SHARE),
            "twitter": per(COHORTS, SHARE),
            "sms_reachable": per(CUSTOMER_GROUPS, SHARE),
            "email_reachable": per(CUSTOMER_GROUPS, SHARE),
        }),
    }),
    "network": Table({
        "kind": choice(NETWORK_KINDS),
        "mean_degree": NON_NEGATIVE,
        "household_size": number(1.0, 20.0),
        "homophily": SHARE,
        "contacts_per_hour": NON_NEGATIVE,
        "path": TEXT,
        "rewire": SHARE,
        "triangle_prob": SHARE,
    }),
    "seeds": Table({"count": integer(0, 10**9)}),
    "attention": Table({
        "diurnal": BOOL,
        "profile": ListOf(NON_NEGATIVE, min_len=24, max_len=24),
        "holidays": ListOf(DATE),
        "holiday_factor": NON_NEGATIVE,
    }),
    "channels": Table({
        "media": Table({"releases": ListOf(PULSE), "constant_hazard": NON_NEGATIVE}),
        "twitter": Table({"posts": ListOf(PULSE)}),
        "direct": Table({
            "campaigns": ListOf(CAMPAIGN),
            "read_delay_hours": per(("sms", "email"), POSITIVE),
        }),
    }),
    "word_of_mouth": Table({
        "household": SHARE,
        "social": SHARE,
        "well_mixed": SHARE,
        "active_hours": POSITIVE,
        "active_kind": choice(("exponential", "fixed", "forever")),
        "stifling": SHARE,
        "share_multiplier_when_asked": NON_NEGATIVE,
    }),
    "trust": Table({
        "media": OneOrPerCohort(SHARE),
        "social": OneOrPerCohort(SHARE),
        "company": OneOrPerCohort(SHARE),
        "peer": OneOrPerCohort(SHARE),
        "concentration": POSITIVE,
        "company_effects": Table({
            "first_from_company": SHARE,
            "learned_elsewhere_first": SHARE,
            "late_contact_recovery": SHARE,
        }),
    }),
})


def join(prefix: str, key: str | int) -> str:
    return f"{prefix}.{key}" if prefix else str(key)


def check(value: Any, spec: Any, key: str = "", *, complete: bool = False) -> Any:
    """Check ``value`` against ``spec``; return the normalised value.

    With ``complete`` (the merged scenario), required keys must be present and
    defaults of optional item keys are filled in. Raises :class:`Invalid` whose
    ``key`` is the full dotted key of the first bad value.
    """
    try:
        if isinstance(spec, Field):
            return spec.check(value)
        if isinstance(spec, OneOrPerCohort):
            if isinstance(value, dict):
                return check(value, per(COHORTS, spec.value), key, complete=complete)
            return spec.value.check(value)
        if isinstance(spec, ListOf):
            return _check_list(value, spec, key, complete)
        return _check_table(value, spec, key, complete)
    except Invalid as err:
        if not err.key:
            err.key = key
        raise


def _check_list(value: Any, spec: ListOf, key: str, complete: bool) -> list:
    if not isinstance(value, list):
        raise Invalid(f"got {value!r}; allowed: a list")
    if not spec.min_len <= len(value) <= spec.max_len:
        size = (f"exactly {spec.min_len}" if spec.min_len == spec.max_len
                else f"at least {spec.min_len}")
        raise Invalid(f"has {len(value)} items; allowed: {size} items")
    if spec.unique and len(set(map(repr, value))) != len(value):
        raise Invalid(f"got {value!r}; allowed: no item twice")
    return [check(v, spec.item, join(key, i), complete=complete) for i, v in enumerate(value)]


def _check_table(value: Any, spec: Table, key: str, complete: bool) -> dict:
    if not isinstance(value, dict):
        raise Invalid(f"got {value!r}; allowed: a table")
    out = {}
    for name, item in value.items():
        if name not in spec.fields:
            raise Invalid(f"unknown key; allowed here: {', '.join(spec.fields)}",
                          join(key, name))
        out[name] = check(item, spec.fields[name], join(key, name), complete=complete)
    if complete:
        for name in spec.required:
            if name not in out:
                raise Invalid("missing; this key is required", join(key, name))
        for name, default in spec.optional.items():
            out.setdefault(name, default)
    return out


def lookup_spec(dotted: str) -> Any:
    """The spec of a dotted key (list indexes allowed), or raise Invalid."""
    spec: Any = SCHEMA
    for part in dotted.split("."):
        if isinstance(spec, ListOf) and part.isdigit():
            spec = spec.item
        elif isinstance(spec, OneOrPerCohort) and part in COHORTS:
            spec = spec.value
        elif isinstance(spec, Table) and part in spec.fields:
            spec = spec.fields[part]
        else:
            raise Invalid("no such key in a scenario", dotted)
    return spec
