"""People a network takes across: smuggled migrants, and the trafficking victims among them.

One agent per person, always in exactly one :class:`PersonState`. ``trafficked`` tells the two
populations apart (base rate ``victims.trafficked_share``): a smuggled migrant pays a fee for the
passage; a trafficking victim is moved to be exploited. A migrant who arrives may fall into debt
bondage, more likely the higher the fee (``victims.debt_bondage_per_fee``), and becomes a victim.

Apprehended people are screened: a victim is identified with the screening's sensitivity
(``victims.screening_training``), a migrant wrongly flagged as a victim with one minus its
specificity (``victims.screening_specificity``). Those not identified are held and returned to the
origin side after ``crossers.return_days`` (a flagged migrant after the referral too; a victim under
a non-punishment policy after the late identification's delay, if not identified by then). Returned
migrants try again with ``crossers.retry_probability``, with a network drawn by market weight with
``crossers.switch_network_probability`` (always when their own is not working); returned victims are
trafficked again with ``victims.re_trafficking_probability``. The others stop. A victim at the destination may come
forward, the more so under stronger protection (``victims.come_forward_probability``).
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.model.streams import Entity, EntityStreams, Mechanism

if TYPE_CHECKING:
    from sim.model.border_model import BorderModel


class PersonState(Enum):
    WAITING = "waiting"  # at a staging area, waiting for a group (new, scattered, or returned to try again)
    IN_TRANSIT = "in_transit"  # travelling with a group
    ARRIVED = "arrived"  # at the destination; a trafficking victim is exploited there
    DETAINED = "detained"  # apprehended and not identified as a victim: held until returned
    RESCUED = "rescued"  # identified as a trafficking victim
    SUPPORTED = "supported"  # in protection and support services
    DIED = "died"  # died or gravely harmed in transit
    STOPPED = "stopped"  # returned to the origin side and not trying again


#: States after which a person rarely draws again (a victim across may still come forward): their streams rest.
RESTING = frozenset(
    {PersonState.ARRIVED, PersonState.RESCUED, PersonState.SUPPORTED, PersonState.DIED, PersonState.STOPPED}
)


class Person(mesa.Agent):
    """A person taken across by a network. The state changes only through :meth:`set_state`."""

    def __init__(self, model: BorderModel, network_id: int, staging: int, trafficked: bool, key: int = 0):
        super().__init__(model)
        #: The person's number in the market (the order in which people were taken on): the key of their streams.
        self.key = key
        #: The person's own random streams, keyed by their number in the market.
        self.streams = EntityStreams(model.streams, Entity.PERSON, key)
        #: Groups the person has set out with so far (with the key of the first person, the key of a group).
        self.departures = 0
        self.network_id = network_id
        self.staging = staging
        self.trafficked = trafficked
        self.state = PersonState.WAITING
        self.group = None
        self.testifies = False
        self.apprehensions = 0  # times apprehended so far
        self.misidentified = False  # a victim screened as an offender, on the current detention
        self.flagged = False  # a migrant screened as a victim, on the current detention
        self.suspected = False  # held on suspicion after a false identity match, on the current detention
        self.debt_bonded = False  # a migrant who fell into debt bondage at the destination
        self.fee_paid = 0.0
        model.accounts.person_changed(self, None, PersonState.WAITING)

    def set_state(self, state: PersonState) -> None:
        self.model.accounts.person_changed(self, self.state, state)
        self.state = state
        if state in RESTING:
            self.streams.rest()  # done with most draws: see EntityStreams.rest

    # -- at an interdiction ---------------------------------------------------------------------------
    def screen(self, known_victim: bool = False) -> bool:
        """Apprehended: screened as a victim or not (sensitivity and specificity).

        A victim the screening agency knows from a victim record (``known_victim``) is identified even when
        the screening alone would miss her. Returns whether that record made the difference.
        """
        model = self.model
        rng, counters, victims = self.streams[Mechanism.SCREENING], model.accounts.counters, model.spec.victims
        counters["people_apprehended"] += 1
        counters["people_apprehended_before" if self.apprehensions else "people_apprehended_first"] += 1
        self.apprehensions += 1
        if self.trafficked:
            screened = rng.random() < victims.screening_training
            if screened or known_victim:
                self.set_state(PersonState.RESCUED)
                self.testifies = bool(rng.random() < victims.testify_chance(victims.protection))
                return not screened
            self.misidentified = True
            counters["victims_misidentified"] += 1
        elif rng.random() >= victims.screening_specificity:
            self.flagged = True
            counters["migrants_flagged_as_victims"] += 1
        self.set_state(PersonState.DETAINED)
        return False

    def hold_days(self) -> float:
        """Days a detained person is held before the return to the origin side."""
        cfg = self.model.spec
        extra = cfg.agencies.false_match_hold_days if self.suspected else 0.0
        if self.misidentified and cfg.victims.non_punishment:
            return max(cfg.crossers.return_days, cfg.victims.late_identification_days) + extra
        if self.flagged:
            return cfg.crossers.return_days + cfg.victims.support_intake_days + extra
        return cfg.crossers.return_days + extra

    def enter_support(self) -> None:
        """Rescued victims move into support services when protection is offered."""
        if self.state is PersonState.RESCUED:
            self.set_state(PersonState.SUPPORTED)

    def late_identification(self) -> bool:
        """Under a non-punishment policy a misidentified victim may reach support services before return."""
        if self.state is not PersonState.DETAINED or not self.misidentified:
            return False
        victims = self.model.spec.victims
        rng = self.streams[Mechanism.SCREENING]
        if rng.random() >= victims.late_identification_probability:
            return False
        self.set_state(PersonState.SUPPORTED)
        self.model.networks[self.network_id].victims_identified += 1
        chance = victims.late_testimony_factor * victims.testify_chance(victims.protection)
        self.testifies = bool(rng.random() < chance)
        self.model.accounts.counters["victims_agreeing_to_testify"] += self.testifies
        return True

    def released(self) -> None:
        """Event at the end of the hold: returned to the origin side (or, late, identified as a victim)."""
        if self.state is not PersonState.DETAINED:
            return
        if self.model.spec.victims.non_punishment and self.late_identification():
            return
        self.suspected = False
        self.model.enforcement.handed_over(self)
        self.model.crossings.return_person(self)

    # -- at the destination ---------------------------------------------------------------------------
    def arrive(self) -> None:
        """Across: a victim is exploited; a migrant may fall into debt bondage. Victims may come forward later."""
        model = self.model
        victims = model.spec.victims
        # Three draws on every arrival, used or not, so that a change in one leaves the others in step; then the
        # person is across, and their streams rest.
        bondage_draw, forward_draw, forward_days = self.streams[Mechanism.DESTINATION].random(3)
        self.set_state(PersonState.ARRIVED)
        if not self.trafficked:
            p_bondage = 1.0 - np.exp(-victims.debt_bondage_per_fee * self.fee_paid)
            if bondage_draw >= p_bondage:
                return
            self.debt_bonded = True
            model.accounts.person_retyped(self)
            self.trafficked = True
        if forward_draw < victims.come_forward_chance(victims.protection):
            days = -victims.come_forward_days * np.log1p(-forward_days)  # exponential, by inversion
            model.schedule_event(self.come_forward, after=model.hours_to_steps(24 * days))

    def come_forward(self) -> None:
        """Event: a victim at the destination comes forward; rescued, and may testify against the network."""
        if self.state is not PersonState.ARRIVED:
            return
        self.model.enforcement.victim_comes_forward(self)
