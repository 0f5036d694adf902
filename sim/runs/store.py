"""Result parts of a batch: the finished runs, stored by identity.

A part (``DIR/parts/<ids>-<sha256>.parquet``) holds the results of one or more runs:
their time series as rows (column ``run_id`` first), and in the file's
metadata, per run id, the summary measures and the channel events. Parts are
written by the workers themselves (or by the parent when workers share no file
system with it), under a temporary name and then renamed, so a part that
exists is whole; its name carries the checksum of its bytes, checked before
it is reused, so a part damaged later is discarded and its runs run again.

Parts know nothing of the batch they belong to: which runs a batch holds is
decided by matching run ids (:mod:`sim.runs.provenance`), so a changed scenario,
seed, engine or code never picks up an old result, and a part copied from
another batch is used only for the runs it really ran.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .files import TMP_MARK, plain_json, temporary_name

__all__ = ["PART_NAME", "RunResult", "drop_parts_without", "file_checksum", "part_is_intact", "part_table", "read_part_index", "read_series",
           "scan_parts", "table_from_bytes", "table_to_bytes", "write_part"]

META_KEY = b"breachsim.results"
PARTS = "parts"


@dataclass
class RunResult:
    """One finished run: its identity, summary measures, events and time series."""

    run_id: str
    summary: dict
    events: list
    timeseries: pd.DataFrame


def part_table(results: list[RunResult]) -> pa.Table:
    """The part of ``results``: time series rows, summaries and events in metadata."""
    frames = []
    for result in results:
        frame = result.timeseries.copy()
        frame.insert(0, "run_id", result.run_id)
        frames.append(frame)
    table = pa.Table.from_pandas(pd.concat(frames, ignore_index=True), preserve_index=False)
    meta = {r.run_id: {"summary": r.summary, "events": r.events, "rows": len(r.timeseries)}
            for r in results}
    text = json.dumps(plain_json(meta), allow_nan=False)
    return table.replace_schema_metadata({META_KEY: text.encode()})


#: A part's name: the digest of its run ids, then the SHA-256 of the file's bytes.
PART_NAME = re.compile(r"^(?P<ids>[0-9a-f]{24})-(?P<sha>[0-9a-f]{64})\.parquet$")


def _ids_digest(table: pa.Table) -> str:
    ids = sorted(json.loads(table.schema.metadata[META_KEY]))
    return hashlib.sha256("\n".join(ids).encode()).hexdigest()[:24]


def file_checksum(path: Path) -> str:
    """SHA-256 of a file's bytes (hex)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_part(out: Path, table: pa.Table) -> Path:
    """Write a part into ``out/parts`` atomically; returns its path.

    The file is named by its run ids and the checksum of its bytes, both
    written in one rename, so a part whose bytes changed later (a flipped bit,
    a partial copy) is recognised before it is reused.
    """
    folder = Path(out) / PARTS
    temporary = temporary_name(folder / "part.parquet")
    try:
        pq.write_table(table, temporary, compression="zstd")
        path = folder / f"{_ids_digest(table)}-{file_checksum(temporary)}.parquet"
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def part_is_intact(path: Path) -> bool:
    """Whether a part's bytes still match the checksum in its name."""
    match = PART_NAME.match(Path(path).name)
    try:
        return match is not None and file_checksum(path) == match.group("sha")
    except OSError:
        return False


def table_to_bytes(table: pa.Table) -> bytes:
    """A part as Arrow IPC bytes, for workers that return results instead of writing them."""
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def table_from_bytes(data: bytes) -> pa.Table:
    return pa.ipc.open_stream(data).read_all()


def read_part_index(path: Path) -> dict[str, dict] | None:
    """The runs a part holds (run id -> summary, events, rows), or None if the
    file is not a whole, readable part."""
    try:
        meta = pq.read_metadata(path)
        runs = json.loads(meta.metadata[META_KEY])
    except Exception:  # unreadable, truncated or foreign file: not a whole part
        return None
    if not isinstance(runs, dict) or not runs:
        return None
    try:
        rows = sum(int(entry["rows"]) for entry in runs.values())
    except (TypeError, KeyError, ValueError):
        return None
    return runs if rows == meta.num_rows else None


def scan_parts(out: Path) -> tuple[dict[str, Path], dict[str, dict], int]:
    """Every whole part in ``out/parts``: (run id -> part path, run id -> entry, removed).

    Parts that are unreadable, truncated, fail their checksum or carry none
    (written by an older breachsim) are removed, so their runs are run again
    (``removed`` counts them).
    """
    where: dict[str, Path] = {}
    entries: dict[str, dict] = {}
    removed = 0
    folder = Path(out) / PARTS
    if not folder.is_dir():
        return where, entries, 0
    for path in sorted(folder.glob("*.parquet")):
        if path.name.startswith("."):
            continue
        runs = read_part_index(path) if part_is_intact(path) else None
        if runs is None:
            path.unlink(missing_ok=True)
            removed += 1
            continue
        for run_id, entry in runs.items():
            where[run_id] = path
            entries[run_id] = entry
    return where, entries, removed


def drop_parts_without(out: Path, wanted: set[str]) -> int:
    """Remove the parts that hold none of the ``wanted`` run ids; returns how many."""
    removed = 0
    folder = Path(out) / PARTS
    for path in sorted(folder.glob("*.parquet")) if folder.is_dir() else []:
        if path.name.startswith(".") or TMP_MARK in path.name:
            continue
        runs = read_part_index(path)
        if runs is not None and not wanted.intersection(runs):
            path.unlink()
            removed += 1
    return removed


def read_series(paths: set[Path], wanted: set[str]) -> pd.DataFrame:
    """The time series rows of the ``wanted`` run ids, read from ``paths``."""
    tables = []
    for path in sorted(paths):
        table = pq.read_table(path).replace_schema_metadata(None)
        if not set(table.column("run_id").unique().to_pylist()) <= wanted:
            mask = pc.is_in(table.column("run_id"), value_set=pa.array(sorted(wanted)))
            table = table.filter(mask)
        tables.append(table)
    if not tables:
        return pd.DataFrame()
    return pa.concat_tables(tables, promote_options="default").to_pandas()
