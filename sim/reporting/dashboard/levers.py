"""The levers the dashboard's controls move, as scenario keys and values.

The dashboard never keeps a second copy of the model's settings: every
control reads and writes one dotted scenario key (``"word_of_mouth.social"``)
or one whole list (``"channels.direct.campaigns"``), so that the current
settings are always "the starting scenario plus these overrides", and those
overrides go through :func:`sim.load_scenario` exactly as ``--set`` options
do (same checks, same one-line messages).
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from ...errors import ScenarioError
from ...config.scenario import Scenario, load_scenario, parse_override
from ...config.schema import COHORTS, label_of
from ...config.vocabulary import CUSTOMER_GROUPS, medium_words, target_words

__all__ = ["CAMPAIGNS", "LISTS", "MAX_PEOPLE", "MAX_REPLICATIONS", "POSTS", "RELEASES",
           "Slider", "changed", "check_replications", "current_scenario", "item_label",
           "lever_values", "media_choices", "moved", "new_campaign", "number_text",
           "priority_text", "read_number", "sliders", "target_choices", "target_names",
           "with_target", "NEW_CAMPAIGN", "NEW_PULSE"]

CAMPAIGNS = "channels.direct.campaigns"
RELEASES = "channels.media.releases"
POSTS = "channels.twitter.posts"
#: Keys whose value is a whole list, edited item by item and replaced whole.
LISTS = (CAMPAIGNS, RELEASES, POSTS)
SIZE = "population.size"

#: Limits of the dashboard's run settings (larger studies: ``run``, ``compare``, ``batch``).
MAX_PEOPLE = 200_000
MAX_REPLICATIONS = 50

#: Items added by the "add" buttons (people per hour for campaigns; shares, hours).
NEW_CAMPAIGN = {"medium": "sms", "start_hour": 0.0, "per_hour": 1_000_000.0,
                "targets": ["current", "former"], "priority": [], "ask_to_share": False}
NEW_PULSE = {"at_hour": 0.0, "reach": 0.3, "half_life_hours": 12.0}


@dataclass(frozen=True)
class Slider:
    """One slider: a scalar scenario key, its label (:func:`sim.config.schema.label_of`) and range."""

    key: str
    label: str
    low: float
    high: float
    step: float
    group: str


#: Word of mouth: key, upper end of the slider, step (per-hour chances; a multiplier).
_WORD_OF_MOUTH = (("word_of_mouth.household", 0.5, 0.005), ("word_of_mouth.social", 0.05, 0.0005),
                  ("word_of_mouth.share_multiplier_when_asked", 5.0, 0.1))
_TRUST = ("company", "media", "social", "peer")
#: What the breach costs: key, upper end of the slider, step (shares; a chance per unit of trust).
_CONSEQUENCES = (("trust.company_effects.told_first_share", 1.0, 0.01),
                 ("trust.company_effects.breach_loss_elsewhere_first", 1.0, 0.01),
                 ("trust.company_effects.public_loss", 1.0, 0.01),
                 ("company.churn.per_trust_lost", 1.5, 0.01),
                 ("channels.scam.doubt", 1.0, 0.01))


def sliders(scenario: Scenario) -> list[Slider]:
    """The scalar sliders for ``scenario``: word of mouth, trust in each source, then what
    the breach costs (the company-trust effects, churn, the doubt a scam leaves).

    Trust set per cohort in the scenario gets one slider per cohort; a range is
    widened to twice the scenario's value when that lies outside it.
    """
    out = [Slider(key, label_of(key), 0.0, max(high, 2 * scenario.get(key)), step, "word_of_mouth")
           for key, high, step in _WORD_OF_MOUTH]
    for kind in _TRUST:
        key = f"trust.{kind}"
        keys = [f"{key}.{c}" for c in COHORTS] if isinstance(scenario.get(key), dict) else [key]
        out += [Slider(k, label_of(k), 0.0, 1.0, 0.01, "trust") for k in keys]
    out += [Slider(key, label_of(key), 0.0, max(high, 2 * scenario.get(key)), step, "consequences")
            for key, high, step in _CONSEQUENCES]
    return out


def item_label(list_key: str, index: int, name: str) -> str:
    """Label of a list item's field without the item's own name: ``"start (hours after announcement)"``."""
    whole, item = label_of(f"{list_key}.{index}.{name}"), label_of(f"{list_key}.{index}")
    return whole[len(item):].strip() if whole.startswith(item) else whole


def lever_values(scenario: Scenario) -> dict[str, Any]:
    """Every lever's value in ``scenario``: sliders, the three lists, population size."""
    values = {s.key: scenario.get(s.key) for s in sliders(scenario)}
    values.update({key: copy.deepcopy(scenario.get(key)) for key in LISTS})
    values[SIZE] = scenario.get(SIZE)
    return values


def changed(start: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """The levers whose current value differs from the start (the overrides)."""
    return {key: copy.deepcopy(value) for key, value in current.items()
            if key not in start or start[key] != value}


# ------------------------------------------------------------------ what a campaign can name
# The declared media and segments come from the scenario's resolved data; no lever of the
# dashboard changes them, so those of the starting scenario are those of the current settings.

def media_choices(scenario: Scenario) -> dict[str, str]:
    """The media ``scenario`` declares (``channels.direct.media``), in declared order, each
    in words (:func:`sim.config.vocabulary.medium_words`): ``{"sms": "SMS", "email":
    "E-mail", "push": "Push notification"}``. Two media with the same words get their names
    added (``"Letter (letter_2)"``)."""
    media = scenario.data["channels"]["direct"]["media"]
    words = {name: medium_words(name, media) for name in media}
    count = Counter(words.values())
    return {name: w if count[w] == 1 else f"{w} ({name})" for name, w in words.items()}


def target_choices(scenario: Scenario) -> list[tuple[str, dict[str, str]]]:
    """The names a campaign's ``targets`` (and ``priority``) may hold, by kind, each kind
    with its heading and its names in declared order, in words: customer groups, then
    generations, then the scenario's segments (left out when it declares none)."""
    segments = scenario.data["population"]["segments"]
    kinds = (("customer groups", CUSTOMER_GROUPS), ("generations", COHORTS),
             ("segments", tuple(segments)))
    return [(title, {name: target_words(name, segments) for name in names})
            for title, names in kinds if names]


def target_names(scenario: Scenario) -> dict[str, str]:
    """Every target name of :func:`target_choices`, in order, with its words."""
    return {name: words for _, names in target_choices(scenario) for name, words in names.items()}


def with_target(targets: list[str], name: str, on: bool, order) -> list[str]:
    """``targets`` with ``name`` ticked (``on``) or not, in the order of ``order`` (groups,
    then generations, then segments, each in declared order); a name ``order`` does not
    hold stays at the end, for the scenario check to name."""
    chosen = [t for t in targets if t != name] + ([name] if on else [])
    return [n for n in order if n in chosen] + [t for t in chosen if t not in order]


def moved(items: list, index: int, step: int) -> list:
    """``items`` with item ``index`` moved ``step`` places (-1: up, +1: down), if it can."""
    items, other = list(items), index + step
    if 0 <= index < len(items) and 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    return items


def priority_text(priority, segments=None) -> str:
    """A campaign's sending priority in words: ``"ID-exposed customers first, then Gen Z,
    then the rest"``; none: everyone it targets in the company's list order."""
    if not priority:
        return "none: everyone targeted, in the company's list order"
    words = [target_words(name, segments) for name in priority]
    return f"{words[0]} first, " + "".join(f"then {w}, " for w in words[1:]) + "then the rest"


def new_campaign(scenario: Scenario) -> dict:
    """:data:`NEW_CAMPAIGN`, by the first declared medium if the scenario has no ``sms``."""
    item = copy.deepcopy(NEW_CAMPAIGN)
    media = scenario.data["channels"]["direct"]["media"]
    if item["medium"] not in media and media:
        item["medium"] = next(iter(media))
    return item


def current_scenario(path: str | Path, overrides: Mapping[str, Any]) -> Scenario:
    """The starting scenario with ``overrides``, checked as ``--set`` options are.

    Raises
    ------
    ScenarioError
        For a bad value, with the same one-line message as the command line.
    """
    size = overrides.get(SIZE)
    if isinstance(size, int) and not isinstance(size, bool) and size > MAX_PEOPLE:
        raise ScenarioError("dashboard", SIZE, f"got {size:,}; allowed in the dashboard: at most "
                            f"{MAX_PEOPLE:,} agents (use run, compare or batch for more)")
    return load_scenario(path, overrides)


def read_number(text: str) -> Any:
    """A number typed into a box, read as ``--set KEY=VALUE`` reads its value (thousands
    separators allowed): ``"1,000,000"`` -> 1000000; text that is no number stays text, so
    the scenario check answers it with the command line's message."""
    return parse_override("value=" + str(text).strip().replace(",", ""))[1]


def number_text(value: Any) -> str:
    """A lever's value for a text box: ``1000000.0`` -> ``"1,000,000"``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,g}"


def check_replications(value: Any) -> int:
    """``value`` as a number of replications, or raise :class:`ScenarioError`."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_REPLICATIONS:
        raise ScenarioError("dashboard", "replications",
                            f"got {value!r}; allowed: a whole number in [1, {MAX_REPLICATIONS}]")
    return value
