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
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sim.schema import INPUT, MAX_RUN_DAYS, Builder, InputError, Problem, parse_override, read_toml, set_dotted, spec

#: Largest grid accepted, in cells: refused before anything is allocated (about 100 MB of layers).
MAX_CELLS = 4_000_000

Position = tuple[float, float]

# Upper bounds of magnitudes. Each is far beyond any real sector, so no meaningful scenario meets it, and
# each keeps the model's arithmetic finite (Poisson draws, sums of weights, route costs) and a run's size
# within reach. The schema refuses values beyond them with the key named.

#: Shortest model step (min): detection is integrated within a step, so shorter steps change nothing but
#: the run time (a one-minute step already makes 1,440 steps a simulated day).
MIN_STEP_MINUTES = 1.0
#: Longest run and any duration in days: ten years (the longest ``--days``).
MAX_DAYS = MAX_RUN_DAYS
#: Any duration in hours: ten years.
MAX_HOURS = MAX_DAYS * 24.0
#: Map extents and spatial spreads (km): longer than the longest land border modelled as one sector
#: (Canada-United States, 8,891 km, is the longest of all; Mexico-United States 3,145 km).
MAX_EXTENT_KM = 5000.0
#: Deepest border zone (km): the United States' 100-mile enforcement zone is 160 km deep.
MAX_ZONE_KM = 200.0
#: Elevations (m): from below the Dead Sea shore (-430 m) to above Everest (8,849 m).
MIN_ELEVATION_M, MAX_ELEVATION_M = -500.0, 9000.0
#: Detection and trail-loss hazards (per hour): at 1,000 an hour the expected time to the event is 3.6
#: seconds, far within any step; higher rates are the same as certainty.
MAX_RATE_PER_HOUR = 1000.0
#: Death hazard on foot (per person-hour): 1 an hour kills 63 % of people within the hour.
MAX_HAZARD_PER_HOUR = 1.0
#: Victims recruited in a day, or people through a tunnel in a day: ten thousand is an order of magnitude
#: above the largest irregular flows recorded across a whole border (about 10,000 encounters a day at the
#: Mexico-United States border at its 2023 peak), and every victim is an agent.
MAX_PEOPLE_PER_DAY = 10_000.0
#: Legitimate vehicles an hour at one port: the busiest land port (San Ysidro) handles about 70,000
#: northbound vehicles a day over some 25 lanes, about 3,000 an hour at the peak.
MAX_VEHICLES_PER_HOUR = 5000.0
#: Mean travellers per vehicle: a full coach carries about 50 to 80.
MAX_TRAVELLERS_PER_VEHICLE = 100.0
#: Secondary inspection of one vehicle (min): a day, beyond which the vehicle is impounded, not inspected.
MAX_INSPECTION_MINUTES = 1440.0
#: Relative weight of a staging area or destination: a ratio beyond 1,000 to 1 is a place left out.
MAX_WEIGHT = 1000.0
#: Mast height (m): aerostats fly their radars at up to about 4,600 m.
MAX_MAST_HEIGHT_M = 5000.0
#: Sensor range (m): the longest-range aerostat radars see about 370 km (low-flying aircraft).
MAX_SENSOR_RANGE_M = 500_000.0
#: A patrol's detection range (m): thermal imagers on vehicles see people at some 10-20 km.
MAX_PATROL_RANGE_M = 50_000.0
#: Any cost item (currency): a trillion, above the annual budget of any border agency (US Customs and
#: Border Protection, about 2e10 dollars a year).
MAX_COST = 1e12
#: Service life of a sensor (years): a century.
MAX_LIFETIME_YEARS = 100.0
#: Multipliers (tech-tier factors, road detour): ten times the standard.
MAX_FACTOR = 10.0
#: Weight of detection risk in route costs (h per expected detection): ten thousand hours, over a year of
#: walking, traded for one expected detection.
MAX_RISK_AVERSION = 10_000.0
#: Weight of the exposure hazard in route costs (h per expected death): the terrain's hazards are 1e-6 to
#: 3e-4 an hour, so a million makes the deadliest ground cost hundreds of hours; more changes little.
MAX_HARDSHIP_AVERSION = 1e6
#: Logit sharpness (1/h): at 100 an hour a crossing six minutes dearer is chosen e^10 times less often, as
#: good as always the cheapest.
MAX_LOGIT_BETA = 100.0
#: Pseudo-observations of a network's priors: a prior worth a thousand trips never moves within a run.
MAX_PRIOR = 1000.0
#: Investigators of one agency.
MAX_INVESTIGATORS = 10_000
#: Pretrial detention places: a million, above the whole prison population of most countries.
MAX_DETENTION_PLACES = 1_000_000
#: Mean sentence (years): a life sentence.
MAX_SENTENCE_YEARS = 100.0
#: Time served as a share of the sentence: ten times the sentence.
MAX_TIME_SERVED_SHARE = 10.0
#: Slowest speed of anyone moving (km/h): 100 m an hour; slower is standing still, and a speed that small
#: times a terrain factor would underflow to zero and cut routes the land allows.
MIN_SPEED_KMH = 0.1
#: Slowest wading speed factor in the border river: 1 % of the speed on open flat ground.
MIN_SPEED_FACTOR = 0.01
#: Shortest service life of a sensor (years): about a month; capital costs are spread over it.
MIN_LIFETIME_YEARS = 0.1
#: Shortest secondary inspection of a vehicle (min): six seconds.
MIN_INSPECTION_MINUTES = 0.1
#: Fastest walking speed factor of a land cover, relative to open flat ground (roads are 1.2).
MAX_SPEED_FACTOR = 3.0

LAND_COVERS = ("open", "desert", "scrub", "forest", "mountain", "water", "road", "urban")

#: Properties of a land cover for people on foot (``terrain.land_cover``).
LAND_COVER_PROPERTIES = ("speed_factor", "concealment", "exposure_per_hour")

#: Default ``terrain.land_cover``: walking speed factor relative to open flat ground (0 impassable),
#: concealment (multiplier on detection hazards) and exposure hazard of death per person-hour on foot,
#: by land cover. Sources in :mod:`sim.world.terrain`.
LAND_COVER_TABLE = {
    "open": {"speed_factor": 1.0, "concealment": 1.0, "exposure_per_hour": 1e-6},
    "desert": {"speed_factor": 0.8, "concealment": 1.0, "exposure_per_hour": 2e-5},
    "scrub": {"speed_factor": 0.7, "concealment": 0.6, "exposure_per_hour": 1e-6},
    "forest": {"speed_factor": 0.5, "concealment": 0.35, "exposure_per_hour": 1e-6},
    "mountain": {"speed_factor": 0.35, "concealment": 0.5, "exposure_per_hour": 1.5e-5},
    "water": {"speed_factor": 0.0, "concealment": 0.8, "exposure_per_hour": 3e-4},
    "road": {"speed_factor": 1.2, "concealment": 1.0, "exposure_per_hour": 1e-6},
    "urban": {"speed_factor": 0.9, "concealment": 0.5, "exposure_per_hour": 1e-6},
}

#: Responding patrols' speed per land cover, as a share of the road speed (``patrols.drive_speed_factors``).
DRIVE_SPEED_FACTORS = {
    "open": 0.5,
    "desert": 0.45,
    "scrub": 0.3,
    "forest": 0.15,
    "mountain": 0.06,
    "water": 0.0,
    "road": 1.0,
    "urban": 0.5,
}

PROTECTION_LEVELS = ("none", "basic", "strong")

#: Chance a rescued victim testifies, by protection level (``victims.testify_probability``); chance a victim at
#: the destination comes forward (``victims.come_forward_probability``).
TESTIFY_PROBABILITY = {"none": 0.1, "basic": 0.3, "strong": 0.65}
COME_FORWARD_PROBABILITY = {"none": 0.02, "basic": 0.05, "strong": 0.15}

INSPECTION_TECHNOLOGIES = ("basic", "standard", "scanner", "biometric")

#: Chance secondary inspection finds people hidden in a vehicle, by technology
#: (``checkpoints.detection_probability``).
FIND_PROBABILITY = {"basic": 0.3, "standard": 0.5, "scanner": 0.75, "biometric": 0.85}


@dataclass(frozen=True)
class Meta:
    name: str = spec(doc="Short name of the scenario, used in reports and file names.", source=INPUT)
    description: str = spec("", doc="What the scenario represents, in a sentence or two.", source=INPUT)


@dataclass(frozen=True)
class Time:
    step_minutes: float = spec(
        30.0,
        doc="Simulated time per model step. Keep it at an hour or less.",
        unit="min",
        ge=MIN_STEP_MINUTES,
        le=60,
        source=INPUT,
    )
    days: float = spec(90.0, doc="Default length of a run.", unit="days", gt=0, le=MAX_DAYS, source=INPUT)
    start_hour: float = spec(
        0.0, doc="Time of day at which a run starts (0 = midnight).", unit="h", ge=0, lt=24, source=INPUT
    )
    start_day_of_year: int = spec(
        1,
        doc="Day of the year on which a run starts (1 = 1 January); sets the season of exposure deaths.",
        ge=1,
        le=365,
        source=INPUT,
    )
    dusk_hour: float = spec(
        19.0,
        doc="Hour at which night begins: detection by patrols and sensors falls, heat exposure eases.",
        unit="h",
        ge=0,
        lt=24,
        source="assumption: sunset in the south-western desert, 17:30-19:30 over the year, as a fixed hour",
    )
    dawn_hour: float = spec(
        6.0,
        doc="Hour at which night ends (the day begins).",
        unit="h",
        ge=0,
        lt=24,
        source="assumption: sunrise in the south-western desert, 5:15-7:30 over the year, as a fixed hour",
    )


@dataclass(frozen=True)
class Procedural:
    kind: str = spec(
        "desert",
        doc="Landscape family: desert basin with mountain ridges, or a river valley with farmland.",
        choices=("desert", "river", "plain"),
        source=INPUT,
    )
    ridges: int = spec(3, doc="Number of mountain ridges.", ge=0, le=20, source=INPUT)
    ridge_height_m: float = spec(
        600.0, doc="Peak height of ridges above the plain.", unit="m", ge=0, source=INPUT, le=MAX_ELEVATION_M
    )
    roughness: float = spec(0.5, doc="Amplitude of small-scale relief (0 flat, 1 rugged).", ge=0, le=1, source=INPUT)
    river: bool = spec(False, doc="Carve a meandering west-east river.", source=INPUT)
    river_width_m: float = spec(
        2000.0,
        doc=(
            "Width of the river with its banks. The map draws at least one "
            "cell in every column, and joins the columns so the river is one body of water."
        ),
        unit="m",
        gt=0,
        le=20_000,
        source="assumption: a broad lowland river with its banks",
    )
    roads: int = spec(
        1, doc="Number of north-south highways (the first passes the first port).", ge=0, le=10, source=INPUT
    )
    towns: int = spec(1, doc="Number of towns (urban patches).", ge=0, le=20, source=INPUT)
    forest_share: float = spec(0.05, doc="Share of land covered by forest/scrub patches.", ge=0, le=0.9, source=INPUT)


@dataclass(frozen=True)
class Terrain:
    source: str = spec(
        doc=(
            "Where the land comes from: an ASCII map in this file, a seeded generator, raster files without "
            "coordinates (.npy, .csv), or GeoTIFF files placed on Earth (see docs/geodata.md)."
        ),
        choices=("ascii", "procedural", "raster", "geotiff"),
        source=INPUT,
    )
    cell_m: float = spec(1000.0, doc="Side of one grid cell.", unit="m", ge=10, le=100_000, source=INPUT)
    width_km: float | None = spec(
        None,
        doc=(
            "West-east extent of a procedural map (required for procedural; not allowed for ascii/raster, whose "
            "extent is their number of columns times cell_m). The grid has width_km / cell_m columns, rounded up."
        ),
        unit="km",
        gt=0,
        source=INPUT,
        le=MAX_EXTENT_KM,
    )
    height_km: float | None = spec(
        None,
        doc="North-south extent of a procedural map (as width_km; the grid has height_km / cell_m rows, rounded up).",
        unit="km",
        gt=0,
        source=INPUT,
        le=MAX_EXTENT_KM,
    )
    seed: int = spec(
        1,
        doc="Seed of the procedural generator (the same seed gives the same land, whatever cell_m).",
        ge=0,
        source=INPUT,
    )
    ascii: str = spec(
        "",
        doc=(
            "ASCII map, one character a cell: '.' open, ':' desert, '\"' scrub, 'T' forest, '^' mountain, "
            "'~' water, '#' road, 'U' urban, '=' border on open ground. Rows top (north) to bottom."
        ),
        source=INPUT,
    )
    ascii_elevation_m: dict[str, float] = spec(
        default_factory=dict,
        doc="Elevation per ASCII character (defaults: mountain 800, others 0-100).",
        unit="m",
        ge=MIN_ELEVATION_M,
        le=MAX_ELEVATION_M,
        source=INPUT,
    )
    elevation_file: str = spec(
        "",
        doc=(
            "Raster or GeoTIFF source: elevation in metres (.npy or .csv for 'raster', a GeoTIFF with a CRS for "
            "'geotiff', where it defines the map's extent), relative to this file."
        ),
        source=INPUT,
    )
    landcover_file: str = spec(
        "",
        doc=(
            "Raster or GeoTIFF source: land-cover codes, bordersim's 0-7 (open, desert, scrub, forest, mountain, "
            "water, road, urban) or, for 'geotiff', any codes mapped by landcover_codes. A GeoTIFF must cover the "
            "elevation GeoTIFF (a larger one is cropped)."
        ),
        source=INPUT,
    )
    landcover_codes: dict[str, str] = spec(
        default_factory=dict,
        doc=(
            "GeoTIFF source: the land-cover raster's codes mapped to bordersim's land covers, e.g. for ESA "
            'WorldCover { "10" = "forest", "20" = "scrub", "30" = "open", "40" = "open", "50" = "urban", '
            '"60" = "desert", "80" = "water" } (docs/geodata.md has a full table). Empty: the raster holds '
            "bordersim's codes 0-7."
        ),
        source=INPUT,
    )
    water_share: float = spec(
        0.25,
        doc=(
            "GeoTIFF source, when land cover is coarsened (a model cell spans more than 1.5 land-cover pixels): a "
            "cell is water if at least this share of its area is water pixels, or if water is its most common "
            "class; a cell whose most common class is road stays road (a bridge). With 0.25 a channel at least "
            "1.05 cells wide stays one 8-connected body at any angle (the most common class alone needs 1.45 "
            "cells); 1 keeps the most common class alone (docs/geodata.md)."
        ),
        source="assumption",
        gt=0,
        le=1,
    )
    crs: str = spec(
        "",
        doc=(
            "GeoTIFF source: the projected coordinate reference system (in metres) of the model's grid, e.g. "
            "'EPSG:32613'; the rasters are reprojected onto it. Empty: the UTM zone (WGS 84) of the elevation "
            "raster's centre."
        ),
        source=INPUT,
    )
    positions: str = spec(
        "km",
        doc=(
            "How the positions of places and sensors (ports, staging, destinations, tunnels' ends, sensors' at) "
            "are given: 'km' [x_km, y_km] east and south of the map's north-west corner; 'lonlat' [longitude, "
            "latitude] in degrees (WGS 84); 'crs' [easting, northing] in terrain.crs. 'lonlat' and 'crs' need "
            "terrain.source = 'geotiff'. border.origin_point is given in the same way; border.y_km and patrols.sector "
            "stay in km."
        ),
        choices=("km", "lonlat", "crs"),
        source=INPUT,
    )
    river_wading_speed_factor: float = spec(
        0.15,
        doc=(
            "Walking speed factor (relative to open flat ground) in the border river's water cells: the water "
            "body the border line runs in (border.mode = 'river', or a 'geojson' line along a river; water cells "
            "8-connected to water cells of the line): people wade and swim across; elsewhere water is impassable."
        ),
        source="assumption",
        ge=MIN_SPEED_FACTOR,
        le=1,
    )
    steep_exposure_per_hour: float = spec(
        2e-5,
        doc=(
            "Hazard of death per person-hour on foot added by slope, rising linearly to this value at a 50 % "
            "grade and staying there on steeper ground (falls, exhaustion)."
        ),
        unit="per hour",
        source="assumption: the desert's heat hazard (calibrated, see terrain.land_cover)",
        ge=0,
        le=MAX_HAZARD_PER_HOUR,
    )
    land_cover: dict[str, dict[str, float]] = spec(
        default_factory=lambda: copy.deepcopy(LAND_COVER_TABLE),
        doc=(
            "Properties of each land cover for people on foot: speed_factor (walking speed relative to open flat "
            "ground; 0 impassable), concealment (factor on every detection hazard, 0 to 1) and exposure_per_hour "
            "(hazard of death per person-hour on foot), e.g. land_cover.desert = { exposure_per_hour = 4e-4 }. "
            "Land covers and properties left out keep their defaults (the table below)."
        ),
        source=(
            "speed: terrain coefficients (Soule & Goldman 1972); exposure: relative values from the desert and "
            "river death series (Eschbach et al. 1999; GAO-06-770), level calibrated to 0.29 recorded deaths per "
            "1,000 encounters (IOM 2022 / CBP FY2022) in desert_sector; concealment: assumption"
        ),
        ge=0,
    )
    procedural: Procedural = spec(default_factory=Procedural, doc="Parameters of the procedural generator.")

    def land_cover_value(self, name: str, prop: str) -> float:
        """``land_cover[name][prop]``, its default when the table leaves it out."""
        return self.land_cover.get(name, {}).get(prop, LAND_COVER_TABLE[name][prop])


@dataclass(frozen=True)
class Border:
    mode: str = spec(
        "row",
        doc=(
            "How the border line is drawn: a straight west-east line (the row of cells at border.y_km), "
            "the river's centre line, the '=' cells of the ASCII map (one per column), or a line of any shape "
            "read from a GeoJSON file (border.file)."
        ),
        choices=("row", "river", "ascii", "geojson"),
        source=INPUT,
    )
    y_km: float | None = spec(
        None,
        doc=(
            "Position of a straight border (mode 'row'), south of the north edge: the line is the row of cells "
            "containing it. Absent: the middle row of the map."
        ),
        unit="km",
        ge=0,
        source=INPUT,
    )
    origin_side: str = spec(
        "south",
        doc=(
            "Side traffickers start from (staging areas); the other is destination. Used when "
            "border.origin_point is not given (modes row, river, ascii)."
        ),
        choices=("south", "north"),
        source=INPUT,
    )
    zone_km: float = spec(
        3.0,
        doc="Depth of the border zone on each side: blind spots and interdictions count in it.",
        unit="km",
        gt=0,
        source=INPUT,
        le=MAX_ZONE_KM,
    )
    file: str = spec(
        "",
        doc=(
            "Mode 'geojson': a GeoJSON file (relative to this file) holding the border as a LineString or "
            "MultiLineString (or a Feature or FeatureCollection of them) in the scenario's km: x east of the west "
            "edge, y south of the north edge. The line must run from one map edge to another (its ends within half "
            "a cell of the edge) without leaving the map or crossing itself. In a GeoTIFF scenario the file is in "
            "longitude and latitude (RFC 7946), or in the CRS its 'crs' member names, and is projected onto the map."
        ),
        source=INPUT,
    )
    origin_point: Position | None = spec(
        None,
        doc=(
            "A point [x_km, y_km] on the origin side: the side of the line holding it is where traffickers start. "
            "Required with mode 'geojson'; in the other modes it replaces origin_side. In a GeoTIFF scenario, as "
            "terrain.positions says (like every place's at). It must be on the map and off the line."
        ),
        unit="km",
        source=INPUT,
    )


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


@dataclass(frozen=True)
class Place:
    name: str = spec(doc="Name of the place.", source=INPUT)
    at: Position = spec(
        doc="Position [x_km, y_km]. In a GeoTIFF scenario, as terrain.positions says.", unit="km", source=INPUT
    )
    weight: float = spec(
        1.0, doc="Relative share of recruitment (staging) or demand (destination).", gt=0, source=INPUT, le=MAX_WEIGHT
    )


@dataclass(frozen=True)
class Sensor:
    kind: str = spec(
        doc="Detector type: towers need line of sight; ground sensors and cameras see a short range.",
        choices=("tower", "ground", "aerostat", "camera"),
        source=INPUT,
    )
    at: Position = spec(
        doc="Position [x_km, y_km]. In a GeoTIFF scenario, as terrain.positions says.", unit="km", source=INPUT
    )
    mast_height_m: float = spec(
        30.0,
        doc="Height of the sensor above ground (aerostats: 500+).",
        unit="m",
        ge=0,
        source=INPUT,
        le=MAX_MAST_HEIGHT_M,
    )
    range_m: float = spec(8000.0, doc="Maximum detection range.", unit="m", gt=0, source=INPUT, le=MAX_SENSOR_RANGE_M)
    detection_rate_per_hour: float = spec(
        2.0,
        doc="Detection hazard for an unconcealed person in range and in view.",
        unit="per hour",
        ge=0,
        source="assumption",
        le=MAX_RATE_PER_HOUR,
    )
    tech_tier: int = spec(
        2,
        doc="Technology tier (1 basic, 2 standard, 3 advanced): scales the rate by surveillance.tech_tier_factors.",
        ge=1,
        le=3,
        source=INPUT,
    )
    agency: str = spec("border_patrol", doc="Agency that owns the sensor and receives its alerts.", source=INPUT)
    cost_per_year: float = spec(
        250_000.0,
        doc="Annual operating cost of the sensor (staff, power, maintenance).",
        unit="currency/year",
        ge=0,
        source="assumption",
        le=MAX_COST,
    )
    capital_cost: float = spec(
        1_000_000.0,
        doc=(
            "Purchase and installation cost, spread evenly over lifetime_years in the run's cost. Assumption: "
            "about a million for a surveillance tower with its radar and cameras; set it far lower for cameras "
            "and ground sensors."
        ),
        unit="currency",
        ge=0,
        source="assumption",
        le=MAX_COST,
    )
    lifetime_years: float = spec(
        10.0,
        doc="Service life over which the capital cost is spread.",
        unit="years",
        ge=MIN_LIFETIME_YEARS,
        source="assumption",
        le=MAX_LIFETIME_YEARS,
    )


@dataclass(frozen=True)
class ExtraTowers:
    count: int = spec(
        0,
        doc=(
            "Towers the tool sites itself, one at a time where each covers the most blind border "
            "(greedy maximum coverage). The chosen sites are recorded in the run output."
        ),
        ge=0,
        le=200,
        source=INPUT,
    )
    mast_height_m: float = spec(
        30.0, doc="Mast height of each extra tower.", unit="m", ge=0, source=INPUT, le=MAX_MAST_HEIGHT_M
    )
    range_m: float = spec(8000.0, doc="Range of each extra tower.", unit="m", gt=0, source=INPUT, le=MAX_SENSOR_RANGE_M)
    detection_rate_per_hour: float = spec(
        2.0, doc="Detection rate of each extra tower.", unit="per hour", ge=0, source="assumption", le=MAX_RATE_PER_HOUR
    )
    tech_tier: int = spec(2, doc="Technology tier of each extra tower.", ge=1, le=3, source=INPUT)
    agency: str = spec("border_patrol", doc="Agency that owns the extra towers.", source=INPUT)
    cost_per_year: float = spec(
        250_000.0,
        doc="Annual operating cost of each extra tower.",
        unit="currency/year",
        ge=0,
        source="assumption",
        le=MAX_COST,
    )
    capital_cost: float = spec(
        1_000_000.0,
        doc=(
            "Purchase and installation cost of each extra tower, spread evenly over lifetime_years in the run's "
            "cost. Assumption: about a million for a surveillance tower with its radar and cameras."
        ),
        unit="currency",
        ge=0,
        source="assumption",
        le=MAX_COST,
    )
    lifetime_years: float = spec(
        10.0,
        doc="Service life over which the capital cost is spread.",
        unit="years",
        ge=MIN_LIFETIME_YEARS,
        source="assumption",
        le=MAX_LIFETIME_YEARS,
    )
    candidate_spacing_km: float = spec(
        2.0, doc="Spacing of candidate sites searched.", unit="km", gt=0, source=INPUT, le=MAX_EXTENT_KM
    )


@dataclass(frozen=True)
class Surveillance:
    sensors: list[Sensor] = spec(default_factory=list, doc="Fixed sensors: [[surveillance.sensors]] tables.")
    extra_towers: ExtraTowers = spec(default_factory=ExtraTowers, doc="Towers sited automatically.")
    blind_spot_threshold_per_hour: float = spec(
        0.5,
        doc="Border-zone cells whose coverage (rate x concealment) is below this are blind spots.",
        unit="per hour",
        ge=0,
        source="assumption",
        le=MAX_RATE_PER_HOUR,
    )
    tech_tier_factors: tuple[float, float, float] = spec(
        (0.6, 1.0, 1.4),
        doc=(
            "Factor on a sensor's detection_rate_per_hour by its tech_tier: [tier 1 basic, tier 2 standard, "
            "tier 3 advanced]."
        ),
        ge=0,
        source="assumption",
        le=MAX_FACTOR,
    )
    target_height_m: float = spec(
        1.7,
        doc=(
            "Height above the ground of what line-of-sight sensors must see: a standing adult. Lower it for people "
            "crouching or crawling."
        ),
        unit="m",
        ge=0,
        le=10,
        source="assumption (a standing adult's height)",
    )
    night_detection_factor: float = spec(
        0.8,
        doc=(
            "Factor on fixed sensors' detection hazard at night (between time.dusk_hour and time.dawn_hour). "
            "Towers carry thermal imaging, so they lose less at night than patrols (patrols.night_detection_factor)."
        ),
        ge=0,
        le=MAX_FACTOR,
        source="assumption: surveillance towers with infrared cameras (CBP Integrated Fixed Towers) work at night",
    )


@dataclass(frozen=True)
class Patrols:
    count: int = spec(8, doc="Patrol units on the roster.", ge=0, le=5000, source=INPUT)
    strategy: str = spec(
        "random",
        doc=(
            "random: uniform waypoints in the border zone; fixed: a fixed beat along the border; "
            "hotspot: where the agency's intel shows crossings; randomized: waypoints drawn from a "
            "mixed strategy weighted by estimated crossing risk with a floor (Stackelberg)."
        ),
        choices=("random", "fixed", "hotspot", "randomized"),
        source=INPUT,
    )
    speed_kmh: float = spec(
        15.0,
        doc="Patrol speed while patrolling (vehicle on tracks).",
        unit="km/h",
        ge=MIN_SPEED_KMH,
        le=200,
        source="assumption",
    )
    response_speed_kmh: float = spec(
        40.0,
        doc="Speed on roads when responding to an alert; off-road it is scaled by drive_speed_factors.",
        unit="km/h",
        ge=MIN_SPEED_KMH,
        le=300,
        source="assumption",
    )
    detection_range_m: float = spec(
        1500.0,
        doc="Range within which a patrol can detect a group.",
        unit="m",
        gt=0,
        source="assumption",
        le=MAX_PATROL_RANGE_M,
    )
    detection_rate_per_hour: float = spec(
        3.0,
        doc="Detection hazard for an unconcealed group at zero distance.",
        unit="per hour",
        ge=0,
        source="assumption",
        le=MAX_RATE_PER_HOUR,
    )
    night_detection_factor: float = spec(
        0.5,
        doc=(
            "Factor on patrols' detection hazard at night (between time.dusk_hour and time.dawn_hour): agents "
            "see less in the dark, night-vision devices and scopes recover part of it."
        ),
        ge=0,
        le=MAX_FACTOR,
        source="assumption; pattern: crossings on foot cluster at night, when they are harder to see",
    )
    shift_hours: float = spec(8.0, doc="Length of a shift.", unit="h", gt=0, le=24, source="assumption")
    on_duty_share: float = spec(
        0.75, doc="Share of the roster on duty at any time (shifts rotate).", gt=0, le=1, source="assumption"
    )
    randomized_floor: float = spec(
        0.1,
        doc="Randomized strategy: minimum share of probability spread uniformly.",
        ge=0,
        le=1,
        source="assumption; mixed strategy after Pita et al. 2008",
    )
    randomized_kernel_km: float = spec(
        2.0,
        doc=(
            "Randomized strategy: spread (standard deviation of a Gaussian) of the crossing risk an intel point "
            "adds around it."
        ),
        unit="km",
        gt=0,
        source="assumption",
        le=MAX_EXTENT_KM,
    )
    randomized_half_life_hours: float = spec(
        168.0,
        doc="Randomized strategy: half-life of an intel point's weight in the crossing risk.",
        unit="h",
        gt=0,
        source="assumption",
        le=MAX_HOURS,
    )
    hotspot_half_life_hours: float = spec(
        72.0,
        doc="Hotspot strategy: half-life of an intel point's weight when choosing where to go.",
        unit="h",
        gt=0,
        source="assumption",
        le=MAX_HOURS,
    )
    hotspot_spread_km: float = spec(
        1.0,
        doc=("Hotspot strategy: spread (standard deviation, each way) of the waypoint around the chosen intel point."),
        unit="km",
        ge=0,
        source="assumption",
        le=MAX_EXTENT_KM,
    )
    cost_per_hour: float = spec(
        120.0, doc="Cost of one patrol unit on duty.", unit="currency/h", ge=0, source="assumption", le=MAX_COST
    )
    sector: tuple[float, float] | None = spec(
        None, doc="Optional west-east sector [x_min_km, x_max_km] patrols are confined to.", unit="km", source=INPUT
    )
    drive_speed_factors: dict[str, float] = spec(
        default_factory=lambda: dict(DRIVE_SPEED_FACTORS),
        doc=(
            "Responding patrols' speed per land cover, as a share of response_speed_kmh (road 1). Land covers "
            "left out keep their defaults; 0 closes a land cover to vehicles. Assumption: a 4x4 off-road at "
            "about half its road speed on open ground and desert, slower in brush and forest, on foot in mountains."
        ),
        ge=0,
        le=1,
        source="assumption",
    )
    max_response_hours: float = spec(
        2.0,
        doc="A dispatcher sends the nearest free patrol only if it can drive to the alert within this time.",
        unit="h",
        gt=0,
        le=48,
        source="assumption",
    )
    tracking_speed_kmh: float = spec(
        6.0,
        doc=(
            "Speed at which a patrol follows a group's trail on open ground (sign cutting, leapfrogging by "
            "vehicle); terrain slows it as it slows the group."
        ),
        unit="km/h",
        ge=MIN_SPEED_KMH,
        le=100,
        source="assumption",
    )
    trail_loss_per_hour: float = spec(
        0.25,
        doc="Rate at which a followed trail is lost (rock, wind, brush).",
        unit="per hour",
        ge=0,
        source="assumption",
        le=MAX_RATE_PER_HOUR,
    )
    capture_probability: float = spec(
        0.8,
        doc="Chance that each person in a group a patrol reaches is apprehended; the others scatter.",
        ge=0,
        le=1,
        source="assumption",
    )
    guide_capture_probability: float = spec(
        0.6,
        doc="Chance that the guide of a group a patrol reaches is apprehended (guides flee first).",
        ge=0,
        le=1,
        source="assumption",
    )
    transport_hours: float = spec(
        4.0,
        doc="Time a patrol spends processing and transporting an interdicted group before it patrols again.",
        unit="h",
        gt=0,
        source="assumption",
        le=MAX_HOURS,
    )


@dataclass(frozen=True)
class Agency:
    name: str = spec(doc="Identifier of the agency, e.g. border_patrol, customs, police.", source=INPUT)
    patrol_share: float = spec(
        1.0, doc="Relative share of the patrol roster this agency owns.", ge=0, source=INPUT, le=1
    )
    investigators: int = spec(
        2, doc="Investigators following up arrests to the rest of a network.", ge=0, source=INPUT, le=MAX_INVESTIGATORS
    )
    cost_per_investigator_per_year: float = spec(
        150_000.0,
        doc="Annual cost of one investigator: salary, overheads, equipment.",
        unit="currency/year",
        ge=0,
        source="assumption",
        le=MAX_COST,
    )
    jurisdiction: str = spec(
        "national",
        doc=(
            "Jurisdiction the agency belongs to: national, or foreign (a partner across the border). Its records "
            "reach agencies of the other jurisdiction only under agencies.cooperation, after that lever's delay, "
            "and a case that uses evidence held by an agency of the other jurisdiction takes that delay in its "
            "procedure (a cross-jurisdiction case)."
        ),
        choices=("national", "foreign"),
        source=INPUT,
    )


@dataclass(frozen=True)
class Agencies:
    members: list[Agency] = spec(
        default_factory=lambda: [
            Agency(name="border_patrol", patrol_share=1.0),
            Agency(name="customs", patrol_share=0.0),
        ],
        doc="The agencies: [[agencies.members]] tables.",
    )
    sharing: str = spec(
        "none",
        doc="Interagency intelligence sharing: none, delayed (after a latency) or full (real time).",
        choices=("none", "delayed", "full"),
        source=INPUT,
    )
    sharing_latency_hours: float = spec(
        72.0, doc="Delay before another agency sees an entry.", unit="h", ge=0, source=INPUT, le=MAX_HOURS
    )
    share_fraction: float = spec(
        1.0, doc="Share of entries that may be shared at all (privacy and legal limits).", ge=0, le=1, source=INPUT
    )
    sharing_cost_per_year: float = spec(
        200_000.0,
        doc=(
            "Annual cost of sharing when it is delayed or full: the shared database and liaison staff. "
            "Nothing when sharing is none."
        ),
        unit="currency/year",
        ge=0,
        source="assumption",
        le=MAX_COST,
    )
    investigation_yield: float = spec(
        0.02,
        doc=(
            "After an arrest, the agency's investigators find another member of the network with probability "
            "1 - exp(-investigation_yield x investigators x linked records), the linked records being those about "
            "the arrested member and the network's members at large that the agency can see (its own, and others' "
            "under sharing and cooperation)."
        ),
        unit="per investigator per linked record",
        ge=0,
        source="assumption",
        le=1,
    )
    intel_memory_hours: float = spec(
        720.0,
        doc=(
            "How long an intel entry (a detection, interdiction or arrest, with its position) guides patrols "
            "(hotspot and randomized strategies); older entries are forgotten for targeting (they stay counted in "
            "the agency totals). Records about people and members last agencies.retention_days."
        ),
        unit="h",
        source="assumption: a month",
        gt=0,
        le=MAX_HOURS,
    )
    cooperation: str = spec(
        "treaty",
        doc=(
            "Cross-border cooperation between the national and the foreign agencies: none (records never cross "
            "the border), treaty (records and evidence cross by mutual legal assistance after "
            "treaty_delay_days) or joint_team (a joint investigation team: after joint_team_delay_days, and real-time "
            "alerts cross too under full sharing). Sharing must be delayed or full for anything to cross. Acts only "
            "when agencies of both jurisdictions exist."
        ),
        choices=("none", "treaty", "joint_team"),
        source=INPUT,
    )
    treaty_delay_days: float = spec(
        120.0,
        doc=(
            "Delay before a record crosses the border under a treaty, and extra procedure of a case that needs "
            "the other side's evidence (a formal mutual legal assistance request). Requests to the United States "
            "took about 10 months on average (President's Review Group 2013); a bilateral treaty between "
            "neighbours is taken as faster."
        ),
        unit="days",
        ge=0,
        le=MAX_DAYS,
        source="assumption: about four months, below the 10 months of MLAT requests to the US (Review Group 2013)",
    )
    joint_team_delay_days: float = spec(
        1.0,
        doc=(
            "Delay before a record crosses the border in a joint investigation team, and extra procedure of a "
            "case needing the other side's evidence: members of a team share information and evidence directly, "
            "without formal requests (Eurojust and Europol, JIT Practical Guide 2017)."
        ),
        unit="days",
        ge=0,
        le=MAX_DAYS,
        source="assumption: a day, as direct exchange in a JIT (Eurojust/Europol JIT Practical Guide 2017)",
    )
    joint_team_cost_per_year: float = spec(
        150_000.0,
        doc="Annual cost of a joint investigation team (liaison officers, meetings) when cooperation is joint_team.",
        unit="currency/year",
        ge=0,
        le=MAX_COST,
        source="assumption: about one investigator's cost",
    )
    retention_days: float = spec(
        548.0,
        doc=(
            "Records (identities, vehicles, phones, places) are deleted this many days after they were made: "
            "neither their owner nor anyone else sees them after. The EU's Eurodac keeps the fingerprints of "
            "people apprehended crossing irregularly for 18 months (Regulation (EU) No 603/2013, Art. 16)."
        ),
        unit="days",
        gt=0,
        le=MAX_DAYS,
        source="Regulation (EU) No 603/2013, Art. 16 (Eurodac, 2013: 18 months for irregular crossers)",
    )
    biometric_capture_share: float = spec(
        0.5,
        doc=(
            "Share of identity records (arrested members, screened people) taken with biometrics (fingerprints, "
            "face); the rest identify by name and documents. Biometric records are matched with "
            "biometric_false_match_rate, the others with false_match_rate."
        ),
        ge=0,
        le=1,
        source=INPUT,
    )
    false_match_rate: float = spec(
        1e-5,
        doc=(
            "Chance that one comparison of a person with a name-and-document identity record of someone else "
            "matches wrongly. Every search (a screened person, an arrested member, a traveller at secondary "
            "inspection) is compared with every identity record the searching agency can see."
        ),
        unit="per comparison",
        ge=0,
        le=1,
        source="assumption: ten times the biometric rate; name matching confuses common names and aliases",
    )
    biometric_false_match_rate: float = spec(
        1e-6,
        doc=(
            "Chance that one comparison with a biometric identity record of someone else matches wrongly: "
            "operational face and fingerprint systems are run at thresholds of about one false match in a "
            "million comparisons (NIST FRVT 1:1 reports miss rates at FMR = 1e-6; NIST FpVTE 2012)."
        ),
        unit="per comparison",
        ge=0,
        le=1,
        source="NIST FRVT 1:1 (operating point FMR = 1e-6) and NIST FpVTE 2012: order of magnitude",
    )
    false_match_hold_days: float = spec(
        2.0,
        doc=(
            "Extra days a screened person held for return is held after a false match with someone else's "
            "record, until the identity is cleared; every such person, and every traveller at a port detained on "
            "a false match with a trafficker's record, counts as a wrongful detention."
        ),
        unit="days",
        ge=0,
        le=MAX_DAYS,
        source="assumption: a couple of days to clear an identity",
    )


@dataclass(frozen=True)
class Tunnel:
    name: str = spec(doc="Name of the tunnel.", source=INPUT)
    entrance: Position = spec(
        doc="Origin-side entrance [x_km, y_km]. In a GeoTIFF scenario, as terrain.positions says.",
        unit="km",
        source=INPUT,
    )
    exit: Position = spec(
        doc="Destination-side exit [x_km, y_km]. In a GeoTIFF scenario, as terrain.positions says.",
        unit="km",
        source=INPUT,
    )
    capacity_per_day: float = spec(
        20.0,
        doc=(
            "People (victims and guides) that can pass in a day of the run; a group counts on the "
            "day it would enter the tunnel, and a group that finds every tunnel full walks."
        ),
        unit="per day",
        gt=0,
        source="assumption",
        le=MAX_PEOPLE_PER_DAY,
    )


@dataclass(frozen=True)
class Traffickers:
    networks: int = spec(3, doc="Number of trafficking networks.", ge=0, le=200, source=INPUT)
    members_per_network: int = spec(
        6,
        doc="Members per network at full strength, every role counted: traffickers.organisers, recruiters and "
        "drivers as given, guides the rest (none when the other roles take every place).",
        ge=1,
        le=500,
        source="assumption",
    )
    group_size_mean: float = spec(
        6.0, doc="Mean number of victims per group (Poisson, at least 1).", ge=1, le=100, source="assumption"
    )
    walk_speed_kmh: float = spec(
        3.5,
        doc="Walking speed of a group on open ground.",
        unit="km/h",
        ge=MIN_SPEED_KMH,
        le=15,
        source="assumption: a group on foot, below Tobler's (1993) 5 km/h for one walker on the flat",
    )
    risk_aversion: float = spec(
        4.0,
        doc="Weight of perceived risk against travel time in route costs.",
        unit="h per unit risk",
        ge=0,
        source="assumption",
        le=MAX_RISK_AVERSION,
    )
    hardship_aversion: float = spec(
        4.0,
        doc=(
            "Weight of the exposure hazard its people would run (terrain exposure times victims.exposure_scale, "
            "summed along the path) against travel time in route costs (assumption: a network prices a "
            "person's death hazard like the group's detection hazard, risk_aversion; at the terrain's hazards "
            "of 1e-6 to 3e-4 per hour this barely bends routes, as flows displaced into the desert despite the "
            "deaths suggest, GAO-06-770)."
        ),
        unit="h per unit hazard",
        ge=0,
        source="assumption; pattern: GAO-06-770",
        le=MAX_HARDSHIP_AVERSION,
    )
    logit_beta: float = spec(
        0.5,
        doc="Sharpness of the logit choice among candidate crossings.",
        unit="1/h",
        ge=0,
        source="assumption",
        le=MAX_LOGIT_BETA,
    )
    candidate_crossings: int = spec(
        12, doc="Candidate crossing points evaluated per plan.", ge=1, le=200, source="assumption"
    )
    risk_kernel_km: float = spec(
        4.0,
        doc="Spatial spread of perceived risk after an interdiction.",
        unit="km",
        gt=0,
        source="assumption",
        le=MAX_EXTENT_KM,
    )
    risk_memory_days: float = spec(
        20.0, doc="Half-life of perceived risk.", unit="days", gt=0, source="assumption", le=MAX_DAYS
    )
    vehicle_share: float = spec(
        0.2,
        doc=(
            "Share of groups hidden in vehicles through a port while every mode looks equally risky; with "
            "mode_risk_sensitivity the shares shift toward the modes the network has seen succeed."
        ),
        ge=0,
        le=1,
        source="assumption",
    )
    tunnel_share: float = spec(
        0.0,
        doc="Share of groups using a tunnel when one exists, while every mode looks equally risky.",
        ge=0,
        le=1,
        source="assumption",
    )
    mode_risk_sensitivity: float = spec(
        1.0,
        doc=(
            "How strongly the choice of mode (foot, vehicle through a port, tunnel) follows the interdiction rate "
            "a network has seen for each: a mode's weight is its share times exp(-sensitivity x rate). 0: fixed "
            "shares."
        ),
        ge=0,
        le=100,
        source="assumption; pattern: displacement to ports after the 1990s build-up (Cornelius 2001)",
    )
    vehicle_speed_kmh: float = spec(
        50.0,
        doc="Speed of a vehicle carrying a group between staging area, port and destination, on roads.",
        unit="km/h",
        ge=MIN_SPEED_KMH,
        le=200,
        source="assumption",
    )
    road_detour_factor: float = spec(
        1.3,
        doc=("Road distance as a multiple of the straight-line distance for vehicle journeys."),
        ge=1,
        source="assumption: a typical circuity of roads",
        le=MAX_FACTOR,
    )
    dropoff_km: float = spec(
        6.0,
        doc=(
            "Walking distance before the border at which a vehicle drops a group on foot: the group rides from "
            "the staging area (straight line x road_detour_factor at vehicle_speed_kmh) to the point of its "
            "route this far before the line, or walks from the staging area if that is closer."
        ),
        unit="km",
        ge=0,
        le=MAX_EXTENT_KM,
        source="assumption; pattern: groups are driven to the line and walk the crossing stretch",
    )
    dropoff_spread_km: float = spec(
        3.0,
        doc="Each group's walking distance to the line is drawn uniformly within dropoff_km plus or minus this.",
        unit="km",
        ge=0,
        le=MAX_EXTENT_KM,
        source="assumption",
    )
    pickup_km: float = spec(
        5.0,
        doc=(
            "Walking distance beyond the border zone (on the destination side) at which a vehicle picks the group "
            "up and drives it to its destination; at the destination itself if that is closer."
        ),
        unit="km",
        ge=0,
        le=MAX_EXTENT_KM,
        source="assumption; pattern: load-up points on roads past the patrolled zone",
    )
    night_crossing_share: float = spec(
        0.7,
        doc=(
            "Share of groups on foot that wait for night: when the walk from the drop-off would reach the line "
            "in daylight, the drop-off waits until night_start_hour."
        ),
        ge=0,
        le=1,
        source="assumption; pattern: crossings on foot cluster at night",
    )
    night_start_hour: float = spec(
        19.0,
        doc="Hour at which groups that wait for night are dropped off.",
        unit="h",
        ge=0,
        lt=24,
        source="assumption: at dusk (time.dusk_hour)",
    )
    tunnel_speed_kmh: float = spec(
        2.0,
        doc="Speed of a group through a tunnel, crouching.",
        unit="km/h",
        ge=MIN_SPEED_KMH,
        le=15,
        source="assumption",
    )
    fee: float = spec(
        3000.0,
        doc="Initial fee charged per person.",
        unit="currency",
        ge=0,
        source="assumption: between about 2,000 dollars (UNODC 2010) and 6,000-7,000 in recent reports",
        le=MAX_COST,
    )
    revenue_per_victim: float = spec(
        12000.0,
        doc="Revenue from exploiting one delivered victim.",
        unit="currency",
        ge=0,
        source="assumption",
        le=MAX_COST,
    )
    sentence_cost: float = spec(
        200_000.0,
        doc="Cost a network attributes to one conviction (lost member, years).",
        unit="currency",
        ge=0,
        source="assumption",
        le=MAX_COST,
    )
    replacement_days: float = spec(
        14.0,
        doc="Mean time to find a replacement after the arrest of a guide, driver or recruiter (exponential); "
        "hired only if the network is still below strength in that role then, and only while it has an "
        "organiser at large (a headless network keeps searching). Exposed roles are taken by local people "
        "for whom smuggling is side work, so they are found quickly.",
        unit="days",
        gt=0,
        source="assumption; pattern: Triandafyllidou (2016); UNODC (2018) Global Study on Smuggling of Migrants",
        le=MAX_DAYS,
    )
    prior_trips: float = spec(
        2.0,
        doc=(
            "Weak prior of a new network on its arrest rate: it starts as if it had run prior_trips trips with "
            "prior_arrests arrests, and adds each trip it observes."
        ),
        unit="trips",
        source="assumption",
        gt=0,
        le=MAX_PRIOR,
    )
    prior_arrests: float = spec(
        0.0,
        doc="Arrests in the prior trips (0: no arrests seen yet, full activity at first); at most prior_trips.",
        unit="arrests",
        source="assumption",
        ge=0,
        le=MAX_PRIOR,
    )
    prior_verdicts: float = spec(
        2.0,
        doc="Weak prior on the conviction rate: verdicts a new network counts as already seen.",
        unit="verdicts",
        source="assumption",
        gt=0,
        le=MAX_PRIOR,
    )
    prior_convictions: float = spec(
        1.0,
        doc="Convictions among the prior verdicts (1 of 2: an even chance); at most prior_verdicts.",
        unit="convictions",
        source="assumption",
        ge=0,
        le=MAX_PRIOR,
    )
    prior_victims_sent: float = spec(
        3.0,
        doc="Weak prior on the delivery rate: victims a new network counts as already sent.",
        unit="victims",
        source="assumption",
        gt=0,
        le=MAX_PRIOR,
    )
    prior_deliveries: float = spec(
        2.0,
        doc="Deliveries among the prior victims sent (2 of 3); at most prior_victims_sent.",
        unit="victims",
        source="assumption",
        ge=0,
        le=MAX_PRIOR,
    )
    watch_days: float = spec(
        0.0,
        doc=(
            "Window over which lookouts watch the patrols near the border (hourly presence within watch_range_km "
            "of each border-line cell) before networks choose crossings; 0: networks do not watch."
        ),
        unit="days",
        ge=0,
        le=60,
        source=(
            "assumption: off by default; smugglers' lookouts and scouts watch patrols (Slack & Whiteford 2011), "
            "the observing adversary of Stackelberg security games (Pita et al. 2008)"
        ),
    )
    watch_range_km: float = spec(
        2.0,
        doc="Distance from a border point within which lookouts see a patrol.",
        unit="km",
        gt=0,
        le=20,
        source="assumption: a lookout on high ground sees a vehicle on the line a couple of kilometres away",
    )
    patrol_aversion: float = spec(
        10.0,
        doc=(
            "Weight of the patrol presence networks expect near a candidate crossing when the group would reach "
            "it (from what they watched) against travel time in crossing costs."
        ),
        unit="h per patrol",
        ge=0,
        source="assumption: one patrol in sight of the crossing is worth a long detour",
    )
    max_hold_hours: float = spec(
        8.0,
        doc=(
            "Longest a group on foot waits short of the line, in cover, while the lookouts report a patrol in "
            "sight of its crossing (watch_range_km, the last step); it crosses when they report it clear, or "
            "when its wait is used up. Acts only when networks watch (watch_days > 0); 0: groups never wait."
        ),
        unit="h",
        ge=0,
        le=72,
        source=(
            "assumption: a shift's length; guides hold short of the line until lookouts with radios report the "
            "patrols gone (Slack & Whiteford 2011; Spener 2009)"
        ),
    )
    activity_floor: float = spec(
        0.05,
        doc=(
            "Least share of its capacity a network keeps working however unprofitable the trade looks "
            "(commitments, debts, recruits already waiting)."
        ),
        source="assumption",
        ge=0,
        le=1,
    )
    organisers: int = spec(
        1,
        doc=(
            "Organisers per network at full strength: they plan the crossings and hire, never travel with a "
            "group, and are reached only by investigation. The network plans at min(1, organisers at large / "
            "this) of its activity; with none at large it sends no group, recruits and hires no one."
        ),
        ge=1,
        le=100,
        source=(
            "assumption; pattern: UNODC (2011) Smuggling of Migrants, a Global Review (someone at the top whom "
            "migrants rarely see); Europol (2016) Migrant Smuggling in the EU"
        ),
    )
    recruiters: int = spec(
        1,
        doc=(
            "Recruiters per network at full strength: intermediaries who find the clients; the network takes "
            "people on at min(1, recruiters at large / this) of its rate (with 0 the organisers recruit, at the "
            "full rate). They never travel with a group."
        ),
        ge=0,
        le=100,
        source="assumption; pattern: UNODC (2011); Triandafyllidou (2016)",
    )
    drivers: int = spec(
        1,
        doc=(
            "Drivers per network at full strength: a group hidden in a vehicle through a port needs a free "
            "driver, who travels with it; with none free the network sends no vehicle (the rides of groups on "
            "foot to drop-offs and from pick-ups are hired, not members). The rest of members_per_network are "
            "guides, who lead the groups on foot and through tunnels."
        ),
        ge=0,
        le=100,
        source="assumption; pattern: Spener (2009) Clandestine Crossings; UNODC (2018)",
    )
    cross_link_probability: float = spec(
        0.1,
        doc=(
            "Who works with whom: each organiser knows the other organisers; each recruiter one organiser; "
            "each guide and driver one recruiter (an organiser when there is none); and any two members below "
            "the organisers also know each other with this probability (a tree with cross-links). "
            "Investigations climb these links."
        ),
        ge=0,
        le=1,
        source="assumption; pattern: Campana (2018) Out of Africa, European Journal of Criminology; Morselli (2009)",
    )
    organiser_replacement_days: float = spec(
        180.0,
        doc=(
            "Mean time for a network to find a new organiser after one is arrested (exponential): a trusted "
            "member promoted or a boss from outside. Hard to replace: contacts, capital and trust."
        ),
        unit="days",
        gt=0,
        le=MAX_DAYS,
        source="assumption; pattern: Morselli (2009) Inside Criminal Networks; Duijn et al. (2014)",
    )
    dismantle_days: float = spec(
        90.0,
        doc=(
            "A network with no organiser at large for this long is dismantled: its members at large leave the "
            "trade (those held, awaiting trial or in prison as their cases close) and its trade passes to a "
            "newcomer after traffickers.takeover_days. Until then it only stops working (splintered)."
        ),
        unit="days",
        gt=0,
        le=MAX_DAYS,
        source="assumption",
    )
    takeover_days: float = spec(
        30.0,
        doc=(
            "Delay after a network is dismantled until a newcomer network, at full strength, takes over its "
            "trade: its share of the demand and the people waiting at its staging areas (market displacement)."
        ),
        unit="days",
        ge=0,
        le=MAX_DAYS,
        source=(
            "assumption; pattern: Reuter (1983) Disorganized Crime; Duijn, Kashirin and Sloot (2014) Scientific Reports"
        ),
    )
    tunnels: list[Tunnel] = spec(default_factory=list, doc="Tunnels: [[traffickers.tunnels]] tables.")


@dataclass(frozen=True)
class Victims:
    trafficked_share: float = spec(
        0.25,
        doc=(
            "Base rate of trafficking victims among the people the networks take across; the others are "
            "smuggled migrants who pay a fee."
        ),
        ge=0,
        le=1,
        source="assumption: smuggling and trafficking overlap, most smuggled migrants are not trafficked (UNODC)",
    )
    protection: str = spec(
        "basic",
        doc="Victim protection: none, basic (shelter), strong (shelter, residence permit, counsel).",
        choices=PROTECTION_LEVELS,
        source=INPUT,
    )
    testify_probability: dict[str, float] = spec(
        default_factory=lambda: dict(TESTIFY_PROBABILITY),
        doc=(
            "Chance a rescued victim testifies, by protection level (none, basic, strong); levels left out keep "
            "their defaults. Fear of reprisal and of deportation keeps most unprotected victims silent (UNODC "
            "Global Report on Trafficking in Persons); the values themselves are assumptions."
        ),
        ge=0,
        le=1,
        source="assumption; pattern: UNODC Global Report on Trafficking in Persons",
    )
    support_intake_days: float = spec(
        7.0,
        doc="Time from a rescue to the start of support services, when protection is offered.",
        unit="days",
        ge=0,
        source="assumption",
        le=MAX_DAYS,
    )
    screening_training: float = spec(
        0.5,
        doc="Sensitivity of screening: chance an apprehended trafficking victim is identified as a victim.",
        ge=0,
        le=1,
        source=INPUT,
    )
    screening_specificity: float = spec(
        0.95,
        doc=(
            "Specificity of screening: chance an apprehended smuggled migrant is not flagged as a victim. A "
            "flagged migrant is held through the referral (support_intake_days) before return: a rights cost."
        ),
        ge=0,
        le=1,
        source="assumption",
    )
    re_trafficking_probability: float = spec(
        0.3,
        doc="Chance a trafficking victim returned to the origin side (not identified) is trafficked again.",
        ge=0,
        le=1,
        source="assumption; pattern: re-trafficking of returned victims (IOM)",
    )
    debt_bondage_per_fee: float = spec(
        2e-5,
        doc=(
            "Hazard of debt bondage per unit of fee a smuggled migrant paid: on arrival they fall into bondage with "
            "1 - exp(-debt_bondage_per_fee x fee) (4 % at a fee of 2,000) and become trafficking victims."
        ),
        unit="per currency",
        ge=0,
        le=1,
        source="assumption; pattern: debt bondage rises with smuggling debts (UNODC 2010)",
    )
    come_forward_probability: dict[str, float] = spec(
        default_factory=lambda: dict(COME_FORWARD_PROBABILITY),
        doc=(
            "Chance a trafficking victim at the destination comes forward to the authorities, by protection "
            "level (none, basic, strong); levels left out keep their defaults."
        ),
        ge=0,
        le=1,
        source="assumption; pattern: fear of deportation keeps victims from coming forward (UNODC)",
    )
    come_forward_days: float = spec(
        120.0,
        doc="Mean time from arrival to coming forward, for victims who do (exponential).",
        unit="days",
        gt=0,
        source="assumption",
    )
    non_punishment: bool = spec(
        False,
        doc="Misidentified victims are not punished (and can still be identified and testify later).",
        source=INPUT,
    )
    late_identification_probability: float = spec(
        0.5,
        doc=("Under non_punishment, chance a misidentified victim is identified later and enters support."),
        ge=0,
        le=1,
        source="assumption",
    )
    late_identification_days: float = spec(
        30.0,
        doc="Under non_punishment, time from a misidentification to a late identification.",
        unit="days",
        ge=0,
        source="assumption",
        le=MAX_DAYS,
    )
    late_testimony_factor: float = spec(
        0.7,
        doc=(
            "Factor on testify_probability for a victim identified late: memories fade and trust is harder to "
            "win after detention."
        ),
        ge=0,
        le=1,
        source="assumption",
    )
    exposure_scale: float = spec(
        1.0,
        doc=(
            "Multiplier on the terrain's exposure hazard (heat, cold, drowning): on the deaths of people on foot "
            "and on its price in route costs (traffickers.hardship_aversion)."
        ),
        ge=0,
        le=100,
        source="assumption",
    )
    day_exposure_factor: float = spec(
        3.0,
        doc=(
            "Exposure hazard by day relative to night (between time.dawn_hour and time.dusk_hour the hazard is "
            "this many times the night's); the two are scaled so that a full day averages the terrain's hazard "
            "(times exposure_scale), so the factor moves deaths to the hours of heat without changing a "
            "day's mean."
        ),
        ge=0,
        le=MAX_FACTOR,
        source="assumption; pattern: heat exposure causes about 61% of border-crossing deaths (GAO-06-770)",
    )
    summer_exposure_factor: float = spec(
        3.0,
        doc=(
            "Exposure hazard in mid-July relative to mid-January: a cosine over the year peaking on day 196, "
            "scaled so that a year averages the terrain's hazard (times exposure_scale)."
        ),
        ge=1,
        le=MAX_FACTOR,
        source="assumption; pattern: deaths peak in the summer months (GAO-06-770; Eschbach et al. 1999)",
    )
    support_days: float = spec(
        180.0,
        doc=(
            "Length of the support services a victim receives, for their cost. The victim stays counted as "
            "supported afterwards."
        ),
        unit="days",
        ge=0,
        source="assumption: about six months of shelter and case management",
        le=MAX_DAYS,
    )
    cost_per_support_day: float = spec(
        100.0,
        doc="Cost of one victim-day of support under basic protection: shelter and case management.",
        unit="currency/day",
        ge=0,
        source="assumption",
        le=MAX_COST,
    )
    cost_per_support_day_strong: float = spec(
        200.0,
        doc=(
            "Cost of one victim-day of support under strong protection: shelter, case management, residence "
            "permit and legal counsel."
        ),
        unit="currency/day",
        ge=0,
        source="assumption",
        le=MAX_COST,
    )

    def testify_chance(self, protection: str) -> float:
        """``testify_probability`` of a protection level, its default when the table leaves it out."""
        return self.testify_probability.get(protection, TESTIFY_PROBABILITY[protection])

    def come_forward_chance(self, protection: str) -> float:
        """``come_forward_probability`` of a protection level, its default when the table leaves it out."""
        return self.come_forward_probability.get(protection, COME_FORWARD_PROBABILITY[protection])


@dataclass(frozen=True)
class Crossers:
    per_day: float = spec(
        6.0,
        doc=(
            "People the networks take on per day across all staging areas at full activity: smuggled migrants "
            "and, at victims.trafficked_share, trafficking victims. People returned after an apprehension "
            "come on top."
        ),
        unit="per day",
        ge=0,
        le=MAX_PEOPLE_PER_DAY,
        source="assumption",
    )
    return_days: float = spec(
        2.0,
        doc="Time from an apprehension to the return to the origin side (processing and removal).",
        unit="days",
        ge=0,
        source="assumption: voluntary return takes a day or two, formal removal longer",
    )
    retry_probability: float = spec(
        0.8,
        doc="Chance a smuggled migrant returned after an apprehension tries again (the rest stop trying).",
        ge=0,
        le=1,
        source="assumption; field: most apprehended migrants try again (Massey & Singer 1995; Espenshade 1994)",
    )
    switch_network_probability: float = spec(
        0.3,
        doc="Chance a migrant who tries again goes with another network (drawn at random) rather than the same.",
        ge=0,
        le=1,
        source="assumption",
    )


@dataclass(frozen=True)
class Checkpoints:
    screening_share: float = spec(0.1, doc="Share of vehicles sent to secondary inspection.", ge=0, le=1, source=INPUT)
    technology: str = spec(
        "standard",
        doc="Secondary-inspection technology: basic (visual), standard (dogs, CO2), scanner (X-ray), biometric.",
        choices=INSPECTION_TECHNOLOGIES,
        source=INPUT,
    )
    detection_probability: dict[str, float] = spec(
        default_factory=lambda: dict(FIND_PROBABILITY),
        doc=(
            "Chance that secondary inspection finds people hidden in a vehicle, by technology (basic, standard, "
            "scanner, biometric); technologies left out keep their defaults. Scanners (X-ray, gamma) and CO2 or "
            "heartbeat detectors find most hidden people, visual checks few; the values are assumptions."
        ),
        ge=0,
        le=1,
        source="assumption",
    )
    false_positive_rate: float = spec(
        0.002,
        doc="Chance a legitimate traveller in secondary inspection is wrongly detained.",
        ge=0,
        le=1,
        source="assumption",
    )
    travellers_per_vehicle: float = spec(
        2.0, doc="Mean legitimate travellers per vehicle.", ge=1, source="assumption", le=MAX_TRAVELLERS_PER_VEHICLE
    )
    inspection_minutes: float = spec(
        12.0,
        doc="Mean secondary-inspection time per vehicle.",
        unit="min",
        ge=MIN_INSPECTION_MINUTES,
        source="assumption",
        le=MAX_INSPECTION_MINUTES,
    )
    cost_per_inspection: float = spec(
        40.0,
        doc="Cost of one secondary inspection: staff time and the technology's running cost (set it with technology).",
        unit="currency",
        ge=0,
        source="assumption",
        le=MAX_COST,
    )
    overloaded_wait_hours: float = spec(
        24.0,
        doc=(
            "Secondary-inspection wait when the queue is overloaded (vehicles sent to secondary inspection "
            "arrive faster than the lanes can inspect them, and the steady-state Erlang C wait has no answer): "
            "drivers are held about a day before traffic is diverted."
        ),
        unit="h",
        source="assumption",
        ge=0,
        le=MAX_HOURS,
    )

    def find_chance(self, technology: str) -> float:
        """``detection_probability`` of a technology, its default when the table leaves it out."""
        return self.detection_probability.get(technology, FIND_PROBABILITY[technology])


@dataclass(frozen=True)
class Legal:
    courts: int = spec(2, doc="Courts hearing trafficking cases in parallel.", ge=0, le=1000, source=INPUT)
    trial_days_mean: float = spec(
        30.0, doc="Mean court time per case.", unit="days", gt=0, source="assumption", le=MAX_DAYS
    )
    trial_distribution: str = spec(
        "exponential",
        doc="Distribution of court time: exponential (queueing theory), lognormal (sd = mean), or fixed.",
        choices=("exponential", "lognormal", "fixed"),
        source="assumption",
    )
    procedural_delay_days: float = spec(
        60.0,
        doc="Pre-trial procedure (investigation, filings) before a case joins the court queue.",
        unit="days",
        ge=0,
        source="assumption",
        le=MAX_DAYS,
    )
    evidence_in_the_act: float = spec(
        0.8,
        doc="Evidence strength at arrest of a guide caught with a group in the act.",
        ge=0,
        le=1,
        source="assumption",
    )
    evidence_by_investigation: float = spec(
        0.5,
        doc="Evidence strength at arrest of a member found by investigation, weaker than in the act.",
        ge=0,
        le=1,
        source="assumption",
    )
    evidence_half_life_days: float = spec(
        180.0, doc="Half-life of evidence strength.", unit="days", gt=0, source="assumption", le=MAX_DAYS
    )
    base_conviction_probability: float = spec(
        0.55, doc="Conviction probability with full-strength evidence and no witness.", ge=0, le=1, source="assumption"
    )
    witness_bonus: float = spec(
        0.3, doc="Added conviction probability with a testifying victim.", ge=0, le=1, source="assumption"
    )
    shared_evidence_bonus: float = spec(
        0.1,
        doc=(
            "Evidence strength added to a case by records about the accused held by other agencies (linked "
            "cases): shared_evidence_bonus x (1 - 0.5^n) for n such records the arresting agency can see."
        ),
        ge=0,
        le=1,
        source="assumption",
    )
    prior_record_evidence_bonus: float = spec(
        0.1,
        doc=(
            "Evidence strength added at arrest when the arresting agency recognises the accused from an earlier "
            "arrest record it can see (a repeat offender), or wrongly believes so after a false match."
        ),
        ge=0,
        le=1,
        source="assumption",
    )
    detention_capacity: int = spec(
        40,
        doc="Pretrial detention places; beyond it the accused are released.",
        ge=0,
        source=INPUT,
        le=MAX_DETENTION_PLACES,
    )
    abscond_probability: float = spec(
        0.3, doc="Chance a released accused absconds before trial.", ge=0, le=1, source="assumption"
    )
    detention_priority: str = spec(
        "charge",
        doc=(
            "Who holds a pretrial detention place when every place is taken: arrival (the newly arrested are "
            "released) or charge (an accused facing a heavier charge, a longer mean sentence, takes the place of "
            "the detained accused facing the lightest charge, who is released pending trial and may abscond)."
        ),
        choices=("charge", "arrival"),
        source=(
            "pattern: courts order remand by the seriousness of the offence and the risk of flight "
            "(18 U.S.C. 3142(g), 1984 Bail Reform Act; ECHR art. 5(3) case law); giving up a place to a heavier charge "
            "is an assumption"
        ),
    )
    organiser_sentence_factor: float = spec(
        1.5,
        doc=(
            "An organiser's mean sentence on either charge, as a multiple of the charge's (legal.sentence_years or "
            "legal.smuggling_sentence_years): the aggravating role of a leader."
        ),
        ge=1,
        le=10,
        source=(
            "U.S. Sentencing Guidelines (2023) 3B1.1(a): +4 offence levels for an organiser or leader, about 1.5 "
            "times the guideline range in the middle of the sentencing table"
        ),
    )
    sentence_years: float = spec(
        6.0,
        doc="Mean sentence on a conviction for trafficking (a guide whose group held identified victims).",
        unit="years",
        gt=0,
        le=MAX_SENTENCE_YEARS,
        source=INPUT,
    )
    smuggling_sentence_years: float = spec(
        1.5,
        doc="Mean sentence on a conviction for smuggling (no identified trafficking victim in the group).",
        unit="years",
        gt=0,
        le=MAX_SENTENCE_YEARS,
        source="assumption: of the order of US federal alien-smuggling sentences (about 15 months median)",
    )
    time_served_min_share: float = spec(
        0.5,
        doc=(
            "Shortest time served as a share of sentence_years; time served is drawn uniformly between the "
            "minimum and maximum shares (remission, parole)."
        ),
        ge=0,
        source="assumption",
        le=MAX_TIME_SERVED_SHARE,
    )
    time_served_max_share: float = spec(
        1.5,
        doc="Longest time served as a share of sentence_years.",
        ge=0,
        source="assumption",
        le=MAX_TIME_SERVED_SHARE,
    )
    plea_share: float = spec(
        0.9,
        doc=(
            "Share of cases resolved by a guilty plea: decided at filing, whatever the evidence; a plea is a "
            "conviction after plea_procedure_days, takes no court time (a plea hearing lasts hours, not days) and "
            "never joins the court queue. In US federal courts 90% of defendants pleaded guilty in fiscal 2018, "
            "2% went to trial and 8% had their cases dismissed (Pew Research Center 2019, from federal judiciary "
            "data); 0 sends every case to trial."
        ),
        ge=0,
        le=1,
        source="Pew Research Center 2019 (US federal defendants, fiscal 2018: 90% pleaded guilty)",
    )
    plea_procedure_days: float = spec(
        30.0,
        doc=(
            "Days from arrest to the conviction of a case resolved by plea (the fast-track procedure: charge, "
            "plea agreement, plea and sentencing hearing); it replaces the procedural and cross-jurisdiction "
            "delays of a case that goes to trial."
        ),
        unit="days",
        ge=0,
        source="assumption: about a month, as in fast-track (early disposition) programmes",
    )
    plea_sentence_discount: float = spec(
        0.3,
        doc=(
            "Share taken off sentence_years for a conviction by plea (time served is then drawn around the "
            "discounted sentence)."
        ),
        ge=0,
        le=1,
        source=(
            "assumption: about the acceptance-of-responsibility reduction of the US sentencing guidelines "
            "(USSG 3E1.1, up to 3 offense levels, roughly a third off the range; Bibas 2001)"
        ),
    )
    cost_per_court_per_year: float = spec(
        800_000.0, doc="Annual cost of one court.", unit="currency/year", ge=0, source="assumption", le=MAX_COST
    )
    cost_per_detention_day: float = spec(
        110.0,
        doc="Cost of one accused-day in pretrial detention.",
        unit="currency/day",
        ge=0,
        source="assumption: close to the prison cost per day",
        le=MAX_COST,
    )
    cost_per_prison_year: float = spec(
        39_000.0,
        doc=(
            "Cost of one prisoner-year of a sentence served: about 39,000 dollars, the average annual cost of "
            "incarceration in US federal prisons in fiscal year 2020 (Federal Bureau of Prisons, Federal "
            "Register 2021)."
        ),
        unit="currency/year",
        ge=0,
        source="Federal Bureau of Prisons, Federal Register 2021 (US federal prisons, fiscal 2020)",
        le=MAX_COST,
    )


@dataclass(frozen=True)
class Scenario:
    """A whole scenario: every section has defaults except ``scenario.name`` and ``terrain.source``."""

    scenario: Meta = spec(doc="Name and description.")
    terrain: Terrain = spec(doc="The land: ASCII map, procedural generator or raster files.")
    time: Time = spec(default_factory=Time, doc="Step length and default run length.")
    border: Border = spec(default_factory=Border, doc="Where the border runs and which side is origin.")
    ports: list[Port] = spec(default_factory=list, doc="Ports of entry: [[ports]] tables.")
    staging: list[Place] = spec(default_factory=list, doc="Staging areas on the origin side: [[staging]] tables.")
    destinations: list[Place] = spec(
        default_factory=list, doc="Exploitation sites on the destination side: [[destinations]] tables."
    )
    surveillance: Surveillance = spec(default_factory=Surveillance, doc="Fixed sensors and blind-spot threshold.")
    patrols: Patrols = spec(default_factory=Patrols, doc="Mobile patrols.")
    agencies: Agencies = spec(default_factory=Agencies, doc="Agencies and their data sharing.")
    traffickers: Traffickers = spec(default_factory=Traffickers, doc="Trafficking networks and their behaviour.")
    crossers: Crossers = spec(default_factory=Crossers, doc="People taken across, and their return and retries.")
    victims: Victims = spec(default_factory=Victims, doc="Trafficking victims: base rate, protection, identification.")
    checkpoints: Checkpoints = spec(default_factory=Checkpoints, doc="Inspection at ports of entry.")
    legal: Legal = spec(default_factory=Legal, doc="Courts, delays, evidence and detention.")

    # Not part of the file: where it came from, for error messages and relative paths.
    @property
    def name(self) -> str:
        return self.scenario.name


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with its provenance."""

    spec: Scenario
    path: str
    raw: dict
    overrides: tuple[tuple[str, Any], ...]

    @property
    def base_dir(self) -> Path:
        return Path(self.path).parent if self.path else Path(".")

    def hash(self) -> str:
        """Hash of the effective scenario (file contents plus overrides), for provenance."""
        return scenario_hash(self.raw)


def scenario_hash(raw: dict) -> str:
    text = json.dumps(raw, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def parse_scenario(raw: dict, file: str = "<scenario>") -> Scenario:
    """Validate a raw dict into a :class:`Scenario`; raise :class:`InputError` listing all problems."""
    builder = Builder(file)
    _check_size_early(raw, builder)
    scenario = builder.build(Scenario, raw, "")
    if not builder.problems:
        _check_combinations(scenario, builder)
    if builder.problems:
        raise InputError(builder.problems)
    return scenario


def load_scenario(
    path: str | Path | dict, overrides: list[str] | dict[str, Any] | None = None, *, file: str | None = None
) -> LoadedScenario:
    """Read, override and validate a scenario.

    Args:
        path: a TOML file, or an already-parsed dict.
        overrides: ``["patrols.count=12", ...]`` strings as given on the command line, or a
            mapping of dotted keys to values (experiment policies).
        file: name used in messages when ``path`` is a dict.
    """
    if isinstance(path, dict):
        raw = copy.deepcopy(path)
        file = file or "<scenario>"
        src = ""
    else:
        raw = read_toml(path)
        file = file or str(path)
        src = str(path)
    pairs = normalise_overrides(overrides)
    for key, value in pairs:
        set_dotted(raw, key, value, file=f"override {key}")
    try:
        scenario = parse_scenario(raw, file)
    except InputError as exc:
        exc.problems[:] = [_blame_override(p, pairs) for p in exc.problems]
        raise InputError(exc.problems) from None
    return LoadedScenario(spec=scenario, path=src, raw=raw, overrides=tuple(pairs))


def normalise_overrides(overrides: list[str] | dict[str, Any] | None) -> list[tuple[str, Any]]:
    if not overrides:
        return []
    if isinstance(overrides, dict):
        return list(overrides.items())
    return [parse_override(text) for text in overrides]


def _blame_override(problem: Problem, pairs: list[tuple[str, Any]]) -> Problem:
    for key, _ in pairs:
        if problem.key == key or problem.key.startswith(key + ".") or problem.key.startswith(key + "["):
            return Problem(f"{problem.file} (override --set {key})", problem.key, problem.message)
    return problem


def _check_size_early(raw: dict, builder: Builder) -> None:
    """Refuse grids that would eat the machine before anything is parsed or allocated."""
    terrain = raw.get("terrain")
    if not isinstance(terrain, dict):
        return
    width_km, height_km, cell_m = terrain.get("width_km"), terrain.get("height_km"), terrain.get("cell_m", 1000.0)
    if all(_positive_number(v) for v in (width_km, height_km, cell_m)):
        cols, rows = grid_cells(width_km, cell_m), grid_cells(height_km, cell_m)
        if cols * rows > MAX_CELLS:
            builder.fail(
                "terrain.width_km",
                f"a {width_km:.10g} x {height_km:.10g} km map of {cell_m:.10g} m cells has {cols:,} x {rows:,} = "
                f"{cols * rows:,} cells; at most {MAX_CELLS:,} are allowed (about {MAX_CELLS * 25 // 1_000_000} MB "
                "of layers). Use larger cells (terrain.cell_m) or a smaller map.",
            )
    text = terrain.get("ascii", "")
    if isinstance(text, str) and len(text) > MAX_CELLS * 2:
        builder.fail(
            "terrain.ascii", f"the ASCII map has {len(text):,} characters; at most {MAX_CELLS:,} cells are allowed"
        )


def _positive_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value > 0


def grid_cells(extent_km: float, cell_m: float) -> int:
    """Cells of ``cell_m`` metres needed to cover ``extent_km`` (rounded up; an exact fit is not rounded)."""
    return max(1, math.ceil(extent_km * 1000.0 / cell_m - 1e-6))


def procedural_shape(t: Terrain) -> tuple[int, int]:
    """(rows, columns) of a procedural map: its extent in km over the cell size, rounded up."""
    assert t.width_km is not None and t.height_km is not None
    return grid_cells(t.height_km, t.cell_m), grid_cells(t.width_km, t.cell_m)


def _check_combinations(s: Scenario, b: Builder) -> None:
    """Cross-field rules that need no terrain."""
    t = s.terrain
    if t.source == "procedural":
        missing = [k for k in ("width_km", "height_km") if getattr(t, k) is None]
        if missing:
            b.fail(
                f"terrain.{missing[0]}",
                "terrain.source is 'procedural' but the map's extent is missing; give terrain.width_km and "
                "terrain.height_km (km)",
            )
        else:
            rows, cols = procedural_shape(t)
            if rows < 4 or cols < 4:
                b.fail(
                    "terrain.width_km",
                    f"a {t.width_km:g} x {t.height_km:g} km map of {t.cell_m:g} m cells is {cols} x {rows} cells; "
                    "a procedural map needs at least 4 cells each way (smaller cells or a larger map)",
                )
    else:
        for key in ("width_km", "height_km"):
            if getattr(t, key) is not None:
                b.fail(
                    f"terrain.{key}",
                    f"given {getattr(t, key):g} but terrain.source is {t.source!r}, whose extent is its number of "
                    "cells times terrain.cell_m; remove the key (allowed only for 'procedural')",
                )
    if s.border.y_km is not None and s.border.mode != "row":
        b.fail(
            "border.y_km",
            f"given {s.border.y_km:g} but border.mode is {s.border.mode!r}; y_km places a straight border "
            "(mode 'row') only: remove it",
        )
    if s.border.mode == "geojson" and not s.border.file:
        b.fail("border.file", "border.mode is 'geojson' but no file is given; allowed: a GeoJSON file with the line")
    if s.border.file and s.border.mode != "geojson":
        b.fail(
            "border.file",
            f"given {s.border.file!r} but border.mode is {s.border.mode!r}; a border file is read in mode 'geojson' "
            "only: remove it, or set border.mode = 'geojson'",
        )
    if s.border.mode == "geojson" and s.border.origin_point is None:
        b.fail(
            "border.origin_point",
            "border.mode is 'geojson' but no origin point is given; allowed: a point on the side of the line where "
            "traffickers start, given like every place's at (terrain.positions: [x_km, y_km] by default)",
        )
    if t.source == "ascii" and not t.ascii.strip():
        b.fail(
            "terrain.ascii", "terrain.source is 'ascii' but terrain.ascii is empty; give the map as a multi-line string"
        )
    if t.source == "raster" and not t.elevation_file and not t.landcover_file:
        b.fail(
            "terrain.elevation_file",
            "terrain.source is 'raster' but neither elevation_file nor landcover_file is given",
        )
    _check_geotiff_keys(s, b)
    if t.source == "ascii" and s.border.mode == "ascii" and "=" not in t.ascii:
        b.fail("border.mode", "given 'ascii' but the ASCII map has no '=' border cells")
    names = [a.name for a in s.agencies.members]
    if not names:
        b.fail("agencies.members", "at least one agency is needed")
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        b.fail("agencies.members", f"agency names must be unique; repeated: {', '.join(sorted(dupes))}")
    known = set(names)
    owners = [(f"surveillance.sensors[{i}].agency", x.agency) for i, x in enumerate(s.surveillance.sensors)]
    owners += [(f"ports[{i}].agency", p.agency) for i, p in enumerate(s.ports)]
    if s.surveillance.extra_towers.count:
        owners.append(("surveillance.extra_towers.agency", s.surveillance.extra_towers.agency))
    for key, agency in owners:
        if agency not in known:
            b.fail(key, f"given {agency!r}; allowed: one of the agencies in agencies.members ({', '.join(names)})")
    if s.patrols.count > 0 and names and sum(a.patrol_share for a in s.agencies.members) <= 0:
        b.fail("agencies.members", "patrols.count > 0 but every agency has patrol_share = 0")
    if s.traffickers.networks > 0 and s.crossers.per_day > 0:
        if not s.staging:
            b.fail("staging", "traffickers recruit victims but no [[staging]] area is given")
        if not s.destinations:
            b.fail("destinations", "traffickers recruit victims but no [[destinations]] site is given")
    tr = s.traffickers
    for part, whole in (
        ("prior_arrests", "prior_trips"),
        ("prior_convictions", "prior_verdicts"),
        ("prior_deliveries", "prior_victims_sent"),
    ):
        if getattr(tr, part) > getattr(tr, whole):
            b.fail(
                f"traffickers.{part}",
                f"given {getattr(tr, part):g}; allowed: at most traffickers.{whole} ({getattr(tr, whole):g}), "
                "a count among them",
            )
    roles = tr.organisers + tr.recruiters + tr.drivers
    if roles > tr.members_per_network:
        b.fail(
            "traffickers.members_per_network",
            f"given {tr.members_per_network}; it must be at least traffickers.organisers + recruiters + drivers "
            f"({tr.organisers} + {tr.recruiters} + {tr.drivers} = {roles}); guides take the places left",
        )
    if s.patrols.sector is not None and s.patrols.sector[0] >= s.patrols.sector[1]:
        b.fail(
            "patrols.sector", f"given {list(s.patrols.sector)}; the first value (west) must be below the second (east)"
        )
    for name, props in t.land_cover.items():
        if name not in LAND_COVERS:
            b.fail(f"terrain.land_cover.{name}", f"unknown land cover {name!r}; allowed: {', '.join(LAND_COVERS)}")
            continue
        for prop, value in props.items():
            if prop not in LAND_COVER_PROPERTIES:
                b.fail(
                    f"terrain.land_cover.{name}.{prop}",
                    f"unknown property {prop!r}; allowed: {', '.join(LAND_COVER_PROPERTIES)}",
                )
            elif isinstance(value, float) and value > LAND_COVER_MAXIMA[prop][0]:
                top, what = LAND_COVER_MAXIMA[prop]
                b.fail(
                    f"terrain.land_cover.{name}.{prop}",
                    f"given {value:g}, out of range; allowed: a number >= 0 and <= {top:g} ({what})",
                )
    for name in s.patrols.drive_speed_factors:
        if name not in LAND_COVERS:
            b.fail(
                f"patrols.drive_speed_factors.{name}",
                f"unknown land cover {name!r}; allowed: {', '.join(LAND_COVERS)}",
            )
    for name in s.checkpoints.detection_probability:
        if name not in INSPECTION_TECHNOLOGIES:
            b.fail(
                f"checkpoints.detection_probability.{name}",
                f"unknown technology {name!r}; allowed: {', '.join(INSPECTION_TECHNOLOGIES)}",
            )
    for table in ("testify_probability", "come_forward_probability"):
        for name in getattr(s.victims, table):
            if name not in PROTECTION_LEVELS:
                b.fail(
                    f"victims.{table}.{name}",
                    f"unknown protection level {name!r}; allowed: {', '.join(PROTECTION_LEVELS)}",
                )
    if s.legal.time_served_min_share > s.legal.time_served_max_share:
        b.fail(
            "legal.time_served_min_share",
            f"given {s.legal.time_served_min_share:g}; it must not exceed legal.time_served_max_share "
            f"({s.legal.time_served_max_share:g})",
        )
    if s.legal.courts == 0 and s.traffickers.networks > 0:
        pass  # allowed: cases accumulate, the report shows the backlog growing


def _check_geotiff_keys(s: Scenario, b: Builder) -> None:
    """The GeoTIFF keys: given only for a GeoTIFF source, a land-cover table of whole codes to land covers,
    positions in longitude and latitude within their ranges."""
    t = s.terrain
    if t.source == "geotiff" and not t.elevation_file:
        b.fail(
            "terrain.elevation_file",
            "terrain.source is 'geotiff' but no elevation_file is given; the elevation GeoTIFF defines the map",
        )
    if t.source != "geotiff":
        given = [k for k in ("landcover_codes", "crs") if getattr(t, k)] + (["positions"] * (t.positions != "km"))
        for key in given:
            b.fail(
                f"terrain.{key}",
                f"given {getattr(t, key)!r} but terrain.source is {t.source!r}; allowed only with terrain.source = "
                "'geotiff' (a map placed on Earth): remove it",
            )
    if t.landcover_codes and not t.landcover_file:
        b.fail("terrain.landcover_codes", "given, but terrain.landcover_file is not: there are no codes to map")
    for code, name in t.landcover_codes.items():
        if not (code.isascii() and code.isdigit()):
            b.fail(
                f"terrain.landcover_codes.{code}",
                f'given the code {code!r}; allowed: whole numbers 0 or more, as the raster holds them, e.g. "10"',
            )
        if name not in LAND_COVERS:
            b.fail(
                f"terrain.landcover_codes.{code}",
                f"given {name!r}; allowed: one of {', '.join(map(repr, LAND_COVERS))}",
            )
    if t.positions == "lonlat":
        places = [(f"ports[{i}].at", p.at) for i, p in enumerate(s.ports)]
        places += [(f"staging[{i}].at", p.at) for i, p in enumerate(s.staging)]
        places += [(f"destinations[{i}].at", p.at) for i, p in enumerate(s.destinations)]
        places += [(f"surveillance.sensors[{i}].at", x.at) for i, x in enumerate(s.surveillance.sensors)]
        for i, tunnel in enumerate(s.traffickers.tunnels):
            places += [(f"traffickers.tunnels[{i}].entrance", tunnel.entrance)]
            places += [(f"traffickers.tunnels[{i}].exit", tunnel.exit)]
        for key, (lon, lat) in places:
            if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
                b.fail(
                    key,
                    f"given {[lon, lat]}; terrain.positions is 'lonlat', so allowed: [longitude, latitude] with "
                    "longitude -180 to 180 and latitude -90 to 90 (degrees)",
                )


#: Largest value of each land-cover property, and what the property is (``terrain.land_cover``).
LAND_COVER_MAXIMA = {
    "speed_factor": (MAX_SPEED_FACTOR, "a factor on walking speed over open flat ground"),
    "concealment": (1.0, "a factor on detection hazards"),
    "exposure_per_hour": (MAX_HAZARD_PER_HOUR, "hazard of death per person-hour on foot"),
}


def to_dict(scenario: Scenario) -> dict:
    """The full effective scenario (defaults filled in) as plain data."""
    return asdict(scenario)
