"""Repeated-attempts arithmetic (docs/model.md, Validation), checked outside the model.

What this checks, and what it does not. In the model, people who are caught do not try again (their
journey ends at the interdiction), so the model cannot yet be run against these closed forms. This
test checks the closed forms themselves, with the model's own pieces where the model has them: the
probability per attempt comes from the model's rule :func:`sim.model.detection.detection_probability` of a
hazard ``H`` (``p = 1 - exp(-H)``), and the draws follow the pattern of
:meth:`sim.model.BorderModel.detect` (one uniform per target from a Mesa model's generator, caught when
below ``p``). The retry loop is this test's own. It validates the arithmetic a calibration would use
(apprehensions per successful entrant ``p / (1 - p)``; re-apprehensions over apprehensions ``p``; among
people apprehended, shares caught once, twice, three or more times ``(1 - p), p (1 - p), p^2``), not the
model's dynamics. Tolerances: 3 standard errors.

The check that does run the model, the shipped desert sector's apprehension probability per attempt
against the field range, is in ``test_apprehension_field_range.py``.
"""

from __future__ import annotations

import math

import mesa
import numpy as np
import pytest

from sim.model.detection import detection_probability

P_CAUGHT = 0.35
HAZARD = -math.log(1.0 - P_CAUGHT)


def attempts_until_success(people: int, seed: int) -> np.ndarray:
    """Apprehensions of each person before their successful attempt: this test's own retry loop, with
    draws as the model makes them."""
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


def test_retry_loop_matches_the_closed_forms():
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
