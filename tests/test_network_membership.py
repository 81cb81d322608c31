"""A network's strength, roster and capacity: replacement, members back from prison, leaving the trade.

A network weighs in the market at ``min(1, organisers at large / traffickers.organisers)`` of its economic
activity; members in prison stay on the roster without diluting it; a replacement is hired only while the network is
below strength in the role; a member who has served a sentence comes back as the same agent, or leaves the trade
if their place has been filled.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from sim.model import BorderModel
from sim.model.agents.trafficker import Role, Trafficker, TraffickerStatus
from sim.model.legal import CaseOutcome, Disposition
from sim.runner import run
from sim.scenario import MAX_DAYS

ROOT = Path(__file__).resolve().parents[1]
CLASSROOM = ROOT / "scenarios" / "classroom.toml"
DESERT = ROOT / "scenarios" / "desert_sector.toml"


def economic_activity(network) -> float:
    """The deterrence term alone: ``clip(1 - penalty / revenue, 0.05, 1)`` from what the network has observed
    (the penalty discounted by the courts' time to punishment), the fee by the pricing rule (base fee +
    pass-through x penalty per client)."""
    cfg = network.model.spec.traffickers
    observed = (network.arrests_seen / network.trips) * (network.convictions_seen / network.verdicts)
    penalty = observed * cfg.sentence_cost * network.model.courts.penalty_discount()  # discounted for its delay
    size = cfg.group_size_mean
    share = network.model.spec.victims.trafficked_share
    fee = cfg.fee + cfg.penalty_pass_through * penalty / size
    revenue = size * (share * cfg.revenue_per_victim * network.deliveries_seen / network.victims_sent + fee)
    return float(np.clip(1.0 - penalty / max(revenue, 1.0), 0.05, 1.0))


def convict(model: BorderModel, member: Trafficker) -> None:
    """Arrest ``member`` and hand the model a conviction, as the courts would at the verdict."""
    member.arrested()
    now = model.courts.now_day
    case = SimpleNamespace(
        accused=member,
        outcome=CaseOutcome.CONVICTED,
        case_id=-1,
        sentence_years=model.spec.legal.sentence_years,
        disposition=Disposition.TRIAL,
        by_plea=False,
        reduced=False,
        witness=False,
        witness_lost=False,
        arrest_day=now,
        closed_day=now,
    )
    model.enforcement.on_verdict(case)


def test_a_network_at_full_strength_weighs_in_the_market_at_exactly_its_economic_activity():
    two_organisers = {"traffickers.organisers": 2, "traffickers.members_per_network": 5}
    model = BorderModel(CLASSROOM, seed=1, overrides=two_organisers)
    network = model.networks[0]
    strength = model.spec.traffickers.members_per_network
    # Some observed history, so that the deterrence term is strictly between its bounds.
    network.trips, network.arrests_seen = 40.0, 3.0
    network.verdicts, network.convictions_seen = 12.0, 7.0
    network.deliveries_seen, network.victims_sent = 90.0, 150.0
    expected = economic_activity(network)
    assert 0.05 < expected < 1.0, expected

    network.update_economics()
    assert network.active_members() == strength
    assert network.activity == pytest.approx(expected, abs=1e-12)
    assert network.market_weight() == pytest.approx(expected, abs=1e-12)

    # Members serving sentences stay on the roster but do not dilute the capacity of those at work.
    for role in (Role.ORGANISER, Role.GUIDE, Role.RECRUITER):
        Trafficker(model, network, role).begin_sentence()
    network.update_economics()
    assert len(network.members) == strength + 3
    assert network.market_weight() == pytest.approx(expected, abs=1e-12)

    # Above strength (an organiser back after their place was filled): capacity stays capped at 1.
    Trafficker(model, network, Role.ORGANISER)
    network.update_economics()
    assert network.at_large(Role.ORGANISER) == 3
    assert network.market_weight() == pytest.approx(expected, abs=1e-12)

    # Guides held: the same planned activity (guides limit trips by being free, not the plan).
    for member in [m for m in network.members if m.role is Role.GUIDE and m.status is TraffickerStatus.IDLE]:
        member.arrested()
    network.update_economics()
    assert network.market_weight() == pytest.approx(expected, abs=1e-12)

    # Two of the three organisers held: half the planned throughput (one at large of a strength of two).
    for member in [m for m in network.members if m.role is Role.ORGANISER and m.status is TraffickerStatus.IDLE][:2]:
        member.arrested()
    network.update_economics()
    assert network.at_large(Role.ORGANISER) == 1
    assert network.market_weight() == pytest.approx(expected / 2, abs=1e-12)


def test_a_replacement_is_hired_only_below_strength_in_the_role():
    model = BorderModel(CLASSROOM, seed=1)
    network = model.networks[0]
    strength = model.spec.traffickers.members_per_network
    for role in Role:
        network.replace_member(role)
    assert len(network.members) == strength, "no hire at full strength"
    guide = next(m for m in network.members if m.role is Role.GUIDE)
    guide.arrested()
    network.replace_member(Role.ORGANISER)
    assert len(network.members) == strength, "no organiser hired for a guide's place"
    network.replace_member(Role.GUIDE)
    assert len(network.members) == strength + 1 and network.active_members() == strength
    network.replace_member(Role.GUIDE)
    assert len(network.members) == strength + 1, "the place is filled: no second hire"


def test_a_member_back_from_prison_is_the_same_agent():
    """Short sentences, no replacements: the convicted member comes back through the scheduled release."""
    overrides = {
        "legal.sentence_years": 0.02,
        "legal.smuggling_sentence_years": 0.02,
        "traffickers.replacement_days": MAX_DAYS,
        "patrols.count": 0,
    }
    model = BorderModel(CLASSROOM, seed=2, overrides=overrides)
    network = model.networks[0]
    member = next(m for m in network.members if m.status is TraffickerStatus.IDLE and m.group is None)
    member_id, roster = member.unique_id, len(network.members)
    convict(model, member)
    assert member.status is TraffickerStatus.CONVICTED and member.cell is None and member in model.agents
    for _ in range(int(12 * model.steps_per_day)):  # time served: at most 1.5 x 0.02 years, about 11 days
        model.step()
        if member.status is not TraffickerStatus.CONVICTED:
            break
    assert member.status is TraffickerStatus.IDLE, member.status
    back = next(m for m in network.members if m.unique_id == member_id)
    assert back is member and member in model.agents
    assert len(network.members) == roster, "nobody new joined"
    assert member.cell == model.world.staging[member.home_staging].cell, "back at the home staging area"


def test_a_member_back_to_a_network_at_full_strength_leaves_the_trade():
    model = BorderModel(CLASSROOM, seed=2)
    network = model.networks[0]
    strength = model.spec.traffickers.members_per_network
    member = next(m for m in network.members if m.role is Role.GUIDE)
    convict(model, member)
    network.replace_member(Role.GUIDE)  # their place is filled
    assert network.active_members() == strength
    member.end_sentence()
    assert member.status is TraffickerStatus.LEFT
    assert member not in network.members and member not in model.agents
    assert len(network.members) == strength


@pytest.mark.slow
def test_faster_replacement_keeps_networks_stronger_and_busier():
    """Paired seeds (12), desert_sector over 90 days, ``replacement_days`` and ``organiser_replacement_days`` 7
    against 60.

    Faster replacement must keep more members active on average on every seed (the mechanism), and
    raise crossing attempts: paired mean difference positive with t > 3 over the seeds.
    """
    active, attempts = {}, {}
    for days in (7, 60):
        every_role = {"traffickers.replacement_days": days, "traffickers.organiser_replacement_days": days}
        runs = [run(DESERT, every_role, seed=s, days=90) for s in range(1, 13)]
        active[days] = [statistics.mean(row["network_active_members"] for row in r.timeseries) for r in runs]
        attempts[days] = [r.outcomes["crossings_attempted"] for r in runs]
    assert all(fast > slow for fast, slow in zip(active[7], active[60], strict=True)), active
    diffs = [fast - slow for fast, slow in zip(attempts[7], attempts[60], strict=True)]
    t = statistics.mean(diffs) / (statistics.stdev(diffs) / len(diffs) ** 0.5)
    assert statistics.mean(diffs) > 0 and t > 3, (attempts, diffs, t)
