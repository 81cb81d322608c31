"""The ``[legal]`` table: courts, pleas, delays, evidence, pretrial detention, sentences and their costs.

Its check: the shortest time served is not above the longest. ``legal.courts = 0`` is allowed with networks
at work: cases accumulate, and the report shows the backlog growing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario.bounds import MAX_COST, MAX_DAYS, MAX_DETENTION_PLACES, MAX_SENTENCE_YEARS, MAX_TIME_SERVED_SHARE
from sim.schema import INPUT, Builder, spec


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


def check_legal(legal: Legal, b: Builder) -> None:
    """Time served: the minimum share not above the maximum."""
    if legal.time_served_min_share > legal.time_served_max_share:
        b.fail(
            "legal.time_served_min_share",
            f"given {legal.time_served_min_share:g}; it must not exceed legal.time_served_max_share "
            f"({legal.time_served_max_share:g})",
        )
