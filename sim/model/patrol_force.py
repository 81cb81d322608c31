"""The patrol force: its roster, shifts and movement, and the dispatch of patrols to alerts.

:class:`PatrolForce` holds the patrols' positions and waypoints as arrays and moves every unit on
duty at once (vectorised, in detection sub-steps); each :class:`~sim.model.agents.patrol.Patrol`
decides where to go next by its strategy, using the force's sampling helpers (the patrol area, the
fixed beats, the randomized strategy's mixed weights). When a detection raises an alert, the force
picks the responder and sets up the pursuit (:mod:`sim.model.response`): the dispatcher knows where
and when a group was seen, not where it is going.

It is given the world, the ``[patrols]`` and ``[agencies]`` tables, the traffickers' walking speed (for
tracking), the time line, the books, the intelligence exchange (the randomized strategy's risk), the route planner
(the stackelberg strategy's security game, :mod:`sim.model.sector_game`) and a factory of patrol agents; it draws
only from each patrol's and each group's own streams.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from sim.model.agents.patrol import Patrol, PatrolStatus
from sim.model.response import Alert, DriveTimes, Pursuit, track
from sim.model.sector_game import SectorGame
from sim.model.streams import Mechanism, pick_by_weight
from sim.world import Cell
from sim.world.border import along_km, cell_lengths, line_tangents

if TYPE_CHECKING:
    from sim.model.intel import IntelExchange
    from sim.model.interfaces import Ledger, Timeline
    from sim.model.routing import RoutePlanner
    from sim.scenario import Agencies, Patrols, Traffickers
    from sim.world import World

#: Longest sub-step (h) over which detection hazards are integrated: numerical resolution, not behaviour.
DETECTION_SUBSTEP_H = 0.125


#: The code of each patrol status in :attr:`PatrolForce.status_code`.
STATUS_CODES = {status: np.int8(i) for i, status in enumerate(PatrolStatus)}
PATROLLING, OFF_DUTY = STATUS_CODES[PatrolStatus.PATROLLING], STATUS_CODES[PatrolStatus.OFF_DUTY]


def substeps(dt: float) -> int:
    """Sub-steps of at most :data:`DETECTION_SUBSTEP_H` in a step of ``dt`` hours."""
    return max(1, int(np.ceil(dt / DETECTION_SUBSTEP_H - 1e-9)))


def apportion(weights: np.ndarray, n: int) -> np.ndarray:
    """``n`` whole units shared in proportion to ``weights`` by largest remainder (Hamilton's method), ties to the
    first: the floor of each quota, then one more to the largest remainders until ``n`` are placed. All-zero
    weights give every quota 0, and the ``n`` go one each to the first."""
    weights = np.asarray(weights, dtype=float)
    quota = weights / weights.sum() * n if weights.sum() > 0 else np.zeros(len(weights))
    counts = np.floor(quota).astype(int)
    for i in np.argsort(-(quota - counts), kind="stable")[: n - counts.sum()]:
        counts[i] += 1
    return counts


class PatrolForce:
    """Every patrol unit: roster by agency, shifts, movement, waypoint sampling, dispatch and pursuit.

    Args:
        world: the world (the patrol area, the line, drive times).
        patrols: the ``[patrols]`` table.
        agencies: the ``[agencies]`` table (each agency's share of the units).
        traffickers: the ``[traffickers]`` table: the groups' walking speed, which trackers outpace, and how groups
            react to a response they see coming.
        timeline: model time.
        ledger: the books (patrol hours on duty, responses).
        intel: the intelligence exchange (the points each agency sees, for the randomized strategy).
        planner: the route planner (the networks' route costs, for the stackelberg strategy's security game,
            :class:`~sim.model.sector_game.SectorGame`).
        make_patrol: ``make_patrol(index, agency, beat)``: a new patrol agent (:meth:`deploy`).
    """

    def __init__(
        self,
        world: World,
        patrols: Patrols,
        agencies: Agencies,
        traffickers: Traffickers,
        timeline: Timeline,
        ledger: Ledger,
        intel: IntelExchange,
        planner: RoutePlanner,
        make_patrol: Callable[[int, str, tuple[float, float]], Patrol],
    ):
        self.world, self.cfg, self.agencies, self.traffickers = world, patrols, agencies, traffickers
        self.walk_speed_kmh = traffickers.walk_speed_kmh
        self.timeline, self.ledger, self.intel, self.make_patrol = timeline, ledger, intel, make_patrol
        self.drive = DriveTimes(world, patrols, within_hours=patrols.max_response_hours)
        self._risk_cache: dict[str, tuple[float, np.ndarray]] = {}
        stackelberg = patrols.strategy == "stackelberg"
        #: The sectors' security game (the stackelberg strategy; None under the others).
        self.game = SectorGame(world, patrols, traffickers, planner, intel, timeline) if stackelberg else None
        #: Units on the roster by agency (:meth:`deploy`).
        self.roster: dict[str, int] = {}
        self._coverage_cache: dict[str, tuple[float, np.ndarray]] = {}
        self.pos = np.zeros((0, 2))
        self.waypoint = np.zeros((0, 2))
        #: The cell (row, col) under each unit, always a passable one (a patrol's ``cell`` reads it).
        self.cell_rc = np.zeros((0, 2), dtype=np.int64)
        #: Each unit's status as a code (:data:`STATUS_CODES`), kept equal to ``patrol.status`` (:meth:`note_status`),
        #: and its shift cycle and offset (h): the step moves, counts and picks units by these arrays.
        self.status_code = np.zeros(0, dtype=np.int8)
        self.shift_cycle_h = np.zeros(0)
        self.shift_offset_h = np.zeros(0)
        #: Each unit's agency (:meth:`nearest_free` picks the units of the agencies alerted from it).
        self.agency_of = np.zeros(0, dtype=object)
        #: Per agency, which units are its (a mask over :attr:`agency_of`).
        self._units_of: dict[str, np.ndarray] = {}
        #: Units whose position or waypoint may lie outside :attr:`open_box` (set where either is written), and how
        #: many: :meth:`move` tests the ground under the others' new positions only when one of them moves.
        self.astray = np.zeros(0, dtype=bool)
        self._astray_count = 0
        self.patrols: list[Patrol] = []
        self._setup_area()
        self._setup_line()
        self._setup_sectors()
        self._setup_parts()

    # -- set-up -----------------------------------------------------------------------------------------
    def _setup_area(self) -> None:
        """The patrol area: destination-side border zone (within ``patrols.sector`` if given), passable."""
        w = self.world
        area = w.zone_mask & w.passable & ~w.origin_mask
        sector = self.cfg.sector
        if sector is not None:
            x = (np.arange(w.width) + 0.5) * w.cell_km
            area &= ((x >= sector[0]) & (x <= sector[1]))[None, :]
        if not area.any():
            area = w.zone_mask & w.passable
        self.cells = np.argwhere(area)
        self._cell_list = self.cells.tolist()  # the same (row, col) as Python ints, for drawing one at a time
        #: The box (km: lowest x, lowest y, highest x, highest y) of the patrol area's cells, drawn in by a margin far
        #: above rounding, when every cell in it is passable: a unit moving from a point inside it toward a waypoint
        #: inside it stays on passable ground, and :meth:`move` skips its passability test. None when the box holds
        #: impassable ground.
        self.open_box: tuple[float, float, float, float] | None = None
        if len(self.cells):
            (r0, c0), (r1, c1) = self.cells.min(axis=0).tolist(), self.cells.max(axis=0).tolist()
            if w.passable[r0 : r1 + 1, c0 : c1 + 1].all():
                km, margin = w.cell_km, 1e-6 * w.cell_km
                self.open_box = (c0 * km + margin, r0 * km + margin, (c1 + 1) * km - margin, (r1 + 1) * km - margin)

    def _setup_line(self) -> None:
        """Positions along the border line (km from its start) and, for each line cell, the cell just behind
        it on the destination side and the line's direction there (fixed beats)."""
        w = self.world
        cells = w.border_cells
        #: Distance along the line (km) to each line cell's centre, and where each cell's stretch begins.
        self.line_km = along_km(cells, w.cell_km)
        lengths = cell_lengths(cells)
        self.line_starts = np.concatenate(([0.0], np.cumsum(lengths)[:-1]))  # in cells
        self.line_length_km = float(lengths.sum()) * w.cell_km
        self.line_tangent = line_tangents(cells)  # (d_row, d_col) along the line
        self.behind = np.array([self._behind(k) for k in range(len(cells))], dtype=np.int64).reshape(-1, 2)

    def _setup_sectors(self) -> None:
        """The stackelberg strategy's sectors: ``patrols.stackelberg_sectors`` stretches of equal length of the
        line the force patrols (:meth:`extent`); each line cell belongs to the sector holding its centre (-1:
        outside the stretch), each patrol-area cell to the sector of the line cell it faces."""
        w, n = self.world, self.cfg.stackelberg_sectors
        start, end = self.extent()
        edges = np.linspace(start, end, n + 1)
        sector = np.searchsorted(edges, self.line_km, side="right") - 1
        sector = np.where(self.line_km >= end, n - 1, sector)
        #: Sector of each line cell (``World.border_cells`` order), -1 outside the patrolled stretch.
        self.line_sector = np.where((self.line_km >= start) & (self.line_km <= end), np.clip(sector, 0, n - 1), -1)
        #: Sector of each patrol-area cell (:attr:`cells` order), -1 when the line cell it faces is outside.
        self.cell_sector = self.line_sector[w.border_facing[self.cells[:, 0], self.cells[:, 1]]]

    def _setup_parts(self) -> None:
        """The roster's split along the line (``patrols.sector_shares``): the patrolled stretch (:meth:`extent`)
        cut into equal parts from the line's start; each patrol-area cell belongs to the part holding the line
        cell it faces. No split: no parts, and every unit patrols every cell."""
        shares = self.cfg.sector_shares
        #: Per part: its ends (km along the line) and the indices (into :attr:`cells`) of its cells.
        self.part_ends: list[tuple[float, float]] = []
        self.part_cells: list[np.ndarray] = []
        if not shares:
            return
        start, end = self.extent()
        edges = np.linspace(start, end, len(shares) + 1)
        facing = self.line_km[self.world.border_facing[self.cells[:, 0], self.cells[:, 1]]]
        part = np.clip(np.searchsorted(edges, facing, side="right") - 1, 0, len(shares) - 1)
        self.part_ends = [(float(a), float(b)) for a, b in itertools.pairwise(edges)]
        self.part_cells = [np.flatnonzero(part == k) for k in range(len(shares))]

    def unit_parts(self, owners: list[str]) -> list[int | None]:
        """Each unit's part (``None`` without a split): each agency's units (in roster order) apportioned to the
        parts by ``patrols.sector_shares`` (largest remainder), the first of them to the first part."""
        shares = np.asarray(self.cfg.sector_shares, dtype=float)
        if not len(shares):
            return [None] * len(owners)
        parts: list[int | None] = [None] * len(owners)
        for agency in dict.fromkeys(owners):
            units = [i for i, owner in enumerate(owners) if owner == agency]
            counts = apportion(shares, len(units))
            for i, k in zip(units, np.repeat(np.arange(len(shares)), counts), strict=True):
                parts[i] = int(k)
        return parts

    def _behind(self, k: int) -> tuple[int, int]:
        """The cell just behind line cell ``k`` on the destination side: across the line from it (square to its
        direction), else any edge neighbour on that side, else the line cell itself."""
        w = self.world
        r, c = (int(v) for v in w.border_cells[k])
        dr, dc = self.line_tangent[k]
        across = [(round(dc), round(-dr)), (round(-dc), round(dr))]
        for step_r, step_c in [*across, (-1, 0), (1, 0), (0, -1), (0, 1)]:
            rr, cc = r + step_r, c + step_c
            if (step_r or step_c) and 0 <= rr < w.height and 0 <= cc < w.width and w.destination_mask[rr, cc]:
                return rr, cc
        return r, c

    def deploy(self) -> None:
        """Create the units: ``patrols.count`` apportioned to the agencies by ``patrol_share`` (largest
        remainder), each with a stretch of the line (km along it) for fixed beats, a start point and a first
        waypoint."""
        n = self.cfg.count
        shares = np.array([a.patrol_share for a in self.agencies.members], dtype=float)
        agencies = [a.name for a in self.agencies.members]
        counts = apportion(shares, n)
        owners = [agencies[i] for i, c in enumerate(counts) for _ in range(c)]
        self.roster = {agency: int(c) for agency, c in zip(agencies, counts, strict=True)}
        parts = self.unit_parts(owners)
        beats = self._beats(parts)
        self.pos = np.zeros((n, 2))
        self.waypoint = np.zeros((n, 2))
        self.cell_rc = np.zeros((n, 2), dtype=np.int64)
        self.astray = np.ones(n, dtype=bool)
        self._astray_count = n
        self.status_code = np.full(n, STATUS_CODES[PatrolStatus.PATROLLING], dtype=np.int8)
        for i, agency in enumerate(owners):
            patrol = self.make_patrol(i, agency, beats[i])
            patrol.part = parts[i]
            self.status_code[i] = STATUS_CODES[patrol.status]
            self.pos[i] = self.sample_cell(None, patrol.stream, patrol.part)
            patrol.cell = self.world.cell_of(*self.pos[i])
            self.patrols.append(patrol)
            self.new_waypoint(patrol)
            self._check_astray(i)
        self.agency_of = np.array([p.agency for p in self.patrols], dtype=object)
        self._units_of = {agency: self.agency_of == agency for agency in self.roster}
        self.shift_cycle_h = np.array([p.shift_cycle_h for p in self.patrols], dtype=float)
        self.shift_offset_h = np.array([p.shift_offset_h for p in self.patrols], dtype=float)

    def _beats(self, parts: list[int | None]) -> list[tuple[float, float]]:
        """Each unit's stretch of line for fixed beats: the patrolled stretch cut into equal beats, one a unit;
        with a split of the roster, each part cut among its own units."""
        start, end = self.extent()
        if not self.part_ends:
            edges = np.linspace(start, end, len(parts) + 1)
            return [(float(edges[i]), float(edges[i + 1])) for i in range(len(parts))]
        beats: list[tuple[float, float]] = [(start, end)] * len(parts)
        for k, (a, b) in enumerate(self.part_ends):
            units = [i for i, part in enumerate(parts) if part == k]
            edges = np.linspace(a, b, len(units) + 1)
            for j, i in enumerate(units):
                beats[i] = (float(edges[j]), float(edges[j + 1]))
        return beats

    def note_status(self, index: int, status: PatrolStatus) -> None:
        """Unit ``index`` is now ``status`` (its agent's status setter calls this)."""
        if index < len(self.status_code):
            self.status_code[index] = STATUS_CODES[status]

    def extent(self) -> tuple[float, float]:
        """Ends (km along the border line from its start) of the stretch of line the force patrols: the whole
        line, or with ``patrols.sector`` the stretch from the first to the last line cell within the sector."""
        w = self.world
        sector = self.cfg.sector
        if sector is not None:
            x = (w.border_cells[:, 1] + 0.5) * w.cell_km
            inside = np.flatnonzero((x >= sector[0]) & (x <= sector[1]))
            if inside.size:
                lengths = cell_lengths(w.border_cells)
                return float(self.line_starts[inside[0]] * w.cell_km), float(
                    (self.line_starts[inside[-1]] + lengths[inside[-1]]) * w.cell_km
                )
        return 0.0, self.line_length_km

    # -- shifts and movement ------------------------------------------------------------------------
    def update_shifts(self) -> None:
        """Each unit works ``shift_hours`` in every cycle of ``shift_hours / on_duty_share`` hours."""
        shift, now = self.cfg.shift_hours, self.timeline.hours
        on = ((now + self.shift_offset_h) % self.shift_cycle_h) < shift
        code = self.status_code
        for i in (on & (code == OFF_DUTY)).nonzero()[0].tolist():
            self.patrols[i].status = PatrolStatus.PATROLLING
            code[i] = PATROLLING
        for i in (~on & (code == PATROLLING)).nonzero()[0].tolist():
            self.patrols[i].status = PatrolStatus.OFF_DUTY
            code[i] = OFF_DUTY
        on_duty = int(np.count_nonzero(code != OFF_DUTY))
        self.ledger.counters["patrol_hours"] += on_duty * self.timeline.step_hours

    def on_duty(self) -> np.ndarray:
        return self.status_code != OFF_DUTY

    def move(self, dt: float) -> np.ndarray:
        """Vectorised movement of patrolling units toward their waypoints, in detection sub-steps.

        A unit that reaches its waypoint picks the next one at once and drives on in the next
        sub-step, so patrols cover the same ground whatever the step length. Returns the positions
        at the sub-step boundaries, shape (K + 1, P, 2) in km, for detection.
        """
        w = self.world
        n_sub = substeps(dt)
        path = np.empty((n_sub + 1, len(self.patrols), 2))
        path[0] = self.pos
        if not self.patrols:
            return path
        reach = self.cfg.speed_kmh * dt / n_sub
        # Only the units patrolling move: the work of a sub-step is on their rows alone (the others stay put).
        moving = (self.status_code == PATROLLING).nonzero()[0]
        if not len(moving):
            path[1:] = self.pos
            return path
        # The positions of the units moving at the sub-step boundaries, (K + 1, M, 2); each sub-step's arithmetic is
        # written into the next row in place, the same operations on the same values as a sub-step on copies.
        track = np.empty((n_sub + 1, len(moving), 2))
        track[0] = self.pos[moving]
        goal = self.waypoint[moving]
        top = np.array([w.width - 1, w.height - 1])
        passable, cell_km = w.passable, w.cell_km
        open_ground = not (self._astray_count and self.astray[moving].any())
        for k in range(n_sub):
            pos, new = track[k], track[k + 1]
            delta = goal - pos
            dist = np.hypot(delta[:, 0], delta[:, 1])
            frac = np.minimum(1.0, reach / np.maximum(dist, 1e-12))
            np.multiply(delta, frac[:, None], out=delta)
            np.add(pos, delta, out=new)
            if open_ground:  # between points of the open box: every new position is on passable ground
                done = (frac >= 1.0).nonzero()[0]
            else:
                cells = np.minimum((new / cell_km).astype(int), top)  # (col, row) of each new position
                ok = passable[cells[:, 1], cells[:, 0]]
                if ok.all():
                    done = (frac >= 1.0).nonzero()[0]
                else:  # a unit that would step onto impassable ground stays put and picks another waypoint
                    stuck = ~ok
                    new[stuck] = pos[stuck]
                    done = ((frac >= 1.0) | stuck).nonzero()[0]
            if len(done):
                for i in moving[done].tolist():
                    self.new_waypoint(self.patrols[i])
                goal = self.waypoint[moving]
                open_ground = open_ground and not (self._astray_count and self.astray[moving].any())
        path[1:] = self.pos
        path[1:, moving] = track[1:]
        pos = track[-1]
        self.pos[moving] = pos
        self.cell_rc[moving] = np.minimum((pos / cell_km).astype(int), top)[:, ::-1]  # (row, col) of each (col, row)
        if self._astray_count:  # units that have come into the box since
            for i in np.flatnonzero(self.astray).tolist():
                self._check_astray(i)
        return path

    def _in_open_box(self, x_km: float, y_km: float) -> bool:
        box = self.open_box
        return box is not None and box[0] <= x_km <= box[2] and box[1] <= y_km <= box[3]

    def _check_astray(self, index: int) -> None:
        """Whether unit ``index`` is astray (:attr:`astray`): its position or its waypoint outside the open box.

        A unit's new position in a sub-step is its position moved part of the way to its waypoint (a share in
        [0, 1] of the difference): with both in the box, the new position is in it (the box's margin is far
        above the arithmetic's rounding), on passable ground; so a unit that is not astray stays so as it moves."""
        x, y = self.pos[index].tolist()
        gx, gy = self.waypoint[index].tolist()
        astray = not (self._in_open_box(x, y) and self._in_open_box(gx, gy))
        if astray != self.astray[index]:
            self.astray[index] = astray
            self._astray_count += 1 if astray else -1

    def place(self, patrol: Patrol, x_km: float, y_km: float) -> None:
        """Put a patrol at a point (km); its cell follows when the point is on passable ground."""
        self.pos[patrol.index] = (x_km, y_km)
        self._check_astray(patrol.index)
        cell = self.world.cell_of(x_km, y_km)
        if self.world.passable[cell]:
            patrol.cell = cell

    # -- where to go: helpers for the patrols' strategies ------------------------------------------------
    def new_waypoint(self, patrol: Patrol) -> None:
        i, point = patrol.index, patrol.choose_waypoint()
        self.waypoint[i] = point
        deployed = i < len(self.astray)
        if deployed and (self.astray[i] or not self._in_open_box(*np.asarray(point, dtype=float).tolist())):
            self._check_astray(i)

    def sample_cell(self, weights: np.ndarray | None, rng: np.random.Generator, part: int | None = None) -> np.ndarray:
        """A random point (km) in a patrol-area cell, uniform or by weights over patrol cells (three draws from
        ``rng``, the patrol's stream: the cell by inversion, the point within it); with ``part``, among that
        part's cells only (:meth:`_setup_parts`; uniform there when the weights give them nothing)."""
        u0, u1, u2 = rng.random(3).tolist()
        cells = self.part_cells[part] if part is not None and len(self.part_cells[part]) else None
        if cells is None:
            n = len(self.cells)
            i = min(int(u0 * n), n - 1) if weights is None else pick_by_weight(weights, u0)
        elif weights is None or not weights[cells].sum() > 0:
            i = int(cells[min(int(u0 * len(cells)), len(cells) - 1)])
        else:
            i = int(cells[pick_by_weight(weights[cells], u0)])
        r, c = self._cell_list[i]
        km = self.world.cell_km
        return np.array([(c + u1) * km, (r + u2) * km])

    def clip_to_area(self, point: np.ndarray, part: int | None = None) -> np.ndarray:
        """The patrol-area cell centre nearest to ``point`` (km); with ``part``, the nearest of that part's."""
        area = self.cells if part is None or not len(self.part_cells[part]) else self.cells[self.part_cells[part]]
        cells = (area[:, ::-1] + 0.5) * self.world.cell_km
        i = int(np.argmin(((cells - point) ** 2).sum(axis=1)))
        return cells[i].copy()

    def beat_point(self, along: float) -> np.ndarray:
        """A point (x_km, y_km) on the destination side just behind the border line, ``along`` km along it
        (fixed beats): behind the line cell whose stretch holds it, moved along the line's direction to it."""
        w = self.world
        k = int(np.searchsorted(self.line_starts, along / w.cell_km, side="right")) - 1
        k = min(max(k, 0), len(self.behind) - 1)
        shift = along - self.line_km[k]
        r, c = self.behind[k]
        d_row, d_col = self.line_tangent[k]
        return np.array([(c + 0.5) * w.cell_km + shift * d_col, (r + 0.5) * w.cell_km + shift * d_row])

    def randomized_weights(self, agency: str) -> np.ndarray:
        """Mixed strategy over patrol cells: estimated crossing risk with a uniform floor (recomputed daily)."""
        day = float(np.floor(self.timeline.days))
        cached = self._risk_cache.get(agency)
        if cached is not None and cached[0] == day:
            return cached[1]
        w, cells, cfg = self.world, self.cells, self.cfg
        blind = 1.0 / (1.0 + w.coverage[cells[:, 0], cells[:, 1]])  # crossings favour low coverage
        points, ages = self.intel.visible_points(agency, self.timeline.hours)
        risk = blind.astype(float)
        if len(points):
            centres = (cells[:, ::-1] + 0.5) * w.cell_km
            d2 = ((centres[:, None, :] - points[None, :, :]) ** 2).sum(axis=2)
            kernel = np.exp(-d2 / (2.0 * cfg.randomized_kernel_km**2))
            risk = risk + (kernel * 0.5 ** (ages / cfg.randomized_half_life_hours)[None, :]).sum(axis=1)
        risk = risk / risk.sum()
        floor = cfg.randomized_floor
        weights = (1 - floor) * risk + floor / len(cells)
        weights = weights / weights.sum()
        self._risk_cache[agency] = (day, weights)
        return weights

    def stackelberg_coverage(self, agency: str) -> np.ndarray:
        """The agency's equilibrium coverage of each sector (:class:`~sim.model.sector_game.SectorGame`), its
        resources the agency's units on duty (its roster times ``on_duty_share``); recomputed from its
        intelligence once every ``patrols.stackelberg_period_days``."""
        period = float(np.floor(self.timeline.days / self.cfg.stackelberg_period_days))
        cached = self._coverage_cache.get(agency)
        if cached is not None and cached[0] == period:
            return cached[1]
        resources = self.roster.get(agency, 0) * self.cfg.on_duty_share
        coverage, _ = self.game.coverage(
            agency, resources, self.cells, self.cell_sector, self.line_sector, self.cfg.stackelberg_sectors
        )
        self._coverage_cache[agency] = (period, coverage)
        return coverage

    def stackelberg_weights(self, agency: str) -> np.ndarray:
        """Weights over patrol cells for the stackelberg strategy: a sector's coverage spread evenly over its
        cells, so that a waypoint falls in sector ``t`` with probability ``c_t / sum(c)`` and uniformly within
        it; uniform when nothing is covered."""
        coverage = self.stackelberg_coverage(agency)
        inside = self.cell_sector >= 0
        counts = np.bincount(self.cell_sector[inside], minlength=len(coverage))
        weights = np.zeros(len(self.cells))
        weights[inside] = coverage[self.cell_sector[inside]] / np.maximum(counts[self.cell_sector[inside]], 1)
        if not weights.sum() > 0:
            return np.full(len(self.cells), 1.0 / len(self.cells))
        return weights / weights.sum()

    # -- answering alerts ----------------------------------------------------------------------------------
    def dispatch(self, alert: Alert, agencies: list[str]) -> None:
        """Send the free patrol of the receiving agencies with the shortest drive to the alert.

        The dispatcher knows where and when the group was seen, not where it is going: the patrol
        drives to that point (or, for a group seen on the origin side, to the nearest point of the
        line) if it can be there within ``patrols.max_response_hours``, and tracks from there.
        """
        group = alert.group
        goal = self.response_goal(alert)
        nearest = self.nearest_free(agencies, goal[0], alert.patrol_xy) if goal is not None else None
        if nearest is None:
            group.detected = ""  # nobody answers: the group stays visible to the next detector
            self.ledger.counters["alerts_unanswered"] += 1
            return
        self.pursue(nearest[0], alert, goal)

    def nearest_free(self, agencies: list[str], target: Cell, positions: np.ndarray) -> tuple[Patrol, float] | None:
        """The patrolling unit of ``agencies`` with the shortest drive to ``target`` from ``positions`` (every
        patrol's, (P, 2) km) and its drive (h), if it can be there within ``patrols.max_response_hours``; else
        None."""
        theirs = np.zeros(len(self.patrols), dtype=bool)
        for agency in agencies:
            if agency in self._units_of:
                theirs |= self._units_of[agency]
        free = ((self.status_code == PATROLLING) & theirs).nonzero()[0]
        if not len(free):
            return None
        w, xy = self.world, positions[free]
        rows = np.clip((xy[:, 1] / w.cell_km).astype(int), 0, w.height - 1)  # World.cell_of, for every unit at once
        cols = np.clip((xy[:, 0] / w.cell_km).astype(int), 0, w.width - 1)
        # The searches of the ladder in turn (the last up to max_response_hours; inf beyond, refused below). A unit
        # found nearer than a shorter search's limit (its float32 time below the limit's) is the nearest of all:
        # every unit beyond that limit has a time at least the limit's, and the same time in every search.
        for limit in self.drive.ladder:
            drive = self.drive.search(target, limit)[rows, cols]
            best = int(np.argmin(drive))
            if drive[best] < np.float32(limit):
                break
        if not drive[best] <= self.cfg.max_response_hours:
            return None
        return self.patrols[free[best]], float(drive[best])

    def answer_false_alarm(self, x_km: float, y_km: float, when_h: float, agencies: list[str]) -> None:
        """Send the free patrol of ``agencies`` with the shortest drive to a false alarm's spot (:meth:`nearest_free`,
        from where the patrols are at the end of the step): it drives there, searches for
        ``patrols.false_alarm_search_hours``, finds nothing and patrols again from there."""
        target = self.world.cell_of(x_km, y_km)
        nearest = self.nearest_free(agencies, target, self.pos) if self.drive.drivable[target] else None
        if nearest is None:
            return
        patrol, drive_h = nearest
        busy_h = drive_h + self.cfg.false_alarm_search_hours
        self.ledger.counters["false_alarm_responses"] += 1
        self.ledger.counters["false_alarm_patrol_hours"] += busy_h
        patrol.check_false_alarm(x_km, y_km, when_h + busy_h)

    def response_goal(self, alert: Alert) -> tuple[Cell, int, bool] | None:
        """Where a responder drives: (cell, route index of the trail there, seen on the origin side).

        A group seen on the destination side is followed from where it was seen. A group seen on the
        origin side is awaited across the line from where it was seen (at the line cell facing that point,
        ``World.border_facing``), at the first cell on the way straight on over the line that a vehicle can
        reach; its trail is found where it crossed. None when no cell there can be reached by vehicle.
        """
        w, route = self.world, alert.group.route
        cell = w.cell_of(alert.x_km, alert.y_km)
        drivable = self.drive.drivable
        if not w.origin_mask[cell]:
            i = self.drive.first_drivable(route, route.index_at(alert.route_h))
            if i < 0:
                return None
            return (int(route.rows[i]), int(route.cols[i])), i, False
        line = w.border_cells[w.border_facing[cell]]
        d = line - np.asarray(cell)
        d = d / np.abs(d).max()  # one cell a step along the longer axis
        t = 0
        row, col = int(line[0]), int(line[1])
        while 0 <= row < w.height and 0 <= col < w.width and w.zone_mask[row, col] and not drivable[row, col]:
            t += 1
            row, col = int(line[0] + round(t * d[0])), int(line[1] + round(t * d[1]))
        if not (0 <= row < w.height and 0 <= col < w.width and drivable[row, col]):
            return None
        return (row, col), -1, True

    def pursue(self, patrol: Patrol, alert: Alert, goal: tuple[Cell, int, bool] | None) -> None:
        """Drive to the goal (:meth:`response_goal`), pick up the trail, track the group (``response.track``)."""
        group, route, cfg = alert.group, alert.group.route, self.cfg
        patrol_xy = alert.patrol_xy[patrol.index]
        if goal is None:
            group.detected = ""
            return
        goal_cell, trail_i, origin_side = goal
        drive_h = self.drive.hours(self.world.cell_of(*patrol_xy), goal_cell)
        if not np.isfinite(drive_h):
            group.detected = ""
            return
        depart_h = alert.when_h - alert.route_h  # model time at which the group set out
        if not origin_side:
            trail_route_h = max(alert.route_h, float(route.enter_time[trail_i]))
            arrive_h = alert.when_h + drive_h
        else:
            # Sign cutting: the patrol waits on the line near where the group was seen; it finds the
            # trail where the group crossed, after the crossing, by driving there along the line.
            cross_i = route.border_index  # a tunnel route meets the line at the tunnel's exit
            trail_i = self.drive.first_drivable(route, cross_i) if cross_i >= 0 else -1
            if trail_i < 0:
                group.detected = ""
                return
            trail_cell = (int(route.rows[trail_i]), int(route.cols[trail_i]))
            trail_route_h = float(route.enter_time[trail_i])
            along = self.drive.between(goal_cell, trail_cell)
            arrive_h = max(alert.when_h + drive_h, depart_h + trail_route_h) + along
        loss_draw, notice_draw = group.streams[Mechanism.RESPONSE].random(2)
        pursuit = track(
            trail_route_h=trail_route_h,
            arrive_wall_h=arrive_h,
            depart_wall_h=depart_h,
            zone_exit_route_h=route.zone_exit_time,
            speed_ratio=cfg.tracking_speed_kmh / self.walk_speed_kmh,
            trail_loss_per_hour=cfg.trail_loss_per_hour,
            loss_draw=float(loss_draw),
        )
        seen_h = max(arrive_h, depart_h + trail_route_h)  # the patrol is at the trail, in sight of the group
        if notice_draw < self.traffickers.notice_response_probability and self.turns_back(group, seen_h - depart_h):
            pursuit = Pursuit(False, float(np.clip(seen_h - depart_h, 0.0, route.total_time)), seen_h, turns_back=True)
        self.ledger.counters["responses"] += 1
        patrol.respond(group, pursuit)

    def turns_back(self, group, route_h: float) -> bool:
        """Whether a group on foot that sees a response coming at route time ``route_h`` turns back across the
        line: it is still short of the line, or at most ``traffickers.turn_back_km`` past it along its path, and
        has not left the border zone."""
        route = group.route
        b = route.border_index
        if group.mode != "foot" or b < 0 or route_h >= route.zone_exit_time:
            return False
        if route_h < route.enter_time[b]:
            return True
        km = route.km_along(self.world.cell_km)
        i = min(route.index_at(route_h), len(km) - 1)
        return float(km[i] - km[b]) <= self.traffickers.turn_back_km
