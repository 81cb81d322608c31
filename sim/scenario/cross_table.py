"""Cross-field rules that need two tables or more (each table's own rules are in its module).

Like those, they need no terrain: checks against the land (a sensor off the map, a port off the border, no
path from a staging area to a destination) are made when the world is built (:func:`sim.world.build_world`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.scenario.agencies import agency_names
from sim.schema import Builder, item_key

if TYPE_CHECKING:
    from sim.scenario.loading import Scenario


def check_lonlat_positions(s: Scenario, b: Builder) -> None:
    """``terrain.positions = 'lonlat'``: every place's position (ports, staging, destinations, sensors,
    tunnels' ends) is a longitude and latitude within their ranges."""
    if s.terrain.positions == "lonlat":
        places = [(item_key("ports", i, p) + ".at", p.at) for i, p in enumerate(s.ports)]
        places += [(item_key("staging", i, p) + ".at", p.at) for i, p in enumerate(s.staging)]
        places += [(item_key("destinations", i, p) + ".at", p.at) for i, p in enumerate(s.destinations)]
        places += [(f"surveillance.sensors[{i}].at", x.at) for i, x in enumerate(s.surveillance.sensors)]
        for i, tunnel in enumerate(s.traffickers.tunnels):
            places += [(item_key("traffickers.tunnels", i, tunnel) + ".entrance", tunnel.entrance)]
            places += [(item_key("traffickers.tunnels", i, tunnel) + ".exit", tunnel.exit)]
        for key, (lon, lat) in places:
            if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
                b.fail(
                    key,
                    f"given {[lon, lat]}; terrain.positions is 'lonlat', so allowed: [longitude, latitude] with "
                    "longitude -180 to 180 and latitude -90 to 90 (degrees)",
                )


def check_ascii_border(s: Scenario, b: Builder) -> None:
    """``border.mode = 'ascii'`` on an ASCII map: the map has '=' border cells."""
    if s.terrain.source == "ascii" and s.border.mode == "ascii" and "=" not in s.terrain.ascii:
        b.fail("border.mode", "given 'ascii' but the ASCII map has no '=' border cells")


def check_agency_owners(s: Scenario, b: Builder) -> None:
    """Every sensor, port and the extra towers (when there are any) belong to an agency of ``agencies.members``."""
    names = agency_names(s.agencies)
    known = set(names)
    owners = [(f"surveillance.sensors[{i}].agency", x.agency) for i, x in enumerate(s.surveillance.sensors)]
    owners += [(item_key("ports", i, p) + ".agency", p.agency) for i, p in enumerate(s.ports)]
    if s.surveillance.extra_towers.count:
        owners.append(("surveillance.extra_towers.agency", s.surveillance.extra_towers.agency))
    for key, agency in owners:
        if agency not in known:
            b.fail(key, f"given {agency!r}; allowed: one of the agencies in agencies.members ({', '.join(names)})")


def check_patrol_shares(s: Scenario, b: Builder) -> None:
    """Patrols on the roster: some agency has a share of them."""
    if s.patrols.count > 0 and s.agencies.members and sum(a.patrol_share for a in s.agencies.members) <= 0:
        b.fail("agencies.members", "patrols.count > 0 but every agency has patrol_share = 0")


def check_places_needed(s: Scenario, b: Builder) -> None:
    """Networks that take people on: staging areas to take them from and destinations to take them to."""
    if s.traffickers.networks > 0 and s.crossers.per_day > 0:
        if not s.staging:
            b.fail("staging", "traffickers recruit victims but no [[staging]] area is given")
        if not s.destinations:
            b.fail("destinations", "traffickers recruit victims but no [[destinations]] site is given")
