"""Legal delay as a lever: pleas in the shadow of trial, dismissals and reduced charges, witnesses lost to time,
the discount of a late punishment, and the books of a border model's courts.

The bare-court tests run a :class:`CourtSystem` on a ``mesa.Model`` with one day per time unit; arrivals draw
from their own generator and the court from its own, so that both arms of a comparison (paired seeds) see the
same arrests.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from pathlib import Path

import mesa
import numpy as np
import pytest

from sim.model.border_model import BorderModel
from sim.model.legal import CaseOutcome, CourtSystem, Disposition, time_discount
from sim.scenario import Legal

CLASSROOM = Path(__file__).resolve().parents[1] / "scenarios" / "classroom.toml"
SEEDS = range(6)

#: Plenty of courts, fixed trials, nobody released: every delay is the procedure's or the trial's.
CALM = Legal(
    courts=1000,
    trial_days_mean=20.0,
    trial_distribution="fixed",
    procedural_delay_days=60.0,
    detention_capacity=10**6,
    abscond_probability=0.0,
)


class Filings:
    """Files a case every ``gap`` days with the given arguments, until ``until``."""

    def __init__(self, model: mesa.Model, court: CourtSystem, gap: float, until: float, **case):
        self.model, self.court, self.gap, self.until, self.case = model, court, gap, until, case
        model.schedule_event(self.file, after=gap)

    def file(self) -> None:
        if self.model.time > self.until:
            return
        self.court.file_case(accused=None, **self.case)
        self.model.schedule_event(self.file, after=self.gap)


def court_run(legal: Legal, seed: int, days: float = 2500.0, until: float = 2000.0, **case) -> CourtSystem:
    model = mesa.Model(rng=seed)
    court = CourtSystem(model, legal, steps_per_day=1.0, rng=np.random.default_rng(500 + seed))
    model.filings = Filings(model, court, gap=2.0, until=until, **case)
    model.run_until(days)
    return court


def pooled(legal: Legal, **case) -> Counter:
    """Dispositions and witness books pooled over the paired seeds."""
    total: Counter = Counter()
    for seed in SEEDS:
        court = court_run(legal, seed, **case)
        assert not court.open_cases
        total.update(c.disposition.value for c in court.closed_cases)
        total["convicted"] += court.convicted
        total["reduced"] += court.reduced
        total["witnesses"] += court.witnesses
        total["witnesses_lost"] += court.witnesses_lost
        total["witness_victims"] += court.witness_victims
        total["victims_testified"] += court.victims_testified
        total["filed"] += court.filed
    return total


def plea_share(total: Counter) -> float:
    return total["plea"] / total["filed"]


def test_the_plea_comes_after_the_procedure():
    """No case is disposed of before its procedure ends: pleas 60 + 30 days after arrest, trials after 60 + 20."""
    court = court_run(CALM, seed=1, evidence=0.8)
    pleas = [c for c in court.closed_cases if c.disposition is Disposition.PLEA]
    trials = [c for c in court.closed_cases if c.disposition is Disposition.TRIAL]
    assert pleas and trials
    assert {round(c.days_to_verdict, 9) for c in pleas} == {90.0}
    assert {round(c.days_to_verdict, 9) for c in trials} == {80.0}
    assert all(c.decision_day - c.arrest_day == pytest.approx(60.0) for c in court.closed_cases)


def test_a_heavier_charge_pleads_less():
    """Landes 1971: the same evidence, a 1.5-year charge against a 9-year one (an organiser's trafficking
    charge): the trial cost weighs less against the heavier stake, so fewer plead."""
    light = pooled(CALM, evidence=0.8, sentence_years=1.5)
    heavy = pooled(CALM, evidence=0.8, sentence_years=9.0)
    n = light["filed"]
    assert plea_share(light) - plea_share(heavy) > 0.3, (plea_share(light), plea_share(heavy), n)
    assert plea_share(light) <= CALM.plea_share + 4 * math.sqrt(0.03 * 0.97 / n)


def test_stronger_evidence_pleads_more():
    weak = pooled(CALM, evidence=0.6, sentence_years=6.0)
    strong = pooled(CALM, evidence=1.0, sentence_years=6.0, witness=True)
    assert plea_share(strong) - plea_share(weak) > 0.3, (plea_share(weak), plea_share(strong))


def test_the_plea_probability_follows_the_stated_rule():
    """plea_share x Phi((p S + c - S_offer) / (sd S)) at a few points, and the step at sd 0."""
    court = CourtSystem(mesa.Model(rng=0), CALM, steps_per_day=1.0)
    case = court.file_case(accused=None, evidence=1.0, sentence_years=6.0)
    offer = 6.0 * (1 - CALM.plea_sentence_discount)
    for p in (0.3, 0.53, 0.7):
        chance, reduced = court.plea_probability(case, p)
        z = (p * 6.0 + CALM.trial_cost_years - offer) / (CALM.plea_belief_sd * 6.0)
        assert chance == pytest.approx(CALM.plea_share * 0.5 * (1 + math.erf(z / math.sqrt(2))))
        assert not reduced  # no lesser charge
    step = CourtSystem(mesa.Model(rng=0), dataclasses.replace(CALM, plea_belief_sd=0.0), steps_per_day=1.0)
    case = step.file_case(accused=None, evidence=1.0, sentence_years=6.0)
    assert step.plea_probability(case, 0.5)[0] == 0.0 and step.plea_probability(case, 0.6)[0] == CALM.plea_share


def test_weak_cases_are_dismissed_and_weak_trafficking_cases_pleaded_down():
    """Evidence 0.3 (p = 0.55 x 0.3 x decay < 0.2): dismissed, never tried. Evidence 0.6 on a 6-year charge
    with a 1.5-year lesser charge (p about 0.26, below the reduction threshold): offered smuggling, most plead
    to it with the lesser sentence discounted."""
    weak = court_run(CALM, seed=2, evidence=0.3)
    assert weak.dismissed == weak.filed == weak.acquitted and weak.trials_started == 0
    assert {c.disposition for c in weak.closed_cases} == {Disposition.DISMISSED}
    court = court_run(CALM, seed=3, evidence=0.6, sentence_years=6.0, lesser_years=1.5)
    pleas = [c for c in court.closed_cases if c.by_plea]
    assert len(pleas) > 0.9 * court.filed and all(c.reduced for c in pleas) and court.reduced == len(pleas)
    assert [c.sentence_years for c in pleas] == pytest.approx([1.5 * (1 - CALM.plea_sentence_discount)] * len(pleas))
    # The same evidence without a lesser charge: the 6-year stake goes to trial.
    unreduced = court_run(CALM, seed=3, evidence=0.6, sentence_years=6.0)
    assert unreduced.reduced == 0 and unreduced.pleas < 0.2 * unreduced.filed


def test_witnesses_are_lost_at_the_stated_hazard_while_the_case_waits():
    """A witness is lost within the 60-day procedure with probability 1 - exp(-h x 60 / 365); a lost witness
    never counts at the plea decision, and witnesses lost never exceed witnesses."""
    hazard = 2.0
    total = pooled(CALM, evidence=0.8, witness=True, witness_loss_per_year=hazard)
    n = total["witnesses"]
    assert n == total["filed"] and total["witnesses_lost"] <= n
    expected = 1 - math.exp(-hazard * 60 / 365)
    assert total["witnesses_lost"] / n == pytest.approx(expected, abs=4 * math.sqrt(expected * (1 - expected) / n))
    none = pooled(CALM, evidence=0.8, witness=True, witness_loss_per_year=0.0)
    assert none["witnesses_lost"] == 0
    # Losing the witness costs pleas and convictions: the paired arms differ only by the loss.
    assert total["convicted"] < none["convicted"] and total["plea"] < none["plea"]


def test_a_longer_procedure_loses_witnesses_dismisses_more_and_convicts_less():
    """Evidence decays with its half-life and witnesses are lost while the procedure runs (paired seeds)."""
    short = pooled(CALM, evidence=0.8, witness=True, witness_loss_per_year=0.7, sentence_years=6.0, lesser_years=1.5)
    slow = dataclasses.replace(CALM, procedural_delay_days=365.0)
    long = pooled(slow, evidence=0.8, witness=True, witness_loss_per_year=0.7, sentence_years=6.0, lesser_years=1.5)
    assert short["filed"] == long["filed"]
    assert long["witnesses_lost"] > 3 * short["witnesses_lost"]
    assert long["dismissed"] > short["dismissed"] + 0.1 * short["filed"]
    assert long["convicted"] < short["convicted"] - 0.1 * short["filed"]
    # Every case closes in both arms (no censoring): the victims who testify fall with the witnesses lost alone.
    assert long["victims_testified"] < short["victims_testified"] - 0.1 * short["filed"]


def test_victims_testify_when_their_case_is_decided_before_they_are_lost():
    """Three victims testify on every case, lost together at the hazard: a case decided by a plea or a trial with
    them still there counts its three; one that lost them, or was dismissed, counts none."""
    court = court_run(CALM, seed=4, evidence=0.5, witness=3, witness_loss_per_year=2.0)
    assert not court.open_cases and court.witness_victims == 3 * court.filed == 3 * court.witnesses
    heard = [c for c in court.closed_cases if c.disposition in (Disposition.PLEA, Disposition.TRIAL)]
    kept = [c for c in heard if not c.witness_lost]
    assert 0 < len(kept) < len(heard), "some were lost while their case waited, some were not"
    assert court.victims_testified == 3 * len(kept) == sum(c.witnesses for c in kept)
    dismissed = [c for c in court.closed_cases if c.disposition is Disposition.DISMISSED and not c.witness_lost]
    assert court.victims_testified + 3 * court.witnesses_lost + 3 * len(dismissed) == court.witness_victims
    never = court_run(CALM, seed=4, evidence=0.5, witness=3, witness_loss_per_year=0.0)
    assert never.witnesses_lost == 0 and never.victims_testified > court.victims_testified
    with pytest.raises(ValueError, match="count of victims"):
        court.file_case(accused=None, evidence=0.5, witness=-1)


def test_the_penalty_discount_follows_the_time_to_punishment():
    """Before a conviction: the shortest path (procedure + plea procedure); after: the mean days from arrest to
    conviction, discounted at legal.offender_discount_per_year."""
    assert time_discount(0.0, 0.5) == 1.0 and time_discount(365.0, 0.5) == pytest.approx(math.exp(-0.5))
    assert time_discount(365.0, 0.0) == 1.0
    legal = dataclasses.replace(CALM, trial_cost_years=100.0)  # every case pleads: 90 days to conviction
    model = mesa.Model(rng=0)
    court = CourtSystem(model, legal, steps_per_day=1.0)
    assert court.mean_days_to_punishment() == 90.0
    court.file_case(accused=None, evidence=1.0)
    model.run_until(100.0)
    assert court.pleas == 1 and court.mean_days_to_punishment() == pytest.approx(90.0)
    assert court.penalty_discount() == pytest.approx(math.exp(-legal.offender_discount_per_year * 90 / 365))
    slow = dataclasses.replace(legal, procedural_delay_days=365.0)
    assert CourtSystem(mesa.Model(rng=0), slow, 1.0).penalty_discount() < court.penalty_discount()


def test_protection_lowers_the_witness_hazard_in_the_model():
    for protection, factor in (("none", 1.0), ("strong", 0.3)):
        model = BorderModel(CLASSROOM, seed=1, overrides={"victims.protection": protection})
        legal = model.spec.legal
        assert model.enforcement.witness_loss_per_year() == pytest.approx(legal.witness_loss_per_year * factor)


@pytest.mark.parametrize("seed", [1, 2])
def test_the_books_of_a_border_models_courts(seed):
    """A busy classroom over 120 days with fast courts and a long procedure: every case ends exactly once,
    dispositions counted by kind add up, witnesses lost never exceed witnesses, detention books exact."""
    busy = {
        "crossers.per_day": 20.0,
        "traffickers.networks": 3,
        "legal.procedural_delay_days": 20.0,
        "legal.trial_days_mean": 3.0,
        "legal.detention_capacity": 5,
        "legal.witness_loss_per_year": 5.0,
    }
    model = BorderModel(CLASSROOM, seed=seed, overrides=busy)
    model.courts.keep_history = True  # no case has closed yet
    for _ in range(math.ceil(120 * model.steps_per_day)):
        model.step()
    courts, counters = model.courts, model.accounts.counters
    closed_ids = [c.case_id for c in courts.closed_cases]
    assert len(closed_ids) == len(set(closed_ids)) == courts.closed
    assert not set(closed_ids) & set(courts.open_cases)
    assert courts.filed == courts.closed + courts.backlog
    disposed = sum(counters[f"cases_disposed_{d}"] for d in ("plea", "trial", "dismissed"))
    assert disposed == courts.decided and courts.pleas == counters["cases_disposed_plea"] > 0
    assert counters["cases_disposed_dismissed"] == courts.dismissed
    assert courts.witnesses_lost <= courts.witnesses
    # Witnesses lost are counted when lost, while their case still waits for them: recounted from the cases, a
    # case lost its witnesses if their loss time came before the end of its wait (the plea decision of a plea or a
    # dismissal, the verdict of a trial, an abscond; now for a case still waiting).
    now = courts.now_day
    every = [*courts.closed_cases, *courts.open_cases.values()]

    def end_of_wait(c):
        if c.disposition in (Disposition.PLEA, Disposition.DISMISSED) or (c.is_open and c.witness_done):
            return c.decision_day
        return now if c.is_open else c.closed_day

    lost = [c for c in every if c.witness and c.arrest_day + c.witness_lost_after <= end_of_wait(c)]
    assert all(c.witness_lost for c in lost)
    assert sum(c.witness_lost for c in every) == len(lost) == courts.witnesses_lost == counters["witnesses_lost"]
    # The share's count is that of the cases disposed of (not absconded) after their witnesses were lost.
    disposed_lost = [c for c in courts.closed_cases if c.witness_lost and c.disposition is not Disposition.ABSCONDED]
    assert counters["witnesses_lost_disposed"] == len(disposed_lost) <= courts.witnesses_lost
    assert counters["witnesses_heard"] + counters["witnesses_lost_disposed"] <= courts.witnesses
    # Victims testify when their case is decided by a plea or a trial with them still there, at most once each.
    heard = [
        c
        for c in courts.closed_cases
        if c.disposition in (Disposition.PLEA, Disposition.TRIAL) and c.witness and not c.witness_lost
    ]
    assert counters["victims_testifying"] == sum(c.witnesses for c in heard)
    assert counters["victims_testifying"] <= courts.victims_testified <= courts.witness_victims
    assert courts.witness_victims <= counters["victims_agreeing_to_testify"]
    # The accused at work: members at liberty awaiting a verdict, a part of the networks' active members.
    out = model.outcomes()
    at_liberty = {c.accused for c in courts.open_cases.values() if not c.detained}
    assert 0 < out["accused_at_work"] <= min(len(at_liberty), out["network_active_members"])
    # The networks' capacity over the period: the members at work at the ends of the days, averaged.
    daily = [row["network_active_members"] for row in model.accounts.timeseries]
    assert len(daily) == 120 and out["mean_active_members"] == pytest.approx(sum(daily) / len(daily), abs=5e-4)
    assert sum(counters[f"pleas_to_{c}"] for c in ("trafficking", "smuggling")) == courts.pleas
    now = courts.now_day
    cases = [*courts.closed_cases, *courts.open_cases.values()]
    assert courts.detention_days == pytest.approx(sum(c.days_detained(now) for c in cases), rel=1e-9)
    assert all(c.outcome is not CaseOutcome.PENDING for c in courts.closed_cases)


def test_witnesses_lost_while_cases_wait_lower_the_victims_who_testify_in_the_model():
    """The busy classroom over 120 days, paired seeds: the same 20-day procedure without and with a high witness
    hazard. Victims agree to testify as often, but fewer of them are still there when their case is decided."""
    busy = {
        "crossers.per_day": 20.0,
        "traffickers.networks": 3,
        "legal.procedural_delay_days": 20.0,
        "legal.trial_days_mean": 3.0,
    }
    totals = {}
    for hazard in (0.0, 20.0):  # 20 a year, unprotected: 2 witnesses in 3 lost over a 20-day wait
        total: Counter = Counter()
        for seed in (1, 2):
            loss = {"legal.witness_loss_per_year": hazard, "legal.witness_loss_protection_factor": 1.0}
            model = BorderModel(CLASSROOM, seed=seed, overrides={**busy, **loss})
            for _ in range(math.ceil(120 * model.steps_per_day)):
                model.step()
            total.update({k: model.accounts.counters[k] for k in ("victims_agreeing_to_testify", "victims_testifying")})
            total["witnesses_lost"] += model.courts.witnesses_lost
        totals[hazard] = total
    kept, lost = totals[0.0], totals[20.0]
    assert kept["witnesses_lost"] == 0 < lost["witnesses_lost"]
    assert kept["victims_testifying"] > 0
    assert lost["victims_testifying"] < 0.7 * kept["victims_testifying"], (kept, lost)


def test_the_median_time_to_disposition_by_charge_is_free_of_the_run_length():
    """Trafficking cases with a four-times-longer procedure (every case tried, fixed 20-day trials on free courts):
    the Kaplan-Meier median from filing to disposition is 4 x 60 + 20 = 260 days whether the run stops at 400
    days (many cases still open, censored) or at 1,000. Smuggling cases keep the 80 days of the base procedure.
    A run shorter than the median gives NaN: it cannot show it."""
    legal = dataclasses.replace(CALM, plea_share=0.0, dismissal_threshold=0.0)
    medians = {}
    for days in (400.0, 1000.0):
        court = court_run(legal, 1, days=days, until=days, charge="trafficking", procedure_factor=4.0)
        medians[days] = court.median_days_to_disposition("trafficking")
        assert court.open_cases, "cases filed in the last 260 days are still open"
    assert medians[400.0] == pytest.approx(260.0, abs=1.0) and medians[1000.0] == pytest.approx(260.0, abs=1.0)
    smuggling = court_run(legal, 1, days=400.0, until=400.0, charge="smuggling")
    assert smuggling.median_days_to_disposition("smuggling") == pytest.approx(80.0, abs=1.0)
    assert math.isnan(smuggling.median_days_to_disposition("trafficking")), "no trafficking case filed"
    short = court_run(legal, 1, days=200.0, until=200.0, charge="trafficking", procedure_factor=4.0)
    assert math.isnan(short.median_days_to_disposition("trafficking")), "no case can close within 200 days"


def test_the_median_time_to_disposition_by_method_counts_the_cases_disposed_of_whenever_filed():
    """Pleas close 60 + 30 days after filing, trials 60 + 20 (fixed trials on free courts): the medians by method
    are 90 and 80 days. They count the cases disposed of since the books opened, whenever filed (the federal
    courts' count), so after books opened once every filing is past they still read 90 and 80, where the
    Kaplan-Meier median by charge, which follows the cases filed since, has none."""
    legal = dataclasses.replace(CALM, plea_share=0.5, plea_belief_sd=0.0, trial_cost_years=100.0)
    court = court_run(legal, 1, days=400.0, until=100.0, charge="smuggling")
    methods = Counter(c.disposition.value for c in court.closed_cases)
    assert methods["plea"] > 5 and methods["trial"] > 5, methods
    assert court.median_days_by_method("plea") == pytest.approx(90.0)
    assert court.median_days_by_method(Disposition.TRIAL) == pytest.approx(80.0)
    assert math.isnan(court.median_days_by_method("dismissed")), "nothing dismissed"

    model = mesa.Model(rng=1)
    late = CourtSystem(model, legal, steps_per_day=1.0, rng=np.random.default_rng(501))
    model.filings = Filings(model, late, gap=2.0, until=100.0, charge="smuggling")
    model.run_until(150.0)
    late.open_books()
    assert math.isnan(late.median_days_by_method("plea")), "nothing disposed of since the books opened"
    model.run_until(400.0)
    assert late.median_days_by_method("plea") == pytest.approx(90.0)
    assert late.median_days_by_method("trial") == pytest.approx(80.0)
    assert math.isnan(late.median_days_to_disposition("smuggling")), "no case filed since the books opened"
    with pytest.raises(ValueError, match="method of disposition"):
        late.median_days_by_method("")
    with pytest.raises(ValueError):
        late.median_days_by_method("verdict")


def test_a_case_bound_for_trial_prepares_before_it_queues_and_its_witnesses_may_be_lost_meanwhile():
    """With 100 days of trial preparation a trial closes 60 + 100 + 20 = 180 days after filing (against 80
    without), later than a plea (60 + 30 = 90 days, unchanged), as in the courts; the case stays in its procedure
    while it prepares. A witness lost after the plea
    decision but before the trial is lost to a prepared case and heard by an unprepared one."""
    legal = dataclasses.replace(CALM, plea_share=0.5, plea_belief_sd=0.0, trial_cost_years=100.0)
    prepared = dataclasses.replace(legal, trial_preparation_days=100.0)
    fast, slow = (court_run(x, 1, days=600.0, until=100.0, charge="smuggling") for x in (legal, prepared))
    assert fast.median_days_by_method("trial") == pytest.approx(80.0)
    assert slow.median_days_by_method("trial") == pytest.approx(180.0)
    assert slow.median_days_by_method("plea") == fast.median_days_by_method("plea") == pytest.approx(90.0)

    model = mesa.Model(rng=0)
    court = CourtSystem(model, dataclasses.replace(prepared, plea_share=0.0, dismissal_threshold=0.0), 1.0)
    case = court.file_case(accused=None, charge="smuggling", witness=True)
    case.witness_lost_after = 120.0  # lost 120 days after filing: after the plea decision, before the trial
    model.run_until(100.0)
    assert court.in_procedure == 1 and court.queue_length == 0 and court.in_trial == 0
    model.run_until(400.0)
    assert case.disposition is Disposition.TRIAL and case.closed_day == pytest.approx(180.0)
    assert court.witnesses_lost == 1


def test_witnesses_are_counted_lost_when_lost_even_in_a_year_that_decides_no_case():
    """A 365-day procedure: for a year no case is decided, yet the witnesses its waiting cases lose are counted at
    the moment each is lost (``on_witness_lost``). A witness lost after a plea decision that ended in a plea is
    not a loss to the case; one lost while a case bound for trial waits for its trial is."""
    legal = dataclasses.replace(CALM, procedural_delay_days=365.0)
    model = mesa.Model(rng=3)
    seen = []
    court = CourtSystem(
        model,
        legal,
        1.0,
        rng=np.random.default_rng(3),
        on_witness_lost=lambda case: seen.append((model.time, case)),
    )
    model.filings = Filings(model, court, gap=2.0, until=200.0, witness=True, witness_loss_per_year=1.0)
    model.run_until(364.0)
    cases = list(court.open_cases.values())
    assert court.decided == 0 and len(cases) == 100
    lost = [c for c in cases if c.arrest_day + c.witness_lost_after <= 364.0]
    assert 20 < len(lost) < 80 and court.witnesses_lost == len(seen) == len(lost)
    assert all(case.witness_lost for case in lost) and sum(c.witness_lost for c in cases) == len(lost)
    for when, case in seen:  # each counted at its loss time (within the step's rounding)
        assert when == pytest.approx(case.arrest_day + case.witness_lost_after, abs=1.0)

    # One plea, one trial, the same loss time, 100 days after the plea decision.
    pleas = dataclasses.replace(CALM, plea_share=1.0, plea_belief_sd=0.0, trial_cost_years=100.0)
    trials = dataclasses.replace(pleas, plea_share=0.0, trial_preparation_days=200.0)
    for legal, counted in ((pleas, 0), (trials, 1)):
        model = mesa.Model(rng=0)
        court = CourtSystem(model, legal, 1.0)
        draw = 1.0 - math.exp(-160.0 / 365.0)  # the uniform whose exponential loss time is 160 days at 1 a year
        court.file_case(accused=None, charge="smuggling", witness=True, witness_loss_per_year=1.0, rng=Fixed(draw))
        model.run_until(500.0)
        assert court.decided == 1 and court.witnesses_lost == counted, legal


class Fixed:
    """A stand-in generator whose uniforms are all ``u``."""

    def __init__(self, u: float):
        self.u = u

    def random(self, size=None):
        return self.u if size is None else np.full(size, self.u)


def test_the_median_time_to_disposition_by_method_is_the_median_of_the_cases_disposed_of():
    """Exponential trials on two courts (a queue): the durations of the cases tried vary, and the median by
    method is the median of the days from filing to disposition of the cases closed that way (pleas all take the
    procedure and the plea procedure, 90 days)."""
    legal = dataclasses.replace(CALM, courts=2, trial_distribution="exponential", plea_share=0.5, plea_belief_sd=0.0)
    legal = dataclasses.replace(legal, trial_cost_years=100.0, abscond_probability=0.2, detention_capacity=5)
    court = court_run(legal, 2, days=2500.0, until=2000.0)
    for method in ("plea", "trial", "absconded"):
        days = [c.closed_day - c.arrest_day for c in court.closed_cases if c.disposition.value == method]
        assert len(days) > 20 and (method == "plea" or len(set(days)) > 20), (method, len(days))
        assert court.median_days_by_method(method) == pytest.approx(float(np.median(days)))


def test_a_border_model_reports_the_medians_the_courts_report():
    """The outcomes are the court system's figures: by charge (Kaplan-Meier) and by method (disposed of)."""
    model = BorderModel(CLASSROOM, seed=1, overrides={"legal.procedural_delay_days": 10.0})
    for _ in range(math.ceil(120 * model.steps_per_day)):
        model.step()
    outcomes, courts = model.outcomes(), model.courts
    assert courts.pleas > 0
    for name, figure in {
        "median_days_to_disposition_smuggling": courts.median_days_to_disposition("smuggling"),
        "median_days_to_disposition_trafficking": courts.median_days_to_disposition("trafficking"),
        "median_days_to_disposition_plea": courts.median_days_by_method("plea"),
        "median_days_to_disposition_trial": courts.median_days_by_method("trial"),
    }.items():
        assert outcomes[name] == pytest.approx(round(figure, 1), nan_ok=True), name
    assert outcomes["median_days_to_disposition_plea"] >= 10.0 + Legal().plea_procedure_days - 1e-9
