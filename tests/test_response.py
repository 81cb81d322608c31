"""Answering alerts without omniscience (:mod:`sim.model.response`): driving, tracking, meeting a group.

Unit tests of the pursuit's closed forms and of the drive-time raster, then mechanism tests on the
shipped desert sector with paired seeds: response speed matters in the realistic range, and groups
crossing through blind spots are caught far less often than those crossing under tower coverage.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.model.response import DriveTimes, track
from sim.runner import run
from sim.scenario import load_scenario
from sim.world import build_world

ROOT = Path(__file__).resolve().parents[1]
DESERT = ROOT / "scenarios" / "desert_sector.toml"


def pursue(**kw):
    base = {
        "trail_route_h": 10.0,
        "arrive_wall_h": 110.0,
        "depart_wall_h": 100.0,
        "zone_exit_route_h": 12.0,
        "speed_ratio": 2.0,
        "trail_loss_per_hour": 0.0,
        "loss_draw": 0.5,
    }
    return track(**(base | kw))


def test_a_patrol_at_the_trail_when_the_group_passes_meets_it_there():
    got = pursue(arrive_wall_h=105.0)  # there 5 h before the group reaches the point
    assert got.meets and got.end_route_h == 10.0 and got.end_wall_h == 110.0


def test_a_lag_closes_at_the_speed_difference():
    # The group passed 0.5 h before the patrol got there; at twice its speed the patrol catches it
    # after 0.5 h more, one hour past the trail point.
    got = pursue(arrive_wall_h=110.5)
    assert got.meets
    assert got.end_wall_h == pytest.approx(111.0)
    assert got.end_route_h == pytest.approx(11.0)


def test_a_group_that_leaves_the_zone_first_is_out_of_reach():
    got = pursue(arrive_wall_h=111.2)  # would catch up at route time 12.4 > zone exit 12
    assert not got.meets
    assert got.end_route_h == pytest.approx(12.0)  # the patrol tracked to the zone's edge
    assert got.end_wall_h == pytest.approx(111.2 + 2.0 / 2.0)


def test_a_tracker_no_faster_than_the_group_never_closes_a_lag():
    assert not pursue(arrive_wall_h=110.1, speed_ratio=1.0).meets
    assert pursue(arrive_wall_h=110.0, speed_ratio=1.0).meets  # no lag: met at the trail point


def test_a_lost_trail_ends_the_pursuit_at_the_exponential_draw():
    rate = 0.5
    draw = 1.0 - math.exp(-rate * 0.2)  # the trail is lost after exactly 0.2 h
    got = pursue(arrive_wall_h=110.5, trail_loss_per_hour=rate, loss_draw=draw)
    assert not got.meets
    assert got.end_wall_h == pytest.approx(110.7)
    assert got.end_route_h == pytest.approx(10.4)
    kept = pursue(arrive_wall_h=110.5, trail_loss_per_hour=rate, loss_draw=1.0 - math.exp(-rate * 0.6))
    assert kept.meets


@pytest.fixture(scope="module")
def desert_world():
    return build_world(load_scenario(DESERT))


def test_driving_is_faster_on_roads_and_never_on_the_origin_side(desert_world):
    loaded = load_scenario(DESERT)
    drive = DriveTimes(desert_world, loaded.spec.patrols)
    w = desert_world
    assert not (drive.speed[w.origin_mask] > 0).any()
    road = w.landcover == 6
    mountain = w.landcover == 4
    assert drive.speed[road & ~w.origin_mask].min() == pytest.approx(loaded.spec.patrols.response_speed_kmh)
    assert drive.speed[mountain & ~w.origin_mask].max() < 0.1 * loaded.spec.patrols.response_speed_kmh
    target = tuple(int(v) for v in np.argwhere(road & ~w.origin_mask)[0])
    hours = drive.to(target)
    assert hours[target] == 0.0
    assert np.isinf(hours[w.origin_mask]).all()
    finite = np.isfinite(hours)
    # No cell is reached faster than in a straight line at road speed.
    rows, cols = np.nonzero(finite)
    straight = np.hypot(rows - target[0], cols - target[1]) * w.cell_km / loaded.spec.patrols.response_speed_kmh
    assert (hours[finite] >= straight - 1e-6).all()


def test_the_bounded_search_finds_the_same_drive_times_within_its_limit(desert_world):
    """The dispatcher's search stops at ``max_response_hours``: every cell within it has the drive time of the
    search over the whole world, bit for bit; the cells beyond are inf, and :meth:`DriveTimes.hours` falls back
    to the whole search for them."""
    loaded = load_scenario(DESERT)
    limit = 0.5
    bounded = DriveTimes(desert_world, loaded.spec.patrols, within_hours=limit)
    whole = DriveTimes(desert_world, loaded.spec.patrols)
    drivable = np.argwhere(bounded.drivable)
    for target in (tuple(int(v) for v in drivable[k]) for k in (0, len(drivable) // 2, len(drivable) - 1)):
        near, full = bounded.within(target), whole.to(target)
        inside = full <= limit
        assert inside.sum() > 1 and (~inside & np.isfinite(full)).any()
        assert np.array_equal(near[inside], full[inside])
        assert np.isinf(near[~inside]).all()
        far = tuple(int(v) for v in np.argwhere(~inside & np.isfinite(full))[0])
        assert bounded.hours(far, target) == float(full[far]) > limit
        assert np.array_equal(whole.within(target), full)  # no limit: the whole search


def test_a_partial_factor_table_keeps_the_other_defaults():
    loaded = load_scenario(DESERT, ["patrols.drive_speed_factors={mountain = 0.2}"])
    assert loaded.spec.patrols.drive_speed_factors == {"mountain": 0.2}
    drive = DriveTimes(build_world(loaded), loaded.spec.patrols)
    w = drive.world
    road = (w.landcover == 6) & ~w.origin_mask
    mountain = (w.landcover == 4) & ~w.origin_mask
    assert drive.speed[road].min() == pytest.approx(loaded.spec.patrols.response_speed_kmh)
    assert drive.speed[mountain].max() == pytest.approx(0.2 * loaded.spec.patrols.response_speed_kmh)


SEEDS = range(1, 7)
DAYS = 60


def foot_outcomes(overrides: list[str]) -> list[dict]:
    """Per seed: foot crossings attempted and interdicted, through blind spots and under coverage."""
    rows = []
    for seed in SEEDS:
        result = run(DESERT, overrides, seed=seed, days=DAYS)
        foot = [c for c in result.crossings if c["mode"] == "foot" and c["result"] != "died"]
        at_line = [c for c in foot if c["reached_line"]]
        blind = [c for c in at_line if c["blind_spot"]]
        covered = [c for c in at_line if not c["blind_spot"]]
        stopped = ("interdicted", "turned_back")  # caught, or turned back on seeing the response
        rows.append(
            {
                "attempts": len(foot),
                "caught": sum(c["result"] == "interdicted" for c in foot),
                "blind": len(blind),
                "blind_stopped": sum(c["result"] in stopped for c in blind),
                "covered": len(covered),
                "covered_stopped": sum(c["result"] in stopped for c in covered),
            }
        )
    return rows


@pytest.mark.slow
def test_response_speed_matters_between_10_and_40_kmh():
    slow = foot_outcomes(["patrols.response_speed_kmh=10"])
    fast = foot_outcomes(["patrols.response_speed_kmh=40"])
    rate_slow = np.array([r["caught"] / r["attempts"] for r in slow])
    rate_fast = np.array([r["caught"] / r["attempts"] for r in fast])
    diff = rate_fast - rate_slow
    half_width = 2.571 * diff.std(ddof=1) / math.sqrt(len(diff))  # t(0.975, 5)
    print(f"apprehension of foot crossings: 10 km/h {rate_slow.mean():.3f}, 40 km/h {rate_fast.mean():.3f}")
    assert diff.mean() - half_width > 0, f"40 km/h should catch more: difference {diff.mean():.3f} +- {half_width:.3f}"


@pytest.mark.slow
def test_blind_spot_crossings_are_stopped_far_less_often_than_covered_ones():
    # Crossing points drawn uniformly along the line (no risk aversion, flat logit), so groups cross
    # blind and covered stretches alike and the comparison measures detection and response there,
    # not which groups choose which stretch.
    rows = foot_outcomes(
        [
            "traffickers.risk_aversion=0",
            "traffickers.logit_beta=0",
            "traffickers.mode_risk_sensitivity=0",
            # Busy networks that replace their members quickly, every case tried (pleas convict most guides):
            # enough crossings through blind spots to compare.
            "crossers.per_day=30",
            "traffickers.members_per_network=20",
            "traffickers.replacement_days=1",
            "traffickers.activity_floor=1",
            "agencies.investigation_yield=0",  # no network loses its organisers
            "legal.plea_share=0",
            # Patrols as before desert_sector's calibration (its calibrated patrols see groups at twice the rate):
            # sensors then carry a large part of detection, the contrast this test sizes.
            "patrols.detection_rate_per_hour=3.0",
        ]
    )
    blind = sum(r["blind_stopped"] for r in rows) / sum(r["blind"] for r in rows)
    covered = sum(r["covered_stopped"] for r in rows) / sum(r["covered"] for r in rows)
    print(f"stopped: blind spots {blind:.3f} of {sum(r['blind'] for r in rows)}, covered {covered:.3f}")
    n_blind, n_covered = sum(r["blind"] for r in rows), sum(r["covered"] for r in rows)
    assert n_blind > 100, "enough crossings through blind spots to compare"
    # Fixed sensors are missing in blind spots, patrols are not: fewer are stopped there (caught, or turned back on
    # seeing the response), by a wide margin.
    assert blind < covered - 0.2
    table = [[blind * n_blind, (1 - blind) * n_blind], [covered * n_covered, (1 - covered) * n_covered]]
    assert stats.chi2_contingency(np.round(table)).pvalue < 1e-6
