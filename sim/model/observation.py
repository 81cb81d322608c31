"""What the traffickers' lookouts see of the patrols: presence along the border and how it persists.

Smuggling organisations post lookouts (scouts on high ground, people in border towns) who watch the patrols
and report where they are (Slack & Whiteford 2011); in Stackelberg security games the adversary observes the
defender's patrols before choosing where to strike, which is why a predictable patrol loses to a randomized
one (Pita et al. 2008). :class:`PatrolWatch` is that observation, and nothing more: every hour it records how
many on-duty patrols are within ``traffickers.watch_range_km`` of each cell of the border line (its centre),
over a sliding window of ``traffickers.watch_days``. It never reads a patrol's strategy or waypoint.

From the record the networks expect patrol presence at a line cell ``lead`` hours ahead by the best
single-hour linear forecast (the best linear predictor of a stationary series from one observation, e.g.
Box & Jenkins 1976)::

    expected(c, lead) = mean(c) + rho(k) * (x(c, t + lead - k) - mean(c)),   k >= lead maximising rho(k)

where ``mean(c)`` is the line cell's average presence over the window, ``x(c, h)`` the presence observed in
hour ``h`` (``t`` the last full hour) and ``rho(k)`` the autocorrelation of presence at lag ``k``, pooled
over line cells and estimated from the same window. A patrol that keeps to a beat and a shift cycle makes
presence periodic, so the hour one cycle before the crossing tells the lookouts where it will be; a
randomized patrol makes ``rho`` fall to zero within an hour, leaving only its average, which it chooses.

It is given the world, the ``[traffickers]`` table and which patrols are on duty (a callable), never the model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.scenario import Traffickers
    from sim.world import World

#: Longest forecast lead (h) for which the autocorrelation is estimated; beyond it rho is taken as 0.
MAX_LEAD_H = 72


class PatrolWatch:
    """Hourly patrol presence per border-line cell over a sliding window, and forecasts from it.

    Presence is in patrols (mean number of on-duty units within the watch range of the line cell's centre
    during the hour); line cells are in ``World.border_cells`` order. Off (``watch_days`` = 0) it records
    nothing and every forecast is 0.
    """

    def __init__(self, world: World, traffickers: Traffickers, on_duty: Callable[[], np.ndarray]):
        """``on_duty()``: which patrols are on duty now (bool per patrol, in the patrol force's order)."""
        self.on_duty = on_duty
        w, cfg = world, traffickers
        self.window_h = round(cfg.watch_days * 24.0)
        self.enabled = self.window_h > 0
        self.range_km = cfg.watch_range_km
        #: Centre (x_km, y_km) of each border-line cell, in ``World.border_cells`` order.
        self.border_xy = (w.border_cells[:, ::-1] + 0.5) * w.cell_km
        self.facing = w.border_facing
        #: Ring buffer of patrol-hours per (hour, border-line cell): the full hours of the window and the hour
        #: being filled; hour h lives in row h % len(hourly).
        self.hourly = np.zeros((self.window_h + 1, len(self.border_xy)))
        self.current_hour = 0  # the hour being filled (hours since the start of the run)
        self._rho_cache: tuple[int, np.ndarray] | None = None
        #: Patrols in sight of each line cell over the last step observed (the lookouts' report).
        self.last_step = np.zeros(len(self.border_xy))

    # -- observing ------------------------------------------------------------------------------
    def observe(self, path: np.ndarray, t0_h: float, t1_h: float) -> None:
        """Record the on-duty patrols along their paths over the step from ``t0_h`` to ``t1_h`` (model hours).

        ``path`` is the patrols' positions at the detection sub-steps' boundaries, (K + 1, P, 2) km
        (:meth:`~sim.model.patrol_force.PatrolForce.move`); presence is averaged over the sub-steps' midpoints,
        so a patrol that sweeps in and out of sight within the step counts for the share of it in sight.
        """
        if not self.enabled:
            return
        on = self.on_duty()
        mid = 0.5 * (path[:-1, on] + path[1:, on])  # (K, P_on, 2)
        self.last_step = self.record(mid.reshape(-1, 2), t0_h, t1_h, weight=1.0 / len(mid))

    def in_sight_now(self, cell: tuple[int, int]) -> float:
        """Patrols the lookouts saw within range of the line cell across from ``cell`` (row, col) over the last
        step observed."""
        return float(self.last_step[self.facing[cell]])

    def record(self, seen: np.ndarray, t0_h: float, t1_h: float, weight: float = 1.0) -> np.ndarray:
        """Record patrols seen at ``seen`` (P, 2) km, each counting ``weight`` patrols, from ``t0_h`` to ``t1_h``;
        returns the patrols in sight of each line cell."""
        bx, by = self.border_xy[:, 0:1], self.border_xy[:, 1:2]
        in_sight = (bx - seen[:, 0]) ** 2 + (by - seen[:, 1]) ** 2 <= self.range_km**2  # (line cells, P)
        count = in_sight.sum(axis=1) * weight  # patrols in sight of each line cell
        hour = int(t0_h)
        while hour < t1_h - 1e-9:
            self._advance_to(hour)
            overlap = min(t1_h, hour + 1.0) - max(t0_h, float(hour))
            self.hourly[hour % len(self.hourly)] += count * overlap
            hour += 1
        return count

    def _advance_to(self, hour: int) -> None:
        """Start filling ``hour``: clear the slots of the hours that fall out of the window."""
        while self.current_hour < hour:
            self.current_hour += 1
            self.hourly[self.current_hour % len(self.hourly)] = 0.0

    def _series(self) -> np.ndarray:
        """Full hours observed within the window, oldest first (T, line cells)."""
        full = min(self.current_hour, self.window_h)
        hours = np.arange(self.current_hour - full, self.current_hour)
        return self.hourly[hours % len(self.hourly)]

    # -- what the networks make of it --------------------------------------------------------------
    def mean_presence(self) -> np.ndarray:
        """Average presence (patrols) per border-line cell over the full hours of the window; 0 before any."""
        series = self._series()
        if len(series) == 0:
            return np.zeros(self.hourly.shape[1])
        return series.mean(axis=0)

    def autocorrelation(self) -> np.ndarray:
        """rho(lag) for lags 0..MAX_LEAD_H h, pooled over line cells; recomputed once per observed hour."""
        if self._rho_cache is not None and self._rho_cache[0] == self.current_hour:
            return self._rho_cache[1]
        series = self._series()
        rho = np.zeros(MAX_LEAD_H + 1)
        if len(series) >= 2:
            x = series - series.mean(axis=0)
            n = len(x)
            spectrum = np.fft.rfft(x, n=2 * n, axis=0)
            acov = np.fft.irfft(spectrum * spectrum.conj(), n=2 * n, axis=0)[:n].sum(axis=1)
            lags = min(n - 1, MAX_LEAD_H) + 1
            if acov[0] > 1e-12:
                rho[:lags] = acov[:lags] / acov[0]
        self._rho_cache = (self.current_hour, rho)
        return rho

    def expected_presence(self, cells: np.ndarray, lead_h: np.ndarray) -> np.ndarray:
        """Expected patrols in sight of the border at ``cells`` (k, 2) (row, col), ``lead_h`` hours from now.

        A cell off the line counts as the line cell across from it (``World.border_facing``). The best
        single-hour linear forecast: of the observed hours at least ``lead`` hours back from the target hour
        (lags ``k`` from ``lead`` to :data:`MAX_LEAD_H`, within the window), the lookouts use the one whose
        presence is most correlated with the target's (largest pooled ``rho(k)``), and expect
        ``mean + rho(k) x (presence then - mean)``. For ``k = lead`` it is the presence in the last full hour;
        a shift cycle makes the hour one cycle back the best guide; randomized patrols leave only the mean.
        """
        if not self.enabled:
            return np.zeros(len(cells))
        series = self._series()
        if len(series) == 0:
            return np.zeros(len(cells))
        at = self.facing[cells[:, 0], cells[:, 1]]
        mean = series.mean(axis=0)[at]
        rho = self.autocorrelation()
        lead = np.clip(np.round(np.nan_to_num(lead_h, posinf=MAX_LEAD_H + 1)), 0, MAX_LEAD_H + 1).astype(int)
        expected = mean.copy()
        n = len(series)
        for lag in np.unique(lead):
            if lag > MAX_LEAD_H:
                continue  # beyond the longest lead: only the mean
            # Observed hours back from the target hour: k >= lag, and the hour k back must lie in the window.
            lags = np.arange(lag, min(MAX_LEAD_H, lag + n - 1) + 1)
            k = int(lags[np.argmax(rho[lags])])
            if rho[k] <= 0:
                continue
            now = lead == lag
            then = series[n - 1 - (k - lag), at[now]]
            expected[now] = mean[now] + rho[k] * (then - mean[now])
        return np.maximum(expected, 0.0)
