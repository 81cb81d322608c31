"""Pleas (``legal.plea_share``, ``plea_procedure_days``, ``plea_sentence_discount``) with the shadow of trial
turned off: a trial cost far above any sentence (``trial_cost_years``) makes every defendant accept, so the plea
probability is ``plea_share`` itself, and nothing is dismissed (``dismissal_threshold`` 0). The shadow of trial
itself: tests/test_legal_delay.py.

A case resolved by plea is a conviction after its procedure and the plea procedure, without queue or trial,
with the sentence discounted. The bare-court tests run a :class:`CourtSystem` on a ``mesa.Model`` with one day per
time unit; the model tests run the classroom for a few weeks.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import mesa
import numpy as np
import pytest

from sim.model.border_model import BorderModel
from sim.model.legal import CaseOutcome, CourtSystem
from sim.runner import run
from sim.scenario import Legal

CLASSROOM = Path(__file__).resolve().parents[1] / "scenarios" / "classroom.toml"

#: A short busy classroom run with fast courts: enough arrests and verdicts in 30 days.
BUSY = {
    "crossers.per_day": 20.0,
    "traffickers.networks": 3,
    "legal.procedural_delay_days": 2.0,
    "legal.trial_days_mean": 2.0,
    "legal.courts": 2,
    "legal.trial_cost_years": 100.0,  # every defendant accepts: the plea probability is plea_share
    "legal.dismissal_threshold": 0.0,
}


#: Outcomes of ``run(CLASSROOM, BUSY, seed=1, days=30)`` before pleas existed (every case tried).
class Arrivals:
    """Files a case at Poisson times drawn from its own generator, so that two courts see the same arrivals
    whatever each draws for its cases; stops filing after ``until`` days."""

    def __init__(self, model: mesa.Model, court: CourtSystem, rate: float, seed: int, until: float = math.inf):
        self.model, self.court, self.until = model, court, until
        self.rng = np.random.default_rng(seed)
        self.mean_gap = 1.0 / rate
        self.times: list[float] = []
        model.schedule_event(self.arrive, after=self.rng.exponential(self.mean_gap))

    def arrive(self) -> None:
        if self.model.time > self.until:
            return
        self.times.append(self.model.time)
        self.court.file_case(accused=None, evidence=0.8)
        self.model.schedule_event(self.arrive, after=self.rng.exponential(self.mean_gap))


def court_run(legal: Legal, seed: int, days: float, rate: float, until: float = math.inf) -> CourtSystem:
    model = mesa.Model(rng=seed)
    court = CourtSystem(model, legal, steps_per_day=1.0)
    model.arrivals = Arrivals(model, court, rate, seed=1000 + seed, until=until)
    model.run_until(days)
    return court


#: No queueing (plenty of courts), fixed trials, no cross-jurisdiction delay, no release: a trial verdict
#: comes exactly procedural_delay_days + trial_days_mean after the arrest, a plea procedural_delay_days +
#: plea_procedure_days after; the plea probability is plea_share, and nothing is dismissed.
CLOCKWORK = Legal(
    courts=1000,
    trial_days_mean=20.0,
    trial_distribution="fixed",
    procedural_delay_days=60.0,
    detention_capacity=10**6,
    abscond_probability=0.0,
    plea_share=0.7,
    plea_procedure_days=15.0,
    trial_cost_years=100.0,
    dismissal_threshold=0.0,
)


def test_without_pleas_every_case_is_tried_and_the_plea_keys_do_nothing():
    """At a plea share of 0 nothing pleads: the other plea keys change nothing at all."""
    out = run(CLASSROOM, BUSY | {"legal.plea_share": 0.0}, seed=1, days=30).outcomes
    other = BUSY | {"legal.plea_share": 0.0, "legal.plea_procedure_days": 1.0, "legal.plea_sentence_discount": 0.9}
    provenance = {"scenario_hash", "overrides"}
    same = run(CLASSROOM, other, seed=1, days=30).outcomes
    assert {k: v for k, v in same.items() if k not in provenance} == {
        k: v for k, v in out.items() if k not in provenance
    }
    assert out["convictions_by_plea"] == 0 and out["traffickers_convicted"] > 0
    with_pleas = run(CLASSROOM, BUSY | {"legal.plea_share": 0.5, "legal.plea_procedure_days": 2.0}, seed=1, days=30)
    with_pleas = with_pleas.outcomes
    assert with_pleas["convictions_by_plea"] > 0


def test_all_pleas_convict_everyone_by_plea_with_the_discounted_sentence():
    """Time served at exactly the mean sentence (shares 1 to 1): 6 years tried, 6 x (1 - 0.3) by plea (smuggling
    and trafficking charges carry the same 6 years here, and so do organisers)."""
    exact = {"legal.time_served_min_share": 1.0, "legal.time_served_max_share": 1.0, "legal.plea_procedure_days": 2.0}
    exact |= {"legal.smuggling_sentence_years": 6.0, "legal.organiser_sentence_factor": 1.0}
    served = {}
    for share in (0.0, 1.0):
        model = BorderModel(CLASSROOM, seed=1, overrides=BUSY | exact | {"legal.plea_share": share})
        for _ in range(math.ceil(30 * model.steps_per_day)):
            model.step()
        out = model.outcomes()
        served[share] = [days for _start, days in model.accounts.sentences]
        if share == 1.0:
            assert out["convictions_by_plea"] == out["traffickers_convicted"] > 0, out
            assert out["cases_dismissed"] == 0 and model.courts.trials_started == 0
            assert out["court_utilisation"] == 0.0
        else:
            assert out["convictions_by_plea"] == 0 and out["traffickers_convicted"] > 0
    assert served[0.0] and served[0.0] == pytest.approx([365.0 * 6.0] * len(served[0.0]))
    assert served[1.0] and served[1.0] == pytest.approx([365.0 * 6.0 * (1 - 0.3)] * len(served[1.0]))


def test_plea_verdicts_come_after_the_plea_procedure_and_the_mean_is_the_mixture():
    """Every plea is decided after the procedure and the plea procedure, 60 + 15 days after arrest, every trial
    60 + 20 days; the time to verdict is the mixture p x 75 + (1 - p) x 80, with the Kaplan-Meier estimate equal
    to it once every case is closed."""
    court = court_run(CLOCKWORK, seed=1, days=2000.0, rate=1.0, until=1500.0)
    cases = court.closed_cases
    assert not court.open_cases and len(cases) == court.filed > 1000
    pleas = [c for c in cases if c.by_plea]
    trials = [c for c in cases if not c.by_plea]
    assert {round(c.days_to_verdict, 9) for c in pleas} == {75.0}
    assert {round(c.days_to_verdict, 9) for c in trials} == {80.0}
    assert all(c.outcome is CaseOutcome.CONVICTED and c.trial_start_day is None for c in pleas)
    assert court.pleas == len(pleas) and court.convicted == len(pleas) + sum(c.outcome == "convicted" for c in trials)
    assert court.decided == court.filed  # each case decided once
    share = len(pleas) / len(cases)
    assert share == pytest.approx(0.7, abs=4 * math.sqrt(0.7 * 0.3 / len(cases)))
    assert court.days_to_verdict_estimate() == pytest.approx(share * 75 + (1 - share) * 80, rel=1e-9)
    assert court.mean_days_to_verdict == pytest.approx(share * 75 + (1 - share) * 80, rel=1e-9)
    # Field of the closed form: the expected mean at the key's share.
    assert court.days_to_verdict_estimate() == pytest.approx(0.7 * 75 + 0.3 * 80, abs=4 * 5 * math.sqrt(0.21 / 1000))


def test_plea_sentences_are_discounted_and_trial_sentences_are_not():
    court = court_run(dataclasses.replace(CLOCKWORK, plea_sentence_discount=0.25), seed=2, days=400.0, rate=0.5)
    convicted = [c for c in court.closed_cases if c.outcome is CaseOutcome.CONVICTED]
    by_plea = [c.sentence_years for c in convicted if c.by_plea]
    assert by_plea and by_plea == pytest.approx([6.0 * 0.75] * len(by_plea))
    assert {c.sentence_years for c in convicted if not c.by_plea} == {6.0}
    assert all(c.sentence_years is None for c in court.closed_cases if c.outcome is not CaseOutcome.CONVICTED)


@pytest.mark.parametrize("share", [0.5, 0.9])
def test_pleas_cut_the_courts_load_by_the_plea_share(share):
    """The same arrivals with and without pleas: the load on the courts falls by (1 - plea_share)."""
    legal = dataclasses.replace(CLOCKWORK, courts=3, trial_distribution="exponential", plea_share=0.0)
    days = 3000.0
    tried = court_run(legal, seed=3, days=days, rate=0.2)
    pleading = court_run(dataclasses.replace(legal, plea_share=share), seed=3, days=days, rate=0.2)
    assert tried.filed == pleading.filed > 500  # the same arrivals
    n = tried.filed
    # Cases reach the courts at the end of their procedure: those still in it are not counted yet.
    assert tried.bound_for_trial == n - tried.in_procedure
    assert tried.utilisation == pytest.approx(tried.bound_for_trial / days * 20.0 / 3)
    assert pleading.utilisation == pytest.approx(pleading.bound_for_trial / days * 20.0 / 3)
    ratio = pleading.utilisation / tried.utilisation
    assert ratio == pytest.approx(1 - share, abs=4 * math.sqrt(share * (1 - share) / n)), ratio
    assert pleading.trials_started < tried.trials_started


def test_released_accused_may_abscond_before_the_plea():
    legal = dataclasses.replace(CLOCKWORK, plea_share=1.0, detention_capacity=0, abscond_probability=0.5)
    court = court_run(legal, seed=4, days=1000.0, rate=0.5, until=900.0)
    assert not court.open_cases
    assert court.absconded + court.pleas == court.filed and court.absconded > 100 and court.pleas > 100
    assert court.trials_started == 0 and court.bound_for_trial == 0
    assert all(c.closed_day - c.arrest_day <= 60.0 + 15.0 + 1e-9 for c in court.closed_cases)
    assert all(c.closed_day - c.arrest_day <= 60.0 + 1e-9 for c in court.closed_cases if c.outcome == "absconded")


def test_littles_law_holds_with_pleas_release_and_absconding():
    """Open cases, pleas among them, satisfy L = lambda W exactly when open cases count up to now (Little 1961)."""
    legal = Legal(
        courts=2,
        trial_days_mean=3.0,
        trial_distribution="lognormal",
        procedural_delay_days=30.0,
        detention_capacity=5,
        abscond_probability=0.4,
        plea_share=0.6,
        plea_procedure_days=10.0,
        trial_cost_years=100.0,
    )
    court = court_run(legal, seed=5, days=3000.0, rate=0.5)
    now = court.now_day
    assert court.pleas > 300 and court.absconded > 100 and court.trials_started > 100, court.summary()
    stays = [c.closed_day - c.arrest_day for c in court.closed_cases] + [
        now - c.arrest_day for c in court.open_cases.values()
    ]
    lam, w = court.filed / court.elapsed_days, sum(stays) / court.filed
    assert court.time_average_open_cases("open") == pytest.approx(lam * w, rel=1e-9)
