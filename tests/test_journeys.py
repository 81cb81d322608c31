"""Journeys that start near the line; day and night; seasons.

Groups on foot ride to a drop-off ``traffickers.dropoff_km`` (+/- spread) before the line, walk, and are picked
up ``pickup_km`` beyond the border zone; the walk is a slice of the network's route (:meth:`Route.between`).
Patrols and sensors see less at night, exposure is higher by day and in summer (:class:`sim.model.clock.Clock`),
and most groups time their walk to cross at night.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sim.model.detection as detection_module
from sim.model import BorderModel
from sim.model.agents.trafficker import Group
from sim.model.streams import Entity, EntityStreams
from sim.scenario import load_scenario
from sim.world import build_world

ROOT = Path(__file__).resolve().parents[1]
CLASSROOM = ROOT / "scenarios" / "classroom.toml"
DESERT = ROOT / "scenarios" / "desert_sector.toml"


def a_route(model: BorderModel):
    """The route of the desert's first staging area through the middle of the line to its first destination."""
    w = model.world
    crossing = tuple(int(v) for v in model.crossings.border_cells[len(model.crossings.border_cells) // 2])
    return model.planner.route(w.staging[0].cell, crossing, w.destinations[0].cell)


def test_sliced_route_keeps_its_profiles():
    """A slice has the profile of its own cells: times and hazards re-based, the line and zone exit within it."""
    model = BorderModel(DESERT, seed=1)
    route = a_route(model)
    b = route.border_index
    i0, i1 = max(0, b - 10), min(len(route.rows) - 1, b + 15)
    part = route.between(i0, i1)
    cells = list(zip(route.rows[i0 : i1 + 1].tolist(), route.cols[i0 : i1 + 1].tolist(), strict=True))
    direct = model.planner.profile(cells)
    for name in ("enter_time", "cum_sensor", "cum_exposure"):
        np.testing.assert_allclose(getattr(part, name), getattr(direct, name), atol=1e-12, err_msg=name)
    for name in ("sensor_rate", "exposure_rate"):  # rates over each step: the last cell has none within the part
        np.testing.assert_allclose(getattr(part, name)[:-1], getattr(direct, name)[:-1], atol=1e-12, err_msg=name)
    assert part.border_index == direct.border_index == b - i0
    assert part.total_time == pytest.approx(route.enter_time[i1] - route.enter_time[i0])
    assert part.zone_exit_time == pytest.approx(direct.zone_exit_time)
    assert part.enter_time[0] == 0.0 and part.cum_sensor[0] == 0.0 and part.cum_exposure[0] == 0.0
    t = 0.5 * part.total_time
    t_full = t + route.enter_time[i0]
    assert part.sensor_hazard_at(t) == pytest.approx(route.sensor_hazard_at(t_full) - route.cum_sensor[i0])
    assert part.exposure_hazard_at(t) == pytest.approx(route.exposure_hazard_at(t_full) - route.cum_exposure[i0])
    assert part.position_at(t, 0.5) == pytest.approx(route.position_at(t_full, 0.5))
    before = route.between(0, max(0, b - 1))
    assert before.border_index == -1 and before.tunnel_index == -1
    with pytest.raises(ValueError):
        route.between(5, 2)


def test_walks_start_near_the_line_and_cross_at_night():
    """Walks start within the drop-off distance of the line; border crossings cluster at night.

    Prints the median walking time (it was about 29-34 h when every walk started at the staging area).
    """
    loaded = load_scenario(DESERT, {"time.days": 40})
    world = build_world(loaded)
    cfg = loaded.spec.traffickers
    walks, to_line, at_night = [], [], []
    for seed in (1, 2):
        model = BorderModel(loaded, seed=seed, world=world)
        seen: set[int] = set()
        record = model.crossings.record_crossing_point

        def noted(group, blind_spot, model=model, record=record):
            if group.mode == "foot" and group.route is not None:
                at_line = group.depart_h + group.route.enter_time[group.route.border_index]
                at_night.append(bool(model.clock.is_night(at_line)))
            record(group, blind_spot)

        model.crossings.record_crossing_point = noted
        for _ in range(int(40 * 24 / model.step_hours)):
            model.step()
            for g in model.crossings.groups.values():
                if g.mode == "foot" and g.route is not None and g.group_id not in seen:
                    seen.add(g.group_id)
                    km = g.route.km_along(world.cell_km)
                    walks.append(g.route.total_time)
                    to_line.append(km[g.route.border_index])
    night_hours = model.clock.night_share
    print(
        f"\nwalks: {len(walks)}, median {np.median(walks):.1f} h (90th percentile {np.percentile(walks, 90):.1f} h); "
        f"median walk to the line {np.median(to_line):.1f} km; border crossings at night {np.mean(at_night):.2f} "
        f"of {len(at_night)} (night is {night_hours:.2f} of the day)"
    )
    assert len(walks) >= 30
    assert max(to_line) <= cfg.dropoff_km + cfg.dropoff_spread_km + world.cell_km * np.sqrt(2) + 1e-9
    assert np.median(walks) < 20.0
    assert np.mean(at_night) > night_hours + 0.1


def detection_hazard(start_hour: float, monkeypatch) -> float:
    """The detection hazard Detection.detect integrates for one group walking next to every patrol for a step."""
    model = BorderModel(CLASSROOM, seed=1, overrides={"time.start_hour": start_hour, "patrols.count": 2})
    model.step()  # model time: the end of the first step
    route = a_route(model)
    guide = model.networks[0].members[0]
    group = Group(
        0, 0, guide, [], "foot", depart_h=0.0, route=route, streams=EntityStreams(model.streams, Entity.GROUP, 0, 0)
    )
    group.step_start_h, group.elapsed_h = 0.0, model.step_hours
    xy = np.array([route.position_at(t, model.world.cell_km) for t in np.linspace(0.0, model.step_hours, 5)])
    n_patrols = len(model.patrol_force.patrols)
    patrol_path = np.repeat(xy[:, None, :], n_patrols, axis=1)
    monkeypatch.setattr(model.patrol_force, "on_duty", lambda: np.ones(n_patrols, dtype=bool))
    seen: list[float] = []
    real = detection_module.detection_probability

    def spy(hazard):
        seen.append(float(np.sum(hazard)))
        return real(hazard) * 0.0  # nobody is detected: the hazard is what is measured

    monkeypatch.setattr(detection_module, "detection_probability", spy)
    model.detection.detect([group], patrol_path)
    return seen[0]


def test_detection_is_lower_at_night(monkeypatch):
    """The same group beside the same patrols: the hazard at night is the day's times the night factor (< 1)."""
    day = detection_hazard(12.0, monkeypatch)
    night = detection_hazard(0.0, monkeypatch)
    spec = load_scenario(CLASSROOM).spec
    assert spec.patrols.night_detection_factor < 1 and spec.surveillance.night_detection_factor < 1
    assert day > 0
    assert night < day
    lo = min(spec.patrols.night_detection_factor, spec.surveillance.night_detection_factor)
    hi = max(spec.patrols.night_detection_factor, spec.surveillance.night_detection_factor)
    assert lo * day - 1e-12 <= night <= hi * day + 1e-12


def test_exposure_is_higher_by_day_and_in_summer():
    """Exposure: day over night is victims.day_exposure_factor, mid-July over mid-January summer_exposure_factor,
    and a full day averages the terrain's hazard; a walk by day runs a higher hazard than the same walk by night."""
    model = BorderModel(DESERT, seed=1)
    clock, v = model.clock, model.spec.victims
    noon, midnight = 12.0 - clock.start_hour, 24.0 - clock.start_hour
    assert clock.exposure_factor(noon) / clock.exposure_factor(midnight) == pytest.approx(
        v.day_exposure_factor, rel=0.01
    )
    hours = np.arange(0.0, 24.0, 0.01) + 0.005
    diel = np.where(clock.is_night(hours), clock.night_exposure, clock.day_exposure)
    assert diel.mean() == pytest.approx(1.0, abs=1e-3)
    july = (196 - clock.start_day) * 24.0 + midnight
    january = (15 - clock.start_day) * 24.0 + midnight
    ratio = clock.exposure_factor(july) / clock.exposure_factor(january)
    assert ratio == pytest.approx(v.summer_exposure_factor, rel=0.01)
    route = a_route(model)
    guide = model.networks[0].members[0]
    group = Group(
        0, 0, guide, [], "foot", depart_h=0.0, route=route, streams=EntityStreams(model.streams, Entity.GROUP, 0, 0)
    )
    group.depart_h = noon - 1.0
    by_day = model.crossings.exposure_hazard(group, 0.0, 2.0)
    group.depart_h = midnight - 1.0
    by_night = model.crossings.exposure_hazard(group, 0.0, 2.0)
    assert by_day == pytest.approx(v.day_exposure_factor * by_night, rel=0.01)


def test_pursuits_and_the_books_refer_to_the_walk(monkeypatch):
    """Pursuits infer the group's departure as the start of its walk; the model's invariants hold throughout."""
    from sim.model.patrol_force import PatrolForce
    from tests.test_model_invariants import check_invariants

    inferred: list[tuple[float, float]] = []
    original = PatrolForce.pursue

    def pursue(self, patrol, alert, goal):
        group = alert.group
        if alert.route_h < group.route.total_time:
            inferred.append((alert.when_h - alert.route_h, group.depart_h))
        return original(self, patrol, alert, goal)

    monkeypatch.setattr(PatrolForce, "pursue", pursue)
    model = BorderModel(DESERT, seed=2)
    problems: list[str] = []
    dropped = 0
    for step in range(int(20 * 24 / model.step_hours)):
        model.step()
        dropped += sum(g.walk is not None for g in model.crossings.groups.values())
        if step % 6 == 0:
            problems += check_invariants(model)
    assert not problems, problems[:5]
    assert dropped > 0, "no group rode to a drop-off"
    assert len(inferred) >= 5
    for departure, depart in inferred:
        assert departure == pytest.approx(depart, abs=1e-6)
