"""Fixed agents: surveillance sensors and port-of-entry checkpoints."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim.model.queueing import erlang_c_wait
from sim.model.streams import Entity, Mechanism

if TYPE_CHECKING:
    from sim.model.agents.trafficker import Group
    from sim.model.border_model import BorderModel
    from sim.world import SensorSite


class Sensor(mesa.Agent):
    """A fixed sensor; its detection field is part of the world's coverage raster."""

    def __init__(self, model: BorderModel, site: SensorSite):
        super().__init__(model)
        self.site = site
        self.agency = site.agency
        self.alerts = 0
        self.cell = site.cell  # (row, col)


class Checkpoint(mesa.Agent):
    """Inspection at a port: legitimate traffic, secondary inspection, concealed people."""

    def __init__(self, model: BorderModel, port_index: int):
        super().__init__(model)
        port = model.spec.ports[port_index]
        self.port_index = port_index
        self.name = port.name
        self.agency = port.agency
        self.lanes = port.lanes
        self.vehicles_per_hour = port.legit_vehicles_per_hour
        self.cell = model.world.ports[port_index].cell  # (row, col)
        self.inspections = 0
        self.wrongful_detentions = 0
        # The port's legitimate traffic and its inspection's false positives draw from streams of their own, so
        # that the false-positive rate changes nothing else.
        self._traffic_rng = model.streams.keyed(Mechanism.TRAFFIC, Entity.PORT, port_index)
        self._false_positive_rng = model.streams.keyed(Mechanism.FALSE_POSITIVES, Entity.PORT, port_index)
        cfg = model.spec.checkpoints
        secondary_rate = self.vehicles_per_hour * cfg.screening_share
        service_rate = 60.0 / cfg.inspection_minutes
        self.overloaded = secondary_rate >= self.lanes * service_rate
        self.queue_wait_h = (
            cfg.overloaded_wait_hours if self.overloaded else erlang_c_wait(self.lanes, secondary_rate, service_rate)
        )

    def process_traffic(self, dt_h: float) -> None:
        """Legitimate vehicles this step: some to secondary inspection, a few travellers wrongly detained (by the
        inspection's false positives, or after a false match with a trafficker's record)."""
        rng = self._traffic_rng
        cfg = self.model.spec.checkpoints
        vehicles = rng.poisson(self.vehicles_per_hour * dt_h)
        if vehicles == 0:
            return
        inspected = rng.binomial(vehicles, cfg.screening_share)
        self.inspections += inspected
        if inspected:
            travellers = rng.poisson(inspected * cfg.travellers_per_vehicle)
            self.wrongful_detentions += self._false_positive_rng.binomial(travellers, cfg.false_positive_rate)
            # Checked against the traffickers' records the port's agency can see: false matches are detained too.
            self.model.intel.screen_travellers(self.agency, travellers, self.model.hours)

    def inspect(self, group: Group) -> bool:
        """A vehicle carrying a hidden group: True if secondary inspection finds the people."""
        cfg = self.model.spec.checkpoints
        screened_draw, found_draw = group.streams[Mechanism.INSPECTION].random(2)
        if screened_draw >= cfg.screening_share:
            return False
        self.inspections += 1
        return bool(found_draw < cfg.find_chance(cfg.technology))
