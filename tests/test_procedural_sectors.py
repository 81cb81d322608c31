"""Procedural sectors (``[[terrain.procedural.sectors]]``): stretches of their own landscape along the border."""

from __future__ import annotations

import numpy as np
import pytest

from sim.scenario import read_scenario
from sim.world import build_world
from sim.world.build import load_world
from sim.world.terrain import DESERT, FOREST, MOUNTAIN, WATER

BASE = {
    "scenario": {"name": "sectors"},
    "terrain": {
        "source": "procedural",
        "cell_m": 1000.0,
        "width_km": 120.0,
        "height_km": 30.0,
        "seed": 7,
        "procedural": {
            "kind": "plain",
            "ridges": 0,
            "ridge_height_m": 1000.0,
            "river_width_m": 1000.0,
            "roads": 0,
            "towns": 0,
            "forest_share": 0.2,
            "sectors": [
                {"x_km": [0.0, 40.0], "kind": "desert"},
                {"x_km": [40.0, 80.0], "kind": "mountains"},
                {"x_km": [80.0, 120.0], "kind": "river"},
            ],
        },
    },
    "border": {"mode": "row", "y_km": 15.5},
    "staging": [{"name": "s", "at": [20.0, 27.0]}, {"name": "t", "at": [100.0, 27.0]}],
    "destinations": [{"name": "d", "at": [20.0, 3.0]}, {"name": "e", "at": [100.0, 3.0]}],
}


def world_of(raw: dict):
    return load_world(raw)[1]


def test_each_sector_has_its_character():
    world = world_of(BASE)
    x_km = (np.arange(world.width) + 0.5) * world.cell_km
    desert, mountains, river = x_km < 35, (x_km > 45) & (x_km < 75), x_km > 85
    lc = world.landcover
    assert (lc[:, desert] == DESERT).mean() > 0.5 and not (lc[:, desert] == FOREST).any()
    assert (lc[:, mountains] == MOUNTAIN).mean() > 0.05 > (lc[:, desert | river] == MOUNTAIN).mean()
    assert world.elevation[:, mountains].mean() > world.elevation[:, desert].mean() > world.elevation[:, river].mean()
    line_row = 15
    assert (lc[line_row, river] == WATER).all() and not (lc[:, desert | mountains] == WATER).any()
    # the river sector's river runs along the line and is waded as the border river
    assert world.river_mask is not None and world.river_mask[line_row, river].all()
    assert world.passable[line_row, river].all() and world.exposure[line_row, river].min() > 0


def test_sectors_blend_at_their_edges():
    world = world_of(BASE)
    base = world.elevation.mean(axis=0)
    x_km = (np.arange(world.width) + 0.5) * world.cell_km
    # desert (700 m) to mountains (900 m base): the level rises over the 10 km around x = 40 km, not in one step
    ramp = base[(x_km > 35) & (x_km < 45)]
    assert np.diff(ramp).max() < 100.0


def test_no_sectors_leaves_the_generator_as_it_was():
    raw = {**BASE, "terrain": {**BASE["terrain"], "procedural": {**BASE["terrain"]["procedural"], "sectors": []}}}
    world = world_of(raw)
    assert not (world.landcover == DESERT).any()  # the plain, as before sectors existed
    assert world.river_mask is None


def test_same_seed_same_land():
    a, b = world_of(BASE), world_of(BASE)
    assert np.array_equal(a.elevation, b.elevation) and np.array_equal(a.landcover, b.landcover)


@pytest.mark.parametrize(
    "sectors, key, words",
    [
        ([{"x_km": [50.0, 40.0], "kind": "desert"}], "sectors[0].x_km", "west"),
        ([{"x_km": [100.0, 130.0], "kind": "desert"}], "sectors[0].x_km", "within the map"),
        (
            [{"x_km": [0.0, 60.0], "kind": "desert"}, {"x_km": [50.0, 90.0], "kind": "river"}],
            "sectors[1].x_km",
            "overlaps",
        ),
        ([{"x_km": [0.0, 60.0], "kind": "jungle"}], "sectors[0].kind", "mountains"),
    ],
)
def test_bad_sectors_are_refused_with_the_key(sectors, key, words):
    raw = {**BASE, "terrain": {**BASE["terrain"], "procedural": {**BASE["terrain"]["procedural"], "sectors": sectors}}}
    _, problems = read_scenario(raw)
    assert any(key in p.key and words in p.message for p in problems), problems


def test_sectors_only_for_procedural_maps():
    _, problems = read_scenario(
        {
            "scenario": {"name": "x"},
            "terrain": {
                "source": "ascii",
                "ascii": "....\n====\n....\n....",
                "procedural": {"sectors": [{"x_km": [0.0, 2.0], "kind": "desert"}]},
            },
        }
    )
    assert any(p.key == "terrain.procedural.sectors" and "procedural" in p.message for p in problems), problems


def test_build_world_of_a_loaded_scenario():
    loaded, _ = read_scenario(BASE)
    assert build_world(loaded).elevation.shape == (30, 120)


def test_sectors_at_the_map_edges_hold_to_the_edge():
    from sim.scenario import load_scenario
    from sim.world.terrain import _sector_weights

    p = load_scenario(BASE).spec.terrain.procedural
    col_km = np.arange(120) + 0.5
    weights = _sector_weights(p, col_km, 120.0)
    # the desert starts at the west edge and the river valley ends at the east edge: no ramp into the map's kind
    assert weights["desert"][0] == 1.0 and weights["river"][-1] == 1.0 and weights["plain"].max() == 0.0
    # where two sectors meet, their ramps share the 10 km about the edge (column 39's centre is 0.5 km west of it)
    assert weights["desert"][39] == pytest.approx(0.55) and weights["mountains"][39] == pytest.approx(0.45)
    assert weights["desert"][34] == 1.0 and weights["mountains"][45] == 1.0
    assert np.allclose(sum(weights.values()), 1.0)
