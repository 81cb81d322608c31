"""The ``[checkpoints]`` table: secondary inspection at the ports of entry.

Its check: the table by technology names technologies.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario.bounds import (
    MAX_COST,
    MAX_HOURS,
    MAX_INSPECTION_MINUTES,
    MAX_TRAVELLERS_PER_VEHICLE,
    MIN_INSPECTION_MINUTES,
)
from sim.schema import INPUT, Builder, spec

INSPECTION_TECHNOLOGIES = ("basic", "standard", "scanner", "biometric")

#: Chance secondary inspection finds people hidden in a vehicle, by technology
#: (``checkpoints.detection_probability``).
FIND_PROBABILITY = {"basic": 0.3, "standard": 0.5, "scanner": 0.75, "biometric": 0.85}


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


def check_checkpoints(c: Checkpoints, b: Builder) -> None:
    """``checkpoints.detection_probability`` names technologies."""
    for name in c.detection_probability:
        if name not in INSPECTION_TECHNOLOGIES:
            b.fail(
                f"checkpoints.detection_probability.{name}",
                f"unknown technology {name!r}; allowed: {', '.join(INSPECTION_TECHNOLOGIES)}",
            )
