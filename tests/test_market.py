"""The market for crossings (:mod:`sim.model.market`): the demand persists when networks fall, the price is set by a
stated rule whose response to enforcement can be calibrated, and the step length does not change the intake law."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from sim.model import BorderModel
from sim.model.agents.person import Person, PersonState
from sim.model.agents.trafficker import Role, TraffickerStatus
from sim.model.market import Market, choose_network, deterrence, price
from sim.model.streams import RandomStreams

ROOT = Path(__file__).resolve().parents[1]
CLASSROOM = ROOT / "scenarios" / "classroom.toml"

#: Gathmann (2008): tripling enforcement raised smuggling prices about 17 % and lowered migration about 10 %.
PRICE_RISE, MIGRATION_FALL = 0.17, 0.10

#: No enforcement at the line: nobody is apprehended, so every arrest in a run is one the test makes.
QUIET = {
    "patrols.count": 0,
    "surveillance.sensors": [],
    "checkpoints.screening_share": 0.0,
    "traffickers.networks": 3,
    "traffickers.members_per_network": 8,
    "traffickers.vehicle_share": 0.0,
    "crossers.per_day": 12.0,
}


class FakeNetwork:
    """A network as the market sees it: a fee, a market weight, and whether it has been dismantled."""

    def __init__(self, fee: float, weight: float):
        self.fee, self.weight = fee, weight
        self.dismantled_day: float | None = None
        self.people: list[tuple[int, float, float]] = []  # each person taken on: key, staging and type draws
        self.sends = 0

    def market_weight(self) -> float:
        return self.weight

    @property
    def market_version(self) -> tuple[float, float]:
        """Changes whenever what the market reads changes (the market shares the demand anew then)."""
        return self.fee, self.weight

    def take_on(self, key: int, staging_draw: float, type_draw: float) -> None:
        self.people.append((key, staging_draw, type_draw))

    def send_groups(self) -> None:
        self.sends += 1


def market_of(networks, per_day=24.0, base_fee=1000.0, elasticity=-0.6, seed=0) -> tuple[Market, Counter]:
    counters: Counter = Counter()
    market = Market(
        SimpleNamespace(per_day=per_day, price_elasticity=elasticity),
        SimpleNamespace(fee=base_fee),
        networks,
        SimpleNamespace(counters=counters),
        RandomStreams(seed),
    )
    return market, counters


# -- the pricing rule and the demand curve -----------------------------------------------------------------


def test_the_pricing_rule_is_the_base_fee_plus_the_pass_through_of_the_expected_penalty():
    assert price(3000.0, 0.0, 5000.0) == 3000.0
    assert price(3000.0, 0.25, 4000.0) == 4000.0
    assert price(3000.0, 1.0, 0.0) == 3000.0


def test_tripling_the_expected_penalty_can_be_calibrated_to_gathmann():
    """The rule's two keys reach the field's response: with the risk premium chosen so that tripling the
    expected penalty raises the fee 17 % (pass-through = 0.17 x base / (1.83 x penalty)), and the elasticity
    ln(0.90) / ln(1.17), the demand falls 10 %."""
    base, penalty = 3500.0, 6000.0
    pass_through = PRICE_RISE * base / ((3.0 - (1.0 + PRICE_RISE)) * penalty)
    before, after = price(base, pass_through, penalty), price(base, pass_through, 3.0 * penalty)
    assert after / before == pytest.approx(1.0 + PRICE_RISE)
    elasticity = math.log(1.0 - MIGRATION_FALL) / math.log(1.0 + PRICE_RISE)
    assert elasticity == pytest.approx(-0.67, abs=0.005)
    ratio = deterrence(after, base, elasticity) / deterrence(before, base, elasticity)
    assert ratio == pytest.approx(1.0 - MIGRATION_FALL)
    # The level stays where the field puts it (2,000 to 7,000).
    assert 2000.0 < before < after < 7000.0


def test_the_demand_curve_has_constant_elasticity_and_no_price_below_the_base_deters():
    fees = np.array([1000.0, 1100.0, 2000.0, 4000.0])
    share = deterrence(fees, 1000.0, -0.6)
    assert share[0] == 1.0
    np.testing.assert_allclose(np.log(share[1:]) / np.log(fees[1:] / 1000.0), -0.6)
    assert deterrence(500.0, 1000.0, -0.6) == 1.0
    assert deterrence(4000.0, 1000.0, 0.0) == 1.0


# -- the market sharing the demand -----------------------------------------------------------------------------


def test_the_market_shares_the_demand_by_weight_and_each_share_is_deterred_by_its_fee():
    networks = [FakeNetwork(1000.0, 1.0), FakeNetwork(2000.0, 0.5), FakeNetwork(1500.0, 0.0)]
    market, counters = market_of(networks)
    taken = market.intakes(1.0)  # one hour: 1 person at the base fee
    np.testing.assert_allclose(taken, [2.0 / 3.0, 1.0 / 3.0 * 2.0**-0.6, 0.0])
    assert counters["demand_base"] == pytest.approx(1.0)
    assert counters["demand_deterred"] == pytest.approx(1.0 - taken.sum())


def test_with_no_network_working_the_demand_waits_and_goes_to_the_first_that_works():
    networks = [FakeNetwork(1000.0, 0.0), FakeNetwork(1000.0, 0.0)]
    market, counters = market_of(networks)
    for _ in range(48):
        market.step(0.5)  # a day
    assert all(not n.people for n in networks) and market.taken_on == 0
    assert market.backlog == pytest.approx(24.0)
    networks[1].weight = 1.0
    expected = market.intakes(0.5)
    assert expected[1] == pytest.approx(24.5), "everyone waiting, and the step's own demand"
    assert market.backlog == 0.0 and counters["demand_base"] == pytest.approx(24.5)
    assert choose_network(networks, 0.3) is networks[1]
    networks[1].weight = 0.0
    assert choose_network(networks, 0.3) is None


def test_the_step_length_does_not_change_the_intake_law():
    """The expected intake is proportional to the step: the same demand a day at 5-minute and 1-hour steps, and
    in a run the people taken on at 15- and 60-minute steps agree with per_day x days (a Poisson count)."""
    for dt in (5.0 / 60.0, 0.25, 1.0, 3.0):
        networks = [FakeNetwork(1000.0, 1.0), FakeNetwork(1300.0, 2.0)]
        market, _ = market_of(networks)
        day = sum(market.intakes(dt) for _ in range(round(24.0 / dt)))
        assert list(day) == pytest.approx([8.0, 16.0 * 1.3**-0.6])
    days, per_day = 30, QUIET["crossers.per_day"]
    for minutes in (15, 60):
        taken = []
        for seed in (1, 2, 3):
            model = BorderModel(CLASSROOM, seed=seed, overrides=QUIET | {"time.step_minutes": minutes})
            for _ in range(round(days * model.steps_per_day)):
                model.step()
            taken.append(model.market.taken_on)
            assert model.market.taken_on == sum(n.recruited for n in model.networks)
        expected = 3 * days * per_day
        assert abs(sum(taken) - expected) < 4 * math.sqrt(expected), (minutes, taken)


def test_the_market_draws_one_count_for_all_networks_and_hands_each_person_to_one_by_expected_intake():
    """Over many steps each network takes on its expected intake (a Poisson total shared by multinomial draws),
    every network is asked to send its groups every step, and the people are numbered in the order they came."""
    networks = [FakeNetwork(1000.0, 1.0), FakeNetwork(2000.0, 1.0), FakeNetwork(1000.0, 0.0)]
    market, _ = market_of(networks, per_day=48.0)
    expected = np.zeros(3)
    for _ in range(2000):
        expected += market.intakes(1.0)
        market.backlog = 0.0
    market, _ = market_of(networks, per_day=48.0)
    for _ in range(2000):
        market.step(1.0)
    counts = np.array([len(n.people) for n in networks])
    assert counts[2] == 0 and all(n.sends == 2000 for n in networks)
    assert np.all(np.abs(counts[:2] - expected[:2]) < 4 * np.sqrt(expected[:2])), (counts, expected)
    keys = sorted(k for n in networks for k, _, _ in n.people)
    assert keys == list(range(market.taken_on)) and market.taken_on == counts.sum()


def test_moving_the_clients_between_networks_keeps_who_comes_and_how_many():
    """Common random numbers: when a policy moves the demand from one network to another at the same fee, the
    same people come in the same steps, with the same staging and type draws; only who takes them on differs."""
    runs = []
    for weights in ((1.0, 1.0), (0.2, 1.8)):
        networks = [FakeNetwork(1000.0, w) for w in weights]
        market, _ = market_of(networks, per_day=24.0, seed=7)
        for _ in range(500):
            market.step(1.0)
        runs.append(networks)
    people = [sorted(p for n in networks for p in n.people) for networks in runs]
    assert people[0] == people[1] and len(people[0]) > 400
    assert [len(n.people) for n in runs[0]] != [len(n.people) for n in runs[1]]


# -- the market persists ---------------------------------------------------------------------------------------


def arrest_organisers(model: BorderModel, network_index: int) -> None:
    """Arrest every organiser of a network (as investigations would), on a smuggling charge."""
    network = model.networks[network_index]
    agency = model.spec.agencies.members[0].name
    for member in [m for m in network.members if m.role is Role.ORGANISER and m.status is TraffickerStatus.IDLE]:
        model.enforcement.arrest(member, agency, model.spec.legal.evidence_by_investigation, False, "smuggling")
    assert network.headless()


def test_a_network_losing_its_organisers_does_not_cut_the_demand_taken_on_or_the_attempts():
    """Paired seeds: all organisers of one network arrested on day 5 (never replaced), against no arrest. The
    others take its clients on at once: the people taken on and the attempts over 60 days agree within 10 %;
    under the old rule (each network its fixed share) a third of the demand went nowhere for months."""
    never = {f"traffickers.{key}": 3650.0 for key in ("organiser_replacement_days", "dismantle_days", "takeover_days")}
    overrides = QUIET | never  # no newcomer either: the other networks alone take its clients on
    days = 60
    for seed in (1, 2, 3):
        runs = {}
        for arrest in (False, True):
            model = BorderModel(CLASSROOM, seed=seed, overrides=overrides)
            for day in range(days):
                if arrest and day == 5:
                    arrest_organisers(model, 0)
                for _ in range(round(model.steps_per_day)):
                    model.step()
            runs[arrest] = model
        taken = {a: sum(n.recruited for n in m.networks) for a, m in runs.items()}
        attempts = {a: m.accounts.counters["crossings_attempted"] for a, m in runs.items()}
        assert runs[True].networks[0].market_weight() == 0.0
        assert runs[True].networks[0].recruited < runs[False].networks[0].recruited / 2
        assert taken[True] == pytest.approx(taken[False], rel=0.1), (seed, taken)
        assert attempts[True] == pytest.approx(attempts[False], rel=0.1), (seed, attempts)
        demand = runs[True].accounts.counters
        assert demand["demand_deterred"] == 0.0, "no penalty seen, no premium: the base fee deters no one"


def test_a_returning_migrant_of_a_headless_network_goes_to_one_that_works():
    """Returned migrants of a headless network who try again go to a network drawn by market weight (never
    the headless one), even when they would not switch; its returned victims wait with it."""
    model = BorderModel(CLASSROOM, seed=3, overrides=QUIET | {"crossers.switch_network_probability": 0.0})
    arrest_organisers(model, 0)
    went = Counter()
    for k in range(40):
        for trafficked in (False, True):
            person = Person(model, 0, 0, trafficked=trafficked, key=10_000 + 2 * k + trafficked)
            model.crossings.return_person(person)
            if person.state is PersonState.WAITING:
                assert person in model.networks[person.network_id].forming[person.staging]
                went[trafficked, person.network_id] += 1
    assert went[False, 0] == 0 and went[False, 1] > 0 and went[False, 2] > 0, went
    assert went[True, 0] > 0 and went[True, 1] == went[True, 2] == 0, went


# -- the price responds to enforcement, and the demand to the price --------------------------------------------


def test_the_fee_rises_with_enforcement_and_the_demand_falls_by_the_stated_elasticity():
    """A small scenario, one network, paired seeds: with more patrols the network sees more arrests, so its fee
    (and the mean fee paid) is higher; every day the demand taken on is
    exactly (fee / base fee) ^ price_elasticity of the demand at the base fee (at every step the network works)."""
    base = {"traffickers.networks": 1, "traffickers.penalty_pass_through": 1.0, "crossers.per_day": 12.0}
    elasticity = -0.6
    outcomes = {}
    for patrols in (1, 8):
        model = BorderModel(CLASSROOM, seed=1, overrides=base | {"patrols.count": patrols})
        cfg, counters = model.spec, model.accounts.counters
        assert cfg.crossers.price_elasticity == elasticity
        network = model.networks[0]
        checked = 0
        for _ in range(round(40 * model.steps_per_day)):
            fee, working = network.fee, network.market_weight() > 0 and model.market.backlog == 0
            before = counters["demand_base"], counters["demand_deterred"]
            model.step()
            if working and model.market.backlog == 0:  # (with no network working the demand waits for one)
                offered = counters["demand_base"] - before[0]
                taken = offered - (counters["demand_deterred"] - before[1])
                assert taken / offered == pytest.approx((fee / cfg.traffickers.fee) ** elasticity, rel=1e-9)
                checked += 1
        assert checked > 10 * model.steps_per_day  # a quarter of the run at least
        network.update_economics()  # the fee of now (the courts' time to punishment moves the discount)
        assert network.fee == pytest.approx(cfg.traffickers.fee + network.expected_penalty(), rel=1e-12), (
            "pass-through 1: the whole expected penalty per client"
        )
        outcomes[patrols] = model.outcomes()
    low, high = outcomes[1], outcomes[8]
    # A higher fee, and (checked step by step above) the demand taken falls with it by the elasticity. The totals of
    # demand deterred are not compared: with more patrols the network is more often headless, and the demand of
    # those steps goes to the backlog, not deterred.
    assert high["mean_fee"] > low["mean_fee"] > 0


def test_the_expected_penalty_is_the_observed_risk_per_client_discounted_for_its_delay():
    model = BorderModel(CLASSROOM, seed=1)
    network, cfg = model.networks[0], model.spec.traffickers
    network.trips, network.arrests_seen = 20.0, 5.0
    network.verdicts, network.convictions_seen = 8.0, 6.0
    discount = model.courts.penalty_discount()
    assert 0.0 < discount < 1.0  # a year's delay discounted at legal.offender_discount_per_year
    penalty = 0.25 * 0.75 * cfg.sentence_cost / cfg.group_size_mean * discount
    assert network.expected_penalty() == pytest.approx(penalty)
    network.update_economics()
    assert network.fee == pytest.approx(cfg.fee + cfg.penalty_pass_through * penalty)


def test_dismantled_networks_are_left_out_and_the_shares_and_picks_stay_the_same():
    """A dismantled network never works again: the market leaves it out of its loops (on a long border most
    networks are dismantled ones), and the intakes, the picks by weight and the books are what they would be
    with it weighed at 0."""
    weights = [1.0, 0.0, 0.5, 0.0, 2.0]
    kept = [FakeNetwork(1000.0 + 100 * k, w) for k, w in enumerate(weights)]
    left_out = [FakeNetwork(1000.0 + 100 * k, w) for k, w in enumerate(weights)]
    left_out[1].dismantled_day = left_out[3].dismantled_day = 10.0
    left_out[3].fee = 9e9  # a dismantled network's fee no longer matters
    (market_a, books_a), (market_b, books_b) = market_of(kept), market_of(left_out)
    assert np.array_equal(market_a.intakes(0.5), market_b.intakes(0.5)) and books_a == books_b
    for _ in range(96):
        market_a.step(0.5)
        market_b.step(0.5)
    assert [n.people for n in kept] == [n.people for n in left_out]
    assert left_out[1].sends == left_out[3].sends == 0 and kept[1].sends == 96
    for u in np.linspace(0.0, 1.0, 101):
        assert kept.index(choose_network(kept, u)) == left_out.index(choose_network(left_out, u))
