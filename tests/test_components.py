"""Each component of the model built alone, without a ``BorderModel``: given the parts of the scenario it reads,
the world, a time line, its books and stub collaborators (:mod:`sim.model.interfaces`)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import mesa
import numpy as np
import pytest

from sim.model.accounting import Accounts
from sim.model.agents.person import PersonState
from sim.model.intel import IntelExchange
from sim.model.interfaces import Timeline
from sim.model.legal import CourtSystem
from sim.model.streams import Mechanism, RandomStreams
from sim.scenario import load_scenario
from sim.world import build_world

CLASSROOM = Path(__file__).resolve().parents[1] / "scenarios" / "classroom.toml"
STEP_H = 0.5


@pytest.fixture(scope="module")
def classroom():
    loaded = load_scenario(CLASSROOM)
    return loaded.spec, build_world(loaded)


class Clockwork:
    """A bare Mesa model as the clock and event list of a component under test, and the time line on it."""

    def __init__(self, step_hours: float = STEP_H):
        self.mesa = mesa.Model(rng=0)
        self.step_hours = step_hours
        self.timeline = Timeline(
            now_h=lambda: self.mesa.time * step_hours,
            step_hours=step_hours,
            schedule=lambda callback, hours: self.mesa.schedule_event(callback, after=hours / step_hours),
        )

    def run_hours(self, hours: float) -> None:
        self.mesa.run_until(self.mesa.time + hours / self.step_hours)

    def courts(self, spec, **callbacks) -> CourtSystem:
        rng = RandomStreams(0)[Mechanism.COURTS]
        return CourtSystem(self.mesa, spec.legal, 24.0 / self.step_hours, rng=rng, keep_history=False, **callbacks)


class FakeLedger:
    """The books, as a mechanism sees them: its counters, the events noted, the sentences started."""

    def __init__(self):
        from sim.model.accounting import Tallies

        self.counters = Tallies()
        self.events: list[tuple[str, float, float]] = []
        self.sentences: list[tuple[float, float]] = []

    def note_event(self, kind: str, x_km: float, y_km: float) -> None:
        self.events.append((kind, x_km, y_km))

    def sentence_started(self, day: float, days: float) -> None:
        self.sentences.append((day, days))


def intel_of(spec) -> IntelExchange:
    streams = RandomStreams(0)
    return IntelExchange(spec.agencies, streams.keyed(Mechanism.RECORDS, 0), streams.keyed(Mechanism.RECORDS, 1))


# -- Accounts ---------------------------------------------------------------------------------------------------
def accounts_alone(spec, world, clock: Clockwork, step: list[int]) -> Accounts:
    checkpoints = [SimpleNamespace(inspections=3, wrongful_detentions=1)]
    return Accounts(
        spec, world.sensors, clock.timeline, lambda: step[0], clock.courts(spec), checkpoints, [], intel_of(spec)
    )


def test_accounts_count_people_by_state_and_price_support_from_when_it_started(classroom):
    spec, world = classroom
    clock, step = Clockwork(), [1]
    accounts = accounts_alone(spec, world, clock, step)
    victim, migrant = SimpleNamespace(trafficked=True), SimpleNamespace(trafficked=False)
    accounts.person_changed(victim, None, PersonState.WAITING)
    accounts.person_changed(migrant, None, PersonState.WAITING)
    accounts.person_changed(migrant, PersonState.WAITING, PersonState.ARRIVED)
    clock.run_hours(48.0)
    accounts.person_changed(victim, PersonState.WAITING, PersonState.SUPPORTED)
    assert accounts.victims_by_state()["supported"] == 1 and accounts.victims_by_state()["waiting"] == 0
    assert accounts.migrants_by_state()["arrived"] == 1
    assert accounts.counters["people_arrived"] == 1
    assert accounts.support_started_days == [2.0]
    clock.run_hours(24.0)
    cost = accounts.cost_items()
    victims = spec.victims
    per_day = victims.cost_per_support_day_strong if victims.protection == "strong" else victims.cost_per_support_day
    assert cost["victim_support"] == pytest.approx(min(1.0, spec.victims.support_days) * per_day)
    assert cost["port_inspections"] == pytest.approx(3 * spec.checkpoints.cost_per_inspection)
    measures = accounts.measures()
    assert measures["victims.supported"] == 1 and measures["checkpoints.wrongful_detentions"] == 1
    assert np.isnan(measures["networks.days_to_dismantle"])


def test_accounts_keep_the_events_of_the_current_step_and_the_sentences_started(classroom):
    spec, world = classroom
    clock, step = Clockwork(), [1]
    accounts = accounts_alone(spec, world, clock, step)
    accounts.note_event("detection", 1.0, 2.0)
    step[0] = 2
    accounts.note_event("interdiction", 3.0, 4.0)
    accounts.forget_old_events(2)
    assert accounts.recent_events == [("interdiction", 3.0, 4.0)]
    accounts.sentence_started(0.0, 730.0)
    clock.run_hours(24.0 * 365)
    assert accounts.cost_items()["prisons"] == pytest.approx(spec.legal.cost_per_prison_year)
