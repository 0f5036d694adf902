"""How robust is each lesson to the assumptions? (``breachsim robustness``)

Worlds are a Latin hypercube over the plausible ranges of the assumptions
(:func:`sim.config.ranges.plausible_ranges`, or ``--ranges``). Every scenario runs in
every world ``--reps`` times, in one batch (parallel, resumable): a world is a
design point and seeds depend only on the world and the replication, so the
scenarios meet the same chance in the same world (common random numbers).

For each scenario against the baseline and each headline measure
(:data:`HEADLINES`): the difference per world (mean over replications; other
minus baseline, in the measure's units), the share of worlds in which the
scenario is better, tied and worse, the median and 10-90% of the difference,
and, when it neither always nor never wins, which assumption decides: one
that alone separates the worlds of the rarer outcome (where a mostly winning
scenario is not better, or where a mostly losing one is better) from the
others better than the same outcomes permuted over the worlds do (a fixed
seed; :func:`discover`), with a PRIM box (scenario discovery, Friedman and
Fisher 1999, the ``PRIM`` package) around those worlds; otherwise none is
named. An assumption that cannot change the runs of either scenario (an SMS
key when neither sends an SMS, :func:`cannot_matter`) is never named.

A key that the compared scenarios set differently is part of a lesson, not an
assumption: it is left at each scenario's value (and said so), as are keys of
network kinds no compared scenario uses (:data:`KIND_ONLY`).
With ``--posterior``, each replication also takes one parameter set drawn
from a calibration's posterior (the same in every world and scenario), and
the posterior's keys are left out of the worlds.

Writes ``robustness.csv`` (columns: scenario, measure, share_better,
diff_median, diff_p10, diff_p90, then baseline, share_tied, share_worse,
worlds, decided_by, decided_by_rho, box, box_of, box_coverage, box_density, unit, decided_p;
``decided_by`` is empty when no assumption decides, ``decided_p`` is the permutation p of
the strongest candidate, ``box`` describes the rarer outcome and ``box_of`` says which:
"not better" or "better"),
``robustness_worlds.csv`` (the difference in every world), one chart per
measure (``robustness_<measure>.png``, drawn by :mod:`sim.reporting.robustness_chart`), ``robustness.md`` (one line per
scenario for the report) and the batch in ``batch/``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from ..config import catalog
from ..model.engine import DEFAULT_ENGINE
from ..runs.batchfile import DEFAULT_SEED, BatchSpec, check_scenarios
from ..runs.design import build_design
from ..errors import ScenarioError
from ..runs.files import claim_folder, write_atomically
from ..runs.escape import spreadsheet_safe
from ..runs.plan import plan_runs
from ..config.scenario import load_scenario
from ..config.schema import label_of

__all__ = ["HEADLINES", "Headline", "robustness_spec", "analyse", "discover", "report_lines",
           "inert_keys", "cannot_matter", "separation", "permutation_p", "run_robustness"]


@dataclass(frozen=True)
class Headline:
    """A headline measure: which way is better, how to say it, its unit."""

    lower_is_better: bool
    better: str              # "reaches half of affected customers sooner"
    topic: str               # "the time to reach half of affected customers"
    unit: str                # "hours", "people" or "share"


#: Summary measures compared, with the direction that is better (:data:`sim.config.catalog.USES`).
HEADLINES: dict[str, Headline] = {
    m.key: Headline(m.better == "lower", m.sooner, m.topic, m.kind if m.kind in ("hours", "people") else "share")
    for m in catalog.used_in("robustness")}
DEFAULT_SAMPLES = 64
DEFAULT_REPS = 5
DEFAULT_PEOPLE = 5_000
#: Differences smaller than this (in the measure's units) are ties.
TIE = 1e-9
#: PRIM box chosen: the densest box that still holds this share of the worlds of interest.
MIN_COVERAGE = 0.7
#: Assumptions PRIM looks at: the most correlated with the difference.
TOP = 3
#: A box must lift the share of worlds of interest by this much of what is left
#: (density >= base + LIFT x (1 - base)), or it is not reported.
LIFT = 0.25
#: Keys that only matter on some network kinds (sim/model/network.py, sim/model/rules.py):
#: left out of the worlds when no compared scenario uses such a network.
KIND_ONLY = {
    "word_of_mouth.well_mixed": ("well_mixed",), "network.contacts_per_hour": ("well_mixed",),
    "network.rewire": ("watts_strogatz",), "network.triangle_prob": ("powerlaw_cluster",),
    "network.homophily": ("households",), "network.household_size": ("households",),
    "word_of_mouth.household": ("households",),
    "network.mean_degree": ("households", "watts_strogatz", "barabasi_albert", "powerlaw_cluster"),
    "word_of_mouth.social": ("households", "watts_strogatz", "barabasi_albert", "powerlaw_cluster",
                             "file"),
}


# ---- the batch ------------------------------------------------------------------------
def _fixed_keys(scenarios: list, keys: list[str]) -> list[str]:
    """Range keys not to vary: those whose value differs between the scenarios
    (lessons, not assumptions) and those no compared scenario's network uses."""
    kinds = {s.get("network.kind") for s in scenarios}
    return [k for k in keys if len({repr(_value_at(s, k)) for s in scenarios}) > 1
            or (k in KIND_ONLY and not kinds & set(KIND_ONLY[k]))]


def _value_at(scenario, key: str) -> Any:
    """The value of a dotted key; a key below a single value (a cohort of a trust
    key given once for all) is that value."""
    node: Any = scenario.data
    for part in key.split("."):
        if isinstance(node, list):
            node = node[int(part)]
        elif isinstance(node, dict):
            node = node[part]
        else:
            return node
    return node


def robustness_spec(files: list[Path], samples: int, reps: int, seed: int, overrides: dict[str, Any],
                    engine: str = DEFAULT_ENGINE, ranges_file: str | Path | None = None,
                    posterior: str | Path | None = None) -> tuple[BatchSpec, dict, list[str]]:
    """The batch (scenarios x worlds x replications), the ranges sampled, and the
    range keys left out (lessons and posterior keys)."""
    from .calibration.posterior import check_posterior, posterior_draws
    from ..config.ranges import check_applicable, plausible_ranges

    files = [Path(f).resolve() for f in files]
    if len(files) < 2:
        raise ScenarioError("robustness", "", "give a baseline and at least one other scenario")
    for f in files:
        if not f.is_file():
            raise ScenarioError(f, "", "no such file")
    for name, value, low, high in (("--samples", samples, 2, 100_000), ("--reps", reps, 1, 10_000)):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ScenarioError(name, "", f"got {value!r}; allowed: a whole number from {low} to {high:,}")
    ranges = plausible_ranges(ranges_file)
    scenarios = [load_scenario(f, overrides) for f in files]
    check_applicable(ranges, scenarios)
    left_out = _fixed_keys(scenarios, list(ranges))
    left_out += [k for k in (check_posterior(posterior, scenarios).columns if posterior else [])
                 if k in ranges]
    left_out += [k for k in overrides if k in ranges and k not in left_out]
    sampled = {k: r for k, r in ranges.items() if k not in left_out}
    if not sampled:
        raise ScenarioError(ranges_file or "sim/ranges.toml", "", "no assumption left to vary")
    draws = posterior_draws(posterior, reps, seed) if posterior else []
    spec = BatchSpec(files[0], "robustness", files, reps, seed, engine, dict(overrides),
                     sample={"method": "lhs", "n": samples, "seed": seed,
                             "ranges": {k: [r.low, r.high] for k, r in sampled.items()}},
                     draws=draws)
    check_scenarios(spec)
    return spec, sampled, left_out


# ---- analysis -------------------------------------------------------------------------
#: Permutations of the worlds' outcomes against which a deciding assumption is tested.
PERMUTATIONS = 999
#: Seed of those permutations: fixed, so the same worlds always give the same answer.
PERMUTATION_SEED = 16
#: An assumption decides only if permuted outcomes (any candidate's, the strongest of them)
#: separate the worlds as well in at most this share of the permutations.
ALPHA = 0.05
#: Labels x ranks multiplied at once in the permutation test (bounds its memory).
CHUNK_CELLS = 2_000_000


def _per_world(runs: pd.DataFrame, measure: str, horizon: dict[int, float]) -> pd.DataFrame:
    """Mean of ``measure`` per (scenario, world); hours never reached count as the run's length."""
    values = runs[measure].astype(float)
    if HEADLINES[measure].unit == "hours":
        values = values.fillna(runs["scenario_index"].map(horizon))
    frame = runs.assign(value=values)
    return frame.groupby(["scenario_index", "point"])["value"].mean().unstack("scenario_index")


def analyse(runs: pd.DataFrame, names: list[str], horizon: dict[int, float],
            worlds: pd.DataFrame, scenarios: list | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The robustness table and the per-world differences.

    ``runs`` has one row per run with ``scenario_index``, ``point`` (world) and
    the summary measures; ``worlds`` one row per world with the sampled values.
    ``scenarios`` (resolved, in the order of ``names``): an assumption that
    cannot change the runs of the baseline or of the scenario compared with it
    (:func:`inert_keys`) is never named as deciding that comparison.
    """
    keys = list(worlds.columns)
    inert = {s: inert_keys([scenarios[0], scenarios[s]], keys) if scenarios else set()
             for s in range(1, len(names))}
    rows, diffs = [], []
    for measure, headline in HEADLINES.items():
        table = _per_world(runs, measure, horizon)
        base = table[0]
        for s in range(1, len(names)):
            diff = (table[s] - base).dropna()
            sign = -1.0 if headline.lower_is_better else 1.0
            better, worse = (sign * diff > TIE), (sign * diff < -TIE)
            n = len(diff)
            found = (discover(worlds.loc[diff.index], better.to_numpy(), diff.to_numpy(), inert[s])
                     if 0 < better.sum() < n else {})
            rows.append({
                "scenario": names[s], "measure": measure,
                "share_better": better.mean() if n else math.nan,
                "diff_median": diff.median(), "diff_p10": diff.quantile(0.1),
                "diff_p90": diff.quantile(0.9), "baseline": names[0],
                "share_tied": (~better & ~worse).mean() if n else math.nan,   # counted: 1 - b - w can be -1e-17
                "share_worse": worse.mean() if n else math.nan, "worlds": n,
                "decided_by": found.get("decided_by", ""), "decided_by_rho": found.get("rho", math.nan),
                "box": found.get("box", ""), "box_of": found.get("box_of", ""),
                "box_coverage": found.get("coverage", math.nan),
                "box_density": found.get("density", math.nan), "unit": headline.unit,
                "decided_p": found.get("p", math.nan)})
            diffs.append(pd.DataFrame({"scenario": names[s], "measure": measure, "world": diff.index,
                                       "difference": diff.to_numpy(), "better": better.to_numpy()}))
    return pd.DataFrame(rows), pd.concat(diffs, ignore_index=True)


# ---- which assumptions can matter ------------------------------------------------------
def inert_keys(scenarios: list, keys: list[str]) -> set[str]:
    """The keys among ``keys`` that cannot change a run of any of ``scenarios``
    (:func:`cannot_matter`): never candidates for deciding between them."""
    return {k for k in keys if all(cannot_matter(s, k) for s in scenarios)}


def cannot_matter(scenario, key: str) -> bool:
    """Whether no value of ``key`` can change a run of ``scenario``.

    Read from what the engines use (sim/model/population.py, sim/model/channels.py,
    sim/model/fast_numpy.py): a medium's read delay and reachability when no
    campaign sends that medium (to that customer group, or the group has no
    people); the multiplier of being asked to share when no campaign asks;
    the gain of being told first by the company and the recovery by a late
    message when there is no campaign; news habits when no press release or
    background coverage exposes anyone, Twitter habits when no post does; the
    habits of a generation with no people; the holiday factor when no listed
    holiday falls within the run; the spreading period when spreading lasts
    for ever; network keys of other network kinds (:data:`KIND_ONLY`). Such
    a key changes neither the results nor the random draws: a run with the
    same seed is identical whatever its value (tests/test_report_robustness_truth.py
    checks each rule so). Any other key may matter; trust in a source no run
    uses is one of them, as a trust level changes how many numbers its Beta
    draws take from the run's generator.
    """
    d = scenario.data
    parts = key.split(".")
    campaigns = d["channels"]["direct"]["campaigns"]
    if key in KIND_ONLY:
        return d["network"]["kind"] not in KIND_ONLY[key]
    if parts[:3] == ["channels", "direct", "media"] and len(parts) == 5 and parts[4] in ("read_delay_hours",
                                                                                        "belief"):
        return not any(c["medium"] == parts[3] for c in campaigns)
    if parts[:3] == ["channels", "direct", "media"] and len(parts) >= 6 and parts[4] == "reachable":
        return _reach_cannot_matter(scenario, parts[3], parts[5], parts[6] if len(parts) > 6 else None)
    if parts[:2] == ["population", "habits"] and len(parts) == 4:
        return _habit_cannot_matter(scenario, parts[2], parts[3])
    if key == "word_of_mouth.share_multiplier_when_asked":
        return not any(c.get("ask_to_share") for c in campaigns)
    if key in ("trust.company_effects.told_first_share", "trust.company_effects.late_contact_recovery"):
        return not campaigns
    if key == "attention.holiday_factor":
        return _no_holiday_in_run(scenario)
    if key == "word_of_mouth.active_hours":
        return d["word_of_mouth"]["active_kind"] == "forever"
    return False


def _habit_cannot_matter(scenario, habit: str, group: str) -> bool:
    """A habit of one generation (news, twitter) that no exposure of ``scenario`` can meet."""
    d = scenario.data
    if habit in ("news", "twitter"):
        return (d["population"]["cohorts"].get(group) == 0
                or _silent(scenario, "media" if habit == "news" else "twitter"))
    return False


def _reach_cannot_matter(scenario, medium: str, group: str, cohort: str | None) -> bool:
    """The reach of ``medium`` among one customer group (and generation) that no campaign of
    ``scenario`` can use: none of its campaigns sends by it to that group (or generation).
    (Reachability is drawn for every person whatever the share, so the draws do not change.)"""
    from ..config.targeting import selection_of

    d = scenario.data
    if d["population"]["customers"].get(group) == 0:
        return True
    segments = d["population"]["segments"]
    for c in d["channels"]["direct"]["campaigns"]:
        chosen = selection_of(c["targets"], segments)
        if c["medium"] == medium and group in chosen.groups and (
                cohort is None or not chosen.cohorts or cohort in chosen.cohorts):
            return False
    return True


def _silent(scenario, channel: str) -> bool:
    """No person with the habit can be exposed by ``channel`` (media or twitter) during
    the run: its hazard is zero at every step (sim.model.channels.pulse_integrals)."""
    from ..model.channels import pulse_integrals

    ch = scenario.channels[channel]
    pulses = ch["releases"] if channel == "media" else ch["posts"]
    hazard = pulse_integrals(pulses, scenario.n_steps, scenario.step_hours)
    return not np.any(hazard > 0) and not (channel == "media" and ch["constant_hazard"] > 0)


def _no_holiday_in_run(scenario) -> bool:
    """The run's attention is the same whatever the holiday factor (no listed holiday in it)."""
    from ..model.attention import attention_by_step

    at = []
    for factor in (0.5, 1.0):
        copy = scenario.copy()
        copy.data["attention"]["holiday_factor"] = factor
        at.append(attention_by_step(copy))
    return bool(np.array_equal(at[0], at[1]))


# ---- which assumptions decide ----------------------------------------------------------
def _bound_text(key: str, low: float | None, high: float | None) -> str:
    label = label_of(key)
    if low is not None and high is not None:
        return f"{label} between {low:.3g} and {high:.3g}"
    return f"{label} above {low:.3g}" if low is not None else f"{label} below {high:.3g}"


def rank_assumptions(worlds: pd.DataFrame, difference: np.ndarray) -> pd.Series:
    """Spearman rank correlation of each assumption with the difference, strongest first
    (a sensitivity index that needs no special design; constant columns left out)."""
    x = worlds.astype(float)
    varying = [k for k in x.columns if x[k].nunique() > 1]
    if np.nanstd(difference) == 0 or not varying:
        return pd.Series(dtype=float)
    from scipy.stats import spearmanr     # here: scipy.stats takes a second to import

    rho = pd.Series({k: spearmanr(x[k], difference).statistic for k in varying}).dropna()
    return rho.reindex(rho.abs().sort_values(ascending=False).index)


def _biserial(ranks: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Rank-biserial correlation (2 AUC - 1) of each column of ``ranks`` (worlds x keys)
    between the worlds labelled True and the others, for each row of ``labels``
    (labelings x worlds, each with the same number of True)."""
    ones = labels[0].sum()
    zeros = labels.shape[1] - ones
    u = labels.astype(float) @ ranks - ones * (ones + 1) / 2.0
    return 2.0 * u / (ones * zeros) - 1.0


def separation(worlds: pd.DataFrame, interest: np.ndarray) -> pd.Series:
    """How far each assumption alone separates the worlds of interest from the others:
    the rank-biserial correlation, from -1 (every world of interest has a lower
    value than every other world) through 0 (no separation) to +1 (higher)."""
    ranks = worlds.astype(float).rank().to_numpy()
    return pd.Series(_biserial(ranks, np.asarray(interest, dtype=bool)[None, :])[0],
                     index=worlds.columns)


def permutation_p(worlds: pd.DataFrame, interest: np.ndarray, permutations: int = PERMUTATIONS,
                  seed: int = PERMUTATION_SEED) -> pd.Series:
    """For each assumption, the share of permutations of the outcomes over the worlds
    in which some assumption separates them at least as well as this one does
    (:func:`separation`; family-wise, as the strongest of all candidates is compared):
    ``(1 + count) / (1 + permutations)``. Small: its separation is not chance."""
    labels = np.asarray(interest, dtype=bool)
    ranks = worlds.astype(float).rank().to_numpy()
    observed = np.abs(_biserial(ranks, labels[None, :])[0])
    rng = np.random.default_rng(seed)
    per_chunk = max(1, CHUNK_CELLS // max(1, len(labels)))
    strongest = []
    for start in range(0, permutations, per_chunk):
        shuffled = rng.permuted(np.tile(labels, (min(per_chunk, permutations - start), 1)), axis=1)
        strongest.append(np.abs(_biserial(ranks, shuffled)).max(axis=1))
    top = np.concatenate(strongest)
    count = (top[:, None] >= observed[None, :] - 1e-9).sum(axis=0)
    return pd.Series((1.0 + count) / (1.0 + permutations), index=worlds.columns)


def discover(worlds: pd.DataFrame, better: np.ndarray, difference: np.ndarray,
             inert: set[str] | frozenset = frozenset()) -> dict:
    """Which assumption, if any, decides whether a scenario is better.

    The worlds of interest are those of the rarer outcome (``box_of``): where
    a mostly winning scenario is "not better", or where a mostly losing one
    is "better". Candidates are the assumptions that vary across the worlds,
    but those in ``inert`` (they cannot change either run). Each is scored by
    how well it alone separates the worlds of interest from the others
    (:func:`separation`) and tested against the same outcomes permuted over
    the worlds with a fixed seed (:func:`permutation_p`): an assumption
    decides when its p is at most :data:`ALPHA`. With tens of worlds and
    tens of assumptions the strongest correlation is often chance; this is
    what keeps chance from being named.

    PRIM (``prim``) then looks for a box on the (at most :data:`TOP`)
    deciding assumptions, restricting at most two of them: the densest box
    that holds at least :data:`MIN_COVERAGE` of the worlds of interest and
    lifts their share by :data:`LIFT`.

    Returns ``p`` (of the strongest candidate) and, when an assumption
    decides, ``decided_by`` (the strongest deciding key), ``rho`` (its rank
    correlation with the difference), ``box_of``; with a box also ``box``
    (a sentence), its ``coverage`` (share of the worlds of interest inside
    it) and ``density`` (share of the worlds inside it that are of interest).
    Empty when no assumption varies.
    """
    box_of = "not better" if np.mean(better) >= 0.5 else "better"
    interest = ~np.asarray(better, dtype=bool) if box_of == "not better" else np.asarray(better, dtype=bool)
    candidates = [k for k in worlds.columns if k not in inert and worlds[k].nunique() > 1]
    if not candidates:
        return {}
    x = worlds[candidates].reset_index(drop=True).astype(float)
    strength = separation(x, interest).abs().sort_values(ascending=False, kind="stable")
    p = permutation_p(x, interest)
    deciding = [k for k in strength.index if p[k] <= ALPHA]
    found: dict[str, Any] = {"p": float(p[strength.index[0]])}
    if not deciding:
        return found
    rho = rank_assumptions(x[[deciding[0]]], difference)
    found.update(decided_by=deciding[0], p=float(p[deciding[0]]), box_of=box_of,
                 rho=float(rho.iloc[0]) if len(rho) else math.nan)
    found.update(_box(x[deciding[:TOP]], interest))
    return found


def _box(x: pd.DataFrame, interest: np.ndarray) -> dict:
    """The PRIM box around the worlds of interest in the columns of ``x`` (see
    :func:`discover`): ``box``, ``coverage``, ``density``; empty if none qualifies."""
    import prim

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            box = prim.Prim(x, np.asarray(interest, dtype=bool), threshold=0.5,
                            threshold_type=">").find_box()
        except Exception:       # PRIM gives up on degenerate samples; no box then
            return {}
        trajectory = box.peeling_trajectory
        base = float(np.mean(interest))
        ok = trajectory[(trajectory["coverage"] >= MIN_COVERAGE) & (trajectory["res dim"] > 0)
                        & (trajectory["res dim"] <= 2)
                        & (trajectory["density"] >= base + LIFT * (1 - base))]
        if ok.empty:
            return {}
        box.select(int(ok["density"].idxmax()))
        limits = box.limits
    parts = []
    for key, row in limits.sort_values("qp values").iterrows():
        low = row["min"] if row["min"] > x[key].min() else None
        high = row["max"] if row["max"] < x[key].max() else None
        if low is not None or high is not None:
            parts.append(_bound_text(key, low, high))
    if not parts:
        return {}
    return {"box": " and ".join(parts), "coverage": float(box.coverage), "density": float(box.density)}


def _text(value) -> str:
    """A text cell of a robustness table ("" for an empty cell read back as NaN)."""
    return value if isinstance(value, str) else ""


def report_lines(table: pd.DataFrame) -> list[str]:
    """One sentence per scenario, e.g. "Direct first reaches half of affected customers
    sooner than Optus 2022 in 100% of 64 plausible worlds; ...; it is not better on ...
    mainly when ..." (or "no single assumption was found to decide ..."), from the table's values."""
    lines = []
    for scenario, rows in table.groupby("scenario", sort=False):
        rows = rows.set_index("measure")
        rows = rows[rows["worlds"] > 0]
        parts = []
        for i, (measure, row) in enumerate(rows.iterrows()):
            share = f"{100 * row['share_better']:.0f}%"
            head = HEADLINES[measure].better
            parts.append(f"{scenario} {head} than {row['baseline']} in {share} of {row['worlds']} "
                         f"plausible worlds" if i == 0 else f"{head} in {share}")
        lines.append("; ".join(parts) + _deciding_text(rows) + ".")
    return lines


def _deciding_text(rows: pd.DataFrame) -> str:
    """What decides where a scenario wins (rows: one scenario's, by measure): the first
    measure an assumption decides, and the measures with mixed outcomes none decides."""
    mixed = rows[(rows["share_better"] > 0) & (rows["share_better"] < 1)]
    named = [m for m, r in mixed.iterrows()
             if _text(r.get("box")) or _text(r.get("decided_by"))]
    text = ""
    if named:
        first = mixed.loc[named[0]]
        topic = HEADLINES[named[0]].topic
        if _text(first.get("box")) and first.get("box_of") in ("better", "not better"):
            text = (f"; it is {first['box_of']} on {topic} mainly when {first['box']} (so in "
                    f"{100 * first['box_density']:.0f}% of such worlds; they hold "
                    f"{100 * first['box_coverage']:.0f}% of the worlds where it is {first['box_of']})")
        else:
            text = (f"; whether it is better on {topic} depends most on "
                    f"{label_of(first['decided_by'])}")
    undecided = [m for m in mixed.index if m not in named] if "decided_by" in rows else []
    if undecided:
        topics = [HEADLINES[m].topic for m in undecided]
        words = topics[0] if len(topics) == 1 else ", ".join(topics[:-1]) + " and " + topics[-1]
        text += f"; no single assumption was found to decide whether it is better on {words}"
    return text


# ---- running --------------------------------------------------------------------------
def run_robustness(files: list[Path], out: str | Path, samples: int = DEFAULT_SAMPLES,
                   reps: int = DEFAULT_REPS, seed: int = DEFAULT_SEED, overrides: dict | None = None,
                   ranges_file: str | Path | None = None, posterior: str | Path | None = None,
                   engine: str = DEFAULT_ENGINE, workers: int | None = None, progress: bool = True,
                   say: Callable[[str], None] | None = None,
                   draw: Callable[[Path, pd.DataFrame, pd.DataFrame, str], list[Path]] | None = None
                   ) -> tuple[pd.DataFrame, list[str], list[Path]]:
    """Run the robustness batch into ``out/batch`` and write the tables into ``out``;
    given ``draw(out, table, diffs, baseline)``, the charts too (the command line
    passes :func:`sim.reporting.robustness_chart.write_robustness_charts`)."""
    from ..runs.batch import check_workers, run_batch

    out = Path(out)
    overrides = {"population.size": DEFAULT_PEOPLE, **(overrides or {})}
    spec, sampled, left_out = robustness_spec(files, samples, reps, seed, overrides, engine,
                                              ranges_file, posterior)
    check_workers(workers)
    claim_folder(out, "robustness")
    if left_out and say:
        say(f"not varied across worlds (lessons, unused network keys, --posterior or --set keys): "
            f"{', '.join(left_out)}")
    result = run_batch(spec, out / "batch", workers=workers, resume=True, progress=progress,
                       say=say, reuse_any=True)
    if result.runs_path is None:
        raise ScenarioError(out / "batch" / "manifest.json", "", f"every run failed ({result.first_error})")
    design = build_design(spec)
    plan = plan_runs(spec, design)
    index = {t.key: t.scenario_index for t in plan.tasks}
    runs = pd.read_parquet(result.runs_path)
    runs["scenario_index"] = runs["run"].map(index)
    names = [b.short_name for b in plan.bases]
    horizon = {i: b.hours for i, b in enumerate(plan.bases)}
    worlds = pd.DataFrame(design.points)
    table, diffs = analyse(runs, names, horizon, worlds, plan.bases)
    lines = report_lines(table)
    written = _write(out, table, diffs, worlds, lines)
    return table, lines, written + (draw(out, table, diffs, names[0]) if draw is not None else [])


def _write(out: Path, table, diffs, worlds, lines) -> list[Path]:
    paths = [out / "robustness.csv", out / "robustness_worlds.csv", out / "robustness.md"]
    write_atomically(paths[0], lambda p: spreadsheet_safe(table).to_csv(p, index=False,
                                                                       float_format="%.6g"))
    full = diffs.merge(worlds, left_on="world", right_index=True, how="left")
    write_atomically(paths[1], lambda p: spreadsheet_safe(full).to_csv(p, index=False,
                                                                      float_format="%.6g"))
    text = "\n".join(f"- {line}" for line in lines) + "\n"
    write_atomically(paths[2], lambda p: p.write_text(text, encoding="utf-8"))
    return paths
