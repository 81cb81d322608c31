"""The ``[traffickers]`` table with ``[[traffickers.tunnels]]``: the networks, their members and roles, how
they choose routes, modes and crossings, what they learn and how they recover from arrests.

Its checks: each prior count is at most the count it is among; the roles fit in a network.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario.bounds import (
    MAX_COST,
    MAX_DAYS,
    MAX_EXTENT_KM,
    MAX_FACTOR,
    MAX_HARDSHIP_AVERSION,
    MAX_LOGIT_BETA,
    MAX_PEOPLE_PER_DAY,
    MAX_PRIOR,
    MAX_RISK_AVERSION,
    MIN_SPEED_KMH,
)
from sim.scenario.places import Position
from sim.schema import INPUT, Builder, spec


@dataclass(frozen=True)
class Tunnel:
    name: str = spec(doc="Name of the tunnel.", source=INPUT)
    entrance: Position = spec(
        doc="Origin-side entrance [x_km, y_km]. In a GeoTIFF scenario, as terrain.positions says.",
        unit="km",
        source=INPUT,
    )
    exit: Position = spec(
        doc="Destination-side exit [x_km, y_km]. In a GeoTIFF scenario, as terrain.positions says.",
        unit="km",
        source=INPUT,
    )
    capacity_per_day: float = spec(
        20.0,
        doc=(
            "People (victims and guides) that can pass in a day of the run; a group counts on the "
            "day it would enter the tunnel, and a group that finds every tunnel full walks."
        ),
        unit="per day",
        gt=0,
        source="assumption",
        le=MAX_PEOPLE_PER_DAY,
    )


@dataclass(frozen=True)
class Traffickers:
    networks: int = spec(3, doc="Number of trafficking networks.", ge=0, le=200, source=INPUT)
    members_per_network: int = spec(
        6,
        doc="Members per network at full strength, every role counted: traffickers.organisers, recruiters and "
        "drivers as given, guides the rest (none when the other roles take every place).",
        ge=1,
        le=500,
        source="assumption",
    )
    group_size_mean: float = spec(
        6.0, doc="Mean number of victims per group (Poisson, at least 1).", ge=1, le=100, source="assumption"
    )
    walk_speed_kmh: float = spec(
        3.5,
        doc="Walking speed of a group on open ground.",
        unit="km/h",
        ge=MIN_SPEED_KMH,
        le=15,
        source="assumption: a group on foot, below Tobler's (1993) 5 km/h for one walker on the flat",
    )
    risk_aversion: float = spec(
        4.0,
        doc="Weight of perceived risk against travel time in route costs.",
        unit="h per unit risk",
        ge=0,
        source="assumption",
        le=MAX_RISK_AVERSION,
    )
    hardship_aversion: float = spec(
        4.0,
        doc=(
            "Weight of the exposure hazard its people would run (terrain exposure times victims.exposure_scale, "
            "summed along the path) against travel time in route costs (assumption: a network prices a "
            "person's death hazard like the group's detection hazard, risk_aversion; at the terrain's hazards "
            "of 1e-6 to 3e-4 per hour this barely bends routes, as flows displaced into the desert despite the "
            "deaths suggest, GAO-06-770)."
        ),
        unit="h per unit hazard",
        ge=0,
        source="assumption; pattern: GAO-06-770",
        le=MAX_HARDSHIP_AVERSION,
    )
    logit_beta: float = spec(
        0.5,
        doc="Sharpness of the logit choice among candidate crossings.",
        unit="1/h",
        ge=0,
        source="assumption",
        le=MAX_LOGIT_BETA,
    )
    candidate_crossings: int = spec(
        12, doc="Candidate crossing points evaluated per plan.", ge=1, le=200, source="assumption"
    )
    risk_kernel_km: float = spec(
        4.0,
        doc="Spatial spread of perceived risk after an interdiction.",
        unit="km",
        gt=0,
        source="assumption",
        le=MAX_EXTENT_KM,
    )
    risk_memory_days: float = spec(
        20.0, doc="Half-life of perceived risk.", unit="days", gt=0, source="assumption", le=MAX_DAYS
    )
    vehicle_share: float = spec(
        0.2,
        doc=(
            "Share of groups hidden in vehicles through a port while every mode looks equally risky; with "
            "mode_risk_sensitivity the shares shift toward the modes the network has seen succeed."
        ),
        ge=0,
        le=1,
        source="assumption",
    )
    tunnel_share: float = spec(
        0.0,
        doc="Share of groups using a tunnel when one exists, while every mode looks equally risky.",
        ge=0,
        le=1,
        source="assumption",
    )
    mode_risk_sensitivity: float = spec(
        1.0,
        doc=(
            "How strongly the choice of mode (foot, vehicle through a port, tunnel) follows the interdiction rate "
            "a network has seen for each: a mode's weight is its share times exp(-sensitivity x rate). 0: fixed "
            "shares."
        ),
        ge=0,
        le=100,
        source="assumption; pattern: displacement to ports after the 1990s build-up (Cornelius 2001)",
    )
    vehicle_speed_kmh: float = spec(
        50.0,
        doc="Speed of a vehicle carrying a group between staging area, port and destination, on roads.",
        unit="km/h",
        ge=MIN_SPEED_KMH,
        le=200,
        source="assumption",
    )
    road_detour_factor: float = spec(
        1.3,
        doc=("Road distance as a multiple of the straight-line distance for vehicle journeys."),
        ge=1,
        source="assumption: a typical circuity of roads",
        le=MAX_FACTOR,
    )
    dropoff_km: float = spec(
        6.0,
        doc=(
            "Walking distance before the border at which a vehicle drops a group on foot: the group rides from "
            "the staging area (straight line x road_detour_factor at vehicle_speed_kmh) to the point of its "
            "route this far before the line, or walks from the staging area if that is closer."
        ),
        unit="km",
        ge=0,
        le=MAX_EXTENT_KM,
        source="assumption; pattern: groups are driven to the line and walk the crossing stretch",
    )
    dropoff_spread_km: float = spec(
        3.0,
        doc="Each group's walking distance to the line is drawn uniformly within dropoff_km plus or minus this.",
        unit="km",
        ge=0,
        le=MAX_EXTENT_KM,
        source="assumption",
    )
    pickup_km: float = spec(
        5.0,
        doc=(
            "Walking distance beyond the border zone (on the destination side) at which a vehicle picks the group "
            "up and drives it to its destination; at the destination itself if that is closer."
        ),
        unit="km",
        ge=0,
        le=MAX_EXTENT_KM,
        source="assumption; pattern: load-up points on roads past the patrolled zone",
    )
    night_crossing_share: float = spec(
        0.7,
        doc=(
            "Share of groups on foot that wait for night: when the walk from the drop-off would reach the line "
            "in daylight, the drop-off waits until night_start_hour."
        ),
        ge=0,
        le=1,
        source="assumption; pattern: crossings on foot cluster at night",
    )
    night_start_hour: float = spec(
        19.0,
        doc="Hour at which groups that wait for night are dropped off.",
        unit="h",
        ge=0,
        lt=24,
        source="assumption: at dusk (time.dusk_hour)",
    )
    tunnel_speed_kmh: float = spec(
        2.0,
        doc="Speed of a group through a tunnel, crouching.",
        unit="km/h",
        ge=MIN_SPEED_KMH,
        le=15,
        source="assumption",
    )
    fee: float = spec(
        3000.0,
        doc=(
            "Base fee per person: what a network charges with no risk of punishment (the fee a new network starts "
            "at); the pricing rule adds penalty_pass_through x the expected penalty per client. The demand "
            "(crossers.per_day) is stated at this fee."
        ),
        unit="currency",
        gt=0,
        source="assumption: between about 2,000 dollars (UNODC 2010) and 6,000-7,000 in recent reports",
        le=MAX_COST,
    )
    penalty_pass_through: float = spec(
        0.1,
        doc=(
            "Share of the expected penalty per client (P(arrest) x P(conviction) x sentence_cost / "
            "group_size_mean, as the network has observed them) added to the base fee, updated daily: the "
            "risk premium of the price (1: the whole penalty, a competitive market of risk-neutral smugglers; "
            "0: prices ignore enforcement). With sentence_cost it sets how far the fee follows enforcement; "
            "calibrate one of the two."
        ),
        ge=0,
        le=MAX_FACTOR,
        source=(
            "assumption: a risk premium of about a tenth of the fee at the shipped scenarios' arrest and "
            "conviction rates, as Gathmann (2008) implies (tripling enforcement raises prices about 17 %); "
            "pattern: risks and prices, Reuter & Kleiman (1986)"
        ),
    )
    revenue_per_victim: float = spec(
        12000.0,
        doc="Revenue from exploiting one delivered victim.",
        unit="currency",
        ge=0,
        source="assumption",
        le=MAX_COST,
    )
    sentence_cost: float = spec(
        200_000.0,
        doc="Cost a network attributes to one conviction (lost member, years).",
        unit="currency",
        ge=0,
        source="assumption",
        le=MAX_COST,
    )
    replacement_days: float = spec(
        14.0,
        doc="Mean time to find a replacement after the arrest of a guide, driver or recruiter (exponential); "
        "hired only if the network is still below strength in that role then, and only while it has an "
        "organiser at large (a headless network keeps searching). Exposed roles are taken by local people "
        "for whom smuggling is side work, so they are found quickly.",
        unit="days",
        gt=0,
        source="assumption; pattern: Triandafyllidou (2016); UNODC (2018) Global Study on Smuggling of Migrants",
        le=MAX_DAYS,
    )
    prior_trips: float = spec(
        2.0,
        doc=(
            "Weak prior of a new network on its arrest rate: it starts as if it had run prior_trips trips with "
            "prior_arrests arrests, and adds each trip it observes."
        ),
        unit="trips",
        source="assumption",
        gt=0,
        le=MAX_PRIOR,
    )
    prior_arrests: float = spec(
        0.0,
        doc="Arrests in the prior trips (0: no arrests seen yet, full activity at first); at most prior_trips.",
        unit="arrests",
        source="assumption",
        ge=0,
        le=MAX_PRIOR,
    )
    prior_verdicts: float = spec(
        2.0,
        doc="Weak prior on the conviction rate: verdicts a new network counts as already seen.",
        unit="verdicts",
        source="assumption",
        gt=0,
        le=MAX_PRIOR,
    )
    prior_convictions: float = spec(
        1.0,
        doc="Convictions among the prior verdicts (1 of 2: an even chance); at most prior_verdicts.",
        unit="convictions",
        source="assumption",
        ge=0,
        le=MAX_PRIOR,
    )
    prior_victims_sent: float = spec(
        3.0,
        doc="Weak prior on the delivery rate: victims a new network counts as already sent.",
        unit="victims",
        source="assumption",
        gt=0,
        le=MAX_PRIOR,
    )
    prior_deliveries: float = spec(
        2.0,
        doc="Deliveries among the prior victims sent (2 of 3); at most prior_victims_sent.",
        unit="victims",
        source="assumption",
        ge=0,
        le=MAX_PRIOR,
    )
    watch_days: float = spec(
        0.0,
        doc=(
            "Window over which lookouts watch the patrols near the border (hourly presence within watch_range_km "
            "of each border-line cell) before networks choose crossings; 0: networks do not watch."
        ),
        unit="days",
        ge=0,
        le=60,
        source=(
            "assumption: off by default; smugglers' lookouts and scouts watch patrols (Slack & Whiteford 2011), "
            "the observing adversary of Stackelberg security games (Pita et al. 2008)"
        ),
    )
    watch_range_km: float = spec(
        2.0,
        doc="Distance from a border point within which lookouts see a patrol.",
        unit="km",
        gt=0,
        le=20,
        source="assumption: a lookout on high ground sees a vehicle on the line a couple of kilometres away",
    )
    patrol_aversion: float = spec(
        10.0,
        doc=(
            "Weight of the patrol presence networks expect near a candidate crossing when the group would reach "
            "it (from what they watched) against travel time in crossing costs."
        ),
        unit="h per patrol",
        ge=0,
        source="assumption: one patrol in sight of the crossing is worth a long detour",
    )
    notice_response_probability: float = spec(
        0.5,
        doc=(
            "Chance that a group sees a responding patrol when it reaches the group's trail (headlights, dust, "
            "engine noise; a lookout's call). A group that sees it while still on the origin side, or within "
            "turn_back_km of the line, turns back across the line and waits for another attempt; further on, it "
            "presses on and the pursuit goes on."
        ),
        ge=0,
        le=1,
        source="assumption: turn-backs are about a quarter of known attempts (DHS, FY2011 effectiveness rate)",
    )
    turn_back_km: float = spec(
        1.0,
        doc=(
            "Farthest a group that sees a response coming has walked past the line (along its path) and still "
            "turns back across it rather than pressing on."
        ),
        unit="km",
        ge=0,
        le=50,
        source="assumption",
    )
    max_hold_hours: float = spec(
        8.0,
        doc=(
            "Longest a group on foot waits short of the line, in cover, while the lookouts report a patrol in "
            "sight of its crossing (watch_range_km, the last step); it crosses when they report it clear, or "
            "when its wait is used up. Acts only when networks watch (watch_days > 0); 0: groups never wait."
        ),
        unit="h",
        ge=0,
        le=72,
        source=(
            "assumption: a shift's length; guides hold short of the line until lookouts with radios report the "
            "patrols gone (Slack & Whiteford 2011; Spener 2009)"
        ),
    )
    activity_floor: float = spec(
        0.05,
        doc=(
            "Least economic activity a network keeps however unprofitable the trade looks (commitments, debts, "
            "recruits already waiting): the activity (1 - expected penalty / expected revenue of a trip, clipped "
            "to [activity_floor, 1]) weighs the network's share of the market, not the demand."
        ),
        source="assumption",
        ge=0,
        le=1,
    )
    organisers: int = spec(
        1,
        doc=(
            "Organisers per network at full strength: they plan the crossings and hire, never travel with a "
            "group, and are reached only by investigation. The network plans at min(1, organisers at large / "
            "this) of its activity; with none at large it sends no group, recruits and hires no one."
        ),
        ge=1,
        le=100,
        source=(
            "assumption; pattern: UNODC (2011) Smuggling of Migrants, a Global Review (someone at the top whom "
            "migrants rarely see); Europol (2016) Migrant Smuggling in the EU"
        ),
    )
    recruiters: int = spec(
        1,
        doc=(
            "Recruiters per network at full strength: intermediaries who find the clients; the network takes "
            "people on at min(1, recruiters at large / this) of its rate (with 0 the organisers recruit, at the "
            "full rate). They never travel with a group."
        ),
        ge=0,
        le=100,
        source="assumption; pattern: UNODC (2011); Triandafyllidou (2016)",
    )
    drivers: int = spec(
        1,
        doc=(
            "Drivers per network at full strength: a group hidden in a vehicle through a port needs a free "
            "driver, who travels with it; with none free the network sends no vehicle (the rides of groups on "
            "foot to drop-offs and from pick-ups are hired, not members). The rest of members_per_network are "
            "guides, who lead the groups on foot and through tunnels."
        ),
        ge=0,
        le=100,
        source="assumption; pattern: Spener (2009) Clandestine Crossings; UNODC (2018)",
    )
    cross_link_probability: float = spec(
        0.1,
        doc=(
            "Who works with whom: each organiser knows the other organisers; each recruiter one organiser; "
            "each guide and driver one recruiter (an organiser when there is none); and any two members below "
            "the organisers also know each other with this probability (a tree with cross-links). "
            "Investigations climb these links."
        ),
        ge=0,
        le=1,
        source="assumption; pattern: Campana (2018) Out of Africa, European Journal of Criminology; Morselli (2009)",
    )
    organiser_replacement_days: float = spec(
        180.0,
        doc=(
            "Mean time for a network to find a new organiser after one is arrested (exponential): a trusted "
            "member promoted or a boss from outside. Hard to replace: contacts, capital and trust."
        ),
        unit="days",
        gt=0,
        le=MAX_DAYS,
        source="assumption; pattern: Morselli (2009) Inside Criminal Networks; Duijn et al. (2014)",
    )
    dismantle_days: float = spec(
        90.0,
        doc=(
            "A network with no organiser at large for this long is dismantled: its members at large leave the "
            "trade (those held, awaiting trial or in prison as their cases close). Until then it only stops "
            "working, and works again if it finds an organiser (beside the newcomer, if one has taken its trade "
            "over: traffickers.takeover_days)."
        ),
        unit="days",
        gt=0,
        le=MAX_DAYS,
        source="assumption",
    )
    takeover_days: float = spec(
        30.0,
        doc=(
            "Time a network is left with no organiser at large (headless) before a newcomer network, at full "
            "strength, enters the market in its place and takes over the people waiting at its staging areas "
            "(free entry, market displacement); meanwhile its would-be clients go to the other networks, or wait "
            "when none is working."
        ),
        unit="days",
        ge=0,
        le=MAX_DAYS,
        source=(
            "assumption; pattern: Reuter (1983) Disorganized Crime; Duijn, Kashirin and Sloot (2014) Scientific Reports"
        ),
    )
    tunnels: list[Tunnel] = spec(default_factory=list, doc="Tunnels: [[traffickers.tunnels]] tables.")


def check_traffickers(tr: Traffickers, b: Builder) -> None:
    """Prior counts within their wholes; organisers, recruiters and drivers within members_per_network."""
    for part, whole in (
        ("prior_arrests", "prior_trips"),
        ("prior_convictions", "prior_verdicts"),
        ("prior_deliveries", "prior_victims_sent"),
    ):
        if getattr(tr, part) > getattr(tr, whole):
            b.fail(
                f"traffickers.{part}",
                f"given {getattr(tr, part):g}; allowed: at most traffickers.{whole} ({getattr(tr, whole):g}), "
                "a count among them",
            )
    roles = tr.organisers + tr.recruiters + tr.drivers
    if roles > tr.members_per_network:
        b.fail(
            "traffickers.members_per_network",
            f"given {tr.members_per_network}; it must be at least traffickers.organisers + recruiters + drivers "
            f"({tr.organisers} + {tr.recruiters} + {tr.drivers} = {roles}); guides take the places left",
        )
