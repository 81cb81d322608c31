"""Least-cost routes over the terrain and their time profiles.

Networks plan on a graph of passable cells (8-neighbour moves). An edge costs its walking time
(Tobler-style speed factors from :mod:`sim.world.terrain`) times
``1 + risk_aversion x coverage + hardship_aversion x exposure_scale x exposure``: the sensor hazard a
group would run and the exposure hazard its people would run are priced in hours, so routes skirt
known tower coverage when a detour is cheap, and deadly ground when its hazard is high enough.
Shortest-path trees from every staging area and every destination are computed once per model
(scipy's Dijkstra); a route through a crossing point ``c`` is then ``staging -> c`` plus
``c -> destination`` read off the two trees, so choosing among many candidate crossings costs array
look-ups, not new searches. Dynamic risk (interdiction memory) enters through the logit choice of the
crossing point (:mod:`sim.model.agents.trafficker`).

A :class:`Route` holds, for every cell of a path, the time spent in it and cumulative sums of time,
sensor hazard and exposure hazard, so the model integrates detection and exposure exactly over
every cell a group passes within a step with two binary searches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from sim.world import Cell, World
from sim.world.cache import ArrayCache, content_key

_NEIGHBOURS = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))


@dataclass
class Route:
    """A path of cells with its time profile. Times in hours from departure."""

    rows: np.ndarray  # int
    cols: np.ndarray  # int
    enter_time: np.ndarray  # (n,) time at which cell i is entered; enter_time[0] = 0
    cum_sensor: np.ndarray  # (n,) fixed-sensor hazard accumulated before entering cell i
    cum_exposure: np.ndarray  # (n,) exposure hazard accumulated before entering cell i
    sensor_rate: np.ndarray  # (n,) mean coverage (per hour) over the step from cell i to cell i + 1 (step_rates);
    # the last cell's own coverage (no step follows it, so a slice's last entry may differ: it is never used)
    exposure_rate: np.ndarray  # (n,) mean exposure hazard (per hour) over the same step
    border_index: int  # index of the first border-line cell, or of a tunnel's exit (-1 if none)
    zone_exit_time: float  # time the group leaves the border zone on the destination side
    total_time: float
    tunnel_index: int = -1  # index of the cell whose step is underground (-1: no tunnel)

    def between(self, i0: int, i1: int) -> Route:
        """The part of the route from cell ``i0`` to cell ``i1`` (inclusive), with its profiles re-based.

        Times and cumulative hazards start again from zero at ``i0``; the border index, the tunnel index and
        the time the group leaves the border zone are counted within the part (a line or tunnel outside it:
        -1; a zone exit beyond it: the part's end).
        """
        n = len(self.rows)
        if not 0 <= i0 <= i1 < n:
            raise ValueError(f"cannot slice cells {i0}..{i1} of a route of {n} cells")
        sl = slice(i0, i1 + 1)
        t0 = float(self.enter_time[i0])
        enter = self.enter_time[sl] - t0
        border = self.border_index - i0 if i0 <= self.border_index <= i1 else -1
        zone_exit = min(max(self.zone_exit_time - t0, 0.0), float(enter[-1]))
        tunnel = self.tunnel_index - i0 if i0 <= self.tunnel_index <= i1 else -1
        return Route(
            rows=self.rows[sl],
            cols=self.cols[sl],
            enter_time=enter,
            cum_sensor=self.cum_sensor[sl] - self.cum_sensor[i0],
            cum_exposure=self.cum_exposure[sl] - self.cum_exposure[i0],
            sensor_rate=self.sensor_rate[sl],
            exposure_rate=self.exposure_rate[sl],
            border_index=border,
            zone_exit_time=zone_exit,
            total_time=float(enter[-1]),
            tunnel_index=tunnel if tunnel < i1 - i0 else -1,
        )

    def km_along(self, cell_km: float) -> np.ndarray:
        """Walking distance (km) from the first cell to each cell of the path."""
        step = np.hypot(np.diff(self.rows), np.diff(self.cols)) * cell_km
        return np.concatenate(([0.0], np.cumsum(step)))

    def index_at(self, t: float) -> int:
        return int(np.searchsorted(self.enter_time, t, side="right") - 1)

    def sensor_hazard_at(self, t: float) -> float:
        """Fixed-sensor hazard accumulated from departure to time t (exact, piecewise linear)."""
        return float(self.sensor_hazards_at(np.array([t], dtype=float))[0])

    def exposure_hazard_at(self, t: float) -> float:
        i = min(self.index_at(t), len(self.rows) - 1)
        return float(self.cum_exposure[i] + self.exposure_rate[i] * (t - self.enter_time[i]))

    def sensor_hazards_at(self, times: np.ndarray) -> np.ndarray:
        """The fixed-sensor hazard accumulated from departure to each of ``times`` (an array)."""
        i = np.minimum(np.searchsorted(self.enter_time, times, side="right") - 1, len(self.rows) - 1)
        return self.cum_sensor[i] + self.sensor_rate[i] * (times - self.enter_time[i])

    def positions_at(self, times: np.ndarray, cell_km: float) -> np.ndarray:
        """:meth:`position_at` at each of ``times`` (an array), as (len(times), 2) km: the same arithmetic element
        by element."""
        n = len(self.rows)
        i = np.searchsorted(self.enter_time, times, side="right") - 1
        end = i >= n - 1  # at or past the last cell's centre
        i = np.where(end, 0, i)
        i1 = np.minimum(i + 1, n - 1)
        span = self.enter_time[i1] - self.enter_time[i]
        f = np.zeros(len(times))
        np.divide(times - self.enter_time[i], span, out=f, where=span > 0)
        xy = np.empty((len(times), 2))
        xy[:, 0] = (self.cols[i] + f * (self.cols[i1] - self.cols[i]) + 0.5) * cell_km
        xy[:, 1] = (self.rows[i] + f * (self.rows[i1] - self.rows[i]) + 0.5) * cell_km
        if end.any():
            xy[end] = ((self.cols[-1] + 0.5) * cell_km, (self.rows[-1] + 0.5) * cell_km)
        return xy

    def position_at(self, t: float, cell_km: float) -> tuple[float, float]:
        """(x_km, y_km) at time t, interpolated between cell centres."""
        n = len(self.rows)
        i = self.index_at(t)
        if i >= n - 1:
            return (self.cols[-1] + 0.5) * cell_km, (self.rows[-1] + 0.5) * cell_km
        span = self.enter_time[i + 1] - self.enter_time[i]
        f = (t - self.enter_time[i]) / span if span > 0 else 0.0
        x = self.cols[i] + f * (self.cols[i + 1] - self.cols[i]) + 0.5
        y = self.rows[i] + f * (self.rows[i + 1] - self.rows[i]) + 0.5
        return x * cell_km, y * cell_km


def step_rates(cell_rates: np.ndarray, step_km: np.ndarray, hours_per_km: np.ndarray, dwell: np.ndarray) -> np.ndarray:
    """The mean hazard rate (per hour) over each step of a cell path, from cell ``i``'s centre to cell ``i + 1``'s.

    Half of a step lies in each of its two cells (their common edge is halfway), walked at each cell's
    speed, so the step's hazard is ``step_km / 2 x (rate_i x hours_per_km_i + rate_i+1 x hours_per_km_i+1)``,
    over ``dwell_i`` hours. Charging the whole step at the first cell's rate would shift every raster half a
    step back along the path, a length that grows with the cell. The last cell (no step) keeps its own rate.
    """
    rates = np.asarray(cell_rates, dtype=float).copy()
    if len(rates) > 1:
        hazard = 0.5 * step_km * (rates[:-1] * hours_per_km[:-1] + rates[1:] * hours_per_km[1:])
        rates[:-1] = np.where(dwell[:-1] > 0, hazard / np.where(dwell[:-1] > 0, dwell[:-1], 1.0), rates[:-1])
    return rates


def grid_graph(cost_per_km: np.ndarray, cell_km: float):
    """Sparse 8-neighbour graph of a raster: an edge costs the mean of its two cells' cost per km times its length.

    Cells whose cost is not finite have no edges. Used for walking routes and for patrols' drive times.
    """
    h, w = cost_per_km.shape
    idx = np.arange(h * w).reshape(h, w)
    src, dst, weight = [], [], []
    for dr, dc in _NEIGHBOURS:
        r0, r1 = max(0, -dr), h - max(0, dr)
        c0, c1 = max(0, -dc), w - max(0, dc)
        a = cost_per_km[r0:r1, c0:c1]
        b = cost_per_km[r0 + dr : r1 + dr, c0 + dc : c1 + dc]
        length = cell_km * (np.sqrt(2.0) if dr and dc else 1.0)
        wgt = 0.5 * (a + b) * length
        ok = np.isfinite(wgt)
        src.append(idx[r0:r1, c0:c1][ok])
        dst.append(idx[r0 + dr : r1 + dr, c0 + dc : c1 + dc][ok])
        weight.append(wgt[ok])
    n = h * w
    return coo_matrix((np.concatenate(weight), (np.concatenate(src), np.concatenate(dst))), shape=(n, n)).tocsr()


class RoutePlanner:
    """Shortest-path trees over the terrain, shared by all networks of a model."""

    def __init__(
        self,
        world: World,
        walk_speed_kmh: float,
        risk_aversion: float,
        exposure_scale: float = 1.0,
        hardship_aversion: float = 0.0,
    ):
        """Build the cost graph of a world.

        Args:
            world: the built world (speed factors, coverage, exposure).
            walk_speed_kmh: walking speed on open flat ground (km/h).
            risk_aversion: hours a network pays to avoid one unit of sensor hazard.
            exposure_scale: multiplier on the terrain's exposure hazard, in route costs and along routes.
            hardship_aversion: hours a network pays to avoid one unit of exposure hazard per person.
        """
        self.world = world
        self.walk_speed_kmh = walk_speed_kmh
        self.exposure_scale = exposure_scale
        h, w = world.height, world.width
        self.shape = (h, w)
        speed = walk_speed_kmh * world.speed_factor
        with np.errstate(divide="ignore"):
            self.hours_per_km = np.where(world.passable & (speed > 0), 1.0 / np.maximum(speed, 1e-9), np.inf)
        self.graph = self._build_graph(risk_aversion, hardship_aversion)
        self._trees: dict[Cell, tuple[np.ndarray, np.ndarray]] = {}
        # Large maps keep their trees on disk under a hash of what the graph is made of (sim.world.cache).
        self._disk = ArrayCache.for_cells(h * w)
        self._graph_key = None
        if self._disk is not None:
            self._graph_key = content_key(
                "route_graph",
                {
                    "speed_factor": world.speed_factor,
                    "passable": world.passable,
                    "coverage": world.coverage,
                    "exposure": world.exposure,
                },
                {
                    "cell_km": world.cell_km,
                    "walk_speed_kmh": walk_speed_kmh,
                    "risk_aversion": risk_aversion,
                    "exposure_scale": exposure_scale,
                    "hardship_aversion": hardship_aversion,
                },
            )
        self._route_cache: dict[tuple[Cell, Cell, Cell], Route] = {}

    def _build_graph(self, risk_aversion: float, hardship_aversion: float):
        world = self.world
        exposure = self.exposure_scale * world.exposure.astype(float)
        cost_per_km = self.hours_per_km * (1.0 + risk_aversion * world.coverage + hardship_aversion * exposure)
        return grid_graph(cost_per_km, world.cell_km)

    def tree(self, source: Cell) -> tuple[np.ndarray, np.ndarray]:
        """(cost to every cell, predecessor of every cell) from ``source``; cached."""
        if source not in self._trees:
            self._trees[source] = self._search(source)
        return self._trees[source]

    def _search(self, source: Cell) -> tuple[np.ndarray, np.ndarray]:
        """Dijkstra from ``source``, read from or written to the disk cache on a large map."""
        key = None
        if self._disk is not None and self._graph_key is not None:
            key = content_key("route_tree", {}, {"graph": self._graph_key, "source": (int(source[0]), int(source[1]))})
            stored = self._disk.get(key)
            if stored is not None:
                return stored["dist"], stored["pred"]
        flat = source[0] * self.shape[1] + source[1]
        dist, pred = dijkstra(self.graph, indices=flat, return_predecessors=True)
        dist = dist.reshape(self.shape)
        if key is not None:
            self._disk.put(key, {"dist": dist, "pred": pred})
        return dist, pred

    def cost_via(self, origin: Cell, destination: Cell, crossings: np.ndarray) -> np.ndarray:
        """Static cost (h) of the best route origin -> crossing -> destination for each crossing cell (k, 2)."""
        d_from, _ = self.tree(origin)
        d_to, _ = self.tree(destination)
        r, c = crossings[:, 0], crossings[:, 1]
        return d_from[r, c] + d_to[r, c]

    def path(self, source: Cell, target: Cell) -> list[Cell]:
        """Cells from ``source`` to ``target`` along the cached tree of ``source``."""
        _, pred = self.tree(source)
        w = self.shape[1]
        node = target[0] * w + target[1]
        start = source[0] * w + source[1]
        out = [node]
        while node != start:
            node = pred[node]
            if node < 0:
                raise ValueError(f"no passable path from {source} to {target}")
            out.append(node)
        out.reverse()
        return [(int(n // w), int(n % w)) for n in out]

    def route(self, origin: Cell, crossing: Cell, destination: Cell) -> Route:
        """The route origin -> crossing -> destination with its time and hazard profile (cached)."""
        key = (origin, crossing, destination)
        if key not in self._route_cache:
            first = self.path(origin, crossing)
            second = self.path(destination, crossing)[::-1]
            self._route_cache[key] = self.profile(first + second[1:])
        return self._route_cache[key]

    def tunnel_route(self, origin: Cell, entrance: Cell, exit_: Cell, destination: Cell, tunnel_kmh: float) -> Route:
        """Walk to a tunnel entrance, pass underground (no sensor coverage), walk on to the destination."""
        key = (origin, entrance, destination, exit_)
        if key not in self._route_cache:
            first = self.path(origin, entrance)
            second = self.path(destination, exit_)[::-1]
            route = self.profile(first + second, tunnel_segment=(len(first) - 1, tunnel_kmh))
            self._route_cache[key] = route
        return self._route_cache[key]

    def profile(self, cells: list[Cell], tunnel_segment: tuple[int, float] | None = None) -> Route:
        """Time in each cell and cumulative hazards along a cell path."""
        world = self.world
        arr = np.asarray(cells, dtype=np.int64)
        rows, cols = arr[:, 0], arr[:, 1]
        step_km = np.hypot(np.diff(rows), np.diff(cols)) * world.cell_km
        hours_per_km = self.hours_per_km[rows, cols]
        dwell = np.empty(len(cells))
        dwell[:-1] = step_km * 0.5 * (hours_per_km[:-1] + hours_per_km[1:])
        dwell[-1] = 0.0
        sensor_rate = step_rates(world.coverage[rows, cols], step_km, hours_per_km, dwell)
        exposure_rate = step_rates(world.exposure[rows, cols] * self.exposure_scale, step_km, hours_per_km, dwell)
        if tunnel_segment is not None:
            i, kmh = tunnel_segment
            dwell[i] = step_km[i] / kmh
            sensor_rate[i] = 0.0
            exposure_rate[i] = 0.0
        enter = np.concatenate(([0.0], np.cumsum(dwell[:-1])))
        cum_sensor = np.concatenate(([0.0], np.cumsum(sensor_rate[:-1] * dwell[:-1])))
        cum_exposure = np.concatenate(([0.0], np.cumsum(exposure_rate[:-1] * dwell[:-1])))
        on_border = world.border_mask[rows, cols]
        border_index = int(np.argmax(on_border)) if on_border.any() else -1
        if tunnel_segment is not None and not 0 <= border_index <= tunnel_segment[0]:
            border_index = tunnel_segment[0] + 1  # the line is passed underground: met at the exit
        zone_exit = enter[-1]
        if border_index >= 0:
            after = ~world.zone_mask[rows[border_index:], cols[border_index:]]
            if after.any():
                # The zone's edge lies between the last cell in it and the first beyond, halfway from centre to
                # centre: the time there, not at the next centre (half a cell further, a length that grows with
                # the cell).
                beyond = border_index + int(np.argmax(after))
                zone_exit = 0.5 * (enter[beyond - 1] + enter[beyond])
        return Route(
            rows=rows,
            cols=cols,
            enter_time=enter,
            cum_sensor=cum_sensor,
            cum_exposure=cum_exposure,
            sensor_rate=sensor_rate,
            exposure_rate=exposure_rate,
            border_index=border_index,
            zone_exit_time=float(zone_exit),
            total_time=float(enter[-1]),
            tunnel_index=tunnel_segment[0] if tunnel_segment is not None else -1,
        )
