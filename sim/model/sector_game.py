"""The defender's security game over sectors of the border (``patrols.strategy = "stackelberg"``).

The patrolled stretch of the border line is divided into ``patrols.stackelberg_sectors`` sectors of equal
length along it (:class:`~sim.model.patrol_force.PatrolForce` holds the geometry); each is a target of a
security game (:mod:`sim.model.security_game`) whose attacker is a network sending a group across on foot and
whose defender is an agency with its units on duty as resources. The payoffs are the model's own quantities,
as the agency can know them:

- *Route cost* ``C_t`` (hours, the networks' unit for choosing a crossing): for every staging area and
  destination, the cheapest route through a crossing cell of the sector (:meth:`RoutePlanner.cost_via
  <sim.model.routing.RoutePlanner.cost_via>`: walking time priced up by known sensor coverage and exposure)
  plus ``traffickers.risk_aversion`` times the risk the networks perceive there, averaged over staging areas and
  destinations by their weights. The agency cannot read the networks' memories; it estimates their perceived
  risk from the interdictions it can see (its own, and others' under the sharing rules: :meth:`IntelExchange.
  visible_points <sim.model.intel.IntelExchange.visible_points>`), each a Gaussian of
  ``traffickers.risk_kernel_km`` halving every ``traffickers.risk_memory_days``, as the networks remember them.
  The terrain, the towers, the staging areas and the destinations are known to both sides.
- *Attacker*: a group that crosses uncovered delivers; one that meets a covering patrol is caught. The
  delivery is worth its fees, ``V = group_size_mean x traffickers.fee``, to the network (the price is public;
  exploitation revenue would only scale ``V``), and the networks' route choice prices a capture (one unit of
  detection hazard) at ``traffickers.risk_aversion`` hours, so an hour is worth ``V / risk_aversion``:
  ``Ua_unc(t) = V - C_t x V / risk_aversion`` and ``Ua_cov(t) = -C_t x V / risk_aversion``. ``V`` scales
  every attacker payoff alike and so does not move the equilibrium: what moves it is the spread of route costs
  and perceived risk across sectors against the ``risk_aversion`` hours a capture costs. (With
  ``risk_aversion`` 0 networks do not price capture: covering a sector does not deter, ``Ua_cov = Ua_unc =
  -C_t``.)
- *Defender*: a group caught costs it nothing more (``Ud_cov = 0``); one that crosses uncovered costs its
  people, ``group_size_mean``, and the deaths expected on the walk through the sector's border zone, which a
  patrol that stops the group prevents: ``Ud_unc(t) = -group_size_mean x (1 + d_t)``, ``d_t = 1 - exp(-h_t)``
  with ``h_t`` the exposure hazard (``victims.exposure_scale`` x the terrain's, as the route planner prices it)
  of walking across the sector's patrol area (mean over its cells, times the zone's depth there in cells).

A sector without a crossing cell on foot, or without patrol-area cells, is no target (coverage 0). The game is
solved by :func:`~sim.model.security_game.solve_sse` (strong Stackelberg equilibrium, scipy's ``linprog``);
the patrols then draw their sectors with probability ``c_t / sum(c)``. It draws no random numbers.

It is given the world, the ``[patrols]`` and ``[traffickers]`` tables, the route planner, the intelligence exchange
and the time line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model.security_game import Equilibrium, solve_sse
from sim.world.border import foot_crossings

if TYPE_CHECKING:
    from sim.model.intel import IntelExchange
    from sim.model.interfaces import Timeline
    from sim.model.routing import RoutePlanner
    from sim.scenario import Patrols, Traffickers
    from sim.world import World


class SectorGame:
    """Payoffs of the sectors' security game from what an agency knows, and its equilibrium coverage."""

    def __init__(
        self,
        world: World,
        patrols: Patrols,
        traffickers: Traffickers,
        planner: RoutePlanner,
        intel: IntelExchange,
        timeline: Timeline,
    ):
        self.world, self.cfg, self.traffickers = world, patrols, traffickers
        self.planner, self.intel, self.timeline = planner, intel, timeline
        w = world
        #: Indices (into ``World.border_cells``) of the line cells a group on foot may cross at.
        ports = [p.cell for p in w.ports]
        self.crossing = np.flatnonzero(foot_crossings(w.border_cells, w.border_facing, w.passable, ports))
        self._static: np.ndarray | None = None  # (staging x destination pairs, crossing cells) route cost, h
        self._pair_weights: np.ndarray | None = None
        #: Model hours at which each agency's equilibrium was last computed, in order (for tests and reports).
        self.solved: list[tuple[str, float]] = []

    # -- payoffs --------------------------------------------------------------------------------------------
    def static_costs(self) -> tuple[np.ndarray, np.ndarray]:
        """Route cost (h) of the cheapest route staging -> crossing cell -> destination for every pair of a
        staging area and a destination (rows) and crossing cell (columns), and each pair's weight; computed once."""
        if self._static is None:
            w = self.world
            cells = w.border_cells[self.crossing]
            rows, weights = [], []
            for s in w.staging:
                for d in w.destinations:
                    rows.append(self.planner.cost_via(s.cell, d.cell, cells))
                    weights.append(s.weight * d.weight)
            self._static = np.array(rows, dtype=float).reshape(len(weights), len(cells))
            total = float(np.sum(weights))
            self._pair_weights = np.asarray(weights, dtype=float) / (total if total > 0 else 1.0)
        return self._static, self._pair_weights

    def perceived_risk(self, agency: str) -> np.ndarray:
        """The agency's estimate of the risk the networks perceive at each crossing cell: a Gaussian of
        ``risk_kernel_km`` around every interdiction it can see, halving every ``risk_memory_days``."""
        now = self.timeline.hours
        points, ages = self.intel.visible_points(agency, now, kinds=("interdiction",))
        if not len(points):
            return np.zeros(len(self.crossing))
        cfg = self.traffickers
        xy = (self.world.border_cells[self.crossing][:, ::-1] + 0.5) * self.world.cell_km
        d2 = ((xy[:, None, :] - points[None, :, :]) ** 2).sum(axis=2)
        weight = 0.5 ** (ages / 24.0 / cfg.risk_memory_days)
        return (np.exp(-d2 / (2.0 * cfg.risk_kernel_km**2)) * weight[None, :]).sum(axis=1)

    def route_costs(self, agency: str, line_sector: np.ndarray, n_sectors: int) -> np.ndarray:
        """``C_t`` (h) per sector: the cheapest crossing in the sector, route cost plus risk_aversion x the
        perceived risk, averaged over staging areas and destinations by weight; inf for a sector no group on
        foot can cross in."""
        static, weights = self.static_costs()
        cost = static + self.traffickers.risk_aversion * self.perceived_risk(agency)[None, :]
        sectors = line_sector[self.crossing]
        out = np.full(n_sectors, np.inf)
        for t in range(n_sectors):
            cols = np.flatnonzero(sectors == t)
            if not cols.size:
                continue
            best = cost[:, cols].min(axis=1)
            ok = np.isfinite(best)
            if ok.any():
                out[t] = float((best[ok] * weights[ok]).sum() / max(weights[ok].sum(), 1e-300))
        return out

    def zone_hazard(self, patrol_cells: np.ndarray, cell_sector: np.ndarray, line_sector: np.ndarray, n_sectors: int):
        """``h_t``: the exposure hazard of walking across each sector's patrol area (mean over its cells of the
        hazard per km walked, times the zone's depth there: its cells over its line cells, in km)."""
        w, planner = self.world, self.planner
        r, c = patrol_cells[:, 0], patrol_cells[:, 1]
        per_km = planner.exposure_scale * w.exposure[r, c].astype(float) * planner.hours_per_km[r, c]
        per_km = np.where(np.isfinite(per_km), per_km, 0.0)
        hazard = np.zeros(n_sectors)
        for t in range(n_sectors):
            inside = cell_sector == t
            lines = int(np.count_nonzero(line_sector == t))
            if inside.any() and lines:
                hazard[t] = float(per_km[inside].mean()) * inside.sum() / lines * w.cell_km
        return hazard

    def payoffs(
        self, agency: str, patrol_cells: np.ndarray, cell_sector: np.ndarray, line_sector: np.ndarray, n_sectors: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(targets, attacker covered, attacker uncovered, defender covered, defender uncovered): the sectors that
        are targets (indices) and their payoffs (see the module's docstring)."""
        cfg = self.traffickers
        cost = self.route_costs(agency, line_sector, n_sectors)
        has_cells = np.bincount(cell_sector[cell_sector >= 0], minlength=n_sectors) > 0
        targets = np.flatnonzero(np.isfinite(cost) & has_cells)
        cost = cost[targets]
        value = cfg.group_size_mean * cfg.fee
        if cfg.risk_aversion > 0:
            hour = value / cfg.risk_aversion
            ua_unc, ua_cov = value - hour * cost, -hour * cost
        else:
            ua_unc = ua_cov = -cost
        deaths = 1.0 - np.exp(-self.zone_hazard(patrol_cells, cell_sector, line_sector, n_sectors)[targets])
        ud_unc = -cfg.group_size_mean * (1.0 + deaths)
        return targets, ua_cov, ua_unc, np.zeros(len(targets)), ud_unc

    # -- equilibrium ----------------------------------------------------------------------------------------
    def coverage(
        self,
        agency: str,
        resources: float,
        patrol_cells: np.ndarray,
        cell_sector: np.ndarray,
        line_sector: np.ndarray,
        n_sectors: int,
    ) -> tuple[np.ndarray, Equilibrium | None]:
        """The agency's equilibrium coverage of every sector (0 for sectors that are no target) with
        ``resources`` units, and the equilibrium (None when no sector is a target or it has no units)."""
        self.solved.append((agency, self.timeline.hours))
        targets, ua_c, ua_u, ud_c, ud_u = self.payoffs(agency, patrol_cells, cell_sector, line_sector, n_sectors)
        full = np.zeros(n_sectors)
        if not len(targets) or resources <= 0:
            return full, None
        eq = solve_sse(ua_c, ua_u, ud_c, ud_u, resources)
        full[targets] = eq.coverage
        return full, eq
