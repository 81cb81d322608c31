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
    trafficking_procedure_factor: float = spec(
        1.0,
        doc=(
            "Pre-trial procedure of a case filed on a trafficking charge, as a multiple of procedural_delay_days: "
            "trafficking cases take longer to prepare (more defendants, victims to interview, financial "
            "evidence), so most federal ones are not resolved in the year they are filed."
        ),
        unit="x",
        ge=0.1,
        le=20.0,
        source="calibrated to Human Trafficking Institute 2024 (median time to disposition over half a year)",
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
        0.97,
        doc=(
            "Ceiling of the plea probability: the share of defendants who plead guilty when the evidence leaves "
            "them nothing to gain at trial. The plea probability at the plea decision is plea_share x "
            "Phi((p x S + trial_cost_years - S_offer) / (plea_belief_sd x S)) (pleas in the shadow of trial); 0 "
            "sends every case that is not dismissed to trial."
        ),
        ge=0,
        le=1,
        source=(
            "US Sentencing Commission 2013 (97% of the federal offenders sentenced in fiscal 2012 had pleaded guilty)"
        ),
    )
    plea_procedure_days: float = spec(
        30.0,
        doc=(
            "Days from the plea decision (the end of the procedure) to the conviction of a case resolved by plea: "
            "the plea agreement, the plea and the sentencing hearing. It uses no court time."
        ),
        unit="days",
        ge=0,
        source="assumption: about a month from a plea agreement to sentencing, as in fast-track programmes",
        le=MAX_DAYS,
    )
    trial_preparation_days: float = spec(
        0.0,
        doc=(
            "Days from the plea decision to the court queue for a case bound for trial: pretrial motions, discovery "
            "for trial, the trial date set. The case stays in its procedure meanwhile (witnesses may be lost, "
            "evidence decays). 0 sends it to the queue at once, so that a trial can end sooner than a plea."
        ),
        unit="days",
        ge=0,
        le=MAX_DAYS,
        source=(
            "pattern: Boland 1986 (trials took about twice as long as pleas from filing to disposition); "
            "value per scenario"
        ),
    )
    trial_cost_years: float = spec(
        1.0,
        doc=(
            "What going to trial costs a defendant, in sentence-years: counsel, months more on remand, the risk "
            "of a heavier sentence after trial. A defendant pleads when the expected trial sentence plus this "
            "cost exceeds the plea sentence, so the heavier the charge the likelier a trial (Landes 1971)."
        ),
        unit="years",
        ge=0,
        le=MAX_SENTENCE_YEARS,
        source="pattern: Landes 1971, Bibas 2004 (pleas in the shadow of trial); value assumption",
    )
    plea_belief_sd: float = spec(
        0.15,
        doc=(
            "Spread of the defence's estimate of the trial conviction probability around the model's (the "
            "standard deviation of a normal error): it turns the plea rule's threshold into a smooth probability."
        ),
        ge=0,
        le=1,
        source="assumption",
    )
    dismissal_threshold: float = spec(
        0.2,
        doc=(
            "At the plea decision, a case whose conviction probability at trial is below it is dismissed by the "
            "prosecution (the evidence has decayed or the witness is lost)."
        ),
        ge=0,
        le=1,
        source=(
            "pattern: US Department of Justice 2018, Justice Manual 9-27.220 (prosecute only when the admissible "
            "evidence will probably be sufficient to obtain and sustain a conviction); value assumption"
        ),
    )
    charge_reduction_threshold: float = spec(
        0.45,
        doc=(
            "At the plea decision, a trafficking case whose conviction probability at trial is below it is "
            "offered a plea to the lesser charge of smuggling (charge bargaining); the defendant weighs that offer."
        ),
        ge=0,
        le=1,
        source="pattern: Bibas 2004 (charge bargaining on weak cases); value assumption",
    )
    witness_loss_per_year: float = spec(
        0.7,
        doc=(
            "Hazard at which a testifying victim is lost to a case while it waits (returns home, is removed, "
            "withdraws), from filing until the plea decision or the verdict; a case that has lost its witness "
            "loses legal.witness_bonus."
        ),
        unit="1/year",
        ge=0,
        le=100_000,
        source=(
            "pattern: Farrell et al. 2012 (victims' unavailability and withdrawal are the main obstacle to "
            "trafficking prosecutions); value assumption: half the witnesses lost within a year without protection"
        ),
    )
    witness_loss_protection_factor: float = spec(
        0.3,
        doc=(
            "Multiplies legal.witness_loss_per_year when victims are protected (victims.protection not none): "
            "shelter, a residence permit for the time of the case."
        ),
        ge=0,
        le=1,
        source="pattern: TVPA 2000 (continued presence and T visas keep witnesses available); value assumption",
    )
    offender_discount_per_year: float = spec(
        0.5,
        doc=(
            "Continuous rate at which networks discount a punishment by its delay: the expected penalty is "
            "multiplied by exp(-rate x mean days from arrest to conviction / 365) "
            "(CourtSystem.penalty_discount)."
        ),
        unit="1/year",
        ge=0,
        le=100,
        source=(
            "pattern: Nagin & Pogarsky 2001 (delayed sanctions deter less: offenders discount the future steeply); "
            "value assumption"
        ),
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
