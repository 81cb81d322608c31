"""The ``[time]`` table: step length, default run length, warm-up, start of a run, dusk and dawn."""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario.bounds import MAX_DAYS, MIN_STEP_MINUTES
from sim.schema import INPUT, spec


@dataclass(frozen=True)
class Time:
    step_minutes: float = spec(
        30.0,
        doc="Simulated time per model step. Keep it at an hour or less.",
        unit="min",
        ge=MIN_STEP_MINUTES,
        le=60,
        source=INPUT,
    )
    days: float = spec(90.0, doc="Default length of a run.", unit="days", gt=0, le=MAX_DAYS, source=INPUT)
    warmup_days: int = spec(
        0,
        doc="Days simulated before the counted days begin (a warm-up): the world runs as usual (people wait, cases "
        "stay open, fees and memories carry on) but nothing is counted; outcomes, the daily series and the "
        "crossing records cover the `days` after it. A run simulates warmup_days + days. `bordersim settle` "
        "measures how long a scenario's outcomes take to settle.",
        unit="days",
        ge=0,
        le=MAX_DAYS,
        source=INPUT,
    )
    start_hour: float = spec(
        0.0, doc="Time of day at which a run starts (0 = midnight).", unit="h", ge=0, lt=24, source=INPUT
    )
    start_day_of_year: int = spec(
        1,
        doc="Day of the year on which a run starts (1 = 1 January); sets the season of exposure deaths.",
        ge=1,
        le=365,
        source=INPUT,
    )
    dusk_hour: float = spec(
        19.0,
        doc="Hour at which night begins: detection by patrols and sensors falls, heat exposure eases.",
        unit="h",
        ge=0,
        lt=24,
        source="assumption: sunset in the south-western desert, 17:30-19:30 over the year, as a fixed hour",
    )
    dawn_hour: float = spec(
        6.0,
        doc="Hour at which night ends (the day begins).",
        unit="h",
        ge=0,
        lt=24,
        source="assumption: sunrise in the south-western desert, 5:15-7:30 over the year, as a fixed hour",
    )
