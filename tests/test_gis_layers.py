"""GIS layers that do not mislead: each layer reopened with its CRS.

A scenario placed on Earth (geo_example) writes GeoTIFFs in its CRS and GeoJSON in longitude and latitude
(RFC 7946, no ``crs`` member); a scenario not placed on Earth (classroom) writes both in the local engineering
CRS, declared in each layer, in metres within the map. The vector layers hold the sensors (with their range as
a point attribute and as a polygon), the towers sited automatically (flagged), the ports, staging areas and
destinations of the scenario.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import rasterio
from pyproj import CRS, Transformer
from shapely.geometry import Point, shape

from sim.scenario import load_scenario
from sim.world import build_world
from sim.world.geo import LOCAL_CRS_WKT, PLACE_LAYERS, WORLD_LAYERS, position_to_km, write_world_layers

ROOT = Path(__file__).resolve().parents[1]
#: (scenario, overrides): one placed on Earth and one not, each with two towers sited automatically.
CASES = {
    "on Earth": (ROOT / "scenarios" / "geo_example" / "geo_example.toml", ["surveillance.extra_towers.count=2"]),
    "not on Earth": (ROOT / "scenarios" / "classroom.toml", ["surveillance.extra_towers.count=2"]),
}


@pytest.fixture(scope="module", params=list(CASES))
def layers(request, tmp_path_factory):
    path, overrides = CASES[request.param]
    world = build_world(load_scenario(path, overrides))
    out = tmp_path_factory.mktemp("gis")
    written = write_world_layers(world, out)
    assert sorted(p.name for p in written) == sorted([*WORLD_LAYERS, *PLACE_LAYERS])
    return world, out


def _crs_of(collection: dict) -> CRS:
    """The CRS a GeoJSON layer declares: its ``crs`` member, or WGS 84 longitude and latitude (RFC 7946)."""
    if "crs" in collection:
        return CRS.from_user_input(collection["crs"]["properties"]["name"])
    return CRS.from_epsg(4326)


def _in_map(world, x: float, y: float, crs: CRS) -> bool:
    """A written coordinate lies on the map (a cell's width of slack for rounding)."""
    if world.geo is not None:
        assert crs.is_geographic and -180 <= x <= 180 and -90 <= y <= 90
        x_km, y_km = world.geo.to_local_km(x, y, "lonlat")
    else:
        assert crs.is_engineering
        x_km, y_km = x / 1000.0, -y / 1000.0
    slack = world.cell_km
    return (
        -slack <= x_km <= world.width * world.cell_km + slack and -slack <= y_km <= world.height * world.cell_km + slack
    )


def _km(world, x: float, y: float) -> tuple[float, float]:
    if world.geo is not None:
        x_km, y_km = world.geo.to_local_km(x, y, "lonlat")
        return float(x_km), float(y_km)
    return x / 1000.0, -y / 1000.0


def test_rasters_reopen_with_their_crs(layers):
    world, out = layers
    for name in WORLD_LAYERS:
        with rasterio.open(out / name) as src:
            crs = CRS.from_wkt(src.crs.to_wkt())
            if world.geo is not None:
                assert crs.to_epsg() == 32613 and src.transform.almost_equals(world.geo.transform)
            else:
                local = CRS.from_wkt(LOCAL_CRS_WKT)  # GeoTIFF keeps its name and axes, not its datum's name
                assert crs.is_engineering and crs.name == local.name
                assert [(a.direction, a.unit_name) for a in crs.axis_info] == [("east", "metre"), ("north", "metre")]
            assert (src.width, src.height) == (world.width, world.height)


def test_vector_layers_reopen_with_their_crs_and_hold_the_places(layers):
    world, out = layers
    s = world.scenario
    collections = {name: json.loads((out / name).read_text(encoding="utf-8")) for name in PLACE_LAYERS}
    for name, collection in collections.items():
        crs = _crs_of(collection)
        assert ("crs" in collection) == (world.geo is None), name
        for feature in collection["features"]:
            geometry = shape(feature["geometry"])
            for x, y in np.asarray(geometry.exterior.coords if geometry.geom_type == "Polygon" else geometry.coords):
                assert _in_map(world, x, y, crs) or name == "sensor_ranges.geojson", (name, x, y)

    def names(layer: str) -> list[str]:
        return [f["properties"]["name"] for f in collections[layer]["features"]]

    assert names("ports.geojson") == [p.name for p in s.ports]
    assert names("staging.geojson") == [p.name for p in s.staging]
    assert names("destinations.geojson") == [p.name for p in s.destinations]
    for feature, place in zip(collections["staging.geojson"]["features"], s.staging, strict=True):
        x_km, y_km = _km(world, *feature["geometry"]["coordinates"])
        want = position_to_km(place.at, s.terrain.positions, world.geo)
        assert math.dist((x_km, y_km), want) < 1e-3

    sensors = collections["sensors.geojson"]["features"]
    assert len(sensors) == len(world.sensors) == len(s.surveillance.sensors) + 2
    assert [f["properties"]["auto_sited"] for f in sensors] == [False] * len(s.surveillance.sensors) + [True, True]
    assert [f["properties"]["range_m"] for f in sensors] == [site.range_m for site in world.sensors]
    for feature, site in zip(sensors[-2:], world.sensors[-2:], strict=True):  # sited towers stand on their cells
        assert math.dist(_km(world, *feature["geometry"]["coordinates"]), world.km_of(site.cell)) < 1e-3


def test_each_sensors_range_is_a_circle_of_its_range_around_it(layers):
    world, out = layers
    points = json.loads((out / "sensors.geojson").read_text(encoding="utf-8"))["features"]
    ranges = json.loads((out / "sensor_ranges.geojson").read_text(encoding="utf-8"))["features"]
    assert len(points) == len(ranges) > 0
    to_metres = (
        Transformer.from_crs("EPSG:4326", world.geo.crs, always_xy=True).transform
        if world.geo is not None
        else (lambda x, y: (x, y))
    )
    for point, polygon in zip(points, ranges, strict=True):
        assert polygon["properties"] == point["properties"]
        ring = np.asarray(polygon["geometry"]["coordinates"][0])
        xs, ys = to_metres(ring[:, 0], ring[:, 1])
        circle = shape({"type": "Polygon", "coordinates": [np.column_stack([xs, ys]).tolist()]})
        centre = Point(to_metres(*point["geometry"]["coordinates"]))
        radius = point["properties"]["range_m"]
        assert circle.exterior.is_ccw and circle.contains(centre)
        assert circle.area == pytest.approx(math.pi * radius**2, rel=0.01)
        assert circle.centroid.distance(centre) < 0.01 * radius
