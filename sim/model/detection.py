"""Detection as a hazard rate integrated over time (Koopman 1946; Washburn, *Search and Detection*).

Every detector contributes a hazard rate lambda(x) [per hour]; the probability of detection while
a target spends times dt_i in cells x_i is ``1 - exp(-sum lambda(x_i) dt_i)``. This one rule serves
fixed sensors (through the coverage raster, integrated along the cells a group passes) and mobile
patrols (integrated exactly over the relative straight-line motion of patrol and group within a
step), which makes results independent of the step length.

Patrol kernel: ``lambda(d) = rate * concealment * (1 - d^2 / R^2)`` for ``d < R``, zero beyond:
a detector that is best close by and fades to nothing at its range. With a very large rate it is
Koopman's definite-range ("cookie-cutter") detector of sweep width ``W = 2R``.

:class:`Detection` applies the rule to the groups on the move in each step and hands each
detection, as an :class:`~sim.model.response.Alert`, to the patrol force. It is given the world, the
``[patrols]`` table, the clock, the time line, the sensor agents, the books, the intelligence exchange and the
patrols that respond (:class:`~sim.model.interfaces.Responders`); it draws only from each group's own
detection stream.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from scipy.spatial import cKDTree

from sim.model.agents.patrol import Patrol, PatrolStatus
from sim.model.response import Alert
from sim.model.streams import Mechanism, pick_by_weight

if TYPE_CHECKING:
    from sim.model.agents.fixed import Sensor
    from sim.model.agents.trafficker import Group
    from sim.model.alerts import AlertDesk, FalseAlarm
    from sim.model.clock import Clock
    from sim.model.intel import IntelExchange
    from sim.model.interfaces import Ledger, Responders, Timeline
    from sim.scenario import Patrols
    from sim.world import World


def patrol_exposure(
    group_start: np.ndarray,
    group_end: np.ndarray,
    patrol_start: np.ndarray,
    patrol_end: np.ndarray,
    range_km: float,
) -> np.ndarray:
    """Integral over one step of ``(1 - d(s)^2 / R^2)`` where inside range, for every group-patrol pair.

    Both move in straight lines at constant speed within the step, so their separation is
    ``r(s) = a + b s`` for ``s`` in [0, 1], and the integral of the quadratic kernel over the time
    the separation is below ``R`` has a closed form. Multiply by ``rate * concealment * dt_hours``
    to get the hazard.

    Args:
        group_start, group_end: (..., G, 2) positions in km at the start and end of the step.
        patrol_start, patrol_end: (..., P, 2) positions in km. Leading dimensions (sub-steps, say)
            are matched between groups and patrols.
        range_km: detection range R.

    Returns:
        (..., G, P) array of step fractions weighted by the kernel, in [0, 1].
    """
    a = group_start[..., :, None, :] - patrol_start[..., None, :, :]  # (..., G, P, 2) separation at s = 0
    b = (group_end - group_start)[..., :, None, :] - (patrol_end - patrol_start)[..., None, :, :]
    return separation_exposure(a, b, range_km)


def separation_exposure(a: np.ndarray, b: np.ndarray, range_km: float) -> np.ndarray:
    """:func:`patrol_exposure` of pairs given by their separation ``a + b s`` (km, (..., 2) each): the same
    arithmetic element by element, for pairs picked out of the whole (G, P) table (:func:`pairs_in_reach`)."""
    aa = np.einsum("...k,...k->...", a, a)
    ab = np.einsum("...k,...k->...", a, b)
    bb = np.einsum("...k,...k->...", b, b)
    r2 = range_km * range_km
    lo = np.zeros_like(aa)
    hi = np.ones_like(aa)
    moving = bb > 1e-12
    # Solve bb s^2 + 2 ab s + (aa - r2) < 0 for the moving pairs.
    disc = ab * ab - bb * (aa - r2)
    meets = moving & (disc > 0)
    root = np.sqrt(np.where(meets, disc, 0.0))
    safe_bb = np.where(moving, bb, 1.0)
    s1 = (-ab - root) / safe_bb
    s2 = (-ab + root) / safe_bb
    lo = np.where(meets, np.clip(s1, 0.0, 1.0), lo)
    hi = np.where(meets, np.clip(s2, 0.0, 1.0), hi)
    inside = np.where(moving, meets, aa < r2)
    lo = np.where(inside, lo, 0.0)
    hi = np.where(inside, hi, 0.0)
    width = hi - lo
    if r2 <= 0.0:  # patrols that see nothing (a range of 0 is allowed): no exposure, not 0 / 0
        return np.zeros_like(aa)
    integral_d2 = aa * width + ab * (hi * hi - lo * lo) + bb * (hi**3 - lo**3) / 3.0
    return np.clip(width - integral_d2 / r2, 0.0, 1.0)


def detection_probability(hazard: np.ndarray | float) -> np.ndarray | float:
    """``1 - exp(-H)``, the chance that a hazard ``H`` (rate x time, summed) yields a detection."""
    return -np.expm1(-np.asarray(hazard))


#: Below this many (group, patrol) pairs, :func:`pairs_in_reach` gives them all: looking for the few in reach costs
#: more than their exposure.
ALL_PAIRS_UP_TO = 1024


def pairs_in_reach(group_path: np.ndarray, patrol_path: np.ndarray, range_km: float) -> tuple[np.ndarray, np.ndarray]:
    """The (group, patrol) pairs that may come within ``range_km`` of each other in a step, as two index arrays
    (groups in order, each group's patrols in order); every other pair's :func:`patrol_exposure` is exactly 0.

    ``group_path`` (K + 1, G, 2) and ``patrol_path`` (K + 1, P, 2) are positions (km) at the sub-step boundaries.
    Within a sub-step each moves in a straight line, so neither goes farther from where it started the step than
    its farthest boundary point; a pair farther apart at the start than the range plus both of these (and a
    margin far above rounding) never comes within range. A k-d tree of the patrols' starting points (scipy's
    ``cKDTree``) finds the rest without looking at every pair. Up to :data:`ALL_PAIRS_UP_TO` pairs, all are given.
    """
    g0, p0 = group_path[0], patrol_path[0]
    if len(g0) * len(p0) <= ALL_PAIRS_UP_TO:
        return np.repeat(np.arange(len(g0)), len(p0)), np.tile(np.arange(len(p0)), len(g0))
    g_reach = np.sqrt(((group_path - g0) ** 2).sum(axis=2)).max(axis=0)  # (G,)
    p_reach = np.sqrt(((patrol_path - p0) ** 2).sum(axis=2)).max(axis=0)  # (P,)
    margin = 1e-6 * (1.0 + range_km)
    radius = range_km + g_reach + (p_reach.max() if len(p_reach) else 0.0) + margin
    found = cKDTree(p0).query_ball_point(g0, radius, return_sorted=True)
    counts = np.array([len(f) for f in found], dtype=np.int64)
    groups = np.repeat(np.arange(len(g0)), counts)
    patrols = np.concatenate([np.asarray(f, dtype=np.int64) for f in found]) if counts.sum() else counts[:0]
    # Each pair against its own reaches (the tree's radius holds the farthest-going patrol's).
    apart = np.sqrt(((g0[groups] - p0[patrols]) ** 2).sum(axis=1))
    near = apart <= range_km + g_reach[groups] + p_reach[patrols] + margin
    return groups[near], patrols[near]


@functools.cache
def _substep_fractions(n_sub: int) -> np.ndarray:
    """The sub-step boundaries as fractions of a step (``linspace(0, 1, n_sub + 1)``; read-only, made once)."""
    frac = np.linspace(0.0, 1.0, n_sub + 1)
    frac.flags.writeable = False
    return frac


class Detection:
    """Who sees the groups on the move: fixed sensors along their paths, patrols near them.

    Holds the sensor agents and, for every cell, the sensor whose agency a detection there alerts
    (the strongest in view).

    Args:
        world: the world (cells, concealment, each sensor site's view).
        patrols: the ``[patrols]`` table (detection range and rate).
        default_agency: the agency alerted by a detection no sensor owns.
        clock: night factors on the hazards.
        timeline: model time.
        sensors: the sensor agents, one per site of the world, in the world's order.
        ledger: the books (detections counted and noted).
        intel: the intelligence exchange (the sighting logged, who receives alerts).
        responders: the patrols that answer the alerts.
        desk: the operators every sensor alert goes through, and the sensors' false alarms.
    """

    def __init__(
        self,
        world: World,
        patrols: Patrols,
        default_agency: str,
        clock: Clock,
        timeline: Timeline,
        sensors: Sequence[Sensor],
        ledger: Ledger,
        intel: IntelExchange,
        responders: Responders,
        desk: AlertDesk,
    ):
        self.world, self.cfg, self.default_agency, self.clock, self.timeline = (
            world,
            patrols,
            default_agency,
            clock,
            timeline,
        )
        self.ledger, self.intel, self.responders, self.desk = ledger, intel, responders, desk
        w = world
        self.sensors = list(sensors)
        self.sensor_owner = -np.ones(w.passable.shape, dtype=np.int64)
        best = np.zeros(w.passable.shape)
        for i, site in enumerate(w.sensors):
            if site.visible is None:
                continue
            better = site.visible & (site.detection_rate_per_hour > best)
            self.sensor_owner[better] = i
            best[better] = site.detection_rate_per_hour

    def detect(self, moving: list[Group], patrol_path: np.ndarray) -> None:
        """Integrate detection hazards over the step, draw when within it a detection happens, respond.

        Fixed sensors: the coverage accumulated along every cell each group passed (exact, from its
        route profile). Patrols: the kernel integrated over the relative motion of each on-duty
        patrol and each group (:func:`patrol_exposure`), in sub-steps of at most
        :data:`sim.model.patrol_force.DETECTION_SUBSTEP_H` so a long step follows a group's path as a
        short one does. A detection happens at the moment the cumulative hazard reaches an
        exponential draw, so where and when the alert is raised, and the response measured from it,
        do not depend on the step.

        At night (:class:`~sim.model.clock.Clock`) both hazards are scaled by their
        ``night_detection_factor``, taken at the middle of each sub-step.
        """
        force, now = self.responders, self.timeline.hours
        dt = self.timeline.step_hours
        self.desk.forget_before(now - dt)
        # Every event of the step in time order: the sensors' false alarms and the detections of groups.
        events: list[tuple[float, int, FalseAlarm | tuple[Alert, int]]] = [
            (alarm.when_h, 0, alarm) for alarm in self.desk.false_alarms(now - dt, dt)
        ]
        groups = [g for g in moving if g.active and not g.detected and g.elapsed_h > g.step_start_h]
        if groups:
            events += self._detections(groups, patrol_path, now, dt)
        events.sort(key=lambda e: (e[0], e[1]))
        cell_km = self.world.cell_km
        for _when, _order, event in events:
            if not isinstance(event, tuple):
                self.false_alarm(event)
                continue
            alert, who = event
            group = alert.group
            if not group.active or group.detected:
                continue
            group.x_km, group.y_km = alert.x_km, alert.y_km
            if who == 0:
                self.sensor_detection(alert)
            else:
                self.patrol_detection(alert, force.patrols[who - 1])
            if group.active:
                group.x_km, group.y_km = group.route.position_at(group.elapsed_h, cell_km)

    def _detections(
        self, groups: list[Group], patrol_path: np.ndarray, now: float, dt: float
    ) -> list[tuple[float, int, tuple[Alert, int]]]:
        """The detections of the step: (moment, 1, (alert, detector)) for every group seen, detector 0 the fixed
        sensors and ``1 + i`` patrol ``i``."""
        force = self.responders
        cell_km = self.world.cell_km
        n_sub = len(patrol_path) - 1
        frac = _substep_fractions(n_sub)
        sub_h = dt / n_sub
        # Route time of every group at the sub-step boundaries: model time less the moment its walk began,
        # within what it walked this step (a group that arrived stops moving; one dropped off during the
        # step walks from then on).
        wall = now - dt + frac * dt  # (K+1,)
        walk_from = np.array([g.depart_h for g in groups])
        t0 = np.array([g.step_start_h for g in groups])
        t1 = np.array([g.elapsed_h for g in groups])
        times = np.clip(wall[None, :] - walk_from[:, None], t0[:, None], t1[:, None])  # (G, K+1)
        # Share of each sub-step a group was on foot (0 before its drop-off), and night at its middle.
        walking = np.clip((wall[None, 1:] - np.maximum(wall[None, :-1], walk_from[:, None])) / sub_h, 0.0, 1.0)
        mid_wall = 0.5 * (wall[:-1] + wall[1:])
        clock = self.clock
        xy = np.array([g.route.positions_at(row, cell_km) for g, row in zip(groups, times, strict=True)])
        sensor_cum = np.array([g.route.sensor_hazards_at(row) for g, row in zip(groups, times, strict=True)])
        sensor_inc = np.diff(sensor_cum, axis=1) * clock.sensor_factor(mid_wall)[None, :]  # (G, K)
        patrol_inc = np.zeros((len(groups), n_sub, len(force.patrols)))  # (G, K, P)
        on_duty = force.on_duty()
        if on_duty.any():
            cfg = self.cfg
            seg = xy.transpose(1, 0, 2)  # (K + 1, G, 2)
            duty = patrol_path[:, on_duty]  # (K + 1, P on duty, 2)
            range_km = cfg.detection_range_m / 1000.0
            # Only the pairs that can come within range (the others' exposure is exactly 0).
            gi, pi = pairs_in_reach(seg, duty, range_km)
            a = seg[:-1, gi] - duty[:-1, pi]  # (K, pairs, 2)
            b = (seg[1:] - seg[:-1])[:, gi] - (duty[1:] - duty[:-1])[:, pi]
            kernel = separation_exposure(a, b, range_km)  # (K, pairs)
            w = self.world
            mid = 0.5 * (xy[:, :-1] + xy[:, 1:])  # (G, K, 2)
            rows = np.minimum(np.maximum((mid[..., 1] / w.cell_km).astype(int), 0), w.height - 1)
            cols = np.minimum(np.maximum((mid[..., 0] / w.cell_km).astype(int), 0), w.width - 1)
            conceal = w.concealment[rows, cols]  # (G, K)
            for i in [i for i, g in enumerate(groups) if g.route.tunnel_index >= 0]:
                mid_t = 0.5 * (times[i, :-1] + times[i, 1:])
                conceal[i] = np.where([groups[i].in_tunnel(t) for t in mid_t], 0.0, conceal[i])
            seen = conceal * walking * clock.patrol_factor(mid_wall)[None, :]  # (G, K)
            patrol_inc[gi, :, np.flatnonzero(on_duty)[pi]] = (
                kernel.T * (cfg.detection_rate_per_hour * sub_h) * seen[gi, :]
            )
        step_inc = sensor_inc + patrol_inc.sum(axis=2)  # (G, K)
        total = step_inc.sum(axis=1)
        # Two draws per group and step from the group's own stream: whether (and when) it is seen, and by whom.
        pairs = np.array([g.streams[Mechanism.DETECTION].random(2) for g in groups]).reshape(len(groups), 2)
        draws = pairs[:, 0]
        found = []
        for g in np.flatnonzero(draws < detection_probability(total)):
            group = groups[g]
            # The detection moment: where the cumulative hazard reaches -log(1 - u), within its sub-step.
            target = -np.log1p(-draws[g])
            cum = np.concatenate(([0.0], np.cumsum(step_inc[g])))
            k = int(np.clip(np.searchsorted(cum, target, side="right") - 1, 0, n_sub - 1))
            within = (target - cum[k]) / step_inc[g, k] if step_inc[g, k] > 0 else 0.0
            f = frac[k] + float(np.clip(within, 0.0, 1.0)) * (frac[k + 1] - frac[k])
            when_h = max(now - dt + f * dt, float(walk_from[g]))
            route_h = float(np.clip(when_h - walk_from[g], t0[g], t1[g]))
            # Attribute the detection to a detector in proportion to its hazard in that sub-step.
            shares = np.concatenate(([sensor_inc[g, k]], patrol_inc[g, k]))
            who = pick_by_weight(shares, pairs[g, 1])
            within_sub = (f - frac[k]) / (frac[k + 1] - frac[k])
            patrols_then = patrol_path[k] + (patrol_path[k + 1] - patrol_path[k]) * within_sub
            x_km, y_km = group.route.position_at(route_h, cell_km)
            found.append((when_h, 1, (Alert(group, when_h, route_h, x_km, y_km, patrols_then), who)))
        return found

    def false_alarm(self, alarm: FalseAlarm) -> None:
        """A sensor's false alarm: it takes an operator (if one is free), who dismisses it or sends a patrol."""
        counters = self.ledger.counters
        counters["false_alarms"] += 1
        if not self.desk.take(alarm.when_h):
            return
        if alarm.dismissed:
            return
        agency = self.sensors[alarm.sensor].agency
        receivers = self.intel.receivers_given(agency, alarm.share_draw)
        self.responders.answer_false_alarm(alarm.x_km, alarm.y_km, alarm.when_h, receivers)

    def sensor_detection(self, alert: Alert) -> None:
        """A fixed sensor saw the group: if an operator is free to assess the alert, its agency's (and its
        partners') patrols are alerted; otherwise the alert is lost and the group goes on unseen."""
        group = alert.group
        owner = self.sensor_owner[self.world.cell_of(alert.x_km, alert.y_km)]
        sensor = self.sensors[owner] if owner >= 0 else None
        agency = sensor.agency if sensor is not None else self.default_agency
        counters = self.ledger.counters
        counters["sensor_alerts"] += 1
        if not self.desk.take(alert.when_h):
            counters["sensor_alerts_lost"] += 1
            return
        if sensor is not None:
            sensor.alerts += 1
        group.detected = "sensor"
        self.note(alert, agency)
        self.responders.dispatch(alert, self.intel.alert_receivers(agency, group.streams[Mechanism.RECORDS]))

    def patrol_detection(self, alert: Alert, patrol: Patrol) -> None:
        """A patrol saw the group: it pursues if it is patrolling, else it calls others in."""
        alert.group.detected = "patrol"
        self.note(alert, patrol.agency)
        force = self.responders
        if patrol.status is PatrolStatus.PATROLLING:
            force.pursue(patrol, alert, force.response_goal(alert))
        else:
            force.dispatch(alert, self.intel.alert_receivers(patrol.agency, alert.group.streams[Mechanism.RECORDS]))

    def note(self, alert: Alert, agency: str) -> None:
        """Count the detection; the intel log keeps one sighting per group, the first."""
        group = alert.group
        group.sightings += 1
        self.ledger.counters["detections"] += 1
        self.ledger.note_event("detection", alert.x_km, alert.y_km)
        if group.sightings == 1:
            x_km, y_km, guide = alert.x_km, alert.y_km, group.guide.unique_id
            records_rng = group.streams[Mechanism.RECORDS]
            self.intel.log(
                alert.when_h, agency, "detection", x_km, y_km, group.network_id, member_id=guide, rng=records_rng
            )
