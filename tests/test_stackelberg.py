"""The stackelberg patrol strategy: waypoints drawn from the equilibrium coverage of the border's sectors,
recomputed at the stated period, from the patrols' own streams only."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.model.border_model import BorderModel
from sim.model.streams import RandomStreams

CLASSROOM = Path(__file__).resolve().parents[1] / "scenarios" / "classroom.toml"
STACKELBERG = {"patrols.strategy": "stackelberg"}


def model(**overrides) -> BorderModel:
    return BorderModel(CLASSROOM, seed=5, overrides=STACKELBERG | overrides)


def test_waypoints_fall_in_sectors_as_often_as_the_equilibrium_covers_them():
    """4,000 waypoints of one patrol: each sector's share matches ``c_t / sum(c)`` of the equilibrium the agency
    computed (the classroom's 4 units, 3 on duty, over 24 sectors: a coverage that is neither uniform nor pure)."""
    m = model()
    force = m.patrol_force
    patrol = force.patrols[0]
    coverage = force.stackelberg_coverage(patrol.agency)
    assert 0 < coverage.max() < 1 and (coverage == 0).any()  # a mixed coverage, not a trivial one
    assert coverage.sum() == pytest.approx(force.roster[patrol.agency] * m.spec.patrols.on_duty_share)
    draws = 4000
    sectors = np.empty(draws, dtype=int)
    for k in range(draws):
        x, y = patrol.choose_waypoint()
        cell = m.world.cell_of(x, y)
        sectors[k] = force.cell_sector[int(np.flatnonzero((force.cells == cell).all(axis=1))[0])]
    share = np.bincount(sectors, minlength=len(coverage)) / draws
    expected = coverage / coverage.sum()
    assert np.abs(share - expected).max() < 0.03
    assert share[coverage == 0].sum() == 0


@pytest.mark.parametrize("period", [1.0, 2.0])
def test_the_equilibrium_is_recomputed_once_a_period(period):
    """Over six days each agency with units solves its game once in every period (the first waypoint asked in
    it), never twice in one. (The patrols move with the clock at the step's end, so the last step of the sixth
    day would open the seventh period: the run stops a step short.)"""
    m = model(**{"patrols.stackelberg_period_days": period})
    for _ in range(int(6 * m.steps_per_day) - 1):
        m.step()
    solved = [hours for agency, hours in m.patrol_force.game.solved if agency == "border_patrol"]
    periods = [int(np.floor(h / 24.0 / period)) for h in solved]
    assert periods == list(range(int(6 / period)))


def test_the_game_answers_the_agency_intelligence():
    """Interdictions the agency can see raise the networks' perceived risk where they happened, which raises the
    route cost of that sector and moves coverage away from it."""
    m = model()
    force, game = m.patrol_force, m.patrol_force.game
    args = (force.line_sector, force.cfg.stackelberg_sectors)
    before = game.route_costs("border_patrol", *args)
    target = int(np.nanargmin(np.where(np.isfinite(before), before, np.nan)))
    centre = force.cells[force.cell_sector == target].mean(axis=0)
    x, y = (centre[::-1] + 0.5) * m.world.cell_km
    for _ in range(5):
        m.intel.log(m.hours, "border_patrol", "interdiction", float(x), float(y), network_id=0)
    after = game.route_costs("border_patrol", *args)
    assert after[target] > before[target]
    assert game.route_costs("customs", *args)[target] == pytest.approx(before[target])  # customs sees none of it


def test_stackelberg_draws_as_random_does_and_nothing_elsewhere(monkeypatch):
    """Three uniforms per waypoint from the patrol's own stream, as ``random``: a patrol's stream stays in step
    when the strategy changes; solving the game draws from no stream at all."""
    runs = {s: BorderModel(CLASSROOM, seed=5, overrides={"patrols.strategy": s}) for s in ("random", "stackelberg")}
    for m in runs.values():
        for _ in range(25):
            m.patrol_force.patrols[1].choose_waypoint()
    states = [m.patrol_force.patrols[1].stream.bit_generator.state for m in runs.values()]
    assert states[0] == states[1]

    m = runs["stackelberg"]
    made = []
    monkeypatch.setattr(RandomStreams, "keyed", lambda self, *key: made.append(key))
    monkeypatch.setattr(RandomStreams, "__getitem__", lambda self, key: made.append(key))
    force = m.patrol_force
    force.game.coverage("border_patrol", 3.0, force.cells, force.cell_sector, force.line_sector, 24)
    assert made == []


def test_other_mechanisms_streams_stay_in_step_under_stackelberg():
    """Two days under random and under stackelberg patrols: the market's intake stream has drawn the same
    numbers (one a step, whatever the patrols do), and the same people came."""
    runs = {s: BorderModel(CLASSROOM, seed=5, overrides={"patrols.strategy": s}) for s in ("random", "stackelberg")}
    for m in runs.values():
        for _ in range(int(2 * m.steps_per_day)):
            m.step()
    a, b = runs["random"], runs["stackelberg"]
    assert a.market._count_rng.bit_generator.state == b.market._count_rng.bit_generator.state
    assert a.market.taken_on == b.market.taken_on > 0
