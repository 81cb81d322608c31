"""The ``[victims]`` table: the base rate of trafficking victims, protection, screening, identification,
exposure and support.

Its check: the tables by protection level name protection levels.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario.bounds import MAX_COST, MAX_DAYS, MAX_FACTOR
from sim.schema import INPUT, Builder, spec

PROTECTION_LEVELS = ("none", "basic", "strong")

#: Chance a rescued victim testifies, by protection level (``victims.testify_probability``); chance a victim at
#: the destination comes forward (``victims.come_forward_probability``).
TESTIFY_PROBABILITY = {"none": 0.1, "basic": 0.3, "strong": 0.65}
COME_FORWARD_PROBABILITY = {"none": 0.02, "basic": 0.05, "strong": 0.15}


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


def check_victims(v: Victims, b: Builder) -> None:
    """The tables by protection level name protection levels."""
    for table in ("testify_probability", "come_forward_probability"):
        for name in getattr(v, table):
            if name not in PROTECTION_LEVELS:
                b.fail(
                    f"victims.{table}.{name}",
                    f"unknown protection level {name!r}; allowed: {', '.join(PROTECTION_LEVELS)}",
                )
