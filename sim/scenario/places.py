"""The ``[[staging]]`` and ``[[destinations]]`` tables (places on either side of the border), and the
position type every table uses for a place on the map."""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario.bounds import MAX_WEIGHT
from sim.schema import INPUT, Builder, spec

#: A position on the map: [x_km, y_km] east of the west edge and south of the north edge, or as
#: ``terrain.positions`` says in a GeoTIFF scenario.
Position = tuple[float, float]
#: A west-east stretch of the map, [x_min_km, x_max_km].
Sector = tuple[float, float]


def check_sector(sector: Sector | None, key: str, b: Builder) -> None:
    """A sector, when given, runs from west to east."""
    if sector is not None and sector[0] >= sector[1]:
        b.fail(key, f"given {list(sector)}; the first value (west) must be below the second (east)")


@dataclass(frozen=True)
class Place:
    name: str = spec(doc="Name of the place.", source=INPUT)
    at: Position = spec(
        doc="Position [x_km, y_km]. In a GeoTIFF scenario, as terrain.positions says.", unit="km", source=INPUT
    )
    weight: float = spec(
        1.0, doc="Relative share of recruitment (staging) or demand (destination).", gt=0, source=INPUT, le=MAX_WEIGHT
    )
