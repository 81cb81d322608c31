"""Crossing modes (foot, vehicle, tunnel) and patrol strategies (random, fixed, hotspot, randomized, stackelberg)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.model import BorderModel
from sim.model.agents.patrol import PatrolStatus
from sim.runner import run
from sim.scenario import load_scenario

CLASSROOM = Path(__file__).resolve().parents[1] / "scenarios" / "classroom.toml"
BUSY = {"crossers.per_day": 12.0}
TUNNEL = [{"name": "warehouse", "entrance": [18.5, 9.5], "exit": [18.5, 5.5]}]
# A strong tower watching the middle of the border: on foot, groups there are seen.
WATCHED = {
    "surveillance.sensors[0].detection_rate_per_hour": 20.0,
    "surveillance.sensors[1].detection_rate_per_hour": 20.0,
}


def test_tunnel_groups_pass_unseen_by_sensors_underground():
    fixed_mode = {
        "traffickers.vehicle_share": 0.0,
        "traffickers.tunnel_share": 1.0,
        "traffickers.mode_risk_sensitivity": 0,
    }
    overrides = BUSY | WATCHED | fixed_mode
    roomy = [TUNNEL[0] | {"capacity_per_day": 1000}]  # room for everyone, people trying again included
    model = BorderModel(CLASSROOM, seed=1, overrides=overrides | {"traffickers.tunnels": roomy})
    world = model.world
    origin, target = world.staging[0].cell, world.destinations[0].cell
    _, entrance, exit_, _ = world.tunnels[0]
    tunnel = model.planner.tunnel_route(origin, entrance, exit_, target, model.spec.traffickers.tunnel_speed_kmh)
    border_cell = tuple(int(v) for v in world.border_cells[world.border_facing[entrance]])  # across from it
    foot = model.planner.route(origin, border_cell, target)

    def hazard_between_rows(route, north, south):
        inside = [i for i, r in enumerate(route.rows) if north <= r <= south]
        first, last = inside[0], inside[-1]
        return route.cum_sensor[last] - route.cum_sensor[first]

    north, south = exit_[0], entrance[0]
    underground = hazard_between_rows(tunnel, north, south)
    overground = hazard_between_rows(foot, north, south)
    assert underground == 0.0 and overground > 1.0, f"sensor hazard: tunnel {underground}, on foot {overground:.2f}"

    for _ in range(round(8 * model.steps_per_day)):
        model.step()
    rows = model.crossings.log
    assert len(rows) >= 3 and {row["mode"] for row in rows} == {"tunnel"}, "every group takes the tunnel"
    at_tunnel = [row for row in rows if abs(row["x_km"] - 18.5) < 1.0]
    assert len(at_tunnel) == len(rows), "tunnel groups are recorded as crossing where the tunnel is"


def run_with_tunnels(tunnels: list[dict], seed: int = 1, days: int = 8) -> tuple[BorderModel, list]:
    """Busy small groups (about 3 people with their guide), every group sent to a tunnel; the groups started."""
    overrides = {
        "crossers.per_day": 30.0,
        "traffickers.networks": 4,
        "traffickers.members_per_network": 8,
        "traffickers.group_size_mean": 2.0,
        "traffickers.vehicle_share": 0.0,
        "traffickers.tunnel_share": 1.0,
        "traffickers.mode_risk_sensitivity": 0.0,  # every group sent to a tunnel, whatever it has seen
        "traffickers.tunnels": tunnels,
    }
    model = BorderModel(CLASSROOM, seed=seed, overrides=overrides)
    started = []
    start_group = model.crossings.start_group

    def record(*args):
        started.append(start_group(*args))

    model.crossings.start_group = record
    for _ in range(round(days * model.steps_per_day)):
        model.step()
    return model, started


def people_through_tunnels(groups: list) -> Counter:
    """People (victims and guide) by (tunnel entrance cell, day they enter it), read off the groups' routes."""
    people: Counter = Counter()
    for group in groups:
        if group.mode == "tunnel":
            route, i = group.route, group.route.tunnel_index
            day = int((group.depart_h + route.enter_time[i]) // 24.0)
            people[(int(route.rows[i]), int(route.cols[i])), day] += len(group.victims) + 1
    return people


def test_tunnel_capacity_counts_people_per_day_and_sends_the_overflow_on_foot():
    _, narrow = run_with_tunnels([dict(TUNNEL[0], capacity_per_day=10)])
    _, wide = run_with_tunnels([dict(TUNNEL[0], capacity_per_day=1000)])
    daily = people_through_tunnels(narrow)
    assert max(daily.values()) <= 10, f"people through a tunnel for 10 a day, by day: {sorted(daily.values())}"
    assert max(daily.values()) >= 8, f"busy days fill the tunnel: at most {max(daily.values())} people a day"
    assert max(people_through_tunnels(wide).values()) > 20, "without the limit, busy days send more than 20"
    on_foot = [sum(g.mode == "foot" for g in groups) for groups in (narrow, wide)]
    assert on_foot[0] >= 5 and on_foot[1] == 0, f"groups on foot with capacity 10 and 1000: {on_foot}"


def test_each_group_goes_through_the_tunnel_booked_for_it_within_its_capacity():
    east = dict(TUNNEL[0], capacity_per_day=1000)
    west = {"name": "culvert", "entrance": [10.5, 9.5], "exit": [10.5, 5.5], "capacity_per_day": 6}
    model, groups = run_with_tunnels([east, west])
    entrances = {name: entrance for name, entrance, _exit, _cap in model.world.tunnels}
    daily = people_through_tunnels(groups)
    west_days = [n for (cell, _day), n in daily.items() if cell == entrances["culvert"]]
    east_days = [n for (cell, _day), n in daily.items() if cell == entrances["warehouse"]]
    assert west_days and max(west_days) <= 6, f"people through the culvert (6 a day) by day: {sorted(west_days)}"
    assert max(west_days) >= 4, f"the culvert fills on busy days: at most {max(west_days)} a day"
    assert east_days and max(east_days) > 6, f"the warehouse takes the rest: {sorted(east_days)}"
    # Tunnel groups meet the line at the exit of their tunnel: both tunnels appear in the crossing records.
    xs = [row["x_km"] for row in model.crossings.log if row["mode"] == "tunnel" and row["reached_line"]]
    near = {name: sum(abs(x - (entrance[1] + 0.5)) < 1.0 for x in xs) for name, entrance in entrances.items()}
    assert min(near.values()) > 0 and sum(near.values()) == len(xs), f"tunnel crossings by tunnel: {near}"


def test_vehicle_groups_cross_at_the_port_and_are_found_by_inspection():
    overrides = BUSY | {
        "traffickers.vehicle_share": 1.0,
        "checkpoints.screening_share": 1.0,
        "checkpoints.technology": "biometric",
    }
    results = [run(CLASSROOM, overrides, seed=s, days=8) for s in range(3)]
    rows = [row for r in results for row in r.crossings]
    assert rows and {row["mode"] for row in rows} == {"vehicle"}
    port_x = 14.5
    assert all(abs(row["x_km"] - port_x) < 1.0 for row in rows), "vehicles cross at the port"
    at_port = sum(r.outcomes["interdictions_at_port"] for r in results)
    find = load_scenario(CLASSROOM, overrides).spec.checkpoints.find_chance("biometric")
    # Every vehicle inspected: each found with the biometric find chance, independently (a binomial count).
    test = stats.binomtest(at_port, len(rows), find)
    assert test.pvalue > 0.01, f"biometric inspection found {at_port} of {len(rows)} vehicles (find chance {find})"
    assert sum(r.outcomes["checkpoint_false_alarms"] for r in results) > 0, "screening every vehicle detains innocents"


@pytest.mark.parametrize("strategy", ["random", "fixed", "hotspot", "randomized", "stackelberg"])
def test_every_strategy_runs_and_patrols_stay_in_their_area(strategy):
    model = BorderModel(CLASSROOM, seed=3, overrides=BUSY | {"patrols.strategy": strategy, "patrols.count": 6})
    for _ in range(round(4 * model.steps_per_day)):
        model.step()
        for patrol in model.patrol_force.patrols:
            assert model.world.passable[patrol.cell]
    assert model.outcomes()["crossings_attempted"] > 0
    if strategy == "fixed":
        # A patrolling unit heads for an end of its beat (one back from answering an alert may still be on the way).
        for patrol in model.patrol_force.patrols:
            if patrol.status is PatrolStatus.PATROLLING:
                west, east = patrol.beat
                x = model.patrol_force.waypoint[patrol.index, 0]
                assert west - 1.0 <= x <= east + 1.0, f"fixed patrol heads to x={x:.1f} km, off its beat {patrol.beat}"


def test_hotspot_patrols_go_where_their_agency_saw_crossings():
    model = BorderModel(CLASSROOM, seed=5, overrides={"patrols.strategy": "hotspot", "patrols.count": 4})
    spot = np.array([25.5, 6.5])
    model.intel.log(model.hours, "border_patrol", "detection", *spot, network_id=0)
    waypoints = np.array([model.patrol_force.patrols[0].choose_waypoint() for _ in range(50)])
    distance = np.hypot(*(waypoints - spot).T)
    assert np.median(distance) < 3.0, f"median distance to the intel point {np.median(distance):.1f} km"


def test_randomized_strategy_mixes_risk_with_a_floor():
    floor = 0.3
    model = BorderModel(
        CLASSROOM, seed=5, overrides={"patrols.strategy": "randomized", "patrols.randomized_floor": floor}
    )
    weights = model.patrol_force.randomized_weights("border_patrol")
    n = len(model.patrol_force.cells)
    assert weights.sum() == pytest.approx(1.0)
    assert weights.min() >= floor / n - 1e-12, "every patrol cell keeps at least the floor"
    blind = model.world.coverage[model.patrol_force.cells[:, 0], model.patrol_force.cells[:, 1]] < 0.5
    assert weights[blind].mean() > weights[~blind].mean(), "blind cells, where crossings go, weigh more"
