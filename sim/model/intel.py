"""Agencies and their intelligence logs, with the data-sharing rule between them.

Each agency logs its own detections, interdictions and arrests. What another agency can use
depends on ``agencies.sharing``:

- ``none``: only its own entries;
- ``delayed``: others' entries once they are ``sharing_latency_hours`` old (batch reports);
- ``full``: others' entries at once, and sensor alerts reach every agency's patrols.

``share_fraction`` is the share of entries that may be shared at all (privacy and legal limits):
each entry is marked shareable or not when logged. Sharing acts through mechanisms elsewhere:
alert routing (:meth:`IntelExchange.alert_receivers`), hotspot and randomized patrol targeting
(:meth:`IntelExchange.visible_points`), shared evidence on cases and network investigations
(:meth:`IntelExchange.knows_network`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.scenario import Agencies


@dataclass
class IntelEntry:
    time_h: float
    agency: str
    kind: str  # detection | interdiction | arrest
    x_km: float
    y_km: float
    network_id: int
    shareable: bool
    at_port: bool = False  # a find at a port of entry: evidence, but no guide for patrols between ports


@dataclass
class Agency:
    """A law-enforcement agency: owns patrols, sensors and checkpoints and keeps an intel log."""

    name: str
    investigators: int
    jurisdiction: str
    entries: list[IntelEntry] = field(default_factory=list)
    arrests: int = 0
    detections: int = 0


class IntelExchange:
    """All agencies of a model and the rules by which their intel flows."""

    def __init__(self, config: Agencies, rng: np.random.Generator):
        self.config = config
        self.rng = rng
        self.agencies = {
            a.name: Agency(name=a.name, investigators=a.investigators, jurisdiction=a.jurisdiction)
            for a in config.members
        }
        self._all: list[IntelEntry] = []

    @property
    def sharing(self) -> str:
        return self.config.sharing

    def log(
        self, time_h: float, agency: str, kind: str, x_km: float, y_km: float, network_id: int, at_port: bool = False
    ) -> IntelEntry:
        # Draw whatever the sharing rule, so runs differing only in sharing stay on the same random stream.
        draw = self.rng.random()
        shareable = self.sharing != "none" and bool(draw < self.config.share_fraction)
        entry = IntelEntry(time_h, agency, kind, x_km, y_km, network_id, shareable, at_port)
        self.agencies[agency].entries.append(entry)
        if kind == "detection":
            self.agencies[agency].detections += 1
        elif kind == "arrest":
            self.agencies[agency].arrests += 1
        self._all.append(entry)
        return entry

    def prune(self, now_h: float) -> None:
        """Forget entries too old to guide patrols (they stay counted in the agency totals)."""
        cutoff = now_h - self.config.intel_memory_hours
        if self._all and self._all[0].time_h < cutoff:
            self._all = [e for e in self._all if e.time_h >= cutoff]

    def can_see(self, viewer: str, entry: IntelEntry, now_h: float) -> bool:
        if entry.agency == viewer:
            return True
        if not entry.shareable:
            return False
        if self.sharing == "full":
            return True
        return self.sharing == "delayed" and now_h - entry.time_h >= self.config.sharing_latency_hours

    def visible_points(self, viewer: str, now_h: float, kinds: tuple[str, ...] = ("detection", "interdiction")):
        """Positions (x_km, y_km) and ages (h) of entries ``viewer`` can use to guide patrols, as arrays.

        Finds at ports of entry are left out: they say where inspections happen, not where groups
        cross between ports, and would draw patrols to the port (they still count as evidence).
        """
        pts = [
            (e.x_km, e.y_km, now_h - e.time_h)
            for e in self._all
            if e.kind in kinds and not e.at_port and self.can_see(viewer, e, now_h)
        ]
        if not pts:
            return np.empty((0, 2)), np.empty(0)
        arr = np.asarray(pts)
        return arr[:, :2], arr[:, 2]

    def alert_receivers(self, owner: str) -> list[str]:
        """Agencies whose patrols receive a real-time alert from ``owner``'s sensor or patrol."""
        draw = self.rng.random()  # drawn under every rule, as in :meth:`log`
        if self.sharing == "full" and draw < self.config.share_fraction:
            return list(self.agencies)
        return [owner]

    def knows_network(self, investigator: str, network_id: int, now_h: float) -> int:
        """How many entries about a network an agency's investigators can use (own plus shared)."""
        return sum(1 for e in self._all if e.network_id == network_id and self.can_see(investigator, e, now_h))
