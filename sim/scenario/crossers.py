"""The ``[crossers]`` table: people the networks take across, their return after an apprehension and their
retries."""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario.bounds import MAX_PEOPLE_PER_DAY
from sim.schema import spec


@dataclass(frozen=True)
class Crossers:
    per_day: float = spec(
        6.0,
        doc=(
            "People the networks take on per day across all staging areas at full activity: smuggled migrants "
            "and, at victims.trafficked_share, trafficking victims. People returned after an apprehension "
            "come on top."
        ),
        unit="per day",
        ge=0,
        le=MAX_PEOPLE_PER_DAY,
        source="assumption",
    )
    return_days: float = spec(
        2.0,
        doc="Time from an apprehension to the return to the origin side (processing and removal).",
        unit="days",
        ge=0,
        source="assumption: voluntary return takes a day or two, formal removal longer",
    )
    retry_probability: float = spec(
        0.8,
        doc="Chance a smuggled migrant returned after an apprehension tries again (the rest stop trying).",
        ge=0,
        le=1,
        source="assumption; field: most apprehended migrants try again (Massey & Singer 1995; Espenshade 1994)",
    )
    switch_network_probability: float = spec(
        0.3,
        doc="Chance a migrant who tries again goes with another network (drawn at random) rather than the same.",
        ge=0,
        le=1,
        source="assumption",
    )
