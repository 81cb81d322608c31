"""Terrain rasters: elevation, land cover and what follows from them for people on foot.

Four sources give the land (``terrain.source``):

- ``ascii``: a map in the scenario file, one character a cell (readable in a classroom);
- ``procedural``: a seeded generator of basins, mountain ridges, a meandering river, highways and
  towns, working in km (the same ``terrain.seed`` always gives the same land, at any cell size);
- ``raster``: ``.npy`` or ``.csv`` files of elevation (m) and land-cover codes;
- ``geotiff``: GeoTIFF files of elevation and land cover placed on Earth, reprojected onto a grid in a
  projected CRS (:mod:`sim.world.geo`, which also keeps the grid's :class:`~sim.world.geo.GeoFrame`).

From elevation and land cover :func:`build_terrain` derives the layers the model reads:
walking speed factor (land cover times Tobler's hiking function of the slope), concealment
(a multiplier on every detection hazard), exposure hazard (deaths per person-hour on foot) and
passability. Arrays are indexed ``[row, col]``, row 0 north (see :mod:`sim.world`).

Land-cover parameters (defaults of the scenario key ``terrain.land_cover``, in :data:`LAND_COVER`) and
where they come from:

- *Speed factors* relative to open ground follow the terrain coefficients used in military and
  search-and-rescue mobility tables (e.g. Soule & Goldman 1972, "Terrain coefficients for energy
  cost prediction"; roads about 1.2, loose sand about 0.8, brush 0.7, forest 0.5, broken
  mountain ground about 0.35). Water is impassable on foot, except the border river: the water body
  the border line runs in (water cells 8-connected to water cells of the line, :func:`border_river`,
  in ``border.mode = "river"``, the river the line is drawn along, and ``"geojson"``, and the river of a
  procedural river sector; otherwise a straight or ASCII line is not taken to run in water). People wade or
  swim it slowly (0.15, ``terrain.river_wading_speed_factor``).
- *Concealment* multiplies a detector's rate: cover hides people from cameras and radar-cued
  cameras (forest 0.35, scrub 0.6), broken ground and buildings give partial cover (0.5), open
  ground, desert and roads none (1.0); people in water are conspicuous but low (0.8).
- *Exposure hazard* per person-hour on foot: the relative values follow the death series (Eschbach et
  al. 1999, "Death at the border"; GAO-06-770): heat in the desert and cold and falls in the mountains
  kill more than other ground, drowning most of all, and steep ground adds up to
  ``terrain.steep_exposure_per_hour`` at grades of 50 % and more. The level is calibrated to the
  field's deaths per apprehension: 686 recorded deaths on the US-Mexico border (IOM Missing Migrants,
  2022) over about 2.4 million encounters (CBP, FY2022), 0.29 per 1,000. With ``desert_sector``'s
  walks (the crossing stretch, mostly at night) and its apprehension share, 2e-5 per hour in desert,
  1.5e-5 in mountains, 3e-4 in water and 1e-6 elsewhere give about 0.36 expected deaths per 1,000
  apprehended people (``tests/validation/test_deaths_field_range.py``). Recorded deaths undercount
  (remains are never found), so the true hazard may be a few times higher; ``victims.exposure_scale``
  scales it.
"""

from __future__ import annotations

import dataclasses
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage

from sim.scenario import LAND_COVER_TABLE, LAND_COVERS, MAX_CELLS, Scenario, Terrain, procedural_shape
from sim.schema import InputError, Problem
from sim.world.geo import GeoFrame, load_geotiff_terrain


@dataclass(frozen=True)
class LandCover:
    """Properties of one land-cover class for people on foot."""

    code: int
    name: str
    char: str  # ASCII map character
    speed_factor: float  # walking speed relative to open flat ground
    concealment: float  # multiplier on detection hazard (1 = fully exposed)
    exposure_per_hour: float  # hazard of death per person-hour on foot
    default_elevation_m: float  # elevation of an ASCII cell of this class unless the scenario says otherwise


def _land_cover(code: int, char: str, default_elevation_m: float) -> LandCover:
    name = LAND_COVERS[code]
    return LandCover(code, name, char, **LAND_COVER_TABLE[name], default_elevation_m=default_elevation_m)


#: Land-cover classes, in the order of :data:`sim.scenario.LAND_COVERS` (index = code), with the default
#: properties of ``terrain.land_cover`` (a scenario may change them).
LAND_COVER: tuple[LandCover, ...] = (
    _land_cover(0, ".", 100.0),
    _land_cover(1, ":", 100.0),
    _land_cover(2, '"', 100.0),
    _land_cover(3, "T", 150.0),
    _land_cover(4, "^", 800.0),
    _land_cover(5, "~", 80.0),
    _land_cover(6, "#", 100.0),
    _land_cover(7, "U", 100.0),
)
assert tuple(lc.name for lc in LAND_COVER) == LAND_COVERS

OPEN, DESERT, SCRUB, FOREST, MOUNTAIN, WATER, ROAD, URBAN = range(8)

_TERRAIN_DEFAULTS = {f.name: f.default for f in dataclasses.fields(Terrain)}
#: ASCII character of a border cell (open ground under the line).
BORDER_CHAR = "="

_CHAR_CODE = {lc.char: lc.code for lc in LAND_COVER} | {BORDER_CHAR: OPEN}
_ALLOWED_CHARS = "".join(lc.char for lc in LAND_COVER) + BORDER_CHAR


def land_cover_arrays(table: dict[str, dict[str, float]] | None = None) -> dict[str, np.ndarray]:
    """Each land-cover property as an array indexed by code, from ``terrain.land_cover`` (defaults filled)."""
    table = table or {}
    return {
        prop: np.array([table.get(lc.name, {}).get(prop, getattr(lc, prop)) for lc in LAND_COVER], dtype=np.float32)
        for prop in ("speed_factor", "concealment", "exposure_per_hour")
    }


@dataclass
class TerrainLayers:
    """The land of a scenario as rasters of shape ``(height, width)``, row 0 north."""

    elevation: np.ndarray  # float32, m above sea level
    landcover: np.ndarray  # int8 codes into LAND_COVER
    speed_factor: np.ndarray  # float32, walking speed relative to open flat ground (0 = impassable)
    concealment: np.ndarray  # float32, multiplier on detection hazards, 0..1
    exposure: np.ndarray  # float32, hazard of death per person-hour on foot
    passable: np.ndarray  # bool
    cell_km: float
    river_mask: np.ndarray | None = None  # bool, the map's river (bridges included), or once the border is drawn
    # (:func:`with_border_river`) the border river; None if none
    ascii_border: np.ndarray | None = None  # bool, '=' cells of an ASCII map
    geo: GeoFrame | None = None  # where the grid lies on Earth (GeoTIFF maps only)

    @property
    def shape(self) -> tuple[int, int]:
        return int(self.elevation.shape[0]), int(self.elevation.shape[1])


def build_terrain(scenario: Scenario, base_dir: str | Path = ".", file: str = "<scenario>") -> TerrainLayers:
    """Build the terrain layers of a scenario (no water waded yet: :func:`with_border_river` does that
    once the border line is drawn).

    Args:
        scenario: a validated scenario.
        base_dir: folder that raster file names are relative to (the scenario file's folder).
        file: scenario file name, for error messages.

    Raises:
        InputError: malformed ASCII map, unreadable or inconsistent raster files, or a grid over
            :data:`sim.scenario.MAX_CELLS` cells.
    """
    t = scenario.terrain
    ascii_border = geo = None
    if t.source == "ascii":
        elevation, landcover, ascii_border = parse_ascii(t.ascii, t.ascii_elevation_m, file)
        river = _largest_water_body(landcover)
    elif t.source == "raster":
        elevation, landcover = load_rasters(t, Path(base_dir), file)
        river = _largest_water_body(landcover)
    elif t.source == "geotiff":
        elevation, landcover, geo = load_geotiff_terrain(t, Path(base_dir), file)
        river = _largest_water_body(landcover)
    else:
        elevation, landcover, river = generate_procedural(scenario)
    layers = derive_layers(
        elevation,
        landcover,
        cell_km=t.cell_m / 1000.0,
        river_mask=river,
        ascii_border=ascii_border,
        river_wading_speed_factor=t.river_wading_speed_factor,
        steep_exposure_per_hour=t.steep_exposure_per_hour,
        land_cover=t.land_cover,
    )
    layers.geo = geo
    return layers


def derive_layers(
    elevation: np.ndarray,
    landcover: np.ndarray,
    *,
    cell_km: float,
    river_mask: np.ndarray | None = None,
    border_river: np.ndarray | None = None,
    ascii_border: np.ndarray | None = None,
    river_wading_speed_factor: float = _TERRAIN_DEFAULTS["river_wading_speed_factor"],
    steep_exposure_per_hour: float = _TERRAIN_DEFAULTS["steep_exposure_per_hour"],
    land_cover: dict[str, dict[str, float]] | None = None,
) -> TerrainLayers:
    """Speed, concealment, exposure and passability from elevation and land cover.

    ``river_wading_speed_factor``, ``steep_exposure_per_hour`` and ``land_cover`` are the ``terrain`` keys
    of the same names (their defaults when left out; a partial ``land_cover`` keeps the other defaults).
    ``border_river`` (bool) marks the border river: its water is waded at ``river_wading_speed_factor``;
    other water is impassable. ``river_mask`` is kept as the layers' river.

    Slope slows walking after Tobler (1993, "Three presentations on geographical analysis and
    modeling"): ``v = 6 exp(-3.5 |s + 0.05|)`` km/h for a gradient ``s``. A raster cell is crossed
    in any direction, so the factor is the mean of the uphill and downhill speeds relative to flat
    ground (1 on the flat, 0.71 at 10 %, 0.17 at 50 %).
    """
    elevation = np.asarray(elevation, dtype=np.float32)
    landcover = np.asarray(landcover, dtype=np.int8)
    slope = slope_grade(elevation, cell_km * 1000.0)
    slope = slope.astype(np.float64)
    tobler = 0.5 * (np.exp(-3.5 * (np.abs(slope + 0.05) - 0.05)) + np.exp(-3.5 * (np.abs(0.05 - slope) - 0.05)))
    cover = land_cover_arrays(land_cover)
    speed = cover["speed_factor"][landcover] * tobler.astype(np.float32)
    exposure = cover["exposure_per_hour"][landcover] + np.float32(steep_exposure_per_hour) * np.clip(
        slope / 0.5, 0.0, 1.0
    )
    if border_river is not None:
        wading = border_river & (landcover == WATER)
        speed = np.where(wading, np.float32(river_wading_speed_factor), speed)
    passable = speed > 0
    exposure = np.where(passable, exposure, np.float32(0.0))
    return TerrainLayers(
        elevation=elevation,
        landcover=landcover,
        speed_factor=speed.astype(np.float32),
        concealment=cover["concealment"][landcover],
        exposure=exposure.astype(np.float32),
        passable=passable,
        cell_km=float(cell_km),
        river_mask=river_mask,
        ascii_border=ascii_border,
    )


def slope_grade(elevation: np.ndarray, cell_m: float) -> np.ndarray:
    """Magnitude of the elevation gradient (rise over run, dimensionless) by central differences."""
    if min(elevation.shape) < 2:
        return np.zeros(elevation.shape, dtype=np.float32)
    gy, gx = np.gradient(elevation.astype(np.float64), cell_m)
    return np.hypot(gx, gy).astype(np.float32)


# --------------------------------------------------------------------------- ASCII maps


def parse_ascii(
    text: str, elevation_by_char: dict[str, float] | None = None, file: str = "<scenario>"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse an ASCII map into (elevation m, land-cover codes, '=' border mask).

    Common leading indentation, trailing spaces and blank lines before and after the map are
    ignored, so the map can be indented inside a TOML multi-line string.

    Raises:
        InputError: ragged rows or unknown characters (naming row and column, 1-based), or an
            elevation given for a character that is not a map character.
    """
    elevation_by_char = dict(elevation_by_char or {})
    lines = [line.rstrip() for line in textwrap.dedent(text.expandtabs(4)).split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    problems = []
    bad_keys = sorted(set(elevation_by_char) - set(_ALLOWED_CHARS))
    if bad_keys:
        problems.append(
            Problem(
                file,
                "terrain.ascii_elevation_m",
                f"given elevations for {', '.join(repr(k) for k in bad_keys)}; allowed keys: the map characters "
                f"{_allowed_chars_text()}",
            )
        )
    if not lines:
        problems.append(Problem(file, "terrain.ascii", "the ASCII map is empty"))
        raise InputError(problems)
    width = len(lines[0])
    if len(lines) * width > MAX_CELLS:
        problems.append(
            Problem(file, "terrain.ascii", f"the map has {len(lines) * width:,} cells; at most {MAX_CELLS:,}")
        )
        raise InputError(problems)
    for r, line in enumerate(lines):
        if len(line) != width:
            col = min(len(line), width) + 1
            problems.append(
                Problem(
                    file,
                    "terrain.ascii",
                    f"row {r + 1} has {len(line)} characters but row 1 has {width} (first difference at column {col}); "
                    "every row must have the same length",
                )
            )
            continue
        for c, ch in enumerate(line):
            if ch not in _CHAR_CODE:
                problems.append(
                    Problem(
                        file,
                        "terrain.ascii",
                        f"row {r + 1}, column {c + 1}: unknown character {ch!r}; allowed: {_allowed_chars_text()}",
                    )
                )
                if len(problems) >= 20:
                    break
        if len(problems) >= 20:
            break
    if problems:
        raise InputError(problems)
    chars = np.array([list(line) for line in lines], dtype="<U1")
    landcover = np.zeros(chars.shape, dtype=np.int8)
    elevation = np.zeros(chars.shape, dtype=np.float32)
    heights = {lc.char: lc.default_elevation_m for lc in LAND_COVER} | {
        BORDER_CHAR: LAND_COVER[OPEN].default_elevation_m
    }
    heights |= {k: float(v) for k, v in elevation_by_char.items()}
    for ch, code in _CHAR_CODE.items():
        where = chars == ch
        landcover[where] = code
        elevation[where] = heights[ch]
    border = chars == BORDER_CHAR
    if border.any() and not border.all():
        elevation, landcover = _border_takes_surroundings(
            elevation, landcover, border, keep_elevation=BORDER_CHAR in elevation_by_char
        )
    return elevation, landcover, border


def _border_takes_surroundings(
    elevation: np.ndarray, landcover: np.ndarray, border: np.ndarray, *, keep_elevation: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The border cells of an ASCII map (``border``, bool) given the land around them instead of a flat strip.

    A border cell's neighbours are the map cells that are not border cells among its eight neighbours; a cell
    with none (inside a line drawn more than one cell thick) takes those of the nearest non-border cell
    (:func:`scipy.ndimage.distance_transform_edt`). Its elevation becomes the mean of its neighbours'
    (unless ``keep_elevation``: the scenario gave the ``'='`` character an elevation, which it keeps), and its
    land cover the class most of its neighbours have (ties to the lower code, open ground first), except water,
    which stays open ground: an ASCII line is not taken to run in water. So a line drawn across a mountain
    range is mountain as high as the range, not a trench through it.
    """
    land = ~border
    kernel = np.ones((3, 3), dtype=np.float64)
    count = ndimage.convolve(land.astype(np.float64), kernel, mode="constant")
    total = ndimage.convolve(np.where(land, elevation, 0.0).astype(np.float64), kernel, mode="constant")
    votes = np.stack(
        [
            ndimage.convolve((land & (landcover == code)).astype(np.float64), kernel, mode="constant")
            for code in range(len(LAND_COVER))
        ]
    )
    votes[WATER] = 0.0
    # a border cell with no land around it takes the values of the nearest border cell that has some
    has_land = count > 0
    _, (near_r, near_c) = ndimage.distance_transform_edt(border & ~has_land, return_indices=True)
    count, total, votes = count[near_r, near_c], total[near_r, near_c], votes[:, near_r, near_c]
    elevation, landcover = elevation.copy(), landcover.copy()
    if not keep_elevation:
        elevation[border] = (total[border] / count[border]).astype(np.float32)
    landcover[border] = np.argmax(votes, axis=0)[border].astype(np.int8)
    return elevation, landcover


def _allowed_chars_text() -> str:
    parts = [f"{lc.char!r} {lc.name}" for lc in LAND_COVER]
    return ", ".join([*parts, f"{BORDER_CHAR!r} border line (takes the land around it)"])


def border_river(landcover: np.ndarray, line: np.ndarray, river: np.ndarray | None = None) -> np.ndarray | None:
    """The water body the border line runs in: water cells 8-connected to water cells of the line (``line``,
    bool), and the cells of the map's river (``river``, bridges included) of which that water is part; None if
    no line cell is water."""
    water = landcover == WATER
    labels, _ = ndimage.label(water, structure=np.ones((3, 3), dtype=bool))
    on_line = np.unique(labels[line & water])
    if on_line.size == 0:
        return None
    wet = np.isin(labels, on_line) & water
    if river is not None and (river & wet).any():
        wet |= river & ~water  # the map's river's bridges
    return wet


def with_border_river(layers: TerrainLayers, line: np.ndarray, t: Terrain) -> TerrainLayers:
    """The layers once the border line (``line``, bool) is drawn: the border river (:func:`border_river`) waded
    at ``t.river_wading_speed_factor`` and kept as ``river_mask``; the same layers with no river if the line
    meets no water."""
    river = border_river(layers.landcover, line, layers.river_mask)
    if river is None:
        return dataclasses.replace(layers, river_mask=None)
    out = derive_layers(
        layers.elevation,
        layers.landcover,
        cell_km=layers.cell_km,
        river_mask=river,
        border_river=river,
        ascii_border=layers.ascii_border,
        river_wading_speed_factor=t.river_wading_speed_factor,
        steep_exposure_per_hour=t.steep_exposure_per_hour,
        land_cover=t.land_cover,
    )
    out.geo = layers.geo
    return out


def _largest_water_body(landcover: np.ndarray) -> np.ndarray | None:
    """The largest 8-connected body of water: the river of an ASCII or raster map (None if no water)."""
    water = landcover == WATER
    if not water.any():
        return None
    labels, n = ndimage.label(water, structure=np.ones((3, 3), dtype=bool))
    sizes = np.bincount(labels.ravel(), minlength=n + 1)
    sizes[0] = 0
    return labels == int(np.argmax(sizes))


# --------------------------------------------------------------------------- raster files


def load_rasters(t: Terrain, base_dir: Path, file: str = "<scenario>") -> tuple[np.ndarray, np.ndarray]:
    """Load elevation and land-cover rasters (either may be missing: flat 0 m, or all open ground)."""
    elevation = landcover = None
    if t.elevation_file:
        elevation = load_raster(base_dir / t.elevation_file, "terrain.elevation_file", file)
    if t.landcover_file:
        raw = load_raster(base_dir / t.landcover_file, "terrain.landcover_file", file)
        landcover = _check_codes(raw, base_dir / t.landcover_file, file)
    if elevation is not None and landcover is not None and elevation.shape != landcover.shape:
        raise InputError(
            [
                Problem(
                    file,
                    "terrain.landcover_file",
                    f"{t.landcover_file} has shape {landcover.shape[0]} x {landcover.shape[1]} (rows x columns) but "
                    f"{t.elevation_file} has {elevation.shape[0]} x {elevation.shape[1]}; they must match",
                )
            ]
        )
    if elevation is None:
        assert landcover is not None  # the schema requires at least one file
        elevation = np.zeros(landcover.shape, dtype=np.float32)
    if landcover is None:
        landcover = np.zeros(elevation.shape, dtype=np.int8)
    return elevation.astype(np.float32), landcover


def load_raster(path: Path, key: str, file: str = "<scenario>") -> np.ndarray:
    """Read a 2-D numeric raster from ``.npy`` or ``.csv`` (comma-separated, no header).

    The size is checked before the data are read: the ``.npy`` header's shape, or the ``.csv``
    file's size in bytes (a cell takes at least two bytes).
    """

    def fail(message: str) -> InputError:
        return InputError([Problem(file, key, f"{path}: {message}")])

    if not path.is_file():
        raise fail("file not found (paths are relative to the scenario file)")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        try:
            with path.open("rb") as fh:
                version = np.lib.format.read_magic(fh)
                reader = (
                    np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
                )
                shape, _, dtype = reader(fh)
        except (ValueError, OSError) as exc:
            raise fail(f"not a valid .npy file ({exc})") from None
        if len(shape) != 2:
            raise fail(f"has {len(shape)} dimensions {tuple(shape)}; a raster must be 2-D (rows x columns)")
        if shape[0] * shape[1] > MAX_CELLS:
            raise fail(f"has {shape[0]} x {shape[1]} cells; at most {MAX_CELLS:,} are allowed")
        if dtype.kind not in "biuf":
            raise fail(f"has data type {dtype}; expected numbers")
        data = np.load(path, allow_pickle=False).astype(np.float64)
    elif suffix == ".csv":
        if path.stat().st_size > MAX_CELLS * 24:
            raise fail(f"is {path.stat().st_size:,} bytes, too large for {MAX_CELLS:,} cells")
        try:
            data = np.loadtxt(path, delimiter=",", ndmin=2, dtype=np.float64)
        except ValueError as exc:
            raise fail(f"non-numeric or ragged data ({exc}); expected comma-separated numbers, no header") from None
        if data.shape[0] * data.shape[1] > MAX_CELLS:
            raise fail(f"has {data.shape[0]} x {data.shape[1]} cells; at most {MAX_CELLS:,} are allowed")
    else:
        raise fail(f"unknown file type {path.suffix!r}; allowed: .npy or .csv")
    if data.size == 0 or min(data.shape) < 2:
        raise fail(f"has shape {data.shape}; a raster needs at least 2 rows and 2 columns")
    if not np.isfinite(data).all():
        r, c = np.argwhere(~np.isfinite(data))[0]
        raise fail(f"row {r + 1}, column {c + 1} is {data[r, c]}; every value must be a finite number")
    return data


def _check_codes(data: np.ndarray, path: Path, file: str) -> np.ndarray:
    bad = (data != np.round(data)) | (data < 0) | (data > len(LAND_COVER) - 1)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        allowed = ", ".join(f"{lc.code} {lc.name}" for lc in LAND_COVER)
        raise InputError(
            [
                Problem(
                    file,
                    "terrain.landcover_file",
                    f"{path}: row {r + 1}, column {c + 1} has unknown land-cover code {data[r, c]:g} "
                    f"({int(bad.sum())} bad cells); allowed codes: {allowed}",
                )
            ]
        )
    return data.astype(np.int8)


# --------------------------------------------------------------------------- procedural generator

_BASE_ELEVATION_M = {"desert": 700.0, "river": 150.0, "plain": 300.0}
#: Correlation lengths (Gaussian sigma) of the small-scale relief and of the forest/scrub patches (km).
_RELIEF_SIGMA_KM = 3.0
_PATCH_SIGMA_KM = 2.0
#: Noise lattices have this many points per correlation length ...
_LATTICE_POINTS_PER_SIGMA = 3.0
#: ... unless the map is so large that a lattice would exceed this many points (the spacing then grows with
#: the map's extent, never with its cell size).
_MAX_LATTICE_POINTS = 2_000_000
#: Spacing of the highway random walk: a step of -1, 0 or +1 km west-east every km north-south.
_ROAD_STEP_KM = 1.0
#: Independent random streams of the generator, one per feature, so that no feature's draws depend on the
#: number of cells or on another feature's count.
_STREAMS = ("relief", "ridges", "patches", "river", "roads", "towns", "sectors")
#: Base level of each kind of procedural sector (``terrain.procedural.sectors``), m.
_SECTOR_BASE_ELEVATION_M = {"desert": 700.0, "mountains": 900.0, "river": 150.0, "plain": 300.0}
#: Sectors blend into their neighbours over this width, centred on their edges (km).
_SECTOR_BLEND_KM = 10.0
#: A mountains sector has one ridge per this many km of its length (at least one).
_SECTOR_KM_PER_RIDGE = 10.0


def generate_procedural(scenario: Scenario) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Seeded landscape: (elevation m, land-cover codes, river mask or None).

    The generator works in kilometres, so the same scenario at any ``terrain.cell_m`` gives the same
    land up to resolution: every random draw is made on a lattice or at positions fixed in km (their
    number depends on the map's extent, never on its cell count), and cells take the value of the
    continuous landscape at their centre. Each feature draws from its own stream, spawned from
    ``terrain.seed``:

    - base level of the landscape family plus smooth relief: white noise on a km lattice,
      Gaussian-filtered (correlation length 3 km), averaged over a cell (a Gaussian of a square
      cell's standard deviation), interpolated to the cell centres (cubic B-spline); amplitude
      ``roughness`` x 80 m;
    - Gaussian-profile mountain ridges placed in km (the part above half their height is mountain);
    - scrub/forest patches where a second smooth noise field (2 km) exceeds its quantile
      ``1 - forest_share`` (taken over the lattice, so it does not depend on the cells);
    - a river meandering west-east about the middle (carved when ``river`` is set, the family is
      ``river`` or the border follows the river), ``river_width_m`` wide, at least one cell;
    - north-south highways, random walks of +-1 km per km (the first through the first port, bridging
      the river), drawn as 8-connected lines of cells;
    - towns: urban discs at ports, destinations and staging areas, then at random places;
    - with ``sectors`` (``[[terrain.procedural.sectors]]``), west-east stretches of their own landscape, from
      their own stream: the base level blends linearly between sectors over 10 km at their edges (desert
      700 m, mountains 900 m, river 150 m, plain 300 m; the relief is twice as rough in the mountains); desert
      ground and no woods in desert columns; in a mountains sector one ridge per 10 km of its length, near
      west-east; in a river sector a river ``river_width_m`` wide along the border's row (a ``row`` border; the
      map's middle otherwise), which the world wades as the border river. Without sectors nothing of this is
      drawn and no draw is made from their stream.
    """
    t = scenario.terrain
    p = t.procedural
    height, width = procedural_shape(t)
    assert t.width_km is not None and t.height_km is not None
    extent_km = (float(t.height_km), float(t.width_km))
    cell_km = t.cell_m / 1000.0
    streams = np.random.SeedSequence(t.seed).spawn(len(_STREAMS))
    rngs = {name: np.random.default_rng(stream) for name, stream in zip(_STREAMS, streams, strict=True)}
    row_km = (np.arange(height) + 0.5) * cell_km
    col_km = (np.arange(width) + 0.5) * cell_km
    rows_km, cols_km = row_km[:, None], col_km[None, :]

    relief, _ = _smooth_noise(rngs["relief"], extent_km, _RELIEF_SIGMA_KM, row_km, col_km, cell_km=cell_km)
    weights = _sector_weights(p, col_km, extent_km[1]) if p.sectors else None
    if weights is None:
        elevation = _BASE_ELEVATION_M[p.kind] + p.roughness * 80.0 * relief
    else:
        base = sum(w * _SECTOR_BASE_ELEVATION_M[kind] for kind, w in weights.items())
        elevation = base[None, :] + p.roughness * 80.0 * relief * (1.0 + weights["mountains"])[None, :]
    ridge_height = np.zeros((height, width))
    for _ in range(p.ridges):
        ridge_height = np.maximum(ridge_height, _ridge(rngs["ridges"], rows_km, cols_km, p, extent_km=extent_km))
    for sector in p.sectors:
        if sector.kind == "mountains":
            ridge_height = np.maximum(
                ridge_height, _sector_ridges(rngs["sectors"], rows_km, cols_km, p, sector.x_km, extent_km=extent_km)
            )
    elevation += ridge_height
    if weights is None:
        landcover = np.full((height, width), DESERT if p.kind == "desert" else OPEN, dtype=np.int8)
        dry = np.full(width, p.kind == "desert")
    else:
        dry = weights["desert"] > 0.5  # columns of desert ground: scrub in washes, no woods
        landcover = np.repeat(np.where(dry, DESERT, OPEN).astype(np.int8)[None, :], height, axis=0)
    if (p.ridges or any(sector.kind == "mountains" for sector in p.sectors)) and p.ridge_height_m > 0:
        landcover[ridge_height > 0.5 * p.ridge_height_m] = MOUNTAIN

    patches, lattice = _smooth_noise(rngs["patches"], extent_km, _PATCH_SIGMA_KM, row_km, col_km)
    if p.forest_share > 0:
        edge = np.quantile(lattice, 1.0 - p.forest_share)
        core = np.quantile(lattice, 1.0 - p.forest_share / 2.0)
        lowland = landcover != MOUNTAIN
        landcover[lowland & (patches >= edge)] = SCRUB
        if p.kind != "desert" or p.sectors:
            landcover[lowland & (patches >= core) & ~dry[None, :]] = FOREST

    river = None
    if p.river or p.kind == "river" or scenario.border.mode == "river":
        centre_km = _river_centre_km(rngs["river"], extent_km, col_km)
        river = _river_mask(centre_km, p.river_width_m / 1000.0, row_km, cell_km)
        distance_km = np.clip(np.abs(rows_km - centre_km[None, :]) - p.river_width_m / 2000.0, 0.0, None)
        elevation -= 30.0 * np.exp(-0.5 * (distance_km / 3.0) ** 2)
        landcover[river] = WATER
    sector_river = _sector_river(scenario, row_km, col_km, cell_km) if p.sectors else None
    if sector_river is not None:
        valley = np.exp(-0.5 * ((rows_km - _sector_river_centre_km(scenario)) / 3.0) ** 2)
        elevation -= 30.0 * valley * sector_river.any(axis=0)[None, :]
        landcover[sector_river] = WATER
        river = sector_river if river is None else river | sector_river

    for i in range(p.roads):
        if i == 0 and scenario.ports:
            anchor_km = scenario.ports[0].at
        else:
            anchor_km = (float(rngs["roads"].uniform(0.0, extent_km[1])), 0.0)
        landcover[
            _road_mask(rngs["roads"], anchor_km, extent_km=extent_km, row_km=row_km, cell_km=cell_km, width=width)
        ] = ROAD

    anchors = [place.at for place in (*scenario.ports, *scenario.destinations, *scenario.staging)]
    for i in range(p.towns):
        if i < len(anchors):
            x_km, y_km = anchors[i]
        else:
            x_km, y_km = rngs["towns"].uniform(0, extent_km[1]), rngs["towns"].uniform(0, extent_km[0])
        radius_km = max(rngs["towns"].uniform(0.8, 1.5), 0.75 * cell_km)
        town = np.hypot(rows_km - y_km, cols_km - x_km) <= radius_km
        if river is not None:
            town &= ~river
        landcover[town & (landcover != ROAD)] = URBAN
    return elevation.astype(np.float32), landcover, river


def _sector_weights(p, col_km: np.ndarray, width_km: float) -> dict[str, np.ndarray]:
    """Each sector kind's weight in every column (they sum to 1; the map's ``kind`` holds outside the sectors).

    A sector's weight is 1 inside it and ramps linearly to 0 over :data:`_SECTOR_BLEND_KM` centred on each of its
    edges, except on an edge at the map's edge (west at 0, east at ``width_km``); where two sectors meet their
    ramps add up to 1.
    """
    weights = {kind: np.zeros(col_km.size) for kind in _SECTOR_BASE_ELEVATION_M}
    half = _SECTOR_BLEND_KM / 2.0
    for sector in p.sectors:
        west, east = sector.x_km
        rise = np.ones(col_km.size) if west <= 0 else np.clip((col_km - west + half) / _SECTOR_BLEND_KM, 0, 1)
        fall = np.ones(col_km.size) if east >= width_km else np.clip((east + half - col_km) / _SECTOR_BLEND_KM, 0, 1)
        weights[sector.kind] += np.minimum(rise, fall)
    taken = sum(weights.values())
    rest = np.clip(1.0 - taken, 0.0, None)
    background = "desert" if p.kind == "desert" else "river" if p.kind == "river" else "plain"
    weights[background] = weights[background] + rest
    total = taken + rest
    return {kind: w / total for kind, w in weights.items()}


def _sector_ridges(rng, rows_km, cols_km, p, x_km, *, extent_km: tuple[float, float]) -> np.ndarray:
    """The ranges of a mountains sector: one ridge per :data:`_SECTOR_KM_PER_RIDGE` of its length (at least one),
    each centred in the stretch, 16-40 km long, running within 30 degrees of west-east; heights in m.

    Each ridge is computed on the columns within its half-length plus eight widths of its centre (beyond, its
    Gaussian profile is below 1e-13 of its peak, and taken as 0), so a long border costs what its ranges cover.
    """
    height_km = extent_km[0]
    west, east = x_km
    out = np.zeros(np.broadcast_shapes(rows_km.shape, cols_km.shape))
    col_km = cols_km[0]
    for _ in range(max(1, round((east - west) / _SECTOR_KM_PER_RIDGE))):
        centre = np.array([rng.uniform(0.15, 0.85) * height_km, rng.uniform(west, east)])
        angle = rng.uniform(-np.pi / 6, np.pi / 6)
        half_length = rng.uniform(8.0, 20.0)
        half_width_km = rng.uniform(1.5, 4.0)
        peak = p.ridge_height_m * rng.uniform(0.6, 1.0)
        direction = np.array([np.sin(angle), np.cos(angle)])  # (d_row, d_col) in km
        reach = half_length + 8.0 * half_width_km
        near = np.flatnonzero(np.abs(col_km - centre[1]) <= reach)
        if near.size == 0:
            continue
        cols = slice(int(near[0]), int(near[-1]) + 1)
        a = centre - half_length * direction
        dr, dc = rows_km - a[0], cols_km[:, cols] - a[1]
        along = np.clip(dr * direction[0] + dc * direction[1], 0.0, 2.0 * half_length)
        distance = np.hypot(dr - along * direction[0], dc - along * direction[1])
        out[:, cols] = np.maximum(out[:, cols], peak * np.exp(-0.5 * (distance / half_width_km) ** 2))
    return out


def _sector_river_centre_km(scenario: Scenario) -> float:
    """y (km) of a river sector's river: the centre of the border's row in a 'row' border, else the map's middle."""
    t = scenario.terrain
    cell_km = t.cell_m / 1000.0
    if scenario.border.mode == "row" and scenario.border.y_km is not None:
        return (np.floor(scenario.border.y_km / cell_km) + 0.5) * cell_km
    assert t.height_km is not None
    return float(t.height_km) / 2.0


def _sector_river(scenario: Scenario, row_km: np.ndarray, col_km: np.ndarray, cell_km: float) -> np.ndarray | None:
    """The river of the river sectors: ``river_width_m`` wide (at least one cell) along
    :func:`_sector_river_centre_km`, in the columns of each river sector; None without one."""
    p = scenario.terrain.procedural
    stretches = [s.x_km for s in p.sectors if s.kind == "river"]
    if not stretches:
        return None
    centre = np.full(col_km.size, _sector_river_centre_km(scenario))
    mask = _river_mask(centre, p.river_width_m / 1000.0, row_km, cell_km)
    inside = np.zeros(col_km.size, dtype=bool)
    for west, east in stretches:
        inside |= (col_km >= west) & (col_km <= east)
    return mask & inside[None, :]


def _lattice_spacing_km(extent_km: tuple[float, float], sigma_km: float, margin_km: float) -> float:
    """Spacing of a noise lattice: a fixed share of the correlation length, coarser only for huge maps."""
    spacing = sigma_km / _LATTICE_POINTS_PER_SIGMA
    area = (extent_km[0] + 2 * margin_km) * (extent_km[1] + 2 * margin_km)
    return max(spacing, float(np.sqrt(area / _MAX_LATTICE_POINTS)))


def _smooth_noise(
    rng: np.random.Generator,
    extent_km: tuple[float, float],
    sigma_km: float,
    row_km: np.ndarray,
    col_km: np.ndarray,
    *,
    cell_km: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Smooth noise of zero mean and unit standard deviation, at the cell centres and on its lattice.

    White noise is drawn on a lattice fixed in km (covering the map and a margin of three correlation
    lengths, so the filter's edges never reach the map), Gaussian-filtered with ``sigma_km`` and scaled
    by the mean and standard deviation of the lattice points on the map. With ``cell_km`` > 0 the
    field is also averaged over a cell (a Gaussian with a square cell's standard deviation,
    ``cell_km / sqrt(12)``) before it is sampled. Returns (values at the cells, lattice values on the map).
    """
    margin = 3.0 * sigma_km
    spacing = _lattice_spacing_km(extent_km, sigma_km, margin)
    shape = tuple(int(np.ceil((e + 2 * margin) / spacing)) + 1 for e in extent_km)
    field = ndimage.gaussian_filter(rng.standard_normal(shape), sigma=sigma_km / spacing, mode="nearest")
    axes = [np.arange(n) * spacing - margin for n in shape]
    inside = np.ix_(*[(a >= 0) & (a <= e) for a, e in zip(axes, extent_km, strict=True)])
    on_map = field[inside]
    std = on_map.std()
    field = (field - on_map.mean()) / (std if std > 0 else 1.0)
    if cell_km > 0:
        field = ndimage.gaussian_filter(field, sigma=cell_km / np.sqrt(12.0) / spacing, mode="nearest")
    coefficients = ndimage.spline_filter(field, order=3, mode="mirror")
    along_rows = _cubic_bspline(coefficients, (row_km + margin) / spacing, axis=0)
    return _cubic_bspline(along_rows, (col_km + margin) / spacing, axis=1), field[inside]


def _cubic_bspline(coefficients: np.ndarray, u: np.ndarray, axis: int) -> np.ndarray:
    """Evaluate cubic B-spline ``coefficients`` at lattice coordinates ``u`` along one axis (separable)."""
    n = coefficients.shape[axis]
    i = np.floor(u).astype(np.int64)
    t = u - i
    weights = ((1 - t) ** 3 / 6, (3 * t**3 - 6 * t**2 + 4) / 6, (-3 * t**3 + 3 * t**2 + 3 * t + 1) / 6, t**3 / 6)
    shape = [1, 1]
    shape[axis] = -1
    return sum(
        np.take(coefficients, np.clip(i + k - 1, 0, n - 1), axis=axis) * w.reshape(shape) for k, w in enumerate(weights)
    )


def _ridge(rng, rows_km, cols_km, p, *, extent_km: tuple[float, float]) -> np.ndarray:
    """A straight ridge with a Gaussian cross-profile: heights in m above the plain."""
    height_km, width_km = extent_km
    centre = np.array([rng.uniform(0, height_km), rng.uniform(0, width_km)])
    angle = rng.uniform(0, np.pi)
    half_length = rng.uniform(0.15, 0.4) * max(height_km, width_km)
    half_width_km = rng.uniform(1.5, 4.0)
    peak = p.ridge_height_m * rng.uniform(0.6, 1.0)
    direction = np.array([np.sin(angle), np.cos(angle)])  # (d_row, d_col) in km
    a = centre - half_length * direction
    dr, dc = rows_km - a[0], cols_km - a[1]
    along = np.clip(dr * direction[0] + dc * direction[1], 0.0, 2.0 * half_length)
    distance = np.hypot(dr - along * direction[0], dc - along * direction[1])
    return peak * np.exp(-0.5 * (distance / half_width_km) ** 2)


def _river_centre_km(rng: np.random.Generator, extent_km: tuple[float, float], col_km: np.ndarray) -> np.ndarray:
    """The river's centre line, y (km) at each column centre: the middle of the map plus a smooth meander.

    The meander is white noise on a lattice fixed in km along x, Gaussian-filtered (correlation
    length a twelfth of the map's width), scaled so its largest swing on the map is 8 % of the map's
    height, and interpolated linearly to the columns.
    """
    height_km, width_km = extent_km
    sigma = width_km / 12.0
    margin = 3.0 * sigma
    spacing = sigma / 8.0
    x = np.arange(int(np.ceil((width_km + 2 * margin) / spacing)) + 1) * spacing - margin
    wiggle = ndimage.gaussian_filter1d(rng.standard_normal(x.size), sigma=sigma / spacing, mode="nearest")
    on_map = (x >= 0) & (x <= width_km)
    wiggle /= max(float(np.abs(wiggle[on_map]).max()), 1e-9)
    return height_km / 2.0 + 0.08 * height_km * np.interp(col_km, x, wiggle)


def _river_mask(centre_km: np.ndarray, width_km: float, row_km: np.ndarray, cell_km: float) -> np.ndarray:
    """Cells whose centre lies within half the river's width of its centre line, 4-connected.

    A column whose cell centres all miss the band (a river narrower than a cell) gets the cell under
    the centre line; where the line moves by more than its span from one column to the next, the
    next column's span is stretched just enough to touch the previous one.
    """
    height = row_km.size
    half = width_km / 2.0
    top = np.ceil((centre_km - half) / cell_km - 0.5).astype(np.int64)
    bottom = np.floor((centre_km + half) / cell_km - 0.5).astype(np.int64)
    under = np.floor(centre_km / cell_km).astype(np.int64)
    thin = bottom < top
    top[thin] = bottom[thin] = under[thin]
    top, bottom = np.clip(top, 0, height - 1), np.clip(bottom, 0, height - 1)
    for c in range(1, top.size):
        if top[c] > bottom[c - 1]:
            top[c] = bottom[c - 1]
        elif bottom[c] < top[c - 1]:
            bottom[c] = top[c - 1]
    rows = np.arange(height)[:, None]
    return (rows >= top[None, :]) & (rows <= bottom[None, :])


def _road_mask(
    rng: np.random.Generator,
    anchor_km: tuple[float, float],
    *,
    extent_km: tuple[float, float],
    row_km: np.ndarray,
    cell_km: float,
    width: int,
) -> np.ndarray:
    """A north-south highway through ``anchor_km = (x, y)``, gently winding, 8-connected.

    Its course is a random walk fixed in km: every :data:`_ROAD_STEP_KM` southward it moves -1, 0
    or +1 km east (probabilities 1/6, 2/3, 1/6), interpolated linearly in between, shifted to pass
    the anchor. Each row gets the cell under the course at its centre, joined to the next row's.
    """
    height_km = extent_km[0]
    y = np.arange(-1, int(np.ceil(height_km / _ROAD_STEP_KM)) + 2) * _ROAD_STEP_KM
    walk = np.cumsum(rng.choice([-1.0, 0.0, 0.0, 0.0, 0.0, 1.0], size=y.size)) * _ROAD_STEP_KM
    # An anchor off the map (a port the place checks will refuse) is moved to the nearest point on it.
    x_anchor = min(max(float(anchor_km[0]), 0.0), width * cell_km)
    y_anchor = min(max(float(anchor_km[1]), 0.0), height_km)
    course = x_anchor + np.interp(row_km, y, walk) - np.interp(y_anchor, y, walk)
    cols = np.clip(np.floor(course / cell_km).astype(np.int64), 0, width - 1)
    anchor_row = min(row_km.size - 1, int(y_anchor / cell_km))
    cols[anchor_row] = min(width - 1, int(x_anchor / cell_km))  # the road passes the anchor's cell
    mask = np.zeros((row_km.size, width), dtype=bool)
    mask[np.arange(row_km.size), cols] = True
    for r in range(1, row_km.size):  # 8-connected: fill a jump of more than one column
        lo, hi = sorted((int(cols[r - 1]), int(cols[r])))
        if hi - lo > 1:
            mask[r, lo + 1 : hi] = True
    return mask
