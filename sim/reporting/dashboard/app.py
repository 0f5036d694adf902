"""The dashboard page (Solara): the levers on the left, baseline against current on the right.

Every browser tab has its own state (Solara reactive variables are per
page). A change of a control:

1. rebuilds the current scenario as "starting scenario + overrides" through
   :func:`sim.load_scenario` (a bad value shows the command line's one-line
   message at the top of the page, and the last good result stays);
2. starts a job (:class:`~sim.reporting.dashboard.runs.Runner`) that replaces the
   previous one, which stops at once; results stream in run by run with a
   progress bar, and the charts and figures redraw as they arrive.

The baseline is the starting scenario as its file has it, run with the same
agents per run and replications; it changes only with those, or when another
starting scenario is picked.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import threading
import time
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import reacton.ipyvuetify as rv
import solara
from solara.lab import task

from ...errors import ScenarioError
from ...runs.notices import SaidOnce, say_once, warning_kind
from ...model.step_length import step_length_kind
from ...runs.step_effect import step_length_effect
from ..text import fmt_hours, fmt_pct, fmt_people, fmt_trust, plural, short_name
from ...config.scenario import load_scenario
from ...config.schema import label_of
from ...config.vocabulary import medium_words, target_words
from ..scenarios import info_from_data, who_text
from ...model.simulate import simulate
from . import figures
from . import levers as lv
from .config import DashboardConfig
from .export import change_count, problem_line, save_scenario, slug
from .optimisation import Plan, panel_of, plan_values, read_optimisation
from .network_view import NETWORK_PEOPLE, network_figure, small_network
from .runs import Outcome, Runner

CONFIG = DashboardConfig.from_env()
#: Names of the starting scenarios, in the order given.
NAMES = [load_scenario(path).name for path in CONFIG.scenarios]
#: The optimisation whose plans the page offers (``--optimisation DIR``), or None.
OPTIMISED = read_optimisation(CONFIG.optimisation) if CONFIG.optimisation else None
#: Seconds a job waits before starting, so that dragging a slider (or a reset, several
#: changes at once) starts one job, not twenty.
DEBOUNCE = 0.12
#: Seconds between updates of the progress bar while runs come in (each update redraws the
#: page's status, in the server and the browser, on the cores the runs share).
PROGRESS_EVERY = 0.2
#: Seconds between redraws of a long job's runs so far (drawing takes the CPU the runs need;
#: a job shorter than this is drawn once, when all its runs are in).
REDRAW_EVERY = 1.5
#: Hours a start or posting time slider reaches (longer: type into the scenario file).
SLIDER_HOURS = 168

_runner: Runner | None = None
_runner_lock = threading.Lock()
#: The warnings this server has said in its log (each kind once), and each kind's line
#: (a step-length warning with its effect, measured once on one run).
SAID = SaidOnce()
_notes: dict[str, str] = {}
_notes_lock = threading.Lock()


def runner() -> Runner:
    """The server's one pool of worker processes (started on first use)."""
    global _runner
    with _runner_lock:
        if _runner is None:
            _runner = Runner(CONFIG.workers)
        return _runner


def warm() -> None:
    """Start the workers, and have each run and draw a tiny job once (imports, compiled
    code and font caches ready before the first page asks)."""
    tiny = load_scenario(CONFIG.scenarios[0], {lv.SIZE: 200, "scenario.hours": 24})
    with warnings.catch_warnings():  # a warm-up nobody asked for says nothing
        warnings.simplefilter("ignore")
        simulate(tiny, seed=0)  # compiled code is built here once, read from its cache by the workers
    pool = runner()
    pool.warm()
    outcome = list(pool.outcomes(tiny, pool.workers, CONFIG.seed))[-1]
    pool.map(figures.png, [(name, outcome, outcome) for name in figures.FIGURES] * pool.workers)


# --------------------------------------------------------------------------- state

def _start_values(index: int) -> dict:
    """Lever values of starting scenario ``index`` as its file has them."""
    return lv.lever_values(load_scenario(CONFIG.scenarios[index]))


def _initial_values(index: int) -> dict:
    values = _start_values(index)
    if CONFIG.people:
        values[lv.SIZE] = CONFIG.people
    return values


choice = solara.reactive(0)
values = solara.reactive(_initial_values(0))
replications = solara.reactive(CONFIG.replications)
problem = solara.reactive("")
saved = solara.reactive(None)
save_problem = solara.reactive("")
export_name = solara.reactive("")
show_network = solara.reactive(False)
network_hour = solara.reactive(24)


def set_lever(key: str, value) -> None:
    values.set({**values.value, key: value})


def set_item(list_key: str, index: int, name: str, value) -> None:
    items = copy.deepcopy(values.value[list_key])
    items[index][name] = value
    set_lever(list_key, items)


def add_item(list_key: str, item: dict) -> None:
    set_lever(list_key, copy.deepcopy(values.value[list_key]) + [copy.deepcopy(item)])


def remove_item(list_key: str, index: int) -> None:
    items = copy.deepcopy(values.value[list_key])
    del items[index]
    set_lever(list_key, items)


def pick_start(name: str) -> None:
    index = NAMES.index(name)
    choice.set(index)
    values.set(_initial_values(index))
    saved.set(None)
    save_problem.set("")
    export_name.set("")


def reset() -> None:
    values.set(_initial_values(choice.value))
    saved.set(None)
    save_problem.set("")


def load_plan(plan: Plan) -> None:
    """Make an optimised plan the current settings: its scenario (the one the plan's file
    extends) becomes the starting scenario and the plan's levers the controls' values, so
    that "starting scenario + overrides" is the plan's file (agents per run as a reset has
    them). One change of the page, run as any other (debounced, one job)."""
    plan_now, _ = plan_values(plan.file, CONFIG.people)
    choice.set(CONFIG.scenarios.index(OPTIMISED.base))
    values.set(copy.deepcopy(plan_now))
    saved.set(None)
    save_problem.set("")
    export_name.set(f"{short_name(OPTIMISED.name)}, optimised plan {plan.number}")


# --------------------------------------------------------------------------- runs

@dataclass(frozen=True)
class Shown:
    """What the page draws: the baseline's and the current settings' outcomes and charts."""

    base: Outcome
    now: Outcome
    settings: str  # digest of the controls' settings these are the runs of
    awareness: bytes  # PNG
    others: tuple[bytes, bytes] | None  # first sources and trust (PNG), once all runs are in
    notes: tuple[str, ...] = ()  # the runs' warnings, one line per kind


def note_of(message: str, scenario) -> str:
    """The page's line for a warning of the runs: a step-length warning with its effect
    measured once per kind on one run of ``scenario`` (cheap: at most 10,000 agents);
    the first time a kind comes up, the line also goes to the server's log (one line,
    no source location)."""
    kind = warning_kind(message)
    with _notes_lock:
        known = _notes.get(kind)
    if known is None:
        effect = step_length_effect(scenario, CONFIG.seed) if step_length_kind(message) else None
        known = effect.line() if effect is not None and effect.check.kind == kind else message
        with _notes_lock:
            known = _notes.setdefault(kind, known)
    say_once(known, local=SAID)
    return known


def notes_of(*pairs) -> tuple[str, ...]:
    """One line per kind of warning of ``(outcome, scenario)`` pairs, in order."""
    lines: dict[str, str] = {}
    for outcome, scenario in pairs:
        for message in outcome.warnings:
            lines.setdefault(warning_kind(message), note_of(message, scenario))
    return tuple(lines.values())


#: How many sets of charts (the three PNGs of one baseline and one current outcome) the
#: server keeps, so that going back to settings whose runs are kept redraws at once.
KEEP_CHARTS = 16
_charts: OrderedDict[tuple[str, str], list[bytes]] = OrderedDict()
_charts_lock = threading.Lock()


def charts_of(pool: Runner, base: Outcome, now: Outcome) -> list[bytes]:
    """The three charts (PNG, in :data:`figures.FIGURES` order) of ``base`` against ``now``,
    drawn side by side in the workers, or kept from the last time these outcomes (by
    :attr:`Outcome.ident`) were drawn."""
    key = (base.ident, now.ident)
    keyed = bool(base.key and now.key)
    with _charts_lock:
        known = _charts.get(key) if keyed else None
    if known is not None:
        return known
    pngs = pool.map(figures.png, [(name, base, now) for name in figures.FIGURES])
    if keyed:
        with _charts_lock:
            _charts[key] = pngs
            _charts.move_to_end(key)
            while len(_charts) > KEEP_CHARTS:
                _charts.popitem(last=False)
    return pngs


def job_results(pool: Runner, base_scenario, now_scenario, reps: int, settings: str,
                cancelled=lambda: False, progress=lambda percent: None):
    """What a change shows: baseline (usually cached), then current settings; yields a
    :class:`Shown` when all runs are in (the three charts drawn side by side in the workers)
    and, for a long job, the awareness chart of the runs so far every :data:`REDRAW_EVERY`
    seconds. ``progress(percent)`` is told the runs done (0-100), at most every
    :data:`PROGRESS_EVERY` seconds and when a half is complete."""
    told = {"at": -float("inf")}

    def tell(percent: float, complete: bool) -> None:
        if complete or time.perf_counter() - told["at"] >= PROGRESS_EVERY:
            progress(percent)
            told["at"] = time.perf_counter()

    base = None
    for base in pool.outcomes(base_scenario, reps, CONFIG.seed, cancelled):
        tell(50 * base.done / base.total, base.complete)
    if base is None or not base.complete or cancelled():
        return
    drawn_at = time.perf_counter()
    for now in pool.outcomes(now_scenario, reps, CONFIG.seed, cancelled):
        tell(50 + 50 * now.done / now.total, now.complete)
        if now.complete:
            pngs = charts_of(pool, base, now)
            notes = notes_of((base, base_scenario), (now, now_scenario))
            if not cancelled():
                yield Shown(base, now, settings, pngs[0], (pngs[1], pngs[2]), notes)
        elif time.perf_counter() - drawn_at > REDRAW_EVERY:
            yield Shown(base, now, settings, figures.png("awareness", base, now), None)
            drawn_at = time.perf_counter()


@task
def run_job(base_scenario, now_scenario, reps: int, settings: str):
    """The page's job for a change (:func:`job_results`), started after :data:`DEBOUNCE`
    seconds unless a newer change came meanwhile (a reset or a drag is several changes)."""
    time.sleep(DEBOUNCE)
    if not run_job.is_current():
        return

    def cancelled() -> bool:
        return not run_job.is_current()

    def progress(percent: float) -> None:
        run_job.progress = percent

    yield from job_results(runner(), base_scenario, now_scenario, reps, settings, cancelled, progress)


@task
def network_job(scenario, seed: int):
    """One small run for the network view."""
    time.sleep(DEBOUNCE)
    if not network_job.is_current():
        return None
    return small_network(scenario, seed)


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


# --------------------------------------------------------------------------- controls

@solara.component
def Labelled(label: str, text: str):
    solara.HTML(tag="div", unsafe_innerHTML=f"{label} <b>{text}</b>", classes=["lever-label"])


@solara.component
def HourSlider(label: str, value: float, on_value, test_id: str):
    Labelled(label, fmt_hours(value))
    with solara.Div(classes=[test_id]):
        solara.SliderInt("", value=int(round(value)), min=0, max=max(SLIDER_HOURS, int(value) + 1),
                         on_value=lambda v: on_value(float(v)), thumb_label=False)


@solara.component
def ShareSlider(label: str, value: float, on_value, test_id: str, high: float = 1.0,
                step: float = 0.01, text: str | None = None):
    Labelled(label, text if text is not None else f"{value:g}")
    with solara.Div(classes=[test_id]):
        solara.SliderFloat("", value=value, min=0.0, max=high, step=step, on_value=on_value,
                           thumb_label=False)


@solara.component
def NumberBox(label: str, value, on_value, test_id: str):
    """A number typed as text, read as the command line reads ``--set`` values."""
    with solara.Div(classes=[test_id]):
        solara.InputText(label, value=lv.number_text(value),
                         on_value=lambda text: on_value(lv.read_number(text)))


@solara.component
def WordSelect(label: str, value, choices: dict, on_value, test_id: str):
    """A select of names shown in words (``choices``: name -> words); a value it does not
    list is shown as it is (the scenario check names it)."""
    items = [{"text": words, "value": name} for name, words in choices.items()]
    if value is not None and value not in choices:
        items.append({"text": str(value), "value": value})
    with solara.Div(classes=[test_id]):
        rv.Select(label=label, v_model=value, items=items, on_v_model=on_value,
                  menu_props={"contentClass": f"{test_id}-menu"})


@dataclass(frozen=True)
class Choices:
    """What a campaign of the starting scenario can name, in words (see :mod:`.levers`)."""

    media: dict  # name -> words
    kinds: list  # (heading, {name: words}) per kind of target
    names: dict  # every target name -> words, in order
    segments: dict  # the declared segments (their labels)
    info: object  # ScenarioInfo, for who a campaign's targets hold in words

    @classmethod
    def of(cls, scenario) -> "Choices":
        return cls(lv.media_choices(scenario), lv.target_choices(scenario),
                   lv.target_names(scenario), scenario.data["population"]["segments"],
                   info_from_data(scenario.data))


@solara.component
def CampaignControls(index: int, item: dict, choices: Choices):
    key = lv.CAMPAIGNS

    def label(name: str) -> str:
        return lv.item_label(key, index, name)

    medium = item["medium"]
    words = choices.media.get(medium) or medium_words(medium)
    with solara.Card(f"Campaign {index + 1}: {words}", margin=0,
                     classes=["lever-card", f"campaign-{index}"]):
        WordSelect(label("medium"), medium, choices.media,
                   lambda v: set_item(key, index, "medium", v), f"campaign-{index}-medium")
        HourSlider(label("start_hour"), item["start_hour"],
                   lambda v: set_item(key, index, "start_hour", v), f"campaign-{index}-start")
        NumberBox(label("per_hour"), item["per_hour"],
                  lambda v: set_item(key, index, "per_hour", v), f"campaign-{index}-per-hour")
        TargetControls(index, item, choices)
        PriorityControls(index, item, choices)
        solara.Checkbox(label=label("ask_to_share"), value=bool(item.get("ask_to_share")),
                        on_value=lambda v: set_item(key, index, "ask_to_share", v))
        solara.Button("remove this campaign", text=True, small=True,
                      on_click=lambda: remove_item(key, index))


@solara.component
def TargetControls(index: int, item: dict, choices: Choices):
    """One row of checkboxes per kind of target (customer groups, generations, segments)."""
    targets = list(item["targets"])
    who = who_text(choices.info, {"targets": targets}) if targets else "no one (tick at least one)"
    with solara.Div(classes=[f"campaign-{index}-targets"]):
        Labelled(lv.item_label(lv.CAMPAIGNS, index, "targets"), _escape(who))
        solara.Text("Ticked in one row: any of them; in different rows: all must hold.",
                    classes=["lever-hint"])
        for heading, names in choices.kinds:
            with solara.Div(classes=["target-kind", f"campaign-{index}-{heading.replace(' ', '-')}"]):
                solara.Text(heading, classes=["target-heading"])
                with solara.Row(classes=["target-row"], gap="0px", style="flex-wrap: wrap"):
                    for name, words in names.items():
                        solara.Checkbox(label=words, value=name in targets,
                                        on_value=lambda on, n=name: _set_target(index, n, on, choices))


def _set_target(index: int, name: str, on: bool, choices: Choices) -> None:
    targets = values.value[lv.CAMPAIGNS][index]["targets"]
    set_item(lv.CAMPAIGNS, index, "targets", lv.with_target(targets, name, on, list(choices.names)))


@solara.component
def PriorityControls(index: int, item: dict, choices: Choices):
    """The targets sent to first, in order: one row each (up, down, remove), and a select
    that adds one at the end."""
    priority = list(item.get("priority") or [])

    def put(new: list) -> None:
        set_item(lv.CAMPAIGNS, index, "priority", new)

    with solara.Div(classes=[f"campaign-{index}-priority"]):
        Labelled(lv.item_label(lv.CAMPAIGNS, index, "priority"),
                 _escape(lv.priority_text(priority, choices.segments)))
        for j, name in enumerate(priority):
            with solara.Row(classes=["priority-row", f"priority-{j}"], gap="2px",
                            style="align-items: center"):
                words = choices.names.get(name) or target_words(name, choices.segments)
                solara.Text(f"{j + 1}. {words}", classes=["priority-name"])
                solara.Button("up", text=True, small=True, disabled=j == 0, classes=["priority-up"],
                              on_click=lambda j=j: put(lv.moved(priority, j, -1)))
                solara.Button("down", text=True, small=True, disabled=j == len(priority) - 1,
                              classes=["priority-down"], on_click=lambda j=j: put(lv.moved(priority, j, 1)))
                solara.Button("remove", text=True, small=True, classes=["priority-remove"],
                              on_click=lambda j=j: put(priority[:j] + priority[j + 1:]))
        rest = {name: words for name, words in choices.names.items() if name not in priority}
        if rest:
            # A new select each time the list changes: it always starts empty.
            WordSelect("then send first to ..." if priority else "send first to ...", None, rest,
                       lambda name: put(priority + [name]),
                       f"campaign-{index}-priority-add").key(f"add-{index}-{'-'.join(priority)}")


@solara.component
def PulseControls(list_key: str, index: int, item: dict, what: str):
    def label(name: str) -> str:
        return lv.item_label(list_key, index, name)

    with solara.Card(f"{what} {index + 1}", margin=0, classes=["lever-card"]):
        HourSlider(label("at_hour"), item["at_hour"],
                   lambda v: set_item(list_key, index, "at_hour", v), f"{slug(what)}-{index}-at")
        ShareSlider(label("reach"), item["reach"], lambda v: set_item(list_key, index, "reach", v),
                    f"{slug(what)}-{index}-reach", text=fmt_pct(item["reach"]))
        NumberBox(label("half_life_hours"), item["half_life_hours"],
                  lambda v: set_item(list_key, index, "half_life_hours", v),
                  f"{slug(what)}-{index}-half-life")
        solara.Button("remove", text=True, small=True, on_click=lambda: remove_item(list_key, index))


@solara.component
def Controls(start):
    now = values.value
    choices = solara.use_memo(lambda: Choices.of(start), [id(start)])
    with solara.Details("Run settings", expand=True):
        with solara.Div(classes=["people-input"]):
            solara.InputInt(label_of(lv.SIZE), value=now[lv.SIZE],
                            on_value=lambda v: set_lever(lv.SIZE, v))
        with solara.Div(classes=["reps-input"]):
            solara.InputInt("runs (replications)", value=replications.value,
                            on_value=replications.set)
    with solara.Details(f"Company messages ({', '.join(choices.media.values())})", expand=True):
        for i, item in enumerate(now[lv.CAMPAIGNS]):
            CampaignControls(i, item, choices)
        solara.Button("add a campaign", text=True,
                      on_click=lambda: add_item(lv.CAMPAIGNS, lv.new_campaign(start)))
    with solara.Details("Press releases and tweets"):
        for i, item in enumerate(now[lv.RELEASES]):
            PulseControls(lv.RELEASES, i, item, "Press release")
        solara.Button("add a press release", text=True,
                      on_click=lambda: add_item(lv.RELEASES, lv.NEW_PULSE))
        for i, item in enumerate(now[lv.POSTS]):
            PulseControls(lv.POSTS, i, item, "Tweet")
        solara.Button("add a tweet", text=True, on_click=lambda: add_item(lv.POSTS, lv.NEW_PULSE))
    sliders = lv.sliders(start)
    for group, title in (("word_of_mouth", "Word of mouth"), ("trust", "Trust in each source"),
                         ("consequences", "What the breach costs (assumptions)")):
        with solara.Details(title):
            for s in (s for s in sliders if s.group == group):
                ShareSlider(s.label, now[s.key], lambda v, k=s.key: set_lever(k, v),
                            slug(s.key), high=s.high, step=s.step)
    solara.Button("reset to the starting scenario", text=True, on_click=reset)


# --------------------------------------------------------------------------- results

HEADLINE_ROWS = (
    ("hours_to_50pct_affected", "time until 50% of affected customers know", "hours"),
    ("hours_to_90pct_affected", "time until 90% know", "hours"),
    ("share_affected_first_from_company", "heard first from the company", "share"),
    ("unaware_affected_share_24h", "still unaware after 24 h", "share"),
    ("unaware_affected_share_72h", "still unaware after 72 h", "share"),
    ("final_company_trust_affected", "trust in the company at the end", "trust"),
    ("customers_lost", "customers expected to leave", "people"),
    ("calls_peak_per_hour", "calls in the busiest hour", "people"),
)
_FMT = {"hours": lambda v: fmt_hours(v, days=False), "share": fmt_pct, "trust": fmt_trust, "people": fmt_people}


def headline_html(base: Outcome, now: Outcome) -> str:
    """The headline figures as an HTML table: median (10-90% of runs), baseline and current."""
    rows = []
    for key, words, kind in HEADLINE_ROWS:
        fmt = _FMT[kind]
        cells = []
        for name, outcome in (("base", base), ("now", now)):
            lo, mid, hi = outcome.headline[key]
            spread = f"{fmt(lo)} to {fmt(hi)}" if fmt(lo) != fmt(hi) else ""
            cells.append(f'<td class="{key} {name}"><b>{fmt(mid)}</b>'
                         f'<span class="range">{spread}</span></td>')
        rows.append(f"<tr><th>{words}</th>{''.join(cells)}</tr>")
    return ('<table class="figures-table"><tr><th></th><th>baseline</th><th>current settings</th></tr>'
            + "".join(rows) + "</table>"
            + '<p class="table-note">Median of the runs; in grey, 10-90% of runs where they differ.</p>')


CSS = """
.figures-table { border-collapse: collapse; font-size: 14px; margin: 8px 0 12px 0; }
.figures-table th, .figures-table td { padding: 5px 12px 5px 0; text-align: left; vertical-align: top;
  border-bottom: 1px solid #eee; }
.figures-table th { font-weight: normal; color: #333; }
.figures-table tr:first-child th { font-weight: bold; }
.figures-table td b { font-size: 16px; }
.figures-table td.now b { color: #0072B2; }
.figures-table .range { display: block; color: #777; font-size: 11.5px; }
.lever-label { font-size: 13px; margin-top: 6px; }
.lever-card { margin-bottom: 8px !important; }
.lever-hint { font-size: 11.5px; color: #777; }
.target-heading { font-size: 12px; color: #555; margin-top: 4px; display: block; }
.target-row .v-input--checkbox { margin: 0 14px 0 0; padding-top: 0; }
.target-row .v-input__slot { margin-bottom: 0; }
.target-row .v-messages { display: none; }
.priority-row { flex-wrap: nowrap; }
.priority-name { font-size: 13px; flex: 1 1 auto; }
.priority-row .v-btn { text-transform: none; min-width: 0 !important; padding: 0 6px !important; }
.status { font-size: 13px; color: #555; }
.page-title { font-weight: 400; margin: 4px 0 8px 0; }
.bad-value { font-family: monospace; }
.stale { opacity: 0.4; }
.table-note { font-size: 11.5px; color: #777; }
pre.toml { background: #f6f6f6; padding: 8px; font-size: 12px; white-space: pre-wrap; }
.job-progress { height: 4px; margin: 6px 0; background: #dde9f2; }
.job-progress.idle { visibility: hidden; }
.job-progress div { height: 100%; background: #0072B2; }
.plans-intro, .plans-other-start, .plans-note { font-size: 13px; color: #555; display: block; }
.plans-other-start { color: #8a5a00; margin-top: 4px; }
.plans-table { border-collapse: collapse; font-size: 14px; margin: 10px 0 4px 0; }
.plans-table th { font-weight: normal; color: #555; font-size: 12.5px; text-align: left;
  vertical-align: bottom; padding: 4px 14px 4px 0; border-bottom: 1px solid #ddd; max-width: 190px; }
.plans-table th .better { display: block; font-size: 11px; color: #888; }
.plans-table td { padding: 6px 14px 6px 0; vertical-align: top; border-bottom: 1px solid #eee; }
.plans-table td.plan-name { white-space: nowrap; }
.plans-table td b { font-size: 15px; }
.plans-table .range { display: block; color: #777; font-size: 11.5px; }
.plans-table tr.loaded td { background: #eef5fb; }
.plan-best { margin-left: 6px; padding: 1px 6px; border-radius: 8px; background: #0072B2; color: white;
  font-size: 11px; }
"""


@solara.component
def JobProgress(percent: float | None):
    """A thin bar of the job's runs done (``percent``, 0-100; ``None``: no job, its space kept
    so that the page does not move). Plain HTML that the browser redraws only when the share
    changes: an animated bar kept the browser busy on the cores the runs need."""
    width = 0.0 if percent is None else max(0.0, min(100.0, percent))
    solara.HTML(tag="div", unsafe_innerHTML=f'<div style="width: {width:.0f}%"></div>',
                classes=["job-progress"] + (["idle"] if percent is None else []))


@solara.component
def Status(shown: Shown | None, reps: int, settings: str):
    if run_job.pending or shown is None:
        progress = run_job.progress or 0
        JobProgress(progress)
        solara.Text("running the baseline ..." if progress < 50 else
                    f"running the current settings: {(progress - 50) / 50:.0%} of {reps} runs",
                    classes=["status", "running"])
        return
    JobProgress(None)
    now = shown.now
    # Which settings the figures are for, and which the controls hold (for tests and benches).
    done = shown.settings if now.complete else ""
    solara.HTML(tag="span", unsafe_innerHTML=f"{done}|{settings}", classes=["keys"],
                style="display: none")
    solara.Text(f"{now.done} runs of {now.agents:,} agents each (one agent stands for "
                f"{fmt_people(now.people_per_agent)} people); baseline and current share seeds",
                classes=["status", "finished"])
    for note in shown.notes:
        solara.Text(f"Note: {note.removeprefix('warning: ')}", classes=["status", "run-note"])


@solara.component
def Results(shown: Shown):
    """The awareness chart and the figures; the other two charts are drawn once all runs are
    in (while runs come in, they show the previous settings, dimmed)."""
    finished = solara.use_ref(None)
    if shown.others is not None:
        finished.current = shown
    with solara.Columns([5, 2]):
        with solara.Div(classes=["chart-awareness"]):
            solara.Image(shown.awareness, width="100%")
        solara.HTML(tag="div", unsafe_innerHTML=headline_html(shown.base, shown.now),
                    classes=["headline-box"])
    last = finished.current
    if last is not None:
        with solara.Columns([1, 1], classes=["more-charts"] + ([] if last is shown else ["stale"])):
            solara.Image(last.others[0], width="100%")
            solara.Image(last.others[1], width="100%")


@solara.component
def ResultsArea(reps: int, settings: str):
    """Status and results: the only part of the page that reads the job (so that a run
    coming in redraws this, not the controls)."""
    shown = run_job.latest
    Status(shown, reps, settings)
    if shown is not None:
        Results(shown)


@solara.component
def OptimisedPlans(path: str):
    """The optimisation's plans (the front, or the best plan) with their scores, each with a
    button that loads it as the current settings (words: :func:`.optimisation.panel_of`)."""
    panel = panel_of(OPTIMISED, path, NAMES[choice.value], values.value, CONFIG.people)
    with solara.Card(panel.title, classes=["optimised-plans"]):
        solara.Text(panel.intro, classes=["plans-intro"])
        if panel.other_start:
            solara.Text(panel.other_start, classes=["plans-other-start"])
        head = [rv.Html(tag="th", children=[h]) for h in ("plan", *panel.levers)]
        head += [rv.Html(tag="th", children=[label, rv.Html(tag="span", class_="better", children=[better])])
                 for label, better in panel.objectives]
        rows = [rv.Html(tag="tr", children=head + [rv.Html(tag="th", children=[""])])]
        for row in panel.rows:
            plan = row.plan
            best = [rv.Html(tag="span", class_="plan-best", children=["best"])] if plan.best else []
            cells = [rv.Html(tag="td", class_="plan-name", children=[row.name, *best])]
            cells += [rv.Html(tag="td", class_="plan-lever", children=[text]) for text in row.levers]
            cells += [rv.Html(tag="td", class_="plan-score", children=[
                rv.Html(tag="b", children=[value]), rv.Html(tag="span", class_="range", children=[spread])])
                for value, spread in row.scores]
            button = solara.Button("in the controls" if row.loaded else "Load this plan", small=True,
                                   outlined=True, color="primary", disabled=row.loaded,
                                   on_click=lambda plan=plan: load_plan(plan),
                                   classes=["load-plan", f"load-plan-{plan.number}"])
            cells.append(rv.Html(tag="td", children=[button]))
            rows.append(rv.Html(tag="tr", class_=f"plan-row plan-{plan.number}"
                                + (" loaded" if row.loaded else ""), children=cells))
        rv.Html(tag="table", class_="plans-table", children=rows)
        for note in panel.notes:
            solara.Text(note, classes=["plans-note"])


@solara.component
def Export(start_path: str, start_values: dict):
    overrides = lv.changed(start_values, values.value)
    name = export_name.value or f"{short_name(NAMES[choice.value])} (what-if)"
    with solara.Card("Save these settings as a scenario file"):
        solara.Text(f"{plural(change_count(start_values, overrides), 'setting')} changed from "
                    f"{Path(start_path).name}. "
                    "The file extends it and holds only those; run, compare and batch read it "
                    "as it is.")
        solara.InputText("scenario name", value=name, on_value=_rename)

        def save():
            try:
                path, text = save_scenario(CONFIG.out, start_path, overrides, name,
                                           start=start_values, expected=_ran(start_path, overrides))
            except Exception as err:  # noqa: BLE001 - the page shows one line, never a traceback
                saved.set(None)
                save_problem.set(problem_line(err))
                return
            save_problem.set("")
            saved.set((str(path.resolve()), text))

        solara.Button("save as scenario file", on_click=save, disabled=bool(problem.value),
                      classes=["save-scenario"])
        if save_problem.value:
            with solara.Error(classes=["save-problem"]):
                solara.HTML(tag="div", unsafe_innerHTML=_escape(save_problem.value), classes=["bad-value"])
        if saved.value:
            path, text = saved.value
            solara.Text(f"saved: {path}", classes=["saved-path"])
            solara.FileDownload(text, filename=Path(path).name, label="download a copy")
            solara.HTML(tag="pre", unsafe_innerHTML=_escape(text), classes=["toml"])


def _rename(name: str) -> None:
    """A new name in the save box: what was said about the last save no longer holds."""
    export_name.set(name)
    save_problem.set("")


def _ran(start_path: str, overrides: dict):
    """The scenario the page runs for these settings (None if they are not allowed)."""
    try:
        return lv.current_scenario(start_path, overrides)
    except ScenarioError:
        return None


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@solara.component
def NetworkView(start_path: str, overrides: dict):
    with solara.Card("A small network of the current settings"):
        solara.Checkbox(label=f"show {NETWORK_PEOPLE} people on their social network, one run",
                        value=show_network)
        if show_network.value:
            NetworkPanel(start_path, overrides)


@solara.component
def NetworkPanel(start_path: str, overrides: dict):
    key = json.dumps(overrides, sort_keys=True)

    def start():
        try:
            small = lv.current_scenario(start_path, {**overrides, lv.SIZE: NETWORK_PEOPLE})
        except ScenarioError:
            return  # the page already shows the message
        network_job(small, CONFIG.seed)

    solara.use_effect(start, [key])
    net = network_job.latest
    hour = min(network_hour.value, int(net.hours)) if net is not None else 0
    png = solara.use_memo(lambda: _png(network_figure(net, hour)) if net is not None else b"",
                          [id(net), hour])
    if net is None:
        solara.ProgressLinear(True)
        return
    solara.SliderInt("hours after the start", value=hour, min=0, max=int(net.hours),
                     on_value=network_hour.set, thumb_label="always")
    with solara.Div(classes=["network-view"]):
        solara.Image(png, width="640px")


@solara.component
def Page():
    path = CONFIG.scenarios[choice.value]
    start = solara.use_memo(lambda: load_scenario(path), [path])
    start_values = solara.use_memo(lambda: lv.lever_values(start), [path])
    overrides = lv.changed(start_values, values.value)
    key = json.dumps([path, values.value, replications.value], sort_keys=True, default=str)
    settings = hashlib.sha256(key.encode()).hexdigest()[:16]

    def start_runs():
        try:
            now = lv.current_scenario(path, overrides)
            base = lv.current_scenario(path, {lv.SIZE: values.value[lv.SIZE]})
            reps = lv.check_replications(replications.value)
        except ScenarioError as err:
            problem.set(err.line())
            return
        problem.set("")
        run_job(base, now, reps, settings)

    solara.use_effect(start_runs, [key])

    solara.Style(CSS)
    solara.Title("breachsim what-if")
    with solara.Sidebar():
        solara.Select("starting scenario (baseline)", value=NAMES[choice.value], values=NAMES,
                      on_value=pick_start, classes=["start-choice"])
        Controls(start)
    solara.HTML(tag="h2", unsafe_innerHTML=_escape(f"What if? Baseline: {start.name}"),
                classes=["page-title"])
    with solara.Div(classes=["problem-box"]):  # always there: the results below stay mounted
        if problem.value:
            with solara.Error(classes=["problem"]):
                solara.Text("Not run: a value is not allowed. The charts show the last allowed "
                            "settings.")
                solara.HTML(tag="div", unsafe_innerHTML=_escape(problem.value), classes=["bad-value"])
    ResultsArea(replications.value, settings)
    if OPTIMISED is not None:
        OptimisedPlans(path)
    Export(path, start_values)
    NetworkView(path, overrides)
