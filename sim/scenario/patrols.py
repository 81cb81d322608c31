"""The ``[patrols]`` table: the roster, its strategy, speeds, detection, response and pursuit.

Its checks: a sector runs west to east; the drive-speed table names land covers.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario.bounds import (
    MAX_COST,
    MAX_DAYS,
    MAX_EXTENT_KM,
    MAX_FACTOR,
    MAX_HOURS,
    MAX_PATROL_RANGE_M,
    MAX_RATE_PER_HOUR,
    MAX_WEIGHT,
    MIN_SPEED_KMH,
)
from sim.scenario.places import check_sector
from sim.scenario.terrain import LAND_COVERS
from sim.schema import INPUT, Builder, spec

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


@dataclass(frozen=True)
class Patrols:
    count: int = spec(8, doc="Patrol units on the roster.", ge=0, le=5000, source=INPUT)
    strategy: str = spec(
        "random",
        doc=(
            "random: uniform waypoints in the border zone; fixed: a fixed beat along the border; "
            "hotspot: where the agency's intel shows crossings; randomized: waypoints drawn from a "
            "mixed strategy weighted by estimated crossing risk with a floor (Stackelberg); stackelberg: waypoints "
            "drawn from the coverage of the border's sectors that is the strong Stackelberg equilibrium of a "
            "security game, recomputed from the agency's intelligence every stackelberg_period_days."
        ),
        choices=("random", "fixed", "hotspot", "randomized", "stackelberg"),
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
    stackelberg_sectors: int = spec(
        24,
        doc=(
            "Stackelberg strategy: sectors (targets of the security game) into which the patrolled stretch of the "
            "border line is divided, of equal length along it; the patrol area behind each line cell belongs to "
            "that cell's sector. With no more sectors than units on duty every sector is covered."
        ),
        ge=1,
        le=1000,
        source=(
            "assumption: 24 sectors of about 3.3 km on desert_sector's 80 km, about twice a patrol's detection "
            "range (1.5 km) wide, and more sectors than the 15 units on duty; security games, Kiekintveld et al. 2009"
        ),
    )
    stackelberg_period_days: float = spec(
        1.0,
        doc=(
            "Stackelberg strategy: days between recomputations of the equilibrium coverage from the agency's "
            "intelligence (interdictions it can see)."
        ),
        unit="days",
        gt=0,
        le=MAX_DAYS,
        source="assumption: daily, as the randomized strategy's weights",
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
    sector_shares: list[float] = spec(
        default_factory=list,
        doc=(
            "Optional split of the roster along the border: the patrolled stretch of line is cut into as many "
            "equal parts as there are shares, from the line's start (the west end of a west-east border), and "
            "each agency's units are apportioned to the parts by these weights (largest remainder); a unit then "
            "patrols, starts and keeps its beat in its part only (it still answers alerts anywhere). Empty: every "
            "unit patrols the whole stretch."
        ),
        ge=0,
        le=MAX_WEIGHT,
        source=INPUT,
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
    false_alarm_search_hours: float = spec(
        0.5,
        doc="Time a patrol sent to a sensor's false alarm searches the spot before it patrols again (after the drive).",
        unit="h",
        ge=0,
        le=24,
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


def check_patrol_sector(p: Patrols, b: Builder) -> None:
    """A sector runs from west to east; a split of the roster has a positive weight and at most 1,000 parts."""
    check_sector(p.sector, "patrols.sector", b)
    if p.sector_shares and not sum(p.sector_shares) > 0:
        b.fail("patrols.sector_shares", f"given {list(p.sector_shares)}; at least one share must be above 0")
    if len(p.sector_shares) > 1000:
        b.fail("patrols.sector_shares", f"given {len(p.sector_shares)} parts; at most 1000 are allowed")


def check_drive_speed_factors(p: Patrols, b: Builder) -> None:
    """``patrols.drive_speed_factors`` names land covers."""
    for name in p.drive_speed_factors:
        if name not in LAND_COVERS:
            b.fail(
                f"patrols.drive_speed_factors.{name}",
                f"unknown land cover {name!r}; allowed: {', '.join(LAND_COVERS)}",
            )
