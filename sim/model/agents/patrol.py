"""Patrols: mobile detectors that choose where to go and respond to alerts.

Movement is bulk work done by the patrol force on arrays (:meth:`sim.model.patrol_force.PatrolForce.move`);
the decisions are here: where to go next (by strategy), whether to answer an alert, and what to do
on arrival. Strategies:

- ``random``: uniform waypoints over the border zone;
- ``fixed``: a beat back and forth along the patrol's own stretch of the border;
- ``hotspot``: towards recent detections and interdictions in its agency's (possibly shared) intel;
- ``randomized``: waypoints drawn from a mixed strategy proportional to estimated crossing risk
  with a uniform floor, so an observing adversary cannot predict the next position (Stackelberg
  security games: Pita et al. 2008, ARMOR at LAX; Fang et al. 2013);
- ``stackelberg``: the sector drawn from the agency's strong Stackelberg equilibrium coverage of the border's
  sectors (:mod:`sim.model.sector_game`), then a point in it; the same three draws from the patrol's stream
  as ``random`` and ``randomized``.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.model.streams import Entity, Mechanism, pick_by_weight

if TYPE_CHECKING:
    from sim.model.agents.trafficker import Group
    from sim.model.border_model import BorderModel
    from sim.model.response import Pursuit


class PatrolStatus(Enum):
    PATROLLING = "patrolling"
    RESPONDING = "responding"
    TRANSPORTING = "transporting"
    OFF_DUTY = "off_duty"


class Patrol(mesa.Agent):
    """A patrol unit of an agency. ``index`` points into the model's patrol position arrays."""

    def __init__(self, model: BorderModel, index: int, agency: str, beat: tuple[float, float]):
        super().__init__(model)
        self.index = index
        self.agency = agency
        self.beat = beat  # stretch of the border line (km along it from its start) for the fixed strategy
        #: The part of the line it patrols (``patrols.sector_shares``; the force sets it), None: the whole stretch.
        self.part: int | None = None
        self._status = PatrolStatus.PATROLLING  # the force's arrays start with every unit patrolling
        self.target: Group | None = None
        self.pursuit: Pursuit | None = None
        self._alarm_xy: tuple[float, float] = (0.0, 0.0)  # the spot of the false alarm it was sent to
        # Crews are staggered evenly over the shift cycle so the on-duty share holds at every hour.
        cfg = model.spec.patrols
        self.shift_cycle_h = cfg.shift_hours / cfg.on_duty_share
        self.shift_offset_h = (index + 0.5) / max(1, cfg.count) * self.shift_cycle_h
        #: The patrol's own random stream (its beat's direction, its waypoints).
        self.stream = model.streams.keyed(Mechanism.PATROLS, Entity.PATROL, index)
        self._beat_east = bool(self.stream.random() < 0.5)

    @property
    def status(self) -> PatrolStatus:
        return self._status

    @property
    def cell(self) -> tuple[int, int]:
        """The cell (row, col) under the unit, always a passable one: the force keeps it with the unit's position
        (:attr:`PatrolForce.cell_rc <sim.model.patrol_force.PatrolForce.cell_rc>`)."""
        row, col = self.model.patrol_force.cell_rc[self.index].tolist()
        return row, col

    @cell.setter
    def cell(self, cell: tuple[int, int]) -> None:
        self.model.patrol_force.cell_rc[self.index] = cell

    @status.setter
    def status(self, status: PatrolStatus) -> None:
        """Every change of status is written to the force's status array too (:meth:`PatrolForce.note_status
        <sim.model.patrol_force.PatrolForce.note_status>`), which moves, counts and picks units by it."""
        self._status = status
        self.model.patrol_force.note_status(self.index, status)

    # -- decisions -------------------------------------------------------------------------
    def choose_waypoint(self) -> np.ndarray:
        """Next waypoint (x_km, y_km) according to the patrol strategy."""
        model = self.model
        strategy = model.spec.patrols.strategy
        if strategy == "fixed":
            self._beat_east = not self._beat_east
            along = self.beat[1] if self._beat_east else self.beat[0]
            return model.patrol_force.beat_point(along)
        if strategy == "hotspot":
            point = self._hotspot()
            if point is not None:
                return point
        if strategy == "randomized":
            force = model.patrol_force
            return force.sample_cell(force.randomized_weights(self.agency), self.stream, self.part)
        if strategy == "stackelberg":
            force = model.patrol_force
            return force.sample_cell(force.stackelberg_weights(self.agency), self.stream, self.part)
        return model.patrol_force.sample_cell(None, self.stream, self.part)

    def _hotspot(self) -> np.ndarray | None:
        """Go to a recent intel point, weighted to the freshest, with some spread.

        A point's weight halves every ``patrols.hotspot_half_life_hours``; the waypoint is drawn around it
        with a spread of ``patrols.hotspot_spread_km`` each way.
        """
        model = self.model
        points, ages = model.intel.visible_points(self.agency, model.hours)
        if len(points) == 0:
            return None
        cfg = model.spec.patrols
        weights = 0.5 ** (ages / cfg.hotspot_half_life_hours)
        i = pick_by_weight(weights, self.stream.random())
        jitter = self.stream.normal(0.0, cfg.hotspot_spread_km, size=2)
        return model.patrol_force.clip_to_area(points[i] + jitter, self.part)

    def respond(self, group: Group, pursuit: Pursuit) -> None:
        """Answer an alert: drive, track, and meet the group or give up (:mod:`sim.model.response`).

        A pursuit that ends within the current step is settled at once; a later one is an event.
        """
        model = self.model
        self.status = PatrolStatus.RESPONDING
        self.target, self.pursuit = group, pursuit
        end = self.see_off if pursuit.turns_back else self.arrive if pursuit.meets else self.give_up
        if pursuit.end_wall_h <= model.hours:
            end()
        else:
            model.schedule_event(end, at=model.hours_to_steps(pursuit.end_wall_h))

    def arrive(self) -> None:
        """The patrol reaches the group: people are apprehended or scatter (:meth:`Enforcement.interdict
        <sim.model.enforcement.Enforcement.interdict>`)."""
        group, pursuit = self.target, self.pursuit
        self.target = self.pursuit = None
        if group is None or not group.active:
            self._resume()
            return
        route = group.route
        group.x_km, group.y_km = route.position_at(pursuit.end_route_h, self.model.world.cell_km)
        self.model.crossings.note_border_passage(group, pursuit.end_route_h)  # met just past the line, between steps
        caught = self.model.enforcement.interdict(
            group, self, cause="patrol" if group.detected == "patrol" else "sensor"
        )
        if not caught:
            self._resume()
            return
        self.status = PatrolStatus.TRANSPORTING
        hours = self.model.spec.patrols.transport_hours
        self.model.schedule_event(self.back_on_patrol, after=self.model.hours_to_steps(hours))

    def give_up(self) -> None:
        """The trail was lost or left the zone: back on patrol from where the tracking ended."""
        group, pursuit = self.target, self.pursuit
        self.target = self.pursuit = None
        if group is not None and group.route is not None:
            x, y = group.route.position_at(pursuit.end_route_h, self.model.world.cell_km)
            self.model.patrol_force.place(self, x, y)
            if group.active:
                group.detected = ""  # free again: a later detector may raise a new alert
        self._resume()

    def see_off(self) -> None:
        """The group saw the patrol reach its trail and goes back across the line; the patrol patrols again from
        there."""
        group, pursuit = self.target, self.pursuit
        self.target = self.pursuit = None
        if group is not None and group.active and not group.crossed:
            x, y = group.route.position_at(pursuit.end_route_h, self.model.world.cell_km)
            self.model.patrol_force.place(self, x, y)
            group.x_km, group.y_km = x, y
            self.model.crossings.turn_group_back(group)
        self._resume()

    def check_false_alarm(self, x_km: float, y_km: float, until_h: float) -> None:
        """Sent to a sensor's false alarm: busy (responding) until ``until_h`` (model hours), then patrols again
        from its spot."""
        model = self.model
        self.status = PatrolStatus.RESPONDING
        self._alarm_xy = (x_km, y_km)
        if until_h <= model.hours:
            self.false_alarm_checked()
        else:
            model.schedule_event(self.false_alarm_checked, at=model.hours_to_steps(until_h))

    def false_alarm_checked(self) -> None:
        """Nothing there: back on patrol from the false alarm's spot."""
        if self.status is PatrolStatus.RESPONDING and self.target is None:
            self.model.patrol_force.place(self, *self._alarm_xy)
            self._resume()

    def _resume(self) -> None:
        self.status = PatrolStatus.PATROLLING
        self.model.patrol_force.new_waypoint(self)

    def back_on_patrol(self) -> None:
        if self.status is PatrolStatus.TRANSPORTING:
            self._resume()
