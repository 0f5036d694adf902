"""What each compared scenario is, in plain language, from its resolved data.

:class:`ScenarioInfo` carries what the report and charts need of a scenario:
its name and short name, description, file, start, run length, structured
channel events (:func:`sim.model.simulate.channel_events`) and the resolved
scenario data (after ``extends``, defaults and overrides). From these,
:func:`campaign_rows` and :func:`other_differences` build the table of what
differs between the scenarios, and :func:`timeline` the list of a scenario's
channel events, without showing any TOML.

Events after the end of the run have no calendar date: they are listed as
"after the end of the run" and the charts leave them out.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

from ..config.targeting import expected_share, selection_of
from ..config.vocabulary import CUSTOMER_GROUPS, MEDIUM_WORDS, is_campaign, medium_words, target_words
from .text import fmt_duration, fmt_number, fmt_pct, fmt_people, join_words, short_names

__all__ = ["ScenarioInfo", "info_from_data", "campaign_rows", "other_differences", "timeline",
           "when_text", "key_label", "describe_value", "note_value", "MEDIUM_WORDS", "PART_WORDS",
           "setting_label", "shared_label", "fmt_setting", "setting_text", "with_values", "values_text",
           "who_text", "medium_text"]

#: Words for the parts of per-cohort, per-group and per-medium tables.
PART_WORDS = {"gen_z": "Gen Z", "millennial": "Millennials", "gen_x": "Gen X", "boomer": "Boomers",
              "current": "current", "former": "former", "sms": "SMS", "email": "e-mail"}
#: Keys never shown as differences (names, text, inheritance) or shown in the campaign table.
HIDDEN_KEYS = ("scenario.name", "scenario.description", "scenario.short_name", "scenario.extends",
               "channels.direct.campaigns")


@dataclass
class ScenarioInfo:
    """One compared scenario.

    ``hours`` is the run's length (hours); ``events`` are structured channel
    events (hours since ``start``); ``data`` the resolved scenario (a dict in
    the TOML layout).
    """

    name: str
    short: str
    description: str
    file: str | None
    start: str
    hours: float
    events: list[dict] = field(default_factory=list)
    data: dict = field(default_factory=dict)

    @property
    def start_time(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.start)

    def get(self, dotted: str, default: Any = None) -> Any:
        """A value of the resolved scenario by dotted key (list items by index)."""
        node: Any = self.data
        for part in dotted.split("."):
            try:
                node = node[int(part)] if isinstance(node, list) else node[part]
            except (KeyError, IndexError, ValueError, TypeError):
                return default
        return node

    def __getitem__(self, key: str):  # dict-style access for templates and old callers
        return getattr(self, key)


def info_from_data(data: dict, name: str | None = None, file: str | None = None,
                   events: Sequence[dict] | str | None = None, short: str | None = None) -> ScenarioInfo:
    """A :class:`ScenarioInfo` from resolved scenario data (``events`` as a list or its JSON)."""
    s = data.get("scenario", {})
    if isinstance(events, str):
        events = json.loads(events)
    name = name or s.get("name", "unnamed")
    return ScenarioInfo(name=name, short=short or s.get("short_name") or short_names([name])[name],
                        description=(s.get("description") or "").strip(), file=file,
                        start=str(s.get("start")), hours=float(s.get("hours", math.nan)),
                        events=list(events or []), data=data)


def when_text(info: ScenarioInfo, hours: float, clock: bool = True) -> str:
    """``24 h (Fri 23 Sep 14:00)``; ``at the announcement``; after the run: no date."""
    if hours is None or not math.isfinite(hours):
        return "never"
    if hours > info.hours + 1e-9:
        return f"after the end of the run ({hours:,.0f} h)"
    if hours <= 1e-9:
        return "at the announcement" + (f" ({info.start_time:%a %d %b %H:%M})" if clock else "")
    text = f"{hours:,.0f} h" if hours >= 1 else f"{hours * 60:.0f} min"
    if clock:
        when = info.start_time + dt.timedelta(hours=hours)
        text += f" ({when:%a %d %b %H:%M})"
    return text


def _targeted_people(info: ScenarioInfo, targets: Sequence[str]) -> float:
    """Expected people a campaign's targets hold (:func:`sim.config.targeting.expected_share`)."""
    represents = float(info.get("population.represents", math.nan))
    population = info.get("population", {}) or {}
    try:
        return represents * expected_share(selection_of(targets, population.get("segments") or {}), population)
    except (KeyError, TypeError, ZeroDivisionError, AttributeError):   # a folder written before segments
        return sum(represents * float(info.get(f"population.customers.{g}", 0.0)) for g in targets)


def medium_text(info: ScenarioInfo, medium: str) -> str:
    """A campaign's medium in words (its declared label, e.g. "SMS", "Push notification")."""
    return medium_words(medium, info.get("channels.direct.media", {}) or {})


def _who(info: ScenarioInfo, targets: Sequence[str]) -> str:
    """Who a campaign's targets hold, in words: "Current customers of Gen Z",
    "ID-exposed customers (current customers only)"."""
    segments = info.get("population.segments", {}) or {}
    chosen = selection_of(targets, segments)
    groups = join_words([PART_WORDS.get(g, g) for g in chosen.groups]) + " customers"
    if chosen.cohorts:
        groups += " of " + join_words([target_words(c) for c in chosen.cohorts], "or")
    if not chosen.segments:
        return _capital(groups)
    words = join_words([target_words(t, segments) for t in chosen.segments], "or")
    narrowed = chosen.cohorts or len(chosen.groups) < len(CUSTOMER_GROUPS)
    return _capital(words + (f" ({groups} only)" if narrowed else ""))


def who_text(info: ScenarioInfo, campaign: dict) -> str:
    """Who a campaign messages, and in what order, in words (:mod:`sim.config.targeting`)."""
    targets = list(campaign.get("targets", []))
    who = _who(info, targets)
    priority = list(campaign.get("priority", []) or [])
    if not priority:
        return who
    segments = info.get("population.segments", {}) or {}
    first = join_words([target_words(p, segments) for p in priority], "then")
    return f"{who}: {first} first, then the rest"


def campaign_rows(infos: Sequence[ScenarioInfo]) -> list[dict[str, str]]:
    """The company's messages in each scenario, one row per campaign, plain words.

    Keys: ``scenario`` (short name), ``channel``, ``start``, ``throughput``
    (people per hour and how long everyone takes), ``who``, ``ask`` (whether
    the message asks to share, with the multiplier), ``first`` (the
    scenario's first row) and ``span`` (its number of rows). A scenario
    without campaigns gets one row saying so.
    """
    rows = []
    for info in infos:
        campaigns = info.get("channels.direct.campaigns", []) or []
        if not campaigns:
            rows.append({"scenario": info.short, "channel": "none", "start": "", "throughput": "",
                         "who": "No messages to customers", "ask": "", "first": True})
        multiplier = info.get("word_of_mouth.share_multiplier_when_asked", 1.0)
        for i, c in enumerate(campaigns):
            people = _targeted_people(info, c.get("targets", []))
            per_hour = float(c.get("per_hour", math.nan))
            takes = people / per_hour if per_hour > 0 else math.inf
            rows.append({
                "scenario": info.short,
                "channel": medium_text(info, str(c.get("medium"))),
                "start": when_text(info, float(c.get("start_hour", 0.0))),
                "throughput": f"{fmt_number(per_hour)} per hour: all {fmt_people(people)} in "
                              f"{fmt_duration(takes)}",
                "who": who_text(info, c),
                "ask": (f"yes (sharing ×{multiplier:g})" if c.get("ask_to_share") else "no"),
                "first": i == 0, "span": len(campaigns),
            })
    return rows


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def key_label(dotted: str) -> str:
    """The schema's readable label of a key, or the key itself if there is none."""
    try:
        from ..config.schema import label_of
    except ImportError:  # the schema predates labels
        return dotted
    try:
        label = label_of(dotted) or dotted
    except Exception:  # noqa: BLE001 - an unknown key is shown as it is
        return dotted
    if "{}" in label:  # a table of parts (per cohort, per group, per medium): name the parts
        from ..config.schema import lookup_spec

        parts = list(getattr(lookup_spec(dotted), "fields", {}))
        label = label.replace("{}", " / ".join(PART_WORDS.get(p, p) for p in parts) or "each")
    return label


# --------------------------------------------------------------------------- settings of a sweep

def _unit(label: str) -> str:
    """The bracketed unit at the end of a label (``hours after announcement``), or ``""``."""
    found = re.search(r"\(([^()]*)\)\s*$", label)
    return found.group(1).strip() if found else ""


def setting_label(key: str, info: ScenarioInfo | None = None) -> str:
    """A setting's name in a sentence, without its bracketed unit: ``SMS campaign start``.

    A campaign is named by its medium when ``info`` has only one campaign of
    that medium (``campaign 1 start`` otherwise).
    """
    label = re.sub(r"\s*\([^()]*\)\s*$", "", key_label(key)) or key
    found = re.match(r"channels\.direct\.campaigns\.(\d+)\.", key)
    if found and info is not None:
        campaigns = info.get("channels.direct.campaigns", []) or []
        index = int(found.group(1))
        if index < len(campaigns) and isinstance(campaigns[index], dict):
            medium = campaigns[index].get("medium")
            if sum(isinstance(c, dict) and c.get("medium") == medium for c in campaigns) == 1:
                label = label.replace(f"campaign {index + 1}", f"{PART_WORDS.get(medium, medium)} campaign", 1)
    return label


def shared_label(key: str, infos: Sequence[ScenarioInfo]) -> str:
    """A setting's name as every one of ``infos`` would say it (:func:`setting_label`),
    else its plain label (``campaign 1 start`` when campaign 1 is SMS in one scenario
    and e-mail in another)."""
    labels = {setting_label(key, i) for i in infos} or {setting_label(key)}
    return labels.pop() if len(labels) == 1 else setting_label(key)


def fmt_setting(key: str, value: Any) -> str:
    """A setting's value as people write it, in the unit its label gives:
    ``24 h``, ``1,000,000 per hour``, ``22%``, ``×2``, ``0.004 per hour``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return describe_value(key, value)
    label = key_label(key)
    unit = _unit(label)
    if math.isnan(float(value)):
        return "n/a"
    if unit.startswith("hours"):
        return f"{fmt_number(value)} h"
    if unit == "minutes":
        return f"{fmt_number(value)} minutes"
    if unit.endswith("per hour"):
        return f"{fmt_number(value)} per hour"
    if unit == "people":
        return f"{fmt_number(value)} people"
    if unit == "multiplier":
        return f"×{fmt_number(value)}"
    if unit.startswith("share") or label.startswith("share of"):
        return f"{fmt_number(100 * float(value))}%"
    return fmt_number(value)


def setting_text(values: dict[str, Any], info: ScenarioInfo | None = None, compact: bool = False) -> str:
    """Settings in words: ``SMS campaign start 0 h and SMS campaign throughput
    1,000,000 per hour``. ``compact``, for legends and chart labels: with two
    settings or more, only their values (``0 h, 1,000,000 per hour``; the
    table of settings and the captions name them)."""
    if compact and len(values) > 1:
        return ", ".join(fmt_setting(k, v) for k, v in values.items())
    return join_words([f"{setting_label(k, info)} {fmt_setting(k, v)}" for k, v in values.items()])


#: Most distinct values of a setting listed one by one (more: "from ... to ...").
LISTED_VALUES = 6


def values_text(key: str, values: Sequence[Any]) -> str:
    """The values a sweep gives a setting: ``0, 6 or 24 h``, ``100,000 or 1,000,000 per
    hour``; more than :data:`LISTED_VALUES`: ``from 0.001 to 0.01 per hour (40 values)``."""
    distinct = sorted(dict.fromkeys(v for v in values if not (isinstance(v, float) and math.isnan(v))))
    if len(distinct) > LISTED_VALUES:
        return f"from {fmt_setting(key, distinct[0])} to {fmt_setting(key, distinct[-1])} ({len(distinct)} values)"
    shown = [fmt_setting(key, v) for v in distinct]
    units = {t.split(" ", 1)[1] if " " in t else "" for t in shown}
    if len(units) == 1 and next(iter(units)):
        shown = [t.split(" ", 1)[0] for t in shown]
        return _or_words(shown) + " " + next(iter(units))
    return _or_words(shown)


def _or_words(words: Sequence[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def with_values(data: dict, values: dict[str, Any]) -> dict:
    """A copy of resolved scenario ``data`` with the dotted ``values`` set (list items
    by index); a key that does not lead anywhere is left out."""
    import copy

    out = copy.deepcopy(data)
    for key, value in values.items():
        node: Any = out
        parts = key.split(".")
        for part in parts[:-1]:
            try:
                node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
            except (IndexError, ValueError, TypeError, AttributeError):
                node = None
                break
        last = parts[-1]
        if isinstance(node, dict):
            node[last] = value
        elif isinstance(node, list) and last.isdigit() and int(last) < len(node):
            node[int(last)] = value
    return out


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted key -> value; lists of tables (pulses) stay whole."""
    out: dict[str, Any] = {}
    if isinstance(data, dict):
        for k, v in data.items():
            key = f"{prefix}.{k}" if prefix else str(k)
            if key in HIDDEN_KEYS:
                continue
            if isinstance(v, dict):
                out.update(_flatten(v, key))
            else:
                out[key] = v
    return out


def _pulses(items, what: str) -> str:
    if isinstance(items, dict):
        items = [items]
    if not items:
        return f"no {what}s"
    parts = [f"{p.get('at_hour', 0):g} h (reach {fmt_pct(p.get('reach'))}, half-life "
             f"{p.get('half_life_hours', 0):g} h)" for p in items]
    return f"{len(items)} {what}{'s' if len(items) != 1 else ''}: " + "; ".join(parts)


def describe_value(key: str, value: Any) -> str:
    """A value for people: yes/no, numbers without trailing zeros, pulses in words."""
    if key == "channels.media.releases":
        return _pulses(value, "press release")
    if key == "channels.twitter.posts":
        return _pulses(value, "post")
    if key == "channels.direct.campaigns":
        items = [value] if isinstance(value, dict) else value
        return "; ".join(_campaign_words(c) for c in items) or "none"
    if key == "channels.scam.waves":
        items = [value] if isinstance(value, dict) else value
        return "; ".join(_wave_words(w) for w in items) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return fmt_number(value)
    if isinstance(value, list):
        if not value:
            return "none"
        if all(isinstance(v, (int, float)) for v in value) and len(value) > 6:
            return f"{len(value)} values"
        return ", ".join(describe_value(key, v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{PART_WORDS.get(k, k.replace('_', ' '))} {describe_value(key, v)}"
                         for k, v in value.items())
    return str(value)


#: A scenario known only by its values (a described campaign's own words).
_NO_INFO = ScenarioInfo("", "", "", None, "", math.nan)


def _campaign_words(c: dict) -> str:
    who = who_text(_NO_INFO, c)
    ask = ", asking to share" if c.get("ask_to_share") else ""
    return (f"{medium_text(_NO_INFO, str(c.get('medium')))} from {c.get('start_hour', 0):g} h at "
            f"{fmt_number(float(c.get('per_hour', math.nan)))} per hour to {who[:1].lower() + who[1:]}{ask}")


def _wave_words(w: dict) -> str:
    """A scam wave in words: what, by which medium, from when, how fast, to whom."""
    who = who_text(_NO_INFO, w)
    share = float(w.get("share", 1.0))
    whom = (f"{fmt_pct(share)} of " if share < 1 else "") + who[:1].lower() + who[1:]
    cites = ", citing the breach" if w.get("mentions_breach", True) else ""
    return (f"{w.get('label') or 'impostor messages'} ({medium_text(_NO_INFO, str(w.get('medium')))}) from "
            f"{w.get('start_hour', 0):g} h at {fmt_number(float(w.get('per_hour', math.nan)))} per hour to "
            f"{whom}{cites}")


def note_value(key: str, written: str, info: ScenarioInfo | None = None) -> str:
    """A commented setting's value in plain words: the value as written in the
    file when it reads as a value (a list item, a number), else the resolved
    value of ``key`` in ``info`` (a table), else the text as written."""
    import tomllib

    try:
        value = tomllib.loads(f"v = {written}")["v"]
    except (tomllib.TOMLDecodeError, ValueError):
        value = info.get(key) if info is not None else None
        if value is None:
            return written
    return describe_value(key, value)


def _is_name_label(key: str) -> bool:
    """A declared medium's or segment's ``label`` (words for reports, not a setting)."""
    parts = key.split(".")
    return parts[-1] == "label" and ((len(parts) == 5 and parts[:3] == ["channels", "direct", "media"])
                                     or (len(parts) == 4 and parts[:2] == ["population", "segments"]))


def _named_label(key: str, infos: Sequence[ScenarioInfo]) -> str:
    """``key_label``, with a medium or segment a scenario declares named by its declared
    words ("mean delay before reading a message by App notification (hours)", "share of
    affected customers in ID-exposed customers") instead of its key's."""
    label = key_label(key)
    parts = key.split(".")
    if (len(parts) > 4 and parts[:3] == ["channels", "direct", "media"]) or (
            len(parts) > 3 and parts[:2] == ["population", "segments"]):
        media = parts[0] == "channels"
        table = "channels.direct.media" if media else "population.segments"
        name = parts[3] if media else parts[2]
        if name in PART_WORDS:           # sms, email: the schema's own words
            return label
        declared = next((i.get(table) for i in infos if name in (i.get(table) or {})), {}) or {}
        plain = name.replace("_", " ")
        words = medium_words(name, declared) if media else target_words(name, declared)
        label = label.replace(plain if media else f"segment {plain}", words)
    return label


def other_differences(infos: Sequence[ScenarioInfo]) -> list[dict[str, Any]]:
    """Every other setting that differs between the scenarios (campaigns aside).

    One dict per setting: ``key`` (dotted), ``label`` (readable) and
    ``values`` (one plain-language string per scenario, in order). Settings
    that are the same everywhere are left out.
    """
    if len(infos) < 2:
        return []
    flat = [_flatten(i.data) for i in infos]
    keys = list(dict.fromkeys(k for f in flat for k in f))
    rows = []
    for key in keys:
        values = [f.get(key) for f in flat]
        if all(json.dumps(v, sort_keys=True, default=str) == json.dumps(values[0], sort_keys=True, default=str)
               for v in values):
            continue
        if _is_name_label(key):
            continue
        rows.append({"key": key, "label": _capital(_named_label(key, infos)),
                     "values": [("not set" if v is None else describe_value(key, v)) for v in values]})
    return rows


def timeline(info: ScenarioInfo) -> list[tuple[str, str]]:
    """A scenario's channel events in time order: ``(when, what)`` in plain words.

    Campaigns run from start to end ("continues after the end of the run" when
    their last message goes out later); events after the run have no date.
    """
    rows = []
    for e in sorted(info.events, key=lambda e: e["start"]):
        if is_campaign(e):
            end = e.get("end")
            if end is None:
                until = "never finishes"
            elif end > info.hours + 1e-9:
                until = "continues after the end of the run"
            else:
                until = f"until {when_text(info, end)}"
            rows.append((when_text(info, e["start"]), f"{e['label']} to customers, {until}"))
        else:
            rows.append((when_text(info, e["start"]), e["label"]))
    merged: dict[str, list[str]] = {}
    for when, what in rows:
        merged.setdefault(when, []).append(what)
    return [(when, ", ".join(dict.fromkeys(whats))) for when, whats in merged.items()]
