"""The catalog of columns and measures is what the model computes and what the README says.

Every time-series column the engines return has one record, in order; every
summary measure of a run has one record and every record not derived by the
reports is in a run's summary; every place that shows measures reads them
from :data:`sim.config.catalog.USES`; the README's table of columns and its
list of summary keys name exactly the catalog's.
"""

import re
from pathlib import Path

import pytest

from sim import load_scenario, simulate
from sim.config import catalog
from sim.config.schema import COHORTS, SOURCES
from sim.model import measures

ROOT = Path(__file__).resolve().parent.parent
OPTUS = ROOT / "scenarios" / "optus_2022.toml"


@pytest.fixture(scope="module")
def summary() -> dict:
    scenario = load_scenario(ROOT / "scenarios" / "direct_first.toml",
                             {"population.size": 400, "scenario.hours": 48})
    return simulate(scenario, seed=2, engine="fast").summary


def test_every_column_has_one_record_in_order():
    assert [c.key for c in catalog.COLUMNS] == list(measures.COLUMNS)


def test_every_summary_measure_has_a_record_and_every_record_is_computed(summary):
    recorded = {m.key for m in catalog.MEASURES}
    computed = {m.key for m in catalog.MEASURES if not m.derived}
    segments = {k for k in summary if k.startswith("segment_")}
    assert set(summary) - recorded - segments == set()
    optional = {m.key for m in catalog.MEASURES if m.optional}
    assert computed - optional - set(summary) == set()
    # the optional ones come with a call centre and scam waves (and only then)
    full = simulate(load_scenario(OPTUS, {"population.size": 500, "scenario.hours": 24,
                                          "company.call_centre.agents": 100, "channels.scam.waves": [
                                              {"medium": "sms", "start_hour": 1, "per_hour": 1e6,
                                               "targets": ["current"]}]}), seed=1).summary
    assert computed - set(full) == set()
    assert not {"wait_peak_minutes", "calls_abandoned"} & set(
        simulate(load_scenario(OPTUS, {"population.size": 500, "scenario.hours": 24}), seed=1).summary)
    # a segment's measures (the bundled Optus scenario declares id_exposed) are the catalog's
    assert segments == {m.key for m in catalog.segment_measures("id_exposed")}
    assert all(catalog.measure(k).label for k in segments)


def test_records_are_well_formed():
    keys = [m.key for m in catalog.MEASURES]
    assert len(keys) == len(set(keys))
    for m in catalog.MEASURES:
        assert m.kind in catalog.KINDS and m.better in ("lower", "higher", ""), m
        assert not m.censored or m.kind == "hours", m
        assert m.label and "_" not in m.label, m
    for use, listed in catalog.USES.items():
        assert listed and len(listed) == len(set(listed)), use
        assert all(k in keys for k in listed), use
    for m in catalog.used_in("robustness"):
        assert m.better and m.sooner and m.topic, m          # the sentence needs its words
    assert all(m.brief for m in catalog.used_in("cli"))


def test_the_consumers_read_the_catalog():
    from sim.analysis import robustness, sensitivity
    from sim.config import targets
    from sim.reporting import build, findings, stats, sweeps
    from sim.reporting.dashboard import runs

    assert [m.key for m in stats.TABLE_MEASURES] == [k for k in catalog.USES["table"]
                                               if not catalog.measure(k).optional]
    assert tuple(sweeps.SWEEP_MEASURES) == catalog.USES["sweep"] and build.BODY_MEASURES == catalog.USES["body"]
    assert tuple(sensitivity.SENSITIVITY_MEASURES) == catalog.USES["sensitivity"]
    assert tuple(robustness.HEADLINES) == catalog.USES["robustness"]
    assert robustness.HEADLINES["final_company_trust_affected"].lower_is_better is False
    assert tuple(runs.HEADLINE) == catalog.USES["dashboard"]
    assert tuple(k for k, _ in findings.HEADLINE) == catalog.USES["cli"]
    assert targets.TARGETS is catalog.TARGETS


def _expand(token: str) -> set[str]:
    """A README name with ``<cohort>`` or ``<source>`` in it, as the names it stands for."""
    if "<cohort>" in token:
        return {token.replace("<cohort>", c) for c in COHORTS}
    if "<source>" in token:
        return {token.replace("<source>", s) for s in SOURCES}
    return {token}


def _section(text: str, start: str, end: str) -> str:
    return text[text.index(start):text.index(end, text.index(start))]


def test_the_readme_names_the_catalogs_columns_and_measures():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    outputs = _section(readme, "## Outputs", "## Validation")
    table = _section(outputs, "Time-series columns", "Summary keys")
    named = set().union(*(_expand(t) for t in re.findall(r"^\| (.+?) \|", table, re.M)
                          for t in re.findall(r"`([a-z_<>0-9]+)`", t)))
    assert named == {c.key for c in catalog.COLUMNS}
    keys = _section(outputs, "Summary keys", "`runs.parquet` column")
    listed = set().union(*(_expand(t) for t in re.findall(r"`([a-z_<>0-9]+)`", keys)))
    listed -= {c.key for c in catalog.COLUMNS}                  # columns the prose refers to
    assert listed == {m.key for m in catalog.MEASURES if not m.derived}


def _names_in_first_cells(table_text: str) -> set[str]:
    """The names in the first cell of each row of a Markdown table: ``<cohort>`` and
    ``<source>`` expanded, and a suffix such as `` `_72h` `` after a full name read as that
    name with its last part replaced (`` `unaware_affected_share_24h`, `_72h` ``)."""
    names: set[str] = set()
    for cell in re.findall(r"^\| (.+?) \|", table_text, re.M):
        previous = None
        for token in re.findall(r"`([a-z_<>0-9.]+)`", cell):
            if token.startswith("_") and previous:
                token = previous.rsplit("_", 1)[0] + token if not previous.endswith(token) else previous
            else:
                previous = token
            names |= _expand(token)
    return names


def test_model_md_tables_name_the_catalogs_columns_and_measures():
    text = (ROOT / "docs" / "MODEL.md").read_text(encoding="utf-8")
    section = _section(text, "### 7.9 Recording and summary", "## 8 Scenario keys")
    columns = _section(section, "| column | meaning |", "Summary (`summarise`")
    summary = _section(section, "| key | meaning |", "A run (`sim/model/simulate.py")
    per_segment = {f"segment_<name>_{suffix}" for suffix in catalog.SEGMENT_COLUMNS}
    assert _names_in_first_cells(columns) == {c.key for c in catalog.COLUMNS} | per_segment
    per_segment = {f"segment_<name>_{suffix}" for suffix in catalog.SEGMENT_MEASURES}
    assert _names_in_first_cells(summary) == {m.key for m in catalog.MEASURES if not m.derived} | per_segment


def test_model_md_key_table_names_only_schema_keys():
    from sim.config.schema import schema_keys

    text = (ROOT / "docs" / "MODEL.md").read_text(encoding="utf-8")
    table = _section(text, "| key | type / range | default | meaning |", "\n\n")
    keys = set(schema_keys())
    tables = {k.rsplit(".", 1)[0] for k in keys} | {k.split(".0.")[0] for k in keys if ".0." in k}
    named = set()
    item_of = {"campaign": "channels.direct.campaigns.0.", "pulse": "channels.media.releases.0."}
    for cell in re.findall(r"^\| (.+?) \|", table, re.M)[1:]:
        first = re.findall(r"`([a-z_<>0-9.]+)`", cell)
        word, previous = cell.split(" ", 1)[0], ""
        for token in first:
            if token.startswith(".") and previous:           # `a.b.c` / `.d`: a.b.d
                token = previous.rsplit(".", 1)[0] + token
            else:
                token = item_of.get(word, "") + token          # a field of a campaign or a pulse
                previous = token
            token = (token.replace("<cohort>", "gen_z").replace("<group>", "current")
                     .replace("channels.direct.media.<name>", "channels.direct.media.sms")
                     .replace("population.segments.<name>", "population.segments.id_exposed"))
            named.add(token)
    assert len(named) > 40
    assert sorted(n for n in named if n not in keys and n not in tables) == []
