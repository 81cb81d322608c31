"""VALIDATION.md section 4: repeated crossing attempts at a fixed apprehension probability per attempt.

People retry until they get through; each attempt is caught independently with probability ``p``.
The chance comes from the model's own rule, :func:`sim.detection.detection_probability` of a
hazard ``H`` (``p = 1 - exp(-H)``), and the draws follow the model's pattern in
:meth:`sim.model.BorderModel.detect`: one uniform per target from the model's single generator
(``Model(rng=seed).rng``), caught when below ``p``. Closed forms: apprehensions per successful
entrant ``p / (1 - p)``; re-apprehensions over apprehensions ``p``; among people apprehended, shares
caught once, twice, three or more times ``(1 - p), p (1 - p), p^2``. Tolerances: 3 standard errors.

The shipped ``desert_sector`` scenario must also land in the field range of ``p`` per attempt
(0.2-0.85; Massey & Singer 1995; US National Research Council 2013).
"""

from __future__ import annotations

import math
from pathlib import Path

import mesa
import numpy as np
import pytest

from sim.detection import detection_probability
from sim.runner import run

ROOT = Path(__file__).resolve().parents[2]
P_CAUGHT = 0.35
HAZARD = -math.log(1.0 - P_CAUGHT)


def attempts_until_success(people: int, seed: int) -> np.ndarray:
    """Apprehensions of each person before their successful attempt (draws as the model makes them)."""
    rng = mesa.Model(rng=seed).rng
    caught = np.zeros(people, dtype=np.int64)
    trying = np.arange(people)
    p = float(detection_probability(HAZARD))
    while len(trying):
        draws = rng.random(len(trying))
        stopped = draws < p
        caught[trying[stopped]] += 1
        trying = trying[stopped]
    return caught


def test_hazard_gives_the_intended_probability():
    assert float(detection_probability(HAZARD)) == pytest.approx(P_CAUGHT, abs=1e-12)


def test_repeated_attempts_match_the_closed_forms():
    p = P_CAUGHT
    n = 40_000
    caught = attempts_until_success(n, seed=1995)
    apprehensions = int(caught.sum())

    per_entrant = apprehensions / n
    se = math.sqrt(p / (1 - p) ** 2 / n)  # variance of a geometric count of failures: p / (1 - p)^2
    assert abs(per_entrant - p / (1 - p)) <= 3 * se, (
        f"apprehensions per successful entrant {per_entrant:.4f}, expected p/(1-p) = {p / (1 - p):.4f} "
        f"(3 SE = {3 * se:.4f})"
    )

    re_apprehensions = int(np.maximum(caught - 1, 0).sum())
    ratio = re_apprehensions / apprehensions
    se = math.sqrt(p * (1 - p) / apprehensions)  # each apprehension is followed by another with chance p
    assert abs(ratio - p) <= 3 * se, (
        f"re-apprehensions / apprehensions {ratio:.4f}, expected p = {p} (3 SE {3 * se:.4f})"
    )

    ever = caught[caught > 0]
    m = len(ever)
    for label, share, expected in (
        ("once", float(np.mean(ever == 1)), 1 - p),
        ("twice", float(np.mean(ever == 2)), p * (1 - p)),
        ("3+ times", float(np.mean(ever >= 3)), p * p),
    ):
        se = math.sqrt(expected * (1 - expected) / m)
        assert abs(share - expected) <= 3 * se, (
            f"share of apprehended people caught {label}: {share:.4f}, expected {expected:.4f} "
            f"(3 SE = {3 * se:.4f}, {m} people apprehended)"
        )


def test_desert_sector_apprehension_probability_in_field_range():
    """``apprehension_rate`` (interdictions / finished attempts) over 90 days lies in 0.2-0.85."""
    outcomes = run(ROOT / "scenarios" / "desert_sector.toml", seed=3, days=90).outcomes
    rate = outcomes["apprehension_rate"]
    finished = outcomes["crossings_succeeded"] + outcomes["interdictions"]
    assert finished >= 30, f"only {finished} finished attempts in 90 days: too few to judge the rate"
    assert 0.2 <= rate <= 0.85, (
        f"desert_sector apprehension probability per attempt {rate:.3f} ({outcomes['interdictions']} interdictions, "
        f"{outcomes['crossings_succeeded']} successes) outside the field range 0.2-0.85"
    )
