"""The search: which plans run, in what order, and which are confirmed.

Method (argued in the README, measured by ``bench/optimise.py``):

1. **Search** with Optuna's TPE sampler (one objective) or its multi-objective form
   (several), seeded, asked :data:`PER_GENERATION` plans at a time (a "constant liar"
   spreads the plans of one generation). Each generation is one batch
   (:func:`sim.runs.batch.run_batch`: parallel, Dask, resumable): every plan ``--reps``
   times in each of ``--worlds`` worlds, with the same seeds for every plan (common random
   numbers: plans are compared under the same chance). A plan the input constraints
   cannot repair is not run; a plan seen before is not run again.
2. **Confirmation**: the best plans of the search (one objective: the
   :data:`CONFIRMED` best; several: the non-dominated, at most :data:`CONFIRMED` spread
   evenly along the front, its two ends included), the
   baseline and the compared scenarios run again :data:`CONFIRM_FACTOR` x ``--reps`` times
   with fresh seeds, shared among them. Their scores and bands come from these runs alone,
   so a plan that looked good by luck in the search is not reported on that luck.
3. **What a constraint costs**: the best plan with each binding input constraint relaxed
   by one step (``start`` one hour earlier, a ``throughput`` cap 10% higher), run with the
   confirmation's seeds; the paired difference is what that step buys.

The generations, the sampler's seed and its choices depend only on the request and the
runs' results, never on workers or timing, so the same command again replays the search,
reuses every finished run and continues where it stopped. ``--budget`` is not part of the
request: a larger budget continues the same search.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from ...config.bundled import bundled_dir
from ...config.scenario import Scenario, load_scenario, with_overrides
from ...errors import ScenarioError
from ...model.engine import DEFAULT_ENGINE
from ...runs.batchfile import MAX_SEED, BatchSpec
from ...runs.design import build_design
from ...runs.files import claim_folder, make_folder, write_atomically, write_json
from ...runs.notices import said_once
from ...runs.plan import plan_runs
from .goals import Constraint, Objective, outcome_values
from .levers import Lever, plan_data
from .plan_files import plan_text
from .repair import Infeasible, input_breaks
from .scores import band, non_dominated, score

__all__ = ["Request", "Candidate", "Outcome", "search", "comparison_files", "search_budget", "PER_GENERATION",
           "CONFIRMED", "CONFIRM_FACTOR"]

#: Plans asked of the sampler per generation (one batch); fixed, so results never depend
#: on the number of workers.
PER_GENERATION = 8
#: Most plans confirmed, and the factor of ``--reps`` they are confirmed with.
CONFIRMED = 8
CONFIRM_FACTOR = 2
#: Generations in a row that bring no new plan before the search stops (it has converged,
#: or a small lever space is used up).
STALE_GENERATIONS = 3
#: Whole-number levers with more values than this are searched as numbers and rounded.
WIDE = 200
DEFAULT_PEOPLE = 5_000
DEFAULT_REPS = 4
DEFAULT_BUDGET = 400


@dataclass
class Request:
    """A checked optimisation request (nothing written yet)."""

    scenario_file: Path
    base: Scenario                      # the scenario file without --set
    levers: list[Lever]                 # bounded by the start constraints
    original_levers: list[Lever]        # as given
    objectives: list[Objective]
    constraints: list[Constraint]
    prices: dict[str, float]
    budget: int
    reps: int
    worlds: int
    rule: str
    seed: int
    overrides: dict[str, Any]
    compare: list[Path]
    repair: Callable | None = None
    engine: str = DEFAULT_ENGINE
    sampled: dict[str, list] = field(default_factory=dict)   # world ranges
    #: ``"tpe"`` (the search) or ``"random"`` (plain random search, for the benchmark's comparison)
    sampler: str = "tpe"

    @property
    def measures(self) -> list[str]:
        """Every measure the search reads: objectives, then outcome constraints."""
        names = [o.measure for o in self.objectives]
        return names + [c.name for c in self.constraints if c.kind == "outcome" and c.name not in names]

    def identity(self) -> dict:
        """What makes two requests the same search (the budget does not)."""
        return {"scenario": str(self.scenario_file), "scenario_digest": _digest(self.base.data),
                "levers": _without_words([dataclass_dict(lv) for lv in self.levers]),
                "objectives": [o.__dict__ for o in self.objectives],
                "constraints": [c.text for c in self.constraints], "prices": self.prices,
                "reps": self.reps, "worlds": self.worlds, "rule": self.rule, "seed": self.seed,
                "set": self.overrides, "engine": self.engine, "sampler": self.sampler, "compare": [str(p) for p in self.compare]}

    @property
    def runs_per_plan(self) -> int:
        """Runs one plan costs in the search."""
        return self.reps * self.worlds


def dataclass_dict(lever: Lever) -> dict:
    """A lever as plain data (its choices as a list)."""
    return {**lever.__dict__, "choices": list(lever.choices)}


def _without_words(levers: list) -> list:
    """Levers as data without their ``label``: the words are not the search."""
    return [{k: v for k, v in lv.items() if k != "label"} if isinstance(lv, dict) else lv for lv in levers]


def _digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


@dataclass
class Candidate:
    """One plan the search tried: its lever values, the keys its file sets, its scores.

    ``scores[measure] = (score, low, high)``; ``stage`` is ``"search"`` or ``"confirmed"``
    (scores from the confirmation's runs)."""

    number: int
    generation: int
    values: dict[str, Any]
    data: dict[str, Any]
    digest: str
    file: Path | None = None
    status: str = "evaluated"           # evaluated | infeasible | failed
    note: str = ""
    scores: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    runs: int = 0
    stage: str = "search"
    feasible: bool = True
    same_as: int | None = None
    name: str = ""                      # a compared scenario's short name
    breaks: list[str] = field(default_factory=list)   # input constraints a compared scenario breaks


@dataclass
class Outcome:
    """What a search found: every plan, the comparisons, and what constraints cost."""

    request: Request
    candidates: list[Candidate]
    comparisons: list[Candidate]
    front: list[int]                   # plan numbers, non-dominated among the confirmed
    best: int | None                   # plan number
    relaxations: list[dict]
    runs_done: int


# ---- evaluation -------------------------------------------------------------------------------
class Evaluator:
    """Runs plans as batches into the optimisation folder and scores them."""

    def __init__(self, request: Request, out: Path, workers, scheduler, say, tick):
        self.request, self.out = request, out
        self.workers, self.scheduler, self.say, self.tick = workers, scheduler, say, tick
        self.runs_done = 0
        self.reused = 0                                  # finished runs found again (a resume)
        self.values: dict[Path, pd.DataFrame] = {}       # each batch folder's per-run values
        self._sample = ({"method": "lhs", "n": request.worlds, "seed": request.seed,
                         "ranges": request.sampled} if request.worlds > 1 else {})

    def _say_batch(self, line: str) -> None:
        """A batch's notes, but not its per-batch resume line (the search says one in all)."""
        if self.say is not None and not line.startswith("resume: reusing"):
            self.say(line)

    def spec(self, files: list[Path], reps: int, seed: int) -> BatchSpec:
        """The batch of ``files`` x worlds x ``reps``."""
        spec = BatchSpec(self.request.scenario_file, "optimise", files, reps, seed, self.request.engine,
                         dict(self.request.overrides), sample=dict(self._sample))
        return spec

    def run(self, files: list[Path], folder: Path, reps: int, seed: int) -> dict[Path, dict]:
        """Scores of each file's runs: ``{file: {measure: (score, low, high), "_runs": n}}``."""
        from ...runs.batch import run_batch

        spec = self.spec(files, reps, seed)
        result = run_batch(spec, folder, workers=self.workers, scheduler=self.scheduler, resume=True,
                           progress=False, say=self._say_batch, reuse_any=True)
        self.runs_done += result.total
        self.reused += result.reused
        self.tick(result.total)
        if result.runs_path is None:
            return {f: {"_runs": 0, "_error": result.first_error} for f in files}
        plan = plan_runs(spec, build_design(spec))
        runs = pd.read_parquet(result.runs_path)
        scenario_of = {str(spec.scenarios[i]): b for i, b in enumerate(plan.bases)}
        values = outcome_values(runs, scenario_of, self.request.measures, self.request.prices)
        values = values.rename(columns={"scenario_file": "file", "point": "world"})
        self.values[folder] = values
        return {f: self._scores(values[values["file"] == str(f)]) for f in files}

    def paired_change(self, folder: Path, file: Path, base_folder: Path, base_file: Path) -> dict:
        """Per measure, ``file``'s runs less ``base_file``'s, paired by world and replication
        (the same seeds): ``{measure: (change, low, high)}``, the band a 95% bootstrap interval."""
        key = ["world", "replication"]
        a = self.values[folder]
        b = self.values[base_folder]
        both = a[a["file"] == str(file)].merge(b[b["file"] == str(base_file)], on=key, suffixes=("", "_base"))
        out = {}
        for name in self.request.measures:
            lower = self._lower_is_better(name)
            diff = both[name] - both[f"{name}_base"]
            if len(diff):
                out[name] = (score(diff, both["world"], "mean", lower), *band(diff, both["world"], "mean", lower))
        return out

    def _scores(self, rows: pd.DataFrame) -> dict:
        out: dict[str, Any] = {"_runs": len(rows)}
        if not len(rows):
            return out
        for name in self.request.measures:
            lower = self._lower_is_better(name)
            value = score(rows[name], rows["world"], self.request.rule, lower)
            out[name] = (value, *band(rows[name], rows["world"], self.request.rule, lower))
        return out

    def _lower_is_better(self, name: str) -> bool:
        for o in self.request.objectives:
            if o.measure == name:
                return o.direction == "min"
        return next(c.op == "<=" for c in self.request.constraints if c.name == name)


def _feasible(request: Request, scores: dict) -> tuple[bool, dict[str, float]]:
    violations = {c.text: c.violation(scores[c.name][0]) for c in request.constraints if c.kind == "outcome"}
    return all(v <= 0 for v in violations.values()), violations


# ---- the search ---------------------------------------------------------------------------------
def _sampler(request: Request):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")            # multivariate / constant liar are "experimental"
        if request.sampler == "random":
            sampler = optuna.samplers.RandomSampler(seed=request.seed % 2**32)
        else:
            sampler = optuna.samplers.TPESampler(seed=request.seed % 2**32, multivariate=True, constant_liar=True,
                                             n_startup_trials=max(PER_GENERATION, 2 * len(request.levers)))
    directions = ["minimize" if o.direction == "min" else "maximize" for o in request.objectives]
    return optuna.create_study(directions=directions, sampler=sampler)


def _suggest(trial, lever: Lever) -> Any:
    if lever.kind == "float":
        return trial.suggest_float(lever.key, lever.low, lever.high, step=lever.step or None)
    if lever.kind == "int":
        step = int(lever.step) or 1
        if (lever.high - lever.low) / step > WIDE:     # TPE's discrete kernels are slow on wide ranges
            drawn = trial.suggest_float(lever.key, lever.low, lever.high)
            return int(min(lever.high, lever.low + step * round((drawn - lever.low) / step)))
        return trial.suggest_int(lever.key, int(lever.low), int(lever.high), step=step)
    names = [lever.name_of(c) for c in lever.choices]
    picked = trial.suggest_categorical(lever.key, names)
    return lever.choices[names.index(picked)]


def _candidate(request: Request, trial, generation: int) -> Candidate:
    values = {lv.key: _suggest(trial, lv) for lv in request.levers}
    effective: dict[str, Any] = {}
    try:
        data = plan_data(request.levers, values, request.base, request.repair, effective)
        with_overrides(request.base, data)
    except Infeasible as why:
        return Candidate(trial.number + 1, generation, values, {}, "", status="infeasible", note=str(why),
                         feasible=False)
    except ScenarioError as err:
        return Candidate(trial.number + 1, generation, values, {}, "", status="infeasible",
                         note=f"{err.key}: {err.message}", feasible=False)
    return Candidate(trial.number + 1, generation, effective, data, _digest(data))


def _write_plan(request: Request, out: Path, c: Candidate) -> Path:
    path = out / "plans" / f"plan-{c.number:04d}.toml"
    text = plan_text(request, c.data, f"Plan {c.number}", path,
                     f"Plan {c.number} of the optimisation in {out.name}: {_levers_words(request, c)}.")
    if not (path.is_file() and path.read_text(encoding="utf-8") == text):
        write_atomically(path, lambda p: p.write_text(text, encoding="utf-8"))
    return path


def _levers_words(request: Request, c: Candidate) -> str:
    from .levers import shown

    return "; ".join(f"{lv.label or lv.key} {shown(c.values[lv.key])}" for lv in request.levers)


def _tell(study, trial, request: Request, c: Candidate) -> None:
    from optuna.trial import TrialState

    if c.status != "evaluated" or not all(o.measure in c.scores for o in request.objectives):
        study.tell(trial, state=TrialState.FAIL)
        return
    for text, violation in _feasible(request, c.scores)[1].items():
        trial.set_constraint(text, float(violation))
    study.tell(trial, [c.scores[o.measure][0] for o in request.objectives])


def search_budget(request: Request, comparisons: int) -> int:
    """Runs the search itself may spend: the budget less what confirmation and the
    relaxations may need."""
    confirm_runs = (CONFIRMED + comparisons) * CONFIRM_FACTOR * request.runs_per_plan
    relax_runs = len([c for c in request.constraints if c.kind != "outcome"]) * CONFIRM_FACTOR * request.runs_per_plan
    return request.budget - confirm_runs - relax_runs


def search(request: Request, out: Path, workers=None, scheduler=None, progress: bool = True,
           say: Callable[[str], None] | None = None) -> Outcome:
    """Run the whole optimisation into ``out`` (see the module's docstring)."""
    out = Path(out)
    comparisons = comparison_files(request)
    room = search_budget(request, len(comparisons))
    if room < 2 * PER_GENERATION * request.runs_per_plan:
        need = request.budget - room + 2 * PER_GENERATION * request.runs_per_plan
        raise ScenarioError("--budget", str(request.budget), f"too small for these settings: give at least "
                            f"{need:,} runs (two generations of {PER_GENERATION} plans x {request.runs_per_plan} "
                            "runs, and their confirmation)")
    claim_folder(out, "optimise")
    _check_same_request(out, request)
    make_folder(out / "plans")
    bar = _progress(request.budget, progress)
    evaluator = Evaluator(request, out, workers, scheduler, say, bar.update)
    from ...runs.batch import Interrupted

    try:
        with said_once():              # a warning (and its measurement) once for the whole search
            outcome = _search_all(request, out, evaluator, room, comparisons, bar)
        if evaluator.reused and say is not None:
            say(f"resume: reused {evaluator.reused:,} finished runs of {evaluator.runs_done:,}")
        return outcome
    except Interrupted as stop:        # counted over the whole search, not the batch it stopped in
        raise Interrupted(evaluator.runs_done + stop.kept, request.budget,
                          "run the same command again to continue (finished runs are reused)") from None


def _search_all(request, out, evaluator, room, comparisons, bar) -> Outcome:
    try:
        candidates = _search_loop(request, out, evaluator, room)
        confirmed, compared = _confirm(request, out, evaluator, candidates, comparisons)
        front, best = _front(request, candidates)
        relaxations = _relax(request, out, evaluator, candidates, best)
    finally:
        bar.close()
    return Outcome(request, candidates, compared, front, best, relaxations, evaluator.runs_done)


def _search_loop(request: Request, out: Path, evaluator: Evaluator, room: int) -> list[Candidate]:
    study = _sampler(request)
    candidates: list[Candidate] = []
    by_digest: dict[str, Candidate] = {}
    spent, generation, stale = 0, 0, 0
    while spent + request.runs_per_plan <= room and stale < STALE_GENERATIONS:
        generation += 1
        ask = min(PER_GENERATION, (room - spent) // request.runs_per_plan)
        trials = [study.ask() for _ in range(ask)]
        batch = [_candidate(request, t, generation) for t in trials]
        new: dict[str, Candidate] = {}
        for c in batch:
            if c.status != "evaluated":
                continue
            seen = by_digest.get(c.digest) or new.get(c.digest)
            if seen is not None:
                c.same_as = seen.number
            else:
                new[c.digest] = c
                c.file = _write_plan(request, out, c)
        stale = 0 if new else stale + 1
        if new:
            scored = evaluator.run([c.file for c in new.values()], out / "search" / f"gen-{generation:04d}",
                                   request.reps, request.seed)
            for c in new.values():
                _take_scores(request, c, scored[c.file])
            spent += len(new) * request.runs_per_plan
            by_digest.update(new)
        for c in batch:
            if c.same_as is not None:
                twin = next(x for x in candidates + list(new.values()) if x.number == c.same_as)
                c.scores, c.status, c.feasible, c.file = twin.scores, twin.status, twin.feasible, twin.file
        for trial, c in zip(trials, batch):
            _tell(study, trial, request, c)
        candidates += batch
    return candidates


def _take_scores(request: Request, c: Candidate, scored: dict) -> None:
    c.runs = scored.get("_runs", 0)
    if not all(o.measure in scored for o in request.objectives):
        c.status, c.feasible = "failed", False
        c.note = scored.get("_error", "every run failed")
        return
    c.scores = {k: v for k, v in scored.items() if not k.startswith("_")}
    c.feasible = _feasible(request, c.scores)[0]


def comparison_files(request: Request) -> list[Path]:
    """Scenarios placed beside the plans: the baseline, the bundled scenarios that extend it
    directly, and ``--compare`` files."""
    out = [request.scenario_file]
    base = request.scenario_file.resolve()
    for path in sorted(bundled_dir().glob("*.toml")):
        try:
            import tomllib

            extends = tomllib.loads(path.read_text(encoding="utf-8")).get("scenario", {}).get("extends")
        except (OSError, ValueError):
            continue
        if extends and (path.parent / extends).resolve() == base and not path.stem.endswith("_off"):
            out.append(path)
    for path in request.compare:
        if path.resolve() not in {p.resolve() for p in out}:
            out.append(path)
    return out


def _ranked(request: Request, pool: list[Candidate]) -> list[Candidate]:
    """The plans to confirm: the best few by the first objective, or the non-dominated (at
    most :data:`CONFIRMED`, evenly spread along the first objective)."""
    if len(request.objectives) == 1:
        o = request.objectives[0]
        return sorted(pool, key=lambda c: (o.sign * c.scores[o.measure][0], c.number))[:CONFIRMED]
    costs = [[o.sign * c.scores[o.measure][0] for o in request.objectives] for c in pool]
    keep = non_dominated(costs) if pool else []
    first = request.objectives[0]
    front = sorted((c for c, k in zip(pool, keep) if k), key=lambda c: (first.sign * c.scores[first.measure][0],
                                                                          c.number))
    if len(front) <= CONFIRMED:
        return front
    # spread along the front, both ends included, so confirmation keeps its whole extent
    picks = sorted({int(round(i)) for i in np.linspace(0, len(front) - 1, CONFIRMED)})
    return [front[i] for i in picks]


def _confirm(request: Request, out: Path, evaluator: Evaluator, candidates: list[Candidate],
             comparisons: list[Path]) -> tuple[list[Candidate], list[Candidate]]:
    pool = [c for c in candidates if c.status == "evaluated" and c.feasible and c.same_as is None]
    chosen = _ranked(request, pool)
    files = [c.file for c in chosen] + comparisons
    scored = evaluator.run(files, out / "confirm", CONFIRM_FACTOR * request.reps, _confirm_seed(request))
    for c in chosen:
        _take_scores(request, c, scored[c.file])
        c.stage = "confirmed"
    compared = []
    for i, path in enumerate(comparisons):
        scenario = load_scenario(path)
        c = Candidate(0, 0, {}, {}, "", file=path, stage="baseline" if i == 0 else "compared")
        c.name = scenario.data["scenario"].get("short_name") or scenario.name
        _take_scores(request, c, scored[path])
        broken = input_breaks(scenario, request.constraints)
        if broken:
            c.feasible, c.breaks = False, broken
        compared.append(c)
    return chosen, compared


def _confirm_seed(request: Request) -> int:
    return (request.seed + 1) % (MAX_SEED + 1)


def _front(request: Request, candidates: list[Candidate]) -> tuple[list[int], int | None]:
    from .scores import knee

    pool = [c for c in candidates if c.stage == "confirmed" and c.status == "evaluated" and c.feasible]
    if not pool:
        return [], None
    costs = [[o.sign * c.scores[o.measure][0] for o in request.objectives] for c in pool]
    keep = non_dominated(costs)
    front = [c for c, k in zip(pool, keep) if k]
    first = request.objectives[0]
    front.sort(key=lambda c: (first.sign * c.scores[first.measure][0], c.number))
    if len(request.objectives) == 1:
        return [front[0].number], front[0].number
    best = front[knee([[o.sign * c.scores[o.measure][0] for o in request.objectives] for c in front])]
    return [c.number for c in front], best.number


def _relax(request: Request, out: Path, evaluator: Evaluator, candidates: list[Candidate],
           best: int | None) -> list[dict]:
    from .relax import relaxed_plans, search_relaxation

    outcome_rows = [search_relaxation(request, c, candidates) for c in request.constraints if c.kind == "outcome"]
    if best is None:
        return outcome_rows
    plan = next(c for c in candidates if c.number == best and c.same_as is None)
    rows, files = relaxed_plans(request, out, plan)
    if files:
        scored = evaluator.run(files, out / "relax", CONFIRM_FACTOR * request.reps, _confirm_seed(request))
        for row, path in zip([r for r in rows if r.get("file")], files):
            row["scores"] = {k: v for k, v in scored[path].items() if not k.startswith("_")}
            row["change"] = evaluator.paired_change(out / "relax", path, out / "confirm", plan.file)
    return rows + outcome_rows


# ---- the folder ---------------------------------------------------------------------------------
def _check_same_request(out: Path, request: Request) -> None:
    path = out / "request.json"
    identity = json.loads(json.dumps(request.identity(), default=str))
    if path.is_file():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = None
        if isinstance(old, dict) and isinstance(old.get("levers"), list):    # written when the words
            old["levers"] = _without_words(old["levers"])                     # were part of it
        if old is not None and old != identity:
            changed = sorted(k for k in identity if old.get(k) != identity[k])
            raise ScenarioError(out, "", f"holds an optimisation with other settings ({', '.join(changed)}); "
                                "give another --out, or run that command again to continue it")
    write_json(path, identity)


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, enabled: bool):
    if not enabled:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, unit="run", desc="optimise", dynamic_ncols=True, leave=False,
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} runs [{elapsed}<{remaining}]")
