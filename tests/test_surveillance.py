"""Border line, viewshed, coverage, blind spots, greedy tower siting, path integration, land checks."""

from __future__ import annotations

import itertools
import re
import time
from pathlib import Path

import numpy as np
import pytest

from sim.scenario import load_scenario
from sim.schema import InputError, plain_key
from sim.world import build_world
from sim.world.surveillance import path_cells, segment_means, segments_cells, viewshed

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"


def world_of(ascii_map: str, **sections):
    raw = {
        "scenario": {"name": "test"},
        "terrain": {"source": "ascii", "ascii": ascii_map, "cell_m": 1000.0},
        "traffickers": {"networks": 0},
        **sections,
    }
    return build_world(load_scenario(raw))


def flat_map(rows: int, cols: int, char: str = ".") -> str:
    return "\n".join(char * cols for _ in range(rows))


def disc(shape, centre, radius_cells):
    rr, cc = np.indices(shape)
    return np.hypot(rr - centre[0], cc - centre[1]) <= radius_cells


# --------------------------------------------------------------------------- viewshed


def test_flat_ground_everything_in_range_is_visible():
    seen = viewshed(np.zeros((21, 21)), (10, 10), mast_height_m=10, range_m=500, cell_m=100, target_height_m=1.7)
    np.testing.assert_array_equal(seen, disc((21, 21), (10, 10), 5))


def test_ground_sensor_range_is_a_disc_whatever_the_relief():
    rng = np.random.default_rng(1)
    elevation = rng.uniform(0, 2000, size=(15, 19))
    seen = viewshed(
        elevation, (7, 4), mast_height_m=1, range_m=3.5 * 250, cell_m=250, line_of_sight=False, target_height_m=1.7
    )
    np.testing.assert_array_equal(seen, disc((15, 19), (7, 4), 3.5))


def test_disc_cut_off_near_the_map_edge():
    seen = viewshed(np.zeros((6, 6)), (0, 0), mast_height_m=30, range_m=3000, cell_m=1000, target_height_m=1.7)
    np.testing.assert_array_equal(seen, disc((6, 6), (0, 0), 3))


def wall_map(height_m: float) -> np.ndarray:
    elevation = np.zeros((11, 21))
    elevation[:, 10] = height_m
    return elevation


def test_ridge_wall_hides_exactly_the_cells_behind_it():
    seen = viewshed(wall_map(100.0), (5, 3), mast_height_m=20, range_m=5000, cell_m=100, target_height_m=1.7)
    expected = np.zeros((11, 21), dtype=bool)
    expected[:, :11] = True  # the wall's own cells are seen (their tops)
    np.testing.assert_array_equal(seen, expected)


def test_shadow_behind_a_low_ridge_ends_where_the_sight_line_lands():
    # mast top 50 m, ridge 20 m at 700 m: a 1.7 m target at d is hidden while 48.3/d > 30/700, d < 1127 m
    seen = viewshed(wall_map(20.0), (5, 3), mast_height_m=50, range_m=5000, cell_m=100, target_height_m=1.7)
    assert seen[5, :11].all()
    assert not seen[5, 11:15].any()
    assert seen[5, 15:].all()


def test_tall_mast_sees_over_a_low_ridge():
    seen = viewshed(wall_map(20.0), (5, 3), mast_height_m=200, range_m=5000, cell_m=100, target_height_m=1.7)
    assert seen.all()
    low = viewshed(wall_map(20.0), (5, 3), mast_height_m=10, range_m=5000, cell_m=100, target_height_m=1.7)
    assert not low[:, 11:].any()


def test_observer_on_a_hill_sees_down_both_slopes():
    elevation = np.zeros((9, 9))
    elevation[4, 4] = 300.0
    seen = viewshed(elevation, (4, 4), mast_height_m=5, range_m=4000, cell_m=1000, target_height_m=1.7)
    np.testing.assert_array_equal(seen, disc((9, 9), (4, 4), 4))


# --------------------------------------------------------------------------- border, coverage and blind spots


def test_straight_border_sides_and_zone():
    world = world_of(flat_map(10, 20), border={"mode": "row", "zone_km": 2.0})
    assert world.border_cells.tolist() == [[5, c] for c in range(20)]  # west to east
    assert world.border_mask[5].all() and world.border_mask.sum() == 20
    assert world.origin_mask[6:].all() and not world.origin_mask[:6].any()
    assert world.destination_mask[:5].all() and not world.destination_mask[5:].any()
    np.testing.assert_array_equal(world.zone_mask.any(axis=1), [r in range(3, 8) for r in range(10)])


def test_north_origin_side():
    world = world_of(flat_map(10, 20), border={"y_km": 3.5, "origin_side": "north"})
    assert world.origin_mask[:3].all() and not world.origin_mask[3:].any()


def test_ascii_border_line():
    rows = [list("....") for _ in range(5)]
    for col, row in enumerate([1, 2, 2, 3]):
        rows[row][col] = "="
    world = world_of("\n".join("".join(r) for r in rows), border={"mode": "ascii"})
    assert world.border_cells.tolist() == [[1, 0], [2, 1], [2, 2], [3, 3]]


def test_ascii_border_needs_one_cell_per_column():
    with pytest.raises(InputError, match=r"column 4 has 0 '=' border cells"):
        world_of("==..\n..=.\n....", border={"mode": "ascii"})
    with pytest.raises(InputError, match=r"column 1 has 2 '=' border cells"):
        world_of("==..\n=.==\n....", border={"mode": "ascii"})


def test_river_border_follows_the_river_centre():
    text = "......\n~~....\n~~~~~~\n..~~~~\n......"
    world = world_of(text, border={"mode": "river"})
    # centre rows 1.5, 1.5, 2.5, 2.5, 2.5, 2.5, halves rounded south
    assert world.border_cells.tolist() == [[2, 0], [2, 1], [3, 2], [3, 3], [3, 4], [3, 5]]
    assert world.passable[2].all()  # the border river can be waded


def test_river_border_without_river():
    with pytest.raises(InputError, match=r"border.mode: given 'river' but the map has no water"):
        world_of(flat_map(5, 5), border={"mode": "river"})


def test_blind_share_matches_hand_count():
    # Tower at cell (4, 10), range 3 km, tier 1 (rate 2 x 0.6 = 1.2/h): it sees border-row-5 cells with
    # |dc| <= sqrt(8), i.e. columns 8..12. Column 12 is forest: 1.2 x 0.35 = 0.42 < 0.5, still blind.
    rows = [list("." * 20) for _ in range(10)]
    rows[5][12] = "T"
    world = world_of(
        "\n".join("".join(r) for r in rows),
        border={"y_km": 5.5, "zone_km": 2.0},
        surveillance={
            "sensors": [{"kind": "tower", "at": [10.5, 4.5], "range_m": 3000, "tech_tier": 1}],
            "blind_spot_threshold_per_hour": 0.5,
        },
    )
    assert world.sensors[0].detection_rate_per_hour == pytest.approx(1.2)
    covered = np.flatnonzero(~world.blind_spot_mask[5])
    assert covered.tolist() == [8, 9, 10, 11]
    assert world.blind_spot_share == pytest.approx(16 / 20)
    # zone rows 3..7; the tower's disc covers 5 + 7 + 5 + 5 + 1 = 23 zone cells, one of them the forest
    assert world.blind_spot_mask.sum() == 100 - 23 + 1
    assert world.coverage[4, 10] == pytest.approx(1.2)
    assert world.coverage[5, 12] == pytest.approx(0.42, rel=1e-6)


def test_coverage_adds_rates_of_overlapping_sensors():
    world = world_of(
        flat_map(10, 20),
        surveillance={
            "sensors": [
                {"kind": "ground", "at": [5.5, 5.5], "range_m": 2000, "detection_rate_per_hour": 1.0},
                {"kind": "camera", "at": [7.5, 5.5], "range_m": 2000, "detection_rate_per_hour": 0.5},
            ]
        },
    )
    assert world.coverage[5, 6] == pytest.approx(1.5)
    assert world.coverage[5, 4] == pytest.approx(1.0)
    assert world.coverage[5, 9] == pytest.approx(0.5)
    assert world.coverage[0, 0] == 0


# --------------------------------------------------------------------------- greedy extra towers


def test_greedy_towers_hand_checked_sites():
    # Border row 10, destination north, zone 3 km, candidates every 2 km at rows/cols 1, 3, 5...: rows 7 and 9.
    # A 5 km tower sees 9 border cells from row 7 or 9; the first best in row-major order is (7, 5), then
    # (7, 15) is the first that adds 9 new cells (cols 11..19).
    world = world_of(
        flat_map(20, 40),
        border={"y_km": 10.5, "zone_km": 3.0},
        surveillance={"extra_towers": {"count": 2, "range_m": 5000, "candidate_spacing_km": 2.0}},
    )
    extra = [s for s in world.sensors if s.auto_sited]
    assert [s.cell for s in extra] == [(7, 5), (7, 15)]
    assert world.extra_tower_sites_km == [(5.5, 7.5), (15.5, 7.5)]
    assert world.blind_spot_share == pytest.approx(1 - 18 / 40)


def test_greedy_towers_reduce_blind_share_and_are_deterministic():
    raw = {
        "scenario": {"name": "t"},
        "terrain": {"source": "procedural", "width_km": 80, "height_km": 50, "seed": 5, "procedural": {"ridges": 3}},
        "traffickers": {"networks": 0},
    }
    base = build_world(load_scenario(raw))
    more = build_world(load_scenario(raw, {"surveillance.extra_towers.count": 4}))
    again = build_world(load_scenario(raw, {"surveillance.extra_towers.count": 4}))
    assert base.blind_spot_share == 1.0
    assert more.blind_spot_share < base.blind_spot_share
    assert more.extra_tower_sites_km == again.extra_tower_sites_km
    assert all(more.destination_mask[s.cell] and more.zone_mask[s.cell] for s in more.sensors)


def test_ten_towers_on_200_by_150_are_fast():
    raw = {
        "scenario": {"name": "t"},
        "terrain": {"source": "procedural", "width_km": 200, "height_km": 150, "seed": 2, "procedural": {"ridges": 5}},
        "surveillance": {"extra_towers": {"count": 10}},
        "traffickers": {"networks": 0},
    }
    loaded = load_scenario(raw)
    start = time.perf_counter()
    world = build_world(loaded)
    elapsed = time.perf_counter() - start
    assert len(world.extra_tower_sites_km) == 10
    assert elapsed < 5.0


def test_too_many_extra_towers_for_the_candidates():
    with pytest.raises(InputError, match=r"surveillance.extra_towers.count: given 50, but only \d+ candidate sites"):
        world_of(flat_map(10, 20), surveillance={"extra_towers": {"count": 50}})


def _procedural(count: int, **extra_towers) -> dict:
    return {
        "scenario": {"name": "t"},
        "terrain": {"source": "procedural", "width_km": 80, "height_km": 50, "seed": 5, "procedural": {"ridges": 3}},
        "border": {"zone_km": 6.0},
        "surveillance": {"extra_towers": {"count": count, **extra_towers}},
        "traffickers": {"networks": 0},
    }


@pytest.mark.parametrize("spacing", [0.0, 3.0, 6.0, 11.0])
def test_extra_towers_keep_their_spacing_for_any_count(spacing):
    # Every count that fits keeps every pair at least min_spacing_km apart; the next count past what fits is
    # refused naming the key and the most that fit; gains never rise from one tower to the next.
    fitted = None
    for count in range(1, 200, 1 if spacing else 9):  # without spacing, only the candidates limit
        try:
            world = build_world(load_scenario(_procedural(count, min_spacing_km=spacing, candidate_spacing_km=2.0)))
        except InputError as exc:
            fitted = count - 1
            (problem,) = exc.problems
            assert problem.key == "surveillance.extra_towers.count"
            if spacing > 0:
                assert f"only {fitted} towers fit {spacing:g} km apart" in problem.message
                assert f"allowed: at most {fitted}" in problem.message
            break
        sites = np.array(world.extra_tower_sites_km)
        assert len(sites) == count
        gaps = np.hypot(*(sites[:, None, :] - sites[None, :, :]).transpose(2, 0, 1))
        assert gaps[~np.eye(count, dtype=bool)].min(initial=np.inf) >= spacing - 1e-9
        gains = [s.coverage_gain_km for s in world.sensors if s.auto_sited]
        assert all(a >= b for a, b in itertools.pairwise(gains)) and min(gains) >= 0
    assert fitted is not None and fitted >= 2


def test_lazy_greedy_chooses_what_plain_greedy_chooses():
    # Random small cases with partial concealment (cells that need two towers), overlapping views, existing
    # coverage and ties: CELF's choice and gains equal those of computing every gain at every step.
    from sim.world.surveillance import LineCoverage, choose_sites

    rng = np.random.default_rng(3)
    for case in range(40):
        n, cells = int(rng.integers(3, 25)), int(rng.integers(5, 60))
        line = LineCoverage(
            seen=rng.random((n, cells)) < rng.uniform(0.1, 0.6),
            length_km=rng.choice([0.5, 0.5, 0.7071], size=cells),
            concealment=rng.choice([0.1, 0.2, 0.35, 1.0], size=cells),
            rate=rng.choice([0.0, 0.0, 0.7, 2.0], size=cells),
            threshold=0.5,
            tower_rate=float(rng.choice([1.2, 2.0, 2.8])),
        )
        positions = rng.integers(0, 12, size=(n, 2)).astype(float) * 2.0
        spacing = float(rng.choice([0.0, 3.0, 5.0]))
        count = int(rng.integers(1, n + 1))
        lazy = choose_sites(line, positions, count, spacing, lazy=True)
        plain = choose_sites(line, positions, count, spacing, lazy=False)
        assert lazy == plain, case
        gains = [g for _, g in plain]
        assert all(a >= b for a, b in itertools.pairwise(gains)), case


def test_desert_sector_ten_towers_spread_along_the_border():
    # On main before the spacing, ten towers stood in a row 2 km apart (x = 1.25 to 21.25 km).
    world = build_world(load_scenario(SCENARIO_DIR / "desert_sector.toml", {"surveillance.extra_towers.count": 10}))
    xs = sorted(x for x, _ in world.extra_tower_sites_km)
    assert np.diff(xs).min() >= 6.0 and xs[-1] - xs[0] > 60.0
    gains = [s.coverage_gain_km for s in world.sensors if s.auto_sited]
    assert gains[0] > 10 and all(a >= b for a, b in itertools.pairwise(gains))


# --------------------------------------------------------------------------- cells along a segment


def test_horizontal_segment_cells_and_shares():
    rows, cols, share = path_cells(0, 0, 0, 3)
    assert rows.tolist() == [0, 0, 0, 0] and cols.tolist() == [0, 1, 2, 3]
    np.testing.assert_allclose(share, [1 / 6, 1 / 3, 1 / 3, 1 / 6])


def test_diagonal_segment_skips_corner_cells():
    rows, cols, share = path_cells(0, 0, 2, 2)
    assert list(zip(rows.tolist(), cols.tolist(), strict=True)) == [(0, 0), (1, 1), (2, 2)]
    np.testing.assert_allclose(share, [0.25, 0.5, 0.25])


def test_zero_length_segment():
    rows, cols, share = path_cells(3.2, 4.7, 3.2, 4.7)
    assert rows.tolist() == [3] and cols.tolist() == [5] and share.tolist() == [1.0]


def test_segments_match_dense_sampling():
    rng = np.random.default_rng(4)
    ends = rng.uniform(-2, 12, size=(50, 4))
    segment, rows, cols, share = segments_cells(*ends.T)
    np.testing.assert_allclose(np.bincount(segment, weights=share), 1.0)
    t = np.linspace(0, 1, 20001)
    for k, (r0, c0, r1, c1) in enumerate(ends):
        mine = segment == k
        sampled_rows = np.floor(r0 + t * (r1 - r0) + 0.5).astype(int)
        sampled_cols = np.floor(c0 + t * (c1 - c0) + 0.5).astype(int)
        changes = np.r_[True, (np.diff(sampled_rows) != 0) | (np.diff(sampled_cols) != 0)]
        dense = list(zip(sampled_rows[changes].tolist(), sampled_cols[changes].tolist(), strict=True))
        assert list(zip(rows[mine].tolist(), cols[mine].tolist(), strict=True)) == dense
        steps = np.abs(np.diff(rows[mine])) + np.abs(np.diff(cols[mine]))
        assert (steps >= 1).all() and (np.maximum(np.abs(np.diff(rows[mine])), np.abs(np.diff(cols[mine]))) == 1).all()


def test_segment_means_weight_by_length():
    raster = np.zeros((3, 4))
    raster[0, 1] = 6.0
    means = segment_means(
        raster, np.array([0.0, 1.0]), np.array([0.0, 0.0]), np.array([0.0, 1.0]), np.array([3.0, 3.0])
    )
    np.testing.assert_allclose(means, [6.0 / 3.0, 0.0])


# --------------------------------------------------------------------------- impossible combinations


BASE_PLACES = {
    "border": {"y_km": 5.5},
    "staging": [{"name": "camp", "at": [3.5, 8.5]}],
    "destinations": [{"name": "city", "at": [15.5, 1.5]}],
}


def places(**changes) -> dict:
    sections = dict(BASE_PLACES)
    sections.update(changes)
    return sections


def tunnel(**ends) -> dict:
    return {"networks": 0, "tunnels": [{"name": "t", **ends}]}


@pytest.mark.parametrize(
    ("ascii_map", "sections", "key", "pattern"),
    [
        (
            flat_map(10, 20),
            places(surveillance={"sensors": [{"kind": "tower", "at": [25.0, 3.0]}]}),
            "surveillance.sensors[0].at",
            r"given \[25.0, 3.0\], outside the map; allowed: positions within x 0-20 km, y 0-10 km",
        ),
        (
            flat_map(10, 20),
            places(ports=[{"name": "gate", "at": [10.5, 2.5]}]),
            "ports[0].at",
            r"3 cells from the border; a port must be within one cell of the border line",
        ),
        (
            flat_map(10, 20),
            places(staging=[{"name": "camp", "at": [3.5, 2.5]}]),
            "staging[0].at",
            r"on the destination side; a staging area must be on the origin side",
        ),
        (
            flat_map(10, 20),
            places(staging=[{"name": "camp", "at": [3.5, 5.5]}]),
            "staging[0].at",
            r"on the border line; a staging area must be on the origin side",
        ),
        (
            flat_map(10, 20),
            places(destinations=[{"name": "city", "at": [3.5, 8.5]}]),
            "destinations[0].at",
            r"on the origin side; a destination must be on the destination side",
        ),
        (
            flat_map(10, 20),
            places(destinations=[{"name": "city", "at": [3.5, -1.0]}]),
            "destinations[0].at",
            r"outside the map",
        ),
        (
            flat_map(10, 20),
            places(
                traffickers={"networks": 0, "tunnels": [{"name": "t", "entrance": [3.5, 8.5], "exit": [3.5, 12.0]}]}
            ),
            "traffickers.tunnels[0].exit",
            r"outside the map",
        ),
        (
            flat_map(10, 20),
            places(traffickers=tunnel(entrance=[3.5, 2.5], exit=[3.5, 1.5])),
            "traffickers.tunnels[0].entrance",
            r"a tunnel entrance must be on the origin side",
        ),
        (
            flat_map(10, 20),
            places(border={"y_km": 12.0}),
            "border.y_km",
            r"given 12; allowed: a position on the map, 0 <= y_km < 10 km",
        ),
    ],
)
def test_impossible_combinations(ascii_map, sections, key, pattern):
    with pytest.raises(InputError) as info:
        world_of(ascii_map, **sections)
    problems = [p for p in info.value.problems if plain_key(p.key) == key]  # list items also carry their name
    assert problems, str(info.value)
    assert any(re.search(pattern, p.message) for p in problems), str(info.value)


def test_staging_and_destination_on_impassable_cells():
    rows = [list("." * 20) for _ in range(10)]
    rows[8][3] = "~"
    rows[1][15] = "~"
    with pytest.raises(InputError) as info:
        world_of("\n".join("".join(r) for r in rows), **places())
    keys = {p.key for p in info.value.problems}
    assert keys == {"staging[0] (camp).at", "destinations[0] (city).at"}
    assert "impassable" in str(info.value)


def test_staging_enclosed_by_water_has_no_path():
    rows = [list("." * 20) for _ in range(10)]
    for r, c in [(7, 2), (7, 3), (7, 4), (8, 2), (8, 4), (9, 2), (9, 3), (9, 4)]:
        rows[r][c] = "~"
    with pytest.raises(InputError, match=r"staging\[0\] \(camp\)\.at: given \[3.5, 8.5\]; no passable path"):
        world_of("\n".join("".join(r) for r in rows), **places())


def test_every_problem_reported_at_once():
    sections = places(
        surveillance={"sensors": [{"kind": "tower", "at": [-1.0, 3.0]}]},
        ports=[{"name": "gate", "at": [10.5, 0.5]}],
    )
    with pytest.raises(InputError) as info:
        world_of(flat_map(10, 20), **sections)
    assert {p.key for p in info.value.problems} == {"surveillance.sensors[0].at", "ports[0] (gate).at"}


def test_valid_places_build():
    world = world_of(
        flat_map(10, 20),
        **places(
            ports=[{"name": "gate", "at": [10.5, 4.5]}],
            traffickers=tunnel(entrance=[3.5, 7.5], exit=[3.5, 3.5]),
        ),
    )
    assert world.ports[0].cell == (4, 10)
    assert world.staging[0].cell == (8, 3) and world.destinations[0].cell == (1, 15)
    assert world.tunnels == [("t", (7, 3), (3, 3), 20.0)]


def test_classroom_advice_holds_a_tower_in_the_western_mountains_covers_its_blind_spot():
    # scenarios/classroom.toml says: the western mountains are blind; add a tower there. The border cells
    # under the range are as high as the range, so a tower on the ridge sees them (no trench to hide in).
    base = build_world(load_scenario(SCENARIO_DIR / "classroom.toml"))
    assert base.blind_spot_share == pytest.approx(11 / 30, abs=0.01)  # columns 0-10 of 30
    tower = {"kind": "tower", "mast_height_m": 30, "range_m": 6000, "detection_rate_per_hour": 2.0}
    shares = {}
    for at in ([6.5, 5.5], [2.5, 6.5]):
        raw = load_scenario(SCENARIO_DIR / "classroom.toml").raw
        raw["surveillance"]["sensors"].append(tower | {"at": at, "agency": "border_patrol"})
        shares[tuple(at)] = build_world(load_scenario(raw)).blind_spot_share
    assert shares[(6.5, 5.5)] <= 0.2 + 1e-9  # the ridge tower of the issue: 0.37 with the trench
    assert shares[(2.5, 6.5)] <= 0.1 + 1e-9
    auto = build_world(load_scenario(SCENARIO_DIR / "classroom.toml", ["surveillance.extra_towers.count=1"]))
    (x_km, _), *_ = auto.extra_tower_sites_km
    assert x_km < 9 and auto.blind_spot_share < base.blind_spot_share - 0.15  # sited in the western range
