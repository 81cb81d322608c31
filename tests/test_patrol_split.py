"""The roster split along the border (``patrols.sector_shares``): each unit patrols its part of the line only."""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from sim.model.agents.patrol import PatrolStatus
from sim.model.border_model import BorderModel
from sim.scenario import load_scenario
from sim.schema import InputError

CLASSROOM = Path(__file__).resolve().parents[1] / "scenarios" / "classroom.toml"


def part_of_point(force, point: np.ndarray) -> int:
    """The part holding the patrol-area cell of a point (km)."""
    row, col = (int(v) for v in np.floor(point[::-1] / force.world.cell_km))
    index = int(np.flatnonzero((force.cells[:, 0] == row) & (force.cells[:, 1] == col))[0])
    return next(k for k, cells in enumerate(force.part_cells) if index in cells)


@pytest.mark.parametrize("strategy", ["random", "randomized", "hotspot", "stackelberg"])
def test_each_unit_starts_and_keeps_its_beat_in_its_part(strategy):
    """Eight units split 2:1:1 over three parts: four, two and two units, in every agency's roster order; every
    waypoint a unit picks while it patrols lies in its part, over five days."""
    model = BorderModel(
        CLASSROOM,
        seed=3,
        overrides={"patrols.count": 8, "patrols.sector_shares": [2.0, 1.0, 1.0], "patrols.strategy": strategy},
    )
    force = model.patrol_force
    assert len(force.part_cells) == 3 and all(len(c) for c in force.part_cells)
    assert sum(len(c) for c in force.part_cells) == len(force.cells)
    assert Counter(p.part for p in force.patrols) == {0: 4, 1: 2, 2: 2}
    for patrol in force.patrols:
        assert part_of_point(force, force.pos[patrol.index]) == patrol.part
    picked = 0
    for _ in range(int(5 * model.steps_per_day)):
        model.step()
        for patrol in force.patrols:
            if patrol.status is PatrolStatus.PATROLLING:
                assert part_of_point(force, force.waypoint[patrol.index]) == patrol.part, patrol.index
                picked += 1
    assert picked > 0


def test_fixed_beats_cut_each_part_among_its_units():
    """Fixed beats: the parts' stretches cut among their own units, end to end, covering the whole line."""
    model = BorderModel(
        CLASSROOM, seed=1, overrides={"patrols.count": 5, "patrols.sector_shares": [1, 1], "patrols.strategy": "fixed"}
    )
    force = model.patrol_force
    start, end = force.extent()
    beats = sorted((p.beat, p.part) for p in force.patrols)
    assert beats[0][0][0] == pytest.approx(start) and beats[-1][0][1] == pytest.approx(end)
    for (a, _), (b, _) in itertools.pairwise(beats):
        assert a[1] == pytest.approx(b[0])
    for beat, part in beats:
        low, high = force.part_ends[part]
        assert low - 1e-9 <= beat[0] < beat[1] <= high + 1e-9


def test_without_a_split_every_unit_patrols_the_whole_stretch():
    force = BorderModel(CLASSROOM, seed=1).patrol_force
    assert force.part_cells == [] and {p.part for p in force.patrols} == {None}


@pytest.mark.parametrize(
    ("value", "words"),
    [([0, 0], "at least one share must be above 0"), ([1, -1], ">= 0"), ("west", "list")],
)
def test_a_bad_split_is_refused_naming_the_key(value, words):
    with pytest.raises(InputError) as error:
        load_scenario(CLASSROOM, {"patrols.sector_shares": value})
    assert "patrols.sector_shares" in str(error.value) and words in str(error.value)


def test_apportion_places_every_unit_by_largest_remainder_ties_to_the_first():
    from sim.model.patrol_force import apportion

    assert apportion([2.0, 1.0, 1.0], 8).tolist() == [4, 2, 2]
    assert apportion([1.0, 1.0, 1.0], 4).tolist() == [2, 1, 1]
    assert apportion([0.6, 0.4], 3).tolist() == [2, 1]  # quotas 1.8 and 1.2: the larger remainder first
    assert apportion([0.0, 0.0], 1).tolist() == [1, 0]
    for n in range(12):
        assert apportion([3.0, 0.5, 1.5], n).sum() == n
