"""The alert desk and what groups do when they see a response coming.

- Operators: a loss system. With Poisson alerts at rate lambda, ``c`` operators and a handling time ``h``, the
  share of alerts lost is Erlang's B formula ``B(c, lambda h)``.
- False alarms: a Poisson count a step by inversion, so their rate does not depend on the step length.
- In a run: no operator, no sensor alert reaches a patrol; false alarms take patrols away; groups that see the
  response coming turn back only when the lever lets them; the split of known attempts adds up to one.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from sim.model.alerts import AlertDesk
from sim.model.border_model import BorderModel
from sim.model.streams import RandomStreams
from sim.runner import run
from sim.scenario import load_scenario
from sim.world import build_world

CLASSROOM = Path(__file__).resolve().parents[1] / "scenarios" / "classroom.toml"


@pytest.fixture(scope="module")
def classroom():
    loaded = load_scenario(CLASSROOM)
    return loaded.spec, build_world(loaded)


def erlang_b(servers: int, load: float) -> float:
    """Erlang's loss formula, by its stable recursion."""
    b = 1.0
    for k in range(1, servers + 1):
        b = load * b / (k + load * b)
    return b


@pytest.mark.parametrize("operators", [1, 2, 4])
def test_operators_lose_the_share_of_alerts_erlang_b_gives(classroom, operators):
    spec, world = classroom
    surveillance = dataclasses.replace(spec.surveillance, operators=operators, alert_handling_minutes=30.0)
    desk = AlertDesk(surveillance, world, RandomStreams(1))
    rate = 3.0  # alerts per hour: offered load 1.5 erlang
    rng = np.random.default_rng(7)
    times = np.cumsum(rng.exponential(1.0 / rate, size=40_000))
    lost = 0
    for t in times:
        desk.forget_before(t - 1.0)
        lost += not desk.take(float(t))
    expected = erlang_b(operators, rate * 0.5)
    assert lost / len(times) == pytest.approx(expected, abs=0.01)


def test_false_alarms_keep_their_rate_whatever_the_step(classroom):
    spec, world = classroom
    surveillance = dataclasses.replace(spec.surveillance, false_alarms_per_day=6.0)
    sensors = len(world.sensors)
    days = 400
    for step_h in (0.25, 2.0):
        desk = AlertDesk(surveillance, world, RandomStreams(3))
        steps = int(days * 24 / step_h)
        alarms = [a for k in range(steps) for a in desk.false_alarms(k * step_h, step_h)]
        per_day = len(alarms) / days / sensors
        assert per_day == pytest.approx(6.0, rel=0.05), step_h
        assert all(world.passable[world.cell_of(a.x_km, a.y_km)] for a in alarms)
        times = [a.when_h for a in alarms[:200]]
        assert times == sorted(times) or step_h > 0  # sorted within each step


def busy_run(seed: int, **overrides) -> dict:
    # Only the sensors see: every interdiction follows an alert. A busy border (20 people a day), so that the
    # few groups the classroom's towers see and a patrol reaches add up to a handful over three seeds.
    base = {"patrols.detection_rate_per_hour": 0.0, "crossers.per_day": 20.0}
    return run(CLASSROOM, {**base, **overrides}, seed=seed, days=30).outcomes


def test_without_operators_no_sensor_alert_reaches_a_patrol():
    for seed in (1, 2, 3):
        outcomes = busy_run(seed, **{"surveillance.operators": 0})
        assert outcomes["interdictions_by_sensor"] == 0
        assert outcomes["sensor_alerts_lost_share"] == 1.0
    watched = [busy_run(seed) for seed in (1, 2, 3)]
    assert sum(o["interdictions_by_sensor"] for o in watched) > 0
    assert all(o["sensor_alerts_lost_share"] < 1.0 for o in watched)


def test_false_alarms_take_patrols_away_from_real_alerts():
    quiet = [busy_run(s, **{"surveillance.false_alarms_per_day": 0.0}) for s in (1, 2, 3)]
    noisy = [
        busy_run(s, **{"surveillance.false_alarms_per_day": 400.0, "surveillance.false_alarm_dismissed_share": 0.0})
        for s in (1, 2, 3)
    ]
    assert all(o["false_alarm_patrol_hours"] == 0 for o in quiet)
    assert all(o["false_alarm_patrol_hours"] > 0 for o in noisy)
    assert sum(o["interdictions_by_sensor"] for o in noisy) < sum(o["interdictions_by_sensor"] for o in quiet)
    assert sum(o["sensor_alerts_lost_share"] for o in noisy) > sum(o["sensor_alerts_lost_share"] for o in quiet)


def run_model(seed: int, days: int, **overrides) -> BorderModel:
    model = BorderModel(CLASSROOM, seed=seed, overrides=overrides)
    for _ in range(int(days * model.steps_per_day)):
        model.step()
    return model


def test_groups_that_see_the_response_turn_back_only_when_they_can():
    never = [run_model(s, 30, **{"traffickers.notice_response_probability": 0.0}) for s in (1, 2)]
    lever = {"traffickers.notice_response_probability": 1.0, "traffickers.turn_back_km": 50.0}
    always = [run_model(s, 30, **lever) for s in (1, 2)]
    assert all(m.accounts.counters["groups_saw_response"] == 0 for m in never)
    assert sum(m.accounts.counters["groups_saw_response"] for m in always) > 0
    turned = [sum(m.outcomes()["turned_back_share"] for m in runs) for runs in (never, always)]
    assert turned[1] > turned[0]
    for m in never + always:
        o = m.outcomes()
        split = o["known_apprehended_share"] + o["turned_back_share"] + o["got_away_share"]
        assert split == pytest.approx(1.0, abs=1e-5) or split == 0.0
        c = m.accounts.counters
        assert c["known_people_apprehended"] <= c["people_apprehended"]
