"""Outcomes, declared once.

Each :class:`Outcome` has a name, a unit, a direction (is higher better?), a label for tables and
charts, a sentence saying what it measures, and how it is computed from the run's *measures*: the
flat figures a model reports (:meth:`sim.model.accounting.Accounts.measures`): the facts it counts
(:data:`TALLIES`, each declared here once with what it counts) and the figures it derives (people by state,
court figures, cost items, network state: :data:`DERIVED_MEASURES`). Each outcome names the measures it
needs (:attr:`Outcome.needs`); a name that is not declared is refused when this module is imported, a tally
the model writes or reads without a declaration raises, so a misspelt name never reads as 0.

The run output, the daily time series, the experiment statistics, the report, the animation counters and
the app all read this table (after EMA Workbench's ``ScalarOutcome``): adding an outcome here, with the
measures it needs (a tally declared in :data:`TALLIES` and counted by the model), is all it takes.
This module imports nothing of the model, so runners and reports can use it alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum

Measures = Mapping[str, float]


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
    compute: Callable[[Measures], float]
    label: str = ""  # for tables and charts; the name with spaces by default
    short: str = ""  # at most 14 characters, for counters beside a map; the label by default
    daily: bool = True  # also recorded in the daily time series

    def __post_init__(self) -> None:
        unknown = sorted(set(self.needs) - MEASURE_NAMES)
        if unknown:
            raise ValueError(f"outcome {self.name!r} needs undeclared measures: {', '.join(unknown)}")
        if not self.label:
            object.__setattr__(self, "label", self.name.replace("_", " "))
        if not self.short:
            object.__setattr__(self, "short", self.label)

    @property
    def needs(self) -> tuple[str, ...]:
        """The measures the outcome is computed from (declared by the helpers that build ``compute``)."""
        return self.compute.needs

    @property
    def higher_is_better(self) -> bool | None:
        if self.direction is Direction.NEUTRAL:
            return None
        return self.direction is Direction.HIGHER_IS_BETTER


# -- how outcomes are computed from the measures ---------------------------------------------------


def _needing(compute: Callable[[Measures], float], keys: tuple[str, ...]) -> Callable[[Measures], float]:
    compute.needs = tuple(dict.fromkeys(keys))
    return compute


#: An undefined figure (a mean or share over no case yet): NaN, which the statistics and the report show as n/a.
NAN = float("nan")


def count(*keys: str) -> Callable[[Measures], float]:
    """The sum of some measures, as a whole number."""
    return _needing(lambda m: int(sum(m[k] for k in keys)), keys)


def share(numerator: str, *others: str, empty: float = 0.0) -> Callable[[Measures], float]:
    """``numerator / (numerator + others)``, ``empty`` when nothing is counted yet."""

    def compute(m: Measures) -> float:
        whole = m[numerator] + sum(m[k] for k in others)
        return round(m[numerator] / whole, 6) if whole else empty

    return _needing(compute, (numerator, *others))


def ratio(numerator: str, denominator: str, empty: float = 0.0) -> Callable[[Measures], float]:
    """``numerator / denominator``, ``empty`` when the denominator is 0 (NaN for a mean over cases that is
    undefined before the first, rather than a 0 that reads as a duration)."""

    def compute(m: Measures) -> float:
        return round(m[numerator] / m[denominator], 6) if m[denominator] else empty

    return _needing(compute, (numerator, denominator))


def per_thousand(numerator: str, denominator: str) -> Callable[[Measures], float]:
    """``1000 * numerator / denominator``, 0 when the denominator is 0."""

    def compute(m: Measures) -> float:
        return round(1000.0 * m[numerator] / m[denominator], 6) if m[denominator] else 0.0

    return _needing(compute, (numerator, denominator))


def value(key: str, digits: int = 4) -> Callable[[Measures], float]:
    """A measure as it is, rounded; NaN stays NaN (an undefined figure, e.g. with no courts)."""
    return _needing(lambda m: round(float(m[key]), digits) if math.isfinite(m[key]) else float("nan"), (key,))


def cost(*outcomes: str) -> Callable[[Measures], float]:
    """The cost items (``cost.<item>``) that add to the given cost outcomes, each rounded to cents first."""

    def compute(m: Measures) -> float:
        parts = [sum(m[f"cost.{item}"] for item, o in COST_ITEMS.items() if o == name) for name in outcomes]
        return round(sum(round(float(p), 2) for p in parts), 2)

    return _needing(compute, tuple(f"cost.{item}" for item, o in COST_ITEMS.items() if o in outcomes))


#: The items of the cost (:meth:`sim.model.accounting.Accounts.cost_items`) and the cost outcome each adds to.
COST_ITEMS: dict[str, str] = {
    "patrols": "cost_enforcement",
    "sensors_operation": "cost_enforcement",
    "sensors_capital": "cost_enforcement",
    "port_inspections": "cost_enforcement",
    "investigators": "cost_enforcement",
    "intelligence_sharing": "cost_enforcement",
    "joint_team": "cost_enforcement",
    "courts": "cost_justice",
    "pretrial_detention": "cost_justice",
    "prisons": "cost_justice",
    "victim_support": "cost_victim_support",
}

#: States of the people taken across (victims and migrants alike); everyone is in exactly one at every moment.
PERSON_STATES = ("waiting", "in_transit", "arrived", "detained", "rescued", "supported", "died", "stopped")
#: How a crossing attempt ends (:meth:`sim.model.crossings.Crossings.finish`).
ATTEMPT_RESULTS = ("succeeded", "died", "turned_back", "interdicted")
#: What led to an interdiction: a patrol's own sighting, a sensor's alert, a port's inspection.
INTERDICTION_CAUSES = ("patrol", "sensor", "port")
#: Roles of a network's members (:class:`sim.model.agents.trafficker.Role`).
ROLES = ("organiser", "recruiter", "driver", "guide")
#: Charges a case is filed on.
CHARGES = ("trafficking", "smuggling")
#: How a case is disposed of without absconding (:class:`sim.model.legal.Disposition`).
DISPOSITIONS = {"plea": "by plea", "trial": "by a trial verdict", "dismissed": "by dismissal at the plea decision"}
#: Methods of disposition whose median time from filing to disposition is an outcome (the federal caseload
#: statistics report them: guilty pleas and trials).
MEDIAN_METHODS = ("plea", "trial")

#: Every fact the model counts, declared once: name -> what is counted (cumulative over the run). The model's
#: tallies (:class:`sim.model.accounting.Tallies`) accept these names and no others.
TALLIES: dict[str, str] = {
    "victims_taken_on": "trafficking victims taken on by the networks",
    "migrants_taken_on": "smuggled migrants taken on by the networks (new entrants; a retry is not taken on again)",
    "crossings_attempted": "groups that set out (crossing attempts)",
    "people_set_out": "people who set out with a group (a person who tries again counts again)",
    "fees_paid": "fees paid by the people who set out, each the fee of their network when they set out",
    "demand_base": "people (expected) who wanted to cross at the base fee: crossers.per_day over the time run",
    "demand_deterred": "people (expected) who would have come at the base fee but were deterred by the fee",
    "crossings_succeeded": "groups that got across the border zone or reached their destination",
    "foot_crossings_succeeded": "groups on foot that got across",
    "foot_border_crossings": "groups on foot that reached the border line",
    "foot_blind_spot_crossings": "groups on foot that reached the border line at a blind spot",
    "people_crossed": "people alive in a group when it got across",
    "people_arrived": "people who reached a destination",
    "people_turned_back": "people who scattered at an interdiction and went back to a staging area",
    "people_returned": "detained people returned to the origin side",
    "people_apprehended": "apprehensions of people (a person caught twice counts twice)",
    "people_apprehended_first": "apprehensions of people never apprehended before",
    "people_apprehended_before": "apprehensions of people apprehended before",
    "groups_turned_back": "interdictions in which nobody was held: everyone scattered",
    "interdictions": "groups stopped with someone held",
    **{f"interdictions_by_{c}": f"interdictions after a {c}'s detection" for c in INTERDICTION_CAUSES},
    **{f"finished_{r}": f"crossing attempts that ended {r.replace('_', ' ')}" for r in ATTEMPT_RESULTS},
    **{f"foot_finished_{r}": f"crossing attempts on foot that ended {r.replace('_', ' ')}" for r in ATTEMPT_RESULTS},
    "detections": "detections of groups (by sensors, patrols and port inspections)",
    "responses": "pursuits patrols set out on after an alert",
    "sensor_alerts": "detections by fixed sensors, raised as alerts for an operator to assess",
    "sensor_alerts_lost": "sensor alerts lost because every operator was busy",
    "alerts_unanswered": "alerts no free patrol could answer within patrols.max_response_hours",
    "false_alarms": "false alarms raised by fixed sensors",
    "false_alarm_responses": "patrols sent to look at a false alarm",
    "false_alarm_patrol_hours": "patrol hours spent on false alarms (the drive and the search)",
    "groups_saw_response": "groups that saw a responding patrol and turned back across the line",
    "known_people_apprehended": "people apprehended between the ports (a patrol met their group)",
    "known_people_turned_back": (
        "people of groups seen between the ports who went back across the line: groups that saw the response "
        "coming, and people who scattered when a patrol met their group"
    ),
    "known_people_got_away": "people of groups seen between the ports that got across all the same",
    "known_people_apprehended_in_focus": "people apprehended between the ports within border.focus_sector",
    "foot_border_crossings_in_focus": "groups on foot that reached the border line within border.focus_sector",
    "patrol_hours": "patrol-unit hours on duty",
    "exposure_death_risk": "expected deaths from exposure (the sum over every piece of every walk)",
    "victims_misidentified": "victims screened as offenders",
    "migrants_flagged_as_victims": "migrants screened as victims",
    "victims_in_debt_bondage": "migrants who fell into debt bondage at the destination",
    "victims_came_forward": "victims at the destination who came forward",
    "victims_agreeing_to_testify": "rescued victims who agreed to testify, counted when identified",
    "victims_testifying": (
        "victims who testified: the agreeing victims of a case decided by a plea or a trial verdict before they "
        "were lost to it, counted at the disposition"
    ),
    "victims_identified_at_return": "victims identified by the partner agency when returned",
    "victims_recognised_from_records": "victims recognised from a victim record",
    "victims_recognised_from_shared_records": "victims recognised from a victim record another agency shared",
    "repeat_crossers_recognised": "apprehended people recognised from an earlier record",
    "repeat_offenders_recognised": "arrested members recognised from an earlier arrest record",
    "repeat_offenders_recognised_from_shared_records": "arrested members recognised from a shared record",
    "traffickers_arrested": "arrests of network members",
    **{f"{role}s_arrested": f"arrests of {role}s" for role in ROLES},
    **{f"convicted_of_{c}": f"convictions for {c}" for c in CHARGES},
    "organisers_convicted": "convictions of organisers",
    **{f"pleas_to_{c}": f"convictions by plea for {c}" for c in CHARGES},
    "charges_reduced": "trafficking cases pleaded down to smuggling",
    **{f"cases_disposed_{d}": f"cases disposed of {how}" for d, how in DISPOSITIONS.items()},
    **{
        f"case_days_disposed_{d}": f"days from filing to disposition, summed over the cases disposed of {how}"
        for d, how in DISPOSITIONS.items()
    },
    "cases_disposed": "cases disposed of (plea, trial or dismissal)",
    "case_days_disposed": "days from filing to disposition, summed over the cases disposed of",
    "trafficking_cases_disposed": "cases filed on a trafficking charge disposed of (plea, trial or dismissal)",
    "case_days_trafficking_disposed": "days from filing to disposition, summed over the trafficking cases disposed of",
    "witnesses_heard": "cases disposed of with their testifying victim still available",
    "witnesses_lost": (
        "cases whose testifying victims were lost (returned, removed, withdrew) while the case waited for them, "
        "counted when lost"
    ),
    "witnesses_lost_disposed": "cases disposed of after their testifying victim was lost",
    "investigations": "investigations opened after an arrest",
    "investigations_succeeded": "investigations that identified at least one more member",
    "investigations_reaching_organiser": "investigations that arrested an organiser",
    "members_identified": "members identified and arrested by investigations",
    "cases_linked_across_agencies": "cases whose evidence included records another agency holds",
    "cases_cross_jurisdiction": "cases that used evidence from across the border",
    "networks_dismantled": "networks dismantled (headless for traffickers.dismantle_days)",
    "networks_founded": "newcomer networks that took over the trade of one headless for traffickers.takeover_days",
}

#: The measures a model derives rather than counts (:meth:`sim.model.accounting.Accounts.measures`).
DERIVED_MEASURES: tuple[str, ...] = (
    *(f"victims.{state}" for state in PERSON_STATES),
    *(f"migrants.{state}" for state in PERSON_STATES),
    "courts.convicted",
    "courts.pleas",
    "courts.acquitted",
    "courts.absconded",
    "courts.backlog",
    "courts.days_to_verdict",
    *(f"courts.median_days_to_disposition_{c}" for c in CHARGES),
    *(f"courts.median_days_to_disposition_{d}" for d in MEDIAN_METHODS),
    "courts.utilisation",
    "checkpoints.wrongful_detentions",
    "networks.active_members",
    "networks.mean_active_members",
    "networks.accused_at_work",
    "networks.days_to_dismantle",
    "records.created",
    "records.shared",
    "records.false_matches",
    "records.false_match_detentions",
    "records.held",
    *(f"cost.{item}" for item in COST_ITEMS),
)
#: Every measure name: the tallies and the derived measures.
MEASURE_NAMES = frozenset(TALLIES) | frozenset(DERIVED_MEASURES)

H, L, N = Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER, Direction.NEUTRAL
FINISHED = ("crossings_succeeded", "finished_turned_back")
FOOT_FINISHED = ("foot_crossings_succeeded", "foot_finished_turned_back")

OUTCOMES: tuple[Outcome, ...] = (
    Outcome(
        "people_taken_on",
        "people",
        N,
        "People the networks took on, migrants and victims: the flow of new entrants (a person who tries again after "
        "a return is not counted again). The migration that enforcement deters (Gathmann 2008), unlike "
        "crossings_attempted, which retries swell.",
        count("migrants_taken_on", "victims_taken_on"),
        short="taken on",
    ),
    Outcome(
        "victims_recruited",
        "people",
        N,
        "Trafficking victims taken on by the networks, and migrants who fell into debt bondage (cumulative).",
        count("victims_taken_on", "victims_in_debt_bondage"),
        short="victims",
    ),
    Outcome(
        "victims_delivered",
        "people",
        L,
        "Trafficking victims exploited at the destination now: delivered, or in debt bondage after arriving as "
        "migrants (those who came forward since are among the rescued).",
        count("victims.arrived"),
        short="exploited",
    ),
    Outcome(
        "victims_rescued",
        "people",
        H,
        "Trafficking victims identified at screening or who came forward at the destination (including those "
        "later supported).",
        count("victims.rescued", "victims.supported"),
        short="rescued",
    ),
    Outcome(
        "deaths_in_transit",
        "people",
        L,
        "People (victims and migrants) who died or were gravely harmed in transit.",
        count("victims.died", "migrants.died"),
        short="died",
    ),
    Outcome(
        "exposure_death_risk",
        "people",
        L,
        "Expected deaths from exposure in transit: the sum, over every piece of every walk, of the people alive "
        "times their probability of dying on it. The same mean as the exposure deaths counted in "
        "deaths_in_transit, without the chance of the draws: the figure to compare policies on when deaths are "
        "few.",
        value("exposure_death_risk", 6),
        short="death risk",
    ),
    Outcome(
        "deaths_per_1000_apprehensions",
        "ratio",
        L,
        "Expected deaths from exposure per 1,000 apprehensions of people: 1000 x exposure_death_risk / "
        "people_apprehended (field: about 0.29 recorded deaths per 1,000 south-west border encounters, IOM Missing "
        "Migrants Project 2022 over CBP FY2022).",
        per_thousand("exposure_death_risk", "people_apprehended"),
        label="deaths per 1,000 apprehensions",
        short="deaths/1000",
        daily=False,
    ),
    Outcome(
        "victims_misidentified",
        "people",
        L,
        "Screenings of apprehended trafficking victims that missed them (false negatives): they are held and "
        "returned as migrants. A victim cost.",
        count("victims_misidentified"),
    ),
    Outcome(
        "migrants_flagged_as_victims",
        "people",
        L,
        "Screenings that flagged a smuggled migrant as a trafficking victim (false positives): held through the "
        "referral before return. A rights cost.",
        count("migrants_flagged_as_victims"),
    ),
    Outcome(
        "victims_came_forward",
        "people",
        H,
        "Victims at the destination who came forward to the authorities (more under stronger protection).",
        count("victims_came_forward"),
    ),
    Outcome(
        "victims_in_debt_bondage",
        "people",
        L,
        "Smuggled migrants who fell into debt bondage on arrival (the risk rises with the fee they paid).",
        count("victims_in_debt_bondage"),
    ),
    Outcome(
        "migrants_arrived",
        "people",
        N,
        "Smuggled migrants at the destination now (not in debt bondage).",
        count("migrants.arrived"),
        short="migrants in",
    ),
    Outcome(
        "people_deterred",
        "people",
        N,
        "People returned after an apprehension who stopped trying (victims: not trafficked again).",
        count("victims.stopped", "migrants.stopped"),
        short="deterred",
    ),
    Outcome(
        "apprehensions_per_success",
        "ratio",
        N,
        "Apprehensions of people per person who got across: people_apprehended / people who arrived. With every "
        "apprehended person trying again and apprehended with probability p each time, p / (1 - p).",
        ratio("people_apprehended", "people_arrived"),
        label="apprehensions per person across",
        daily=False,
    ),
    Outcome(
        "recidivism_share",
        "share",
        N,
        "Of the apprehensions of people, the share of people apprehended before (field: 28 % in FY2007, 20 % in "
        "FY2011, about 12 % in FY2016, DHS).",
        ratio("people_apprehended_before", "people_apprehended"),
        label="recidivism",
        daily=False,
    ),
    Outcome(
        "apprehensions_per_person",
        "ratio",
        N,
        "Apprehensions per person apprehended: people_apprehended / apprehensions of people never apprehended "
        "before (field: 1.63 in FY2000, 1.27 in FY2011, Congressional Research Service).",
        ratio("people_apprehended", "people_apprehended_first"),
        label="apprehensions per person apprehended",
        daily=False,
    ),
    Outcome(
        "victims_agreeing_to_testify",
        "people",
        H,
        "Rescued victims who agreed to testify, counted when identified (at an interdiction, on coming forward, "
        "or identified late), whether or not a case uses their testimony.",
        count("victims_agreeing_to_testify"),
        short="would testify",
    ),
    Outcome(
        "victims_testifying",
        "people",
        H,
        "Victims who testified: the agreeing victims of a case (against the guide of their group, or the member "
        "they named) that was decided by a plea or a trial verdict while they were still there, counted at the "
        "disposition. Victims lost while the case waited (legal.witness_loss_per_year), of dismissed or "
        "absconded cases, of cases still open, and those no case was filed on, are left out.",
        count("victims_testifying"),
    ),
    Outcome(
        "crossings_attempted", "groups", N, "Groups that set out to cross the border.", count("crossings_attempted")
    ),
    Outcome(
        "crossings_succeeded",
        "groups",
        L,
        "Groups that reached the destination side undetected or uncaught.",
        count("crossings_succeeded"),
    ),
    # Counts of enforcement events are neither better nor worse by themselves: fewer can mean that
    # deterrence cut the attempts. Judge security by crossings_succeeded and apprehension_rate.
    Outcome(
        "interdictions",
        "groups",
        N,
        "Groups stopped by a patrol or a checkpoint (depends on attempts too).",
        count("interdictions"),
    ),
    Outcome(
        "interdictions_by_patrol",
        "groups",
        N,
        "Interdictions after a patrol's own detection.",
        count("interdictions_by_patrol"),
    ),
    Outcome(
        "interdictions_by_sensor",
        "groups",
        N,
        "Interdictions after a fixed-sensor alert.",
        count("interdictions_by_sensor"),
    ),
    Outcome(
        "interdictions_at_port",
        "groups",
        N,
        "Interdictions at checkpoint secondary inspection.",
        count("interdictions_by_port"),
    ),
    Outcome("detections", "events", N, "Detections of groups by any detector.", count("detections")),
    Outcome(
        "known_apprehended_share",
        "share",
        H,
        "Of the people the agencies saw crossing between the ports (known attempts), the share apprehended; the "
        "others turned back or got away. The Border Patrol's split of known illegal entries (apprehensions, "
        "turn-backs, got-aways) counts people too.",
        share("known_people_apprehended", "known_people_turned_back", "known_people_got_away"),
        label="apprehended (known attempts)",
        daily=False,
    ),
    Outcome(
        "turned_back_share",
        "share",
        N,
        "Of the people the agencies saw crossing between the ports, the share who went back across the line: "
        "their group saw the response coming, or they scattered when a patrol met it.",
        share("known_people_turned_back", "known_people_apprehended", "known_people_got_away"),
        label="turned back (known attempts)",
        daily=False,
    ),
    Outcome(
        "got_away_share",
        "share",
        L,
        "Of the people the agencies saw crossing between the ports, the share who got across all the same: no "
        "free operator or patrol, the trail lost, or out of the zone before the patrol caught up.",
        share("known_people_got_away", "known_people_apprehended", "known_people_turned_back"),
        label="got away (known attempts)",
        daily=False,
    ),
    Outcome(
        "sector_apprehension_share",
        "share",
        N,
        "Share of the people apprehended between the ports who were apprehended in border.focus_sector (0 without "
        "one): as San Diego's share of the south-west border's apprehensions, about 50% before Operation "
        "Gatekeeper and 16% after (Cornelius 2001).",
        ratio("known_people_apprehended_in_focus", "known_people_apprehended"),
        daily=False,
    ),
    Outcome(
        "sector_crossing_share",
        "share",
        N,
        "Share of the groups on foot that reached the border line whose crossing point lies in "
        "border.focus_sector (0 without one).",
        ratio("foot_border_crossings_in_focus", "foot_border_crossings"),
        daily=False,
    ),
    Outcome(
        "sensor_alerts_lost_share",
        "share",
        L,
        "Share of the fixed sensors' alerts lost because every operator was busy assessing others (true or "
        "false): how far surveillance saturates its operators.",
        ratio("sensor_alerts_lost", "sensor_alerts"),
        label="sensor alerts lost",
        daily=False,
    ),
    Outcome(
        "alerts_unanswered",
        "alerts",
        L,
        "Alerts (after an operator's assessment, or a patrol's own sighting while busy) that no free patrol could "
        "answer within patrols.max_response_hours.",
        count("alerts_unanswered"),
    ),
    Outcome(
        "false_alarm_patrol_hours",
        "h",
        L,
        "Patrol hours spent driving to and searching the spots of sensors' false alarms: responders taken away "
        "from real alerts.",
        count("false_alarm_patrol_hours"),
        label="patrol hours on false alarms",
    ),
    Outcome(
        "apprehension_rate",
        "share",
        H,
        "Groups interdicted per finished crossing attempt: interdictions / (interdictions + crossings_succeeded + "
        "groups that scattered and turned back); every mode, finds at port inspection included; attempts ended "
        "by deaths are left out.",
        share("interdictions", *FINISHED),
        daily=False,
    ),
    Outcome(
        "apprehension_rate_on_foot",
        "share",
        H,
        "The same for groups on foot between ports (vehicles at ports and tunnels left out): the attempt-based "
        "figure of field estimates (about 0.35, Massey & Singer 1995).",
        share("foot_finished_interdicted", *FOOT_FINISHED),
        label="apprehension rate on foot",
        daily=False,
    ),
    Outcome(
        "people_apprehended",
        "people",
        N,
        "Apprehensions of people (victims and migrants) at interdictions, port finds included; a person caught "
        "twice counts twice (their guides count among traffickers_arrested).",
        count("people_apprehended"),
    ),
    Outcome(
        "apprehension_rate_people",
        "share",
        H,
        "People stopped per person-attempt finished: people_apprehended / (people_apprehended + people alive "
        "when their group got across + people who scattered and turned back); every mode, port finds included.",
        share("people_apprehended", "people_crossed", "people_turned_back"),
        label="apprehension rate (people)",
        daily=False,
    ),
    Outcome(
        "blind_spot_crossing_share",
        "share",
        N,
        "Of the groups on foot that reached the border line, the share whose crossing point is a blind spot "
        "(caught ones included; vehicles at ports and tunnels left out).",
        ratio("foot_blind_spot_crossings", "foot_border_crossings"),
    ),
    Outcome(
        "traffickers_arrested",
        "people",
        N,
        "Traffickers arrested (at interdictions or by investigation).",
        count("traffickers_arrested"),
        short="arrested",
    ),
    Outcome(
        "traffickers_convicted",
        "people",
        H,
        "Traffickers convicted, of trafficking or of smuggling.",
        count("courts.convicted"),
        short="convicted",
    ),
    Outcome(
        "convictions_for_trafficking",
        "people",
        H,
        "Convictions on a trafficking charge (a guide whose group held identified victims, a member found by "
        "investigation of a network with identified victims, or through a victim who came forward); the rest "
        "are for smuggling.",
        count("convicted_of_trafficking"),
    ),
    Outcome(
        "convictions_for_smuggling",
        "people",
        H,
        "Convictions on a smuggling charge, as filed or pleaded down from trafficking (traffickers_convicted "
        "less convictions_for_trafficking).",
        count("convicted_of_smuggling"),
    ),
    Outcome(
        "convictions_by_plea",
        "people",
        N,
        "Traffickers convicted by a guilty plea, without trial (counted in traffickers_convicted too).",
        count("courts.pleas"),
        short="by plea",
    ),
    Outcome("cases_dismissed", "cases", L, "Cases ending in acquittal or dismissal.", count("courts.acquitted")),
    Outcome(
        "conviction_share_of_adjudicated",
        "share",
        N,
        "Cases convicted (plea or trial) over cases adjudicated (convicted, acquitted or dismissed).",
        share("courts.convicted", "courts.acquitted"),
    ),
    Outcome(
        "plea_share_of_convictions",
        "share",
        N,
        "Convictions by plea over all convictions (US federal courts: 90-97%); NaN without a conviction.",
        ratio("courts.pleas", "courts.convicted", empty=NAN),
        short="plea share",
    ),
    *(
        Outcome(
            f"plea_share_{c}",
            "share",
            N,
            f"Convictions by plea for {c} over convictions for {c} (a trafficking case pleaded down counts as "
            "smuggling); NaN without such a conviction.",
            ratio(f"pleas_to_{c}", f"convicted_of_{c}", empty=NAN),
        )
        for c in CHARGES
    ),
    Outcome(
        "charges_reduced",
        "cases",
        N,
        "Trafficking cases too weak for trial that pleaded guilty to smuggling (charge bargaining).",
        count("charges_reduced"),
    ),
    Outcome(
        "dismissed_for_weak_evidence",
        "cases",
        L,
        "Cases dismissed at the plea decision: the conviction probability at trial below "
        "legal.dismissal_threshold (counted in cases_dismissed too).",
        count("cases_disposed_dismissed"),
        short="dismissed",
    ),
    Outcome(
        "days_to_plea",
        "days",
        L,
        "Mean days from filing to disposition of the cases disposed of by plea so far (cases still open left "
        "out, so biased low in a short run; undefined, NaN, before the first).",
        ratio("case_days_disposed_plea", "cases_disposed_plea", empty=NAN),
    ),
    Outcome(
        "days_to_trial_verdict",
        "days",
        L,
        "Mean days from filing to disposition of the cases disposed of by a trial verdict so far (cases still "
        "open left out; undefined, NaN, before the first).",
        ratio("case_days_disposed_trial", "cases_disposed_trial", empty=NAN),
    ),
    Outcome(
        "days_to_disposition",
        "days",
        L,
        "Mean days from filing to disposition (plea, trial or dismissal) of the cases disposed of so far, whenever "
        "filed (cases still open left out, so biased low in a short run; undefined, NaN, before the first). Unlike "
        "days_to_verdict it is defined when no case filed in the counted time has been decided yet.",
        ratio("case_days_disposed", "cases_disposed", empty=NAN),
    ),
    Outcome(
        "days_to_disposition_trafficking",
        "days",
        L,
        "Mean days from filing to disposition (plea, trial or dismissal) of the cases filed on a trafficking "
        "charge disposed of so far (cases still open left out; undefined, NaN, before the first).",
        ratio("case_days_trafficking_disposed", "trafficking_cases_disposed", empty=NAN),
    ),
    Outcome(
        "median_days_to_disposition_trafficking",
        "days",
        L,
        "Median days from filing to disposition of the cases filed on a trafficking charge, Kaplan-Meier estimate "
        "with the cases still open censored at their age: free of the run-length bias of "
        "days_to_disposition_trafficking (a run sees only the cases closed within it). NaN while fewer than half "
        "the cases are disposed of by the longest time observed. The figure the Human Trafficking Institute's "
        "reports speak of (most federal trafficking cases are not resolved in the year they are filed).",
        value("courts.median_days_to_disposition_trafficking", 1),
    ),
    Outcome(
        "median_days_to_disposition_smuggling",
        "days",
        L,
        "Median days from filing to disposition of the cases filed on a smuggling charge, Kaplan-Meier estimate "
        "with the cases still open censored at their age, as median_days_to_disposition_trafficking. The figure "
        "to compare with the median time from filing to disposition of felony defendants in the federal border "
        "districts, whose dockets are immigration and smuggling cases.",
        value("courts.median_days_to_disposition_smuggling", 1),
    ),
    Outcome(
        "median_days_to_disposition_plea",
        "days",
        L,
        "Median days from filing to disposition of the cases disposed of by plea in the counted time, whenever "
        "filed: the federal courts' count (defendants disposed of in a period, by method of disposition), not a "
        "survival estimate, since how an open case will end is not known. Without the long cases of the first "
        "days unless the warm-up is longer than a case takes. NaN before the first.",
        value("courts.median_days_to_disposition_plea", 1),
    ),
    Outcome(
        "median_days_to_disposition_trial",
        "days",
        L,
        "Median days from filing to disposition of the cases disposed of by a trial verdict in the counted time, "
        "whenever filed, counted as median_days_to_disposition_plea. NaN before the first.",
        value("courts.median_days_to_disposition_trial", 1),
    ),
    Outcome(
        "witnesses_heard",
        "cases",
        H,
        "Cases disposed of with their testifying victim still available at the plea decision or the verdict.",
        count("witnesses_heard"),
    ),
    Outcome(
        "witnesses_lost",
        "cases",
        L,
        "Cases whose testifying victims were lost while the case waited for them (returned home, removed, "
        "withdrew: legal.witness_loss_per_year), counted when lost, whenever the case was filed or is decided: "
        "a longer wait loses more of them even in a year that decides few cases.",
        count("witnesses_lost"),
    ),
    Outcome(
        "witness_loss_share",
        "share",
        L,
        "Cases disposed of with a witness that had lost it while waiting, over cases disposed of with a witness, "
        "in the counted time; unlike witnesses_heard, it does not shrink when fewer cases are decided. NaN "
        "before the first.",
        share("witnesses_lost_disposed", "witnesses_heard", empty=NAN),
    ),
    Outcome("court_backlog", "cases", L, "Open cases awaiting or in trial at the end.", count("courts.backlog")),
    Outcome(
        "days_to_verdict",
        "days",
        L,
        "Mean days from arrest to verdict, Kaplan-Meier estimate: cases still open and absconded ones count as "
        "censored, and the mean is restricted to the longest time observed. Free of run-length bias while the "
        "courts keep up (court_utilisation below 1); with overloaded courts it grows with the run length.",
        value("courts.days_to_verdict"),
    ),
    Outcome(
        "court_utilisation",
        "ratio",
        N,
        "Cases reaching the courts per day over the courts' capacity, courts / legal.trial_days_mean; at 1 or "
        "more the courts are overloaded and the backlog grows with the run length. Empty without courts.",
        value("courts.utilisation"),
    ),
    Outcome("absconded", "people", L, "Accused released pretrial who absconded.", count("courts.absconded")),
    # Innocent people detained, in two outcomes: the checkpoints' background false alarms (set by their
    # inspection, whatever the records) are many times the detentions that records cause, which a policy on
    # records moves; a total would hide the second in the first.
    Outcome(
        "checkpoint_false_alarms",
        "people",
        L,
        "Legitimate travellers wrongly detained at checkpoints by the secondary inspection's own false positives "
        "(checkpoints.false_positive_rate), whatever the records. A civil-liberties cost; see "
        "false_match_detentions for the detentions that records cause.",
        count("checkpoints.wrongful_detentions"),
        short="false alarms",
    ),
    Outcome(
        "false_match_detentions",
        "people",
        L,
        "Innocent people detained because an identity search matched someone else's record: travellers at "
        "secondary inspection matched with a trafficker's record, and screened people held longer on suspicion. "
        "The civil-liberties cost of the records an agency can search, which sharing them raises.",
        count("records.false_match_detentions"),
        short="match detained",
    ),
    Outcome(
        "false_matches",
        "people",
        L,
        "Identity searches that matched someone else's record (screened people, arrested members, travellers at "
        "secondary inspection): innocent people put under suspicion, or in detention (those count in "
        "false_match_detentions too). A civil-liberties cost; it grows with the records an agency can search.",
        count("records.false_matches"),
    ),
    Outcome(
        "repeat_offenders_recognised",
        "people",
        H,
        "Arrested members recognised from an earlier arrest record the arresting agency can see (its own, or "
        "shared): stronger evidence.",
        count("repeat_offenders_recognised"),
        short="repeat offenders",
    ),
    Outcome(
        "victims_recognised_from_shared_records",
        "people",
        H,
        "Apprehended victims the screening missed, recognised as victims from another agency's victim record "
        "(identified earlier by it, e.g. at a return on the other side).",
        count("victims_recognised_from_shared_records"),
        label="victims recognised from shared records",
        short="victims known",
    ),
    Outcome(
        "records_shared",
        "records",
        N,
        "Records (identities, phones, places, vehicles) made shareable to at least one other agency under the "
        "sharing rule, share_fraction and cooperation: the quantity behind a sharing policy's value of information.",
        count("records.shared"),
    ),
    Outcome(
        "network_active_members",
        "people",
        N,
        "Trafficker members at work at the end: at large (idle, on a trip, or released awaiting trial) in a "
        "network that works (an organiser at large, not dismantled), and those finishing a trip for one that does "
        "not.",
        count("networks.active_members"),
        label="active network members",
    ),
    Outcome(
        "mean_active_members",
        "people",
        N,
        "Trafficker members at work (as network_active_members), averaged over the ends of the counted days: "
        "the networks' working capacity over the period (network_active_members is the last day's count alone, "
        "which turns on who happened to be arrested or hired that week).",
        value("networks.mean_active_members", 3),
        label="network capacity (mean members at work)",
        short="capacity",
    ),
    Outcome(
        "accused_at_work",
        "people",
        N,
        "Members awaiting a verdict at liberty at the end (released at arrest or later, not absconded), who work "
        "for their network while their cases wait, if it works (as network_active_members, in which they are "
        "counted too).",
        count("networks.accused_at_work"),
        short="accused free",
    ),
    Outcome(
        "mean_fee",
        "currency",
        N,
        "Mean fee paid per person who set out with a group (each departure counts, at the fee of the network "
        "then): the price the people crossing paid over the period counted, as surveys of migrants measure it.",
        ratio("fees_paid", "people_set_out"),
    ),
    Outcome(
        "demand_deterred",
        "people",
        N,
        "People (expected) who would have come to cross at the base fee (traffickers.fee) and did not, deterred "
        "by the fee the networks charged (crossers.price_elasticity).",
        value("demand_deterred", 2),
    ),
    Outcome(
        "members_identified",
        "people",
        H,
        "Network members identified by investigations climbing a network's graph from an arrested member (each "
        "is arrested and charged): the first step from records to the network's structure.",
        count("members_identified"),
        label="members identified by investigation",
        short="identified",
    ),
    Outcome(
        "organisers_arrested",
        "people",
        H,
        "Arrests of network organisers (counted in traffickers_arrested too); only investigations reach them. "
        "An organiser released pending trial and arrested again counts again.",
        count("organisers_arrested"),
    ),
    Outcome(
        "networks_dismantled",
        "networks",
        H,
        "Networks dismantled: left with no organiser at large for traffickers.dismantle_days (their trade passed "
        "to a newcomer traffickers.takeover_days after they became headless).",
        count("networks_dismantled"),
        short="dismantled",
    ),
    Outcome(
        "organisers_convicted",
        "people",
        H,
        "Convictions of network organisers (counted in traffickers_convicted too); organisers never travel with "
        "a group, so only investigations reach them.",
        count("organisers_convicted"),
    ),
    Outcome(
        "mean_days_to_dismantle",
        "days",
        L,
        "Mean days from a network's first arrest to its dismantling, Kaplan-Meier estimate over the networks "
        "with an arrest (those still standing are censored at their time since it), restricted to the longest "
        "time observed; empty while no network has been dismantled.",
        value("networks.days_to_dismantle", 2),
        daily=False,
    ),
    Outcome(
        "cost_enforcement",
        "currency",
        L,
        "Patrol hours, sensors (operation, and capital spread over their service life), port inspections, "
        "investigators, intelligence sharing and any joint investigation team.",
        cost("cost_enforcement"),
        label="cost of enforcement",
    ),
    Outcome(
        "cost_justice",
        "currency",
        L,
        "Courts, accused-days in pretrial detention and prison years served.",
        cost("cost_justice"),
        label="cost of justice",
    ),
    Outcome(
        "cost_victim_support",
        "currency",
        L,
        "Victim-days of support services for rescued victims.",
        cost("cost_victim_support"),
        label="cost of victim support",
    ),
    Outcome(
        "cost",
        "currency",
        L,
        "Total cost of every resource the scenario uses: cost_enforcement + cost_justice + cost_victim_support.",
        cost("cost_enforcement", "cost_justice", "cost_victim_support"),
        label="total cost",
    ),
)

OUTCOME_BY_NAME = {o.name: o for o in OUTCOMES}
