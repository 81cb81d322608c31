"""Networks with roles and a graph of who works with whom (``sim/model/agents/trafficker.py``).

Mechanisms, on paired seeds through the model: removing organisers cuts a network's deliveries more than
removing as many guides; a network left without organisers is dismantled after ``traffickers.dismantle_days``
and a newcomer takes its trade over ``takeover_days`` after it became headless (deliveries recover);
investigations climbing the graph reach organisers more often when the investigating agency sees more records
(data sharing).
Bookkeeping, after every step of runs that dismantle networks: every member on exactly one roster with one
status, the graphs hold exactly the registered members with their roles, the role counts add up.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.model import BorderModel
from sim.model.agents.trafficker import ACTIVE_STATUSES, Role, Trafficker, TraffickerStatus
from sim.model.legal import kaplan_meier_mean

ROOT = Path(__file__).resolve().parents[1]
CLASSROOM = ROOT / "scenarios" / "classroom.toml"

#: One network with two organisers and four guides, no patrols and no vehicles: nobody is arrested unless the
#: test arrests them, and deliveries are set by the network's own capacity alone.
ONE_NETWORK = {
    "traffickers.networks": 1,
    "traffickers.members_per_network": 8,
    "traffickers.organisers": 2,
    "traffickers.vehicle_share": 0.0,
    "crossers.per_day": 12.0,
    "patrols.count": 0,
    "legal.detention_capacity": 1000,  # the arrested stay held: no pretrial release
}

#: The statuses of a member on a network's roster (one who left the trade is struck off it).
ON_ROSTER = (
    TraffickerStatus.IDLE,
    TraffickerStatus.GUIDING,
    TraffickerStatus.RELEASED,
    TraffickerStatus.DETAINED,
    TraffickerStatus.CONVICTED,
)


def network_structure_problems(model: BorderModel) -> list[str]:
    """Every violated invariant of the networks' rosters, graphs and roles now (empty when all hold)."""
    problems: list[str] = []
    step = model.steps
    registered = set(model.agents_by_type.get(Trafficker, []))
    nodes = [member for network in model.networks for member in network.graph.nodes]
    if len(nodes) != len(set(nodes)) or set(nodes) != registered:
        problems.append(f"step {step}: {len(nodes)} graph nodes ({len(set(nodes))} distinct), {len(registered)} agents")
    for network in model.networks:
        n = network.network_id
        if set(network.graph.nodes) != set(network.members) or len(network.members) != len(set(network.members)):
            problems.append(f"step {step}: network {n}'s graph and roster differ")
        for member in network.members:
            if member.status not in ON_ROSTER:
                problems.append(f"step {step}: member {member.unique_id} on a roster with status {member.status}")
            if member not in network.graph or network.graph.nodes[member]["role"] != member.role.value:
                problems.append(f"step {step}: member {member.unique_id} ({member.role.value}) not so in the graph")
            if member.role in (Role.ORGANISER, Role.RECRUITER) and member.group is not None:
                problems.append(f"step {step}: {member.role.value} {member.unique_id} travels with a group")
        by_role = Counter(m.role for m in network.members)
        if sum(by_role.values()) != len(network.members) or sum(network.strength.values()) != (
            model.spec.traffickers.members_per_network
        ):
            problems.append(f"step {step}: network {n} roles {by_role} or strength {network.strength} do not add up")
        if network.dismantled_day is None and network.headless() != (network.headless_since_h is not None):
            problems.append(f"step {step}: network {n} headless {network.headless()} since {network.headless_since_h}")
        if network.dismantled_day is not None:
            lingering = [
                m
                for m in network.members
                if m.status in ACTIVE_STATUSES and m.group is None and not model.courts.open_cases_of(m)
            ]
            if lingering:
                problems.append(f"step {step}: dismantled network {n} keeps {len(lingering)} free members")
    for group in model.crossings.groups.values():
        crew = Role.DRIVER if group.mode == "vehicle" else Role.GUIDE
        if group.active and group.guide.role is not crew:
            problems.append(f"step {step}: a {group.mode} group led by a {group.guide.role.value}")
    for n, network in enumerate(model.networks):
        if (network.headless() or network.dismantled_day is not None) and network.market_weight() != 0.0:
            problems.append(f"step {step}: network {n}, not working, keeps a market weight")
    return problems


def step_days(model: BorderModel, days: float, check: bool = False) -> list[str]:
    problems: list[str] = []
    for _ in range(round(days * model.steps_per_day)):
        model.step()
        if check:
            problems += network_structure_problems(model)
    return problems


def delivered(model: BorderModel, after_day: float, before_day: float = math.inf, network: int | None = None) -> int:
    """People delivered (alive at the destination) by groups that finished between two days (of one network's)."""
    return sum(
        row["victims"] - row["deaths"]
        for row in model.crossings.log
        if row["result"] == "succeeded"
        and after_day <= row["day"] < before_day
        and (network is None or row["network"] == network)
    )


def remove(model: BorderModel, role: Role, k: int) -> None:
    """Arrest ``k`` members of a role who are not on a trip (as an investigation would), on a smuggling charge with
    full evidence: the case is strong enough to end in a plea, so the arrested stay out of the network's work for
    the 30 days compared (a weak case could be tried and acquitted within them)."""
    network = model.networks[0]
    chosen = [m for m in network.members if m.role is role and m.group is None and m.status is TraffickerStatus.IDLE]
    assert len(chosen) >= k, f"only {len(chosen)} free {role.value}s"
    agency = model.spec.agencies.members[0].name
    for member in chosen[:k]:
        model.enforcement.arrest(member, agency, 1.0, False, "smuggling")


def free_guides(model: BorderModel) -> int:
    """Guides :func:`remove` can arrest: idle and not on a trip."""
    return sum(
        m.role is Role.GUIDE and m.group is None and m.status is TraffickerStatus.IDLE
        for m in model.networks[0].members
    )


@pytest.mark.parametrize("k", [1, 2])
def test_removing_organisers_cuts_deliveries_more_than_removing_as_many_guides(k):
    """Paired seeds (16), two such networks sharing the market: the same warm-up of 20 days, then k of the first
    network's 2 organisers or k of its 4 guides arrested; people it delivered over the next 30 days. Losing one
    organiser halves its weight in the market (its share of the demand falls from a half to a third) and losing
    both stops it, while the guides left carry the trips; Wilcoxon signed-rank, one-sided, p < 0.01."""
    two_networks = ONE_NETWORK | {"traffickers.networks": 2, "crossers.per_day": 24.0}
    after = {Role.ORGANISER: [], Role.GUIDE: []}
    for seed in range(1, 17):
        for role, delivered_after in after.items():
            model = BorderModel(CLASSROOM, seed=seed, overrides=two_networks)
            step_days(model, 20)
            while free_guides(model) < k:  # the same extra steps on both arms: they are identical until here
                model.step()
            start = model.days
            remove(model, role, k)
            step_days(model, 30)
            delivered_after.append(delivered(model, start, network=0))
    guides, organisers = np.array(after[Role.GUIDE]), np.array(after[Role.ORGANISER])
    assert guides.mean() > 40, "the network must deliver enough for the comparison to mean something"
    test = stats.wilcoxon(guides, organisers, alternative="greater")
    assert test.pvalue < 0.01, (after, test)
    if k == 2:  # no organiser left: only the groups under way arrive, unless an organiser is found quickly
        assert np.median(organisers) < 0.1 * guides.mean(), after


def test_a_headless_network_is_dismantled_and_a_newcomer_takes_its_trade_over():
    """One network, one organiser, arrested on day 20 and never replaced: dismantled 10 days later, its trade
    taken over 20 days after it became headless (day 40); deliveries stop (the demand waits for the newcomer),
    then recover to at least half the rate before. The outcomes
    say so: one network dismantled, 10 days from its first arrest (the only one). Invariants after every step."""
    overrides = ONE_NETWORK | {
        "traffickers.organisers": 1,
        "traffickers.organiser_replacement_days": 3650.0,
        "traffickers.dismantle_days": 10.0,
        "traffickers.takeover_days": 20.0,
    }
    rates = []
    for seed in (1, 2, 3):
        model = BorderModel(CLASSROOM, seed=seed, overrides=overrides)
        problems = step_days(model, 20, check=True)
        old = model.networks[0]
        remove(model, Role.ORGANISER, 1)
        assert old.headless()
        problems += step_days(model, 9.9, check=True)
        assert old.dismantled_day is None, "not before dismantle_days"
        problems += step_days(model, 0.2, check=True)
        assert old.dismantled_day == pytest.approx(30.0, abs=0.05)
        assert all(m.status is not TraffickerStatus.IDLE for m in old.members), "free members left the trade"
        problems += step_days(model, 20, check=True)
        assert len(model.networks) == 2 and old.successor is model.networks[1]
        assert old.market_weight() == 0.0 and model.networks[1].market_weight() > 0.0
        problems += step_days(model, 50, check=True)
        assert not problems, problems[:10]
        outcomes = model.outcomes()
        assert outcomes["networks_dismantled"] == 1
        # By hand: the dismantled network from its first arrest (day 20, or earlier if a testifying victim led to
        # one) to day 30; the newcomer, if such an arrest was made in it, censored at its time since that arrest
        # (Kaplan-Meier restricted mean).
        newcomer = model.networks[1]
        assert old.first_arrest_day <= 20.0 + 1e-9
        times, events = [old.dismantled_day - old.first_arrest_day], [True]
        if newcomer.first_arrest_day is not None:
            times.append(model.days - newcomer.first_arrest_day)
            events.append(False)
        assert outcomes["mean_days_to_dismantle"] == pytest.approx(kaplan_meier_mean(times, events), abs=0.05)
        before = delivered(model, 0, 20) / 20
        headless = delivered(model, 22, 40) / 18
        recovered = delivered(model, 60, 100) / 40
        rates.append((before, headless, recovered))
        assert headless == 0.0 and recovered >= 0.5 * before, rates
    assert all(b > 0 for b, _, _ in rates), rates


def test_no_dismantling_no_mean_days_to_dismantle():
    model = BorderModel(CLASSROOM, seed=1, overrides=ONE_NETWORK)
    step_days(model, 5)
    assert model.outcomes()["networks_dismantled"] == 0
    assert math.isnan(model.outcomes()["mean_days_to_dismantle"])


#: Two agencies whose patrols share the sector, busy networks and a quick court: many arrests to investigate.
TWO_AGENCIES = {
    "crossers.per_day": 20.0,
    "traffickers.networks": 3,
    "traffickers.members_per_network": 8,
    "traffickers.replacement_days": 3.0,
    "traffickers.organiser_replacement_days": 10.0,
    "agencies.members[1].patrol_share": 1.0,
    "agencies.members[0].investigators": 2,
    "agencies.members[1].investigators": 2,
    "agencies.investigation_yield": 0.03,
    "patrols.count": 8,
}

TWO_NATIONS = ROOT / "scenarios" / "two_nations.toml"


def organiser_share(sharing: str, seed: int) -> tuple[int, int]:
    """Investigations that reached an organiser, and investigations, in 150 days of two_nations with a joint
    investigation team (so every agency's records can cross the river when shared)."""
    overrides = {"agencies.sharing": sharing, "agencies.cooperation": "joint_team"}
    model = BorderModel(TWO_NATIONS, seed=seed, overrides=overrides)
    step_days(model, 150)
    counters = model.accounts.counters
    return counters["investigations_reaching_organiser"], counters["investigations"]


@pytest.mark.slow
def test_investigations_reach_organisers_more_often_when_the_agency_sees_more_records():
    """Paired seeds (6), 150 days of two_nations: four agencies on both banks arrest members of the same
    networks. With full sharing each investigating agency sees the others' records about the network too, so
    each rung of the climb succeeds more often and more investigations get from a guide or driver to an
    organiser. Pooled shares compared by Fisher's exact test, one-sided, p < 0.05; the share is higher on the
    pooled seeds and not lower on most seeds."""
    pooled = {"none": np.zeros(2, int), "full": np.zeros(2, int)}
    per_seed = {"none": [], "full": []}
    for seed in range(1, 7):
        for sharing in pooled:
            hits, n = organiser_share(sharing, seed)
            pooled[sharing] += (hits, n)
            per_seed[sharing].append(hits / n if n else 0.0)
    (hit_none, n_none), (hit_full, n_full) = pooled["none"], pooled["full"]
    assert n_none > 100 and n_full > 100, pooled
    table = [[hit_full, n_full - hit_full], [hit_none, n_none - hit_none]]
    test = stats.fisher_exact(table, alternative="greater")
    print(f"reaching an organiser: none {hit_none}/{n_none}, full {hit_full}/{n_full}, Fisher p = {test.pvalue:.4f}")
    assert hit_full / n_full > hit_none / n_none and test.pvalue < 0.05, (pooled, test)
    not_lower = sum(f >= n for f, n in zip(per_seed["full"], per_seed["none"], strict=True))
    assert not_lower >= 4, per_seed


def test_organisers_are_reached_only_through_investigation():
    """Organisers never travel and victims never meet them: every organiser arrested was identified by an
    investigation, and so were recruiters."""
    model = BorderModel(CLASSROOM, seed=3, overrides=TWO_AGENCIES | {"agencies.sharing": "full"})
    step_days(model, 60)
    c = model.accounts.counters
    assert c["organisers_arrested"] > 0
    assert c["organisers_arrested"] + c["recruiters_arrested"] <= c["members_identified"], dict(c)
    assert (
        c["guides_arrested"] + c["drivers_arrested"] + c["organisers_arrested"] + c["recruiters_arrested"]
        == (c["traffickers_arrested"])
    )


def test_the_graph_is_a_tree_with_cross_links():
    """At the start: organisers know each other, each recruiter one organiser, each guide and driver one
    recruiter; with no cross-links each network's graph is exactly that tree; with cross-links it has more edges."""
    tree = BorderModel(CLASSROOM, seed=1, overrides={"traffickers.cross_link_probability": 0.0})
    for network in tree.networks:
        graph = network.graph
        assert graph.number_of_nodes() == len(network.members) == tree.spec.traffickers.members_per_network
        for member in network.members:
            up = [m.role for m in graph.neighbors(member)]
            if member.role in (Role.GUIDE, Role.DRIVER):
                assert up == [Role.RECRUITER]
            elif member.role is Role.RECRUITER:
                assert Role.ORGANISER in up
        assert graph.number_of_edges() == len(network.members) - 1
    linked = BorderModel(CLASSROOM, seed=1, overrides={"traffickers.cross_link_probability": 1.0})
    for network in linked.networks:
        assert network.graph.number_of_edges() > len(network.members) - 1


def test_invariants_hold_after_every_step_through_arrests_dismantling_and_takeover():
    """A busy run with fast courts and short sentences in which networks lose organisers, are dismantled and
    taken over, and members come back from prison."""
    overrides = TWO_AGENCIES | {
        "agencies.sharing": "full",
        "agencies.investigation_yield": 0.2,
        "traffickers.organiser_replacement_days": 60.0,
        "traffickers.dismantle_days": 5.0,
        "traffickers.takeover_days": 5.0,
        "legal.sentence_years": 0.05,
        "legal.smuggling_sentence_years": 0.05,
        "legal.detention_capacity": 2,
        "legal.abscond_probability": 0.3,
    }
    model = BorderModel(CLASSROOM, seed=2, overrides=overrides)
    problems = step_days(model, 75, check=True)
    assert not problems, f"{len(problems)} violations, first ones:\n" + "\n".join(problems[:10])
    assert model.outcomes()["networks_dismantled"] >= 1 and len(model.networks) > 3


def test_the_checker_catches_a_member_missing_from_the_graph():
    model = BorderModel(CLASSROOM, seed=1)
    assert network_structure_problems(model) == []
    network = model.networks[0]
    network.graph.remove_node(network.members[-1])
    assert any("graph nodes" in p for p in network_structure_problems(model))
