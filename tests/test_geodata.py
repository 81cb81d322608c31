"""GeoTIFF terrain, positions in lon/lat and CRS coordinates, GIS layers out, and clear errors for bad geodata.

Every raster is written into a temporary folder by :mod:`tests.geodata_files`: a plane of known elevation
in UTM zone 13N and in longitude and latitude (EPSG:4326), and a land cover in ESA WorldCover codes.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine

from sim.cli import main
from sim.runner import run, write_result
from sim.scenario import load_scenario
from sim.schema import InputError
from sim.world import build_world
from sim.world.border import border_line
from sim.world.geo import LOCAL_CRS_WKT, LOCAL_FRAME_NOTE, crossings_geojson, geojson_crs, write_world_layers
from sim.world.terrain import build_terrain
from tests import geodata_files as gf

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "geo_example" / "geo_example.toml"
#: The example with the border drawn along the centre of its river instead of from border.geojson.
RIVER_MODE = {"border.mode": "river", "border.file": ""}


def scenario(dem: Path, **terrain) -> dict:
    """A GeoTIFF scenario without traffic: the terrain keys given, a straight border through the middle."""
    return {
        "scenario": {"name": "geo"},
        "terrain": {"source": "geotiff", "elevation_file": str(dem), "cell_m": 200.0, **terrain},
        "traffickers": {"networks": 0},
        "patrols": {"count": 0},
    }


def world_of(raw: dict):
    return build_world(load_scenario(raw))


def problems(raw: dict) -> str:
    with pytest.raises(InputError) as info:
        world_of(raw)
    return str(info.value)


# ------------------------------------------------------------------------------------------ reading


def test_a_utm_raster_keeps_its_grid_and_each_cell_holds_the_elevation_of_its_place(tmp_path):
    world = world_of(scenario(gf.utm_dem(tmp_path)))
    geo = world.geo
    assert geo.crs.to_epsg() == 32613, "the default CRS is the UTM zone of the data's centre"
    assert (geo.left_m, geo.top_m, world.width, world.height) == (gf.UTM_LEFT, gf.UTM_TOP, 30, 20)
    cols, rows = np.meshgrid(np.arange(world.width), np.arange(world.height))
    east, north = geo.from_local_km((cols + 0.5) * world.cell_km, (rows + 0.5) * world.cell_km)
    np.testing.assert_allclose(world.elevation, gf.utm_elevation(east, north), atol=0.01)


def test_a_lonlat_raster_is_reprojected_inside_its_footprint_with_the_elevation_of_each_place(tmp_path):
    world = world_of(scenario(gf.lonlat_dem(tmp_path)))
    geo = world.geo
    assert geo.crs.to_epsg() == 32613
    west, south, east, north = geo.lonlat_bounds()
    assert west >= gf.LL_WEST and east <= gf.LL_WEST + gf.LL_SHAPE[1] * gf.LL_PIXEL
    assert north <= gf.LL_NORTH and south >= gf.LL_NORTH - gf.LL_SHAPE[0] * gf.LL_PIXEL
    assert world.width >= 25 and world.height >= 20, "the grid fills most of the 5.7 x 4.4 km footprint"
    cols, rows = np.meshgrid(np.arange(world.width), np.arange(world.height))
    lon, lat = geo.from_local_km((cols + 0.5) * world.cell_km, (rows + 0.5) * world.cell_km, "lonlat")
    np.testing.assert_allclose(world.elevation, gf.lonlat_elevation(lon, lat), atol=1.5)


def test_the_maps_corner_is_the_same_ground_at_every_cell_size(tmp_path):
    """Positions in km are measured from the corner: it must not move with terrain.cell_m (nor lose a cell)."""
    dem = gf.lonlat_dem(tmp_path)
    frames = [world_of(scenario(dem, cell_m=cell_m)).geo for cell_m in (150.0, 200.0, 350.0)]
    assert len({(f.left_m, f.top_m) for f in frames}) == 1
    spans = [(f.width * f.cell_m, f.height * f.cell_m) for f in frames]
    for (width_m, height_m), frame in zip(spans, frames, strict=True):
        assert max(w for w, _ in spans) - width_m < frame.cell_m and max(h for _, h in spans) - height_m < frame.cell_m


@pytest.mark.parametrize("dem", [gf.utm_dem, gf.lonlat_dem])
def test_positions_round_trip_within_half_a_cell(tmp_path, dem):
    world = world_of(scenario(dem(tmp_path), crs="EPSG:32613"))
    geo, rng = world.geo, np.random.default_rng(1)
    x_km = rng.uniform(0, world.width * world.cell_km, 200)
    y_km = rng.uniform(0, world.height * world.cell_km, 200)
    for system in ("lonlat", "EPSG:4326", None, "EPSG:3857"):
        xs, ys = geo.from_local_km(x_km, y_km, system)
        back_x, back_y = geo.to_local_km(xs, ys, system)
        np.testing.assert_allclose(back_x, x_km, atol=1e-6)
        np.testing.assert_allclose(back_y, y_km, atol=1e-6)
    lon, lat = geo.from_local_km(x_km, y_km, "lonlat")
    for x, y, point_lon, point_lat in zip(x_km, y_km, lon, lat, strict=True):
        centre = world.km_of(world.cell_of(*map(float, geo.to_local_km(point_lon, point_lat, "lonlat"))))
        assert abs(centre[0] - x) <= world.cell_km / 2 + 1e-9 and abs(centre[1] - y) <= world.cell_km / 2 + 1e-9


def test_places_in_lonlat_and_in_crs_coordinates_land_in_the_cell_under_them(tmp_path):
    base = scenario(gf.utm_dem(tmp_path))
    sensor_km = (2.1, 1.3)  # 2.1 km east of the west edge, 1.3 km south of the north edge: cell (6, 10)
    east, north = gf.UTM_LEFT + 2100.0, gf.UTM_TOP - 1300.0
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(gf.UTM, "EPSG:4326", always_xy=True).transform(east, north)
    cells = []
    for positions, at in (("km", sensor_km), ("crs", (east, north)), ("lonlat", (lon, lat))):
        raw = base | {"surveillance": {"sensors": [{"kind": "tower", "at": list(at)}]}}
        raw["terrain"] = base["terrain"] | {"positions": positions}
        cells.append(world_of(raw).sensors[0].cell)
    assert cells == [(6, 10)] * 3


def test_land_cover_codes_are_mapped_and_a_larger_raster_cropped(tmp_path):
    raw = scenario(
        gf.utm_dem(tmp_path), landcover_file=str(gf.utm_landcover(tmp_path)), landcover_codes=gf.WORLDCOVER_CODES
    )
    world = world_of(raw)
    names = ("open", "desert", "scrub", "forest")
    assert world.landcover[:, 0].tolist() == [names.index("desert")] * world.height
    assert world.landcover[:, world.width // 2].tolist() == [names.index("scrub")] * world.height
    assert world.landcover[:, -1].tolist() == [names.index("forest")] * world.height


# ------------------------------------------------------------------------------------------ writing


def test_layers_reopen_with_the_worlds_transform_and_crs(tmp_path):
    raw = scenario(gf.utm_dem(tmp_path))
    raw["surveillance"] = {"sensors": [{"kind": "tower", "at": [3.0, 2.0], "range_m": 2000.0}]}
    world = world_of(raw)
    paths = write_world_layers(world, tmp_path / "layers")
    assert [p.name for p in paths[:3]] == ["coverage.tif", "blind_spots.tif", "border_zone.tif"]
    assert [p.suffix for p in paths[3:]] == [".geojson"] * 5  # the places: tests/test_gis_layers.py
    paths = paths[:3]
    expected = {
        "coverage.tif": world.coverage,
        "blind_spots.tif": world.blind_spot_mask,
        "border_zone.tif": world.zone_mask.astype(np.uint8) + world.border_mask,
    }
    for path in paths:
        with rasterio.open(path) as src:
            assert src.crs.to_epsg() == 32613
            assert src.transform.almost_equals(world.geo.transform)
            assert (src.width, src.height) == (world.width, world.height)
            np.testing.assert_array_equal(src.read(1), expected[path.name])


def test_a_world_not_on_earth_writes_its_layers_in_the_local_engineering_crs(tmp_path):
    from pyproj import CRS

    world = build_world(load_scenario(ROOT / "scenarios" / "classroom.toml"))
    (path, *_) = write_world_layers(world, tmp_path)
    with rasterio.open(path) as src:
        crs = CRS.from_wkt(src.crs.to_wkt())
        assert crs.is_engineering and not crs.is_geographic and crs.name == "bordersim local frame"
        assert src.transform == Affine(world.cell_km * 1000, 0, 0, 0, -world.cell_km * 1000, 0)
        assert src.tags()["frame"] == LOCAL_FRAME_NOTE
    collection = crossings_geojson([{"x_km": 1.5, "y_km": 2.0}], None)
    assert collection["features"][0]["geometry"]["coordinates"] == [1500.0, -2000.0]
    assert CRS.from_user_input(collection["crs"]["properties"]["name"]) == CRS.from_wkt(LOCAL_CRS_WKT)
    assert "frame" not in collection


def test_map_command_writes_geotiff_layers_and_labels_the_map_in_eastings(tmp_path, capsys):
    assert main(["map", str(EXAMPLE), "--format", "geotiff", "--out", str(tmp_path / "layers")]) == 0
    assert "EPSG:32613" in capsys.readouterr().out
    with rasterio.open(tmp_path / "layers" / "blind_spots.tif") as src:
        assert src.crs.to_epsg() == 32613 and src.transform.c == 370_000.0 and src.transform.f == 3_494_000.0
    from sim.viz.maps import draw_map_figure

    ax = draw_map_figure(build_world(load_scenario(EXAMPLE))).axes[0]
    assert ax.get_xlabel().startswith("easting (km), EPSG:32613")
    assert [t.get_text() for t in ax.get_xticklabels()][:2] == ["370", "375"]


def test_a_short_run_of_the_example_writes_its_crossings_in_lonlat_on_the_map(tmp_path):
    result = run(EXAMPLE, seed=2, days=4)
    assert result.outcomes["crossings_attempted"] > 0
    write_result(result, tmp_path)
    collection = json.loads((tmp_path / "crossings.geojson").read_text())
    assert len(collection["features"]) == len(result.crossings) > 0
    west, south, east, north = result.geo.lonlat_bounds()
    for feature in collection["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert west <= lon <= east and south <= lat <= north
        x_km, y_km = result.geo.to_local_km(lon, lat, "lonlat")
        assert abs(x_km - feature["properties"]["x_km"]) < 1e-4 and abs(y_km - feature["properties"]["y_km"]) < 1e-4


def test_the_examples_border_line_in_its_crs_lies_on_the_rivers_border_cells():
    """The GeoJSON line (EPSG:32613), put on the map through the frame, runs along the cells of the river border
    (border.mode = "river", the centre line of the land cover's river)."""
    from shapely.geometry import shape

    from sim.world.geo import geometry_to_local_km

    world = build_world(load_scenario(EXAMPLE, RIVER_MODE))
    data = json.loads((EXAMPLE.parent / "border.geojson").read_text())
    line = geometry_to_local_km(shape(data["features"][0]["geometry"]), world.geo, geojson_crs(data))
    x_km, y_km = (np.asarray(c) for c in line.xy)
    on_map = (x_km > 0) & (x_km < world.width * world.cell_km)
    rows = (y_km[on_map] / world.cell_km).astype(int)
    cols = (x_km[on_map] / world.cell_km).astype(int)
    assert on_map.sum() > 50  # from the west edge to the east edge, in the file's CRS to the millimetre
    assert abs(x_km.min()) < 1e-6 and abs(x_km.max() - world.width * world.cell_km) < 1e-6
    from scipy import ndimage

    cells_from_border = ndimage.distance_transform_edt(~world.border_mask)
    assert cells_from_border[rows, cols].max() <= 2  # within two 250 m cells of the river border's cells


def test_the_example_runs_on_its_diagonal_border_line_along_the_river():
    """The example reads its line from border.geojson: not a west-east row, the river it runs in is the border
    river (waded; the map has no other water), the port is on a line cell, and the sides are as the map shows:
    staging areas on the south-west bank with border.origin_point, destinations on the north-east bank."""
    world = build_world(load_scenario(EXAMPLE))
    assert world.scenario.border.mode == "geojson"
    rows = world.border_cells[:, 0]
    assert rows.max() - rows.min() > 40 and len(world.border_cells) > world.width  # a diagonal, 4-connected
    water = world.landcover == 5
    np.testing.assert_array_equal(world.river_mask, water)
    assert world.passable[water].all() and (world.landcover[world.border_mask] == 5).mean() > 0.9
    assert world.border_mask[world.ports[0].cell]
    assert all(world.origin_mask[s.cell] for s in world.staging)
    assert all(world.destination_mask[d.cell] for d in world.destinations)
    x, y = world.geo.to_local_km(-106.26205, 31.38537, "lonlat")  # border.origin_point
    assert world.origin_mask[world.cell_of(float(x), float(y))]
    for c in range(world.width):  # in every column: south of the line the origin side, north the destination
        on_line = np.flatnonzero(world.border_mask[:, c])
        assert world.origin_mask[on_line.max() + 1 :, c].all() and world.destination_mask[: on_line.min(), c].all()


def test_the_example_files_are_remade_by_the_script(tmp_path):
    import runpy

    runpy.run_path(str(ROOT / "scripts" / "make_geo_example.py"), run_name="make")["main"](["--out", str(tmp_path)])
    for name in ("elevation.tif", "landcover.tif"):  # the same pixels, CRS, grid and nodata (bytes vary with GDAL)
        with rasterio.open(tmp_path / name) as made, rasterio.open(EXAMPLE.parent / name) as shipped:
            assert made.profile == shipped.profile, name
            np.testing.assert_array_equal(made.read(1), shipped.read(1))
    assert (tmp_path / "border.geojson").read_bytes() == (EXAMPLE.parent / "border.geojson").read_bytes()
    total = sum((EXAMPLE.parent / name).stat().st_size for name in ("elevation.tif", "landcover.tif"))
    assert total < 300_000
    border = json.loads((EXAMPLE.parent / "border.geojson").read_text())
    assert geojson_crs(border) == "EPSG:32613" and geojson_crs({"type": "FeatureCollection"}) == "lonlat"


def thin_river_landcover(folder: Path, width_m: float, road_x: float | None = None) -> Path:
    """ESA WorldCover codes on 50 m pixels over the UTM raster: bare ground (60) with a straight river (80)
    ``width_m`` wide from the west edge to the east edge, rising 2 km eastward (about 18 degrees), and a road
    (200) 300 m wide across it at easting ``road_x``."""
    pixel, margin = 50.0, 4
    shape = (UTM_ROWS * 2, UTM_COLS * 2)
    x, y = gf._centres(gf.UTM_LEFT, gf.UTM_TOP, pixel, shape, margin=margin)
    x0, y0, x1, y1 = gf.UTM_LEFT, gf.UTM_TOP - 3_000.0, gf.UTM_LEFT + 6_000.0, gf.UTM_TOP - 1_000.0
    length = np.hypot(x1 - x0, y1 - y0)
    distance = np.abs((x - x0) * (y1 - y0) - (y - y0) * (x1 - x0)) / length
    codes = np.where(distance <= width_m / 2, 80, 60).astype(np.uint8)
    if road_x is not None:
        codes[np.abs(x - road_x) < 150.0] = 200
    left, top = gf.UTM_LEFT - margin * pixel, gf.UTM_TOP + margin * pixel
    return gf.write_tif(folder / "river.tif", codes, gf.UTM, Affine(pixel, 0, left, 0, -pixel, top), nodata=0)


UTM_ROWS, UTM_COLS = gf.UTM_SHAPE
RIVER_CODES = {"60": "desert", "80": "water", "200": "road"}


def water_crosses(landcover: np.ndarray) -> bool:
    """Whether the water is one 8-connected body from the west edge to the east edge."""
    from scipy import ndimage

    labels, _ = ndimage.label(landcover == 5, structure=np.ones((3, 3), dtype=bool))
    return bool(set(labels[:, 0][labels[:, 0] > 0]) & set(labels[:, -1][labels[:, -1] > 0]))


@pytest.mark.parametrize("cells_wide", [0.7, 0.9])
def test_a_river_narrower_than_a_cell_keeps_its_channel_when_land_cover_is_coarsened(tmp_path, cells_wide):
    """A river 0.7 or 0.9 cells of 400 m wide over 50 m pixels: the most common class alone (water_share = 1)
    breaks it into pieces; with the share rule (default 0.25) it is one body from edge to edge (the road across
    it, a bridge, aside), it only adds water, and the road burned across it stays a road."""
    dem = gf.utm_dem(tmp_path)
    river = thin_river_landcover(tmp_path, width_m=cells_wide * 400.0, road_x=gf.UTM_LEFT + 3_000.0)
    terrain = {"landcover_file": str(river), "landcover_codes": RIVER_CODES, "cell_m": 400.0}
    mode_only = world_of(scenario(dem, **terrain, water_share=1.0)).landcover
    shared = world_of(scenario(dem, **terrain)).landcover
    assert not water_crosses(np.where(mode_only == 6, 5, mode_only))
    assert water_crosses(np.where(shared == 6, 5, shared))
    assert ((mode_only == 5) <= (shared == 5)).all() and (shared == 5).sum() > (mode_only == 5).sum()
    np.testing.assert_array_equal(shared == 6, mode_only == 6)  # the bridge
    assert (shared == 6).any()


# ------------------------------------------------------------------------------------------ bad geodata


def test_a_missing_file_and_a_file_that_is_not_a_geotiff(tmp_path):
    assert "missing.tif: file not found" in problems(scenario(tmp_path / "missing.tif"))
    text = tmp_path / "notes.tif"
    text.write_text("elevation,1,2\n")
    assert "notes.tif: is not a GeoTIFF" in problems(scenario(text))
    from PIL import Image

    png = tmp_path / "dem.png"
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(png)
    message = problems(scenario(png))
    assert "terrain.elevation_file" in message and "dem.png: is a PNG raster, not a GeoTIFF" in message


def test_a_raster_without_a_crs(tmp_path):
    transform = Affine(100.0, 0, gf.UTM_LEFT, 0, -100.0, gf.UTM_TOP)
    path = gf.write_tif(tmp_path / "nocrs.tif", np.ones((20, 20), np.float32), None, transform)
    message = problems(scenario(path))
    assert "terrain.elevation_file" in message and "nocrs.tif: has no coordinate reference system" in message


def test_nodata_holes_in_the_elevation(tmp_path):
    """A cell with no elevation data at all is a hole (one with some takes the mean of the data it has)."""
    data = np.full((20, 30), 500.0, np.float32)
    data[4:10, 10:16] = -9999.0  # 3 x 3 cells of 200 m without data, and a ring of cells with some
    transform = Affine(100.0, 0, gf.UTM_LEFT, 0, -100.0, gf.UTM_TOP)
    path = gf.write_tif(tmp_path / "holes.tif", data, gf.UTM, transform, nodata=-9999.0)
    message = problems(scenario(path))
    assert "holes.tif: " in message and "have no elevation (nodata)" in message and "longitude -106." in message


def test_an_undeclared_nodata_value_is_refused_as_an_impossible_elevation(tmp_path):
    data = np.full((20, 30), 500.0, np.float32)
    data[0, 0] = -32768.0
    path = gf.write_tif(tmp_path / "dem.tif", data, gf.UTM, Affine(100.0, 0, gf.UTM_LEFT, 0, -100.0, gf.UTM_TOP))
    assert "undeclared nodata value" in problems(scenario(path, cell_m=100.0))


def test_a_land_cover_code_missing_from_the_table(tmp_path):
    raw = scenario(
        gf.utm_dem(tmp_path),
        landcover_file=str(gf.utm_landcover(tmp_path)),
        landcover_codes={"10": "forest", "60": "desert"},
    )
    message = problems(raw)
    assert "terrain.landcover_codes" in message and "landcover.tif has land-cover codes 20 (" in message


def test_a_land_cover_raster_that_does_not_cover_the_elevation(tmp_path):
    landcover = gf.utm_landcover(tmp_path, margin_px=0, shift_m=1000.0)
    raw = scenario(gf.utm_dem(tmp_path), landcover_file=str(landcover), landcover_codes=gf.WORLDCOVER_CODES)
    message = problems(raw)
    assert "terrain.landcover_file" in message and "its extent does not match" in message
    assert "leaves 16.7% of the map uncovered" in message


def test_places_outside_the_map_or_on_the_wrong_side(tmp_path):
    """The border runs west-east through the middle (northing 3,478,000); the origin is south of it."""
    from pyproj import Transformer

    to_lonlat = Transformer.from_crs(gf.UTM, "EPSG:4326", always_xy=True)
    north = [round(v, 6) for v in to_lonlat.transform(383_000.0, 3_479_500.0)]
    south = [round(v, 6) for v in to_lonlat.transform(383_000.0, 3_476_500.0)]
    raw = scenario(gf.utm_dem(tmp_path), positions="lonlat")
    raw["traffickers"] = {"networks": 1}
    raw["staging"] = [{"name": "far", "at": [-100.0, 31.43]}, {"name": "north", "at": north}]
    raw["destinations"] = [{"name": "south", "at": south}]
    message = problems(raw)
    assert "staging[0] (far).at: given [-100.0, 31.43], outside the map; allowed: positions within longitude" in message
    assert f"staging[1] (north).at: given {north}, on the destination side" in message
    assert f"destinations[0] (south).at: given {south}, on the origin side" in message


def example_with_line(**overrides) -> object:
    """The example with its border line read from border.geojson (no port, so that only the point is checked)."""
    line = {"border.mode": "geojson", "border.file": "border.geojson", "ports": []}
    return load_scenario(EXAMPLE, line | overrides)


def refused(loaded) -> str:
    with pytest.raises(InputError) as info:
        build_world(loaded)
    return str(info.value)


def test_the_origin_point_is_given_like_every_place_and_refused_in_the_units_written():
    """border.origin_point in lon/lat and the same point in the CRS give the same sides; a point off the map or
    on the line is refused naming the key and the point as written, with the map or the line cell in lon/lat."""
    lonlat = build_world(example_with_line(**{"border.origin_point": [-106.30398, 31.37593]}))
    in_crs = example_with_line(**{"terrain.positions": "crs", "border.origin_point": [376000.0, 3472000.0]})
    layers = build_terrain(in_crs.spec, base_dir=in_crs.base_dir)  # the border alone: the places are in lon/lat
    np.testing.assert_array_equal(lonlat.origin_mask, border_line(in_crs.spec, layers, base_dir=in_crs.base_dir).origin)
    rancho = lonlat.staging[1].cell  # Rancho Seco, on the south-west bank, at the same point
    assert lonlat.origin_mask[rancho]
    message = refused(example_with_line(**{"border.origin_point": [-100.0, 31.43]}))
    assert "border.origin_point: given [-100.0, 31.43], outside the map; allowed: a point within longitude" in message
    row, col = (int(v) for v in lonlat.border_cells[len(lonlat.border_cells) // 2])
    lon, lat = (float(v) for v in lonlat.geo.from_local_km((col + 0.5) * 0.25, (row + 0.5) * 0.25, "lonlat"))
    message = refused(example_with_line(**{"border.origin_point": [lon, lat]}))
    assert f"border.origin_point: given {[lon, lat]}, on the border line" in message
    assert "(longitude, latitude;" in message
    message = refused(example_with_line(**{"terrain.positions": "crs", "border.origin_point": [300000.0, 3472000.0]}))
    assert "given [300000.0, 3472000.0], outside the map; allowed: a point within eastings" in message


def test_a_ports_error_gives_the_line_cell_in_the_units_of_its_position():
    """A port in lon/lat off the line: the line cell across from it is given in lon/lat (and km), not in km alone;
    in CRS positions in eastings and northings."""
    message = refused(load_scenario(EXAMPLE, {"ports[0].at": [-106.22689, 31.51201]}))
    assert "ports[0] (North Bank port).at: given [-106.22689, 31.51201]" in message
    assert "the line cell across from it is at [-106." in message and "(longitude, latitude;" in message
    world = build_world(load_scenario(EXAMPLE))
    east, north = (float(v) for v in world.geo.from_local_km(*world.km_of(world.destinations[0].cell)))
    message = refused(
        load_scenario(
            EXAMPLE,
            {"terrain.positions": "crs", "border.origin_point": [380000.0, 3473000.0], "ports[0].at": [east, north]},
        )
    )
    assert "the line cell across from it is at [" in message and " m in EPSG:32613" in message


def test_bad_geodata_keys_exit_with_status_2_from_the_command_line(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(
        '[scenario]\nname = "bad"\n[terrain]\nsource = "procedural"\nwidth_km = 10\nheight_km = 10\n'
        'positions = "lonlat"\ncrs = "EPSG:32613"\n'
    )
    assert main(["run", str(path), "--days", "1", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "terrain.positions: given 'lonlat' but terrain.source is 'procedural'" in err
    assert "terrain.crs: given 'EPSG:32613'" in err
    raw = scenario(gf.utm_dem(tmp_path), crs="EPSG:4326")
    assert "terrain.crs: given 'EPSG:4326' (WGS 84), not projected" in problems(raw)
    assert "terrain.crs: given 'EPSG:99999', not a known CRS" in problems(
        scenario(gf.utm_dem(tmp_path), crs="EPSG:99999")
    )


def test_an_experiment_writes_a_crossing_density_per_policy_on_the_scenarios_grid(tmp_path):
    """Crossing points binned per cell and divided by the policy's successful runs, with the scenario's CRS."""
    import pandas as pd

    from sim.experiment.layers import write_crossing_density
    from sim.experiment.spec import load_experiment

    spec = tmp_path / "exp.toml"
    spec.write_text(
        f'[experiment]\nname = "d"\nscenario = "{EXAMPLE}"\ndays = 2\nreplications = 2\nroot_seed = 1\n'
        'outcomes = ["interdictions"]\n[policies.finer]\n"terrain.cell_m" = 200\n'
    )
    experiment = load_experiment(spec)
    rows = [("baseline", 1.1, 2.2), ("baseline", 1.2, 2.1), ("baseline", 20.0, 10.0), ("finer", 1.1, 2.2)]
    crossings = pd.DataFrame(rows, columns=["policy", "x_km", "y_km"]).assign(sweep_point=0)
    crossings.to_parquet(tmp_path / "crossings.parquet")
    runs = pd.DataFrame(
        {"policy": ["baseline", "baseline", "finer", "finer"], "sweep_point": 0, "status": ["ok", "ok", "ok", "failed"]}
    )
    paths = write_crossing_density(experiment, tmp_path, runs)
    assert [p.name for p in paths] == ["baseline.tif", "finer.tif"]
    assert (tmp_path / "crossing_density" / "finer_places" / "sensors.geojson").is_file()
    with rasterio.open(paths[0]) as src:
        density = src.read(1)
        assert src.crs.to_epsg() == 32613 and src.transform.a == 250.0 and src.transform.c == 370_000.0
    assert density[8, 4] == 1.0 and density[40, 80] == 0.5 and density.sum() == 1.5  # 2 and 1 attempts in 2 runs
    with rasterio.open(paths[1]) as src:
        assert src.transform.a == 200.0 and src.read(1)[11, 5] == 1.0 and src.read(1).sum() == 1.0  # 1 run ok


def test_a_land_cover_table_of_unknown_names_or_codes_that_are_not_whole_numbers(tmp_path):
    raw = scenario(tmp_path / "dem.tif", landcover_file="lc.tif", landcover_codes={"-1": "open", "10": "swamp"})
    with pytest.raises(InputError) as info:
        load_scenario(raw)
    message = str(info.value)
    assert "terrain.landcover_codes.-1: given the code '-1'; allowed: whole numbers 0 or more" in message
    assert "terrain.landcover_codes.10: given 'swamp'; allowed: one of 'open'" in message


def test_a_border_file_in_the_scenarios_crs_or_in_lonlat_is_put_on_the_grid(tmp_path):
    """border.mode = "geojson" in a GeoTIFF scenario: the example's line (EPSG:32613, a named crs) and the same
    line in longitude and latitude (RFC 7946, no crs member) give the same cells, along the river border's."""
    from pyproj import Transformer
    from scipy import ndimage

    data = json.loads((EXAMPLE.parent / "border.geojson").read_text())
    to_lonlat = Transformer.from_crs("EPSG:32613", "EPSG:4326", always_xy=True)
    coords = data["features"][0]["geometry"]["coordinates"]
    lonlat = {"type": "LineString", "coordinates": [list(to_lonlat.transform(x, y)) for x, y in coords]}
    (tmp_path / "border_lonlat.geojson").write_text(json.dumps(lonlat))
    line = {"border.mode": "geojson", "border.origin_point": [-106.30398, 31.37593], "ports": []}
    masks = []
    for path in (EXAMPLE.parent / "border.geojson", tmp_path / "border_lonlat.geojson"):
        world = build_world(load_scenario(EXAMPLE, line | {"border.file": str(path)}))
        masks.append(world.border_mask)
    np.testing.assert_array_equal(masks[0], masks[1])
    river = build_world(load_scenario(EXAMPLE, RIVER_MODE | {"ports": []})).border_mask
    assert ndimage.distance_transform_edt(~river)[masks[0]].max() <= 2  # within two cells of the river's line
