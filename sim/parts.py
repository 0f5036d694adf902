"""Result parts of a batch: the finished runs, stored by identity.

A part (``DIR/parts/<name>.parquet``) holds the results of one or more runs:
their time series as rows (column ``run_id`` first), and in the file's
metadata, per run id, the summary measures and the channel events. Parts are
written by the workers themselves (or by the parent when workers share no file
system with it), under a temporary name and then renamed, so a part that
exists is whole.

Parts know nothing of the batch they belong to: which runs a batch holds is
decided by matching run ids (:mod:`sim.provenance`), so a changed scenario,
seed, engine or code never picks up an old result, and a part copied from
another batch is used only for the runs it really ran.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .files import TMP_MARK, plain_json, write_atomically

__all__ = ["RunResult", "drop_parts_without", "part_table", "read_part_index", "read_series",
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


def _part_name(table: pa.Table) -> str:
    ids = sorted(json.loads(table.schema.metadata[META_KEY]))
    return hashlib.sha256("\n".join(ids).encode()).hexdigest()[:24] + ".parquet"


def write_part(out: Path, table: pa.Table) -> Path:
    """Write a part into ``out/parts`` atomically; returns its path."""
    path = Path(out) / PARTS / _part_name(table)
    write_atomically(path, lambda p: pq.write_table(table, p, compression="zstd"))
    return path


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

    Unreadable or truncated parts and stale temporary files are removed
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
        runs = read_part_index(path)
        if runs is None:
            path.unlink()
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
