"""The agents engine: ``BreachNewsModel``, a Mesa model of one ``Person`` per person.

The model owns what is shared in a step (channel hazards, the direct
campaigns' sending, the counters) and schedules the two phases; the per-person
rules are in :mod:`sim.agents`. Order within a step k (docs/MODEL.md,
"Process overview and scheduling"):

1. step constants: exposure probabilities of media and Twitter, read and
   word-of-mouth probabilities at this step's attention;
2. direct campaigns send the step's quota in order; delivered messages can be
   read from the next step;
3. every person decides (broadcast exposures, reading, telling others) from
   the start-of-step state;
4. exposed people commit (awareness, belief, spreading, company trust) in
   person order, each applying its exposures in a random order;
5. spreading periods that ended are closed; the counters are recorded.
"""

from __future__ import annotations

import math

import mesa

from .agents import Person
from .channels import hazard_of
from .measures import empty_tally, row_from_tally
from .scenario import Scenario
from .schema import COHORTS
from .world import build_world

FOREVER = 2**62


class BreachNewsModel(mesa.Model):
    """How news of a data breach spreads, one agent per person.

    Parameters
    ----------
    scenario : Scenario
        A loaded scenario (see :func:`sim.load_scenario`).
    seed : int, optional
        Seed of the run's generator ``model.rng``; every random draw of the run
        comes from it.
    """

    def __init__(self, scenario: Scenario, seed: int | None = None):
        super().__init__(rng=seed)
        self.world = build_world(scenario, self.rng)
        self.scenario = self.world.scenario
        self.size = self.world.size
        self.step_hours = self.scenario.step_hours
        self.cohort_names = COHORTS
        self._set_rules()
        self.people = [Person(self, i) for i in range(self.size)]
        for layer in self.world.network.layers:
            for person in self.people:
                person.neighbours.append(layer.neighbours(person.index).tolist())
        self._buffer: list[float] = []
        self._next = 0
        self.tally = empty_tally()
        self.affected = int(self.world.population.affected.sum())
        self.tally["sum_company_trust_affected"] = sum(p.company_trust for p in self.people if p.affected)
        self.spreaders: set[Person] = set()
        self.touched: set[Person] = set()
        self.step_index = 0
        self._plant_seeds()
        self._row = row_from_tally(self.tally, 0, self.affected)
        self.datacollector = mesa.DataCollector(
            model_reporters={name: (lambda m, name=name: m._row[name]) for name in self._row})
        self._record()

    # ---- set-up ----------------------------------------------------------------
    def _set_rules(self) -> None:
        d = self.scenario.data
        wom = d["word_of_mouth"]
        self.well_mixed = self.world.network.kind == "well_mixed"
        self.layer_hazards = [hazard_of(wom[layer.name]) for layer in self.world.network.layers]
        self.stifling = wom["stifling"]
        self.share_multiplier = wom["share_multiplier_when_asked"]
        self.active_kind = wom["active_kind"]
        self.active_hours = wom["active_hours"]
        self.read_delay = d["channels"]["direct"]["read_delay_hours"]
        self.effects = d["trust"]["company_effects"]
        self.contacts_per_hour = d["network"]["contacts_per_hour"]
        self.p_contact_tells = wom["well_mixed"]

    def _plant_seeds(self) -> None:
        for index in self.world.seeds:
            self.people[int(index)].absorb([("seed", False)], 0)

    def uniform(self) -> float:
        """A uniform draw in [0, 1) from the run's generator (drawn in blocks)."""
        if self._next >= len(self._buffer):
            self._buffer = self.rng.random(1 << 16).tolist()
            self._next = 0
        value = self._buffer[self._next]
        self._next += 1
        return value

    def active_steps(self) -> int:
        """Steps in a new spreading period (at least 1)."""
        if self.active_kind == "forever":
            return FOREVER
        hours = self.active_hours
        if self.active_kind == "exponential":
            hours = -math.log(1.0 - self.uniform()) * self.active_hours
        return max(1, math.ceil(hours / self.step_hours - 1e-9))

    # ---- one step --------------------------------------------------------------
    def _step_constants(self, k: int) -> None:
        b, a, dt = self.world.broadcast, float(self.world.attention[k]), self.step_hours
        self.p_media = -math.expm1(-b.media[k])
        self.p_twitter = -math.expm1(-b.twitter[k])
        self.p_read = {m: -math.expm1(-a * dt / delay) for m, delay in self.read_delay.items()}
        self.wom_hazard = [h * a * dt for h in self.layer_hazards]
        self.contact_rate = self.contacts_per_hour * a * dt

    def _send_messages(self, k: int) -> None:
        for campaign in self.world.campaigns:
            for index in campaign.sent_in_step(k).tolist():
                self.tally["direct_sent"] += 1
                if self.people[index].receive(campaign.medium, campaign.ask_to_share):
                    self.tally["direct_delivered"] += 1

    def step(self) -> None:
        """Advance one step (``step_minutes``) synchronously."""
        k = self.step_index
        self._step_constants(k)
        self._send_messages(k)
        self.agents.do("decide")
        for person in sorted(self.touched, key=lambda p: p.index):
            person.commit()
        self.touched = set()
        self.spreaders = {p for p in self.spreaders if p.spreading_until > k}
        self.step_index = k + 1
        self._record()

    def _record(self) -> None:
        self._row = row_from_tally(self.tally, len(self.spreaders), self.affected)
        self.datacollector.collect(self)

    def run(self, on_step=None) -> None:
        """Run every step of the scenario (calling ``on_step()`` after each)."""
        for _ in range(self.scenario.n_steps):
            self.step()
            if on_step:
                on_step()

    def release(self) -> None:
        """Let go of the people and the world once the results are taken.

        Mesa 3.3 keeps every model that created agents in a class-level id
        counter for the life of the process; with Mesa's public
        ``remove_all_agents`` and our own references dropped, what stays
        behind is the model's small shell, not its people.
        """
        self.remove_all_agents()
        self.people = []
        self.spreaders = set()
        self.touched = set()
        self.world = None
