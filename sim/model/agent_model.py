"""The agents engine: ``BreachNewsModel``, a Mesa model of one ``Person`` per person.

The model owns what is shared in a step (channel hazards, the direct
campaigns' sending, the counters) and schedules the two phases; the per-person
rules are in :mod:`sim.model.agents`. Order within a step k (docs/MODEL.md,
"Process overview and scheduling"):

1. step constants: exposure probabilities of media and Twitter, read and
   word-of-mouth probabilities at this step's attention;
2. direct campaigns send the step's quota in order; delivered messages can be
   read from the next step;
3. every person decides (broadcast exposures, reading, telling others) from
   the start-of-step state;
4. exposed people commit (awareness, belief, spreading, company trust) in
   person order, each applying its exposures together;
5. spreading periods that ended are closed; the counters are recorded.

It is the readable reference of the model; :mod:`sim.model.fast` runs the same
model on arrays.
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from .agents import Person
from .measures import RAW_COLUMNS, columns_of, empty_tally, row_from_tally
from .rules import SOURCE_CODE, Rules
from .segments import segment_columns
from ..config.schema import COHORTS
from .world import World


class BreachNewsModel(mesa.Model):
    """How news of a data breach spreads, one agent per person.

    ``BreachNewsModel(world, rules, rng)`` (see :mod:`sim.model.engine`) creates one
    :class:`~sim.model.agents.Person` per person of ``world``, plants the seeds and
    records row 0; :meth:`step` advances one step, :meth:`run` all of them.

    Parameters
    ----------
    world : World
        The run's people, network and channels (:func:`sim.model.world.build_world`).
    rules : Rules
        The run's rule constants.
    rng : numpy.random.Generator
        The run's generator; it becomes ``model.rng`` and every draw of the
        run comes from it.
    """

    def __init__(self, world: World, rules: Rules, rng: np.random.Generator):
        # Mesa seeds its own stdlib ``random`` (unused here) from an integer;
        # the model's numpy generator is the run's own.
        super().__init__(rng=int(rng.integers(2**31 - 1)))
        self.reset_rng(rng)
        self.world = world
        self.rules = rules
        self.scenario = world.scenario
        self.size = world.size
        self.cohort_names = COHORTS
        self.people = [Person(self, i) for i in range(self.size)]
        for layer in world.network.layers:
            for person in self.people:
                person.neighbours.append(layer.neighbours(person.index).tolist())
        self.layer_hazards = [rules.layer_hazard[layer.name] for layer in world.network.layers]
        self._buffer: list[float] = []
        self._next = 0
        self.tally = empty_tally()
        self.affected = int(world.population.affected.sum())
        self.public = self.size - self.affected
        self.tally["sum_company_trust_affected"] = sum(p.company_trust for p in self.people if p.affected)
        self.tally["sum_company_trust_public"] = sum(p.company_trust for p in self.people if not p.affected)
        self.spreaders: set[Person] = set()
        self.touched: set[Person] = set()
        self.step_index = 0
        self._plant_seeds()
        self._row = row_from_tally(self.tally, 0, self.affected, self.public)
        self.datacollector = mesa.DataCollector(
            model_reporters={name: (lambda m, name=name: m._row[name]) for name in RAW_COLUMNS})
        self._record()

    def _plant_seeds(self) -> None:
        for index in self.world.seeds:
            self.people[int(index)].absorb([("seed", False, "")], 0)

    def uniform(self) -> float:
        """A uniform draw in [0, 1) from the run's generator (drawn in blocks)."""
        if self._next >= len(self._buffer):
            self._buffer = self.rng.random(1 << 16).tolist()
            self._next = 0
        value = self._buffer[self._next]
        self._next += 1
        return value

    def spreading_until(self, row: int) -> int:
        """Last step index of a spreading period starting at ``row`` (drawn now)."""
        draw = -math.log(1.0 - self.uniform()) if self.rules.active_kind == "exponential" else 0.0
        return self.rules.spreading_until(row, draw)

    # ---- one step --------------------------------------------------------------
    def _step_constants(self, k: int) -> None:
        b, a, dt = self.world.broadcast, float(self.world.attention[k]), self.rules.step_hours
        self.p_media = -math.expm1(-b.media[k])
        self.p_twitter = -math.expm1(-b.twitter[k])
        self.p_read = {m: -math.expm1(-a * dt * rate) for m, rate in self.rules.read_rate.items()}
        self.wom_hazard = [h * a * dt for h in self.layer_hazards]
        self.contact_rate = self.rules.contacts_per_hour * a * dt

    def _send_messages(self, k: int) -> None:
        for campaign in self.world.campaigns + self.world.scams:
            kind = "scam" if campaign.impostor else "direct"
            for index in campaign.sent_in_step(k).tolist():
                self.tally[f"{kind}_sent"] += 1
                if self.people[index].receive(campaign.medium, campaign.flags):
                    self.tally[f"{kind}_delivered"] += 1

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
        self._row = row_from_tally(self.tally, len(self.spreaders), self.affected, self.public)
        self.datacollector.collect(self)

    # ---- the engine interface ----------------------------------------------------
    def run(self, on_step=None) -> dict:
        """Run every step (calling ``on_step()`` after each); the time-series columns.

        The model is spent afterwards (:meth:`release`).
        """
        for _ in range(self.rules.steps):
            self.step()
            if on_step:
                on_step()
        columns = columns_of(self.datacollector.get_model_vars_dataframe())
        columns.update(self._segment_columns())
        self.release()
        return columns

    def _segment_columns(self) -> dict:
        """Each segment's columns, from the people's final state (:mod:`sim.model.segments`)."""
        pop, never = self.world.population, -1
        if not pop.segments:
            return {}
        aware = np.array([never if p.aware_at is None else p.aware_at for p in self.people], np.int64)
        first = np.array([never if p.first_source is None else SOURCE_CODE[p.first_source] for p in self.people])
        contacted = np.array([never if p.contacted_at is None else p.contacted_at for p in self.people], np.int64)
        final = np.array([p.company_trust for p in self.people])
        return segment_columns(pop, self.rules.steps + 1, aware, first, contacted, final, self.rules)

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
