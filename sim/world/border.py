"""The border line: its cells in order along it, and the origin, destination and zone masks drawn from it.

The line is a straight row (``border.mode = "row"``), the centre line of the map's river
(``"river"``), the ``'='`` cells of an ASCII map (``"ascii"``), or a line of any shape read from a
GeoJSON file (``"geojson"``). Whatever the mode, the border is:

- ``cells``: the line's cells in order from one end to the other, one cell a step (8-connected);
- ``drawn_km``: the line as drawn, a polyline in km from one map edge to another;
- the two sides, told apart by geometry: the map minus the line falls into pieces (4-connected
  components, so no piece reaches across a diagonal step of the line), and each piece belongs to
  the side of the drawn line holding most of its cell centres. The origin side is the side holding
  ``border.origin_point`` (given as every position, in ``terrain.positions``), or without it the side
  ``border.origin_side`` (north or south).

Lines from the first three modes have one cell per column, west to east, as they always had (a
column where the line jumps more than one row gets the cells between, so the line has no gap). A
GeoJSON line is drawn through every cell it passes, and where it passes from one cell to a diagonal
neighbour one of the two cells beside the corner is added: its cells are 4-connected, so a walker,
who steps to any of 8 neighbours, cannot pass from one side to the other without stepping on the
line. (A river or ASCII line that steps diagonally from one column to the next is kept as it was, so
shipped scenarios keep their results; a walker can step diagonally between two of its cells.)

Coordinates: x_km east of the map's west edge, y_km south of its north edge (row 0 is north).
:func:`file_to_local_km` is the one place where a border file's coordinates become these.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from scipy import ndimage
from shapely.geometry import LineString, MultiLineString, Point, box
from shapely.geometry import shape as geojson_shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import linemerge, split

from sim.scenario import Border, Scenario
from sim.schema import InputError, Problem
from sim.world.geo import (
    GeoFrame,
    describe_extent,
    describe_position,
    geojson_crs,
    geometry_to_local_km,
    position_to_km,
)
from sim.world.surveillance import path_cells
from sim.world.terrain import TerrainLayers

#: Largest border file read (bytes): far beyond any boundary line at the scale of a sector.
MAX_BORDER_FILE_BYTES = 100_000_000

_FOUR = ndimage.generate_binary_structure(2, 1)


@dataclass
class BorderLine:
    """The border line, its sides and zone. Masks are bool rasters of the map's shape."""

    cells: np.ndarray  # (n, 2) int (row, col): the line's cells in order along it, one cell a step
    mask: np.ndarray  # bool, the line's cells
    origin: np.ndarray  # bool, origin side, the line excluded
    destination: np.ndarray  # bool, destination side, the line excluded
    zone: np.ndarray  # bool, within zone_km of the line (both sides, line included)
    facing: np.ndarray  # int (height, width): index into ``cells`` of the line cell across from each cell
    drawn_km: np.ndarray  # (m, 2) float (x_km, y_km): the line as drawn, from one map edge to another

    def cell_lengths(self) -> np.ndarray:
        """Length of the line (in cells) each of its cells stands for (:func:`cell_lengths`)."""
        return cell_lengths(self.cells)


def border_line(
    scenario: Scenario, layers: TerrainLayers, file: str = "<scenario>", base_dir: str | Path = "."
) -> BorderLine:
    """Draw the border (``border.mode``) and the origin, destination and zone masks.

    Args:
        base_dir: folder that ``border.file`` is relative to (the scenario file's folder).

    Raises:
        InputError: a straight border outside the map, river mode without a river crossing every
            column, ASCII mode without exactly one ``'='`` cell in every column, a border file that is
            missing, not GeoJSON or not a line, a line that does not cross the map from edge to edge, an
            origin point off the map or on the line.
    """
    b = scenario.border
    positions = scenario.terrain.positions
    height, width = layers.shape
    if b.mode == "geojson":
        path = Path(base_dir) / b.file
        line_km = file_to_local_km(read_border_file(path, file), layers.geo, path)
        return border_from_geometry(
            line_km, layers.shape, layers.cell_km, b, file, source=str(path), positions=positions, geo=layers.geo
        )
    if b.mode == "row":
        extent_km = height * layers.cell_km
        if b.y_km is not None and b.y_km >= extent_km:
            raise InputError(
                [
                    Problem(
                        file,
                        "border.y_km",
                        f"given {b.y_km:g}; allowed: a position on the map, 0 <= y_km < {extent_km:g} km "
                        "(or no y_km: the middle row)",
                    )
                ]
            )
        row = height // 2 if b.y_km is None else int(b.y_km / layers.cell_km)
        rows = np.full(width, row, dtype=np.int64)
    elif b.mode == "river":
        rows = _river_centre(layers, file)
    else:
        rows = _ascii_border_rows(layers, file)
    return border_from_rows(rows, layers.shape, layers.cell_km, b, file, positions=positions, geo=layers.geo)


# --------------------------------------------------------------------------- one row per column


def border_from_rows(
    rows: np.ndarray,
    shape: tuple[int, int],
    cell_km: float,
    b: Border,
    file: str = "<scenario>",
    positions: str = "km",
    geo: GeoFrame | None = None,
) -> BorderLine:
    """The border of a line given as one row per column (west to east), drawn through the cells' centres
    and on to the west and east edges. Where the line jumps more than one row between two columns, the
    cells between are added in the western column."""
    width = shape[1]
    cells: list[tuple[int, int]] = []
    main = np.empty(width, dtype=np.int64)  # index in ``cells`` of each column's own cell
    for c in range(width):
        r = int(rows[c])
        if c > 0:
            prev = int(rows[c - 1])
            step = 1 if r > prev else -1
            for between in range(prev + step, r, step):
                cells.append((between, c - 1))
        main[c] = len(cells)
        cells.append((r, c))
    ordered = np.array(cells, dtype=np.int64)
    centres = (ordered[:, ::-1] + 0.5) * cell_km
    drawn = np.vstack([[0.0, centres[0, 1]], centres, [width * cell_km, centres[-1, 1]]])
    facing = np.broadcast_to(main[None, :], shape).copy()
    facing[ordered[:, 0], ordered[:, 1]] = np.arange(len(ordered))  # a line cell faces itself
    return _finish(ordered, drawn, facing, shape, cell_km, b, file, key="border.mode", positions=positions, geo=geo)


# --------------------------------------------------------------------------- GeoJSON


def read_border_file(path: Path, file: str = "<scenario>", key: str = "border.file") -> BaseGeometry:
    """The border line in a GeoJSON file, in the file's coordinates: a LineString (parts of a
    MultiLineString, or of several features, joined end to end).

    Raises:
        InputError: the file is missing, too large, not JSON, not GeoJSON, holds no line or a geometry that
            is not a line, or lines whose parts do not join into one.
    """

    def fail(message: str) -> InputError:
        return InputError([Problem(file, key, f"{path}: {message}")])

    if not path.is_file():
        raise fail("file not found (paths are relative to the scenario file)")
    if path.stat().st_size > MAX_BORDER_FILE_BYTES:
        raise fail(f"{path.stat().st_size} bytes; allowed: a border file of at most {MAX_BORDER_FILE_BYTES} bytes")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise fail(f"not GeoJSON: not a JSON text ({err}); allowed: a GeoJSON LineString or MultiLineString") from None
    if not isinstance(data, dict) or "type" not in data:
        raise fail("not GeoJSON: no 'type' member; allowed: a GeoJSON LineString or MultiLineString")
    kind = data["type"]
    if kind == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list):
            raise fail("not GeoJSON: a FeatureCollection without a 'features' list")
        objects = [f.get("geometry") if isinstance(f, dict) else None for f in features]
    elif kind == "Feature":
        objects = [data.get("geometry")]
    else:
        objects = [data]
    parts: list[LineString] = []
    for obj in objects:
        if obj is None:
            continue
        try:
            geometry = geojson_shape(obj)
        except Exception as err:  # shapely raises several types for malformed GeoJSON
            raise fail(f"not GeoJSON: invalid geometry ({err}); allowed: a LineString or MultiLineString") from None
        if isinstance(geometry, LineString):
            parts.append(geometry)
        elif isinstance(geometry, MultiLineString):
            parts.extend(geometry.geoms)
        else:
            raise fail(f"the geometry is a {geometry.geom_type}; allowed: a LineString or MultiLineString")
    parts = [p for p in parts if not p.is_empty]
    if not parts:
        raise fail("no line in the file; allowed: a LineString or MultiLineString with at least two points")
    merged = linemerge(parts) if len(parts) > 1 else parts[0]
    if not isinstance(merged, LineString):
        raise fail(
            f"the line's {len(parts)} parts do not join end to end into one line ({len(merged.geoms)} pieces remain); "
            "allowed: one line, or parts that share their end points"
        )
    coords = np.asarray(merged.coords, dtype=np.float64)
    if not np.isfinite(coords).all():
        raise fail("the line has a coordinate that is not a finite number")
    return shapely.force_2d(merged)


def file_to_local_km(line: BaseGeometry, geo: GeoFrame | None = None, path: Path | None = None) -> BaseGeometry:
    """A border file's geometry in the scenario's km (x east of the west edge, y south of the north edge).

    In a scenario not placed on Earth, border files are written in these km, so this is the identity. In a
    GeoTIFF scenario (``geo``, the grid's frame) the file is in longitude and latitude (RFC 7946), or in the
    CRS its ``crs`` member names (:func:`sim.world.geo.geojson_crs`), and is projected onto the grid.
    """
    if geo is None or path is None:
        return line
    return geometry_to_local_km(line, geo, geojson_crs(json.loads(path.read_text(encoding="utf-8"))))


def border_from_geometry(
    line_km: LineString,
    shape: tuple[int, int],
    cell_km: float,
    b: Border,
    file: str = "<scenario>",
    key: str = "border.file",
    source: str = "",
    positions: str = "km",
    geo: GeoFrame | None = None,
) -> BorderLine:
    """The border of a line of any shape given in the scenario's km (``positions`` and ``geo``: how
    ``border.origin_point`` is given, :func:`sim.world.geo.position_to_km`).

    The line must run from one map edge to another: its ends within half a cell of the edge (they are
    extended straight to it), every point on the map, meeting the edge nowhere between its ends and not
    crossing itself. Its cells are every cell it passes, 4-connected (see the module's doc).

    Raises:
        InputError: a line that does not cross the map from edge to edge, leaves the map or crosses itself.
    """
    height, width = shape
    w_km, h_km = width * cell_km, height * cell_km
    where = f"{source}: " if source else ""

    def fail(message: str) -> InputError:
        return InputError([Problem(file, key, where + message)])

    coords = np.asarray(line_km.coords, dtype=np.float64)[:, :2]
    if len(coords) < 2 or line_km.length <= 0:
        raise fail("the line has no length; allowed: a line crossing the map from edge to edge")
    eps = 1e-9 * max(w_km, h_km)
    outside = (coords[:, 0] < -eps) | (coords[:, 0] > w_km + eps) | (coords[:, 1] < -eps) | (coords[:, 1] > h_km + eps)
    if outside.any():
        i = int(np.argmax(outside))
        raise fail(
            f"the line leaves the map at [{coords[i, 0]:g}, {coords[i, 1]:g}] km (point {i + 1} of {len(coords)}); "
            f"allowed: a line within the map, x 0-{w_km:g} km, y 0-{h_km:g} km (x east, y south of the north edge)"
        )
    coords = np.clip(coords, 0.0, [w_km, h_km])
    ends = []
    for end in (coords[0], coords[-1]):
        gaps = np.array([end[0], w_km - end[0], end[1], h_km - end[1]])
        side = int(np.argmin(gaps))
        if gaps[side] > 0.5 * cell_km + eps:
            raise fail(
                f"its end at [{end[0]:g}, {end[1]:g}] km is {gaps[side]:g} km from the map edge; a border must cross "
                f"the map from edge to edge: allowed: ends on the edge (within half a cell, {0.5 * cell_km:g} km)"
            )
        snapped = end.copy()
        snapped[side // 2] = 0.0 if side % 2 == 0 else (w_km, h_km)[side // 2]
        ends.append(snapped)
    if np.abs(ends[0] - ends[1]).max() <= eps:
        raise fail("its two ends meet; allowed: a line from one point of the map edge to another")
    if np.abs(ends[0] - coords[0]).max() > 0:
        coords = np.vstack([ends[0], coords])
    if np.abs(ends[1] - coords[-1]).max() > 0:
        coords = np.vstack([coords, ends[1]])
    drawn = LineString(coords)
    if not drawn.is_simple:
        raise fail("the line crosses itself; allowed: a line that divides the map in two")
    frame = box(0.0, 0.0, w_km, h_km)
    touch = drawn.intersection(frame.exterior)
    for piece in getattr(touch, "geoms", [touch]):
        if piece.is_empty:
            continue
        if isinstance(piece, Point) and min(piece.distance(Point(e)) for e in ends) <= eps:
            continue
        x, y = piece.representative_point().coords[0]
        raise fail(
            f"the line meets the map edge at [{x:g}, {y:g}] km between its ends; allowed: a line that meets the "
            "edge at its two ends only"
        )
    cells = _rasterise(coords, shape, cell_km)
    index = np.full(shape, -1, dtype=np.int64)
    index[cells[:, 0], cells[:, 1]] = np.arange(len(cells))
    mask = index >= 0
    _, (near_r, near_c) = ndimage.distance_transform_edt(~mask, return_indices=True)
    facing = index[near_r, near_c]
    return _finish(cells, coords, facing, shape, cell_km, b, file, key=key, positions=positions, geo=geo)


def _rasterise(coords: np.ndarray, shape: tuple[int, int], cell_km: float) -> np.ndarray:
    """The cells a polyline (km) passes, in order, 4-connected, each once (loops where it comes back are cut)."""
    height, width = shape
    r = coords[:, 1] / cell_km - 0.5
    c = coords[:, 0] / cell_km - 0.5
    pieces = []
    for i in range(len(coords) - 1):
        rows, cols, _ = path_cells(r[i], c[i], r[i + 1], c[i + 1])
        pieces.append(np.stack([rows, cols], axis=1))
    raw = np.concatenate(pieces)
    raw[:, 0] = np.clip(raw[:, 0], 0, height - 1)
    raw[:, 1] = np.clip(raw[:, 1], 0, width - 1)
    out: list[tuple[int, int]] = []
    seen: dict[tuple[int, int], int] = {}

    def add(cell: tuple[int, int]) -> None:
        if cell in seen:  # the line comes back to a cell: cut the loop
            for dropped in out[seen[cell] + 1 :]:
                del seen[dropped]
            del out[seen[cell] + 1 :]
            return
        seen[cell] = len(out)
        out.append(cell)

    for rr, cc in raw:
        cell = (int(rr), int(cc))
        if out:
            pr, pc = out[-1]
            dr, dc = cell[0] - pr, cell[1] - pc
            steps = max(abs(dr), abs(dc))
            for k in range(1, steps):  # a gap (not expected): straight steps to close it
                add((pr + round(k * dr / steps), pc + round(k * dc / steps)))
            pr, pc = out[-1]
            if abs(cell[0] - pr) == 1 and abs(cell[1] - pc) == 1:
                add((cell[0], pc))  # the line passes a corner: one of the two cells beside it, the vertical step first
        add(cell)
    return np.array(out, dtype=np.int64)


# --------------------------------------------------------------------------- sides


def _finish(
    cells: np.ndarray,
    drawn: np.ndarray,
    facing: np.ndarray,
    shape: tuple[int, int],
    cell_km: float,
    b: Border,
    file: str,
    key: str,
    positions: str = "km",
    geo: GeoFrame | None = None,
) -> BorderLine:
    """Mask, sides and zone of a line given by its ordered cells and its drawn polyline (km)."""
    height, width = shape
    mask = np.zeros(shape, dtype=bool)
    mask[cells[:, 0], cells[:, 1]] = True
    w_km, h_km = width * cell_km, height * cell_km
    frame = box(0.0, 0.0, w_km, h_km)
    halves = [g for g in split(frame, LineString(drawn)).geoms if g.area > 0]
    if len(halves) != 2:
        raise InputError(
            [Problem(file, key, f"the border line divides the map into {len(halves)} parts; allowed: a line in two")]
        )
    if b.origin_point is not None:
        given = list(b.origin_point)  # as written, in terrain.positions
        x, y = position_to_km(b.origin_point, positions, geo)
        point_key = "border.origin_point"
        if not (0 <= x < w_km and 0 <= y < h_km):
            raise InputError(
                [
                    Problem(
                        file,
                        point_key,
                        f"given {given}, outside the map; allowed: a point within "
                        f"{describe_extent(positions, geo, shape, cell_km)} on the origin side of the line",
                    )
                ]
            )
        cell = (min(int(y / cell_km), height - 1), min(int(x / cell_km), width - 1))
        if mask[cell]:
            centre = describe_position((cell[1] + 0.5) * cell_km, (cell[0] + 0.5) * cell_km, positions, geo)
            raise InputError(
                [
                    Problem(
                        file,
                        point_key,
                        f"given {given}, on the border line (its cell, row {cell[0]}, column {cell[1]}, is centred at "
                        f"{centre}); allowed: a point off the line, on the side where traffickers start",
                    )
                ]
            )
        origin_half = halves[0] if halves[0].covers(Point(x, y)) else halves[1]
        # The point's cell is off the line: its side is the side of its piece of the map, below.
        seed_cell = cell
    else:
        top = LineString([(0.0, 0.0), (w_km, 0.0)])
        north = halves[0] if halves[0].intersection(top).length > halves[1].intersection(top).length else halves[1]
        origin_half = north if b.origin_side == "north" else (halves[1] if north is halves[0] else halves[0])
        seed_cell = None
    cols, rows = np.meshgrid((np.arange(width) + 0.5) * cell_km, (np.arange(height) + 0.5) * cell_km)
    in_origin = shapely.contains_xy(origin_half, cols, rows) & ~mask
    labels, n = ndimage.label(~mask, structure=_FOUR)
    size = np.bincount(labels.ravel(), minlength=n + 1)
    votes = np.bincount(labels.ravel(), weights=in_origin.ravel(), minlength=n + 1)
    origin_piece = 2 * votes > size
    if seed_cell is not None:
        origin_piece[labels[seed_cell]] = True  # the piece holding the named point
    origin_piece[0] = False  # the line itself
    origin = origin_piece[labels]
    destination = ~mask & ~origin
    distance_km = ndimage.distance_transform_edt(~mask) * cell_km
    zone = distance_km <= b.zone_km
    return BorderLine(
        cells=cells, mask=mask, origin=origin, destination=destination, zone=zone, facing=facing, drawn_km=drawn
    )


# --------------------------------------------------------------------------- along the line


def step_lengths(cells: np.ndarray) -> np.ndarray:
    """Length (in cells) of each step between consecutive line cells: 1 straight, sqrt(2) diagonal."""
    d = np.abs(np.diff(cells, axis=0))
    return np.hypot(d[:, 0], d[:, 1])


def cell_lengths(cells: np.ndarray) -> np.ndarray:
    """Length of the line (in cells) each of its cells stands for: half of each step to a neighbour along the
    line, and half a cell beyond each end (so a straight west-east line of n cells is n cells long)."""
    steps = np.concatenate(([1.0], step_lengths(cells), [1.0]))
    return 0.5 * (steps[:-1] + steps[1:])


def along_km(cells: np.ndarray, cell_km: float) -> np.ndarray:
    """Distance (km) along the line from its start to each cell's centre (the first centre half a cell in)."""
    return (0.5 + np.concatenate(([0.0], np.cumsum(step_lengths(cells))))) * cell_km


def line_tangents(cells: np.ndarray) -> np.ndarray:
    """Unit direction (d_row, d_col) of the line at each of its cells, from the cell before to the cell after
    (from the cell itself at the ends); 0 for a line of one cell."""
    n = len(cells)
    ahead = cells[np.minimum(np.arange(n) + 1, n - 1)]
    before = cells[np.maximum(np.arange(n) - 1, 0)]
    tangent = (ahead - before).astype(float)
    norm = np.hypot(tangent[:, 0], tangent[:, 1])
    return tangent / np.where(norm > 0, norm, 1.0)[:, None]


def position_along_km(
    cells: np.ndarray, facing: np.ndarray, cell_km: float, x_km: np.ndarray, y_km: np.ndarray
) -> np.ndarray:
    """Distance along the line (km from its start) of points (x_km, y_km): that of the line cell across from
    each point's cell, plus the point's offset from it along the line's direction there (on a straight west-east
    line, x_km itself)."""
    x_km, y_km = np.asarray(x_km, dtype=float), np.asarray(y_km, dtype=float)
    height, width = facing.shape
    rows = np.clip((y_km / cell_km).astype(np.int64), 0, height - 1)
    cols = np.clip((x_km / cell_km).astype(np.int64), 0, width - 1)
    k = facing[rows, cols]
    tangent = line_tangents(cells)[k]
    centre_x = (cells[k, 1] + 0.5) * cell_km
    centre_y = (cells[k, 0] + 0.5) * cell_km
    return along_km(cells, cell_km)[k] + (x_km - centre_x) * tangent[:, 1] + (y_km - centre_y) * tangent[:, 0]


def share_of_length(cells: np.ndarray, flags: np.ndarray) -> float:
    """Share of the line's length whose cells are flagged (``flags``: bool per line cell)."""
    weight = cell_lengths(cells)
    return float((weight * flags).sum() / weight.sum())


def foot_crossings(
    cells: np.ndarray, facing: np.ndarray, passable: np.ndarray, port_cells: list[tuple[int, int]]
) -> np.ndarray:
    """Which line cells (bool per cell of ``cells``) people on foot may cross at: passable, and not the line
    cell across from a port (where vehicles cross)."""
    ok = passable[cells[:, 0], cells[:, 1]].copy()
    for cell in port_cells:
        ok[facing[cell]] = False
    return ok


def _river_centre(layers: TerrainLayers, file: str) -> np.ndarray:
    river = layers.river_mask
    if river is None:
        raise InputError(
            [
                Problem(
                    file, "border.mode", "given 'river' but the map has no water; allowed: 'row', or a map with a river"
                )
            ]
        )
    counts = river.sum(axis=0)
    missing = np.flatnonzero(counts == 0)
    if missing.size:
        raise InputError(
            [
                Problem(
                    file,
                    "border.mode",
                    f"given 'river' but the river does not cross column {missing[0] + 1} ({missing.size} columns "
                    "without river); the river must run from the west edge to the east edge",
                )
            ]
        )
    rows = np.arange(river.shape[0])[:, None]
    return np.floor((rows * river).sum(axis=0) / counts + 0.5).astype(np.int64)  # halves round south


def _ascii_border_rows(layers: TerrainLayers, file: str) -> np.ndarray:
    marks = layers.ascii_border
    if marks is None:
        raise InputError(
            [Problem(file, "border.mode", "given 'ascii' but terrain.source is not 'ascii'; allowed: 'row' or 'river'")]
        )
    counts = marks.sum(axis=0)
    bad = np.flatnonzero(counts != 1)
    if bad.size:
        c = bad[0]
        raise InputError(
            [
                Problem(
                    file,
                    "terrain.ascii",
                    f"column {c + 1} has {counts[c]} '=' border cells; border.mode 'ascii' needs exactly one in every "
                    f"column ({bad.size} columns wrong)",
                )
            ]
        )
    return np.argmax(marks, axis=0).astype(np.int64)
