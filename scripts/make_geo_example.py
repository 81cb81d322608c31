"""Make the GeoTIFFs and the border line of ``scenarios/geo_example/`` (deterministic: same bytes every run).

The land is synthetic, placed on the Rio Grande south-east of El Paso and Ciudad Juarez, where the river
runs from north-west to south-east: a 36 x 24 km valley in UTM zone 13N (EPSG:32613), the river crossing
it diagonally from the west edge to the east edge, desert and shrubland, riverside farms and woods, a
low range on each side, two towns and a highway to the river on each bank. It stands in for the public
data a real scenario uses (docs/geodata.md), in the same formats:

- ``elevation.tif``: 100 m cells, metres above sea level, 16-bit integers with nodata -32768 (as SRTM and
  the Copernicus DEM once resampled), 36 x 24 km;
- ``landcover.tif``: 50 m cells, ESA WorldCover class codes (10 tree cover, 20 shrubland, 30 grassland,
  40 cropland, 50 built-up, 60 bare or sparse vegetation, 80 permanent water, 90 herbaceous wetland) and 200
  for roads burned in from a road map, 8-bit with nodata 0, covering 1 km more than the elevation on each
  side (it is cropped);
- ``border.geojson``: the border, the river's centre line, as a GeoJSON LineString in EPSG:32613 (a
  named ``crs`` member, as GDAL and QGIS write projected GeoJSON), from the map's west edge to its east edge.

Run from the repository root: ``python scripts/make_geo_example.py`` (options: ``--out FOLDER``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine
from pyproj import Transformer
from scipy import ndimage

CRS = "EPSG:32613"
#: North-west corner of the elevation raster (easting, northing, m): 36 km x 24 km to the south-east.
LEFT, TOP = 370_000.0, 3_494_000.0
WIDTH_M, HEIGHT_M = 36_000.0, 24_000.0
DEM_CELL, LC_CELL = 100.0, 50.0
LC_MARGIN = 1_000.0
SEED = 20_241
#: ESA WorldCover codes used, and the road code burned in.
TREES, SHRUB, GRASS, CROPS, BUILT, BARE, WATER, WETLAND, ROAD = 10, 20, 30, 40, 50, 60, 80, 90, 200
RIVER_WIDTH_M = 400.0  # water with its sandbars: at least one model cell of 250 m keeps it after resampling
ROAD_WIDTH_M = 300.0  # roads burned in wider than a model cell, so the most common class keeps them


def river_centre(x: np.ndarray) -> np.ndarray:
    """Northing of the river's centre line at eastings ``x``: a diagonal from north-west to south-east with meanders."""
    t = (x - LEFT) / WIDTH_M
    return TOP - (
        6_000.0 + 12_000.0 * t + 900.0 * np.sin(2 * np.pi * 2.3 * t + 0.7) + 400.0 * np.sin(2 * np.pi * 5.1 * t)
    )


def smooth_noise(rng: np.random.Generator, shape: tuple[int, int], sigma_cells: float) -> np.ndarray:
    field = ndimage.gaussian_filter(rng.standard_normal(shape), sigma_cells, mode="nearest")
    return (field - field.mean()) / field.std()


def grid(left: float, top: float, width_m: float, height_m: float, cell: float) -> tuple[np.ndarray, np.ndarray]:
    """Eastings and northings of the cell centres of a north-up grid."""
    xs = left + (np.arange(round(width_m / cell)) + 0.5) * cell
    ys = top - (np.arange(round(height_m / cell)) + 0.5) * cell
    return np.meshgrid(xs, ys)


def distance_to_river(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Distance (m) from the river's centre line, measured north-south (the line is gentle enough)."""
    return np.abs(y - river_centre(x)) * np.cos(np.arctan(12_000.0 / WIDTH_M))


def elevation(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A valley floor at about 1,100 m rising to low ranges on each side, with small-scale relief."""
    d = distance_to_river(x, y)
    side = np.sign(river_centre(x) - y)  # +1 north-east of the river, -1 south-west
    rise = 0.012 * d + 140.0 * np.clip((d - 6_000.0) / 3_000.0, 0.0, None) ** 1.5
    ranges = np.where(side > 0, 1.0, 0.7) * np.clip(rise, 0.0, 700.0)
    relief = 25.0 * smooth_noise(rng, x.shape, sigma_cells=12.0) + 8.0 * smooth_noise(rng, x.shape, 3.0)
    return 1_090.0 + ranges + relief - 6.0 * np.exp(-0.5 * (d / 300.0) ** 2)


def land_cover(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    d = distance_to_river(x, y)
    patches = smooth_noise(rng, x.shape, sigma_cells=30.0)
    cover = np.full(x.shape, BARE, dtype=np.uint8)
    cover[patches > 0.3] = SHRUB
    cover[(patches < -1.2) & (d > 3_000)] = GRASS
    cover[(d < 2_500) & (patches > -0.6)] = CROPS  # irrigated farms along the river
    cover[(d < 700) & (patches > 0.0)] = TREES  # riverside woods (tamarisk, cottonwood)
    cover[(d < 700) & (patches <= 0.0) & (patches > -0.5)] = WETLAND
    towns = ((383_500.0, 3_487_000.0, 1_600.0), (392_000.0, 3_476_500.0, 1_400.0))  # north-east, south-west bank
    for tx, ty, radius in towns:
        cover[np.hypot(x - tx, y - ty) < radius] = BUILT
    for road_x, (north, south) in (
        (383_500.0, (TOP + LC_MARGIN, None)),
        (392_000.0, (None, TOP - HEIGHT_M - LC_MARGIN)),
    ):
        bank = river_centre(np.array([road_x]))[0]
        lo, hi = (bank + RIVER_WIDTH_M, north) if north is not None else (south, bank - RIVER_WIDTH_M)
        cover[(np.abs(x - road_x) < ROAD_WIDTH_M / 2) & (y > lo) & (y < hi)] = ROAD
    cover[d < RIVER_WIDTH_M / 2] = WATER
    return cover


def write(path: Path, data: np.ndarray, transform: Affine, nodata: int) -> None:
    profile = {
        "driver": "GTiff",
        "width": data.shape[1],
        "height": data.shape[0],
        "count": 1,
        "dtype": data.dtype.name,
        "crs": CRS,
        "transform": transform,
        "nodata": nodata,
        "compress": "deflate",
        "predictor": 2,
        "zlevel": 9,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)


def border_geojson() -> dict:
    xs = np.arange(LEFT, LEFT + WIDTH_M + 1.0, 500.0)  # clipped to the map: west edge to east edge
    ys = river_centre(xs)
    to_lonlat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    lon, lat = to_lonlat.transform(xs[[0, -1]], ys[[0, -1]])
    return {
        "type": "FeatureCollection",
        "name": "border",
        "crs": {"type": "name", "properties": {"name": CRS}},
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "name": "river border (synthetic)",
                    "note": f"from ({lon[0]:.4f}, {lat[0]:.4f}) to ({lon[1]:.4f}, {lat[1]:.4f}) longitude, latitude",
                },
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[round(float(a), 1), round(float(b), 1)] for a, b in zip(xs, ys, strict=True)],
                },
            }
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="scenarios/geo_example", help="output folder")
    out = Path(parser.parse_args(argv).out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    x, y = grid(LEFT, TOP, WIDTH_M, HEIGHT_M, DEM_CELL)
    dem = np.round(elevation(x, y, rng)).astype(np.int16)
    write(out / "elevation.tif", dem, Affine(DEM_CELL, 0, LEFT, 0, -DEM_CELL, TOP), nodata=-32768)
    left, top = LEFT - LC_MARGIN, TOP + LC_MARGIN
    x, y = grid(left, top, WIDTH_M + 2 * LC_MARGIN, HEIGHT_M + 2 * LC_MARGIN, LC_CELL)
    cover = land_cover(x, y, rng)
    write(out / "landcover.tif", cover, Affine(LC_CELL, 0, left, 0, -LC_CELL, top), nodata=0)
    (out / "border.geojson").write_text(json.dumps(border_geojson(), indent=1) + "\n")
    for name in ("elevation.tif", "landcover.tif", "border.geojson"):
        print(f"{out / name}: {(out / name).stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
