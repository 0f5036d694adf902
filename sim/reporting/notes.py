"""Assumptions and calibration sources, read from the comments of scenario files.

Scenario files and ``sim/defaults.toml`` comment their values
(``key = value  # comment``). Comments that say ASSUMPTION are assumptions;
comments that cite a source (e.g. "(ABS 2021 Census)", "Kwak et al. 2010")
are calibration sources. :func:`scenario_notes` collects the notes that apply
to a scenario, following ``extends`` and then the bundled defaults; a more
specific file's value or note on a key hides a less specific one.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..schema import NETWORK_KINDS

__all__ = ["DEFAULTS_FILE", "Note", "file_notes", "scenario_notes", "relevant_notes", "split_notes",
           "is_assumption", "is_source", "clean_comment", "defaults_notes"]

#: The bundled defaults every scenario is read on top of.
DEFAULTS_FILE = Path(__file__).resolve().parent.parent / "defaults.toml"


@dataclass(frozen=True)
class Note:
    """One commented setting of a scenario file."""

    key: str      # dotted key (a table, a key, or an array)
    value: str    # the value as written (shortened)
    text: str     # the comment
    file: str     # the file it is in


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
    depth, quote = 0, None
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
    return depth


def _short(text: str, n: int = 90) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


_CONTINUES = re.compile(r"^(\(|plus\b|and\b|or\b|but\b|with\b|then\b|which\b)")


def file_notes(path: str | Path) -> tuple[list[Note], dict[str, str], str | None]:
    """Commented settings of one TOML file, the values it sets, and what it ``extends``.

    Returns ``(notes, values, extends)``: ``values`` maps each dotted key the
    file sets (tables, keys, arrays) to its value text, for telling whether a
    later file changes it. Comment lines before the first table or key (the
    file's preamble) are not notes; a comment block directly above a key
    belongs to it; a trailing comment that continues the previous line's
    (starting with "(" or "plus", "and"..., or after a ";") joins it.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    notes: list[dict] = []
    values: dict[str, str] = {}
    table = ""
    pending: list[str] = []
    seen_code = False
    in_string: str | None = None
    array: dict | None = None     # open multi-line array: {"key", "depth", "parts"}
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
            array["parts"].append(stripped)
            array["depth"] += _bracket_depth(stripped)
            item = stripped.rstrip(",").strip()
            if (pending or comment) and item not in ("]", ""):
                for c in ([" ".join(pending)] if pending else []) + ([comment] if comment else []):
                    notes.append({"key": array["key"], "value": _short(item), "text": c})
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
            value = m.group(2)
            table_values.setdefault(table, []).append(f"{m.group(1)} = {_short(value, 30)}")
            depth = _bracket_depth(value)
            if depth > 0:
                array = {"key": key, "depth": depth, "parts": [value]}
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
        out.append(Note(n["key"], _short(value or "", 90), n["text"].strip(), str(path)))
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
