"""Small GeoTIFFs for the tests, written into a temporary folder (shared by test_geodata and test_every_key).

Elevation is a plane whose value at any point is known in closed form, so a test can check that a cell
of the model's grid holds the elevation of the place it says it is (not only that conversions agree with
each other).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from affine import Affine

#: A UTM raster: 6 x 4 km of 100 m pixels in UTM zone 13N, north-west corner at (380,000, 3,480,000).
UTM = "EPSG:32613"
UTM_LEFT, UTM_TOP, UTM_PIXEL, UTM_SHAPE = 380_000.0, 3_480_000.0, 100.0, (40, 60)
#: A longitude-latitude raster: 0.06 x 0.04 degrees of 0.001 degree pixels, north-west corner at (-106.30, 31.44).
LONLAT = "EPSG:4326"
LL_WEST, LL_NORTH, LL_PIXEL, LL_SHAPE = -106.30, 31.44, 0.001, (40, 60)


def utm_elevation(easting: np.ndarray, northing: np.ndarray) -> np.ndarray:
    """The UTM raster's plane (m): 1,000 m at its north-west corner, rising 2 % eastward and 1 % southward."""
    return 1000.0 + 0.02 * (easting - UTM_LEFT) + 0.01 * (UTM_TOP - northing)


def lonlat_elevation(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """The lon/lat raster's plane (m): 1,000 m at its north-west corner, 2,000 m more a degree east, 1,000 m a
    degree south."""
    return 1000.0 + 2000.0 * (lon - LL_WEST) + 1000.0 * (LL_NORTH - lat)


def write_tif(path: Path, data: np.ndarray, crs: str | None, transform: Affine, nodata: float | None = None) -> Path:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=data.shape[1],
        height=data.shape[0],
        count=1,
        dtype=data.dtype.name,
        crs=crs,
        transform=transform,
        nodata=nodata,
    ) as dst:
        dst.write(data, 1)
    return path


def _centres(left: float, top: float, pixel: float, shape: tuple[int, int], margin: int = 0):
    rows, cols = shape[0] + 2 * margin, shape[1] + 2 * margin
    xs = left + (np.arange(cols) - margin + 0.5) * pixel
    ys = top - (np.arange(rows) - margin + 0.5) * pixel
    return np.meshgrid(xs, ys)


def utm_dem(folder: Path, name: str = "dem.tif") -> Path:
    x, y = _centres(UTM_LEFT, UTM_TOP, UTM_PIXEL, UTM_SHAPE)
    transform = Affine(UTM_PIXEL, 0, UTM_LEFT, 0, -UTM_PIXEL, UTM_TOP)
    return write_tif(folder / name, utm_elevation(x, y).astype(np.float32), UTM, transform, nodata=-9999.0)


def lonlat_dem(folder: Path, name: str = "dem_lonlat.tif") -> Path:
    lon, lat = _centres(LL_WEST, LL_NORTH, LL_PIXEL, LL_SHAPE)
    transform = Affine(LL_PIXEL, 0, LL_WEST, 0, -LL_PIXEL, LL_NORTH)
    return write_tif(folder / name, lonlat_elevation(lon, lat).astype(np.float32), LONLAT, transform, nodata=-9999.0)


def utm_landcover(folder: Path, name: str = "landcover.tif", *, margin_px: int = 4, shift_m: float = 0.0) -> Path:
    """ESA WorldCover codes on 50 m pixels over the UTM raster (and ``margin_px`` more each side): bare ground
    (60) in the west third, shrubland (20) in the middle, tree cover (10) in the east; ``shift_m`` moves it east."""
    pixel = 50.0
    shape = (int(UTM_SHAPE[0] * 2), int(UTM_SHAPE[1] * 2))
    x, _ = _centres(UTM_LEFT + shift_m, UTM_TOP, pixel, shape, margin=margin_px)
    third = (x - UTM_LEFT) / (UTM_SHAPE[1] * UTM_PIXEL)
    codes = np.where(third < 1 / 3, 60, np.where(third < 2 / 3, 20, 10)).astype(np.uint8)
    left, top = UTM_LEFT + shift_m - margin_px * pixel, UTM_TOP + margin_px * pixel
    return write_tif(folder / name, codes, UTM, Affine(pixel, 0, left, 0, -pixel, top), nodata=0)


#: The land-cover table of :func:`utm_landcover`'s codes.
WORLDCOVER_CODES = {"10": "forest", "20": "scrub", "60": "desert"}
