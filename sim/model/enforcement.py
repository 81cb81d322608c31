"""Enforcement: interdiction, screening, arrest and investigation, and the bridge to the courts.

:class:`Enforcement` settles what happens when a patrol meets a group or a checkpoint finds one
(who is apprehended, who scatters, how people are screened and held until their return), arrests
guides and files their cases with the courts (:class:`~sim.model.legal.CourtSystem`, which it is given)
on a charge of trafficking when the group held identified victims and of smuggling otherwise,
follows arrests up with investigations that intelligence and victims coming forward help, and
carries out verdicts (time served by the charge's sentence, release).

It is given the scenario's ``[legal]``, ``[victims]``, ``[patrols]`` and ``[agencies]`` tables, the world, the
time line, the books, the intelligence exchange, the courts, the ends of crossing attempts
(:class:`~sim.model.interfaces.Journeys`), the ports' checkpoints, the networks and a callback that puts a
patrol where it met a group. The courts call back :meth:`Enforcement.on_verdict` and
:meth:`Enforcement.on_case_change` (the model wires them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from sim.model.agents.patrol import Patrol
from sim.model.agents.person import Person, PersonState
from sim.model.agents.trafficker import ACTIVE_STATUSES, ROLE_RANK, Group, Role, Trafficker, TraffickerStatus
from sim.model.legal import CaseOutcome, Disposition
from sim.model.streams import Mechanism

if TYPE_CHECKING:
    from sim.model.agents.trafficker import Network
    from sim.model.intel import IntelExchange
    from sim.model.interfaces import Journeys, Ledger, PortInspection, Timeline
    from sim.model.legal import CourtSystem
    from sim.scenario import Agencies, Legal, Patrols, Victims
    from sim.world import World


class Enforcement:
    """From interdiction to prison: apprehension, screening, arrest, investigation, verdicts.

    Args:
        legal, victims, patrols, agencies: the scenario's tables of those names.
        world: the world (where an arrest happens).
        timeline: model time, and the releases, support and sentences scheduled ahead.
        ledger: the books.
        intel: the intelligence exchange (records, searches, links, the investigators of each agency).
        courts: the courts the cases are filed with.
        journeys: the crossings, which end an interdicted attempt and send back those who scattered.
        checkpoints: the ports' checkpoints, in the world's order of ports (the agency at a port).
        networks: the networks (the one a victim coming forward met; the list may grow).
        place_patrol: ``place_patrol(patrol, x_km, y_km)``: a patrol stays where it met a group.
    """

    def __init__(
        self,
        legal: Legal,
        victims: Victims,
        patrols: Patrols,
        agencies: Agencies,
        world: World,
        timeline: Timeline,
        ledger: Ledger,
        intel: IntelExchange,
        courts: CourtSystem,
        journeys: Journeys,
        checkpoints: Sequence[PortInspection],
        networks: Sequence[Network],
        place_patrol: Callable[[Patrol, float, float], None],
    ):
        self.legal, self.victims, self.patrols, self.agencies = legal, victims, patrols, agencies
        self.world, self.timeline, self.ledger, self.intel = world, timeline, ledger, intel
        self.courts, self.journeys, self.checkpoints, self.networks = courts, journeys, checkpoints, networks
        self.place_patrol = place_patrol
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
        crossings, counters, now = self.journeys, self.ledger.counters, self.timeline.hours
        if patrol is not None:
            self.place_patrol(patrol, group.x_km, group.y_km)
            agency = patrol.agency
            p_person, p_guide = self.patrols.capture_probability, self.patrols.guide_capture_probability
        else:
            agency = self.checkpoints[group.port].agency
            p_person = p_guide = 1.0
        alive = group.alive
        rng = group.streams[Mechanism.RESPONSE]
        caught_mask = rng.random(len(alive)) < p_person
        guide_caught = bool(rng.random() < p_guide)
        caught = [v for v, c in zip(alive, caught_mask, strict=True) if c]
        network = group.guide.network
        network.remember_interdiction(group.x_km, group.y_km)
        for person in alive:
            if person not in caught:
                crossings.turn_back(person, network)
        if patrol is not None:  # a known attempt between the ports: people apprehended, the others turned back
            counters["known_people_apprehended"] += len(caught)
            counters["known_people_turned_back"] += len(alive) - len(caught)
            counters["known_people_apprehended_in_focus"] += len(caught) * crossings.in_focus(group.x_km)
        if not caught and not guide_caught:
            counters["groups_turned_back"] += 1
            crossings.finish(group, "turned_back")
            return False
        counters[f"interdictions_by_{cause}"] += 1
        self.ledger.note_event("interdiction", group.x_km, group.y_km)
        entry = self.intel.log(
            now,
            agency,
            "interdiction",
            group.x_km,
            group.y_km,
            group.network_id,
            at_port=cause == "port",
            member_id=group.guide.unique_id,
            vehicle=group.mode == "vehicle",
            rng=group.streams[Mechanism.RECORDS],
        )
        witnesses, identified = 0, False
        for person in caught:
            self.screen(person, agency, entry.shareable)
            if person.state is PersonState.RESCUED:
                identified = True
                network.victims_identified += 1
                witnesses += person.testifies
                counters["victims_agreeing_to_testify"] += person.testifies
                if self.victims.protection != "none":
                    intake_hours = 24 * self.victims.support_intake_days
                    self.timeline.schedule(person.enter_support, intake_hours)
            else:
                self.timeline.schedule(person.released, 24 * person.hold_days())
        crossings.finish(group, "interdicted", guide_held=guide_caught)
        if guide_caught:
            charge = "trafficking" if identified else "smuggling"
            self.arrest(group.guide, agency, self.legal.evidence_in_the_act, witnesses, charge)
            self.investigate(group.guide, agency)
        return True

    def screen(self, person: Person, agency: str, shareable: bool) -> None:
        """Screen an apprehended person, with the records the agency can see, and record their identity.

        The person is searched among the identity records the agency can see
        (:meth:`~sim.model.intel.IntelExchange.search`): a victim with a victim record (identified before,
        by this agency or, shared, by another) is recognised as a victim even when the screening misses her;
        a false match with someone else's record holds a detained person ``agencies.false_match_hold_days``
        longer, on suspicion, until the identity is cleared (a wrongful detention). Then the agency records the
        person's identity: a victim record if identified as a victim, else a crosser record (shared as the
        interdiction's entry is).
        """
        intel, counters, now = self.intel, self.ledger.counters, self.timeline.hours
        found = intel.search(agency, person.unique_id, now, site="screening", rng=person.streams[Mechanism.RECORDS])
        victim_records = [r for r in found.matches if r.kind == "victim"]
        if found.matches:
            counters["repeat_crossers_recognised"] += 1
        recognised = person.screen(known_victim=bool(victim_records))
        if recognised:
            counters["victims_recognised_from_records"] += 1
            if any(r.agency != agency for r in victim_records):
                counters["victims_recognised_from_shared_records"] += 1
        if found.false_match and person.state is PersonState.DETAINED:
            person.suspected = True
            intel.counts["false_match_detentions"] += 1
        victim = person.state is PersonState.RESCUED
        intel.record_person(now, agency, person.unique_id, person.network_id, victim, shareable)

    def handed_over(self, person: Person) -> None:
        """A person returned to the origin side is received by the partner agency there (the first agency of
        jurisdiction ``foreign``, if any), which screens them with ``victims.screening_training`` and records
        the identity: a victim it identifies gets a victim record, shared with the other side under the
        sharing rule and the cooperation lever. The referral does not keep her from being trafficked again
        (``victims.re_trafficking_probability``): the other side can recognise her by the record next time.
        """
        intel = self.intel
        partner = next((a for a in intel.agencies.values() if a.jurisdiction == "foreign"), None)
        if partner is None:
            return
        draw = person.streams[Mechanism.SCREENING].random()  # drawn for every person, victim or not
        identified = person.trafficked and bool(draw < self.victims.screening_training)
        if identified:
            self.ledger.counters["victims_identified_at_return"] += 1
        shareable = intel.draw_shareable(person.streams[Mechanism.RECORDS])
        intel.record_person(
            self.timeline.hours, partner.name, person.unique_id, person.network_id, identified, shareable
        )

    def victim_comes_forward(self, person: Person) -> None:
        """A victim at the destination comes forward: rescued (into support under protection); one who
        testifies leads investigators to a member of the network they met (a guide, driver or recruiter),
        charged with trafficking."""
        victims = self.victims
        counters = self.ledger.counters
        counters["victims_came_forward"] += 1
        network = self.networks[person.network_id]
        network.victims_identified += 1
        person.set_state(PersonState.SUPPORTED if victims.protection != "none" else PersonState.RESCUED)
        person.testifies = bool(
            person.streams[Mechanism.SCREENING].random() < victims.testify_chance(victims.protection)
        )
        if not person.testifies:
            return
        counters["victims_agreeing_to_testify"] += 1
        # Victims met the guides, drivers and recruiters, never the organisers.
        free = [m for m in network.members if m.status is TraffickerStatus.IDLE and m.role is not Role.ORGANISER]
        if free:
            agency = self.agencies.members[0].name
            member = free[int(person.streams[Mechanism.INVESTIGATIONS].integers(len(free)))]
            self.arrest(member, agency, self.legal.evidence_by_investigation, True, "trafficking")

    def arrest(self, trafficker: Trafficker, agency: str, evidence: float, witness: int, charge: str) -> None:
        """Arrest a member and file the case on a charge, with ``witness`` victims testifying against them (0:
        none; ``True`` counts as one); the network starts looking for a replacement.

        The arrested member is searched among the identity records the agency can see: an earlier arrest
        record of theirs makes them a recognised repeat offender (``legal.prior_record_evidence_bonus`` on the
        evidence; a false match with another member's record does the same, wrongly). The records linked to
        them that the agency can see and another agency holds are linked cases, adding to the evidence
        (``legal.shared_evidence_bonus``); if any is held in the other jurisdiction, the case needs it and is a
        cross-jurisdiction case, with the cooperation lever's delay. Then the arrest's own records are made.
        """
        intel, counters, now = self.intel, self.ledger.counters, self.timeline.hours
        trafficker.arrested()
        trafficker.network.member_lost(trafficker)
        counters["traffickers_arrested"] += 1
        counters[f"{trafficker.role.value}s_arrested"] += 1
        network_id = trafficker.network.network_id
        member_id = trafficker.unique_id
        records_rng = trafficker.streams[Mechanism.RECORDS]  # the arrest's search and records: the member's own
        found = intel.search(agency, member_id, now, site="arrest", rng=records_rng)
        priors = [r for r in found.matches if r.kind == "identity"]
        if priors:
            counters["repeat_offenders_recognised"] += 1
            if any(r.agency != agency for r in priors):
                counters["repeat_offenders_recognised_from_shared_records"] += 1
        legal = self.legal
        if priors or found.false_match == "offender":
            evidence = min(1.0, evidence + legal.prior_record_evidence_bonus)
        linked = intel.visible_linked(agency, member_id, now)
        others = sum(r.agency != agency for r in linked)
        cross = any(intel.foreign(r.agency, agency) for r in linked)
        counters["cases_linked_across_agencies"] += others > 0
        counters["cases_cross_jurisdiction"] += cross
        x_km, y_km = self.world.km_of(trafficker.cell)
        intel.log(now, agency, "arrest", x_km, y_km, network_id, member_id=member_id, rng=records_rng)
        case = self.courts.file_case(
            trafficker,
            network_id,
            evidence,
            witness,
            shared_evidence=others,
            cross_jurisdiction=cross,
            cross_jurisdiction_days=intel.cooperation_delay_days,
            sentence_years=self.charged_years(trafficker, charge),
            lesser_years=self.charged_years(trafficker, "smuggling") if charge == "trafficking" else None,
            witness_loss_per_year=self.witness_loss_per_year() if witness else 0.0,
            rng=trafficker.streams[Mechanism.COURTS],
            charge=charge,
            procedure_factor=self.legal.trafficking_procedure_factor if charge == "trafficking" else 1.0,
        )
        self.charges[case.case_id] = charge
        if trafficker.sentence_pending:  # already convicted on an earlier case: straight to prison
            trafficker.begin_sentence()

    def investigate(self, arrested: Trafficker, agency: str) -> None:
        """Investigators climb the network's graph from an arrested member (Sparrow 1991; Morselli 2009).

        At each rung they identify one of the member's links at large and not on a trip, the highest role
        first (organisers, then recruiters, then guides and drivers; ties at random), with probability
        ``1 - exp(-agencies.investigation_yield x investigators x records)``, the records being those the
        agency can see about the member and their links (:meth:`visible_records`). An identified member is
        arrested with evidence ``legal.evidence_by_investigation`` on a charge of trafficking when the
        network's victims have been identified, else of smuggling; the climb goes on from them. It stops at
        the first failure or when no link is left to follow (each member is arrested at most once a climb).
        Counted: ``investigations``, ``investigations_succeeded`` (at least one member identified) and
        ``investigations_reaching_organiser`` (an organiser arrested on the way).
        """
        counters = self.ledger.counters
        investigators = self.intel.agencies[agency].investigators
        network = arrested.network
        member, reached = arrested, False
        climbed = {arrested}  # each member at most once a climb (one released at arrest is at large again)
        rng = arrested.streams[Mechanism.INVESTIGATIONS]  # the climb from this arrest: its own draws
        counters["investigations"] += 1
        while True:
            records = self.visible_records(agency, member)
            p = 1.0 - np.exp(-self.agencies.investigation_yield * investigators * records)
            if rng.random() >= p:
                break
            links = [m for m in network.reachable_links(member) if m not in climbed]
            if not links:
                break
            top = max(ROLE_RANK[m.role] for m in links)
            prizes = [m for m in links if ROLE_RANK[m.role] == top]
            member = prizes[int(rng.integers(len(prizes)))] if len(prizes) > 1 else prizes[0]
            evidence = self.legal.evidence_by_investigation
            charge = "trafficking" if network.victims_identified else "smuggling"
            climbed.add(member)
            self.arrest(member, agency, evidence, False, charge)
            counters["investigations_succeeded"] += len(climbed) == 2  # the first rung of this climb
            counters["members_identified"] += 1
            reached |= member.role is Role.ORGANISER
        counters["investigations_reaching_organiser"] += reached

    def charged_years(self, trafficker: Trafficker, charge: str) -> float:
        """The mean sentence a member faces on a charge: the charge's (``legal.sentence_years`` for
        trafficking, ``legal.smuggling_sentence_years`` for smuggling), times ``legal.organiser_sentence_factor``
        for an organiser (the aggravating role of a leader). It also ranks the accused for a pretrial
        detention place (``legal.detention_priority``)."""
        legal = self.legal
        years = legal.sentence_years if charge == "trafficking" else legal.smuggling_sentence_years
        return years * legal.organiser_sentence_factor if trafficker.role is Role.ORGANISER else years

    def witness_loss_per_year(self) -> float:
        """Hazard at which a case's testifying victim is lost while it waits: ``legal.witness_loss_per_year``,
        times ``legal.witness_loss_protection_factor`` when victims are protected (``victims.protection`` not
        ``none``)."""
        legal = self.legal
        factor = legal.witness_loss_protection_factor if self.victims.protection != "none" else 1.0
        return legal.witness_loss_per_year * factor

    def visible_records(self, agency: str, member: Trafficker) -> int:
        """Records the investigating agency can see about this member and the network's members at large
        (everyone the member works with, directly or through others): their identities, phones, vehicles and
        places (:meth:`IntelExchange.linked_records <sim.model.intel.IntelExchange.linked_records>`), its own and
        those other agencies share with it under the sharing rule, latency, ``share_fraction``, retention and
        the cooperation lever."""
        intel, now = self.intel, self.timeline.hours
        linked = [member, *(m for m in member.network.members if m is not member and m.status in ACTIVE_STATUSES)]
        return sum(intel.linked_records(agency, m.unique_id, now) for m in linked)

    # -- the courts' callbacks ------------------------------------------------------------------------------
    def on_verdict(self, case) -> None:
        """A disposition (plea, trial verdict or dismissal): the network learns of it; a conviction starts a
        sentence of the time served.

        The mean sentence is the case's: the charge's (``legal.sentence_years`` for trafficking,
        ``legal.smuggling_sentence_years`` for smuggling; a trafficking case pleaded down to smuggling carries
        smuggling's), less the plea discount for a plea. Counted: the disposition and its days from filing, by
        kind and for trafficking cases (as filed), the witness heard or lost by then, the victims who testified (those
        of a case decided by a plea or a trial verdict with its witnesses still there: ``victims_testifying``),
        and pleas by the charge convicted.
        """
        trafficker = case.accused
        filed_charge = self.charges.pop(case.case_id, "trafficking")
        charge = "smuggling" if case.reduced else filed_charge
        counters = self.ledger.counters
        days = float(case.closed_day - case.arrest_day)
        kind = case.disposition.value
        counters[f"cases_disposed_{kind}"] += 1
        counters[f"case_days_disposed_{kind}"] += days
        counters["cases_disposed"] += 1
        counters["case_days_disposed"] += days
        if filed_charge == "trafficking":
            counters["trafficking_cases_disposed"] += 1
            counters["case_days_trafficking_disposed"] += days
        if case.witness:
            counters["witnesses_lost_disposed" if case.witness_lost else "witnesses_heard"] += 1
            if not case.witness_lost and case.disposition is not Disposition.DISMISSED:
                counters["victims_testifying"] += case.witnesses
        trafficker.network.observe_verdict(case.outcome is CaseOutcome.CONVICTED)
        if case.outcome is CaseOutcome.CONVICTED:
            counters[f"convicted_of_{charge}"] += 1
            if case.by_plea:
                counters[f"pleas_to_{charge}"] += 1
                counters["charges_reduced"] += case.reduced
            counters["organisers_convicted"] += trafficker.role is Role.ORGANISER
            # Time served varies around the mean sentence (remission, parole).
            legal = self.legal
            share = trafficker.streams[Mechanism.COURTS].uniform(
                legal.time_served_min_share, legal.time_served_max_share
            )
            days = 365.0 * case.sentence_years * share
            if trafficker.convicted():  # a new sentence (not one concurrent with a sentence being served)
                self.ledger.sentence_started(self.timeline.days, days)
                self.timeline.schedule(trafficker.end_sentence, 24 * days)
        else:
            trafficker.update_legal_status()

    def on_witness_lost(self, case) -> None:
        """A case's testifying victims were lost to it while it waited (returned home, removed, withdrew)."""
        self.ledger.counters["witnesses_lost"] += 1

    def on_case_change(self, case) -> None:
        """Released pending trial, or absconded: the accused's status follows their open cases."""
        if case.outcome is CaseOutcome.ABSCONDED:
            self.charges.pop(case.case_id, None)
        case.accused.update_legal_status()
