"""Mechanisms of the model, each shown on a small hand-drawn sector with paired seeds.

Both arms of a comparison run with the same seeds (common random numbers), several replications,
10 simulated days each; every assertion states the size of the effect it found.
"""

from __future__ import annotations

import math

import numpy as np

from sim.runner import RunResult, run

SEEDS = range(5)
DAYS = 10


def ascii_map(width: int, height: int, water_rows: tuple[int, ...] = (), gap: tuple[int, int] = (0, 0)) -> str:
    """Open ground; ``water_rows`` are water except the columns ``gap[0] <= col < gap[1]``."""
    rows = []
    for r in range(height):
        if r in water_rows:
            rows.append("~" * gap[0] + "." * (gap[1] - gap[0]) + "~" * (width - gap[1]))
        else:
            rows.append("." * width)
    return "\n".join(rows)


def sector_scenario(name: str, terrain_ascii: str, border_row: int, x_mid: float, height: int, **sections) -> dict:
    """One staging area due south and one destination due north of ``x_mid`` (km), 1 km cells, no ports."""
    raw = {
        "scenario": {"name": name},
        "time": {"step_minutes": 30},
        "terrain": {"source": "ascii", "cell_m": 1000, "ascii": terrain_ascii},
        "border": {"mode": "row", "y_km": border_row + 0.5, "origin_side": "south", "zone_km": 3},
        "staging": [{"name": "camp", "at": [x_mid, height - 1.5]}],
        "destinations": [{"name": "city", "at": [x_mid, 1.5]}],
        "surveillance": {"sensors": []},
        "agencies": {"members": [{"name": "border_patrol", "patrol_share": 1.0}]},
        "traffickers": {"networks": 2, "members_per_network": 6, "vehicle_share": 0.0},
        "crossers": {"per_day": 20},
    }
    raw.update(sections)
    return raw


def paired(values_a: list[float], values_b: list[float]) -> tuple[float, float]:
    """Mean and standard error of the paired differences b - a."""
    d = np.asarray(values_b, dtype=float) - np.asarray(values_a, dtype=float)
    return float(d.mean()), float(d.std(ddof=1) / math.sqrt(len(d)))


# A 24 x 14 km sector whose border (row 6) runs through a lake three rows deep, except a 4 km
# corridor of dry land (x 10-14 km): every crossing on foot goes through it.
CORRIDOR = sector_scenario(
    "corridor",
    ascii_map(24, 14, water_rows=(5, 6, 7), gap=(10, 14)),
    border_row=6,
    x_mid=12.5,
    height=14,
    patrols={"count": 3, "detection_rate_per_hour": 0.3, "sector": [6.0, 18.0]},
)
CORRIDOR_X = (8.0, 16.0)
TOWER_ON_CORRIDOR = {
    "surveillance.sensors": [{"kind": "tower", "at": [12.5, 4.5], "range_m": 4000, "detection_rate_per_hour": 2.0}]
}


def interdicted_in(result: RunResult, x_range: tuple[float, float]) -> int:
    return sum(c["result"] == "interdicted" and x_range[0] <= c["x_km"] <= x_range[1] for c in result.crossings)


def test_a_tower_over_the_crossing_corridor_raises_interdictions_there():
    without = [run(CORRIDOR, None, seed=s, days=DAYS) for s in SEEDS]
    with_tower = [run(CORRIDOR, TOWER_ON_CORRIDOR, seed=s, days=DAYS) for s in SEEDS]
    assert all(
        r.crossings and all(CORRIDOR_X[0] <= c["x_km"] <= CORRIDOR_X[1] for c in r.crossings) for r in without
    ), "crossings should all concentrate in the corridor"
    a = [interdicted_in(r, CORRIDOR_X) for r in without]
    b = [interdicted_in(r, CORRIDOR_X) for r in with_tower]
    mean, se = paired(a, b)
    assert mean - 2 * se > 0, (
        f"interdictions in the corridor per {DAYS}-day run: without tower {np.mean(a):.1f}, with tower "
        f"{np.mean(b):.1f}; paired difference {mean:+.1f} +/- {se:.1f} (SE) is not clearly positive"
    )
    rate_a = [r.outcomes["apprehension_rate"] for r in without]
    rate_b = [r.outcomes["apprehension_rate"] for r in with_tower]
    mean, se = paired(rate_a, rate_b)
    assert mean - 2 * se > 0, (
        f"apprehension probability per attempt: without tower {np.mean(rate_a):.2f}, with tower "
        f"{np.mean(rate_b):.2f}; paired difference {mean:+.2f} +/- {se:.2f} (SE) is not clearly positive"
    )
    assert sum(r.outcomes["interdictions_by_sensor"] for r in with_tower) > 0, "the tower never led to an interdiction"


# A 40 x 16 km open sector with the border on row 8; the east half (x >= 20 km) can be reinforced.
OPEN_BORDER = sector_scenario(
    "open_border", ascii_map(40, 16), border_row=8, x_mid=20.0, height=16, patrols={"count": 6}
)
EAST = (20.0, 40.0)
REINFORCE_EAST = {
    "patrols.sector": list(EAST),
    "surveillance.sensors": [
        {"kind": "tower", "at": [x, 7.5], "range_m": 5000, "detection_rate_per_hour": 2.0} for x in (24.5, 32.5)
    ],
}


def east_share(result: RunResult) -> float:
    xs = np.array([c["x_km"] for c in result.crossings])
    return float(np.mean((xs >= EAST[0]) & (xs <= EAST[1])))


def test_reinforcing_one_sector_shifts_crossings_away_from_it():
    base = [run(OPEN_BORDER, None, seed=s, days=DAYS) for s in SEEDS]
    reinforced = [run(OPEN_BORDER, REINFORCE_EAST, seed=s, days=DAYS) for s in SEEDS]
    assert all(len(r.crossings) >= 5 for r in base + reinforced), [len(r.crossings) for r in base + reinforced]
    a = [east_share(r) for r in base]
    b = [east_share(r) for r in reinforced]
    mean, se = paired(a, b)
    assert mean + 2 * se < 0 and mean < -0.2, (
        f"share of crossings in the east sector: {np.mean(a):.2f} before, {np.mean(b):.2f} after reinforcing it "
        f"(towers + patrols confined there); paired difference {mean:+.2f} +/- {se:.2f} (SE): no clear displacement"
    )
