"""Scam waves: impostor messages to affected customers, the doubt they leave about
their medium (unless its sender is verified) and the harm they do.

Worlds are built so that the expected shares are known: everyone is a current
customer reachable by SMS, company trust is 0.5 for all (a very high
concentration), no broadcast or word of mouth. Tolerances are four standard
errors of a binomial share over the agents (about one false alarm in 16,000
per check).
"""

import math

import pytest

from sim import ScenarioError, load_scenario, simulate
from sim.model.engine import ENGINES

from helpers import OPTUS, QUIET

SIZE = 2000
DOUBT, HARM = 0.6, 0.1


def world(verified=False, mentions=False, scam=True, **extra):
    """Scam SMS to everyone at hour 0 (read within minutes), the genuine SMS at hour 10."""
    waves = [{"medium": "sms", "start_hour": 0, "per_hour": 1e12, "targets": ["current"],
              "mentions_breach": mentions}] if scam else []
    return load_scenario(OPTUS, {
        **QUIET, "population.size": SIZE, "scenario.hours": 30,
        "population.customers.current": 1.0, "population.customers.former": 0.0,
        "channels.direct.media.sms.reachable.current": 1.0,
        "channels.direct.media.sms.verified": verified,
        "trust.company": 0.5, "trust.concentration": 1e9,
        "channels.scam.waves": waves, "channels.scam.doubt": DOUBT, "channels.scam.harm": HARM,
        "channels.direct.campaigns": [{"medium": "sms", "start_hour": 10, "per_hour": 1e12,
                                       "targets": ["current"]}],
        **extra})


def near(share, expected, n):
    """Within four binomial standard errors of ``expected`` over ``n`` people."""
    return abs(share - expected) <= 4 * math.sqrt(expected * (1 - expected) / n)


def believing_share(result):
    return result.timeseries["believing_affected"].iloc[-1] / result.summary["affected_agents"]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_scam_wave_before_the_genuine_sms_lowers_belief_and_a_verified_sender_restores_it(engine):
    clean = simulate(world(scam=False), seed=3, engine=engine)
    scammed = simulate(world(), seed=3, engine=engine)
    verified = simulate(world(verified=True), seed=3, engine=engine)
    # a message is judged with the trust held before it is read: 0.5
    chance = 0.5
    assert near(believing_share(clean), chance, SIZE)
    assert near(believing_share(scammed), chance * (1 - DOUBT), SIZE)
    assert near(believing_share(verified), chance, SIZE)
    doubted = scammed.summary["genuine_messages_disbelieved"] / scammed.summary["people_per_agent"]
    assert near(doubted / SIZE, 1 - chance * (1 - DOUBT), SIZE)
    assert verified.summary["genuine_messages_disbelieved"] == 0.0
    assert "genuine_messages_disbelieved" not in clean.summary       # no waves: no scam measures


@pytest.mark.parametrize("engine", ENGINES)
def test_impostor_messages_harm_a_share_of_their_readers(engine):
    r = simulate(world(), seed=4, engine=engine)
    ts = r.timeseries
    readers, harmed = ts["scam_readers"].iloc[-1], ts["harmed"].iloc[-1]
    assert ts["scam_sent"].iloc[-1] == SIZE and readers == SIZE      # one each, all read in 30 hours
    assert near(harmed / readers, HARM, readers)
    assert (ts["harmed"] <= ts["scam_readers"]).all()
    assert ts["direct_sent"].iloc[-1] == SIZE                        # the genuine messages are counted apart


@pytest.mark.parametrize("engine", ENGINES)
def test_a_wave_that_mentions_the_breach_makes_its_readers_aware(engine):
    silent = simulate(world(mentions=False), seed=5, engine=engine).timeseries
    loud = simulate(world(mentions=True), seed=5, engine=engine).timeseries
    assert silent.loc[silent.hours < 10, "aware"].max() == 0         # nobody knows before the genuine SMS
    before = loud.loc[loud.hours == 9]
    assert before["first_scam_affected"].item() == before["aware_affected"].item() == SIZE
    # heard first from an impostor: the loss of hearing elsewhere, and a call more likely
    r = simulate(world(mentions=True), seed=5, engine=engine).summary
    assert r["final_company_trust_affected"] < 0.5 * (1 - 0.15)


def test_impostor_messages_are_sent_only_to_the_share_the_scammers_reach():
    scenario = world(**{"channels.scam.waves": [{"medium": "sms", "start_hour": 0, "per_hour": 1e12,
                                                 "targets": ["current"], "share": 0.25}]})
    ts = simulate(scenario, seed=1).timeseries
    assert ts["scam_sent"].iloc[-1] == round(0.25 * SIZE)


def test_declaring_a_wave_changes_no_other_draw():
    """A wave draws its recipients from its own stream: before the wave starts, a
    run with it is the same run as without it."""
    late = {"channels.scam.waves": [{"medium": "sms", "start_hour": 20, "per_hour": 1e12, "targets": ["current"]}]}
    with_wave = simulate(world(**late), seed=7).timeseries
    without = simulate(world(scam=False), seed=7).timeseries
    early = with_wave.hours <= 20
    assert with_wave.loc[early, "believing"].equals(without.loc[early, "believing"])


@pytest.mark.parametrize("wave, key, allowed", [
    ({"medium": "fax"}, "channels.scam.waves.0.medium", "a declared medium"),
    ({"targets": ["nobody"]}, "channels.scam.waves.0.targets.0", "customer groups"),
    ({"share": 1.5}, "channels.scam.waves.0.share", "a share in [0, 1]"),
    ({"per_hour": 0}, "channels.scam.waves.0.per_hour", "a number in [1,"),
])
def test_bad_waves_name_the_key_and_what_is_allowed(wave, key, allowed):
    good = {"medium": "sms", "start_hour": 0, "per_hour": 1000, "targets": ["current"]}
    with pytest.raises(ScenarioError) as err:
        load_scenario(OPTUS, {"channels.scam.waves": [{**good, **wave}]})
    assert err.value.key == key and allowed in str(err.value)
