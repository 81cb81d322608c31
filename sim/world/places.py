"""Named places of a scenario on the map: ports, staging areas, destinations, tunnels and sensors.

:class:`Places` converts positions (km) to cells and checks what needs the land: on the map, on
the right side of the border, on passable ground, within reach of a destination. It collects
every problem instead of stopping at the first, so one error message lists them all.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from sim.scenario import Scenario
from sim.schema import Problem
from sim.world.border import BorderLine
from sim.world.core import NamedCell, SensorSite
from sim.world.surveillance import tier_factor
from sim.world.terrain import TerrainLayers


class Places:
    """Converts positions to cells, collecting every problem instead of stopping at the first."""

    def __init__(self, scenario: Scenario, layers: TerrainLayers, border: BorderLine, file: str):
        self.scenario, self.layers, self.border, self.file = scenario, layers, border, file
        self.problems: list[Problem] = []
        height, width = layers.shape
        self.extent = f"x 0-{width * layers.cell_km:g} km, y 0-{height * layers.cell_km:g} km"

    def fail(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.file, key, message))

    def cell(self, key: str, at: tuple[float, float]) -> tuple[int, int] | None:
        height, width = self.layers.shape
        x, y = at
        row, col = int(np.floor(y / self.layers.cell_km)), int(np.floor(x / self.layers.cell_km))
        if not (0 <= row < height and 0 <= col < width):
            self.fail(key, f"given {list(at)}, outside the map; allowed: positions within {self.extent}")
            return None
        return row, col

    def port(self, i: int, port) -> NamedCell:
        key = f"ports[{i}].at"
        cell = self.cell(key, port.at)
        if cell is None:
            return NamedCell(port.name, (0, 0))
        row, col = cell
        near = self.border.row[max(0, col - 1) : col + 2]
        if np.abs(near - row).min() > 1:
            line_y = (self.border.row[col] + 0.5) * self.layers.cell_km
            self.fail(
                key,
                f"given {list(port.at)}, {abs(int(self.border.row[col]) - row)} cells from the border; a port must be "
                f"within one cell of the border line (at x = {port.at[0]:g} km the line is at y = {line_y:g} km)",
            )
        return NamedCell(port.name, cell)

    def side(self, key: str, place, origin: bool) -> tuple[int, int]:
        cell = self.cell(key, place.at)
        if cell is None:
            return 0, 0
        want = self.border.origin if origin else self.border.destination
        if not want[cell]:
            side, other = ("origin", "destination") if origin else ("destination", "origin")
            where = "on the border line" if self.border.mask[cell] else f"on the {other} side"
            kind = "a staging area" if origin else "a destination"
            self.fail(key, f"given {list(place.at)}, {where}; {kind} must be on the {side} side of the border")
        elif not self.layers.passable[cell]:
            self.fail(key, f"given {list(place.at)}, on an impassable cell (water); allowed: a cell people can walk on")
        return cell

    def tunnel(self, i: int, tunnel) -> tuple[str, tuple[int, int], tuple[int, int], float]:
        base = f"traffickers.tunnels[{i}]"
        entrance = self.cell(f"{base}.entrance", tunnel.entrance)
        exit_ = self.cell(f"{base}.exit", tunnel.exit)
        if entrance is not None and not self.border.origin[entrance]:
            self.fail(
                f"{base}.entrance", f"given {list(tunnel.entrance)}; a tunnel entrance must be on the origin side"
            )
        if exit_ is not None and not self.border.destination[exit_]:
            self.fail(f"{base}.exit", f"given {list(tunnel.exit)}; a tunnel exit must be on the destination side")
        return tunnel.name, entrance or (0, 0), exit_ or (0, 0), tunnel.capacity_per_day

    def sensor(self, i: int, sensor) -> SensorSite:
        cell = self.cell(f"surveillance.sensors[{i}].at", sensor.at) or (0, 0)
        return SensorSite(
            kind=sensor.kind,
            cell=cell,
            mast_height_m=sensor.mast_height_m,
            range_m=sensor.range_m,
            detection_rate_per_hour=sensor.detection_rate_per_hour * tier_factor(self.scenario, sensor.tech_tier),
            agency=sensor.agency,
            cost_per_year=sensor.cost_per_year,
            capital_cost_per_year=sensor.capital_cost / sensor.lifetime_years,
        )

    def check_paths(self, staging: list[tuple[int, int]], destinations: list[tuple[int, int]]) -> None:
        """Every staging area must reach some destination over passable cells (8-connected)."""
        if not staging or not destinations:
            return
        labels, _ = ndimage.label(self.layers.passable, structure=np.ones((3, 3), dtype=bool))
        reachable = {int(labels[cell]) for cell in destinations}
        for i, cell in enumerate(staging):
            if int(labels[cell]) not in reachable:
                self.fail(
                    f"staging[{i}].at",
                    f"given {list(self.scenario.staging[i].at)}; no passable path leads from it to any destination "
                    "(it is enclosed by water or other impassable cells); allowed: a place connected to a destination",
                )
