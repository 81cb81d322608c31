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
            "Demand: people a day who want to be taken across at the base fee (traffickers.fee), smuggled "
            "migrants and, at victims.trafficked_share, trafficking victims. It belongs to the market: the "
            "networks working share it by their capacity, recruiters and activity, and a higher fee deters part "
            "of it (price_elasticity). People returned after an apprehension come on top."
        ),
        unit="per day",
        ge=0,
        le=MAX_PEOPLE_PER_DAY,
        source="assumption",
    )
    price_elasticity: float = spec(
        -0.6,
        doc=(
            "Elasticity of the demand to the fee: a network charging fee gets (fee / traffickers.fee) ^ this of "
            "the demand offered to it (constant elasticity: a 1 % higher fee, this % fewer people); the rest are "
            "deterred (demand_deterred). 0: the price deters no one."
        ),
        ge=-5,
        le=0,
        source=(
            "Gathmann (2008): tripling enforcement raised smuggling prices about 17 % and lowered migration about "
            "10 %; -10 % / 17 % = -0.59 (ln 0.90 / ln 1.17 = -0.67 as a constant elasticity)"
        ),
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
        doc=(
            "Chance a migrant who tries again goes with a network drawn by market weight (the networks working, by "
            "their share of the market; it may be the same) rather than their own; one whose own network is not "
            "working always does."
        ),
        ge=0,
        le=1,
        source="assumption",
    )
