"""The ``[agencies]`` table with ``[[agencies.members]]``: the agencies, their data sharing, cross-border
cooperation, investigations and records.

Its check: at least one agency, each named once. Rules that tie other tables to the agencies (owners of
sensors and ports, the patrol roster's shares) are in :mod:`sim.scenario.cross_table`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario.bounds import MAX_COST, MAX_DAYS, MAX_HOURS, MAX_INVESTIGATORS
from sim.schema import INPUT, Builder, spec


@dataclass(frozen=True)
class Agency:
    name: str = spec(doc="Identifier of the agency, e.g. border_patrol, customs, police.", source=INPUT)
    patrol_share: float = spec(
        1.0, doc="Relative share of the patrol roster this agency owns.", ge=0, source=INPUT, le=1
    )
    investigators: int = spec(
        2, doc="Investigators following up arrests to the rest of a network.", ge=0, source=INPUT, le=MAX_INVESTIGATORS
    )
    cost_per_investigator_per_year: float = spec(
        150_000.0,
        doc="Annual cost of one investigator: salary, overheads, equipment.",
        unit="currency/year",
        ge=0,
        source="assumption",
        le=MAX_COST,
    )
    jurisdiction: str = spec(
        "national",
        doc=(
            "Jurisdiction the agency belongs to: national, or foreign (a partner across the border). Its records "
            "reach agencies of the other jurisdiction only under agencies.cooperation, after that lever's delay, "
            "and a case that uses evidence held by an agency of the other jurisdiction takes that delay in its "
            "procedure (a cross-jurisdiction case)."
        ),
        choices=("national", "foreign"),
        source=INPUT,
    )


@dataclass(frozen=True)
class Agencies:
    members: list[Agency] = spec(
        default_factory=lambda: [
            Agency(name="border_patrol", patrol_share=1.0),
            Agency(name="customs", patrol_share=0.0),
        ],
        doc="The agencies: [[agencies.members]] tables.",
    )
    sharing: str = spec(
        "none",
        doc="Interagency intelligence sharing: none, delayed (after a latency) or full (real time).",
        choices=("none", "delayed", "full"),
        source=INPUT,
    )
    sharing_latency_hours: float = spec(
        72.0, doc="Delay before another agency sees an entry.", unit="h", ge=0, source=INPUT, le=MAX_HOURS
    )
    share_fraction: float = spec(
        1.0, doc="Share of entries that may be shared at all (privacy and legal limits).", ge=0, le=1, source=INPUT
    )
    sharing_cost_per_year: float = spec(
        200_000.0,
        doc=(
            "Annual cost of sharing when it is delayed or full: the shared database and liaison staff. "
            "Nothing when sharing is none."
        ),
        unit="currency/year",
        ge=0,
        source="assumption",
        le=MAX_COST,
    )
    investigation_yield: float = spec(
        0.02,
        doc=(
            "After an arrest, the agency's investigators find another member of the network with probability "
            "1 - exp(-investigation_yield x investigators x linked records), the linked records being those about "
            "the arrested member and the network's members at large that the agency can see (its own, and others' "
            "under sharing and cooperation)."
        ),
        unit="per investigator per linked record",
        ge=0,
        source="assumption",
        le=1,
    )
    intel_memory_hours: float = spec(
        720.0,
        doc=(
            "How long an intel entry (a detection, interdiction or arrest, with its position) guides patrols "
            "(hotspot and randomized strategies); older entries are forgotten for targeting (they stay counted in "
            "the agency totals). Records about people and members last agencies.retention_days."
        ),
        unit="h",
        source="assumption: a month",
        gt=0,
        le=MAX_HOURS,
    )
    cooperation: str = spec(
        "treaty",
        doc=(
            "Cross-border cooperation between the national and the foreign agencies: none (records never cross "
            "the border), treaty (records and evidence cross by mutual legal assistance after "
            "treaty_delay_days) or joint_team (a joint investigation team: after joint_team_delay_days, and real-time "
            "alerts cross too under full sharing). Sharing must be delayed or full for anything to cross. Acts only "
            "when agencies of both jurisdictions exist."
        ),
        choices=("none", "treaty", "joint_team"),
        source=INPUT,
    )
    treaty_delay_days: float = spec(
        120.0,
        doc=(
            "Delay before a record crosses the border under a treaty, and extra procedure of a case that needs "
            "the other side's evidence (a formal mutual legal assistance request). Requests to the United States "
            "took about 10 months on average (President's Review Group 2013); a bilateral treaty between "
            "neighbours is taken as faster."
        ),
        unit="days",
        ge=0,
        le=MAX_DAYS,
        source="assumption: about four months, below the 10 months of MLAT requests to the US (Review Group 2013)",
    )
    joint_team_delay_days: float = spec(
        1.0,
        doc=(
            "Delay before a record crosses the border in a joint investigation team, and extra procedure of a "
            "case needing the other side's evidence: members of a team share information and evidence directly, "
            "without formal requests (Eurojust and Europol, JIT Practical Guide 2017)."
        ),
        unit="days",
        ge=0,
        le=MAX_DAYS,
        source="assumption: a day, as direct exchange in a JIT (Eurojust/Europol JIT Practical Guide 2017)",
    )
    joint_team_cost_per_year: float = spec(
        150_000.0,
        doc="Annual cost of a joint investigation team (liaison officers, meetings) when cooperation is joint_team.",
        unit="currency/year",
        ge=0,
        le=MAX_COST,
        source="assumption: about one investigator's cost",
    )
    retention_days: float = spec(
        548.0,
        doc=(
            "Records (identities, vehicles, phones, places) are deleted this many days after they were made: "
            "neither their owner nor anyone else sees them after. The EU's Eurodac keeps the fingerprints of "
            "people apprehended crossing irregularly for 18 months (Regulation (EU) No 603/2013, Art. 16)."
        ),
        unit="days",
        gt=0,
        le=MAX_DAYS,
        source="Regulation (EU) No 603/2013, Art. 16 (Eurodac, 2013: 18 months for irregular crossers)",
    )
    biometric_capture_share: float = spec(
        0.5,
        doc=(
            "Share of identity records (arrested members, screened people) taken with biometrics (fingerprints, "
            "face); the rest identify by name and documents. Biometric records are matched with "
            "biometric_false_match_rate, the others with false_match_rate."
        ),
        ge=0,
        le=1,
        source=INPUT,
    )
    false_match_rate: float = spec(
        1e-5,
        doc=(
            "Chance that one comparison of a person with a name-and-document identity record of someone else "
            "matches wrongly. Every search (a screened person, an arrested member, a traveller at secondary "
            "inspection) is compared with every identity record the searching agency can see."
        ),
        unit="per comparison",
        ge=0,
        le=1,
        source="assumption: ten times the biometric rate; name matching confuses common names and aliases",
    )
    biometric_false_match_rate: float = spec(
        1e-6,
        doc=(
            "Chance that one comparison with a biometric identity record of someone else matches wrongly: "
            "operational face and fingerprint systems are run at thresholds of about one false match in a "
            "million comparisons (NIST FRVT 1:1 reports miss rates at FMR = 1e-6; NIST FpVTE 2012)."
        ),
        unit="per comparison",
        ge=0,
        le=1,
        source="NIST FRVT 1:1 (operating point FMR = 1e-6) and NIST FpVTE 2012: order of magnitude",
    )
    false_match_hold_days: float = spec(
        2.0,
        doc=(
            "Extra days a screened person held for return is held after a false match with someone else's "
            "record, until the identity is cleared; every such person, and every traveller at a port detained on "
            "a false match with a trafficker's record, counts as a wrongful detention."
        ),
        unit="days",
        ge=0,
        le=MAX_DAYS,
        source="assumption: a couple of days to clear an identity",
    )


def agency_names(agencies: Agencies) -> list[str]:
    """The names of the agencies, in the order given."""
    return [a.name for a in agencies.members]


def check_agencies(agencies: Agencies, b: Builder) -> None:
    """At least one agency, and no name twice."""
    names = agency_names(agencies)
    if not names:
        b.fail("agencies.members", "at least one agency is needed")
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        b.fail("agencies.members", f"agency names must be unique; repeated: {', '.join(sorted(dupes))}")
