"""The report's appendices on method, sources and assumptions, from the resolved scenarios.

Nothing here is fixed text about one client: every setting listed, and every
sentence of the method's limitations that names a source, follows from the
compared scenarios as they ran (:func:`sim.reporting.notes.scenario_settings`):

- a value that differs from the model's defaults is listed with the comment
  its scenario file gives it, or says it was set without a source;
- a default is listed with the defaults' own note only where it is in use;
- a sentence naming the source of a default (the surveys behind the trust
  figures, the scenario the word-of-mouth strengths were tuned on) appears
  only where the runs use that default.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..config.schema import NETWORK_KINDS
from .notes import (FOR_THESE_RUNS, MODEL_DEFAULT, NO_SOURCE, Note, Setting, clean_comment, is_assumption,
                    is_source, scenario_settings, setting_keys, value_at)
from .scenarios import describe_value, key_label
from .text import join_words

__all__ = ["PLAIN_LABELS", "DEFAULT_BASIS", "setting_label", "value_words", "setting_rows",
           "appendix_notes", "varied_keys", "network_words", "attention_words", "limitations",
           "engine_words"]

#: Plain words for settings whose schema label is a modeller's term.
PLAIN_LABELS = {
    "trust.concentration": "how alike people's trust is (higher: closer to the average)",
    "network.rewire": "share of ties rewired at random (small-world network)",
    "network.triangle_prob": "chance that a new tie closes a triangle (clustered network)",
}

#: What the model's defaults rest on, said only where the runs use those defaults
#: (the same facts as the comments of ``sim/defaults.toml`` on these keys): the
#: sentence when every plan uses them (``all``), when some values are defaults
#: (``some``: ``{labels}`` and ``{where}`` filled in) and when none are (``none``).
DEFAULT_BASIS = {
    "word_of_mouth": {
        "all": "The word-of-mouth strengths are the model's defaults, tuned informally so that the Optus "
               "2022 scenario has most affected customers aware within days; they are not measured.",
        "some": "Of the word-of-mouth strengths, {labels} {are} the model's default{s}{where}, tuned "
                "informally so that the Optus 2022 scenario has most affected customers aware within days "
                "(not measured); the appendices give the others with their reasons.",
        "none": "The word-of-mouth strengths are not the model's defaults; the appendices give each with "
                "its reason.",
    },
    "trust": {
        "all": "The trust figures are the model's defaults, from national surveys (Edelman Trust Barometer "
               "2022), not from the client's customers.",
        "some": "Of the trust figures, {labels} {are} the model's default{s}{where}, from national surveys "
                "(Edelman Trust Barometer 2022), not from the client's customers; the appendices give the "
                "others with their reasons.",
        "none": "The trust figures are not the model's defaults; the appendices give each with its reason.",
    },
}
#: The keys each basis is about.
BASIS_KEYS = {
    "word_of_mouth": ("word_of_mouth.household", "word_of_mouth.social"),
    "trust": ("trust.media", "trust.company", "trust.peer"),
}

#: How people are linked, per network kind.
NETWORK_WORDS = {
    "households": "People are linked in households and by social ties.",
    "well_mixed": "People meet others at random; there are no fixed households or social ties.",
    "watts_strogatz": "People are linked by social ties in a small-world network (no households).",
    "barabasi_albert": "People are linked by social ties in a network where a few people have very many "
                       "ties (no households).",
    "powerlaw_cluster": "People are linked by social ties in a clustered network where a few people have "
                        "very many ties (no households).",
    "file": "People are linked by the social ties of a network read from a file (no households).",
}


# --------------------------------------------------------------------------- one setting

def setting_label(key: str) -> str:
    """A setting's name for a reader, capitalised."""
    label = PLAIN_LABELS.get(key) or key_label(key)
    return label[:1].upper() + label[1:]


def _start_words(value: str) -> str:
    try:
        when = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    offset = when.strftime("%z")
    zone = f" (UTC{offset[:3]}:{offset[3:]})" if offset else ""
    return f"{when:%a %d %b %Y %H:%M}{zone}"


def value_words(key: str, value: Any) -> str:
    """A setting's value in plain words (dates as dates, a file by its name)."""
    if key == "scenario.start":
        return _start_words(value)
    if key == "network.path":
        return Path(str(value)).name if value else "none"
    if key == "attention.holidays":
        return ", ".join(str(v) for v in value) if value else "none"
    return describe_value(key, value)


def _note_words(note: Note, key: str, items: int) -> str:
    """One note in plain words; a note on one item of a list of several names the item."""
    text = clean_comment(note.text).rstrip(". ")
    if is_assumption(note.text) and not text:
        text = "Assumption; no reason given"
    elif is_assumption(note.text) and "assumption" not in text.lower():
        text += " (assumption)"
    if note.item is not None and items > 1:
        text = f"{setting_label(f'{key}.{note.item}')}: {text}"
    return text


def _reason_words(setting: Setting, notes: Sequence[Note], exact: bool = False) -> str:
    """The reason column: the notes in words, or how the value varies between runs
    (``exact``: the value column shows the values the setting itself takes)."""
    items = len(setting.value) if isinstance(setting.value, list) else 0
    words = "; ".join(dict.fromkeys(_note_words(n, setting.key, items) for n in notes))
    if setting.origin == "varied":
        how = setting.varied[:1].upper() + setting.varied[1:] + ("" if exact else "; the rest as shown")
        return how + (f". {words}" if words else "")
    if setting.origin == "run":
        return FOR_THESE_RUNS
    return words or NO_SOURCE


def _where(setting: Setting) -> str:
    if setting.origin in ("run", "varied"):
        return ""
    return MODEL_DEFAULT if setting.file is None else Path(setting.file).name


def _for_other_network(setting: Setting, kind: str | None) -> bool:
    """Whether the model's note says the setting is used only by another network kind."""
    return any(n.text.startswith(f"{k} only") for n in setting.notes for k in NETWORK_KINDS if k != kind)


def _campaigns(data: dict) -> list[dict]:
    return [c for c in value_at(data, "channels.direct.campaigns") or [] if isinstance(c, dict)]


#: Settings that matter only when the scenario uses what they are about: a default of
#: one of these whose scenario does not use it is not listed (a user's value always is).
USED_WHEN = {
    "attention.holiday_factor": lambda d: bool(value_at(d, "attention.holidays")),
    "word_of_mouth.share_multiplier_when_asked": lambda d: any(c.get("ask_to_share") for c in _campaigns(d)),
    **{key: (lambda d: bool(value_at(d, "channels.scam.waves")))
       for key in ("channels.scam.doubt", "channels.scam.harm", "company.calls.after_scam")},
    **{key: (lambda d: (value_at(d, "company.call_centre.agents") or 0) > 0)
       for key in ("company.call_centre.agents", "company.call_centre.handle_minutes",
                   "company.call_centre.patience_minutes")},
}


def _used(key: str, data: dict) -> bool:
    """Whether the scenario uses what setting ``key`` is about (:data:`USED_WHEN`; a
    medium's settings, ``channels.direct.media.NAME...``: a campaign sends by it)."""
    parts = key.split(".")
    if parts[:3] == ["channels", "direct", "media"] and len(parts) >= 4:
        return any(c.get("medium") == parts[3] for c in _campaigns(data))
    return USED_WHEN.get(key, lambda d: True)(data)


def _listed(setting: Setting, data: dict) -> bool:
    """Whether the appendices list a setting: every value that is not the model's
    default, and a default (or a value restated as the default) whose note is a
    source or an assumption and which the scenario uses (its network kind, its
    holidays, its campaigns: :data:`USED_WHEN`)."""
    if setting.origin in ("run", "varied") or (setting.differs and setting.origin == "file"):
        return True
    used = _used(setting.key, data)
    kind = value_at(data, "network.kind")
    return (setting.source or setting.assumption) and used and not _for_other_network(setting, kind)


def _row(setting: Setting, notes: Sequence[Note] | None = None, key: str | None = None,
         value: Any = None, values: str = "") -> dict[str, Any]:
    """One appendix row; ``values``: the words for the values a varied key takes."""
    notes = setting.notes if notes is None else notes
    key = key or setting.key
    value = setting.value if value is None else value
    return {"key": key, "label": setting_label(key), "value": values or value_words(key, value),
            "text": _reason_words(setting, notes, bool(values)), "file": _where(setting),
            "source": setting.origin != "varied" and any(is_source(n.text) for n in notes),
            "assumption": any(is_assumption(n.text) for n in notes) or not any(is_source(n.text) for n in notes)
                          or setting.origin == "varied"}


# --------------------------------------------------------------------------- one scenario

def _table_note(setting: Setting) -> Note | None:
    """The note on a table holding the setting (``[trust.company_effects]  # ...``), if any."""
    return next((n for n in setting.notes if setting.key.startswith(n.key + ".")), None)


def _grouped(settings: Sequence[Setting]) -> list[tuple[Setting, list[Setting], Note | None]]:
    """Settings of one table that share the table's note (from one file), with that
    note: ``(first, members, table note or None)``."""
    groups: dict[tuple, list[Setting]] = {}
    order: list[tuple] = []
    for s in settings:
        note = _table_note(s) if s.origin in ("default", "file") else None
        ident = (note.key, note.text, s.file, s.origin) if note is not None else (s.key,)
        if ident not in groups:
            order.append(ident)
        groups.setdefault(ident, []).append(s)
    out = []
    for ident in order:
        members = groups[ident]
        out.append((members[0], members, _table_note(members[0]) if len(ident) > 1 else None))
    return out


def setting_rows(settings: Sequence[Setting], data: dict,
                 varied: dict[str, tuple[str, str]] | None = None) -> list[dict[str, Any]]:
    """The appendix rows of one scenario's settings (see :func:`_listed`): ``key``,
    ``label``, ``value``, ``text`` (the reason given), ``file`` (where it is written:
    a file's name or "model default"; empty for settings of these runs), ``source``
    (the reason cites a source) and ``assumption`` (a judgement, or no source given)."""
    rows = []
    for first, members, table_note in _grouped([s for s in settings if _listed(s, data)]):
        own_reasons = any(is_source(n.text) or is_assumption(n.text)
                          for s in members for n in s.notes if n is not table_note)
        if table_note is None or len(members) == 1 or own_reasons:
            rows.extend(_row(s, values=(varied or {}).get(s.key, ("", ""))[1]) for s in members)
            continue
        prefix = table_note.key + "."   # one row for the table: its note; its keys' notes only describe them
        value = {s.key[len(prefix):]: s.value for s in members}
        rows.append(_row(first, [table_note], table_note.key, value))
    return rows


# --------------------------------------------------------------------------- all scenarios

def _identity(row: dict[str, Any]) -> tuple:
    return row["key"], row["value"], row["text"], row["file"]


def appendix_notes(infos: Sequence, varied: dict[str, tuple[str, str]] | None = None) -> dict[str, Any]:
    """The rows of the sources and assumptions appendices for the compared scenarios.

    ``infos`` are :class:`~sim.reporting.scenarios.ScenarioInfo` (resolved data and
    file); ``varied`` maps keys that change between runs to ``(how, values)`` in
    words (:func:`varied_keys`). Returns ``sources`` and ``assumptions`` (rows
    common to every scenario; all rows when there is one), ``specific`` (per
    scenario: ``name``, ``short``, ``sources``, ``assumptions``: its rows that are
    not common), ``single`` and ``settings`` (each scenario's :class:`Setting` list,
    in order, for :func:`limitations`).
    """
    varied = varied or {}
    units = set(setting_keys()) | {k for s in infos for k in setting_keys(s.data)}
    words = {k: how if k in units else f"{key_label(k)}: {how}, {values}" for k, (how, values) in varied.items()}
    settings = [scenario_settings(s.data, s.file, words) for s in infos]
    rows = [setting_rows(own, s.data, varied) for own, s in zip(settings, infos)]
    idents = [{_identity(r) for r in v} for v in rows]
    common_ids = set.intersection(*idents) if idents else set()
    common: list[dict] = []
    for v in rows:
        common += [r for r in v if _identity(r) in common_ids and _identity(r) not in map(_identity, common)]
    specific = []
    for s, its_rows in zip(infos, rows):
        own = [r for r in its_rows if _identity(r) not in common_ids]
        specific.append({"name": s.name, "short": s.short, "sources": [r for r in own if r["source"]],
                         "assumptions": [r for r in own if r["assumption"]]})
    return {"sources": [r for r in common if r["source"]], "assumptions": [r for r in common if r["assumption"]],
            "specific": specific, "single": len(infos) == 1, "settings": settings}


def _range_words(key: str, values: Iterable[Any]) -> str:
    values = [v for v in values if v is not None]
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    distinct = list(dict.fromkeys(map(str, values)))
    if numbers and len(numbers) == len(values):
        low, high = min(numbers), max(numbers)
        span = f"{describe_value(key, low)} to {describe_value(key, high)}" if low != high \
            else describe_value(key, low)
    else:
        span = ", ".join(distinct[:6]) + (" ..." if len(distinct) > 6 else "")
    return f"{span} ({len(distinct)} value{'s' if len(distinct) != 1 else ''})"


def varied_keys(design: dict | None, draws: Sequence[dict] | None) -> dict[str, tuple[str, str]]:
    """Keys that change between runs: ``key -> (how, values)`` in words, e.g.
    ``("varied over the 15 design points", "0 to 48 (5 values)")``, for a sweep's
    design points and a calibration posterior's draws."""
    out: dict[str, tuple[str, str]] = {}
    points = [p for p in (design or {}).get("points") or [] if isinstance(p, dict)]
    if (design or {}).get("method", "none") not in ("none", None, "") and len(points) > 1:
        for key in dict.fromkeys(k for p in points for k in p):
            out[key] = (f"varied over the {len(points)} design points",
                        _range_words(key, [p.get(key) for p in points]))
    drawn = [d for d in draws or [] if isinstance(d, dict)]
    for key in dict.fromkeys(k for d in drawn for k in d):
        how, values = "drawn for each run from the calibration posterior", _range_words(key, [d.get(key) for d in drawn])
        out[key] = (f"{out[key][0]} and {how}", f"{out[key][1]}; {values}") if key in out else (how, values)
    return out


# --------------------------------------------------------------------------- method text

def _by_plan(infos: Sequence, words_of) -> str:
    """One sentence when every plan gives the same words, else one per plan."""
    words = {s.short: words_of(s) for s in infos}
    distinct = list(dict.fromkeys(words.values()))
    if len(distinct) <= 1:
        return distinct[0] if distinct else ""
    return " ".join(f"{plan}: {text[:1].lower() + text[1:]}" for plan, text in words.items())


def network_words(infos: Sequence) -> str:
    """How people are linked, from each plan's network kind."""
    return _by_plan(infos, lambda s: NETWORK_WORDS.get(s.get("network.kind", "households"),
                                                       NETWORK_WORDS["households"]))


def _attention(s) -> str:
    day = ("People pay more attention by day than by night" if s.get("attention.diurnal", True)
           else "People pay the same attention at every hour")
    factor = s.get("attention.holiday_factor", 1.0)
    holidays = s.get("attention.holidays") or []
    if holidays and isinstance(factor, (int, float)) and factor != 1:
        day += f", and {'less' if factor < 1 else 'more'} on public holidays"
    return day + "."


def attention_words(infos: Sequence) -> str:
    """When people pay attention, from each plan's attention settings."""
    return _by_plan(infos, _attention)


def _uses_default(settings: Sequence[Setting], keys: Sequence[str]) -> list[str]:
    """Those of ``keys`` whose value is the model's default (by the setting's origin)."""
    by_key = {s.key: s for s in settings}
    return [k for k in keys if k in by_key and by_key[k].origin == "default"]


def _basis_sentence(topic: str, infos: Sequence, settings: Sequence[Sequence[Setting]]) -> str:
    """Where ``topic``'s figures come from: the defaults' basis where the runs use
    those defaults (and only there), else a pointer to the appendices."""
    keys = BASIS_KEYS[topic]
    pairs = list(zip(infos, list(settings) + [[]] * (len(infos) - len(settings))))
    if topic == "word_of_mouth":    # a well-mixed population uses other strengths
        pairs = [(s, own) for s, own in pairs if s.get("network.kind") != "well_mixed"]
        if not pairs:
            return "The word-of-mouth strengths are assumptions, not measurements."
    used = [(s.short, _uses_default(own, keys)) for s, own in pairs]
    words = DEFAULT_BASIS[topic]
    if all(len(v) == len(keys) for _, v in used):
        return words["all"]
    if not any(v for _, v in used):
        return words["none"]
    labels = list(dict.fromkeys(k for _, v in used for k in v))
    everywhere = all(set(v) == set(labels) for _, v in used)
    where = "" if everywhere else f" (in {join_words(dict.fromkeys(p for p, v in used if v))})"
    return words["some"].format(labels=join_words(key_label(k) for k in labels), where=where,
                                are="are" if len(labels) > 1 else "is", s="s" if len(labels) > 1 else "")


def limitations(infos: Sequence, settings: Sequence[Sequence[Setting]], posterior: bool = False,
                design: bool = False) -> list[str]:
    """The method's limitations for these scenarios (see the module docstring)."""
    kinds = {s.get("network.kind", "households") for s in infos}
    population = ("The population is synthetic: it matches the figures and assumptions below on average, "
                  "not a real list of customers; social ties come from the network file."
                  if kinds == {"file"} else
                  "The population and its network are synthetic: they match the figures and assumptions "
                  "below on average, not a real list of customers or a real social network.")
    wom = _basis_sentence("word_of_mouth", infos, settings)
    trust = _basis_sentence("trust", infos, settings)
    chance = "run-to-run chance" + (" and the calibrated parameters' uncertainty (drawn from a calibration "
                                    "posterior)" if posterior else "")
    ranges = (f"Within one design point, the ranges show {chance}; the sweep charts show how the results "
              "change from point to point." if design else f"The ranges show {chance}.")
    return [population, wom,
            f"{trust} The effects on trust of hearing first from the company are assumptions.",
            "Media coverage and Twitter are modelled as waves of exposure, each with a reach and a half-life; "
            "other channels (radio, letters, the company's website) are not modelled.",
            f"{ranges} They do not show doubt about the other assumptions (see \"How certain are these "
            "figures?\")."]


def engine_words(engine: str) -> str:
    """The simulation engine in words, as the engine declares them (its name if unknown)."""
    from ..model.engine import REGISTRY

    spec = REGISTRY.get(engine)
    return spec.words if spec is not None else str(engine)
