"""The border model: traffickers, victims, patrols, checkpoints, sensors, agencies and courts.

``BorderModel(scenario, seed=..., overrides=...)`` builds the world of a scenario and runs it in
steps of ``time.step_minutes``. The order of activation within a step is written out in
:meth:`BorderModel.step`. Delays (patrol responses, vehicle journeys, court stages, releases,
member replacement) are Mesa events scheduled on bound methods of objects the model holds.

Model time: one Mesa time unit is one step; :attr:`hours` converts. Positions of moving things
are continuous (km); their Mesa cell is the cell under them, always a passable one.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import mesa
import numpy as np
from mesa.discrete_space import OrthogonalMooreGrid, PropertyLayer

from sim.metrics import COST_ITEMS, OUTCOMES
from sim.model.agents.fixed import Checkpoint, Sensor
from sim.model.agents.patrol import Patrol, PatrolStatus
from sim.model.agents.trafficker import ACTIVE_STATUSES, Group, Network, Trafficker, TraffickerStatus
from sim.model.agents.victim import Victim, VictimState
from sim.model.detection import detection_probability, patrol_exposure
from sim.model.intel import IntelExchange
from sim.model.legal import CaseOutcome, CourtSystem
from sim.model.response import Alert, DriveTimes, track
from sim.model.routing import Route, RoutePlanner
from sim.scenario import LoadedScenario, load_scenario
from sim.schema import check_run_options
from sim.world import Cell, World, build_world

#: Longest sub-step (h) over which detection hazards are integrated: numerical resolution, not behaviour.
DETECTION_SUBSTEP_H = 0.125


class BorderModel(mesa.Model):
    """Agent-based model of one border sector. See ``docs/model.md`` for the mechanisms.

    Args:
        scenario: a scenario file path, a raw dict, or a :class:`~sim.scenario.LoadedScenario`.
        seed: seed of the model's single random generator (``Model(rng=seed)``).
        overrides: dotted-key overrides (``["patrols.count=12"]`` or ``{"patrols.count": 12}``).
        world: a prebuilt world of the same scenario (saves rebuilding terrain across runs).
    """

    def __init__(
        self,
        scenario: str | dict | LoadedScenario,
        seed: int = 0,
        overrides: list[str] | dict[str, Any] | None = None,
        world: World | None = None,
    ):
        check_run_options(seed=seed)
        super().__init__(rng=seed)
        self.loaded = scenario if isinstance(scenario, LoadedScenario) else load_scenario(scenario, overrides)
        self.spec = self.loaded.spec
        self.world = world if world is not None else build_world(self.loaded)
        self.seed = seed
        s = self.spec
        self.step_hours = s.time.step_minutes / 60.0
        self.steps_per_day = 24.0 / self.step_hours

        self.grid = OrthogonalMooreGrid((self.world.height, self.world.width), torus=False, random=self.random)
        for name in ("elevation", "coverage", "concealment", "exposure"):
            self.grid.add_property_layer(PropertyLayer.from_data(name, getattr(self.world, name).astype(float)))

        self.planner = RoutePlanner(
            self.world,
            s.traffickers.walk_speed_kmh,
            s.traffickers.risk_aversion,
            exposure_scale=s.victims.exposure_scale,
            hardship_aversion=s.traffickers.hardship_aversion,
        )
        self.drive = DriveTimes(self.world, s.patrols)
        self.intel = IntelExchange(s.agencies, self.rng)
        self.courts = CourtSystem(
            self,
            s.legal,
            self.steps_per_day,
            on_verdict=self._on_verdict,
            on_release=self._on_release,
            on_abscond=self._on_abscond,
            keep_history=False,
        )
        self.victim_counts: Counter = Counter(dict.fromkeys(VictimState, 0))
        self.counters: Counter = Counter()
        self.crossings: list[dict] = []
        # For the cost: when each supported victim entered support, and each prison sentence (start, days).
        self.support_started_days: list[float] = []
        self.sentences: list[tuple[float, float]] = []
        self.groups: dict[int, Group] = {}
        self._next_group = 0
        self.timeseries: list[dict] = []
        self.days_done = 0
        # People booked through each tunnel on each day of the run: {(tunnel index, day): people}.
        self._tunnel_people: Counter = Counter()
        # (kind, x_km, y_km) of detections and interdictions during the last call to step(), including
        # the scheduled events that ran before the step itself (for animation and the app).
        self.recent_events: list[tuple[str, float, float]] = []
        self._event_steps: list[int] = []
        self._in_step = False

        self._setup_places()
        self._setup_fixed_agents()
        self._setup_patrols()
        self._setup_networks()

    # ------------------------------------------------------------------ set-up
    def _setup_places(self) -> None:
        w = self.world
        self.staging_weights = np.array([p.weight for p in w.staging], dtype=float)
        self.destination_weights = np.array([p.weight for p in w.destinations], dtype=float)
        cols = np.arange(w.width)
        rows = w.border_row
        ok = w.passable[rows, cols] & ~np.isin(cols, [p.cell[1] for p in w.ports])
        self.border_cells = np.stack([rows[ok], cols[ok]], axis=1)
        patrol_area = w.zone_mask & w.passable & ~w.origin_mask
        sector = self.spec.patrols.sector
        if sector is not None:
            x = (np.arange(w.width) + 0.5) * w.cell_km
            patrol_area &= ((x >= sector[0]) & (x <= sector[1]))[None, :]
        if not patrol_area.any():
            patrol_area = w.zone_mask & w.passable
        self.patrol_cells = np.argwhere(patrol_area)
        self._patrol_index = -np.ones(w.passable.shape, dtype=np.int64)
        self._patrol_index[patrol_area] = np.arange(len(self.patrol_cells))
        # Which sensor's agency is alerted by a detection in each cell: the strongest in view.
        self.sensor_owner = -np.ones(w.passable.shape, dtype=np.int64)
        best = np.zeros(w.passable.shape)
        for i, site in enumerate(w.sensors):
            if site.visible is None:
                continue
            better = site.visible & (site.detection_rate_per_hour > best)
            self.sensor_owner[better] = i
            best[better] = site.detection_rate_per_hour

    def _setup_fixed_agents(self) -> None:
        self.sensor_agents = [Sensor(self, site) for site in self.world.sensors]
        self.checkpoints = [Checkpoint(self, i) for i in range(len(self.world.ports))]

    def _setup_patrols(self) -> None:
        s = self.spec
        n = s.patrols.count
        shares = np.array([a.patrol_share for a in s.agencies.members], dtype=float)
        agencies = [a.name for a in s.agencies.members]
        # Deterministic apportionment of the roster by share (largest remainder).
        quota = shares / shares.sum() * n if shares.sum() > 0 else np.zeros(len(shares))
        counts = np.floor(quota).astype(int)
        for i in np.argsort(-(quota - counts), kind="stable")[: n - counts.sum()]:
            counts[i] += 1
        owners = [agencies[i] for i, c in enumerate(counts) for _ in range(c)]
        west, east = self._patrol_extent()
        edges = np.linspace(west, east, n + 1)
        self._risk_cache: dict[str, tuple[float, np.ndarray]] = {}
        self.patrol_pos = np.zeros((n, 2))
        self.patrol_waypoint = np.zeros((n, 2))
        self.patrols: list[Patrol] = []
        for i, agency in enumerate(owners):
            patrol = Patrol(self, i, agency, (float(edges[i]), float(edges[i + 1])))
            self.patrol_pos[i] = self.sample_patrol_cell(None)
            patrol.cell = self.grid[self.world.cell_of(*self.patrol_pos[i])]
            self.patrols.append(patrol)
            self.new_waypoint(patrol)

    def _setup_networks(self) -> None:
        cfg = self.spec.traffickers
        self.networks = [Network(self, i) for i in range(cfg.networks)]
        for network in self.networks:
            for _ in range(cfg.members_per_network):
                Trafficker(self, network)

    # ------------------------------------------------------------------ time
    @property
    def hours(self) -> float:
        return self.time * self.step_hours

    @property
    def days(self) -> float:
        return self.hours / 24.0

    def hours_to_steps(self, hours: float) -> float:
        return hours / self.step_hours

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """One step of ``time.step_minutes``, in this order:

        1. patrol shifts change (who is on duty);
        2. networks recruit victims and send out full groups;
        3. groups on foot or in tunnels move along their routes; exposure deaths; where they cross the line;
        4. patrols move toward their waypoints;
        5. detection integrated over the step (sensors along each group's path, patrols over the
           relative motion), at a moment drawn within the step; alerts dispatched from that moment,
           pursuits that end within the step settled at once, later ones scheduled as events;
        6. groups still free that have left the border zone have crossed; those at their destination arrive;
        7. checkpoints process legitimate traffic (wrongful detentions);
        8. once a day: network economics, intel pruning, the daily outcome row.
        Scheduled events (pursuits, vehicle journeys, court stages) run between steps at their own times.
        """
        dt = self.step_hours
        self._in_step = True
        self._forget_old_events()
        self.update_shifts()
        expected = self.spec.victims.recruitment_per_day * dt / 24.0 / max(1, len(self.networks))
        for network in self.networks:
            network.recruit(expected)
        moving = [g for g in self.groups.values() if g.active and g.route is not None]
        for group in moving:
            group.guide.advance(dt)
        patrol_path = self.move_patrols(dt)
        self.detect(moving, patrol_path)
        for group in moving:
            self.settle_group(group)
        for checkpoint in self.checkpoints:
            checkpoint.process_traffic(dt)
        while self.hours >= 24.0 * (self.days_done + 1) - 1e-9:
            self.days_done += 1
            self.end_of_day()
        self._in_step = False

    def note_event(self, kind: str, x_km: float, y_km: float) -> None:
        """Record a detection or interdiction for this call of ``step()`` (events between steps included)."""
        self.recent_events.append((kind, x_km, y_km))
        self._event_steps.append(self.steps if self._in_step else self.steps + 1)

    def _forget_old_events(self) -> None:
        keep = [i for i, step in enumerate(self._event_steps) if step == self.steps]
        self.recent_events = [self.recent_events[i] for i in keep]
        self._event_steps = [self._event_steps[i] for i in keep]

    # ------------------------------------------------------------------ patrols
    def update_shifts(self) -> None:
        """Each unit works ``shift_hours`` in every cycle of ``shift_hours / on_duty_share`` hours."""
        shift = self.spec.patrols.shift_hours
        for patrol in self.patrols:
            on = ((self.hours + patrol.shift_offset_h) % patrol.shift_cycle_h) < shift
            if on and patrol.status is PatrolStatus.OFF_DUTY:
                patrol.status = PatrolStatus.PATROLLING
            elif not on and patrol.status is PatrolStatus.PATROLLING:
                patrol.status = PatrolStatus.OFF_DUTY
        on_duty = sum(p.status is not PatrolStatus.OFF_DUTY for p in self.patrols)
        self.counters["patrol_hours"] += on_duty * self.step_hours

    def move_patrols(self, dt: float) -> np.ndarray:
        """Vectorised movement of patrolling units toward their waypoints, in detection sub-steps.

        A unit that reaches its waypoint picks the next one at once and drives on in the next
        sub-step, so patrols cover the same ground whatever the step length. Returns the positions
        at the sub-step boundaries, shape (K + 1, P, 2) in km, for detection.
        """
        n_sub = self.substeps(dt)
        path = np.empty((n_sub + 1, len(self.patrols), 2))
        path[0] = self.patrol_pos
        if not self.patrols:
            return path
        w = self.world
        reach = self.spec.patrols.speed_kmh * dt / n_sub
        moving = np.array([p.status is PatrolStatus.PATROLLING for p in self.patrols])
        for k in range(n_sub):
            delta = self.patrol_waypoint - self.patrol_pos
            dist = np.hypot(delta[:, 0], delta[:, 1])
            frac = np.where(moving, np.minimum(1.0, reach / np.maximum(dist, 1e-12)), 0.0)
            new = self.patrol_pos + delta * frac[:, None]
            rows = np.minimum((new[:, 1] / w.cell_km).astype(int), w.height - 1)
            cols = np.minimum((new[:, 0] / w.cell_km).astype(int), w.width - 1)
            ok = w.passable[rows, cols]
            self.patrol_pos = np.where(ok[:, None], new, self.patrol_pos)
            path[k + 1] = self.patrol_pos
            for i in np.flatnonzero(moving & ((frac >= 1.0) | ~ok)):
                self.new_waypoint(self.patrols[i])
        rows = np.minimum((self.patrol_pos[:, 1] / w.cell_km).astype(int), w.height - 1)
        cols = np.minimum((self.patrol_pos[:, 0] / w.cell_km).astype(int), w.width - 1)
        for i in np.flatnonzero(moving):
            patrol = self.patrols[i]
            cell = (int(rows[i]), int(cols[i]))
            if cell != patrol.cell.coordinate:
                patrol.cell = self.grid[cell]
        return path

    def substeps(self, dt: float) -> int:
        """Sub-steps of at most :data:`DETECTION_SUBSTEP_H` in a step of ``dt`` hours."""
        return max(1, int(np.ceil(dt / DETECTION_SUBSTEP_H - 1e-9)))

    def new_waypoint(self, patrol: Patrol) -> None:
        self.patrol_waypoint[patrol.index] = patrol.choose_waypoint()

    def sample_patrol_cell(self, weights: np.ndarray | None) -> np.ndarray:
        """A random point (km) in a patrol-area cell, uniform or by weights over patrol cells."""
        n = len(self.patrol_cells)
        i = self.rng.integers(n) if weights is None else self.rng.choice(n, p=weights)
        r, c = self.patrol_cells[i]
        return (np.array([c, r]) + self.rng.random(2)) * self.world.cell_km

    def clip_to_patrol_area(self, point: np.ndarray) -> np.ndarray:
        """The patrol-area cell centre nearest to ``point`` (km)."""
        cells = (self.patrol_cells[:, ::-1] + 0.5) * self.world.cell_km
        i = int(np.argmin(((cells - point) ** 2).sum(axis=1)))
        return cells[i].copy()

    def _patrol_extent(self) -> tuple[float, float]:
        sector = self.spec.patrols.sector
        if sector is not None:
            return sector
        return 0.0, self.world.width * self.world.cell_km

    def beat_y_km(self, x_km: float) -> float:
        """A point on the destination side just behind the border line at ``x_km`` (fixed beats)."""
        w = self.world
        col = int(np.clip(x_km / w.cell_km, 0, w.width - 1))
        step = -1 if self.spec.border.origin_side == "south" else 1
        row = int(np.clip(w.border_row[col] + step, 0, w.height - 1))
        return (row + 0.5) * w.cell_km

    def randomized_weights(self, agency: str) -> np.ndarray:
        """Mixed strategy over patrol cells: estimated crossing risk with a uniform floor (recomputed daily)."""
        day = float(np.floor(self.days))
        cached = self._risk_cache.get(agency)
        if cached is not None and cached[0] == day:
            return cached[1]
        w = self.world
        cells = self.patrol_cells
        blind = 1.0 / (1.0 + w.coverage[cells[:, 0], cells[:, 1]])  # crossings favour low coverage
        points, ages = self.intel.visible_points(agency, self.hours)
        risk = blind.astype(float)
        if len(points):
            centres = (cells[:, ::-1] + 0.5) * w.cell_km
            d2 = ((centres[:, None, :] - points[None, :, :]) ** 2).sum(axis=2)
            cfg = self.spec.patrols
            kernel = np.exp(-d2 / (2.0 * cfg.randomized_kernel_km**2))
            risk = risk + (kernel * 0.5 ** (ages / cfg.randomized_half_life_hours)[None, :]).sum(axis=1)
        risk = risk / risk.sum()
        floor = self.spec.patrols.randomized_floor
        weights = (1 - floor) * risk + floor / len(cells)
        weights = weights / weights.sum()
        self._risk_cache[agency] = (day, weights)
        return weights

    # ------------------------------------------------------------------ groups
    def pick_weighted(self, weights: np.ndarray) -> int:
        return int(self.rng.choice(len(weights), p=weights / weights.sum()))

    def sample_crossing_candidates(self, k: int) -> np.ndarray:
        """k border cells evenly spread along the border, with a random offset (row, col)."""
        n = len(self.border_cells)
        k = min(k, n)
        offset = self.rng.random() * n / k
        idx = (np.arange(k) * (n / k) + offset).astype(int) % n
        return self.border_cells[idx]

    def choose_mode(self) -> str:
        """Tunnel, vehicle or foot, by ``tunnel_share`` and ``vehicle_share`` where the world has them."""
        cfg = self.spec.traffickers
        u = self.rng.random()
        if self.world.tunnels and u < cfg.tunnel_share:
            return "tunnel"
        if self.world.ports and u < cfg.tunnel_share * bool(self.world.tunnels) + cfg.vehicle_share:
            return "vehicle"
        return "foot"

    def start_group(self, guide: Trafficker, victims: list[Victim], staging: int) -> None:
        """A guide sets out with victims: mode, destination and route; a crossing attempt begins."""
        w = self.world
        network = guide.network
        destination = self.pick_weighted(self.destination_weights)
        origin, target = w.staging[staging].cell, w.destinations[destination].cell
        mode = self.choose_mode()
        tunnel_route = self._book_tunnel(origin, target, people=len(victims) + 1) if mode == "tunnel" else None
        if mode == "tunnel" and tunnel_route is None:
            mode = "foot"  # every tunnel is full on the day the group would pass: it walks
        group = Group(
            group_id=self._next_group,
            network_id=network.network_id,
            guide=guide,
            victims=list(victims),
            mode=mode,
            depart_h=self.hours,
            destination=destination,
        )
        self._next_group += 1
        self.groups[group.group_id] = group
        guide.group = group
        guide.status = TraffickerStatus.GUIDING if guide.status is TraffickerStatus.IDLE else guide.status
        for v in victims:
            v.group = group
            v.set_state(VictimState.IN_TRANSIT)
        self.counters["crossings_attempted"] += 1
        group.x_km, group.y_km = w.km_of(origin)
        if group.mode == "vehicle":
            self._start_vehicle(group, origin)
            return
        if tunnel_route is not None:
            group.route = tunnel_route
        else:
            crossing = network.choose_crossing(origin, target)
            group.route = self.planner.route(origin, crossing, target)

    def _book_tunnel(self, origin: Cell, target: Cell, people: int) -> Route | None:
        """Book ``people`` through a tunnel with room for them; the route through it, or None if all are full.

        A tunnel lets at most ``capacity_per_day`` people (victims and guides) pass in a day of the run; a
        group counts on the day it would enter the tunnel. Among the tunnels with room one is drawn at random.
        """
        today = int(self.hours // 24.0)
        for key in [k for k in self._tunnel_people if k[1] < today]:
            del self._tunnel_people[key]
        options = []
        for i, (_name, entrance, exit_, capacity) in enumerate(self.world.tunnels):
            route = self.planner.tunnel_route(origin, entrance, exit_, target, self.spec.traffickers.tunnel_speed_kmh)
            day = int((self.hours + route.enter_time[route.tunnel_index]) // 24.0)
            if self._tunnel_people[i, day] + people <= capacity:
                options.append((i, day, route))
        if not options:
            return None
        i, day, route = options[int(self.rng.integers(len(options)))]
        self._tunnel_people[i, day] += people
        return route

    def _start_vehicle(self, group: Group, origin) -> None:
        """Drive to the nearest port hidden in a vehicle; the journey is a scheduled event."""
        w = self.world
        dist = [float(np.hypot(*np.subtract(w.km_of(origin), w.km_of(p.cell)))) for p in w.ports]
        group.port = int(np.argmin(dist))
        cfg = self.spec.traffickers
        drive_h = cfg.road_detour_factor * dist[group.port] / cfg.vehicle_speed_kmh
        hours = drive_h + self.checkpoints[group.port].queue_wait_h
        self.schedule_event(group.guide.reach_port, after=self.hours_to_steps(hours))

    def vehicle_at_port(self, group: Group) -> None:
        """Secondary inspection may find the hidden people; otherwise drive on to the destination."""
        checkpoint = self.checkpoints[group.port]
        group.x_km, group.y_km = self.world.km_of(self.world.ports[group.port].cell)
        self._record_crossing_point(group, blind_spot=False)
        if checkpoint.inspect(group):
            self.counters["detections"] += 1
            self.note_event("detection", group.x_km, group.y_km)
            self.intel.log(
                self.hours, checkpoint.agency, "detection", group.x_km, group.y_km, group.network_id, at_port=True
            )
            self.interdict(group, None, cause="port")
            return
        self._crossed(group)
        target = self.world.destinations[group.destination].cell
        dist = float(np.hypot(group.x_km - self.world.km_of(target)[0], group.y_km - self.world.km_of(target)[1]))
        cfg = self.spec.traffickers
        hours = cfg.road_detour_factor * dist / cfg.vehicle_speed_kmh
        self.schedule_event(group.guide.reach_destination, after=self.hours_to_steps(hours))

    def advance_group(self, group: Group, dt: float) -> None:
        """Move a group along its route for ``dt`` hours; exposure deaths; where it crosses the line.

        Whether it has crossed (left the zone) or arrived is settled after detection (:meth:`settle_group`).
        """
        route = group.route
        t0, t1 = group.elapsed_h, min(group.elapsed_h + dt, route.total_time)
        group.step_start_h, group.elapsed_h = t0, t1
        group.x_km, group.y_km = route.position_at(t1, self.world.cell_km)
        i = min(route.index_at(t1), len(route.rows) - 1)
        cell = (int(route.rows[i]), int(route.cols[i]))
        if cell != group.guide.cell.coordinate:
            group.guide.cell = self.grid[cell]
        self._exposure_deaths(group, route.exposure_hazard_at(t1) - route.exposure_hazard_at(t0))
        if not group.active:
            return
        self.note_border_passage(group, t1)

    def settle_group(self, group: Group) -> None:
        """After detection: a group still free beyond the border zone has crossed; at its destination, arrives."""
        if not group.active or group.route is None:
            return
        route, t = group.route, group.elapsed_h
        if not group.crossed and group.crossing_xy is not None and t >= route.zone_exit_time:
            self._crossed(group)
        if t >= route.total_time:
            self.deliver(group)

    def note_border_passage(self, group: Group, route_h: float) -> None:
        """Record where a foot or tunnel group crossed the line, once it is at route time ``route_h``."""
        route = group.route
        if group.crossing_xy is not None or route is None or route.border_index < 0:
            return
        if route.index_at(route_h) >= route.border_index:
            b = route.border_index
            border_cell = (int(route.rows[b]), int(route.cols[b]))
            group.crossing_xy = self.world.km_of(border_cell)
            self._record_crossing_point(group, blind_spot=bool(self.world.blind_spot_mask[border_cell]))

    def _record_crossing_point(self, group: Group, blind_spot: bool) -> None:
        """The group meets the line (on foot, through a tunnel, or at a port); blind spots count on foot."""
        if group.crossing_xy is None:
            group.crossing_xy = (group.x_km, group.y_km)
        group.blind_spot = blind_spot
        if group.mode == "foot":
            self.counters["foot_border_crossings"] += 1
            self.counters["foot_blind_spot_crossings"] += blind_spot

    def _crossed(self, group: Group) -> None:
        group.crossed = True
        self.counters["crossings_succeeded"] += 1
        self.counters["people_crossed"] += len(group.alive)
        if group.mode == "foot":
            self.counters["foot_crossings_succeeded"] += 1

    def _exposure_deaths(self, group: Group, hazard: float) -> None:
        if hazard <= 0:
            return
        alive = group.alive
        p = float(detection_probability(hazard))
        deaths = int(self.rng.binomial(len(alive), p))
        for victim in alive[:deaths]:
            victim.set_state(VictimState.DIED)
        if deaths == len(alive):
            self._finish(group, "died")

    def deliver(self, group: Group) -> None:
        """The group reached its destination: its victims are exploited there."""
        if not group.active:
            return
        if not group.crossed:
            self._crossed(group)
        delivered = group.alive
        for victim in delivered:
            victim.set_state(VictimState.DELIVERED)
        self._finish(group, "succeeded")

    def _finish(self, group: Group, result: str, guide_held: bool = False) -> None:
        """End a crossing attempt and record it (for displacement maps); a guide not held goes home."""
        group.active = False
        guide = group.guide
        delivered = sum(v.state is VictimState.DELIVERED for v in group.victims)
        guide.network.observe_trip(guide_held, delivered, len(group.victims))
        if not guide_held:
            guide.group = None
            if guide.status is TraffickerStatus.GUIDING:
                guide.status = TraffickerStatus.IDLE
            home = self.world.staging[guide.home_staging].cell
            guide.cell = self.grid[home]
            if guide.sentence_pending:  # convicted while away: taken into custody on return
                guide.begin_sentence()
        x, y = group.crossing_xy if group.crossing_xy is not None else (group.x_km, group.y_km)
        self.crossings.append(
            {
                "day": round(self.days, 3),
                "x_km": round(float(x), 3),
                "y_km": round(float(y), 3),
                "mode": group.mode,
                "result": result,
                "reached_line": group.crossing_xy is not None,
                "blind_spot": bool(group.blind_spot),
                "network": group.network_id,
                "victims": len(group.victims),
                "deaths": sum(v.state is VictimState.DIED for v in group.victims),
            }
        )
        if result == "interdicted":
            self.counters["interdictions"] += 1
        # Finished attempts by result and mode, and victims who scattered and turned back, for the rates.
        self.counters[f"finished_{result}"] += 1
        if group.mode == "foot":
            self.counters[f"foot_finished_{result}"] += 1
        self.counters["people_turned_back"] += sum(v.state is VictimState.RECRUITED for v in group.victims)
        del self.groups[group.group_id]

    # ------------------------------------------------------------------ detection
    def detect(self, moving: list[Group], patrol_path: np.ndarray) -> None:
        """Integrate detection hazards over the step, draw when within it a detection happens, respond.

        Fixed sensors: the coverage accumulated along every cell each group passed (exact, from its
        route profile). Patrols: the kernel integrated over the relative motion of each on-duty
        patrol and each group (:func:`sim.model.detection.patrol_exposure`), in sub-steps of at most
        :data:`DETECTION_SUBSTEP_H` so a long step follows a group's path as a short one does. A
        detection happens at the moment the cumulative hazard reaches an exponential draw, so where
        and when the alert is raised, and the response measured from it, do not depend on the step.
        """
        groups = [g for g in moving if g.active and not g.detected and g.elapsed_h > g.step_start_h]
        if not groups:
            return
        dt = self.step_hours
        n_sub = len(patrol_path) - 1
        frac = np.linspace(0.0, 1.0, n_sub + 1)
        # Route time of every group at the sub-step boundaries (a group that arrived stops moving).
        t0 = np.array([g.step_start_h for g in groups])
        t1 = np.array([g.elapsed_h for g in groups])
        times = np.minimum(t0[:, None] + frac[None, :] * dt, t1[:, None])  # (G, K+1)
        xy = np.array(
            [[g.route.position_at(t, self.world.cell_km) for t in row] for g, row in zip(groups, times, strict=True)]
        )
        sensor_cum = np.array(
            [[g.route.sensor_hazard_at(t) for t in row] for g, row in zip(groups, times, strict=True)]
        )
        sensor_inc = np.diff(sensor_cum, axis=1)  # (G, K)
        patrol_inc = np.zeros((len(groups), n_sub, len(self.patrols)))  # (G, K, P)
        on_duty = np.array([p.status is not PatrolStatus.OFF_DUTY for p in self.patrols], dtype=bool)
        if on_duty.any():
            cfg = self.spec.patrols
            seg = xy.transpose(1, 0, 2)  # (K + 1, G, 2)
            kernel = patrol_exposure(
                seg[:-1], seg[1:], patrol_path[:-1, on_duty], patrol_path[1:, on_duty], cfg.detection_range_m / 1000.0
            )  # (K, G, P on duty)
            w = self.world
            mid = 0.5 * (xy[:, :-1] + xy[:, 1:])  # (G, K, 2)
            rows = np.minimum(np.maximum((mid[..., 1] / w.cell_km).astype(int), 0), w.height - 1)
            cols = np.minimum(np.maximum((mid[..., 0] / w.cell_km).astype(int), 0), w.width - 1)
            conceal = w.concealment[rows, cols]  # (G, K)
            tunnels = [i for i, g in enumerate(groups) if g.route.tunnel_index >= 0]
            for i in tunnels:
                mid_t = 0.5 * (times[i, :-1] + times[i, 1:])
                conceal[i] = np.where([self._in_tunnel(groups[i], t) for t in mid_t], 0.0, conceal[i])
            sub_h = dt / n_sub
            patrol_inc[:, :, on_duty] = (
                kernel.transpose(1, 0, 2) * (cfg.detection_rate_per_hour * sub_h) * conceal[:, :, None]
            )
        step_inc = sensor_inc + patrol_inc.sum(axis=2)  # (G, K)
        total = step_inc.sum(axis=1)
        draws = self.rng.random(len(groups))
        for g in np.flatnonzero(draws < detection_probability(total)):
            group = groups[g]
            # The detection moment: where the cumulative hazard reaches -log(1 - u), within its sub-step.
            target = -np.log1p(-draws[g])
            cum = np.concatenate(([0.0], np.cumsum(step_inc[g])))
            k = int(np.clip(np.searchsorted(cum, target, side="right") - 1, 0, n_sub - 1))
            within = (target - cum[k]) / step_inc[g, k] if step_inc[g, k] > 0 else 0.0
            f = frac[k] + float(np.clip(within, 0.0, 1.0)) * (frac[k + 1] - frac[k])
            route_h = float(min(t0[g] + f * dt, t1[g]))
            when_h = self.hours - dt + f * dt
            # Attribute the detection to a detector in proportion to its hazard in that sub-step.
            shares = np.concatenate(([sensor_inc[g, k]], patrol_inc[g, k]))
            who = int(self.rng.choice(len(shares), p=shares / shares.sum()))
            within_sub = (f - frac[k]) / (frac[k + 1] - frac[k])
            patrols_then = patrol_path[k] + (patrol_path[k + 1] - patrol_path[k]) * within_sub
            group.x_km, group.y_km = group.route.position_at(route_h, self.world.cell_km)
            alert = Alert(group, when_h, route_h, group.x_km, group.y_km, patrols_then)
            if who == 0:
                self._sensor_detection(alert)
            else:
                self._patrol_detection(alert, self.patrols[who - 1])
            if group.active:
                group.x_km, group.y_km = group.route.position_at(group.elapsed_h, self.world.cell_km)

    def _in_tunnel(self, group: Group, route_h: float | None = None) -> bool:
        route = group.route
        t = group.elapsed_h if route_h is None else route_h
        return route.tunnel_index >= 0 and route.index_at(t) == route.tunnel_index

    def _sensor_detection(self, alert: Alert) -> None:
        group = alert.group
        cell = self.world.cell_of(alert.x_km, alert.y_km)
        owner = self.sensor_owner[cell]
        sensor = self.sensor_agents[owner] if owner >= 0 else None
        agency = sensor.agency if sensor is not None else self.spec.agencies.members[0].name
        if sensor is not None:
            sensor.alerts += 1
        group.detected = "sensor"
        self._note_detection(alert, agency)
        self.dispatch(alert, self.intel.alert_receivers(agency))

    def _patrol_detection(self, alert: Alert, patrol: Patrol) -> None:
        alert.group.detected = "patrol"
        self._note_detection(alert, patrol.agency)
        if patrol.status is PatrolStatus.PATROLLING:
            self.pursue(patrol, alert, self._response_goal(alert))
        else:
            self.dispatch(alert, self.intel.alert_receivers(patrol.agency))

    def _note_detection(self, alert: Alert, agency: str) -> None:
        group = alert.group
        group.sightings += 1
        self.counters["detections"] += 1
        self.note_event("detection", alert.x_km, alert.y_km)
        if group.sightings == 1:  # the intel log keeps one sighting per group, the first
            self.intel.log(alert.when_h, agency, "detection", alert.x_km, alert.y_km, group.network_id)

    def dispatch(self, alert: Alert, agencies: list[str]) -> None:
        """Send the free patrol of the receiving agencies with the shortest drive to the alert.

        The dispatcher knows where and when the group was seen, not where it is going: the patrol
        drives to that point (or, for a group seen on the origin side, to the nearest point of the
        line) if it can be there within ``patrols.max_response_hours``, and tracks from there.
        """
        group = alert.group
        free = [p for p in self.patrols if p.status is PatrolStatus.PATROLLING and p.agency in agencies]
        goal = self._response_goal(alert)
        if not free or goal is None:
            group.detected = ""  # nobody answers: the group stays visible to the next detector
            return
        hours = self.drive.to(goal[0])
        cells = [self.world.cell_of(*alert.patrol_xy[p.index]) for p in free]
        drive = np.array([hours[c] for c in cells])
        best = int(np.argmin(drive))
        if not drive[best] <= self.spec.patrols.max_response_hours:
            group.detected = ""
            return
        self.pursue(free[best], alert, goal)

    def _response_goal(self, alert: Alert) -> tuple[Cell, int, bool] | None:
        """Where a responder drives: (cell, route index of the trail there, seen on the origin side).

        A group seen on the destination side is followed from where it was seen. A group seen on the
        origin side is awaited at the nearest point of the line on the patrols' side; its trail is
        found where it crossed. None when no cell there can be reached by vehicle.
        """
        w, route = self.world, alert.group.route
        cell = w.cell_of(alert.x_km, alert.y_km)
        drivable = self.drive.drivable
        if not w.origin_mask[cell]:
            i = self.drive.first_drivable(route, route.index_at(alert.route_h))
            if i < 0:
                return None
            return (int(route.rows[i]), int(route.cols[i])), i, False
        col = cell[1]
        step = -1 if self.spec.border.origin_side == "south" else 1
        row = int(w.border_row[col])
        while 0 <= row < w.height and w.zone_mask[row, col] and not drivable[row, col]:
            row += step
        if not (0 <= row < w.height and drivable[row, col]):
            return None
        return (row, col), -1, True

    def pursue(self, patrol: Patrol, alert: Alert, goal: tuple[Cell, int, bool] | None) -> None:
        """Drive to the goal (:meth:`_response_goal`), pick up the trail, track the group (``response.track``)."""
        group, route, cfg = alert.group, alert.group.route, self.spec.patrols
        patrol_xy = alert.patrol_xy[patrol.index]
        if goal is None:
            group.detected = ""
            return
        goal_cell, trail_i, origin_side = goal
        drive_h = float(self.drive.to(goal_cell)[self.world.cell_of(*patrol_xy)])
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
        pursuit = track(
            trail_route_h=trail_route_h,
            arrive_wall_h=arrive_h,
            depart_wall_h=depart_h,
            zone_exit_route_h=route.zone_exit_time,
            speed_ratio=cfg.tracking_speed_kmh / self.spec.traffickers.walk_speed_kmh,
            trail_loss_per_hour=cfg.trail_loss_per_hour,
            loss_draw=float(self.rng.random()),
        )
        self.counters["responses"] += 1
        patrol.respond(group, pursuit)

    def place_patrol(self, patrol: Patrol, x_km: float, y_km: float) -> None:
        """Put a patrol at a point (km); its Mesa cell follows when the point is on passable ground."""
        self.patrol_pos[patrol.index] = (x_km, y_km)
        cell = self.world.cell_of(x_km, y_km)
        if self.world.passable[cell]:
            patrol.cell = self.grid[cell]

    def interdict(self, group: Group, patrol: Patrol | None, cause: str) -> bool:
        """A patrol meets a group, or a checkpoint finds one: who is apprehended, who scatters.

        At a checkpoint everyone in the vehicle is found. In the field each person is apprehended
        with ``patrols.capture_probability`` and the guide with ``patrols.guide_capture_probability``;
        the others scatter and turn back to their staging area, where the victims wait for another
        group. Apprehended victims are screened; an apprehended guide is arrested. The network
        remembers where its group was stopped either way. Returns whether anyone was apprehended.
        """
        if not group.active:
            return False
        s = self.spec
        if patrol is not None:
            self.place_patrol(patrol, group.x_km, group.y_km)
            agency = patrol.agency
            p_person, p_guide = s.patrols.capture_probability, s.patrols.guide_capture_probability
        else:
            agency = self.checkpoints[group.port].agency
            p_person = p_guide = 1.0
        alive = group.alive
        caught_mask = self.rng.random(len(alive)) < p_person
        guide_caught = bool(self.rng.random() < p_guide)
        caught = [v for v, c in zip(alive, caught_mask, strict=True) if c]
        network = group.guide.network
        network.remember_interdiction(group.x_km, group.y_km)
        for victim in alive:
            if victim not in caught:
                self._turn_back(victim, network)
        if not caught and not guide_caught:
            self.counters["groups_turned_back"] += 1
            self._finish(group, "turned_back")
            return False
        self.counters[f"interdictions_by_{cause}"] += 1
        self.note_event("interdiction", group.x_km, group.y_km)
        witness = False
        for victim in caught:
            victim.identify(s.victims.screening_training, s.victims.protection)
            if victim.state is VictimState.RESCUED:
                witness |= victim.testifies
                self.counters["victims_testifying"] += victim.testifies
                if s.victims.protection != "none":
                    intake_hours = 24 * s.victims.support_intake_days
                    self.schedule_event(victim.enter_support, after=self.hours_to_steps(intake_hours))
            elif s.victims.non_punishment:
                self.schedule_event(
                    victim.late_identification, after=self.hours_to_steps(24 * s.victims.late_identification_days)
                )
        self.intel.log(
            self.hours, agency, "interdiction", group.x_km, group.y_km, group.network_id, at_port=cause == "port"
        )
        self._finish(group, "interdicted", guide_held=guide_caught)
        if guide_caught:
            self.arrest(group.guide, agency, s.legal.evidence_in_the_act, witness)
            self.investigate(network, agency)
        return True

    def _turn_back(self, victim: Victim, network: Network) -> None:
        """A victim who scattered returns to the staging area and waits to be sent again."""
        victim.group = None
        victim.set_state(VictimState.RECRUITED)
        network.forming.setdefault(victim.staging, []).append(victim)

    def arrest(self, trafficker: Trafficker, agency: str, evidence: float, witness: bool) -> None:
        """Arrest a member and file the case; the network starts looking for a replacement."""
        trafficker.arrested()
        days = self.rng.exponential(self.spec.traffickers.replacement_days)
        self.schedule_event(trafficker.network.replace_member, after=self.hours_to_steps(24 * days))
        self.counters["traffickers_arrested"] += 1
        self.intel.log(
            self.hours, agency, "arrest", *self.world.km_of(trafficker.cell.coordinate), trafficker.network.network_id
        )
        shared = (
            self.intel.sharing != "none"
            and self.intel.knows_network(agency, trafficker.network.network_id, self.hours) > 1
        )
        # A foreign agency's cases are heard abroad or need the other side's cooperation: always cross-jurisdiction.
        foreign = self.intel.agencies[agency].jurisdiction == "foreign"
        self.courts.file_case(
            trafficker,
            trafficker.network.network_id,
            evidence,
            witness,
            shared,
            cross_jurisdiction=True if foreign else None,
        )
        if trafficker.sentence_pending:  # already convicted on an earlier case: straight to prison
            trafficker.begin_sentence()

    def investigate(self, network: Network, agency: str) -> None:
        """An arrest can lead investigators to another member; usable intel (more with sharing) helps."""
        investigators = self.intel.agencies[agency].investigators
        leads = self.intel.knows_network(agency, network.network_id, self.hours)
        p = 1.0 - np.exp(-self.spec.agencies.investigation_yield * investigators * leads)
        if self.rng.random() < p:
            free = [m for m in network.members if m.status is TraffickerStatus.IDLE]
            if free:
                evidence = self.spec.legal.evidence_by_investigation
                self.arrest(free[int(self.rng.integers(len(free)))], agency, evidence, False)

    # ------------------------------------------------------------------ court callbacks
    def _on_verdict(self, case) -> None:
        trafficker = case.accused
        trafficker.network.observe_verdict(case.outcome is CaseOutcome.CONVICTED)
        if case.outcome is CaseOutcome.CONVICTED:
            # Time served varies around the mean sentence (remission, parole).
            legal = self.spec.legal
            share = self.rng.uniform(legal.time_served_min_share, legal.time_served_max_share)
            days = 365.0 * legal.sentence_years * share
            if trafficker.convicted():  # a new sentence (not one concurrent with a sentence being served)
                self.sentences.append((self.days, days))
                self.schedule_event(trafficker.end_sentence, after=self.hours_to_steps(24 * days))
        else:
            trafficker.update_legal_status()

    def _on_release(self, case) -> None:
        case.accused.update_legal_status()

    def _on_abscond(self, case) -> None:
        case.accused.update_legal_status()

    # ------------------------------------------------------------------ daily bookkeeping and outcomes
    def end_of_day(self) -> None:
        for network in self.networks:
            network.update_economics()
        self.intel.prune(self.hours)
        row = {"day": self.days_done}
        values = self.outcomes()
        row.update({o.name: values[o.name] for o in OUTCOMES if o.daily})
        self.timeseries.append(row)

    def victims_by_state(self) -> dict[str, int]:
        return {state.value: int(self.victim_counts[state]) for state in VictimState}

    def cost_items(self) -> dict[str, float]:
        """The cost so far of every resource the scenario uses, by item (:data:`sim.metrics.COST_ITEMS`).

        Running costs accrue with time (sensors, investigators, sharing, courts) or with use (patrol
        hours on duty, secondary inspections, accused-days in pretrial detention, prisoner-days of the
        sentences served so far, victim-days of support up to ``victims.support_days`` each); capital
        costs of sensors are spread evenly over their service life.
        """
        s, c = self.spec, self.counters
        now = self.days
        years = now / 365.0
        sentences = np.array(self.sentences, dtype=float).reshape(-1, 2)
        prison_days = float(np.clip(now - sentences[:, 0], 0.0, sentences[:, 1]).sum())
        started = np.array(self.support_started_days, dtype=float)
        support_days = float(np.minimum(now - started, s.victims.support_days).sum())
        per_support_day = (
            s.victims.cost_per_support_day_strong
            if s.victims.protection == "strong"
            else s.victims.cost_per_support_day
        )
        agencies = s.agencies
        return {
            "patrols": c["patrol_hours"] * s.patrols.cost_per_hour,
            "sensors_operation": sum(x.cost_per_year for x in self.world.sensors) * years,
            "sensors_capital": sum(x.capital_cost_per_year for x in self.world.sensors) * years,
            "port_inspections": sum(cp.inspections for cp in self.checkpoints) * s.checkpoints.cost_per_inspection,
            "investigators": sum(a.investigators * a.cost_per_investigator_per_year for a in agencies.members) * years,
            "intelligence_sharing": (agencies.sharing != "none") * agencies.sharing_cost_per_year * years,
            "courts": self.courts.cost(now),
            "pretrial_detention": float(self.courts.detention_days) * s.legal.cost_per_detention_day,
            "prisons": prison_days / 365.0 * s.legal.cost_per_prison_year,
            "victim_support": support_days * per_support_day,
        }

    def outcomes(self) -> dict[str, float]:
        """Every outcome in :data:`sim.metrics.OUTCOMES`, now."""
        c, v = self.counters, self.victim_counts
        courts = self.courts
        # Finished attempts: apprehended, got across, or turned back after scattering (deaths left out).
        finished = c["interdictions"] + c["crossings_succeeded"] + c["finished_turned_back"]
        foot_finished = c["foot_finished_interdicted"] + c["foot_crossings_succeeded"] + c["foot_finished_turned_back"]
        people_finished = c["people_apprehended"] + c["people_crossed"] + c["people_turned_back"]
        costs = dict.fromkeys(COST_ITEMS.values(), 0.0)
        for item, value in self.cost_items().items():
            costs[COST_ITEMS[item]] += value
        costs = {name: round(float(value), 2) for name, value in costs.items()}
        utilisation = courts.utilisation
        active = sum(m.status in ACTIVE_STATUSES for n in self.networks for m in n.members)
        return {
            "victims_recruited": int(sum(v.values())),
            "victims_delivered": int(v[VictimState.DELIVERED]),
            "victims_rescued": int(v[VictimState.RESCUED] + v[VictimState.SUPPORTED]),
            "deaths_in_transit": int(v[VictimState.DIED]),
            "victims_misidentified": int(v[VictimState.MISIDENTIFIED]),
            "victims_testifying": int(c["victims_testifying"]),
            "crossings_attempted": int(c["crossings_attempted"]),
            "crossings_succeeded": int(c["crossings_succeeded"]),
            "interdictions": int(c["interdictions"]),
            "interdictions_by_patrol": int(c["interdictions_by_patrol"]),
            "interdictions_by_sensor": int(c["interdictions_by_sensor"]),
            "interdictions_at_port": int(c["interdictions_by_port"]),
            "detections": int(c["detections"]),
            "apprehension_rate": round(c["interdictions"] / finished, 6) if finished else 0.0,
            "apprehension_rate_on_foot": round(c["foot_finished_interdicted"] / foot_finished, 6)
            if foot_finished
            else 0.0,
            "people_apprehended": int(c["people_apprehended"]),
            "apprehension_rate_people": round(c["people_apprehended"] / people_finished, 6) if people_finished else 0.0,
            "blind_spot_crossing_share": round(c["foot_blind_spot_crossings"] / c["foot_border_crossings"], 6)
            if c["foot_border_crossings"]
            else 0.0,
            "traffickers_arrested": int(c["traffickers_arrested"]),
            "traffickers_convicted": int(courts.convicted),
            "cases_dismissed": int(courts.acquitted),
            "court_backlog": int(courts.backlog),
            "days_to_verdict": round(courts.days_to_verdict_estimate(), 4),
            "court_utilisation": round(utilisation, 4) if np.isfinite(utilisation) else float("nan"),
            "absconded": int(courts.absconded),
            "wrongful_detentions": int(sum(cp.wrongful_detentions for cp in self.checkpoints)),
            "network_active_members": int(active),
            "mean_fee": round(float(np.mean([n.fee for n in self.networks])), 2) if self.networks else 0.0,
            **costs,
            "cost": round(sum(costs.values()), 2),
        }
