"""Each component of the model built alone, without a ``BorderModel``: given the parts of the scenario it reads,
the world, a time line, its books and stub collaborators (:mod:`sim.model.interfaces`)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace

import mesa
import numpy as np
import pytest

from sim.model.accounting import Accounts
from sim.model.agents.patrol import PatrolStatus
from sim.model.agents.person import PersonState
from sim.model.agents.trafficker import Group, Role, TraffickerStatus
from sim.model.alerts import AlertDesk
from sim.model.clock import Clock
from sim.model.crossings import Crossings
from sim.model.detection import Detection
from sim.model.enforcement import Enforcement
from sim.model.intel import IntelExchange
from sim.model.interfaces import Timeline
from sim.model.legal import CourtSystem
from sim.model.observation import PatrolWatch
from sim.model.patrol_force import PatrolForce, substeps
from sim.model.routing import RoutePlanner
from sim.model.streams import Entity, EntityStreams, Mechanism, RandomStreams
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
    return IntelExchange(
        spec.agencies,
        streams.keyed(Mechanism.RECORDS, Entity.AGENCIES, 0),
        streams.keyed(Mechanism.RECORDS, Entity.AGENCIES, 1),
    )


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


# -- Detection --------------------------------------------------------------------------------------------------
def planner_of(spec, world) -> RoutePlanner:
    t = spec.traffickers
    return RoutePlanner(
        world,
        t.walk_speed_kmh,
        t.risk_aversion,
        exposure_scale=spec.victims.exposure_scale,
        hardship_aversion=t.hardship_aversion,
    )


def walking_group(spec, world, depart_h: float, group_id: int = 0) -> Group:
    """A group on foot from the first staging area over the middle of the line to the first destination."""
    route = planner_of(spec, world).route(
        world.staging[0].cell,
        tuple(int(v) for v in world.border_cells[len(world.border_cells) // 2]),
        world.destinations[0].cell,
    )
    guide = SimpleNamespace(unique_id=1000 + group_id)
    group = Group(
        group_id,
        0,
        guide,
        [],
        "foot",
        depart_h,
        route=route,
        streams=EntityStreams(RandomStreams(1), Entity.GROUP, 0, group_id),
    )
    group.x_km, group.y_km = route.position_at(0.0, world.cell_km)
    return group


class StubResponders:
    """Patrols standing still at given points, recording what they are asked to do."""

    def __init__(self, points, agency: str, status: PatrolStatus = PatrolStatus.PATROLLING):
        self.patrols = [SimpleNamespace(index=i, agency=agency, status=status) for i in range(len(points))]
        self.points = np.array(points, dtype=float).reshape(-1, 2)
        self.pursued: list = []
        self.dispatched: list = []

    def on_duty(self) -> np.ndarray:
        return np.ones(len(self.patrols), dtype=bool)

    def response_goal(self, alert):
        return ((0, 0), 0, False)

    def pursue(self, patrol, alert, goal) -> None:
        self.pursued.append((patrol.index, alert.group.group_id))

    def dispatch(self, alert, agencies) -> None:
        self.dispatched.append((alert.group.group_id, tuple(agencies)))

    def path(self, substeps: int) -> np.ndarray:
        return np.repeat(self.points[None], substeps + 1, axis=0)


def detection_alone(spec, world, clock, responders, ledger, **patrols) -> Detection:
    sensors = [SimpleNamespace(agency=site.agency, alerts=0) for site in world.sensors]
    return Detection(
        world,
        dataclasses.replace(spec.patrols, **patrols),
        spec.agencies.members[0].name,
        Clock(spec),
        clock.timeline,
        sensors,
        ledger,
        intel_of(spec),
        responders,
        AlertDesk(dataclasses.replace(spec.surveillance, false_alarms_per_day=0.0), world, RandomStreams(0)),
    )


def test_detection_by_a_patrol_on_the_path_sends_it_in_pursuit(classroom):
    spec, world = classroom
    clock, ledger = Clockwork(), FakeLedger()
    clock.run_hours(STEP_H)
    group = walking_group(spec, world, depart_h=0.0)
    group.elapsed_h = STEP_H  # walked the whole step
    where = group.route.position_at(0.5 * STEP_H, world.cell_km)
    responders = StubResponders([where], spec.agencies.members[0].name)
    detection = detection_alone(spec, world, clock, responders, ledger, detection_rate_per_hour=1e6)
    detection.detect([group], responders.path(4))
    assert group.detected == "patrol" and group.sightings == 1
    assert responders.pursued == [(0, 0)] and not responders.dispatched
    assert ledger.counters["detections"] == 1 and ledger.events[0][0] == "detection"


def test_detection_by_an_off_duty_patrol_calls_others_in_and_a_far_patrol_sees_nothing(classroom):
    spec, world = classroom
    clock, ledger = Clockwork(), FakeLedger()
    clock.run_hours(STEP_H)
    group = walking_group(spec, world, depart_h=0.0)
    group.elapsed_h = STEP_H
    where = group.route.position_at(0.5 * STEP_H, world.cell_km)
    busy = StubResponders([where], spec.agencies.members[0].name, PatrolStatus.RESPONDING)
    detection_alone(spec, world, clock, busy, ledger, detection_rate_per_hour=1e6).detect([group], busy.path(4))
    assert busy.dispatched and not busy.pursued
    far = walking_group(spec, world, depart_h=0.0, group_id=1)
    far.elapsed_h = STEP_H
    away = StubResponders([(-100.0, -100.0)], spec.agencies.members[0].name)
    detection = detection_alone(spec, world, clock, away, FakeLedger(), detection_rate_per_hour=1e6)
    detection.detect([far], away.path(4))
    assert not away.pursued  # out of the patrol's range: only a sensor can see it, and that alert is dispatched
    assert far.sightings == 0 or (far.detected == "sensor" and away.dispatched)


# -- PatrolForce ------------------------------------------------------------------------------------------------
class StubPatrol:
    """A patrol unit that goes to a random point of the patrol area each time (its own stream)."""

    def __init__(self, force_of, index: int, agency: str, beat: tuple[float, float], cycle_h: float):
        self.force_of, self.index, self.agency, self.beat = force_of, index, agency, beat
        self.status = PatrolStatus.PATROLLING
        self.stream = np.random.default_rng(index)
        self.shift_cycle_h, self.shift_offset_h = cycle_h, (index + 0.5) / 4 * cycle_h
        self.cell = (0, 0)

    def choose_waypoint(self) -> np.ndarray:
        return self.force_of().sample_cell(None, self.stream)


def patrol_force_alone(spec, world, clock, ledger) -> PatrolForce:
    forces: list[PatrolForce] = []
    cycle_h = spec.patrols.shift_hours / spec.patrols.on_duty_share
    force = PatrolForce(
        world,
        spec.patrols,
        spec.agencies,
        spec.traffickers,
        clock.timeline,
        ledger,
        intel_of(spec),
        planner_of(spec, world),
        make_patrol=lambda i, agency, beat: StubPatrol(lambda: forces[0], i, agency, beat, cycle_h),
    )
    forces.append(force)
    force.deploy()
    return force


def test_the_patrol_force_deploys_by_agency_share_and_moves_its_units_at_their_speed(classroom):
    spec, world = classroom
    clock, ledger = Clockwork(), FakeLedger()
    force = patrol_force_alone(spec, world, clock, ledger)
    assert len(force.patrols) == spec.patrols.count
    shares = {a.name: a.patrol_share for a in spec.agencies.members}
    owners = [p.agency for p in force.patrols]
    assert set(owners) <= set(shares) and owners == sorted(owners, key=list(shares).index)
    area = {tuple(c) for c in force.cells}
    assert all(world.cell_of(*xy) in area for xy in force.pos)
    start = force.pos.copy()
    path = force.move(1.0)
    assert path.shape == (substeps(1.0) + 1, spec.patrols.count, 2)
    assert np.allclose(path[0], start) and np.allclose(path[-1], force.pos)
    step_km = np.hypot(*np.diff(path, axis=0).transpose(2, 0, 1))
    assert (step_km <= spec.patrols.speed_kmh / substeps(1.0) + 1e-9).all() and step_km.sum() > 0
    assert all(world.passable[world.cell_of(*xy)] for xy in force.pos)
    force.place(force.patrols[0], *force.pos[1])
    assert np.allclose(force.pos[0], force.pos[1])


def test_the_patrol_force_counts_the_hours_on_duty_by_shift(classroom):
    spec, world = classroom
    clock, ledger = Clockwork(), FakeLedger()
    force = patrol_force_alone(spec, world, clock, ledger)
    cycle_h = force.patrols[0].shift_cycle_h
    steps = round(cycle_h / STEP_H)
    for _ in range(steps):
        clock.run_hours(STEP_H)
        force.update_shifts()
    expected = spec.patrols.count * spec.patrols.on_duty_share * cycle_h
    assert ledger.counters["patrol_hours"] == pytest.approx(expected, abs=spec.patrols.count * STEP_H)


# -- Crossings --------------------------------------------------------------------------------------------------
class StubPerson:
    def __init__(self, key: int):
        self.state, self.group, self.trafficked, self.fee_paid = PersonState.WAITING, None, False, 0.0
        self.network_id, self.staging, self.streams = 0, 0, EntityStreams(RandomStreams(2), Entity.PERSON, 9, key)

    def set_state(self, state: PersonState) -> None:
        self.state = state

    def arrive(self) -> None:
        self.set_state(PersonState.ARRIVED)


class StubNetwork:
    network_id, fee = 0, 500.0

    def __init__(self, crossing):
        self.crossing, self.trips, self.forming = crossing, [], {}

    def choose_crossing(self, origin, target, rng):
        return self.crossing

    def observe_trip(self, guide_held, delivered, people, mode, interdicted) -> None:
        self.trips.append((guide_held, delivered, people, mode, interdicted))


class StubGuide:
    """A guide who hands every scheduled stage of the journey back to the crossings."""

    def __init__(self, crossings_of, network):
        self.crossings_of, self.network = crossings_of, network
        self.status, self.group, self.unique_id, self.cell, self.home = TraffickerStatus.IDLE, None, 7, (0, 0), 0

    def reach_dropoff(self) -> None:
        self.crossings_of().drop_off(self.group)

    def reach_port(self) -> None:
        self.crossings_of().vehicle_at_port(self.group)

    def reach_destination(self) -> None:
        self.crossings_of().deliver(self.group)

    def back_home(self) -> None:
        self.home += 1


def crossings_alone(spec, world, clock, ledger, interdict, found_at_port: bool) -> Crossings:
    checkpoints = [
        SimpleNamespace(agency=port.agency, queue_wait_h=0.25, inspect=lambda group: found_at_port)
        for port in spec.ports
    ]
    return Crossings(
        world,
        spec.traffickers,
        dataclasses.replace(spec.victims, exposure_scale=0.0),  # nobody dies of exposure here
        spec.crossers,
        Clock(spec),
        clock.timeline,
        planner_of(spec, world),
        ledger,
        intel_of(spec),
        checkpoints,
        SimpleNamespace(enabled=False, in_sight_now=lambda cell: 0.0),
        [],
        interdict,
    )


def test_crossings_take_a_group_on_foot_from_staging_to_its_destination(classroom):
    spec, world = classroom
    clock, ledger = Clockwork(), FakeLedger()
    made: list[Crossings] = []
    crossings = crossings_alone(spec, world, clock, ledger, interdict=None, found_at_port=False)
    made.append(crossings)
    network = StubNetwork(tuple(int(v) for v in crossings.border_cells[len(crossings.border_cells) // 2]))
    guide, people = StubGuide(lambda: made[0], network), [StubPerson(k) for k in range(3)]
    clock.run_hours(STEP_H)
    group = crossings.start_group(guide, people, 0, 0, "foot", EntityStreams(RandomStreams(3), Entity.GROUP, 0, 0))
    assert ledger.counters["crossings_attempted"] == 1 and crossings.groups == {0: group}
    assert all(p.state is PersonState.IN_TRANSIT and p.fee_paid == network.fee for p in people)
    for _ in range(round(24 * 5 / STEP_H)):
        if not group.active:
            break
        clock.run_hours(STEP_H)
        if group.route is not None and not group.riding and group.active:
            crossings.advance(group, STEP_H)
            crossings.settle(group)
    assert not group.active and not crossings.groups
    assert all(p.state is PersonState.ARRIVED for p in people)
    assert ledger.counters["crossings_succeeded"] == 1 and ledger.counters["people_crossed"] == 3
    (record,) = crossings.log
    assert record["result"] == "succeeded" and record["reached_line"] and record["victims"] == 3
    assert network.trips == [(False, 3, 3, "foot", False)] and guide.home == 1


def test_crossings_hand_a_vehicle_found_at_the_port_to_the_enforcement(classroom):
    spec, world = classroom
    clock, ledger = Clockwork(), FakeLedger()
    interdicted: list = []

    def interdict(group, patrol, cause):  # the enforcement, as a stub: everyone apprehended
        interdicted.append((group.group_id, patrol, cause))
        crossings.finish(group, "interdicted", guide_held=True)
        return True

    crossings = crossings_alone(spec, world, clock, ledger, interdict, found_at_port=True)
    network = StubNetwork(None)
    guide = StubGuide(lambda: crossings, network)
    group = crossings.start_group(
        guide, [StubPerson(0)], 0, 0, "vehicle", EntityStreams(RandomStreams(3), Entity.GROUP, 0, 1)
    )
    assert group.port >= 0 and group.route is None
    clock.run_hours(24.0)
    assert interdicted == [(group.group_id, None, "port")]
    assert ledger.counters["detections"] == 1 and ledger.counters["interdictions"] == 1
    assert ledger.events == [("detection", *world.km_of(world.ports[group.port].cell))]
    assert crossings.log[0]["result"] == "interdicted" and crossings.log[0]["mode"] == "vehicle"
    assert not crossings.groups and guide.home == 0  # a guide held does not go home


# -- Enforcement ------------------------------------------------------------------------------------------------
class StubJourneys:
    """The crossings, as the enforcement sees them: attempts finished, people turned back."""

    def __init__(self):
        self.finished: list[tuple[int, str, bool]] = []
        self.turned_back: list[int] = []

    def finish(self, group, result: str, guide_held: bool = False) -> None:
        group.active = False
        self.finished.append((group.group_id, result, guide_held))

    def turn_back(self, person, network) -> None:
        self.turned_back.append(person.unique_id)

    def in_focus(self, x_km: float) -> bool:
        return False


class StubMember:
    """A guide who is arrested, tried and, if convicted, serves a sentence: what happens is noted."""

    def __init__(self, network):
        self.unique_id, self.role, self.cell, self.network, self.sentence_pending = (
            50,
            Role.GUIDE,
            (1, 1),
            network,
            False,
        )
        self.streams = EntityStreams(RandomStreams(5), Entity.MEMBER, 0, 0)  # its investigations and court case
        self.statuses: list[str] = []

    def arrested(self) -> None:
        self.statuses.append("arrested")

    def convicted(self) -> bool:
        self.statuses.append("convicted")
        return True

    def end_sentence(self) -> None:
        self.statuses.append("released from prison")

    def update_legal_status(self) -> None:
        self.statuses.append("status")


class StubCrew:
    """A network of one guide."""

    def __init__(self):
        self.network_id, self.victims_identified, self.members, self.interdictions = 0, 0, [], []
        self.guide = StubMember(self)

    def member_lost(self, member) -> None:
        self.members.append(member)

    def remember_interdiction(self, x_km: float, y_km: float) -> None:
        self.interdictions.append((x_km, y_km))

    def reachable_links(self, member) -> list:
        return []

    def observe_verdict(self, convicted: bool) -> None:
        self.interdictions.append("convicted" if convicted else "acquitted")


class StubDetainee:
    def __init__(self, key: int):
        self.unique_id, self.network_id, self.testifies, self.releases = 100 + key, 0, False, 0
        self.state = PersonState.IN_TRANSIT
        self.streams = EntityStreams(RandomStreams(6), Entity.PERSON, 0, key)  # the search of them

    def screen(self, known_victim: bool = False) -> bool:
        self.state = PersonState.DETAINED
        return False

    def hold_days(self) -> float:
        return 2.0

    def released(self) -> None:
        self.releases += 1


def enforcement_alone(spec, world, clock, ledger, journeys, placed, **patrols) -> Enforcement:
    courts = clock.courts(spec)
    enforcement = Enforcement(
        spec.legal,
        spec.victims,
        dataclasses.replace(spec.patrols, **patrols),
        spec.agencies,
        world,
        clock.timeline,
        ledger,
        intel_of(spec),
        courts,
        journeys,
        [SimpleNamespace(agency=port.agency) for port in spec.ports],
        [],
        place_patrol=lambda patrol, x, y: placed.append((patrol, x, y)),
    )
    courts.on_verdict = enforcement.on_verdict
    courts.on_release = courts.on_abscond = enforcement.on_case_change
    return enforcement


def test_enforcement_at_a_port_holds_everyone_arrests_the_guide_and_carries_out_the_verdict(classroom):
    spec, world = classroom
    clock, ledger, journeys = Clockwork(), FakeLedger(), StubJourneys()
    enforcement = enforcement_alone(spec, world, clock, ledger, journeys, placed=[])
    crew, people = StubCrew(), [StubDetainee(k) for k in range(2)]
    group = Group(
        3, 0, crew.guide, people, "vehicle", 0.0, port=0, streams=EntityStreams(RandomStreams(4), Entity.GROUP, 0, 3)
    )
    assert enforcement.interdict(group, None, cause="port")
    assert journeys.finished == [(3, "interdicted", True)] and not journeys.turned_back
    assert ledger.counters["interdictions_by_port"] == 1 and ledger.counters["traffickers_arrested"] == 1
    assert ledger.events == [("interdiction", 0.0, 0.0)] and crew.interdictions == [(0.0, 0.0)]
    assert crew.members == [crew.guide] and crew.guide.statuses == ["arrested"]
    assert enforcement.courts.filed == 1 and list(enforcement.charges.values()) == ["smuggling"]
    clock.run_hours(24 * 3)
    assert [p.releases for p in people] == [1, 1]  # held two days, then released
    clock.run_hours(24 * 3 * 365)
    courts = enforcement.courts
    assert courts.convicted + courts.acquitted + courts.absconded == 1 and not enforcement.charges
    assert ledger.counters["convicted_of_smuggling"] == courts.convicted == len(ledger.sentences)
    assert crew.interdictions[1:] == (["convicted"] if courts.convicted else ["acquitted"] if courts.acquitted else [])


def test_enforcement_in_the_field_lets_those_not_caught_scatter(classroom):
    spec, world = classroom
    clock, ledger, journeys, placed = Clockwork(), FakeLedger(), StubJourneys(), []
    enforcement = enforcement_alone(
        spec, world, clock, ledger, journeys, placed, capture_probability=0.0, guide_capture_probability=0.0
    )
    crew, people = StubCrew(), [StubDetainee(k) for k in range(2)]
    group = Group(4, 0, crew.guide, people, "foot", 0.0, streams=EntityStreams(RandomStreams(4), Entity.GROUP, 0, 4))
    group.x_km, group.y_km = 2.0, 3.0
    patrol = SimpleNamespace(agency=spec.agencies.members[0].name)
    assert not enforcement.interdict(group, patrol, cause="patrol")
    assert placed == [(patrol, 2.0, 3.0)] and journeys.turned_back == [100, 101]
    assert journeys.finished == [(4, "turned_back", False)] and ledger.counters["groups_turned_back"] == 1
    assert enforcement.courts.filed == 0 and not ledger.events


# -- PatrolWatch ------------------------------------------------------------------------------------------------
def test_the_lookouts_see_an_on_duty_patrol_near_the_line_and_not_one_off_duty(classroom):
    spec, world = classroom
    traffickers = dataclasses.replace(spec.traffickers, watch_days=1.0)
    duty = [np.array([True])]
    watch = PatrolWatch(world, traffickers, on_duty=lambda: duty[0])
    cell = tuple(int(v) for v in world.border_cells[0])
    far = tuple(int(v) for v in world.border_cells[-1])
    at = np.array(world.km_of(cell), dtype=float)
    path = np.repeat(at[None, None, :], 5, axis=0)  # (K + 1, P, 2): standing by the line cell for the step
    watch.observe(path, 0.0, STEP_H)
    assert watch.in_sight_now(cell) > 0.0
    assert watch.in_sight_now(far) == 0.0 or np.hypot(*np.subtract(world.km_of(far), at)) <= traffickers.watch_range_km
    duty[0] = np.array([False])
    watch.observe(path, STEP_H, 2 * STEP_H)
    assert watch.in_sight_now(cell) == 0.0
