"""What each compared scenario is, in plain language, from its resolved data.

:class:`ScenarioInfo` carries what the report and charts need of a scenario:
its name and short name, description, file, start, run length, structured
channel events (:func:`sim.simulate.channel_events`) and the resolved
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
from dataclasses import dataclass, field
from typing import Any, Sequence

from .text import fmt_duration, fmt_pct, fmt_people, join_words, short_names

__all__ = ["ScenarioInfo", "info_from_data", "campaign_rows", "other_differences", "timeline",
           "when_text", "key_label", "describe_value", "note_value", "MEDIUM_WORDS", "PART_WORDS"]

MEDIUM_WORDS = {"sms": "SMS", "email": "E-mail"}
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
    represents = float(info.get("population.represents", math.nan))
    return sum(represents * float(info.get(f"population.customers.{g}", 0.0)) for g in targets)


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
                "channel": MEDIUM_WORDS.get(c.get("medium"), str(c.get("medium"))),
                "start": when_text(info, float(c.get("start_hour", 0.0))),
                "throughput": f"{fmt_people(per_hour)} an hour: all {fmt_people(people)} in "
                              f"{fmt_duration(takes)}",
                "who": _capital(join_words([PART_WORDS.get(g, g) for g in c.get("targets", [])]) + " customers"),
                "ask": (f"yes (sharing ×{multiplier:g})" if c.get("ask_to_share") else "no"),
                "first": i == 0, "span": len(campaigns),
            })
    return rows


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def key_label(dotted: str) -> str:
    """The schema's readable label of a key, or the key itself if there is none."""
    try:
        from ..schema import label_of
    except ImportError:  # the schema predates labels
        return dotted
    try:
        label = label_of(dotted) or dotted
    except Exception:  # noqa: BLE001 - an unknown key is shown as it is
        return dotted
    if "{}" in label:  # a table of parts (per cohort, per group, per medium): name the parts
        from ..schema import lookup_spec

        parts = list(getattr(lookup_spec(dotted), "fields", {}))
        label = label.replace("{}", " / ".join(PART_WORDS.get(p, p) for p in parts) or "each")
    return label


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
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e4 else fmt_people(value)
    if isinstance(value, int):
        return f"{value:,}"
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


def _campaign_words(c: dict) -> str:
    who = join_words([PART_WORDS.get(g, g) for g in c.get("targets", [])])
    ask = ", asking to share" if c.get("ask_to_share") else ""
    return (f"{MEDIUM_WORDS.get(c.get('medium'), c.get('medium'))} from {c.get('start_hour', 0):g} h at "
            f"{fmt_people(float(c.get('per_hour', math.nan)))} an hour to {who} customers{ask}")


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
        rows.append({"key": key, "label": _capital(key_label(key)),
                     "values": [("not set" if v is None else describe_value(key, v)) for v in values]})
    return rows


def timeline(info: ScenarioInfo) -> list[tuple[str, str]]:
    """A scenario's channel events in time order: ``(when, what)`` in plain words.

    Campaigns run from start to end ("continues after the end of the run" when
    their last message goes out later); events after the run have no date.
    """
    rows = []
    for e in sorted(info.events, key=lambda e: e["start"]):
        if e["channel"] == "direct":
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
