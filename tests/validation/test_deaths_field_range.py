"""Deaths per 1,000 apprehended people in the shipped desert sector, against the field figure.

Field: 686 recorded deaths on the US-Mexico border in 2022 (IOM Missing Migrants Project) over about 2.4
million south-west border encounters (CBP, FY2022): about 0.29 per 1,000; within a factor of three, 0.1-0.9.
Both count events: an encounter is an apprehension (people caught twice count twice), as is the model's
``people_apprehended``.

The model's figure is ``exposure_death_risk / people_apprehended x 1000`` over ``desert_sector``, 4 seeds x
180 days: the expected exposure deaths (the sum over every piece of every walk of the people alive times
their probability of dying on it), not the deaths drawn. At a field rate of 0.3 per 1,000, a few hundred
apprehensions bring about one death to count, and a check on the count would pass or fail on chance. That
the expected deaths are the mean of the deaths drawn is checked here too, at a hazard high enough for the
drawn deaths to be many.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from scipy import stats

from sim.runner import run

ROOT = Path(__file__).resolve().parents[2]
DESERT = ROOT / "scenarios" / "desert_sector.toml"
FIELD = 686 / 2.4e6 * 1000  # about 0.29 per 1,000
SOURCE = "686 recorded deaths (IOM Missing Migrants, 2022) / ~2.4 million SW border encounters (CBP FY2022)"
SEEDS, DAYS = (1, 2, 3, 4), 180


@cache
def deaths_per_thousand() -> tuple[float, float, int]:
    risk = 0.0
    deaths = apprehended = 0
    for seed in SEEDS:
        outcomes = run(DESERT, seed=seed, days=DAYS).outcomes
        risk += outcomes["exposure_death_risk"]
        deaths += outcomes["deaths_in_transit"]
        apprehended += outcomes["people_apprehended"]
    figure = 1000.0 * risk / apprehended if apprehended else float("nan")
    print(
        f"\ndesert_sector, {len(SEEDS)} seeds x {DAYS} days: {risk:.2f} expected exposure deaths ({deaths} drawn) / "
        f"{apprehended} apprehended = {figure:.2f} per 1,000; field {FIELD:.2f} ({SOURCE}); range "
        f"{FIELD / 3:.2f}-{FIELD * 3:.2f}"
    )
    return figure, risk, apprehended


@pytest.mark.slow
def test_deaths_per_thousand_apprehended_within_a_factor_of_three_of_the_field():
    figure, _, apprehended = deaths_per_thousand()
    assert apprehended >= 300
    assert FIELD / 3 <= figure <= FIELD * 3


@pytest.mark.slow
def test_expected_exposure_deaths_are_the_mean_of_the_deaths_drawn():
    """At 100 times the hazard, the deaths drawn over 5 seeds are a Poisson count around the expected deaths."""
    risk = 0.0
    deaths = 0
    for seed in (1, 2, 3, 4, 5):
        outcomes = run(DESERT, seed=seed, days=180, overrides={"victims.exposure_scale": 100.0}).outcomes
        risk += outcomes["exposure_death_risk"]
        deaths += outcomes["deaths_in_transit"]
    assert risk > 20
    p = stats.poisson.cdf(deaths, risk), stats.poisson.sf(deaths - 1, risk)
    print(f"\n{deaths} deaths drawn, {risk:.1f} expected; two-sided p = {2 * min(p):.3f}")
    assert 2 * min(p) > 0.001
