"""The agents engine's person: one ``mesa.Agent`` per simulated person.

This module holds the per-person rules of the agents engine (docs/MODEL.md,
"Submodels"). Each step has two phases: :meth:`Person.decide` reads only the
state at the start of the step and writes into buffers (its own and its
neighbours' inboxes); :meth:`Person.commit` applies the buffered exposures.
"""

from __future__ import annotations

import math

import mesa

from .population import TRUST_KINDS
from .rules import ASKED, IMPOSTOR, MENTIONS, TRUST_OF_SOURCE

#: Column of a person's ``trust`` list for each source (:data:`sim.model.rules.TRUST_OF_SOURCE`).
TRUST_COLUMN = {source: TRUST_KINDS.index(kind) for source, kind in TRUST_OF_SOURCE.items()}
NEVER = -1


class Person(mesa.Agent):
    """One person: fixed traits from the population arrays, plus news state.

    State (steps are time-series rows: row 0 is the start, a change made
    during step index k shows at row k + 1):

    - ``aware_at``: row at which they first heard, or None;
    - ``first_source``: media, twitter, direct, word_of_mouth or seed;
    - ``believes``: whether they believe the news;
    - ``spreading_until``: last step index during which they tell others
      (``NEVER`` when not spreading);
    - ``propensity``: multiplier of their word-of-mouth hazard (raised when
      the company asks them to share);
    - ``untold``: per layer, the neighbours not yet told in this spreading
      period (a spreader tells each neighbour at most once a period);
    - ``contacted_at``: row at which they first read a company message;
    - ``company_trust``: trust in the company, a share; ``trust_lost``: how
      much more of it they lost by learning elsewhere first than being told
      first would have cost;
    - ``met_scam``, ``scam_media``, ``harmed``: whether they have read an
      impostor message, the unverified media they have read one by, and
      whether one harmed them.
    """

    def __init__(self, model, index: int):
        super().__init__(model)
        pop = model.world.population
        self.index = index
        self.cohort = int(pop.cohort[index])
        self.affected = bool(pop.customer[index] != 0)
        self.current = bool(pop.customer[index] == 1)
        self.follows_news = bool(pop.follows_news[index])
        self.uses_twitter = bool(pop.uses_twitter[index])
        self.reachable = {medium: bool(pop.reachable[m, index]) for m, medium in enumerate(pop.media)}
        self.trust = [float(t) for t in pop.trust[index]]
        self.neighbours: list[list[int]] = []   # per layer: the people they know
        self.untold: list[list[int]] = []       # per layer: not yet told this period
        self.aware_at: int | None = None
        self.first_source: str | None = None
        self.believes = False
        self.spreading_until = NEVER
        self.propensity = 1.0
        self.contacted_at: int | None = None
        self.company_trust = self.trust[TRUST_COLUMN["direct"]]
        self.trust_lost = 0.0
        self.met_scam = False
        self.scam_media: set[str] = set()
        self.harmed = False
        self.unread: list[tuple[str, int]] = []        # (medium, ASKED | IMPOSTOR | MENTIONS): not yet read
        self.delivered: list[tuple[str, int]] = []     # delivered this step
        self.scams_read: list[str] = []                # media of the impostor messages read this step
        self.inbox: list[tuple[str, bool, str]] = []   # (source, asks to share, medium or ""): this step
        self.stop = False                              # stifled this step

    # ---- phase 1: decide (reads start-of-step state only) -------------------
    def decide(self) -> None:
        """Draw this step's broadcast exposures, message reads and tellings."""
        m = self.model
        if not self.believes:
            if self.follows_news and m.p_media > 0 and m.uniform() < m.p_media:
                self.inbox.append(("media", False, ""))
            if self.uses_twitter and m.p_twitter > 0 and m.uniform() < m.p_twitter:
                self.inbox.append(("twitter", False, ""))
        if self.unread:
            self._read_messages()
        if self.spreading_until >= m.step_index:
            self._tell_others()
        if self.inbox or self.stop or self.scams_read:
            m.touched.add(self)

    def _read_messages(self) -> None:
        m = self.model
        still = []
        for medium, flags in self.unread:
            if m.uniform() >= m.p_read[medium]:
                still.append((medium, flags))
            elif flags & IMPOSTOR:
                self.scams_read.append(medium)
                m.tally["scam_read"] += 1
                if flags & MENTIONS:
                    self.inbox.append(("scam", False, medium))
            else:
                self.inbox.append(("direct", bool(flags & ASKED), medium))
                m.tally["direct_read"] += 1
        self.unread = still

    def _tell_others(self) -> None:
        m = self.model
        if m.rules.well_mixed:
            self._tell_random_contacts()
            return
        for layer, people in enumerate(self.untold):
            hazard = m.wom_hazard[layer] * self.propensity
            if hazard <= 0 or not people:
                continue
            p_tell = -math.expm1(-hazard)
            told = [other for other in people if m.uniform() < p_tell]
            for other in told:
                self._tell(m.people[other])
            if told:
                done = set(told)
                self.untold[layer] = [o for o in people if o not in done]

    def _tell_random_contacts(self) -> None:
        m = self.model
        if m.size < 2:
            return
        contacts = m.rng.poisson(m.contact_rate * self.propensity)
        for _ in range(contacts):
            other = int(m.uniform() * (m.size - 1))
            other += other >= self.index          # anyone but oneself
            if m.uniform() < m.rules.contact_tells:
                self._tell(m.people[other])

    def _tell(self, other: "Person") -> None:
        other.inbox.append(("word_of_mouth", False, ""))
        self.model.touched.add(other)
        if other.aware_at is not None and self.model.rules.stifling > 0:
            if self.model.uniform() < self.model.rules.stifling:
                self.stop = True

    def receive(self, medium: str, flags: int) -> bool:
        """A message (the company's, or an impostor's: ``flags``, as
        :data:`sim.model.rules.IMPOSTOR`) sent to this person this step; True if delivered."""
        if not self.reachable[medium]:
            return False
        self.delivered.append((medium, flags))
        self.model.touched.add(self)
        return True

    # ---- phase 2: commit -----------------------------------------------------
    def commit(self) -> None:
        """Apply this step's stifling, exposures and deliveries."""
        m = self.model
        if self.stop:
            self.spreading_until = min(self.spreading_until, m.step_index)
            self.stop = False
        if self.inbox:
            self.absorb(self.inbox, m.step_index + 1)
            self.inbox = []
        if self.scams_read:
            self._after_scams(self.scams_read)
            self.scams_read = []
        self.unread.extend(self.delivered)
        self.delivered = []

    def absorb(self, exposures: list[tuple[str, bool, str]], row: int) -> None:
        """The exposures of one step, taking effect at ``row``.

        Every exposure is a chance to believe, with the trust held at the start
        of the step; an unaware person's first source is one of the step's
        exposures picked at random; then the company-trust effects; a request
        to share (or a new belief) starts a new spreading period.
        """
        m = self.model
        start = [self.source_trust(source, medium) for source, _, medium in exposures]
        hits = [m.uniform() < trust or source == "seed" for (source, _, _), trust in zip(exposures, start)]
        if not self.believes:
            m.tally["genuine_doubted"] += sum(1 for (source, _, medium), hit in zip(exposures, hits)
                                              if source == "direct" and medium in self.scam_media and not hit)
        newly_believes = not self.believes and any(hits)
        if self.aware_at is None:
            pick = int(m.uniform() * len(exposures)) if len(exposures) > 1 else 0
            self._become_aware(exposures[pick][0], row, start[pick])
        if self.contacted_at is None and any(source == "direct" for source, _, _ in exposures):
            self._first_contact(row)
        asked = any(flag for _, flag, _ in exposures)
        if asked:
            self.propensity = m.rules.share_multiplier
        if newly_believes:
            self.believes = True
            m.tally["believing"] += 1
            m.tally["believing_affected"] += self.affected
        if newly_believes or (asked and self.believes):
            self._start_spreading(row)

    def source_trust(self, source: str, medium: str = "") -> float:
        """Trust in a source kind; a company message (or an impostor's) is judged by
        current company trust times its medium's belief, less the doubt an impostor
        message by that medium left (:meth:`sim.model.rules.Rules.message_trust`)."""
        if source in ("direct", "scam"):
            return float(self.model.rules.message_trust(self.company_trust, self.model.rules.belief[medium],
                                                        medium in self.scam_media))
        return self.trust[TRUST_COLUMN[source]]

    def _become_aware(self, source: str, row: int, trust: float) -> None:
        m = self.model
        self.aware_at = row
        self.first_source = source
        t = m.tally
        t["aware"] += 1
        t["first_" + source] += 1
        t["aware_" + m.cohort_names[self.cohort]] += 1
        t["sum_source_trust"] += trust
        if self.affected:
            t["aware_affected"] += 1
            t["aware_affected_" + m.cohort_names[self.cohort]] += 1
            t["first_" + source + "_affected"] += 1
        if self.affected and source != "seed":
            before = self.company_trust
            after, extra = m.rules.trust_on_aware(before, source == "direct")
            self.company_trust, self.trust_lost = float(after), float(extra)
            t["sum_company_trust_affected"] += self.company_trust - before
            self._churn(before)
        elif source != "seed":
            before = self.company_trust
            self.company_trust = float(m.rules.public_trust_on_aware(before))
            t["sum_company_trust_public"] += self.company_trust - before

    def _first_contact(self, row: int) -> None:
        m = self.model
        self.contacted_at = row
        m.tally["contacted"] += 1
        if self.affected and self.aware_at is not None and self.aware_at < row:
            m.tally["knew_before_notice"] += 1
        before = self.company_trust
        if self.first_source != "direct" and self.trust_lost > 0:
            self.company_trust += float(m.rules.trust_recovered(self.trust_lost))
        self.company_trust += float(m.rules.service_gain(self.company_trust))
        m.tally["sum_company_trust_affected"] += self.company_trust - before
        self._churn(before)

    def _churn(self, before: float) -> None:
        """A current customer's chance of leaving follows their trust change from ``before``."""
        if self.current:
            m, initial = self.model, self.trust[TRUST_COLUMN["direct"]]
            m.tally["sum_churn"] += float(m.rules.churn_chance(initial, self.company_trust)
                                          - m.rules.churn_chance(initial, before))

    def _after_scams(self, media: list[str]) -> None:
        """Impostor messages read this step: doubt about each unverified medium;
        harm with chance ``scam_harm`` per message (at most once per person)."""
        m = self.model
        if not self.met_scam:
            self.met_scam = True
            m.tally["scam_readers"] += 1
        for medium in media:
            harmed = m.uniform() < m.rules.scam_harm
            if not m.rules.verified[medium]:
                self.scam_media.add(medium)
            if harmed and not self.harmed:
                self.harmed = True
                m.tally["harmed"] += 1

    def _start_spreading(self, row: int) -> None:
        """Spread during step indices row .. row + D - 1 (D drawn per period);
        in a new period every neighbour can be told (once) again."""
        self.spreading_until = self.model.spreading_until(row)
        self.untold = [list(people) for people in self.neighbours]
        self.model.spreaders.add(self)
