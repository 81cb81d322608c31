"""The work a step skips or keeps in arrays gives the same numbers as the work it replaces.

The patrol-group pairs that can meet in a step are found with a k-d tree (:func:`sim.model.detection.pairs_in_reach`):
every other pair's exposure is exactly 0, and the exposure of the pairs found is, bit for bit, the whole table's.
The patrol force keeps its units' statuses in an array (:attr:`sim.model.patrol_force.PatrolForce.status_code`)
that the patrol agents' statuses keep equal.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.model import BorderModel, detection
from sim.model.agents.patrol import PatrolStatus
from sim.model.detection import pairs_in_reach, patrol_exposure, separation_exposure
from sim.model.patrol_force import STATUS_CODES

CLASSROOM = Path(__file__).resolve().parents[1] / "scenarios" / "classroom.toml"


def paths(rng: np.random.Generator, n: int, k: int, side_km: float, step_km: float) -> np.ndarray:
    """(k + 1, n, 2) positions: random starts in a square, random walks of sub-steps of about ``step_km``."""
    start = rng.random((n, 2)) * side_km
    moves = rng.normal(size=(k, n, 2)) * step_km / 2
    moves[:, : n // 4] = 0.0  # some stand still (a patrol off duty, a group waiting)
    return np.concatenate([start[None], start[None] + np.cumsum(moves, axis=0)])


@pytest.mark.parametrize("seed", range(5))
def test_the_pairs_in_reach_are_every_pair_with_exposure_and_give_it_bit_for_bit(seed):
    rng = np.random.default_rng(seed)
    k, range_km = 4, 0.5
    groups = paths(rng, 60, k, 40.0, 0.6)
    patrols = paths(rng, 400, k, 40.0, 2.5)
    whole = patrol_exposure(groups[:-1], groups[1:], patrols[:-1], patrols[1:], range_km)  # (K, G, P)
    gi, pi = pairs_in_reach(groups, patrols, range_km)
    assert len(gi) < 0.2 * whole[0].size  # the tree leaves out most pairs
    found = np.zeros(whole.shape[1:], dtype=bool)
    found[gi, pi] = True
    assert not whole[:, ~found].any()  # every pair left out has exposure exactly 0
    assert whole[:, found].any()  # and some found have some
    a = groups[:-1, gi] - patrols[:-1, pi]
    b = (groups[1:] - groups[:-1])[:, gi] - (patrols[1:] - patrols[:-1])[:, pi]
    assert np.array_equal(separation_exposure(a, b, range_km), whole[:, gi, pi])
    assert list(zip(gi, pi, strict=True)) == sorted(zip(gi, pi, strict=True))  # in order: groups, then patrols


def test_a_pair_that_only_grazes_the_range_within_a_sub_step_is_found(monkeypatch):
    """Both move across each other within a sub-step: at its ends they are far apart, in between within range."""
    monkeypatch.setattr(detection, "ALL_PAIRS_UP_TO", 0)  # the tree, even for one pair
    groups = np.array([[[0.0, 0.0]], [[10.0, 0.0]]])  # (2, 1, 2): east 10 km
    patrols = np.array([[[10.0, 0.3]], [[0.0, 0.3]]])  # west 10 km, 300 m to the north
    whole = patrol_exposure(groups[:-1], groups[1:], patrols[:-1], patrols[1:], 0.5)
    assert whole[0, 0, 0] > 0
    gi, pi = pairs_in_reach(groups, patrols, 0.5)
    assert list(gi) == [0] and list(pi) == [0]
    assert pairs_in_reach(groups, patrols + np.array([0.0, 20.0]), 0.5)[0].size == 0


def test_a_few_pairs_are_all_given_without_a_tree():
    rng = np.random.default_rng(0)
    groups, patrols = paths(rng, 3, 4, 40.0, 0.6), paths(rng, 5, 4, 40.0, 2.5)
    gi, pi = pairs_in_reach(groups, patrols, 0.5)
    assert list(zip(gi, pi, strict=True)) == [(g, p) for g in range(3) for p in range(5)]


@pytest.mark.parametrize("strategy", ["random", "hotspot"])
def test_the_patrol_force_status_array_is_the_patrol_agents_status_at_every_step(strategy):
    """The force moves, counts and dispatches units by its status array; every agent's status (set by shifts,
    responses, transports and false alarms, between steps too) is the same, and the units patrolling stand on
    passable cells."""
    model = BorderModel(
        CLASSROOM, seed=3, overrides={"patrols.strategy": strategy, "surveillance.false_alarms_per_day": 4}
    )
    force, changes = model.patrol_force, 0
    seen = set()
    for _ in range(round(20 * model.steps_per_day)):
        before = force.status_code.copy()
        model.step()
        codes = np.array([STATUS_CODES[p.status] for p in force.patrols], dtype=np.int8)
        assert np.array_equal(codes, force.status_code)
        assert np.array_equal(force.on_duty(), [p.status is not PatrolStatus.OFF_DUTY for p in force.patrols])
        changes += int((before != force.status_code).sum())
        seen |= {p.status for p in force.patrols}
        for i in np.flatnonzero(force.status_code == STATUS_CODES[PatrolStatus.PATROLLING]):
            assert model.world.passable[force.patrols[i].cell]
    assert changes > 0 and {PatrolStatus.PATROLLING, PatrolStatus.OFF_DUTY} <= seen
