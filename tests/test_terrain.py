"""Terrain: ASCII maps, raster files, the procedural generator and the derived layers."""

from __future__ import annotations

import numpy as np
import pytest

from sim.scenario import LAND_COVERS, MAX_CELLS, load_scenario
from sim.schema import InputError
from sim.world.terrain import (
    DESERT,
    FOREST,
    LAND_COVER,
    MOUNTAIN,
    OPEN,
    ROAD,
    URBAN,
    WATER,
    build_terrain,
    derive_layers,
    parse_ascii,
)


def scenario(terrain: dict, **sections) -> object:
    raw = {"scenario": {"name": "test"}, "terrain": terrain, "traffickers": {"networks": 0}, **sections}
    return load_scenario(raw).spec


def procedural(seed: int = 7, **params) -> object:
    terrain = {"source": "procedural", "width_km": 60, "height_km": 40, "seed": seed, "procedural": params}
    return scenario(terrain)


def test_land_cover_table_follows_schema_order():
    assert tuple(lc.name for lc in LAND_COVER) == LAND_COVERS
    assert [lc.code for lc in LAND_COVER] == list(range(8))
    speeds = {lc.name: lc.speed_factor for lc in LAND_COVER}
    assert speeds["road"] > speeds["open"] > speeds["desert"] > speeds["scrub"] > speeds["forest"]
    assert speeds["forest"] > speeds["mountain"] > speeds["water"] == 0


def test_ascii_codes_elevations_and_border():
    text = """
        .:"T^
        ~#U=.
    """
    elevation, landcover, border = parse_ascii(text, {"^": 1200.0})
    assert landcover.tolist() == [[OPEN, DESERT, 2, FOREST, MOUNTAIN], [WATER, ROAD, URBAN, OPEN, OPEN]]
    assert elevation[0, 4] == 1200.0  # override
    assert elevation[0, 0] == 100.0  # default
    assert border.tolist() == [[False] * 5, [False, False, False, True, False]]


def test_ascii_default_mountain_height():
    elevation, _, _ = parse_ascii("..\n^.")
    assert elevation[1, 0] == 800.0


def test_ascii_ragged_row_names_row():
    with pytest.raises(InputError, match=r"row 2 has 3 characters but row 1 has 4"):
        parse_ascii("....\n...\n....")


def test_ascii_unknown_character_names_row_column_and_allowed():
    with pytest.raises(InputError) as info:
        parse_ascii("....\n..x.")
    message = str(info.value)
    assert "row 2, column 3: unknown character 'x'" in message
    assert "'^' mountain" in message and "'=' border" in message


def test_ascii_elevation_for_unknown_character():
    with pytest.raises(InputError, match=r"terrain.ascii_elevation_m.*'x'"):
        parse_ascii("..\n..", {"x": 3.0})


def test_procedural_same_seed_same_land_other_seed_other_land():
    a = build_terrain(procedural(seed=7, ridges=3, river=True, roads=2, towns=2))
    b = build_terrain(procedural(seed=7, ridges=3, river=True, roads=2, towns=2))
    c = build_terrain(procedural(seed=8, ridges=3, river=True, roads=2, towns=2))
    for name in ("elevation", "landcover", "speed_factor", "concealment", "exposure", "passable"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.elevation, c.elevation)
    assert not np.array_equal(a.landcover, c.landcover)


def test_procedural_river_crosses_every_column_near_the_middle():
    layers = build_terrain(procedural(kind="river", river_width_m=2000, roads=0, towns=0))
    assert layers.river_mask is not None
    assert layers.river_mask.any(axis=0).all()
    rows = np.nonzero(layers.river_mask)[0]
    assert abs(rows.mean() - 20) < 40 * 0.15
    assert (layers.landcover[layers.river_mask] == WATER).all()


def test_procedural_first_road_passes_first_port_and_town_there():
    spec = scenario(
        {"source": "procedural", "width_km": 60, "height_km": 40, "seed": 3, "procedural": {"roads": 2, "towns": 1}},
        ports=[{"name": "gate", "at": [33.5, 20.5]}],
    )
    layers = build_terrain(spec)
    assert layers.landcover[20, 33] == ROAD
    road_rows = np.nonzero(layers.landcover == ROAD)[0]
    assert set(road_rows.tolist()) == set(range(40))  # north to south
    assert (layers.landcover[18:23, 30:37] == URBAN).any()


def test_procedural_ridges_make_mountains_and_forest_share():
    layers = build_terrain(procedural(kind="plain", ridges=2, ridge_height_m=800, forest_share=0.2, roads=0, towns=0))
    assert (layers.landcover == MOUNTAIN).any()
    assert layers.elevation.max() > 300 + 400
    covered = np.isin(layers.landcover, [2, FOREST]).mean()
    assert 0.1 < covered <= 0.21


def test_tobler_slope_slows_walking_and_adds_exposure():
    elevation = np.tile(np.arange(5, dtype=np.float32) * 100.0, (5, 1))  # 10 % grade at 1 km cells
    layers = derive_layers(elevation, np.zeros((5, 5), dtype=np.int8), cell_km=1.0)
    up = np.exp(-3.5 * 0.15) / np.exp(-3.5 * 0.05)
    down = np.exp(-3.5 * 0.05) / np.exp(-3.5 * 0.05)
    assert layers.speed_factor[2, 2] == pytest.approx(0.5 * (up + down), rel=1e-5)
    assert layers.exposure[2, 2] == pytest.approx(1e-6 + 2e-5 * 0.1 / 0.5, rel=1e-5)
    flat = derive_layers(np.zeros((5, 5)), np.zeros((5, 5), dtype=np.int8), cell_km=1.0)
    assert (flat.speed_factor == 1.0).all()


def test_water_impassable_except_border_river():
    landcover = np.full((5, 5), OPEN, dtype=np.int8)
    landcover[2] = WATER
    river = landcover == WATER
    dry = derive_layers(np.zeros((5, 5)), landcover, cell_km=1.0, river_mask=river)
    assert not dry.passable[2].any() and dry.passable[[0, 1, 3, 4]].all()
    wet = derive_layers(np.zeros((5, 5)), landcover, cell_km=1.0, river_mask=river, border_river=river)
    assert wet.passable.all()
    assert wet.speed_factor[2, 0] == pytest.approx(0.15)  # terrain.river_wading_speed_factor
    slow = derive_layers(
        np.zeros((5, 5)), landcover, cell_km=1.0, river_mask=river, border_river=river, river_wading_speed_factor=0.05
    )
    assert slow.speed_factor[2, 0] == pytest.approx(0.05)
    assert wet.exposure[2, 0] == pytest.approx(3e-4)


def raster_scenario(tmp_path, **files) -> object:
    terrain = {"source": "raster", "cell_m": 500.0, **files}
    return scenario(terrain)


def test_raster_npy_and_csv_load(tmp_path):
    elevation = np.arange(12, dtype=np.float64).reshape(3, 4) * 10.0
    landcover = np.array([[0, 1, 2, 3], [4, 5, 6, 7], [0, 0, 0, 0]])
    np.save(tmp_path / "elev.npy", elevation)
    np.savetxt(tmp_path / "cover.csv", landcover, delimiter=",", fmt="%d")
    layers = build_terrain(
        raster_scenario(tmp_path, elevation_file="elev.npy", landcover_file="cover.csv"), base_dir=tmp_path
    )
    np.testing.assert_array_equal(layers.elevation, elevation.astype(np.float32))
    np.testing.assert_array_equal(layers.landcover, landcover)
    assert layers.cell_km == 0.5
    assert layers.river_mask is not None and layers.river_mask.sum() == 1


def test_raster_only_landcover_gives_flat_ground(tmp_path):
    np.save(tmp_path / "cover.npy", np.full((4, 5), 3, dtype=np.int8))
    layers = build_terrain(raster_scenario(tmp_path, landcover_file="cover.npy"), base_dir=tmp_path)
    assert layers.shape == (4, 5) and (layers.elevation == 0).all() and (layers.landcover == FOREST).all()


@pytest.mark.parametrize(
    ("files", "contents", "pattern"),
    [
        ({"elevation_file": "e.csv"}, {"e.csv": "1,2,3\n4,x,6\n"}, r"e\.csv: non-numeric"),
        ({"elevation_file": "e.csv"}, {"e.csv": "1,2,3\n4,5\n"}, r"e\.csv: non-numeric or ragged"),
        (
            {"landcover_file": "c.csv"},
            {"c.csv": "0,1\n9,2\n"},
            r"c\.csv: row 2, column 1 has unknown land-cover code 9",
        ),
        ({"landcover_file": "c.csv"}, {"c.csv": "0,1\n1.5,2\n"}, r"unknown land-cover code 1\.5"),
        ({"elevation_file": "e.txt"}, {"e.txt": "1,2\n3,4\n"}, r"unknown file type '\.txt'"),
        ({"elevation_file": "missing.npy"}, {}, r"missing\.npy: file not found"),
        (
            {"elevation_file": "e.csv", "landcover_file": "c.csv"},
            {"e.csv": "1,2,3\n4,5,6\n", "c.csv": "0,1\n1,2\n"},
            r"c\.csv has shape 2 x 2 .* e\.csv has 2 x 3",
        ),
    ],
)
def test_bad_raster_files_name_the_file(tmp_path, files, contents, pattern):
    for name, text in contents.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(InputError, match=pattern):
        build_terrain(raster_scenario(tmp_path, **files), base_dir=tmp_path)


def test_npy_wrong_dimensions_and_nan(tmp_path):
    np.save(tmp_path / "cube.npy", np.zeros((2, 2, 2)))
    with pytest.raises(InputError, match=r"cube\.npy: has 3 dimensions"):
        build_terrain(raster_scenario(tmp_path, elevation_file="cube.npy"), base_dir=tmp_path)
    np.save(tmp_path / "nan.npy", np.array([[1.0, np.nan], [0.0, 0.0]]))
    with pytest.raises(InputError, match=r"nan\.npy: row 1, column 2 is nan"):
        build_terrain(raster_scenario(tmp_path, elevation_file="nan.npy"), base_dir=tmp_path)


def test_oversized_npy_refused_from_its_header(tmp_path):
    path = tmp_path / "huge.npy"
    with path.open("wb") as fh:  # header only: the data are never read
        np.lib.format.write_array_header_1_0(fh, {"descr": "<f8", "fortran_order": False, "shape": (3000, 3000)})
    assert MAX_CELLS < 3000 * 3000
    with pytest.raises(InputError, match=r"huge\.npy: has 3000 x 3000 cells; at most"):
        build_terrain(raster_scenario(tmp_path, elevation_file="huge.npy"), base_dir=tmp_path)


def test_ascii_border_takes_the_land_around_it():
    # A border line drawn across a range is as high as the range and mountain, not a flat trench.
    elevation, landcover, border = parse_ascii(".^^^.\n=====\n.^^^.", {"^": 900.0})
    line = elevation[1]
    assert border[1].all() and not border[[0, 2]].any()
    assert line[2] == 900.0 and landcover[1, 2] == MOUNTAIN
    assert line[1] == pytest.approx((100 + 900 + 900) / 3) and landcover[1, 1] == MOUNTAIN  # 4 of 6 neighbours
    assert line[0] == pytest.approx(500.0) and landcover[1, 0] == OPEN  # a tie goes to open ground
    assert elevation[0].tolist() == [100.0, 900.0, 900.0, 900.0, 100.0]  # the land itself is unchanged


def test_ascii_border_keeps_a_given_elevation_never_becomes_water_and_fills_a_thick_line():
    elevation, landcover, _ = parse_ascii("^^^\n===\n^^^", {"^": 900.0, "=": 40.0})
    assert elevation[1].tolist() == [40.0] * 3  # the scenario's own '=' elevation wins
    assert (landcover[1] == MOUNTAIN).all()
    elevation, landcover, _ = parse_ascii("~~~\n===\n~~~", {"~": 20.0})
    assert (landcover[1] == OPEN).all() and elevation[1].tolist() == [20.0] * 3  # a line is not taken to run in water
    elevation, landcover, border = parse_ascii("TTTT\n====\n====\n====\nTTTT")
    assert (landcover[border] == FOREST).all() and (elevation[border] == 150.0).all()
