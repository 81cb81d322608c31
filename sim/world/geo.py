"""Real geography: GeoTIFF terrain in, GIS layers out, and the frame that ties the model's km to a map projection.

The model works on a north-up grid of square cells and measures positions in km east of the map's west
edge and south of its north edge (:mod:`sim.world.core`). A scenario with ``terrain.source = "geotiff"``
also has a :class:`GeoFrame`: the grid's coordinate reference system (CRS, projected, in metres) and
where its north-west corner lies, so any position can be given, or written, in longitude and latitude or
in the scenario's CRS.

Reading (:func:`load_geotiff_terrain`): the elevation raster defines the map. Its footprint is
projected into the target CRS (``terrain.crs``, by default the UTM zone of the raster's centre), the
largest north-up rectangle inside it is divided into whole ``terrain.cell_m`` cells from its north-west
corner (the origin of positions in km, the same ground at any cell size), and the elevation
(and the land-cover raster, which must cover it) are warped onto that grid with GDAL
(:func:`rasterio.warp.reproject`): elevation by bilinear interpolation, or by the mean of the source
pixels when a cell spans more than 1.5 source pixels (bilinear would sample a few and alias); land cover
by the nearest pixel, or by the most common class of the source pixels (mode) when coarsening. Land-cover
codes are mapped to bordersim's classes by ``terrain.landcover_codes``. Every problem (no file, not a
GeoTIFF, no CRS, nodata holes, unmapped codes, a land-cover raster that does not cover the elevation)
raises an :class:`~sim.schema.InputError` naming the file and the key.

Writing: :func:`write_world_layers` (``bordersim map --format geotiff``: rasters, and the places as vector
layers by :func:`write_place_layers`), :func:`crossings_geojson` (``crossings.geojson`` of a run) and
:func:`write_geotiff` (the experiments' crossing densities). A scenario placed on Earth writes GeoTIFFs in its
CRS and GeoJSON in WGS 84 longitude and latitude (RFC 7946). Layers of a scenario without a frame (ASCII,
procedural and ``.npy``/``.csv`` maps, which are not placed on Earth) are written in a local engineering CRS
(:data:`LOCAL_CRS_WKT`), declared in every layer (the GeoTIFFs' CRS; the GeoJSON's ``crs`` member, as GDAL and
QGIS read it): metres east of the map's west edge and north of its north edge (so negative southward), which keeps
north up in a GIS and lets the layers of one scenario overlay each other, never mistaken for longitude and
latitude. No vector library (GDAL's OGR through fiona or pyogrio) is a dependency, so vector layers are GeoJSON.

rasterio and pyproj are imported inside the functions that use them, so scenarios without geodata and
the command line's start-up do not load GDAL and PROJ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.scenario import LAND_COVERS, MAX_CELLS, MAX_ELEVATION_M, MIN_ELEVATION_M, Terrain
from sim.schema import InputError, Problem

if TYPE_CHECKING:
    from sim.world.core import World

#: Names a scenario may use for the coordinates of its positions or of a file: ``lonlat`` is WGS 84
#: longitude and latitude in degrees (EPSG:4326, x = longitude).
LONLAT = "lonlat"
LONLAT_CRS = "EPSG:4326"
#: A cell coarser than this many source pixels is filled by averaging (elevation) or by the most common
#: class (land cover) instead of interpolating or taking the nearest pixel.
COARSEN_AT = 1.5
#: Points per edge when a raster's footprint is projected (edges of a lon/lat raster curve in UTM).
_EDGE_POINTS = 64
#: Smallest map a GeoTIFF may give, in cells each way (as for procedural maps).
MIN_CELLS_EACH_WAY = 4
#: The local engineering CRS of the layers of a scenario not placed on Earth (WKT2): metres from the map's
#: north-west corner, x east and y north (negative southward).
LOCAL_CRS_WKT = (
    'ENGCRS["bordersim local frame",EDATUM["north-west corner of the map"],CS[Cartesian,2],'
    'AXIS["easting (E)",east,ORDER[1],LENGTHUNIT["metre",1]],'
    'AXIS["northing (N)",north,ORDER[2],LENGTHUNIT["metre",1]]]'
)
#: Description of the local frame in which the layers of a scenario not placed on Earth are written.
LOCAL_FRAME_NOTE = (
    "the scenario is not placed on Earth: its layers are in a local engineering CRS ('bordersim local frame'), "
    "metres east of the map's west edge (x) and north of its north edge (y, negative southward), not longitude "
    "and latitude"
)


@dataclass(frozen=True)
class GeoFrame:
    """Where the model's grid lies on Earth: a projected CRS in metres and the grid's north-west corner.

    Cell ``(row, col)`` covers eastings ``left_m + col * cell_m`` to ``left_m + (col + 1) * cell_m`` and
    northings ``top_m - (row + 1) * cell_m`` to ``top_m - row * cell_m``; a position ``(x_km, y_km)`` of the
    model is easting ``left_m + 1000 x_km`` and northing ``top_m - 1000 y_km``. The CRS is kept as WKT text,
    so a frame pickles to worker processes as plain data.
    """

    crs_wkt: str
    left_m: float
    top_m: float
    cell_m: float
    width: int
    height: int

    @cached_property
    def crs(self):
        """The grid's CRS as a :class:`pyproj.CRS`."""
        from pyproj import CRS

        return CRS.from_wkt(self.crs_wkt)

    @property
    def transform(self):
        """The grid's affine transform (cell column, row -> easting, northing), north up."""
        from affine import Affine

        return Affine(self.cell_m, 0.0, self.left_m, 0.0, -self.cell_m, self.top_m)

    @property
    def name(self) -> str:
        """Short name of the CRS, e.g. ``EPSG:32613 (WGS 84 / UTM zone 13N)``."""
        code = self.crs.to_authority()
        return f"{code[0]}:{code[1]} ({self.crs.name})" if code else self.crs.name

    def _transformer(self, source: str | None, target: str | None):
        return _transformer(source or self.crs_wkt, target or self.crs_wkt)

    def to_local_km(self, xs: Any, ys: Any, crs_of_input: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Positions given in another system as the model's ``(x_km, y_km)`` from the map's north-west corner.

        Args:
            xs, ys: coordinates (scalars or arrays): eastings and northings, or longitudes and latitudes.
            crs_of_input: ``None`` for the frame's own CRS, ``"lonlat"`` for WGS 84 degrees, or anything
                :class:`pyproj.CRS` accepts (``"EPSG:4326"``, ``"EPSG:32613"``, WKT).
        """
        xs, ys = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
        if crs_of_input is not None:
            xs, ys = self._transformer(crs_of_input, None).transform(xs, ys)
        return (np.asarray(xs) - self.left_m) / 1000.0, (self.top_m - np.asarray(ys)) / 1000.0

    def from_local_km(self, x_km: Any, y_km: Any, crs_of_output: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The model's ``(x_km, y_km)`` in the frame's CRS (``None``), in WGS 84 degrees (``"lonlat"``) or any CRS."""
        xs = self.left_m + 1000.0 * np.asarray(x_km, dtype=np.float64)
        ys = self.top_m - 1000.0 * np.asarray(y_km, dtype=np.float64)
        if crs_of_output is not None:
            xs, ys = self._transformer(None, crs_of_output).transform(xs, ys)
        return np.asarray(xs), np.asarray(ys)

    def describe_extent(self, positions: str) -> str:
        """The map's extent in words, in longitude and latitude (``"lonlat"``) or in the frame's CRS (``"crs"``)."""
        if positions == LONLAT:
            west, south, east, north = self.lonlat_bounds()
            return (
                f"longitude {west:.5f} to {east:.5f}, latitude {south:.5f} to {north:.5f} (the bounds of a map that "
                f"is a rectangle in {self.name})"
            )
        right, bottom = self.left_m + self.width * self.cell_m, self.top_m - self.height * self.cell_m
        return (
            f"eastings {self.left_m:.0f} to {right:.0f} m, northings {bottom:.0f} to {self.top_m:.0f} m in {self.name}"
        )

    def lonlat_bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in degrees of the map's corners and edges."""
        edge = np.linspace(0.0, 1.0, 9)
        w_km, h_km = self.width * self.cell_m / 1000.0, self.height * self.cell_m / 1000.0
        xs = np.concatenate([edge * w_km, np.full(9, w_km), edge * w_km, np.zeros(9)])
        ys = np.concatenate([np.zeros(9), edge * h_km, np.full(9, h_km), edge * h_km])
        lon, lat = self.from_local_km(xs, ys, LONLAT)
        return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())


@lru_cache(maxsize=64)
def _transformer(source: str, target: str):
    """A pyproj transformer between two CRSs (names, ``"lonlat"`` or WKT), x before y (longitude first)."""
    from pyproj import CRS, Transformer

    def crs(name: str):
        return CRS.from_user_input(LONLAT_CRS if name == LONLAT else name)

    return Transformer.from_crs(crs(source), crs(target), always_xy=True)


def position_to_km(at: Any, positions: str, frame: GeoFrame | None) -> tuple[float, float]:
    """A scenario position (``terrain.positions``: ``"km"``, ``"lonlat"`` or ``"crs"``) as the model's
    ``(x_km, y_km)``. Positions are in km when the map is not placed on Earth (``frame`` None)."""
    x, y = float(at[0]), float(at[1])
    if positions == "km" or frame is None:
        return x, y
    xs, ys = frame.to_local_km(x, y, None if positions == "crs" else positions)
    return float(xs), float(ys)


def describe_position(x_km: float, y_km: float, positions: str, frame: GeoFrame | None) -> str:
    """A point of the map in the units the scenario gives positions in: ``[x, y] km``, ``[lon, lat]
    (longitude, latitude)`` or ``[easting, northing] m in <CRS>`` (with its km in brackets)."""
    km = f"[{x_km:g}, {y_km:g}] km"
    if positions == "km" or frame is None:
        return km
    if positions == LONLAT:
        lon, lat = frame.from_local_km(x_km, y_km, LONLAT)
        return f"[{float(lon):.5f}, {float(lat):.5f}] (longitude, latitude; {km})"
    east, north = frame.from_local_km(x_km, y_km)
    return f"[{float(east):.0f}, {float(north):.0f}] m in {frame.name} ({km})"


def describe_extent(positions: str, frame: GeoFrame | None, shape: tuple[int, int], cell_km: float) -> str:
    """The map's extent in the units of the scenario's positions (and in km)."""
    km = f"x 0-{shape[1] * cell_km:g} km, y 0-{shape[0] * cell_km:g} km"
    if positions == "km" or frame is None:
        return km
    return f"{frame.describe_extent(positions)} ({km})"


def geometry_to_local_km(geometry, frame: GeoFrame, crs_of_input: str | None = LONLAT):
    """A shapely geometry (a border line, a sector's polygon) from ``crs_of_input`` into the model's km.

    ``crs_of_input`` as in :meth:`GeoFrame.to_local_km`; for a GeoJSON file, :func:`geojson_crs` of its data.
    """
    import shapely

    def to_km(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(frame.to_local_km(xy[:, 0], xy[:, 1], crs_of_input))

    return shapely.transform(geometry, to_km)


def geojson_crs(data: dict) -> str:
    """The CRS of a GeoJSON object: its (pre-RFC 7946) ``crs`` member if named, else WGS 84 lon/lat.

    RFC 7946 says GeoJSON is in longitude and latitude; GDAL, QGIS and official boundary files still write
    and read a named ``"crs": {"type": "name", "properties": {"name": "EPSG:32613"}}`` for projected data.
    """
    crs = data.get("crs") if isinstance(data, dict) else None
    if isinstance(crs, dict) and isinstance(crs.get("properties"), dict):
        name = crs["properties"].get("name")
        if isinstance(name, str) and name:
            return name
    return LONLAT


# ------------------------------------------------------------------------------------------- reading


def load_geotiff_terrain(
    t: Terrain, base_dir: Path, file: str = "<scenario>"
) -> tuple[np.ndarray, np.ndarray, GeoFrame]:
    """Elevation (m), land-cover codes and the frame of a ``terrain.source = "geotiff"`` scenario.

    Raises:
        InputError: a missing file, a file that is not a GeoTIFF, a raster without a CRS or georeferencing,
            an unknown or unprojected ``terrain.crs``, a grid too small or over
            :data:`sim.scenario.MAX_CELLS`, nodata holes or impossible values in the elevation, a land-cover
            raster that does not cover the elevation raster, land-cover codes missing from
            ``terrain.landcover_codes``.
    """
    elevation_path = base_dir / t.elevation_file
    with _open_geotiff(elevation_path, "terrain.elevation_file", file) as src:
        dst_crs = target_crs(t, src, elevation_path, file)
        footprint = _footprint(src, dst_crs)
        frame = _grid_of(footprint, dst_crs, t.cell_m, elevation_path, file)
        elevation = _warp(src, frame, "elevation", footprint)
    _check_elevation(elevation, frame, elevation_path, file)
    if not t.landcover_file:
        return elevation, np.zeros(elevation.shape, dtype=np.int8), frame
    landcover_path = base_dir / t.landcover_file
    with _open_geotiff(landcover_path, "terrain.landcover_file", file) as src:
        _check_covers(src, frame, landcover_path, elevation_path, file)
        footprint = _footprint(src, frame.crs)
        codes = _warp(src, frame, "landcover", footprint)
        landcover = map_landcover_codes(codes, t.landcover_codes, landcover_path, file)
        share = _water_share(src, frame, footprint, t.landcover_codes)
    if share is not None:
        water, road = LAND_COVERS.index("water"), LAND_COVERS.index("road")
        landcover[(share >= t.water_share) & (landcover != road)] = water
    return elevation, landcover, frame


def _water_share(src, frame: GeoFrame, footprint, table: dict[str, str]) -> np.ndarray | None:
    """Share of each cell's area covered by water pixels (float32) when land cover is coarsened, else None.

    A thin river loses to the classes beside it in the most common class of a coarse cell; with its share
    it keeps a channel (``terrain.water_share``). The band is read whole (a sector's raster).
    """
    from rasterio.enums import Resampling
    from rasterio.warp import reproject

    pixel_m = math.sqrt(footprint.area / (src.width * src.height))
    if frame.cell_m <= COARSEN_AT * pixel_m:
        return None
    water_codes = (
        [int(code) for code, name in table.items() if name == "water"] if table else [LAND_COVERS.index("water")]
    )
    if not water_codes:
        return None
    band = src.read(1)
    water = np.isin(band, water_codes).astype(np.float32)
    share = np.zeros((frame.height, frame.width), dtype=np.float32)
    reproject(
        source=water,
        destination=share,
        src_transform=src.transform,
        src_crs=src.crs,
        dst_transform=frame.transform,
        dst_crs=frame.crs_wkt,
        resampling=Resampling.average,
    )
    return share


def _open_geotiff(path: Path, key: str, file: str):
    """An open rasterio dataset of a GeoTIFF with a CRS and georeferencing; a clear problem otherwise."""
    import warnings

    import rasterio
    from rasterio.errors import NotGeoreferencedWarning, RasterioIOError

    def fail(message: str) -> InputError:
        return InputError([Problem(file, key, f"{path}: {message}")])

    if not path.exists():
        raise fail("file not found")
    if path.is_dir():
        raise fail("is a folder; expected a GeoTIFF file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            src = rasterio.open(path)
    except RasterioIOError as exc:
        reason = str(exc).removeprefix(str(path)).strip(" :")
        raise fail(f"is not a GeoTIFF that GDAL can read ({reason})") from None
    problem = ""
    if src.driver != "GTiff":
        problem = f"is a {src.driver} raster, not a GeoTIFF; convert it, e.g. gdal_translate -of GTiff"
    elif src.crs is None:
        problem = (
            "has no coordinate reference system (CRS), so where it lies is unknown; assign the one it was made in, "
            "e.g. gdal_edit.py -a_srs EPSG:4326 (longitude and latitude) or EPSG:32613 (UTM zone 13N)"
        )
    elif src.transform.is_identity or not src.transform.is_rectilinear:
        what = "no georeferencing (pixel coordinates only)" if src.transform.is_identity else "a rotated grid"
        problem = f"has {what}; allowed: a north-up georeferenced GeoTIFF (gdalwarp makes one)"
    if problem:
        src.close()
        raise fail(problem)
    return src


def target_crs(t: Terrain, src, path: Path, file: str):
    """``terrain.crs``, or the UTM zone (WGS 84) of the centre of the elevation raster; projected, in metres."""
    from pyproj import CRS
    from pyproj.aoi import AreaOfInterest
    from pyproj.database import query_utm_crs_info
    from pyproj.exceptions import CRSError
    from rasterio.warp import transform as warp_points

    if t.crs:
        try:
            crs = CRS.from_user_input(t.crs)
        except CRSError as exc:
            raise InputError(
                [Problem(file, "terrain.crs", f"given {t.crs!r}, not a known CRS ({exc}); allowed: e.g. 'EPSG:32613'")]
            ) from None
    else:
        left, bottom, right, top = src.bounds
        lon, lat = warp_points(src.crs, LONLAT_CRS, [(left + right) / 2], [(bottom + top) / 2])
        area = AreaOfInterest(lon[0], lat[0], lon[0], lat[0])
        zones = query_utm_crs_info(datum_name="WGS 84", area_of_interest=area)
        if not zones:
            raise InputError(
                [
                    Problem(
                        file,
                        "terrain.crs",
                        f"{path}: no UTM zone covers its centre ({lon[0]:.4f}, {lat[0]:.4f}); give terrain.crs, "
                        "a projected CRS in metres (polar stereographic near the poles, e.g. 'EPSG:3413')",
                    )
                ]
            )
        crs = CRS.from_epsg(int(zones[0].code))
    unit = crs.axis_info[0].unit_name if crs.axis_info else ""
    if not crs.is_projected or unit not in ("metre", "meter"):
        raise InputError(
            [
                Problem(
                    file,
                    "terrain.crs",
                    f"given {t.crs!r} ({crs.name}), {'in ' + unit if crs.is_projected else 'not projected'}; the "
                    "model's grid needs a projected CRS in metres, e.g. a UTM zone 'EPSG:326NN' (north) or "
                    "'EPSG:327NN' (south), or leave terrain.crs out for the UTM zone of the data",
                )
            ]
        )
    return crs


def _footprint(src, dst_crs):
    """The raster's outline (its outer pixel edges) projected into ``dst_crs``, as a shapely polygon."""
    from rasterio.warp import transform as warp_points
    from shapely.geometry import Polygon

    left, bottom, right, top = src.bounds
    t = np.linspace(0.0, 1.0, _EDGE_POINTS, endpoint=False)
    xs = np.concatenate(
        [left + t * (right - left), np.full(t.size, right), right - t * (right - left), np.full(t.size, left)]
    )
    ys = np.concatenate(
        [np.full(t.size, top), top - t * (top - bottom), np.full(t.size, bottom), bottom + t * (top - bottom)]
    )
    px, py = warp_points(src.crs, dst_crs, xs.tolist(), ys.tolist())
    return Polygon(zip(px, py, strict=True))


def _grid_of(footprint, dst_crs, cell_m: float, path: Path, file: str) -> GeoFrame:
    """The largest north-up grid of whole ``cell_m`` cells inside the footprint, from its north-west corner.

    The footprint of a raster projected into another CRS is a slightly turned quadrilateral with curved
    edges; the grid starts at the innermost point of its west and north edges, so no cell lies outside the
    data, and its corner (the origin of positions in km) is the same ground whatever ``cell_m``. Columns
    and rows that would reach past the east or south edge are left out (less than a cell each way).
    """
    xs, ys = (np.asarray(c) for c in footprint.exterior.xy)
    n = _EDGE_POINTS
    top_edge, right_edge, bottom_edge, left_edge = (slice(k * n, (k + 1) * n + 1) for k in range(4))
    left, right = float(xs[left_edge].max()), float(xs[right_edge].min())
    top, bottom = float(ys[top_edge].min()), float(ys[bottom_edge].max())
    left, top = round(left, 3), round(top, 3)  # to the millimetre: the same corner for the same data
    width = math.floor((right - left) / cell_m + 1e-6)
    height = math.floor((top - bottom) / cell_m + 1e-6)
    span = f"{max(right - left, 0.0) / 1000:.3g} x {max(top - bottom, 0.0) / 1000:.3g} km"
    if width < MIN_CELLS_EACH_WAY or height < MIN_CELLS_EACH_WAY:
        raise InputError(
            [
                Problem(
                    file,
                    "terrain.cell_m",
                    f"{path} covers {span}, only {max(width, 0)} x {max(height, 0)} cells of {cell_m:g} m; a map needs "
                    f"at least {MIN_CELLS_EACH_WAY} cells each way: smaller cells, or a larger raster",
                )
            ]
        )
    if width * height > MAX_CELLS:
        raise InputError(
            [
                Problem(
                    file,
                    "terrain.cell_m",
                    f"{path} covers {span}: {width:,} x {height:,} = {width * height:,} cells of {cell_m:g} m; at most "
                    f"{MAX_CELLS:,} are allowed; use larger cells (at least "
                    f"{math.ceil(cell_m * math.sqrt(width * height / MAX_CELLS)):g} m) or crop the raster",
                )
            ]
        )
    return GeoFrame(crs_wkt=dst_crs.to_wkt(), left_m=left, top_m=top, cell_m=cell_m, width=width, height=height)


def _warp(src, frame: GeoFrame, kind: str, footprint) -> np.ndarray:
    """Band 1 of ``src`` on the frame's grid: elevation as float32 (NaN where no data), codes as int32 (-1)."""
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.warp import reproject

    pixel_m = math.sqrt(footprint.area / (src.width * src.height))
    coarsen = frame.cell_m > COARSEN_AT * pixel_m
    if kind == "elevation":
        destination = np.full((frame.height, frame.width), np.nan, dtype=np.float32)
        resampling, nodata = (Resampling.average if coarsen else Resampling.bilinear), np.nan
    else:
        destination = np.full((frame.height, frame.width), -1, dtype=np.int32)
        resampling, nodata = (Resampling.mode if coarsen else Resampling.nearest), -1
    reproject(
        source=rasterio.band(src, 1),
        destination=destination,
        src_transform=src.transform,
        src_crs=src.crs,
        src_nodata=src.nodata,
        dst_transform=frame.transform,
        dst_crs=frame.crs_wkt,
        dst_nodata=nodata,
        resampling=resampling,
    )
    return destination


def _where(frame: GeoFrame, row: int, col: int) -> str:
    """A cell in words: its centre in km from the north-west corner and in longitude and latitude."""
    x_km, y_km = (col + 0.5) * frame.cell_m / 1000.0, (row + 0.5) * frame.cell_m / 1000.0
    lon, lat = frame.from_local_km(x_km, y_km, LONLAT)
    return f"x {x_km:g} km, y {y_km:g} km (longitude {float(lon):.5f}, latitude {float(lat):.5f})"


def _check_elevation(elevation: np.ndarray, frame: GeoFrame, path: Path, file: str) -> None:
    holes = ~np.isfinite(elevation)
    if holes.any():
        row, col = np.argwhere(holes)[0]
        raise InputError(
            [
                Problem(
                    file,
                    "terrain.elevation_file",
                    f"{path}: {int(holes.sum()):,} of {holes.size:,} cells ({holes.mean():.1%}) have no elevation "
                    f"(nodata), the first at {_where(frame, row, col)}; fill the holes (gdal_fillnodata.py) or crop "
                    "the raster to where it has data",
                )
            ]
        )
    bad = (elevation < MIN_ELEVATION_M) | (elevation > MAX_ELEVATION_M)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise InputError(
            [
                Problem(
                    file,
                    "terrain.elevation_file",
                    f"{path}: {int(bad.sum()):,} cells have elevations outside {MIN_ELEVATION_M:g} to "
                    f"{MAX_ELEVATION_M:g} m, the first {float(elevation[row, col]):g} at {_where(frame, row, col)}; "
                    "elevations must be metres above sea level (an undeclared nodata value such as -32768? set it "
                    "with gdal_edit.py -a_nodata)",
                )
            ]
        )


def _check_covers(src, frame: GeoFrame, path: Path, elevation_path: Path, file: str) -> None:
    """The land-cover raster must cover the whole map (it may be larger: it is cropped)."""
    from shapely.geometry import box

    grid = box(
        frame.left_m, frame.top_m - frame.height * frame.cell_m, frame.left_m + frame.width * frame.cell_m, frame.top_m
    )
    footprint = _footprint(src, frame.crs)
    if footprint.buffer(frame.cell_m / 2.0).contains(grid):
        return
    missing = grid.difference(footprint)
    share = missing.area / grid.area
    gx0, gy0, gx1, gy1 = grid.bounds
    fx0, fy0, fx1, fy1 = footprint.bounds
    raise InputError(
        [
            Problem(
                file,
                "terrain.landcover_file",
                f"{path}: its extent does not match {elevation_path}: it leaves {share:.1%} of the map uncovered "
                f"(in {frame.name}, the map spans eastings {gx0:.0f} to {gx1:.0f} m and northings {gy0:.0f} to "
                f"{gy1:.0f} m; the land cover {fx0:.0f} to {fx1:.0f} and {fy0:.0f} to {fy1:.0f}); the land-cover "
                "raster must cover the whole elevation raster (a larger one is cropped)",
            )
        ]
    )


def map_landcover_codes(codes: np.ndarray, table: dict[str, str], path: Path, file: str) -> np.ndarray:
    """Raster codes as bordersim land-cover codes (0-7) through ``terrain.landcover_codes``.

    An empty table means the raster already holds bordersim's codes (0 open ... 7 urban).
    """
    lookup = (
        {int(code): LAND_COVERS.index(name) for code, name in table.items()} if table else dict(enumerate(LAND_COVERS))
    )
    nodata = codes < 0
    if nodata.any():
        raise InputError(
            [
                Problem(
                    file,
                    "terrain.landcover_file",
                    f"{path}: {int(nodata.sum()):,} cells of the map have no land cover (nodata); fill them or give "
                    "the land cover there a class (and, if needed, a terrain.landcover_codes entry)",
                )
            ]
        )
    present, counts = np.unique(codes, return_counts=True)
    missing = [(int(c), int(n)) for c, n in zip(present, counts, strict=True) if int(c) not in lookup]
    if missing:
        listed = ", ".join(f"{c} ({n:,} cells)" for c, n in missing[:12]) + (" ..." if len(missing) > 12 else "")
        where = (
            "terrain.landcover_codes has no entry for them; add e.g. landcover_codes."
            + f'"{missing[0][0]}" = "open" (a bordersim land cover: {", ".join(LAND_COVERS)})'
            if table
            else "without terrain.landcover_codes the raster must hold bordersim's codes 0-7 ("
            + ", ".join(f"{i} {name}" for i, name in enumerate(LAND_COVERS))
            + "); give a terrain.landcover_codes table mapping the raster's codes"
        )
        raise InputError([Problem(file, "terrain.landcover_codes", f"{path} has land-cover codes {listed}; {where}")])
    remap = np.zeros(int(present.max()) + 1, dtype=np.int8)
    for code in present:
        remap[int(code)] = lookup[int(code)]
    return remap[codes]


# ------------------------------------------------------------------------------------------- writing


def output_frame(world: World) -> tuple[Any, Any]:
    """(affine transform, CRS or None) in which a world's layers are written (see the module's docstring)."""
    from affine import Affine

    if world.geo is not None:
        return world.geo.transform, world.geo.crs_wkt
    cell_m = world.cell_km * 1000.0
    return Affine(cell_m, 0.0, 0.0, 0.0, -cell_m, 0.0), LOCAL_CRS_WKT


def write_geotiff(
    path: Path, data: np.ndarray, world: World, *, nodata: float | None = None, description: str = ""
) -> Path:
    """One band on the world's grid as a compressed GeoTIFF with the world's CRS (the local engineering CRS when
    it is not placed on Earth) and transform."""
    import rasterio
    from rasterio.crs import CRS

    transform, wkt = output_frame(world)
    crs = CRS.from_wkt(wkt)
    path.parent.mkdir(parents=True, exist_ok=True)
    profile = {
        "driver": "GTiff",
        "width": world.width,
        "height": world.height,
        "count": 1,
        "dtype": data.dtype.name,
        "crs": crs,
        "transform": transform,
        "nodata": nodata,
        "compress": "deflate",
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
        if description:
            dst.set_band_description(1, description)
        dst.update_tags(scenario=world.scenario.name, frame=world.geo.name if world.geo else LOCAL_FRAME_NOTE)
    return path


#: The layers ``bordersim map --format geotiff`` writes: file name, band description.
WORLD_LAYERS = {
    "coverage.tif": "fixed-sensor coverage: detection hazard per hour of an exposed person (rate x concealment)",
    "blind_spots.tif": "blind spots: 1 where border-zone coverage is below the blind-spot threshold, else 0",
    "border_zone.tif": "border zone: 2 on the border line, 1 elsewhere in the zone, 0 outside",
}


def write_world_layers(world: World, out_dir: Path) -> list[Path]:
    """Coverage, blind spots and the border zone of a world as GeoTIFFs in ``out_dir`` (see :data:`WORLD_LAYERS`),
    and its places as vector layers (:func:`write_place_layers`)."""
    out_dir = Path(out_dir)
    zone = world.zone_mask.astype(np.uint8)
    zone[world.border_mask] = 2
    arrays = {
        "coverage.tif": np.asarray(world.coverage, dtype=np.float32),
        "blind_spots.tif": world.blind_spot_mask.astype(np.uint8),
        "border_zone.tif": zone,
    }
    rasters = [
        write_geotiff(out_dir / name, arrays[name], world, description=text) for name, text in WORLD_LAYERS.items()
    ]
    return rasters + write_place_layers(world, out_dir)


def feature_collection(features: list[dict], frame: GeoFrame | None) -> dict:
    """A GeoJSON FeatureCollection: as RFC 7946 (longitude and latitude, no ``crs``) for a world placed on Earth,
    else with a ``crs`` member naming the local engineering CRS (:data:`LOCAL_CRS_WKT`)."""
    collection: dict[str, Any] = {"type": "FeatureCollection"}
    if frame is None:
        collection["crs"] = {"type": "name", "properties": {"name": LOCAL_CRS_WKT}}
    collection["features"] = features
    return collection


def _output_xy(xs: Any, ys: Any, frame: GeoFrame | None) -> tuple[np.ndarray, np.ndarray, int]:
    """Model km as written: longitude and latitude with a frame, else local metres; and the digits kept."""
    xs, ys = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    if frame is not None:
        lon, lat = frame.from_local_km(xs, ys, LONLAT)
        return lon, lat, 7  # about 1 cm
    return xs * 1000.0, -ys * 1000.0, 2


def _point(x: float, y: float, digits: int) -> dict:
    return {"type": "Point", "coordinates": [round(float(x), digits), round(float(y), digits)]}


def crossings_geojson(records: list[dict], frame: GeoFrame | None) -> dict:
    """A run's crossing records as a GeoJSON FeatureCollection of points, the records as properties.

    With a frame the points are WGS 84 longitude and latitude (RFC 7946); without one they are in the local
    engineering CRS (metres east and north of the map's north-west corner), declared in the ``crs`` member.
    """
    px, py, digits = _output_xy([r["x_km"] for r in records], [r["y_km"] for r in records], frame)
    features = [
        {"type": "Feature", "geometry": _point(x, y, digits), "properties": record}
        for record, x, y in zip(records, px, py, strict=True)
    ]
    return feature_collection(features, frame)


#: The vector layers of :func:`write_place_layers`: file name, what its features are.
PLACE_LAYERS = {
    "sensors.geojson": "fixed sensors as points: kind, agency, range_m, mast_height_m, detection rate, auto_sited",
    "sensor_ranges.geojson": "each fixed sensor's range as a polygon (a circle of range_m), with the same properties",
    "ports.geojson": "ports of entry as points: name, lanes, agency",
    "staging.geojson": "staging areas as points: name, weight",
    "destinations.geojson": "destinations as points: name, weight",
}
#: Segments per quarter circle of a sensor's range polygon.
RANGE_QUARTER_SEGMENTS = 16


def write_place_layers(world: World, out_dir: Path) -> list[Path]:
    """The world's sensors (with their ranges), ports, staging areas and destinations as GeoJSON layers in
    ``out_dir`` (see :data:`PLACE_LAYERS`), in longitude and latitude or in the local engineering CRS as
    :func:`feature_collection` says. Places stand where the scenario puts them; towers sited automatically
    (``surveillance.extra_towers``) stand at their cell's centre and carry ``auto_sited = true``."""
    import json

    s = world.scenario
    declared = [position_to_km(x.at, s.terrain.positions, world.geo) for x in s.surveillance.sensors]
    sensor_km = declared + [world.km_of(site.cell) for site in world.sensors[len(declared) :]]
    sensor_props = [
        {
            "kind": site.kind,
            "agency": site.agency,
            "range_m": site.range_m,
            "mast_height_m": site.mast_height_m,
            "detection_rate_per_hour": site.detection_rate_per_hour,
            "auto_sited": site.auto_sited,
        }
        for site in world.sensors
    ]
    ranges = [_range_polygon(xy, site.range_m, world.geo) for xy, site in zip(sensor_km, world.sensors, strict=True)]
    layers = {
        "sensors.geojson": _points(sensor_km, sensor_props, world.geo),
        "sensor_ranges.geojson": feature_collection(
            [{"type": "Feature", "geometry": g, "properties": p} for g, p in zip(ranges, sensor_props, strict=True)],
            world.geo,
        ),
        "ports.geojson": _points(
            [position_to_km(p.at, s.terrain.positions, world.geo) for p in s.ports],
            [{"name": p.name, "lanes": p.lanes, "agency": p.agency} for p in s.ports],
            world.geo,
        ),
        "staging.geojson": _points(
            [position_to_km(p.at, s.terrain.positions, world.geo) for p in s.staging],
            [{"name": p.name, "weight": p.weight} for p in s.staging],
            world.geo,
        ),
        "destinations.geojson": _points(
            [position_to_km(p.at, s.terrain.positions, world.geo) for p in s.destinations],
            [{"name": p.name, "weight": p.weight} for p in s.destinations],
            world.geo,
        ),
    }
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, collection in layers.items():
        (out_dir / name).write_text(json.dumps(collection) + "\n", encoding="utf-8")
        written.append(out_dir / name)
    return written


def _points(km: list[tuple[float, float]], properties: list[dict], frame: GeoFrame | None) -> dict:
    xs, ys, digits = _output_xy([x for x, _ in km], [y for _, y in km], frame)
    features = [
        {"type": "Feature", "geometry": _point(x, y, digits), "properties": p}
        for x, y, p in zip(xs, ys, properties, strict=True)
    ]
    return feature_collection(features, frame)


def _range_polygon(km: tuple[float, float], range_m: float, frame: GeoFrame | None) -> dict:
    """A circle of ``range_m`` around a position as a GeoJSON polygon: drawn in metres (the frame's projected CRS,
    or the local frame, both north up), then written as :func:`_output_xy` writes points; the ring runs
    counter-clockwise, as RFC 7946 asks."""
    from shapely.geometry import Point
    from shapely.geometry.polygon import orient

    x_m, y_m = 1000.0 * km[0], -1000.0 * km[1]
    circle = orient(Point(x_m, y_m).buffer(range_m, quad_segs=RANGE_QUARTER_SEGMENTS), sign=1.0)
    ring = np.asarray(circle.exterior.coords)
    xs, ys, digits = _output_xy(ring[:, 0] / 1000.0, -ring[:, 1] / 1000.0, frame)
    coords = [[round(float(x), digits), round(float(y), digits)] for x, y in zip(xs, ys, strict=True)]
    coords[-1] = coords[0]  # rounding keeps the ring closed
    return {"type": "Polygon", "coordinates": [coords]}


def density_grid(x_km: np.ndarray, y_km: np.ndarray, shape: tuple[int, int], cell_km: float, runs: int) -> np.ndarray:
    """Events per cell per run (float32): positions in km binned onto the grid, divided by the number of runs."""
    height, width = shape
    rows = np.clip(np.floor(np.asarray(y_km, dtype=np.float64) / cell_km).astype(np.int64), 0, height - 1)
    cols = np.clip(np.floor(np.asarray(x_km, dtype=np.float64) / cell_km).astype(np.int64), 0, width - 1)
    counts = np.zeros(shape, dtype=np.float64)
    np.add.at(counts, (rows, cols), 1.0)
    return (counts / max(runs, 1)).astype(np.float32)
