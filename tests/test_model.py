"""Behaviour of the agents engine on small, controlled scenarios."""

import math
import warnings

import numpy as np
import pytest

from sim import ScenarioError, load_scenario, simulate
from sim.model.attention import attention_by_step
from sim.model.channels import pulse_integrals
from sim.model.engine import engine_class, prepare
from sim.model.agent_model import BreachNewsModel
from sim.model.step_length import StepLengthWarning
from sim.model.simulate import ENGINES

from helpers import OPTUS, QUIET, SCENARIOS


def run(overrides, seed=1, path=OPTUS, engine="fast"):
    return simulate(load_scenario(path, overrides), seed=seed, engine=engine)


def ran_engine(engine, overrides, seed):
    """The world of a run of ``engine`` and the time-series columns it returned."""
    world, rules, rng = prepare(load_scenario(OPTUS, overrides), seed)
    return world, engine_class(engine)(world, rules, rng).run()


@pytest.mark.parametrize("engine", ENGINES)
def test_same_seed_same_output_and_different_seed_differs(engine):
    o = {"population.size": 1500, "scenario.hours": 72}
    a, b, c = run(o, 7, engine=engine), run(o, 7, engine=engine), run(o, 8, engine=engine)
    assert a.timeseries.equals(b.timeseries) and a.summary == b.summary
    assert not a.timeseries.equals(c.timeseries)


@pytest.mark.parametrize("engine", ENGINES)
def test_optus_timeline_email_starts_a_day_after_the_release(engine):
    r = run({"population.size": 3000}, engine=engine)
    ts = r.timeseries
    assert (ts.loc[ts.hours <= 24, "direct_sent"] == 0).all()
    assert ts.loc[ts.hours == 25, "direct_sent"].item() > 0
    assert r.events[0]["medium"] == "press_release" and r.events[0]["start"] == 0
    ends = [e["end"] for e in r.events if e["medium"] == "email"]
    assert 144 <= ends[0] <= 192          # about a week to reach everyone
    s = r.summary
    assert 6 <= s["hours_to_50pct_affected"] <= 72     # most affected aware within days
    assert s["hours_to_90pct_affected"] <= 7 * 24


@pytest.mark.parametrize("engine", ENGINES)
def test_campaign_throughput_and_target_order(engine):
    overrides = {"population.size": 4000, "scenario.hours": 200, "channels.direct.campaigns.0.priority": []}
    scenario = load_scenario(OPTUS, overrides)
    world, _ = ran_engine(engine, overrides, seed=3)
    campaign = world.campaigns[0]
    customer = world.population.customer[campaign.order]
    n_current = int((customer == 1).sum())
    assert (customer[:n_current] == 1).all() and (customer[n_current:] == 2).all()
    # with Optus's priority, the ID-exposed come first, each part still current then former
    prioritised, _ = ran_engine(engine, {**overrides, "channels.direct.campaigns.0.priority": ["id_exposed"]}, seed=3)
    order = prioritised.campaigns[0].order
    member = prioritised.population.in_segment[0][order]
    first = int(member.sum())
    assert member[:first].all() and not member[first:].any()
    for part in (order[:first], order[first:]):
        groups = prioritised.population.customer[part]
        assert (np.diff(groups) >= 0).all()                          # current (1) before former (2)
    assert sorted(order.tolist()) == sorted(campaign.order.tolist())  # the same people
    sent = run(overrides, seed=3, engine=engine).timeseries["direct_sent"].to_numpy()
    rate = 68_000 / scenario.people_per_agent          # agents per hour
    hours = np.arange(len(sent)) * 1.0
    expected = np.minimum(np.floor(rate * np.clip(hours - 24, 0, None) + 1e-9), len(campaign.order))
    assert np.array_equal(sent, expected)


@pytest.mark.parametrize("engine", ENGINES)
def test_delivery_follows_reachability(engine):
    o = {**QUIET, "population.size": 20000, "scenario.hours": 30,
         "population.customers.current": 1.0, "population.customers.former": 0.0,
         "channels.direct.campaigns": [{"medium": "sms", "start_hour": 0, "per_hour": 1e12,
                                        "targets": ["current"]}]}
    ts = run(o, engine=engine).timeseries
    sent, delivered = ts.direct_sent.iloc[-1], ts.direct_delivered.iloc[-1]
    assert sent == 20000
    p = 0.95                                           # habits.sms_reachable.current
    se = math.sqrt(p * (1 - p) / sent)
    assert abs(delivered / sent - p) < 4 * se
    # SMS read within hours: everyone delivered has read by the end (mean delay 15 min)
    assert ts.contacted.iloc[-1] == delivered


@pytest.mark.parametrize("engine", ENGINES)
def test_media_reach_is_the_share_of_news_followers_exposed(engine):
    o = {**QUIET, "population.size": 20000, "scenario.hours": 200,
         "channels.media.releases": [{"at_hour": 0, "reach": 0.4, "half_life_hours": 10}]}
    world, columns = ran_engine(engine, o, seed=5)
    followers = int(world.population.follows_news.sum())
    last = {name: values[-1] for name, values in columns.items()}
    se = math.sqrt(0.4 * 0.6 / followers)
    assert abs(last["first_media"] / followers - 0.4) < 4 * se
    assert last["first_twitter"] == last["first_word_of_mouth"] == 0


def test_pulse_integral_totals_and_decay():
    steps = pulse_integrals([{"at_hour": 2.5, "reach": 0.5, "half_life_hours": 3}], 400, 1.0)
    assert steps[:2].sum() == 0
    assert steps.sum() == pytest.approx(math.log(2), rel=1e-9)
    assert steps[5] / steps[8] == pytest.approx(2.0)      # one half-life apart


def test_attention_profile_holidays_and_local_hours():
    s = load_scenario(OPTUS, {"scenario.start": "2022-09-23T00:00:00+10:00", "scenario.hours": 48,
                              "attention.holidays": ["2022-09-24"], "attention.holiday_factor": 0.5})
    a = attention_by_step(s)
    assert a[:24].mean() == pytest.approx(1.0)
    assert a[24:].mean() == pytest.approx(0.5)
    assert a[3] < 0.2 < 1.0 < a[19]                       # night low, evening high
    off = attention_by_step(load_scenario(OPTUS, {"attention.diurnal": False, "attention.holidays": []}))
    assert (off == 1).all()


def _trust_world(extra):
    return {**QUIET, "population.size": 400, "scenario.hours": 100,
            "population.customers.current": 1.0, "population.customers.former": 0.0,
            "population.habits.email_reachable.current": 1.0,
            "population.habits.news": {c: 1.0 for c in ("gen_z", "millennial", "gen_x", "boomer")},
            "trust.company": 0.5, "trust.concentration": 1e9,
            "trust.company_effects.breach_loss_elsewhere_first": 0.4,
            "trust.company_effects.told_first_share": 0.5,        # 0.2 when told first
            "trust.company_effects.late_contact_recovery": 0.5,
            "company.churn.per_trust_lost": 0.5,
            "channels.direct.read_delay_hours.email": 0.01,
            **extra}


TOLD_FIRST = {"channels.direct.campaigns": [
    {"medium": "email", "start_hour": 0, "per_hour": 1e12, "targets": ["current"]}]}


@pytest.mark.parametrize("engine", ENGINES)
def test_company_trust_falls_less_when_the_company_tells_first(engine):
    r = run(engine=engine, overrides=_trust_world(TOLD_FIRST))
    assert r.summary["share_affected_first_from_company"] == 1.0
    assert r.summary["final_company_trust_affected"] == pytest.approx(0.5 * (1 - 0.2), abs=1e-4)
    # every current customer lost 0.1 of trust: a chance of 0.5 x 0.1 of leaving
    expected = r.summary["affected_agents"] * 0.5 * 0.1 * r.summary["people_per_agent"]
    assert r.summary["customers_lost"] == pytest.approx(expected, rel=1e-4)
    assert r.summary["customers_lost_share"] == pytest.approx(0.05, rel=1e-4)


@pytest.mark.parametrize("engine", ENGINES)
def test_company_trust_falls_then_partly_recovers_when_told_late(engine):
    r = run(engine=engine, overrides=_trust_world({
        "channels.media.constant_hazard": 50.0,
        "channels.direct.campaigns": [
            {"medium": "email", "start_hour": 50, "per_hour": 1e12, "targets": ["current"]}]}))
    ts = r.timeseries
    lost = 0.5 * (1 - 0.4)
    assert ts.loc[ts.hours == 10, "mean_company_trust_affected"].item() == pytest.approx(lost, abs=1e-4)
    # half of the extra loss (0.4 - 0.2 of 0.5) comes back: still below being told first
    final = lost + 0.5 * (0.4 - 0.2) * 0.5
    assert r.summary["final_company_trust_affected"] == pytest.approx(final, abs=1e-4)
    assert final < 0.5 * (1 - 0.2)


@pytest.mark.parametrize("engine", ENGINES)
def test_only_a_service_recovery_the_user_sets_can_lift_trust_above_its_start(engine):
    base = run(engine=engine, overrides=_trust_world(TOLD_FIRST)).summary
    lifted = run(engine=engine, overrides=_trust_world({
        **TOLD_FIRST, "trust.company_effects.service_recovery": 0.5})).summary
    assert base["final_company_trust_affected"] < base["initial_company_trust_affected"]
    after = 0.4 + 0.5 * (1 - 0.4)
    assert lifted["final_company_trust_affected"] == pytest.approx(after, abs=1e-4)
    assert lifted["final_company_trust_affected"] > lifted["initial_company_trust_affected"]
    assert lifted["customers_lost"] == 0.0                  # trust above its start: no one leaves


@pytest.mark.parametrize("engine", ENGINES)
def test_people_not_affected_lose_trust_in_the_company_when_they_hear(engine):
    r = run(engine=engine, overrides={
        **_trust_world({"channels.media.constant_hazard": 50.0}),
        "population.customers.current": 0.0, "trust.company_effects.public_loss": 0.3})
    assert r.summary["final_aware_share"] == 1.0
    # 400 Beta(mean 0.5, concentration 1e9) draws: standard error sqrt(0.25 / 1e9 / 400) = 7.9e-7
    assert r.summary["initial_company_trust_public"] == pytest.approx(0.5, abs=5 * 7.9e-7)
    assert r.summary["final_company_trust_public"] == pytest.approx(0.5 * 0.7, abs=1e-4)
    assert r.summary["customers_lost"] == 0.0               # no one is a customer


@pytest.mark.parametrize("engine", ENGINES)
def test_stifling_shortens_spreading(engine):
    base = {"population.size": 3000, "scenario.hours": 96, "word_of_mouth.household": 0.3,
            "word_of_mouth.social": 0.05, "word_of_mouth.active_kind": "forever"}
    free = run({**base, "word_of_mouth.stifling": 0.0}, engine=engine).timeseries
    stifled = run({**base, "word_of_mouth.stifling": 1.0}, engine=engine).timeseries
    assert free.spreading.iloc[-1] == free.believing.iloc[-1]       # nobody ever stops
    assert stifled.spreading.iloc[-1] < 0.5 * stifled.believing.iloc[-1]


def lesson_summaries(name, seeds=range(20)):
    path = SCENARIOS / f"{name}.toml"
    rows = [run({"population.size": 3000, "scenario.hours": 240}, seed=s, path=path).summary
            for s in seeds]
    return {k: np.array([r[k] for r in rows], dtype=float) for k in rows[0]
            if all(r[k] is not None for r in rows)}


def distinct(a, b):
    """Means differ by more than 4 standard errors of the difference."""
    se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    return abs(a.mean() - b.mean()) > 4 * se


def test_each_lesson_is_distinguishable_from_optus():
    optus = lesson_summaries("optus_2022")
    direct = lesson_summaries("direct_first")
    trusted = lesson_summaries("trusted_channels")
    wom = lesson_summaries("word_of_mouth")
    key = "share_affected_first_from_company"
    assert direct[key].mean() > optus[key].mean() and distinct(direct[key], optus[key])
    assert direct["final_company_trust_affected"].mean() > optus["final_company_trust_affected"].mean()
    key = "unaware_affected_share_72h"
    assert trusted[key].mean() < optus[key].mean() and distinct(trusted[key], optus[key])
    key = "unaware_affected_share_end"
    assert wom[key].mean() < optus[key].mean() and distinct(wom[key], optus[key])


def test_finished_agent_models_are_freed():
    """A finished agents run keeps neither its people nor its world alive
    (Mesa 3.3 holds every model in a class-level id counter; 3.4+ does not)."""
    import gc
    import weakref

    model = BreachNewsModel(*prepare(load_scenario(OPTUS, {"population.size": 200, "scenario.hours": 3}), 1))
    world, person = weakref.ref(model.world), weakref.ref(model.people[0])
    model.run()
    del model
    gc.collect()
    assert world() is None and person() is None


# ---- asked believers, knowing before the notice, step length, bad arguments ------------
def _ask_world(second_asks: bool):
    """Everyone a current customer who believes the company; spreading periods of
    exactly 10 steps; e-mails at hour 0 (no ask), SMS at hour 5 (asks or not) and
    e-mails at hour 30 (ask); reading within the step after delivery."""
    everyone = {"medium": "email", "per_hour": 1e12, "targets": ["current"]}
    return {**QUIET, "population.size": 500, "scenario.hours": 40,
            "population.customers.current": 1.0, "population.customers.former": 0.0,
            "population.habits.email_reachable.current": 1.0,
            "population.habits.sms_reachable.current": 1.0,
            "trust.company": 1.0, "word_of_mouth.active_kind": "fixed", "word_of_mouth.active_hours": 10.0,
            "channels.direct.read_delay_hours.email": 0.01, "channels.direct.read_delay_hours.sms": 0.01,
            "channels.direct.campaigns": [
                {**everyone, "start_hour": 0},
                {**everyone, "medium": "sms", "start_hour": 5, "ask_to_share": second_asks},
                {**everyone, "start_hour": 30, "ask_to_share": True}]}


@pytest.mark.parametrize("engine", ENGINES)
def test_an_asked_believer_starts_a_new_round_of_telling(engine):
    """Read at row 2, everyone spreads in steps 2..11. Asked again while
    spreading (read at row 7), they start a new period (steps 7..16); not
    asked, they stop after step 11. Asked after their period ended (read at
    row 32), they spread again."""
    for asks in (True, False):
        ts = run(_ask_world(asks), engine=engine).timeseries.set_index("hours")
        assert ts.loc[2.0, "believing"] == ts.loc[2.0, "spreading"] == 500
        assert ts.loc[11.0, "spreading"] == 500
        assert ts.loc[14.0, "spreading"] == (500 if asks else 0)
        assert ts.loc[17.0, "spreading"] == 0
        assert ts.loc[31.0, "spreading"] == 0 and ts.loc[32.0, "spreading"] == ts.loc[40.0, "spreading"] == 500


def _notice_world(media_first: bool):
    return {**QUIET, "population.size": 400, "scenario.hours": 30,
            "population.customers.current": 1.0, "population.customers.former": 0.0,
            "population.habits.email_reachable.current": 1.0,
            "population.habits.news": {c: 1.0 for c in ("gen_z", "millennial", "gen_x", "boomer")},
            "channels.media.constant_hazard": 50.0 if media_first else 0.0,
            "channels.direct.read_delay_hours.email": 0.01,
            "channels.direct.campaigns": [{"medium": "email", "start_hour": 10 if media_first else 0,
                                           "per_hour": 1e12, "targets": ["current"]}]}


@pytest.mark.parametrize("engine", ENGINES)
def test_knew_before_notice_counts_those_aware_before_their_first_read(engine):
    late = run(_notice_world(media_first=True), engine=engine)
    assert late.summary["knew_before_notice_share"] == 1.0         # all aware at row 1, read at row 12
    ts = late.timeseries.set_index("hours")
    assert ts.loc[11.0, "knew_before_notice"] == 0 and ts.loc[12.0, "knew_before_notice"] == 400
    first = run(_notice_world(media_first=False), engine=engine)
    assert first.summary["knew_before_notice_share"] == 0.0        # the e-mail is how they heard
    assert first.summary["share_affected_contacted"] == 1.0
    silent = run({**_notice_world(False), "channels.direct.campaigns": []}, engine=engine)
    assert silent.summary["knew_before_notice_share"] is None


def _jfk_like(step_minutes):
    """News followers (75%) see a bulletin within minutes; households and friends
    tell each other fast (docs/MODEL.md, section 3)."""
    return {**QUIET, "population.size": 4000, "scenario.hours": 2, "scenario.step_minutes": step_minutes,
            "population.habits.news": {c: 0.75 for c in ("gen_z", "millennial", "gen_x", "boomer")},
            "trust.media": 0.95, "trust.peer": 0.95, "trust.concentration": 1e6,
            "channels.media.releases": [{"at_hour": 0, "reach": 0.8, "half_life_hours": 0.25}],
            "word_of_mouth.household": 0.5, "word_of_mouth.social": 0.15,
            "word_of_mouth.active_kind": "fixed", "word_of_mouth.active_hours": 2.0,
            "word_of_mouth.stifling": 0.0}


def test_a_long_step_slows_word_of_mouth_and_warns():
    """News moves at most one hop per step: with 60-minute steps word of mouth
    cannot act within the first hour at all, and the run warns; with 5-minute
    steps it does not warn."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", StepLengthWarning)
        short = run(_jfk_like(5)).timeseries.set_index("hours")
    with pytest.warns(StepLengthWarning, match="time between tellings"):
        long = run(_jfk_like(60)).timeseries.set_index("hours")
    aware_short, aware_long = short.loc[1.0, "aware"] / 4000, long.loc[1.0, "aware"] / 4000
    assert aware_short > 0.85 and aware_long < 0.65
    assert long.loc[1.0, "first_word_of_mouth"] == 0 < short.loc[1.0, "first_word_of_mouth"]


@pytest.mark.parametrize("bad", [
    {"engine": "turbo"}, {"engine": None}, {"seed": -1}, {"seed": 1.5}, {"seed": "1"}, {"seed": True},
    {"seed": None}, {"scenario": {"population": {"size": 10}}}, {"scenario": "scenarios/optus_2022.toml"},
])
def test_simulate_refuses_bad_arguments_in_one_line(bad):
    arguments = {"scenario": load_scenario(OPTUS, {"population.size": 50, "scenario.hours": 2}),
                 "seed": 1, "engine": "fast", **bad}
    with pytest.raises(ScenarioError) as caught:
        simulate(**arguments)
    assert caught.value.key == next(iter(bad)) and "\n" not in caught.value.line()


def test_a_trust_mean_too_small_to_draw_a_beta_gives_that_value_to_everyone():
    """Found by hypothesis (tests/test_engines.py): trust.peer = 5e-324 with concentration
    0.5 makes a = mean x concentration round to 0, which numpy's Beta refuses."""
    from sim.model.keyed import Keys, beta

    keys = Keys(np.random.SeedSequence(0))
    drawn = beta(keys["a"], keys["b"], np.array([5e-324, 0.3, 1.0 - 1e-16, 0.0, 1.0]), 0.5)
    assert drawn[0] == 5e-324 and drawn[3] == 0.0 and drawn[4] == 1.0
    assert 0.0 <= drawn[1] <= 1.0 and 0.0 <= drawn[2] <= 1.0
    scenario = load_scenario(OPTUS, {"population.size": 30, "scenario.hours": 6, "trust.peer": 5e-324,
                                     "trust.concentration": 0.5})
    for engine in ENGINES:
        assert simulate(scenario, 0, engine).summary["agents"] == 30
