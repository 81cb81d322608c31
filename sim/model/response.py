"""Answering an alert without omniscience: drive to where the group was seen, track it, meet it.

A patrol knows what the alert tells it: where and when a group was seen. It does not know the
group's route, where it will cross, or when it will leave the border zone. A response therefore
has three parts, each a physical process with its own scenario keys (``[patrols]``):

1. **Drive** to the point of the alert over the terrain, at ``response_speed_kmh`` times a
   land-cover factor (``drive_speed_factors``: full speed on roads, slower off-road, walking pace
   in mountains), on the shortest-time path that stays on the patrol's side of the line
   (:class:`DriveTimes`, scipy's Dijkstra). A group seen on the origin side is awaited at the
   nearest point of the line; the patrol then *cuts sign* along the line and finds the group's
   trail where it actually crossed, after driving there from where it waited.
2. **Track** the group along its trail from that point. The group is ahead by the time the patrol
   took to get there (the lag); trackers gain on it at ``tracking_speed_kmh`` against the group's
   walking speed, both slowed alike by the terrain, so the lag closes at rate ``r - 1`` with
   ``r = tracking_speed / walk_speed``. The trail is lost at ``trail_loss_per_hour`` (rock, wind,
   brush out; an assumption in the absence of published tracking figures). A group that leaves the
   border zone before the patrol catches up is out of reach.
3. **Meet** the group: each person is apprehended with ``capture_probability`` and the guide with
   ``guide_capture_probability``; the others scatter and turn back (:mod:`sim.model` handles the
   people).

The dispatcher sends the free patrol with the shortest drive, if it can be there within
``max_response_hours``; a response that fails still ties the patrol up until it gives up.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse.csgraph import dijkstra

from sim.model.routing import Route, grid_graph
from sim.scenario import DRIVE_SPEED_FACTORS, LAND_COVERS, Patrols
from sim.world import Cell, World

if TYPE_CHECKING:
    from sim.model.agents.trafficker import Group

#: Drive-time rasters kept (per target cell and search limit; each is one float32 per cell).
_CACHE_SIZE = 256
#: The searches up to ``within_hours`` are tried first up to these shares of it, in turn (:attr:`DriveTimes.ladder`):
#: the nearest patrol is most often near, and a search costs more than the square of its limit.
LADDER_SHARES = (1 / 8, 1 / 2)


def drive_speed_kmh(world: World, cfg: Patrols) -> np.ndarray:
    """Response speed (km/h) in every cell: road speed times the land-cover factor; 0 where patrols cannot go.

    Patrols stay on their own side of the line: the origin side is closed to them.
    """
    table = {**DRIVE_SPEED_FACTORS, **cfg.drive_speed_factors}
    factors = np.array([table[name] for name in LAND_COVERS], dtype=np.float32)
    speed = cfg.response_speed_kmh * factors[world.landcover.astype(np.int64)]
    speed = np.where(world.origin_mask, 0.0, speed)
    return speed.astype(np.float32)


class DriveTimes:
    """Shortest driving times (h) over the terrain to a cell, for every cell; cached per target.

    With ``within_hours`` (the dispatcher's ``max_response_hours``), :meth:`within` searches only as far as that
    drive: the times it finds are those of the whole search (Dijkstra settles every cell nearer than its limit
    exactly as without one), the cells farther away are inf. A response asks for the nearest free patrol within
    that drive, so a search over the whole world is needed only for longer drives (:meth:`hours`). Shorter searches
    come first (:attr:`ladder`): a drive they find is the same, and one found well within a short search's limit is
    the nearest of all (:meth:`sim.model.patrol_force.PatrolForce.nearest_free`)."""

    def __init__(self, world: World, cfg: Patrols, within_hours: float = np.inf):
        self.world = world
        self.speed = drive_speed_kmh(world, cfg)
        self.drivable = self.speed > 0
        self.shape = world.elevation.shape
        with np.errstate(divide="ignore"):
            hours_per_km = np.where(self.drivable, 1.0 / np.maximum(self.speed, 1e-9), np.inf)
        self.graph = grid_graph(hours_per_km, world.cell_km)
        # A hair beyond the limit (more than float32's rounding of the times kept), so that every drive the rasters
        # show as at most ``within_hours`` is found.
        self.limit = float(within_hours) * (1.0 + 1e-6) + 1e-9
        #: The limits (h) of the searches tried in turn, the last :attr:`limit` (:data:`LADDER_SHARES`; just the one
        #: without a bound).
        self.ladder = (*(share * float(within_hours) for share in LADDER_SHARES), self.limit)
        if not np.isfinite(self.limit):
            self.ladder = (self.limit,)
        self._cache: OrderedDict[tuple[Cell, float], np.ndarray] = OrderedDict()

    def first_drivable(self, route: Route, start: int) -> int:
        """Index of the first cell of ``route`` from ``start`` on that a patrol can drive to; -1 if none."""
        for i in range(max(start, 0), len(route.rows)):
            if self.drivable[route.rows[i], route.cols[i]]:
                return i
        return -1

    def to(self, target: Cell) -> np.ndarray:
        """Hours to drive from every cell to ``target`` (inf where unreachable); the graph is symmetric."""
        return self.search(target, np.inf)

    def within(self, target: Cell) -> np.ndarray:
        """Hours to drive from every cell to ``target`` where that is at most ``within_hours``; inf elsewhere."""
        return self.search(target, self.limit)

    def hours(self, source: Cell, target: Cell) -> float:
        """Hours to drive from ``source`` to ``target``: from the first search of the :attr:`ladder` that reaches
        that far, else from a search over the whole world."""
        for limit in self.ladder:
            near = float(self.search(target, limit)[source])
            if np.isfinite(near):
                return near
        return float(self.to(target)[source])

    def search(self, target: Cell, limit: float) -> np.ndarray:
        """Hours to drive from every cell to ``target`` where that is at most ``limit`` (h; inf: the whole world);
        inf elsewhere. Kept for the next call (the last :data:`_CACHE_SIZE` searches)."""
        key = (target, limit)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        flat = target[0] * self.shape[1] + target[1]
        hours = dijkstra(self.graph, indices=flat, limit=limit).reshape(self.shape).astype(np.float32)
        self._cache[key] = hours
        if len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return hours

    def between(self, a: Cell, b: Cell) -> float:
        return self.hours(a, b)


@dataclass
class Alert:
    """What a detection tells the agencies: which group, when (model hours) and where (km).

    ``route_h`` is the group's route time at that moment (used to replay its walk, not known to the
    patrol); ``patrol_xy`` holds every patrol's position at that moment, (P, 2) km.
    """

    group: Group
    when_h: float
    route_h: float
    x_km: float
    y_km: float
    patrol_xy: np.ndarray


@dataclass(frozen=True)
class Pursuit:
    """The outcome of tracking a group from where its trail was picked up (times in hours).

    ``meets`` says whether the patrol reaches the group; ``end_route_h`` is where the patrol is on the
    group's trail (as a route time) when the pursuit ends, at the encounter or where it gives up (the
    trail lost, or out of the zone), and ``end_wall_h`` the model time then. ``turns_back``: the group saw the
    patrol arrive at its trail and went back across the line (the pursuit ends there, then).
    """

    meets: bool
    end_route_h: float
    end_wall_h: float
    turns_back: bool = False  # the group saw the patrol coming and went back across the line


def track(
    *,
    trail_route_h: float,
    arrive_wall_h: float,
    depart_wall_h: float,
    zone_exit_route_h: float,
    speed_ratio: float,
    trail_loss_per_hour: float,
    loss_draw: float,
) -> Pursuit:
    """Follow a trail from route time ``trail_route_h``, starting at model time ``arrive_wall_h``.

    The group walks without stopping, so it is at route time ``t - depart_wall_h`` at model time
    ``t``; the tracker advances along the same trail at ``speed_ratio`` route-hours per hour.
    ``loss_draw`` is a uniform number in [0, 1) that decides when the trail is lost.

    Returns:
        :class:`Pursuit`. The patrol meets the group if it catches up before the group leaves the
        zone and before the trail is lost.
    """
    start_wall_h = max(arrive_wall_h, depart_wall_h + trail_route_h)  # a patrol early at the trail waits for it
    lag = start_wall_h - depart_wall_h - trail_route_h  # route-hours the group is ahead when tracking starts
    lost_after = -np.log1p(-loss_draw) / trail_loss_per_hour if trail_loss_per_hour > 0 else np.inf
    if lag <= 0.0:
        meet_route = trail_route_h
        duration = 0.0
    elif speed_ratio > 1.0:
        duration = lag / (speed_ratio - 1.0)
        meet_route = trail_route_h + speed_ratio * duration
    else:
        duration, meet_route = np.inf, np.inf
    if meet_route < zone_exit_route_h and duration <= lost_after:
        return Pursuit(True, float(meet_route), float(start_wall_h + duration))
    # The tracker gives up where the trail is lost or where it leaves the zone, whichever comes first.
    to_zone_exit = max(0.0, zone_exit_route_h - trail_route_h) / speed_ratio if speed_ratio > 0 else np.inf
    give_up = min(lost_after, to_zone_exit)
    end_route = min(trail_route_h + speed_ratio * give_up, zone_exit_route_h)
    return Pursuit(False, float(end_route), float(start_wall_h + give_up))
