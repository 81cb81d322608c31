"""The shipped desert sector's apprehension probability per attempt lies in the field range.

This runs the model: ``apprehension_rate`` (interdictions over finished attempts) of ``desert_sector``
over 90 days must lie in 0.2-0.85, the range of field estimates of ``p`` per attempt (Massey & Singer
1995: about 0.35; US National Research Council 2013: 30-40% in the 1980s-early 1990s; docs/odd.md,
section 1; full entries in docs/references.md). A calibration check of one outcome, not a test of the
repeated-attempts closed forms (see ``test_repeated_attempts_arithmetic.py``).
"""

from __future__ import annotations

from pathlib import Path

from sim.runner import run

ROOT = Path(__file__).resolve().parents[2]


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
