"""Mechanism tests of the legal pipeline (sim/model/legal.py), each on a bare ``mesa.Model``.

Policy effects are measured with paired seeds (replication i of both arms uses seed i) and pooled
over replications; every assertion message states the effect size found.
"""

from __future__ import annotations

import dataclasses
import gc
import itertools
import math

import mesa
import numpy as np
import pytest

from sim.model.legal import CaseOutcome, CaseStage, CourtSystem
from sim.scenario import Legal

SEEDS = range(12)


class Arrests:
    """Files a case at exponential intervals (Poisson arrests), ``rate_per_day`` on average."""

    def __init__(self, model, court, rate_per_day, witness_share=0.0, evidence=1.0):
        self.model = model
        self.court = court
        self.mean_gap = court.steps_per_day / rate_per_day
        self.witness_share = witness_share
        self.evidence = evidence
        model.schedule_event(self.arrive, after=model.rng.exponential(self.mean_gap))

    def arrive(self):
        witness = bool(self.model.rng.random() < self.witness_share)
        self.court.file_case(accused=None, network_id=0, evidence=self.evidence, witness=witness)
        self.model.schedule_event(self.arrive, after=self.model.rng.exponential(self.mean_gap))


def run_court(legal, seed, days=3000.0, rate_per_day=0.06, **arrest_kwargs):
    model = mesa.Model(rng=seed)
    # The court draws from its own stream, so that both arms of a comparison see the same arrests.
    court = CourtSystem(model, legal, steps_per_day=1.0, rng=np.random.default_rng(10_000 + seed))
    model.arrests = Arrests(model, court, rate_per_day, **arrest_kwargs)
    model.run_until(days)
    return court


def pooled(legal, **kwargs):
    """Pool decided cases over the paired seeds: (mean days to verdict, conviction rate, cases decided)."""
    cases = [c for seed in SEEDS for c in run_court(legal, seed, **kwargs).closed_cases if c.days_to_verdict]
    days = np.mean([c.days_to_verdict for c in cases])
    convicted = np.mean([c.outcome is CaseOutcome.CONVICTED for c in cases])
    return days, convicted, len(cases)


def binomial_se(p1, n1, p2, n2):
    return math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)


BASE = Legal(
    courts=2,
    trial_days_mean=30.0,
    procedural_delay_days=60.0,
    evidence_half_life_days=180.0,
    base_conviction_probability=0.55,
    witness_bonus=0.3,
    detention_capacity=10_000,
    abscond_probability=0.0,
    plea_share=0.0,  # every case goes to trial (pleas: tests/test_pleas.py)
    dismissal_threshold=0.0,  # none dismissed at the plea decision
)


def test_more_courts_shorten_time_to_verdict_and_raise_convictions():
    # Two courts at utilisation 0.9 against four courts at 0.45.
    slow_days, slow_rate, n_slow = pooled(BASE)
    fast_days, fast_rate, n_fast = pooled(dataclasses.replace(BASE, courts=4))
    assert fast_days < slow_days - 50, f"4 courts: {fast_days:.1f} vs 2 courts: {slow_days:.1f} days to verdict"
    se = binomial_se(slow_rate, n_slow, fast_rate, n_fast)
    assert fast_rate - slow_rate > 3 * se, (
        f"conviction rate 4 courts {fast_rate:.3f} vs 2 courts {slow_rate:.3f} (SE of difference {se:.3f})"
    )


def test_shorter_procedure_shortens_time_to_verdict_and_raises_convictions():
    long_days, long_rate, n_long = pooled(dataclasses.replace(BASE, courts=4, procedural_delay_days=240.0))
    short_days, short_rate, n_short = pooled(dataclasses.replace(BASE, courts=4, procedural_delay_days=30.0))
    assert long_days - short_days == pytest.approx(210.0, abs=10.0), (
        f"procedure 30 vs 240 days: {short_days:.1f} vs {long_days:.1f} days to verdict"
    )
    se = binomial_se(long_rate, n_long, short_rate, n_short)
    assert short_rate - long_rate > 3 * se, (
        f"conviction rate short procedure {short_rate:.3f} vs long {long_rate:.3f} (SE of difference {se:.3f})"
    )


def test_a_witness_raises_the_conviction_probability():
    legal = dataclasses.replace(BASE, courts=4)
    _, without, n_without = pooled(legal, witness_share=0.0)
    _, with_witness, n_with = pooled(legal, witness_share=1.0)
    se = binomial_se(without, n_without, with_witness, n_with)
    assert with_witness - without == pytest.approx(0.3, abs=3 * se), (
        f"conviction rate with a witness {with_witness:.3f} vs without {without:.3f}: witness_bonus is 0.3 "
        f"(SE of difference {se:.3f})"
    )
    # Case by case the bonus is exact, and the probability is clipped at 1.
    model = mesa.Model(rng=1)
    court = CourtSystem(model, legal, steps_per_day=1.0)
    plain = court.file_case("a", 0, evidence=0.8)
    testified = court.file_case("b", 0, evidence=0.8, witness=True)
    strong = court.file_case("c", 0, evidence=1.0, witness=True, shared_evidence=True)
    assert court.conviction_probability(testified) - court.conviction_probability(plain) == pytest.approx(0.3)
    assert court.evidence_now(strong) == 1.0, "evidence plus the sharing bonus is capped at full strength"
    assert court.conviction_probability(strong) == pytest.approx(0.55 * 1.0 + 0.3)
    lenient = CourtSystem(model, dataclasses.replace(legal, base_conviction_probability=0.9), steps_per_day=1.0)
    assert lenient.conviction_probability(lenient.file_case("d", 0, witness=True)) == 1.0


def test_no_detention_places_and_certain_abscondment_means_everyone_absconds():
    legal = dataclasses.replace(BASE, detention_capacity=0, abscond_probability=1.0)
    released, absconded = [], []
    model = mesa.Model(rng=3)
    court = CourtSystem(model, legal, steps_per_day=1.0, on_release=released.append, on_abscond=absconded.append)
    model.arrests = Arrests(model, court, rate_per_day=0.5)
    model.run_until(1000.0)
    assert court.filed > 400
    # Absconding happens during the procedure, so at most the cases filed in the last 60 days are still open.
    assert court.absconded == len(absconded) == court.filed - court.backlog
    assert court.decided == 0 and court.trials_started == 0 and court.queue_length == 0
    assert len(released) == court.filed == court.released
    assert all(c.outcome is CaseOutcome.ABSCONDED and not c.detained for c in absconded)
    assert all(c.arrest_day <= c.closed_day < c.arrest_day + c.pretrial_days for c in absconded)


def test_detention_capacity_holds_the_first_accused_and_releases_the_rest():
    legal = dataclasses.replace(BASE, detention_capacity=3, abscond_probability=0.0, procedural_delay_days=10.0)
    released = []
    model = mesa.Model(rng=4)
    court = CourtSystem(model, legal, steps_per_day=1.0, on_release=released.append)
    cases = [court.file_case(i, 0) for i in range(5)]
    assert [c.detained for c in cases] == [True, True, True, False, False]
    assert released == cases[3:] and court.detained_now == 3
    model.run_until(2000.0)
    assert court.decided == 5 and court.detained_now == 0
    late = court.file_case(99, 0)
    assert late.detained, "places free again after the verdicts"


def test_a_heavier_charge_takes_the_place_of_the_lightest_and_arrival_keeps_the_first_come():
    """detention_priority = "charge": with every place taken, an accused facing a heavier charge takes the place of
    the detained accused facing the lightest (the latest arrested among equals), who is released; one facing no
    heavier charge than anyone held is released. "arrival" releases every newcomer."""
    legal = dataclasses.replace(BASE, detention_capacity=2, abscond_probability=0.0, procedural_delay_days=10.0)
    released = []
    model = mesa.Model(rng=4)
    court = CourtSystem(model, legal, steps_per_day=1.0, on_release=released.append)
    light_a, light_b = court.file_case("a", 0, sentence_years=1.5), court.file_case("b", 0, sentence_years=1.5)
    heavy_c = court.file_case("c", 0, sentence_years=6.0)
    assert heavy_c.detained and not light_b.detained and light_a.detained
    assert released == [light_b] and court.detained_now == 2
    heavy_d = court.file_case("d", 0, sentence_years=9.0)
    assert heavy_d.detained and not light_a.detained and released == [light_b, light_a]
    heavy_e = court.file_case("e", 0, sentence_years=6.0)
    assert not heavy_e.detained, "nobody held faces a lighter charge"
    assert court.detained_now == 2 and sorted(c.accused for c in court.open_cases.values() if c.detained) == ["c", "d"]
    model.run_until(2000.0)
    assert court.decided == 5 and court.detained_now == 0

    first_come = dataclasses.replace(legal, detention_priority="arrival")
    court = CourtSystem(mesa.Model(rng=4), first_come, steps_per_day=1.0)
    cases = [court.file_case(name, 0, sentence_years=years) for name, years in [("a", 1.5), ("b", 1.5), ("c", 6.0)]]
    assert [c.detained for c in cases] == [True, True, False]


def test_an_accused_released_to_free_a_place_may_abscond_over_the_rest_of_the_procedure():
    legal = dataclasses.replace(BASE, detention_capacity=1, abscond_probability=1.0, procedural_delay_days=10.0)
    absconded = []
    model = mesa.Model(rng=5)
    court = CourtSystem(model, legal, steps_per_day=1.0, on_abscond=absconded.append)
    light = court.file_case("guide", 0, sentence_years=1.5)
    model.run_until(4.0)
    heavy = court.file_case("organiser", 0, sentence_years=9.0)
    assert heavy.detained and not light.detained
    model.run_until(2000.0)
    assert absconded == [light] and 4.0 <= light.closed_day < 10.0, light.closed_day
    assert light.queued_day is None and light.trial_start_day is None, "an absconded case never reaches a court"
    assert heavy.outcome in (CaseOutcome.CONVICTED, CaseOutcome.ACQUITTED) and court.trials_started == 1
    assert court.bound_for_trial == 1 and court.backlog == 0 and court.detained_now == 0
    # Released after its procedure ended (waiting for a court), an accused does not abscond.
    court = CourtSystem(mesa.Model(rng=5), dataclasses.replace(legal, courts=0), steps_per_day=1.0)
    waiting = court.file_case("guide", 0, sentence_years=1.5)
    court.model.run_until(20.0)
    court.file_case("organiser", 0, sentence_years=9.0)
    court.model.run_until(200.0)
    assert court.absconded == 0 and waiting.stage is CaseStage.QUEUE and not waiting.detained


def test_places_are_never_exceeded_and_detention_days_add_up_under_mixed_charges():
    """Poisson arrests on charges of three weights into 3 places: the places held never exceed the capacity, and
    the accused-days in detention equal the sum over cases of their time held (arrest or taking a place, to
    the verdict or to giving it up)."""
    legal = dataclasses.replace(BASE, detention_capacity=3, abscond_probability=0.3, procedural_delay_days=20.0)
    model = mesa.Model(rng=6)
    held_since, held_days, peak = {}, [0.0], [0]
    court = CourtSystem(model, legal, steps_per_day=1.0)

    def release(case):  # at a verdict, or a release (at arrest, for a case never held, or from a place)
        since = held_since.pop(case.case_id, None)
        if since is not None:
            held_days[0] += court.now_day - since

    court.on_release = court.on_verdict = release
    rng = np.random.default_rng(6)

    class MixedArrests:
        def arrive(self):
            case = court.file_case(None, 0, sentence_years=float(rng.choice([1.5, 6.0, 9.0])))
            if case.detained:
                held_since[case.case_id] = court.now_day
            peak[0] = max(peak[0], court.detained_now)
            model.schedule_event(self.arrive, after=float(rng.exponential(5.0)))

    model.arrests = MixedArrests()
    model.schedule_event(model.arrests.arrive, after=1.0)
    model.run_until(3000.0)
    assert court.released > 50 and peak[0] == 3
    open_held = sum(court.now_day - since for since in held_since.values())
    assert held_days[0] + open_held == pytest.approx(court.detention_days, rel=1e-9)


def test_a_cross_jurisdiction_case_takes_its_extra_procedure():
    """The model says whether a case needs the other jurisdiction's evidence and how long that takes (the
    cooperation lever's delay); the court adds it to the procedure, and only for such a case."""
    model = mesa.Model(rng=5)
    court = CourtSystem(model, dataclasses.replace(BASE, courts=4), steps_per_day=1.0)
    assert court.file_case(1, 0, cross_jurisdiction=True, cross_jurisdiction_days=30.0).pretrial_days == 90.0
    assert court.file_case(2, 0, cross_jurisdiction=True, cross_jurisdiction_days=120.0).pretrial_days == 180.0
    assert court.file_case(3, 0, cross_jurisdiction=False, cross_jurisdiction_days=120.0).pretrial_days == 60.0
    assert court.file_case(4, 0).pretrial_days == 60.0 and not court.open_cases[4].cross_jurisdiction


def test_linked_records_add_evidence_that_rises_with_their_number():
    model = mesa.Model(rng=5)
    court = CourtSystem(model, BASE, steps_per_day=1.0)
    evidence = [court.evidence_now(court.file_case(n, 0, evidence=0.5, shared_evidence=n)) for n in range(5)]
    assert evidence == pytest.approx([0.5 + BASE.shared_evidence_bonus * (1 - 0.5**n) for n in range(5)])
    assert all(b > a for a, b in itertools.pairwise(evidence))


def test_callbacks_receive_the_right_cases():
    legal = dataclasses.replace(BASE, detention_capacity=5, abscond_probability=0.5)
    verdicts, releases, abscondments = [], [], []
    model = mesa.Model(rng=6)
    court = CourtSystem(
        model,
        legal,
        steps_per_day=1.0,
        on_verdict=verdicts.append,
        on_release=releases.append,
        on_abscond=abscondments.append,
    )
    filed = {court.file_case(f"trafficker-{i}", i % 3, evidence=0.9).case_id: i for i in range(40)}
    model.run_until(5000.0)
    assert court.backlog == 0
    assert len(verdicts) == court.decided and len(abscondments) == court.absconded > 0
    assert {c.case_id for c in verdicts} | {c.case_id for c in abscondments} == set(filed)
    assert all(c.outcome in (CaseOutcome.CONVICTED, CaseOutcome.ACQUITTED) for c in verdicts)
    assert sum(c.outcome is CaseOutcome.CONVICTED for c in verdicts) == court.convicted
    assert all(c.accused == f"trafficker-{filed[c.case_id]}" and c.network_id == filed[c.case_id] % 3 for c in verdicts)
    assert {c.case_id for c in abscondments} <= {c.case_id for c in releases}
    assert [c.case_id for c in releases] == list(range(6, 41)), "the first five hold the detention places"
    assert all(c.stage is CaseStage.CLOSED and c.closed_day is not None for c in verdicts + abscondments)


def test_case_timeline_in_days_with_sub_daily_steps():
    """Half-hour model steps: delays, evidence decay and every figure come out in days."""
    legal = dataclasses.replace(
        BASE, courts=1, trial_distribution="fixed", trial_days_mean=20.0, procedural_delay_days=40.0
    )
    model = mesa.Model(rng=8)
    court = CourtSystem(model, legal, steps_per_day=48.0)
    model.run_for(48 * 5)  # arrest on day 5
    first = court.file_case("x", 1, evidence=0.8, shared_evidence=3)
    second = court.file_case("y", 1, evidence=0.8)
    model.run_for(48 * 100)
    assert (first.arrest_day, first.queued_day, first.trial_start_day, first.closed_day) == pytest.approx(
        (5.0, 45.0, 45.0, 65.0)
    )
    assert (second.queued_day, second.trial_start_day, second.closed_day) == pytest.approx((45.0, 65.0, 85.0))
    assert second.wait_days == pytest.approx(20.0) and first.wait_days == pytest.approx(0.0)
    assert first.evidence_at_verdict == pytest.approx(0.8 * 0.5 ** (60.0 / 180.0) + 0.1 * (1 - 0.5**3))
    assert second.evidence_at_verdict == pytest.approx(0.8 * 0.5 ** (80.0 / 180.0))
    assert court.mean_days_to_verdict == pytest.approx(70.0) and court.mean_wait_days == pytest.approx(10.0)
    # Day 5 to 105: one case in procedure 40 days, the other also 40; in queue 20; in trial 40.
    assert court.time_average_open_cases("procedure") == pytest.approx(80.0 / 105.0)
    assert court.time_average_open_cases("queue") == pytest.approx(20.0 / 105.0)
    assert court.time_average_open_cases("trial") == pytest.approx(40.0 / 105.0)
    assert court.time_average_open_cases() == pytest.approx(140.0 / 105.0)


def test_without_courts_the_backlog_only_grows():
    model = mesa.Model(rng=9)
    court = CourtSystem(model, dataclasses.replace(BASE, courts=0, procedural_delay_days=0.0), steps_per_day=1.0)
    model.arrests = Arrests(model, court, rate_per_day=1.0)
    backlog = []
    for _ in range(5):
        model.run_for(100)
        backlog.append(court.backlog)
    assert backlog == sorted(backlog) and backlog[-1] == court.filed == court.queue_length
    assert court.decided == 0 and math.isnan(court.mean_days_to_verdict) and court.cost(365) == 0.0


def test_court_works_when_the_caller_keeps_no_case():
    """Mesa holds scheduled callbacks weakly: the court itself must keep open cases alive."""
    model = mesa.Model(rng=10)
    court = CourtSystem(model, BASE, steps_per_day=1.0)
    for i in range(20):
        court.file_case(i, 0)
    gc.collect()
    model.run_until(2000.0)
    assert court.decided == 20 and court.backlog == 0


@pytest.mark.parametrize("distribution", ["exponential", "lognormal", "fixed"])
def test_trial_durations_have_the_requested_mean(distribution):
    legal = dataclasses.replace(BASE, trial_distribution=distribution, trial_days_mean=30.0)
    court = CourtSystem(mesa.Model(rng=12), legal, steps_per_day=1.0)
    draws = np.array([court.draw_trial_days() for _ in range(40_000)])
    # Both random distributions have sd = mean, so the sample mean's SE is 30 / 200 = 0.15 days.
    assert draws.mean() == pytest.approx(30.0, abs=0.45), f"{distribution}: mean {draws.mean():.2f} days"
    expected_sd = 0.0 if distribution == "fixed" else 30.0
    assert draws.std() == pytest.approx(expected_sd, abs=1.5), f"{distribution}: sd {draws.std():.2f} days"


def test_same_seed_same_results_and_another_seed_differs():
    legal = dataclasses.replace(BASE, detention_capacity=3, abscond_probability=0.3)

    def fingerprint(seed):
        court = run_court(legal, seed, days=2000.0, rate_per_day=0.05, witness_share=0.4, evidence=0.9)
        return court.summary(), [(c.case_id, c.outcome, c.closed_day) for c in court.closed_cases]

    assert fingerprint(21) == fingerprint(21)
    assert fingerprint(21) != fingerprint(22)


def test_cost_and_bad_arguments():
    model = mesa.Model(rng=13)
    court = CourtSystem(model, dataclasses.replace(BASE, courts=3, cost_per_court_per_year=730_000.0), 1.0)
    assert court.cost(days=10) == pytest.approx(3 * 730_000.0 * 10 / 365)
    with pytest.raises(ValueError, match=r"evidence must be between 0 and 1, got 1\.5"):
        court.file_case("x", 0, evidence=1.5)
    with pytest.raises(ValueError, match="steps_per_day"):
        CourtSystem(model, BASE, steps_per_day=0)
    with pytest.raises(ValueError, match="kind must be one of"):
        court.time_average_open_cases("waiting")


def test_the_indexes_of_open_cases_agree_with_a_search_of_every_case():
    """The courts keep the open cases by accused and the detained ones by charge (indexes, so that a long border's
    thousands of cases are not searched at every arrest): at every filing of a long mixed run, the accused given up
    their place and each accused's open cases are those a search of every open case finds."""
    legal = dataclasses.replace(BASE, detention_capacity=5, abscond_probability=0.3, procedural_delay_days=20.0)
    released = []
    model = mesa.Model(rng=11)
    court = CourtSystem(model, legal, steps_per_day=1.0, on_release=released.append)
    rng = np.random.default_rng(11)
    accused = [f"member {k}" for k in range(12)]
    displaced = 0
    for day in range(1, 401):
        model.run_until(float(day))
        years = float(rng.choice([1.0, 1.5, 3.0, 6.0, 9.0]))
        held = [c for c in court.open_cases.values() if c.detained]
        lightest = min(held, key=lambda c: (c.charged_years, -c.arrest_day, -c.case_id)) if held else None
        expected = lightest if len(held) >= 5 and lightest.charged_years < years else None
        before = len(released)
        case = court.file_case(accused[int(rng.integers(len(accused)))], 0, sentence_years=years)
        if len(held) >= 5:
            given_up = released[before] if len(released) > before and released[before] is not case else None
            assert given_up is expected, day
            displaced += expected is not None
        for name in accused:
            assert court.open_cases_of(name) == [c for c in court.open_cases.values() if c.accused == name]
    assert court.filed == 400 and court.decided + court.absconded + court.backlog == 400
    assert displaced >= 5, "the run must give places up often enough to test the choice"
