"""What a run records: the time-series columns and the summary measures.

Counts are in agents; multiply by ``people_per_agent`` (in the summary) for
people. Rows are steps: row 0 is the state at the start (seeds only), row k
the state at the end of the k-th step, ``hours`` = k x step length.
The table itself (:func:`table`) is built from one 2-D block per dtype.
"""

from __future__ import annotations

import datetime as dt
import functools
import math

import numpy as np
import pandas as pd

from ..config.schema import COHORTS, SOURCES
from .segments import segment_column

try:  # pandas >= 3: a frame from ready-made blocks (its documented constructor for that)
    from pandas._config import using_string_dtype
    from pandas.api.internals import create_dataframe_from_blocks
except ImportError:  # older pandas: the table is built column by column (pd.DataFrame)
    create_dataframe_from_blocks = None

#: Cumulative counters kept by the engines (agents), in column order.
COUNTS = (
    ["aware", "believing", "aware_affected", "believing_affected"]
    + [f"first_{s}" for s in SOURCES]
    + [f"first_{s}_affected" for s in SOURCES]
    + [f"aware_{c}" for c in COHORTS]
    + ["direct_sent", "direct_delivered", "direct_read", "contacted", "knew_before_notice"]
    + [f"aware_affected_{c}" for c in COHORTS]
    + ["scam_sent", "scam_delivered", "scam_read", "scam_readers", "harmed", "genuine_doubted"]
)
#: Running sums behind the mean columns (the last: current customers' chances of
#: leaving, summed, :meth:`sim.model.rules.Rules.churn_chance`).
SUMS = ("sum_source_trust", "sum_company_trust_affected", "sum_company_trust_public", "sum_churn")
#: The columns an engine returns (:meth:`sim.model.engine.Engine.run`), in order.
RAW_COLUMNS = (["aware", "believing", "spreading"] + COUNTS[2:]
               + ["mean_source_trust", "mean_company_trust_affected", "mean_company_trust_public",
                  "expected_customers_lost"])
#: Every time-series column, in order.
COLUMNS = ["step", "time", "hours"] + RAW_COLUMNS


def empty_tally() -> dict[str, float]:
    """All counters and sums at zero."""
    return {name: 0 for name in (*COUNTS, *SUMS)}


def row_from_tally(tally: dict, spreading: int, affected: int, public: int) -> dict:
    """One time-series row (without step/time/hours) from the engine's counters
    (``affected`` and ``public``: agents affected and not affected)."""
    row = {name: tally[name] for name in COUNTS}
    row["spreading"] = spreading
    row["mean_source_trust"] = tally["sum_source_trust"] / tally["aware"] if tally["aware"] else math.nan
    row["mean_company_trust_affected"] = (tally["sum_company_trust_affected"] / affected
                                          if affected else math.nan)
    row["mean_company_trust_public"] = tally["sum_company_trust_public"] / public if public else math.nan
    row["expected_customers_lost"] = tally["sum_churn"]
    return row


def columns_from_arrays(counts: np.ndarray, spreading: np.ndarray, sums: np.ndarray,
                        affected: int, public: int) -> dict[str, np.ndarray]:
    """The engine columns (:data:`RAW_COLUMNS`) from arrays, one entry per row.

    ``counts`` has one column per :data:`COUNTS` name, ``spreading`` one
    value per row, ``sums`` the running sums of :data:`SUMS`; ``affected``
    and ``public`` are the agents affected and not affected.
    """
    columns = {name: counts[:, i] for i, name in enumerate(COUNTS)}
    columns["spreading"] = spreading
    aware = counts[:, COUNTS.index("aware")]
    with np.errstate(invalid="ignore", divide="ignore"):
        columns["mean_source_trust"] = np.where(aware > 0, sums[:, 0] / np.maximum(aware, 1), np.nan)
    columns["mean_company_trust_affected"] = (sums[:, 1] / affected if affected
                                              else np.full(len(counts), np.nan))
    columns["mean_company_trust_public"] = sums[:, 2] / public if public else np.full(len(counts), np.nan)
    columns["expected_customers_lost"] = sums[:, 3].copy()
    return {name: columns[name] for name in RAW_COLUMNS}


def columns_of(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The engine columns of a DataFrame (e.g. Mesa's DataCollector's) as arrays."""
    return {name: frame[name].to_numpy() for name in RAW_COLUMNS}


@functools.lru_cache(maxsize=32)
def _clock(start: str, step_hours: float, rows: int, text: bool) -> tuple[np.ndarray, object]:
    """Hours since the start and ISO local times of ``rows`` rows (computed once per layout);
    with ``text``, the times as the pandas text array pd.DataFrame would make of them
    (its ``str`` dtype), else as an array of Python strings."""
    begin = dt.datetime.fromisoformat(start)
    hours = np.arange(rows) * step_hours
    times = np.array([(begin + dt.timedelta(hours=h)).isoformat() for h in hours.tolist()], dtype=object)
    hours.flags.writeable = False
    if text:
        return hours, pd.Series(times, copy=False).array
    times.flags.writeable = False
    return hours, times


def add_clock(columns: dict[str, np.ndarray], start: dt.datetime,
              step_hours: float) -> dict[str, np.ndarray]:
    """The engine's columns with ``step``, ``time`` and ``hours`` in front (:data:`COLUMNS`),
    then the segments' columns (:mod:`sim.model.segments`), if any.

    ``time`` is the ISO local time of each row (a pandas text array under pandas >= 3);
    ``hours`` since the start."""
    rows = len(columns["aware"])
    text = create_dataframe_from_blocks is not None and using_string_dtype()
    hours, times = _clock(start.isoformat(), float(step_hours), rows, text)
    extra = {name: values for name, values in columns.items() if name not in RAW_COLUMNS}
    return {"step": np.arange(rows), "time": times.copy(), "hours": hours.copy(),
            **{name: columns[name] for name in RAW_COLUMNS}, **extra}


@functools.lru_cache(maxsize=32)
def _header(names: tuple, text: bool) -> pd.Index | None:
    """The column labels pd.DataFrame gives a dict with these keys, made once per layout and
    kind of text (``text``: pandas' ``str`` dtype); ``None`` unless every key is text."""
    return pd.Index(list(names)) if all(isinstance(n, str) for n in names) else None


def table(columns: dict) -> pd.DataFrame:
    """The time-series table of ``columns`` (name -> one value per row, in order): the frame
    ``pd.DataFrame(columns)`` makes (same names, order, dtypes, values and block layout),
    built from one 2-D block per dtype rather than column by column.

    Numeric numpy columns of one dtype are stacked into one block (in column order),
    each pandas array (the ``time`` text) is its own block; anything else, or
    pandas before 3, goes through ``pd.DataFrame``. The frame shares no memory with
    ``columns``.
    """
    if create_dataframe_from_blocks is None or not columns:
        return pd.DataFrame(columns)
    rows = len(columns["step"]) if "step" in columns else len(next(iter(columns.values())))
    groups: dict[object, list] = {}  # dtype (a pandas dtype: by identity) -> (column, values)
    for at, values in enumerate(columns.values()):
        if isinstance(values, np.ndarray) and values.ndim == 1 and values.dtype.kind in "biuf":
            key = values.dtype
        elif isinstance(values, pd.api.extensions.ExtensionArray):
            key = id(values.dtype)
        else:
            return pd.DataFrame(columns)
        if len(values) != rows:
            return pd.DataFrame(columns)  # its own message
        groups.setdefault(key, []).append((at, values))
    blocks = []
    for members in groups.values():  # in order of first appearance, as pandas forms them
        if isinstance(members[0][1], np.ndarray):
            blocks.append((np.array([values for _, values in members]),
                           np.array([at for at, _ in members], dtype=np.intp)))
        else:
            blocks += [(values.copy(), np.array([at], dtype=np.intp)) for at, values in members]
    header = _header(tuple(columns), using_string_dtype())
    if header is None:
        return pd.DataFrame(columns)
    return create_dataframe_from_blocks(blocks, index=pd.RangeIndex(rows), columns=header.copy())


def _hours_to_share(hours: np.ndarray, aware: np.ndarray, affected: int, share: float) -> float | None:
    reached = np.flatnonzero(aware >= share * affected)
    return float(hours[reached[0]]) if affected and len(reached) else None


def _unaware_share_at(hours: np.ndarray, aware: np.ndarray, affected: int, at: float) -> float | None:
    if not affected or hours[-1] < at - 1e-9:
        return None
    return 1.0 - float(aware[np.searchsorted(hours, at + 1e-9, side="right") - 1]) / affected


def _defined(value) -> float | None:
    """A mean as a float, ``None`` where it is undefined (NaN: no one to average)."""
    value = float(value)
    return None if math.isnan(value) else value


def segment_summary(frame, name: str, size: int) -> dict:
    """The summary measures of segment ``name`` of ``size`` agents (shares of its members,
    hours; ``None`` where not defined): see :func:`sim.config.catalog.segment_measures`."""
    hours = np.asarray(frame["hours"])
    column = lambda what: np.asarray(frame[segment_column(name, what)])  # noqa: E731
    aware = column("aware")
    share = (lambda x: float(x) / size) if size else (lambda x: None)
    trust = column("mean_company_trust")
    return {
        f"segment_{name}_size": int(size),
        f"segment_{name}_hours_to_90pct": _hours_to_share(hours, aware, size, 0.9),
        f"segment_{name}_unaware_share_24h": _unaware_share_at(hours, aware, size, 24.0),
        f"segment_{name}_unaware_share_72h": _unaware_share_at(hours, aware, size, 72.0),
        f"segment_{name}_share_first_from_company": share(column("first_from_company")[-1]),
        f"segment_{name}_share_contacted": share(column("contacted")[-1]),
        f"segment_{name}_final_company_trust": float(trust[-1]) if size else None,
    }


def consequence_summary(frame, current: int, people_per_agent: float, step_hours: float,
                        queue: bool, scams: bool) -> dict:
    """The consequence measures (people, calls per hour, minutes; :mod:`sim.model.consequences`)
    of a run's time series; ``current``: agents who are current customers. The
    call centre's measures come only with a call centre (``queue``), the scam
    measures (people) only with scam waves (``scams``)."""
    last = lambda name: float(np.asarray(frame[name])[-1])  # noqa: E731
    calls = np.asarray(frame["calls_per_hour"], dtype=float)
    lost = last("customers_lost_people")
    out = {
        "customers_lost": lost,
        "customers_lost_share": lost / (current * people_per_agent) if current else None,
        "calls_total": float(calls.sum() * step_hours),
        "calls_peak_per_hour": float(calls.max()),
        "protective_action_people": last("protective_people"),
    }
    if queue:
        out["wait_peak_minutes"] = float(np.max(np.asarray(frame["wait_minutes"], dtype=float)))
        out["calls_abandoned"] = float(np.asarray(frame["abandoned_per_hour"], dtype=float).sum() * step_hours)
    if scams:
        out["scam_messages_read"] = last("scam_read") * people_per_agent
        out["people_harmed"] = last("harmed") * people_per_agent
        out["genuine_messages_disbelieved"] = last("genuine_doubted") * people_per_agent
    return out


def summarise(frame, agents: int, affected: int, people_per_agent: float,
              cohort_sizes: dict[str, int] | None = None,
              affected_sizes: dict[str, int] | None = None,
              segment_sizes: dict[str, int] | None = None,
              consequences: dict | None = None) -> dict:
    """The per-run summary measures (shares of affected customers, hours).

    ``frame`` holds the time-series columns (a DataFrame or a dict of arrays);
    ``segment_sizes`` the agents of each segment (its measures follow the others);
    ``consequences`` the measures of :func:`consequence_summary` (placed after
    the trust measures).

    Hours are since the scenario start; ``None`` where a level is never
    reached or the run is shorter than the horizon asked.
    """
    hours, aware = np.asarray(frame["hours"]), np.asarray(frame["aware_affected"])
    last = {name: np.asarray(frame[name])[-1] for name in COUNTS}
    trust = np.asarray(frame["mean_company_trust_affected"])
    share = (lambda x: float(x) / affected) if affected else (lambda x: None)
    return {
        "agents": int(agents),
        "affected_agents": int(affected),
        "people_per_agent": float(people_per_agent),
        "hours_to_50pct_affected": _hours_to_share(hours, aware, affected, 0.5),
        "hours_to_90pct_affected": _hours_to_share(hours, aware, affected, 0.9),
        "share_affected_first_from_company": share(last["first_direct_affected"]),
        "share_affected_first_from_media": share(last["first_media_affected"]),
        "share_affected_first_from_twitter": share(last["first_twitter_affected"]),
        "share_affected_first_from_word_of_mouth": share(last["first_word_of_mouth_affected"]),
        "share_affected_contacted": share(last["contacted"]),
        "knew_before_notice_share": (float(last["knew_before_notice"]) / float(last["contacted"])
                                     if last["contacted"] else None),
        "unaware_affected_share_24h": _unaware_share_at(hours, aware, affected, 24.0),
        "unaware_affected_share_72h": _unaware_share_at(hours, aware, affected, 72.0),
        "unaware_affected_share_end": share(affected - last["aware_affected"]),
        "initial_company_trust_affected": float(trust[0]) if affected else None,
        "final_company_trust_affected": float(trust[-1]) if affected else None,
        "initial_company_trust_public": _defined(frame["mean_company_trust_public"][0]),
        "final_company_trust_public": _defined(np.asarray(frame["mean_company_trust_public"])[-1]),
        **(consequences or {}),
        "final_aware_share": float(last["aware"]) / agents,
        "final_believing_share": float(last["believing"]) / agents,
        "final_aware_people": float(last["aware"]) * people_per_agent,
        "final_aware_affected_people": float(last["aware_affected"]) * people_per_agent,
        "messages_sent": float(last["direct_sent"]) * people_per_agent,
        "messages_read": float(last["direct_read"]) * people_per_agent,
        **{f"cohort_size_{c}": int(n) for c, n in (cohort_sizes or {}).items()},
        **{f"affected_size_{c}": int(n) for c, n in (affected_sizes or {}).items()},
        **{key: value for name, size in (segment_sizes or {}).items()
           for key, value in segment_summary(frame, name, size).items()},
    }
