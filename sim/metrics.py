"""Outcomes, declared once.

Each :class:`Outcome` has a name, a unit, a direction (is higher better?) and a sentence saying
what it measures. The run output, the daily time series, the experiment statistics and the
report all read this table (after EMA Workbench's ``ScalarOutcome``): adding an outcome here
and computing it in :meth:`sim.model.BorderModel.outcomes` is all it takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Direction(Enum):
    HIGHER_IS_BETTER = "higher"
    LOWER_IS_BETTER = "lower"
    NEUTRAL = "neutral"


@dataclass(frozen=True)
class Outcome:
    name: str
    unit: str
    direction: Direction
    doc: str
    daily: bool = True  # also recorded in the daily time series

    @property
    def higher_is_better(self) -> bool | None:
        if self.direction is Direction.NEUTRAL:
            return None
        return self.direction is Direction.HIGHER_IS_BETTER


H, L, N = Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER, Direction.NEUTRAL

OUTCOMES: tuple[Outcome, ...] = (
    Outcome("victims_recruited", "people", N, "Victims recruited at staging areas (cumulative)."),
    Outcome("victims_delivered", "people", L, "Victims delivered to exploitation at destination."),
    Outcome("victims_rescued", "people", H, "Victims identified and rescued (including those later supported)."),
    Outcome("deaths_in_transit", "people", L, "Victims who died or were gravely harmed in transit."),
    Outcome("victims_misidentified", "people", L, "Interdicted victims treated as offenders."),
    Outcome("victims_testifying", "people", H, "Rescued victims who cooperated as witnesses."),
    Outcome("crossings_attempted", "groups", N, "Groups that set out to cross the border."),
    Outcome("crossings_succeeded", "groups", L, "Groups that reached the destination side undetected or uncaught."),
    # Counts of enforcement events are neither better nor worse by themselves: fewer can mean that
    # deterrence cut the attempts. Judge security by crossings_succeeded and apprehension_rate.
    Outcome("interdictions", "groups", N, "Groups stopped by a patrol or a checkpoint (depends on attempts too)."),
    Outcome("interdictions_by_patrol", "groups", N, "Interdictions after a patrol's own detection."),
    Outcome("interdictions_by_sensor", "groups", N, "Interdictions after a fixed-sensor alert."),
    Outcome("interdictions_at_port", "groups", N, "Interdictions at checkpoint secondary inspection."),
    Outcome("detections", "events", N, "Detections of groups by any detector."),
    Outcome("apprehension_rate", "share", H, "Interdictions per finished crossing attempt.", daily=False),
    Outcome("blind_spot_crossing_share", "share", N, "Share of crossings (on foot) made through blind spots."),
    Outcome("traffickers_arrested", "people", N, "Traffickers arrested (at interdictions or by investigation)."),
    Outcome("traffickers_convicted", "people", H, "Traffickers convicted."),
    Outcome("cases_dismissed", "cases", L, "Cases ending in acquittal or dismissal."),
    Outcome("court_backlog", "cases", L, "Open cases awaiting or in trial at the end."),
    Outcome("mean_days_to_verdict", "days", L, "Mean time from arrest to verdict of decided cases."),
    Outcome("absconded", "people", L, "Accused released pretrial who absconded."),
    Outcome("wrongful_detentions", "people", L, "Legitimate travellers wrongly detained at checkpoints."),
    Outcome("network_active_members", "people", N, "Trafficker members free and active at the end."),
    Outcome("mean_fee", "currency", N, "Mean fee charged per person across networks at the end."),
    Outcome("cost", "currency", L, "Enforcement cost: patrol hours, sensors, inspections and courts."),
)

OUTCOME_BY_NAME = {o.name: o for o in OUTCOMES}

#: Victim states; every recruited victim is in exactly one at every moment.
VICTIM_STATES = ("recruited", "in_transit", "delivered", "rescued", "died", "misidentified", "supported")
