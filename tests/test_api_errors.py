"""The Python API answers bad arguments with one ScenarioError naming the argument.

The list :data:`CASES` is the corpus of hostile calls (issue 15, section 5):
wrong types where a path, table, number or mapping is expected, missing
files and folders, tables of the wrong shape, NaN and inf in what is charted,
absurd counts, unknown names, out paths that are files. Each must raise
:class:`sim.ScenarioError` whose line names the argument, nothing else, and
write no file. Good inputs still work (a small run at 300 people).
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import sim
from helpers import OPTUS
from sim import ScenarioError
from sim.reporting import charts, load_report_config, load_results, results_from_frames, write_report
from sim.reporting import build_report, checks, stats
from sim.config.scenario import scenario_from_data

SMALL = {"population.size": 300}
SOCIAL = "word_of_mouth.social"


@dataclass(frozen=True)
class Case:
    """One hostile call: ``call(w)`` must raise a ScenarioError whose line holds ``names``
    (formatted with the fixtures ``w``, so a path can be named)."""

    name: str
    names: str
    call: Callable[[Any], Any]


# --------------------------------------------------------------------------- table changes

def _set(frame: pd.DataFrame, column: str, value) -> pd.DataFrame:
    """A copy of ``frame`` with ``column`` set to ``value`` in every row."""
    out = frame.copy()
    out[column] = value
    return out


def _first(frame: pd.DataFrame, column: str, value) -> pd.DataFrame:
    """A copy of ``frame`` with ``column`` set to ``value`` in the first row only."""
    out = frame.copy()
    out[column] = out[column].astype(object if value is None or isinstance(value, str) else float)
    out.loc[out.index[0], column] = value
    return out


def _drop(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame.drop(columns=[column])


def _aw(w, runs=None, ts=None, scenarios=None, **kw):
    """The awareness chart of the fixtures' tables, some replaced."""
    return charts.awareness_chart(w.runs if runs is None else runs, w.ts if ts is None else ts,
                                  w.infos if scenarios is None else scenarios, **kw)


# --------------------------------------------------------------------------- the corpus

def _scenario_cases() -> list[Case]:
    return [
        Case("load_scenario path None", "path", lambda w: sim.load_scenario(None)),
        Case("load_scenario path int", "path", lambda w: sim.load_scenario(5)),
        Case("load_scenario path list", "path", lambda w: sim.load_scenario([])),
        Case("load_scenario path bytes", "path", lambda w: sim.load_scenario(b"optus.toml")),
        Case("load_scenario missing file", "{w.missing}", lambda w: sim.load_scenario(w.missing)),
        Case("load_scenario folder", "{w.empty}", lambda w: sim.load_scenario(w.empty)),
        Case("load_scenario not TOML", "{w.text}", lambda w: sim.load_scenario(w.text)),
        Case("load_scenario overrides list", "override",
             lambda w: sim.load_scenario(OPTUS, [("population.size", 5)])),
        Case("load_scenario overrides str", "override",
             lambda w: sim.load_scenario(OPTUS, "population.size=5")),
        Case("load_scenario unknown key", "population.nope",
             lambda w: sim.load_scenario(OPTUS, {"population.nope": 1})),
        Case("load_scenario int key", "override", lambda w: sim.load_scenario(OPTUS, {1: 2})),
        Case("load_scenario size -1", "population.size",
             lambda w: sim.load_scenario(OPTUS, {"population.size": -1})),
        Case("load_scenario size 10**12", "population.size",
             lambda w: sim.load_scenario(OPTUS, {"population.size": 10**12})),
        Case("load_scenario size nan", "population.size",
             lambda w: sim.load_scenario(OPTUS, {"population.size": math.nan})),
    ]


def _simulate_cases() -> list[Case]:
    return [
        Case("simulate scenario None", "scenario", lambda w: sim.simulate(None)),
        Case("simulate scenario str", "scenario", lambda w: sim.simulate("optus_2022")),
        Case("simulate scenario dict", "scenario", lambda w: sim.simulate({"scenario": {}})),
        Case("simulate seed -1", "seed", lambda w: sim.simulate(w.scenario, seed=-1)),
        Case("simulate seed 2**70", "seed", lambda w: sim.simulate(w.scenario, seed=2**70)),
        Case("simulate seed float", "seed", lambda w: sim.simulate(w.scenario, seed=1.5)),
        Case("simulate seed str", "seed", lambda w: sim.simulate(w.scenario, seed="1")),
        Case("simulate seed None", "seed", lambda w: sim.simulate(w.scenario, seed=None)),
        Case("simulate seed bool", "seed", lambda w: sim.simulate(w.scenario, seed=True)),
        Case("simulate engine unknown", "engine", lambda w: sim.simulate(w.scenario, engine="gpu")),
        Case("simulate engine None", "engine", lambda w: sim.simulate(w.scenario, engine=None)),
        Case("simulate engine int", "engine", lambda w: sim.simulate(w.scenario, engine=3)),
        Case("simulate progress str", "progress", lambda w: sim.simulate(w.scenario, progress="yes")),
    ]


def _run_cases() -> list[Case]:
    run = lambda w, **kw: sim.Run(OPTUS, **{"overrides": SMALL, **kw})  # noqa: E731
    return [
        Case("Run scenario None", "scenario", lambda w: sim.Run(None)),
        Case("Run scenario int", "scenario", lambda w: sim.Run(5)),
        Case("Run scenario list", "scenario", lambda w: sim.Run([])),
        Case("Run scenario dict", "scenario", lambda w: sim.Run({})),
        Case("Run missing file", "{w.missing}", lambda w: sim.Run(w.missing)),
        Case("Run folder", "{w.empty}", lambda w: sim.Run(w.empty)),
        Case("Run not a scenario file", "{w.text}", lambda w: sim.Run(w.text)),
        Case("Run a named pipe", "{w.fifo}", lambda w: sim.Run(w.fifo)),
        Case("Run seed -1", "seed", lambda w: run(w, seed=-1)),
        Case("Run seed 2**70", "seed", lambda w: run(w, seed=2**70)),
        Case("Run seed str", "seed", lambda w: run(w, seed="1")),
        Case("Run seed None", "seed", lambda w: run(w, seed=None)),
        Case("Run seed float", "seed", lambda w: run(w, seed=1.5)),
        Case("Run engine unknown", "engine", lambda w: run(w, engine="gpu")),
        Case("Run engine None", "engine", lambda w: run(w, engine=None)),
        Case("Run overrides list", "override", lambda w: sim.Run(OPTUS, overrides=[1])),
        Case("Run overrides str", "override", lambda w: sim.Run(OPTUS, overrides="population.size=5")),
        Case("Run overrides unknown key", "nope.key", lambda w: sim.Run(OPTUS, overrides={"nope.key": 1})),
        Case("Run overrides on a scenario without a file", "overrides",
             lambda w: sim.Run(scenario_from_data(w.scenario.data), overrides=SMALL)),
        Case("Run.run progress str", "progress", lambda w: run(w).run(progress="yes")),
        Case("Run.plot unknown chart", "chart", lambda w: w.run.plot("pie")),
        Case("Run.plot chart int", "chart", lambda w: w.run.plot(5)),
        Case("Run.plot size unknown", "size", lambda w: w.run.plot(size="huge")),
        Case("Run.plot size None", "size", lambda w: w.run.plot(size=None)),
    ]


def _batch_cases() -> list[Case]:
    run_file = lambda w, **kw: sim.Batch.run_file(**{"batch_file": w.batch_file, "out": w.out, **kw})  # noqa: E731
    return [
        Case("Batch source None", "source", lambda w: sim.Batch(None)),
        Case("Batch source int", "source", lambda w: sim.Batch(5)),
        Case("Batch source list", "source", lambda w: sim.Batch([])),
        Case("Batch source dict", "source", lambda w: sim.Batch({})),
        Case("Batch source bytes", "source", lambda w: sim.Batch(b"/tmp")),
        Case("Batch result without a folder", "source.out", lambda w: sim.Batch(types.SimpleNamespace(out=None))),
        Case("Batch missing folder", "{w.missing}", lambda w: sim.Batch(w.missing)),
        Case("Batch a file", "{w.text}", lambda w: sim.Batch(w.text)),
        Case("Batch empty folder", "{w.empty}", lambda w: sim.Batch(w.empty)),
        Case("Batch folder of other files", "{w.other}", lambda w: sim.Batch(w.other)),
        Case("Batch a named pipe", "{w.fifo}", lambda w: sim.Batch(w.fifo)),
        Case("run_file batch_file None", "batch_file", lambda w: run_file(w, batch_file=None)),
        Case("run_file batch_file int", "batch_file", lambda w: run_file(w, batch_file=3)),
        Case("run_file missing batch file", "{w.missing}", lambda w: run_file(w, batch_file=w.missing)),
        Case("run_file out None", "out", lambda w: run_file(w, out=None)),
        Case("run_file out int", "out", lambda w: run_file(w, out=7)),
        Case("run_file out a file", "{w.text}", lambda w: run_file(w, out=w.text)),
        Case("run_file workers -1", "workers", lambda w: run_file(w, workers=-1)),
        Case("run_file workers 0", "workers", lambda w: run_file(w, workers=0)),
        Case("run_file workers str", "workers", lambda w: run_file(w, workers="2")),
        Case("run_file workers 10**6", "workers", lambda w: run_file(w, workers=10**6)),
        Case("run_file workers float", "workers", lambda w: run_file(w, workers=2.5)),
        Case("run_file resume str", "resume", lambda w: run_file(w, resume="no")),
        Case("Batch.plot unknown chart", "chart", lambda w: w.batch.plot("pie")),
        Case("Batch.plot response without a design", "chart", lambda w: w.batch.plot("response")),
        Case("Batch.plot unknown measure", "measure", lambda w: w.batch.plot("response", measure="nope")),
        Case("Batch.plot size unknown", "size", lambda w: w.batch.plot(size="huge")),
        Case("Batch.plot response of an unknown measure", "measure",
             lambda w: w.grid.plot("response", measure="hours_to_99pct")),
        Case("Batch.plot response measure int", "measure", lambda w: w.grid.plot("response", measure=3)),
    ]


def _comparison_cases() -> list[Case]:
    cmp = lambda w, **kw: sim.Comparison(**{"scenarios": [OPTUS], "overrides": SMALL, "reps": 2, **kw})  # noqa: E731
    return [
        Case("Comparison scenarios None", "scenarios", lambda w: sim.Comparison(None)),
        Case("Comparison scenarios str", "scenarios", lambda w: sim.Comparison("optus_2022")),
        Case("Comparison scenarios empty", "scenarios", lambda w: sim.Comparison([])),
        Case("Comparison scenarios [None]", "scenarios", lambda w: sim.Comparison([None])),
        Case("Comparison scenarios [int]", "scenarios", lambda w: sim.Comparison([5])),
        Case("Comparison scenarios dict", "scenarios", lambda w: sim.Comparison({"a": 1})),
        Case("Comparison missing file", "{w.missing}", lambda w: cmp(w, scenarios=[w.missing])),
        Case("Comparison folder", "{w.empty}", lambda w: cmp(w, scenarios=[w.empty])),
        Case("Comparison reps 0", "reps", lambda w: cmp(w, reps=0)),
        Case("Comparison reps -1", "reps", lambda w: cmp(w, reps=-1)),
        Case("Comparison reps 10**12", "reps", lambda w: cmp(w, reps=10**12)),
        Case("Comparison reps float", "reps", lambda w: cmp(w, reps=2.5)),
        Case("Comparison reps str", "reps", lambda w: cmp(w, reps="3")),
        Case("Comparison reps None", "reps", lambda w: cmp(w, reps=None)),
        Case("Comparison reps bool", "reps", lambda w: cmp(w, reps=True)),
        Case("Comparison runs over the limit", "reps",
             lambda w: cmp(w, scenarios=[OPTUS, "direct_first"], reps=100_000)),
        Case("Comparison seed -1", "seed", lambda w: cmp(w, seed=-1)),
        Case("Comparison seed 2**70", "seed", lambda w: cmp(w, seed=2**70)),
        Case("Comparison seed str", "seed", lambda w: cmp(w, seed="x")),
        Case("Comparison seed None", "seed", lambda w: cmp(w, seed=None)),
        Case("Comparison overrides list", "override", lambda w: cmp(w, overrides=[1])),
        Case("Comparison overrides str", "override", lambda w: cmp(w, overrides="population.size=5")),
        Case("Comparison overrides unknown key", "population.nope",
             lambda w: cmp(w, overrides={"population.nope": 1})),
        Case("Comparison overrides size 0", "population.size",
             lambda w: cmp(w, overrides={"population.size": 0})),
        Case("Comparison engine unknown", "engine", lambda w: cmp(w, engine="gpu")),
        Case("Comparison engine None", "engine", lambda w: cmp(w, engine=None)),
        Case("Comparison.run out a file", "{w.text}", lambda w: cmp(w).run(w.text)),
        Case("Comparison.run out int", "out", lambda w: cmp(w).run(5)),
        Case("Comparison.run out a folder of the user's files", "{w.other}", lambda w: cmp(w).run(w.other)),
        Case("Comparison.run workers -1", "workers", lambda w: cmp(w).run(w.out, workers=-1)),
        Case("Comparison.run workers 0", "workers", lambda w: cmp(w).run(w.out, workers=0)),
        Case("Comparison.run workers str", "workers", lambda w: cmp(w).run(w.out, workers="2")),
        Case("Comparison.run progress str", "progress", lambda w: cmp(w).run(w.out, progress="yes")),
        Case("Comparison.report before run", "run()", lambda w: cmp(w).report(w.out)),
        Case("Comparison.runs before run", "run()", lambda w: cmp(w).runs),
        Case("Comparison.summary before run", "run()", lambda w: cmp(w).summary()),
        Case("Comparison.plot before run", "run()", lambda w: cmp(w).plot()),
        Case("Comparison.load None", "folder", lambda w: sim.Comparison.load(None)),
        Case("Comparison.load int", "folder", lambda w: sim.Comparison.load(5)),
        Case("Comparison.load missing", "{w.missing}", lambda w: sim.Comparison.load(w.missing)),
        Case("Comparison.load a file", "{w.text}", lambda w: sim.Comparison.load(w.text)),
        Case("Comparison.report out a file", "{w.text}", lambda w: w.comparison.report(w.text)),
        Case("Comparison.report out int", "out", lambda w: w.comparison.report(5)),
        Case("Comparison.report pdf str", "pdf", lambda w: w.comparison.report(w.out, pdf="yes")),
    ]


def _results_cases() -> list[Case]:
    frames = lambda w, **kw: results_from_frames(**{"runs": w.runs, "timeseries": w.ts, **kw})  # noqa: E731
    return [
        Case("load_results None", "folder", lambda w: load_results(None)),
        Case("load_results int", "folder", lambda w: load_results(5)),
        Case("load_results list", "folder", lambda w: load_results([])),
        Case("load_results missing", "{w.missing}", lambda w: load_results(w.missing)),
        Case("load_results a file", "{w.text}", lambda w: load_results(w.text)),
        Case("load_results empty folder", "{w.empty}", lambda w: load_results(w.empty)),
        Case("load_results a named pipe", "{w.fifo}", lambda w: load_results(w.fifo)),
        Case("load_results scenarios int", "scenarios", lambda w: load_results(w.cmp, scenarios=5)),
        Case("load_results scenarios [int]", "scenarios", lambda w: load_results(w.cmp, scenarios=[5])),
        Case("frames runs None", "runs", lambda w: frames(w, runs=None)),
        Case("frames runs dict", "runs", lambda w: frames(w, runs={"run": ["a"]})),
        Case("frames runs list", "runs", lambda w: frames(w, runs=[])),
        Case("frames runs empty", "runs", lambda w: frames(w, runs=w.runs.iloc[0:0])),
        Case("frames runs without scenario", "scenario", lambda w: frames(w, runs=_drop(w.runs, "scenario"))),
        Case("frames runs without run", "run", lambda w: frames(w, runs=_drop(w.runs, "run"))),
        Case("frames runs people_per_agent text", "people_per_agent",
             lambda w: frames(w, runs=_set(w.runs, "people_per_agent", "many"))),
        Case("frames runs all failed", "runs", lambda w: frames(w, runs=_set(w.runs, "status", "failed"))),
        Case("frames timeseries None", "timeseries", lambda w: frames(w, timeseries=None)),
        Case("frames timeseries int", "timeseries", lambda w: frames(w, timeseries=3)),
        Case("frames timeseries without hours", "hours", lambda w: frames(w, timeseries=_drop(w.ts, "hours"))),
        Case("frames timeseries empty", "timeseries", lambda w: frames(w, timeseries=w.ts.iloc[0:0])),
        Case("frames scenarios int", "scenarios", lambda w: frames(w, scenarios=5)),
        Case("frames manifest list", "manifest", lambda w: frames(w, manifest=[])),
        Case("frames manifest str", "manifest", lambda w: frames(w, manifest="manifest.json")),
        Case("frames folder int", "folder", lambda w: frames(w, folder=5)),
    ]


def _chart_cases() -> list[Case]:
    return [
        Case("awareness runs None", "runs", lambda w: charts.awareness_chart(None, w.ts, w.infos)),
        Case("awareness runs list", "runs", lambda w: charts.awareness_chart([], w.ts, w.infos)),
        Case("awareness timeseries None", "timeseries", lambda w: charts.awareness_chart(w.runs, None, w.infos)),
        Case("awareness timeseries dict", "timeseries", lambda w: charts.awareness_chart(w.runs, {}, w.infos)),
        Case("awareness scenarios int", "scenarios", lambda w: _aw(w, scenarios=5)),
        Case("awareness scenarios [int]", "scenarios", lambda w: _aw(w, scenarios=[5])),
        Case("awareness scenarios [dict]", "scenarios", lambda w: _aw(w, scenarios=[{"name": "x"}])),
        Case("awareness runs empty", "runs", lambda w: _aw(w, runs=w.runs.iloc[0:0])),
        Case("awareness runs all failed", "runs", lambda w: _aw(w, runs=_set(w.runs, "status", "error"))),
        Case("awareness runs without people_per_agent", "people_per_agent",
             lambda w: _aw(w, runs=_drop(w.runs, "people_per_agent"))),
        Case("awareness runs without affected_agents", "affected_agents",
             lambda w: _aw(w, runs=_drop(w.runs, "affected_agents"))),
        Case("awareness runs without hours_to_50pct", "hours_to_50pct_affected",
             lambda w: _aw(w, runs=_drop(w.runs, "hours_to_50pct_affected"))),
        Case("awareness runs without scenario", "scenario", lambda w: _aw(w, runs=_drop(w.runs, "scenario"))),
        Case("awareness runs people_per_agent inf", "people_per_agent",
             lambda w: _aw(w, runs=_first(w.runs, "people_per_agent", math.inf))),
        Case("awareness runs people_per_agent nan", "people_per_agent",
             lambda w: _aw(w, runs=_first(w.runs, "people_per_agent", math.nan))),
        Case("awareness runs people_per_agent 0", "people_per_agent",
             lambda w: _aw(w, runs=_set(w.runs, "people_per_agent", 0.0))),
        Case("awareness runs people_per_agent text", "people_per_agent",
             lambda w: _aw(w, runs=_set(w.runs, "people_per_agent", "ten"))),
        Case("awareness runs affected_agents negative", "affected_agents",
             lambda w: _aw(w, runs=_first(w.runs, "affected_agents", -5))),
        Case("awareness runs no affected customers", "affected_agents",
             lambda w: _aw(w, runs=_set(w.runs, "affected_agents", 0))),
        Case("awareness runs duplicate run", "run", lambda w: _aw(w, runs=_set(w.runs, "run", "r1"))),
        Case("awareness runs scenario missing", "scenario",
             lambda w: _aw(w, runs=_first(w.runs, "scenario", None))),
        Case("awareness timeseries without aware_affected", "aware_affected",
             lambda w: _aw(w, ts=_drop(w.ts, "aware_affected"))),
        Case("awareness timeseries without time", "time", lambda w: _aw(w, ts=_drop(w.ts, "time"))),
        Case("awareness timeseries without step", "step", lambda w: _aw(w, ts=_drop(w.ts, "step"))),
        Case("awareness timeseries without scenario", "scenario", lambda w: _aw(w, ts=_drop(w.ts, "scenario"))),
        Case("awareness timeseries aware_affected nan", "aware_affected",
             lambda w: _aw(w, ts=_first(w.ts, "aware_affected", math.nan))),
        Case("awareness timeseries aware_affected inf", "aware_affected",
             lambda w: _aw(w, ts=_first(w.ts, "aware_affected", math.inf))),
        Case("awareness timeseries aware_affected text", "aware_affected",
             lambda w: _aw(w, ts=_set(w.ts, "aware_affected", "lots"))),
        Case("awareness timeseries hours nan", "hours", lambda w: _aw(w, ts=_first(w.ts, "hours", math.nan))),
        Case("awareness timeseries time garbage", "time",
             lambda w: _aw(w, ts=_first(w.ts, "time", "not a time"))),
        Case("awareness timeseries time numbers", "time", lambda w: _aw(w, ts=_set(w.ts, "time", 5))),
        Case("awareness timeseries of other runs", "timeseries",
             lambda w: _aw(w, ts=_set(w.ts, "run", "elsewhere"))),
        Case("awareness hours -1", "hours", lambda w: _aw(w, hours=-1)),
        Case("awareness hours nan", "hours", lambda w: _aw(w, hours=math.nan)),
        Case("awareness hours inf", "hours", lambda w: _aw(w, hours=math.inf)),
        Case("awareness hours str", "hours", lambda w: _aw(w, hours="48")),
        Case("awareness size unknown", "size", lambda w: _aw(w, size="huge")),
        Case("awareness size int", "size", lambda w: _aw(w, size=5)),
        Case("time_to_reach runs None", "runs", lambda w: charts.time_to_reach_chart(None, w.infos)),
        Case("time_to_reach without 90pct", "hours_to_90pct_affected",
             lambda w: charts.time_to_reach_chart(_drop(w.runs, "hours_to_90pct_affected"), w.infos)),
        Case("time_to_reach hours inf", "hours_to_50pct_affected",
             lambda w: charts.time_to_reach_chart(_first(w.runs, "hours_to_50pct_affected", math.inf), w.infos)),
        Case("time_to_reach hours negative", "hours_to_90pct_affected",
             lambda w: charts.time_to_reach_chart(_first(w.runs, "hours_to_90pct_affected", -3.0), w.infos)),
        Case("time_to_reach scenarios str", "scenarios", lambda w: charts.time_to_reach_chart(w.runs, "optus")),
        Case("time_to_reach size unknown", "size", lambda w: charts.time_to_reach_chart(w.runs, w.infos, "A4")),
        Case("first_source without company share", "share_affected_first_from_company",
             lambda w: charts.first_source_chart(_drop(w.runs, "share_affected_first_from_company"), w.ts, w.infos)),
        Case("first_source company share 7", "share_affected_first_from_company",
             lambda w: charts.first_source_chart(_first(w.runs, "share_affected_first_from_company", 7.0),
                                                 w.ts, w.infos)),
        Case("first_source without first_media", "first_media",
             lambda w: charts.first_source_chart(w.runs, _drop(w.ts, "first_media"), w.infos)),
        Case("first_source aware text", "aware",
             lambda w: charts.first_source_chart(w.runs, _set(w.ts, "aware", "x"), w.infos)),
        Case("first_source timeseries None", "timeseries", lambda w: charts.first_source_chart(w.runs, None, w.infos)),
        Case("trust without trust column", "mean_company_trust_affected",
             lambda w: charts.trust_chart(w.runs, _drop(w.ts, "mean_company_trust_affected"), w.infos)),
        Case("trust all nan", "mean_company_trust_affected",
             lambda w: charts.trust_chart(w.runs, _set(w.ts, "mean_company_trust_affected", math.nan), w.infos)),
        Case("trust inf", "mean_company_trust_affected",
             lambda w: charts.trust_chart(w.runs, _first(w.ts, "mean_company_trust_affected", math.inf), w.infos)),
        Case("trust without final trust", "final_company_trust_affected",
             lambda w: charts.trust_chart(_drop(w.runs, "final_company_trust_affected"), w.ts, w.infos)),
        Case("trust hours -5", "hours", lambda w: charts.trust_chart(w.runs, w.ts, w.infos, hours=-5)),
        Case("cohorts at_hours empty", "at_hours",
             lambda w: charts.cohorts_chart(w.runs, w.ts, w.infos, at_hours=[])),
        Case("cohorts at_hours negative", "at_hours",
             lambda w: charts.cohorts_chart(w.runs, w.ts, w.infos, at_hours=[-5])),
        Case("cohorts at_hours number", "at_hours",
             lambda w: charts.cohorts_chart(w.runs, w.ts, w.infos, at_hours=24)),
        Case("cohorts at_hours nan", "at_hours",
             lambda w: charts.cohorts_chart(w.runs, w.ts, w.infos, at_hours=[math.nan])),
        Case("cohorts at_hours text", "at_hours",
             lambda w: charts.cohorts_chart(w.runs, w.ts, w.infos, at_hours=["24"])),
        Case("cohorts basis unknown", "basis",
             lambda w: charts.cohorts_chart(w.runs, w.ts, w.infos, basis="customers")),
        Case("cohorts everyone without cohort sizes", "cohort_size_gen_z",
             lambda w: charts.cohorts_chart(_drop(w.runs, "cohort_size_gen_z"), w.ts, w.infos, basis="everyone")),
        Case("all_charts cohorts unknown", "cohorts", lambda w: charts.all_charts(w.runs, w.ts, w.infos, cohorts="x")),
        Case("all_charts runs None", "runs", lambda w: charts.all_charts(None, w.ts, w.infos)),
        Case("all_charts size unknown", "size", lambda w: charts.all_charts(w.runs, w.ts, w.infos, size="huge")),
        Case("display_hours hours -1", "hours", lambda w: charts.display_hours(w.runs, w.ts, w.infos, hours=-1)),
        Case("display_hours timeseries None", "timeseries", lambda w: charts.display_hours(w.runs, None, w.infos)),
    ]


def _report_cases() -> list[Case]:
    return [
        Case("write_report results None", "results", lambda w: write_report(None, w.out)),
        Case("write_report results dict", "results", lambda w: write_report({}, w.out)),
        Case("write_report out a file", "{w.text}", lambda w: write_report(w.results, w.text)),
        Case("write_report out None", "out_dir", lambda w: write_report(w.results, None)),
        Case("write_report out a folder of the user's files", "{w.other}",
             lambda w: write_report(w.results, w.other)),
        Case("write_report options str", "options", lambda w: write_report(w.results, w.out, "title")),
        Case("write_report pdf str", "pdf", lambda w: write_report(w.results, w.out, pdf="yes")),
        Case("write_report cohorts unknown", "cohorts", lambda w: write_report(w.results, w.out, cohorts="x")),
        Case("build_report results None", "results", lambda w: build_report(None)),
        Case("build_report cohorts unknown", "cohorts", lambda w: build_report(w.results, cohorts="x")),
        Case("load_report_config None", "path", lambda w: load_report_config(None)),
        Case("load_report_config missing", "{w.missing}", lambda w: load_report_config(w.missing)),
        Case("load_report_config folder", "{w.empty}", lambda w: load_report_config(w.empty)),
        Case("load_report_config a named pipe", "{w.fifo}", lambda w: load_report_config(w.fifo)),
        Case("summary_table runs None", "runs", lambda w: stats.summary_table(None)),
        Case("summary_table runs empty", "runs", lambda w: stats.summary_table(w.runs.iloc[0:0])),
        Case("summary_table without affected_agents", "affected_agents",
             lambda w: stats.summary_table(_drop(w.runs, "affected_agents"))),
        Case("summary_table cohorts unknown", "cohorts", lambda w: stats.summary_table(w.runs, w.infos, w.ts, "x")),
    ]


#: The hostile calls.
CASES = (_scenario_cases() + _simulate_cases() + _run_cases() + _batch_cases() + _comparison_cases()
         + _results_cases() + _chart_cases() + _report_cases())


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Good inputs to spoil: a finished comparison at 300 people, files and folders."""
    root = tmp_path_factory.mktemp("api")
    w = types.SimpleNamespace(root=root, missing=root / "missing", empty=root / "empty",
                              other=root / "other", text=root / "notes.txt",
                              batch_file=root / "small.toml")
    w.empty.mkdir()
    w.other.mkdir()
    (w.other / "holiday.jpg").write_bytes(b"\xff\xd8 not really")
    w.text.write_text("not a scenario = [\n", encoding="utf-8")
    w.fifo = root / "pipe.toml"
    os.mkfifo(w.fifo)                                 # no writer: reading it would wait forever
    w.batch_file.write_text(f'name = "small"\nscenarios = ["{OPTUS}"]\nreplications = 1\nseed = 1\n'
                            '[set]\n"population.size" = 300\n', encoding="utf-8")
    w.cmp = root / "cmp"
    w.comparison = sim.Comparison([OPTUS, "direct_first"], reps=2, overrides=SMALL).run(w.cmp, workers=1)
    w.results = w.comparison.results
    w.runs, w.ts, w.infos = w.results.runs, w.results.timeseries, w.results.scenarios
    w.batch = sim.Batch(w.cmp)
    grid_file = root / "grid.toml"
    grid_file.write_text(f'name = "grid"\nscenarios = ["{OPTUS}"]\nreplications = 1\nseed = 1\n'
                         f'[set]\n"population.size" = 300\n[grid]\n"{SOCIAL}" = [0.002, 0.02]\n',
                         encoding="utf-8")
    w.grid = sim.Batch.run_file(grid_file, root / "grid", workers=1)
    w.scenario = sim.load_scenario(OPTUS, SMALL)
    w.run = sim.Run(OPTUS, seed=2, overrides=SMALL).run()
    return w


def _snapshot(*folders: Path) -> set:
    """Every file and folder under ``folders`` with its size and modification time."""
    seen = set()
    for folder in folders:
        for p in folder.rglob("*"):
            info = p.lstat()
            seen.add((str(p), info.st_size, info.st_mtime_ns))
    return seen


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_hostile_call_is_one_scenario_error_naming_the_argument(case, world, tmp_path, monkeypatch):
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))   # Comparison.run's default folder
    w = types.SimpleNamespace(**vars(world), out=tmp_path / "out")
    before = _snapshot(world.root, tmp_path)
    with pytest.raises(ScenarioError) as caught:
        case.call(w)
    line = caught.value.line()
    assert "\n" not in line and line.startswith("error: ")
    assert case.names.format(w=w) in line, line
    assert _snapshot(world.root, tmp_path) == before, "a refused call wrote files"


def test_the_corpus_is_large_and_its_names_distinct():
    assert len(CASES) >= 100
    assert len({c.name for c in CASES}) == len(CASES)


# --------------------------------------------------------------------------- good inputs

def test_good_inputs_still_work(world, tmp_path):
    run = world.run
    assert run.summary().iloc[0]["agents"] > 0
    assert isinstance(run.plot(), Figure) and isinstance(run.plot("trust", size="slide"), Figure)
    again = sim.simulate(world.scenario, seed=np.int64(2))
    assert again.summary == run.result.summary                      # numpy seeds still allowed
    figs = charts.all_charts(world.runs, world.ts, world.infos, size="page")
    assert list(figs) == list(charts.CHART_STEMS)
    assert isinstance(charts.awareness_chart(world.runs, world.ts, world.infos, hours=48.0), Figure)
    assert isinstance(world.batch.plot("cohorts"), Figure)
    assert list(world.batch.summary()["scenario"]) == [s.name for s in world.infos]
    loaded = sim.Comparison.load(world.cmp)
    report = loaded.report(tmp_path / "report")
    assert (tmp_path / "report" / "report.html").is_file() and report.files
    again = results_from_frames(world.runs, world.ts)
    assert again.names == world.results.names
    assert sim.Run(OPTUS, seed=2**64 - 1, overrides=SMALL).seed == 2**64 - 1  # a batch run's own seed
    never = _set(world.runs, "hours_to_90pct_affected", None)     # as Parquet reads "never reached"
    assert never["hours_to_90pct_affected"].dtype == object
    assert isinstance(charts.time_to_reach_chart(never, world.infos), Figure)


def test_a_sweep_batch_still_draws_its_response(world):
    assert world.grid.params == [SOCIAL]
    assert isinstance(world.grid.plot("response"), Figure)
    assert list(world.grid.summary()["point"]) == [0, 1]


SWEEP_CASES = [
    ("runs None", "runs", lambda w: (None, w.grid.results.scenarios, [SOCIAL], "hours_to_50pct_affected")),
    ("keys a string", "keys", lambda w: (w.grid.runs, [], SOCIAL, "hours_to_50pct_affected")),
    ("keys not columns", "nope.key", lambda w: (w.grid.runs, [], ["nope.key"], "hours_to_50pct_affected")),
    ("keys text", SOCIAL, lambda w: (_set(w.grid.runs, SOCIAL, "a lot"), [], [SOCIAL], "hours_to_50pct_affected")),
    ("keys inf", SOCIAL, lambda w: (_first(w.grid.runs, SOCIAL, math.inf), [], [SOCIAL], "final_aware_share")),
    ("measure unknown", "measure", lambda w: (w.grid.runs, [], [SOCIAL], "nope")),
    ("measure column missing", "final_aware_share",
     lambda w: (_drop(w.grid.runs, "final_aware_share"), [], [SOCIAL], "final_aware_share")),
    ("derived from a missing column", "unaware_affected_share_24h",
     lambda w: (_drop(w.grid.runs, "unaware_affected_share_24h"), [], [SOCIAL], "unaware_affected_people_24h")),
    ("scenarios int", "scenarios", lambda w: (w.grid.runs, 3, [SOCIAL], "hours_to_50pct_affected")),
]


@pytest.mark.parametrize("name, names, args", SWEEP_CASES, ids=[c[0] for c in SWEEP_CASES])
def test_sweep_inputs_are_checked_for_the_response_chart(world, name, names, args):
    """:func:`checks.check_sweep_inputs`, the check meant for the top of sweeps.response_chart."""
    with pytest.raises(ScenarioError, match=re.escape(names)):
        checks.check_sweep_inputs("sweeps.response_chart", *args(world))


def test_sweep_checks_pass_good_inputs(world):
    results = world.grid.results
    for measure in (None, "hours_to_50pct_affected", "unaware_affected_people_24h", stats.BY_KEY["messages_read"]):
        checks.check_sweep_inputs("sweeps.response_chart", results.runs, results.scenarios, [SOCIAL], measure)
