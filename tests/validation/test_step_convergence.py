"""The step length is numerical, not behavioural: outcomes agree at 10, 15, 30 and 60-minute steps.

Detection is a hazard integrated over sub-steps of at most 7.5 minutes, a detection happens at the
moment the cumulative hazard reaches its exponential draw, the response is measured from that moment,
and patrols pick their next waypoint as soon as they reach one. So the step decides only how often
the model looks, not what happens. Each step length runs the shipped benchmark scenario
(``desert_sector``, whose 30-minute step this test justifies) with the same sixteen seeds for 45 days, and
every main outcome must agree with the 30-minute reference within an interval of the difference of the
two means wide enough that all fifteen comparisons (five outcomes at three step lengths) together fail
by chance one time in twenty (Bonferroni: 5% / 15 per comparison, two-sided).
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import pytest

from sim.runner import run

DESERT = Path(__file__).resolve().parents[2] / "scenarios" / "desert_sector.toml"
SEEDS = range(1, 17)
DAYS = 45
REFERENCE_MINUTES = 30
OUTCOMES = ("crossings_attempted", "crossings_succeeded", "interdictions", "apprehension_rate", "detections")
Z_99 = 2.576
#: Bonferroni over the fifteen comparisons of the sector runs: 5 % family-wise, two-sided.
Z_FAMILY = 2.935


@functools.cache
def outcomes_at(step_minutes: int) -> np.ndarray:
    """(seeds, outcomes) array of the run outcomes at one step length."""
    rows = []
    for seed in SEEDS:
        result = run(DESERT, [f"time.step_minutes={step_minutes}"], seed=seed, days=DAYS)
        rows.append([float(result.outcomes[name]) for name in OUTCOMES])
    return np.array(rows)


@pytest.mark.slow
@pytest.mark.parametrize("step_minutes", [10, 15, 60])
def test_main_outcomes_agree_with_the_30_minute_step(step_minutes):
    here, ref = outcomes_at(step_minutes), outcomes_at(REFERENCE_MINUTES)
    n = len(SEEDS)
    lines, failures = [], []
    for j, name in enumerate(OUTCOMES):
        diff = here[:, j].mean() - ref[:, j].mean()
        half = Z_FAMILY * math.sqrt(here[:, j].var(ddof=1) / n + ref[:, j].var(ddof=1) / n)
        mean_here, mean_ref = here[:, j].mean(), ref[:, j].mean()
        lines.append(f"{name}: {mean_here:.3f} at {step_minutes} min vs {mean_ref:.3f} ({diff:+.3f} +- {half:.3f})")
        if abs(diff) > half:
            failures.append(lines[-1])
    print("\n".join(lines))
    assert not failures, "outcomes depend on the step length:\n" + "\n".join(failures)


# A 40 x 16 km open sector (1 km cells, border on row 8) with one tower over its middle, six patrols
# and many small groups, so that the share of attempts apprehended is measured over about a thousand
# attempts per step length and a bias of a few points would show.
SECTOR = {
    "scenario": {"name": "step_sector"},
    "terrain": {"source": "ascii", "cell_m": 1000, "ascii": "\n".join(["." * 40] * 16)},
    "border": {"mode": "row", "y_km": 8.5, "origin_side": "south", "zone_km": 3},
    "staging": [{"name": "camp", "at": [20.0, 14.5]}],
    "destinations": [{"name": "city", "at": [20.0, 1.5]}],
    "surveillance": {
        "sensors": [{"kind": "tower", "at": [20.5, 6.5], "range_m": 6000, "detection_rate_per_hour": 1.0}]
    },
    "patrols": {"count": 6, "detection_rate_per_hour": 1.0},
    "agencies": {"members": [{"name": "border_patrol", "patrol_share": 1.0}]},
    "traffickers": {"networks": 4, "members_per_network": 20, "vehicle_share": 0.0, "group_size_mean": 2},
    "crossers": {"per_day": 30},
}


@functools.cache
def sector_attempts(step_minutes: int) -> tuple[int, int]:
    """(attempts finished, attempts interdicted), pooled over seeds."""
    finished = caught = 0
    for seed in range(6):
        result = run(SECTOR, [f"time.step_minutes={step_minutes}"], seed=seed, days=15)
        ended = [c for c in result.crossings if c["result"] in ("interdicted", "succeeded", "turned_back")]
        finished += len(ended)
        caught += sum(c["result"] == "interdicted" for c in ended)
    return finished, caught


@pytest.mark.slow
@pytest.mark.parametrize("step_minutes", [10, 60])
def test_the_share_of_attempts_apprehended_does_not_depend_on_the_step(step_minutes):
    n_here, k_here = sector_attempts(step_minutes)
    n_ref, k_ref = sector_attempts(REFERENCE_MINUTES)
    p_here, p_ref = k_here / n_here, k_ref / n_ref
    half = Z_99 * math.sqrt(p_here * (1 - p_here) / n_here + p_ref * (1 - p_ref) / n_ref)
    print(f"apprehended per attempt: {p_here:.3f} of {n_here} at {step_minutes} min, {p_ref:.3f} of {n_ref} at 30 min")
    assert n_here > 600 and n_ref > 600
    assert abs(p_here - p_ref) < half, f"{p_here:.3f} vs {p_ref:.3f}: differs by more than {half:.3f}"
