"""Crossing modes (foot, vehicle, tunnel) and patrol strategies (random, fixed, hotspot, randomized)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.agents.patrol import PatrolStatus
from sim.model import TUNNEL_KMH, BorderModel
from sim.runner import run

CLASSROOM = Path(__file__).resolve().parents[1] / "scenarios" / "classroom.toml"
BUSY = {"victims.recruitment_per_day": 12.0}
TUNNEL = [{"name": "warehouse", "entrance": [18.5, 9.5], "exit": [18.5, 5.5]}]
# A strong tower watching the middle of the border: on foot, groups there are seen.
WATCHED = {
    "surveillance.sensors[0].detection_rate_per_hour": 20.0,
    "surveillance.sensors[1].detection_rate_per_hour": 20.0,
}


def test_tunnel_groups_pass_unseen_by_sensors_underground():
    overrides = BUSY | WATCHED | {"traffickers.vehicle_share": 0.0, "traffickers.tunnel_share": 1.0}
    model = BorderModel(CLASSROOM, seed=1, overrides=overrides | {"traffickers.tunnels": TUNNEL})
    world = model.world
    origin, target = world.staging[0].cell, world.destinations[0].cell
    _, entrance, exit_, _ = world.tunnels[0]
    tunnel = model.planner.tunnel_route(origin, entrance, exit_, target, TUNNEL_KMH)
    border_cell = (int(world.border_row[entrance[1]]), entrance[1])
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
    rows = model.crossings
    assert len(rows) >= 3 and {row["mode"] for row in rows} == {"tunnel"}, "every group takes the tunnel"
    at_tunnel = [row for row in rows if abs(row["x_km"] - 18.5) < 1.0]
    assert len(at_tunnel) == len(rows), "tunnel groups are recorded as crossing where the tunnel is"


def test_tunnel_capacity_sends_the_overflow_on_foot():
    overrides = BUSY | {"traffickers.vehicle_share": 0.0, "traffickers.tunnel_share": 1.0}
    small = [dict(TUNNEL[0], capacity_per_day=0.5)]  # smaller than any group (at least one person)
    model = BorderModel(CLASSROOM, seed=2, overrides=overrides | {"traffickers.tunnels": small})
    for _ in range(round(6 * model.steps_per_day)):
        model.step()
    modes = {row["mode"] for row in model.crossings}
    assert modes == {"foot"}, f"a tunnel for one person a day carries no group: modes {modes}"


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
    share = at_port / len(rows)
    assert 0.7 < share <= 1.0, f"biometric inspection of every vehicle finds {share:.0%} (expected about 85%)"
    assert sum(r.outcomes["wrongful_detentions"] for r in results) > 0, "screening every vehicle detains innocents"


@pytest.mark.parametrize("strategy", ["random", "fixed", "hotspot", "randomized"])
def test_every_strategy_runs_and_patrols_stay_in_their_area(strategy):
    model = BorderModel(CLASSROOM, seed=3, overrides=BUSY | {"patrols.strategy": strategy, "patrols.count": 6})
    for _ in range(round(4 * model.steps_per_day)):
        model.step()
        for patrol in model.patrols:
            assert model.world.passable[patrol.cell.coordinate]
    assert model.outcomes()["crossings_attempted"] > 0
    if strategy == "fixed":
        for patrol in model.patrols:
            if patrol.status is PatrolStatus.PATROLLING:
                west, east = patrol.beat
                x = model.patrol_pos[patrol.index, 0]
                assert west - 1.0 <= x <= east + 1.0, f"fixed patrol at x={x:.1f} km outside its beat {patrol.beat}"


def test_hotspot_patrols_go_where_their_agency_saw_crossings():
    model = BorderModel(CLASSROOM, seed=5, overrides={"patrols.strategy": "hotspot", "patrols.count": 4})
    spot = np.array([25.5, 6.5])
    model.intel.log(model.hours, "border_patrol", "detection", *spot, network_id=0)
    waypoints = np.array([model.patrols[0].choose_waypoint() for _ in range(50)])
    distance = np.hypot(*(waypoints - spot).T)
    assert np.median(distance) < 3.0, f"median distance to the intel point {np.median(distance):.1f} km"


def test_randomized_strategy_mixes_risk_with_a_floor():
    floor = 0.3
    model = BorderModel(
        CLASSROOM, seed=5, overrides={"patrols.strategy": "randomized", "patrols.randomized_floor": floor}
    )
    weights = model.randomized_weights("border_patrol")
    n = len(model.patrol_cells)
    assert weights.sum() == pytest.approx(1.0)
    assert weights.min() >= floor / n - 1e-12, "every patrol cell keeps at least the floor"
    blind = model.world.coverage[model.patrol_cells[:, 0], model.patrol_cells[:, 1]] < 0.5
    assert weights[blind].mean() > weights[~blind].mean(), "blind cells, where crossings go, weigh more"
