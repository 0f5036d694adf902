"""Scenario keys that moved, read as their new ones.

Before media were declared as data, a direct medium's read delay and
reachability were two special tables: ``channels.direct.read_delay_hours.MEDIUM``
and ``population.habits.MEDIUM_reachable``. Files, overrides and batch designs
that still use them are read as ``channels.direct.media.MEDIUM.read_delay_hours``
and ``channels.direct.media.MEDIUM.reachable`` (same values, same results);
giving both the old and the new key for one value is refused.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MOVED", "MovedTwice", "new_key", "move_old_keys", "moved_overrides"]


class MovedTwice(ValueError):
    """A value set under both its old and its new key (``key``: the old one)."""

    def __init__(self, message: str, key: str):
        super().__init__(message)
        self.key = key

#: Old dotted prefix -> new dotted prefix.
MOVED = {
    "channels.direct.read_delay_hours.sms": "channels.direct.media.sms.read_delay_hours",
    "channels.direct.read_delay_hours.email": "channels.direct.media.email.read_delay_hours",
    "population.habits.sms_reachable": "channels.direct.media.sms.reachable",
    "population.habits.email_reachable": "channels.direct.media.email.reachable",
    "trust.company_effects.learned_elsewhere_first": "trust.company_effects.breach_loss_elsewhere_first",
}
#: Old tables that hold one moved key per medium.
_SPLIT = {"channels.direct.read_delay_hours": "channels.direct.media.{}.read_delay_hours"}


def new_key(dotted: Any) -> Any:
    """The current name of a dotted key (itself if it did not move)."""
    if not isinstance(dotted, str):
        return dotted
    for old, new in MOVED.items():
        if dotted == old or dotted.startswith(old + "."):
            return new + dotted[len(old):]
    return dotted


def _parent(data: dict, dotted: str) -> tuple[dict | None, str]:
    """The table holding ``dotted``'s last part (None if a part above is not a table), and that part."""
    node: Any = data
    *above, last = dotted.split(".")
    for part in above:
        node = node.get(part) if isinstance(node, dict) else None
    return (node if isinstance(node, dict) else None), last


def _has(data: dict, dotted: str) -> bool:
    parent, last = _parent(data, dotted)
    return parent is not None and last in parent


def _pop(data: dict, dotted: str) -> tuple[bool, Any]:
    parent, last = _parent(data, dotted)
    if parent is None or last not in parent:
        return False, None
    return True, parent.pop(last)


def _put(data: dict, dotted: str, value: Any, old: str) -> None:
    node = data
    parts = dotted.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            return                      # the schema check will name the bad value
    if parts[-1] in node:
        raise MovedTwice(f"set twice: here and under its new name {dotted}; keep only {dotted}", old)
    node[parts[-1]] = value


def move_old_keys(data: dict) -> dict:
    """``data`` (a scenario table as read) with the old keys moved to their new
    names, in place; raises :class:`MovedTwice` if a value is set under both."""
    if not isinstance(data, dict):
        return data
    for old, pattern in _SPLIT.items():
        found, table = _pop(data, old)
        if found:
            if not isinstance(table, dict):
                raise MovedTwice("moved: each medium's read delay is now "
                                 "channels.direct.media.NAME.read_delay_hours", old)
            for medium, value in table.items():
                _put(data, pattern.format(medium), value, f"{old}.{medium}")
    for old, new in MOVED.items():
        if old.startswith("channels.direct.read_delay_hours"):
            continue
        found, value = _pop(data, old)
        if found:
            _put(data, new, value, old)
    return data


def _leaves(value: Any, prefix: str) -> list[tuple[str, Any]]:
    if isinstance(value, dict) and value:
        return [leaf for name, item in value.items() for leaf in _leaves(item, f"{prefix}.{name}")]
    return [(prefix, value)]


def moved_overrides(key: Any, value: Any) -> list[tuple[Any, Any]]:
    """One override ``key = value`` as overrides of current keys: a moved key
    renamed, a table holding moved keys split into its values."""
    if not isinstance(key, str) or not key:
        return [(key, value)]
    renamed = new_key(key)
    if renamed != key:
        return [(renamed, value)]
    if not isinstance(value, dict):
        return [(key, value)]
    nested: dict = {}
    node = nested
    parts = key.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    if not any(_has(nested, old) for old in (*_SPLIT, *MOVED)):
        return [(key, value)]
    return [(k[1:], v) for k, v in _leaves(move_old_keys(nested), "")]
