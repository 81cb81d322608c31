"""Fixed sensors on a barrier (docs/model.md, Validation).

Targets cross a west-east border of length ``L`` at a uniformly random point, straight north.
(a) Definite-range sensors (a rate so high that detection in range is certain) that do not overlap
detect with ``P = n 2R / L``. (b) A ridge hiding part of one tower's range lowers ``P`` by exactly the
hidden share. (c) A sensor of rate ``lambda`` on the border line detects a target crossing at speed
``u`` and lateral distance ``x`` with ``P(x) = 1 - exp(-2 lambda sqrt(R^2 - x^2) / u)``; integrated
along paths through the coverage raster, in the model's own time steps, the Monte Carlo average
matches the closed form averaged over ``x``.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate

from sim.scenario import MAX_RATE_PER_HOUR, load_scenario
from sim.world import build_world
from sim.world.surveillance import segment_means

# (a), (b): a 60 km border of 200 m cells; three 4 km towers on the line, 20 km apart.
CELL_KM = 0.2
WIDTH, HEIGHT, BORDER_ROW = 300, 40, 20
RANGE_KM = 4.0
TOWER_COLS = (50, 150, 250)
CERTAIN_RATE = MAX_RATE_PER_HOUR  # per hour, the highest allowed: any cell in range and in view is covered


def barrier_world(ridge_col: int | None = None, tower_cols=TOWER_COLS, cell_km=CELL_KM, width=WIDTH, height=HEIGHT):
    row = "".join("^" if c == ridge_col else "." for c in range(width))
    border_row = height // 2
    raw = {
        "scenario": {"name": "barrier"},
        "terrain": {"source": "ascii", "cell_m": cell_km * 1000, "ascii": "\n".join([row] * height)},
        "border": {"y_km": (border_row + 0.5) * cell_km, "zone_km": 1.0},
        "traffickers": {"networks": 0},
        "surveillance": {
            "sensors": [
                {
                    "kind": "tower",
                    "at": [(c + 0.5) * cell_km, (border_row + 0.5) * cell_km],
                    "range_m": RANGE_KM * 1000,
                    "detection_rate_per_hour": CERTAIN_RATE,
                }
                for c in tower_cols
            ]
        },
    }
    return build_world(load_scenario(raw))


def covered_share(world) -> float:
    return 1.0 - world.blind_spot_share


def test_non_overlapping_definite_range_sensors_cover_n_2R_over_L():
    world = barrier_world()
    length_km = WIDTH * CELL_KM
    n = len(TOWER_COLS)
    # Discretisation: a tower on the line covers the cells whose centres are within R, 2 floor(R/cell) + 1 cells,
    # i.e. 2R plus at most one cell; so the share is within n cells of n 2R / L.
    assert covered_share(world) == pytest.approx(n * (2 * round(RANGE_KM / CELL_KM) + 1) / WIDTH)
    assert abs(covered_share(world) - n * 2 * RANGE_KM / length_km) <= n * CELL_KM / length_km + 1e-12


def test_ridge_lowers_the_covered_share_by_exactly_the_hidden_share():
    ridge_col = TOWER_COLS[0] + 10  # a north-south ridge 2 km east of the first tower
    open_world = barrier_world()
    ridge_world = barrier_world(ridge_col)
    hidden = open_world.coverage > 0
    hidden &= ridge_world.coverage == 0
    hidden_line = hidden[BORDER_ROW]
    # hand count: the line cells east of the ridge, up to the end of the range: columns 61..70
    assert np.flatnonzero(hidden_line).tolist() == list(range(ridge_col + 1, TOWER_COLS[0] + 21))
    drop = covered_share(open_world) - covered_share(ridge_world)
    assert drop == pytest.approx(hidden_line.sum() / WIDTH)
    # continuous geometry: hidden length R - (distance to the ridge's far edge) = 4 - 2.1 = 1.9 km, within a cell
    assert abs(drop - 1.9 / (WIDTH * CELL_KM)) <= CELL_KM / (WIDTH * CELL_KM) + 1e-12


# (c): one tower of rate lambda on the line of an 8 km border of 50 m cells; targets walk north at u.
MC_CELL_KM, MC_WIDTH, MC_HEIGHT = 0.05, 160, 120
MC_RANGE_KM, MC_RATE, MC_SPEED_KMH = 2.0, 1.0, 3.0
MC_TARGETS = 20_000
STEP_HOURS = 0.25


def closed_form_average(length_km: float) -> float:
    """Mean of P(x) = 1 - exp(-2 lambda sqrt(R^2 - x^2) / u) over crossing points uniform on the border."""

    def p(x: float) -> float:
        return 1.0 - np.exp(-2.0 * MC_RATE * np.sqrt(MC_RANGE_KM**2 - x**2) / MC_SPEED_KMH)

    value, _ = integrate.quad(p, -MC_RANGE_KM, MC_RANGE_KM)
    return value / length_km


def crossing_hazards(world, x_km: np.ndarray) -> np.ndarray:
    """Summed detection hazard of straight northward crossings, integrated step by step as the model does."""
    y_start, y_end = MC_HEIGHT * MC_CELL_KM - 0.1, 0.1
    hours = (y_start - y_end) / MC_SPEED_KMH
    col = x_km / MC_CELL_KM - 0.5
    total = np.zeros_like(x_km)
    for start in np.arange(0.0, hours, STEP_HOURS):
        dt = min(STEP_HOURS, hours - start)
        y0 = y_start - MC_SPEED_KMH * start
        y1 = y0 - MC_SPEED_KMH * dt
        rows0 = np.full_like(col, y0 / MC_CELL_KM - 0.5)
        rows1 = np.full_like(col, y1 / MC_CELL_KM - 0.5)
        total += segment_means(world.coverage, rows0, col, rows1, col) * dt
    return total


def test_rate_sensor_monte_carlo_matches_closed_form():
    tower_col = MC_WIDTH // 2
    raw = {
        "scenario": {"name": "barrier-mc"},
        "terrain": {"source": "ascii", "cell_m": MC_CELL_KM * 1000, "ascii": "\n".join(["." * MC_WIDTH] * MC_HEIGHT)},
        "border": {"y_km": (MC_HEIGHT // 2 + 0.5) * MC_CELL_KM},
        "traffickers": {"networks": 0},
        "surveillance": {
            "sensors": [
                {
                    "kind": "tower",
                    "at": [(tower_col + 0.5) * MC_CELL_KM, (MC_HEIGHT // 2 + 0.5) * MC_CELL_KM],
                    "range_m": MC_RANGE_KM * 1000,
                    "detection_rate_per_hour": MC_RATE,
                }
            ]
        },
    }
    world = build_world(load_scenario(raw))
    length_km = MC_WIDTH * MC_CELL_KM
    expected = closed_form_average(length_km)  # 0.3157

    rng = np.random.default_rng(20240611)
    x_km = rng.uniform(0.0, length_km, MC_TARGETS)
    hazard = crossing_hazards(world, x_km)
    # one segment per crossing gives the same integral: the result does not depend on the step length
    whole = segment_means(
        world.coverage,
        np.full_like(x_km, (MC_HEIGHT * MC_CELL_KM - 0.1) / MC_CELL_KM - 0.5),
        x_km / MC_CELL_KM - 0.5,
        np.full_like(x_km, 0.1 / MC_CELL_KM - 0.5),
        x_km / MC_CELL_KM - 0.5,
    ) * ((MC_HEIGHT * MC_CELL_KM - 0.2) / MC_SPEED_KMH)
    np.testing.assert_allclose(hazard, whole, rtol=1e-9, atol=1e-12)

    p_detect = 1.0 - np.exp(-hazard)
    detected = rng.random(MC_TARGETS) < p_detect
    standard_error = np.sqrt(expected * (1 - expected) / MC_TARGETS)  # 0.0033
    assert abs(detected.mean() - expected) < 3 * standard_error
    # discretisation error of the 50 m raster: the mean of P over evenly spaced crossings (no sampling) is an
    # order of magnitude closer to the closed form than the sampling error allowed above
    grid = (np.arange(8000) + 0.5) * length_km / 8000
    discretised = np.mean(1.0 - np.exp(-crossing_hazards(world, grid)))
    assert abs(discretised - expected) < 0.3 * standard_error
