"""Assumptions and calibration sources, read from the comments of scenario files.

Scenario files and ``sim/defaults.toml`` comment their values
(``key = value  # comment``). Comments that say ASSUMPTION are assumptions;
comments that cite a source (e.g. "(ABS 2021 Census)", "Kwak et al. 2010")
are calibration sources. :func:`scenario_notes` collects the notes that apply
to a scenario, following ``extends`` and then the bundled defaults; a more
specific file's value or note on a key hides a less specific one.

:func:`scenario_settings` starts from the other end, the resolved scenario a
run used: for every setting it says where the value comes from (the model's
defaults, a scenario file, these runs only, or varied between runs) and which
comments give its reason, and only if that comment is about the value used.
Every file is read with :func:`sim.config.readers.read_user_text`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from ..errors import ScenarioError
from ..config.readers import read_user_text
from ..config.schema import NETWORK_KINDS

__all__ = ["DEFAULTS_FILE", "Note", "file_notes", "text_notes", "scenario_notes", "relevant_notes", "split_notes",
           "is_assumption", "is_source", "clean_comment", "defaults_notes", "Setting", "scenario_settings",
           "scenario_layers", "setting_keys", "same_value", "value_at", "NO_SOURCE", "FOR_THESE_RUNS",
           "MODEL_DEFAULT"]

#: The bundled defaults every scenario is read on top of.
DEFAULTS_FILE = Path(__file__).resolve().parent.parent / "defaults.toml"


@dataclass(frozen=True)
class Note:
    """One commented setting of a scenario file."""

    key: str      # dotted key (a table, a key, or an array)
    value: str    # the value as written (shortened)
    text: str     # the comment
    file: str     # the file it is in
    item: int | None = None   # for a comment on one item of an array: its index (from 0)


_SOURCE_WORDS = re.compile(r"seed article|census|calendar|et al\.", re.I)
_NAMED_YEAR = re.compile(r"\b[A-Z][A-Za-z&.-]*(?: [A-Z][A-Za-z&.-]*)*(?: et al\.)? (?:19|20)\d\d\b")
_PAREN_CITE = re.compile(r"\([^()]*(?:[A-Z]|\b(?:19|20)\d\d\b)[^()]*\)")


def _clauses(text: str) -> list[str]:
    """Split a comment on ';' and on sentence ends, outside brackets."""
    out, depth, cur = [], 0, ""
    for i, ch in enumerate(text):
        depth += ch in "(["
        depth -= ch in ")]"
        end = ch == ";" or (ch == "." and i + 1 < len(text) and text[i + 1] == " "
                            and not cur.endswith(" al") and not cur.endswith("e.g")
                            and re.match(r"\s+[A-Z]", text[i + 1:]) is not None)
        if depth <= 0 and end:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    out.append(cur.strip())
    return [c for c in out if c]


def is_assumption(text: str) -> bool:
    return "ASSUMPTION" in text


def is_source(text: str) -> bool:
    """True if a clause of the comment, not itself labelled an assumption, cites a source."""
    return any(not is_assumption(c) and (_PAREN_CITE.search(c) or _NAMED_YEAR.search(c)
                                          or _SOURCE_WORDS.search(c))
               for c in _clauses(text))


def clean_comment(text: str) -> str:
    """The comment for a reader: the ASSUMPTION label turned into plain words."""
    t = text.strip()
    t = re.sub(r"(^|[.;]\s*)ASSUMPTIONS?\s*[.:]?\s*$", r"\1", t).strip()
    t = re.sub(r"^ASSUMPTIONS?\s*[:.]?\s*", "", t)
    t = re.sub(r"\s*:\s*ASSUMPTIONS?\b", " (assumption)", t)
    t = re.sub(r"\b(?!an\b|is\b|a\b|are\b)(\w+)\s+ASSUMPTION\b(?=\s*(?:$|[;.)]))", r"\1 (assumption)", t)
    t = re.sub(r"(^|[.;]\s+)ASSUMPTIONS", r"\1Assumptions", t)
    t = re.sub(r"(^|\.\s+)ASSUMPTION", r"\1Assumption", t)
    t = t.replace("ASSUMPTIONS", "assumptions").replace("ASSUMPTION", "assumption")
    t = re.sub(r"\s+", " ", t).strip(" ;")
    first = t.split(" ", 1)[0]
    return t[:1].upper() + t[1:] if t and "_" not in first and "." not in first else t


def _split_code(line: str) -> tuple[str, str]:
    """``(code, comment)`` of a TOML line: the first '#' outside quotes."""
    quote = None
    i = 0
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == "\\" and quote == '"':
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return line[:i].rstrip(), line[i + 1:].strip()
        i += 1
    return line.rstrip(), ""


def _bracket_depth(code: str) -> int:
    return _scan_brackets(code, 0)[0]


def _scan_brackets(code: str, depth: int) -> tuple[int, int]:
    """``(change of bracket depth, commas at depth 1)`` of a line of TOML code that
    starts at ``depth`` (strings skipped): the commas separate an array's items."""
    start, quote, commas = depth, None, 0
    for ch in code:
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 1:
            commas += 1
    return depth - start, commas


def _short(text: str, n: int = 90) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


_CONTINUES = re.compile(r"^(\(|plus\b|and\b|or\b|but\b|with\b|then\b|which\b)")


def file_notes(path: str | Path) -> tuple[list[Note], dict[str, str], str | None]:
    """Commented settings of one TOML file, the values it sets, and what it ``extends``.

    Returns ``(notes, values, extends)`` (see :func:`text_notes`). The file is
    read with :func:`sim.config.readers.read_user_text` (a regular UTF-8 file of
    bounded size, else ScenarioError naming it).
    """
    return text_notes(read_user_text(path, "", "a scenario file"), path)


def text_notes(text: str, path: str | Path = "") -> tuple[list[Note], dict[str, str], str | None]:
    """Commented settings of the TOML ``text`` of the file ``path``.

    Returns ``(notes, values, extends)``: ``values`` maps each dotted key the
    file sets (tables, keys, arrays) to its value text, for telling whether a
    later file changes it. Comment lines before the first table or key (the
    file's preamble) are not notes; a comment block directly above a key
    belongs to it; a trailing comment that continues the previous line's
    (starting with "(" or "plus", "and"..., or after a ";") joins it. A
    comment on (or directly above) an item of a multi-line array is a note on
    the array with ``item`` set to the item's index.
    """
    notes: list[dict] = []
    values: dict[str, str] = {}
    table = ""
    pending: list[str] = []
    seen_code = False
    in_string: str | None = None
    array: dict | None = None     # open multi-line array: {"key", "depth", "parts", "items"}
    last_trailing: dict | None = None
    table_values: dict[str, list[str]] = {}
    for raw in text.splitlines():
        if in_string:
            if in_string in raw:
                in_string = None
            continue
        code, comment = _split_code(raw)
        stripped = code.strip()
        if not stripped:
            if comment and seen_code:
                pending.append(comment)
            elif not comment:
                pending = []
            last_trailing = None
            continue
        seen_code = True
        for q in ('"""', "'''"):
            if stripped.count(q) % 2 == 1:
                in_string = q
        if array is not None:
            index = array["items"]
            change, commas = _scan_brackets(stripped, array["depth"])
            array["parts"].append(stripped)
            array["depth"] += change
            array["items"] += commas
            item = stripped.rstrip(",").strip()
            if (pending or comment) and item not in ("]", ""):
                for c in ([" ".join(pending)] if pending else []) + ([comment] if comment else []):
                    notes.append({"key": array["key"], "value": _short(item), "text": c, "item": index})
                pending = []
            if array["depth"] <= 0:
                values[array["key"]] = _short(" ".join(array["parts"]), 400)
                array = None
            last_trailing = None
            continue
        header = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?$", stripped)
        if header:
            table = header.group(1).replace('"', "").replace(" ", "")
            values.setdefault(table, "")
            table_values.setdefault(table, [])
            key, value = table, None
        else:
            m = re.match(r"^([A-Za-z0-9_.\"-]+)\s*=\s*(.*)$", stripped)
            if not m:
                continue
            key = f"{table}.{m.group(1)}" if table else m.group(1)
            key = key.replace('"', "")
            value = m.group(2)
            table_values.setdefault(table, []).append(f"{m.group(1)} = {_short(value, 30)}")
            depth, commas = _scan_brackets(value, 0)
            if depth > 0:
                array = {"key": key, "depth": depth, "parts": [value], "items": commas}
            else:
                values[key] = _short(value, 400)
        if pending:
            notes.append({"key": key, "value": value, "text": " ".join(pending), "table": table})
            pending = []
        if (comment and last_trailing is not None and last_trailing["table"] == table
                and (_CONTINUES.match(comment) or last_trailing["text"].rstrip().endswith((";", ",")))):
            last_trailing["text"] += " " + comment
        elif comment:
            last_trailing = {"key": key, "value": value, "text": comment, "table": table}
            notes.append(last_trailing)
        else:
            last_trailing = None
    for tbl, kv in table_values.items():
        values[tbl] = "; ".join(kv)
    out = []
    for n in notes:
        value = n["value"]
        if value is None:       # a table: show its keys
            value = values.get(n["key"], "")
        elif n["key"] in values and value.rstrip().startswith("[") and _bracket_depth(value) > 0:
            value = values[n["key"]]
        out.append(Note(n["key"], _short(value or "", 90), n["text"].strip(), str(path), n.get("item")))
    extends = None
    try:
        extends = tomllib.loads(text).get("scenario", {}).get("extends")
    except tomllib.TOMLDecodeError:
        pass
    return out, values, extends


def scenario_notes(path: str | Path, defaults: str | Path | None = DEFAULTS_FILE) -> list[Note]:
    """The commented settings that apply to a scenario file, most specific file first.

    Follows ``extends`` (relative to the file naming it) and then the bundled
    defaults. A file's note on a key is kept unless a more specific file has
    its own note on that key, or sets that key (or a key inside it) to a
    different value.
    """
    chain: list[tuple[list[Note], dict[str, str]]] = []
    seen = set()
    current: Path | None = Path(path)
    while current is not None and current.resolve() not in seen and current.exists():
        seen.add(current.resolve())
        notes, values, extends = file_notes(current)
        chain.append((notes, values))
        current = (current.parent / extends) if extends else None
    if defaults is not None and Path(defaults).exists() and Path(defaults).resolve() not in seen:
        notes, values, _ = file_notes(defaults)
        chain.append((notes, values))
    kept: list[Note] = []
    noted: set[str] = set()
    for i, (notes, values) in enumerate(chain):
        here = set()
        for n in notes:
            if n.key in noted:
                continue
            changed = any(k == n.key or k.startswith(n.key + ".")
                          for later_notes, later_values in chain[:i]
                          for k, v in later_values.items()
                          if (k == n.key or k.startswith(n.key + "."))
                          and _norm(v) != _norm(values.get(k, "\0")))
            if not changed:
                kept.append(n)
            here.add(n.key)
        noted |= here
    return kept


def relevant_notes(path: str | Path, network_kind: str | None = None) -> list[Note]:
    """:func:`scenario_notes` without notes on network kinds other than ``network_kind``."""
    notes = scenario_notes(path)
    if network_kind is None:
        return notes
    other = [k for k in NETWORK_KINDS if k != network_kind]
    return [n for n in notes if not any(n.text.startswith(f"{k} only") for k in other)]


def _norm(value: str) -> str:
    return re.sub(r"[\s_]", "", value or "")


def split_notes(notes: Sequence[Note]) -> tuple[list[Note], list[Note]]:
    """``(assumptions, sources)``; a note may be both."""
    return ([n for n in notes if is_assumption(n.text)],
            [n for n in notes if is_source(n.text)])


def defaults_notes() -> list[Note]:
    """The notes of ``sim/defaults.toml`` alone (the model's own calibration facts)."""
    return file_notes(DEFAULTS_FILE)[0]


# --------------------------------------------------------------------------- settings in use

#: Keys never listed as settings (names and text, inheritance).
UNLISTED_KEYS = ("scenario.name", "scenario.short_name", "scenario.description", "scenario.extends")
#: What a setting without a comment says.
NO_SOURCE = "Set by the user, no source given"
#: What a setting changed for the runs (an override, not the scenario file) says.
FOR_THESE_RUNS = "Set for these runs (not as in the scenario file), no source given"
#: What the note of the model's own defaults says where it comes from.
MODEL_DEFAULT = "model default"
#: Files followed through ``extends`` at most (as the scenario reader allows).
_MAX_LAYERS = 32


@dataclass(frozen=True)
class Setting:
    """One setting of a compared scenario, as the appendices list it.

    ``key`` is a value, a table of parts (one per cohort or group) or a list
    (dotted); ``value`` the resolved value (a Python value); ``notes`` the
    comments that give its reason; ``origin`` says where the value comes
    from: ``"default"`` (the model's defaults), ``"file"`` (the scenario file
    or one it extends), ``"run"`` (set for these runs only, e.g. with
    ``--set``) or ``"varied"`` (it changes between runs: a sweep or
    posterior draws, described by ``varied``); ``file`` the file holding the
    notes or value (None for the model's defaults and for run settings).
    """

    key: str
    value: Any
    notes: tuple[Note, ...]
    origin: str
    file: str | None = None
    varied: str = ""
    differs: bool = False      # the value is not the model's default

    @property
    def source(self) -> bool:
        """Whether a comment on it cites a source (it is in no way varied)."""
        return self.origin != "varied" and any(is_source(n.text) for n in self.notes)

    @property
    def assumption(self) -> bool:
        return any(is_assumption(n.text) for n in self.notes)


@dataclass
class _Layer:
    """One file of a scenario's chain: what it writes, its notes, and the scenario
    as resolved up to it (None if it cannot be resolved on its own)."""

    file: str | None            # None: the model's defaults
    raw: dict
    notes: list[Note]
    effective: dict | None


def setting_keys(data: dict | None = None) -> tuple[str, ...]:
    """Every setting of a scenario: the schema's values, tables of parts and lists; the
    entries of a table of named entries (declared media, segments) those of ``data``
    (a resolved scenario) names, each setting by setting (none without ``data``)."""
    from ..config.schema import SCHEMA, MapOf, Table

    keys: list[str] = []

    def walk(spec: Any, prefix: str) -> None:
        if isinstance(spec, MapOf):
            for name in (value_at(data, prefix) or {}) if data is not None else ():
                walk(spec.item, f"{prefix}.{name}")
        elif isinstance(spec, Table) and not spec.per_key:
            for name, child in spec.fields.items():
                walk(child, f"{prefix}.{name}" if prefix else name)
        elif prefix not in UNLISTED_KEYS:
            keys.append(prefix)

    walk(SCHEMA, "")
    return tuple(keys)


def value_at(data: Any, dotted: str) -> Any:
    """The value of ``dotted`` in nested tables and lists, or None."""
    node = data
    for part in dotted.split("."):
        try:
            node = node[int(part)] if isinstance(node, list) else node[part]
        except (KeyError, IndexError, ValueError, TypeError):
            return None
    return node


def _canonical(value: Any) -> Any:
    """``value`` with whole numbers as floats and one value per cohort spread to every
    cohort, so that equal settings compare equal however they were written."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def same_value(key: str, a: Any, b: Any) -> bool:
    """Whether two values of the setting ``key`` are the same setting."""
    from ..config.schema import COHORTS, OneOrPerCohort, lookup_spec

    try:
        per_cohort = isinstance(lookup_spec(key), OneOrPerCohort)
    except Exception:  # noqa: BLE001 - an unknown key is compared as it is
        per_cohort = False
    if per_cohort:
        a, b = ({c: x for c in COHORTS} if isinstance(x, (int, float)) and not isinstance(x, bool) else x
                for x in (a, b))
    return _canonical(a) == _canonical(b)


def _read_layer(path: Path) -> _Layer:
    from ..config.scenario import load_scenario, parse_toml

    text = read_user_text(path, "", "a scenario file")
    raw = parse_toml(text, path)
    notes = text_notes(text, path)[0]
    try:
        effective = load_scenario(path).data
    except ScenarioError:       # a base file that is not a whole scenario on its own
        effective = None
    return _Layer(str(path), raw, notes, effective)


def _defaults_layer() -> _Layer:
    from ..config.scenario import default_data

    text = read_user_text(DEFAULTS_FILE, "", "the model's defaults")
    return _Layer(None, tomllib.loads(text), text_notes(text, DEFAULTS_FILE)[0], default_data())


def scenario_layers(path: str | Path | None) -> list[_Layer]:
    """The files of a scenario, most specific first (the file, what it ``extends``, ...),
    then the model's defaults. A file that cannot be read ends the chain there."""
    layers: list[_Layer] = []
    seen: set[Path] = set()
    current = Path(path) if path else None
    while current is not None and len(layers) < _MAX_LAYERS:
        try:
            resolved = current.resolve()
            if resolved in seen:
                break
            seen.add(resolved)
            layer = _read_layer(current)
        except (ScenarioError, OSError, RuntimeError, ValueError):
            break
        layers.append(layer)
        parent = (layer.raw.get("scenario") or {}).get("extends")
        current = current.parent / parent if isinstance(parent, str) and parent else None
    return layers + [_defaults_layer()]


def _notes_on(key: str, notes: Sequence[Note]) -> tuple[Note, ...]:
    """The notes of one file on ``key``: on it, on a part of it, or on a table holding it."""
    return tuple(n for n in notes
                 if n.key == key or n.key.startswith(key + ".") or key.startswith(n.key + "."))


def _reason(key: str, value: Any, layers: Sequence[_Layer]) -> tuple[tuple[Note, ...], _Layer | None]:
    """The notes that give ``value`` of ``key`` its reason, and the file they are in.

    The most specific file that writes the key (or a part of it) and
    comments on it, provided the value it gives is ``value``; a file that
    writes the same value without a comment leaves the reason to the files
    below it. ``((), None)`` if no comment gives this value.
    """
    for layer in layers:
        if value_at(layer.raw, key) is None:
            continue
        if layer.effective is not None and not same_value(key, value, value_at(layer.effective, key)):
            return (), None
        notes = _notes_on(key, layer.notes)
        if notes:
            return notes, layer
    return (), None


def scenario_settings(data: dict, path: str | Path | None,
                      varied: dict[str, str] | None = None) -> list[Setting]:
    """Every setting of a resolved scenario ``data`` that differs from the model's
    defaults or carries a note, in the order of the schema.

    ``path`` is the scenario file (its comments and those of the files it
    extends give the reasons; None or an unreadable file: no comments);
    ``varied`` maps dotted keys that change between runs (a sweep's keys,
    posterior draws) to words saying how. A setting equal to the defaults is
    listed only with a note of the model's defaults.
    """
    layers = scenario_layers(path)
    top, defaults = layers[0], layers[-1]
    varied = varied or {}
    out = []
    for key in setting_keys(data):
        value = value_at(data, key)
        if value is None:
            continue
        differs = not same_value(key, value, value_at(defaults.effective, key))
        inside = {k: v for k, v in varied.items() if k == key or k.startswith(key + ".")}
        notes, layer = _reason(key, value, layers)
        if inside:          # the notes on what the file says apply only to the parts not varied
            words = "; ".join(inside.values())
            kept = () if key in varied else notes
            out.append(Setting(key, value, kept, "varied", layer.file if layer else None, words, True))
        elif top.file is not None and top.effective is not None and not same_value(
                key, value, value_at(top.effective, key)):
            out.append(Setting(key, value, (), "run", None, "", differs))
        elif layer is not None:
            origin = "default" if layer.file is None else "file"
            out.append(Setting(key, value, notes, origin, layer.file, "", differs))
        elif differs:
            writers = [l.file for l in layers if value_at(l.raw, key) is not None]
            if writers:         # none: a default the schema fills in (e.g. a segment's groups)
                out.append(Setting(key, value, (), "file", writers[0], "", True))
    return out
