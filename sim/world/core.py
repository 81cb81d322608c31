"""The static world a run takes place in: terrain rasters, the border, places and fixed sensors.

This module holds the types only; :func:`sim.world.build.build_world` makes them.

Conventions used by every module:
- rasters are numpy arrays indexed ``[row, col]`` with shape ``(height, width)``; row 0 is north;
- positions are in km, x east of the west edge and y south of the north edge; ``(x_km, y_km)`` maps to
  cell ``(row, col) = (int(y_km / cell_km), int(x_km / cell_km))``;
- rates are per hour; ``coverage`` is the summed detection hazard of fixed sensors times concealment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.scenario import Scenario
from sim.world.geo import GeoFrame

Cell = tuple[int, int]  # (row, col)


@dataclass
class SensorSite:
    """A fixed sensor as placed in the world (from the file or sited automatically)."""

    kind: str
    cell: Cell
    mast_height_m: float
    range_m: float
    detection_rate_per_hour: float  # already scaled by technology tier
    agency: str
    cost_per_year: float
    auto_sited: bool = False
    capital_cost_per_year: float = 0.0  # capital cost spread over the service life (straight line)
    coverage_gain_km: float | None = None  # an extra tower's marginal gain when it was sited (km of border covered)
    visible: np.ndarray | None = field(default=None, repr=False)  # bool raster: cells in range and in view


@dataclass
class NamedCell:
    name: str
    cell: Cell
    weight: float = 1.0


@dataclass
class World:
    """Everything static about a run. Arrays are float32/bool/int8 of shape (height, width)."""

    scenario: Scenario
    cell_km: float
    elevation: np.ndarray  # m
    landcover: np.ndarray  # int8 codes, see sim.world.terrain.LAND_COVER
    speed_factor: np.ndarray  # multiplier on walking speed (0 where impassable)
    concealment: np.ndarray  # multiplier on detection hazards, 0..1 (1 = fully exposed)
    exposure: np.ndarray  # hazard of death per person-hour on foot
    passable: np.ndarray  # bool
    border_cells: np.ndarray  # (n, 2) int (row, col): the line's cells in order along it, one cell a step
    border_mask: np.ndarray  # bool, cells on the border line
    border_facing: np.ndarray  # int (height, width): index into border_cells of the line cell across from each cell
    border_drawn_km: np.ndarray  # (m, 2) float (x_km, y_km): the line as drawn, from one map edge to another
    zone_mask: np.ndarray  # bool, cells within border.zone_km of the border line
    origin_mask: np.ndarray  # bool, cells on the origin side (not including the border line)
    ports: list[NamedCell]
    staging: list[NamedCell]
    destinations: list[NamedCell]
    tunnels: list[tuple[str, Cell, Cell, float]]  # name, entrance, exit, capacity per day
    sensors: list[SensorSite]
    coverage: np.ndarray  # per hour: sum of sensor rates in view, times concealment
    blind_spot_mask: np.ndarray  # bool: zone cells with coverage below the threshold
    blind_spot_share: float  # share of the border line's length that is blind
    river_mask: np.ndarray | None = None  # bool, the river's cells (bridges included); None without a river
    destination_mask: np.ndarray | None = None  # bool, destination side (not including the border line)
    geo: GeoFrame | None = None  # where the grid lies on Earth (GeoTIFF maps); None for maps not placed on Earth

    @property
    def height(self) -> int:
        return int(self.elevation.shape[0])

    @property
    def width(self) -> int:
        return int(self.elevation.shape[1])

    def cell_of(self, x_km: float, y_km: float) -> Cell:
        """The cell under a position; a point on the east or south edge of the map is in the last cell."""
        row = min(max(int(y_km / self.cell_km), 0), self.height - 1)
        col = min(max(int(x_km / self.cell_km), 0), self.width - 1)
        return row, col

    def km_of(self, cell: Cell) -> tuple[float, float]:
        """Centre of a cell as (x_km, y_km)."""
        return (cell[1] + 0.5) * self.cell_km, (cell[0] + 0.5) * self.cell_km

    @property
    def extra_tower_sites_km(self) -> list[tuple[float, float]]:
        return [self.km_of(s.cell) for s in self.sensors if s.auto_sited]
