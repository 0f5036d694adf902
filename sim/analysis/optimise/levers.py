"""Levers of an optimisation: the scenario keys a search may set, and their ranges.

``--lever KEY=SPEC`` (the key dotted as in ``--set``, list items by index):

- ``LO:HI`` or ``LO:HI:STEP``: a number in [LO, HI]; whole numbers when the key is a whole
  number or every bound is written without a decimal point (``0:48`` gives whole hours,
  ``0.0:48`` any hour);
- ``A|B|C`` (or ``A,B,C`` when no choice holds a comma): one of these values, each read as
  TOML (``true``, ``4``, ``["exposed"]``) or else as a word (``sms``);
- ``on|off`` on a list item itself (``channels.direct.campaigns.1``, ``channels.media.releases.0``,
  ``channels.twitter.posts.0``): the whole campaign, release or post is sent or not.

A plan is one value per lever. :func:`plan_data` turns it into the tables a plan file
writes on top of the scenario it extends: a key inside a list writes that whole list
(scenario files replace lists whole), with the items switched off left out.
"""

from __future__ import annotations

import copy
import json
import math
import re
import tomllib
from dataclasses import dataclass
from typing import Any

from ...config.scenario import Scenario, with_overrides
from ...config.schema import Field, Invalid, ListOf, OneOrPerCohort, label_of, lookup_spec, number_kind
from ...errors import ScenarioError, shorten

__all__ = ["Lever", "parse_lever", "check_levers", "plan_data", "SWITCHABLE", "list_root"]

#: Lists whose items a lever may switch on or off (the company's own messages).
SWITCHABLE = ("channels.direct.campaigns", "channels.media.releases", "channels.twitter.posts")
#: Most levers one search may have, and most choices one lever may offer.
MAX_LEVERS = 32
MAX_CHOICES = 64
_INDEX = re.compile(r"^(?P<list>.+)\.(?P<i>\d+)$")


@dataclass(frozen=True)
class Lever:
    """One lever: ``kind`` is ``"float"``, ``"int"``, ``"choice"`` or ``"switch"``.

    Numbers have ``low``, ``high`` and ``step`` (0: any value); choices and switches
    their ``choices`` (a switch: ``(True, False)``, on and off)."""

    key: str
    kind: str
    low: float = 0.0
    high: float = 0.0
    step: float = 0.0
    choices: tuple = ()
    label: str = ""

    def describe(self) -> str:
        """The lever's range in words, e.g. ``"0 to 48"`` or ``"sms or email"``."""
        if self.kind in ("float", "int"):
            def num(x: float) -> str:
                return f"{x:,.0f}" if self.kind == "int" else f"{x:,g}"
            return f"{num(self.low)} to {num(self.high)}" + (f" in steps of {num(self.step)}" if self.step else "")
        if self.kind == "switch":
            return "on or off"
        return " or ".join(shown(c) for c in self.choices)

    def name_of(self, choice: Any) -> str:
        """How the search names a choice (its categorical value)."""
        return json.dumps(choice, sort_keys=True)


def shown(value: Any) -> str:
    """A lever value as a person reads it."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def _fail(key: str, message: str) -> ScenarioError:
    return ScenarioError("--lever", shorten(key), message)


def _read_value(text: str) -> Any:
    text = text.strip()
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError):
        return text


def _is_whole_text(text: str) -> bool:
    return re.fullmatch(r"[+-]?\d[\d_]*", text.strip()) is not None


def _numeric(key: str, spec: Field, kind: str, text: str) -> Lever:
    parts = text.split(":")
    if len(parts) not in (2, 3):
        raise _fail(key, f"got {shorten(text)!r}; allowed: LO:HI or LO:HI:STEP")
    values = [_read_value(p) for p in parts]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values):
        raise _fail(key, f"got {shorten(text)!r}; allowed: LO:HI or LO:HI:STEP with finite numbers")
    low, high = values[0], values[1]
    step = values[2] if len(values) == 3 else 0
    if not low < high:
        raise _fail(key, f"got {low:g}:{high:g}; allowed: LO < HI")
    if len(values) == 3 and not 0 < step <= high - low:
        raise _fail(key, f"step {step:g}; allowed: a step above 0 and at most HI - LO")
    whole_key = kind == "whole"
    whole = whole_key or (kind != "share" and all(_is_whole_text(p) for p in parts))   # 0:1 is any share
    if whole_key and not all(_is_whole_text(p) for p in parts):
        raise _fail(key, f"got {shorten(text)!r}; allowed: whole numbers (the key is {spec.allowed})")
    for bound in (low, high):
        if not spec.test(int(bound) if whole else float(bound)):
            raise _fail(key, f"bound {bound:g} is outside the key's values; allowed: {spec.allowed}")
    if whole:
        return Lever(key, "int", int(low), int(high), int(step) or 0, label=label_of(key))
    return Lever(key, "float", float(low), float(high), float(step), label=label_of(key))


def _choices(key: str, spec: Any, text: str) -> Lever:
    parts = text.split("|") if "|" in text else text.split(",")
    values = [_read_value(p) for p in parts]
    if len(values) < 2:
        raise _fail(key, f"got {shorten(text)!r}; allowed: LO:HI for a number, or two or more "
                         "choices A|B|C")
    if len(values) > MAX_CHOICES:
        raise _fail(key, f"{len(values)} choices; allowed: at most {MAX_CHOICES}")
    if len({json.dumps(v, sort_keys=True) for v in values}) < len(values):
        raise _fail(key, "a choice is given twice; allowed: different choices")
    if isinstance(spec, Field):
        for v in values:
            if not spec.test(v):
                raise _fail(key, f"choice {shorten(repr(v))} is not allowed; allowed: {spec.allowed}")
    kind = "choice"
    return Lever(key, kind, choices=tuple(values), label=label_of(key))


def list_root(key: str) -> str | None:
    """The list a key lies in (``channels.direct.campaigns`` for ``...campaigns.0.start_hour``),
    or None."""
    parts = key.split(".")
    for i in range(1, len(parts)):
        if parts[i].isdigit():
            return ".".join(parts[:i])
    return None


def parse_lever(text: str, base: Scenario) -> Lever:
    """One ``--lever KEY=SPEC`` checked against the schema and the scenario ``base``."""
    if not isinstance(text, str) or "=" not in text:
        raise ScenarioError("--lever", shorten(str(text)), "expected KEY=LO:HI or KEY=A|B, e.g. "
                            "channels.direct.campaigns.0.start_hour=0:48")
    key, _, spec_text = text.partition("=")
    key, spec_text = key.strip(), spec_text.strip()
    if not key or not spec_text:
        raise ScenarioError("--lever", shorten(text), "expected KEY=LO:HI or KEY=A|B")
    item = _INDEX.match(key)
    if item and item["list"] in SWITCHABLE:
        return _switch(key, item["list"], int(item["i"]), spec_text, base)
    try:
        spec = lookup_spec(key)
    except Invalid as err:
        raise _fail(key, f"not a scenario key: {err} (list items by index, e.g. "
                         "channels.direct.campaigns.0.start_hour)") from None
    if key.split(".")[0] == "scenario":
        raise _fail(key, "the run's own settings (name, start, length, step) are not levers")
    _check_exists(key, base)
    if isinstance(spec, OneOrPerCohort):    # e.g. trust.media: one value for every generation
        spec = spec.value
    kind = number_kind(spec)
    if isinstance(spec, Field) and kind and ":" in spec_text:
        return _numeric(key, spec, kind, spec_text)
    if not isinstance(spec, (Field, ListOf)):
        raise _fail(key, "a table, not a value; lever one of its keys")
    return _choices(key, spec, spec_text)


def _switch(key: str, list_key: str, index: int, text: str, base: Scenario) -> Lever:
    words = {w.strip().lower() for w in (text.split("|") if "|" in text else text.split(","))}
    if words != {"on", "off"}:
        raise _fail(key, f"got {shorten(text)!r}; allowed: on|off (the whole item sent or not)")
    items = base.get(list_key)
    if index >= len(items):
        raise _fail(key, f"the scenario has {len(items)} item(s) in {list_key}; allowed: an index "
                         f"from 0 to {len(items) - 1}" if items else f"the scenario has no {list_key}")
    return Lever(key, "switch", choices=(True, False), label=label_of(key))


def _check_exists(key: str, base: Scenario) -> None:
    root = list_root(key)
    if root is None:
        return
    parts = key.split(".")
    node: Any = base.data
    for i, part in enumerate(parts):
        if isinstance(node, list):
            if int(part) >= len(node):
                where = ".".join(parts[:i])
                raise _fail(key, f"the scenario has {len(node)} item(s) in {where}; allowed: an index "
                                 f"from 0 to {len(node) - 1}" if node else f"the scenario has no {where}")
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return


def check_levers(levers: list[Lever], base: Scenario) -> None:
    """Levers are different keys, none inside another, and every extreme plan loads."""
    if not levers:
        raise ScenarioError("--lever", "", "give at least one lever, e.g. "
                            "--lever channels.direct.campaigns.0.start_hour=0:48")
    if len(levers) > MAX_LEVERS:
        raise ScenarioError("--lever", "", f"{len(levers)} levers; allowed: at most {MAX_LEVERS}")
    keys = [lv.key for lv in levers]
    switches = {lv.key for lv in levers if lv.kind == "switch"}
    for a in keys:
        for b in keys:
            if a != b and b.startswith(a + ".") and a not in switches:
                raise _fail(b, f"lies inside lever {a}; lever one or the other")
        if keys.count(a) > 1:
            raise _fail(a, "given twice; one --lever per key")
    for lever in levers:
        for value in _extremes(lever):
            values = {lv.key: _middle(lv) for lv in levers} | {lever.key: value}
            try:
                with_overrides(base, plan_data(levers, values, base))
            except ScenarioError as err:
                raise _fail(lever.key, f"with {shown(value)}: {err.key}: {err.message}") from None


def _extremes(lever: Lever) -> list:
    return [lever.low, lever.high] if lever.kind in ("float", "int") else list(lever.choices)


def _middle(lever: Lever) -> Any:
    if lever.kind in ("float", "int"):
        return lever.low
    return lever.choices[0]


def _set_in(data: dict | list, key: str, value: Any) -> None:
    parts = key.split(".")
    node: Any = data
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def _get_in(data: dict | list, key: str) -> Any:
    node: Any = data
    for part in key.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def plan_data(levers: list[Lever], values: dict[str, Any], base: Scenario,
              repair=None, effective: dict[str, Any] | None = None) -> dict[str, Any]:
    """The dotted keys a plan file sets: each lever's value, a key inside a list as its
    whole list (items switched off left out). ``repair(lists)``, given, may change the
    lists' items (every item, switched off ones included, with ``"_on"`` marks) before
    the switched-off items go; it raises an exception when a plan cannot keep to the
    constraints. ``effective``, given, receives each lever's value as the plan sets it
    (after the repair)."""
    lists: dict[str, list] = {}
    plain: dict[str, Any] = {}
    for lever in levers:
        value = values[lever.key]
        if lever.kind == "switch":
            root = _INDEX.match(lever.key)["list"]
        else:
            root = list_root(lever.key)
        if root is None:
            plain[lever.key] = value
            continue
        if root not in lists:
            lists[root] = [dict(item, _on=True) if isinstance(item, dict) else item
                           for item in copy.deepcopy(base.get(root))]
        if lever.kind == "switch":
            lists[root][int(lever.key.rsplit(".", 1)[1])]["_on"] = bool(value)
        else:
            _set_in(lists[root], lever.key[len(root) + 1:], value)
    if repair is not None:
        repair(lists)
    if effective is not None:
        for lever in levers:
            root = None if lever.kind == "switch" else list_root(lever.key)
            effective[lever.key] = (_get_in(lists[root], lever.key[len(root) + 1:]) if root
                                    else values[lever.key])
    out = dict(plain)
    for root, items in lists.items():
        out[root] = [{k: v for k, v in item.items() if k != "_on"} if isinstance(item, dict) else item
                     for item in items if not (isinstance(item, dict) and item.get("_on") is False)]
    return out
