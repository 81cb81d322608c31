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
    Outcome(
        "apprehension_rate",
        "share",
        H,
        "Groups interdicted per finished crossing attempt: interdictions / (interdictions + crossings_succeeded + "
        "groups that scattered and turned back); every mode, finds at port inspection included; attempts ended "
        "by deaths are left out.",
        daily=False,
    ),
    Outcome(
        "apprehension_rate_on_foot",
        "share",
        H,
        "The same for groups on foot between ports (vehicles at ports and tunnels left out): the attempt-based "
        "figure of field estimates (about 0.35, Massey & Singer 1995).",
        daily=False,
    ),
    Outcome(
        "people_apprehended",
        "people",
        N,
        "Victims stopped at interdictions and screened, port finds included (their guides count among "
        "traffickers_arrested).",
    ),
    Outcome(
        "apprehension_rate_people",
        "share",
        H,
        "Victims stopped per victim-attempt finished: people_apprehended / (people_apprehended + victims alive "
        "when their group got across + victims who scattered and turned back); every mode, port finds included.",
        daily=False,
    ),
    Outcome(
        "blind_spot_crossing_share",
        "share",
        N,
        "Of the groups on foot that reached the border line, the share whose crossing point is a blind spot "
        "(caught ones included; vehicles at ports and tunnels left out).",
    ),
    Outcome("traffickers_arrested", "people", N, "Traffickers arrested (at interdictions or by investigation)."),
    Outcome("traffickers_convicted", "people", H, "Traffickers convicted."),
    Outcome("cases_dismissed", "cases", L, "Cases ending in acquittal or dismissal."),
    Outcome("court_backlog", "cases", L, "Open cases awaiting or in trial at the end."),
    Outcome(
        "days_to_verdict",
        "days",
        L,
        "Mean days from arrest to verdict, Kaplan-Meier estimate: cases still open and absconded ones count as "
        "censored, and the mean is restricted to the longest time observed. Free of run-length bias while the "
        "courts keep up (court_utilisation below 1); with overloaded courts it grows with the run length.",
    ),
    Outcome(
        "court_utilisation",
        "ratio",
        N,
        "Cases reaching the courts per day over the courts' capacity, courts / legal.trial_days_mean; at 1 or "
        "more the courts are overloaded and the backlog grows with the run length. Empty without courts.",
    ),
    Outcome("absconded", "people", L, "Accused released pretrial who absconded."),
    Outcome("wrongful_detentions", "people", L, "Legitimate travellers wrongly detained at checkpoints."),
    Outcome("network_active_members", "people", N, "Trafficker members free and active at the end."),
    Outcome("mean_fee", "currency", N, "Mean fee charged per person across networks at the end."),
    Outcome(
        "cost_enforcement",
        "currency",
        L,
        "Patrol hours, sensors (operation, and capital spread over their service life), port inspections, "
        "investigators and intelligence sharing.",
    ),
    Outcome("cost_justice", "currency", L, "Courts, accused-days in pretrial detention and prison years served."),
    Outcome("cost_victim_support", "currency", L, "Victim-days of support services for rescued victims."),
    Outcome(
        "cost",
        "currency",
        L,
        "Total cost of every resource the scenario uses: cost_enforcement + cost_justice + cost_victim_support.",
    ),
)

#: The items of the cost (:meth:`sim.model.BorderModel.cost_items`) and the cost outcome each adds to.
COST_ITEMS: dict[str, str] = {
    "patrols": "cost_enforcement",
    "sensors_operation": "cost_enforcement",
    "sensors_capital": "cost_enforcement",
    "port_inspections": "cost_enforcement",
    "investigators": "cost_enforcement",
    "intelligence_sharing": "cost_enforcement",
    "courts": "cost_justice",
    "pretrial_detention": "cost_justice",
    "prisons": "cost_justice",
    "victim_support": "cost_victim_support",
}

OUTCOME_BY_NAME = {o.name: o for o in OUTCOMES}

#: Victim states; every recruited victim is in exactly one at every moment.
VICTIM_STATES = ("recruited", "in_transit", "delivered", "rescued", "died", "misidentified", "supported")
