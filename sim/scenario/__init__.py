"""Scenario files: one validated schema for terrain, border, places, detectors, actors, courts and time.

A scenario is a TOML file (see ``scenarios/`` and ``docs/scenario-format.md``). :func:`load_scenario`
reads it, applies ``--set key.path=value`` overrides, validates every key (type, range, allowed
values, unknown keys with the closest valid name) and returns a frozen :class:`Scenario`.

Units are physical and converted once by the model: distances in km (positions) or m (ranges,
heights), speeds in km/h, rates per hour or per day, durations in hours or days. Positions ``at =
[x_km, y_km]`` are measured east from the west edge and south from the north edge of the map, so
with ``cell_m = 1000`` a position is also a (column, row) cell index.

Checks that need the terrain (a sensor outside the map, a port not on the border, no passable
path from a staging area to a destination) are done by :func:`sim.world.build_world`, which
raises the same :class:`~sim.schema.InputError`.

One module per TOML table, each with its dataclasses, defaults and the cross-field rules that need that
table alone, beside its fields: :mod:`~sim.scenario.meta` (``[scenario]``), :mod:`~sim.scenario.terrain`,
:mod:`~sim.scenario.time`, :mod:`~sim.scenario.border`, :mod:`~sim.scenario.ports`,
:mod:`~sim.scenario.places` (``[[staging]]``, ``[[destinations]]``), :mod:`~sim.scenario.surveillance`,
:mod:`~sim.scenario.patrols`, :mod:`~sim.scenario.agencies`, :mod:`~sim.scenario.traffickers`,
:mod:`~sim.scenario.crossers`, :mod:`~sim.scenario.victims`, :mod:`~sim.scenario.checkpoints`,
:mod:`~sim.scenario.legal`. The bounds of magnitudes, with their reasons, are in :mod:`~sim.scenario.bounds`;
the rules that need two tables or more in :mod:`~sim.scenario.cross_table`; the assembled :class:`Scenario`,
loading, overrides and the order of the checks in :mod:`~sim.scenario.loading`. Import from ``sim.scenario``
itself: its names are the interface, the modules' layout is not.
"""

from __future__ import annotations

from sim.scenario.agencies import Agencies, Agency
from sim.scenario.border import Border
from sim.scenario.bounds import (
    MAX_CELLS,
    MAX_COST,
    MAX_DAYS,
    MAX_DETENTION_PLACES,
    MAX_ELEVATION_M,
    MAX_EXTENT_KM,
    MAX_FACTOR,
    MAX_HARDSHIP_AVERSION,
    MAX_HAZARD_PER_HOUR,
    MAX_HOURS,
    MAX_INSPECTION_MINUTES,
    MAX_INVESTIGATORS,
    MAX_LIFETIME_YEARS,
    MAX_LOGIT_BETA,
    MAX_MAST_HEIGHT_M,
    MAX_PATROL_RANGE_M,
    MAX_PEOPLE_PER_DAY,
    MAX_PRIOR,
    MAX_RATE_PER_HOUR,
    MAX_RISK_AVERSION,
    MAX_SENSOR_RANGE_M,
    MAX_SENTENCE_YEARS,
    MAX_SPEED_FACTOR,
    MAX_TIME_SERVED_SHARE,
    MAX_TRAVELLERS_PER_VEHICLE,
    MAX_VEHICLES_PER_HOUR,
    MAX_WEIGHT,
    MAX_ZONE_KM,
    MIN_ELEVATION_M,
    MIN_INSPECTION_MINUTES,
    MIN_LIFETIME_YEARS,
    MIN_SPEED_FACTOR,
    MIN_SPEED_KMH,
    MIN_STEP_MINUTES,
)
from sim.scenario.checkpoints import FIND_PROBABILITY, INSPECTION_TECHNOLOGIES, Checkpoints
from sim.scenario.crossers import Crossers
from sim.scenario.legal import Legal
from sim.scenario.loading import (
    LoadedScenario,
    Scenario,
    load_scenario,
    normalise_overrides,
    parse_scenario,
    read_scenario,
    scenario_hash,
    to_dict,
)
from sim.scenario.meta import Meta
from sim.scenario.patrols import DRIVE_SPEED_FACTORS, Patrols
from sim.scenario.places import Place, Position
from sim.scenario.ports import Port
from sim.scenario.surveillance import ExtraTowers, Sensor, Surveillance
from sim.scenario.terrain import (
    LAND_COVER_MAXIMA,
    LAND_COVER_PROPERTIES,
    LAND_COVER_TABLE,
    LAND_COVERS,
    Procedural,
    Terrain,
    grid_cells,
    procedural_shape,
)
from sim.scenario.time import Time
from sim.scenario.traffickers import Traffickers, Tunnel
from sim.scenario.victims import COME_FORWARD_PROBABILITY, PROTECTION_LEVELS, TESTIFY_PROBABILITY, Victims
from sim.schema import InputError, Problem

__all__ = [
    "COME_FORWARD_PROBABILITY",
    "DRIVE_SPEED_FACTORS",
    "FIND_PROBABILITY",
    "INSPECTION_TECHNOLOGIES",
    "LAND_COVERS",
    "LAND_COVER_MAXIMA",
    "LAND_COVER_PROPERTIES",
    "LAND_COVER_TABLE",
    "MAX_CELLS",
    "MAX_COST",
    "MAX_DAYS",
    "MAX_DETENTION_PLACES",
    "MAX_ELEVATION_M",
    "MAX_EXTENT_KM",
    "MAX_FACTOR",
    "MAX_HARDSHIP_AVERSION",
    "MAX_HAZARD_PER_HOUR",
    "MAX_HOURS",
    "MAX_INSPECTION_MINUTES",
    "MAX_INVESTIGATORS",
    "MAX_LIFETIME_YEARS",
    "MAX_LOGIT_BETA",
    "MAX_MAST_HEIGHT_M",
    "MAX_PATROL_RANGE_M",
    "MAX_PEOPLE_PER_DAY",
    "MAX_PRIOR",
    "MAX_RATE_PER_HOUR",
    "MAX_RISK_AVERSION",
    "MAX_SENSOR_RANGE_M",
    "MAX_SENTENCE_YEARS",
    "MAX_SPEED_FACTOR",
    "MAX_TIME_SERVED_SHARE",
    "MAX_TRAVELLERS_PER_VEHICLE",
    "MAX_VEHICLES_PER_HOUR",
    "MAX_WEIGHT",
    "MAX_ZONE_KM",
    "MIN_ELEVATION_M",
    "MIN_INSPECTION_MINUTES",
    "MIN_LIFETIME_YEARS",
    "MIN_SPEED_FACTOR",
    "MIN_SPEED_KMH",
    "MIN_STEP_MINUTES",
    "PROTECTION_LEVELS",
    "TESTIFY_PROBABILITY",
    "Agencies",
    "Agency",
    "Border",
    "Checkpoints",
    "Crossers",
    "ExtraTowers",
    "InputError",
    "Legal",
    "LoadedScenario",
    "Meta",
    "Patrols",
    "Place",
    "Port",
    "Position",
    "Problem",
    "Procedural",
    "Scenario",
    "Sensor",
    "Surveillance",
    "Terrain",
    "Time",
    "Traffickers",
    "Tunnel",
    "Victims",
    "grid_cells",
    "load_scenario",
    "normalise_overrides",
    "parse_scenario",
    "procedural_shape",
    "read_scenario",
    "scenario_hash",
    "to_dict",
]
