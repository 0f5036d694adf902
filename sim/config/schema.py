"""What a scenario file may contain: every key, its type, its allowed range and
its label.

The schema is a nested structure mirroring the TOML layout; leaves are
:class:`Field` objects that check one value and say what is allowed when it is
wrong. Every spec carries a short readable ``label`` (units in brackets) that
reports and charts show instead of the dotted key: :func:`label_of`. Defaults
live in ``sim/defaults.toml``, not here, so that each default can carry its
source in a comment.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import numbers
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterator

from .moved import new_key
from .vocabulary import COHORTS, CUSTOMER_GROUPS, SOURCES

__all__ = ["COHORTS", "CUSTOMER_GROUPS", "SOURCES", "NETWORK_KINDS", "SCHEMA", "Field", "ListOf",
           "Table", "MapOf", "OneOrPerCohort", "Invalid", "check", "lookup_spec", "label_of", "schema_keys",
           "is_index", "is_name", "NAME_RULE", "name_field", "number_kind"]

NETWORK_KINDS = ("households", "well_mixed", "watts_strogatz", "barabasi_albert",
                 "powerlaw_cluster", "file")

#: Years a run may start in (its calendar stays far inside what dates can hold).
START_YEARS = (1900, 2200)
#: Latest hour after the start at which a pulse or campaign may be placed.
MAX_HOURS_AFTER_START = 1e6

#: What a user-chosen name (a segment, a medium) may be.
NAME_RULE = "a name of 1 to 32 characters: lower-case ASCII letters, digits and _, starting with a letter"
_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")


def is_name(value: Any) -> bool:
    """Whether ``value`` is a user-chosen name (:data:`NAME_RULE`)."""
    return isinstance(value, str) and _NAME.fullmatch(value) is not None


#: Words for keys inside per-cohort and per-group tables, used in labels.
NAMES = {"gen_z": "Gen Z", "millennial": "Millennials", "gen_x": "Gen X", "boomer": "Boomers",
         "current": "current", "former": "former", "sms": "SMS", "email": "e-mail"}


class Invalid(ValueError):
    """A value fails its field's check; ``key`` is relative to the field."""

    def __init__(self, message: str, key: str = ""):
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Field:
    """One leaf: ``check(value)`` returns the value (normalised) or raises Invalid.

    ``label`` is the short readable name of the key in reports.
    """

    allowed: str
    test: Callable[[Any], bool]
    convert: Callable[[Any], Any] = lambda v: v
    label: str = ""

    def check(self, value: Any) -> Any:
        if not self.test(value):
            raise Invalid(f"got {_shown(value)}; allowed: {self.allowed}")
        return self.convert(value)


def _shown(value: Any, limit: int = 60) -> str:
    """``repr`` of a bad value, cut to ``limit`` characters for a one-line error."""
    try:
        text = repr(value)
    except Exception:  # a user object whose repr fails still gets an answer
        text = f"<{type(value).__name__}>"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_number(v: Any) -> bool:
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:            # an int too large for a float
        return False


def number(label: str, low: float, high: float, *, low_open: bool = False) -> Field:
    """A finite number in [low, high] (or (low, high] with ``low_open``)."""
    lo_sym = "(" if low_open else "["
    allowed = f"a number in {lo_sym}{low:g}, {high:g}]"

    def ok(v):
        return _is_number(v) and (v > low if low_open else v >= low) and v <= high

    return Field(allowed, ok, float, label)


def share(label: str) -> Field:
    """A share (probability) in [0, 1]."""
    return replace(number(label, 0.0, 1.0), allowed="a share in [0, 1]")


def integer(label: str, low: int, high: int) -> Field:
    """A whole number in [low, high] (floats such as 5.0 are refused)."""
    def ok(v):
        return isinstance(v, numbers.Integral) and not isinstance(v, bool) and low <= v <= high

    return Field(f"a whole number in [{low:,}, {high:,}]", ok, int, label)


def boolean(label: str) -> Field:
    return Field("true or false", lambda v: isinstance(v, bool), bool, label)


#: Unicode categories never allowed in a text value: control characters (they reach
#: terminals as escape sequences), lone surrogates, line and paragraph separators.
REFUSED_IN_TEXT = ("Cc", "Cs", "Zl", "Zp")


def _plain_text(value: Any, max_len: int) -> bool:
    return (isinstance(value, str) and len(value) <= max_len
            and not any(unicodedata.category(c) in REFUSED_IN_TEXT for c in value))


def text(label: str, max_len: int) -> Field:
    """A string of at most ``max_len`` characters, on one line, without control characters."""
    return Field(f"a string of at most {max_len:,} characters, on one line, without control "
                 "characters", lambda v: _plain_text(v, max_len), str, label)


def choice(label: str, options: tuple[str, ...]) -> Field:
    return Field("one of " + ", ".join(options),
                 lambda v: isinstance(v, str) and v in options, str, label)


def _parses(parse: Callable[[str], Any]) -> Callable[[Any], bool]:
    def ok(v):
        if not isinstance(v, str) or len(v) > 64:
            return False
        try:
            parse(v)
        except (ValueError, OverflowError):
            return False
        return True
    return ok


def _aware_datetime(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("no offset")
    if not START_YEARS[0] <= moment.year <= START_YEARS[1]:
        raise ValueError("year out of range")
    return moment


def datetime_field(label: str) -> Field:
    return Field("an ISO date-time with offset in the years "
                 f"{START_YEARS[0]}-{START_YEARS[1]}, e.g. \"2022-09-22T14:00:00+10:00\"",
                 _parses(_aware_datetime), str, label)


def date_field(label: str) -> Field:
    return Field("an ISO date, e.g. \"2022-09-22\"", _parses(dt.date.fromisoformat), str, label)


@dataclass(frozen=True)
class ListOf:
    """A list whose items each pass ``item`` (a Field or a Table).

    ``item_label`` names one item in labels: ``{n}`` is its number from 1,
    ``{i}`` its index from 0 (e.g. ``"campaign {n}"``).
    """

    item: Any
    min_len: int = 0
    max_len: int = 1000
    unique: bool = False
    label: str = ""
    item_label: str = "item {n}"


@dataclass(frozen=True)
class MapOf:
    """A table whose keys the user names (a segment, a medium): each key passes
    :func:`is_name` and holds ``item`` (a Table), whose labels say ``{name}`` where
    the entry's name goes (in words: ``"mean delay before reading a message by
    {name} (hours)"``); ``reserved`` keys are refused (names that already mean
    something where the entries are used)."""

    item: Any
    max_len: int = 64
    label: str = ""
    reserved: tuple[str, ...] = ()
    example: str = "name"


@dataclass(frozen=True)
class Table:
    """A table with fixed keys. ``required`` keys must be present once merged;
    ``optional`` maps item keys to their default (used in lists of tables).

    A table of one value per cohort or group (:func:`per`) has ``per_key``
    set: its children's labels are its own label with the key's name filled in
    (``{}`` in the label) or appended after a comma.
    """

    fields: dict[str, Any]
    required: tuple[str, ...] = ()
    optional: dict[str, Any] = field(default_factory=dict)
    label: str = ""
    per_key: bool = False


@dataclass(frozen=True)
class OneOrPerCohort:
    """Either one value for everyone or a table with a value per cohort."""

    value: Field
    label: str = ""


#: How :func:`number`, :func:`share` and :func:`integer` begin their ``allowed`` text, by kind.
_NUMBER_WORDS = {"a number": "number", "a share": "share", "a whole number": "whole"}


def number_kind(spec: Any) -> str | None:
    """``"number"``, ``"share"`` or ``"whole"`` for a key that holds one number (a key given
    as one value or per cohort: its one value), else None."""
    if isinstance(spec, OneOrPerCohort):
        spec = spec.value
    if isinstance(spec, Field):
        for words, kind in _NUMBER_WORDS.items():
            if spec.allowed.startswith(words):
                return kind
    return None


def per(keys: tuple[str, ...], value: Field, label: str) -> Table:
    """A table with exactly ``keys``, each holding ``value``, labelled ``label``
    (``{}`` is replaced by the key's name, e.g. "share of {} who use Twitter")."""
    return Table({k: value for k in keys}, required=keys, label=label, per_key=True)


def pulse(habit: str) -> Table:
    """A press release or post (section 7.4 of docs/MODEL.md)."""
    return Table(
        {"at_hour": number("time (hours after start)", 0.0, MAX_HOURS_AFTER_START),
         "reach": share(f"reach (share of {habit})"),
         "half_life_hours": number("half-life (hours)", 0.001, MAX_HOURS_AFTER_START)},
        required=("at_hour", "reach", "half_life_hours"))


def name_field(label: str) -> Field:
    """A user-chosen name (:data:`NAME_RULE`), e.g. a medium or a target."""
    return Field(NAME_RULE, is_name, str, label)


CAMPAIGN = Table(
    {
        "medium": name_field("medium"),
        "start_hour": number("start (hours after announcement)", 0.0, MAX_HOURS_AFTER_START),
        "per_hour": number("throughput (people per hour)", 1.0, 1e15),
        "targets": ListOf(name_field(""), min_len=1, max_len=64, unique=True,
                          label="targets", item_label="target {n}"),
        "priority": ListOf(name_field(""), max_len=64, unique=True,
                           label="sending priority", item_label="priority {n}"),
        "ask_to_share": boolean("asks readers to share"),
    },
    required=("medium", "start_hour", "per_hour", "targets"),
    optional={"ask_to_share": False, "priority": []},
)

#: A segment of the affected customers (docs/MODEL.md, section 7.2).
SEGMENT = Table(
    {
        "label": text("words for segment {name} in reports", 60),
        "share": share("share of affected customers in segment {name}"),
        "groups": ListOf(choice("", CUSTOMER_GROUPS), min_len=1, unique=True,
                         label="customer groups segment {name} is drawn from",
                         item_label="segment {name}, group {n}"),
        "cohort_weights": per(COHORTS, number("", 0.0, 1e6), "relative weight of {} in segment {name}"),
    },
    required=("share",),
    optional={"label": "", "groups": list(CUSTOMER_GROUPS),
              "cohort_weights": {c: 1.0 for c in COHORTS}},
)

#: A medium the company's campaigns send by (docs/MODEL.md, section 7.5).
MEDIUM = Table(
    {
        "label": text("words for {name} in reports", 40),
        "read_delay_hours": number("mean delay before reading a message by {name} (hours)", 0.001, 1e5),
        "reachable": Table({g: OneOrPerCohort(share(""), "") for g in CUSTOMER_GROUPS},
                           required=CUSTOMER_GROUPS, label="share of {} customers reachable by {name}",
                           per_key=True),
        "belief": number("belief in messages by {name} (multiplier of company trust)", 0.0, 100.0),
        "verified": boolean("{name} sender verified (impostors cannot pass as the company)"),
    },
    required=("read_delay_hours", "reachable"),
    optional={"label": "", "belief": 1.0, "verified": False},
)

#: A wave of impostor messages to affected customers (docs/MODEL.md, section 7.10).
SCAM_WAVE = Table(
    {
        "label": text("words for the scam wave in reports", 60),
        "medium": name_field("medium"),
        "start_hour": number("start (hours after announcement)", 0.0, MAX_HOURS_AFTER_START),
        "per_hour": number("impostor messages per hour (people)", 1.0, 1e15),
        "targets": ListOf(name_field(""), min_len=1, max_len=64, unique=True,
                          label="targets", item_label="target {n}"),
        "share": share("share of the targeted people the scammers can reach"),
        "mentions_breach": boolean("the message mentions the breach"),
    },
    required=("medium", "start_hour", "per_hour", "targets"),
    optional={"label": "", "share": 1.0, "mentions_breach": True},
)

SCHEMA = Table({
    "scenario": Table({
        "name": text("scenario name", 10_000),
        "short_name": text("short name for charts", 24),
        "description": text("scenario description", 100_000),
        "extends": text("file this scenario extends", 4_096),
        "start": datetime_field("start (date and time)"),
        "hours": number("length of the run (hours)", 0.1, 24 * 366),
        "step_minutes": number("step length (minutes)", 0.1, 24 * 60),
    }, label="scenario"),
    "population": Table({
        "size": integer("agents simulated", 1, 10**9),
        "represents": number("people represented", 1.0, 1e11),
        "cohorts": per(COHORTS, share(""), "share of people who are {}"),
        "customers": per(CUSTOMER_GROUPS, share(""), "share of people who are {} customers"),
        "segments": MapOf(SEGMENT, max_len=16, label="segments of affected customers",
                          reserved=(*CUSTOMER_GROUPS, *COHORTS), example="id_exposed"),
        "habits": Table({
            "news": per(COHORTS, share(""), "share of {} who follow news media"),
            "twitter": per(COHORTS, share(""), "share of {} who use Twitter"),
        }, label="media habits"),
    }, label="population"),
    "network": Table({
        "kind": choice("network kind", NETWORK_KINDS),
        "mean_degree": number("social ties per person", 0.0, 1000.0),
        "household_size": number("mean household size (people)", 1.0, 20.0),
        "homophily": share("share of ties within one's generation"),
        "contacts_per_hour": number("random contacts per spreader per hour", 0.0, 1000.0),
        "path": text("network file", 4_096),
        "rewire": share("rewiring probability (Watts-Strogatz)"),
        "triangle_prob": share("triangle-closing probability (powerlaw cluster)"),
    }, label="network"),
    "seeds": Table({"count": integer("people aware at the start (seeds)", 0, 10**9)},
                   label="seeds"),
    "attention": Table({
        "diurnal": boolean("day-night attention"),
        "profile": ListOf(number("", 0.0, 1e6), min_len=24, max_len=24,
                          label="attention by hour of day",
                          item_label="attention at {i:02d}:00 (relative)"),
        "holidays": ListOf(date_field(""), label="public holidays",
                           item_label="public holiday {n}"),
        "holiday_factor": number("attention on a public holiday (multiplier)", 0.0, 10.0),
    }, label="attention"),
    "channels": Table({
        "media": Table({
            "releases": ListOf(pulse("news followers"), label="press releases",
                               item_label="press release {n}"),
            "constant_hazard": number("background media exposure (hazard per hour)",
                                      0.0, 100.0),
        }, label="news media"),
        "twitter": Table({
            "posts": ListOf(pulse("Twitter users"), label="company posts on Twitter",
                            item_label="post {n}"),
        }, label="Twitter"),
        "direct": Table({
            "campaigns": ListOf(CAMPAIGN, label="direct campaigns", item_label="campaign {n}"),
            "media": MapOf(MEDIUM, max_len=16, label="media of the company's messages", example="sms"),
        }, label="direct messages"),
        "scam": Table({
            "waves": ListOf(SCAM_WAVE, max_len=64, label="scam waves", item_label="scam wave {n}"),
            "doubt": share("belief lost in a medium's messages after an impostor's (share)"),
            "harm": share("impostor-message readers harmed (chance per message read)"),
        }, label="scam messages"),
    }, label="channels"),
    "word_of_mouth": Table({
        "household": share("word of mouth within households (chance per hour)"),
        "social": share("word of mouth between friends (chance per hour)"),
        "well_mixed": share("word of mouth per random contact (chance)"),
        "active_hours": number("spreading period (hours)", 0.01, 1e5),
        "active_kind": choice("spreading period kind", ("exponential", "fixed", "forever")),
        "stifling": share("chance of stopping on telling someone who knew"),
        "share_multiplier_when_asked": number("word of mouth when asked to share (multiplier)",
                                              0.0, 100.0),
    }, label="word of mouth"),
    "trust": Table({
        "media": OneOrPerCohort(share(""), "trust in news media"),
        "social": OneOrPerCohort(share(""), "trust in social media"),
        "company": OneOrPerCohort(share(""), "trust in the company's messages"),
        "peer": OneOrPerCohort(share(""), "trust in people one knows"),
        "concentration": number("how alike people's trust is (higher: closer to the mean)", 0.1, 1e9),
        "company_effects": Table({
            "breach_loss_elsewhere_first": share("trust lost on learning of the breach elsewhere first (share)"),
            "told_first_share": share("loss when the company tells first, as a share of that loss"),
            "late_contact_recovery": share("extra loss of hearing elsewhere recovered by a late message (share)"),
            "public_loss": share("trust lost by people not affected on hearing of it (share)"),
            "service_recovery": share("trust gained on reading a company message (share of the gap to 1)"),
        }, label="company trust effects"),
    }, label="trust"),
    "company": Table({
        "calls": Table({
            "told_first": share("affected customers told first by the company who call (share)"),
            "heard_elsewhere": share("affected customers who heard elsewhere first who call (share)"),
            "after_scam": share("impostor-message readers who call (share)"),
        }, label="calls to the company"),
        "call_centre": Table({
            "agents": integer("call-centre agents answering at once (0: queue not modelled)", 0, 10**7),
            "handle_minutes": number("mean minutes per answered call", 0.01, 1e4),
            "patience_minutes": number("mean minutes a caller waits before hanging up", 0.01, 1e4),
        }, label="call centre"),
        "churn": Table({
            "per_trust_lost": number("chance a current customer leaves per unit of company trust "
                                     "lost", 0.0, 100.0),
        }, label="customers lost"),
        "protection": Table({
            "share_of_believers": share("believing affected customers who protect themselves (share)"),
        }, label="protective action"),
    }, label="consequences for the company"),
})


def join(prefix: str, key: str | int) -> str:
    return f"{prefix}.{key}" if prefix else str(key)


def is_index(part: str) -> bool:
    """A list index in a dotted key: ASCII digits only (``"٠"`` is not one)."""
    return part.isascii() and part.isdigit()


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
                return check(value, per(COHORTS, spec.value, spec.label), key, complete=complete)
            return spec.value.check(value)
        if isinstance(spec, ListOf):
            return _check_list(value, spec, key, complete)
        if isinstance(spec, MapOf):
            return _check_map(value, spec, key, complete)
        return _check_table(value, spec, key, complete)
    except Invalid as err:
        if not err.key:
            err.key = key
        raise


def _check_list(value: Any, spec: ListOf, key: str, complete: bool) -> list:
    if not isinstance(value, list):
        raise Invalid(f"got {_shown(value)}; allowed: a list")
    if not spec.min_len <= len(value) <= spec.max_len:
        size = (f"exactly {spec.min_len}" if spec.min_len == spec.max_len
                else f"{spec.min_len} to {spec.max_len:,}")
        raise Invalid(f"has {len(value):,} items; allowed: {size} items")
    items = [check(v, spec.item, join(key, i), complete=complete) for i, v in enumerate(value)]
    if spec.unique and len(set(map(repr, items))) != len(items):
        raise Invalid(f"got {_shown(value)}; allowed: no item twice")
    return items


def _check_table(value: Any, spec: Table, key: str, complete: bool) -> dict:
    if not isinstance(value, dict):
        raise Invalid(f"got {_shown(value)}; allowed: a table")
    out = {}
    for name, item in value.items():
        if not isinstance(name, str) or name not in spec.fields:
            raise Invalid(f"unknown key; allowed here: {', '.join(spec.fields)}",
                          join(key, _shown(name) if not isinstance(name, str) else name))
        out[name] = check(item, spec.fields[name], join(key, name), complete=complete)
    if complete:
        for name in spec.required:
            if name not in out:
                raise Invalid("missing; this key is required", join(key, name))
        for name, default in spec.optional.items():
            out.setdefault(name, copy.deepcopy(default))
    return out


def _check_map(value: Any, spec: MapOf, key: str, complete: bool) -> dict:
    if not isinstance(value, dict):
        raise Invalid(f"got {_shown(value)}; allowed: a table of named entries "
                      f"(e.g. [{join(key, spec.example)}])")
    if len(value) > spec.max_len:
        raise Invalid(f"has {len(value):,} entries; allowed: at most {spec.max_len}")
    out = {}
    for name, item in value.items():
        where = join(key, name if isinstance(name, str) else _shown(name))
        if not is_name(name):
            raise Invalid(f"{_shown(name)} is not allowed as a name; allowed: {NAME_RULE}", where)
        if name in spec.reserved:
            raise Invalid(f"{name!r} already names something else here; allowed: any name but "
                          f"{', '.join(spec.reserved)}", where)
        out[name] = check(item, spec.item, where, complete=complete)
    return out


def _walk(dotted: str) -> Iterator[tuple[str, Any, str]]:
    """Each part of ``dotted`` with the spec it reaches and that spec's label.

    Raises Invalid for a key that is not in the schema.
    """
    if not isinstance(dotted, str) or not dotted:
        raise Invalid("not a scenario key (a dotted string such as population.size)",
                      _shown(dotted))
    dotted = new_key(dotted)
    spec: Any = SCHEMA
    label, prefix, named = "", "", ""
    for part in dotted.split("."):
        if isinstance(spec, ListOf) and is_index(part):
            index = int(part)
            prefix = _words(prefix, spec.item_label.format(n=index + 1, i=index, name="{name}"))
            spec, label = spec.item, prefix
            if getattr(spec, "label", ""):
                label = _words(prefix, spec.label)
        elif isinstance(spec, MapOf) and is_name(part) and part not in spec.reserved:
            named = NAMES.get(part, part.replace("_", " "))
            spec, label = spec.item, spec.label
        elif isinstance(spec, OneOrPerCohort) and part in COHORTS:
            spec, label = spec.value, f"{label}, {NAMES[part]}"
        elif isinstance(spec, Table) and part in spec.fields:
            if spec.per_key:
                name = NAMES.get(part, part)
                label = label.replace("{}", name) if "{}" in label else f"{label}, {name}"
                spec = spec.fields[part]
            else:
                spec = spec.fields[part]
                label = _words(prefix, spec.label)
        else:
            raise Invalid(_no_such_key(spec, part), dotted)
        yield part, spec, label.replace("{name}", named)


def _no_such_key(spec: Any, part: str) -> str:
    """What is wrong with ``part`` below ``spec`` and what is allowed there."""
    if isinstance(spec, ListOf):
        return (f"{_shown(part)} is not a list index; allowed: an index 0, 1, 2, ... "
                "in ASCII digits")
    if isinstance(spec, Table):
        return f"no such key in a scenario; allowed here: {', '.join(spec.fields)}"
    if isinstance(spec, OneOrPerCohort):
        return f"no such key in a scenario; allowed here: {', '.join(COHORTS)}"
    if isinstance(spec, MapOf):
        return f"{_shown(part)} is not allowed as a name here; allowed: {NAME_RULE}"
    return "no such key in a scenario (the key above it holds a single value)"


def _words(*texts: str) -> str:
    return " ".join(t for t in texts if t)


def lookup_spec(dotted: str) -> Any:
    """The spec of a dotted key (list indexes allowed), or raise Invalid."""
    spec: Any = None
    for _, spec, _ in _walk(dotted):
        pass
    return spec


def label_of(dotted: str) -> str:
    """A short readable label for a scenario key, e.g.
    ``"word_of_mouth.social"`` -> ``"word of mouth between friends (chance per hour)"``,
    ``"channels.direct.campaigns.0.start_hour"`` -> ``"campaign 1 start (hours after announcement)"``.

    List items are named by number from 1. Raises Invalid for an unknown key.
    """
    label = ""
    for _, _, label in _walk(dotted):
        pass
    return label


def schema_keys(spec: Any = SCHEMA, prefix: str = "") -> Iterator[str]:
    """Every leaf key of the schema: list items as index 0, and both forms
    (one value and per cohort) of the trust keys."""
    if isinstance(spec, Table):
        for name, child in spec.fields.items():
            yield from schema_keys(child, join(prefix, name))
    elif isinstance(spec, MapOf):
        yield from schema_keys(spec.item, join(prefix, spec.example))
    elif isinstance(spec, ListOf):
        if isinstance(spec.item, Table):
            yield from schema_keys(spec.item, join(prefix, 0))
        else:
            yield prefix
            yield join(prefix, 0)
    elif isinstance(spec, OneOrPerCohort):
        yield prefix
        for cohort in COHORTS:
            yield join(prefix, cohort)
    else:
        yield prefix
