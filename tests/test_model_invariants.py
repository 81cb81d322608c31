"""Bookkeeping invariants of :class:`sim.model.BorderModel`, checked after every single step.

Two runs are stepped by hand for a few simulated days: the shipped classroom scenario (ASCII map,
a port, towers, patrols) and a small procedural one (ridges, a road, a port, a tower, hourly
steps). After each step the test checks that victims are conserved and each is counted in exactly
one state, that each victim is where that state says (in transit: in a group under way; recruited:
waiting on one forming list of its own network), that every group under way is its guide's, that
every cell agent but a sensor stands on a passable cell (and a patrol's cell is the one under its position in
km), that each network's roster holds every registered member once and nobody else (its length
equals its count by status: active, detained, serving a sentence), that members serving a sentence
are off the map and all others on it, that no count is negative, that finished attempts never exceed
attempts, and that the daily series has exactly one row per completed counted day. After a warm-up
(``time.warmup_days``) the same hold of the people on the books, with what the warm-up left under way: the
victims on the books are those carried plus those recruited since, and the attempts finished are at most those
begun since plus the groups under way at its end. The same checker steps every shipped scenario in
tests/test_shipped_scenarios.py.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import pytest

from sim.model import BorderModel
from sim.model.agents.fixed import Sensor
from sim.model.agents.patrol import PatrolStatus
from sim.model.agents.person import Person, PersonState
from sim.model.agents.trafficker import Trafficker, TraffickerStatus
from tests.test_network_structure import network_structure_problems

ROOT = Path(__file__).resolve().parents[1]
HELD = (TraffickerStatus.DETAINED, TraffickerStatus.CONVICTED)
#: The statuses of a member on a network's roster (one who left the trade is struck off it).
ON_ROSTER = (
    TraffickerStatus.IDLE,
    TraffickerStatus.GUIDING,
    TraffickerStatus.RELEASED,
    TraffickerStatus.DETAINED,
    TraffickerStatus.CONVICTED,
)

#: A small procedural sector (20 x 15 km at 500 m) with every kind of actor, stepped hourly.
SMALL_PROCEDURAL = {
    "scenario": {"name": "small_procedural"},
    "time": {"step_minutes": 60},
    "terrain": {
        "source": "procedural",
        "width_km": 20,
        "height_km": 15,
        "cell_m": 500,
        "seed": 3,
        "procedural": {"ridges": 2, "roads": 1, "towns": 1},
    },
    "border": {"mode": "row", "y_km": 7.75, "origin_side": "south", "zone_km": 3},
    "ports": [{"name": "port", "at": [10.25, 7.75], "agency": "customs"}],
    "staging": [{"name": "camp", "at": [8.0, 13.0]}],
    "destinations": [{"name": "city", "at": [12.0, 2.0]}],
    "surveillance": {"sensors": [{"kind": "tower", "at": [5.0, 7.0], "range_m": 4000}]},
    "patrols": {"count": 4},
    "agencies": {"members": [{"name": "border_patrol", "patrol_share": 1.0}, {"name": "customs", "patrol_share": 0.0}]},
    "traffickers": {"networks": 2, "members_per_network": 4, "vehicle_share": 0.2},
    "crossers": {"per_day": 12},
}


FAST_JUSTICE = {
    "legal.procedural_delay_days": 2.0,
    "legal.trial_days_mean": 3.0,
    "legal.detention_capacity": 1,
    "legal.abscond_probability": 0.3,
    "legal.sentence_years": 0.05,
    "legal.smuggling_sentence_years": 0.05,
    "traffickers.replacement_days": 2.0,
    "patrols.count": 8,
}


def check_invariants(model: BorderModel) -> list[str]:
    """Every violated invariant after the current step, as readable messages (empty when all hold)."""
    problems: list[str] = []
    step = model.steps
    outcomes = model.outcomes()
    by_state = model.victims_by_state()

    # People: conserved, each counted once, among victims or migrants, in the state they are in (of those on
    # the books: after a warm-up, those whose story did not end in it).
    carried = model.accounts.carried
    on_books = carried["victims"] + outcomes["victims_recruited"]
    if sum(by_state.values()) != on_books:
        problems.append(
            f"step {step}: victims by state sum to {sum(by_state.values())}, carried {carried['victims']} + "
            f"recruited {outcomes['victims_recruited']}"
        )
    people = [p for p in model.agents_by_type.get(Person, []) if model.accounts.on_books(p)]
    for trafficked, counted in ((True, by_state), (False, model.migrants_by_state())):
        recount = Counter(p.state.value for p in people if p.trafficked is trafficked)
        expected = {state.value: recount.get(state.value, 0) for state in PersonState}
        if expected != counted:
            kind = "victim" if trafficked else "migrant"
            problems.append(f"step {step}: {kind} counters {counted} but a recount of Person agents gives {expected}")
    victims = [p for p in people if p.trafficked]
    if len(victims) != on_books:
        problems.append(f"step {step}: {len(victims)} victims among the people on the books but {on_books}")
    # Where each person is: in transit, in an active group that lists them; waiting, on exactly one forming
    # list of their own network; in any other state, on no forming list.
    waiting = Counter(
        (id(v), v.network_id == network.network_id)
        for network in model.networks
        for queue in network.forming.values()
        for v in queue
    )
    for person in people:
        group, lists = person.group, waiting[(id(person), True)] + waiting[(id(person), False)]
        if person.state is PersonState.IN_TRANSIT and (
            group is None or model.crossings.groups.get(group.group_id) is not group or person not in group.victims
        ):
            problems.append(f"step {step}: person {person.unique_id} in transit outside any active group")
        elif person.state is PersonState.WAITING and (lists != 1 or waiting[(id(person), True)] != 1):
            problems.append(
                f"step {step}: person {person.unique_id} not waiting at a staging area of its network "
                f"(on {lists} forming lists)"
            )
        elif person.state is not PersonState.WAITING and lists:
            problems.append(f"step {step}: {person.state.value} person {person.unique_id} still on a forming list")

    # Agents with a cell: on passable cells (but sensors, which the schema lets stand anywhere on the map: a
    # camera over a river that is not the border stands in water); patrols on the cell under their position.
    world = model.world
    for agent in model.agents:
        if isinstance(agent, Sensor):
            continue
        if getattr(agent, "cell", None) is not None and not world.passable[agent.cell]:
            problems.append(f"step {step}: {type(agent).__name__} {agent.unique_id} on impassable cell")
    force = model.patrol_force
    for patrol in force.patrols:
        under = world.cell_of(*force.pos[patrol.index])
        if patrol.cell != under:
            problems.append(
                f"step {step}: patrol {patrol.index} ({patrol.status.value}) at km {force.pos[patrol.index]} "
                f"(cell {under}) but its cell is {patrol.cell}"
            )
        if not world.passable[under]:
            problems.append(
                f"step {step}: patrol {patrol.index} at km {model.patrol_force.pos[patrol.index]}, impassable"
            )

    # Network members: a group's guide is on the map and free; the held and the convicted are where they should be.
    for group in model.crossings.groups.values():
        if group.active and (group.guide.cell is None or group.guide.status in HELD):
            problems.append(f"step {step}: group {group.group_id} guided by a {group.guide.status.value} member")
        if not group.active or group.guide.group is not group:
            problems.append(f"step {step}: group {group.group_id} listed as under way but finished or without guide")
    # Rosters: every registered member on their own network's roster exactly once, nobody else on any roster;
    # a roster's length is its count by status (active, detained, serving a sentence), so it cannot fill up
    # with people who have left. Members serving a sentence are off the map (still registered: they may come
    # back as the same agent); every other member is on it.
    registered = list(model.agents_by_type.get(Trafficker, []))
    rostered = [member for network in model.networks for member in network.members]
    if len({id(m) for m in rostered}) != len(rostered) or {id(m) for m in rostered} != {id(m) for m in registered}:
        problems.append(
            f"step {step}: {len(rostered)} roster entries ({len({id(m) for m in rostered})} distinct) "
            f"but {len(registered)} registered Trafficker agents"
        )
    for network in model.networks:
        by_status = Counter(m.status for m in network.members)
        if len(network.members) != sum(by_status[status] for status in ON_ROSTER):
            problems.append(
                f"step {step}: network {network.network_id} roster of {len(network.members)} but by status "
                f"{ {status.value: n for status, n in by_status.items()} }"
            )
        for member in network.members:
            cases = model.courts.open_cases_of(member)
            if member.network is not network:
                problems.append(f"step {step}: member {member.unique_id} on network {network.network_id}'s roster")
            if member.status is TraffickerStatus.CONVICTED and member.cell is not None:
                problems.append(f"step {step}: convicted member {member.unique_id} still on the map")
            if member.status in ON_ROSTER and member.status is not TraffickerStatus.CONVICTED and member.cell is None:
                problems.append(f"step {step}: {member.status.value} member {member.unique_id} off the map")
            if member.status is TraffickerStatus.DETAINED and not any(c.detained for c in cases):
                problems.append(f"step {step}: member {member.unique_id} detained without an open detained case")

    # Networks: graphs and rosters agree, roles add up (tests/test_network_structure.py).
    problems += network_structure_problems(model)

    # Counts: none negative; finished attempts never exceed attempts.
    for name, value in outcomes.items():
        if isinstance(value, (int, float)) and not (isinstance(value, float) and math.isnan(value)) and value < 0:
            problems.append(f"step {step}: outcome {name} = {value} < 0")
    finished = outcomes["crossings_succeeded"] + outcomes["interdictions"]
    if finished > outcomes["crossings_attempted"] + carried["groups"]:
        problems.append(
            f"step {step}: {finished} finished attempts but {outcomes['crossings_attempted']} attempted and "
            f"{carried['groups']} under way after the warm-up"
        )

    # Daily series: one row per completed counted day (by model hours), days numbered 1, 2, ...
    days_done = max(0, math.floor(model.hours / 24.0 + 1e-9) - model.warmup_days)
    days = [row["day"] for row in model.accounts.timeseries]
    if days != list(range(1, days_done + 1)):
        problems.append(f"step {step}: {days_done} days completed but time series days are {days}")
    return problems


@pytest.mark.parametrize(
    ("scenario", "overrides", "seed", "days"),
    [
        (str(ROOT / "scenarios" / "classroom.toml"), {"crossers.per_day": 15}, 3, 4),
        (SMALL_PROCEDURAL, {}, 11, 6),
        # 25-minute steps do not divide a day (57.6 steps): the daily row must still come once a day.
        (SMALL_PROCEDURAL, {"time.step_minutes": 25, "traffickers.members_per_network": 6}, 11, 9),
        # Fast courts, little detention, frequent absconding, short sentences: members go round the whole
        # legal cycle (released, re-arrested while on release, convicted while guiding, back from prison).
        (SMALL_PROCEDURAL, FAST_JUSTICE, 5, 60),
    ],
    ids=["classroom", "small_procedural", "small_procedural_25min", "small_procedural_fast_justice"],
)
def test_invariants_hold_after_every_step(scenario, overrides, seed, days):
    model = BorderModel(scenario, seed=seed, overrides=overrides)
    steps = math.ceil(days * model.steps_per_day - 1e-9)  # whole days, also when a step does not divide a day
    problems: list[str] = []
    for _ in range(steps):
        model.step()
        problems += check_invariants(model)
        if len(problems) > 20:
            break
    assert not problems, f"{len(problems)} invariant violations, first ones:\n" + "\n".join(problems[:10])
    # The run must have exercised the bookkeeping, or the invariants were checked on nothing.
    outcomes = model.outcomes()
    assert outcomes["crossings_attempted"] >= 5 and outcomes["interdictions"] >= 1, outcomes
    assert len(model.accounts.timeseries) == days


def test_the_checker_catches_broken_bookkeeping():
    """The invariants above can fail: a state changed behind the counters' back, a patrol moved off its cell,
    a member who left the trade still on the roster."""
    model = BorderModel(SMALL_PROCEDURAL, seed=11)
    for _ in range(48):
        model.step()
    assert check_invariants(model) == []
    person = next(iter(model.agents_by_type[Person]))
    person.state = PersonState.DIED if person.state is not PersonState.DIED else PersonState.ARRIVED
    patrol = model.patrol_force.patrols[0]
    patrol.status = PatrolStatus.PATROLLING
    elsewhere = next(tuple(c) for c in model.patrol_force.cells if tuple(c) != patrol.cell)
    model.patrol_force.pos[patrol.index] = model.world.km_of(elsewhere)
    member = model.networks[0].members[0]
    member.status = TraffickerStatus.LEFT  # left the trade but not struck off
    problems = check_invariants(model)
    assert any("recount of Person agents" in p for p in problems), problems
    assert any(f"patrol {patrol.index}" in p for p in problems), problems
    assert any("network 0 roster of" in p for p in problems), problems
    model.networks[1].members.append(member)  # on two rosters
    assert any("roster entries" in p for p in check_invariants(model))
