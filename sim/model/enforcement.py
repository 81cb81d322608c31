"""Enforcement: interdiction, screening, arrest and investigation, and the bridge to the courts.

:class:`Enforcement` settles what happens when a patrol meets a group or a checkpoint finds one
(who is apprehended, who scatters, how people are screened and held until their return), arrests
guides and files their cases with the courts (:class:`~sim.model.legal.CourtSystem`, which it owns)
on a charge of trafficking when the group held identified victims and of smuggling otherwise,
follows arrests up with investigations that intelligence and victims coming forward help, and
carries out verdicts (time served by the charge's sentence, release).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.agents.patrol import Patrol
from sim.model.agents.person import Person, PersonState
from sim.model.agents.trafficker import Group, Network, Trafficker, TraffickerStatus
from sim.model.legal import CaseOutcome, CourtSystem

if TYPE_CHECKING:
    from sim.model.border_model import BorderModel


class Enforcement:
    """From interdiction to prison: apprehension, screening, arrest, investigation, verdicts."""

    def __init__(self, model: BorderModel):
        self.model = model
        self.courts = CourtSystem(
            model,
            model.spec.legal,
            model.steps_per_day,
            on_verdict=self.on_verdict,
            on_release=self.on_case_change,
            on_abscond=self.on_case_change,
            keep_history=False,
        )
        #: The charge of every open case, by case id: "trafficking" or "smuggling".
        self.charges: dict[int, str] = {}

    def interdict(self, group: Group, patrol: Patrol | None, cause: str) -> bool:
        """A patrol meets a group, or a checkpoint finds one: who is apprehended, who scatters.

        At a checkpoint everyone in the vehicle is found. In the field each person is apprehended
        with ``patrols.capture_probability`` and the guide with ``patrols.guide_capture_probability``;
        the others scatter and turn back to their staging area, where they wait for another group.
        Apprehended people are screened (:meth:`Person.screen <sim.model.agents.person.Person.screen>`):
        identified victims are rescued, the others held until their return. An apprehended guide is
        arrested, charged with trafficking if the group held identified victims, else with smuggling.
        The network remembers where its group was stopped either way. Returns whether anyone was
        apprehended.
        """
        if not group.active:
            return False
        model, s = self.model, self.model.spec
        crossings, counters = model.crossings, model.accounts.counters
        if patrol is not None:
            model.patrol_force.place(patrol, group.x_km, group.y_km)
            agency = patrol.agency
            p_person, p_guide = s.patrols.capture_probability, s.patrols.guide_capture_probability
        else:
            agency = model.checkpoints[group.port].agency
            p_person = p_guide = 1.0
        alive = group.alive
        caught_mask = model.rng.random(len(alive)) < p_person
        guide_caught = bool(model.rng.random() < p_guide)
        caught = [v for v, c in zip(alive, caught_mask, strict=True) if c]
        network = group.guide.network
        network.remember_interdiction(group.x_km, group.y_km)
        for person in alive:
            if person not in caught:
                crossings.turn_back(person, network)
        if not caught and not guide_caught:
            counters["groups_turned_back"] += 1
            crossings.finish(group, "turned_back")
            return False
        counters[f"interdictions_by_{cause}"] += 1
        model.accounts.note_event("interdiction", group.x_km, group.y_km)
        witness = identified = False
        for person in caught:
            person.screen()
            if person.state is PersonState.RESCUED:
                identified = True
                network.victims_identified += 1
                witness |= person.testifies
                counters["victims_testifying"] += person.testifies
                if s.victims.protection != "none":
                    intake_hours = 24 * s.victims.support_intake_days
                    model.schedule_event(person.enter_support, after=model.hours_to_steps(intake_hours))
            else:
                model.schedule_event(person.released, after=model.hours_to_steps(24 * person.hold_days()))
        model.intel.log(
            model.hours, agency, "interdiction", group.x_km, group.y_km, group.network_id, at_port=cause == "port"
        )
        crossings.finish(group, "interdicted", guide_held=guide_caught)
        if guide_caught:
            charge = "trafficking" if identified else "smuggling"
            self.arrest(group.guide, agency, s.legal.evidence_in_the_act, witness, charge)
            self.investigate(network, agency)
        return True

    def victim_comes_forward(self, person: Person) -> None:
        """A victim at the destination comes forward: rescued (into support under protection); one who
        testifies leads investigators to a member of the network, charged with trafficking."""
        model = self.model
        victims = model.spec.victims
        counters = model.accounts.counters
        counters["victims_came_forward"] += 1
        network = model.networks[person.network_id]
        network.victims_identified += 1
        person.set_state(PersonState.SUPPORTED if victims.protection != "none" else PersonState.RESCUED)
        person.testifies = bool(model.rng.random() < victims.testify_chance(victims.protection))
        if not person.testifies:
            return
        counters["victims_testifying"] += 1
        free = [m for m in network.members if m.status is TraffickerStatus.IDLE]
        if free:
            agency = model.spec.agencies.members[0].name
            member = free[int(model.rng.integers(len(free)))]
            self.arrest(member, agency, model.spec.legal.evidence_by_investigation, True, "trafficking")

    def arrest(self, trafficker: Trafficker, agency: str, evidence: float, witness: bool, charge: str) -> None:
        """Arrest a member and file the case on a charge; the network starts looking for a replacement."""
        model = self.model
        trafficker.arrested()
        days = model.rng.exponential(model.spec.traffickers.replacement_days)
        model.schedule_event(trafficker.network.replace_member, after=model.hours_to_steps(24 * days))
        model.accounts.counters["traffickers_arrested"] += 1
        network_id = trafficker.network.network_id
        model.intel.log(model.hours, agency, "arrest", *model.world.km_of(trafficker.cell.coordinate), network_id)
        shared = model.intel.sharing != "none" and model.intel.knows_network(agency, network_id, model.hours) > 1
        # A foreign agency's cases are heard abroad or need the other side's cooperation: always cross-jurisdiction.
        foreign = model.intel.agencies[agency].jurisdiction == "foreign"
        legal = model.spec.legal
        case = self.courts.file_case(
            trafficker,
            network_id,
            evidence,
            witness,
            shared,
            cross_jurisdiction=True if foreign else None,
            sentence_years=legal.sentence_years if charge == "trafficking" else legal.smuggling_sentence_years,
        )
        self.charges[case.case_id] = charge
        if trafficker.sentence_pending:  # already convicted on an earlier case: straight to prison
            trafficker.begin_sentence()

    def investigate(self, network: Network, agency: str) -> None:
        """An arrest can lead investigators to another member; usable intel (more with sharing) helps."""
        model = self.model
        investigators = model.intel.agencies[agency].investigators
        leads = model.intel.knows_network(agency, network.network_id, model.hours)
        p = 1.0 - np.exp(-model.spec.agencies.investigation_yield * investigators * leads)
        if model.rng.random() < p:
            free = [m for m in network.members if m.status is TraffickerStatus.IDLE]
            if free:
                evidence = model.spec.legal.evidence_by_investigation
                charge = "trafficking" if network.victims_identified else "smuggling"
                self.arrest(free[int(model.rng.integers(len(free)))], agency, evidence, False, charge)

    # -- the courts' callbacks ------------------------------------------------------------------------------
    def on_verdict(self, case) -> None:
        """A verdict: the network learns of it; a conviction starts a sentence of the time served.

        The mean sentence is the case's: the charge's (``legal.sentence_years`` for trafficking,
        ``legal.smuggling_sentence_years`` for smuggling), less the plea discount for a plea.
        """
        model = self.model
        trafficker = case.accused
        charge = self.charges.pop(case.case_id, "trafficking")
        trafficker.network.observe_verdict(case.outcome is CaseOutcome.CONVICTED)
        if case.outcome is CaseOutcome.CONVICTED:
            model.accounts.counters[f"convicted_of_{charge}"] += 1
            # Time served varies around the mean sentence (remission, parole).
            legal = model.spec.legal
            share = model.rng.uniform(legal.time_served_min_share, legal.time_served_max_share)
            days = 365.0 * case.sentence_years * share
            if trafficker.convicted():  # a new sentence (not one concurrent with a sentence being served)
                model.accounts.sentences.append((model.days, days))
                model.schedule_event(trafficker.end_sentence, after=model.hours_to_steps(24 * days))
        else:
            trafficker.update_legal_status()

    def on_case_change(self, case) -> None:
        """Released pending trial, or absconded: the accused's status follows their open cases."""
        if case.outcome is CaseOutcome.ABSCONDED:
            self.charges.pop(case.case_id, None)
        case.accused.update_legal_status()
