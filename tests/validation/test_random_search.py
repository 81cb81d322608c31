"""Random search (Koopman 1946; docs/model.md, Validation) with the patrol detection kernel of the model.

The model's patrols detect through :func:`sim.model.detection.patrol_exposure`, integrated over the
straight-line motion of patrol and target within a step. With a very large rate that kernel is a
definite-range ("cookie-cutter") detector of range ``R``, so sweep width ``W = 2R``; a searcher
moving a track of length ``v t`` over an area ``A`` has coverage ``C = W v t / A``. Targets are
stationary and placed uniformly; each is detected with ``1 - exp(-hazard)`` as in
:meth:`sim.model.BorderModel.detect`. Tolerances are 3 standard errors of a binomial share
``sqrt(P (1 - P) / n)`` with a fixed seed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.model.detection import detection_probability, patrol_exposure

#: Side of the searched square (km), detection range (km), patrol speed (km/h).
SIDE_KM, RANGE_KM, SPEED_KMH = 10.0, 0.1, 3.0
SWEEP_KM = 2 * RANGE_KM
AREA_KM2 = SIDE_KM**2
#: Detection rate per hour large enough to make the kernel a definite-range detector.
CERTAIN_RATE = 1e7
#: Longest straight piece fed to the kernel at once (km): short enough for 3 x 3 torus images.
PIECE_KM = SIDE_KM / 2


def three_se(p: float, n: int) -> float:
    return 3.0 * math.sqrt(p * (1.0 - p) / n)


def sweep(
    targets: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    detected: np.ndarray,
    rng: np.random.Generator,
    torus: bool,
    range_km: float = RANGE_KM,
) -> None:
    """Mark in ``detected`` the targets the searcher finds moving along the straight pieces ``starts -> ends``.

    Pieces are given with a start inside the square; on a torus each target is also tried at its
    8 neighbouring images, which is exact for pieces no longer than half a side. Only images in a
    piece's bounding box (widened by the range) are passed to the kernel: the others are out of range.
    """
    offsets = np.array([(i, j) for i in (-1, 0, 1) for j in (-1, 0, 1)]) * SIDE_KM if torus else np.zeros((1, 2))
    images = (targets[None, :, :] + offsets[:, None, :]).reshape(-1, 2)
    owner = np.tile(np.arange(len(targets)), len(offsets))
    for s, e in zip(starts, ends, strict=True):
        lo, hi = np.minimum(s, e) - range_km, np.maximum(s, e) + range_km
        near = np.flatnonzero(np.all((images >= lo) & (images <= hi), axis=1) & ~detected[owner])
        if len(near) == 0:
            continue
        kernel = patrol_exposure(images[near], images[near], s[None, :], e[None, :], range_km)[:, 0]
        hazard = kernel * CERTAIN_RATE * float(np.hypot(*(e - s))) / SPEED_KMH
        draws = rng.random(len(near))
        detected[owner[near[draws < detection_probability(hazard)]]] = True


def random_legs_track(rng: np.random.Generator, length_km: float) -> tuple[np.ndarray, np.ndarray]:
    """Straight legs of uniformly random direction and length in [side, 2 side], cut into pieces, wrapped.

    Like :meth:`sim.model.BorderModel.move_patrols`, the searcher moves in straight lines to
    waypoints; legs at least a side long make its track effectively random relative to the targets.
    """
    starts, ends = [], []
    pos = rng.random(2) * SIDE_KM
    done = 0.0
    while done < length_km - 1e-9:
        angle = rng.uniform(0, 2 * np.pi)
        direction = np.array([np.cos(angle), np.sin(angle)])
        leg = min(rng.uniform(SIDE_KM, 2 * SIDE_KM), length_km - done)
        while leg > 1e-9:
            piece = min(PIECE_KM, leg)
            starts.append(pos.copy())
            ends.append(pos + direction * piece)
            pos = (pos + direction * piece) % SIDE_KM
            leg -= piece
            done += piece
    return np.array(starts), np.array(ends)


def test_straight_random_legs_match_one_minus_exp_minus_c():
    """Detected share after coverage C = 0.25, 0.5, 1, 2 equals ``1 - exp(-C)`` within 3 SE."""
    rng = np.random.default_rng(20240611)
    n = 20_000
    targets = rng.random((n, 2)) * SIDE_KM
    detected = np.zeros(n, dtype=bool)
    covered = 0.0
    results = []
    for coverage in (0.25, 0.5, 1.0, 2.0):
        length = (coverage - covered) * AREA_KM2 / SWEEP_KM
        starts, ends = random_legs_track(rng, length)
        sweep(targets, starts, ends, detected, rng, torus=True)
        covered = coverage
        results.append((coverage, detected.mean(), 1 - math.exp(-coverage)))
    for coverage, share, expected in results:
        tol = three_se(expected, n)
        assert abs(share - expected) <= tol, (
            f"C = {coverage}: detected share {share:.4f}, Koopman 1 - exp(-C) = {expected:.4f}, "
            f"difference {share - expected:+.4f} beyond 3 SE = {tol:.4f} (n = {n})"
        )


def lattice_walk_track(rng: np.random.Generator, cells: int, cell_km: float, length_km: float):
    """A searcher stepping from cell centre to a random one of its 8 neighbours (Moore grid, no torus)."""
    moves = np.array([(dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1) if (dx, dy) != (0, 0)])
    pos = rng.integers(cells, size=2)
    starts, ends = [], []
    done = 0.0
    while done < length_km:
        valid = [m for m in moves if 0 <= pos[0] + m[0] < cells and 0 <= pos[1] + m[1] < cells]
        move = valid[rng.integers(len(valid))]
        new = pos + move
        starts.append((pos + 0.5) * cell_km)
        ends.append((new + 0.5) * cell_km)
        done += float(np.hypot(*move)) * cell_km
        pos = new
    return np.array(starts), np.array(ends)


def test_lattice_random_walk_detects_clearly_less_than_random_search():
    """A cell-to-cell random walk at C = 0.6 on a 100 x 100 grid detects far below ``1 - exp(-0.6)`` = 0.451.

    Koopman's formula assumes the track is random relative to the target, which long straight legs
    achieve. A random walk keeps returning to ground it has already searched (in two dimensions
    it revisits cells again and again), so the same track length covers much less new ground.
    The expected share for such a walk is about 0.18 (this walk: about 0.17); a property of random walks, not a
    defect of the kernel.
    """
    rng = np.random.default_rng(77)
    cells = 100
    cell_km = SIDE_KM / cells
    range_km = cell_km / 2  # sweep width of one cell, as when each step searches the cell entered
    coverage = 0.6
    starts, ends = lattice_walk_track(rng, cells, cell_km, coverage * AREA_KM2 / (2 * range_km))
    n = 8_000
    targets = rng.random((n, 2)) * SIDE_KM
    detected = np.zeros(n, dtype=bool)
    sweep(targets, starts, ends, detected, rng, torus=False, range_km=range_km)
    share = detected.mean()
    formula = 1 - math.exp(-coverage)
    assert share < formula - 0.1, (
        f"lattice random walk at C = {coverage}: detected {share:.3f}, random-search formula {formula:.3f}; "
        "a walk that re-searches its own ground must fall clearly below it"
    )
    assert share > 0.05, f"lattice random walk detected only {share:.3f}: the searcher did not search"


@pytest.mark.parametrize("coverage", [0.6, 1.5])
def test_parallel_sweeps_reach_the_bound_min_one_c(coverage):
    """Lawnmower lanes spaced W apart: ``P = min(1, C)`` within 3 SE (exactly 1 when C >= 1)."""
    rng = np.random.default_rng(5)
    n = 12_000
    targets = rng.random((n, 2)) * SIDE_KM
    lanes = min(round(SIDE_KM / SWEEP_KM), round(coverage * SIDE_KM / SWEEP_KM))
    ys = RANGE_KM + SWEEP_KM * np.arange(lanes)
    # Each lane is cut into two pieces (no longer than PIECE_KM), alternating direction like a lawnmower.
    xs = np.linspace(0.0, SIDE_KM, 3)
    starts, ends = [], []
    for i, y in enumerate(ys):
        xline = xs if i % 2 == 0 else xs[::-1]
        starts += [(a, y) for a in xline[:-1]]
        ends += [(b, y) for b in xline[1:]]
    detected = np.zeros(n, dtype=bool)
    sweep(targets, np.array(starts), np.array(ends), detected, rng, torus=False)
    expected = min(1.0, coverage)
    tol = max(three_se(expected, n), 1.0 / n)
    assert abs(detected.mean() - expected) <= tol, (
        f"parallel sweeps at C = {coverage}: detected {detected.mean():.4f}, bound min(1, C) = {expected:.4f}, "
        f"difference beyond 3 SE = {tol:.4f}"
    )


def test_patrols_with_no_range_see_nothing_without_a_division_by_zero():
    """A detection range of 0 is a valid input: every pair's exposure is exactly 0, with no 0 / 0 on the way
    (a NaN would silently compare False against a random draw, and poison any sum)."""
    rng = np.random.default_rng(1)
    group = rng.uniform(0, 5, size=(2, 3, 2))
    patrol = rng.uniform(0, 5, size=(2, 4, 2))
    with np.errstate(all="raise"):
        exposure = patrol_exposure(group[0], group[1], patrol[0], patrol[1], 0.0)
    assert exposure.shape == (3, 4) and not exposure.any()
    on_top = patrol_exposure(group[0], group[1], group[0][:1], group[1][:1], 0.0)
    assert np.array_equal(on_top, np.zeros((3, 1))), "even a patrol walking with the group"
