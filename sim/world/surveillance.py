"""Fixed sensors: viewsheds, the siting of extra towers, and integrating rasters along moves.

Line of sight (towers, aerostats, cameras) uses the R3 viewshed of Franklin & Ray (1994,
"Higher isn't necessarily better: visibility algorithms and experiments"): for every target cell
in range, the elevation is interpolated linearly where the ray crosses each intermediate row or
column line (along its major axis); the target is visible when its elevation angle from the
sensor is at least the largest angle of those points. All targets of one sensor are done at once
with numpy. Heights are corrected for the curvature of the Earth with standard refraction
(effective radius 4/3 of 6371 km). Ground sensors see their whole range. The target is a person
``surveillance.target_height_m`` tall.

Detection follows the rate model of :mod:`sim.model.detection` (Koopman 1946): the coverage raster is the
summed hazard rate (per hour) of the sensors that see a cell, times the cell's concealment; a target spending ``dt``
hours in cells ``x_i`` is detected with probability ``1 - exp(-sum coverage(x_i) dt_i)``.
:func:`segments_cells` and :func:`segment_means` integrate any raster along straight moves.

This module needs only terrain layers and the border line; :mod:`sim.world.build` assembles the
world from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.scenario import Scenario
from sim.schema import InputError, Problem
from sim.world.core import SensorSite
from sim.world.terrain import WATER, TerrainLayers

if TYPE_CHECKING:
    from sim.world.border import BorderLine

#: Effective Earth radius with standard atmospheric refraction (m).
EFFECTIVE_EARTH_RADIUS_M = 4.0 / 3.0 * 6_371_000.0
#: Sensor kinds whose detection needs line of sight.
LINE_OF_SIGHT_KINDS = frozenset({"tower", "aerostat", "camera"})
#: Upper bound on interpolated samples held in memory at once by the viewshed.
_SAMPLE_BUDGET = 2_000_000


def tier_factor(scenario: Scenario, tech_tier: int) -> float:
    """Factor on a sensor's detection rate for its technology tier (``surveillance.tech_tier_factors``)."""
    return scenario.surveillance.tech_tier_factors[tech_tier - 1]


# --------------------------------------------------------------------------- viewshed


def viewshed(
    elevation: np.ndarray,
    cell: tuple[int, int],
    *,
    mast_height_m: float,
    range_m: float,
    cell_m: float,
    target_height_m: float,
    line_of_sight: bool = True,
) -> np.ndarray:
    """Cells a sensor at ``cell`` sees: within ``range_m`` (centre to centre) and, if asked, in view.

    Args:
        elevation: ground elevation (m), shape (height, width).
        cell: (row, col) of the sensor.
        mast_height_m: sensor height above the ground.
        range_m: detection range; the cut-off is a disc on cell centres.
        cell_m: cell side (m).
        line_of_sight: False for sensors that need none (ground sensors).
        target_height_m: height above ground of what is seen (a standing person).

    Returns:
        bool raster of the visible cells (the sensor's own cell always included).
    """
    height, width = elevation.shape
    r0, c0 = cell
    reach = int(np.floor(range_m / cell_m))
    top, bottom = max(0, r0 - reach), min(height, r0 + reach + 1)
    left, right = max(0, c0 - reach), min(width, c0 + reach + 1)
    rr, cc = np.mgrid[top:bottom, left:right]
    in_range = np.hypot(rr - r0, cc - c0) * cell_m <= range_m
    tr, tc = rr[in_range], cc[in_range]
    out = np.zeros((height, width), dtype=bool)
    if line_of_sight:
        seen = visible_from(
            elevation, cell, tr, tc, mast_height_m=mast_height_m, cell_m=cell_m, target_height_m=target_height_m
        )
        tr, tc = tr[seen], tc[seen]
    out[tr, tc] = True
    return out


def visible_from(
    elevation: np.ndarray,
    cell: tuple[int, int],
    target_rows: np.ndarray,
    target_cols: np.ndarray,
    *,
    mast_height_m: float,
    cell_m: float,
    target_height_m: float,
) -> np.ndarray:
    """Line of sight from a mast at ``cell`` to each target cell (R3, vectorised); bool per target.

    Only the window of the raster spanned by the mast and its targets is read (every ray lies in it), so the cost
    grows with the targets and the window, not with the map.
    """
    tr = np.asarray(target_rows, dtype=np.int64)
    tc = np.asarray(target_cols, dtype=np.int64)
    if tr.size == 0:
        return np.ones(0, dtype=bool)
    top, left = min(cell[0], int(tr.min())), min(cell[1], int(tc.min()))
    bottom, right = max(cell[0], int(tr.max())) + 1, max(cell[1], int(tc.max())) + 1
    elev = elevation[top:bottom, left:right].astype(np.float64)
    r0, c0 = cell[0] - top, cell[1] - left
    tr, tc = tr - top, tc - left
    z0 = elev[r0, c0] + mast_height_m
    dr, dc = tr - r0, tc - c0
    row_major = np.abs(dr) >= np.abs(dc)
    visible = np.ones(tr.shape, dtype=bool)
    # a ray whose major axis is the column is a row-major ray of the transposed raster
    for grid, origin, major, minor, rays in (
        (elev, (r0, c0), dr, dc, row_major),
        (elev.T, (c0, r0), dc, dr, ~row_major),
    ):
        far = np.flatnonzero(rays & (np.abs(major) >= 2))  # nearer targets have no intermediate line crossing
        if far.size == 0:
            continue
        far = far[np.argsort(np.abs(major[far]), kind="stable")]
        padded = np.pad(grid, ((0, 0), (0, 1)), mode="edge")  # so the interpolation's right neighbour exists
        chunk = max(1, _SAMPLE_BUDGET // int(np.abs(major[far[-1]])))
        for start in range(0, far.size, chunk):
            idx = far[start : start + chunk]
            visible[idx] = _clear_row_major_rays(
                padded, origin, z0, major[idx], minor[idx], cell_m=cell_m, target_height_m=target_height_m
            )
    return visible


def _clear_row_major_rays(padded, origin, z0, dr, dc, *, cell_m, target_height_m) -> np.ndarray:
    """R3 test for rays with ``|dr| >= |dc| >= 0``: True where no crossing of an intermediate row rises above
    the sight line. ``padded`` is the elevation with a copy of its last column appended."""
    r0, c0 = origin
    steps = np.abs(dr)
    # crossing j of row r0 + j sign(dr); past a ray's last crossing, repeat it (the maximum is unchanged)
    j = np.minimum(np.arange(1, int(steps.max()))[None, :], (steps - 1)[:, None])
    frac = j / steps[:, None]  # share of the way to the target
    minor = c0 + frac * dc[:, None]
    lo = np.floor(minor)
    weight = minor - lo
    flat = (r0 + np.sign(dr)[:, None] * j) * padded.shape[1] + lo.astype(np.int64)
    ground = padded.ravel()
    z = (1.0 - weight) * ground[flat] + weight * ground[flat + 1]
    distance = np.hypot(dr, dc) * cell_m  # m, to the target
    d = frac * distance[:, None]
    slope = ((z - z0 - d**2 / (2 * EFFECTIVE_EARTH_RADIUS_M)) / d).max(axis=1)
    z_target = padded[r0 + dr, c0 + dc] + target_height_m - distance**2 / (2 * EFFECTIVE_EARTH_RADIUS_M)
    return (z_target - z0) / distance >= slope - 1e-12


# --------------------------------------------------------------------------- extra towers


def site_extra_towers(
    scenario: Scenario,
    layers: TerrainLayers,
    border: BorderLine,
    coverage_rate: np.ndarray,
    file: str = "<scenario>",
) -> list[SensorSite]:
    """Site ``surveillance.extra_towers.count`` towers by greedy maximum coverage of the border line, lazily.

    Candidates lie on a grid of ``candidate_spacing_km`` inside the border zone on the destination
    side (agencies build on their own territory), off water, within ``extra_towers.sector`` if given.
    Each candidate's view of the border line is its viewshed (line of sight over the terrain) on the
    line cells in range. The objective is the border line covered: each line cell counts its length
    along the line (:meth:`BorderLine.cell_lengths`) times ``min(rate x concealment, threshold) /
    threshold``, so a cell at or above the blind-spot threshold counts whole and a cell below it in
    proportion. That is a sum of concave functions of the towers' summed rates, hence monotone and
    submodular, so the greedy choice is the (1 - 1/e)-approximation of Nemhauser, Wolsey & Fisher
    (1978) and the lazy evaluation of Minoux (1978) and Leskovec et al. (2007, CELF) picks exactly what
    plain greedy picks (:func:`choose_sites`). No two extra towers stand closer than
    ``min_spacing_km``. Each site records its marginal gain (km of border line covered),
    non-increasing from the first tower to the last.

    Args:
        coverage_rate: summed rates (per hour) of the sensors already placed, before concealment.

    Raises:
        InputError: fewer candidate sites than towers asked for, or fewer that keep the spacing.
    """
    extra = scenario.surveillance.extra_towers
    if extra.count == 0:
        return []
    cell_m = layers.cell_km * 1000.0
    spacing = max(1, round(extra.candidate_spacing_km / layers.cell_km))
    grid = np.zeros(layers.shape, dtype=bool)
    grid[spacing // 2 :: spacing, spacing // 2 :: spacing] = True
    candidates = np.argwhere(grid & border.zone & border.destination & (layers.landcover != WATER))
    if extra.sector is not None:
        x_km = (candidates[:, 1] + 0.5) * layers.cell_km
        candidates = candidates[(x_km >= extra.sector[0]) & (x_km <= extra.sector[1])]
    if len(candidates) < extra.count:
        raise InputError(
            [
                Problem(
                    file,
                    "surveillance.extra_towers.count",
                    f"given {extra.count}, but only {len(candidates)} candidate sites lie in the border zone on the "
                    f"destination side at a spacing of {extra.candidate_spacing_km:g} km; allowed: at most "
                    f"{len(candidates)}, or a smaller candidate_spacing_km",
                )
            ]
        )
    rate = extra.detection_rate_per_hour * tier_factor(scenario, extra.tech_tier)
    line_rows, line_cols = border.cells[:, 0], border.cells[:, 1]
    seen = np.zeros((len(candidates), len(line_rows)), dtype=bool)
    for k, (r, c) in enumerate(candidates):
        near = np.flatnonzero(np.hypot(line_rows - r, line_cols - c) * cell_m <= extra.range_m)
        if near.size:
            seen[k, near] = visible_from(
                layers.elevation,
                (r, c),
                line_rows[near],
                line_cols[near],
                mast_height_m=extra.mast_height_m,
                cell_m=cell_m,
                target_height_m=scenario.surveillance.target_height_m,
            )
    line = LineCoverage(
        seen=seen,
        length_km=border.cell_lengths() * layers.cell_km,
        concealment=layers.concealment[line_rows, line_cols].astype(np.float64),
        rate=coverage_rate[line_rows, line_cols].astype(np.float64),
        threshold=scenario.surveillance.blind_spot_threshold_per_hour,
        tower_rate=rate,
    )
    chosen = choose_sites(line, candidates * layers.cell_km, extra.count, extra.min_spacing_km)
    if len(chosen) < extra.count:
        raise InputError(
            [
                Problem(
                    file,
                    "surveillance.extra_towers.count",
                    f"given {extra.count}, but only {len(chosen)} towers fit {extra.min_spacing_km:g} km apart on the "
                    f"{len(candidates)} candidate sites (every {extra.candidate_spacing_km:g} km in the border zone "
                    f"on the destination side); allowed: at most {len(chosen)}, or a smaller "
                    "surveillance.extra_towers.min_spacing_km",
                )
            ]
        )
    sites = []
    for index, gain in chosen:
        cell = (int(candidates[index][0]), int(candidates[index][1]))
        site = SensorSite(
            kind="tower",
            cell=cell,
            mast_height_m=extra.mast_height_m,
            range_m=extra.range_m,
            detection_rate_per_hour=rate,
            agency=extra.agency,
            cost_per_year=extra.cost_per_year,
            capital_cost_per_year=extra.capital_cost / extra.lifetime_years,
            auto_sited=True,
            coverage_gain_km=gain,
        )
        site.visible = viewshed(
            layers.elevation,
            cell,
            mast_height_m=extra.mast_height_m,
            range_m=extra.range_m,
            cell_m=cell_m,
            target_height_m=scenario.surveillance.target_height_m,
        )
        sites.append(site)
    return sites


@dataclass(frozen=True)
class LineCoverage:
    """What the siting of extra towers knows of the border line, cell by cell.

    Attributes:
        seen: bool (candidates, line cells): which line cells each candidate sees.
        length_km: each line cell's length along the line.
        concealment: each line cell's concealment factor.
        rate: the summed detection rate (per hour) of the sensors already there, per line cell.
        threshold: the blind-spot threshold (per hour, after concealment).
        tower_rate: the detection rate one extra tower adds where it sees.
    """

    seen: np.ndarray
    length_km: np.ndarray
    concealment: np.ndarray
    rate: np.ndarray
    threshold: float
    tower_rate: float

    def gain(self, candidate: int, rate: np.ndarray) -> tuple[float, float]:
        """``(gain, blind)`` of a candidate on top of the line cells' summed ``rate``: the km of line covered it adds
        (each cell's length times the rise of ``min(rate x concealment, threshold) / threshold``), and, for ties, the
        km of line below the threshold it sees; both rounded to 1e-9 km, so equal sums in another order tie."""
        view = self.seen[candidate]
        now, concealment, length = rate[view], self.concealment[view], self.length_km[view]
        blind = float(np.round((length * (now * concealment < self.threshold)).sum(), 9))
        if self.threshold <= 0:  # nothing is blind: no tower adds coverage
            return 0.0, blind
        before = np.minimum(now * concealment, self.threshold)
        after = np.minimum((now + self.tower_rate) * concealment, self.threshold)
        return float(np.round((length * (after - before)).sum() / self.threshold, 9)), blind


def choose_sites(
    line: LineCoverage, positions_km: np.ndarray, count: int, min_spacing_km: float, *, lazy: bool = True
) -> list[tuple[int, float]]:
    """Greedy maximum coverage: ``count`` candidates, each adding the most covered line to those before it.

    Ties go to the candidate seeing the longest stretch of line still below the threshold, then to the first
    candidate (row-major order). A chosen candidate removes every candidate closer than ``min_spacing_km``
    (distance between the positions, km). With ``lazy`` (CELF), candidates wait in a priority queue under their
    last computed gain; only the top is computed again, and it is chosen when its gain is current. Both the gain and
    the tie-break can only fall as towers are added (the objective is submodular), so a stale value bounds the
    current one and the lazy choice is exactly the plain one (``lazy=False`` computes every gain at every step).

    Returns:
        ``(candidate index, gain in km)`` per tower chosen, in order; fewer than ``count`` when no candidate is
        left that keeps the spacing.
    """
    import heapq

    rate = line.rate.copy()
    available = np.ones(len(positions_km), dtype=bool)
    chosen: list[tuple[int, float]] = []
    heap = [(-g, -b, k, 0) for k in range(len(positions_km)) for g, b in [line.gain(k, rate)]] if lazy else []
    heapq.heapify(heap)
    while len(chosen) < count:
        if lazy:
            best = None
            while heap:
                neg_gain, _, k, step = heapq.heappop(heap)
                if not available[k]:
                    continue
                if step == len(chosen):
                    best = (k, -neg_gain)
                    break
                gain, blind = line.gain(k, rate)
                heapq.heappush(heap, (-gain, -blind, k, len(chosen)))
            if best is None:
                break
        else:
            scores = [(line.gain(k, rate), k) for k in np.flatnonzero(available)]
            if not scores:
                break
            (gain, _), k = max(scores, key=lambda s: (s[0][0], s[0][1], -s[1]))
            best = (int(k), gain)
        k, gain = best
        chosen.append((int(k), gain))
        rate = rate + line.seen[k] * line.tower_rate
        near = np.hypot(*(positions_km - positions_km[k]).T) < min_spacing_km
        available[near] = False
        available[k] = False
    return chosen


# --------------------------------------------------------------------------- integrating along moves


def segments_cells(
    r0: np.ndarray | float, c0: np.ndarray | float, r1: np.ndarray | float, c1: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cells crossed by straight segments, with the share of each segment's length in each cell.

    Coordinates are in cell units with cell centres at whole numbers: cell ``(r, c)`` spans
    ``[r - 0.5, r + 0.5) x [c - 0.5, c + 0.5)``, so whole numbers are cell indices and a position
    ``(x_km, y_km)`` is ``(y_km / cell_km - 0.5, x_km / cell_km - 0.5)``. Every cell whose interior
    a segment passes is listed, in order from start to end (a supercover, except cells touched only
    at a corner, where the segment spends no length). A segment of zero length gives its one cell
    with share 1. Vectorised over many segments: no Python loop per segment or per cell.

    Returns:
        ``(segment, rows, cols, share)``: flat arrays, one entry per (segment, cell) crossed;
        ``segment`` indexes the inputs, ``share`` sums to 1 per segment. The time spent in a cell
        is ``share`` times the time the move takes.
    """
    r0, c0, r1, c1 = (np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in (r0, c0, r1, c1))
    r0, c0, r1, c1 = np.broadcast_arrays(r0, c0, r1, c1)
    dr, dc = r1 - r0, c1 - c0
    times = np.concatenate(
        [np.zeros((r0.size, 1)), np.ones((r0.size, 1)), _boundary_times(r0, r1), _boundary_times(c0, c1)], axis=1
    )
    times.sort(axis=1)
    share = np.diff(times, axis=1)
    keep = (share > 1e-12) & (times[:, 1:] <= 1.0)
    mid = 0.5 * (times[:, :-1] + times[:, 1:])
    segment, slot = np.nonzero(keep)
    t = mid[segment, slot]
    rows = np.floor(r0[segment] + t * dr[segment] + 0.5).astype(np.int64)
    cols = np.floor(c0[segment] + t * dc[segment] + 0.5).astype(np.int64)
    return segment, rows, cols, share[segment, slot]


def _boundary_times(a0: np.ndarray, a1: np.ndarray) -> np.ndarray:
    """Fractions along each segment where it crosses a cell boundary ``k + 0.5`` of one axis (2 = none)."""
    lo, hi = np.minimum(a0, a1), np.maximum(a0, a1)
    first = np.floor(lo - 0.5) + 1.5  # smallest boundary strictly above lo
    count = np.maximum(0, np.ceil(hi - first)).astype(np.int64)
    most = int(count.max()) if count.size else 0
    if most == 0:
        return np.full((a0.size, 0), 2.0)
    j = np.arange(most)[None, :]
    span = np.where(a1 == a0, 1.0, a1 - a0)[:, None]
    t = (first[:, None] + j - a0[:, None]) / span
    return np.where(j < count[:, None], t, 2.0)


def path_cells(r0: float, c0: float, r1: float, c1: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cells one straight segment passes, in order: ``(rows, cols, share)`` (see :func:`segments_cells`)."""
    _, rows, cols, share = segments_cells(r0, c0, r1, c1)
    return rows, cols, share


def segment_means(raster: np.ndarray, r0: np.ndarray, c0: np.ndarray, r1: np.ndarray, c1: np.ndarray) -> np.ndarray:
    """Length-weighted mean of ``raster`` along each segment (cell units as in :func:`segments_cells`).

    Multiplied by the time a move takes, this is the integral the model needs: with the coverage
    raster, the detection hazard of a move (``P = 1 - exp(-mean * hours)``); with the exposure
    raster, the hazard of death on foot. Cells off the raster count as 0.
    """
    segment, rows, cols, share = segments_cells(r0, c0, r1, c1)
    height, width = raster.shape
    inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
    values = np.zeros(rows.shape, dtype=np.float64)
    values[inside] = raster[rows[inside], cols[inside]]
    count = np.broadcast_shapes(*(np.shape(v) for v in (r0, c0, r1, c1)))
    return np.bincount(segment, weights=values * share, minlength=int(np.prod(count)) if count else 1)
