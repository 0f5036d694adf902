"""Reading a finished batch folder, checked: what kind of folder it is, its manifest
and its tables. A damaged or foreign folder is answered with one
:class:`~sim.errors.ScenarioError` naming the file and what is wrong; everything
that reads a batch's results (reports, sensitivity, robustness, notebooks) reads
them through here.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from ..config.readers import MAX_TABLE_BYTES, check_regular_file, read_user_text
from ..errors import ScenarioError

__all__ = ["batch_folder", "read_manifest", "read_table", "FOLDERS", "OTHER_KINDS", "RUN_FILES"]

#: What a report is made from, in error lines.
FOLDERS = "a compare folder (of `compare`) or a batch folder (of `batch`)"
#: The files of a run folder (of `run`).
RUN_FILES = ("manifest.json", "summary.json", "timeseries.csv")
#: Other kinds of breachsim folder, named in error lines.
OTHER_KINDS = {"run": "a run folder (of `run`)", "report": "a report folder (of `report`)",
               "calibrate": "a calibration folder (of `calibrate`; its runs are in waves/wave1, ...)"}
#: Largest batch manifest read (bytes): about 300 bytes per run and design point.
MAX_MANIFEST_BYTES = MAX_TABLE_BYTES


def batch_folder(folder: str | Path) -> Path:
    """The batch folder of a compare folder (``DIR/batch``) or a batch folder itself.

    Raises ScenarioError naming what ``folder`` is when it is neither: missing,
    a file, a run folder (of ``run``), another breachsim folder, or a folder
    without a batch manifest.
    """
    if not isinstance(folder, (str, os.PathLike)):
        raise ScenarioError("folder", "", f"got {type(folder).__name__}; allowed: the path of {FOLDERS}")
    folder = Path(folder)
    try:
        info = os.stat(folder)
    except FileNotFoundError:
        raise ScenarioError(folder, "", f"no such folder; expected {FOLDERS}") from None
    except (OSError, ValueError) as err:
        raise ScenarioError(folder, "", f"cannot read the folder ({getattr(err, 'strerror', None) or err})") from None
    if not stat.S_ISDIR(info.st_mode):
        raise ScenarioError(folder, "", f"is a file, not a folder; expected {FOLDERS}")
    for place in (folder, folder / "batch"):
        if os.path.lexists(place / "manifest.json") and _kind_of(place) not in OTHER_KINDS:
            return place
    kind = _kind_of(folder)
    if kind in OTHER_KINDS:
        raise ScenarioError(folder, "", f"is {OTHER_KINDS[kind]}, not a compare or batch folder; "
                                        f"expected {FOLDERS}")
    raise ScenarioError(folder, "", f"not a batch or compare folder (no manifest.json, nor "
                                    f"batch/manifest.json); expected {FOLDERS}")


def _kind_of(folder: Path) -> str | None:
    """The kind of breachsim folder ``folder`` is: its marker, else a run folder by its files."""
    from .files import folder_kind

    kind = folder_kind(folder)
    if kind is None and all(os.path.lexists(folder / n) for n in RUN_FILES):
        return "run"
    return kind


def read_manifest(path: Path, runs: bool = False) -> dict:
    """A batch manifest as a dict, its parts that reports read checked; one
    ScenarioError line naming the file and key if it is not one. With ``runs``,
    its table of runs must be there too (to resume the batch or replay a run).

    Read like a user's file (:func:`sim.config.readers.read_user_text`: a regular
    file of at most :data:`MAX_MANIFEST_BYTES`, UTF-8).
    """
    path = Path(path)
    text = read_user_text(path, "", "a batch manifest (the manifest.json of a batch)", MAX_MANIFEST_BYTES)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ScenarioError(path, "", f"not a readable manifest (not JSON: {err.msg} at line {err.lineno}, "
                                      f"column {err.colno}); rerun the batch") from None
    except (ValueError, RecursionError):
        raise ScenarioError(path, "", "not a readable manifest (not JSON, or nested too deeply); "
                                      "rerun the batch") from None
    if not isinstance(data, dict):
        raise ScenarioError(path, "", f"a JSON {_json_kind(data)}, not a batch manifest (a JSON object "
                                      "with a batch table); rerun the batch")
    if "batch" not in data and {"run_id", "seed", "scenario"} <= set(data):
        raise ScenarioError(path, "batch", "missing: the manifest of one run (of `run`), not of a batch")
    for key, kind, item, allowed in MANIFEST_SHAPES:
        problem = _shape_problem(_at(data, key), kind, item, required=key == "batch")
        if problem:
            raise ScenarioError(path, key, f"{problem}; allowed: {allowed} (rerun the batch)")
    _check_resolved(path, data.get("scenarios") or [])
    if runs and not isinstance(data.get("runs"), dict):
        raise ScenarioError(path, "runs", "missing; not a breachsim batch manifest (rerun the batch)")
    return data


def _check_resolved(path: Path, entries: list[dict]) -> None:
    """The resolved scenarios a manifest holds have the layout of a scenario."""
    from ..config.schema import SCHEMA, Invalid, check

    for i, entry in enumerate(entries):
        data = entry.get("data")
        if data is None:
            continue
        try:
            check(data, SCHEMA, complete=True)
        except Invalid as err:
            where = f"scenarios.{i}.data" + (f".{err.key}" if err.key else "")
            raise ScenarioError(path, where, f"{err} (rerun the batch)") from None
        except RecursionError:
            raise ScenarioError(path, f"scenarios.{i}.data", "nested too deeply (rerun the batch)") from None


def _json_kind(value: Any) -> str:
    """The JSON word for a parsed value's type."""
    return {dict: "object", list: "list", str: "string", bool: "true/false", type(None): "null",
            int: "number", float: "number"}.get(type(value), type(value).__name__)


def _at(data: dict, key: str) -> Any:
    """The value at a dotted key, or :data:`_ABSENT` (also below a part that is not a table)."""
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return _ABSENT
        node = node[part]
    return node


def _shape_problem(value: Any, kind: type, item: type | None, required: bool) -> str:
    """What is wrong with a manifest part (empty text if nothing): absent though
    required, not of ``kind`` (null allowed for tables), or a list item not of ``item``."""
    if value is _ABSENT:
        return "missing" if required else ""
    if value is None and kind is dict and not required:
        return ""
    if not isinstance(value, kind):
        return f"got a {_json_kind(value)}"
    bad = next((x for x in value if not isinstance(x, item)), _ABSENT) if item else _ABSENT
    return "" if bad is _ABSENT else f"got a list holding a {_json_kind(bad)}"


_ABSENT = object()
#: The parts of a batch manifest that reports read: (dotted key, type, type of list
#: items, what is allowed). Only ``batch`` is required; a part that is there must
#: have its shape (a table may be null).
MANIFEST_SHAPES = (
    ("batch", dict, None, "a table describing the batch"),
    ("batch.scenarios", list, str, "a list of scenario file names"),
    ("batch.set", dict, None, "a table of overrides"),
    ("batch.draws", list, dict, "a list of parameter tables"),
    ("design", dict, None, "a table describing the design"),
    ("design.method", str, None, "the design's method name"),
    ("design.keys", list, str, "a list of scenario keys"),
    ("design.points", list, dict, "a list of tables, one per design point"),
    ("design.options", dict, None, "a table of the design's options"),
    ("scenarios", list, dict, "a list of tables, one per scenario"),
)


def read_table(path: Path, columns: Sequence[str] = ()) -> pd.DataFrame:
    """A Parquet table; one ScenarioError line if it is missing, not a regular file,
    damaged, or lacks ``columns``."""
    path = Path(path)
    if not os.path.lexists(path):
        raise ScenarioError(path, "", "no such file: the batch has not finished (rerun it with --resume)")
    check_regular_file(path, "", "a Parquet table written by a batch")
    try:
        table = pd.read_parquet(path)
    except Exception as err:  # noqa: BLE001 - any reader error means a damaged file
        raise ScenarioError(path, "", f"not a readable Parquet table ({type(err).__name__}); "
                                      "rerun the batch") from None
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ScenarioError(path, missing[0], "missing column; not a breachsim table (rerun the batch)")
    return table
