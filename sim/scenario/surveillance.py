"""The ``[surveillance]`` table with ``[[surveillance.sensors]]`` and ``[surveillance.extra_towers]``: fixed
sensors, towers the tool sites itself, the blind-spot threshold and technology tiers.

Its only cross-field rule, that every sensor's owner is an agency, needs ``[agencies]`` too: it is in
:mod:`sim.scenario.cross_table`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario.bounds import (
    MAX_COST,
    MAX_EXTENT_KM,
    MAX_FACTOR,
    MAX_LIFETIME_YEARS,
    MAX_MAST_HEIGHT_M,
    MAX_RATE_PER_HOUR,
    MAX_SENSOR_RANGE_M,
    MIN_LIFETIME_YEARS,
)
from sim.scenario.places import Position, check_sector
from sim.schema import INPUT, Builder, spec


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
            "Towers the tool sites itself, one at a time where each adds the most covered border line (greedy "
            "maximum coverage with lazy evaluation, min_spacing_km apart). The chosen sites and each one's coverage "
            "gain are recorded in the run output."
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
    min_spacing_km: float = spec(
        6.0,
        doc=(
            "Least distance between two extra towers: once a site is chosen, every candidate closer than this is "
            "dropped, so the towers spread along the border instead of standing in a row a few km apart."
        ),
        unit="km",
        ge=0,
        le=MAX_EXTENT_KM,
        source=(
            "assumption: towers of 8 km range about 6 km apart overlap enough for a continuous line of coverage "
            "without two masts watching the same ground"
        ),
    )
    sector: tuple[float, float] | None = spec(
        None,
        doc=(
            "Optional west-east sector [x_min_km, x_max_km] the extra towers are sited in (a build-up of one "
            "sector); the whole border by default."
        ),
        unit="km",
        source=INPUT,
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
    operators: int = spec(
        2,
        doc=(
            "Operators watching the fixed sensors' feeds at any time. Every sensor alert, true or false, takes one "
            "operator alert_handling_minutes to assess; an alert raised while every operator is busy is lost (a loss "
            "system, Erlang B). 0: nobody watches and no sensor alert reaches a patrol."
        ),
        ge=0,
        le=1000,
        source="assumption: a sector's command centre has a few operators per shift for its towers and cameras",
    )
    alert_handling_minutes: float = spec(
        10.0,
        doc="Time an operator takes to assess one sensor alert (slew the camera, classify, call it in).",
        unit="min",
        gt=0,
        le=600,
        source="assumption",
    )
    false_alarms_per_day: float = spec(
        2.0,
        doc=(
            "False alarms each fixed sensor raises per day (wildlife, wind, legitimate traffic near the line), spread "
            "over the cells it sees. Each takes an operator's time like a true alert."
        ),
        unit="per day",
        ge=0,
        le=1000,
        source="assumption: ground surveillance radar and camera towers raise frequent nuisance alarms",
    )
    false_alarm_dismissed_share: float = spec(
        0.5,
        doc=(
            "Share of false alarms an operator recognises as such and dismisses; the others send the nearest free "
            "patrol to look (patrols.false_alarm_search_hours on site), which takes it away from real alerts."
        ),
        ge=0,
        le=1,
        source="assumption",
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


def check_extra_tower_sector(s: Surveillance, b: Builder) -> None:
    """The extra towers' sector runs from west to east."""
    check_sector(s.extra_towers.sector, "surveillance.extra_towers.sector", b)
