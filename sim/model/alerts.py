"""The alert desk: the operators who watch the fixed sensors, and the sensors' false alarms.

A sensor's detection reaches a patrol only through an operator: every alert, true or false, takes one of
``surveillance.operators`` for ``surveillance.alert_handling_minutes``, and an alert raised while every
operator is busy is lost (a loss system: with Poisson alerts, the share lost is Erlang's B formula, checked by
tests/test_alerts.py). Each fixed sensor also raises ``surveillance.false_alarms_per_day`` false alarms at random
moments and spots in its view; the operator dismisses a share ``false_alarm_dismissed_share`` of them and sends
the nearest free patrol to look at the others (:meth:`sim.model.patrol_force.PatrolForce.answer_false_alarm`).
More sensors therefore bring more true alerts *and* more work for the same operators and patrols: detection
saturates instead of rising without bound.

:class:`AlertDesk` is given the ``[surveillance]`` table, the world (each sensor's view) and the random streams;
each sensor's false alarms come from streams keyed by the sensor, so adding a sensor leaves the others' alarms
as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.model.streams import Entity, Mechanism, poisson_from_uniform

if TYPE_CHECKING:
    from sim.model.streams import RandomStreams
    from sim.scenario import Surveillance
    from sim.world import World


@dataclass(frozen=True)
class FalseAlarm:
    """A false alarm: which sensor raised it, when (model hours), where (km), and whether it is dismissed."""

    sensor: int
    when_h: float
    x_km: float
    y_km: float
    dismissed: bool
    share_draw: float  # the uniform that decides which agencies' patrols receive it (sharing)


class AlertDesk:
    """Operators assessing sensor alerts (a loss system), and the false alarms every sensor raises.

    Args:
        surveillance: the ``[surveillance]`` table (operators, handling time, false alarms).
        world: the world (each sensor site's view, the side patrols can reach).
        streams: the run's random streams (two keyed by each sensor: how many alarms a step, and each alarm's
            moment, spot and fate).
    """

    def __init__(self, surveillance: Surveillance, world: World, streams: RandomStreams):
        self.cfg, self.world = surveillance, world
        self.handling_h = surveillance.alert_handling_minutes / 60.0
        #: Per operator, the (start, end) model hours of the alerts it is assessing or has just assessed.
        self._busy: list[list[tuple[float, float]]] = [[] for _ in range(surveillance.operators)]
        reachable = world.zone_mask & world.passable & ~world.origin_mask
        #: Per sensor, the cells (row, col) where its false alarms fall: in its view, in the zone, on the side
        #: patrols can reach.
        self._cells = [
            np.argwhere(site.visible & reachable) if site.visible is not None else np.empty((0, 2), dtype=np.int64)
            for site in world.sensors
        ]
        self._count_rng = [streams.keyed(Mechanism.ALARMS, Entity.SENSOR, i, 0) for i in range(len(world.sensors))]
        self._detail_rng = [streams.keyed(Mechanism.ALARMS, Entity.SENSOR, i, 1) for i in range(len(world.sensors))]

    def take(self, when_h: float) -> bool:
        """An operator free from ``when_h`` for the handling time takes the alert; False when all are busy
        (the alert is lost)."""
        end = when_h + self.handling_h
        for intervals in self._busy:
            if all(stop <= when_h or start >= end for start, stop in intervals):
                intervals.append((when_h, end))
                return True
        return False

    def forget_before(self, hours: float) -> None:
        """Drop the assessments that ended before ``hours`` (a new step begins there)."""
        for intervals in self._busy:
            intervals[:] = [(start, stop) for start, stop in intervals if stop > hours]

    def false_alarms(self, start_h: float, dt_h: float) -> list[FalseAlarm]:
        """The false alarms raised in the step from ``start_h`` lasting ``dt_h`` hours, in time order.

        Per sensor one uniform a step decides how many (a Poisson count by inversion, so the count's law does not
        depend on the step length), and six per alarm its moment, cell, spot within the cell, fate and receivers.
        """
        rate = self.cfg.false_alarms_per_day * dt_h / 24.0
        alarms = []
        for i, cells in enumerate(self._cells):
            n = poisson_from_uniform(self._count_rng[i].random(), rate)
            for _ in range(n):
                moment, which, dx, dy, fate, share = self._detail_rng[i].random(6)
                if len(cells) == 0:
                    x_km, y_km = self.world.km_of(self.world.sensors[i].cell)
                else:
                    row, col = cells[min(int(which * len(cells)), len(cells) - 1)]
                    x_km, y_km = (col + dx) * self.world.cell_km, (row + dy) * self.world.cell_km
                dismissed = bool(fate < self.cfg.false_alarm_dismissed_share)
                alarms.append(FalseAlarm(i, start_h + moment * dt_h, float(x_km), float(y_km), dismissed, float(share)))
        alarms.sort(key=lambda a: a.when_h)
        return alarms
