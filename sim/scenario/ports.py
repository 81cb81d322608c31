"""The ``[[ports]]`` tables: ports of entry on the border, their lanes and legitimate traffic."""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario.bounds import MAX_VEHICLES_PER_HOUR
from sim.scenario.places import Position
from sim.schema import INPUT, spec


@dataclass(frozen=True)
class Port:
    name: str = spec(doc="Name of the port of entry.", source=INPUT)
    at: Position = spec(
        doc=(
            "Position [x_km, y_km]; must be on the border (within one cell). In a GeoTIFF scenario, as "
            "terrain.positions says."
        ),
        unit="km",
        source=INPUT,
    )
    lanes: int = spec(4, doc="Inspection lanes open.", ge=1, le=100, source=INPUT)
    legit_vehicles_per_hour: float = spec(
        60.0,
        doc="Legitimate vehicles arriving (each carries travellers).",
        unit="per hour",
        ge=0,
        source=INPUT,
        le=MAX_VEHICLES_PER_HOUR,
    )
    agency: str = spec("customs", doc="Agency that runs the checkpoint.", source=INPUT)
