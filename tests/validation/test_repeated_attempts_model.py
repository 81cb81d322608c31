"""Repeated attempts through the model: p / (1 - p) apprehensions per person across.

Every group goes hidden in a vehicle through a port where every vehicle is inspected and the
people are found with probability ``p`` (``checkpoints.detection_probability``); everyone
apprehended is returned within half a day and tries again (``crossers.retry_probability`` 1). Each
attempt is then a Bernoulli trial, so among the people who got across the number of times they
were apprehended is geometric: ``P(k) = p^k (1 - p)``, with mean ``p / (1 - p)`` (the arithmetic of
Espenshade 1995 and of the field's "apprehensions per entrant"; checked alone in
``test_repeated_attempts_arithmetic.py``). People who joined late in the run are left out, since
the attempts of the unlucky among them would still be under way at the end.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.model import BorderModel
from sim.model.agents.person import Person, PersonState

CLASSROOM = Path(__file__).resolve().parents[2] / "scenarios" / "classroom.toml"
DAYS = 60


def port_only(p: float) -> dict:
    return {
        "crossers.per_day": 80.0,
        "crossers.return_days": 0.5,
        "crossers.retry_probability": 1.0,
        "victims.trafficked_share": 0.0,
        "victims.screening_specificity": 1.0,
        "victims.debt_bondage_per_fee": 0.0,
        "traffickers.vehicle_share": 1.0,
        "traffickers.mode_risk_sensitivity": 0.0,
        "traffickers.members_per_network": 60,
        "traffickers.drivers": 57,  # every group goes by vehicle: drivers, not guides, take them
        "agencies.investigation_yield": 0.0,  # no network loses its organisers or recruiters
        "traffickers.group_size_mean": 1.0,  # one person a vehicle: attempts independent across people
        "traffickers.replacement_days": 0.5,
        "legal.detention_capacity": 0,  # guides caught at the port await trial at liberty: no shortage of guides
        "checkpoints.screening_share": 1.0,
        "checkpoints.technology": "standard",
        "checkpoints.detection_probability": {"standard": p},
        "patrols.count": 0,
        "surveillance.sensors": [],
    }


def apprehensions_of_people_across(p: float, seed: int) -> tuple[np.ndarray, float, float, np.ndarray]:
    """Times apprehended, for each person who joined in the first half of the run and got across; the
    run's apprehensions per person across; the share of those early joiners still on their way at the end; the
    size of every group that made an attempt."""
    model = BorderModel(CLASSROOM, seed=seed, overrides=port_only(p))
    joined_early = set()
    for step in range(round(DAYS * model.steps_per_day)):
        model.step()
        if step == round(DAYS / 2 * model.steps_per_day):
            joined_early = {person.unique_id for person in model.agents_by_type[Person]}
    early = [person for person in model.agents_by_type[Person] if person.unique_id in joined_early]
    across = [person.apprehensions for person in early if person.state is PersonState.ARRIVED]
    pending = sum(person.state is not PersonState.ARRIVED for person in early) / len(early)
    sizes = np.array([row["victims"] for row in model.crossings.log])
    return np.array(across), model.outcomes()["apprehensions_per_success"], pending, sizes


@pytest.mark.parametrize("p", [0.25, 0.5])
def test_apprehensions_per_person_across_are_p_over_one_minus_p(p):
    runs = [apprehensions_of_people_across(p, seed=seed) for seed in (1, 2, 3)]
    counts = np.concatenate([r[0] for r in runs])
    n = len(counts)
    expected_mean = p / (1 - p)
    assert n > 600, f"only {n} people across"
    pending = max(r[2] for r in runs)
    assert pending < 0.01, f"{pending:.1%} of the early joiners still on their way: the counts would be truncated"
    # Mean of a geometric count: standard error sqrt(p) / (1 - p) / sqrt(n); 4 standard errors (groups of one
    # or a few people share their vehicle's fate, which widens the spread a little).
    se = np.sqrt(p) / (1 - p) / np.sqrt(n)
    print(f"\np = {p}: {n} people across, {counts.mean():.3f} apprehensions each (expected {expected_mean:.3f})")
    assert abs(counts.mean() - expected_mean) < 4 * se
    # The shares caught 0, 1, 2 and 3 or more times: a chi-square test against p^k (1 - p). People in one vehicle
    # share its fate on that attempt, so the people are clustered: the statistic is divided by the design effect
    # of groups of that size, sum(m^2) / sum(m) over the attempts (Rao and Scott 1981, first-order correction).
    observed = np.array([np.sum(counts == 0), np.sum(counts == 1), np.sum(counts == 2), np.sum(counts >= 3)])
    shares = np.array([(1 - p), p * (1 - p), p**2 * (1 - p), p**3])
    sizes = np.concatenate([r[3] for r in runs])
    design_effect = float((sizes**2).sum() / sizes.sum())
    statistic = stats.chisquare(observed, shares * n).statistic / design_effect
    print(f"  shares caught 0, 1, 2, 3+ times: {np.round(observed / n, 3)} (expected {np.round(shares, 3)})")
    print(
        f"  design effect of groups {design_effect:.2f}; corrected chi-square {statistic:.2f} on 3 degrees of freedom"
    )
    assert stats.chi2.sf(statistic, df=3) > 0.001
    # The runs' outcome, over everyone (late joiners included), is close to it too.
    per_success = np.mean([r[1] for r in runs])
    assert per_success == pytest.approx(expected_mean, rel=0.2)


def test_without_retries_nobody_is_caught_twice():
    overrides = port_only(0.5) | {"crossers.retry_probability": 0.0}
    model = BorderModel(CLASSROOM, seed=2, overrides=overrides)
    for _ in range(round(20 * model.steps_per_day)):
        model.step()
    out = model.outcomes()
    assert out["recidivism_share"] == 0.0 and out["people_apprehended"] > 50
    assert out["people_deterred"] == out["people_apprehended"] - model.migrants_by_state()["detained"]
