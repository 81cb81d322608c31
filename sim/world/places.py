"""Named places of a scenario on the map: ports, staging areas, destinations, tunnels and sensors.

:class:`Places` converts positions (km) to cells and checks what needs the land: on the map, on
the right side of the border, on passable ground, within reach of a destination. It collects
every problem instead of stopping at the first, so one error message lists them all.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from sim.scenario import Scenario
from sim.schema import Problem, item_key
from sim.world.border import BorderLine, along_km, foot_crossings
from sim.world.core import NamedCell, SensorSite
from sim.world.geo import describe_extent, describe_position, position_to_km
from sim.world.surveillance import tier_factor
from sim.world.terrain import LAND_COVER, TerrainLayers


class Places:
    """Converts positions to cells, collecting every problem instead of stopping at the first."""

    def __init__(self, scenario: Scenario, layers: TerrainLayers, border: BorderLine, file: str):
        self.scenario, self.layers, self.border, self.file = scenario, layers, border, file
        self.problems: list[Problem] = []
        self.positions = scenario.terrain.positions  # 'km', or in a GeoTIFF scenario 'lonlat' or 'crs'
        self.extent = describe_extent(self.positions, layers.geo, layers.shape, layers.cell_km)

    def where(self, cell: tuple[int, int]) -> str:
        """The centre of a cell in the units the scenario's positions are given in."""
        cell_km = self.layers.cell_km
        return describe_position((cell[1] + 0.5) * cell_km, (cell[0] + 0.5) * cell_km, self.positions, self.layers.geo)

    def fail(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.file, key, message))

    def cover(self, cell: tuple[int, int]) -> str:
        """Name of the land cover of a cell, e.g. 'water'."""
        return LAND_COVER[int(self.layers.landcover[cell])].name

    def cell(self, key: str, at: tuple[float, float]) -> tuple[int, int] | None:
        height, width = self.layers.shape
        x, y = position_to_km(at, self.positions, self.layers.geo)
        # Compared in km first: a position far off the map has no cell index (it would overflow).
        cell_km = self.layers.cell_km
        if not (0 <= x < width * cell_km and 0 <= y < height * cell_km):
            self.fail(key, f"given {list(at)}, outside the map; allowed: positions within {self.extent}")
            return None
        return min(int(np.floor(y / cell_km)), height - 1), min(int(np.floor(x / cell_km)), width - 1)

    def port(self, i: int, port) -> NamedCell:
        key = item_key("ports", i, port) + ".at"
        cell = self.cell(key, port.at)
        if cell is None:
            return NamedCell(port.name, (0, 0))
        row, col = cell
        if not self.layers.passable[cell]:
            self.fail(
                key,
                f"given {list(port.at)}, on an impassable cell ({self.cover(cell)}); allowed: a cell on land or a "
                "bridge, where vehicles and people can pass",
            )
        near = self.border.mask[max(0, row - 1) : row + 2, max(0, col - 1) : col + 2]
        if not near.any():
            line_r, line_c = (int(v) for v in self.border.cells[self.border.facing[cell]])
            self.fail(
                key,
                f"given {list(port.at)}, {max(abs(line_r - row), abs(line_c - col))} cells from the border; a port "
                f"must be within one cell of the border line (the line cell across from it is at "
                f"{self.where((line_r, line_c))})",
            )
        return NamedCell(port.name, cell)

    def side(self, key: str, place, origin: bool) -> tuple[int, int]:
        """A staging area (origin side) or a destination (destination side): on the map, its side, passable."""
        kind = "a staging area" if origin else "a destination"
        return self.on_side(key, place.at, origin, kind) or (0, 0)

    def tunnel(self, i: int, tunnel) -> tuple[str, tuple[int, int], tuple[int, int], float]:
        """A tunnel's entrance (origin side) and exit (destination side), each on the map and passable."""
        base = item_key("traffickers.tunnels", i, tunnel)
        entrance = self.on_side(f"{base}.entrance", tunnel.entrance, True, "a tunnel entrance")
        exit_ = self.on_side(f"{base}.exit", tunnel.exit, False, "a tunnel exit")
        return tunnel.name, entrance or (0, 0), exit_ or (0, 0), tunnel.capacity_per_day

    def on_side(self, key: str, at: tuple[float, float], origin: bool, kind: str) -> tuple[int, int] | None:
        """The cell of a place that must lie on one side of the border on passable ground; a problem otherwise.
        None when the place is off the map."""
        cell = self.cell(key, at)
        if cell is None:
            return None
        want = self.border.origin if origin else self.border.destination
        if not want[cell]:
            side, other = ("origin", "destination") if origin else ("destination", "origin")
            where = "on the border line" if self.border.mask[cell] else f"on the {other} side"
            self.fail(key, f"given {list(at)}, {where}; {kind} must be on the {side} side of the border")
        elif not self.layers.passable[cell]:
            self.fail(
                key,
                f"given {list(at)}, on an impassable cell ({self.cover(cell)}); allowed: a cell people can walk on",
            )
        return cell

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

    def check_paths(
        self,
        staging: list[tuple[int, int]],
        destinations: list[tuple[int, int]],
        tunnels: list[tuple[str, tuple[int, int], tuple[int, int], float]],
        ports: list[NamedCell],
    ) -> None:
        """Every route a group may take must exist over passable cells (8-connected, as routes are planned).

        A group leaves any staging area for any destination (each drawn by weight, apart), on foot through a
        crossing drawn along the whole border line, or through any tunnel. So every staging area must reach
        every destination, every tunnel entrance must be reachable from every staging area, every tunnel exit
        must reach every destination, and the border line must have passable cells (apart from the line
        cells across from the ports), each reachable from the staging areas.
        """
        if not staging or not destinations:
            return
        labels, _ = ndimage.label(self.layers.passable, structure=np.ones((3, 3), dtype=bool))
        s = self.scenario
        for i, cell in enumerate(staging):
            for j, target in enumerate(destinations):
                if labels[cell] != labels[target]:
                    self.fail(
                        item_key("staging", i, s.staging[i]) + ".at",
                        f"given {list(s.staging[i].at)}; no passable path leads from it to "
                        f"{item_key('destinations', j, s.destinations[j])}, and groups go from every staging area to "
                        "every destination (it is enclosed by water or other impassable cells); allowed: a place "
                        "connected to every destination",
                    )
        for i, (_name, entrance, exit_, _capacity) in enumerate(tunnels):
            tunnel = s.traffickers.tunnels[i]
            cut_off = [s.staging[k].name for k, cell in enumerate(staging) if labels[cell] != labels[entrance]]
            if cut_off:
                self.fail(
                    item_key("traffickers.tunnels", i, tunnel) + ".entrance",
                    f"given {list(tunnel.entrance)}; no passable path leads to it from the staging area(s) "
                    f"{', '.join(map(repr, cut_off))}; allowed: a place every staging area can walk to",
                )
            cut_off = [s.destinations[k].name for k, cell in enumerate(destinations) if labels[cell] != labels[exit_]]
            if cut_off:
                self.fail(
                    item_key("traffickers.tunnels", i, tunnel) + ".exit",
                    f"given {list(tunnel.exit)}; no passable path leads from it to the destination(s) "
                    f"{', '.join(map(repr, cut_off))}; allowed: a place from which every destination can be reached",
                )
        self._check_crossings(labels, staging[0], ports)

    def _check_crossings(self, labels: np.ndarray, staging: tuple[int, int], ports: list[NamedCell]) -> None:
        """Candidate crossings are drawn along the whole line: its passable cells must be reachable."""
        rows, cols = self.border.cells[:, 0], self.border.cells[:, 1]
        ok = foot_crossings(self.border.cells, self.border.facing, self.layers.passable, [p.cell for p in ports])
        if not ok.any():
            self.fail(
                "border",
                "no passable cell on the border line apart from the ports' cells: people on foot cannot cross; "
                "allowed: a border line with land (or a wadable river) people can walk across",
            )
            return
        cut_off = ok & (labels[rows, cols] != labels[staging])
        if cut_off.any():
            km = along_km(self.border.cells, self.layers.cell_km)[cut_off]
            first = tuple(int(v) for v in self.border.cells[np.argmax(cut_off)])
            self.fail(
                "border",
                f"{int(cut_off.sum())} passable cell(s) of the border line ({km.min():g} to {km.max():g} km along "
                f"the line from its start, the first at {self.where(first)}) cannot be reached from the "
                "staging areas (enclosed by water or other impassable cells), but crossing points are drawn along "
                "the whole line; allowed: a line whose passable cells connect to the staging areas and destinations "
                "(make the enclosing land passable, or the enclosed line impassable)",
            )
