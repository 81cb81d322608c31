"""Deaths per 1,000 apprehended people in the shipped desert sector, against the field figure.

Field: 686 recorded deaths on the US-Mexico border in 2022 (IOM Missing Migrants Project) over about 2.4
million south-west border encounters (CBP, FY2022): about 0.29 per 1,000; within a factor of three, 0.1-0.9.

The model: ``deaths_in_transit / people_apprehended x 1000`` over ``desert_sector``, 4 seeds x 180 days.
With walks from the staging area to the destination it was about 10 per 1,000; with walks cut to the
crossing stretch (drop-off and pick-up), night crossings and the day-night and seasonal exposure factors it
is about 5-6. It does not reach the field range with the shipped keys: the terrain's exposure hazard per
hour (``terrain.land_cover``, a separate calibration) is left as it is rather than tuned to this figure.
The range check is therefore an expected failure (strict: it must be revisited once the figure lands in
range), and the test that passes asserts what holds: the figure fell below its level before the change.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from sim.runner import run

ROOT = Path(__file__).resolve().parents[2]
FIELD = 686 / 2.4e6 * 1000  # about 0.29 per 1,000
SOURCE = "686 recorded deaths (IOM Missing Migrants, 2022) / ~2.4 million SW border encounters (CBP FY2022)"
SEEDS, DAYS = (1, 2, 3, 4), 180
BEFORE = 10.0  # per 1,000, 4 seeds x 180 days, with walks from the staging area (no drop-off, no night)


@cache
def deaths_per_thousand() -> tuple[float, int, int]:
    deaths = apprehended = 0
    for seed in SEEDS:
        outcomes = run(ROOT / "scenarios" / "desert_sector.toml", seed=seed, days=DAYS).outcomes
        deaths += outcomes["deaths_in_transit"]
        apprehended += outcomes["people_apprehended"]
    figure = 1000.0 * deaths / apprehended if apprehended else float("nan")
    print(
        f"\ndesert_sector, {len(SEEDS)} seeds x {DAYS} days: {deaths} deaths / {apprehended} apprehended = "
        f"{figure:.2f} per 1,000; field {FIELD:.2f} ({SOURCE}); range 0.1-0.9"
    )
    return figure, deaths, apprehended


def test_deaths_per_thousand_apprehended_fell_below_the_whole_walk_figure():
    figure, _, apprehended = deaths_per_thousand()
    assert apprehended >= 300
    assert figure < BEFORE


@pytest.mark.xfail(
    strict=True,
    reason="about 5-6 per 1,000 with the shipped keys, not 0.1-0.9: the terrain's exposure hazard is not tuned",
)
def test_deaths_per_thousand_apprehended_within_a_factor_of_three_of_the_field():
    figure, _, _ = deaths_per_thousand()
    assert FIELD / 3 <= figure <= FIELD * 3
