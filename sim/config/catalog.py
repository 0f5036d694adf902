"""The catalog of what a run records: every time-series column and summary measure.

One record per column (:class:`Column`) and per measure (:class:`Measure`):
its label and short label, its kind (which sets its unit and wording), which
way is better, whether it can be "never reached", and whether it is computed
by the reports from other measures. :data:`USES` says where each measure
appears, in the order it appears there (the report's table and body, sweep
charts, sensitivity, robustness, the dashboard, the command line's table).
The report, the dashboard, robustness, sensitivity, calibration targets and
the command line read their measures from here; a test holds the catalog to
what :mod:`sim.model.measures` computes and to the README's tables.

Adding a measure is the line that computes it (:func:`sim.model.measures.summarise`,
or :func:`sim.reporting.stats.derived_measures` for one derived from others)
and its record here, with its key in the :data:`USES` where it should appear.
"""

from __future__ import annotations

from dataclasses import dataclass

from .vocabulary import COHORT_WORDS, COHORTS, SOURCE_WORDS, SOURCES

__all__ = ["Measure", "Column", "TargetMeasure", "MEASURES", "COLUMNS", "TARGETS", "USES", "KINDS",
           "measure", "used_in", "column", "segment_measures", "segment_columns", "segment_of",
           "SEGMENT_MEASURES", "SEGMENT_COLUMNS"]

#: Kinds of measure: what the number is (its unit and how it is written).
KINDS = {
    "hours": "hours since the announcement",
    "share": "a share, 0-1",
    "people": "a number of people (agents scaled by people per agent)",
    "trust": "mean trust, 0 (none) to 1 (full)",
    "change": "a change of mean trust",
    "count": "a number of agents",
    "number": "a number",
}


@dataclass(frozen=True)
class Measure:
    """One summary measure of a run (or derived from them by the reports).

    ``kind``: one of :data:`KINDS`. ``censored``: hours where a missing value
    means "never reached" (counted as later than every run that got there).
    ``better``: ``"lower"``, ``"higher"`` or ``""`` (neither). ``short``: for
    chart titles; ``brief``: a column head of the command line's table;
    ``sooner``/``topic``: the robustness sentence's words ("reaches half of
    affected customers sooner", "the time to reach half ..."). ``derived``:
    computed by the reports from other measures, not in a run's summary;
    ``optional``: shown only when the runs carry it.
    """

    key: str
    label: str
    kind: str
    censored: bool = False
    better: str = ""
    short: str = ""
    brief: str = ""
    sooner: str = ""
    topic: str = ""
    derived: bool = False
    optional: bool = False


@dataclass(frozen=True)
class Column:
    """One time-series column: a count of agents (cumulative unless said), a mean,
    or the clock."""

    key: str
    label: str
    kind: str = "count"


@dataclass(frozen=True)
class TargetMeasure:
    """A measure calibration targets may name: ``numerator / denominator`` of the time
    series (the denominator a column, or the run's fixed ``agents`` / ``affected``, or
    ``one`` for a mean column taken as it is)."""

    key: str
    numerator: str
    denominator: str
    label: str


_FIRST_WORDS = {s: SOURCE_WORDS[s] for s in ("media", "twitter", "word_of_mouth")}

#: The measures the report's tables show, in the order of its full table.
_SHOWN: tuple[Measure, ...] = (
    Measure("hours_to_50pct_affected", "hours until 50% of affected customers know", "hours", True, "lower",
            short="Hours until half know", brief="50% know",
            sooner="reaches half of affected customers sooner",
            topic="the time to reach half of affected customers"),
    Measure("hours_to_90pct_affected", "hours until 90% of affected customers know", "hours", True, "lower",
            short="Hours until 90% know", brief="90% know",
            sooner="reaches 90% of affected customers sooner",
            topic="the time to reach 90% of affected customers"),
    Measure("unaware_affected_share_24h", "affected customers still unaware at 24 h", "share", better="lower",
            short="Affected unaware at 24 h"),
    Measure("unaware_affected_people_24h", "affected customers still unaware at 24 h (people)", "people",
            better="lower", short="Affected unaware at 24 h", brief="unaware at 24 h", derived=True),
    Measure("unaware_affected_share_72h", "affected customers still unaware at 72 h", "share", better="lower",
            short="Affected unaware at 72 h", brief="unaware at 72 h",
            sooner="leaves fewer affected customers unaware at 72 h",
            topic="affected customers unaware at 72 h"),
    Measure("unaware_affected_people_72h", "affected customers still unaware at 72 h (people)", "people",
            better="lower", derived=True),
    Measure("unaware_affected_share_end", "affected customers still unaware at the end of the run", "share",
            better="lower", short="Affected unaware at the end"),
    Measure("unaware_affected_people_end", "affected customers still unaware at the end (people)", "people",
            better="lower", derived=True),
    Measure("share_affected_first_from_company", "affected customers who first heard from the company",
            "share", better="higher", short="First told by the company", brief="first from company",
            sooner="tells more affected customers first",
            topic="affected customers told first by the company"),
    *(Measure(f"share_affected_first_from_{s}", f"affected customers who first heard from {words}", "share",
              optional=True) for s, words in _FIRST_WORDS.items()),
    Measure("share_affected_contacted", "affected customers who read a company message", "share",
            better="higher"),
    Measure("initial_company_trust_affected", "company trust of affected customers at the start (0-1)",
            "trust"),
    Measure("final_company_trust_affected", "company trust of affected customers at the end (0-1)",
            "trust", better="higher", short="Trust in the company at the end", brief="trust at end",
            sooner="ends with higher company trust", topic="final company trust"),
    Measure("company_trust_change_affected", "change in company trust of affected customers", "change",
            better="higher", derived=True),
    Measure("final_company_trust_public", "company trust of people not affected at the end (0-1)", "trust",
            better="higher", short="Public trust in the company at the end"),
    Measure("customers_lost", "current customers expected to leave (people)", "people", better="lower",
            short="Customers lost", brief="customers lost", sooner="loses fewer customers",
            topic="customers lost"),
    Measure("calls_peak_per_hour", "calls to the company in the busiest hour (calls per hour)", "people",
            better="lower", short="Calls in the busiest hour", brief="peak calls/h",
            sooner="brings fewer calls in the busiest hour", topic="calls in the busiest hour"),
    Measure("calls_total", "calls to the company over the run (calls)", "people", better="lower"),
    Measure("wait_peak_minutes", "mean wait for the call centre in its busiest hour (minutes)", "number",
            better="lower", short="Call wait in the busiest hour (min)", optional=True),
    Measure("calls_abandoned", "calls abandoned before an answer (calls)", "people", better="lower",
            optional=True),
    Measure("protective_action_people", "affected customers who act to protect themselves (people)", "people",
            better="higher"),
    Measure("scam_messages_read", "impostor messages read (messages)", "people", better="lower", optional=True),
    Measure("people_harmed", "people harmed by an impostor message (people)", "people", better="lower",
            optional=True),
    Measure("genuine_messages_disbelieved", "company messages disbelieved after an impostor's (messages)",
            "people", better="lower", optional=True),
    Measure("final_aware_share", "everyone who knows at the end (share of the population)", "share",
            short="Everyone who knows at the end"),
    Measure("final_aware_people", "everyone who knows at the end (people)", "people"),
    Measure("final_believing_share", "everyone who believes it at the end (share of the population)",
            "share"),
    Measure("messages_sent", "company messages sent (every medium)", "people"),
    Measure("messages_read", "company messages read", "people"),
    Measure("affected_people", "affected customers (people)", "people", derived=True),
)
#: Measures recorded with every run, not shown in the report's tables.
_RECORDED: tuple[Measure, ...] = (
    Measure("knew_before_notice_share", "affected customers who read a company message and already knew",
            "share"),
    Measure("final_aware_affected_people", "affected customers who know at the end (people)", "people"),
    Measure("initial_company_trust_public", "company trust of people not affected at the start (0-1)", "trust"),
    Measure("customers_lost_share", "current customers expected to leave (share of current customers)", "share"),
    Measure("agents", "agents simulated", "number"),
    Measure("affected_agents", "affected customers simulated (agents)", "number"),
    Measure("people_per_agent", "people each agent stands for", "number"),
    *(Measure(f"cohort_size_{c}", f"agents of {COHORT_WORDS[c]}", "number") for c in COHORTS),
    *(Measure(f"affected_size_{c}", f"affected customers of {COHORT_WORDS[c]} (agents)", "number")
      for c in COHORTS),
)

#: Every summary measure: those shown, in the order of the report's full table, then the others.
MEASURES: tuple[Measure, ...] = (*_SHOWN, *_RECORDED)

#: Where each measure appears, in the order it appears there.
USES: dict[str, tuple[str, ...]] = {
    # the report's full table (and the summary tables): every shown measure
    "table": tuple(m.key for m in _SHOWN),
    # the table in the report's body
    "body": ("hours_to_50pct_affected", "hours_to_90pct_affected", "unaware_affected_people_24h",
             "unaware_affected_share_24h", "unaware_affected_people_72h", "share_affected_first_from_company",
             "final_company_trust_affected", "customers_lost", "calls_peak_per_hour"),
    # the response charts of a sweep
    "sweep": ("hours_to_50pct_affected", "hours_to_90pct_affected", "unaware_affected_people_24h",
              "share_affected_first_from_company", "final_company_trust_affected"),
    # the measures sensitivity indices are computed for
    "sensitivity": ("hours_to_50pct_affected", "hours_to_90pct_affected", "share_affected_first_from_company",
                    "unaware_affected_share_24h", "unaware_affected_share_72h", "unaware_affected_share_end",
                    "final_company_trust_affected", "final_aware_share", "customers_lost", "calls_peak_per_hour"),
    # the measures robustness compares a lesson with the baseline on
    "robustness": ("hours_to_50pct_affected", "hours_to_90pct_affected", "unaware_affected_share_72h",
                   "share_affected_first_from_company", "final_company_trust_affected", "customers_lost",
                   "calls_peak_per_hour"),
    # the dashboard's headline figures
    "dashboard": ("hours_to_50pct_affected", "hours_to_90pct_affected", "share_affected_first_from_company",
                  "unaware_affected_share_24h", "unaware_affected_share_72h", "final_company_trust_affected",
                  "customers_lost", "calls_peak_per_hour"),
    # the columns of the command line's table of a comparison
    "cli": ("unaware_affected_people_24h", "hours_to_50pct_affected", "hours_to_90pct_affected",
            "unaware_affected_share_72h", "share_affected_first_from_company", "final_company_trust_affected"),
}

_BY_KEY = {m.key: m for m in MEASURES}

#: What every segment of a scenario records in the summary: key suffix -> (label with
#: ``{}`` for the segment's words, kind, censored, better, short label).
SEGMENT_MEASURES: dict[str, tuple[str, str, bool, str, str]] = {
    "size": ("agents in {}", "number", False, "", ""),
    "hours_to_90pct": ("hours until 90% of {} know", "hours", True, "lower",
                       "Hours until 90% of {} know"),
    "unaware_share_24h": ("{} still unaware at 24 h", "share", False, "lower", "{} unaware at 24 h"),
    "unaware_share_72h": ("{} still unaware at 72 h", "share", False, "lower", "{} unaware at 72 h"),
    "share_first_from_company": ("{} who first heard from the company", "share", False, "higher",
                                 "{} first told by the company"),
    "share_contacted": ("{} who read a company message", "share", False, "higher", ""),
    "final_company_trust": ("company trust of {} at the end (0-1)", "trust", False, "higher",
                            "Trust of {} at the end"),
}
#: What every segment records per row: column suffix -> (label with ``{}``, kind);
#: the suffixes are :data:`sim.model.segments.SEGMENT_COLUMNS`.
SEGMENT_COLUMNS: dict[str, tuple[str, str]] = {
    "aware": ("{} who have heard", "count"),
    "first_from_company": ("{} who heard first from the company", "count"),
    "contacted": ("{} who have read a company message", "count"),
    "mean_company_trust": ("mean company trust of {}", "mean"),
}


def _segment_words(name: str, words: str | None) -> str:
    """A segment in words: its declared label, else "segment" and its name."""
    return words or "segment " + name.replace("_", " ")


def segment_measures(name: str, words: str | None = None) -> tuple[Measure, ...]:
    """The summary measures of segment ``name`` (``words``: its label, default its name)."""
    w = _segment_words(name, words)
    return tuple(Measure(f"segment_{name}_{suffix}", label.format(w), kind, censored, better,
                         short=short.format(w) if short else "", optional=True)
                 for suffix, (label, kind, censored, better, short) in SEGMENT_MEASURES.items())


def segment_columns(name: str, words: str | None = None) -> tuple[Column, ...]:
    """The time-series columns of segment ``name``."""
    w = _segment_words(name, words)
    return tuple(Column(f"segment_{name}_{suffix}", label.format(w), kind)
                 for suffix, (label, kind) in SEGMENT_COLUMNS.items())


def _segment_key(key: str, suffixes) -> tuple[str, str] | None:
    """(segment name, suffix) of a segment's key, or None."""
    if not key.startswith("segment_"):
        return None
    for suffix in suffixes:
        if key.endswith("_" + suffix) and len(key) > len("segment_") + len(suffix) + 1:
            return key[len("segment_"):-len(suffix) - 1], suffix
    return None


def segment_of(key: str) -> str | None:
    """The segment whose summary measure ``key`` is (``segment_NAME_...``), or None."""
    found = _segment_key(key, SEGMENT_MEASURES)
    return found[0] if found else None


def _segment_record(key: str, suffixes, records):
    """The record of a segment's measure or column ``key`` (``records(name)`` makes a
    segment's records), or KeyError."""
    found = _segment_key(key, suffixes)
    if found is None:
        raise KeyError(key)
    return next(r for r in records(found[0]) if r.key == key)


def measure(key: str) -> Measure:
    """The record of measure ``key`` (KeyError if the catalog has none); a segment's
    measure (``segment_NAME_...``) is named by the segment's name."""
    if key in _BY_KEY:
        return _BY_KEY[key]
    return _segment_record(key, SEGMENT_MEASURES, segment_measures)


def used_in(use: str) -> tuple[Measure, ...]:
    """The measures of one of :data:`USES`, in its order."""
    return tuple(_BY_KEY[k] for k in USES[use])


#: Every time-series column, in the order of the table (:data:`sim.model.measures.COLUMNS`).
COLUMNS: tuple[Column, ...] = (
    Column("step", "row number (0 = the start)", "number"),
    Column("time", "local time (ISO 8601)", "time"),
    Column("hours", "hours since the start", "hours"),
    Column("aware", "agents who have heard"),
    Column("believing", "agents who believe it"),
    Column("spreading", "agents passing it on (now, not cumulative)"),
    Column("aware_affected", "affected customers who have heard"),
    Column("believing_affected", "affected customers who believe it"),
    *(Column(f"first_{s}", f"agents who heard first from {SOURCE_WORDS[s]}") for s in SOURCES),
    *(Column(f"first_{s}_affected", f"affected customers who heard first from {SOURCE_WORDS[s]}")
      for s in SOURCES),
    *(Column(f"aware_{c}", f"{COHORT_WORDS[c]} who have heard") for c in COHORTS),
    Column("direct_sent", "company messages sent"),
    Column("direct_delivered", "company messages delivered"),
    Column("direct_read", "company messages read"),
    Column("contacted", "people who have read at least one company message"),
    Column("knew_before_notice", "affected customers who had heard before they first read a company message"),
    *(Column(f"aware_affected_{c}", f"affected customers of {COHORT_WORDS[c]} who have heard")
      for c in COHORTS),
    Column("scam_sent", "impostor messages sent"),
    Column("scam_delivered", "impostor messages delivered"),
    Column("scam_read", "impostor messages read"),
    Column("scam_readers", "people who have read at least one impostor message"),
    Column("harmed", "people harmed by an impostor message"),
    Column("genuine_doubted", "company messages disbelieved by someone an impostor message by its medium "
                              "had left in doubt"),
    Column("mean_source_trust", "mean trust of aware people in the source they first heard from", "mean"),
    Column("mean_company_trust_affected", "mean company trust of affected customers", "mean"),
    Column("mean_company_trust_public", "mean company trust of people not affected", "mean"),
    Column("expected_customers_lost", "current customers expected to leave (agents, a sum of chances)", "mean"),
)

#: The consequence columns (:mod:`sim.model.consequences`), after the segments' columns.
CONSEQUENCE_COLUMNS: tuple[Column, ...] = (
    Column("calls_per_hour", "calls to the company per hour during the step (people)", "mean"),
    Column("wait_minutes", "mean wait for the call centre during the step (minutes; empty without one)", "mean"),
    Column("abandoned_per_hour", "calls abandoned per hour during the step (people)", "mean"),
    Column("protective_people", "affected customers who act to protect themselves (people)", "mean"),
    Column("customers_lost_people", "current customers expected to leave (people)", "mean"),
)

_COLUMNS = {c.key: c for c in (*COLUMNS, *CONSEQUENCE_COLUMNS)}


def column(key: str) -> Column:
    """The record of time-series column ``key`` (KeyError if the catalog has none); a
    segment's column (``segment_NAME_...``) is named by the segment's name."""
    if key in _COLUMNS:
        return _COLUMNS[key]
    return _segment_record(key, SEGMENT_COLUMNS, segment_columns)


#: Measures a calibration target may name (a target file's ``measure`` column).
TARGETS: dict[str, TargetMeasure] = {t.key: t for t in (
    TargetMeasure("aware", "aware", "agents", "share of all people aware"),
    TargetMeasure("aware_affected", "aware_affected", "affected", "share of affected customers aware"),
    TargetMeasure("first_media", "first_media", "aware", "share of aware people who heard first from news media"),
    TargetMeasure("first_twitter", "first_twitter", "aware", "share of aware people who heard first on Twitter"),
    TargetMeasure("first_direct", "first_direct", "aware", "share of aware people who heard first from the company"),
    TargetMeasure("first_word_of_mouth", "first_word_of_mouth", "aware",
           "share of aware people who heard first by word of mouth"),
    TargetMeasure("knew_before_notice", "knew_before_notice", "contacted",
           "share of affected customers who read a company message and already knew before they read it"),
    TargetMeasure("company_trust_affected", "mean_company_trust_affected", "one",
                  "mean company trust of affected customers (0-1)"),
    TargetMeasure("company_trust_public", "mean_company_trust_public", "one",
                  "mean company trust of people not affected (0-1)"),
    TargetMeasure("customers_lost", "expected_customers_lost", "affected",
                  "current customers expected to leave, as a share of affected customers"),
    TargetMeasure("harmed", "harmed", "affected", "share of affected customers harmed by an impostor message"),
)}
