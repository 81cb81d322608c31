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

from sim.agents.fixed import Checkpoint, Sensor
from sim.agents.patrol import Patrol, PatrolStatus
from sim.agents.trafficker import ACTIVE_STATUSES, Group, Network, Trafficker, TraffickerStatus
from sim.agents.victim import Victim, VictimState
from sim.detection import detection_probability, patrol_exposure
from sim.intel import IntelExchange
from sim.legal import CaseOutcome, CourtSystem
from sim.metrics import OUTCOMES
from sim.routing import RoutePlanner
from sim.scenario import LoadedScenario, load_scenario
from sim.schema import check_run_options
from sim.world import World, build_world

#: Vehicle speed between staging areas, ports and destinations (km/h, on roads, with detours).
VEHICLE_KMH = 50.0
#: Speed through a tunnel (km/h, crouching).
TUNNEL_KMH = 2.0
#: Evidence strength at arrest: caught with a group in the act; by investigation, weaker.
EVIDENCE_IN_THE_ACT, EVIDENCE_BY_INVESTIGATION = 0.8, 0.5
#: Days after interdiction when rescued victims enter support services.
SUPPORT_INTAKE_DAYS = 7.0
#: Days after a misidentification when a non-punishment policy may bring late identification.
LATE_IDENTIFICATION_DAYS = 30.0
#: Per investigator, the chance an arrest leads to another member of the network, per piece of usable intel.
INVESTIGATION_YIELD = 0.02


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

        self.planner = RoutePlanner(self.world, s.traffickers.walk_speed_kmh, s.traffickers.risk_aversion)
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
        self.groups: dict[int, Group] = {}
        self._next_group = 0
        self.timeseries: list[dict] = []
        self.days_done = 0
        self._tunnel_day, self._tunnel_use, self._tunnel_choice = -1, [], 0
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
        3. groups on foot or in tunnels move along their routes; exposure deaths; border crossings;
        4. patrols move toward their waypoints;
        5. detection integrated over the step (sensors along each group's path, patrols over the
           relative motion), alerts dispatched, responses scheduled as events;
        6. checkpoints process legitimate traffic (wrongful detentions);
        7. once a day: network economics, intel pruning, the daily outcome row.
        Scheduled events (patrol arrivals, vehicle journeys, court stages) run between steps.
        """
        dt = self.step_hours
        self._in_step = True
        self._forget_old_events()
        self.update_shifts()
        expected = self.spec.victims.recruitment_per_day * dt / 24.0 / max(1, len(self.networks))
        for network in self.networks:
            network.recruit(expected)
        moving = [g for g in self.groups.values() if g.active and g.route is not None]
        starts = np.array([(g.x_km, g.y_km) for g in moving]).reshape(-1, 2)
        for group in moving:
            group.guide.advance(dt)
        patrol_start = self.patrol_pos.copy()
        self.move_patrols(dt)
        self.detect(moving, starts, patrol_start)
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

    def move_patrols(self, dt: float) -> None:
        """Vectorised movement of patrolling units toward their waypoints; new waypoints on arrival."""
        if not self.patrols:
            return
        moving = np.array([p.status is PatrolStatus.PATROLLING for p in self.patrols])
        delta = self.patrol_waypoint - self.patrol_pos
        dist = np.hypot(delta[:, 0], delta[:, 1])
        reach = self.spec.patrols.speed_kmh * dt
        frac = np.where(dist > 0, np.minimum(1.0, reach / np.maximum(dist, 1e-12)), 1.0)
        new = self.patrol_pos + delta * frac[:, None] * moving[:, None]
        w = self.world
        rows = np.clip((new[:, 1] / w.cell_km).astype(int), 0, w.height - 1)
        cols = np.clip((new[:, 0] / w.cell_km).astype(int), 0, w.width - 1)
        ok = w.passable[rows, cols]
        self.patrol_pos = np.where(ok[:, None], new, self.patrol_pos)
        arrived = moving & ((frac >= 1.0) | ~ok)
        for i in np.flatnonzero(moving):
            patrol = self.patrols[i]
            cell = (int(rows[i]), int(cols[i])) if ok[i] else patrol.cell.coordinate
            if cell != patrol.cell.coordinate:
                patrol.cell = self.grid[cell]
            if arrived[i]:
                self.new_waypoint(patrol)

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
            risk = risk + (np.exp(-d2 / 8.0) * 0.5 ** (ages / 168.0)[None, :]).sum(axis=1)
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

    def choose_mode(self, group_size: int) -> str:
        cfg = self.spec.traffickers
        u = self.rng.random()
        if self.world.tunnels and u < cfg.tunnel_share:
            return "tunnel" if self._tunnel_has_room(group_size) else "foot"
        if self.world.ports and u < cfg.tunnel_share * bool(self.world.tunnels) + cfg.vehicle_share:
            return "vehicle"
        return "foot"

    def start_group(self, guide: Trafficker, victims: list[Victim], staging: int) -> None:
        """A guide sets out with victims: mode, destination and route; a crossing attempt begins."""
        w = self.world
        network = guide.network
        destination = self.pick_weighted(self.destination_weights)
        group = Group(
            group_id=self._next_group,
            network_id=network.network_id,
            guide=guide,
            victims=list(victims),
            mode=self.choose_mode(len(victims)),
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
        origin, target = w.staging[staging].cell, w.destinations[destination].cell
        group.x_km, group.y_km = w.km_of(origin)
        if group.mode == "vehicle":
            self._start_vehicle(group, origin)
            return
        if group.mode == "tunnel":
            _name, entrance, exit_, _ = w.tunnels[int(self.rng.integers(len(w.tunnels)))]
            group.route = self.planner.tunnel_route(origin, entrance, exit_, target, TUNNEL_KMH)
        else:
            crossing = network.choose_crossing(origin, target)
            group.route = self.planner.route(origin, crossing, target)

    def _tunnel_has_room(self, group_size: int) -> bool:
        """Pick a tunnel with room today for the group (``capacity_per_day`` people each)."""
        today = self.days_done
        if self._tunnel_day != today:
            self._tunnel_day, self._tunnel_use = today, [0] * len(self.world.tunnels)
        room = [i for i, t in enumerate(self.world.tunnels) if self._tunnel_use[i] + group_size <= t[3]]
        if not room:
            return False
        self._tunnel_choice = room[int(self.rng.integers(len(room)))]
        return True

    def _start_vehicle(self, group: Group, origin) -> None:
        """Drive to the nearest port hidden in a vehicle; the journey is a scheduled event."""
        w = self.world
        dist = [float(np.hypot(*np.subtract(w.km_of(origin), w.km_of(p.cell)))) for p in w.ports]
        group.port = int(np.argmin(dist))
        hours = 1.3 * dist[group.port] / VEHICLE_KMH + self.checkpoints[group.port].queue_wait_h
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
        self.schedule_event(group.guide.reach_destination, after=self.hours_to_steps(1.3 * dist / VEHICLE_KMH))

    def advance_group(self, group: Group, dt: float) -> None:
        """Move a group along its route for ``dt`` hours; exposure deaths; crossing; arrival."""
        route = group.route
        t0, t1 = group.elapsed_h, min(group.elapsed_h + dt, route.total_time)
        group.elapsed_h = t1
        group.x_km, group.y_km = route.position_at(t1, self.world.cell_km)
        i = min(route.index_at(t1), len(route.rows) - 1)
        cell = (int(route.rows[i]), int(route.cols[i]))
        if cell != group.guide.cell.coordinate:
            group.guide.cell = self.grid[cell]
        self._exposure_deaths(group, route.exposure_hazard_at(t1) - route.exposure_hazard_at(t0))
        if not group.active:
            return
        if group.crossing_xy is None and route.border_index >= 0 and i >= route.border_index:
            b = route.border_index
            border_cell = (int(route.rows[b]), int(route.cols[b]))
            group.crossing_xy = self.world.km_of(border_cell)
            self._record_crossing_point(group, blind_spot=bool(self.world.blind_spot_mask[border_cell]))
        if not group.crossed and group.crossing_xy is not None and t1 >= route.zone_exit_time:
            self._crossed(group)
        if t1 >= route.total_time:
            self.deliver(group)

    def _record_crossing_point(self, group: Group, blind_spot: bool) -> None:
        if group.crossing_xy is None:
            group.crossing_xy = (group.x_km, group.y_km)
        group.blind_spot = blind_spot
        self.counters["border_crossings"] += 1
        self.counters["blind_spot_crossings"] += blind_spot

    def _crossed(self, group: Group) -> None:
        group.crossed = True
        self.counters["crossings_succeeded"] += 1

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

    def _finish(self, group: Group, result: str) -> None:
        """End a crossing attempt and record it (for displacement maps)."""
        group.active = False
        guide = group.guide
        delivered = sum(v.state is VictimState.DELIVERED for v in group.victims)
        guide.network.observe_trip(result == "interdicted", delivered, len(group.victims))
        if result != "interdicted":
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
                "blind_spot": bool(group.blind_spot),
                "network": group.network_id,
                "victims": len(group.victims),
                "deaths": sum(v.state is VictimState.DIED for v in group.victims),
            }
        )
        if result == "interdicted":
            self.counters["interdictions"] += 1
        del self.groups[group.group_id]

    # ------------------------------------------------------------------ detection
    def detect(self, moving: list[Group], starts: np.ndarray, patrol_start: np.ndarray) -> None:
        """Integrate detection hazards over the step and dispatch responses.

        Fixed sensors: the coverage accumulated along every cell each group passed (exact, from
        its route profile). Patrols: the kernel integrated over the relative motion of each
        on-duty patrol and each group (:func:`sim.detection.patrol_exposure`).
        """
        active = [i for i, g in enumerate(moving) if g.active and not g.detected]
        if not active:
            return
        dt = self.step_hours
        groups = [moving[i] for i in active]
        ends = np.array([(g.x_km, g.y_km) for g in groups])
        sensor_h = np.array(
            [
                g.route.sensor_hazard_at(g.elapsed_h) - g.route.sensor_hazard_at(max(0.0, g.elapsed_h - dt))
                for g in groups
            ]
        )
        patrol_h = np.zeros((len(groups), len(self.patrols)))
        on_duty = np.array([p.status is not PatrolStatus.OFF_DUTY for p in self.patrols], dtype=bool)
        if on_duty.any():
            cfg = self.spec.patrols
            kernel = patrol_exposure(
                starts[active], ends, patrol_start[on_duty], self.patrol_pos[on_duty], cfg.detection_range_m / 1000.0
            )
            rows = np.clip((ends[:, 1] / self.world.cell_km).astype(int), 0, self.world.height - 1)
            cols = np.clip((ends[:, 0] / self.world.cell_km).astype(int), 0, self.world.width - 1)
            conceal = self.world.concealment[rows, cols]
            in_tunnel = np.array([g.mode == "tunnel" and self._in_tunnel(g) for g in groups])
            conceal = np.where(in_tunnel, 0.0, conceal)
            patrol_h[:, on_duty] = kernel * (cfg.detection_rate_per_hour * dt) * conceal[:, None]
        total = sensor_h + patrol_h.sum(axis=1)
        draws = self.rng.random(len(groups))
        for k in np.flatnonzero(draws < detection_probability(total)):
            group = groups[k]
            # Attribute the detection to a detector in proportion to its share of the hazard.
            shares = np.concatenate(([sensor_h[k]], patrol_h[k]))
            who = int(self.rng.choice(len(shares), p=shares / shares.sum()))
            if who == 0:
                self._sensor_detection(group)
            else:
                self._patrol_detection(group, self.patrols[who - 1])

    def _in_tunnel(self, group: Group) -> bool:
        route = group.route
        return route.tunnel_index >= 0 and route.index_at(group.elapsed_h) == route.tunnel_index

    def _sensor_detection(self, group: Group) -> None:
        cell = self.world.cell_of(group.x_km, group.y_km)
        owner = self.sensor_owner[cell]
        sensor = self.sensor_agents[owner] if owner >= 0 else None
        agency = sensor.agency if sensor is not None else self.spec.agencies.members[0].name
        if sensor is not None:
            sensor.alerts += 1
        group.detected = "sensor"
        self.counters["detections"] += 1
        self.note_event("detection", group.x_km, group.y_km)
        self.intel.log(self.hours, agency, "detection", group.x_km, group.y_km, group.network_id)
        self.dispatch(group, self.intel.alert_receivers(agency))

    def _patrol_detection(self, group: Group, patrol: Patrol) -> None:
        group.detected = "patrol"
        self.counters["detections"] += 1
        self.note_event("detection", group.x_km, group.y_km)
        self.intel.log(self.hours, patrol.agency, "detection", group.x_km, group.y_km, group.network_id)
        if patrol.status is PatrolStatus.PATROLLING:
            self._send(patrol, group)
        else:
            self.dispatch(group, self.intel.alert_receivers(patrol.agency))

    def dispatch(self, group: Group, agencies: list[str]) -> None:
        """Send the nearest available patrol of the receiving agencies, if it can arrive in time."""
        free = [p for p in self.patrols if p.status is PatrolStatus.PATROLLING and p.agency in agencies]
        if not free:
            return
        pos = self.patrol_pos[[p.index for p in free]]
        dist = np.hypot(pos[:, 0] - group.x_km, pos[:, 1] - group.y_km)
        self._send(free[int(np.argmin(dist))], group)

    def _send(self, patrol: Patrol, group: Group) -> None:
        pos = self.patrol_pos[patrol.index]
        dist = float(np.hypot(pos[0] - group.x_km, pos[1] - group.y_km))
        travel = dist / self.spec.patrols.response_speed_kmh
        route = group.route
        window = route.zone_exit_time - group.elapsed_h if route is not None else 0.0
        if travel > window:
            return  # the group leaves the border zone before the patrol can reach it
        # Patrols do not cross the line: a group still on the origin side is awaited where it will cross.
        if route is not None and group.crossing_xy is None and route.border_index >= 0:
            travel = max(travel, route.enter_time[route.border_index] - group.elapsed_h)
        patrol.respond(group, self.hours + travel)

    def interdict(self, group: Group, patrol: Patrol | None, cause: str) -> None:
        """A group is stopped: victims screened, the guide arrested, the network learns where."""
        if not group.active:
            return
        s = self.spec
        if patrol is not None:
            self.patrol_pos[patrol.index] = (group.x_km, group.y_km)
            cell = self.world.cell_of(group.x_km, group.y_km)
            if self.world.passable[cell]:
                patrol.cell = self.grid[cell]
            agency = patrol.agency
        else:
            agency = self.checkpoints[group.port].agency
        self.counters[f"interdictions_by_{cause}"] += 1
        self.note_event("interdiction", group.x_km, group.y_km)
        witness = False
        for victim in group.alive:
            victim.identify(s.victims.screening_training, s.victims.protection)
            if victim.state is VictimState.RESCUED:
                witness |= victim.testifies
                self.counters["victims_testifying"] += victim.testifies
                if s.victims.protection != "none":
                    self.schedule_event(victim.enter_support, after=self.hours_to_steps(24 * SUPPORT_INTAKE_DAYS))
            elif s.victims.non_punishment:
                self.schedule_event(
                    victim.late_identification, after=self.hours_to_steps(24 * LATE_IDENTIFICATION_DAYS)
                )
        self.intel.log(
            self.hours, agency, "interdiction", group.x_km, group.y_km, group.network_id, at_port=cause == "port"
        )
        network = group.guide.network
        network.remember_interdiction(group.x_km, group.y_km)
        self._finish(group, "interdicted")
        self.arrest(group.guide, agency, EVIDENCE_IN_THE_ACT, witness)
        self.investigate(network, agency)

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
        self.courts.file_case(trafficker, trafficker.network.network_id, evidence, witness, shared)
        if trafficker.sentence_pending:  # already convicted on an earlier case: straight to prison
            trafficker.begin_sentence()

    def investigate(self, network: Network, agency: str) -> None:
        """An arrest can lead investigators to another member; usable intel (more with sharing) helps."""
        investigators = self.intel.agencies[agency].investigators
        leads = self.intel.knows_network(agency, network.network_id, self.hours)
        p = 1.0 - np.exp(-INVESTIGATION_YIELD * investigators * leads)
        if self.rng.random() < p:
            free = [m for m in network.members if m.status is TraffickerStatus.IDLE]
            if free:
                self.arrest(free[int(self.rng.integers(len(free)))], agency, EVIDENCE_BY_INVESTIGATION, False)

    # ------------------------------------------------------------------ court callbacks
    def _on_verdict(self, case) -> None:
        trafficker = case.accused
        trafficker.network.observe_verdict(case.outcome is CaseOutcome.CONVICTED)
        if case.outcome is CaseOutcome.CONVICTED:
            # Time served varies around the mean sentence (remission, parole): half to one and a half.
            days = 365.0 * self.spec.legal.sentence_years * self.rng.uniform(0.5, 1.5)
            if trafficker.convicted():  # a new sentence (not one concurrent with a sentence being served)
                self.schedule_event(trafficker.network.member_released, after=self.hours_to_steps(24 * days))
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

    def outcomes(self) -> dict[str, float]:
        """Every outcome in :data:`sim.metrics.OUTCOMES`, now."""
        c, v = self.counters, self.victim_counts
        courts = self.courts
        years = self.days / 365.0
        finished = c["crossings_succeeded"] + c["interdictions"]
        cost = (
            c["patrol_hours"] * self.spec.patrols.cost_per_hour
            + sum(s.cost_per_year for s in self.world.sensors) * years
            + sum(cp.inspections for cp in self.checkpoints) * self.spec.checkpoints.cost_per_inspection
            + courts.cost(self.days)
        )
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
            "blind_spot_crossing_share": round(c["blind_spot_crossings"] / c["border_crossings"], 6)
            if c["border_crossings"]
            else 0.0,
            "traffickers_arrested": int(c["traffickers_arrested"]),
            "traffickers_convicted": int(courts.convicted),
            "cases_dismissed": int(courts.acquitted),
            "court_backlog": int(courts.backlog),
            "mean_days_to_verdict": round(courts.mean_days_to_verdict, 4),
            "absconded": int(courts.absconded),
            "wrongful_detentions": int(sum(cp.wrongful_detentions for cp in self.checkpoints)),
            "network_active_members": int(active),
            "mean_fee": round(float(np.mean([n.fee for n in self.networks])), 2) if self.networks else 0.0,
            "cost": round(float(cost), 2),
        }
