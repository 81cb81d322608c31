"""The ``[terrain]`` table (with ``[terrain.procedural]``): where the land comes from and its land covers.

Its checks: the grid's size before anything is built, a procedural map's extent, the keys each source
needs or refuses (ASCII map, raster files, GeoTIFF keys) and the land-cover table.
"""

from __future__ import annotations

import copy
import itertools
import math
from dataclasses import dataclass
from typing import Any

from sim.scenario.bounds import (
    MAX_CELLS,
    MAX_ELEVATION_M,
    MAX_EXTENT_KM,
    MAX_HAZARD_PER_HOUR,
    MAX_SPEED_FACTOR,
    MIN_ELEVATION_M,
    MIN_SPEED_FACTOR,
)
from sim.scenario.places import Sector, check_sector
from sim.schema import INPUT, Builder, spec

LAND_COVERS = ("open", "desert", "scrub", "forest", "mountain", "water", "road", "urban")

#: Properties of a land cover for people on foot (``terrain.land_cover``).
LAND_COVER_PROPERTIES = ("speed_factor", "concealment", "exposure_per_hour")

#: Default ``terrain.land_cover``: walking speed factor relative to open flat ground (0 impassable),
#: concealment (multiplier on detection hazards) and exposure hazard of death per person-hour on foot,
#: by land cover. Sources in :mod:`sim.world.terrain`.
LAND_COVER_TABLE = {
    "open": {"speed_factor": 1.0, "concealment": 1.0, "exposure_per_hour": 1e-6},
    "desert": {"speed_factor": 0.8, "concealment": 1.0, "exposure_per_hour": 2e-5},
    "scrub": {"speed_factor": 0.7, "concealment": 0.6, "exposure_per_hour": 1e-6},
    "forest": {"speed_factor": 0.5, "concealment": 0.35, "exposure_per_hour": 1e-6},
    "mountain": {"speed_factor": 0.35, "concealment": 0.5, "exposure_per_hour": 1.5e-5},
    "water": {"speed_factor": 0.0, "concealment": 0.8, "exposure_per_hour": 3e-4},
    "road": {"speed_factor": 1.2, "concealment": 1.0, "exposure_per_hour": 1e-6},
    "urban": {"speed_factor": 0.9, "concealment": 0.5, "exposure_per_hour": 1e-6},
}

#: Largest value of each land-cover property, and what the property is (``terrain.land_cover``).
LAND_COVER_MAXIMA = {
    "speed_factor": (MAX_SPEED_FACTOR, "a factor on walking speed over open flat ground"),
    "concealment": (1.0, "a factor on detection hazards"),
    "exposure_per_hour": (MAX_HAZARD_PER_HOUR, "hazard of death per person-hour on foot"),
}


#: Kinds of a procedural sector (``[[terrain.procedural.sectors]]``).
SECTOR_KINDS = ("desert", "mountains", "river", "plain")


@dataclass(frozen=True)
class ProceduralSector:
    x_km: Sector = spec(
        doc="West-east stretch [x_min_km, x_max_km] of the map this sector's landscape covers.", unit="km", source=INPUT
    )
    kind: str = spec(
        doc=(
            "Landscape of the stretch: desert (a basin at 700 m, desert ground, sparse scrub), mountains (ranges "
            "along the stretch, one ridge of ridge_height_m every 10 km, on a 900 m base), river (a valley at 150 m "
            "with farmland and riverside woods, and a river of river_width_m along the border line in a 'row' "
            "border, waded as the border river) or plain (open ground at 300 m with woods)."
        ),
        choices=SECTOR_KINDS,
        source=INPUT,
    )


@dataclass(frozen=True)
class Procedural:
    kind: str = spec(
        "desert",
        doc="Landscape family: desert basin with mountain ridges, or a river valley with farmland.",
        choices=("desert", "river", "plain"),
        source=INPUT,
    )
    ridges: int = spec(3, doc="Number of mountain ridges.", ge=0, le=20, source=INPUT)
    ridge_height_m: float = spec(
        600.0, doc="Peak height of ridges above the plain.", unit="m", ge=0, source=INPUT, le=MAX_ELEVATION_M
    )
    roughness: float = spec(0.5, doc="Amplitude of small-scale relief (0 flat, 1 rugged).", ge=0, le=1, source=INPUT)
    river: bool = spec(False, doc="Carve a meandering west-east river.", source=INPUT)
    river_width_m: float = spec(
        2000.0,
        doc=(
            "Width of the river with its banks. The map draws at least one "
            "cell in every column, and joins the columns so the river is one body of water."
        ),
        unit="m",
        gt=0,
        le=20_000,
        source="assumption: a broad lowland river with its banks",
    )
    roads: int = spec(
        1, doc="Number of north-south highways (the first passes the first port).", ge=0, le=10, source=INPUT
    )
    towns: int = spec(1, doc="Number of towns (urban patches).", ge=0, le=20, source=INPUT)
    forest_share: float = spec(0.05, doc="Share of land covered by forest/scrub patches.", ge=0, le=0.9, source=INPUT)
    sectors: list[ProceduralSector] = spec(
        default_factory=list,
        doc=(
            "Optional [[terrain.procedural.sectors]] tables: west-east stretches of the map, each with its own "
            "landscape, blended over 10 km at their edges; the map's kind holds outside them. A whole border of "
            "several sectors of different character (national_border)."
        ),
    )


@dataclass(frozen=True)
class Terrain:
    source: str = spec(
        doc=(
            "Where the land comes from: an ASCII map in this file, a seeded generator, raster files without "
            "coordinates (.npy, .csv), or GeoTIFF files placed on Earth (see docs/geodata.md)."
        ),
        choices=("ascii", "procedural", "raster", "geotiff"),
        source=INPUT,
    )
    cell_m: float = spec(1000.0, doc="Side of one grid cell.", unit="m", ge=10, le=100_000, source=INPUT)
    width_km: float | None = spec(
        None,
        doc=(
            "West-east extent of a procedural map (required for procedural; not allowed for ascii/raster, whose "
            "extent is their number of columns times cell_m). The grid has width_km / cell_m columns, rounded up."
        ),
        unit="km",
        gt=0,
        source=INPUT,
        le=MAX_EXTENT_KM,
    )
    height_km: float | None = spec(
        None,
        doc="North-south extent of a procedural map (as width_km; the grid has height_km / cell_m rows, rounded up).",
        unit="km",
        gt=0,
        source=INPUT,
        le=MAX_EXTENT_KM,
    )
    seed: int = spec(
        1,
        doc="Seed of the procedural generator (the same seed gives the same land, whatever cell_m).",
        ge=0,
        source=INPUT,
    )
    ascii: str = spec(
        "",
        doc=(
            "ASCII map, one character a cell: '.' open, ':' desert, '\"' scrub, 'T' forest, '^' mountain, "
            "'~' water, '#' road, 'U' urban, '=' the border line (it takes the elevation and land cover of the "
            "cells around it). Rows top (north) to bottom."
        ),
        source=INPUT,
    )
    ascii_elevation_m: dict[str, float] = spec(
        default_factory=dict,
        doc="Elevation per ASCII character (defaults: mountain 800, others 0-100).",
        unit="m",
        ge=MIN_ELEVATION_M,
        le=MAX_ELEVATION_M,
        source=INPUT,
    )
    elevation_file: str = spec(
        "",
        doc=(
            "Raster or GeoTIFF source: elevation in metres (.npy or .csv for 'raster', a GeoTIFF with a CRS for "
            "'geotiff', where it defines the map's extent), relative to this file."
        ),
        source=INPUT,
    )
    landcover_file: str = spec(
        "",
        doc=(
            "Raster or GeoTIFF source: land-cover codes, bordersim's 0-7 (open, desert, scrub, forest, mountain, "
            "water, road, urban) or, for 'geotiff', any codes mapped by landcover_codes. A GeoTIFF must cover the "
            "elevation GeoTIFF (a larger one is cropped)."
        ),
        source=INPUT,
    )
    landcover_codes: dict[str, str] = spec(
        default_factory=dict,
        doc=(
            "GeoTIFF source: the land-cover raster's codes mapped to bordersim's land covers, e.g. for ESA "
            'WorldCover { "10" = "forest", "20" = "scrub", "30" = "open", "40" = "open", "50" = "urban", '
            '"60" = "desert", "80" = "water" } (docs/geodata.md has a full table). Empty: the raster holds '
            "bordersim's codes 0-7."
        ),
        source=INPUT,
    )
    water_share: float = spec(
        0.25,
        doc=(
            "GeoTIFF source, when land cover is coarsened (a model cell spans more than 1.5 land-cover pixels): a "
            "cell is water if at least this share of its area is water pixels, or if water is its most common "
            "class; a cell whose most common class is road stays road (a bridge). With 0.25 a channel at least "
            "1.05 cells wide stays one 8-connected body at any angle (the most common class alone needs 1.45 "
            "cells); 1 keeps the most common class alone (docs/geodata.md)."
        ),
        source="assumption",
        gt=0,
        le=1,
    )
    crs: str = spec(
        "",
        doc=(
            "GeoTIFF source: the projected coordinate reference system (in metres) of the model's grid, e.g. "
            "'EPSG:32613'; the rasters are reprojected onto it. Empty: the UTM zone (WGS 84) of the elevation "
            "raster's centre."
        ),
        source=INPUT,
    )
    positions: str = spec(
        "km",
        doc=(
            "How the positions of places and sensors (ports, staging, destinations, tunnels' ends, sensors' at) "
            "are given: 'km' [x_km, y_km] east and south of the map's north-west corner; 'lonlat' [longitude, "
            "latitude] in degrees (WGS 84); 'crs' [easting, northing] in terrain.crs. 'lonlat' and 'crs' need "
            "terrain.source = 'geotiff'. border.origin_point is given in the same way; border.y_km and patrols.sector "
            "stay in km."
        ),
        choices=("km", "lonlat", "crs"),
        source=INPUT,
    )
    river_wading_speed_factor: float = spec(
        0.15,
        doc=(
            "Walking speed factor (relative to open flat ground) in the border river's water cells: the water "
            "body the border line runs in (border.mode = 'river', a 'geojson' line along a river, or the river of a "
            "procedural river sector; water cells 8-connected to water cells of the line): people wade and swim "
            "across; elsewhere water is impassable."
        ),
        source="assumption",
        ge=MIN_SPEED_FACTOR,
        le=1,
    )
    steep_exposure_per_hour: float = spec(
        2e-5,
        doc=(
            "Hazard of death per person-hour on foot added by slope, rising linearly to this value at a 50 % "
            "grade and staying there on steeper ground (falls, exhaustion)."
        ),
        unit="per hour",
        source="assumption: the desert's heat hazard (calibrated, see terrain.land_cover)",
        ge=0,
        le=MAX_HAZARD_PER_HOUR,
    )
    land_cover: dict[str, dict[str, float]] = spec(
        default_factory=lambda: copy.deepcopy(LAND_COVER_TABLE),
        doc=(
            "Properties of each land cover for people on foot: speed_factor (walking speed relative to open flat "
            "ground; 0 impassable), concealment (factor on every detection hazard, 0 to 1) and exposure_per_hour "
            "(hazard of death per person-hour on foot), e.g. land_cover.desert = { exposure_per_hour = 4e-4 }. "
            "Land covers and properties left out keep their defaults (the table below)."
        ),
        source=(
            "speed: terrain coefficients (Soule & Goldman 1972); exposure: relative values from the desert and "
            "river death series (Eschbach et al. 1999; GAO-06-770), level calibrated to 0.29 recorded deaths per "
            "1,000 encounters (IOM 2022 / CBP FY2022) in desert_sector; concealment: assumption"
        ),
        ge=0,
    )
    procedural: Procedural = spec(default_factory=Procedural, doc="Parameters of the procedural generator.")

    def land_cover_value(self, name: str, prop: str) -> float:
        """``land_cover[name][prop]``, its default when the table leaves it out."""
        return self.land_cover.get(name, {}).get(prop, LAND_COVER_TABLE[name][prop])


def grid_cells(extent_km: float, cell_m: float) -> int:
    """Cells of ``cell_m`` metres needed to cover ``extent_km`` (rounded up; an exact fit is not rounded)."""
    return max(1, math.ceil(extent_km * 1000.0 / cell_m - 1e-6))


def procedural_shape(t: Terrain) -> tuple[int, int]:
    """(rows, columns) of a procedural map: its extent in km over the cell size, rounded up."""
    assert t.width_km is not None and t.height_km is not None
    return grid_cells(t.height_km, t.cell_m), grid_cells(t.width_km, t.cell_m)


def check_grid_size(raw: dict, builder: Builder) -> None:
    """Refuse grids that would eat the machine before anything is parsed or allocated (``raw``: the whole file)."""
    terrain = raw.get("terrain")
    if not isinstance(terrain, dict):
        return
    width_km, height_km, cell_m = terrain.get("width_km"), terrain.get("height_km"), terrain.get("cell_m", 1000.0)
    if all(_positive_number(v) for v in (width_km, height_km, cell_m)):
        cols, rows = grid_cells(width_km, cell_m), grid_cells(height_km, cell_m)
        if cols * rows > MAX_CELLS:
            builder.fail(
                "terrain.width_km",
                f"a {width_km:.10g} x {height_km:.10g} km map of {cell_m:.10g} m cells has {cols:,} x {rows:,} = "
                f"{cols * rows:,} cells; at most {MAX_CELLS:,} are allowed (about {MAX_CELLS * 25 // 1_000_000} MB "
                "of layers). Use larger cells (terrain.cell_m) or a smaller map.",
            )
    text = terrain.get("ascii", "")
    if isinstance(text, str) and len(text) > MAX_CELLS * 2:
        builder.fail(
            "terrain.ascii", f"the ASCII map has {len(text):,} characters; at most {MAX_CELLS:,} cells are allowed"
        )


def _positive_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value > 0


def check_terrain_extent(t: Terrain, b: Builder) -> None:
    """A procedural map has its extent in km, at least 4 cells each way; the other sources take theirs from
    their cells."""
    if t.source == "procedural":
        missing = [k for k in ("width_km", "height_km") if getattr(t, k) is None]
        if missing:
            b.fail(
                f"terrain.{missing[0]}",
                "terrain.source is 'procedural' but the map's extent is missing; give terrain.width_km and "
                "terrain.height_km (km)",
            )
        else:
            rows, cols = procedural_shape(t)
            if rows < 4 or cols < 4:
                b.fail(
                    "terrain.width_km",
                    f"a {t.width_km:g} x {t.height_km:g} km map of {t.cell_m:g} m cells is {cols} x {rows} cells; "
                    "a procedural map needs at least 4 cells each way (smaller cells or a larger map)",
                )
    else:
        for key in ("width_km", "height_km"):
            if getattr(t, key) is not None:
                b.fail(
                    f"terrain.{key}",
                    f"given {getattr(t, key):g} but terrain.source is {t.source!r}, whose extent is its number of "
                    "cells times terrain.cell_m; remove the key (allowed only for 'procedural')",
                )


def check_procedural_sectors(t: Terrain, b: Builder) -> None:
    """Procedural sectors are given only for a procedural map, each running west to east inside it, none
    overlapping another."""
    sectors = t.procedural.sectors
    if sectors and t.source != "procedural":
        b.fail(
            "terrain.procedural.sectors",
            f"given {len(sectors)} sectors but terrain.source is {t.source!r}; allowed only with 'procedural'",
        )
        return
    for i, sector in enumerate(sectors):
        key = f"terrain.procedural.sectors[{i}].x_km"
        check_sector(sector.x_km, key, b)
        if t.width_km is not None and (sector.x_km[0] < 0 or sector.x_km[1] > t.width_km):
            b.fail(key, f"given {list(sector.x_km)}; allowed: within the map, 0 to terrain.width_km = {t.width_km:g}")
    ordered = sorted(range(len(sectors)), key=lambda i: sectors[i].x_km[0])
    for a, c in itertools.pairwise(ordered):
        if sectors[c].x_km[0] < sectors[a].x_km[1]:
            b.fail(
                f"terrain.procedural.sectors[{c}].x_km",
                f"given {list(sectors[c].x_km)}, which overlaps sectors[{a}] {list(sectors[a].x_km)}; allowed: "
                "stretches that do not overlap",
            )


def check_terrain_source(t: Terrain, b: Builder) -> None:
    """Each source has what it reads (an ASCII map, raster files, an elevation GeoTIFF); the GeoTIFF keys are
    given only for a GeoTIFF source, with a land-cover table of whole codes to land covers."""
    if t.source == "ascii" and not t.ascii.strip():
        b.fail(
            "terrain.ascii", "terrain.source is 'ascii' but terrain.ascii is empty; give the map as a multi-line string"
        )
    if t.source == "raster" and not t.elevation_file and not t.landcover_file:
        b.fail(
            "terrain.elevation_file",
            "terrain.source is 'raster' but neither elevation_file nor landcover_file is given",
        )
    if t.source == "geotiff" and not t.elevation_file:
        b.fail(
            "terrain.elevation_file",
            "terrain.source is 'geotiff' but no elevation_file is given; the elevation GeoTIFF defines the map",
        )
    if t.source != "geotiff":
        given = [k for k in ("landcover_codes", "crs") if getattr(t, k)] + (["positions"] * (t.positions != "km"))
        for key in given:
            b.fail(
                f"terrain.{key}",
                f"given {getattr(t, key)!r} but terrain.source is {t.source!r}; allowed only with terrain.source = "
                "'geotiff' (a map placed on Earth): remove it",
            )
    if t.landcover_codes and not t.landcover_file:
        b.fail("terrain.landcover_codes", "given, but terrain.landcover_file is not: there are no codes to map")
    for code, name in t.landcover_codes.items():
        if not (code.isascii() and code.isdigit()):
            b.fail(
                f"terrain.landcover_codes.{code}",
                f'given the code {code!r}; allowed: whole numbers 0 or more, as the raster holds them, e.g. "10"',
            )
        if name not in LAND_COVERS:
            b.fail(
                f"terrain.landcover_codes.{code}",
                f"given {name!r}; allowed: one of {', '.join(map(repr, LAND_COVERS))}",
            )


def check_land_cover(t: Terrain, b: Builder) -> None:
    """``terrain.land_cover`` names known land covers and properties, each within its bound."""
    for name, props in t.land_cover.items():
        if name not in LAND_COVERS:
            b.fail(f"terrain.land_cover.{name}", f"unknown land cover {name!r}; allowed: {', '.join(LAND_COVERS)}")
            continue
        for prop, value in props.items():
            if prop not in LAND_COVER_PROPERTIES:
                b.fail(
                    f"terrain.land_cover.{name}.{prop}",
                    f"unknown property {prop!r}; allowed: {', '.join(LAND_COVER_PROPERTIES)}",
                )
            elif isinstance(value, float) and value > LAND_COVER_MAXIMA[prop][0]:
                top, what = LAND_COVER_MAXIMA[prop]
                b.fail(
                    f"terrain.land_cover.{name}.{prop}",
                    f"given {value:g}, out of range; allowed: a number >= 0 and <= {top:g} ({what})",
                )
