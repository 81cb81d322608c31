"""The border line: one row per column, and the origin, destination and zone masks drawn from it.

The line is a straight row (``border.mode = "row"``), the centre line of the map's river
(``"river"``), or the ``'='`` cells of an ASCII map (``"ascii"``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from sim.scenario import Scenario
from sim.schema import InputError, Problem
from sim.world.terrain import TerrainLayers


@dataclass
class BorderLine:
    """The border as one row per column, and the masks derived from it."""

    row: np.ndarray  # int, per column
    mask: np.ndarray  # bool, the line's cells
    origin: np.ndarray  # bool, origin side, the line excluded
    destination: np.ndarray  # bool, destination side, the line excluded
    zone: np.ndarray  # bool, within zone_km of the line (both sides, line included)


def border_line(scenario: Scenario, layers: TerrainLayers, file: str = "<scenario>") -> BorderLine:
    """Draw the border (``border.mode``) and the origin, destination and zone masks.

    Raises:
        InputError: a straight border outside the map, river mode without a river crossing every
            column, ASCII mode without exactly one ``'='`` cell in every column.
    """
    b = scenario.border
    height, width = layers.shape
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
    cols = np.arange(width)
    mask = np.zeros((height, width), dtype=bool)
    mask[rows, cols] = True
    grid_rows = np.arange(height)[:, None]
    south = grid_rows > rows[None, :]
    north = grid_rows < rows[None, :]
    origin, destination = (south, north) if b.origin_side == "south" else (north, south)
    distance_km = ndimage.distance_transform_edt(~mask) * layers.cell_km
    return BorderLine(row=rows, mask=mask, origin=origin, destination=destination, zone=distance_km <= b.zone_km)


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
