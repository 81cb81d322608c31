"""Crossings: groups on their way, by foot, vehicle or tunnel, from staging area to destination.

:class:`Crossings` carries out what a guide decides (:meth:`Trafficker.lead
<sim.model.agents.trafficker.Trafficker.lead>`): it books tunnels (``capacity_per_day`` people a
day), drives vehicles to the nearest port and through inspection, moves groups on foot and in
tunnels along their routes, applies exposure deaths, notes where each group meets the line, and
ends each attempt (across, delivered, died, turned back, interdicted) with a record in :attr:`log`.
Interdiction itself belongs to :mod:`sim.model.enforcement`, which the crossings reach through the
``interdict`` callback the model wires (the enforcement, built after them, calls back :meth:`Crossings.finish`
and :meth:`Crossings.turn_back`, :class:`~sim.model.interfaces.Journeys`).

It is given the world, the ``[traffickers]``, ``[victims]`` and ``[crossers]`` tables, the clock, the time line,
the route planner, the books, the intelligence exchange, the ports' checkpoints
(:class:`~sim.model.interfaces.PortInspection`), the lookouts (:class:`~sim.model.interfaces.Lookouts`) and the
networks; it draws only from each group's and each person's own streams.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from sim.model.agents.person import Person, PersonState
from sim.model.agents.trafficker import Group, Network, Trafficker, TraffickerStatus
from sim.model.detection import detection_probability
from sim.model.market import choose_network as choose_network_of
from sim.model.routing import Route
from sim.model.streams import EntityStreams, Mechanism, pick_by_weight
from sim.world import Cell
from sim.world.border import foot_crossings

if TYPE_CHECKING:
    from sim.model.clock import Clock
    from sim.model.intel import IntelExchange
    from sim.model.interfaces import Interdict, Ledger, Lookouts, PortInspection, Timeline
    from sim.model.routing import RoutePlanner
    from sim.scenario import Crossers, Traffickers, Victims
    from sim.world import World


#: Longest piece of a walk over which the exposure factor of the clock is taken as constant (h).
EXPOSURE_SUBSTEP_H = 0.25


def nearest_index(km: np.ndarray, target_km: float) -> int:
    """Index of the point of a path nearest to ``target_km`` along it (``km``: increasing distances from its
    start; a target before the start or past the end gives the first or the last point)."""
    i = int(np.searchsorted(km, target_km, side="left"))
    if i >= len(km):
        return len(km) - 1
    if i > 0 and target_km - km[i - 1] < km[i] - target_km:
        return i - 1
    return i


class Crossings:
    """Groups in transit and the record of every finished attempt.

    Args:
        world: the world (places, the line, tunnels, exposure, blind spots).
        traffickers, victims, crossers: the scenario's tables of those names.
        clock: night and the season (waiting for night, exposure).
        timeline: model time, and the rides and walks scheduled ahead.
        planner: the routes.
        ledger: the books.
        intel: the intelligence exchange (a detection at a port logged).
        checkpoints: the ports' checkpoints, in the world's order of ports.
        lookouts: what watching networks see of the patrols along the line.
        networks: the networks (a returned person may go with another; the list may grow).
        interdict: ``interdict(group, patrol, cause)``, when a port's inspection finds a group.
    """

    def __init__(
        self,
        world: World,
        traffickers: Traffickers,
        victims: Victims,
        crossers: Crossers,
        clock: Clock,
        timeline: Timeline,
        planner: RoutePlanner,
        ledger: Ledger,
        intel: IntelExchange,
        checkpoints: Sequence[PortInspection],
        lookouts: Lookouts,
        networks: Sequence[Network],
        interdict: Interdict,
        choose_network: Callable[[float], Network | None] | None = None,
    ):
        self.world, self.cfg, self.victims_cfg, self.crossers_cfg = world, traffickers, victims, crossers
        self.clock, self.timeline, self.planner, self.ledger, self.intel = clock, timeline, planner, ledger, intel
        self.checkpoints, self.lookouts, self.networks, self.interdict = checkpoints, lookouts, networks, interdict
        #: A network drawn by market weight for a uniform (the market's, which knows the networks working).
        self.choose_network = choose_network or partial(choose_network_of, networks)
        w = world
        self.groups: dict[int, Group] = {}
        self.next_group_id = 0
        #: One dict per finished attempt: day, where it met the line, mode, result, victims, deaths.
        self.log: list[dict] = []
        # People booked through each tunnel on each day of the run: {(tunnel index, day): people}.
        self._tunnel_people: Counter = Counter()
        self._approach: dict[tuple[Cell, Cell], tuple[float, float]] = {}
        self.staging_weights = np.array([p.weight for p in w.staging], dtype=float)
        self.destination_weights = np.array([p.weight for p in w.destinations], dtype=float)
        ok = foot_crossings(w.border_cells, w.border_facing, w.passable, [p.cell for p in w.ports])
        #: Border-line cells a group on foot may cross at (row, col), in order along the line: passable, not
        #: the line cell across from a port.
        self.border_cells = w.border_cells[ok]

    # -- choices offered to the traffickers ------------------------------------------------------------
    pick_weighted = staticmethod(pick_by_weight)

    def sample_crossing_candidates(self, k: int, u: float) -> np.ndarray:
        """k border cells evenly spread along the border (in the line's order), offset by the uniform draw ``u``
        (row, col)."""
        n = len(self.border_cells)
        k = min(k, n)
        offset = u * n / k
        idx = (np.arange(k) * (n / k) + offset).astype(int) % n
        return self.border_cells[idx]

    # -- setting out -----------------------------------------------------------------------------------
    def start_group(
        self,
        guide: Trafficker,
        people: list[Person],
        staging: int,
        destination: int,
        mode: str,
        streams: EntityStreams,
    ) -> Group:
        """A guide sets out with people by the mode chosen; a crossing attempt begins.

        A tunnel group walks instead if every tunnel is full on the day it would pass. ``streams``: the group's
        own random streams.
        """
        w = self.world
        network = guide.network
        origin, target = w.staging[staging].cell, w.destinations[destination].cell
        route_rng = streams[Mechanism.ROUTES]
        tunnel_route = self._book_tunnel(origin, target, len(people) + 1, route_rng) if mode == "tunnel" else None
        if mode == "tunnel" and tunnel_route is None:
            mode = "foot"
        group = Group(
            group_id=self.next_group_id,
            network_id=network.network_id,
            guide=guide,
            victims=list(people),
            mode=mode,
            depart_h=self.timeline.hours,
            destination=destination,
            streams=streams,
        )
        self.next_group_id += 1
        self.groups[group.group_id] = group
        guide.group = group
        guide.status = TraffickerStatus.GUIDING if guide.status is TraffickerStatus.IDLE else guide.status
        for person in people:
            person.group = group
            person.fee_paid = network.fee
            person.set_state(PersonState.IN_TRANSIT)
        counters = self.ledger.counters
        counters["crossings_attempted"] += 1
        counters["people_set_out"] += len(people)
        counters["fees_paid"] += network.fee * len(people)
        group.x_km, group.y_km = w.km_of(origin)
        if group.mode == "vehicle":
            self._start_vehicle(group, origin)
        elif tunnel_route is not None:
            group.route = tunnel_route
            group.depart_h = self.step_start_h()  # it walks this whole step
        else:
            crossing = network.choose_crossing(origin, target, route_rng)
            self._start_on_foot(group, self.planner.route(origin, crossing, target))
        return group

    # -- on foot: a ride to the drop-off, the walk, a ride from the pick-up -------------------------------------
    def walking_stretch(self, route: Route, u: float) -> tuple[int, int]:
        """Indices of the first and last cell a group walks on a route staging -> crossing -> destination.

        The walk starts a distance drawn within ``traffickers.dropoff_km`` +/- ``dropoff_spread_km`` (along the
        path) before the line, or at the staging area if that is closer; it ends ``pickup_km`` beyond where
        the path leaves the border zone (the zone's edge, halfway between the last cell in it and the first
        beyond), or at the destination if that is closer. Each end is the cell whose centre lies nearest to
        that distance along the path, so the walk is as long as asked on average at any cell size (the first
        centre at or past it would cut the walk in by half a step on average, and lengthen the pick-up as much).
        ``u``: the uniform draw that places the drop-off.
        """
        w = self.world
        cfg = self.cfg
        n, b = len(route.rows), route.border_index
        if b < 0:
            return 0, n - 1
        km = route.km_along(w.cell_km)
        walk_km = max(0.0, cfg.dropoff_km + cfg.dropoff_spread_km * (2.0 * u - 1.0))
        i0 = min(nearest_index(km, km[b] - walk_km), b)
        beyond = ~w.zone_mask[route.rows[b:], route.cols[b:]]
        if beyond.any():
            z = b + int(np.argmax(beyond))
            edge_km = 0.5 * (km[z - 1] + km[z])
        else:
            edge_km = km[-1]
        i1 = max(nearest_index(km, edge_km + cfg.pickup_km), b)
        return i0, i1

    def approach_hours(self, staging_cell: Cell, crossing: Cell) -> tuple[float, float]:
        """(ride, walk) hours a group on foot expects from a staging area to a border crossing (cached).

        The plan :meth:`walking_stretch` carries out, at the mean drop-off distance: by road to the point
        ``traffickers.dropoff_km`` before the line along the least-cost path (the staging area if it is
        closer), then on foot to the line.
        """
        key = (staging_cell, crossing)
        if key not in self._approach:
            w = self.world
            path = self.planner.profile(self.planner.path(staging_cell, crossing))
            km = path.km_along(w.cell_km)
            i0 = nearest_index(km, km[-1] - self.cfg.dropoff_km)
            ride = self.ride_hours(w.km_of(staging_cell), w.km_of((int(path.rows[i0]), int(path.cols[i0]))))
            self._approach[key] = (ride if i0 > 0 else 0.0, float(path.enter_time[-1] - path.enter_time[i0]))
        return self._approach[key]

    def _start_on_foot(self, group: Group, route: Route) -> None:
        """Cut the walk from the network's route; ride to the drop-off (waiting for night, maybe), or walk now.

        The ride is a scheduled event at ``vehicle_speed_kmh`` over the straight line times
        ``road_detour_factor``, unseen by detectors (an assumption: off the line, in traffic). A share
        ``traffickers.night_crossing_share`` of groups whose walk would reach the line in daylight wait to be
        dropped off at ``traffickers.night_start_hour``.
        """
        w = self.world
        cfg = self.cfg
        dropoff_draw, night_draw = group.streams[Mechanism.ROUTES].random(2)
        i0, i1 = self.walking_stretch(route, dropoff_draw)
        n = len(route.rows)
        walk = route if (i0, i1) == (0, n - 1) else route.between(i0, i1)
        group.pickup = i1 < n - 1
        start_h = self.timeline.hours
        if i0 > 0:
            start_h += self.ride_hours((group.x_km, group.y_km), w.km_of((int(route.rows[i0]), int(route.cols[i0]))))
        if walk.border_index >= 0 and cfg.night_crossing_share > 0:
            at_line = start_h + float(walk.enter_time[walk.border_index])
            if not self.clock.is_night(at_line) and night_draw < cfg.night_crossing_share:
                start_h = self.clock.next_hour(start_h, cfg.night_start_hour)
        if start_h > self.timeline.hours:
            group.walk = walk
            self.timeline.schedule(group.guide.reach_dropoff, start_h - self.timeline.hours)
        else:
            group.route = walk
            group.depart_h = self.step_start_h()  # it walks this whole step

    def drop_off(self, group: Group) -> None:
        """The vehicle leaves the group at the start of its walk: route time 0 is now."""
        group.route, group.walk = group.walk, None
        group.depart_h = self.timeline.hours
        group.elapsed_h = group.step_start_h = 0.0
        group.x_km, group.y_km = group.route.position_at(0.0, self.world.cell_km)
        group.guide.cell = (int(group.route.rows[0]), int(group.route.cols[0]))

    def pick_up(self, group: Group) -> None:
        """At the end of the walk a vehicle drives the group on to its destination (a scheduled event)."""
        group.riding = True
        self.drive_to_destination(group)

    # -- rides ----------------------------------------------------------------------------------------------
    def step_start_h(self) -> float:
        """Model time at the start of the current step (during a step Mesa's clock is already at its end)."""
        return self.timeline.step_start_h()

    def ride_hours(self, a_km: tuple[float, float], b_km: tuple[float, float]) -> float:
        """Hours by road between two points: the straight line times ``road_detour_factor`` at
        ``vehicle_speed_kmh``."""
        cfg = self.cfg
        return cfg.road_detour_factor * float(np.hypot(a_km[0] - b_km[0], a_km[1] - b_km[1])) / cfg.vehicle_speed_kmh

    def drive_to_destination(self, group: Group) -> None:
        """From where the group is, by road to its destination, where it arrives (a scheduled event)."""
        w = self.world
        hours = self.ride_hours((group.x_km, group.y_km), w.km_of(w.destinations[group.destination].cell))
        self.timeline.schedule(group.guide.reach_destination, hours)

    def _book_tunnel(self, origin: Cell, target: Cell, people: int, rng: np.random.Generator) -> Route | None:
        """Book ``people`` through a tunnel with room for them; the route through it, or None if all are full.

        A tunnel lets at most ``capacity_per_day`` people (victims and guides) pass in a day of the run; a
        group counts on the day it would enter the tunnel. Among the tunnels with room one is drawn at random
        (one draw from ``rng``, the group's route stream, whether or not any has room).
        """
        u = rng.random()
        start_h = self.step_start_h()  # a group set out this step walks from its start
        today = int(start_h // 24.0)
        for key in [k for k in self._tunnel_people if k[1] < today]:
            del self._tunnel_people[key]
        options = []
        speed = self.cfg.tunnel_speed_kmh
        for i, (_name, entrance, exit_, capacity) in enumerate(self.world.tunnels):
            route = self.planner.tunnel_route(origin, entrance, exit_, target, speed)
            day = int((start_h + route.enter_time[route.tunnel_index]) // 24.0)
            if self._tunnel_people[i, day] + people <= capacity:
                options.append((i, day, route))
        if not options:
            return None
        i, day, route = options[min(int(u * len(options)), len(options) - 1)]
        self._tunnel_people[i, day] += people
        return route

    # -- vehicles ---------------------------------------------------------------------------------------
    def _start_vehicle(self, group: Group, origin: Cell) -> None:
        """Drive to the nearest port hidden in a vehicle; the journey is a scheduled event."""
        w = self.world
        rides = [self.ride_hours(w.km_of(origin), w.km_of(p.cell)) for p in w.ports]
        group.port = int(np.argmin(rides))
        hours = rides[group.port] + self.checkpoints[group.port].queue_wait_h
        self.timeline.schedule(group.guide.reach_port, hours)

    def vehicle_at_port(self, group: Group) -> None:
        """Secondary inspection may find the hidden people; otherwise drive on to the destination."""
        w = self.world
        checkpoint = self.checkpoints[group.port]
        group.x_km, group.y_km = w.km_of(w.ports[group.port].cell)
        self.record_crossing_point(group, blind_spot=False)
        if checkpoint.inspect(group):
            self.ledger.counters["detections"] += 1
            self.ledger.note_event("detection", group.x_km, group.y_km)
            self.intel.log(
                self.timeline.hours,
                checkpoint.agency,
                "detection",
                group.x_km,
                group.y_km,
                group.network_id,
                at_port=True,
                member_id=group.guide.unique_id,
                vehicle=True,
                rng=group.streams[Mechanism.RECORDS],
            )
            self.interdict(group, None, cause="port")
            return
        self.crossed(group)
        self.drive_to_destination(group)

    # -- on foot and in tunnels -------------------------------------------------------------------------
    def advance(self, group: Group, dt: float) -> None:
        """Move a group along its route for ``dt`` hours; exposure deaths; where it crosses the line.

        Whether it has crossed (left the zone) or arrived is settled after detection (:meth:`settle`).
        """
        route = group.route
        t0 = group.elapsed_h
        t1 = min(max(self.timeline.hours - group.depart_h, t0), t0 + dt, route.total_time)
        t1, waited = self._hold_short_of_line(group, t0, t1)
        group.step_start_h, group.elapsed_h = t0, t1
        group.x_km, group.y_km = route.position_at(t1, self.world.cell_km)
        i = min(route.index_at(t1), len(route.rows) - 1)
        cell = (int(route.rows[i]), int(route.cols[i]))
        group.guide.cell = cell
        hazard = self.exposure_hazard(group, t0, t1)
        if waited > 0:  # waiting in place: the exposure of the cell it waits in, by the clock
            rate = float(self.world.exposure[cell]) * self.victims_cfg.exposure_scale
            hazard += rate * waited * float(self.clock.exposure_factor(self.timeline.hours - 0.5 * waited))
        self._exposure_deaths(group, hazard)
        if not group.active:
            return
        self.note_border_passage(group, t1)

    def _hold_short_of_line(self, group: Group, t0: float, t1: float) -> tuple[float, float]:
        """Where a group on foot stops this step, and how long it waits: (route time, hours waited).

        When networks watch, a group that would reach the line this step while the lookouts report a patrol in
        sight of its crossing stops in the cell before the line and waits out the step, up to
        ``traffickers.max_hold_hours`` in all. Its route time 0 moves later by the wait, so the walk resumes
        where it stopped.
        """
        route = group.route
        cfg = self.cfg
        b = route.border_index
        if (
            not self.lookouts.enabled
            or group.mode != "foot"
            or b <= 0
            or group.crossing_xy is not None
            or t1 < route.enter_time[b]
            or group.held_h >= cfg.max_hold_hours
            or self.lookouts.in_sight_now((int(route.rows[b]), int(route.cols[b]))) <= 0.0
        ):
            return t1, 0.0
        stop = max(t0, float(route.enter_time[b - 1]))
        waited = min(t1 - stop, cfg.max_hold_hours - group.held_h)
        stop = t1 - waited
        group.held_h += waited
        group.depart_h += waited
        return stop, waited

    def settle(self, group: Group) -> None:
        """After detection: a group still free beyond the border zone has crossed; at its destination, arrives."""
        if not group.active or group.route is None:
            return
        route, t = group.route, group.elapsed_h
        if not group.crossed and group.crossing_xy is not None and t >= route.zone_exit_time:
            self.crossed(group)
        if t >= route.total_time:
            if group.pickup:
                self.pick_up(group)
            else:
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
            self.record_crossing_point(group, blind_spot=bool(self.world.blind_spot_mask[border_cell]))

    def record_crossing_point(self, group: Group, blind_spot: bool) -> None:
        """The group meets the line (on foot, through a tunnel, or at a port); blind spots count on foot."""
        if group.crossing_xy is None:
            group.crossing_xy = (group.x_km, group.y_km)
        group.blind_spot = blind_spot
        if group.mode == "foot":
            counters = self.ledger.counters
            counters["foot_border_crossings"] += 1
            counters["foot_blind_spot_crossings"] += blind_spot
            counters["foot_border_crossings_in_focus"] += self.in_focus(group.crossing_xy[0])

    def in_focus(self, x_km: float) -> bool:
        """Whether a point ``x_km`` east of the west edge lies in ``border.focus_sector`` (never without one)."""
        sector = self.world.scenario.border.focus_sector
        return sector is not None and sector[0] <= x_km <= sector[1]

    def crossed(self, group: Group) -> None:
        """The group got across; one the agencies had seen between the ports got away (a known got-away)."""
        group.crossed = True
        counters = self.ledger.counters
        counters["crossings_succeeded"] += 1
        counters["people_crossed"] += len(group.alive)
        if group.mode == "foot":
            counters["foot_crossings_succeeded"] += 1
        if group.sightings and group.mode != "vehicle":
            counters["known_people_got_away"] += len(group.alive)

    def exposure_hazard(self, group: Group, t0: float, t1: float) -> float:
        """Exposure hazard along the route from route time ``t0`` to ``t1``, times the clock's factor (day or
        night, season) at the middle of each piece of at most :data:`EXPOSURE_SUBSTEP_H`."""
        if t1 <= t0:
            return 0.0
        route = group.route
        n = max(1, int(np.ceil((t1 - t0) / EXPOSURE_SUBSTEP_H - 1e-9)))
        ts = np.linspace(t0, t1, n + 1)
        cum = np.array([route.exposure_hazard_at(float(t)) for t in ts])
        mid_wall = group.depart_h + 0.5 * (ts[:-1] + ts[1:])
        return float((np.diff(cum) * self.clock.exposure_factor(mid_wall)).sum())

    def _exposure_deaths(self, group: Group, hazard: float) -> None:
        if hazard <= 0:
            return
        alive = group.alive
        p = float(detection_probability(hazard))
        self.ledger.counters["exposure_death_risk"] += len(alive) * p
        deaths = int(np.count_nonzero(group.streams[Mechanism.EXPOSURE].random(len(alive)) < p))
        for person in alive[:deaths]:
            person.set_state(PersonState.DIED)
        if deaths == len(alive):
            self.finish(group, "died")

    # -- the end of an attempt ------------------------------------------------------------------------------
    def deliver(self, group: Group) -> None:
        """The group reached its destination: victims are exploited there, migrants are across."""
        if not group.active:
            return
        if not group.crossed:
            self.crossed(group)
        for person in group.alive:
            person.arrive()
        self.finish(group, "succeeded")

    def turn_back(self, person: Person, network: Network) -> None:
        """A person who scattered returns to the staging area and waits to be sent again."""
        person.group = None
        person.set_state(PersonState.WAITING)
        network.wait_at(person.staging, person)

    def turn_group_back(self, group: Group) -> None:
        """A group that saw a response coming goes back across the line before it is reached: its people wait at
        their staging area for another group, the guide goes home, and the network remembers the spot as it
        remembers an interdiction. A known turn-back: the group had been seen."""
        network = group.guide.network
        network.remember_interdiction(group.x_km, group.y_km)
        alive = group.alive
        self.ledger.counters["known_people_turned_back"] += len(alive)
        self.ledger.counters["groups_saw_response"] += 1
        for person in alive:
            self.turn_back(person, network)
        self.finish(group, "turned_back")

    def return_person(self, person: Person) -> None:
        """Back on the origin side after a detention: try again (a victim: trafficked again), or stop.

        A migrant who tries again goes with another network with ``crossers.switch_network_probability``, drawn by
        market weight (:func:`~sim.model.market.choose_network`: the networks working, by their share of the
        market); a victim stays with the network that holds them. A network dismantled and taken over is its
        successor; one not working (headless) loses a returning migrant to a network drawn by market weight,
        while a victim waits with it. With no network working the person waits with their own. The staging area
        is drawn by weight.
        """
        victims, crossers = self.victims_cfg, self.crossers_cfg
        # Four draws on every return, used or not: again, switch, which network, which staging area.
        again_draw, switch_draw, network_draw, staging_draw = person.streams[Mechanism.RETURNS].random(4)
        person.group = None
        person.misidentified = person.flagged = False
        self.ledger.counters["people_returned"] += 1
        again = victims.re_trafficking_probability if person.trafficked else crossers.retry_probability
        if again_draw >= again or not self.networks:
            person.set_state(PersonState.STOPPED)
            return
        network = self.networks[person.network_id].operator()  # dismantled and taken over: its successor
        if not person.trafficked and (
            switch_draw < crossers.switch_network_probability or network.market_weight() <= 0.0
        ):
            network = self.choose_network(network_draw) or network
        person.network_id = network.network_id
        person.staging = self.pick_weighted(self.staging_weights, staging_draw)
        person.set_state(PersonState.WAITING)
        network.wait_at(person.staging, person)

    def finish(self, group: Group, result: str, guide_held: bool = False) -> None:
        """End a crossing attempt and record it (for displacement maps); a guide not held goes home."""
        group.active = False
        guide = group.guide
        delivered = sum(v.state is PersonState.ARRIVED for v in group.victims)
        guide.network.observe_trip(guide_held, delivered, len(group.victims), group.mode, result == "interdicted")
        if not guide_held:
            guide.back_home()
        x, y = group.crossing_xy if group.crossing_xy is not None else (group.x_km, group.y_km)
        self.log.append(
            {
                "day": round(self.timeline.days, 3),
                "x_km": round(float(x), 3),
                "y_km": round(float(y), 3),
                "mode": group.mode,
                "result": result,
                "reached_line": group.crossing_xy is not None,
                "blind_spot": bool(group.blind_spot),
                "network": group.network_id,
                "victims": len(group.victims),
                "deaths": sum(v.state is PersonState.DIED for v in group.victims),
                "held_h": round(group.held_h, 3),
            }
        )
        counters = self.ledger.counters
        if result == "interdicted":
            counters["interdictions"] += 1
        # Finished attempts by result and mode, and victims who scattered and turned back, for the rates.
        counters[f"finished_{result}"] += 1
        if group.mode == "foot":
            counters[f"foot_finished_{result}"] += 1
        counters["people_turned_back"] += sum(v.state is PersonState.WAITING for v in group.victims)
        del self.groups[group.group_id]
        if group.streams is not None:
            group.streams.rest()  # the trip is over: its draws are done, but for a response still under way
