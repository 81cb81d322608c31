"""The classroom game without a browser: plans become overrides, tower sites are checked for line of sight, the cost
meter adds the scenario's cost keys, the two runs pair on one seed, and rounds carry the traffickers' memory."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from sim.model.border_model import BorderModel
from sim.scenario import load_scenario
from sim.schema import InputError
from sim.viz.classroom import (
    AS_SCENARIO,
    SCORES,
    Classroom,
    PairedRun,
    Plan,
    check_tower_site,
    even_split,
    history_columns,
    plan_cost,
    resolve_scenario,
    units_text,
)

ROOT = Path(__file__).resolve().parents[1]
CLASSROOM = ROOT / "scenarios" / "classroom.toml"


@pytest.fixture(scope="module")
def loaded():
    return load_scenario(CLASSROOM)


@pytest.fixture(scope="module")
def world():
    from sim.world.build import build_world

    return build_world(load_scenario(CLASSROOM))


def test_a_plan_that_changes_nothing_overrides_nothing(loaded):
    assert Plan().overrides(loaded) == {}
    assert Plan(sharing=AS_SCENARIO, protection=AS_SCENARIO).overrides(loaded) == {}


def test_a_plan_becomes_typed_overrides_with_its_towers_after_the_scenarios_own(loaded):
    plan = Plan(
        towers=((9.5, 6.5), (4.5, 6.5)),
        patrol_units=(3, 2, 1),
        sharing="full",
        courts=2,
        protection="strong",
    )
    out = plan.overrides(loaded)
    sensors = out.pop("surveillance.sensors")
    assert out == {
        "patrols.count": 6,
        "patrols.sector_shares": [3.0, 2.0, 1.0],  # west, centre, east
        "agencies.sharing": "full",
        "legal.courts": 2,
        "victims.protection": "strong",
    }
    assert sensors[:2] == loaded.raw["surveillance"]["sensors"]
    extra = loaded.spec.surveillance.extra_towers
    assert [s["at"] for s in sensors[2:]] == [[9.5, 6.5], [4.5, 6.5]]
    assert all(s["range_m"] == extra.range_m and s["mast_height_m"] == extra.mast_height_m for s in sensors[2:])
    built = load_scenario(CLASSROOM, plan.overrides(loaded))  # the overrides make a valid scenario
    assert len(built.spec.surveillance.sensors) == 4 and built.spec.patrols.sector_shares == [3.0, 2.0, 1.0]


def test_units_per_third_split_the_roster_along_the_border_in_the_model(loaded):
    """The plan's units per third become the model's roster split: that many units patrol each third."""
    assert (
        even_split(4) == (2, 1, 1)
        and even_split(6) == (2, 2, 2)
        and units_text((2, 0, 1)) == "west 2 / centre 0 / east 1"
    )
    assert Plan(patrol_units=(0, 0, 0)).overrides(loaded) == {"patrols.count": 0}
    model = BorderModel(CLASSROOM, seed=1, overrides=Plan(patrol_units=(3, 0, 2)).overrides(loaded))
    force = model.patrol_force
    assert Counter(p.part for p in force.patrols) == {0: 3, 2: 2}
    start, end = force.extent()
    for patrol in force.patrols:
        low, high = force.part_ends[patrol.part]
        assert low == pytest.approx(start + patrol.part * (end - start) / 3) and high > low


def test_tower_sites_are_checked_for_line_of_sight_to_the_border(world):
    hidden = check_tower_site(world, 2.5, 3.5)  # north of the western range, in its shadow
    assert not hidden.ok and "no line of sight to the border" in hidden.reason and hidden.visible is None
    seen = check_tower_site(world, 6.5, 6.5)
    assert seen.ok and seen.border_seen_km >= 5 and seen.visible is not None and seen.visible.any()
    assert seen.visible[world.cell_of(6.5, 6.5)]  # the tower sees its own cell
    assert not check_tower_site(world, 26.0, 3.5).ok  # the lake
    assert "across the border" in check_tower_site(world, 10.0, 12.0).reason
    assert "off the map" in check_tower_site(world, 31.0, 3.0).reason


def test_the_cost_meter_adds_the_scenarios_cost_keys(loaded):
    s = loaded.spec
    towers = ((9.5, 6.5), (4.5, 6.5))
    plan = Plan(towers=towers, patrol_units=even_split(s.patrols.count + 2), sharing="full", courts=s.legal.courts + 1)
    lines = {line.item: line.per_year for line in plan_cost(loaded, plan)}
    extra = s.surveillance.extra_towers
    tower = extra.cost_per_year + extra.capital_cost / extra.lifetime_years
    patrol = s.patrols.on_duty_share * 8760 * s.patrols.cost_per_hour
    assert lines == {
        "2 tower(s)": pytest.approx(2 * tower),
        "+2 patrol unit(s)": pytest.approx(2 * patrol),
        "sharing full": pytest.approx(s.agencies.sharing_cost_per_year),
        "+1 court(s)": pytest.approx(s.legal.cost_per_court_per_year),
    }
    fewer = {line.item: line.per_year for line in plan_cost(loaded, Plan(patrol_units=even_split(s.patrols.count - 1)))}
    assert fewer == {"-1 patrol unit(s)": pytest.approx(-patrol)}  # a cut is a saving
    assert plan_cost(loaded, Plan()) == []


def test_a_plan_equal_to_the_baseline_runs_the_baseline_exactly():
    run = PairedRun(CLASSROOM, Plan(), seed=3)
    run.run_to_day(2)
    assert run.days == pytest.approx(2.0)
    scores = run.scores()
    assert scores["baseline"] == scores["plan"]
    assert run.baseline.crossings() == run.planned.crossings()
    assert [t[1]["baseline"] for t in run.trace] == [t[1]["plan"] for t in run.trace]


def test_a_plan_with_towers_runs_on_the_same_seed_and_differs():
    run = PairedRun(CLASSROOM, Plan(towers=((9.5, 6.5), (4.5, 6.5))), seed=0)
    run.run_to_day(3)
    assert run.baseline.model.seed == run.planned.model.seed == 0
    assert len(run.planned.model.world.sensors) == len(run.baseline.model.world.sensors) + 2
    assert run.scores()["baseline"]["cost"] < run.scores()["plan"]["cost"]


def test_the_plan_keeps_to_the_budget_and_to_the_start_of_a_round():
    game = Classroom("classroom", seed=0, days=1)
    assert game.budget == pytest.approx(700_000)  # two of the scenario's extra towers
    baseline = game.run.baseline.model
    assert game.add_tower(9.5, 6.5).ok and game.add_tower(4.5, 6.5).ok
    assert game.run.baseline.model is baseline and len(game.run.planned.model.world.sensors) == 4
    third = game.add_tower(20.5, 6.5)
    assert not third.ok and "over the budget" in third.reason and len(game.plan.towers) == 2
    refused = game.add_tower(2.5, 3.5)
    assert not refused.ok and "line of sight" in refused.reason
    game.remove_tower(0)
    assert game.plan.towers == ((4.5, 6.5),)
    with pytest.raises(InputError, match="allowed: a number >= 0"):
        game.set_budget(-1)
    game.set_budget(1_050_000)
    assert game.add_tower(20.5, 6.5).ok and game.cost() == pytest.approx(700_000)
    game.run.step(1)
    with pytest.raises(InputError, match="reset it to change the plan"):
        game.set_plan(Plan())
    game.restart()
    game.set_plan(replace(game.plan, sharing="full"))
    assert game.run.planned.model.spec.agencies.sharing == "full"


def test_round_two_starts_with_what_round_one_taught_the_traffickers():
    game = Classroom("classroom", seed=2, days=14)  # both runs stop groups in round 1 (4 and 1)
    assert game.add_tower(9.5, 6.5).ok and game.add_tower(4.5, 6.5).ok
    game.play_to_end()
    end = game.run.memory()
    first = game.next_round()
    assert first.interdictions_remembered["plan"] > 0
    hours = 14 * 24
    for side in game.run.sides:
        for network, (xy, ago) in zip(side.model.networks, end[side.name], strict=True):
            now_xy, now_ago = network.interdiction_memory()
            assert np.array_equal(now_xy, xy) and np.allclose(now_ago, ago)  # carried, at the age it had
            if len(xy):
                assert network.perceived_risk(xy).min() > 0  # and the network weighs it in its choices
    # a fresh round 1 with the same plan and seed remembers nothing: round 2 is another round
    fresh = PairedRun(game.scenario, game.plan, game.seed)
    assert all(len(n.interdiction_memory()[0]) == 0 for n in fresh.planned.model.networks)
    assert max(float(a.max()) for _, a in end["plan"] if len(a)) <= hours
    game.next_round()
    assert [r.number for r in game.rounds] == [1, 2]
    assert game.rounds[1].interdictions_remembered["plan"] >= first.interdictions_remembered["plan"]


def test_the_history_csv_has_a_row_per_round_and_the_declared_columns():
    game = Classroom("classroom", seed=1, days=1)
    game.set_plan(Plan(sharing="full"))
    game.next_round()
    game.next_round()
    rows = list(csv.DictReader(io.StringIO(game.history_csv())))
    assert list(rows[0]) == history_columns()
    assert [r["round"] for r in rows] == ["1", "2"] and rows[0]["sharing"] == "full"
    for side in ("baseline", "plan"):
        assert {f"{side}_{s.name}" for s in SCORES} <= set(rows[0])
    assert float(rows[0]["plan_cost_per_year"]) == pytest.approx(game.loaded.spec.agencies.sharing_cost_per_year)


def test_the_last_round_draws_as_a_gif(tmp_path):
    from PIL import Image

    game = Classroom("classroom", seed=0, days=0.5)
    with pytest.raises(InputError, match="no round played yet"):
        game.write_gif(tmp_path / "none.gif")
    game.next_round()
    out = game.write_gif(tmp_path / "round.gif", frames_per_day=8)
    with Image.open(out) as image:
        assert image.n_frames == 4 and image.width > 600


def test_scenarios_are_found_by_path_or_name_and_bad_ones_named():
    assert resolve_scenario("classroom").samefile(CLASSROOM)
    assert resolve_scenario(str(CLASSROOM)) == CLASSROOM
    with pytest.raises(InputError, match="nosuch: --scenario: no such file; allowed: a scenario file or a name: "):
        resolve_scenario("nosuch")


def test_a_scenario_with_problems_is_refused_with_its_file_named(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(CLASSROOM.read_text().replace("count = 4 ", "count = -4 "))
    with pytest.raises(InputError) as caught:
        resolve_scenario(bad)
    assert any(p.key == "patrols.count" and str(bad) in p.file for p in caught.value.problems)
    broken = tmp_path / "broken.toml"
    broken.write_text("[scenario\n")
    with pytest.raises(InputError, match=r"broken\.toml"):
        resolve_scenario(broken)
