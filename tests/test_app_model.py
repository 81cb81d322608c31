"""The app's model layer without a browser: levers become overrides, the model steps and records."""

from __future__ import annotations

import pytest

from sim.viz.app import AS_SCENARIO, ClassroomModel, lever_overrides, model_params, scenario_names


def test_levers_left_as_in_the_scenario_override_nothing():
    assert lever_overrides(0, AS_SCENARIO, AS_SCENARIO, AS_SCENARIO, AS_SCENARIO, AS_SCENARIO) == {}


def test_levers_become_typed_overrides():
    assert lever_overrides(3, "8", "hotspot", "full", "4", "strong") == {
        "patrols.count": 8,
        "patrols.strategy": "hotspot",
        "agencies.sharing": "full",
        "legal.courts": 4,
        "victims.protection": "strong",
        "surveillance.extra_towers.count": 3,
    }


def test_every_shipped_scenario_is_offered_classroom_first():
    names = scenario_names()
    assert names[0] == "classroom"
    assert {"classroom", "desert_sector", "river_port"} <= set(names)
    assert model_params["scenario_name"]["values"] == names


def test_model_steps_and_records_what_the_page_draws():
    model = ClassroomModel("classroom", seed="5", patrols="4", strategy="randomized")
    assert model.notice == ""
    assert len(model.patrol_force.patrols) == 4
    for _ in range(96):  # two days of 30-minute steps: about six victims recruited (Poisson, 3 a day)
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == 97 and frame["day"].iloc[-1] == pytest.approx(2.0)
    assert frame["victims_recruited"].iloc[-1] == model.outcomes()["victims_recruited"] > 0


def test_a_seed_that_is_not_a_number_is_reported_not_hidden():
    model = ClassroomModel("classroom", seed="abc")
    assert "abc" in model.notice and "seed 0" in model.notice
    same = ClassroomModel("classroom", seed=0)
    for m in (model, same):
        for _ in range(12):
            m.step()
    assert repr(model.outcomes()) == repr(same.outcomes())  # NaN-safe equality
