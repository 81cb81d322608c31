"""Grid invariance: changing only ``terrain.cell_m`` changes the resolution of a scenario, not its land.

The procedural generator works in km (:func:`sim.world.terrain.generate_procedural`), the straight border
is placed in km (``border.y_km``) and the river's width is in m, so the shipped scenarios at 250, 500
and 1,000 m cells must be the same land up to resolution. The tolerances are what resolution alone
can explain, measured on a 125 m reference map of the same scenario:

- A cell takes the land cover at its centre. A cell that no class boundary crosses is right (tested
  cell by cell: where a coarse cell's fine cells all have one class, it has that class). A cell that
  a boundary crosses, straight at the scale of a cell, gets the class of the side holding its centre,
  which covers at least half of it, so the map's share of a class is off by at most half the share of
  the cells its boundary crosses. Two maps' shares must therefore agree within half the sum of their
  crossed shares. (Stratified sampling theory, one point per cell, gives a typical error a few times
  smaller, the standard error printed beside each share; it assumes errors independent from cell to
  cell, which fails along a boundary nearly parallel to the grid, so it is not the test.)
- Roads are lines one cell wide at every resolution, drawn over the other classes, so the land they
  cover grows with the cell: area classes are compared on the scenario without roads
  (``terrain.procedural.roads = 0``), and the roads by their length (cells x cell size), within two
  cells of the coarser map per road (the cell that joins a road to its port, and one where two roads
  share a cell or a road is clipped at the map's edge).
- The blind share of the border line: the same argument in one dimension, with each blind/covered
  boundary on the line allowed one cell of each map (half from sampling, about half more because a
  sensor stands at the centre of its cell and the line runs along the row holding ``y_km``).
"""

from __future__ import annotations

import dataclasses
import functools
import re
import time
from types import SimpleNamespace

import numpy as np
import pytest

from sim.experiment.stats import estimate
from sim.model.crossings import Crossings
from sim.model.routing import RoutePlanner
from sim.runner import run
from sim.scenario import load_scenario
from sim.schema import InputError
from sim.world import build_world
from sim.world.terrain import FOREST, MOUNTAIN, ROAD, SCRUB, URBAN, WATER, build_terrain

SCENARIOS = ("scenarios/desert_sector.toml", "scenarios/river_port.toml")
CELLS_M = (250, 500, 1000)
REFERENCE_M = 125
CLASSES = {"mountain": (MOUNTAIN,), "water": (WATER,), "forest/scrub": (SCRUB, FOREST), "urban": (URBAN,)}
PAIRS = ((250, 500), (250, 1000), (500, 1000))
NO_ROADS = {"terrain.procedural.roads": 0}


@functools.cache
def terrain_at(path: str, cell_m: int, **overrides):
    return build_terrain(load_scenario(path, {"terrain.cell_m": cell_m, **overrides}).spec)


@functools.cache
def world_at(path: str, cell_m: int):
    return build_world(load_scenario(path, {"terrain.cell_m": cell_m}))


def blocks(fine: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The fine raster's cells inside each coarse cell: shape ``(rows, cols, k * k)``."""
    k = fine.shape[0] // shape[0]
    assert fine.shape == (shape[0] * k, shape[1] * k)
    return fine.reshape(shape[0], k, shape[1], k).transpose(0, 2, 1, 3).reshape(*shape, k * k)


def sampling(reference: np.ndarray, shape: tuple[int, int]) -> tuple[float, float]:
    """(share of coarse cells a boundary crosses, standard error of one point per cell) of a boolean raster."""
    f = blocks(reference, shape).mean(axis=-1)
    return float(((f > 0) & (f < 1)).mean()), float(np.sqrt((f * (1 - f)).sum()) / f.size)


@pytest.mark.parametrize("path", SCENARIOS)
def test_land_cover_shares_agree_across_cell_sizes(path):
    reference = terrain_at(path, REFERENCE_M, **NO_ROADS)
    maps = {c: terrain_at(path, c, **NO_ROADS) for c in CELLS_M}
    extent_km = {(m.shape[0] * m.cell_km, m.shape[1] * m.cell_km) for m in (reference, *maps.values())}
    assert len(extent_km) == 1, extent_km
    lines, failures = [], []
    for name, codes in CLASSES.items():
        shares = {c: float(np.isin(m.landcover, codes).mean()) for c, m in maps.items()}
        crossed, error = {}, {}
        for c in CELLS_M:
            crossed[c], error[c] = sampling(np.isin(reference.landcover, codes), maps[c].shape)
        lines.append(
            f"{name:13s}"
            + "  ".join(f"{c:5d} m {100 * shares[c]:6.2f}% (SE {100 * error[c]:.2f})" for c in CELLS_M)
            + "   tolerance "
            + " ".join(f"{a}/{b}: {50 * (crossed[a] + crossed[b]):.2f}" for a, b in PAIRS)
        )
        failures += [(name, a, b) for a, b in PAIRS if abs(shares[a] - shares[b]) > 0.5 * (crossed[a] + crossed[b])]
    full = {c: terrain_at(path, c) for c in CELLS_M}
    roads = load_scenario(path).spec.terrain.procedural.roads
    lengths = {c: float((m.landcover == ROAD).sum() * m.cell_km) for c, m in full.items()}
    lines.append("road length  " + "  ".join(f"{c:5d} m {lengths[c]:6.1f} km" for c in CELLS_M))
    print(f"\n{path} (shares in %, tolerances in percentage points)\n" + "\n".join(lines))
    assert not failures, f"{failures}\n" + "\n".join(lines)
    for a, b in PAIRS:
        assert abs(lengths[a] - lengths[b]) <= 2 * roads * max(a, b) / 1000, "\n".join(lines)


@pytest.mark.parametrize("path", SCENARIOS)
def test_coarse_cells_keep_the_class_of_uniform_fine_blocks(path):
    fine = terrain_at(path, 250).landcover
    for cell_m in (500, 1000):
        coarse = terrain_at(path, cell_m).landcover
        inside = blocks(fine, coarse.shape)
        uniform = (inside == inside[..., :1]).all(axis=-1)
        wrong = uniform & (coarse != inside[..., 0]) & (coarse != ROAD)
        print(f"{path} at {cell_m} m: {100 * uniform.mean():.1f}% of cells uniform at 250 m, {int(wrong.sum())} differ")
        assert uniform.mean() > 0.7
        assert not wrong.any(), f"{path}: {int(wrong.sum())} cells at {cell_m} m differ from the uniform 250 m land"


@pytest.mark.parametrize("path", SCENARIOS)
@pytest.mark.parametrize("ridges", [None, 0])
def test_elevation_at_one_km_agrees_across_cell_sizes(path, ridges):
    """With ``ridges = 0`` the elevation is the relief noise alone, the part drawn on the lattice."""
    overrides = {} if ridges is None else {"terrain.procedural.ridges": ridges}
    at_km = {}
    for cell_m in CELLS_M:
        layers = terrain_at(path, cell_m, **overrides)
        k = 1000 // cell_m
        shape = (layers.shape[0] // k, layers.shape[1] // k)
        at_km[cell_m] = blocks(layers.elevation.astype(np.float64), shape).mean(axis=-1)
    report = []
    for a, b in PAIRS:
        r = float(np.corrcoef(at_km[a].ravel(), at_km[b].ravel())[0, 1])
        rms = float(np.sqrt(((at_km[a] - at_km[b]) ** 2).mean()))
        report.append(f"{a} vs {b} m: r = {r:.5f}, RMS difference {rms:.2f} m (SD {at_km[b].std():.1f} m)")
        assert r > 0.99, report
        assert rms < 0.05 * at_km[b].std(), report
    print(f"\n{path}, ridges {ridges}: " + "; ".join(report))


# Only the straight border: along river_port's river the towers and cameras look down on a nearly flat
# valley floor, where line of sight grazes the water and the blind status of the line flips every few
# hundred metres at 125 m. Its blind share agrees across cell sizes (34.6 / 35.0 / 35.0 %), but what
# resolution alone can explain there (a boundary in most cells of the line) is 50-100 points: a check
# that cannot fail.
@pytest.mark.parametrize("path", SCENARIOS[:1])
def test_blind_border_share_agrees_across_cell_sizes(path):
    reference = world_at(path, REFERENCE_M)
    fine_blind = reference.blind_spot_mask[reference.border_mask]  # one border cell a column, west to east
    shares, crossed = {}, {}
    for cell_m in CELLS_M:
        world = world_at(path, cell_m)
        shares[cell_m] = world.blind_spot_share
        f = fine_blind.reshape(world.width, -1).mean(axis=1)
        crossed[cell_m] = float(((f > 0) & (f < 1)).mean())
    report = "  ".join(f"{c} m {100 * shares[c]:.2f}%" for c in CELLS_M)
    tolerances = {(a, b): crossed[a] + crossed[b] for a, b in PAIRS}
    print(
        f"\n{path}: blind share of the border {report} ({REFERENCE_M} m {100 * reference.blind_spot_share:.2f}%); "
        "tolerances " + " ".join(f"{a}/{b}: {100 * t:.2f}" for (a, b), t in tolerances.items())
    )
    for (a, b), tolerance in tolerances.items():
        assert abs(shares[a] - shares[b]) <= tolerance, (
            f"{a} vs {b} m: tolerance {100 * tolerance:.2f} points; {report}"
        )


# --------------------------------------------------------------------------- along a route

WALK_KMH = 3.0
COVERED_NORTH_OF_KM = 20.0  # the synthetic coverage and exposure below hold north of this y (km)


def flat_world(cell_m: int):
    """desert_sector's grid, line and zone at ``cell_m``, on flat open ground with a rate of 1 per hour (coverage
    and exposure) north of y = 20 km and none south of it: a land the same in km at every cell size."""
    world = world_at(SCENARIOS[0], cell_m)
    y_km = (np.arange(world.height) + 0.5) * world.cell_km
    band = np.broadcast_to((y_km < COVERED_NORTH_OF_KM)[:, None], world.passable.shape).astype(np.float32)
    ones = np.ones(world.passable.shape, dtype=np.float32)
    return dataclasses.replace(
        world, coverage=band, exposure=band, speed_factor=ones, passable=np.ones(world.passable.shape, dtype=bool)
    )


def north_path(world, x_km: float, from_y_km: float, to_y_km: float) -> list[tuple[int, int]]:
    col = int(x_km / world.cell_km)
    rows = range(int(from_y_km / world.cell_km), int(to_y_km / world.cell_km) - 1, -1)
    return [(r, col) for r in rows]


@pytest.mark.parametrize("cell_m", CELLS_M)
def test_hazards_and_the_zone_edge_along_a_route_are_those_of_the_land(cell_m):
    """A walk due north over flat land: the hazard it accumulates is the rate times the time north of the covered
    band's edge, and it leaves the zone at the zone's edge, at every cell size.

    Charging each step at the rate of the cell it starts from, or taking the zone exit at the first centre beyond
    the zone, is off by half a step: 0.125, 0.25 and 0.5 km of walking at 250, 500 and 1,000 m.
    """
    world = flat_world(cell_m)
    planner = RoutePlanner(world, walk_speed_kmh=WALK_KMH, risk_aversion=0.0)
    route = planner.profile(north_path(world, 40.2, 35.2, 10.2))
    km = world.cell_km
    start_y, end_y = (route.rows[0] + 0.5) * km, (route.rows[-1] + 0.5) * km
    assert route.total_time == pytest.approx((start_y - end_y) / WALK_KMH)
    in_band_h = (COVERED_NORTH_OF_KM - end_y) / WALK_KMH
    assert route.cum_sensor[-1] == pytest.approx(in_band_h, rel=1e-6)
    assert route.cum_exposure[-1] == pytest.approx(in_band_h, rel=1e-6)
    rows_in_zone = np.flatnonzero(world.zone_mask[:, route.cols[0]])
    zone_edge_y = rows_in_zone.min() * km  # the north edge of the zone's northernmost cell
    assert route.zone_exit_time == pytest.approx((start_y - zone_edge_y) / WALK_KMH)


@pytest.mark.parametrize("cell_m", CELLS_M)
def test_walks_start_and_end_where_the_scenario_says_at_every_cell_size(cell_m):
    """The walk starts ``dropoff_km`` +/- ``dropoff_spread_km`` before the line (on average over the draw exactly
    ``dropoff_km``) and ends ``pickup_km`` beyond the zone's edge (within half a step), at every cell size: its
    ends are the centres nearest those points, not the first centres past them."""
    world = flat_world(cell_m)
    spec = load_scenario(SCENARIOS[0], {"terrain.cell_m": cell_m}).spec
    planner = RoutePlanner(world, walk_speed_kmh=WALK_KMH, risk_aversion=0.0)
    route = planner.profile(north_path(world, 40.2, 45.2, 5.2))
    crossings = SimpleNamespace(world=world, cfg=spec.traffickers)
    km = route.km_along(world.cell_km)
    b = route.border_index
    draws = (np.arange(400) + 0.5) / 400
    stretches = [Crossings.walking_stretch(crossings, route, u) for u in draws]
    walked_to_line = np.array([km[b] - km[i0] for i0, _ in stretches])
    assert walked_to_line.mean() == pytest.approx(spec.traffickers.dropoff_km, abs=0.01)
    northmost_zone_row = np.flatnonzero(world.zone_mask[:, route.cols[0]]).min()
    zone_edge_km = km[b] + (route.rows[b] - northmost_zone_row + 0.5) * world.cell_km  # that row's north edge
    beyond_zone = np.array([km[i1] - zone_edge_km for _, i1 in stretches])
    assert np.abs(beyond_zone - spec.traffickers.pickup_km).max() <= 0.5 * world.cell_km + 1e-9


# --------------------------------------------------------------------------- outcomes of a run

OUTCOME_NAMES = (
    "crossings_attempted",
    "crossings_succeeded",
    "apprehension_rate",
    "apprehension_rate_on_foot",
    "interdictions_by_sensor",
)
RUN_SEEDS = range(1, 33)
RUN_DAYS = 90
RUN_CONFIDENCE = 0.99


@pytest.mark.slow
def test_main_outcomes_agree_at_500_and_1000_m():
    """Paired seeds at 500 and 1,000 m: every paired difference's 99 % interval contains 0.

    Five outcomes at 99 % each: the whole check has a false-alarm rate of at most 5 %. 32 seeds: on 16, a change
    of the model's random streams once put interdictions by sensor at 1.69 (500 m) against 2.69 (1,000 m), an
    interval of [+0.03, +1.97]; on 16 other seeds the same model gave 2.19 against 2.38 (+0.19, standard error
    0.58), a false alarm of the kind the 5 % allows, which more seeds make rarer. With the earlier generator
    (its noise drawn per cell) the same kind of check found the apprehension rate 0.46 at 500 m and 0.66 at
    1,000 m. Before walks were integrated half a step into each cell, with the zone left at its edge and the walk
    cut at the centres nearest its ends (``sim.model.routing.step_rates``), this check found 10.2 fewer attempts
    at 1,000 m in 90 days [-17.8, -2.6] and 7.1 fewer crossings succeeded [-13.5, -0.6].
    """
    start = time.perf_counter()
    results = {
        cell_m: [run(SCENARIOS[0], {"terrain.cell_m": cell_m}, seed=s, days=RUN_DAYS).outcomes for s in RUN_SEEDS]
        for cell_m in (500, 1000)
    }
    elapsed = time.perf_counter() - start
    lines, failures = [], []
    for name in OUTCOME_NAMES:
        a = np.array([r[name] for r in results[500]], dtype=float)
        b = np.array([r[name] for r in results[1000]], dtype=float)
        diff = estimate(b - a, confidence=RUN_CONFIDENCE)
        lines.append(
            f"{name}: 500 m {a.mean():.3f}, 1000 m {b.mean():.3f}, "
            f"difference {diff.mean:+.3f} [{diff.ci_low:+.3f}, {diff.ci_high:+.3f}]"
        )
        if not diff.ci_low <= 0 <= diff.ci_high:
            failures.append(name)
    print(f"\n{len(RUN_SEEDS)} seeds x {RUN_DAYS} days x 2 cell sizes in {elapsed:.0f} s\n" + "\n".join(lines))
    assert not failures, "\n".join(lines)


# --------------------------------------------------------------------------- physical units in the file


def raw_procedural(**terrain) -> dict:
    return {
        "scenario": {"name": "t"},
        "terrain": {"source": "procedural", **terrain},
        "traffickers": {"networks": 0},
    }


@pytest.mark.parametrize(
    ("raw", "key", "pattern"),
    [
        (raw_procedural(width_km=20), "terrain.height_km", r"give terrain.width_km and terrain.height_km"),
        (raw_procedural(width=40, height=30), "terrain.width", r"unknown key; did you mean 'width_km'"),
        (raw_procedural(width_km=3, height_km=20), "terrain.width_km", r"3 x 20 cells; a procedural map needs at"),
        (
            {"scenario": {"name": "t"}, "terrain": {"source": "ascii", "ascii": "....\n....", "width_km": 4}},
            "terrain.width_km",
            r"given 4 but terrain.source is 'ascii'.*remove the key",
        ),
        (
            {**raw_procedural(width_km=20, height_km=20), "border": {"mode": "river", "y_km": 5.0}},
            "border.y_km",
            r"given 5 but border.mode is 'river'",
        ),
        (
            {**raw_procedural(width_km=20, height_km=20, procedural={"river_width_cells": 2})},
            "terrain.procedural.river_width_cells",
            r"did you mean 'river_width_m'",
        ),
    ],
)
def test_extent_border_and_river_keys_are_physical(raw, key, pattern):
    with pytest.raises(InputError) as info:
        load_scenario(raw)
    problems = [p for p in info.value.problems if p.key == key]
    assert problems and any(re.search(pattern, p.message) for p in problems), str(info.value)


def test_extent_in_km_gives_cells_rounded_up_and_border_row_from_y_km():
    raw = {**raw_procedural(width_km=10, height_km=7.2, cell_m=500), "border": {"y_km": 3.4}}
    world = build_world(load_scenario(raw))
    assert (world.height, world.width) == (15, 20)  # 7.2 km of 0.5 km cells: 14.4, rounded up
    assert (world.border_cells[:, 0] == 6).all()  # y = 3.4 km lies in row 6 (3.0-3.5 km)
    at_1km = build_world(load_scenario(raw, {"terrain.cell_m": 1000}))
    assert (at_1km.height, at_1km.width) == (8, 10) and (at_1km.border_cells[:, 0] == 3).all()
